// SPDX-License-Identifier: GPL-2.0-or-later
/* hgmctl.c - entry point: global options, the command table, shared argument helpers */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hgmctl.h"

/* Exact names only: a prefix match would change meaning when commands are added. */
static const struct hgmctl_cmd commands[] = {
	{ "status", cmd_status, "[OPTION...]",
	  "kernel features, hugetlb pools per node, THP settings, capabilities" },
	{ "maps", cmd_maps, "[OPTION...] PID",
	  "one row per VMA: kind, page size, bytes mapped at each level" },
	{ "pagemap", cmd_pagemap, "[OPTION...] PID [RANGE]",
	  "per folio or page: level, kind, order, PFN, flags, mapcount, node" },
	{ "rmap", cmd_rmap, "[OPTION...] PFN | PID ADDR",
	  "every process, VMA and address that maps a folio, and at which level" },
	{ "pool", cmd_pool, "[OPTION...] [SIZE]",
	  "show hugetlb pools, or set them per node or system-wide (verified)" },
	{ "collapse", cmd_collapse, "[OPTION...] PID [RANGE...]",
	  "MADV_COLLAPSE on another process's ranges, verified before and after" },
	{ "bench", cmd_bench, "NAME [OPTION...] [ARG...]",
	  "benchmarks that print figures (see 'hgmctl bench --help')" },
	{ "top", cmd_top, "[OPTION...] [PID]",
	  "interactive view: system, process, page map of a VMA, folio detail" },
	{ "demo", cmd_demo, "[OPTION...]",
	  "start a process with hugetlb and THP mappings and show it" },
	{ "uffd", cmd_uffd, "probe [OPTION...]",
	  "userfaultfd features of this kernel, and whether this caller may use it" },
	{ "postcopy", cmd_postcopy, "[OPTION...]",
	  "post-copy migration simulator: minor faults resolved with UFFDIO_CONTINUE" },
};

static struct hgmctl G;

const struct poptOption hgmctl_output_options[] = {
	{ "json", 'J', POPT_ARG_NONE, &G.json, 0, "use JSON output format", NULL },
	{ "raw", 'r', POPT_ARG_NONE, &G.raw, 0, "use raw output format", NULL },
	{ "output", 'o', POPT_ARG_STRING, &G.output, 0,
	  "output columns (\"+LIST\" adds to the default)", "LIST" },
	{ "no-headings", 'n', POPT_ARG_NONE, &G.no_headings, 0, "don't print headings", NULL },
	{ "bytes", 'b', POPT_ARG_NONE, &G.bytes, 0, "print sizes in bytes", NULL },
	{ "root", 0, POPT_ARG_STRING, &G.root, 0,
	  "read /proc and /sys under DIR (recorded trees)", "DIR" },
	{ "verbose", 'v', POPT_ARG_NONE, NULL, 'v', "more detail on stderr", NULL },
	POPT_TABLEEND
};

enum { OPT_HELP = 1000, OPT_VERSION };

static const struct poptOption help_options[] = {
	{ "help", 'h', POPT_ARG_NONE, NULL, OPT_HELP, "display this help", NULL },
	POPT_TABLEEND
};

static void print_commands(FILE *f)
{
	size_t i;

	fputs("\nCommands:\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nExit status: 0 ok, 1 error, 2 usage error, 3 partial success.\n"
	      "Run 'hgmctl COMMAND --help' for a command's options; see hgmctl(8).\n", f);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", program_invocation_short_name);
	exit(EXIT_USAGE);
}

pid_t parse_pid(const char *arg)
{
	char *end;
	long v;

	if (strcmp(arg, "self") == 0)
		return getpid();
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v <= 0 || v > INT_MAX)
		usage_error("invalid PID: '%s'", arg);
	return (pid_t)v;
}

void proc_error(int ret, pid_t pid, const char *what)
{
	switch (-ret) {
	case ESRCH:
		errx(EXIT_ERROR, "process %d does not exist or exited while being read", (int)pid);
	case EACCES:
	case EPERM:
		errx(EXIT_ERROR, "cannot read %s of process %d: permission denied "
		     "(needs ptrace read access: same user, or CAP_SYS_PTRACE)", what, (int)pid);
	case EBADMSG:
		errx(EXIT_ERROR, "cannot parse %s of process %d: unexpected format", what, (int)pid);
	default:
		errx(EXIT_ERROR, "cannot read %s of process %d: %s", what, (int)pid, strerror(-ret));
	}
}

static void close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno == EPIPE)
			_exit(EXIT_OK);
		warn("write error");
		_exit(EXIT_ERROR);
	}
}

/* Handles -v (repeatable) and --help for one popt context; returns on the first non-option. */
static int handle_opts(poptContext pc, const struct hgmctl_cmd *cmd,
		       const struct colinfo *cols, size_t ncols)
{
	int rc;

	while ((rc = poptGetNextOpt(pc)) > 0) {
		switch (rc) {
		case 'v':
			G.verbose++;
			break;
		case OPT_HELP:
			poptPrintHelp(pc, stdout, 0);
			if (!cmd)
				print_commands(stdout);
			if (cols)
				columns_help(stdout, cols, ncols);
			exit(EXIT_OK);
		case OPT_VERSION:
			printf("hgmctl %s\n", PACKAGE_VERSION);
			exit(EXIT_OK);
		}
	}
	if (rc < -1)
		usage_error("%s: %s", poptBadOption(pc, POPT_BADOPTION_NOALIAS), poptStrerror(rc));
	return rc;
}

poptContext hgmctl_parse(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc,
			 const char **argv, const struct poptOption *options,
			 const struct colinfo *cols, size_t ncols)
{
	struct poptOption table[] = {
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)options, 0, "Options:", NULL },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)hgmctl_output_options, 0,
		  "Output and global options:", NULL },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)help_options, 0, NULL, NULL },
		POPT_TABLEEND
	};
	static char name[64];	/* popt prints argv[0] in its help */
	poptContext pc;
	int ret;

	snprintf(name, sizeof(name), "hgmctl %s", cmd->name);
	argv[0] = name;
	pc = poptGetContext(name, argc, argv, options ? table : table + 1, 0);
	poptSetOtherOptionHelp(pc, cmd->args);
	g->cmd_pc = pc;
	handle_opts(pc, cmd, cols, ncols);
	/* only now: --root may come after the command's name */
	ret = hgm_ctx_new(&g->ctx, g->root);
	if (ret)
		errx(EXIT_ERROR, "cannot open root directory '%s': %s", g->root, strerror(-ret));
	return pc;
}

static const struct hgmctl_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, const char **argv)
{
	static const struct poptOption global[] = {
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)hgmctl_output_options, 0,
		  "Global options:", NULL },
		{ "version", 'V', POPT_ARG_NONE, NULL, OPT_VERSION, "print version", NULL },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)help_options, 0, NULL, NULL },
		POPT_TABLEEND
	};
	const struct hgmctl_cmd *cmd;
	const char **rest, **cargv;
	poptContext pc;
	int nrest, ret;

	atexit(close_stdout);
	pc = poptGetContext("hgmctl", argc, argv, global, POPT_CONTEXT_POSIXMEHARDER);
	poptSetOtherOptionHelp(pc, "[OPTION...] COMMAND [ARG...]");
	handle_opts(pc, NULL, NULL, 0);
	rest = poptGetArgs(pc);
	if (!rest || !rest[0])
		usage_error("no command given");
	cmd = find_command(rest[0]);
	if (!cmd)
		usage_error("unknown command: '%s'", rest[0]);
	for (nrest = 0; rest[nrest]; nrest++)
		;
	/* the command parses a copy: popt owns and frees the leftover array */
	G.cmd_argv = cargv = calloc(nrest + 1, sizeof(*cargv));
	if (!cargv)
		err(EXIT_ERROR, "cannot allocate memory");
	memcpy(cargv, rest, nrest * sizeof(*cargv));

	ret = cmd->fn(&G, cmd, nrest, cargv);

	hgm_ctx_free(G.ctx);
	if (G.cmd_pc)
		poptFreeContext(G.cmd_pc);
	poptFreeContext(pc);
	free(cargv);
	free(G.output);
	free(G.root);
	return ret;
}
