// SPDX-License-Identifier: GPL-2.0-or-later
/* smaps_test.c - the smaps reader on recorded and crafted inputs */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hgm.h"
#include "kselftest_harness.h"

#define K 1024ULL
#define M (K * K)
#define G (M * K)

static struct hgm_smaps *open_fixture(const char *name)
{
	char path[512];
	struct hgm_smaps *sm = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || hgm_smaps_open_fd(fd, &sm))
		return NULL;
	return sm;
}

/* A reader over @text, through a memfd so that it reads like a file. */
static struct hgm_smaps *open_text(const char *text)
{
	struct hgm_smaps *sm = NULL;
	size_t len = strlen(text);
	int fd = memfd_create("smaps", 0);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET))
		return NULL;
	if (hgm_smaps_open_fd(fd, &sm))
		return NULL;
	return sm;
}

/* Counts the lines of fixture @name that start with @prefix. */
static int count_lines_with(const char *name, const char *prefix)
{
	char path[512], line[8192];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	fclose(f);
	return n;
}

/* Reads records until the end or an error; returns the count, or the error. */
static int count_records(struct hgm_smaps *sm, struct hgm_vma *v)
{
	int n = 0, ret;

	while ((ret = hgm_smaps_next(sm, v)) > 0)
		n++;
	return ret < 0 ? ret : n;
}

FIXTURE(vma) {
	struct hgm_vma *v;
	struct hgm_smaps *sm;
};

FIXTURE_SETUP(vma)
{
	ASSERT_EQ(0, hgm_vma_new(&self->v));
	self->sm = NULL;
}

FIXTURE_TEARDOWN(vma)
{
	hgm_smaps_free(self->sm);
	hgm_vma_free(self->v);
}

TEST_F(vma, reads_every_record_and_field_of_a_recorded_6_18_smaps)
{
	static const enum hgm_smaps_field always[] = {
		HGM_SM_SIZE, HGM_SM_KERNEL_PAGE_SIZE, HGM_SM_MMU_PAGE_SIZE, HGM_SM_RSS,
		HGM_SM_PSS, HGM_SM_PSS_DIRTY, HGM_SM_SHARED_CLEAN, HGM_SM_SHARED_DIRTY,
		HGM_SM_PRIVATE_CLEAN, HGM_SM_PRIVATE_DIRTY, HGM_SM_REFERENCED,
		HGM_SM_ANONYMOUS, HGM_SM_KSM, HGM_SM_LAZY_FREE, HGM_SM_ANON_HUGE_PAGES,
		HGM_SM_SHMEM_PMD_MAPPED, HGM_SM_FILE_PMD_MAPPED, HGM_SM_SHARED_HUGETLB,
		HGM_SM_PRIVATE_HUGETLB, HGM_SM_SWAP, HGM_SM_SWAP_PSS, HGM_SM_LOCKED,
		HGM_SM_THP_ELIGIBLE,
	};
	int n = 0, ret, hugetlb = 0, thp = 0;
	size_t i;

	self->sm = open_fixture("tree-host/proc/4242/smaps");
	ASSERT_NE(NULL, self->sm);
	while ((ret = hgm_smaps_next(self->sm, self->v)) > 0) {
		struct hgm_vma *v = self->v;

		n++;
		for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
			EXPECT_TRUE(HGM_KNOWN(hgm_vma_field(v, always[i]))) {
				TH_LOG("VMA %d lacks %s", n, hgm_smaps_field_name(always[i]));
			}
		EXPECT_EQ(0, hgm_vma_unknown_fields(v));
		EXPECT_EQ(hgm_vma_end(v) - hgm_vma_start(v), hgm_vma_field(v, HGM_SM_SIZE));
		EXPECT_NE(0, hgm_vma_flags(v)[0]);
		EXPECT_EQ(hgm_vma_perms(v)[0] == 'r', hgm_vma_flag(v, HGM_VF_RD));
		if (hgm_vma_kind(v) == HGM_KIND_HUGETLB) {
			hugetlb++;
			EXPECT_EQ(2 * M, hgm_vma_field(v, HGM_SM_KERNEL_PAGE_SIZE));
			EXPECT_EQ(16 * M, hgm_vma_field(v, HGM_SM_PRIVATE_HUGETLB));
			EXPECT_STREQ("/memfd:hgmctl-demo (deleted)", hgm_vma_name(v));
		}
		if (hgm_vma_kind(v) == HGM_KIND_THP) {
			thp++;
			EXPECT_EQ(16 * M, hgm_vma_field(v, HGM_SM_ANON_HUGE_PAGES));
		}
	}
	EXPECT_EQ(0, ret);
	EXPECT_EQ(count_lines_with("tree-host/proc/4242/smaps", "VmFlags:"), n);
	EXPECT_EQ(1, hugetlb);
	EXPECT_EQ(1, thp);
}

TEST_F(vma, header_fields_are_decoded)
{
	struct hgm_vma *v = self->v;
	unsigned int major, minor;

	self->sm = open_fixture("smaps/unknown-fields.smaps");
	ASSERT_NE(NULL, self->sm);
	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));
	EXPECT_EQ(0x10000, hgm_vma_start(v));
	EXPECT_EQ(0x20000, hgm_vma_end(v));
	EXPECT_STREQ("r-xp", hgm_vma_perms(v));
	EXPECT_EQ(0x1000, hgm_vma_offset(v));
	hgm_vma_dev(v, &major, &minor);
	EXPECT_EQ(8, major);
	EXPECT_EQ(1, minor);
	EXPECT_EQ(99, hgm_vma_inode(v));
	/* names keep their spaces */
	EXPECT_STREQ("/opt/my app/lib (deleted)", hgm_vma_name(v));
	EXPECT_EQ(0, hgm_smaps_next(self->sm, v));
}

TEST_F(vma, unknown_labels_and_flags_are_tolerated)
{
	struct hgm_vma *v = self->v;

	self->sm = open_fixture("smaps/unknown-fields.smaps");
	ASSERT_NE(NULL, self->sm);
	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));
	EXPECT_EQ(1, hgm_vma_unknown_fields(v));		/* FutureField */
	EXPECT_EQ(64 * K, hgm_vma_field(v, HGM_SM_RSS));
	EXPECT_TRUE(HGM_KNOWN(hgm_vma_field(v, HGM_SM_LOCKED)));	/* the field after it */
	EXPECT_STREQ("rd ex mr mw me zz", hgm_vma_flags(v));
	EXPECT_TRUE(hgm_vma_flag(v, HGM_VF_EX));
	EXPECT_FALSE(hgm_vma_flag(v, HGM_VF_WR));
}

TEST_F(vma, absent_fields_read_unknown_not_zero)
{
	struct hgm_vma *v = self->v;

	/* a record without the HGM lines (a stock kernel) and without ProtectionKey */
	self->sm = open_fixture("smaps/unknown-fields.smaps");
	ASSERT_NE(NULL, self->sm);
	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));
	EXPECT_EQ(UINT64_MAX, hgm_vma_field(v, HGM_SM_HUGETLB_PTE_MAPPED));
	EXPECT_EQ(UINT64_MAX, hgm_vma_field(v, HGM_SM_PROTECTION_KEY));
	EXPECT_EQ(0, hgm_vma_field(v, HGM_SM_SWAP));		/* present, and 0 */
	/* a field that a newer header knows and this library does not */
	EXPECT_EQ(UINT64_MAX, hgm_vma_field(v, (enum hgm_smaps_field)(HGM_SM_NR_FIELDS + 3)));
	EXPECT_FALSE(hgm_vma_flag(v, (enum hgm_vmflag)(HGM_VF_NR_FLAGS + 3)));
}

TEST_F(vma, hgm_fields_give_bytes_per_level)
{
	struct hgm_vma_usage u;
	struct hgm_vma *v = self->v;

	self->sm = open_fixture("smaps/hgm.smaps");
	ASSERT_NE(NULL, self->sm);
	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));
	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));
	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));	/* guest-ram */
	EXPECT_STREQ("/dev/hugepages/guest-ram", hgm_vma_name(v));
	EXPECT_TRUE(hgm_vma_flag(v, HGM_VF_HT));
	EXPECT_TRUE(hgm_vma_flag(v, HGM_VF_HM));
	EXPECT_TRUE(HGM_KNOWN(hgm_vma_field(v, HGM_SM_HUGETLB_PTE_MAPPED)));
	hgm_vma_usage(v, 2 * M, &u);
	EXPECT_EQ(HGM_KIND_HUGETLB, u.kind);
	EXPECT_TRUE(u.from_hgm_fields);
	EXPECT_TRUE(HGM_KNOWN(u.mapped[HGM_LEVEL_PTE]));
	EXPECT_EQ(2 * M, u.page_size);
	EXPECT_EQ(0, u.mapped[HGM_LEVEL_PUD]);
	EXPECT_EQ(510 * 2 * M, u.mapped[HGM_LEVEL_PMD]);
	EXPECT_EQ(12 * K, u.mapped[HGM_LEVEL_PTE]);

	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));	/* 1 GiB page */
	hgm_vma_usage(v, 2 * M, &u);
	EXPECT_EQ(1 * G, u.page_size);
	EXPECT_EQ(1 * G, u.mapped[HGM_LEVEL_PUD]);
	EXPECT_EQ(0, u.mapped[HGM_LEVEL_PMD]);
}

TEST_F(vma, without_hgm_fields_hugetlb_counts_at_its_page_size_level)
{
	struct hgm_vma_usage u;
	struct hgm_vma *v = self->v;

	self->sm = open_text(
		"7f0000000000-7f0000400000 rw-s 00000000 00:0f 5 /dev/hugepages/a\n"
		"KernelPageSize:     2048 kB\n"
		"Shared_Hugetlb:     2048 kB\n"
		"Private_Hugetlb:    2048 kB\n"
		"VmFlags: rd wr sh mr mw me ms ht \n"
		"7f0040000000-7f0080000000 rw-p 00000000 00:10 6 /anon_hugepage (deleted)\n"
		"KernelPageSize:  1048576 kB\n"
		"Private_Hugetlb: 1048576 kB\n"
		"VmFlags: rd wr mr mw me ht \n");
	ASSERT_NE(NULL, self->sm);
	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));
	hgm_vma_usage(v, 2 * M, &u);
	EXPECT_FALSE(u.from_hgm_fields);
	EXPECT_EQ(4 * M, u.mapped[HGM_LEVEL_PMD]);
	EXPECT_EQ(0, u.mapped[HGM_LEVEL_PTE]);
	EXPECT_EQ(0, u.mapped[HGM_LEVEL_PUD]);
	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));
	hgm_vma_usage(v, 2 * M, &u);
	EXPECT_EQ(1 * G, u.mapped[HGM_LEVEL_PUD]);
	EXPECT_EQ(0, hgm_smaps_next(self->sm, v));
}

TEST_F(vma, thp_pmd_bytes_sum_anon_shmem_and_file_and_pte_is_unknown)
{
	struct hgm_vma_usage u;
	struct hgm_vma *v = self->v;

	self->sm = open_text(
		"1000-2000 rw-p 00000000 00:00 0\n"
		"AnonHugePages:   4096 kB\n"
		"ShmemPmdMapped:     0 kB\n"
		"FilePmdMapped:   2048 kB\n"
		"VmFlags: rd wr mr mw me ac \n");
	ASSERT_NE(NULL, self->sm);
	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));
	hgm_vma_usage(v, 2 * M, &u);
	EXPECT_EQ(HGM_KIND_THP, u.kind);
	EXPECT_EQ(6 * M, u.mapped[HGM_LEVEL_PMD]);
	EXPECT_FALSE(HGM_KNOWN(u.mapped[HGM_LEVEL_PTE]));
}

TEST_F(vma, widened_label_padding_and_tabs_parse_the_same)
{
	struct hgm_vma *v = self->v;

	self->sm = open_fixture("smaps/wide-padding.smaps");
	ASSERT_NE(NULL, self->sm);
	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));
	EXPECT_STREQ("[heap]", hgm_vma_name(v));
	EXPECT_EQ(8 * K, hgm_vma_field(v, HGM_SM_SIZE));
	EXPECT_EQ(8 * K, hgm_vma_field(v, HGM_SM_RSS));
	EXPECT_EQ(0, hgm_vma_unknown_fields(v));
	ASSERT_EQ(1, hgm_smaps_next(self->sm, v));
	EXPECT_EQ(2 * M, hgm_vma_field(v, HGM_SM_SHARED_HUGETLB));
	EXPECT_EQ(HGM_KIND_HUGETLB, hgm_vma_kind(v));
	EXPECT_EQ(0, hgm_smaps_next(self->sm, v));
}

TEST_F(vma, text_cut_mid_line_is_an_error_after_the_whole_records)
{
	self->sm = open_fixture("smaps/truncated.smaps");
	ASSERT_NE(NULL, self->sm);
	ASSERT_EQ(1, hgm_smaps_next(self->sm, self->v));
	ASSERT_EQ(1, hgm_smaps_next(self->sm, self->v));
	/* the guest-ram record ends in "Private_Hugetlb:  10" without a newline */
	EXPECT_EQ(-EBADMSG, hgm_smaps_next(self->sm, self->v));
	EXPECT_EQ(70, hgm_smaps_lineno(self->sm));
}

TEST_F(vma, garbage_line_is_an_error_naming_its_line)
{
	self->sm = open_fixture("smaps/garbage.smaps");
	ASSERT_NE(NULL, self->sm);
	EXPECT_EQ(-EBADMSG, count_records(self->sm, self->v));
	EXPECT_EQ(6, hgm_smaps_lineno(self->sm));
}

TEST_F(vma, size_field_in_other_unit_is_rejected)
{
	self->sm = open_fixture("smaps/bad-unit.smaps");
	ASSERT_NE(NULL, self->sm);
	EXPECT_EQ(-EBADMSG, count_records(self->sm, self->v));
}

TEST_F(vma, field_before_any_header_is_rejected)
{
	self->sm = open_text("Rss: 4 kB\n1000-2000 rw-p 00000000 00:00 0\n");
	ASSERT_NE(NULL, self->sm);
	EXPECT_EQ(-EBADMSG, hgm_smaps_next(self->sm, self->v));
	EXPECT_EQ(1, hgm_smaps_lineno(self->sm));
}

TEST_F(vma, malformed_headers_are_rejected)
{
	static const char *const bad[] = {
		"1000-0800 rw-p 00000000 00:00 0\n",		/* end before start */
		"1000-2000 rw-p 00000000 00:00\n",		/* no inode */
		"1000-2000 rw 00000000 00:00 0\n",		/* short perms */
		"1000-2000 rw-p 00000000 0000 0\n",		/* no major:minor */
		"1000-2000 rw-p 00000000 00:00 0x\n",		/* inode not decimal */
		"10000000000000000-2000 rw-p 0 00:00 0\n",	/* address overflow */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hgm_smaps *sm = open_text(bad[i]);

		ASSERT_NE(NULL, sm);
		EXPECT_EQ(-EBADMSG, hgm_smaps_next(sm, self->v)) {
			TH_LOG("accepted: %s", bad[i]);
		}
		hgm_smaps_free(sm);
	}
}

TEST_F(vma, empty_input_has_no_records)
{
	self->sm = open_fixture("smaps/empty.smaps");
	ASSERT_NE(NULL, self->sm);
	EXPECT_EQ(0, hgm_smaps_next(self->sm, self->v));
}

TEST_F(vma, kinds_follow_flags_names_and_thp_fields)
{
	static const struct { const char *rec; enum hgm_kind kind; } cases[] = {
		{ "1000-2000 rw-s 00000000 00:0f 1 /dev/hugepages/x\nVmFlags: rd sh ht\n",
		  HGM_KIND_HUGETLB },
		{ "1000-2000 rw-s 00000000 00:01 1 /dev/zero (deleted)\nVmFlags: rd sh\n",
		  HGM_KIND_SHMEM },
		{ "1000-2000 rw-s 00000000 00:01 1 /memfd:buf (deleted)\nVmFlags: rd sh\n",
		  HGM_KIND_SHMEM },
		{ "1000-2000 rw-s 00000000 00:01 1 /SYSV00000000 (deleted)\nVmFlags: rd sh\n",
		  HGM_KIND_SHMEM },
		{ "1000-2000 r--p 00000000 08:01 1 /usr/lib/libc.so.6\nVmFlags: rd\n",
		  HGM_KIND_FILE },
		{ "1000-2000 rw-p 00000000 00:00 0 \nVmFlags: rd wr\n", HGM_KIND_ANON },
		{ "1000-2000 rw-p 00000000 00:00 0 [heap]\nAnonHugePages: 2048 kB\nVmFlags: rd wr\n",
		  HGM_KIND_THP },
		{ "1000-2000 rw-p 00000000 00:00 0 [anon:jit]\nVmFlags: rd wr\n", HGM_KIND_ANON },
		{ "1000-2000 r-xp 00000000 00:00 0 [vdso]\nVmFlags: rd ex\n", HGM_KIND_OTHER },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hgm_smaps *sm = open_text(cases[i].rec);

		ASSERT_NE(NULL, sm);
		ASSERT_EQ(1, hgm_smaps_next(sm, self->v));
		EXPECT_EQ(cases[i].kind, hgm_vma_kind(self->v)) {
			TH_LOG("%s", cases[i].rec);
		}
		hgm_smaps_free(sm);
	}
}

TEST_F(vma, long_names_are_cut_and_overlong_lines_rejected)
{
	static const char hdr[] = "1000-2000 r--p 00000000 08:01 1 /";
	size_t n = 5000, big = 2 * 1024 * 1024, h = sizeof(hdr) - 1;
	char *text = malloc(big + 128);

	ASSERT_NE(NULL, text);
	memcpy(text, hdr, h);
	memset(text + h, 'a', n);
	strcpy(text + h + n, "\nVmFlags: rd\n");
	self->sm = open_text(text);
	ASSERT_NE(NULL, self->sm);
	ASSERT_EQ(1, hgm_smaps_next(self->sm, self->v));
	EXPECT_EQ(4095, strlen(hgm_vma_name(self->v)));	/* as hgm.h says */
	hgm_smaps_free(self->sm);

	/* a "line" of 2 MiB is not smaps: an error, not unbounded memory */
	memset(text + h, 'b', big);
	strcpy(text + h + big, "\n");
	self->sm = open_text(text);
	ASSERT_NE(NULL, self->sm);
	EXPECT_EQ(-EBADMSG, hgm_smaps_next(self->sm, self->v));
	free(text);
}

TEST_F(vma, many_records_stream_through_one_buffer)
{
	const int n = 20000;
	size_t cap = (size_t)n * 80 + 1, len = 0;
	char *text = malloc(cap);
	int i;

	ASSERT_NE(NULL, text);
	for (i = 0; i < n; i++)
		len += snprintf(text + len, cap - len,
				"%x-%x rw-p 00000000 00:00 0\nRss: %d kB\nVmFlags: rd wr\n",
				(i + 1) << 12, (i + 2) << 12, i % 7);
	self->sm = open_text(text);
	free(text);
	ASSERT_NE(NULL, self->sm);
	EXPECT_EQ(n, count_records(self->sm, self->v));
}

TEST_HARNESS_MAIN
