// SPDX-License-Identifier: GPL-2.0-or-later
/* hgmctl.c - main() and the command table: which command runs, and what it needs */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "views.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* Each benchmark parses its own options; "bench NAME" is its name in help and errors. */
static const struct hgmctl_cmd benches[] = {
	{ "bench scan", cmd_bench_scan, CMD_LIVE | CMD_ARGS, 1, "measures the live kernel",
	  .args = "[OPTION...] [PID]",
	  .summary = "the page scanner against one PAGEMAP_SCAN walk, page-types and thpmaps" },
	{ "bench gup", cmd_bench_gup, CMD_LIVE | CMD_ARGS, 0, "measures the live kernel",
	  .args = "[OPTION...]", .summary = "gup_test get/pin on THP, hugetlb and HGM hugetlb" },
	{ "bench collapse", cmd_bench_collapse, CMD_LIVE | CMD_ARGS, 0, "measures the live kernel",
	  .args = "[OPTION...]", .summary = "MADV_COLLAPSE cost per 2 MiB" },
	{ "bench top", cmd_bench_top, 0, 0, NULL,
	  .args = "[OPTION...]", .summary = "top's views on a process with 1 TiB of address space" },
	{ "bench procs", cmd_bench_procs, 0, 0, NULL,
	  .args = "[OPTION...]",
	  .summary = "procs' gathering of every process: milliseconds per run" },
	{ "bench postcopy", cmd_bench_postcopy, CMD_LIVE | CMD_ARGS, 0, "measures the live kernel",
	  .args = "[OPTION...]",
	  .summary = "post-copy fault latency at 4K (HGM) against page-size granularity" },
};

static const struct hgmctl_group bench_group = {
	.usage = "Usage: hgmctl bench NAME [OPTION...] [ARG...]",
	.heading = "Benchmarks",
	.footer = "\nRun 'hgmctl bench NAME --help' for a benchmark's options.\n",
	.noun = "benchmark",
	.which_hint = "see 'hgmctl bench --help'",
	.unknown_hint = "see 'hgmctl bench --help'",
};

static const struct hgmctl_cmd uffd_cmds[] = {
	{ "uffd probe", cmd_uffd_probe, CMD_LIVE | CMD_ARGS, 0,
	  "opens userfaultfds on the live kernel", .cols = &uffd_probe_columns, .args = "[OPTION...]",
	  .summary = "userfaultfd features of this kernel, and whether this caller may use it" },
};

static const struct hgmctl_group uffd_group = {
	.usage = "Usage: hgmctl uffd COMMAND [OPTION...]",
	.heading = "Commands",
	.noun = "command",
	.which_hint = "probe",
	.unknown_hint = "valid: probe",
};

/* Exact names only: a prefix match would change meaning when commands are added. */
static const struct hgmctl_cmd commands[] = {
	{ "status", cmd_status, CMD_ARGS, 0, .cols = &pool_columns, .args = "[OPTION...]",
	  .summary = "kernel features, hugetlb pools per node, THP settings, capabilities" },
	{ "maps", cmd_maps, CMD_ARGS, 1, .cols = &maps_columns, .args = "[OPTION...] PID",
	  .summary = "one row per VMA: kind, page size, bytes mapped at each level" },
	{ "procs", cmd_procs, 0, 0, .cols = &procs_columns,
	  .args = "[OPTION...] [PID...]",
	  .summary = "one row per process using huge pages: hugetlb per size and level, THP" },
	{ "pagemap", cmd_pagemap, CMD_ARGS, 2, .cols = &pagemap_columns,
	  .args = "[OPTION...] PID [RANGE]",
	  .summary = "per folio or page: level, kind, order, PFN, flags, mapcount, node" },
	{ "rmap", cmd_rmap, CMD_ARGS | CMD_LIVE, 2, "needs live page tables", .cols = &rmap_columns,
	  .args = "[OPTION...] PFN | PID ADDR",
	  .summary = "every process, VMA and address that maps a folio, and at which level" },
	{ "pool", cmd_pool, CMD_ARGS, 1, .cols = &pool_columns, .args = "[OPTION...] [SIZE]",
	  .summary = "show hugetlb pools, or set them per node or system-wide (verified)" },
	{ "thp", cmd_thp, CMD_ARGS, 0, .cols = &thp_columns, .args = "[OPTION...]",
	  .summary = "show THP, mTHP and khugepaged settings, or set them (verified)" },
	{ "collapse", cmd_collapse, CMD_LIVE, 0, "changes the live kernel's page tables",
	  .cols = &collapse_columns,
	  .args = "[OPTION...] PID [RANGE...]",
	  .summary = "MADV_COLLAPSE on another process's ranges, verified before and after" },
	{ "bench", NULL, 0, 0, .sub = benches, .nsub = N(benches), .group = &bench_group,
	  .args = "NAME [OPTION...] [ARG...]",
	  .summary = "benchmarks that print figures (see 'hgmctl bench --help')" },
	{ "top", cmd_top, CMD_ARGS, 1, .args = "[OPTION...] [PID]",
	  .summary = "interactive view: system, process, page map of a VMA, folio detail" },
	{ "demo", cmd_demo, CMD_LIVE | CMD_ARGS, 0, "runs a live process", .cols = &maps_columns,
	  .args = "[OPTION...]",
	  .summary = "start a process with hugetlb and THP mappings and show it" },
	{ "uffd", NULL, 0, 0, .sub = uffd_cmds, .nsub = N(uffd_cmds), .group = &uffd_group,
	  .args = "probe [OPTION...]",
	  .summary = "userfaultfd features of this kernel, and whether this caller may use it" },
	{ "export", cmd_export, CMD_ARGS, 0, .args = "[OPTION...]",
	  .summary = "metrics in the Prometheus text format, for node_exporter's textfile collector" },
	{ "postcopy", cmd_postcopy, CMD_LIVE | CMD_ARGS, 0, "runs on the live kernel",
	  .args = "[OPTION...]",
	  .summary = "post-copy migration simulator: minor faults resolved with UFFDIO_CONTINUE" },
};

static const struct hgmctl_cmd *find_command(const struct hgmctl_cmd *table, size_t n,
					     size_t skip, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(table[i].name + skip, name) == 0)
			return &table[i];
	return NULL;
}

/*
 * A group's subcommand, named by @argv[1]; NULL when --help was asked (and
 * printed).  Usage errors when it is missing or unknown.
 */
static const struct hgmctl_cmd *find_sub(const struct hgmctl_cmd *grp, int argc,
					 const char **argv)
{
	const struct hgmctl_group *gr = grp->group;
	size_t i, skip = strlen(grp->name) + 1;
	const struct hgmctl_cmd *sub;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("%s\n\n%s:\n", gr->usage, gr->heading);
		for (i = 0; i < grp->nsub; i++)
			printf("  %-10s %s\n", grp->sub[i].name + skip, grp->sub[i].summary);
		if (gr->footer)
			fputs(gr->footer, stdout);
		return NULL;
	}
	if (argc < 2 || argv[1][0] == '-')
		usage_error("%s: which %s? (%s)", grp->name, gr->noun, gr->which_hint);
	sub = find_command(grp->sub, grp->nsub, skip, argv[1]);
	if (!sub)
		usage_error("%s: unknown %s '%s' (%s)", grp->name, gr->noun, argv[1],
			    gr->unknown_hint);
	return sub;
}

int main(int argc, const char **argv)
{
	static const struct poptOption global[] = {
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)hgmctl_output_options, 0,
		  "Global options:", NULL },
		{ "version", 'V', POPT_ARG_NONE, NULL, OPT_VERSION, "print version", NULL },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)hgmctl_help_options, 0, NULL, NULL },
		POPT_TABLEEND
	};
	struct hgmctl *g = &hgmctl_g;
	const struct hgmctl_cmd *cmd;
	const char **rest, **cargv;
	poptContext pc;
	int nrest, ret = EXIT_OK;

	atexit(close_stdout);
	pc = poptGetContext("hgmctl", argc, argv, global, POPT_CONTEXT_POSIXMEHARDER);
	poptSetOtherOptionHelp(pc, "[OPTION...] COMMAND [ARG...]");
	hgmctl_global_opts(pc, commands, N(commands));
	rest = poptGetArgs(pc);
	if (!rest || !rest[0])
		usage_error("no command given");
	cmd = find_command(commands, N(commands), 0, rest[0]);
	if (!cmd)
		usage_error("unknown command: '%s'", rest[0]);
	for (nrest = 0; rest[nrest]; nrest++)
		;
	/* the command parses a copy: popt owns and frees the leftover array */
	g->cmd_argv = cargv = calloc(nrest + 1, sizeof(*cargv));
	if (!cargv)
		err(EXIT_ERROR, "cannot allocate memory");
	memcpy(cargv, rest, nrest * sizeof(*cargv));

	while (cmd && cmd->sub) {
		cmd = find_sub(cmd, nrest, cargv);
		nrest--;
		cargv++;
	}
	if (cmd)
		ret = cmd->fn(g, cmd, nrest, cargv);

	hgm_ctx_free(g->ctx);
	if (g->cmd_pc)
		poptFreeContext(g->cmd_pc);
	poptFreeContext(pc);
	free((void *)g->cmd_argv);
	free(g->output);
	free(g->root);
	return ret;
}
