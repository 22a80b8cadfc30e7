// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcsim.c - the engine of `hgmctl postcopy` and `hgmctl bench postcopy`: a
 * post-copy live-migration simulator on hugetlb, the workload HGM exists for.
 *
 * The "guest memory" is a hugetlbfs memfd mapped twice: the guest mapping is
 * registered for MINOR faults, the alias (not registered) is where data is
 * filled in.  The whole file is allocated first (fallocate), so every first
 * touch of the guest mapping is a minor fault: page cache there, no PTE.
 *
 *   vCPU threads --touch--> guest mapping --minor fault--> handler thread
 *                                                           | fetch over the link
 *   streamer thread --------- fetch over the link ------+   | fill through the alias
 *                                                       v   v
 *                                              UFFDIO_CONTINUE (4K or page size)
 *
 * The link is one wire shared by all transfers: a transfer of B bytes
 * occupies it for B*8/bandwidth, in order of request, and arrives --latency
 * after it leaves.  Faults have priority: a fault's data goes before queued
 * stream data, after the 16K stream segment on the wire (as QEMU's
 * postcopy-preempt channel allows).  Waits are to absolute deadlines
 * (clock_nanosleep, then a spin for the last stretch), so the latencies a
 * vCPU sees are the link's, plus the real cost of the kernel's fault path,
 * the fill and UFFDIO_CONTINUE.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/memfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "levels.h"
#include "pcsim.h"
#include "workload.h"
#include "uapi-compat.h"

#ifndef UFFD_FEATURE_THREAD_ID
#define UFFD_FEATURE_THREAD_ID		(1 << 8)
#endif
#ifndef UFFD_FEATURE_MINOR_HUGETLBFS
#define UFFD_FEATURE_MINOR_HUGETLBFS	(1 << 9)
#endif

#define PREEMPT_SEG	(UINT64_C(16) << 10)	/* a fault cuts into the stream at these boundaries */
#define STREAM_BATCH	(UINT64_C(256) << 10)	/* the streamer fetches and maps this much at once */
#define TOUCH_BYTES	64		/* a vCPU reads and checks one cache line per touch */
#define THINK_NS	50000		/* a vCPU's pause after a touch that did not fault */
#define SPIN_NS		100000		/* the last stretch of a wait is spun, not slept */
#define WAIT_SLICE_NS	UINT64_C(50000000)	/* a wait checks the stop flag this often */
#define MAX_UNIT_SECS	4		/* --bandwidth moves one unit in at most this */
#define MAX_VCPUS	64

enum { ABSENT, INFLIGHT, PRESENT };

const char *const pattern_names[] = { "random", "sequential" };

struct sim;

struct vcpu {
	struct sim *sim;
	pthread_t thread;
	int idx;
	_Atomic pid_t tid;
	_Atomic uint64_t fault_unit;	/* 1 + the unit it faulted on, set by the handler */
	uint64_t *lat;			/* per-fault latencies, ns */
	size_t nlat, alat;
	uint64_t touches;
	uint64_t first_done;		/* absolute ns, 0 until the first touch */
	uint64_t rng;
};

struct sim {
	const struct pc_opts *o;
	int uffd;
	char *guest, *alias;
	uint64_t nunits;
	_Atomic unsigned char *state;
	_Atomic uint64_t present;
	_Atomic uint64_t done_at;	/* ns when the last unit became present */
	_Atomic int stop;		/* vCPUs and streamer: finish */
	_Atomic int handler_stop;
	_Atomic int failed;		/* first failure wins the message */
	char failure[256];
	uint64_t seed;
	uint64_t t0;
	_Atomic uint64_t handled, bytes_fault, bytes_stream;
	_Atomic int corrupt_pending;
	/* the link */
	pthread_mutex_t link_lock;
	uint64_t link_free_at;		/* when everything queued has left */
	uint64_t bg_start;		/* origin of the stream's segment boundaries */
	uint64_t urgent_free_at;	/* when the last fault's data has left */
	_Atomic uint64_t bg_delay;	/* wire time faults took from queued stream data */
	struct vcpu vcpu[MAX_VCPUS];
};

/*
 * Sleeps to an absolute deadline; with @spin, spins the last SPIN_NS so that
 * timer slack and wakeup delay do not add to what is measured.  Sleeps in
 * slices of WAIT_SLICE_NS and gives up when the run stops: a slow link's
 * transfer may take seconds.  Returns false then.
 */
static bool wait_until(const struct sim *s, uint64_t deadline, bool spin)
{
	uint64_t sleep_to = spin ? (deadline > SPIN_NS ? deadline - SPIN_NS : 0) : deadline;
	uint64_t now;

	while ((now = now_ns()) < sleep_to && (!spin || sleep_to > now + SPIN_NS)) {
		uint64_t t = sleep_to - now > WAIT_SLICE_NS ? now + WAIT_SLICE_NS : sleep_to;
		struct timespec ts = {
			.tv_sec = (time_t)(t / UINT64_C(1000000000)),
			.tv_nsec = (long)(t % UINT64_C(1000000000)),
		};

		if (atomic_load(&s->stop))
			return false;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);	/* EINTR: again */
	}
	if (atomic_load(&s->stop))
		return false;
	if (spin)
		while (now_ns() < deadline)
			__builtin_ia32_pause();
	return true;
}

static uint64_t tx_ns(const struct sim *s, uint64_t bytes)
{
	return (uint64_t)((unsigned __int128)bytes * 8 * UINT64_C(1000000000) / s->o->bps);
}

/*
 * A fault's transfer: it goes before queued stream data, after the stream
 * segment on the wire now (and after earlier faults).  Returns when it
 * arrives (absolute ns).
 *
 *   wire:  | seg | seg | seg | seg |        stream queued at fault time
 *   after: | seg |FAULT| seg | seg | seg |  the rest moves back by its time
 */
static uint64_t link_urgent(struct sim *s, uint64_t bytes)
{
	uint64_t now = now_ns(), tx = tx_ns(s, bytes), seg = tx_ns(s, PREEMPT_SEG), start, end;

	pthread_mutex_lock(&s->link_lock);
	start = now > s->urgent_free_at ? now : s->urgent_free_at;
	if (s->link_free_at > start) {
		/* stream data queued past start: cut in at the next segment boundary */
		if (start > s->bg_start && seg)
			start = s->bg_start + (start - s->bg_start + seg - 1) / seg * seg;
		if (start > s->link_free_at)
			start = s->link_free_at;
		end = start + tx;
		if (s->link_free_at > start) {
			s->link_free_at += tx;
			s->bg_start = end;
			atomic_fetch_add(&s->bg_delay, tx);
		} else {
			s->link_free_at = end;
		}
	} else {
		end = start + tx;
		s->link_free_at = end;
	}
	s->urgent_free_at = end;
	pthread_mutex_unlock(&s->link_lock);
	return end + s->o->latency_ns;
}

/*
 * Stream data, queued after everything else.  Returns when it would arrive
 * if no fault cut in; *@delay is bg_delay then (add what it grew since).
 */
static uint64_t link_stream(struct sim *s, uint64_t bytes, uint64_t *delay)
{
	uint64_t now = now_ns(), tx = tx_ns(s, bytes), end;

	pthread_mutex_lock(&s->link_lock);
	if (s->link_free_at <= now) {
		s->link_free_at = now;
		s->bg_start = now;
	}
	s->link_free_at += tx;
	end = s->link_free_at;
	*delay = atomic_load(&s->bg_delay);
	pthread_mutex_unlock(&s->link_lock);
	return end + s->o->latency_ns;
}

/* The source's data: every 8-byte word a function of its offset and the run's seed. */
static inline uint64_t pattern_word(const struct sim *s, uint64_t off)
{
	return (off * 0x9E3779B97F4A7C15ULL) ^ s->seed;
}

static void fill(struct sim *s, uint64_t off, uint64_t len)
{
	uint64_t *w = (uint64_t *)(s->alias + off);
	uint64_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = pattern_word(s, off + i * 8);
	/* testing: one wrong byte where a vCPU will read it (the first word of a unit) */
	if (s->o->corrupt && atomic_exchange(&s->corrupt_pending, 0))
		w[0] ^= 0x100;
}

static void fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;
	int expected = 0;

	if (!atomic_compare_exchange_strong(&s->failed, &expected, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(s->failure, sizeof(s->failure), fmt, ap);
	va_end(ap);
	atomic_store(&s->stop, 1);
}

static void unit_present(struct sim *s, uint64_t n)
{
	if (atomic_fetch_add(&s->present, n) + n == s->nunits)
		atomic_store(&s->done_at, now_ns());
}

/* Maps units [u, u+n) in the guest, which were filled; wakes whoever waits there. */
static void resolve(struct sim *s, uint64_t u, uint64_t n)
{
	uint64_t off = u * s->o->gran, len = n * s->o->gran;
	uint64_t i;
	int ret;

	ret = hgm_uffd_continue(s->uffd, s->guest + off, len);
	if (ret == -EEXIST)
		ret = hgm_uffd_wake(s->uffd, s->guest + off, len);
	if (ret)
		fail(s, "UFFDIO_CONTINUE of %" PRIu64 " bytes at offset 0x%" PRIx64 ": %s", len, off,
		     strerror(-ret));
	for (i = 0; i < n; i++)
		atomic_store(&s->state[u + i], PRESENT);
	unit_present(s, n);
}

static void *handler_main(void *arg)
{
	struct sim *s = arg;
	struct hgm_uffd_fault f[32];
	int n, i, v;

	prctl(PR_SET_TIMERSLACK, 1UL);
	while (!atomic_load(&s->handler_stop)) {
		n = hgm_uffd_read_faults(s->uffd, f, 32, 20);
		if (n < 0) {
			fail(s, "reading userfaultfd events: %s", strerror(-n));
			break;
		}
		for (i = 0; i < n; i++) {
			uint64_t off = f[i].addr - (uintptr_t)s->guest;
			uint64_t u = off / s->o->gran, arrive;
			unsigned char expected = ABSENT;

			if (f[i].addr < (uintptr_t)s->guest || off >= s->o->size)
				continue;
			for (v = 0; v < s->o->vcpus; v++)
				if (atomic_load(&s->vcpu[v].tid) == (pid_t)f[i].tid)
					atomic_store(&s->vcpu[v].fault_unit, u + 1);
			if (!atomic_compare_exchange_strong(&s->state[u], &expected, INFLIGHT)) {
				/* present: the fault raced a CONTINUE; in flight: its CONTINUE wakes */
				if (expected == PRESENT)
					hgm_uffd_wake(s->uffd, s->guest + u * s->o->gran, s->o->gran);
				continue;
			}
			arrive = link_urgent(s, s->o->gran);
			/* stopped: the unit stays in flight; closing the uffd wakes its vCPU */
			if (!wait_until(s, arrive, true))
				continue;
			fill(s, u * s->o->gran, s->o->gran);
			resolve(s, u, 1);
			atomic_fetch_add(&s->handled, 1);
			atomic_fetch_add(&s->bytes_fault, s->o->gran);
		}
	}
	return NULL;
}

/*
 * Streams every unit no fault has claimed, in address order, as a pipeline
 * of two batches: while one is on the wire, the one before it is filled and
 * mapped, so the wire stays busy however long that takes.  Faults cut in
 * ahead of queued batches (link_urgent), so the queue costs them nothing.
 */
static void *streamer_main(void *arg)
{
	struct sim *s = arg;
	uint64_t per_page = s->o->page_size / s->o->gran;
	uint64_t batch = STREAM_BATCH > s->o->gran ? STREAM_BATCH / s->o->gran : 1;
	struct { uint64_t u, n, arrive, delay; } prev = { 0, 0, 0, 0 }, cur;
	uint64_t u = 0;

	prctl(PR_SET_TIMERSLACK, 1UL);
	for (;;) {
		uint64_t n = 0;
		unsigned char expected;

		/* claim a run of absent units, within one hugepage */
		while (u < s->nunits && !atomic_load(&s->stop)) {
			while (n < batch && u + n < s->nunits && (n == 0 || (u + n) % per_page)) {
				expected = ABSENT;
				if (!atomic_compare_exchange_strong(&s->state[u + n], &expected,
								    INFLIGHT))
					break;
				n++;
			}
			if (n)
				break;
			u++;
		}
		cur.u = u;
		cur.n = n;
		if (n)
			cur.arrive = link_stream(s, n * s->o->gran, &cur.delay);
		if (prev.n) {
			/* faults that cut in meanwhile delay it; sleep until it is really here */
			for (;;) {
				uint64_t t = prev.arrive + atomic_load(&s->bg_delay) - prev.delay;

				if (now_ns() >= t)
					break;
				if (!wait_until(s, t, false))
					return NULL;	/* stopped: what is on the wire stays there */
			}
			fill(s, prev.u * s->o->gran, prev.n * s->o->gran);
			resolve(s, prev.u, prev.n);
			atomic_fetch_add(&s->bytes_stream, prev.n * s->o->gran);
		}
		if (!n)
			break;
		prev = cur;
		u += n;
	}
	return NULL;
}

static uint64_t rng_next(uint64_t *x)
{
	/* xorshift64* */
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545F4914F6CDD1DULL;
}

static void record(struct vcpu *v, uint64_t ns)
{
	if (v->nlat == v->alat) {
		size_t n = v->alat ? v->alat * 2 : 1024;
		uint64_t *p = realloc(v->lat, n * sizeof(*p));

		if (!p)
			return;		/* a sample lost, never the run */
		v->lat = p;
		v->alat = n;
	}
	v->lat[v->nlat++] = ns;
}

static void *vcpu_main(void *arg)
{
	struct vcpu *v = arg;
	struct sim *s = v->sim;
	const struct pc_opts *o = s->o;
	uint64_t slice = o->size / (uint64_t)o->vcpus / SMALL_PAGE * SMALL_PAGE;
	uint64_t base = slice * (uint64_t)v->idx, cursor = 0;
	struct timespec think = { 0, THINK_NS };

	prctl(PR_SET_TIMERSLACK, 1UL);
	atomic_store(&v->tid, (pid_t)syscall(SYS_gettid));
	while (!atomic_load(&s->stop) && atomic_load(&s->present) < s->nunits) {
		volatile const uint64_t *p;
		uint64_t off, t1, t2, i, got;

		if (o->pattern == PAT_RANDOM) {
			off = rng_next(&v->rng) % (o->size / SMALL_PAGE) * SMALL_PAGE;
			off += rng_next(&v->rng) % (SMALL_PAGE / TOUCH_BYTES) * TOUCH_BYTES;
		} else {
			off = base + cursor;
			cursor = (cursor + SMALL_PAGE) % (slice ? slice : SMALL_PAGE);
		}
		p = (volatile const uint64_t *)(s->guest + off);
		t1 = now_ns();
		for (i = 0; i < TOUCH_BYTES / 8; i++) {
			got = p[i];
			if (got != pattern_word(s, off + i * 8)) {
				fail(s, "data mismatch: vCPU %d read 0x%016" PRIx64 " at offset 0x%"
				     PRIx64 ", the source has 0x%016" PRIx64, v->idx, got,
				     off + i * 8, pattern_word(s, off + i * 8));
				return NULL;
			}
		}
		t2 = now_ns();
		v->touches++;
		if (!v->first_done)
			v->first_done = t2;
		/*
		 * Counted only if the handler saw this touch's fault: a fault the
		 * stream resolved before the handler read it is reported late,
		 * and must not be taken for a fault of the next touch.
		 */
		if (atomic_exchange(&v->fault_unit, 0) == off / o->gran + 1)
			record(v, t2 - t1);
		else
			nanosleep(&think, NULL);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *v, size_t n, unsigned int p)
{
	size_t i = (n * p + 99) / 100;

	return v[i ? i - 1 : 0];
}

/*
 * The smaps record of our own VMA that starts at @addr, handed to @fn with
 * @arg.  Returns what @fn returned, or false when there is none.
 */
static bool guest_vma(const struct hgmctl *g, const void *addr,
		      bool (*fn)(const struct hgmctl *g, const struct hgm_vma *vma, void *arg),
		      void *arg)
{
	struct hgm_smaps *sm;
	struct hgm_vma *vma;
	bool found = false;

	if (hgm_vma_new(&vma))
		return false;
	if (hgm_smaps_open(g->ctx, 0, &sm)) {
		hgm_vma_free(vma);
		return false;
	}
	while (hgm_smaps_next(sm, vma) == 1) {
		if (hgm_vma_start(vma) != (uintptr_t)addr)
			continue;
		found = fn(g, vma, arg);
		break;
	}
	hgm_smaps_free(sm);
	hgm_vma_free(vma);
	return found;
}

static bool copy_levels(const struct hgmctl *g, const struct hgm_vma *vma, void *arg)
{
	struct hgm_vma_usage use;

	hgm_vma_usage(vma, hgm_thp_pmd_size(g->ctx), &use);
	memcpy(arg, use.mapped, sizeof(use.mapped));
	return true;
}

/* What smaps says maps the guest now, per level. */
static bool guest_levels(const struct hgmctl *g, const struct sim *s, uint64_t mapped[])
{
	return guest_vma(g, s->guest, copy_levels, mapped);
}

static bool has_hm(const struct hgmctl *g, const struct hgm_vma *vma, void *arg)
{
	(void)g;
	(void)arg;
	return hgm_vma_flag(vma, HGM_VF_HM);
}

bool pc_mem_hgm(const struct hgmctl *g, const struct pc_mem *m)
{
	return guest_vma(g, m->guest, has_hm, NULL);
}

static void progress(const struct sim *s, bool done)
{
	bool tty = isatty(STDERR_FILENO);

	/* on a terminal one line is rewritten; elsewhere (-v) one line each */
	fprintf(stderr, "%spostcopy: %3" PRIu64 "%% present, %" PRIu64 " faults handled%s",
		tty ? "\r" : "", atomic_load(&s->present) * 100 / s->nunits,
		atomic_load(&s->handled), tty ? (done ? "\033[K\n" : "\033[K") : "\n");
}

/*
 * The userfaultfd features a run of @o needs.  Fault addresses are page
 * aligned without EXACT_ADDRESS, which is all a page-size run needs; HGM
 * must be asked for with it.
 */
static uint64_t wanted_features(const struct pc_opts *o)
{
	uint64_t f = UFFD_FEATURE_MINOR_HUGETLBFS | UFFD_FEATURE_THREAD_ID;

	if (o->shmem)
		return UFFD_FEATURE_MINOR_SHMEM | UFFD_FEATURE_THREAD_ID;
	if (o->gran < o->page_size)
		f |= UFFD_FEATURE_MINOR_HUGETLBFS_HGM | UFFD_FEATURE_EXACT_ADDRESS;
	return f;
}

/*
 * Why the kernel cannot run @o, or NULL when it can: asked before anything
 * is allocated.  Writes the sentence into @buf.
 */
const char *kernel_refusal(const struct hgmctl *g, const struct pc_opts *o, char *buf,
				  size_t size)
{
	uint64_t want = wanted_features(o), offered = 0;
	char a[32];
	int fd = hgm_uffd_open(want, &offered, NULL);

	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	if (fd == -EOPNOTSUPP && (want & ~offered & UFFD_FEATURE_MINOR_HUGETLBFS_HGM))
		snprintf(buf, size, "granularity %s needs HugeTLB high-granularity mapping, and "
			 "this kernel has no HGM (UFFDIO_API does not offer "
			 "UFFD_FEATURE_MINOR_HUGETLBFS_HGM)", fmt_size(g, o->gran, a, sizeof(a)));
	else if (fd == -EOPNOTSUPP)
		snprintf(buf, size, "this kernel's userfaultfd lacks minor faults on %s "
			 "(offers 0x%" PRIx64 ", needs 0x%" PRIx64 ")", o->shmem ? "shmem" :
			 "hugetlbfs", offered, want);
	else if (fd == -EPERM)
		snprintf(buf, size, "userfaultfd is not allowed for this caller (see 'hgmctl uffd "
			 "probe')");
	else
		snprintf(buf, size, "cannot open a userfaultfd: %s", strerror(-fd));
	return buf;
}

/*
 * The guest memory of @o: a memfd of o->size bytes allocated whole, mapped
 * as the guest (registered for MINOR faults on a new userfaultfd) and as the
 * alias, populated.  Returns 0, or -1 after saying why; pc_mem_close() in
 * both cases.
 */
int pc_mem_open(const struct hgmctl *g, const struct pc_opts *o, struct pc_mem *m)
{
	unsigned int shift = (unsigned int)__builtin_ctzll(o->page_size);
	uint64_t ioctls = 0;
	int ret;

	memset(m, 0, sizeof(*m));
	m->w.hugetlb = o->size;
	m->w.page_size = o->page_size;
	m->size = o->size;
	m->mfd = m->uffd = -1;
	m->guest = m->alias = MAP_FAILED;
	if (o->shmem) {
		struct hgm_mem_room room;
		char a[32], b[32], c[32];

		m->w.hugetlb = 0;
		if (hgm_mem_room(g->ctx, HGM_NODE_ALL, &room) == 0 && !hgm_mem_fits(&room, o->size)) {
			warnx("not enough free memory: the shmem guest memory takes %s, MemAvailable "
			      "is %s, and %s stays free (1/16 of MemTotal)",
			      fmt_size(g, o->size, a, sizeof(a)),
			      fmt_size(g, room.available, b, sizeof(b)),
			      fmt_size(g, room.margin, c, sizeof(c)));
			return -1;
		}
	} else {
		workload_reserve(g, &m->w);
	}
	m->mfd = memfd_create("hgmctl-postcopy", MFD_CLOEXEC |
			   (o->shmem ? 0 : MFD_HUGETLB | (shift << MFD_HUGE_SHIFT)));
	if (m->mfd < 0) {
		warn("cannot create a memfd");
		return -1;
	}
	if (ftruncate(m->mfd, (off_t)o->size) || fallocate(m->mfd, 0, 0, (off_t)o->size)) {
		warn("cannot allocate %" PRIu64 " bytes of %s memory", o->size,
		     o->shmem ? "shmem" : "hugetlb");
		return -1;
	}
	m->guest = mmap(NULL, o->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->mfd, 0);
	/* the alias mapped up front: a fill costs the copy, not page faults on the alias */
	m->alias = mmap(NULL, o->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, m->mfd, 0);
	if (m->guest == MAP_FAILED || m->alias == MAP_FAILED) {
		warn("cannot map the memfd");
		return -1;
	}
	m->uffd = hgm_uffd_open(wanted_features(o), NULL, NULL);
	if (m->uffd < 0) {
		warnx("cannot open a userfaultfd: %s", strerror(-m->uffd));
		return -1;
	}
	ret = hgm_uffd_register_minor(m->uffd, m->guest, o->size, &ioctls);
	if (ret || !(ioctls & (UINT64_C(1) << _UFFDIO_CONTINUE))) {
		warnx("cannot register the guest mapping for minor faults: %s",
		      ret ? strerror(-ret) : "UFFDIO_CONTINUE not offered");
		return -1;
	}
	return 0;
}

/* Undoes pc_mem_open(), also a failed one; 0, or -1 if the pool was not put back. */
int pc_mem_close(const struct hgmctl *g, struct pc_mem *m)
{
	if (m->uffd >= 0)
		close(m->uffd);
	if (m->guest != MAP_FAILED)
		munmap(m->guest, m->size);
	if (m->alias != MAP_FAILED)
		munmap(m->alias, m->size);
	if (m->mfd >= 0)
		close(m->mfd);
	m->uffd = m->mfd = -1;
	m->guest = m->alias = MAP_FAILED;
	return workload_restore(g, &m->w);
}

/*
 * Runs the simulation of @o; fills @r.  Returns 0, or -1 after saying why
 * (a mismatch of the data the vCPUs read is a failure).
 */
int postcopy_run(const struct hgmctl *g, const struct pc_opts *o, struct pc_result *r,
			const sigset_t *sigs)
{
	bool show = g->verbose || isatty(STDERR_FILENO);
	pthread_t handler, streamer;
	struct pc_mem m;
	struct sim *s;
	uint64_t *all = NULL, last_progress = 0;
	size_t nall = 0;
	char why[320];
	int ret = -1, i, nv = 0;
	bool have_handler = false, have_streamer = false;

	memset(r, 0, sizeof(*r));
	if (kernel_refusal(g, o, why, sizeof(why))) {
		warnx("%s", why);
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		err(EXIT_ERROR, "cannot allocate");
	s->o = o;
	s->uffd = -1;
	s->guest = s->alias = MAP_FAILED;
	s->nunits = o->size / o->gran;
	s->seed = now_ns() * 0x9E3779B97F4A7C15ULL | 1;
	s->corrupt_pending = o->corrupt;
	pthread_mutex_init(&s->link_lock, NULL);
	s->state = calloc(s->nunits, sizeof(*s->state));
	if (!s->state)
		err(EXIT_ERROR, "cannot allocate");

	if (pc_mem_open(g, o, &m))
		goto out;
	s->uffd = m.uffd;
	s->guest = m.guest;
	s->alias = m.alias;
	ret = -1;

	s->t0 = now_ns();
	if (pthread_create(&handler, NULL, handler_main, s) ||
	    pthread_create(&streamer, NULL, streamer_main, s)) {
		warnx("cannot start threads");
		goto stop;
	}
	have_handler = have_streamer = true;
	for (nv = 0; nv < o->vcpus; nv++) {
		s->vcpu[nv].sim = s;
		s->vcpu[nv].idx = nv;
		s->vcpu[nv].rng = s->seed ^ (0x1000193ULL * (uint64_t)(nv + 1));
		if (pthread_create(&s->vcpu[nv].thread, NULL, vcpu_main, &s->vcpu[nv])) {
			warnx("cannot start vCPU threads");
			atomic_store(&s->stop, 1);
			goto stop;
		}
	}
	while (!atomic_load(&s->stop) && atomic_load(&s->present) < s->nunits) {
		struct timespec tick = { 0, 100 * 1000 * 1000 };
		int sig = sigtimedwait(sigs, NULL, &tick);

		if (sig > 0) {
			fail(s, "interrupted by signal %d", sig);
			break;
		}
		if (show && now_ns() - last_progress > UINT64_C(500000000)) {
			progress(s, false);
			last_progress = now_ns();
		}
	}
	if (show && last_progress)
		progress(s, true);	/* ends the line that progress() keeps rewriting */
stop:
	atomic_store(&s->stop, 1);
	if (atomic_load(&s->failed) && s->uffd >= 0) {
		/*
		 * Interrupted (or failed): the handler and the streamer leave what
		 * is in flight.  Closing the userfaultfd, once the handler is done
		 * with it, wakes every vCPU waiting on a fault, which the kernel
		 * then resolves as on a mapping never registered.
		 */
		atomic_store(&s->handler_stop, 1);
		if (have_handler)
			pthread_join(handler, NULL);
		have_handler = false;
		close(s->uffd);
		s->uffd = m.uffd = -1;
	}
	/* vCPUs first: a vCPU waiting on a fault needs the handler to finish its touch */
	for (i = 0; i < nv; i++)
		pthread_join(s->vcpu[i].thread, NULL);
	if (have_streamer)
		pthread_join(streamer, NULL);
	if (!atomic_load(&s->failed)) {
		/* everything arrived: the whole guest memory must equal the source */
		uint64_t off;
		const uint64_t *p = (const uint64_t *)s->guest;

		for (off = 0; off < o->size; off += 8) {
			if (p[off / 8] != pattern_word(s, off)) {
				fail(s, "data mismatch after the migration at offset 0x%" PRIx64
				     ": 0x%016" PRIx64 ", the source has 0x%016" PRIx64, off,
				     p[off / 8], pattern_word(s, off));
				break;
			}
		}
		r->verified = off;
	}
	atomic_store(&s->handler_stop, 1);
	if (have_handler)
		pthread_join(handler, NULL);
	if (atomic_load(&s->failed)) {
		warnx("%s", s->failure);
		goto out;
	}

	r->total_ns = atomic_load(&s->done_at) - s->t0;
	r->handled = atomic_load(&s->handled);
	r->bytes_fault = atomic_load(&s->bytes_fault);
	r->bytes_stream = atomic_load(&s->bytes_stream);
	for (i = 0; i < nv; i++) {
		struct vcpu *v = &s->vcpu[i];

		r->touches += v->touches;
		if (v->first_done && v->first_done - s->t0 > r->first_touch_ns)
			r->first_touch_ns = v->first_done - s->t0;
		nall += v->nlat;
	}
	all = malloc((nall ? nall : 1) * sizeof(*all));
	if (!all)
		err(EXIT_ERROR, "cannot allocate");
	for (nall = 0, i = 0; i < nv; i++) {
		/* a vCPU that never faulted has no array (lat NULL): memcpy must not see it */
		if (!s->vcpu[i].nlat)
			continue;
		memcpy(all + nall, s->vcpu[i].lat, s->vcpu[i].nlat * sizeof(*all));
		nall += s->vcpu[i].nlat;
	}
	qsort(all, nall, sizeof(*all), cmp_u64);
	r->faults = nall;
	if (nall) {
		r->p50 = pct(all, nall, 50);
		r->p90 = pct(all, nall, 90);
		r->p99 = pct(all, nall, 99);
		r->max = all[nall - 1];
	}
	r->mapped_known = guest_levels(g, s, r->mapped);
	if (o->collapse) {
		uint64_t t = now_ns();

		/* MADV_COLLAPSE on our own mapping: no pidfd needed */
		r->collapse_err = -hgm_collapse(-1, (uintptr_t)s->guest, o->size);
		r->collapse_ns = now_ns() - t;
		r->collapsed_known = guest_levels(g, s, r->collapsed);
		/*
		 * A kernel without HGM refuses MADV_COLLAPSE on hugetlb (EINVAL);
		 * with every page mapped whole there is nothing to collapse.
		 */
		r->collapse_moot = r->collapse_err == EINVAL && r->mapped_known &&
			r->mapped[hgm_level_of_size(o->page_size, hgm_thp_pmd_size(g->ctx))] == o->size;
	}
	ret = 0;
out:
	if (pc_mem_close(g, &m))
		ret = -1;
	for (i = 0; i < MAX_VCPUS; i++)
		free(s->vcpu[i].lat);
	free(all);
	free((void *)s->state);
	pthread_mutex_destroy(&s->link_lock);
	free(s);
	return ret;
}

void pc_opts_from(const struct hgmctl *g, const char *cmd, const struct pc_args *a,
			 struct pc_opts *o)
{
	struct hgm_mem_room room;
	char x[32], y[32], z[32];
	uint64_t min_bps;
	int ret;

	memset(o, 0, sizeof(*o));
	o->size = a->size ? size_arg(cmd, "--size", a->size) : UINT64_C(1) << 30;
	o->page_size = a->page_size ? size_arg(cmd, "--page-size", a->page_size) : UINT64_C(2) << 20;
	if (o->page_size != (UINT64_C(2) << 20) && o->page_size != (UINT64_C(1) << 30))
		usage_error("%s: --page-size must be 2M or 1G, not '%s'", cmd, a->page_size);
	if (o->size == 0 || o->size % o->page_size)
		usage_error("%s: --size %s is not a positive multiple of the %s page size", cmd,
			    fmt_size(g, o->size, x, sizeof(x)),
			    fmt_size(g, o->page_size, y, sizeof(y)));
	/* what can never fit is the command line's fault; what does not fit now is not */
	if (hgm_mem_room(g->ctx, HGM_NODE_ALL, &room) == 0 && o->size > room.total)
		usage_error("%s: --size %s is more than the memory of this machine (MemTotal %s)",
			    cmd, fmt_size(g, o->size, x, sizeof(x)),
			    fmt_size(g, room.total, y, sizeof(y)));
	o->gran = o->page_size;
	if (a->gran) {
		o->gran = size_arg(cmd, "--granularity", a->gran);
		if (o->gran != SMALL_PAGE && o->gran != o->page_size)
			usage_error("%s: --granularity must be 4K or the page size (%s), not '%s'",
				    cmd, fmt_size(g, o->page_size, y, sizeof(y)), a->gran);
	}
	o->bps = UINT64_C(10000000000);
	if (a->bandwidth && (ret = parse_rate(a->bandwidth, &o->bps)))
		usage_error("%s: invalid --bandwidth '%s' (bits: 10Gbit, 100Mbit, 1Gbps; "
			    "bytes: 1GB/s, 512MiB/s)", cmd, a->bandwidth);
	min_bps = (o->gran * 8 + MAX_UNIT_SECS - 1) / MAX_UNIT_SECS;
	if (o->bps < min_bps)
		usage_error("%s: --bandwidth '%s' moves one %s unit in %.1f s; at least %" PRIu64
			    "bit (%s), one unit in %d s", cmd, a->bandwidth,
			    fmt_size(g, o->gran, y, sizeof(y)), (double)o->gran * 8 / (double)o->bps,
			    min_bps, fmt_rate(min_bps, z, sizeof(z)), MAX_UNIT_SECS);
	if (a->latency && parse_duration(a->latency, &o->latency_ns))
		usage_error("%s: invalid --latency '%s' (0, 500ns, 20us, 1.5ms, 1s)", cmd,
			    a->latency);
	if (o->latency_ns > UINT64_C(10000000000))
		usage_error("%s: --latency above 10s makes no sense", cmd);
	o->pattern = PAT_RANDOM;
	if (a->pattern) {
		if (strcmp(a->pattern, "random") == 0)
			o->pattern = PAT_RANDOM;
		else if (strcmp(a->pattern, "sequential") == 0)
			o->pattern = PAT_SEQUENTIAL;
		else
			usage_error("%s: unknown --pattern '%s' (random, sequential)", cmd, a->pattern);
	}
	o->vcpus = a->vcpus;
	if (o->vcpus < 1 || o->vcpus > MAX_VCPUS)
		usage_error("%s: --vcpus must be 1 to %d", cmd, MAX_VCPUS);
	if ((uint64_t)o->vcpus * SMALL_PAGE > o->size)
		usage_error("%s: more vCPUs than 4K pages", cmd);
	o->collapse = a->collapse;
	o->corrupt = a->corrupt;
	o->shmem = a->shmem;
}

void pc_args_free(struct pc_args *a)
{
	free(a->size);
	free(a->page_size);
	free(a->gran);
	free(a->bandwidth);
	free(a->latency);
	free(a->pattern);
}

const char *fmt_rate(uint64_t bps, char *buf, size_t size)
{
	if (bps >= UINT64_C(1000000000) && bps % UINT64_C(1000000000) == 0)
		snprintf(buf, size, "%" PRIu64 "Gbit/s", bps / UINT64_C(1000000000));
	else if (bps >= UINT64_C(1000000) && bps % UINT64_C(1000000) == 0)
		snprintf(buf, size, "%" PRIu64 "Mbit/s", bps / UINT64_C(1000000));
	else
		snprintf(buf, size, "%.3f Mbit/s", bps / 1e6);
	return buf;
}

void pc_print_setup(struct detail *d, const char *head, const struct pc_opts *o, bool gran)
{
	char rate[32];

	print_size(d, "size", head, o->size);
	print_size(d, "page_size", " of %s", o->page_size);
	print_text(d, " %s pages", o->shmem ? "shmem (testing)" : "hugetlb");
	if (gran)
		print_size(d, "granularity", ", UFFDIO_CONTINUE at %s", o->gran);
	print_i64(d, "vcpus", ", %s vCPUs", o->vcpus);
	print_str(d, "pattern", " touching %s", pattern_names[o->pattern]);
	print_obj_open(d, "link", NULL);
	print_u64_as(d, "bits_per_sec", ", link %s", o->bps, fmt_rate(o->bps, rate, sizeof(rate)));
	print_ns(d, "latency_ns", " + %s", o->latency_ns);
	print_obj_close(d);
	print_text(d, "\n\n");
}

/* Member @key: what smaps says of the guest mapping, by level; null when unknown. */
static void print_mapped(struct detail *d, const char *key, const char *label, bool known,
			 const uint64_t *m, const char *why)
{
	struct hgm_levels lv = { .base = 0 };
	char buf[128];

	if (d->w) {
		jw_levels(d->w, key, known ? m : NULL, 0);
		return;
	}
	if (!known) {
		print_null(d, key, label, why);
		return;
	}
	memcpy(lv.mapped, m, sizeof(lv.mapped));
	print_str(d, key, label, levels_text(d->g, &lv, LV_PROSE, buf, sizeof(buf)));
}

void pc_print_result(struct detail *d, const struct pc_opts *o, const struct pc_result *r,
		     bool collapse)
{
	char buf[32];

	print_u64(d, "faults", "faults:", r->faults);
	print_u64(d, "faults_handled",
		  " (%s fetched by the handler, the rest waited for the stream)", r->handled);
	print_u64(d, "touches", ", in %s vCPU touches", r->touches);
	print_text(d, " of %d bytes each", TOUCH_BYTES);
	if (r->faults) {
		print_obj_open(d, "fault_latency_ns", "fault latency:");
		print_ns(d, "p50", " p50 %s", r->p50);
		print_ns(d, "p90", ", p90 %s", r->p90);
		print_ns(d, "p99", ", p99 %s", r->p99);
		print_ns(d, "max", ", max %s", r->max);
		print_obj_close(d);
	} else {
		print_null(d, "fault_latency_ns", "fault latency:",
			   "none measured (no vCPU touch faulted)");
	}
	print_ns(d, "first_touch_ns", "first touches:", r->first_touch_ns);
	print_text(d, " (every vCPU ran its first touch)");
	print_ns(d, "total_ns", "total:", r->total_ns);
	print_text(d, " (link alone: %s)", fmt_ns((uint64_t)((unsigned __int128)o->size * 8 *
						       UINT64_C(1000000000) / o->bps), buf, sizeof(buf)));
	print_size(d, "bytes_on_fault", "fetched:", r->bytes_fault);
	print_size(d, "bytes_streamed", " on faults, %s streamed", r->bytes_stream);
	print_size(d, "bytes_verified", "verified:", r->verified);
	print_text(d, " after the migration");
	print_mapped(d, "mapped", "mapped:", r->mapped_known, r->mapped,
		     "unknown (smaps unreadable)");
	if (!collapse) {
		print_null(d, "collapse", NULL, NULL);	/* not asked for: no text */
		detail_end(d);
		return;
	}
	print_obj_open(d, "collapse", "collapse:");
	if (r->collapse_moot)
		print_str(d, "result", " refused (%s)", errno_name(r->collapse_err));
	else if (r->collapse_err)
		print_str(d, "result", " failed (%s)", errno_name(r->collapse_err));
	else
		print_str(d, "result", " %s", "ok");
	print_ns(d, "ns", r->collapse_err ? " after %s" : " in %s", r->collapse_ns);
	/* the text says why it was not needed, or what failed */
	print_bool(d, "needed", NULL, !r->collapse_moot);
	if (r->collapse_moot)
		print_text(d, ": this kernel does not collapse hugetlb, and every page is mapped "
			   "whole already");
	else if (r->collapse_err)
		print_text(d, ": %s", strerror(r->collapse_err));
	print_mapped(d, "mapped", "mapped after:", r->collapsed_known, r->collapsed, NULL);
	print_obj_close(d);
	detail_end(d);
}
