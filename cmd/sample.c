// SPDX-License-Identifier: GPL-2.0-or-later
/* sample.c - --interval and --count: samples on absolute deadlines, ended cleanly by signals */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sample.h"

static char *interval_s, *count_s;

const struct poptOption sample_options[] = {
	{ "interval", 0, POPT_ARG_STRING, &interval_s, 0,
	  "repeat every SECONDS (\"0.5\"), until --count samples or SIGINT/SIGTERM", "SECONDS" },
	{ "count", 0, POPT_ARG_STRING, &count_s, 0, "with --interval: stop after N samples", "N" },
	POPT_TABLEEND
};

/* Within a day and above a millisecond: anything else is a typo. */
#define SAMPLE_MIN_NS	UINT64_C(1000000)
#define SAMPLE_MAX_NS	(UINT64_C(86400) * 1000000000)

static struct {
	bool on;
	uint64_t interval_ns;
	unsigned long count;		/* 0: until a signal */
	unsigned long taken;		/* samples printed */
	uint64_t slot;			/* the deadline of the next: t0 + slot * interval */
	struct timespec t0;		/* CLOCK_MONOTONIC of the first sample */
} smp;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

bool sample_begin(const char *cmd)
{
	struct sigaction sa;

	if (count_s && !interval_s)
		usage_error("%s: --count needs --interval", cmd);
	if (!interval_s)
		return false;
	if (parse_seconds(interval_s, &smp.interval_ns) || smp.interval_ns < SAMPLE_MIN_NS ||
	    smp.interval_ns > SAMPLE_MAX_NS)
		usage_error("%s: invalid --interval '%s' (seconds, 0.001 to 86400)", cmd,
			    interval_s);
	if (count_s)
		smp.count = (unsigned long)num_arg(cmd, "--count", count_s, 1, 1 << 30);
	smp.on = true;
	jw_compact = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* reads and writes resume; the sleep between samples (never restarted) ends */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &smp.t0);
	return true;
}

void sample_stamp(struct jw *w)
{
	struct timespec now;
	char stamp[64];
	struct tm tm;

	if (!smp.on)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%06ldZ",
		 now.tv_nsec / 1000);
	if (w) {
		jw_str(w, "timestamp", stamp);
		jw_double(w, "epoch", (double)now.tv_sec + now.tv_nsec / 1e9, 6);
	} else {
		printf("--- %s\n", stamp);
	}
}

static uint64_t ts_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000 + (uint64_t)t->tv_nsec;
}

bool sample_next(void)
{
	struct timespec now, dl;
	uint64_t next;

	fflush(stdout);
	if (!smp.on)
		return false;
	smp.taken++;
	if (stop || (smp.count && smp.taken >= smp.count))
		return false;
	/*
	 * Sample k is due at t0 + k * interval, whatever the earlier ones took:
	 * no drift.  A sample that overran skips the deadlines it missed.
	 */
	clock_gettime(CLOCK_MONOTONIC, &now);
	smp.slot++;
	next = ts_ns(&smp.t0) + smp.slot * smp.interval_ns;
	if (next <= ts_ns(&now)) {
		smp.slot += (ts_ns(&now) - next) / smp.interval_ns + 1;
		next = ts_ns(&smp.t0) + smp.slot * smp.interval_ns;
	}
	dl.tv_sec = (time_t)(next / 1000000000);
	dl.tv_nsec = (long)(next % 1000000000);
	while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL) == EINTR)
		;
	return !stop;
}
