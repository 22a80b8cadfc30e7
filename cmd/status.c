// SPDX-License-Identifier: GPL-2.0-or-later
/* status.c - `hgmctl status`: kernel features, hugetlb pools, THP settings, capabilities */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "sample.h"
#include "views.h"

/* khugepaged's settings and counters: one line of text, or the JSON object. */
static void khugepaged(struct jw *w, const struct hgm_thp *t)
{
	struct detail d;

	detail_open(&d, w, "khugepaged", "khugepaged");
	print_i64(&d, "max_ptes_none", "max_ptes_none", t->max_ptes_none);
	print_i64(&d, "pages_to_scan", "pages_to_scan", t->pages_to_scan);
	print_i64(&d, "scan_sleep_millisecs", "scan_sleep_millisecs", t->scan_sleep_ms);
	print_i64(&d, "pages_collapsed", "pages_collapsed", t->pages_collapsed);
	print_i64(&d, "full_scans", "full_scans", t->full_scans);
	detail_close(&d);
}

/* The columns of an mTHP size; in text each setting is a line of SIZE=VALUE words. */
enum { SZ_SIZE, SZ_ENABLED, SZ_SHMEM };

static const struct colinfo size_cols[] = {
	[SZ_SIZE] = { "SIZE", 0, 0, NULL, "size", CT_SIZE },
	[SZ_ENABLED] = { "mTHP", 0, 0, NULL, "enabled", CT_STR },
	[SZ_SHMEM] = { "mTHP shmem", 0, 0, NULL, "shmem_enabled", CT_STR },
};

static const int size_order[] = { SZ_SIZE, SZ_ENABLED, SZ_SHMEM };

/* "" where the kernel has no such setting: some sizes are shmem-only */
static void size_fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct hgm_thp_size *z = row;

	switch (col) {
	case SZ_SIZE: c->u = z->size; break;
	case SZ_ENABLED: c->s = z->enabled; c->known = z->enabled[0]; break;
	case SZ_SHMEM: c->s = z->shmem_enabled; c->known = z->shmem_enabled[0]; break;
	}
}

static void thp_sizes(const struct hgmctl *g, struct jw *w, const struct hgm_thp *t)
{
	char a[32], b[128];
	size_t i, k;

	if (w) {
		jw_arr_open(w, "sizes");
		for (i = 0; i < t->nr_sizes; i++)
			row_json(w, size_cols, size_order, 3, size_fill, &t->sizes[i], NULL);
		jw_arr_close(w);
		return;
	}
	for (k = SZ_ENABLED; t->nr_sizes && k <= SZ_SHMEM; k++) {
		printf("  %s:", size_cols[k].name);
		for (i = 0; i < t->nr_sizes; i++) {
			struct cell size = { .known = true }, val = { .known = true };

			size_fill(SZ_SIZE, &t->sizes[i], &size, NULL);
			size_fill((int)k, &t->sizes[i], &val, NULL);
			if (val.known)
				printf(" %s=%s", cell_text(g, &size_cols[SZ_SIZE], &size, a, sizeof(a)),
				       cell_text(g, &size_cols[k], &val, b, sizeof(b)));
		}
		putchar('\n');
	}
}

static void print_thp(const struct hgmctl *g, struct jw *w, const struct hgm_thp *t)
{
	struct detail d;

	if (!w)
		printf("\nTransparent hugepages:\n");
	detail_open(&d, w, "thp", NULL);
	d.g = g;
	/* in text, the section says it: its settings, or "none" */
	print_bool(&d, "available", NULL, t->available);
	if (!t->available) {
		print_text(&d, " none (this kernel has no THP)");
		detail_close(&d);
		return;
	}
	print_str(&d, "enabled", "enabled", t->enabled);
	print_str(&d, "defrag", "defrag", t->defrag);
	print_str(&d, "shmem_enabled", "shmem_enabled", t->shmem_enabled);
	print_size(&d, "pmd_size", "PMD size", t->pmd_size);
	print_text(&d, "\n");
	/* the text ends with the counters, the JSON has the sizes last */
	if (w) {
		khugepaged(w, t);
		thp_sizes(g, w, t);
		jw_obj_close(w);
	} else {
		thp_sizes(g, w, t);
		khugepaged(w, t);
	}
}

static void print_kernel(struct detail *d, const struct hgm_features *f)
{
	size_t i;

	print_obj_open(d, "kernel", NULL);
	print_str_opt(d, "release", "Kernel:", f->release);
	/* HGM is known only where userfaultfd could be asked */
	print_bool_opt(d, "hgm", "HGM:", HGM_KNOWN(f->uffd_features), hgm_has(f, HGM_FEAT_HGM));
	print_text(d, " (%s)", !f->probed ? "recorded tree: features not probed" :
		   hgm_has(f, HGM_FEAT_HGM) ? "userfaultfd minor_hugetlbfs_hgm" :
		   HGM_KNOWN(f->uffd_features) ? "userfaultfd lacks minor_hugetlbfs_hgm" :
		   "userfaultfd unavailable to this caller");
	/* in text, the HGM line says that a recorded tree was not probed */
	print_bool(d, "probed", NULL, f->probed);
	print_list_open(d, "features", "Features:");
	for (i = 0; i < HGM_NR_FEATURES; i++)
		if (hgm_has(f, i))
			print_item(d, NULL, hgm_feature_name(i));
	print_list_close(d);
	/* not probed: an empty list (JSON) and no line (text) */
	print_list_open(d, "uffd_features", HGM_KNOWN(f->uffd_features) ? "Userfaultfd:" : NULL);
	for (i = 0; HGM_KNOWN(f->uffd_features) && i < 64; i++)
		if (f->uffd_features & (UINT64_C(1) << i))
			print_item(d, NULL, hgm_uffd_feature_name(i) ?: "unknown");
	print_list_close(d);
	if (f->probed && !HGM_KNOWN(f->uffd_features)) {
		char words[160];

		snprintf(words, sizeof(words), "unavailable: %s", strerror(f->uffd_errno));
		print_str_as(d, "uffd_error", "Userfaultfd:", strerror(f->uffd_errno), words);
	}
	print_obj_close(d);
	detail_end(d);
}

static void print_caps(struct detail *d, const struct status_info *st)
{
	size_t i;

	print_obj_open(d, "caps", st->caps_known ? "Capabilities:" : NULL);
	for (i = 0; i < HGM_NR_CAPS; i++) {
		char key[32];

		/* "CAP_SYS_ADMIN" -> "sys_admin" */
		snprintf(key, sizeof(key), "%s", hgm_cap_name(i) + 4);
		for (char *k = key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
		print_flag(d, key, hgm_cap_name(i), st->caps_known, hgm_cap_has(&st->caps, i));
	}
	print_list_open(d, "hidden", NULL);
	for (i = 0; st->caps_known && i < HGM_NR_CAPS; i++) {
		char label[64];

		if (hgm_cap_has(&st->caps, i))
			continue;
		snprintf(label, sizeof(label), "\n  without %s: %%s", hgm_cap_name(i));
		print_item(d, label, hgm_cap_hides(i));
	}
	print_list_close(d);
	print_obj_close(d);
	detail_end(d);
}

/* The pmem and DAX devices, with the alignment their mappings can use (2M, 1G). */
enum { DX_NAME, DX_MODE, DX_SIZE, DX_ALIGN };

static const struct colinfo dax_cols[] = {
	[DX_NAME] = { "DEVICE", 0, 0, NULL, "device", CT_STR },
	[DX_MODE] = { "MODE", 0, 0, NULL, "mode", CT_STR },
	[DX_SIZE] = { "SIZE", 0, 0, NULL, "size", CT_SIZE },
	[DX_ALIGN] = { "ALIGN", 0, 0, NULL, "align", CT_SIZE },
};

static const int dax_order[] = { DX_NAME, DX_MODE, DX_SIZE, DX_ALIGN };

static void dax_fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct hgm_dax_dev *d = row;

	switch (col) {
	case DX_NAME: c->s = d->name; break;
	case DX_MODE: c->s = d->mode; break;
	case DX_SIZE: c->u = d->size; c->known = HGM_KNOWN(d->size); break;
	case DX_ALIGN: c->u = d->align; c->known = HGM_KNOWN(d->align); break;
	}
}

/* Only a system with pmem gets the section (text) or the "pmem" member (JSON). */
static void print_dax(const struct hgmctl *g, struct jw *w, const struct status_info *st)
{
	char buf[4][64], tmp[64];
	size_t i, k;

	if (!st->ndax)
		return;
	if (w) {
		jw_arr_open(w, "pmem");
		for (i = 0; i < st->ndax; i++)
			row_json(w, dax_cols, dax_order, 4, dax_fill, &st->dax[i], NULL);
		jw_arr_close(w);
		return;
	}
	printf("\nPersistent memory:\n");
	for (i = 0; i < st->ndax; i++) {
		for (k = 0; k < 4; k++) {
			struct cell c = { .known = true };

			dax_fill((int)k, &st->dax[i], &c, NULL);
			/* cell_text() may return its buffer or the cell's string */
			snprintf(buf[k], sizeof(buf[k]), "%s",
				 cell_text(g, &dax_cols[k], &c, tmp, sizeof(tmp)));
		}
		printf("  %s: %s, %s, align %s\n", buf[0], buf[1], buf[2], buf[3]);
	}
}

/* What `status` shows, as JSON (@w) or text: every field once. */
static void print_status(const struct hgmctl *g, struct jw *w, const struct status_info *st)
{
	struct detail d;

	detail_begin(&d, g, w, 14);
	print_kernel(&d, &st->feat);
	/* the text says what the caller may see before the tables, JSON at the end */
	if (!w)
		print_caps(&d, st);
	if (w) {
		pools_json(w, st->pools, 0);
	} else {
		printf("\nHugetlb pools:\n");
		if (st->pools->nr)
			pools_table(g, st->pools, 0);
		else
			printf("  none (this kernel has no hugetlb)\n");
	}
	print_thp(g, w, st->thp);
	print_dax(g, w, st);
	if (w)
		print_caps(&d, st);
}

int cmd_status(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	const struct poptOption options[] = {
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)sample_options, 0, NULL, NULL },
		POPT_TABLEEND
	};
	struct status_info st;
	const char *what;
	int ret;

	hgmctl_parse(g, cmd, argc, argv, options);
	sample_begin("status");
	do {
		ret = status_gather(g, &st, &what);
		read_exit(g, ret, what);

		if (g->json) {
			struct jw w;

			jw_init(&w, stdout);
			jw_obj_open(&w, NULL);
			sample_stamp(&w);
			print_status(g, &w, &st);
			jw_obj_close(&w);
			jw_end(&w);
		} else {
			sample_stamp(NULL);
			print_status(g, NULL, &st);
		}
		status_release(&st);
	} while (sample_next());
	return EXIT_OK;
}
