// SPDX-License-Identifier: GPL-2.0-or-later
/* maps.c - `hgmctl maps PID`: one row per VMA, bytes mapped at each page-table level */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "sample.h"
#include "views.h"

/*
 * The maps of every process of a cgroup subtree, after its header: kernel
 * threads (no memory of their own) and processes gone meanwhile are left
 * out; one that cannot be read is counted.  Returns an exit code.
 */
static int cgroup_maps(struct hgmctl *g, struct cgroup_view *cgv, bool granularity, bool *said)
{
	unsigned long failed = 0;
	pid_t first_bad = 0;
	int first_err = 0;
	struct jdoc doc;
	size_t i;

	cgroup_view_read(g, "maps", cgv);
	if (g->json) {
		jdoc_begin(&doc);
		sample_stamp(&doc.w);
		cgroup_view_print(g, &doc.w, cgv);
		jw_arr_open(&doc.w, "processes");
	} else {
		sample_stamp(NULL);
		cgroup_view_print(g, NULL, cgv);
	}
	for (i = 0; i < cgv->n; i++) {
		pid_t pid = cgv->pids[i];
		int r;

		if (hgm_proc_kthread(g->ctx, pid) == 1)
			continue;
		r = show_maps_in(g, pid, granularity, g->json ? &doc.w : NULL);
		if (r == -ESRCH || r == -ENOENT || r == 0)
			continue;
		if (!failed++) {
			first_bad = pid;
			first_err = r;
		}
	}
	if (g->json) {
		jw_arr_close(&doc.w);
		jw_u64(&doc.w, "unreadable", failed);
		jdoc_end(&doc, true);
	}
	if (!failed)
		return EXIT_OK;
	if (!*said) {
		char why[512];

		proc_error_text(why, sizeof(why), first_err, first_bad, "memory maps");
		warnx("maps: %lu processes of cgroup %s could not be read (the first, %s)", failed,
		      cgv->name, why);
		*said = true;
	}
	return EXIT_PARTIAL;
}

int cmd_maps(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	int granularity = 0;
	char *cgroup = NULL;
	const struct poptOption options[] = {
		{ "granularity", 'g', POPT_ARG_NONE, &granularity, 0,
		  "add a line of the mapping levels along each VMA (LEVELS column)", NULL },
		{ "cgroup", 0, POPT_ARG_STRING, &cgroup, 0,
		  "the maps of every process of this cgroup v2 subtree (no PID)", "PATH" },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)sample_options, 0, NULL, NULL },
		POPT_TABLEEND
	};
	poptContext pc = hgmctl_parse(g, cmd, argc, argv, options);
	const char *arg = poptGetArg(pc);
	struct cgroup_view cgv;
	int ret = EXIT_OK, r;
	bool said = false;
	pid_t pid = 0;

	if (!arg && !cgroup)
		usage_error("maps: no PID given");
	if (arg && cgroup)
		usage_error("maps: --cgroup and a PID exclude each other");
	if (arg)
		pid = pid_arg(arg);
	sample_begin("maps");
	if (cgroup)
		cgroup_view_open(g, "maps", cgroup, &cgv);
	do {
		r = cgroup ? cgroup_maps(g, &cgv, granularity, &said) :
			     show_maps(g, pid, granularity);
		if (r > ret)
			ret = r;
	} while (sample_next());
	if (cgroup)
		cgroup_view_release(&cgv);
	free(cgroup);
	return ret;
}
