// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dax.c - DAX mappings: which file mappings go straight to persistent memory
 * (fsdax: a file on a file system mounted with dax, or a file with the DAX
 * attribute; devdax: a /dev/daxX.Y character device), the alignment of the
 * device behind them, why such a mapping is made of PTEs rather than PMDs,
 * and the pmem and DAX devices of the system.
 *
 * smaps and kpageflags know nothing of DAX memory: Linux 6.12 maps it with
 * devmap entries that have no ordinary page behind them, so the levels come
 * from the page scan alone (hgmctl(8), "DAX").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hgm-private.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX	0x00200000	/* Linux 5.8 */
#endif

enum mount_dax { MOUNT_DAX_NEVER, MOUNT_DAX_INODE, MOUNT_DAX_ALWAYS };

struct dax_mount {
	unsigned int major, minor;
	enum mount_dax dax;
	char source[64];		/* the block device: "/dev/pmem0" */
};

struct hgm_dax_probe {
	const struct hgm_ctx *ctx;
	pid_t pid;
	size_t n;
	struct dax_mount *mounts;	/* those of mountinfo with a dax option or on pmem */
};

/* The dax mode that the comma-separated options @opts ask for, if any. */
static enum mount_dax opts_dax(const char *opts, enum mount_dax dflt)
{
	char buf[1024], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", opts);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "dax") == 0 || strcmp(tok, "dax=always") == 0)
			return MOUNT_DAX_ALWAYS;
		if (strcmp(tok, "dax=inode") == 0)
			return MOUNT_DAX_INODE;
		if (strcmp(tok, "dax=never") == 0)
			return MOUNT_DAX_NEVER;
	}
	return dflt;
}

/*
 * One mountinfo line: "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - TYPE SOURCE SUPER".
 * Returns 1 and fills @m for a mount that may hold DAX files, 0 for others.
 */
static int parse_mount(char *line, struct dax_mount *m)
{
	char *f[6], *save, *dash, *type, *source, *super;
	int i;

	dash = strstr(line, " - ");
	if (!dash)
		return 0;
	*dash = '\0';
	f[0] = strtok_r(line, " ", &save);
	for (i = 1; i < 6 && f[i - 1]; i++)
		f[i] = strtok_r(NULL, " ", &save);
	if (i < 6 || !f[5] || sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2)
		return 0;
	type = strtok_r(dash + 3, " ", &save);
	source = type ? strtok_r(NULL, " ", &save) : NULL;
	super = source ? strtok_r(NULL, " \n", &save) : NULL;
	if (!super)
		return 0;
	/* ext4 and xfs without an option decide per file (dax=inode) */
	m->dax = opts_dax(super, opts_dax(f[5], strcmp(type, "ext4") == 0 ||
					       strcmp(type, "xfs") == 0 ? MOUNT_DAX_INODE
									: MOUNT_DAX_NEVER));
	snprintf(m->source, sizeof(m->source), "%s", source);
	return m->dax != MOUNT_DAX_NEVER;
}

int hgm_dax_probe_new(const struct hgm_ctx *ctx, pid_t pid, struct hgm_dax_probe **out)
{
	struct hgm_dax_probe *p = calloc(1, sizeof(*p));
	char path[64], *line = NULL;
	size_t cap = 0, len = 0;
	FILE *fp = NULL;
	int fd;

	if (!p)
		return -ENOMEM;
	p->ctx = ctx;
	p->pid = pid;
	hgm_proc_path(path, sizeof(path), pid, "mountinfo");
	fd = hgm_ctx_open(ctx, path, O_RDONLY);
	/* no mount table (an older recorded tree): no file is known to be DAX */
	if (fd >= 0 && !(fp = fdopen(fd, "r")))
		close(fd);
	while (fp && getline(&line, &len, fp) > 0) {
		struct dax_mount m;

		if (!parse_mount(line, &m))
			continue;
		if (p->n == cap) {
			struct dax_mount *n = realloc(p->mounts, (cap ? cap * 2 : 8) * sizeof(*n));

			if (!n)
				break;
			p->mounts = n;
			cap = cap ? cap * 2 : 8;
		}
		p->mounts[p->n++] = m;
	}
	free(line);
	if (fp)
		fclose(fp);
	*out = p;
	return 0;
}

void hgm_dax_probe_free(struct hgm_dax_probe *p)
{
	if (!p)
		return;
	free(p->mounts);
	free(p);
}

/* Reads sysfs file @path holding one decimal number; HGM_UNKNOWN when it cannot. */
static uint64_t read_num(const struct hgm_ctx *ctx, const char *path)
{
	uint64_t v;

	return hgm_ctx_read_u64(ctx, path, &v) == 0 ? v : UINT64_MAX;
}

/* The last component of @path, in place. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/*
 * A devdax mapping: its device node is a character device of the "dax"
 * class (live: st_rdev and /sys/dev/char), or, in a recorded tree without
 * device nodes, a /dev/daxX.Y name that /sys/bus/dax/devices lists.
 */
static bool classify_devdax(struct hgm_dax_probe *p, struct hgm_vma *v, const char *path)
{
	char sys[128], link[256];
	struct statx stx;

	if (hgm_ctx_statx(p->ctx, path, STATX_TYPE, &stx) == 0 && S_ISCHR(stx.stx_mode)) {
		snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u/subsystem",
			 stx.stx_rdev_major, stx.stx_rdev_minor);
		if (hgm_ctx_readlink(p->ctx, sys, link, sizeof(link)) < 0 ||
		    strcmp(base_name(link), "dax") != 0)
			return false;
		snprintf(sys, sizeof(sys), "/sys/dev/char/%u:%u", stx.stx_rdev_major,
			 stx.stx_rdev_minor);
		if (hgm_ctx_readlink(p->ctx, sys, link, sizeof(link)) < 0)
			return false;
		snprintf(v->dax_device, sizeof(v->dax_device), "%.31s", base_name(link));
	} else if (strncmp(v->name, "/dev/dax", 8) == 0 && !strchr(v->name + 5, '/')) {
		int fd;

		snprintf(sys, sizeof(sys), "/sys/bus/dax/devices/%s", v->name + 5);
		fd = hgm_ctx_open(p->ctx, sys, O_PATH | O_DIRECTORY);
		if (fd < 0)
			return false;
		close(fd);
		snprintf(v->dax_device, sizeof(v->dax_device), "%s", v->name + 5);
	} else {
		return false;
	}
	v->dax = HGM_DAX_DEV;
	snprintf(sys, sizeof(sys), "/sys/bus/dax/devices/%s/align", v->dax_device);
	v->dax_align = read_num(p->ctx, sys);
	return true;
}

/*
 * The alignment DAX can map pmem block device @name ("pmem0") with
 * (pmem_dev_align()): its pfn device's "align".  A namespace that keeps its
 * own memmap (legacy e820 pmem: ndctl calls it fsdax, with no pfn device;
 * /sys/block/NAME/queue/dax is 1) has no such file: there it is the
 * alignment of the namespace's physical start ("resource", root only), 4K
 * to 1G.  Unknown: UINT64_MAX.
 */
static bool pmem_own_memmap(const struct hgm_ctx *ctx, const char *name)
{
	char sys[128];

	snprintf(sys, sizeof(sys), "/sys/block/%s/queue/dax", name);
	return read_num(ctx, sys) == 1;
}

/* The alignment of the physical start of pmem @name's namespace. */
static uint64_t namespace_align(const struct hgm_ctx *ctx, const char *name)
{
	char sys[128], buf[64], *end;
	uint64_t align, start;

	snprintf(sys, sizeof(sys), "/sys/block/%s/device/resource", name);
	if (hgm_ctx_read(ctx, sys, buf, sizeof(buf)) <= 0)
		return UINT64_MAX;
	errno = 0;
	start = strtoull(buf, &end, 16);
	if (errno || end == buf || (*end && *end != '\n'))
		return UINT64_MAX;
	for (align = UINT64_C(1) << 30; align > 4096 && start % align; align >>= 9)
		;
	return start % align ? UINT64_MAX : align;
}

static uint64_t pmem_dev_align(const struct hgm_ctx *ctx, const char *name)
{
	char sys[128];
	uint64_t align;

	snprintf(sys, sizeof(sys), "/sys/block/%s/device/align", name);
	align = read_num(ctx, sys);
	if (HGM_KNOWN(align) || !pmem_own_memmap(ctx, name))
		return align;
	return namespace_align(ctx, name);
}

/* The alignment of the pmem block device @source ("/dev/pmem0"). */
static uint64_t pmem_align(const struct hgm_ctx *ctx, const char *source)
{
	if (strncmp(source, "/dev/", 5) != 0 || strchr(source + 5, '/'))
		return UINT64_MAX;
	return pmem_dev_align(ctx, source + 5);
}

void hgm_dax_classify(struct hgm_dax_probe *p, struct hgm_vma *v)
{
	const struct dax_mount *m = NULL;
	char path[HGM_VMA_NAME_MAX + 64];
	struct statx stx;
	size_t i;

	v->dax = HGM_DAX_NONE;
	v->dax_align = v->dax_fs_block = UINT64_MAX;
	v->dax_device[0] = '\0';
	if (v->name[0] != '/' || hgm_vma_flag(v, HGM_VF_HT))
		return;
	/* the process's own view of the path (its mount namespace) */
	if (hgm_ctx_is_live(p->ctx) && p->pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)p->pid, v->name);
	else
		snprintf(path, sizeof(path), "%s", v->name);
	if (strncmp(v->name, "/dev/", 5) == 0 && classify_devdax(p, v, path))
		return;
	for (i = 0; i < p->n; i++)
		if (p->mounts[i].major == v->dev_major && p->mounts[i].minor == v->dev_minor)
			m = &p->mounts[i];
	if (!m)
		return;
	/* live: the file's own attribute decides, if it is still the mapped file */
	if (hgm_ctx_is_live(p->ctx) &&
	    hgm_ctx_statx(p->ctx, path, STATX_INO | STATX_TYPE, &stx) == 0 &&
	    stx.stx_ino == v->inode && (stx.stx_attributes_mask & STATX_ATTR_DAX)) {
		if (!(stx.stx_attributes & STATX_ATTR_DAX))
			return;
		v->dax_fs_block = stx.stx_blksize;
	} else if (m->dax != MOUNT_DAX_ALWAYS) {
		return;
	}
	v->dax = HGM_DAX_FS;
	snprintf(v->dax_device, sizeof(v->dax_device), "%.31s", base_name(m->source));
	v->dax_align = pmem_align(p->ctx, m->source);
}

/*
 * A devdax device aligned above a PMD maps nothing but PUD leaves, and on
 * Linux 6.12 every page walk that looks below a PUD (pagemap, PAGEMAP_SCAN,
 * smaps) meets such a leaf with split_huge_pud(), which zaps it: the next
 * access faults it back.  The scanner leaves these VMAs alone.
 */
bool hgm_dax_unwalkable(const struct hgm_vma *v, uint64_t pmd)
{
	return v->dax == HGM_DAX_DEV && HGM_KNOWN(v->dax_align) && v->dax_align > pmd;
}

static const char *const dax_type_names[] = {
	[HGM_DAX_NONE] = "", [HGM_DAX_FS] = "fsdax", [HGM_DAX_DEV] = "devdax",
};

HGM_EXPORT const char *hgm_dax_type_name(enum hgm_dax_type t)
{
	return t < ARRAY_SIZE(dax_type_names) ? dax_type_names[t] : "";
}

HGM_EXPORT enum hgm_dax_type hgm_vma_dax(const struct hgm_vma *v)
{
	return v->dax;
}

HGM_EXPORT uint64_t hgm_vma_dax_align(const struct hgm_vma *v)
{
	return v->dax ? v->dax_align : UINT64_MAX;
}

HGM_EXPORT const char *hgm_vma_dax_device(const struct hgm_vma *v)
{
	return v->dax_device;
}

static const struct {
	const char *name, *text;
} fallbacks[] = {
	[HGM_DAX_FB_NONE] = { "", "" },
	[HGM_DAX_FB_DEVICE_ALIGN] = { "device_align",
		"the device's alignment is smaller than a PMD" },
	[HGM_DAX_FB_FS_BLOCK] = { "fs_block",
		"the file system's block size does not divide a PMD" },
	[HGM_DAX_FB_PRIVATE] = { "private",
		"MAP_PRIVATE: write faults copy into 4K pages" },
	[HGM_DAX_FB_OFFSET] = { "offset",
		"address and file offset differ modulo the PMD size" },
	[HGM_DAX_FB_VMA_ALIGN] = { "vma_align",
		"the VMA starts or ends off a PMD boundary" },
	[HGM_DAX_FB_EXTENT] = { "extent",
		"the file's blocks are not PMD-aligned on the device" },
	[HGM_DAX_FB_UNKNOWN] = { "unknown", "no reason the tool can see" },
};

HGM_EXPORT const char *hgm_dax_fallback_name(enum hgm_dax_fallback r)
{
	return r < ARRAY_SIZE(fallbacks) ? fallbacks[r].name : "unknown";
}

HGM_EXPORT const char *hgm_dax_fallback_text(enum hgm_dax_fallback r)
{
	return r < ARRAY_SIZE(fallbacks) ? fallbacks[r].text : fallbacks[HGM_DAX_FB_UNKNOWN].text;
}

/*
 * Whether the blocks of the mapped part of the file lie on the device at
 * the same offset modulo @pmd as in the file (FS_IOC_FIEMAP): a PMD fault
 * needs a PMD-aligned run of the device.  1 yes, 0 no, -errno unknown.
 */
static int extents_aligned(const struct hgm_ctx *ctx, const struct hgm_vma *v, uint64_t pmd,
			   pid_t pid)
{
	enum { N = 64 };
	char path[HGM_VMA_NAME_MAX + 64];
	struct fiemap *fm;
	uint64_t at = v->offset, end = v->offset + (v->end - v->start);
	int fd, ret = 1;

	if (!hgm_ctx_is_live(ctx))
		return -EOPNOTSUPP;
	snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, v->name);
	fd = hgm_ctx_open(ctx, pid > 0 ? path : v->name, O_RDONLY);
	if (fd < 0)
		return fd;
	fm = calloc(1, sizeof(*fm) + N * sizeof(struct fiemap_extent));
	if (!fm) {
		close(fd);
		return -ENOMEM;
	}
	while (at < end && ret == 1) {
		unsigned int i;

		memset(fm, 0, sizeof(*fm));
		fm->fm_start = at;
		fm->fm_length = end - at;
		fm->fm_extent_count = N;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
			ret = -errno;
			break;
		}
		if (!fm->fm_mapped_extents)
			break;
		for (i = 0; i < fm->fm_mapped_extents; i++) {
			const struct fiemap_extent *x = &fm->fm_extents[i];

			if ((x->fe_physical - x->fe_logical) % pmd)
				ret = 0;
			at = x->fe_logical + x->fe_length;
			if (x->fe_flags & FIEMAP_EXTENT_LAST)
				at = end;
		}
	}
	free(fm);
	close(fd);
	return ret;
}

HGM_EXPORT enum hgm_dax_fallback hgm_dax_fallback(const struct hgm_ctx *ctx, pid_t pid,
						  const struct hgm_vma *v, uint64_t pmd)
{
	uint64_t first = (v->start + pmd - 1) & ~(pmd - 1);	/* the first PMD boundary */

	if (!v->dax)
		return HGM_DAX_FB_NONE;
	if (HGM_KNOWN(v->dax_align) && v->dax_align < pmd)
		return HGM_DAX_FB_DEVICE_ALIGN;
	if (v->dax == HGM_DAX_FS && HGM_KNOWN(v->dax_fs_block) && v->dax_fs_block &&
	    pmd % v->dax_fs_block)
		return HGM_DAX_FB_FS_BLOCK;
	if (v->perms[3] == 'p')
		return HGM_DAX_FB_PRIVATE;
	if ((v->start - v->offset) % pmd)
		return HGM_DAX_FB_OFFSET;
	/* what lies before the first or after the last PMD boundary takes PTEs */
	if (first + pmd > v->end || (v->start & (pmd - 1)) || (v->end & (pmd - 1)))
		return HGM_DAX_FB_VMA_ALIGN;
	if (v->dax == HGM_DAX_FS && extents_aligned(ctx, v, pmd, pid) == 0)
		return HGM_DAX_FB_EXTENT;
	return HGM_DAX_FB_UNKNOWN;
}

static int add_dev(struct hgm_dax_dev **devs, size_t *n, const struct hgm_dax_dev *d)
{
	struct hgm_dax_dev *nd = realloc(*devs, (*n + 1) * sizeof(*nd));

	if (!nd)
		return -ENOMEM;
	nd[(*n)++] = *d;
	*devs = nd;
	return 0;
}

/* Calls @fn for each entry of directory @dir under the root not starting with '.'. */
static int each_entry(const struct hgm_ctx *ctx, const char *dir,
		      int (*fn)(const struct hgm_ctx *, const char *, struct hgm_dax_dev **,
				size_t *),
		      struct hgm_dax_dev **devs, size_t *n)
{
	int fd = hgm_ctx_open(ctx, dir, O_RDONLY | O_DIRECTORY), ret = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;	/* no such bus: no such devices */
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (!ret && (de = readdir(d)))
		if (de->d_name[0] != '.')
			ret = fn(ctx, de->d_name, devs, n);
	closedir(d);
	return ret;
}

static int add_daxdev(const struct hgm_ctx *ctx, const char *name, struct hgm_dax_dev **devs,
		      size_t *n)
{
	struct hgm_dax_dev d = { .mode = "devdax" };
	char path[128];

	snprintf(d.name, sizeof(d.name), "%s", name);
	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/size", name);
	d.size = read_num(ctx, path);
	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/align", name);
	d.align = read_num(ctx, path);
	return add_dev(devs, n, &d);
}

static int add_pmem(const struct hgm_ctx *ctx, const char *name, struct hgm_dax_dev **devs,
		    size_t *n)
{
	struct hgm_dax_dev d = { .mode = "raw" };
	char path[128], link[256];
	const char *parent;

	if (strncmp(name, "pmem", 4) != 0)
		return 0;
	snprintf(d.name, sizeof(d.name), "%s", name);
	snprintf(path, sizeof(path), "/sys/block/%s/size", name);
	d.size = read_num(ctx, path);
	if (HGM_KNOWN(d.size))
		d.size *= 512;		/* sysfs counts 512-byte sectors */
	snprintf(path, sizeof(path), "/sys/block/%s/device", name);
	if (hgm_ctx_readlink(ctx, path, link, sizeof(link)) > 0) {
		parent = base_name(link);
		/* fsdax namespaces put a pfn device between the namespace and the disk */
		if (strncmp(parent, "pfn", 3) == 0)
			snprintf(d.mode, sizeof(d.mode), "fsdax");
		else if (strncmp(parent, "btt", 3) == 0)
			snprintf(d.mode, sizeof(d.mode), "sector");
	}
	snprintf(path, sizeof(path), "/sys/block/%s/device/align", name);
	d.align = read_num(ctx, path);
	/* a namespace with its own memmap serves DAX as it is */
	if (strcmp(d.mode, "raw") == 0 && pmem_own_memmap(ctx, name)) {
		snprintf(d.mode, sizeof(d.mode), "fsdax");
		if (!HGM_KNOWN(d.align))
			d.align = namespace_align(ctx, name);
	}
	return add_dev(devs, n, &d);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct hgm_dax_dev *)a)->name, ((const struct hgm_dax_dev *)b)->name);
}

HGM_EXPORT int hgm_dax_devices(const struct hgm_ctx *ctx, struct hgm_dax_dev **devs, size_t *n)
{
	int ret;

	*devs = NULL;
	*n = 0;
	ret = each_entry(ctx, "/sys/block", add_pmem, devs, n);
	if (!ret)
		ret = each_entry(ctx, "/sys/bus/dax/devices", add_daxdev, devs, n);
	if (!ret && *n > 1)
		qsort(*devs, *n, sizeof(**devs), by_name);	/* directory order is no order */
	if (ret) {
		free(*devs);
		*devs = NULL;
		*n = 0;
	}
	return ret;
}
