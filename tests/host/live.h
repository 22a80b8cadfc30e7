/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * live.h - what the host test programs share: sysfs helpers independent of
 * libhgm, a child that maps a known layout, hgmctl run for its JSON, and the
 * `live` fixture (root caller, hugetlb pools restored whatever happens).
 *
 * The fixture holds an exclusive lock on HOST_TEST_LOCK for each test, so two
 * test programs (or two checkouts) never resize the same pools at once.  The
 * descriptor is inherited by the hgmctl it runs, which uses it as its own
 * (hgm_pool_lock()) instead of waiting for the test.
 */
#ifndef HOST_LIVE_H
#define HOST_LIVE_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/memfd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hgm.h"
#include "jsonq.h"
#include "kselftest_harness.h"

/* the lock hgmctl takes itself when it grows a pool for its own workload */
#define HOST_TEST_LOCK HGM_POOL_LOCK

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

#define NEED_ROOT(why) do { \
	if (geteuid() != 0) \
		SKIP(return, "needs root to %s", why); \
} while (0)

#define K ((uint64_t)1024)
#define M (K * K)
#define G (M * K)

static inline const char *hgmctl(void)
{
	const char *p = getenv("HGMCTL");

	return p && *p ? p : HGMCTL_BIN;
}

/* ---- sysfs helpers, independent of libhgm (it is what is under test) ---- */

static inline int read_u64(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%" SCNu64, v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static inline int write_u64(const char *path, uint64_t v)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%" PRIu64 "\n", v) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static inline void pool_path(char *buf, size_t size, uint64_t page_size, const char *file)
{
	snprintf(buf, size, "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/%s",
		 page_size / K, file);
}

/* Grows the pool of @page_size until @need pages are free; returns 0 or -1. */
static inline int pool_make_free(uint64_t page_size, uint64_t need)
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

/* Sums "Label: N kB" lines of a smaps-like file, in bytes. */
static inline uint64_t smaps_sum(const char *path, const char *label)
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

/* Returns a /proc/meminfo value in bytes, 0 if absent. */
static inline uint64_t meminfo(const char *label)
{
	uint64_t v = smaps_sum("/proc/meminfo", label);

	return v == UINT64_MAX ? 0 : v;
}

/* ---- the child that maps a known layout ------------------------------------ */

struct layout {
	uint64_t hugetlb;	/* bytes of hugetlb */
	uint64_t hpage;		/* its page size */
	bool shared;		/* memfd MAP_SHARED, else MAP_PRIVATE anonymous */
	uint64_t thp;		/* bytes of THP, PMD-aligned */
	bool split;		/* split the upper half of the THP to PTE mappings */
	bool split_all;		/* split every THP to PTE mappings */
	bool share;		/* a second process maps the hugetlb memory too */
	uint64_t small;		/* bytes of anonymous memory in a VMA too small for PMDs */
};

struct placed {
	uint64_t hugetlb_addr, thp_addr, small_addr;
	pid_t sharer;
	int err;
};

static inline void __attribute__((noreturn)) child_main(const struct layout *l, int fd)
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
		char *raw = mmap(NULL, l->thp + 2 * M, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *a;

		if (raw == MAP_FAILED)
			goto fail;
		a = (char *)(((uintptr_t)raw + 2 * M - 1) & ~(uintptr_t)(2 * M - 1));
		if (madvise(a, l->thp, MADV_HUGEPAGE))
			goto fail;
		for (off = 0; off < l->thp; off += 4096)
			a[off] = 1;
		if (l->split || l->split_all) {
			for (off = l->split_all ? 0 : l->thp / 2; off < l->thp; off += 2 * M)
				if (mprotect(a + off, 4096, PROT_READ) ||
				    mprotect(a + off, 4096, PROT_READ | PROT_WRITE))
					goto fail;
			/* keep khugepaged away from the split part (splits the VMA there) */
			off = l->split_all ? 0 : l->thp / 2;
			madvise(a + off, l->thp - off, MADV_NOHUGEPAGE);
		}
		p.thp_addr = (uintptr_t)a;
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

static inline pid_t spawn(const struct layout *l, struct placed *p)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		child_main(l, fds[1]);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], p, sizeof(*p)) != sizeof(*p)) {
		p->err = EIO;
	}
	close(fds[0]);
	return pid;
}

/* Runs hgmctl with @args; returns its parsed JSON stdout or NULL. */
static inline struct jq_value *hgmctl_json(const char *args, int *status)
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

/* Runs hgmctl with @args, stdout and stderr to @out (NUL-terminated); returns its exit code. */
static inline int hgmctl_text(const char *args, char *out, size_t size)
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

/* Every hugetlb pool's counters (2M and 1G): what a refused command must leave as it was. */
struct pool_counts {
	uint64_t v[2][3];	/* nr_hugepages, free_hugepages, surplus_hugepages; -1: absent */
};

static inline void pool_counts(struct pool_counts *c)
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

static inline bool pool_counts_equal(const struct pool_counts *a, const struct pool_counts *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/*
 * With the 2M pool emptied, each of the @n hgmctl argument lists @bad (usage
 * errors) must exit 2 before the command gets going (no @ran in its output)
 * and leave every pool counter as it was.
 */
static inline void usage_errors_leave_pools(struct __test_metadata *_metadata,
					    const char *const *bad, size_t n, const char *ran)
{
	struct pool_counts before, after;
	char path[256], out[4096];
	size_t i;

	pool_path(path, sizeof(path), 2 * M, "nr_hugepages");
	ASSERT_EQ(0, write_u64(path, 0));
	pool_counts(&before);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(2, hgmctl_text(bad[i], out, sizeof(out))) TH_LOG("%s: %s", bad[i], out);
		EXPECT_EQ(NULL, strstr(out, ran)) TH_LOG("%s: %s", bad[i], out);
		pool_counts(&after);
		EXPECT_TRUE(pool_counts_equal(&before, &after))
			TH_LOG("%s: 2M pool %" PRIu64 " -> %" PRIu64 " pages", bad[i],
			       before.v[0][0], after.v[0][0]);
		/* what a late error left behind must not spoil the next case */
		write_u64(path, 0);
	}
}

/* `hgmctl maps PID --json`, parsed. */
static inline struct jq_value *maps_json(pid_t pid, int *status)
{
	char args[64];

	snprintf(args, sizeof(args), "maps %d --json", (int)pid);
	return hgmctl_json(args, status);
}

static inline const struct jq_value *vma_at(const struct jq_value *maps, uint64_t addr)
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

static inline uint64_t u64_at(const struct jq_value *v, const char *path)
{
	unsigned long long x;

	return jq_u64(jq_get(v, path), &x) == 0 ? x : UINT64_MAX;
}

/* How run_hgmctl_as() prepares its child before it runs hgmctl. */
enum run_as {
	RUN_AS_NOBODY,		/* user and group 65534: no capabilities */
	RUN_AS_ROOT_NO_PTRACE,	/* root without CAP_SYS_PTRACE (dropped from the bounding set) */
	RUN_AS_USERNS,		/* root of a new user namespace */
};

/*
 * Runs hgmctl with @argv (argv[0] is ignored) in a child prepared as @how,
 * stdout and stderr into @out (NUL-ended); *@child holds its pid meanwhile,
 * for the fixture's teardown.  Returns its wait status, or -1 if it could not
 * start.  An exit status of 125 means the preparation failed, 126 the exec.
 */
static inline int run_hgmctl_as(enum run_as how, pid_t *child, char *out, size_t size,
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

static inline int run_as_nobody(pid_t *child, char *out, size_t size, char *argv[])
{
	return run_hgmctl_as(RUN_AS_NOBODY, child, out, size, argv);
}

/* ---- fixture: a root caller, pools restored whatever happens ----------------- */

FIXTURE(live) {
	uint64_t saved[2];	/* nr_hugepages of 2M, 1G */
	bool have[2];
	pid_t child;
	pid_t sharer;		/* the child's child, re-parented to us */
	struct jq_value *json;
	int lock;		/* HOST_TEST_LOCK, held for the test */
};

static const uint64_t sizes[2] = { 2 * M, 1 * G };

FIXTURE_SETUP(live)
{
	char path[256];
	int i;

	self->child = 0;
	self->sharer = 0;
	self->json = NULL;
	/* before the pools are saved: another program may be mid-test */
	self->lock = hgm_pool_lock(true);
	/* inherited by hgmctl: it holds the lock for the test, not against it */
	if (self->lock >= 0)
		fcntl(self->lock, F_SETFD, 0);
	/* grandchildren come back to us when their parent dies: we can reap them */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (i = 0; i < 2; i++) {
		pool_path(path, sizeof(path), sizes[i], "nr_hugepages");
		self->have[i] = read_u64(path, &self->saved[i]) == 0;
	}
}

FIXTURE_TEARDOWN(live)
{
	char path[256];
	uint64_t now;
	int i;

	/*
	 * Every mapper gone and reaped before the pool shrinks back: the sharer
	 * becomes our child (subreaper) once its parent is reaped.
	 */
	if (self->sharer > 0)
		kill(self->sharer, SIGKILL);
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->sharer > 0)
		waitpid(self->sharer, NULL, 0);
	jq_free(self->json);
	for (i = 0; i < 2 && geteuid() == 0; i++) {
		if (!self->have[i])
			continue;
		pool_path(path, sizeof(path), sizes[i], "nr_hugepages");
		write_u64(path, self->saved[i]);
		EXPECT_EQ(0, read_u64(path, &now));
		EXPECT_EQ(self->saved[i], now);
	}
	if (self->lock >= 0)
		close(self->lock);
}

/* `hgmctl pagemap PID START+LEN --json`, parsed. */
static inline struct jq_value *pagemap_json(pid_t pid, uint64_t start, uint64_t len, int *status)
{
	char args[128];

	snprintf(args, sizeof(args), "pagemap %d %" PRIx64 "+%" PRIu64 " --json", (int)pid,
		 start, len);
	return hgmctl_json(args, status);
}

static inline uint64_t hex_at(const struct jq_value *v, const char *path)
{
	const char *s = jq_str(jq_get(v, path));

	return s ? strtoull(s, NULL, 16) : UINT64_MAX;
}

/* Checks that folios[] covers [start, start + n * size) with rows of @size each. */
static inline int rows_of(const struct jq_value *json, uint64_t start, uint64_t size, size_t n)
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

#endif /* HOST_LIVE_H */
