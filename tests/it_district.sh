#!/bin/sh
# The district publishes one signed schedule; every station fetches, verifies
# and arms it. Real parts: one mosquitto on loopback, 21 real loaxad
# processes on the ALSA null device, loaxactl keygen/publish, mosquitto_pub
# as an attacker or a broken link. Every wait is for events, with a deadline.
. tests/lib.sh
N=20			# stations online from the start; one more comes later
R=hon-quan
cd "$T" || exit 1
ctlx() { "$BUILD/loaxactl" "$@"; }

start_broker || exit 1
# The district's view: events and status only (the chunks are binary audio).
mosquitto_sub $(mqtt_opts district.monitor) -v -q 1 -t "loaxa/+/+/events" -t "$PING_TOPIC" \
	>"$T/bus.log" 2>/dev/null &
PIDS="$PIDS $!"
wait_for 5 sub_live "$T/bus.log" || notok "the district's subscriber is live"

# The district office: a key pair, and bulletins with Vietnamese names.
ctlx keygen "$T/district.key" >/dev/null
ctlx keygen "$T/intruder.key" >/dev/null
mkdir -p "$T/office"
cp "$FIX/bản tin số 1.opus" "$FIX/thông báo.opus" "$FIX/stereo.opus" "$T/office/"
check "keygen made a private secret key and a public one" \
	sh -c "[ \$(stat -c %a '$T/district.key') = 600 ] && grep -q loaxa-ed25519-public-v1 '$T/district.key.pub'"

station_dir() { printf '%s/st%02d' "$T" "$1"; }
i=1
while [ $i -le $((N + 1)) ]; do
	d=$(station_dir $i)
	station_config "$d" "xa-$i" null
	echo "district = { public_key = \"$T/district.key.pub\"; };" >>"$d/loaxa.cfg"
	i=$((i + 1))
done
i=1
while [ $i -le $N ]; do
	start_station "$(station_dir $i)" || notok "station $i started"
	eval "PID_$i=\$STATION_PID"
	i=$((i + 1))
done

# stations_with FILE EVENT JQ-CONDITION: how many stations reported such an event.
stations_with() {
	events "$1" "$2" | jq -r "select($3) | .station" | sort -u | wc -l
}
all_with() { [ "$(stations_with "$T/bus.log" "$1" "$2")" -ge "$3" ]; }
# some_event EVENT JQ-CONDITION: true when some such event was reported.
some_event() { events "$T/bus.log" "$1" | jq -s -e "any(.[]; $2)" >/dev/null; }
# every_event EVENT JQ-SELECT JQ-CONDITION COUNT: COUNT such events, all meeting the condition.
every_event() {
	events "$T/bus.log" "$1" | jq -s -e "[.[] | select($2)] | length == $4 and all(.[]; $3)" \
		>/dev/null
}

# A schedule of one-off slots, TITLE=SECONDS-FROM-NOW pairs, all with one bulletin each.
write_schedule() {
	f=$1; shift
	echo "slots = (" >"$f"
	sep=""
	for s in "$@"; do
		title=${s%%=*}; rest=${s#*=}; secs=${rest%%=*}; file=${rest#*=}
		printf '%s{ title = "%s"; at = "%s"; grace = 120; items = ( { file = "%s"; } ); }\n' \
			"$sep" "$title" "$(at_plus "$secs")" "$file" >>"$f"
		sep=","
	done
	echo ");" >>"$f"
}
publish() { ctlx publish "$@" --region $R --key "$T/district.key" $BROKER_OPTS; }
version_of() { sed -n 's/^Published district schedule version \([0-9]*\).*/\1/p' "$1"; }

# 1. One publish reaches every station; all arm it and play its slot on time.
write_schedule "$T/office/v1.cfg" "Bản tin 1=15=bản tin số 1.opus"
publish "$T/office/v1.cfg" >"$T/pub1.out" 2>&1
check "publish v1 exits 0 and says what it published" grep -q "bản tin số 1.opus" "$T/pub1.out"
V1=$(version_of "$T/pub1.out")
check "all $N stations arm version $V1" wait_for 30 all_with schedule_armed ".version == $V1" $N
check "all $N stations play the district slot" \
	wait_for 40 all_with started '.slot == "Bản tin 1"' $N
T1=$(events "$T/bus.log" started | jq -r 'select(.slot == "Bản tin 1") | .scheduled_at' | sort -u)
check "all $N played it once, at its time ($T1), not before" \
	every_event started '.slot == "Bản tin 1"' ".at >= .scheduled_at and .scheduled_at == \"$T1\"" $N
SHA1=$(sha256sum "$T/office/bản tin số 1.opus" | cut -d' ' -f1)
check "their proof of play names the district's file and its SHA-256" \
	every_event started '.slot == "Bản tin 1"' ".file == \"bản tin số 1.opus\" and .sha256 == \"$SHA1\"" $N
mqtt_sub -t "loaxa/$R/schedule" -C 1 -W 5 >"$T/m1.json"

# 2. A newer version replaces it; it has a slot after the attacks and one later still.
wait_for 5 sh -c "[ \$(date +%s) -gt $V1 ]"
T3=$(( $(date +%s) + 55 ))
write_schedule "$T/office/v2.cfg" "Bản tin 2=40=thông báo.opus" "Bản tin 3=55=bản tin số 1.opus"
publish "$T/office/v2.cfg" >"$T/pub2.out" 2>&1
V2=$(version_of "$T/pub2.out")
check "all $N stations arm version $V2" wait_for 30 all_with schedule_armed ".version == $V2" $N
mqtt_sub -t "loaxa/$R/schedule" -C 1 -W 5 >"$T/m2.json"

# 3. Each attack or accident is refused by every station, with the reason.
refused_by_all() {	# CODE DESCRIPTION
	check "$2: refused by all $N stations ($1)" \
		wait_for 30 all_with schedule_refused ".code == \"$1\" and (.reason | length) > 20" $N
}
ctlx publish "$T/office/v2.cfg" --region $R --key "$T/intruder.key" $BROKER_OPTS \
	>/dev/null 2>&1
refused_by_all bad_signature "a manifest signed by another key"
mqtt_pub -q 1 -r -t "loaxa/$R/schedule" -f "$T/m1.json"
refused_by_all not_newer "a replay of the older manifest"
mqtt_pub -q 1 -r -t "loaxa/$R/schedule" -m "<html>502 Bad Gateway</html>"
refused_by_all not_json "a manifest that is not JSON"
# A genuine manifest whose bulletin was altered on the broker: made on a scratch
# broker, then its manifest is put next to a tampered copy of the bulletin.
wait_for 5 sh -c "[ \$(date +%s) -gt $V2 ]"
MAIN_PORT=$PORT MAIN_BROKER=$BROKER_PID MAIN_DISTRICT=$DISTRICT MAIN_OPTS=$BROKER_OPTS
DISTRICT=$T/scratch
start_broker || exit 1
write_schedule "$T/office/v3.cfg" "Bản tin giả=30=stereo.opus"
publish "$T/office/v3.cfg" >/dev/null 2>&1
mqtt_sub -t "loaxa/$R/schedule" -C 1 -W 5 >"$T/m3.json"
stop_broker
PORT=$MAIN_PORT BROKER_PID=$MAIN_BROKER DISTRICT=$MAIN_DISTRICT BROKER_OPTS=$MAIN_OPTS
# What publish sent is the chord brought to the bulletins' loudness: import makes the same bytes.
"$BUILD/loaxactl" import "$T/office/stereo.opus" "$T/prepared.opus" >/dev/null
SHA=$(sha256sum "$T/prepared.opus" | cut -d' ' -f1)
cp "$T/prepared.opus" "$T/tampered.opus"
printf 'X' | dd of="$T/tampered.opus" bs=1 seek=20000 conv=notrunc 2>/dev/null
mqtt_pub -q 1 -r -t "loaxa/$R/audio/$SHA/0" -f "$T/tampered.opus"
mqtt_pub -q 1 -r -t "loaxa/$R/schedule" -f "$T/m3.json"
refused_by_all bulletin_mismatch "a bulletin altered on the broker"
check "no station stored the altered bulletin" \
	sh -c "! ls $T/st*/state/bulletins/$SHA.opus 2>/dev/null | grep -q ."
check "the armed schedule keeps playing: all $N play the next slot of version $V2" \
	wait_for 60 all_with started '.slot == "Bản tin 2"' $N

# 4. A station that was offline during the publish arms the schedule when it comes back.
mqtt_pub -q 1 -r -t "loaxa/$R/schedule" -f "$T/m2.json"
start_station "$(station_dir $((N + 1)))"
check "the station that was offline arms version $V2 when it comes back" \
	wait_for 30 some_event schedule_armed ".station == \"xa-$((N + 1))\" and .version == $V2"

# 5. A station restarted with the broker down still plays the armed schedule.
stop_broker
stop_station "$PID_1"
start_station "$(station_dir 1)"
PID_1=$STATION_PID
check "restarted without the broker, station 1 still has version $V2 in force" \
	sh -c "'$BUILD/loaxactl' -s '$(station_dir 1)/control.sock' status --json | \
	jq -e '.district.version == $V2 and .district.complete' >/dev/null"
# Bản tin 3 is due 55 s after version 2 was published; the broker stays down until then.
wait_for 90 sh -c "[ \$(date +%s) -gt $((T3 + 3)) ]"
BACK=$(date '+%Y-%m-%dT%H:%M:%S')
restart_broker
check "it played its slot while the broker was down (proof of play arrives afterwards)" \
	wait_for 30 some_event started ".station == \"xa-1\" and .slot == \"Bản tin 3\" and .at < \"$BACK\""
check "storage holds only what version $V2 uses" \
	sh -c "[ \$(ls '$(station_dir 2)/state/bulletins' | wc -l) -eq 2 ]"
