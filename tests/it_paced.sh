#!/bin/sh
# Real-time playback on the virtual sound card, which plays like hardware
# (../shared/testing.md): a one-off slot starts at its second, and
# 'loaxactl stop' cuts off what plays.
. tests/lib.sh

REPORT=$BUILD/tools/vcard_report
now_ns() { date +%s%N; }
# heard_by_now FRAME: frame FRAME of the capture has been heard already.
heard_by_now() {
	_w=$("$REPORT" "$VCARD_LOG" --when "$1") || return 1
	[ "${_w#when }" -le "$(now_ns)" ]
}

start_broker || { notok "broker starts"; exit 1; }
vcard_setup paced
S=$T/station
mkdir -p "$S"
cp "$FIX/long.opus" "$S/dài.opus"
AT=$(at_plus 3)
cat >"$S/schedule.cfg" <<EOF2
slots = ( { title = "Bản tin dài"; at = "$AT"; items = ( { file = "dài.opus"; } ); } );
EOF2
station_config "$S" paced "$VCARD_DEV" "$S/schedule.cfg"
subscribe "$T/mqtt.log"
start_station "$S"

has_onset() { [ -n "$(vcard_fact onset)" ]; }
check "the slot's first audio reaches the card" wait_for 20 has_onset
onset=$(vcard_fact onset)
due_ns=$(( $(date -d "$AT" +%s) * 1000000000 ))
echo "# first frame heard at $onset, slot due at $due_ns ($(( (onset - due_ns) / 1000000 )) ms after)"
check "not before its second" [ "$onset" -ge "$due_ns" ]
check "within its second" [ "$onset" -lt "$(( due_ns + 1000000000 ))" ]
playing() { ctl "$S" status --json | jq -e '.state == "playing" and .playing.title == "dài"' >/dev/null; }
check "status shows what plays and since when" playing

# The slot is 20 minutes long: stop it after a little while.
check "a second of audio is heard in real time" wait_for 10 heard_by_now 48000
check "the bulletin is still playing" playing
interrupted() {
	events "$T/mqtt.log" >"$T/events.json"
	jq_any "$T/events.json" '.event=="interrupted" and .seconds > 0.5 and .seconds < 600 and (.error | test("operator"))'
}
out=$(ctl "$S" stop); rc=$?
check "loaxactl stop exits 0" [ "$rc" -eq 0 ]
check "the cut-off bulletin is reported interrupted, with the seconds played" \
	wait_for 10 interrupted
idle() { ctl "$S" status --json | jq -e '.state == "idle"' >/dev/null; }
check "the station is idle after stop" wait_for 5 idle
closed_card() { [ "$(tail -n 1 "$VCARD_LOG" | awk '{ print $3 }')" = close ]; }
check "and has closed the card" wait_for 5 closed_card
"$REPORT" "$VCARD_LOG" >"$T/stop.rep"
sed 's/^/#   /' "$T/stop.rep"
check "the slot played as one run of the card, cut off by the stop" \
	sh -c "[ \$(grep -c '^start ' '$T/stop.rep') -eq 1 ] && grep -q '^start .* stop\$' '$T/stop.rep'"
check "no underrun while it played" grep -qx 'xruns 0' "$T/stop.rep"
heard=$(awk '$1 == "start" { print $3; exit }' "$T/stop.rep")
secs=$(events "$T/mqtt.log" interrupted | jq -r 'select(.title=="dài") | .seconds' | head -n 1)
echo "# interrupted after $secs s; the card heard $heard frames"
check "the seconds reported are what the card played (within 0.25 s)" \
	awk -v s="$secs" -v h="$heard" 'BEGIN { d = s - h / 48000; exit !(d < 0.25 && d > -0.25) }'
"$BUILD/tools/opus_refdecode" "$FIX/long.opus" "$T/long.raw" 1 96000
set -- $("$BUILD/tools/pcm_find" "$T/long.raw" "$VCARD_RAW" 1 0 4800 48000)
echo "# the bulletin at frame $1 of the capture, SNR $2 dB over its first second"
check "what the card played is the bulletin from its start" sh -c "[ $1 -eq 0 ] && awk 'BEGIN { exit !($2 >= 40) }'"

# A power cut mid-bulletin: after the restart the play gets its end, with its details.
ctl "$S" queue "$S/dài.opus" --title "Bản tin mất điện" >/dev/null
cut_started() { events "$T/mqtt.log" started | grep -q '"title":"Bản tin mất điện"'; }
wait_for 10 cut_started
kill -9 "$STATION_PID"; wait "$STATION_PID" 2>/dev/null
rm -f "$S/control.sock"
start_station "$S"
closed() {
	events "$T/mqtt.log" interrupted >"$T/int.json"
	jq_any "$T/int.json" '.title == "Bản tin mất điện" and .file == "dài.opus" and .source == "queue" and (.error | test("restarted"))'
}
check "a play cut off by a power cut is closed after the restart, with its title and file" wait_for 15 closed
