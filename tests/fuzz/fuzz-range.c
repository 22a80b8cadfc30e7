// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz-range.c - libFuzzer target: RANGE and ADDR arguments (parse_range, parse_addr) */
#include <unistd.h>

#include "parse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), a;
	char *s = fuzz_string(data, size);
	struct addr_range r;

	if (parse_range(s, &r) == 0) {
		if (r.vma >= 0) {
			FUZZ_CHECK(strncmp(s, "vma:", 4) == 0 && fuzz_plain(s, ""));
		} else {
			/* one separator, no other sign or blank; never empty, never wrapping */
			FUZZ_CHECK(fuzz_plain(s, "-+"));
			FUZZ_CHECK(strchr(s, '-') == strrchr(s, '-'));
			FUZZ_CHECK(!strchr(s, '-') || !strchr(s, '+'));
			FUZZ_CHECK(r.start < r.end);
			FUZZ_CHECK(r.end <= UINT64_MAX - (page - 1));
			FUZZ_CHECK(((r.end + page - 1) & ~(page - 1)) > r.start);
		}
	}
	if (parse_addr(s, &a) == 0)
		FUZZ_CHECK(fuzz_plain(s, "") && *s);
	free(s);
	return 0;
}
