#!/bin/sh
# The district collector's ingest rate (issue 12: >= 5,000 records/s from
# 1,000 stations reconnecting after an outage). One real broker (a district
# over TLS, as loaxa-district makes it), one loaxa-collectd, and
# tests/tools/collect_gen speaking for N stations (default 1000), each
# flushing M records (default 20) and its online status, interleaved across
# stations as an outbox flush after an outage would come.
#   backlog: the collector was away; the broker queued everything for its
#            session; from the collector's start to the last record stored
#   live:    the collector running while the generator publishes; from the
#            generator's start to the last record stored (the generator's own
#            rate is given beside it: the collector cannot go faster than that)
# Prints
#   collect_ingest stations=N records=R backlog_s=S backlog_per_s=X live_s=S live_per_s=Y
#     gen_per_s=G cpu_s_per_10k=C peak_mib=P
# and exits 1 when a record is missing.
#
# Usage: tests/bench/collect_ingest.sh BUILD [N] [M]
. tests/lib.sh
N=${2:-1000}
M=${3:-20}
say() { echo "# $*" >&2; }

BROKER_CLIENTS="collector gen"
start_broker || exit 1
printf '\ntopic write loaxa/hon-quan/+/events\ntopic write loaxa/hon-quan/+/status\n' \
    >>"$DISTRICT/broker/acl"
stop_broker
restart_broker || exit 1
DB=$T/collector/collector.db
cp "$DISTRICT/clients/district.collector.cfg" "$T/collector.cfg"
echo "collector = { database = \"$DB\"; };" >>"$T/collector.cfg"
gen() {
	"$BUILD/tools/collect_gen" -h 127.0.0.1 -p "$PORT" --cafile "$DISTRICT/ca/ca.crt" \
	    --cert "$DISTRICT/clients/district.gen.crt" --key "$DISTRICT/clients/district.gen.key" "$@"
}
start() {
	"$BUILD/loaxa-collectd" -c "$T/collector.cfg" >>"$T/collectd.log" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
}
stored() { sqlite3 -cmd '.timeout 5000' "$DB" 'SELECT count(*) FROM record' 2>/dev/null || echo 0; }
all_stored() { [ "$(stored)" -ge "$1" ]; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The session first, so that the broker queues for it; then away.
start
wait_for 10 sh -c "grep -q 'mqtt: connected' '$T/collectd.log'" || { say "the collector did not connect"; exit 1; }
kill "$CPID"; wait "$CPID" 2>/dev/null
R=$((N * M))
gen -n "$N" -m "$M" --status >"$T/gen1.out" || { say "the generator failed"; exit 1; }
say "queued: $(cat "$T/gen1.out")"
t0=$(date +%s%N)
start
wait_for 120 all_stored "$R" || { say "backlog: $(stored) of $R records stored"; exit 1; }
backlog_ms=$(ms_since "$t0")
ticks=$(proc_cpu_ticks "$CPID")
peak=$(awk '/^VmHWM/ { print $2 }' "/proc/$CPID/status")
t0=$(date +%s%N)
gen -n "$N" -m "$M" --first $((M + 1)) --status >"$T/gen2.out" || { say "the generator failed"; exit 1; }
wait_for 120 all_stored $((2 * R)) || { say "live: $(stored) of $((2 * R)) records stored"; exit 1; }
live_ms=$(ms_since "$t0")
gen_rate=$(sed -n 's/.*(\([0-9]*\)\/s)/\1/p' "$T/gen2.out")
gaps=$(sqlite3 "$DB" 'SELECT count(*) FROM gap')
[ "$gaps" -eq 0 ] || say "$gaps gaps: records missing"
awk -v n="$N" -v r="$R" -v b="$backlog_ms" -v l="$live_ms" -v g="$gen_rate" -v t="$ticks" \
    -v hz="$(getconf CLK_TCK)" -v p="$peak" 'BEGIN {
	printf "collect_ingest stations=%d records=%d backlog_s=%.3f backlog_per_s=%.0f live_s=%.3f live_per_s=%.0f gen_per_s=%d cpu_s_per_10k=%.3f peak_mib=%.1f\n",
	    n, r, b / 1000, r / (b / 1000), l / 1000, r / (l / 1000), g, t / hz / r * 10000, p / 1024
}'
[ "$gaps" -eq 0 ]
