// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gup_batch_test.c - GUP-fast takes a run of a PTE-mapped large folio with
 * one grab (kernel/series patch 15): for a THP split to PTE mappings and for
 * 64 KiB mTHP folios, the pages a fast long-term pin returns are the pages
 * mapped at each address (their data read back through the pin matches),
 * the pin is counted once per page, and a read-only pin never takes a page
 * of the folio that is not exclusive to the process (it must be unshared
 * first: a later write would otherwise leave the pin on the old copy).
 *
 * The pins go through the kernel's gup_test (CONFIG_GUP_TEST, debugfs), as
 * the upstream cow and gup_longterm selftests do.  Runs in the test guest as
 * root; SKIPs without gup_test, THP or the mTHP sysfs knobs.  THP settings
 * it changes are put back in the teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/types.h>

#include "kselftest_harness.h"
#include "hgm_sys.h"

/* mm/gup_test.h of the 6.12 source (not installed): the long-term pin test */
struct pin_longterm_test {
	__u64 addr;
	__u64 size;
	__u32 flags;
};
#define PIN_LONGTERM_TEST_START		_IOW('g', 7, struct pin_longterm_test)
#define PIN_LONGTERM_TEST_STOP		_IO('g', 8)
#define PIN_LONGTERM_TEST_READ		_IOW('g', 9, __u64)
#define PIN_LONGTERM_TEST_FLAG_USE_WRITE	1
#define PIN_LONGTERM_TEST_FLAG_USE_FAST		2

#define GUP_TEST "/sys/kernel/debug/gup_test"
#define THP_DIR "/sys/kernel/mm/transparent_hugepage"
#define MB (1UL << 20)
#define PMD_SZ (2 * MB)
#define NPAGES_2M 512

#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16
#define KPF_THP			22

static long page_size;

/* Every 4 KiB page of @p says which page it is and which generation. */
static void fill(char *p, size_t size, unsigned char gen)
{
	size_t off;

	for (off = 0; off < size; off += page_size) {
		memset(p + off, gen, page_size);
		*(uint64_t *)(p + off) = off / page_size;
	}
}

/* Index of the first page of @buf that differs from fill(@gen), or -1. */
static long first_mismatch(const char *buf, size_t size, unsigned char gen)
{
	static char want[65536];
	size_t off;

	for (off = 0; off < size; off += page_size) {
		memset(want, gen, page_size);
		*(uint64_t *)want = off / page_size;
		if (memcmp(buf + off, want, page_size))
			return (long)(off / page_size);
	}
	return -1;
}

/* The PFN at @addr (0: not present), from /proc/self/pagemap (root). */
static uint64_t pfn_of(const void *addr)
{
	uint64_t e = pagemap_entry(getpid(), (void *)addr);

	return PM_PRESENT(e) ? PM_PFN(e) : 0;
}

static uint64_t kpageflags(uint64_t pfn)
{
	uint64_t f = 0;
	int fd = open("/proc/kpageflags", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &f, 8, (off_t)(pfn * 8)) != 8)
		f = 0;
	close(fd);
	return f;
}

/* Bytes of AnonHugePages (PMD-mapped THP) in the VMA that holds @addr. */
static long anon_huge_kb(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long start, end;
	char line[256];
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)addr >= start && (uintptr_t)addr < end;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static long vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[64];
	long v, ret = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name)) {
			ret = v;
			break;
		}
	fclose(f);
	return ret;
}

/* The selected word of a THP sysfs setting ("always [madvise] never" -> "madvise"). */
static int thp_setting(const char *path, char *out, size_t n)
{
	char buf[128], *a, *b;

	if (sys_read(path, buf, sizeof(buf)))
		return -1;
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!a || !b || (size_t)(b - a) >= n)
		return -1;
	memcpy(out, a + 1, b - a - 1);
	out[b - a - 1] = 0;
	return 0;
}

FIXTURE(gup) {
	int fd;			/* gup_test */
	char *map;		/* the mmap() */
	char *mem;		/* 2 MiB aligned inside it */
	char *buf;		/* what the pin reads back */
	bool pinned;
	/* THP settings changed, and their old values */
	char saved_path[2][160];
	char saved_val[2][32];
	int nsaved;
};

FIXTURE_SETUP(gup)
{
	page_size = sysconf(_SC_PAGESIZE);
	self->fd = open(GUP_TEST, O_RDWR);
	if (self->fd < 0)
		SKIP(return, "no %s (CONFIG_GUP_TEST, debugfs): %s", GUP_TEST, strerror(errno));
	self->map = mmap(NULL, 2 * PMD_SZ, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	self->mem = (char *)(((uintptr_t)self->map + PMD_SZ - 1) & ~(PMD_SZ - 1));
	self->buf = malloc(PMD_SZ);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(gup)
{
	int i;

	if (self->pinned)
		ioctl(self->fd, PIN_LONGTERM_TEST_STOP);
	for (i = self->nsaved - 1; i >= 0; i--)
		sys_write(self->saved_path[i], self->saved_val[i]);
	if (self->map && self->map != MAP_FAILED)
		munmap(self->map, 2 * PMD_SZ);
	free(self->buf);
	if (self->fd >= 0)
		close(self->fd);
}

/* Sets THP knob @path to @val, remembering the old value for the teardown. */
static int set_thp(FIXTURE_DATA(gup) *self, const char *path, const char *val)
{
	int i = self->nsaved;

	if (i >= 2 || thp_setting(path, self->saved_val[i], sizeof(self->saved_val[i])))
		return -1;
	snprintf(self->saved_path[i], sizeof(self->saved_path[i]), "%s", path);
	self->nsaved++;
	return sys_write(path, val);
}

/*
 * Makes self->mem one anonymous THP mapped by 512 PTEs: faulted as a PMD
 * leaf, then a 4 KiB mprotect() round trip splits the PMD (not the folio).
 * Returns 0, or a reason to skip.
 */
static const char *thp_pte_mapped(FIXTURE_DATA(gup) *self)
{
	uint64_t pfn0;
	int i;

	if (madvise(self->mem, PMD_SZ, MADV_HUGEPAGE))
		return "MADV_HUGEPAGE fails: no THP";
	fill(self->mem, PMD_SZ, 0xa1);
	if (anon_huge_kb(self->mem) < 2048)
		return "the first touch did not give a PMD-mapped THP";
	if (mprotect(self->mem + 7 * page_size, page_size, PROT_READ) ||
	    mprotect(self->mem + 7 * page_size, page_size, PROT_READ | PROT_WRITE))
		return "mprotect fails";
	if (anon_huge_kb(self->mem) != 0)
		return "the PMD was not split by mprotect";
	pfn0 = pfn_of(self->mem);
	for (i = 0; i < NPAGES_2M; i++)
		if (!pfn0 || pfn_of(self->mem + i * page_size) != pfn0 + i)
			return "the split THP's pages are not contiguous any more";
	if (!(kpageflags(pfn0) & (1ULL << KPF_THP)))
		return "kpageflags does not show the folio as THP";
	return NULL;
}

/* Pins [mem, mem + size) fast, reads it back into buf: 0 or -errno. */
static int pin_and_read(FIXTURE_DATA(gup) *self, size_t size, bool write)
{
	struct pin_longterm_test args = {
		.addr = (uintptr_t)self->mem, .size = size,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_FAST |
			 (write ? PIN_LONGTERM_TEST_FLAG_USE_WRITE : 0),
	};
	__u64 dst = (uintptr_t)self->buf;

	if (ioctl(self->fd, PIN_LONGTERM_TEST_START, &args))
		return -errno;
	self->pinned = true;
	if (ioctl(self->fd, PIN_LONGTERM_TEST_READ, &dst))
		return -errno;
	return 0;
}

static void unpin(FIXTURE_DATA(gup) *self)
{
	ioctl(self->fd, PIN_LONGTERM_TEST_STOP);
	self->pinned = false;
}

/* A fast pin of a PTE-mapped THP returns each address's own page, once counted. */
TEST_F(gup, pin_of_pte_mapped_thp_returns_each_page)
{
	long acq, rel, bad;
	const char *why;
	int w;

	why = thp_pte_mapped(self);
	if (why)
		SKIP(return, "%s", why);
	for (w = 0; w <= 1; w++) {
		acq = vmstat("nr_foll_pin_acquired");
		rel = vmstat("nr_foll_pin_released");
		memset(self->buf, 0, PMD_SZ);
		ASSERT_EQ(0, pin_and_read(self, PMD_SZ, w));
		bad = first_mismatch(self->buf, PMD_SZ, 0xa1);
		ASSERT_EQ(-1, bad) TH_LOG("%s pin: page %ld read through the pin is not the page "
					  "mapped there", w ? "write" : "read", bad);
		EXPECT_EQ(NPAGES_2M, vmstat("nr_foll_pin_acquired") - acq);
		unpin(self);
		EXPECT_EQ(NPAGES_2M, vmstat("nr_foll_pin_released") - rel);
	}
	/* a pin starting and ending inside the folio */
	self->mem += 3 * page_size;
	memset(self->buf, 0, PMD_SZ);
	ASSERT_EQ(0, pin_and_read(self, 100 * page_size, true));
	self->mem -= 3 * page_size;
	for (w = 0; w < 100; w++)
		ASSERT_EQ((uint64_t)(w + 3), *(uint64_t *)(self->buf + w * page_size));
	unpin(self);
}

/* The same for 64 KiB mTHP folios, which are PTE-mapped from the start. */
TEST_F(gup, pin_of_mthp_folios_returns_each_page)
{
	char old[32];
	uint64_t pfn0;
	long acq, bad;
	int i;

	if (access(THP_DIR "/hugepages-64kB/enabled", W_OK) ||
	    thp_setting(THP_DIR "/hugepages-2048kB/enabled", old, sizeof(old)))
		SKIP(return, "no 64 KiB mTHP setting in sysfs");
	ASSERT_EQ(0, set_thp(self, THP_DIR "/hugepages-2048kB/enabled", "never"));
	ASSERT_EQ(0, set_thp(self, THP_DIR "/hugepages-64kB/enabled", "always"));
	ASSERT_EQ(0, madvise(self->mem, PMD_SZ, MADV_HUGEPAGE));
	fill(self->mem, PMD_SZ, 0xb2);
	pfn0 = pfn_of(self->mem);
	if (!(kpageflags(pfn0) & (1ULL << KPF_COMPOUND_HEAD)))
		SKIP(return, "the first touch did not give a 64 KiB folio");
	for (i = 1; i < 16; i++)
		if (pfn_of(self->mem + i * page_size) != pfn0 + i ||
		    !(kpageflags(pfn0 + i) & (1ULL << KPF_COMPOUND_TAIL)))
			SKIP(return, "page %d is not in the first 64 KiB folio", i);
	acq = vmstat("nr_foll_pin_acquired");
	memset(self->buf, 0, PMD_SZ);
	ASSERT_EQ(0, pin_and_read(self, PMD_SZ, true));
	bad = first_mismatch(self->buf, PMD_SZ, 0xb2);
	ASSERT_EQ(-1, bad) TH_LOG("page %ld read through the pin is not the page mapped there", bad);
	EXPECT_EQ(NPAGES_2M, vmstat("nr_foll_pin_acquired") - acq);
	unpin(self);
}

/*
 * A read-only pin over a folio whose first half is exclusive to us and
 * whose second half is still shared with a child that has gone: every PTE
 * is read-only and alike, so a batch could run from the exclusive pages
 * into the shared ones.  The pin must unshare those first: after the parent
 * writes new data, the pin reads the new data, not the old copy.
 */
TEST_F(gup, read_only_pin_never_takes_a_shared_page)
{
	const char *why;
	long bad;
	pid_t pid;
	int st;

	why = thp_pte_mapped(self);
	if (why)
		SKIP(return, "%s", why);
	/* the first half is never shared with the child */
	ASSERT_EQ(0, madvise(self->mem, PMD_SZ / 2, MADV_DONTFORK));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, mprotect(self->mem, PMD_SZ, PROT_READ));
	ASSERT_EQ(0, pin_and_read(self, PMD_SZ, false));
	ASSERT_EQ(-1, first_mismatch(self->buf, PMD_SZ, 0xa1));
	ASSERT_EQ(0, mprotect(self->mem, PMD_SZ, PROT_READ | PROT_WRITE));
	fill(self->mem, PMD_SZ, 0xc3);
	ASSERT_EQ(0, ioctl(self->fd, PIN_LONGTERM_TEST_READ, &(__u64){ (uintptr_t)self->buf }));
	bad = first_mismatch(self->buf, PMD_SZ, 0xc3);
	ASSERT_EQ(-1, bad) TH_LOG("page %ld: the pin kept a page the process no longer maps "
				  "(a shared page was pinned without unsharing it)", bad);
	unpin(self);
}

TEST_HARNESS_MAIN
