// SPDX-License-Identifier: LGPL-2.1-or-later
/* size.c - numbers and sizes as people and the kernel write them */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "hgm-private.h"

int hgm_strtou64(const char **pp, uint64_t *val)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned int d = *p - '0';

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*val = v;
	*pp = p;
	return 0;
}

HGM_EXPORT int hgm_parse_size(const char *str, uint64_t *bytes)
{
	static const struct { const char *suffix; unsigned int shift; } units[] = {
		{ "", 0 }, { "b", 0 },
		{ "k", 10 }, { "kb", 10 }, { "kib", 10 },
		{ "m", 20 }, { "mb", 20 }, { "mib", 20 },
		{ "g", 30 }, { "gb", 30 }, { "gib", 30 },
		{ "t", 40 }, { "tb", 40 }, { "tib", 40 },
	};
	const char *p = str;
	uint64_t v;
	size_t i;
	int ret;

	if (!str)
		return -EINVAL;
	ret = hgm_strtou64(&p, &v);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcasecmp(p, units[i].suffix))
			continue;
		if (units[i].shift && v > (UINT64_MAX >> units[i].shift))
			return -ERANGE;
		*bytes = v << units[i].shift;
		return 0;
	}
	return -EINVAL;
}
