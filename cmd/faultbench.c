// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * faultbench.c - the fault path of post-copy alone, for `hgmctl bench postcopy
 * --threads`: how fast the kernel maps 4K pieces of the same hugepages when
 * several vCPUs need them at once.
 *
 * The guest memory is the one pcsim.c sets up (pc_mem_open), every unit of
 * it in the page cache with a known pattern.  There is no link and no
 * handler thread: each vCPU thread maps the unit it is about to touch with
 * UFFDIO_CONTINUE, then reads it, as a vCPU thread that resolves its own
 * fault would.  That keeps the scheduler out of what is measured (a
 * userfault's round trip through a sleeping handler is dominated by wakeup
 * latency, under emulation by milliseconds) and leaves the kernel's cost of
 * mapping a piece, locks included.  The vCPU threads take units from one
 * list, hugepage after hugepage, shuffled within each: at any moment they
 * map different pieces of one hugepage, which is what the kernel must not
 * serialise.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "pcsim.h"

#define FB_MAX_THREADS 64
#define NO_OFFSET UINT64_MAX

struct fb;

struct fb_vcpu {
	struct fb *b;
	pthread_t thread;
	uint64_t *lat;
	size_t nlat;
};

struct fb {
	const struct pc_opts *o;
	struct pc_mem m;
	uint64_t nunits, seed;
	uint64_t *order;		/* units in the order the vCPUs take them */
	_Atomic uint64_t next;		/* the next index into order */
	_Atomic int running;		/* vCPUs not done yet */
	_Atomic int stop, failed;
	_Atomic int cont_err;		/* errno of a failed UFFDIO_CONTINUE */
	char failure[256];
	_Atomic int go;			/* the vCPUs start together */
	_Atomic uint64_t t_first, t_last;
	struct fb_vcpu vcpu[FB_MAX_THREADS];
};

static uint64_t fb_word(const struct fb *b, uint64_t off)
{
	return (off * 0x9E3779B97F4A7C15ULL) ^ b->seed;
}

static uint64_t fb_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void fb_fail(struct fb *b, const char *what, uint64_t off, int e)
{
	char where[40] = "";
	int expected = 0;

	if (off != NO_OFFSET)
		snprintf(where, sizeof(where), " at offset 0x%" PRIx64, off);
	if (atomic_compare_exchange_strong(&b->failed, &expected, 1))
		snprintf(b->failure, sizeof(b->failure), "%s%s%s%s", what, where,
			 e ? ": " : "", e ? strerror(e) : "");
	atomic_store(&b->stop, 1);
}

static void *fb_vcpu_main(void *arg)
{
	struct fb_vcpu *v = arg;
	struct fb *b = v->b;
	uint64_t gran = b->o->gran, i, t0, t1, expected;
	int ret;

	v->lat = malloc(b->nunits * sizeof(*v->lat));
	while (!atomic_load(&b->go) && !atomic_load(&b->stop))
		sched_yield();
	if (!v->lat) {
		fb_fail(b, "cannot allocate latencies", NO_OFFSET, ENOMEM);
		goto out;
	}
	t0 = now_ns();
	{
		uint64_t zero = 0;

		atomic_compare_exchange_strong(&b->t_first, &zero, t0);
	}
	while (!atomic_load(&b->stop)) {
		uint64_t off, got;

		i = atomic_fetch_add(&b->next, 1);
		if (i >= b->nunits)
			break;
		/* map the unit, then read a word of its first 4K that its index picks */
		off = b->order[i] * gran + (b->order[i] % (SMALL_PAGE / 8)) * 8;
		t0 = now_ns();
		ret = hgm_uffd_continue(b->m.uffd, b->m.guest + b->order[i] * gran, gran);
		if (ret) {
			b->cont_err = -ret;
			fb_fail(b, "UFFDIO_CONTINUE", b->order[i] * gran, -ret);
			break;
		}
		got = *(volatile const uint64_t *)(b->m.guest + off);
		t1 = now_ns();
		expected = fb_word(b, off);
		if (got != expected) {
			fb_fail(b, "wrong data after the fault", off, 0);
			break;
		}
		v->lat[v->nlat++] = t1 - t0;
	}
out:
	atomic_store(&b->t_last, now_ns());
	atomic_fetch_sub(&b->running, 1);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The units hugepage after hugepage, each hugepage's shuffled (Fisher-Yates). */
static void fb_order(struct fb *b)
{
	uint64_t per = b->o->page_size / b->o->gran, u, j, rng = b->seed | 1;

	if (b->o->shmem)	/* the same pattern over 2M groups of base pages */
		per = (UINT64_C(2) << 20) / b->o->gran;
	for (u = 0; u < b->nunits; u++)
		b->order[u] = u;
	for (u = 0; u < b->nunits; u += per) {
		uint64_t n = b->nunits - u < per ? b->nunits - u : per;

		for (j = n - 1; j > 0; j--) {
			uint64_t k = fb_rand(&rng) % (j + 1), t = b->order[u + j];

			b->order[u + j] = b->order[u + k];
			b->order[u + k] = t;
		}
	}
}

int fault_bench_run(const struct hgmctl *g, const struct pc_opts *o, int threads,
		    struct fb_result *r, const sigset_t *sigs)
{
	int nv = 0, i, ret = -1;
	uint64_t off, *all = NULL;
	size_t nall = 0;
	char why[320];
	struct fb *b;

	memset(r, 0, sizeof(*r));
	if (threads < 1 || threads > FB_MAX_THREADS) {
		warnx("bench postcopy: --threads must be 1 to %d", FB_MAX_THREADS);
		return -1;
	}
	if (kernel_refusal(g, o, why, sizeof(why))) {
		warnx("%s", why);
		return -1;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		err(EXIT_ERROR, "cannot allocate");
	b->o = o;
	b->nunits = o->size / o->gran;
	b->seed = now_ns() * 0x9E3779B97F4A7C15ULL | 1;
	b->order = malloc(b->nunits * sizeof(*b->order));
	if (!b->order)
		err(EXIT_ERROR, "cannot allocate");
	fb_order(b);
	if (pc_mem_open(g, o, &b->m))
		goto out;
	/*
	 * Pieces need HGM on the VMA: a kernel whose HGM stops at 2 MiB pages
	 * takes the registration and leaves a 1 GiB VMA without it (the caller
	 * says so)
	 */
	if (!o->shmem && o->gran < o->page_size && !pc_mem_hgm(g, &b->m)) {
		r->err = EOPNOTSUPP;
		goto out;
	}
	/* the page cache, through the alias: the guest mapping has no PTE yet */
	for (off = 0; off < o->size; off += 8)
		*(uint64_t *)(b->m.alias + off) = fb_word(b, off);

	for (nv = 0; nv < threads; nv++) {
		b->vcpu[nv].b = b;
		atomic_fetch_add(&b->running, 1);
		if (pthread_create(&b->vcpu[nv].thread, NULL, fb_vcpu_main, &b->vcpu[nv])) {
			atomic_fetch_sub(&b->running, 1);
			break;
		}
	}
	if (nv < threads)
		fb_fail(b, "cannot start threads", NO_OFFSET, EAGAIN);
	atomic_store(&b->go, 1);
	while (atomic_load(&b->running) > 0) {
		struct timespec tick = { 0, 20 * 1000 * 1000 };
		int sig = sigtimedwait(sigs, NULL, &tick);

		if (sig > 0) {
			fb_fail(b, "interrupted by a signal", NO_OFFSET, 0);
			break;
		}
	}
	atomic_store(&b->stop, 1);
	for (i = 0; i < nv; i++)
		pthread_join(b->vcpu[i].thread, NULL);
	if (atomic_load(&b->failed)) {
		r->err = atomic_load(&b->cont_err);
		if (r->err != EINVAL || o->gran == o->page_size)	/* EINVAL: the caller says why */
			warnx("bench postcopy: %s", b->failure);
		goto out;
	}
	for (i = 0; i < nv; i++)
		nall += b->vcpu[i].nlat;
	all = malloc((nall ? nall : 1) * sizeof(*all));
	if (!all)
		err(EXIT_ERROR, "cannot allocate");
	for (nall = 0, i = 0; i < nv; i++) {
		if (b->vcpu[i].nlat)
			memcpy(all + nall, b->vcpu[i].lat, b->vcpu[i].nlat * sizeof(*all));
		nall += b->vcpu[i].nlat;
	}
	qsort(all, nall, sizeof(*all), cmp_u64);
	r->faults = nall;
	if (nall) {
		r->p50 = all[(nall - 1) * 50 / 100];
		r->p99 = all[(nall - 1) * 99 / 100];
	}
	r->wall_ns = atomic_load(&b->t_last) - atomic_load(&b->t_first);
	/* every word of the guest, read through the guest mapping */
	for (off = 0; off < o->size; off += 8)
		if (*(const uint64_t *)(b->m.guest + off) != fb_word(b, off)) {
			warnx("bench postcopy: wrong data at offset 0x%" PRIx64 " after the run", off);
			goto out;
		}
	r->verified = off;
	ret = 0;
out:
	if (pc_mem_close(g, &b->m))
		ret = -1;
	for (i = 0; i < FB_MAX_THREADS; i++)
		free(b->vcpu[i].lat);
	free(all);
	free(b->order);
	free(b);
	return ret;
}
