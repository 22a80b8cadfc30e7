// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hgm_race_test.c - HGM part 2: UFFDIO_CONTINUE of pieces takes neither the
 * hugepage's fault mutex nor its folio lock (kernel/HGM.md, "Locking of the
 * fault path").  These racers check what those locks used to guarantee:
 * threads mapping different pieces of one hugepage at once count it once,
 * and a CONTINUE racing a hole punch never leaves a piece of the folio the
 * punch freed (every piece still mapped is a piece of the page cache's
 * folio, and the pool gets every page back).
 *
 * Runs in the test guest (kernel/vm run); SKIPs on a kernel without HGM.
 */
#include <stdatomic.h>

#include "hgm_util.h"

HGM_FIXTURE(race);

#define SETUP(nr) HGM_SETUP_OR_SKIP(&self->s, (nr))

struct mapper {
	pthread_t thread;
	struct hgm_setup *s;
	size_t first, step;		/* the pieces first, first + step, ... */
	long err;			/* the first unexpected CONTINUE result */
	_Atomic int *stop;
	uint64_t rng, done;
};

/* Maps its share of the pieces of hugepage 0, once. */
static void *map_share(void *arg)
{
	struct mapper *m = arg;
	size_t i;
	long r;

	for (i = m->first; i < PIECES; i += m->step) {
		r = uffd_continue(m->s->uffd, m->s->guest + i * PIECE, PIECE);
		if (r != (long)PIECE && !m->err)
			m->err = r;
	}
	return NULL;
}

/*
 * Two threads map the even and the odd pieces of one hugepage at the same
 * time, fifty times over (MADV_DONTNEED in between): each time the VMA maps
 * all 512 pieces, the folio is counted once for it, the bytes are right.
 */
TEST_F_TIMEOUT(race, two_threads_mapping_one_hugepage_count_it_once, 300)
{
	struct hgm_setup *s = &self->s;
	struct mapper m[2];
	uint64_t pfn = 0;
	int round, i;

	SETUP(1);
	if (geteuid() == 0)
		pfn = PM_PFN(pagemap_entry(getpid(), s->backing));
	for (round = 0; round < 50; round++) {
		for (i = 0; i < 2; i++) {
			m[i] = (struct mapper){ .s = s, .first = (size_t)i, .step = 2 };
			ASSERT_EQ(0, pthread_create(&m[i].thread, NULL, map_share, &m[i]));
		}
		for (i = 0; i < 2; i++) {
			pthread_join(m[i].thread, NULL);
			ASSERT_EQ(0, m[i].err) TH_LOG("round %d, thread %d", round, i);
		}
		ASSERT_EQ((long)(HPAGE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED))
			TH_LOG("round %d", round);
		if (pfn)
			ASSERT_EQ(2, kpagecount(pfn)) TH_LOG("round %d", round);
		ASSERT_TRUE(pieces_match(s, 0, PIECES));
		ASSERT_EQ(0, madvise(s->guest, HPAGE, MADV_DONTNEED));
		if (pfn)
			ASSERT_EQ(1, kpagecount(pfn));
	}
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* CONTINUEs random pieces of hugepage 0 until told to stop; EFAULT (a hole) is fine. */
static void *map_random(void *arg)
{
	struct mapper *m = arg;
	long r;

	while (!atomic_load(m->stop)) {
		size_t i = xorshift(&m->rng) % PIECES;

		r = uffd_continue(m->s->uffd, m->s->guest + i * PIECE, PIECE);
		if (r != (long)PIECE && r != -EEXIST && r != -EFAULT && r != -EAGAIN &&
		    !m->err)
			m->err = r;
		m->done++;
	}
	return NULL;
}

/*
 * Two mappers CONTINUE random pieces of one hugepage while the main thread
 * punches the hugepage out of the file and writes it back (a new folio)
 * over and over.  Then, with everything stopped: every piece the guest
 * still maps is the page-cache folio's piece (the backing's PFN), none is
 * a piece of a punched folio, and unmapping gives the pool every page.
 */
/* a loaded host stretches the rounds under emulation: 300 s, not the harness's 30 */
TEST_F_TIMEOUT(race, continue_racing_hole_punch_leaves_no_piece_of_a_freed_folio, 300)
{
	struct hgm_setup *s = &self->s;
	_Atomic int stop = 0;
	struct mapper m[2];
	uint64_t head, e;
	int round, i, stale = 0;
	size_t p;

	if (geteuid())
		SKIP(return, "needs root to compare PFNs in pagemap");
	SETUP(1);
	for (i = 0; i < 2; i++) {
		m[i] = (struct mapper){ .s = s, .stop = &stop, .rng = 0x9e3779b97f4a7c15ULL * (i + 1) };
		ASSERT_EQ(0, pthread_create(&m[i].thread, NULL, map_random, &m[i]));
	}
	for (round = 0; round < 300; round++) {
		ASSERT_EQ(0, fallocate(s->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				       (off_t)HPAGE));
		/* a new folio, the same bytes */
		for (p = 0; p < PIECES; p++)
			s->backing[p * PIECE] = pattern(p);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++) {
		pthread_join(m[i].thread, NULL);
		EXPECT_EQ(0, m[i].err) TH_LOG("mapper %d", i);
		EXPECT_GT(m[i].done, 0);
	}
	head = PM_PFN(pagemap_entry(getpid(), s->backing));
	ASSERT_NE(0, head);
	for (p = 0; p < PIECES; p++) {
		e = pagemap_entry(getpid(), s->guest + p * PIECE);
		if (PM_PRESENT(e) && PM_PFN(e) != head + p) {
			stale++;
			TH_LOG("piece %zu maps PFN 0x%llx, the page cache has 0x%llx", p,
			       (unsigned long long)PM_PFN(e), (unsigned long long)(head + p));
		}
	}
	EXPECT_EQ(0, stale);
	/* the pieces that are mapped read the file's bytes (those never mapped would block) */
	for (p = 0; p < PIECES; p++)
		if (PM_PRESENT(pagemap_entry(getpid(), s->guest + p * PIECE)))
			EXPECT_EQ(pattern(p), s->guest[p * PIECE]) TH_LOG("piece %zu", p);
	hgm_setup_release(s);
	EXPECT_EQ(self->free_before, free_hugepages());
}

TEST_HARNESS_MAIN
