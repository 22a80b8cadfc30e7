// SPDX-License-Identifier: LGPL-2.1-or-later
/* features.c - what the running kernel supports, found by probing, never by version number */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hgm-private.h"

static const char *const feature_names[HGM_NR_FEATURES] = {
	[HGM_FEAT_HGM] = "hgm",
	[HGM_FEAT_MADV_SPLIT] = "madv_split",
	[HGM_FEAT_MADV_COLLAPSE] = "madv_collapse",
	[HGM_FEAT_PROCESS_MADVISE] = "process_madvise",
	[HGM_FEAT_PAGEMAP_SCAN] = "pagemap_scan",
	[HGM_FEAT_PROCMAP_QUERY] = "procmap_query",
	[HGM_FEAT_USERFAULTFD] = "userfaultfd",
	[HGM_FEAT_HUGETLB] = "hugetlb",
	[HGM_FEAT_THP] = "thp",
	[HGM_FEAT_KPAGEFLAGS] = "kpageflags",
};

HGM_EXPORT const char *hgm_feature_name(enum hgm_feature x)
{
	return x < HGM_NR_FEATURES ? feature_names[x] : NULL;
}

static const char *const uffd_feature_names[] = {
	"pagefault_flag_wp", "event_fork", "event_remap", "event_remove",
	"missing_hugetlbfs", "missing_shmem", "event_unmap", "sigbus",
	"thread_id", "minor_hugetlbfs", "minor_shmem", "exact_address",
	"wp_hugetlbfs_shmem", "wp_unpopulated", "poison", "wp_async", "move",
};

HGM_EXPORT const char *hgm_uffd_feature_name(unsigned int bit)
{
	if ((UINT64_C(1) << bit) == UFFD_FEATURE_MINOR_HUGETLBFS_HGM)
		return "minor_hugetlbfs_hgm";
	return bit < ARRAY_SIZE(uffd_feature_names) ? uffd_feature_names[bit] : NULL;
}

static bool path_exists(const struct hgm_ctx *ctx, const char *path)
{
	int fd = hgm_ctx_open(ctx, path, O_PATH);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * madvise() validates the advice before looking at the range, and returns 0
 * for an empty range: so a zero-length call tells whether advice is known.
 */
static bool madvise_known(int advice)
{
	static char page[1] __attribute__((aligned(65536)));

	return madvise(page, 0, advice) == 0;
}

/* An ioctl the file does not implement fails with ENOTTY; anything else means it exists. */
static bool proc_ioctl_known(const char *path, unsigned long req, void *arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool known;

	if (fd < 0)
		return false;
	known = ioctl(fd, req, arg) == 0 || errno != ENOTTY;
	close(fd);
	return known;
}

static void probe_uffd(struct hgm_features *f)
{
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	int fd = hgm_uffd_open_any(O_CLOEXEC | O_NONBLOCK, NULL);

	if (fd < 0) {
		f->uffd_errno = -fd;
		return;
	}
	f->have |= UINT64_C(1) << HGM_FEAT_USERFAULTFD;
	if (ioctl(fd, UFFDIO_API, &api) == 0) {
		f->uffd_features = api.features;
		f->uffd_ioctls = api.ioctls;
		if (api.features & UFFD_FEATURE_MINOR_HUGETLBFS_HGM)
			f->have |= UINT64_C(1) << HGM_FEAT_HGM;
	} else {
		f->uffd_errno = errno;
	}
	close(fd);
}

static int probe(const struct hgm_ctx *ctx, struct hgm_features *f)
{
	f->uffd_features = f->uffd_ioctls = HGM_UNKNOWN;

	if (path_exists(ctx, "/sys/kernel/mm/hugepages"))
		f->have |= UINT64_C(1) << HGM_FEAT_HUGETLB;
	if (path_exists(ctx, "/sys/kernel/mm/transparent_hugepage"))
		f->have |= UINT64_C(1) << HGM_FEAT_THP;
	if (path_exists(ctx, "/proc/kpageflags"))
		f->have |= UINT64_C(1) << HGM_FEAT_KPAGEFLAGS;

	if (!hgm_ctx_is_live(ctx)) {
		ssize_t n = hgm_ctx_read(ctx, "/proc/sys/kernel/osrelease", f->release,
					 sizeof(f->release));

		if (n < 0)
			f->release[0] = '\0';
		hgm_chomp(f->release);
		return 0;	/* a recorded tree: syscalls would probe this machine */
	}
	{
		struct utsname u;

		if (uname(&u) == 0)
			snprintf(f->release, sizeof(f->release), "%s", u.release);
	}
	f->probed = true;
	if (madvise_known(MADV_COLLAPSE))
		f->have |= UINT64_C(1) << HGM_FEAT_MADV_COLLAPSE;
	if (madvise_known(MADV_SPLIT))
		f->have |= UINT64_C(1) << HGM_FEAT_MADV_SPLIT;
	if (syscall(SYS_process_madvise, -1, NULL, 0, 0, 0) < 0 && errno != ENOSYS)
		f->have |= UINT64_C(1) << HGM_FEAT_PROCESS_MADVISE;
	{
		struct pm_scan_arg arg = { .size = sizeof(arg) };

		if (proc_ioctl_known("/proc/self/pagemap", PAGEMAP_SCAN, &arg))
			f->have |= UINT64_C(1) << HGM_FEAT_PAGEMAP_SCAN;
	}
	{
		struct procmap_query q = { .size = sizeof(q), .query_addr = (uintptr_t)f };

		if (proc_ioctl_known("/proc/self/maps", PROCMAP_QUERY, &q))
			f->have |= UINT64_C(1) << HGM_FEAT_PROCMAP_QUERY;
	}
	probe_uffd(f);
	return 0;
}

HGM_EXPORT int hgm_features_probe(const struct hgm_ctx *ctx, struct hgm_features *f)
{
	struct hgm_features full = { .size = sizeof(full) };
	int ret;

	if (!hgm_sized_ok(f))
		return -EINVAL;
	ret = probe(ctx, &full);
	hgm_copy_sized(f, &full, sizeof(full));
	return ret;
}
