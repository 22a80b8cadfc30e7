// SPDX-License-Identifier: GPL-2.0-or-later
/* rmap.c - `hgmctl rmap PFN | PID ADDR`: every process, VMA and address mapping a folio */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "output.h"

enum { COL_PID, COL_COMM, COL_ADDR, COL_END, COL_SIZE, COL_LEVEL, COL_VMA, COL_NAME,
       /* JSON only */
       COL_VMA_START, COL_VMA_END };

static const struct colinfo rmap_cols[] = {
	[COL_PID] = { "PID", 5, SCOLS_FL_RIGHT, "process id", "pid", CT_U64 },
	[COL_COMM] = { "COMMAND", 10, 0, "its command name", "comm", CT_STR },
	[COL_ADDR] = { "ADDR", 12, SCOLS_FL_RIGHT, "first address mapping the folio", "start",
		       CT_HEX },
	[COL_END] = { "END", 12, SCOLS_FL_RIGHT, "address after the mapped part", "end", CT_HEX },
	[COL_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, "bytes of the folio mapped there", NULL, CT_SIZE },
	[COL_LEVEL] = { "LEVEL", 3, 0, "level of the leaf entries", "level", CT_STR },
	[COL_VMA] = { "VMA", 25, 0, "the VMA holding it", NULL, CT_STR },
	[COL_NAME] = { "NAME", 0.3, SCOLS_FL_TRUNC, "mapped file or [heap], ...", "name", CT_STR },
	[COL_VMA_START] = { NULL, 0, 0, NULL, "vma_start", CT_HEX },
	[COL_VMA_END] = { NULL, 0, 0, NULL, "vma_end", CT_HEX },
};

/* The order of the JSON keys. */
static const int rmap_json[] = {
	COL_PID, COL_COMM, COL_ADDR, COL_END, COL_LEVEL, COL_VMA_START, COL_VMA_END, COL_NAME,
};

static const int rmap_defaults[] = {
	COL_PID, COL_COMM, COL_ADDR, COL_SIZE, COL_LEVEL, COL_VMA, COL_NAME,
};

#define NCOLS (sizeof(rmap_cols) / sizeof(rmap_cols[0]))
const struct hgmctl_columns rmap_columns = { rmap_cols, NCOLS };

struct rmap_state {
	struct hgmctl *g;
	struct columns cols;
	struct libscols_table *tb;
	struct jdoc doc;
};

/* One cell of a mapping's row: the only place that knows what each column shows. */
static void fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct hgm_rmap_hit *h = row;
	const struct hgm_vma *v = h->f->vma;

	switch (col) {
	case COL_PID: c->u = (uint64_t)h->pid; break;
	case COL_COMM: c->s = h->comm; break;
	case COL_ADDR: c->u = h->start; break;
	case COL_END: c->u = h->end; break;
	case COL_SIZE: c->u = h->end - h->start; break;
	case COL_LEVEL: c->s = hgm_level_name(h->f->level); break;
	case COL_VMA:
		snprintf(c->buf, sizeof(c->buf), "%" PRIx64 "-%" PRIx64, hgm_vma_start(v), hgm_vma_end(v));
		c->s = c->buf;
		break;
	case COL_NAME: c->s = hgm_vma_name(v); break;
	case COL_VMA_START: c->u = hgm_vma_start(v); break;
	case COL_VMA_END: c->u = hgm_vma_end(v); break;
	}
}

static int add_mapper(const struct hgm_rmap_hit *h, void *arg)
{
	struct rmap_state *st = arg;

	if (st->g->json)
		row_json(&st->doc.w, rmap_cols, rmap_json, sizeof(rmap_json) / sizeof(rmap_json[0]),
			 fill, h, st);
	else
		row_table(st->g, st->tb, &st->cols, fill, h, st);
	return 0;
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
	pp->known = HGM_KNOWN(f->pfn);
	pp->pfn = f->pfn;
	return 1;	/* the first page is all we need */
}

/* The PFN mapped at @addr in @pid; exits with a message when there is none. */
static void pfn_at(struct hgmctl *g, pid_t pid, uint64_t addr, uint64_t *pfn)
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
}

/* --pids LIST (sorted, each once), or every process but this one; exits on errors. */
static pid_t *list_pids(const struct hgmctl *g, const char *pids, size_t *n)
{
	pid_t *v;
	int ret;

	if (pids) {
		ret = parse_pid_list(pids, &v, n);
		if (ret == -ENOMEM)
			err(EXIT_ERROR, "cannot allocate memory");
		if (ret)
			usage_error("rmap: invalid --pids '%s' (PIDs separated by commas)", pids);
		return v;
	}
	ret = hgm_proc_pids(g->ctx, &v, n);
	if (ret == -ENOMEM)
		err(EXIT_ERROR, "cannot allocate memory");
	if (ret)
		errx(EXIT_ERROR, "cannot list /proc: %s", strerror(-ret));
	return v;
}

/* The PFN argument @s, inside memory; usage errors else. */
static uint64_t pfn_arg(const struct hgmctl *g, const char *s)
{
	uint64_t pfn, end;

	if (parse_pfn(s, &pfn))
		usage_error("rmap: invalid PFN '%s' (decimal, or hexadecimal with 0x)", s);
	/* without zoneinfo, reading kpageflags finds the end (ENXIO) */
	if (hgm_pfn_end(g->ctx, &end) == 0 && pfn >= end)
		usage_error("rmap: PFN '%s' is beyond the end of memory (the last is 0x%" PRIx64 ")",
			    s, end - 1);
	return pfn;
}

/* A redrawn progress line, every 16 processes and at the end. */
static void progress(size_t i, size_t n, unsigned long found, void *arg)
{
	(void)arg;
	if (i == n)
		fprintf(stderr, "\rrmap: scanned %zu processes, %lu mappings found%20s\n", n,
			found, "");
	else if (i % 16 == 0)
		fprintf(stderr, "\rrmap: scanned %zu of %zu processes, %lu mappings found",
			i, n, found);
}

static void unreadable(pid_t pid, int err, void *arg)
{
	struct rmap_state *st = arg;

	if (st->g->verbose)
		warnx("cannot scan process %d: %s", (int)pid, strerror(-err));
}

int cmd_rmap(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *pids = NULL;
	const struct poptOption options[] = {
		{ "pids", 'p', POPT_ARG_STRING, &pids, 0,
		  "scan only these processes (default: all)", "PID,..." },
		POPT_TABLEEND
	};
	struct hgm_rmap_ops ops = { .hit = add_mapper, .unreadable = unreadable };
	struct rmap_state st = { .g = g };
	struct hgm_pfn_folio folio;
	bool hugetlb;
	const char *a1, *a2;
	unsigned long failed = 0;
	size_t n;
	pid_t *list;
	uint64_t pfn;
	int ret;

	poptContext pc = hgmctl_parse(g, cmd, argc, argv, options);
	a1 = poptGetArg(pc);
	a2 = poptGetArg(pc);
	if (!a1)
		usage_error("rmap: give a PFN, or a PID and an address");

	/* every argument checked before anything is read */
	if (a2) {
		/* PID ADDR: the folio mapped there */
		pid_t pid = pid_arg(a1);
		uint64_t addr;

		if (parse_addr(a2, &addr))
			usage_error("rmap: invalid address '%s'", a2);
		list = list_pids(g, pids, &n);
		pfn_at(g, pid, addr, &pfn);
	} else {
		pfn = pfn_arg(g, a1);
		list = list_pids(g, pids, &n);
	}
	ret = hgm_pfn_folio(g->ctx, pfn, &folio);
	if (ret == -EACCES || ret == -EPERM)
		errx(EXIT_ERROR, "cannot read /proc/kpageflags: needs CAP_SYS_ADMIN");
	if (ret == -ENXIO)
		errx(EXIT_ERROR, "PFN 0x%" PRIx64 " is beyond the end of memory", pfn);
	if (ret)
		errx(EXIT_ERROR, "cannot read /proc/kpageflags: %s", strerror(-ret));
	hugetlb = folio.hugetlb;

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
	if (isatty(STDERR_FILENO))
		ops.progress = progress;
	hgm_rmap_walk(g->ctx, &folio, list, n, &ops, &st, &failed);
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
