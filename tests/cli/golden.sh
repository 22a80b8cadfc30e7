#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# golden.sh - run hgmctl on recorded /proc+/sys trees and diff against tests/cli/expected
#
# Each case writes its stdout, stderr and exit status into one transcript.
# UPDATE=1 rewrites the expected files (review the diff before committing).
set -u
here=$(cd "$(dirname "$0")" && pwd)
HGMCTL=${HGMCTL:-$here/../../hgmctl}
FIXTURES=${FIXTURES:-$here/../fixtures}
EXPECTED=${EXPECTED:-$here/expected}
hgm="--root $FIXTURES/tree-hgm"
host="--root $FIXTURES/tree-host"
cgt="--root $FIXTURES/tree-cgroup"
dax="--root $FIXTURES/tree-dax"
# tree-giant's page tables are sparse files (pagemap spans 256 GiB): made here,
# in a copy, by tests/cli/mkgiant
MKGIANT=${MKGIANT:-${BUILDDIR:-$here/../..}/tests/cli/mkgiant}
giant_dir=$(mktemp -d)
trap 'rm -rf "$giant_dir"' EXIT
if ! cp -R "$FIXTURES/tree-giant/." "$giant_dir/" || ! "$MKGIANT" "$giant_dir"; then
	echo "Bail out! cannot make the page tables of tree-giant with $MKGIANT"
	exit 1
fi
giant="--root $giant_dir"

cases=(
	"procs-hgm|$hgm procs"
	"procs-hgm-json|$hgm procs --json"
	"procs-pid|$cgt procs 4242"
	"procs-cgroup|$cgt procs --cgroup vm.slice"
	"procs-cgroup-json|$cgt procs --cgroup /sys/fs/cgroup/vm.slice --json"
	"procs-cgroup-no-controllers|$cgt procs --cgroup /vm.slice/guest -o PID,HUGETLB,HT-SIZES,NODES,MTHP"
	"procs-cgroup-root-sort-pid-raw|$cgt -r -b procs --cgroup / --sort pid -o PID,HUGETLB,HT-SIZES,THP"
	"maps-cgroup|$cgt maps --cgroup vm.slice/guest"
	"maps-cgroup-json|$cgt maps --cgroup vm.slice/guest --json"
	"err-procs-no-such-pid|$cgt procs 4243"
	"err-procs-bad-pid|$cgt procs 12x"
	"err-procs-cgroup-and-pid|$cgt procs --cgroup / 1000"
	"err-procs-cgroup-missing|$cgt procs --cgroup nope"
	"err-procs-cgroup-dotdot|$cgt procs --cgroup vm.slice/../x"
	"err-procs-no-cgroup2|$hgm procs --cgroup x"
	"err-procs-bad-sort|$hgm procs --sort NOPE"
	"err-maps-cgroup-and-pid|$cgt maps --cgroup / 1000"
	"err-status-bad-interval|$hgm status --interval 0"
	"err-status-count-alone|$hgm status --count 2"
	"err-procs-bad-count|$hgm procs --interval 1 --count 0"
	"err-maps-bad-interval|$hgm maps 1000 --interval 1x"
	"maps-hgm|$hgm maps 1000"
	"maps-hgm-json|$hgm maps 1000 --json"
	"maps-hgm-raw-bytes|$hgm -r -b -o START,KIND,PSIZE,PUD,PMD,PTE,FLAGS maps 1000"
	"maps-hgm-noheadings-append|$hgm maps -n -o +FLAGS 1000"
	"maps-hgm-root-after-command|maps 1000 $hgm -o START,KIND,PUD,PMD,PTE"
	"maps-giant|$giant maps 2000"
	"maps-giant-json|$giant maps --json 2000"
	"maps-giant-granularity|$giant maps -g 2000"
	"maps-giant-granularity-json|$giant maps --granularity --json 2000"
	"err-maps-granularity-no-pagemap|$hgm maps -g 1000"
	"pagemap-giant-pmd-to-pte|$giant pagemap 2000 0x7f8a5fc00000-0x7f8a60400000"
	"pagemap-giant-pte-to-hole-json|$giant pagemap --json 2000 0x7f8a6fe00000+4M"
	"pagemap-giant-pages|$giant pagemap --pages 2000 0x7f8a5ffff000+8K"
	"pagemap-giant-level-pte|$giant pagemap --level pte 2000"
	"top-process-giant|$giant top --once 2000"
	"top-pagemap-giant|$giant top --once --screen pagemap 2000"
	"procs-giant|$giant procs"
	"maps-host|$host maps 4242"
	"maps-host-json|$host --json maps 4242"
	"maps-dax|$dax maps 5151"
	"maps-dax-json|$dax --json maps 5151"
	"maps-dax-columns|$dax maps -o START,KIND,PMD,PTE,DAX,FALLBACK,NAME 5151"
	"status-dax|$dax status"
	"status-dax-json|$dax --json status"
	"status-hgm|$hgm status"
	"status-hgm-json|$hgm status --json"
	"status-hgm-columns|$hgm status -o SIZE,NODE,FREE"
	"status-host-json|$host status -J"
	"err-maps-no-such-pid|$hgm maps 4243"
	"err-maps-bad-pid|$hgm maps 12x"
	"err-maps-zero-pid|$hgm maps 0"
	"err-maps-no-pid|$hgm maps"
	"err-maps-extra-arg|$hgm maps 1000 1001"
	"err-collapse-under-root|$hgm collapse 1000 vma:3"
	"err-collapse-no-range|collapse 1"
	"err-collapse-bad-kind|collapse 1 --kind ksm"
	"err-collapse-all-and-range|collapse 1 --all 1000+4K"
	"err-collapse-unaligned|collapse 1 1001+4K"
	"err-bench-gup-under-root|$hgm bench gup"
	"err-unknown-column|$hgm maps -o START,NOPE 1000"
	"err-unknown-command|$hgm map 1000"
	"err-no-command|$hgm"
	"err-unknown-option|$hgm maps --frobnicate 1000"
	"err-bad-root|--root $FIXTURES/no-such-tree status"
	"err-demo-under-root|$hgm demo"
	"err-demo-bad-size|demo --thp 3X"
	"err-demo-size-not-multiple|demo --hugetlb 3M --thp 0"
	"pool-hgm|$hgm pool"
	"pool-hgm-size-json|$hgm pool 2M --json"
	"pool-hgm-1g-columns|$hgm pool 1G -o NODE,TOTAL,FREE"
	"pool-hgm-dry-run|$hgm pool 2M --node 0=100,1=20 --dry-run"
	"pool-hgm-dry-run-json|$hgm pool 2M --node 0=100,1=20 --dry-run --json"
	"pool-hgm-dry-run-kb-compact|$hgm pool 2048kB --node 1=600 --node 0=700 --dry-run --compact"
	"pool-hgm-dry-run-total|$hgm pool 1G --total 4 --dry-run"
	"pool-host-dry-run|$host pool 2M --node 0=16 --dry-run"
	"err-pool-no-size-to-set|$hgm pool --node 0=1 --dry-run"
	"err-pool-unknown-size|$hgm pool 4M"
	"err-pool-bad-size|$hgm pool 2X"
	"err-pool-unknown-node|$host pool 2M --node 3=2 --dry-run"
	"err-pool-bad-count|$hgm pool 2M --node 0=x --dry-run"
	"err-pool-duplicate-node|$hgm pool 2M --node 0=1,0=2 --dry-run"
	"err-pool-node-and-total|$hgm pool 2M --node 0=1 --total 2"
	"err-pool-bad-total|$hgm pool 2M --total 1k --dry-run"
	"err-pool-set-under-root|$hgm pool 2M --node 0=1"
	"err-pool-dry-run-alone|$hgm pool --dry-run"
	"err-pool-extra-arg|$hgm pool 2M 1G"
	"pool-hgm-dry-run-bytes-overcommit|$hgm pool 2M --node 0=200M,1=3G --overcommit 1G --dry-run"
	"pool-hgm-dry-run-overcommit-json|$hgm pool 2M --overcommit 32 --dry-run --json"
	"err-pool-node-not-whole-pages|$hgm pool 2M --node 0=3M --dry-run"
	"err-pool-overcommit-not-whole-pages|$hgm pool 1G --overcommit 1536M --dry-run"
	"thp-hgm|$hgm thp"
	"thp-hgm-json|$hgm thp --json"
	"thp-host|$host thp"
	"thp-hgm-columns|$hgm thp -o SIZE,SHMEM"
	"thp-hgm-dry-run|$hgm thp --enabled always --size 64K=inherit,2M:shmem=advise --khugepaged pages_to_scan=0100,max_ptes_none=0 --dry-run"
	"thp-hgm-dry-run-json|$hgm thp --defrag defer --dry-run --json"
	"err-thp-bad-enabled|$hgm thp --enabled sometimes --dry-run"
	"err-thp-unknown-size|$hgm thp --size 4K=always --dry-run"
	"err-thp-bad-khugepaged-range|$hgm thp --khugepaged max_ptes_none=512 --dry-run"
	"err-thp-unknown-khugepaged-key|$hgm thp --khugepaged sleep=1 --dry-run"
	"err-thp-counter-read-only|$hgm thp --khugepaged full_scans=0 --dry-run"
	"err-thp-twice|$hgm thp --size 64K=never,64K=always --dry-run"
	"err-thp-set-under-root|$hgm thp --enabled never"
	"err-thp-dry-run-alone|$hgm thp --dry-run"
	"top-system-hgm|$hgm top --once"
	"top-system-host-sort-thp|$host top --once --sort thp"
	"top-system-filter-nothing|$hgm top --once --filter nosuch"
	"top-process-hgm|$hgm top --once 1000"
	"top-process-hgm-filter-kind|$hgm top --once --filter hugetlb 1000"
	"top-process-host-wide|$host top --once -w 132 4242"
	"err-top-pagemap-under-root|$hgm top --once --screen pagemap 1000"
	"err-top-bad-screen|$hgm top --once --screen nope"
	"err-top-screen-needs-pid|$hgm top --once --screen process"
	"err-top-bad-delay|$hgm top --once -d 0"
	"err-top-json|$hgm top --once --json"
	"err-top-no-such-pid|$hgm top --once 4243"
	"export-hgm|$hgm export --stdout"
	"export-hgm-top|$hgm export --stdout --top 5"
	"export-host-top-json|$host --json export --top 1"
	"export-cgroup-top|$cgt export --stdout --top 5 --top-by cgroup"
	"export-cgroup-top-json|$cgt --json export --top 1 --top-by cgroup"
	"err-export-top-by-without-top|$hgm export --stdout --top-by cgroup"
	"err-export-top-by-bad|$hgm export --stdout --top 3 --top-by pid"
	"err-export-nowhere|$hgm export"
	"err-export-textfile-and-stdout|$hgm export --textfile $FIXTURES --stdout"
	"err-export-name-not-prom|$hgm export --textfile $FIXTURES --name hgmctl.txt"
	"err-export-name-with-slash|$hgm export --textfile $FIXTURES --name a/b.prom"
	"err-export-name-without-textfile|$hgm export --stdout --name a.prom"
	"err-export-top-too-many|$hgm export --stdout --top 101"
	"err-export-top-zero|$hgm export --stdout --top 0"
	"err-export-missing-dir|$hgm export --textfile $FIXTURES/no-such-dir"
	"err-export-dir-is-a-file|$hgm export --textfile $FIXTURES/tree-hgm/proc/1000/smaps"
)

echo "TAP version 13"
echo "1..${#cases[@]}"
n=0 failed=0
for c in "${cases[@]}"; do
	n=$((n + 1))
	name=${c%%|*}
	args=${c#*|}
	out=$(mktemp)
	{
		# shellcheck disable=SC2086 # word splitting of args is intended
		"$HGMCTL" $args > "$out.stdout" 2> "$out.stderr"
		rc=$?
		cat "$out.stdout"
		echo "[stderr]"
		cat "$out.stderr"
		echo "[exit $rc]"
	} > "$out"
	# recorded trees live wherever the source is: keep the transcript path-free
	sed -i -e "s|$FIXTURES|FIXTURES|g" -e "s|$giant_dir|FIXTURES/tree-giant|g" "$out"
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$out" "$EXPECTED/$name"
	fi
	if diff -u "$EXPECTED/$name" "$out" > "$out.diff" 2>&1; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		sed 's/^/# /' "$out.diff"
		failed=$((failed + 1))
	fi
	rm -f "$out" "$out.stdout" "$out.stderr" "$out.diff"
done
[ "$failed" = 0 ]
