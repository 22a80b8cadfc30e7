// SPDX-License-Identifier: GPL-2.0-or-later
/* cgroup-view.c - a cgroup v2 subtree for --cgroup: its processes, its hugetlb and THP counters */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "views.h"

void cgroup_view_open(struct hgmctl *g, const char *cmd, const char *path,
		      struct cgroup_view *v)
{
	char mnt[512];
	int ret;

	memset(v, 0, sizeof(*v));
	ret = hgm_cgroup_resolve(g->ctx, path, v->dir, sizeof(v->dir), v->name, sizeof(v->name));
	if (ret == -EINVAL)
		usage_error("%s: invalid --cgroup '%s' (a cgroup under the cgroup2 mount, "
			    "without \".\" or \"..\")", cmd, path);
	refusal_exit(ret);
	if (ret == -ENOENT && hgm_cgroup_mount(g->ctx, mnt, sizeof(mnt)) == -ENOENT)
		errx(EXIT_ERROR, "%s: --cgroup needs cgroup v2, and /proc/self/mountinfo lists "
		     "no cgroup2 file system", cmd);
	if (ret == -ENOENT)
		errx(EXIT_ERROR, "%s: no cgroup '%s' under %s", cmd, path, mnt);
	if (ret)
		errx(EXIT_ERROR, "%s: cannot open cgroup '%s': %s", cmd, path, strerror(-ret));
}

void cgroup_view_read(struct hgmctl *g, const char *cmd, struct cgroup_view *v)
{
	char file[512];
	int ret;

	free(v->pids);
	hgm_cgroup_free(v->cg);
	v->pids = NULL;
	v->cg = NULL;
	ret = hgm_cgroup_pids(g->ctx, v->dir, &v->pids, &v->n);
	if (!ret)
		ret = hgm_cgroup_read(g->ctx, v->dir, &v->cg);
	refusal_exit(ret);
	if (ret == -ENOENT)
		errx(EXIT_ERROR, "%s: cgroup '%s' is gone", cmd, v->name);
	if (ret)
		errx(EXIT_ERROR, "%s: cannot read cgroup '%s': %s%s", cmd, v->name, strerror(-ret),
		     failed_file(g, ret, file, sizeof(file)));
}

/* One hugetlb page size: a text line of its counters, or an object of the "hugetlb" array. */
static void print_hugetlb(const struct hgmctl *g, struct jw *w, const struct hgm_cgroup_hugetlb *h)
{
	char label[48], sz[32];
	struct detail d;

	snprintf(label, sizeof(label), "hugetlb %s", fmt_size(&(struct hgmctl){ 0 },
		 h->page_size, sz, sizeof(sz)));
	detail_open(&d, w, NULL, label);
	d.g = g;
	if (w)
		jw_u64(w, "page_size", h->page_size);
	print_size_opt(&d, "current", "current", HGM_KNOWN(h->current), h->current);
	if (h->max_unlimited)
		print_null(&d, "max", "max", "max");
	else
		print_size_opt(&d, "max", "max", HGM_KNOWN(h->max), h->max);
	print_size_opt(&d, "rsvd_current", "rsvd.current", HGM_KNOWN(h->rsvd_current),
		       h->rsvd_current);
	if (h->rsvd_max_unlimited)
		print_null(&d, "rsvd_max", "rsvd.max", "max");
	else
		print_size_opt(&d, "rsvd_max", "rsvd.max", HGM_KNOWN(h->rsvd_max), h->rsvd_max);
	print_u64_opt(&d, "events_max", "events max", HGM_KNOWN(h->events_max), h->events_max);
	print_u64_opt(&d, "events_local_max", "events.local max", HGM_KNOWN(h->events_local_max),
		      h->events_local_max);
	if (w) {
		jw_bool(w, "max_unlimited", h->max_unlimited);
		jw_bool(w, "rsvd_max_unlimited", h->rsvd_max_unlimited);
	}
	detail_close(&d);
}

void cgroup_view_print(const struct hgmctl *g, struct jw *w, const struct cgroup_view *v)
{
	const struct hgm_cgroup *cg = v->cg;
	struct detail d;
	size_t i;

	if (w) {
		jw_obj_open(w, "cgroup");
		jw_str(w, "path", v->name);
		jw_str(w, "dir", v->dir);
		jw_u64(w, "processes", v->n);
	} else {
		printf("Cgroup %s (%s), processes: %zu\n", v->name, v->dir, v->n);
	}
	/* a controller not enabled there: null and "unknown", never zeros */
	if (!cg->hugetlb) {
		if (w)
			jw_null(w, "hugetlb");
		else
			printf("  hugetlb: unknown (no hugetlb.*.current: the hugetlb controller "
			       "is not enabled for this cgroup)\n");
	} else {
		if (w)
			jw_arr_open(w, "hugetlb");
		for (i = 0; i < cg->nr_hugetlb; i++)
			print_hugetlb(g, w, &cg->sizes[i]);
		if (w)
			jw_arr_close(w);
	}
	if (!cg->memory) {
		if (w)
			jw_null(w, "memory_stat");
		else
			printf("  memory.stat: unknown (no memory.stat: the memory controller is "
			       "not enabled for this cgroup)\n");
	} else {
		detail_open(&d, w, "memory_stat", "memory.stat");
		d.g = g;
		for (i = 0; i < cg->nr_stats; i++) {
			const struct hgm_cgroup_stat *st = &cg->stats[i];
			size_t l = strlen(st->name);

			/* anon_thp, file_thp, shmem_thp are bytes; the thp_* events are counts */
			if (l > 4 && strcmp(st->name + l - 4, "_thp") == 0)
				print_size(&d, st->name, st->name, st->value);
			else
				print_u64(&d, st->name, st->name, st->value);
		}
		if (!cg->nr_stats)
			print_text(&d, " no THP counters");
		detail_close(&d);
	}
	if (w)
		jw_obj_close(w);
}

void cgroup_view_release(struct cgroup_view *v)
{
	free(v->pids);
	hgm_cgroup_free(v->cg);
	memset(v, 0, sizeof(*v));
}
