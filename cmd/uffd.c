// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd.c - `hgmctl uffd probe`: the userfaultfd features this kernel offers
 * (every bit named), and whether and how this caller may use userfaultfd
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "uapi-compat.h"

enum { COL_BIT, COL_NAME, COL_AVAILABLE };

static const struct colinfo feature_cols[] = {
	[COL_BIT] = { "BIT", 3, SCOLS_FL_RIGHT, "bit number in uffdio_api.features" },
	[COL_NAME] = { "NAME", 20, 0, "feature name (UFFD_FEATURE_NAME in lower case)" },
	[COL_AVAILABLE] = { "AVAILABLE", 3, 0, "yes if UFFDIO_API offers it" },
};
const struct hgmctl_columns uffd_probe_columns = {
	feature_cols, sizeof(feature_cols) / sizeof(feature_cols[0])
};

static const int feature_defaults[] = { COL_BIT, COL_NAME, COL_AVAILABLE };

/* Bits listed even when absent: every bit libhgm has a name for. */
static bool bit_listed(const struct hgm_uffd_info *u, unsigned int bit)
{
	return hgm_uffd_feature_name(bit) ||
	       (u->api_ok && (u->features & (UINT64_C(1) << bit)));
}

/* Why @way failed with @e, for this caller: one sentence. */
static void way_reason(const struct hgm_uffd_info *u, bool ptrace, enum hgm_uffd_way way,
		       int e, char *buf, size_t size)
{
	struct stat st;

	switch (way) {
	case HGM_UFFD_SYSCALL:
		if (e == ENOSYS)
			snprintf(buf, size, "the kernel has no userfaultfd (CONFIG_USERFAULTFD off)");
		else if (e == EPERM && u->unprivileged == 0 && !ptrace)
			snprintf(buf, size, "vm.unprivileged_userfaultfd is 0 and the caller lacks "
				 "CAP_SYS_PTRACE");
		else if (e == EPERM)
			snprintf(buf, size, "denied although the sysctl allows it: a seccomp filter "
				 "or security module (containers often block userfaultfd)");
		else
			snprintf(buf, size, "%s", strerror(e));
		return;
	case HGM_UFFD_USER_MODE_ONLY:
		if (e == EINVAL)
			snprintf(buf, size, "the kernel does not know UFFD_USER_MODE_ONLY "
				 "(before 5.11)");
		else if (e == EPERM)
			snprintf(buf, size, "denied: a seccomp filter or security module");
		else
			snprintf(buf, size, "%s", strerror(e));
		return;
	case HGM_UFFD_DEV:
		if (e == ENOENT)
			snprintf(buf, size, "no /dev/userfaultfd (kernel before 6.1, or no device "
				 "node)");
		else if ((e == EACCES || e == EPERM) && stat("/dev/userfaultfd", &st) == 0)
			snprintf(buf, size, "no permission: /dev/userfaultfd is mode %04o, owner "
				 "%u, group %u", (unsigned int)(st.st_mode & 07777),
				 (unsigned int)st.st_uid, (unsigned int)st.st_gid);
		else
			snprintf(buf, size, "%s", strerror(e));
		return;
	default:
		buf[0] = '\0';
	}
}

/* The first way that works, or HGM_UFFD_NR_WAYS. */
static enum hgm_uffd_way usable_way(const struct hgm_uffd_info *u)
{
	unsigned int w;

	for (w = 0; w < HGM_UFFD_NR_WAYS; w++)
		if (u->probed && !u->error[w])
			return w;
	return HGM_UFFD_NR_WAYS;
}

static const char *const way_text[HGM_UFFD_NR_WAYS] = {
	[HGM_UFFD_SYSCALL] = "userfaultfd(2)",
	[HGM_UFFD_USER_MODE_ONLY] = "userfaultfd(2) with UFFD_USER_MODE_ONLY",
	[HGM_UFFD_DEV] = "/dev/userfaultfd",
};

static const char *const way_note[HGM_UFFD_NR_WAYS] = {
	[HGM_UFFD_SYSCALL] = "handles user- and kernel-mode faults",
	[HGM_UFFD_USER_MODE_ONLY] = "handles faults of user-mode accesses only",
	[HGM_UFFD_DEV] = "handles user- and kernel-mode faults",
};

static void json_probe(const struct hgm_uffd_info *u, const char *release, bool ptrace)
{
	enum hgm_uffd_way use = usable_way(u);
	struct jdoc d;
	char why[256];
	unsigned int i;

	jdoc_begin(&d);
	jw_obj_open(&d.w, "kernel");
	jw_str(&d.w, "release", release);
	jw_obj_close(&d.w);
	jw_bool(&d.w, "usable", use != HGM_UFFD_NR_WAYS);
	jw_str_opt(&d.w, "via", use != HGM_UFFD_NR_WAYS ? hgm_uffd_way_name(use) : "");
	jw_obj_open(&d.w, "access");
	jw_u64_opt(&d.w, "unprivileged_userfaultfd", u->unprivileged >= 0,
		   (uint64_t)u->unprivileged);
	jw_bool(&d.w, "dev_userfaultfd_exists", u->dev_exists);
	jw_bool(&d.w, "cap_sys_ptrace", ptrace);
	jw_arr_open(&d.w, "ways");
	for (i = 0; i < HGM_UFFD_NR_WAYS; i++) {
		jw_obj_open(&d.w, NULL);
		jw_str(&d.w, "way", hgm_uffd_way_name(i));
		jw_bool(&d.w, "usable", !u->error[i]);
		if (u->error[i]) {
			way_reason(u, ptrace, i, u->error[i], why, sizeof(why));
			jw_str(&d.w, "error", errno_name(u->error[i]));
			jw_str(&d.w, "reason", why);
		} else {
			jw_null(&d.w, "error");
			jw_null(&d.w, "reason");
		}
		jw_obj_close(&d.w);
	}
	jw_arr_close(&d.w);
	jw_obj_close(&d.w);
	if (u->api_ok) {
		jw_obj_open(&d.w, "api");
		jw_hex(&d.w, "features_mask", u->features);
		jw_arr_open(&d.w, "features");
		for (i = 0; i < 64; i++) {
			if (!bit_listed(u, i))
				continue;
			jw_obj_open(&d.w, NULL);
			jw_u64(&d.w, "bit", i);
			jw_str_opt(&d.w, "name", hgm_uffd_feature_name(i) ?: "");
			jw_bool(&d.w, "available", u->features & (UINT64_C(1) << i));
			jw_obj_close(&d.w);
		}
		jw_arr_close(&d.w);
		jw_arr_open(&d.w, "ioctls");
		for (i = 0; i < 64; i++)
			if (u->ioctls & (UINT64_C(1) << i))
				jw_str(&d.w, NULL, hgm_uffd_ioctl_name(i) ?: "unknown");
		jw_arr_close(&d.w);
		jw_obj_close(&d.w);
		jw_bool(&d.w, "hgm", u->features & UFFD_FEATURE_MINOR_HUGETLBFS_HGM);
	} else {
		jw_null(&d.w, "api");
		jw_null(&d.w, "hgm");
	}
	jdoc_end(&d, true);
}

static void text_probe(const struct hgmctl *g, const struct hgm_uffd_info *u,
		       const char *release, bool ptrace)
{
	enum hgm_uffd_way use = usable_way(u);
	struct libscols_table *tb;
	struct columns c;
	char why[256], buf[32];
	unsigned int i;
	size_t j;

	printf("%-36s %s\n", "Kernel:", release);
	if (use != HGM_UFFD_NR_WAYS)
		printf("%-36s yes, through %s (%s)\n", "Usable by this caller:", way_text[use],
		       way_note[use]);
	else
		printf("%-36s no\n", "Usable by this caller:");
	if (u->unprivileged >= 0)
		printf("%-36s %d (%s)\n", "vm.unprivileged_userfaultfd:", u->unprivileged,
		       u->unprivileged ? "anyone may handle kernel-mode faults" :
		       "kernel-mode faults need CAP_SYS_PTRACE");
	else
		printf("%-36s %s\n", "vm.unprivileged_userfaultfd:", "unknown");
	printf("%-36s %s\n", "CAP_SYS_PTRACE:", ptrace ? "yes" : "no");
	for (i = 0; i < HGM_UFFD_NR_WAYS; i++) {
		char label[64];

		snprintf(label, sizeof(label), "%s:", way_text[i]);
		if (!u->error[i]) {
			printf("%-36s yes\n", label);
			continue;
		}
		way_reason(u, ptrace, i, u->error[i], why, sizeof(why));
		printf("%-36s no, %s: %s\n", label, errno_name(u->error[i]), why);
	}
	if (!u->api_ok) {
		if (use != HGM_UFFD_NR_WAYS)
			printf("%-36s failed: %s\n", "UFFDIO_API:", strerror(u->api_errno));
		printf("%-36s unknown (no userfaultfd to ask)\n", "HGM:");
		return;
	}
	printf("%-36s %s\n", "HGM:", u->features & UFFD_FEATURE_MINOR_HUGETLBFS_HGM ?
	       "yes (minor_hugetlbfs_hgm: UFFDIO_CONTINUE at 4K inside hugetlb pages)" :
	       "no (UFFDIO_API does not offer minor_hugetlbfs_hgm)");
	printf("%-36s", "Ioctls:");
	for (i = 0; i < 64; i++)
		if (u->ioctls & (UINT64_C(1) << i))
			printf(" %s", hgm_uffd_ioctl_name(i) ?: "unknown");
	printf("\n\nFeatures (UFFDIO_API, 0x%" PRIx64 "):\n", u->features);

	columns_init(&c, feature_cols, sizeof(feature_cols) / sizeof(feature_cols[0]),
		     feature_defaults, sizeof(feature_defaults) / sizeof(feature_defaults[0]),
		     g->output);
	tb = table_new(g, &c);
	for (i = 0; i < 64; i++) {
		struct libscols_line *ln;

		if (!bit_listed(u, i))
			continue;
		ln = table_line(tb);
		for (j = 0; j < c.n; j++) {
			const char *s = buf;

			switch (c.id[j]) {
			case COL_BIT:
				snprintf(buf, sizeof(buf), "%u", i);
				break;
			case COL_NAME:
				s = hgm_uffd_feature_name(i) ?: "unknown";
				break;
			case COL_AVAILABLE:
				s = u->features & (UINT64_C(1) << i) ? "yes" : "no";
				break;
			}
			table_cell(ln, j, s);
		}
	}
	table_print(tb);
}

int cmd_uffd_probe(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	struct hgm_uffd_info u;
	struct hgm_caps caps;
	struct utsname un;
	bool ptrace;
	int ret;

	hgmctl_parse(g, cmd, argc, argv, NULL);
	ret = hgm_uffd_probe(g->ctx, &u);
	if (ret)
		errx(EXIT_ERROR, "cannot probe userfaultfd: %s", strerror(-ret));
	ptrace = hgm_caps_read(&caps) == 0 && caps.have[HGM_CAP_SYS_PTRACE];
	if (uname(&un))
		snprintf(un.release, sizeof(un.release), "unknown");
	if (g->json)
		json_probe(&u, un.release, ptrace);
	else
		text_probe(g, &u, un.release, ptrace);
	return EXIT_OK;
}
