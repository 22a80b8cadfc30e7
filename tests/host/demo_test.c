// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * demo_test.c - `hgmctl demo`: shows its mappings and gives back every hugepage it added.
 *
 * Needs root (hugetlb pools are grown for the test and restored after); each
 * test SKIPs with the reason when it cannot set up what it needs.
 */
#include "live.h"

TEST_F(live, demo_shows_its_mappings_and_restores_the_pool)
{
	char cmd[256], path[256], *out;
	const struct jq_value *vmas;
	uint64_t before, after;
	int status;
	size_t i;

	NEED_ROOT("let demo grow the hugetlb pool");
	pool_path(path, sizeof(path), 2 * M, "nr_hugepages");
	ASSERT_EQ(0, read_u64(path, &before));
	snprintf(cmd, sizeof(cmd), "%s demo --hugetlb 8M --thp 8M --json", hgmctl());
	out = jq_read_cmd(cmd, &status);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, WEXITSTATUS(status));
	self->json = jq_parse(out, NULL, 0);
	free(out);
	ASSERT_NE(NULL, self->json);
	EXPECT_EQ(8 * M, u64_at(self->json, "totals.hugetlb.pmd"));
	/* only the VMAs it made (the THP one split in two), each with its levels line */
	vmas = jq_get(self->json, "vmas");
	EXPECT_LE(2, jq_len(vmas));
	EXPECT_GE(3, jq_len(vmas));
	for (i = 0; i < jq_len(vmas); i++) {
		const struct jq_value *v = jq_at(vmas, i);
		const char *kind = jq_str(jq_get(v, "kind")) ?: "";

		EXPECT_TRUE(!strcmp(kind, "hugetlb") || !strcmp(kind, "thp"))
			TH_LOG("a VMA of kind %s: %s", kind, jq_str(jq_get(v, "name")));
		EXPECT_NE(NULL, jq_str(jq_get(v, "granularity.map")));
	}
	ASSERT_EQ(0, read_u64(path, &after));
	EXPECT_EQ(before, after);
}

TEST_F(live, overlapping_demos_each_take_back_only_what_they_added)
{
	char path[256], line[256] = "", cmd[256], *out;
	uint64_t before, during, after;
	int fds[2], status;
	FILE *err;
	pid_t hold;

	NEED_ROOT("let demo grow the hugetlb pool");
	/* no free pages, so that both demos must grow the pool */
	{
		char fpath[256];
		uint64_t total, free_;

		pool_path(path, sizeof(path), 2 * M, "nr_hugepages");
		pool_path(fpath, sizeof(fpath), 2 * M, "free_hugepages");
		ASSERT_EQ(0, read_u64(path, &total));
		ASSERT_EQ(0, read_u64(fpath, &free_));
		ASSERT_EQ(0, write_u64(path, total - free_));
	}
	ASSERT_EQ(0, read_u64(path, &before));
	/* the first demo holds its pages (and the pages it added) ... */
	ASSERT_EQ(0, pipe(fds));
	/* the fixture owns it: teardown ends it if an assertion stops us early */
	self->child = hold = fork();
	if (hold == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		execl(hgmctl(), "hgmctl", "demo", "--hugetlb", "8M", "--thp", "0", "--hold",
		      "--json", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	err = fdopen(fds[0], "r");
	ASSERT_NE(NULL, err);
	while (fgets(line, sizeof(line), err) && !strstr(line, "holding"))
		;
	ASSERT_NE(NULL, strstr(line, "holding"));
	ASSERT_EQ(0, read_u64(path, &during));
	ASSERT_EQ(before + 4, during);
	/* ... while a second one comes and goes */
	snprintf(cmd, sizeof(cmd), "%s demo --hugetlb 8M --thp 0 >/dev/null 2>&1", hgmctl());
	out = jq_read_cmd(cmd, &status);
	ASSERT_NE(NULL, out);
	free(out);
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, read_u64(path, &after));
	EXPECT_EQ(during, after);	/* the first demo's pages are still there */
	kill(hold, SIGINT);
	ASSERT_EQ(hold, waitpid(hold, &status, 0));
	self->child = 0;
	fclose(err);
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, read_u64(path, &after));
	EXPECT_EQ(before, after);
}

/*
 * Usage errors exit 2 before demo grows a pool or starts its process: with
 * no free 2M page, a demo that got as far as its process would have grown it.
 */
TEST_F(live, demo_usage_errors_come_before_the_pool_grows)
{
	static const char *const bad[] = {
		"-o FOO demo --hugetlb 4M --thp 0",
		"demo --hugetlb 4M --thp 0 -o START,NOPE",
		"demo --hugetlb 3M --thp 0",
		"demo --hugetlb 4M --thp 3M",
	};

	NEED_ROOT("empty the 2M pool for the test");
	usage_errors_leave_pools(_metadata, bad, sizeof(bad) / sizeof(bad[0]), "demo: process");
}

TEST_HARNESS_MAIN
