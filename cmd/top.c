// SPDX-License-Identifier: GPL-2.0-or-later
/* top.c - `hgmctl top`: options, one frame as text (--once), and the MADV_COLLAPSE action */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "top.h"
#include "commands.h"

/* MADV_COLLAPSE of [start, end) in @pid, through a pidfd (never a reused pid). */
static enum top_screen parse_screen(const char *s)
{
	int i;

	for (i = 0; i < TOP_NR_SCREENS; i++)
		if (strcmp(s, top_screen_name(i)) == 0)
			return i;
	usage_error("top: unknown screen '%s' (system, process, pagemap, folio)", s);
}

static enum top_sort parse_sort(const char *s)
{
	int i;

	for (i = 0; i < NR_SORTS; i++)
		if (strcmp(s, top_sort_name(i)) == 0)
			return i;
	usage_error("top: unknown sort key '%s' (hugetlb, thp, pte, pid)", s);
}

static uint64_t addr_arg(const char *s)
{
	uint64_t addr;

	if (parse_addr(s, &addr))
		usage_error("top: invalid address '%s' (hexadecimal)", s);
	return addr;
}

/* Gathers what screen v->screen needs, in order, and prints it as one frame. */
static int top_once(struct hgmctl *g, struct top_view *v, long vma_idx, uint64_t addr,
		    int width)
{
	struct top_sys sys = { 0 };
	struct top_procview proc = { 0 };
	struct top_pagemap pm = { 0 };
	struct top_folio fo = { 0 };
	struct top_model m = { 0 };
	struct frame f;
	double t0 = now_ms(), t1;
	int rc = EXIT_OK;

	if (v->screen == TOP_SYSTEM) {
		top_gather_sys(g, &sys, NULL);
		m.sys = &sys;
		if (sys.err[0]) {
			warnx("%s", sys.err);
			rc = EXIT_ERROR;
		}
	} else {
		top_gather_proc(g, v->pid, &proc, NULL);
		m.proc = &proc;
		if (proc.err[0]) {
			warnx("%s", proc.err);
			rc = EXIT_ERROR;
		}
	}
	if (rc == EXIT_OK && v->screen >= TOP_PAGEMAP) {
		const struct top_vma *t;

		if (vma_idx >= 0) {
			if ((size_t)vma_idx >= proc.n)
				errx(EXIT_ERROR, "process %d has no VMA %ld", (int)v->pid, vma_idx);
			t = &proc.v[vma_idx];
		} else if (addr) {
			t = top_vma_at(&proc, addr);
			if (!t)
				errx(EXIT_ERROR, "no VMA of process %d holds 0x%" PRIx64, (int)v->pid,
				     addr);
		} else {
			t = top_default_vma(&proc);
			if (!t)
				errx(EXIT_ERROR, "process %d has no VMAs", (int)v->pid);
		}
		v->vma_start = t->start;
		v->cursor = addr ? addr : t->start;
		top_scan_pagemap(g, v->pid, t, &pm, NULL, NULL, NULL);
		m.pm = &pm;
		if (pm.err[0]) {
			warnx("%s", pm.err);
			rc = EXIT_ERROR;
		}
	}
	if (rc == EXIT_OK && v->screen == TOP_FOLIO) {
		/* the first block of the VMA holding something, unless --addr says where */
		uint64_t a = addr, cb = pm.block;
		size_t i;

		for (i = 0; !a && i < pm.ncells; i++)
			if (pm.cells[i])
				a = pm.vma.start + i * cb;
		if (!a)
			errx(EXIT_ERROR, "nothing is mapped in VMA %" PRIx64 "-%" PRIx64,
			     pm.vma.start, pm.vma.end);
		/* a block may begin with a hole: the first page mapped in it */
		top_gather_folio(g, v->pid, a, addr ? a + 1 : a + cb, &fo, NULL, NULL, NULL);
		v->folio_addr = a;
		m.folio = &fo;
		if (!fo.found) {
			warnx("%s", fo.err);
			rc = EXIT_ERROR;
		}
	}
	t1 = now_ms();
	if (rc == EXIT_OK) {
		frame_init(&f, width, 24, true);
		top_render(g, &f, &m, v);
		if (g->verbose)
			fprintf(stderr, "top: gathered in %.1f ms, rendered in %.2f ms\n", t1 - t0,
				now_ms() - t1);
		frame_print(&f, stdout);
		frame_free(&f);
	}
	top_sys_free(&sys);
	top_procview_free(&proc);
	top_pagemap_free(&pm);
	top_folio_free(&fo);
	return rc;
}

int cmd_top(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *screen = NULL, *sort = NULL, *filter = NULL, *addr_s = NULL, *delay = NULL;
	char *vma_s = NULL, *zoom_s = NULL, *width_s = NULL;
	int once = 0, width = 80, zoom = 0;
	long vma_idx = -1;
	const struct poptOption options[] = {
		{ "once", 0, POPT_ARG_NONE, &once, 0,
		  "print one frame as text and exit (scripts, tests)", NULL },
		{ "screen", 0, POPT_ARG_STRING, &screen, 0,
		  "with --once: system, process, pagemap or folio", "NAME" },
		{ "delay", 'd', POPT_ARG_STRING, &delay, 0,
		  "refresh every SECONDS (default 2)", "SECONDS" },
		{ "sort", 's', POPT_ARG_STRING, &sort, 0,
		  "order processes by hugetlb, thp, pte or pid", "KEY" },
		{ "filter", 'f', POPT_ARG_STRING, &filter, 0,
		  "processes whose command contains TEXT (or PID TEXT); VMAs of kind TEXT "
		  "or whose name contains it", "TEXT" },
		{ "vma", 0, POPT_ARG_STRING, &vma_s, 0,
		  "with --once: the VMA of the page map (vma:N of maps)", "N" },
		{ "addr", 'a', POPT_ARG_STRING, &addr_s, 0,
		  "with --once: the VMA, page-map cursor and folio at this address", "ADDR" },
		{ "zoom", 'z', POPT_ARG_STRING, &zoom_s, 0,
		  "page map: 2^N hugepage blocks per cell", "N" },
		{ "width", 'w', POPT_ARG_STRING, &width_s, 0, "with --once: columns (default 80)", "N" },
		POPT_TABLEEND
	};
	struct top_view v = { .interval = 2.0 };
	uint64_t addr = 0;
	const char *arg;
	poptContext pc;
	int rc;

	pc = hgmctl_parse(g, cmd, argc, argv, options);
	arg = poptGetArg(pc);
	if (arg)
		v.pid = pid_arg(arg);
	if (g->json)
		usage_error("top: draws screens; for JSON use status, maps, pagemap or rmap");
	if (delay && top_parse_delay(delay, &v.interval))
		usage_error("top: invalid delay '%s' (seconds, 0.1 to 3600)", delay);
	if (sort)
		v.sort = parse_sort(sort);
	/* the filter is for the list of the first screen */
	if (addr_s)
		addr = addr_arg(addr_s);
	/* popt's own integers take blanks, signs and octal: these are strings */
	if (vma_s)
		vma_idx = num_arg("top", "--vma", vma_s, 0, INT_MAX);
	if (zoom_s)
		zoom = num_arg("top", "--zoom", zoom_s, 0, 30);
	v.zoom = zoom;
	if (width_s)
		width = num_arg("top", "--width", width_s, 40, 1000);
	v.screen = v.pid ? TOP_PROCESS : TOP_SYSTEM;
	if (screen)
		v.screen = parse_screen(screen);
	if (screen && !once)
		usage_error("top: --screen goes with --once (the view starts at the process "
			    "screen when given a PID)");
	if (v.screen != TOP_SYSTEM && !v.pid)
		usage_error("top: the %s screen needs a PID", top_screen_name(v.screen));
	if ((vma_idx >= 0 || addr) && !v.pid)
		usage_error("top: --vma and --addr need a PID");
	v.verbose = g->verbose;

	if (filter)
		snprintf(v.filter[v.screen], sizeof(v.filter[0]), "%s", filter);
	if (once) {
		rc = top_once(g, &v, vma_idx, addr, width);
	} else {
#ifdef HAVE_NCURSES
		if (addr || vma_idx >= 0)
			usage_error("top: --addr and --vma go with --once (in the view: g ADDR)");
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
			errx(EXIT_ERROR, "top: needs a terminal; use --once for text output");
		rc = top_tui(g, &v);
#else
		errx(EXIT_ERROR, "top: this hgmctl was built without ncurses "
		     "(configure --without-ncurses); only 'top --once' is available");
#endif
	}
	free(screen);
	free(sort);
	free(filter);
	free(addr_s);
	free(delay);
	free(vma_s);
	free(zoom_s);
	free(width_s);
	return rc;
}
