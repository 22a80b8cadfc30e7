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
	t->max_ptes_swap = read_num(ctx, THP_DIR "/khugepaged/max_ptes_swap", &bad);
	t->max_ptes_shared = read_num(ctx, THP_DIR "/khugepaged/max_ptes_shared", &bad);
	t->alloc_sleep_ms = read_num(ctx, THP_DIR "/khugepaged/alloc_sleep_millisecs", &bad);

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

/* A name under THP_DIR: relative, without "." or ".." components. */
static bool name_ok(const char *name)
{
	const char *p = name;

	if (!*name || *name == '/')
		return false;
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && !strncmp(p, "..", 2)))
			return false;
		p += len;
		if (*p == '/')
			p++;
	}
	return p[-1] != '/';
}

HGM_EXPORT int hgm_thp_setting_path(const char *name, char *buf, size_t size)
{
	int n;

	if (!name_ok(name))
		return -EINVAL;
	n = snprintf(buf, size, THP_DIR "/%s", name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

HGM_EXPORT int hgm_thp_setting_read(const struct hgm_ctx *ctx, const char *name, char *value,
				    size_t vsize, char *choices, size_t csize)
{
	char path[512], buf[256];
	ssize_t n;
	int ret = hgm_thp_setting_path(name, path, sizeof(path));

	if (ret < 0)
		return ret;
	n = hgm_ctx_read(ctx, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	hgm_chomp(buf);
	if (choices)
		snprintf(choices, csize, "%s", buf);
	if (parse_selected(buf, value, vsize) < 0)
		snprintf(value, vsize, "%s", buf);
	return 0;
}

/* The counters of khugepaged: files of the directory that only the kernel writes. */
static bool read_only(const char *name)
{
	static const char *const counters[] = {
		"khugepaged/pages_collapsed", "khugepaged/full_scans", "hpage_pmd_size",
	};
	size_t i;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (!strcmp(name, counters[i]))
			return true;
	return false;
}

/*
 * The range of a number setting, as the kernel's store functions check it
 * (mm/khugepaged.c, mm/huge_memory.c): [*lo, *hi].
 */
static void number_range(const struct hgm_ctx *ctx, const char *name, uint64_t *lo,
			 uint64_t *hi)
{
	const char *leaf = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	long page = sysconf(_SC_PAGESIZE);

	*lo = 0;
	*hi = UINT32_MAX;
	if (!strncmp(leaf, "max_ptes_", 9))
		*hi = hgm_thp_pmd_size(ctx) / (uint64_t)(page > 0 ? page : 4096) - 1;
	else if (!strcmp(name, "khugepaged/pages_to_scan"))
		*lo = 1;
	else if (!strcmp(name, "khugepaged/defrag") || !strcmp(name, "use_zero_page"))
		*hi = 1;
}

/* Whether @word is one of the blank-separated words of @list, brackets aside. */
static bool one_of(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while (*p) {
		size_t n;

		p += strspn(p, " \t[]");
		n = strcspn(p, " \t[]");
		if (n && n == len && !strncmp(p, word, n))
			return true;
		p += n;
	}
	return false;
}

HGM_EXPORT int hgm_thp_setting_check(const struct hgm_ctx *ctx, const char *name,
				     const char *value, char *allowed, size_t size)
{
	char cur[HGM_SETTING_MAX], choices[256];
	const char *p = value;
	uint64_t v, lo, hi;
	int ret;

	if (size)
		allowed[0] = '\0';
	ret = hgm_thp_setting_read(ctx, name, cur, sizeof(cur), choices, sizeof(choices));
	if (ret)
		return ret;
	if (read_only(name)) {
		snprintf(allowed, size, "read-only: a counter");
		return -EROFS;
	}
	if (strchr(choices, '[')) {
		/* the kernel's own words, the selected one in brackets */
		snprintf(allowed, size, "%s", choices);
		return one_of(choices, value) ? 0 : -EINVAL;
	}
	number_range(ctx, name, &lo, &hi);
	snprintf(allowed, size, "%" PRIu64 " to %" PRIu64, lo, hi);
	if (hgm_strtou64(&p, &v) || *p || v < lo || v > hi)
		return -EINVAL;
	return 0;
}

HGM_EXPORT int hgm_thp_check_write(const struct hgm_ctx *ctx, const char *name)
{
	char path[512];
	int ret = hgm_thp_setting_path(name, path, sizeof(path));

	return ret < 0 ? ret : hgm_ctx_check_write(ctx, path);
}

/* Writes @value to setting @name and reads it back into @obtained; 0 or -errno. */
static int write_setting(const struct hgm_ctx *ctx, const char *name, const char *value,
			 char *obtained, size_t size, bool *written)
{
	char path[512], buf[HGM_SETTING_MAX + 2];
	int ret = hgm_thp_setting_path(name, path, sizeof(path));

	*written = false;
	if (ret < 0)
		return ret;
	snprintf(buf, sizeof(buf), "%s\n", value);
	ret = hgm_ctx_write(ctx, path, buf);
	*written = ret == 0;
	/* a refused write may still have changed something: always read back */
	if (hgm_thp_setting_read(ctx, name, obtained, size, NULL, 0))
		obtained[0] = '\0';
	if (!ret && strcmp(obtained, value))
		ret = -EIO;
	return ret;
}

HGM_EXPORT int hgm_thp_apply(const struct hgm_ctx *ctx, struct hgm_thp_change *ch, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		ch[i].previous[0] = ch[i].obtained[0] = '\0';
		ch[i].error = ch[i].restore_error = 0;
		ch[i].written = ch[i].restored = false;
	}
	for (i = 0; i < n; i++) {
		struct hgm_thp_change *c = &ch[i];

		c->error = hgm_thp_setting_read(ctx, c->name, c->previous, sizeof(c->previous),
						NULL, 0);
		if (!c->error)
			c->error = write_setting(ctx, c->name, c->value, c->obtained,
						 sizeof(c->obtained), &c->written);
		if (!c->error)
			continue;
		/* put back what this call changed, last first, this one too if it took */
		for (j = i + 1; j-- > 0; ) {
			char back[HGM_SETTING_MAX];
			bool w;

			if (!ch[j].previous[0] || (j == i && !strcmp(ch[j].obtained,
							       ch[j].previous)))
				continue;
			ch[j].restore_error = write_setting(ctx, ch[j].name, ch[j].previous, back,
							    sizeof(back), &w);
			ch[j].restored = ch[j].restore_error == 0;
			snprintf(ch[j].obtained, sizeof(ch[j].obtained), "%s", back);
		}
		return c->error;
	}
	return 0;
}
