// SPDX-License-Identifier: LGPL-2.1-or-later
/* size.c - numbers as the kernel writes them in /proc and /sys */
#include <ctype.h>
#include <errno.h>

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
