/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * top.h - `hgmctl top`: the model (plain structs gathered through the same
 * calls as status/maps/pagemap/rmap), the frames it renders as text cells with
 * a style each, and the view state.  `--once` prints a frame; the ncurses
 * view (top-tui.c) only paints frames and reads keys.
 */
#ifndef HGMCTL_TOP_H
#define HGMCTL_TOP_H

#include <stdatomic.h>

#include "cli.h"
#include "output.h"
#include "views.h"
#include "levels.h"
#include "levels.h"

enum top_screen { TOP_SYSTEM, TOP_PROCESS, TOP_PAGEMAP, TOP_FOLIO, TOP_NR_SCREENS };

/* What a cell of a frame is: the TUI maps these to colours or attributes. */
enum top_style {
	TS_NORMAL, TS_TITLE, TS_HEAD, TS_SEL, TS_HELP, TS_MSG,
	TS_PUD, TS_PMD, TS_PTE, TS_BASE, TS_NONE, TS_MIXED,
	TS_WP, TS_SWAP, TS_POISON, TS_BAR,
	TS_NR
};

/* A screenful of text: @w columns by @h lines, a character and a style per cell. */
struct frame {
	int w, h;
	bool grow;		/* --once: lists are drawn whole, h grows */
	char *ch;
	unsigned char *st;
	int used;		/* lines written (for printing) */
};

void frame_init(struct frame *f, int w, int h, bool grow);
void frame_free(struct frame *f);
/* Writes @s at (@y, @x) with @style, cut at the right edge; returns the column after it. */
int frame_put(struct frame *f, int y, int x, int style, const char *s);
int frame_printf(struct frame *f, int y, int x, int style, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Gives line @y style @style from column @x to the edge (bars of headings). */
void frame_style_line(struct frame *f, int y, int x, int style);
/* Prints the lines written, trailing blanks removed. */
void frame_print(const struct frame *f, FILE *out);

/* ---- model ---------------------------------------------------------------- */

enum top_sort { SORT_HUGETLB, SORT_THP, SORT_PTE, SORT_PID, NR_SORTS };

struct top_proc {
	pid_t pid;
	char comm[32];
	uint64_t hugetlb, thp, pte;	/* bytes; pte: hugetlb mapped by PTEs (HGM fields) */
	bool pte_known;
};

struct top_sys {
	struct status_info st;
	bool have_st;
	struct hgm_thp_counters tc;
	struct top_proc *procs;		/* processes with hugetlb or THP memory */
	size_t nprocs, scanned, unreadable;
	char err[512];
};

struct top_vma {
	uint64_t start, end;
	enum hgm_kind kind;
	uint64_t page_size, rss;
	uint64_t mapped[HGM_NR_LEVELS];
	bool pte_known, hgm;
	char perms[5];
	char name[48];
};

struct top_procview {
	pid_t pid;
	char comm[32];
	struct top_vma *v;
	size_t n;
	struct level_totals tot;	/* as `maps` sums them */
	char err[512];
};

/* Bits of a page-map cell (one hugepage-sized block). */
enum { PC_PUD = LB_PUD, PC_PMD = LB_PMD, PC_PTE = LB_PTE, PC_BASE = LB_BASE, PC_WP = 16,
       PC_SWAP = 32, PC_POISON = 64 };

struct top_pagemap {
	pid_t pid;
	struct top_vma vma;
	uint64_t block;			/* bytes per cell at zoom 0 */
	size_t ncells;
	unsigned char *cells;
	uint64_t scanned_to;		/* the scan has covered [vma.start, scanned_to) */
	bool done;
	double scan_ms;
	char err[512];
};

struct top_mapper {
	pid_t pid;
	char comm[32];
	uint64_t start, end, vma_start, vma_end;
	enum hgm_level level;
};

struct top_folio {
	pid_t pid;
	uint64_t addr;			/* asked for */
	bool found;
	struct hgm_folio f;		/* f.vma cleared */
	uint64_t vma_start, vma_end;
	char vma_name[48];
	struct top_mapper *m;
	size_t nm;
	bool rmap_done;
	unsigned long unreadable;
	char err[512];
};

/* Set by the caller to stop a gathering early (a newer request came). */
typedef atomic_int top_cancel;

/* Each fills a zeroed struct; errors go to ->err (the screens show them). */
void top_gather_sys(struct hgmctl *g, struct top_sys *s, top_cancel *cancel);
/* The halves of top_gather_sys(): what `status` shows and the THP counters (s->err
   says what failed), then the processes with huge pages (also for `export --top`). */
void top_gather_status(struct hgmctl *g, struct top_sys *s);
void top_gather_procs(struct hgmctl *g, struct top_sys *s, top_cancel *cancel);
void top_gather_proc(struct hgmctl *g, pid_t pid, struct top_procview *p, top_cancel *cancel);
/* @publish (may be NULL) is called with the cells so far every few ms of scanning. */
void top_scan_pagemap(struct hgmctl *g, pid_t pid, const struct top_vma *vma,
		      struct top_pagemap *pm, top_cancel *cancel,
		      void (*publish)(const struct top_pagemap *pm, void *arg), void *arg);
void top_gather_folio(struct hgmctl *g, pid_t pid, uint64_t addr, uint64_t end,
		      struct top_folio *fo,
		      top_cancel *cancel, void (*publish)(const struct top_folio *fo, void *arg),
		      void *arg);
void top_sys_free(struct top_sys *s);
void top_procview_free(struct top_procview *p);
void top_pagemap_free(struct top_pagemap *pm);
void top_folio_free(struct top_folio *fo);
/* Deep copies, for handing a model from the gathering thread to the UI. */
int top_pagemap_copy(struct top_pagemap *dst, const struct top_pagemap *src);
int top_folio_copy(struct top_folio *dst, const struct top_folio *src);

/* ---- view state ------------------------------------------------------------ */

struct top_view {
	enum top_screen screen;
	enum top_sort sort;
	char filter[TOP_NR_SCREENS][64];	/* system: command or PID; process: kind or name */
	int sel[TOP_NR_SCREENS];	/* selected row of each list */
	int first[TOP_NR_SCREENS];	/* first row shown */
	pid_t pid;
	uint64_t vma_start;		/* the VMA of the page map */
	uint64_t cursor;		/* page map: address of the cursor cell */
	uint64_t mark;			/* page map: start of a marked range, if marking */
	bool marking;
	int zoom;			/* page map: log2 of blocks per cell */
	int rows_per_page;		/* set by render: list rows that fit */
	uint64_t folio_addr;
	double interval;		/* seconds */
	bool tui;			/* draw the cursor and the time */
	bool verbose;
	double draw_ms;			/* last render+paint time, shown with -v */
	char msg[200];			/* one-line message under the help */
	char prompt[200];		/* a question or line input being typed */
};

/* Everything the screens draw from; any part may be NULL (not gathered yet). */
struct top_model {
	struct top_sys *sys;
	struct top_procview *proc;
	struct top_pagemap *pm;
	struct top_folio *folio;
	bool busy;			/* a gathering is in progress */
};

const char *top_screen_name(enum top_screen s);
const char *top_sort_name(enum top_sort s);
/* The refresh interval -d and 's' take: seconds, 0.1 to 3600 ("2", "0.5"); -EINVAL else. */
int top_parse_delay(const char *s, double *seconds);
/* The processes of @s as the system screen lists them (filtered, sorted); free() it. */
size_t top_sys_rows(const struct top_sys *s, const struct top_view *v, struct top_proc **out);
/* The VMAs of @p as the process screen lists them (filtered): indices into p->v. */
size_t top_proc_rows(const struct top_procview *p, const struct top_view *v, size_t **out);
/* Bytes per cell of the page map at the view's zoom, and cells per line for width @w. */
uint64_t top_cell_bytes(const struct top_pagemap *pm, const struct top_view *v);
int top_cells_per_line(int w);
/* The VMA to open by default for a page map: first hugetlb, else THP, else the first. */
const struct top_vma *top_default_vma(const struct top_procview *p);
const struct top_vma *top_vma_at(const struct top_procview *p, uint64_t addr);

/* Renders the view's screen into @f (cleared first). */
void top_render(struct hgmctl *g, struct frame *f, const struct top_model *m,
		struct top_view *v);

/* MADV_COLLAPSE on [start, end) of @pid; returns 0 or -errno. */
int top_collapse(pid_t pid, uint64_t start, uint64_t end);

#ifdef HAVE_NCURSES
/* The interactive view; returns an exit code. */
int top_tui(struct hgmctl *g, struct top_view *v);
#endif

#endif /* HGMCTL_TOP_H */
