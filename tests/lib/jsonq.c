/* SPDX-License-Identifier: GPL-2.0-or-later */
/* jsonq: minimal strict JSON (RFC 8259) parser and path query helper for tests. */
#include "jsonq.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jq_member {
	char *key;
	size_t keylen;
	struct jq_value *val;
};

struct jq_value {
	enum jq_type type;
	union {
		int b;                          /* JQ_BOOL */
		char *num;                      /* JQ_NUMBER: text as written */
		struct {                        /* JQ_STRING */
			char *s;
			size_t len;
		} str;
		struct {                        /* JQ_ARRAY */
			struct jq_value **items;
			size_t n;
		} arr;
		struct {                        /* JQ_OBJECT */
			struct jq_member *m;
			size_t n;
		} obj;
	} u;
};

struct parser {
	const char *start;
	const char *p;
	char *err;
	size_t errlen;
	int depth;
};

#if defined(__GNUC__) || defined(__clang__)
#define JQ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define JQ_PRINTF(a, b)
#endif

static void fail(struct parser *ps, const char *at, const char *fmt, ...) JQ_PRINTF(3, 4);

/* Format "LINE:COL: message" for position @at into the caller's buffer. */
static void fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	unsigned long line = 1, col = 1;
	const char *q;
	va_list ap;
	int n;

	if (!ps->err || ps->errlen == 0)
		return;
	for (q = ps->start; q < at; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	n = snprintf(ps->err, ps->errlen, "%lu:%lu: ", line, col);
	if (n < 0 || (size_t)n >= ps->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Describe the byte at @at for an "unexpected ..." message. */
static void fail_unexpected(struct parser *ps, const char *at, const char *what)
{
	unsigned char c = (unsigned char)*at;

	if (c == '\0')
		fail(ps, at, "unexpected end of input, expected %s", what);
	else if (c > 0x20 && c < 0x7f)
		fail(ps, at, "unexpected character '%c', expected %s", c, what);
	else
		fail(ps, at, "unexpected byte 0x%02x, expected %s", c, what);
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static struct jq_value *new_value(struct parser *ps, enum jq_type t)
{
	struct jq_value *v = calloc(1, sizeof(*v));

	if (!v)
		fail(ps, ps->p, "out of memory");
	else
		v->type = t;
	return v;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse 4 hex digits at @s; returns the code unit or -1. */
static long hex4(const char *s)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int h = hex_val(s[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Append code point @cp as UTF-8 to @out; returns bytes written. */
static size_t put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Length of the well-formed UTF-8 sequence starting at @s (lead byte >= 0x80),
 * or 0 if it is ill-formed (overlong, surrogate, > U+10FFFF, truncated).
 */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Parse a string starting at the opening quote.  On success stores a
 * malloc'd NUL-terminated copy in *@out and its length in *@outlen.
 */
static int parse_string_raw(struct parser *ps, char **out, size_t *outlen)
{
	const char *q = ps->p + 1;
	char *buf, *w;

	/* Decoded text is never longer than the source, so bound it first. */
	while (*q && *q != '"') {
		if (*q == '\\' && q[1])
			q++;
		q++;
	}
	buf = malloc((size_t)(q - ps->p));
	if (!buf) {
		fail(ps, ps->p, "out of memory");
		return -1;
	}
	w = buf;
	q = ps->p + 1;
	for (;;) {
		unsigned char c = (unsigned char)*q;

		if (c == '"') {
			break;
		} else if (c == '\0') {
			fail(ps, q, "unterminated string");
			goto err;
		} else if (c < 0x20) {
			fail(ps, q, "unescaped control character 0x%02x in string", c);
			goto err;
		} else if (c >= 0x80) {
			size_t n = utf8_seq_len((const unsigned char *)q);

			if (!n) {
				fail(ps, q, "invalid UTF-8 in string");
				goto err;
			}
			memcpy(w, q, n);
			w += n;
			q += n;
			continue;
		} else if (c != '\\') {
			*w++ = (char)c;
			q++;
			continue;
		}
		/* escape sequence */
		switch (q[1]) {
		case '"':  *w++ = '"';  break;
		case '\\': *w++ = '\\'; break;
		case '/':  *w++ = '/';  break;
		case 'b':  *w++ = '\b'; break;
		case 'f':  *w++ = '\f'; break;
		case 'n':  *w++ = '\n'; break;
		case 'r':  *w++ = '\r'; break;
		case 't':  *w++ = '\t'; break;
		case 'u': {
			long cu = hex4(q + 2), lo;
			unsigned long cp;

			if (cu < 0) {
				fail(ps, q, "invalid \\u escape (need 4 hex digits)");
				goto err;
			}
			if (cu >= 0xdc00 && cu <= 0xdfff) {
				fail(ps, q, "lone low surrogate \\u%04lx", cu);
				goto err;
			}
			if (cu >= 0xd800 && cu <= 0xdbff) {
				if (q[6] != '\\' || q[7] != 'u') {
					fail(ps, q, "high surrogate \\u%04lx not followed by a low surrogate", cu);
					goto err;
				}
				lo = hex4(q + 8);
				if (lo < 0) {
					fail(ps, q + 6, "invalid \\u escape (need 4 hex digits)");
					goto err;
				}
				if (lo < 0xdc00 || lo > 0xdfff) {
					fail(ps, q, "high surrogate \\u%04lx not followed by a low surrogate", cu);
					goto err;
				}
				cp = 0x10000 + (((unsigned long)cu - 0xd800) << 10) +
				     ((unsigned long)lo - 0xdc00);
				q += 6;
			} else {
				cp = (unsigned long)cu;
			}
			w += put_utf8(w, cp);
			q += 6;
			continue;
		}
		case '\0':
			fail(ps, q, "unterminated string");
			goto err;
		default:
			if ((unsigned char)q[1] > 0x20 && (unsigned char)q[1] < 0x7f)
				fail(ps, q, "invalid escape '\\%c'", q[1]);
			else
				fail(ps, q, "invalid escape (byte 0x%02x)", (unsigned char)q[1]);
			goto err;
		}
		q += 2;
	}
	*w = '\0';
	*out = buf;
	*outlen = (size_t)(w - buf);
	ps->p = q + 1;
	return 0;
err:
	free(buf);
	return -1;
}

static struct jq_value *parse_number(struct parser *ps)
{
	const char *s = ps->p, *q = s;
	struct jq_value *v;
	size_t len;

	if (*q == '-')
		q++;
	if (*q == '0') {
		q++;
		if (is_digit(*q)) {
			fail(ps, s, "leading zeros are not allowed in numbers");
			return NULL;
		}
	} else if (is_digit(*q)) {
		while (is_digit(*q))
			q++;
	} else {
		fail(ps, q, "expected digit after '-'");
		return NULL;
	}
	if (*q == '.') {
		q++;
		if (!is_digit(*q)) {
			fail(ps, q, "expected digit after decimal point");
			return NULL;
		}
		while (is_digit(*q))
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!is_digit(*q)) {
			fail(ps, q, "expected digit in exponent");
			return NULL;
		}
		while (is_digit(*q))
			q++;
	}
	v = new_value(ps, JQ_NUMBER);
	if (!v)
		return NULL;
	len = (size_t)(q - s);
	v->u.num = malloc(len + 1);
	if (!v->u.num) {
		fail(ps, s, "out of memory");
		free(v);
		return NULL;
	}
	memcpy(v->u.num, s, len);
	v->u.num[len] = '\0';
	ps->p = q;
	return v;
}

static struct jq_value *parse_value(struct parser *ps);

/* Grow *@arr (of @elsz-byte elements) so that it can hold @n + 1 elements. */
static int grow(struct parser *ps, void **arr, size_t *cap, size_t n, size_t elsz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	if (ncap < *cap || ncap > SIZE_MAX / elsz) {
		fail(ps, ps->p, "out of memory");
		return -1;
	}
	p = realloc(*arr, ncap * elsz);
	if (!p) {
		fail(ps, ps->p, "out of memory");
		return -1;
	}
	*arr = p;
	*cap = ncap;
	return 0;
}

static int enter(struct parser *ps)
{
	if (ps->depth >= JQ_MAX_DEPTH) {
		fail(ps, ps->p, "nesting depth exceeds %d", JQ_MAX_DEPTH);
		return -1;
	}
	ps->depth++;
	return 0;
}

static struct jq_value *parse_array(struct parser *ps)
{
	struct jq_value *v;
	size_t cap = 0;

	if (enter(ps))
		return NULL;
	v = new_value(ps, JQ_ARRAY);
	if (!v)
		return NULL;
	ps->p++; /* '[' */
	skip_ws(ps);
	if (*ps->p == ']') {
		ps->p++;
		goto done;
	}
	for (;;) {
		struct jq_value *item;

		if (grow(ps, (void **)&v->u.arr.items, &cap, v->u.arr.n,
			 sizeof(*v->u.arr.items)))
			goto err;
		item = parse_value(ps);
		if (!item)
			goto err;
		v->u.arr.items[v->u.arr.n++] = item;
		skip_ws(ps);
		if (*ps->p == ']') {
			ps->p++;
			break;
		}
		if (*ps->p != ',') {
			fail_unexpected(ps, ps->p, "',' or ']' in array");
			goto err;
		}
		ps->p++;
		skip_ws(ps);
		if (*ps->p == ']') {
			fail(ps, ps->p, "trailing comma in array");
			goto err;
		}
	}
done:
	ps->depth--;
	return v;
err:
	jq_free(v);
	return NULL;
}

static struct jq_value *parse_object(struct parser *ps)
{
	struct jq_value *v;
	size_t cap = 0;

	if (enter(ps))
		return NULL;
	v = new_value(ps, JQ_OBJECT);
	if (!v)
		return NULL;
	ps->p++; /* '{' */
	skip_ws(ps);
	if (*ps->p == '}') {
		ps->p++;
		goto done;
	}
	for (;;) {
		struct jq_member *m;

		if (*ps->p != '"') {
			fail_unexpected(ps, ps->p, "string key in object");
			goto err;
		}
		if (grow(ps, (void **)&v->u.obj.m, &cap, v->u.obj.n,
			 sizeof(*v->u.obj.m)))
			goto err;
		m = &v->u.obj.m[v->u.obj.n];
		if (parse_string_raw(ps, &m->key, &m->keylen))
			goto err;
		m->val = NULL;
		v->u.obj.n++;
		skip_ws(ps);
		if (*ps->p != ':') {
			fail_unexpected(ps, ps->p, "':' after object key");
			goto err;
		}
		ps->p++;
		m->val = parse_value(ps);
		if (!m->val)
			goto err;
		skip_ws(ps);
		if (*ps->p == '}') {
			ps->p++;
			break;
		}
		if (*ps->p != ',') {
			fail_unexpected(ps, ps->p, "',' or '}' in object");
			goto err;
		}
		ps->p++;
		skip_ws(ps);
		if (*ps->p == '}') {
			fail(ps, ps->p, "trailing comma in object");
			goto err;
		}
	}
done:
	ps->depth--;
	return v;
err:
	jq_free(v);
	return NULL;
}

static struct jq_value *parse_literal(struct parser *ps, const char *word,
				      enum jq_type t, int b)
{
	size_t n = strlen(word);
	struct jq_value *v;

	if (strncmp(ps->p, word, n) != 0) {
		fail(ps, ps->p, "invalid literal, expected '%s'", word);
		return NULL;
	}
	v = new_value(ps, t);
	if (!v)
		return NULL;
	v->u.b = b;
	ps->p += n;
	return v;
}

static struct jq_value *parse_value(struct parser *ps)
{
	struct jq_value *v;

	skip_ws(ps);
	switch (*ps->p) {
	case '{':
		return parse_object(ps);
	case '[':
		return parse_array(ps);
	case '"':
		v = new_value(ps, JQ_STRING);
		if (!v)
			return NULL;
		if (parse_string_raw(ps, &v->u.str.s, &v->u.str.len)) {
			free(v);
			return NULL;
		}
		return v;
	case 't':
		return parse_literal(ps, "true", JQ_BOOL, 1);
	case 'f':
		return parse_literal(ps, "false", JQ_BOOL, 0);
	case 'n':
		return parse_literal(ps, "null", JQ_NULL, 0);
	default:
		if (*ps->p == '-' || is_digit(*ps->p))
			return parse_number(ps);
		fail_unexpected(ps, ps->p, "a JSON value");
		return NULL;
	}
}

struct jq_value *jq_parse(const char *text, char *err, size_t errlen)
{
	struct parser ps = { text, text, err, errlen, 0 };
	struct jq_value *v;

	if (err && errlen)
		err[0] = '\0';
	if (!text) {
		if (err && errlen)
			snprintf(err, errlen, "0:0: no input");
		return NULL;
	}
	v = parse_value(&ps);
	if (!v)
		return NULL;
	skip_ws(&ps);
	if (*ps.p != '\0') {
		fail_unexpected(&ps, ps.p, "end of input after value");
		jq_free(v);
		return NULL;
	}
	return v;
}

void jq_free(struct jq_value *v)
{
	size_t i;

	if (!v)
		return;
	switch (v->type) {
	case JQ_NUMBER:
		free(v->u.num);
		break;
	case JQ_STRING:
		free(v->u.str.s);
		break;
	case JQ_ARRAY:
		for (i = 0; i < v->u.arr.n; i++)
			jq_free(v->u.arr.items[i]);
		free(v->u.arr.items);
		break;
	case JQ_OBJECT:
		for (i = 0; i < v->u.obj.n; i++) {
			free(v->u.obj.m[i].key);
			jq_free(v->u.obj.m[i].val);
		}
		free(v->u.obj.m);
		break;
	default:
		break;
	}
	free(v);
}

static const struct jq_value *lookup_key(const struct jq_value *v,
					 const char *key, size_t len)
{
	size_t i;

	if (!v || v->type != JQ_OBJECT)
		return NULL;
	for (i = 0; i < v->u.obj.n; i++) {
		const struct jq_member *m = &v->u.obj.m[i];

		if (m->keylen == len && memcmp(m->key, key, len) == 0)
			return m->val;
	}
	return NULL;
}

const struct jq_value *jq_get(const struct jq_value *root, const char *path)
{
	const struct jq_value *v = root;
	const char *p = path;

	if (!root || !path)
		return NULL;
	if (*p == '\0')
		return root;
	for (;;) {
		/* optional key segment (mandatory after '.') */
		if (*p != '[') {
			size_t n = strcspn(p, ".[]");

			if (n == 0)
				return NULL;
			v = lookup_key(v, p, n);
			if (!v)
				return NULL;
			p += n;
		}
		/* zero or more [N] indexes */
		while (*p == '[') {
			size_t idx = 0;

			p++;
			if (!is_digit(*p))
				return NULL;
			while (is_digit(*p)) {
				size_t d = (size_t)(*p - '0');

				if (idx > (SIZE_MAX - d) / 10)
					return NULL;
				idx = idx * 10 + d;
				p++;
			}
			if (*p != ']')
				return NULL;
			p++;
			if (!v || v->type != JQ_ARRAY || idx >= v->u.arr.n)
				return NULL;
			v = v->u.arr.items[idx];
		}
		if (*p == '\0')
			return v;
		if (*p != '.')
			return NULL;
		p++;
		if (*p == '[' || *p == '\0')
			return NULL;
	}
}

enum jq_type jq_type(const struct jq_value *v)
{
	return v ? v->type : JQ_NULL;
}

/*
 * Split an integer-syntax number into sign and magnitude; -1 if @v is not a
 * number, has a fraction/exponent, or the magnitude overflows.
 */
static int int_parts(const struct jq_value *v, int *neg, unsigned long long *mag)
{
	const char *s;
	unsigned long long m = 0;

	if (!v || v->type != JQ_NUMBER)
		return -1;
	s = v->u.num;
	*neg = 0;
	if (*s == '-') {
		*neg = 1;
		s++;
	}
	if (!is_digit(*s))
		return -1;
	for (; *s; s++) {
		unsigned d;

		if (!is_digit(*s))
			return -1; /* '.', 'e', 'E' */
		d = (unsigned)(*s - '0');
		if (m > (ULLONG_MAX - d) / 10)
			return -1;
		m = m * 10 + d;
	}
	*mag = m;
	return 0;
}

int jq_u64(const struct jq_value *v, unsigned long long *out)
{
	unsigned long long m;
	int neg;

	if (int_parts(v, &neg, &m))
		return -1;
	if (neg && m != 0)
		return -1;
	if (out)
		*out = m;
	return 0;
}

int jq_i64(const struct jq_value *v, long long *out)
{
	unsigned long long m;
	long long r;
	int neg;

	if (int_parts(v, &neg, &m))
		return -1;
	if (neg) {
		if (m > (unsigned long long)LLONG_MAX + 1)
			return -1;
		r = m == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)m;
	} else {
		if (m > (unsigned long long)LLONG_MAX)
			return -1;
		r = (long long)m;
	}
	if (out)
		*out = r;
	return 0;
}

int jq_double(const struct jq_value *v, double *out)
{
	if (!v || v->type != JQ_NUMBER)
		return -1;
	if (out)
		*out = strtod(v->u.num, NULL);
	return 0;
}

const char *jq_num_text(const struct jq_value *v)
{
	return v && v->type == JQ_NUMBER ? v->u.num : NULL;
}

const char *jq_str(const struct jq_value *v)
{
	return v && v->type == JQ_STRING ? v->u.str.s : NULL;
}

size_t jq_str_len(const struct jq_value *v)
{
	return v && v->type == JQ_STRING ? v->u.str.len : 0;
}

int jq_bool(const struct jq_value *v)
{
	return v && v->type == JQ_BOOL ? v->u.b : -1;
}

size_t jq_len(const struct jq_value *v)
{
	if (!v)
		return 0;
	if (v->type == JQ_ARRAY)
		return v->u.arr.n;
	if (v->type == JQ_OBJECT)
		return v->u.obj.n;
	return 0;
}

const struct jq_value *jq_at(const struct jq_value *v, size_t i)
{
	if (!v)
		return NULL;
	if (v->type == JQ_ARRAY)
		return i < v->u.arr.n ? v->u.arr.items[i] : NULL;
	if (v->type == JQ_OBJECT)
		return i < v->u.obj.n ? v->u.obj.m[i].val : NULL;
	return NULL;
}

const char *jq_key_at(const struct jq_value *obj, size_t i)
{
	if (!obj || obj->type != JQ_OBJECT || i >= obj->u.obj.n)
		return NULL;
	return obj->u.obj.m[i].key;
}

char *jq_read_cmd(const char *cmdline, int *status)
{
	size_t len = 0, cap = 4096, n;
	char *buf, *nbuf;
	FILE *f;
	int st;

	if (status)
		*status = -1;
	if (!cmdline)
		return NULL;
	buf = malloc(cap);
	if (!buf)
		return NULL;
	fflush(NULL); /* don't let the child see or duplicate our buffered output */
	f = popen(cmdline, "r");
	if (!f) {
		free(buf);
		return NULL;
	}
	for (;;) {
		if (cap - len < 2) {
			if (cap > SIZE_MAX / 2)
				goto oom;
			nbuf = realloc(buf, cap * 2);
			if (!nbuf)
				goto oom;
			buf = nbuf;
			cap *= 2;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	buf[len] = '\0';
	st = pclose(f);
	if (status)
		*status = st;
	return buf;
oom:
	pclose(f);
	free(buf);
	return NULL;
}
