#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - run test programs, merge their TAP into one stream, end with "N passed, N failed"
#
# usage: tests/run.sh [--verbose] PROGRAM...
# Each PROGRAM prints TAP (kselftest harness or tests/cli/golden.sh).  Logs go to
# tests/output/NAME.log; a failing program's log is printed.  A program that
# exits non-zero without reporting a failed test counts as one failure, and a
# skipped test is counted as skipped, never as passed.
set -u
verbose=0
[ "${1:-}" = --verbose ] && { verbose=1; shift; }
outdir=${TESTS_OUTPUT:-tests/output}
mkdir -p "$outdir"
pass=0 fail=0 skip=0 n=0

echo "TAP version 13"
for prog in "$@"; do
	name=$(basename "$prog")
	log="$outdir/$name.log"
	"$prog" > "$log" 2>&1 < /dev/null
	rc=$?
	pfail=0 ptests=0
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			n=$((n + 1)); ptests=$((ptests + 1))
			desc=${line#ok }; desc=${desc#not ok }; desc=${desc#* }
			if [[ "$line" == "not ok "* ]]; then
				fail=$((fail + 1)); pfail=$((pfail + 1))
				echo "not ok $n $name: $desc"
			elif [[ "$line" == *"# SKIP"* ]]; then
				skip=$((skip + 1))
				echo "ok $n $name: $desc"
			else
				pass=$((pass + 1))
				echo "ok $n $name: $desc"
			fi
			;;
		esac
	done < <(grep -E '^(not )?ok [0-9]+ ' "$log")
	# kselftest exits 4 (KSFT_SKIP) when every test skipped
	if [ "$pfail" = 0 ] && { [ "$ptests" = 0 ] || { [ "$rc" != 0 ] && [ "$rc" != 4 ]; }; }; then
		n=$((n + 1)); fail=$((fail + 1)); pfail=1
		echo "not ok $n $name: exited with status $rc after $ptests tests"
	fi
	if [ "$pfail" != 0 ] || [ "$verbose" = 1 ]; then
		sed 's/^/# /' "$log"
	fi
done
echo "1..$n"
echo "# $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
