// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hgm_safety_test.c - issue 11, items 1, 3, 4, 5 and 6: no user, privileged
 * or not, and no mm walker can misuse a PTE table of HGM pieces: uffd-wp
 * VMAs never get HGM, fork and VMA splits keep every hm VMA's vma lock (under
 * failslab), pagemap and smaps read a table once, MINOR registrations and
 * whole-hugepage CONTINUEs over pieces behave, and mbind counts HGM folios.
 *
 * Runs in the test guest (kernel/vm run); SKIPs on a kernel without HGM,
 * without root where it needs it, without a second NUMA node or free
 * hugepages.  Every debugfs setting changed is put back.
 */
#include <sys/resource.h>
#include <time.h>

#include "hgm_sys.h"

#ifndef UFFDIO_REGISTER_MODE_WP
#define UFFDIO_REGISTER_MODE_WP ((__u64)1 << 1)
#endif
#ifndef MPOL_BIND
#define MPOL_BIND 2
#endif
#ifndef MPOL_MF_STRICT
#define MPOL_MF_STRICT (1 << 0)
#define MPOL_MF_MOVE (1 << 1)
#endif

#define NOBODY 65534

/*
 * Item 3: failslab through /proc/thread-self/fail-nth.  The settings it
 * needs (sleeping allocations may fail; only tasks that ask; quiet) are
 * put back by failslab_release().
 */
struct failslab {
	struct saved_setting gfp_wait, task_filter, verbose, times;
};

#define FAILSLAB "/sys/kernel/debug/failslab/"

static const char *failslab_init(struct failslab *f)
{
	memset(f, 0, sizeof(*f));
	if (geteuid())
		return "needs root for debugfs failslab";
	if (access(FAILSLAB "ignore-gfp-wait", W_OK) || access("/proc/thread-self/fail-nth", W_OK))
		return "no failslab in debugfs (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)";
	if (setting_set(&f->gfp_wait, FAILSLAB "ignore-gfp-wait", "N") ||
	    setting_set(&f->task_filter, FAILSLAB "task-filter", "Y") ||
	    setting_set(&f->verbose, FAILSLAB "verbose", "0") ||
	    setting_set(&f->times, FAILSLAB "times", "-1"))
		return "cannot configure failslab";
	return NULL;
}

static void failslab_release(struct failslab *f)
{
	setting_restore(&f->times);
	setting_restore(&f->verbose);
	setting_restore(&f->task_filter);
	setting_restore(&f->gfp_wait);
}

FIXTURE(safety)
{
	struct hgm_setup s;
	long free_before;
	struct failslab failslab;	/* put back in the teardown */
};

FIXTURE_SETUP(safety)
{
	self->free_before = free_hugepages();
	memset(&self->s, 0, sizeof(self->s));
	self->s.memfd = self->s.uffd = -1;
	memset(&self->failslab, 0, sizeof(self->failslab));
}

FIXTURE_TEARDOWN(safety)
{
	failslab_release(&self->failslab);
	hgm_setup_release(&self->s);
}

#define SETUP(nr) HGM_SETUP_OR_SKIP(&self->s, (nr))

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * Item 1, as an attacker would: an unprivileged process (nobody) with a
 * UFFD_USER_MODE_ONLY userfaultfd registers MODE_WP on a shared 2 MiB
 * memfd mapping, then asks for HGM with MADV_SPLIT.  HGM and uffd-wp never
 * meet (ABI 10): EINVAL, and the VMA stays without hm.  The child's exit
 * status says what it saw.
 */
enum { WP_SPLIT_EINVAL, WP_SPLIT_SUCCEEDED, WP_SPLIT_OTHER_ERRNO, WP_SPLIT_HM_SET,
       WP_SKIP_SETUID = 20, WP_SKIP_MEMFD, WP_SKIP_UFFD, WP_SKIP_REGISTER };

static int wp_then_split_as_nobody(void)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_HUGETLBFS_SHMEM };
	struct uffdio_register r = { .mode = UFFDIO_REGISTER_MODE_WP };
	unsigned char *p;
	int fd, u, ret;

	if (geteuid() == 0 && (setgid(NOBODY) || setuid(NOBODY)))
		return WP_SKIP_SETUID;
	fd = memfd_create("hgm-wp", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_2MB);
	if (fd < 0 || ftruncate(fd, (off_t)HPAGE))
		return WP_SKIP_MEMFD;
	p = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return WP_SKIP_MEMFD;
	p[0] = 1;	/* a hugepage there, as the sequence has */
	u = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (u < 0 || ioctl(u, UFFDIO_API, &api))
		return WP_SKIP_UFFD;
	r.range.start = (uintptr_t)p;
	r.range.len = HPAGE;
	if (ioctl(u, UFFDIO_REGISTER, &r))
		return WP_SKIP_REGISTER;
	ret = madvise(p, HPAGE, MADV_SPLIT);
	if (ret == 0)
		return WP_SPLIT_SUCCEEDED;	/* stop: the WARN comes next */
	if (errno != EINVAL)
		return WP_SPLIT_OTHER_ERRNO;
	if (smaps_field(getpid(), p, "VmFlags", HGM_VMFLAG_MNEMONIC) != 0)
		return WP_SPLIT_HM_SET;
	return WP_SPLIT_EINVAL;
}

TEST_F(safety, madvise_split_of_a_uffd_wp_vma_is_einval)
{
	int status;
	pid_t pid;

	if (!kernel_has_hgm())
		SKIP(return, "kernel has no HGM");
	if (free_hugepages() < 1)
		SKIP(return, "no free 2 MiB hugepage");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(wp_then_split_as_nobody());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	switch (WEXITSTATUS(status)) {
	case WP_SKIP_SETUID:
		SKIP(return, "cannot become nobody");
	case WP_SKIP_MEMFD:
		SKIP(return, "nobody cannot map a 2 MiB hugetlb memfd");
	case WP_SKIP_UFFD:
		SKIP(return, "no UFFD_USER_MODE_ONLY userfaultfd with WP_HUGETLBFS_SHMEM");
	case WP_SKIP_REGISTER:
		SKIP(return, "MODE_WP registration on hugetlb refused");
	}
	if (WEXITSTATUS(status) == WP_SPLIT_SUCCEEDED)
		TH_LOG("MADV_SPLIT on a uffd-wp VMA returned 0 (unprivileged)");
	EXPECT_EQ(WP_SPLIT_EINVAL, WEXITSTATUS(status));
	EXPECT_EQ(self->free_before, free_hugepages());
}

/*
 * Item 5: a context without UFFD_FEATURE_EXACT_ADDRESS would get 2 MiB
 * aligned fault addresses on an hm VMA, so its MINOR registration there is
 * refused; one with EXACT_ADDRESS (even without the HGM bit) is not.
 */
TEST_F(safety, minor_registration_without_exact_address_on_an_hm_vma_is_einval)
{
	struct hgm_setup *s = &self->s;
	struct uffdio_range r;
	int u;

	SETUP(1);
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + 3 * PIECE, PIECE));
	r.start = (uintptr_t)s->guest;
	r.len = s->len;
	ASSERT_EQ(0, ioctl(s->uffd, UFFDIO_UNREGISTER, &r));
	ASSERT_EQ(1, HAS_HM(s->guest));

	u = uffd_open(UFFD_FEATURE_MINOR_HUGETLBFS);
	ASSERT_LE(0, u);
	EXPECT_EQ(-EINVAL, uffd_register_minor(u, s->guest, s->len));
	close(u);

	/* the same registration with exact addresses is fine */
	u = uffd_open(UFFD_FEATURE_MINOR_HUGETLBFS | UFFD_FEATURE_EXACT_ADDRESS);
	ASSERT_LE(0, u);
	EXPECT_EQ(0, uffd_register_minor(u, s->guest, s->len));
	EXPECT_EQ((long)PIECE, uffd_continue(u, s->guest + 4 * PIECE, PIECE));
	EXPECT_TRUE(pieces_match(s, 3, 2));
	close(u);
}

/*
 * Item 5: a VMM that answers a minor fault with a CONTINUE of the whole
 * hugepage, where some pieces are already mapped:
 *
 *   pieces  0 ... 9 | 10 11 12 | 13 ... 99 | 100 (faulting) | ... 511
 *           none    |  mapped  |   none    |     none       |   none
 *
 * The CONTINUE maps the rest, reports the whole length, and the thread
 * blocked on piece 100 completes.
 */
TEST_F(safety, continue_of_a_hugepage_over_mapped_pieces_maps_the_rest_and_wakes_the_fault)
{
	struct hgm_setup *s = &self->s;
	struct timespec deadline;
	struct uffdio_range wake;
	struct reader r;
	uint64_t addr;
	long mapped;
	int joined;
	size_t i;

	SETUP(1);
	ASSERT_EQ((long)(3 * PIECE), uffd_continue(s->uffd, s->guest + 10 * PIECE, 3 * PIECE));
	r.addr = s->guest + 100 * PIECE + 7;
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, reader_run, &r));
	addr = wait_minor_fault(s->uffd, 5000);
	ASSERT_EQ((uint64_t)(uintptr_t)(s->guest + 100 * PIECE), addr & ~(uint64_t)(PIECE - 1));

	mapped = uffd_continue(s->uffd, s->guest, HPAGE);
	EXPECT_EQ((long)HPAGE, mapped);
	EXPECT_EQ(2048, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED) +
			SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED));

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 4;
	joined = pthread_timedjoin_np(r.thread, NULL, &deadline);
	EXPECT_EQ(0, joined);
	if (joined) {
		TH_LOG("CONTINUE of the hugepage mapped %ld bytes; the faulting thread is still blocked after 4 s",
		       mapped);
		/* let it go: map what is left and wake the whole hugepage */
		for (i = 0; i < PIECES; i++)
			uffd_continue(s->uffd, s->guest + i * PIECE, PIECE);
		wake.start = (uintptr_t)s->guest;
		wake.len = HPAGE;
		ioctl(s->uffd, UFFDIO_WAKE, &wake);
		pthread_join(r.thread, NULL);
	}
	EXPECT_EQ(pattern(100), r.got);
	EXPECT_TRUE(pieces_match(s, 0, PIECES));
}

static long mbind_raw(void *addr, size_t len, int mode, unsigned long mask, unsigned int flags)
{
	return syscall(__NR_mbind, addr, len, mode, &mask, 8 * sizeof(mask) + 1, flags) ? -errno : 0;
}

/* Item 6 setup: pieces of the guest mapped; the folio's node, or a reason. */
static const char *mbind_setup(struct hgm_setup *s, int *node)
{
	if (!node_online(0) || !node_online(1))
		return "needs two NUMA nodes";
	if (uffd_continue(s->uffd, s->guest + 5 * PIECE, 4 * PIECE) != (long)(4 * PIECE))
		return "cannot map pieces";
	*node = node_of(s->backing);
	if (*node < 0 || *node > 1)
		return "cannot find the hugepage's node";
	return NULL;
}

/* Item 6: nothing to move is not a failure, for HGM-mapped folios too. */
TEST_F(safety, mbind_move_strict_to_the_node_holding_an_hgm_folio_succeeds)
{
	const char *why;
	int node;

	SETUP(1);
	why = mbind_setup(&self->s, &node);
	if (why)
		SKIP(return, "%s", why);
	EXPECT_EQ(0, mbind_raw(self->s.guest, HPAGE, MPOL_BIND, 1UL << node,
			       MPOL_MF_MOVE | MPOL_MF_STRICT));
	EXPECT_EQ(node, node_of(self->s.backing));
	EXPECT_TRUE(pieces_match(&self->s, 5, 4));
	EXPECT_EQ(16, SMAPS_KB(self->s.guest, HGM_SMAPS_PTE_MAPPED));
}

/* Item 6: STRICT without MOVE reports a misplaced HGM-mapped folio. */
TEST_F(safety, mbind_strict_with_an_hgm_folio_outside_the_mask_is_eio)
{
	const char *why;
	int node;

	SETUP(1);
	why = mbind_setup(&self->s, &node);
	if (why)
		SKIP(return, "%s", why);
	EXPECT_EQ(-EIO, mbind_raw(self->s.guest, HPAGE, MPOL_BIND, 1UL << (1 - node),
				  MPOL_MF_STRICT));
	EXPECT_EQ(node, node_of(self->s.backing));
	EXPECT_TRUE(pieces_match(&self->s, 5, 4));
}

/*
 * Item 1: fork of a process whose hm VMA holds a table of pieces.  Shared
 * hugetlb page tables are not copied; the child faults its own mappings.
 * By the counting rule (kernel/HGM.md) kpagecount is the number of VMAs
 * mapping any piece: parent backing + guest = 2, and 4 while the child
 * maps both of its own; back to 2 when it exits, and the pool gets the
 * page back when both are gone.
 */
TEST_F(safety, fork_of_an_hm_vma_with_pieces_keeps_data_counts_and_the_pool)
{
	struct hgm_setup *s = &self->s;
	int to_child[2], to_parent[2], status;
	uint64_t head;
	char c = 0;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to read PFNs and kpagecount");
	SETUP(1);
	head = PM_PFN(pagemap_entry(getpid(), s->backing));
	ASSERT_NE(0, head);
	ASSERT_EQ((long)(16 * PIECE), uffd_continue(s->uffd, s->guest, 16 * PIECE));
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + 300 * PIECE, PIECE));
	ASSERT_EQ(2, kpagecount(head + 300));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0;

		/* the child's hm VMA keeps the flag; its pieces fault in */
		if (smaps_field(getpid(), s->guest, "VmFlags", HGM_VMFLAG_MNEMONIC) != 1)
			bad |= 1;
		if (!pieces_match(s, 0, 16) || !pieces_match(s, 300, 1))
			bad |= 2;
		if (PM_PFN(pagemap_entry(getpid(), s->guest + 300 * PIECE)) != head + 300)
			bad |= 4;
		if (kpagecount(head + 7) != 4)
			bad |= 8;
		if (write(to_parent[1], &bad, 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(100);
		_exit(bad);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_EQ(4, kpagecount(head));
	EXPECT_TRUE(pieces_match(s, 0, 16));
	EXPECT_EQ(1, write(to_child[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status))
		TH_LOG("child saw: %s%s%s%s", WEXITSTATUS(status) & 1 ? "no hm flag; " : "",
		       WEXITSTATUS(status) & 2 ? "wrong data; " : "",
		       WEXITSTATUS(status) & 4 ? "wrong PFN; " : "",
		       WEXITSTATUS(status) & 8 ? "kpagecount not 4" : "");
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(2, kpagecount(head + 300));
	EXPECT_TRUE(pieces_match(s, 0, 16));
	EXPECT_EQ(68, SMAPS_KB(s->guest, HGM_SMAPS_PTE_MAPPED));
	hgm_setup_release(s);
	EXPECT_EQ(self->free_before, free_hugepages());
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/* Item 4: the mapper's side of the race. */
struct race {
	struct hgm_setup *s;
	size_t nr;
	volatile bool stop;
	long cycles, errors;
};

static void *race_mapper(void *arg)
{
	struct race *r = arg;
	size_t h, k = 0;

	while (!r->stop) {
		for (h = 0; h < r->nr; h++) {
			unsigned char *hp = r->s->guest + h * HPAGE;
			size_t first = (k * 37 + h * 11) % (PIECES - 2);

			/* installs the table: the moment a walker may misread */
			if (uffd_continue(r->s->uffd, hp + first * PIECE, 2 * PIECE) !=
			    (long)(2 * PIECE))
				r->errors++;
			if (madvise(hp, HPAGE, MADV_DONTNEED))
				r->errors++;
		}
		k++;
		r->cycles++;
	}
	return NULL;
}

/*
 * Item 4: walkers decide "table or leaf" once.  One thread maps pieces
 * (installing the PTE table) and zaps the whole hugepage in a loop;
 * this one reads pagemap: every present entry must be the hugepage's head
 * PFN + index (known from the PMD-mapped backing), never a page-table
 * page's; smaps never counts the table as a 2 MiB leaf.  About 6 s.
 */
TEST_F(safety, pagemap_and_smaps_racing_continue_and_dontneed_never_see_the_table)
{
	enum { NR = 8 };
	struct hgm_setup *s = &self->s;
	struct race r = { .s = s, .nr = NR };
	static uint64_t e[NR * PIECES];
	uint64_t head[NR];
	long present = 0, wrong = 0, pmd_kb = 0, reads = 0;
	pthread_t t;
	double end;
	size_t h, i;
	int fd;

	if (geteuid())
		SKIP(return, "needs root to read PFNs from pagemap");
	SETUP(NR);
	for (h = 0; h < NR; h++) {
		head[h] = PM_PFN(pagemap_entry(getpid(), s->backing + h * HPAGE));
		ASSERT_NE(0, head[h]);
	}
	fd = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, race_mapper, &r));
	end = now_s() + 6;
	while (now_s() < end) {
		off_t off = (off_t)((uintptr_t)s->guest / PIECE * 8);

		/* one walk over all the hugepages */
		if (pread(fd, e, sizeof(e), off) != (ssize_t)sizeof(e))
			continue;
		for (i = 0; i < NR * PIECES; i++) {
			h = i / PIECES;
			if (!PM_PRESENT(e[i]))
				continue;
			present++;
			if (PM_PFN(e[i]) != head[h] + i % PIECES) {
				if (!wrong)
					TH_LOG("hugepage %zu piece %zu: PFN %#llx, head %#llx",
					       h, i % PIECES, (unsigned long long)PM_PFN(e[i]),
					       (unsigned long long)head[h]);
				wrong++;
			}
		}
		if (++reads % 8 == 0) {
			long kb = SMAPS_KB(s->guest, HGM_SMAPS_PMD_MAPPED);

			if (kb > pmd_kb)
				pmd_kb = kb;
		}
	}
	r.stop = true;
	pthread_join(t, NULL);
	close(fd);
	TH_LOG("%ld mapper cycles, %ld pagemap reads, %ld present entries, %ld wrong, max HugetlbPmdMapped %ld kB",
	       r.cycles, reads, present, wrong, pmd_kb);
	EXPECT_EQ(0, r.errors);
	EXPECT_LT(0, r.cycles);
	EXPECT_EQ(0, wrong);
	EXPECT_EQ(0, pmd_kb);
	hgm_setup_release(s);
	EXPECT_EQ(self->free_before, free_hugepages());
}

/* Arms the @n-th slab allocation of this thread to fail. */
static int fail_nth_set(unsigned int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", n);
	return sys_write("/proc/thread-self/fail-nth", buf);
}

/* Was the armed failure used up?  (Disarms it either way.) */
static bool fail_nth_fired(void)
{
	long left = sys_read_long("/proc/thread-self/fail-nth");

	sys_write("/proc/thread-self/fail-nth", "0");
	return left == 0;
}

/*
 * Does the hm VMA part at @part (a hugepage of @s->guest) still work?
 * It keeps hm, MADV_SPLIT accepts it (hugetlb_hgm_eligible() wants the
 * vma lock), a new 4K CONTINUE maps piece @piece and it reads the data;
 * 0, or which of these failed.
 */
static int hm_part_works(struct hgm_setup *s, int uffd, size_t hp, size_t piece)
{
	unsigned char *part = s->guest + hp * HPAGE;
	int bad = 0;

	if (vma_flag_at(part, HGM_VMFLAG_MNEMONIC) != 1)
		bad |= 1;
	if (madvise(part, HPAGE, MADV_SPLIT))
		bad |= 2;
	if (uffd_continue(uffd, part + piece * PIECE, PIECE) != (long)PIECE)
		bad |= 4;
	else if (!pieces_match(s, hp * PIECES + piece, 1))
		bad |= 8;
	return bad;
}

static const char *hm_part_problem(int bad)
{
	if (bad & 1)
		return "hm flag lost";
	if (bad & 2)
		return "MADV_SPLIT refused (no vma lock)";
	if (bad & 4)
		return "4K CONTINUE failed";
	return "wrong data";
}

static bool write_segv(volatile unsigned char *p)
{
	return access_once(p, ACCESS_WRITE, NULL).sig == SIGSEGV;
}

/*
 * Item 3: mprotect of the middle hugepage of a 3-hugepage hm VMA splits it
 * twice; each split dups the VMA and allocates the new part's vma lock.
 * For every n, the n-th slab allocation of the mprotect fails: the call
 * fails cleanly (old protection everywhere) or succeeds, and every part is
 * still a working hm VMA with its lock.
 */
TEST_F(safety, vma_lock_allocation_failure_in_an_mprotect_split_leaves_working_hm_vmas)
{
	struct hgm_setup *s = &self->s;
	struct failslab *f = &self->failslab;
	const char *why;
	int n, failed = 0, broken = 0;
	bool fired = true;

	SETUP(3);
	why = failslab_init(f);
	if (why)
		SKIP(return, "%s", why);
	munmap(s->guest, s->len);
	for (n = 1; fired && n < 400 && !broken; n++) {
		size_t hp;
		int ret, e;

		s->guest = mmap(NULL, s->len, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
		ASSERT_NE(MAP_FAILED, s->guest);
		ASSERT_EQ(0, uffd_register_minor(s->uffd, s->guest, s->len));
		for (hp = 0; hp < 3; hp++)
			ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest + hp * HPAGE, PIECE));

		ASSERT_EQ(0, fail_nth_set((unsigned int)n));
		ret = mprotect(s->guest + HPAGE, HPAGE, PROT_READ);
		e = errno;
		fired = fail_nth_fired();
		if (ret) {
			failed++;
			EXPECT_EQ(ENOMEM, e);
			/* the old protection is intact */
			EXPECT_FALSE(write_segv(s->guest + HPAGE));
		} else {
			EXPECT_TRUE(write_segv(s->guest + HPAGE + 1));
		}
		for (hp = 0; hp < 3; hp++) {
			int bad = hm_part_works(s, s->uffd, hp, 10 + (size_t)n % 400);

			if (bad) {
				TH_LOG("fail-nth %d (mprotect %s): hugepage %zu: %s", n,
				       ret ? "failed" : "succeeded", hp, hm_part_problem(bad));
				broken++;
			}
		}
		munmap(s->guest, s->len);
		s->guest = NULL;
	}
	failslab_release(f);
	TH_LOG("%d injection points, %d made mprotect fail", n - 1, failed);
	EXPECT_FALSE(fired && !broken);	/* the loop reached the end of the allocations */
	EXPECT_EQ(0, broken);
}

/*
 * Item 3: the same for fork, whose dup of each VMA allocates its vma lock:
 * fork fails cleanly (ENOMEM, the parent's hm VMA unchanged), or the
 * child's hm VMAs all work.  The child's exit status is its verdict.
 */
TEST_F(safety, vma_lock_allocation_failure_in_fork_leaves_working_hm_vmas)
{
	struct hgm_setup *s = &self->s;
	struct failslab *f = &self->failslab;
	const char *why;
	int n, failed = 0, broken = 0;
	bool fired = true;

	SETUP(2);
	why = failslab_init(f);
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ((long)PIECE, uffd_continue(s->uffd, s->guest, PIECE));
	for (n = 1; fired && n < 3000 && !broken; n++) {
		int status, bad;
		pid_t pid;

		ASSERT_EQ(0, fail_nth_set((unsigned int)n));
		pid = fork();
		if (pid == 0) {
			int u;

			sys_write("/proc/thread-self/fail-nth", "0");
			u = uffd_open(HGM_FEATURES);
			if (u < 0 || uffd_register_minor(u, s->guest, s->len))
				_exit(64);
			bad = hm_part_works(s, u, 0, 1) | (hm_part_works(s, u, 1, 1) << 4);
			_exit(bad);
		}
		fired = fail_nth_fired();
		if (pid < 0) {
			failed++;
			EXPECT_EQ(ENOMEM, errno);
		} else {
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				bad = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
				TH_LOG("fail-nth %d: fork succeeded, child: %s (status %#x)", n,
				       bad == 64 ? "cannot register its hm VMA" :
				       bad >= 128 ? "killed" :
				       hm_part_problem(bad & 15 ? bad & 15 : bad >> 4), status);
				broken++;
			}
		}
		/* the parent's VMA either way */
		bad = hm_part_works(s, s->uffd, 1, 2 + (size_t)n % 500);
		if (bad && bad != 4) {	/* 4: piece already mapped by an earlier round */
			TH_LOG("fail-nth %d: parent: %s", n, hm_part_problem(bad));
			broken++;
		}
		if (madvise(s->guest + HPAGE, HPAGE, MADV_DONTNEED))
			broken++;
	}
	failslab_release(f);
	TH_LOG("%d injection points, %d made fork fail", n - 1, failed);
	EXPECT_FALSE(fired && !broken);
	EXPECT_EQ(0, broken);
	EXPECT_TRUE(pieces_match(s, 0, 1));
}

TEST_HARNESS_MAIN
