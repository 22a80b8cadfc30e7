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

/* A process the walk could not read, and why. */
struct unread {
	pid_t pid;
	int err;			/* -errno of the read */
	struct hgm_access a;		/* for -EACCES/-EPERM; why UNKNOWN otherwise */
	bool said;			/* already in a line of the warning */
};

struct rmap_state {
	struct hgmctl *g;
	struct columns cols;
	struct libscols_table *tb;
	struct jdoc doc;
	struct unread *bad;
	size_t nbad;
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

static void unreadable(pid_t pid, int error, void *arg)
{
	struct rmap_state *st = arg;
	struct unread *nb = realloc(st->bad, (st->nbad + 1) * sizeof(*nb)), *u;

	if (st->g->verbose)
		warnx("cannot scan process %d: %s", (int)pid, strerror(-error));
	if (!nb)
		err(EXIT_ERROR, "cannot allocate memory");
	st->bad = nb;
	u = &st->bad[st->nbad++];
	memset(u, 0, sizeof(*u));
	u->pid = pid;
	u->err = error;
	if ((error == -EACCES || error == -EPERM) && hgm_access_explain(st->g->ctx, pid, &u->a))
		u->a.why = HGM_ACCESS_UNKNOWN;
}

/* Whether @a and @b are refused for one reason, said in one line. */
static bool same_reason(const struct unread *a, const struct unread *b)
{
	return a->err == b->err && a->a.why == b->a.why &&
	       (a->a.why != HGM_ACCESS_OTHER_USER || a->a.uid == b->a.uid) &&
	       (a->a.why != HGM_ACCESS_MORE_CAPS || !strcmp(a->a.caps, b->a.caps));
}

/* The reason of @u's line, after its processes. */
static void reason_text(const struct unread *u, char *buf, size_t size)
{
	char why[320];

	if (u->err == -EACCES || u->err == -EPERM) {
		access_text(why, sizeof(why), u->pid);
		snprintf(buf, size, "permission denied: %s", why);
	} else {
		snprintf(buf, size, "%s", strerror(-u->err));
	}
}

/*
 * Says once, on stderr, which processes could not be read and why: a line
 * for the count, then one per reason with its processes ("1 (systemd), 42
 * (sshd)", at most 8 and how many more).
 */
static void say_unreadable(struct rmap_state *st, bool accepted)
{
	size_t i, j;

	warnx("rmap: %zu process%s could not be read: the answer %s", st->nbad,
	      st->nbad == 1 ? "" : "es", accepted ?
	      "covers the readable ones only (--readable-only)" : "may be incomplete");
	for (i = 0; i < st->nbad; i++) {
		char list[512], why[512], comm[32];
		size_t len = 0, shown = 0, more = 0;

		if (st->bad[i].said)
			continue;
		for (j = i; j < st->nbad; j++) {
			if (st->bad[j].said || !same_reason(&st->bad[i], &st->bad[j]))
				continue;
			st->bad[j].said = true;
			if (shown == 8 || len >= sizeof(list)) {
				more++;
				continue;
			}
			if (hgm_proc_comm(st->g->ctx, st->bad[j].pid, comm, sizeof(comm)))
				snprintf(comm, sizeof(comm), "?");
			len += snprintf(list + len, sizeof(list) - len, "%s%d (%s)", len ? ", " : "",
					(int)st->bad[j].pid, comm);
			shown++;
		}
		if (more && len < sizeof(list))
			snprintf(list + len, sizeof(list) - len, " and %zu more", more);
		reason_text(&st->bad[i], why, sizeof(why));
		warnx("rmap:   %s: %s", list, why);
	}
}

/* The "unreadable_processes" array: each process with its error and reason. */
static void unreadable_json(struct jw *w, const struct rmap_state *st)
{
	char why[512];
	size_t i;

	jw_arr_open(w, "unreadable_processes");
	for (i = 0; i < st->nbad; i++) {
		jw_obj_open(w, NULL);
		jw_u64(w, "pid", (uint64_t)st->bad[i].pid);
		jw_str(w, "error", errno_name(st->bad[i].err));
		reason_text(&st->bad[i], why, sizeof(why));
		jw_str(w, "reason", why);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

int cmd_rmap(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *pids = NULL;
	int readable_only = 0;
	const struct poptOption options[] = {
		{ "pids", 'p', POPT_ARG_STRING, &pids, 0,
		  "scan only these processes (default: all)", "PID,..." },
		{ "readable-only", 0, POPT_ARG_NONE, &readable_only, 0,
		  "exit 0 when some processes cannot be read (they are still named)", NULL },
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
		unreadable_json(&st.doc.w, &st);
		jdoc_end(&st.doc, true);
	} else {
		table_print(st.tb);
	}
	free(list);
	free(pids);
	if (st.nbad)
		say_unreadable(&st, readable_only);
	else if (failed)
		warnx("rmap: %lu processes could not be read: the answer may be incomplete",
		      failed);
	free(st.bad);
	return failed && !readable_only ? EXIT_PARTIAL : EXIT_OK;
}
