#!/bin/sh
# Classes and the local kill switch, on the real-time paced sink: an emergency
# cuts in, the cut-off bulletin plays again from its start; priority goes
# first; the operator reorders; mute silences everything and is reported.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
# ">>": every opening of the device appends, so the capture holds the whole story.
SINK="file:'|pv -q -B 4096 -L 96000 >> $S/out.raw',raw"
station_config "$S" uu-tien "$SINK"
subscribe "$T/mqtt.log"
start_station "$S"

long_id=$(ctl "$S" queue "$FIX/long.opus" --title "Bản tin dài" | head -n 1)
two_seconds() { [ "$(stat -c %s "$S/out.raw" 2>/dev/null || echo 0)" -gt 192000 ]; }
check "a long normal bulletin plays" wait_for 15 two_seconds
em_id=$(ctl "$S" queue "$FIX/thông báo.opus" --class emergency --title "Khẩn cấp: bão" | head -n 1)
E=$T/events.json
ev_has() { events "$T/mqtt.log" >"$E"; jq_any "$E" "$1"; }
check "the emergency starts" wait_for 5 ev_has '.event=="started" and .class=="emergency" and .title=="Khẩn cấp: bão"'
check "the normal bulletin is reported interrupted, with the seconds played" \
	ev_has '.event=="interrupted" and .title=="Bản tin dài" and .seconds > 1.5 and (.error | test("emergency"))'
check "the emergency finishes" wait_for 30 ev_has '.event=="finished" and .class=="emergency"'
restarted() { [ "$(events "$T/mqtt.log" started | jq -r 'select(.title=="Bản tin dài") | .play_id' | sort -u | wc -l)" -ge 2 ]; }
check "the normal bulletin starts again after the emergency, under a new play id" wait_for 10 restarted
again_two() { [ "$(stat -c %s "$S/out.raw")" -gt "$(( cut_bytes + emerg_bytes + 192000 ))" ]; }

# The capture: the normal bulletin, then the alert, then the normal bulletin from its start.
secs=$(events "$T/mqtt.log" interrupted | jq -r 'select(.title=="Bản tin dài") | .seconds' | head -n 1)
"$BUILD/tools/opus_refdecode" "$FIX/long.opus" "$T/long.raw" 1 480000
"$BUILD/tools/opus_refdecode" "$FIX/thông báo.opus" "$T/em.raw" 1
emerg_frames=$(( $(stat -c %s "$T/em.raw") / 2 ))
cut_guess=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 48000 }')
cut_bytes=$(( cut_guess * 2 )); emerg_bytes=$(( emerg_frames * 2 ))
wait_for 20 again_two
set -- $("$BUILD/tools/pcm_find" "$T/long.raw" "$S/out.raw" 1 0 0 48000)
echo "# normal bulletin at frame $1, SNR $2 dB over its first second"
check "the capture starts with the normal bulletin" ge "$2" 40
set -- $("$BUILD/tools/pcm_find" "$T/em.raw" "$S/out.raw" 1 $(( cut_guess - 48000 )) $(( cut_guess + 72000 )))
em_at=$1
echo "# emergency at frame $1 (interrupted after ~$cut_guess), SNR $2 dB"
check "then the whole emergency bulletin" ge "$2" 40
set -- $("$BUILD/tools/pcm_find" "$T/long.raw" "$S/out.raw" 1 $(( em_at + emerg_frames - 4800 )) $(( em_at + emerg_frames + 24000 )) 96000)
echo "# normal bulletin again at frame $1 (emergency ended at $(( em_at + emerg_frames ))), SNR $2 dB"
check "then the normal bulletin again from its start" ge "$2" 40

# The kill switch: mute stops what plays, holds everything, and is reported.
out=$(ctl "$S" mute); rc=$?
check "loaxactl mute exits 0 and says nothing will play" sh -c "[ $rc -eq 0 ] && echo '$out' | grep -q 'muted'"
check "what played is interrupted by the mute" \
	wait_for 5 ev_has '.event=="interrupted" and (.error | test("muted"))'
check "the mute is reported to the district, with who did it" \
	wait_for 5 ev_has '.event=="muted" and (.by | test("uid"))'
muted_status() { ctl "$S" status --json | jq -e '.muted.by != null and .muted.since != null and .state == "idle"' >/dev/null; }
check "the status says muted, by whom and since when" muted_status
ctl "$S" queue "$FIX/thông báo.opus" --class emergency --title "Khẩn cấp 2" >/dev/null
check "an emergency queued while muted stays silent (still queued)" \
	sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list --json | jq -e '[.queue[] | select(.title==\"Khẩn cấp 2\")] | length == 1' >/dev/null"

# Order while muted: priority before normal, and the operator's move.
cancel_all() { for id in $(ctl "$S" list --json | jq -r '.queue[].id'); do ctl "$S" cancel "$id" >/dev/null; done; }
cancel_all
a=$(ctl "$S" queue "$FIX/thông báo.opus" --title "A thường" | head -n 1)
b=$(ctl "$S" queue "$FIX/thông báo.opus" --title "B thường" | head -n 1)
c=$(ctl "$S" queue "$FIX/thông báo.opus" --title "C thường" | head -n 1)
p=$(ctl "$S" queue "$FIX/thông báo.opus" --title "P ưu tiên" --class priority | head -n 1)
check "loaxactl move puts C first among the normal ones" ctl "$S" move "$c" 1
check "a restart keeps the mute" sh -c "kill $STATION_PID; wait $STATION_PID 2>/dev/null; true"
start_station "$S"
check "still muted after the restart" muted_status
out=$(ctl "$S" unmute); rc=$?
check "loaxactl unmute exits 0" [ "$rc" -eq 0 ]
check "the unmute is reported" wait_for 5 ev_has '.event=="unmuted"'
four() { [ "$(events "$T/mqtt.log" finished | jq -r 'select(.title | test("thường|ưu tiên")) | .title' | wc -l)" -ge 4 ]; }
check "after unmute the queue plays" wait_for 60 four
order=$(events "$T/mqtt.log" started | jq -r 'select(.title | test("thường|ưu tiên")) | .title' | tr '\n' ',')
echo "# play order: $order"
check "priority first, then C (moved), A, B" [ "$order" = "P ưu tiên,C thường,A thường,B thường," ]
