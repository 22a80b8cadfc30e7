#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# interval.sh - --interval SECONDS [--count N] of status, procs and maps on the
# recorded trees: with --json every line is one whole JSON document with a
# timestamp, --count says how many, and SIGINT mid-run ends the run with
# exit 0 after a whole line (hgmctl(8), SAMPLING).  TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
HGMCTL=${HGMCTL:-$here/../../hgmctl}
FIXTURES=${FIXTURES:-$here/../fixtures}
hgm="--root $FIXTURES/tree-hgm"
cgt="--root $FIXTURES/tree-cgroup"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v python3 > /dev/null; then
	echo "1..0 # SKIP python3 is needed to parse JSON Lines"
	exit 0
fi

# Checks @file: exactly @count lines (0: at least 2), each a JSON object with
# an RFC 3339 UTC "timestamp" and an "epoch" that agree and do not go back,
# and @key present in each.  Prints why not on failure.
check_lines() {
	python3 - "$1" "$2" "$3" <<'PY'
import datetime, json, re, sys
path, count, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = open(path, "rb").read().decode()
if data and not data.endswith("\n"):
    sys.exit("the last line is cut: %r" % data[-40:])
lines = data.splitlines()
if count and len(lines) != count:
    sys.exit("%d lines, not %d" % (len(lines), count))
if not count and len(lines) < 2:
    sys.exit("only %d lines" % len(lines))
last = 0
for i, l in enumerate(lines):
    d = json.loads(l)
    if not isinstance(d, dict) or key not in d:
        sys.exit("line %d has no %r" % (i + 1, key))
    ts = d["timestamp"]
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", ts):
        sys.exit("line %d: timestamp %r is not RFC 3339 UTC" % (i + 1, ts))
    t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    if abs(t - d["epoch"]) > 1e-5:
        sys.exit("line %d: timestamp %s and epoch %s differ" % (i + 1, ts, d["epoch"]))
    if d["epoch"] < last:
        sys.exit("line %d goes back in time" % (i + 1))
    last = d["epoch"]
PY
}

n=0 failed=0
result() {	# NAME STATUS [WHY]
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		[ -n "${3:-}" ] && echo "# $3"
		failed=$((failed + 1))
	fi
}

echo "1..7"
# name|key every line has|arguments
for c in "status-json-count-3|pools|$hgm status --json --interval 0.1 --count 3" \
	 "procs-json-count-3|processes|$cgt procs --json --interval 0.1 --count 3" \
	 "procs-cgroup-json-count-3|cgroup|$cgt procs --cgroup vm.slice --json --interval 0.1 --count 3" \
	 "maps-json-count-3|vmas|$hgm maps 1000 --json --interval 0.1 --count 3"; do
	name=${c%%|*} rest=${c#*|}
	key=${rest%%|*} args=${rest#*|}
	# shellcheck disable=SC2086 # word splitting of args is intended
	"$HGMCTL" $args > "$tmp/out" 2> "$tmp/err"
	rc=$?
	why=$(check_lines "$tmp/out" 3 "$key" 2>&1)
	st=$?
	[ "$rc" != 0 ] && { st=1; why="exit $rc: $(cat "$tmp/err")"; }
	result "$name" "$st" "$why"
done

# text: a timestamp line before each sample
"$HGMCTL" $hgm status --interval 0.1 --count 2 > "$tmp/out" 2>&1
rc=$?
stamps=$(grep -cE '^--- [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z$' "$tmp/out")
[ "$rc" = 0 ] && [ "$stamps" = 2 ]
result "status-text-timestamp-lines" $? "exit $rc, $stamps timestamp lines"

# SIGINT and SIGTERM mid-run: whole lines only, exit 0
for sig in INT TERM; do
	"$HGMCTL" $cgt procs --json --interval 0.05 > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	sleep 0.6
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	why=$(check_lines "$tmp/out" 0 processes 2>&1)
	st=$?
	[ "$rc" != 0 ] && { st=1; why="exit $rc after SIG$sig: $(cat "$tmp/err")"; }
	result "sig$(echo "$sig" | tr '[:upper:]' '[:lower:]')-ends-after-a-whole-line" "$st" "$why"
done
[ "$failed" = 0 ]
