// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-procs.c - `hgmctl bench procs`: how long the gathering of `procs` and
 * of top's system screen (hgm_procs_walk()) takes over every process of the
 * machine, with idle children added to reach a few hundred, which may share
 * some anonymous THP (--thp) so that every one of them is a THP user.  Prints
 * figures; asserts nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "output.h"

struct bench_count {
	unsigned long users;
};

static int count_proc(pid_t pid, const char *comm, const struct hgm_proc_usage *pu, void *arg)
{
	struct bench_count *bc = arg;

	(void)pid;
	(void)comm;
	if (pu->hugetlb || pu->thp)
		bc->users++;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * @size bytes of anonymous memory, THP asked for (MADV_HUGEPAGE) and touched,
 * for the children to inherit: each then maps the same THP by PMDs (copy on
 * write), at no cost per child.  Returns the PMD-aligned start, or NULL when
 * nothing could be mapped.  What the kernel made of it is counted after.
 */
static char *thp_share(uint64_t size, uint64_t pmd, char **raw)
{
	char *p = mmap(NULL, size + pmd, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	char *a;
	uint64_t off;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + pmd - 1) & ~(uintptr_t)(pmd - 1));
	madvise(a, size, MADV_HUGEPAGE);
	for (off = 0; off < size; off += 4096)
		a[off] = 1;
	*raw = p;
	return a;
}

int cmd_bench_procs(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char *spawn_s = NULL, *runs_s = NULL, *thp_s = NULL, *raw = NULL;
	int folios = 0;
	const struct poptOption options[] = {
		{ "spawn", 0, POPT_ARG_STRING, &spawn_s, 0,
		  "idle child processes to add first (default 200)", "N" },
		{ "runs", 0, POPT_ARG_STRING, &runs_s, 0, "runs to time (default 10)", "N" },
		{ "folios", 0, POPT_ARG_NONE, &folios, 0, "with the page scan (procs --folios)",
		  NULL },
		{ "thp", 0, POPT_ARG_STRING, &thp_s, 0,
		  "anonymous THP the children share (they inherit it), up to 1G", "SIZE" },
		POPT_TABLEEND
	};
	const struct hgm_procs_ops ops = { .proc = count_proc };
	unsigned long failed = 0, scanned = 0;
	struct bench_count bc = { 0 };
	struct doc doc;
	struct detail *d = &doc.d;
	uint64_t thp = 0, pmd;
	int spawn, runs, i, ret;
	pid_t *kids;
	double *ms;

	hgmctl_parse(g, cmd, argc, argv, options);
	pmd = hgm_thp_pmd_size(g->ctx);
	spawn = spawn_s ? num_arg("bench procs", "--spawn", spawn_s, 0, 4000) : 200;
	runs = runs_s ? num_arg("bench procs", "--runs", runs_s, 1, 1000) : 10;
	if (thp_s) {
		thp = size_arg("bench procs", "--thp", thp_s);
		if (!thp || thp > (UINT64_C(1) << 30) || thp % pmd)
			usage_error("bench procs: --thp '%s': a multiple of the PMD size (%" PRIu64
				    " KiB) up to 1G", thp_s, pmd >> 10);
	}
	kids = calloc((size_t)spawn + 1, sizeof(*kids));
	ms = calloc((size_t)runs, sizeof(*ms));
	if (!kids || !ms)
		err(EXIT_ERROR, "cannot allocate memory");
	if (thp && !thp_share(thp, pmd, &raw))
		err(EXIT_ERROR, "bench procs: cannot map %" PRIu64 " bytes", thp);
	fflush(NULL);
	for (i = 0; i < spawn; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			warnx("bench procs: fork: %s (%d children made)", strerror(errno), i);
			spawn = i;
			break;
		}
		if (kids[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
	}
	for (i = 0; i < runs; i++) {
		uint64_t t0 = now_ns();

		bc.users = 0;
		/* what `procs` asks for by default: the nodes of THP too */
		ret = hgm_procs_walk(g->ctx, NULL, 0, HGM_PROC_THP_NODES |
				     (folios ? HGM_PROC_FOLIOS : 0), &ops, &bc, &failed, &scanned);
		ms[i] = (double)(now_ns() - t0) / 1e6;
		if (ret)
			break;
	}
	for (i = 0; i < spawn; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < spawn; i++)
		waitpid(kids[i], NULL, 0);
	if (raw)
		munmap(raw, thp + pmd);
	if (ret)
		errx(EXIT_ERROR, "bench procs: cannot list /proc: %s", strerror(-ret));
	qsort(ms, (size_t)runs, sizeof(*ms), cmp_double);
	doc_begin(&doc, g, 0);
	print_u64(d, "processes", "processes: %s", scanned);
	print_u64(d, "spawned", " (%s idle children added", (uint64_t)spawn);
	print_size(d, "thp_shared", thp ? ", sharing %s of THP" : NULL, thp);
	print_text(d, ")");
	print_u64(d, "using_huge_pages", ", %s using huge pages", bc.users);
	print_u64(d, "unreadable", ", %s unreadable\n", failed);
	print_bool(d, "folios", NULL, folios);
	print_text(d, "gathering (smaps_rollup, THP nodes%s): ", folios ? ", page scan" : "");
	print_double(d, "best_ms", "best %s", ms[0], 3, 2, " ms");
	print_double(d, "median_ms", ", median %s", ms[runs / 2], 3, 2, " ms");
	print_double(d, "per_process_us", " (%s per process)",
		     scanned ? ms[runs / 2] * 1000 / (double)scanned : 0, 2, 1, " us");
	print_i64(d, "runs", ", %s runs\n", runs);
	doc_end(&doc);
	free(kids);
	free(ms);
	free(spawn_s);
	free(runs_s);
	free(thp_s);
	return EXIT_OK;
}
