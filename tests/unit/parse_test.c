// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * parse_test.c - libcommon's argument parsers (lib/common/parse.c): what
 * hgmctl(8) says they take, and that nothing else gets through (issue 13:
 * no blanks, no signs, no octal guesses, no wrap, no overflow).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "parse.h"
#include "kselftest_harness.h"

#define M (UINT64_C(1) << 20)
#define G (UINT64_C(1) << 30)

TEST(sizes_take_binary_suffixes)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "0", 0 }, { "4096", 4096 }, { "2M", 2 * M }, { "2m", 2 * M }, { "1G", G },
		{ "2048kB", 2 * M }, { "2048K", 2 * M }, { "1GiB", G }, { "3MiB", 3 * M },
		{ "1T", 1024 * G }, { "16777215T", 16777215ULL << 40 }, { "12b", 12 },
	};
	static const char *const bad[] = {
		"", "M", "-1", "+1", " 2M", "2M ", "2 M", "1.5G", "2X", "1GG", "0x10", "2M\n",
	};
	size_t i;
	uint64_t v;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		EXPECT_EQ(0, parse_size(ok[i].s, &v)) {
			TH_LOG("%s", ok[i].s);
		}
		EXPECT_EQ(ok[i].v, v) {
			TH_LOG("%s", ok[i].s);
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, parse_size(bad[i], &v)) {
			TH_LOG("accepted '%s'", bad[i]);
		}
	}
	EXPECT_EQ(-ERANGE, parse_size("16777216T", &v));
	EXPECT_EQ(-ERANGE, parse_size("99999999999999999999", &v));
	EXPECT_EQ(-EINVAL, parse_size(NULL, &v));
}

TEST(page_amounts_are_counts_or_whole_pages_of_bytes)
{
	uint64_t v = 7;
	bool bytes;

	EXPECT_EQ(0, parse_pages("8", 2 * M, &v, &bytes));
	EXPECT_EQ(8, v);
	EXPECT_FALSE(bytes);
	EXPECT_EQ(0, parse_pages("8G", 2 * M, &v, &bytes));
	EXPECT_EQ(4096, v);
	EXPECT_TRUE(bytes);
	EXPECT_EQ(0, parse_pages("0M", G, &v, &bytes));
	EXPECT_EQ(0, v);
	EXPECT_TRUE(bytes);
	EXPECT_EQ(0, parse_pages("4096b", 4096, &v, &bytes));
	EXPECT_EQ(1, v);
	/* not whole pages: said apart from garbage, and *pages untouched */
	v = 7;
	EXPECT_EQ(-EDOM, parse_pages("3M", 2 * M, &v, &bytes));
	EXPECT_EQ(-EDOM, parse_pages("1536M", G, &v, &bytes));
	EXPECT_EQ(7, v);
	EXPECT_EQ(-EINVAL, parse_pages("2X", 2 * M, &v, &bytes));
	EXPECT_EQ(-EINVAL, parse_pages("", 2 * M, &v, &bytes));
	EXPECT_EQ(-EINVAL, parse_pages("-2M", 2 * M, &v, &bytes));
	EXPECT_EQ(-EINVAL, parse_pages("2M", 0, &v, &bytes));
	EXPECT_EQ(-ERANGE, parse_pages("16777216T", 2 * M, &v, &bytes));
	EXPECT_EQ(7, v);
}

TEST(ranges_parse_in_three_forms)
{
	struct addr_range r;

	ASSERT_EQ(0, parse_range("7f0000000000-7f0000200000", &r));
	EXPECT_EQ(0x7f0000000000ULL, r.start);
	EXPECT_EQ(0x7f0000200000ULL, r.end);
	EXPECT_EQ(-1, r.vma);
	ASSERT_EQ(0, parse_range("0x1000+2M", &r));
	EXPECT_EQ(0x1000 + 2 * M, r.end);
	ASSERT_EQ(0, parse_range("0X1000-0x2000", &r));
	EXPECT_EQ(0x2000, r.end);
	ASSERT_EQ(0, parse_range("vma:3", &r));
	EXPECT_EQ(3, r.vma);
	/* up to the start of the last page (where a 4 KiB page ends without wrapping) */
	ASSERT_EQ(0, parse_range("ffffffffffffe000-fffffffffffff000", &r));
	EXPECT_EQ(0xfffffffffffff000ULL, r.end);
}

TEST(ranges_refuse_blanks_signs_and_garbage)
{
	static const char *const bad[] = {
		"2000-1000", "1000+0", "1000-1000", "vma:", "vma:-1", "vma:+1", "vma: 1",
		"vma:1 ", "zz-1000", "1000", "1000-2000x", "1000- -1000", "1000-+2000",
		"1000--1000", " 1000-2000", "1000-2000 ", "1000 -2000", "-1000-2000",
		"+1000-2000", "0x-2000", "1000-0x", "1000+ 4K", "1000+-4K", "1000++4K", "",
		"0x0x10-20", "1000-2000\n",
	};
	struct addr_range r = { 1, 2, 3 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, parse_range(bad[i], &r)) {
			TH_LOG("accepted '%s'", bad[i]);
		}
	}
	EXPECT_EQ(1, r.start);
	EXPECT_EQ(2, r.end);
	EXPECT_EQ(3, r.vma);
}

TEST(ranges_refuse_overflow_and_the_wrap_at_the_last_page)
{
	struct addr_range r;

	/* widened to whole pages, these ends would wrap to 0 */
	EXPECT_EQ(-ERANGE, parse_range("0-ffffffffffffffff", &r));
	EXPECT_EQ(-ERANGE, parse_range("fffffffffffff000-ffffffffffffffff", &r));
	EXPECT_EQ(-ERANGE, parse_range("0-fffffffffffff001", &r));
	EXPECT_EQ(-ERANGE, parse_range("0+18446744073709551615", &r));
	EXPECT_EQ(-ERANGE, parse_range("10000000000000000-20000000000000000", &r));
	EXPECT_EQ(-ERANGE, parse_range("1000-10000000000000000", &r));
	EXPECT_EQ(-ERANGE, parse_range("ffffffffffffffff+16T", &r));
	EXPECT_EQ(-ERANGE, parse_range("vma:99999999999999999999", &r));
	EXPECT_EQ(-ERANGE, parse_range("vma:9223372036854775808", &r));
}

TEST(addresses_are_hexadecimal)
{
	uint64_t a;

	ASSERT_EQ(0, parse_addr("7f00", &a));
	EXPECT_EQ(0x7f00, a);
	ASSERT_EQ(0, parse_addr("0x7F00", &a));
	EXPECT_EQ(0x7f00, a);
	ASSERT_EQ(0, parse_addr("ffffffffffffffff", &a));
	EXPECT_EQ(UINT64_MAX, a);
	EXPECT_EQ(-EINVAL, parse_addr("", &a));
	EXPECT_EQ(-EINVAL, parse_addr("0x", &a));
	EXPECT_EQ(-EINVAL, parse_addr(" 1000", &a));
	EXPECT_EQ(-EINVAL, parse_addr("+1000", &a));
	EXPECT_EQ(-EINVAL, parse_addr("-1", &a));
	EXPECT_EQ(-EINVAL, parse_addr("1000 ", &a));
	EXPECT_EQ(-EINVAL, parse_addr("12g", &a));
	EXPECT_EQ(-ERANGE, parse_addr("10000000000000000", &a));
}

TEST(pids_are_decimal_from_1)
{
	static const char *const bad[] = {
		"", " 1", "+1", "-1", "1 ", "0x10", "1e3", "1.0", "self", "1\n",
	};
	pid_t pid = 42;
	size_t i;

	ASSERT_EQ(0, parse_pid("1", &pid));
	EXPECT_EQ(1, pid);
	ASSERT_EQ(0, parse_pid("2147483647", &pid));
	EXPECT_EQ(INT_MAX, pid);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, parse_pid(bad[i], &pid)) {
			TH_LOG("accepted '%s'", bad[i]);
		}
	}
	EXPECT_EQ(-ERANGE, parse_pid("0", &pid));
	EXPECT_EQ(-ERANGE, parse_pid("2147483648", &pid));
	EXPECT_EQ(-ERANGE, parse_pid("99999999999999999999", &pid));
	EXPECT_EQ(INT_MAX, pid);
}

TEST(pid_lists_are_sorted_once_each_and_never_empty)
{
	static const char *const bad[] = {
		"", ",", "1,,2", "1,", ",1", "1, 2", "1,+2", "1;2", "1,0", "1,x",
		"1,99999999999999999999999999",
	};
	pid_t *v = NULL;
	size_t n = 0, i;

	ASSERT_EQ(0, parse_pid_list("30,1,20,1,30", &v, &n));
	ASSERT_EQ(3, n);
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(20, v[1]);
	EXPECT_EQ(30, v[2]);
	free(v);
	ASSERT_EQ(0, parse_pid_list("7", &v, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(7, v[0]);
	free(v);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = NULL;
		EXPECT_NE(0, parse_pid_list(bad[i], &v, &n)) {
			TH_LOG("accepted '%s'", bad[i]);
		}
		EXPECT_EQ(NULL, v);
	}
}

TEST(list_items_come_one_by_one_and_none_is_empty)
{
	const char *p = "0=1,12=3";
	char buf[8];

	ASSERT_EQ(1, list_next(&p, buf, sizeof(buf)));
	EXPECT_STREQ("0=1", buf);
	ASSERT_EQ(1, list_next(&p, buf, sizeof(buf)));
	EXPECT_STREQ("12=3", buf);
	EXPECT_EQ(0, list_next(&p, buf, sizeof(buf)));
	p = "";
	EXPECT_EQ(-EINVAL, list_next(&p, buf, sizeof(buf)));
	p = "1,,2";
	ASSERT_EQ(1, list_next(&p, buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, list_next(&p, buf, sizeof(buf)));
	p = "1,";
	ASSERT_EQ(1, list_next(&p, buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, list_next(&p, buf, sizeof(buf)));
	p = "12345678,1";
	EXPECT_EQ(-ERANGE, list_next(&p, buf, sizeof(buf)));
}

TEST(pfns_are_decimal_or_0x_hexadecimal)
{
	static const char *const bad[] = {
		"", "0777", "00", "0x", " 1", "+1", "-1", "1 ", "0b1", "1e3", "0x1g", "0o7",
	};
	uint64_t pfn = 42;
	size_t i;

	ASSERT_EQ(0, parse_pfn("0", &pfn));
	EXPECT_EQ(0, pfn);
	ASSERT_EQ(0, parse_pfn("777", &pfn));
	EXPECT_EQ(777, pfn);
	ASSERT_EQ(0, parse_pfn("0x777", &pfn));
	EXPECT_EQ(0x777, pfn);
	ASSERT_EQ(0, parse_pfn("0X1ff", &pfn));
	EXPECT_EQ(0x1ff, pfn);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, parse_pfn(bad[i], &pfn)) {
			TH_LOG("accepted '%s'", bad[i]);
		}
	}
	EXPECT_EQ(-ERANGE, parse_pfn("0x10000000000000000", &pfn));
	EXPECT_EQ(-ERANGE, parse_pfn("18446744073709551616", &pfn));
	EXPECT_EQ(0x1ff, pfn);
}

TEST(seconds_are_plain_decimals)
{
	static const char *const bad[] = {
		"", "nan", "NAN", "inf", "-inf", "infinity", "-1", "+1", " 2", "2 ", "1e1",
		"1e300", "0x2", "0x1p3", ".5", "1.", "2s", "1,5",
	};
	uint64_t ns = 42;
	size_t i;

	ASSERT_EQ(0, parse_seconds("2", &ns));
	EXPECT_EQ(2000000000ULL, ns);
	ASSERT_EQ(0, parse_seconds("0.1", &ns));
	EXPECT_EQ(100000000ULL, ns);
	ASSERT_EQ(0, parse_seconds("3600.000000000", &ns));
	EXPECT_EQ(3600000000000ULL, ns);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, parse_seconds(bad[i], &ns)) {
			TH_LOG("accepted '%s'", bad[i]);
		}
	}
	EXPECT_EQ(-ERANGE, parse_seconds("99999999999999999999999", &ns));
	EXPECT_EQ(-ERANGE, parse_seconds("18446744074", &ns));
	EXPECT_EQ(3600000000000ULL, ns);
}

TEST(decimal_counts)
{
	uint64_t v;

	ASSERT_EQ(0, parse_u64("18446744073709551615", &v));
	EXPECT_EQ(UINT64_MAX, v);
	EXPECT_EQ(-ERANGE, parse_u64("18446744073709551616", &v));
	EXPECT_EQ(-EINVAL, parse_u64("", &v));
	EXPECT_EQ(-EINVAL, parse_u64(" 1", &v));
	EXPECT_EQ(-EINVAL, parse_u64("+1", &v));
	EXPECT_EQ(-EINVAL, parse_u64("1k", &v));
}

TEST_HARNESS_MAIN
