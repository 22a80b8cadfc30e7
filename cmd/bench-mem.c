// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-mem.c - the memory `bench gup` and `bench collapse` measure on: THP,
 * split THP, base pages, PMD-mapped and HGM-mapped hugetlb, in hgmctl itself
 * (gup_test works on the caller's addresses, and MADV_COLLAPSE on our own
 * mappings needs no privilege)
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/memfd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench-mem.h"
#include "workload.h"
#include "common.h"
#include "uapi-compat.h"

/* ---- memory under test -------------------------------------------------------- */

/* Takes back what mem_setup() added to the pool; returns 0 or -1 (said why). */
int pool_restore(const struct hgmctl *g, struct pool_grant *pg)
{
	(void)pg;
	return pool_give_back(g);
}

void mem_free(struct mem *m)
{
	if (m->raw)
		munmap(m->raw, m->raw_len);
	if (m->fill)
		munmap(m->fill, m->size);
	if (m->memfd >= 0)
		close(m->memfd);
	m->raw = m->addr = m->fill = NULL;
	m->memfd = -1;
}

static int mem_anon(struct mem *m, uint64_t pmd)
{
	uint64_t off, page = (uint64_t)sysconf(_SC_PAGESIZE);

	m->raw_len = m->size + pmd;
	m->raw = mmap(NULL, m->raw_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->raw == MAP_FAILED) {
		m->raw = NULL;
		m->why = "cannot map anonymous memory";
		return -1;
	}
	m->addr = (char *)(((uintptr_t)m->raw + pmd - 1) & ~(uintptr_t)(pmd - 1));
	madvise(m->addr, m->size, m->kind == MEM_BASE ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
	for (off = 0; off < m->size; off += page)
		m->addr[off] = 1;
	if (m->kind == MEM_THP_SPLIT) {
		/* a protection change on part of a PMD splits the PMD, not the folio */
		if (thp_split_pmds(m->addr, m->size, pmd)) {
			m->why = "cannot split the THPs (mprotect)";
			return -1;
		}
	}
	/* MEM_BASE stays VM_NOHUGEPAGE: khugepaged leaves it alone; bench collapse lifts it */
	return 0;
}

static int mem_hugetlb(struct mem *m, uint64_t hpage)
{
	uint64_t off;
	char *p;

	m->memfd = memfd_create("hgmctl-bench", MFD_HUGETLB | MFD_HUGE_2MB);
	if (m->memfd < 0 || ftruncate(m->memfd, (off_t)m->size)) {
		m->why = "cannot create a 2 MiB hugetlb memfd";
		return -1;
	}
	p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->memfd, 0);
	if (p == MAP_FAILED) {
		m->why = "cannot map the hugetlb memfd";
		return -1;
	}
	for (off = 0; off < m->size; off += hpage)
		p[off] = 1;
	if (m->kind == MEM_HUGETLB) {
		m->raw = m->addr = p;
		m->raw_len = m->size;
		return 0;
	}
	/* HGM: the pages are in the page cache; a second mapping gets them in 4 KiB pieces */
	m->fill = p;
	p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->memfd, 0);
	if (p == MAP_FAILED) {
		m->why = "cannot map the hugetlb memfd";
		return -1;
	}
	m->raw = m->addr = p;
	m->raw_len = m->size;
	switch (hgm_map_pieces(p, m->size, (uint64_t)sysconf(_SC_PAGESIZE))) {
	case 0:
		return 0;
	case -EOPNOTSUPP:
		m->why = "this kernel has no HGM (HugeTLB high-granularity mapping)";
		return -1;
	default:
		m->why = "cannot map the hugetlb pages in 4 KiB pieces (userfaultfd)";
		return -1;
	}
}

/* Maps @m; on failure sets m->why and returns -1 (and nothing stays mapped). */
int mem_setup(const struct hgmctl *g, struct mem *m, struct pool_grant *pg, bool hgm_kernel)
{
	int ret;

	m->raw = m->addr = m->fill = NULL;
	m->memfd = -1;
	m->why = NULL;
	if (m->kind == MEM_HGM && !hgm_kernel) {
		m->why = "this kernel has no HGM (HugeTLB high-granularity mapping)";
		return -1;
	}
	if (m->kind == MEM_HUGETLB || m->kind == MEM_HGM) {
		if (pool_grow(g, pg->page_size, m->size / pg->page_size, 0, pg->why,
			      sizeof(pg->why))) {
			m->why = pg->why;
			return -1;
		}
		ret = mem_hugetlb(m, pg->page_size);
	} else {
		ret = mem_anon(m, hgm_thp_pmd_size(g->ctx));
	}
	if (ret)
		mem_free(m);
	return ret;
}

/* Bytes of @m mapped at @level now (for checking a setup and a result). */
uint64_t mem_level(const struct hgmctl *g, const struct mem *m, enum hgm_level level,
			  struct hgm_levels *lv)
{
	if (hgm_range_levels(g->ctx, getpid(), (uintptr_t)m->addr, (uintptr_t)m->addr + m->size, lv))
		return 0;
	return lv->mapped[level];
}
