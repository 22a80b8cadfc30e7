// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * messages_test.c - what hgmctl says when it cannot do what was asked is
 * what is true: a kernel thread is not "missing", a refused read names what
 * the caller lacks (not what it has), a broken recorded tree names its file,
 * top --once and bench scan say why they failed.
 */
#include "live.h"

/* Nothing here changes a pool: no HOST_TEST_LOCK, only a child to reap. */
FIXTURE(msg) {
	pid_t child;
};

FIXTURE_SETUP(msg)
{
	self->child = 0;
}

FIXTURE_TEARDOWN(msg)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
}

/* Is PID 2 the kernel's kthreadd (not so in every PID namespace)? */
static bool pid2_is_kthreadd(void)
{
	char comm[32] = "";
	FILE *f = fopen("/proc/2/comm", "r");

	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return strcmp(comm, "kthreadd\n") == 0;
}

TEST_F(msg, a_kernel_thread_is_named_as_such_not_as_missing)
{
	static const char *const cmds[] = {
		"maps 2", "pagemap 2", "top --once 2", "collapse 2 --all", "maps --json 2",
	};
	char out[4096];
	size_t i;

	if (!pid2_is_kthreadd())
		SKIP(return, "PID 2 is not kthreadd here (a PID namespace)");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		EXPECT_EQ(1, hgmctl_text(cmds[i], out, sizeof(out))) TH_LOG("%s: %s", cmds[i], out);
		EXPECT_NE(NULL, strstr(out, "process 2 (kthreadd) is a kernel thread"))
			TH_LOG("%s: %s", cmds[i], out);
		EXPECT_EQ(NULL, strstr(out, "does not exist")) TH_LOG("%s: %s", cmds[i], out);
	}
}

/* PID 1 holds every capability; a root caller without CAP_SYS_PTRACE may not read it. */
TEST_F(msg, root_without_cap_sys_ptrace_is_told_what_it_lacks)
{
	char *argv[] = { "hgmctl", "maps", "1", NULL };
	char out[4096];
	int rc;

	NEED_ROOT("be root without CAP_SYS_PTRACE");
	rc = run_hgmctl_as(RUN_AS_ROOT_NO_PTRACE, &self->child, out, sizeof(out), argv);
	ASSERT_NE(-1, rc);
	rc = WEXITSTATUS(rc);
	if (rc == 125)
		SKIP(return, "cannot drop CAP_SYS_PTRACE from the bounding set");
	if (rc == 0)
		SKIP(return, "PID 1 holds no capability this caller lacks");
	EXPECT_EQ(1, rc) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "permission denied: it holds capabilities hgmctl lacks ("))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "cap_sys_ptrace")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "though uid 0")) TH_LOG("%s", out);
	/* not the hint of old, which named what root has: the same user */
	EXPECT_EQ(NULL, strstr(out, "same user")) TH_LOG("%s", out);
}

/* root without CAP_SYS_PTRACE and another user's process: not "run it as root" */
TEST_F(msg, root_without_cap_sys_ptrace_is_not_told_to_run_as_root)
{
	char pid[16], *argv[] = { "hgmctl", "maps", pid, NULL };
	char out[4096];
	pid_t nobody;
	int rc;

	NEED_ROOT("start a process of user nobody");
	nobody = spawn_nobody();
	ASSERT_LT(0, nobody);
	snprintf(pid, sizeof(pid), "%d", (int)nobody);
	rc = run_hgmctl_as(RUN_AS_ROOT_NO_PTRACE, &self->child, out, sizeof(out), argv);
	kill(nobody, SIGKILL);
	waitpid(nobody, NULL, 0);
	ASSERT_NE(-1, rc);
	if (WEXITSTATUS(rc) == 125)
		SKIP(return, "cannot drop CAP_SYS_PTRACE from the bounding set");
	if (WEXITSTATUS(rc) == 0)
		SKIP(return, "this kernel lets root without CAP_SYS_PTRACE read another "
		     "user's process");
	EXPECT_EQ(1, WEXITSTATUS(rc)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "it runs as uid 65534, hgmctl as uid 0 without "
				    "CAP_SYS_PTRACE (dropped from its capability sets"))
		TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "as root")) TH_LOG("%s", out);
}

TEST_F(msg, root_in_a_user_namespace_is_told_that_it_is_there)
{
	char *argv[] = { "hgmctl", "maps", "1", NULL };
	char out[4096];
	int rc;

	NEED_ROOT("read PID 1 from a user namespace");
	rc = run_hgmctl_as(RUN_AS_USERNS, &self->child, out, sizeof(out), argv);
	ASSERT_NE(-1, rc);
	rc = WEXITSTATUS(rc);
	if (rc == 125)
		SKIP(return, "cannot create a user namespace (user.max_user_namespaces?)");
	EXPECT_EQ(1, rc) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "permission denied: hgmctl runs in a user namespace other "
				    "than the initial one")) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "same user")) TH_LOG("%s", out);
}

/* maps and top alike: whose process it is, and who hgmctl runs as */
TEST_F(msg, another_users_process_names_both_users_in_maps_and_top)
{
	char *maps[] = { "hgmctl", "maps", "1", NULL };
	char *top[] = { "hgmctl", "top", "--once", "1", NULL };
	char out[4096];
	int status;

	NEED_ROOT("switch to another user");
	status = run_as_nobody(&self->child, out, sizeof(out), maps);
	ASSERT_NE(-1, status);
	if (WEXITSTATUS(status) >= 125)
		SKIP(return, "cannot run hgmctl as user nobody from this build tree");
	EXPECT_EQ(1, WEXITSTATUS(status));
	EXPECT_NE(NULL, strstr(out, "cannot read memory maps of process 1: permission denied: "
				    "it runs as uid 0, hgmctl as uid 65534 without CAP_SYS_PTRACE"))
		TH_LOG("%s", out);
	status = run_as_nobody(&self->child, out, sizeof(out), top);
	EXPECT_EQ(1, WEXITSTATUS(status));
	EXPECT_NE(NULL, strstr(out, "cannot read memory maps of process 1: permission denied: "
				    "it runs as uid 0, hgmctl as uid 65534")) TH_LOG("%s", out);
}

/* A copy of the hgm fixture tree in @dir; @file: its 2M pool count, to break. */
static int broken_tree(char *dir, size_t size, char *file, size_t fsize)
{
	char cmd[1024];

	snprintf(dir, size, "/tmp/hgmctl-messages-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "cp -r '%s/tree-hgm/.' '%s'", FIXTURES_DIR, dir);
	if (system(cmd))
		return -1;
	snprintf(file, fsize, "%s/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", dir);
	return 0;
}

TEST_F(msg, a_broken_tree_is_named_by_its_file_in_pool_status_and_top)
{
	static const char *const cmds[] = { "pool", "status", "top --once", "pool 2M --total 1 --dry-run" };
	char dir[64], file[256], args[512], out[4096], cmd[128];
	size_t i;
	FILE *f;

	ASSERT_EQ(0, broken_tree(dir, sizeof(dir), file, sizeof(file)));
	f = fopen(file, "w");
	ASSERT_NE(NULL, f);
	fputs("twelve\n", f);
	fclose(f);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(args, sizeof(args), "--root %s %s", dir, cmds[i]);
		EXPECT_EQ(1, hgmctl_text(args, out, sizeof(out))) TH_LOG("%s: %s", args, out);
		/* top --once too: once it exited 1 and said nothing */
		EXPECT_NE(NULL, strstr(out, "cannot read hugetlb pools")) TH_LOG("%s: %s", args, out);
		EXPECT_NE(NULL, strstr(out, file)) TH_LOG("%s: %s", args, out);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	EXPECT_EQ(0, system(cmd));
}

/* Each failed contender says how it failed, never a bare "(failed)". */
TEST_F(msg, bench_scan_says_why_a_contender_failed)
{
	char args[64], out[8192], *l;
	uint64_t pid_max;
	int rc;

	ASSERT_EQ(0, read_u64("/proc/sys/kernel/pid_max", &pid_max));
	/* a PID above any in use: nothing of it can be read */
	snprintf(args, sizeof(args), "bench scan --runs 1 %" PRIu64, pid_max);
	rc = hgmctl_text(args, out, sizeof(out));
	EXPECT_EQ(0, rc) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "(failed)")) TH_LOG("%s", out);
	l = strstr(out, "hgmctl maps  ");
	ASSERT_NE(NULL, l) TH_LOG("%s", out);
	EXPECT_EQ(0, strncmp(strchr(l, '('), "(failed: exit 1: hgmctl: process ", 33))
		TH_LOG("%s", out);
	l = strstr(out, "(floor)");
	ASSERT_NE(NULL, l) TH_LOG("%s", out);
	EXPECT_EQ(0, strncmp(strchr(l + 7, '('), "(process ", 9)) TH_LOG("%s", out);
}

/* The sizes of the workload bench scan starts mean nothing with a PID: not ignored, refused. */
TEST_F(msg, bench_scan_refuses_workload_sizes_with_a_pid)
{
	char out[4096];

	EXPECT_EQ(2, hgmctl_text("bench scan 1 --thp 8M", out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "with a PID it measures that process")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
