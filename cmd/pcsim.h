/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcsim.h - the post-copy migration simulator that `postcopy` and `bench postcopy` run */
#ifndef HGMCTL_PCSIM_H
#define HGMCTL_PCSIM_H

#include <signal.h>

#include "cli.h"
#include "output.h"
#include "levels.h"
#include "workload.h"

#define SMALL_PAGE	UINT64_C(4096)

enum pattern { PAT_RANDOM, PAT_SEQUENTIAL };
extern const char *const pattern_names[];

struct pc_opts {
	uint64_t size, page_size, gran;
	uint64_t bps;			/* link, bits per second */
	uint64_t latency_ns;
	int vcpus;
	enum pattern pattern;
	bool collapse;
	bool corrupt;			/* testing: deliver one wrong byte */
	bool shmem;			/* testing: shmem instead of hugetlb (4K without HGM) */
};

struct pc_result {
	uint64_t faults, handled, touches;
	uint64_t p50, p90, p99, max;	/* ns, valid when faults */
	uint64_t first_touch_ns, total_ns;
	uint64_t bytes_fault, bytes_stream;
	uint64_t verified;		/* bytes checked after the run */
	uint64_t mapped[HGM_NR_LEVELS];
	bool mapped_known;
	/* --collapse */
	int collapse_err;		/* 0 ok, else errno */
	uint64_t collapse_ns;
	uint64_t collapsed[HGM_NR_LEVELS];
	bool collapsed_known;
	bool collapse_moot;		/* refused, but everything is mapped at page size already */
};

/* Options shared by `postcopy` and `bench postcopy`. */
struct pc_args {
	char *size, *page_size, *gran, *bandwidth, *latency, *pattern;
	int vcpus, collapse, corrupt, shmem;
};

#define PC_COMMON_OPTIONS(a) \
	{ "size", 's', POPT_ARG_STRING, &(a).size, 0, \
	  "guest memory (default 1G)", "SIZE" }, \
	{ "page-size", 'p', POPT_ARG_STRING, &(a).page_size, 0, \
	  "hugetlb page size: 2M or 1G (default 2M)", "SIZE" }, \
	{ "bandwidth", 'B', POPT_ARG_STRING, &(a).bandwidth, 0, \
	  "link rate: 10Gbit, 100Mbit, 1GB/s, 512MiB/s (default 10Gbit)", "RATE" }, \
	{ "latency", 'l', POPT_ARG_STRING, &(a).latency, 0, \
	  "link latency per transfer: 0, 20us, 1ms (default 0)", "TIME" }, \
	{ "pattern", 0, POPT_ARG_STRING, &(a).pattern, 0, \
	  "what the vCPUs touch: random or sequential (default random)", "PATTERN" }, \
	{ "vcpus", 0, POPT_ARG_INT, &(a).vcpus, 0, "vCPU threads (default 2)", "N" }


/* The guest memory of a run: a memfd mapped as the guest (on @uffd) and as its alias. */
struct pc_mem {
	struct workload w;		/* the pool pages it took */
	int mfd, uffd;
	char *guest, *alias;
	uint64_t size;
};

/* Allocates and maps the guest memory of @o; 0, or -1 (said why). pc_mem_close() either way. */
int pc_mem_open(const struct hgmctl *g, const struct pc_opts *o, struct pc_mem *m);
/* Unmaps, closes, gives the pool back; 0, or -1 (said why). */
int pc_mem_close(const struct hgmctl *g, struct pc_mem *m);
/*
 * Whether the guest mapping has HGM: "hm" in its smaps VmFlags, which a
 * MINOR registration with UFFD_FEATURE_MINOR_HUGETLBFS_HGM sets on the VMAs
 * the kernel's HGM covers (kernel/HGM.md).
 */
bool pc_mem_hgm(const struct hgmctl *g, const struct pc_mem *m);

/*
 * The fault path alone (bench postcopy --threads): no link, every unit of
 * the guest memory in the page cache; @threads vCPU threads take units
 * from one shuffled list, hugepage after hugepage (so they map different
 * pieces of the same hugepages at once), each mapping its unit with
 * UFFDIO_CONTINUE and then reading it.  A latency is one unit: the
 * CONTINUE and the read.
 */
struct fb_result {
	uint64_t faults;
	uint64_t p50, p99;		/* ns */
	uint64_t wall_ns;		/* first touch to last */
	uint64_t verified;		/* bytes checked */
	int err;			/* a failed UFFDIO_CONTINUE's errno; EOPNOTSUPP: the
					   VMA did not get HGM (pc_mem_hgm()) */
};
int fault_bench_run(const struct hgmctl *g, const struct pc_opts *o, int threads,
		    struct fb_result *r, const sigset_t *sigs);

/* Checks and converts @a into @o; usage errors name @cmd. */
void pc_opts_from(const struct hgmctl *g, const char *cmd, const struct pc_args *a,
		  struct pc_opts *o);
void pc_args_free(struct pc_args *a);
/* Why this kernel or caller cannot run @o (into @buf), or NULL when it can. */
const char *kernel_refusal(const struct hgmctl *g, const struct pc_opts *o, char *buf,
			   size_t size);
/* One simulated migration; @sigs are blocked signals that end it. Returns 0 or -1 (said why). */
int postcopy_run(const struct hgmctl *g, const struct pc_opts *o, struct pc_result *r,
		 const sigset_t *sigs);
/* "10Gbit/s", "100Mbit/s", "1.500 Mbit/s" */
const char *fmt_rate(uint64_t bps, char *buf, size_t size);
/*
 * What a run is: its JSON members size, page_size, granularity (with @gran),
 * vcpus, pattern and link, or the line "postcopy: 1G of 2M hugetlb pages, ..."
 * (@head: the words around the size, "postcopy: %s").
 */
void pc_print_setup(struct detail *d, const char *head, const struct pc_opts *o, bool gran);
/*
 * What a run measured: the members of `postcopy --json` from "faults" on
 * ("collapse" null without @collapse), or their text lines.
 */
void pc_print_result(struct detail *d, const struct pc_opts *o, const struct pc_result *r,
		     bool collapse);

#endif /* HGMCTL_PCSIM_H */
