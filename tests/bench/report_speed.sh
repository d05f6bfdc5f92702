#!/bin/sh
# The programme report's speed (issue 12: a year of a 1,000-station region,
# about 15 million records, reported in <= 2 s). tests/bench/report_gen
# writes the year through the collector's own insert path (records, gaps and
# the per-day rollups in the same transactions) into a database kept between
# runs (BUILD/bench/inputs/report/; making it takes a while, once); then
# `loaxactl report` over the whole year, by station, bulletin and tag, RUNS
# times each, and, as the reference measured in the same run, the same
# by-station figures summed by sqlite3 straight from the record table, as a
# report without rollups would have to. The totals of both must agree.
# Prints
#   report_speed stations=N days=D records=R station_ms=.. bulletin_ms=..
#     tag_ms=.. text_ms=.. raw_ms=.. same=1|0 db_mib=..
# (each _ms the median of the runs; raw_ms is one run) and exits 1 when the
# report and the reference disagree.
#
# Usage: tests/bench/report_speed.sh BUILD [STATIONS] [DAYS] [RUNS]
set -u
BUILD=${1:-build}
N=${2:-1000}
D=${3:-365}
RUNS=${4:-3}
export TZ=Asia/Ho_Chi_Minh LC_ALL=C.UTF-8
say() { echo "# $*" >&2; }
DIR=$BUILD/bench/inputs/report
DB=$DIR/year-$N-$D.db
mkdir -p "$DIR"
if [ ! -f "$DB" ]; then
	say "making $DB: $N stations x $D days through the collector's insert path (once; minutes)"
	rm -f "$DB.tmp" "$DB.tmp-wal" "$DB.tmp-shm"
	"$BUILD/bench/report_gen" "$DB.tmp" "$N" "$D" >"$DIR/gen-$N-$D.out" 2>"$DIR/gen-$N-$D.err" ||
	    { say "report_gen failed: $(tail -n 1 "$DIR/gen-$N-$D.err")"; exit 1; }
	sqlite3 "$DB.tmp" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	mv "$DB.tmp" "$DB"
	rm -f "$DB.tmp-wal" "$DB.tmp-shm"
	say "$(cat "$DIR/gen-$N-$D.out")"
fi
T=$(mktemp -d /tmp/loaxa-report-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
cat >"$T/collector.cfg" <<EOF
district = { region = "hon-quan"; };
mqtt = { host = "127.0.0.1"; port = 1883; };
collector = { database = "$(cd "$(dirname "$DB")" && pwd)/$(basename "$DB")"; };
EOF
LAST=$(date -d "2026-01-01 + $((D - 1)) days" +%Y-%m-%d)
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# timed NAME ARGS...: one report, its output in $T/NAME.out, its ms on $T/NAME.ms.
timed() {
	name=$1; shift
	t0=$(date +%s%N)
	"$BUILD/loaxactl" -c "$T/collector.cfg" report --from 2026-01-01 --to "$LAST" "$@" \
	    >"$T/$name.out" || { say "loaxactl report $* failed"; exit 1; }
	ms "$t0" >>"$T/$name.ms"
}
r=1
while [ "$r" -le "$RUNS" ]; do
	timed station --json
	timed bulletin --by bulletin --json
	timed tag --by tag --json
	timed text
	r=$((r + 1))
done
# The reference: the by-station figures from the raw records, no rollups.
start=$(date -d "2026-01-01 00:00" +%s)
end=$(date -d "$LAST 00:00 + 1 day" +%s)
t0=$(date +%s%N)
sqlite3 "$DB" "SELECT station, sum(event = 'finished'), sum(event = 'missed'), sum(event = 'failed'),
    sum(event = 'interrupted'), round(sum(CASE WHEN event IN ('finished', 'interrupted') THEN seconds ELSE 0 END), 1)
    FROM record WHERE region = 'hon-quan' AND kind = 'play' AND at >= $start AND at < $end
    GROUP BY station ORDER BY station" >"$T/raw.out"
raw_ms=$(ms "$t0")
jq -r '.stations[] | [.station, .broadcasts, .missed, .failed, .interrupted, .seconds] | map(tostring) | join("|")' \
    "$T/station.out" | sed 's/|\([0-9]*\)$/|\1.0/' >"$T/report.cmp"
sed 's/|\([0-9]*\)$/|\1.0/' "$T/raw.out" >"$T/raw.cmp"
if cmp -s "$T/report.cmp" "$T/raw.cmp"; then same=1; else same=0; say "the report and the raw records disagree:"; diff "$T/report.cmp" "$T/raw.cmp" | head -5 >&2; fi
records=$(sqlite3 "$DB" 'SELECT max(id) FROM record')
echo "report_speed stations=$N days=$D records=$records station_ms=$(median <"$T/station.ms")" \
    "bulletin_ms=$(median <"$T/bulletin.ms") tag_ms=$(median <"$T/tag.ms") text_ms=$(median <"$T/text.ms")" \
    "raw_ms=$raw_ms same=$same db_mib=$(( $(stat -c %s "$DB") / 1048576 ))"
[ "$same" = 1 ]
