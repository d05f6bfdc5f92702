#!/bin/sh
# The control socket under a crowd, against the real daemon: while a bulletin
# plays on a paced sink, 30 clients connect at once (14 that send nothing, 2
# that send half a request, 4 that send garbage, 10 real requests: more than
# the 16 served at once, so the rest wait in the listen backlog) and a
# client connects and sends nothing for the whole bulletin. The bulletin's
# capture must still be the reference decode, whole and without a gap; the
# real requests and loaxactl are answered; the silent clients are dropped.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
cp "$FIX/bản tin số 1.opus" "$S/bản tin.opus"
cp "$FIX/thông báo.opus" "$S/thông báo.opus"
AT=$(at_plus 2)
cat >"$S/schedule.cfg" <<EOF2
slots = ( { title = "Bản tin trưa"; at = "$AT";
  items = ( { file = "bản tin.opus"; }, { file = "thông báo.opus"; } ); } );
EOF2
station_config "$S" dong-don "file:'|pv -q -B 4096 -L 96000 > $S/out.raw',raw" "$S/schedule.cfg"
subscribe "$T/mqtt.log"
start_station "$S"

playing() { ctl "$S" status --json | jq -e '.state == "playing"' >/dev/null; }
check "the bulletin starts playing on the paced sink" wait_for 20 playing
# One silent client for the whole bulletin: holds a connection and sends nothing.
"$BUILD/tools/ctl_flood" "$S/control.sock" 1 0 0 0 30 >"$T/silent.out" 2>&1 &
SILENT=$!
PIDS="$PIDS $SILENT"
"$BUILD/tools/ctl_flood" "$S/control.sock" 14 2 4 10 40 >"$T/flood.out" 2>&1
rc=$?
echo "# ctl_flood: $(cat "$T/flood.out")"
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
"$BUILD/tools/opus_refdecode" "$S/bản tin.opus" "$T/r1.raw" 1
"$BUILD/tools/opus_refdecode" "$S/thông báo.opus" "$T/r2.raw" 1
cat "$T/r1.raw" "$T/r2.raw" >"$T/ref.raw"
cmp_out=$("$BUILD/tools/pcm_compare" "$T/ref.raw" "$S/out.raw" 1 200)
echo "# pcm_compare reference capture: $cmp_out"
set -- $cmp_out
check "captured frames equal the reference frames (no gap, nothing lost or repeated)" [ "$1" -eq "$2" ]
check "the capture is aligned with the reference (shift 0)" [ "$3" -eq 0 ]
check "the capture matches libopusfile's decode (SNR >= 50 dB)" ge "$4" 50
check "no underrun was counted" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' status --json | jq -e '.xruns == 0' >/dev/null"
check "the daemon still runs" kill -0 "$STATION_PID"
