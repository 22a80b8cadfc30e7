// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * levels.c - bytes by page-table level: glyphs, per-process totals, the
 * {pud,pmd,pte} JSON object and its text
 */
#include <string.h>

#include "levels.h"

const char level_glyphs[LK_NR + 1] = {
	[LK_NONE] = '.', [LK_PUD] = 'G', [LK_PMD] = 'H', [LK_PTE] = 'p', [LK_BASE] = 'b',
	[LK_MIXED] = '*',
};

const char *const level_legend[LK_NR] = {
	[LK_NONE] = "unmapped", [LK_PUD] = "PUD", [LK_PMD] = "PMD",
	[LK_PTE] = "PTE-mapped pieces", [LK_BASE] = "base pages", [LK_MIXED] = "mixed",
};

enum level_look level_look(unsigned int bits)
{
	switch (bits & (LB_PUD | LB_PMD | LB_PTE | LB_BASE)) {
	case 0:		return LK_NONE;
	case LB_PUD:	return LK_PUD;
	case LB_PMD:	return LK_PMD;
	case LB_PTE:	return LK_PTE;
	case LB_BASE:	return LK_BASE;
	default:	return LK_MIXED;
	}
}

unsigned int level_bits(const struct hgm_folio *f)
{
	if (f->level == HGM_LEVEL_PUD)
		return LB_PUD;
	if (f->level == HGM_LEVEL_PMD)
		return LB_PMD;
	if (f->kind == HGM_FOLIO_BASE || f->kind == HGM_FOLIO_ZERO || f->kind == HGM_FOLIO_KSM)
		return LB_BASE;
	if (f->kind == HGM_FOLIO_UNKNOWN)
		return LB_BASE | LB_PTE;	/* cannot tell: shows as mixed */
	return LB_PTE;
}

void level_totals_init(struct level_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->thp_pte_known = true;
	t->dax_known = true;
}

void level_totals_add(struct level_totals *t, const struct hgm_vma_usage *u)
{
	int l;

	if (u->kind == HGM_KIND_DAX) {
		t->have_dax = true;
		for (l = 0; l < HGM_NR_LEVELS; l++)
			if (HGM_KNOWN(u->mapped[l]))
				t->dax[l] += u->mapped[l];
			else
				t->dax_known = false;
		return;
	}
	for (l = 0; l < HGM_NR_LEVELS; l++) {
		if (!HGM_KNOWN(u->mapped[l]))
			continue;
		if (u->kind == HGM_KIND_HUGETLB)
			t->hugetlb[l] += u->mapped[l];
		else if (u->kind == HGM_KIND_FILE || u->kind == HGM_KIND_SHMEM)
			t->file_thp[l] += u->mapped[l];
		else
			t->thp[l] += u->mapped[l];
	}
	if (u->kind != HGM_KIND_HUGETLB && !HGM_KNOWN(u->mapped[HGM_LEVEL_PTE]))
		t->thp_pte_known = false;
}

void print_level_totals(struct detail *d, const struct level_totals *t)
{
	print_text(d, "\n");
	print_obj_open(d, "totals", NULL);
	print_obj_open(d, "hugetlb", "hugetlb:");
	print_size(d, "pud", " %s PUD-mapped", t->hugetlb[HGM_LEVEL_PUD]);
	print_size(d, "pmd", ", %s PMD-mapped", t->hugetlb[HGM_LEVEL_PMD]);
	print_size(d, "pte", ", %s PTE-mapped", t->hugetlb[HGM_LEVEL_PTE]);
	print_obj_close(d);
	/* THP has no PUD leaves */
	print_obj_open(d, "thp", "THP:");
	print_size(d, "pmd", " %s PMD-mapped", t->thp[HGM_LEVEL_PMD]);
	print_size_opt(d, "pte", ", %s PTE-mapped", t->thp_pte_known, t->thp[HGM_LEVEL_PTE]);
	if (!t->thp_pte_known)
		print_text(d, " (THP mapped by PTEs is not visible in smaps)");
	print_obj_close(d);
	/* page-cache and shmem THP apart, where there is any (hgmctl(8), maps) */
	if (t->file_thp[HGM_LEVEL_PMD] || t->file_thp[HGM_LEVEL_PTE]) {
		print_obj_open(d, "file_thp", "file THP:");
		print_size(d, "pmd", " %s PMD-mapped", t->file_thp[HGM_LEVEL_PMD]);
		print_size_opt(d, "pte", ", %s PTE-mapped", t->thp_pte_known,
			       t->file_thp[HGM_LEVEL_PTE]);
		print_obj_close(d);
	}
	if (t->have_dax) {
		print_obj_open(d, "dax", "\nDAX:");
		print_size_opt(d, "pud", " %s PUD-mapped", t->dax_known, t->dax[HGM_LEVEL_PUD]);
		print_size_opt(d, "pmd", ", %s PMD-mapped", t->dax_known, t->dax[HGM_LEVEL_PMD]);
		print_size_opt(d, "pte", ", %s PTE-mapped", t->dax_known, t->dax[HGM_LEVEL_PTE]);
		if (!t->dax_known)
			print_text(d, " (DAX mappings need the page tables of a live process)");
		print_obj_close(d);
	}
	print_obj_close(d);
	detail_end(d);
}

static void levels_obj(struct jw *w, const char *key, const uint64_t *m, const uint64_t *base,
		       unsigned int flags)
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
	if (base)
		jw_u64_opt(w, "base", !(flags & LV_PTE_NULL), *base);
	jw_obj_close(w);
}

void jw_levels(struct jw *w, const char *key, const uint64_t *m, unsigned int flags)
{
	levels_obj(w, key, m, NULL, flags);
}

void levels_json(struct jw *w, const char *key, const void *p)
{
	const struct hgm_levels *lv = p;

	levels_obj(w, key, lv->mapped, &lv->base, HGM_KNOWN(lv->mapped[HGM_LEVEL_PTE]) ? 0 : LV_PTE_NULL);
}

const char *levels_text(const struct hgmctl *g, const struct hgm_levels *lv, unsigned int flags,
			char *buf, size_t size)
{
	const char *sep = flags & LV_PROSE ? ", " : " ";
	size_t n = 0;
	char s[32];
	int l;

	buf[0] = '\0';
	for (l = HGM_LEVEL_PUD; l >= HGM_LEVEL_PTE && n < size; l--) {
		if (l == HGM_LEVEL_PTE && !HGM_KNOWN(lv->mapped[HGM_LEVEL_PTE]))
			n += snprintf(buf + n, size - n, "%spte ?", n ? sep : "");
		else if (lv->mapped[l])
			n += snprintf(buf + n, size - n, "%s%s %s", n ? sep : "", hgm_level_name(l),
				      fmt_size(g, lv->mapped[l], s, sizeof(s)));
	}
	if (HGM_KNOWN(lv->mapped[HGM_LEVEL_PTE]) && lv->base && n < size)
		n += snprintf(buf + n, size - n, "%sbase %s", n ? sep : "",
			      fmt_size(g, lv->base, s, sizeof(s)));
	if (!n)
		snprintf(buf, size, "%s", flags & LV_PROSE ? "nothing mapped" : "none");
	return buf;
}
