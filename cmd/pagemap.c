// SPDX-License-Identifier: GPL-2.0-or-later
/* pagemap.c - `hgmctl pagemap PID [RANGE]`: per folio (or page), level, PFN, flags, node */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "output.h"

enum { COL_ADDR, COL_END, COL_SIZE, COL_LEVEL, COL_KIND, COL_ORDER, COL_PFN, COL_HEAD,
       COL_MAPCOUNT, COL_NODE, COL_EXCL, COL_FLAGS,
       /* JSON only */
       COL_PRESENT, COL_SWAPPED, COL_EXCLUSIVE };

static const struct colinfo pm_cols[] = {
	[COL_ADDR] = { "ADDR", 12, SCOLS_FL_RIGHT, "first address of the row", "start", CT_HEX },
	[COL_END] = { "END", 12, SCOLS_FL_RIGHT, "address after the row", "end", CT_HEX },
	[COL_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, "bytes the row maps", NULL, CT_SIZE },
	[COL_LEVEL] = { "LEVEL", 3, 0, "level of the leaf entries: pud, pmd or pte", "level",
			CT_STR },
	[COL_KIND] = { "KIND", 7, 0, "hugetlb, thp, mthp, base, zero, ksm, swapped, dax or unknown",
		       "kind", CT_STR },
	[COL_ORDER] = { "ORDER", 2, SCOLS_FL_RIGHT, "folio order (log2 of its pages)", "order",
			CT_U64 },
	[COL_PFN] = { "PFN", 8, SCOLS_FL_RIGHT, "page frame number at ADDR (hex)", "pfn", CT_HEX },
	[COL_HEAD] = { "HEAD", 8, SCOLS_FL_RIGHT, "PFN of the folio's head (hex)", "head_pfn",
		       CT_HEX },
	[COL_MAPCOUNT] = { "MAPCNT", 3, SCOLS_FL_RIGHT, "kpagecount of the page at ADDR",
			   "mapcount", CT_U64 },
	[COL_NODE] = { "NODE", 2, SCOLS_FL_RIGHT, "NUMA node", "node", CT_U64 },
	[COL_EXCL] = { "EXCL", 1, 0, "mapped by this process only (PM_MMAP_EXCLUSIVE)", NULL,
		       CT_BOOL },
	[COL_FLAGS] = { "FLAGS", 30, SCOLS_FL_TRUNC, "kpageflags of the folio's head", "flags",
			CT_KPF },
	[COL_PRESENT] = { NULL, 0, 0, NULL, "present", CT_BOOL },
	[COL_SWAPPED] = { NULL, 0, 0, NULL, "swapped", CT_BOOL },
	[COL_EXCLUSIVE] = { NULL, 0, 0, NULL, "exclusive", CT_BOOL },
};

/* The order of the JSON contract's keys. */
static const int pm_json[] = {
	COL_ADDR, COL_END, COL_LEVEL, COL_KIND, COL_ORDER, COL_PFN, COL_HEAD, COL_MAPCOUNT,
	COL_FLAGS, COL_NODE, COL_PRESENT, COL_SWAPPED, COL_EXCLUSIVE,
};

static const int pm_defaults[] = {
	COL_ADDR, COL_SIZE, COL_LEVEL, COL_KIND, COL_ORDER, COL_PFN, COL_MAPCOUNT, COL_NODE,
	COL_FLAGS,
};

#define NCOLS (sizeof(pm_cols) / sizeof(pm_cols[0]))
const struct hgmctl_columns pagemap_columns = { pm_cols, NCOLS };

struct pm_state {
	struct hgmctl *g;
	struct columns cols;
	struct libscols_table *tb;
	struct jdoc doc;
	int kind;			/* --kind filter, -1: all */
	int level;			/* --level filter, -1: all */
	unsigned long rows;
	bool flags_hidden, pfns_hidden;
};

/* One cell of a row: the only place that knows what each column shows. */
static void fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct hgm_folio *f = row;

	switch (col) {
	case COL_ADDR: c->u = f->start; break;
	case COL_END: c->u = f->end; break;
	case COL_SIZE: c->u = f->end - f->start; break;
	case COL_LEVEL: c->s = hgm_level_name(f->level); break;
	case COL_KIND: c->s = hgm_folio_kind_name(f->kind); break;
	case COL_ORDER: c->known = HGM_KNOWN(f->order); c->u = f->order; break;
	case COL_PFN: c->known = HGM_KNOWN(f->pfn); c->u = f->pfn; break;
	case COL_HEAD: c->known = HGM_KNOWN(f->head_pfn); c->u = f->head_pfn; break;
	case COL_MAPCOUNT: c->known = HGM_KNOWN(f->mapcount); c->u = f->mapcount; break;
	case COL_NODE: c->known = HGM_KNOWN(f->node); c->u = (uint64_t)f->node; break;
	case COL_EXCL: c->known = f->present; c->b = f->exclusive; break;
	case COL_FLAGS: c->known = HGM_KNOWN(f->kflags); c->u = f->kflags; break;
	case COL_PRESENT: c->b = f->present; break;
	case COL_SWAPPED: c->b = f->swapped; break;
	case COL_EXCLUSIVE: c->b = f->exclusive; break;
	}
}

static int on_folio(const struct hgm_folio *f, void *arg)
{
	struct pm_state *st = arg;

	if (st->kind >= 0 && (int)f->kind != st->kind &&
	    !(st->kind == HGM_FOLIO_THP && f->kind == HGM_FOLIO_MTHP))
		return 0;
	if (st->level >= 0 && (int)f->level != st->level)
		return 0;
	if (f->present && !HGM_KNOWN(f->pfn))
		st->pfns_hidden = true;
	if (f->present && !HGM_KNOWN(f->kflags))
		st->flags_hidden = true;
	st->rows++;
	if (st->g->json)
		row_json(&st->doc.w, pm_cols, pm_json, sizeof(pm_json) / sizeof(pm_json[0]), fill,
			 f, st);
	else
		row_table(st->g, st->tb, &st->cols, fill, f, st);
	return 0;
}

static int parse_kind(const char *s)
{
	static const enum hgm_folio_kind kinds[] = {
		HGM_FOLIO_HUGETLB, HGM_FOLIO_THP, HGM_FOLIO_MTHP, HGM_FOLIO_BASE, HGM_FOLIO_ZERO,
		HGM_FOLIO_KSM, HGM_FOLIO_SWAPPED, HGM_FOLIO_DAX, HGM_FOLIO_UNKNOWN,
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(s, hgm_folio_kind_name(kinds[i])) == 0)
			return kinds[i];
	usage_error("pagemap: unknown kind '%s' (hugetlb, thp, mthp, base, zero, ksm, swapped, dax, unknown)",
		    s);
}

static int parse_level(const char *s)
{
	int l;

	for (l = 0; l < HGM_NR_LEVELS; l++)
		if (strcmp(s, hgm_level_name(l)) == 0)
			return l;
	usage_error("pagemap: unknown level '%s' (pte, pmd, pud)", s);
}

int cmd_pagemap(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *kind = NULL, *level = NULL;
	int pages = 0, no_ioctl = 0;
	const struct poptOption options[] = {
		{ "pages", 0, POPT_ARG_NONE, &pages, 0, "one row per page instead of per folio", NULL },
		{ "kind", 0, POPT_ARG_STRING, &kind, 0, "only rows of this kind (thp includes mthp)",
		  "KIND" },
		{ "level", 0, POPT_ARG_STRING, &level, 0, "only rows mapped at this level", "LEVEL" },
		{ "no-pagemap-scan", 0, POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, &no_ioctl, 0,
		  "read /proc/PID/pagemap instead of using PAGEMAP_SCAN", NULL },
		POPT_TABLEEND
	};
	const struct hgm_scan_ops ops = { .folio = on_folio };
	struct pm_state st = { .g = g, .kind = -1, .level = -1 };
	uint64_t start = 0, end = 0;
	const char *arg, *range;
	unsigned int flags;
	pid_t pid;
	size_t i;
	int ret;

	poptContext pc = hgmctl_parse(g, cmd, argc, argv, options);
	arg = poptGetArg(pc);
	if (!arg)
		usage_error("pagemap: no PID given");
	pid = pid_arg(arg);
	range = poptGetArg(pc);
	if (kind)
		st.kind = parse_kind(kind);
	if (level)
		st.level = parse_level(level);
	if (range)
		resolve_range(g, pid, range, &start, &end);
	if (!hgm_ctx_is_live(g->ctx)) {
		ret = hgm_pagemap_available(g->ctx, pid);
		refusal_exit(ret);
		if (ret < 0)
			errx(EXIT_ERROR, "the recorded tree has no pagemap for process %d "
			     "(tests/record-tree records smaps only)", (int)pid);
	}

	flags = (pages ? HGM_SCAN_PAGES : 0) | (no_ioctl ? HGM_SCAN_NO_IOCTL : 0);
	if (g->json) {
		flags |= HGM_SCAN_NODES;
		jdoc_begin(&st.doc);
		jw_i64(&st.doc.w, "pid", pid);
		jw_arr_open(&st.doc.w, pages ? "pages" : "folios");
	} else {
		columns_init(&st.cols, pm_cols, NCOLS, pm_defaults,
			     sizeof(pm_defaults) / sizeof(pm_defaults[0]), g->output);
		for (i = 0; i < st.cols.n; i++)
			if (st.cols.id[i] == COL_NODE)
				flags |= HGM_SCAN_NODES;
		st.tb = table_new(g, &st.cols);
	}

	/* rows need no smaps counter: the VMA list may skip its page walk */
	ret = hgm_scan(g->ctx, pid, start, end, flags | HGM_SCAN_LIGHT_VMAS, &ops, &st);

	/* a partial result is never printed as if it were whole */
	if (ret < 0) {
		if (g->json)
			jdoc_end(&st.doc, false);
		if (st.tb)
			scols_unref_table(st.tb);
		proc_error(ret, pid, "pagemap");
	}
	if (g->json) {
		jw_arr_close(&st.doc.w);
		jw_bool(&st.doc.w, "pfns_visible", !st.pfns_hidden);
		jw_bool(&st.doc.w, "flags_visible", !st.flags_hidden);
		jdoc_end(&st.doc, true);
	} else {
		table_print(st.tb);
	}
	if (st.pfns_hidden)
		warnx("PFNs read as 0 without CAP_SYS_ADMIN: folios, flags and mapcounts are unknown");
	else if (st.flags_hidden)
		warnx("%s is not readable: flags and mapcounts are unknown", HGM_KPAGEFLAGS_PATH);
	free(kind);
	free(level);
	return EXIT_OK;
}
