/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hgm-private.h - helpers shared by libhgm's modules; not installed */
#ifndef HGM_PRIVATE_H
#define HGM_PRIVATE_H

#include <dirent.h>
#include <stdio.h>

#include "hgm.h"
#include "uapi-compat.h"

#define HGM_EXPORT	__attribute__((visibility("default")))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define HGM_VMA_NAME_MAX	4096
#define HGM_VMFLAGS_MAX		256

/* struct hgm_vma behind its accessors (smaps.c); fields absent from the record are 0. */
struct hgm_vma {
	uint64_t start, end;		/* [start, end) */
	char perms[5];			/* "rw-p" */
	uint64_t offset;		/* file offset in bytes */
	unsigned int dev_major, dev_minor;
	uint64_t inode;
	char name[HGM_VMA_NAME_MAX];	/* path, [heap], ... or "" */
	uint64_t field[HGM_SM_NR_FIELDS];
	uint64_t present;		/* bit i set: field i was in the record */
	uint64_t vmflags;		/* bit hgm_vmflag set when listed */
	char vmflags_str[HGM_VMFLAGS_MAX]; /* VmFlags as printed, "" if absent */
	unsigned int unknown_fields;	/* labels this library does not know */
	/* DAX (dax.c): set by the scan and the maps walk, not by smaps itself */
	enum hgm_dax_type dax;
	uint64_t dax_align;		/* device alignment, bytes, or unknown */
	uint64_t dax_fs_block;		/* fsdax: the file system's block size, or unknown */
	char dax_device[32];		/* "dax1.0", "pmem0", or "" */
};

static inline bool hgm_vma_has(const struct hgm_vma *v, enum hgm_smaps_field f)
{
	return v->present & (UINT64_C(1) << f);
}

/* Empties @v: no field present, no VmFlags (what hgm_vma_new() hands out). */
void hgm_vma_clear(struct hgm_vma *v);

/*
 * Copies into the caller's size-versioned struct @out what fits of @full (the
 * library's own, @n bytes), both starting with their size_t size: a caller
 * built with an older header gets the members it knows, one with a newer
 * header keeps its own values in the members this library does not know.
 * Returns 0, or -EINVAL when @out's size does not even cover its size member.
 */
int hgm_copy_sized(void *out, const void *full, size_t n);

/* Whether the caller's size-versioned struct @out has a usable size. */
static inline bool hgm_sized_ok(const void *out)
{
	return *(const size_t *)out >= sizeof(size_t);
}

/* Parses an unsigned decimal at *p, advancing it; returns -EINVAL/-ERANGE. */
int hgm_strtou64(const char **p, uint64_t *val);

/* Reads /proc/@pid/@what (pid 0: self) path into @buf: "/proc/self/smaps". */
void hgm_proc_path(char *buf, size_t size, pid_t pid, const char *what);

/*
 * Records why @path (absolute, under the context's root) is refused: the
 * message hgm_ctx_error() returns, "ROOT/PATH: " and @fmt.  Returns -EBADMSG.
 */
int hgm_ctx_fail(const struct hgm_ctx *ctx, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* @a + @b, or UINT64_MAX where that would wrap: totals of counters from files. */
static inline uint64_t hgm_add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/*
 * Opens @path under the context's root as a stream to read (a regular file,
 * as hgm_ctx_open() checks) or as a directory to list.  Returns 0 and sets
 * *@f or *@d, or -errno.
 */
int hgm_ctx_fopen(const struct hgm_ctx *ctx, const char *path, FILE **f);
/* hgm_ctx_fopen() of /proc/@pid/@what (hgm_proc_path()). */
int hgm_proc_fopen(const struct hgm_ctx *ctx, pid_t pid, const char *what, FILE **f);
int hgm_ctx_opendir(const struct hgm_ctx *ctx, const char *path, DIR **d);

/* Opens smaps text at @path (smaps, smaps_rollup); refusals name the file. */
int hgm_smaps_open_path(const struct hgm_ctx *ctx, const char *path, struct hgm_smaps **out);

/* Writes the string @s to @path under the context, in one write(); 0 or -errno. */
int hgm_ctx_write(const struct hgm_ctx *ctx, const char *path, const char *s);

/*
 * Whether the caller may write @path of the live system: 0, -errno of
 * faccessat(), or -EROFS for a context with a root (never written).
 */
int hgm_ctx_check_write(const struct hgm_ctx *ctx, const char *path);

/* Whether @size is a page size: a power of two, at least the base page. */
bool hgm_is_page_size(uint64_t size);

/* Returns the text of @f with trailing newlines removed (in place). */
char *hgm_chomp(char *s);

/* Opens a userfaultfd by the first way that works (uffd.c); returns fd or -errno. */
int hgm_uffd_open_any(int flags, enum hgm_uffd_way *how);

struct statx;
/* statx(2) / readlink(2) of @path under the context's root (ctx.c); 0 / length or -errno. */
int hgm_ctx_statx(const struct hgm_ctx *ctx, const char *path, unsigned int mask,
		  struct statx *stx);
ssize_t hgm_ctx_readlink(const struct hgm_ctx *ctx, const char *path, char *buf, size_t size);

/*
 * What tells DAX mappings of one process from other file mappings (dax.c):
 * its mount table, read once.  hgm_dax_classify() sets @v's dax fields.
 */
struct hgm_dax_probe;
int hgm_dax_probe_new(const struct hgm_ctx *ctx, pid_t pid, struct hgm_dax_probe **p);
void hgm_dax_probe_free(struct hgm_dax_probe *p);
void hgm_dax_classify(struct hgm_dax_probe *p, struct hgm_vma *v);
/* A devdax VMA whose PUD leaves a page walk would remove (dax.c): not scanned. */
bool hgm_dax_unwalkable(const struct hgm_vma *v, uint64_t pmd_size);

#endif /* HGM_PRIVATE_H */
