// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tree_test.c - recorded trees are untrusted input: each test copies a fixture
 * tree into a temporary directory, breaks one thing, and runs hgmctl --root on
 * it under timeout(1).  hgmctl must answer within seconds (124 is a hang),
 * exit 1 with a message naming the file, print valid JSON or nothing with
 * --json, and never put a control byte on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hgm.h"
#include "jsonq.h"
#include "kselftest_harness.h"

#define HANG_SECONDS	10
#define PAGE		4096ULL
#define PM_PRESENT	(1ULL << 63)

struct run {
	int status;		/* exit status; 124: killed by timeout */
	char *out, *err;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int spew(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ret;

	if (!f)
		return -1;
	ret = fwrite(buf, 1, len, f) == len ? 0 : -1;
	return fclose(f) == 0 ? ret : -1;
}

/* Replaces the first @old in file @path by @new; returns 0, or -1 if @old is absent. */
static int edit(const char *path, const char *old, const char *new)
{
	size_t len, lo = strlen(old), ln = strlen(new);
	char *buf = slurp(path, &len), *at, *nb;
	int ret;

	if (!buf)
		return -1;
	at = memmem(buf, len, old, lo);
	if (!at) {
		free(buf);
		return -1;
	}
	nb = malloc(len - lo + ln);
	memcpy(nb, buf, at - buf);
	memcpy(nb + (at - buf), new, ln);
	memcpy(nb + (at - buf) + ln, at + lo, len - (at - buf) - lo);
	ret = spew(path, nb, len - lo + ln);
	free(nb);
	free(buf);
	return ret;
}

/* Writes the 64-bit entry @val at index @idx of the (sparse) file @path. */
static int put_entry(const char *path, uint64_t idx, uint64_t val)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644), ret;

	if (fd < 0)
		return -1;
	ret = pwrite(fd, &val, 8, idx * 8) == 8 ? 0 : -1;
	close(fd);
	return ret;
}

static int sized(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644), ret;

	if (fd < 0)
		return -1;
	ret = ftruncate(fd, size);
	close(fd);
	return ret;
}

/* Whether @s is UTF-8 without control characters (C0 but newline, DEL, C1). */
static bool clean_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t c;
		int n, i;

		if (*p < 0x80) {
			if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1, c = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 2, c = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 3, c = *p & 0x07;
		else
			return false;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (p[i] & 0x3f);
		}
		if (c <= 0x9f)
			return false;		/* C1, or an overlong form */
		p += n + 1;
	}
	return true;
}

FIXTURE(bad) {
	char dir[128];
	char tree[160];
	char path[512];		/* scratch: a file in the tree */
	struct run r;
};

FIXTURE_SETUP(bad)
{
	char cmd[512];
	const char *tmp = getenv("TMPDIR");

	snprintf(self->dir, sizeof(self->dir), "%s/hgm-tree-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->tree, sizeof(self->tree), "%s/tree", self->dir);
	snprintf(cmd, sizeof(cmd), "cp -R '%s/tree-hgm' '%s'", FIXTURES_DIR, self->tree);
	ASSERT_EQ(0, system(cmd));
	memset(&self->r, 0, sizeof(self->r));
}

FIXTURE_TEARDOWN(bad)
{
	char cmd[512];

	free(self->r.out);
	free(self->r.err);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		perror("rm");
}

static const char *at(FIXTURE_DATA(bad) *self, const char *rel)
{
	snprintf(self->path, sizeof(self->path), "%s/%s", self->tree, rel);
	return self->path;
}

/* Runs hgmctl --root TREE @args (with @env before it) under timeout(1). */
static void run(FIXTURE_DATA(bad) *self, const char *env, const char *args)
{
	char cmd[2048], errpath[256];

	free(self->r.out);
	free(self->r.err);
	snprintf(errpath, sizeof(errpath), "%s/stderr", self->dir);
	snprintf(cmd, sizeof(cmd), "%s timeout %d %s --root '%s' %s 2>'%s' </dev/null",
		 env ? env : "", HANG_SECONDS, HGMCTL_BIN, self->tree, args, errpath);
	self->r.out = jq_read_cmd(cmd, &self->r.status);
	self->r.status = self->r.status >= 0 && WIFEXITED(self->r.status) ?
			 WEXITSTATUS(self->r.status) : -1;
	self->r.err = slurp(errpath, NULL);
	if (!self->r.out)
		self->r.out = strdup("");
	if (!self->r.err)
		self->r.err = strdup("");
}

/*
 * hgmctl @args is refused: no hang, exit 1, stderr "hgmctl: TREE/@file: ..."
 * holding @why, stdout clean (and empty with --json: a refused answer is no answer).
 */
#define REFUSED(args, file, why) do {						\
	char want_[512];							\
										\
	run(self, NULL, args);							\
	EXPECT_NE(124, self->r.status) TH_LOG("hgmctl %s hung", args);		\
	EXPECT_EQ(1, self->r.status) TH_LOG("hgmctl %s: %s", args, self->r.err); \
	snprintf(want_, sizeof(want_), "hgmctl: %s/%s: ", self->tree, file);	\
	EXPECT_NE(NULL, strstr(self->r.err, want_))				\
		TH_LOG("hgmctl %s: stderr '%s' does not name %s", args, self->r.err, want_); \
	EXPECT_NE(NULL, strstr(self->r.err, why))				\
		TH_LOG("hgmctl %s: stderr '%s' does not say '%s'", args, self->r.err, why); \
	EXPECT_TRUE(clean_text(self->r.out));					\
	EXPECT_TRUE(clean_text(self->r.err));					\
	if (strstr(args, "--json"))						\
		EXPECT_STREQ("", self->r.out);					\
} while (0)

/* A pagemap that covers every VMA of process 1000 with holes (all zero). */
static int empty_pagemap(FIXTURE_DATA(bad) *self)
{
	return sized(at(self, "proc/1000/pagemap"), 0x7ffd00021000ULL / PAGE * 8);
}

TEST_F(bad, pagemap_size_not_a_multiple_of_8)
{
	ASSERT_EQ(0, sized(at(self, "proc/1000/pagemap"), 0x7ffd00021000ULL / PAGE * 8 - 4));
	REFUSED("pagemap 1000", "proc/1000/pagemap", "is not a multiple of 8");
	REFUSED("pagemap 1000 --json", "proc/1000/pagemap", "is not a multiple of 8");
}

TEST_F(bad, kpageflags_size_not_a_multiple_of_8)
{
	const uint64_t pfn = 0x1000;

	ASSERT_EQ(0, empty_pagemap(self));
	ASSERT_EQ(0, put_entry(at(self, "proc/1000/pagemap"), 0x55d0c2000000ULL / PAGE,
			       PM_PRESENT | pfn));
	ASSERT_EQ(0, sized(at(self, "proc/kpagecount"), (pfn + 16) * 8));
	ASSERT_EQ(0, sized(at(self, "proc/kpageflags"), pfn * 8 + 4));
	REFUSED("pagemap 1000", "proc/kpageflags", "is not a multiple of 8");
}

/*
 * The hugetlb VMA of tree-hgm (smaps line 53) with KernelPageSize @line, one
 * page of it present: the scanner took its order from ctz(size / 4 kB).
 */
static int kernel_page_size(FIXTURE_DATA(bad) *self, const char *line)
{
	if (edit(at(self, "proc/1000/smaps"), "KernelPageSize:      2048 kB", line) ||
	    empty_pagemap(self))
		return -1;
	return put_entry(at(self, "proc/1000/pagemap"), 0x7f4000000000ULL / PAGE,
			 PM_PRESENT | 0x200000);
}

TEST_F(bad, hugetlb_kernel_page_size_0)
{
	ASSERT_EQ(0, kernel_page_size(self, "KernelPageSize:         0 kB"));
	REFUSED("maps 1000", "proc/1000/smaps", "line 53: KernelPageSize 0 kB is not a page size");
	REFUSED("maps 1000 --json", "proc/1000/smaps", "line 53: KernelPageSize 0 kB");
	REFUSED("top --once 1000", "proc/1000/smaps", "line 53: KernelPageSize 0 kB");
	REFUSED("pagemap 1000", "proc/1000/smaps", "line 53: KernelPageSize 0 kB");
}

TEST_F(bad, hugetlb_kernel_page_size_3k)
{
	ASSERT_EQ(0, kernel_page_size(self, "KernelPageSize:         3 kB"));
	REFUSED("maps 1000", "proc/1000/smaps", "line 53: KernelPageSize 3 kB is not a page size");
	REFUSED("pagemap 1000", "proc/1000/smaps", "line 53: KernelPageSize 3 kB");
	REFUSED("pagemap --json 1000", "proc/1000/smaps", "line 53: KernelPageSize 3 kB");
}

TEST_F(bad, vma_not_page_aligned)
{
	ASSERT_EQ(0, edit(at(self, "proc/1000/smaps"), "7fa000000000-7fa010000000",
			  "7fa000000800-7fa010000000"));
	ASSERT_EQ(0, empty_pagemap(self));
	REFUSED("pagemap 1000", "proc/1000/smaps",
		"line 107: VMA 7fa000000800-7fa010000000 is not page-aligned");
	REFUSED("maps 1000", "proc/1000/smaps", "line 107: VMA 7fa000000800-7fa010000000");
	REFUSED("top --once 1000", "proc/1000/smaps", "line 107: VMA");
}

TEST_F(bad, vma_empty)
{
	ASSERT_EQ(0, edit(at(self, "proc/1000/smaps"), "7fa000000000-7fa010000000",
			  "7fa010000000-7fa010000000"));
	REFUSED("maps 1000", "proc/1000/smaps", "line 107: VMA 7fa010000000-7fa010000000 is empty");
}

TEST_F(bad, fifo_as_smaps)
{
	ASSERT_EQ(0, unlink(at(self, "proc/1000/smaps")));
	ASSERT_EQ(0, mkfifo(self->path, 0644));
	REFUSED("maps 1000", "proc/1000/smaps", "not a regular file");
	REFUSED("maps --json 1000", "proc/1000/smaps", "not a regular file");
	REFUSED("top --once 1000", "proc/1000/smaps", "not a regular file");
}

TEST_F(bad, fifo_as_pagemap)
{
	ASSERT_EQ(0, mkfifo(at(self, "proc/1000/pagemap"), 0644));
	REFUSED("pagemap 1000", "proc/1000/pagemap", "not a regular file");
}

TEST_F(bad, fifo_as_nr_hugepages)
{
	const char *f = "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages";

	ASSERT_EQ(0, unlink(at(self, f)));
	ASSERT_EQ(0, mkfifo(self->path, 0644));
	REFUSED("status", f, "not a regular file");
	REFUSED("pool", f, "not a regular file");
	REFUSED("pool 2M --json", f, "not a regular file");
	REFUSED("top --once", f, "not a regular file");
}

TEST_F(bad, nr_hugepages_huge)
{
	const char *f = "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages";

	ASSERT_EQ(0, spew(at(self, f), "18446744073709551615\n", 21));
	REFUSED("status", f, "18446744073709551615 pages of 2048 kB");
	REFUSED("pool --json", f, "18446744073709551615 pages of 2048 kB");
	REFUSED("top --once", f, "18446744073709551615 pages of 2048 kB");
}

TEST_F(bad, pool_page_size_not_a_power_of_2)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "mv '%s/sys/kernel/mm/hugepages/hugepages-2048kB' "
		 "'%s/sys/kernel/mm/hugepages/hugepages-3kB'", self->tree, self->tree);
	ASSERT_EQ(0, system(cmd));
	REFUSED("status", "sys/kernel/mm/hugepages/hugepages-3kB", "3 kB is not a page size");
	REFUSED("pool", "sys/kernel/mm/hugepages/hugepages-3kB", "3 kB is not a page size");
}

TEST_F(bad, smaps_counter_beyond_the_vma)
{
	ASSERT_EQ(0, edit(at(self, "proc/1000/smaps"), "AnonHugePages:       2048 kB",
			  "AnonHugePages:       9007199254740991 kB"));
	REFUSED("top --once 1000", "proc/1000/smaps",
		"line 41: AnonHugePages 9007199254740991 kB exceeds the VMA's Size 4096 kB");
	REFUSED("maps 1000 --json", "proc/1000/smaps", "line 41: AnonHugePages");
}

TEST_F(bad, vmas_out_of_order)
{
	/* the stack VMA moved below the heap: sums over VMAs could count one range twice */
	ASSERT_EQ(0, edit(at(self, "proc/1000/smaps"), "7ffd00000000-7ffd00021000",
			  "55d0c2000000-55d0c2021000"));
	REFUSED("maps 1000", "proc/1000/smaps", "line 132: VMA 55d0c2000000-55d0c2021000 overlaps");
}

/* Counters sum without wrapping: two mTHP fault counts at INT64_MAX saturate. */
TEST_F(bad, mthp_fault_counts_saturate)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "cd '%s/sys/kernel/mm/transparent_hugepage' && "
		 "mkdir -p hugepages-16kB/stats hugepages-32kB/stats && "
		 "echo 9223372036854775807 > hugepages-16kB/stats/anon_fault_alloc && "
		 "echo 9223372036854775807 > hugepages-32kB/stats/anon_fault_alloc", self->tree);
	ASSERT_EQ(0, system(cmd));
	run(self, NULL, "top --once -w 200");
	EXPECT_EQ(0, self->r.status) TH_LOG("%s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.out, "mTHP faults 9223372036854775807\n"))
		TH_LOG("%s", self->r.out);
}

/* The library's side: -EBADMSG, and hgm_ctx_error() names the file under the root as given. */
TEST_F(bad, library_names_the_file_it_refused)
{
	const char *f = "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages";
	struct hgm_pools *p = NULL;
	struct hgm_ctx *ctx;
	char root[200], want[600];

	snprintf(root, sizeof(root), "%s//", self->tree);
	ASSERT_EQ(0, hgm_ctx_new(&ctx, root));
	EXPECT_EQ(0, hgm_pools_read(ctx, &p));
	hgm_pools_free(p);
	EXPECT_EQ(NULL, hgm_ctx_error(ctx));
	ASSERT_EQ(0, unlink(at(self, f)));
	ASSERT_EQ(0, mkfifo(self->path, 0644));
	EXPECT_EQ(-EBADMSG, hgm_pools_read(ctx, &p));
	snprintf(want, sizeof(want), "%s/%s: not a regular file", self->tree, f);
	EXPECT_STREQ(want, hgm_ctx_error(ctx));
	hgm_ctx_free(ctx);
}

/* An absolute link in a tree points into the tree, never at the live system. */
TEST_F(bad, symlinks_resolve_inside_the_tree)
{
	char link[600];

	snprintf(link, sizeof(link), "%s/proc/1000/recorded-smaps", self->tree);
	ASSERT_EQ(0, rename(at(self, "proc/1000/smaps"), link));
	ASSERT_EQ(0, symlink("/proc/1000/recorded-smaps", self->path));
	run(self, NULL, "maps 1000");
	EXPECT_EQ(0, self->r.status) TH_LOG("%s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.out, "/dev/hugepages/guest-ram"));

	/* and ".." stops at the tree's root: no live file is reached */
	ASSERT_EQ(0, unlink(self->path));
	ASSERT_EQ(0, symlink("../../../../../../../../proc/self/smaps", self->path));
	run(self, NULL, "maps 1000");
	EXPECT_EQ(1, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "process 1000 does not exist"))
		TH_LOG("%s", self->r.err);
}

/* Not refused: the name is shown, escaped (\xNN in text, U+FFFD for bad UTF-8 in JSON). */
TEST_F(bad, vma_name_with_bad_utf8_and_escapes)
{
	static const char name[] = "/tmp/a\xff\xfe\x1b[31mred\x07\xc2\x9bz";
	struct jq_value *doc;
	const struct jq_value *v;
	char err[128];
	size_t i;
	bool found = false;

	ASSERT_EQ(0, edit(at(self, "proc/1000/smaps"), "[heap]", name));

	run(self, NULL, "maps 1000 --json");
	ASSERT_EQ(0, self->r.status) TH_LOG("%s", self->r.err);
	EXPECT_TRUE(clean_text(self->r.out));
	doc = jq_parse(self->r.out, err, sizeof(err));
	ASSERT_NE(NULL, doc) TH_LOG("invalid JSON: %s", err);
	v = jq_get(doc, "vmas");
	for (i = 0; i < jq_len(v); i++) {
		const char *s = jq_str(jq_get(jq_at(v, i), "name"));

		if (s && strncmp(s, "/tmp/a", 6) == 0) {
			EXPECT_STREQ("/tmp/a\xef\xbf\xbd\xef\xbf\xbd\x1b[31mred\x07\xc2\x9bz", s);
			found = true;
		}
	}
	EXPECT_TRUE(found);
	jq_free(doc);

	run(self, NULL, "maps 1000");
	EXPECT_EQ(0, self->r.status);
	EXPECT_TRUE(clean_text(self->r.out));
	EXPECT_NE(NULL, strstr(self->r.out, "\\x1b[31mred"));
	run(self, "LC_ALL=C.UTF-8", "-r maps 1000");
	EXPECT_EQ(0, self->r.status);
	EXPECT_TRUE(clean_text(self->r.out));
	run(self, NULL, "top --once -w 200 1000");
	EXPECT_EQ(0, self->r.status) TH_LOG("%s", self->r.err);
	EXPECT_TRUE(clean_text(self->r.out));
	EXPECT_NE(NULL, strstr(self->r.out, "/tmp/a\\xff\\xfe\\x1b[31mred\\x07\\xc2\\x9bz"))
		TH_LOG("%s", self->r.out);

	/* a command name is the process's to choose, too */
	ASSERT_EQ(0, spew(at(self, "proc/1000/comm"), "qemu\x1b]0;pwned\x07\n", 16));
	run(self, NULL, "top --once -w 200");
	EXPECT_EQ(0, self->r.status) TH_LOG("%s", self->r.err);
	EXPECT_TRUE(clean_text(self->r.out));
	EXPECT_NE(NULL, strstr(self->r.out, " qemu\\x1b]0;pwned ")) TH_LOG("%s", self->r.out);
}

TEST_HARNESS_MAIN
