// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * uffd.c - userfaultfd: which ways of opening one this caller has, feature
 * negotiation, MINOR registration, UFFDIO_CONTINUE and reading fault events
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hgm-private.h"

#ifndef UFFD_FEATURE_THREAD_ID
#define UFFD_FEATURE_THREAD_ID		(1 << 8)
#endif
#ifndef UFFDIO_CONTINUE_MODE_DONTWAKE
#define UFFDIO_CONTINUE_MODE_DONTWAKE	((__u64)1 << 0)
#endif

static const char *const way_names[HGM_UFFD_NR_WAYS] = {
	[HGM_UFFD_SYSCALL] = "syscall",
	[HGM_UFFD_USER_MODE_ONLY] = "user_mode_only",
	[HGM_UFFD_DEV] = "dev_userfaultfd",
};

HGM_EXPORT const char *hgm_uffd_way_name(enum hgm_uffd_way w)
{
	return w < HGM_UFFD_NR_WAYS ? way_names[w] : NULL;
}

/* _UFFDIO_* numbers are the bit positions in uffdio_api/uffdio_register.ioctls */
static const char *const ioctl_names[64] = {
	[0x00] = "register", [0x01] = "unregister", [0x02] = "wake", [0x03] = "copy",
	[0x04] = "zeropage", [0x05] = "move", [0x06] = "writeprotect", [0x07] = "continue",
	[0x08] = "poison", [0x3f] = "api",
};

HGM_EXPORT const char *hgm_uffd_ioctl_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(ioctl_names) ? ioctl_names[bit] : NULL;
}

/* Opens a userfaultfd by one way; returns the fd or -errno. */
static int open_way(enum hgm_uffd_way way, int flags)
{
	int fd, dev;

	switch (way) {
	case HGM_UFFD_SYSCALL:
		fd = syscall(SYS_userfaultfd, flags);
		return fd < 0 ? -errno : fd;
	case HGM_UFFD_USER_MODE_ONLY:
		fd = syscall(SYS_userfaultfd, flags | UFFD_USER_MODE_ONLY);
		return fd < 0 ? -errno : fd;
	case HGM_UFFD_DEV:
		dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
		if (dev < 0)
			return -errno;
		fd = ioctl(dev, USERFAULTFD_IOC_NEW, flags);
		if (fd < 0)
			fd = -errno;
		close(dev);
		return fd;
	default:
		return -EINVAL;
	}
}

int hgm_uffd_open_any(int flags, enum hgm_uffd_way *how)
{
	int fd, first = 0;
	unsigned int w;

	/*
	 * The plain syscall first: it handles kernel-mode faults too.  Its
	 * error is the one worth reporting (EPERM under the sysctl, ENOSYS).
	 */
	for (w = 0; w < HGM_UFFD_NR_WAYS; w++) {
		fd = open_way(w, flags);
		if (fd >= 0) {
			if (how)
				*how = w;
			return fd;
		}
		if (w == HGM_UFFD_SYSCALL) {
			first = fd;
			if (fd == -ENOSYS)
				return fd;
		}
	}
	return first;
}

/* Returns the features UFFDIO_API offers on a fresh context, or -errno. */
static int api_offer(int fd, uint64_t *features, uint64_t *ioctls)
{
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };

	if (ioctl(fd, UFFDIO_API, &api))
		return -errno;
	*features = api.features;
	*ioctls = api.ioctls;
	return 0;
}

static int probe(const struct hgm_ctx *ctx, struct hgm_uffd_info *info)
{
	uint64_t v;
	unsigned int w;
	int fd, ret;

	info->unprivileged = HGM_UNKNOWN;
	info->features = info->ioctls = HGM_UNKNOWN;
	for (w = 0; w < HGM_UFFD_MAX_WAYS; w++)
		info->error[w] = HGM_UNKNOWN;
	if (hgm_ctx_read_u64(ctx, "/proc/sys/vm/unprivileged_userfaultfd", &v) == 0)
		info->unprivileged = v > 1 ? 1 : (int)v;
	fd = hgm_ctx_open(ctx, "/dev/userfaultfd", O_PATH);
	if (fd >= 0) {
		info->dev_exists = true;
		close(fd);
	}
	if (!hgm_ctx_is_live(ctx))
		return -EOPNOTSUPP;	/* opening would probe this machine, not the tree */
	info->probed = true;
	for (w = 0; w < HGM_UFFD_NR_WAYS; w++) {
		fd = open_way(w, O_CLOEXEC | O_NONBLOCK);
		info->error[w] = fd < 0 ? -fd : 0;
		if (fd < 0)
			continue;
		if (!HGM_KNOWN(info->features)) {
			ret = api_offer(fd, &info->features, &info->ioctls);
			if (ret == 0)
				info->api_errno = 0;
			else
				info->api_errno = -ret;
		}
		close(fd);
	}
	return 0;
}

HGM_EXPORT int hgm_uffd_probe(const struct hgm_ctx *ctx, struct hgm_uffd_info *info)
{
	struct hgm_uffd_info full = { .size = sizeof(full) };
	int ret;

	if (!hgm_sized_ok(info))
		return -EINVAL;
	ret = probe(ctx, &full);
	hgm_copy_sized(info, &full, sizeof(full));
	return ret;
}

HGM_EXPORT int hgm_uffd_open(uint64_t features, uint64_t *offered, enum hgm_uffd_way *how)
{
	struct uffdio_api api = { .api = UFFD_API };
	uint64_t have = 0, ioctls = 0;
	int fd, ret;

	/*
	 * UFFDIO_API may be called once per context, and a refused request
	 * leaves it unusable: ask a throwaway context what is offered first.
	 */
	fd = hgm_uffd_open_any(O_CLOEXEC | O_NONBLOCK, NULL);
	if (fd < 0)
		return fd;
	ret = api_offer(fd, &have, &ioctls);
	close(fd);
	if (ret)
		return ret;
	if (offered)
		*offered = have;
	if (features & ~have)
		return -EOPNOTSUPP;
	fd = hgm_uffd_open_any(O_CLOEXEC | O_NONBLOCK, how);
	if (fd < 0)
		return fd;
	api.features = features;
	if (ioctl(fd, UFFDIO_API, &api)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

HGM_EXPORT int hgm_uffd_register_minor(int fd, void *addr, size_t len, uint64_t *ioctls)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MINOR,
	};

	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		return -errno;
	if (ioctls)
		*ioctls = reg.ioctls;
	return 0;
}

HGM_EXPORT int hgm_uffd_continue(int fd, void *addr, size_t len)
{
	uint64_t start = (uintptr_t)addr, end = start + len;
	int tries = 0;

	while (start < end) {
		struct uffdio_continue c = {
			.range = { .start = start, .len = end - start },
		};

		if (ioctl(fd, UFFDIO_CONTINUE, &c) == 0)
			return 0;
		/* EAGAIN: part was mapped (c.mapped bytes) or the mm changed; go on */
		if (errno != EAGAIN)
			return -errno;
		if (c.mapped > 0)
			start += (uint64_t)c.mapped;
		else if (++tries > 1000)
			return -EAGAIN;
	}
	return 0;
}

HGM_EXPORT int hgm_uffd_wake(int fd, void *addr, size_t len)
{
	struct uffdio_range r = { .start = (uintptr_t)addr, .len = len };

	return ioctl(fd, UFFDIO_WAKE, &r) ? -errno : 0;
}

HGM_EXPORT int hgm_uffd_read_faults(int fd, struct hgm_uffd_fault *faults, size_t n,
				    int timeout_ms)
{
	struct uffd_msg msg[32];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t got;
	size_t i, nr = 0;
	int ret;

	if (n > ARRAY_SIZE(msg))
		n = ARRAY_SIZE(msg);
	ret = poll(&p, 1, timeout_ms);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	if (ret == 0)
		return 0;
	if (p.revents & (POLLERR | POLLHUP))
		return -EPIPE;
	got = read(fd, msg, n * sizeof(msg[0]));
	if (got < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	for (i = 0; i < (size_t)got / sizeof(msg[0]); i++) {
		if (msg[i].event != UFFD_EVENT_PAGEFAULT)
			continue;	/* only fault events are enabled; others are not ours */
		faults[nr].addr = msg[i].arg.pagefault.address;
		faults[nr].flags = msg[i].arg.pagefault.flags;
		faults[nr].tid = msg[i].arg.pagefault.feat.ptid;
		nr++;
	}
	return (int)nr;
}
