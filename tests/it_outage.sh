#!/bin/sh
# A broker outage while the station plays several slots: the broker is stopped
# just before they start, the station plays them all the same, and when the
# broker is back every record arrives, in order, each (play_id, event) counted
# once however many times it was delivered. The collector keeps a persistent
# session on a broker that persists it, so that it misses nothing while the
# broker is down, whoever reconnects first.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
stop_broker
mkdir -p "$T/mq"
{
	echo "listener $PORT 127.0.0.1"
	echo "allow_anonymous true"
	echo "persistence true"
	echo "persistence_location $T/mq/"
	[ "$(id -u)" -eq 0 ] && echo "user root"	# else it drops to a user that cannot write $T
} >"$T/mosquitto.conf"
restart_broker || { notok "the persistent broker starts"; exit 1; }
mqtt_sub -c -i loaxa-collector -q 1 -v -t 'loaxa/+/+/events' \
    >"$T/collector.log" 2>"$T/collector.err" &
PIDS="$PIDS $!"
coll_live() {
	mqtt_pub -q 1 -t loaxa/x/y/events -m '{"ping":1}' &&
	grep -q 'ping' "$T/collector.log"
}
wait_for 10 coll_live

S=$T/station
mkdir -p "$S"
cp "$FIX/thông báo.opus" "$FIX/bản tin số 1.opus" "$S/"
A1=$(at_plus 5); A2=$(at_plus 6); A3=$(at_plus 7); A4=$(at_plus 8)
cat >"$S/schedule.cfg" <<EOF2
slots = (
  { title = "Slot 1"; at = "$A1"; items = ( { file = "thông báo.opus"; title = "Một"; } ); },
  { title = "Slot 2"; at = "$A2"; items = ( { file = "bản tin số 1.opus"; title = "Hai"; } ); },
  { title = "Slot 3"; at = "$A3"; items = ( { file = "thông báo.opus"; title = "Ba"; },
                                            { file = "bản tin số 1.opus"; title = "Bốn"; } ); },
  { title = "Slot 4"; at = "$A4"; items = ( { file = "thông báo.opus"; title = "Năm"; } ); }
);
EOF2
station_config "$S" xa-mat-mang "file:'|pv -q -B 4096 -L 960000 >/dev/null',raw" "$S/schedule.cfg"
start_station "$S"
connected() { ctl "$S" status --json | jq -e '.mqtt.connected == true' >/dev/null; }
check "the station connects to the broker" wait_for 20 connected
id=$(ctl "$S" queue "$FIX/thông báo.opus" --title "Trước khi mất mạng" | head -n 1)
before() { events "$T/collector.log" | jq -e "select(.queue_id == $id and .event == \"finished\")" >/dev/null; }
check "a bulletin played before the outage reaches the collector" wait_for 30 before

stop_broker
local_records() { ctl "$S" log --json | jq '[.records[] | select(.slot != null)] | length'; }
played_all() { [ "$(local_records)" -ge 10 ]; }
check "with the broker down, the station plays all four slots (five bulletins)" wait_for 60 played_all
check "and knows the district link is down" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' status --json | jq -e '.mqtt.connected == false' >/dev/null"

restart_broker || notok "the broker comes back"
ctl "$S" log --json | jq -c '.records[] | {play_id, event}' >"$T/want.jsonl"
arrived() {
	events "$T/collector.log" | jq -c 'select(.play_id != null) | {play_id, event}' >"$T/got.jsonl"
	[ -z "$(sort -u "$T/want.jsonl" | comm -23 - "$(sort -u "$T/got.jsonl" >"$T/got.sorted"; echo "$T/got.sorted")")" ]
}
check "after the outage every record reaches the collector" wait_for 90 arrived
want=$(wc -l <"$T/want.jsonl")
got=$(wc -l <"$T/got.jsonl")
distinct=$(sort -u "$T/got.jsonl" | wc -l)
echo "# $want records in the station's log; the collector got $got messages, $distinct distinct"
# The collector's first sighting of each record, in the order it came.
awk '!seen[$0]++' "$T/got.jsonl" >"$T/first.jsonl"
check "they arrive in the order they were recorded" cmp -s "$T/want.jsonl" "$T/first.jsonl"
check "counted by play_id and event, nothing is counted twice" [ "$distinct" -eq "$want" ]
check "every play has one started and one end" \
	sh -c "jq -s -e 'group_by(.play_id) | all(length == 2 and .[0].event == \"started\")' '$T/first.jsonl' >/dev/null"
check "the outage did not stop the station" kill -0 "$STATION_PID"
