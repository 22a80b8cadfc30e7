// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hgm_refusal_test.c - who may get HGM: only a MAP_SHARED 2 MiB hugetlb VMA,
 * through a MINOR registration that asked for UFFD_FEATURE_MINOR_HUGETLBFS_HGM
 * (with UFFD_FEATURE_EXACT_ADDRESS) or through MADV_SPLIT; everything else
 * keeps hstate-size UFFDIO_CONTINUE and fails cleanly.
 *
 * Runs in the test guest (kernel/vm run); SKIPs on a kernel without HGM.
 */
#include "hgm_util.h"

#ifndef UFFDIO_REGISTER_MODE_WP
#define UFFDIO_REGISTER_MODE_WP ((__u64)1 << 1)
#endif
#ifndef UFFD_FEATURE_WP_HUGETLBFS_SHMEM
#define UFFD_FEATURE_WP_HUGETLBFS_SHMEM (1 << 12)
#endif

FIXTURE(refusal)
{
	struct hgm_setup s;
};

FIXTURE_SETUP(refusal)
{
	memset(&self->s, 0, sizeof(self->s));
	self->s.memfd = self->s.uffd = -1;
}

FIXTURE_TEARDOWN(refusal)
{
	hgm_setup_release(&self->s);
}

#define SETUP(features, flags) do { \
	const char *why = hgm_setup_init(&self->s, 1, (features), (flags)); \
	if (why) \
		SKIP(return, "%s", why); \
} while (0)

TEST_F(refusal, without_the_feature_bits_4k_continue_fails_einval)
{
	SETUP(UFFD_FEATURE_MINOR_HUGETLBFS | UFFD_FEATURE_EXACT_ADDRESS, MAP_SHARED);
	EXPECT_EQ(0, HAS_HM(self->s.guest));
	EXPECT_EQ(-EINVAL, uffd_continue(self->s.uffd, self->s.guest, PIECE));
	EXPECT_EQ(-EINVAL, uffd_continue(self->s.uffd, self->s.guest + PIECE, HPAGE - PIECE));
	/* the hstate size still works, with a PMD */
	EXPECT_EQ((long)HPAGE, uffd_continue(self->s.uffd, self->s.guest, HPAGE));
	EXPECT_EQ(2048, SMAPS_KB(self->s.guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(self->s.guest, HGM_SMAPS_PTE_MAPPED));
}

TEST_F(refusal, hgm_without_exact_address_is_rejected)
{
	if (!kernel_has_hgm())
		SKIP(return, "kernel has no HGM");
	EXPECT_EQ(-EINVAL, uffd_open(UFFD_FEATURE_MINOR_HUGETLBFS |
				     UFFD_FEATURE_MINOR_HUGETLBFS_HGM));
}

TEST_F(refusal, private_hugetlb_vma_cannot_get_hgm)
{
	SETUP(HGM_FEATURES, MAP_PRIVATE);
	EXPECT_EQ(0, HAS_HM(self->s.guest));
	EXPECT_EQ(-EINVAL, uffd_continue(self->s.uffd, self->s.guest, PIECE));
	EXPECT_EQ(-1, madvise(self->s.guest, HPAGE, MADV_SPLIT));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, HAS_HM(self->s.guest));
}

TEST_F(refusal, madvise_split_enables_hgm_on_a_shared_vma)
{
	SETUP(UFFD_FEATURE_MINOR_HUGETLBFS | UFFD_FEATURE_EXACT_ADDRESS, MAP_SHARED);
	EXPECT_EQ(0, HAS_HM(self->s.guest));
	ASSERT_EQ(0, madvise(self->s.guest, HPAGE, MADV_SPLIT));
	EXPECT_EQ(1, HAS_HM(self->s.guest));
	/* and 4K CONTINUE now works on it */
	EXPECT_EQ((long)PIECE, uffd_continue(self->s.uffd, self->s.guest + PIECE, PIECE));
	EXPECT_EQ(4, SMAPS_KB(self->s.guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_EQ(self->s.backing[PIECE], self->s.guest[PIECE]);
}

TEST_F(refusal, madvise_split_refuses_anonymous_memory)
{
	void *p;

	if (!kernel_has_hgm())
		SKIP(return, "kernel has no HGM");
	p = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, madvise(p, HPAGE, MADV_SPLIT));
	EXPECT_EQ(EINVAL, errno);
	munmap(p, HPAGE);
}

TEST_F(refusal, write_protect_registration_of_an_hgm_vma_is_refused)
{
	struct uffdio_register r = { .mode = UFFDIO_REGISTER_MODE_WP };
	int u;

	SETUP(HGM_FEATURES, MAP_SHARED);
	ASSERT_EQ(1, HAS_HM(self->s.guest));
	u = uffd_open(UFFD_FEATURE_WP_HUGETLBFS_SHMEM);
	if (u < 0)
		SKIP(return, "no uffd-wp on hugetlbfs");
	close(self->s.uffd);	/* one userfaultfd per VMA */
	self->s.uffd = -1;
	r.range.start = (uintptr_t)self->s.guest;
	r.range.len = HPAGE;
	EXPECT_EQ(-1, ioctl(u, UFFDIO_REGISTER, &r));
	EXPECT_EQ(EINVAL, errno);
	close(u);
}

TEST_HARNESS_MAIN
