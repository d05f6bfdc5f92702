#!/bin/sh
# A one-off slot with two Vietnamese bulletins plays at its time, back to back,
# through real ALSA (the file plugin), and the district sees it on MQTT.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
cp "$FIX/bản tin số 1.opus" "$FIX/thông báo.opus" "$S/"
AT=$(at_plus 3)
cat >"$S/schedule.cfg" <<EOF
slots = (
  { title = "Thông báo chiều"; at = "$AT";
    items = ( { file = "bản tin số 1.opus"; title = "Chính sách hỗ trợ hộ nghèo"; },
              { file = "thông báo.opus"; } ); }
);
EOF
station_config "$S" tan-thanh "file:'$S/out.raw',raw" "$S/schedule.cfg"
subscribe "$T/mqtt.log"
start_station "$S"

status_is() { last_status "$T/mqtt.log" tan-thanh | jq -e "$1" >/dev/null; }
ev_is() { echo "$1" | jq -e "$2" >/dev/null; }

# Any status before the slot (the last one may already say "playing").
any_status() { grep '^loaxa/[^ ]*/tan-thanh/status ' "$T/mqtt.log" | cut -d' ' -f2- >"$T/status.json"; jq_any "$T/status.json" "$1"; }
check "status is published retained with online, idle, version and next slot" \
	wait_for 10 any_status '.online == true and .state == "idle" and .version != null and .next_slot.title == "Thông báo chiều"'
check "both bulletins finish" wait_for 30 has_events "$T/mqtt.log" finished 2
# (The file sink plays faster than real time, so "playing" may never be seen
# here: it_paced.sh and it_vcard.sh check the status while a bulletin plays.)

E=$T/events.json
events "$T/mqtt.log" >"$E"
first=$(jq -c 'select(.event == "started")' "$E" | head -n 1)
second=$(jq -c 'select(.event == "started")' "$E" | sed -n 2p)
ISO_AT=$(date -d "$AT" '+%Y-%m-%dT%H:%M:%S%:z')
check "first started names the slot, title, file with diacritics and the scheduled time" \
	ev_is "$first" ".slot == \"Thông báo chiều\" and .title == \"Chính sách hỗ trợ hộ nghèo\" and .file == \"bản tin số 1.opus\" and .scheduled_at == \"$ISO_AT\" and .source == \"schedule\""
check "second started defaults its title to the file name" \
	ev_is "$second" '.title == "thông báo" and .file == "thông báo.opus"'
sha1=$(sha256sum "$S/bản tin số 1.opus" | cut -d' ' -f1)
check "events carry the bulletin's SHA-256" ev_is "$first" ".sha256 == \"$sha1\""
at1=$(echo "$first" | jq -r .at)
check "it did not start before its second" \
	[ "$(date -d "$at1" +%s)" -ge "$(date -d "$AT" +%s)" ]
pid1=$(echo "$first" | jq -r .play_id)
check "the first finished carries the first started's play_id" \
	[ "$(jq -r 'select(.event=="finished") | .play_id' "$E" | grep -c "^$pid1\$")" -eq 1 ]
check "the two plays have distinct ids" \
	[ "$(jq -r 'select(.event=="started") | .play_id' "$E" | sort -u | wc -l)" -eq 2 ]
check "finished reports the seconds played" \
	jq_any "$E" '.event=="finished" and .seconds > 1'

# The captured PCM is exactly the two bulletins, back to back, as libopusfile decodes them.
"$BUILD/tools/opus_refdecode" "$S/bản tin số 1.opus" "$T/r1.raw" 1
"$BUILD/tools/opus_refdecode" "$S/thông báo.opus" "$T/r2.raw" 1
cat "$T/r1.raw" "$T/r2.raw" >"$T/ref.raw"
wait_for 10 status_is '.state == "idle"'
cmp_out=$("$BUILD/tools/pcm_compare" "$T/ref.raw" "$S/out.raw" 1 200)
echo "# pcm_compare reference capture: $cmp_out"
set -- $cmp_out
check "captured frames equal the reference frames (no gap, nothing missing)" [ "$1" -eq "$2" ]
check "captured PCM is aligned with the reference (shift 0)" [ "$3" -eq 0 ]
check "captured PCM matches libopusfile's decode (SNR >= 50 dB)" ge "$4" 50
check "status is idle after the slot" status_is '.state == "idle" and .playing == null'
check "loaxactl status --json answers for a technician on site" \
	sh -c "'$BUILD/loaxactl' -s '$S/control.sock' status --json | jq -e '.online == true and .station == \"tan-thanh\"' >/dev/null"

stop_station "$STATION_PID"
offline() {
	mqtt_sub -t loaxa/hon-quan/tan-thanh/status -C 1 -W 5 |
	    jq -e '.online == false' >/dev/null
}
check "a clean stop leaves online false, retained" offline
