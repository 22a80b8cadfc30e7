// SPDX-License-Identifier: GPL-2.0-or-later
/* rmap.c - `hgmctl rmap PFN | PID ADDR`: every process, VMA and address mapping a folio */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hgmctl.h"

enum { COL_PID, COL_COMM, COL_ADDR, COL_END, COL_SIZE, COL_LEVEL, COL_VMA, COL_NAME };

static const struct colinfo rmap_cols[] = {
	[COL_PID] = { "PID", 5, SCOLS_FL_RIGHT, "process id" },
	[COL_COMM] = { "COMMAND", 10, 0, "its command name" },
	[COL_ADDR] = { "ADDR", 12, SCOLS_FL_RIGHT, "first address mapping the folio" },
	[COL_END] = { "END", 12, SCOLS_FL_RIGHT, "address after the mapped part" },
	[COL_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, "bytes of the folio mapped there" },
	[COL_LEVEL] = { "LEVEL", 3, 0, "level of the leaf entries" },
	[COL_VMA] = { "VMA", 25, 0, "the VMA holding it" },
	[COL_NAME] = { "NAME", 0.3, SCOLS_FL_TRUNC, "mapped file or [heap], ..." },
};

static const int rmap_defaults[] = {
	COL_PID, COL_COMM, COL_ADDR, COL_SIZE, COL_LEVEL, COL_VMA, COL_NAME,
};

#define NCOLS (sizeof(rmap_cols) / sizeof(rmap_cols[0]))

struct rmap_state {
	struct hgmctl *g;
	struct columns cols;
	struct libscols_table *tb;
	struct jdoc doc;
};

/* What rmap_collect() walks with: the folio sought and the process being scanned. */
struct rmap_walk {
	struct hgm_pfn_folio folio;
	bool hugetlb;			/* the folio is a hugetlb page */
	struct rmap_hit hit;
	char comm[64];
	rmap_hit_fn *fn;
	void *arg;
	unsigned long found;
};

static int add_mapper(const struct rmap_hit *h, void *arg)
{
	struct rmap_state *st = arg;
	const struct hgm_folio *f = h->f;
	uint64_t start = h->start, end = h->end;

	if (st->g->json) {
		struct jw *w = &st->doc.w;

		jw_obj_open(w, NULL);
		jw_i64(w, "pid", h->pid);
		jw_str(w, "comm", h->comm);
		jw_hex(w, "start", start);
		jw_hex(w, "end", end);
		jw_str(w, "level", hgm_level_name(f->level));
		jw_hex(w, "vma_start", f->vma->start);
		jw_hex(w, "vma_end", f->vma->end);
		jw_str(w, "name", f->vma->name);
		jw_obj_close(w);
	} else {
		struct libscols_line *ln = table_line(st->tb);
		size_t i;
		for (i = 0; i < st->cols.n; i++) {
			char buf[64];
			const char *s = buf;

			switch (st->cols.id[i]) {
			case COL_PID: snprintf(buf, sizeof(buf), "%d", (int)h->pid); break;
			case COL_COMM: s = h->comm; break;
			case COL_ADDR: snprintf(buf, sizeof(buf), "%" PRIx64, start); break;
			case COL_END: snprintf(buf, sizeof(buf), "%" PRIx64, end); break;
			case COL_SIZE: fmt_size(st->g, end - start, buf, sizeof(buf)); break;
			case COL_LEVEL: s = hgm_level_name(f->level); break;
			case COL_VMA:
				snprintf(buf, sizeof(buf), "%" PRIx64 "-%" PRIx64, f->vma->start,
					 f->vma->end);
				break;
			case COL_NAME: s = f->vma->name; break;
			}
			table_cell(ln, i, s);
		}
	}
	return 0;
}

/* hugetlb folios live in hugetlb VMAs only, and other folios never there */
static int on_vma(const struct hgm_vma *v, void *arg)
{
	struct rmap_walk *st = arg;

	return hgm_vma_flag(v, HGM_VF_HT) == st->hugetlb ? 0 : HGM_SCAN_SKIP;
}

static int on_folio(const struct hgm_folio *f, void *arg)
{
	struct rmap_walk *st = arg;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t npages = (f->end - f->start) / page;
	uint64_t lo = st->folio.head, hi = st->folio.head + (UINT64_C(1) << st->folio.order);
	uint64_t a, b;

	if (!f->pfn_known || f->pfn >= hi || f->pfn + npages <= lo)
		return 0;
	/* the part of this row whose PFNs fall inside the folio */
	a = f->pfn > lo ? f->pfn : lo;
	b = f->pfn + npages < hi ? f->pfn + npages : hi;
	st->hit.start = f->start + (a - f->pfn) * page;
	st->hit.end = f->start + (b - f->pfn) * page;
	st->hit.f = f;
	st->found++;
	return st->fn(&st->hit, st->arg);
}

struct pfn_probe {
	uint64_t pfn;
	bool found, known;
};

static int probe_row(const struct hgm_folio *f, void *arg)
{
	struct pfn_probe *pp = arg;

	if (!f->present)
		return 0;
	pp->found = true;
	pp->known = f->pfn_known;
	pp->pfn = f->pfn;
	return 1;	/* the first page is all we need */
}

/* The PFN mapped at @addr in @pid; exits with a message when there is none. */
static int pfn_at(struct hgmctl *g, pid_t pid, uint64_t addr, uint64_t *pfn)
{
	const struct hgm_scan_ops ops = { .folio = probe_row };
	struct pfn_probe pp = { 0 };
	int ret = hgm_scan(g->ctx, pid, addr, addr + 1,
			   HGM_SCAN_PAGES | HGM_SCAN_NO_FOLIOS | HGM_SCAN_LIGHT_VMAS, &ops, &pp);

	if (ret < 0)
		proc_error(ret, pid, "pagemap");
	if (!pp.found)
		errx(EXIT_ERROR, "nothing is mapped at 0x%" PRIx64 " in process %d", addr, (int)pid);
	if (!pp.known)
		errx(EXIT_ERROR, "PFNs read as 0 without CAP_SYS_ADMIN: cannot tell the folio");
	*pfn = pp.pfn;
	return 0;
}

void read_comm(const struct hgmctl *g, pid_t pid, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (hgm_ctx_read(g->ctx, path, buf, size) < 0)
		snprintf(buf, size, "?");
	buf[strcspn(buf, "\n")] = '\0';
}

/* The PIDs to scan: --pids, or every process. */
static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

pid_t *list_pids(const struct hgmctl *g, const char *pids, size_t *n)
{
	size_t cap = 64, i, j;
	pid_t *v = malloc(cap * sizeof(*v));

	*n = 0;
	if (!v)
		err(EXIT_ERROR, "cannot allocate memory");
	if (pids) {
		char *copy = strdup(pids), *tok, *save = NULL;

		if (!copy)
			err(EXIT_ERROR, "cannot allocate memory");
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (*n == cap && !(v = realloc(v, (cap *= 2) * sizeof(*v))))
				err(EXIT_ERROR, "cannot allocate memory");
			v[(*n)++] = parse_pid(tok);
		}
		free(copy);
		/* each process once, however often it was named */
		qsort(v, *n, sizeof(*v), cmp_pid);
		for (i = j = 0; i < *n; i++)
			if (j == 0 || v[j - 1] != v[i])
				v[j++] = v[i];
		*n = j;
	} else {
		int fd = hgm_ctx_open(g->ctx, "/proc", O_RDONLY | O_DIRECTORY);
		struct dirent *de;
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

		if (!d)
			err(EXIT_ERROR, "cannot list /proc");
		while ((de = readdir(d))) {
			char *end;
			long p = strtol(de->d_name, &end, 10);

			if (*end || p <= 0 || p == getpid())
				continue;
			if (*n == cap && !(v = realloc(v, (cap *= 2) * sizeof(*v))))
				err(EXIT_ERROR, "cannot allocate memory");
			v[(*n)++] = (pid_t)p;
		}
		closedir(d);
	}
	return v;
}

int rmap_collect(struct hgmctl *g, const struct hgm_pfn_folio *folio, const pid_t *pids,
		 size_t n, rmap_hit_fn *fn, void *arg, unsigned long *failed, bool progress)
{
	const struct hgm_scan_ops ops = { .vma = on_vma, .folio = on_folio };
	struct rmap_walk st = { .folio = *folio, .fn = fn, .arg = arg };
	size_t i;
	int ret;

	st.hugetlb = folio->kflags & (UINT64_C(1) << 17);	/* KPF_HUGE */
	st.hit.comm = st.comm;
	*failed = 0;
	for (i = 0; i < n; i++) {
		st.hit.pid = pids[i];
		read_comm(g, pids[i], st.comm, sizeof(st.comm));
		if (progress && i % 16 == 0)
			fprintf(stderr, "\rrmap: scanned %zu of %zu processes, %lu mappings found",
				i, n, st.found);
		ret = hgm_scan(g->ctx, pids[i], 0, 0, HGM_SCAN_NO_FOLIOS | HGM_SCAN_LIGHT_VMAS, &ops,
			       &st);
		if (ret > 0)
			return ret;
		/* processes that exit while we look are simply gone */
		if (ret < 0 && ret != -ESRCH) {
			(*failed)++;
			if (g->verbose)
				warnx("cannot scan process %d: %s", (int)pids[i], strerror(-ret));
		}
	}
	if (progress)
		fprintf(stderr, "\rrmap: scanned %zu processes, %lu mappings found%20s\n", n,
			st.found, "");
	return 0;
}

int cmd_rmap(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *pids = NULL;
	const struct poptOption options[] = {
		{ "pids", 'p', POPT_ARG_STRING, &pids, 0,
		  "scan only these processes (default: all)", "PID,..." },
		POPT_TABLEEND
	};
	struct rmap_state st = { .g = g };
	struct hgm_pfn_folio folio;
	bool hugetlb;
	const char *a1, *a2;
	unsigned long failed = 0;
	size_t n;
	pid_t *list;
	uint64_t pfn;
	int ret;

	poptContext pc = hgmctl_parse(g, cmd, argc, argv, options, rmap_cols, NCOLS);
	a1 = poptGetArg(pc);
	a2 = poptGetArg(pc);
	if (!a1)
		usage_error("rmap: give a PFN, or a PID and an address");
	if (poptPeekArg(pc))
		usage_error("rmap: unexpected argument '%s'", poptPeekArg(pc));
	if (!hgm_ctx_is_live(g->ctx))
		usage_error("rmap: needs live page tables; --root does not apply");

	if (a2) {
		/* PID ADDR: the folio mapped there */
		struct hgm_range r;
		char range[64];

		snprintf(range, sizeof(range), "%s+1", a2);
		if (hgm_parse_range(range, &r) || r.vma >= 0)
			usage_error("rmap: invalid address '%s'", a2);
		ret = pfn_at(g, parse_pid(a1), r.start, &pfn);
		if (ret)
			return ret;
	} else {
		char *end;

		errno = 0;
		pfn = strtoull(a1, &end, 0);
		if (errno || end == a1 || *end)
			usage_error("rmap: invalid PFN '%s' (decimal, or hex with 0x)", a1);
	}
	ret = hgm_pfn_folio(g->ctx, pfn, &folio);
	if (ret == -EACCES || ret == -EPERM)
		errx(EXIT_ERROR, "cannot read /proc/kpageflags: needs CAP_SYS_ADMIN");
	if (ret == -ENXIO)
		errx(EXIT_ERROR, "PFN 0x%" PRIx64 " is beyond the end of memory", pfn);
	if (ret)
		errx(EXIT_ERROR, "cannot read /proc/kpageflags: %s", strerror(-ret));
	hugetlb = folio.kflags & (UINT64_C(1) << 17);	/* KPF_HUGE */

	list = list_pids(g, pids, &n);
	if (g->json) {
		jdoc_begin(&st.doc);
		jw_hex(&st.doc.w, "pfn", pfn);
		jw_hex(&st.doc.w, "head_pfn", folio.head);
		jw_u64(&st.doc.w, "order", folio.order);
		jw_bool(&st.doc.w, "hugetlb", hugetlb);
		jw_arr_open(&st.doc.w, "mappers");
	} else {
		columns_init(&st.cols, rmap_cols, NCOLS, rmap_defaults,
			     sizeof(rmap_defaults) / sizeof(rmap_defaults[0]), g->output);
		st.tb = table_new(g, &st.cols);
	}
	/* a redrawn progress line: terminals only */
	rmap_collect(g, &folio, list, n, add_mapper, &st, &failed, isatty(STDERR_FILENO));
	if (g->json) {
		jw_arr_close(&st.doc.w);
		jw_u64(&st.doc.w, "unreadable", failed);
		jdoc_end(&st.doc, true);
	} else {
		table_print(st.tb);
	}
	free(list);
	free(pids);
	if (failed) {
		warnx("%lu processes could not be read (permission?): the answer may be incomplete",
		      failed);
		return EXIT_PARTIAL;
	}
	return EXIT_OK;
}
