// SPDX-License-Identifier: LGPL-2.1-or-later
/* proc.c - processes: the list of PIDs, command names, huge-page use from smaps_rollup */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hgm-private.h"

HGM_EXPORT int hgm_proc_pids(const struct hgm_ctx *ctx, pid_t **pids, size_t *n)
{
	size_t cap = 64;
	pid_t *v = malloc(cap * sizeof(*v));
	struct dirent *de;
	DIR *d;
	int fd;

	*n = 0;
	*pids = NULL;
	if (!v)
		return -ENOMEM;
	fd = hgm_ctx_open(ctx, "/proc", O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		free(v);
		return fd;
	}
	d = fdopendir(fd);
	if (!d) {
		int ret = -errno;

		close(fd);
		free(v);
		return ret;
	}
	while ((de = readdir(d))) {
		char *end;
		long p = strtol(de->d_name, &end, 10);

		if (*end || p <= 0 || p == getpid())
			continue;
		if (*n == cap) {
			pid_t *nv = realloc(v, (cap *= 2) * sizeof(*v));

			if (!nv) {
				closedir(d);
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[(*n)++] = (pid_t)p;
	}
	closedir(d);
	*pids = v;
	return 0;
}

HGM_EXPORT int hgm_proc_comm(const struct hgm_ctx *ctx, pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	hgm_proc_path(path, sizeof(path), pid, "comm");
	n = hgm_ctx_read(ctx, path, buf, size);
	if (n < 0) {
		snprintf(buf, size, "?");
		return (int)n;
	}
	/* the kernel ends the name with a newline; the name itself may hold one */
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* PF_KTHREAD of include/linux/sched.h, in the flags field of /proc/PID/stat */
#define PROC_PF_KTHREAD	0x00200000UL

HGM_EXPORT int hgm_proc_kthread(const struct hgm_ctx *ctx, pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long flags;
	ssize_t n;
	int field;

	hgm_proc_path(path, sizeof(path), pid, "stat");
	n = hgm_ctx_read(ctx, path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	/* "PID (COMM) STATE PPID PGRP SESSION TTY TPGID FLAGS ...": COMM may hold ')' */
	p = strrchr(buf, ')');
	for (field = 0; p && field < 7; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %lu", &flags) != 1)
		return -EBADMSG;
	return (flags & PROC_PF_KTHREAD) != 0;
}

static int proc_usage(const struct hgm_ctx *ctx, pid_t pid, struct hgm_proc_usage *pu)
{
	struct hgm_vma *v = malloc(sizeof(*v));
	uint64_t sum[HGM_SM_NR_FIELDS] = { 0 }, present = 0;
	struct hgm_smaps *sm;
	char path[64];
	int ret, i;

	if (!v)
		return -ENOMEM;
	hgm_proc_path(path, sizeof(path), pid, "smaps_rollup");
	ret = hgm_smaps_open_path(ctx, path, &sm);
	if (ret == -ENOENT)
		ret = hgm_smaps_open(ctx, pid, &sm);
	if (ret) {
		free(v);
		return ret;
	}
	while ((ret = hgm_smaps_next(sm, v)) > 0) {
		for (i = 0; i < HGM_SM_NR_FIELDS; i++)
			sum[i] = hgm_add_sat(sum[i], v->field[i]);
		present |= v->present;
	}
	hgm_smaps_free(sm);
	free(v);
	if (ret < 0)
		return ret;
	pu->hugetlb = hgm_add_sat(sum[HGM_SM_SHARED_HUGETLB], sum[HGM_SM_PRIVATE_HUGETLB]);
	pu->thp = hgm_add_sat(hgm_add_sat(sum[HGM_SM_ANON_HUGE_PAGES],
					  sum[HGM_SM_SHMEM_PMD_MAPPED]),
			      sum[HGM_SM_FILE_PMD_MAPPED]);
	pu->pte = present & (UINT64_C(1) << HGM_SM_HUGETLB_PTE_MAPPED) ?
		  sum[HGM_SM_HUGETLB_PTE_MAPPED] : UINT64_MAX;
	return 0;
}

HGM_EXPORT int hgm_proc_usage(const struct hgm_ctx *ctx, pid_t pid, struct hgm_proc_usage *pu)
{
	struct hgm_proc_usage full = { .size = sizeof(full) };
	int ret;

	if (!hgm_sized_ok(pu))
		return -EINVAL;
	ret = proc_usage(ctx, pid, &full);
	hgm_copy_sized(pu, &full, sizeof(full));
	return ret;
}

HGM_EXPORT int hgm_pagemap_available(const struct hgm_ctx *ctx, pid_t pid)
{
	char path[64];
	int fd;

	hgm_proc_path(path, sizeof(path), pid, "pagemap");
	fd = hgm_ctx_open(ctx, path, O_RDONLY);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

HGM_EXPORT int hgm_self_exe(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}
