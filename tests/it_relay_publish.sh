#!/bin/sh
# A district schedule with a relay slot (tiếp sóng): `loaxactl publish`
# prepares its fallback recordings (a WAV and an MP3) as it does items, sends
# them and a format-4 manifest; a real loaxad fetches, stores and keeps the
# fallback bulletins, arms the schedule, keeps it across a restart and goes on
# playing its other slots. The relay slot is a one-off a year ahead, so it
# never comes due here: playing the stream is the station's part, tested
# where it is written. Real parts: mosquitto over TLS on loopback, loaxad on
# the ALSA null device, loaxactl keygen/publish/import, ffmpeg and sox.
. tests/lib.sh
R=hon-quan
cd "$T" || exit 1
ctlx() { "$BUILD/loaxactl" "$@"; }
# shellcheck disable=SC2086
publish() { ctlx publish "$@" --region $R --key "$T/district.key" $BROKER_OPTS; }
version_of() { sed -n 's/^Published district schedule version \([0-9]*\).*/\1/p' "$1"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
# The bulletin publish makes of a recording: the same bytes as loaxactl import.
prepared_sha() { ctlx import "$1" "$T/prep.opus" >/dev/null && sha_of "$T/prep.opus"; }

start_broker || exit 1
# shellcheck disable=SC2046
mosquitto_sub $(mqtt_opts district.monitor) -v -q 1 -t "loaxa/+/+/events" -t "$PING_TOPIC" \
	>"$T/bus.log" 2>/dev/null &
PIDS="$PIDS $!"
wait_for 5 sub_live "$T/bus.log" || notok "the district's subscriber is live"
# some_event EVENT JQ-CONDITION: true when the station reported such an event.
some_event() { events "$T/bus.log" "$1" | jq -s -e "any(.[]; $2)" >/dev/null; }
armed() { some_event schedule_armed "$1"; }
no_refusal() { [ "$(count_events "$T/bus.log" schedule_refused)" -eq 0 ]; }

# The district office: a key, a bulletin, and fallback recordings that are not Opus.
ctlx keygen "$T/district.key" >/dev/null
mkdir -p "$T/office"
cp "$FIX/bản tin số 1.opus" "$FIX/thông báo.opus" "$T/office/"
sox -n -r 44100 -c 2 -b 16 "$T/office/nhạc nền.wav" synth 4 sine 440 2>/dev/null
ffmpeg -nostdin -v error -y -f lavfi -i "sine=frequency=550:duration=3" -ac 1 \
	-c:a libmp3lame -b:a 64k "$T/office/chuông.mp3"
SHA_WAV=$(prepared_sha "$T/office/nhạc nền.wav")
SHA_MP3=$(prepared_sha "$T/office/chuông.mp3")
SHA_A=$(prepared_sha "$T/office/bản tin số 1.opus")
SHA_B=$(prepared_sha "$T/office/thông báo.opus")
check "the fallback recordings make two distinct bulletins" \
	sh -c "[ -n '$SHA_WAV' ] && [ -n '$SHA_MP3' ] && [ '$SHA_WAV' != '$SHA_MP3' ]"

D=$T/st
station_config "$D" xa-1 null
echo "district = { public_key = \"$T/district.key.pub\"; };" >>"$D/loaxa.cfg"
start_station "$D" || notok "the station started"
PID=$STATION_PID

# A relay slot a year ahead, with credentials in its address, and a bulletin slot.
NEXT_YEAR=$(date -d '+1 year' '+%Y-%m-%d')
URL="http://tiepsong:mk-bi-mat@radio.tinh.example:8000/kenh1?token=abc123"
write_schedule() {	# FILE ITEM-FILE ITEM-AT
	cat >"$1" <<EOF
slots = (
  { title = "Tiếp sóng Đài tỉnh"; at = "$NEXT_YEAR 05:30"; duration = "30m";
    relay = "$URL";
    fallback = ( { file = "nhạc nền.wav"; title = "Nhạc nền"; }, { file = "chuông.mp3"; } ); },
  { title = "Bản tin"; at = "$3"; grace = 120; items = ( { file = "$2"; } ); }
);
EOF
}

# 1. Published: the fallback is prepared and sent like items; the manifest is format 4.
write_schedule "$T/office/v1.cfg" "bản tin số 1.opus" "$NEXT_YEAR 06:00"
publish "$T/office/v1.cfg" >"$T/pub1.out" 2>&1
check "publish of a relay slot exits 0" grep -q "^Published district schedule" "$T/pub1.out"
check "publish shows the relay without its credentials, and for how long" \
	grep -q "relays http://radio.tinh.example:8000/kenh1 for 30m$" "$T/pub1.out"
check "no credential of the address is printed" sh -c "! grep -q 'mk-bi-mat\|abc123' '$T/pub1.out'"
check "publish prepared the WAV and the MP3 fallback as bulletins" \
	sh -c "grep -q 'Prepared \".*nhạc nền.wav\"' '$T/pub1.out' && grep -q 'Prepared \".*chuông.mp3\"' '$T/pub1.out'"
check "publish lists the fallback under the relay" \
	grep -q '"Nhạc nền" (nhạc nền.wav, 4.0 s, .*sha256 '"$(echo "$SHA_WAV" | cut -c1-12)" "$T/pub1.out"
V1=$(version_of "$T/pub1.out")
mqtt_sub -t "loaxa/$R/schedule" -C 1 -W 5 | jq -r .manifest >"$T/m1.json"
# shellcheck disable=SC2016
check "the manifest is format 4 with the relay slot: address, duration in seconds, no items" \
	jq -e --arg url "$URL" '.format == 4 and .slots[0].relay == $url and
	    .slots[0].duration == 1800 and (.slots[0] | has("items") | not)' "$T/m1.json" >/dev/null
# shellcheck disable=SC2016
check "the manifest's fallback lists both prepared bulletins, in order, named as prepared" \
	jq -e --arg w "$SHA_WAV" --arg m "$SHA_MP3" '[.slots[0].fallback[].sha256] == [$w, $m] and
	    .slots[0].fallback[0].file == "nhạc nền.opus" and .slots[0].fallback[0].title == "Nhạc nền"
	    and .slots[0].fallback[1].duration == 3' "$T/m1.json" >/dev/null

# 2. The station fetches the fallback with the items, stores it, and arms.
check "the station arms version $V1 with 3 bulletins" \
	wait_for 30 armed ".version == $V1 and .slots == 2 and .bulletins == 3"
for sha in "$SHA_WAV" "$SHA_MP3" "$SHA_A"; do
	check "the station stored bulletin ${sha%"${sha#????????????}"}…, byte for byte" \
		sh -c "[ \"\$(sha256sum '$D/state/bulletins/$sha.opus' | cut -d' ' -f1)\" = $sha ]"
done
check "the station reports version $V1 complete" \
	sh -c "'$BUILD/loaxactl' -s '$D/control.sock' status --json | \
	jq -e '.district.version == $V1 and .district.complete and .district.bulletins == 3' >/dev/null"

# 3. A newer version with the same relay: the fallback is kept, the old item is collected.
wait_for 5 sh -c "[ \$(date +%s) -gt $V1 ]"
write_schedule "$T/office/v2.cfg" "thông báo.opus" "$(at_plus 15)"
publish "$T/office/v2.cfg" >"$T/pub2.out" 2>&1
V2=$(version_of "$T/pub2.out")
check "the station arms version $V2" wait_for 30 armed ".version == $V2 and .bulletins == 3"
check "storage keeps the fallback bulletins and the new item, and only them" \
	wait_for 10 sh -c "[ \"\$(ls '$D/state/bulletins' | sort | tr '\n' ' ')\" = \
	    \"\$(printf '%s.opus\n' $SHA_WAV $SHA_MP3 $SHA_B | sort | tr '\n' ' ')\" ]"
check "with a relay slot armed, the station plays its bulletin slot" \
	wait_for 40 some_event started '.slot == "Bản tin"'

# 4. Restarted, it re-arms the persisted schedule, fallback and all, complete.
stop_station "$PID"
start_station "$D" || notok "the station restarted"
PID=$STATION_PID
check "restarted, the station has version $V2 in force, complete" \
	wait_for 10 sh -c "'$BUILD/loaxactl' -s '$D/control.sock' status --json | \
	jq -e '.district.version == $V2 and .district.complete' >/dev/null"
check "the station is still running" kill -0 "$PID"
check "it refused no district schedule" no_refusal
