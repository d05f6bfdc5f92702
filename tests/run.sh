#!/bin/sh
# Runs every test and ends with one line: "N passed, N failed".
# Usage: tests/run.sh BUILD [ASAN_BUILD]
# Unit tests (BUILD/tests/test_*) run in both builds; integration scripts
# (tests/it_*.sh) drive the real binaries of BUILD. Each prints "ok - ..." or
# "not ok - ..." per case; a program that dies without saying counts as a failure.
set -u
BUILD=${1:-build}
ASAN=${2:-}
LOGDIR=$BUILD/test-logs
mkdir -p "$LOGDIR"
passed=0
failed=0
skipped=0

run_one() {	# name, command...
	name=$1; shift
	log="$LOGDIR/$(echo "$name" | tr '/ ' '__').log"
	"$@" >"$log.out" 2>"$log.err"
	rc=$?
	p=$(grep '^ok - ' "$log.out" | grep -vc '# SKIP')
	k=$(grep '^ok - ' "$log.out" | grep -c '# SKIP')
	f=$(grep -c '^not ok - ' "$log.out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log.out"
	fi
	passed=$((passed + p))
	skipped=$((skipped + k))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		echo "FAIL $name ($p passed, $f failed)"
		grep '^not ok' "$log.out" | sed 's/^/    /'
		tail -n 30 "$log.err" | sed 's/^/    | /'
	else
		echo "ok   $name ($p passed)"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case $t in *.d|*.o) continue;; esac
	run_one "$t" "$t"
done
if [ -n "$ASAN" ]; then
	for t in "$ASAN"/tests/test_*; do
		[ -x "$t" ] || continue
		case $t in *.d|*.o) continue;; esac
		ASAN_OPTIONS=detect_leaks=1 run_one "$t" "$t"
	done
fi
run_one tests/test_layering.sh sh tests/test_layering.sh
run_one tests/test_unit_security.sh sh tests/test_unit_security.sh
for t in tests/it_*.sh; do
	[ -f "$t" ] || continue
	run_one "$t" sh "$t" "$BUILD"
done
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
