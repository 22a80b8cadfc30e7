// SPDX-License-Identifier: GPL-2.0-or-later
/* thp.c - `hgmctl thp`: show THP, mTHP and khugepaged settings, or set them, verified */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "output.h"

/* ---- showing ------------------------------------------------------------------------ */

enum { SZ_SIZE, SZ_ENABLED, SZ_SHMEM };

static const struct colinfo size_cols[] = {
	[SZ_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, "mTHP folio size", "size", CT_SIZE },
	[SZ_ENABLED] = { "ENABLED", 7, 0, "anonymous mTHP of this size: always, inherit, "
			 "madvise or never", "enabled", CT_STR },
	[SZ_SHMEM] = { "SHMEM", 7, 0, "shmem and tmpfs mTHP of this size", "shmem_enabled",
		       CT_STR },
};
#define NSZCOLS (sizeof(size_cols) / sizeof(size_cols[0]))
const struct hgmctl_columns thp_columns = { size_cols, NSZCOLS };

static const int size_order[] = { SZ_SIZE, SZ_ENABLED, SZ_SHMEM };

/* "" where the kernel has no such file: some sizes are shmem-only */
static void size_fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct hgm_thp_size *z = row;

	(void)arg;
	switch (col) {
	case SZ_SIZE: c->u = z->size; break;
	case SZ_ENABLED: c->s = z->enabled; c->known = z->enabled[0]; break;
	case SZ_SHMEM: c->s = z->shmem_enabled; c->known = z->shmem_enabled[0]; break;
	}
}

/* A number the kernel may lack (negative: unknown): null in JSON, "-" in text. */
static void print_num(struct detail *d, const char *key, int64_t v)
{
	print_u64_opt(d, key, key, v >= 0, v >= 0 ? (uint64_t)v : 0);
}

static void thp_show(const struct hgmctl *g, const struct hgm_thp *t)
{
	struct doc doc;
	struct detail *d = &doc.d, kd;
	struct rows r;
	size_t i;

	doc_begin(&doc, g, 0);
	d->layout = DL_LINE;
	print_bool(d, "available", NULL, t->available);
	if (!t->available) {
		print_text(d, "THP: none (this kernel has no THP)\n");
		doc_end(&doc);
		return;
	}
	print_text(d, "THP:");
	print_str(d, "enabled", "enabled", t->enabled);
	print_str(d, "defrag", "defrag", t->defrag);
	print_str_opt(d, "shmem_enabled", "shmem_enabled", t->shmem_enabled);
	print_num(d, "use_zero_page", t->use_zero_page);
	print_size(d, "pmd_size", "PMD size", t->pmd_size);
	print_text(d, "\n");
	detail_open(&kd, d->w, "khugepaged", "khugepaged");
	print_num(&kd, "defrag", t->khugepaged_defrag);
	print_num(&kd, "max_ptes_none", t->max_ptes_none);
	print_num(&kd, "max_ptes_swap", t->max_ptes_swap);
	print_num(&kd, "max_ptes_shared", t->max_ptes_shared);
	print_num(&kd, "pages_to_scan", t->pages_to_scan);
	print_num(&kd, "scan_sleep_millisecs", t->scan_sleep_ms);
	print_num(&kd, "alloc_sleep_millisecs", t->alloc_sleep_ms);
	print_num(&kd, "pages_collapsed", t->pages_collapsed);
	print_num(&kd, "full_scans", t->full_scans);
	detail_close(&kd);
	if (!d->w && t->nr_sizes)
		putchar('\n');
	if (d->w || t->nr_sizes) {
		rows_begin(&r, g, d->w, "sizes", size_cols, NSZCOLS, size_order, NSZCOLS,
			   size_fill, NULL);
		for (i = 0; i < t->nr_sizes; i++)
			rows_add(&r, &t->sizes[i]);
		rows_end(&r);
	}
	doc_end(&doc);
}

/* ---- setting -------------------------------------------------------------------- */

struct thp_set {
	struct hgm_thp_change *ch;
	char **owned;		/* names and values made here, freed at the end */
	size_t n, cap, nowned;
	bool dry_run;
};

static char *own(struct thp_set *ts, char *s)
{
	char **no;

	if (!s)
		err(EXIT_ERROR, "cannot allocate memory");
	no = realloc(ts->owned, (ts->nowned + 1) * sizeof(*no));
	if (!no)
		err(EXIT_ERROR, "cannot allocate memory");
	ts->owned = no;
	ts->owned[ts->nowned++] = s;
	return s;
}

/* "64K" for mTHP size @bytes, as SIZES in hgmctl(8) writes it */
static const char *size_words(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (bytes >= 1024 && bytes % 1024 == 0 && u < 3) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%" PRIu64, bytes);
	else
		snprintf(buf, size, "%" PRIu64 "%c", bytes, units[u]);
	return buf;
}

/*
 * Adds the change of setting @name to @value, for option @opt (its words in
 * messages), after checking it against the kernel's own file: every usage
 * error comes before the first write.
 */
static void add_change(const struct hgmctl *g, struct thp_set *ts, const char *opt,
		       const char *name, const char *value)
{
	char allowed[256], canon[32];
	uint64_t v;
	size_t i;
	int ret;

	ret = hgm_thp_setting_check(g->ctx, name, value, allowed, sizeof(allowed));
	refusal_exit(ret);
	if (ret == -EINVAL)
		usage_error("thp: invalid %s '%s' (%s: %s)", opt, value, name, allowed);
	if (ret == -EROFS)
		usage_error("thp: %s: %s is %s", opt, name, allowed);
	if (ret == -ENOENT)
		usage_error("thp: %s: this kernel has no setting %s", opt, name);
	if (ret)
		errx(EXIT_ERROR, "thp: cannot read %s: %s", name, strerror(-ret));
	for (i = 0; i < ts->n; i++)
		if (!strcmp(ts->ch[i].name, name))
			usage_error("thp: %s given twice", name);
	/* a number as the kernel reads it back: "0100" would never compare equal */
	if (parse_u64(value, &v) == 0) {
		snprintf(canon, sizeof(canon), "%" PRIu64, v);
		value = own(ts, strdup(canon));
	}
	if (ts->n == ts->cap) {
		struct hgm_thp_change *nc;

		ts->cap = ts->cap ? ts->cap * 2 : 8;
		nc = realloc(ts->ch, ts->cap * sizeof(*nc));
		if (!nc)
			err(EXIT_ERROR, "cannot allocate memory");
		ts->ch = nc;
	}
	memset(&ts->ch[ts->n], 0, sizeof(ts->ch[ts->n]));
	ts->ch[ts->n].name = name;
	ts->ch[ts->n].value = value;
	ts->n++;
}

/* The valid mTHP sizes, "16K, 32K, ...", for messages. */
static char *sizes_list(const struct hgm_thp *t, char *buf, size_t size)
{
	size_t i, len = 0;
	char s[32];

	buf[0] = '\0';
	for (i = 0; i < t->nr_sizes && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
				size_words(t->sizes[i].size, s, sizeof(s)));
	if (!len)
		snprintf(buf, size, "none");
	return buf;
}

/*
 * --size SIZE=VALUE[,...] sets hugepages-<SIZE>/enabled; SIZE:shmem=VALUE its
 * shmem_enabled.
 */
static void parse_sizes(const struct hgmctl *g, struct thp_set *ts, const struct hgm_thp *t,
			const char *list)
{
	const char *p = list;
	char item[96], valid[256];
	int ret;

	sizes_list(t, valid, sizeof(valid));
	if (!*p)
		usage_error("thp: empty --size list (expected SIZE=VALUE[,...]; sizes: %s)", valid);
	while ((ret = list_next(&p, item, sizeof(item))) != 0) {
		char *eq = strchr(item, '='), *colon, name[96], opt[128];
		const char *file = "enabled";
		uint64_t size;
		size_t i;

		if (ret < 0 || !eq || eq == item || !eq[1])
			usage_error("thp: invalid --size entry '%s': expected SIZE=VALUE or "
				    "SIZE:shmem=VALUE (sizes: %s)", ret < 0 ? list : item, valid);
		*eq = '\0';
		colon = strchr(item, ':');
		if (colon) {
			if (strcmp(colon, ":shmem"))
				usage_error("thp: invalid --size entry '%s=%s': after SIZE, only "
					    ":shmem", item, eq + 1);
			*colon = '\0';
			file = "shmem_enabled";
		}
		if (parse_size(item, &size) || !size)
			usage_error("thp: invalid size '%s' in --size (sizes: %s)", item, valid);
		for (i = 0; i < t->nr_sizes; i++)
			if (t->sizes[i].size == size)
				break;
		if (i == t->nr_sizes)
			usage_error("thp: no mTHP size %s (sizes: %s)", item, valid);
		snprintf(name, sizeof(name), "hugepages-%" PRIu64 "kB/%s", size / 1024, file);
		snprintf(opt, sizeof(opt), "--size %s%s", item, colon ? ":shmem" : "");
		add_change(g, ts, own(ts, strdup(opt)), own(ts, strdup(name)),
			   own(ts, strdup(eq + 1)));
	}
}

/* --khugepaged KEY=VALUE[,...]: a file of khugepaged/ each. */
static void parse_khugepaged(const struct hgmctl *g, struct thp_set *ts, const char *list)
{
	static const char keys[] = "defrag, max_ptes_none, max_ptes_swap, max_ptes_shared, "
		"pages_to_scan, scan_sleep_millisecs, alloc_sleep_millisecs";
	const char *p = list;
	char item[96];
	int ret;

	if (!*p)
		usage_error("thp: empty --khugepaged list (expected KEY=VALUE[,...]; keys: %s)",
			    keys);
	while ((ret = list_next(&p, item, sizeof(item))) != 0) {
		char *eq = strchr(item, '='), name[128], opt[128];

		if (ret < 0 || !eq || eq == item || !eq[1])
			usage_error("thp: invalid --khugepaged entry '%s': expected KEY=VALUE "
				    "(keys: %s)", ret < 0 ? list : item, keys);
		*eq = '\0';
		if (strchr(item, '/') || !strcmp(item, ".") || !strcmp(item, ".."))
			usage_error("thp: invalid --khugepaged key '%s' (keys: %s)", item, keys);
		snprintf(name, sizeof(name), "khugepaged/%s", item);
		snprintf(opt, sizeof(opt), "--khugepaged %s", item);
		{
			char v[HGM_SETTING_MAX], c[8];

			if (hgm_thp_setting_read(g->ctx, name, v, sizeof(v), c, sizeof(c)) == -ENOENT)
				usage_error("thp: no khugepaged setting '%s' (keys: %s)", item, keys);
		}
		add_change(g, ts, own(ts, strdup(opt)), own(ts, strdup(name)),
			   own(ts, strdup(eq + 1)));
	}
}

static int check_write(const struct hgmctl *g, size_t i, const void *arg, char *path,
		       size_t size, const char **what)
{
	const struct thp_set *ts = arg;
	int ret = hgm_thp_check_write(g->ctx, ts->ch[i].name);

	if (ret)
		hgm_thp_setting_path(ts->ch[i].name, path, size);
	*what = "THP";
	return ret;
}

static const char *change_result(const struct thp_set *ts, const struct hgm_thp_change *c,
				 size_t i, size_t failed)
{
	if (ts->dry_run)
		return NULL;
	if (i == failed)
		return c->error == -EIO ? "differs" : errno_name(c->error);
	if (c->restored)
		return "restored";
	if (c->restore_error)
		return "not-restored";
	if (i > failed)
		return "not-written";
	return "ok";
}

enum { CH_SETTING, CH_BEFORE, CH_REQUESTED, CH_AFTER, CH_RESULT };

static const struct colinfo change_cols[] = {
	[CH_SETTING] = { "SETTING", 12, 0, "the file under /sys/kernel/mm/transparent_hugepage",
			 "setting", CT_STR },
	[CH_BEFORE] = { "BEFORE", 6, 0, "the value before the write", "previous", CT_STR },
	[CH_REQUESTED] = { "REQUESTED", 6, 0, "the value asked for", "requested", CT_STR },
	[CH_AFTER] = { "AFTER", 6, 0, "the value read back at the end", "obtained", CT_STR },
	[CH_RESULT] = { "RESULT", 6, 0, "ok, restored, not-written, differs, or the error of "
			"the write", "result", CT_STR },
};
#define NCHCOLS (sizeof(change_cols) / sizeof(change_cols[0]))
static const int change_order[] = { CH_SETTING, CH_BEFORE, CH_REQUESTED, CH_AFTER, CH_RESULT };

struct report {
	const struct thp_set *ts;
	size_t failed;		/* index of the change that failed, or ts->n */
};

static void change_fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct hgm_thp_change *ch = row;
	const struct report *rp = arg;
	size_t i = (size_t)(ch - rp->ts->ch);

	switch (col) {
	case CH_SETTING: c->s = ch->name; break;
	case CH_BEFORE: c->s = ch->previous; c->known = ch->previous[0]; break;
	case CH_REQUESTED: c->s = ch->value; break;
	case CH_AFTER: c->s = ch->obtained; c->known = !rp->ts->dry_run && ch->obtained[0]; break;
	case CH_RESULT:
		c->s = change_result(rp->ts, ch, i, rp->failed);
		c->known = c->s != NULL;
		break;
	}
}

static void set_report(const struct hgmctl *g, const struct thp_set *ts, size_t failed)
{
	struct report rp = { ts, failed };
	struct doc doc;
	struct detail *d = &doc.d;
	struct rows r;
	char path[512];
	size_t i;

	doc_begin(&doc, g, 0);
	print_bool(d, "dry_run", NULL, ts->dry_run);
	if (ts->dry_run && !d->w) {
		for (i = 0; i < ts->n; i++) {
			hgm_thp_setting_path(ts->ch[i].name, path, sizeof(path));
			printf("# %s: %s -> %s\n", ts->ch[i].name, ts->ch[i].previous[0] ?
			       ts->ch[i].previous : "unknown", ts->ch[i].value);
			printf("echo %s > %s\n", ts->ch[i].value, path);
		}
		doc_end(&doc);
		return;
	}
	rows_begin(&r, g, d->w, "changes", change_cols, NCHCOLS, change_order, NCHCOLS,
		   change_fill, &rp);
	for (i = 0; i < ts->n; i++)
		rows_add(&r, &ts->ch[i]);
	rows_end(&r);
	if (d->w && ts->dry_run) {
		print_list_open(d, "writes", NULL);
		for (i = 0; i < ts->n; i++) {
			hgm_thp_setting_path(ts->ch[i].name, path, sizeof(path));
			print_obj_open(d, NULL, NULL);
			print_str(d, "path", NULL, path);
			print_str(d, "value", NULL, ts->ch[i].value);
			print_obj_close(d);
		}
		print_list_close(d);
	}
	doc_end(&doc);
}

/* Says on stderr what failed and what was put back; returns the exit status. */
static int set_verdict(const struct thp_set *ts, size_t failed)
{
	const struct hgm_thp_change *c;
	char back[512] = "", lost[512] = "";
	size_t i, lb = 0, ll = 0;

	if (failed == ts->n)
		return EXIT_OK;
	c = &ts->ch[failed];
	for (i = 0; i <= failed; i++) {
		const struct hgm_thp_change *o = &ts->ch[i];

		if (o->restored && lb < sizeof(back))
			lb += snprintf(back + lb, sizeof(back) - lb, "%s%s (%s)", lb ? ", " : "",
				       o->name, o->previous);
		else if (o->restore_error && ll < sizeof(lost))
			ll += snprintf(lost + ll, sizeof(lost) - ll, "%s%s (%s: %s)",
				       ll ? ", " : "", o->name, o->obtained[0] ? o->obtained :
				       "unknown", strerror(-o->restore_error));
	}
	if (c->error == -EIO)
		warnx("thp: %s: wrote %s, read back %s", c->name, c->value,
		      c->obtained[0] ? c->obtained : "nothing");
	else
		warnx("thp: cannot set %s to %s: %s", c->name, c->value, strerror(-c->error));
	if (lb)
		warnx("thp: put back %s", back);
	if (ll) {
		warnx("thp: could not put back %s", lost);
		return EXIT_PARTIAL;
	}
	if (failed + 1 < ts->n)
		warnx("thp: %zu later setting%s not written", ts->n - failed - 1,
		      ts->n - failed - 1 == 1 ? "" : "s");
	return EXIT_ERROR;
}

static int thp_set(const struct hgmctl *g, struct thp_set *ts)
{
	size_t i, failed = ts->n;
	int ret;

	if (ts->dry_run) {
		for (i = 0; i < ts->n; i++)
			if (hgm_thp_setting_read(g->ctx, ts->ch[i].name, ts->ch[i].previous,
						 sizeof(ts->ch[i].previous), NULL, 0))
				ts->ch[i].previous[0] = '\0';
		set_report(g, ts, failed);
		return EXIT_OK;
	}
	writes_check(g, "thp", "settings", ts->n, check_write, ts);
	if (g->verbose)
		for (i = 0; i < ts->n; i++)
			warnx("thp: writing %s to %s", ts->ch[i].value, ts->ch[i].name);
	ret = hgm_thp_apply(g->ctx, ts->ch, ts->n);
	if (ret)
		for (failed = 0; failed < ts->n && !ts->ch[failed].error; failed++)
			;
	set_report(g, ts, failed);
	return set_verdict(ts, failed);
}

/* ---- the command ------------------------------------------------------------------- */

int cmd_thp(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	const char **sizes = NULL, **khp = NULL;
	char *enabled = NULL, *defrag = NULL, *shmem = NULL;
	int dry_run = 0;
	const struct poptOption options[] = {
		{ "enabled", 0, POPT_ARG_STRING, &enabled, 0,
		  "THP for anonymous memory: always, madvise or never", "MODE" },
		{ "defrag", 0, POPT_ARG_STRING, &defrag, 0,
		  "direct reclaim and compaction on a THP fault: always, defer, defer+madvise, "
		  "madvise or never", "MODE" },
		{ "shmem-enabled", 0, POPT_ARG_STRING, &shmem, 0,
		  "THP for shmem and tmpfs: always, within_size, advise, never, deny or force",
		  "MODE" },
		{ "size", 0, POPT_ARG_ARGV, &sizes, 0,
		  "mTHP per folio size: enabled (SIZE=VALUE) or shmem_enabled (SIZE:shmem=VALUE)",
		  "SIZE=VALUE[,...]" },
		{ "khugepaged", 0, POPT_ARG_ARGV, &khp, 0,
		  "khugepaged settings (pages_to_scan, scan_sleep_millisecs, max_ptes_none, ...)",
		  "KEY=VALUE[,...]" },
		WRITES_DRY_RUN_OPTION(dry_run),
		POPT_TABLEEND
	};
	struct thp_set ts = { 0 };
	struct hgm_thp *t;
	size_t i;
	int ret, rc = EXIT_OK;

	hgmctl_parse(g, cmd, argc, argv, options);
	if (dry_run && !enabled && !defrag && !shmem && !sizes && !khp)
		usage_error("thp: --dry-run needs a setting to change (--enabled, --defrag, "
			    "--shmem-enabled, --size or --khugepaged)");
	ret = hgm_thp_read(g->ctx, &t);
	read_exit(g, ret, "thp: cannot read THP settings");
	if (!enabled && !defrag && !shmem && !sizes && !khp) {
		thp_show(g, t);
		goto out;
	}
	if (g->output)
		usage_error("thp: --output chooses the columns of the mTHP table; setting "
			    "prints a report, not the table");
	if (!t->available)
		errx(EXIT_ERROR, "thp: this kernel has no THP settings to set");
	/* the order of the writes: the system-wide modes, then sizes, then khugepaged */
	if (enabled)
		add_change(g, &ts, "--enabled", "enabled", enabled);
	if (defrag)
		add_change(g, &ts, "--defrag", "defrag", defrag);
	if (shmem)
		add_change(g, &ts, "--shmem-enabled", "shmem_enabled", shmem);
	for (i = 0; sizes && sizes[i]; i++)
		parse_sizes(g, &ts, t, sizes[i]);
	for (i = 0; khp && khp[i]; i++)
		parse_khugepaged(g, &ts, khp[i]);
	ts.dry_run = dry_run;
	rc = thp_set(g, &ts);
out:
	hgm_thp_free(t);
	for (i = 0; i < ts.nowned; i++)
		free(ts.owned[i]);
	free(ts.owned);
	free(ts.ch);
	free(enabled);
	free(defrag);
	free(shmem);
	for (i = 0; sizes && sizes[i]; i++)
		free((void *)sizes[i]);
	free(sizes);
	for (i = 0; khp && khp[i]; i++)
		free((void *)khp[i]);
	free(khp);
	return rc;
}
