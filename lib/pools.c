// SPDX-License-Identifier: LGPL-2.1-or-later
/* pools.c - hugetlb pools per page size, system-wide and per NUMA node */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hgm-private.h"

#define HUGEPAGES_DIR	"/sys/kernel/mm/hugepages"
#define NODE_DIR	"/sys/devices/system/node"

/*
 * Parses "hugepages-2048kB" into bytes: 1, or 0 for other names, or -EBADMSG
 * for a size that is not a page size (in @dir, named in the message).
 */
static int parse_hugepages_name(const struct hgm_ctx *ctx, const char *dir, const char *name,
				uint64_t *size)
{
	const char *p = name;
	uint64_t kb;

	if (strncmp(p, "hugepages-", 10))
		return 0;
	p += 10;
	if (hgm_strtou64(&p, &kb) || strcmp(p, "kB"))
		return 0;
	if (kb > UINT64_MAX / 1024 || !hgm_is_page_size(kb * 1024)) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		return hgm_ctx_fail(ctx, path, "%" PRIu64 " kB is not a page size", kb);
	}
	*size = kb * 1024;
	return 1;
}

/* Opens @path under the context as a directory stream. */
static DIR *ctx_opendir(const struct hgm_ctx *ctx, const char *path, int *err)
{
	int fd = hgm_ctx_open(ctx, path, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	d = fdopendir(fd);
	if (!d) {
		*err = -errno;
		close(fd);
	}
	return d;
}

static int add_pool(struct hgm_pools *p, size_t *cap, const struct hgm_pool *pool)
{
	if (p->nr == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct hgm_pool *np = realloc(p->pool, ncap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		p->pool = np;
		*cap = ncap;
	}
	p->pool[p->nr++] = *pool;
	return 0;
}

/* 4 PiB: the most physical memory x86-64 and arm64 address; sums of pools cannot wrap */
#define POOL_MAX_BYTES	(UINT64_C(1) << 52)

/*
 * Reads one counter of pool directory @dir into *@val: 0, -ENOENT where the
 * file is absent, -errno, or -EBADMSG for a count of more pages of @page_size
 * than a machine has memory (nr_overcommit_hugepages is a limit: unbounded).
 */
static int read_count(const struct hgm_ctx *ctx, const char *dir, const char *name,
		      uint64_t page_size, uint64_t *val)
{
	char path[512];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = hgm_ctx_read_u64(ctx, path, val);
	if (ret == 0 && strcmp(name, "nr_overcommit_hugepages") &&
	    *val > POOL_MAX_BYTES / (page_size ? page_size : 1))
		return hgm_ctx_fail(ctx, path, "%" PRIu64 " pages of %" PRIu64 " kB are more "
				    "memory than a machine has", *val, page_size / 1024);
	return ret;
}

/* Reads the counters of one pool directory; the per-node ones lack two files. */
static int read_pool(const struct hgm_ctx *ctx, const char *dir, struct hgm_pool *pool)
{
	uint64_t ps = pool->page_size;
	int ret;

	if ((ret = read_count(ctx, dir, "nr_hugepages", ps, &pool->total)) ||
	    (ret = read_count(ctx, dir, "free_hugepages", ps, &pool->free)) ||
	    (ret = read_count(ctx, dir, "surplus_hugepages", ps, &pool->surplus)))
		return ret;
	ret = read_count(ctx, dir, "resv_hugepages", ps, &pool->reserved);
	if (ret && ret != -ENOENT)
		return ret;
	if (ret)
		pool->reserved = HGM_UNKNOWN;
	ret = read_count(ctx, dir, "nr_overcommit_hugepages", ps, &pool->overcommit);
	if (ret && ret != -ENOENT)
		return ret;
	if (ret)
		pool->overcommit = HGM_UNKNOWN;
	return 0;
}

static int cmp_pool(const void *a, const void *b)
{
	const struct hgm_pool *x = a, *y = b;

	if (x->page_size != y->page_size)
		return x->page_size < y->page_size ? -1 : 1;
	return (x->node > y->node) - (x->node < y->node);
}

/* Adds the pools of every hugepages-* directory under @dir for @node. */
static int scan_sizes(const struct hgm_ctx *ctx, const char *dir, int node,
		      struct hgm_pools *p, size_t *cap)
{
	struct dirent *de;
	int err = 0, ret = 0;
	DIR *d = ctx_opendir(ctx, dir, &err);

	if (!d)
		return err;
	while ((de = readdir(d))) {
		struct hgm_pool pool = { .node = node };
		char sub[512];

		ret = parse_hugepages_name(ctx, dir, de->d_name, &pool.page_size);
		if (ret < 0)
			break;
		if (ret == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		ret = read_pool(ctx, sub, &pool);
		if (ret == 0)
			ret = add_pool(p, cap, &pool);
		if (ret)
			break;
	}
	closedir(d);
	return ret;
}

HGM_EXPORT int hgm_pools_read(const struct hgm_ctx *ctx, struct hgm_pools **out)
{
	struct hgm_pools *p = calloc(1, sizeof(*p));
	struct dirent *de;
	size_t cap = 0;
	int ret, err = 0;
	DIR *d;

	if (!p)
		return -ENOMEM;
	ret = scan_sizes(ctx, HUGEPAGES_DIR, HGM_NODE_ALL, p, &cap);
	if (ret == -ENOENT)
		ret = 0;	/* no hugetlb in this kernel: no pools */
	if (ret)
		goto fail;

	d = ctx_opendir(ctx, NODE_DIR, &err);
	if (d) {
		while ((de = readdir(d))) {
			const char *s = de->d_name;
			char dir[512];
			uint64_t node;

			if (strncmp(s, "node", 4))
				continue;
			s += 4;
			if (hgm_strtou64(&s, &node) || *s || node > 1u << 20)
				continue;
			snprintf(dir, sizeof(dir), NODE_DIR "/%s/hugepages", de->d_name);
			ret = scan_sizes(ctx, dir, (int)node, p, &cap);
			if (ret == -ENOENT) {
				ret = 0;
				continue;
			}
			if (ret)
				break;
			p->nr_nodes++;
		}
		closedir(d);
		if (ret)
			goto fail;
	}
	if (p->nr)
		qsort(p->pool, p->nr, sizeof(*p->pool), cmp_pool);
	*out = p;
	return 0;
fail:
	hgm_pools_free(p);
	return ret;
}

HGM_EXPORT void hgm_pools_free(struct hgm_pools *p)
{
	if (!p)
		return;
	free(p->pool);
	free(p);
}

/* The directory of pool @page_size on @node. */
static void pool_dir(char *buf, size_t size, uint64_t page_size, int node)
{
	if (node == HGM_NODE_ALL)
		snprintf(buf, size, HUGEPAGES_DIR "/hugepages-%" PRIu64 "kB", page_size / 1024);
	else
		snprintf(buf, size, NODE_DIR "/node%d/hugepages/hugepages-%" PRIu64 "kB", node,
			 page_size / 1024);
}

HGM_EXPORT int hgm_pool_get(const struct hgm_ctx *ctx, uint64_t page_size, int node,
			    struct hgm_pool *pool)
{
	char dir[256];

	memset(pool, 0, sizeof(*pool));
	pool->page_size = page_size;
	pool->node = node;
	pool_dir(dir, sizeof(dir), page_size, node);
	return read_pool(ctx, dir, pool);
}

/* Writes @val (decimal) to @path under the context; 0 or -errno. */
static int write_u64(const struct hgm_ctx *ctx, const char *path, uint64_t val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", val);
	return hgm_ctx_write(ctx, path, buf);
}

HGM_EXPORT int hgm_pool_path(uint64_t page_size, int node, char *buf, size_t size)
{
	char dir[256];
	int n;

	pool_dir(dir, sizeof(dir), page_size, node);
	n = snprintf(buf, size, "%s/nr_hugepages", dir);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

HGM_EXPORT int hgm_pool_set(const struct hgm_ctx *ctx, uint64_t page_size, int node,
			    uint64_t count)
{
	char path[300];
	int ret = hgm_pool_path(page_size, node, path, sizeof(path));

	return ret < 0 ? ret : write_u64(ctx, path, count);
}

HGM_EXPORT int hgm_pool_check_write(const struct hgm_ctx *ctx, uint64_t page_size, int node)
{
	char path[300];
	int ret = hgm_pool_path(page_size, node, path, sizeof(path));

	return ret < 0 ? ret : hgm_ctx_check_write(ctx, path);
}

/* Persistent pages of @p: the count nr_hugepages takes; the surplus is on top. */
static uint64_t persistent(const struct hgm_pool *p)
{
	return p->total > p->surplus ? p->total - p->surplus : 0;
}

/* Writes one change and reads back what the kernel did. */
static void apply_one(const struct hgm_ctx *ctx, uint64_t page_size, struct hgm_pool_change *c)
{
	struct hgm_pool after;
	int ret;

	c->error = hgm_pool_set(ctx, page_size, c->node, c->requested);
	/* a refused write may still have changed something: always read back */
	ret = hgm_pool_get(ctx, page_size, c->node, &after);
	if (ret) {
		if (!c->error)
			c->error = ret;
		return;
	}
	c->obtained = persistent(&after);
	c->surplus = after.surplus;
}

HGM_EXPORT int hgm_pool_apply(const struct hgm_ctx *ctx, uint64_t page_size,
			      struct hgm_pool_change *ch, size_t n)
{
	size_t i;
	int pass, short_ = 0;

	for (i = 0; i < n; i++)
		ch[i].obtained = ch[i].surplus = HGM_UNKNOWN;
	for (i = 0; i < n; i++) {
		struct hgm_pool before;
		int ret = hgm_pool_get(ctx, page_size, ch[i].node, &before);

		if (ret)
			return ret;
		if (!ch[i].attempts)
			ch[i].previous = persistent(&before);
		ch[i].current = persistent(&before);
	}
	/* shrinks first: the pages they free can serve the grows */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			bool grow = ch[i].requested > ch[i].current;

			if (grow != (pass == 1))
				continue;
			ch[i].obtained = ch[i].surplus = HGM_UNKNOWN;
			apply_one(ctx, page_size, &ch[i]);
			ch[i].attempts++;
		}
	}
	for (i = 0; i < n; i++)
		if (ch[i].error || !HGM_KNOWN(ch[i].obtained) || ch[i].obtained != ch[i].requested)
			short_++;
	return short_;
}

static const struct {
	const char *path;
	uint64_t value;
} room_steps[HGM_NR_ROOM_STEPS] = {
	/* clean page cache and slab first, then move what is left together */
	[HGM_ROOM_DROP_CACHES] = { "/proc/sys/vm/drop_caches", 3 },
	[HGM_ROOM_COMPACT] = { "/proc/sys/vm/compact_memory", 1 },
};

HGM_EXPORT const char *hgm_room_step(enum hgm_room_step step, uint64_t *value)
{
	if (step >= HGM_NR_ROOM_STEPS)
		return NULL;
	if (value)
		*value = room_steps[step].value;
	return room_steps[step].path;
}

HGM_EXPORT int hgm_make_room_check(const struct hgm_ctx *ctx)
{
	int i, ret;

	for (i = 0; i < HGM_NR_ROOM_STEPS; i++) {
		ret = hgm_ctx_check_write(ctx, room_steps[i].path);
		if (ret)
			return ret;
	}
	return 0;
}

HGM_EXPORT int hgm_make_room(const struct hgm_ctx *ctx)
{
	int i, ret;

	for (i = 0; i < HGM_NR_ROOM_STEPS; i++) {
		if (i == HGM_ROOM_DROP_CACHES)
			sync();		/* dirty pages cannot be dropped */
		ret = write_u64(ctx, room_steps[i].path, room_steps[i].value);
		if (ret)
			return ret;
	}
	return 0;
}

static struct hgm_pool *pool_of(struct hgm_pools *pools, uint64_t page_size, int node)
{
	size_t i;

	for (i = 0; i < pools->nr; i++)
		if (pools->pool[i].page_size == page_size && pools->pool[i].node == node)
			return &pools->pool[i];
	return NULL;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * The model follows set_max_huge_pages() in mm/hugetlb.c (Linux 6.12), with
 * G the system-wide counters and n those of the pool written (G itself for a
 * system-wide write):
 *
 *   a node's count becomes a system-wide one: count + P(G) - P(n), P = N - S;
 *   growing turns surplus pages of n persistent first, then allocates;
 *   shrinking frees free pages of n, but never below
 *     min_count = max(count, resv + N(G) - F(G))  (reserved and in use, system-wide),
 *   and makes what is left above count surplus, on nodes with non-surplus pages.
 *
 * try_to_free_low() only exists with CONFIG_HIGHMEM (32-bit): not modelled.
 */
HGM_EXPORT int hgm_pool_predict(struct hgm_pools *pools, uint64_t page_size, int node,
				uint64_t count)
{
	struct hgm_pool *g = pool_of(pools, page_size, HGM_NODE_ALL);
	struct hgm_pool *n = node == HGM_NODE_ALL ? g : pool_of(pools, page_size, node);
	uint64_t p, min_count, k;

	if (!g || !n)
		return -ENOENT;
	if (!HGM_KNOWN(g->reserved) || g->surplus > g->total || g->free > g->total ||
	    n->surplus > n->total || n->free > n->total)
		return -EINVAL;
	p = g->total - g->surplus;
	if (n != g) {
		uint64_t np = n->total - n->surplus;

		count = count + p - np < count ? UINT64_MAX : count + p - np;
	}
	if (count > p) {
		/* surplus pages first, then fresh ones (assumed found) */
		k = min_u64(n->surplus, count - p);
		g->surplus -= k;
		if (n != g)
			n->surplus -= k;
		p += k;
		k = count - p;
		g->total += k;
		g->free += k;
		if (n != g) {
			n->total += k;
			n->free += k;
		}
		return 0;
	}
	min_count = g->reserved + g->total - g->free;
	if (min_count < count)
		min_count = count;
	if (p > min_count) {
		/* remove_pool_hugetlb_folio(): free pages of n, reserved ones too */
		k = min_u64(n->free, p - min_count);
		g->total -= k;
		g->free -= k;
		if (n != g) {
			n->total -= k;
			n->free -= k;
		}
		p -= k;
	}
	if (p > count) {
		/* adjust_pool_surplus(): any page of n that is not surplus yet */
		k = min_u64(n->total - n->surplus, p - count);
		g->surplus += k;
		if (n != g)
			n->surplus += k;
	}
	return 0;
}

HGM_EXPORT int hgm_pool_overcommit_path(uint64_t page_size, char *buf, size_t size)
{
	char dir[256];
	int n;

	pool_dir(dir, sizeof(dir), page_size, HGM_NODE_ALL);
	n = snprintf(buf, size, "%s/nr_overcommit_hugepages", dir);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

HGM_EXPORT int hgm_pool_check_overcommit(const struct hgm_ctx *ctx, uint64_t page_size)
{
	char path[300];
	int ret = hgm_pool_overcommit_path(page_size, path, sizeof(path));

	return ret < 0 ? ret : hgm_ctx_check_write(ctx, path);
}

HGM_EXPORT int hgm_pool_set_overcommit(const struct hgm_ctx *ctx, uint64_t page_size,
				       uint64_t count, uint64_t *obtained)
{
	char path[300];
	int ret = hgm_pool_overcommit_path(page_size, path, sizeof(path));

	if (ret < 0)
		return ret;
	ret = write_u64(ctx, path, count);
	/* a refused write may still tell what is there: read back either way */
	if (hgm_ctx_read_u64(ctx, path, obtained))
		*obtained = HGM_UNKNOWN;
	return ret;
}
