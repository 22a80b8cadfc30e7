// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * collapse.c - MADV_COLLAPSE on the caller (madvise) or on another process
 * (pidfd_open + process_madvise), and what a range maps at each level
 *
 * Another process is named by a pidfd, taken once: every call after that goes
 * through it, so a PID reused by a new process is never collapsed.  Reads of
 * /proc/PID are made safe the same way: hgm_pidfd_alive() after the read says
 * the PID still named the pidfd's process all along (a PID is not reused while
 * its process lives or is an unreaped zombie).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hgm-private.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal	424
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise	440
#endif

/*
 * process_madvise() takes at most MAX_RW_COUNT (2 GiB less a page) per call;
 * calls of 1 GiB, 1 GiB-aligned, never cut a 2 MiB or 1 GiB page in two.
 */
#define COLLAPSE_CHUNK		(UINT64_C(1) << 30)

HGM_EXPORT int hgm_pidfd_open(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

HGM_EXPORT int hgm_pidfd_alive(int pidfd)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0)
		return 0;
	return -errno;
}

static int collapse_chunk(int pidfd, uint64_t start, uint64_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)start, .iov_len = len };
	long ret;

	if (pidfd < 0)
		return madvise(iov.iov_base, len, MADV_COLLAPSE) ? -errno : 0;
	do
		ret = syscall(SYS_process_madvise, pidfd, &iov, 1, MADV_COLLAPSE, 0);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	/* one vector: all of it or an error; a short count would be a kernel change */
	return (uint64_t)ret == len ? 0 : -EAGAIN;
}

HGM_EXPORT int hgm_collapse(int pidfd, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;

	if (len == 0 || end < start)
		return -EINVAL;
	while (start < end) {
		uint64_t next = (start | (COLLAPSE_CHUNK - 1)) + 1;
		int ret;

		if (next > end || next == 0)
			next = end;
		ret = collapse_chunk(pidfd, start, next - start);
		if (ret)
			return ret;
		start = next;
	}
	return 0;
}

/* hgm_range_levels() summing: PTE-mapped rows of unknown folios make PTE and base unknown. */
struct levels_sum {
	struct hgm_levels *lv;
	bool unknown;
};

static int levels_row(const struct hgm_folio *f, void *arg)
{
	struct levels_sum *sum = arg;
	struct hgm_levels *lv = sum->lv;
	uint64_t len = f->end - f->start;

	if (!f->present)
		return 0;
	if (f->level != HGM_LEVEL_PTE) {
		lv->mapped[f->level] += len;
		return 0;
	}
	switch (f->kind) {
	case HGM_FOLIO_HUGETLB:
	case HGM_FOLIO_THP:
	case HGM_FOLIO_MTHP:
		lv->mapped[HGM_LEVEL_PTE] += len;
		break;
	case HGM_FOLIO_UNKNOWN:
		sum->unknown = true;
		break;
	default:
		lv->base += len;
		break;
	}
	return 0;
}

HGM_EXPORT int hgm_range_levels(const struct hgm_ctx *ctx, pid_t pid, uint64_t start,
				uint64_t end, struct hgm_levels *lv)
{
	const struct hgm_scan_ops ops = { .folio = levels_row };
	struct levels_sum sum = { .lv = lv };
	int ret;

	memset(lv, 0, sizeof(*lv));
	if (end <= start)
		return -EINVAL;
	/* rows need no smaps counter (and the scanner reads smaps where "hm" matters) */
	ret = hgm_scan(ctx, pid, start, end, HGM_SCAN_NO_COUNT | HGM_SCAN_LIGHT_VMAS, &ops, &sum);
	if (sum.unknown)
		lv->mapped[HGM_LEVEL_PTE] = lv->base = HGM_UNKNOWN;
	return ret;
}

/* hgm_range_levels() of @pid, trusted only if @pidfd's process is still there. */
static void measure(const struct hgm_ctx *ctx, pid_t pid, int pidfd, uint64_t start,
		    uint64_t end, struct hgm_levels *lv)
{
	int l;

	if (hgm_range_levels(ctx, pid, start, end, lv) == 0 &&
	    (pidfd < 0 || hgm_pidfd_alive(pidfd) == 0))
		return;
	for (l = 0; l < HGM_NR_LEVELS; l++)
		lv->mapped[l] = HGM_UNKNOWN;
	lv->base = HGM_UNKNOWN;
}

HGM_EXPORT int hgm_collapse_pid(const struct hgm_ctx *ctx, pid_t pid, int pidfd, uint64_t start,
				uint64_t end, unsigned int flags, struct hgm_collapse_result *r)
{
	struct hgm_collapse_result full = { .size = sizeof(full) };
	int l;

	if (!hgm_sized_ok(r) || end <= start)
		return -EINVAL;
	for (l = 0; l < HGM_NR_LEVELS; l++)
		full.after.mapped[l] = HGM_UNKNOWN;
	full.after.base = HGM_UNKNOWN;
	measure(ctx, pid, pidfd, start, end, &full.before);
	if (!(flags & HGM_COLLAPSE_MEASURE_ONLY)) {
		full.called = true;
		full.error = hgm_collapse(pidfd, start, end - start);
		/* these hold for the process, not the range: nothing more to learn */
		if (full.error != -EPERM && full.error != -EACCES && full.error != -ESRCH)
			measure(ctx, pid, pidfd, start, end, &full.after);
	}
	hgm_copy_sized(r, &full, sizeof(full));
	return full.error;
}
