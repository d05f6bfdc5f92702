#!/bin/sh
# The short power-cut torture for `make check` (tests/torture.sh; `make torture`
# runs hundreds of cycles), and the proof that an acknowledgement follows the
# sync that makes it durable: strace around one 'loaxactl queue' must show the
# bulletin fsynced, renamed and its directory fsynced, then the queue row
# written to SQLite's WAL and fdatasynced, and only then the reply with the id.
sh tests/torture.sh "${1:-build}" "${TORTURE_CHECK_CYCLES:-20}"

. tests/lib.sh
if ! command -v strace >/dev/null 2>&1; then
	echo "ok - the id is printed after the fsync # SKIP strace is not installed; run 'make deps'"
	exit 0
fi
S=$T/station
# Only the order of the system calls matters here, not time: "null" swallows
# the audio at once (the torture above plays on the virtual card).
station_config "$S" strace "null"
start_station "$S"
TR="fsync,fdatasync,rename,renameat,renameat2,write,pwrite64,sendmsg,sendto"
strace -f -tt -y -e trace=$TR -o "$T/daemon.trace" -p "$STATION_PID" 2>"$T/strace.err" &
SP=$!
attached() { grep -q 'attached' "$T/strace.err" 2>/dev/null || [ -s "$T/daemon.trace" ] || grep -qi 'Process .* attached' "$T/strace.err"; }
if ! wait_for 5 attached; then
	kill "$SP" 2>/dev/null
	echo "ok - the id is printed after the fsync # SKIP strace cannot attach here: $(head -c 200 "$T/strace.err")"
	exit 0
fi
strace -tt -y -e trace=$TR -o "$T/ctl.trace" \
    "$BUILD/loaxactl" -s "$S/control.sock" queue "$FIX/thông báo.opus" --title "Bản tin strace" >"$T/out"
id=$(head -n 1 "$T/out")
REPLY='ok\":true,\"id\":'	# as strace escapes the reply's quotes
wait_for 5 grep -qF "$REPLY" "$T/daemon.trace"
kill "$SP"; wait "$SP" 2>/dev/null
# Line numbers of the steps in the daemon's trace (one process: in order).
reply=$(grep -nF "$REPLY" "$T/daemon.trace" | head -n 1 | cut -d: -f1)
[ -n "$reply" ] || reply=0
sed -n "1,${reply}p" "$T/daemon.trace" >"$T/before"
last() { grep -n "$1" "$T/before" | tail -n 1 | cut -d: -f1; }
bfsync=$(last 'fsync([0-9]*<[^>]*/bulletins/\.import-')
ren=$(last 'rename(.*/bulletins/\.import-')
dfsync=$(last 'fsync([0-9]*<[^>]*/bulletins>)')
wal=$(last 'pwrite64([0-9]*<[^>]*loaxa\.db-wal>')
sync=$(last 'f[data]*sync([0-9]*<[^>]*loaxa\.db-wal>')
echo "# daemon trace lines: bulletin fsync $bfsync, rename $ren, dir fsync $dfsync, WAL write $wal, WAL sync $sync, reply $reply"
in_order() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }
check "loaxactl queue printed an id" sh -c "echo '$id' | grep -Eq '^[0-9]+\$'"
check "the bulletin is fsynced before it is renamed into the store" in_order "$bfsync" "$ren"
check "the store's directory is fsynced after the rename, before the queue row" in_order "$ren" "$dfsync"
check "the queue row is written to the WAL after the bulletin is durable" in_order "$dfsync" "$wal"
check "the WAL is synced after the row is written" in_order "$wal" "$sync"
check "the reply with the id is sent only after the WAL sync" in_order "$sync" "$reply"
printed=$(grep -n 'write(1<' "$T/ctl.trace" | head -n 1 | awk '{print $2}')
replied=$(sed -n "${reply}p" "$T/daemon.trace" | awk '{print $2}')
check "loaxactl prints the id after the daemon replied" sh -c "[ -n '$printed' ] && [ '$printed' \\> '$replied' ]"
