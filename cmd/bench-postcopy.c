// SPDX-License-Identifier: GPL-2.0-or-later
/* bench-postcopy.c - `hgmctl bench postcopy`: fault latency at 4K (HGM) against page size */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcsim.h"
#include "commands.h"
#include "workload.h"

int cmd_bench_postcopy(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	struct pc_args a = { .vcpus = 2 };
	const struct poptOption options[] = {
		PC_COMMON_OPTIONS(a),
		POPT_TABLEEND
	};
	struct { struct pc_opts o; struct pc_result r; const char *skipped; bool ok; } run[2];
	char why[320], x[32], y[32], t[32], l[32];
	struct pc_opts o;
	sigset_t sigs;
	int i, rc = EXIT_OK;
	double ratio = 0;

	hgmctl_parse(g, cmd, argc, argv, options);
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

	if (g->json) {
		struct jdoc d;

		jdoc_begin(&d);
		jw_u64(&d.w, "size", o.size);
		jw_u64(&d.w, "page_size", o.page_size);
		jw_i64(&d.w, "vcpus", o.vcpus);
		jw_str(&d.w, "pattern", pattern_names[o.pattern]);
		json_link(&d.w, &o);
		jw_arr_open(&d.w, "runs");
		for (i = 0; i < 2; i++) {
			jw_obj_open(&d.w, NULL);
			jw_u64(&d.w, "granularity", run[i].o.gran);
			if (run[i].ok) {
				jw_null(&d.w, "skipped");
				json_result(&d.w, &run[i].r, false);
			} else {
				jw_str(&d.w, "skipped", run[i].skipped ?: "failed");
			}
			jw_obj_close(&d.w);
		}
		jw_arr_close(&d.w);
		if (ratio > 0)
			jw_double(&d.w, "p50_ratio", ratio, 1);
		else
			jw_null(&d.w, "p50_ratio");
		jdoc_end(&d, true);
	} else {
		printf("postcopy on %s of %s hugetlb pages, %d vCPUs touching %s, link %s + %s\n\n",
		       fmt_size(g, o.size, x, sizeof(x)), fmt_size(g, o.page_size, y, sizeof(y)),
		       o.vcpus, pattern_names[o.pattern], fmt_rate(o.bps, t, sizeof(t)),
		       fmt_ns(o.latency_ns, l, sizeof(l)));
		printf("%-6s %8s %10s %10s %10s %10s %12s %10s\n", "GRAN", "FAULTS", "P50", "P90",
		       "P99", "MAX", "FIRST-TOUCH", "TOTAL");
		for (i = 0; i < 2; i++) {
			const struct pc_result *r = &run[i].r;
			char a1[32], a2[32], a3[32], a4[32], a5[32], a6[32];

			fmt_size(g, run[i].o.gran, x, sizeof(x));
			if (!run[i].ok) {
				printf("%-6s unavailable: %s\n", x, run[i].skipped ?: "failed");
				continue;
			}
			if (!r->faults) {
				printf("%-6s %8d %10s %10s %10s %10s %12s %10s\n", x, 0, "-", "-",
				       "-", "-", fmt_ns(r->first_touch_ns, a5, sizeof(a5)),
				       fmt_ns(r->total_ns, a6, sizeof(a6)));
				continue;
			}
			printf("%-6s %8" PRIu64 " %10s %10s %10s %10s %12s %10s\n", x, r->faults,
			       fmt_ns(r->p50, a1, sizeof(a1)), fmt_ns(r->p90, a2, sizeof(a2)),
			       fmt_ns(r->p99, a3, sizeof(a3)), fmt_ns(r->max, a4, sizeof(a4)),
			       fmt_ns(r->first_touch_ns, a5, sizeof(a5)),
			       fmt_ns(r->total_ns, a6, sizeof(a6)));
		}
		fmt_size(g, o.page_size, y, sizeof(y));
		if (ratio > 0)
			printf("\np50 fault latency, %s over 4K: %.0fx\n", y, ratio);
		else
			printf("\np50 fault latency, %s over 4K: unavailable (%s)\n", y,
			       run[0].ok ? "no faults measured" : "no 4K run");
	}
	for (i = 0; i < 2; i++)
		free((void *)run[i].skipped);
	pc_args_free(&a);
	return rc;
}
