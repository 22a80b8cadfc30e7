// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gup.c - the kernel's GUP test device (CONFIG_GUP_TEST, debugfs gup_test),
 * and mapping a shared hugetlb range in 4 KiB pieces on an HGM kernel
 *
 * gup_test takes a user range and gets or pins all its pages, a given number
 * per call, through the fast (lockless) or the slow (mmap_lock) path, then
 * puts or unpins them, and reports both durations in microseconds.  Its ABI
 * (mm/gup_test.h) is written out here: the header is not exported to users.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/types.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hgm-private.h"

#define GUP_TEST_PATH		"/sys/kernel/debug/gup_test"
#define GUP_TEST_MAX_PAGES_TO_DUMP	8

struct gup_test {
	__u64 get_delta_usec;
	__u64 put_delta_usec;
	__u64 addr;
	__u64 size;
	__u32 nr_pages_per_call;
	__u32 gup_flags;
	__u32 test_flags;
	__u32 which_pages[GUP_TEST_MAX_PAGES_TO_DUMP];
};

#define GUP_FAST_BENCHMARK	_IOWR('g', 1, struct gup_test)
#define PIN_FAST_BENCHMARK	_IOWR('g', 2, struct gup_test)
#define PIN_LONGTERM_BENCHMARK	_IOWR('g', 3, struct gup_test)
#define GUP_BASIC_TEST		_IOWR('g', 4, struct gup_test)
#define PIN_BASIC_TEST		_IOWR('g', 5, struct gup_test)

#define GUP_FOLL_WRITE		0x01	/* FOLL_WRITE of include/linux/mm_types.h */

static const struct {
	const char *name;
	unsigned long req;
} gup_ops[HGM_NR_GUP_OPS] = {
	[HGM_GUP_GET_FAST] = { "get_fast", GUP_FAST_BENCHMARK },
	[HGM_GUP_PIN_FAST] = { "pin_fast", PIN_FAST_BENCHMARK },
	[HGM_GUP_GET] = { "get", GUP_BASIC_TEST },
	[HGM_GUP_PIN] = { "pin", PIN_BASIC_TEST },
	[HGM_GUP_PIN_LONGTERM] = { "pin_longterm", PIN_LONGTERM_BENCHMARK },
};

HGM_EXPORT const char *hgm_gup_op_name(enum hgm_gup_op op)
{
	return op < HGM_NR_GUP_OPS ? gup_ops[op].name : NULL;
}

HGM_EXPORT int hgm_gup_test_open(const struct hgm_ctx *ctx)
{
	int fd = hgm_ctx_open(ctx, GUP_TEST_PATH, O_RDWR);
	struct dirent *de;
	bool empty = true;
	DIR *d;

	if (fd >= 0 || fd != -ENOENT)
		return fd;
	/* "no debugfs mounted" (an empty mount point) or "no CONFIG_GUP_TEST" */
	fd = hgm_ctx_open(ctx, "/sys/kernel/debug", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -ENODEV;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOENT;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	return empty ? -ENODEV : -ENOENT;
}

HGM_EXPORT int hgm_gup_test_run(int fd, enum hgm_gup_op op, void *addr, uint64_t size,
				unsigned int pages_per_call, bool write, struct hgm_gup_result *r)
{
	struct gup_test t = {
		.addr = (uintptr_t)addr,
		.size = size,
		.nr_pages_per_call = pages_per_call,
		.gup_flags = write ? GUP_FOLL_WRITE : 0,
	};

	if (op >= HGM_NR_GUP_OPS || !pages_per_call || !size)
		return -EINVAL;
	if (ioctl(fd, gup_ops[op].req, &t))
		return -errno;
	r->get_usec = t.get_delta_usec;
	r->put_usec = t.put_delta_usec;
	r->size = t.size;	/* what the kernel got through: less if it stopped early */
	return 0;
}

/* ---- HGM: a shared hugetlb range mapped in 4 KiB pieces ------------------- */

HGM_EXPORT int hgm_map_pieces(void *addr, uint64_t len, uint64_t piece)
{
	uint64_t off;
	int fd, ret;

	if (!piece || len % piece || (uintptr_t)addr % piece)
		return -EINVAL;
	/* -EOPNOTSUPP: a kernel without HGM does not offer the feature */
	fd = hgm_uffd_open(UFFD_FEATURE_MINOR_HUGETLBFS_HGM | UFFD_FEATURE_EXACT_ADDRESS,
			   NULL, NULL);
	if (fd < 0)
		return fd;
	ret = hgm_uffd_register_minor(fd, addr, len, NULL);
	for (off = 0; !ret && off < len; off += piece) {
		ret = hgm_uffd_continue(fd, (char *)addr + off, piece);
		/* already mapped (e.g. by a fault before registration) */
		if (ret == -EEXIST)
			ret = 0;
	}
	/* closing unregisters; the VMA keeps HGM and the pieces stay mapped */
	close(fd);
	return ret;
}
