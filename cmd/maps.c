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
static int cgroup_maps(struct hgmctl *g, struct cgroup_view *cgv, const struct maps_view *view,
		       bool *said)
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
		r = show_maps_in(g, pid, view, g->json ? &doc.w : NULL);
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

/* Every kind libhgm knows, "hugetlb, thp, ..." into @buf, for messages. */
static void kind_list(char *buf, size_t size)
{
	enum hgm_kind k;
	unsigned int n;
	size_t len = 0;

	buf[0] = '\0';
	for (n = 0; hgm_kind_nth(n, &k) == 0 && len < size; n++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", n ? ", " : "",
					hgm_kind_name(k));
}

/* --kind LIST: the bits 1 << kind of its kinds; exits 2 on an unknown or empty one. */
static unsigned int kinds_arg(const char *list)
{
	const char *p = list;
	unsigned int bits = 0;
	char item[32], all[256];
	int ret;

	while ((ret = list_next(&p, item, sizeof(item))) > 0) {
		enum hgm_kind k;
		unsigned int n;

		for (n = 0; hgm_kind_nth(n, &k) == 0; n++)
			if (strcmp(item, hgm_kind_name(k)) == 0)
				break;
		if (hgm_kind_nth(n, &k)) {
			kind_list(all, sizeof(all));
			usage_error("maps: unknown kind '%s' in --kind (kinds: %s)", item, all);
		}
		bits |= 1u << k;
	}
	if (ret < 0) {
		kind_list(all, sizeof(all));
		usage_error("maps: --kind needs a comma-separated list of kinds (%s)", all);
	}
	return bits;
}

int cmd_maps(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	int granularity = 0, huge = 0;
	char *cgroup = NULL, *kinds = NULL;
	const struct poptOption options[] = {
		{ "granularity", 'g', POPT_ARG_NONE, &granularity, 0,
		  "add a line of the mapping levels along each VMA (LEVELS column)", NULL },
		{ "kind", 'k', POPT_ARG_STRING, &kinds, 0,
		  "only VMAs of these kinds (hugetlb, thp, anon, file, shmem, other, dax)",
		  "LIST" },
		{ "huge", 0, POPT_ARG_NONE, &huge, 0,
		  "only VMAs with a huge mapping (PUD, PMD, or huge folios by PTEs)", NULL },
		{ "cgroup", 0, POPT_ARG_STRING, &cgroup, 0,
		  "the maps of every process of this cgroup v2 subtree (no PID)", "PATH" },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)sample_options, 0, NULL, NULL },
		POPT_TABLEEND
	};
	poptContext pc = hgmctl_parse(g, cmd, argc, argv, options);
	const char *arg = poptGetArg(pc);
	struct maps_view view = { .granularity = granularity, .huge = huge };
	struct cgroup_view cgv;
	int ret = EXIT_OK, r;
	bool said = false;
	pid_t pid = 0;

	if (kinds)
		view.kinds = kinds_arg(kinds);
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
		r = cgroup ? cgroup_maps(g, &cgv, &view, &said) : show_maps(g, pid, &view);
		if (r > ret)
			ret = r;
	} while (sample_next());
	if (cgroup)
		cgroup_view_release(&cgv);
	free(cgroup);
	free(kinds);
	return ret;
}
