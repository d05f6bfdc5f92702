#!/bin/sh
# 'loaxactl log': a technician reads what aired from the station itself, with
# the district link down (no broker at all): the table, --json, --since in
# every form, a bounded answer and how to go on, and mistakes.
. tests/lib.sh

S=$T/station
PORT=1	# nothing listens there: the district link is down the whole time
station_config "$S" xa-log "file:'$T/out.raw',raw"
start_station "$S"
id1=$(ctl "$S" queue "$FIX/thông báo.opus" --title "Họp dân thôn 3" | head -n 1)
id2=$(ctl "$S" queue "$FIX/random.opus" 2>/dev/null | head -n 1)
id3=$(ctl "$S" queue "$FIX/bản tin số 1.opus" | head -n 1)
done2() { [ "$(ctl "$S" log --json | jq '[.records[] | select(.event == "finished")] | length')" -ge 2 ]; }
check "the log shows what played, with the link down" wait_for 30 done2

out=$(ctl "$S" log); rc=$?
echo "$out" | sed 's/^/# /'
check "log exits 0" [ "$rc" -eq 0 ]
check "the table has a header" sh -c "echo \"\$1\" | head -n 1 | grep -q '^TIME  *EVENT  *SECONDS  TITLE (FILE)'" sh "$out"
check "a finished line has the time, the seconds, the title and the file" \
	sh -c "echo \"\$1\" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}  finished  +[0-9]+\\.[0-9]  Họp dân thôn 3 \\(thông báo.opus\\)\$'" sh "$out"
check "it ends with how many records, since when" sh -c "echo \"\$1\" | tail -n 1 | grep -q '^4 records since '" sh "$out"

J=$T/log.json
ctl "$S" log --json >"$J"
check "--json has the records as the district gets them" \
	jq -e '(.records | length) == 4 and (.records[0] | .event == "started" and .queue_id == '"$id1"' and .station == "xa-log")' "$J" >/dev/null
check "every started has its finished under the same play_id" \
	jq -e '[.records[] | select(.event == "started") | .play_id] == [.records[] | select(.event == "finished") | .play_id]' "$J" >/dev/null
check "the refused MP3 never reached the log" sh -c "[ -z '$id2' ]"
first_at=$(jq -r '.records[2].at' "$J")
check "--since an ISO time from a record gives the records from that second on" \
	sh -c "'$BUILD/loaxactl' -s '$S/control.sock' log --since '$first_at' --json | jq -e '(.records | all(.at >= \"$first_at\")) and any(.records[]; .queue_id == $id3)' >/dev/null"
check "--since a date gives the whole day" \
	sh -c "'$BUILD/loaxactl' -s '$S/control.sock' log --since '$(date +%Y-%m-%d)' --json | jq -e '.records | length == 4' >/dev/null"
check "--since a time still ahead today means yesterday's" \
	sh -c "'$BUILD/loaxactl' -s '$S/control.sock' log --since '$(date -d '+1 hour' +%H:%M)' --json | jq -e '.records | length == 4' >/dev/null"
out=$(ctl "$S" log --since 2099-01-01)
check "nothing since a later date says so" sh -c "echo \"\$1\" | grep -q '^Nothing was recorded since 2099-01-01 00:00:00.'" sh "$out"

# A bounded answer says so and says how to go on.
ctl "$S" log --limit 3 --json >"$T/p1.json"
check "--limit cuts the answer and says it was cut" jq -e '(.records | length) == 3 and .truncated == true and (.next_after | type) == "number"' "$T/p1.json" >/dev/null
ctl "$S" log --after "$(jq .next_after "$T/p1.json")" --json >"$T/p2.json"
check "--after goes on from there, to the last record" \
	sh -c "jq -e '(.records | length) == 1 and .truncated == false and .records[0].event == \"finished\" and .records[0].queue_id == $id3' '$T/p2.json' >/dev/null"
out=$(ctl "$S" log --limit 2)
check "the table says there are more and how to see them" \
	sh -c "echo \"\$1\" | grep -q \"There are more.*loaxactl log --since\"" sh "$out"

# Mistakes.
err=$(ctl "$S" log --since "hôm qua" 2>&1 >/dev/null); rc=$?
echo "# refusal: $err"
check "a time it cannot read is refused with exit 1 and the forms it takes" \
	sh -c "[ $rc -eq 1 ] && echo \"\$1\" | grep -q 'hôm qua' && echo \"\$1\" | grep -q 'YYYY-MM-DD'" sh "$err"
ctl "$S" log --since >/dev/null 2>&1; rc=$?
check "--since without a value is a usage error (exit 2)" [ "$rc" -eq 2 ]
ctl "$S" log --limit 0 >/dev/null 2>&1; rc=$?
check "--limit 0 is refused" [ "$rc" -eq 1 ]

# A kill: the log keeps everything, and a play cut off gets its end.
kill -9 "$STATION_PID"; wait "$STATION_PID" 2>/dev/null
PIDS=${PIDS% "$STATION_PID"}
rm -f "$S/control.sock"
start_station "$S"
check "after SIGKILL and a restart the log still has every record" \
	sh -c "'$BUILD/loaxactl' -s '$S/control.sock' log --json | jq -e '.records | length >= 4' >/dev/null"
