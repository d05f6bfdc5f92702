#!/bin/sh
# District alerts end to end, on the virtual sound card, which plays like
# hardware (../shared/testing.md), with a real broker:
# loaxactl alert publishes, the station verifies, fetches and plays it,
# cutting into a normal bulletin; cancel stops it at once; a repeat plays
# again; a test alert is reported and silent; a replayed or forged alert is
# refused with the reason; mute holds an alert; an expired alert is not
# played by a station that comes online late. Every wait is for an event.
. tests/lib.sh
R=hon-quan

REPORT=$BUILD/tools/vcard_report
now_ns() { date +%s%N; }
card_closed() { [ "$(tail -n 1 "$VCARD_LOG" | awk '{ print $3 }')" = close ]; }
opens() { grep -c ' open$' "$VCARD_LOG"; }
# runs_since N: what ended each run of the card after the first N, in order.
runs_since() { "$REPORT" "$VCARD_LOG" | awk '$1 == "start" { print $4 }' | tail -n +$(( $1 + 1 )) | tr '\n' ' '; }
nruns() { "$REPORT" "$VCARD_LOG" | grep -c '^start '; }

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
vcard_setup canh-bao
station_config "$S" xa-canh-bao "$VCARD_DEV"
"$BUILD/loaxactl" keygen "$T/district.key" >/dev/null
"$BUILD/loaxactl" keygen "$T/intruder.key" >/dev/null
echo "district = { public_key = \"$T/district.key.pub\"; };" >>"$S/loaxa.cfg"
mosquitto_sub $(mqtt_opts district.monitor) -v -q 1 -t "loaxa/+/+/events" -t "$PING_TOPIC" \
	>"$T/bus.log" 2>/dev/null &
PIDS="$PIDS $!"
wait_for 5 sub_live "$T/bus.log" || notok "the district's subscriber is live"
start_station "$S"

# A short alert of our own (3 s), with a Vietnamese name.
sox -n -r 48000 -c 1 -b 16 "$T/a.wav" synth 3 sine 660
opusenc --quiet "$T/a.wav" "$T/cảnh báo lũ.opus"
SHORT="$T/cảnh báo lũ.opus"
alert() { "$BUILD/loaxactl" alert "$@" --region $R --key "$T/district.key" $BROKER_OPTS; }
E=$T/events.json
ev_has() { events "$T/bus.log" >"$E"; jq_any "$E" "$1"; }
ev_count() { events "$T/bus.log" | jq -s "[.[] | select($1)] | length"; }

# 1. An emergency alert cuts into a normal bulletin, which plays again from its start.
ctl "$S" queue "$FIX/long.opus" --title "Bản tin dài" >/dev/null
check "a long normal bulletin plays" wait_for 15 vcard_heard_by_now 96000
t_a1=$(now_ns)
out=$(alert "$FIX/thông báo.opus" --title "Bão số 9"); rc=$?
A1=$(echo "$out" | head -n 1)
echo "# $out"
check "loaxactl alert exits 0 and prints the id first" sh -c "[ $rc -eq 0 ] && [ -n '$A1' ] && echo '$out' | grep -q 'Published emergency alert'"
check "the station reports the alert received, with its sequence and delay" \
	wait_for 10 ev_has ".event==\"alert_received\" and .id==\"$A1\" and .class==\"emergency\" and .sequence > 0 and .delay_ms >= 0 and .test==false"
check "the alert starts, from the alert, with the delay from publish to audio" \
	wait_for 10 ev_has ".event==\"started\" and .alert_id==\"$A1\" and .source==\"alert\" and .delay_ms >= 0"
check "the normal bulletin is reported interrupted" \
	ev_has '.event=="interrupted" and .title=="Bản tin dài" and .seconds > 1.5'
check "the alert finishes" wait_for 30 ev_has ".event==\"finished\" and .alert_id==\"$A1\""
restarted() { [ "$(events "$T/bus.log" started | jq -r 'select(.title=="Bản tin dài") | .play_id' | sort -u | wc -l)" -ge 2 ]; }
check "the normal bulletin starts again after the alert" wait_for 10 restarted
secs=$(events "$T/bus.log" interrupted | jq -r 'select(.title=="Bản tin dài") | .seconds' | head -n 1)
"$BUILD/tools/opus_refdecode" "$FIX/long.opus" "$T/long.raw" 1 480000
"$BUILD/tools/opus_refdecode" "$FIX/thông báo.opus" "$T/em.raw" 1
vcard_check_cut_in "$T/long.raw" "$secs" "$T/em.raw" "$t_a1" 10 alert
for id in $(ctl "$S" list --json | jq -r '.queue[].id'); do ctl "$S" cancel "$id" >/dev/null; done
ctl "$S" stop >/dev/null 2>&1
check "the card is closed after the stop" wait_for 5 card_closed

# 2. A cancelled alert stops at once; the old alert replayed afterwards is refused.
runs2=$(nruns)
A2=$(alert "$FIX/long.opus" --title "Cảnh báo dài" --class priority | head -n 1)
check "a long priority alert starts" wait_for 10 ev_has ".event==\"started\" and .alert_id==\"$A2\""
mqtt_sub -C 1 -W 5 -t "loaxa/$R/alert/$A2" >"$T/a2.json" 2>/dev/null
out=$(alert --cancel "$A2"); rc=$?
check "loaxactl alert --cancel exits 0 and says so" sh -c "[ $rc -eq 0 ] && echo '$out' | grep -q Cancelled"
check "the playing alert stops: cancelled" wait_for 5 ev_has ".event==\"cancelled\" and .alert_id==\"$A2\""
check "the cancellation is reported, with the alert active" \
	wait_for 5 ev_has ".event==\"alert_cancelled\" and .id==\"$A2\" and .active==true"
stopped() { ctl "$S" status --json | jq -e '.state == "idle"' >/dev/null; }
check "the station is idle after the cancel" wait_for 5 stopped
check "the card is closed after the cancel" wait_for 5 card_closed
echo "# runs of the card for the cancelled alert (after the first $runs2): $(runs_since "$runs2")"
check "the cancel cut the alert off on the card, without an underrun" \
	sh -c "[ '$(runs_since "$runs2")' = 'stop ' ] && [ $(vcard_fact xruns) -eq 0 ]"
mqtt_pub -q 1 -t "loaxa/$R/alert/$A2" -f "$T/a2.json"
check "the alert replayed after its cancel is refused as not newer" \
	wait_for 5 ev_has ".event==\"alert_refused\" and .id==\"$A2\" and .code==\"not_newer\""
out=$(alert --cancel "no-such-alert" 2>&1); rc=$?
check "cancelling an alert that is not on the broker is refused and explained" \
	sh -c "[ $rc -eq 1 ] && echo '$out' | grep -q 'no alert'"

# 3. A forged alert (another key) is refused.
"$BUILD/loaxactl" alert "$SHORT" --region $R --key "$T/intruder.key" $BROKER_OPTS \
	--id forged >/dev/null
check "an alert signed by another key is refused: bad_signature" \
	wait_for 5 ev_has '.event=="alert_refused" and .id=="forged" and .code=="bad_signature" and (.reason | test("not by the district key"))'
check "the forged alert never plays" [ "$(ev_count '.alert_id=="forged"')" -eq 0 ]

# 4. A repeated alert plays again, then is cancelled.
runs4=$(nruns)
A3=$(alert "$SHORT" --repeat 6s --until +60s --title "Lặp lại" | head -n 1)
twice() { [ "$(ev_count ".event==\"finished\" and .alert_id==\"$A3\"")" -ge 2 ]; }
check "a repeated alert plays twice" wait_for 20 twice
status_rep() { ctl "$S" status --json | jq -e ".alerts.active[] | select(.id==\"$A3\") | .repeat == 6 and .plays >= 2" >/dev/null; }
check "the status lists the repeating alert" status_rep
alert --cancel "$A3" >/dev/null
check "the repeat ends with the cancel" wait_for 5 ev_has ".event==\"alert_cancelled\" and .id==\"$A3\""
# The second play's "finished" can reach us before the card has logged the
# drain of its last frames: wait for the card's own record.
played_twice() {
	"$REPORT" "$VCARD_LOG" >"$T/a3.rep"
	runs_since "$runs4" | grep -q '^drain drain ' && grep -qx 'xruns 0' "$T/a3.rep"
}
check "the card played it out twice, without an underrun" wait_for 5 played_twice
set -- $(grep '^start ' "$T/a3.rep" | tail -n +$(( runs4 + 1 )) | awk '{ print $2 }')
echo "# the repeat was heard $(( ($2 - $1) / 1000000 )) ms after the first play began"
check "the repeat is heard no sooner than its interval after the first play (not back to back)" \
	[ "$2" -ge "$(( $1 + 5900000000 ))" ]

# 5. A test alert is received and reported, but silent.
wait_for 5 card_closed
opens5=$(opens)
A4=$(alert "$SHORT" --test --title "Thử" | head -n 1)
check "a test alert is received as a test" \
	wait_for 10 ev_has ".event==\"alert_received\" and .id==\"$A4\" and .test==true"
check "a test alert is reported silent" wait_for 5 ev_has ".event==\"silent\" and .alert_id==\"$A4\" and .test==true"
check "a test alert does not play" [ "$(ev_count ".event==\"started\" and .alert_id==\"$A4\"")" -eq 0 ]
check "the card stays closed for a test alert" sh -c "[ $(opens) -eq $opens5 ] && [ '$(tail -n 1 "$VCARD_LOG" | awk '{ print $3 }')' = close ]"

# 6. Mute holds an alert; it is reported, and plays on unmute.
ctl "$S" mute >/dev/null
A5=$(alert "$SHORT" --until +120s --title "Khi tắt tiếng" | head -n 1)
check "while muted, the alert is still received and reported" \
	wait_for 10 ev_has ".event==\"alert_received\" and .id==\"$A5\""
held() { ctl "$S" status --json | jq -e '.muted != null and .state == "idle"' >/dev/null; }
check "while muted nothing plays" held
check "and the alert has not started" [ "$(ev_count ".event==\"started\" and .alert_id==\"$A5\"")" -eq 0 ]
check "and the card stays closed" sh -c "[ $(opens) -eq $opens5 ] && [ '$(tail -n 1 "$VCARD_LOG" | awk '{ print $3 }')' = close ]"
runs6=$(nruns)
frame6=$(( $(stat -c %s "$VCARD_RAW") / 2 ))
ctl "$S" unmute >/dev/null
check "after unmute the held alert plays" wait_for 10 ev_has ".event==\"started\" and .alert_id==\"$A5\""
wait_for 10 ev_has ".event==\"finished\" and .alert_id==\"$A5\""
wait_for 5 card_closed
check "the card played the held alert out, without an underrun" \
	sh -c "[ '$(runs_since "$runs6")' = 'drain ' ] && [ $(vcard_fact xruns) -eq 0 ]"
# The stations got the tone brought to the bulletins' loudness: import makes the same bytes.
"$BUILD/loaxactl" import "$SHORT" "$T/short-sent.opus" >/dev/null
"$BUILD/tools/opus_refdecode" "$T/short-sent.opus" "$T/short.raw" 1
tail -c +$(( frame6 * 2 + 1 )) "$VCARD_RAW" >"$T/a5.raw"
set -- $("$BUILD/tools/pcm_compare" "$T/short.raw" "$T/a5.raw" 1 200)
echo "# pcm_compare held alert / capture after the unmute: $*"
check "the card heard the held alert whole" \
	sh -c "[ $1 -eq $2 ] && [ $3 -eq 0 ] && awk 'BEGIN { exit !($4 >= 50) }'"

# 7. A station offline when an alert is published, back after it expired: not played.
kill "$STATION_PID"; wait "$STATION_PID" 2>/dev/null
opens7=$(opens)
A6=$(alert "$SHORT" --until +3s --title "Hết hạn" | head -n 1)
until_at=$(( $(date +%s) + 4 ))
past() { [ "$(date +%s)" -ge "$until_at" ]; }
wait_for 10 past
start_station "$S"
check "an expired alert is refused by a station that comes online late" \
	wait_for 10 ev_has ".event==\"alert_refused\" and .id==\"$A6\" and .code==\"expired\""
check "and it is not played" [ "$(ev_count ".alert_id==\"$A6\"")" -eq 0 ]
check "after the restart the earlier alerts are not played again" \
	[ "$(ev_count ".event==\"started\" and .alert_id==\"$A1\"")" -eq 1 ]
check "and the card is not opened after the restart" [ "$(opens)" -eq "$opens7" ]
