#!/bin/sh
# The district's proof-of-play collector (loaxa-collectd) with a real broker
# (a district made by loaxa-district, over TLS), real stations and many
# simulated ones (tests/tools/collect_gen): every record a station keeps is
# stored once, numbered without a gap; a Last Will and a clean stop show in
# the availability history; a broker outage, a broker restart and a
# collector killed (SIGKILL) while it stores lose nothing and count nothing
# twice; a PUBACK never leaves before the commit of its message (the
# collector is killed while its commit waits in fsync, and the broker sends
# the message again); a record removed on purpose from a station's outbox
# shows as a gap and is filled by importing the station's own log.
. tests/lib.sh

# The collector's own identity (one MQTT session), and one for the generator.
BROKER_CLIENTS="collector gen"
start_broker || { notok "broker starts"; exit 1; }
# The generator speaks for many stations at once: a test identity with a
# right no district gives (a real station writes only its own topics).
printf '\n# it_collector.sh: the generator writes for many stations\ntopic write loaxa/hon-quan/+/events\ntopic write loaxa/hon-quan/+/status\n' \
    >>"$DISTRICT/broker/acl"
stop_broker
restart_broker || { notok "the broker comes back with the generator's rights"; exit 1; }

collector_setup
q() { sqlite3 -cmd '.timeout 5000' "$DB" "$1"; }
# What the collector logged since it was last started.
since_start() { sed -n '/^--- start/h; /^--- start/!H; ${x;p}' "$CLOG"; }
gen() {
	"$BUILD/tools/collect_gen" -h 127.0.0.1 -p "$PORT" --cafile "$DISTRICT/ca/ca.crt" \
	    --cert "$DISTRICT/clients/district.gen.crt" --key "$DISTRICT/clients/district.gen.key" "$@"
}
count() { q "SELECT count(*) FROM record WHERE $1"; }
at_least() { [ "$(count "$1")" -ge "$2" ]; }

check "loaxa-collectd --check accepts the district office's file with a collector group" \
	sh -c "'$BUILD/loaxa-collectd' -c '$CFG' --check | grep -q 'configuration OK.*as district.collector'"
check "the collector connects with its own identity, in a session of its own" start_collector
check "its database is in WAL mode" [ "$(q 'PRAGMA journal_mode')" = wal ]

# --- Real stations -------------------------------------------------------------------
for id in xa-mot xa-hai xa-ba; do
	station_config "$T/$id" "$id" null
	start_station "$T/$id"
	eval "PID_$(echo $id | tr - _)=\$STATION_PID"
done
STARTED=$(date +%s)	# every station started by then (and wrote its will)
online_rows() { [ "$(q "SELECT count(*) FROM availability WHERE online = 1 AND how = 'status'")" -ge 3 ]; }
check "the three stations' statuses show them online" wait_for 30 online_rows
for id in xa-mot xa-hai xa-ba; do
	ctl "$T/$id" queue "$FIX/thông báo.opus" --title "Thông báo $id" >/dev/null
	ctl "$T/$id" queue "$FIX/bản tin số 1.opus" >/dev/null
done
# A station's own log, as (play_id or id, event, seq) lines, and what the collector has of it.
station_log() { ctl "$T/$1" log --json | jq -r '.records[] | "\(.play_id // .id) \(.event) \(.seq)"' | sort; }
collected() { q "SELECT ref || ' ' || event || ' ' || seq FROM record WHERE station = '$1'" | sort; }
same_records() {
	station_log "$1" >"$T/$1.want"
	collected "$1" >"$T/$1.got"
	[ -s "$T/$1.want" ] && cmp -s "$T/$1.want" "$T/$1.got"
}
four_each() { for id in xa-mot xa-hai xa-ba; do at_least "station = '$id' AND event = 'finished'" 2 || return 1; done; }
check "each station's plays reach the collector" wait_for 60 four_each
for id in xa-mot xa-hai xa-ba; do
	check "$id: the collector holds exactly the records of the station's own log, once each" \
		wait_for 10 same_records "$id"
done
check "the records are numbered 1, 2, 3... with no gap" \
	[ "$(q "SELECT count(*) FROM gap WHERE station LIKE 'xa-%'")" -eq 0 ]
check "a record keeps the bulletin: title, file, sha256, class, times, seconds, its JSON" \
	[ "$(count "station = 'xa-mot' AND event = 'finished' AND title = 'Thông báo xa-mot' AND file = 'thông báo.opus' AND length(sha256) = 64 AND class = 'normal' AND source = 'queue' AND at > 0 AND seconds > 5 AND json LIKE '{%}' AND via = 'mqtt'")" -eq 1 ]

# --- Availability: a Last Will and a clean stop -------------------------------------
# A will says what a goodbye says, with the time it was written: when the station
# started. The null device plays in no time: let a second pass, and the stations
# be heard from after their start, as a station on air always is.
later() { [ "$(date +%s)" -gt "$STARTED" ]; }
wait_for 5 later
for id in xa-hai xa-ba; do ctl "$T/$id" queue "$FIX/thông báo.opus" --title "Sau" >/dev/null; done
heard() { at_least "title = 'Sau' AND event = 'finished'" 2; }
check "the stations are heard from again" wait_for 30 heard
last_heard=$(q "SELECT last_heard FROM station WHERE station = 'xa-ba'")
kill -9 "$PID_xa_ba"
stop_station "$PID_xa_hai"
went() { [ "$(q "SELECT count(*) FROM availability WHERE station = '$1' AND online = 0 AND how = '$2'")" -eq 1 ]; }
check "a station that stops cleanly is offline from its goodbye ('stop')" wait_for 10 went xa-hai stop
# Its keep-alive is 10 s: the broker publishes the will within 15 s of the last packet.
check "a station that vanishes is offline by its Last Will ('will')" wait_for 40 went xa-ba will
check "from its last sign of life, not from when its will was written" \
	[ "$(q "SELECT at FROM availability WHERE station = 'xa-ba' AND online = 0")" -ge "$last_heard" ]
check "and the station's row says offline" [ "$(q "SELECT online FROM station WHERE station = 'xa-ba'")" = 0 ]

# --- A broker outage, a record removed on purpose, the gap, the import -------------
stop_broker
ctl "$T/xa-mot" queue "$FIX/thông báo.opus" --title "Trong lúc mất mạng 1" >/dev/null
ctl "$T/xa-mot" queue "$FIX/thông báo.opus" --title "Trong lúc mất mạng 2" >/dev/null
ctl "$T/xa-mot" queue "$FIX/thông báo.opus" --title "Trong lúc mất mạng 3" >/dev/null
held() { [ "$(sqlite3 -cmd '.timeout 2000' "$T/xa-mot/state/loaxa.db" "SELECT count(*) FROM outbox WHERE payload LIKE '%Trong lúc mất mạng%'")" -ge 6 ]; }
check "with the broker down, the station keeps its records in its outbox" wait_for 30 held
removed=$(sqlite3 -cmd '.timeout 2000' "$T/xa-mot/state/loaxa.db" \
    "SELECT json_extract(payload, '\$.seq') FROM outbox WHERE payload LIKE '%Trong lúc mất mạng 2%' AND payload LIKE '%\"event\":\"finished\"%';
     DELETE FROM outbox WHERE payload LIKE '%Trong lúc mất mạng 2%' AND payload LIKE '%\"event\":\"finished\"%';")
echo "# removed record $removed from xa-mot's outbox"
restart_broker || notok "the broker comes back"
after_outage() { at_least "station = 'xa-mot' AND title = 'Trong lúc mất mạng 3' AND event = 'finished'" 1; }
check "after the outage the station's records reach the collector" wait_for 60 after_outage
check "the record removed on purpose shows as a gap of exactly its number" \
	[ "$(q "SELECT first || '-' || last FROM gap WHERE station = 'xa-mot'")" = "$removed-$removed" ]
ctl "$T/xa-mot" log --json >"$T/xa-mot-log.json"
check "loaxa-collectd --import of the station's own log fills it" \
	sh -c "'$BUILD/loaxa-collectd' -c '$CFG' --import '$T/xa-mot-log.json' >'$T/import.out' && grep -q 'no records missing' '$T/import.out'"
sed 's/^/# /' "$T/import.out"
check "no gap is left, and the record is there once, marked imported" \
	sh -c "[ \"\$(sqlite3 -cmd '.timeout 5000' '$DB' \"SELECT (SELECT count(*) FROM gap WHERE station = 'xa-mot') || ' ' || (SELECT count(*) FROM record WHERE station = 'xa-mot' AND seq = $removed AND via = 'import')\")\" = '0 1' ]"
check "xa-mot: the collector holds exactly the station's log, once each" same_records xa-mot
check "importing it again adds nothing" \
	sh -c "'$BUILD/loaxa-collectd' -c '$CFG' --import '$T/xa-mot-log.json' | grep -q ' 0 records new'"

# --- Many stations at once; the collector killed while it stores ---------------------
gen -n 200 -m 30 --status >"$T/gen.out" 2>&1 &
GEN_PID=$!
some() { at_least "station LIKE 'gen-%'" 1500; }
wait_for 60 some
kill -9 "$CPID"
wait "$CPID" 2>/dev/null
echo "# killed the collector with $(count "station LIKE 'gen-%'") of 6000 records stored"
check "the generator's 200 stations publish 6000 records (the broker queues them)" wait "$GEN_PID"
sed 's/^/# /' "$T/gen.out"
check "the collector starts again" start_collector
all_gen() { [ "$(count "station LIKE 'gen-%'")" -eq 6000 ]; }
check "after a SIGKILL every record arrives: 6000 of 6000" wait_for 60 all_gen
check "with no gap and no number twice" \
	[ "$(q "SELECT (SELECT count(*) FROM gap WHERE station LIKE 'gen-%') + (SELECT count(*) FROM (SELECT station, seq FROM record WHERE seq IS NOT NULL GROUP BY station, seq HAVING count(*) > 1))")" -eq 0 ]

# --- The broker restarted while the collector is away: its session and queue persist ---
kill "$CPID"
wait "$CPID" 2>/dev/null
gen -n 100 -m 10 --first 31 >/dev/null
stop_broker
restart_broker || notok "the broker comes back"
check "the collector starts again after the broker's restart" start_collector
queued() { [ "$(count "station LIKE 'gen-%'")" -eq 7000 ]; }
check "what was queued for it while it was away reaches it: 7000 of 7000" wait_for 60 queued
kept() { since_start | grep -q 'the broker kept the session'; }
check "the broker kept its session" kept

# --- No PUBACK before the commit ------------------------------------------------------
# The collector's commits wait in fsync while $T/hold exists (tests/faults/slowsync.c);
# it is killed there, after it read the message and before its commit was on disk.
kill "$CPID"
wait "$CPID" 2>/dev/null
# Nothing else may come meanwhile: the last station stops.
stop_station "$PID_xa_mot"
check "the collector starts with a disk that holds its syncs" \
	start_collector LD_PRELOAD="$BUILD/tests/libslowsync.so" LOAXA_SLOW_SYNC_MS=0 LOAXA_SLOW_SYNC_HOLD="$T/hold"
touch "$T/hold"
gen -n 1 -m 1 --first 1 --prefix held >/dev/null
check "the collector reads the message and its commit waits in fsync" wait_for 10 test -e "$T/hold.held"
kill -9 "$CPID"
wait "$CPID" 2>/dev/null
rm -f "$T/hold"
# Killed inside the commit: the record may be on disk already (its frames were
# written, the sync had not returned) or not. Either way the broker must send it
# again: had its PUBACK gone before the commit, the broker would have dropped it.
pre=$(count "station = 'held-0001'")
echo "# after the kill the record is $( [ "$pre" -eq 1 ] && echo "in the database already" || echo "not in the database")"
check "the collector starts again" start_collector
held_in() { at_least "station = 'held-0001'" 1; }
check "the message is stored" wait_for 20 held_in
again() { [ "$pre" -eq 0 ] || since_start | grep -q 'new records, [1-9][0-9]* again'; }
check "the broker sent it again: it had not been acknowledged before its commit" \
	wait_for 10 again

# --- A clean stop ---------------------------------------------------------------------
kill "$CPID"
check "a clean stop says what it stored" wait_for 10 sh -c "grep -q 'collector: stopped; since the start' '$CLOG'"
check "nothing it was sent was kept aside as unreadable" [ "$(q 'SELECT count(*) FROM refused')" -eq 0 ]
echo "# records: $(q 'SELECT count(*) FROM record'), stations: $(q 'SELECT count(*) FROM station'), availability rows: $(q 'SELECT count(*) FROM availability')"
