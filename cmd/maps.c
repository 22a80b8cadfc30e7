// SPDX-License-Identifier: GPL-2.0-or-later
/* maps.c - `hgmctl maps PID`: one row per VMA, bytes mapped at each page-table level */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "views.h"

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
	char *kinds = NULL;
	const struct poptOption options[] = {
		{ "granularity", 'g', POPT_ARG_NONE, &granularity, 0,
		  "add a line of the mapping levels along each VMA (LEVELS column)", NULL },
		{ "kind", 'k', POPT_ARG_STRING, &kinds, 0,
		  "only VMAs of these kinds (hugetlb, thp, anon, file, shmem, other)", "LIST" },
		{ "huge", 0, POPT_ARG_NONE, &huge, 0,
		  "only VMAs with a huge mapping (PUD, PMD, or huge folios by PTEs)", NULL },
		POPT_TABLEEND
	};
	poptContext pc = hgmctl_parse(g, cmd, argc, argv, options);
	const char *arg = poptGetArg(pc);
	struct maps_view view = { .granularity = granularity, .huge = huge };
	pid_t pid;
	int rc;

	if (kinds)
		view.kinds = kinds_arg(kinds);
	if (!arg)
		usage_error("maps: no PID given");
	pid = pid_arg(arg);
	rc = show_maps(g, pid, &view);
	free(kinds);
	return rc;
}
