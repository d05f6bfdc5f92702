#!/bin/sh
# The broker is never on the playback path: no broker, the station plays the same;
# when the broker comes, every report arrives; a vanished station leaves its will.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
stop_broker		# the port is known; nothing listens on it now
S=$T/station
station_config "$S" ban-b "file:'$S/out.raw',raw"
start_station "$S"
id=$(ctl "$S" queue "$FIX/thông báo.opus" | head -n 1)
played() { ctl "$S" status --json | jq -e '.state == "idle"' >/dev/null && [ -s "$S/out.raw" ]; }
check "with no broker at all, a queued bulletin plays" wait_for 30 played
check "the status says the district link is down" \
	sh -c "'$BUILD/loaxactl' -s '$S/control.sock' status --json | jq -e '.mqtt.connected == false' >/dev/null"

restart_broker
subscribe "$T/mqtt.log"
check "when the broker comes, the station reconnects and publishes its status" \
	wait_for 70 sh -c "grep -q '^loaxa/hon-quan/ban-b/status .*\"online\":true' '$T/mqtt.log'"
check "the reports made offline arrive: started and finished, with the queue id" \
	wait_for 20 sh -c "[ \$(grep '^loaxa/hon-quan/ban-b/events' '$T/mqtt.log' | grep -c '\"queue_id\":$id') -ge 2 ]"

# The broker goes away mid-stream and comes back: nothing is lost, nothing doubled in the count.
stop_broker
ctl "$S" queue "$FIX/bản tin số 1.opus" >/dev/null
wait_for 30 played
restart_broker
kill "$SUB_PID" 2>/dev/null
subscribe "$T/mqtt2.log"
got_all() { [ "$(events "$T/mqtt2.log" | jq -r 'select(.file=="bản tin số 1.opus") | .event' | sort -u | tr '\n' ' ')" = "finished started " ]; }
check "after a broker outage the reports made meanwhile arrive" wait_for 70 got_all

# A station that vanishes leaves its Last Will: online false, retained.
kill -9 "$STATION_PID"
will() {
	mqtt_sub -t loaxa/hon-quan/ban-b/status -C 1 -W 3 |
	    jq -e '.online == false' >/dev/null
}
check "a killed station's will says online false" wait_for 30 will
