// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * top_test.c - `hgmctl top` in a real terminal: a tmux pane of 80x24 runs it
 * on a live child with hugetlb and THP mappings; keys go in with send-keys and
 * what is on screen comes back with capture-pane.  Also: the terminal is left
 * as it was found after q, after ^C, and the frame follows a resize.
 *
 * TOP_CAPTURES=DIR saves the capture of each screen there.
 */
#include <stdarg.h>
#include <time.h>

#include "common.h"
#include "live.h"

struct pane {
	char sock[64];
	char last[16384];	/* the last capture */
};

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static bool have_tmux(void)
{
	return sh("tmux -V >/dev/null 2>&1") == 0;
}

/*
 * Starts @args of hgmctl top in a fresh 80x24 pane, inside a shell that says
 * afterwards whether the tty settings came back and how top exited.
 */
static int pane_start(struct pane *p, const char *term, const char *args)
{
	snprintf(p->sock, sizeof(p->sock), "hgmctl-top-test-%d", (int)getpid());
	sh("tmux -L %s kill-server >/dev/null 2>&1", p->sock);
	return sh("tmux -L %s -f /dev/null new-session -d -s top -x 80 -y 24 "
		  "\"env TERM=%s sh -c 'trap : INT; a=\\$(stty -g); timeout --foreground 60 %s top %s; rc=\\$?; "
		  "[ \\\"\\$a\\\" = \\\"\\$(stty -g)\\\" ] && echo TTY-RESTORED || echo TTY-CHANGED; "
		  "echo TOP-EXIT=\\$rc; sleep 30'\"", p->sock, term, hgmctl(), args);
}

static void pane_stop(struct pane *p)
{
	sh("tmux -L %s kill-server >/dev/null 2>&1; rm -f \"${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/%s\"",
	   p->sock, p->sock);
}

static void keys(struct pane *p, const char *k)
{
	sh("tmux -L %s send-keys -t top %s", p->sock, k);
}

static void capture(struct pane *p)
{
	char cmd[256];
	size_t n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "tmux -L %s capture-pane -p -t top", p->sock);
	p->last[0] = '\0';
	f = popen(cmd, "r");
	if (!f)
		return;
	n = fread(p->last, 1, sizeof(p->last) - 1, f);
	p->last[n] = '\0';
	pclose(f);
}

/* Waits up to @ms until the screen shows every one of the NULL-ended strings. */
static bool wait_for(struct pane *p, int ms, ...)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited <= ms; waited += 100) {
		const char *s;
		bool all = true;
		va_list ap;

		capture(p);
		va_start(ap, ms);
		while ((s = va_arg(ap, const char *)))
			if (!strstr(p->last, s))
				all = false;
		va_end(ap);
		if (all)
			return true;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "# screen was:\n%s", p->last);
	return false;
}

static int alternate_on(struct pane *p)
{
	char cmd[256], buf[16] = "";
	FILE *f;

	snprintf(cmd, sizeof(cmd), "tmux -L %s display -p -t top '#{alternate_on}'", p->sock);
	f = popen(cmd, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		buf[0] = '?';
	if (f)
		pclose(f);
	return buf[0] == '0' ? 0 : buf[0] == '1' ? 1 : -1;
}

static void save(struct pane *p, const char *name)
{
	const char *dir = getenv("TOP_CAPTURES");
	char path[512];
	FILE *f;

	if (!dir || !*dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.txt", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(p->last, f);
		fclose(f);
	}
}

/* The line of the screen that starts with @prefix (after blanks), or NULL. */
static const char *line_with(const char *screen, const char *prefix, char *buf, size_t size)
{
	const char *l = screen;

	while (l && *l) {
		const char *e = strchr(l, '\n'), *s = l;
		size_t n = e ? (size_t)(e - l) : strlen(l);

		while (*s == ' ' && s < l + n)
			s++;
		if (strncmp(s, prefix, strlen(prefix)) == 0) {
			snprintf(buf, size, "%.*s", (int)n, l);
			return buf;
		}
		l = e ? e + 1 : NULL;
	}
	return NULL;
}

TEST_F(live, navigates_system_process_pagemap_folio_of_a_live_child)
{
	/* 8M shared hugetlb, seen by the child and its sharer; 16M THP, upper half split */
	const struct layout l = { .hugetlb = 8 * M, .hpage = 2 * M, .shared = true,
				  .share = true, .thp = 16 * M, .split = true };
	char want[128], buf[256], pid[16];
	const char *ln;
	struct placed p;
	struct pane pn;

	NEED_ROOT("reserve hugetlb pages and read PFNs");
	if (!have_tmux())
		SKIP(return, "tmux is not installed (apt-get install tmux)");
	if (pool_make_free(2 * M, 4))
		SKIP(return, "cannot reserve 4 free 2 MiB hugepages");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	self->sharer = p.sharer;
	snprintf(pid, sizeof(pid), "%d", (int)self->child);

	ASSERT_EQ(0, pane_start(&pn, "xterm-256color", "-d 1"));
	/* 1. system: filter on the child's PID, which must be listed with its 8M of hugetlb */
	ASSERT_TRUE(wait_for(&pn, 10000, "hgmctl top: system", "Hugetlb pools", "HUGETLB*",
			     "Enter process", NULL));
	keys(&pn, "/");
	keys(&pn, pid);
	keys(&pn, "Enter");
	snprintf(want, sizeof(want), "%7d top_test", (int)self->child);
	snprintf(buf, sizeof(buf), "filter '%s'", pid);
	ASSERT_TRUE(wait_for(&pn, 10000, want, buf, NULL));
	ln = line_with(pn.last, pid, buf, sizeof(buf));
	ASSERT_NE(NULL, ln);
	EXPECT_NE(NULL, strstr(ln, " 8M "));		/* HUGETLB column */
	save(&pn, "1-system");

	/*
	 * 2. process: its VMAs, the hugetlb one PMD-mapped, the THP halves.  A
	 * process can have more VMAs than lines (sanitizer builds do): "g ADDR"
	 * brings the VMA at ADDR into view.
	 */
	keys(&pn, "Enter");
	snprintf(want, sizeof(want), "system > %d top_test", (int)self->child);
	ASSERT_TRUE(wait_for(&pn, 10000, want, "START", "MAPPED", NULL));
	snprintf(want, sizeof(want), "%" PRIx64, p.thp_addr);
	keys(&pn, "g");
	keys(&pn, want);
	keys(&pn, "Enter");
	ASSERT_TRUE(wait_for(&pn, 10000, want, NULL));
	ln = line_with(pn.last, want, buf, sizeof(buf));
	ASSERT_NE(NULL, ln);
	EXPECT_NE(NULL, strstr(ln, " thp "));
	snprintf(want, sizeof(want), "%" PRIx64, p.hugetlb_addr);
	keys(&pn, "g");
	keys(&pn, want);
	keys(&pn, "Enter");
	ASSERT_TRUE(wait_for(&pn, 10000, want, NULL));
	ln = line_with(pn.last, want, buf, sizeof(buf));
	ASSERT_NE(NULL, ln);
	EXPECT_NE(NULL, strstr(ln, "hugetlb"));
	EXPECT_NE(NULL, strstr(ln, "HHHHHHHHHH"));	/* all of it PMD-mapped */
	save(&pn, "2-process");
	snprintf(want, sizeof(want), "%" PRIx64, p.thp_addr);

	/* 3. page map of the hugetlb VMA: four 2M cells, each mapped by a PMD */
	keys(&pn, "g");
	keys(&pn, want);	/* the THP VMA first: goto must select it */
	keys(&pn, "Enter");
	keys(&pn, "Enter");
	snprintf(want, sizeof(want), "VMA %" PRIx64 "-", p.thp_addr);
	ASSERT_TRUE(wait_for(&pn, 10000, want, "scanned", "PTE-mapped pieces", NULL));
	/*
	 *   thp_addr   +8M: the lower half stays PMD-mapped (its own VMA after MADV_NOHUGEPAGE
	 *   HHHH            split the upper half off)
	 */
	snprintf(want, sizeof(want), "%" PRIx64 " HHHH", p.thp_addr);
	EXPECT_NE(NULL, strstr(pn.last, want));
	keys(&pn, "Escape");
	ASSERT_TRUE(wait_for(&pn, 10000, "Enter page map", NULL));
	snprintf(want, sizeof(want), "%" PRIx64, p.thp_addr + 8 * M);
	keys(&pn, "g");
	keys(&pn, want);
	keys(&pn, "Enter");
	keys(&pn, "Enter");
	snprintf(want, sizeof(want), "%" PRIx64 " pppp", p.thp_addr + 8 * M);
	ASSERT_TRUE(wait_for(&pn, 10000, want, "scanned", NULL));
	keys(&pn, "Escape");
	ASSERT_TRUE(wait_for(&pn, 10000, "Enter page map", NULL));
	snprintf(want, sizeof(want), "%" PRIx64, p.hugetlb_addr);
	keys(&pn, "g");
	keys(&pn, want);
	keys(&pn, "Enter");
	keys(&pn, "Enter");
	snprintf(want, sizeof(want), "VMA %" PRIx64 "-%" PRIx64 " 8M hugetlb, 2M pages",
		 p.hugetlb_addr, p.hugetlb_addr + 8 * M);
	ASSERT_TRUE(wait_for(&pn, 10000, want, "scanned", "G PUD", "X poisoned", NULL));
	snprintf(want, sizeof(want), "%" PRIx64 " HHHH\n", p.hugetlb_addr);
	EXPECT_NE(NULL, strstr(pn.last, want));
	save(&pn, "3-pagemap");

	/* 4. folio of the second cell: a 2M hugetlb folio, mapped by the child and the sharer */
	keys(&pn, "Right");
	keys(&pn, "Enter");
	snprintf(want, sizeof(want), "Address   %" PRIx64 "-%" PRIx64 " (2M) at pmd level",
		 p.hugetlb_addr + 2 * M, p.hugetlb_addr + 4 * M);
	ASSERT_TRUE(wait_for(&pn, 20000, want, "Kind      hugetlb", "Order     9 (2M)",
			     "rmap: 2 mappings", NULL));
	EXPECT_NE(NULL, strstr(pn.last, "huge"));	/* kpageflags */
	snprintf(want, sizeof(want), "%7d top_test", (int)self->child);
	EXPECT_NE(NULL, strstr(pn.last, want));
	snprintf(want, sizeof(want), "%7d top_test", (int)p.sharer);
	EXPECT_NE(NULL, strstr(pn.last, want));
	save(&pn, "4-folio");

	/* back up all the way, then q: the terminal is as it was */
	keys(&pn, "Escape");
	ASSERT_TRUE(wait_for(&pn, 10000, "Enter folio", NULL));
	keys(&pn, "BSpace");
	ASSERT_TRUE(wait_for(&pn, 10000, "Enter page map", NULL));
	keys(&pn, "Escape");
	ASSERT_TRUE(wait_for(&pn, 10000, "Enter process", NULL));
	keys(&pn, "q");
	ASSERT_TRUE(wait_for(&pn, 10000, "TTY-RESTORED", "TOP-EXIT=0", NULL));
	EXPECT_EQ(NULL, strstr(pn.last, "Hugetlb pools"));	/* the frame went with the alternate screen */
	EXPECT_EQ(0, alternate_on(&pn));
	pane_stop(&pn);
}

/* Runs hgmctl with @args; returns its stdout (free it) and sets *@status. */
static char *run(const char *args, int *status)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s %s", hgmctl(), args);
	return jq_read_cmd(cmd, status);
}

/*
 * A recorded tree has no kpageflags: THP mapped by PTEs cannot be told from
 * base pages.  The process screen says "-" for it, as `maps` does, and draws
 * what it cannot tell as '*' (mixed), never as 0 or as base pages.
 *
 *   7f945d800000 16M anon ... 16M  ****************   (split THP or base: unknown)
 */
TEST_F(live, process_screen_shows_unknown_not_zero_without_kpageflags)
{
	char args[400], line[512];
	const char *l;
	char *out;
	int status;

	snprintf(args, sizeof(args), "--root %s/tree-host top --once -w 132 4242", FIXTURES_DIR);
	out = run(args, &status);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, status);
	l = line_with(out, "hugetlb ", line, sizeof(line));
	ASSERT_NE(NULL, l);
	EXPECT_NE(NULL, strstr(l, "THP 16M PMD - PTE")) TH_LOG("summary: %s", l);
	l = line_with(out, "7f945d800000", line, sizeof(line));
	ASSERT_NE(NULL, l);
	EXPECT_NE(NULL, strstr(l, " - ")) TH_LOG("row: %s", l);
	EXPECT_EQ(NULL, strstr(l, "bbbb")) TH_LOG("row: %s", l);
	EXPECT_NE(NULL, strstr(l, "****")) TH_LOG("row: %s", l);
	free(out);
}

TEST_F(live, once_prints_the_pagemap_and_folio_frames_of_a_live_child)
{
	const struct layout l = { .hugetlb = 8 * M, .hpage = 2 * M, .shared = true,
				  .thp = 16 * M, .split = true };
	char args[128], want[128];
	struct placed p;
	char *out;
	int status;

	NEED_ROOT("reserve hugetlb pages and read PFNs");
	if (pool_make_free(2 * M, 4))
		SKIP(return, "cannot reserve 4 free 2 MiB hugepages");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);

	/* without --vma/--addr the page map is of the first hugetlb VMA */
	snprintf(args, sizeof(args), "top --once --screen pagemap %d", (int)self->child);
	out = run(args, &status);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, status);
	snprintf(want, sizeof(want), "\n%" PRIx64 " HHHH\n", p.hugetlb_addr);
	EXPECT_NE(NULL, strstr(out, want));
	EXPECT_NE(NULL, strstr(out, "G PUD  H PMD"));
	free(out);

	/*
	 *   thp_addr         +8M              +16M
	 *   HHHH             pppp        (upper half split to PTEs)
	 */
	snprintf(args, sizeof(args), "top --once --screen pagemap --addr %" PRIx64 " %d",
		 p.thp_addr + 8 * M, (int)self->child);
	out = run(args, &status);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, status);
	snprintf(want, sizeof(want), "\n%" PRIx64 " pppp\n", p.thp_addr + 8 * M);
	EXPECT_NE(NULL, strstr(out, want));
	free(out);

	/* the folio of a split THP: order 9, mapped at pte level, by the child only */
	snprintf(args, sizeof(args), "top --once --screen folio --addr %" PRIx64 " %d",
		 p.thp_addr + 8 * M + 4096, (int)self->child);
	out = run(args, &status);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, status);
	EXPECT_NE(NULL, strstr(out, "Kind      thp"));
	EXPECT_NE(NULL, strstr(out, "Order     9 (2M)"));
	EXPECT_NE(NULL, strstr(out, "at pte level"));
	snprintf(want, sizeof(want), "%7d top_test", (int)self->child);
	EXPECT_NE(NULL, strstr(out, want));
	free(out);
}

TEST_F(live, interrupt_restores_the_terminal_and_dies_of_sigint)
{
	struct pane pn;

	if (!have_tmux())
		SKIP(return, "tmux is not installed (apt-get install tmux)");
	ASSERT_EQ(0, pane_start(&pn, "xterm-256color", ""));
	ASSERT_TRUE(wait_for(&pn, 10000, "hgmctl top: system", "Enter process", NULL));
	EXPECT_EQ(1, alternate_on(&pn));
	keys(&pn, "C-c");
	/* 128 + SIGINT: the shell sees top die of the signal, after it put the tty back */
	ASSERT_TRUE(wait_for(&pn, 10000, "TTY-RESTORED", "TOP-EXIT=130", NULL));
	EXPECT_EQ(0, alternate_on(&pn));
	pane_stop(&pn);
}

TEST_F(live, unknown_terminal_fails_with_a_message_and_leaves_the_tty_alone)
{
	struct pane pn;

	if (!have_tmux())
		SKIP(return, "tmux is not installed (apt-get install tmux)");
	ASSERT_EQ(0, pane_start(&pn, "no-such-terminal", ""));
	/* the message is written while stderr is held, and shown once the tty is back */
	ASSERT_TRUE(wait_for(&pn, 10000, "no-such-terminal", "TTY-RESTORED", "TOP-EXIT=1", NULL));
	EXPECT_EQ(0, alternate_on(&pn));
	pane_stop(&pn);
}

/*
 * A child with @len of THP whose PMD mappings are all split to PTEs, in a VMA
 * that (unlike live.h's layouts) stays eligible for MADV_COLLAPSE.
 */
static pid_t spawn_split_thp(uint64_t len, uint64_t *addr)
{
	int fd;
	pid_t pid = fork_reporter(&fd);

	*addr = 0;
	if (pid == 0) {
		char *a;
		uint64_t where = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		a = thp_map(len, 2 * M, true);
		if (a != MAP_FAILED) {
			thp_split_pmds(a, len, 2 * M);
			where = (uintptr_t)a;
		}
		if (write(fd, &where, sizeof(where)) != sizeof(where))
			_exit(1);
		for (;;)
			pause();
	}
	if (pid < 0 || read_report(fd, addr, sizeof(*addr)))
		*addr = 0;
	return pid;
}

TEST_F(live, collapse_in_the_page_map_maps_the_split_thp_by_pmds_again)
{
	char want[160], addr[32], pid[16];
	struct pane pn;
	uint64_t a;

	if (!have_tmux())
		SKIP(return, "tmux is not installed (apt-get install tmux)");
	self->child = spawn_split_thp(8 * M, &a);
	ASSERT_LT(0, self->child);
	ASSERT_NE(0, a);
	snprintf(pid, sizeof(pid), "%d", (int)self->child);
	snprintf(addr, sizeof(addr), "%" PRIx64, a);
	ASSERT_EQ(0, pane_start(&pn, "xterm-256color", pid));
	ASSERT_TRUE(wait_for(&pn, 10000, "Enter page map", "MAPPED", NULL));
	keys(&pn, "g");
	keys(&pn, addr);
	keys(&pn, "Enter");
	keys(&pn, "Enter");
	snprintf(want, sizeof(want), "VMA %s-", addr);
	ASSERT_TRUE(wait_for(&pn, 10000, want, "scanned", NULL));
	snprintf(want, sizeof(want), "%s pppp\n", addr);
	if (!strstr(pn.last, want))
		SKIP(pane_stop(&pn); return, "no PTE-mapped THP to collapse (THP off, or khugepaged was first)");
	/* mark the four cells, c, and the question must name the whole 8M */
	keys(&pn, "v");
	keys(&pn, "Right Right Right");
	keys(&pn, "c");
	snprintf(want, sizeof(want), "MADV_COLLAPSE %s-%" PRIx64 " (8M) of process %s? [y/N]", addr,
		 a + 8 * M, pid);
	ASSERT_TRUE(wait_for(&pn, 10000, want, NULL));
	keys(&pn, "y");
	/*
	 *   a          +8M           a          +8M
	 *   pppp    ->  HHHH          (the refresh after the collapse shows it)
	 */
	snprintf(want, sizeof(want), "collapse %s-%" PRIx64 " (8M): ok", addr, a + 8 * M);
	ASSERT_TRUE(wait_for(&pn, 10000, want, NULL));
	snprintf(want, sizeof(want), "%s HHHH\n", addr);
	ASSERT_TRUE(wait_for(&pn, 10000, want, NULL));
	save(&pn, "5-after-collapse");
	keys(&pn, "q");
	ASSERT_TRUE(wait_for(&pn, 10000, "TTY-RESTORED", "TOP-EXIT=0", NULL));
	pane_stop(&pn);
}

/* Line @n (from 0) of the last capture starts with @prefix. */
static bool line_is(const struct pane *p, int n, const char *prefix)
{
	const char *s = p->last;

	while (n-- > 0 && s)
		if ((s = strchr(s, '\n')))
			s++;
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

TEST_F(live, resize_redraws_the_frame_at_the_new_size)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	struct pane pn;
	int waited;

	if (!have_tmux())
		SKIP(return, "tmux is not installed (apt-get install tmux)");
	/* vt100 has no colours (nor an alternate screen): the view must work without them */
	ASSERT_EQ(0, pane_start(&pn, "vt100", ""));
	ASSERT_TRUE(wait_for(&pn, 10000, "Enter process", NULL));
	EXPECT_TRUE(line_is(&pn, 22, "Enter process"));		/* 24 lines: help on 23 */
	sh("tmux -L %s resize-window -t top -x 100 -y 30", pn.sock);
	/* after SIGWINCH the help line moves to line 29 of 30 */
	for (waited = 0; waited < 10000 && !line_is(&pn, 28, "Enter process"); waited += 100) {
		nanosleep(&ts, NULL);
		capture(&pn);
	}
	EXPECT_TRUE(line_is(&pn, 28, "Enter process"));
	keys(&pn, "q");
	ASSERT_TRUE(wait_for(&pn, 10000, "TTY-RESTORED", "TOP-EXIT=0", NULL));
	pane_stop(&pn);
}

/*
 * A usage error of top (here a column: top prints no table) exits 2 before
 * the view starts, so the keys that would collapse the split THP (as in the
 * test above) reach no view, and the target stays as it was.
 */
TEST_F(live, usage_error_exits_2_before_the_view_can_collapse_anything)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	char path[64], addr[32], args[64];
	uint64_t a, before, after;
	struct pane pn;
	int waited;

	if (!have_tmux())
		SKIP(return, "tmux is not installed (apt-get install tmux)");
	self->child = spawn_split_thp(8 * M, &a);
	ASSERT_LT(0, self->child);
	ASSERT_NE(0, a);
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)self->child);
	before = smaps_sum(path, "AnonHugePages");
	if (before >= 8 * M)
		SKIP(return, "khugepaged collapsed the THPs before the test could");
	snprintf(addr, sizeof(addr), "%" PRIx64, a);
	snprintf(args, sizeof(args), "-o FOO %d", (int)self->child);
	ASSERT_EQ(0, pane_start(&pn, "xterm-256color", args));
	for (waited = 0; waited < 10000; waited += 100) {
		capture(&pn);
		if (strstr(pn.last, "TOP-EXIT=") || strstr(pn.last, "Enter page map"))
			break;
		nanosleep(&ts, NULL);
	}
	/* the key script of the collapse test, for a view that should not be there */
	if (strstr(pn.last, "Enter page map")) {
		keys(&pn, "g");
		keys(&pn, addr);
		keys(&pn, "Enter");
		keys(&pn, "Enter");
		wait_for(&pn, 10000, "scanned", NULL);
		keys(&pn, "v");
		keys(&pn, "Right Right Right");
		keys(&pn, "c");
		wait_for(&pn, 10000, "[y/N]", NULL);
		keys(&pn, "y");
		wait_for(&pn, 10000, "(8M): ok", NULL);
		keys(&pn, "q");
	}
	EXPECT_TRUE(wait_for(&pn, 10000, "TOP-EXIT=2", NULL));
	pane_stop(&pn);
	after = smaps_sum(path, "AnonHugePages");
	EXPECT_EQ(before, after) TH_LOG("AnonHugePages %" PRIu64 "K -> %" PRIu64 "K",
					before / K, after / K);
}

/* bench top --json: one document of the figures its text prints (it printed the text before). */
TEST_F(live, bench_top_json_is_one_document_of_its_figures)
{
	double median, max;
	int status;

	self->json = hgmctl_json("bench top --va 1G --thp 16M --json", &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	EXPECT_EQ(1 * G, u64_at(self->json, "vma_size"));
	EXPECT_EQ(16 * M, u64_at(self->json, "thp"));
	EXPECT_EQ(5, u64_at(self->json, "runs"));
	/* 21 zooms by 8 cursor positions */
	EXPECT_EQ(168, u64_at(self->json, "frames.count"));
	EXPECT_EQ(20, u64_at(self->json, "frames.max_zoom"));
	/* a 1G VMA is at least 512 cells of 2M */
	EXPECT_GE(u64_at(self->json, "pagemap_scan.cells"), 512);
	EXPECT_EQ(JQ_NUMBER, jq_type(jq_get(self->json, "process_screen_ms.best")));
	ASSERT_EQ(0, jq_double(jq_get(self->json, "frames.median_ms"), &median));
	ASSERT_EQ(0, jq_double(jq_get(self->json, "frames.max_ms"), &max));
	EXPECT_LE(median, max);
}

TEST_HARNESS_MAIN
