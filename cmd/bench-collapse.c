// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-collapse.c - `hgmctl bench gup` (the kernel's gup_test on THP,
 * PMD-mapped hugetlb and HGM-mapped hugetlb) and `hgmctl bench collapse`
 * (MADV_COLLAPSE cost per 2 MiB)
 *
 * Both map their memory in hgmctl itself: gup_test works on the caller's
 * addresses, and MADV_COLLAPSE on our own mappings needs no privilege.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/memfd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hgmctl.h"
#include "uapi-compat.h"

#define MIB (UINT64_C(1) << 20)

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* ---- memory under test -------------------------------------------------------- */

enum mem_kind {
	MEM_THP,		/* anonymous THP, PMD-mapped */
	MEM_THP_SPLIT,		/* anonymous THP, PTE-mapped (split by mprotect) */
	MEM_BASE,		/* anonymous base pages */
	MEM_HUGETLB,		/* shared 2 MiB hugetlb, PMD-mapped */
	MEM_HGM,		/* shared 2 MiB hugetlb, mapped in 4 KiB pieces (HGM) */
};

struct mem {
	enum mem_kind kind;
	uint64_t size;
	char *raw, *addr;	/* raw: the mapping to unmap (THP: with alignment slack) */
	uint64_t raw_len;
	char *fill;		/* HGM: the mapping that put the pages in the page cache */
	int memfd;
	const char *why;	/* why it could not be set up */
};

struct pool_grant {
	uint64_t page_size, added;
};

/* Grows the pool of @pg->page_size until @need pages are free (root only). */
static int pool_reserve(const struct hgmctl *g, struct pool_grant *pg, uint64_t need,
			const char **why)
{
	struct hgm_pool pool;
	uint64_t before;

	if (hgm_pool_get(g->ctx, pg->page_size, HGM_NODE_ALL, &pool)) {
		*why = "no 2 MiB hugetlb pool";
		return -1;
	}
	if (pool.free - pool.reserved >= need)
		return 0;
	if (geteuid() != 0) {
		*why = "not enough free 2 MiB hugepages (as root, the pool is grown)";
		return -1;
	}
	before = pool.total;
	hgm_pool_set(g->ctx, pg->page_size, HGM_NODE_ALL,
		     pool.total + need - (pool.free - pool.reserved));
	if (hgm_pool_get(g->ctx, pg->page_size, HGM_NODE_ALL, &pool) == 0 && pool.total > before)
		pg->added += pool.total - before;
	if (pool.free - pool.reserved < need) {
		*why = "the kernel could not give enough 2 MiB hugepages";
		return -1;
	}
	return 0;
}

/* Takes back what pool_reserve() added; returns 0 or -1 (said why). */
static int pool_restore(const struct hgmctl *g, struct pool_grant *pg)
{
	struct hgm_pool pool;
	uint64_t want;

	if (!pg->added)
		return 0;
	if (hgm_pool_get(g->ctx, pg->page_size, HGM_NODE_ALL, &pool) == 0) {
		want = pool.total > pg->added ? pool.total - pg->added : 0;
		if (hgm_pool_set(g->ctx, pg->page_size, HGM_NODE_ALL, want) == 0 &&
		    hgm_pool_get(g->ctx, pg->page_size, HGM_NODE_ALL, &pool) == 0 &&
		    pool.total == want) {
			pg->added = 0;
			return 0;
		}
	}
	warnx("could not shrink the 2 MiB hugetlb pool by the %" PRIu64 " pages added", pg->added);
	return -1;
}

static void mem_free(struct mem *m)
{
	if (m->raw)
		munmap(m->raw, m->raw_len);
	if (m->fill)
		munmap(m->fill, m->size);
	if (m->memfd >= 0)
		close(m->memfd);
	m->raw = m->addr = m->fill = NULL;
	m->memfd = -1;
}

static int mem_anon(struct mem *m, uint64_t pmd)
{
	uint64_t off, page = (uint64_t)sysconf(_SC_PAGESIZE);

	m->raw_len = m->size + pmd;
	m->raw = mmap(NULL, m->raw_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->raw == MAP_FAILED) {
		m->raw = NULL;
		m->why = "cannot map anonymous memory";
		return -1;
	}
	m->addr = (char *)(((uintptr_t)m->raw + pmd - 1) & ~(uintptr_t)(pmd - 1));
	madvise(m->addr, m->size, m->kind == MEM_BASE ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
	for (off = 0; off < m->size; off += page)
		m->addr[off] = 1;
	if (m->kind == MEM_THP_SPLIT) {
		/* a protection change on part of a PMD splits the PMD, not the folio */
		for (off = 0; off < m->size; off += pmd)
			if (mprotect(m->addr + off, page, PROT_READ) ||
			    mprotect(m->addr + off, page, PROT_READ | PROT_WRITE)) {
				m->why = "cannot split the THPs (mprotect)";
				return -1;
			}
	}
	if (m->kind == MEM_BASE)	/* collapsible again, still base pages */
		madvise(m->addr, m->size, MADV_HUGEPAGE);
	return 0;
}

static int mem_hugetlb(struct mem *m, uint64_t hpage)
{
	uint64_t off;
	char *p;

	m->memfd = memfd_create("hgmctl-bench", MFD_HUGETLB | MFD_HUGE_2MB);
	if (m->memfd < 0 || ftruncate(m->memfd, (off_t)m->size)) {
		m->why = "cannot create a 2 MiB hugetlb memfd";
		return -1;
	}
	p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->memfd, 0);
	if (p == MAP_FAILED) {
		m->why = "cannot map the hugetlb memfd";
		return -1;
	}
	for (off = 0; off < m->size; off += hpage)
		p[off] = 1;
	if (m->kind == MEM_HUGETLB) {
		m->raw = m->addr = p;
		m->raw_len = m->size;
		return 0;
	}
	/* HGM: the pages are in the page cache; a second mapping gets them in 4 KiB pieces */
	m->fill = p;
	p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->memfd, 0);
	if (p == MAP_FAILED) {
		m->why = "cannot map the hugetlb memfd";
		return -1;
	}
	m->raw = m->addr = p;
	m->raw_len = m->size;
	switch (hgm_map_pieces(p, m->size, (uint64_t)sysconf(_SC_PAGESIZE))) {
	case 0:
		return 0;
	case -EOPNOTSUPP:
		m->why = "this kernel has no HGM (HugeTLB high-granularity mapping)";
		return -1;
	default:
		m->why = "cannot map the hugetlb pages in 4 KiB pieces (userfaultfd)";
		return -1;
	}
}

/* Maps @m; on failure sets m->why and returns -1 (and nothing stays mapped). */
static int mem_setup(const struct hgmctl *g, struct mem *m, struct pool_grant *pg, bool hgm_kernel)
{
	int ret;

	m->raw = m->addr = m->fill = NULL;
	m->memfd = -1;
	m->why = NULL;
	if (m->kind == MEM_HGM && !hgm_kernel) {
		m->why = "this kernel has no HGM (HugeTLB high-granularity mapping)";
		return -1;
	}
	if (m->kind == MEM_HUGETLB || m->kind == MEM_HGM) {
		if (pool_reserve(g, pg, m->size / pg->page_size, &m->why))
			return -1;
		ret = mem_hugetlb(m, pg->page_size);
	} else {
		ret = mem_anon(m, hgm_thp_pmd_size(g->ctx));
	}
	if (ret)
		mem_free(m);
	return ret;
}

/* Bytes of @m mapped at @level now (for checking a setup and a result). */
static uint64_t mem_level(const struct hgmctl *g, const struct mem *m, enum hgm_level level,
			  struct hgm_levels *lv)
{
	if (hgm_range_levels(g->ctx, getpid(), (uintptr_t)m->addr, (uintptr_t)m->addr + m->size, lv))
		return 0;
	return lv->mapped[level];
}

/* ---- bench gup -------------------------------------------------------------------- */

static const struct {
	enum mem_kind kind;
	const char *name, *label;
	enum hgm_level level;	/* how its pages must be mapped */
} gup_mems[] = {
	{ MEM_THP, "thp", "THP, PMD-mapped", HGM_LEVEL_PMD },
	{ MEM_HUGETLB, "hugetlb", "hugetlb 2M, PMD-mapped", HGM_LEVEL_PMD },
	{ MEM_HGM, "hugetlb_hgm", "hugetlb 2M, 4K-mapped (HGM)", HGM_LEVEL_PTE },
};

static const enum hgm_gup_op gup_bench_ops[] = {
	HGM_GUP_GET_FAST, HGM_GUP_PIN_FAST, HGM_GUP_GET, HGM_GUP_PIN,
};

#define NMEM (sizeof(gup_mems) / sizeof(gup_mems[0]))
#define NOPS (sizeof(gup_bench_ops) / sizeof(gup_bench_ops[0]))

struct gup_cell {
	bool ok;
	double get_us, put_us;	/* per call, best run */
	const char *why;
	int err;
};

int bench_gup(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *size_arg_s = NULL;
	int runs = 3, per_call = 512, read_only = 0;
	const struct poptOption options[] = {
		{ "size", 's', POPT_ARG_STRING, &size_arg_s, 0,
		  "memory of each kind (default 512M)", "SIZE" },
		{ "pages-per-call", 'p', POPT_ARG_INT, &per_call, 0,
		  "pages each get/pin call takes (default 512: 2 MiB)", "N" },
		{ "runs", 'n', POPT_ARG_INT, &runs, 0, "runs of each; the best counts (3)", "N" },
		{ "read-only", 0, POPT_ARG_NONE, &read_only, 0,
		  "get/pin for reading (default: FOLL_WRITE)", NULL },
		POPT_TABLEEND
	};
	struct pool_grant pg = { .page_size = 2 * MIB };
	struct gup_cell cell[NMEM][NOPS];
	struct hgm_features feat;
	uint64_t size, calls;
	poptContext pc;
	bool hgm_kernel;
	size_t i, j;
	int fd, r, rc = EXIT_OK;

	pc = hgmctl_parse(g, cmd, argc, argv, options, NULL, 0);
	if (poptPeekArg(pc))
		usage_error("bench gup: unexpected argument '%s'", poptPeekArg(pc));
	size = size_arg_s ? size_arg("bench gup", "--size", size_arg_s) : 512 * MIB;
	if (!size || size % (2 * MIB))
		usage_error("bench gup: --size must be a non-zero multiple of 2M");
	if (runs < 1 || per_call < 1)
		usage_error("bench gup: --runs and --pages-per-call must be at least 1");
	if (!hgm_ctx_is_live(g->ctx))
		usage_error("bench gup: measures the live kernel; --root does not apply");
	fd = hgm_gup_test_open(g->ctx);
	if (fd == -ENODEV)
		errx(EXIT_ERROR, "bench gup: no /sys/kernel/debug/gup_test: debugfs is not mounted "
		     "(mount -t debugfs none /sys/kernel/debug)");
	if (fd == -ENOENT)
		errx(EXIT_ERROR, "bench gup: no /sys/kernel/debug/gup_test: this kernel was built "
		     "without CONFIG_GUP_TEST");
	if (fd < 0)
		errx(EXIT_ERROR, "bench gup: cannot open /sys/kernel/debug/gup_test: %s%s",
		     strerror(-fd), fd == -EACCES || fd == -EPERM ? " (needs root)" : "");
	hgm_features_probe(g->ctx, &feat);
	hgm_kernel = hgm_has(&feat, HGM_FEAT_HGM);
	calls = (size / (uint64_t)sysconf(_SC_PAGESIZE) + (uint64_t)per_call - 1) / (uint64_t)per_call;

	for (i = 0; i < NMEM; i++) {
		struct mem m = { .kind = gup_mems[i].kind, .size = size };
		struct hgm_levels lv;

		if (g->verbose || isatty(STDERR_FILENO))
			fprintf(stderr, "%s: gup on %s\n", program_invocation_short_name,
				gup_mems[i].label);
		memset(cell[i], 0, sizeof(cell[i]));
		if (mem_setup(g, &m, &pg, hgm_kernel) == 0 &&
		    mem_level(g, &m, gup_mems[i].level, &lv) * 2 < size) {
			m.why = gup_mems[i].level == HGM_LEVEL_PMD ?
				"fewer than half the pages are PMD-mapped (THP disabled or no memory?)" :
				"the pages are not mapped in 4K pieces";
			mem_free(&m);
		}
		for (j = 0; j < NOPS; j++) {
			struct gup_cell *c = &cell[i][j];
			int k;

			c->why = m.why;
			if (m.why)
				continue;
			for (k = 0; k < runs; k++) {
				struct hgm_gup_result res;

				r = hgm_gup_test_run(fd, gup_bench_ops[j], m.addr, size,
						     (unsigned int)per_call, !read_only, &res);
				if (r == 0 && res.size != size)
					r = -EFAULT;
				if (r) {
					c->ok = false;
					c->err = r;
					c->why = "gup_test failed";
					break;
				}
				if (!c->ok || res.get_usec / (double)calls < c->get_us) {
					c->get_us = res.get_usec / (double)calls;
					c->put_us = res.put_usec / (double)calls;
				}
				c->ok = true;
			}
			if (c->err)
				rc = EXIT_ERROR;
		}
		mem_free(&m);
	}
	close(fd);
	if (pool_restore(g, &pg))
		rc = EXIT_ERROR;

	if (g->json) {
		struct jdoc d;

		jdoc_begin(&d);
		jw_u64(&d.w, "size", size);
		jw_i64(&d.w, "pages_per_call", per_call);
		jw_u64(&d.w, "calls", calls);
		jw_i64(&d.w, "runs", runs);
		jw_bool(&d.w, "write", !read_only);
		jw_arr_open(&d.w, "results");
		for (i = 0; i < NMEM; i++)
			for (j = 0; j < NOPS; j++) {
				const struct gup_cell *c = &cell[i][j];

				jw_obj_open(&d.w, NULL);
				jw_str(&d.w, "memory", gup_mems[i].name);
				jw_str(&d.w, "op", hgm_gup_op_name(gup_bench_ops[j]));
				if (c->ok) {
					jw_double(&d.w, "get_us_per_call", c->get_us, 3);
					jw_double(&d.w, "put_us_per_call", c->put_us, 3);
					if (i > 0 && cell[i - 1][j].ok && cell[i - 1][j].get_us > 0)
						jw_double(&d.w, "get_ratio_to_previous",
							  c->get_us / cell[i - 1][j].get_us, 2);
				} else {
					jw_null(&d.w, "get_us_per_call");
					jw_null(&d.w, "put_us_per_call");
					jw_str(&d.w, "skipped", c->why);
					if (c->err)
						jw_str(&d.w, "error", errno_name(c->err));
				}
				jw_obj_close(&d.w);
			}
		jw_arr_close(&d.w);
		jdoc_end(&d, true);
	} else {
		char sz[32];

		printf("gup_test: %s of each kind, %d pages per call (%" PRIu64 " calls), %s, "
		       "best of %d runs\n\n", fmt_size(g, size, sz, sizeof(sz)), per_call, calls,
		       read_only ? "read" : "FOLL_WRITE", runs);
		printf("%-30s %-9s %12s %12s %10s\n", "memory", "op", "get/call", "put/call",
		       "vs above");
		for (i = 0; i < NMEM; i++) {
			for (j = 0; j < NOPS; j++) {
				const struct gup_cell *c = &cell[i][j];

				printf("%-30s %-9s ", j ? "" : gup_mems[i].label,
				       hgm_gup_op_name(gup_bench_ops[j]));
				if (!c->ok) {
					printf("  (%s%s%s)\n", c->why, c->err ? ": " : "",
					       c->err ? errno_name(c->err) : "");
					if (!c->err)	/* one reason per kind is enough */
						break;
					continue;
				}
				printf("%9.2f us %9.2f us", c->get_us, c->put_us);
				if (i > 0 && cell[i - 1][j].ok && cell[i - 1][j].get_us > 0)
					printf(" %9.2fx", c->get_us / cell[i - 1][j].get_us);
				putchar('\n');
			}
		}
		printf("\nvs above: get time per call against the kind above (hugetlb vs THP, "
		       "HGM vs PMD-mapped hugetlb)\n");
	}
	free(size_arg_s);
	return rc;
}

/* ---- bench collapse ------------------------------------------------------------- */

static const struct {
	enum mem_kind kind;
	const char *name, *label;
	enum hgm_level before;	/* how the pages are mapped before collapse */
} collapse_mems[] = {
	{ MEM_THP_SPLIT, "thp_pte", "THP, PTE-mapped (split)", HGM_LEVEL_PTE },
	{ MEM_BASE, "base", "base pages", HGM_LEVEL_PTE },
	{ MEM_HGM, "hugetlb_hgm", "hugetlb 2M, 4K-mapped (HGM)", HGM_LEVEL_PTE },
};

#define NCMEM (sizeof(collapse_mems) / sizeof(collapse_mems[0]))

struct collapse_cell {
	bool ok;
	double us_per_2m;	/* best run */
	uint64_t pmd_after;	/* of the best run */
	const char *why;
	int err;
};

int bench_collapse(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *size_arg_s = NULL;
	int runs = 3;
	const struct poptOption options[] = {
		{ "size", 's', POPT_ARG_STRING, &size_arg_s, 0,
		  "memory of each kind (default 256M)", "SIZE" },
		{ "runs", 'n', POPT_ARG_INT, &runs, 0, "runs of each; the best counts (3)", "N" },
		POPT_TABLEEND
	};
	struct pool_grant pg = { .page_size = 2 * MIB };
	struct collapse_cell cell[NCMEM];
	struct hgm_features feat;
	uint64_t size, pmd;
	poptContext pc;
	bool hgm_kernel;
	size_t i;
	int rc = EXIT_OK;

	pc = hgmctl_parse(g, cmd, argc, argv, options, NULL, 0);
	if (poptPeekArg(pc))
		usage_error("bench collapse: unexpected argument '%s'", poptPeekArg(pc));
	size = size_arg_s ? size_arg("bench collapse", "--size", size_arg_s) : 256 * MIB;
	if (!size || size % (2 * MIB))
		usage_error("bench collapse: --size must be a non-zero multiple of 2M");
	if (runs < 1)
		usage_error("bench collapse: --runs must be at least 1");
	if (!hgm_ctx_is_live(g->ctx))
		usage_error("bench collapse: measures the live kernel; --root does not apply");
	hgm_features_probe(g->ctx, &feat);
	if (!hgm_has(&feat, HGM_FEAT_MADV_COLLAPSE))
		errx(EXIT_ERROR, "bench collapse: this kernel has no MADV_COLLAPSE (Linux 6.1+)");
	hgm_kernel = hgm_has(&feat, HGM_FEAT_HGM);
	pmd = hgm_thp_pmd_size(g->ctx);

	for (i = 0; i < NCMEM; i++) {
		struct collapse_cell *c = &cell[i];
		int k;

		memset(c, 0, sizeof(*c));
		if (g->verbose || isatty(STDERR_FILENO))
			fprintf(stderr, "%s: collapse of %s\n", program_invocation_short_name,
				collapse_mems[i].label);
		for (k = 0; k < runs; k++) {
			struct mem m = { .kind = collapse_mems[i].kind, .size = size };
			struct hgm_levels lv;
			uint64_t off;
			double t;

			if (mem_setup(g, &m, &pg, hgm_kernel)) {
				c->why = m.why;
				break;
			}
			mem_level(g, &m, HGM_LEVEL_PMD, &lv);
			if (lv.mapped[HGM_LEVEL_PMD] * 2 > size) {
				c->why = "the pages were PMD-mapped already: nothing to measure";
				mem_free(&m);
				break;
			}
			/* one call per 2 MiB, as a caller collapsing piece by piece would */
			t = now_us();
			for (off = 0; off < size && !c->err; off += pmd)
				c->err = hgm_collapse(-1, (uintptr_t)m.addr + off, pmd);
			t = now_us() - t;
			if (c->err) {
				c->why = "MADV_COLLAPSE failed";
				mem_free(&m);
				rc = EXIT_ERROR;
				break;
			}
			t /= (double)(size / (2 * MIB));
			if (!c->ok || t < c->us_per_2m) {
				c->us_per_2m = t;
				c->pmd_after = mem_level(g, &m, HGM_LEVEL_PMD, &lv);
			}
			c->ok = true;
			mem_free(&m);
		}
		if (pool_restore(g, &pg))
			rc = EXIT_ERROR;
	}

	if (g->json) {
		struct jdoc d;

		jdoc_begin(&d);
		jw_u64(&d.w, "size", size);
		jw_i64(&d.w, "runs", runs);
		jw_arr_open(&d.w, "results");
		for (i = 0; i < NCMEM; i++) {
			jw_obj_open(&d.w, NULL);
			jw_str(&d.w, "memory", collapse_mems[i].name);
			if (cell[i].ok) {
				jw_double(&d.w, "us_per_2m", cell[i].us_per_2m, 2);
				jw_u64(&d.w, "pmd_mapped_after", cell[i].pmd_after);
			} else {
				jw_null(&d.w, "us_per_2m");
				jw_str(&d.w, "skipped", cell[i].why);
				if (cell[i].err)
					jw_str(&d.w, "error", errno_name(cell[i].err));
			}
			jw_obj_close(&d.w);
		}
		jw_arr_close(&d.w);
		jdoc_end(&d, true);
	} else {
		char sz[32], sz2[32];

		printf("MADV_COLLAPSE, one call per 2 MiB over %s, best of %d runs\n\n",
		       fmt_size(g, size, sz, sizeof(sz)), runs);
		printf("%-30s %14s %16s\n", "memory", "per 2 MiB", "PMD-mapped after");
		for (i = 0; i < NCMEM; i++) {
			printf("%-30s ", collapse_mems[i].label);
			if (cell[i].ok)
				printf("%11.1f us %16s\n", cell[i].us_per_2m,
				       fmt_size(g, cell[i].pmd_after, sz2, sizeof(sz2)));
			else
				printf("  (%s%s%s)\n", cell[i].why, cell[i].err ? ": " : "",
				       cell[i].err ? errno_name(cell[i].err) : "");
		}
	}
	free(size_arg_s);
	return rc;
}
