// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * status_test.c - `hgmctl status --json` against the live kernel's sysfs.
 *
 * Needs root (hugetlb pools are grown for the test and restored after); each
 * test SKIPs with the reason when it cannot set up what it needs.
 */
#include <sys/utsname.h>

#include "live.h"

TEST_F(live, status_json_matches_sysfs)
{
	const struct jq_value *pools;
	char path[256], buf[128];
	unsigned int checked = 0;
	struct utsname u;
	int status;
	size_t i;
	FILE *f;

	self->json = hgmctl_json("status --json", &status);
	ASSERT_NE(NULL, self->json);
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, uname(&u));
	EXPECT_STREQ(u.release, jq_str(jq_get(self->json, "kernel.release")));
	pools = jq_get(self->json, "pools");
	ASSERT_NE(NULL, pools);
	for (i = 0; i < jq_len(pools); i++) {
		const struct jq_value *pl = jq_at(pools, i);
		uint64_t size = u64_at(pl, "size"), v;
		char dir[200];

		if (jq_type(jq_get(pl, "node")) == JQ_NULL)
			snprintf(dir, sizeof(dir), "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB",
				 size / K);
		else
			snprintf(dir, sizeof(dir),
				 "/sys/devices/system/node/node%" PRIu64
				 "/hugepages/hugepages-%" PRIu64 "kB", u64_at(pl, "node"), size / K);
		snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
		ASSERT_EQ(0, read_u64(path, &v));
		EXPECT_EQ(v, u64_at(pl, "total"));
		snprintf(path, sizeof(path), "%s/free_hugepages", dir);
		ASSERT_EQ(0, read_u64(path, &v));
		EXPECT_EQ(v, u64_at(pl, "free"));
		snprintf(path, sizeof(path), "%s/surplus_hugepages", dir);
		ASSERT_EQ(0, read_u64(path, &v));
		EXPECT_EQ(v, u64_at(pl, "surplus"));
		snprintf(path, sizeof(path), "%s/resv_hugepages", dir);
		if (read_u64(path, &v) == 0) {
			EXPECT_EQ(v, u64_at(pl, "reserved"));
		} else {
			EXPECT_EQ(JQ_NULL, jq_type(jq_get(pl, "reserved")));
		}
		checked++;
	}
	/* one system-wide pool per size, plus one per node and size */
	f = popen("ls -d /sys/kernel/mm/hugepages/hugepages-* "
		  "/sys/devices/system/node/node*/hugepages/hugepages-* | wc -l", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	pclose(f);
	EXPECT_EQ(strtoul(buf, NULL, 10), checked);

	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		char want[32];

		ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
		fclose(f);
		ASSERT_EQ(1, sscanf(strchr(buf, '['), "[%31[^]]", want));
		EXPECT_STREQ(want, jq_str(jq_get(self->json, "thp.enabled")));
	}
	/* root holds every capability; an unprivileged caller none of these */
	EXPECT_EQ(geteuid() == 0, jq_bool(jq_get(self->json, "caps.sys_admin")));
}

TEST_HARNESS_MAIN
