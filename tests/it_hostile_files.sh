#!/bin/sh
# Files that could hang the station, against the real daemon (issue 15, items
# 5 to 8): a FIFO whose writer never writes, /dev/zero and a 2 GB sparse file
# handed over the control socket; a schedule that @includes a FIFO, on reload
# and under --check; a scheduled bulletin replaced by a FIFO after the schedule
# was loaded. Each is refused or reported at once, with the reason, and the
# station goes on answering, playing and stopping on SIGTERM. Every wait has a
# deadline, so a hang is a failure, never a stuck test.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
cp "$FIX/thông báo.opus" "$S/a.opus"
cp "$FIX/thông báo.opus" "$S/b.opus"
mkfifo "$S/fifo"
AT=$(at_plus 4)
cat >"$S/schedule.cfg" <<EOF2
slots = ( { title = "Bản tin trưa"; at = "$AT";
  items = ( { file = "a.opus"; }, { file = "b.opus"; } ); } );
EOF2
station_config "$S" dong-don "null" "$S/schedule.cfg"
subscribe "$T/mqtt.log"
start_station "$S"
answers() { timeout 5 "$BUILD/loaxactl" -s "$S/control.sock" status >/dev/null; }
# refused REPLY PATTERN: the reply is a refusal whose reason matches PATTERN.
refused() { [ -n "$1" ] && printf '%s\n' "$1" | jq -e --arg p "$2" '.ok == false and (.error | test($p))' >/dev/null; }

# 8: the first bulletin becomes a FIFO after the schedule was loaded.
check "the station answers" answers
rm "$S/a.opus" && mkfifo "$S/a.opus"
failed() { events "$T/mqtt.log" failed | grep -q 'not a regular file'; }
check "a bulletin replaced by a FIFO is reported failed, with the reason" wait_for 20 failed
finished() { [ "$(count_events "$T/mqtt.log" finished)" -ge 1 ]; }
check "the next bulletin of the slot plays to its end" wait_for 20 finished
check "the station answers after the slot" answers

# 5 and 6: files no operator's loaxactl would send, straight to the socket.
Q='{"cmd":"queue","name":"bản tin.opus"}'
out=$(timeout 20 "$BUILD/tools/ctl_send" "$S/control.sock" "$S/fifo" "$Q" 10); rc=$?
echo "# fifo: $out"
check "queueing a FIFO is answered at once" [ "$rc" -eq 0 ]
check "queueing a FIFO is refused: not a regular file" refused "$out" "not a regular file"
out=$(timeout 20 "$BUILD/tools/ctl_send" "$S/control.sock" /dev/zero "$Q" 10); rc=$?
echo "# /dev/zero: $out"
check "queueing /dev/zero is refused at once: not a regular file" refused "$out" "not a regular file"
truncate -s 2G "$S/sparse.opus"
out=$(timeout 20 "$BUILD/tools/ctl_send" "$S/control.sock" "$S/sparse.opus" "$Q" 10); rc=$?
echo "# sparse: $out"
check "queueing a 2 GB sparse file is refused: too large" refused "$out" "larger than"
check "nothing was left in the station's storage" sh -c "[ -z \"\$(ls -A '$S/state/bulletins')\" ]"
check "the station answers after the hostile requests" answers

# 13: control characters in a title or a name: a forged log line, an escape
# code for the technician's terminal. Refused, whoever the client is.
cp "$FIX/thông báo.opus" "$S/ok.opus"
out=$("$BUILD/tools/ctl_send" "$S/control.sock" "$S/ok.opus" '{"cmd":"queue","name":"ok.opus","title":"Họp dân\nloaxad: forged"}' 10)
echo "# newline title: $out"
check "a title with a new line is refused" refused "$out" "control characters"
out=$("$BUILD/tools/ctl_send" "$S/control.sock" "$S/ok.opus" '{"cmd":"queue","name":"\u001b[2Jok.opus"}' 10)
echo "# escape name: $out"
check "a file name with an escape code is refused" refused "$out" "control character"
check "nothing forged reached the daemon's log" sh -c "! grep -q 'loaxad: forged' '$S/loaxad.log'"
check "nothing was queued" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list --json | jq -e '.queue | length == 0' >/dev/null"

# Issue 16, 3: valid headers over damaged audio, straight to the socket: the
# daemon decodes what it accepts through once, whoever the client is.
cp "$FIX/thông báo.opus" "$S/hỏng.opus"
size=$(stat -c %s "$S/hỏng.opus")
printf 'XXXXXXXX' | dd of="$S/hỏng.opus" bs=1 seek=$(( size * 2 / 3 )) conv=notrunc 2>/dev/null
out=$("$BUILD/tools/ctl_send" "$S/control.sock" "$S/hỏng.opus" '{"cmd":"queue","name":"hỏng.opus","class":"emergency"}' 30)
echo "# damaged audio: $out"
check "a file whose audio is damaged is refused when queued, not when its turn comes" \
    sh -c "echo '$out' | jq -e '.ok == false and (.error | test(\"hỏng.opus\"))' >/dev/null"
check "and nothing was queued" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list --json | jq -e '.queue | length == 0' >/dev/null"

# 7: a schedule that @includes a FIFO, on reload and under --check.
cp "$S/schedule.cfg" "$S/good.cfg"
printf '@include "fifo"\nslots = ();\n' >"$S/schedule.cfg"
out=$(timeout 20 "$BUILD/loaxactl" -s "$S/control.sock" reload 2>&1); rc=$?
echo "# reload: $out"
check "a reload of a schedule that includes a FIFO is refused, with the reason" sh -c "[ $rc -eq 1 ] && echo '$out' | grep -q '@include \"fifo\": it is not a regular file'"
check "the station answers after the refused reload" answers
out=$(timeout 20 "$BUILD/loaxad" -c "$S/loaxa.cfg" --check 2>&1); rc=$?
echo "# check: $out"
check "--check of that schedule exits 1 at once, naming the include" sh -c "[ $rc -eq 1 ] && echo '$out' | grep -q '@include \"fifo\"'"
sed -i "s|\"$S/schedule.cfg\"|\"$S/fifo\"|" "$S/loaxa.cfg"
out=$(timeout 20 "$BUILD/loaxad" -c "$S/loaxa.cfg" --check 2>&1); rc=$?
echo "# check fifo schedule: $out"
check "--check of a schedule.file that is a FIFO exits 1 at once" sh -c "[ $rc -eq 1 ] && echo '$out' | grep -q 'not a regular file'"

kill "$STATION_PID"
gone() { ! kill -0 "$STATION_PID" 2>/dev/null; }
check "SIGTERM stops the station" wait_for 10 gone
