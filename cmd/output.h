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
	CT_BOOL,	/* text "y"/"n"; JSON true/false */
	CT_YESNO,	/* text "yes"/"no"; JSON true/false */
	CT_KPF,		/* kpageflags bits: text "a,b"; JSON ["a","b"] */
	CT_DOUBLE,	/* text "%.*f UNIT" (tprec); JSON the number (prec decimals) */
	CT_OBJECT,	/* text the cell's string; JSON written by the cell's json() */
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
	int prec, tprec;	/* CT_DOUBLE: decimals in JSON and in text */
	const char *unit;	/* CT_DOUBLE: after the number in text (" us", "x") */
};

enum {
	CJ_OMIT = 1 << 0,	/* unknown: leave the member out (not null) */
	CJ_BLANK = 1 << 1,	/* unknown: an empty cell in text, not "-" */
};

/* A cell: filled by a command's fill(), written by the renderer. Unknown is "-" or null. */
struct cell {
	bool known;
	const char *s;		/* CT_STR, CT_OBJECT's text (may point to buf) */
	const char *text;	/* CT_STR: the text, when it says @s in words (or
				 * an unknown value otherwise than "-") */
	char buf[384];		/* fill()'s text, when it writes one */
	uint64_t u;		/* CT_HEX, CT_SIZE, CT_U64, CT_KPF */
	bool b;			/* CT_BOOL, CT_YESNO */
	double d;		/* CT_DOUBLE */
	/* CT_OBJECT: writes @obj as member @key */
	void (*json)(struct jw *w, const char *key, const void *obj);
	const void *obj;
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

/* The text of cell @c of column @ci ("-" when unknown): @buf or a string @c points to. */
const char *cell_text(const struct hgmctl *g, const struct colinfo *ci, const struct cell *c,
		      char *buf, size_t size);

/* Prints the table to stdout and frees it. */
void table_print(struct libscols_table *tb);

/*
 * Rows through one fill(): the table of the columns of --output (or
 * @defaults), or with @w the JSON array @key of objects of the @defaults
 * columns that have a key.  rows_add() each row, rows_end() prints the table.
 */
struct rows {
	const struct hgmctl *g;
	struct jw *w;
	struct columns c;
	struct libscols_table *tb;
	col_fill_fn *fill;
	void *arg;
};
void rows_begin(struct rows *r, const struct hgmctl *g, struct jw *w, const char *key,
		const struct colinfo *info, size_t ninfo, const int *defaults, size_t ndefaults,
		col_fill_fn *fill, void *arg);
void rows_add(struct rows *r, const void *row);
void rows_end(struct rows *r);

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

/* One line per document, no spaces (JSON Lines, --interval); set before writing. */
extern bool jw_compact;

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

/*
 * An element of the array open in @outer, built whole before it is added:
 * jdoc_end_in() adds it when @keep, else drops it (a process gone meanwhile).
 */
void jdoc_begin_in(struct jdoc *d, const struct jw *outer);
void jdoc_end_in(struct jdoc *d, struct jw *outer, bool keep);

/* Nanoseconds as "1.83 ms", "12.0 us", "0.93 s". Returns @buf. */
const char *fmt_ns(uint64_t ns, char *buf, size_t size);

/* "thp,lru,..." of the KPF bits in @kf, into @buf, joined by @sep. */
void kpf_list(uint64_t kf, char *buf, size_t size, const char *sep);

/*
 * Detail views, in iproute2's print_*(PRINT_ANY, ...) style: each field is
 * written once, as the JSON member @key when the view has a writer, else as
 * text, so no field exists in one format only.
 *
 * The text of a field is said by its @label:
 *   - a label ("HGM:", "pages_to_scan") is placed by the layout: DL_LINE puts
 *     "LABEL VALUE" fields on one line, comma-separated ("  khugepaged:
 *     max_ptes_none 511, ..."); DL_LIST puts each on its own line, the label
 *     padded to the view's width ("Kernel:        6.12.117");
 *   - a label holding "%s" is the text around the value, as iproute2's format
 *     (", best of %s runs"); an unknown value writes none of it;
 *   - NULL: the field has no text of its own, only where the text says it in
 *     another way (the heading of a section that exists, a note).
 * An unknown value (the *_opt helpers, print_null) is null in JSON, never 0 or
 * "", and "-" (DL_LINE) or "unknown" (DL_LIST) in text.
 */
enum detail_layout { DL_LINE, DL_LIST };

struct detail {
	struct jw *w;		/* JSON, or NULL: text on stdout */
	const struct hgmctl *g;	/* sizes as --bytes says (NULL: human sizes) */
	enum detail_layout layout;
	int width;		/* DL_LIST: labels padded to this */
	int n;			/* DL_LINE: fields on the text line so far */
	bool open;		/* DL_LIST: a text line is not ended yet */
};
/* Opens object @key (JSON) or the DL_LINE text line "  LABEL:" (no label: "  "). */
void detail_open(struct detail *d, struct jw *w, const char *key, const char *label);
void detail_close(struct detail *d);
/* A DL_LIST view of the members of the object open in @w (NULL: text). */
void detail_begin(struct detail *d, const struct hgmctl *g, struct jw *w, int width);
/* Ends the view's last text line. */
void detail_end(struct detail *d);
/* JSON structure: an object or array member @key; in text only @label, if any. */
void print_obj_open(struct detail *d, const char *key, const char *label);
void print_obj_close(struct detail *d);
/* An array of strings: "LABEL a b c" in text. */
void print_list_open(struct detail *d, const char *key, const char *label);
void print_list_close(struct detail *d);
/* An element: " VAL" on the list's line, or as @label says ("%s" in it). */
void print_item(struct detail *d, const char *label, const char *val);
/* Text only: words around the fields, never a value of its own. */
void print_text(struct detail *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A number; text shows "-" for a negative (unknown) one, JSON the number as it is. */
void print_i64(struct detail *d, const char *key, const char *label, int64_t val);
void print_u64(struct detail *d, const char *key, const char *label, uint64_t val);
void print_u64_opt(struct detail *d, const char *key, const char *label, bool known,
		   uint64_t val);
/* A number of the JSON contract that the text says in @words ("10Gbit/s"). */
void print_u64_as(struct detail *d, const char *key, const char *label, uint64_t val,
		  const char *words);
/* Nanoseconds: the number in JSON, "1.83 ms" in text. */
void print_ns(struct detail *d, const char *key, const char *label, uint64_t ns);
/* Bytes: "2M" in text (decimal with --bytes), the number in JSON. */
void print_size(struct detail *d, const char *key, const char *label, uint64_t val);
void print_size_opt(struct detail *d, const char *key, const char *label, bool known,
		    uint64_t val);
/* "0x7f..." in JSON, "7f..." in text. */
void print_hex(struct detail *d, const char *key, const char *label, uint64_t val);
/* true/false in JSON, "yes"/"no" in text. */
void print_bool(struct detail *d, const char *key, const char *label, bool val);
void print_bool_opt(struct detail *d, const char *key, const char *label, bool known, bool val);
/* A bool as a word of a text list: " NAME" if set, " -NAME" if not. */
void print_flag(struct detail *d, const char *key, const char *name, bool known, bool val);
/* A number with @decimals; text "%.*fUNIT" (@tdecimals there; @unit " ms", "x" or NULL). */
void print_double(struct detail *d, const char *key, const char *label, double val,
		  int decimals, int tdecimals, const char *unit);
void print_str(struct detail *d, const char *key, const char *label, const char *val);
/* null (JSON) and unknown (text) for NULL or "". */
void print_str_opt(struct detail *d, const char *key, const char *label, const char *val);
/* A string of the JSON contract (@name, NULL: null) that the text says as @words. */
void print_str_as(struct detail *d, const char *key, const char *label, const char *name,
		const char *words);
/* An unknown value: null in JSON; in text @why (NULL: the unknown word). */
void print_null(struct detail *d, const char *key, const char *label, const char *why);

/*
 * A whole document: with --json one JSON object, printed when it is whole,
 * else text on stdout; either way written through @d's print_*() (and
 * rows_*() with d.w).  @width: the labels of a DL_LIST view.
 */
struct doc {
	struct jdoc j;
	struct detail d;
};
void doc_begin(struct doc *v, const struct hgmctl *g, int width);
void doc_end(struct doc *v);

#endif /* HGMCTL_OUTPUT_H */
