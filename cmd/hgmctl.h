/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hgmctl.h - what hgmctl's subcommands share: global state, output helpers, exit codes */
#ifndef HGMCTL_H
#define HGMCTL_H

#include <err.h>
#include <popt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <libsmartcols.h>

#include "hgm.h"

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

struct hgmctl_cmd {
	const char *name;
	int (*fn)(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
	const char *args;		/* synopsis of its arguments */
	const char *summary;
};

extern const struct poptOption hgmctl_output_options[];

/*
 * Parses a command's options; on --help prints its help (and @cols) and
 * exits.  Returns the popt context holding the remaining arguments.
 */
struct colinfo;
poptContext hgmctl_parse(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc,
			 const char **argv, const struct poptOption *options,
			 const struct colinfo *cols, size_t ncols);

/* Prints "hgmctl: MSG" and a pointer to --help; exits 2. */
void usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Parses a PID argument ("self" allowed); usage error on garbage. */
pid_t parse_pid(const char *arg);

/* Exits 1 with a message that says what -errno @ret means for reading pid @pid. */
void proc_error(int ret, pid_t pid, const char *what) __attribute__((noreturn));

/* ---- columns and tables (util-linux style) ------------------------------- */

struct colinfo {
	const char *name;
	double whint;
	int flags;		/* SCOLS_FL_* */
	const char *help;
};

#define MAX_COLUMNS 32

struct columns {
	const struct colinfo *info;
	size_t ninfo;
	int id[MAX_COLUMNS];
	size_t n;
};

/*
 * Sets @c to --output LIST (or "+LIST" appended to @defaults, or @defaults).
 * Exits with a usage error on an unknown column.
 */
void columns_init(struct columns *c, const struct colinfo *info, size_t ninfo,
		  const int *defaults, size_t ndefaults, const char *output);

/* Returns a table with the columns of @c, honouring --raw and --no-headings. */
struct libscols_table *table_new(const struct hgmctl *g, const struct columns *c);

/* Returns a new line of @tb; exits if there is no memory. */
struct libscols_line *table_line(struct libscols_table *tb);

/* Sets cell @col of @ln to @s (copied); exits if there is no memory. */
void table_cell(struct libscols_line *ln, size_t col, const char *s);

/* Formats @val with @fmt into @buf when @known; returns @buf, or "-". */
const char *cell_opt(char *buf, size_t size, bool known, const char *fmt, uint64_t val);

/* CLOCK_MONOTONIC in milliseconds, for timings (benchmarks, top). */
double now_ms(void);

/* Prints the table to stdout and frees it. */
void table_print(struct libscols_table *tb);

/* Prints "  NAME  help" for every column, for --help. */
void columns_help(FILE *f, const struct colinfo *info, size_t n);

/* Formats @bytes as "2M"/"1.5G" (or decimal with --bytes). Returns @buf. */
char *fmt_size(const struct hgmctl *g, uint64_t bytes, char *buf, size_t size);

/* ---- JSON writer ----------------------------------------------------------
 * libsmartcols prints flat arrays of rows; the JSON contract has nested objects
 * and top-level keys, so JSON is written here.  One writer per document.
 */
struct jw {
	FILE *f;
	int depth;
	bool need_comma;
};

void jw_init(struct jw *w, FILE *f);
void jw_obj_open(struct jw *w, const char *key);	/* key NULL inside arrays/top */
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w, const char *key);
void jw_arr_close(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val);
void jw_u64(struct jw *w, const char *key, uint64_t val);
void jw_i64(struct jw *w, const char *key, int64_t val);
void jw_bool(struct jw *w, const char *key, bool val);
void jw_double(struct jw *w, const char *key, double val, int decimals);
void jw_null(struct jw *w, const char *key);
void jw_hex(struct jw *w, const char *key, uint64_t val);	/* "0x7f..." */
void jw_end(struct jw *w);		/* final newline */
/* The value when @known, else null: unknown is never written as 0 or "". */
void jw_u64_opt(struct jw *w, const char *key, bool known, uint64_t val);
void jw_hex_opt(struct jw *w, const char *key, bool known, uint64_t val);
void jw_str_opt(struct jw *w, const char *key, const char *val);	/* null for "" */

/*
 * A JSON document built in memory and printed only when it is whole: a
 * process that exits mid-read gets an error, never half a document.
 * jdoc_begin() opens the top-level object; add members through d->w.
 */
struct jdoc {
	struct jw w;
	FILE *mem;
	char *buf;
	size_t len;
};

void jdoc_begin(struct jdoc *d);
/* Closes the object and prints the document if @print; frees it either way. */
void jdoc_end(struct jdoc *d, bool print);

/* ---- commands --------------------------------------------------------------- */
int cmd_status(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
int cmd_maps(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
int cmd_demo(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
int cmd_pagemap(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
int cmd_rmap(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
int cmd_bench(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);

/* The address range of RANGE (ADDR-END, ADDR+LEN, vma:N) in @pid; exits on errors. */
void resolve_range(struct hgmctl *g, pid_t pid, const char *arg, uint64_t *start, uint64_t *end);

/* A process with known hugetlb and THP mappings (demo, bench). */
struct workload {
	uint64_t hugetlb, page_size;	/* hugetlb bytes, in pages of page_size */
	uint64_t thp, pmd_size;		/* THP bytes: half PMD-mapped, half split */
	uint64_t pool_added;		/* hugepages added to the pool, to take back */
	pid_t pid;
};

/* Checks the sizes of @w (usage errors name @cmd). */
void workload_check(const struct hgmctl *g, const char *cmd, struct workload *w);
/* Grows the pool if needed (as root) and starts the process; returns 0 or -1 (said why). */
int workload_start(const struct hgmctl *g, struct workload *w);
/* Ends the process and restores the pool; returns 0 or -1 (said why). */
int workload_stop(const struct hgmctl *g, struct workload *w);
/* Blocks (into @sigs) the signals that end a run, so that the pool is always restored. */
void workload_block_signals(sigset_t *sigs);
/* Parses a SIZE option value; usage error naming @cmd and @opt on garbage. */
uint64_t size_arg(const char *cmd, const char *opt, const char *s);

/* ---- userfaultfd and post-copy (uffd.c, postcopy.c) ---- */
int cmd_uffd(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
int cmd_postcopy(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
int bench_postcopy(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
/* Makes sure the pool has w->hugetlb free bytes of w->page_size (growing it as root). */
void workload_reserve(const struct hgmctl *g, struct workload *w);
/* Gives back the pages workload_reserve() added; returns 0 or -1 (said why). */
int workload_restore(const struct hgmctl *g, const struct workload *w);

/* maps of @pid as a table or JSON, shared by `maps` and `demo`; returns an exit code */
int show_maps(struct hgmctl *g, pid_t pid, bool granularity);

/* ---- hugetlb pools (pool.c), shared with `status` ---------------------------- */
int cmd_pool(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
extern const struct colinfo pool_cols[];
extern const size_t pool_ncols;
/* The pools table (--output, --raw, ...): every pool, or those of @size when not 0. */
void pools_table(const struct hgmctl *g, const struct hgm_pools *pools, uint64_t size);
/* The "pools" array of the JSON contract (as in `status --json`); @size as above. */
void pools_json(struct jw *w, const struct hgm_pools *pools, uint64_t size);
/* ---- collapse and its benchmarks (cmd/collapse.c, cmd/bench-collapse.c) ---- */
int cmd_collapse(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
/* Returns the name of errno value @err ("EINVAL"; sign ignored). */
const char *errno_name(int err);
int bench_gup(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
int bench_collapse(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
/* ---- gathering shared by the CLI commands and `top` ----------------------- */

/* What `status` shows: kernel features, pools, THP settings, the caller's caps. */
struct status_info {
	struct hgm_features feat;
	struct hgm_pools *pools;
	struct hgm_thp *thp;
	struct hgm_caps caps;
	bool caps_known;
};
/* Returns 0, or -errno and sets *@what to what failed; release with status_release(). */
int status_gather(const struct hgmctl *g, struct status_info *st, const char **what);
void status_release(struct status_info *st);

/* "thp,lru,..." of the KPF bits in @kf, into @buf, joined by @sep. */
void kpf_list(uint64_t kf, char *buf, size_t size, const char *sep);

/* ---- top ------------------------------------------------------------------ */
int cmd_top(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);
/* `hgmctl bench top`: top's views on a process with a huge address space */
int bench_top(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv);

#endif /* HGMCTL_H */
