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

/* Sums stats/anon_fault_alloc of the mTHP sizes below the PMD size; -1 if none has it. */
static int64_t mthp_faults(const struct hgm_ctx *ctx)
{
	const char *dir = "/sys/kernel/mm/transparent_hugepage";
	uint64_t pmd = hgm_thp_pmd_size(ctx), v;
	int64_t sum = -1;
	struct dirent *de;
	DIR *d;
	int fd = hgm_ctx_open(ctx, dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		char path[512];
		unsigned long kb;

		if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1 || (uint64_t)kb * 1024 >= pmd)
			continue;
		snprintf(path, sizeof(path), "%s/%s/stats/anon_fault_alloc", dir, de->d_name);
		if (hgm_ctx_read_u64(ctx, path, &v) == 0) {
			/* counts from a file: saturate rather than wrap */
			uint64_t s = hgm_add_sat(sum < 0 ? 0 : (uint64_t)sum, v);

			sum = s > INT64_MAX ? INT64_MAX : (int64_t)s;
		}
	}
	closedir(d);
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
