#!/bin/sh
# make demo: a whole station on this machine. A private mosquitto on loopback,
# loaxad with the demo station, a Vietnamese bulletin due a few seconds later,
# played to the sound card (or into a WAV file where there is none), and the
# MQTT status and events shown as they arrive. Everything stops by itself.
set -eu
BUILD=${1:-build}
# The stations are in Vietnam; show their times as the commune sees them.
export TZ=${TZ:-Asia/Ho_Chi_Minh}
TOP=$(pwd)
DIR=$TOP/demo-out
rm -rf "$DIR"
mkdir -p "$DIR"
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# A sound card? Otherwise the station plays into a WAV file.
if [ -n "$(aplay -l 2>/dev/null | grep '^card')" ]; then
	DEVICE=default
	WHERE="the default sound card"
else
	DEVICE="file:'$DIR/phat-thanh.wav',wav"
	WHERE="$DIR/phat-thanh.wav (this machine has no sound card)"
fi

PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" >"$DIR/mosquitto.conf"
mosquitto -c "$DIR/mosquitto.conf" >"$DIR/mosquitto.log" 2>&1 &
PIDS="$PIDS $!"

cp "$TOP/config/demo/Bản tin giảm nghèo.opus" "$DIR/"
AT=$(date -d "@$(( $(date +%s) + 6 ))" '+%Y-%m-%d %H:%M:%S')
cat >"$DIR/schedule.cfg" <<EOF
# The demo schedule: one bulletin a few seconds from now, and the daily programme.
slots = (
  { title = "Bản tin giảm nghèo"; at = "$AT";
    items = ( { file = "Bản tin giảm nghèo.opus"; title = "Hỗ trợ vay vốn cho hộ nghèo, hộ cận nghèo"; } ); },
  { title = "Bản tin sáng"; at = "06:00"; days = "daily";
    items = ( { file = "Bản tin giảm nghèo.opus"; } ); }
);
EOF
sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$PORT|g" -e "s|@DEVICE@|$DEVICE|g" \
    "$TOP/config/demo/loaxa.cfg.in" >"$DIR/loaxa.cfg"

say "The district's view: MQTT topics loaxa/hon-quan/tan-thanh/status and /events"
sleep 0.3
# The subscriber's pid is written down so that stopping it ends the whole pipeline.
sh -c 'echo $$ >"$1/sub.pid"; exec mosquitto_sub -h 127.0.0.1 -p "$2" -v -t "loaxa/#"' sh "$DIR" "$PORT" 2>/dev/null |
	tee "$DIR/mqtt.log" | while read -r topic payload; do
		printf '\033[36m%s\033[0m\n' "$topic"
		echo "$payload" | jq -C . 2>/dev/null || echo "$payload"
	done &
sleep 0.3
PIDS="$PIDS $(cat "$DIR/sub.pid")"

say "Starting loaxad (the station) with $DIR/loaxa.cfg; the bulletin is due at $AT, played to $WHERE"
"$BUILD/loaxad" -c "$DIR/loaxa.cfg" 2>"$DIR/loaxad.log" &
STATION=$!
PIDS="$PIDS $STATION"
i=0
until [ -S "$DIR/control.sock" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done

say "What an operator sees: loaxactl list"
"$BUILD/loaxactl" -s "$DIR/control.sock" list

# Wait for the bulletin to finish (or fail), at most a minute.
i=0
until grep -q '"event":"\(finished\|failed\)"' "$DIR/mqtt.log" 2>/dev/null || [ $i -ge 600 ]; do
	sleep 0.1; i=$((i + 1))
done
sleep 1
say "loaxactl status"
"$BUILD/loaxactl" -s "$DIR/control.sock" status
say "Stopping the station: it leaves {\"online\": false} behind"
kill "$STATION"
wait "$STATION" 2>/dev/null || true
sleep 0.5
say "Done. The daemon's log is $DIR/loaxad.log; the broadcast went to $WHERE"
