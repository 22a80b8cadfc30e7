// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * top-bench.c - `hgmctl bench top`: how long the views of `top` take on a
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

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

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

int bench_top(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
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
	double t0, gather, scan, copy_ms, r0 = 0, rmax = 0;
	struct frame f;
	char a[32], b[32];
	int fds[2], zoom, i, n = 0;
	size_t k;
	pid_t pid;

	hgmctl_parse(g, cmd, argc, argv, options, NULL, 0);
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

	t0 = now_ms();
	top_gather_proc(g, pid, &proc, NULL);
	gather = now_ms() - t0;
	for (k = 0; k < proc.n; k++)
		if (proc.v[k].start == addr)
			big = &proc.v[k];
	if (!big || proc.err[0]) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		errx(EXIT_ERROR, "bench top: %s", proc.err[0] ? proc.err : "VMA not found");
	}
	t0 = now_ms();
	top_scan_pagemap(g, pid, big, &pm, NULL, NULL, NULL);
	scan = now_ms() - t0;
	/* what the scanning thread does under the lock at each publication */
	t0 = now_ms();
	top_pagemap_copy(&copy, &pm);
	copy_ms = now_ms() - t0;
	top_pagemap_free(&copy);

	/* frames of 80x24 at every zoom, from the top and from deep inside the VMA */
	m.proc = &proc;
	m.pm = &pm;
	v.pid = pid;
	v.vma_start = big->start;
	frame_init(&f, 80, 24, false);
	for (zoom = 0; zoom <= 20; zoom++) {
		for (i = 0; i < 8; i++) {
			v.zoom = zoom;
			v.cursor = big->start + (big->end - big->start) / 8 * i;
			v.first[TOP_PAGEMAP] = 0;
			t0 = now_ms();
			top_render(g, &f, &m, &v);
			t0 = now_ms() - t0;
			if (zoom == 0 && i == 0)
				r0 = t0;
			if (t0 > rmax)
				rmax = t0;
			n++;
		}
	}
	frame_free(&f);
	printf("process: %s VMA, %s THP (a quarter split to PTEs), %zu VMAs\n",
	       fmt_size(g, big->end - big->start, a, 32), fmt_size(g, thp, b, 32), proc.n);
	printf("process screen (smaps + THP level scan):  %8.2f ms\n", gather);
	printf("page map scan of the big VMA (%zu cells): %8.2f ms\n", pm.ncells, scan);
	printf("cells copied to the UI (under the lock):  %8.3f ms\n", copy_ms);
	printf("page-map frame 80x24, zoom 0:             %8.3f ms\n", r0);
	printf("page-map frame 80x24, slowest of %d (zoom 0-20): %8.3f ms\n", n, rmax);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	top_procview_free(&proc);
	top_pagemap_free(&pm);
	free(va_s);
	free(thp_s);
	return EXIT_OK;
}
