#!/bin/sh
# Configuration and schedule checks for people: --check, and reloads that keep the old schedule.
. tests/lib.sh

S=$T/station
mkdir -p "$S"
cp "$FIX/thông báo.opus" "$S/"
cat >"$S/schedule.cfg" <<EOF
slots = ( { title = "Bản tin sáng"; at = "06:00"; days = "daily"; items = ( { file = "thông báo.opus"; } ); } );
EOF
station_config "$S" tan-thanh null "$S/schedule.cfg"
out=$("$BUILD/loaxad" -c "$S/loaxa.cfg" --check 2>&1); rc=$?
check "--check on a good station says OK and exits 0" sh -c "[ $rc -eq 0 ] && echo '$out' | grep -q 'OK'"

cat >"$T/bad.cfg" <<EOF
station = { id = "Tân Thành"; region = "hon-quan"; name = "Xã"; };
audio = { devcie = "default"; rate = 44100; };
storage = { dir = "$T/state"; };
EOF
out=$("$BUILD/loaxad" -c "$T/bad.cfg" --check 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "--check on a bad file exits 1" [ "$rc" -eq 1 ]
check "the bad id is named with file and line" sh -c "echo '$out' | grep -q 'bad.cfg:1: station.id'"
check "the typo is named with a suggestion" sh -c "echo '$out' | grep -q 'bad.cfg:2: audio.devcie.*device'"
check "the rate out of range is named" sh -c "echo '$out' | grep -q 'bad.cfg:2: audio.rate'"
out2=$("$BUILD/loaxad" -c "$T/bad.cfg" 2>&1); rc=$?
check "the daemon refuses to start on it, with the same messages" \
	sh -c "[ $rc -eq 1 ] && echo '$out2' | grep -q 'bad.cfg:2: audio.rate'"

cat >"$T/badsched.cfg" <<EOF
slots = ( { title = "Bản tin"; at = "25:00"; items = ( { file = "không có.opus"; } ); } );
EOF
station_config "$T/s2" tan-thanh null "$T/badsched.cfg"
out=$("$BUILD/loaxad" -c "$T/s2/loaxa.cfg" --check 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "--check names a bad time and a missing bulletin in the schedule" \
	sh -c "[ $rc -eq 1 ] && echo '$out' | grep -q 'badsched.cfg:1: slots.\[0\].at' && echo '$out' | grep -q 'không có.opus'"

# A running station refuses a bad reload and keeps the schedule in force.
start_station "$S"
cp "$S/schedule.cfg" "$S/schedule.good"
cp "$T/badsched.cfg" "$S/schedule.cfg"
out=$(ctl "$S" reload 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
check "loaxactl reload of a bad schedule exits 1 and shows the problems" \
	sh -c "[ $rc -eq 1 ] && echo '$out' | grep -q '25:00'"
check "the previous schedule stays in force" \
	sh -c "'$BUILD/loaxactl' -s '$S/control.sock' status --json | jq -e '.schedule.slots == 1 and .next_slot.title == \"Bản tin sáng\"' >/dev/null"
cat >"$S/schedule.cfg" <<EOF
slots = ( { title = "Bản tin sáng"; at = "06:00"; items = ( { file = "thông báo.opus"; } ); },
          { title = "Bản tin chiều"; at = "17:00"; days = [ "mon", "wed", "fri" ]; items = ( { file = "thông báo.opus"; } ); } );
EOF
kill -HUP "$STATION_PID"
two() { ctl "$S" status --json | jq -e '.schedule.slots == 2' >/dev/null; }
check "SIGHUP reloads a good schedule" wait_for 10 two
check "list shows the upcoming slots" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list --json | jq -e '[.upcoming[].title] | index(\"Bản tin chiều\") != null' >/dev/null"
