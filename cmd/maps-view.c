// SPDX-License-Identifier: GPL-2.0-or-later
/* maps-view.c - the maps table and JSON of one process, as `maps` and `demo` show them */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"
#include "views.h"
#include "levels.h"
#include "sample.h"

enum { COL_START, COL_END, COL_KIND, COL_PSIZE, COL_PUD, COL_PMD, COL_PTE, COL_RSS,
       COL_FLAGS, COL_NAME, COL_LEVELS, COL_MTHP, COL_NODES,
       COL_DAX, COL_DAX_FALLBACK,
       /* JSON only */
       COL_GRAN_BLOCK, COL_DAX_DEVICE, COL_DAX_ALIGN };

static const struct colinfo maps_cols[] = {
	[COL_START] = { "START", 12, SCOLS_FL_RIGHT, "first address of the VMA", "start", CT_HEX },
	[COL_END] = { "END", 12, SCOLS_FL_RIGHT, "address after the VMA", "end", CT_HEX },
	[COL_KIND] = { "KIND", 7, 0, "hugetlb, thp, anon, file, shmem, dax or other", "kind",
		       CT_STR },
	[COL_PSIZE] = { "PSIZE", 5, SCOLS_FL_RIGHT, "kernel page size of the VMA", "page_size",
			CT_SIZE },
	[COL_PUD] = { "PUD", 5, SCOLS_FL_RIGHT, "bytes mapped by PUD leaves", "mapped.pud",
		      CT_SIZE },
	[COL_PMD] = { "PMD", 5, SCOLS_FL_RIGHT, "bytes mapped by PMD leaves", "mapped.pmd",
		      CT_SIZE },
	[COL_PTE] = { "PTE", 5, SCOLS_FL_RIGHT,
		      "hugetlb/THP bytes mapped by PTEs (- where not measured)", "mapped.pte",
		      CT_SIZE },
	[COL_RSS] = { "RSS", 5, SCOLS_FL_RIGHT, "resident set size (hugetlb not included)", "rss",
		      CT_SIZE },
	[COL_FLAGS] = { "FLAGS", 20, SCOLS_FL_TRUNC, "VmFlags of smaps", "flags", CT_STR },
	[COL_NAME] = { "NAME", 0.3, SCOLS_FL_TRUNC, "mapped file or [heap], [stack], ...", "name",
		       CT_STR },
	[COL_LEVELS] = { "LEVELS", 0.5, 0,
			 "levels along the VMA (--granularity): G PUD, H PMD, p PTE-mapped "
			 "huge folio, b base pages, . unmapped, * mixed", "granularity.map", CT_STR,
			 CJ_OMIT },
	[COL_MTHP] = { "MTHP", 12, SCOLS_FL_TRUNC,
		       "THP/mTHP bytes mapped by PTEs, by folio size (\"64K:1M,2M:6M\")",
		       "thp.by_order", CT_OBJECT, CJ_OMIT },
	[COL_NODES] = { "NODES", 12, SCOLS_FL_TRUNC,
			"NUMA nodes of the huge folios (hugetlb, THP, mTHP): \"0:6M,1:2M\"",
			"nodes", CT_OBJECT, CJ_OMIT },
	[COL_GRAN_BLOCK] = { NULL, 0, 0, NULL, "granularity.block", CT_U64, CJ_OMIT },
	[COL_DAX] = { "DAX", 6, 0, "DAX VMAs: fsdax or devdax", "dax.type", CT_STR, CJ_OMIT },
	[COL_DAX_DEVICE] = { NULL, 0, 0, NULL, "dax.device", CT_STR, CJ_OMIT },
	[COL_DAX_ALIGN] = { NULL, 0, 0, NULL, "dax.align", CT_SIZE, CJ_OMIT },
	[COL_DAX_FALLBACK] = { "FALLBACK", 12, 0,
			       "DAX VMAs mapped by PTEs: why not by PMDs (see hgmctl(8))",
			       "dax.fallback_reason", CT_STR, CJ_OMIT },
};

/* The order of the JSON contract's keys. */
static const int maps_json[] = {
	COL_START, COL_END, COL_KIND, COL_PSIZE, COL_PUD, COL_PMD, COL_PTE, COL_RSS, COL_FLAGS,
	COL_NAME, COL_GRAN_BLOCK, COL_LEVELS, COL_MTHP, COL_NODES, COL_DAX, COL_DAX_DEVICE,
	COL_DAX_ALIGN, COL_DAX_FALLBACK,
};

static const int maps_defaults[] = {
	COL_START, COL_END, COL_KIND, COL_PSIZE, COL_PUD, COL_PMD, COL_PTE, COL_RSS, COL_NAME,
};

#define NCOLS (sizeof(maps_cols) / sizeof(maps_cols[0]))
const struct hgmctl_columns maps_columns = { maps_cols, NCOLS };

#define GRAN_WIDTH	64		/* blocks (characters) per VMA at most */

struct granularity {
	uint64_t block;			/* bytes per character */
	unsigned int n;			/* characters */
	unsigned char bits[GRAN_WIDTH];	/* LB_* of each block */
};

/* The granularity line: one glyph per block. */
static void gran_string(const struct granularity *gr, char *buf)
{
	unsigned int i;

	for (i = 0; i < gr->n; i++)
		buf[i] = level_glyphs[level_look(gr->bits[i])];
	buf[gr->n] = '\0';
}

#define MAX_ORDER_SHOWN	31		/* folio orders counted by MTHP */
#define MAX_NODES_SHOWN	64		/* NUMA nodes counted by NODES */

/* What the rows of one VMA add up to, for MTHP and NODES. */
struct vma_rows {
	uint64_t by_order[MAX_ORDER_SHOWN + 1];	/* THP/mTHP bytes mapped by PTEs */
	uint64_t by_node[MAX_NODES_SHOWN];	/* bytes of huge folios */
	bool orders_unknown;	/* a row whose folio could not be told */
	bool nodes_unknown;	/* a huge row without its node */
};

/* A row of `maps`: one VMA, what it maps, its granularity line and rows (or NULL). */
struct maps_row {
	const struct hgm_vma *v;
	const struct hgm_vma_usage *u;
	const struct granularity *gr;
	const struct vma_rows *rows;
	const struct hgmctl *g;
	enum hgm_dax_fallback fallback;	/* DAX VMAs with PTE-mapped bytes */
	bool fallback_known;		/* false: not measured, nothing rules PMDs out */
};

static void by_order_json(struct jw *w, const char *key, const void *obj)
{
	const struct vma_rows *r = obj;
	char name[8];
	int o;

	jw_obj_open(w, key);
	for (o = 0; o <= MAX_ORDER_SHOWN; o++)
		if (r->by_order[o]) {
			snprintf(name, sizeof(name), "%d", o);
			jw_u64(w, name, r->by_order[o]);
		}
	jw_obj_close(w);
}

static void by_node_json(struct jw *w, const char *key, const void *obj)
{
	const struct vma_rows *r = obj;
	char name[8];
	int n;

	jw_obj_open(w, key);
	for (n = 0; n < MAX_NODES_SHOWN; n++)
		if (r->by_node[n]) {
			snprintf(name, sizeof(name), "%d", n);
			jw_u64(w, name, r->by_node[n]);
		}
	jw_obj_close(w);
}

/*
 * "KEY:SIZE,..." of the non-zero @v[0..@n), KEY the index (@sizes: the folio
 * size of that order, in pages of @page bytes), into @buf.
 */
static void sizes_text(const struct hgmctl *g, const uint64_t *v, int n, bool sizes,
		       uint64_t page, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++) {
		char a[32], b[32];

		if (!v[i])
			continue;
		if (sizes)
			fmt_size(g, page << i, a, sizeof(a));
		else
			snprintf(a, sizeof(a), "%d", i);
		len += (size_t)snprintf(buf + len, size - len, "%s%s:%s", len ? "," : "", a,
					fmt_size(g, v[i], b, sizeof(b)));
	}
}

/* One cell of a row: the only place that knows what each column shows. */
static void fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct maps_row *r = row;

	switch (col) {
	case COL_START: c->u = hgm_vma_start(r->v); break;
	case COL_END: c->u = hgm_vma_end(r->v); break;
	case COL_KIND: c->s = hgm_kind_name(r->u->kind); break;
	case COL_PSIZE: c->u = r->u->page_size; break;
	case COL_PUD:
		c->known = HGM_KNOWN(r->u->mapped[HGM_LEVEL_PUD]);
		c->u = r->u->mapped[HGM_LEVEL_PUD];
		break;
	case COL_PMD:
		c->known = HGM_KNOWN(r->u->mapped[HGM_LEVEL_PMD]);
		c->u = r->u->mapped[HGM_LEVEL_PMD];
		break;
	case COL_PTE:
		c->known = HGM_KNOWN(r->u->mapped[HGM_LEVEL_PTE]);
		c->u = r->u->mapped[HGM_LEVEL_PTE];
		break;
	case COL_RSS: c->u = hgm_vma_field(r->v, HGM_SM_RSS); break;
	case COL_FLAGS: c->s = hgm_vma_flags(r->v); break;
	case COL_NAME: c->s = hgm_vma_name(r->v); break;
	case COL_LEVELS:
		c->known = r->gr != NULL;
		if (r->gr)
			gran_string(r->gr, c->buf);
		c->s = c->buf;
		break;
	case COL_GRAN_BLOCK: c->known = r->gr != NULL; c->u = r->gr ? r->gr->block : 0; break;
	case COL_MTHP:
		/* not for hugetlb VMAs; unknown where a PTE-mapped folio could not be told */
		c->known = r->rows && !r->rows->orders_unknown && r->u->kind != HGM_KIND_HUGETLB &&
			   HGM_KNOWN(r->u->mapped[HGM_LEVEL_PTE]);
		if (c->known)
			sizes_text(r->g, r->rows->by_order, MAX_ORDER_SHOWN + 1, true,
				   (uint64_t)sysconf(_SC_PAGESIZE), c->buf, sizeof(c->buf));
		c->s = c->buf;
		c->json = by_order_json;
		c->obj = r->rows;
		break;
	case COL_NODES:
		c->known = r->rows && !r->rows->nodes_unknown;
		if (c->known)
			sizes_text(r->g, r->rows->by_node, MAX_NODES_SHOWN, false, 0, c->buf,
				   sizeof(c->buf));
		c->s = c->buf;
		c->json = by_node_json;
		c->obj = r->rows;
		break;
	case COL_DAX:
		c->known = hgm_vma_dax(r->v) != HGM_DAX_NONE;
		c->s = hgm_dax_type_name(hgm_vma_dax(r->v));
		break;
	case COL_DAX_DEVICE:
		c->known = hgm_vma_dax(r->v) != HGM_DAX_NONE;
		c->s = hgm_vma_dax_device(r->v);
		break;
	case COL_DAX_ALIGN:
		c->known = hgm_vma_dax(r->v) != HGM_DAX_NONE && HGM_KNOWN(hgm_vma_dax_align(r->v));
		c->u = hgm_vma_dax_align(r->v);
		break;
	case COL_DAX_FALLBACK:
		/* a DAX VMA with nothing PTE-mapped falls back for no reason: "none" */
		c->known = hgm_vma_dax(r->v) != HGM_DAX_NONE && r->fallback_known;
		c->s = r->fallback ? hgm_dax_fallback_name(r->fallback) : "none";
		break;
	}
}

/* The totals under the table, or the JSON "totals" member of @w. */
static void print_totals(const struct hgmctl *g, struct jw *w, const struct level_totals *t)
{
	struct detail d;

	detail_begin(&d, g, w, 8);
	print_level_totals(&d, t);
}

struct maps_state {
	struct hgmctl *g;
	const struct maps_view *view;
	pid_t pid;
	struct columns c;
	struct libscols_table *tb;
	struct jdoc doc;
	struct level_totals t;
	uint64_t pmd_size;
	bool said_light;		/* -v: told where the figures come from */
	bool want_rows;			/* MTHP, NODES: summed from the rows */
	uint64_t gr_vma;		/* the VMA st->gr and st->rows are for */
	bool have_gr;
	struct granularity gr;
	struct vma_rows rows;
};

/*
 * Block size for @v: a PMD at least, GRAN_WIDTH blocks at most.  Not its
 * page size: a 1 GiB hugetlb page that HGM maps in pieces is 64 blocks of
 * 16 MiB, not one block that is all "mixed".
 */
static void gran_init(struct maps_state *st, const struct hgm_vma *v)
{
	uint64_t size = hgm_vma_end(v) - hgm_vma_start(v), block = st->pmd_size;

	while (block * GRAN_WIDTH < size)
		block *= 2;
	st->gr.block = block;
	st->gr.n = (unsigned int)((size + block - 1) / block);
	memset(st->gr.bits, 0, sizeof(st->gr.bits));
	memset(&st->rows, 0, sizeof(st->rows));
	st->gr_vma = hgm_vma_start(v);
	st->have_gr = true;
}

/* What the MTHP and NODES columns add up from row @f. */
static void vma_rows_add(struct vma_rows *r, const struct hgm_folio *f)
{
	uint64_t len = f->end - f->start;
	bool huge = f->kind == HGM_FOLIO_THP || f->kind == HGM_FOLIO_MTHP ||
		    f->kind == HGM_FOLIO_HUGETLB || f->level != HGM_LEVEL_PTE;

	if (f->kind == HGM_FOLIO_UNKNOWN)
		r->orders_unknown = true;
	else if (f->level == HGM_LEVEL_PTE && (f->kind == HGM_FOLIO_THP || f->kind == HGM_FOLIO_MTHP)) {
		if (HGM_KNOWN(f->order) && f->order <= MAX_ORDER_SHOWN)
			r->by_order[f->order] += len;
		else
			r->orders_unknown = true;
	}
	if (!huge)
		return;
	if (f->node >= 0 && f->node < MAX_NODES_SHOWN)
		r->by_node[f->node] += len;
	else
		r->nodes_unknown = true;
}

/* Rows come before their VMA's figures: the first row of a VMA starts its line. */
static int on_row(const struct hgm_folio *f, void *arg)
{
	struct maps_state *st = arg;
	uint64_t vstart = hgm_vma_start(f->vma);
	unsigned int bit, i, first, last;

	if (!st->have_gr || st->gr_vma != vstart)
		gran_init(st, f->vma);
	vma_rows_add(&st->rows, f);
	bit = level_bits(f);
	first = (unsigned int)((f->start - vstart) / st->gr.block);
	last = (unsigned int)((f->end - 1 - vstart) / st->gr.block);
	for (i = first; i <= last && i < st->gr.n; i++)
		st->gr.bits[i] |= bit;
	return 0;
}

/* Whether a VMA has any huge mapping: bytes at PUD or PMD level, or huge folios by PTEs. */
static bool vma_is_huge(const struct hgm_vma_usage *u)
{
	return u->mapped[HGM_LEVEL_PUD] || u->mapped[HGM_LEVEL_PMD] ||
	       (HGM_KNOWN(u->mapped[HGM_LEVEL_PTE]) && u->mapped[HGM_LEVEL_PTE]);
}

/* Whether the VMA passes --kind, --huge and the ranges of the view. */
static bool vma_shown(const struct maps_view *view, const struct hgm_vma *v,
		      const struct hgm_vma_usage *u)
{
	size_t i;

	if (view->kinds && !(view->kinds & (1u << u->kind)))
		return false;
	if (view->huge && !vma_is_huge(u))
		return false;
	if (!view->nranges)
		return true;
	for (i = 0; i < view->nranges; i++)
		if (hgm_vma_start(v) < view->ranges[i].end && view->ranges[i].start < hgm_vma_end(v))
			return true;
	return false;
}

/* Emits the row of one VMA. */
static int on_vma(const struct hgm_vma *v, const struct hgm_vma_usage *u, void *arg)
{
	struct maps_state *st = arg;
	const struct granularity *gr = NULL;
	const struct vma_rows *rows = NULL;
	struct maps_row row;

	if (u->from_scan_only && st->g->verbose && !st->said_light) {
		warnx("maps: VMAs from PROCMAP_QUERY, every figure from the page scan (smaps not read)");
		st->said_light = true;
	}
	if (st->view->granularity || st->want_rows) {
		if (!st->have_gr || st->gr_vma != hgm_vma_start(v))
			gran_init(st, v);	/* nothing mapped in it */
		st->have_gr = false;
		if (st->view->granularity)
			gr = &st->gr;
		if (st->want_rows)
			rows = &st->rows;
	}
	if (!vma_shown(st->view, v, u))
		return 0;
	level_totals_add(&st->t, u);
	row.v = v;
	row.u = u;
	row.gr = gr;
	row.rows = rows;
	row.g = st->g;
	row.fallback = HGM_DAX_FB_NONE;
	row.fallback_known = true;
	/* unmeasured (a recorded tree): only what the VMA itself rules out */
	if (u->kind == HGM_KIND_DAX && !HGM_KNOWN(u->mapped[HGM_LEVEL_PTE])) {
		row.fallback = hgm_dax_fallback(st->g->ctx, st->pid, v, st->pmd_size);
		row.fallback_known = row.fallback != HGM_DAX_FB_UNKNOWN;
	}
	if (u->kind == HGM_KIND_DAX && !HGM_KNOWN(u->mapped[HGM_LEVEL_PMD]) && st->g->verbose &&
	    hgm_ctx_is_live(st->g->ctx))
		warnx("maps: %#" PRIx64 "-%#" PRIx64 " (devdax %s): aligned above a PMD, so mapped "
		      "by PUDs only, which any page walk on this kernel removes (reading smaps "
		      "too; the next access maps them again): not scanned",
		      hgm_vma_start(v), hgm_vma_end(v), hgm_vma_dax_device(v));
	if (u->kind == HGM_KIND_DAX && HGM_KNOWN(u->mapped[HGM_LEVEL_PTE]) &&
	    u->mapped[HGM_LEVEL_PTE]) {
		row.fallback = hgm_dax_fallback(st->g->ctx, st->pid, v, st->pmd_size);
		if (st->g->verbose)
			warnx("maps: %#" PRIx64 "-%#" PRIx64 " (%s %s): PTE-mapped: %s",
			      hgm_vma_start(v), hgm_vma_end(v), hgm_dax_type_name(hgm_vma_dax(v)),
			      hgm_vma_dax_device(v), hgm_dax_fallback_text(row.fallback));
	}
	if (st->g->json)
		row_json(&st->doc.w, maps_cols, maps_json, sizeof(maps_json) / sizeof(maps_json[0]),
			 fill, &row, st);
	else
		row_table(st->g, st->tb, &st->c, fill, &row, st);
	return 0;
}

/* Whether the columns shown include @col (JSON has every column). */
static bool shows(const struct hgmctl *g, const struct columns *c, int col)
{
	size_t i;

	if (g->json)
		return true;
	for (i = 0; i < c->n; i++)
		if (c->id[i] == col)
			return true;
	return false;
}

/* The FLAGS column, and "flags" in JSON, are VmFlags: only smaps has them. */
static unsigned int maps_flags(const struct hgmctl *g, const struct columns *c, bool rows)
{
	unsigned int flags = rows ? HGM_MAPS_ROWS : 0;

	if (shows(g, c, COL_NODES))
		flags |= HGM_MAPS_NODES;
	if (shows(g, c, COL_FLAGS))
		return flags;
	return flags | HGM_MAPS_NO_VMFLAGS;
}

/*
 * The maps of @pid as @view says: a JSON document, or with @outer an
 * element of its open array; a table and totals in text.  Returns EXIT_OK;
 * on a process that cannot be read, -errno when @outer or @soft, else exits
 * with the error.
 */
static int maps_of(struct hgmctl *g, pid_t pid, const struct maps_view *view, struct jw *outer,
		   bool soft)
{
	const struct hgm_maps_ops ops = { .vma = on_vma, .folio = on_row };
	struct maps_state st = { .g = g, .pid = pid, .view = view };
	static const int gran_defaults[] = {
		COL_START, COL_END, COL_KIND, COL_PSIZE, COL_PUD, COL_PMD, COL_PTE, COL_LEVELS, COL_NAME,
	};
	bool granularity = view->granularity;
	unsigned long bad_line = 0;
	int ret;

	level_totals_init(&st.t);
	st.pmd_size = hgm_thp_pmd_size(g->ctx);
	/*
	 * Nothing is printed until the whole process is read: one that exits
	 * mid-read gets an error, never half a table.
	 */
	if (g->json) {
		if (outer)
			jdoc_begin_in(&st.doc, outer);
		else
			jdoc_begin(&st.doc);
		if (!outer)
			sample_stamp(&st.doc.w);
		jw_i64(&st.doc.w, "pid", pid);
		jw_arr_open(&st.doc.w, "vmas");
	} else {
		if (granularity)
			columns_init(&st.c, maps_cols, NCOLS, gran_defaults,
				     sizeof(gran_defaults) / sizeof(gran_defaults[0]), g->output);
		else
			columns_init(&st.c, maps_cols, NCOLS, maps_defaults,
				     sizeof(maps_defaults) / sizeof(maps_defaults[0]), g->output);
		st.tb = table_new(g, &st.c);
	}
	/* a recorded tree has page tables if it has the process's pagemap */
	if (granularity && !hgm_ctx_is_live(g->ctx)) {
		ret = hgm_pagemap_available(g->ctx, pid);
		refusal_exit(ret);
		if (ret < 0)
			usage_error("maps: --granularity needs page tables: the recorded tree has "
				    "no pagemap of process %d", (int)pid);
	}
	/* rows exist on a live process only: a recorded tree has no MTHP or NODES figures */
	st.want_rows = hgm_ctx_is_live(g->ctx) &&
		       (shows(g, &st.c, COL_MTHP) || shows(g, &st.c, COL_NODES));
	ret = hgm_maps_walk(g->ctx, pid, maps_flags(g, &st.c, granularity || st.want_rows), &ops,
			    &st, &bad_line);
	refusal_exit(ret);
	if (ret == -EBADMSG && !hgm_ctx_is_live(g->ctx))
		errx(EXIT_ERROR, "cannot parse smaps of process %d: malformed line %lu",
		     (int)pid, bad_line);

	if (g->json) {
		jw_arr_close(&st.doc.w);
		print_totals(g, &st.doc.w, &st.t);
		if (outer)
			jdoc_end_in(&st.doc, outer, ret == 0);
		else
			jdoc_end(&st.doc, ret == 0);
	} else if (ret == 0) {
		if (outer || soft) {
			char comm[64];

			hgm_proc_comm(g->ctx, pid, comm, sizeof(comm));
			printf("\nProcess %d (%s):\n", (int)pid, comm);
		}
		table_print(st.tb);
		if (!g->raw && !g->no_headings)
			print_totals(g, NULL, &st.t);
	} else {
		scols_unref_table(st.tb);
	}
	if (ret < 0 && (outer || soft))
		return ret;
	if (ret < 0)
		proc_error(ret, pid, "memory maps");
	return EXIT_OK;
}

int show_maps(struct hgmctl *g, pid_t pid, const struct maps_view *view)
{
	if (!g->json)
		sample_stamp(NULL);
	return maps_of(g, pid, view, NULL, false);
}

int show_maps_in(struct hgmctl *g, pid_t pid, const struct maps_view *view, struct jw *outer)
{
	return maps_of(g, pid, view, outer, true);
}
