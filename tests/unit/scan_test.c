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

/* A new temporary directory @dir with proc/1 in it. */
static void new_tree(char *dir)
{
	char path[512];

	strcpy(dir, "/tmp/hgm-scan-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/proc", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/1", dir);
	mkdir(path, 0755);
}

/* A tree with one VMA of @npages at VMA_START, flags in @smaps_flags. */
static void make_tree(char *dir, unsigned long npages, const char *vmflags,
		      unsigned long page_kb)
{
	char smaps[1024];
	int len;

	new_tree(dir);
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

/* ---- HGM: a hugetlb page cut into pieces (kernel/HGM.md, hgmctl(8) maps) ---- */

#define M2		(2ULL << 20)
#define G1		(1ULL << 30)
#define HGM_START	0x40000000ULL	/* a 1 GiB-aligned VMA */

/* Writes @n entries of @val + @step * i at entry index @idx of @dir/@name, in one go. */
static void put_run(const char *dir, const char *name, uint64_t idx, uint64_t n, uint64_t val,
		    uint64_t step)
{
	uint64_t *buf = malloc(n * 8), i;

	if (!buf)
		abort();
	for (i = 0; i < n; i++)
		buf[i] = val + step * i;
	put(dir, name, buf, n * 8, (off_t)(idx * 8));
	free(buf);
}

/*
 * A tree with one MAP_SHARED hugetlb VMA of @npages pages of @ps bytes at
 * HGM_START, "hm" in VmFlags, and the smaps fields of an HGM kernel: @pud,
 * @pmd and @pte bytes mapped by leaves of each level.
 */
static void make_hgm_tree(char *dir, uint64_t ps, unsigned int npages, uint64_t pud, uint64_t pmd,
			  uint64_t pte)
{
	uint64_t size = ps * npages, none = 0;
	char smaps[2048];
	int len;

	new_tree(dir);
	len = snprintf(smaps, sizeof(smaps),
		       "%llx-%llx rw-s 00000000 00:0f 7 /dev/hugepages/guest\n"
		       "Size: %llu kB\nKernelPageSize: %llu kB\nMMUPageSize: %llu kB\n"
		       "Rss: 0 kB\nShared_Hugetlb: %llu kB\nPrivate_Hugetlb: 0 kB\n"
		       "HugetlbPudMapped: %llu kB\nHugetlbPmdMapped: %llu kB\n"
		       "HugetlbPteMapped: %llu kB\nVmFlags: rd wr sh mr mw me ms ht hm\n",
		       HGM_START, HGM_START + size, (unsigned long long)size >> 10,
		       (unsigned long long)ps >> 10, (unsigned long long)ps >> 10,
		       (unsigned long long)(pud + pmd + pte) >> 10, (unsigned long long)pud >> 10,
		       (unsigned long long)pmd >> 10, (unsigned long long)pte >> 10);
	put(dir, "proc/1/smaps", smaps, len, 0);
	put(dir, "proc/1/pagemap", &none, 8, (off_t)(((HGM_START + size) / PG - 1) * 8));
}

/* pagemap: [@off, @off + @len) of the VMA maps the pieces of the hugetlb page at @head */
static void map_pieces(const char *dir, uint64_t off, uint64_t len, uint64_t head, uint64_t ps)
{
	uint64_t pfn = head + (off % ps) / PG;

	put_run(dir, "proc/1/pagemap", (HGM_START + off) / PG, len / PG, PRESENT | pfn, 1);
}

/* kpageflags and kpagecount of a hugetlb folio of @ps bytes at @head, mapped once */
static void hugetlb_folio(const char *dir, uint64_t head, uint64_t ps)
{
	uint64_t n = ps / PG, flags = HUGE | (1ULL << KPF_MMAP) | (1ULL << KPF_UPTODATE) |
				     (1ULL << KPF_DIRTY);

	put_run(dir, "proc/kpageflags", head, 1, flags | HEAD, 0);
	put_run(dir, "proc/kpageflags", head + 1, n - 1, flags | TAIL, 0);
	put_run(dir, "proc/kpagecount", head, n, 1, 0);
}

/* Bytes of rows per level, the rows, and the level of the row holding each address asked for. */
struct by_level {
	uint64_t bytes[HGM_NR_LEVELS];
	unsigned long rows[HGM_NR_LEVELS];
	struct hgm_folio first[HGM_NR_LEVELS];	/* the first row of each level */
};

static int sum_level(const struct hgm_folio *f, void *arg)
{
	struct by_level *b = arg;

	if (!b->rows[f->level])
		b->first[f->level] = *f;
	b->rows[f->level]++;
	b->bytes[f->level] += f->end - f->start;
	return 0;
}

static int scan_levels(const char *dir, uint64_t start, uint64_t end, struct by_level *b)
{
	const struct hgm_scan_ops ops = { .folio = sum_level };
	struct hgm_ctx *ctx;
	int ret;

	memset(b, 0, sizeof(*b));
	if (hgm_ctx_new(&ctx, dir))
		return -1;
	ret = hgm_scan(ctx, 1, start, end, 0, &ops, b);
	hgm_ctx_free(ctx);
	return ret;
}

/* The 1 GiB page at PFN @head half in 2M pieces, a quarter in 4K pieces, the rest not mapped. */
static void make_issue14_tree(char *dir, uint64_t head)
{
	make_hgm_tree(dir, G1, 1, 0, 512 * (1ULL << 20), 256 * (1ULL << 20));
	hugetlb_folio(dir, head, G1);
	map_pieces(dir, 0, 512 << 20, head, G1);
	map_pieces(dir, 512 << 20, 256 << 20, head, G1);
}

/*
 * The 1 GiB page of issue 14: half in 2M pieces, a quarter in 4K pieces, the
 * rest not mapped.  Without PAGEMAP_SCAN (a recorded tree) pagemap cannot tell
 * a 2 MiB slot of 512 mapped 4K pieces from a PMD leaf: smaps says how much is
 * mapped at each level, and the scanner gives the levels out in that measure.
 */
TEST(hgm_1g_page_in_2m_and_4k_pieces_without_pagemap_scan)
{
	const uint64_t head = 0x140000;
	struct by_level b;
	char dir[64];

	make_issue14_tree(dir, head);
	ASSERT_EQ(0, scan_levels(dir, 0, 0, &b));
	EXPECT_EQ(0, b.bytes[HGM_LEVEL_PUD]);
	EXPECT_EQ(512ULL << 20, b.bytes[HGM_LEVEL_PMD]);
	EXPECT_EQ(256ULL << 20, b.bytes[HGM_LEVEL_PTE]);
	/* one row per PMD leaf; the 4K pieces of one folio, contiguous: one row */
	EXPECT_EQ(256, b.rows[HGM_LEVEL_PMD]);
	EXPECT_EQ(1, b.rows[HGM_LEVEL_PTE]);
	EXPECT_EQ(HGM_START + (512ULL << 20), b.first[HGM_LEVEL_PTE].start);
	EXPECT_EQ(head + (512ULL << 20) / PG, b.first[HGM_LEVEL_PTE].pfn);
	/* every piece is of the one 1 GiB folio */
	EXPECT_EQ(head, b.first[HGM_LEVEL_PTE].head_pfn);
	EXPECT_EQ(18, b.first[HGM_LEVEL_PTE].order);
	EXPECT_EQ(head, b.first[HGM_LEVEL_PMD].head_pfn);
	EXPECT_EQ(18, b.first[HGM_LEVEL_PMD].order);
	EXPECT_EQ(HGM_FOLIO_HUGETLB, b.first[HGM_LEVEL_PMD].kind);
	EXPECT_EQ(1, b.first[HGM_LEVEL_PMD].mapcount);
	EXPECT_TRUE(b.first[HGM_LEVEL_PMD].kflags & HEAD);
	rmtree(dir);
}

TEST(hgm_range_inside_4k_pieces_is_pte_mapped_as_in_the_whole_scan)
{
	const uint64_t head = 0x140000, at = HGM_START + (600ULL << 20);
	struct by_level b;
	char dir[64];

	make_issue14_tree(dir, head);
	ASSERT_EQ(0, scan_levels(dir, at, at + 3 * M2, &b));
	EXPECT_EQ(0, b.bytes[HGM_LEVEL_PMD]);
	EXPECT_EQ(3 * M2, b.bytes[HGM_LEVEL_PTE]);
	EXPECT_EQ(at, b.first[HGM_LEVEL_PTE].start);
	EXPECT_EQ(head + (600ULL << 20) / PG, b.first[HGM_LEVEL_PTE].pfn);
	/* and one inside the 2M pieces starts mid-leaf */
	ASSERT_EQ(0, scan_levels(dir, HGM_START + M2 + PG, HGM_START + 2 * M2, &b));
	EXPECT_EQ(1, b.rows[HGM_LEVEL_PMD]);
	EXPECT_EQ(M2 - PG, b.bytes[HGM_LEVEL_PMD]);
	EXPECT_EQ(head + (M2 + PG) / PG, b.first[HGM_LEVEL_PMD].pfn);
	/* the holes have no rows */
	ASSERT_EQ(0, scan_levels(dir, HGM_START + (800ULL << 20), HGM_START + G1, &b));
	EXPECT_EQ(0, b.rows[HGM_LEVEL_PUD] + b.rows[HGM_LEVEL_PMD] + b.rows[HGM_LEVEL_PTE]);
	rmtree(dir);
}

TEST(hgm_1g_page_whole_is_one_pud_and_in_2m_pieces_is_512_pmds)
{
	const uint64_t head = 0x140000;
	struct by_level b;
	char dir[64];

	/* the same pagemap: smaps tells one PUD leaf from 512 PMD leaves */
	make_hgm_tree(dir, G1, 1, G1, 0, 0);
	hugetlb_folio(dir, head, G1);
	map_pieces(dir, 0, G1, head, G1);
	ASSERT_EQ(0, scan_levels(dir, 0, 0, &b));
	EXPECT_EQ(G1, b.bytes[HGM_LEVEL_PUD]);
	EXPECT_EQ(1, b.rows[HGM_LEVEL_PUD]);
	rmtree(dir);

	make_hgm_tree(dir, G1, 1, 0, G1, 0);
	hugetlb_folio(dir, head, G1);
	map_pieces(dir, 0, G1, head, G1);
	ASSERT_EQ(0, scan_levels(dir, 0, 0, &b));
	EXPECT_EQ(0, b.bytes[HGM_LEVEL_PUD]);
	EXPECT_EQ(G1, b.bytes[HGM_LEVEL_PMD]);
	EXPECT_EQ(512, b.rows[HGM_LEVEL_PMD]);
	rmtree(dir);
}

TEST(hgm_2m_page_of_512_4k_pieces_is_pte_mapped_without_pagemap_scan)
{
	struct by_level b;
	char dir[64];

	/* page 0 whole by a PMD, page 1 all 512 pieces by PTEs, page 2 one piece */
	make_hgm_tree(dir, M2, 3, 0, M2, M2 + PG);
	hugetlb_folio(dir, 0x40000, M2);
	hugetlb_folio(dir, 0x40200, M2);
	hugetlb_folio(dir, 0x40400, M2);
	map_pieces(dir, 0, M2, 0x40000, M2);
	map_pieces(dir, M2, M2, 0x40200, M2);
	map_pieces(dir, 2 * M2 + 7 * PG, PG, 0x40400, M2);
	ASSERT_EQ(0, scan_levels(dir, 0, 0, &b));
	EXPECT_EQ(M2, b.bytes[HGM_LEVEL_PMD]);
	EXPECT_EQ(M2 + PG, b.bytes[HGM_LEVEL_PTE]);
	EXPECT_EQ(0x40200, b.first[HGM_LEVEL_PTE].pfn);
	EXPECT_EQ(9, b.first[HGM_LEVEL_PTE].order);
	rmtree(dir);
}

TEST_HARNESS_MAIN
