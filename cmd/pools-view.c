// SPDX-License-Identifier: GPL-2.0-or-later
/* pools-view.c - the hugetlb pools table and JSON array, as `pool` and `status` show them */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "views.h"

enum { COL_SIZE, COL_NODE, COL_TOTAL, COL_FREE, COL_RESERVED, COL_SURPLUS, COL_OVERCOMMIT };

static const struct colinfo pool_cols[] = {
	[COL_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, "hugetlb page size", "size", CT_SIZE },
	[COL_NODE] = { "NODE", 4, SCOLS_FL_RIGHT, "NUMA node, or - for the whole system", "node",
		       CT_U64 },
	[COL_TOTAL] = { "TOTAL", 6, SCOLS_FL_RIGHT, "pages in the pool, surplus included (nr_hugepages)",
			"total", CT_U64 },
	[COL_FREE] = { "FREE", 6, SCOLS_FL_RIGHT, "pages not in use", "free", CT_U64 },
	[COL_RESERVED] = { "RESERVED", 6, SCOLS_FL_RIGHT, "pages promised to mappings, not yet faulted",
			   "reserved", CT_U64 },
	[COL_SURPLUS] = { "SURPLUS", 6, SCOLS_FL_RIGHT,
			  "pages above the persistent pool: overcommitted, or in use when it shrank",
			  "surplus", CT_U64 },
	[COL_OVERCOMMIT] = { "OVERCOMMIT", 6, SCOLS_FL_RIGHT, "limit of surplus pages", "overcommit",
			     CT_U64 },
};
#define NCOLS (sizeof(pool_cols) / sizeof(pool_cols[0]))
const struct hgmctl_columns pool_columns = { pool_cols, NCOLS };

/* Every column, in table order: the default output and the JSON contract's keys. */
static const int pool_defaults[] = {
	COL_SIZE, COL_NODE, COL_TOTAL, COL_FREE, COL_RESERVED, COL_SURPLUS, COL_OVERCOMMIT,
};

/* One cell of a pool's row: the only place that knows what each column shows. */
static void fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct hgm_pool *p = row;

	switch (col) {
	case COL_SIZE: c->u = p->page_size; break;
	case COL_NODE: c->known = p->node != HGM_NODE_ALL; c->u = (uint64_t)p->node; break;
	case COL_TOTAL: c->u = p->total; break;
	case COL_FREE: c->u = p->free; break;
	case COL_RESERVED: c->known = HGM_KNOWN(p->reserved); c->u = p->reserved; break;
	case COL_SURPLUS: c->u = p->surplus; break;
	case COL_OVERCOMMIT: c->known = HGM_KNOWN(p->overcommit); c->u = p->overcommit; break;
	}
}

void pools_table(const struct hgmctl *g, const struct hgm_pools *pools, uint64_t size)
{
	struct libscols_table *tb;
	struct columns c;
	size_t i;

	columns_init(&c, pool_cols, NCOLS, pool_defaults,
		     sizeof(pool_defaults) / sizeof(pool_defaults[0]), g->output);
	tb = table_new(g, &c);
	for (i = 0; i < pools->nr; i++)
		if (!size || pools->pool[i].page_size == size)
			row_table(g, tb, &c, fill, &pools->pool[i], NULL);
	table_print(tb);
}

void pools_json(struct jw *w, const struct hgm_pools *pools, uint64_t size)
{
	size_t i;

	jw_arr_open(w, "pools");
	for (i = 0; i < pools->nr; i++)
		if (!size || pools->pool[i].page_size == size)
			row_json(w, pool_cols, pool_defaults,
				 sizeof(pool_defaults) / sizeof(pool_defaults[0]), fill,
				 &pools->pool[i], NULL);
	jw_arr_close(w);
}
