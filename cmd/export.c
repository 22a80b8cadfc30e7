// SPDX-License-Identifier: GPL-2.0-or-later
/* export.c - `hgmctl export`: huge-page metrics in the Prometheus text format, for node_exporter */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "top.h"

/*
 * The samples are gathered into families first and printed after, so that a
 * family's HELP and TYPE come once before all its samples (as the format asks),
 * the text and the JSON show the same samples, and nothing is written to the
 * directory until everything has been read.  The metric list is in hgmctl(8),
 * EXPORT METRICS.
 */

#define PREFIX		"hgmctl_"
#define TOP_MAX		100	/* --top: bounded label cardinality (pid, comm; cgroup) */
#define MAX_LABELS	2
#define CG_LABEL_MAX	256	/* a cgroup label's bytes, its NUL included (see cgroup_label()) */

struct label {
	const char *key;
	char val[CG_LABEL_MAX];
};

struct sample {
	struct label l[MAX_LABELS];
	size_t nl;
	uint64_t v;
	bool milli;		/* v is thousandths: 250 is 0.250 */
};

struct family {
	char name[96];
	const char *type;	/* "gauge" or "counter" */
	char help[192];
	struct sample *s;
	size_t n, cap;
};

struct expo {
	struct family *f;
	size_t n, cap;
};

static void *xrealloc(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n, size);
	if (!p)
		err(EXIT_ERROR, "cannot allocate memory");
	return p;
}

static struct family *family(struct expo *e, const char *type, const char *help,
			     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The family named by @fmt: found, or added with @type and @help. */
static struct family *family(struct expo *e, const char *type, const char *help,
			     const char *fmt, ...)
{
	char name[sizeof(e->f->name)];
	struct family *f;
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	for (i = 0; i < e->n; i++)
		if (strcmp(e->f[i].name, name) == 0)
			return &e->f[i];
	if (e->n == e->cap)
		e->f = xrealloc(e->f, e->cap = e->cap ? e->cap * 2 : 32, sizeof(*e->f));
	f = &e->f[e->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->help, sizeof(f->help), "%s", help);
	f->type = type;
	return f;
}

/* Adds a sample with up to two labels (@k1/@k2 NULL: fewer); returns it. */
static struct sample *sample(struct family *f, uint64_t v, const char *k1, const char *v1,
			     const char *k2, const char *v2)
{
	struct sample *s;

	if (f->n == f->cap)
		f->s = xrealloc(f->s, f->cap = f->cap ? f->cap * 2 : 8, sizeof(*f->s));
	s = &f->s[f->n++];
	memset(s, 0, sizeof(*s));
	s->v = v;
	if (k1) {
		s->l[s->nl].key = k1;
		snprintf(s->l[s->nl++].val, sizeof(s->l[0].val), "%s", v1);
	}
	if (k2) {
		s->l[s->nl].key = k2;
		snprintf(s->l[s->nl++].val, sizeof(s->l[0].val), "%s", v2);
	}
	return s;
}

static void expo_free(struct expo *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->f[i].s);
	free(e->f);
}

/* ---- gathering --------------------------------------------------------------- */

/* @pages x @size as bytes; false where that does not fit (a tree's garbage). */
static bool pages_bytes(uint64_t pages, uint64_t size, uint64_t *bytes)
{
	return HGM_KNOWN(pages) && !__builtin_mul_overflow(pages, size, bytes);
}

static void pool_metrics(struct expo *e, const struct hgm_pools *pools)
{
	static const struct {
		const char *name, *help;
		size_t off;
		bool per_node;
	} cols[] = {
		{ "total", "Bytes of hugetlb pages in the pool (nr_hugepages, surplus included)",
		  offsetof(struct hgm_pool, total), true },
		{ "free", "Bytes of hugetlb pages of the pool not in use (free_hugepages)",
		  offsetof(struct hgm_pool, free), true },
		{ "reserved", "Bytes of free hugetlb pages promised to mappings (resv_hugepages)",
		  offsetof(struct hgm_pool, reserved), false },
		{ "surplus", "Bytes of hugetlb pages above the persistent pool (surplus_hugepages)",
		  offsetof(struct hgm_pool, surplus), true },
		{ "overcommit_limit", "Bytes of surplus hugetlb pages the kernel may allocate "
		  "(nr_overcommit_hugepages)", offsetof(struct hgm_pool, overcommit), false },
	};
	size_t i, k;

	/* system-wide and per node apart: a sum over one metric never counts a page twice */
	for (k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
		for (i = 0; i < pools->nr; i++) {
			const struct hgm_pool *p = &pools->pool[i];
			uint64_t pages = *(const uint64_t *)((const char *)p + cols[k].off), b;
			char size[24], node[16];

			if ((p->node != HGM_NODE_ALL && !cols[k].per_node) ||
			    !pages_bytes(pages, p->page_size, &b))
				continue;
			snprintf(size, sizeof(size), "%" PRIu64, p->page_size);
			if (p->node == HGM_NODE_ALL) {
				sample(family(e, "gauge", cols[k].help, PREFIX "hugetlb_%s_bytes",
					      cols[k].name), b, "page_size", size, NULL, NULL);
				continue;
			}
			snprintf(node, sizeof(node), "%d", p->node);
			sample(family(e, "gauge", cols[k].help, PREFIX "hugetlb_node_%s_bytes",
				      cols[k].name), b, "node", node, "page_size", size);
		}
}

static void thp_counter(struct expo *e, const char *name, int64_t v, const char *help)
{
	if (HGM_KNOWN(v))
		sample(family(e, "counter", help, PREFIX "%s_total", name), (uint64_t)v,
		       NULL, NULL, NULL, NULL);
}

static void vmstat_metrics(struct expo *e, const struct hgm_thp_counters *c)
{
	thp_counter(e, "thp_fault_alloc", c->fault_alloc,
		    "PMD-size THPs allocated on a page fault (vmstat thp_fault_alloc)");
	thp_counter(e, "thp_fault_fallback", c->fault_fallback,
		    "Page faults that fell back to small pages (vmstat thp_fault_fallback)");
	thp_counter(e, "thp_collapse_alloc", c->collapse_alloc,
		    "THPs allocated to collapse small pages (vmstat thp_collapse_alloc)");
	thp_counter(e, "thp_split_page", c->split_page,
		    "THPs split into small pages (vmstat thp_split_page)");
	thp_counter(e, "thp_split_pmd", c->split_pmd,
		    "PMD mappings of THPs split into PTEs (vmstat thp_split_pmd)");
	thp_counter(e, "thp_deferred_split_page", c->deferred_split,
		    "THPs queued to be split later (vmstat thp_deferred_split_page)");
}

/* Whether @s can be part of a metric name as it is: [a-z0-9_], not empty. */
static bool name_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static void mthp_metrics(struct expo *e, const struct hgm_thp_stats *st)
{
	size_t i, k;

	for (i = 0; i < st->nr; i++)
		for (k = 0; k < st->sizes[i].nr; k++) {
			const struct hgm_thp_stat *x = &st->sizes[i].stat[k];
			char size[24], help[192];
			struct family *f;

			if (!name_word(x->name))
				continue;	/* a file name no metric name can hold */
			snprintf(size, sizeof(size), "%" PRIu64, st->sizes[i].size);
			snprintf(help, sizeof(help), "%s of each THP size (transparent_hugepage/"
				 "hugepages-<size>kB/stats/%s)", x->gauge ? "Folios now" :
				 "Events since boot", x->name);
			/* "nr_anon" counts folios: hgmctl_mthp_anon_folios */
			if (x->gauge)
				f = family(e, "gauge", help, PREFIX "mthp_%s_folios", x->name + 3);
			else
				f = family(e, "counter", help, PREFIX "mthp_%s_total", x->name);
			sample(f, x->value, "page_size", size, NULL, NULL);
		}
}

static void khugepaged_metrics(struct expo *e, const struct hgm_thp *t)
{
	if (HGM_KNOWN(t->pages_collapsed))
		sample(family(e, "counter", "Pages khugepaged has collapsed into THPs "
			      "(khugepaged/pages_collapsed)", PREFIX "khugepaged_pages_collapsed_total"),
		       (uint64_t)t->pages_collapsed, NULL, NULL, NULL, NULL);
	if (HGM_KNOWN(t->full_scans))
		sample(family(e, "counter", "Complete passes of khugepaged over all memory "
			      "(khugepaged/full_scans)", PREFIX "khugepaged_full_scans_total"),
		       (uint64_t)t->full_scans, NULL, NULL, NULL, NULL);
	if (HGM_KNOWN(t->pages_to_scan))
		sample(family(e, "gauge", "Pages khugepaged scans per pass (khugepaged/pages_to_scan)",
			      PREFIX "khugepaged_pages_to_scan"),
		       (uint64_t)t->pages_to_scan, NULL, NULL, NULL, NULL);
	if (HGM_KNOWN(t->scan_sleep_ms))
		sample(family(e, "gauge", "Seconds khugepaged sleeps between passes "
			      "(khugepaged/scan_sleep_millisecs)", PREFIX "khugepaged_scan_sleep_seconds"),
		       (uint64_t)t->scan_sleep_ms, NULL, NULL, NULL, NULL)->milli = true;
	if (HGM_KNOWN(t->max_ptes_none))
		sample(family(e, "gauge", "Unmapped PTEs khugepaged fills to collapse a range "
			      "(khugepaged/max_ptes_none)", PREFIX "khugepaged_max_ptes_none"),
		       (uint64_t)t->max_ptes_none, NULL, NULL, NULL, NULL);
}

static void feature_metrics(struct expo *e, const struct hgm_features *f)
{
	struct family *fam = family(e, "gauge", "Whether the kernel has the feature (1) or not (0)",
				    PREFIX "feature_available");
	size_t i;

	for (i = 0; i < HGM_NR_FEATURES; i++) {
		/* HGM is known only where userfaultfd could be asked: no sample, not a 0 */
		if (i == HGM_FEAT_HGM && !HGM_KNOWN(f->uffd_features))
			continue;
		sample(fam, hgm_has(f, i), "feature", hgm_feature_name(i), NULL, NULL);
	}
	sample(family(e, "gauge", "Whether features were probed on the live kernel (1), or "
		      "only read from a recorded tree (0)", PREFIX "features_probed"),
	       f->probed, NULL, NULL, NULL, NULL);
}

static uint64_t proc_total(const struct top_proc *p)
{
	return p->hugetlb + p->thp < p->hugetlb ? UINT64_MAX : p->hugetlb + p->thp;
}

static int cmp_total(const void *a, const void *b)
{
	const struct top_proc *x = a, *y = b;
	uint64_t kx = proc_total(x), ky = proc_total(y);

	if (kx != ky)
		return kx < ky ? 1 : -1;	/* biggest first */
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * A label value the format takes, from a command name: \, " and newline
 * escaped when printed; a control character or a byte outside ASCII (a comm
 * may hold any bytes, the format wants UTF-8) becomes '?'.
 */
static void comm_label(char *buf, size_t size, const char *comm)
{
	size_t i;

	snprintf(buf, size, "%s", comm);
	for (i = 0; buf[i]; i++)
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\n') ||
		    (unsigned char)buf[i] >= 0x7f)
			buf[i] = '?';
}

static void walk_metrics(struct expo *e, const struct top_sys *s, uint64_t unreadable);

static void process_metrics(struct expo *e, struct top_sys *s, int top)
{
	size_t i;

	qsort(s->procs, s->nprocs, sizeof(*s->procs), cmp_total);
	for (i = 0; i < s->nprocs && i < (size_t)top; i++) {
		const struct top_proc *p = &s->procs[i];
		char pid[16], comm[64];

		snprintf(pid, sizeof(pid), "%d", (int)p->pid);
		comm_label(comm, sizeof(comm), p->comm);
		sample(family(e, "gauge", "Bytes of hugetlb memory the process maps "
			      "(Shared_Hugetlb + Private_Hugetlb), top processes only",
			      PREFIX "process_hugetlb_bytes"), p->hugetlb, "pid", pid, "comm", comm);
		sample(family(e, "gauge", "Bytes of THP memory the process maps by PMDs "
			      "(AnonHugePages + ShmemPmdMapped + FilePmdMapped), top processes only",
			      PREFIX "process_thp_bytes"), p->thp, "pid", pid, "comm", comm);
		if (p->pte_known)
			sample(family(e, "gauge", "Bytes of hugetlb memory the process maps by "
				      "PTEs (HGM kernels), top processes only",
				      PREFIX "process_hugetlb_pte_bytes"), p->pte, "pid", pid,
			       "comm", comm);
	}
	walk_metrics(e, s, s->unreadable);
}

/* What the walk of --top read, and what it could not. */
static void walk_metrics(struct expo *e, const struct top_sys *s, uint64_t unreadable)
{
	sample(family(e, "gauge", "Processes whose huge-page use was read for --top",
		      PREFIX "processes_scanned"), s->scanned, NULL, NULL, NULL, NULL);
	sample(family(e, "gauge", "Processes whose huge-page use could not be read (left out "
		      "of the top processes)", PREFIX "processes_unreadable"), unreadable,
	       NULL, NULL, NULL, NULL);
}

/* The huge-page use of one cgroup: the sum over its own processes. */
struct cg_use {
	char path[CG_LABEL_MAX];
	uint64_t hugetlb, thp, pte;
	bool pte_known;
	uint64_t procs;
};

static uint64_t cg_total(const struct cg_use *c)
{
	return c->hugetlb + c->thp < c->hugetlb ? UINT64_MAX : c->hugetlb + c->thp;
}

static int cmp_cg(const void *a, const void *b)
{
	const struct cg_use *x = a, *y = b;
	uint64_t kx = cg_total(x), ky = cg_total(y);

	if (kx != ky)
		return kx < ky ? 1 : -1;	/* biggest first */
	return strcmp(x->path, y->path);
}

/*
 * A cgroup path as a label value: a path too long for one is cut at a '/',
 * so that its use counts in the deepest ancestor whose path fits (a cut in
 * the middle of a name could make two cgroups one series without saying so).
 * A byte outside printable ASCII becomes '?', as in comm_label().
 */
static void cgroup_label(char *path)
{
	size_t i;

	if (strlen(path) >= CG_LABEL_MAX) {
		path[CG_LABEL_MAX - 1] = '\0';
		*(strrchr(path, '/') == path ? path + 1 : strrchr(path, '/')) = '\0';
	}
	for (i = 0; path[i]; i++)
		if ((unsigned char)path[i] < 0x20 || (unsigned char)path[i] >= 0x7f)
			path[i] = '?';
}

static void add_sat(uint64_t *a, uint64_t b)
{
	*a = *a + b < *a ? UINT64_MAX : *a + b;
}

/*
 * --top-by cgroup: the processes that use huge pages summed per cgroup v2
 * (where /proc/PID/cgroup puts each: its own cgroup, not its ancestors),
 * the @top cgroups that use the most.
 */
static void cgroup_metrics(struct hgmctl *g, struct expo *e, struct top_sys *s, int top)
{
	struct cg_use *cg = NULL;
	size_t ncg = 0, i, k;
	uint64_t unreadable = s->unreadable;
	char path[4096];

	for (i = 0; i < s->nprocs; i++) {
		const struct top_proc *p = &s->procs[i];
		int ret = hgm_proc_cgroup(g->ctx, p->pid, path, sizeof(path));

		if (ret == -ENOENT || ret == -ESRCH)
			continue;		/* gone meanwhile, or no cgroup v2 */
		if (ret) {
			unreadable++;
			continue;
		}
		cgroup_label(path);
		for (k = 0; k < ncg && strcmp(cg[k].path, path); k++)
			;
		if (k == ncg) {
			cg = xrealloc(cg, ++ncg, sizeof(*cg));
			memset(&cg[k], 0, sizeof(cg[k]));
			snprintf(cg[k].path, sizeof(cg[k].path), "%s", path);
			cg[k].pte_known = true;
		}
		add_sat(&cg[k].hugetlb, p->hugetlb);
		add_sat(&cg[k].thp, p->thp);
		add_sat(&cg[k].pte, p->pte_known ? p->pte : 0);
		cg[k].pte_known &= p->pte_known;
		cg[k].procs++;
	}
	if (ncg)
		qsort(cg, ncg, sizeof(*cg), cmp_cg);
	for (k = 0; k < ncg && k < (size_t)top; k++) {
		const struct cg_use *c = &cg[k];

		sample(family(e, "gauge", "Bytes of hugetlb memory the processes of the cgroup "
			      "map, summed (Shared_Hugetlb + Private_Hugetlb), top cgroups only",
			      PREFIX "cgroup_hugetlb_bytes"), c->hugetlb, "cgroup", c->path, NULL,
		       NULL);
		sample(family(e, "gauge", "Bytes of THP memory the processes of the cgroup map by "
			      "PMDs, summed (AnonHugePages + ShmemPmdMapped + FilePmdMapped), top "
			      "cgroups only", PREFIX "cgroup_thp_bytes"), c->thp, "cgroup", c->path,
		       NULL, NULL);
		if (c->pte_known)
			sample(family(e, "gauge", "Bytes of hugetlb memory the processes of the "
				      "cgroup map by PTEs, summed (HGM kernels), top cgroups only",
				      PREFIX "cgroup_hugetlb_pte_bytes"), c->pte, "cgroup", c->path,
			       NULL, NULL);
		sample(family(e, "gauge", "Processes of the cgroup that use huge pages, top cgroups "
			      "only", PREFIX "cgroup_processes"), c->procs, "cgroup", c->path, NULL,
		       NULL);
	}
	walk_metrics(e, s, unreadable);
	free(cg);
}

/* Reads everything `export` shows into @e; exits 1 on what cannot be read. */
static void gather(struct hgmctl *g, struct expo *e, int top, bool by_cgroup)
{
	struct top_sys s = { 0 };
	struct hgm_thp_stats *st;
	int ret;

	top_gather_status(g, &s);
	if (!s.have_st)
		errx(EXIT_ERROR, "%s", s.err);
	ret = hgm_thp_stats_read(g->ctx, &st);
	read_exit(g, ret, "cannot read mTHP stats");
	feature_metrics(e, &s.st.feat);
	pool_metrics(e, s.st.pools);
	vmstat_metrics(e, &s.tc);
	mthp_metrics(e, st);
	khugepaged_metrics(e, s.st.thp);
	if (top) {
		top_gather_procs(g, &s, NULL);
		if (by_cgroup)
			cgroup_metrics(g, e, &s, top);
		else
			process_metrics(e, &s, top);
	}
	hgm_thp_stats_free(st);
	top_sys_free(&s);
}

/* ---- printing ---------------------------------------------------------------- */

/* @s with the escapes of the text format: \\ and \n, and \" inside label values. */
static void put_escaped(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

static void put_value(FILE *f, const struct sample *s)
{
	if (s->milli)
		fprintf(f, "%" PRIu64 ".%03u", s->v / 1000, (unsigned int)(s->v % 1000));
	else
		fprintf(f, "%" PRIu64, s->v);
}

/* The text exposition format (0.0.4), as node_exporter's textfile collector reads it. */
static void print_expo(FILE *f, const struct expo *e)
{
	size_t i, k, l;

	for (i = 0; i < e->n; i++) {
		const struct family *fam = &e->f[i];

		if (!fam->n)
			continue;
		fprintf(f, "# HELP %s ", fam->name);
		put_escaped(f, fam->help, false);
		fprintf(f, "\n# TYPE %s %s\n", fam->name, fam->type);
		for (k = 0; k < fam->n; k++) {
			const struct sample *s = &fam->s[k];

			fputs(fam->name, f);
			for (l = 0; l < s->nl; l++) {
				fprintf(f, "%s%s=\"", l ? "," : "{", s->l[l].key);
				put_escaped(f, s->l[l].val, true);
				fputc('"', f);
			}
			fputs(s->nl ? "} " : " ", f);
			put_value(f, s);
			fputc('\n', f);
		}
	}
}

/* The same samples as JSON: {"metrics":[{"name","type","help","samples":[...]}]}. */
static void print_json(const struct expo *e)
{
	struct jdoc d;
	size_t i, k, l;

	jdoc_begin(&d);
	jw_arr_open(&d.w, "metrics");
	for (i = 0; i < e->n; i++) {
		const struct family *fam = &e->f[i];

		if (!fam->n)
			continue;
		jw_obj_open(&d.w, NULL);
		jw_str(&d.w, "name", fam->name);
		jw_str(&d.w, "type", fam->type);
		jw_str(&d.w, "help", fam->help);
		jw_arr_open(&d.w, "samples");
		for (k = 0; k < fam->n; k++) {
			const struct sample *s = &fam->s[k];

			jw_obj_open(&d.w, NULL);
			jw_obj_open(&d.w, "labels");
			for (l = 0; l < s->nl; l++)
				jw_str(&d.w, s->l[l].key, s->l[l].val);
			jw_obj_close(&d.w);
			if (s->milli)
				jw_double(&d.w, "value", (double)s->v / 1000, 3);
			else
				jw_u64(&d.w, "value", s->v);
			jw_obj_close(&d.w);
		}
		jw_arr_close(&d.w);
		jw_obj_close(&d.w);
	}
	jw_arr_close(&d.w);
	jdoc_end(&d, true);
}

/* ---- the file ---------------------------------------------------------------- */

/* Writes all of @buf to @fd. Returns 0 or -errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * DIR/NAME replaced whole: written to a temporary file in DIR (a name the
 * textfile collector skips: it reads *.prom only), flushed to disk, renamed
 * over NAME, then the directory flushed, so that a reader sees the old file
 * or the new one, never part of one.  The signals that end a process are held
 * meanwhile, so that no temporary file is left behind.  Exits 1 on errors,
 * with nothing written.
 */
static void write_textfile(const char *dir, const char *name, const char *buf, size_t len)
{
	sigset_t hold, old;
	char *tmp, *dst;
	int dfd, fd, ret;
	mode_t mask;
	bool renaming = false;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		err(EXIT_ERROR, "cannot open directory '%s'", dir);
	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0 ||
	    asprintf(&dst, "%s/%s", dir, name) < 0)
		err(EXIT_ERROR, "cannot allocate memory");
	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigaddset(&hold, SIGQUIT);
	sigaddset(&hold, SIGPIPE);
	sigprocmask(SIG_BLOCK, &hold, &old);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		err(EXIT_ERROR, "cannot create a file in '%s'", dir);
	/* mkostemp() makes it 0600: the collector may run as another user */
	mask = umask(0);
	umask(mask);
	ret = fchmod(fd, 0644 & ~mask) ? -errno : 0;
	if (!ret)
		ret = write_all(fd, buf, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, dst)) {
		ret = -errno;
		renaming = true;
	}
	if (ret) {
		unlink(tmp);
		errno = -ret;
		err(EXIT_ERROR, renaming ? "cannot rename a new file to '%s'" :
		    "cannot write a new '%s'", dst);
	}
	/* the rename itself on disk; a directory that cannot be flushed is no error */
	fsync(dfd);
	close(dfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(tmp);
	free(dst);
}

/* --name: a file the textfile collector reads (NAME.prom), in DIR itself. */
static void check_name(const char *name)
{
	size_t n = strlen(name);

	if (n <= 5 || strcmp(name + n - 5, ".prom") || strchr(name, '/') || name[0] == '.')
		usage_error("export: --name '%s': a file name ending in .prom, without '/' and "
			    "not starting with '.' (node_exporter reads only *.prom)", name);
	if (n > 200)
		usage_error("export: --name '%s': longer than 200 bytes", name);
}

int cmd_export(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *dir = NULL, *name = NULL, *top_s = NULL, *by = NULL, *buf = NULL;
	int to_stdout = 0, top = 0;
	bool by_cgroup = false;
	const struct poptOption options[] = {
		{ "textfile", 0, POPT_ARG_STRING, &dir, 0,
		  "write DIR/hgmctl.prom atomically, for node_exporter's textfile collector", "DIR" },
		{ "name", 0, POPT_ARG_STRING, &name, 0,
		  "the file's name in DIR instead of hgmctl.prom (must end in .prom)", "NAME" },
		{ "stdout", 0, POPT_ARG_NONE, &to_stdout, 0, "print the metrics on standard output",
		  NULL },
		{ "top", 0, POPT_ARG_STRING, &top_s, 0,
		  "also the huge-page use of the N processes that use the most (N up to 100)", "N" },
		{ "top-by", 0, POPT_ARG_STRING, &by, 0,
		  "what --top ranks: process (default) or cgroup (the sums of each cgroup v2's "
		  "processes)", "process|cgroup" },
		POPT_TABLEEND
	};
	struct expo e = { 0 };
	size_t len = 0;
	FILE *mem;

	hgmctl_parse(g, cmd, argc, argv, options);
	if (dir && to_stdout)
		usage_error("export: --textfile and --stdout cannot be combined (one writes a file, "
			    "the other prints)");
	if (!dir && !to_stdout && !g->json)
		usage_error("export: where to? (--textfile DIR, --stdout or --json)");
	if (name && !dir)
		usage_error("export: --name names the file of --textfile");
	if (name)
		check_name(name);
	if (!*(dir ?: "-"))
		usage_error("export: --textfile needs a directory");
	if (top_s)
		top = num_arg("export", "--top", top_s, 1, TOP_MAX);
	if (by && !top_s)
		usage_error("export: --top-by says what --top ranks: give --top N too");
	if (by && strcmp(by, "cgroup") == 0)
		by_cgroup = true;
	else if (by && strcmp(by, "process") != 0)
		usage_error("export: --top-by '%s': process or cgroup", by);
	free(top_s);
	free(by);

	gather(g, &e, top, by_cgroup);
	if (dir) {
		mem = open_memstream(&buf, &len);
		if (!mem)
			err(EXIT_ERROR, "cannot allocate memory");
		print_expo(mem, &e);
		if (fclose(mem))
			err(EXIT_ERROR, "cannot allocate memory");
		write_textfile(dir, name ?: "hgmctl.prom", buf, len);
		free(buf);
	}
	/* with --textfile, --json prints the samples just written */
	if (g->json)
		print_json(&e);
	else if (to_stdout)
		print_expo(stdout, &e);
	expo_free(&e);
	free(dir);
	free(name);
	return EXIT_OK;
}
