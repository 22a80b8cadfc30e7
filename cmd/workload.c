// SPDX-License-Identifier: GPL-2.0-or-later
/* workload.c - a process with known hugetlb and THP mappings, for `demo` and `bench` */
#include <errno.h>
#include <inttypes.h>
#include <linux/memfd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"
#include "workload.h"
#include "uapi-compat.h"

/* The child: maps, fills and splits, reports 0 or errno on @fd, then waits to be killed. */
static void __attribute__((noreturn)) workload_child(const struct workload *d, int fd)
{
	uint64_t off, base = (uint64_t)sysconf(_SC_PAGESIZE);
	int ret = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (d->hugetlb) {
		unsigned int shift = (unsigned int)__builtin_ctzll(d->page_size);
		int mfd = memfd_create("hgmctl-demo", MFD_HUGETLB | (shift << MFD_HUGE_SHIFT));
		char *p;

		if (mfd < 0 || ftruncate(mfd, (off_t)d->hugetlb) < 0)
			goto fail;
		p = mmap(NULL, d->hugetlb, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		if (p == MAP_FAILED)
			goto fail;
		for (off = 0; off < d->hugetlb; off += base)
			p[off] = 1;
	}
	if (d->thp) {
		uint64_t half = d->thp / d->pmd_size / 2 * d->pmd_size;
		char *raw, *p;

		/* over-allocate by one PMD so that the range can start PMD-aligned */
		raw = mmap(NULL, d->thp + d->pmd_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (raw == MAP_FAILED)
			goto fail;
		p = (char *)(((uintptr_t)raw + d->pmd_size - 1) & ~(uintptr_t)(d->pmd_size - 1));
		if (p > raw)
			munmap(raw, p - raw);
		munmap(p + d->thp, raw + d->pmd_size - p);
		madvise(p, d->thp, MADV_HUGEPAGE);
		/* non-zero data everywhere, so the underused-THP shrinker leaves them alone */
		for (off = 0; off < d->thp; off += base)
			p[off] = 1;
		madvise(p, d->thp, MADV_COLLAPSE);	/* for THP "never"; may fail, fine */
		/*
		 * Split the PMD mappings of the upper half: changing the protection
		 * of one page makes the kernel map that THP with PTEs, and restoring
		 * it merges the VMAs again while the PTE mapping stays.
		 */
		for (off = half; off + d->pmd_size <= d->thp; off += d->pmd_size) {
			if (mprotect(p + off, base, PROT_READ) ||
			    mprotect(p + off, base, PROT_READ | PROT_WRITE))
				goto fail;
		}
		/* keep khugepaged from collapsing them back while we are watched */
		madvise(p + half, d->thp - half, MADV_NOHUGEPAGE);
	}
	if (write(fd, &ret, sizeof(ret)) != sizeof(ret))
		_exit(1);
	close(fd);
	for (;;)
		pause();
fail:
	ret = errno;
	if (write(fd, &ret, sizeof(ret)) != sizeof(ret))
		_exit(1);
	_exit(1);
}

/* Makes sure the pool has enough free pages, growing it as root; exits on failure. */
void workload_reserve(const struct hgmctl *g, struct workload *d)
{
	uint64_t need = d->hugetlb / d->page_size;
	struct hgm_pool pool;
	uint64_t before;
	char sz[32];
	int ret;

	ret = hgm_pool_get(g->ctx, d->page_size, HGM_NODE_ALL, &pool);
	if (ret)
		errx(EXIT_ERROR, "no %s hugetlb pool: %s", fmt_size(g, d->page_size, sz, sizeof(sz)),
		     strerror(-ret));
	if (pool.free - pool.reserved >= need)
		return;
	if (geteuid() != 0)
		errx(EXIT_ERROR, "need %" PRIu64 " free %s hugepages, the pool has %" PRIu64
		     "; as root, hgmctl grows the pool itself", need,
		     fmt_size(g, d->page_size, sz, sizeof(sz)), pool.free - pool.reserved);
	before = pool.total;
	ret = hgm_pool_set(g->ctx, d->page_size, HGM_NODE_ALL,
			   pool.total + need - (pool.free - pool.reserved));
	if (ret)
		errx(EXIT_ERROR, "cannot grow the %s hugetlb pool: %s",
		     fmt_size(g, d->page_size, sz, sizeof(sz)), strerror(-ret));
	/*
	 * Remember what we added, not what was there: another process may
	 * grow or shrink the pool meanwhile, and restoring an absolute count
	 * would undo its change too.
	 */
	if (hgm_pool_get(g->ctx, d->page_size, HGM_NODE_ALL, &pool) == 0 && pool.total > before)
		d->pool_added = pool.total - before;
	/* the kernel grants what it can find: check before mapping */
	if (pool.free - pool.reserved < need) {
		uint64_t got = pool.free - pool.reserved;

		workload_restore(g, d);
		errx(EXIT_ERROR, "the kernel could give only %" PRIu64 " of %" PRIu64
		     " free %s hugepages (not enough free memory, or too fragmented)", got, need,
		     fmt_size(g, d->page_size, sz, sizeof(sz)));
	}
	if (g->verbose)
		warnx("grew the %s pool by %" PRIu64 " pages",
		      fmt_size(g, d->page_size, sz, sizeof(sz)), d->pool_added);
}

int workload_restore(const struct hgmctl *g, const struct workload *d)
{
	struct hgm_pool pool;
	uint64_t want;
	char sz[32];

	if (!d->pool_added)
		return 0;
	fmt_size(g, d->page_size, sz, sizeof(sz));
	if (hgm_pool_get(g->ctx, d->page_size, HGM_NODE_ALL, &pool))
		goto fail;
	want = pool.total > d->pool_added ? pool.total - d->pool_added : 0;
	if (hgm_pool_set(g->ctx, d->page_size, HGM_NODE_ALL, want) ||
	    hgm_pool_get(g->ctx, d->page_size, HGM_NODE_ALL, &pool) || pool.total != want)
		goto fail;
	return 0;
fail:
	warnx("could not shrink the %s hugetlb pool by the %" PRIu64 " pages added", sz,
	      d->pool_added);
	return -1;
}

void workload_block_signals(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, sigs, NULL);
}

void workload_check(const struct hgmctl *g, const char *cmd, struct workload *w)
{
	char a[32], b[32];

	w->pmd_size = hgm_thp_pmd_size(g->ctx);
	if (w->page_size == 0 || (w->page_size & (w->page_size - 1)))
		usage_error("%s: --page-size must be a power of two", cmd);
	if (w->hugetlb % w->page_size)
		usage_error("%s: --hugetlb %s is not a multiple of the %s page size", cmd,
			    fmt_size(g, w->hugetlb, a, sizeof(a)), fmt_size(g, w->page_size, b, sizeof(b)));
	if (w->thp % w->pmd_size)
		usage_error("%s: --thp %s is not a multiple of %s", cmd,
			    fmt_size(g, w->thp, a, sizeof(a)), fmt_size(g, w->pmd_size, b, sizeof(b)));
}

int workload_start(const struct hgmctl *g, struct workload *w)
{
	int fds[2], child_err = 0;

	if (w->hugetlb)
		workload_reserve(g, w);
	if (pipe(fds))
		err(EXIT_ERROR, "pipe");
	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0)
		err(EXIT_ERROR, "fork");
	if (w->pid == 0) {
		sigset_t all;

		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		close(fds[0]);
		workload_child(w, fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &child_err, sizeof(child_err)) != sizeof(child_err) || child_err) {
		warnx("the workload process could not map its memory: %s",
		      child_err ? strerror(child_err) : "it died");
		close(fds[0]);
		workload_stop(g, w);
		return -1;
	}
	close(fds[0]);
	return 0;
}

int workload_stop(const struct hgmctl *g, struct workload *w)
{
	int status;

	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &status, 0);
		w->pid = 0;
	}
	return workload_restore(g, w);
}
