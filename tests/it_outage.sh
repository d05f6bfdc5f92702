#!/bin/sh
# A broker outage while the station plays several slots, on the virtual sound
# card, which plays like hardware and runs dry when it is not fed
# (../shared/testing.md): the broker is stopped just before the slots start
# and comes back while the last one plays, so that the lost connection, the
# attempts to reconnect, the reconnection and the flood of records held back
# all happen while the loudspeakers play. The card must hear every slot at its
# second, each bulletin whole, with no underrun and no silence inserted. When
# the broker is back every record arrives, in order, each (play_id, event)
# counted once however many times it was delivered. The collector keeps a
# persistent session on a broker that persists it, so that it misses nothing
# while the broker is down, whoever reconnects first.
. tests/lib.sh

REPORT=$BUILD/tools/vcard_report
# The district's broker persists sessions (persistence true in the
# configuration loaxa-district writes); the collector is an identity of its
# own, district.collector, whose session is that identity's (the broker takes
# the certificate's name as the client id; mosquitto_sub -c wants one given).
BROKER_CLIENTS=collector
start_broker || { notok "broker starts"; exit 1; }
# shellcheck disable=SC2046
mosquitto_sub $(mqtt_opts district.collector) -c -i district.collector -q 1 -v -t 'loaxa/+/+/events' \
    >"$T/collector.log" 2>"$T/collector.err" &
PIDS="$PIDS $!"
coll_live() {
	mqtt_pub -q 1 -t loaxa/hon-quan/publish/events -m '{"ping":1}' &&
	grep -q 'ping' "$T/collector.log"
}
wait_for 10 coll_live

vcard_setup mat-mang
S=$T/station
mkdir -p "$S"
# Short bulletins, each its own tone, so that the slots are short and the
# capture shows what played where; the last slot is long enough to play
# through the broker's return (it is stopped once every record has arrived).
# Each is prepared as loaxactl prepares what it queues, so that the queued one
# is sent as it is and every reference is what the card plays.
tone() {	# NAME HZ: 1.5 s of a tone in $S/NAME.opus, its reference decode in $T/NAME.raw
	sox -n -r 48000 -c 1 -b 16 "$T/$1.wav" synth 1.5 sine "$2" vol 0.5 &&
	opusenc --quiet "$T/$1.wav" "$T/$1-tone.opus" &&
	"$BUILD/loaxactl" import "$T/$1-tone.opus" "$S/$1.opus" >/dev/null &&
	"$BUILD/tools/opus_refdecode" "$S/$1.opus" "$T/$1.raw" 1
}
tone "trước" 330 && tone "một" 440 && tone "hai" 550 && tone "ba" 660 && tone "bốn" 770 ||
	{ notok "the test's bulletins are made"; exit 1; }
cp "$FIX/long.opus" "$S/năm.opus"
cat "$T/trước.raw" "$T/một.raw" "$T/hai.raw" "$T/ba.raw" "$T/bốn.raw" >"$T/ref.raw"
frames4=$(( $(stat -c %s "$T/ref.raw") / 2 ))	# where the fourth slot begins in the capture
cat >"$S/schedule.cfg" <<EOF2
slots = ( { title = "Bản tin xa"; at = "2099-01-01 06:00"; items = ( { file = "một.opus"; } ); } );
EOF2
station_config "$S" xa-mat-mang "$VCARD_DEV" "$S/schedule.cfg"
start_station "$S"
connected() { ctl "$S" status --json | jq -e '.mqtt.connected == true' >/dev/null; }
check "the station connects to the broker" wait_for 20 connected
id=$(ctl "$S" queue "$S/trước.opus" --title "Trước khi mất mạng" | head -n 1)
# jq -e answers for the last record only: jq_any looks at them all.
coll_has() { events "$T/collector.log" >"$T/coll.json"; jq_any "$T/coll.json" "$1"; }
before() { coll_has ".queue_id == $id and .event == \"finished\""; }
check "a bulletin played before the outage reaches the collector" wait_for 30 before

stop_broker
A1=$(at_plus 3); A2=$(at_plus 5); A3=$(at_plus 7); A4=$(at_plus 11)
cat >"$S/schedule.cfg" <<EOF2
slots = (
  { title = "Slot 1"; at = "$A1"; items = ( { file = "một.opus"; title = "Một"; } ); },
  { title = "Slot 2"; at = "$A2"; items = ( { file = "hai.opus"; title = "Hai"; } ); },
  { title = "Slot 3"; at = "$A3"; items = ( { file = "ba.opus"; title = "Ba"; },
                                            { file = "bốn.opus"; title = "Bốn"; } ); },
  { title = "Slot 4"; at = "$A4"; items = ( { file = "năm.opus"; title = "Năm"; } ); }
);
EOF2
check "the schedule of four slots is loaded with the broker down" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' reload >/dev/null"
local_records() { ctl "$S" log --json | jq '[.records[] | select(.slot != null)] | length'; }
# Three slots played (four bulletins, two records each), the fourth started, and heard for a second.
first_three() { [ "$(local_records)" -ge 9 ]; }
check "with the broker down, the station plays three slots and starts the fourth" wait_for 60 first_three
onsets() { "$REPORT" "$VCARD_LOG" | grep -c '^onset '; }
fifth_run() { [ "$(onsets)" -ge 5 ]; }
wait_for 10 fifth_run
check "the fourth slot is heard on the card" wait_for 10 vcard_heard_by_now $(( frames4 + 48000 ))
check "and the station knows the district link is down" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' status --json | jq -e '.mqtt.connected == false' >/dev/null"

restart_broker || notok "the broker comes back"
check "the station reconnects while the fourth slot plays" wait_for 60 connected
# Every record of a play but the fourth slot's end, flushed while it plays.
arrived() {
	ctl "$S" log --json | jq -c '.records[] | select(.play_id != null) | {play_id, event}' >"$T/want.jsonl"
	events "$T/collector.log" | jq -c 'select(.play_id != null) | {play_id, event}' >"$T/got.jsonl"
	[ -z "$(sort -u "$T/want.jsonl" | comm -23 - "$(sort -u "$T/got.jsonl" >"$T/got.sorted"; echo "$T/got.sorted")")" ]
}
check "after the outage every record held back reaches the collector" wait_for 90 arrived
playing4() { ctl "$S" status --json | jq -e '.state == "playing" and .playing.title == "Năm"' >/dev/null; }
check "while the fourth slot still plays" playing4
ctl "$S" stop >/dev/null
stopped() { coll_has '.event == "interrupted" and .title == "Năm"'; }
check "the fourth slot, stopped, is reported at once" wait_for 20 stopped
closed() { [ "$(tail -n 1 "$VCARD_LOG" | awk '{ print $3 }')" = close ]; }
wait_for 10 closed
wait_for 10 arrived
want=$(wc -l <"$T/want.jsonl")
got=$(wc -l <"$T/got.jsonl")
distinct=$(sort -u "$T/got.jsonl" | wc -l)
echo "# $want records in the station's log; the collector got $got messages, $distinct distinct"
# The collector's first sighting of each record, in the order it came.
awk '!seen[$0]++' "$T/got.jsonl" >"$T/first.jsonl"
check "they arrive in the order they were recorded" cmp -s "$T/want.jsonl" "$T/first.jsonl"
check "counted by play_id and event, nothing is counted twice" [ "$distinct" -eq "$want" ]
check "every play has one started and one end" \
	sh -c "jq -s -e 'group_by(.play_id) | all(length == 2 and .[0].event == \"started\")' '$T/first.jsonl' >/dev/null"

# What the card heard, and when: one run for the bulletin before the outage,
# one for each slot (the third slot's two bulletins back to back).
"$REPORT" "$VCARD_LOG" >"$T/rep"
sed 's/^/#   /' "$T/rep"
check "five runs of the card: four played out, the last slot stopped" \
	[ "$(awk '$1 == "start" { printf "%s ", $4 }' "$T/rep")" = "drain drain drain drain stop " ]
check "no underrun through the outage and the broker's return" grep -qx 'xruns 0' "$T/rep"
check "no silence inserted" grep -qx 'starved_ms 0.0' "$T/rep"
on_time() {	# N AT: the card's Nth run began within the second AT names
	_on=$(awk -v n="$1" '$1 == "start" && ++i == n { print $2 }' "$T/rep")
	_due=$(( $(date -d "$2" +%s) * 1000000000 ))
	echo "# run $1 heard $(( (_on - _due) / 1000000 )) ms after $2"
	[ "$_on" -ge "$_due" ] && [ "$_on" -lt $(( _due + 1000000000 )) ]
}
check "slot 1 is heard at its second" on_time 2 "$A1"
check "slot 2 is heard at its second" on_time 3 "$A2"
check "slot 3 is heard at its second" on_time 4 "$A3"
check "slot 4 is heard at its second" on_time 5 "$A4"
head -c "$(stat -c %s "$T/ref.raw")" "$VCARD_RAW" >"$T/head.raw"
set -- $("$BUILD/tools/pcm_compare" "$T/ref.raw" "$T/head.raw" 1 200)
echo "# pcm_compare the five short bulletins / the capture's beginning: $*"
check "the card heard the five short bulletins whole, in order" \
	sh -c "[ $3 -eq 0 ] && awk 'BEGIN { exit !($4 >= 50) }'"
"$BUILD/tools/opus_refdecode" "$S/năm.opus" "$T/năm.raw" 1 96000
set -- $("$BUILD/tools/pcm_find" "$T/năm.raw" "$VCARD_RAW" 1 $(( frames4 - 2400 )) $(( frames4 + 2400 )) 96000)
check "then the fourth slot from its start (SNR $2 dB)" ge "$2" 40
check "the outage did not stop the station" kill -0 "$STATION_PID"
