#!/bin/sh
# A state database damaged inside (issue 16, item 1), against the real daemon:
# one page of loaxa.db overwritten while the station was off, its header
# intact, as an SD card error after a power cut leaves it. Before, the
# station would not start at all. Now it starts, keeps the damaged file under
# a timestamped name, salvages what it can, says so in its status and to the
# district, and plays.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
station_config "$S" tan-thanh "null"
start_station "$S"
for i in 1 2 3; do
	ctl "$S" queue "$FIX/thông báo.opus" --at "$(at_plus 3600)" --title "Bản tin $i" >/dev/null
done
check "three bulletins are queued" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list --json | jq -e '.queue | length == 3' >/dev/null"
stop_station "$STATION_PID"
size=$(stat -c %s "$S/state/loaxa.db")
echo "# loaxa.db: $size bytes"
check "the database has pages to damage" [ "$size" -ge 16384 ]
dd if=/dev/urandom of="$S/state/loaxa.db" bs=4096 seek=3 count=1 conv=notrunc 2>/dev/null

subscribe "$T/mqtt.log"
start_station "$S"
answers() { ctl "$S" status >/dev/null; }
check "the station starts on a damaged database" answers
check "its status says the database was recovered" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' status --json | jq -e '.store.recovered == true and (.store.damaged_copy | test(\"loaxa.db.damaged-\"))' >/dev/null"
check "the damaged file is kept, not deleted" sh -c "ls '$S/state' | grep -q '^loaxa.db.damaged-'"
recovered() { events "$T/mqtt.log" store_recovered | grep -q .; }
check "the district hears of it (store_recovered)" wait_for 20 recovered
ctl "$S" queue "$FIX/thông báo.opus" --title "Sau khi sửa" >/dev/null
played() { events "$T/mqtt.log" finished | grep -q 'Sau khi sửa'; }
check "and it plays" wait_for 30 played
stop_station "$STATION_PID"
start_station "$S"
sound() { ctl "$S" status --json | jq -e '.store == null and .state != null' >/dev/null; }
check "its new database is sound (a restart finds nothing to recover)" wait_for 10 sound
