// SPDX-License-Identifier: LGPL-2.1-or-later
/* maps.c - what `maps` measures per VMA: smaps figures merged with the page scan */
#include <errno.h>
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <stdlib.h>
#include <string.h>

#include "hgm-private.h"

struct maps_walk {
	const struct hgm_ctx *ctx;
	const struct hgm_maps_ops *ops;
	void *arg;
	unsigned int flags;
	uint64_t pmd_size;
	struct hgm_vma *cur;		/* the VMA being measured */
	struct hgm_vma_usage u;
	bool have_cur, scanning, flags_unknown;
	bool tree_rows;			/* a recorded tree with pagemap: rows, no figures */
	bool light;			/* VMA without smaps counters: all from the scan */
	bool shmem_pmd;			/* light: a PMD-mapped swap-backed (shmem) folio */
	uint64_t scan_pmd, scan_pte;
	uint64_t scan_level[HGM_NR_LEVELS], scan_rss;	/* light: hugetlb levels, rss */
	int stop;			/* what ops->vma returned to stop the walk */
};

/* Hands the current VMA to the caller, with what the scan measured. */
static void finish_vma(struct maps_walk *mw)
{
	struct hgm_vma_usage *u = &mw->u;

	if (!mw->have_cur)
		return;
	if (mw->light) {
		mw->cur->field[HGM_SM_RSS] = mw->scan_rss;
		mw->cur->present |= UINT64_C(1) << HGM_SM_RSS;
		if (u->kind == HGM_KIND_HUGETLB)
			memcpy(u->mapped, mw->scan_level, sizeof(u->mapped));
		/* PMD-mapped anonymous THP is what smaps counts as AnonHugePages */
		else if (u->kind == HGM_KIND_ANON && mw->scan_pmd)
			u->kind = HGM_KIND_THP;
		/* what smaps counts as ShmemPmdMapped makes a tmpfs file "shmem" */
		else if (u->kind == HGM_KIND_FILE && mw->shmem_pmd)
			u->kind = HGM_KIND_SHMEM;
	}
	if (mw->scanning && u->kind == HGM_KIND_DAX) {
		memcpy(u->mapped, mw->scan_level, sizeof(u->mapped));
	} else if (mw->scanning && u->kind != HGM_KIND_HUGETLB) {
		u->mapped[HGM_LEVEL_PMD] = mw->scan_pmd;
		if (!mw->flags_unknown) {
			u->mapped[HGM_LEVEL_PTE] = mw->scan_pte;
			/* THP mapped by PTEs is still THP */
			if (u->kind == HGM_KIND_ANON && mw->scan_pte)
				u->kind = HGM_KIND_THP;
		}
	}
	u->from_scan_only = mw->light;
	mw->have_cur = false;
	mw->stop = mw->ops->vma(mw->cur, u, mw->arg);
}

static int on_vma(const struct hgm_vma *v, void *arg)
{
	struct maps_walk *mw = arg;
	bool live = hgm_ctx_is_live(mw->ctx);

	finish_vma(mw);
	if (mw->stop)
		return mw->stop;
	memcpy(mw->cur, v, sizeof(*v));
	hgm_vma_usage(v, mw->pmd_size, &mw->u);
	/* smaps counts nothing of DAX memory: its levels come from the scan alone */
	if (hgm_vma_dax(v)) {
		mw->u.kind = HGM_KIND_DAX;
		for (int l = 0; l < HGM_NR_LEVELS; l++)
			mw->u.mapped[l] = live && !hgm_dax_unwalkable(v, mw->pmd_size) ? 0
										: HGM_UNKNOWN;
	}
	mw->have_cur = true;
	mw->scan_pmd = mw->scan_pte = mw->scan_rss = 0;
	memset(mw->scan_level, 0, sizeof(mw->scan_level));
	mw->flags_unknown = false;
	mw->shmem_pmd = false;
	mw->light = !hgm_vma_has(v, HGM_SM_RSS) && live;
	/*
	 * Only live processes have page tables, whose figures are measured.
	 * hugetlb figures come whole from smaps; its pages are walked only for
	 * a caller that wants rows, who gets them from a recorded tree's
	 * pagemap too (its figures stay those of smaps).
	 */
	mw->scanning = (mw->u.kind != HGM_KIND_HUGETLB || mw->light) && live &&
		       !hgm_dax_unwalkable(v, mw->pmd_size);
	return mw->scanning || ((mw->flags & HGM_MAPS_ROWS) && (live || mw->tree_rows)) ? 0
											 : HGM_SCAN_SKIP;
}

static int on_folio(const struct hgm_folio *f, void *arg)
{
	struct maps_walk *mw = arg;
	uint64_t len = f->end - f->start;
	int ret;

	if (!f->present)
		return 0;
	if ((mw->flags & HGM_MAPS_ROWS) && mw->ops->folio && (ret = mw->ops->folio(f, mw->arg)))
		return ret;
	if (!mw->scanning)
		return 0;
	if (mw->light) {
		if (f->kind == HGM_FOLIO_HUGETLB)
			mw->scan_level[f->level] += len;
		/* smaps counts neither the zero page nor DAX memory in Rss */
		else if (f->kind != HGM_FOLIO_ZERO && f->kind != HGM_FOLIO_DAX)
			mw->scan_rss += len;
		if (f->level == HGM_LEVEL_PMD && HGM_KNOWN(f->kflags) &&
		    (f->kflags & (UINT64_C(1) << KPF_SWAPBACKED)))
			mw->shmem_pmd = true;
	}
	if (f->kind == HGM_FOLIO_DAX)
		mw->scan_level[f->level] += len;
	if (f->level == HGM_LEVEL_PMD)
		mw->scan_pmd += len;
	else if (f->kind == HGM_FOLIO_DAX)
		mw->scan_pte += len;
	else if (!HGM_KNOWN(f->kflags))
		mw->flags_unknown = true;
	else if (f->kind == HGM_FOLIO_THP || f->kind == HGM_FOLIO_MTHP)
		mw->scan_pte += len;
	return 0;
}

/* Feeds every VMA of a recorded tree to on_vma (there is no pagemap to scan). */
static int from_smaps(struct maps_walk *mw, pid_t pid, unsigned long *bad_line)
{
	struct hgm_vma *v = malloc(sizeof(*v));	/* on_vma still holds the last one */
	struct hgm_dax_probe *probe = NULL;
	struct hgm_smaps *sm;
	int ret;

	if (!v)
		return -ENOMEM;
	ret = hgm_dax_probe_new(mw->ctx, pid, &probe);
	if (!ret)
		ret = hgm_smaps_open(mw->ctx, pid, &sm);
	if (ret) {
		hgm_dax_probe_free(probe);
		free(v);
		return ret;
	}
	while ((ret = hgm_smaps_next(sm, v)) > 0) {
		hgm_dax_classify(probe, v);
		if (on_vma(v, mw) != 0 && mw->stop)
			break;
	}
	if (ret > 0)
		ret = mw->stop;
	if (ret == -EBADMSG && bad_line)
		*bad_line = hgm_smaps_lineno(sm);
	hgm_smaps_free(sm);
	hgm_dax_probe_free(probe);
	free(v);
	return ret;
}

/*
 * smaps costs a walk of every page table, as much as the scan itself.  A
 * caller who can read page flags (root) gets every figure from the scan and
 * the VMA list from PROCMAP_QUERY, unless it needs VmFlags, which only smaps has.
 */
static unsigned int light_flag(const struct hgm_ctx *ctx, unsigned int flags)
{
	if (!(flags & HGM_MAPS_NO_VMFLAGS) || !hgm_kpageflags_readable(ctx))
		return 0;
	return HGM_SCAN_LIGHT_VMAS;
}

HGM_EXPORT int hgm_maps_walk(const struct hgm_ctx *ctx, pid_t pid, unsigned int flags,
			     const struct hgm_maps_ops *ops, void *arg, unsigned long *bad_line)
{
	const struct hgm_scan_ops sops = { .vma = on_vma, .folio = on_folio };
	struct maps_walk mw = { .ctx = ctx, .ops = ops, .arg = arg, .flags = flags };
	int ret;

	mw.pmd_size = hgm_thp_pmd_size(ctx);
	mw.cur = malloc(sizeof(*mw.cur));
	if (!mw.cur)
		return -ENOMEM;
	mw.tree_rows = !hgm_ctx_is_live(ctx) && (flags & HGM_MAPS_ROWS) &&
		       hgm_pagemap_available(ctx, pid) == 0;
	if (hgm_ctx_is_live(ctx))
		ret = hgm_scan(ctx, pid, 0, 0, HGM_SCAN_NO_COUNT | light_flag(ctx, flags) |
			       (flags & HGM_MAPS_NODES ? HGM_SCAN_NODES : 0), &sops, &mw);
	else if (mw.tree_rows)
		ret = hgm_scan(ctx, pid, 0, 0, HGM_SCAN_NO_COUNT, &sops, &mw);
	else
		ret = from_smaps(&mw, pid, bad_line);
	if (ret == 0)
		finish_vma(&mw);
	free(mw.cur);
	return ret ? ret : mw.stop;
}
