// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pagemap_test.c - `hgmctl pagemap` against the live kernel: folios of PMD- and
 * PTE-mapped THP, mTHP, hugetlb and KSM pages, rows of whole folios, and scans
 * of a target that changes or exits.
 *
 * Needs root (hugetlb pools are grown for the test and restored after); each
 * test SKIPs with the reason when it cannot set up what it needs.
 */
#include "live.h"

/* Whether pagemap gave @n rows, the first THP: what the test asked the kernel for. */
static bool thp_rows_as_asked(const struct jq_value *json, size_t n)
{
	return jq_len(jq_get(json, "folios")) == n &&
	       strcmp(jq_str(jq_get(json, "folios[0].kind")) ?: "", "thp") == 0;
}

TEST_F(live, pagemap_shows_pmd_mapped_thp_as_order_9_pmd_rows)
{
	const struct layout l = { .thp = 8 * M };
	struct placed p;
	char smaps[64];
	int status;
	size_t i;

	NEED_ROOT("read PFNs and kpageflags");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	snprintf(smaps, sizeof(smaps), "/proc/%d/smaps_rollup", self->child);
	if (smaps_sum(smaps, "AnonHugePages") < 8 * M)
		SKIP(return, "the kernel gave fewer THPs than asked");
	self->json = pagemap_json(self->child, p.thp_addr, 8 * M, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, rows_of(self->json, p.thp_addr, 2 * M, 4));
	for (i = 0; i < 4; i++) {
		const struct jq_value *r = jq_at(jq_get(self->json, "folios"), i);

		EXPECT_STREQ("pmd", jq_str(jq_get(r, "level")));
		EXPECT_STREQ("thp", jq_str(jq_get(r, "kind")));
		EXPECT_EQ(9, u64_at(r, "order"));
		EXPECT_EQ(1, u64_at(r, "mapcount"));
		EXPECT_EQ(1, jq_bool(jq_get(r, "exclusive")));
		EXPECT_EQ(0, hex_at(r, "pfn") % 512);
		EXPECT_EQ(hex_at(r, "pfn"), hex_at(r, "head_pfn"));
		EXPECT_NE(UINT64_MAX, u64_at(r, "node"));
	}
}

TEST_F(live, pagemap_shows_split_thp_as_pte_rows_of_whole_folios)
{
	const struct layout l = { .thp = 8 * M, .split_all = true };
	struct placed p;
	int status;
	size_t i;

	NEED_ROOT("read PFNs and kpageflags");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	self->json = pagemap_json(self->child, p.thp_addr, 8 * M, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	if (!thp_rows_as_asked(self->json, 4))
		SKIP(return, "the kernel gave fewer THPs than asked");
	/* the PMDs are split, the folios are not: each is one row, mapped by PTEs */
	ASSERT_EQ(0, rows_of(self->json, p.thp_addr, 2 * M, 4));
	for (i = 0; i < 4; i++) {
		const struct jq_value *r = jq_at(jq_get(self->json, "folios"), i);

		EXPECT_STREQ("pte", jq_str(jq_get(r, "level")));
		EXPECT_STREQ("thp", jq_str(jq_get(r, "kind")));
		EXPECT_EQ(9, u64_at(r, "order"));
		EXPECT_EQ(1, u64_at(r, "mapcount"));
	}
}

/*
 * A folio cut by a VMA boundary and partly unmapped is still one folio of
 * order 9 mapped by PTEs, in each VMA: the scanner guesses the order from
 * where the page is mapped and confirms it, and must not take the pieces for
 * smaller folios.
 */
TEST_F(live, pagemap_shows_partly_mapped_split_thp_at_its_order)
{
	const struct layout l = { .thp = 4 * M, .split_all = true, .carve = true };
	struct placed p;
	int status;

	NEED_ROOT("read PFNs and kpageflags");
	self->child = spawn(&l, &p);
	ASSERT_EQ(0, p.err);
	self->json = pagemap_json(self->child, p.thp_addr, 4 * M, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	if (!thp_rows_as_asked(self->json, 3))
		SKIP(return, "the kernel gave fewer THPs than asked");
	/* the first folio: its first page (a VMA of its own), then pages 2 to 511 */
	{
		const struct jq_value *one = jq_at(jq_get(self->json, "folios"), 0);
		const struct jq_value *rest = jq_at(jq_get(self->json, "folios"), 1);
		uint64_t base = p.thp_addr;

		EXPECT_EQ(base, hex_at(one, "start"));
		EXPECT_EQ(base + 4096, hex_at(one, "end"));
		EXPECT_EQ(base + 8192, hex_at(rest, "start"));
		EXPECT_EQ(base + 2 * M, hex_at(rest, "end"));
		EXPECT_STREQ("pte", jq_str(jq_get(one, "level")));
		EXPECT_STREQ("pte", jq_str(jq_get(rest, "level")));
		EXPECT_STREQ("thp", jq_str(jq_get(one, "kind")));
		EXPECT_STREQ("thp", jq_str(jq_get(rest, "kind")));
		EXPECT_EQ(9, u64_at(one, "order"));
		EXPECT_EQ(9, u64_at(rest, "order"));
		EXPECT_EQ(0, hex_at(one, "head_pfn") % 512);
		EXPECT_EQ(hex_at(one, "pfn"), hex_at(one, "head_pfn"));
		EXPECT_EQ(hex_at(one, "head_pfn"), hex_at(rest, "head_pfn"));
		EXPECT_EQ(hex_at(one, "head_pfn") + 2, hex_at(rest, "pfn"));
	}
	/* the rest of the last folio, moved: where it is mapped guesses wrong */
	{
		uint64_t head = hex_at(self->json, "folios[2].head_pfn");

		jq_free(self->json);
		self->json = pagemap_json(self->child, p.moved_addr, 2 * M - 8192, &status);
		ASSERT_NE(NULL, self->json);
		ASSERT_EQ(0, status);
		ASSERT_EQ(1, jq_len(jq_get(self->json, "folios")));
		EXPECT_STREQ("pte", jq_str(jq_get(self->json, "folios[0].level")));
		EXPECT_STREQ("thp", jq_str(jq_get(self->json, "folios[0].kind")));
		EXPECT_EQ(9, u64_at(self->json, "folios[0].order"));
		EXPECT_EQ(head, hex_at(self->json, "folios[0].head_pfn"));
		EXPECT_EQ(head + 2, hex_at(self->json, "folios[0].pfn"));
	}
}

TEST_F(live, pagemap_shows_hugetlb_pages_at_their_level)
{
	const struct layout l2 = { .hugetlb = 4 * M, .hpage = 2 * M };
	const struct layout l1 = { .hugetlb = 1 * G, .hpage = 1 * G };
	struct placed p;
	int status;

	NEED_ROOT("reserve hugetlb pages");
	ASSERT_EQ(0, pool_make_free(2 * M, 2));
	self->child = spawn(&l2, &p);
	ASSERT_EQ(0, p.err);
	self->json = pagemap_json(self->child, p.hugetlb_addr, 4 * M, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, rows_of(self->json, p.hugetlb_addr, 2 * M, 2));
	EXPECT_STREQ("pmd", jq_str(jq_get(self->json, "folios[1].level")));
	EXPECT_STREQ("hugetlb", jq_str(jq_get(self->json, "folios[1].kind")));
	EXPECT_EQ(9, u64_at(self->json, "folios[1].order"));
	EXPECT_EQ(1, u64_at(self->json, "folios[1].mapcount"));
	kill(self->child, SIGKILL);
	waitpid(self->child, NULL, 0);
	self->child = 0;
	jq_free(self->json);
	self->json = NULL;

	if (!self->have[1] || pool_make_free(1 * G, 1))
		SKIP(return, "cannot reserve a free 1 GiB hugepage");
	self->child = spawn(&l1, &p);
	ASSERT_EQ(0, p.err);
	self->json = pagemap_json(self->child, p.hugetlb_addr, 1 * G, &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, rows_of(self->json, p.hugetlb_addr, 1 * G, 1));
	EXPECT_STREQ("pud", jq_str(jq_get(self->json, "folios[0].level")));
	EXPECT_EQ(18, u64_at(self->json, "folios[0].order"));
	EXPECT_EQ(0, hex_at(self->json, "folios[0].pfn") % (1 << 18));
}

TEST_F(live, pagemap_shows_64k_mthp_folios)
{
	static const char knob[] = "/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled";
	const struct layout l = { .small = 1 * M };
	char saved[128] = "", *a, *b;
	struct placed p;
	int status;
	size_t i, n;
	FILE *f;

	NEED_ROOT("enable 64 KiB mTHP");
	f = fopen(knob, "r");
	if (!f)
		SKIP(return, "this kernel has no 64 KiB mTHP");
	ASSERT_NE(NULL, fgets(saved, sizeof(saved), f));
	fclose(f);
	a = strchr(saved, '[');
	b = a ? strchr(a, ']') : NULL;
	ASSERT_NE(NULL, b);
	*b = '\0';
	f = fopen(knob, "w");
	ASSERT_NE(NULL, f);
	fputs("always", f);
	ASSERT_EQ(0, fclose(f));
	self->child = spawn(&l, &p);
	/* restore at once: the knob is system-wide */
	f = fopen(knob, "w");
	ASSERT_NE(NULL, f);
	fputs(a + 1, f);
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(0, p.err);
	self->json = pagemap_json(self->child, p.small_addr, 1 * M, &status);
	ASSERT_NE(NULL, self->json);
	n = jq_len(jq_get(self->json, "folios"));
	/*
	 * 1 MiB in 64 KiB folios, naturally aligned: where the VMA does not
	 * start on 64 KiB, the pages before the first boundary are base pages
	 */
	{
		uint64_t bytes = 0;

		for (i = 0; i < n; i++) {
			const struct jq_value *r = jq_at(jq_get(self->json, "folios"), i);

			if (strcmp(jq_str(jq_get(r, "kind")), "mthp"))
				continue;
			EXPECT_EQ(4, u64_at(r, "order"));
			EXPECT_STREQ("pte", jq_str(jq_get(r, "level")));
			EXPECT_EQ(0, hex_at(r, "start") % (64 * K));
			EXPECT_EQ(64 * K, hex_at(r, "end") - hex_at(r, "start"));
			bytes += hex_at(r, "end") - hex_at(r, "start");
		}
		if (bytes == 0)
			SKIP(return, "the kernel gave no 64 KiB folios");
		EXPECT_GE(bytes, 1 * M - 64 * K);
	}
}

/* Writes @val to @path, saving what was there in @saved (size 64). */
static int swap_knob(const char *path, const char *val, char *saved)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f || !fgets(saved, 64, f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	saved[strcspn(saved, "\n")] = '\0';
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fputs(val, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

TEST_F(live, pagemap_shows_ksm_merged_pages)
{
	static const char *const knobs[] = {
		"/sys/kernel/mm/ksm/run", "/sys/kernel/mm/ksm/sleep_millisecs",
		"/sys/kernel/mm/ksm/pages_to_scan",
	};
	static const char *const vals[] = { "1", "10", "1000" };
	char saved[3][64], args[128], smaps[64];
	unsigned int i, tries;
	uint64_t ksm = 0, unknown = 0, base = 0;
	int fds[2], status;
	uint64_t addr = 0;

	NEED_ROOT("run ksmd");
	if (access(knobs[0], W_OK))
		SKIP(return, "this kernel has no KSM");
	ASSERT_EQ(0, pipe(fds));
	self->child = fork();
	if (self->child == 0) {
		char *a = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t at = (uintptr_t)a;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		memset(a, 0x5a, 64 * 4096);	/* 64 identical pages */
		madvise(a, 64 * 4096, MADV_MERGEABLE);
		if (write(fds[1], &at, sizeof(at)) != sizeof(at))
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(sizeof(addr), read(fds[0], &addr, sizeof(addr)));
	close(fds[0]);
	close(fds[1]);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, swap_knob(knobs[i], vals[i], saved[i]));
	}
	snprintf(smaps, sizeof(smaps), "/proc/%d/smaps_rollup", self->child);
	for (tries = 0; tries < 100 && smaps_sum(smaps, "KSM") < 32 * 4096; tries++)
		usleep(100 * 1000);
	snprintf(args, sizeof(args), "pagemap %d %" PRIx64 "+256K --json", self->child, addr);
	self->json = hgmctl_json(args, &status);
	for (i = 0; i < 3; i++) {
		char ignored[64];

		EXPECT_EQ(0, swap_knob(knobs[i], saved[i], ignored));
	}
	ASSERT_NE(NULL, self->json);
	for (i = 0; i < jq_len(jq_get(self->json, "folios")); i++) {
		const struct jq_value *r = jq_at(jq_get(self->json, "folios"), i);
		const char *kind = jq_str(jq_get(r, "kind"));
		uint64_t pages = (hex_at(r, "end") - hex_at(r, "start")) / 4096;

		if (strcmp(kind, "ksm") == 0) {
			ksm += pages;
			/* one KSM page, mapped by all 64 virtual pages */
			EXPECT_EQ(0, u64_at(r, "order"));
			EXPECT_EQ(0, jq_bool(jq_get(r, "exclusive")));
		} else if (strcmp(kind, "unknown") == 0) {
			unknown += pages;
		} else {
			base += pages;
		}
	}
	if (smaps_sum(smaps, "KSM") == 0)
		SKIP(return, "ksmd merged nothing within 10 s");
	/*
	 * Every merged page is reported as KSM, or, where the kernel's KPF_KSM
	 * cannot be trusted (6.12 sets it on all anonymous pages), as unknown:
	 * never as a base page.
	 */
	EXPECT_EQ(smaps_sum(smaps, "KSM") / 4096, ksm + unknown);
	EXPECT_TRUE(ksm == 0 || unknown == 0);
	EXPECT_EQ(64 - smaps_sum(smaps, "KSM") / 4096, base);
}

TEST_F(live, scans_of_a_changing_or_exiting_target_end_cleanly)
{
	char cmd[256], *out;
	int i, status;

	/* a target that maps and unmaps THP while it is scanned, then exits */
	self->child = fork();
	if (self->child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 0; i < 400; i++) {
			char *a = mmap(NULL, 8 * M, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (a == MAP_FAILED)
				_exit(1);
			madvise(a, 8 * M, MADV_HUGEPAGE);
			memset(a, 1, 8 * M);
			munmap(a, 8 * M);
		}
		_exit(0);
	}
	ASSERT_GT(self->child, 0);
	for (i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "%s pagemap %d --json >/dev/null 2>&1", hgmctl(),
			 self->child);
		out = jq_read_cmd(cmd, &status);
		ASSERT_NE(NULL, out);
		free(out);
		/* whole result (0) or a clear error (1), never a crash */
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_LE(WEXITSTATUS(status), 1);
	}
}

TEST_HARNESS_MAIN
