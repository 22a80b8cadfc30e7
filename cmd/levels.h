/* SPDX-License-Identifier: GPL-2.0-or-later */
/* levels.h - bytes by page-table level: per-process totals and the {pud,pmd,pte} JSON object */
#ifndef HGMCTL_LEVELS_H
#define HGMCTL_LEVELS_H

#include "output.h"

/* What a process maps at each level, summed over its VMAs as `maps` and `top` show it. */
struct level_totals {
	uint64_t hugetlb[HGM_NR_LEVELS];
	uint64_t thp[HGM_NR_LEVELS];		/* THP/mTHP (non-hugetlb VMAs) */
	bool thp_pte_known;			/* every non-hugetlb VMA measured its PTEs */
};

void level_totals_init(struct level_totals *t);
/* Adds one VMA's figures (hugetlb or not, by its kind). */
void level_totals_add(struct level_totals *t, const struct hgm_vma_usage *u);

enum {
	LV_NO_PUD = 1 << 0,	/* leave "pud" out (THP has no PUD leaves) */
	LV_PTE_NULL = 1 << 1,	/* "pte": null (not measured) */
};
/* Member @key = {"pud":B,"pmd":B,"pte":B} of @m; null when @m is NULL. */
void jw_levels(struct jw *w, const char *key, const uint64_t *m, unsigned int flags);

#endif /* HGMCTL_LEVELS_H */
