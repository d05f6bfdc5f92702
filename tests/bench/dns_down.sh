#!/bin/sh
# What a silent name server costs the station (figure 9): DNS down for real,
# as in tests/it_dns.sh (a private network and mount namespace, a name server
# on 127.0.0.1 that never answers), a broker given by name, and one loaxad on
# the null sink. While its lookup of the name is stuck, it measures N status
# requests (ms each, the whole loaxactl run), the ms from just before
# `loaxactl queue BULLETIN` to the as-run log's "started", and the ms a
# SIGTERM takes to end the daemon. Prints
#   dns_down status_median=X status_worst=Y n=N queue_to_start=Z stop=W
# with "during=K" when only K of the requests fell within the lookup (then the
# exit status is 1), or "dns_down skipped: ..." without root and unshare
# (exit status 2).
#
# Usage: tests/bench/dns_down.sh BUILD BULLETIN [N]
if [ -z "${LOAXA_DNS_NS:-}" ]; then
	if [ "$(id -u)" -ne 0 ] || ! unshare -mn --propagation private true 2>/dev/null; then
		echo "dns_down skipped: needs root and unshare -mn"
		exit 2
	fi
	LOAXA_DNS_NS=1 exec unshare -mn --propagation private sh "$0" "$@"
fi
. tests/lib.sh
BULLETIN=$2
N=${3:-20}
NAME=broker.loaxa.test
say() { echo "# $*" >&2; }
ms() { date +%s%3N; }

silent_dns_setup || { say "cannot set up the silent name server"; exit 1; }
start_broker || exit 1
S=$T/station
station_config "$S" dns-bench null
sed -i "s/host = \"127.0.0.1\"/host = \"$NAME\"/" "$S/loaxa.cfg"
start_station "$S" || { say "the station did not start"; exit 1; }
resolving() { ctl "$S" status --json | jq -e ".mqtt.state == \"resolving $NAME\"" >/dev/null; }
wait_for 15 resolving || { say "the station is not resolving $NAME"; exit 1; }

: >"$T/lat"
i=0 during=0
while [ "$i" -lt "$N" ]; do
	t0=$(ms); st=$(ctl "$S" status --json); t1=$(ms)
	echo $((t1 - t0)) >>"$T/lat"
	echo "$st" | jq -e ".mqtt.state == \"resolving $NAME\"" >/dev/null && during=$((during + 1))
	i=$((i + 1))
done

t0=$(ms)
id=$(ctl "$S" queue "$BULLETIN" | head -n 1)
started() { ctl "$S" log --json | jq -e ".records[] | select(.queue_id == $id and .event == \"started\")" >/dev/null; }
wait_for 20 started || say "the bulletin did not start"
start=$(( $(ms) - t0 ))
resolving || say "the lookup ended before the bulletin started"

t0=$(ms)
kill -TERM "$STATION_PID"
wait "$STATION_PID"
stop=$(( $(ms) - t0 ))

sort -n "$T/lat" | awk -v n="$N" -v d="$during" -v s="$start" -v p="$stop" '
	{ a[NR] = $1 }
	END {
		med = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "dns_down status_median=%d status_worst=%d n=%d queue_to_start=%d stop=%d", med, a[NR], n, s, p
		if (d < n) { printf " during=%d\n", d; exit 1 }
		printf "\n"
	}'
