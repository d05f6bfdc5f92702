#!/bin/sh
# Runs every fuzzer in BUILD/fuzz/ for SECONDS each, from its committed seed
# corpus (tests/fuzz/corpus/<target>/) and what earlier runs found
# (BUILD/corpus/<target>/). Prints "ok - ..." or "not ok - ..." per target;
# a crash leaves its input in BUILD/crashes/, to be added to the module's
# unit test once fixed.
# Usage: tests/fuzz/run.sh BUILD SECONDS
set -u
B=${1:-build-fuzz}
SECS=${2:-60}
mkdir -p "$B/crashes" "$B/logs"
found=0
for f in "$B"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	case $f in *.o|*.d) continue;; esac
	found=1
	t=$(basename "$f")
	mkdir -p "$B/corpus/$t"
	set -- "$B/corpus/$t"
	[ -d "tests/fuzz/corpus/$t" ] && set -- "$@" "tests/fuzz/corpus/$t"
	# Requests may be as long as the control socket takes; bulletins longer than configs.
	case $t in
	fuzz_ctl_request) len=70000 ;;
	fuzz_opus_reader) len=16384 ;;
	*) len=4096 ;;
	esac
	log=$B/logs/$t.log
	if "$f" -max_total_time="$SECS" -timeout=20 -rss_limit_mb=2048 -max_len="$len" \
	    -print_final_stats=1 -artifact_prefix="$B/crashes/$t-" "$@" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok - $t: ${runs:-?} inputs in ${SECS} s without a crash, leak or hang"
	else
		echo "not ok - $t: see $log; the input is in $B/crashes/"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5 | sed 's/^/# /'
	fi
done
[ "$found" -eq 1 ] || echo "not ok - no fuzzer was built in $B/fuzz"
