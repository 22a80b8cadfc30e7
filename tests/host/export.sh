#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# export.sh - `hgmctl export` on the live kernel: promtool's lint, a scrape through a
# real node_exporter, atomic replacement of the file, errors that leave nothing behind
#
# TAP.  A test whose tool is missing (promtool: Debian's prometheus package;
# prometheus-node-exporter; python3; curl) says SKIP and why: .ci/setup installs them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
HGMCTL=${HGMCTL:-$here/../../hgmctl}
FIXTURES=${FIXTURES:-$here/../fixtures}
LOCK=/run/lock/hgmctl-host-tests.lock
[ -d /run/lock ] || LOCK=/tmp/hgmctl-host-tests.lock
HP2M=/sys/kernel/mm/hugepages/hugepages-2048kB

tmp=$(mktemp -d /tmp/hgmctl-export-test.XXXXXX) || exit 1
exporter_pid= holder_pid= cg_pids=() cg_dirs=() cg_home=
cleanup() {
	# the node_exporter and the process holding THP memory, if started: always
	[ -n "$exporter_pid" ] && kill "$exporter_pid" 2> /dev/null && wait "$exporter_pid" 2> /dev/null
	[ -n "$holder_pid" ] && kill "$holder_pid" 2> /dev/null && wait "$holder_pid" 2> /dev/null
	cg_cleanup
	rm -rf "$tmp"
}
# the holders of test 10 back home, ended, and their cgroups removed, deepest first
cg_cleanup() {
	local p i
	for p in "${cg_pids[@]}"; do
		[ -n "$cg_home" ] && echo "$p" > "$cg_home/cgroup.procs" 2> /dev/null
		kill "$p" 2> /dev/null && wait "$p" 2> /dev/null
	done
	for ((i = ${#cg_dirs[@]} - 1; i >= 0; i--)); do
		rmdir "${cg_dirs[i]}" 2> /dev/null
	done
	cg_pids=() cg_dirs=()
}
trap cleanup EXIT

echo "TAP version 13"
echo "1..10"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n $1"
	printf '%s\n' "$2" | head -n 20 | sed 's/^/# /'
}
have() { command -v "$1" > /dev/null; }

# ---- 1: promtool finds no problem in the live output, processes included
t="promtool check metrics finds no problem in export --stdout --top 100"
mthp=/sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/anon_fault_alloc
before=$(cat "$mthp" 2> /dev/null)
if ! have promtool; then
	skip "$t" "promtool is not installed (Debian package prometheus)"
elif ! "$HGMCTL" export --stdout --top 100 > "$tmp/live.prom" 2> "$tmp/err"; then
	not_ok "$t" "export failed: $(cat "$tmp/err")"
elif ! out=$(promtool check metrics < "$tmp/live.prom" 2>&1) || [ -n "$out" ]; then
	not_ok "$t" "$out"
elif ! grep -q '^hgmctl_hugetlb_total_bytes{page_size="' "$tmp/live.prom" &&
	[ -d /sys/kernel/mm/hugepages ]; then
	not_ok "$t" "no hgmctl_hugetlb_total_bytes sample although this kernel has hugetlb"
elif [ -n "$before" ] && ! awk -v lo="$before" -v hi="$(cat "$mthp")" '
	$1 == "hgmctl_mthp_anon_fault_alloc_total{page_size=\"65536\"}" { f = 1; ok = $2 >= lo && $2 <= hi }
	END { exit !(f && ok) }' "$tmp/live.prom"; then
	not_ok "$t" "hgmctl_mthp_anon_fault_alloc_total{page_size=\"65536\"} is not $mthp ($before): $(grep 'anon_fault_alloc_total{page_size="65536"}' "$tmp/live.prom")"
else
	ok "$t"
fi

# ---- 2: and in the output of both recorded trees
t="promtool check metrics finds no problem in export of the recorded trees"
if ! have promtool; then
	skip "$t" "promtool is not installed (Debian package prometheus)"
else
	bad=
	for tree in tree-hgm tree-host; do
		if ! "$HGMCTL" --root "$FIXTURES/$tree" export --stdout --top 5 > "$tmp/$tree.prom"; then
			bad+="export of $tree failed"$'\n'
		elif ! out=$(promtool check metrics < "$tmp/$tree.prom" 2>&1) || [ -n "$out" ]; then
			bad+="$tree: $out"$'\n'
		fi
	done
	# and the cgroups of the tree that has them
	if ! "$HGMCTL" --root "$FIXTURES/tree-cgroup" export --stdout --top 5 --top-by cgroup \
		> "$tmp/tree-cgroup.prom"; then
		bad+="export --top-by cgroup of tree-cgroup failed"$'\n'
	elif ! grep -q '^hgmctl_cgroup_thp_bytes{cgroup="/vm.slice"}' "$tmp/tree-cgroup.prom"; then
		bad+="tree-cgroup: no hgmctl_cgroup_thp_bytes of /vm.slice"$'\n'
	elif ! out=$(promtool check metrics < "$tmp/tree-cgroup.prom" 2>&1) || [ -n "$out" ]; then
		bad+="tree-cgroup: $out"$'\n'
	fi
	if [ -z "$bad" ]; then ok "$t"; else not_ok "$t" "$bad"; fi
fi

# ---- 3: --json holds the same samples as the text
t="export --json has the samples of the text format, value for value"
if ! have python3; then
	skip "$t" "python3 is not installed"
else
	root="--root $FIXTURES/tree-hgm"
	# shellcheck disable=SC2086
	"$HGMCTL" $root export --stdout --top 5 > "$tmp/same.prom" &&
		"$HGMCTL" $root --json export --top 5 > "$tmp/same.json"
	if ! out=$(python3 - "$tmp/same.prom" "$tmp/same.json" 2>&1 <<-'EOF'
		import json, re, sys
		text, js = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
		fams, samples = {}, []
		for line in text.splitlines():
		    m = re.match(r'# (HELP|TYPE) (\S+) (.*)$', line)
		    if m:
		        fams.setdefault(m.group(2), {})[m.group(1)] = m.group(3)
		        continue
		    m = re.match(r'([a-z_]+)(?:\{(.*)\})? (\S+)$', line)
		    assert m, "not a sample: " + line
		    labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
		    samples.append((m.group(1), sorted(labels.items()), float(m.group(3))))
		jsamples = [(f["name"], sorted(s["labels"].items()), float(s["value"]))
		            for f in js["metrics"] for s in f["samples"]]
		assert samples == jsamples, "samples differ:\n%s\n%s" % (samples, jsamples)
		for f in js["metrics"]:
		    assert fams[f["name"]] == {"HELP": f["help"], "TYPE": f["type"]}, f["name"]
		assert len(samples) > 40, "only %d samples" % len(samples)
		EOF
	); then
		not_ok "$t" "$out"
	else
		ok "$t"
	fi
fi

# The value of series $2 in the scrape $1 (node_exporter prints floats: 8.388608e+06).
scraped() { awk -v s="$2" '$1 == s { printf "%.0f\n", $2 }' "$1"; }

# ---- 4: node_exporter's textfile collector serves our series, with the kernel's values
t="node_exporter's textfile collector serves hgmctl.prom with the pools the kernel has"
if ! have prometheus-node-exporter; then
	skip "$t" "prometheus-node-exporter is not installed"
elif ! have python3 || ! have curl; then
	skip "$t" "python3 and curl are needed"
elif [ ! -r "$HP2M/nr_hugepages" ]; then
	skip "$t" "this kernel has no 2 MiB hugetlb pages"
else
	mkdir "$tmp/textfile"
	{
		# the pools hold still while they are read, exported and scraped
		flock 9
		nr=$(cat "$HP2M/nr_hugepages")
		nr0=$(cat /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages \
			2> /dev/null)
		"$HGMCTL" export --textfile "$tmp/textfile" 2> "$tmp/err"
		rc=$?
		for try in 1 2 3; do
			port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
			prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
				--collector.textfile.directory="$tmp/textfile" \
				--collector.disable-defaults --collector.textfile \
				> "$tmp/exporter.log" 2>&1 9>&- &
			exporter_pid=$!
			for _ in $(seq 50); do
				curl -sf "http://127.0.0.1:$port/metrics" > "$tmp/scrape" 2> /dev/null && break
				kill -0 "$exporter_pid" 2> /dev/null || break
				sleep 0.1
			done
			kill -0 "$exporter_pid" 2> /dev/null && break
			wait "$exporter_pid"	# the port was taken meanwhile: another one
			exporter_pid=
		done
	} 9>> "$LOCK"
	want=$((nr * 2097152))
	got=$(scraped "$tmp/scrape" 'hgmctl_hugetlb_total_bytes{page_size="2097152"}')
	got0=$(scraped "$tmp/scrape" 'hgmctl_hugetlb_node_total_bytes{node="0",page_size="2097152"}')
	err=$(scraped "$tmp/scrape" node_textfile_scrape_error)
	probed=$(scraped "$tmp/scrape" hgmctl_features_probed)
	filen=$(grep -c '^hgmctl_' "$tmp/textfile/hgmctl.prom" 2> /dev/null)
	scrapen=$(grep -c '^hgmctl_' "$tmp/scrape" 2> /dev/null)
	if [ "$rc" != 0 ]; then
		not_ok "$t" "export --textfile exited $rc: $(cat "$tmp/err")"
	elif [ -z "$exporter_pid" ] || [ ! -s "$tmp/scrape" ]; then
		not_ok "$t" "node_exporter did not serve /metrics: $(tail -n 5 "$tmp/exporter.log")"
	elif [ "$err" != 0 ]; then
		not_ok "$t" "node_textfile_scrape_error is '$err': $(grep -i textfile "$tmp/exporter.log")"
	elif [ "$got" != "$want" ]; then
		not_ok "$t" "hgmctl_hugetlb_total_bytes{page_size=\"2097152\"}: scraped '$got', nr_hugepages $nr x 2 MiB = $want"
	elif [ -n "$nr0" ] && [ "$got0" != $((nr0 * 2097152)) ]; then
		not_ok "$t" "node 0: scraped '$got0', its nr_hugepages $nr0 x 2 MiB = $((nr0 * 2097152))"
	elif [ "$probed" != 1 ]; then
		not_ok "$t" "hgmctl_features_probed is '$probed' on the live kernel"
	elif [ "$filen" != "$scrapen" ]; then
		not_ok "$t" "the file has $filen hgmctl_ samples, the scrape $scrapen"
	else
		ok "$t"
		grep -E '^hgmctl_hugetlb_total_bytes|^hgmctl_khugepaged_pages_collapsed_total' \
			"$tmp/scrape" | sed 's/^/# scraped: /'
	fi
	[ -n "$exporter_pid" ] && kill "$exporter_pid" && wait "$exporter_pid" 2> /dev/null
	exporter_pid=
fi

# ---- 5: a reader never sees part of a file while export replaces it
t="a concurrent reader sees only whole files while export --textfile replaces it"
if ! have python3; then
	skip "$t" "python3 is not installed"
else
	mkdir "$tmp/atomic"
	"$HGMCTL" export --textfile "$tmp/atomic"
	(for _ in $(seq 150); do "$HGMCTL" export --textfile "$tmp/atomic" || exit 1; done) &
	writer=$!
	out=$(python3 - "$tmp/atomic/hgmctl.prom" "$writer" 2>&1 <<-'EOF'
		import os, re, sys
		path, writer = sys.argv[1], int(sys.argv[2])
		sample = re.compile(r'[a-z_]+(\{[^}]*\})? [0-9.]+$')
		reads = 0
		def alive():
		    # a zombie (exited, not reaped yet) is done writing; a process
		    # that goes between the two calls makes the read fail (ESRCH)
		    try:
		        os.kill(writer, 0)
		        with open("/proc/%d/stat" % writer) as f:
		            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
		    except (ProcessLookupError, FileNotFoundError):
		        return False
		while alive() or reads == 0:
		    with open(path) as f:
		        text = f.read()
		    reads += 1
		    lines = text.split("\n")
		    assert text.endswith("\n"), "read %d ends mid-line: %r" % (reads, lines[-1])
		    assert lines[0].startswith("# HELP hgmctl_"), "read %d: starts %r" % (reads, lines[0])
		    assert sample.match(lines[-2]), "read %d: last line %r" % (reads, lines[-2])
		    helps = sum(l.startswith("# HELP ") for l in lines)
		    types = sum(l.startswith("# TYPE ") for l in lines)
		    assert helps == types and helps > 10, "read %d: %d HELP, %d TYPE" % (reads, helps, types)
		print(reads)
		EOF
	)
	prc=$?
	wait "$writer"
	wrc=$?
	left=$(ls -A "$tmp/atomic")
	if [ "$prc" != 0 ]; then
		not_ok "$t" "$out"
	elif [ "$wrc" != 0 ]; then
		not_ok "$t" "an export failed"
	elif [ "$left" != hgmctl.prom ]; then
		not_ok "$t" "the directory holds: $left"
	else
		ok "$t"
		echo "# $out whole reads during 150 exports"
	fi
fi

# ---- 6: a missing directory: exit 1, a message, no file
t="export --textfile into a missing directory exits 1 and creates nothing"
out=$("$HGMCTL" export --textfile "$tmp/missing" 2>&1)
rc=$?
if [ "$rc" != 1 ]; then
	not_ok "$t" "exit $rc: $out"
elif [[ $out != *"cannot open directory '$tmp/missing': No such file or directory"* ]]; then
	not_ok "$t" "message: $out"
elif [ -e "$tmp/missing" ]; then
	not_ok "$t" "$tmp/missing exists"
else
	ok "$t"
fi

# ---- 7: a directory this caller cannot write: exit 1, no temporary file, the old file kept
t="export --textfile into an unwritable directory exits 1, leaves the old file and no temporary one"
mkdir -m 0755 "$tmp/ro"
"$HGMCTL" --root "$FIXTURES/tree-hgm" export --textfile "$tmp/ro"
cp "$tmp/ro/hgmctl.prom" "$tmp/ro.before"
if [ "$(id -u)" = 0 ]; then
	# root writes anywhere: run as nobody, in a directory root owns
	chmod 0755 "$tmp"
	# util-linux's setpriv; BusyBox's (the test guest's) cannot change ids
	if have setpriv && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	else
		run=()
	fi
else
	chmod 0555 "$tmp/ro"
	run=(env)
fi
if [ ${#run[@]} = 0 ]; then
	skip "$t" "running as root without a setpriv that can drop privileges (util-linux)"
else
	out=$("${run[@]}" "$HGMCTL" export --textfile "$tmp/ro" 2>&1)
	rc=$?
	left=$(ls -A "$tmp/ro")
	if [ "$rc" != 1 ]; then
		not_ok "$t" "exit $rc: $out"
	elif [[ $out != *"cannot create a file in '$tmp/ro': Permission denied"* ]]; then
		not_ok "$t" "message: $out"
	elif [ "$left" != hgmctl.prom ]; then
		not_ok "$t" "the directory holds: $left"
	elif ! cmp -s "$tmp/ro/hgmctl.prom" "$tmp/ro.before"; then
		not_ok "$t" "the old file changed"
	else
		ok "$t"
	fi
fi
chmod 0755 "$tmp/ro" 2> /dev/null
chmod 0700 "$tmp"

# ---- 8: --name, and the mode the collector can read
t="export --textfile --name writes DIR/NAME with mode 0644 less the umask"
mkdir "$tmp/named"
out=$(umask 027 && "$HGMCTL" export --textfile "$tmp/named" --name huge.prom 2>&1)
mode=$(stat -c %a "$tmp/named/huge.prom" 2> /dev/null)
left=$(ls -A "$tmp/named")
if [ "$left" != huge.prom ]; then
	not_ok "$t" "the directory holds '$left': $out"
elif [ "$mode" != 640 ]; then
	not_ok "$t" "mode $mode under umask 027, not 640"
else
	ok "$t"
fi

# ---- 9: a command name with a quote, a backslash and a newline, escaped as the format says
t="--top labels a process by pid and comm, with \\, \" and newline escaped"
if ! have python3; then
	skip "$t" "python3 is not installed"
elif grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2> /dev/null ||
	[ ! -e /sys/kernel/mm/transparent_hugepage/enabled ]; then
	skip "$t" "THP is off on this kernel"
else
	# 4 MiB of THP (madvise), touched, under the name q"b\n<newline>x
	python3 - > "$tmp/holder.out" <<-'EOF' &
		import ctypes, mmap, signal, sys
		libc = ctypes.CDLL(None)
		libc.prctl(15, b'q"b\\n\nx', 0, 0, 0)		# PR_SET_NAME
		m = mmap.mmap(-1, 8 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
		m.madvise(mmap.MADV_HUGEPAGE)
		for off in range(0, 8 << 20, 4096):
		    m[off] = 1
		print("ready", flush=True)
		signal.pause()
		EOF
	holder_pid=$!
	for _ in $(seq 50); do
		grep -q ready "$tmp/holder.out" && break
		sleep 0.1
	done
	thp=$(awk '/^AnonHugePages:/ { print $2 }' "/proc/$holder_pid/smaps_rollup" 2> /dev/null)
	if [ "${thp:-0}" = 0 ]; then
		skip "$t" "the kernel gave the test process no THP (fragmented memory?)"
	else
		"$HGMCTL" export --stdout --top 100 > "$tmp/top.prom"
		want="hgmctl_process_thp_bytes{pid=\"$holder_pid\",comm=\"q\\\"b\\\\n\\nx\"} $((thp * 1024))"
		lint=
		have promtool && lint=$(promtool check metrics < "$tmp/top.prom" 2>&1)
		if ! grep -qxF "$want" "$tmp/top.prom"; then
			not_ok "$t" "no line '$want'; the process's lines: $(grep "pid=\"$holder_pid\"" "$tmp/top.prom")"
		elif [ -n "$lint" ]; then
			not_ok "$t" "promtool: $lint"
		else
			ok "$t"
		fi
	fi
	kill "$holder_pid"
	wait "$holder_pid" 2> /dev/null
	holder_pid=
fi

# ---- 10: --top-by cgroup sums the processes of each cgroup v2, labels bounded in length
t="--top-by cgroup sums the THP of each cgroup's processes; a path too long counts in its ancestor"
# shellcheck disable=SC2016
holder='import mmap, signal
m = mmap.mmap(-1, 8 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
m.madvise(mmap.MADV_HUGEPAGE)
for off in range(0, 8 << 20, 4096):
    m[off] = 1
print("ready", flush=True)
signal.pause()'
cgmnt=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
own=$(sed -n 's/^0:://p' /proc/self/cgroup)
if ! have python3; then
	skip "$t" "python3 is not installed"
elif [ "$(id -u)" != 0 ]; then
	skip "$t" "needs root to make a cgroup and move processes into it"
elif [ -z "$cgmnt" ] || [ -z "$own" ]; then
	skip "$t" "no cgroup v2 mounted"
elif grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2> /dev/null ||
	[ ! -e /sys/kernel/mm/transparent_hugepage/enabled ]; then
	skip "$t" "THP is off on this kernel"
else
	cg_home=$cgmnt${own%/}
	#   /R           two holders: one series, their sum
	#   /R/A...A     (200 bytes)
	#   /R/A...A/B...B (100 more: over 255 bytes) one holder, counted in /R/A...A
	r=/hgmctl-export-test.$$
	long=$r/$(printf 'a%.0s' $(seq 200))
	deep=$long/$(printf 'b%.0s' $(seq 100))
	if mkdir "$cgmnt$r" && cg_dirs+=("$cgmnt$r") && mkdir "$cgmnt$long" &&
		cg_dirs+=("$cgmnt$long") && mkdir "$cgmnt$deep" && cg_dirs+=("$cgmnt$deep"); then
		for where in "$r" "$r" "$deep"; do
			python3 -c "$holder" > "$tmp/cg.${#cg_pids[@]}" 2>&1 &
			cg_pids+=($!)
			echo $! > "$cgmnt$where/cgroup.procs"
		done
	fi
	for i in "${!cg_pids[@]}"; do
		for _ in $(seq 50); do
			grep -q ready "$tmp/cg.$i" 2> /dev/null && break
			sleep 0.1
		done
	done
	thp() { awk '/^AnonHugePages:|^ShmemPmdMapped:|^FilePmdMapped:/ { s += $2 } END { print s * 1024 }' \
		"/proc/$1/smaps_rollup" 2> /dev/null || echo 0; }
	if [ ${#cg_pids[@]} != 3 ]; then
		skip "$t" "cannot make cgroups under $cgmnt (a read-only or delegated cgroup2?)"
	elif [ "$(thp "${cg_pids[0]}")" = 0 ] || [ "$(thp "${cg_pids[2]}")" = 0 ]; then
		skip "$t" "the kernel gave the test processes no THP (fragmented memory?)"
	else
		want_r=$(($(thp "${cg_pids[0]}") + $(thp "${cg_pids[1]}")))
		want_long=$(thp "${cg_pids[2]}")
		"$HGMCTL" export --stdout --top 100 --top-by cgroup > "$tmp/cg.prom" 2> "$tmp/cg.err"
		rc=$?
		got_r=$(scraped "$tmp/cg.prom" "hgmctl_cgroup_thp_bytes{cgroup=\"$r\"}")
		got_long=$(scraped "$tmp/cg.prom" "hgmctl_cgroup_thp_bytes{cgroup=\"$long\"}")
		procs_r=$(scraped "$tmp/cg.prom" "hgmctl_cgroup_processes{cgroup=\"$r\"}")
		lint=
		have promtool && lint=$(promtool check metrics < "$tmp/cg.prom" 2>&1)
		if [ "$rc" != 0 ]; then
			not_ok "$t" "export exited $rc: $(cat "$tmp/cg.err")"
		elif [ "$got_r" != "$want_r" ] || [ "$procs_r" != 2 ]; then
			not_ok "$t" "$r: thp '$got_r' from '$procs_r' processes, want $want_r from 2: $(grep -F "cgroup=\"$r\"" "$tmp/cg.prom")"
		elif [ "$got_long" != "$want_long" ]; then
			not_ok "$t" "the deep cgroup: '$got_long' under its ancestor, want $want_long: $(grep -F "cgroup=\"$r/" "$tmp/cg.prom" | cut -c1-120)"
		elif grep -qF "$deep" "$tmp/cg.prom"; then
			not_ok "$t" "a label of more than 255 bytes: $(grep -cF "$deep" "$tmp/cg.prom") lines"
		elif [ -n "$lint" ]; then
			not_ok "$t" "promtool: $lint"
		else
			ok "$t"
		fi
	fi
	cg_cleanup
fi

[ "$failed" = 0 ]
