// SPDX-License-Identifier: LGPL-2.1-or-later
/* cgroup.c - cgroup v2: the mount, a subtree's processes, its hugetlb and THP counters */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hgm-private.h"

#define CG_MAX_DEPTH	64	/* cgroup.max.depth is unlimited; a tree deeper than this is refused */

/*
 * mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPER";
 * the mount point has spaces and such written as octal escapes ("\040").
 */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

HGM_EXPORT int hgm_cgroup_mount(const struct hgm_ctx *ctx, char *buf, size_t size)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ret = hgm_ctx_fopen(ctx, "/proc/self/mountinfo", &f);

	if (ret)
		return ret;
	ret = -ENOENT;
	while (ret == -ENOENT && getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - "), *save = NULL, *tok, *mnt = NULL;
		int i;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		*sep = '\0';
		tok = strtok_r(line, " ", &save);
		for (i = 0; tok && i < 4; i++)
			tok = strtok_r(NULL, " ", &save);
		mnt = tok;
		if (!mnt || mnt[0] != '/')
			continue;
		unescape(mnt);
		ret = snprintf(buf, size, "%s", mnt) >= (int)size ? -ENAMETOOLONG : 0;
	}
	free(line);
	fclose(f);
	return ret;
}

HGM_EXPORT int hgm_cgroup_resolve(const struct hgm_ctx *ctx, const char *path, char *dir,
				  size_t size, char *rel, size_t relsize)
{
	char mnt[512], name[1024];
	const char *p = path;
	size_t ml;
	int ret, fd;

	ret = hgm_cgroup_mount(ctx, mnt, sizeof(mnt));
	if (ret)
		return ret;
	ml = strlen(mnt);
	while (ml > 1 && mnt[ml - 1] == '/')
		mnt[--ml] = '\0';
	/* absolute under the mount, else relative to it (a leading "/" or not) */
	if (strncmp(p, mnt, ml) == 0 && (p[ml] == '/' || p[ml] == '\0'))
		p += ml;
	while (*p == '/')
		p++;
	if (strlen(p) >= sizeof(name))
		return -ENAMETOOLONG;
	/* the cgroup's name: components joined by one "/", no "." or ".." */
	name[0] = '\0';
	while (*p) {
		size_t n = strcspn(p, "/");

		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		snprintf(name + strlen(name), sizeof(name) - strlen(name), "/%.*s", (int)n, p);
		p += n;
		while (*p == '/')
			p++;
	}
	if (snprintf(dir, size, "%s%s", ml == 1 ? "" : mnt, name[0] ? name : (ml == 1 ? "/" : ""))
	    >= (int)size)
		return -ENAMETOOLONG;
	if (rel && snprintf(rel, relsize, "%s", name[0] ? name : "/") >= (int)relsize)
		return -ENAMETOOLONG;
	fd = hgm_ctx_open(ctx, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd == -ENOTDIR ? -ENOENT : fd;
	close(fd);
	/* a directory of the mount that is a cgroup has cgroup.procs */
	snprintf(name, sizeof(name), "%s/cgroup.procs", dir);
	fd = hgm_ctx_open(ctx, name, O_RDONLY);
	if (fd < 0)
		return fd == -EACCES || fd == -EPERM ? fd : -ENOENT;
	close(fd);
	return 0;
}

struct pidset {
	pid_t *v;
	size_t n, cap;
};

static int pidset_add(struct pidset *s, pid_t pid)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		pid_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = pid;
	return 0;
}

/* cgroup.procs of @dir, then of each directory below it. */
static int collect(const struct hgm_ctx *ctx, const char *dir, int depth, struct pidset *s)
{
	char path[4096], *line = NULL;
	struct dirent *de;
	size_t cap = 0;
	FILE *f;
	DIR *d;
	int ret;

	if (depth > CG_MAX_DEPTH)
		return -ELOOP;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	ret = hgm_ctx_fopen(ctx, path, &f);
	if (ret)
		return ret;
	while (!ret && getline(&line, &cap, f) > 0) {
		const char *p = line;
		uint64_t pid;

		if (hgm_strtou64(&p, &pid) || (*p && *p != '\n') || !pid || pid > INT32_MAX)
			ret = hgm_ctx_fail(ctx, path, "'%s' is not a PID", hgm_chomp(line));
		else
			ret = pidset_add(s, (pid_t)pid);
	}
	free(line);
	fclose(f);
	if (ret)
		return ret;
	ret = hgm_ctx_opendir(ctx, dir, &d);
	if (ret)
		return ret;
	while (!ret && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path)) {
			ret = -ENAMETOOLONG;
			break;
		}
		ret = collect(ctx, path, depth + 1, s);
		if (ret == -ENOENT)
			ret = 0;		/* removed meanwhile */
	}
	closedir(d);
	return ret;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

HGM_EXPORT int hgm_cgroup_pids(const struct hgm_ctx *ctx, const char *dir, pid_t **pids,
			       size_t *n)
{
	struct pidset s = { 0 };
	size_t i, k = 0;
	int ret;

	*pids = NULL;
	*n = 0;
	ret = collect(ctx, dir, 0, &s);
	if (ret) {
		free(s.v);
		return ret;
	}
	qsort(s.v, s.n, sizeof(*s.v), cmp_pid);
	for (i = 0; i < s.n; i++)
		if (!k || s.v[k - 1] != s.v[i])
			s.v[k++] = s.v[i];
	*pids = s.v;
	*n = k;
	return 0;
}

/* "2MB", "1GB", "64KB" of hugetlb.SIZE.* into bytes; 0 when it is no size. */
static uint64_t cg_size(const char *s, size_t len)
{
	const char *p = s;
	uint64_t v;

	if (hgm_strtou64(&p, &v) || (size_t)(p - s) + 2 != len || p[1] != 'B')
		return 0;
	switch (p[0]) {
	case 'K': return v << 10;
	case 'M': return v << 20;
	case 'G': return v << 30;
	case 'T': return v << 40;
	}
	return 0;
}

/* A limit file: a number, or "max" (unlimited). */
static int read_limit(const struct hgm_ctx *ctx, const char *path, uint64_t *val, bool *unlimited)
{
	char buf[64];
	const char *p = buf;
	ssize_t n = hgm_ctx_read(ctx, path, buf, sizeof(buf));

	*val = HGM_UNKNOWN;
	*unlimited = false;
	if (n < 0)
		return (int)n;
	hgm_chomp(buf);
	if (strcmp(buf, "max") == 0) {
		*unlimited = true;
		return 0;
	}
	if (hgm_strtou64(&p, val) || *p) {
		*val = HGM_UNKNOWN;
		return hgm_ctx_fail(ctx, path, "'%s' is neither a number nor \"max\"", buf);
	}
	return 0;
}

/* The value of @key in a flat keyed file ("max 3\n"); unknown when it is not there. */
static int read_keyed(const struct hgm_ctx *ctx, const char *path, const char *key, uint64_t *val)
{
	char buf[512], *line, *save = NULL;
	ssize_t n = hgm_ctx_read(ctx, path, buf, sizeof(buf));
	size_t kl = strlen(key);

	*val = HGM_UNKNOWN;
	if (n < 0)
		return (int)n;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *p = line + kl + 1;

		if (strncmp(line, key, kl) != 0 || line[kl] != ' ')
			continue;
		if (hgm_strtou64(&p, val) || *p)
			return hgm_ctx_fail(ctx, path, "'%s' is not \"%s COUNT\"", line, key);
		return 0;
	}
	return 0;
}

static int read_size(const struct hgm_ctx *ctx, const char *dir, uint64_t size, const char *tag,
		     struct hgm_cgroup_hugetlb *h)
{
	char path[4096];
	int ret;

	h->page_size = size;
#define CG_FILE(what) (snprintf(path, sizeof(path), "%s/hugetlb.%s.%s", dir, tag, what), path)
	ret = hgm_ctx_read_u64(ctx, CG_FILE("current"), &h->current);
	if (ret) {
		h->current = HGM_UNKNOWN;
		if (ret != -ENOENT)
			return ret;
	}
	ret = read_limit(ctx, CG_FILE("max"), &h->max, &h->max_unlimited);
	if (ret && ret != -ENOENT)
		return ret;
	ret = hgm_ctx_read_u64(ctx, CG_FILE("rsvd.current"), &h->rsvd_current);
	if (ret) {
		h->rsvd_current = HGM_UNKNOWN;
		if (ret != -ENOENT)
			return ret;
	}
	ret = read_limit(ctx, CG_FILE("rsvd.max"), &h->rsvd_max, &h->rsvd_max_unlimited);
	if (ret && ret != -ENOENT)
		return ret;
	ret = read_keyed(ctx, CG_FILE("events"), "max", &h->events_max);
	if (ret && ret != -ENOENT)
		return ret;
	ret = read_keyed(ctx, CG_FILE("events.local"), "max", &h->events_local_max);
	if (ret && ret != -ENOENT)
		return ret;
#undef CG_FILE
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	const struct hgm_cgroup_hugetlb *x = a, *y = b;

	return (x->page_size > y->page_size) - (x->page_size < y->page_size);
}

/* Every hugetlb.SIZE.current in @dir: the sizes the controller accounts. */
static int read_hugetlb(const struct hgm_ctx *ctx, const char *dir, struct hgm_cgroup *cg)
{
	struct dirent *de;
	DIR *d;
	int ret = hgm_ctx_opendir(ctx, dir, &d);

	if (ret)
		return ret;
	while (!ret && (de = readdir(d))) {
		const char *tag = de->d_name + 8, *dot;
		struct hgm_cgroup_hugetlb *nv;
		char t[32];
		uint64_t size;

		if (strncmp(de->d_name, "hugetlb.", 8) != 0 || !(dot = strchr(tag, '.')) ||
		    strcmp(dot, ".current") != 0 || (size_t)(dot - tag) >= sizeof(t))
			continue;
		size = cg_size(tag, (size_t)(dot - tag));
		if (!size)
			continue;
		snprintf(t, sizeof(t), "%.*s", (int)(dot - tag), tag);
		nv = realloc(cg->sizes, (cg->nr_hugetlb + 1) * sizeof(*nv));
		if (!nv) {
			ret = -ENOMEM;
			break;
		}
		cg->sizes = nv;
		memset(&nv[cg->nr_hugetlb], 0, sizeof(*nv));
		ret = read_size(ctx, dir, size, t, &nv[cg->nr_hugetlb]);
		cg->nr_hugetlb++;
	}
	closedir(d);
	if (cg->nr_hugetlb) {
		cg->hugetlb = true;
		qsort(cg->sizes, cg->nr_hugetlb, sizeof(*cg->sizes), cmp_size);
	}
	return ret;
}

/* The THP counters of memory.stat: each key that names THP. */
static int read_memory(const struct hgm_ctx *ctx, const char *dir, struct hgm_cgroup *cg)
{
	char path[4096], *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	ret = hgm_ctx_fopen(ctx, path, &f);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	cg->memory = true;
	while (!ret && getline(&line, &cap, f) > 0) {
		char *sp = strchr(line, ' ');
		struct hgm_cgroup_stat *nv;
		const char *p;
		uint64_t val;

		if (!sp || (size_t)(sp - line) >= sizeof(nv->name))
			continue;
		*sp = '\0';
		if (!strstr(line, "thp"))
			continue;
		p = sp + 1;
		if (hgm_strtou64(&p, &val) || (*p && *p != '\n')) {
			ret = hgm_ctx_fail(ctx, path, "%s: not a count", line);
			break;
		}
		nv = realloc(cg->stats, (cg->nr_stats + 1) * sizeof(*nv));
		if (!nv) {
			ret = -ENOMEM;
			break;
		}
		cg->stats = nv;
		snprintf(nv[cg->nr_stats].name, sizeof(nv->name), "%s", line);
		nv[cg->nr_stats++].value = val;
	}
	free(line);
	fclose(f);
	return ret;
}

HGM_EXPORT int hgm_cgroup_read(const struct hgm_ctx *ctx, const char *dir, struct hgm_cgroup **out)
{
	struct hgm_cgroup *cg = calloc(1, sizeof(*cg));
	int ret;

	*out = NULL;
	if (!cg)
		return -ENOMEM;
	ret = read_hugetlb(ctx, dir, cg);
	if (!ret)
		ret = read_memory(ctx, dir, cg);
	if (ret) {
		hgm_cgroup_free(cg);
		return ret;
	}
	*out = cg;
	return 0;
}

HGM_EXPORT void hgm_cgroup_free(struct hgm_cgroup *cg)
{
	if (!cg)
		return;
	free(cg->sizes);
	free(cg->stats);
	free(cg);
}

HGM_EXPORT int hgm_proc_cgroup(const struct hgm_ctx *ctx, pid_t pid, char *buf, size_t size)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int ret = hgm_proc_fopen(ctx, pid, "cgroup", &f);

	if (ret)
		return ret;
	/* "HIERARCHY-ID:CONTROLLERS:PATH"; cgroup v2 is hierarchy 0 with no controllers */
	ret = -ENOENT;
	while (ret == -ENOENT && (n = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, "0::", 3) != 0 || line[3] != '/')
			continue;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		ret = snprintf(buf, size, "%s", line + 3) >= (int)size ? -ENAMETOOLONG : 0;
	}
	free(line);
	fclose(f);
	return ret;
}
