// SPDX-License-Identifier: LGPL-2.1-or-later
/* rate.c - link rates ("10Gbit", "1GB/s") and durations ("20us") as people write them */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "hgm-private.h"

/*
 * Parses "DIGITS[.DIGITS]" at *pp as a fixed-point number scaled by 10^9, so
 * "1.5" gives 1500000000; advances *pp.  Returns 0, -EINVAL or -ERANGE.
 */
static int parse_scaled(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t whole, frac = 0, scale = 1000000000;
	int ret = hgm_strtou64(&p, &whole);

	if (ret)
		return ret;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;	/* digits past 9 add 0 */
		}
	}
	if (whole > (UINT64_MAX - frac) / 1000000000)
		return -ERANGE;
	*out = whole * 1000000000 + frac;
	*pp = p;
	return 0;
}

/* Returns @scaled (x 10^9) * @mul / 10^9, or -ERANGE through *@ret. */
static int unscale(uint64_t scaled, uint64_t mul, uint64_t *out)
{
	unsigned __int128 v = (unsigned __int128)scaled * mul / 1000000000;

	if (v > UINT64_MAX)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

HGM_EXPORT int hgm_parse_rate(const char *str, uint64_t *bits_per_sec)
{
	static const struct { const char *unit; uint64_t bits; } units[] = {
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
	size_t i, n;
	int ret;

	if (!str)
		return -EINVAL;
	ret = parse_scaled(&p, &scaled);
	if (ret)
		return ret;
	n = strlen(p);
	if (n >= sizeof(unit))
		return -EINVAL;
	memcpy(unit, p, n + 1);
	/* "/s" (or "ps" on bytes) is optional; "bps" and "Gbps" are units themselves */
	if (n >= 2 && strcmp(unit + n - 2, "/s") == 0)
		unit[n - 2] = '\0';
	/* "B" is bytes, "b" in "Gbit"/"Gbps" bits: case matters for that letter only */
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		const char *u = units[i].unit;
		size_t len = strlen(u);

		if (strcasecmp(unit, u))
			continue;
		if (len && u[len - 1] == 'b' && unit[len - 1] != 'B')
			continue;	/* "Gb" would be ambiguous: bytes need a capital B */
		ret = unscale(scaled, units[i].bits, &v);
		if (ret)
			return ret;
		if (v == 0)
			return -EINVAL;
		*bits_per_sec = v;
		return 0;
	}
	return -EINVAL;
}

HGM_EXPORT int hgm_parse_duration(const char *str, uint64_t *ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "", 1000 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000 },
	};
	const char *p = str;
	uint64_t scaled;
	size_t i;
	int ret;

	if (!str)
		return -EINVAL;
	ret = parse_scaled(&p, &scaled);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (strcasecmp(p, units[i].unit) == 0)
			return unscale(scaled, units[i].ns, ns);
	return -EINVAL;
}
