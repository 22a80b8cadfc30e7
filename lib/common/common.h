/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * common.h - libcommon: helpers hgmctl and the tests share that are not
 * libhgm's business (util-linux's lib/ next to its libraries).  A noinst
 * convenience library, never installed: nothing here is ABI.
 */
#ifndef HGM_COMMON_H
#define HGM_COMMON_H

#include <stdbool.h>
#include <stdint.h>

/* The one clock: CLOCK_MONOTONIC in nanoseconds, and in milliseconds for timings. */
uint64_t now_ns(void);
double now_ms(void);

/* Returns the name of errno value @err ("EINVAL"; sign ignored), "errno N" without one. */
const char *errno_name(int err);

/*
 * The split-THP fixture (thp-split.c).  thp_map() maps @len bytes (a multiple
 * of @pmd_size) of private anonymous memory on a PMD boundary, MADV_HUGEPAGE,
 * every page written: THPs where the kernel gives them.  It returns the
 * address (munmap(addr, len) ends it), or MAP_FAILED with errno set: no
 * memory, or MADV_HUGEPAGE refused (no THP in the kernel) when @must_advise.
 */
char *thp_map(uint64_t len, uint64_t pmd_size, bool must_advise);

/*
 * Maps the THPs of [@addr, @addr + @len) by PTEs, their folios whole, one
 * PMD at a time.  Returns 0, or -1 with errno set.  Callers watching the
 * result for a while add MADV_NOHUGEPAGE, or khugepaged collapses it back.
 */
int thp_split_pmds(char *addr, uint64_t len, uint64_t pmd_size);

#endif /* HGM_COMMON_H */
