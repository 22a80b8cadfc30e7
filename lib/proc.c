// SPDX-License-Identifier: LGPL-2.1-or-later
/* proc.c - processes: the list of PIDs, command names, huge-page use from smaps_rollup */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
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

/* What the rollup (one record) says; levels of hugetlb only from the HGM fields. */
static int proc_rollup(const struct hgm_ctx *ctx, pid_t pid, struct hgm_proc_usage *pu)
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
	pu->thp_anon = sum[HGM_SM_ANON_HUGE_PAGES];
	pu->thp_shmem = sum[HGM_SM_SHMEM_PMD_MAPPED];
	pu->thp_file = sum[HGM_SM_FILE_PMD_MAPPED];
	pu->thp = hgm_add_sat(hgm_add_sat(pu->thp_anon, pu->thp_shmem), pu->thp_file);
	pu->pte = present & (UINT64_C(1) << HGM_SM_HUGETLB_PTE_MAPPED) ?
		  sum[HGM_SM_HUGETLB_PTE_MAPPED] : UINT64_MAX;
	if (HGM_KNOWN(pu->pte)) {
		pu->hugetlb_mapped[HGM_LEVEL_PTE] = pu->pte;
		pu->hugetlb_mapped[HGM_LEVEL_PMD] = sum[HGM_SM_HUGETLB_PMD_MAPPED];
		pu->hugetlb_mapped[HGM_LEVEL_PUD] = sum[HGM_SM_HUGETLB_PUD_MAPPED];
	}
	return 0;
}

/* Page sizes (and levels, without the HGM fields) of the hugetlb VMAs, from smaps. */
static int proc_hugetlb_sizes(const struct hgm_ctx *ctx, pid_t pid, bool levels,
			      struct hgm_proc_usage *pu)
{
	uint64_t pmd_size = hgm_thp_pmd_size(ctx);
	struct hgm_smaps *sm;
	struct hgm_vma *v;
	int ret;

	ret = hgm_vma_new(&v);
	if (ret)
		return ret;
	ret = hgm_smaps_open(ctx, pid, &sm);
	if (ret) {
		hgm_vma_free(v);
		return ret;
	}
	while ((ret = hgm_smaps_next(sm, v)) > 0) {
		struct hgm_vma_usage u;
		uint64_t bytes;
		size_t i, j;

		if (!hgm_vma_flag(v, HGM_VF_HT))
			continue;
		hgm_vma_usage(v, pmd_size, &u);
		bytes = hgm_add_sat(v->field[HGM_SM_SHARED_HUGETLB], v->field[HGM_SM_PRIVATE_HUGETLB]);
		if (levels)
			for (i = 0; i < HGM_NR_LEVELS; i++)
				if (HGM_KNOWN(u.mapped[i]))
					pu->hugetlb_mapped[i] += u.mapped[i];
		if (!bytes || !HGM_KNOWN(u.page_size))
			continue;
		for (i = 0; i < pu->nr_hugetlb_sizes; i++)
			if (pu->hugetlb_sizes[i].page_size >= u.page_size)
				break;
		if (i == pu->nr_hugetlb_sizes || pu->hugetlb_sizes[i].page_size != u.page_size) {
			if (pu->nr_hugetlb_sizes == HGM_PROC_MAX_SIZES)
				continue;
			for (j = pu->nr_hugetlb_sizes; j > i; j--)
				pu->hugetlb_sizes[j] = pu->hugetlb_sizes[j - 1];
			pu->hugetlb_sizes[i].page_size = u.page_size;
			pu->hugetlb_sizes[i].bytes = 0;
			pu->nr_hugetlb_sizes++;
		}
		pu->hugetlb_sizes[i].bytes += bytes;
	}
	hgm_smaps_free(sm);
	hgm_vma_free(v);
	return ret < 0 ? ret : 0;
}

/*
 * The nodes of hugetlb pages, from numa_maps: its lines of hugetlb VMAs say
 * "huge" and count pages per node as "N1=3".  Returns 0 or -errno.
 */
static int proc_hugetlb_nodes(const struct hgm_ctx *ctx, pid_t pid, uint64_t *nodes)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ret = hgm_proc_fopen(ctx, pid, "numa_maps", &f);

	if (ret)
		return ret;
	*nodes = 0;
	while (getline(&line, &cap, f) > 0) {
		char *tok, *save = NULL;

		if (!strstr(line, " huge"))
			continue;
		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			unsigned int node;
			unsigned long long pages;

			if (sscanf(tok, "N%u=%llu", &node, &pages) == 2 && node < 64 && pages)
				*nodes |= UINT64_C(1) << node;
		}
	}
	free(line);
	fclose(f);
	return 0;
}

/*
 * Adds the node of row @f (the scan's HGM_SCAN_NODES: move_pages of one
 * page per row) to the set @nodes (bit N: a page on node N); a row whose
 * node the kernel would not say makes the set unknown.
 */
static void add_node(uint64_t *nodes, const struct hgm_folio *f)
{
	if (!HGM_KNOWN(*nodes))
		return;
	if (HGM_KNOWN(f->node) && f->node >= 0 && f->node < 64)
		*nodes |= UINT64_C(1) << f->node;
	else
		*nodes = HGM_UNKNOWN;
}

/* PMD-mapped THP, from a scan of huge leaves only */
static int pmd_thp_row(const struct hgm_folio *f, void *arg)
{
	if (f->present && f->level == HGM_LEVEL_PMD && f->kind == HGM_FOLIO_THP)
		add_node(arg, f);
	return 0;
}

/* hugetlb VMAs have no THP: their pages are not scanned */
static int folio_vma(const struct hgm_vma *v, void *arg)
{
	(void)arg;
	return hgm_vma_flag(v, HGM_VF_HT) ? HGM_SCAN_SKIP : 0;
}

/*
 * The nodes of the PMD-mapped THP: PAGEMAP_SCAN of huge leaves only (no page
 * flags), and move_pages of one page per leaf.  Unknown on a recorded tree
 * or where the process may not be asked.
 */
static int proc_thp_nodes(const struct hgm_ctx *ctx, pid_t pid, struct hgm_proc_usage *pu)
{
	const struct hgm_scan_ops ops = { .vma = folio_vma, .folio = pmd_thp_row };
	uint64_t nodes = 0;
	int ret;

	pu->thp_nodes = HGM_UNKNOWN;
	if (!pu->thp) {
		pu->thp_nodes = 0;
		return 0;
	}
	if (!hgm_ctx_is_live(ctx) || numa_available() < 0)
		return 0;
	ret = hgm_scan(ctx, pid, 0, 0, HGM_SCAN_NO_FOLIOS | HGM_SCAN_NO_COUNT |
		       HGM_SCAN_LIGHT_VMAS | HGM_SCAN_HUGE_ONLY | HGM_SCAN_NODES, &ops, &nodes);
	if (!ret)
		pu->thp_nodes = nodes;
	/* a pagemap we may not read hides the nodes, not the process */
	return ret == -EACCES || ret == -EPERM ? 0 : ret;
}

struct folio_sum {
	struct hgm_proc_usage *pu;
	uint64_t *nodes;		/* NULL: nodes not asked for */
	bool unknown;
};

static int folio_row(const struct hgm_folio *f, void *arg)
{
	struct folio_sum *fs = arg;
	uint64_t len = f->end - f->start;

	if (!f->present)
		return 0;
	if (f->kind == HGM_FOLIO_UNKNOWN) {
		fs->unknown = true;
		return 0;
	}
	if (f->kind != HGM_FOLIO_THP && f->kind != HGM_FOLIO_MTHP)
		return 0;
	if (f->level == HGM_LEVEL_PTE)
		fs->pu->thp_pte += len;
	if (f->order < HGM_PROC_MAX_ORDER)
		fs->pu->thp_order[f->order] += len;
	if (fs->nodes)
		add_node(fs->nodes, f);
	return 0;
}

/*
 * THP mapped by PTEs, and by order, from the page scan; unknown where it
 * cannot tell.  With @nodes, also the nodes of every THP and mTHP folio
 * found; where the scan cannot be done, those of the PMD-mapped THP.
 */
static int proc_folios(const struct hgm_ctx *ctx, pid_t pid, bool nodes,
		       struct hgm_proc_usage *pu)
{
	const struct hgm_scan_ops ops = { .vma = folio_vma, .folio = folio_row };
	struct folio_sum fs = { .pu = pu };
	uint64_t found = 0;
	size_t i;
	int ret;

	if (!hgm_ctx_is_live(ctx) || !hgm_kpageflags_readable(ctx))
		return nodes ? proc_thp_nodes(ctx, pid, pu) : 0;
	pu->thp_pte = 0;
	for (i = 0; i < HGM_PROC_MAX_ORDER; i++)
		pu->thp_order[i] = 0;
	if (nodes && numa_available() >= 0)
		fs.nodes = &found;
	ret = hgm_scan(ctx, pid, 0, 0, HGM_SCAN_NO_COUNT | HGM_SCAN_LIGHT_VMAS |
		       (fs.nodes ? HGM_SCAN_NODES : 0), &ops, &fs);
	if (ret || fs.unknown) {
		pu->thp_pte = HGM_UNKNOWN;
		for (i = 0; i < HGM_PROC_MAX_ORDER; i++)
			pu->thp_order[i] = HGM_UNKNOWN;
	}
	/* some rows unknown: their nodes too */
	if (!ret && !fs.unknown && fs.nodes)
		pu->thp_nodes = found;
	/* a pagemap we may not read hides the folios, not the process */
	return ret == -EACCES || ret == -EPERM ? 0 : ret;
}

static int proc_measure(const struct hgm_ctx *ctx, pid_t pid, unsigned int flags,
			struct hgm_proc_usage *pu)
{
	size_t i;
	int ret;

	memset(pu, 0, sizeof(*pu));
	pu->size = sizeof(*pu);
	pu->thp_pte = HGM_UNKNOWN;
	for (i = 0; i < HGM_PROC_MAX_ORDER; i++)
		pu->thp_order[i] = HGM_UNKNOWN;
	pu->thp_nodes = HGM_UNKNOWN;
	ret = proc_rollup(ctx, pid, pu);
	if (ret)
		return ret;
	if (pu->hugetlb) {
		ret = proc_hugetlb_sizes(ctx, pid, !HGM_KNOWN(pu->pte), pu);
		if (ret)
			return ret;
		if (proc_hugetlb_nodes(ctx, pid, &pu->hugetlb_nodes))
			pu->hugetlb_nodes = HGM_UNKNOWN;
	}
	if (flags & HGM_PROC_FOLIOS)
		return proc_folios(ctx, pid, flags & HGM_PROC_THP_NODES, pu);
	return flags & HGM_PROC_THP_NODES ? proc_thp_nodes(ctx, pid, pu) : 0;
}

HGM_EXPORT int hgm_proc_measure(const struct hgm_ctx *ctx, pid_t pid, unsigned int flags,
				struct hgm_proc_usage *pu)
{
	struct hgm_proc_usage full;
	int ret;

	if (!hgm_sized_ok(pu))
		return -EINVAL;
	ret = proc_measure(ctx, pid, flags, &full);
	hgm_copy_sized(pu, &full, sizeof(full));
	return ret;
}

HGM_EXPORT int hgm_proc_usage(const struct hgm_ctx *ctx, pid_t pid, struct hgm_proc_usage *pu)
{
	return hgm_proc_measure(ctx, pid, 0, pu);
}

HGM_EXPORT int hgm_procs_walk(const struct hgm_ctx *ctx, const pid_t *pids, size_t n,
			      unsigned int flags, const struct hgm_procs_ops *ops, void *arg,
			      unsigned long *failed, unsigned long *scanned)
{
	pid_t *all = NULL;
	unsigned long nfailed = 0, nscanned = 0;
	size_t i;
	int ret = 0;

	if (!pids) {
		ret = hgm_proc_pids(ctx, &all, &n);
		if (ret)
			return ret;
		pids = all;
	}
	for (i = 0; i < n; i++) {
		struct hgm_proc_usage pu;
		char comm[64];
		int r;

		r = proc_measure(ctx, pids[i], flags, &pu);
		if (r == -ESRCH || r == -ENOENT)
			continue;		/* gone meanwhile */
		nscanned++;
		if (r) {
			nfailed++;
			if (ops->unreadable)
				ops->unreadable(pids[i], r, arg);
			continue;
		}
		/* "?" when it cannot be read: a recorded tree may not have it */
		hgm_proc_comm(ctx, pids[i], comm, sizeof(comm));
		ret = ops->proc(pids[i], comm, &pu, arg);
		if (ret)
			break;
	}
	free(all);
	if (failed)
		*failed = nfailed;
	if (scanned)
		*scanned = nscanned;
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
