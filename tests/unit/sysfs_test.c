// SPDX-License-Identifier: GPL-2.0-or-later
/* sysfs_test.c - pools, THP settings, features and sizes on a recorded tree */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hgm.h"
#include "kselftest_harness.h"

#define M (1024ULL * 1024)
#define G (1024 * M)

FIXTURE(tree) {
	struct hgm_ctx *ctx;
};

FIXTURE_SETUP(tree)
{
	ASSERT_EQ(0, hgm_ctx_new(&self->ctx, FIXTURES_DIR "/tree-hgm"));
}

FIXTURE_TEARDOWN(tree)
{
	hgm_ctx_free(self->ctx);
}

TEST_F(tree, pools_list_every_size_system_wide_then_per_node)
{
	static const struct { uint64_t size; int node; uint64_t total, free; } want[] = {
		{ 2 * M, HGM_NODE_ALL, 1024, 513 },
		{ 2 * M, 0, 512, 1 },
		{ 2 * M, 1, 512, 512 },
		{ 1 * G, HGM_NODE_ALL, 2, 1 },
		{ 1 * G, 0, 1, 0 },
		{ 1 * G, 1, 1, 1 },
	};
	struct hgm_pools *p;
	size_t i;

	ASSERT_EQ(0, hgm_pools_read(self->ctx, &p));
	ASSERT_EQ(6, p->nr);
	EXPECT_EQ(2, p->nr_nodes);
	for (i = 0; i < p->nr; i++) {
		EXPECT_EQ(want[i].size, p->pool[i].page_size);
		EXPECT_EQ(want[i].node, p->pool[i].node);
		EXPECT_EQ(want[i].total, p->pool[i].total);
		EXPECT_EQ(want[i].free, p->pool[i].free);
		/* the kernel keeps reservations and overcommit per hstate only */
		EXPECT_EQ(want[i].node == HGM_NODE_ALL, HGM_KNOWN(p->pool[i].reserved));
		EXPECT_EQ(want[i].node == HGM_NODE_ALL, HGM_KNOWN(p->pool[i].overcommit));
	}
	EXPECT_EQ(2, p->pool[0].reserved);
	EXPECT_EQ(16, p->pool[0].overcommit);
	hgm_pools_free(p);
}

/*
 * The kernel's accounting of pool writes (set_max_huge_pages()), on the
 * recorded 2M pools: 1024 pages, 513 free, 2 reserved; node 0 has 512 pages
 * with 1 free, node 1 512 pages all free.
 *
 *   node 0 -> 100:  frees its 1 free page, 411 of its 511 in use become surplus
 *   node 1 -> 20:   the system keeps 513 in use or reserved, so node 1 frees
 *                   only 99 pages and 393 of its 413 become surplus
 *   system -> 700:  of the 924 pages 120 are persistent: 580 surplus pages
 *                   become persistent, none is allocated, 224 stay surplus
 */
TEST_F(tree, pool_writes_are_predicted_as_the_kernel_accounts_them)
{
	struct hgm_pools *p;
	const struct hgm_pool *sys, *n0, *n1;

	ASSERT_EQ(0, hgm_pools_read(self->ctx, &p));
	sys = &p->pool[0];
	n0 = &p->pool[1];
	n1 = &p->pool[2];
	ASSERT_EQ(0, hgm_pool_predict(p, 2 * M, 0, 100));
	EXPECT_EQ(511, n0->total);
	EXPECT_EQ(411, n0->surplus);
	EXPECT_EQ(0, n0->free);
	EXPECT_EQ(1023, sys->total);
	EXPECT_EQ(411, sys->surplus);

	ASSERT_EQ(0, hgm_pool_predict(p, 2 * M, 1, 20));
	EXPECT_EQ(413, n1->total);
	EXPECT_EQ(393, n1->surplus);
	EXPECT_EQ(924, sys->total);
	EXPECT_EQ(804, sys->surplus);

	ASSERT_EQ(0, hgm_pool_predict(p, 2 * M, HGM_NODE_ALL, 700));
	EXPECT_EQ(224, sys->surplus);
	EXPECT_EQ(924, sys->total);
	ASSERT_EQ(0, hgm_pool_predict(p, 2 * M, HGM_NODE_ALL, 1000));
	EXPECT_EQ(0, sys->surplus);
	EXPECT_EQ(1000, sys->total);

	EXPECT_EQ(-ENOENT, hgm_pool_predict(p, 4 * M, HGM_NODE_ALL, 1));
	EXPECT_EQ(-ENOENT, hgm_pool_predict(p, 2 * M, 7, 1));
	hgm_pools_free(p);
}

TEST_F(tree, pool_of_a_missing_node_or_size_is_enoent)
{
	struct hgm_pool pool;

	EXPECT_EQ(0, hgm_pool_get(self->ctx, 2 * M, 1, &pool));
	EXPECT_EQ(512, pool.total);
	EXPECT_EQ(-ENOENT, hgm_pool_get(self->ctx, 2 * M, 7, &pool));
	EXPECT_EQ(-ENOENT, hgm_pool_get(self->ctx, 4 * M, HGM_NODE_ALL, &pool));
}

TEST_F(tree, thp_settings_are_the_selected_words)
{
	struct hgm_thp *t;

	ASSERT_EQ(0, hgm_thp_read(self->ctx, &t));
	EXPECT_TRUE(t->available);
	EXPECT_STREQ("always", t->enabled);
	EXPECT_STREQ("madvise", t->defrag);
	EXPECT_STREQ("never", t->shmem_enabled);
	EXPECT_EQ(2 * M, t->pmd_size);
	EXPECT_EQ(511, t->max_ptes_none);
	EXPECT_EQ(42, t->pages_collapsed);
	ASSERT_EQ(8, t->nr_sizes);
	EXPECT_EQ(16 * 1024, t->sizes[0].size);
	EXPECT_EQ(64 * 1024, t->sizes[2].size);
	EXPECT_STREQ("madvise", t->sizes[2].enabled);
	EXPECT_STREQ("inherit", t->sizes[7].enabled);
	hgm_thp_free(t);
}

TEST_F(tree, recorded_tree_features_come_from_files_only)
{
	struct hgm_features f = HGM_SIZED(f);

	ASSERT_EQ(0, hgm_features_probe(self->ctx, &f));
	EXPECT_FALSE(f.probed);
	EXPECT_STREQ("6.12.117-hgm", f.release);
	EXPECT_TRUE(hgm_has(&f, HGM_FEAT_HUGETLB));
	EXPECT_TRUE(hgm_has(&f, HGM_FEAT_THP));
	/* syscall probes would describe this machine, not the recorded one */
	EXPECT_FALSE(hgm_has(&f, HGM_FEAT_MADV_COLLAPSE));
	EXPECT_FALSE(HGM_KNOWN(f.uffd_features));
}

TEST_F(tree, sized_structs_fill_only_what_the_caller_knows)
{
	struct hgm_thp_counters c;
	struct hgm_features f = { 0 };

	/* a caller whose header ended after fault_fallback */
	memset(&c, 0x5a, sizeof(c));
	c.size = offsetof(struct hgm_thp_counters, collapse_alloc);
	ASSERT_EQ(0, hgm_thp_counters_read(self->ctx, &c));
	EXPECT_EQ(offsetof(struct hgm_thp_counters, collapse_alloc), c.size);
	/* the tree has no /proc/vmstat: what the caller knows is written unknown */
	EXPECT_EQ(-1, c.fault_alloc);
	EXPECT_EQ(-1, c.fault_fallback);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5a, c.collapse_alloc);	/* not the caller's to get */
	EXPECT_EQ(0x5a5a5a5a5a5a5a5a, c.mthp_fault_alloc);
	/* a caller that forgot the size gets an error, not a write past its struct */
	EXPECT_EQ(-EINVAL, hgm_features_probe(self->ctx, &f));
}

TEST_F(tree, ctx_reads_under_root_and_bounds_reads)
{
	char small[4], buf[64];
	uint64_t v;

	EXPECT_EQ(0, hgm_ctx_read_u64(self->ctx,
		"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", &v));
	EXPECT_EQ(1024, v);
	EXPECT_EQ(-EFBIG, hgm_ctx_read(self->ctx, "/proc/sys/kernel/osrelease", small,
				       sizeof(small)));
	EXPECT_EQ(13, hgm_ctx_read(self->ctx, "/proc/sys/kernel/osrelease", buf, sizeof(buf)));
	EXPECT_EQ(-ENOENT, hgm_ctx_read(self->ctx, "/proc/nope", buf, sizeof(buf)));
	/* a number followed by garbage is not a number */
	EXPECT_EQ(-EINVAL, hgm_ctx_read_u64(self->ctx,
		"/sys/kernel/mm/transparent_hugepage/enabled", &v));
	EXPECT_FALSE(hgm_ctx_is_live(self->ctx));
}

TEST(live_context_is_live)
{
	struct hgm_ctx *ctx;

	ASSERT_EQ(0, hgm_ctx_new(&ctx, NULL));
	EXPECT_TRUE(hgm_ctx_is_live(ctx));
	hgm_ctx_free(ctx);
	ASSERT_EQ(0, hgm_ctx_new(&ctx, "/"));
	EXPECT_TRUE(hgm_ctx_is_live(ctx));
	hgm_ctx_free(ctx);
	EXPECT_EQ(-ENOENT, hgm_ctx_new(&ctx, "/nonexistent/root"));
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The "[selected]" word of a choice file, or the whole text of one without. */
TEST(choice_files_without_a_selected_word_read_as_plain_values)
{
	char root[] = "/tmp/hgm-choice-XXXXXX", dir[256], cmd[300];
	struct hgm_ctx *ctx;
	struct hgm_thp *t;

	ASSERT_NE(NULL, mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/sys/kernel/mm/transparent_hugepage", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	ASSERT_EQ(0, system(cmd));
	put(dir, "enabled", "always [madvise] never\n");
	put(dir, "defrag", "[] never\n");
	put(dir, "shmem_enabled", "[a-word-longer-than-the-setting-buffer-holds] never\n");
	ASSERT_EQ(0, hgm_ctx_new(&ctx, root));
	ASSERT_EQ(0, hgm_thp_read(ctx, &t));
	EXPECT_STREQ("madvise", t->enabled);
	/* an empty or oversized bracket is no selected word: the text as it is */
	EXPECT_STREQ("[] never", t->defrag);
	EXPECT_EQ(0, strncmp(t->shmem_enabled, "[a-word-longer", 14));
	hgm_thp_free(t);
	hgm_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	system(cmd);
}

/* rmap refuses PFNs at or past the end of the last zone, as /proc/zoneinfo spans them */
TEST(pfn_end_is_the_end_of_the_highest_zone)
{
	char root[] = "/tmp/hgm-zoneinfo-XXXXXX", dir[256], cmd[300];
	struct hgm_ctx *ctx;
	uint64_t end = 0;

	ASSERT_NE(NULL, mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/proc", root);
	ASSERT_EQ(0, mkdir(dir, 0755));
	ASSERT_EQ(0, hgm_ctx_new(&ctx, root));
	EXPECT_EQ(-ENOENT, hgm_pfn_end(ctx, &end));
	put(dir, "zoneinfo", "Node 0, zone   Normal\n  pages free     100\n");
	EXPECT_EQ(-EBADMSG, hgm_pfn_end(ctx, &end));
	/* zones in any order; an empty one spans nothing */
	put(dir, "zoneinfo",
	    "Node 0, zone      DMA\n  pages free     3840\n        spanned  4095\n"
	    "        present  3998\n  start_pfn:           1\n"
	    "Node 0, zone   Normal\n        spanned  5505024\n  start_pfn:           1048576\n"
	    "Node 0, zone    DMA32\n        spanned  1044480\n  start_pfn:           4096\n"
	    "Node 0, zone  Movable\n        spanned  0\n  start_pfn:           0\n");
	ASSERT_EQ(0, hgm_pfn_end(ctx, &end));
	EXPECT_EQ(1048576 + 5505024, end);
	hgm_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	system(cmd);
}

TEST(names_of_kinds_levels_and_features)
{
	EXPECT_STREQ("hugetlb", hgm_kind_name(HGM_KIND_HUGETLB));
	EXPECT_STREQ("pud", hgm_level_name(HGM_LEVEL_PUD));
	EXPECT_STREQ("madv_collapse", hgm_feature_name(HGM_FEAT_MADV_COLLAPSE));
	EXPECT_STREQ("minor_hugetlbfs_hgm", hgm_uffd_feature_name(20));
	EXPECT_STREQ("exact_address", hgm_uffd_feature_name(11));
	EXPECT_STREQ("hm", hgm_vmflag_name(HGM_VF_HM));
	EXPECT_EQ(HGM_LEVEL_PMD, hgm_level_of_size(2 * M, 2 * M));
	EXPECT_EQ(HGM_LEVEL_PUD, hgm_level_of_size(G, 2 * M));
	EXPECT_EQ(HGM_LEVEL_PTE, hgm_level_of_size(64 * 1024, 2 * M));
}

/*
 * mTHP stats: every file of each size's stats/ directory, sizes ascending and
 * names sorted, nr_* files as gauges; sizes without stats are left out, and a
 * value that is no number refuses the tree.
 */
TEST(thp_stats_list_each_size_and_file)
{
	char root[] = "/tmp/hgm-thpstats-XXXXXX", dir[300], cmd[600];
	struct hgm_thp_counters c = HGM_SIZED(c);
	struct hgm_thp_stats *st;
	struct hgm_ctx *ctx;

	ASSERT_NE(NULL, mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "cd '%s' && mkdir -p sys/kernel/mm/transparent_hugepage && "
		 "cd sys/kernel/mm/transparent_hugepage && mkdir -p hugepages-2048kB/stats "
		 "hugepages-64kB/stats hugepages-16kB/stats hugepages-32kB", root);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, hgm_ctx_new(&ctx, root));
	snprintf(dir, sizeof(dir), "%s/sys/kernel/mm/transparent_hugepage", root);
	put(dir, "hpage_pmd_size", "2097152\n");
	put(dir, "hugepages-2048kB/stats/split", "3\n");
	put(dir, "hugepages-2048kB/stats/anon_fault_alloc", "9\n");
	put(dir, "hugepages-64kB/stats/nr_anon", "12\n");
	put(dir, "hugepages-64kB/stats/anon_fault_alloc", "40\n");
	put(dir, "hugepages-16kB/stats/anon_fault_alloc", "2\n");

	ASSERT_EQ(0, hgm_thp_stats_read(ctx, &st));
	ASSERT_EQ(3, st->nr);			/* 32kB has no stats/ */
	EXPECT_EQ(16 * 1024, st->sizes[0].size);
	EXPECT_EQ(64 * 1024, st->sizes[1].size);
	EXPECT_EQ(2 * M, st->sizes[2].size);
	ASSERT_EQ(2, st->sizes[1].nr);
	EXPECT_STREQ("anon_fault_alloc", st->sizes[1].stat[0].name);
	EXPECT_EQ(40, st->sizes[1].stat[0].value);
	EXPECT_FALSE(st->sizes[1].stat[0].gauge);
	EXPECT_STREQ("nr_anon", st->sizes[1].stat[1].name);
	EXPECT_EQ(12, st->sizes[1].stat[1].value);
	EXPECT_TRUE(st->sizes[1].stat[1].gauge);
	ASSERT_EQ(2, st->sizes[2].nr);
	EXPECT_STREQ("split", st->sizes[2].stat[1].name);
	hgm_thp_stats_free(st);

	/* the mTHP fault sum counts sizes below the PMD size only: 2 + 40 */
	ASSERT_EQ(0, hgm_thp_counters_read(ctx, &c));
	EXPECT_EQ(42, c.mthp_fault_alloc);

	put(dir, "hugepages-64kB/stats/swpout", "lots\n");
	EXPECT_EQ(-EBADMSG, hgm_thp_stats_read(ctx, &st));
	EXPECT_NE(NULL, strstr(hgm_ctx_error(ctx) ?: "", "hugepages-64kB/stats/swpout"));
	hgm_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	EXPECT_EQ(0, system(cmd));
}

/* Writes @text to @path under @root: 0 or -1. */
static int put_at(const char *root, const char *path, const char *text)
{
	char full[512];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	f = fopen(full, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/*
 * The memory a pool may grow into: MemAvailable of the system, MemFree of a
 * node ("Node 0 MemFree:" lines), and a margin of 1/16 of MemTotal, at least
 * 64 MiB.
 */
TEST(mem_room_reads_meminfo_and_keeps_a_sixteenth)
{
	char root[] = "/tmp/hgm-meminfo-XXXXXX", dir[600];
	struct hgm_mem_room r;
	struct hgm_ctx *ctx;

	ASSERT_NE(NULL, mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/proc", root);
	ASSERT_EQ(0, mkdir(dir, 0700));
	snprintf(dir, sizeof(dir), "mkdir -p '%s/sys/devices/system/node/node1'", root);
	ASSERT_EQ(0, system(dir));
	ASSERT_EQ(0, put_at(root, "/proc/meminfo", "MemTotal:       16777216 kB\n"
			 "MemFree:         1048576 kB\nMemAvailable:    8388608 kB\n"));
	ASSERT_EQ(0, put_at(root, "/sys/devices/system/node/node1/meminfo",
			 "Node 1 MemTotal:        524288 kB\nNode 1 MemFree:         262144 kB\n"
			 "Node 1 MemUsed:         262144 kB\n"));
	ASSERT_EQ(0, hgm_ctx_new(&ctx, root));

	ASSERT_EQ(0, hgm_mem_room(ctx, HGM_NODE_ALL, &r));
	EXPECT_EQ(16 * G, r.total);
	EXPECT_EQ(8 * G, r.available);
	EXPECT_EQ(1 * G, r.margin);
	EXPECT_TRUE(hgm_mem_fits(&r, 7 * G));
	EXPECT_FALSE(hgm_mem_fits(&r, 7 * G + 1));

	ASSERT_EQ(0, hgm_mem_room(ctx, 1, &r));
	EXPECT_EQ(512 * M, r.total);
	EXPECT_EQ(256 * M, r.available);
	EXPECT_EQ(64 * M, r.margin);		/* 1/16 would be 32 MiB */
	EXPECT_TRUE(hgm_mem_fits(&r, 192 * M));
	EXPECT_FALSE(hgm_mem_fits(&r, 192 * M + 1));

	EXPECT_EQ(-ENOENT, hgm_mem_room(ctx, 0, &r));
	hgm_ctx_free(ctx);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		EXPECT_EQ(0, system(cmd));
	}
}

TEST_HARNESS_MAIN
