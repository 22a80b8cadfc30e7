// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz-rate.c - libFuzzer target: --bandwidth, --latency, top -d (parse_rate, parse_duration, parse_seconds) */
#include "parse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	uint64_t v;

	if (parse_rate(s, &v) == 0)
		FUZZ_CHECK(v > 0 && fuzz_plain(s, ""));
	if (parse_duration(s, &v) == 0)
		FUZZ_CHECK(fuzz_plain(s, ""));
	if (parse_seconds(s, &v) == 0)
		FUZZ_CHECK(strspn(s, "0123456789.") == strlen(s) && strchr(s, '.') == strrchr(s, '.'));
	free(s);
	return 0;
}
