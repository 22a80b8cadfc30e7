/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the jsonq JSON parser used by the CLI output tests. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../lib/jsonq.h"

/*
 * The 6.12 kselftest harness defines non-static helpers and TEST() wrappers
 * with an unused "variant" parameter; silence only those two warnings.
 */
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

/* jq_type() as int, so the harness's EXPECT_EQ compares like with like. */
static int type_of(const struct jq_value *v)
{
	return (int)jq_type(v);
}

/* Parse @text expecting failure; returns 1 if it was rejected. */
static int rejects(const char *text)
{
	char err[256];
	struct jq_value *v = jq_parse(text, err, sizeof(err));

	if (v) {
		jq_free(v);
		return 0;
	}
	return err[0] != '\0';
}

/* Parse @text expecting success; returns 1 if it was accepted. */
static int accepts(const char *text)
{
	struct jq_value *v = jq_parse(text, NULL, 0);

	jq_free(v);
	return v != NULL;
}

/* Build a string of @depth '[' followed by @depth ']' (caller frees). */
static char *nested_arrays(int depth)
{
	char *s = malloc((size_t)depth * 2 + 1);
	int i;

	if (!s)
		return NULL;
	for (i = 0; i < depth; i++) {
		s[i] = '[';
		s[depth + i] = ']';
	}
	s[depth * 2] = '\0';
	return s;
}

TEST(parses_all_scalar_types_at_top_level)
{
	struct jq_value *v;

	v = jq_parse("null", NULL, 0);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(JQ_NULL, type_of(v));
	jq_free(v);

	v = jq_parse(" true ", NULL, 0);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(JQ_BOOL, type_of(v));
	EXPECT_EQ(1, jq_bool(v));
	jq_free(v);

	v = jq_parse("\t\r\nfalse\n", NULL, 0);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, jq_bool(v));
	jq_free(v);

	v = jq_parse("42", NULL, 0);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(JQ_NUMBER, type_of(v));
	jq_free(v);

	v = jq_parse("\"hi\"", NULL, 0);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(JQ_STRING, type_of(v));
	ASSERT_NE(NULL, jq_str(v));
	EXPECT_STREQ("hi", jq_str(v));
	jq_free(v);
}

TEST(parses_empty_containers)
{
	struct jq_value *v = jq_parse("{ \"a\": [], \"b\": {} , \"c\":[ ] }", NULL, 0);

	ASSERT_NE(NULL, v);
	EXPECT_EQ(JQ_OBJECT, type_of(v));
	EXPECT_EQ(3U, jq_len(v));
	EXPECT_EQ(JQ_ARRAY, type_of(jq_get(v, "a")));
	EXPECT_EQ(0U, jq_len(jq_get(v, "a")));
	EXPECT_EQ(JQ_OBJECT, type_of(jq_get(v, "b")));
	EXPECT_EQ(0U, jq_len(jq_get(v, "b")));
	EXPECT_EQ(0U, jq_len(jq_get(v, "c")));
	jq_free(v);
}

TEST(path_indexes_arrays_and_objects)
{
	const char *doc =
		"{\"totals\": {\"hugetlb\": {\"pmd\": 2, \"pud\": 0}},\n"
		" \"vmas\": [ {\"kind\": \"heap\"}, {\"kind\": \"stack\"},\n"
		"           {\"kind\": \"anon\", \"tags\": [[1, 2], [3, 4]]} ],\n"
		" \"pools\": [ {\"size\": 4096} ] }";
	struct jq_value *v = jq_parse(doc, NULL, 0);
	unsigned long long u;

	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, jq_u64(jq_get(v, "totals.hugetlb.pmd"), &u));
	EXPECT_EQ(2ULL, u);
	ASSERT_NE(NULL, jq_str(jq_get(v, "vmas[2].kind")));
	EXPECT_STREQ("anon", jq_str(jq_get(v, "vmas[2].kind")));
	EXPECT_STREQ("heap", jq_str(jq_get(v, "vmas[0].kind")));
	ASSERT_EQ(0, jq_u64(jq_get(v, "pools[0].size"), &u));
	EXPECT_EQ(4096ULL, u);
	ASSERT_EQ(0, jq_u64(jq_get(v, "vmas[2].tags[1][0]"), &u));
	EXPECT_EQ(3ULL, u);
	EXPECT_EQ(v, jq_get(v, ""));
	EXPECT_EQ(JQ_OBJECT, type_of(jq_get(v, "totals.hugetlb")));
	jq_free(v);
}

TEST(path_indexes_root_array)
{
	struct jq_value *v = jq_parse("[{\"name\": \"a\"}, [10, 20]]", NULL, 0);
	unsigned long long u;

	ASSERT_NE(NULL, v);
	EXPECT_STREQ("a", jq_str(jq_get(v, "[0].name")));
	ASSERT_EQ(0, jq_u64(jq_get(v, "[1][1]"), &u));
	EXPECT_EQ(20ULL, u);
	EXPECT_NULL(jq_get(v, "[2]"));
	EXPECT_NULL(jq_get(v, "name"));
	jq_free(v);
}

TEST(path_returns_null_when_absent_or_wrong_type)
{
	struct jq_value *v = jq_parse("{\"a\": {\"b\": [1, 2]}, \"s\": \"x\"}", NULL, 0);

	ASSERT_NE(NULL, v);
	EXPECT_NULL(jq_get(v, "missing"));
	EXPECT_NULL(jq_get(v, "a.c"));
	EXPECT_NULL(jq_get(v, "a.b[2]"));
	EXPECT_NULL(jq_get(v, "a[0]"));        /* object indexed like an array */
	EXPECT_NULL(jq_get(v, "a.b.c"));       /* array accessed like an object */
	EXPECT_NULL(jq_get(v, "s.x"));
	EXPECT_NULL(jq_get(v, "a.b[99999999999999999999999]"));
	EXPECT_NULL(jq_get(NULL, "a"));
	EXPECT_NULL(jq_get(v, NULL));
	jq_free(v);
}

TEST(path_rejects_malformed_syntax)
{
	struct jq_value *v = jq_parse("{\"a\": {\"b\": [1, 2]}}", NULL, 0);

	ASSERT_NE(NULL, v);
	EXPECT_NULL(jq_get(v, ".a"));
	EXPECT_NULL(jq_get(v, "a."));
	EXPECT_NULL(jq_get(v, "a..b"));
	EXPECT_NULL(jq_get(v, "a.b["));
	EXPECT_NULL(jq_get(v, "a.b[]"));
	EXPECT_NULL(jq_get(v, "a.b[-1]"));
	EXPECT_NULL(jq_get(v, "a.b[0"));
	EXPECT_NULL(jq_get(v, "a.b[0]x"));
	EXPECT_NULL(jq_get(v, "a.b]"));
	EXPECT_NULL(jq_get(v, "a.b.[0]"));
	EXPECT_NE(NULL, jq_get(v, "a.b[1]"));
	jq_free(v);
}

TEST(path_matches_keys_exactly)
{
	struct jq_value *v = jq_parse("{\"ab\": 1, \"a\": 2, \"a\\u0000b\": 3}", NULL, 0);
	unsigned long long u;

	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, jq_u64(jq_get(v, "a"), &u));
	EXPECT_EQ(2ULL, u);
	ASSERT_EQ(0, jq_u64(jq_get(v, "ab"), &u));
	EXPECT_EQ(1ULL, u);
	jq_free(v);
}

TEST(duplicate_keys_allowed_and_first_wins)
{
	struct jq_value *v = jq_parse("{\"k\": 1, \"k\": 2}", NULL, 0);
	unsigned long long u;

	ASSERT_NE(NULL, v);
	EXPECT_EQ(2U, jq_len(v));
	ASSERT_EQ(0, jq_u64(jq_get(v, "k"), &u));
	EXPECT_EQ(1ULL, u);
	ASSERT_EQ(0, jq_u64(jq_at(v, 1), &u));
	EXPECT_EQ(2ULL, u);
	jq_free(v);
}

TEST(iterates_object_members_in_document_order)
{
	struct jq_value *v = jq_parse("{\"z\": 1, \"a\": \"two\", \"m\": null}", NULL, 0);

	ASSERT_NE(NULL, v);
	ASSERT_EQ(3U, jq_len(v));
	EXPECT_STREQ("z", jq_key_at(v, 0));
	EXPECT_STREQ("a", jq_key_at(v, 1));
	EXPECT_STREQ("m", jq_key_at(v, 2));
	EXPECT_NULL(jq_key_at(v, 3));
	EXPECT_STREQ("two", jq_str(jq_at(v, 1)));
	EXPECT_EQ(JQ_NULL, type_of(jq_at(v, 2)));
	EXPECT_NE(NULL, jq_at(v, 2));
	EXPECT_NULL(jq_at(v, 3));
	jq_free(v);
}

TEST(accessors_reject_wrong_types)
{
	struct jq_value *v = jq_parse("[1, \"s\", true, null, [], {}]", NULL, 0);
	unsigned long long u;
	long long i;

	ASSERT_NE(NULL, v);
	EXPECT_NULL(jq_str(jq_at(v, 0)));
	EXPECT_EQ(-1, jq_bool(jq_at(v, 0)));
	EXPECT_EQ(-1, jq_u64(jq_at(v, 1), &u));
	EXPECT_EQ(-1, jq_i64(jq_at(v, 2), &i));
	EXPECT_EQ(-1, jq_bool(jq_at(v, 3)));
	EXPECT_EQ(0U, jq_len(jq_at(v, 1)));
	EXPECT_NULL(jq_at(jq_at(v, 0), 0));
	EXPECT_NULL(jq_key_at(v, 0));          /* array has no keys */
	EXPECT_NULL(jq_num_text(jq_at(v, 1)));
	EXPECT_EQ(-1, jq_u64(NULL, &u));
	EXPECT_NULL(jq_str(NULL));
	EXPECT_EQ(-1, jq_bool(NULL));
	EXPECT_EQ(0U, jq_len(NULL));
	jq_free(v);
}

TEST(parses_max_u64_exactly)
{
	struct jq_value *v = jq_parse("[18446744073709551615, 18446744073709551616, 0,"
				      " 9007199254740993]", NULL, 0);
	unsigned long long u = 0;

	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, jq_u64(jq_at(v, 0), &u));
	EXPECT_EQ(ULLONG_MAX, u);
	EXPECT_EQ(-1, jq_u64(jq_at(v, 1), &u));   /* one past the maximum */
	ASSERT_EQ(0, jq_u64(jq_at(v, 2), &u));
	EXPECT_EQ(0ULL, u);
	/* 2^53 + 1 is not representable as a double */
	ASSERT_EQ(0, jq_u64(jq_at(v, 3), &u));
	EXPECT_EQ(9007199254740993ULL, u);
	EXPECT_STREQ("18446744073709551616", jq_num_text(jq_at(v, 1)));
	jq_free(v);
}

TEST(u64_rejects_fraction_and_negative)
{
	struct jq_value *v = jq_parse("[1.0, 1e3, -1, -0, 1E0, 2.5]", NULL, 0);
	unsigned long long u = 7;

	ASSERT_NE(NULL, v);
	EXPECT_EQ(-1, jq_u64(jq_at(v, 0), &u));
	EXPECT_EQ(-1, jq_u64(jq_at(v, 1), &u));
	EXPECT_EQ(-1, jq_u64(jq_at(v, 2), &u));
	EXPECT_EQ(7ULL, u);                            /* untouched on failure */
	ASSERT_EQ(0, jq_u64(jq_at(v, 3), &u));      /* -0 is zero */
	EXPECT_EQ(0ULL, u);
	EXPECT_EQ(-1, jq_u64(jq_at(v, 4), &u));
	EXPECT_EQ(-1, jq_u64(jq_at(v, 5), &u));
	jq_free(v);
}

TEST(i64_accepts_full_range_and_rejects_overflow)
{
	struct jq_value *v = jq_parse("[-9223372036854775808, 9223372036854775807,"
				      " -9223372036854775809, 9223372036854775808,"
				      " -17, 0, -0.5]", NULL, 0);
	long long i = 0;

	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, jq_i64(jq_at(v, 0), &i));
	EXPECT_EQ(LLONG_MIN, i);
	ASSERT_EQ(0, jq_i64(jq_at(v, 1), &i));
	EXPECT_EQ(LLONG_MAX, i);
	EXPECT_EQ(-1, jq_i64(jq_at(v, 2), &i));
	EXPECT_EQ(-1, jq_i64(jq_at(v, 3), &i));
	ASSERT_EQ(0, jq_i64(jq_at(v, 4), &i));
	EXPECT_EQ(-17, i);
	ASSERT_EQ(0, jq_i64(jq_at(v, 5), &i));
	EXPECT_EQ(0, i);
	EXPECT_EQ(-1, jq_i64(jq_at(v, 6), &i));
	jq_free(v);
}

TEST(parses_fraction_and_exponent_numbers)
{
	struct jq_value *v = jq_parse("[-0.5, 1e2, 2E-2, 3.25e+1, 0]", NULL, 0);
	double d = 0;

	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, jq_double(jq_at(v, 0), &d));
	EXPECT_TRUE(d == -0.5);
	ASSERT_EQ(0, jq_double(jq_at(v, 1), &d));
	EXPECT_TRUE(d == 100.0);
	ASSERT_EQ(0, jq_double(jq_at(v, 2), &d));
	EXPECT_TRUE(d == 0.02);
	ASSERT_EQ(0, jq_double(jq_at(v, 3), &d));
	EXPECT_TRUE(d == 32.5);
	EXPECT_STREQ("3.25e+1", jq_num_text(jq_at(v, 3)));
	EXPECT_EQ(-1, jq_double(jq_at(v, 5), &d));
	jq_free(v);
}

TEST(rejects_malformed_numbers)
{
	EXPECT_TRUE(rejects("01"));
	EXPECT_TRUE(rejects("-01"));
	EXPECT_TRUE(rejects("[00]"));
	EXPECT_TRUE(rejects("1."));
	EXPECT_TRUE(rejects("1.e3"));
	EXPECT_TRUE(rejects(".5"));
	EXPECT_TRUE(rejects("+1"));
	EXPECT_TRUE(rejects("-"));
	EXPECT_TRUE(rejects("-a"));
	EXPECT_TRUE(rejects("1e"));
	EXPECT_TRUE(rejects("1e+"));
	EXPECT_TRUE(rejects("0x10"));
	EXPECT_TRUE(rejects("NaN"));
	EXPECT_TRUE(rejects("Infinity"));
	EXPECT_TRUE(rejects("-Infinity"));
	EXPECT_TRUE(rejects("1 2"));
	EXPECT_TRUE(accepts("-0"));
	EXPECT_TRUE(accepts("0.0e-0"));
}

TEST(leading_zero_error_names_the_problem)
{
	char err[128];

	ASSERT_NULL(jq_parse("[1, 007]", err, sizeof(err)));
	EXPECT_STREQ("1:5: leading zeros are not allowed in numbers", err);
}

TEST(decodes_simple_escapes)
{
	struct jq_value *v = jq_parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"", NULL, 0);

	ASSERT_NE(NULL, v);
	EXPECT_STREQ("q\" b\\ s/ \b\f\n\r\t", jq_str(v));
	EXPECT_EQ(strlen("q\" b\\ s/ \b\f\n\r\t"), jq_str_len(v));
	jq_free(v);
}

TEST(decodes_unicode_escapes_to_utf8)
{
	struct jq_value *v = jq_parse("[\"\\u0041\", \"\\u00e9\", \"\\u20AC\", \"\\uFFFF\","
				      " \"\\u007f\"]", NULL, 0);

	ASSERT_NE(NULL, v);
	EXPECT_STREQ("A", jq_str(jq_at(v, 0)));
	EXPECT_STREQ("\xc3\xa9", jq_str(jq_at(v, 1)));
	EXPECT_STREQ("\xe2\x82\xac", jq_str(jq_at(v, 2)));
	EXPECT_STREQ("\xef\xbf\xbf", jq_str(jq_at(v, 3)));
	EXPECT_STREQ("\x7f", jq_str(jq_at(v, 4)));
	jq_free(v);
}

TEST(decodes_surrogate_pair_to_utf8)
{
	/* U+1F600 GRINNING FACE and U+10FFFF, the last code point */
	struct jq_value *v = jq_parse("[\"\\ud83d\\ude00\", \"x\\uDBFF\\uDFFFy\"]", NULL, 0);

	ASSERT_NE(NULL, v);
	EXPECT_STREQ("\xf0\x9f\x98\x80", jq_str(jq_at(v, 0)));
	EXPECT_EQ(4U, jq_str_len(jq_at(v, 0)));
	EXPECT_STREQ("x\xf4\x8f\xbf\xbfy", jq_str(jq_at(v, 1)));
	jq_free(v);
}

TEST(decodes_escaped_nul_with_length)
{
	struct jq_value *v = jq_parse("\"a\\u0000b\"", NULL, 0);

	ASSERT_NE(NULL, v);
	EXPECT_EQ(3U, jq_str_len(v));
	EXPECT_EQ(0, memcmp(jq_str(v), "a\0b", 4));
	jq_free(v);
}

TEST(passes_raw_utf8_through)
{
	struct jq_value *v = jq_parse("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", NULL, 0);

	ASSERT_NE(NULL, v);
	EXPECT_STREQ("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", jq_str(v));
	jq_free(v);
}

TEST(rejects_lone_surrogates)
{
	EXPECT_TRUE(rejects("\"\\ud800\""));
	EXPECT_TRUE(rejects("\"\\udc00\""));
	EXPECT_TRUE(rejects("\"\\ud800x\""));
	EXPECT_TRUE(rejects("\"\\ud800\\n\""));
	EXPECT_TRUE(rejects("\"\\ud800\\u0041\""));
	EXPECT_TRUE(rejects("\"\\ud800\\ud800\""));
	EXPECT_TRUE(rejects("\"\\ude00\\ud83d\""));   /* pair in the wrong order */
	EXPECT_TRUE(rejects("\"\\ud83d\\u12\""));
	EXPECT_TRUE(rejects("\"\\ud83d"));
}

TEST(rejects_bad_escapes)
{
	char err[128];

	EXPECT_TRUE(rejects("\"\\x41\""));
	EXPECT_TRUE(rejects("\"\\a\""));
	EXPECT_TRUE(rejects("\"\\'\""));
	EXPECT_TRUE(rejects("\"\\U0041\""));
	EXPECT_TRUE(rejects("\"\\u\""));
	EXPECT_TRUE(rejects("\"\\u12\""));
	EXPECT_TRUE(rejects("\"\\u12g4\""));
	EXPECT_TRUE(rejects("\"\\"));
	EXPECT_TRUE(rejects("\"\\\""));

	ASSERT_NULL(jq_parse("{\"k\": \"ab\\q\"}", err, sizeof(err)));
	EXPECT_STREQ("1:10: invalid escape '\\q'", err);
}

TEST(rejects_control_characters_in_strings)
{
	EXPECT_TRUE(rejects("\"a\nb\""));
	EXPECT_TRUE(rejects("\"a\tb\""));
	EXPECT_TRUE(rejects("\"\x01\""));
	EXPECT_TRUE(rejects("\"\x1f\""));
	EXPECT_TRUE(accepts("\"\x7f\""));
}

TEST(rejects_invalid_utf8)
{
	EXPECT_TRUE(rejects("\"\x80\""));              /* stray continuation */
	EXPECT_TRUE(rejects("\"\xc3\""));              /* truncated sequence */
	EXPECT_TRUE(rejects("\"\xc0\xaf\""));          /* overlong '/' */
	EXPECT_TRUE(rejects("\"\xe0\x80\xaf\""));      /* overlong 3-byte */
	EXPECT_TRUE(rejects("\"\xed\xa0\x80\""));      /* encoded surrogate */
	EXPECT_TRUE(rejects("\"\xf4\x90\x80\x80\""));  /* above U+10FFFF */
	EXPECT_TRUE(rejects("\"\xff\""));
	EXPECT_TRUE(rejects("\xef\xbb\xbf{}"));        /* byte order mark */
}

TEST(rejects_truncated_input)
{
	EXPECT_TRUE(rejects(""));
	EXPECT_TRUE(rejects("   \n"));
	EXPECT_TRUE(rejects("{"));
	EXPECT_TRUE(rejects("["));
	EXPECT_TRUE(rejects("{\"a\""));
	EXPECT_TRUE(rejects("{\"a\":"));
	EXPECT_TRUE(rejects("{\"a\":1"));
	EXPECT_TRUE(rejects("[1,"));
	EXPECT_TRUE(rejects("\"abc"));
	EXPECT_TRUE(rejects("tru"));
	EXPECT_TRUE(rejects("nul"));
	EXPECT_TRUE(rejects("fals"));
}

TEST(rejects_every_proper_prefix_of_a_document)
{
	const char *doc = "{\"a\": [1, -2.5e3, true, false, null, \"\\u00e9\\ud83d\\ude00\"],"
			  " \"b\": {\"c\": {}}, \"d\": []}";
	size_t len = strlen(doc), i;
	char *buf = malloc(len + 1);

	ASSERT_NE(NULL, buf);
	for (i = 0; i < len; i++) {
		memcpy(buf, doc, i);
		buf[i] = '\0';
		EXPECT_TRUE(rejects(buf)) {
			TH_LOG("prefix of length %zu was accepted", i);
		}
	}
	EXPECT_TRUE(accepts(doc));
	free(buf);
}

TEST(rejects_trailing_garbage)
{
	char err[128];

	EXPECT_TRUE(rejects("{} x"));
	EXPECT_TRUE(rejects("[]]"));
	EXPECT_TRUE(rejects("{}}"));
	EXPECT_TRUE(rejects("1 2"));
	EXPECT_TRUE(rejects("truex"));
	EXPECT_TRUE(rejects("\"a\"\"b\""));
	EXPECT_TRUE(rejects("null\f"));        /* form feed is not JSON whitespace */
	EXPECT_TRUE(rejects("{}\v"));
	EXPECT_TRUE(accepts("{} \t\r\n"));

	ASSERT_NULL(jq_parse("{}\n  ,", err, sizeof(err)));
	EXPECT_STREQ("2:3: unexpected character ',', expected end of input after value", err);
}

TEST(rejects_trailing_comma_in_object)
{
	char err[128];

	ASSERT_NULL(jq_parse("{\n  \"a\": 1,\n}", err, sizeof(err)));
	EXPECT_STREQ("3:1: trailing comma in object", err);
}

TEST(rejects_trailing_comma_in_array)
{
	char err[128];

	ASSERT_NULL(jq_parse("[1, 2, ]", err, sizeof(err)));
	EXPECT_STREQ("1:8: trailing comma in array", err);
}

TEST(rejects_malformed_structure)
{
	EXPECT_TRUE(rejects("{,}"));
	EXPECT_TRUE(rejects("[,]"));
	EXPECT_TRUE(rejects("[1 2]"));
	EXPECT_TRUE(rejects("[1,,2]"));
	EXPECT_TRUE(rejects("{\"a\" 1}"));
	EXPECT_TRUE(rejects("{\"a\":1 \"b\":2}"));
	EXPECT_TRUE(rejects("{a: 1}"));
	EXPECT_TRUE(rejects("{'a': 1}"));
	EXPECT_TRUE(rejects("{1: 1}"));
	EXPECT_TRUE(rejects("{\"a\"::1}"));
	EXPECT_TRUE(rejects("{\"a\":}"));
	EXPECT_TRUE(rejects("[}"));
	EXPECT_TRUE(rejects("{]"));
	EXPECT_TRUE(rejects("TRUE"));
	EXPECT_TRUE(rejects("'str'"));
	EXPECT_TRUE(rejects("/* c */ 1"));
	EXPECT_TRUE(rejects("[1] // c"));
}

TEST(error_reports_line_and_column)
{
	char err[128];

	ASSERT_NULL(jq_parse("{\n\t\"a\": [1,\n\t\t2 3]\n}", err, sizeof(err)));
	EXPECT_STREQ("3:5: unexpected character '3', expected ',' or ']' in array", err);

	ASSERT_NULL(jq_parse("", err, sizeof(err)));
	EXPECT_STREQ("1:1: unexpected end of input, expected a JSON value", err);

	ASSERT_NULL(jq_parse("[\"abc", err, sizeof(err)));
	EXPECT_STREQ("1:6: unterminated string", err);
}

TEST(error_message_is_truncated_safely)
{
	char err[6];

	memset(err, 'X', sizeof(err));
	ASSERT_NULL(jq_parse("[1,]", err, sizeof(err)));
	EXPECT_EQ('\0', err[sizeof(err) - 1]);
	EXPECT_EQ(0, strncmp(err, "1:4: ", 5));

	/* No buffer at all is fine too. */
	EXPECT_NULL(jq_parse("[1,]", NULL, 0));
	EXPECT_NULL(jq_parse("[1,]", err, 0));
	EXPECT_NULL(jq_parse(NULL, NULL, 0));
}

TEST(accepts_nesting_up_to_depth_limit)
{
	char *s = nested_arrays(JQ_MAX_DEPTH);
	struct jq_value *v;
	const struct jq_value *p;
	int depth = 0;

	ASSERT_NE(NULL, s);
	v = jq_parse(s, NULL, 0);
	free(s);
	ASSERT_NE(NULL, v);
	for (p = v; jq_len(p) == 1; p = jq_at(p, 0))
		depth++;
	EXPECT_EQ(JQ_MAX_DEPTH - 1, depth);
	EXPECT_EQ(JQ_ARRAY, type_of(p));
	jq_free(v);
}

TEST(rejects_depth_over_limit)
{
	char *s = nested_arrays(JQ_MAX_DEPTH + 1);
	char err[128];
	struct jq_value *v;

	ASSERT_NE(NULL, s);
	v = jq_parse(s, err, sizeof(err));
	free(s);
	ASSERT_NULL(v);
	EXPECT_STREQ("1:257: nesting depth exceeds 256", err);

	/* Mixed objects and arrays count the same way; deep garbage too. */
	s = malloc(100001);
	ASSERT_NE(NULL, s);
	memset(s, '[', 100000);
	s[100000] = '\0';
	EXPECT_TRUE(rejects(s));
	free(s);
}

TEST(rejects_depth_over_limit_with_objects)
{
	size_t unit = strlen("{\"a\":"), i;
	char *s = malloc(unit * (JQ_MAX_DEPTH + 1) + 2 + JQ_MAX_DEPTH + 2);
	char *w = s;

	ASSERT_NE(NULL, s);
	for (i = 0; i < JQ_MAX_DEPTH; i++) {
		memcpy(w, "{\"a\":", unit);
		w += unit;
	}
	strcpy(w, "1");
	w += 1;
	for (i = 0; i < JQ_MAX_DEPTH; i++)
		*w++ = '}';
	*w = '\0';
	EXPECT_TRUE(accepts(s));

	/* one more level: wrap the innermost value in an array */
	w = s + unit * JQ_MAX_DEPTH;
	strcpy(w, "[1]");
	w += 3;
	for (i = 0; i < JQ_MAX_DEPTH; i++)
		*w++ = '}';
	*w = '\0';
	EXPECT_TRUE(rejects(s));
	free(s);
}

TEST(parses_large_arrays)
{
	size_t n = 10000, i;
	char *s = malloc(n * 8 + 3), *w = s;
	struct jq_value *v;
	unsigned long long u;

	ASSERT_NE(NULL, s);
	*w++ = '[';
	for (i = 0; i < n; i++)
		w += sprintf(w, "%s%zu", i ? "," : "", i);
	strcpy(w, "]");
	v = jq_parse(s, NULL, 0);
	free(s);
	ASSERT_NE(NULL, v);
	ASSERT_EQ(n, jq_len(v));
	ASSERT_EQ(0, jq_u64(jq_get(v, "[9999]"), &u));
	EXPECT_EQ(9999ULL, u);
	jq_free(v);
}

TEST(free_accepts_null)
{
	jq_free(NULL);
	EXPECT_EQ(JQ_NULL, type_of(NULL));
}

TEST(read_cmd_captures_stdout_and_status)
{
	int status = 0;
	char *out = jq_read_cmd("printf '{\"a\": [1, 2]}'; echo ignored >&2; exit 3", &status);
	struct jq_value *v;
	unsigned long long u;

	ASSERT_NE(NULL, out);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(3, WEXITSTATUS(status));
	EXPECT_STREQ("{\"a\": [1, 2]}", out);
	v = jq_parse(out, NULL, 0);
	free(out);
	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, jq_u64(jq_get(v, "a[1]"), &u));
	EXPECT_EQ(2ULL, u);
	jq_free(v);
}

TEST(read_cmd_handles_empty_and_large_output)
{
	int status = -1;
	char *out;
	size_t i, len;

	out = jq_read_cmd("true", &status);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("", out);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(out);

	out = jq_read_cmd("i=0; while [ $i -lt 20000 ]; do echo 0123456789; i=$((i+1)); done",
			  &status);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, WEXITSTATUS(status));
	len = strlen(out);
	EXPECT_EQ(20000U * 11, len);
	for (i = 0; i < len; i += 11)
		if (memcmp(out + i, "0123456789\n", 11) != 0)
			break;
	EXPECT_EQ(len, i);
	free(out);

	out = jq_read_cmd("exit 0", NULL);   /* status pointer is optional */
	ASSERT_NE(NULL, out);
	free(out);
}

TEST_HARNESS_MAIN
