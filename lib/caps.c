// SPDX-License-Identifier: LGPL-2.1-or-later
/* caps.c - the caller's capabilities and what a missing one hides */
#include <errno.h>
#include <sys/capability.h>

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
	for (i = 0; i < HGM_NR_CAPS; i++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(c, caps[i].cap, CAP_EFFECTIVE, &v) < 0) {
			int ret = -errno;

			cap_free(c);
			return ret;
		}
		out->have[i] = v == CAP_SET;
	}
	cap_free(c);
	return 0;
}
