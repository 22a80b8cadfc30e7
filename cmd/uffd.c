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
	[COL_BIT] = { "BIT", 3, SCOLS_FL_RIGHT, "bit number in uffdio_api.features", "bit", CT_U64 },
	[COL_NAME] = { "NAME", 20, 0, "feature name (UFFD_FEATURE_NAME in lower case)", "name",
		       CT_STR },
	[COL_AVAILABLE] = { "AVAILABLE", 3, 0, "yes if UFFDIO_API offers it", "available",
			    CT_YESNO },
};
#define NCOLS (sizeof(feature_cols) / sizeof(feature_cols[0]))

const struct hgmctl_columns uffd_probe_columns = { feature_cols, NCOLS };

static const int feature_defaults[] = { COL_BIT, COL_NAME, COL_AVAILABLE };

/* A row of the features: one bit of what UFFDIO_API offers. */
struct feature_row {
	const struct hgm_uffd_info *u;
	unsigned int bit;
};

static void fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct feature_row *r = row;

	switch (col) {
	case COL_BIT: c->u = r->bit; break;
	case COL_NAME:
		c->s = hgm_uffd_feature_name(r->bit);
		c->known = c->s != NULL;
		if (!c->known)
			c->text = "unknown";
		break;
	case COL_AVAILABLE: c->b = r->u->features & (UINT64_C(1) << r->bit); break;
	}
}

/* Bits listed even when absent: every bit libhgm has a name for. */
static bool bit_listed(const struct hgm_uffd_info *u, unsigned int bit)
{
	return hgm_uffd_feature_name(bit) ||
	       (HGM_KNOWN(u->features) && (u->features & (UINT64_C(1) << bit)));
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

/* The features table, or the JSON "features" array; with the mask they are of. */
static void print_features(struct detail *d, const struct hgmctl *g, const struct hgm_uffd_info *u)
{
	struct rows r;
	unsigned int i;

	print_hex(d, "features_mask", "\n\nFeatures (UFFDIO_API, 0x%s):\n", u->features);
	rows_begin(&r, g, d->w, "features", feature_cols, NCOLS, feature_defaults,
		   sizeof(feature_defaults) / sizeof(feature_defaults[0]), fill, NULL);
	for (i = 0; i < 64; i++) {
		struct feature_row row = { u, i };

		if (bit_listed(u, i))
			rows_add(&r, &row);
	}
	rows_end(&r);
}

static void print_ioctls(struct detail *d, const struct hgm_uffd_info *u)
{
	unsigned int i;

	print_list_open(d, "ioctls", "Ioctls:");
	for (i = 0; i < 64; i++)
		if (u->ioctls & (UINT64_C(1) << i))
			print_item(d, NULL, hgm_uffd_ioctl_name(i) ?: "unknown");
	print_list_close(d);
}

static void print_hgm(struct detail *d, const struct hgm_uffd_info *u)
{
	bool hgm = u->features & UFFD_FEATURE_MINOR_HUGETLBFS_HGM;

	print_bool(d, "hgm", "HGM:", hgm);
	print_text(d, " (%s)", hgm ? "minor_hugetlbfs_hgm: UFFDIO_CONTINUE at 4K inside hugetlb pages" :
		   "UFFDIO_API does not offer minor_hugetlbfs_hgm");
}

/* What `uffd probe` found, as JSON (@w) or text: every field once. */
static void print_probe(struct detail *d, const struct hgmctl *g, const struct hgm_uffd_info *u,
			const char *release, bool ptrace)
{
	enum hgm_uffd_way use = usable_way(u);
	bool usable = use != HGM_UFFD_NR_WAYS;
	char why[256];
	unsigned int i;
	print_obj_open(d, "kernel", NULL);
	print_str(d, "release", "Kernel:", release);
	print_obj_close(d);
	print_bool(d, "usable", "Usable by this caller:", usable);
	print_str_as(d, "via", ", through %s", usable ? hgm_uffd_way_name(use) : NULL,
		   usable ? way_text[use] : NULL);
	if (usable)
		print_text(d, " (%s)", way_note[use]);

	print_obj_open(d, "access", NULL);
	print_u64_opt(d, "unprivileged_userfaultfd", "vm.unprivileged_userfaultfd:",
		      u->unprivileged >= 0, (uint64_t)u->unprivileged);
	if (u->unprivileged >= 0)
		print_text(d, " (%s)", u->unprivileged ? "anyone may handle kernel-mode faults" :
			   "kernel-mode faults need CAP_SYS_PTRACE");
	print_bool(d, "dev_userfaultfd_exists", "/dev/userfaultfd exists:", u->dev_exists);
	print_bool(d, "cap_sys_ptrace", "CAP_SYS_PTRACE:", ptrace);
	print_list_open(d, "ways", NULL);
	for (i = 0; i < HGM_UFFD_NR_WAYS; i++) {
		char label[64];

		snprintf(label, sizeof(label), "%s:", way_text[i]);
		print_obj_open(d, NULL, NULL);
		/* in text, the way is the label of its line */
		print_str_as(d, "way", NULL, hgm_uffd_way_name(i), NULL);
		print_bool(d, "usable", label, !u->error[i]);
		if (u->error[i]) {
			way_reason(u, ptrace, i, u->error[i], why, sizeof(why));
			print_str(d, "error", ", %s", errno_name(u->error[i]));
			print_str(d, "reason", ": %s", why);
		} else {
			print_null(d, "error", NULL, NULL);
			print_null(d, "reason", NULL, NULL);
		}
		print_obj_close(d);
	}
	print_list_close(d);
	print_obj_close(d);

	if (!HGM_KNOWN(u->features)) {
		snprintf(why, sizeof(why), "failed: %s", strerror(u->api_errno));
		/* no userfaultfd at all says why already */
		print_null(d, "api", usable ? "UFFDIO_API:" : NULL, why);
		print_null(d, "hgm", "HGM:", "unknown (no userfaultfd to ask)");
		return;
	}
	/* the text puts the verdict first and the long table last */
	if (!d->w)
		print_hgm(d, u);
	print_obj_open(d, "api", NULL);
	if (d->w)
		print_features(d, g, u);
	print_ioctls(d, u);
	if (!d->w)
		print_features(d, g, u);
	print_obj_close(d);
	if (d->w)
		print_hgm(d, u);
}

int cmd_uffd_probe(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	struct hgm_uffd_info u = HGM_SIZED(u);
	struct hgm_caps caps;
	struct doc doc;
	struct utsname un;
	bool ptrace;
	int ret;

	hgmctl_parse(g, cmd, argc, argv, NULL);
	ret = hgm_uffd_probe(g->ctx, &u);
	if (ret)
		errx(EXIT_ERROR, "cannot probe userfaultfd: %s", strerror(-ret));
	ptrace = hgm_caps_read(&caps) == 0 && hgm_cap_has(&caps, HGM_CAP_SYS_PTRACE);
	if (uname(&un))
		snprintf(un.release, sizeof(un.release), "unknown");
	doc_begin(&doc, g, 36);
	print_probe(&doc.d, g, &u, un.release, ptrace);
	doc_end(&doc);
	return EXIT_OK;
}
