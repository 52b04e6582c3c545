#!/bin/sh
# SPDX-License-Identifier: MIT
# `sudo make demo`: dump a bundled demo target with coretrap and look inside
# the core with gdb. Builds nothing (make did); cleans up on every exit.
set -eu
cd "$(dirname "$0")/.."

target=build/targets/sleeper
[ -x build/targets/dumpee ] && target=build/targets/dumpee
out=$(mktemp -d /tmp/coretrap-demo.XXXXXX)
pid=
cleanup() {
	rc=$?
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$out"
	exit "$rc"
}
trap cleanup EXIT INT TERM

"$target" >"$out/target.log" 2>&1 &
pid=$!
sleep 0.5
kill -0 "$pid" || { echo "demo: $target did not start" >&2; exit 1; }

echo "== ./coretrap $pid $out/"
./coretrap "$pid" "$out/"
core=$(ls "$out"/*."$pid")
echo
echo "== the dump"
ls -ls "$core"
echo
if command -v gdb >/dev/null; then
	echo "== gdb -batch: info threads, backtraces, marker"
	gdb -batch -nx -ex 'info threads' -ex 'thread apply all bt' -ex 'print/x marker' \
		"$target" "$core" 2>&1 || echo "(gdb could not read this core)"
else
	echo "(gdb not installed: skipping the look inside)"
fi
echo
grep -q . /proc/"$pid"/status && echo "== target $pid still running: $(grep -E '^(State|TracerPid)' /proc/"$pid"/status | tr '\n\t' '  ')"
