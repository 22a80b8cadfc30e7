/* SPDX-License-Identifier: GPL-2.0-or-later */
/* commands.h - the commands, for the table in hgmctl.c only: no command calls another */
#ifndef HGMCTL_COMMANDS_H
#define HGMCTL_COMMANDS_H

#include "cli.h"

#define CMD_FN(name) \
	int name(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)

CMD_FN(cmd_status);
CMD_FN(cmd_maps);
CMD_FN(cmd_procs);
CMD_FN(cmd_pagemap);
CMD_FN(cmd_rmap);
CMD_FN(cmd_pool);
CMD_FN(cmd_thp);
CMD_FN(cmd_collapse);
CMD_FN(cmd_top);
CMD_FN(cmd_demo);
CMD_FN(cmd_uffd_probe);
CMD_FN(cmd_postcopy);
CMD_FN(cmd_export);
CMD_FN(cmd_bench_scan);
CMD_FN(cmd_bench_gup);
CMD_FN(cmd_bench_collapse);
CMD_FN(cmd_bench_top);
CMD_FN(cmd_bench_postcopy);
CMD_FN(cmd_bench_procs);

/* The --output columns of the commands that print tables of their own */
extern const struct hgmctl_columns collapse_columns, pagemap_columns, procs_columns,
	rmap_columns, thp_columns, uffd_probe_columns;

#endif /* HGMCTL_COMMANDS_H */
