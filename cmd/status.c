// SPDX-License-Identifier: GPL-2.0-or-later
/* status.c - `hgmctl status`: kernel features, hugetlb pools, THP settings, capabilities */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "views.h"

/* ---- JSON ---------------------------------------------------------------------- */

/* khugepaged's settings and counters, for JSON (@w) or text (@w NULL): one list of fields. */
static void khugepaged(struct jw *w, const struct hgm_thp *t)
{
	struct detail d;

	detail_open(&d, w, "khugepaged", "khugepaged");
	print_i64(&d, "max_ptes_none", "max_ptes_none", t->max_ptes_none);
	print_i64(&d, "pages_to_scan", "pages_to_scan", t->pages_to_scan);
	print_i64(&d, "scan_sleep_millisecs", "scan_sleep_millisecs", t->scan_sleep_ms);
	print_i64(&d, "pages_collapsed", "pages_collapsed", t->pages_collapsed);
	print_i64(&d, "full_scans", "full_scans", t->full_scans);
	detail_close(&d);
}

static void json_status(const struct status_info *st)
{
	const struct hgm_features *f = &st->feat;
	struct jw w;
	size_t i;

	jw_init(&w, stdout);
	jw_obj_open(&w, NULL);

	jw_obj_open(&w, "kernel");
	jw_str(&w, "release", f->release);
	/* HGM is known only where userfaultfd could be asked */
	if (f->uffd_probed)
		jw_bool(&w, "hgm", hgm_has(f, HGM_FEAT_HGM));
	else
		jw_null(&w, "hgm");
	jw_bool(&w, "probed", f->probed);
	jw_arr_open(&w, "features");
	for (i = 0; i < HGM_NR_FEATURES; i++)
		if (hgm_has(f, i))
			jw_str(&w, NULL, hgm_feature_name(i));
	jw_arr_close(&w);
	jw_arr_open(&w, "uffd_features");
	for (i = 0; i < 64; i++)
		if (f->uffd_probed && (f->uffd_features & (UINT64_C(1) << i)))
			jw_str(&w, NULL, hgm_uffd_feature_name(i) ?: "unknown");
	jw_arr_close(&w);
	if (f->probed && !f->uffd_probed)
		jw_str(&w, "uffd_error", strerror(f->uffd_errno));
	jw_obj_close(&w);

	pools_json(&w, st->pools, 0);

	jw_obj_open(&w, "thp");
	jw_bool(&w, "available", st->thp->available);
	if (st->thp->available) {
		const struct hgm_thp *t = st->thp;

		jw_str(&w, "enabled", t->enabled);
		jw_str(&w, "defrag", t->defrag);
		jw_str(&w, "shmem_enabled", t->shmem_enabled);
		jw_u64(&w, "pmd_size", t->pmd_size);
		khugepaged(&w, t);
		jw_arr_open(&w, "sizes");
		for (i = 0; i < t->nr_sizes; i++) {
			jw_obj_open(&w, NULL);
			jw_u64(&w, "size", t->sizes[i].size);
			jw_str_opt(&w, "enabled", t->sizes[i].enabled);
			jw_str_opt(&w, "shmem_enabled", t->sizes[i].shmem_enabled);
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
	}
	jw_obj_close(&w);

	jw_obj_open(&w, "caps");
	for (i = 0; i < HGM_NR_CAPS; i++) {
		char key[32];

		/* "CAP_SYS_ADMIN" -> "sys_admin" */
		snprintf(key, sizeof(key), "%s", hgm_cap_name(i) + 4);
		for (char *k = key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
		if (st->caps_known)
			jw_bool(&w, key, st->caps.have[i]);
		else
			jw_null(&w, key);
	}
	jw_arr_open(&w, "hidden");
	for (i = 0; st->caps_known && i < HGM_NR_CAPS; i++)
		if (!st->caps.have[i])
			jw_str(&w, NULL, hgm_cap_hides(i));
	jw_arr_close(&w);
	jw_obj_close(&w);

	jw_obj_close(&w);
	jw_end(&w);
}

/* ---- text ---------------------------------------------------------------------- */

static void text_status(const struct hgmctl *g, const struct status_info *st)
{
	const struct hgm_features *f = &st->feat;
	char buf[32];
	size_t i;

	printf("%-14s %s\n", "Kernel:", f->release[0] ? f->release : "unknown");
	if (!f->probed)
		printf("%-14s %s\n", "HGM:", "unknown (recorded tree: features not probed)");
	else if (hgm_has(f, HGM_FEAT_HGM))
		printf("%-14s %s\n", "HGM:", "yes (userfaultfd minor_hugetlbfs_hgm)");
	else
		printf("%-14s %s\n", "HGM:", f->uffd_probed ?
		       "no (userfaultfd lacks minor_hugetlbfs_hgm)" :
		       "unknown (userfaultfd unavailable to this caller)");
	printf("%-14s", "Features:");
	for (i = 0; i < HGM_NR_FEATURES; i++)
		if (hgm_has(f, i))
			printf(" %s", hgm_feature_name(i));
	putchar('\n');
	if (f->uffd_probed) {
		printf("%-14s", "Userfaultfd:");
		for (i = 0; i < 64; i++)
			if (f->uffd_features & (UINT64_C(1) << i))
				printf(" %s", hgm_uffd_feature_name(i) ?: "unknown");
		putchar('\n');
	} else if (f->probed) {
		printf("%-14s unavailable: %s\n", "Userfaultfd:", strerror(f->uffd_errno));
	}
	if (st->caps_known) {
		printf("%-14s", "Capabilities:");
		for (i = 0; i < HGM_NR_CAPS; i++)
			printf(" %s%s", st->caps.have[i] ? "" : "-", hgm_cap_name(i));
		putchar('\n');
		for (i = 0; i < HGM_NR_CAPS; i++)
			if (!st->caps.have[i])
				printf("  without %s: %s\n", hgm_cap_name(i), hgm_cap_hides(i));
	}

	printf("\nHugetlb pools:\n");
	if (st->pools->nr)
		pools_table(g, st->pools, 0);
	else
		printf("  none (this kernel has no hugetlb)\n");

	printf("\nTransparent hugepages:\n");
	if (!st->thp->available) {
		printf("  none (this kernel has no THP)\n");
		return;
	}
	printf("  enabled %s, defrag %s, shmem_enabled %s, PMD size %s\n", st->thp->enabled,
	       st->thp->defrag, st->thp->shmem_enabled,
	       fmt_size(g, st->thp->pmd_size, buf, sizeof(buf)));
	if (st->thp->nr_sizes) {
		printf("  mTHP:");
		for (i = 0; i < st->thp->nr_sizes; i++)
			if (st->thp->sizes[i].enabled[0])	/* some sizes are shmem-only */
				printf(" %s=%s", fmt_size(g, st->thp->sizes[i].size, buf, sizeof(buf)),
			       st->thp->sizes[i].enabled);
		putchar('\n');
		/* the shmem setting per size, which the JSON "sizes" array has too */
		printf("  mTHP shmem:");
		for (i = 0; i < st->thp->nr_sizes; i++)
			if (st->thp->sizes[i].shmem_enabled[0])
				printf(" %s=%s", fmt_size(g, st->thp->sizes[i].size, buf, sizeof(buf)),
				       st->thp->sizes[i].shmem_enabled);
		putchar('\n');
	}
	khugepaged(NULL, st->thp);
}

int cmd_status(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	char file[512];
	struct status_info st;
	const char *what;
	int ret;

	hgmctl_parse(g, cmd, argc, argv, NULL);

	ret = status_gather(g, &st, &what);
	refusal_exit(ret);
	if (ret)
		errx(EXIT_ERROR, "%s: %s%s", what, strerror(-ret),
		     failed_file(g, ret, file, sizeof(file)));

	if (g->json)
		json_status(&st);
	else
		text_status(g, &st);

	status_release(&st);
	return EXIT_OK;
}
