// SPDX-License-Identifier: GPL-2.0-or-later
/* rate_test.c - link rates and durations as `postcopy --bandwidth/--latency` take them */
#include <errno.h>
#include <stdint.h>

#include "hgm.h"
#include "parse.h"
#include "kselftest_harness.h"

TEST(rate_bit_units_are_decimal)
{
	static const struct { const char *s; uint64_t bps; } ok[] = {
		{ "10Gbit", 10000000000ULL }, { "10Gbit/s", 10000000000ULL },
		{ "10gbit", 10000000000ULL }, { "10Gbps", 10000000000ULL },
		{ "100Mbit", 100000000ULL }, { "1.5Gbit", 1500000000ULL },
		{ "64kbit", 64000ULL }, { "1Tbit", 1000000000000ULL }, { "9600", 9600 },
		{ "9600bit/s", 9600 },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 0;
		EXPECT_EQ(0, parse_rate(ok[i].s, &v)) {
			TH_LOG("%s", ok[i].s);
		}
		EXPECT_EQ(ok[i].bps, v) {
			TH_LOG("%s", ok[i].s);
		}
	}
}

TEST(rate_byte_units_need_a_capital_b)
{
	uint64_t v = 0;

	ASSERT_EQ(0, parse_rate("1GB/s", &v));
	EXPECT_EQ(8000000000ULL, v);
	ASSERT_EQ(0, parse_rate("500MB", &v));
	EXPECT_EQ(4000000000ULL, v);
	ASSERT_EQ(0, parse_rate("1GiB/s", &v));
	EXPECT_EQ(8ULL << 30, v);
	ASSERT_EQ(0, parse_rate("512MiB/s", &v));
	EXPECT_EQ(8ULL << 29, v);
	/* "Gb" could be bits or bytes: refused rather than guessed */
	EXPECT_EQ(-EINVAL, parse_rate("10Gb", &v));
	EXPECT_EQ(-EINVAL, parse_rate("10Gb/s", &v));
}

TEST(rate_rejects_garbage_zero_and_overflow)
{
	uint64_t v = 42;

	EXPECT_EQ(-EINVAL, parse_rate("", &v));
	EXPECT_EQ(-EINVAL, parse_rate("fast", &v));
	EXPECT_EQ(-EINVAL, parse_rate("10 Gbit", &v));
	EXPECT_EQ(-EINVAL, parse_rate("10Gbit/h", &v));
	EXPECT_EQ(-EINVAL, parse_rate("0Gbit", &v));
	EXPECT_EQ(-EINVAL, parse_rate("1.Gbit", &v));
	EXPECT_EQ(-EINVAL, parse_rate("-1Gbit", &v));
	EXPECT_EQ(-ERANGE, parse_rate("99999999999TiB/s", &v));
	EXPECT_EQ(42, v);
}

TEST(duration_units_and_default_microseconds)
{
	static const struct { const char *s; uint64_t ns; } ok[] = {
		{ "0", 0 }, { "20", 20000 }, { "20us", 20000 }, { "500ns", 500 },
		{ "1.5ms", 1500000 }, { "2s", 2000000000ULL }, { "0.25us", 250 },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = 1;
		EXPECT_EQ(0, parse_duration(ok[i].s, &v)) {
			TH_LOG("%s", ok[i].s);
		}
		EXPECT_EQ(ok[i].ns, v) {
			TH_LOG("%s", ok[i].s);
		}
	}
	EXPECT_EQ(-EINVAL, parse_duration("1min", &v));
	EXPECT_EQ(-EINVAL, parse_duration("ms", &v));
	EXPECT_EQ(-EINVAL, parse_duration("", &v));
}

TEST(uffd_names_cover_every_bit_the_tool_uses)
{
	EXPECT_STREQ("minor_hugetlbfs_hgm", hgm_uffd_feature_name(20));
	EXPECT_STREQ("exact_address", hgm_uffd_feature_name(11));
	EXPECT_STREQ("continue", hgm_uffd_ioctl_name(7));
	EXPECT_STREQ("api", hgm_uffd_ioctl_name(0x3f));
	EXPECT_EQ(NULL, hgm_uffd_ioctl_name(64));
	EXPECT_STREQ("user_mode_only", hgm_uffd_way_name(HGM_UFFD_USER_MODE_ONLY));
}

TEST_HARNESS_MAIN
