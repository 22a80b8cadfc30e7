// SPDX-License-Identifier: GPL-2.0-or-later
/* bench-gup.c - `hgmctl bench gup`: the kernel's gup_test on THP, PMD-mapped and HGM-mapped hugetlb */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-mem.h"
#include "commands.h"

static const struct {
	enum mem_kind kind;
	const char *name, *label;
	enum hgm_level level;	/* how its pages must be mapped */
} gup_mems[] = {
	{ MEM_BASE, "base", "base pages", HGM_LEVEL_PTE },
	{ MEM_THP_SPLIT, "thp_pte", "THP, PTE-mapped", HGM_LEVEL_PTE },
	{ MEM_THP, "thp", "THP, PMD-mapped", HGM_LEVEL_PMD },
	{ MEM_HUGETLB, "hugetlb", "hugetlb 2M, PMD-mapped", HGM_LEVEL_PMD },
	{ MEM_HGM, "hugetlb_hgm", "hugetlb 2M, 4K-mapped (HGM)", HGM_LEVEL_PTE },
};

static const enum hgm_gup_op gup_bench_ops[] = {
	HGM_GUP_GET_FAST, HGM_GUP_PIN_FAST, HGM_GUP_GET, HGM_GUP_PIN,
};

#define NMEM (sizeof(gup_mems) / sizeof(gup_mems[0]))
#define NOPS (sizeof(gup_bench_ops) / sizeof(gup_bench_ops[0]))

struct gup_cell {
	bool ok;
	double get_us, put_us;	/* per call, best run */
	const char *why;
	int err;
	size_t mem, op;		/* in gup_mems[], gup_bench_ops[] */
	const struct gup_cell *above;	/* the same op on the kind above, or NULL */
};

enum { COL_MEMORY, COL_OP, COL_GET, COL_PUT, COL_VS_ABOVE, COL_SKIPPED, COL_ERROR };

static const struct colinfo cols[] = {
	[COL_MEMORY] = { "MEMORY", 28, 0, NULL, "memory", CT_STR },
	[COL_OP] = { "OP", 8, 0, NULL, "op", CT_STR },
	[COL_GET] = { "GET/CALL", 10, SCOLS_FL_RIGHT, NULL, "get_us_per_call", CT_DOUBLE, 0, 3, 2,
		      " us" },
	[COL_PUT] = { "PUT/CALL", 10, SCOLS_FL_RIGHT, NULL, "put_us_per_call", CT_DOUBLE, 0, 3, 2,
		      " us" },
	[COL_VS_ABOVE] = { "VS-ABOVE", 8, SCOLS_FL_RIGHT, NULL, "get_ratio_to_previous", CT_DOUBLE,
			   CJ_OMIT, 2, 2, "x" },
	[COL_SKIPPED] = { "SKIPPED", 0.3, SCOLS_FL_TRUNC, NULL, "skipped", CT_STR,
			  CJ_OMIT | CJ_BLANK },
	[COL_ERROR] = { "ERROR", 6, 0, NULL, "error", CT_STR, CJ_OMIT | CJ_BLANK },
};

#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static const int order[] = {
	COL_MEMORY, COL_OP, COL_GET, COL_PUT, COL_VS_ABOVE, COL_SKIPPED, COL_ERROR,
};

static void fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct gup_cell *r = row;

	switch (col) {
	case COL_MEMORY:
		c->s = gup_mems[r->mem].name;
		c->text = r->op ? "" : gup_mems[r->mem].label;	/* on a kind's first row */
		break;
	case COL_OP: c->s = hgm_gup_op_name(gup_bench_ops[r->op]); break;
	case COL_GET: c->known = r->ok; c->d = r->get_us; break;
	case COL_PUT: c->known = r->ok; c->d = r->put_us; break;
	case COL_VS_ABOVE:
		c->known = r->ok && r->above && r->above->ok && r->above->get_us > 0;
		c->d = c->known ? r->get_us / r->above->get_us : 0;
		break;
	case COL_SKIPPED: c->known = !r->ok; c->s = r->why; break;
	case COL_ERROR: c->known = r->err; c->s = errno_name(r->err); break;
	}
}

int cmd_bench_gup(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *size_arg_s = NULL;
	char *runs_s = NULL, *per_call_s = NULL;
	int runs = 3, per_call = 512, read_only = 0;
	const struct poptOption options[] = {
		{ "size", 's', POPT_ARG_STRING, &size_arg_s, 0,
		  "memory of each kind (default 512M)", "SIZE" },
		{ "pages-per-call", 'p', POPT_ARG_STRING, &per_call_s, 0,
		  "pages each get/pin call takes (default 512: 2 MiB)", "N" },
		{ "runs", 'n', POPT_ARG_STRING, &runs_s, 0, "runs of each; the best counts (3)", "N" },
		{ "read-only", 0, POPT_ARG_NONE, &read_only, 0,
		  "get/pin for reading (default: FOLL_WRITE)", NULL },
		POPT_TABLEEND
	};
	struct pool_grant pg = { .page_size = 2 * MIB };
	struct gup_cell cell[NMEM][NOPS];
	struct doc doc;
	struct detail *d = &doc.d;
	struct rows rw;
	struct hgm_features feat = HGM_SIZED(feat);
	uint64_t size, calls;
	bool hgm_kernel;
	size_t i, j;
	int fd, r, rc = EXIT_OK;

	hgmctl_parse(g, cmd, argc, argv, options);
	size = size_arg_s ? size_arg("bench gup", "--size", size_arg_s) : 512 * MIB;
	if (!size || size % (2 * MIB))
		usage_error("bench gup: --size must be a non-zero multiple of 2M");
	if (runs_s)
		runs = num_arg("bench gup", "--runs", runs_s, 1, 1000000);
	if (per_call_s)
		per_call = num_arg("bench gup", "--pages-per-call", per_call_s, 1, INT_MAX);
	fd = hgm_gup_test_open(g->ctx);
	if (fd == -ENODEV)
		errx(EXIT_ERROR, "bench gup: no /sys/kernel/debug/gup_test: debugfs is not mounted "
		     "(mount -t debugfs none /sys/kernel/debug)");
	if (fd == -ENOENT)
		errx(EXIT_ERROR, "bench gup: no /sys/kernel/debug/gup_test: this kernel was built "
		     "without CONFIG_GUP_TEST");
	if (fd < 0)
		errx(EXIT_ERROR, "bench gup: cannot open /sys/kernel/debug/gup_test: %s%s",
		     strerror(-fd), fd == -EACCES || fd == -EPERM ? " (needs root)" : "");
	hgm_features_probe(g->ctx, &feat);
	hgm_kernel = hgm_has(&feat, HGM_FEAT_HGM);
	calls = (size / (uint64_t)sysconf(_SC_PAGESIZE) + (uint64_t)per_call - 1) / (uint64_t)per_call;

	for (i = 0; i < NMEM; i++) {
		struct mem m = { .kind = gup_mems[i].kind, .size = size };
		struct hgm_levels lv;

		if (g->verbose || isatty(STDERR_FILENO))
			fprintf(stderr, "%s: gup on %s\n", program_invocation_short_name,
				gup_mems[i].label);
		memset(cell[i], 0, sizeof(cell[i]));
		if (mem_setup(g, &m, &pg, hgm_kernel) == 0 && gup_mems[i].kind == MEM_BASE) {
			/* base pages: no huge mapping at all (the scan counts only those) */
			mem_level(g, &m, HGM_LEVEL_PTE, &lv);
			if (lv.mapped[HGM_LEVEL_PMD] || lv.mapped[HGM_LEVEL_PTE]) {
				m.why = "some of the pages are THP";
				mem_free(&m);
			}
		} else if (!m.why && mem_level(g, &m, gup_mems[i].level, &lv) * 2 < size) {
			m.why = gup_mems[i].level == HGM_LEVEL_PMD ?
				"fewer than half the pages are PMD-mapped (THP disabled or no memory?)" :
				"the pages are not mapped in 4K pieces";
			mem_free(&m);
		}
		for (j = 0; j < NOPS; j++) {
			struct gup_cell *c = &cell[i][j];
			int k;

			c->mem = i;
			c->op = j;
			c->above = i ? &cell[i - 1][j] : NULL;
			c->why = m.why;
			if (m.why)
				continue;
			for (k = 0; k < runs; k++) {
				struct hgm_gup_result res;

				r = hgm_gup_test_run(fd, gup_bench_ops[j], m.addr, size,
						     (unsigned int)per_call, !read_only, &res);
				if (r == 0 && res.size != size)
					r = -EFAULT;
				if (r) {
					c->ok = false;
					c->err = r;
					c->why = "gup_test failed";
					break;
				}
				if (!c->ok || res.get_usec / (double)calls < c->get_us) {
					c->get_us = res.get_usec / (double)calls;
					c->put_us = res.put_usec / (double)calls;
				}
				c->ok = true;
			}
			if (c->err)
				rc = EXIT_ERROR;
		}
		mem_free(&m);
	}
	close(fd);
	if (pool_restore(g, &pg))
		rc = EXIT_ERROR;

	doc_begin(&doc, g, 0);
	print_size(d, "size", "gup_test: %s of each kind", size);
	print_i64(d, "pages_per_call", ", %s pages per call", per_call);
	print_u64(d, "calls", " (%s calls)", calls);
	print_i64(d, "runs", ", best of %s runs", runs);
	/* the text names the access */
	print_bool(d, "write", NULL, !read_only);
	print_text(d, ", %s\n\n", read_only ? "read" : "FOLL_WRITE");
	rows_begin(&rw, g, d->w, "results", cols, NCOLS, order, NCOLS, fill, NULL);
	for (i = 0; i < NMEM; i++)
		for (j = 0; j < NOPS; j++)
			rows_add(&rw, &cell[i][j]);
	rows_end(&rw);
	print_text(d, "\nvs above: get time per call against the kind above (PTE-mapped THP vs "
		   "base pages,\n  PMD- vs PTE-mapped THP, hugetlb vs THP, HGM vs PMD-mapped hugetlb)\n");
	doc_end(&doc);
	free(size_arg_s);
	free(runs_s);
	free(per_call_s);
	return rc;
}

/* ---- bench collapse ------------------------------------------------------------- */
