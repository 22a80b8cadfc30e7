// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * scan_test.c - the page scanner on synthetic trees: smaps, a sparse pagemap
 * and kpageflags/kpagecount written by the test, replayed through --root (the
 * scanner falls back to reading pagemap when PAGEMAP_SCAN is not there).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hgm.h"
#include "kselftest_harness.h"

#define PG		4096ULL
#define PRESENT		(1ULL << 63)
#define EXCL		(1ULL << 56)
#define HEAD		(1ULL << KPF_COMPOUND_HEAD)
#define TAIL		(1ULL << KPF_COMPOUND_TAIL)
#define THP		(1ULL << KPF_THP)
#define ANON		(1ULL << KPF_ANON)
#define HUGE		(1ULL << KPF_HUGE)
#define VMA_START	0x200000ULL
#define MAX_ROWS	64

struct rows {
	struct hgm_folio f[MAX_ROWS];
	int n;
};

static int collect(const struct hgm_folio *f, void *arg)
{
	struct rows *r = arg;

	if (r->n < MAX_ROWS)
		r->f[r->n] = *f;
	r->n++;
	return 0;
}

static void put(const char *dir, const char *name, const void *buf, size_t len, off_t off)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || pwrite(fd, buf, len, off) != (ssize_t)len)
		abort();
	close(fd);
}

/* A tree with one VMA of @npages at VMA_START, flags in @smaps_flags. */
static void make_tree(char *dir, unsigned long npages, const char *vmflags,
		      unsigned long page_kb)
{
	char path[512], smaps[1024];
	int len;

	strcpy(dir, "/tmp/hgm-scan-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/proc", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/1", dir);
	mkdir(path, 0755);
	len = snprintf(smaps, sizeof(smaps),
		       "%llx-%llx rw-p 00000000 00:00 0\n"
		       "Size: %lu kB\nKernelPageSize: %lu kB\nVmFlags: %s\n",
		       VMA_START, VMA_START + npages * PG, npages * 4, page_kb, vmflags);
	put(dir, "proc/1/smaps", smaps, len, 0);
	/* pagemap covers the whole VMA: a short read would mean the process exited */
	{
		uint64_t none = 0;

		put(dir, "proc/1/pagemap", &none, 8, (off_t)((VMA_START / PG + npages - 1) * 8));
	}
}

/* pagemap entries for pages [first, first + n) mapping PFNs pfn, pfn + 1, ... */
static void map_pages(const char *dir, unsigned long first, unsigned long n, uint64_t pfn)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		uint64_t pme = PRESENT | EXCL | (pfn + i);

		put(dir, "proc/1/pagemap", &pme, 8, (off_t)((VMA_START / PG + first + i) * 8));
	}
}

/* kpageflags of a folio of 2^order pages at @head, and kpagecount @count each. */
static void folio(const char *dir, uint64_t head, unsigned int order, uint64_t kind,
		  uint64_t count)
{
	uint64_t i, n = 1ULL << order;

	for (i = 0; i < n; i++) {
		uint64_t kf = kind | (order ? (i ? TAIL : HEAD) : 0);

		put(dir, "proc/kpageflags", &kf, 8, (off_t)((head + i) * 8));
		put(dir, "proc/kpagecount", &count, 8, (off_t)((head + i) * 8));
	}
}

static int scan(const char *dir, unsigned int flags, struct rows *r)
{
	const struct hgm_scan_ops ops = { .folio = collect };
	struct hgm_ctx *ctx;
	int ret;

	r->n = 0;
	if (hgm_ctx_new(&ctx, dir))
		return -1;
	ret = hgm_scan(ctx, 1, 0, 0, flags, &ops, r);
	hgm_ctx_free(ctx);
	return ret;
}

static void rmtree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		abort();
}

TEST(pte_mapped_thp_is_one_row_per_folio)
{
	struct rows r;
	char dir[64];

	/*
	 *   page   0 .. 511        512 .. 1023
	 *   PFN    0x10000 ..      0x20000 ..     two order-9 THPs, each PTE-mapped whole
	 */
	make_tree(dir, 1024, "rd wr mr mw me ac", 4);
	folio(dir, 0x10000, 9, THP | ANON, 1);
	folio(dir, 0x20000, 9, THP | ANON, 1);
	map_pages(dir, 0, 512, 0x10000);
	map_pages(dir, 512, 512, 0x20000);
	ASSERT_EQ(0, scan(dir, 0, &r));
	ASSERT_EQ(2, r.n);
	EXPECT_EQ(VMA_START, r.f[0].start);
	EXPECT_EQ(VMA_START + 512 * PG, r.f[0].end);
	EXPECT_EQ(HGM_LEVEL_PTE, r.f[0].level);
	EXPECT_EQ(HGM_FOLIO_THP, r.f[0].kind);
	EXPECT_EQ(9, r.f[0].order);
	EXPECT_EQ(0x10000, r.f[0].head_pfn);
	EXPECT_EQ(1, r.f[0].mapcount);
	EXPECT_TRUE(r.f[0].exclusive);
	EXPECT_EQ(0x20000, r.f[1].pfn);
	EXPECT_EQ(HGM_FOLIO_THP, r.f[1].kind);
	rmtree(dir);
}

TEST(mapping_that_starts_mid_folio_finds_the_head_before_it)
{
	struct rows r;
	char dir[64];

	/* pages 0..7 map the last 8 pages of an order-4 mTHP, then 8 base pages */
	make_tree(dir, 16, "rd wr mr mw me ac", 4);
	folio(dir, 0x3000, 4, THP | ANON, 2);
	folio(dir, 0x3010, 0, ANON, 1);
	folio(dir, 0x3011, 0, ANON, 1);
	map_pages(dir, 0, 8, 0x3008);
	map_pages(dir, 8, 2, 0x3010);
	ASSERT_EQ(0, scan(dir, 0, &r));
	ASSERT_EQ(3, r.n);
	EXPECT_EQ(HGM_FOLIO_MTHP, r.f[0].kind);
	EXPECT_EQ(4, r.f[0].order);
	EXPECT_EQ(0x3000, r.f[0].head_pfn);
	EXPECT_EQ(0x3008, r.f[0].pfn);
	EXPECT_EQ(8 * PG, r.f[0].end - r.f[0].start);
	EXPECT_EQ(2, r.f[0].mapcount);
	/* base pages are folios of their own, even with contiguous PFNs */
	EXPECT_EQ(HGM_FOLIO_BASE, r.f[1].kind);
	EXPECT_EQ(0, r.f[1].order);
	EXPECT_EQ(PG, r.f[1].end - r.f[1].start);
	EXPECT_EQ(0x3011, r.f[2].pfn);
	rmtree(dir);
}

TEST(per_page_mode_gives_one_row_per_page)
{
	struct rows r;
	char dir[64];

	make_tree(dir, 16, "rd wr mr mw me ac", 4);
	folio(dir, 0x4000, 4, THP | ANON, 1);
	map_pages(dir, 0, 16, 0x4000);
	ASSERT_EQ(0, scan(dir, HGM_SCAN_PAGES, &r));
	ASSERT_EQ(16, r.n);
	EXPECT_EQ(0x400f, r.f[15].pfn);
	EXPECT_EQ(0x4000, r.f[15].head_pfn);
	EXPECT_EQ(4, r.f[15].order);
	rmtree(dir);
}

TEST(hugetlb_vma_without_pagemap_scan_reads_one_entry_per_leaf)
{
	struct rows r;
	char dir[64];

	/* 2 MiB hugetlb pages: one row each, whatever the fallback saw */
	make_tree(dir, 1024, "rd wr sh mr mw me ms ht", 2048);
	folio(dir, 0x40000, 0, HUGE | HEAD, 3);
	folio(dir, 0x40200, 0, HUGE | HEAD, 1);
	map_pages(dir, 0, 512, 0x40000);
	map_pages(dir, 512, 512, 0x40200);
	ASSERT_EQ(0, scan(dir, 0, &r));
	ASSERT_EQ(2, r.n);
	EXPECT_EQ(HGM_LEVEL_PMD, r.f[0].level);
	EXPECT_EQ(HGM_FOLIO_HUGETLB, r.f[0].kind);
	EXPECT_EQ(9, r.f[0].order);
	EXPECT_EQ(3, r.f[0].mapcount);
	EXPECT_EQ(0x40200, r.f[1].head_pfn);
	rmtree(dir);
}

TEST(range_starting_inside_a_huge_leaf_is_clipped_with_the_right_head)
{
	const struct hgm_scan_ops ops = { .folio = collect };
	struct hgm_ctx *ctx;
	struct rows r = { .n = 0 };
	char dir[64];

	make_tree(dir, 512, "rd wr sh mr mw me ms ht", 2048);
	folio(dir, 0x40000, 0, HUGE | HEAD, 1);
	map_pages(dir, 0, 512, 0x40000);
	ASSERT_EQ(0, hgm_ctx_new(&ctx, dir));
	/* pages 1 and 2 of the 2 MiB page, one row per page */
	ASSERT_EQ(0, hgm_scan(ctx, 1, VMA_START + PG, VMA_START + 3 * PG, HGM_SCAN_PAGES, &ops, &r));
	ASSERT_EQ(2, r.n);
	EXPECT_EQ(VMA_START + PG, r.f[0].start);
	EXPECT_EQ(0x40001, r.f[0].pfn);
	EXPECT_EQ(0x40000, r.f[0].head_pfn);
	EXPECT_EQ(0x40002, r.f[1].pfn);
	EXPECT_EQ(HGM_LEVEL_PMD, r.f[1].level);
	/* and as one row: the part of the leaf inside the range */
	r.n = 0;
	ASSERT_EQ(0, hgm_scan(ctx, 1, VMA_START + PG, VMA_START + 3 * PG, 0, &ops, &r));
	ASSERT_EQ(1, r.n);
	EXPECT_EQ(VMA_START + 3 * PG, r.f[0].end);
	EXPECT_EQ(9, r.f[0].order);
	hgm_ctx_free(ctx);
	rmtree(dir);
}

TEST(hidden_pfns_give_unknown_rows_not_zeros)
{
	struct rows r;
	char dir[64];
	uint64_t pme = PRESENT;	/* what a caller without CAP_SYS_ADMIN reads */
	int i;

	make_tree(dir, 8, "rd wr mr mw me ac", 4);
	for (i = 0; i < 8; i++)
		put(dir, "proc/1/pagemap", &pme, 8, (off_t)((VMA_START / PG + i) * 8));
	ASSERT_EQ(0, scan(dir, 0, &r));
	ASSERT_EQ(1, r.n);
	EXPECT_EQ(8 * PG, r.f[0].end - r.f[0].start);
	EXPECT_FALSE(HGM_KNOWN(r.f[0].pfn));
	EXPECT_FALSE(HGM_KNOWN(r.f[0].kflags));
	EXPECT_EQ(HGM_FOLIO_UNKNOWN, r.f[0].kind);
	rmtree(dir);
}

TEST(truncated_kpageflags_leaves_flags_unknown)
{
	struct rows r;
	char dir[64];

	/* kpageflags ends before the PFNs the process maps */
	make_tree(dir, 4, "rd wr mr mw me ac", 4);
	folio(dir, 0x10, 0, ANON, 1);
	map_pages(dir, 0, 4, 0x5000);
	ASSERT_EQ(0, scan(dir, 0, &r));
	ASSERT_EQ(1, r.n);
	EXPECT_TRUE(HGM_KNOWN(r.f[0].pfn));
	EXPECT_FALSE(HGM_KNOWN(r.f[0].kflags));
	EXPECT_EQ(HGM_FOLIO_UNKNOWN, r.f[0].kind);
	rmtree(dir);
}

TEST(unmapped_pages_give_no_rows_and_ranges_clip)
{
	const struct hgm_scan_ops ops = { .folio = collect };
	struct hgm_ctx *ctx;
	struct rows r = { .n = 0 };
	char dir[64];

	make_tree(dir, 64, "rd wr mr mw me ac", 4);
	folio(dir, 0x6000, 0, ANON, 1);
	map_pages(dir, 10, 1, 0x6000);
	ASSERT_EQ(0, scan(dir, 0, &r));
	ASSERT_EQ(1, r.n);
	EXPECT_EQ(VMA_START + 10 * PG, r.f[0].start);
	/* a range that misses page 10 has no rows */
	ASSERT_EQ(0, hgm_ctx_new(&ctx, dir));
	r.n = 0;
	EXPECT_EQ(0, hgm_scan(ctx, 1, VMA_START + 11 * PG, VMA_START + 20 * PG, 0, &ops, &r));
	EXPECT_EQ(0, r.n);
	hgm_ctx_free(ctx);
	rmtree(dir);
}

TEST(missing_process_is_esrch)
{
	const struct hgm_scan_ops ops = { .folio = collect };
	struct hgm_ctx *ctx;
	struct rows r;
	char dir[64];

	make_tree(dir, 1, "rd", 4);
	ASSERT_EQ(0, hgm_ctx_new(&ctx, dir));
	EXPECT_EQ(-ESRCH, hgm_scan(ctx, 2, 0, 0, 0, &ops, &r));
	hgm_ctx_free(ctx);
	rmtree(dir);
}

TEST_HARNESS_MAIN
