/* SPDX-License-Identifier: GPL-2.0-or-later */
/* workload.h - a process with known hugetlb and THP mappings (demo, bench), and the pool it needs */
#ifndef HGMCTL_WORKLOAD_H
#define HGMCTL_WORKLOAD_H

#include <signal.h>

#include "cli.h"

/* A process with known hugetlb and THP mappings (demo, bench). */
struct workload {
	uint64_t hugetlb, page_size;	/* hugetlb bytes, in pages of page_size */
	uint64_t thp, pmd_size;		/* THP bytes: half PMD-mapped, half split */
	uint64_t pool_added;		/* hugepages added to the pool, to take back */
	pid_t pid;
};

/* Checks the sizes of @w (usage errors name @cmd). */
void workload_check(const struct hgmctl *g, const char *cmd, struct workload *w);
/* Grows the pool if needed (as root) and starts the process; returns 0 or -1 (said why). */
int workload_start(const struct hgmctl *g, struct workload *w);
/* Ends the process and restores the pool; returns 0 or -1 (said why). */
int workload_stop(const struct hgmctl *g, struct workload *w);
/* Blocks (into @sigs) the signals that end a run, so that the pool is always restored. */
void workload_block_signals(sigset_t *sigs);

/* Makes sure the pool has w->hugetlb free bytes of w->page_size (growing it as root). */
void workload_reserve(const struct hgmctl *g, struct workload *w);
/* Gives back the pages workload_reserve() added; returns 0 or -1 (said why). */
int workload_restore(const struct hgmctl *g, const struct workload *w);

#endif /* HGMCTL_WORKLOAD_H */
