#!/bin/sh
# A district bulletin is checked and stored (hashed whole, synced, renamed,
# its directory synced) by the store's writer thread, never by the loop: on a
# disk that holds every fsync for as long as the test likes
# (tests/faults/slowsync.c, LOAXA_SLOW_SYNC_HOLD), 'loaxactl status' is
# answered while the bulletin is being stored, and says so; once the disk lets
# go, the bulletin is in place and the schedule armed. Nothing here is timed:
# before, the loop sat in that fsync and the status never came.
. tests/lib.sh
R=hon-quan
CS=16384

start_broker || { notok "broker starts"; exit 1; }
MAIN_PORT=$PORT MAIN_BROKER=$BROKER_PID MAIN_DISTRICT=$DISTRICT
# The district's view: events only (the chunks are binary audio).
mosquitto_sub $(mqtt_opts district.monitor) -v -q 1 -t "loaxa/+/+/events" -t "$PING_TOPIC" \
    >"$T/bus.log" 2>/dev/null &
PIDS="$PIDS $!"
wait_for 5 sub_live "$T/bus.log" || notok "the district's subscriber is live"

# The district's manifest and chunks, made on a scratch broker, so that the
# station can be given them one step at a time.
"$BUILD/loaxactl" keygen "$T/district.key" >/dev/null
mkdir -p "$T/office"
cp "$FIX/bản tin số 1.opus" "$T/office/bản tin.opus"
echo "slots = ( { title = \"Bản tin\"; at = \"$(at_plus 3600)\"; items = ( { file = \"bản tin.opus\"; } ); } );" \
    >"$T/office/lich.cfg"
DISTRICT=$T/scratch
start_broker || { notok "scratch broker starts"; exit 1; }
"$BUILD/loaxactl" publish "$T/office/lich.cfg" --region $R --key "$T/district.key" \
    $BROKER_OPTS --chunk-size $CS >"$T/publish.out" 2>&1
mqtt_sub -t "loaxa/$R/schedule" -C 1 -W 5 >"$T/manifest.json"
stop_broker
PORT=$MAIN_PORT BROKER_PID=$MAIN_BROKER DISTRICT=$MAIN_DISTRICT
check "the district's manifest is made" test -s "$T/manifest.json"
SHA=$(sha256sum "$T/office/bản tin.opus" | cut -d' ' -f1)
split -b $CS -a 3 -d "$T/office/bản tin.opus" "$T/chunk."

S=$T/station
station_config "$S" xa-1 null
echo "district = { public_key = \"$T/district.key.pub\"; };" >>"$S/loaxa.cfg"
HOLD=$T/hold
check "the station starts" start_station_held "$S" "$HOLD"
logged() { grep -q "$1" "$S/loaxad.log"; }
mqtt_pub -q 1 -r -t "loaxa/$R/schedule" -f "$T/manifest.json"
check "the station verifies the manifest and asks for the bulletin" \
    wait_for 20 logged 'district: fetching bulletin'

# From here on the disk holds every sync until the test lets go.
touch "$HOLD"
i=0
for c in "$T"/chunk.*; do
	mqtt_pub -q 1 -r -t "loaxa/$R/audio/$SHA/$i" -f "$c"
	i=$((i + 1))
done
check "all $i parts come, and the bulletin goes to the store's writer" \
    wait_for 20 logged "all $i parts of bulletin .* received; checking and storing it"
storing() { ctl "$S" status --json | jq -e '.district.fetching.storing == true' >/dev/null; }
check "'loaxactl status' is answered while the disk holds the bulletin, and says it is being stored" \
    wait_for 20 storing
not_yet() { ! logged 'district: stored bulletin' && [ ! -e "$S/state/bulletins/$SHA.opus" ]; }
check "the bulletin is not in place yet: the disk still holds it" not_yet

rm -f "$HOLD"
check "once the disk lets go, the schedule is armed" \
    wait_for 30 has_events "$T/bus.log" schedule_armed 1
check "the bulletin in place is the district's" \
    sh -c "[ \"\$(sha256sum '$S/state/bulletins/$SHA.opus' | cut -d' ' -f1)\" = $SHA ]"
check "no temporary file is left" sh -c "[ -z \"\$(ls -A '$S/state/bulletins' | grep '^\\.')\" ]"
complete() { ctl "$S" status --json | jq -e '.district.complete and .district.missing == 0' >/dev/null; }
check "the status says the district schedule is complete" wait_for 10 complete
