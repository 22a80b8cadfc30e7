/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * common.h - libcommon: helpers hgmctl and the tests share that are not
 * libhgm's business (util-linux's lib/ next to its libraries).  A noinst
 * convenience library, never installed: nothing here is ABI.
 */
#ifndef HGM_COMMON_H
#define HGM_COMMON_H

#include <stdint.h>

/* The one clock: CLOCK_MONOTONIC in nanoseconds, and in milliseconds for timings. */
uint64_t now_ns(void);
double now_ms(void);

/* Returns the name of errno value @err ("EINVAL"; sign ignored), "errno N" without one. */
const char *errno_name(int err);

#endif /* HGM_COMMON_H */
