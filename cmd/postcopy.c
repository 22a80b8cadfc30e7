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
	struct doc doc;
	char x[32], why[320];
	int rc;

	hgmctl_parse(g, cmd, argc, argv, options);
	pc_opts_from(g, "postcopy", &a, &o);
	if (kernel_refusal(g, &o, why, sizeof(why)))
		errx(EXIT_ERROR, "%s%s%s", why, o.gran < o.page_size && !o.shmem ?
		     "; use --granularity " : "", o.gran < o.page_size && !o.shmem ?
		     fmt_size(g, o.page_size, x, sizeof(x)) : "");
	workload_block_signals(&sigs);
	/* text: what runs, before it runs; JSON: one document after */
	doc_begin(&doc, g, 16);
	if (!doc.d.w)
		pc_print_setup(&doc.d, "postcopy: %s", &o, true);
	fflush(stdout);
	rc = postcopy_run(g, &o, &r, &sigs) ? EXIT_ERROR : EXIT_OK;
	if (rc == EXIT_OK && o.collapse && r.collapse_err && !r.collapse_moot) {
		warnx("MADV_COLLAPSE of the guest memory failed: %s", strerror(r.collapse_err));
		rc = EXIT_ERROR;
	}
	if (rc == EXIT_OK || (o.collapse && r.total_ns)) {
		if (doc.d.w)
			pc_print_setup(&doc.d, "postcopy: %s", &o, true);
		pc_print_result(&doc.d, &o, &r, o.collapse);
		doc_end(&doc);
	} else if (doc.d.w) {
		jdoc_end(&doc.j, false);	/* a failed run prints no figures */
	}
	pc_args_free(&a);
	return rc;
}

