#!/bin/sh
# A queued item whose grace period runs out while the disk holds every fsync
# (tests/faults/slowsync.c, LOAXA_SLOW_SYNC_HOLD) leaves the queue in the same
# transaction as its "missed" record, on the store's writer, never on the loop:
# 'loaxactl status' and 'list' are answered meanwhile, the item is out of the
# line at once, and on disk it is still queued and not yet recorded (neither
# half before the other); once the disk lets go, both are there together, one
# record, and the item never plays. Nothing here is timed: before, the loop
# took the item out of the queue itself, waiting for the disk, ahead of the
# record (a power cut in between lost it), and reported it again each time
# that removal could not get at the database.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
station_config "$S" slow-expire null
echo 'schedule = { grace = 1; };' >>"$S/loaxa.cfg"
subscribe "$T/mqtt.log"
HOLD=$T/hold
check "the station starts" start_station_held "$S" "$HOLD"
# A status that gives up after 10 s, as an operator would.
status() { timeout 10 "$BUILD/loaxactl" -s "$S/control.sock" status --json; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
have_sqlite=0
command -v sqlite3 >/dev/null 2>&1 && have_sqlite=1
disk() { sqlite3 "file:$S/state/loaxa.db?mode=ro" "$1"; }
disk_queued() { disk "SELECT count(*) FROM queue WHERE id = $1"; }
disk_missed() {
	disk "SELECT count(*) FROM asrun WHERE event = 'missed' AND json_extract(json, '$.queue_id') = $1"
}

# Muted, so that the item waits past its grace period (it is missed "because
# the station was muted"); then queued with a time a few seconds ahead.
check "the station is muted" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' mute >/dev/null"
id=$(ctl "$S" queue "$FIX/thông báo.opus" --title "Hết hạn" --at "$(at_plus 3)" | head -n 1)
check "an item is queued with a time" sh -c "echo '$id' | grep -Eq '^[0-9]+\$'"

# 1. Its grace period runs out while the disk holds.
touch "$HOLD"
missed_logged() { grep -q 'station: missed "Hết hạn"' "$S/loaxad.log"; }
check "the item is reported missed once its grace period is over" wait_for 20 missed_logged
t=$(date +%s%N)
status >"$T/status.json"; rc=$?
echo "# status answered in $(ms_since "$t") ms while the missed record waited for the disk"
check "status is answered while the missed record waits for the disk" [ "$rc" -eq 0 ]
t=$(date +%s%N)
timeout 10 "$BUILD/loaxactl" -s "$S/control.sock" list --json >"$T/list.json"; rc=$?
echo "# list answered in $(ms_since "$t") ms"
check "list is answered while the missed record waits for the disk" [ "$rc" -eq 0 ]
check "the item has left the line already" \
    sh -c "jq -e '[.queue[] | select(.id == $id)] | length == 0' '$T/list.json' >/dev/null"
if [ "$have_sqlite" -eq 1 ]; then
	q=$(disk_queued "$id") m=$(disk_missed "$id")
	echo "# on disk while held: queued $q, missed records $m"
	check "on disk it is still queued and not yet recorded: neither half before the other" \
	    [ "$q.$m" = 1.0 ]
fi

# 2. The disk lets go: the record and the removal are there together, once.
rm -f "$HOLD"
missed_sent() { events "$T/mqtt.log" missed | jq -e "select(.queue_id == $id)" >/dev/null; }
check "the missed record reaches the district" wait_for 20 missed_sent
says_muted() { events "$T/mqtt.log" missed | jq -e "select(.queue_id == $id) | .error | test(\"muted\")" >/dev/null; }
check "it says the station was muted" says_muted
if [ "$have_sqlite" -eq 1 ]; then
	q=$(disk_queued "$id") m=$(disk_missed "$id")
	echo "# on disk after: queued $q, missed records $m"
	check "on disk it left the queue with its one missed record" [ "$q.$m" = 0.1 ]
fi

# 3. It never plays: unmuted, a bulletin queued after it plays, and it does not.
check "the station is unmuted" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' unmute >/dev/null"
id2=$(ctl "$S" queue "$FIX/bản tin số 1.opus" --title "Sau" | head -n 1)
finished2() { events "$T/mqtt.log" finished | jq -e "select(.queue_id == $id2)" >/dev/null; }
check "a bulletin queued afterwards plays" wait_for 30 finished2
n=$(events "$T/mqtt.log" | jq -r "select(.queue_id == $id) | .event" | tr '\n' ' ')
echo "# records of the expired item: $n"
check "the expired item got one record, missed, and never started" [ "$n" = "missed " ]
