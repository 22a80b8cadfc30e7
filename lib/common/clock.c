// SPDX-License-Identifier: LGPL-2.1-or-later
/* clock.c - the one clock of hgmctl and its tests */
#include <time.h>

#include "common.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

double now_ms(void)
{
	return now_ns() / 1e6;
}
