// SPDX-License-Identifier: GPL-2.0-or-later
/* top-model.c - what `hgmctl top` shows: gathering into plain structs, and frames of text */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "top.h"

static bool cancelled(top_cancel *c)
{
	return c && atomic_load(c);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		err(EXIT_ERROR, "cannot allocate memory");
	return p;
}

/* ---- frames ------------------------------------------------------------------ */

void frame_init(struct frame *f, int w, int h, bool grow)
{
	f->w = w;
	f->h = h;
	f->grow = grow;
	f->used = 0;
	f->ch = xcalloc((size_t)w * h, 1);
	f->st = xcalloc((size_t)w * h, 1);
	memset(f->ch, ' ', (size_t)w * h);
}

void frame_free(struct frame *f)
{
	free(f->ch);
	free(f->st);
	f->ch = NULL;
	f->st = NULL;
}

static bool frame_line(struct frame *f, int y)
{
	if (y < 0)
		return false;
	if (y >= f->h) {
		int nh = f->h;

		if (!f->grow)
			return false;
		while (nh <= y)
			nh *= 2;
		f->ch = realloc(f->ch, (size_t)f->w * nh);
		f->st = realloc(f->st, (size_t)f->w * nh);
		if (!f->ch || !f->st)
			err(EXIT_ERROR, "cannot allocate memory");
		memset(f->ch + (size_t)f->w * f->h, ' ', (size_t)f->w * (nh - f->h));
		memset(f->st + (size_t)f->w * f->h, 0, (size_t)f->w * (nh - f->h));
		f->h = nh;
	}
	if (y >= f->used)
		f->used = y + 1;
	return true;
}

int frame_put(struct frame *f, int y, int x, int style, const char *s)
{
	if (!frame_line(f, y))
		return x;
	for (; *s && x < f->w; s++, x++) {
		if (x < 0)
			continue;
		f->ch[(size_t)y * f->w + x] = (*s >= ' ' && *s < 127) ? *s : '?';
		f->st[(size_t)y * f->w + x] = (unsigned char)style;
	}
	return x;
}

int frame_printf(struct frame *f, int y, int x, int style, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return frame_put(f, y, x, style, buf);
}

void frame_style_line(struct frame *f, int y, int x, int style)
{
	if (!frame_line(f, y))
		return;
	for (; x < f->w; x++)
		f->st[(size_t)y * f->w + x] = (unsigned char)style;
}

void frame_print(const struct frame *f, FILE *out)
{
	int y, n;

	for (y = 0; y < f->used; y++) {
		const char *l = f->ch + (size_t)y * f->w;

		for (n = f->w; n > 0 && l[n - 1] == ' '; n--)
			;
		fprintf(out, "%.*s\n", n, l);
	}
}

/* ---- system: pools, THP, processes ------------------------------------------- */

const char *top_screen_name(enum top_screen s)
{
	static const char *const names[] = { "system", "process", "pagemap", "folio" };

	return s < TOP_NR_SCREENS ? names[s] : "?";
}

const char *top_sort_name(enum top_sort s)
{
	static const char *const names[] = { "hugetlb", "thp", "pte", "pid" };

	return s < NR_SORTS ? names[s] : "?";
}

int top_parse_delay(const char *s, double *seconds)
{
	uint64_t ns;

	if (parse_seconds(s, &ns) || ns < 100000000 || ns > UINT64_C(3600000000000))
		return -EINVAL;
	*seconds = (double)ns / 1e9;
	return 0;
}

/* The processes in /proc but this one; exits when /proc cannot be listed. */
static pid_t *all_pids(const struct hgmctl *g, size_t *n)
{
	pid_t *pids;
	int ret = hgm_proc_pids(g->ctx, &pids, n);

	if (ret == -ENOMEM)
		err(EXIT_ERROR, "cannot allocate memory");
	if (ret)
		errx(EXIT_ERROR, "cannot list /proc: %s", strerror(-ret));
	return pids;
}

struct sys_walk {
	struct top_sys *s;
	size_t cap;
	top_cancel *cancel;
};

/* A process of the walk: kept when it uses hugetlb or THP. */
static int sys_proc(pid_t pid, const char *comm, const struct hgm_proc_usage *pu, void *arg)
{
	struct sys_walk *sw = arg;
	struct top_sys *s = sw->s;
	struct top_proc *p;

	if (cancelled(sw->cancel))
		return 1;
	if (!pu->hugetlb && !pu->thp && !(HGM_KNOWN(pu->pte) && pu->pte))
		return 0;
	if (s->nprocs == sw->cap) {
		s->procs = realloc(s->procs, (sw->cap *= 2) * sizeof(*s->procs));
		if (!s->procs)
			err(EXIT_ERROR, "cannot allocate memory");
	}
	p = &s->procs[s->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->hugetlb = pu->hugetlb;
	p->thp = pu->thp;
	p->pte_known = HGM_KNOWN(pu->pte);
	p->pte = p->pte_known ? pu->pte : 0;
	return 0;
}

void top_gather_status(struct hgmctl *g, struct top_sys *s)
{
	char file[512];
	const char *what;
	int ret;

	ret = status_gather(g, &s->st, &what);
	if (ret && refusal(ret))
		snprintf(s->err, sizeof(s->err), "%s", refusal(ret));
	else if (ret)
		snprintf(s->err, sizeof(s->err), "%s: %s%s", what, strerror(-ret),
			 failed_file(g, ret, file, sizeof(file)));
	else
		s->have_st = true;
	s->tc.size = sizeof(s->tc);
	if (hgm_thp_counters_read(g->ctx, &s->tc)) {
		memset(&s->tc, 0xff, sizeof(s->tc));	/* all HGM_UNKNOWN */
		s->tc.size = sizeof(s->tc);
	}
}

void top_gather_procs(struct hgmctl *g, struct top_sys *s, top_cancel *cancel)
{
	const struct hgm_procs_ops ops = { .proc = sys_proc };
	unsigned long unreadable, scanned;
	struct sys_walk sw;
	int ret;

	sw.s = s;
	sw.cap = 16;
	sw.cancel = cancel;
	s->procs = xcalloc(sw.cap, sizeof(*s->procs));
	/* the same gathering as `procs` (hgm_procs_walk()), without the page scan */
	ret = hgm_procs_walk(g->ctx, NULL, 0, 0, &ops, &sw, &unreadable, &scanned);
	if (ret == -ENOMEM)
		err(EXIT_ERROR, "cannot allocate memory");
	if (ret < 0)
		errx(EXIT_ERROR, "cannot list /proc: %s", strerror(-ret));
	s->scanned = scanned;
	s->unreadable = unreadable;
}

void top_gather_sys(struct hgmctl *g, struct top_sys *s, top_cancel *cancel)
{
	top_gather_status(g, s);
	top_gather_procs(g, s, cancel);
}

void top_sys_free(struct top_sys *s)
{
	if (!s)
		return;
	if (s->have_st)
		status_release(&s->st);
	free(s->procs);
	memset(s, 0, sizeof(*s));
}

static enum top_sort cmp_key;

static int cmp_proc(const void *a, const void *b)
{
	const struct top_proc *x = a, *y = b;
	uint64_t kx, ky;

	switch (cmp_key) {
	case SORT_THP: kx = x->thp; ky = y->thp; break;
	case SORT_PTE: kx = x->pte; ky = y->pte; break;
	case SORT_PID: return (x->pid > y->pid) - (x->pid < y->pid);
	default: kx = x->hugetlb; ky = y->hugetlb; break;
	}
	if (kx != ky)
		return kx < ky ? 1 : -1;	/* biggest first */
	return (x->pid > y->pid) - (x->pid < y->pid);
}

size_t top_sys_rows(const struct top_sys *s, const struct top_view *v, struct top_proc **out)
{
	struct top_proc *r = xcalloc(s->nprocs, sizeof(*r));
	size_t i, n = 0;

	for (i = 0; i < s->nprocs; i++) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", (int)s->procs[i].pid);
		if (v->filter[TOP_SYSTEM][0] && !strstr(s->procs[i].comm, v->filter[TOP_SYSTEM]) &&
		    strcmp(pid, v->filter[TOP_SYSTEM]) != 0)
			continue;
		r[n++] = s->procs[i];
	}
	cmp_key = v->sort;	/* the UI thread is the only one sorting */
	qsort(r, n, sizeof(*r), cmp_proc);
	*out = r;
	return n;
}

/* ---- process: its VMAs, as `maps` measures them -------------------------------- */

struct proc_collect {
	struct top_procview *p;
	size_t cap;
	top_cancel *cancel;
};

static int on_maps_vma(const struct hgm_vma *v, const struct hgm_vma_usage *u, void *arg)
{
	struct proc_collect *pc = arg;
	struct top_procview *p = pc->p;
	struct top_vma *t;

	if (cancelled(pc->cancel))
		return -ECANCELED;
	if (p->n == pc->cap) {
		pc->cap = pc->cap ? pc->cap * 2 : 64;
		p->v = realloc(p->v, pc->cap * sizeof(*p->v));
		if (!p->v)
			return -ENOMEM;
	}
	t = &p->v[p->n++];
	memset(t, 0, sizeof(*t));
	t->start = hgm_vma_start(v);
	t->end = hgm_vma_end(v);
	t->kind = u->kind;
	t->page_size = u->page_size;
	t->rss = hgm_vma_field(v, HGM_SM_RSS);
	memcpy(t->mapped, u->mapped, sizeof(t->mapped));
	t->pte_known = HGM_KNOWN(u->mapped[HGM_LEVEL_PTE]);
	if (!t->pte_known)
		t->mapped[HGM_LEVEL_PTE] = 0;
	t->hgm = hgm_vma_flag(v, HGM_VF_HM);
	snprintf(t->perms, sizeof(t->perms), "%s", hgm_vma_perms(v));
	snprintf(t->name, sizeof(t->name), "%.47s", hgm_vma_name(v));
	level_totals_add(&p->tot, u);
	return 0;
}

static void set_err(char *buf, size_t size, int ret, pid_t pid, const char *what)
{
	if ((ret == -ESRCH || ret == -ENOENT) && hgm_proc_kthread(hgmctl_g.ctx, pid) != 1)
		snprintf(buf, size, "process %d does not exist (or exited)", (int)pid);
	else
		proc_error_text(buf, size, ret, pid, what);
}

void top_gather_proc(struct hgmctl *g, pid_t pid, struct top_procview *p, top_cancel *cancel)
{
	const struct hgm_maps_ops maps_ops = { .vma = on_maps_vma };
	struct proc_collect pc = { .p = p, .cancel = cancel };
	int ret;

	p->pid = pid;
	level_totals_init(&p->tot);
	hgm_proc_comm(g->ctx, pid, p->comm, sizeof(p->comm));
	ret = hgm_maps_walk(g->ctx, pid, 0, &maps_ops, &pc, NULL);
	if (ret < 0 && ret != -ECANCELED)
		set_err(p->err, sizeof(p->err), ret, pid, "memory maps");
}

void top_procview_free(struct top_procview *p)
{
	if (!p)
		return;
	free(p->v);
	memset(p, 0, sizeof(*p));
}

size_t top_proc_rows(const struct top_procview *p, const struct top_view *v, size_t **out)
{
	size_t *r = xcalloc(p->n, sizeof(*r));
	size_t i, n = 0;

	for (i = 0; i < p->n; i++) {
		if (v->filter[TOP_PROCESS][0] &&
		    strcmp(hgm_kind_name(p->v[i].kind), v->filter[TOP_PROCESS]) != 0 &&
		    !strstr(p->v[i].name, v->filter[TOP_PROCESS]))
			continue;
		r[n++] = i;
	}
	*out = r;
	return n;
}

const struct top_vma *top_default_vma(const struct top_procview *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].kind == HGM_KIND_HUGETLB)
			return &p->v[i];
	for (i = 0; i < p->n; i++)
		if (p->v[i].kind == HGM_KIND_THP)
			return &p->v[i];
	for (i = 0; i < p->n; i++)
		if (p->v[i].kind == HGM_KIND_DAX)
			return &p->v[i];
	return p->n ? &p->v[0] : NULL;
}

const struct top_vma *top_vma_at(const struct top_procview *p, uint64_t addr)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (addr >= p->v[i].start && addr < p->v[i].end)
			return &p->v[i];
	return NULL;
}

/* ---- page map: one cell per hugepage-sized block --------------------------------- */

#define PM_MAX_CELLS	(UINT64_C(1) << 22)	/* 4 MiB of cells at most */

struct pm_walk {
	struct top_pagemap *pm;
	top_cancel *cancel;
	void (*publish)(const struct top_pagemap *pm, void *arg);
	void *arg;
	double last;
};

static int pm_folio(const struct hgm_folio *f, void *arg)
{
	struct pm_walk *w = arg;
	struct top_pagemap *pm = w->pm;
	unsigned int bit = 0;
	uint64_t i, first, last;

	if (f->present) {
		bit = level_bits(f);	/* PC_PUD ... PC_BASE are the LB_* bits */
		if (f->uffd_wp)
			bit |= PC_WP;
		if (f->hwpoison)
			bit |= PC_POISON;
	} else if (f->swapped) {
		bit = PC_SWAP;
		if (f->uffd_wp)
			bit |= PC_WP;
	}
	if (bit) {
		first = (f->start - pm->vma.start) / pm->block;
		last = (f->end - 1 - pm->vma.start) / pm->block;
		for (i = first; i <= last && i < pm->ncells; i++)
			pm->cells[i] |= (unsigned char)bit;
	}
	pm->scanned_to = f->end;
	if (cancelled(w->cancel))
		return -ECANCELED;
	if (w->publish && now_ms() - w->last > 50) {
		w->publish(pm, w->arg);
		w->last = now_ms();
	}
	return 0;
}

void top_scan_pagemap(struct hgmctl *g, pid_t pid, const struct top_vma *vma,
		      struct top_pagemap *pm, top_cancel *cancel,
		      void (*publish)(const struct top_pagemap *pm, void *arg), void *arg)
{
	const struct hgm_scan_ops ops = { .folio = pm_folio };
	struct pm_walk w = { .pm = pm, .cancel = cancel, .publish = publish, .arg = arg };
	uint64_t size = vma->end - vma->start, pmd = hgm_thp_pmd_size(g->ctx);
	double t0 = now_ms();
	int ret;

	pm->pid = pid;
	pm->vma = *vma;
	/*
	 * A PMD per cell, whatever the page size: the 2 MiB pieces of a 1 GiB
	 * page mapped by HGM, and those holding 4 KiB pieces, get a cell each
	 */
	pm->block = pmd;
	while ((size + pm->block - 1) / pm->block > PM_MAX_CELLS)
		pm->block *= 2;
	pm->ncells = (size + pm->block - 1) / pm->block;
	pm->cells = xcalloc(pm->ncells, 1);
	pm->scanned_to = vma->start;
	/* a recorded tree has page tables only if it has the process's pagemap */
	if (!hgm_ctx_is_live(g->ctx) && hgm_pagemap_available(g->ctx, pid) < 0) {
		snprintf(pm->err, sizeof(pm->err), "the recorded tree has no page tables: "
			 "the page map needs a live process");
		pm->done = true;
		return;
	}
	w.last = now_ms();
	/*
	 * kpagecount is not needed for a picture (kpageflags tells poisoned
	 * pages), nor are smaps counters: no walk of every VMA before the scan
	 */
	ret = hgm_scan(g->ctx, pid, vma->start, vma->end, HGM_SCAN_NO_COUNT | HGM_SCAN_LIGHT_VMAS,
		       &ops, &w);
	pm->scan_ms = now_ms() - t0;
	if (ret < 0 && ret != -ECANCELED)
		set_err(pm->err, sizeof(pm->err), ret, pid, "pagemap");
	if (ret == 0) {
		pm->scanned_to = vma->end;
		pm->done = true;
	}
}

void top_pagemap_free(struct top_pagemap *pm)
{
	if (!pm)
		return;
	free(pm->cells);
	memset(pm, 0, sizeof(*pm));
}

int top_pagemap_copy(struct top_pagemap *dst, const struct top_pagemap *src)
{
	*dst = *src;
	dst->cells = malloc(src->ncells ? src->ncells : 1);
	if (!dst->cells)
		return -ENOMEM;
	memcpy(dst->cells, src->cells, src->ncells);
	return 0;
}

uint64_t top_cell_bytes(const struct top_pagemap *pm, const struct top_view *v)
{
	return pm->block << v->zoom;
}

int top_cells_per_line(int w)
{
	int n = 1;

	/* a power of two, so that line addresses stay round */
	while (n * 2 <= w - 14)
		n *= 2;
	return n;
}

/* ---- folio detail and its rmap ------------------------------------------------- */

struct folio_find {
	struct top_folio *fo;
	top_cancel *cancel;
};

static int first_row(const struct hgm_folio *f, void *arg)
{
	struct folio_find *ff = arg;

	if (cancelled(ff->cancel))
		return -ECANCELED;
	if (!f->present && !f->swapped)
		return 0;
	ff->fo->found = true;
	ff->fo->f = *f;
	ff->fo->f.vma = NULL;
	ff->fo->vma_start = hgm_vma_start(f->vma);
	ff->fo->vma_end = hgm_vma_end(f->vma);
	snprintf(ff->fo->vma_name, sizeof(ff->fo->vma_name), "%.47s", hgm_vma_name(f->vma));
	return 1;
}

struct rmap_collect_arg {
	struct top_folio *fo;
	size_t cap;
	top_cancel *cancel;
};

static int on_hit(const struct hgm_rmap_hit *h, void *arg)
{
	struct rmap_collect_arg *a = arg;
	struct top_folio *fo = a->fo;
	struct top_mapper *m;

	if (cancelled(a->cancel))
		return -ECANCELED;
	if (fo->nm == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		fo->m = realloc(fo->m, a->cap * sizeof(*fo->m));
		if (!fo->m)
			return -ENOMEM;
	}
	m = &fo->m[fo->nm++];
	m->pid = h->pid;
	snprintf(m->comm, sizeof(m->comm), "%s", h->comm);
	m->start = h->start;
	m->end = h->end;
	m->level = h->f->level;
	m->vma_start = hgm_vma_start(h->f->vma);
	m->vma_end = hgm_vma_end(h->f->vma);
	return 0;
}

void top_gather_folio(struct hgmctl *g, pid_t pid, uint64_t addr, uint64_t end,
		      struct top_folio *fo,
		      top_cancel *cancel, void (*publish)(const struct top_folio *fo, void *arg),
		      void *arg)
{
	const struct hgm_scan_ops ops = { .folio = first_row };
	struct folio_find ff = { .fo = fo, .cancel = cancel };
	struct rmap_collect_arg ra = { .fo = fo, .cancel = cancel };
	const struct hgm_rmap_ops rmap_ops = { .hit = on_hit };
	struct hgm_pfn_folio folio;
	pid_t *pids;
	size_t n;
	int ret;

	fo->pid = pid;
	fo->addr = addr;
	if (!hgm_ctx_is_live(g->ctx)) {
		snprintf(fo->err, sizeof(fo->err), "the recorded tree has no page tables: "
			 "folio detail needs a live process");
		return;
	}
	ret = hgm_scan(g->ctx, pid, addr, end, HGM_SCAN_NODES | HGM_SCAN_LIGHT_VMAS, &ops, &ff);
	if (ret < 0) {
		if (ret != -ECANCELED)
			set_err(fo->err, sizeof(fo->err), ret, pid, "pagemap");
		return;
	}
	if (!fo->found) {
		snprintf(fo->err, sizeof(fo->err), "nothing is mapped at %" PRIx64 "-%" PRIx64,
			 addr, end);
		return;
	}
	if (publish)
		publish(fo, arg);
	if (!fo->f.present || !HGM_KNOWN(fo->f.pfn)) {
		if (fo->f.present)
			snprintf(fo->err, sizeof(fo->err),
				 "PFNs read as 0 without CAP_SYS_ADMIN: no rmap");
		fo->rmap_done = true;
		return;
	}
	ret = hgm_pfn_folio(g->ctx, fo->f.pfn, &folio);
	if (ret) {
		snprintf(fo->err, sizeof(fo->err), "cannot read /proc/kpageflags: %s",
			 strerror(-ret));
		fo->rmap_done = true;
		return;
	}
	pids = all_pids(g, &n);
	/* quiet: a warning per unreadable process would write over the screen */
	ret = hgm_rmap_walk(g->ctx, &folio, pids, n, &rmap_ops, &ra, &fo->unreadable);
	free(pids);
	if (ret == 0)
		fo->rmap_done = true;
}

void top_folio_free(struct top_folio *fo)
{
	if (!fo)
		return;
	free(fo->m);
	memset(fo, 0, sizeof(*fo));
}

int top_folio_copy(struct top_folio *dst, const struct top_folio *src)
{
	*dst = *src;
	dst->m = malloc((src->nm ? src->nm : 1) * sizeof(*src->m));
	if (!dst->m)
		return -ENOMEM;
	if (src->nm)	/* src->m may be NULL */
		memcpy(dst->m, src->m, src->nm * sizeof(*src->m));
	return 0;
}

int top_collapse(pid_t pid, uint64_t start, uint64_t end)
{
	int pidfd = hgm_pidfd_open(pid), ret;

	if (pidfd < 0)
		return pidfd;
	ret = hgm_collapse(pidfd, start, end - start);
	close(pidfd);
	return ret;
}
