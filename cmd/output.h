/* SPDX-License-Identifier: GPL-2.0-or-later */
/* output.h - columns and libsmartcols tables, sizes, names, the clock, the JSON writer */
#ifndef HGMCTL_OUTPUT_H
#define HGMCTL_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <libsmartcols.h>

#include "common.h"
#include "hgm.h"

struct hgmctl;
struct jw;

/* ---- text from the kernel or a recorded tree -------------------------------- */

/*
 * Copies @s into @buf for a terminal: every byte outside printable ASCII
 * (control characters, DEL, and all of UTF-8 beyond ASCII) becomes \xNN, as
 * util-linux writes mangled strings.  Truncates to fit; returns @buf.
 */
char *str_escape(const char *s, char *buf, size_t size);

/* ---- columns and tables (util-linux style) ------------------------------- */

/* What a column holds: how a cell is written as text and in JSON. */
enum col_type {
	CT_STR,		/* text; JSON string (null when unknown) */
	CT_HEX,		/* text "7f00..."; JSON "0x7f00..." */
	CT_SIZE,	/* text "2M" (--bytes: decimal); JSON bytes */
	CT_U64,		/* decimal, both */
	CT_BOOL,	/* JSON true/false (JSON-only columns) */
	CT_KPF,		/* kpageflags bits: text "a,b"; JSON ["a","b"] */
};

/*
 * One column (util-linux colinfo): its name for --output (NULL: JSON only),
 * width hint, SCOLS_FL_* flags and help, and its JSON key (NULL: text only),
 * type and JSON flags.  A key "group.key" is a member of the object "group"
 * (consecutive columns of a group share it).  A column is one enum value, one
 * row here, one case in fill().
 */
struct colinfo {
	const char *name;
	double whint;
	int flags;		/* SCOLS_FL_* */
	const char *help;
	const char *json;
	enum col_type type;
	unsigned int jflags;	/* CJ_* */
};

enum {
	CJ_OMIT = 1 << 0,	/* unknown: leave the member out (not null) */
};

/* A cell: filled by a command's fill(), written by the renderer. Unknown is "-" or null. */
struct cell {
	bool known;
	const char *s;		/* CT_STR (may point to buf) */
	char buf[96];
	uint64_t u;		/* CT_HEX, CT_SIZE, CT_U64, CT_KPF */
	bool b;			/* CT_BOOL */
};
/* Fills cell @c of column @col for @row (zeroed, known set, by the caller). */
typedef void col_fill_fn(int col, const void *row, struct cell *c, void *arg);

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

/* Adds @row to @tb: the columns of @c, each through @fill. */
void row_table(const struct hgmctl *g, struct libscols_table *tb, const struct columns *c,
	       col_fill_fn *fill, const void *row, void *arg);
/* Writes @row as a JSON object: the columns in @order that have a JSON key. */
void row_json(struct jw *w, const struct colinfo *info, const int *order, size_t n,
	      col_fill_fn *fill, const void *row, void *arg);

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

/* "thp,lru,..." of the KPF bits in @kf, into @buf, joined by @sep. */
void kpf_list(uint64_t kf, char *buf, size_t size, const char *sep);

/*
 * Detail views, in iproute2's print_*(PRINT_ANY, ...) style: each field is
 * written once, as a JSON member @key when the view has a writer, else as
 * "LABEL VALUE" on the view's text line, so no field exists in one format only.
 */
struct detail {
	struct jw *w;		/* JSON, or NULL: text on stdout */
	int n;			/* fields on the text line so far */
};
/* Opens object @key (JSON) or the text line "  LABEL:". */
void detail_open(struct detail *d, struct jw *w, const char *key, const char *label);
void detail_close(struct detail *d);
/* A number; text shows "-" for a negative (unknown) one, JSON the number as it is. */
void print_i64(struct detail *d, const char *key, const char *label, int64_t val);
void print_str(struct detail *d, const char *key, const char *label, const char *val);

#endif /* HGMCTL_OUTPUT_H */
