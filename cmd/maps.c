// SPDX-License-Identifier: GPL-2.0-or-later
/* maps.c - `hgmctl maps PID`: one row per VMA, bytes mapped at each page-table level */
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "views.h"

int cmd_maps(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	int granularity = 0;
	const struct poptOption options[] = {
		{ "granularity", 'g', POPT_ARG_NONE, &granularity, 0,
		  "add a line of the mapping levels along each VMA (LEVELS column)", NULL },
		POPT_TABLEEND
	};
	poptContext pc = hgmctl_parse(g, cmd, argc, argv, options);
	const char *arg = poptGetArg(pc);
	pid_t pid;

	if (!arg)
		usage_error("maps: no PID given");
	pid = pid_arg(arg);
	return show_maps(g, pid, granularity);
}
