// SPDX-License-Identifier: GPL-2.0-or-later
/* workload.c - a process with known hugetlb and THP mappings, for `demo` and `bench` */
#include <errno.h>
#include <poll.h>
#include <inttypes.h>
#include <linux/memfd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "output.h"
#include "workload.h"
#include "uapi-compat.h"

/*
 * A child of the workload that maps the hugetlb memory [@p, @p + @len) too,
 * so that its pages have a mapcount of 2; it dies with the workload.  Forked
 * before the THP memory exists, so that only the hugetlb memory is shared.
 * Returns its PID, or -1 with errno set.
 */
static pid_t share_hugetlb(volatile char *p, uint64_t len, uint64_t page_size)
{
	pid_t parent = getpid(), pid, ret = -1;
	int fds[2];
	char c;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		uint64_t off;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		/* a shared mapping's page tables are not copied by fork: fault them in */
		for (off = 0; off < len; off += page_size)
			(void)p[off];
		if (write(fds[1], "", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	fds[1] = -1;
	if (read(fds[0], &c, 1) == 1)
		ret = pid;
	else
		errno = ECHILD;
out:
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return ret;
}

/*
 * The child: maps, fills and splits, reports 0 or errno on @fd (and then the
 * PID of the process sharing its hugetlb memory, or 0), then waits to be killed.
 */
static void __attribute__((noreturn)) workload_child(const struct workload *d, int fd)
{
	uint64_t off, base = (uint64_t)sysconf(_SC_PAGESIZE);
	pid_t sharer = 0;
	uint64_t where[2] = { 0, 0 };	/* hugetlb, THP */
	int ret = 0;

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
		where[0] = (uintptr_t)p;
		if (d->many_vmas && (sharer = share_hugetlb(p, d->hugetlb, d->page_size)) < 0)
			goto fail;
	}
	if (d->thp) {
		uint64_t half = d->thp / d->pmd_size / 2 * d->pmd_size;
		char *p = thp_map(d->thp, d->pmd_size, false);

		if (p == MAP_FAILED)
			goto fail;
		where[1] = (uintptr_t)p;
		madvise(p, d->thp, MADV_COLLAPSE);	/* for THP "never"; may fail, fine */
		/* the upper half mapped by PTEs */
		if (thp_split_pmds(p + half, d->thp - half, d->pmd_size))
			goto fail;
		/* and with --many-vmas cut into VMAs: the first page of each PMD read-only */
		for (off = half; d->many_vmas && off + d->pmd_size <= d->thp; off += d->pmd_size)
			if (mprotect(p + off, base, PROT_READ))
				goto fail;
		/* keep khugepaged from collapsing them back while we are watched */
		madvise(p + half, d->thp - half, MADV_NOHUGEPAGE);
	}
	if (write(fd, &ret, sizeof(ret)) != sizeof(ret) ||
	    write(fd, &sharer, sizeof(sharer)) != sizeof(sharer) ||
	    write(fd, where, sizeof(where)) != sizeof(where))
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

/* ---- the pool guard ---------------------------------------------------------- */

static struct hgm_guard *guard;
static int guard_lock = -1;

/* On exit(), from any path: the pools are back before hgmctl is gone. */
static void end_guard(void)
{
	hgm_guard_end(guard);
	guard = NULL;
}

/* Takes the pool lock, saying so when it waits; signals that end a run may end the wait. */
static int take_pool_lock(void)
{
	sigset_t ends, old;
	int fd = hgm_pool_lock(false);

	if (fd != -EWOULDBLOCK)
		return fd;
	warnx("waiting for %s: another run is changing hugetlb pools", HGM_POOL_LOCK);
	sigemptyset(&ends);
	sigaddset(&ends, SIGINT);
	sigaddset(&ends, SIGTERM);
	sigaddset(&ends, SIGHUP);
	/* nothing is changed yet: a Ctrl-C now may end hgmctl at once */
	sigprocmask(SIG_UNBLOCK, &ends, &old);
	fd = hgm_pool_lock(true);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return fd;
}

int pool_grow(const struct hgmctl *g, uint64_t page_size, uint64_t need, uint64_t extra,
	      char *why, size_t size)
{
	struct hgm_guard_grant res;
	struct hgm_pool pool;
	char sz[32], a[32], b[32], c[32];
	uint64_t have;
	int ret;

	fmt_size(g, page_size, sz, sizeof(sz));
	ret = hgm_pool_get(g->ctx, page_size, HGM_NODE_ALL, &pool);
	if (ret) {
		snprintf(why, size, "no %s hugetlb pool: %s", sz, strerror(-ret));
		return -1;
	}
	have = pool.free > pool.reserved ? pool.free - pool.reserved : 0;
	if (have >= need)
		return 0;
	if (geteuid() != 0) {
		snprintf(why, size, "need %" PRIu64 " free %s hugepages, the pool has %" PRIu64
			 "; as root, hgmctl grows the pool itself", need, sz, have);
		return -1;
	}
	if (!guard) {
		if (guard_lock < 0)
			guard_lock = take_pool_lock();
		if (guard_lock < 0) {
			snprintf(why, size, "cannot take the lock %s: %s", HGM_POOL_LOCK,
				 strerror(-guard_lock));
			return -1;
		}
		ret = hgm_guard_start(g->ctx, guard_lock, &guard);
		if (ret) {
			snprintf(why, size, "cannot start the process that restores the pool: %s",
				 strerror(-ret));
			return -1;
		}
		atexit(end_guard);
	}
	ret = hgm_guard_grow(guard, page_size, HGM_NODE_ALL, need, extra, &res);
	if (ret == -ENOMEM) {
		snprintf(why, size, "not enough free memory: %" PRIu64 " more %s hugepages%s take "
			 "%s, MemAvailable is %s, and %s stays free (1/16 of MemTotal)",
			 need - res.free, sz, extra ? " and the rest of the workload" : "",
			 fmt_size(g, res.want, a, sizeof(a)),
			 fmt_size(g, res.room.available, b, sizeof(b)),
			 fmt_size(g, res.room.margin, c, sizeof(c)));
		return -1;
	}
	if (ret) {
		pool_give_back(g);
		snprintf(why, size, "cannot grow the %s hugetlb pool: %s", sz, strerror(-ret));
		return -1;
	}
	/* the kernel grants what it can find: check before mapping */
	if (res.free < need) {
		pool_give_back(g);
		snprintf(why, size, "the kernel could give only %" PRIu64 " of %" PRIu64
			 " free %s hugepages (not enough free memory, or too fragmented)",
			 res.free, need, sz);
		return -1;
	}
	if (g->verbose)
		warnx("grew the %s pool by %" PRIu64 " pages", sz, res.added);
	return 0;
}

int pool_give_back(const struct hgmctl *g)
{
	uint64_t left = 0;
	int ret;

	(void)g;
	if (!guard)
		return 0;
	ret = hgm_guard_restore(guard, &left);
	if (ret || left) {
		warnx("could not give back %" PRIu64 " hugepages added to the pools%s%s", left,
		      ret ? ": " : "", ret ? strerror(-ret) : "");
		return -1;
	}
	return 0;
}

void pool_watch(pid_t pid)
{
	/* not fatal: the workload also dies with hgmctl (PR_SET_PDEATHSIG) */
	if (guard)
		hgm_guard_watch(guard, pid);
}

void workload_reserve(const struct hgmctl *g, struct workload *d)
{
	char why[320];

	if (pool_grow(g, d->page_size, d->hugetlb / d->page_size, d->thp, why, sizeof(why)))
		errx(EXIT_ERROR, "%s", why);
}

int workload_restore(const struct hgmctl *g, const struct workload *d)
{
	(void)d;
	return pool_give_back(g);
}

int signal_pending(const sigset_t *sigs)
{
	struct timespec zero = { 0, 0 };
	int sig = sigtimedwait(sigs, NULL, &zero);

	return sig > 0 ? sig : 0;
}

int wait_child(pid_t pid, const sigset_t *sigs, int *status)
{
	int pfd = hgm_pidfd_open(pid);
	int sfd = signalfd(-1, sigs, SFD_CLOEXEC);
	int sig = 0;

	while (pfd >= 0 && sfd >= 0) {
		struct pollfd p[2] = { { .fd = pfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		struct signalfd_siginfo si;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			sig = (int)si.ssi_signo;
			kill(pid, SIGKILL);
		}
		break;
	}
	if (pfd >= 0)
		close(pfd);
	if (sfd >= 0)
		close(sfd);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return sig;
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
	struct hgm_mem_room room;
	char a[32], b[32], c[32];

	w->pmd_size = hgm_thp_pmd_size(g->ctx);
	if (w->page_size == 0 || (w->page_size & (w->page_size - 1)))
		usage_error("%s: --page-size must be a power of two", cmd);
	if (w->hugetlb % w->page_size)
		usage_error("%s: --hugetlb %s is not a multiple of the %s page size", cmd,
			    fmt_size(g, w->hugetlb, a, sizeof(a)), fmt_size(g, w->page_size, b, sizeof(b)));
	if (w->thp % w->pmd_size)
		usage_error("%s: --thp %s is not a multiple of %s", cmd,
			    fmt_size(g, w->thp, a, sizeof(a)), fmt_size(g, w->pmd_size, b, sizeof(b)));
	/* what can never fit is the command line's fault; what does not fit now is not */
	if (hgm_mem_room(g->ctx, HGM_NODE_ALL, &room) == 0 &&
	    (w->hugetlb > room.total || w->thp > room.total - w->hugetlb))
		usage_error("%s: --hugetlb %s and --thp %s are more than the memory of this "
			    "machine (MemTotal %s)", cmd, fmt_size(g, w->hugetlb, a, sizeof(a)),
			    fmt_size(g, w->thp, b, sizeof(b)), fmt_size(g, room.total, c, sizeof(c)));
}

int workload_start(const struct hgmctl *g, struct workload *w)
{
	int fds[2], child_err = 0, sfd;
	sigset_t blocked, ends;
	static const int end_sigs[] = { SIGINT, SIGTERM, SIGHUP };
	pid_t parent = getpid();
	struct pollfd p[2];
	ssize_t n = 0;
	size_t i;

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

		/* dies with hgmctl, even if hgmctl died before this line */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		close(fds[0]);
		workload_child(w, fds[1]);
	}
	close(fds[1]);
	pool_watch(w->pid);
	/* filling takes a while: the signals that end a run (if blocked) end the wait */
	sigprocmask(SIG_BLOCK, NULL, &blocked);
	sigemptyset(&ends);
	for (i = 0; i < sizeof(end_sigs) / sizeof(end_sigs[0]); i++)
		if (sigismember(&blocked, end_sigs[i]))
			sigaddset(&ends, end_sigs[i]);
	sfd = signalfd(-1, &ends, SFD_CLOEXEC);
	p[0] = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	while (poll(p, sfd >= 0 ? 2 : 1, -1) < 0 && errno == EINTR)
		;
	if (sfd >= 0 && p[1].revents) {
		struct signalfd_siginfo si;

		if (read(sfd, &si, sizeof(si)) == sizeof(si))
			warnx("interrupted by signal %d", (int)si.ssi_signo);
		child_err = -1;
	} else {
		n = read(fds[0], &child_err, sizeof(child_err));
		/* the sharer goes before the pool is restored, as the workload does */
		if (n == sizeof(child_err) && !child_err &&
		    read(fds[0], &w->sharer, sizeof(w->sharer)) == sizeof(w->sharer) && w->sharer > 0)
			pool_watch(w->sharer);
		if (n == sizeof(child_err) && !child_err) {
			uint64_t where[2];

			if (read(fds[0], where, sizeof(where)) == sizeof(where)) {
				w->hugetlb_addr = where[0];
				w->thp_addr = where[1];
			}
		}
	}
	if (sfd >= 0)
		close(sfd);
	if (child_err || n != sizeof(child_err)) {
		if (child_err >= 0)
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

	/* a zombie until the workload goes: its PID is not reused before */
	if (w->sharer > 0) {
		kill(w->sharer, SIGKILL);
		w->sharer = 0;
	}
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &status, 0);
		w->pid = 0;
	}
	return workload_restore(g, w);
}
