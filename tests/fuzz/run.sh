#!/bin/sh
# Runs every fuzzer in BUILD/fuzz/ over the committed inputs of its target:
# the seed corpus tests/fuzz/corpus/<target>/ and the regression corpus
# tests/fuzz/regressions/<target>/ (every input that once crashed, leaked or
# hung, kept once fixed or understood). Prints "ok - ..." or "not ok - ..."
# per target; what a run finds is left in BUILD/crashes/.
#
# Usage: tests/fuzz/run.sh BUILD SECONDS   explore: mutate for SECONDS each,
#                                          also from BUILD/corpus/<target>/ (make fuzz)
#        tests/fuzz/run.sh BUILD replay    run each committed input once, no
#                                          mutation: the same result every time (make check)
#
# Both use the LeakSanitizer suppressions in tests/fuzz/lsan.supp (libconfig
# 1.5's own leak); they name functions, so a symbolizer must be found.
set -u
B=${1:-build-fuzz}
MODE=${2:-60}
TOP=$(pwd)
mkdir -p "$B/crashes" "$B/logs"

# The sanitizers symbolize with llvm-symbolizer; without it a suppression by
# function name silently matches nothing. Debian puts it in llvm-14, which
# clang only recommends.
sym=$(command -v llvm-symbolizer 2>/dev/null ||
    ls /usr/bin/llvm-symbolizer-* /usr/lib/llvm-*/bin/llvm-symbolizer 2>/dev/null | tail -n 1)
supp=$TOP/tests/fuzz/lsan.supp
if [ -n "$sym" ]; then
	export ASAN_SYMBOLIZER_PATH="$sym"
else
	# Only libconfig's module name is left to match: excuse all it allocates
	# and say that the finer check did not run.
	supp=$B/lsan-nosymbolizer.supp
	{ cat "$TOP/tests/fuzz/lsan.supp"; echo "leak:libconfig.so"; } >"$supp"
	echo "ok - fuzzers: libconfig's known leak told apart from ours # SKIP llvm-symbolizer" \
	    "is not installed (Debian: llvm-14), so every allocation in libconfig is excused"
fi
export LSAN_OPTIONS="suppressions=$supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

found=0
for f in "$B"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	case $f in *.o|*.d) continue;; esac
	found=1
	t=$(basename "$f")
	log=$B/logs/$t.log
	set --
	for d in "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"; do
		[ -d "$d" ] && set -- "$@" "$d"
	done
	if [ "$MODE" = replay ]; then
		# An empty first directory: libFuzzer writes new inputs to the
		# first one it is given, and the committed ones stay as they are.
		rm -rf "$B/replay/$t"
		mkdir -p "$B/replay/$t"
		n=$(find "$@" -type f 2>/dev/null | wc -l)
		if "$f" -runs=0 -seed=1 -timeout=20 -rss_limit_mb=2048 \
		    -artifact_prefix="$B/crashes/$t-" "$B/replay/$t" "$@" >"$log" 2>&1; then
			echo "ok - $t: its $n committed inputs without a crash, leak or hang"
		else
			echo "not ok - $t: see $log; the input is in $B/crashes/"
			grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5 | sed 's/^/# /'
		fi
		continue
	fi
	mkdir -p "$B/corpus/$t"
	# Requests may be as long as the control socket takes; bulletins longer than
	# configs; requests with descriptors carry a bulletin (their long requests
	# are padded by the target itself).
	case $t in
	fuzz_ctl_request) len=70000 ;;
	fuzz_ctl_fds) len=8192 ;;
	fuzz_opus_reader) len=16384 ;;
	*) len=4096 ;;
	esac
	# A target's dictionary (tests/fuzz/<target>.dict): the words of its format.
	dict=
	[ -f "tests/fuzz/$t.dict" ] && dict=-dict="tests/fuzz/$t.dict"
	if "$f" -max_total_time="$MODE" -timeout=20 -rss_limit_mb=2048 -max_len="$len" $dict \
	    -print_final_stats=1 -artifact_prefix="$B/crashes/$t-" "$B/corpus/$t" "$@" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok - $t: ${runs:-?} inputs in ${MODE} s without a crash, leak or hang"
	else
		echo "not ok - $t: see $log; the input is in $B/crashes/ (once fixed, add it to" \
		    "tests/fuzz/regressions/$t/)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5 | sed 's/^/# /'
	fi
done
[ "$found" -eq 1 ] || echo "not ok - no fuzzer was built in $B/fuzz"
