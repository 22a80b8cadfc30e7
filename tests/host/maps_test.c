// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * maps_test.c - `hgmctl maps` against the live kernel: a child maps known hugetlb
 * and THP layouts, and maps must report exactly them (and fail cleanly on
 * processes it cannot read).
 *
 * Needs root (hugetlb pools are grown for the test and restored after); each
 * test SKIPs with the reason when it cannot set up what it needs.
 */
#include "live.h"

TEST_F(live, maps_reports_2m_hugetlb_at_pmd_level)
{
	const struct layout l = { .hugetlb = 16 * M, .hpage = 2 * M };
	const struct jq_value *v;
	struct placed p;
	int status;

	NEED_ROOT("reserve hugetlb pages");
	if (pool_make_free(2 * M, 8))
		SKIP(return, "cannot reserve 8 free 2 MiB hugepages");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	self->json = maps_json(self->child, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	EXPECT_EQ(self->child, u64_at(self->json, "pid"));
	v = vma_at(self->json, p.hugetlb_addr);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ("hugetlb", jq_str(jq_get(v, "kind")));
	EXPECT_EQ(2 * M, u64_at(v, "page_size"));
	EXPECT_EQ(16 * M, u64_at(v, "mapped.pmd"));
	EXPECT_EQ(0, u64_at(v, "mapped.pud"));
	EXPECT_EQ(0, u64_at(v, "mapped.pte"));
	EXPECT_EQ(16 * M, u64_at(self->json, "totals.hugetlb.pmd"));
	EXPECT_EQ(0, u64_at(self->json, "totals.hugetlb.pud"));
}

TEST_F(live, maps_reports_1g_hugetlb_at_pud_level)
{
	const struct layout l = { .hugetlb = 1 * G, .hpage = 1 * G, .shared = true };
	const struct jq_value *v;
	struct placed p;
	int status;

	NEED_ROOT("reserve hugetlb pages");
	if (!self->have[1] || pool_make_free(1 * G, 1))
		SKIP(return, "cannot reserve a free 1 GiB hugepage (memory too fragmented?)");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	self->json = maps_json(self->child, &status);
	ASSERT_NE(NULL, self->json);
	v = vma_at(self->json, p.hugetlb_addr);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ("hugetlb", jq_str(jq_get(v, "kind")));
	EXPECT_EQ(1 * G, u64_at(v, "page_size"));
	EXPECT_EQ(1 * G, u64_at(v, "mapped.pud"));
	EXPECT_EQ(0, u64_at(v, "mapped.pmd"));
	EXPECT_EQ(1 * G, u64_at(self->json, "totals.hugetlb.pud"));
}

TEST_F(live, maps_counts_pmd_mapped_and_pte_mapped_thp)
{
	const struct layout l = { .thp = 64 * M, .split = true };
	const struct jq_value *lo, *hi;
	char smaps[64];
	struct placed p;
	int status;

	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	snprintf(smaps, sizeof(smaps), "/proc/%d/smaps_rollup", self->child);
	if (smaps_sum(smaps, "AnonHugePages") < 32 * M)
		SKIP(return, "the kernel gave fewer THPs than asked (THP disabled or no memory)");
	self->json = maps_json(self->child, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	/*
	 *   p.thp_addr          +32M                 +64M
	 *   | 16 PMD-mapped THP  | 16 THP split to PTEs |
	 *   | kind thp, pmd 32M  | kind thp, pte 32M    |   (pte: null unless root)
	 */
	lo = vma_at(self->json, p.thp_addr);
	hi = vma_at(self->json, p.thp_addr + 32 * M);
	ASSERT_NE(NULL, lo);
	ASSERT_NE(NULL, hi);
	EXPECT_STREQ("thp", jq_str(jq_get(lo, "kind")));
	EXPECT_EQ(32 * M, u64_at(lo, "mapped.pmd"));
	EXPECT_EQ(0, u64_at(hi, "mapped.pmd"));
	EXPECT_EQ(32 * M, u64_at(hi, "rss"));
	if (geteuid() == 0) {
		/* kpageflags tells which PTE-mapped pages belong to THPs */
		EXPECT_EQ(0, u64_at(lo, "mapped.pte"));
		EXPECT_EQ(32 * M, u64_at(hi, "mapped.pte"));
		EXPECT_STREQ("thp", jq_str(jq_get(hi, "kind")));
		/* plus any large page-cache folios of the libraries, mapped by PTEs */
		EXPECT_GE(u64_at(self->json, "totals.thp.pte"), 32 * M);
	} else {
		EXPECT_EQ(JQ_NULL, jq_type(jq_get(hi, "mapped.pte")));
	}
	EXPECT_EQ(smaps_sum(smaps, "AnonHugePages"), u64_at(self->json, "totals.thp.pmd"));
}

/* Splits `hgmctl ARGS` stdout into lines; returns the count (at most @max). */
static int run_lines(const char *args, char lines[][256], int max, int *status)
{
	char cmd[512], *out, *p, *nl;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "%s %s", hgmctl(), args);
	out = jq_read_cmd(cmd, status);
	if (!out)
		return -1;
	for (p = out; *p && n < max; p = nl + 1) {
		nl = strchrnul(p, '\n');
		snprintf(lines[n++], 256, "%.*s", (int)(nl - p), p);
		if (!*nl)
			break;
	}
	free(out);
	return n;
}

/*
 * Without the FLAGS column, root's `maps` takes the VMA list from PROCMAP_QUERY
 * and every figure from the page scan; with it, from smaps.  Both must agree.
 */
TEST_F(live, maps_from_the_page_scan_alone_agrees_with_smaps_on_every_vma)
{
	const struct layout l = { .hugetlb = 16 * M, .hpage = 2 * M, .shared = true,
				  .thp = 64 * M, .split = true, .small = 64 * K };
	static char scan[256][256], sm[256][256];
	char args[160], err[64];
	int ns, nm, i, status;
	struct placed p;
	FILE *f;

	NEED_ROOT("read page flags (the scan-only path is root's)");
	if (pool_make_free(2 * M, 8))
		SKIP(return, "cannot reserve 8 free 2 MiB hugepages");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	/* -v says which path ran: the test must not compare smaps with itself */
	snprintf(err, sizeof(err), "/tmp/hgm-maps-light.%d", getpid());
	snprintf(args, sizeof(args), "maps -v -r -b -n -o START,END,KIND,PSIZE,PUD,PMD,PTE,RSS %d 2>%s",
		 self->child, err);
	ns = run_lines(args, scan, 256, &status);
	ASSERT_EQ(0, status);
	f = fopen(err, "r");
	ASSERT_NE(NULL, f);
	if (!fgets(args, sizeof(args), f))
		args[0] = '\0';
	fclose(f);
	unlink(err);
	if (strstr(args, "PROCMAP_QUERY") == NULL)
		SKIP(return, "maps reads smaps on this kernel (no PROCMAP_QUERY, an HGM kernel, "
			     "or kpageflags' KSM bit untrusted)");
	snprintf(args, sizeof(args), "maps -r -b -n -o START,END,KIND,PSIZE,PUD,PMD,PTE,RSS,FLAGS %d",
		 self->child);
	nm = run_lines(args, sm, 256, &status);
	ASSERT_EQ(0, status);
	ASSERT_GT(ns, 5);
	ASSERT_EQ(ns, nm);
	for (i = 0; i < ns; i++) {
		/* the FLAGS run has one more field: compare up to its last space */
		char *last = strrchr(sm[i], ' ');

		ASSERT_NE(NULL, last);
		*last = '\0';
		EXPECT_STREQ(sm[i], scan[i]);
	}
}

/* The reference: 1 GiB hugetlb and 4 GiB THP, half of it PMD-mapped. */
/* A member of "totals" that is there only when not zero (file_thp): 0 when absent. */
static uint64_t total_at(const struct jq_value *json, const char *path)
{
	return jq_get(json, path) ? u64_at(json, path) : 0;
}

/*
 * Page-cache and shmem THP are not anonymous THP: the totals keep them
 * apart ("THP" counted them until now), and the VMA is "shmem".
 */
TEST_F(live, maps_keeps_shmem_thp_apart_from_anonymous_thp)
{
	const struct layout l = { .shmem_thp = 4 * M, .thp = 2 * M };
	char smaps[64];
	struct placed p;
	int status;

	NEED_ROOT("read page flags");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	if (!p.shmem_addr)
		SKIP(return, "MADV_COLLAPSE made no shmem THP here");
	snprintf(smaps, sizeof(smaps), "/proc/%d/smaps_rollup", self->child);
	if (smaps_sum(smaps, "ShmemPmdMapped") != 4 * M || smaps_sum(smaps, "AnonHugePages") != 2 * M)
		SKIP(return, "the kernel gave other THPs than asked");
	self->json = maps_json(self->child, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	EXPECT_STREQ("shmem", jq_str(jq_get(vma_at(self->json, p.shmem_addr), "kind")));
	EXPECT_EQ(4 * M, u64_at(vma_at(self->json, p.shmem_addr), "mapped.pmd"));
	EXPECT_EQ(2 * M, u64_at(self->json, "totals.thp.pmd"));
	EXPECT_EQ(4 * M, total_at(self->json, "totals.file_thp.pmd"));
}

/*
 * --kind and --huge leave out the other VMAs, totals included; an unknown
 * kind is a usage error that names the kinds there are.
 */
TEST_F(live, maps_kind_and_huge_show_only_those_vmas)
{
	const struct layout l = { .hugetlb = 4 * M, .hpage = 2 * M, .shared = true,
				  .thp = 4 * M, .split = true, .small = 64 * K };
	const struct jq_value *vmas;
	char args[128], out[4096];
	struct placed p;
	int status;
	size_t i;

	NEED_ROOT("reserve hugetlb pages");
	if (pool_make_free(2 * M, 2))
		SKIP(return, "cannot reserve 2 free 2 MiB hugepages");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);

	snprintf(args, sizeof(args), "maps --kind hugetlb %d --json", (int)self->child);
	self->json = hgmctl_json(args, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	vmas = jq_get(self->json, "vmas");
	ASSERT_EQ(1, jq_len(vmas));
	EXPECT_STREQ("hugetlb", jq_str(jq_get(jq_at(vmas, 0), "kind")));
	EXPECT_EQ(4 * M, u64_at(self->json, "totals.hugetlb.pmd"));
	EXPECT_EQ(0, u64_at(self->json, "totals.thp.pmd"));
	jq_free(self->json);

	snprintf(args, sizeof(args), "maps --huge %d --json", (int)self->child);
	self->json = hgmctl_json(args, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	vmas = jq_get(self->json, "vmas");
	ASSERT_LE(2, jq_len(vmas));
	for (i = 0; i < jq_len(vmas); i++) {
		const struct jq_value *v = jq_at(vmas, i);
		uint64_t pte = u64_at(v, "mapped.pte");

		EXPECT_LT(0, u64_at(v, "mapped.pud") + u64_at(v, "mapped.pmd") +
			  (pte == UINT64_MAX ? 0 : pte)) TH_LOG("%s", jq_str(jq_get(v, "start")));
	}
	EXPECT_NE(NULL, vma_at(self->json, p.hugetlb_addr));
	EXPECT_NE(NULL, vma_at(self->json, p.thp_addr));
	EXPECT_EQ(NULL, vma_at(self->json, p.small_addr));

	snprintf(args, sizeof(args), "maps --kind thp,bogus %d", (int)self->child);
	EXPECT_EQ(2, hgmctl_text(args, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "unknown kind 'bogus'")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "hugetlb, thp, anon, file, shmem")) TH_LOG("%s", out);
}

/*
 * The PTE-mapped THP of a VMA by folio order (thp.by_order, MTHP), and where
 * its huge folios are (nodes, NODES): each adds up to what the VMA maps.
 */
TEST_F(live, maps_splits_pte_mapped_thp_by_order_and_node)
{
	const struct layout l = { .thp = 8 * M, .split = true };
	const struct jq_value *pmd_half, *pte_half, *nodes;
	char args[128], out[4096];
	uint64_t sum = 0;
	struct placed p;
	int status;
	size_t i;

	NEED_ROOT("read page flags");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	self->json = maps_json(self->child, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	pmd_half = vma_at(self->json, p.thp_addr);
	pte_half = vma_at(self->json, p.thp_addr + 4 * M);
	ASSERT_NE(NULL, pte_half);
	if (u64_at(pte_half, "mapped.pte") != 4 * M || u64_at(pmd_half, "mapped.pmd") != 4 * M)
		SKIP(return, "the kernel gave fewer THPs than asked");
	EXPECT_EQ(4 * M, u64_at(pte_half, "thp.by_order.9"));
	EXPECT_EQ(1, jq_len(jq_get(pte_half, "thp.by_order")));
	/* PMD-mapped THP is not in by_order (PTE-mapped only) */
	EXPECT_EQ(0, jq_len(jq_get(pmd_half, "thp.by_order")));
	nodes = jq_get(pte_half, "nodes");
	ASSERT_NE(NULL, nodes);
	for (i = 0; i < jq_len(nodes); i++) {
		unsigned long long x = 0;

		jq_u64(jq_at(nodes, i), &x);
		sum += x;
	}
	EXPECT_EQ(4 * M, sum);

	snprintf(args, sizeof(args), "maps -n -o START,MTHP %d", (int)self->child);
	ASSERT_EQ(0, hgmctl_text(args, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, " 2M:4M")) TH_LOG("%s", out);
}

TEST_F_TIMEOUT(live, reference_workload_totals_equal_smaps_rollup, 120)
{
	const struct layout l = { .hugetlb = 1 * G, .hpage = 2 * M, .shared = true,
				  .thp = 4 * G, .split = true };
	char rollup[64];
	struct placed p;
	int status;

	NEED_ROOT("reserve hugetlb pages");
	/* 4 GiB of THP besides the pool, and room for everything else */
	if (meminfo("MemAvailable") < 4 * G + 512 * M)
		SKIP(return, "needs 4.5 GiB available for the THP half, has %" PRIu64 " MiB",
		     meminfo("MemAvailable") / M);
	if (pool_make_free(2 * M, 512))
		SKIP(return, "cannot reserve 512 free 2 MiB hugepages");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	self->json = maps_json(self->child, &status);
	ASSERT_NE(NULL, self->json);
	snprintf(rollup, sizeof(rollup), "/proc/%d/smaps_rollup", self->child);
	EXPECT_EQ(1 * G, u64_at(self->json, "totals.hugetlb.pmd"));
	EXPECT_EQ(smaps_sum(rollup, "Shared_Hugetlb") + smaps_sum(rollup, "Private_Hugetlb"),
		  u64_at(self->json, "totals.hugetlb.pmd"));
	EXPECT_EQ(smaps_sum(rollup, "AnonHugePages"), u64_at(self->json, "totals.thp.pmd"));
	EXPECT_EQ(smaps_sum(rollup, "ShmemPmdMapped") + smaps_sum(rollup, "FilePmdMapped"),
		  total_at(self->json, "totals.file_thp.pmd"));
	EXPECT_EQ(2 * G, u64_at(self->json, "totals.thp.pmd")) {
		TH_LOG("THP allocation fell short: AnonHugePages %" PRIu64,
		       smaps_sum(rollup, "AnonHugePages"));
	}
	/* the split half, found by the page scanner */
	EXPECT_EQ(2 * G, u64_at(vma_at(self->json, p.thp_addr + 2 * G), "mapped.pte"));
	EXPECT_GE(u64_at(self->json, "totals.thp.pte"), 2 * G);
}

TEST_F(live, maps_of_an_exited_process_is_an_error_not_an_empty_table)
{
	char cmd[256], stat[64], *out;
	int status, i;

	self->child = fork();
	if (self->child == 0)
		_exit(0);
	ASSERT_GT(self->child, 0);
	/* a zombie: /proc/PID exists, but there is no memory left to describe */
	snprintf(stat, sizeof(stat), "/proc/%d/stat", self->child);
	for (i = 0; i < 1000; i++) {
		char buf[256] = "";
		FILE *f = fopen(stat, "r");

		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
		fclose(f);
		if (strstr(buf, ") Z "))
			break;
		usleep(1000);
	}
	snprintf(cmd, sizeof(cmd), "%s maps %d 2>&1", hgmctl(), self->child);
	out = jq_read_cmd(cmd, &status);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(1, WEXITSTATUS(status));
	EXPECT_NE(NULL, strstr(out, "exited")) {
		TH_LOG("output: %s", out);
	}
	free(out);
}

TEST_F(live, maps_of_a_missing_pid_is_an_error)
{
	char cmd[256], *out;
	uint64_t pid_max;
	int status;

	ASSERT_EQ(0, read_u64("/proc/sys/kernel/pid_max", &pid_max));
	snprintf(cmd, sizeof(cmd), "%s maps %" PRIu64 " 2>&1", hgmctl(), pid_max);
	out = jq_read_cmd(cmd, &status);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(1, WEXITSTATUS(status));
	EXPECT_NE(NULL, strstr(out, "does not exist"));
	free(out);
}

TEST_F(live, maps_of_another_users_process_is_permission_denied)
{
	char out[512] = "";
	int status;

	NEED_ROOT("switch to another user");
	{
		char *argv[] = { "hgmctl", "maps", "1", NULL };

		status = run_as_nobody(&self->child, out, sizeof(out), argv);
	}
	ASSERT_NE(-1, status);
	if (WEXITSTATUS(status) >= 125)
		SKIP(return, "cannot run hgmctl as user nobody from this build tree");
	EXPECT_EQ(1, WEXITSTATUS(status));
	EXPECT_NE(NULL, strstr(out, "permission denied")) {
		TH_LOG("output: %s", out);
	}
}

TEST_HARNESS_MAIN
