// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz-size.c - libFuzzer target: SIZE arguments and counts (parse_size, parse_u64) */
#include <inttypes.h>

#include "parse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), back[32];
	uint64_t v, w;

	if (parse_size(s, &v) == 0)
		FUZZ_CHECK(fuzz_plain(s, ""));
	if (parse_u64(s, &v) == 0) {
		/* a count reads back as itself, but for leading zeros */
		const char *p = s;

		while (p[0] == '0' && p[1])
			p++;
		snprintf(back, sizeof(back), "%" PRIu64, v);
		FUZZ_CHECK(strcmp(back, p) == 0);
		/* and a size without suffix is that count */
		FUZZ_CHECK(parse_size(s, &w) == 0 && w == v);
	}
	free(s);
	return 0;
}
