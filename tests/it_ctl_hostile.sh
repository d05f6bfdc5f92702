#!/bin/sh
# The control socket under a crowd, against the real daemon: while a slot of
# two bulletins plays on the virtual sound card, which plays like hardware
# and runs dry when it is not fed (../shared/testing.md), 30 clients connect
# at once (14 that send nothing, 2 that send half a request, 4 that send
# garbage, 10 real requests: more than the 16 served at once, so the rest wait
# in the listen backlog) and a client connects and sends nothing for the
# whole slot. A loop that waited on any of them would starve the card, which
# a paced pipe would hide. The card must play the slot as one run through
# the crowd, with no underrun and no silence, and hear exactly the reference
# decode; the real requests and loaxactl are answered; the silent clients
# are dropped.
. tests/lib.sh

REPORT=$BUILD/tools/vcard_report
start_broker || { notok "broker starts"; exit 1; }
vcard_setup dong-don
S=$T/station
mkdir -p "$S"
cp "$FIX/bản tin số 1.opus" "$S/bản tin.opus"
cp "$FIX/thông báo.opus" "$S/thông báo.opus"
AT=$(at_plus 2)
cat >"$S/schedule.cfg" <<EOF2
slots = ( { title = "Bản tin trưa"; at = "$AT";
  items = ( { file = "bản tin.opus"; }, { file = "thông báo.opus"; } ); } );
EOF2
station_config "$S" dong-don "$VCARD_DEV" "$S/schedule.cfg"
subscribe "$T/mqtt.log"
start_station "$S"

playing() { ctl "$S" status --json | jq -e '.state == "playing"' >/dev/null; }
check "the slot is heard on the card" wait_for 20 vcard_heard_by_now 24000
check "and the station says it is playing" playing
# One silent client for the whole slot: holds a connection and sends nothing.
"$BUILD/tools/ctl_flood" "$S/control.sock" 1 0 0 0 30 >"$T/silent.out" 2>&1 &
SILENT=$!
PIDS="$PIDS $SILENT"
crowd_from=$(date +%s%N)
"$BUILD/tools/ctl_flood" "$S/control.sock" 14 2 4 10 40 >"$T/flood.out" 2>&1
rc=$?
crowd_to=$(date +%s%N)
echo "# ctl_flood: $(cat "$T/flood.out") ($(( (crowd_to - crowd_from) / 1000000 )) ms)"
check "every real request in the crowd is answered, every bad one refused, every silent one dropped" [ "$rc" -eq 0 ]
check "loaxactl status is answered after the crowd" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' status >/dev/null"
check "the slot was still playing when the crowd was done" playing
finished() { [ "$(count_events "$T/mqtt.log" finished)" -ge 2 ]; }
check "both bulletins finish" wait_for 60 finished
wait "$SILENT"; src=$?
echo "# silent client: $(cat "$T/silent.out")"
check "the silent client was dropped by the daemon, not waited for" [ "$src" -eq 0 ]
idle() { ctl "$S" status --json | jq -e '.state == "idle"' >/dev/null; }
wait_for 10 idle
closed() { grep -q ' close$' "$VCARD_LOG"; }
check "the card is closed after the slot" wait_for 10 closed

# What the card heard, and when.
"$REPORT" "$VCARD_LOG" >"$T/rep"
sed 's/^/#   /' "$T/rep"
fact() { awk -v k="$1" '$1 == k { print $2; exit }' "$T/rep"; }
check "one run of the card for the whole slot, played out: no gap between the bulletins" \
	[ "$(awk '$1 == "start" { printf "%s ", $4 }' "$T/rep")" = "drain " ]
check "no underrun on the card" [ "$(fact xruns)" -eq 0 ]
check "no silence inserted" [ "$(fact starved_ms)" = "0.0" ]
# The crowd came and went while the card played: between its first frame and its last.
last=$("$REPORT" "$VCARD_LOG" --when $(( $(fact heard) - 1 )) | awk '{ print $2 }')
echo "# the card played from $(fact onset) to $last; the crowd from $crowd_from to $crowd_to"
check "the crowd came and went while the card played" \
	sh -c "[ $(fact onset) -lt $crowd_from ] && [ $crowd_to -lt ${last:-0} ]"
"$BUILD/tools/opus_refdecode" "$S/bản tin.opus" "$T/r1.raw" 1
"$BUILD/tools/opus_refdecode" "$S/thông báo.opus" "$T/r2.raw" 1
cat "$T/r1.raw" "$T/r2.raw" >"$T/ref.raw"
cmp_out=$("$BUILD/tools/pcm_compare" "$T/ref.raw" "$VCARD_RAW" 1 200)
echo "# pcm_compare reference capture: $cmp_out"
set -- $cmp_out
check "the card heard as many frames as the reference has (nothing lost or repeated)" [ "$1" -eq "$2" ]
check "the capture is aligned with the reference (shift 0)" [ "$3" -eq 0 ]
check "the capture matches libopusfile's decode (SNR >= 50 dB)" ge "$4" 50
check "no underrun was counted by the station" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' status --json | jq -e '.xruns == 0' >/dev/null"
check "the daemon still runs" kill -0 "$STATION_PID"
