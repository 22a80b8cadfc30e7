/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-mem.h - memory under test for `bench gup` and `bench collapse` */
#ifndef HGMCTL_BENCH_MEM_H
#define HGMCTL_BENCH_MEM_H

#include "cli.h"
#include "output.h"

#define MIB (UINT64_C(1) << 20)

/* Microseconds of the one clock (now_ms()). */
static inline double now_us(void)
{
	return now_ms() * 1e3;
}

enum mem_kind {
	MEM_THP,		/* anonymous THP, PMD-mapped */
	MEM_THP_SPLIT,		/* anonymous THP, PTE-mapped (split by mprotect) */
	MEM_BASE,		/* anonymous base pages */
	MEM_HUGETLB,		/* shared 2 MiB hugetlb, PMD-mapped */
	MEM_HGM,		/* shared 2 MiB hugetlb, mapped in 4 KiB pieces (HGM) */
};

struct mem {
	enum mem_kind kind;
	uint64_t size;
	char *raw, *addr;	/* raw: the mapping to unmap (THP: with alignment slack) */
	uint64_t raw_len;
	char *fill;		/* HGM: the mapping that put the pages in the page cache */
	int memfd;
	const char *why;	/* why it could not be set up */
};

struct pool_grant {
	uint64_t page_size;
	char why[320];		/* why the pool could not grow */
};

/* Takes back what pool_reserve() added; returns 0 or -1 (said why). */
int pool_restore(const struct hgmctl *g, struct pool_grant *pg);
void mem_free(struct mem *m);
/* Maps @m; on failure sets m->why and returns -1 (and nothing stays mapped). */
int mem_setup(const struct hgmctl *g, struct mem *m, struct pool_grant *pg, bool hgm_kernel);
/* Bytes of @m mapped at @level now (for checking a setup and a result). */
uint64_t mem_level(const struct hgmctl *g, const struct mem *m, enum hgm_level level,
			  struct hgm_levels *lv);

#endif /* HGMCTL_BENCH_MEM_H */
