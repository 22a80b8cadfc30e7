// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hgm_walkers_test.c - issue 11, item 2: the .hugetlb_entry walkers outside
 * fs/proc see a PTE table of HGM pieces as pieces, never as a hugepage:
 * hmm_range_fault() (through CONFIG_TEST_HMM's /dev/hmm_dmirror0) returns
 * the file's data and the pieces' own permissions, and DAMON vaddr
 * monitoring of an hm VMA leaves the table, the data and the pool intact.
 *
 * Runs in the test guest (kernel/vm run) as root; SKIPs on a kernel without
 * HGM, TEST_HMM or DAMON sysfs.  DAMON is switched off again at the end.
 */
#include <time.h>

#include "hgm_sys.h"

/*
 * The test_hmm ioctl ABI (lib/test_hmm_uapi.h of the 6.12 source; that
 * header is not installed, so its layout is restated here).
 */
struct hmm_dmirror_cmd {
	__u64 addr;	/* in: user address the "device" reads */
	__u64 ptr;	/* in: buffer the data (or permissions) go to */
	__u64 npages;	/* in */
	__u64 cpages;	/* out: pages copied */
	__u64 faults;	/* out: device faults taken */
};

#define HMM_DMIRROR_READ	_IOWR('H', 0x00, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_SNAPSHOT	_IOWR('H', 0x04, struct hmm_dmirror_cmd)

/* HMM_DMIRROR_SNAPSHOT's byte per page */
#define HMM_PROT_NONE	0x00
#define HMM_PROT_READ	0x01
#define HMM_PROT_WRITE	0x02
#define HMM_PROT_PMD	0x04
#define HMM_PROT_ERROR	0xff

#define DMIRROR "/dev/hmm_dmirror0"

FIXTURE(walkers)
{
	struct hgm_setup s;
	long free_before;
	int dmirror;
	bool damon;	/* kdamond 0 is ours: switch it off in the teardown */
};

FIXTURE_SETUP(walkers)
{
	self->free_before = free_hugepages();
	memset(&self->s, 0, sizeof(self->s));
	self->s.memfd = self->s.uffd = -1;
	self->dmirror = -1;
	self->damon = false;
}

FIXTURE_TEARDOWN(walkers)
{
	if (self->dmirror >= 0)
		close(self->dmirror);
	if (self->damon) {
		sys_write("/sys/kernel/mm/damon/admin/kdamonds/0/state", "off");
		sys_write("/sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds", "0");
	}
	hgm_setup_release(&self->s);
}

#define SETUP(nr) HGM_SETUP_OR_SKIP(&self->s, (nr))

#define OPEN_DMIRROR() do { \
	if (!kernel_has_hgm()) \
		SKIP(return, "kernel has no HGM"); \
	if (geteuid()) \
		SKIP(return, "needs root to open " DMIRROR); \
	self->dmirror = open(DMIRROR, O_RDWR | O_CLOEXEC); \
	if (self->dmirror < 0) \
		SKIP(return, "no " DMIRROR " (CONFIG_TEST_HMM)"); \
} while (0)

static void unregister(struct hgm_setup *s)
{
	struct uffdio_range r = { .start = (uintptr_t)s->guest, .len = s->len };

	ioctl(s->uffd, UFFDIO_UNREGISTER, &r);
}

/*
 * hmm_range_fault() over a table of pieces:
 *
 *   pieces   0 1 2 3 | 4 5 6 7
 *            mapped  | not mapped (the "device" faults them in one by one)
 *
 * The device must read the file's bytes for all eight, not the PTE table
 * page and the pages after it.  (Unregistered, so that its faults map
 * pieces rather than wait for a userfault nobody serves.)
 */
TEST_F(walkers, hmm_read_of_an_hm_vma_with_pieces_returns_the_file_data)
{
	struct hgm_setup *s = &self->s;
	struct hmm_dmirror_cmd cmd = { 0 };
	unsigned char *buf;
	size_t i, bad = 0;

	OPEN_DMIRROR();
	SETUP(1);
	ASSERT_EQ((long)(4 * PIECE), uffd_continue(s->uffd, s->guest, 4 * PIECE));
	unregister(s);
	ASSERT_EQ(1, HAS_HM(s->guest));
	buf = calloc(8, PIECE);
	ASSERT_NE(NULL, buf);
	cmd.addr = (uintptr_t)s->guest;
	cmd.ptr = (uintptr_t)buf;
	cmd.npages = 8;
	ASSERT_EQ(0, ioctl(self->dmirror, HMM_DMIRROR_READ, &cmd));
	EXPECT_EQ(8, cmd.cpages);
	for (i = 0; i < 8; i++) {
		size_t j;

		for (j = 0; j < PIECE && buf[i * PIECE + j] == pattern(i); j++)
			;
		if (j < PIECE) {
			TH_LOG("piece %zu byte %zu: the device read %#x, the file holds %#x", i, j,
			       buf[i * PIECE + j], pattern(i));
			bad++;
		}
	}
	EXPECT_EQ(0, bad);
	free(buf);
	/* the CPU's view is unchanged: still pieces */
	EXPECT_TRUE(pieces_match(s, 0, 8));
	EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
}

/*
 * A snapshot (no faults) of read-only pieces: read permission for the
 * mapped ones, of page size, and nothing for the holes; never write.
 */
TEST_F(walkers, hmm_snapshot_of_read_only_pieces_shows_no_write_permission)
{
	struct hgm_setup *s = &self->s;
	struct hmm_dmirror_cmd cmd = { 0 };
	unsigned char perm[8];
	size_t i;

	OPEN_DMIRROR();
	SETUP(1);
	ASSERT_EQ((long)(4 * PIECE), uffd_continue(s->uffd, s->guest, 4 * PIECE));
	ASSERT_EQ(0, mprotect(s->guest, s->len, PROT_READ));
	memset(perm, 0xaa, sizeof(perm));
	cmd.addr = (uintptr_t)s->guest;
	cmd.ptr = (uintptr_t)perm;
	cmd.npages = 8;
	ASSERT_EQ(0, ioctl(self->dmirror, HMM_DMIRROR_SNAPSHOT, &cmd));
	for (i = 0; i < 8; i++) {
		TH_LOG("piece %zu: snapshot %#x", i, perm[i]);
		EXPECT_FALSE(perm[i] & HMM_PROT_WRITE);
		if (i < 4) {
			EXPECT_EQ(HMM_PROT_READ, perm[i]);
		} else {
			EXPECT_EQ(HMM_PROT_NONE, perm[i]);
		}
	}
	EXPECT_TRUE(pieces_match(s, 0, 4));
}

#define DAMON "/sys/kernel/mm/damon/admin/kdamonds/"
#define DCTX DAMON "0/contexts/0/"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Sets up kdamond 0 on @pid's [start, end), vaddr ops: 0 or -errno. */
static int damon_configure(pid_t pid, uintptr_t start, uintptr_t end)
{
	char v[32];
	int r;

	if ((r = sys_write(DAMON "nr_kdamonds", "1")) ||
	    (r = sys_write(DAMON "0/contexts/nr_contexts", "1")) ||
	    (r = sys_write(DCTX "operations", "vaddr")) ||
	    (r = sys_write(DCTX "monitoring_attrs/intervals/sample_us", "1000")) ||
	    (r = sys_write(DCTX "monitoring_attrs/intervals/aggr_us", "20000")) ||
	    /* no region updates while it runs: keep it on the hm VMA */
	    (r = sys_write(DCTX "monitoring_attrs/intervals/update_us", "100000000")) ||
	    (r = sys_write(DCTX "targets/nr_targets", "1")))
		return r;
	snprintf(v, sizeof(v), "%d", (int)pid);
	if ((r = sys_write(DCTX "targets/0/pid_target", v)) ||
	    (r = sys_write(DCTX "targets/0/regions/nr_regions", "1")))
		return r;
	snprintf(v, sizeof(v), "%lu", (unsigned long)end);
	if ((r = sys_write(DCTX "targets/0/regions/0/end", v)))
		return r;
	snprintf(v, sizeof(v), "%lu", (unsigned long)start);
	return sys_write(DCTX "targets/0/regions/0/start", v);
}

/*
 * DAMON vaddr samples (mkold, young checks) pieces of an hm VMA for three
 * seconds at 1 ms while they are read and written; afterwards every piece
 * still maps head PFN + index with the file's data, the holes stay holes,
 * and every hugepage goes back to the pool.
 */
TEST_F(walkers, damon_vaddr_monitoring_of_an_hm_vma_keeps_pieces_data_and_pool)
{
	enum { NR = 4 };
	struct hgm_setup *s = &self->s;
	uint64_t head[NR];
	char state[16] = "";
	size_t h, i, wrong = 0;
	double end;
	int r;

	if (!kernel_has_hgm())
		SKIP(return, "kernel has no HGM");
	if (geteuid())
		SKIP(return, "needs root for DAMON sysfs and PFNs");
	if (access(DAMON "nr_kdamonds", W_OK))
		SKIP(return, "no DAMON sysfs (CONFIG_DAMON_SYSFS, CONFIG_DAMON_VADDR)");
	if (sys_read_long(DAMON "nr_kdamonds") != 0)
		SKIP(return, "DAMON is in use by someone else");
	SETUP(NR);
	for (h = 0; h < NR; h++) {
		head[h] = PM_PFN(pagemap_entry(getpid(), s->backing + h * HPAGE));
		ASSERT_NE(0, head[h]);
		/* pieces 0-63 and 256 of each hugepage */
		ASSERT_EQ((long)(64 * PIECE), uffd_continue(s->uffd, s->guest + h * HPAGE,
							    64 * PIECE));
		ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + h * HPAGE + 256 * PIECE,
						     PIECE));
	}
	self->damon = true;
	r = damon_configure(getpid(), (uintptr_t)s->guest, (uintptr_t)(s->guest + s->len));
	if (!r)
		r = sys_write(DAMON "0/state", "on");
	ASSERT_EQ(0, r);
	end = now_s() + 3;
	while (now_s() < end) {
		for (h = 0; h < NR; h++) {
			volatile unsigned char *hp = s->guest + h * HPAGE;

			for (i = 0; i < 64; i += 5)
				hp[i * PIECE + 9] = hp[i * PIECE + 9];
			(void)hp[256 * PIECE];
		}
		usleep(500);
	}
	EXPECT_EQ(0, sys_write(DAMON "0/state", "off"));
	sys_read(DAMON "0/state", state, sizeof(state));
	EXPECT_STREQ("off", state);
	EXPECT_EQ(0, sys_write(DAMON "nr_kdamonds", "0"));
	self->damon = false;

	for (h = 0; h < NR; h++) {
		for (i = 0; i < PIECES; i++) {
			uint64_t e = pagemap_entry(getpid(), s->guest + h * HPAGE + i * PIECE);
			bool mapped = i < 64 || i == 256;

			if (PM_PRESENT(e) != mapped || (mapped && PM_PFN(e) != head[h] + i)) {
				if (!wrong)
					TH_LOG("hugepage %zu piece %zu: pagemap %#llx, head PFN %#llx",
					       h, i, (unsigned long long)e,
					       (unsigned long long)head[h]);
				wrong++;
			}
		}
		EXPECT_TRUE(pieces_match(s, h * PIECES, 64));
		EXPECT_TRUE(pieces_match(s, h * PIECES + 256, 1));
	}
	EXPECT_EQ(0, wrong);
	EXPECT_EQ((long)(NR * 65 * 4), SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	EXPECT_EQ(0, SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));
	hgm_setup_release(s);
	EXPECT_EQ(self->free_before, free_hugepages());
}

TEST_HARNESS_MAIN
