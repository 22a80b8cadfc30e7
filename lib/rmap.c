// SPDX-License-Identifier: LGPL-2.1-or-later
/* rmap.c - every mapping of one folio, found by scanning the page tables of processes */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hgm-private.h"

struct rmap_walk {
	struct hgm_pfn_folio folio;
	const struct hgm_rmap_ops *ops;
	void *arg;
	struct hgm_rmap_hit hit;
	char comm[64];
	unsigned long found;
};

/* hugetlb folios live in hugetlb VMAs only, and other folios never there */
static int on_vma(const struct hgm_vma *v, void *arg)
{
	struct rmap_walk *rw = arg;

	return hgm_vma_flag(v, HGM_VF_HT) == rw->folio.hugetlb ? 0 : HGM_SCAN_SKIP;
}

static int on_folio(const struct hgm_folio *f, void *arg)
{
	struct rmap_walk *rw = arg;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t npages = (f->end - f->start) / page;
	uint64_t lo = rw->folio.head, hi = rw->folio.head + (UINT64_C(1) << rw->folio.order);
	uint64_t a, b;

	if (!HGM_KNOWN(f->pfn) || f->pfn >= hi || f->pfn + npages <= lo)
		return 0;
	/* the part of this row whose PFNs fall inside the folio */
	a = f->pfn > lo ? f->pfn : lo;
	b = f->pfn + npages < hi ? f->pfn + npages : hi;
	rw->hit.start = f->start + (a - f->pfn) * page;
	rw->hit.end = f->start + (b - f->pfn) * page;
	rw->hit.f = f;
	rw->found++;
	return rw->ops->hit(&rw->hit, rw->arg);
}

HGM_EXPORT int hgm_rmap_walk(const struct hgm_ctx *ctx, const struct hgm_pfn_folio *folio,
			     const pid_t *pids, size_t n, const struct hgm_rmap_ops *ops,
			     void *arg, unsigned long *failed)
{
	const struct hgm_scan_ops sops = { .vma = on_vma, .folio = on_folio };
	struct rmap_walk rw = { .folio = *folio, .ops = ops, .arg = arg };
	size_t i;
	int ret;

	rw.hit.comm = rw.comm;
	*failed = 0;
	for (i = 0; i < n; i++) {
		rw.hit.pid = pids[i];
		hgm_proc_comm(ctx, pids[i], rw.comm, sizeof(rw.comm));
		if (ops->progress)
			ops->progress(i, n, rw.found, arg);
		ret = hgm_scan(ctx, pids[i], 0, 0, HGM_SCAN_NO_FOLIOS | HGM_SCAN_LIGHT_VMAS, &sops,
			       &rw);
		if (ret > 0)
			return ret;
		/* processes that exit while we look are simply gone */
		if (ret < 0 && ret != -ESRCH) {
			(*failed)++;
			if (ops->unreadable)
				ops->unreadable(pids[i], ret, arg);
		}
	}
	if (ops->progress)
		ops->progress(n, n, rw.found, arg);
	return 0;
}

/*
 * A zone of /proc/zoneinfo spans PFNs [start_pfn, start_pfn + spanned):
 * "        spanned  1044480" comes before "  start_pfn:           4096".
 */
HGM_EXPORT int hgm_pfn_end(const struct hgm_ctx *ctx, uint64_t *end)
{
	uint64_t spanned = 0, start, best = 0;
	bool have_spanned = false, any = false;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int fd;

	fd = hgm_ctx_open(ctx, "/proc/zoneinfo", O_RDONLY);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	while (getline(&line, &cap, f) > 0) {
		const char *p = line + strspn(line, " \t");

		if (strncmp(p, "spanned", 7) == 0) {
			p += 7 + strspn(p + 7, " \t");
			have_spanned = hgm_strtou64(&p, &spanned) == 0;
		} else if (strncmp(p, "start_pfn:", 10) == 0 && have_spanned) {
			p += 10 + strspn(p + 10, " \t");
			if (hgm_strtou64(&p, &start) == 0 && spanned <= UINT64_MAX - start) {
				any = true;
				if (start + spanned > best)
					best = start + spanned;
			}
			have_spanned = false;
		}
	}
	free(line);
	fclose(f);
	if (!any)
		return -EBADMSG;
	*end = best;
	return 0;
}
