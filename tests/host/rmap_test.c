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

TEST_HARNESS_MAIN
