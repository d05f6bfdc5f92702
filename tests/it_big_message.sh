#!/bin/sh
# A huge message retained on the schedule topic (issue 15, item 11), against
# the real daemon and broker: the station tells the broker in CONNECT the
# largest packet it takes (MQTT v5 maximum-packet-size), so the broker never
# sends the 64 MB message; the station's memory stays small, it stays
# connected, and it still hears what fits (a signed alert's refusal here).
# The district's broker, as loaxa-district sets it up, refuses such a message
# in the first place; the station must hold out on a broker that does not.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
"$BUILD/loaxactl" keygen "$T/district.key" >/dev/null
station_config "$S" tan-thanh "null"
echo "district = { public_key = \"$T/district.key.pub\"; };" >>"$S/loaxa.cfg"
head -c 64M /dev/zero | tr '\0' 'x' >"$T/big"
# (mosquitto_pub 2.0.11 exits 0 when the broker's maximum packet size stops
# it: what counts is that nothing is retained.)
mqtt_pub -V 5 -q 1 -r -t loaxa/hon-quan/schedule -f "$T/big" 2>/dev/null
nothing_retained() { [ -z "$(mqtt_sub -t loaxa/hon-quan/schedule -C 1 -W 2 2>/dev/null | head -c 1)" ]; }
check "the district's broker refuses a 64 MB message on the schedule topic: nothing is retained" \
	nothing_retained
# A broker not set up by loaxa-district: no limits.
stop_broker
sed -i '/^message_size_limit\|^max_packet_size/d' "$DISTRICT/broker/mosquitto.conf"
restart_broker || notok "the broker without limits starts"
mqtt_pub -q 1 -r -t loaxa/hon-quan/schedule -f "$T/big" ||
	notok "a 64 MB message is retained on the schedule topic"
subscribe "$T/mqtt.log"
start_station "$S"
online() { last_status "$T/mqtt.log" tan-thanh | jq -e '.online == true' >/dev/null; }
check "the station comes online with the big message retained" wait_for 20 online
# Something small after it, on a topic it listens to: proof the link carries on.
mqtt_pub -q 1 -t loaxa/hon-quan/alert/x -m 'not an alert'
refused() { events "$T/mqtt.log" alert_refused | grep -q .; }
check "and it still hears what fits on the link (an unsigned alert is refused)" wait_for 20 refused
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$STATION_PID/status")
echo "# loaxad VmHWM: $hwm KiB"
check "the 64 MB message never reached the station's memory (VmHWM $hwm KiB < 32 MiB)" [ "${hwm:-999999}" -lt 32768 ]
check "the station never saw it (it was not sent, not dropped)" sh -c "! grep -q 'dropped a message' '$S/loaxad.log'"
connected() { ctl "$S" status --json | jq -e '.mqtt.connected == true' >/dev/null; }
check "the station is still connected" connected
