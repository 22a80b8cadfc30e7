// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * restore_test.c - the commands that grow a hugetlb pool for their own
 * workload (demo, postcopy, bench) put it back on every exit path: a late
 * usage error, SIGPIPE, SIGQUIT, SIGKILL and Ctrl-C (hgmctl(8), RESTORING
 * THE POOLS); they refuse sizes that do not fit memory before changing
 * anything; and they answer SIGINT within a second, however slow the link.
 *
 * Each test empties the free pages of the 2 MiB pool first, so that the
 * command must grow it, and compares nr_hugepages of every size, system-wide
 * and per node, before and after (printed as TAP diagnostics).  The fixture
 * is a child subreaper: whatever hgmctl leaves running when it dies (its
 * guard, its workload) comes back to the test, which waits for all of it
 * before it reads the pools.
 */
#include <poll.h>
#include <sys/resource.h>
#include <time.h>

#include "live.h"

#define MAX_POOLS 32

struct pools {
	int n;
	char name[MAX_POOLS][48];
	uint64_t nr[MAX_POOLS];
};

/* nr_hugepages of every size, system-wide and on every node. */
static void pools_read(struct pools *p)
{
	static const char *const sizes[] = { "2048kB", "1048576kB" };
	char path[256];
	int s, node;

	p->n = 0;
	for (s = 0; s < 2; s++) {
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%s/nr_hugepages",
			 sizes[s]);
		if (p->n < MAX_POOLS && read_u64(path, &p->nr[p->n]) == 0)
			snprintf(p->name[p->n++], sizeof(p->name[0]), "%s", sizes[s]);
		for (node = 0; node < 64 && p->n < MAX_POOLS; node++) {
			snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/hugepages/"
				 "hugepages-%s/nr_hugepages", node, sizes[s]);
			if (read_u64(path, &p->nr[p->n]) == 0)
				snprintf(p->name[p->n++], sizeof(p->name[0]), "%s node%d", sizes[s],
					 node);
		}
	}
}

static void pools_print(const char *when, const struct pools *p)
{
	char line[1024];
	size_t len = 0;
	int i;

	line[0] = '\0';
	for (i = 0; i < p->n && len < sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - len, "%s%s=%" PRIu64, i ? ", " : "",
				p->name[i], p->nr[i]);
	printf("# nr_hugepages %s: %s\n", when, line);
}

/* 0 when @a and @b hold the same counts. */
static int pools_cmp(const struct pools *a, const struct pools *b)
{
	int i;

	if (a->n != b->n)
		return -1;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->name[i], b->name[i]) || a->nr[i] != b->nr[i])
			return -1;
	return 0;
}

/* Takes the free pages out of the 2 MiB pool, so that a command must grow it. */
static int pool_no_free(void)
{
	char nr[256], fr[256];
	uint64_t total, free_;

	pool_path(nr, sizeof(nr), 2 * M, "nr_hugepages");
	pool_path(fr, sizeof(fr), 2 * M, "free_hugepages");
	if (read_u64(nr, &total) || read_u64(fr, &free_))
		return -1;
	return write_u64(nr, total - free_);
}

static uint64_t pool_2m(void)
{
	char nr[256];
	uint64_t v = 0;

	pool_path(nr, sizeof(nr), 2 * M, "nr_hugepages");
	read_u64(nr, &v);
	return v;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Starts hgmctl with @argv (NULL-ended, argv[0] "hgmctl"), stdin from
 * /dev/null, stdout to @out and stderr to @err (-1: /dev/null), no core dumps.
 */
static pid_t start(char *const argv[], int out, int err)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		int null = open("/dev/null", O_RDWR);

		setrlimit(RLIMIT_CORE, &no_core);
		dup2(null, 0);
		dup2(out >= 0 ? out : null, 1);
		dup2(err >= 0 ? err : null, 2);
		execv(hgmctl(), argv);
		_exit(127);
	}
	return pid;
}

/*
 * Reads @fd until a line holds @needle or @secs pass; returns 0 when it did.
 * What it read (its tail) is left in @buf when @buf is not NULL.
 */
static int wait_for_into(int fd, const char *needle, double secs, char *out, size_t size)
{
	char buf[8192];
	size_t len = 0;
	int ret = -1;
	double end = mono_s() + secs;

	buf[0] = '\0';
	while (mono_s() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		if (len > sizeof(buf) / 2) {	/* keep the tail, where a line may be cut */
			memmove(buf, buf + len - 256, 256);
			len = 256;
		}
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, needle)) {
			ret = 0;
			break;
		}
	}
	if (out)
		snprintf(out, size, "%s", buf);
	return ret;
}

static int wait_for(int fd, const char *needle, double secs)
{
	return wait_for_into(fd, needle, secs, NULL, 0);
}

/* Waits until the 2 MiB pool holds more than @than pages; 0 when it did. */
static int wait_grown(uint64_t than, double secs)
{
	double end = mono_s() + secs;

	while (mono_s() < end) {
		if (pool_2m() > than)
			return 0;
		usleep(10000);
	}
	return -1;
}

/* Kills the children of this (single-threaded) test process, as /proc lists them. */
static void kill_children(void)
{
	char path[64];
	int pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	f = fopen(path, "r");
	if (!f)
		return;
	while (fscanf(f, "%d", &pid) == 1)
		kill(pid, SIGKILL);
	fclose(f);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

/*
 * Waits for every process left to us (we are a subreaper): what hgmctl
 * started comes back here when it dies.  Returns 0, or -1 if some still ran
 * after @secs (they are killed then).
 */
static int reap_all(double secs)
{
	double end = mono_s() + secs;

	for (;;) {
		pid_t p = waitpid(-1, NULL, WNOHANG);

		if (p < 0 && errno == ECHILD)
			return 0;
		if (p > 0)
			continue;
		if (mono_s() > end) {
			kill_children();
			return -1;
		}
		usleep(10000);
	}
}

/* Waits for @pid for at most @secs; its wait status, or -1 (then it is killed). */
static int wait_pid(pid_t pid, double secs, double *took)
{
	double t0 = mono_s();
	int status;

	while (mono_s() - t0 < secs) {
		pid_t p = waitpid(pid, &status, WNOHANG);

		if (p == pid) {
			if (took)
				*took = mono_s() - t0;
			return status;
		}
		usleep(2000);
	}
	if (took)
		*took = mono_s() - t0;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

enum how { BY_EXIT, BY_SIGNAL, BY_PIPE_OUT, BY_PIPE_ERR };

/*
 * Runs @argv on an emptied 2 MiB pool to its end (BY_EXIT); or once the
 * pool has grown (and, if @marker, stderr says it), sends @sig (BY_SIGNAL); or gives it a stdout
 * (BY_PIPE_OUT) or stderr (BY_PIPE_ERR) whose reader is gone.  Returns the
 * wait status; *@took is the time from the signal to its end.
 */
static int run_and_end(struct __test_metadata *_metadata, char *const argv[], enum how how,
		       int sig, const char *marker, double *took, struct pools *before,
		       struct pools *after)
{
	int errp[2], deadp[2], status;
	uint64_t base;
	pid_t pid;

	if (pool_no_free())
		return -2;
	base = pool_2m();
	pools_read(before);
	pools_print("before", before);
	if (pipe(errp) || pipe(deadp))
		return -2;
	close(deadp[0]);	/* a pipe nobody reads: the first write is SIGPIPE */
	pid = start(argv, how == BY_PIPE_OUT ? deadp[1] : -1,
		    how == BY_PIPE_ERR ? deadp[1] : errp[1]);
	close(errp[1]);
	close(deadp[1]);
	if (pid < 0)
		return -2;
	if (how == BY_SIGNAL) {
		if (wait_grown(base, 20) == 0 && (!marker || wait_for(errp[0], marker, 20) == 0)) {
			kill(pid, sig);
		} else {
			printf("# the pool did not grow, or stderr never said '%s'\n",
			       marker ? marker : "");
		}
	}
	status = wait_pid(pid, 30, took);
	close(errp[0]);
	EXPECT_EQ(0, reap_all(30));
	pools_read(after);
	pools_print("after", after);
	return status;
}

#define HG(...) ((char *const[]){ "hgmctl", __VA_ARGS__, NULL })

static const char *sig_name(int status)
{
	static char buf[64];

	if (status < 0)
		return "still running: killed";
	if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by %s", strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(status));
	return buf;
}

#define CHECK_RESTORED(argv, how, sig, marker) do { \
	struct pools before, after; \
	int st; \
	NEED_ROOT("let the command grow the hugetlb pool"); \
	st = run_and_end(_metadata, argv, how, sig, marker, NULL, &before, &after); \
	if (st == -2) \
		SKIP(return, "cannot empty the 2 MiB pool or start hgmctl"); \
	printf("# hgmctl: %s\n", sig_name(st)); \
	EXPECT_EQ(0, pools_cmp(&before, &after)); \
} while (0)

/* ---- demo ---------------------------------------------------------------------- */

TEST_F_TIMEOUT(live, demo_late_usage_error_restores_the_pool, 180)
{
	CHECK_RESTORED(HG("-o", "FOO", "demo", "--hugetlb", "8M", "--thp", "0"), BY_EXIT, 0, NULL);
}

TEST_F_TIMEOUT(live, demo_sigpipe_restores_the_pool, 180)
{
	CHECK_RESTORED(HG("demo", "--hugetlb", "8M", "--thp", "0", "--hold"), BY_PIPE_OUT, 0,
		       NULL);
}

TEST_F_TIMEOUT(live, demo_sigquit_restores_the_pool, 180)
{
	CHECK_RESTORED(HG("demo", "--hugetlb", "8M", "--thp", "0", "--hold"), BY_SIGNAL, SIGQUIT,
		       "holding");
}

TEST_F_TIMEOUT(live, demo_sigkill_restores_the_pool, 180)
{
	CHECK_RESTORED(HG("demo", "--hugetlb", "8M", "--thp", "0", "--hold"), BY_SIGNAL, SIGKILL,
		       "holding");
}

/* ---- postcopy: 8M at 20 Mbit/s is a run of 3.4 s, -v shows progress at once ---------- */

#define POSTCOPY HG("postcopy", "-v", "--size", "8M", "--bandwidth", "20Mbit")

TEST_F_TIMEOUT(live, postcopy_sigpipe_restores_the_pool, 180)
{
	CHECK_RESTORED(POSTCOPY, BY_PIPE_ERR, 0, NULL);
}

TEST_F_TIMEOUT(live, postcopy_sigquit_restores_the_pool, 180)
{
	CHECK_RESTORED(POSTCOPY, BY_SIGNAL, SIGQUIT, "present");
}

TEST_F_TIMEOUT(live, postcopy_sigkill_restores_the_pool, 180)
{
	CHECK_RESTORED(POSTCOPY, BY_SIGNAL, SIGKILL, "present");
}

/* ---- bench: many runs, so that it is still at work when the signal comes --------- */

#define BENCH_SCAN HG("bench", "scan", "-v", "--hugetlb", "8M", "--thp", "8M", "--runs", "100000")

TEST_F_TIMEOUT(live, bench_scan_sigpipe_restores_the_pool, 180)
{
	CHECK_RESTORED(BENCH_SCAN, BY_PIPE_ERR, 0, NULL);
}

TEST_F_TIMEOUT(live, bench_scan_sigquit_restores_the_pool, 180)
{
	CHECK_RESTORED(BENCH_SCAN, BY_SIGNAL, SIGQUIT, NULL);
}

TEST_F_TIMEOUT(live, bench_scan_sigkill_restores_the_pool, 180)
{
	CHECK_RESTORED(BENCH_SCAN, BY_SIGNAL, SIGKILL, NULL);
}

TEST_F_TIMEOUT(live, bench_postcopy_sigkill_restores_the_pool, 180)
{
	CHECK_RESTORED(HG("bench", "postcopy", "-v", "--size", "8M", "--bandwidth", "20Mbit"),
		       BY_SIGNAL, SIGKILL, "present");
}

/* ---- the pool lock ------------------------------------------------------------ */

/*
 * The test holds HGM_POOL_LOCK; a demo that does not inherit it must wait
 * before it grows the pool, say so, and let Ctrl-C end the wait.
 */
TEST_F_TIMEOUT(live, demo_waits_for_the_pool_lock_and_says_so, 180)
{
	struct pools before, after;
	char msg[1024] = "";
	int errp[2], st;
	double took;
	pid_t pid;

	NEED_ROOT("let demo grow the hugetlb pool");
	if (self->lock < 0)
		SKIP(return, "the fixture could not take %s", HOST_TEST_LOCK);
	ASSERT_EQ(0, pool_no_free());
	pools_read(&before);
	pools_print("before", &before);
	ASSERT_EQ(0, pipe(errp));
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(self->lock);	/* another run's, then: not ours */
		dup2(errp[1], 2);
		execl(hgmctl(), "hgmctl", "demo", "--hugetlb", "8M", "--thp", "0", (char *)NULL);
		_exit(127);
	}
	close(errp[1]);
	self->child = pid;
	EXPECT_EQ(0, wait_for_into(errp[0], "waiting for", 10, msg, sizeof(msg)));
	msg[strcspn(msg, "\n")] = '\0';
	printf("# %s\n", msg);
	pools_read(&after);
	EXPECT_EQ(0, pools_cmp(&before, &after));	/* nothing changed while it waits */
	kill(pid, SIGINT);
	st = wait_pid(pid, 30, &took);
	self->child = 0;
	close(errp[0]);
	printf("# SIGINT answered in %.3f s (%s)\n", took, sig_name(st));
	EXPECT_LT(took, 2.0);
	EXPECT_EQ(0, reap_all(30));
	pools_read(&after);
	pools_print("after", &after);
	EXPECT_EQ(0, pools_cmp(&before, &after));
}

/* ---- sizes that cannot fit: refused before anything changes --------------------- */

/* Runs @argv on an emptied pool; expects exit @want, a message with @needle, and no change. */
static void refused(struct __test_metadata *_metadata, char *const argv[], int want,
		    const char *needle)
{
	struct pools before, after;
	char msg[4096];
	ssize_t n, len = 0;
	int errp[2], st;
	pid_t pid;

	ASSERT_EQ(0, pool_no_free());
	pools_read(&before);
	pools_print("before", &before);
	ASSERT_EQ(0, pipe(errp));
	pid = start(argv, -1, errp[1]);
	close(errp[1]);
	while (len < (ssize_t)sizeof(msg) - 1 &&
	       (n = read(errp[0], msg + len, sizeof(msg) - 1 - len)) > 0)
		len += n;
	msg[len] = '\0';
	close(errp[0]);
	st = wait_pid(pid, 120, NULL);
	EXPECT_EQ(0, reap_all(30));
	pools_read(&after);
	pools_print("after", &after);
	printf("# hgmctl: %s: %s", sig_name(st), msg);
	EXPECT_EQ(0, pools_cmp(&before, &after));
	ASSERT_TRUE(st >= 0 && WIFEXITED(st));
	EXPECT_EQ(want, WEXITSTATUS(st));
	EXPECT_NE(NULL, strstr(msg, needle));
}

TEST_F_TIMEOUT(live, demo_larger_than_memory_is_a_usage_error, 180)
{
	NEED_ROOT("let demo grow the hugetlb pool");
	refused(_metadata, HG("demo", "--hugetlb", "100T", "--thp", "0"), 2, "MemTotal");
}

TEST_F_TIMEOUT(live, postcopy_larger_than_memory_is_a_usage_error, 180)
{
	NEED_ROOT("let postcopy grow the hugetlb pool");
	refused(_metadata, HG("postcopy", "--size", "100T"), 2, "MemTotal");
}

TEST_F_TIMEOUT(live, postcopy_shmem_larger_than_memory_is_a_usage_error, 180)
{
	NEED_ROOT("compare with the caller's memory");
	refused(_metadata, HG("postcopy", "--shmem", "--size", "100T"), 2, "MemTotal");
}

/*
 * Nearly all of MemTotal: less than what is available with the margin kept
 * free, on any machine that runs anything; exit 1, as it depends on the
 * moment, not on the command line.
 */
TEST_F_TIMEOUT(live, demo_beyond_available_memory_is_refused, 180)
{
	char size[32];

	NEED_ROOT("let demo grow the hugetlb pool");
	snprintf(size, sizeof(size), "%" PRIu64 "M", meminfo("MemTotal") / M / 2 * 2 - 2);
	refused(_metadata, HG("demo", "--hugetlb", size, "--thp", "0"), 1, "MemAvailable");
}

/* ---- Ctrl-C within a second --------------------------------------------------- */

static void interrupt_latency(struct __test_metadata *_metadata, char *const argv[],
			      const char *marker)
{
	struct pools before, after;
	double took = 0;
	int st;

	st = run_and_end(_metadata, argv, BY_SIGNAL, SIGINT, marker, &took, &before, &after);
	if (st == -2)
		SKIP(return, "cannot empty the 2 MiB pool or start hgmctl");
	printf("# SIGINT answered in %.3f s (%s)\n", took, sig_name(st));
	EXPECT_EQ(0, pools_cmp(&before, &after));
	/* normal is well under 0.2 s: the bound is generous, never a measurement */
	EXPECT_GE(st, 0);
	EXPECT_LT(took, 2.0);
}

/*
 * The slowest link postcopy accepts for 2 MiB units: one unit in 4 s
 * (hgmctl(8), postcopy --bandwidth); 5 Mbit/s is just above.
 */
TEST_F_TIMEOUT(live, postcopy_answers_sigint_within_a_second_on_the_slowest_link, 180)
{
	NEED_ROOT("let postcopy grow the hugetlb pool");
	interrupt_latency(_metadata, HG("postcopy", "-v", "--size", "8M", "--bandwidth", "5Mbit"),
			  "present");
}

/* 1 Mbit/s would take 16.7 s per 2 MiB unit: refused, or answered at once. */
TEST_F_TIMEOUT(live, postcopy_at_1mbit_is_refused_or_interruptible, 180)
{
	char msg[1024] = "";
	int errp[2], st;
	double took;
	pid_t pid;

	NEED_ROOT("let postcopy grow the hugetlb pool");
	ASSERT_EQ(0, pool_no_free());
	ASSERT_EQ(0, pipe(errp));
	pid = start(HG("postcopy", "-v", "--size", "8M", "--bandwidth", "1Mbit"), -1, errp[1]);
	close(errp[1]);
	if (wait_for_into(errp[0], "present", 10, msg, sizeof(msg)) == 0) {
		kill(pid, SIGINT);
		st = wait_pid(pid, 60, &took);
		printf("# ran; SIGINT answered in %.3f s (%s)\n", took, sig_name(st));
		EXPECT_LT(took, 2.0);
	} else {
		st = wait_pid(pid, 60, NULL);
		printf("# refused: %s: %s", sig_name(st), msg);
		ASSERT_TRUE(st >= 0 && WIFEXITED(st));
		EXPECT_EQ(2, WEXITSTATUS(st));
		EXPECT_NE(NULL, strstr(msg, "--bandwidth"));
	}
	close(errp[0]);
	EXPECT_EQ(0, reap_all(30));
}

/* 4K units (shmem: minor faults at 4K without HGM) at 1 Mbit/s: 33 ms per unit, 2.1 s per batch */
TEST_F_TIMEOUT(live, postcopy_at_1mbit_in_4k_units_answers_sigint_within_a_second, 180)
{
	char msg[1024] = "";
	int errp[2], st;
	double took;
	pid_t pid;

	NEED_ROOT("compare with the other postcopy runs");
	ASSERT_EQ(0, pipe(errp));
	pid = start(HG("postcopy", "-v", "--shmem", "--granularity", "4K", "--size", "8M",
		       "--bandwidth", "1Mbit"), -1, errp[1]);
	close(errp[1]);
	if (wait_for_into(errp[0], "present", 10, msg, sizeof(msg))) {
		wait_pid(pid, 10, NULL);
		close(errp[0]);
		if (strstr(msg, "lacks minor faults") || strstr(msg, "not allowed"))
			SKIP(return, "%s", msg);
		printf("# postcopy did not run: %s", msg);
		ASSERT_TRUE(false);
	}
	usleep(500000);		/* faults in flight, the stream's batch on the wire */
	kill(pid, SIGINT);
	st = wait_pid(pid, 60, &took);
	close(errp[0]);
	printf("# SIGINT answered in %.3f s (%s)\n", took, sig_name(st));
	EXPECT_LT(took, 2.0);
	EXPECT_EQ(0, reap_all(30));
}

TEST_F_TIMEOUT(live, bench_scan_answers_sigint_within_a_second, 180)
{
	NEED_ROOT("let bench scan grow the hugetlb pool");
	interrupt_latency(_metadata, BENCH_SCAN, NULL);
}

TEST_HARNESS_MAIN
