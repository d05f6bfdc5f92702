#!/bin/sh
# Dashboards that find stations by themselves (issue 12, part 4): the
# district's collector (loaxa-collectd, with an identity made by
# `loaxa-district add-client --role collector`) publishes Home Assistant's
# device discovery for each station of its region, over TLS to a real
# broker as loaxa-district sets it up, from real stations' statuses. Home
# Assistant is played by mosquitto's own clients with a dashboard identity
# (--role dashboard): what it reads and the birth it sends. The discovery
# is retained, on the right topic, reads the station's own topics, goes
# again when Home Assistant starts, when the station's name changes and
# after the broker lost it, but not on every status; a station revoked with
# `loaxa-district revoke --reload` loses its retained status and its
# device, and a restarted collector does not bring it back; the broker
# refuses the collector another region's discovery.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
{
	"$LOAXA_DISTRICT" add-client "$DISTRICT" collector --role collector &&
	"$LOAXA_DISTRICT" add-client "$DISTRICT" ha --role dashboard &&
	"$LOAXA_DISTRICT" add-client "$DISTRICT" ha2 --role dashboard
} >>"$T/district.log" 2>&1 || { cat "$T/district.log" >&2; notok "add-client --role collector, dashboard"; exit 1; }
stop_broker
restart_broker || { notok "the broker comes back with the new identities"; exit 1; }

collector_setup
stop_collector() { kill "$CPID" 2>/dev/null; wait "$CPID" 2>/dev/null; }

# Home Assistant's side: everything under homeassistant/, one line a message:
# topic, retain flag, QoS, payload length, payload. One identity is one
# session: the subscriber has its own (district.ha), what publishes Home
# Assistant's birth and reads retained messages another (district.ha2).
HA_LOG=$T/ha.log
# shellcheck disable=SC2046
mosquitto_sub $(mqtt_opts district.ha) -V 5 -q 1 -F '%t|%r|%q|%l|%p' -t 'homeassistant/#' >"$HA_LOG" 2>"$T/ha.err" &
PIDS="$PIDS $!"
ha_pub() { mosquitto_pub $(mqtt_opts district.ha2) -V 5 -q 1 "$@"; }
ha_live() { ha_pub -t homeassistant/status -m probe && grep -q '^homeassistant/status|0|1|5|probe$' "$HA_LOG"; }
wait_for 10 ha_live || notok "Home Assistant's subscriber is live"

TOPIC1=homeassistant/device/hon-quan/xa-mot/config
TOPIC2=homeassistant/device/hon-quan/xa-hai/config
jqe() { jq -e "$@" >/dev/null; }
# configs TOPIC: how many non-empty discovery messages came on TOPIC.
configs() { grep -c "^$1|[01]|1|[1-9][0-9]*|{" "$HA_LOG"; }
more_configs() { [ "$(configs "$1")" -gt "$2" ]; }
# latest TOPIC: the payload of the latest of them.
latest() { grep "^$1|[01]|1|[1-9][0-9]*|{" "$HA_LOG" | tail -n 1 | cut -d'|' -f5-; }
# retained TOPIC: the retained message on TOPIC, or nothing. A station's
# retained status is asked for after it, and mosquitto sends the retained
# messages of one SUBSCRIBE in its order: the answer is known, no timeout.
retained() {
	# shellcheck disable=SC2046
	mosquitto_sub $(mqtt_opts district.ha2) -V 5 -q 1 --retained-only -C 1 -W 10 -F '%t|%p' \
	    -t "$1" -t "loaxa/hon-quan/$SENTINEL/status" | sed -n "s#^$1|##p"
}

# --- Two real stations, then the collector ------------------------------------------
for id in xa-mot xa-hai; do
	station_config "$T/$id" "$id" null
	start_station "$T/$id"
	eval "PID_$(echo $id | tr - _)=\$STATION_PID"
done
SENTINEL=xa-hai
# shellcheck disable=SC2046
status_of() { mosquitto_sub $(mqtt_opts district.probe) -V 5 --retained-only -C 1 -W 10 -t "loaxa/hon-quan/$1/status"; }
online() { status_of "$1" | jq -e '.online == true' >/dev/null; }
wait_for 20 online xa-mot && wait_for 20 online xa-hai || notok "the stations are online"
check "loaxa-collectd connects with the collector identity" start_collector
check "the collector publishes a discovery for each station it hears of" \
	wait_for 20 sh -c "[ \$(grep -c '^$TOPIC1|' '$HA_LOG') -ge 1 ] && [ \$(grep -c '^$TOPIC2|' '$HA_LOG') -ge 1 ]"
retained "$TOPIC1" >"$T/cfg1.json"
check "it is retained on homeassistant/device/<region>/<station>/config" jqe . "$T/cfg1.json"
check "with QoS 1" grep -q "^$TOPIC1|0|1|" "$HA_LOG"
status_of xa-mot >"$T/status1.json"
check "the device is the station, named as it names itself (UTF-8): $(jq -r .name "$T/status1.json")" \
	jqe --slurpfile s "$T/status1.json" '.device.name == $s[0].name and (.device.name | test("Đài truyền thanh xã"))
	    and .device.identifiers == ["loaxa_hon-quan_xa-mot"]' "$T/cfg1.json"
check "availability and state are the station's own status topic, where it is online now" \
	jqe '.availability[0].topic == "loaxa/hon-quan/xa-mot/status" and .state_topic == "loaxa/hon-quan/xa-mot/status"
	    and .availability[0].payload_available == "online"' "$T/cfg1.json"
check "the last result comes from the station's events" \
	jqe '.components.last_result.state_topic == "loaxa/hon-quan/xa-mot/events"' "$T/cfg1.json"
check "every component has a platform and a unique id, all different" \
	jqe '[.components[] | .unique_id] | (length >= 12) and (unique | length) == length' "$T/cfg1.json"
check "origin names the collector" jqe '.origin.name == "loaxa-collectd"' "$T/cfg1.json"

# --- Not on every status; again when Home Assistant starts ---------------------------
n1=$(configs "$TOPIC1")
ctl "$T/xa-mot" queue "$FIX/thông báo.opus" --title "Thông báo" >/dev/null
# The collector has had the statuses the play brought (it stores them after
# it has read them): one from after the play's end.
after_play() {
	[ "$(sqlite3 -cmd '.timeout 5000' "$DB" "SELECT count(*) FROM station s, record r WHERE
	    s.station = 'xa-mot' AND r.station = 'xa-mot' AND r.event = 'finished' AND
	    r.title = 'Thông báo' AND s.status_at >= r.at")" = 1 ]
}
wait_for 30 after_play || echo "# the collector has no status of xa-mot from after its play"
ha_pub -t homeassistant/status -m online
check "Home Assistant's birth (homeassistant/status online) brings the discovery again" \
	wait_for 20 more_configs "$TOPIC1" "$n1"
check "and only that: the station's new statuses brought none (one more, not two)" \
	[ "$(configs "$TOPIC1")" -eq $(( n1 + 1 )) ]

# --- A new name ---------------------------------------------------------------------
n1=$(configs "$TOPIC1")
stop_station "$PID_xa_mot"
sed -i 's/name = "[^"]*"/name = "Đài truyền thanh phường Mới"/' "$T/xa-mot/loaxa.cfg"
start_station "$T/xa-mot"
PID_xa_mot=$STATION_PID
renamed() { latest "$TOPIC1" | jq -e '.device.name == "Đài truyền thanh phường Mới"' >/dev/null; }
check "a station whose name changes is published again with its new name" wait_for 30 renamed

# --- The broker loses everything: the collector publishes again when it reconnects ---
stop_broker
rm -f "$DISTRICT/broker/data/mosquitto.db"
restart_broker || notok "the broker comes back"
back() { retained "$TOPIC1" | jq -e '.device.name == "Đài truyền thanh phường Mới"' >/dev/null; }
check "after the collector reconnects, its discovery is retained again" wait_for 40 back

# --- Revoked: the status and the device go, and stay gone ---------------------------
wait_for 20 online xa-mot || notok "xa-mot is online again"
"$LOAXA_DISTRICT" revoke "$DISTRICT" xa-mot --reload >"$T/revoke.out" 2>&1
sed 's/^/# /' "$T/revoke.out"
check "revoke --reload clears the status the station left retained" \
	grep -q 'Cleared the status station "xa-mot" left retained' "$T/revoke.out"
gone() { grep -q "^$TOPIC1|0|1|0|$" "$HA_LOG"; }
check "the collector then removes its device: an empty retained message on its discovery topic" wait_for 20 gone
check "the broker holds no discovery for it any more" [ -z "$(retained "$TOPIC1")" ]
check "nor a status" [ -z "$(retained loaxa/hon-quan/xa-mot/status)" ]
# The revoked station is still connected (denied everything). Its Last Will,
# when it vanishes, must not bring the status back: the broker checks the
# will against the ACL when it sends it.
gone_lines() { grep -c 'Client xa-mot closed its connection' "$T/mosquitto.log"; }
n_gone=$(gone_lines)
kill -9 "$PID_xa_mot"
wait "$PID_xa_mot" 2>/dev/null
# The broker sends a will when it sees the connection go, which it logs.
vanished() { [ "$(gone_lines)" -gt "$n_gone" ]; }
wait_for 20 vanished || echo "# the broker did not log that xa-mot's connection went"
check "its Last Will does not bring the status back (the ACL denies it)" [ -z "$(retained loaxa/hon-quan/xa-mot/status)" ]
check "the other station keeps its device" sh -c "[ -n \"\$(mosquitto_sub $(mqtt_opts district.ha2) -V 5 --retained-only -C 1 -W 10 -t $TOPIC2)\" ]"

n2=$(configs "$TOPIC2")
stop_collector
start_collector || notok "the collector starts again"
check "a restarted collector announces the stations there are" wait_for 20 more_configs "$TOPIC2" "$n2"
check "and not the revoked one" [ -z "$(retained "$TOPIC1")" ]

# A station revoked while the collector is away: its session brings the
# emptied status when it comes back, and the device goes then.
stop_collector
"$LOAXA_DISTRICT" revoke "$DISTRICT" xa-hai --reload >"$T/revoke2.out" 2>&1 || cat "$T/revoke2.out" >&2
start_collector || notok "the collector starts again"
gone2() { grep -q "^$TOPIC2|0|1|0|$" "$HA_LOG"; }
check "a station revoked while the collector was away loses its device when it is back" wait_for 20 gone2

# --- What the broker lets the collector do -------------------------------------------
stop_collector	# one identity is one session: the probes below would take its place
col_pub() { mosquitto_pub $(mqtt_opts district.collector) -V 5 -q 1 -t "$1" -m x 2>"$T/col.err"; }
denied() { col_pub "$1" && grep -q 'Not authorized' "$T/col.err"; }
check "the broker refuses the collector another region's discovery topic" \
	denied homeassistant/device/other-region/x/config
check "and a discovery outside the device tree" denied homeassistant/sensor/hon-quan/x/config
check "and a station's status" denied loaxa/hon-quan/xa-hai/status
check "and Home Assistant's birth" denied homeassistant/status
col_pub homeassistant/device/hon-quan/test-probe/config
check "it may write its own region's discovery" sh -c "! grep -q 'Not authorized' '$T/col.err'"
mosquitto_pub $(mqtt_opts district.collector) -V 5 -q 1 -r -n -t homeassistant/device/hon-quan/test-probe/config 2>/dev/null
check "the broker refused none of the collector's publishes" sh -c "! grep -q 'refused .* of the collector' '$CLOG'"
