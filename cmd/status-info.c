// SPDX-License-Identifier: GPL-2.0-or-later
/* status-info.c - what `status` shows, gathered once for `status` and `top` */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "views.h"

int status_gather(const struct hgmctl *g, struct status_info *st, const char **what)
{
	int ret;

	memset(st, 0, sizeof(*st));
	*what = "cannot probe kernel features";
	st->feat.size = sizeof(st->feat);
	ret = hgm_features_probe(g->ctx, &st->feat);
	if (ret)
		return ret;
	*what = "cannot read hugetlb pools";
	ret = hgm_pools_read(g->ctx, &st->pools);
	if (ret)
		return ret;
	*what = "cannot read THP settings";
	ret = hgm_thp_read(g->ctx, &st->thp);
	if (ret) {
		status_release(st);
		return ret;
	}
	/* a recorded tree is someone else's machine: this caller's caps say nothing of it */
	st->caps_known = hgm_ctx_is_live(g->ctx) && hgm_caps_read(&st->caps) == 0;
	/* devices that cannot be listed are not there as far as status goes */
	if (hgm_dax_devices(g->ctx, &st->dax, &st->ndax) < 0)
		st->ndax = 0;
	return 0;
}

void status_release(struct status_info *st)
{
	hgm_pools_free(st->pools);
	hgm_thp_free(st->thp);
	free(st->dax);
	st->pools = NULL;
	st->thp = NULL;
	st->dax = NULL;
	st->ndax = 0;
}
