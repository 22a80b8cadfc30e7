// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hgm_mremap_test.c - HGM part 2: mremap() of an HGM VMA.  Its PTE tables
 * move whole with their pieces, hstate leaves move as before, the data and
 * the counts (smaps, kpagecount, the pool) stay as they were, no CPU keeps
 * a translation of the old address, and a shrink unmaps only the tail.
 * Growing stays refused, as for every hugetlb VMA in 6.12 (the reservation
 * cannot be split).
 *
 * Runs in the test guest (kernel/vm run); SKIPs on a kernel without HGM.
 */
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>

#include "hgm_util.h"

HGM_FIXTURE(mremap);

#define SETUP(nr) HGM_SETUP_OR_SKIP(&self->s, (nr))

/* A free range of @len bytes, 2 MiB aligned, left unmapped: where to move to. */
static unsigned char *free_aligned(size_t len)
{
	unsigned char *p = mmap(NULL, len + HPAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (unsigned char *)(((uintptr_t)p + HPAGE - 1) & ~(uintptr_t)(HPAGE - 1));
	munmap(p, len + HPAGE);
	return a;
}

/* Is any page of [addr, addr + len) mapped? (mincore fails with ENOMEM where none is.) */
static bool any_mapped(void *addr, size_t len)
{
	unsigned char vec[PIECES];
	size_t off;

	for (off = 0; off < len; off += HPAGE)
		if (mincore((unsigned char *)addr + off, HPAGE, vec) == 0 || errno != ENOMEM)
			return true;
	return false;
}

/* Moves the guest mapping of @s to @to (fixed); the setup follows it. */
static void *move_guest(struct hgm_setup *s, unsigned char *to)
{
	void *p = mremap(s->guest, s->len, s->len, MREMAP_MAYMOVE | MREMAP_FIXED, to);

	if (p != MAP_FAILED)
		s->guest = p;
	return p;
}

/*
 * Three hugepages: the first in 100 pieces, the second whole (a PMD leaf),
 * the third half in pieces.  After the move the new address has the same
 * pieces and leaf with the same bytes, the old one has nothing, and the
 * folio counts and the pool are those before the move.
 */
TEST_F(mremap, move_keeps_pieces_leaves_data_and_counts)
{
	struct hgm_setup *s = &self->s;
	unsigned char *old, *to;
	uint64_t pfn = 0;
	long count = -1, free_mid;

	SETUP(3);
	ASSERT_EQ((long)(100 * PIECE), uffd_continue(s->uffd, s->guest, 100 * PIECE));
	ASSERT_EQ((long)HPAGE, uffd_continue(s->uffd, s->guest + HPAGE, HPAGE));
	ASSERT_EQ((long)(HPAGE / 2), uffd_continue(s->uffd, s->guest + 2 * HPAGE, HPAGE / 2));
	if (geteuid() == 0) {
		pfn = PM_PFN(pagemap_entry(getpid(), s->guest + 7 * PIECE));
		count = kpagecount(pfn);
		ASSERT_EQ(2, count);	/* the backing and the guest */
	}
	free_mid = free_hugepages();
	to = free_aligned(s->len);
	ASSERT_NE(NULL, to);
	old = s->guest;
	ASSERT_EQ((void *)to, move_guest(s, to));

	EXPECT_FALSE(any_mapped(old, s->len));
	EXPECT_EQ(1, HAS_HM(s->guest));
	EXPECT_EQ((long)((100 * PIECE + HPAGE / 2) / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_EQ((long)(HPAGE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_TRUE(pieces_match(s, 0, 100));
	EXPECT_TRUE(pieces_match(s, PIECES, PIECES + PIECES / 2));
	if (geteuid() == 0) {
		EXPECT_EQ(pfn, PM_PFN(pagemap_entry(getpid(), s->guest + 7 * PIECE)));
		EXPECT_EQ(count, kpagecount(pfn));
	}
	EXPECT_EQ(free_mid, free_hugepages());

	/* writes through the moved pieces reach the file */
	s->guest[7 * PIECE + 3] = 0x3c;
	s->guest[HPAGE + 9 * PIECE] = 0xc3;
	EXPECT_EQ(0x3c, ((volatile unsigned char *)s->backing)[7 * PIECE + 3]);
	EXPECT_EQ(0xc3, ((volatile unsigned char *)s->backing)[HPAGE + 9 * PIECE]);
	s->backing[7 * PIECE + 3] = pattern(7);
	s->backing[HPAGE + 9 * PIECE] = pattern(PIECES + 9);

	/*
	 * Without UFFD_FEATURE_EVENT_REMAP the moved VMA leaves the
	 * userfaultfd (as any VMA does); it stays HGM, so a touch of a piece
	 * never mapped maps that piece alone.
	 */
	EXPECT_EQ(pattern(150), ((volatile unsigned char *)s->guest)[150 * PIECE + 1]);
	EXPECT_EQ((long)((101 * PIECE + HPAGE / 2) / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));

	/* and the pool gets every page back at the end */
	hgm_setup_release(s);
	EXPECT_EQ(self->free_before, free_hugepages());
}

/* A shrink unmaps the tail hugepage only: its pieces go, the head's stay. */
TEST_F(mremap, shrink_unmaps_the_tail_and_keeps_the_head)
{
	struct hgm_setup *s = &self->s;
	uint64_t pfn = 0;
	long count = -1;
	void *p;

	SETUP(2);
	ASSERT_EQ((long)(10 * PIECE), uffd_continue(s->uffd, s->guest + 3 * PIECE, 10 * PIECE));
	ASSERT_EQ((long)(20 * PIECE), uffd_continue(s->uffd, s->guest + HPAGE, 20 * PIECE));
	if (geteuid() == 0) {
		pfn = PM_PFN(pagemap_entry(getpid(), s->guest + HPAGE));
		count = kpagecount(pfn);
	}
	p = mremap(s->guest, s->len, HPAGE, 0);
	ASSERT_EQ((void *)s->guest, p);
	s->len = HPAGE;		/* what hgm_setup_release() unmaps */
	EXPECT_EQ((long)(10 * PIECE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_TRUE(pieces_match(s, 3, 10));
	EXPECT_FALSE(any_mapped(s->guest + HPAGE, HPAGE));
	if (geteuid() == 0)
		EXPECT_EQ(count - 1, kpagecount(pfn));	/* the guest's mapping is gone */
	munmap(s->backing + HPAGE, HPAGE);	/* the rest of it is released */
}

/* Growing is refused with EINVAL, for an HGM VMA as for a plain hugetlb one. */
TEST_F(mremap, grow_is_refused_as_for_any_hugetlb_vma)
{
	struct hgm_setup *s = &self->s;

	SETUP(1);
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest, PIECE));
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mremap(s->guest, HPAGE, 2 * HPAGE, MREMAP_MAYMOVE));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mremap(s->backing, HPAGE, 2 * HPAGE, MREMAP_MAYMOVE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(pieces_match(s, 0, 1));
	EXPECT_EQ(4, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
}

/*
 * A reader on another CPU keeps a piece of the old address in its TLB; once
 * mremap() has returned, its next read must fault.  A flush with the
 * hugepage's stride invalidates only the hugepage's first 4 KiB, so the
 * reader reads piece 37, which such a flush would leave translated.
 */
static _Atomic int moved, reader_state;	/* 0 running, 1 faulted (good), 2 read (stale) */
static __thread sigjmp_buf reader_jmp;
static volatile unsigned char *reader_addr;

static void reader_segv(int sig)
{
	(void)sig;
	siglongjmp(reader_jmp, 1);
}

static void *stale_reader(void *arg)
{
	cpu_set_t set;
	volatile unsigned char sink;

	(void)arg;
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (;;) {
		int m = atomic_load(&moved);

		if (sigsetjmp(reader_jmp, 1) == 0) {
			sink = *reader_addr;
			(void)sink;
			if (m) {
				atomic_store(&reader_state, 2);
				return NULL;
			}
		} else if (m) {
			atomic_store(&reader_state, 1);
			return NULL;
		}
	}
}

TEST_F(mremap, no_cpu_keeps_a_translation_of_the_old_address)
{
	struct hgm_setup *s = &self->s;
	struct sigaction sa = { .sa_handler = reader_segv }, old_sa;
	unsigned char *to;
	pthread_t t;
	cpu_set_t set;
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	SETUP(1);
	ASSERT_EQ((long)HPAGE / 2, uffd_continue(s->uffd, s->guest, HPAGE / 2));
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, &old_sa));
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	for (i = 0; i < 20; i++) {
		atomic_store(&moved, 0);
		atomic_store(&reader_state, 0);
		reader_addr = s->guest + 37 * PIECE;
		to = free_aligned(s->len);
		ASSERT_NE(NULL, to);
		ASSERT_EQ(0, pthread_create(&t, NULL, stale_reader, NULL));
		usleep(20000);		/* the reader's TLB holds the piece */
		ASSERT_EQ((void *)to, move_guest(s, to));
		atomic_store(&moved, 1);
		pthread_join(t, NULL);
		ASSERT_EQ(1, atomic_load(&reader_state)) TH_LOG("round %d: the old address still "
								 "read after mremap", i);
		EXPECT_TRUE(pieces_match(s, 0, PIECES / 2));
	}
	sigaction(SIGSEGV, &old_sa, NULL);
	CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE && i < 64; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * The upstream hugepage-mremap scenario with HGM: a 10 MiB hugetlb mapping
 * (five hugepages), every third piece mapped, moved to a fixed address;
 * every piece then reads its bytes there, and unmapping gives the pool
 * back every page.
 */
TEST_F(mremap, ten_mib_with_scattered_pieces_moves_and_reads_back)
{
	struct hgm_setup *s = &self->s;
	unsigned char *to;
	size_t i, n = 0;

	SETUP(5);
	for (i = 0; i < s->len / PIECE; i += 3, n++)
		ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + i * PIECE, PIECE));
	EXPECT_EQ((long)(n * PIECE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	to = free_aligned(s->len);
	ASSERT_NE(NULL, to);
	ASSERT_EQ((void *)to, move_guest(s, to));
	EXPECT_EQ((long)(n * PIECE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	for (i = 0; i < s->len / PIECE; i += 3)
		ASSERT_TRUE(pieces_match(s, i, 1)) TH_LOG("piece %zu", i);
	/* the others fault in one by one, outside the userfaultfd now */
	EXPECT_TRUE(pieces_match(s, 0, s->len / PIECE));
	EXPECT_EQ((long)(s->len / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	hgm_setup_release(s);
	EXPECT_EQ(self->free_before, free_hugepages());
}

TEST_HARNESS_MAIN
