// SPDX-License-Identifier: LGPL-2.1-or-later
/* thpstat.c - THP and mTHP event counters from /proc/vmstat and the per-size stats in sysfs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hgm-private.h"

static const struct {
	const char *name;
	size_t off;
} vmstat_keys[] = {
	{ "thp_fault_alloc", offsetof(struct hgm_thp_counters, fault_alloc) },
	{ "thp_fault_fallback", offsetof(struct hgm_thp_counters, fault_fallback) },
	{ "thp_collapse_alloc", offsetof(struct hgm_thp_counters, collapse_alloc) },
	{ "thp_split_page", offsetof(struct hgm_thp_counters, split_page) },
	{ "thp_split_pmd", offsetof(struct hgm_thp_counters, split_pmd) },
	{ "thp_deferred_split_page", offsetof(struct hgm_thp_counters, deferred_split) },
};

#define FIELD(c, off) ((int64_t *)((char *)(c) + (off)))

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

static int cmp_stat(const void *a, const void *b)
{
	return strcmp(((const struct hgm_thp_stat *)a)->name, ((const struct hgm_thp_stat *)b)->name);
}

static int cmp_size(const void *a, const void *b)
{
	const struct hgm_thp_size_stats *x = a, *y = b;

	return (x->size > y->size) - (x->size < y->size);
}

/*
 * The files of @dir (THP_DIR/hugepages-NkB/stats) into @z.  Returns 0 (an
 * unreadable file is left out, a missing directory is no stats), or -errno;
 * -EBADMSG when a value is no number.
 */
static int read_size_stats(const struct hgm_ctx *ctx, const char *dir,
			   struct hgm_thp_size_stats *z)
{
	size_t cap = 0;
	struct dirent *de;
	int ret = 0, fd = hgm_ctx_open(ctx, dir, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR ? 0 : fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct hgm_thp_stat *st;
		char path[512];
		uint64_t v;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(st->name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		ret = hgm_ctx_read_u64(ctx, path, &v);
		if (ret == -EINVAL || ret == -ERANGE) {
			ret = hgm_ctx_fail(ctx, path, "not a count");
			break;
		}
		if (ret == -ENOMEM)
			break;
		if (ret) {		/* unreadable (root only, gone): left out */
			ret = 0;
			continue;
		}
		if (z->nr == cap) {
			size_t ncap = cap ? cap * 2 : 32;

			st = realloc(z->stat, ncap * sizeof(*st));
			if (!st) {
				ret = -ENOMEM;
				break;
			}
			z->stat = st;
			cap = ncap;
		}
		st = &z->stat[z->nr++];
		memset(st, 0, sizeof(*st));
		snprintf(st->name, sizeof(st->name), "%s", de->d_name);
		st->value = v;
		/* nr_anon, nr_anon_partially_mapped: folios now; the rest count events */
		st->gauge = strncmp(de->d_name, "nr_", 3) == 0;
	}
	closedir(d);
	if (z->nr)
		qsort(z->stat, z->nr, sizeof(*z->stat), cmp_stat);
	return ret;
}

HGM_EXPORT void hgm_thp_stats_free(struct hgm_thp_stats *stats)
{
	size_t i;

	if (!stats)
		return;
	for (i = 0; i < stats->nr; i++)
		free(stats->sizes[i].stat);
	free(stats->sizes);
	free(stats);
}

HGM_EXPORT int hgm_thp_stats_read(const struct hgm_ctx *ctx, struct hgm_thp_stats **out)
{
	struct hgm_thp_stats *s = calloc(1, sizeof(*s));
	size_t cap = 0;
	struct dirent *de;
	int ret = 0, fd;
	DIR *d;

	if (!s)
		return -ENOMEM;
	fd = hgm_ctx_open(ctx, THP_DIR, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		if (fd != -ENOENT) {
			hgm_thp_stats_free(s);
			return fd;
		}
		*out = s;		/* no THP in this kernel */
		return 0;
	}
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		hgm_thp_stats_free(s);
		return ret;
	}
	while ((de = readdir(d))) {
		struct hgm_thp_size_stats z = { 0 };
		const char *p = de->d_name;
		char dir[512];
		uint64_t kb;

		if (strncmp(p, "hugepages-", 10))
			continue;
		p += 10;
		if (hgm_strtou64(&p, &kb) || strcmp(p, "kB") || kb > UINT64_MAX / 1024 ||
		    !hgm_is_page_size(kb * 1024))
			continue;	/* hgm_thp_read() refuses such a tree; not a size here */
		z.size = kb * 1024;
		snprintf(dir, sizeof(dir), THP_DIR "/%s/stats", de->d_name);
		ret = read_size_stats(ctx, dir, &z);
		if (ret || !z.nr) {
			free(z.stat);
			if (ret)
				break;
			continue;
		}
		if (s->nr == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct hgm_thp_size_stats *n = realloc(s->sizes, ncap * sizeof(*n));

			if (!n) {
				free(z.stat);
				ret = -ENOMEM;
				break;
			}
			s->sizes = n;
			cap = ncap;
		}
		s->sizes[s->nr++] = z;
	}
	closedir(d);
	if (ret) {
		hgm_thp_stats_free(s);
		return ret;
	}
	if (s->nr)
		qsort(s->sizes, s->nr, sizeof(*s->sizes), cmp_size);
	*out = s;
	return 0;
}

/* Sums stats/anon_fault_alloc of the mTHP sizes below the PMD size; -1 if none has it. */
static int64_t mthp_faults(const struct hgm_ctx *ctx)
{
	uint64_t pmd = hgm_thp_pmd_size(ctx);
	struct hgm_thp_stats *st;
	int64_t sum = -1;
	size_t i, k;

	if (hgm_thp_stats_read(ctx, &st))
		return -1;
	for (i = 0; i < st->nr && st->sizes[i].size < pmd; i++)
		for (k = 0; k < st->sizes[i].nr; k++) {
			const struct hgm_thp_stat *x = &st->sizes[i].stat[k];
			/* counts from a file: saturate rather than wrap */
			uint64_t s;

			if (strcmp(x->name, "anon_fault_alloc"))
				continue;
			s = hgm_add_sat(sum < 0 ? 0 : (uint64_t)sum, x->value);
			sum = s > INT64_MAX ? INT64_MAX : (int64_t)s;
		}
	hgm_thp_stats_free(st);
	return sum;
}

static int read_counters(const struct hgm_ctx *ctx, struct hgm_thp_counters *c)
{
	size_t size = 64 * 1024, i;
	char *buf = malloc(size), *line, *save = NULL;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < sizeof(vmstat_keys) / sizeof(vmstat_keys[0]); i++)
		*FIELD(c, vmstat_keys[i].off) = -1;
	c->mthp_fault_alloc = mthp_faults(ctx);
	n = hgm_ctx_read(ctx, "/proc/vmstat", buf, size);
	if (n == -ENOENT) {		/* recorded trees may lack it: all unknown */
		free(buf);
		return 0;
	}
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			continue;
		*sp = '\0';
		for (i = 0; i < sizeof(vmstat_keys) / sizeof(vmstat_keys[0]); i++)
			if (strcmp(line, vmstat_keys[i].name) == 0)
				*FIELD(c, vmstat_keys[i].off) = strtoll(sp + 1, NULL, 10);
	}
	free(buf);
	return 0;
}

HGM_EXPORT int hgm_thp_counters_read(const struct hgm_ctx *ctx, struct hgm_thp_counters *c)
{
	struct hgm_thp_counters full = { .size = sizeof(full) };
	int ret;

	if (!hgm_sized_ok(c))
		return -EINVAL;
	ret = read_counters(ctx, &full);
	hgm_copy_sized(c, &full, sizeof(full));
	return ret;
}
