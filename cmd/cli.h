/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli.h - what every command shares: global options, the command table's entry, argument helpers */
#ifndef HGMCTL_CLI_H
#define HGMCTL_CLI_H

#include <err.h>
#include <popt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "hgm.h"
#include "parse.h"
#include "usage.h"

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_PARTIAL = 3,
};

/* Options every command accepts, before or after its name. */
struct hgmctl {
	int json, raw, no_headings, bytes, verbose;
	char *output;		/* --output LIST */
	char *root;		/* --root DIR */
	struct hgm_ctx *ctx;
	poptContext cmd_pc;	/* the command's options; freed by main */
	const char **cmd_argv;	/* the command's arguments (a copy popt may keep) */
};

/* What a command needs, checked before it runs (git's RUN_SETUP and friends). */
enum {
	CMD_LIVE = 1 << 0,	/* the live kernel: --root does not apply (cmd->live says why) */
	CMD_ARGS = 1 << 1,	/* takes up to max_args arguments; without it, any number */
};

/* A group's words for its help and its errors ("benchmark", "see 'hgmctl bench --help'"). */
struct hgmctl_group {
	const char *usage;		/* "Usage: hgmctl bench NAME ..." */
	const char *heading;		/* "Benchmarks" */
	const char *footer;		/* after the list, or NULL */
	const char *noun;		/* "benchmark" */
	const char *which_hint;		/* "which benchmark? (HINT)" */
	const char *unknown_hint;	/* "unknown benchmark 'X' (HINT)" */
};

/* A command's --output columns (output.h), checked by hgmctl_parse() before the command runs. */
struct hgmctl_columns {
	const struct colinfo *info;
	size_t n;
};

/* One entry of the command table: a command, or a group of subcommands. */
struct hgmctl_cmd {
	const char *name;		/* "maps", "bench gup": how messages name it */
	int (*fn)(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
	unsigned int flags;		/* CMD_* */
	int max_args;			/* with CMD_ARGS */
	const char *live;		/* with CMD_LIVE: "measures the live kernel" */
	const struct hgmctl_cmd *sub;	/* a group: its subcommands (fn is NULL) */
	size_t nsub;
	const struct hgmctl_group *group;
	const struct hgmctl_columns *cols;	/* for --output; NULL: it prints no table */
	const char *args;		/* synopsis of its arguments */
	const char *summary;
};

/* The global options' values (main parses them before the command's name). */
extern struct hgmctl hgmctl_g;
extern const struct poptOption hgmctl_output_options[];
/* --help, for every popt table; main adds --version (OPT_VERSION) */
extern const struct poptOption hgmctl_help_options[];
enum { OPT_HELP = 1000, OPT_VERSION };

/*
 * Parses a command's options; on --help prints its help (and cmd->cols) and
 * exits.  Checks what cmd->flags ask (argument count, a live kernel) and
 * --output against cmd->cols, and opens the context: every usage error the
 * table can tell comes before the command does anything.  Returns the popt
 * context holding the arguments.
 */
poptContext hgmctl_parse(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc,
			 const char **argv, const struct poptOption *options);

/* Parses the global options of @pc; --help lists the @n commands of @table. Exits on errors. */
void hgmctl_global_opts(poptContext pc, const struct hgmctl_cmd *table, size_t n);


/* The PID of argument @arg (decimal, or "self"); usage error on anything else. */
pid_t pid_arg(const char *arg);

/* Parses a SIZE option value; usage error naming @cmd and @opt on garbage. */
uint64_t size_arg(const char *cmd, const char *opt, const char *s);

/* A decimal option value (no leading 0) from @min (>= 0) to @max; usage error else. */
int num_arg(const char *cmd, const char *opt, const char *s, int min, int max);

/* The address range of RANGE (ADDR-END, ADDR+LEN, vma:N) in @pid; exits on errors. */
void resolve_range(struct hgmctl *g, pid_t pid, const char *arg, uint64_t *start, uint64_t *end);

/*
 * When @ret is libhgm refusing a file (-EBADMSG: not a regular file, a size,
 * number or line the kernel would not write), the message naming it:
 * "ROOT/proc/42/smaps: line 17: ...".  NULL otherwise.
 */
const char *refusal(int ret);

/* Exits 1 with refusal(@ret) when there is one; returns otherwise. */
void refusal_exit(int ret);

/*
 * After a read that returned @ret: returns if it is 0, else exits 1 with
 * refusal(@ret), or "WHAT: ERROR (FILE)" (failed_file()).
 */
void read_exit(const struct hgmctl *g, int ret, const char *what);

/* Why reading @pid's memory was refused, to follow "permission denied: ", into @buf. */
void access_text(char *buf, size_t size, pid_t pid);

/*
 * What -errno @ret means for reading @what of pid @pid, into @buf: a file
 * refused (refusal()), a kernel thread, a process gone, or what ptrace read
 * access lacks.
 */
void proc_error_text(char *buf, size_t size, int ret, pid_t pid, const char *what);
/* Exits 1 with proc_error_text()'s message. */
void proc_error(int ret, pid_t pid, const char *what) __attribute__((noreturn));

/*
 * " (FILE)": the file libhgm last failed to read or parse, under --root, to
 * end a message with; "" when there is none or @ret (-errno) is no file's fault.
 */
const char *failed_file(const struct hgmctl *g, int ret, char *buf, size_t size);

/*
 * Exits 1 because the check before a write of @path refused it (-errno @ret):
 * "CMD: setting WHAT needs root (or CAP_DAC_OVERRIDE): cannot write 'PATH';
 * nothing changed" for -EACCES/-EPERM, the error otherwise.
 */
void write_refused(const char *cmd, const char *what, const char *path, int ret)
	__attribute__((noreturn));

/* --dry-run of the commands that write settings: the writes, as shell commands, instead. */
#define WRITES_DRY_RUN_OPTION(var) \
	{ "dry-run", 0, POPT_ARG_NONE, &(var), 0, \
	  "print the writes (shell commands) and change nothing", NULL }

/*
 * One write a command is about to make, for writes_check(): @i (from 0)
 * checked; returns 0 or -errno, and when refused fills @path with the file
 * and *@what with what the write sets ("hugetlb pools").
 */
typedef int (*write_check_fn)(const struct hgmctl *g, size_t i, const void *arg, char *path,
			      size_t size, const char **what);

/*
 * Every one of the @n writes of @cmd checked before the first is made (a
 * command refused part-way would leave half a change): a usage error on a
 * recorded tree ("its @things cannot be set"), else exits through
 * write_refused() at the first @check refuses.
 */
void writes_check(const struct hgmctl *g, const char *cmd, const char *things, size_t n,
		  write_check_fn check, const void *arg);

/* Checks stdout on exit (util-linux close_stdout). */
void close_stdout(void);

#endif /* HGMCTL_CLI_H */
