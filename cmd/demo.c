// SPDX-License-Identifier: GPL-2.0-or-later
/* demo.c - `hgmctl demo`: a process with hugetlb and THP mappings, shown with `maps` */
#include <signal.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "workload.h"
#include "views.h"


int cmd_demo(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *hugetlb = NULL, *page_size = NULL, *thp = NULL;
	int hold = 0, rc;
	const struct poptOption options[] = {
		{ "hugetlb", 0, POPT_ARG_STRING, &hugetlb, 0,
		  "hugetlb memory to map (default 64M, 0 for none)", "SIZE" },
		{ "page-size", 0, POPT_ARG_STRING, &page_size, 0,
		  "hugetlb page size (default 2M)", "SIZE" },
		{ "thp", 0, POPT_ARG_STRING, &thp, 0,
		  "THP memory, half PMD-mapped, half split to PTEs (default 256M, 0 for none)",
		  "SIZE" },
		{ "hold", 0, POPT_ARG_NONE, &hold, 0,
		  "keep the process until Ctrl-C after showing it", NULL },
		POPT_TABLEEND
	};
	struct workload w = { 0 };
	sigset_t sigs;
	char a[32], b[32], c[32], e[32];

	hgmctl_parse(g, cmd, argc, argv, options);
	w.hugetlb = hugetlb ? size_arg("demo", "--hugetlb", hugetlb) : UINT64_C(64) << 20;
	w.page_size = page_size ? size_arg("demo", "--page-size", page_size) : UINT64_C(2) << 20;
	w.thp = thp ? size_arg("demo", "--thp", thp) : UINT64_C(256) << 20;
	workload_check(g, "demo", &w);

	/*
	 * No signal needs to wait for the pool: the pool guard puts it back
	 * and the process dies with hgmctl, whatever ends it (hgmctl(8),
	 * RESTORING THE POOLS).
	 */
	if (workload_start(g, &w))
		return EXIT_ERROR;
	fprintf(stderr, "demo: process %d maps %s hugetlb (%s pages, shared memfd) and %s "
		"THP (%s PMD-mapped, the rest split to PTEs)\n", (int)w.pid,
		fmt_size(g, w.hugetlb, a, sizeof(a)), fmt_size(g, w.page_size, b, sizeof(b)),
		fmt_size(g, w.thp, c, sizeof(c)),
		fmt_size(g, w.thp / w.pmd_size / 2 * w.pmd_size, e, sizeof(e)));
	{
		/* the VMAs it made, not every library mapping of the binary */
		struct addr_range made[2];
		struct maps_view view = { .granularity = true, .ranges = made };

		if (w.hugetlb_addr)
			made[view.nranges++] = (struct addr_range){ w.hugetlb_addr,
								    w.hugetlb_addr + w.hugetlb, -1 };
		if (w.thp_addr)
			made[view.nranges++] = (struct addr_range){ w.thp_addr, w.thp_addr + w.thp, -1 };
		rc = view.nranges ? show_maps(g, w.pid, &view) : EXIT_OK;
	}
	if (hold) {
		int sig;

		workload_block_signals(&sigs);
		fprintf(stderr, "demo: holding process %d; press Ctrl-C to end it\n", (int)w.pid);
		fflush(NULL);
		sigwait(&sigs, &sig);
	}
	if (workload_stop(g, &w))
		rc = EXIT_ERROR;
	free(hugetlb);
	free(page_size);
	free(thp);
	return rc;
}
