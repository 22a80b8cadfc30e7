// SPDX-License-Identifier: GPL-2.0-or-later
/* bench-collapse.c - `hgmctl bench collapse`: MADV_COLLAPSE cost per 2 MiB, by memory kind */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench-mem.h"
#include "commands.h"

static const struct {
	enum mem_kind kind;
	const char *name, *label;
	enum hgm_level before;	/* how the pages are mapped before collapse */
} collapse_mems[] = {
	{ MEM_THP_SPLIT, "thp_pte", "THP, PTE-mapped (split)", HGM_LEVEL_PTE },
	{ MEM_BASE, "base", "base pages", HGM_LEVEL_PTE },
	{ MEM_HGM, "hugetlb_hgm", "hugetlb 2M, 4K-mapped (HGM)", HGM_LEVEL_PTE },
};

#define NCMEM (sizeof(collapse_mems) / sizeof(collapse_mems[0]))
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

struct collapse_cell {
	size_t mem;		/* in collapse_mems[] */
	bool ok;
	double us_per_2m;	/* best run */
	uint64_t pmd_after;	/* of the best run */
	const char *why;
	int err;
};

enum { COL_MEMORY, COL_PER_2M, COL_PMD_AFTER, COL_SKIPPED, COL_ERROR };

static const struct colinfo cols[] = {
	[COL_MEMORY] = { "MEMORY", 28, 0, NULL, "memory", CT_STR },
	[COL_PER_2M] = { "PER-2M", 10, SCOLS_FL_RIGHT, NULL, "us_per_2m", CT_DOUBLE, 0, 2, 1,
			 " us" },
	[COL_PMD_AFTER] = { "PMD-AFTER", 9, SCOLS_FL_RIGHT, NULL, "pmd_mapped_after", CT_SIZE,
			    CJ_OMIT },
	[COL_SKIPPED] = { "SKIPPED", 0.3, SCOLS_FL_TRUNC, NULL, "skipped", CT_STR,
			  CJ_OMIT | CJ_BLANK },
	[COL_ERROR] = { "ERROR", 6, 0, NULL, "error", CT_STR, CJ_OMIT | CJ_BLANK },
};

static const int order[] = { COL_MEMORY, COL_PER_2M, COL_PMD_AFTER, COL_SKIPPED, COL_ERROR };

static void fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct collapse_cell *r = row;

	switch (col) {
	case COL_MEMORY:
		c->s = collapse_mems[r->mem].name;
		c->text = collapse_mems[r->mem].label;
		break;
	case COL_PER_2M: c->known = r->ok; c->d = r->us_per_2m; break;
	case COL_PMD_AFTER: c->known = r->ok; c->u = r->pmd_after; break;
	case COL_SKIPPED: c->known = !r->ok; c->s = r->why; break;
	case COL_ERROR: c->known = r->err; c->s = errno_name(r->err); break;
	}
}

int cmd_bench_collapse(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *size_arg_s = NULL;
	char *runs_s = NULL;
	int runs = 3;
	const struct poptOption options[] = {
		{ "size", 's', POPT_ARG_STRING, &size_arg_s, 0,
		  "memory of each kind (default 256M)", "SIZE" },
		{ "runs", 'n', POPT_ARG_STRING, &runs_s, 0, "runs of each; the best counts (3)", "N" },
		POPT_TABLEEND
	};
	struct pool_grant pg = { .page_size = 2 * MIB };
	struct collapse_cell cell[NCMEM];
	struct doc doc;
	struct detail *d = &doc.d;
	struct rows r;
	struct hgm_features feat = HGM_SIZED(feat);
	uint64_t size, pmd;
	bool hgm_kernel;
	size_t i;
	int rc = EXIT_OK;

	hgmctl_parse(g, cmd, argc, argv, options);
	size = size_arg_s ? size_arg("bench collapse", "--size", size_arg_s) : 256 * MIB;
	if (!size || size % (2 * MIB))
		usage_error("bench collapse: --size must be a non-zero multiple of 2M");
	if (runs_s)
		runs = num_arg("bench collapse", "--runs", runs_s, 1, 1000000);
	hgm_features_probe(g->ctx, &feat);
	if (!hgm_has(&feat, HGM_FEAT_MADV_COLLAPSE))
		errx(EXIT_ERROR, "bench collapse: this kernel has no MADV_COLLAPSE (Linux 6.1+)");
	hgm_kernel = hgm_has(&feat, HGM_FEAT_HGM);
	pmd = hgm_thp_pmd_size(g->ctx);

	for (i = 0; i < NCMEM; i++) {
		struct collapse_cell *c = &cell[i];
		int k;

		memset(c, 0, sizeof(*c));
		c->mem = i;
		if (g->verbose || isatty(STDERR_FILENO))
			fprintf(stderr, "%s: collapse of %s\n", program_invocation_short_name,
				collapse_mems[i].label);
		for (k = 0; k < runs; k++) {
			struct mem m = { .kind = collapse_mems[i].kind, .size = size };
			struct hgm_levels lv;
			uint64_t off;
			double t;

			if (mem_setup(g, &m, &pg, hgm_kernel)) {
				c->why = m.why;
				break;
			}
			mem_level(g, &m, HGM_LEVEL_PMD, &lv);
			if (lv.mapped[HGM_LEVEL_PMD] * 2 > size) {
				c->why = "the pages were PMD-mapped already: nothing to measure";
				mem_free(&m);
				break;
			}
			/* MADV_COLLAPSE respects VM_NOHUGEPAGE, which keeps base pages base */
			if (m.kind == MEM_BASE)
				madvise(m.addr, m.size, MADV_HUGEPAGE);
			/* one call per 2 MiB, as a caller collapsing piece by piece would */
			t = now_us();
			for (off = 0; off < size && !c->err; off += pmd)
				c->err = hgm_collapse(-1, (uintptr_t)m.addr + off, pmd);
			t = now_us() - t;
			if (c->err) {
				c->why = "MADV_COLLAPSE failed";
				mem_free(&m);
				rc = EXIT_ERROR;
				break;
			}
			t /= (double)(size / (2 * MIB));
			if (!c->ok || t < c->us_per_2m) {
				c->us_per_2m = t;
				c->pmd_after = mem_level(g, &m, HGM_LEVEL_PMD, &lv);
			}
			c->ok = true;
			mem_free(&m);
		}
		if (pool_restore(g, &pg))
			rc = EXIT_ERROR;
	}

	doc_begin(&doc, g, 0);
	print_size(d, "size", "MADV_COLLAPSE, one call per 2 MiB over %s", size);
	print_i64(d, "runs", ", best of %s runs\n\n", runs);
	rows_begin(&r, g, d->w, "results", cols, NCOLS, order, NCOLS, fill, NULL);
	for (i = 0; i < NCMEM; i++)
		rows_add(&r, &cell[i]);
	rows_end(&r);
	doc_end(&doc);
	free(size_arg_s);
	free(runs_s);
	return rc;
}
