// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz-pid.c - libFuzzer target: PID, --pids and PFN arguments (parse_pid, parse_pid_list, parse_pfn) */
#include <limits.h>

#include "parse.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	uint64_t pfn;
	pid_t pid, *v;
	size_t n, i;

	if (parse_pid(s, &pid) == 0)
		FUZZ_CHECK(pid > 0 && strspn(s, "0123456789") == strlen(s));
	if (parse_pid_list(s, &v, &n) == 0) {
		FUZZ_CHECK(n > 0 && strspn(s, "0123456789,") == strlen(s));
		FUZZ_CHECK(s[0] != ',' && s[strlen(s) - 1] != ',' && !strstr(s, ",,"));
		for (i = 0; i < n; i++)
			FUZZ_CHECK(v[i] > 0 && (i == 0 || v[i - 1] < v[i]));
		free(v);
	}
	if (parse_pfn(s, &pfn) == 0) {
		FUZZ_CHECK(fuzz_plain(s, ""));
		/* octal-looking numbers are refused, not read in base 8 */
		FUZZ_CHECK(s[0] != '0' || !s[1] || s[1] == 'x' || s[1] == 'X');
	}
	free(s);
	return 0;
}
