#!/bin/sh
# A full disk: the station's storage on a small tmpfs (in a private mount
# namespace, so nothing outside this test sees it). Queueing refuses with a
# clear sentence, nothing stored is damaged, the station keeps playing what
# it has, and once space is free again it takes bulletins again, no restart.
if [ -z "${LOAXA_DISKFULL_NS:-}" ]; then
	if [ "$(id -u)" -ne 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
		echo "ok - a full disk # SKIP needs root and unshare -m (CI runs as root)"
		exit 0
	fi
	LOAXA_DISKFULL_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S/state"
mount -t tmpfs -o size=1200k,mode=0750 tmpfs "$S/state" || { notok "a small tmpfs is mounted"; exit 1; }
station_config "$S" xa-day-dia "file:'$T/out.raw',raw"
start_station "$S"

# Late enough for what follows: preparing the 20-minute bulletin below takes seconds.
a=$(ctl "$S" queue "$FIX/bản tin số 1.opus" --title "Bản tin đã có" --at "$(at_plus 40)" | head -n 1)
check "a bulletin that fits is queued" sh -c "echo '$a' | grep -Eq '^[0-9]+\$'"
err=$(ctl "$S" queue "$FIX/long.opus" --title "Quá lớn" 2>&1 >/dev/null); rc=$?
echo "# refusal: $err"
check "a bulletin larger than the free space is refused with exit status 1" [ "$rc" -eq 1 ]
check "the refusal names the file and says the storage is full" \
	sh -c "echo \"\$1\" | grep -q 'long.opus' && echo \"\$1\" | grep -q 'storage is full'" sh "$err"
leftovers() { ls -A "$S/state/bulletins" | grep -v '\.opus$'; }
check "no partial copy is left behind" sh -c "[ -z \"\$(ls -A '$S/state/bulletins' | grep -v '\\.opus\$')\" ]"

# Now nothing fits at all.
dd if=/dev/zero of="$S/state/filler" bs=4k 2>/dev/null
echo "# $(df -k "$S/state" | tail -n 1)"
err=$(ctl "$S" queue "$FIX/thông báo.opus" 2>&1 >/dev/null); rc=$?
echo "# refusal: $err"
check "with the disk full, queue refuses with exit status 1 and says why" \
	sh -c "[ $rc -eq 1 ] && echo \"\$1\" | grep -q 'full'" sh "$err"
check "the queue is intact: the first bulletin is still there" \
	sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list --json | jq -e '.queue | length == 1 and .[0].id == $a' >/dev/null"
intact() {
	for f in "$S"/state/bulletins/*.opus; do
		[ "$(sha256sum <"$f" | cut -d' ' -f1).opus" = "$(basename "$f")" ] || return 1
	done
}
check "every stored bulletin is intact (its SHA-256 is its name)" intact

# It plays what it has, on time, whole.
"$BUILD/tools/opus_refdecode" "$FIX/bản tin số 1.opus" "$T/ref.raw" 1
played() { [ -f "$T/out.raw" ] && [ "$(stat -c %s "$T/out.raw")" -ge "$(stat -c %s "$T/ref.raw")" ]; }
check "with the disk full, the station plays the queued bulletin" wait_for 90 played
idle() { ctl "$S" status --json | jq -e '.state == "idle"' >/dev/null; }
wait_for 10 idle
set -- $("$BUILD/tools/pcm_compare" "$T/ref.raw" "$T/out.raw" 1 200)
check "all of it, as the reference decode (frames $1 of $2, SNR $4 dB)" sh -c "[ '$1' -eq '$2' ] && [ '$3' -eq 0 ]"
check "the daemon is still running and answering" ctl "$S" status --json >/dev/null
once() { ctl "$S" log --json | jq -e "[.records[] | select(.queue_id == $a)] | map(.event) == [\"started\", \"finished\"]" >/dev/null; }
check "it played once, not again and again, and both records were kept (the reserve)" once
check "and it left the queue" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list --json | jq -e '.queue | length == 0' >/dev/null"

# Space again: it takes bulletins again, and the database is sound.
rm -f "$S/state/filler"
b=$(ctl "$S" queue "$FIX/thông báo.opus" --at "$(at_plus 3600)" | head -n 1)
check "once there is space again, queue works without a restart" sh -c "echo '$b' | grep -Eq '^[0-9]+\$'"
if command -v sqlite3 >/dev/null 2>&1; then
	check "SQLite's integrity check passes" sh -c "[ \"\$(sqlite3 'file:$S/state/loaxa.db?mode=ro' 'PRAGMA integrity_check')\" = ok ]"
fi
check "every stored bulletin is still intact" intact

# The kill switch on a full disk: the mute is kept across a restart (the
# reserve pays for it), or mute says it would not last, with exit status 1.
muted() { ctl "$S" status --json | jq -e '.muted != null' >/dev/null; }
fill() { dd if=/dev/zero of="$S/state/$1" bs=4k 2>/dev/null; sync; }
fill filler2			# the reserve was spent on the records above
err=$(ctl "$S" mute 2>&1 >/dev/null); rc=$?
echo "# mute, reserve spent: $err"
check "with the disk full and no reserve left, mute says it would not last (exit 1)" \
	sh -c "[ $rc -eq 1 ] && echo \"\$1\" | grep -q 'after a restart'" sh "$err"
check "the loudspeakers are muted all the same" muted
# That mute never reached the disk: an unmute on the full disk, saved or
# not, leaves the station as its disk says, unmuted.
check "an unmute on the full disk follows the disk, which says unmuted (exit 0)" \
	ctl "$S" unmute
check "and the loudspeakers are on again" sh -c "! '$BUILD/loaxactl' -s '$S/control.sock' status --json | jq -e '.muted != null' >/dev/null"
rm -f "$S/state/filler2"
stop_station "$STATION_PID"
start_station "$S"		# the reserve is made again at start
fill filler3
check "with the disk full and the reserve there, mute succeeds" ctl "$S" mute
rm -f "$S/state/filler3"
stop_station "$STATION_PID"
start_station "$S"
check "and the station is still muted after a restart" muted
umount -l "$S/state" 2>/dev/null	# lazily: the daemon still has it open until cleanup stops it
