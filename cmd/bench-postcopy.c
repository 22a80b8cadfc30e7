// SPDX-License-Identifier: GPL-2.0-or-later
/* bench-postcopy.c - `hgmctl bench postcopy`: fault latency at 4K (HGM) against page size */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcsim.h"
#include "commands.h"
#include "workload.h"

/* ---- --threads: the fault path alone (faultbench.c) ------------------------- */

struct fb_row {
	struct pc_opts o;
	int threads;
	struct fb_result r;
	const char *skipped;	/* why it did not run, or NULL */
	bool ok;
};

enum { FC_MEMORY, FC_PAGE, FC_GRAN, FC_THREADS, FC_FAULTS, FC_P50, FC_P99, FC_RATE, FC_SKIPPED };
static const struct colinfo fb_cols[] = {
	[FC_MEMORY] = { "MEMORY", 8, 0, NULL, "memory", CT_STR },
	[FC_PAGE] = { "PAGE", 5, SCOLS_FL_RIGHT, NULL, "page_size", CT_SIZE },
	[FC_GRAN] = { "GRAN", 5, SCOLS_FL_RIGHT, NULL, "granularity", CT_SIZE },
	[FC_THREADS] = { "THREADS", 7, SCOLS_FL_RIGHT, NULL, "threads", CT_U64 },
	[FC_FAULTS] = { "FAULTS", 7, SCOLS_FL_RIGHT, NULL, "faults", CT_U64 },
	[FC_P50] = { "P50", 9, SCOLS_FL_RIGHT, NULL, "p50_us", CT_DOUBLE, 0, 3, 1, " us" },
	[FC_P99] = { "P99", 9, SCOLS_FL_RIGHT, NULL, "p99_us", CT_DOUBLE, 0, 3, 1, " us" },
	[FC_RATE] = { "FAULTS/S", 10, SCOLS_FL_RIGHT, NULL, "faults_per_sec", CT_DOUBLE, 0, 0, 0,
		      NULL },
	[FC_SKIPPED] = { "SKIPPED", 0.3, SCOLS_FL_TRUNC, NULL, "skipped", CT_STR, CJ_BLANK },
};
#define FB_NCOLS (sizeof(fb_cols) / sizeof(fb_cols[0]))
static const int fb_order[] = {
	FC_MEMORY, FC_PAGE, FC_GRAN, FC_THREADS, FC_FAULTS, FC_P50, FC_P99, FC_RATE, FC_SKIPPED,
};

static double fb_rate(const struct fb_row *r)
{
	return r->ok && r->r.wall_ns ? (double)r->r.faults * 1e9 / (double)r->r.wall_ns : 0;
}

static void fb_fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct fb_row *r = row;

	(void)arg;
	switch (col) {
	case FC_MEMORY: c->s = r->o.shmem ? "shmem" : "hugetlb"; break;
	case FC_PAGE: c->known = !r->o.shmem; c->u = r->o.page_size; break;
	case FC_GRAN: c->u = r->o.gran; break;
	case FC_THREADS: c->u = (uint64_t)r->threads; break;
	case FC_FAULTS: c->known = r->ok; c->u = r->r.faults; break;
	case FC_P50: c->known = r->ok && r->r.faults; c->d = (double)r->r.p50 / 1e3; break;
	case FC_P99: c->known = r->ok && r->r.faults; c->d = (double)r->r.p99 / 1e3; break;
	case FC_RATE: c->known = r->ok && r->r.wall_ns; c->d = fb_rate(r); break;
	case FC_SKIPPED: c->known = !r->ok; c->s = r->skipped ? r->skipped : "failed"; break;
	}
}

/* @num over @den of the rows' figure @p50 (else faults/s), as JSON @key and a text line. */
static void fb_ratio(struct detail *d, const char *key, const char *label, const struct fb_row *num,
		     const struct fb_row *den, bool p50)
{
	double x = 0, y = 0;

	if (num && den && num->ok && den->ok) {
		x = p50 ? (double)num->r.p50 : fb_rate(num);
		y = p50 ? (double)den->r.p50 : fb_rate(den);
	}
	if (x > 0 && y > 0)
		print_double(d, key, label, x / y, 2, 2, "x\n");
	else
		print_null(d, key, label, "unavailable\n");
}

static int bench_fault_path(struct hgmctl *g, const struct pc_opts *base, int threads,
			    const sigset_t *sigs)
{
	struct fb_row row[6];
	struct fb_row *shm1 = NULL, *hgm1 = NULL, *hgmn = NULL, *whole = NULL;
	char why[320], x[32], y[32], label[160];
	struct doc doc;
	struct detail *d = &doc.d;
	struct rows rw;
	int n = 0, i, rc = EXIT_OK;
	uint64_t gran = base->gran == base->page_size ? SMALL_PAGE : base->gran;

	memset(row, 0, sizeof(row));
	/* the floor: shmem at 4K, what 6.12 does without hugepages */
	row[n].o = *base;
	row[n].o.shmem = true;
	row[n].o.gran = SMALL_PAGE;
	row[n++].threads = 1;
	if (threads > 1) {
		row[n] = row[n - 1];
		row[n++].threads = threads;
	}
	row[n].o = *base;
	row[n].o.gran = gran;
	row[n++].threads = 1;
	if (threads > 1) {
		row[n] = row[n - 1];
		row[n++].threads = threads;
	}
	row[n].o = *base;
	row[n].o.gran = base->page_size;
	row[n++].threads = 1;

	for (i = 0; i < n; i++) {
		struct fb_row *r = &row[i];

		r->skipped = kernel_refusal(g, &r->o, why, sizeof(why));
		if (r->skipped) {
			r->skipped = strdup(why);
			continue;
		}
		if (g->verbose || isatty(STDERR_FILENO))
			fprintf(stderr, "bench postcopy: %s, %s pieces, %d thread%s\n",
				r->o.shmem ? "shmem" : fmt_size(g, r->o.page_size, x, sizeof(x)),
				fmt_size(g, r->o.gran, y, sizeof(y)), r->threads,
				r->threads == 1 ? "" : "s");
		r->ok = fault_bench_run(g, &r->o, r->threads, &r->r, sigs) == 0;
		if (!r->ok && r->r.err == EOPNOTSUPP) {
			snprintf(why, sizeof(why), "the MINOR registration with HGM left the %s "
				 "hugetlb VMA without \"hm\" in smaps: this kernel's HGM does not "
				 "cover %s pages", fmt_size(g, r->o.page_size, y, sizeof(y)), y);
			r->skipped = strdup(why);
			continue;
		}
		if (!r->ok && r->r.err == EINVAL && r->o.gran < r->o.page_size && !r->o.shmem) {
			/* the kernel offers HGM, but not for this page size */
			snprintf(why, sizeof(why), "UFFDIO_CONTINUE of %s on %s pages is EINVAL: "
				 "this kernel's HGM does not cover %s pages",
				 fmt_size(g, r->o.gran, x, sizeof(x)),
				 fmt_size(g, r->o.page_size, y, sizeof(y)), y);
			r->skipped = strdup(why);
			continue;
		}
		if (!r->ok) {
			rc = EXIT_ERROR;
			for (i++; i < n; i++)
				row[i].skipped = strdup("not run: the run before failed");
			break;
		}
	}
	for (i = 0; i < n; i++) {
		if (row[i].o.shmem && row[i].threads == 1)
			shm1 = &row[i];
		else if (!row[i].o.shmem && row[i].o.gran == row[i].o.page_size)
			whole = &row[i];
		else if (!row[i].o.shmem && row[i].threads == 1)
			hgm1 = &row[i];
		else if (!row[i].o.shmem)
			hgmn = &row[i];
	}

	doc_begin(&doc, g, 16);
	print_size(d, "size", "fault path: %s of guest memory", base->size);
	print_size(d, "page_size", " in %s hugetlb pages", base->page_size);
	print_i64(d, "threads", ", up to %s vCPU threads", threads);
	print_text(d, " on the same hugepages, each mapping (UFFDIO_CONTINUE) what it touches; no link\n\n");
	rows_begin(&rw, g, d->w, "runs", fb_cols, FB_NCOLS, fb_order, FB_NCOLS, fb_fill, NULL);
	for (i = 0; i < n; i++)
		rows_add(&rw, &row[i]);
	rows_end(&rw);
	print_text(d, "\n");
	fmt_size(g, gran, x, sizeof(x));
	fmt_size(g, base->page_size, y, sizeof(y));
	snprintf(label, sizeof(label), "p50, hugetlb %s in %s pieces over shmem 4K: %%s", y, x);
	fb_ratio(d, "p50_over_shmem", label, hgm1, shm1, true);
	snprintf(label, sizeof(label), "faults/s, %d threads over 1 (%s pieces): %%s", threads, x);
	fb_ratio(d, "threads_speedup", label, hgmn, hgm1, false);
	snprintf(label, sizeof(label), "p50, whole %s over %s pieces: %%s", y, x);
	fb_ratio(d, "whole_over_piece_p50", label, whole, hgm1, true);
	doc_end(&doc);
	for (i = 0; i < n; i++)
		free((void *)row[i].skipped);
	return rc;
}

/* ---- the simulation at 4K and at page size -------------------------------------- */

int cmd_bench_postcopy(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	struct pc_args a = { .vcpus = 2 };
	char *threads_s = NULL;
	const struct poptOption options[] = {
		PC_COMMON_OPTIONS(a),
		{ "granularity", 'g', POPT_ARG_STRING, &a.gran, 0,
		  "with --threads: the pieces, 4K or 2M (default 4K)", "SIZE" },
		{ "threads", 't', POPT_ARG_STRING, &threads_s, 0,
		  "the fault path alone: 1 and N vCPU threads on the same hugepages", "N" },
		POPT_TABLEEND
	};
	struct { struct pc_opts o; struct pc_result r; const char *skipped; bool ok; } run[2];
	char why[320], x[32], y[32], label[64];
	struct doc doc;
	struct detail *d = &doc.d;
	struct pc_opts o;
	sigset_t sigs;
	int i, rc = EXIT_OK;
	double ratio = 0;

	hgmctl_parse(g, cmd, argc, argv, options);
	if (threads_s) {
		int threads = num_arg("bench postcopy", "--threads", threads_s, 1, 64);
		uint64_t gran = SMALL_PAGE;

		if (a.gran) {
			gran = size_arg("bench postcopy", "--granularity", a.gran);
			free(a.gran);
			a.gran = NULL;	/* pc_opts_from() knows 4K and the page size only */
		}
		/* the fault path: 8 hugepages by default, not a whole guest */
		if (!a.size) {
			uint64_t ps = a.page_size ? size_arg("bench postcopy", "--page-size",
							     a.page_size) : UINT64_C(2) << 20;
			char s8[32];

			snprintf(s8, sizeof(s8), "%" PRIu64, ps >= (UINT64_C(1) << 30) ? ps : 8 * ps);
			a.size = strdup(s8);
		}
		pc_opts_from(g, "bench postcopy", &a, &o);
		if (gran != SMALL_PAGE && gran != (UINT64_C(2) << 20) && gran != o.page_size)
			usage_error("bench postcopy: --granularity must be 4K, 2M or the page size");
		if (gran > o.page_size)
			usage_error("bench postcopy: --granularity is larger than --page-size");
		o.gran = gran;
		workload_block_signals(&sigs);
		rc = bench_fault_path(g, &o, threads, &sigs);
		pc_args_free(&a);
		free(threads_s);
		return rc;
	}
	if (a.gran)
		usage_error("bench postcopy: --granularity goes with --threads (the simulation "
			    "runs 4K and the page size)");
	pc_opts_from(g, "bench postcopy", &a, &o);
	workload_block_signals(&sigs);
	memset(run, 0, sizeof(run));
	for (i = 0; i < 2; i++) {
		run[i].o = o;
		run[i].o.gran = i == 0 ? SMALL_PAGE : o.page_size;
	}
	for (i = 0; i < 2; i++) {
		run[i].skipped = kernel_refusal(g, &run[i].o, why, sizeof(why));
		if (run[i].skipped) {
			run[i].skipped = strdup(why);
			continue;
		}
		if (g->verbose || isatty(STDERR_FILENO))
			fprintf(stderr, "bench postcopy: granularity %s\n",
				fmt_size(g, run[i].o.gran, x, sizeof(x)));
		run[i].ok = postcopy_run(g, &run[i].o, &run[i].r, &sigs) == 0;
		if (!run[i].ok) {
			/* said why; a wrong byte or an interrupt ends the benchmark */
			rc = EXIT_ERROR;
			for (i++; i < 2; i++)
				run[i].skipped = strdup("not run: the run before failed");
			break;
		}
	}
	if (run[0].ok && run[1].ok && run[0].r.faults && run[1].r.faults && run[0].r.p50)
		ratio = (double)run[1].r.p50 / (double)run[0].r.p50;

	doc_begin(&doc, g, 16);
	pc_print_setup(d, "postcopy on %s", &o, false);
	print_list_open(d, "runs", NULL);
	for (i = 0; i < 2; i++) {
		print_obj_open(d, NULL, NULL);
		print_size(d, "granularity", "granularity:", run[i].o.gran);
		if (run[i].ok) {
			print_null(d, "skipped", NULL, NULL);	/* it ran: its figures say so */
			pc_print_result(d, &run[i].o, &run[i].r, false);
		} else {
			print_str(d, "skipped", "unavailable:", run[i].skipped ?: "failed");
			detail_end(d);
		}
		print_text(d, "\n");
		print_obj_close(d);
	}
	print_list_close(d);
	fmt_size(g, o.page_size, y, sizeof(y));
	snprintf(label, sizeof(label), "p50 fault latency, %s over 4K: %%s%s", y,
		 ratio > 0 ? "x" : "");
	if (ratio > 0)
		print_double(d, "p50_ratio", label, ratio, 1, 0, NULL);
	else
		print_null(d, "p50_ratio", label,
			   run[0].ok ? "unavailable (no faults measured)" : "unavailable (no 4K run)");
	doc_end(&doc);
	for (i = 0; i < 2; i++)
		free((void *)run[i].skipped);
	pc_args_free(&a);
	return rc;
}
