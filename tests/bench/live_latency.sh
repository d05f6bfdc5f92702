#!/bin/sh
# The district's live broadcast, from the office's microphone to the stations'
# loudspeakers: `loaxactl live --file` of a recording paced in real time as a
# microphone is, with a marker (a 0.5-s falling sweep) every 6 s, through the
# district's icecast2 over TLS (both as loaxa-district init makes them), to N
# real loaxad (default 2), each on its own virtual sound card
# (tests/vcard/vcard.c: plays in real time like hardware and records what it
# played and when). Prints
#   live_latency median_ms=M worst_ms=W n=N markers=K
# where a marker's latency is from the moment the office put it out (the
# recording starts as `live` says it is on air: the time of that line, plus
# the marker's place in the recording) to when a station's card played it
# (where the capture gets loud, tests/tools/pcm_onset: a lossy codec keeps the
# loudness of a sound, not its waveform; and when from the card's log); M and W are over
# every marker the stations heard (K in all; the first, 5 s in, only if the
# station had joined by then: the alert, its helper's start, the
# connection). A station that hears no marker counts as missing (exit
# status 1).
#
# Usage: tests/bench/live_latency.sh BUILD [N]
. tests/lib.sh
. tests/bench/heard.sh
N=${2:-2}
TOOLS=$BUILD/tools
SPACING=6		# seconds between markers
MARKERS=6
say() { echo "# $*" >&2; }

start_broker >/dev/null || exit 1
start_stream_server >/dev/null || exit 1
CFG=$DISTRICT/district.cfg

# The office's sound: a low hum, and a marker 5 s in and every 6 s after.
sox -V1 -R -n -r 48000 -b 16 -c 1 "$T/marker.wav" synth 0.5 sine 2400-400 gain -3 || exit 1
sox -V1 -R -n -r 48000 -b 16 -c 1 "$T/gap.wav" synth $((SPACING - 1)).5 sine 120 gain -30 || exit 1
sox -V1 -R -n -r 48000 -b 16 -c 1 "$T/lead.wav" synth 5 sine 120 gain -30 || exit 1
set -- "$T/lead.wav"
k=0
while [ "$k" -lt "$MARKERS" ]; do set -- "$@" "$T/marker.wav" "$T/gap.wav"; k=$((k + 1)); done
sox -V1 "$@" "$T/office.wav" || exit 1

i=1
while [ "$i" -le "$N" ]; do
	d=$T/st$i
	mkdir -p "$d"
	vcard_setup "st$i" >/dev/null || exit 1
	station_config "$d" "xa-$i" "$VCARD_DEV"
	echo "district = { public_key = \"$DISTRICT/district.pub\"; };" >>"$d/loaxa.cfg"
	start_station "$d" || { say "station $i did not start"; exit 1; }
	i=$((i + 1))
done
connected() {
	"$BUILD/loaxactl" -s "$1/control.sock" status --json 2>/dev/null |
		jq -e '.mqtt.connected == true' >/dev/null
}
i=1
while [ "$i" -le "$N" ]; do
	wait_for 20 connected "$T/st$i" || { say "station $i is not connected"; exit 1; }
	i=$((i + 1))
done

"$BUILD/loaxactl" live -c "$CFG" --file "$T/office.wav" --title "Đo độ trễ" >"$T/live.out" 2>"$T/live.err" &
L=$!
PIDS="$PIDS $L"
wait_for 20 grep -q '^LIVE on' "$T/live.out" || { say "live did not go on air"; cat "$T/live.err" >&2; exit 1; }
# The recording starts as the line is written (the file's time, in ns).
t0=$(stat -c '%.9Y' "$T/live.out" | tr -d .)
wait "$L"

# marker_at I: when marker I (from 0) was put out, in ns.
marker_at() { echo $(( t0 + (5 + $1 * SPACING) * 1000000000 )); }
lat=""
heard_n=0
i=1
while [ "$i" -le "$N" ]; do
	raw=$T/st$i.raw
	log=$T/st$i.log
	wait_for 10 sh -c "[ \$(tail -n 1 '$log' | awk '{ print \$3 }') = close ]" ||
		say "station $i: its card did not close"
	from=0 heard=0
	# Each marker: where the capture first gets loud (the hum stays 27 dB below).
	while onset=$("$TOOLS/pcm_onset" "$raw" 8000 "$from" "$(card_frames "$raw")"); do
		when=$("$TOOLS/vcard_report" "$log" --when "$onset" | awk '$1 == "when" { print $2 }')
		# Which marker it is: the one put out in the 6 s before it was heard.
		m=$(( (when - t0 - 5000000000) / (SPACING * 1000000000) ))
		ms=$(( (when - $(marker_at "$m")) / 1000000 ))
		say "station $i: marker $m heard $ms ms after the office put it out"
		lat="$lat $ms"
		heard=1
		from=$(( onset + 48000 ))
	done
	[ "$heard" = 1 ] && heard_n=$((heard_n + 1))
	i=$((i + 1))
done
set -- $(echo $lat | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END {
	if (NR == 0) { print "- -"; exit } print v[int((NR + 1) / 2)], v[NR] }')
echo "live_latency median_ms=$1 worst_ms=$2 n=$heard_n markers=$(echo $lat | wc -w)"
[ "$heard_n" -eq "$N" ]
