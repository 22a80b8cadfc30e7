// SPDX-License-Identifier: LGPL-2.1-or-later
/* caps.c - the caller's capabilities and what a missing one hides */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hgm-private.h"

static const struct {
	cap_value_t cap;
	const char *name;
	const char *hides;
} caps[HGM_NR_CAPS] = {
	[HGM_CAP_SYS_ADMIN] = { CAP_SYS_ADMIN, "CAP_SYS_ADMIN",
		"PFNs in /proc/PID/pagemap read as 0 and /proc/kpageflags and "
		"/proc/kpagecount cannot be read: no folio, flag, mapcount or node data" },
	[HGM_CAP_SYS_PTRACE] = { CAP_SYS_PTRACE, "CAP_SYS_PTRACE",
		"smaps and pagemap of other users' processes cannot be read, and "
		"userfaultfd may handle user-mode faults only" },
	[HGM_CAP_SYS_NICE] = { CAP_SYS_NICE, "CAP_SYS_NICE",
		"MADV_COLLAPSE cannot be applied to other processes (process_madvise)" },
};

HGM_EXPORT const char *hgm_cap_name(enum hgm_cap c)
{
	return c < HGM_NR_CAPS ? caps[c].name : NULL;
}

HGM_EXPORT const char *hgm_cap_hides(enum hgm_cap c)
{
	return c < HGM_NR_CAPS ? caps[c].hides : NULL;
}

HGM_EXPORT int hgm_caps_read(struct hgm_caps *out)
{
	cap_t c = cap_get_proc();
	int i;

	if (!c)
		return -errno;
	out->have = 0;
	for (i = 0; i < HGM_NR_CAPS; i++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(c, caps[i].cap, CAP_EFFECTIVE, &v) < 0) {
			int ret = -errno;

			cap_free(c);
			return ret;
		}
		if (v == CAP_SET)
			out->have |= UINT64_C(1) << i;
	}
	cap_free(c);
	return 0;
}

/* The inode of the initial user namespace (PROC_USER_INIT_INO, include/linux/proc_ns.h) */
#define USER_NS_INIT_INO	0xEFFFFFFDU

/* The ids and capabilities /proc/PID/status shows to anyone. */
struct status_ids {
	unsigned int uid[3], gid[3];	/* real, effective, saved */
	uint64_t cap_prm, cap_eff;
};

static int read_status_ids(const struct hgm_ctx *ctx, pid_t pid, struct status_ids *s)
{
	char path[64], *buf, *l;
	int found = 0;
	ssize_t n;

	buf = malloc(8192);
	if (!buf)
		return -ENOMEM;
	hgm_proc_path(path, sizeof(path), pid, "status");
	n = hgm_ctx_read(ctx, path, buf, 8192);
	if (n < 0) {
		free(buf);
		return n == -ENOENT ? -ESRCH : (int)n;
	}
	for (l = buf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (sscanf(l, "Uid: %u %u %u", &s->uid[0], &s->uid[1], &s->uid[2]) == 3)
			found |= 1;
		else if (sscanf(l, "Gid: %u %u %u", &s->gid[0], &s->gid[1], &s->gid[2]) == 3)
			found |= 2;
		else if (sscanf(l, "CapPrm: %" SCNx64, &s->cap_prm) == 1)
			found |= 4;
		else if (sscanf(l, "CapEff: %" SCNx64, &s->cap_eff) == 1)
			found |= 8;
	}
	free(buf);
	return found == 15 ? 0 : -EBADMSG;
}

/* "cap_sys_admin,cap_net_raw" of the bits of @mask, into @buf. */
static void cap_names(uint64_t mask, char *buf, size_t size)
{
	size_t len = 0;
	int bit;

	buf[0] = '\0';
	for (bit = 0; bit < 64 && len < size; bit++) {
		char *name;

		if (!(mask & (UINT64_C(1) << bit)))
			continue;
		name = cap_to_name(bit);
		len += snprintf(buf + len, size - len, "%s%s", len ? "," : "", name ? name : "?");
		cap_free(name);
	}
}

HGM_EXPORT int hgm_access_explain(const struct hgm_ctx *ctx, pid_t pid, struct hgm_access *a)
{
	struct status_ids t, me;
	char path[64];
	struct stat st;
	bool same_user, initial_ns;
	uid_t fsuid = geteuid();
	gid_t fsgid = getegid();
	ssize_t n;
	int ret, i;

	memset(a, 0, sizeof(*a));
	if (!hgm_ctx_is_live(ctx))
		return -EOPNOTSUPP;
	ret = read_status_ids(ctx, pid, &t);
	if (!ret)
		ret = read_status_ids(ctx, 0, &me);
	if (ret)
		return ret;
	a->uid = t.uid[0];
	a->caller_uid = fsuid;
	a->caller_ptrace = me.cap_eff & (UINT64_C(1) << CAP_SYS_PTRACE);
	same_user = true;
	for (i = 0; i < 3; i++)
		if (t.uid[i] != fsuid || t.gid[i] != fsgid)
			same_user = false;
	/* no ns/user: a kernel without CONFIG_USER_NS has only the initial one */
	if (stat("/proc/self/ns/user", &st) == 0)
		initial_ns = st.st_ino == USER_NS_INIT_INO;
	else
		initial_ns = errno == ENOENT;
	hgm_proc_path(path, sizeof(path), pid, "");
	if (!a->caller_ptrace && !same_user) {
		a->why = HGM_ACCESS_OTHER_USER;
	} else if (!a->caller_ptrace && stat(path, &st) == 0 && st.st_uid != t.uid[1]) {
		/* /proc/PID of a task that is not dumpable belongs to root */
		a->why = HGM_ACCESS_NOT_DUMPABLE;
	} else if (!a->caller_ptrace && initial_ns && (t.cap_prm & ~me.cap_eff)) {
		a->why = HGM_ACCESS_MORE_CAPS;
		cap_names(t.cap_prm & ~me.cap_eff, a->caps, sizeof(a->caps));
	} else if (!initial_ns) {
		a->why = HGM_ACCESS_USERNS;
	} else if (a->caller_ptrace) {
		a->why = HGM_ACCESS_LSM;
		n = hgm_ctx_read(ctx, "/sys/kernel/security/lsm", a->lsm, sizeof(a->lsm));
		if (n < 0)
			a->lsm[0] = '\0';
		hgm_chomp(a->lsm);
	} else {
		a->why = HGM_ACCESS_UNKNOWN;
	}
	return 0;
}
