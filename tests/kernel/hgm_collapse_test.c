// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hgm_collapse_test.c - MADV_COLLAPSE of hugetlb (kernel/HGM.md, patch 12; HGM ABI
 * point 5): on an HGM VMA every hugepage of the range that the page cache
 * holds ends mapped by one PMD, pieces and holes alike, with the same PFNs,
 * the same bytes and the same folio counts; a shared VMA without HGM gets 0
 * and no change; private hugetlb gets EINVAL.
 *
 * Runs in the test guest (kernel/vm run); SKIPs on a kernel without HGM.
 */
#include "hgm_util.h"

FIXTURE(collapse)
{
	struct hgm_setup s;
	long free_before;
};

FIXTURE_SETUP(collapse)
{
	self->free_before = free_hugepages();
	memset(&self->s, 0, sizeof(self->s));
	self->s.memfd = self->s.uffd = -1;
}

FIXTURE_TEARDOWN(collapse)
{
	hgm_setup_release(&self->s);
}

#define SETUP(nr, features, flags) do { \
	const char *why = hgm_setup_init(&self->s, (nr), (features), (flags)); \
	if (why) \
		SKIP(return, "%s", why); \
} while (0)

#define NO_HGM_FEATURES (UFFD_FEATURE_MINOR_HUGETLBFS | UFFD_FEATURE_EXACT_ADDRESS)

static int collapse(void *addr, size_t len)
{
	return madvise(addr, len, MADV_COLLAPSE) ? -errno : 0;
}

/* Is every piece of hugepage @page of the guest at PFN @head + its index? */
static bool pfns_are(const struct hgm_setup *s, size_t page, uint64_t head)
{
	size_t i;

	for (i = 0; i < PIECES; i++) {
		uint64_t e = pagemap_entry(getpid(), s->guest + page * HPAGE + i * PIECE);

		if (!PM_PRESENT(e) || PM_PFN(e) != head + i)
			return false;
	}
	return true;
}

/*
 *   guest:  | page 0: every piece   | page 1: 3 pieces + holes |
 *   after:  | one PMD               | one PMD                  |
 * Same PFNs, same bytes, each folio still counted once per VMA.
 */
TEST_F(collapse, pieces_go_back_to_pmds_with_the_same_pages_and_counts)
{
	struct hgm_setup *s = &self->s;
	uint64_t head0, head1;

	if (geteuid())
		SKIP(return, "needs root to read PFNs and kpagecount");
	SETUP(2, HGM_FEATURES, MAP_SHARED);
	head0 = PM_PFN(pagemap_entry(getpid(), s->backing));
	head1 = PM_PFN(pagemap_entry(getpid(), s->backing + HPAGE));
	ASSERT_NE(0, head0);
	ASSERT_NE(0, head1);
	ASSERT_EQ((long)(HPAGE - PIECE), uffd_continue(s->uffd, s->guest, HPAGE - PIECE));
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + HPAGE - PIECE, PIECE));
	ASSERT_EQ((long)(2 * PIECE), uffd_continue(s->uffd, s->guest + HPAGE + 7 * PIECE, 2 * PIECE));
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + 2 * HPAGE - PIECE, PIECE));
	ASSERT_EQ((long)(HPAGE / KIB + 12), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	ASSERT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(2, kpagecount(head0 + 300));
	EXPECT_EQ(2, kpagecount(head1 + 7));

	ASSERT_EQ(0, collapse(s->guest, s->len));
	/* asserted before reading the guest: a hole left would block on a MINOR fault */
	ASSERT_EQ((long)(2 * HPAGE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_EQ(1, HAS_HM(s->guest));
	EXPECT_TRUE(pfns_are(s, 0, head0));
	EXPECT_TRUE(pfns_are(s, 1, head1));
	EXPECT_EQ(2, kpagecount(head0));
	EXPECT_EQ(2, kpagecount(head0 + 300));
	EXPECT_EQ(2, kpagecount(head1 + 7));
	EXPECT_EQ(2, kpagecount(head1 + 100));
	EXPECT_TRUE(pieces_match(s, 0, 2 * PIECES));
	/* one page, two mappings: a write through either is seen through the other */
	s->guest[HPAGE + 100 * PIECE + 3] = 0x5a;
	EXPECT_EQ(0x5a, s->backing[HPAGE + 100 * PIECE + 3]);
	s->backing[17] = 0xa5;
	EXPECT_EQ(0xa5, s->guest[17]);
	/* collapsed again: nothing to do, nothing changes */
	EXPECT_EQ(0, collapse(s->guest, s->len));
	EXPECT_EQ((long)(2 * HPAGE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(2, kpagecount(head1));

	munmap(s->guest, s->len);
	s->guest = NULL;
	EXPECT_EQ(1, kpagecount(head0));
	EXPECT_EQ(1, kpagecount(head1 + 7));
	EXPECT_EQ(self->free_before - 2, free_hugepages());
	hgm_setup_release(s);
	EXPECT_EQ(self->free_before, free_hugepages());
}

/*
 * A hugepage with no piece mapped in the guest but in the page cache gets
 * its PMD; one punched out of the file stays a hole.
 */
TEST_F(collapse, a_hole_is_mapped_only_if_the_page_cache_holds_the_page)
{
	struct hgm_setup *s = &self->s;

	SETUP(3, HGM_FEATURES, MAP_SHARED);
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + 5 * PIECE, PIECE));
	ASSERT_EQ(0, fallocate(s->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       (off_t)(2 * HPAGE), (off_t)HPAGE));
	EXPECT_EQ(self->free_before - 2, free_hugepages());

	ASSERT_EQ(0, collapse(s->guest, s->len));
	ASSERT_EQ((long)(2 * HPAGE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_TRUE(pieces_match(s, 0, 2 * PIECES));
	EXPECT_FALSE(PM_PRESENT(pagemap_entry(getpid(), s->guest + 2 * HPAGE)));
	EXPECT_FALSE(PM_PRESENT(pagemap_entry(getpid(), s->guest + 3 * HPAGE - PIECE)));
	/* collapsing allocated nothing */
	EXPECT_EQ(self->free_before - 2, free_hugepages());
	hgm_setup_release(s);
	EXPECT_EQ(self->free_before, free_hugepages());
}

/* Every hugepage the range touches is collapsed, and only those. */
TEST_F(collapse, a_partial_range_collapses_each_hugepage_it_touches)
{
	struct hgm_setup *s = &self->s;

	SETUP(3, HGM_FEATURES, MAP_SHARED);
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + PIECE, PIECE));
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + HPAGE + PIECE, PIECE));
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + 2 * HPAGE + PIECE, PIECE));

	/* one piece in the middle of page 1 */
	ASSERT_EQ(0, collapse(s->guest + HPAGE + 200 * PIECE, PIECE));
	EXPECT_EQ((long)(HPAGE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(8, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_FALSE(PM_PRESENT(pagemap_entry(getpid(), s->guest)));
	EXPECT_TRUE(PM_PRESENT(pagemap_entry(getpid(), s->guest + HPAGE)));
	EXPECT_FALSE(PM_PRESENT(pagemap_entry(getpid(), s->guest + 2 * HPAGE)));

	/* the end of page 0 and the start of page 2 */
	ASSERT_EQ(0, collapse(s->guest + HPAGE - PIECE, HPAGE + 2 * PIECE));
	ASSERT_EQ((long)(3 * HPAGE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_TRUE(pieces_match(s, 0, 3 * PIECES));
}

/* Pieces of a VMA that got HGM through MADV_SPLIT collapse too. */
TEST_F(collapse, pieces_of_a_madv_split_vma_collapse)
{
	struct hgm_setup *s = &self->s;
	unsigned char *p;

	SETUP(1, NO_HGM_FEATURES, MAP_SHARED);
	p = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, HPAGE, MADV_SPLIT));
	ASSERT_EQ(0, uffd_register_minor(s->uffd, p, HPAGE));
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, p + 3 * PIECE, PIECE));
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, p + 400 * PIECE, PIECE));
	ASSERT_EQ(8, SMAPS_KB(p, HGM_SMAPS_PTE_MAPPED));
	p[400 * PIECE] = 0x77;

	ASSERT_EQ(0, collapse(p, HPAGE));
	ASSERT_EQ((long)(HPAGE / KIB), SMAPS_KB(p, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(p, HGM_SMAPS_PTE_MAPPED));
	EXPECT_EQ(0x77, s->backing[400 * PIECE]);
	EXPECT_EQ(pattern(3), p[3 * PIECE]);
	EXPECT_EQ(pattern(511), p[511 * PIECE]);
	munmap(p, HPAGE);
	hgm_setup_release(s);
	EXPECT_EQ(self->free_before, free_hugepages());
}

struct racer {
	struct hgm_setup *s;
	volatile bool stop;
	long rounds, errors;
};

/* Zaps the guest's hugepages and maps pieces of them again, until stopped. */
static void *unmap_and_continue(void *arg)
{
	struct racer *r = arg;
	size_t page = 0;

	while (!r->stop) {
		unsigned char *p = r->s->guest + page * HPAGE;
		long ret;

		if (madvise(p, HPAGE, MADV_DONTNEED))
			r->errors++;
		ret = uffd_continue(r->s->uffd, p + (r->rounds % 500) * PIECE, 3 * PIECE);
		if (ret != (long)(3 * PIECE) && ret != -EEXIST)
			r->errors++;
		page = (page + 1) % (r->s->len / HPAGE);
		r->rounds++;
	}
	return NULL;
}

/* Reads the guest's pagemap and smaps (walkers of the tables), until stopped. */
static void *walk(void *arg)
{
	struct racer *r = arg;

	while (!r->stop) {
		size_t i;

		for (i = 0; i < r->s->len; i += 61 * PIECE)
			pagemap_entry(getpid(), r->s->guest + i);
		if (SMAPS_KB(r->s->guest, HGM_SMAPS_PTE_MAPPED) < 0)
			r->errors++;
		r->rounds++;
	}
	return NULL;
}

/*
 * Collapse while another thread zaps and maps pieces and a third walks the
 * tables: every call succeeds, and at the end one more collapse leaves the
 * pages whole and right, and unmapping gives the pool back whole.  (The guest
 * kernel's lockdep and WARNs are the rest of the check: kernel/vm run fails
 * on a splat.)
 */
TEST_F(collapse, collapse_races_with_zap_continue_and_walkers)
{
	struct hgm_setup *s = &self->s;
	struct racer zapper = { .s = s }, walker = { .s = s };
	pthread_t tz, tw;
	int i, failed = 0;

	SETUP(2, HGM_FEATURES, MAP_SHARED);
	ASSERT_EQ(0, pthread_create(&tz, NULL, unmap_and_continue, &zapper));
	ASSERT_EQ(0, pthread_create(&tw, NULL, walk, &walker));
	for (i = 0; i < 3000; i++)
		if (collapse(s->guest, s->len))
			failed++;
	zapper.stop = walker.stop = true;
	pthread_join(tz, NULL);
	pthread_join(tw, NULL);
	EXPECT_EQ(0, failed);
	EXPECT_EQ(0, zapper.errors);
	EXPECT_EQ(0, walker.errors);
	EXPECT_LT(0, zapper.rounds);
	TH_LOG("%ld zap+continue rounds, %ld walks during 3000 collapses",
	       zapper.rounds, walker.rounds);

	ASSERT_EQ(0, collapse(s->guest, s->len));
	ASSERT_EQ((long)(2 * HPAGE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_TRUE(pieces_match(s, 0, 2 * PIECES));
	hgm_setup_release(s);
	EXPECT_EQ(self->free_before, free_hugepages());
}

/* Without HGM a shared hugetlb VMA is mapped by PMDs only: 0, no change. */
TEST_F(collapse, a_shared_vma_without_hgm_succeeds_unchanged)
{
	struct hgm_setup *s = &self->s;
	uint64_t before;

	SETUP(2, NO_HGM_FEATURES, MAP_SHARED);
	ASSERT_EQ(0, HAS_HM(s->guest));
	ASSERT_EQ((long)HPAGE, uffd_continue(s->uffd, s->guest, HPAGE));
	before = pagemap_entry(getpid(), s->guest + 5 * PIECE);
	ASSERT_TRUE(PM_PRESENT(before));

	EXPECT_EQ(0, collapse(s->guest, s->len));
	EXPECT_EQ((long)(HPAGE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_EQ(before, pagemap_entry(getpid(), s->guest + 5 * PIECE));
	/* the hugepage not mapped stays unmapped: no HGM, nothing is done */
	EXPECT_FALSE(PM_PRESENT(pagemap_entry(getpid(), s->guest + HPAGE)));
	EXPECT_EQ(0, HAS_HM(s->guest));
	/* the plain backing mapping too */
	EXPECT_EQ(0, collapse(s->backing, s->len));
	EXPECT_EQ((long)(2 * HPAGE / KIB), SMAPS_KB(s->backing, HGM_SMAPS_PMD_MAPPED));
}

TEST_F(collapse, private_hugetlb_is_refused)
{
	struct hgm_setup *s = &self->s;
	volatile unsigned char *p;

	SETUP(1, NO_HGM_FEATURES, MAP_SHARED);
	p = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, s->memfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(pattern(9), p[9 * PIECE]);	/* the page cache's page, by a PMD */
	EXPECT_EQ(-EINVAL, collapse((void *)p, HPAGE));
	EXPECT_EQ(0, HAS_HM((void *)p));
	EXPECT_EQ((long)(HPAGE / KIB), SMAPS_KB((void *)p, HGM_SMAPS_PMD_MAPPED));
	munmap((void *)p, HPAGE);
}

TEST_HARNESS_MAIN
