// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * thp_test.c - `hgmctl thp` against the live kernel: settings written, read
 * back from /sys, refused before any write without privilege, untouched by a
 * dry run, and put back when a later write fails.
 *
 * The fixture holds HOST_TEST_LOCK and saves every setting a test may touch;
 * its teardown writes each one back, whatever the test did.
 */
#include "live.h"

#define THP "/sys/kernel/mm/transparent_hugepage/"

static const char *const touched[] = {
	"shmem_enabled", "khugepaged/pages_to_scan", "khugepaged/scan_sleep_millisecs",
	"hugepages-16kB/enabled", "hugepages-32kB/enabled", "hugepages-64kB/enabled",
	"hugepages-64kB/shmem_enabled",
};
#define NTOUCHED (sizeof(touched) / sizeof(touched[0]))

/* The selected word ("[madvise]") or the number of setting @name; "" if absent. */
static void setting(const char *name, char *out, size_t size)
{
	char path[256], buf[256] = "", *a, *b;
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), THP "%s", name);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a && b) {
		*b = '\0';
		snprintf(out, size, "%s", a + 1);
	} else {
		snprintf(out, size, "%s", buf);
	}
}

/* Writes @value to setting @name: 0, or -1. */
static int set(const char *name, const char *value)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), THP "%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fprintf(f, "%s\n", value) > 0;
	ok &= fclose(f) == 0;
	return ok ? 0 : -1;
}

FIXTURE(thp) {
	char saved[NTOUCHED][64];
	int lock;
	pid_t child;
};

FIXTURE_SETUP(thp)
{
	size_t i;

	self->child = 0;
	self->lock = -1;
	if (access(THP "khugepaged/pages_to_scan", F_OK))
		SKIP(return, "no THP in this kernel (no " THP ")");
	self->lock = open(HOST_TEST_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (self->lock >= 0)
		flock(self->lock, LOCK_EX);
	for (i = 0; i < NTOUCHED; i++)
		setting(touched[i], self->saved[i], sizeof(self->saved[i]));
}

FIXTURE_TEARDOWN(thp)
{
	char now[64];
	size_t i;

	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	/* the global shmem mode last: mTHP shmem "inherit" may need it not to be "force" */
	for (i = NTOUCHED; i-- > 0; ) {
		if (!self->saved[i][0])
			continue;
		setting(touched[i], now, sizeof(now));
		if (strcmp(now, self->saved[i]))
			set(touched[i], self->saved[i]);
	}
	for (i = 0; i < NTOUCHED; i++) {
		if (!self->saved[i][0])
			continue;
		setting(touched[i], now, sizeof(now));
		if (strcmp(now, self->saved[i]))
			set(touched[i], self->saved[i]);
		EXPECT_STREQ(self->saved[i], now) TH_LOG("%s not restored", touched[i]);
	}
	if (self->lock >= 0)
		close(self->lock);
}

/* A value of pages_to_scan other than the current one, as text. */
static void other_count(char *out, size_t size)
{
	char cur[64];

	setting("khugepaged/pages_to_scan", cur, sizeof(cur));
	snprintf(out, size, "%llu", strtoull(cur, NULL, 10) == 4096 ? 4095ULL : 4096ULL);
}

TEST_F(thp, khugepaged_and_mthp_settings_land_and_read_back)
{
	char count[32], args[256], out[4096], now[64];
	const char *mode;

	NEED_ROOT("write THP settings");
	if (access(THP "hugepages-64kB/enabled", W_OK))
		SKIP(return, "no writable 64K mTHP setting");
	other_count(count, sizeof(count));
	setting("hugepages-64kB/enabled", now, sizeof(now));
	mode = strcmp(now, "never") ? "never" : "madvise";
	snprintf(args, sizeof(args), "thp --khugepaged pages_to_scan=%s --size 64K=%s", count, mode);
	ASSERT_EQ(0, hgmctl_text(args, out, sizeof(out))) TH_LOG("%s", out);
	setting("khugepaged/pages_to_scan", now, sizeof(now));
	EXPECT_STREQ(count, now);
	setting("hugepages-64kB/enabled", now, sizeof(now));
	EXPECT_STREQ(mode, now);
	EXPECT_NE(NULL, strstr(out, "hugepages-64kB/enabled")) TH_LOG("%s", out);

	/* and back, through hgmctl too, verified the same way */
	snprintf(args, sizeof(args), "thp --khugepaged pages_to_scan=%s --size 64K=%s --json",
		 self->saved[1], self->saved[5]);
	ASSERT_EQ(0, hgmctl_text(args, out, sizeof(out))) TH_LOG("%s", out);
	setting("khugepaged/pages_to_scan", now, sizeof(now));
	EXPECT_STREQ(self->saved[1], now);
	setting("hugepages-64kB/enabled", now, sizeof(now));
	EXPECT_STREQ(self->saved[5], now);
}

TEST_F(thp, without_root_it_is_refused_before_any_write)
{
	char count[32], arg[64], out[2048] = "", now[64];
	int status;

	NEED_ROOT("switch to another user");
	other_count(count, sizeof(count));
	snprintf(arg, sizeof(arg), "pages_to_scan=%s", count);
	{
		char *argv[] = { "hgmctl", "thp", "--size", "64K=always", "--khugepaged", arg,
				 NULL };

		status = run_as_nobody(&self->child, out, sizeof(out), argv);
	}
	self->child = 0;
	ASSERT_NE(-1, status);
	if (WEXITSTATUS(status) >= 125)
		SKIP(return, "cannot run hgmctl as user nobody from this build tree");
	EXPECT_EQ(1, WEXITSTATUS(status)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "needs root")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "nothing changed")) TH_LOG("%s", out);
	setting("khugepaged/pages_to_scan", now, sizeof(now));
	EXPECT_STREQ(self->saved[1], now);
	setting("hugepages-64kB/enabled", now, sizeof(now));
	EXPECT_STREQ(self->saved[5], now);
}

TEST_F(thp, dry_run_prints_the_writes_and_writes_nothing)
{
	char count[32], args[256], out[4096], want[160], now[64];

	other_count(count, sizeof(count));
	snprintf(args, sizeof(args), "thp --khugepaged pages_to_scan=%s,scan_sleep_millisecs=1 "
		 "--size 64K=always --dry-run", count);
	ASSERT_EQ(0, hgmctl_text(args, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "echo %s > " THP "khugepaged/pages_to_scan\n", count);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "echo always > " THP "hugepages-64kB/enabled\n"))
		TH_LOG("%s", out);
	setting("khugepaged/pages_to_scan", now, sizeof(now));
	EXPECT_STREQ(self->saved[1], now);
	setting("khugepaged/scan_sleep_millisecs", now, sizeof(now));
	EXPECT_STREQ(self->saved[2], now);
	setting("hugepages-64kB/enabled", now, sizeof(now));
	EXPECT_STREQ(self->saved[5], now);
}

/*
 * The kernel refuses "inherit" for a shmem mTHP size below the PMD while
 * shmem_enabled is "force" (mm/shmem.c): the third of four writes fails, after
 * hgmctl's own checks passed.
 *
 *   16K enabled -> inherit   written, then put back
 *   32K enabled -> inherit   written, then put back
 *   64K shmem   -> inherit   EINVAL
 *   pages_to_scan            never written
 */
TEST_F(thp, a_failed_third_write_puts_the_first_two_back)
{
	char count[32], args[256], out[4096], now[64];
	int rc;

	NEED_ROOT("write THP settings");
	if (access(THP "hugepages-64kB/shmem_enabled", W_OK) ||
	    access(THP "hugepages-16kB/enabled", W_OK) || access(THP "hugepages-32kB/enabled", W_OK))
		SKIP(return, "no writable 16K, 32K and 64K mTHP settings");
	if (!strcmp(self->saved[3], "inherit") || !strcmp(self->saved[4], "inherit") ||
	    !strcmp(self->saved[6], "inherit"))
		SKIP(return, "16K, 32K or 64K mTHP is already inherit here");
	other_count(count, sizeof(count));
	ASSERT_EQ(0, set("shmem_enabled", "force"));
	snprintf(args, sizeof(args), "thp --size 16K=inherit,32K=inherit,64K:shmem=inherit "
		 "--khugepaged pages_to_scan=%s", count);
	rc = hgmctl_text(args, out, sizeof(out));
	/* put the global mode back at once: nothing else should see "force" */
	set("shmem_enabled", self->saved[0]);
	EXPECT_EQ(1, rc) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "cannot set hugepages-64kB/shmem_enabled to inherit"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "put back hugepages-16kB/enabled (")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "hugepages-32kB/enabled (")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "not-written")) TH_LOG("%s", out);
	setting("hugepages-16kB/enabled", now, sizeof(now));
	EXPECT_STREQ(self->saved[3], now);
	setting("hugepages-32kB/enabled", now, sizeof(now));
	EXPECT_STREQ(self->saved[4], now);
	setting("hugepages-64kB/shmem_enabled", now, sizeof(now));
	EXPECT_STREQ(self->saved[6], now);
	setting("khugepaged/pages_to_scan", now, sizeof(now));
	EXPECT_STREQ(self->saved[1], now);
}

TEST_HARNESS_MAIN
