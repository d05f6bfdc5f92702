#!/bin/sh
# The district's alert chain end to end: N real loaxad (default 20), each on
# its own virtual sound card (tests/vcard/vcard.c: plays in real time like
# hardware and records what it played and when), each playing a 20-s spoken
# bulletin; one real broker over TLS on loopback; one `loaxactl alert` of a
# 1-s falling sweep. Prints
#   alert_latency_ms median=X worst=Y cli_ms=C n=N
# where each station's latency is from just before `loaxactl alert` starts
# (so it includes checking and signing the bulletin, connecting, publishing
# the chunks and the alert, every station's fetch, verification and hash,
# stopping the bulletin and starting the alert) to the alert's first sample
# heard on that station's card (heard.sh's card_heard: found in the card's
# capture, and when from its log); C is how long `loaxactl alert` itself
# took, measured in the same run. A station that never plays the alert counts
# as missing: the line then says n=<how many played> of N, and the exit
# status is 1.
#
# Usage: tests/bench/alert_latency.sh BUILD [N]
. tests/lib.sh
. tests/bench/heard.sh
N=${2:-20}
R=hon-quan
TOOLS=$BUILD/tools
say() { echo "# $*" >&2; }
now_ns() { date +%s%N; }

start_broker || exit 1
"$BUILD/loaxactl" keygen "$T/district.key" >/dev/null || exit 1
# The alert: a falling sweep, easy to find in a capture, prepared as loaxactl
# prepares every bulletin (so that alert sends it as it is and the reference is
# what the stations get); the bulletin it cuts into: 20 s of speech.
sox -V1 -R -n -r 48000 -b 16 -c 1 "$T/alert.wav" synth 1 sine 1800-500 gain -3 &&
    opusenc --quiet "$T/alert.wav" "$T/sweep.opus" &&
    "$BUILD/loaxactl" import "$T/sweep.opus" "$T/cảnh báo bão.opus" >/dev/null &&
    "$TOOLS/opus_refdecode" "$T/cảnh báo bão.opus" "$T/alert.raw" 1 || exit 1
espeak-ng -v vi -s 150 -w "$T/s.wav" "Thông báo về lịch tiêm phòng cho gia súc, gia cầm." &&
    sox -V1 -R "$T/s.wav" -r 48000 -t wav - repeat 8 trim 0 20 >"$T/normal.wav" &&
    opusenc --quiet "$T/normal.wav" "$T/normal.opus" || exit 1

sdir() { printf '%s/st%02d' "$T" "$1"; }
i=1
while [ "$i" -le "$N" ]; do
	d=$(sdir "$i")
	mkdir -p "$d"
	vcard_setup "st$i" >/dev/null || exit 1
	ln -s "$T/normal.opus" "$d/normal.opus"
	echo "slots = ( );" >"$d/schedule.cfg"
	station_config "$d" "xa-$i" "$VCARD_DEV" "$d/schedule.cfg"
	echo "district = { public_key = \"$T/district.key.pub\"; };" >>"$d/loaxa.cfg"
	start_station "$d" || { say "station $i did not start"; exit 1; }
	i=$((i + 1))
done
card_log() { echo "$T/st$1.log"; }
card_raw() { echo "$T/st$1.raw"; }
connected() {
	"$BUILD/loaxactl" -s "$1/control.sock" status --json 2>/dev/null |
		jq -e '.mqtt.connected == true' >/dev/null
}
i=1
while [ "$i" -le "$N" ]; do
	wait_for 20 connected "$(sdir "$i")" || say "station $i is not connected to the broker"
	i=$((i + 1))
done

# Every station plays the bulletin from a one-off slot two seconds ahead.
at=$(at_plus 2)
i=1
while [ "$i" -le "$N" ]; do
	d=$(sdir "$i")
	printf 'slots = ( { title = "Bản tin"; at = "%s"; items = ( { file = "normal.opus"; } ); } );\n' \
	    "$at" >"$d/schedule.cfg"
	"$BUILD/loaxactl" -s "$d/control.sock" reload >/dev/null || say "station $i: reload failed"
	i=$((i + 1))
done
all_started() {
	i=1
	while [ "$i" -le "$N" ]; do
		card_starts_after "$(card_log "$i")" 0 1 || return 1
		i=$((i + 1))
	done
}
wait_for 15 all_started || say "not every station started the bulletin"
sleep 0.3	# into the bulletin, past its first periods (not a wait for an event)

i=1
while [ "$i" -le "$N" ]; do
	eval "from$i=$(card_frames "$(card_raw "$i")")"
	i=$((i + 1))
done
t0=$(now_ns)
"$BUILD/loaxactl" alert "$T/cảnh báo bão.opus" --region $R --key "$T/district.key" \
	$BROKER_OPTS --title "Bão số 9" >"$T/alert.out" || { say "loaxactl alert failed"; exit 1; }
t1=$(now_ns)
# The alert, then the bulletin again: two runs of each card after t0.
all_cut() {
	i=1
	while [ "$i" -le "$N" ]; do
		card_starts_after "$(card_log "$i")" "$t0" 2 || return 1
		i=$((i + 1))
	done
}
wait_for 30 all_cut || say "not every station played the alert and went back to its bulletin within 30 s"
: >"$T/lat"
i=1
while [ "$i" -le "$N" ]; do
	eval "from=\$from$i"
	if h=$(card_heard "$T/alert.raw" "$(card_log "$i")" "$(card_raw "$i")" "$t0" "$from"); then
		echo "$h" | awk -v a="$t0" '{ printf "%.1f\n", ($1 - a) / 1e6 }' >>"$T/lat"
	else
		say "station $i: the alert was not heard (pcm_find: $h)"
	fi
	i=$((i + 1))
done
cli=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
say "loaxactl alert itself took $cli ms"
sort -n "$T/lat" | awk -v n="$N" -v cli="$cli" '
	{ a[NR] = $1 }
	END {
		if (NR == 0) { printf "alert_latency_ms median=- worst=- cli_ms=%s n=0 of %d\n", cli, n; exit 1 }
		med = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		if (NR < n) { printf "alert_latency_ms median=%.1f worst=%.1f cli_ms=%s n=%d of %d\n", med, a[NR], cli, NR, n; exit 1 }
		printf "alert_latency_ms median=%.1f worst=%.1f cli_ms=%s n=%d\n", med, a[NR], cli, NR
	}'
