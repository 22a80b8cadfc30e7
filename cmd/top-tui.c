// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * top-tui.c - the ncurses side of `hgmctl top`: paints frames, reads keys.
 *
 * All reading of /proc happens in one worker thread: the UI thread hands it
 * the newest request (a newer one cancels the running one) and paints
 * whatever model was last published, so a scan of a huge process never
 * stalls keys or redraws.  Page-map scans publish their cells as they go.
 */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ncurses.h>

#include "top.h"

enum req_kind { REQ_NONE, REQ_SYS, REQ_PROC, REQ_PM, REQ_FOLIO };

struct req {
	enum req_kind kind;
	pid_t pid;
	struct top_vma vma;
	uint64_t start, end;
};

enum input { IN_NONE, IN_FILTER, IN_DELAY, IN_GOTO, IN_CONFIRM };

struct tui {
	struct hgmctl *g;
	struct top_view *v;
	pthread_t worker;
	bool worker_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* under lock */
	struct req req;
	bool have_req, quit, busy;
	unsigned long published;
	struct top_sys *sys;
	struct top_procview *proc;
	struct top_pagemap *pm;
	struct top_folio *folio;
	/* the running request (worker only) and its cancel flag */
	struct req running;
	top_cancel cancel;
	/* UI thread only */
	enum input input;
	char line[64];
	uint64_t col_start, col_end;	/* the range to collapse */
	attr_t attr[TS_NR];
};

static struct tui T = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};
static volatile sig_atomic_t got_signal;
static bool curses_on;
static int saved_stderr = -1;	/* the real stderr while curses owns the screen */
static FILE *held_stderr;	/* what was written to stderr meanwhile */

/* ---- the worker ------------------------------------------------------------------ */

static void publish_pm(const struct top_pagemap *pm, void *arg)
{
	struct tui *t = arg;
	struct top_pagemap *copy;

	pthread_mutex_lock(&t->lock);
	/* a refresh of the same VMA keeps showing the whole old picture until done */
	if (!atomic_load(&t->cancel) &&
	    !(t->pm && t->pm->pid == pm->pid && t->pm->vma.start == pm->vma.start && t->pm->done) &&
	    (copy = malloc(sizeof(*copy))) && (top_pagemap_copy(copy, pm) == 0 || (free(copy), 0))) {
		top_pagemap_free(t->pm);
		free(t->pm);
		t->pm = copy;
		t->published++;
	}
	pthread_mutex_unlock(&t->lock);
}

static void publish_folio(const struct top_folio *fo, void *arg)
{
	struct tui *t = arg;
	struct top_folio *copy;

	pthread_mutex_lock(&t->lock);
	if (!atomic_load(&t->cancel) &&
	    !(t->folio && t->folio->pid == fo->pid && t->folio->addr == fo->addr) &&
	    (copy = malloc(sizeof(*copy))) && (top_folio_copy(copy, fo) == 0 || (free(copy), 0))) {
		top_folio_free(t->folio);
		free(t->folio);
		t->folio = copy;
		t->published++;
	}
	pthread_mutex_unlock(&t->lock);
}

#define SWAP_IN(t, field, val, freefn) do {		\
	freefn((t)->field);				\
	free((t)->field);				\
	(t)->field = (val);				\
} while (0)

static void *worker_main(void *arg)
{
	struct tui *t = arg;
	sigset_t all;

	/* signals are the UI thread's business */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&t->lock);
	for (;;) {
		void *obj;
		bool keep;

		while (!t->have_req && !t->quit)
			pthread_cond_wait(&t->cond, &t->lock);
		if (t->quit)
			break;
		t->running = t->req;
		t->have_req = false;
		t->busy = true;
		atomic_store(&t->cancel, 0);
		pthread_mutex_unlock(&t->lock);

		switch (t->running.kind) {
		case REQ_SYS:
			obj = calloc(1, sizeof(struct top_sys));
			if (obj)
				top_gather_sys(t->g, obj, &t->cancel);
			break;
		case REQ_PROC:
			obj = calloc(1, sizeof(struct top_procview));
			if (obj)
				top_gather_proc(t->g, t->running.pid, obj, &t->cancel);
			break;
		case REQ_PM:
			obj = calloc(1, sizeof(struct top_pagemap));
			if (obj)
				top_scan_pagemap(t->g, t->running.pid, &t->running.vma, obj,
						 &t->cancel, publish_pm, t);
			break;
		case REQ_FOLIO:
			obj = calloc(1, sizeof(struct top_folio));
			if (obj)
				top_gather_folio(t->g, t->running.pid, t->running.start,
						 t->running.end, obj, &t->cancel, publish_folio, t);
			break;
		default:
			obj = NULL;
		}

		pthread_mutex_lock(&t->lock);
		keep = obj && !atomic_load(&t->cancel);
		switch (keep ? t->running.kind : REQ_NONE) {
		case REQ_SYS: SWAP_IN(t, sys, obj, top_sys_free); break;
		case REQ_PROC: SWAP_IN(t, proc, obj, top_procview_free); break;
		case REQ_PM: SWAP_IN(t, pm, obj, top_pagemap_free); break;
		case REQ_FOLIO: SWAP_IN(t, folio, obj, top_folio_free); break;
		default:
			switch (t->running.kind) {
			case REQ_SYS: top_sys_free(obj); break;
			case REQ_PROC: top_procview_free(obj); break;
			case REQ_PM: top_pagemap_free(obj); break;
			case REQ_FOLIO: top_folio_free(obj); break;
			default: break;
			}
			free(obj);
		}
		t->busy = false;
		t->published++;
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* Asks for what the current screen shows; cancels whatever is being gathered. */
static void request(struct tui *t)
{
	struct top_view *v = t->v;
	struct req r = { .pid = v->pid };

	switch (v->screen) {
	case TOP_SYSTEM:
		r.kind = REQ_SYS;
		break;
	case TOP_PROCESS:
		r.kind = REQ_PROC;
		break;
	case TOP_PAGEMAP: {
		const struct top_vma *vm = NULL;

		pthread_mutex_lock(&t->lock);
		if (t->proc && t->proc->pid == v->pid)
			vm = top_vma_at(t->proc, v->vma_start);
		if (vm)
			r.vma = *vm;
		pthread_mutex_unlock(&t->lock);
		if (!vm) {
			snprintf(v->msg, sizeof(v->msg), "the VMA is gone");
			return;
		}
		r.kind = REQ_PM;
		break;
	}
	case TOP_FOLIO:
		r.kind = REQ_FOLIO;
		r.start = v->folio_addr;
		r.end = t->col_end;	/* set with folio_addr */
		break;
	default:
		return;
	}
	pthread_mutex_lock(&t->lock);
	t->req = r;
	t->have_req = true;
	atomic_store(&t->cancel, 1);
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

/* ---- painting ------------------------------------------------------------------- */

static void init_styles(struct tui *t)
{
	static const struct { short fg, bg; attr_t extra; attr_t mono; } s[TS_NR] = {
		[TS_NORMAL] = { -1, -1, 0, 0 },
		[TS_TITLE] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
		[TS_HEAD] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE },
		[TS_SEL] = { -1, -1, A_REVERSE, A_REVERSE },
		[TS_HELP] = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
		[TS_MSG] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
		[TS_PUD] = { COLOR_MAGENTA, -1, A_BOLD, A_BOLD },
		[TS_PMD] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
		[TS_PTE] = { COLOR_YELLOW, -1, 0, 0 },
		[TS_BASE] = { COLOR_CYAN, -1, 0, 0 },
		[TS_NONE] = { -1, -1, A_DIM, A_DIM },
		[TS_MIXED] = { COLOR_WHITE, -1, A_BOLD, A_BOLD },
		[TS_WP] = { COLOR_BLUE, -1, A_BOLD, A_UNDERLINE },
		[TS_SWAP] = { COLOR_CYAN, -1, A_DIM, A_DIM },
		[TS_POISON] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_BLINK },
		[TS_BAR] = { COLOR_GREEN, -1, 0, A_BOLD },
	};
	bool color = has_colors() && start_color() == OK;
	int i;

	if (color)
		use_default_colors();
	for (i = 0; i < TS_NR; i++) {
		if (color && (s[i].fg != -1 || s[i].bg != -1) && i < COLOR_PAIRS &&
		    init_pair((short)i, s[i].fg, s[i].bg) == OK)
			t->attr[i] = COLOR_PAIR(i) | s[i].extra;
		else
			t->attr[i] = color ? s[i].extra : s[i].mono;
	}
}

static void paint(struct tui *t, const struct frame *f)
{
	int y, x, x0;

	for (y = 0; y < f->h; y++) {
		const char *ch = f->ch + (size_t)y * f->w;
		const unsigned char *st = f->st + (size_t)y * f->w;

		for (x = 0; x < f->w; x = x0) {
			for (x0 = x; x0 < f->w && st[x0] == st[x]; x0++)
				;
			attrset(t->attr[st[x]]);
			mvaddnstr(y, x, ch + x, x0 - x);
		}
	}
	attrset(A_NORMAL);
}

/* Renders the view from the models that match it, and paints it. */
static void redraw(struct tui *t)
{
	struct top_view *v = t->v;
	struct top_model m = { 0 };
	struct frame f;
	double t0 = now_ms();

	if (LINES < 1 || COLS < 1)
		return;
	frame_init(&f, COLS, LINES, false);
	pthread_mutex_lock(&t->lock);
	m.busy = t->busy || t->have_req;
	m.sys = t->sys;
	if (t->proc && t->proc->pid == v->pid)
		m.proc = t->proc;
	if (t->pm && t->pm->pid == v->pid && t->pm->vma.start == v->vma_start)
		m.pm = t->pm;
	if (t->folio && t->folio->pid == v->pid && t->folio->addr == v->folio_addr)
		m.folio = t->folio;
	top_render(t->g, &f, &m, v);
	pthread_mutex_unlock(&t->lock);
	paint(t, &f);
	refresh();
	frame_free(&f);
	v->draw_ms = now_ms() - t0;
}

/* ---- actions ---------------------------------------------------------------------- */

static void go(struct tui *t, enum top_screen s)
{
	t->v->screen = s;
	t->v->msg[0] = '\0';
	request(t);
}

static void ask(struct tui *t, enum input in, const char *question)
{
	t->input = in;
	t->line[0] = '\0';
	snprintf(t->v->prompt, sizeof(t->v->prompt), "%s", question);
}

/* Enter: one screen down, on the selected row or cell. */
static void enter(struct tui *t)
{
	struct top_view *v = t->v;
	bool ok = false;

	pthread_mutex_lock(&t->lock);
	if (v->screen == TOP_SYSTEM && t->sys) {
		struct top_proc *rows;
		size_t n = top_sys_rows(t->sys, v, &rows);

		if (n && v->sel[TOP_SYSTEM] < (int)n) {
			v->pid = rows[v->sel[TOP_SYSTEM]].pid;
			v->sel[TOP_PROCESS] = v->first[TOP_PROCESS] = 0;
			ok = true;
		}
		free(rows);
	} else if (v->screen == TOP_PROCESS && t->proc && t->proc->pid == v->pid) {
		size_t *rows, n = top_proc_rows(t->proc, v, &rows);

		if (n && v->sel[TOP_PROCESS] < (int)n) {
			v->vma_start = v->cursor = t->proc->v[rows[v->sel[TOP_PROCESS]]].start;
			v->zoom = 0;
			v->marking = false;
			v->first[TOP_PAGEMAP] = 0;
			ok = true;
		}
		free(rows);
	} else if (v->screen == TOP_PAGEMAP && t->pm && t->pm->vma.start == v->vma_start &&
		   !t->pm->err[0]) {
		uint64_t cb = top_cell_bytes(t->pm, v);
		uint64_t a = t->pm->vma.start + (v->cursor - t->pm->vma.start) / cb * cb;

		v->folio_addr = a;
		t->col_end = a + cb < t->pm->vma.end ? a + cb : t->pm->vma.end;
		v->first[TOP_FOLIO] = v->sel[TOP_FOLIO] = 0;
		ok = true;
	}
	pthread_mutex_unlock(&t->lock);
	if (ok && v->screen < TOP_FOLIO)
		go(t, v->screen + 1);
}

static void back(struct tui *t)
{
	if (t->v->screen > TOP_SYSTEM)
		go(t, t->v->screen - 1);
}

/* The range 'c' would collapse on this screen; false if there is none. */
static bool collapse_range(struct tui *t, uint64_t *start, uint64_t *end)
{
	struct top_view *v = t->v;
	bool ok = false;

	pthread_mutex_lock(&t->lock);
	if (v->screen == TOP_PROCESS && t->proc && t->proc->pid == v->pid) {
		size_t *rows, n = top_proc_rows(t->proc, v, &rows);

		if (n && v->sel[TOP_PROCESS] < (int)n) {
			*start = t->proc->v[rows[v->sel[TOP_PROCESS]]].start;
			*end = t->proc->v[rows[v->sel[TOP_PROCESS]]].end;
			ok = true;
		}
		free(rows);
	} else if (v->screen == TOP_PAGEMAP && t->pm && t->pm->vma.start == v->vma_start) {
		uint64_t cb = top_cell_bytes(t->pm, v), s0 = t->pm->vma.start;
		uint64_t a = v->cursor, b = v->marking ? v->mark : v->cursor;

		if (a > b) {
			uint64_t x = a;

			a = b;
			b = x;
		}
		*start = s0 + (a - s0) / cb * cb;
		*end = s0 + ((b - s0) / cb + 1) * cb;
		if (*end > t->pm->vma.end)
			*end = t->pm->vma.end;
		ok = true;
	}
	pthread_mutex_unlock(&t->lock);
	return ok;
}

static void do_collapse(struct tui *t)
{
	char a[32];
	int ret;

	snprintf(t->v->msg, sizeof(t->v->msg), "collapsing %" PRIx64 "-%" PRIx64 "...",
		 t->col_start, t->col_end);
	redraw(t);
	ret = top_collapse(t->v->pid, t->col_start, t->col_end);
	if (ret)
		snprintf(t->v->msg, sizeof(t->v->msg), "collapse %" PRIx64 "-%" PRIx64 " failed: %s "
			 "(%s)", t->col_start, t->col_end, errno_name(ret),
			 strerror(-ret));
	else
		snprintf(t->v->msg, sizeof(t->v->msg), "collapse %" PRIx64 "-%" PRIx64 " (%s): ok",
			 t->col_start, t->col_end,
			 fmt_size(t->g, t->col_end - t->col_start, a, sizeof(a)));
	request(t);
}

static void goto_addr(struct tui *t, uint64_t addr)
{
	struct top_view *v = t->v;
	const struct top_vma *vm;
	size_t *rows, n, i;

	pthread_mutex_lock(&t->lock);
	vm = t->proc && t->proc->pid == v->pid ? top_vma_at(t->proc, addr) : NULL;
	if (!vm) {
		pthread_mutex_unlock(&t->lock);
		snprintf(v->msg, sizeof(v->msg), "no VMA holds %" PRIx64, addr);
		return;
	}
	if (v->screen == TOP_PROCESS) {
		v->filter[TOP_PROCESS][0] = '\0';
		n = top_proc_rows(t->proc, v, &rows);
		for (i = 0; i < n; i++)
			if (&t->proc->v[rows[i]] == vm)
				v->sel[TOP_PROCESS] = (int)i;
		free(rows);
		pthread_mutex_unlock(&t->lock);
		return;
	}
	v->cursor = addr;
	v->marking = false;
	if (vm->start != v->vma_start) {
		v->vma_start = vm->start;
		v->zoom = 0;
		pthread_mutex_unlock(&t->lock);
		request(t);
		return;
	}
	pthread_mutex_unlock(&t->lock);
}

/* A line being typed (filter, delay, address) or a y/n answer. */
static void input_key(struct tui *t, int ch)
{
	struct top_view *v = t->v;
	size_t len = strlen(t->line);
	enum input in = t->input;

	if (in == IN_CONFIRM) {
		t->input = IN_NONE;
		v->prompt[0] = '\0';
		if (ch == 'y' || ch == 'Y')
			do_collapse(t);
		else
			snprintf(v->msg, sizeof(v->msg), "collapse cancelled");
		return;
	}
	if (ch == 27) {
		t->input = IN_NONE;
		v->prompt[0] = '\0';
		return;
	}
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (len)
			t->line[len - 1] = '\0';
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		t->input = IN_NONE;
		v->prompt[0] = '\0';
		if (in == IN_FILTER) {
			snprintf(v->filter[v->screen], sizeof(v->filter[0]), "%s", t->line);
			v->sel[v->screen] = v->first[v->screen] = 0;
			snprintf(v->msg, sizeof(v->msg), t->line[0] ? "filter '%s'" : "no filter%s",
				 t->line);
		} else if (in == IN_DELAY) {
			if (top_parse_delay(t->line, &v->interval))
				snprintf(v->msg, sizeof(v->msg), "invalid delay '%s' (0.1 to 3600)",
					 t->line);
		} else if (in == IN_GOTO) {
			uint64_t addr;

			if (parse_addr(t->line, &addr))
				snprintf(v->msg, sizeof(v->msg), "invalid address '%s'", t->line);
			else
				goto_addr(t, addr);
		}
		return;
	} else if (ch >= ' ' && ch < 127 && len + 1 < sizeof(t->line)) {
		t->line[len] = (char)ch;
		t->line[len + 1] = '\0';
	}
	{
		const char *q = in == IN_FILTER ? "filter: " : in == IN_DELAY ? "delay (seconds): " :
				"address (hex): ";

		snprintf(v->prompt, sizeof(v->prompt), "%s%s_", q, t->line);
	}
}

/* Moves the page-map cursor by @cells (clamped to the VMA). */
static void move_cursor(struct tui *t, int64_t cells)
{
	struct top_view *v = t->v;
	uint64_t cb, s0, e0, idx, n;

	pthread_mutex_lock(&t->lock);
	if (!t->pm || t->pm->vma.start != v->vma_start) {
		pthread_mutex_unlock(&t->lock);
		return;
	}
	cb = top_cell_bytes(t->pm, v);
	s0 = t->pm->vma.start;
	e0 = t->pm->vma.end;
	pthread_mutex_unlock(&t->lock);
	n = (e0 - s0 + cb - 1) / cb;
	idx = (v->cursor - s0) / cb;
	if (cells < 0)
		idx = (uint64_t)-cells > idx ? 0 : idx + cells;
	else
		idx = idx + cells >= n ? n - 1 : idx + cells;
	v->cursor = s0 + idx * cb;
}

static void key(struct tui *t, int ch)
{
	struct top_view *v = t->v;
	int cpl = top_cells_per_line(COLS), page = v->rows_per_page > 1 ? v->rows_per_page : 1;
	uint64_t s, e;
	char a[32], q[160];

	v->msg[0] = '\0';
	if (v->screen == TOP_PAGEMAP) {
		switch (ch) {
		case KEY_LEFT: case 'h': move_cursor(t, -1); return;
		case KEY_RIGHT: case 'l': move_cursor(t, 1); return;
		case KEY_UP: case 'k': move_cursor(t, -cpl); return;
		case KEY_DOWN: case 'j': move_cursor(t, cpl); return;
		case KEY_PPAGE: move_cursor(t, -(int64_t)cpl * page); return;
		case KEY_NPAGE: case ' ': move_cursor(t, (int64_t)cpl * page); return;
		case KEY_HOME: move_cursor(t, INT32_MIN); return;
		case KEY_END: move_cursor(t, INT32_MAX); return;
		case '+': case '=':
			if (v->zoom > 0)
				v->zoom--;
			return;
		case '-': case 'z':
			if (v->zoom < 30)
				v->zoom++;
			return;
		case 'v':
			v->marking = !v->marking;
			v->mark = v->cursor;
			snprintf(v->msg, sizeof(v->msg), v->marking ?
				 "marking: move, then c to collapse the range; v again to stop" :
				 "mark cleared");
			return;
		}
	} else {
		switch (ch) {
		case KEY_UP: case 'k': v->sel[v->screen]--; return;
		case KEY_DOWN: case 'j': v->sel[v->screen]++; return;
		case KEY_PPAGE: v->sel[v->screen] -= page; return;
		case KEY_NPAGE: case ' ': v->sel[v->screen] += page; return;
		case KEY_HOME: v->sel[v->screen] = 0; return;
		case KEY_END: v->sel[v->screen] = INT32_MAX / 2; return;
		}
	}
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER:
		enter(t);
		break;
	case 27: case KEY_BACKSPACE: case 127: case 8: case KEY_LEFT:
		back(t);
		break;
	case 'r':
		request(t);
		snprintf(v->msg, sizeof(v->msg), "refreshing");
		break;
	case 'd':
		ask(t, IN_DELAY, "delay (seconds): _");
		break;
	case '/':
		if (v->screen <= TOP_PROCESS)
			ask(t, IN_FILTER, "filter: _");
		else
			snprintf(v->msg, sizeof(v->msg), "filter applies to the process and VMA lists");
		break;
	case 's':
		if (v->screen == TOP_SYSTEM) {
			v->sort = (v->sort + 1) % NR_SORTS;
			snprintf(v->msg, sizeof(v->msg), "sorted by %s", top_sort_name(v->sort));
		}
		break;
	case 'g':
		if (v->screen == TOP_PROCESS || v->screen == TOP_PAGEMAP)
			ask(t, IN_GOTO, "address (hex): _");
		else
			snprintf(v->msg, sizeof(v->msg), "open a process first (Enter)");
		break;
	case 'c':
		if (!collapse_range(t, &s, &e)) {
			snprintf(v->msg, sizeof(v->msg), "nothing to collapse here: select a VMA or "
				 "a page-map range");
			break;
		}
		t->col_start = s;
		t->col_end = e;
		snprintf(q, sizeof(q), "MADV_COLLAPSE %" PRIx64 "-%" PRIx64 " (%s) of process %d? "
			 "[y/N]", s, e, fmt_size(t->g, e - s, a, sizeof(a)), (int)v->pid);
		ask(t, IN_CONFIRM, q);
		break;
	case KEY_RESIZE:
		break;
	}
}

/*
 * An Esc with more bytes right behind it is a key whose sequence the terminfo
 * entry does not know (a TERM that does not match the terminal): swallow it
 * rather than take it for Esc.
 */
static bool unknown_sequence(void)
{
	bool more = false;

	nodelay(stdscr, TRUE);
	while (getch() != ERR)
		more = true;
	nodelay(stdscr, FALSE);
	return more;
}

/* ---- set-up and tear-down ------------------------------------------------------------ */

/*
 * Messages written while the screen is in curses mode (err() on the way out,
 * from either thread) would vanish with the alternate screen: stderr goes to
 * a file meanwhile and is replayed once the terminal is back.
 */
static void hold_stderr(void)
{
	held_stderr = tmpfile();
	if (held_stderr) {
		fflush(stderr);
		saved_stderr = dup(STDERR_FILENO);
		if (saved_stderr < 0 || dup2(fileno(held_stderr), STDERR_FILENO) < 0) {
			fclose(held_stderr);
			held_stderr = NULL;
		}
	}
}

static void release_stderr(void)
{
	char buf[4096];
	size_t n;

	if (!held_stderr)
		return;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(held_stderr);
	while ((n = fread(buf, 1, sizeof(buf), held_stderr)) > 0)
		if (write(STDERR_FILENO, buf, n) < 0)
			break;
	fclose(held_stderr);
	held_stderr = NULL;
}

static void restore_terminal(void)
{
	if (curses_on) {
		curses_on = false;
		endwin();
	}
	release_stderr();
}

static void on_signal(int sig)
{
	got_signal = sig;
}

int top_tui(struct hgmctl *g, struct top_view *v)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = on_signal };
	struct tui *t = &T;
	double next;
	size_t i;
	int ch;

	t->g = g;
	t->v = v;
	v->tui = true;
	/* before initscr, so ncurses keeps ours: every way out goes through endwin */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	atexit(restore_terminal);
	setlocale(LC_CTYPE, "");
	hold_stderr();
	if (!initscr())
		errx(EXIT_ERROR, "top: cannot initialise the terminal");
	curses_on = true;
	cbreak();		/* not raw: ^C stays a signal */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	timeout(100);
	init_styles(t);

	if (pthread_create(&t->worker, NULL, worker_main, t)) {
		restore_terminal();
		errx(EXIT_ERROR, "top: cannot start the scanning thread");
	}
	t->worker_started = true;
	request(t);
	next = now_ms() + v->interval * 1000;
	while (!got_signal) {
		bool busy;

		/* ncurses sends only what changed: redrawing each turn is cheap */
		redraw(t);
		/* while a scan runs, look for its results more often */
		pthread_mutex_lock(&t->lock);
		busy = t->busy || t->have_req;
		pthread_mutex_unlock(&t->lock);
		timeout(busy ? 20 : 100);
		ch = getch();
		if (got_signal)
			break;
		if (ch == ERR) {
			if (now_ms() >= next && t->input == IN_NONE) {
				request(t);
				next = now_ms() + v->interval * 1000;
			}
			continue;
		}
		if (t->input != IN_NONE) {
			input_key(t, ch);
			continue;
		}
		if (ch == 'q' || ch == 'Q')
			break;
		if (ch == 27 && unknown_sequence())
			continue;
		key(t, ch);
		if (ch == 'r')
			next = now_ms() + v->interval * 1000;
	}
	restore_terminal();

	pthread_mutex_lock(&t->lock);
	t->quit = true;
	atomic_store(&t->cancel, 1);
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->worker, NULL);
	top_sys_free(t->sys);
	free(t->sys);
	top_procview_free(t->proc);
	free(t->proc);
	top_pagemap_free(t->pm);
	free(t->pm);
	top_folio_free(t->folio);
	free(t->folio);
	if (got_signal) {
		/* die of the signal, as the shell expects of ^C */
		signal(got_signal, SIG_DFL);
		raise(got_signal);
	}
	return EXIT_OK;
}
