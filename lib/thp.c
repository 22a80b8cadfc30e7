// SPDX-License-Identifier: LGPL-2.1-or-later
/* thp.c - transparent hugepage and mTHP settings from sysfs */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hgm-private.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

/* The "[selected]" word of a sysfs choice list into @out; -EINVAL without one. */
static int parse_selected(const char *text, char *out, size_t size)
{
	const char *a = strchr(text, '['), *b;

	if (!a || !(b = strchr(a + 1, ']')) || b == a + 1 || (size_t)(b - a - 1) >= size)
		return -EINVAL;
	memcpy(out, a + 1, b - a - 1);
	out[b - a - 1] = '\0';
	return 0;
}

/*
 * Reads the selected word of a choice file; "" when absent or unreadable.
 * A refused file (not a regular file) sets *@bad to -EBADMSG.
 */
static void read_choice(const struct hgm_ctx *ctx, const char *path, char *out, size_t size,
			int *bad)
{
	char buf[256];
	ssize_t n = hgm_ctx_read(ctx, path, buf, sizeof(buf));

	out[0] = '\0';
	if (n == -EBADMSG)
		*bad = -EBADMSG;
	if (n >= 0 && parse_selected(buf, out, size) < 0)
		snprintf(out, size, "%s", hgm_chomp(buf));	/* a plain value */
}

static int64_t read_num(const struct hgm_ctx *ctx, const char *path, int *bad)
{
	uint64_t v;
	int ret = hgm_ctx_read_u64(ctx, path, &v);

	if (ret == -EBADMSG)
		*bad = ret;
	return ret == 0 && v <= INT64_MAX ? (int64_t)v : -1;
}

HGM_EXPORT uint64_t hgm_thp_pmd_size(const struct hgm_ctx *ctx)
{
	uint64_t v;

	/* what the scanner divides and masks by: a page size, or the x86-64 one */
	if (hgm_ctx_read_u64(ctx, THP_DIR "/hpage_pmd_size", &v) == 0 && hgm_is_page_size(v))
		return v;
	return UINT64_C(2) << 20;
}

static int cmp_size(const void *a, const void *b)
{
	const struct hgm_thp_size *x = a, *y = b;

	return (x->size > y->size) - (x->size < y->size);
}

HGM_EXPORT int hgm_thp_read(const struct hgm_ctx *ctx, struct hgm_thp **out)
{
	struct hgm_thp *t = calloc(1, sizeof(*t));
	struct dirent *de;
	size_t cap = 0;
	uint64_t pmd;
	DIR *d;
	int fd, bad = 0;

	if (!t)
		return -ENOMEM;
	t->pmd_size = hgm_thp_pmd_size(ctx);
	if (hgm_ctx_read_u64(ctx, THP_DIR "/hpage_pmd_size", &pmd) == 0 && !hgm_is_page_size(pmd)) {
		hgm_thp_free(t);
		return hgm_ctx_fail(ctx, THP_DIR "/hpage_pmd_size",
				    "%" PRIu64 " is not a page size", pmd);
	}
	fd = hgm_ctx_open(ctx, THP_DIR, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		*out = t;	/* no THP in this kernel */
		return fd == -ENOENT ? 0 : (hgm_thp_free(t), fd);
	}
	t->available = true;
	read_choice(ctx, THP_DIR "/enabled", t->enabled, sizeof(t->enabled), &bad);
	read_choice(ctx, THP_DIR "/defrag", t->defrag, sizeof(t->defrag), &bad);
	read_choice(ctx, THP_DIR "/shmem_enabled", t->shmem_enabled, sizeof(t->shmem_enabled),
		    &bad);
	t->use_zero_page = (int)read_num(ctx, THP_DIR "/use_zero_page", &bad);
	t->khugepaged_defrag = (int)read_num(ctx, THP_DIR "/khugepaged/defrag", &bad);
	t->max_ptes_none = read_num(ctx, THP_DIR "/khugepaged/max_ptes_none", &bad);
	t->pages_to_scan = read_num(ctx, THP_DIR "/khugepaged/pages_to_scan", &bad);
	t->scan_sleep_ms = read_num(ctx, THP_DIR "/khugepaged/scan_sleep_millisecs", &bad);
	t->pages_collapsed = read_num(ctx, THP_DIR "/khugepaged/pages_collapsed", &bad);
	t->full_scans = read_num(ctx, THP_DIR "/khugepaged/full_scans", &bad);

	d = fdopendir(fd);
	if (!d) {
		close(fd);
		goto out;
	}
	while ((de = readdir(d))) {
		struct hgm_thp_size *s;
		const char *p = de->d_name;
		char path[512];
		uint64_t kb;

		if (strncmp(p, "hugepages-", 10))
			continue;
		p += 10;
		if (hgm_strtou64(&p, &kb) || strcmp(p, "kB"))
			continue;
		if (kb > UINT64_MAX / 1024 || !hgm_is_page_size(kb * 1024)) {
			snprintf(path, sizeof(path), THP_DIR "/%s", de->d_name);
			closedir(d);
			hgm_thp_free(t);
			return hgm_ctx_fail(ctx, path, "%" PRIu64 " kB is not a page size", kb);
		}
		if (t->nr_sizes == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct hgm_thp_size *ns = realloc(t->sizes, ncap * sizeof(*ns));

			if (!ns) {
				closedir(d);
				hgm_thp_free(t);
				return -ENOMEM;
			}
			t->sizes = ns;
			cap = ncap;
		}
		s = &t->sizes[t->nr_sizes++];
		s->size = kb * 1024;
		snprintf(path, sizeof(path), THP_DIR "/%s/enabled", de->d_name);
		read_choice(ctx, path, s->enabled, sizeof(s->enabled), &bad);
		snprintf(path, sizeof(path), THP_DIR "/%s/shmem_enabled", de->d_name);
		read_choice(ctx, path, s->shmem_enabled, sizeof(s->shmem_enabled), &bad);
	}
	closedir(d);
	if (t->nr_sizes)
		qsort(t->sizes, t->nr_sizes, sizeof(*t->sizes), cmp_size);
out:
	if (bad) {
		hgm_thp_free(t);
		return bad;
	}
	*out = t;
	return 0;
}

HGM_EXPORT void hgm_thp_free(struct hgm_thp *t)
{
	if (!t)
		return;
	free(t->sizes);
	free(t);
}
