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
	char why[320], x[32], y[32], label[64];
	struct doc doc;
	struct detail *d = &doc.d;
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
