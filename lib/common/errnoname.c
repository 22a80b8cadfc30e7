// SPDX-License-Identifier: LGPL-2.1-or-later
/* errnoname.c - errno values by name, as messages and JSON show them */
#include <stdio.h>
#include <string.h>

#include "common.h"

const char *errno_name(int err)
{
	static char buf[24];
	int e = err < 0 ? -err : err;
	const char *s = strerrorname_np(e);

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}
