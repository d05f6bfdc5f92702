#!/bin/sh
# The programme report (loaxactl report) over a real collector's database:
# a real broker (a district over TLS), two real stations playing, the
# collector collecting; the report's figures equal what the stations played,
# counted from their own as-run logs (loaxactl log --json). A simulated
# station's statuses through the broker (times chosen) give a known
# availability; records imported with tags add up per tag across stations;
# a record left out on purpose shows as incomplete until it comes. The CSV
# has a byte-order mark and Vietnamese headers under a Vietnamese locale.
. tests/lib.sh

BROKER_CLIENTS="collector sim"
start_broker || { notok "broker starts"; exit 1; }
# The simulated station writes a station's status: a test identity's right.
printf '\n# it_report.sh: a simulated station\ntopic write loaxa/hon-quan/+/status\n' \
    >>"$DISTRICT/broker/acl"
stop_broker
restart_broker || { notok "the broker comes back with the simulator's rights"; exit 1; }

DB=$T/collector/collector.db
CFG=$T/collector.cfg
cp "$DISTRICT/clients/district.collector.cfg" "$CFG"
echo "collector = { database = \"$DB\"; };" >>"$CFG"
q() { sqlite3 -cmd '.timeout 5000' "$DB" "$1"; }
"$BUILD/loaxa-collectd" -c "$CFG" >"$T/collectd.log" 2>&1 &
PIDS="$PIDS $!"
check "the collector connects" wait_for 20 grep -q 'mqtt: connected to' "$T/collectd.log"
REPORT="'$BUILD/loaxactl' -c '$CFG' report"	# for sh -c
report() { "$BUILD/loaxactl" -c "$CFG" report "$@"; }
TODAY=$(date +%Y-%m-%d)

# --- Real stations: the report equals their own logs -------------------------------
for id in xa-mot xa-hai; do
	station_config "$T/$id" "$id" null
	start_station "$T/$id"
done
ctl "$T/xa-mot" queue "$FIX/thông báo.opus" --title "Thông báo" >/dev/null
ctl "$T/xa-mot" queue "$FIX/bản tin số 1.opus" >/dev/null
ctl "$T/xa-mot" queue "$FIX/thông báo.opus" --title "Thông báo" >/dev/null
ctl "$T/xa-hai" queue "$FIX/bản tin số 1.opus" >/dev/null
four() { [ "$(q "SELECT count(*) FROM record WHERE event = 'finished'")" -eq 4 ]; }
check "the stations' plays reach the collector" wait_for 60 four
# A station's own figures for today: from its as-run log, independently of the collector.
own() {
	ctl "$T/$1" log --json | jq -r --arg day "$TODAY" '
	    [.records[] | select(.play_id != null)] as $p
	    | def started: (.at | sub("\\+07:00$"; "Z") | fromdateiso8601) - (.seconds // 0);
	      def today: (started | strftime("%Y-%m-%d")) == $day;
	    [($p | map(select(.event == "finished" and today)) | length),
	     ($p | map(select((.event == "finished" or .event == "interrupted") and today) | .seconds) | add // 0 | . * 10 | round),
	     ($p | map(select(.event == "missed" and today)) | length),
	     ($p | map(select(.event == "failed" and today)) | length),
	     ($p | map(select(.event == "interrupted" and today)) | length)] | map(tostring) | join(" ")'
}
reported() {
	report --from "$TODAY" --to "$TODAY" --json | jq -r --arg id "$1" '.stations[] | select(.station == $id)
	    | [.broadcasts, (.seconds * 10 | round), .missed, .failed, .interrupted] | map(tostring) | join(" ")'
}
for id in xa-mot xa-hai; do
	own "$id" >"$T/$id.own"
	reported "$id" >"$T/$id.rep"
	echo "# $id: own log (finished, tenths of seconds, missed, failed, interrupted): $(cat "$T/$id.own"); report: $(cat "$T/$id.rep")"
	check "$id: the report's figures are the station's own log's" \
		sh -c "[ -s '$T/$id.own' ] && cmp -s '$T/$id.own' '$T/$id.rep'"
done
check "xa-mot aired 3 bulletins today, on 1 day, and its records are complete" \
	sh -c "$REPORT --from '$TODAY' --to '$TODAY' --json | jq -e '.stations[] | select(.station == \"xa-mot\") | .broadcasts == 3 and .days_with_broadcasts == 1 and .complete' >/dev/null"
check "by bulletin: 'Thông báo' twice by 1 station, the other once by each of 2" \
	sh -c "$REPORT --from '$TODAY' --to '$TODAY' --by bulletin --json | jq -e '[.bulletins[] | [.title, .stations, .broadcasts]] | sort == [[\"Thông báo\", 1, 2], [\"bản tin số 1\", 2, 2]]' >/dev/null"

# --- Availability: a station offline for a known day --------------------------------
sim_status() {
	mosquitto_pub $(mqtt_opts district.sim) -q 1 -t loaxa/hon-quan/sim-off/status \
	    -m "{\"online\":$1,\"name\":\"Trạm mô phỏng\",\"at\":\"$2\"}"
}
sim_status true 2026-11-20T00:00:00+07:00
sim_status false 2026-11-21T00:00:00+07:00
sim_status true 2026-11-22T00:00:00+07:00
changes() { [ "$(q "SELECT count(*) FROM availability WHERE station = 'sim-off'")" -eq 3 ]; }
check "the simulated station's changes reach the collector" wait_for 20 changes
# avail_is FROM TO PERCENT: sim-off's availability over the period.
avail_is() {
	report --from "$1" --to "$2" --json |
	    jq -e --argjson v "$3" '.stations[] | select(.station == "sim-off") | .availability_pct == $v' >/dev/null
}
check "online on the 20th, offline on the 21st, online on the 22nd: 66.7% of the three days" \
	avail_is 2026-11-20 2026-11-22 66.7
check "0% on the day it was offline" avail_is 21/11/2026 21/11/2026 0
check "100% on the day after" avail_is 2026-11-22 2026-11-22 100

# --- Tags add up across stations; a record left out is a gap ----------------------
# rec STATION SEQ PLAY EVENT AT SECONDS TAGS
rec() {
	printf '{"event":"%s","play_id":"%s","station":"%s","region":"hon-quan","source":"schedule","class":"normal","title":"Giảm nghèo %s","sha256":"%s","at":"2026-11-20T%s+07:00","seconds":%s,"seq":%s,"tags":%s}\n' \
	    "$4" "$3" "$1" "$3" "$(printf '%s' "$3" | sha256sum | cut -c1-64)" "$5" "$6" "$2" "$7"
}
{
	echo '['
	rec sim-a 1 a1 finished 06:05:00 300 '["giam-ngheo"]'; echo ,
	rec sim-a 2 a2 finished 07:05:00 300 '["giam-ngheo"]'; echo ,
	rec sim-a 4 a4 finished 09:05:00 120 '["nong-thon-moi"]'; echo ,
	rec sim-b 1 b1 finished 06:04:00 240 '["giam-ngheo","du-an-6"]'; echo ,
	rec sim-b 2 b2 interrupted 06:11:00 60 '["giam-ngheo"]'
	echo ']'
} >"$T/sims.json"
rec sim-a 3 a3 finished 08:05:00 300 '["giam-ngheo","du-an-6"]' >"$T/sim-a-3.json"
check "the simulated stations' logs are imported (sim-a's record 3 left out)" \
	"$BUILD/loaxa-collectd" -c "$CFG" --import "$T/sims.json"
tag() { report --from 2026-11-20 --to 2026-11-20 --by tag --json | jq -r --arg t "$1" "$2"; }
check "giam-ngheo: 10 minutes at sim-a, 5 at sim-b (4 finished, 1 interrupted)" \
	[ "$(tag giam-ngheo '.tags[] | select(.tag == $t) | [.stations[] | "\(.station)=\(.broadcasts)/\(.minutes)"] | join(" ")')" = "sim-a=2/10 sim-b=1/5" ]
check "giam-ngheo adds up across stations: 3 broadcasts, 15 minutes" \
	[ "$(tag giam-ngheo '.tags[] | select(.tag == $t) | "\(.broadcasts)/\(.minutes)"')" = 3/15 ]
complete() { report --from 2026-11-20 --to 2026-11-20 --json | jq -r --arg s "$1" '.stations[] | select(.station == $s) | "\(.complete)/\(.missing_records)"'; }
check "sim-a's records are not complete: 1 missing" [ "$(complete sim-a)" = false/1 ]
check "sim-b's are" [ "$(complete sim-b)" = true/0 ]
check "the text table says so" sh -c "$REPORT --from 2026-11-20 --to 2026-11-20 | grep -q '^sim-a .*no (1 missing)'"
"$BUILD/loaxa-collectd" -c "$CFG" --import "$T/sim-a-3.json" >/dev/null
check "once the record is imported, complete" [ "$(complete sim-a)" = true/0 ]
check "and it counts: giam-ngheo 4 broadcasts, 20 minutes; du-an-6 2, 9" \
	[ "$(tag x '[.tags[] | select(.tag == "giam-ngheo" or .tag == "du-an-6") | "\(.tag)=\(.broadcasts)/\(.minutes)"] | join(" ")')" = "du-an-6=2/9 giam-ngheo=4/20" ]

# --- CSV for Excel -----------------------------------------------------------------
echo "# Vietnamese locales installed: $(locale -a 2>/dev/null | grep -ci '^vi' || true)"
VI_HEAD='Đài,Tên đài,Số lần phát,Số phút đã phát,Bị lỡ,Lỗi,Bị ngắt,Thời gian hoạt động (%),Số ngày có phát,Dữ liệu đầy đủ,Từ ngày,Đến ngày'
env -u LC_ALL LANG=vi_VN.UTF-8 "$BUILD/loaxactl" -c "$CFG" report --from 2026-11-20 --to 20/11/2026 --csv "$T/vi.csv"
check "the CSV starts with the UTF-8 byte-order mark" [ "$(head -c 3 "$T/vi.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
check "it is UTF-8 throughout" iconv -f UTF-8 -t UTF-8 "$T/vi.csv" -o /dev/null
check "under LANG=vi_VN.UTF-8 its headers are Vietnamese" \
	[ "$(head -n 1 "$T/vi.csv" | tail -c +4 | tr -d '\r')" = "$VI_HEAD" ]
check "its dates are dd/mm/yyyy, its decimals take a comma" \
	grep -q '^sim-a,,4,"17,0",0,0,0,"0,0",1,có,20/11/2026,20/11/2026' "$T/vi.csv"
check "its last row is the totals" sh -c "tail -n 1 '$T/vi.csv' | grep -q '^Tổng cộng,'"
LC_ALL=vi_VN.UTF-8 "$BUILD/loaxactl" -c "$CFG" report --from 2026-11-20 --to 2026-11-20 --csv "$T/vi2.csv" 2>/dev/null
check "LC_ALL=vi_VN.UTF-8 picks Vietnamese too, installed or not" \
	[ "$(head -n 1 "$T/vi2.csv" | tail -c +4 | tr -d '\r')" = "$VI_HEAD" ]
report --from 2026-11-20 --to 2026-11-20 --csv "$T/en.csv"
check "in English otherwise, with ISO dates" \
	sh -c "head -n 1 '$T/en.csv' | grep -q 'Station,Name,Broadcasts,Minutes aired' && grep -q ',2026-11-20,2026-11-20' '$T/en.csv'"

# --- Mistakes and errors -----------------------------------------------------------
status_of() { "$@" >/dev/null 2>&1; echo $?; }
check "a date that does not exist is a usage error (2)" \
	[ "$(status_of report --from 2026-02-30 --to 2026-03-01)" = 2 ]
check "--from after --to is a usage error (2)" \
	[ "$(status_of report --from 2026-03-02 --to 01/03/2026)" = 2 ]
sed "s|$DB|$T/none/collector.db|" "$CFG" >"$T/none.cfg"
check "a missing database is an error (1) that says where" \
	sh -c "'$BUILD/loaxactl' -c '$T/none.cfg' report --from 2026-11-20 --to 2026-11-20 2>&1 | grep -q 'no collector.s database at $T/none/collector.db'"
cp "$DB" "$T/newer.db" && sqlite3 "$T/newer.db" 'PRAGMA user_version = 99'
sed "s|$DB|$T/newer.db|" "$CFG" >"$T/newer.cfg"
check "a database of a newer schema is an error (1) that says so" \
	sh -c "'$BUILD/loaxactl' -c '$T/newer.cfg' report --from 2026-11-20 --to 2026-11-20 2>&1 | grep -q 'newer loaxa-collectd (schema 99)'"
