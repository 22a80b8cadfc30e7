// SPDX-License-Identifier: GPL-2.0-or-later
/* pools-view.c - the hugetlb pools table and JSON array, as `pool` and `status` show them */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "views.h"

enum { COL_SIZE, COL_NODE, COL_TOTAL, COL_FREE, COL_RESERVED, COL_SURPLUS, COL_OVERCOMMIT };

const struct colinfo pool_cols[] = {
	[COL_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, "hugetlb page size" },
	[COL_NODE] = { "NODE", 4, SCOLS_FL_RIGHT, "NUMA node, or - for the whole system" },
	[COL_TOTAL] = { "TOTAL", 6, SCOLS_FL_RIGHT, "pages in the pool, surplus included (nr_hugepages)" },
	[COL_FREE] = { "FREE", 6, SCOLS_FL_RIGHT, "pages not in use" },
	[COL_RESERVED] = { "RESERVED", 6, SCOLS_FL_RIGHT, "pages promised to mappings, not yet faulted" },
	[COL_SURPLUS] = { "SURPLUS", 6, SCOLS_FL_RIGHT,
			  "pages above the persistent pool: overcommitted, or in use when it shrank" },
	[COL_OVERCOMMIT] = { "OVERCOMMIT", 6, SCOLS_FL_RIGHT, "limit of surplus pages" },
};
const size_t pool_ncols = sizeof(pool_cols) / sizeof(pool_cols[0]);

static const int pool_defaults[] = {
	COL_SIZE, COL_NODE, COL_TOTAL, COL_FREE, COL_RESERVED, COL_SURPLUS, COL_OVERCOMMIT,
};

void pools_table(const struct hgmctl *g, const struct hgm_pools *pools, uint64_t size)
{
	struct libscols_table *tb;
	struct columns c;
	size_t i, j;

	columns_init(&c, pool_cols, pool_ncols, pool_defaults,
		     sizeof(pool_defaults) / sizeof(pool_defaults[0]), g->output);
	tb = table_new(g, &c);
	for (i = 0; i < pools->nr; i++) {
		const struct hgm_pool *p = &pools->pool[i];
		struct libscols_line *ln;
		char buf[32];

		if (size && p->page_size != size)
			continue;
		ln = table_line(tb);
		for (j = 0; j < c.n; j++) {
			const char *s = buf;

			switch (c.id[j]) {
			case COL_SIZE:
				fmt_size(g, p->page_size, buf, sizeof(buf));
				break;
			case COL_NODE:
				s = cell_opt(buf, sizeof(buf), p->node != HGM_NODE_ALL, "%" PRIu64,
					     (uint64_t)p->node);
				break;
			case COL_TOTAL:
				snprintf(buf, sizeof(buf), "%" PRIu64, p->total);
				break;
			case COL_FREE:
				snprintf(buf, sizeof(buf), "%" PRIu64, p->free);
				break;
			case COL_RESERVED:
				s = cell_opt(buf, sizeof(buf), p->has_reserved, "%" PRIu64, p->reserved);
				break;
			case COL_SURPLUS:
				snprintf(buf, sizeof(buf), "%" PRIu64, p->surplus);
				break;
			case COL_OVERCOMMIT:
				s = cell_opt(buf, sizeof(buf), p->has_overcommit, "%" PRIu64, p->overcommit);
				break;
			}
			table_cell(ln, j, s);
		}
	}
	table_print(tb);
}

void pools_json(struct jw *w, const struct hgm_pools *pools, uint64_t size)
{
	size_t i;

	jw_arr_open(w, "pools");
	for (i = 0; i < pools->nr; i++) {
		const struct hgm_pool *p = &pools->pool[i];

		if (size && p->page_size != size)
			continue;
		jw_obj_open(w, NULL);
		jw_u64(w, "size", p->page_size);
		jw_u64_opt(w, "node", p->node != HGM_NODE_ALL, (uint64_t)p->node);
		jw_u64(w, "total", p->total);
		jw_u64(w, "free", p->free);
		jw_u64_opt(w, "reserved", p->has_reserved, p->reserved);
		jw_u64(w, "surplus", p->surplus);
		jw_u64_opt(w, "overcommit", p->has_overcommit, p->overcommit);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

/* ---- sizes and nodes this kernel has --------------------------------------------- */

/* "2M, 1G": the sizes of @pools, for messages. */
