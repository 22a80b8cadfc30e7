// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * procs_test.c - `hgmctl procs` against the live kernel: a child maps a known
 * layout, and its row (text and JSON) must say what its own smaps says; in a
 * cgroup v2 child made for the test, `procs --cgroup` must list it and the
 * cgroup's hugetlb.2MB.current must be what it faulted.  The cgroup is
 * removed after the test, failed or not.
 *
 * Needs root (hugetlb pools are grown for the test and restored after; the
 * cgroup is made under the cgroup2 mount); each test SKIPs with the reason
 * when it cannot set up what it needs.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include "cgroup2.h"
#include "live.h"

/* Whether object @obj has member @key (null or not). */
static bool has_key(const struct jq_value *obj, const char *key)
{
	size_t i;

	for (i = 0; i < jq_len(obj); i++)
		if (strcmp(jq_key_at(obj, i), key) == 0)
			return true;
	return false;
}

/* The first process row of a `procs --json` document. */
static const struct jq_value *first_row(const struct jq_value *json)
{
	return jq_at(jq_get(json, "processes"), 0);
}

static uint64_t rollup(pid_t pid, const char *label)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	return smaps_sum(path, label);
}

TEST_F(live, procs_row_matches_the_process_smaps)
{
	const struct layout l = { .hugetlb = 16 * M, .hpage = 2 * M, .thp = 64 * M,
				  .split = true };
	const struct jq_value *row, *sizes;
	char args[128], out[8192], want[128];
	uint64_t anon, hugetlb;
	struct placed p;
	int status;

	NEED_ROOT("reserve hugetlb pages");
	if (pool_make_free(2 * M, 8))
		SKIP(return, "cannot reserve 8 free 2 MiB hugepages");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	anon = rollup(self->child, "AnonHugePages");
	hugetlb = rollup(self->child, "Private_Hugetlb") + rollup(self->child, "Shared_Hugetlb");
	ASSERT_EQ(16 * M, hugetlb);
	if (anon < 32 * M)
		SKIP(return, "the kernel gave fewer THPs than asked (THP disabled or no memory)");

	snprintf(args, sizeof(args), "procs --json --folios %d", (int)self->child);
	self->json = hgmctl_json(args, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	ASSERT_EQ(1, jq_len(jq_get(self->json, "processes")));
	row = first_row(self->json);
	EXPECT_EQ(self->child, u64_at(row, "pid"));
	EXPECT_EQ(hugetlb, u64_at(row, "hugetlb.bytes"));
	/* 2 MiB pages without the HGM fields: all of it at PMD level */
	EXPECT_EQ(16 * M, u64_at(row, "hugetlb.pmd"));
	EXPECT_EQ(0, u64_at(row, "hugetlb.pud"));
	sizes = jq_get(row, "hugetlb.sizes");
	ASSERT_EQ(1, jq_len(sizes));
	EXPECT_EQ(2 * M, u64_at(jq_at(sizes, 0), "page_size"));
	EXPECT_EQ(16 * M, u64_at(jq_at(sizes, 0), "bytes"));
	EXPECT_LT(0, jq_len(jq_get(row, "hugetlb.nodes")));
	EXPECT_EQ(anon, u64_at(row, "thp.anon"));
	EXPECT_EQ(rollup(self->child, "FilePmdMapped"), u64_at(row, "thp.file"));
	EXPECT_EQ(rollup(self->child, "ShmemPmdMapped"), u64_at(row, "thp.shmem"));
	/*
	 *   p.thp_addr          +32M                 +64M
	 *   | 16 PMD-mapped THP  | 16 THP split to PTEs |
	 * the split half is still THP folios, mapped by PTEs; the rest of the
	 * process may hold some too (a sanitizer's allocator does): all of
	 * them are what `maps` finds in its VMAs, anonymous and file THP together
	 */
	EXPECT_LE(32 * M, u64_at(row, "thp.pte"));
	{
		struct jq_value *maps = maps_json(self->child, &status);

		uint64_t file_pte = 0;

		ASSERT_NE(NULL, maps);
		/* maps keeps page-cache large folios apart (file_thp, only when some) */
		if (jq_type(jq_get(maps, "totals.file_thp.pte")) == JQ_NUMBER)
			file_pte = u64_at(maps, "totals.file_thp.pte");
		EXPECT_EQ(u64_at(maps, "totals.thp.pte") + file_pte, u64_at(row, "thp.pte"));
		jq_free(maps);
	}

	/* the text row says the same, in bytes */
	snprintf(args, sizeof(args), "procs -r -n -b -o PID,HUGETLB,HT-PMD,THP-ANON %d",
		 (int)self->child);
	ASSERT_EQ(0, hgmctl_text(args, out, sizeof(out)));
	snprintf(want, sizeof(want), "%d %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
		 (int)self->child, hugetlb, 16 * M, anon);
	EXPECT_STREQ(want, out);
}

TEST_F(live, procs_of_all_processes_lists_the_workload)
{
	const struct layout l = { .hugetlb = 8 * M, .hpage = 2 * M };
	const struct jq_value *procs, *row = NULL;
	struct placed p;
	size_t i;
	int status;

	NEED_ROOT("reserve hugetlb pages");
	if (pool_make_free(2 * M, 4))
		SKIP(return, "cannot reserve 4 free 2 MiB hugepages");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	self->json = hgmctl_json("procs --json", &status);
	ASSERT_NE(NULL, self->json);
	/* 3: some process could not be read (a container's PID 1), said on stderr */
	ASSERT_TRUE(WIFEXITED(status));
	status = WEXITSTATUS(status);
	ASSERT_TRUE(status == 0 || status == 3);
	EXPECT_EQ(status == 3, u64_at(self->json, "unreadable") > 0);
	procs = jq_get(self->json, "processes");
	for (i = 0; i < jq_len(procs); i++)
		if (u64_at(jq_at(procs, i), "pid") == (uint64_t)self->child)
			row = jq_at(procs, i);
	ASSERT_NE(NULL, row);
	EXPECT_EQ(8 * M, u64_at(row, "hugetlb.bytes"));
	/* without --folios the page scan is not done: unknown, never 0 */
	ASSERT_TRUE(has_key(jq_get(row, "thp"), "pte"));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(row, "thp.pte")));
}

/*
 * The nodes the kernel says (move_pages, no move asked) hold the pages at
 * [@addr, @addr + @len) of @pid, one page per @step, as a bit mask; -1 when
 * it will not say.
 */
static int64_t nodes_of(pid_t pid, uint64_t addr, uint64_t len, uint64_t step)
{
	size_t n = len / step, i;
	void **pages = calloc(n, sizeof(*pages));
	int *status = calloc(n, sizeof(*status));
	int64_t mask = 0;

	if (!pages || !status)
		mask = -1;
	for (i = 0; mask >= 0 && i < n; i++)
		pages[i] = (void *)(uintptr_t)(addr + i * step);
	if (mask >= 0 && syscall(SYS_move_pages, pid, n, pages, NULL, status, 0) < 0)
		mask = -1;
	for (i = 0; mask >= 0 && i < n; i++)
		if (status[i] >= 0 && status[i] < 63)
			mask |= INT64_C(1) << status[i];
	free(pages);
	free(status);
	return mask;
}

/* The nodes listed at @path of @row as a bit mask; -1 when it is no list. */
static int64_t node_list(const struct jq_value *row, const char *path)
{
	const struct jq_value *l = jq_get(row, path);
	int64_t mask = 0;
	size_t i;

	if (jq_type(l) != JQ_ARRAY)
		return -1;
	for (i = 0; i < jq_len(l); i++) {
		unsigned long long node;

		if (jq_u64(jq_at(l, i), &node) || node > 62)
			return -1;
		mask |= INT64_C(1) << node;
	}
	return mask;
}

TEST_F(live, procs_thp_nodes_are_where_its_thp_folios_are)
{
	const struct layout l = { .thp = 64 * M, .split = true };
	const struct jq_value *row;
	char args[128], out[256], want[256];
	int64_t pmd_nodes, all_nodes, mask;
	size_t len;
	int i;
	struct placed p;
	int status;

	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	if (rollup(self->child, "AnonHugePages") < 32 * M)
		SKIP(return, "the kernel gave fewer THPs than asked (THP disabled or no memory)");
	/*
	 *   p.thp_addr          +32M                 +64M
	 *   | 16 PMD-mapped THP  | 16 THP split to PTEs |
	 * without --folios: the nodes of the PMD-mapped half; with it, of both
	 */
	pmd_nodes = nodes_of(self->child, p.thp_addr, 32 * M, 2 * M);
	all_nodes = nodes_of(self->child, p.thp_addr, 64 * M, 2 * M);
	if (pmd_nodes <= 0 || all_nodes <= 0)
		SKIP(return, "move_pages does not say where the pages are");

	snprintf(args, sizeof(args), "procs --json %d", (int)self->child);
	self->json = hgmctl_json(args, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	row = first_row(self->json);
	ASSERT_NE(NULL, row);
	/* the process itself may have THP elsewhere (a sanitizer's allocator) */
	EXPECT_EQ(pmd_nodes, node_list(row, "thp.nodes") & pmd_nodes);
	EXPECT_LT(0, node_list(row, "thp.nodes"));
	/* no hugetlb: its hugetlb nodes are known to be none */
	EXPECT_EQ(0, node_list(row, "hugetlb.nodes"));
	jq_free(self->json);

	snprintf(args, sizeof(args), "procs --json --folios %d", (int)self->child);
	self->json = hgmctl_json(args, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	row = first_row(self->json);
	ASSERT_NE(NULL, row);
	EXPECT_EQ(all_nodes, node_list(row, "thp.nodes") & all_nodes);

	/* the text column lists the same nodes: "0", "0,1" */
	mask = node_list(row, "thp.nodes");
	ASSERT_LT(0, mask);
	len = (size_t)snprintf(want, sizeof(want), "%d ", (int)self->child);
	for (i = 0; i < 63; i++)
		if (mask & (INT64_C(1) << i))
			len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%d",
						mask & ((INT64_C(1) << i) - 1) ? "," : "", i);
	snprintf(want + len, sizeof(want) - len, "\n");
	snprintf(args, sizeof(args), "procs -r -n --folios -o PID,THP-NODES %d",
		 (int)self->child);
	ASSERT_EQ(0, hgmctl_text(args, out, sizeof(out)));
	EXPECT_STREQ(want, out);
}

TEST(procs_unknown_pid_is_an_error_and_garbage_a_usage_error)
{
	char out[4096];
	pid_t gone = fork();

	ASSERT_LE(0, gone);
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	snprintf(out, sizeof(out), "procs %d", (int)gone);
	EXPECT_EQ(1, hgmctl_text(out, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "no such process"));
	EXPECT_EQ(2, hgmctl_text("procs 12x", out, sizeof(out)));
	EXPECT_EQ(2, hgmctl_text("procs --sort NOPE", out, sizeof(out)));
}

/* ---- a cgroup v2 child ---------------------------------------------------- */

FIXTURE(cg) {
	char mnt[512], dir[700], orig[700];	/* the mount, our child cgroup, where we were */
	bool made, enabled;			/* mkdir done; we wrote +hugetlb */
	uint64_t saved[LIVE_POOLS];
	bool have[LIVE_POOLS];
	pid_t child;
	struct jq_value *json;
	int lock;
};

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return ret;
}

FIXTURE_SETUP(cg)
{
	memset(self, 0, sizeof(*self));
	self->lock = live_lock_and_save(self->saved, self->have);
}

FIXTURE_TEARDOWN(cg)
{
	char path[1500];

	live_reap(self->child, 0);
	jq_free(self->json);
	if (self->orig[0]) {
		char pid[32];

		snprintf(path, sizeof(path), "%s/cgroup.procs", self->orig);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		write_str(path, pid);
	}
	if (self->made)
		EXPECT_EQ(0, rmdir(self->dir));
	if (self->enabled) {
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", self->mnt);
		EXPECT_EQ(0, write_str(path, "-hugetlb"));
	}
	EXPECT_EQ(0, live_restore_pools(self->saved, self->have));
	if (self->lock >= 0)
		close(self->lock);
}

TEST_F(cg, procs_cgroup_lists_its_processes_and_hugetlb_current)
{
	const struct layout l = { .hugetlb = 8 * M, .hpage = 2 * M };
	const struct jq_value *cgj, *sizes, *row;
	char path[1500], own[160], pid[32], args[900], out[8192], *nl;
	struct placed p;
	size_t i;
	int status;
	FILE *f;

	NEED_ROOT("make a cgroup and reserve hugetlb pages");
	if (cg2_mount(self->mnt, sizeof(self->mnt)))
		SKIP(return, "no cgroup2 file system mounted");
	snprintf(path, sizeof(path), "%s/cgroup.controllers", self->mnt);
	if (!file_has_word(path, "hugetlb"))
		SKIP(return, "the hugetlb controller is not available on cgroup v2 here (%.200s)",
		     path);
	/* where we are, to come back: "0::/PATH" of /proc/self/cgroup */
	f = fopen("/proc/self/cgroup", "r");
	ASSERT_NE(NULL, f);
	own[0] = '\0';
	while (fgets(path, sizeof(path), f))
		if (strncmp(path, "0::", 3) == 0)
			snprintf(own, sizeof(own), "%.159s", path + 3);
	fclose(f);
	if ((nl = strchr(own, '\n')))
		*nl = '\0';
	if (!own[0])
		SKIP(return, "this process is in no cgroup v2");
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", self->mnt);
	if (!file_has_word(path, "hugetlb")) {
		if (write_str(path, "+hugetlb"))
			SKIP(return, "cannot enable hugetlb in %.200s: %s", path, strerror(errno));
		self->enabled = true;
	}
	snprintf(self->dir, sizeof(self->dir), "%s/hgmctl-procs-test-%d", self->mnt,
		 (int)getpid());
	if (mkdir(self->dir, 0755))
		SKIP(return, "cannot mkdir %s: %s", self->dir, strerror(errno));
	self->made = true;
	if (pool_make_free(2 * M, 4))
		SKIP(return, "cannot reserve 4 free 2 MiB hugepages");

	/* charges stay where a page was faulted: the child must fault inside */
	snprintf(self->orig, sizeof(self->orig), "%s%s", self->mnt, strcmp(own, "/") ? own : "");
	snprintf(path, sizeof(path), "%s/cgroup.procs", self->dir);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ASSERT_EQ(0, write_str(path, pid));
	self->child = spawn(&l, &p);
	snprintf(path, sizeof(path), "%s/cgroup.procs", self->orig);
	ASSERT_EQ(0, write_str(path, pid));
	self->orig[0] = '\0';
	ASSERT_EQ(0, p.err);

	snprintf(args, sizeof(args), "procs --json --cgroup %s", strrchr(self->dir, '/') + 1);
	self->json = hgmctl_json(args, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	cgj = jq_get(self->json, "cgroup");
	ASSERT_NE(NULL, cgj);
	EXPECT_EQ(1, u64_at(cgj, "processes"));
	sizes = jq_get(cgj, "hugetlb");
	ASSERT_EQ(JQ_ARRAY, jq_type(sizes));
	row = NULL;
	for (i = 0; i < jq_len(sizes); i++)
		if (u64_at(jq_at(sizes, i), "page_size") == 2 * M)
			row = jq_at(sizes, i);
	ASSERT_NE(NULL, row);
	EXPECT_EQ(8 * M, u64_at(row, "current"));
	snprintf(path, sizeof(path), "%s/hugetlb.2MB.current", self->dir);
	{
		uint64_t cur;

		ASSERT_EQ(0, read_u64(path, &cur));
		EXPECT_EQ(cur, u64_at(row, "current"));
	}
	ASSERT_EQ(1, jq_len(jq_get(self->json, "processes")));
	row = first_row(self->json);
	EXPECT_EQ(self->child, u64_at(row, "pid"));
	EXPECT_EQ(8 * M, u64_at(row, "hugetlb.bytes"));

	/* the text has the header block, then the row */
	snprintf(args, sizeof(args), "procs -b --cgroup %s", self->dir);
	ASSERT_EQ(0, hgmctl_text(args, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "hugetlb 2M: current 8388608"));
	snprintf(pid, sizeof(pid), "\n%7d ", (int)self->child);
	EXPECT_NE(NULL, strstr(out, pid));
	/* maps --cgroup: the maps of every process there */
	snprintf(args, sizeof(args), "maps --json --cgroup %s", strrchr(self->dir, '/') + 1);
	jq_free(self->json);
	self->json = hgmctl_json(args, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	ASSERT_EQ(1, jq_len(jq_get(self->json, "processes")));
	EXPECT_EQ(self->child, u64_at(first_row(self->json), "pid"));
	EXPECT_EQ(8 * M, u64_at(first_row(self->json), "totals.hugetlb.pmd"));
}

TEST_HARNESS_MAIN
