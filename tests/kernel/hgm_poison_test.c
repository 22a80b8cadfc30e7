// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hgm_poison_test.c - issue 11, items 7 and 8: a memory error in a 4 KiB
 * piece of an HGM-mapped hugepage (MADV_HWPOISON) is reported as a hugetlb
 * memory error is: SIGBUS with BUS_MCEERR_AR to whoever touches the
 * hugepage, never SIGKILL or a plain BUS_ADRERR; and MADV_COLLAPSE over the
 * poisoned hugepage fails instead of claiming success.
 *
 * A poisoned hugepage never goes back to the pool: memory_failure() keeps
 * its reference for good (and the page cache keeps the folio while the file
 * lives), so after the file is gone the hugepage is neither free nor
 * dissolved: free_hugepages is one lower and nr_hugepages unchanged, on any
 * kernel.  Each test poisons one hugepage and checks exactly that; the four
 * tests leave the 2 MiB pool with four fewer free pages.  No pool setting is
 * changed, so there is none to put back (raising nr_hugepages to make up
 * for the loss would change one).
 *
 * Runs in the test guest (kernel/vm run) as root (MADV_HWPOISON needs
 * CAP_SYS_ADMIN); SKIPs on a kernel without HGM or CONFIG_MEMORY_FAILURE.
 */
#include "hgm_sys.h"

#define POISONED 5	/* the piece that gets the memory error */

FIXTURE(poison)
{
	struct hgm_setup s;
	long free_before, nr_before;
	int node;
	bool poisoned;
};

static char *node_nr_path(char *buf, size_t n, int node)
{
	snprintf(buf, n, "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/nr_hugepages",
		 node);
	return buf;
}

FIXTURE_SETUP(poison)
{
	self->free_before = free_hugepages();
	self->nr_before = -1;
	self->node = -1;
	self->poisoned = false;
	memset(&self->s, 0, sizeof(self->s));
	self->s.memfd = self->s.uffd = -1;
}

FIXTURE_TEARDOWN(poison)
{
	hgm_setup_release(&self->s);
}

/*
 * Maps pieces 0-7 of the guest (the poisoned one among them) and notes the
 * hugepage's node and that node's pool size.
 */
#define SETUP() do { \
	const char *why; \
	char path[128]; \
	if (geteuid()) \
		SKIP(return, "needs root for MADV_HWPOISON"); \
	why = hgm_setup_init(&self->s, 1, HGM_FEATURES, MAP_SHARED); \
	if (why) \
		SKIP(return, "%s", why); \
	ASSERT_EQ((long)(8 * PIECE), uffd_continue(self->s.uffd, self->s.guest, 8 * PIECE)); \
	self->node = node_of(self->s.backing); \
	ASSERT_LE(0, self->node); \
	self->nr_before = sys_read_long(node_nr_path(path, sizeof(path), self->node)); \
	ASSERT_LE(1, self->nr_before); \
} while (0)

static void unregister(struct hgm_setup *s)
{
	struct uffdio_range r = { .start = (uintptr_t)s->guest, .len = s->len };

	ioctl(s->uffd, UFFDIO_UNREGISTER, &r);
}

/*
 * MADV_HWPOISON of piece POISONED through the guest.  The caller touched
 * it, so memory_failure() sends it BUS_MCEERR_AR (it must not kill it).
 */
static struct fault_report poison_piece(FIXTURE_DATA(poison) *self, int *ret)
{
	struct fault_report r;

	r = access_once(self->s.guest + POISONED * PIECE, ACCESS_HWPOISON, ret);
	self->poisoned = true;
	return r;
}

#define EXPECT_MCEERR_AR(r, what) do { \
	if ((r).sig != SIGBUS || (r).code != BUS_MCEERR_AR) \
		TH_LOG("%s: signal %d, si_code %d (%s); want SIGBUS BUS_MCEERR_AR", what, \
		       (r).sig, (r).code, (r).sig == SIGBUS ? sigbus_code_name((r).code) : "-"); \
	EXPECT_EQ(SIGBUS, (r).sig); \
	EXPECT_EQ(BUS_MCEERR_AR, (r).code); \
} while (0)

/*
 * Pool accounting after the file is gone: the poisoned hugepage stays
 * allocated (held by memory-failure), every other one is free again.
 */
#define EXPECT_POOL_LOST_ONE() do { \
	char path[128]; \
	hgm_setup_release(&self->s); \
	EXPECT_EQ(self->free_before - 1, free_hugepages()); \
	EXPECT_EQ(self->nr_before, \
		  sys_read_long(node_nr_path(path, sizeof(path), self->node))); \
} while (0)

/*
 * Item 7, the poisoner: it gets BUS_MCEERR_AR for the piece it poisoned
 * (and survives), and a later touch of another piece of the same hugepage,
 * not mapped yet in its table, is BUS_MCEERR_AR as well: the whole
 * hugepage is poisoned, as with a PMD mapping, so not BUS_ADRERR.
 */
TEST_F(poison, touch_after_hwpoison_of_a_piece_is_bus_mceerr_ar_not_bus_adrerr)
{
	struct fault_report r;
	int ret = 0;

	SETUP();
	unregister(&self->s);	/* faults map pieces: nobody serves userfaults */
	ret = 1;	/* stays 1 if the SIGBUS interrupts madvise's return */
	r = poison_piece(self, &ret);
	if (ret != 1)
		TH_LOG("MADV_HWPOISON returned %d", ret);
	EXPECT_MCEERR_AR(r, "the poisoner, at MADV_HWPOISON");

	r = access_once(self->s.guest + 100 * PIECE, ACCESS_READ, NULL);
	EXPECT_MCEERR_AR(r, "the poisoner, touching piece 100 later");
	EXPECT_POOL_LOST_ONE();
}

/*
 * Item 7, a second process that mapped pieces of the hugepage before the
 * error (its own hm VMA, with a table: piece 0 mapped) touches the
 * poisoned piece afterwards: SIGBUS BUS_MCEERR_AR, not SIGKILL.  Its exit
 * status carries the signal and code it saw.
 */
TEST_F(poison, hwpoison_of_a_piece_gives_a_second_process_mapping_pieces_bus_mceerr_ar)
{
	struct hgm_setup *s = &self->s;
	int to_child[2], to_parent[2], status, ret = 0;
	struct fault_report r;
	char c = 0;
	pid_t pid;

	SETUP();
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned char *g = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
					s->memfd, 0);
		struct uffdio_range rg = { .start = (uintptr_t)g, .len = HPAGE };
		struct fault_report cr;
		int u = uffd_open(HGM_FEATURES);

		if (g == MAP_FAILED || u < 0 || uffd_register_minor(u, g, HPAGE) ||
		    uffd_continue(u, g, PIECE) != (long)PIECE || ioctl(u, UFFDIO_UNREGISTER, &rg))
			_exit(1);
		if (write(to_parent[1], "r", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(1);
		cr = access_once(g + POISONED * PIECE + 3, ACCESS_READ, NULL);
		_exit(cr.sig == 0 ? 2 : cr.sig != SIGBUS ? 3 : 10 + cr.code);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	r = poison_piece(self, &ret);
	EXPECT_MCEERR_AR(r, "the poisoner");
	ASSERT_EQ(1, write(to_child[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WIFSIGNALED(status))
		TH_LOG("the second process was killed by signal %d", WTERMSIG(status));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2)
		TH_LOG("the second process read the poisoned piece without any signal");
	else if (WEXITSTATUS(status) >= 10)
		TH_LOG("the second process got SIGBUS %s",
		       sigbus_code_name(WEXITSTATUS(status) - 10));
	EXPECT_EQ(10 + BUS_MCEERR_AR, WEXITSTATUS(status));
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	EXPECT_POOL_LOST_ONE();
}

/*
 * Item 7, PMD mappings: the test's own backing mapping (a PMD at the time
 * of the error) and a new process that maps the file afterwards both get
 * BUS_MCEERR_AR on a touch.
 */
TEST_F(poison, hwpoison_of_a_piece_gives_pmd_mappings_bus_mceerr_ar)
{
	struct hgm_setup *s = &self->s;
	struct fault_report r;
	int status, ret = 0;
	pid_t pid;

	SETUP();
	r = poison_piece(self, &ret);
	EXPECT_MCEERR_AR(r, "the poisoner");
	r = access_once(s->backing + 300 * PIECE, ACCESS_READ, NULL);
	EXPECT_MCEERR_AR(r, "the PMD mapping of the poisoner");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned char *p = mmap(NULL, HPAGE, PROT_READ, MAP_SHARED, s->memfd, 0);
		struct fault_report cr;

		if (p == MAP_FAILED)
			_exit(1);
		cr = access_once(p + POISONED * PIECE, ACCESS_READ, NULL);
		_exit(cr.sig == 0 ? 2 : cr.sig != SIGBUS ? 3 : 10 + cr.code);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(10 + BUS_MCEERR_AR, WEXITSTATUS(status));
	EXPECT_POOL_LOST_ONE();
}

/*
 * Item 8: MADV_COLLAPSE over a range holding a hwpoisoned hugepage cannot
 * map it with a PMD; it says so (EINVAL) instead of reporting success, and
 * leaves the pieces as they were.
 */
TEST_F(poison, madvise_collapse_over_a_hwpoisoned_hugepage_is_einval)
{
	struct hgm_setup *s = &self->s;
	struct fault_report r;
	int ret = 0, c, e;

	SETUP();
	r = poison_piece(self, &ret);
	EXPECT_MCEERR_AR(r, "the poisoner");
	c = madvise(s->guest, s->len, MADV_COLLAPSE);
	e = errno;
	if (c == 0)
		TH_LOG("MADV_COLLAPSE over the poisoned hugepage returned 0");
	EXPECT_EQ(-1, c);
	EXPECT_EQ(EINVAL, e);
	EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	EXPECT_POOL_LOST_ONE();
}

TEST_HARNESS_MAIN
