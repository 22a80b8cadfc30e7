// SPDX-License-Identifier: GPL-2.0-or-later
/* bench-collapse.c - `hgmctl bench collapse`: MADV_COLLAPSE cost per 2 MiB, by memory kind */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
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

struct collapse_cell {
	bool ok;
	double us_per_2m;	/* best run */
	uint64_t pmd_after;	/* of the best run */
	const char *why;
	int err;
};

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
	struct hgm_features feat;
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

	if (g->json) {
		struct jdoc d;

		jdoc_begin(&d);
		jw_u64(&d.w, "size", size);
		jw_i64(&d.w, "runs", runs);
		jw_arr_open(&d.w, "results");
		for (i = 0; i < NCMEM; i++) {
			jw_obj_open(&d.w, NULL);
			jw_str(&d.w, "memory", collapse_mems[i].name);
			if (cell[i].ok) {
				jw_double(&d.w, "us_per_2m", cell[i].us_per_2m, 2);
				jw_u64(&d.w, "pmd_mapped_after", cell[i].pmd_after);
			} else {
				jw_null(&d.w, "us_per_2m");
				jw_str(&d.w, "skipped", cell[i].why);
				if (cell[i].err)
					jw_str(&d.w, "error", errno_name(cell[i].err));
			}
			jw_obj_close(&d.w);
		}
		jw_arr_close(&d.w);
		jdoc_end(&d, true);
	} else {
		char sz[32], sz2[32];

		printf("MADV_COLLAPSE, one call per 2 MiB over %s, best of %d runs\n\n",
		       fmt_size(g, size, sz, sizeof(sz)), runs);
		printf("%-30s %14s %16s\n", "memory", "per 2 MiB", "PMD-mapped after");
		for (i = 0; i < NCMEM; i++) {
			printf("%-30s ", collapse_mems[i].label);
			if (cell[i].ok)
				printf("%11.1f us %16s\n", cell[i].us_per_2m,
				       fmt_size(g, cell[i].pmd_after, sz2, sizeof(sz2)));
			else
				printf("  (%s%s%s)\n", cell[i].why, cell[i].err ? ": " : "",
				       cell[i].err ? errno_name(cell[i].err) : "");
		}
	}
	free(size_arg_s);
	free(runs_s);
	return rc;
}
