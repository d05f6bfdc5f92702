#!/bin/sh
# A slow SD card (every fsync takes a second, tests/faults/slowsync.c) never
# makes the loudspeakers wait: on the virtual card, which runs dry like
# hardware when it is not fed, a two-bulletin slot plays without an underrun
# or a gap, exactly as decoded, while the records catch up behind it.
. tests/lib.sh

SLOW_MS=1000
start_broker || { notok "broker starts"; exit 1; }
vcard_setup slow
S=$T/station
mkdir -p "$S"
cp "$FIX/thông báo.opus" "$S/một.opus"
cp "$FIX/bản tin số 1.opus" "$S/hai.opus"
AT=$(at_plus 8)
cat >"$S/schedule.cfg" <<EOF2
slots = ( { title = "Hai bản tin"; at = "$AT"; items = ( { file = "một.opus"; }, { file = "hai.opus"; } ); } );
EOF2
station_config "$S" slow "$VCARD_DEV" "$S/schedule.cfg"
subscribe "$T/mqtt.log"
# The station has run before (its database exists), as after a power cut.
start_station "$S"
stop_station "$STATION_PID"
t0=$(date +%s%N)
LD_PRELOAD=$BUILD/tests/libslowsync.so LOAXA_SLOW_SYNC_MS=$SLOW_MS \
    "$BUILD/loaxad" -c "$S/loaxa.cfg" -v >>"$S/loaxad.log" 2>&1 &
STATION_PID=$!
PIDS="$PIDS $STATION_PID"
answers() { ctl "$S" status --json >/dev/null 2>&1; }
check "the station answers while its disk is slow" wait_for 30 answers
echo "# first answer $(( ($(date +%s%N) - t0) / 1000000 )) ms after start, with every fsync taking $SLOW_MS ms"

# Queueing waits for the disk (the answer comes once the item is on it); the
# station answers everything else meanwhile.
ctl "$S" queue "$FIX/thông báo.opus" --at "$(at_plus 3600)" >"$T/queued" 2>&1 &
QPID=$!
asked() { grep -q 'ctl: "queue" from' "$S/loaxad.log"; }
wait_for 10 asked
t1=$(date +%s%N)
ctl "$S" status --json >/dev/null
echo "# status answered in $(( ($(date +%s%N) - t1) / 1000000 )) ms while a queue request waited for the disk"
check "status is answered while a queue request waits for the disk" kill -0 "$QPID"
wait "$QPID"; rc=$?
check "the queue request is answered once the item is on disk" sh -c "[ $rc -eq 0 ] && grep -q 1 '$T/queued'"
check "both bulletins finish" wait_for 90 has_events "$T/mqtt.log" finished 2
closed() { grep -q ' close$' "$VCARD_LOG"; }
check "the card is closed after the slot" wait_for 10 closed
"$BUILD/tools/vcard_report" "$VCARD_LOG" >"$T/rep"
sed 's/^/#   /' "$T/rep"
fact() { awk -v k="$1" '$1 == k { print $2; exit }' "$T/rep"; }
check "one run of the card for the whole slot: no gap between the bulletins" \
    [ "$(grep -c '^start ' "$T/rep")" -eq 1 ]
check "no underrun" [ "$(fact xruns)" -eq 0 ]
check "no silence inserted" [ "$(fact starved_ms)" = "0.0" ]
due_ns=$(( $(date -d "$AT" +%s) * 1000000000 ))
onset=$(fact onset)
echo "# the slot was heard $(( (onset - due_ns) / 1000000 )) ms after its second"
check "the slot was not heard before its second" [ "$onset" -ge "$due_ns" ]

# What the card heard is both bulletins, back to back, as libopusfile decodes them.
"$BUILD/tools/opus_refdecode" "$S/một.opus" "$T/a.raw" 1
"$BUILD/tools/opus_refdecode" "$S/hai.opus" "$T/b.raw" 1
cat "$T/a.raw" "$T/b.raw" >"$T/ref.raw"
set -- $("$BUILD/tools/pcm_compare" "$T/ref.raw" "$VCARD_RAW" 1 200)
echo "# pcm_compare: $*"
check "the card heard as many frames as both bulletins have" [ "$1" -eq "$2" ]
check "aligned (shift 0) and the same audio" sh -c "[ $3 -eq 0 ] && awk 'BEGIN { exit !($4 >= 60) }'"

# The records caught up: started before finished, for each play, in order.
events "$T/mqtt.log" >"$T/events.json"
order_ok() {
	jq -s -e '[.[] | select(.event == "started" or .event == "finished")] |
	    map(.event) == ["started", "finished", "started", "finished"]' "$T/events.json" >/dev/null
}
check "the records arrive in order: started, finished, started, finished" order_ok
