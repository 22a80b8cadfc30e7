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
	/*
	 * The split half stays cut into VMAs (a read-only page every PMD), about
	 * two VMAs per split PMD, and the hugetlb memory is mapped by a child too.
	 */
	bool many_vmas;
	pid_t pid;
	pid_t sharer;			/* the child sharing the hugetlb memory, or 0 */
	uint64_t hugetlb_addr, thp_addr;	/* where the process mapped them (0: not) */
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

/*
 * The pool guard of this run (hgmctl(8), RESTORING THE POOLS): the first
 * growth takes the pool lock and starts it; it puts back what was added when
 * pool_give_back() asks, or when hgmctl ends for any reason.
 *
 * pool_grow() makes sure the pool of @page_size has @need free pages, growing
 * it as root if @need pages and @extra bytes more fit the free memory; returns
 * 0, or -1 with the reason in @why (nothing is left grown then).
 */
int pool_grow(const struct hgmctl *g, uint64_t page_size, uint64_t need, uint64_t extra,
	      char *why, size_t size);
/* Takes back what pool_grow() added; returns 0 or -1 (said why). */
int pool_give_back(const struct hgmctl *g);
/* Has the guard (if any) kill @pid, a child, before it puts pages back. */
void pool_watch(pid_t pid);
/* The signal of @sigs pending now (taken), or 0: for the loops that check between steps. */
int signal_pending(const sigset_t *sigs);
/*
 * Waits for child @pid, or for one of @sigs (blocked); on a signal kills and
 * reaps the child.  Returns 0 with *@status set, the signal number, or -1 (errno).
 */
int wait_child(pid_t pid, const sigset_t *sigs, int *status);

#endif /* HGMCTL_WORKLOAD_H */
