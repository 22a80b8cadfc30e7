// SPDX-License-Identifier: GPL-2.0-or-later
/* maps.c - `hgmctl maps PID`: one row per VMA, bytes mapped at each page-table level */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hgmctl.h"

enum { COL_START, COL_END, COL_KIND, COL_PSIZE, COL_PUD, COL_PMD, COL_PTE, COL_RSS,
       COL_FLAGS, COL_NAME };

static const struct colinfo maps_cols[] = {
	[COL_START] = { "START", 12, SCOLS_FL_RIGHT, "first address of the VMA" },
	[COL_END] = { "END", 12, SCOLS_FL_RIGHT, "address after the VMA" },
	[COL_KIND] = { "KIND", 7, 0, "hugetlb, thp, anon, file, shmem or other" },
	[COL_PSIZE] = { "PSIZE", 5, SCOLS_FL_RIGHT, "kernel page size of the VMA" },
	[COL_PUD] = { "PUD", 5, SCOLS_FL_RIGHT, "bytes mapped by PUD leaves" },
	[COL_PMD] = { "PMD", 5, SCOLS_FL_RIGHT, "bytes mapped by PMD leaves" },
	[COL_PTE] = { "PTE", 5, SCOLS_FL_RIGHT,
		      "hugetlb/THP bytes mapped by PTEs (- where not measured)" },
	[COL_RSS] = { "RSS", 5, SCOLS_FL_RIGHT, "resident set size (hugetlb not included)" },
	[COL_FLAGS] = { "FLAGS", 20, SCOLS_FL_TRUNC, "VmFlags of smaps" },
	[COL_NAME] = { "NAME", 0.3, SCOLS_FL_TRUNC, "mapped file or [heap], [stack], ..." },
};

static const int maps_defaults[] = {
	COL_START, COL_END, COL_KIND, COL_PSIZE, COL_PUD, COL_PMD, COL_PTE, COL_RSS, COL_NAME,
};

#define NCOLS (sizeof(maps_cols) / sizeof(maps_cols[0]))

struct totals {
	uint64_t hugetlb[HGM_NR_LEVELS];
	uint64_t thp[HGM_NR_LEVELS];
	bool thp_pte_known;
};

static void add_totals(struct totals *t, const struct hgm_vma_usage *u)
{
	int l;

	for (l = 0; l < HGM_NR_LEVELS; l++) {
		if (u->kind == HGM_KIND_HUGETLB)
			t->hugetlb[l] += u->mapped[l];
		else
			t->thp[l] += u->mapped[l];
	}
	if (u->kind != HGM_KIND_HUGETLB && !u->pte_known)
		t->thp_pte_known = false;
}

static void json_vma(struct jw *w, const struct hgm_vma *v, const struct hgm_vma_usage *u)
{
	jw_obj_open(w, NULL);
	jw_hex(w, "start", v->start);
	jw_hex(w, "end", v->end);
	jw_str(w, "kind", hgm_kind_name(u->kind));
	jw_u64(w, "page_size", u->page_size);
	jw_obj_open(w, "mapped");
	jw_u64(w, "pud", u->mapped[HGM_LEVEL_PUD]);
	jw_u64(w, "pmd", u->mapped[HGM_LEVEL_PMD]);
	if (u->pte_known)
		jw_u64(w, "pte", u->mapped[HGM_LEVEL_PTE]);
	else
		jw_null(w, "pte");
	jw_obj_close(w);
	jw_u64(w, "rss", v->field[HGM_SM_RSS]);
	jw_str(w, "flags", v->vmflags_str);
	jw_str(w, "name", v->name);
	jw_obj_close(w);
}

static void json_totals(struct jw *w, const struct totals *t)
{
	jw_obj_open(w, "totals");
	jw_obj_open(w, "hugetlb");
	jw_u64(w, "pud", t->hugetlb[HGM_LEVEL_PUD]);
	jw_u64(w, "pmd", t->hugetlb[HGM_LEVEL_PMD]);
	jw_u64(w, "pte", t->hugetlb[HGM_LEVEL_PTE]);
	jw_obj_close(w);
	jw_obj_open(w, "thp");
	jw_u64(w, "pmd", t->thp[HGM_LEVEL_PMD]);
	if (t->thp_pte_known)
		jw_u64(w, "pte", t->thp[HGM_LEVEL_PTE]);
	else
		jw_null(w, "pte");
	jw_obj_close(w);
	jw_obj_close(w);
}

static void table_vma(const struct hgmctl *g, struct libscols_table *tb, const struct columns *c,
		      const struct hgm_vma *v, const struct hgm_vma_usage *u)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	size_t i;

	if (!ln)
		err(EXIT_ERROR, "cannot allocate table line");
	for (i = 0; i < c->n; i++) {
		char buf[32];
		const char *s = buf;

		switch (c->id[i]) {
		case COL_START:
			snprintf(buf, sizeof(buf), "%" PRIx64, v->start);
			break;
		case COL_END:
			snprintf(buf, sizeof(buf), "%" PRIx64, v->end);
			break;
		case COL_KIND:
			s = hgm_kind_name(u->kind);
			break;
		case COL_PSIZE:
			fmt_size(g, u->page_size, buf, sizeof(buf));
			break;
		case COL_PUD:
			fmt_size(g, u->mapped[HGM_LEVEL_PUD], buf, sizeof(buf));
			break;
		case COL_PMD:
			fmt_size(g, u->mapped[HGM_LEVEL_PMD], buf, sizeof(buf));
			break;
		case COL_PTE:
			if (u->pte_known)
				fmt_size(g, u->mapped[HGM_LEVEL_PTE], buf, sizeof(buf));
			else
				s = "-";
			break;
		case COL_RSS:
			fmt_size(g, v->field[HGM_SM_RSS], buf, sizeof(buf));
			break;
		case COL_FLAGS:
			s = v->vmflags_str;
			break;
		case COL_NAME:
			s = v->name;
			break;
		}
		if (scols_line_set_data(ln, i, s))
			err(EXIT_ERROR, "cannot set table data");
	}
}

static void text_totals(const struct hgmctl *g, const struct totals *t)
{
	char a[32], b[32], c[32];

	printf("\nhugetlb: %s PUD-mapped, %s PMD-mapped, %s PTE-mapped\n",
	       fmt_size(g, t->hugetlb[HGM_LEVEL_PUD], a, sizeof(a)),
	       fmt_size(g, t->hugetlb[HGM_LEVEL_PMD], b, sizeof(b)),
	       fmt_size(g, t->hugetlb[HGM_LEVEL_PTE], c, sizeof(c)));
	if (t->thp_pte_known)
		printf("THP:     %s PMD-mapped, %s PTE-mapped\n",
		       fmt_size(g, t->thp[HGM_LEVEL_PMD], a, sizeof(a)),
		       fmt_size(g, t->thp[HGM_LEVEL_PTE], b, sizeof(b)));
	else
		printf("THP:     %s PMD-mapped (THP mapped by PTEs is not visible in smaps)\n",
		       fmt_size(g, t->thp[HGM_LEVEL_PMD], a, sizeof(a)));
}

int show_maps(struct hgmctl *g, pid_t pid)
{
	struct libscols_table *tb = NULL;
	struct totals t = { .thp_pte_known = true };
	struct hgm_smaps *sm;
	struct hgm_vma *v;
	struct columns c;
	uint64_t pmd_size = hgm_thp_pmd_size(g->ctx);
	struct jw w;
	int ret;

	if (!g->json) {
		columns_init(&c, maps_cols, NCOLS, maps_defaults,
			     sizeof(maps_defaults) / sizeof(maps_defaults[0]), g->output);
	}
	ret = hgm_smaps_open(g->ctx, pid, &sm);
	if (ret)
		proc_error(ret, pid, "smaps");
	v = malloc(sizeof(*v));
	if (!v)
		err(EXIT_ERROR, "cannot allocate memory");

	/*
	 * Nothing is printed until the whole file is read: a process that exits
	 * mid-read gets an error, never half a table.
	 */
	if (g->json) {
		char *jbuf = NULL;
		size_t jlen = 0;
		FILE *mem = open_memstream(&jbuf, &jlen);

		if (!mem)
			err(EXIT_ERROR, "cannot allocate memory");
		jw_init(&w, mem);
		jw_obj_open(&w, NULL);
		jw_i64(&w, "pid", pid);
		jw_arr_open(&w, "vmas");
		while ((ret = hgm_smaps_next(sm, v)) > 0) {
			struct hgm_vma_usage u;

			hgm_vma_usage(v, pmd_size, &u);
			add_totals(&t, &u);
			json_vma(&w, v, &u);
		}
		jw_arr_close(&w);
		json_totals(&w, &t);
		jw_obj_close(&w);
		jw_end(&w);
		fclose(mem);
		if (ret == 0)
			fwrite(jbuf, 1, jlen, stdout);
		free(jbuf);
	} else {
		tb = table_new(g, &c);
		while ((ret = hgm_smaps_next(sm, v)) > 0) {
			struct hgm_vma_usage u;

			hgm_vma_usage(v, pmd_size, &u);
			add_totals(&t, &u);
			table_vma(g, tb, &c, v, &u);
		}
		if (ret == 0) {
			table_print(tb);
			if (!g->raw && !g->no_headings)
				text_totals(g, &t);
		} else {
			scols_unref_table(tb);
		}
	}
	if (ret == -EBADMSG)
		errx(EXIT_ERROR, "cannot parse smaps of process %d: malformed line %lu",
		     (int)pid, hgm_smaps_lineno(sm));
	hgm_smaps_free(sm);
	free(v);
	if (ret < 0)
		proc_error(ret, pid, "smaps");
	return EXIT_OK;
}

int cmd_maps(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	poptContext pc = hgmctl_parse(g, cmd, argc, argv, NULL, maps_cols, NCOLS);
	const char *arg = poptGetArg(pc);
	pid_t pid;
	int ret;

	if (!arg)
		usage_error("maps: no PID given");
	pid = parse_pid(arg);
	if (poptPeekArg(pc))
		usage_error("maps: unexpected argument '%s'", poptPeekArg(pc));
	ret = show_maps(g, pid);
	return ret;
}
