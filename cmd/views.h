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
	struct hgm_dax_dev *dax;	/* pmem and DAX devices (none: NULL) */
	size_t ndax;
};
/* Returns 0, or -errno and sets *@what to what failed; release with status_release(). */
int status_gather(const struct hgmctl *g, struct status_info *st, const char **what);
void status_release(struct status_info *st);

/* ---- a cgroup v2 subtree (cgroup-view.c): `procs --cgroup` and `maps --cgroup` ---- */
struct cgroup_view {
	char dir[4096];			/* its directory */
	char name[1024];		/* "/a/b", as /proc/PID/cgroup names it */
	pid_t *pids;			/* its processes and those below it */
	size_t n;
	struct hgm_cgroup *cg;		/* its own counters */
};
/*
 * Resolves --cgroup @path for @cmd: usage error (exit 2) for a ".." in it,
 * exit 1 without cgroup v2 or without such a cgroup.
 */
void cgroup_view_open(struct hgmctl *g, const char *cmd, const char *path,
		      struct cgroup_view *v);
/* Reads its processes and counters (again, for each sample); exits 1 on errors. */
void cgroup_view_read(struct hgmctl *g, const char *cmd, struct cgroup_view *v);
/* The header block of text (@w NULL), or the "cgroup" member of @w. */
void cgroup_view_print(const struct hgmctl *g, struct jw *w, const struct cgroup_view *v);
void cgroup_view_release(struct cgroup_view *v);

/* maps of @pid written into the open array of @outer (JSON), or as a table; returns an exit code */
int show_maps_in(struct hgmctl *g, pid_t pid, const struct maps_view *view, struct jw *outer);

#endif /* HGMCTL_VIEWS_H */
