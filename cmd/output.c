// SPDX-License-Identifier: GPL-2.0-or-later
/* output.c - columns, libsmartcols tables, human sizes and the JSON writer */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <time.h>

#include "cli.h"
#include "output.h"


static int column_id(const struct colinfo *info, size_t n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (info[i].name && strlen(info[i].name) == len &&
		    strncasecmp(info[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

void columns_init(struct columns *c, const struct colinfo *info, size_t ninfo,
		  const int *defaults, size_t ndefaults, const char *output)
{
	const char *p = output;

	c->info = info;
	c->ninfo = ninfo;
	c->n = 0;
	if (!p || *p == '+') {
		memcpy(c->id, defaults, ndefaults * sizeof(*defaults));
		c->n = ndefaults;
		if (p)
			p++;
	}
	while (p && *p) {
		const char *end = strchrnul(p, ',');
		int id = column_id(info, ninfo, p, end - p);

		if (id < 0)
			usage_error("unknown column: '%.*s'", (int)(end - p), p);
		if (c->n == MAX_COLUMNS)
			usage_error("too many columns in '%s'", output);
		c->id[c->n++] = id;
		p = *end ? end + 1 : end;
	}
	if (c->n == 0)
		usage_error("no columns in '%s'", output);
}

struct libscols_table *table_new(const struct hgmctl *g, const struct columns *c)
{
	struct libscols_table *tb = scols_new_table();
	size_t i;

	if (!tb)
		err(EXIT_ERROR, "cannot allocate table");
	scols_table_enable_raw(tb, g->raw);
	scols_table_enable_noheadings(tb, g->no_headings);
	for (i = 0; i < c->n; i++) {
		const struct colinfo *ci = &c->info[c->id[i]];

		if (!scols_table_new_column(tb, ci->name, ci->whint, ci->flags))
			err(EXIT_ERROR, "cannot allocate column");
	}
	return tb;
}

struct libscols_line *table_line(struct libscols_table *tb)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);

	if (!ln)
		err(EXIT_ERROR, "cannot allocate table line");
	return ln;
}

void table_cell(struct libscols_line *ln, size_t col, const char *s)
{
	if (scols_line_set_data(ln, col, s))
		err(EXIT_ERROR, "cannot set table data");
}

void table_print(struct libscols_table *tb)
{
	scols_print_table(tb);
	scols_unref_table(tb);
}

void columns_help(FILE *f, const struct colinfo *info, size_t n)
{
	size_t i;

	fputs("\nAvailable output columns:\n", f);
	for (i = 0; i < n; i++)
		if (info[i].name)
			fprintf(f, " %11s  %s\n", info[i].name, info[i].help);
}

char *fmt_size(const struct hgmctl *g, uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	unsigned int shift = 0;
	int i;

	if (g->bytes || bytes < 1024) {
		snprintf(buf, size, "%" PRIu64, bytes);
		return buf;
	}
	for (i = 0; units[i] && bytes >> (shift + 10) >= 1; i++)
		shift += 10;
	i--;
	if ((bytes & ((UINT64_C(1) << shift) - 1)) == 0)
		snprintf(buf, size, "%" PRIu64 "%c", bytes >> shift, units[i]);
	else
		snprintf(buf, size, "%.1f%c", (double)bytes / (double)(UINT64_C(1) << shift),
			 units[i]);
	return buf;
}

char *str_escape(const char *s, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = 0;

	if (!size)
		return buf;
	for (; *p; p++) {
		if (*p >= 0x20 && *p < 0x7f) {
			if (len + 1 >= size)
				break;
			buf[len++] = (char)*p;
		} else {
			if (len + 4 >= size)
				break;
			len += (size_t)snprintf(buf + len, size - len, "\\x%02x", *p);
		}
	}
	buf[len] = '\0';
	return buf;
}

const char *fmt_ns(uint64_t ns, char *buf, size_t size)
{
	if (ns >= UINT64_C(1000000000))
		snprintf(buf, size, "%.2f s", ns / 1e9);
	else if (ns >= UINT64_C(1000000))
		snprintf(buf, size, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.1f us", ns / 1e3);
	return buf;
}

/* ---- JSON ---------------------------------------------------------------------- */

/*
 * The length of the well-formed UTF-8 sequence at @p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if there is none.
 */
static size_t utf8_len(const unsigned char *p)
{
	size_t n, i;
	uint32_t c;

	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2, c = *p & 0x1f;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3, c = *p & 0x0f;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4, c = *p & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

bool jw_compact;

void jw_init(struct jw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->need_comma = false;
}

/*
 * A JSON string of @s, whatever its bytes: control characters (C0, DEL and
 * C1) are written as \u00XX, and each byte that is not part of well-formed
 * UTF-8 (names in smaps are bytes, not text) as \ufffd, the replacement
 * character, so the document stays valid JSON (hgmctl(8), JSON OUTPUT).
 */
static void jw_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p >= 0x80) {
			size_t n = utf8_len(p);

			if (!n)
				fputs("\\ufffd", f);
			else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
				fprintf(f, "\\u%04x", p[1]);		/* C1 control */
			else
				fwrite(p, 1, n, f);
			p += n ? n - 1 : 0;
			continue;
		}
		switch (*p) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Starts a member: separator, newline and indent, then "key": when given. */
static void jw_member(struct jw *w, const char *key)
{
	if (w->need_comma)
		fputc(',', w->f);
	if (w->depth && !jw_compact)
		fprintf(w->f, "\n%*s", w->depth * 3, "");
	if (key) {
		jw_string(w->f, key);
		fputs(jw_compact ? ":" : ": ", w->f);
	}
	w->need_comma = true;
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_member(w, key);
	fputc(c, w->f);
	w->depth++;
	w->need_comma = false;
}

static void jw_close(struct jw *w, char c)
{
	bool empty = !w->need_comma;

	w->depth--;
	if (!empty && !jw_compact)
		fprintf(w->f, "\n%*s", w->depth * 3, "");
	fputc(c, w->f);
	w->need_comma = true;
}

void jw_obj_open(struct jw *w, const char *key) { jw_open(w, key, '{'); }
void jw_obj_close(struct jw *w) { jw_close(w, '}'); }
void jw_arr_open(struct jw *w, const char *key) { jw_open(w, key, '['); }
void jw_arr_close(struct jw *w) { jw_close(w, ']'); }

void jw_str(struct jw *w, const char *key, const char *val)
{
	jw_member(w, key);
	jw_string(w->f, val);
}

void jw_u64(struct jw *w, const char *key, uint64_t val)
{
	jw_member(w, key);
	fprintf(w->f, "%" PRIu64, val);
}

void jw_i64(struct jw *w, const char *key, int64_t val)
{
	jw_member(w, key);
	fprintf(w->f, "%" PRId64, val);
}

void jw_bool(struct jw *w, const char *key, bool val)
{
	jw_member(w, key);
	fputs(val ? "true" : "false", w->f);
}

void jw_double(struct jw *w, const char *key, double val, int decimals)
{
	jw_member(w, key);
	fprintf(w->f, "%.*f", decimals, val);
}

void jw_null(struct jw *w, const char *key)
{
	jw_member(w, key);
	fputs("null", w->f);
}

void jw_hex(struct jw *w, const char *key, uint64_t val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, val);
	jw_str(w, key, buf);
}

void jw_u64_opt(struct jw *w, const char *key, bool known, uint64_t val)
{
	if (known)
		jw_u64(w, key, val);
	else
		jw_null(w, key);
}

void jw_hex_opt(struct jw *w, const char *key, bool known, uint64_t val)
{
	if (known)
		jw_hex(w, key, val);
	else
		jw_null(w, key);
}

void jw_str_opt(struct jw *w, const char *key, const char *val)
{
	if (val && *val)
		jw_str(w, key, val);
	else
		jw_null(w, key);
}

void jw_end(struct jw *w)
{
	fputc('\n', w->f);
}

/* A document in memory, its object opened at @depth (inside another one's array). */
static void jdoc_open(struct jdoc *d, int depth)
{
	d->buf = NULL;
	d->len = 0;
	d->mem = open_memstream(&d->buf, &d->len);
	if (!d->mem)
		err(EXIT_ERROR, "cannot allocate memory");
	jw_init(&d->w, d->mem);
	d->w.depth = depth;
	jw_obj_open(&d->w, NULL);
}

void jdoc_begin(struct jdoc *d)
{
	jdoc_open(d, 0);
}

void jdoc_begin_in(struct jdoc *d, const struct jw *outer)
{
	jdoc_open(d, outer->depth);
}

void jdoc_end_in(struct jdoc *d, struct jw *outer, bool keep)
{
	jw_obj_close(&d->w);
	fclose(d->mem);
	if (keep) {
		if (outer->need_comma)
			fputc(',', outer->f);
		fwrite(d->buf, 1, d->len, outer->f);
		outer->need_comma = true;
	}
	free(d->buf);
	d->mem = NULL;
	d->buf = NULL;
}

void jdoc_end(struct jdoc *d, bool print)
{
	jw_obj_close(&d->w);
	jw_end(&d->w);
	fclose(d->mem);
	if (print)
		fwrite(d->buf, 1, d->len, stdout);
	free(d->buf);
	d->mem = NULL;
	d->buf = NULL;
}

void kpf_list(uint64_t kf, char *buf, size_t size, const char *sep)
{
	size_t len = 0;
	unsigned int b;

	buf[0] = '\0';
	for (b = 0; b < 64 && len < size; b++) {
		if (!(kf & (UINT64_C(1) << b)) || !hgm_kpf_name(b))
			continue;
		len += snprintf(buf + len, size - len, "%s%s", len ? sep : "", hgm_kpf_name(b));
	}
}

void detail_open(struct detail *d, struct jw *w, const char *key, const char *label)
{
	memset(d, 0, sizeof(*d));
	d->w = w;
	d->layout = DL_LINE;
	if (w)
		jw_obj_open(w, key);
	else if (label)
		printf("  %s:", label);
	else
		putchar(' ');
}

void detail_close(struct detail *d)
{
	if (d->w)
		jw_obj_close(d->w);
	else
		putchar('\n');
}

void detail_begin(struct detail *d, const struct hgmctl *g, struct jw *w, int width)
{
	memset(d, 0, sizeof(*d));
	d->w = w;
	d->g = g;
	d->layout = DL_LIST;
	d->width = width;
}

void detail_end(struct detail *d)
{
	if (!d->w && d->open)
		putchar('\n');
	d->open = false;
}

/* Text around a value: @fmt with its "%s" replaced by @val. */
static void text_fmt(struct detail *d, const char *fmt, const char *val)
{
	const char *at = strstr(fmt, "%s");
	const char *end;		/* what is written last */

	if (!at) {
		fputs(fmt, stdout);
		end = fmt;
	} else {
		printf("%.*s%s%s", (int)(at - fmt), fmt, val, at + 2);
		end = at[2] || !*val ? at + 2 : val;
		if (!*end)
			end = fmt;
	}
	if (*end)
		d->open = end[strlen(end) - 1] != '\n';
}

/* A layout label, the start of a DL_LIST line or a DL_LINE field. */
static void text_label(struct detail *d, const char *label)
{
	if (d->layout == DL_LINE) {
		printf("%s %s", d->n++ ? "," : "", label);
		return;
	}
	if (d->open)
		putchar('\n');
	printf("%-*s", d->width, label);
	d->open = true;
}

/* The text side of a field: @val (NULL: unknown) as @label says. */
static void detail_text(struct detail *d, const char *label, const char *val)
{
	if (!label)
		return;
	if (strstr(label, "%s")) {
		if (val)
			text_fmt(d, label, val);
		return;
	}
	text_label(d, label);
	printf(" %s", val ? val : d->layout == DL_LIST ? "unknown" : "-");
}

/* A JSON object or array (@c: '{' or '['); in text only @label, if any. */
static void print_open(struct detail *d, const char *key, const char *label, char c)
{
	if (d->w && c == '{')
		jw_obj_open(d->w, key);
	else if (d->w)
		jw_arr_open(d->w, key);
	else if (label)
		text_label(d, label);
}

void print_obj_open(struct detail *d, const char *key, const char *label)
{
	print_open(d, key, label, '{');
}

void print_obj_close(struct detail *d)
{
	if (d->w)
		jw_obj_close(d->w);
}

void print_list_open(struct detail *d, const char *key, const char *label)
{
	print_open(d, key, label, '[');
}

void print_list_close(struct detail *d)
{
	if (d->w)
		jw_arr_close(d->w);
}

void print_item(struct detail *d, const char *label, const char *val)
{
	if (d->w)
		jw_str(d->w, NULL, val);
	else if (label)
		text_fmt(d, label, val);
	else
		printf(" %s", val);
}

void print_text(struct detail *d, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (d->w)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	text_fmt(d, "%s", buf);
}

void print_i64(struct detail *d, const char *key, const char *label, int64_t val)
{
	char buf[24];

	if (d->w) {
		jw_i64(d->w, key, val);
		return;
	}
	snprintf(buf, sizeof(buf), "%" PRId64, val);
	detail_text(d, label, val < 0 ? NULL : buf);
}

/* An unsigned number: @val in JSON (null unless @known), @text in text. */
static void print_number(struct detail *d, const char *key, const char *label, bool known,
			 uint64_t val, const char *text)
{
	if (d->w)
		jw_u64_opt(d->w, key, known, val);
	else
		detail_text(d, label, known ? text : NULL);
}

void print_u64_opt(struct detail *d, const char *key, const char *label, bool known,
		   uint64_t val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, val);
	print_number(d, key, label, known, val, buf);
}

void print_u64(struct detail *d, const char *key, const char *label, uint64_t val)
{
	print_u64_opt(d, key, label, true, val);
}

void print_u64_as(struct detail *d, const char *key, const char *label, uint64_t val,
		  const char *words)
{
	print_number(d, key, label, true, val, words);
}

void print_ns(struct detail *d, const char *key, const char *label, uint64_t ns)
{
	char buf[32];

	print_number(d, key, label, true, ns, fmt_ns(ns, buf, sizeof(buf)));
}

void print_size_opt(struct detail *d, const char *key, const char *label, bool known,
		    uint64_t val)
{
	static const struct hgmctl human;
	char buf[32];

	print_number(d, key, label, known, val, fmt_size(d->g ?: &human, val, buf, sizeof(buf)));
}

void print_size(struct detail *d, const char *key, const char *label, uint64_t val)
{
	print_size_opt(d, key, label, true, val);
}

void print_hex(struct detail *d, const char *key, const char *label, uint64_t val)
{
	char json[24];

	snprintf(json, sizeof(json), "0x%" PRIx64, val);
	print_str_as(d, key, label, json, json + 2);	/* as jw_hex() writes it */
}

void print_bool_opt(struct detail *d, const char *key, const char *label, bool known, bool val)
{
	if (d->w) {
		if (known)
			jw_bool(d->w, key, val);
		else
			jw_null(d->w, key);
		return;
	}
	detail_text(d, label, !known ? NULL : val ? "yes" : "no");
}

void print_bool(struct detail *d, const char *key, const char *label, bool val)
{
	print_bool_opt(d, key, label, true, val);
}

void print_flag(struct detail *d, const char *key, const char *name, bool known, bool val)
{
	if (d->w)
		print_bool_opt(d, key, NULL, known, val);
	else if (known)
		printf(" %s%s", val ? "" : "-", name);
}

void print_double(struct detail *d, const char *key, const char *label, double val,
		  int decimals, int tdecimals, const char *unit)
{
	char buf[48];

	if (d->w) {
		jw_double(d->w, key, val, decimals);
		return;
	}
	snprintf(buf, sizeof(buf), "%.*f%s", tdecimals, val, unit ?: "");
	detail_text(d, label, buf);
}

void print_str(struct detail *d, const char *key, const char *label, const char *val)
{
	if (d->w)
		jw_str(d->w, key, val);
	else
		detail_text(d, label, val);
}

void print_str_opt(struct detail *d, const char *key, const char *label, const char *val)
{
	if (d->w)
		jw_str_opt(d->w, key, val);
	else
		detail_text(d, label, val && *val ? val : NULL);
}

void print_str_as(struct detail *d, const char *key, const char *label, const char *name,
		const char *words)
{
	if (d->w)
		jw_str_opt(d->w, key, name);
	else
		detail_text(d, label, name ? words : NULL);
}

void print_null(struct detail *d, const char *key, const char *label, const char *why)
{
	if (d->w)
		jw_null(d->w, key);
	else
		detail_text(d, label, why);
}

const char *cell_text(const struct hgmctl *g, const struct colinfo *ci, const struct cell *c,
		      char *buf, size_t size)
{
	if (!c->known)
		return c->text ?: ci->jflags & CJ_BLANK ? "" : "-";
	switch (ci->type) {
	case CT_STR:
		return c->text ?: c->s;
	case CT_OBJECT:
		return c->s;
	case CT_HEX:
		snprintf(buf, size, "%" PRIx64, c->u);
		break;
	case CT_SIZE:
		fmt_size(g, c->u, buf, size);
		break;
	case CT_KPF:
		kpf_list(c->u, buf, size, ",");
		break;
	case CT_BOOL:
		return c->b ? "y" : "n";
	case CT_YESNO:
		return c->b ? "yes" : "no";
	case CT_DOUBLE:
		snprintf(buf, size, "%.*f%s", ci->tprec, c->d, ci->unit ?: "");
		break;
	case CT_U64:
		snprintf(buf, size, "%" PRIu64, c->u);
		break;
	}
	return buf;
}

void row_table(const struct hgmctl *g, struct libscols_table *tb, const struct columns *c,
	       col_fill_fn *fill, const void *row, void *arg)
{
	struct libscols_line *ln = table_line(tb);
	size_t i;

	for (i = 0; i < c->n; i++) {
		struct cell cell = { .known = true };
		char buf[512];

		fill(c->id[i], row, &cell, arg);
		table_cell(ln, i, cell_text(g, &c->info[c->id[i]], &cell, buf, sizeof(buf)));
	}
}

/* The group of "group.key" (its length), and the member's own key. */
static size_t json_group(const char *key, const char **member)
{
	const char *dot = strchr(key, '.');

	*member = dot ? dot + 1 : key;
	return dot ? (size_t)(dot - key) : 0;
}

void row_json(struct jw *w, const struct colinfo *info, const int *order, size_t n,
	      col_fill_fn *fill, const void *row, void *arg)
{
	const char *open = NULL;	/* the group object open now */
	size_t i, open_len = 0;
	unsigned int b;

	jw_obj_open(w, NULL);
	for (i = 0; i < n; i++) {
		const struct colinfo *ci = &info[order[i]];
		struct cell cell = { .known = true };
		const char *key;
		size_t glen;

		if (!ci->json)
			continue;
		fill(order[i], row, &cell, arg);
		if (!cell.known && (ci->jflags & CJ_OMIT))
			continue;
		glen = json_group(ci->json, &key);
		if (open && (glen != open_len || strncmp(open, ci->json, glen) != 0)) {
			jw_obj_close(w);
			open = NULL;
		}
		if (glen && !open) {
			char name[64];

			snprintf(name, sizeof(name), "%.*s", (int)glen, ci->json);
			jw_obj_open(w, name);
			open = ci->json;
			open_len = glen;
		}
		/* unknown is null whatever the type, never 0 or "" */
		if (!cell.known || (ci->type == CT_OBJECT && !cell.json)) {
			jw_null(w, key);
			continue;
		}
		switch (ci->type) {
		case CT_STR:
			jw_str(w, key, cell.s);
			break;
		case CT_HEX:
			jw_hex(w, key, cell.u);
			break;
		case CT_SIZE:
		case CT_U64:
			jw_u64(w, key, cell.u);
			break;
		case CT_BOOL:
		case CT_YESNO:
			jw_bool(w, key, cell.b);
			break;
		case CT_DOUBLE:
			jw_double(w, key, cell.d, ci->prec);
			break;
		case CT_OBJECT:
			cell.json(w, key, cell.obj);
			break;
		case CT_KPF:
			jw_arr_open(w, key);
			for (b = 0; b < 64; b++)
				if (cell.u & (UINT64_C(1) << b) && hgm_kpf_name(b))
					jw_str(w, NULL, hgm_kpf_name(b));
			jw_arr_close(w);
			break;
		}
	}
	if (open)
		jw_obj_close(w);
	jw_obj_close(w);
}

void rows_begin(struct rows *r, const struct hgmctl *g, struct jw *w, const char *key,
		const struct colinfo *info, size_t ninfo, const int *defaults, size_t ndefaults,
		col_fill_fn *fill, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->g = g;
	r->w = w;
	r->fill = fill;
	r->arg = arg;
	/* JSON has every column with a key; --output is for the table */
	columns_init(&r->c, info, ninfo, defaults, ndefaults, w ? NULL : g->output);
	if (w)
		jw_arr_open(w, key);
	else
		r->tb = table_new(g, &r->c);
}

void rows_add(struct rows *r, const void *row)
{
	if (r->w)
		row_json(r->w, r->c.info, r->c.id, r->c.n, r->fill, row, r->arg);
	else
		row_table(r->g, r->tb, &r->c, r->fill, row, r->arg);
}

void rows_end(struct rows *r)
{
	if (r->w)
		jw_arr_close(r->w);
	else
		table_print(r->tb);
}

void doc_begin(struct doc *v, const struct hgmctl *g, int width)
{
	if (g->json)
		jdoc_begin(&v->j);
	detail_begin(&v->d, g, g->json ? &v->j.w : NULL, width);
}

void doc_end(struct doc *v)
{
	if (v->d.w)
		jdoc_end(&v->j, true);
	else
		detail_end(&v->d);
}
