// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd_test.c - `uffd probe` against the live kernel's own answers, and the
 * post-copy simulator: page-size runs deliver exactly the source's bytes,
 * corruption is caught, and 4K is refused cleanly without HGM (and runs for
 * real, with a collapse after, where the kernel has HGM).
 */
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <ctype.h>
#include <grp.h>
#include <sys/syscall.h>

#include "live.h"
#include "linux/hgm.h"

/* UFFDIO_API of a fresh context, asked here without libhgm; 0 if none could be opened. */
static uint64_t kernel_uffd_features(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return 0;
	if (ioctl(fd, UFFDIO_API, &api))
		api.features = 0;
	close(fd);
	return api.features;
}

static bool kernel_has_hgm(void)
{
	return kernel_uffd_features() & UFFD_FEATURE_MINOR_HUGETLBFS_HGM;
}

/*
 * Runs `hgmctl @args` as user and group 65534 (no capabilities: a uid change
 * away from 0 clears them); returns its stdout (malloc'd) or NULL.
 */
static char *hgmctl_as_nobody(const char *args, int *status)
{
	char *argv[8], *out = NULL, buf[4096];
	size_t len = 0, n = 0;
	char copy[256], *tok, *save;
	int fds[2], st;
	ssize_t got;
	pid_t pid;

	snprintf(copy, sizeof(copy), "%s", args);
	argv[n++] = (char *)hgmctl();
	for (tok = strtok_r(copy, " ", &save); tok && n < 7; tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	argv[n] = NULL;
	if (pipe(fds))
		return NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return NULL;
	}
	while ((got = read(fds[0], buf, sizeof(buf))) > 0) {
		char *p = realloc(out, len + (size_t)got + 1);

		if (!p)
			break;
		out = p;
		memcpy(out + len, buf, (size_t)got);
		len += (size_t)got;
		out[len] = '\0';
	}
	close(fds[0]);
	waitpid(pid, &st, 0);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

static uint64_t nr_hugepages(uint64_t page_size)
{
	char path[256];
	uint64_t v = UINT64_MAX;

	pool_path(path, sizeof(path), page_size, "nr_hugepages");
	read_u64(path, &v);
	return v;
}

TEST_F(live, uffd_probe_lists_exactly_the_features_uffdio_api_offers)
{
	uint64_t want = kernel_uffd_features(), mask, seen = 0;
	const struct jq_value *feats;
	bool saw_hgm_bit = false;
	int status;
	size_t i;

	NEED_ROOT("open a userfaultfd whatever vm.unprivileged_userfaultfd says");
	if (!want)
		SKIP(return, "this kernel gives no userfaultfd (CONFIG_USERFAULTFD off?)");
	self->json = hgmctl_json("uffd probe --json", &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	EXPECT_EQ(1, jq_bool(jq_get(self->json, "usable")));
	EXPECT_STREQ("syscall", jq_str(jq_get(self->json, "via")));
	mask = hex_at(self->json, "api.features_mask");
	EXPECT_EQ(want, mask);
	feats = jq_get(self->json, "api.features");
	ASSERT_NE(NULL, feats);
	for (i = 0; i < jq_len(feats); i++) {
		const struct jq_value *f = jq_at(feats, i);
		uint64_t bit = u64_at(f, "bit");

		ASSERT_LT(bit, 64);
		EXPECT_EQ(!!(want & (1ULL << bit)), jq_bool(jq_get(f, "available")))
			TH_LOG("bit %" PRIu64, bit);
		if (jq_bool(jq_get(f, "available")))
			seen |= 1ULL << bit;
		if (bit == 20) {
			saw_hgm_bit = true;
			EXPECT_STREQ("minor_hugetlbfs_hgm", jq_str(jq_get(f, "name")));
		}
	}
	/* every offered bit is listed, and the HGM bit is listed even when absent */
	EXPECT_EQ(want, seen);
	EXPECT_TRUE(saw_hgm_bit);
	EXPECT_EQ(!!(want & UFFD_FEATURE_MINOR_HUGETLBFS_HGM), jq_bool(jq_get(self->json, "hgm")));
}

TEST_F(live, uffd_probe_reports_the_sysctl_and_the_device)
{
	uint64_t sysctl;
	int status;

	if (read_u64("/proc/sys/vm/unprivileged_userfaultfd", &sysctl))
		SKIP(return, "no vm.unprivileged_userfaultfd");
	self->json = hgmctl_json("uffd probe --json", &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	EXPECT_EQ(sysctl, u64_at(self->json, "access.unprivileged_userfaultfd"));
	EXPECT_EQ(access("/dev/userfaultfd", F_OK) == 0,
		  jq_bool(jq_get(self->json, "access.dev_userfaultfd_exists")));
	EXPECT_EQ(3, jq_len(jq_get(self->json, "access.ways")));
}

/* The value of the text line "LABEL   value...", or NULL. */
static const char *text_field(const char *out, const char *label)
{
	const char *p = strstr(out, label);

	if (!p || (p != out && p[-1] != '\n'))
		return NULL;
	for (p += strlen(label); *p == ' '; p++)
		;
	return p;
}

static bool says_yes(const char *v)
{
	return v && strncmp(v, "yes", 3) == 0;
}

/* Every field of `uffd probe --json` has its line in the text, saying the same. */
TEST_F(live, uffd_probe_text_says_every_field_its_json_has)
{
	static const char *const way_labels[] = {
		"userfaultfd(2):", "userfaultfd(2) with UFFD_USER_MODE_ONLY:", "/dev/userfaultfd:",
	};
	const struct jq_value *ways;
	char out[16384];
	const char *v;
	int status;
	size_t i;

	self->json = hgmctl_json("uffd probe --json", &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, hgmctl_text("uffd probe", out, sizeof(out))) TH_LOG("%s", out);
	v = text_field(out, "Kernel:");
	ASSERT_NE(NULL, v) TH_LOG("%s", out);
	EXPECT_EQ(0, strncmp(v, jq_str(jq_get(self->json, "kernel.release")),
			     strlen(jq_str(jq_get(self->json, "kernel.release")))));
	EXPECT_EQ(jq_bool(jq_get(self->json, "usable")),
		  says_yes(text_field(out, "Usable by this caller:"))) TH_LOG("%s", out);
	EXPECT_EQ(jq_bool(jq_get(self->json, "access.cap_sys_ptrace")),
		  says_yes(text_field(out, "CAP_SYS_PTRACE:"))) TH_LOG("%s", out);
	v = text_field(out, "/dev/userfaultfd exists:");
	ASSERT_NE(NULL, v) TH_LOG("no line for dev_userfaultfd_exists in:\n%s", out);
	EXPECT_EQ(jq_bool(jq_get(self->json, "access.dev_userfaultfd_exists")), says_yes(v));
	if (jq_type(jq_get(self->json, "access.unprivileged_userfaultfd")) != JQ_NULL) {
		v = text_field(out, "vm.unprivileged_userfaultfd:");
		ASSERT_NE(NULL, v) TH_LOG("%s", out);
		EXPECT_EQ(u64_at(self->json, "access.unprivileged_userfaultfd"),
			  strtoull(v, NULL, 10));
	}
	ways = jq_get(self->json, "access.ways");
	ASSERT_EQ(3, jq_len(ways));
	for (i = 0; i < 3; i++) {
		const char *label = way_labels[i];

		EXPECT_EQ(jq_bool(jq_get(jq_at(ways, i), "usable")),
			  says_yes(text_field(out, label))) TH_LOG("%s", label);
	}
	if (jq_type(jq_get(self->json, "hgm")) != JQ_NULL)
		EXPECT_EQ(jq_bool(jq_get(self->json, "hgm")), says_yes(text_field(out, "HGM:")));
}

/*
 * An unprivileged caller under vm.unprivileged_userfaultfd=0: the plain
 * syscall is refused and the probe says why; UFFD_USER_MODE_ONLY still works.
 */
TEST_F(live, uffd_probe_explains_why_an_unprivileged_caller_is_refused)
{
	const struct jq_value *ways;
	uint64_t sysctl;
	char *out, e[128];
	int status;

	NEED_ROOT("run hgmctl as another user");
	if (read_u64("/proc/sys/vm/unprivileged_userfaultfd", &sysctl) || sysctl != 0)
		SKIP(return, "vm.unprivileged_userfaultfd is not 0: unprivileged users are allowed");
	out = hgmctl_as_nobody("uffd probe --json", &status);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, status);
	self->json = jq_parse(out, e, sizeof(e));
	free(out);
	ASSERT_NE(NULL, self->json);
	ways = jq_get(self->json, "access.ways");
	ASSERT_EQ(3, jq_len(ways));
	EXPECT_STREQ("syscall", jq_str(jq_get(jq_at(ways, 0), "way")));
	EXPECT_EQ(0, jq_bool(jq_get(jq_at(ways, 0), "usable")));
	EXPECT_STREQ("EPERM", jq_str(jq_get(jq_at(ways, 0), "error")));
	ASSERT_NE(NULL, jq_str(jq_get(jq_at(ways, 0), "reason")));
	EXPECT_NE(NULL, strstr(jq_str(jq_get(jq_at(ways, 0), "reason")),
			       "vm.unprivileged_userfaultfd is 0"));
	EXPECT_EQ(0, jq_bool(jq_get(self->json, "access.cap_sys_ptrace")));
	/* user-mode-only needs no privilege since 5.11 */
	EXPECT_EQ(1, jq_bool(jq_get(jq_at(ways, 1), "usable")));
	EXPECT_STREQ("user_mode_only", jq_str(jq_get(self->json, "via")));
}

/*
 * Page-size post-copy on 2M hugetlb: every byte arrives once, through a
 * fault or the stream, vCPUs read only source data (checked in hgmctl, which
 * exits 1 on a mismatch) and the guest ends mapped by PMDs.
 */
TEST_F(live, postcopy_2m_delivers_every_source_byte_once)
{
	uint64_t before = nr_hugepages(2 * M), tx_2m_ns;
	int status;

	NEED_ROOT("grow the hugetlb pool");
	if (!(kernel_uffd_features() & (1 << 9)))
		SKIP(return, "no minor faults on hugetlbfs (UFFD_FEATURE_MINOR_HUGETLBFS)");
	self->json = hgmctl_json("postcopy --size 64M --bandwidth 1Gbit --json", &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	EXPECT_EQ(64 * M, u64_at(self->json, "size"));
	EXPECT_EQ(2 * M, u64_at(self->json, "granularity"));
	EXPECT_EQ(64 * M, u64_at(self->json, "bytes_verified"));
	EXPECT_EQ(64 * M, u64_at(self->json, "bytes_on_fault") +
		  u64_at(self->json, "bytes_streamed"));
	EXPECT_EQ(0, u64_at(self->json, "bytes_on_fault") % (2 * M));
	EXPECT_GT(u64_at(self->json, "touches"), 0);
	/* random first touches land ahead of a 0.5 s stream */
	ASSERT_GT(u64_at(self->json, "faults"), 0);
	/* a fault's data crossed the link: no fault beats 2M at 1Gbit */
	tx_2m_ns = 2 * M * 8;	/* ns at 1 bit per ns */
	EXPECT_GE(u64_at(self->json, "fault_latency_ns.p50"), tx_2m_ns);
	EXPECT_LE(u64_at(self->json, "fault_latency_ns.p50"),
		  u64_at(self->json, "fault_latency_ns.max"));
	EXPECT_GE(u64_at(self->json, "total_ns"), 64 * M * 8);
	EXPECT_EQ(64 * M, u64_at(self->json, "mapped.pmd"));
	EXPECT_EQ(0, u64_at(self->json, "mapped.pte"));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(self->json, "collapse")));
	/* hgmctl gave back what it added */
	EXPECT_EQ(before, nr_hugepages(2 * M));
}

TEST_F(live, postcopy_sequential_pattern_delivers_every_source_byte)
{
	int status;

	NEED_ROOT("grow the hugetlb pool");
	if (!(kernel_uffd_features() & (1 << 9)))
		SKIP(return, "no minor faults on hugetlbfs (UFFD_FEATURE_MINOR_HUGETLBFS)");
	self->json = hgmctl_json("postcopy --size 32M --pattern sequential --vcpus 4 --json",
				 &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	EXPECT_STREQ("sequential", jq_str(jq_get(self->json, "pattern")));
	EXPECT_EQ(4, u64_at(self->json, "vcpus"));
	EXPECT_EQ(32 * M, u64_at(self->json, "bytes_verified"));
	EXPECT_EQ(32 * M, u64_at(self->json, "bytes_on_fault") +
		  u64_at(self->json, "bytes_streamed"));
}

TEST_F(live, postcopy_fails_loudly_on_a_wrong_byte)
{
	uint64_t before = nr_hugepages(2 * M);
	char out[4096];

	NEED_ROOT("grow the hugetlb pool");
	if (!(kernel_uffd_features() & (1 << 9)))
		SKIP(return, "no minor faults on hugetlbfs (UFFD_FEATURE_MINOR_HUGETLBFS)");
	EXPECT_EQ(1, hgmctl_text("postcopy --size 16M --corrupt-one --json", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "data mismatch")) TH_LOG("%s", out);
	/* no half a document on stdout */
	EXPECT_EQ(NULL, strstr(out, "\"bytes_verified\""));
	EXPECT_EQ(before, nr_hugepages(2 * M));
}

/* Without HGM, 4K is refused before anything is allocated (the pool is untouched). */
TEST_F(live, postcopy_4k_is_refused_cleanly_without_hgm)
{
	uint64_t before = nr_hugepages(2 * M);
	char out[4096];

	if (!kernel_uffd_features())
		SKIP(return, "no userfaultfd for this caller");
	if (kernel_has_hgm())
		SKIP(return, "this kernel has HGM: postcopy_4k_runs_on_hgm tests it");
	EXPECT_EQ(1, hgmctl_text("postcopy --granularity 4K --size 16M", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "this kernel has no HGM")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "--granularity 2M")) TH_LOG("%s", out);
	/* nothing printed but the refusal: no header, no figures */
	EXPECT_EQ(NULL, strstr(out, "faults:"));
	EXPECT_EQ(before, nr_hugepages(2 * M));
}

/* The benchmark without HGM: says why 4K is missing, and still measures page size. */
TEST_F(live, bench_postcopy_without_hgm_reports_page_size_alone)
{
	int status;

	NEED_ROOT("grow the hugetlb pool");
	if (!(kernel_uffd_features() & (1 << 9)))
		SKIP(return, "no minor faults on hugetlbfs (UFFD_FEATURE_MINOR_HUGETLBFS)");
	if (kernel_has_hgm())
		SKIP(return, "this kernel has HGM: both granularities run");
	self->json = hgmctl_json("bench postcopy --size 16M --json", &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	ASSERT_EQ(2, jq_len(jq_get(self->json, "runs")));
	EXPECT_EQ(4 * K, u64_at(jq_at(jq_get(self->json, "runs"), 0), "granularity"));
	ASSERT_NE(NULL, jq_str(jq_get(jq_at(jq_get(self->json, "runs"), 0), "skipped")));
	EXPECT_NE(NULL, strstr(jq_str(jq_get(jq_at(jq_get(self->json, "runs"), 0), "skipped")),
			       "this kernel has no HGM"));
	EXPECT_EQ(2 * M, u64_at(jq_at(jq_get(self->json, "runs"), 1), "granularity"));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(jq_at(jq_get(self->json, "runs"), 1), "skipped")));
	EXPECT_EQ(16 * M, u64_at(jq_at(jq_get(self->json, "runs"), 1), "bytes_verified"));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(self->json, "p50_ratio")));
}

/* The number at @path in @v, or -1 when it is missing or not a number. */
static double num_at(const struct jq_value *v, const char *path)
{
	double d;

	return jq_double(jq_get(v, path), &d) ? -1 : d;
}

/*
 * bench postcopy --threads: the fault path alone.  shmem at 4K always runs
 * (the floor); hugetlb in 4K pieces runs on an HGM kernel and otherwise says
 * why not; hugetlb whole runs once.  Every run that ran faulted once per
 * unit of its 16M and checked every byte.
 */
TEST_F(live, bench_postcopy_threads_runs_the_floor_pieces_and_whole_pages)
{
	const struct jq_value *runs, *r;
	bool hgm = kernel_has_hgm();
	int status, i;

	NEED_ROOT("grow the hugetlb pool");
	if (!(kernel_uffd_features() & (1 << 9)) || !(kernel_uffd_features() & (1 << 10)))
		SKIP(return, "no minor faults on hugetlbfs or shmem");
	self->json = hgmctl_json("bench postcopy --threads 2 --json", &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	EXPECT_EQ(16 * M, u64_at(self->json, "size"));
	runs = jq_get(self->json, "runs");
	ASSERT_EQ(5, jq_len(runs));
	for (i = 0; i < 5; i++) {
		/* shmem 1 and 2 threads, hugetlb 4K 1 and 2 threads, hugetlb 2M */
		static const struct { const char *mem; uint64_t gran, faults; int threads; } want[] = {
			{ "shmem", 4 * K, 4096, 1 }, { "shmem", 4 * K, 4096, 2 },
			{ "hugetlb", 4 * K, 4096, 1 }, { "hugetlb", 4 * K, 4096, 2 },
			{ "hugetlb", 2 * M, 8, 1 },
		};
		bool ran = strcmp(want[i].mem, "shmem") == 0 || want[i].gran == 2 * M || hgm;

		r = jq_at(runs, i);
		EXPECT_STREQ(want[i].mem, jq_str(jq_get(r, "memory")));
		EXPECT_EQ(want[i].gran, u64_at(r, "granularity"));
		EXPECT_EQ((uint64_t)want[i].threads, u64_at(r, "threads"));
		if (!ran) {
			ASSERT_NE(NULL, jq_str(jq_get(r, "skipped"))) TH_LOG("run %d", i);
			EXPECT_NE(NULL, strstr(jq_str(jq_get(r, "skipped")), "no HGM"));
			EXPECT_EQ(JQ_NULL, jq_type(jq_get(r, "faults")));
			continue;
		}
		EXPECT_EQ(JQ_NULL, jq_type(jq_get(r, "skipped"))) TH_LOG("run %d: %s", i,
			jq_str(jq_get(r, "skipped")));
		EXPECT_EQ(want[i].faults, u64_at(r, "faults")) TH_LOG("run %d", i);
		EXPECT_GT(num_at(r, "p50_us"), 0);
		EXPECT_GE(num_at(r, "p99_us"), num_at(r, "p50_us"));
		EXPECT_GT(num_at(r, "faults_per_sec"), 0);
	}
	EXPECT_EQ(hgm ? JQ_NUMBER : JQ_NULL, jq_type(jq_get(self->json, "p50_over_shmem")));
	EXPECT_EQ(hgm ? JQ_NUMBER : JQ_NULL, jq_type(jq_get(self->json, "threads_speedup")));
}

/*
 * bench postcopy --page-size 1G --granularity 2M: the rows of a 1 GiB page in
 * 2M pieces run where the kernel's HGM covers 1 GiB pages, else say why, in
 * words that name the cause: no HGM at all, or a MINOR registration that left
 * the VMA without "hm" (kernel/HGM.md: part 1 stops at 2 MiB pages).  The
 * 1 GiB page mapped whole runs in any case: one fault (a run whose bytes
 * came out wrong fails, and the status with it).  1 GiB of shmem faulted 4K
 * by 4K first takes minutes under TCG: hence the timeout.
 */
TEST_F_TIMEOUT(live, bench_postcopy_1g_in_pieces_runs_or_says_why, 400)
{
	const struct jq_value *runs, *r;
	bool hgm = kernel_has_hgm();
	const char *why;
	int status;

	NEED_ROOT("grow the hugetlb pool");
	if (access("/sys/kernel/mm/hugepages/hugepages-1048576kB", F_OK))
		SKIP(return, "no 1 GiB hugepages on this machine");
	if (!(kernel_uffd_features() & (1 << 9)) || !(kernel_uffd_features() & (1 << 10)))
		SKIP(return, "no minor faults on hugetlbfs or shmem");
	self->json = hgmctl_json("bench postcopy --page-size 1G --threads 1 --granularity 2M --json",
				 &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	runs = jq_get(self->json, "runs");
	/* shmem 4K, hugetlb 1G in 2M pieces, hugetlb 1G whole */
	ASSERT_EQ(3, jq_len(runs));
	r = jq_at(runs, 1);
	EXPECT_EQ(1024 * M, u64_at(r, "page_size"));
	EXPECT_EQ(2 * M, u64_at(r, "granularity"));
	why = jq_str(jq_get(r, "skipped"));
	if (!hgm) {
		ASSERT_NE(NULL, why);
		EXPECT_NE(NULL, strstr(why, "this kernel has no HGM")) TH_LOG("%s", why);
	} else if (why) {
		EXPECT_NE(NULL, strstr(why, "without \"hm\" in smaps: this kernel's HGM does "
				       "not cover 1G pages")) TH_LOG("%s", why);
	} else {
		EXPECT_EQ(512, u64_at(r, "faults"));
	}
	r = jq_at(runs, 2);
	EXPECT_EQ(1024 * M, u64_at(r, "granularity"));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(r, "skipped"))) TH_LOG("%s", jq_str(jq_get(r, "skipped")));
	EXPECT_EQ(1, u64_at(r, "faults"));
	EXPECT_GT(num_at(r, "p50_us"), 0);
}

/*
 * With HGM: 4K minor faults are resolved at 4K, the guest ends up mapped by
 * PTEs inside its hugepages, and MADV_COLLAPSE maps each page whole again.
 *
 *   after the run:      | 4K 4K 4K ... 4K | 4K 4K ... |   mapped.pte = size
 *   after --collapse:   |       2M        |    2M     |   mapped.pmd = size
 */
TEST_F(live, postcopy_4k_runs_on_hgm_and_collapses_to_pmds)
{
	int status;

	NEED_ROOT("grow the hugetlb pool");
	if (!kernel_has_hgm())
		SKIP(return, "this kernel has no HGM (UFFD_FEATURE_MINOR_HUGETLBFS_HGM)");
	self->json = hgmctl_json("postcopy --granularity 4K --size 32M --collapse --json",
				 &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	EXPECT_EQ(4 * K, u64_at(self->json, "granularity"));
	EXPECT_EQ(32 * M, u64_at(self->json, "bytes_verified"));
	EXPECT_EQ(32 * M, u64_at(self->json, "bytes_on_fault") +
		  u64_at(self->json, "bytes_streamed"));
	EXPECT_GT(u64_at(self->json, "faults"), 0);
	EXPECT_EQ(32 * M, u64_at(self->json, "mapped.pte"));
	EXPECT_STREQ("ok", jq_str(jq_get(self->json, "collapse.result")));
	EXPECT_EQ(32 * M, u64_at(self->json, "collapse.mapped.pmd"));
	EXPECT_EQ(0, u64_at(self->json, "collapse.mapped.pte"));
}

/* The 4K handler and streamer on shmem, whose minor faults take 4K on any kernel. */
TEST_F(live, postcopy_4k_machinery_delivers_every_byte_on_shmem)
{
	int status;

	if (!(kernel_uffd_features() & (1 << 10)))
		SKIP(return, "no minor faults on shmem (UFFD_FEATURE_MINOR_SHMEM)");
	self->json = hgmctl_json("postcopy --shmem --granularity 4K --size 32M --json", &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	EXPECT_EQ(4 * K, u64_at(self->json, "granularity"));
	EXPECT_EQ(32 * M, u64_at(self->json, "bytes_verified"));
	EXPECT_EQ(32 * M, u64_at(self->json, "bytes_on_fault") +
		  u64_at(self->json, "bytes_streamed"));
	EXPECT_EQ(0, u64_at(self->json, "bytes_on_fault") % (4 * K));
	EXPECT_GT(u64_at(self->json, "faults"), 0);
	/* a 4K fault moves 4K, not a hugepage */
	EXPECT_LT(u64_at(self->json, "bytes_on_fault"),
		  u64_at(self->json, "faults_handled") * 4 * K + 1);
}

TEST_F(live, postcopy_usage_errors_name_the_valid_choices)
{
	static const struct { const char *args, *says; } bad[] = {
		{ "postcopy --granularity 64K", "4K or the page size (2M)" },
		{ "postcopy --page-size 4K", "2M or 1G" },
		{ "postcopy --size 3M", "multiple of the 2M page size" },
		{ "postcopy --bandwidth 10Gb", "10Gbit" },
		{ "postcopy --latency 1min", "20us" },
		{ "postcopy --pattern zigzag", "random, sequential" },
		{ "postcopy --vcpus 0", "--vcpus must be 1 to" },
		{ "uffd frob", "valid: probe" },
		{ "bench postcopy --pattern zigzag", "random, sequential" },
		{ "bench postcopy --threads 0", "--threads" },
		{ "bench postcopy --threads 2 --granularity 64K", "4K, 2M or the page size" },
		{ "bench postcopy --granularity 4K", "goes with --threads" },
	};
	char out[4096];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(2, hgmctl_text(bad[i].args, out, sizeof(out))) TH_LOG("%s", bad[i].args);
		EXPECT_NE(NULL, strstr(out, bad[i].says)) TH_LOG("%s: %s", bad[i].args, out);
	}
}

/*
 * Usage errors exit 2 before postcopy (or its benchmark) grows a pool or
 * maps anything: no figures, and the pools as they were.
 */
TEST_F(live, postcopy_usage_errors_come_before_the_pool_grows)
{
	static const char *const bad[] = {
		"-o FOO postcopy --size 2M",
		"postcopy --size 2M -o SIZE",		/* postcopy prints no table */
		"postcopy --size 2M --page-size 1G",
		"-o FOO bench postcopy --size 2M",
	};

	NEED_ROOT("empty the 2M pool for the test");
	usage_errors_leave_pools(_metadata, bad, sizeof(bad) / sizeof(bad[0]), "fetched");
}

/* --collapse: the text says how long MADV_COLLAPSE took (collapse.ns), refused or not. */
TEST_F(live, postcopy_collapse_text_says_how_long_the_call_took)
{
	char out[8192];
	const char *v, *t;

	NEED_ROOT("grow the hugetlb pool");
	if (!(kernel_uffd_features() & (1 << 9)))
		SKIP(return, "no minor faults on hugetlbfs (UFFD_FEATURE_MINOR_HUGETLBFS)");
	ASSERT_EQ(0, hgmctl_text("postcopy --size 8M --collapse", out, sizeof(out)))
		TH_LOG("%s", out);
	v = text_field(out, "collapse:");
	ASSERT_NE(NULL, v) TH_LOG("%s", out);
	/* "ok in 52.00 ms", "refused (EINVAL) after 4.7 us: ..." */
	t = strncmp(v, "ok in ", 6) == 0 ? v + 6 : strstr(v, ") after ");
	ASSERT_NE(NULL, t) TH_LOG("no time in 'collapse: %.100s'", v);
	if (t != v + 6)
		t += strlen(") after ");
	EXPECT_TRUE(isdigit((unsigned char)*t)) TH_LOG("%.80s", v);
}

TEST_HARNESS_MAIN
