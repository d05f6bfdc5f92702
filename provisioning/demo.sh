#!/bin/sh
# make demo: a whole station on this machine. A district made by
# loaxa-district (its CA, its broker's TLS configuration and ACL, the
# station's identity), its private mosquitto on loopback, loaxad with the demo
# station connecting over TLS with its own certificate, a Vietnamese bulletin
# due a few seconds later, played to the sound card (or into a WAV file where
# there is none), and the MQTT status and events shown as the district's
# monitor sees them. Everything stops by itself.
set -eu
BUILD=${1:-build}
# The stations are in Vietnam; show their times as the commune sees them.
export TZ=${TZ:-Asia/Ho_Chi_Minh}
TOP=$(pwd)
DIR=${DEMO_OUT:-$TOP/demo-out}	# tests/it_demo.sh runs it elsewhere
rm -rf "$DIR"
mkdir -p "$DIR"
# The district lives in /tmp: mosquitto started by root becomes the user
# mosquitto, who may not enter a checkout under a private home directory.
DISTRICT_TOP=$(mktemp -d /tmp/loaxa-demo-district.XXXXXX)
chmod 0711 "$DISTRICT_TOP"
DISTRICT=$DISTRICT_TOP/district
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$DISTRICT_TOP"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# A sound card? Otherwise the station plays into a WAV file.
if [ -n "${DEMO_WAV:-}" ]; then	# tests/it_demo.sh: never to the machine's loudspeakers
	DEVICE="file:'$DIR/phat-thanh.wav',wav"
	WHERE="$DIR/phat-thanh.wav"
elif [ -n "$(aplay -l 2>/dev/null | grep '^card')" ]; then
	DEVICE=default
	WHERE="the default sound card"
else
	DEVICE="file:'$DIR/phat-thanh.wav',wav"
	WHERE="$DIR/phat-thanh.wav (this machine has no sound card)"
fi

PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
say "The district: a CA, its broker on 127.0.0.1:$PORT (TLS, client certificates, an ACL), the station's identity, in $DISTRICT (removed at the end)"
LOAXACTL=$BUILD/loaxactl sh "$TOP/provisioning/loaxa-district" init "$DISTRICT" --region hon-quan \
    --broker 127.0.0.1 --port "$PORT" --listen 127.0.0.1 >"$DIR/district.log" 2>&1 &&
LOAXACTL=$BUILD/loaxactl sh "$TOP/provisioning/loaxa-district" add-station "$DISTRICT" tan-thanh \
    --name "Đài truyền thanh xã Tân Thành" >>"$DIR/district.log" 2>&1 ||
	{ cat "$DIR/district.log" >&2; exit 1; }
tar -xzf "$DISTRICT/stations/tan-thanh.tar.gz" -C "$DIR" ca.crt station.crt station.key
mosquitto -c "$DISTRICT/broker/mosquitto.conf" >"$DIR/mosquitto.log" 2>&1 &
PIDS="$PIDS $!"
# The district's monitor: reads the region's topics, may write none.
MONITOR="-h 127.0.0.1 -p $PORT --cafile $DISTRICT/ca/ca.crt"
MONITOR="$MONITOR --cert $DISTRICT/clients/district.monitor.crt --key $DISTRICT/clients/district.monitor.key"
i=0
until mosquitto_sub $MONITOR -t loaxa/hon-quan/none -W 1 -C 1 2>&1 | grep -q "Timed out" ||
    [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done

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
sh -c 'echo $$ >"$1/sub.pid"; shift; exec mosquitto_sub "$@" -v -t "loaxa/hon-quan/#"' sh "$DIR" $MONITOR 2>/dev/null |
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
say "The district's fleet view: loaxactl -c monitor.cfg stations"
"$BUILD/loaxactl" -c "$DISTRICT/monitor.cfg" stations || true
say "Stopping the station: it leaves {\"online\": false} behind"
kill "$STATION"
wait "$STATION" 2>/dev/null || true
sleep 0.5
say "Done. The daemon's log is $DIR/loaxad.log; the broadcast went to $WHERE"
