#!/bin/sh
# The operator's queue: loaxactl queue, list, cancel; refusals; a restart keeps the queue.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
station_config "$S" tan-thanh "file:'$S/out.raw',raw"
subscribe "$T/mqtt.log"
start_station "$S"

# An operator's file from a USB stick: spaces and diacritics in the name.
mkdir -p "$T/usb"
cp "$FIX/bản tin số 1.opus" "$T/usb/Bản tin họp dân.opus"
out=$(ctl "$S" queue "$T/usb/Bản tin họp dân.opus" --title "Họp dân thôn 3")
rc=$?
id=$(echo "$out" | head -n 1)
check "queue prints the new item's id and exits 0" sh -c "[ $rc -eq 0 ] && echo '$id' | grep -Eq '^[0-9]+\$'"
echo "# loaxactl queue said: $out"
check "queue explains in a sentence when it will play" sh -c "echo '$out' | sed -n 2p | grep -q 'Họp dân thôn 3'"
check "the queued item plays as soon as the station is free" wait_for 30 has_events "$T/mqtt.log" finished 1
ev=$(events "$T/mqtt.log" started | head -n 1)
check "its events say queue, its id, its title and the operator's file name" \
	sh -c "echo '$ev' | jq -e '.source == \"queue\" and .queue_id == $id and .title == \"Họp dân thôn 3\" and .file == \"Bản tin họp dân.opus\"' >/dev/null"

# Refusals are clear and leave nothing queued.
err=$(ctl "$S" queue "$FIX/random.opus" 2>&1 >/dev/null); rc=$?
echo "# refusal: $err"
check "random bytes named .opus are refused with exit status 1" [ "$rc" -eq 1 ]
check "the refusal names the file and says it is no recording" sh -c "echo '$err' | grep -q 'random.opus' && echo '$err' | grep -q 'not a recording loaxa can read'"
err=$(ctl "$S" queue "$FIX/empty.opus" 2>&1 >/dev/null); rc=$?
check "an empty file is refused with exit status 1" [ "$rc" -eq 1 ]
err=$(ctl "$S" queue "$T/usb/không có.opus" 2>&1 >/dev/null); rc=$?
echo "# refusal: $err"
check "a missing file is refused with exit status 1 and its name" sh -c "[ $rc -eq 1 ] && echo '$err' | grep -q 'không có.opus'"
check "nothing was queued by the refusals" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list --json | jq -e '.queue | length == 0' >/dev/null"

# A timed item survives a restart (even a kill), and the USB stick can be pulled out.
cp "$FIX/thông báo.opus" "$T/usb/thông báo.opus"
later=$(at_plus 3600)
id2=$(ctl "$S" queue "$T/usb/thông báo.opus" --at "$later" | head -n 1)
rm -f "$T/usb/thông báo.opus"
kill -9 "$STATION_PID"; wait "$STATION_PID" 2>/dev/null
rm -f "$S/control.sock"
start_station "$S"
listed() { ctl "$S" list --json | jq -e ".queue[] | select(.id == $id2 and .title == \"thông báo\")" >/dev/null; }
check "a queued item survives SIGKILL and restart" listed
check "list shows its time" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list --json | jq -e '.queue[0].at | startswith(\"$(echo "$later" | cut -d' ' -f1)\")' >/dev/null"
check "cancel removes it" ctl "$S" cancel "$id2"
err=$(ctl "$S" cancel "$id2" 2>&1); rc=$?
check "cancelling it again says there is no such item" sh -c "[ $rc -eq 1 ] && echo '$err' | grep -q '$id2'"
check "the queue is empty again" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list --json | jq -e '.queue | length == 0' >/dev/null"

# Bad requests on the socket get an answer and the daemon stays up.
check "unknown commands are refused with usage" sh -c "! '$BUILD/loaxactl' -s '$S/control.sock' frobnicate 2>/dev/null"
check "the daemon still answers" ctl "$S" status
check "the control socket is not world-writable" [ "$(stat -c %a "$S/control.sock")" = 660 ]
