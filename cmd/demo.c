// SPDX-License-Identifier: GPL-2.0-or-later
/* demo.c - `hgmctl demo`: a process with hugetlb and THP mappings, shown with `maps` */
#include <errno.h>
#include <inttypes.h>
#include <linux/memfd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hgmctl.h"
#include "uapi-compat.h"

struct demo {
	uint64_t hugetlb, page_size, thp, pmd_size;
	bool grew_pool;
	uint64_t pool_before;	/* nr_hugepages to restore */
};

/* The child: maps, fills and splits, reports 0 or errno on @fd, then waits to be killed. */
static void __attribute__((noreturn)) demo_child(const struct demo *d, int fd)
{
	uint64_t off, base = (uint64_t)sysconf(_SC_PAGESIZE);
	int ret = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (d->hugetlb) {
		unsigned int shift = (unsigned int)__builtin_ctzll(d->page_size);
		int mfd = memfd_create("hgmctl-demo", MFD_HUGETLB | (shift << MFD_HUGE_SHIFT));
		char *p;

		if (mfd < 0 || ftruncate(mfd, (off_t)d->hugetlb) < 0)
			goto fail;
		p = mmap(NULL, d->hugetlb, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
		if (p == MAP_FAILED)
			goto fail;
		for (off = 0; off < d->hugetlb; off += base)
			p[off] = 1;
	}
	if (d->thp) {
		uint64_t half = d->thp / d->pmd_size / 2 * d->pmd_size;
		char *raw, *p;

		/* over-allocate by one PMD so that the range can start PMD-aligned */
		raw = mmap(NULL, d->thp + d->pmd_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (raw == MAP_FAILED)
			goto fail;
		p = (char *)(((uintptr_t)raw + d->pmd_size - 1) & ~(uintptr_t)(d->pmd_size - 1));
		if (p > raw)
			munmap(raw, p - raw);
		munmap(p + d->thp, raw + d->pmd_size - p);
		madvise(p, d->thp, MADV_HUGEPAGE);
		/* non-zero data everywhere, so the underused-THP shrinker leaves them alone */
		for (off = 0; off < d->thp; off += base)
			p[off] = 1;
		madvise(p, d->thp, MADV_COLLAPSE);	/* for THP "never"; may fail, fine */
		/*
		 * Split the PMD mappings of the upper half: changing the protection
		 * of one page makes the kernel map that THP with PTEs, and restoring
		 * it merges the VMAs again while the PTE mapping stays.
		 */
		for (off = half; off + d->pmd_size <= d->thp; off += d->pmd_size) {
			if (mprotect(p + off, base, PROT_READ) ||
			    mprotect(p + off, base, PROT_READ | PROT_WRITE))
				goto fail;
		}
		/* keep khugepaged from collapsing them back while we are watched */
		madvise(p + half, d->thp - half, MADV_NOHUGEPAGE);
	}
	if (write(fd, &ret, sizeof(ret)) != sizeof(ret))
		_exit(1);
	close(fd);
	for (;;)
		pause();
fail:
	ret = errno;
	if (write(fd, &ret, sizeof(ret)) != sizeof(ret))
		_exit(1);
	_exit(1);
}

static int demo_restore(const struct hgmctl *g, const struct demo *d);

/* Makes sure the pool has enough free pages, growing it as root; exits on failure. */
static void demo_reserve(const struct hgmctl *g, struct demo *d)
{
	uint64_t need = d->hugetlb / d->page_size;
	struct hgm_pool pool;
	char sz[32];
	int ret;

	ret = hgm_pool_get(g->ctx, d->page_size, HGM_NODE_ALL, &pool);
	if (ret)
		errx(EXIT_ERROR, "no %s hugetlb pool: %s", fmt_size(g, d->page_size, sz, sizeof(sz)),
		     strerror(-ret));
	if (pool.free - pool.reserved >= need)
		return;
	if (geteuid() != 0)
		errx(EXIT_ERROR, "need %" PRIu64 " free %s hugepages, the pool has %" PRIu64
		     "; as root, demo grows the pool itself", need,
		     fmt_size(g, d->page_size, sz, sizeof(sz)), pool.free - pool.reserved);
	d->pool_before = pool.total;
	d->grew_pool = true;
	ret = hgm_pool_set(g->ctx, d->page_size, HGM_NODE_ALL,
			   pool.total + need - (pool.free - pool.reserved));
	if (ret)
		errx(EXIT_ERROR, "cannot grow the %s hugetlb pool: %s",
		     fmt_size(g, d->page_size, sz, sizeof(sz)), strerror(-ret));
	/* the kernel grants what it can find: check before mapping */
	if (hgm_pool_get(g->ctx, d->page_size, HGM_NODE_ALL, &pool) == 0 &&
	    pool.free - pool.reserved < need) {
		uint64_t got = pool.free - pool.reserved;

		demo_restore(g, d);
		errx(EXIT_ERROR, "the kernel could give only %" PRIu64 " of %" PRIu64
		     " free %s hugepages (not enough free memory, or too fragmented)", got, need,
		     fmt_size(g, d->page_size, sz, sizeof(sz)));
	}
	if (g->verbose)
		warnx("grew the %s pool from %" PRIu64 " pages", sz, pool.total);
}

static int demo_restore(const struct hgmctl *g, const struct demo *d)
{
	struct hgm_pool pool;
	char sz[32];

	if (!d->grew_pool)
		return 0;
	fmt_size(g, d->page_size, sz, sizeof(sz));
	if (hgm_pool_set(g->ctx, d->page_size, HGM_NODE_ALL, d->pool_before) ||
	    hgm_pool_get(g->ctx, d->page_size, HGM_NODE_ALL, &pool) ||
	    pool.total != d->pool_before) {
		warnx("could not restore the %s hugetlb pool to %" PRIu64 " pages", sz,
		      d->pool_before);
		return -1;
	}
	return 0;
}

static uint64_t size_arg(const char *opt, const char *s)
{
	uint64_t v;

	if (hgm_parse_size(s, &v))
		usage_error("demo: invalid size for %s: '%s'", opt, s);
	return v;
}

int cmd_demo(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *hugetlb = NULL, *page_size = NULL, *thp = NULL;
	int hold = 0, fds[2], status, rc, child_err = 0;
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
	struct demo d = { 0 };
	sigset_t sigs;
	poptContext pc;
	pid_t pid;
	char a[32], b[32], c[32], e[32];

	pc = hgmctl_parse(g, cmd, argc, argv, options, NULL, 0);
	if (poptPeekArg(pc))
		usage_error("demo: unexpected argument '%s'", poptPeekArg(pc));
	if (!hgm_ctx_is_live(g->ctx))
		usage_error("demo: runs a live process; --root does not apply");
	d.hugetlb = hugetlb ? size_arg("--hugetlb", hugetlb) : UINT64_C(64) << 20;
	d.page_size = page_size ? size_arg("--page-size", page_size) : UINT64_C(2) << 20;
	d.thp = thp ? size_arg("--thp", thp) : UINT64_C(256) << 20;
	d.pmd_size = hgm_thp_pmd_size(g->ctx);
	if (d.page_size == 0 || (d.page_size & (d.page_size - 1)))
		usage_error("demo: --page-size must be a power of two");
	if (d.hugetlb % d.page_size)
		usage_error("demo: --hugetlb %s is not a multiple of the %s page size",
			    fmt_size(g, d.hugetlb, a, sizeof(a)), fmt_size(g, d.page_size, b, sizeof(b)));
	if (d.thp % d.pmd_size)
		usage_error("demo: --thp %s is not a multiple of %s",
			    fmt_size(g, d.thp, a, sizeof(a)), fmt_size(g, d.pmd_size, b, sizeof(b)));

	/* signals wait until the pool is restored: no exit path leaves it grown */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	if (d.hugetlb)
		demo_reserve(g, &d);
	if (pipe(fds))
		err(EXIT_ERROR, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		err(EXIT_ERROR, "fork");
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		close(fds[0]);
		demo_child(&d, fds[1]);
	}
	close(fds[1]);
	rc = EXIT_OK;
	if (read(fds[0], &child_err, sizeof(child_err)) != sizeof(child_err) || child_err) {
		warnx("demo process could not map its memory: %s",
		      child_err ? strerror(child_err) : "it died");
		rc = EXIT_ERROR;
	}
	close(fds[0]);

	if (rc == EXIT_OK) {
		fprintf(stderr, "demo: process %d maps %s hugetlb (%s pages, shared memfd) and %s "
			"THP (%s PMD-mapped, the rest split to PTEs)\n", (int)pid,
			fmt_size(g, d.hugetlb, a, sizeof(a)), fmt_size(g, d.page_size, b, sizeof(b)),
			fmt_size(g, d.thp, c, sizeof(c)),
			fmt_size(g, d.thp / d.pmd_size / 2 * d.pmd_size, e, sizeof(e)));
		rc = show_maps(g, pid, false);
		if (hold) {
			int sig;

			fprintf(stderr, "demo: holding process %d; press Ctrl-C to end it\n", (int)pid);
			fflush(NULL);
			sigwait(&sigs, &sig);
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (demo_restore(g, &d))
		rc = EXIT_ERROR;
	free(hugetlb);
	free(page_size);
	free(thp);
	return rc;
}
