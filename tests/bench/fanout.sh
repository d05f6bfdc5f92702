#!/bin/sh
# Figure 6, the district fan-out: N real loaxad (ALSA null, each its own
# storage and control socket, keep-alive 60 s, the district's public key) on
# one mosquitto on loopback; one `loaxactl publish` of a schedule with one
# bulletin (BULLETIN, about 1 MB in the full bench). Prints
#   fanout n=N armed=K seconds=X broker_cpu_s=Y publish_s=Z
# seconds: from just before `loaxactl publish` starts to the arrival of the
# last station's schedule_armed event, stamped by one mosquitto_sub on
# loaxa/REGION/+/events; broker_cpu_s: the broker's CPU seconds in that
# window (/proc/PID/task/*/schedstat: the time /proc/PID/stat counts as
# utime + stime, in nanoseconds rather than 10 ms ticks); publish_s: how long `loaxactl publish` itself
# took. A station that does not arm within the deadline counts as missing:
# armed < N, and the exit status is 1.
#
# Usage: tests/bench/fanout.sh BUILD N BULLETIN
. tests/lib.sh
N=${2:-20}
BULLETIN=${3:?usage: tests/bench/fanout.sh BUILD N BULLETIN}
R=hon-quan
BATCH=50		# stations started at once; the next batch waits for their sockets
say() { echo "# $*" >&2; }

# Every station and the broker need a descriptor per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
BROKER_CLIENTS=watch	# the second subscriber below: an identity of its own
start_broker || exit 1
"$BUILD/loaxactl" keygen "$T/district.key" >/dev/null || exit 1
mkdir -p "$T/office"
ln -s "$(realpath "$BULLETIN")" "$T/office/bản tin huyện.opus"

# One subscriber for the stations' retained status, one that stamps the
# arrival of every event (%U: Unix time with nanoseconds).
mosquitto_sub $(mqtt_opts district.monitor) -v -q 0 -t "loaxa/$R/+/status" >"$T/status.log" 2>/dev/null &
PIDS="$PIDS $!"
mosquitto_sub $(mqtt_opts district.watch) -q 0 -F '%U %t %p' -t "loaxa/$R/+/events" >"$T/events.log" 2>/dev/null &
PIDS="$PIDS $!"

sdir() { printf '%s/st%04d' "$T" "$1"; }
fanout_config() {	# DIR ID
	mkdir -p "$1"
	{
		echo "station = { id = \"$2\"; region = \"$R\"; name = \"Đài truyền thanh xã $2\"; };"
		echo "audio = { device = \"null\"; rate = 48000; channels = 1; };"
		station_mqtt "$1" "$2" 60
		echo "storage = { dir = \"$1/state\"; };"
		echo "control = { socket = \"$1/control.sock\"; };"
		echo "district = { public_key = \"$T/district.key.pub\"; };"
	} >"$1/loaxa.cfg"
}
sockets_up() {	# FROM TO
	_i=$1
	while [ "$_i" -le "$2" ]; do
		[ -S "$(sdir "$_i")/control.sock" ] || return 1
		_i=$((_i + 1))
	done
}
t_start=$(date +%s.%N)
i=1
while [ "$i" -le "$N" ]; do
	first=$i
	while [ "$i" -le "$N" ] && [ "$i" -lt $((first + BATCH)) ]; do
		d=$(sdir "$i")
		fanout_config "$d" "xa-$i"
		"$BUILD/loaxad" -c "$d/loaxa.cfg" >"$d/loaxad.log" 2>&1 &
		PIDS="$PIDS $!"
		i=$((i + 1))
	done
	wait_for 30 sockets_up "$first" $((i - 1)) || { say "stations $first to $((i - 1)) did not all start"; exit 1; }
done
# Connected: the latest retained status of every station says so.
connected_count() {
	awk '{ t = $1; sub(/^[^ ]* /, ""); last[t] = $0 }
	END { for (t in last) if (last[t] ~ /"connected":true/) n++; print n + 0 }' "$T/status.log"
}
all_connected() { [ "$(connected_count)" -ge "$N" ]; }
wait_for $((30 + N / 10)) all_connected ||
	{ say "only $(connected_count) of $N stations connected to the broker"; exit 1; }
say "$N stations started and connected in $(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

# The district's schedule: one one-off slot an hour from now, the bulletin in it.
printf 'slots = ( { title = "Bản tin huyện"; at = "%s"; items = ( { file = "bản tin huyện.opus"; } ); } );\n' \
	"$(at_plus 3600)" >"$T/office/lịch huyện.cfg"

cpu_s() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.4f", s / 1e9 }'; }
c0=$(cpu_s "$BROKER_PID")
t0=$(date +%s.%N)
"$BUILD/loaxactl" publish "$T/office/lịch huyện.cfg" --region $R --key "$T/district.key" \
	$BROKER_OPTS >"$T/publish.out" 2>&1 || { say "loaxactl publish failed: $(tail -n 3 "$T/publish.out")"; exit 1; }
t1=$(date +%s.%N)
V=$(sed -n 's/^Published district schedule version \([0-9]*\).*/\1/p' "$T/publish.out")
[ -n "$V" ] || { say "loaxactl publish did not say which version: $(head -n 3 "$T/publish.out")"; exit 1; }

# armed: "stamp station" of each station's first schedule_armed of version V.
armed() {
	grep ' loaxa/[^ ]*/events {"event":"schedule_armed"' "$T/events.log" | grep "\"version\":$V[,}]" |
		awk '{ split($2, p, "/"); if (!(p[3] in seen)) { seen[p[3]] = 1; print $1, p[3] } }'
}
all_armed() { [ "$(armed | wc -l)" -ge "$N" ]; }
# Status says armed: the stations whose latest status has version V in force,
# to tell a station that did not arm from an event the subscriber missed.
status_armed() {
	awk -v v="\"version\":$V," '{ t = $1; sub(/^[^ ]* /, ""); last[t] = $0 }
	END { for (t in last) if (index(last[t], v) > 0) n++; print n + 0 }' "$T/status.log"
}
wait_for $((30 + N / 50)) all_armed ||
	say "only $(armed | wc -l) of $N stations' schedule_armed events of version $V arrived;" \
	    "$(status_armed) stations' status says they armed it"
c1=$(cpu_s "$BROKER_PID")
refused=$(grep -c '"event":"schedule_refused"' "$T/events.log")
[ "$refused" -gt 0 ] && say "$refused stations refused it: $(grep -m 1 schedule_refused "$T/events.log")"

armed | sort -n | awk -v n="$N" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" '
	{ last = $1; k++ }
	END {
		if (k == 0) { printf "fanout n=%d armed=0 seconds=- broker_cpu_s=%.3f publish_s=%.2f\n", n, c1 - c0, t1 - t0; exit 1 }
		printf "fanout n=%d armed=%d seconds=%.2f broker_cpu_s=%.3f publish_s=%.2f\n", n, k, last - t0, c1 - c0, t1 - t0
		exit k < n
	}'
