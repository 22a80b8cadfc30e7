// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-top.c - `hgmctl bench top`: how long the views of `top` take on a
 * process with a huge address space (1 TiB by default, NORESERVE) holding a
 * little THP, some of it split to PTEs.  Prints figures; asserts nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "top.h"
#include "commands.h"

/*
 * The child: one @va VMA, THP allowed on all of it; @thp bytes touched in four
 * chunks spread over it, and one 4K dropped from each 2M of the last chunk, so
 * that its PMDs are split to PTEs.  Reports its VMA's start on @fd.
 */
static void __attribute__((noreturn)) child(uint64_t va, uint64_t thp, int fd)
{
	uint64_t chunk = thp / 4, off, i, pmd = 2 << 20;
	char *p;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	p = mmap(NULL, va, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED || madvise(p, va, MADV_HUGEPAGE))
		_exit(1);
	for (i = 0; i < 4; i++) {
		char *c = p + (va - chunk) / 3 * i / pmd * pmd;

		for (off = 0; off < chunk; off += 4096)
			c[off] = 1;
		if (i == 3)
			for (off = 0; off < chunk; off += pmd)
				madvise(c + off, 4096, MADV_DONTNEED);
	}
	if (write(fd, &p, sizeof(p)) != sizeof(p))
		_exit(1);
	for (;;)
		pause();
}

#define RUNS	5
#define NZOOM	21

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void sort_ms(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
}

int cmd_bench_top(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *va_s = NULL, *thp_s = NULL;
	const struct poptOption options[] = {
		{ "va", 0, POPT_ARG_STRING, &va_s, 0, "address space to reserve (default 1T)",
		  "SIZE" },
		{ "thp", 0, POPT_ARG_STRING, &thp_s, 0, "THP to touch in it (default 256M)", "SIZE" },
		POPT_TABLEEND
	};
	struct top_view v = { .screen = TOP_PAGEMAP, .tui = true };
	struct top_procview proc = { 0 };
	struct top_pagemap pm = { 0 }, copy;
	struct top_model m = { 0 };
	const struct top_vma *big = NULL;
	uint64_t va, thp, addr = 0;
	double t0, gather[RUNS], scan[RUNS], copy_ms[RUNS], frames[NZOOM * 8];
	struct doc doc;
	struct detail *d = &doc.d;
	struct frame f;
	char a[32];
	int fds[2], zoom, i, r, n = 0;
	size_t k;
	pid_t pid;

	hgmctl_parse(g, cmd, argc, argv, options);
	va = va_s ? size_arg("bench top", "--va", va_s) : UINT64_C(1) << 40;
	thp = thp_s ? size_arg("bench top", "--thp", thp_s) : UINT64_C(256) << 20;
	if (thp < (UINT64_C(8) << 20) || thp * 2 > va)
		usage_error("bench top: --thp must be at least 8M and at most half of --va");
	if (pipe(fds))
		err(EXIT_ERROR, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		err(EXIT_ERROR, "fork");
	if (pid == 0) {
		close(fds[0]);
		child(va, thp, fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &addr, sizeof(addr)) != sizeof(addr)) {
		waitpid(pid, NULL, 0);
		errx(EXIT_ERROR, "bench top: the child could not map %s", fmt_size(g, va, a, 32));
	}
	close(fds[0]);

	/* the machine may be busy: the best of RUNS runs counts, the median is shown too */
	for (r = 0; r < RUNS; r++) {
		top_procview_free(&proc);
		t0 = now_ms();
		top_gather_proc(g, pid, &proc, NULL);
		gather[r] = now_ms() - t0;
	}
	for (k = 0; k < proc.n; k++)
		if (proc.v[k].start == addr)
			big = &proc.v[k];
	if (!big || proc.err[0]) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		errx(EXIT_ERROR, "bench top: %s", proc.err[0] ? proc.err : "VMA not found");
	}
	for (r = 0; r < RUNS; r++) {
		top_pagemap_free(&pm);
		t0 = now_ms();
		top_scan_pagemap(g, pid, big, &pm, NULL, NULL, NULL);
		scan[r] = now_ms() - t0;
		/* what the scanning thread does under the lock at each publication */
		t0 = now_ms();
		top_pagemap_copy(&copy, &pm);
		copy_ms[r] = now_ms() - t0;
		top_pagemap_free(&copy);
	}

	/* frames of 80x24 at every zoom, from the top and from deep inside the VMA */
	m.proc = &proc;
	m.pm = &pm;
	v.pid = pid;
	v.vma_start = big->start;
	frame_init(&f, 80, 24, false);
	for (zoom = 0; zoom < NZOOM; zoom++) {
		for (i = 0; i < 8; i++) {
			v.zoom = zoom;
			v.cursor = big->start + (big->end - big->start) / 8 * i;
			v.first[TOP_PAGEMAP] = 0;
			t0 = now_ms();
			top_render(g, &f, &m, &v);
			frames[n++] = now_ms() - t0;
		}
	}
	frame_free(&f);
	sort_ms(gather, RUNS);
	sort_ms(scan, RUNS);
	sort_ms(copy_ms, RUNS);
	sort_ms(frames, n);
	doc_begin(&doc, g, 0);
	print_size(d, "vma_size", "process: %s VMA", big->end - big->start);
	print_size(d, "thp", ", %s THP (a quarter split to PTEs)", thp);
	print_u64(d, "vmas", ", %s VMAs", proc.n);
	print_i64(d, "runs", "; best (median) of %s\n", RUNS);
	print_obj_open(d, "process_screen_ms", NULL);
	print_double(d, "best", "process screen (smaps + THP level scan):     %s", gather[0], 3, 2,
		     " ms");
	print_double(d, "median", " (%s)\n", gather[RUNS / 2], 3, 2, NULL);
	print_obj_close(d);
	print_obj_open(d, "pagemap_scan", NULL);
	print_u64(d, "cells", "page map scan of the big VMA, %s cells: ", pm.ncells);
	print_double(d, "best_ms", "%s", scan[0], 3, 2, " ms");
	print_double(d, "median_ms", " (%s)\n", scan[RUNS / 2], 3, 2, NULL);
	print_obj_close(d);
	print_obj_open(d, "copy_ms", NULL);
	print_double(d, "best", "its cells copied for the UI (under the lock): %s", copy_ms[0], 3,
		     3, " ms");
	print_double(d, "median", " (%s)\n", copy_ms[RUNS / 2], 3, 3, NULL);
	print_obj_close(d);
	print_obj_open(d, "frames", NULL);
	print_text(d, "page-map frames 80x24, ");
	print_i64(d, "count", "%s", n);
	print_i64(d, "max_zoom", " (zoom 0-%s)", NZOOM - 1);
	print_double(d, "median_ms", ": median %s", frames[n / 2], 3, 3, " ms");
	print_double(d, "p90_ms", ", 90% %s", frames[n * 9 / 10], 3, 3, " ms");
	print_double(d, "max_ms", ", max %s\n", frames[n - 1], 3, 3, " ms");
	print_obj_close(d);
	doc_end(&doc);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	top_procview_free(&proc);
	top_pagemap_free(&pm);
	free(va_s);
	free(thp_s);
	return EXIT_OK;
}
