// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rmap_test.c - `hgmctl rmap` and mapcounts against the live kernel: every mapper
 * of a shared hugetlb page and of a split THP is found.
 *
 * Needs root (hugetlb pools are grown for the test and restored after); each
 * test SKIPs with the reason when it cannot set up what it needs.
 */
#include "live.h"

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

/* The PFN of a page of this process that is mapped, or 0. */
static uint64_t own_pfn(void)
{
	static char page[4096] __attribute__((aligned(4096)));
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	page[0] = 1;
	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)page / 4096) * 8) != sizeof(e))
		e = 0;
	close(fd);
	return (e >> 63) & 1 ? e & ((UINT64_C(1) << 55) - 1) : 0;
}

/* How many times @needle occurs in @hay. */
static int count_of(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/*
 * Root without CAP_SYS_PTRACE (as in a container) cannot read PID 1, which
 * holds it, nor a process of user nobody: rmap says once which processes it
 * could not read and why, exits 3, and 0 with --readable-only.
 */
TEST_F(live, unreadable_processes_are_named_once_with_why)
{
	char pfn[32], pids[64], one[32], out[8192];
	char *argv[] = { "hgmctl", "rmap", "--pids", pids, pfn, NULL, NULL };
	pid_t nobody;
	int rc;

	NEED_ROOT("be root without CAP_SYS_PTRACE");
	snprintf(pfn, sizeof(pfn), "%" PRIu64, own_pfn());
	ASSERT_STRNE("0", pfn);
	nobody = spawn_nobody();
	ASSERT_LT(0, nobody);
	self->sharer = nobody;	/* the teardown reaps it */
	snprintf(pids, sizeof(pids), "1,%d", (int)nobody);

	rc = run_hgmctl_as(RUN_AS_ROOT_NO_PTRACE, &self->child, out, sizeof(out), argv);
	self->child = 0;
	ASSERT_NE(-1, rc);
	rc = WEXITSTATUS(rc);
	if (rc == 125)
		SKIP(return, "cannot drop CAP_SYS_PTRACE from the bounding set");
	if (rc == 0 && !strstr(out, "could not be read"))
		SKIP(return, "root without CAP_SYS_PTRACE reads PID 1 and nobody's process here");
	EXPECT_EQ(3, rc) TH_LOG("%s", out);
	EXPECT_EQ(1, count_of(out, "could not be read")) TH_LOG("%s", out);
	/*
	 * PID 1 holds capabilities the caller lacks, where the kernel gave it all;
	 * nobody's process needs CAP_SYS_PTRACE, where the kernel checks the user
	 */
	snprintf(one, sizeof(one), " %d (", (int)nobody);
	EXPECT_GE(1, count_of(out, " 1 (")) TH_LOG("%s", out);
	EXPECT_GE(1, count_of(out, one)) TH_LOG("%s", out);
	EXPECT_LE(1, count_of(out, " 1 (") + count_of(out, one)) TH_LOG("%s", out);
	if (strstr(out, " 1 ("))
		EXPECT_NE(NULL, strstr(out, "holds capabilities hgmctl lacks")) TH_LOG("%s", out);
	if (strstr(out, one))
		EXPECT_NE(NULL, strstr(out, "it runs as uid 65534")) TH_LOG("%s", out);

	argv[5] = "--readable-only";
	rc = run_hgmctl_as(RUN_AS_ROOT_NO_PTRACE, &self->child, out, sizeof(out), argv);
	self->child = 0;
	ASSERT_NE(-1, rc);
	EXPECT_EQ(0, WEXITSTATUS(rc)) TH_LOG("%s", out);
	EXPECT_EQ(1, count_of(out, "could not be read")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
