#!/bin/sh
# A live broadcast from the district office to its stations, end to end: the
# district's broker and stream server (icecast2 over TLS) as loaxa-district
# init makes them, 'loaxactl live --file' at the office, and two real
# stations on virtual sound cards, which play like hardware
# (../shared/testing.md). Each station cuts its normal bulletin off at once,
# relays the district's mount over TLS (trusted through the district CA), and
# its loudspeakers play the office's sound; 'loaxactl live --stop' ends it on
# both, "finished" with the seconds relayed, and the bulletin that was cut
# off plays again. A live alert for a mount that is not there fails clearly.
. tests/lib.sh
R=hon-quan

start_broker || { notok "broker starts"; exit 1; }
start_stream_server || { notok "the stream server starts"; exit 1; }
CFG=$DISTRICT/district.cfg
live() { "$BUILD/loaxactl" live -c "$CFG" "$@"; }
on_air() { grep -q '^LIVE on' "$1"; }

# The office's sound: the sweep, eight times over (48 s).
sweep_source
sox -V1 "$T/sweep.wav" "$T/office.wav" repeat 7

mosquitto_sub $(mqtt_opts district.monitor) -v -q 1 -t "loaxa/+/+/events" -t "$PING_TOPIC" \
	>"$T/bus.log" 2>/dev/null &
PIDS="$PIDS $!"
wait_for 5 sub_live "$T/bus.log" || notok "the district's subscriber is live"
E=$T/events.json
ev_has() { events "$T/bus.log" >"$E"; jq_any "$E" "$1"; }

# Two stations, each on its own card, each playing a long normal bulletin.
for x in a b; do
	d=$T/st-$x
	mkdir -p "$d"
	vcard_setup "xa-$x"
	station_config "$d" "xa-$x" "$VCARD_DEV"
	echo "district = { public_key = \"$DISTRICT/district.pub\"; };" >>"$d/loaxa.cfg"
	start_station "$d" || notok "station $x starts"
	ctl "$d" queue "$FIX/long.opus" --title "Bản tin dài" >/dev/null
done
heard() { [ -s "$T/xa-$1.raw" ] && [ "$(wc -c <"$T/xa-$1.raw")" -ge 96000 ]; }
for x in a b; do check "xa-$x plays its bulletin" wait_for 15 heard "$x"; done

# 1. Live: both stations cut in at once and relay the office's sound.
live --file "$T/office.wav" --title "Trực tiếp từ huyện" >"$T/live.out" 2>"$T/live.err" &
L=$!
PIDS="$PIDS $L"
check "the office is on air" wait_for 15 on_air "$T/live.out"
ID=$(head -n 1 "$T/live.out")
for x in a b; do
	check "xa-$x: its bulletin is cut off by the live broadcast" wait_for 15 ev_has \
		".station==\"xa-$x\" and .event==\"interrupted\" and .title==\"Bản tin dài\""
	check "xa-$x: the live broadcast starts, the district's mount over https" wait_for 15 ev_has \
		".station==\"xa-$x\" and .event==\"started\" and .alert_id==\"$ID\" and .source==\"alert\" and
		 .relay==\"$STREAM_URL/live-$ID.opus\" and .class==\"priority\""
done
check "xa-a's relay helper trusts the district's server (TLS)" \
	wait_for 10 grep -q "relaying $STREAM_URL/live-$ID.opus: Ogg Opus" "$T/st-a/loaxad.log"
# What each card played 4 s on from now: the office's sweep.
for x in a b; do eval "f_$x=\$(( \$(wc -c <'$T/xa-$x.raw') / 2 ))"; done
sleep 5
for x in a b; do
	eval "from=\$(( f_$x + 24000 ))"
	check "xa-$x: its loudspeakers play the office's sound" is_sweep "$T/xa-$x.raw" "$from"
done
# The district's fleet view: both stations relay the live broadcast and hear its stream.
fleet_live() {
	"$BUILD/loaxactl" -c "$CFG" stations --json 2>/dev/null | jq -e '[.[] |
	    select(.playing.title == "Trực tiếp từ huyện" and .playing.stream == "on" and
	    ([.problems[].code] | index("stream_away") == null))] | length == 2' >/dev/null
}
check "the fleet view shows both stations relaying the live broadcast, its stream heard" \
	wait_for 10 fleet_live

# 2. --stop from another terminal ends it on both; the bulletin plays again.
check "live --stop ends the broadcast" live --stop
wait "$L"
for x in a b; do
	check "xa-$x: the live broadcast finished, with its seconds" wait_for 15 ev_has \
		".station==\"xa-$x\" and .event==\"finished\" and .alert_id==\"$ID\" and .seconds > 4 and
		 .interruptions == 0 and (has(\"error\") | not)"
	check "xa-$x: the bulletin it cut off plays again" wait_for 15 sh -c \
		"[ \$(grep -a '\"xa-$x\"' '$T/bus.log' | grep -c '\"event\":\"started\".*Bản tin dài') -ge 2 ]"
done
no_helper() { ! pgrep -f "^loaxa-relay .*live-$ID" >/dev/null; }
check "no relay helper is left" wait_for 10 no_helper
check "both stations are still running" sh -c "kill -0 $(pgrep -f "loaxad -c $T/st-a" | head -n 1) &&
	kill -0 $(pgrep -f "loaxad -c $T/st-b" | head -n 1)"
exit 0
