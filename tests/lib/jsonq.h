/* SPDX-License-Identifier: GPL-2.0-or-later */
/* jsonq: minimal strict JSON (RFC 8259) parser and path query helper for tests. */
#ifndef JSONQ_H
#define JSONQ_H

#include <stddef.h>

/* Maximum nesting depth of arrays/objects accepted by jq_parse(). */
#define JQ_MAX_DEPTH 256

/* A parsed JSON value; opaque, owned by the tree returned from jq_parse(). */
struct jq_value;

enum jq_type { JQ_NULL, JQ_BOOL, JQ_NUMBER, JQ_STRING, JQ_ARRAY, JQ_OBJECT };

/**
 * jq_parse() - parse one complete JSON text (any value type at top level).
 *
 * Input must be UTF-8; only space, tab, LF and CR count as whitespace and
 * anything but whitespace after the value is an error.  Duplicate object
 * keys are kept (in document order).
 *
 * Return: a new tree to be released with jq_free(), or NULL on error.  On
 * error, if @err is non-NULL and @errlen > 0, a NUL-terminated message of
 * the form "LINE:COL: reason" (1-based, COL counts bytes) is written to it.
 */
struct jq_value *jq_parse(const char *text, char *err, size_t errlen);

/** jq_free() - release a tree returned by jq_parse(); NULL is a no-op. Returns nothing. */
void jq_free(struct jq_value *v);

/**
 * jq_get() - look up a value by path, e.g. "totals.hugetlb.pmd",
 * "vmas[2].kind", "[0].name" (root array) or "" (the root itself).
 *
 * Keys are matched exactly; keys containing '.', '[' or ']', and the empty
 * key, cannot be addressed this way (use jq_len/jq_key_at/jq_at instead).
 *
 * Return: the first matching value (first of duplicate keys), or NULL if
 * absent, if a step has the wrong type, or if @path is malformed.
 */
const struct jq_value *jq_get(const struct jq_value *root, const char *path);

/** jq_type() - Return: the type of @v (JQ_NULL when @v itself is NULL). */
enum jq_type jq_type(const struct jq_value *v);

/**
 * jq_u64() - exact unsigned integer value of a number.
 *
 * Return: 0 and sets *@out if @v is a number written as an integer (no
 * fraction, no exponent) in 0..ULLONG_MAX ("-0" counts as 0); else -1.
 */
int jq_u64(const struct jq_value *v, unsigned long long *out);

/**
 * jq_i64() - exact signed integer value of a number.
 *
 * Return: 0 and sets *@out if @v is a number written as an integer (no
 * fraction, no exponent) in LLONG_MIN..LLONG_MAX; else -1.
 */
int jq_i64(const struct jq_value *v, long long *out);

/**
 * jq_double() - approximate value of any number, via strtod() (assumes the
 * "C" LC_NUMERIC locale).
 *
 * Return: 0 and sets *@out if @v is a number, else -1.
 */
int jq_double(const struct jq_value *v, double *out);

/** jq_num_text() - Return: the number exactly as written in the input, or NULL if not a number. */
const char *jq_num_text(const struct jq_value *v);

/**
 * jq_str() - decoded string contents (UTF-8, NUL-terminated; a "\u0000"
 * escape shows up as an embedded NUL, see jq_str_len()).
 *
 * Return: the string, valid until jq_free(), or NULL if @v is not a string.
 */
const char *jq_str(const struct jq_value *v);

/** jq_str_len() - Return: decoded length in bytes of a string value, 0 if not a string. */
size_t jq_str_len(const struct jq_value *v);

/** jq_bool() - Return: 1 for true, 0 for false, -1 if @v is not a boolean. */
int jq_bool(const struct jq_value *v);

/** jq_len() - Return: number of elements/members of an array/object, 0 for anything else. */
size_t jq_len(const struct jq_value *v);

/**
 * jq_at() - @i-th element of an array, or @i-th member value of an object
 * (document order).
 *
 * Return: the value, or NULL if @v is not a container or @i is out of range.
 */
const struct jq_value *jq_at(const struct jq_value *v, size_t i);

/** jq_key_at() - Return: @i-th key of an object (document order), or NULL if not an object / out of range. */
const char *jq_key_at(const struct jq_value *obj, size_t i);

/**
 * jq_read_cmd() - run @cmdline via popen() (i.e. "sh -c") and collect its
 * whole standard output; stderr is not captured.
 *
 * Return: malloc'd NUL-terminated output (free() it), or NULL if the command
 * could not be started or memory ran out.  If @status is non-NULL it gets
 * the wait status from pclose() (use WIFEXITED/WEXITSTATUS), or -1 on error.
 */
char *jq_read_cmd(const char *cmdline, int *status);

#endif /* JSONQ_H */
