// SPDX-License-Identifier: GPL-2.0-or-later
/* pool.c - `hgmctl pool`: show hugetlb pools, or set them per node or system-wide, verified */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "output.h"
#include "views.h"

static char *sizes_list(const struct hgmctl *g, const struct hgm_pools *pools, char *buf,
			size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < pools->nr; i++) {
		char s[32];

		if (pools->pool[i].node != HGM_NODE_ALL)
			continue;
		len += snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
				fmt_size(g, pools->pool[i].page_size, s, sizeof(s)));
		if (len >= size)
			break;
	}
	return buf;
}

static size_t nr_sizes(const struct hgm_pools *pools)
{
	size_t i, n = 0;

	for (i = 0; i < pools->nr; i++)
		n += pools->pool[i].node == HGM_NODE_ALL;
	return n;
}

static const struct hgm_pool *find_pool(const struct hgm_pools *pools, uint64_t size, int node)
{
	size_t i;

	for (i = 0; i < pools->nr; i++)
		if (pools->pool[i].page_size == size && pools->pool[i].node == node)
			return &pools->pool[i];
	return NULL;
}

/* "0, 1": the nodes with a pool of @size, for messages; "none" without NUMA sysfs. */
static char *nodes_list(const struct hgm_pools *pools, uint64_t size, char *buf, size_t bsize)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < pools->nr; i++) {
		const struct hgm_pool *p = &pools->pool[i];

		if (p->page_size != size || p->node == HGM_NODE_ALL)
			continue;
		len += snprintf(buf + len, bsize - len, "%s%d", len ? ", " : "", p->node);
		if (len >= bsize)
			break;
	}
	if (!len)
		snprintf(buf, bsize, "none");
	return buf;
}

/* A page count: decimal, nothing else. */
static bool parse_count(const char *s, uint64_t *v)
{
	/* the kernel takes an unsigned long; stay well inside what it parses */
	return parse_u64(s, v) == 0 && *v <= UINT32_MAX;
}

/*
 * COUNT or SIZE: a bare number is pages, a number with a unit bytes, which
 * must be whole pages of @size (-EDOM).  0, or -EINVAL/-ERANGE as parse.h says.
 */
static int parse_amount(const char *s, uint64_t size, uint64_t *pages)
{
	bool bytes;
	int ret = parse_pages(s, size, pages, &bytes);

	/* the kernel takes an unsigned long; stay well inside what it parses */
	if (!ret && *pages > UINT32_MAX)
		ret = -ERANGE;
	return ret;
}

/* The COUNT|SIZE of option @opt ("--total"), or a usage error. */
static uint64_t option_amount(const char *opt, const char *s, uint64_t size,
			      const char *size_str)
{
	uint64_t pages;
	int ret = parse_amount(s, size, &pages);

	if (ret == -EDOM)
		usage_error("pool: %s '%s' is not a whole number of %s pages", opt, s, size_str);
	if (ret == -ERANGE)
		usage_error("pool: %s '%s' is more pages than the kernel takes", opt, s);
	if (ret)
		usage_error("pool: invalid %s '%s': expected a page count, or a size with a unit "
			    "(K, M, G, T)", opt, s);
	return pages;
}

/*
 * Parses the --node lists ("0=100,1=20", possibly given several times) into
 * @ch; every node must have a pool of @size, and appear once.
 */
static size_t parse_nodes(const struct hgm_pools *pools, uint64_t size, const char *size_str,
			  const char **lists, struct hgm_pool_change **out)
{
	struct hgm_pool_change *ch = NULL;
	char valid[256];
	size_t n = 0, cap = 0, i, k;

	nodes_list(pools, size, valid, sizeof(valid));
	for (k = 0; lists[k]; k++) {
		const char *p = lists[k];
		char item[64];
		int ret;

		if (!*p)
			usage_error("pool: empty --node list (expected N=COUNT|SIZE[,...]; "
				    "nodes: %s)", valid);
		while ((ret = list_next(&p, item, sizeof(item))) != 0) {
			char *eq = strchr(item, '=');
			uint64_t node, count;

			if (ret < 0)
				usage_error("pool: invalid --node list '%s': %s (expected "
					    "N=COUNT|SIZE[,...]; nodes: %s)", lists[k],
					    ret == -EINVAL ? "an empty entry" : "an entry too long",
					    valid);

			ret = eq ? parse_amount(eq + 1, size, &count) : -EINVAL;
			if (ret == -EDOM)
				usage_error("pool: --node entry '%s' is not a whole number of %s "
					    "pages", item, size_str);
			if (ret || eq == item)
				usage_error("pool: invalid --node entry '%s': expected N=COUNT or "
					    "N=SIZE (nodes: %s)", item, valid);
			*eq = '\0';
			if (!parse_count(item, &node) || node > INT32_MAX)
				usage_error("pool: invalid node '%s' in --node (nodes: %s)", item, valid);
			if (!find_pool(pools, size, (int)node))
				usage_error("pool: no node %" PRIu64 " with a %s pool "
					    "(nodes: %s)", node, size_str, valid);
			for (i = 0; i < n; i++)
				if (ch[i].node == (int)node)
					usage_error("pool: node %" PRIu64 " given twice in --node", node);
			if (n == cap) {
				cap = cap ? cap * 2 : 4;
				ch = realloc(ch, cap * sizeof(*ch));
				if (!ch)
					err(EXIT_ERROR, "cannot allocate memory");
			}
			memset(&ch[n], 0, sizeof(ch[n]));
			ch[n].node = (int)node;
			ch[n].requested = count;
			n++;
		}
	}
	if (!n)
		usage_error("pool: empty --node list (expected N=COUNT|SIZE[,...]; nodes: %s)",
			    valid);
	*out = ch;
	return n;
}

/* ---- setting ---------------------------------------------------------------------- */

struct pool_set {
	uint64_t *kept;		/* dry run: pages in use or reserved system-wide, before each */
	uint64_t size;
	char size_str[32];
	struct hgm_pool_change *ch;
	size_t n;
	bool dry_run, compact, compacted;
	int room_error;		/* -errno of hgm_make_room(), or 0 */
	/* --overcommit: nr_overcommit_hugepages, before, asked for and read back */
	bool overcommit;
	uint64_t oc_previous, oc_requested, oc_obtained;
	int oc_error;
};

/* "2M pool, node 0" / "2M pool, system-wide" */
static const char *change_name(const struct pool_set *ps, const struct hgm_pool_change *c,
			       char *buf, size_t size)
{
	if (c->node == HGM_NODE_ALL)
		snprintf(buf, size, "%s pool, system-wide", ps->size_str);
	else
		snprintf(buf, size, "%s pool, node %d", ps->size_str, c->node);
	return buf;
}

static bool landed(const struct hgm_pool_change *c)
{
	return !c->error && HGM_KNOWN(c->obtained) && c->obtained == c->requested;
}

static const char *result_name(const struct hgm_pool_change *c)
{
	if (c->error)
		return errno_name(c->error);
	if (!HGM_KNOWN(c->obtained))
		return "unknown";
	if (c->obtained < c->requested)
		return "short";
	if (c->obtained > c->requested)
		return "over";
	return "ok";
}

/* The order hgm_pool_apply() writes in: shrinks, then grows. */
static bool write_first_pass(const struct hgm_pool_change *c)
{
	return c->requested <= c->current;
}

static void dry_run_text(const struct pool_set *ps)
{
	char name[64], path[256];
	size_t i;
	int pass, s;

	if (ps->overcommit) {
		hgm_pool_overcommit_path(ps->size, path, sizeof(path));
		printf("# %s pool, overcommit: %" PRIu64 " -> %" PRIu64 " surplus pages at most\n",
		       ps->size_str, ps->oc_previous, ps->oc_requested);
		printf("echo %" PRIu64 " > %s\n", ps->oc_requested, path);
	}

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < ps->n; i++) {
			const struct hgm_pool_change *c = &ps->ch[i];

			if (write_first_pass(c) != (pass == 0))
				continue;
			hgm_pool_path(ps->size, c->node, path, sizeof(path));
			printf("# %s: %" PRIu64 " -> %" PRIu64 " pages",
			       change_name(ps, c, name, sizeof(name)), c->current, c->requested);
			if (!HGM_KNOWN(c->surplus))
				printf(" (the kernel's accounting is unknown: no reserved count)");
			else if (c->surplus)
				printf(" (%" PRIu64 " in use or reserved system-wide: %" PRIu64
				       " would stay as surplus until freed)", ps->kept[i], c->surplus);
			putchar('\n');
			printf("echo %" PRIu64 " > %s\n", c->requested, path);
		}
	}
	if (ps->compact) {
		printf("# if a pool falls short: make room, then write the short ones again\n");
		printf("sync\n");
		for (s = 0; s < HGM_NR_ROOM_STEPS; s++) {
			uint64_t v;
			const char *p = hgm_room_step(s, &v);

			printf("echo %" PRIu64 " > %s\n", v, p);
		}
	}
}

/* The report of a set: one row per change, a table in text, the "nodes" array in JSON. */
enum { CH_SIZE, CH_NODE, CH_PREVIOUS, CH_REQUESTED, CH_OBTAINED, CH_SURPLUS, CH_ATTEMPTS,
       CH_RESULT };

static const struct colinfo change_cols[] = {
	/* text only: the JSON document has the size once, at its top */
	[CH_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, "hugetlb page size", NULL, CT_SIZE },
	[CH_NODE] = { "NODE", 4, SCOLS_FL_RIGHT, "NUMA node, or - for the whole system", "node",
		      CT_U64 },
	[CH_PREVIOUS] = { "BEFORE", 6, SCOLS_FL_RIGHT, "persistent pages before the write",
			  "previous", CT_U64 },
	[CH_REQUESTED] = { "REQUESTED", 6, SCOLS_FL_RIGHT, "persistent pages asked for",
			   "requested", CT_U64 },
	[CH_OBTAINED] = { "AFTER", 6, SCOLS_FL_RIGHT, "persistent pages read back after it",
			  "obtained", CT_U64 },
	[CH_SURPLUS] = { "SURPLUS", 6, SCOLS_FL_RIGHT,
			 "pages in use above the request, freed when unmapped", "surplus", CT_U64 },
	[CH_ATTEMPTS] = { "WRITES", 3, SCOLS_FL_RIGHT, "writes made (a retry after compaction "
			  "adds one)", "attempts", CT_U64 },
	[CH_RESULT] = { "RESULT", 6, 0, "ok, short, over, or the error of the write", "result",
			CT_STR },
};
#define NCHCOLS (sizeof(change_cols) / sizeof(change_cols[0]))

static const int change_order[] = {
	CH_SIZE, CH_NODE, CH_PREVIOUS, CH_REQUESTED, CH_OBTAINED, CH_SURPLUS, CH_ATTEMPTS,
	CH_RESULT,
};

static void change_fill(int col, const void *row, struct cell *c, void *arg)
{
	const struct hgm_pool_change *ch = row;
	const struct pool_set *ps = arg;
	/* what was read back after the write, or what a dry run expects the kernel to keep */
	bool known = HGM_KNOWN(ch->obtained);

	switch (col) {
	case CH_SIZE: c->u = ps->size; break;
	case CH_NODE: c->known = ch->node != HGM_NODE_ALL; c->u = (uint64_t)ch->node; break;
	case CH_PREVIOUS: c->u = ch->previous; break;
	case CH_REQUESTED: c->u = ch->requested; break;
	case CH_OBTAINED: c->known = known; c->u = ch->obtained; break;
	case CH_SURPLUS: c->known = HGM_KNOWN(ch->surplus); c->u = ch->surplus; break;
	case CH_ATTEMPTS: c->u = ch->attempts; break;
	case CH_RESULT: c->known = !ps->dry_run; c->s = result_name(ch); break;
	}
}

/*
 * What a set did (or, in JSON, what a dry run would do): the changes through
 * one column table for both formats.  A dry run's text is the script of
 * dry_run_text(), which says its writes; JSON lists them as "writes".
 */
static void set_report(const struct hgmctl *g, struct pool_set *ps)
{
	struct hgm_pools *after = NULL;
	struct doc doc;
	struct detail *d = &doc.d;
	struct rows r;
	char path[256];
	size_t i;
	int pass, s;

	doc_begin(&doc, g, 0);
	/* no text of their own: the SIZE column; a dry run's text is its script; stderr
	 * says when memory was compacted */
	print_size(d, "size", NULL, ps->size);
	print_bool(d, "dry_run", NULL, ps->dry_run);
	print_bool(d, "compacted", NULL, ps->compacted);
	if (ps->overcommit) {
		/* text: "2M overcommit: 0 -> 16 pages, read back 16" */
		print_text(d, "%s overcommit:", ps->size_str);
		print_obj_open(d, "overcommit", NULL);
		print_u64(d, "previous", " %s", ps->oc_previous);
		print_u64(d, "requested", " -> %s pages", ps->oc_requested);
		print_u64_opt(d, "obtained", ", read back %s", !ps->dry_run &&
			      HGM_KNOWN(ps->oc_obtained), ps->oc_obtained);
		print_str_opt(d, "result", NULL, ps->dry_run ? NULL : ps->oc_error ?
			      errno_name(ps->oc_error) : ps->oc_obtained == ps->oc_requested ?
			      "ok" : "differs");
		print_obj_close(d);
		print_text(d, "\n");
	}
	if (ps->n || d->w) {
		rows_begin(&r, g, d->w, "nodes", change_cols, NCHCOLS, change_order, NCHCOLS,
			   change_fill, ps);
		for (i = 0; i < ps->n; i++)
			rows_add(&r, &ps->ch[i]);
		rows_end(&r);
	}
	if (d->w && ps->dry_run) {
		print_list_open(d, "writes", NULL);
		if (ps->overcommit) {
			hgm_pool_overcommit_path(ps->size, path, sizeof(path));
			print_obj_open(d, NULL, NULL);
			print_str(d, "path", NULL, path);
			print_u64(d, "value", NULL, ps->oc_requested);
			print_obj_close(d);
		}
		for (pass = 0; pass < 2; pass++) {
			for (i = 0; i < ps->n; i++) {
				if (write_first_pass(&ps->ch[i]) != (pass == 0))
					continue;
				hgm_pool_path(ps->size, ps->ch[i].node, path, sizeof(path));
				print_obj_open(d, NULL, NULL);
				print_str(d, "path", NULL, path);
				print_u64(d, "value", NULL, ps->ch[i].requested);
				print_obj_close(d);
			}
		}
		print_list_close(d);
		print_list_open(d, "retry_writes", NULL);
		for (s = 0; ps->compact && s < HGM_NR_ROOM_STEPS; s++) {
			uint64_t v;
			const char *p = hgm_room_step(s, &v);

			print_obj_open(d, NULL, NULL);
			print_str(d, "path", NULL, p);
			print_u64(d, "value", NULL, v);
			print_obj_close(d);
		}
		print_list_close(d);
	}
	/* the pools as they are now (unchanged by a dry run); text: `hgmctl pool` shows them */
	if (d->w) {
		if (hgm_pools_read(g->ctx, &after) == 0) {
			pools_json(d->w, after, ps->size);
			hgm_pools_free(after);
		} else {
			print_null(d, "pools", NULL, NULL);
		}
	}
	doc_end(&doc);
}

/* Says on stderr what fell short, and why it may have; returns the exit status. */
static int set_verdict(const struct pool_set *ps)
{
	size_t i, bad = 0, failed = 0;
	char name[64];

	for (i = 0; i < ps->n; i++) {
		const struct hgm_pool_change *c = &ps->ch[i];

		if (landed(c))
			continue;
		bad++;
		change_name(ps, c, name, sizeof(name));
		if (!HGM_KNOWN(c->obtained)) {
			failed++;
			warnx("pool: %s: cannot set: %s", name, strerror(-c->error));
		} else if (c->obtained < c->requested) {
			warnx("pool: %s: the kernel gave %" PRIu64 " of %" PRIu64 " pages "
			      "(not enough free contiguous memory%s)", name, c->obtained,
			      c->requested, ps->compacted ? ", even after compaction" :
			      "; --compact may help");
		} else if (c->obtained > c->requested) {
			warnx("pool: %s: %" PRIu64 " pages remain, %" PRIu64 " requested "
			      "(pages reserved by mappings cannot be freed)", name, c->obtained,
			      c->requested);
		} else {
			warnx("pool: %s: the write failed: %s", name, strerror(-c->error));
		}
	}
	if (ps->room_error)
		warnx("pool: cannot make room (drop caches, compact memory): %s",
		      strerror(-ps->room_error));
	if (ps->overcommit && (ps->oc_error || ps->oc_obtained != ps->oc_requested)) {
		bad++;
		if (ps->oc_error) {
			failed++;
			warnx("pool: %s overcommit: cannot set: %s", ps->size_str,
			      strerror(-ps->oc_error));
		} else {
			warnx("pool: %s overcommit: %" PRIu64 " read back, %" PRIu64 " written",
			      ps->size_str, ps->oc_obtained, ps->oc_requested);
		}
	}
	if (!bad)
		return EXIT_OK;
	return failed == ps->n + ps->overcommit ? EXIT_ERROR : EXIT_PARTIAL;
}

/* The writes of @ps: each node's pool, then the overcommit. */
static int check_write(const struct hgmctl *g, size_t i, const void *arg, char *path,
		       size_t size, const char **what)
{
	const struct pool_set *ps = arg;
	int ret;

	if (i < ps->n) {
		ret = hgm_pool_check_write(g->ctx, ps->size, ps->ch[i].node);
		if (ret)
			hgm_pool_path(ps->size, ps->ch[i].node, path, size);
		*what = "hugetlb pools";
		return ret;
	}
	ret = hgm_pool_check_overcommit(g->ctx, ps->size);
	if (ret)
		hgm_pool_overcommit_path(ps->size, path, size);
	*what = "the overcommit";
	return ret;
}

static void check_privileges(const struct hgmctl *g, const struct pool_set *ps)
{
	int ret;

	writes_check(g, "pool", "pools", ps->n + ps->overcommit, check_write, ps);
	if (!ps->compact)
		return;
	ret = hgm_make_room_check(g->ctx);
	if (ret)
		errx(EXIT_ERROR, "pool: --compact needs root to write %s and %s: %s; nothing changed",
		     hgm_room_step(HGM_ROOM_DROP_CACHES, NULL), hgm_room_step(HGM_ROOM_COMPACT, NULL),
		     strerror(-ret));
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/*
 * While pools are written, Ctrl-C (or SIGTERM/SIGHUP) stops the kernel's
 * allocation loop, which checks for pending signals, but not hgmctl: the pools
 * are still read back and reported, so an interrupted grow is never silent.
 */
static void catch_signals(bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on ? on_signal : SIG_DFL };
	size_t i;

	sigemptyset(&sa.sa_mask);	/* no SA_RESTART: the write returns early */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/*
 * What the writes of a dry run would leave, in the order hgm_pool_apply()
 * makes them, each on the pools the one before left: the kernel's own
 * accounting (hgm_pool_predict()), assuming it finds the pages a grow needs.
 */
static void dry_run_predict(const struct hgmctl *g, struct pool_set *ps)
{
	struct hgm_pools *pools;
	char file[512];
	size_t i;
	int pass, ret;

	ret = hgm_pools_read(g->ctx, &pools);
	refusal_exit(ret);
	if (ret)
		errx(EXIT_ERROR, "pool: cannot read the %s pool: %s%s", ps->size_str,
		     strerror(-ret), failed_file(g, ret, file, sizeof(file)));
	ps->kept = calloc(ps->n ? ps->n : 1, sizeof(*ps->kept));
	if (!ps->kept)
		err(EXIT_ERROR, "cannot allocate memory");
	if (ps->overcommit) {
		const struct hgm_pool *sys = find_pool(pools, ps->size, HGM_NODE_ALL);

		ps->oc_previous = sys ? sys->overcommit : (uint64_t)HGM_UNKNOWN;
	}
	for (i = 0; i < ps->n; i++) {
		const struct hgm_pool *p = find_pool(pools, ps->size, ps->ch[i].node);

		if (!p)
			errx(EXIT_ERROR, "pool: cannot read the %s pool", ps->size_str);
		ps->ch[i].previous = ps->ch[i].current =
			p->total > p->surplus ? p->total - p->surplus : 0;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < ps->n; i++) {
			struct hgm_pool_change *c = &ps->ch[i];
			const struct hgm_pool *sys = find_pool(pools, ps->size, HGM_NODE_ALL);
			const struct hgm_pool *p;

			if (write_first_pass(c) != (pass == 0))
				continue;
			ps->kept[i] = sys->reserved + sys->total - sys->free;
			c->obtained = c->surplus = HGM_UNKNOWN;
			if (hgm_pool_predict(pools, ps->size, c->node, c->requested))
				continue;
			p = find_pool(pools, ps->size, c->node);
			c->obtained = p->total - p->surplus;
			c->surplus = p->surplus;
		}
	}
	hgm_pools_free(pools);
}

static int pool_set(const struct hgmctl *g, struct pool_set *ps)
{
	char file[512];
	size_t i, nshort;
	int ret;

	if (!ps->dry_run)
		check_privileges(g, ps);
	if (ps->dry_run) {
		dry_run_predict(g, ps);
		if (g->json)
			set_report(g, ps);
		else
			dry_run_text(ps);
		free(ps->kept);
		return EXIT_OK;
	}

	if (g->verbose)
		for (i = 0; i < ps->n; i++) {
			char path[256];

			hgm_pool_path(ps->size, ps->ch[i].node, path, sizeof(path));
			warnx("pool: writing %" PRIu64 " to %s", ps->ch[i].requested, path);
		}
	if (ps->overcommit) {
		struct hgm_pool sys;

		ret = hgm_pool_get(g->ctx, ps->size, HGM_NODE_ALL, &sys);
		refusal_exit(ret);
		if (ret)
			errx(EXIT_ERROR, "pool: cannot read the %s pool: %s%s; nothing changed",
			     ps->size_str, strerror(-ret), failed_file(g, ret, file, sizeof(file)));
		ps->oc_previous = sys.overcommit;
		if (g->verbose) {
			char path[256];

			hgm_pool_overcommit_path(ps->size, path, sizeof(path));
			warnx("pool: writing %" PRIu64 " to %s", ps->oc_requested, path);
		}
		ps->oc_error = hgm_pool_set_overcommit(g->ctx, ps->size, ps->oc_requested,
						       &ps->oc_obtained);
	}
	catch_signals(true);
	ret = ps->n ? hgm_pool_apply(g->ctx, ps->size, ps->ch, ps->n) : 0;
	refusal_exit(ret);
	if (ret < 0)
		errx(EXIT_ERROR, "pool: cannot read the %s pool: %s%s; nothing changed",
		     ps->size_str, strerror(-ret), failed_file(g, ret, file, sizeof(file)));
	if (ret > 0 && ps->compact && !interrupted) {
		struct hgm_pool_change *retry = calloc(ps->n, sizeof(*retry));
		size_t *idx = calloc(ps->n, sizeof(*idx));
		char name[64];

		if (!retry || !idx)
			err(EXIT_ERROR, "cannot allocate memory");
		for (i = nshort = 0; i < ps->n; i++) {
			if (landed(&ps->ch[i]))
				continue;
			if (HGM_KNOWN(ps->ch[i].obtained))
				warnx("pool: %s: %" PRIu64 " of %" PRIu64 " pages", change_name(ps,
				      &ps->ch[i], name, sizeof(name)), ps->ch[i].obtained,
				      ps->ch[i].requested);
			idx[nshort] = i;
			retry[nshort++] = ps->ch[i];
		}
		warnx("pool: dropping caches, compacting memory and trying again");
		ps->room_error = hgm_make_room(g->ctx);
		ps->compacted = ps->room_error == 0;
		for (i = 0; i < nshort; i++)
			retry[i].error = 0;
		ret = hgm_pool_apply(g->ctx, ps->size, retry, nshort);
		if (ret < 0)
			warnx("pool: cannot read the %s pool again: %s", ps->size_str,
			      strerror(-ret));
		else
			for (i = 0; i < nshort; i++)
				ps->ch[idx[i]] = retry[i];
		free(retry);
		free(idx);
	}
	catch_signals(false);
	if (interrupted)
		warnx("pool: interrupted (%s): the pools below are what the kernel had then",
		      strsignal(interrupted));
	set_report(g, ps);
	return set_verdict(ps);
}

/* ---- the command ------------------------------------------------------------------- */

int cmd_pool(struct hgmctl *g, const struct hgmctl_cmd *cmd, int argc, const char **argv)
{
	const char **node_lists = NULL;
	char *total = NULL, *overcommit = NULL;
	int dry_run = 0, compact = 0;
	const struct poptOption options[] = {
		{ "node", 0, POPT_ARG_ARGV, &node_lists, 0,
		  "set the pool of each node N to COUNT pages or SIZE bytes (other nodes are "
		  "left alone)", "N=COUNT|SIZE[,...]" },
		{ "total", 0, POPT_ARG_STRING, &total, 0,
		  "set the system-wide pool to COUNT pages or SIZE bytes (the kernel spreads "
		  "them over nodes)", "COUNT|SIZE" },
		{ "overcommit", 0, POPT_ARG_STRING, &overcommit, 0,
		  "let the kernel allocate up to COUNT pages (SIZE bytes) of surplus on demand",
		  "COUNT|SIZE" },
		WRITES_DRY_RUN_OPTION(dry_run),
		{ "compact", 0, POPT_ARG_NONE, &compact, 0,
		  "if a pool falls short: drop caches, compact memory, try once more", NULL },
		POPT_TABLEEND
	};
	struct pool_set ps = { 0 };
	struct hgm_pools *pools;
	const char *size_arg_s;
	char sizes[128], valid[256];
	int ret, rc = EXIT_OK;

	poptContext pc = hgmctl_parse(g, cmd, argc, argv, options);
	size_arg_s = poptGetArg(pc);
	if (node_lists && total)
		usage_error("pool: --node and --total cannot be combined (one sets nodes, "
			    "the other the system-wide pool)");
	if (!node_lists && !total && !overcommit && dry_run)
		usage_error("pool: --dry-run needs --node, --total or --overcommit");
	if (!node_lists && !total && compact)
		usage_error("pool: --compact needs --node or --total");
	if (g->output && (node_lists || total || overcommit))
		usage_error("pool: --output chooses the columns of the pools table; setting a pool "
			    "prints a report, not the table");

	ret = hgm_pools_read(g->ctx, &pools);
	read_exit(g, ret, "pool: cannot read hugetlb pools");
	sizes_list(g, pools, sizes, sizeof(sizes));
	if (size_arg_s) {
		if (parse_size(size_arg_s, &ps.size) || ps.size == 0)
			usage_error("pool: invalid size '%s' (sizes: %s)", size_arg_s,
				    nr_sizes(pools) ? sizes : "none");
		if (!find_pool(pools, ps.size, HGM_NODE_ALL))
			usage_error("pool: no %s hugetlb pool (sizes: %s)",
				    fmt_size(g, ps.size, ps.size_str, sizeof(ps.size_str)),
				    nr_sizes(pools) ? sizes : "none: this kernel has no hugetlb");
	}

	if (!node_lists && !total && !overcommit) {
		if (g->json) {
			struct jdoc d;

			jdoc_begin(&d);
			pools_json(&d.w, pools, ps.size);
			jdoc_end(&d, true);
		} else if (nr_sizes(pools)) {
			pools_table(g, pools, ps.size);
		} else {
			printf("no hugetlb pools (this kernel has no hugetlb)\n");
		}
		goto out;
	}

	if (!nr_sizes(pools))
		errx(EXIT_ERROR, "pool: this kernel has no hugetlb pools to set");
	if (!ps.size) {
		if (nr_sizes(pools) > 1)
			usage_error("pool: give the SIZE to set (sizes: %s)", sizes);
		ps.size = pools->pool[0].page_size;
	}
	fmt_size(g, ps.size, ps.size_str, sizeof(ps.size_str));
	if (node_lists) {
		if (!nodes_list(pools, ps.size, valid, sizeof(valid)) || !strcmp(valid, "none"))
			usage_error("pool: no per-node %s pools here (no NUMA nodes in sysfs); "
				    "use --total", ps.size_str);
		ps.n = parse_nodes(pools, ps.size, ps.size_str, node_lists, &ps.ch);
	} else if (total) {
		ps.ch = calloc(1, sizeof(*ps.ch));
		if (!ps.ch)
			err(EXIT_ERROR, "cannot allocate memory");
		ps.ch[0].requested = option_amount("--total", total, ps.size, ps.size_str);
		ps.ch[0].node = HGM_NODE_ALL;
		ps.n = 1;
	}
	if (overcommit) {
		ps.overcommit = true;
		ps.oc_requested = option_amount("--overcommit", overcommit, ps.size, ps.size_str);
		ps.oc_obtained = HGM_UNKNOWN;
	}
	ps.dry_run = dry_run;
	ps.compact = compact;
	rc = pool_set(g, &ps);
	free(ps.ch);
out:
	hgm_pools_free(pools);
	free(total);
	free(overcommit);
	if (node_lists) {
		for (size_t i = 0; node_lists[i]; i++)
			free((void *)node_lists[i]);
		free(node_lists);
	}
	return rc;
}
