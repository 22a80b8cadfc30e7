/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * live.h - what the host test programs share (live.c): sysfs helpers
 * independent of libhgm, a child that maps a known layout, hgmctl run for its
 * JSON, and the `live` fixture (root caller, hugetlb pools restored whatever
 * happens).
 *
 * The fixture holds an exclusive lock on HOST_TEST_LOCK for each test, so two
 * test programs (or two checkouts) never resize the same pools at once.  The
 * descriptor is inherited by the hgmctl it runs, which uses it as its own
 * (hgm_pool_lock()) instead of waiting for the test.
 */
#ifndef HOST_LIVE_H
#define HOST_LIVE_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/memfd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hgm.h"
#include "jsonq.h"
#ifndef LIVE_NO_HARNESS	/* live.c itself */
#include "kselftest_harness.h"
#endif

/* the lock hgmctl takes itself when it grows a pool for its own workload */
#define HOST_TEST_LOCK HGM_POOL_LOCK

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

#define NEED_ROOT(why) do { \
	if (geteuid() != 0) \
		SKIP(return, "needs root to %s", why); \
} while (0)

#define K ((uint64_t)1024)
#define M (K * K)
#define G (M * K)

const char *hgmctl(void);

/* ---- sysfs helpers, independent of libhgm (it is what is under test) ---- */

int read_u64(const char *path, uint64_t *v);

int write_u64(const char *path, uint64_t v);

void pool_path(char *buf, size_t size, uint64_t page_size, const char *file);

/* Grows the pool of @page_size until @need pages are free; returns 0 or -1. */
int pool_make_free(uint64_t page_size, uint64_t need);

/* Sums "Label: N kB" lines of a smaps-like file, in bytes. */
uint64_t smaps_sum(const char *path, const char *label);

/* Returns a /proc/meminfo value in bytes, 0 if absent. */
uint64_t meminfo(const char *label);

/* ---- the child that maps a known layout ------------------------------------ */

struct layout {
	uint64_t hugetlb;	/* bytes of hugetlb */
	uint64_t hpage;		/* its page size */
	bool shared;		/* memfd MAP_SHARED, else MAP_PRIVATE anonymous */
	uint64_t thp;		/* bytes of THP, PMD-aligned */
	bool split;		/* split the upper half of the THP to PTE mappings */
	bool split_all;		/* split every THP to PTE mappings */
	bool share;		/* a second process maps the hugetlb memory too */
	/*
	 * With split_all: each folio partly mapped and cut by a VMA boundary,
	 * its first page made read-only (a VMA of its own), its second unmapped;
	 * the rest of the last folio moved to moved_addr, a PMD boundary (where
	 * the kernel would not have put that page of a folio).
	 */
	bool carve;
	uint64_t shmem_thp;	/* bytes of a memfd (shmem) mapping, collapsed to THP */
	uint64_t small;		/* bytes of anonymous memory in a VMA too small for PMDs */
};

struct placed {
	uint64_t hugetlb_addr, thp_addr, small_addr, moved_addr;
	uint64_t shmem_addr;	/* 0: MADV_COLLAPSE refused, no shmem THP */
	pid_t sharer;
	int err;
};

void __attribute__((noreturn)) child_main(const struct layout *l, int fd);

pid_t spawn(const struct layout *l, struct placed *p);

/*
 * fork_reporter() - fork a child that writes one report on a pipe
 * Returns 0 in the child, *@fd the end to write to; in the parent the
 * child's pid (-1: no child), *@fd the end for read_report().
 */
pid_t fork_reporter(int *fd);

/* Reads the report of @size bytes from @fd and closes it: 0, or -1 if short. */
int read_report(int fd, void *buf, size_t size);

/*
 * spawn_nobody() - fork a child that becomes user and group 65534 and waits to
 * be killed (it dies with the caller).  Not dumpable after the change of
 * credentials, as the kernel makes it.  Returns its pid, or -1.
 */
pid_t spawn_nobody(void);

/* Runs hgmctl with @args; returns its parsed JSON stdout or NULL. */
struct jq_value *hgmctl_json(const char *args, int *status);

/* Runs hgmctl with @args, stdout and stderr to @out (NUL-terminated); returns its exit code. */
int hgmctl_text(const char *args, char *out, size_t size);

/* Every hugetlb pool's counters (2M and 1G): what a refused command must leave as it was. */
struct pool_counts {
	uint64_t v[2][3];	/* nr_hugepages, free_hugepages, surplus_hugepages; -1: absent */
};

void pool_counts(struct pool_counts *c);

bool pool_counts_equal(const struct pool_counts *a, const struct pool_counts *b);

#ifndef LIVE_NO_HARNESS
/*
 * With the 2M pool emptied, each of the @n hgmctl argument lists @bad (usage
 * errors) must exit 2 before the command gets going (no @ran in its output)
 * and leave every pool counter as it was.
 */
static inline void usage_errors_leave_pools(struct __test_metadata *_metadata,
					    const char *const *bad, size_t n, const char *ran)
{
	struct pool_counts before, after;
	char path[256], out[4096];
	size_t i;

	pool_path(path, sizeof(path), 2 * M, "nr_hugepages");
	ASSERT_EQ(0, write_u64(path, 0));
	pool_counts(&before);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(2, hgmctl_text(bad[i], out, sizeof(out))) TH_LOG("%s: %s", bad[i], out);
		EXPECT_EQ(NULL, strstr(out, ran)) TH_LOG("%s: %s", bad[i], out);
		pool_counts(&after);
		EXPECT_TRUE(pool_counts_equal(&before, &after))
			TH_LOG("%s: 2M pool %" PRIu64 " -> %" PRIu64 " pages", bad[i],
			       before.v[0][0], after.v[0][0]);
		/* what a late error left behind must not spoil the next case */
		write_u64(path, 0);
	}
}
#endif

/* `hgmctl maps PID --json`, parsed. */
struct jq_value *maps_json(pid_t pid, int *status);

const struct jq_value *vma_at(const struct jq_value *maps, uint64_t addr);

uint64_t u64_at(const struct jq_value *v, const char *path);

/* How run_hgmctl_as() prepares its child before it runs hgmctl. */
enum run_as {
	RUN_AS_NOBODY,		/* user and group 65534: no capabilities */
	RUN_AS_ROOT_NO_PTRACE,	/* root without CAP_SYS_PTRACE (dropped from the bounding set) */
	RUN_AS_USERNS,		/* root of a new user namespace */
};

/*
 * Runs hgmctl with @argv (argv[0] is ignored) in a child prepared as @how,
 * stdout and stderr into @out (NUL-ended); *@child holds its pid meanwhile,
 * for the fixture's teardown.  Returns its wait status, or -1 if it could not
 * start.  An exit status of 125 means the preparation failed, 126 the exec.
 */
int run_hgmctl_as(enum run_as how, pid_t *child, char *out, size_t size,
		  char *argv[]);

int run_as_nobody(pid_t *child, char *out, size_t size, char *argv[]);

/* ---- fixture: a root caller, pools restored whatever happens ----------------- */

/* The pools the fixture saves and puts back: nr_hugepages of 2M and 1G. */
#define LIVE_POOLS	2

/*
 * live_lock_and_save() - take HOST_TEST_LOCK (waiting for another program's
 * test to end), become the subreaper of our grandchildren, and save the
 * pools into @saved (@have[i]: pool i exists).  Returns the lock's fd or -1.
 */
int live_lock_and_save(uint64_t saved[LIVE_POOLS], bool have[LIVE_POOLS]);

/* Kills and reaps @child and @sharer (either may be 0): every mapper gone. */
void live_reap(pid_t child, pid_t sharer);

/* Puts the pools back as saved (as root); returns how many did not come back. */
int live_restore_pools(const uint64_t saved[LIVE_POOLS], const bool have[LIVE_POOLS]);

#ifndef LIVE_NO_HARNESS
FIXTURE(live) {
	uint64_t saved[LIVE_POOLS];	/* nr_hugepages of 2M, 1G */
	bool have[LIVE_POOLS];
	pid_t child;
	pid_t sharer;		/* the child's child, re-parented to us */
	struct jq_value *json;
	int lock;		/* HOST_TEST_LOCK, held for the test */
};

FIXTURE_SETUP(live)
{
	self->child = 0;
	self->sharer = 0;
	self->json = NULL;
	self->lock = live_lock_and_save(self->saved, self->have);
}

FIXTURE_TEARDOWN(live)
{
	live_reap(self->child, self->sharer);
	jq_free(self->json);
	EXPECT_EQ(0, live_restore_pools(self->saved, self->have));
	if (self->lock >= 0)
		close(self->lock);
}
#endif

/* `hgmctl pagemap PID START+LEN --json`, parsed. */
struct jq_value *pagemap_json(pid_t pid, uint64_t start, uint64_t len, int *status);

uint64_t hex_at(const struct jq_value *v, const char *path);

/* Checks that folios[] covers [start, start + n * size) with rows of @size each. */
int rows_of(const struct jq_value *json, uint64_t start, uint64_t size, size_t n);

#endif /* HOST_LIVE_H */
