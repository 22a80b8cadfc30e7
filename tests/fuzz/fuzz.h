/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz.h - what the libFuzzer targets of tests/fuzz share: the input as the
 * NUL-terminated string hgmctl gets from argv, in a buffer of exactly its
 * size (so that AddressSanitizer sees a read past the end), and a check
 * that aborts, which libFuzzer reports as a crash with the input saved.
 */
#ifndef HGM_FUZZ_H
#define HGM_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s does not hold\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* @data as a string (NULs inside cut it short, as in argv); free() it. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An accepted value has no blank, sign or control character anywhere but @allowed. */
static inline int fuzz_plain(const char *s, const char *allowed)
{
	for (; *s; s++)
		if ((*s <= ' ' || *s == '+' || *s == '-' || *s >= 127) && !strchr(allowed, *s))
			return 0;
	return 1;
}

#endif /* HGM_FUZZ_H */
