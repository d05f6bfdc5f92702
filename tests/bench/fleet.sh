#!/bin/sh
# Figure 11, the fleet view: how long `loaxactl stations` takes to answer for
# a region of N stations. A district made by loaxa-district, its broker over
# TLS on loopback, N retained statuses shaped as loaxad writes them (every
# tenth offline, every twentieth muted, the rest healthy) and N + N/20
# stations enrolled in the district's directory (the last N/20 never
# reported). The statuses are published once with mosquitto_pub by an
# identity of the bench's own that the ACL lets write every station's status
# (a bench shortcut: N real stations would each write their own); the
# enrolled stations are the names loaxactl reads (DIR/stations/ID.crt and
# ID.name, copies of one real certificate; the CA's database is not grown).
# Then RUNS times each, from just before the command starts to its exit:
#   monitor_ms    loaxactl -c clients/district.dash.cfg stations  (a monitor: fence + quiet period)
#   publisher_ms  loaxactl -c district.cfg stations               (the publisher: the probe)
#   json_ms       loaxactl -c clients/district.dash.cfg stations --json
# Prints one line per run:
#   fleet n=N lines=L monitor_ms=X publisher_ms=Y json_ms=Z
# lines: the stations the view listed (N + N/20 when all came).
#
# Usage: tests/bench/fleet.sh BUILD N RUNS
. tests/lib.sh
N=${2:-1000}
RUNS=${3:-3}
R=hon-quan
NEVER=$((N / 20))
say() { echo "# $*" >&2; }

BROKER_CLIENTS="dash gen"
start_broker || exit 1
# The generator may write every station's status (appended to its own block, the last one).
echo "topic write loaxa/$R/+/status" >>"$DISTRICT/broker/acl"
kill -HUP "$BROKER_PID"

status() {	# I: a status as loaxad writes it (report_status), about 900 bytes
	at=$(date '+%Y-%m-%dT%H:%M:%S+07:00')
	if [ $(($1 % 10)) -eq 0 ]; then
		printf '{"online":false,"station":"xa-%d","region":"%s","version":"0.1.0","at":"%s"}' \
		    "$1" "$R" "$at"
		return
	fi
	muted=null
	[ $(($1 % 20)) -eq 5 ] && muted='{"by":"thu (uid 1000)","since":"'"$at"'","until":null}'
	printf '{"online":true,"station":"xa-%d","region":"%s","name":"Đài truyền thanh xã số %d",' "$1" "$R" "$1"
	printf '"version":"0.1.0","state":"idle","playing":null,'
	printf '"next_slot":{"title":"Bản tin sáng","at":"2026-12-04T06:00:00+07:00"},'
	printf '"queue_length":0,"uptime":86400,"xruns":0,"audio":{"device":"default","state":"ok","realtime":true},'
	printf '"mqtt":{"connected":true,"state":"connected to 127.0.0.1:%d (127.0.0.1)","refused":0},' "$PORT"
	printf '"tls":{"cert_days_left":3600,"expires":"2036-11-19T08:00:00+07:00"},'
	printf '"schedule":{"file":"/etc/loaxa/schedule.cfg","slots":3},"muted":%s,' "$muted"
	printf '"district":{"configured":true,"key_id":"3f2a9c0d41b7e655","version":1795334400,'
	printf '"issued":"2026-11-22T15:00:00+07:00","slots":2,"bulletins":2,"complete":true,"missing":0},'
	printf '"alerts":{"configured":true,"active":[]},"clock":{"trusted":true},"at":"%s"}' "$at"
}
gen_pub() { mosquitto_pub $(mqtt_opts district.gen) -q 1 -r -t "loaxa/$R/xa-$1/status" -m "$(status "$1")"; }
first_there() {
	gen_pub 1 2>/dev/null
	mqtt_sub -t "loaxa/$R/xa-1/status" -C 1 -W 2 2>/dev/null | grep -q '"station":"xa-1"'
}
wait_for 10 first_there || { say "the generator cannot write the statuses (ACL not reloaded?)"; exit 1; }
t0=$(date +%s)
i=2
while [ "$i" -le "$N" ]; do
	gen_pub "$i" || { say "mosquitto_pub failed for xa-$i"; exit 1; }
	i=$((i + 1))
done
say "$N retained statuses published in $(( $(date +%s) - t0 )) s"

# The enrolled stations: the names loaxactl reads, N that report and NEVER that do not.
LOAXACTL=$BUILD/loaxactl "$LOAXA_DISTRICT" add-station "$DISTRICT" xa-1 --name "Đài truyền thanh xã số 1" \
    >>"$T/district.log" 2>&1 || { say "add-station failed"; exit 1; }
i=2
while [ "$i" -le $((N + NEVER)) ]; do
	cp "$DISTRICT/stations/xa-1.crt" "$DISTRICT/stations/xa-$i.crt"
	echo "Đài truyền thanh xã số $i" >"$DISTRICT/stations/xa-$i.name"
	i=$((i + 1))
done

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }
timed() {	# OUT COMMAND...: the command's wall time in ms, its output in OUT
	_out=$1; shift
	_a=$(date +%s%N)
	"$@" >"$_out" 2>"$_out.err"
	_b=$(date +%s%N)
	ms "$_a" "$_b"
}
r=1
while [ "$r" -le "$RUNS" ]; do
	mon=$(timed "$T/mon.txt" "$BUILD/loaxactl" -c "$DISTRICT/clients/district.dash.cfg" stations)
	pub=$(timed "$T/pub.txt" "$BUILD/loaxactl" -c "$DISTRICT/district.cfg" stations)
	json=$(timed "$T/json.txt" "$BUILD/loaxactl" -c "$DISTRICT/clients/district.dash.cfg" stations --json)
	lines=$(jq length "$T/json.txt" 2>/dev/null || echo 0)
	plines=$(awk 'NR > 1 && NF == 0 { exit } NR > 1 { n++ } END { print n + 0 }' "$T/pub.txt")
	[ "$plines" = "$lines" ] || say "the publisher listed $plines stations, the monitor $lines"
	tail -n 2 "$T/mon.txt" | sed 's/^/  /' >&2
	echo "fleet n=$N lines=$lines monitor_ms=$mon publisher_ms=$pub json_ms=$json"
	r=$((r + 1))
done
