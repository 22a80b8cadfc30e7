// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * host_test.c - hgmctl against the live kernel: a child maps known hugetlb and
 * THP layouts, and `hgmctl maps/status --json` must report exactly them.
 *
 * Needs root (hugetlb pools are grown for the test and restored after); each
 * test SKIPs with the reason when it cannot set up what it needs.
 */
#include <sys/utsname.h>

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
	EXPECT_EQ(smaps_sum(rollup, "AnonHugePages") + smaps_sum(rollup, "ShmemPmdMapped") +
		  smaps_sum(rollup, "FilePmdMapped"), u64_at(self->json, "totals.thp.pmd"));
	EXPECT_EQ(2 * G, u64_at(self->json, "totals.thp.pmd")) {
		TH_LOG("THP allocation fell short: AnonHugePages %" PRIu64,
		       smaps_sum(rollup, "AnonHugePages"));
	}
	/* the split half, found by the page scanner */
	EXPECT_EQ(2 * G, u64_at(vma_at(self->json, p.thp_addr + 2 * G), "mapped.pte"));
	EXPECT_GE(u64_at(self->json, "totals.thp.pte"), 2 * G);
}

TEST_F(live, status_json_matches_sysfs)
{
	const struct jq_value *pools;
	char path[256], buf[128];
	unsigned int checked = 0;
	struct utsname u;
	int status;
	size_t i;
	FILE *f;

	self->json = hgmctl_json("status --json", &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, uname(&u));
	EXPECT_STREQ(u.release, jq_str(jq_get(self->json, "kernel.release")));
	pools = jq_get(self->json, "pools");
	ASSERT_NE(NULL, pools);
	for (i = 0; i < jq_len(pools); i++) {
		const struct jq_value *pl = jq_at(pools, i);
		uint64_t size = u64_at(pl, "size"), v;
		char dir[200];

		if (jq_type(jq_get(pl, "node")) == JQ_NULL)
			snprintf(dir, sizeof(dir), "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB",
				 size / K);
		else
			snprintf(dir, sizeof(dir),
				 "/sys/devices/system/node/node%" PRIu64
				 "/hugepages/hugepages-%" PRIu64 "kB", u64_at(pl, "node"), size / K);
		snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
		ASSERT_EQ(0, read_u64(path, &v));
		EXPECT_EQ(v, u64_at(pl, "total"));
		snprintf(path, sizeof(path), "%s/free_hugepages", dir);
		ASSERT_EQ(0, read_u64(path, &v));
		EXPECT_EQ(v, u64_at(pl, "free"));
		snprintf(path, sizeof(path), "%s/surplus_hugepages", dir);
		ASSERT_EQ(0, read_u64(path, &v));
		EXPECT_EQ(v, u64_at(pl, "surplus"));
		snprintf(path, sizeof(path), "%s/resv_hugepages", dir);
		if (read_u64(path, &v) == 0) {
			EXPECT_EQ(v, u64_at(pl, "reserved"));
		} else {
			EXPECT_EQ(JQ_NULL, jq_type(jq_get(pl, "reserved")));
		}
		checked++;
	}
	/* one system-wide pool per size, plus one per node and size */
	f = popen("ls -d /sys/kernel/mm/hugepages/hugepages-* "
		  "/sys/devices/system/node/node*/hugepages/hugepages-* | wc -l", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	pclose(f);
	EXPECT_EQ(strtoul(buf, NULL, 10), checked);

	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		char want[32];

		ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
		fclose(f);
		ASSERT_EQ(1, sscanf(strchr(buf, '['), "[%31[^]]", want));
		EXPECT_STREQ(want, jq_str(jq_get(self->json, "thp.enabled")));
	}
	/* root holds every capability; an unprivileged caller none of these */
	EXPECT_EQ(geteuid() == 0, jq_bool(jq_get(self->json, "caps.sys_admin")));
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

TEST_F(live, demo_shows_its_mappings_and_restores_the_pool)
{
	char cmd[256], path[256], *out;
	uint64_t before, after;
	int status;

	NEED_ROOT("let demo grow the hugetlb pool");
	pool_path(path, sizeof(path), 2 * M, "nr_hugepages");
	ASSERT_EQ(0, read_u64(path, &before));
	snprintf(cmd, sizeof(cmd), "%s demo --hugetlb 8M --thp 8M --json", hgmctl());
	out = jq_read_cmd(cmd, &status);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, WEXITSTATUS(status));
	self->json = jq_parse(out, NULL, 0);
	free(out);
	ASSERT_NE(NULL, self->json);
	EXPECT_EQ(8 * M, u64_at(self->json, "totals.hugetlb.pmd"));
	ASSERT_EQ(0, read_u64(path, &after));
	EXPECT_EQ(before, after);
}

TEST_F(live, overlapping_demos_each_take_back_only_what_they_added)
{
	char path[256], line[256] = "", cmd[256], *out;
	uint64_t before, during, after;
	int fds[2], status;
	FILE *err;
	pid_t hold;

	NEED_ROOT("let demo grow the hugetlb pool");
	/* no free pages, so that both demos must grow the pool */
	{
		char fpath[256];
		uint64_t total, free_;

		pool_path(path, sizeof(path), 2 * M, "nr_hugepages");
		pool_path(fpath, sizeof(fpath), 2 * M, "free_hugepages");
		ASSERT_EQ(0, read_u64(path, &total));
		ASSERT_EQ(0, read_u64(fpath, &free_));
		ASSERT_EQ(0, write_u64(path, total - free_));
	}
	ASSERT_EQ(0, read_u64(path, &before));
	/* the first demo holds its pages (and the pages it added) ... */
	ASSERT_EQ(0, pipe(fds));
	/* the fixture owns it: teardown ends it if an assertion stops us early */
	self->child = hold = fork();
	if (hold == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		execl(hgmctl(), "hgmctl", "demo", "--hugetlb", "8M", "--thp", "0", "--hold",
		      "--json", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	err = fdopen(fds[0], "r");
	ASSERT_NE(NULL, err);
	while (fgets(line, sizeof(line), err) && !strstr(line, "holding"))
		;
	ASSERT_NE(NULL, strstr(line, "holding"));
	ASSERT_EQ(0, read_u64(path, &during));
	ASSERT_EQ(before + 4, during);
	/* ... while a second one comes and goes */
	snprintf(cmd, sizeof(cmd), "%s demo --hugetlb 8M --thp 0 >/dev/null 2>&1", hgmctl());
	out = jq_read_cmd(cmd, &status);
	ASSERT_NE(NULL, out);
	free(out);
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, read_u64(path, &after));
	EXPECT_EQ(during, after);	/* the first demo's pages are still there */
	kill(hold, SIGINT);
	ASSERT_EQ(hold, waitpid(hold, &status, 0));
	self->child = 0;
	fclose(err);
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, read_u64(path, &after));
	EXPECT_EQ(before, after);
}

/* Checks that folios[] covers [start, start + n * size) with rows of @size each. */
static int rows_of(const struct jq_value *json, uint64_t start, uint64_t size, size_t n)
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

TEST_F(live, pagemap_shows_pmd_mapped_thp_as_order_9_pmd_rows)
{
	const struct layout l = { .thp = 8 * M };
	struct placed p;
	char smaps[64];
	int status;
	size_t i;

	NEED_ROOT("read PFNs and kpageflags");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	snprintf(smaps, sizeof(smaps), "/proc/%d/smaps_rollup", self->child);
	if (smaps_sum(smaps, "AnonHugePages") < 8 * M)
		SKIP(return, "the kernel gave fewer THPs than asked");
	self->json = pagemap_json(self->child, p.thp_addr, 8 * M, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, rows_of(self->json, p.thp_addr, 2 * M, 4));
	for (i = 0; i < 4; i++) {
		const struct jq_value *r = jq_at(jq_get(self->json, "folios"), i);

		EXPECT_STREQ("pmd", jq_str(jq_get(r, "level")));
		EXPECT_STREQ("thp", jq_str(jq_get(r, "kind")));
		EXPECT_EQ(9, u64_at(r, "order"));
		EXPECT_EQ(1, u64_at(r, "mapcount"));
		EXPECT_EQ(1, jq_bool(jq_get(r, "exclusive")));
		EXPECT_EQ(0, hex_at(r, "pfn") % 512);
		EXPECT_EQ(hex_at(r, "pfn"), hex_at(r, "head_pfn"));
		EXPECT_NE(UINT64_MAX, u64_at(r, "node"));
	}
}

TEST_F(live, pagemap_shows_split_thp_as_pte_rows_of_whole_folios)
{
	const struct layout l = { .thp = 8 * M, .split_all = true };
	struct placed p;
	int status;
	size_t i;

	NEED_ROOT("read PFNs and kpageflags");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	self->json = pagemap_json(self->child, p.thp_addr, 8 * M, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	if (jq_len(jq_get(self->json, "folios")) != 4 ||
	    strcmp(jq_str(jq_get(self->json, "folios[0].kind")) ?: "", "thp"))
		SKIP(return, "the kernel gave fewer THPs than asked");
	/* the PMDs are split, the folios are not: each is one row, mapped by PTEs */
	ASSERT_EQ(0, rows_of(self->json, p.thp_addr, 2 * M, 4));
	for (i = 0; i < 4; i++) {
		const struct jq_value *r = jq_at(jq_get(self->json, "folios"), i);

		EXPECT_STREQ("pte", jq_str(jq_get(r, "level")));
		EXPECT_STREQ("thp", jq_str(jq_get(r, "kind")));
		EXPECT_EQ(9, u64_at(r, "order"));
		EXPECT_EQ(1, u64_at(r, "mapcount"));
	}
}

TEST_F(live, pagemap_shows_hugetlb_pages_at_their_level)
{
	const struct layout l2 = { .hugetlb = 4 * M, .hpage = 2 * M };
	const struct layout l1 = { .hugetlb = 1 * G, .hpage = 1 * G };
	struct placed p;
	int status;

	NEED_ROOT("reserve hugetlb pages");
	ASSERT_EQ(0, pool_make_free(2 * M, 2));
	self->child = spawn(&l2, &p);
	ASSERT_EQ(0, p.err);
	self->json = pagemap_json(self->child, p.hugetlb_addr, 4 * M, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, rows_of(self->json, p.hugetlb_addr, 2 * M, 2));
	EXPECT_STREQ("pmd", jq_str(jq_get(self->json, "folios[1].level")));
	EXPECT_STREQ("hugetlb", jq_str(jq_get(self->json, "folios[1].kind")));
	EXPECT_EQ(9, u64_at(self->json, "folios[1].order"));
	EXPECT_EQ(1, u64_at(self->json, "folios[1].mapcount"));
	kill(self->child, SIGKILL);
	waitpid(self->child, NULL, 0);
	self->child = 0;
	jq_free(self->json);
	self->json = NULL;

	if (!self->have[1] || pool_make_free(1 * G, 1))
		SKIP(return, "cannot reserve a free 1 GiB hugepage");
	self->child = spawn(&l1, &p);
	ASSERT_EQ(0, p.err);
	self->json = pagemap_json(self->child, p.hugetlb_addr, 1 * G, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, rows_of(self->json, p.hugetlb_addr, 1 * G, 1));
	EXPECT_STREQ("pud", jq_str(jq_get(self->json, "folios[0].level")));
	EXPECT_EQ(18, u64_at(self->json, "folios[0].order"));
	EXPECT_EQ(0, hex_at(self->json, "folios[0].pfn") % (1 << 18));
}

TEST_F(live, shared_hugetlb_page_counts_both_mappers)
{
	const struct layout l = { .hugetlb = 2 * M, .hpage = 2 * M, .shared = true, .share = true };
	struct placed p;
	int status;

	NEED_ROOT("reserve hugetlb pages");
	ASSERT_EQ(0, pool_make_free(2 * M, 1));
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	ASSERT_GT(p.sharer, 0);
	self->sharer = p.sharer;
	self->json = pagemap_json(self->child, p.hugetlb_addr, 2 * M, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, rows_of(self->json, p.hugetlb_addr, 2 * M, 1));
	EXPECT_EQ(2, u64_at(self->json, "folios[0].mapcount"));
	EXPECT_EQ(0, jq_bool(jq_get(self->json, "folios[0].exclusive")));
	/* the other mapper sees the same folio */
	{
		struct jq_value *other = pagemap_json(p.sharer, p.hugetlb_addr, 2 * M, &status);

		ASSERT_NE(NULL, other);
		EXPECT_EQ(hex_at(self->json, "folios[0].pfn"), hex_at(other, "folios[0].pfn"));
		jq_free(other);
	}
	/* and rmap, scanning every process, finds exactly these two */
	{
		const struct jq_value *m;
		struct jq_value *rmap;
		char args[128];
		bool seen[2] = { false, false };
		size_t i;

		snprintf(args, sizeof(args), "rmap --json %d 0x%" PRIx64 " 2>/dev/null",
			 self->child, p.hugetlb_addr);
		rmap = hgmctl_json(args, &status);
		ASSERT_NE(NULL, rmap);
		m = jq_get(rmap, "mappers");
		EXPECT_EQ(2, jq_len(m));
		EXPECT_EQ(1, jq_bool(jq_get(rmap, "hugetlb")));
		EXPECT_EQ(9, u64_at(rmap, "order"));
		for (i = 0; i < jq_len(m); i++) {
			const struct jq_value *e = jq_at(m, i);
			uint64_t pid = u64_at(e, "pid");

			EXPECT_STREQ("pmd", jq_str(jq_get(e, "level")));
			EXPECT_EQ(p.hugetlb_addr, hex_at(e, "start"));
			EXPECT_EQ(p.hugetlb_addr + 2 * M, hex_at(e, "end"));
			if (pid == (uint64_t)self->child)
				seen[0] = true;
			if (pid == (uint64_t)p.sharer)
				seen[1] = true;
		}
		EXPECT_TRUE(seen[0]);
		EXPECT_TRUE(seen[1]);
		jq_free(rmap);
	}
}

TEST_F(live, rmap_of_a_split_thp_finds_its_ptes_in_the_owner)
{
	const struct layout l = { .thp = 2 * M, .split_all = true };
	struct jq_value *rmap;
	struct placed p;
	char args[128];
	int status;

	NEED_ROOT("read PFNs and kpageflags");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	/* ask from the middle of the folio: rmap reports all of it */
	snprintf(args, sizeof(args), "rmap --json --pids %d %d 0x%" PRIx64, self->child,
		 self->child, p.thp_addr + 5 * 4096);
	rmap = hgmctl_json(args, &status);
	ASSERT_NE(NULL, rmap);
	ASSERT_EQ(0, WEXITSTATUS(status));
	if (u64_at(rmap, "order") != 9) {
		jq_free(rmap);
		SKIP(return, "the kernel gave no THP");
	}
	EXPECT_EQ(1, jq_len(jq_get(rmap, "mappers")));
	EXPECT_STREQ("pte", jq_str(jq_get(rmap, "mappers[0].level")));
	EXPECT_EQ(p.thp_addr, hex_at(rmap, "mappers[0].start"));
	EXPECT_EQ(p.thp_addr + 2 * M, hex_at(rmap, "mappers[0].end"));
	jq_free(rmap);
}

TEST_F(live, pagemap_shows_64k_mthp_folios)
{
	static const char knob[] = "/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled";
	const struct layout l = { .small = 1 * M };
	char saved[128] = "", *a, *b;
	struct placed p;
	int status;
	size_t i, n;
	FILE *f;

	NEED_ROOT("enable 64 KiB mTHP");
	f = fopen(knob, "r");
	if (!f)
		SKIP(return, "this kernel has no 64 KiB mTHP");
	ASSERT_NE(NULL, fgets(saved, sizeof(saved), f));
	fclose(f);
	a = strchr(saved, '[');
	b = a ? strchr(a, ']') : NULL;
	ASSERT_NE(NULL, b);
	*b = '\0';
	f = fopen(knob, "w");
	ASSERT_NE(NULL, f);
	fputs("always", f);
	ASSERT_EQ(0, fclose(f));
	self->child = spawn(&l, &p);
	/* restore at once: the knob is system-wide */
	f = fopen(knob, "w");
	ASSERT_NE(NULL, f);
	fputs(a + 1, f);
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(0, p.err);
	self->json = pagemap_json(self->child, p.small_addr, 1 * M, &status);
	ASSERT_NE(NULL, self->json);
	n = jq_len(jq_get(self->json, "folios"));
	/*
	 * 1 MiB in 64 KiB folios, naturally aligned: where the VMA does not
	 * start on 64 KiB, the pages before the first boundary are base pages
	 */
	{
		uint64_t bytes = 0;

		for (i = 0; i < n; i++) {
			const struct jq_value *r = jq_at(jq_get(self->json, "folios"), i);

			if (strcmp(jq_str(jq_get(r, "kind")), "mthp"))
				continue;
			EXPECT_EQ(4, u64_at(r, "order"));
			EXPECT_STREQ("pte", jq_str(jq_get(r, "level")));
			EXPECT_EQ(0, hex_at(r, "start") % (64 * K));
			EXPECT_EQ(64 * K, hex_at(r, "end") - hex_at(r, "start"));
			bytes += hex_at(r, "end") - hex_at(r, "start");
		}
		if (bytes == 0)
			SKIP(return, "the kernel gave no 64 KiB folios");
		EXPECT_GE(bytes, 1 * M - 64 * K);
	}
}

/* Writes @val to @path, saving what was there in @saved (size 64). */
static int swap_knob(const char *path, const char *val, char *saved)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f || !fgets(saved, 64, f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	saved[strcspn(saved, "\n")] = '\0';
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fputs(val, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

TEST_F(live, pagemap_shows_ksm_merged_pages)
{
	static const char *const knobs[] = {
		"/sys/kernel/mm/ksm/run", "/sys/kernel/mm/ksm/sleep_millisecs",
		"/sys/kernel/mm/ksm/pages_to_scan",
	};
	static const char *const vals[] = { "1", "10", "1000" };
	char saved[3][64], args[128], smaps[64];
	unsigned int i, tries;
	uint64_t ksm = 0, unknown = 0, base = 0;
	int fds[2], status;
	uint64_t addr = 0;

	NEED_ROOT("run ksmd");
	if (access(knobs[0], W_OK))
		SKIP(return, "this kernel has no KSM");
	ASSERT_EQ(0, pipe(fds));
	self->child = fork();
	if (self->child == 0) {
		char *a = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t at = (uintptr_t)a;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		memset(a, 0x5a, 64 * 4096);	/* 64 identical pages */
		madvise(a, 64 * 4096, MADV_MERGEABLE);
		if (write(fds[1], &at, sizeof(at)) != sizeof(at))
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(sizeof(addr), read(fds[0], &addr, sizeof(addr)));
	close(fds[0]);
	close(fds[1]);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, swap_knob(knobs[i], vals[i], saved[i]));
	}
	snprintf(smaps, sizeof(smaps), "/proc/%d/smaps_rollup", self->child);
	for (tries = 0; tries < 100 && smaps_sum(smaps, "KSM") < 32 * 4096; tries++)
		usleep(100 * 1000);
	snprintf(args, sizeof(args), "pagemap %d %" PRIx64 "+256K --json", self->child, addr);
	self->json = hgmctl_json(args, &status);
	for (i = 0; i < 3; i++) {
		char ignored[64];

		EXPECT_EQ(0, swap_knob(knobs[i], saved[i], ignored));
	}
	ASSERT_NE(NULL, self->json);
	for (i = 0; i < jq_len(jq_get(self->json, "folios")); i++) {
		const struct jq_value *r = jq_at(jq_get(self->json, "folios"), i);
		const char *kind = jq_str(jq_get(r, "kind"));
		uint64_t pages = (hex_at(r, "end") - hex_at(r, "start")) / 4096;

		if (strcmp(kind, "ksm") == 0) {
			ksm += pages;
			/* one KSM page, mapped by all 64 virtual pages */
			EXPECT_EQ(0, u64_at(r, "order"));
			EXPECT_EQ(0, jq_bool(jq_get(r, "exclusive")));
		} else if (strcmp(kind, "unknown") == 0) {
			unknown += pages;
		} else {
			base += pages;
		}
	}
	if (smaps_sum(smaps, "KSM") == 0)
		SKIP(return, "ksmd merged nothing within 10 s");
	/*
	 * Every merged page is reported as KSM, or, where the kernel's KPF_KSM
	 * cannot be trusted (6.12 sets it on all anonymous pages), as unknown:
	 * never as a base page.
	 */
	EXPECT_EQ(smaps_sum(smaps, "KSM") / 4096, ksm + unknown);
	EXPECT_TRUE(ksm == 0 || unknown == 0);
	EXPECT_EQ(64 - smaps_sum(smaps, "KSM") / 4096, base);
}

TEST_F(live, scans_of_a_changing_or_exiting_target_end_cleanly)
{
	char cmd[256], *out;
	int i, status;

	/* a target that maps and unmaps THP while it is scanned, then exits */
	self->child = fork();
	if (self->child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 0; i < 400; i++) {
			char *a = mmap(NULL, 8 * M, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (a == MAP_FAILED)
				_exit(1);
			madvise(a, 8 * M, MADV_HUGEPAGE);
			memset(a, 1, 8 * M);
			munmap(a, 8 * M);
		}
		_exit(0);
	}
	ASSERT_GT(self->child, 0);
	for (i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "%s pagemap %d --json >/dev/null 2>&1", hgmctl(),
			 self->child);
		out = jq_read_cmd(cmd, &status);
		ASSERT_NE(NULL, out);
		free(out);
		/* whole result (0) or a clear error (1), never a crash */
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_LE(WEXITSTATUS(status), 1);
	}
}

TEST_HARNESS_MAIN
