#!/bin/sh
# Real-time playback on a paced sink (../shared/testing.md): a one-off slot
# starts at its second, and 'loaxactl stop' cuts off what plays.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
cp "$FIX/long.opus" "$S/dài.opus"
AT=$(at_plus 3)
cat >"$S/schedule.cfg" <<EOF
slots = ( { title = "Bản tin dài"; at = "$AT"; items = ( { file = "dài.opus"; } ); } );
EOF
SINK="file:'|pv -q -B 4096 -L 96000 | $BUILD/tools/stamp_reader $S/stamp > $S/out.raw',raw"
station_config "$S" paced "$SINK" "$S/schedule.cfg"
subscribe "$T/mqtt.log"
start_station "$S"

check "the slot's first audio reaches the sink" wait_for 20 test -s "$S/stamp"
stamp=$(cat "$S/stamp")
due=$(date -d "$AT" +%s)
echo "# first byte at $stamp, slot due at $due"
check "not before its second" ge "$stamp" "$due"
check "within its second" ge "$(( due + 1 ))" "$stamp"
playing() { ctl "$S" status --json | jq -e '.state == "playing" and .playing.title == "dài"' >/dev/null; }
check "status shows what plays and since when" playing

# The slot is 20 minutes long: stop it after a little while.
one_second() { [ "$(stat -c %s "$S/out.raw")" -gt 96000 ]; }
check "a second of audio reaches the sink in real time" wait_for 10 one_second
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
