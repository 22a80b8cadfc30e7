/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hgm.h - what the HGM kernel tests share: a memfd-backed 2 MiB hugetlb file
 * mapped twice (a plain "backing" mapping that fills it, and a "guest"
 * mapping registered for MINOR faults with HGM), UFFDIO_CONTINUE, and readers
 * of smaps, pagemap, kpagecount and the 2 MiB pool.
 *
 * Every test SKIPs with "kernel has no HGM" on a kernel whose UFFDIO_API
 * does not offer UFFD_FEATURE_MINOR_HUGETLBFS_HGM, and with a reason when it
 * lacks root or free hugepages.
 */
#ifndef TESTS_KERNEL_HGM_H
#define TESTS_KERNEL_HGM_H

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
static inline int uffd_open(uint64_t features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* Does the running kernel offer HGM through userfaultfd? */
static inline bool kernel_has_hgm(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = !ioctl(fd, UFFDIO_API, &api) &&
	     (api.features & UFFD_FEATURE_MINOR_HUGETLBFS_HGM);
	close(fd);
	return ok;
}

static inline int uffd_register_minor(int uffd, void *addr, size_t len)
{
	struct uffdio_register r = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MINOR,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &r) ? -errno : 0;
}

/* UFFDIO_CONTINUE of [addr, addr + len): bytes mapped, or -errno. */
static inline long uffd_continue(int uffd, void *addr, size_t len)
{
	struct uffdio_continue c = {
		.range = { .start = (uintptr_t)addr, .len = len },
	};

	if (ioctl(uffd, UFFDIO_CONTINUE, &c))
		return c.mapped > 0 ? c.mapped : -errno;
	return c.mapped;
}

/* The free 2 MiB hugepages of the pool, or -1. */
static inline long free_hugepages(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/*
 * The value in kB of smaps field @key for the VMA of @pid that starts at
 * @start, or -1; with @key "VmFlags" it returns 1 if the flags hold @flag.
 */
static inline long smaps_field(pid_t pid, void *start, const char *key, const char *flag)
{
	char path[64], line[512], want[32];
	bool in = false;
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	snprintf(want, sizeof(want), "%lx-", (unsigned long)start);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		size_t kl = strlen(key);
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2) {
			in = !strncmp(line, want, strlen(want));
			continue;
		}
		if (!in || strncmp(line, key, kl) || line[kl] != ':')
			continue;
		if (flag) {
			char *p;

			v = 0;
			for (p = strtok(line + kl + 1, " \n"); p; p = strtok(NULL, " \n"))
				if (!strcmp(p, flag))
					v = 1;
		} else {
			v = strtol(line + kl + 1, NULL, 10);
		}
		break;
	}
	fclose(f);
	return v;
}

#define SMAPS_KB(addr, key) smaps_field(getpid(), (addr), (key), NULL)
#define HAS_HM(addr) smaps_field(getpid(), (addr), "VmFlags", HGM_VMFLAG_MNEMONIC)

/* The pagemap entry of @addr in @pid, or 0 on error. */
static inline uint64_t pagemap_entry(pid_t pid, void *addr)
{
	char path[64];
	uint64_t e = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)addr / PIECE * sizeof(e))) != sizeof(e))
		e = 0;
	close(fd);
	return e;
}

#define PM_PRESENT(e) (((e) >> 63) & 1)
#define PM_PFN(e) ((e) & ((1ULL << 55) - 1))

/* /proc/kpagecount of @pfn, or -1. */
static inline long kpagecount(uint64_t pfn)
{
	uint64_t c;
	int fd = open("/proc/kpagecount", O_RDONLY);
	long r = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, &c, sizeof(c), (off_t)(pfn * sizeof(c))) == sizeof(c))
		r = (long)c;
	close(fd);
	return r;
}

/* The byte that the backing mapping holds in piece @i (and its copies). */
static inline unsigned char pattern(size_t i)
{
	return (unsigned char)(0x11 + i * 7);
}

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
static inline const char *hgm_setup_init(struct hgm_setup *s, size_t nr, uint64_t features,
					 int guest_flags)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->memfd = s->uffd = -1;
	if (!kernel_has_hgm())
		return "kernel has no HGM";
	if (free_hugepages() < (long)nr)
		return "not enough free 2 MiB hugepages";
	s->len = nr * HPAGE;
	s->memfd = memfd_create("hgm-test", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_2MB);
	if (s->memfd < 0 || ftruncate(s->memfd, (off_t)s->len))
		return "cannot create a 2 MiB hugetlb memfd";
	s->backing = mmap(NULL, s->len, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
	s->guest = mmap(NULL, s->len, PROT_READ | PROT_WRITE, guest_flags, s->memfd, 0);
	if (s->backing == MAP_FAILED || s->guest == MAP_FAILED)
		return "cannot map the hugetlb memfd";
	for (i = 0; i < s->len / PIECE; i++)
		memset(s->backing + i * PIECE, pattern(i), PIECE);
	s->uffd = uffd_open(features);
	if (s->uffd < 0)
		return "cannot open a userfaultfd with the requested features";
	if (uffd_register_minor(s->uffd, s->guest, s->len))
		return "cannot register the guest mapping for MINOR faults";
	return NULL;
}

#ifndef HGM_NO_HARNESS
/* In a TEST_F: @nr shared hugepages mapped twice with HGM, or SKIP saying why. */
#define HGM_SETUP_OR_SKIP(s, nr) do { \
	const char *why = hgm_setup_init((s), (nr), HGM_FEATURES, MAP_SHARED); \
	if (why) \
		SKIP(return, "%s", why); \
} while (0)
#endif

static inline void hgm_setup_release(struct hgm_setup *s)
{
	if (s->guest && s->guest != MAP_FAILED)
		munmap(s->guest, s->len);
	if (s->backing && s->backing != MAP_FAILED)
		munmap(s->backing, s->len);
	if (s->uffd >= 0)
		close(s->uffd);
	if (s->memfd >= 0)
		close(s->memfd);
	memset(s, 0, sizeof(*s));
}

/* Do the pieces [first, first + n) of @s->guest hold the backing's bytes? */
static inline bool pieces_match(const struct hgm_setup *s, size_t first, size_t n)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (memcmp(s->guest + i * PIECE, s->backing + i * PIECE, PIECE) ||
		    s->guest[i * PIECE] != pattern(i))
			return false;
	return true;
}

/* A thread that reads one byte, so that the test can catch its fault. */
struct reader {
	pthread_t thread;
	volatile unsigned char *addr;
	unsigned char got;
};

static inline void *reader_run(void *arg)
{
	struct reader *r = arg;

	r->got = *r->addr;
	return NULL;
}

/*
 * Waits up to @ms for a fault message on @uffd: its address, or 0 if none
 * came (the MINOR flag must be set, else 1 is returned).
 */
static inline uint64_t wait_minor_fault(int uffd, int ms)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, ms) != 1)
		return 0;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT)
		return 0;
	if (!(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_MINOR))
		return 1;
	return msg.arg.pagefault.address;
}

#endif /* TESTS_KERNEL_HGM_H */
