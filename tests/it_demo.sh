#!/bin/sh
# make demo, the README's first command, as a new user runs it: the district
# is made, the station connects over TLS with its own identity, the bulletin
# plays, the district's monitor sees it, and nothing is left running.
. tests/lib.sh

OUT=$T/demo-out
DEMO_OUT=$OUT DEMO_WAV=1 sh provisioning/demo.sh "$BUILD" >"$T/demo.txt" 2>&1
rc=$?
sed 's/^/# /' "$T/demo.txt" | tail -n 20
check "the demo ends with exit status 0" [ "$rc" -eq 0 ]
check "the district's monitor saw the bulletin finish, over TLS" \
	grep -q '^loaxa/hon-quan/tan-thanh/events {"event":"finished".*"title":"Hỗ trợ vay vốn cho hộ nghèo, hộ cận nghèo"' "$OUT/mqtt.log"
check "the station's status said it was connected to the broker over TLS" \
	grep -q '^loaxa/hon-quan/tan-thanh/status {"online":true.*"tls":{"cert_days_left":' "$OUT/mqtt.log"
check "the fleet view listed the station online and healthy" \
	grep -q '^Region hon-quan: 1 station; 1 online and healthy' "$T/demo.txt"
check "the bulletin went into the WAV file: 18 s of 48 kHz mono" \
	sh -c "[ \$(stat -c %s '$OUT/phat-thanh.wav') -gt 1700000 ]"
check "the station's configuration names its TLS files" grep -q 'tls = { ca = "ca.crt"' "$OUT/loaxa.cfg"
check "the broker refused no publish of the station" sh -c "! grep -q 'refused\":[1-9]' '$OUT/mqtt.log'"
D=$(sed -n 's/.*the station.s identity, in \(.*\) (removed at the end).*/\1/p' "$T/demo.txt")
check "the district's directory in /tmp is removed" sh -c "[ -n '$D' ] && [ ! -e '$D' ]"
check "nothing of the demo is left running" sh -c "! pgrep -f '[l]oaxad -c $OUT/loaxa.cfg' >/dev/null && ! pgrep -f '[m]osquitto -c $D/' >/dev/null"
