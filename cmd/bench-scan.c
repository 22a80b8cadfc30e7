// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-scan.c - `hgmctl bench scan`: how fast the page scanner is, against
 * the floor (one PAGEMAP_SCAN walk) and the kernel's page-types and thpmaps
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "workload.h"

/*
 * Says in @why how a run of @argv failed: its status and the last line it
 * wrote to stderr (kept in @err), as "failed: exit 1: hgmctl: ...".
 */
static void failure(char *why, size_t size, int status, FILE *err)
{
	char line[256] = "", last[256] = "";
	size_t n;

	if (err) {
		rewind(err);
		while (fgets(line, sizeof(line), err))
			if (line[0] != '\n')
				snprintf(last, sizeof(last), "%s", line);
	}
	n = strcspn(last, "\n");
	last[n] = '\0';
	if (status < 0)
		snprintf(why, size, "failed: cannot run it: %s", strerror(-status));
	else if (WIFSIGNALED(status))
		snprintf(why, size, "failed: killed by %s", strsignal(WTERMSIG(status)));
	else
		snprintf(why, size, "failed: exit %d%s%s", WEXITSTATUS(status), n ? ": " : "",
			 last);
}

/*
 * Runs @argv with stdout to /dev/null; returns its wall time in ms, or -1
 * if it failed, and then says why in @why; or -2 when one of @sigs came
 * first (*@sig: which; the run is killed).
 */
static double run_ms(char *const argv[], const sigset_t *sigs, int *sig, char *why, size_t size)
{
	FILE *err = tmpfile();
	double t0 = now_ms();
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		failure(why, size, -errno, NULL);
		if (err)
			fclose(err);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigprocmask(SIG_UNBLOCK, sigs, NULL);
		dup2(null, STDOUT_FILENO);
		dup2(err ? fileno(err) : null, STDERR_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	*sig = wait_child(pid, sigs, &status);
	if (*sig < 0)
		status = -ECHILD;
	t0 = *sig > 0 ? -2 : now_ms() - t0;
	if (t0 >= 0 && (status < 0 || !WIFEXITED(status) ||
			(WEXITSTATUS(status) != EXIT_OK && WEXITSTATUS(status) != EXIT_PARTIAL))) {
		failure(why, size, status, err);
		t0 = -1;
	}
	if (err)
		fclose(err);
	return t0;
}

struct contender {
	const char *name;
	double best;		/* ms, -1: not run or failed */
	const char *why;	/* why it did not run */
	char buf[320];		/* what why points to, when it is said here */
	const struct contender *floor;
};

enum { COL_NAME, COL_TIME, COL_VS_FLOOR, COL_SKIPPED };

static const struct colinfo cols[] = {
	[COL_NAME] = { "CONTENDER", 32, 0, NULL, "name", CT_STR },
	[COL_TIME] = { "TIME", 10, SCOLS_FL_RIGHT, NULL, "best_ms", CT_DOUBLE, 0, 3, 2, " ms" },
	[COL_VS_FLOOR] = { "VS-FLOOR", 9, SCOLS_FL_RIGHT, NULL, "ratio_to_floor", CT_DOUBLE,
			   CJ_OMIT, 2, 1, "x" },
	[COL_SKIPPED] = { "SKIPPED", 0.3, SCOLS_FL_TRUNC, NULL, "skipped", CT_STR,
			  CJ_OMIT | CJ_BLANK },
};

#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static const int order[] = { COL_NAME, COL_TIME, COL_VS_FLOOR, COL_SKIPPED };

static void fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct contender *r = row;

	switch (col) {
	case COL_NAME: c->s = r->name; break;
	case COL_TIME: c->known = r->best >= 0; c->d = r->best; break;
	case COL_VS_FLOOR:
		c->known = r->best >= 0 && r->floor->best > 0;
		c->d = c->known ? r->best / r->floor->best : 0;
		break;
	case COL_SKIPPED:
		/* in text in parentheses, as a remark on the row */
		c->known = r->best < 0;
		c->s = r->why;
		snprintf(c->buf, sizeof(c->buf), "(%s)", r->why ? r->why : "");
		c->text = c->buf;
		break;
	}
}

/* Progress on stderr: a line rewritten on a terminal; with -v elsewhere, a line per contender. */
static void progress(const struct hgmctl *g, const struct contender *c, int run, int runs)
{
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\rbench scan: %s, run %d of %d\033[K", c->name, run + 1, runs);
	else if (g->verbose && run == 0)
		fprintf(stderr, "bench scan: %s, %d runs\n", c->name, runs);
}

/* Returns 0, or the signal of @sigs that interrupted it. */
static int best_of(const struct hgmctl *g, struct contender *c, char *const argv[], int runs,
		   const sigset_t *sigs)
{
	int i, sig = 0;

	c->best = -1;
	for (i = 0; i < runs; i++) {
		double t;

		progress(g, c, i, runs);
		t = run_ms(argv, sigs, &sig, c->buf, sizeof(c->buf));
		if (t == -2)
			return sig;
		if (t < 0) {
			c->best = -1;
			c->why = c->buf;
			return 0;
		}
		if (c->best < 0 || t < c->best)
			c->best = t;
	}
	return 0;
}

/*
 * The best of @runs in-process runs of @walk (a floor: no process started)
 * into @c; returns 0, or the signal of @sigs that came first.
 */
static int best_walk(const struct hgmctl *g, struct contender *c,
		     long (*walk)(const struct hgm_ctx *, pid_t), pid_t pid, int runs,
		     const sigset_t *sigs, const char *what)
{
	double best = -1;
	long got = 0;
	int i, sig = 0;

	for (i = 0; i < runs && !sig; i++) {
		double t0;

		progress(g, c, i, runs);
		sig = signal_pending(sigs);
		t0 = now_ms();
		got = walk(g->ctx, pid);
		if (got < 0)
			break;
		t0 = now_ms() - t0;
		if (best < 0 || t0 < best)
			best = t0;
	}
	c->best = got < 0 ? -1 : best;
	if (got == -ENOTTY) {
		c->why = "no PAGEMAP_SCAN in this kernel";
	} else if (got < 0) {
		proc_error_text(c->buf, sizeof(c->buf), (int)got, pid, what);
		c->why = c->buf;
	}
	return sig;
}

int cmd_bench_scan(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *page_types = NULL, *thpmaps = NULL, *hugetlb = NULL, *thp = NULL;
	char *runs_s = NULL;
	int runs = 5, rc = EXIT_OK, many_vmas = 0;
	const struct poptOption options[] = {
		{ "runs", 'n', POPT_ARG_STRING, &runs_s, 0, "runs of each contender; the best counts (5)",
		  "N" },
		{ "page-types", 0, POPT_ARG_STRING, &page_types, 0,
		  "the kernel's tools/mm/page-types, to compare with", "PATH" },
		{ "thpmaps", 0, POPT_ARG_STRING, &thpmaps, 0,
		  "the kernel's tools/mm/thpmaps, to compare with", "PATH" },
		{ "hugetlb", 0, POPT_ARG_STRING, &hugetlb, 0,
		  "hugetlb memory of the workload (default 1G)", "SIZE" },
		{ "thp", 0, POPT_ARG_STRING, &thp, 0,
		  "THP memory of the workload, half split to PTEs (default 4G)", "SIZE" },
		{ "many-vmas", 0, POPT_ARG_NONE, &many_vmas, 0,
		  "the split half cut into VMAs (about 2 per 2M), hugetlb shared with a child", NULL },
		POPT_TABLEEND
	};
	enum { C_FLOOR, C_PFNS, C_START, C_MAPS, C_MAPS_G, C_PAGEMAP, C_PAGE_TYPES, C_THPMAPS, NC };
	struct contender c[NC] = {
		[C_FLOOR] = { "one PAGEMAP_SCAN walk (floor)" },
		[C_PFNS] = { "the walk + PFNs of PTE-mapped pages" },
		[C_START] = { "hgmctl --version (startup)" },
		[C_MAPS] = { "hgmctl maps" },
		[C_MAPS_G] = { "hgmctl maps --granularity" },
		[C_PAGEMAP] = { "hgmctl pagemap" },
		[C_PAGE_TYPES] = { "page-types -p PID" },
		[C_THPMAPS] = { "thpmaps --pid PID --rollup" },
	};
	struct workload w = { 0 };
	struct doc doc;
	struct detail *d = &doc.d;
	struct rows r;
	const char *arg;
	char self[4096], pidbuf[16];
	sigset_t sigs;
	poptContext pc;
	pid_t pid;
	int i, ret, sig = 0;

	pc = hgmctl_parse(g, cmd, argc, argv, options);
	arg = poptGetArg(pc);
	if (runs_s)
		runs = num_arg("bench scan", "--runs", runs_s, 1, 1000000);
	if (arg && (hugetlb || thp || many_vmas))
		usage_error("bench scan: --hugetlb, --thp and --many-vmas shape the workload it "
			    "starts; with a PID it measures that process");
	if (arg)
		pid = pid_arg(arg);
	ret = hgm_self_exe(self, sizeof(self));
	if (ret)
		errx(EXIT_ERROR, "cannot find the hgmctl binary: %s", strerror(-ret));

	workload_block_signals(&sigs);
	if (!arg) {
		/* the reference workload of hgmctl(8), bench scan: 1G hugetlb, 4G THP half split */
		w.hugetlb = hugetlb ? size_arg("bench scan", "--hugetlb", hugetlb) : UINT64_C(1) << 30;
		w.page_size = UINT64_C(2) << 20;
		w.thp = thp ? size_arg("bench scan", "--thp", thp) : UINT64_C(4) << 30;
		w.many_vmas = many_vmas;
		workload_check(g, "bench scan", &w);
		if (workload_start(g, &w))
			return EXIT_ERROR;
		pid = w.pid;
	}
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);

	sig = best_walk(g, &c[C_FLOOR], hgm_pagemap_walk, pid, runs, &sigs,
			"pagemap (PAGEMAP_SCAN)");
	if (!sig)
		sig = best_walk(g, &c[C_PFNS], hgm_pagemap_walk_pfns, pid, runs, &sigs, "pagemap");
	{
		char *v[] = { self, "--version", NULL };
		char *m[] = { self, "maps", pidbuf, NULL };
		char *mg[] = { self, "maps", "--granularity", pidbuf, NULL };
		char *pm[] = { self, "pagemap", "-o", "ADDR,SIZE,LEVEL,KIND,ORDER,PFN,MAPCNT,FLAGS",
			       pidbuf, NULL };

		if (!sig)
			sig = best_of(g, &c[C_START], v, runs, &sigs);
		if (!sig)
			sig = best_of(g, &c[C_MAPS], m, runs, &sigs);
		if (!sig)
			sig = best_of(g, &c[C_MAPS_G], mg, runs, &sigs);
		if (!sig)
			sig = best_of(g, &c[C_PAGEMAP], pm, runs, &sigs);
	}
	if (sig) {
		/* the workload goes, and its pages back to the pool */
	} else if (page_types && access(page_types, X_OK) == 0) {
		char *pt[] = { page_types, "-p", pidbuf, NULL };

		sig = best_of(g, &c[C_PAGE_TYPES], pt, runs, &sigs);
	} else {
		c[C_PAGE_TYPES].best = -1;
		c[C_PAGE_TYPES].why = page_types ? "not executable" : "not given (--page-types)";
	}
	if (thpmaps && access(thpmaps, R_OK) == 0) {
		/* the system's python3, where Debian's numpy is, before any on PATH */
		char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
		char *tm[] = { py, thpmaps, "--pid", pidbuf, "--rollup", NULL };

		if (!sig)
			sig = best_of(g, &c[C_THPMAPS], tm, runs, &sigs);
	} else {
		c[C_THPMAPS].best = -1;
		c[C_THPMAPS].why = thpmaps ? "not readable" : "not given (--thpmaps)";
	}
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);	/* the progress line goes */
	if (sig) {
		warnx("interrupted by signal %d", sig);
		if (!arg)
			workload_stop(g, &w);
		rc = EXIT_ERROR;
		goto out;
	}

	doc_begin(&doc, g, 0);
	print_i64(d, "pid", "process %s", pid);
	if (!arg)
		print_str_as(d, "workload", " (%s)", many_vmas ? "many_vmas" : "merged_vmas",
			     many_vmas ? "many-VMA workload" : "merged-VMA workload");
	print_i64(d, "runs", ", best of %s runs each\n\n", runs);
	rows_begin(&r, g, d->w, "results", cols, NCOLS, order, NCOLS, fill, NULL);
	for (i = 0; i < NC; i++) {
		c[i].floor = &c[C_FLOOR];
		rows_add(&r, &c[i]);
	}
	rows_end(&r);
	/* a ratio of two rows above */
	if (c[C_PAGE_TYPES].best > 0 && c[C_MAPS_G].best > 0)
		print_text(d, "\nmaps --granularity is %.0fx faster than page-types\n",
			   c[C_PAGE_TYPES].best / c[C_MAPS_G].best);
	doc_end(&doc);
	if (!arg && workload_stop(g, &w))
		rc = EXIT_ERROR;
out:
	free(page_types);
	free(thpmaps);
	free(hugetlb);
	free(thp);
	free(runs_s);
	return rc;
}
