// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * collapse_test.c - `hgmctl collapse` and its benchmarks against the live
 * kernel: a child's PTE-mapped THP becomes PMD-mapped, errors are named per
 * range, dead processes are refused, and hugetlb in 4 KiB pieces collapses on
 * an HGM kernel or is refused cleanly on any other.
 */
#include <sys/syscall.h>

#include "hgm.h"
#include "common.h"
#include "live.h"

/*
 * live.h's `.split` child marks its split half MADV_NOHUGEPAGE (to keep
 * khugepaged off it), which MADV_COLLAPSE refuses too: this child splits
 * its THPs and leaves them collapsible.  With @hgm it maps @size of shared
 * 2 MiB hugetlb in 4 KiB pieces instead (hgm_map_pieces).
 */
struct target {
	uint64_t addr;
	int err;		/* errno of the setup, or EOPNOTSUPP: no HGM */
};

static pid_t spawn_target(uint64_t size, bool hgm, struct target *t)
{
	int fd;
	pid_t pid = fork_reporter(&fd);

	if (pid == 0) {
		struct target r = { 0 };
		uint64_t off;
		char *a;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (hgm) {
			int mfd = memfd_create("collapse-test", MFD_HUGETLB | MFD_HUGE_2MB);
			char *fill;
			int ret;

			if (mfd < 0 || ftruncate(mfd, size))
				goto fail;
			fill = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
			a = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
			if (fill == MAP_FAILED || a == MAP_FAILED)
				goto fail;
			for (off = 0; off < size; off += 2 * M)
				fill[off] = 1;
			munmap(fill, size);
			ret = hgm_map_pieces(a, size, 4096);
			r.err = -ret;
		} else {
			a = thp_map(size, 2 * M, true);
			if (a == MAP_FAILED || thp_split_pmds(a, size, 2 * M))
				goto fail;
		}
		r.addr = (uintptr_t)a;
		if (write(fd, &r, sizeof(r)) != sizeof(r))
			_exit(1);
		for (;;)
			pause();
fail:
		r.err = errno ? errno : EIO;
		if (write(fd, &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(1);
	}
	if (pid < 0 || read_report(fd, t, sizeof(*t)))
		t->err = EIO;
	return pid;
}

/* `hgmctl collapse PID ARGS --json`, parsed; *status gets the exit code. */
static struct jq_value *collapse_json(pid_t pid, const char *args, int *status)
{
	char buf[256];
	struct jq_value *v;
	int st;

	snprintf(buf, sizeof(buf), "collapse %d %s --json", (int)pid, args);
	v = hgmctl_json(buf, &st);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return v;
}

/* Runs `hgmctl ARGS` with output discarded; returns its exit code. */
static int hgmctl_rc(const char *args)
{
	char cmd[512];
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s >/dev/null 2>&1", hgmctl(), args);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool kernel_has_hgm(void)
{
	struct jq_value *v = hgmctl_json("status --json", NULL);
	bool hgm = v && jq_bool(jq_get(v, "kernel.hgm")) == 1;

	jq_free(v);
	return hgm;
}

TEST_F(live, collapse_turns_another_process_pte_mapped_thp_into_pmds)
{
	const struct jq_value *r;
	struct target t;
	char args[64];
	int status;

	NEED_ROOT("tell PTE-mapped THPs from base pages (kpageflags)");
	self->child = spawn_target(8 * M, false, &t);
	ASSERT_EQ(0, t.err);
	snprintf(args, sizeof(args), "%" PRIx64 "+8M", t.addr);
	self->json = collapse_json(self->child, args, &status);
	ASSERT_NE(NULL, self->json);
	/*
	 *   t.addr                                   +8M
	 *   | 4 THPs, each split to 512 PTEs          |   before: pte 8M, pmd 0
	 *   | 4 THPs, each one PMD                    |   after:  pmd 8M, pte 0
	 */
	ASSERT_EQ(1, jq_len(jq_get(self->json, "ranges")));
	r = jq_get(self->json, "ranges[0]");
	EXPECT_EQ(self->child, u64_at(self->json, "pid"));
	EXPECT_EQ(t.addr, hex_at(r, "start"));
	EXPECT_EQ(t.addr + 8 * M, hex_at(r, "end"));
	/* the two halves of "before" are the 8M, whoever collapsed some of them */
	EXPECT_EQ(8 * M, u64_at(r, "before.pmd") + u64_at(r, "before.pte"));
	if (u64_at(r, "before.pmd") != 0)
		SKIP(return, "khugepaged collapsed %" PRIu64 " bytes of the THPs before the test could",
		     u64_at(r, "before.pmd"));
	EXPECT_EQ(0, u64_at(r, "before.pmd"));
	EXPECT_EQ(8 * M, u64_at(r, "before.pte"));
	/* smaps shows no AnonHugePages here; the scan sees THPs mapped by PTEs */
	EXPECT_STREQ("thp", jq_str(jq_get(r, "kind")));
	if (strcmp(jq_str(jq_get(r, "result")), "EAGAIN") == 0 ||
	    strcmp(jq_str(jq_get(r, "result")), "ENOMEM") == 0)
		SKIP(return, "the kernel had no huge page to give now (%s)",
		     jq_str(jq_get(r, "result")));
	EXPECT_STREQ("ok", jq_str(jq_get(r, "result")));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(r, "reason")));
	EXPECT_EQ(8 * M, u64_at(r, "after.pmd"));
	EXPECT_EQ(0, u64_at(r, "after.pte"));
	EXPECT_EQ(0, u64_at(r, "after.base"));
	EXPECT_EQ(0, status);
}

TEST_F(live, collapse_dry_run_prints_the_call_and_changes_nothing)
{
	const struct jq_value *r;
	struct jq_value *again;
	struct target t;
	char args[64], want[64];
	int status;

	NEED_ROOT("tell PTE-mapped THPs from base pages (kpageflags)");
	self->child = spawn_target(4 * M, false, &t);
	ASSERT_EQ(0, t.err);
	snprintf(args, sizeof(args), "%" PRIx64 "+4M --dry-run", t.addr);
	self->json = collapse_json(self->child, args, &status);
	ASSERT_NE(NULL, self->json);
	EXPECT_EQ(0, status);
	EXPECT_EQ(1, jq_bool(jq_get(self->json, "dry_run")));
	r = jq_get(self->json, "ranges[0]");
	snprintf(want, sizeof(want), "process_madvise(pidfd(%d), [{0x%" PRIx64 ", %" PRIu64 "}]",
		 (int)self->child, t.addr, 4 * M);
	ASSERT_NE(NULL, jq_str(jq_get(r, "call")));
	EXPECT_EQ(0, strncmp(jq_str(jq_get(r, "call")), want, strlen(want)));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(r, "result")));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(r, "after")));
	if (u64_at(r, "before.pmd") == 4 * M)
		SKIP(return, "khugepaged collapsed the THPs before the test could");
	EXPECT_EQ(4 * M, u64_at(r, "before.pte"));
	/* nothing was collapsed: a second look still sees PTEs */
	again = collapse_json(self->child, args, &status);
	ASSERT_NE(NULL, again);
	EXPECT_EQ(4 * M, u64_at(again, "ranges[0].before.pte"));
	jq_free(again);
}

TEST_F(live, collapse_splits_ranges_per_vma_and_names_each_error)
{
	const struct layout l = { .thp = 16 * M, .split = true };
	const struct jq_value *lo, *hi, *gap;
	struct placed p;
	char args[96];
	int status;

	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	/* a hole first: the page below the THP area is not ours to know; use page 1 */
	snprintf(args, sizeof(args), "1000+4K %" PRIx64 "+16M", p.thp_addr);
	self->json = collapse_json(self->child, args, &status);
	ASSERT_NE(NULL, self->json);
	/*
	 *   0x1000     p.thp_addr        +8M                  +16M
	 *   | hole |   | PMD-mapped THP   | split, NOHUGEPAGE  |
	 *   ENOMEM     ok                 EINVAL
	 */
	ASSERT_EQ(3, jq_len(jq_get(self->json, "ranges")));
	gap = jq_get(self->json, "ranges[0]");
	lo = jq_get(self->json, "ranges[1]");
	hi = jq_get(self->json, "ranges[2]");
	EXPECT_STREQ("unmapped", jq_str(jq_get(gap, "kind")));
	EXPECT_STREQ("ENOMEM", jq_str(jq_get(gap, "result")));
	EXPECT_EQ(p.thp_addr, hex_at(lo, "start"));
	EXPECT_EQ(p.thp_addr + 8 * M, hex_at(lo, "end"));
	EXPECT_STREQ("ok", jq_str(jq_get(lo, "result")));
	EXPECT_EQ(p.thp_addr + 8 * M, hex_at(hi, "start"));
	EXPECT_EQ(p.thp_addr + 16 * M, hex_at(hi, "end"));
	EXPECT_STREQ("EINVAL", jq_str(jq_get(hi, "result")));
	ASSERT_NE(NULL, jq_str(jq_get(hi, "reason")));
	EXPECT_NE(NULL, strstr(jq_str(jq_get(hi, "reason")), "VM_NOHUGEPAGE"));
	/* some ranges failed, some did not */
	EXPECT_EQ(3, status);
}

TEST_F(live, collapse_of_a_vma_too_small_for_a_huge_page_is_einval_and_exits_1)
{
	const struct layout l = { .small = 64 * K };
	struct placed p;
	char args[64];
	int status;

	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	snprintf(args, sizeof(args), "%" PRIx64 "+64K", p.small_addr);
	self->json = collapse_json(self->child, args, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(1, jq_len(jq_get(self->json, "ranges")));
	EXPECT_STREQ("EINVAL", jq_str(jq_get(self->json, "ranges[0].result")));
	/* nothing changed, and it says so */
	EXPECT_EQ(64 * K, u64_at(self->json, "ranges[0].before.base"));
	EXPECT_EQ(64 * K, u64_at(self->json, "ranges[0].after.base"));
	EXPECT_EQ(1, status);
}

TEST_F(live, collapse_refuses_reaped_and_zombie_processes_by_name)
{
	const struct layout l = { .small = 64 * K };
	struct placed p;
	siginfo_t si;
	char args[160], *out;
	int status;
	pid_t pid;

	/* reaped: the PID names nothing, no pidfd can be had */
	pid = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	snprintf(args, sizeof(args), "collapse %d %" PRIx64 "+64K", (int)pid, p.small_addr);
	EXPECT_EQ(1, hgmctl_rc(args));

	/*
	 * a zombie: its PID is not free yet and the pidfd opens, but its memory
	 * is gone; it is refused by name, and no half report is printed
	 */
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	kill(self->child, SIGKILL);
	ASSERT_EQ(0, waitid(P_PID, self->child, &si, WEXITED | WNOWAIT));
	snprintf(args, sizeof(args), "%s collapse %d %" PRIx64 "+64K --json 2>&1", hgmctl(),
		 (int)self->child, p.small_addr);
	out = jq_read_cmd(args, &status);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(1, WEXITSTATUS(status));
	EXPECT_NE(NULL, strstr(out, "has exited (ESRCH)"));
	EXPECT_EQ(NULL, strchr(out, '{'));
	free(out);
}

TEST_F(live, collapse_rejects_bad_arguments_with_usage_errors)
{
	static const char *const bad[] = {
		"", "--kind ksm", "--all 1000+4K", "zz-1", "1001+4K", "2000-1000", "--root /tmp 1000+4K",
	};
	char args[96];
	size_t i;

	EXPECT_EQ(2, hgmctl_rc("collapse"));
	/* a process we may read: usage errors must not depend on access to it */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(args, sizeof(args), "collapse %d %s", (int)getpid(), bad[i]);
		EXPECT_EQ(2, hgmctl_rc(args)) TH_LOG("%s", args);
	}
}

TEST_F(live, collapse_all_selects_thp_eligible_vmas_only)
{
	const struct layout l = { .thp = 8 * M, .split = true, .small = 64 * K };
	const struct jq_value *ranges;
	bool found = false;
	struct placed p;
	size_t i;
	int status;

	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	self->json = collapse_json(self->child, "--all --dry-run", &status);
	ASSERT_NE(NULL, self->json);
	EXPECT_EQ(0, status);
	ranges = jq_get(self->json, "ranges");
	ASSERT_GE(jq_len(ranges), 1);
	for (i = 0; i < jq_len(ranges); i++) {
		uint64_t s = hex_at(jq_at(ranges, i), "start");
		uint64_t e = hex_at(jq_at(ranges, i), "end");

		/* the MADV_HUGEPAGE half is chosen; the NOHUGEPAGE half and the small VMA are not */
		if (s <= p.thp_addr && p.thp_addr < e)
			found = true;
		EXPECT_FALSE(s <= p.thp_addr + 4 * M && p.thp_addr + 4 * M < e);
		EXPECT_FALSE(s <= p.small_addr && p.small_addr < e);
	}
	EXPECT_TRUE(found);
}

/*
 * hugetlb mapped in 4 KiB pieces collapses back to PMDs on an HGM kernel
 * (kernel/HGM.md, MADV_COLLAPSE); any other kernel refuses, saying it has no HGM.
 */
TEST_F(live, collapse_of_4k_mapped_hugetlb_restores_pmds_or_says_no_hgm)
{
	const struct jq_value *r;
	struct target t;
	char args[64];
	int status;

	NEED_ROOT("reserve hugetlb pages");
	if (pool_make_free(2 * M, 2))
		SKIP(return, "cannot reserve 2 free 2 MiB hugepages");
	self->child = spawn_target(4 * M, true, &t);
	if (!kernel_has_hgm()) {
		/* no pieces without HGM: the mapping is whole, the refusal names why */
		EXPECT_EQ(EOPNOTSUPP, t.err);
		ASSERT_NE(0, t.addr);
		snprintf(args, sizeof(args), "%" PRIx64 "+4M", t.addr);
		self->json = collapse_json(self->child, args, &status);
		ASSERT_NE(NULL, self->json);
		r = jq_get(self->json, "ranges[0]");
		EXPECT_STREQ("hugetlb", jq_str(jq_get(r, "kind")));
		EXPECT_STREQ("EOPNOTSUPP", jq_str(jq_get(r, "result")));
		ASSERT_NE(NULL, jq_str(jq_get(r, "reason")));
		EXPECT_NE(NULL, strstr(jq_str(jq_get(r, "reason")), "no HGM"));
		EXPECT_EQ(1, status);
		snprintf(args, sizeof(args), "collapse %d --kind hugetlb", (int)self->child);
		EXPECT_EQ(1, hgmctl_rc(args));
		return;
	}
	ASSERT_EQ(0, t.err);
	snprintf(args, sizeof(args), "%" PRIx64 "+4M", t.addr);
	self->json = collapse_json(self->child, args, &status);
	ASSERT_NE(NULL, self->json);
	r = jq_get(self->json, "ranges[0]");
	/*
	 *   t.addr                     +4M
	 *   | 2 hugepages, 1024 PTEs   |   before: pte 4M
	 *   | 2 hugepages, 2 PMDs      |   after:  pmd 4M
	 */
	EXPECT_EQ(4 * M, u64_at(r, "before.pte"));
	EXPECT_STREQ("ok", jq_str(jq_get(r, "result")));
	EXPECT_EQ(4 * M, u64_at(r, "after.pmd"));
	EXPECT_EQ(0, u64_at(r, "after.pte"));
	EXPECT_EQ(0, status);
}

TEST_F(live, collapse_of_own_memory_goes_through_madvise)
{
	uint64_t size = 4 * M;
	struct hgm_levels lv;
	struct hgm_ctx *ctx;
	char *a;
	int ret;

	NEED_ROOT("tell PTE-mapped THPs from base pages (kpageflags)");
	ASSERT_EQ(0, hgm_ctx_new(&ctx, NULL));
	a = thp_map(size, 2 * M, true);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_EQ(0, thp_split_pmds(a, size, 2 * M));
	ASSERT_EQ(0, hgm_range_levels(ctx, getpid(), (uintptr_t)a, (uintptr_t)a + size, &lv));
	if (lv.mapped[HGM_LEVEL_PTE] != size) {
		munmap(a, size);
		hgm_ctx_free(ctx);
		SKIP(return, "the kernel gave fewer THPs than asked (THP disabled or no memory)");
	}
	ret = hgm_collapse(-1, (uintptr_t)a, size);
	EXPECT_EQ(0, ret);
	ASSERT_EQ(0, hgm_range_levels(ctx, getpid(), (uintptr_t)a, (uintptr_t)a + size, &lv));
	EXPECT_EQ(size, lv.mapped[HGM_LEVEL_PMD]);
	EXPECT_EQ(0, lv.mapped[HGM_LEVEL_PTE]);
	/* errors come back as -errno: a hole is ENOMEM */
	EXPECT_EQ(-ENOMEM, hgm_collapse(-1, 4096, 4096));
	munmap(a, size);
	hgm_ctx_free(ctx);
}

/*
 *   a                         a + 4M
 *   | 2 THPs, split to PTEs   |   MEASURE_ONLY: before pte 4M, not called, after unknown
 *   | 2 THPs, PMD-mapped      |   a call:       before pte 4M, after pmd 4M
 */
TEST_F(live, collapse_pid_measures_before_and_after_its_call)
{
	struct hgm_collapse_result r = HGM_SIZED(r), unsized = { 0 };
	uint64_t size = 4 * M, start;
	struct hgm_ctx *ctx;
	char *a;

	NEED_ROOT("tell PTE-mapped THPs from base pages (kpageflags)");
	ASSERT_EQ(0, hgm_ctx_new(&ctx, NULL));
	a = thp_map(size, 2 * M, true);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_EQ(0, thp_split_pmds(a, size, 2 * M));
	start = (uintptr_t)a;
	ASSERT_EQ(0, hgm_collapse_pid(ctx, getpid(), -1, start, start + size,
				      HGM_COLLAPSE_MEASURE_ONLY, &r));
	if (r.before.mapped[HGM_LEVEL_PTE] != size) {
		munmap(a, size);
		hgm_ctx_free(ctx);
		SKIP(return, "the kernel gave fewer THPs than asked (THP disabled or no memory)");
	}
	EXPECT_FALSE(r.called);
	EXPECT_EQ(0, r.before.mapped[HGM_LEVEL_PMD]);
	EXPECT_FALSE(HGM_KNOWN(r.after.mapped[HGM_LEVEL_PMD]));

	EXPECT_EQ(0, hgm_collapse_pid(ctx, getpid(), -1, start, start + size, 0, &r));
	EXPECT_TRUE(r.called);
	EXPECT_EQ(0, r.error);
	EXPECT_EQ(size, r.before.mapped[HGM_LEVEL_PTE]);
	EXPECT_EQ(size, r.after.mapped[HGM_LEVEL_PMD]);
	EXPECT_EQ(0, r.after.mapped[HGM_LEVEL_PTE]);

	/* the kernel's error is the result, and nothing is left unmeasured for it */
	EXPECT_EQ(-ENOMEM, hgm_collapse_pid(ctx, getpid(), -1, 4096, 8192, 0, &r));
	EXPECT_EQ(-ENOMEM, r.error);
	EXPECT_TRUE(HGM_KNOWN(r.after.mapped[HGM_LEVEL_PMD]));
	/* no size, an empty range: refused before anything is done */
	EXPECT_EQ(-EINVAL, hgm_collapse_pid(ctx, getpid(), -1, start, start + size, 0, &unsized));
	EXPECT_EQ(-EINVAL, hgm_collapse_pid(ctx, getpid(), -1, start, start, 0, &r));
	munmap(a, size);
	hgm_ctx_free(ctx);
}

TEST_F(live, bench_gup_runs_gup_test_or_says_why_it_cannot)
{
	const struct jq_value *res;
	size_t i;
	int status;

	if (access("/sys/kernel/debug/gup_test", F_OK) != 0) {
		/* the host: no gup_test, and the reason is given, not a table of nothing */
		char cmd[256], *out;

		snprintf(cmd, sizeof(cmd), "%s bench gup 2>&1", hgmctl());
		out = jq_read_cmd(cmd, &status);
		ASSERT_NE(NULL, out);
		EXPECT_EQ(1, WEXITSTATUS(status));
		EXPECT_NE(NULL, strstr(out, "gup_test"));
		EXPECT_TRUE(strstr(out, "debugfs is not mounted") ||
			    strstr(out, "CONFIG_GUP_TEST"));
		free(out);
		return;
	}
	NEED_ROOT("use gup_test and reserve hugetlb pages");
	self->json = hgmctl_json("bench gup --size 8M --runs 1 --json", &status);
	ASSERT_NE(NULL, self->json);
	EXPECT_EQ(0, WEXITSTATUS(status));
	res = jq_get(self->json, "results");
	/* five kinds of memory (base, thp_pte, thp, hugetlb, hugetlb_hgm), four ops */
	ASSERT_EQ(20, jq_len(res));
	for (i = 0; i < jq_len(res); i++) {
		const struct jq_value *r = jq_at(res, i);
		const char *mem = jq_str(jq_get(r, "memory"));

		/* THP may be short of huge pages; base pages and PMD-mapped hugetlb always work */
		if (strcmp(mem, "hugetlb") == 0 || strcmp(mem, "base") == 0)
			EXPECT_EQ(JQ_NUMBER, jq_type(jq_get(r, "get_us_per_call")));
		if (strcmp(mem, "hugetlb_hgm") == 0 && !kernel_has_hgm())
			EXPECT_NE(NULL, strstr(jq_str(jq_get(r, "skipped")), "no HGM"));
	}
}

TEST_F(live, bench_collapse_measures_thp_and_refuses_hgm_without_it)
{
	const struct jq_value *res;
	size_t i;
	int status;

	NEED_ROOT("tell PTE-mapped THPs from base pages (kpageflags)");
	self->json = hgmctl_json("bench collapse --size 8M --runs 1 --json", &status);
	ASSERT_NE(NULL, self->json);
	res = jq_get(self->json, "results");
	ASSERT_EQ(3, jq_len(res));
	for (i = 0; i < jq_len(res); i++) {
		const struct jq_value *r = jq_at(res, i);
		const char *mem = jq_str(jq_get(r, "memory"));

		if (strcmp(mem, "hugetlb_hgm") == 0 && !kernel_has_hgm()) {
			EXPECT_NE(NULL, strstr(jq_str(jq_get(r, "skipped")), "no HGM"));
		} else if (jq_type(jq_get(r, "us_per_2m")) == JQ_NUMBER) {
			/* what was measured was collapsed: all of it PMD-mapped after */
			EXPECT_EQ(8 * M, u64_at(r, "pmd_mapped_after"));
		}
	}
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* khugepaged's pages_collapsed counter, or 0 where it cannot be read. */
static uint64_t khugepaged_collapsed(void)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/khugepaged/pages_collapsed", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return strtoull(buf, NULL, 10);
}

/*
 * Usage errors of every kind (columns, ranges, option combinations) exit 2
 * before MADV_COLLAPSE touches the target: its split THPs stay split.
 */
TEST_F(live, collapse_usage_errors_leave_the_target_as_it_was)
{
	/* hgmctl BEFORE collapse PID RANGE AFTER */
	static const struct { const char *before, *after; } bad[] = {
		{ "-o FOO", "" },		/* a column, before the command */
		{ "", "-o START,NOPE" },	/* a column, after it */
		{ "", "zz-1" },			/* a bad range after a good one */
		{ "", "--all" },		/* a combination */
		{ "", "--kind ksm" },
	};
	char path[64], range[64], args[160], out[4096];
	uint64_t before, after;
	struct target t;
	size_t i;

	self->child = spawn_target(8 * M, false, &t);
	ASSERT_EQ(0, t.err);
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)self->child);
	snprintf(range, sizeof(range), "%" PRIx64 "+8M", t.addr);
	before = smaps_sum(path, "AnonHugePages");
	if (before >= 8 * M)
		SKIP(return, "khugepaged collapsed the THPs before the test could");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t scans = khugepaged_collapsed();

		snprintf(args, sizeof(args), "%s collapse %d %s %s", bad[i].before,
			 (int)self->child, range, bad[i].after);
		EXPECT_EQ(2, hgmctl_text(args, out, sizeof(out))) TH_LOG("%s: %s", args, out);
		after = smaps_sum(path, "AnonHugePages");
		if (after != before && khugepaged_collapsed() != scans) {
			/* khugepaged's doing, not hgmctl's: the rest cannot tell */
			TH_LOG("%s: khugepaged collapsed meanwhile (pages_collapsed moved)", args);
			break;
		}
		EXPECT_EQ(before, after) TH_LOG("%s: AnonHugePages %" PRIu64 "K -> %" PRIu64 "K",
						args, before / K, after / K);
	}
}

TEST_HARNESS_MAIN
