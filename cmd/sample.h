/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sample.h - --interval SECONDS [--count N]: repeated samples of `status`,
 * `procs` and `maps` on absolute CLOCK_MONOTONIC deadlines, each stamped with
 * the time it was taken (hgmctl(8), SAMPLING)
 */
#ifndef HGMCTL_SAMPLE_H
#define HGMCTL_SAMPLE_H

#include <stdbool.h>

#include "cli.h"
#include "output.h"

/* --interval and --count, for a command's popt table (POPT_ARG_INCLUDE_TABLE). */
extern const struct poptOption sample_options[];

/*
 * Checks --interval and --count for command @cmd (usage error, exit 2, on bad
 * values: before any output) and, when sampling, makes JSON compact (one
 * document per line) and has SIGINT and SIGTERM end the run after a whole
 * sample.  Returns whether the command samples repeatedly.
 */
bool sample_begin(const char *cmd);

/*
 * Starts a sample: with --interval, the timestamp line in text (@w NULL), or
 * the "timestamp" and "epoch" members of the document open in @w; nothing
 * without --interval.
 */
void sample_stamp(struct jw *w);

/*
 * Ends a sample: flushes stdout, then waits for the next deadline.  Returns
 * false when the run is over (no --interval, --count reached, a signal).
 */
bool sample_next(void);

#endif /* HGMCTL_SAMPLE_H */
