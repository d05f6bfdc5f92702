#!/bin/sh
# Every fuzzer (tests/fuzz/) builds with clang and replays its committed
# inputs (the seed corpus and the regression corpus) once each, without a
# crash, a leak or a hang. No mutation here, so `make check` gives the same
# result on every run; `make fuzz` explores at random for longer.
. tests/lib.sh

if ! command -v clang >/dev/null 2>&1; then
	echo "ok - fuzzers # SKIP clang is not installed; run 'make deps'"
	exit 0
fi
if make --no-print-directory fuzz-build >"$T/build.log" 2>&1; then
	ok "the fuzzers build with clang and libFuzzer"
else
	notok "the fuzzers build with clang and libFuzzer"
	tail -n 20 "$T/build.log" | sed 's/^/# /'
	exit 1
fi
sh tests/fuzz/run.sh build-fuzz replay
