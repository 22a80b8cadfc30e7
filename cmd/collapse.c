// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * collapse.c - `hgmctl collapse PID [RANGE...]`: MADV_COLLAPSE on another
 * process through its pidfd, one call per VMA, each range measured before
 * and after
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "levels.h"

enum { COL_START, COL_END, COL_SIZE, COL_KIND, COL_VMA, COL_CALL, COL_RESULT, COL_BEFORE,
       COL_AFTER, COL_PUD_B, COL_PUD_A, COL_PMD_B, COL_PMD_A, COL_PTE_B, COL_PTE_A, COL_BASE_B,
       COL_BASE_A, COL_REASON };

/* BEFORE and AFTER are the JSON objects "before" and "after"; the level columns, parts of them. */
static const struct colinfo collapse_cols[] = {
	[COL_START] = { "START", 12, SCOLS_FL_RIGHT, "first address of the range", "start", CT_HEX },
	[COL_END] = { "END", 12, SCOLS_FL_RIGHT, "address after the range", "end", CT_HEX },
	[COL_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, "bytes in the range", NULL, CT_SIZE },
	[COL_KIND] = { "KIND", 7, 0, "kind of its VMA (as maps), or unmapped", "kind", CT_STR },
	[COL_VMA] = { "VMA", 3, SCOLS_FL_RIGHT, "index of its VMA (as vma:N), - if unmapped", "vma",
		      CT_U64 },
	[COL_CALL] = { "CALL", 30, SCOLS_FL_TRUNC, "the system call, - where none is made", "call",
		       CT_STR },
	[COL_RESULT] = { "RESULT", 6, 0, "ok, or the error's name (EINVAL, EAGAIN, ...)", "result",
			 CT_STR },
	[COL_BEFORE] = { "BEFORE", 20, 0, "bytes mapped at each level before the call", "before",
			 CT_OBJECT },
	[COL_AFTER] = { "AFTER", 20, 0, "bytes mapped at each level after the call", "after",
			CT_OBJECT },
	[COL_PUD_B] = { "PUD-BEFORE", 5, SCOLS_FL_RIGHT, "bytes mapped by PUD leaves before", NULL,
			CT_SIZE },
	[COL_PUD_A] = { "PUD-AFTER", 5, SCOLS_FL_RIGHT, "bytes mapped by PUD leaves after", NULL,
			CT_SIZE },
	[COL_PMD_B] = { "PMD-BEFORE", 5, SCOLS_FL_RIGHT, "bytes mapped by PMD leaves before", NULL,
			CT_SIZE },
	[COL_PMD_A] = { "PMD-AFTER", 5, SCOLS_FL_RIGHT, "bytes mapped by PMD leaves after", NULL,
			CT_SIZE },
	[COL_PTE_B] = { "PTE-BEFORE", 5, SCOLS_FL_RIGHT,
			"bytes of huge folios mapped by PTEs before", NULL, CT_SIZE },
	[COL_PTE_A] = { "PTE-AFTER", 5, SCOLS_FL_RIGHT,
			"bytes of huge folios mapped by PTEs after", NULL, CT_SIZE },
	[COL_BASE_B] = { "BASE-BEFORE", 5, SCOLS_FL_RIGHT, "bytes of base pages before", NULL,
			 CT_SIZE },
	[COL_BASE_A] = { "BASE-AFTER", 5, SCOLS_FL_RIGHT, "bytes of base pages after", NULL,
			 CT_SIZE },
	[COL_REASON] = { "REASON", 0.3, SCOLS_FL_TRUNC, "why a range failed", "reason", CT_STR,
			 CJ_BLANK },
};

static const int collapse_defaults[] = {
	COL_START, COL_END, COL_KIND, COL_RESULT, COL_BEFORE, COL_AFTER,
};

/* The members of a range in JSON, in the order of hgmctl(8); "call" with --dry-run only. */
static const int collapse_json[] = {
	COL_START, COL_END, COL_KIND, COL_VMA, COL_CALL, COL_RESULT, COL_REASON, COL_BEFORE,
	COL_AFTER,
};

#define NCOLS (sizeof(collapse_cols) / sizeof(collapse_cols[0]))
const struct hgmctl_columns collapse_columns = { collapse_cols, NCOLS };

/* What collapse needs of a VMA. */
struct cvma {
	uint64_t start, end, page_size;
	enum hgm_kind kind;
	bool hugetlb, shared, hgm, thp_eligible, special;
};

/* One call: a range inside one VMA (or a hole between VMAs). */
struct piece {
	uint64_t start, end;
	long vma;			/* index in maps order, -1: not mapped */
	const char *kind;
	int err;			/* 0 or -errno */
	bool called, refused;
	const char *reason;		/* when refused or failed */
	bool have_before, have_after;
	struct hgm_levels before, after;
};

struct collapse {
	struct hgmctl *g;
	pid_t pid;
	int pidfd;			/* -1: the caller itself (madvise) */
	bool self, hgm_kernel;
	uint64_t page, pmd_size;
	struct cvma *vmas;
	size_t nvmas;
	struct piece *pieces;
	size_t npieces, cap;
};

/* A process that is gone by its pidfd has exited, whatever /proc said. */
static void __attribute__((noreturn)) vmas_error(const struct collapse *c, int ret)
{
	if (ret == -ESRCH || (c->pidfd >= 0 && hgm_pidfd_alive(c->pidfd) == -ESRCH))
		errx(EXIT_ERROR, "process %d has exited (ESRCH)", (int)c->pid);
	proc_error(ret, c->pid, "memory maps");
}

static void read_vmas(struct collapse *c)
{
	struct hgm_vma *v;
	struct hgm_smaps *sm;
	size_t cap = 0;
	int ret;

	if (hgm_vma_new(&v))
		err(EXIT_ERROR, "cannot allocate memory");
	ret = hgm_smaps_open(c->g->ctx, c->pid, &sm);
	if (ret)
		vmas_error(c, ret);
	while ((ret = hgm_smaps_next(sm, v)) > 0) {
		const char *name;
		struct cvma *cv;

		if (c->nvmas == cap) {
			cap = cap ? 2 * cap : 64;
			c->vmas = realloc(c->vmas, cap * sizeof(*c->vmas));
			if (!c->vmas)
				err(EXIT_ERROR, "cannot allocate memory");
		}
		cv = &c->vmas[c->nvmas++];
		cv->start = hgm_vma_start(v);
		cv->end = hgm_vma_end(v);
		cv->page_size = hgm_vma_field(v, HGM_SM_KERNEL_PAGE_SIZE);
		cv->kind = hgm_vma_kind(v);
		cv->hugetlb = hgm_vma_flag(v, HGM_VF_HT);
		cv->shared = hgm_vma_flag(v, HGM_VF_SH);
		cv->hgm = hgm_vma_flag(v, HGM_VF_HM);
		cv->thp_eligible = hgm_vma_field(v, HGM_SM_THP_ELIGIBLE) == 1;
		name = hgm_vma_name(v);
		cv->special = name[0] == '[' && strcmp(name, "[heap]") &&
			      strcmp(name, "[stack]") && strncmp(name, "[anon", 5);
	}
	if (ret == -EBADMSG)
		errx(EXIT_ERROR, "cannot parse smaps of process %d: malformed line %lu",
		     (int)c->pid, hgm_smaps_lineno(sm));
	hgm_smaps_free(sm);
	hgm_vma_free(v);
	if (ret < 0)
		vmas_error(c, ret);
}

static const char no_hgm[] =
	"this kernel has no HGM (HugeTLB high-granularity mapping): hugetlb pages are "
	"always mapped whole, there is nothing to collapse";

static void add_piece(struct collapse *c, uint64_t start, uint64_t end, long vma)
{
	struct piece *p;

	if (c->npieces == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->pieces = realloc(c->pieces, c->cap * sizeof(*c->pieces));
		if (!c->pieces)
			err(EXIT_ERROR, "cannot allocate memory");
	}
	p = &c->pieces[c->npieces++];
	memset(p, 0, sizeof(*p));
	p->start = start;
	p->end = end;
	p->vma = vma;
	p->kind = vma < 0 ? "unmapped" : hgm_kind_name(c->vmas[vma].kind);
	if (vma >= 0 && c->vmas[vma].hugetlb && !c->hgm_kernel) {
		p->refused = true;
		p->err = -EOPNOTSUPP;
		p->reason = no_hgm;
	}
}

/* Does VMA @v hold at least one whole naturally aligned huge page? */
static bool holds_huge(const struct collapse *c, const struct cvma *v)
{
	uint64_t hp = v->hugetlb ? v->page_size : c->pmd_size;
	uint64_t a = (v->start + hp - 1) & ~(hp - 1);

	return a + hp <= v->end && a + hp > a;
}

/* --all / --kind: the VMAs MADV_COLLAPSE can change. */
static bool eligible(const struct collapse *c, const struct cvma *v, int kind)
{
	if (v->special || !holds_huge(c, v))
		return false;
	if (v->hugetlb)		/* only HGM VMAs can be mapped in pieces */
		return kind != HGM_KIND_THP && v->shared && v->hgm && c->hgm_kernel;
	return kind != HGM_KIND_HUGETLB && v->thp_eligible;
}

static bool kind_matches(const struct collapse *c, const struct piece *p, int kind)
{
	if (kind < 0)
		return true;
	if (p->vma < 0)
		return false;
	return c->vmas[p->vma].hugetlb == (kind == HGM_KIND_HUGETLB);
}

/* One piece per VMA the range meets, and one per hole between them. */
static void split_range(struct collapse *c, uint64_t start, uint64_t end)
{
	uint64_t at = start;
	size_t i;

	for (i = 0; i < c->nvmas && at < end; i++) {
		const struct cvma *v = &c->vmas[i];

		if (v->end <= at)
			continue;
		if (v->start >= end)
			break;
		if (v->start > at)
			add_piece(c, at, v->start, -1);
		at = v->start > at ? v->start : at;
		add_piece(c, at, v->end < end ? v->end : end, (long)i);
		at = v->end < end ? v->end : end;
	}
	if (at < end)
		add_piece(c, at, end, -1);
}

/* Why the kernel said @err for @p, in words a user can act on. */
static const char *why(const struct collapse *c, const struct piece *p, int err)
{
	const struct cvma *v = p->vma >= 0 ? &c->vmas[p->vma] : NULL;

	switch (-err) {
	case EINVAL:
		if (v && v->hugetlb && !v->shared)
			return "private hugetlb memory never gets HGM: only MAP_SHARED hugetlb "
			       "can be collapsed";
		if (v && v->hugetlb)
			return "the kernel refused MADV_COLLAPSE on this hugetlb VMA";
		return "not eligible for MADV_COLLAPSE (VM_NOHUGEPAGE, a special or "
		       "file mapping the kernel cannot collapse, or no whole huge page in it)";
	case EAGAIN:
		return "the kernel could not take the pages now (pinned, locked, under "
		       "migration, or changing): try again";
	case ENOMEM:
		if (!v)
			return "no memory is mapped there";
		return "no memory for a huge page now, or the memory cgroup refused the charge";
	case EPERM:
		return "MADV_COLLAPSE on another process (process_madvise) needs "
		       "CAP_SYS_NICE (in the initial user namespace; Linux 5.12+)";
	case EACCES:
		return "process_madvise needs ptrace read access to the process "
		       "(PTRACE_MODE_READ_FSCREDS: same user and a dumpable process, or "
		       "CAP_SYS_PTRACE)";
	case ESRCH:
		return "the process has exited";
	case EOPNOTSUPP:
		return no_hgm;
	default:
		return strerror(-err);
	}
}

static void call_text(const struct collapse *c, const struct piece *p, char *buf, size_t size)
{
	if (c->self)
		snprintf(buf, size, "madvise(0x%" PRIx64 ", %" PRIu64 ", MADV_COLLAPSE)",
			 p->start, p->end - p->start);
	else
		snprintf(buf, size, "process_madvise(pidfd(%d), [{0x%" PRIx64 ", %" PRIu64
			 "}], 1, MADV_COLLAPSE, 0)", (int)c->pid, p->start, p->end - p->start);
}

/* A levels cell: the object in JSON, its words in text; unknown when not measured. */
static void levels_cell(const struct collapse *c, struct cell *cell, bool have,
			const struct hgm_levels *lv)
{
	cell->known = have;
	cell->s = have ? levels_text(c->g, lv, 0, cell->buf, sizeof(cell->buf)) : NULL;
	cell->json = levels_json;
	cell->obj = lv;
}

/* One cell of a range: the only place that knows what each column shows. */
static void fill(int col, const void *row, struct cell *cell, void *arg)
{
	const struct collapse *c = arg;
	const struct piece *p = row;
	bool after = col == COL_PUD_A || col == COL_PMD_A || col == COL_PTE_A || col == COL_BASE_A;
	const struct hgm_levels *lv = after ? &p->after : &p->before;

	switch (col) {
	case COL_PUD_B: case COL_PUD_A: case COL_PMD_B: case COL_PMD_A:
		cell->known = after ? p->have_after : p->have_before;
		cell->u = lv->mapped[col <= COL_PUD_A ? HGM_LEVEL_PUD : HGM_LEVEL_PMD];
		return;
	case COL_PTE_B: case COL_PTE_A: case COL_BASE_B: case COL_BASE_A:
		cell->known = (after ? p->have_after : p->have_before) &&
			      HGM_KNOWN(lv->mapped[HGM_LEVEL_PTE]);
		cell->u = col <= COL_PTE_A ? lv->mapped[HGM_LEVEL_PTE] : lv->base;
		return;
	}
	switch (col) {
	case COL_START: cell->u = p->start; break;
	case COL_END: cell->u = p->end; break;
	case COL_SIZE: cell->u = p->end - p->start; break;
	case COL_KIND: cell->s = p->kind; break;
	case COL_VMA: cell->known = p->vma >= 0; cell->u = (uint64_t)p->vma; break;
	case COL_CALL:
		cell->known = !p->refused;
		call_text(c, p, cell->buf, sizeof(cell->buf));
		cell->s = cell->buf;
		break;
	case COL_RESULT:
		cell->known = p->called || p->refused || p->err;
		cell->s = p->err ? errno_name(p->err) : "ok";
		break;
	case COL_REASON:
		cell->known = p->err && p->reason;
		cell->s = p->reason;
		break;
	case COL_BEFORE: levels_cell(c, cell, p->have_before, &p->before); break;
	case COL_AFTER: levels_cell(c, cell, p->have_after, &p->after); break;
	}
}

static void print_json(struct collapse *c, bool dry_run)
{
	int order[sizeof(collapse_json) / sizeof(collapse_json[0])];
	size_t i, n = 0;
	struct jdoc d;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (collapse_json[i] != COL_CALL || dry_run)
			order[n++] = collapse_json[i];
	jdoc_begin(&d);
	jw_i64(&d.w, "pid", c->pid);
	jw_bool(&d.w, "dry_run", dry_run);
	jw_arr_open(&d.w, "ranges");
	for (i = 0; i < c->npieces; i++)
		row_json(&d.w, collapse_cols, order, n, fill, &c->pieces[i], c);
	jw_arr_close(&d.w);
	jdoc_end(&d, true);
}

static void print_table(struct collapse *c)
{
	struct columns cols;
	struct libscols_table *tb;
	size_t i;

	columns_init(&cols, collapse_cols, NCOLS, collapse_defaults,
		     sizeof(collapse_defaults) / sizeof(collapse_defaults[0]), c->g->output);
	tb = table_new(c->g, &cols);
	for (i = 0; i < c->npieces; i++)
		row_table(c->g, tb, &cols, fill, &c->pieces[i], c);
	table_print(tb);
}

/* The text of column @col of @p, as the table has it. */
static const char *text_of(struct collapse *c, const struct piece *p, int col, struct cell *cell)
{
	static char buf[128];

	memset(cell, 0, sizeof(*cell));
	cell->known = true;
	fill(col, p, cell, c);
	return cell_text(c->g, &collapse_cols[col], cell, buf, sizeof(buf));
}

/* --dry-run: the calls as a caller would write them, each with the cells it is made of. */
static void print_dry_run(struct collapse *c)
{
	struct cell a, b, k, x;
	size_t i;

	for (i = 0; i < c->npieces; i++) {
		const struct piece *p = &c->pieces[i];
		char start[24], end[24];

		snprintf(start, sizeof(start), "%s", text_of(c, p, COL_START, &a));
		snprintf(end, sizeof(end), "%s", text_of(c, p, COL_END, &b));
		if (p->refused) {
			printf("# not called for 0x%s-0x%s (%s): %s\n", start, end,
			       text_of(c, p, COL_KIND, &k), text_of(c, p, COL_REASON, &x));
			continue;
		}
		printf("%s\t# %s", text_of(c, p, COL_CALL, &x), text_of(c, p, COL_KIND, &k));
		if (p->vma >= 0)
			printf(" vma:%s", text_of(c, p, COL_VMA, &x));
		printf(", now %s\n", text_of(c, p, COL_BEFORE, &x));
	}
}

static void run(struct collapse *c, bool dry_run)
{
	bool lines = c->g->verbose, tty = !lines && !dry_run && isatty(STDERR_FILENO);
	int sticky = 0;		/* an error that holds for every range (EPERM, ESRCH) */
	size_t i;

	for (i = 0; i < c->npieces; i++) {
		struct hgm_collapse_result r = HGM_SIZED(r);
		struct piece *p = &c->pieces[i];
		int ret;

		if (lines)
			fprintf(stderr, "%s: %s %zu/%zu: 0x%" PRIx64 "-0x%" PRIx64 " (%s)\n",
				program_invocation_short_name, dry_run ? "measuring" : "collapsing",
				i + 1, c->npieces, p->start, p->end, p->kind);
		else if (tty)
			fprintf(stderr, "\rcollapsing %zu/%zu", i + 1, c->npieces);
		if (sticky) {
			if (!p->refused) {
				p->err = sticky;
				p->reason = why(c, p, sticky);
			}
			continue;
		}
		ret = hgm_collapse_pid(c->g->ctx, c->pid, c->pidfd, p->start, p->end,
				       dry_run || p->refused ? HGM_COLLAPSE_MEASURE_ONLY : 0, &r);
		p->before = r.before;
		p->have_before = HGM_KNOWN(r.before.mapped[HGM_LEVEL_PMD]);
		/* as maps: THP mapped by PTEs is still THP, though smaps cannot see it */
		if (p->have_before && HGM_KNOWN(p->before.mapped[HGM_LEVEL_PTE]) &&
		    p->before.mapped[HGM_LEVEL_PTE] &&
		    p->vma >= 0 && c->vmas[p->vma].kind == HGM_KIND_ANON)
			p->kind = hgm_kind_name(HGM_KIND_THP);
		if (!r.called)
			continue;
		p->err = ret;
		p->called = true;
		if (p->err)
			p->reason = why(c, p, p->err);
		if (p->err == -EPERM || p->err == -EACCES || p->err == -ESRCH)
			sticky = p->err;
		p->after = r.after;
		p->have_after = HGM_KNOWN(r.after.mapped[HGM_LEVEL_PMD]);
	}
	if (tty)
		fputs("\r\033[K", stderr);
}

int cmd_collapse(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	int all = 0, dry_run = 0, kind = -1;
	char *kind_arg = NULL;
	const struct poptOption options[] = {
		{ "all", 'a', POPT_ARG_NONE, &all, 0,
		  "every VMA MADV_COLLAPSE can change (THP-eligible; HGM hugetlb)", NULL },
		{ "kind", 'k', POPT_ARG_STRING, &kind_arg, 0,
		  "only VMAs of this kind: thp or hugetlb (alone: every eligible one)", "KIND" },
		{ "dry-run", 0, POPT_ARG_NONE, &dry_run, 0,
		  "print the calls that would be made, make none", NULL },
		POPT_TABLEEND
	};
	struct collapse c = { .g = g, .pidfd = -1 };
	struct hgm_features feat = HGM_SIZED(feat);
	const char *arg, **ranges;
	size_t nranges = 0, i, ok = 0, failed = 0;
	poptContext pc;

	pc = hgmctl_parse(g, cmd, argc, argv, options);
	arg = poptGetArg(pc);
	if (!arg)
		usage_error("collapse: no PID given");
	c.pid = pid_arg(arg);
	ranges = poptGetArgs(pc);
	while (ranges && ranges[nranges])
		nranges++;
	if (kind_arg) {
		if (strcmp(kind_arg, "thp") == 0)
			kind = HGM_KIND_THP;
		else if (strcmp(kind_arg, "hugetlb") == 0)
			kind = HGM_KIND_HUGETLB;
		else
			usage_error("collapse: unknown kind '%s' (thp, hugetlb)", kind_arg);
	}
	if (all && nranges)
		usage_error("collapse: --all selects VMAs itself; give it no RANGE");
	if (!all && kind < 0 && !nranges)
		usage_error("collapse: no RANGE given (ADDR-END, ADDR+LEN, vma:N, or --all, --kind)");
	/* every usage error before the process is looked at */
	for (i = 0; i < nranges; i++) {
		struct addr_range r;

		if (parse_range(ranges[i], &r))
			usage_error("collapse: invalid range '%s' (ADDR-END, ADDR+LEN or vma:N)",
				    ranges[i]);
		if (r.vma < 0 && (r.start & ((uint64_t)sysconf(_SC_PAGESIZE) - 1)))
			usage_error("collapse: range '%s' does not start on a page boundary",
				    ranges[i]);
	}

	c.page = (uint64_t)sysconf(_SC_PAGESIZE);
	c.pmd_size = hgm_thp_pmd_size(g->ctx);
	hgm_features_probe(g->ctx, &feat);
	c.hgm_kernel = hgm_has(&feat, HGM_FEAT_HGM) || hgm_has(&feat, HGM_FEAT_MADV_SPLIT);
	if (kind == HGM_KIND_HUGETLB && !c.hgm_kernel)
		errx(EXIT_ERROR, "collapse: %s", no_hgm);

	/* the pidfd first: all that follows is checked against it */
	c.self = c.pid == getpid();
	if (!c.self) {
		c.pidfd = hgm_pidfd_open(c.pid);
		if (c.pidfd == -ESRCH)
			errx(EXIT_ERROR, "process %d does not exist (ESRCH)", (int)c.pid);
		if (c.pidfd < 0)
			errx(EXIT_ERROR, "cannot open a pidfd for process %d: %s", (int)c.pid,
			     strerror(-c.pidfd));
	}
	/* a kernel thread's smaps is empty: it has no memory, not "no eligible VMA" */
	if (hgm_proc_kthread(g->ctx, c.pid) == 1)
		proc_error(-ESRCH, c.pid, "memory maps");
	read_vmas(&c);
	if (nranges) {
		for (i = 0; i < nranges; i++) {
			uint64_t start, end;
			size_t first = c.npieces, k, n;

			resolve_range(g, c.pid, ranges[i], &start, &end);
			end = (end + c.page - 1) & ~(c.page - 1);
			split_range(&c, start, end);
			/* --kind keeps the pieces of that kind */
			for (k = n = first; k < c.npieces; k++)
				if (kind_matches(&c, &c.pieces[k], kind))
					c.pieces[n++] = c.pieces[k];
			c.npieces = n;
		}
		if (!c.npieces)
			errx(EXIT_ERROR, "collapse: no %s memory in the ranges given", kind_arg);
	} else {
		for (i = 0; i < c.nvmas; i++)
			if (eligible(&c, &c.vmas[i], kind))
				add_piece(&c, c.vmas[i].start, c.vmas[i].end, (long)i);
		if (!c.npieces)
			errx(EXIT_ERROR, "collapse: process %d has no VMA%s%s that MADV_COLLAPSE "
			     "can change%s", (int)c.pid, kind_arg ? " of kind " : "",
			     kind_arg ? kind_arg : "",
			     !c.hgm_kernel && kind != HGM_KIND_THP ? " (and no HGM in this kernel "
			     "for hugetlb)" : "");
	}
	if (c.pidfd >= 0 && hgm_pidfd_alive(c.pidfd))
		errx(EXIT_ERROR, "process %d has exited (ESRCH)", (int)c.pid);

	run(&c, dry_run);

	if (g->json)
		print_json(&c, dry_run);
	else if (dry_run)
		print_dry_run(&c);
	else
		print_table(&c);
	for (i = 0; i < c.npieces; i++) {
		const struct piece *p = &c.pieces[i];

		if (p->err) {
			failed++;
			if (!dry_run)
				warnx("0x%" PRIx64 "-0x%" PRIx64 ": %s: %s", p->start, p->end,
				      errno_name(p->err), p->reason);
		} else if (p->called) {
			ok++;
		}
	}
	if (c.pidfd >= 0)
		close(c.pidfd);
	free(c.vmas);
	free(c.pieces);
	free(kind_arg);
	if (dry_run)
		return failed && failed == c.npieces ? EXIT_ERROR : EXIT_OK;
	return failed == 0 ? EXIT_OK : ok ? EXIT_PARTIAL : EXIT_ERROR;
}
