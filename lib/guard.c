// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * guard.c - growing hugetlb pools for a run, and putting them back on every
 * exit path: the pool lock, the memory check, and the guard process.
 *
 * The guard is forked before the first pool change.  Every change goes
 * through it (a request on a pipe, the reply on another: pipes need no
 * CONFIG_NET, which minimal kernels leave out), so that it is recorded before the
 * caller learns of it: a caller killed at any point leaves nothing behind
 * that the guard does not know.  The guard watches a pidfd of its parent and
 * puts back what it added when the parent exits, whatever the reason.  A pidfd
 * is readable once the process is gone, after its memory (and the hugepages
 * it mapped) was released, so the pages can be taken back then.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hgm-private.h"

#define MAX_NODES	1024	/* node numbers probed for per-node pools */
#define MAX_RECORDS	64	/* (size, node) pairs a guard can hold */
#define MAX_WATCHED	16
#define WATCH_WAIT_MS	10000	/* how long a killed process may take to go */

/* ---- the lock ---------------------------------------------------------------- */

/* Whether descriptor @fd holds an exclusive flock: its fdinfo lists the locks its file holds. */
static bool holds_flock(int fd)
{
	char path[64], line[256];
	bool held = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!held && fgets(line, sizeof(line), f))
		held = strncmp(line, "lock:", 5) == 0 && strstr(line, "FLOCK") &&
		       strstr(line, "WRITE");
	fclose(f);
	return held;
}

/* A descriptor of @st's file, inherited, that holds the lock already; or -1. */
static int inherited_fd(const struct stat *st, int self)
{
	struct dirent *de;
	int found = -1;
	DIR *d = opendir("/proc/self/fd");

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct stat fst;
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name || fd == dirfd(d) || fd == self)
			continue;
		if (fstat((int)fd, &fst) == 0 && fst.st_dev == st->st_dev &&
		    fst.st_ino == st->st_ino && holds_flock((int)fd)) {
			found = (int)fd;
			break;
		}
	}
	closedir(d);
	return found;
}

HGM_EXPORT int hgm_pool_lock(bool wait)
{
	const char *path = HGM_POOL_LOCK;
	struct stat st;
	int fd, old;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ENOENT) {
		path = HGM_POOL_LOCK_FALLBACK;
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd < 0)
		return -errno;
	/* an inherited descriptor that holds the lock: the caller's lock is ours */
	if (fstat(fd, &st) == 0 && (old = inherited_fd(&st, fd)) >= 0) {
		close(fd);
		fd = fcntl(old, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? -errno : fd;
	}
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) {
		int ret = -errno;

		if (ret == -EINTR)
			continue;
		close(fd);
		return ret == -EAGAIN ? -EWOULDBLOCK : ret;
	}
	return fd;
}

/* ---- memory ------------------------------------------------------------------- */

/* The value of "@label: N kB" in @text, in bytes; 0 when absent. */
static uint64_t meminfo_value(const char *text, const char *label)
{
	size_t n = strlen(label);
	const char *p = text;

	while ((p = strstr(p, label))) {
		const char *v = p + n;
		uint64_t kb;

		if ((p == text || p[-1] == '\n' || p[-1] == ' ') && *v == ':') {
			v++;
			while (*v == ' ' || *v == '\t')
				v++;
			if (hgm_strtou64(&v, &kb) == 0 && kb <= UINT64_MAX / 1024)
				return kb * 1024;
		}
		p = v;
	}
	return 0;
}

HGM_EXPORT int hgm_mem_room(const struct hgm_ctx *ctx, int node, struct hgm_mem_room *room)
{
	char path[128], buf[8192];
	ssize_t n;

	if (node == HGM_NODE_ALL)
		snprintf(path, sizeof(path), "/proc/meminfo");
	else
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	n = hgm_ctx_read(ctx, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* a node's lines read "Node 0 MemFree: ..." */
	room->total = meminfo_value(buf, "MemTotal");
	room->available = meminfo_value(buf, node == HGM_NODE_ALL ? "MemAvailable" : "MemFree");
	if (!room->total)
		return -ENODATA;
	room->margin = room->total / 16;
	if (room->margin < (UINT64_C(64) << 20))
		room->margin = UINT64_C(64) << 20;
	return 0;
}

/* ---- the guard process ---------------------------------------------------------- */

enum { OP_GROW = 1, OP_WATCH, OP_RESTORE };

struct request {
	uint32_t op;
	int32_t node;
	uint64_t page_size, need, extra;
	int32_t pid;
};

struct reply {
	int32_t err;
	uint64_t left;
	struct hgm_guard_grant grant;
};

struct hgm_guard {
	int req, rep;		/* requests to the guard, its replies */
	pid_t pid;
};

/* What the guard process keeps. */
struct ledger {
	const struct hgm_ctx *ctx;
	struct { uint64_t page_size; int node; uint64_t added; } rec[MAX_RECORDS];
	int nrec;
	int watched[MAX_WATCHED];	/* pidfds */
	int nwatched;
};

static uint64_t persistent_of(const struct hgm_pool *p)
{
	return p->total > p->surplus ? p->total - p->surplus : 0;
}

static uint64_t unreserved(const struct hgm_pool *p)
{
	uint64_t resv = HGM_KNOWN(p->reserved) ? p->reserved : 0;

	return p->free > resv ? p->free - resv : 0;
}

static int record(struct ledger *l, uint64_t page_size, int node, uint64_t added)
{
	int i;

	for (i = 0; i < l->nrec; i++)
		if (l->rec[i].page_size == page_size && l->rec[i].node == node) {
			l->rec[i].added += added;
			return 0;
		}
	if (l->nrec == MAX_RECORDS)
		return -ENOSPC;
	l->rec[l->nrec].page_size = page_size;
	l->rec[l->nrec].node = node;
	l->rec[l->nrec].added = added;
	l->nrec++;
	return 0;
}

/*
 * Persistent pages of @page_size on every node that has that pool into
 * @count (UINT64_MAX: no such pool there); returns how many nodes have one.
 */
static int node_counts(const struct hgm_ctx *ctx, uint64_t page_size, uint64_t *count)
{
	struct hgm_pool p;
	int node, n = 0;

	for (node = 0; node < MAX_NODES; node++) {
		count[node] = UINT64_MAX;
		if (hgm_pool_get(ctx, page_size, node, &p) == 0) {
			count[node] = persistent_of(&p);
			n++;
		}
	}
	return n;
}

static int guard_grow(struct ledger *l, const struct request *rq, struct reply *rp)
{
	static uint64_t before[MAX_NODES], after[MAX_NODES];
	struct hgm_guard_grant *gr = &rp->grant;
	struct hgm_pool pool;
	uint64_t more, start;
	int ret, node, nodes;

	ret = hgm_pool_get(l->ctx, rq->page_size, rq->node, &pool);
	if (ret)
		return ret;
	gr->free = unreserved(&pool);
	if (gr->free >= rq->need)
		return 0;
	more = rq->need - gr->free;
	ret = hgm_mem_room(l->ctx, rq->node, &gr->room);
	if (ret)
		return ret;
	if (more > (UINT64_MAX - rq->extra) / rq->page_size)
		gr->want = UINT64_MAX;
	else
		gr->want = more * rq->page_size + rq->extra;
	if (!hgm_mem_fits(&gr->room, gr->want))
		return -ENOMEM;

	nodes = rq->node == HGM_NODE_ALL ? node_counts(l->ctx, rq->page_size, before) : 0;
	start = persistent_of(&pool);
	ret = hgm_pool_set(l->ctx, rq->page_size, rq->node, start + more);
	/* a refused write may still have changed something: always read back */
	if (nodes) {
		node_counts(l->ctx, rq->page_size, after);
		for (node = 0; node < MAX_NODES; node++)
			if (before[node] != UINT64_MAX && after[node] != UINT64_MAX &&
			    after[node] > before[node]) {
				gr->added += after[node] - before[node];
				if (record(l, rq->page_size, node, after[node] - before[node]))
					ret = -ENOSPC;
			}
	}
	if (hgm_pool_get(l->ctx, rq->page_size, rq->node, &pool) == 0) {
		if (!nodes && persistent_of(&pool) > start) {
			gr->added = persistent_of(&pool) - start;
			if (record(l, rq->page_size, rq->node, gr->added))
				ret = -ENOSPC;
		}
		gr->free = unreserved(&pool);
	}
	return ret;
}

/* Kills the watched processes and waits until they are gone. */
static void end_watched(struct ledger *l)
{
	int i;

	for (i = 0; i < l->nwatched; i++) {
		struct pollfd p = { .fd = l->watched[i], .events = POLLIN };

		syscall(SYS_pidfd_send_signal, l->watched[i], SIGKILL, NULL, 0);
		while (poll(&p, 1, WATCH_WAIT_MS) < 0 && errno == EINTR)
			;
		close(l->watched[i]);
	}
	l->nwatched = 0;
}

static int guard_restore(struct ledger *l, uint64_t *left)
{
	int i, ret = 0;

	end_watched(l);
	*left = 0;
	for (i = 0; i < l->nrec; i++) {
		uint64_t size = l->rec[i].page_size, added = l->rec[i].added, want, now;
		int node = l->rec[i].node, r;
		struct hgm_pool pool;

		r = hgm_pool_get(l->ctx, size, node, &pool);
		if (r) {
			*left += added;
			ret = ret ? ret : r;
			continue;
		}
		now = persistent_of(&pool);
		want = now > added ? now - added : 0;
		r = hgm_pool_set(l->ctx, size, node, want);
		/* a refused write may still have changed something: always read back */
		if (hgm_pool_get(l->ctx, size, node, &pool)) {
			*left += added;
			ret = ret ? ret : (r ? r : -EIO);
			continue;
		}
		now = persistent_of(&pool);
		if (now > want) {
			*left += now - want;
			ret = ret ? ret : r;
		}
	}
	l->nrec = 0;
	return ret;
}

/* Reads or writes all of @n bytes (a message smaller than PIPE_BUF is never split). */
static ssize_t xfer(int fd, void *buf, size_t n, bool wr)
{
	ssize_t r;

	do
		r = wr ? write(fd, buf, n) : read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

static void guard_serve(struct ledger *l, int req, int rep, int parent)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = req, .events = POLLIN }, { .fd = parent, .events = POLLIN } };
		struct request rq;
		struct reply rp;
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[1].revents)
			return;		/* the parent is gone */
		n = xfer(req, &rq, sizeof(rq), false);
		if (n != (ssize_t)sizeof(rq))
			return;		/* closed: the parent is done with us */
		memset(&rp, 0, sizeof(rp));
		switch (rq.op) {
		case OP_GROW:
			rp.err = rq.page_size ? guard_grow(l, &rq, &rp) : -EINVAL;
			break;
		case OP_WATCH:
			if (l->nwatched == MAX_WATCHED) {
				rp.err = -ENOSPC;
				break;
			}
			rp.err = hgm_pidfd_open((pid_t)rq.pid);
			if (rp.err >= 0) {
				l->watched[l->nwatched++] = rp.err;
				rp.err = 0;
			}
			break;
		case OP_RESTORE:
			rp.err = guard_restore(l, &rp.left);
			break;
		default:
			rp.err = -EINVAL;
		}
		/* SIGPIPE is ignored here: a parent gone is EPIPE */
		if (xfer(rep, &rp, sizeof(rp), true) != (ssize_t)sizeof(rp))
			return;
	}
}

/* Closes every descriptor from 3 up but those in @keep. */
static void close_others(const int *keep, int n)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int fds[1024], nfds = 0, i, j;

	if (!d)
		return;
	while ((de = readdir(d)) && nfds < (int)ARRAY_SIZE(fds)) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name || fd < 3 || fd == dirfd(d))
			continue;
		fds[nfds++] = (int)fd;
	}
	closedir(d);
	for (i = 0; i < nfds; i++) {
		for (j = 0; j < n; j++)
			if (fds[i] == keep[j])
				break;
		if (j == n)
			close(fds[i]);
	}
}

static void __attribute__((noreturn)) guard_main(const struct hgm_ctx *ctx, int req, int rep,
						 int parent, int lock_fd)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP,
				       SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2, SIGALRM };
	struct ledger l = { .ctx = ctx };
	int keep[] = { req, rep, parent, lock_fd };
	sigset_t none;
	uint64_t left;
	size_t i;
	int null;

	/* out of the terminal's process group: Ctrl-C and Ctrl-\ are the parent's */
	setpgid(0, 0);
	for (i = 0; i < ARRAY_SIZE(ignored); i++)
		signal(ignored[i], SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "hgmctl-guard");
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	close_others(keep, (int)ARRAY_SIZE(keep));
	guard_serve(&l, req, rep, parent);
	guard_restore(&l, &left);
	_exit(left ? 1 : 0);
}

HGM_EXPORT int hgm_guard_start(const struct hgm_ctx *ctx, int lock_fd, struct hgm_guard **out)
{
	int rq[2] = { -1, -1 }, rp[2] = { -1, -1 }, parent = -1, ret = 0;
	struct hgm_guard *gd = NULL;
	pid_t pid;

	if (!hgm_ctx_is_live(ctx))
		return -EROFS;
	gd = calloc(1, sizeof(*gd));
	if (!gd)
		return -ENOMEM;
	parent = hgm_pidfd_open(getpid());
	if (parent < 0) {
		ret = parent;
		goto out;
	}
	if (pipe2(rq, O_CLOEXEC) || pipe2(rp, O_CLOEXEC)) {
		ret = -errno;
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		close(rq[1]);
		close(rp[0]);
		guard_main(ctx, rq[0], rp[1], parent, lock_fd);
	}
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	gd->req = rq[1];
	gd->rep = rp[0];
	gd->pid = pid;
	rq[1] = rp[0] = -1;
	*out = gd;
	gd = NULL;
out:
	for (int i = 0; i < 2; i++) {
		if (rq[i] >= 0)
			close(rq[i]);
		if (rp[i] >= 0)
			close(rp[i]);
	}
	if (parent >= 0)
		close(parent);
	free(gd);
	return ret;
}

/*
 * One request and its reply; -EPIPE when the guard is gone.  SIGPIPE is
 * blocked for the write, and one it raised is taken back, so that a guard
 * gone is an error here, not the death of the caller.
 */
static int ask(struct hgm_guard *gd, const struct request *rq, struct reply *rp)
{
	const struct timespec now = { 0, 0 };
	sigset_t pipe_set, old;
	ssize_t n;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = xfer(gd->req, (void *)rq, sizeof(*rq), true);
	if (n < 0 && errno == EPIPE && !sigismember(&old, SIGPIPE))
		sigtimedwait(&pipe_set, NULL, &now);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (n != (ssize_t)sizeof(*rq))
		return -EPIPE;
	n = xfer(gd->rep, rp, sizeof(*rp), false);
	if (n != (ssize_t)sizeof(*rp))
		return -EPIPE;
	return rp->err;
}

HGM_EXPORT int hgm_guard_grow(struct hgm_guard *gd, uint64_t page_size, int node, uint64_t need,
			      uint64_t extra, struct hgm_guard_grant *res)
{
	struct request rq = { .op = OP_GROW, .node = node, .page_size = page_size, .need = need,
			      .extra = extra };
	struct reply rp;
	int ret;

	memset(&rp, 0, sizeof(rp));
	ret = ask(gd, &rq, &rp);
	*res = rp.grant;
	return ret;
}

HGM_EXPORT int hgm_guard_watch(struct hgm_guard *gd, pid_t pid)
{
	struct request rq = { .op = OP_WATCH, .pid = pid };
	struct reply rp;

	return ask(gd, &rq, &rp);
}

HGM_EXPORT int hgm_guard_restore(struct hgm_guard *gd, uint64_t *left)
{
	struct request rq = { .op = OP_RESTORE };
	struct reply rp;
	int ret;

	memset(&rp, 0, sizeof(rp));
	ret = ask(gd, &rq, &rp);
	*left = rp.left;
	return ret;
}

HGM_EXPORT int hgm_guard_end(struct hgm_guard *gd)
{
	uint64_t left = 0;
	int ret, status;

	if (!gd)
		return 0;
	ret = hgm_guard_restore(gd, &left);
	close(gd->req);
	close(gd->rep);
	while (waitpid(gd->pid, &status, 0) < 0 && errno == EINTR)
		;
	free(gd);
	return ret;
}
