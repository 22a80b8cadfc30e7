// SPDX-License-Identifier: GPL-2.0-or-later
/* procs.c - `hgmctl procs`: one row per process using huge pages, per size, level and kind */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "sample.h"
#include "views.h"

enum { COL_PID, COL_COMM, COL_HUGETLB, COL_HT_PUD, COL_HT_PMD, COL_HT_PTE, COL_HT_SIZES,
       COL_NODES, COL_THP, COL_THP_ANON, COL_THP_SHMEM, COL_THP_FILE, COL_THP_PTE, COL_MTHP,
       COL_THP_NODES };

static const struct colinfo procs_cols[] = {
	[COL_PID] = { "PID", 7, SCOLS_FL_RIGHT, "process ID", "pid", CT_U64 },
	[COL_COMM] = { "COMM", 0.2, SCOLS_FL_TRUNC, "command name", "comm", CT_STR },
	[COL_HUGETLB] = { "HUGETLB", 7, SCOLS_FL_RIGHT, "hugetlb bytes mapped (all sizes)",
			  "hugetlb.bytes", CT_SIZE },
	[COL_HT_PUD] = { "HT-PUD", 6, SCOLS_FL_RIGHT, "hugetlb bytes mapped by PUD leaves",
			 "hugetlb.pud", CT_SIZE },
	[COL_HT_PMD] = { "HT-PMD", 6, SCOLS_FL_RIGHT, "hugetlb bytes mapped by PMD leaves",
			 "hugetlb.pmd", CT_SIZE },
	[COL_HT_PTE] = { "HT-PTE", 6, SCOLS_FL_RIGHT,
			 "hugetlb bytes mapped by PTEs (HGM; 0 where page size says PMD or PUD)",
			 "hugetlb.pte", CT_SIZE },
	[COL_HT_SIZES] = { "HT-SIZES", 10, 0, "hugetlb bytes per page size: PSIZE=BYTES,...",
			   "hugetlb.sizes", CT_OBJECT },
	[COL_NODES] = { "NODES", 5, 0, "NUMA nodes holding its hugetlb pages (numa_maps)",
			"hugetlb.nodes", CT_OBJECT },
	[COL_THP] = { "THP", 6, SCOLS_FL_RIGHT, "THP mapped by PMDs: anon + shmem + file",
		      "thp.pmd", CT_SIZE },
	[COL_THP_ANON] = { "THP-ANON", 6, SCOLS_FL_RIGHT, "anonymous THP mapped by PMDs "
			   "(AnonHugePages)", "thp.anon", CT_SIZE },
	[COL_THP_SHMEM] = { "THP-SHMEM", 6, SCOLS_FL_RIGHT, "shmem THP mapped by PMDs "
			    "(ShmemPmdMapped)", "thp.shmem", CT_SIZE },
	[COL_THP_FILE] = { "THP-FILE", 6, SCOLS_FL_RIGHT, "page-cache THP mapped by PMDs "
			   "(FilePmdMapped)", "thp.file", CT_SIZE },
	[COL_THP_PTE] = { "THP-PTE", 6, SCOLS_FL_RIGHT,
			  "THP/mTHP bytes mapped by PTEs (--folios: page scan; - otherwise)",
			  "thp.pte", CT_SIZE },
	[COL_MTHP] = { "MTHP", 12, 0, "THP/mTHP bytes by folio size, any level: SIZE=BYTES,... "
		       "(--folios)", "thp.by_order", CT_OBJECT },
	[COL_THP_NODES] = { "THP-NODES", 5, 0, "NUMA nodes holding its THP: of the PMD-mapped "
			    "THP, with --folios of every THP/mTHP folio (move_pages)", "thp.nodes",
			    CT_OBJECT },
};

#define NCOLS (sizeof(procs_cols) / sizeof(procs_cols[0]))
const struct hgmctl_columns procs_columns = { procs_cols, NCOLS };

static const int procs_json[] = {
	COL_PID, COL_COMM, COL_HUGETLB, COL_HT_PUD, COL_HT_PMD, COL_HT_PTE, COL_HT_SIZES,
	COL_NODES, COL_THP, COL_THP_ANON, COL_THP_SHMEM, COL_THP_FILE, COL_THP_PTE, COL_MTHP,
	COL_THP_NODES,
};

static const int procs_defaults[] = {
	COL_PID, COL_HUGETLB, COL_HT_PUD, COL_HT_PMD, COL_HT_PTE, COL_NODES, COL_THP_ANON,
	COL_THP_SHMEM, COL_THP_FILE, COL_THP_NODES, COL_COMM,
};

struct proc_row {
	pid_t pid;
	char comm[64];
	struct hgm_proc_usage pu;
};

static void json_sizes(struct jw *w, const char *key, const void *obj)
{
	const struct hgm_proc_usage *pu = obj;
	size_t i;

	jw_arr_open(w, key);
	for (i = 0; i < pu->nr_hugetlb_sizes; i++) {
		jw_obj_open(w, NULL);
		jw_u64(w, "page_size", pu->hugetlb_sizes[i].page_size);
		jw_u64(w, "bytes", pu->hugetlb_sizes[i].bytes);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

/* @obj: a mask of nodes (uint64_t) */
static void json_nodes(struct jw *w, const char *key, const void *obj)
{
	uint64_t mask = *(const uint64_t *)obj;
	unsigned int i;

	jw_arr_open(w, key);
	for (i = 0; i < 64; i++)
		if (mask & (UINT64_C(1) << i))
			jw_u64(w, NULL, i);
	jw_arr_close(w);
}

/* A mask of nodes as "0,2" (JSON: [0,2]), unknown as such. */
static void node_cell(struct cell *c, const uint64_t *mask)
{
	size_t i, len = 0;

	c->known = HGM_KNOWN(*mask);
	c->buf[0] = '\0';
	for (i = 0; c->known && i < 64; i++)
		if (*mask & (UINT64_C(1) << i))
			len += (size_t)snprintf(c->buf + len, sizeof(c->buf) - len, "%s%zu",
						len ? "," : "", i);
	c->s = c->buf;
	c->json = json_nodes;
	c->obj = mask;
}

static void json_orders(struct jw *w, const char *key, const void *obj)
{
	const struct hgm_proc_usage *pu = obj;
	unsigned int i;

	jw_arr_open(w, key);
	for (i = 0; i < HGM_PROC_MAX_ORDER; i++) {
		if (!pu->thp_order[i])
			continue;
		jw_obj_open(w, NULL);
		jw_u64(w, "order", i);
		jw_u64(w, "size", (uint64_t)sysconf(_SC_PAGESIZE) << i);
		jw_u64(w, "bytes", pu->thp_order[i]);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

/* "A=B,C=D" of sizes into @c->buf. */
static void size_pairs(const struct hgmctl *g, struct cell *c, const uint64_t *k,
		       const uint64_t *v, size_t n)
{
	char a[32], b[32];
	size_t i, len = 0;

	c->buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!v[i])
			continue;
		len += (size_t)snprintf(c->buf + len, sizeof(c->buf) - len, "%s%s=%s",
					len ? "," : "", fmt_size(&(struct hgmctl){ 0 }, k[i], a,
					sizeof(a)), fmt_size(g, v[i], b, sizeof(b)));
		if (len >= sizeof(c->buf))
			break;
	}
	c->s = c->buf;
}

static void fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct proc_row *r = row;
	const struct hgm_proc_usage *pu = &r->pu;
	const struct hgmctl *g = arg;
	uint64_t k[HGM_PROC_MAX_ORDER], v[HGM_PROC_MAX_ORDER];
	size_t i;

	switch (col) {
	case COL_PID: c->u = (uint64_t)r->pid; break;
	case COL_COMM: c->s = r->comm; break;
	case COL_HUGETLB: c->u = pu->hugetlb; break;
	case COL_HT_PUD:
	case COL_HT_PMD:
	case COL_HT_PTE:
		c->u = pu->hugetlb_mapped[col == COL_HT_PUD ? HGM_LEVEL_PUD :
					  col == COL_HT_PMD ? HGM_LEVEL_PMD : HGM_LEVEL_PTE];
		c->known = HGM_KNOWN(c->u);
		break;
	case COL_HT_SIZES:
		for (i = 0; i < pu->nr_hugetlb_sizes; i++) {
			k[i] = pu->hugetlb_sizes[i].page_size;
			v[i] = pu->hugetlb_sizes[i].bytes;
		}
		size_pairs(g, c, k, v, pu->nr_hugetlb_sizes);
		c->json = json_sizes;
		c->obj = pu;
		break;
	case COL_NODES: node_cell(c, &pu->hugetlb_nodes); break;
	case COL_THP_NODES: node_cell(c, &pu->thp_nodes); break;
	case COL_THP: c->u = pu->thp; break;
	case COL_THP_ANON: c->u = pu->thp_anon; break;
	case COL_THP_SHMEM: c->u = pu->thp_shmem; break;
	case COL_THP_FILE: c->u = pu->thp_file; break;
	case COL_THP_PTE: c->u = pu->thp_pte; c->known = HGM_KNOWN(pu->thp_pte); break;
	case COL_MTHP:
		c->known = HGM_KNOWN(pu->thp_order[0]);
		for (i = 0; i < HGM_PROC_MAX_ORDER; i++) {
			k[i] = (uint64_t)sysconf(_SC_PAGESIZE) << i;
			v[i] = c->known ? pu->thp_order[i] : 0;
		}
		size_pairs(g, c, k, v, HGM_PROC_MAX_ORDER);
		c->json = json_orders;
		c->obj = pu;
		break;
	}
}

/* The sort key: a column; sizes biggest first, PID and COMM ascending. */
static int sort_col = COL_HUGETLB;

static uint64_t sort_value(const struct proc_row *r, int col)
{
	struct cell c = { .known = true };

	fill(col, r, &c, &(struct hgmctl){ 0 });
	return c.known ? c.u : 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct proc_row *x = a, *y = b;
	uint64_t kx, ky;

	if (sort_col == COL_COMM) {
		int c = strcmp(x->comm, y->comm);

		if (c)
			return c;
	} else if (sort_col != COL_PID) {
		kx = sort_value(x, sort_col);
		ky = sort_value(y, sort_col);
		if (kx != ky)
			return kx < ky ? 1 : -1;
		if (sort_col == COL_HUGETLB && x->pu.thp != y->pu.thp)
			return x->pu.thp < y->pu.thp ? 1 : -1;
	}
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int parse_sort(const char *s)
{
	size_t i;

	for (i = 0; i < NCOLS; i++)
		if (strcasecmp(s, procs_cols[i].name) == 0 && procs_cols[i].type != CT_OBJECT)
			return (int)i;
	usage_error("procs: unknown --sort column '%s' (a column of 'hgmctl procs --help' "
		    "but HT-SIZES, NODES, MTHP, THP-NODES)", s);
}

struct procs_state {
	struct hgmctl *g;
	struct proc_row *rows;
	size_t n, cap;
	const pid_t *asked;		/* PID arguments: shown whatever they use */
	size_t nasked;
	pid_t first_bad;
	int first_err;
};

static int on_proc(pid_t pid, const char *comm, const struct hgm_proc_usage *pu, void *arg)
{
	struct procs_state *st = arg;
	struct proc_row *r;

	if (!st->nasked && !pu->hugetlb && !pu->thp && !(HGM_KNOWN(pu->thp_pte) && pu->thp_pte))
		return 0;
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 32;
		st->rows = realloc(st->rows, st->cap * sizeof(*st->rows));
		if (!st->rows)
			err(EXIT_ERROR, "cannot allocate memory");
	}
	r = &st->rows[st->n++];
	r->pid = pid;
	snprintf(r->comm, sizeof(r->comm), "%s", comm);
	r->pu = *pu;
	return 0;
}

static void on_unreadable(pid_t pid, int err, void *arg)
{
	struct procs_state *st = arg;

	if (!st->first_err) {
		st->first_bad = pid;
		st->first_err = err;
	}
	if (st->g->verbose)
		warnx("procs: cannot read process %d: %s", (int)pid, strerror(-err));
}

/* Whether a --output column is @a or @b. */
static bool wants(const struct columns *c, int a, int b)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->id[i] == a || c->id[i] == b)
			return true;
	return false;
}

/* One sample: gather, sort, print.  Returns an exit code. */
static int procs_sample(struct hgmctl *g, struct procs_state *st, struct cgroup_view *cgv,
			unsigned int flags, const struct columns *c, bool *said)
{
	const struct hgm_procs_ops ops = { .proc = on_proc, .unreadable = on_unreadable };
	const pid_t *pids = st->asked;
	size_t n = st->nasked, i;
	unsigned long failed = 0, scanned = 0;
	struct jdoc doc;
	int ret;

	st->n = 0;
	st->first_err = 0;
	if (cgv) {
		cgroup_view_read(g, "procs", cgv);
		pids = cgv->pids;
		n = cgv->n;
	}
	ret = hgm_procs_walk(g->ctx, cgv || n ? pids : NULL, n, flags, &ops, st, &failed,
			     &scanned);
	if (ret == -ENOMEM)
		err(EXIT_ERROR, "cannot allocate memory");
	refusal_exit(ret);
	if (ret)
		errx(EXIT_ERROR, "procs: cannot list /proc: %s", strerror(-ret));
	/* a PID argument that is not there is an error, not an empty row */
	for (i = 0; !cgv && i < st->nasked; i++) {
		size_t k;

		for (k = 0; k < st->n && st->rows[k].pid != st->asked[i]; k++)
			;
		if (k == st->n && st->asked[i] != st->first_bad)
			errx(EXIT_ERROR, "procs: no such process: %d", (int)st->asked[i]);
	}
	if (!cgv && st->nasked == 1 && st->first_err)
		proc_error(st->first_err, st->first_bad, "memory use");
	qsort(st->rows, st->n, sizeof(*st->rows), cmp_rows);

	if (g->json) {
		jdoc_begin(&doc);
		sample_stamp(&doc.w);
		if (cgv)
			cgroup_view_print(g, &doc.w, cgv);
		jw_arr_open(&doc.w, "processes");
		for (i = 0; i < st->n; i++)
			row_json(&doc.w, procs_cols, procs_json, NCOLS, fill, &st->rows[i], g);
		jw_arr_close(&doc.w);
		jw_u64(&doc.w, "scanned", scanned);
		jw_u64(&doc.w, "unreadable", failed);
		jdoc_end(&doc, true);
	} else {
		struct libscols_table *tb = table_new(g, c);

		sample_stamp(NULL);
		if (cgv) {
			cgroup_view_print(g, NULL, cgv);
			putchar('\n');
		}
		for (i = 0; i < st->n; i++)
			row_table(g, tb, c, fill, &st->rows[i], (void *)g);
		table_print(tb);
	}
	if (!failed)
		return EXIT_OK;
	if (!*said) {
		char why[512];

		proc_error_text(why, sizeof(why), st->first_err, st->first_bad, "memory use");
		warnx("procs: %lu of %lu processes could not be read (the first, %s): "
		      "their rows are missing", failed, scanned, why);
		*said = true;
	}
	return EXIT_PARTIAL;
}

int cmd_procs(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *cgroup = NULL, *sort = NULL;
	int folios = 0;
	const struct poptOption options[] = {
		{ "cgroup", 0, POPT_ARG_STRING, &cgroup, 0,
		  "the processes of this cgroup v2 subtree, and its counters", "PATH" },
		{ "sort", 's', POPT_ARG_STRING, &sort, 0,
		  "sort by this column (default HUGETLB; sizes biggest first)", "COL" },
		{ "folios", 0, POPT_ARG_NONE, &folios, 0,
		  "scan page tables too: THP mapped by PTEs, mTHP by folio size (THP-PTE, MTHP)",
		  NULL },
		{ NULL, 0, POPT_ARG_INCLUDE_TABLE, (void *)sample_options, 0, NULL, NULL },
		POPT_TABLEEND
	};
	poptContext pc = hgmctl_parse(g, cmd, argc, argv, options);
	struct procs_state st = { .g = g };
	struct cgroup_view cgv;
	struct columns c;
	pid_t *asked = NULL;
	const char *a;
	size_t nasked = 0;
	unsigned int flags = 0;
	int ret = EXIT_OK, r;
	bool said = false;

	/* every argument checked before anything is read */
	while ((a = poptGetArg(pc))) {
		pid_t *nv = realloc(asked, (nasked + 1) * sizeof(*asked));

		if (!nv)
			err(EXIT_ERROR, "cannot allocate memory");
		asked = nv;
		asked[nasked++] = pid_arg(a);
	}
	if (cgroup && nasked)
		usage_error("procs: --cgroup and PID arguments exclude each other");
	if (sort)
		sort_col = parse_sort(sort);
	columns_init(&c, procs_cols, NCOLS, procs_defaults,
		     sizeof(procs_defaults) / sizeof(procs_defaults[0]), g->output);
	sample_begin("procs");
	if (cgroup)
		cgroup_view_open(g, "procs", cgroup, &cgv);
	st.asked = asked;
	st.nasked = nasked;
	if (!g->json && wants(&c, COL_THP_PTE, COL_MTHP))
		folios = 1;
	/* the nodes of THP cost a walk of the processes that have some: only when shown */
	if (g->json || wants(&c, COL_THP_NODES, COL_THP_NODES))
		flags |= HGM_PROC_THP_NODES;
	if (folios)
		flags |= HGM_PROC_FOLIOS;
	do {
		r = procs_sample(g, &st, cgroup ? &cgv : NULL, flags, &c, &said);
		if (r > ret)
			ret = r;
	} while (sample_next());
	if (cgroup)
		cgroup_view_release(&cgv);
	free(st.rows);
	free(asked);
	free(cgroup);
	free(sort);
	return ret;
}
