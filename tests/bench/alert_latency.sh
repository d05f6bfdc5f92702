#!/bin/sh
# The district's alert chain end to end: N real loaxad (default 20), each on
# its own real-time paced ALSA sink whose reader (tests/tools/stamp_reader)
# stamps the wall-clock arrival of the first audio byte; one real broker on
# loopback; one `loaxactl alert`. Prints
#   alert_latency_ms median=X worst=Y n=N
# measured from just before `loaxactl alert` starts (so it includes checking
# and signing the bulletin, connecting, publishing the chunks and the alert,
# every station's fetch, verification and hash, and the ALSA pipe) to each
# station's first byte. A station that never plays counts as missing: the
# line then says n=<how many played> of N, and the exit status is 1.
#
# Usage: tests/bench/alert_latency.sh BUILD [N]
. tests/lib.sh
N=${2:-20}
R=hon-quan
TOOLS=$BUILD/tools
say() { echo "# $*" >&2; }

start_broker || exit 1
"$BUILD/loaxactl" keygen "$T/district.key" >/dev/null || exit 1
# A spoken alert of a few seconds, as a district would send.
espeak-ng -v vi -s 150 -w "$T/a.wav" "Cảnh báo bão số chín. Bà con không ra khơi." 2>/dev/null ||
	sox -n -r 48000 -c 1 -b 16 "$T/a.wav" synth 4 sine 660
opusenc --quiet "$T/a.wav" "$T/cảnh báo bão.opus" || exit 1

sdir() { printf '%s/st%02d' "$T" "$1"; }
i=1
while [ "$i" -le "$N" ]; do
	d=$(sdir "$i")
	mkdir -p "$d"
	sink="file:'|pv -q -B 4096 -L 96000 | $TOOLS/stamp_reader $d/stamp >/dev/null',raw"
	station_config "$d" "xa-$i" "$sink"
	echo "district = { public_key = \"$T/district.key.pub\"; };" >>"$d/loaxa.cfg"
	start_station "$d" || { say "station $i did not start"; exit 1; }
	i=$((i + 1))
done
connected() {
	"$BUILD/loaxactl" -s "$1/control.sock" status --json 2>/dev/null |
		jq -e '.mqtt.connected == true' >/dev/null
}
i=1
while [ "$i" -le "$N" ]; do
	wait_for 20 connected "$(sdir "$i")" || say "station $i is not connected to the broker"
	rm -f "$(sdir "$i")/stamp"
	i=$((i + 1))
done

t0=$(date +%s.%N)
"$BUILD/loaxactl" alert "$T/cảnh báo bão.opus" --region $R --key "$T/district.key" \
	$BROKER_OPTS --title "Bão số 9" >"$T/alert.out" || { say "loaxactl alert failed"; exit 1; }
t1=$(date +%s.%N)
all_stamped() {
	i=1
	while [ "$i" -le "$N" ]; do
		[ -s "$(sdir "$i")/stamp" ] || return 1
		i=$((i + 1))
	done
}
wait_for 30 all_stamped || say "not every station played the alert within 30 s"
: >"$T/lat"
i=1
while [ "$i" -le "$N" ]; do
	s=$(sdir "$i")/stamp
	[ -s "$s" ] && awk -v a="$t0" -v b="$(cat "$s")" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$T/lat"
	i=$((i + 1))
done
say "loaxactl alert itself took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }') ms"
sort -n "$T/lat" | awk -v n="$N" '
	{ a[NR] = $1 }
	END {
		if (NR == 0) { printf "alert_latency_ms median=- worst=- n=0 of %d\n", n; exit 1 }
		med = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		if (NR < n) { printf "alert_latency_ms median=%.1f worst=%.1f n=%d of %d\n", med, a[NR], NR, n; exit 1 }
		printf "alert_latency_ms median=%.1f worst=%.1f n=%d\n", med, a[NR], NR
	}'
