#!/bin/sh
# A short run of every fuzzer (tests/fuzz/), the way CI runs them: they build
# with clang, take their seed corpus, and run a few seconds each without a
# crash, a leak or a hang. `make fuzz` runs them for longer.
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
sh tests/fuzz/run.sh build-fuzz "${FUZZ_SMOKE_SECONDS:-4}"
