#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# parsers.sh - every argument hgmctl(8) does not accept is a usage error (exit 2)
# whose message names the option or argument and quotes the value, before
# anything else happens (issue 13, "Parsers are strict").  TAP.
#
# Read-only commands run on the recorded trees; rmap and collapse need the
# live kernel and run on a sleep(1) of our own, and fail the test if they get
# as far as reading its memory.
set -u
here=$(cd "$(dirname "$0")" && pwd)
HGMCTL=${HGMCTL:-$here/../../hgmctl}
FIXTURES=${FIXTURES:-$here/../fixtures}
hgm="--root|$FIXTURES/tree-hgm"

sleep 600 &
target=$!
trap 'kill $target 2>/dev/null' EXIT

# "name|message fragment|argument..." (arguments separated by '|', so that
# blanks inside one stay there)
cases=(
	# ranges: hexadecimal, no blanks or signs, nothing past the last page
	"range-blank-after-dash|invalid range '1000- -1000'|$hgm|pagemap|1000|1000- -1000"
	"range-leading-blank|invalid range ' 1000-2000'|$hgm|pagemap|1000| 1000-2000"
	"range-plus-end|invalid range '1000-+2000'|$hgm|pagemap|1000|1000-+2000"
	"range-bare-0x|invalid range '0x-2000'|$hgm|pagemap|1000|0x-2000"
	"range-trailing-blank|invalid range '1000-2000 '|$hgm|pagemap|1000|1000-2000 "
	"range-17-digits|invalid range '10000000000000000-20000000000000000'|$hgm|pagemap|1000|10000000000000000-20000000000000000"
	"range-wraps-last-page|invalid range '0-ffffffffffffffff'|collapse|$target|0-ffffffffffffffff"
	"range-len-blank|invalid range '1000+ 4K'|$hgm|pagemap|1000|1000+ 4K"
	"range-vma-plus|invalid range 'vma:+1'|$hgm|pagemap|1000|vma:+1"
	"range-vma-blank|invalid range 'vma: 1'|$hgm|pagemap|1000|vma: 1"
	# PIDs: decimal digits only
	"pid-leading-blank|invalid PID: ' 1000'|$hgm|maps| 1000"
	"pid-plus|invalid PID: '+1000'|$hgm|maps|+1000"
	"pid-hex|invalid PID: '0x3e8'|$hgm|maps|0x3e8"
	"pid-top-plus|invalid PID: '+1000'|$hgm|top|--once|+1000"
	# PFNs: decimal or 0x-hexadecimal, inside memory
	"pfn-octal-looking|invalid PFN '0777'|rmap|--pids|$target|0777"
	"pfn-minus|invalid PFN '-1'|rmap|--pids|$target|--|-1"
	"pfn-leading-blank|invalid PFN ' 1'|rmap|--pids|$target| 1"
	"pfn-plus|invalid PFN '+1'|rmap|--pids|$target|+1"
	"pfn-bare-0x|invalid PFN '0x'|rmap|--pids|$target|0x"
	"pfn-beyond-memory|PFN '0xfffffffffffff' is beyond the end of memory|rmap|--pids|$target|0xfffffffffffff"
	"pfn-overflow|invalid PFN '0x10000000000000000'|rmap|--pids|$target|0x10000000000000000"
	"rmap-addr-blank|invalid address ' 1000'|rmap|$target| 1000"
	# --pids: a comma-separated list of PIDs, none empty
	"pids-empty|invalid --pids ''|rmap|--pids||1"
	"pids-empty-item|invalid --pids '1,,2'|rmap|--pids|1,,2|1"
	"pids-trailing-comma|invalid --pids '1,'|rmap|--pids|1,|1"
	"pids-leading-comma|invalid --pids ',1'|rmap|--pids|,1|1"
	"pids-plus|invalid --pids '1,+2'|rmap|--pids|1,+2|1"
	# --node lists of pool: no empty entry either
	"node-empty-item|invalid --node list '0=1,,1=2'|$hgm|pool|2M|--node|0=1,,1=2|--dry-run"
	"node-trailing-comma|invalid --node list '0=1,'|$hgm|pool|2M|--node|0=1,|--dry-run"
	"node-count-blank|invalid --node entry '0= 1'|$hgm|pool|2M|--node|0= 1|--dry-run"
	# top -d: seconds, a plain decimal number from 0.1 to 3600
	"delay-nan|invalid delay 'nan'|$hgm|top|--once|-d|nan"
	"delay-inf|invalid delay 'inf'|$hgm|top|--once|-d|inf"
	"delay-negative|invalid delay '-1'|$hgm|top|--once|-d|-1"
	"delay-huge|invalid delay '1e300'|$hgm|top|--once|-d|1e300"
	"delay-exponent|invalid delay '1e1'|$hgm|top|--once|-d|1e1"
	"delay-hex|invalid delay '0x2'|$hgm|top|--once|-d|0x2"
	"delay-leading-blank|invalid delay ' 2'|$hgm|top|--once|-d| 2"
	"delay-digits|invalid delay '99999999999999999999999'|$hgm|top|--once|-d|99999999999999999999999"
	# counts of options (popt's own integers took blanks, signs, hex and octal)
	"count-width-hex|invalid --width ' 0x50'|$hgm|top|--once|-w| 0x50|1000"
	"count-width-plus|invalid --width '+90'|$hgm|top|--once|-w|+90|1000"
	"count-zoom-octal|invalid --zoom '010'|$hgm|top|--once|-z|010|1000"
	"count-vma-minus|invalid --vma '-1'|$hgm|top|--once|--vma=-1|1000"
	"count-runs-plus|invalid --runs '+1'|bench|gup|--runs|+1"
	"count-per-call-blank|invalid --pages-per-call ' 8'|bench|gup|--pages-per-call| 8"
	# sizes, rates, durations: no blanks, no signs, no overflow
	"size-leading-blank|invalid size ' 2M'|$hgm|pool| 2M"
	"size-trailing-blank|invalid size '2M '|$hgm|pool|2M "
	"size-plus|invalid size '+2M'|$hgm|pool|+2M"
	"size-overflow|invalid size '16777216T'|$hgm|pool|16777216T"
	"size-option|invalid size for --thp: '-1G'|demo|--thp|-1G"
	"rate-blank|invalid --bandwidth '10 Gbit'|postcopy|--bandwidth|10 Gbit"
	"rate-trailing-blank|invalid --bandwidth '10Gbit '|postcopy|--bandwidth|10Gbit "
	"rate-plus|invalid --bandwidth '+10Gbit'|postcopy|--bandwidth|+10Gbit"
	"rate-overflow|invalid --bandwidth '99999999999TiB/s'|postcopy|--bandwidth|99999999999TiB/s"
	"duration-minus|invalid --latency '-1us'|postcopy|--latency|-1us"
	"duration-blank|invalid --latency '1 ms'|postcopy|--latency|1 ms"
	"duration-overflow|invalid --latency '99999999999s'|postcopy|--latency|99999999999s"
)

echo "TAP version 13"
echo "1..${#cases[@]}"
n=0 failed=0
for c in "${cases[@]}"; do
	n=$((n + 1))
	IFS='|' read -r -a f <<< "$c"
	name=${f[0]} want=${f[1]}
	args=("${f[@]:2}")
	# an empty last field ("--pids|") is dropped by read: put it back
	[[ "$c" == *"|" ]] && args+=("")
	err=$(timeout 60 "$HGMCTL" "${args[@]}" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "$want" <<< "$err"; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		echo "# hgmctl$(printf " '%s'" "${args[@]}")"
		echo "# want exit 2 and: $want"
		echo "# got exit $rc:"
		sed 's/^/#   /' <<< "$err"
		failed=$((failed + 1))
	fi
done
[ "$failed" = 0 ]
