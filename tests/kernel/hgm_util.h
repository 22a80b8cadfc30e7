/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hgm_util.h - what the HGM kernel tests share (hgm_util.c): a memfd-backed 2 MiB hugetlb file
 * mapped twice (a plain "backing" mapping that fills it, and a "guest"
 * mapping registered for MINOR faults with HGM), UFFDIO_CONTINUE, and readers
 * of smaps, pagemap, kpagecount and the 2 MiB pool.
 *
 * Every test SKIPs with "kernel has no HGM" on a kernel whose UFFDIO_API
 * does not offer UFFD_FEATURE_MINOR_HUGETLBFS_HGM, and with a reason when it
 * lacks root or free hugepages.
 */
#ifndef TESTS_KERNEL_HGM_UTIL_H
#define TESTS_KERNEL_HGM_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/memfd.h>
#include <linux/userfaultfd.h>
#include <linux/hgm.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uapi-compat.h"
#ifndef HGM_NO_HARNESS	/* programs that are not tests */
#include "kselftest_harness.h"
#endif

#define KIB ((size_t)1024)
#define MIB (KIB * KIB)
#define HPAGE (2 * MIB)
#define PIECE ((size_t)4096)
#define PIECES (HPAGE / PIECE)

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 4U
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21U << 26)
#endif
#ifndef UFFD_FEATURE_MINOR_HUGETLBFS
#define UFFD_FEATURE_MINOR_HUGETLBFS (1 << 9)
#endif
#ifndef UFFDIO_REGISTER_MODE_MINOR
#define UFFDIO_REGISTER_MODE_MINOR ((__u64)1 << 2)
#endif
#ifndef UFFD_PAGEFAULT_FLAG_MINOR
#define UFFD_PAGEFAULT_FLAG_MINOR (1 << 2)
#endif

#define HGM_FEATURES (UFFD_FEATURE_MINOR_HUGETLBFS | UFFD_FEATURE_EXACT_ADDRESS | \
		      UFFD_FEATURE_MINOR_HUGETLBFS_HGM)

/* A userfaultfd with @features, or -errno. */
int uffd_open(uint64_t features);

/* Does the running kernel offer HGM through userfaultfd? */
bool kernel_has_hgm(void);

int uffd_register_minor(int uffd, void *addr, size_t len);

/* UFFDIO_CONTINUE of [addr, addr + len): bytes mapped, or -errno. */
long uffd_continue(int uffd, void *addr, size_t len);

/* The free 2 MiB hugepages of the pool, or -1. */
long free_hugepages(void);

/*
 * The value in kB of smaps field @key for the VMA of @pid that starts at
 * @start, or -1; with @key "VmFlags" it returns 1 if the flags hold @flag.
 */
long smaps_field(pid_t pid, void *start, const char *key, const char *flag);

#define SMAPS_KB(addr, key) smaps_field(getpid(), (addr), (key), NULL)
#define HAS_HM(addr) smaps_field(getpid(), (addr), "VmFlags", HGM_VMFLAG_MNEMONIC)

/* The pagemap entry of @addr in @pid, or 0 on error. */
uint64_t pagemap_entry(pid_t pid, void *addr);

#define PM_PRESENT(e) (((e) >> 63) & 1)
#define PM_PFN(e) ((e) & ((1ULL << 55) - 1))

/* /proc/kpagecount of @pfn, or -1. */
long kpagecount(uint64_t pfn);

/* The byte that the backing mapping holds in piece @i (and its copies). */
unsigned char pattern(size_t i);

/*
 * The shared state of one test: a hugetlb memfd of @nr hugepages, filled
 * through @backing; @guest maps the same file, registered on @uffd for MINOR
 * faults with HGM.
 */
struct hgm_setup {
	int memfd, uffd;
	size_t len;
	unsigned char *backing, *guest;
};

/* 0, or a reason to skip. */
const char *hgm_setup_init(struct hgm_setup *s, size_t nr, uint64_t features,
			   int guest_flags);

#ifndef HGM_NO_HARNESS
/* In a TEST_F: @nr shared hugepages mapped twice with HGM, or SKIP saying why. */
#define HGM_SETUP_OR_SKIP(s, nr) do { \
	const char *why = hgm_setup_init((s), (nr), HGM_FEATURES, MAP_SHARED); \
	if (why) \
		SKIP(return, "%s", why); \
} while (0)
#endif

void hgm_setup_release(struct hgm_setup *s);

#ifndef HGM_NO_HARNESS
/*
 * A fixture @name holding one struct hgm_setup (s, released at teardown)
 * and the free 2 MiB hugepages when the test began (free_before), with
 * HGM_SETUP_OR_SKIP(&self->s, nr) mapping nr hugepages.
 */
#define HGM_FIXTURE(name) \
	FIXTURE(name) { struct hgm_setup s; long free_before; }; \
	FIXTURE_SETUP(name) \
	{ \
		self->free_before = free_hugepages(); \
		memset(&self->s, 0, sizeof(self->s)); \
		self->s.memfd = self->s.uffd = -1; \
	} \
	FIXTURE_TEARDOWN(name) { hgm_setup_release(&self->s); }
#endif

/* Do the pieces [first, first + n) of @s->guest hold the backing's bytes? */
bool pieces_match(const struct hgm_setup *s, size_t first, size_t n);

/* A thread that reads one byte, so that the test can catch its fault. */
struct reader {
	pthread_t thread;
	volatile unsigned char *addr;
	unsigned char got;
};

void *reader_run(void *arg);

/*
 * Waits up to @ms for a fault message on @uffd: its address, or 0 if none
 * came (the MINOR flag must be set, else 1 is returned).
 */
uint64_t wait_minor_fault(int uffd, int ms);

#endif /* TESTS_KERNEL_HGM_UTIL_H */
