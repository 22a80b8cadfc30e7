// SPDX-License-Identifier: LGPL-2.1-or-later
/* ctx.c - the path context: every /proc and /sys access, re-rootable for recorded trees */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hgm-private.h"

struct hgm_ctx {
	int rootfd;	/* -1: the live "/" */
};

HGM_EXPORT int hgm_ctx_new(struct hgm_ctx **ctx, const char *root)
{
	struct hgm_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->rootfd = -1;
	if (root && strcmp(root, "/") != 0) {
		c->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c->rootfd < 0) {
			int ret = -errno;

			free(c);
			return ret;
		}
	}
	*ctx = c;
	return 0;
}

HGM_EXPORT void hgm_ctx_free(struct hgm_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->rootfd >= 0)
		close(ctx->rootfd);
	free(ctx);
}

HGM_EXPORT bool hgm_ctx_is_live(const struct hgm_ctx *ctx)
{
	return ctx->rootfd < 0;
}

HGM_EXPORT int hgm_ctx_open(const struct hgm_ctx *ctx, const char *path, int flags)
{
	int fd;

	if (ctx->rootfd < 0) {
		fd = open(path, flags | O_CLOEXEC);
	} else {
		while (*path == '/')
			path++;
		fd = openat(ctx->rootfd, path, flags | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

HGM_EXPORT ssize_t hgm_ctx_read(const struct hgm_ctx *ctx, const char *path, char *buf,
				size_t size)
{
	size_t len = 0;
	int fd = hgm_ctx_open(ctx, path, O_RDONLY);

	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n;

		if (len + 1 >= size) {
			char extra;

			/* full: fine only if the file ends exactly here */
			n = read(fd, &extra, 1);
			close(fd);
			if (n != 0)
				return n < 0 ? -errno : -EFBIG;
			break;
		}
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0) {
			close(fd);
			break;
		}
		len += n;
	}
	buf[len] = '\0';
	return len;
}

HGM_EXPORT int hgm_ctx_read_u64(const struct hgm_ctx *ctx, const char *path, uint64_t *val)
{
	char buf[64];
	const char *p = buf;
	ssize_t n = hgm_ctx_read(ctx, path, buf, sizeof(buf));
	int ret;

	if (n < 0)
		return n;
	ret = hgm_strtou64(&p, val);
	if (ret)
		return ret;
	while (*p == '\n' || *p == ' ')
		p++;
	return *p ? -EINVAL : 0;
}

HGM_EXPORT bool hgm_kpageflags_readable(const struct hgm_ctx *ctx)
{
	if (ctx->rootfd < 0)
		return access(HGM_KPAGEFLAGS_PATH, R_OK) == 0;
	return faccessat(ctx->rootfd, HGM_KPAGEFLAGS_PATH + 1, R_OK, 0) == 0;
}

void hgm_proc_path(char *buf, size_t size, pid_t pid, const char *what)
{
	if (pid > 0)
		snprintf(buf, size, "/proc/%d/%s", (int)pid, what);
	else
		snprintf(buf, size, "/proc/self/%s", what);
}

char *hgm_chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}
