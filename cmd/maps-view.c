// SPDX-License-Identifier: GPL-2.0-or-later
/* maps-view.c - the maps table and JSON of one process, as `maps` and `demo` show them */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "views.h"
#include "levels.h"
#include "sample.h"

enum { COL_START, COL_END, COL_KIND, COL_PSIZE, COL_PUD, COL_PMD, COL_PTE, COL_RSS,
       COL_FLAGS, COL_NAME, COL_LEVELS,
       /* JSON only */
       COL_GRAN_BLOCK };

static const struct colinfo maps_cols[] = {
	[COL_START] = { "START", 12, SCOLS_FL_RIGHT, "first address of the VMA", "start", CT_HEX },
	[COL_END] = { "END", 12, SCOLS_FL_RIGHT, "address after the VMA", "end", CT_HEX },
	[COL_KIND] = { "KIND", 7, 0, "hugetlb, thp, anon, file, shmem or other", "kind", CT_STR },
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
	[COL_GRAN_BLOCK] = { NULL, 0, 0, NULL, "granularity.block", CT_U64, CJ_OMIT },
};

/* The order of the JSON contract's keys. */
static const int maps_json[] = {
	COL_START, COL_END, COL_KIND, COL_PSIZE, COL_PUD, COL_PMD, COL_PTE, COL_RSS, COL_FLAGS,
	COL_NAME, COL_GRAN_BLOCK, COL_LEVELS,
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

/* A row of `maps`: one VMA, what it maps, and its granularity line (or NULL). */
struct maps_row {
	const struct hgm_vma *v;
	const struct hgm_vma_usage *u;
	const struct granularity *gr;
};

/* One cell of a row: the only place that knows what each column shows. */
static void fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct maps_row *r = row;

	switch (col) {
	case COL_START: c->u = hgm_vma_start(r->v); break;
	case COL_END: c->u = hgm_vma_end(r->v); break;
	case COL_KIND: c->s = hgm_kind_name(r->u->kind); break;
	case COL_PSIZE: c->u = r->u->page_size; break;
	case COL_PUD: c->u = r->u->mapped[HGM_LEVEL_PUD]; break;
	case COL_PMD: c->u = r->u->mapped[HGM_LEVEL_PMD]; break;
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
	struct columns c;
	struct libscols_table *tb;
	struct jdoc doc;
	struct level_totals t;
	uint64_t pmd_size;
	bool said_light;		/* -v: told where the figures come from */
	bool granularity;		/* --granularity */
	uint64_t gr_vma;		/* the VMA st->gr is for */
	bool have_gr;
	struct granularity gr;
};

/* Block size for @v: a PMD (or its page size) at least, GRAN_WIDTH blocks at most. */
static void gran_init(struct maps_state *st, const struct hgm_vma *v)
{
	uint64_t size = hgm_vma_end(v) - hgm_vma_start(v), block = st->pmd_size;
	uint64_t ps = hgm_vma_field(v, HGM_SM_KERNEL_PAGE_SIZE);

	if (HGM_KNOWN(ps) && ps > block)
		block = ps;
	while (block * GRAN_WIDTH < size)
		block *= 2;
	st->gr.block = block;
	st->gr.n = (unsigned int)((size + block - 1) / block);
	memset(st->gr.bits, 0, sizeof(st->gr.bits));
	st->gr_vma = hgm_vma_start(v);
	st->have_gr = true;
}

/* Rows come before their VMA's figures: the first row of a VMA starts its line. */
static int on_row(const struct hgm_folio *f, void *arg)
{
	struct maps_state *st = arg;
	uint64_t vstart = hgm_vma_start(f->vma);
	unsigned int bit, i, first, last;

	if (!st->have_gr || st->gr_vma != vstart)
		gran_init(st, f->vma);
	if (f->level == HGM_LEVEL_PUD)
		bit = LB_PUD;
	else if (f->level == HGM_LEVEL_PMD)
		bit = LB_PMD;
	else if (f->kind == HGM_FOLIO_BASE || f->kind == HGM_FOLIO_ZERO || f->kind == HGM_FOLIO_KSM)
		bit = LB_BASE;
	else if (f->kind == HGM_FOLIO_UNKNOWN)
		bit = LB_BASE | LB_PTE;	/* cannot tell: shows as mixed */
	else
		bit = LB_PTE;
	first = (unsigned int)((f->start - vstart) / st->gr.block);
	last = (unsigned int)((f->end - 1 - vstart) / st->gr.block);
	for (i = first; i <= last && i < st->gr.n; i++)
		st->gr.bits[i] |= bit;
	return 0;
}

/* Emits the row of one VMA. */
static int on_vma(const struct hgm_vma *v, const struct hgm_vma_usage *u, void *arg)
{
	struct maps_state *st = arg;
	const struct granularity *gr = NULL;
	struct maps_row row;

	if (u->from_scan_only && st->g->verbose && !st->said_light) {
		warnx("maps: VMAs from PROCMAP_QUERY, every figure from the page scan (smaps not read)");
		st->said_light = true;
	}
	if (st->granularity) {
		if (!st->have_gr || st->gr_vma != hgm_vma_start(v))
			gran_init(st, v);	/* nothing mapped in it */
		st->have_gr = false;
		gr = &st->gr;
	}
	level_totals_add(&st->t, u);
	row.v = v;
	row.u = u;
	row.gr = gr;
	if (st->g->json)
		row_json(&st->doc.w, maps_cols, maps_json, sizeof(maps_json) / sizeof(maps_json[0]),
			 fill, &row, st);
	else
		row_table(st->g, st->tb, &st->c, fill, &row, st);
	return 0;
}

/* The FLAGS column, and "flags" in JSON, are VmFlags: only smaps has them. */
static unsigned int maps_flags(const struct hgmctl *g, const struct columns *c, bool granularity)
{
	unsigned int flags = granularity ? HGM_MAPS_ROWS : 0;
	size_t i;

	if (g->json)
		return flags;
	for (i = 0; i < c->n; i++)
		if (c->id[i] == COL_FLAGS)
			return flags;
	return flags | HGM_MAPS_NO_VMFLAGS;
}

/*
 * The maps of @pid: a JSON document, or with @outer an element of its open
 * array; a table and totals in text.  Returns EXIT_OK; on a process that
 * cannot be read, -errno when @outer or @soft, else exits with the error.
 */
static int maps_of(struct hgmctl *g, pid_t pid, bool granularity, struct jw *outer, bool soft)
{
	const struct hgm_maps_ops ops = { .vma = on_vma, .folio = on_row };
	struct maps_state st = { .g = g, .granularity = granularity };
	static const int gran_defaults[] = {
		COL_START, COL_END, COL_KIND, COL_PSIZE, COL_PUD, COL_PMD, COL_PTE, COL_LEVELS, COL_NAME,
	};
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
	if (granularity && !hgm_ctx_is_live(g->ctx))
		usage_error("maps: --granularity needs page tables; --root does not apply");
	ret = hgm_maps_walk(g->ctx, pid, maps_flags(g, &st.c, granularity), &ops, &st, &bad_line);
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

int show_maps(struct hgmctl *g, pid_t pid, bool granularity)
{
	if (!g->json)
		sample_stamp(NULL);
	return maps_of(g, pid, granularity, NULL, false);
}

int show_maps_in(struct hgmctl *g, pid_t pid, bool granularity, struct jw *outer)
{
	return maps_of(g, pid, granularity, outer, true);
}
