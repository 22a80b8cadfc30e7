/* SPDX-License-Identifier: GPL-2.0-or-later */
/* views.h - views more than one command shows: a process's maps, the pools, the status */
#ifndef HGMCTL_VIEWS_H
#define HGMCTL_VIEWS_H

#include "cli.h"
#include "output.h"

/* ---- maps of one process (maps-view.c): `maps` and `demo` ---- */
extern const struct hgmctl_columns maps_columns;
/* What `maps` and `demo` show of a process. */
struct maps_view {
	bool granularity;		/* --granularity: the LEVELS line of each VMA */
	unsigned int kinds;		/* --kind: bits 1 << enum hgm_kind; 0: every kind */
	bool huge;			/* --huge: VMAs with a huge mapping only */
	const struct addr_range *ranges;	/* only VMAs meeting one of these (demo) */
	size_t nranges;
};
/* maps of @pid as a table or JSON; returns an exit code */
int show_maps(struct hgmctl *g, pid_t pid, const struct maps_view *view);

/* ---- hugetlb pools (pools-view.c): `pool` and `status` ---- */
extern const struct hgmctl_columns pool_columns;
/* The pools table (--output, --raw, ...): every pool, or those of @size when not 0. */
void pools_table(const struct hgmctl *g, const struct hgm_pools *pools, uint64_t size);
/* The "pools" array of the JSON contract (as in `status --json`); @size as above. */
void pools_json(struct jw *w, const struct hgm_pools *pools, uint64_t size);

/* ---- what `status` shows (status-info.c): `status` and `top` ---- */
struct status_info {
	struct hgm_features feat;
	struct hgm_pools *pools;
	struct hgm_thp *thp;
	struct hgm_caps caps;
	bool caps_known;
};
/* Returns 0, or -errno and sets *@what to what failed; release with status_release(). */
int status_gather(const struct hgmctl *g, struct status_info *st, const char **what);
void status_release(struct status_info *st);

#endif /* HGMCTL_VIEWS_H */
