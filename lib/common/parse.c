// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * parse.c - the parsers of hgmctl's arguments (hgmctl(8): SIZES, RANGES and
 * the commands' arguments).  No strtol(3) family here: it skips leading
 * blanks, takes a sign (and negates "-1" into the largest value), and
 * guesses the base from the digits.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "parse.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : -1;
}

static int xdigit(char c)
{
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return digit(c);
}

/* Decimal digits at *pp (at least one), advancing it. */
static int dec_at(const char **pp, uint64_t *val)
{
	const char *p = *pp;
	uint64_t v = 0;
	int d;

	if (digit(*p) < 0)
		return -EINVAL;
	for (; (d = digit(*p)) >= 0; p++) {
		if (v > (UINT64_MAX - (unsigned int)d) / 10)
			return -ERANGE;
		v = v * 10 + (unsigned int)d;
	}
	*val = v;
	*pp = p;
	return 0;
}

/* Hexadecimal digits at *pp (at least one), after an optional 0x; advances *pp. */
static int hex_at(const char **pp, uint64_t *val)
{
	const char *p = *pp;
	uint64_t v = 0;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (xdigit(*p) < 0)
		return -EINVAL;
	for (; (d = xdigit(*p)) >= 0; p++) {
		if (v >> 60)
			return -ERANGE;
		v = v << 4 | (unsigned int)d;
	}
	*val = v;
	*pp = p;
	return 0;
}

/* Runs @at on the whole of @str. */
static int whole(int (*at)(const char **, uint64_t *), const char *str, uint64_t *val)
{
	const char *p = str;
	uint64_t v;
	int ret;

	if (!str)
		return -EINVAL;
	ret = at(&p, &v);
	if (ret)
		return ret;
	if (*p)
		return -EINVAL;
	*val = v;
	return 0;
}

int parse_u64(const char *str, uint64_t *val)
{
	return whole(dec_at, str, val);
}

int parse_addr(const char *str, uint64_t *addr)
{
	return whole(hex_at, str, addr);
}

/* A unit and what it multiplies by. */
struct unit {
	const char *name;
	uint64_t mul;
};

/* The first unit from @units[@from] on that @s names, case aside; -1 for none. */
static int find_unit(const char *s, const struct unit *units, size_t n, size_t from)
{
	for (; from < n; from++)
		if (strcasecmp(s, units[from].name) == 0)
			return (int)from;
	return -1;
}

/* @v * @mul / @div into *@out, or -ERANGE. */
static int mul_div(uint64_t v, uint64_t mul, uint64_t div, uint64_t *out)
{
	unsigned __int128 r = (unsigned __int128)v * mul / div;

	if (r > UINT64_MAX)
		return -ERANGE;
	*out = (uint64_t)r;
	return 0;
}

/*
 * A number as @at reads it, divided by @div, times the multiplier of the
 * unit that follows it (the whole rest of @str).
 */
static int with_unit(const char *str, int (*at)(const char **, uint64_t *), uint64_t div,
		     const struct unit *units, size_t n, uint64_t *out)
{
	const char *p = str;
	uint64_t v;
	int ret, u;

	if (!str)
		return -EINVAL;
	ret = at(&p, &v);
	if (ret)
		return ret;
	u = find_unit(p, units, n, 0);
	return u < 0 ? -EINVAL : mul_div(v, units[u].mul, div, out);
}

int parse_size(const char *str, uint64_t *bytes)
{
	static const struct unit units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1ULL << 10 }, { "kb", 1ULL << 10 }, { "kib", 1ULL << 10 },
		{ "m", 1ULL << 20 }, { "mb", 1ULL << 20 }, { "mib", 1ULL << 20 },
		{ "g", 1ULL << 30 }, { "gb", 1ULL << 30 }, { "gib", 1ULL << 30 },
		{ "t", 1ULL << 40 }, { "tb", 1ULL << 40 }, { "tib", 1ULL << 40 },
	};

	return with_unit(str, dec_at, 1, units, ARRAY_SIZE(units), bytes);
}

int parse_pages(const char *str, uint64_t page_size, uint64_t *pages, bool *bytes)
{
	uint64_t v;
	int ret;

	if (!str || !page_size)
		return -EINVAL;
	if (parse_u64(str, &v) == 0) {
		*pages = v;
		*bytes = false;
		return 0;
	}
	ret = parse_size(str, &v);
	if (ret)
		return ret;
	if (v % page_size)
		return -EDOM;
	*pages = v / page_size;
	*bytes = true;
	return 0;
}

int parse_range(const char *str, struct addr_range *r)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), a, b, n;
	const char *p = str;
	int ret;

	if (!str)
		return -EINVAL;
	if (strncmp(p, "vma:", 4) == 0) {
		ret = parse_u64(p + 4, &n);
		if (ret)
			return ret;
		if (n > LONG_MAX)
			return -ERANGE;
		r->vma = (long)n;
		r->start = r->end = 0;
		return 0;
	}
	ret = hex_at(&p, &a);
	if (ret)
		return ret;
	if (*p == '-') {
		ret = parse_addr(p + 1, &b);
	} else if (*p == '+') {
		ret = parse_size(p + 1, &n);
		if (!ret && n > UINT64_MAX - a)
			ret = -ERANGE;
		b = a + n;
	} else {
		ret = -EINVAL;
	}
	if (ret)
		return ret;
	if (b <= a)
		return -EINVAL;
	/* widened to whole pages, the end must still be an address */
	if (b > UINT64_MAX - (page - 1))
		return -ERANGE;
	r->start = a;
	r->end = b;
	r->vma = -1;
	return 0;
}

int parse_pid(const char *str, pid_t *pid)
{
	uint64_t v;
	int ret = parse_u64(str, &v);

	if (ret)
		return ret;
	if (v == 0 || v > INT_MAX)
		return -ERANGE;
	*pid = (pid_t)v;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int list_next(const char **pp, char *buf, size_t size)
{
	const char *p = *pp, *comma;
	size_t len;

	if (!p)
		return 0;
	comma = strchr(p, ',');
	len = comma ? (size_t)(comma - p) : strlen(p);
	if (len == 0)
		return -EINVAL;
	if (len >= size)
		return -ERANGE;
	memcpy(buf, p, len);
	buf[len] = '\0';
	*pp = comma ? comma + 1 : NULL;
	return 1;
}

int parse_pid_list(const char *str, pid_t **pids, size_t *n)
{
	size_t cap = 1, i = 0, j, len;
	const char *p;
	char item[24];
	pid_t *v;
	int ret;

	if (!str)
		return -EINVAL;
	for (p = str; *p; p++)
		cap += *p == ',';
	v = malloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p = str;
	while ((ret = list_next(&p, item, sizeof(item))) > 0 && !(ret = parse_pid(item, &v[i])))
		i++;
	if (ret) {
		free(v);
		return ret;
	}
	/* each process once, however often it was named */
	qsort(v, i, sizeof(*v), cmp_pid);
	for (len = i, i = j = 0; i < len; i++)
		if (j == 0 || v[j - 1] != v[i])
			v[j++] = v[i];
	*pids = v;
	*n = j;
	return 0;
}

int parse_pfn(const char *str, uint64_t *pfn)
{
	if (!str)
		return -EINVAL;
	if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X'))
		return parse_addr(str, pfn);
	if (str[0] == '0' && str[1])
		return -EINVAL;
	return parse_u64(str, pfn);
}

/*
 * "DIGITS[.DIGITS]" at *pp as a fixed-point number scaled by 10^9, so "1.5"
 * gives 1500000000; advances *pp.  Digits past the ninth decimal add nothing.
 */
static int scaled_at(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t whole_part, frac = 0, scale = 1000000000;
	int ret = dec_at(&p, &whole_part);

	if (ret)
		return ret;
	if (*p == '.') {
		p++;
		if (digit(*p) < 0)
			return -EINVAL;
		for (; digit(*p) >= 0; p++) {
			scale /= 10;
			frac += (uint64_t)digit(*p) * scale;
		}
	}
	if (whole_part > (UINT64_MAX - frac) / 1000000000)
		return -ERANGE;
	*out = whole_part * 1000000000 + frac;
	*pp = p;
	return 0;
}

int parse_seconds(const char *str, uint64_t *ns)
{
	return whole(scaled_at, str, ns);
}

int parse_rate(const char *str, uint64_t *bits_per_sec)
{
	static const struct unit units[] = {
		{ "", 1 }, { "bit", 1 }, { "bps", 1 },
		{ "kbit", 1000ULL }, { "kbps", 1000ULL },
		{ "mbit", 1000000ULL }, { "mbps", 1000000ULL },
		{ "gbit", 1000000000ULL }, { "gbps", 1000000000ULL },
		{ "tbit", 1000000000000ULL }, { "tbps", 1000000000000ULL },
		{ "b", 8 },
		{ "kb", 8000ULL }, { "mb", 8000000ULL }, { "gb", 8000000000ULL },
		{ "tb", 8000000000000ULL },
		{ "kib", 8ULL << 10 }, { "mib", 8ULL << 20 }, { "gib", 8ULL << 30 },
		{ "tib", 8ULL << 40 },
	};
	char unit[16];
	const char *p = str;
	uint64_t scaled, v;
	size_t n;
	int ret, u;

	if (!str)
		return -EINVAL;
	ret = scaled_at(&p, &scaled);
	if (ret)
		return ret;
	n = strlen(p);
	if (n >= sizeof(unit))
		return -EINVAL;
	memcpy(unit, p, n + 1);
	/* "/s" is optional; "bps" and "Gbps" are units themselves */
	if (n >= 2 && strcmp(unit + n - 2, "/s") == 0)
		unit[n - 2] = '\0';
	/* "B" is bytes, "b" in "Gbit"/"Gbps" bits: case matters for that letter only */
	for (u = 0; (u = find_unit(unit, units, ARRAY_SIZE(units), (size_t)u)) >= 0; u++) {
		size_t len = strlen(units[u].name);

		if (len && units[u].name[len - 1] == 'b' && unit[len - 1] != 'B')
			continue;	/* "Gb" would be ambiguous: bytes need a capital B */
		ret = mul_div(scaled, units[u].mul, 1000000000, &v);
		if (ret)
			return ret;
		if (v == 0)
			return -EINVAL;
		*bits_per_sec = v;
		return 0;
	}
	return -EINVAL;
}

int parse_duration(const char *str, uint64_t *ns)
{
	static const struct unit units[] = {
		{ "", 1000 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000 },
	};

	return with_unit(str, scaled_at, 1000000000, units, ARRAY_SIZE(units), ns);
}
