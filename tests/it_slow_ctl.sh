#!/bin/sh
# The kill switch and the order of the queue are saved by the store's writer
# thread, never by the loop: on a disk that holds every fsync for as long as
# the test likes (tests/faults/slowsync.c, LOAXA_SLOW_SYNC_HOLD), 'loaxactl
# status' and 'list' are answered while a mute, a move or an unmute waits for
# the disk. Mute silences at once, before it is saved; move and unmute take
# effect once they are on disk; each is answered then. Nothing here is timed:
# before, the loop sat in that fsync and status was not answered until the
# disk let go.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
vcard_setup ctlcard
S=$T/station
station_config "$S" slow-ctl "$VCARD_DEV"
subscribe "$T/mqtt.log"
HOLD=$T/hold
check "the station starts" start_station_held "$S" "$HOLD"
logged() { grep -q "$1" "$S/loaxad.log"; }
# A status that gives up after 10 s, as an operator would.
status() { timeout 10 "$BUILD/loaxactl" -s "$S/control.sock" status --json; }
status_is() { status | jq -e "$1" >/dev/null; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
closes() { grep -c ' close$' "$VCARD_LOG" 2>/dev/null || true; }

ctl "$S" queue "$FIX/long.opus" --title "Dài" >/dev/null
check "a long bulletin plays" wait_for 30 status_is '.state == "playing"'

# 1. Mute while the disk holds: silent at once, answered once saved.
c0=$(closes)
touch "$HOLD"
ctl "$S" mute >"$T/mute.out" 2>&1 &
MPID=$!
check "the mute reaches the station" wait_for 10 logged 'ctl: the loudspeakers were muted by'
t=$(date +%s%N)
status >"$T/status1.json"; rc=$?
echo "# status answered in $(ms_since "$t") ms while a mute waited for the disk"
check "status is answered while the mute waits for the disk" [ "$rc" -eq 0 ]
check "the mute is not answered yet: it waits for the disk" kill -0 "$MPID"
check "the status says muted and idle: the sound stopped before the save" \
    sh -c "jq -e '.muted != null and .state == \"idle\"' '$T/status1.json' >/dev/null"
closed() { [ "$(closes)" -gt "$c0" ]; }
check "the card was closed while the mute waited for the disk" wait_for 10 closed
rm -f "$HOLD"
wait "$MPID"; rc=$?
check "once on disk, the mute is answered (exit 0)" \
    sh -c "[ $rc -eq 0 ] && grep -q 'muted' '$T/mute.out'"

# 2. Two bulletins wait while the station is muted; the operator puts the second first.
a=$(ctl "$S" queue "$FIX/thông báo.opus" --title "A" | head -n 1)
b=$(ctl "$S" queue "$FIX/bản tin số 1.opus" --title "B" | head -n 1)
check "two bulletins wait" sh -c "echo '$a $b' | grep -Eq '^[0-9]+ [0-9]+\$'"
rank() { sqlite3 "file:$S/state/loaxa.db?mode=ro" "SELECT rank FROM queue WHERE id = $1"; }
touch "$HOLD"
ctl "$S" move "$b" 1 >"$T/move.out" 2>&1 &
VPID=$!
check "the move reaches the station" wait_for 10 logged 'ctl: "move" from'
t=$(date +%s%N)
timeout 10 "$BUILD/loaxactl" -s "$S/control.sock" list --json >/dev/null; rc=$?
echo "# list answered in $(ms_since "$t") ms while a move waited for the disk"
check "list is answered while the move waits for the disk" [ "$rc" -eq 0 ]
check "the move is not answered yet: it waits for the disk" kill -0 "$VPID"
if command -v sqlite3 >/dev/null 2>&1; then
	check "the new order is not on disk yet" [ "$(rank "$b")" = 0 ]
fi
rm -f "$HOLD"
wait "$VPID"; rc=$?
check "once on disk, the move is answered (exit 0)" [ "$rc" -eq 0 ]
if command -v sqlite3 >/dev/null 2>&1; then
	rb=$(rank "$b") ra=$(rank "$a")
	echo "# ranks on disk: B $rb, A $ra"
	check "the new order is on disk" sh -c "[ '$rb' -gt 0 ] && [ '$rb' -lt '$ra' ]"
fi

# 3. Unmute while the disk holds: still muted until it is saved.
touch "$HOLD"
ctl "$S" unmute >"$T/unmute.out" 2>&1 &
UPID=$!
check "the unmute reaches the station" wait_for 10 logged 'ctl: "unmute" from'
t=$(date +%s%N)
status >"$T/status2.json"; rc=$?
echo "# status answered in $(ms_since "$t") ms while an unmute waited for the disk"
check "status is answered while the unmute waits for the disk" [ "$rc" -eq 0 ]
check "the unmute is not answered yet: it waits for the disk" kill -0 "$UPID"
check "the station stays muted until the unmute is on disk" \
    sh -c "jq -e '.muted != null' '$T/status2.json' >/dev/null"
rm -f "$HOLD"
wait "$UPID"; rc=$?
check "once on disk, the unmute is answered (exit 0)" [ "$rc" -eq 0 ]
check "and the station is unmuted" status_is '.muted == null'

# 4. The order the operator gave is the order they play in.
started_ids() { events "$T/mqtt.log" started | jq -r '.queue_id' | grep -E "^($a|$b)\$"; }
both() { [ "$(started_ids | wc -l)" -ge 2 ]; }
check "both play" wait_for 60 both
check "the one moved first plays first" [ "$(started_ids | head -n 1)" = "$b" ]
