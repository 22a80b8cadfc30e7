// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * output_test.c - the print_*() helpers, the column renderer and the levels
 * module of cmd/: one description of a field gives its text and its JSON,
 * and an unknown value is null in JSON, never 0 or ""
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "levels.h"
#include "jsonq.h"
#include "kselftest_harness.h"

/* stdout into memory while @fn(@arg) runs; returns what it printed (malloc'd). */
static char *captured(void (*fn)(void *), void *arg)
{
	FILE *saved = stdout, *mem;
	char *buf = NULL;
	size_t len = 0;

	fflush(stdout);
	mem = open_memstream(&buf, &len);
	if (!mem)
		return NULL;
	stdout = mem;
	fn(arg);
	fclose(mem);
	stdout = saved;
	return buf;
}

/* One view of every kind of field, in the layout of `uffd probe` and `postcopy`. */
static void describe(struct detail *d)
{
	print_obj_open(d, "kernel", NULL);
	print_str(d, "release", "Kernel:", "6.12.117");
	print_obj_close(d);
	print_u64_opt(d, "known", "Known:", true, 7);
	print_u64_opt(d, "unknown", "Unknown:", false, 7);
	print_size(d, "size", "Size:", 2 << 20);
	print_bool(d, "usable", "Usable:", true);
	print_str_as(d, "via", ", through %s", "syscall", "userfaultfd(2)");
	print_str_opt(d, "empty", "Empty:", "");
	print_double(d, "ratio", "Ratio:", 1.5, 2, 1, "x");
	print_ns(d, "total_ns", "Total:", 1830000);
	print_hex(d, "mask", "Mask:", 0x1ffff);
	print_list_open(d, "ioctls", "Ioctls:");
	print_item(d, NULL, "register");
	print_item(d, NULL, "api");
	print_list_close(d);
	/* a value with a format label writes nothing of it when unknown */
	print_size_opt(d, "pte", ", %s PTE-mapped", false, 4096);
	print_null(d, "api", "API:", "failed: EPERM");
	detail_end(d);
}

static void describe_text(void *arg)
{
	struct detail d;

	detail_begin(&d, NULL, NULL, 10);
	describe(&d);
}

static void describe_json(void *arg)
{
	struct detail d;
	struct jw w;

	jw_init(&w, stdout);
	jw_obj_open(&w, NULL);
	detail_begin(&d, NULL, &w, 10);
	describe(&d);
	jw_obj_close(&w);
	jw_end(&w);
}

TEST(detail_text_says_each_field_once_unknown_as_unknown)
{
	char *text = captured(describe_text, NULL);

	ASSERT_NE(NULL, text);
	EXPECT_STREQ("Kernel:    6.12.117\n"
		     "Known:     7\n"
		     "Unknown:   unknown\n"
		     "Size:      2M\n"
		     "Usable:    yes, through userfaultfd(2)\n"
		     "Empty:     unknown\n"
		     "Ratio:     1.5x\n"
		     "Total:     1.83 ms\n"
		     "Mask:      1ffff\n"
		     "Ioctls:    register api\n"
		     "API:       failed: EPERM\n", text);
	free(text);
}

TEST(detail_json_has_the_same_fields_unknown_as_null)
{
	char *text = captured(describe_json, NULL), e[128];
	struct jq_value *j;
	unsigned long long u;
	double x;

	ASSERT_NE(NULL, text);
	j = jq_parse(text, e, sizeof(e));
	ASSERT_NE(NULL, j) TH_LOG("%s: %s", e, text);
	EXPECT_STREQ("6.12.117", jq_str(jq_get(j, "kernel.release")));
	ASSERT_EQ(0, jq_u64(jq_get(j, "known"), &u));
	EXPECT_EQ(7, u);
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(j, "unknown")));
	ASSERT_EQ(0, jq_u64(jq_get(j, "size"), &u));
	EXPECT_EQ(2 << 20, u);
	EXPECT_EQ(1, jq_bool(jq_get(j, "usable")));
	EXPECT_STREQ("syscall", jq_str(jq_get(j, "via")));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(j, "empty")));
	ASSERT_EQ(0, jq_double(jq_get(j, "ratio"), &x));
	EXPECT_EQ(1.5, x);
	EXPECT_STREQ("1.50", jq_num_text(jq_get(j, "ratio")));
	ASSERT_EQ(0, jq_u64(jq_get(j, "total_ns"), &u));
	EXPECT_EQ(1830000, u);
	EXPECT_STREQ("0x1ffff", jq_str(jq_get(j, "mask")));
	ASSERT_EQ(2, jq_len(jq_get(j, "ioctls")));
	EXPECT_STREQ("api", jq_str(jq_at(jq_get(j, "ioctls"), 1)));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(j, "pte")));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(j, "api")));
	jq_free(j);
	free(text);
}

static void line_text(void *arg)
{
	struct detail d;

	detail_open(&d, NULL, "khugepaged", "khugepaged");
	print_i64(&d, "max_ptes_none", "max_ptes_none", 511);
	print_i64(&d, "full_scans", "full_scans", -1);
	detail_close(&d);
}

TEST(detail_line_puts_fields_on_one_line_unknown_as_dash)
{
	char *text = captured(line_text, NULL);

	ASSERT_NE(NULL, text);
	EXPECT_STREQ("  khugepaged: max_ptes_none 511, full_scans -\n", text);
	free(text);
}

TEST(level_look_of_one_level_is_its_glyph_of_several_mixed)
{
	EXPECT_EQ('.', level_glyphs[level_look(0)]);
	EXPECT_EQ('G', level_glyphs[level_look(LB_PUD)]);
	EXPECT_EQ('H', level_glyphs[level_look(LB_PMD)]);
	EXPECT_EQ('p', level_glyphs[level_look(LB_PTE)]);
	EXPECT_EQ('b', level_glyphs[level_look(LB_BASE)]);
	EXPECT_EQ('*', level_glyphs[level_look(LB_PTE | LB_BASE)]);
	EXPECT_EQ('*', level_glyphs[level_look(LB_PUD | LB_PMD)]);
	/* bits that are not levels (top's marks) do not change the look */
	EXPECT_EQ(LK_PMD, level_look(LB_PMD | 64));
}

TEST(levels_text_leaves_empty_levels_out_and_marks_unknown_ptes)
{
	static const struct hgmctl g;
	struct hgm_levels lv = { .base = 0 };
	char buf[128];

	EXPECT_STREQ("none", levels_text(&g, &lv, 0, buf, sizeof(buf)));
	EXPECT_STREQ("nothing mapped", levels_text(&g, &lv, LV_PROSE, buf, sizeof(buf)));
	lv.mapped[HGM_LEVEL_PMD] = 16 << 20;
	lv.mapped[HGM_LEVEL_PTE] = 2 << 20;
	lv.base = 8192;
	EXPECT_STREQ("pmd 16M pte 2M base 8K", levels_text(&g, &lv, 0, buf, sizeof(buf)));
	EXPECT_STREQ("pmd 16M, pte 2M, base 8K", levels_text(&g, &lv, LV_PROSE, buf, sizeof(buf)));
	lv.mapped[HGM_LEVEL_PTE] = lv.base = HGM_UNKNOWN;
	EXPECT_STREQ("pmd 16M pte ?", levels_text(&g, &lv, 0, buf, sizeof(buf)));
}

static void levels_object(void *arg)
{
	struct jw w;

	jw_init(&w, stdout);
	jw_obj_open(&w, NULL);
	levels_json(&w, "before", arg);
	jw_obj_close(&w);
	jw_end(&w);
}

TEST(levels_json_is_null_for_ptes_not_told_from_base_pages)
{
	struct hgm_levels lv = { .mapped = { [HGM_LEVEL_PMD] = 4 << 20,
					     [HGM_LEVEL_PTE] = HGM_UNKNOWN }, .base = HGM_UNKNOWN };
	char *text = captured(levels_object, &lv), e[128];
	struct jq_value *j;
	unsigned long long u;

	j = jq_parse(text, e, sizeof(e));
	ASSERT_NE(NULL, j) TH_LOG("%s: %s", e, text);
	ASSERT_EQ(0, jq_u64(jq_get(j, "before.pmd"), &u));
	EXPECT_EQ(4 << 20, u);
	ASSERT_EQ(0, jq_u64(jq_get(j, "before.pud"), &u));
	EXPECT_EQ(0, u);
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(j, "before.pte")));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(j, "before.base")));
	jq_free(j);
	free(text);
}

/* A table of each kind of cell, as the benches have them. */
enum { C_NAME, C_TIME, C_OK, C_RATIO, C_WHY };

static const struct colinfo cols[] = {
	[C_NAME] = { "NAME", 10, 0, NULL, "name", CT_STR },
	[C_TIME] = { "TIME", 8, 0, NULL, "time_ms", CT_DOUBLE, 0, 3, 2, " ms" },
	[C_OK] = { "OK", 3, 0, NULL, "ok", CT_YESNO },
	[C_RATIO] = { "RATIO", 5, 0, NULL, "ratio", CT_DOUBLE, CJ_OMIT, 2, 1, "x" },
	[C_WHY] = { "WHY", 10, 0, NULL, "skipped", CT_STR, CJ_OMIT | CJ_BLANK },
};

static const int order[] = { C_NAME, C_TIME, C_OK, C_RATIO, C_WHY };

/* The row of a run that did not happen: every figure unknown. */
static void fill(int col, const void *row, struct cell *c, void *arg)
{
	switch (col) {
	case C_NAME: c->s = "thp_pte"; c->text = "THP, split"; break;
	case C_TIME: c->known = false; break;
	case C_OK: c->b = false; break;
	case C_RATIO: c->known = false; break;
	case C_WHY: c->s = "no THP"; break;
	}
}

static void row_object(void *arg)
{
	struct jw w;

	jw_init(&w, stdout);
	row_json(&w, cols, order, 5, fill, NULL, NULL);
	jw_end(&w);
}

TEST(cells_of_one_fill_agree_in_text_and_json)
{
	static const struct hgmctl g;
	struct cell c = { .known = true };
	char buf[64], *text, e[128];
	struct jq_value *j;

	fill(C_NAME, NULL, &c, NULL);
	EXPECT_STREQ("THP, split", cell_text(&g, &cols[C_NAME], &c, buf, sizeof(buf)));
	c = (struct cell){ .known = true, .d = 12.345 };
	EXPECT_STREQ("12.35 ms", cell_text(&g, &cols[C_TIME], &c, buf, sizeof(buf)));
	c = (struct cell){ .known = false };
	EXPECT_STREQ("-", cell_text(&g, &cols[C_TIME], &c, buf, sizeof(buf)));
	EXPECT_STREQ("", cell_text(&g, &cols[C_WHY], &c, buf, sizeof(buf)));
	c = (struct cell){ .known = true, .b = true };
	EXPECT_STREQ("yes", cell_text(&g, &cols[C_OK], &c, buf, sizeof(buf)));

	text = captured(row_object, NULL);
	j = jq_parse(text, e, sizeof(e));
	ASSERT_NE(NULL, j) TH_LOG("%s: %s", e, text);
	EXPECT_STREQ("thp_pte", jq_str(jq_get(j, "name")));
	EXPECT_EQ(JQ_NULL, jq_type(jq_get(j, "time_ms")));
	EXPECT_EQ(JQ_BOOL, jq_type(jq_get(j, "ok")));
	EXPECT_EQ(0, jq_bool(jq_get(j, "ok")));
	/* CJ_OMIT: not there at all */
	EXPECT_EQ(NULL, jq_get(j, "ratio"));
	EXPECT_STREQ("no THP", jq_str(jq_get(j, "skipped")));
	jq_free(j);
	free(text);
}

TEST_HARNESS_MAIN
