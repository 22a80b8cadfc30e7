// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * live.c - what the host test programs share (live.h says what): a compiled
 * test library, as selftests/mm's vm_util.c
 */
#define LIVE_NO_HARNESS
#include "live.h"
#include "common.h"

const char *hgmctl(void)
{
	const char *p = getenv("HGMCTL");

	return p && *p ? p : HGMCTL_BIN;
}

int read_u64(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%" SCNu64, v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

int write_u64(const char *path, uint64_t v)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%" PRIu64 "\n", v) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

void pool_path(char *buf, size_t size, uint64_t page_size, const char *file)
{
	snprintf(buf, size, "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/%s",
		 page_size / K, file);
}

int pool_make_free(uint64_t page_size, uint64_t need)
{
	char nr[256], fr[256], rs[256];
	uint64_t total, free_, resv;

	pool_path(nr, sizeof(nr), page_size, "nr_hugepages");
	pool_path(fr, sizeof(fr), page_size, "free_hugepages");
	pool_path(rs, sizeof(rs), page_size, "resv_hugepages");
	if (read_u64(nr, &total) || read_u64(fr, &free_) || read_u64(rs, &resv))
		return -1;
	if (free_ - resv >= need)
		return 0;
	if (write_u64(nr, total + need - (free_ - resv)))
		return -1;
	if (read_u64(fr, &free_) || read_u64(rs, &resv))
		return -1;
	return free_ - resv >= need ? 0 : -1;
}

uint64_t smaps_sum(const char *path, const char *label)
{
	char line[512];
	uint64_t sum = 0, kb;
	size_t n = strlen(label);
	FILE *f = fopen(path, "r");

	if (!f)
		return UINT64_MAX;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, label, n) == 0 && line[n] == ':' &&
		    sscanf(line + n + 1, "%" SCNu64, &kb) == 1)
			sum += kb * K;
	fclose(f);
	return sum;
}

uint64_t meminfo(const char *label)
{
	uint64_t v = smaps_sum("/proc/meminfo", label);

	return v == UINT64_MAX ? 0 : v;
}

void __attribute__((noreturn)) child_main(const struct layout *l, int fd)
{
	struct placed p = { 0 };
	uint64_t off;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (l->hugetlb) {
		int shift = __builtin_ctzll(l->hpage);
		char *a;

		if (l->shared) {
			int mfd = memfd_create("host-test", MFD_HUGETLB | (shift << MFD_HUGE_SHIFT));

			if (mfd < 0 || ftruncate(mfd, l->hugetlb))
				goto fail;
			a = mmap(NULL, l->hugetlb, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		} else {
			a = mmap(NULL, l->hugetlb, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (shift << MAP_HUGE_SHIFT),
				 -1, 0);
		}
		if (a == MAP_FAILED)
			goto fail;
		for (off = 0; off < l->hugetlb; off += l->hpage)
			a[off] = 1;
		p.hugetlb_addr = (uintptr_t)a;
	}
	if (l->thp) {
		char *a = thp_map(l->thp, 2 * M, true);

		if (a == MAP_FAILED)
			goto fail;
		if (l->split || l->split_all) {
			off = l->split_all ? 0 : l->thp / 2;
			if (thp_split_pmds(a + off, l->thp - off, 2 * M))
				goto fail;
			/* keep khugepaged away from the split part (splits the VMA there) */
			madvise(a + off, l->thp - off, MADV_NOHUGEPAGE);
			for (; l->carve && off < l->thp; off += 2 * M)
				if (mprotect(a + off, 4096, PROT_READ) ||
				    munmap(a + off + 4096, 4096))
					goto fail;
			if (l->carve) {
				char *to = thp_map(4 * M, 2 * M, false);
				char *last = a + l->thp - 2 * M + 8192;

				/* moved over a fresh PMD-aligned area: page 2 lands on a boundary */
				if (to == MAP_FAILED)
					goto fail;
				to = mremap(last, 2 * M - 8192, 2 * M - 8192,
					    MREMAP_MAYMOVE | MREMAP_FIXED, to);
				if (to == MAP_FAILED)
					goto fail;
				p.moved_addr = (uintptr_t)to;
			}
		}
		p.thp_addr = (uintptr_t)a;
	}
	if (l->shmem_thp) {
		int mfd = memfd_create("host-test-shmem", 0);
		char *at = thp_map(l->shmem_thp, 2 * M, false), *a;

		/* a PMD-aligned place (thp_map's), the memfd mapped over it */
		if (mfd < 0 || ftruncate(mfd, l->shmem_thp) || at == MAP_FAILED)
			goto fail;
		a = mmap(at, l->shmem_thp, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mfd, 0);
		if (a == MAP_FAILED)
			goto fail;
		for (off = 0; off < l->shmem_thp; off += 4096)
			a[off] = 1;
		if (madvise(a, l->shmem_thp, 25 /* MADV_COLLAPSE */) == 0)
			p.shmem_addr = (uintptr_t)a;
	}
	if (l->small) {
		char *a = mmap(NULL, l->small, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (a == MAP_FAILED)
			goto fail;
		for (off = 0; off < l->small; off += 4096)
			a[off] = 1;
		p.small_addr = (uintptr_t)a;
	}
	if (l->share) {
		/* inherits the MAP_SHARED hugetlb mapping: two mappers of each page */
		int ready[2];
		char c = 0;

		if (pipe(ready))
			goto fail;
		p.sharer = fork();
		if (p.sharer == 0) {
			volatile char *h = (char *)(uintptr_t)p.hugetlb_addr;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* fork copies no page tables of shared mappings: fault them in */
			for (off = 0; off < l->hugetlb; off += l->hpage)
				c += h[off];
			if (write(ready[1], &c, 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		if (p.sharer < 0 || read(ready[0], &c, 1) != 1)
			goto fail;
		close(ready[0]);
		close(ready[1]);
	}
	if (write(fd, &p, sizeof(p)) != sizeof(p))
		_exit(1);
	for (;;)
		pause();
fail:
	p.err = errno;
	if (write(fd, &p, sizeof(p)) != sizeof(p))
		_exit(1);
	_exit(1);
}

pid_t fork_reporter(int *fd)
{
	int fds[2];
	pid_t pid;

	*fd = -1;
	if (pipe(fds))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		*fd = fds[1];
		return 0;
	}
	close(fds[1]);
	if (pid < 0)
		close(fds[0]);
	else
		*fd = fds[0];
	return pid;
}

int read_report(int fd, void *buf, size_t size)
{
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	return n == (ssize_t)size ? 0 : -1;
}

pid_t spawn(const struct layout *l, struct placed *p)
{
	int fd;
	pid_t pid = fork_reporter(&fd);

	if (pid == 0)
		child_main(l, fd);
	if (pid < 0 || read_report(fd, p, sizeof(*p)))
		p->err = EIO;
	return pid;
}

struct jq_value *hgmctl_json(const char *args, int *status)
{
	char cmd[512], err[128];
	struct jq_value *v;
	char *out;

	snprintf(cmd, sizeof(cmd), "%s %s", hgmctl(), args);
	out = jq_read_cmd(cmd, status);
	if (!out)
		return NULL;
	v = jq_parse(out, err, sizeof(err));
	if (!v)
		fprintf(stderr, "# %s: invalid JSON: %s\n", cmd, err);
	free(out);
	return v;
}

int hgmctl_text(const char *args, char *out, size_t size)
{
	char cmd[1024];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", hgmctl(), args);
	fflush(NULL);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void pool_counts(struct pool_counts *c)
{
	static const char *const files[3] = {
		"nr_hugepages", "free_hugepages", "surplus_hugepages",
	};
	char path[256];
	int i, f;

	for (i = 0; i < 2; i++)
		for (f = 0; f < 3; f++) {
			pool_path(path, sizeof(path), i ? 1 * G : 2 * M, files[f]);
			if (read_u64(path, &c->v[i][f]))
				c->v[i][f] = UINT64_MAX;
		}
}

bool pool_counts_equal(const struct pool_counts *a, const struct pool_counts *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

struct jq_value *maps_json(pid_t pid, int *status)
{
	char args[64];

	snprintf(args, sizeof(args), "maps %d --json", (int)pid);
	return hgmctl_json(args, status);
}

const struct jq_value *vma_at(const struct jq_value *maps, uint64_t addr)
{
	const struct jq_value *vmas = jq_get(maps, "vmas");
	char want[32];
	size_t i;

	snprintf(want, sizeof(want), "0x%" PRIx64, addr);
	for (i = 0; i < jq_len(vmas); i++) {
		const struct jq_value *v = jq_at(vmas, i);

		if (jq_str(jq_get(v, "start")) && strcmp(jq_str(jq_get(v, "start")), want) == 0)
			return v;
	}
	return NULL;
}

uint64_t u64_at(const struct jq_value *v, const char *path)
{
	unsigned long long x;

	return jq_u64(jq_get(v, path), &x) == 0 ? x : UINT64_MAX;
}

int run_hgmctl_as(enum run_as how, pid_t *child, char *out, size_t size,
		  char *argv[])
{
	size_t len;
	ssize_t n;
	int fds[2], status;

	if (pipe(fds))
		return -1;
	fflush(NULL);
	*child = fork();
	if (*child == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		if (how == RUN_AS_NOBODY && (setgid(65534) || setuid(65534)))
			_exit(125);
		/* a root exec takes its capabilities from the bounding set */
		if (how == RUN_AS_ROOT_NO_PTRACE && prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0))
			_exit(125);
		if (how == RUN_AS_USERNS && unshare(CLONE_NEWUSER))
			_exit(125);
		execv(hgmctl(), argv);
		_exit(126);
	}
	close(fds[1]);
	/* until EOF: an unbuffered stderr message arrives in several writes */
	for (len = 0; len < size - 1; len += n) {
		n = read(fds[0], out + len, size - 1 - len);
		if (n <= 0)
			break;
	}
	close(fds[0]);
	out[len] = '\0';
	if (*child < 0 || waitpid(*child, &status, 0) != *child)
		status = -1;
	*child = 0;
	return status;
}

int run_as_nobody(pid_t *child, char *out, size_t size, char *argv[])
{
	return run_hgmctl_as(RUN_AS_NOBODY, child, out, size, argv);
}

struct jq_value *pagemap_json(pid_t pid, uint64_t start, uint64_t len, int *status)
{
	char args[128];

	snprintf(args, sizeof(args), "pagemap %d %" PRIx64 "+%" PRIu64 " --json", (int)pid,
		 start, len);
	return hgmctl_json(args, status);
}

uint64_t hex_at(const struct jq_value *v, const char *path)
{
	const char *s = jq_str(jq_get(v, path));

	return s ? strtoull(s, NULL, 16) : UINT64_MAX;
}

int rows_of(const struct jq_value *json, uint64_t start, uint64_t size, size_t n)
{
	const struct jq_value *rows = jq_get(json, "folios");
	size_t i;

	if (jq_len(rows) != n)
		return -1;
	for (i = 0; i < n; i++) {
		const struct jq_value *r = jq_at(rows, i);
		char want[32];

		snprintf(want, sizeof(want), "0x%" PRIx64, start + i * size);
		if (!jq_str(jq_get(r, "start")) || strcmp(jq_str(jq_get(r, "start")), want))
			return -1;
		if (u64_at(r, "order") == UINT64_MAX)
			return -1;
	}
	return 0;
}

static const uint64_t sizes[LIVE_POOLS] = { 2 * M, 1 * G };

int live_lock_and_save(uint64_t saved[LIVE_POOLS], bool have[LIVE_POOLS])
{
	char path[256];
	int i, lock;

	/* before the pools are saved: another program may be mid-test */
	lock = hgm_pool_lock(true);
	/* inherited by hgmctl: it holds the lock for the test, not against it */
	if (lock >= 0)
		fcntl(lock, F_SETFD, 0);
	/* grandchildren come back to us when their parent dies: we can reap them */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (i = 0; i < LIVE_POOLS; i++) {
		pool_path(path, sizeof(path), sizes[i], "nr_hugepages");
		have[i] = read_u64(path, &saved[i]) == 0;
	}
	return lock;
}

void live_reap(pid_t child, pid_t sharer)
{
	/*
	 * Every mapper gone and reaped before the pool shrinks back: the sharer
	 * becomes our child (subreaper) once its parent is reaped.
	 */
	if (sharer > 0)
		kill(sharer, SIGKILL);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (sharer > 0)
		waitpid(sharer, NULL, 0);
}

int live_restore_pools(const uint64_t saved[LIVE_POOLS], const bool have[LIVE_POOLS])
{
	char path[256];
	int i, bad = 0;
	uint64_t now;

	for (i = 0; i < LIVE_POOLS && geteuid() == 0; i++) {
		if (!have[i])
			continue;
		pool_path(path, sizeof(path), sizes[i], "nr_hugepages");
		write_u64(path, saved[i]);
		if (read_u64(path, &now) || now != saved[i]) {
			fprintf(stderr, "# %s: %" PRIu64 " pages, not %" PRIu64 " as before\n",
				path, now, saved[i]);
			bad++;
		}
	}
	return bad;
}

pid_t spawn_nobody(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setgid(65534) || setuid(65534))
			_exit(1);
		for (;;)
			pause();
	}
	/* let it change its credentials before anyone looks at it */
	if (pid > 0)
		usleep(100 * 1000);
	return pid;
}
