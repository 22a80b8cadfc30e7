// SPDX-License-Identifier: GPL-2.0-or-later
/* cli.c - global options, option parsing and the checks the command table asks for, argument helpers */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"
#include "usage.h"

struct hgmctl hgmctl_g;
#define G hgmctl_g

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

const struct poptOption hgmctl_help_options[] = {
	{ "help", 'h', POPT_ARG_NONE, NULL, OPT_HELP, "display this help", NULL },
	POPT_TABLEEND
};

static void print_commands(FILE *f, const struct hgmctl_cmd *table, size_t n)
{
	size_t i;

	fputs("\nCommands:\n", f);
	for (i = 0; i < n; i++)
		fprintf(f, "  %-10s %s\n", table[i].name, table[i].summary);
	fputs("\nExit status: 0 ok, 1 error, 2 usage error, 3 partial success.\n"
	      "Run 'hgmctl COMMAND --help' for a command's options; see hgmctl(8).\n", f);
}

pid_t pid_arg(const char *arg)
{
	pid_t pid;

	if (strcmp(arg, "self") == 0)
		return getpid();
	if (parse_pid(arg, &pid))
		usage_error("invalid PID: '%s'", arg);
	return pid;
}

const char *refusal(int ret)
{
	return ret == -EBADMSG && hgmctl_g.ctx ? hgm_ctx_error(hgmctl_g.ctx) : NULL;
}

void refusal_exit(int ret)
{
	const char *msg = refusal(ret);

	if (msg)
		errx(EXIT_ERROR, "%s", msg);
}

void access_text(char *buf, size_t size, pid_t pid)
{
	struct hgm_access a;

	if (!hgm_ctx_is_live(G.ctx)) {
		snprintf(buf, size, "a file of the recorded tree cannot be read");
		return;
	}
	if (hgm_access_explain(G.ctx, pid, &a))
		a.why = HGM_ACCESS_UNKNOWN;
	switch (a.why) {
	case HGM_ACCESS_OTHER_USER:
		snprintf(buf, size, "it runs as uid %u, hgmctl as uid %u without CAP_SYS_PTRACE "
			 "(%s)", (unsigned int)a.uid, (unsigned int)a.caller_uid,
			 a.caller_uid == 0 ? "dropped from its capability sets, as containers do" :
			 "run hgmctl as that user, or as root");
		break;
	case HGM_ACCESS_NOT_DUMPABLE:
		snprintf(buf, size, "it is not dumpable (set-user-ID or set-group-ID, or "
			 "prctl(PR_SET_DUMPABLE, 0)): reading it needs CAP_SYS_PTRACE, which "
			 "hgmctl lacks");
		break;
	case HGM_ACCESS_MORE_CAPS:
		snprintf(buf, size, "it holds capabilities hgmctl lacks (%s): reading it then "
			 "needs CAP_SYS_PTRACE, which hgmctl%s lacks too", a.caps,
			 a.caller_uid == 0 ? ", though uid 0," : "");
		break;
	case HGM_ACCESS_USERNS:
		snprintf(buf, size, "hgmctl runs in a user namespace other than the initial one, "
			 "where its capabilities%s do not reach process %d; run it outside the "
			 "namespace", a.caller_ptrace ? " (CAP_SYS_PTRACE included)" : "", (int)pid);
		break;
	case HGM_ACCESS_LSM:
		snprintf(buf, size, "hgmctl has CAP_SYS_PTRACE in the initial user namespace, so a "
			 "security module refused%s%s (Yama's ptrace_scope limits attaching, not "
			 "this read)", a.lsm[0] ? "; active: " : "", a.lsm);
		break;
	default:
		snprintf(buf, size, "needs ptrace read access: same user, or CAP_SYS_PTRACE");
	}
}

void proc_error_text(char *buf, size_t size, int ret, pid_t pid, const char *what)
{
	const char *refused = refusal(ret);
	char why[320], comm[32];

	if (refused) {
		snprintf(buf, size, "%s", refused);
		return;
	}
	switch (-ret) {
	case ESRCH:
		if (G.ctx && hgm_proc_kthread(G.ctx, pid) == 1) {
			hgm_proc_comm(G.ctx, pid, comm, sizeof(comm));
			snprintf(buf, size, "process %d (%s) is a kernel thread: it has no memory "
				 "of its own to read", (int)pid, comm);
		} else {
			snprintf(buf, size, "process %d does not exist or exited while being read",
				 (int)pid);
		}
		break;
	case EACCES:
	case EPERM:
		access_text(why, sizeof(why), pid);
		snprintf(buf, size, "cannot read %s of process %d: permission denied: %s", what,
			 (int)pid, why);
		break;
	case EBADMSG:
		snprintf(buf, size, "cannot parse %s of process %d: unexpected format", what,
			 (int)pid);
		break;
	default:
		snprintf(buf, size, "cannot read %s of process %d: %s", what, (int)pid,
			 strerror(-ret));
	}
}

void proc_error(int ret, pid_t pid, const char *what)
{
	char buf[512];

	proc_error_text(buf, sizeof(buf), ret, pid, what);
	errx(EXIT_ERROR, "%s", buf);
}

const char *failed_file(const struct hgmctl *g, int ret, char *buf, size_t size)
{
	const char *path = g->ctx ? hgm_ctx_failed_path(g->ctx) : NULL;

	buf[0] = '\0';
	if (path && ret != -ENOMEM)
		snprintf(buf, size, " (%s)", path);
	return buf;
}

void close_stdout(void)
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
		       const struct hgmctl_cmd *table, size_t ntable)
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
				print_commands(stdout, table, ntable);
			if (cmd && cmd->cols)
				columns_help(stdout, cmd->cols->info, cmd->cols->n);
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

/*
 * --output names columns of cmd->cols, and no more than fit: checked as if
 * "+LIST" were added to every column, the most any command's defaults hold.
 */
static void check_output(const struct hgmctl *g, const struct hgmctl_cmd *cmd)
{
	int every[MAX_COLUMNS];
	struct columns c;
	size_t i;

	if (!g->output)
		return;
	if (!cmd->cols)
		usage_error("%s: --output does not apply: it prints no table", cmd->name);
	for (i = 0; i < cmd->cols->n && i < MAX_COLUMNS; i++)
		every[i] = (int)i;
	columns_init(&c, cmd->cols->info, cmd->cols->n, every, i, g->output);
}

poptContext hgmctl_parse(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc,
			 const char **argv, const struct poptOption *options)
{
	struct poptOption table[] = {
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)options, 0, "Options:", NULL },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)hgmctl_output_options, 0,
		  "Output and global options:", NULL },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)hgmctl_help_options, 0, NULL, NULL },
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
	handle_opts(pc, cmd, NULL, 0);
	if (cmd->flags & CMD_ARGS) {
		const char **args = poptGetArgs(pc);	/* peeks: nothing is taken */
		int n = 0;

		while (args && args[n])
			n++;
		if (n > cmd->max_args)
			usage_error("%s: unexpected argument '%s'", cmd->name, args[cmd->max_args]);
	}
	/* only now: --root may come after the command's name */
	ret = hgm_ctx_new(&g->ctx, g->root);
	if (ret)
		errx(EXIT_ERROR, "cannot open root directory '%s': %s", g->root, strerror(-ret));
	if ((cmd->flags & CMD_LIVE) && !hgm_ctx_is_live(g->ctx))
		usage_error("%s: %s; --root does not apply", cmd->name, cmd->live);
	check_output(g, cmd);
	return pc;
}

void hgmctl_global_opts(poptContext pc, const struct hgmctl_cmd *table, size_t n)
{
	handle_opts(pc, NULL, table, n);
}

uint64_t size_arg(const char *cmd, const char *opt, const char *s)
{
	uint64_t v;

	if (parse_size(s, &v))
		usage_error("%s: invalid size for %s: '%s'", cmd, opt, s);
	return v;
}

int num_arg(const char *cmd, const char *opt, const char *s, int min, int max)
{
	uint64_t v;

	/* "010" was 8 to popt: a leading 0 is refused, not read one way or the other */
	if (parse_u64(s, &v) || (s[0] == '0' && s[1]) || v < (uint64_t)min || v > (uint64_t)max)
		usage_error("%s: invalid %s '%s' (%d to %d)", cmd, opt, s, min, max);
	return (int)v;
}

void resolve_range(struct hgmctl *g, pid_t pid, const char *arg, uint64_t *start, uint64_t *end)
{
	struct addr_range r;
	struct hgm_vma *v;
	int ret;

	if (parse_range(arg, &r))
		usage_error("invalid range '%s' (ADDR-END, ADDR+LEN or vma:N)", arg);
	if (r.vma < 0) {
		*start = r.start;
		*end = r.end;
		return;
	}
	if (hgm_vma_new(&v))
		err(EXIT_ERROR, "cannot allocate memory");
	ret = hgm_vma_nth(g->ctx, pid, r.vma, v);
	if (ret == -ENOENT)
		errx(EXIT_ERROR, "process %d has no VMA %ld", (int)pid, r.vma);
	if (ret)
		proc_error(ret, pid, "smaps");
	*start = hgm_vma_start(v);
	*end = hgm_vma_end(v);
	hgm_vma_free(v);
}

void write_refused(const char *cmd, const char *what, const char *path, int ret)
{
	if (ret == -EACCES || ret == -EPERM)
		errx(EXIT_ERROR, "%s: setting %s needs root (or CAP_DAC_OVERRIDE): cannot write "
		     "'%s'; nothing changed", cmd, what, path);
	errx(EXIT_ERROR, "%s: cannot write '%s': %s; nothing changed", cmd, path, strerror(-ret));
}

void writes_check(const struct hgmctl *g, const char *cmd, const char *things, size_t n,
		  write_check_fn check, const void *arg)
{
	char path[512];
	size_t i;

	if (!hgm_ctx_is_live(g->ctx))
		usage_error("%s: --root is a recorded tree, its %s cannot be set "
			    "(--dry-run shows the writes)", cmd, things);
	for (i = 0; i < n; i++) {
		const char *what = things;
		int ret = check(g, i, arg, path, sizeof(path), &what);

		if (ret)
			write_refused(cmd, what, path, ret);
	}
}

void read_exit(const struct hgmctl *g, int ret, const char *what)
{
	char file[512];

	if (!ret)
		return;
	refusal_exit(ret);
	errx(EXIT_ERROR, "%s: %s%s", what, strerror(-ret), failed_file(g, ret, file, sizeof(file)));
}
