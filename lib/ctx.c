// SPDX-License-Identifier: LGPL-2.1-or-later
/* ctx.c - the path context: every /proc and /sys access, re-rootable for recorded trees */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hgm-private.h"

#define CTX_ERR_MAX	512

struct hgm_ctx {
	int rootfd;	/* -1: the live "/" */
	char *root;	/* as given, for messages ("" live) */
	char *err;	/* the last refusal (CTX_ERR_MAX bytes, "" none): a const ctx writes it */
	char *failed;	/* ROOT/PATH of the last file that failed (CTX_ERR_MAX bytes, "" none) */
};

/* Notes @path as the file the error on its way out comes from. */
static void ctx_failed(const struct hgm_ctx *ctx, const char *path)
{
	snprintf(ctx->failed, CTX_ERR_MAX, "%s%s", ctx->root, path);
}

HGM_EXPORT const char *hgm_ctx_failed_path(const struct hgm_ctx *ctx)
{
	return ctx->failed[0] ? ctx->failed : NULL;
}

HGM_EXPORT int hgm_ctx_new(struct hgm_ctx **ctx, const char *root)
{
	struct hgm_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->rootfd = -1;
	if (root && strcmp(root, "/") != 0) {
		size_t n = strlen(root);

		c->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c->rootfd < 0) {
			int ret = -errno;

			free(c);
			return ret;
		}
		while (n > 1 && root[n - 1] == '/')
			n--;
		c->root = strndup(root, n);
	} else {
		c->root = strdup("");
	}
	c->err = calloc(1, CTX_ERR_MAX);
	c->failed = calloc(1, CTX_ERR_MAX);
	if (!c->root || !c->err || !c->failed) {
		hgm_ctx_free(c);
		return -ENOMEM;
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
	free(ctx->root);
	free(ctx->err);
	free(ctx->failed);
	free(ctx);
}

HGM_EXPORT const char *hgm_ctx_error(const struct hgm_ctx *ctx)
{
	return ctx->err[0] ? ctx->err : NULL;
}

int hgm_ctx_fail(const struct hgm_ctx *ctx, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	ctx_failed(ctx, path);
	n = snprintf(ctx->err, CTX_ERR_MAX, "%s%s: ", ctx->root, path);
	if (n >= 0 && n < CTX_ERR_MAX) {
		va_start(ap, fmt);
		vsnprintf(ctx->err + n, CTX_ERR_MAX - n, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

HGM_EXPORT bool hgm_ctx_is_live(const struct hgm_ctx *ctx)
{
	return ctx->rootfd < 0;
}

/*
 * Opens @rel under the root with symlinks and ".." kept inside it, as if it
 * were "/" (RESOLVE_IN_ROOT): a tree's link to /etc/shadow names its own
 * etc/shadow.  Kernels before 5.6 (or a seccomp filter) have plain openat().
 */
static int open_in_root(int rootfd, const char *rel, int flags)
{
	struct open_how how = { .flags = (uint64_t)flags, .resolve = RESOLVE_IN_ROOT };
	int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));

	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		fd = openat(rootfd, rel, flags);
	return fd;
}

/*
 * Files must be regular: a FIFO or a device in a recorded tree would block
 * or do worse.  A tree's files are opened with O_NONBLOCK (taken off again
 * unless asked for) and O_NOCTTY; on the live system every /proc, /sys and
 * debugfs file libhgm opens is regular, and is opened as it always was.
 * O_PATH and O_DIRECTORY opens are not reads and are not checked.
 */
HGM_EXPORT int hgm_ctx_open(const struct hgm_ctx *ctx, const char *path, int flags)
{
	bool file = !(flags & (O_PATH | O_DIRECTORY)), tree = ctx->rootfd >= 0;
	int fd, oflags = flags | O_CLOEXEC | (file && tree ? O_NONBLOCK | O_NOCTTY : 0);
	const char *rel = path;
	struct stat st;

	if (ctx->rootfd < 0) {
		fd = open(path, oflags);
	} else {
		while (*rel == '/')
			rel++;
		fd = open_in_root(ctx->rootfd, rel, oflags);
	}
	if (fd < 0) {
		fd = -errno;
		ctx_failed(ctx, path);
		return fd;
	}
	if (!file)
		return fd;
	if (fstat(fd, &st) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return hgm_ctx_fail(ctx, path, "not a regular file");
	}
	if (tree && !(flags & O_NONBLOCK)) {
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
			int ret = -errno;

			close(fd);
			return ret;
		}
	}
	return fd;
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
			if (n != 0) {
				ctx_failed(ctx, path);
				return n < 0 ? -errno : -EFBIG;
			}
			break;
		}
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			ctx_failed(ctx, path);
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
	if (!ret) {
		while (*p == '\n' || *p == ' ')
			p++;
		ret = *p ? -EINVAL : 0;
	}
	if (ret)
		ctx_failed(ctx, path);
	return ret;
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

bool hgm_is_page_size(uint64_t size)
{
	return size >= (uint64_t)sysconf(_SC_PAGESIZE) && !(size & (size - 1));
}

int hgm_copy_sized(void *out, const void *full, size_t n)
{
	size_t want = *(const size_t *)out;

	if (want < sizeof(size_t))
		return -EINVAL;
	memcpy((char *)out + sizeof(size_t), (const char *)full + sizeof(size_t),
	       (want < n ? want : n) - sizeof(size_t));
	return 0;
}

int hgm_ctx_fopen(const struct hgm_ctx *ctx, const char *path, FILE **f)
{
	int fd = hgm_ctx_open(ctx, path, O_RDONLY);

	if (fd < 0)
		return fd;
	*f = fdopen(fd, "r");
	if (!*f) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

int hgm_proc_fopen(const struct hgm_ctx *ctx, pid_t pid, const char *what, FILE **f)
{
	char path[64];

	hgm_proc_path(path, sizeof(path), pid, what);
	return hgm_ctx_fopen(ctx, path, f);
}

int hgm_ctx_opendir(const struct hgm_ctx *ctx, const char *path, DIR **d)
{
	int fd = hgm_ctx_open(ctx, path, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return fd;
	*d = fdopendir(fd);
	if (!*d) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return 0;
}

int hgm_ctx_write(const struct hgm_ctx *ctx, const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd;

	fd = hgm_ctx_open(ctx, path, O_WRONLY);
	if (fd < 0)
		return fd;
	n = write(fd, s, len);
	if (n < 0)
		n = -errno;
	else if ((size_t)n != len)
		n = -EIO;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/*
 * The effective ids and capabilities decide (AT_EACCESS), as they will for
 * the write itself.
 */
int hgm_ctx_check_write(const struct hgm_ctx *ctx, const char *path)
{
	if (!hgm_ctx_is_live(ctx))
		return -EROFS;
	if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS))
		return -errno;
	return 0;
}

/*
 * The statx(2) of @path under the root, symlinks followed inside it.  Unlike
 * hgm_ctx_open() it takes any file type: DAX needs the device node of a
 * devdax mapping and the attributes of a file on pmem.  Returns 0 or -errno.
 */
int hgm_ctx_statx(const struct hgm_ctx *ctx, const char *path, unsigned int mask,
		  struct statx *stx)
{
	int fd, ret = 0;

	if (ctx->rootfd < 0)
		return statx(AT_FDCWD, path, 0, mask, stx) < 0 ? -errno : 0;
	while (*path == '/')
		path++;
	fd = open_in_root(ctx->rootfd, path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (statx(fd, "", AT_EMPTY_PATH, mask, stx) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* readlink(2) of @path under the root into @buf (NUL-terminated); length or -errno. */
ssize_t hgm_ctx_readlink(const struct hgm_ctx *ctx, const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	if (size < 2)
		return -EINVAL;
	if (ctx->rootfd < 0) {
		n = readlink(path, buf, size - 1);
	} else {
		while (*path == '/')
			path++;
		fd = open_in_root(ctx->rootfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = readlinkat(fd, "", buf, size - 1);
		if (n < 0)
			n = -errno;
		close(fd);
		if (n < 0)
			return n;
	}
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}
