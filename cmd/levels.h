/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * levels.h - bytes by page-table level: the glyphs `maps --granularity` and
 * `top` draw, per-process totals, the {pud,pmd,pte} JSON object and its text
 */
#ifndef HGMCTL_LEVELS_H
#define HGMCTL_LEVELS_H

#include "output.h"

/* What a stretch of memory is mapped by, as bits. */
enum { LB_PUD = 1, LB_PMD = 2, LB_PTE = 4, LB_BASE = 8 };

/* How a stretch looks: one level, nothing, or more than one (mixed). */
enum level_look { LK_NONE, LK_PUD, LK_PMD, LK_PTE, LK_BASE, LK_MIXED, LK_NR };

/* The look of a stretch holding @bits (LB_*; other bits are ignored). */
enum level_look level_look(unsigned int bits);

/*
 * What present row @f is mapped by (LB_*): its leaf level, and below a PMD
 * whether its pages are of a huge folio (pieces) or base pages.
 */
unsigned int level_bits(const struct hgm_folio *f);

/* The glyph of each look, indexed by it: ".GHpb*". */
extern const char level_glyphs[LK_NR + 1];
/* What each look's glyph stands for, for a legend ("PUD", "base pages", ...). */
extern const char *const level_legend[LK_NR];

/* What a process maps at each level, summed over its VMAs as `maps` and `top` show it. */
struct level_totals {
	uint64_t hugetlb[HGM_NR_LEVELS];
	uint64_t thp[HGM_NR_LEVELS];		/* THP/mTHP of anonymous (and other) VMAs */
	uint64_t file_thp[HGM_NR_LEVELS];	/* of file and shmem VMAs: page cache */
	bool thp_pte_known;			/* every non-hugetlb VMA measured its PTEs */
	uint64_t dax[HGM_NR_LEVELS];		/* DAX VMAs (shown only when there are any) */
	bool have_dax, dax_known;		/* a DAX VMA; every one measured */
};

void level_totals_init(struct level_totals *t);
/* Adds one VMA's figures (hugetlb or not, by its kind). */
void level_totals_add(struct level_totals *t, const struct hgm_vma_usage *u);
/*
 * The totals: JSON member "totals" = {"hugetlb": {...}, "thp": {...}}, or
 * the two text lines under the `maps` table ("hugetlb: 2M PUD-mapped, ...").
 */
void print_level_totals(struct detail *d, const struct level_totals *t);

enum {
	LV_NO_PUD = 1 << 0,	/* leave "pud" out (THP has no PUD leaves) */
	LV_PTE_NULL = 1 << 1,	/* "pte": null (not measured) */
	LV_PROSE = 1 << 2,	/* text: "pmd 2M, pte 4K" and "nothing mapped" */
};
/* Member @key = {"pud":B,"pmd":B,"pte":B} of @m; null when @m is NULL. */
void jw_levels(struct jw *w, const char *key, const uint64_t *m, unsigned int flags);
/*
 * Member @key = {"pud","pmd","pte","base"} of @lv (a struct hgm_levels; "pte"
 * and "base" null when PTEs were not told from base pages).  Its type is that
 * of struct cell's json(), for a CT_OBJECT column.
 */
void levels_json(struct jw *w, const char *key, const void *lv);
/*
 * @lv in words, its levels from the top, those with bytes only: "pmd 16M pte
 * 16M base 4K" ("pte ?" when not told from base pages, "none"), or with
 * LV_PROSE "pmd 16M, pte 16M" ("nothing mapped").  Returns @buf.
 */
const char *levels_text(const struct hgmctl *g, const struct hgm_levels *lv, unsigned int flags,
			char *buf, size_t size);

#endif /* HGMCTL_LEVELS_H */
