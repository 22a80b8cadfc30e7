// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mkgiant.c - the page tables of tests/fixtures/tree-giant: what an HGM kernel
 * (kernel/HGM.md) shows in /proc/PID/pagemap, /proc/kpageflags and
 * /proc/kpagecount for the process whose smaps the tree holds.
 *
 * usage: mkgiant DIR	(a copy of tests/fixtures/tree-giant, written into)
 *
 * The files are sparse (pagemap covers the stack, near 128 TiB), so they are
 * made at test time instead of kept in git.  The process has one MAP_SHARED
 * 1 GiB hugetlb VMA with HGM ("hm"), whose one 1 GiB page is mapped:
 *   [0, 512M)     in 2 MiB pieces (PMD leaves),
 *   [512M, 768M)  in 4 KiB pieces (PTE leaves),
 *   [768M, 1G)    not at all;
 * each piece maps the PFN of the folio's head plus its index in the page, as
 * pagemap does for pieces.  The folio: compound head at a 1 GiB-aligned PFN,
 * every page flagged huge, kpagecount 1 for each (one entire mapcount per VMA
 * and hugepage, whatever mix of levels maps it).  Other VMAs have their first
 * Rss / 4K pages (a stack: its last) mapped by base pages, anonymous or page
 * cache as smaps says.
 * smaps must say what this layout maps, or mkgiant fails and says why.
 */
#include <err.h>
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hgm.h"

#define PID		2000
#define PG		4096ULL
#define M		(1ULL << 20)
#define G		(1ULL << 30)
#define PM_PRESENT	(1ULL << 63)
#define PM_FILE		(1ULL << 61)
#define PM_EXCLUSIVE	(1ULL << 56)
#define BIT(x)		(1ULL << (x))

#define HUGE_HEAD	0x240000ULL	/* PFN of the 1 GiB folio: 9 GiB, 1 GiB-aligned */
#define BASE_PFN	0x11000ULL	/* the base pages of the other VMAs, from here up */
#define PMD_PIECES	(512 * M)	/* bytes in 2 MiB pieces, from the VMA's start */
#define PTE_PIECES	(256 * M)	/* bytes in 4 KiB pieces, after them */

static int pagemap_fd, kflags_fd, kcount_fd;

static void put(int fd, uint64_t idx, const uint64_t *v, size_t n, const char *what)
{
	if (pwrite(fd, v, n * 8, (off_t)(idx * 8)) != (ssize_t)(n * 8))
		err(1, "write %s", what);
}

/* pagemap entries for pages [@va, @va + @len) mapping @pfn onwards, with @flags */
static void map_run(uint64_t va, uint64_t len, uint64_t pfn, uint64_t flags)
{
	uint64_t n = len / PG, i, *v = malloc(n * 8);

	if (!v)
		err(1, "malloc");
	for (i = 0; i < n; i++)
		v[i] = PM_PRESENT | flags | (pfn + i);
	put(pagemap_fd, va / PG, v, n, "pagemap");
	free(v);
}

/* kpageflags @kf (@head_kf for the first) and kpagecount 1 for @n PFNs from @pfn */
static void pages(uint64_t pfn, uint64_t n, uint64_t head_kf, uint64_t kf)
{
	uint64_t *f = malloc(n * 8), *c = malloc(n * 8), i;

	if (!f || !c)
		err(1, "malloc");
	for (i = 0; i < n; i++) {
		f[i] = i ? kf : head_kf;
		c[i] = 1;
	}
	put(kflags_fd, pfn, f, n, "kpageflags");
	put(kcount_fd, pfn, c, n, "kpagecount");
	free(f);
	free(c);
}

static void expect(const struct hgm_vma *v, enum hgm_smaps_field f, uint64_t want)
{
	if (hgm_vma_field(v, f) != want)
		errx(1, "smaps of %#llx: %s is %llu kB, the layout maps %llu kB",
		     (unsigned long long)hgm_vma_start(v), hgm_smaps_field_name(f),
		     (unsigned long long)hgm_vma_field(v, f) >> 10, (unsigned long long)want >> 10);
}

/* The one 1 GiB page of the HGM VMA at @start, in pieces. */
static void giant(const struct hgm_vma *v)
{
	const uint64_t flags = BIT(KPF_HUGE) | BIT(KPF_MMAP) | BIT(KPF_UPTODATE) | BIT(KPF_DIRTY);
	uint64_t start = hgm_vma_start(v);

	if (hgm_vma_end(v) - start != G || hgm_vma_field(v, HGM_SM_KERNEL_PAGE_SIZE) != G ||
	    !hgm_vma_flag(v, HGM_VF_HM) || (start & (G - 1)))
		errx(1, "smaps of %#llx: not one 1 GiB-aligned hugetlb page with HGM",
		     (unsigned long long)start);
	expect(v, HGM_SM_HUGETLB_PUD_MAPPED, 0);
	expect(v, HGM_SM_HUGETLB_PMD_MAPPED, PMD_PIECES);
	expect(v, HGM_SM_HUGETLB_PTE_MAPPED, PTE_PIECES);
	expect(v, HGM_SM_SHARED_HUGETLB, PMD_PIECES + PTE_PIECES);
	expect(v, HGM_SM_PRIVATE_HUGETLB, 0);
	expect(v, HGM_SM_RSS, 0);
	/* a shared file page, mapped by this process only: PM_FILE, exclusive */
	map_run(start, PMD_PIECES + PTE_PIECES, HUGE_HEAD, PM_FILE | PM_EXCLUSIVE);
	pages(HUGE_HEAD, G / PG, flags | BIT(KPF_COMPOUND_HEAD), flags | BIT(KPF_COMPOUND_TAIL));
}

static int open_in(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		err(1, "%s", path);
	return fd;
}

int main(int argc, char **argv)
{
	const uint64_t lru = BIT(KPF_UPTODATE) | BIT(KPF_LRU) | BIT(KPF_MMAP);
	uint64_t pfn = BASE_PFN, top = 0;
	struct hgm_smaps *sm;
	struct hgm_vma *v;
	struct hgm_ctx *ctx;
	char path[4096];
	int ret, giants = 0;

	if (argc != 2)
		errx(2, "usage: mkgiant DIR");
	if (hgm_ctx_new(&ctx, argv[1]) || hgm_vma_new(&v))
		errx(1, "%s: cannot open", argv[1]);
	snprintf(path, sizeof(path), "proc/%d/pagemap", PID);
	pagemap_fd = open_in(argv[1], path);
	kflags_fd = open_in(argv[1], "proc/kpageflags");
	kcount_fd = open_in(argv[1], "proc/kpagecount");
	if ((ret = hgm_smaps_open(ctx, PID, &sm)))
		errx(1, "%s: smaps of %d: %s", argv[1], PID, strerror(-ret));
	while ((ret = hgm_smaps_next(sm, v)) > 0) {
		uint64_t rss = hgm_vma_field(v, HGM_SM_RSS), anon = hgm_vma_field(v, HGM_SM_ANONYMOUS);
		uint64_t start = hgm_vma_start(v);

		/* a stack grows down: what it touched is at its top */
		if (hgm_vma_flag(v, HGM_VF_GD))
			start = hgm_vma_end(v) - rss;

		/* the vsyscall page lies above the user address space: no pagemap */
		if (start >= 1ULL << 47)
			continue;
		top = hgm_vma_end(v);
		if (hgm_vma_flag(v, HGM_VF_HT)) {
			giant(v);
			giants++;
			continue;
		}
		/* anonymous pages (copied on write in a file VMA) first, then page cache */
		if (anon) {
			map_run(start, anon, pfn, PM_EXCLUSIVE);
			pages(pfn, anon / PG, lru | BIT(KPF_ANON) | BIT(KPF_SWAPBACKED),
			      lru | BIT(KPF_ANON) | BIT(KPF_SWAPBACKED));
			pfn += anon / PG;
		}
		if (rss > anon) {
			map_run(start + anon, rss - anon, pfn, PM_FILE | PM_EXCLUSIVE);
			pages(pfn, (rss - anon) / PG, lru | BIT(KPF_REFERENCED),
			      lru | BIT(KPF_REFERENCED));
			pfn += (rss - anon) / PG;
		}
	}
	if (ret < 0)
		errx(1, "smaps of %d: line %lu: %s", PID, hgm_smaps_lineno(sm), strerror(-ret));
	if (giants != 1)
		errx(1, "smaps of %d: %d hugetlb VMAs, the layout has one", PID, giants);
	/* pagemap covers every VMA: a short one would be a process that exited */
	if (ftruncate(pagemap_fd, (off_t)(top / PG * 8)))
		err(1, "pagemap");
	hgm_smaps_free(sm);
	hgm_vma_free(v);
	hgm_ctx_free(ctx);
	close(pagemap_fd);
	close(kflags_fd);
	close(kcount_fd);
	return 0;
}
