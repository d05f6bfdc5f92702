#!/bin/sh
# Classes and the local kill switch, on the virtual sound card, which plays
# like hardware (../shared/testing.md): an emergency cuts in, the cut-off
# bulletin plays again from its start; priority goes first; the operator
# reorders; mute silences everything and is reported.
. tests/lib.sh

REPORT=$BUILD/tools/vcard_report
now_ns() { date +%s%N; }
card_closed() { [ "$(tail -n 1 "$VCARD_LOG" | awk '{ print $3 }')" = close ]; }
opens() { grep -c ' open$' "$VCARD_LOG"; }

start_broker || { notok "broker starts"; exit 1; }
vcard_setup uu-tien
S=$T/station
mkdir -p "$S"
# The card appends every frame written, across opens: the capture holds the whole story.
station_config "$S" uu-tien "$VCARD_DEV"
subscribe "$T/mqtt.log"
start_station "$S"

long_id=$(ctl "$S" queue "$FIX/long.opus" --title "Bản tin dài" | head -n 1)
check "a long normal bulletin plays" wait_for 15 vcard_heard_by_now 96000
t_em=$(now_ns)
em_id=$(ctl "$S" queue "$FIX/thông báo.opus" --class emergency --title "Khẩn cấp: bão" | head -n 1)
E=$T/events.json
ev_has() { events "$T/mqtt.log" >"$E"; jq_any "$E" "$1"; }
check "the emergency starts" wait_for 5 ev_has '.event=="started" and .class=="emergency" and .title=="Khẩn cấp: bão"'
check "the normal bulletin is reported interrupted, with the seconds played" \
	ev_has '.event=="interrupted" and .title=="Bản tin dài" and .seconds > 1.5 and (.error | test("emergency"))'
check "the emergency finishes" wait_for 30 ev_has '.event=="finished" and .class=="emergency"'
restarted() { [ "$(events "$T/mqtt.log" started | jq -r 'select(.title=="Bản tin dài") | .play_id' | sort -u | wc -l)" -ge 2 ]; }
check "the normal bulletin starts again after the emergency, under a new play id" wait_for 10 restarted

# What the card heard: the normal bulletin cut off, the emergency whole, the normal one from its start.
secs=$(events "$T/mqtt.log" interrupted | jq -r 'select(.title=="Bản tin dài") | .seconds' | head -n 1)
"$BUILD/tools/opus_refdecode" "$FIX/long.opus" "$T/long.raw" 1 480000
"$BUILD/tools/opus_refdecode" "$FIX/thông báo.opus" "$T/em.raw" 1
vcard_check_cut_in "$T/long.raw" "$secs" "$T/em.raw" "$t_em" 2 emergency

# The kill switch: mute stops what plays, holds everything, and is reported.
out=$(ctl "$S" mute); rc=$?
check "loaxactl mute exits 0 and says nothing will play" sh -c "[ $rc -eq 0 ] && echo '$out' | grep -q 'muted'"
check "what played is interrupted by the mute" \
	wait_for 5 ev_has '.event=="interrupted" and (.error | test("muted"))'
check "the mute is reported to the district, with who did it" \
	wait_for 5 ev_has '.event=="muted" and (.by | test("uid"))'
muted_status() { ctl "$S" status --json | jq -e '.muted.by != null and .muted.since != null and .state == "idle"' >/dev/null; }
check "the status says muted, by whom and since when" muted_status
check "the card is closed" wait_for 5 card_closed
muted_opens=$(opens)
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
# stop_station waits for the daemon to be gone: a new one started while the
# old one says goodbye to the broker would find its socket still answering.
stop_station "$STATION_PID"
start_station "$S"
check "still muted after the restart" muted_status
check "while muted the card was not opened" [ "$(opens)" -eq "$muted_opens" ]
unmute_frame=$(( $(stat -c %s "$VCARD_RAW") / 2 ))
out=$(ctl "$S" unmute); rc=$?
check "loaxactl unmute exits 0" [ "$rc" -eq 0 ]
check "the unmute is reported" wait_for 5 ev_has '.event=="unmuted"'
four() { [ "$(events "$T/mqtt.log" finished | jq -r 'select(.title | test("thường|ưu tiên")) | .title' | wc -l)" -ge 4 ]; }
check "after unmute the queue plays" wait_for 60 four
order=$(events "$T/mqtt.log" started | jq -r 'select(.title | test("thường|ưu tiên")) | .title' | tr '\n' ',')
echo "# play order: $order"
check "priority first, then C (moved), A, B" [ "$order" = "P ưu tiên,C thường,A thường,B thường," ]
check "the card is closed after the queue" wait_for 10 card_closed
"$REPORT" "$VCARD_LOG" >"$T/q.rep"
sed 's/^/#   /' "$T/q.rep"
check "each of the four played out on the card, none cut off" \
	sh -c "grep '^start ' '$T/q.rep' | tail -n 4 | awk '{ print \$4 }' | tr '\n' ' ' | grep -qx 'drain drain drain drain '"
check "no underrun in all" grep -qx 'xruns 0' "$T/q.rep"
tail -c +$(( unmute_frame * 2 + 1 )) "$VCARD_RAW" >"$T/after.raw"
cat "$T/em.raw" "$T/em.raw" "$T/em.raw" "$T/em.raw" >"$T/four.raw"
set -- $("$BUILD/tools/pcm_compare" "$T/four.raw" "$T/after.raw" 1 200)
echo "# pcm_compare four bulletins / capture after the unmute: $*"
check "after the unmute the card heard the four bulletins whole, one after another" \
	sh -c "[ $1 -eq $2 ] && [ $3 -eq 0 ] && awk 'BEGIN { exit !($4 >= 50) }'"
