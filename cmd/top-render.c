// SPDX-License-Identifier: GPL-2.0-or-later
/* top-render.c - the four screens of `hgmctl top`, drawn into frames of styled text */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "top.h"

/* names from /proc or a tree, escaped for the screen: up to 4 bytes per byte */
#define NAME_ESC	1024

static const char *const help[TOP_NR_SCREENS] = {
	[TOP_SYSTEM] = "Enter process  s sort  / filter  r refresh  d delay  q quit",
	[TOP_PROCESS] = "Enter page map  c collapse  g goto  / filter  d delay  Esc back  q quit",
	[TOP_PAGEMAP] = "Enter folio  arrows move  +/- zoom  v mark  c collapse  g goto  Esc back",
	[TOP_FOLIO] = "r refresh  d delay  Esc back  q quit",
};

static char *sz(const struct hgmctl *g, uint64_t b, char *buf)
{
	return fmt_size(g, b, buf, 32);
}

/* Line 0: where we are, and (in the TUI) the refresh interval. */
static void title(struct hgmctl *g, struct frame *f, const struct top_model *m,
		  const struct top_view *v)
{
	int x = frame_put(f, 0, 0, TS_TITLE, "hgmctl top: system");
	char esc[NAME_ESC];

	if (v->screen >= TOP_PROCESS)
		x = frame_printf(f, 0, x, TS_TITLE, " > %d %s", (int)v->pid,
				 str_escape(m->proc ? m->proc->comm : "", esc, sizeof(esc)));
	if (v->screen >= TOP_PAGEMAP)
		x = frame_printf(f, 0, x, TS_TITLE, " > %" PRIx64, v->vma_start);
	if (v->screen >= TOP_FOLIO)
		x = frame_printf(f, 0, x, TS_TITLE, " > folio");
	frame_style_line(f, 0, 0, TS_TITLE);
	if (v->tui) {
		char right[64];
		time_t t = time(NULL);
		struct tm tm;
		int n;

		localtime_r(&t, &tm);
		if (v->verbose)
			n = snprintf(right, sizeof(right), "%sdraw %.2fms every %gs",
				     m->busy ? "[scanning] " : "", v->draw_ms, v->interval);
		else
			n = snprintf(right, sizeof(right), "%severy %gs %02d:%02d:%02d",
				     m->busy ? "[scanning] " : "", v->interval,
				     tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (f->w - n > x)
			frame_put(f, 0, f->w - n, TS_TITLE, right);
	}
}

/* The help line and the message line, at the bottom (or after the content with --once). */
static void footer(struct frame *f, const struct top_view *v, int y)
{
	if (!f->grow)
		y = f->h - 2;
	frame_put(f, y, 0, TS_HELP, help[v->screen]);
	frame_style_line(f, y, 0, TS_HELP);
	if (v->prompt[0])
		frame_put(f, y + 1, 0, TS_MSG, v->prompt);
	else if (v->msg[0])
		frame_put(f, y + 1, 0, TS_MSG, v->msg);
}

/* Keeps the selection inside [0, n) and on screen, for a list of @rows lines. */
static void clamp_list(struct top_view *v, int n, int rows)
{
	int s = v->screen;

	if (v->sel[s] >= n)
		v->sel[s] = n - 1;
	if (v->sel[s] < 0)
		v->sel[s] = 0;
	if (rows < 1)
		rows = 1;
	if (v->sel[s] < v->first[s])
		v->first[s] = v->sel[s];
	if (v->sel[s] >= v->first[s] + rows)
		v->first[s] = v->sel[s] - rows + 1;
	if (v->first[s] < 0)
		v->first[s] = 0;
	v->rows_per_page = rows;
}

/* The style of each level look (levels.h). */
static const int look_style[LK_NR] = {
	[LK_NONE] = TS_NONE, [LK_PUD] = TS_PUD, [LK_PMD] = TS_PMD, [LK_PTE] = TS_PTE,
	[LK_BASE] = TS_BASE, [LK_MIXED] = TS_MIXED,
};

/* A bar of @w cells: @n segments of @bytes[i] out of @total, glyph and style each. */
static int bar(struct frame *f, int y, int x, int w, uint64_t total, const uint64_t *bytes,
	       const char *glyphs, const int *styles, int n)
{
	int i, k, used = 0;

	for (i = 0; i < n && total; i++) {
		/* a segment may exceed the total (counters are read at different times) */
		int cells = bytes[i] >= total ? w
					      : (int)((double)bytes[i] / (double)total * w + 0.5);
		char c[2] = { glyphs[i], 0 };

		if (bytes[i] && cells == 0)
			cells = 1;
		if (cells > w - used)
			cells = w - used;
		for (k = 0; k < cells; k++)
			frame_put(f, y, x + used + k, styles[i], c);
		used += cells;
	}
	for (; used < w; used++)
		frame_put(f, y, x + used, TS_NONE, ".");
	return x + w;
}

/* ---- 1. system ------------------------------------------------------------------ */

static const char *cnt(char *buf, int64_t v)
{
	if (v < 0)
		return "-";
	snprintf(buf, 24, "%" PRId64, v);
	return buf;
}

static void render_system(struct hgmctl *g, struct frame *f, const struct top_model *m,
			  struct top_view *v)
{
	char esc[NAME_ESC];
	const struct top_sys *s = m->sys;
	struct top_proc *rows = NULL;
	char a[32], b[32], c[32], d[32], e[32], k[32];
	int y = 1, i, n, list, maxpools;
	size_t p;

	if (!s) {
		frame_put(f, 1, 0, TS_NORMAL, "reading...");
		footer(f, v, 3);
		return;
	}
	if (s->have_st) {
		const struct hgm_features *ft = &s->st.feat;

		frame_printf(f, y++, 0, TS_NORMAL, "Kernel %s  HGM %s  MADV_COLLAPSE %s  "
			     "PAGEMAP_SCAN %s", ft->release[0] ? ft->release : "?",
			     !ft->probed ? "unknown" : hgm_has(ft, HGM_FEAT_HGM) ? "yes" :
			     HGM_KNOWN(ft->uffd_features) ? "no" : "unknown",
			     !ft->probed ? "?" : hgm_has(ft, HGM_FEAT_MADV_COLLAPSE) ? "yes" : "no",
			     !ft->probed ? "?" : hgm_has(ft, HGM_FEAT_PAGEMAP_SCAN) ? "yes" : "no");
		frame_put(f, y, 0, TS_HEAD, "Hugetlb pools        used of total");
		frame_style_line(f, y++, 0, TS_HEAD);
		/* at most a third of the screen for pools; all of them with --once */
		maxpools = f->grow ? (int)s->st.pools->nr : (f->h - 8) / 3;
		for (p = 0; p < s->st.pools->nr && (int)p < maxpools; p++) {
			const struct hgm_pool *pl = &s->st.pools->pool[p];
			uint64_t used = pl->total >= pl->free ? pl->total - pl->free : 0;
			const uint64_t seg[1] = { used };
			static const int st[1] = { TS_BAR };
			int x;

			if (pl->node == HGM_NODE_ALL)
				x = frame_printf(f, y, 0, TS_NORMAL, " %4s all   ",
						 sz(g, pl->page_size, a));
			else
				x = frame_printf(f, y, 0, TS_NORMAL, " %4s node%-2d",
						 sz(g, pl->page_size, a), pl->node);
			x = bar(f, y, x, f->w - 48 > 10 ? f->w - 48 : 10, pl->total, seg, "#", st, 1);
			frame_printf(f, y++, x, TS_NORMAL, " %5" PRIu64 "/%-5" PRIu64 " free %"
				     PRIu64 "%s%s", used, pl->total, pl->free,
				     HGM_KNOWN(pl->reserved) ? " resv " : "",
				     HGM_KNOWN(pl->reserved) ? cnt(b, (int64_t)pl->reserved) : "");
		}
		if (p < s->st.pools->nr)
			frame_printf(f, y++, 0, TS_NORMAL, " (%zu more: hgmctl status)",
				     s->st.pools->nr - p);
		if (!s->st.pools->nr)
			frame_put(f, y++, 0, TS_NORMAL, " none (this kernel has no hugetlb)");
		if (s->st.thp->available)
			frame_printf(f, y++, 0, TS_NORMAL, "THP %s, defrag %s  mTHP sizes %zu",
				     s->st.thp->enabled, s->st.thp->defrag, s->st.thp->nr_sizes);
		else
			frame_put(f, y++, 0, TS_NORMAL, "THP none (this kernel has no THP)");
		frame_printf(f, y++, 0, TS_NORMAL, " faults %s fallback %s collapsed %s split "
			     "pmd %s page %s mTHP faults %s", cnt(a, s->tc.fault_alloc),
			     cnt(b, s->tc.fault_fallback), cnt(c, s->tc.collapse_alloc),
			     cnt(d, s->tc.split_pmd), cnt(e, s->tc.split_page),
			     cnt(k, s->tc.mthp_fault_alloc));
	} else {
		frame_put(f, y++, 0, TS_MSG, s->err);
	}

	n = (int)top_sys_rows(s, v, &rows);
	frame_printf(f, y, 0, TS_HEAD, "%7s %-16s %9s %9s %9s", "PID", "COMMAND",
		     v->sort == SORT_HUGETLB ? "HUGETLB*" : "HUGETLB",
		     v->sort == SORT_THP ? "THP*" : "THP",
		     v->sort == SORT_PTE ? "PTE-MAP*" : "PTE-MAP");
	frame_style_line(f, y++, 0, TS_HEAD);
	list = f->grow ? n : f->h - 2 - y;
	clamp_list(v, n, list);
	for (i = v->first[TOP_SYSTEM]; i < n && i < v->first[TOP_SYSTEM] + list; i++) {
		const struct top_proc *r = &rows[i];
		int style = v->tui && i == v->sel[TOP_SYSTEM] ? TS_SEL : TS_NORMAL;

		frame_printf(f, y, 0, style, "%7d %-16.16s %9s %9s %9s", (int)r->pid,
			     str_escape(r->comm, esc, sizeof(esc)),
			     sz(g, r->hugetlb, a), sz(g, r->thp, b),
			     r->pte_known ? sz(g, r->pte, c) : "-");
		if (style == TS_SEL)
			frame_style_line(f, y, 0, TS_SEL);
		y++;
	}
	if (n == 0)
		frame_printf(f, y++, 0, TS_NORMAL, "  no process%s uses hugetlb or THP memory%s",
			     v->filter[TOP_SYSTEM][0] ? " matching the filter" : "",
			     m->busy ? " (still reading)" : "");
	if (f->grow)
		frame_printf(f, y++, 0, TS_NORMAL, "processes read: %zu, unreadable: %zu%s%s%s",
			     s->scanned, s->unreadable, v->filter[TOP_SYSTEM][0] ? ", filter '" : "",
			     v->filter[TOP_SYSTEM], v->filter[TOP_SYSTEM][0] ? "'" : "");
	free(rows);
	footer(f, v, y);
}

/* ---- 2. process ------------------------------------------------------------------ */

static void render_process(struct hgmctl *g, struct frame *f, const struct top_model *m,
			   struct top_view *v)
{
	char esc[NAME_ESC];
	const struct top_procview *p = m->proc;
	char a[32], b[32], c[32], d[32], e[32], h[32];
	size_t *rows = NULL;
	int y = 1, i, n, list, barw, x;

	if (!p) {
		frame_put(f, 1, 0, TS_NORMAL, "reading...");
		footer(f, v, 3);
		return;
	}
	if (p->err[0]) {
		frame_put(f, y++, 0, TS_MSG, p->err);
		footer(f, v, y);
		return;
	}
	/* THP mapped by PTEs is "-" where it was not measured, as in `maps` */
	frame_printf(f, y++, 0, TS_NORMAL, "hugetlb %s PUD %s PMD %s PTE   THP %s PMD %s PTE",
		     sz(g, p->tot.hugetlb[HGM_LEVEL_PUD], a), sz(g, p->tot.hugetlb[HGM_LEVEL_PMD], b),
		     sz(g, p->tot.hugetlb[HGM_LEVEL_PTE], c), sz(g, p->tot.thp[HGM_LEVEL_PMD], d),
		     p->tot.thp_pte_known ? sz(g, p->tot.thp[HGM_LEVEL_PTE], e) : "-");
	barw = (f->w - 59) / 2 > 10 ? (f->w - 59) / 2 : 10;
	x = frame_printf(f, y, 0, TS_HEAD, "%12s %6s %-7s %5s %5s %5s %5s %5s ", "START", "SIZE",
			 "KIND", "PSIZE", "PUD", "PMD", "PTE", "RSS");
	x = frame_printf(f, y, x, TS_HEAD, "%-*s NAME", barw, "MAPPED");
	frame_style_line(f, y++, 0, TS_HEAD);
	n = (int)top_proc_rows(p, v, &rows);
	list = f->grow ? n : f->h - 2 - y;
	clamp_list(v, n, list);
	for (i = v->first[TOP_PROCESS]; i < n && i < v->first[TOP_PROCESS] + list; i++) {
		const struct top_vma *t = &p->v[rows[i]];
		uint64_t seg[5] = { t->mapped[HGM_LEVEL_PUD], t->mapped[HGM_LEVEL_PMD],
				    t->pte_known ? t->mapped[HGM_LEVEL_PTE] : 0, 0, 0 };
		const int *st = look_style + LK_PUD;	/* PUD, PMD, PTE, base, mixed */
		bool sel = v->tui && i == v->sel[TOP_PROCESS];
		int style = sel ? TS_SEL : TS_NORMAL;

		/*
		 * The rest of the RSS is base pages (hugetlb has none) where PTEs
		 * were measured; elsewhere base pages and PTE-mapped THP cannot be
		 * told apart: '*', as `maps --granularity` draws them.
		 */
		if (t->kind != HGM_KIND_HUGETLB && t->rss > seg[1] + seg[2])
			seg[t->pte_known ? 3 : 4] = t->rss - seg[1] - seg[2];
		x = frame_printf(f, y, 0, style, "%12" PRIx64 " %6s %-7s %5s %5s %5s %5s %5s ",
				 t->start, sz(g, t->end - t->start, a), hgm_kind_name(t->kind),
				 sz(g, t->page_size, b), sz(g, t->mapped[HGM_LEVEL_PUD], c),
				 sz(g, t->mapped[HGM_LEVEL_PMD], d),
				 t->pte_known ? sz(g, t->mapped[HGM_LEVEL_PTE], e) : "-",
				 t->kind == HGM_KIND_HUGETLB ? "-" : sz(g, t->rss, h));
		x = bar(f, y, x, barw, t->end - t->start, seg, level_glyphs + LK_PUD, st, 5);
		frame_printf(f, y, x, style, " %s%s", t->hgm ? "[hgm] " : "",
			     str_escape(t->name, esc, sizeof(esc)));
		y++;
	}
	if (n == 0)
		frame_put(f, y++, 0, TS_NORMAL, v->filter[TOP_PROCESS][0] ?
			  "  no VMA matches the filter" :
			  "  no VMAs");
	free(rows);
	footer(f, v, y);
}

/* ---- 3. page map -------------------------------------------------------------------- */

/* What only the page map shows besides levels, first match wins: glyph, style, legend. */
static const struct { unsigned int bit; char glyph; int style; const char *legend; } marks[] = {
	{ PC_POISON, 'X', TS_POISON, "poisoned" },
	{ PC_WP, 'w', TS_WP, "uffd-wp" },
	{ PC_SWAP, 's', TS_SWAP, "swapped" },
};

/* The glyph and style of a cell holding @bits. */
static void cell_look(unsigned int bits, char *glyph, int *style)
{
	enum level_look lk = level_look(bits);
	size_t i;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		/* a swapped page that is also mapped shows its level */
		if (!(bits & marks[i].bit) || (marks[i].bit == PC_SWAP && lk != LK_NONE))
			continue;
		*glyph = marks[i].glyph;
		*style = marks[i].style;
		return;
	}
	*glyph = level_glyphs[lk];
	*style = look_style[lk];
}

/* One legend entry at @x: the glyph in its style, then "  words  "; returns the next x. */
static int legend(struct frame *f, int y, int x, char glyph, int style, const char *words)
{
	char g[2] = { glyph, 0 };

	frame_put(f, y, x, style, g);
	return frame_printf(f, y, x + 1, TS_NORMAL, " %s  ", words);
}

static void render_pagemap(struct hgmctl *g, struct frame *f, const struct top_model *m,
			   struct top_view *v)
{
	char esc[NAME_ESC];
	const struct top_pagemap *pm = m->pm;
	char a[32], b[32];
	int y = 1, cpl, lines, list, i, j;
	uint64_t cb, ncells, first, cur, lo = 0, hi = 0;

	if (!pm) {
		frame_put(f, 1, 0, TS_NORMAL, "scanning...");
		footer(f, v, 3);
		return;
	}
	frame_printf(f, y++, 0, TS_NORMAL, "VMA %" PRIx64 "-%" PRIx64 " %s %s, %s pages%s %s",
		     pm->vma.start, pm->vma.end, sz(g, pm->vma.end - pm->vma.start, a),
		     hgm_kind_name(pm->vma.kind), sz(g, pm->vma.page_size, b),
		     pm->vma.hgm ? " [hgm]" : "", str_escape(pm->vma.name, esc, sizeof(esc)));
	if (pm->err[0]) {
		frame_put(f, y++, 0, TS_MSG, pm->err);
		footer(f, v, y);
		return;
	}
	cb = top_cell_bytes(pm, v);
	ncells = (pm->vma.end - pm->vma.start + cb - 1) / cb;
	cpl = top_cells_per_line(f->w);
	lines = (int)((ncells + cpl - 1) / cpl);
	if (v->cursor < pm->vma.start || v->cursor >= pm->vma.end)
		v->cursor = pm->vma.start;
	cur = (v->cursor - pm->vma.start) / cb;
	if (v->marking) {
		uint64_t mk = (v->mark - pm->vma.start) / cb;

		lo = mk < cur ? mk : cur;
		hi = mk < cur ? cur : mk;
	}
	frame_printf(f, y++, 0, TS_NORMAL, "cell %s (zoom %d), %d cells a line; %s%s",
		     sz(g, cb, a), v->zoom, cpl,
		     pm->done ? "scanned" : "scanning, at ",
		     pm->done ? "" : sz(g, pm->scanned_to - pm->vma.start, b));
	if (pm->done && v->verbose)
		frame_printf(f, y - 1, f->w - 20, TS_NORMAL, "scan %.1fms", pm->scan_ms);
	list = f->grow ? lines : f->h - 5 - y;
	/* the list is of lines of cells; the selection is the cursor's line */
	v->sel[TOP_PAGEMAP] = (int)(cur / cpl);
	clamp_list(v, lines, list);
	first = (uint64_t)v->first[TOP_PAGEMAP];
	for (i = 0; i < list && first + i < (uint64_t)lines; i++) {
		uint64_t c0 = (first + i) * cpl;

		frame_printf(f, y, 0, TS_NORMAL, "%12" PRIx64 " ", pm->vma.start + c0 * cb);
		for (j = 0; j < cpl && c0 + j < ncells; j++) {
			uint64_t c = c0 + j, k, k0 = c << v->zoom, k1 = (c + 1) << v->zoom;
			unsigned int bits = 0;
			char gl[2] = { 0, 0 };
			int st;

			for (k = k0; k < k1 && k < pm->ncells; k++)
				bits |= pm->cells[k];
			if (k0 * pm->block + pm->vma.start >= pm->scanned_to && !pm->done) {
				gl[0] = ' ';
				st = TS_NORMAL;
			} else {
				cell_look(bits, gl, &st);
			}
			if (v->tui && (c == cur || (v->marking && c >= lo && c <= hi)))
				st = TS_SEL;
			frame_put(f, y, 13 + j, st, gl);
		}
		y++;
	}
	if (f->grow)
		y++;
	else
		y = f->h - 4;
	{
		static const enum level_look order[] = {
			LK_PUD, LK_PMD, LK_PTE, LK_BASE, LK_NONE, LK_MIXED,
		};
		size_t k;
		int x;

		for (x = 0, k = 0; k < sizeof(order) / sizeof(order[0]); k++)
			x = legend(f, y, x, level_glyphs[order[k]], look_style[order[k]],
				   level_legend[order[k]]);
		y++;
		/* the marks in the order of the legend, not of their precedence */
		for (x = 0, k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
			x = legend(f, y, x, marks[(k + 1) % 3].glyph, marks[(k + 1) % 3].style,
				   marks[(k + 1) % 3].legend);
	}
	if (v->tui)
		frame_printf(f, y, 36, TS_NORMAL, "cursor %" PRIx64,
			     pm->vma.start + cur * cb);
	y++;
	footer(f, v, y);
}

/* ---- 4. folio ------------------------------------------------------------------------- */

static void render_folio(struct hgmctl *g, struct frame *f, const struct top_model *m,
			 struct top_view *v)
{
	char esc[NAME_ESC];
	const struct top_folio *fo = m->folio;
	const struct hgm_folio *h;
	char a[32], b[32], flags[512];
	int y = 1, i, list;

	if (!fo) {
		frame_put(f, 1, 0, TS_NORMAL, "reading...");
		footer(f, v, 3);
		return;
	}
	if (!fo->found) {
		frame_put(f, y++, 0, TS_MSG, fo->err[0] ? fo->err : "reading...");
		footer(f, v, y);
		return;
	}
	h = &fo->f;
	frame_printf(f, y++, 0, TS_NORMAL, "Address   %" PRIx64 "-%" PRIx64 " (%s) at %s level",
		     h->start, h->end, sz(g, h->end - h->start, a), hgm_level_name(h->level));
	frame_printf(f, y++, 0, TS_NORMAL, "VMA       %" PRIx64 "-%" PRIx64 " %s", fo->vma_start,
		     fo->vma_end, str_escape(fo->vma_name, esc, sizeof(esc)));
	frame_printf(f, y++, 0, TS_NORMAL, "Kind      %s", hgm_folio_kind_name(h->kind));
	if (HGM_KNOWN(h->pfn) && HGM_KNOWN(h->head_pfn))
		frame_printf(f, y++, 0, TS_NORMAL, "PFN       0x%" PRIx64 "   head 0x%" PRIx64,
			     h->pfn, h->head_pfn);
	else if (HGM_KNOWN(h->pfn))
		frame_printf(f, y++, 0, TS_NORMAL, "PFN       0x%" PRIx64 "   head -", h->pfn);
	else
		frame_put(f, y++, 0, TS_NORMAL, "PFN       - (needs CAP_SYS_ADMIN)");
	if (HGM_KNOWN(h->order))
		frame_printf(f, y++, 0, TS_NORMAL, "Order     %u (%s)", h->order,
			     sz(g, (uint64_t)sysconf(_SC_PAGESIZE) << h->order, b));
	else
		frame_put(f, y++, 0, TS_NORMAL, "Order     -");
	frame_printf(f, y++, 0, TS_NORMAL, "Mapcount  %s   node %s   exclusive %s",
		     HGM_KNOWN(h->mapcount) ? cnt(a, (int64_t)h->mapcount) : "-",
		     HGM_KNOWN(h->node) ? cnt(b, h->node) : "-", h->exclusive ? "yes" : "no");
	if (HGM_KNOWN(h->kflags))
		kpf_list(h->kflags, flags, sizeof(flags), ",");
	frame_printf(f, y++, 0, TS_NORMAL, "Flags     %s", HGM_KNOWN(h->kflags) ? flags : "-");
	frame_printf(f, y++, 0, TS_NORMAL, "State     %s%s%s%s", h->present ? "present" :
		     "not present", h->swapped ? " swapped" : "", h->uffd_wp ? " uffd-wp" : "",
		     h->soft_dirty ? " soft-dirty" : "");
	frame_printf(f, y, 0, TS_HEAD, "rmap: %zu mapping%s%s%s", fo->nm, fo->nm == 1 ? "" : "s",
		     fo->rmap_done ? "" : " (scanning)", fo->unreadable ? ", some unreadable" : "");
	frame_style_line(f, y++, 0, TS_HEAD);
	if (fo->err[0])
		frame_put(f, y++, 0, TS_MSG, fo->err);
	frame_printf(f, y, 0, TS_HEAD, "%7s %-12s %12s %5s %-5s %s", "PID", "COMMAND", "ADDR",
		     "SIZE", "LEVEL", "VMA");
	frame_style_line(f, y++, 0, TS_HEAD);
	list = f->grow ? (int)fo->nm : f->h - 2 - y;
	clamp_list(v, (int)fo->nm, list);
	for (i = v->first[TOP_FOLIO]; i < (int)fo->nm && i < v->first[TOP_FOLIO] + list; i++) {
		const struct top_mapper *mp = &fo->m[i];

		frame_printf(f, y++, 0, TS_NORMAL, "%7d %-12.12s %12" PRIx64 " %5s %-5s %" PRIx64
			     "-%" PRIx64, (int)mp->pid, str_escape(mp->comm, esc, sizeof(esc)),
			     mp->start,
			     sz(g, mp->end - mp->start, a), hgm_level_name(mp->level),
			     mp->vma_start, mp->vma_end);
	}
	footer(f, v, y);
}

void top_render(struct hgmctl *g, struct frame *f, const struct top_model *m,
		struct top_view *v)
{
	memset(f->ch, ' ', (size_t)f->w * f->h);
	memset(f->st, 0, (size_t)f->w * f->h);
	f->used = 0;
	title(g, f, m, v);
	switch (v->screen) {
	case TOP_SYSTEM: render_system(g, f, m, v); break;
	case TOP_PROCESS: render_process(g, f, m, v); break;
	case TOP_PAGEMAP: render_pagemap(g, f, m, v); break;
	case TOP_FOLIO: render_folio(g, f, m, v); break;
	default: break;
	}
}
