// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hgm_continue_test.c - HGM part 1: UFFDIO_CONTINUE maps a 2 MiB hugetlb page
 * in 4 KiB pieces, minor faults name the exact piece, smaps and pagemap show
 * each piece, and unmapping gives every hugepage back to the pool.
 *
 * Runs in the test guest (kernel/vm run); SKIPs on a kernel without HGM.
 */
#include <setjmp.h>
#include <signal.h>

#include "hgm_util.h"

HGM_FIXTURE(hgm);

#define SETUP(nr) HGM_SETUP_OR_SKIP(&self->s, (nr))

TEST_F(hgm, registration_with_hgm_marks_the_vma_hm)
{
	SETUP(1);
	EXPECT_EQ(1, HAS_HM(self->s.guest));
	EXPECT_EQ(0, HAS_HM(self->s.backing));
	EXPECT_EQ(0, SMAPS_KB(self->s.guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(self->s.guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(self->s.guest, HGM_SMAPS_PUD_MAPPED));
}

/*
 * CONTINUE the first half, then half of what is left, ... down to one 4 KiB
 * piece: after each step smaps counts exactly the pieces mapped, and they
 * read the backing's bytes; the last piece stays unmapped and a read of it
 * raises a MINOR fault at its own address.
 */
TEST_F(hgm, continue_halves_down_to_one_piece_leaves_the_last_unmapped)
{
	struct hgm_setup *s = &self->s;
	size_t off = 0, len = HPAGE / 2;
	struct reader r;
	uint64_t addr;

	SETUP(1);
	while (len >= PIECE) {
		ASSERT_EQ((long)len, uffd_continue(s->uffd, s->guest + off, len));
		off += len;
		EXPECT_EQ((long)(off / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
		EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
		EXPECT_TRUE(pieces_match(s, 0, off / PIECE));
		len /= 2;
	}
	ASSERT_EQ(HPAGE - PIECE, off);
	/* mapped again, every piece of the range: EEXIST, and nothing changes */
	EXPECT_EQ(-EEXIST, uffd_continue(s->uffd, s->guest, PIECE));
	EXPECT_EQ(-EEXIST, uffd_continue(s->uffd, s->guest + HPAGE / 2,
					 HPAGE / 2 - PIECE));
	EXPECT_EQ((long)((HPAGE - PIECE) / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));

	/* a write through a mapped piece is seen through the backing */
	((volatile unsigned char *)s->guest)[5 * PIECE + 17] = 0xa5;
	EXPECT_EQ(0xa5, ((volatile unsigned char *)s->backing)[5 * PIECE + 17]);
	s->backing[5 * PIECE + 17] = pattern(5);

	/* the last piece faults, at its exact address */
	r.addr = s->guest + HPAGE - PIECE + 100;
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, reader_run, &r));
	addr = wait_minor_fault(s->uffd, 5000);
	EXPECT_EQ((uint64_t)(uintptr_t)(s->guest + HPAGE - PIECE), addr & ~(uint64_t)(PIECE - 1));
	/* mapping it wakes the reader, which then reads the backing's byte */
	EXPECT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + HPAGE - PIECE, PIECE));
	pthread_join(r.thread, NULL);
	EXPECT_EQ(pattern(PIECES - 1), r.got);
	EXPECT_EQ((long)(HPAGE / KIB), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_TRUE(pieces_match(s, 0, PIECES));
}

TEST_F(hgm, continue_of_whole_hugepages_maps_them_with_pmds)
{
	struct hgm_setup *s = &self->s;

	SETUP(3);
	/* one piece of the first page, then the 2nd page whole, 3rd half */
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + PIECE, PIECE));
	ASSERT_EQ((long)HPAGE, uffd_continue(s->uffd, s->guest + HPAGE, HPAGE));
	ASSERT_EQ((long)(HPAGE / 2), uffd_continue(s->uffd, s->guest + 2 * HPAGE, HPAGE / 2));
	EXPECT_EQ(2048, SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(4 + 1024, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_TRUE(pieces_match(s, 1, 1));
	EXPECT_TRUE(pieces_match(s, PIECES, PIECES + PIECES / 2));
	/* a range over pieces and a mapped hugepage stops at the mapped part */
	EXPECT_EQ((long)(HPAGE - 2 * PIECE),
		  uffd_continue(s->uffd, s->guest + 2 * PIECE, 2 * HPAGE));
	EXPECT_EQ(-EEXIST, uffd_continue(s->uffd, s->guest + HPAGE, HPAGE));
}

TEST_F(hgm, pagemap_gives_head_pfn_plus_index_per_piece)
{
	struct hgm_setup *s = &self->s;
	uint64_t head, e;
	size_t i;

	if (geteuid())
		SKIP(return, "needs root to read PFNs from pagemap");
	SETUP(1);
	head = pagemap_entry(getpid(), s->backing);
	ASSERT_TRUE(PM_PRESENT(head));
	head = PM_PFN(head);
	ASSERT_EQ(0, head % PIECES);
	for (i = 0; i < PIECES; i += 3)
		ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + i * PIECE, PIECE));
	for (i = 0; i < PIECES; i++) {
		e = pagemap_entry(getpid(), s->guest + i * PIECE);
		if (i % 3) {
			EXPECT_FALSE(PM_PRESENT(e));
			continue;
		}
		EXPECT_TRUE(PM_PRESENT(e));
		EXPECT_EQ(head + i, PM_PFN(e));
	}
}

/* The folio is counted once per VMA that maps any piece of it. */
TEST_F(hgm, kpagecount_counts_each_mapping_vma_once)
{
	struct hgm_setup *s = &self->s;
	uint64_t pfn;

	if (geteuid())
		SKIP(return, "needs root to read PFNs and kpagecount");
	SETUP(1);
	pfn = PM_PFN(pagemap_entry(getpid(), s->backing));
	ASSERT_NE(0, pfn);
	EXPECT_EQ(1, kpagecount(pfn + 7));
	ASSERT_EQ((long)(8 * PIECE), uffd_continue(s->uffd, s->guest, 8 * PIECE));
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + 100 * PIECE, PIECE));
	EXPECT_EQ(2, kpagecount(pfn));
	EXPECT_EQ(2, kpagecount(pfn + 7));
	EXPECT_EQ(2, kpagecount(pfn + 300));
	munmap(s->backing, s->len);
	s->backing = NULL;
	EXPECT_EQ(1, kpagecount(pfn));
}

TEST_F(hgm, munmap_of_a_partially_mapped_page_returns_it_to_the_pool)
{
	struct hgm_setup *s = &self->s;

	SETUP(2);
	ASSERT_EQ((long)(3 * PIECE), uffd_continue(s->uffd, s->guest + 10 * PIECE, 3 * PIECE));
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + HPAGE + 511 * PIECE, PIECE));
	EXPECT_EQ(self->free_before - 2, free_hugepages());
	hgm_setup_release(s);
	EXPECT_EQ(self->free_before, free_hugepages());
}

TEST_F(hgm, exit_of_a_process_with_mapped_pieces_returns_the_page)
{
	struct hgm_setup *s = &self->s;
	int status;
	pid_t pid;

	if (!kernel_has_hgm())
		SKIP(return, "kernel has no HGM");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		const char *why = hgm_setup_init(s, 1, HGM_FEATURES, MAP_SHARED);

		if (why)
			_exit(2);
		if (uffd_continue(s->uffd, s->guest + 4 * PIECE, 4 * PIECE) != (long)(4 * PIECE))
			_exit(1);
		/* exit with the pieces, the file and the uffd all still open */
		_exit(pieces_match(s, 4, 4) ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		SKIP(return, "the child could not set up a hugetlb memfd");
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(self->free_before, free_hugepages());
}

TEST_F(hgm, hole_punch_under_mapped_pieces_frees_the_page)
{
	struct hgm_setup *s = &self->s;

	SETUP(2);
	ASSERT_EQ((long)(2 * PIECE), uffd_continue(s->uffd, s->guest + 2 * PIECE, 2 * PIECE));
	ASSERT_EQ((long)(2 * PIECE), uffd_continue(s->uffd, s->guest + HPAGE, 2 * PIECE));
	ASSERT_EQ(self->free_before - 2, free_hugepages());
	ASSERT_EQ(0, fallocate(s->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, HPAGE));
	EXPECT_EQ(self->free_before - 1, free_hugepages());
	EXPECT_EQ(8, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_FALSE(PM_PRESENT(pagemap_entry(getpid(), s->guest + 2 * PIECE)));
	/* truncation frees the other one */
	ASSERT_EQ(0, ftruncate(s->memfd, 0));
	EXPECT_EQ(self->free_before, free_hugepages());
	EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
}

TEST_F(hgm, dontneed_unmaps_the_pieces_and_continue_maps_them_again)
{
	struct hgm_setup *s = &self->s;

	SETUP(1);
	ASSERT_EQ((long)(16 * PIECE), uffd_continue(s->uffd, s->guest + 64 * PIECE, 16 * PIECE));
	ASSERT_EQ(0, madvise(s->guest, HPAGE, MADV_DONTNEED));
	EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	/* the page stays in the file */
	EXPECT_EQ(self->free_before - 1, free_hugepages());
	ASSERT_EQ((long)(16 * PIECE), uffd_continue(s->uffd, s->guest + 64 * PIECE, 16 * PIECE));
	EXPECT_TRUE(pieces_match(s, 64, 16));
	EXPECT_EQ(64, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
}

TEST_F(hgm, two_processes_map_different_pieces_of_one_page)
{
	struct hgm_setup *s = &self->s;
	int to_child[2], to_parent[2], status;
	char c = 0;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to read kpagecount");
	SETUP(1);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* the child's own HGM mapping of the same file */
		unsigned char *g = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
					s->memfd, 0);
		int u = uffd_open(HGM_FEATURES);
		int ok;

		if (g == MAP_FAILED || u < 0 || uffd_register_minor(u, g, HPAGE))
			_exit(1);
		if (uffd_continue(u, g + 200 * PIECE, PIECE) != (long)PIECE)
			_exit(1);
		ok = g[200 * PIECE] == pattern(200) &&
		     smaps_field(getpid(), g, HGM_SMAPS_PTE_MAPPED, NULL) == 4;
		if (write(to_parent[1], "r", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(1);
		_exit(ok ? 0 : 1);
	}
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + 3 * PIECE, PIECE));
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_TRUE(pieces_match(s, 3, 1));
	EXPECT_EQ(4, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	/* backing + guest here, the child's mapping there */
	EXPECT_EQ(3, kpagecount(PM_PFN(pagemap_entry(getpid(), s->guest + 3 * PIECE))));
	EXPECT_EQ(1, write(to_child[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(2, kpagecount(PM_PFN(pagemap_entry(getpid(), s->guest + 3 * PIECE))));
}

TEST_F(hgm, fault_on_a_mapped_piece_is_served_without_a_userfault)
{
	struct hgm_setup *s = &self->s;
	struct reader r;

	SETUP(1);
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + 9 * PIECE, PIECE));
	r.addr = s->guest + 9 * PIECE + 5;
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, reader_run, &r));
	pthread_join(r.thread, NULL);
	EXPECT_EQ(pattern(9), r.got);
	EXPECT_EQ(0, wait_minor_fault(s->uffd, 0));
	/* the neighbour is not mapped behind our back */
	EXPECT_FALSE(PM_PRESENT(pagemap_entry(getpid(), s->guest + 10 * PIECE)));
	EXPECT_EQ(4, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
}

/* Unregistered, an HGM VMA maps a faulting piece alone: never the hugepage */
TEST_F(hgm, fault_after_unregister_maps_only_the_faulting_piece)
{
	struct hgm_setup *s = &self->s;
	struct uffdio_range r;

	SETUP(1);
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest, PIECE));
	r.start = (uintptr_t)s->guest;
	r.len = s->len;
	ASSERT_EQ(0, ioctl(s->uffd, UFFDIO_UNREGISTER, &r));
	EXPECT_EQ(1, HAS_HM(s->guest));	/* for the VMA's lifetime */
	EXPECT_EQ(pattern(77), s->guest[77 * PIECE + 3]);
	EXPECT_EQ(8, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_FALSE(PM_PRESENT(pagemap_entry(getpid(), s->guest + 76 * PIECE)));
}

static sigjmp_buf segv_jmp;

static void on_segv(int sig)
{
	siglongjmp(segv_jmp, sig);
}

/* Does a write of @v at @p fault? (The value is written if not.) */
static bool write_faults(volatile unsigned char *p, unsigned char v)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	bool faulted = false;

	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(segv_jmp, 1))
		faulted = true;
	else
		*p = v;
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

TEST_F(hgm, mprotect_read_only_applies_to_every_piece)
{
	struct hgm_setup *s = &self->s;
	size_t i;

	SETUP(1);
	ASSERT_EQ((long)(40 * PIECE), uffd_continue(s->uffd, s->guest, 40 * PIECE));
	/* every piece's TLB entry becomes writable and dirty */
	for (i = 0; i < 40; i++)
		EXPECT_FALSE(write_faults(s->guest + i * PIECE, pattern(i)));
	ASSERT_EQ(0, mprotect(s->guest, HPAGE, PROT_READ));
	EXPECT_TRUE(pieces_match(s, 0, 40));
	for (i = 0; i < 40; i++)
		EXPECT_TRUE(write_faults(s->guest + i * PIECE + 1, 1));
	EXPECT_TRUE(pieces_match(s, 0, 40));
	ASSERT_EQ(0, mprotect(s->guest, HPAGE, PROT_READ | PROT_WRITE));
	EXPECT_FALSE(write_faults(s->guest + 3 * PIECE, 0x5a));
	EXPECT_EQ(0x5a, s->backing[3 * PIECE]);
}

/*
 * Two 1 GiB-aligned mappings of one file share a PMD table; when one of
 * them gets HGM the table is unshared first, so its pieces never show up
 * in (or take away from) the other mapping.
 */
TEST_F(hgm, hgm_unshares_a_pmd_table_shared_with_another_mapping)
{
	const size_t gib = 1024 * MIB;
	unsigned char *area, *a, *b;
	int fd, uffd;

	if (!kernel_has_hgm())
		SKIP(return, "kernel has no HGM");
	if (free_hugepages() < 2)
		SKIP(return, "not enough free 2 MiB hugepages");
	fd = memfd_create("hgm-share", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_2MB);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, (off_t)gib));
	area = mmap(NULL, 3 * gib, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	a = (unsigned char *)(((uintptr_t)area + gib - 1) & ~(uintptr_t)(gib - 1));
	b = a + gib;
	ASSERT_EQ(a, mmap(a, gib, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_NORESERVE,
			  fd, 0));
	ASSERT_EQ(b, mmap(b, gib, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_NORESERVE,
			  fd, 0));
	a[0] = 1;
	memset(a + HPAGE, 0x77, HPAGE);
	EXPECT_EQ(1, b[0]);	/* b faults in on a's PMD table */
	if (SMAPS_KB(b, HGM_SMAPS_PMD_MAPPED) != 4096) {
		munmap(area, 3 * gib);
		close(fd);
		SKIP(return, "the kernel did not share the PMD table (no PMD sharing?)");
	}
	uffd = uffd_open(HGM_FEATURES);
	ASSERT_LE(0, uffd);
	ASSERT_EQ(0, uffd_register_minor(uffd, b, gib));
	EXPECT_EQ(1, HAS_HM(b));
	/* unshared: b lost the mappings it only had through a's table */
	EXPECT_EQ(0, SMAPS_KB(b, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(4096, SMAPS_KB(a, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ((long)PIECE, uffd_continue(uffd, b + HPAGE + PIECE, PIECE));
	EXPECT_EQ(4, SMAPS_KB(b, HGM_SMAPS_PTE_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(a, HGM_SMAPS_PTE_MAPPED));
	EXPECT_EQ(4096, SMAPS_KB(a, HGM_SMAPS_PMD_MAPPED));
	EXPECT_EQ(0x77, b[HPAGE + PIECE + 9]);
	/* volatile: a and b alias, which the compiler cannot know */
	((volatile unsigned char *)b)[HPAGE + PIECE + 9] = 0x78;
	EXPECT_EQ(0x78, ((volatile unsigned char *)a)[HPAGE + PIECE + 9]);
	close(uffd);
	munmap(area, 3 * gib);
	close(fd);
	EXPECT_EQ(self->free_before, free_hugepages());
}

/* PAGEMAP_SCAN: PAGE_IS_HUGE only where a leaf larger than a page maps */
TEST_F(hgm, pagemap_scan_reports_pieces_without_page_is_huge)
{
	struct hgm_setup *s = &self->s;
	struct page_region r[8];
	struct pm_scan_arg a = {
		.size = sizeof(a),
		.vec = (uintptr_t)r,
		.vec_len = 8,
		.category_anyof_mask = PAGE_IS_PRESENT,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_HUGE,
	};
	int fd, n;

	SETUP(2);
	ASSERT_EQ((long)(4 * PIECE), uffd_continue(s->uffd, s->guest + 8 * PIECE, 4 * PIECE));
	ASSERT_EQ((long)HPAGE, uffd_continue(s->uffd, s->guest + HPAGE, HPAGE));
	fd = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_LE(0, fd);
	a.start = (uintptr_t)s->guest;
	a.end = a.start + s->len;
	n = ioctl(fd, PAGEMAP_SCAN, &a);
	close(fd);
	ASSERT_EQ(2, n);
	EXPECT_EQ((uintptr_t)(s->guest + 8 * PIECE), r[0].start);
	EXPECT_EQ((uintptr_t)(s->guest + 12 * PIECE), r[0].end);
	EXPECT_EQ(PAGE_IS_PRESENT, r[0].categories);
	EXPECT_EQ((uintptr_t)(s->guest + HPAGE), r[1].start);
	EXPECT_EQ((uintptr_t)(s->guest + 2 * HPAGE), r[1].end);
	EXPECT_EQ(PAGE_IS_PRESENT | PAGE_IS_HUGE, r[1].categories);
}

/* The CONFIG_GUP_TEST debugfs interface (include/uapi of mm/gup_test.h) */
struct gup_test_args {
	uint64_t get_delta_usec, put_delta_usec, addr, size;
	uint32_t nr_pages_per_call, gup_flags, test_flags, which_pages[8];
};
#define GUP_FAST_BENCHMARK	_IOWR('g', 1, struct gup_test_args)
#define PIN_FAST_BENCHMARK	_IOWR('g', 2, struct gup_test_args)
#define GUP_BASIC_TEST		_IOWR('g', 4, struct gup_test_args)
#define PIN_BASIC_TEST		_IOWR('g', 5, struct gup_test_args)

/* GUP, fast and slow, get and pin, takes every mapped piece */
TEST_F(hgm, gup_takes_mapped_pieces)
{
	const unsigned long cmds[] = { GUP_FAST_BENCHMARK, PIN_FAST_BENCHMARK,
				       GUP_BASIC_TEST, PIN_BASIC_TEST };
	struct hgm_setup *s = &self->s;
	unsigned int i;
	int fd;

	fd = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (fd < 0)
		SKIP(return, "no /sys/kernel/debug/gup_test (CONFIG_GUP_TEST, debugfs)");
	SETUP(1);
	ASSERT_EQ((long)(3 * PIECE), uffd_continue(s->uffd, s->guest + 20 * PIECE, 3 * PIECE));
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct gup_test_args g = {
			.addr = (uintptr_t)(s->guest + 20 * PIECE),
			.size = 3 * PIECE,
			.nr_pages_per_call = 1,
		};

		EXPECT_EQ(0, ioctl(fd, cmds[i], &g)) TH_LOG("gup_test %u: %s", i, strerror(errno));
		EXPECT_EQ(3 * PIECE, g.size) TH_LOG("gup_test %u", i);
	}
	close(fd);
	EXPECT_TRUE(pieces_match(s, 20, 3));
	hgm_setup_release(s);
	/* no reference left behind */
	EXPECT_EQ(self->free_before, free_hugepages());
}

TEST_HARNESS_MAIN
