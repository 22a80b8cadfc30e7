// SPDX-License-Identifier: GPL-2.0-or-later
/* postcopy.c - `hgmctl postcopy`: one simulated post-copy migration, its figures */
#include <stdlib.h>
#include <string.h>

#include "pcsim.h"
#include "commands.h"
#include "workload.h"

int cmd_postcopy(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	struct pc_args a = { .vcpus = 2 };
	const struct poptOption options[] = {
		PC_COMMON_OPTIONS(a),
		{ "granularity", 'g', POPT_ARG_STRING, &a.gran, 0,
		  "UFFDIO_CONTINUE size: 4K (needs HGM) or the page size (default)", "SIZE" },
		{ "collapse", 'c', POPT_ARG_NONE, &a.collapse, 0,
		  "MADV_COLLAPSE the guest memory afterwards; report time and levels", NULL },
		{ "corrupt-one", 0, POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, &a.corrupt, 0,
		  "testing: deliver one wrong byte, which must be caught", NULL },
		{ "shmem", 0, POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, &a.shmem, 0,
		  "testing: back the guest with shmem, whose minor faults take 4K without HGM",
		  NULL },
		POPT_TABLEEND
	};
	struct pc_result r;
	struct pc_opts o;
	sigset_t sigs;
	char x[32], y[32], z[32], t[32], lat[32], why[320];
	int rc;

	hgmctl_parse(g, cmd, argc, argv, options);
	pc_opts_from(g, "postcopy", &a, &o);
	if (kernel_refusal(g, &o, why, sizeof(why)))
		errx(EXIT_ERROR, "%s%s%s", why, o.gran < o.page_size && !o.shmem ?
		     "; use --granularity " : "", o.gran < o.page_size && !o.shmem ?
		     fmt_size(g, o.page_size, x, sizeof(x)) : "");
	workload_block_signals(&sigs);
	if (!g->json)
		printf("postcopy: %s of %s %s pages, UFFDIO_CONTINUE at %s, %d vCPUs touching "
		       "%s, link %s + %s\n\n", fmt_size(g, o.size, x, sizeof(x)),
		       fmt_size(g, o.page_size, y, sizeof(y)), o.shmem ? "shmem (testing)" : "hugetlb",
		       fmt_size(g, o.gran, z, sizeof(z)),
		       o.vcpus, pattern_names[o.pattern], fmt_rate(o.bps, t, sizeof(t)),
		       fmt_ns(o.latency_ns, lat, sizeof(lat)));
	fflush(stdout);
	rc = postcopy_run(g, &o, &r, &sigs) ? EXIT_ERROR : EXIT_OK;
	if (rc == EXIT_OK && o.collapse && r.collapse_err && !r.collapse_moot) {
		warnx("MADV_COLLAPSE of the guest memory failed: %s", strerror(r.collapse_err));
		rc = EXIT_ERROR;
	}
	if (rc == EXIT_OK || (o.collapse && r.total_ns)) {
		if (g->json) {
			struct jdoc d;

			jdoc_begin(&d);
			jw_u64(&d.w, "size", o.size);
			jw_u64(&d.w, "page_size", o.page_size);
			jw_u64(&d.w, "granularity", o.gran);
			jw_i64(&d.w, "vcpus", o.vcpus);
			jw_str(&d.w, "pattern", pattern_names[o.pattern]);
			json_link(&d.w, &o);
			json_result(&d.w, &r, o.collapse);
			jdoc_end(&d, true);
		} else {
			text_result(g, &o, &r);
		}
	}
	pc_args_free(&a);
	return rc;
}

