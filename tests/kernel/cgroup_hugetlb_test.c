// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cgroup_hugetlb_test.c - the hugetlb cgroup's counters on the guest kernel
 * (CONFIG_CGROUP_HUGETLB, CONFIG_MEMCG of kernel/config/mm.config), as
 * `hgmctl procs --cgroup` reports them: hugetlb.2MB.current and rsvd.current
 * count what a process of the cgroup faulted and reserved, a fault beyond
 * hugetlb.2MB.max is refused with SIGBUS and counted in events and
 * events.local, and memory.stat's THP counters are read as the file has them.
 *
 * Uses the cgroup2 mount of /proc/self/mountinfo, or mounts cgroup2 on an
 * empty /sys/fs/cgroup when there is none (the guest's init mounts none); makes a child cgroup and removes it, and puts back the
 * root's subtree_control and the 2 MiB pool, whatever the result.  Needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup2.h"
#include "hgm_sys.h"
#include "jsonq.h"
#include "kselftest_harness.h"

#define MB		(1024UL * 1024)
#define CG_DEFAULT	"/sys/fs/cgroup"
#define POOL_2M		"/sys/kernel/mm/hugepages/hugepages-2048kB/"

static const char *hgmctl_bin(void)
{
	const char *p = getenv("HGMCTL");

	return p && *p ? p : HGMCTL_BIN;
}

FIXTURE(cg) {
	bool mounted, made, enabled, enabled_memory;
	char mnt[96], dir[160];
	struct saved_setting pool;
	struct jq_value *json;
	pid_t child;
};

/* Whether @dir is an empty directory (nothing mounted on it, nothing in it). */
static bool empty_dir(const char *dir)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "[ -d %s ] && [ -z \"$(ls -A %s)\" ]", dir, dir);
	return system(cmd) == 0;
}

FIXTURE_SETUP(cg)
{
	char buf[64], ctl[160], sub[160];
	long free_pages;

	memset(self, 0, sizeof(*self));
	if (geteuid() != 0)
		SKIP(return, "needs root to make a cgroup");
	if (cg2_mount(self->mnt, sizeof(self->mnt))) {
		if (!empty_dir(CG_DEFAULT))
			SKIP(return, "no cgroup2 mount, and " CG_DEFAULT " is in use");
		if (mount("cgroup2", CG_DEFAULT, "cgroup2", 0, NULL))
			SKIP(return, "cannot mount cgroup2 on " CG_DEFAULT ": %s", strerror(errno));
		snprintf(self->mnt, sizeof(self->mnt), CG_DEFAULT);
		self->mounted = true;
	}
	snprintf(ctl, sizeof(ctl), "%s/cgroup.controllers", self->mnt);
	snprintf(sub, sizeof(sub), "%s/cgroup.subtree_control", self->mnt);
	if (!file_has_word(ctl, "hugetlb"))
		SKIP(return, "no hugetlb controller on cgroup v2 (CONFIG_CGROUP_HUGETLB)");
	if (!file_has_word(sub, "hugetlb")) {
		ASSERT_EQ(0, sys_write(sub, "+hugetlb"));
		self->enabled = true;
	}
	/* the memory controller too where there is one: memory.stat of the child */
	if (file_has_word(ctl, "memory") && !file_has_word(sub, "memory") && !sys_write(sub, "+memory"))
		self->enabled_memory = true;
	snprintf(self->dir, sizeof(self->dir), "%s/hgmctl-guest-%d", self->mnt, (int)getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	self->made = true;
	free_pages = sys_read_long(POOL_2M "free_hugepages");
	if (free_pages < 4) {
		snprintf(buf, sizeof(buf), "%ld", sys_read_long(POOL_2M "nr_hugepages") + 4);
		ASSERT_EQ(0, setting_set(&self->pool, POOL_2M "nr_hugepages", buf));
		if (sys_read_long(POOL_2M "free_hugepages") < 4)
			SKIP(return, "cannot get 4 free 2 MiB hugepages");
	}
}

FIXTURE_TEARDOWN(cg)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	jq_free(self->json);
	if (self->made)
		EXPECT_EQ(0, rmdir(self->dir));
	if (self->enabled || self->enabled_memory) {
		char sub[160];

		snprintf(sub, sizeof(sub), "%s/cgroup.subtree_control", self->mnt);
		if (self->enabled)
			EXPECT_EQ(0, sys_write(sub, "-hugetlb"));
		if (self->enabled_memory)
			EXPECT_EQ(0, sys_write(sub, "-memory"));
	}
	if (self->mounted)
		EXPECT_EQ(0, umount(self->mnt));
	setting_restore(&self->pool);
}

/*
 * A child that joins @dir, maps @len of 2 MiB hugetlb memory (reserved at
 * mmap unless @noreserve) and touches all of it, then says so on a pipe and
 * waits to be killed.  Returns its PID once it has touched everything, or
 * -1 if it died first (a fault refused: SIGBUS).
 */
static pid_t spawn_in(const char *dir, size_t len, bool noreserve, int *status)
{
	char path[160], pid[16], ok = 0;
	int fds[2];
	pid_t c;

	if (pipe(fds))
		return -1;
	c = fork();
	if (c == 0) {
		char *p;
		size_t off;

		close(fds[0]);
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		if (sys_write(path, pid))
			_exit(2);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_HUGETLB | (noreserve ? MAP_NORESERVE : 0), -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		for (off = 0; off < len; off += 2 * MB)
			p[off] = 1;
		ok = 1;
		if (write(fds[1], &ok, 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(fds[1]);
	if (c < 0 || read(fds[0], &ok, 1) != 1) {
		close(fds[0]);
		if (c > 0)
			waitpid(c, status, 0);
		return -1;
	}
	close(fds[0]);
	return c;
}

/* `hgmctl procs --json --cgroup NAME`, parsed; its exit status in *@status. */
static struct jq_value *procs_json(const char *dir, int *status)
{
	char cmd[512], err[128];
	struct jq_value *v;
	char *out;

	snprintf(cmd, sizeof(cmd), "%s procs --json --cgroup %s", hgmctl_bin(),
		 strrchr(dir, '/') + 1);
	out = jq_read_cmd(cmd, status);
	if (!out)
		return NULL;
	v = jq_parse(out, err, sizeof(err));
	free(out);
	return v;
}

/* The "hugetlb" element of page size 2 MiB in the "cgroup" object. */
static const struct jq_value *size_2m(const struct jq_value *json)
{
	const struct jq_value *arr = jq_get(json, "cgroup.hugetlb"), *e;
	unsigned long long ps;
	size_t i;

	for (i = 0; i < jq_len(arr); i++) {
		e = jq_at(arr, i);
		if (!jq_u64(jq_get(e, "page_size"), &ps) && ps == 2 * MB)
			return e;
	}
	return NULL;
}

static unsigned long long u64_of(const struct jq_value *v, const char *path)
{
	unsigned long long x = ~0ULL;

	jq_u64(jq_get(v, path), &x);
	return x;
}

static long cg_file(const char *dir, const char *name)
{
	char path[200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return sys_read_long(path);
}

TEST_F(cg, current_and_rsvd_count_what_a_member_faulted)
{
	const struct jq_value *h, *row;
	char path[200], buf[64];
	int status = 0;

	self->child = spawn_in(self->dir, 8 * MB, false, &status);
	ASSERT_LT(0, self->child);
	self->json = procs_json(self->dir, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(1, u64_of(self->json, "cgroup.processes"));
	h = size_2m(self->json);
	ASSERT_NE(NULL, h);
	EXPECT_EQ(8 * MB, u64_of(h, "current"));
	EXPECT_EQ(cg_file(self->dir, "hugetlb.2MB.current"), (long)u64_of(h, "current"));
	EXPECT_EQ(8 * MB, u64_of(h, "rsvd_current"));
	/*
	 * No limit set: the file says "max" (null with max_unlimited), or on
	 * some kernels the largest multiple of the page size it can count
	 */
	snprintf(path, sizeof(path), "%s/hugetlb.2MB.max", self->dir);
	ASSERT_EQ(0, sys_read(path, buf, sizeof(buf)));
	if (strcmp(buf, "max") == 0) {
		EXPECT_EQ(JQ_NULL, jq_type(jq_get(h, "max")));
		EXPECT_EQ(1, jq_bool(jq_get(h, "max_unlimited")));
	} else {
		EXPECT_EQ(strtoull(buf, NULL, 10), u64_of(h, "max"));
		EXPECT_EQ(0, jq_bool(jq_get(h, "max_unlimited")));
	}
	EXPECT_EQ(0, u64_of(h, "events_max"));
	row = jq_at(jq_get(self->json, "processes"), 0);
	ASSERT_NE(NULL, row);
	EXPECT_EQ(self->child, (pid_t)u64_of(row, "pid"));
	EXPECT_EQ(8 * MB, u64_of(row, "hugetlb.bytes"));
}

TEST_F(cg, a_fault_beyond_max_is_refused_and_counted_in_events)
{
	const struct jq_value *h;
	char path[200];
	int status = 0;
	pid_t c;

	snprintf(path, sizeof(path), "%s/hugetlb.2MB.max", self->dir);
	ASSERT_EQ(0, sys_write(path, "2097152"));
	/*
	 *   | 2M charged | 2M beyond max: SIGBUS |
	 * MAP_NORESERVE: no reservation to refuse at mmap, the fault is refused
	 */
	c = spawn_in(self->dir, 4 * MB, true, &status);
	ASSERT_EQ(-1, c);
	ASSERT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGBUS, WTERMSIG(status));
	self->json = procs_json(self->dir, &status);
	ASSERT_NE(NULL, self->json);
	h = size_2m(self->json);
	ASSERT_NE(NULL, h);
	EXPECT_EQ(2 * MB, u64_of(h, "max"));
	EXPECT_EQ(0, jq_bool(jq_get(h, "max_unlimited")));
	EXPECT_EQ(0, u64_of(h, "current"));	/* the child is gone: all uncharged */
	EXPECT_LE(1, u64_of(h, "events_max"));
	EXPECT_LE(1, u64_of(h, "events_local_max"));
	EXPECT_EQ(0, u64_of(self->json, "cgroup.processes"));
}

TEST_F(cg, memory_stat_thp_counters_are_the_file_values)
{
	char path[200], buf[4096], *line, *save = NULL;
	const struct jq_value *ms;
	int status = 0, seen = 0;

	snprintf(path, sizeof(path), "%s/memory.stat", self->dir);
	if (access(path, F_OK))
		SKIP(return, "no memory.stat: the memory controller is not enabled here");
	self->json = procs_json(self->dir, &status);
	ASSERT_NE(NULL, self->json);
	ms = jq_get(self->json, "cgroup.memory_stat");
	ASSERT_EQ(JQ_OBJECT, jq_type(ms));
	ASSERT_EQ(0, sys_read(path, buf, sizeof(buf)));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		unsigned long long val;

		if (sscanf(line, "%63s %llu", key, &val) != 2 || !strstr(key, "thp"))
			continue;
		EXPECT_EQ(val, u64_of(ms, key));
		seen++;
	}
	EXPECT_LE(3, seen);	/* anon_thp, file_thp, shmem_thp at least */
	EXPECT_EQ(seen, jq_len(ms));
}

TEST_HARNESS_MAIN
