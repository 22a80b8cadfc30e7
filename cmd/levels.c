// SPDX-License-Identifier: GPL-2.0-or-later
/* levels.c - bytes by page-table level: per-process totals and the {pud,pmd,pte} JSON object */
#include <string.h>

#include "levels.h"

void level_totals_init(struct level_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->thp_pte_known = true;
}

void level_totals_add(struct level_totals *t, const struct hgm_vma_usage *u)
{
	int l;

	for (l = 0; l < HGM_NR_LEVELS; l++) {
		if (u->kind == HGM_KIND_HUGETLB)
			t->hugetlb[l] += u->mapped[l];
		else
			t->thp[l] += u->mapped[l];
	}
	if (u->kind != HGM_KIND_HUGETLB && !u->pte_known)
		t->thp_pte_known = false;
}

void jw_levels(struct jw *w, const char *key, const uint64_t *m, unsigned int flags)
{
	if (!m) {
		jw_null(w, key);
		return;
	}
	jw_obj_open(w, key);
	if (!(flags & LV_NO_PUD))
		jw_u64(w, "pud", m[HGM_LEVEL_PUD]);
	jw_u64(w, "pmd", m[HGM_LEVEL_PMD]);
	jw_u64_opt(w, "pte", !(flags & LV_PTE_NULL), m[HGM_LEVEL_PTE]);
	jw_obj_close(w);
}
