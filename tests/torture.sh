#!/bin/sh
# Power-cut torture: loaxad is killed with SIGKILL at random instants while it
# plays, takes bulletins from 'loaxactl queue', reloads its schedule (a
# one-off slot a second ahead) and reports to a real broker; then it is
# started again. It plays on the virtual sound card, which plays like
# hardware (../shared/testing.md), so a kill cuts the loudspeakers off
# mid-bulletin as a power cut does; the bulletins are short (1 and 1.3 s),
# so that a cycle sees plays begin and end. After every restart:
#  - every id 'loaxactl queue' printed is still queued or has a record
#    (started, missed, failed) in the as-run log;
#  - every as-run record seen after an earlier restart is still there;
#  - every started play has exactly one end, except the one playing now
#    (a play cut off by the kill ends "interrupted": the station restarted);
#  - every stored bulletin's SHA-256 is its name, and no partial copy is left;
#  - everything the collector (mosquitto_sub on the broker) got is in the log;
#  - the log's records are numbered 1, 2, 3... ("seq" in each), none twice,
#    none skipped, whatever instant the kills came at.
#  - every record of a queued item carries its tags (queued with --tag),
#    the end a restart writes for a play cut off included.
# At the end the collector must have every record at least once; counted by
# play_id and event, each counts once. From what the card heard: at least a
# quarter of the kills cut off a bulletin the card was playing, no
# incarnation let the card run dry (an underrun, or a card found starving
# when the kill came), slow disk or not.
# Every other cycle every fsync is slowed (tests/faults/slowsync.c), so kills
# land during slow syncs too. SIGKILL keeps what the kernel cached, a power cut does not: that every
# acknowledgement follows its fsync is shown with strace (see tests/it_torture.sh).
# Usage: tests/torture.sh BUILD CYCLES   (TORTURE_SEED=N repeats a run)
. tests/lib.sh

CYCLES=${2:-300}
SEED=${TORTURE_SEED:-$$}
echo "# torture: $CYCLES cycles, seed $SEED"
start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
# Short bulletins (tones of 1 and 1.3 s): plays begin and end within a cycle.
sox -n -r 48000 -c 1 -b 16 "$T/a.wav" synth 1 sine 440 vol 0.5 &&
    opusenc --quiet "$T/a.wav" "$S/thông báo.opus" &&
    sox -n -r 48000 -c 1 -b 16 "$T/b.wav" synth 1.3 sine 660 vol 0.5 &&
    opusenc --quiet "$T/b.wav" "$S/bản tin 1.opus" ||
    { notok "the torture's bulletins are made"; exit 1; }
vcard_setup torture
cat >"$S/schedule.cfg" <<EOF
slots = ( { title = "Bản tin xa"; at = "2099-01-01 06:00"; items = ( { file = "thông báo.opus"; } ); } );
EOF
station_config "$S" torture "$VCARD_DEV" "$S/schedule.cfg"
subscribe "$T/collector.log"
: >"$T/acked"
: >"$T/seen"

# rnd N SALT: a random whole number in 0..N-1 from the seed, the cycle and the
# call site (it runs in $(...), a subshell, so it cannot keep a counter).
rnd() {
	awk -v s="$SEED" -v c="$cycle" -v k="$2" -v m="$1" \
	    'BEGIN { srand(s * 7919 + c * 131 + k); print int(rand() * m) }'
}

# The whole as-run log, one record a line, page by page.
fetch_log() {
	: >"$1"
	after=0
	while :; do
		ctl "$S" log --since 2000-01-01 --after "$after" --json >"$T/page.json" || return 1
		jq -c '.records[]' "$T/page.json" >>"$1"
		jq -e '.truncated' "$T/page.json" >/dev/null || return 0
		after=$(jq '.next_after' "$T/page.json")
	done
}

cat >"$T/check.jq" <<'EOF'
def set(f): reduce .[] as $x ({}; .[$x | f | tostring] = true);
def is_end: .event | IN("finished", "failed", "interrupted", "missed");
. as $log
| ($log | set(.play_id + " " + .event)) as $have
| ($list[0].queue | set(.id)) as $queued
| ($log | map(select(.queue_id != null)) | set(.queue_id)) as $recorded
| ($log | group_by(.play_id) | map({
    id: .[0].play_id,
    starts: map(select(.event == "started")) | length,
    ends: map(select(is_end)) | length })) as $plays
| ([$log[] | select(.event == "started")] | last | .play_id) as $last
| {
    records: ($log | length),
    lost_records: [$seen[] | select($have[.] | not)],
    lost_items: [$acked[] | select(($queued[tostring] or $recorded[tostring]) | not)],
    acked: ($acked | length),
    more_than_one_end: [$plays[] | select(.ends > 1 or .starts > 1) | .id],
    open: [$plays[] | select(.starts == 1 and .ends == 0) | .id],
    last_started: $last,
    restarted: [$log[] | select(.event == "interrupted" and ((.error // "") | test("restarted")))] | length,
    phantom: [$got[] | select($have[.] | not)],
    numbering: [$log | to_entries[] | select(.value.seq != .key + 1) |
        "record \(.key + 1) has seq \(.value.seq)"] | .[:5],
    untagged: [$log[] | select(.queue_id != null and .tags != ["thử-nghiệm", "vòng"]) |
        "\(.event) of item \(.queue_id): \(.tags)"] | .[:5]
  }
EOF

# fail KIND TEXT: counts a failed check of KIND and says why.
FAILS=""
fail() { FAILS="$FAILS $1"; echo "# cycle $cycle: $2"; }

# The order matters, as the station plays on meanwhile: what the collector got
# is read first (anything published was committed before), the queue before
# the log (an item leaves the queue in the transaction of its record).
# CHECK_ERR says why when it fails.
cycle_sum() {
	events "$T/collector.log" | jq -r 'select(.play_id != null) | .play_id + " " + .event' |
	    jq -R . >"$T/got.json"
	ctl "$S" list --json >"$T/list.json" || { CHECK_ERR="list did not answer"; return 1; }
	fetch_log "$T/log.jsonl" || { CHECK_ERR="log did not answer"; return 1; }
	jq -R . "$T/seen" >"$T/seen.json"
	jq -s -c --slurpfile list "$T/list.json" --slurpfile seen "$T/seen.json" \
	    --slurpfile acked "$T/acked.json" --slurpfile got "$T/got.json" \
	    -f "$T/check.jq" "$T/log.jsonl" >"$T/sum.json" 2>"$T/jq.err" ||
	    { CHECK_ERR="jq: $(cat "$T/jq.err")"; return 1; }
}

# An item that started leaves the queue at once, and its record follows when
# the disk has it (the store's writer): on a slow disk the record may still be
# on its way. So the queue and the log are read again until every acknowledged
# item is in one of them, for a while; an item really lost stays lost.
items_accounted() { cycle_sum && jq -e '.lost_items == []' "$T/sum.json" >/dev/null; }

check_cycle() {
	CHECK_ERR=""
	if ! wait_for 15 items_accounted && [ -n "$CHECK_ERR" ]; then
		fail control "$CHECK_ERR"
		return
	fi
	jq -e '.lost_items == []' "$T/sum.json" >/dev/null ||
	    fail items "acknowledged queue items lost: $(jq -c .lost_items "$T/sum.json")"
	jq -e '.lost_records == []' "$T/sum.json" >/dev/null ||
	    fail records "as-run records lost: $(jq -c .lost_records "$T/sum.json")"
	jq -e '.more_than_one_end == []' "$T/sum.json" >/dev/null ||
	    fail ends "plays with more than one start or end: $(jq -c .more_than_one_end "$T/sum.json")"
	jq -e '(.open | length) == 0 or (.open == [.last_started])' "$T/sum.json" >/dev/null ||
	    fail ends "plays left open: $(jq -c .open "$T/sum.json") (now playing: $(jq -c .last_started "$T/sum.json"))"
	jq -e '.phantom == []' "$T/sum.json" >/dev/null ||
	    fail phantom "the collector got records the log does not have: $(jq -c .phantom "$T/sum.json")"
	jq -e '.numbering == []' "$T/sum.json" >/dev/null ||
	    fail numbering "the records are not numbered 1, 2, 3...: $(jq -c .numbering "$T/sum.json")"
	jq -e '.untagged == []' "$T/sum.json" >/dev/null ||
	    fail tags "records of queued items without their tags: $(jq -c .untagged "$T/sum.json")"
	for f in "$S"/state/bulletins/* "$S"/state/bulletins/.[!.]*; do
		[ -e "$f" ] || continue
		n=$(basename "$f")
		case $n in
		*.opus) [ "$(sha256sum <"$f" | cut -d' ' -f1).opus" = "$n" ] ||
		    fail bulletins "stored bulletin $n is corrupt" ;;
		*) fail bulletins "a partial copy $n was left in the store" ;;
		esac
		HASHED=$((HASHED + 1))
	done
	jq -r '.play_id + " " + .event' "$T/log.jsonl" >"$T/seen"
}

# One cycle's work, in the background: queue, reload, while it plays and reports.
workload() {
	n=$(( $(rnd 3 1) + 1 ))
	WPIDS=""
	for k in $(seq "$n"); do
		f="$S/thông báo.opus"
		[ "$(rnd 2 $((10 + k)))" -eq 0 ] && f="$S/bản tin 1.opus"
		(out=$(ctl "$S" queue "$f" --title "Vòng $cycle, $k" --tags "thử-nghiệm,vòng" \
		    2>/dev/null) &&
		    echo "$out" | head -n 1 >>"$T/acked") &
		WPIDS="$WPIDS $!"
	done
	if [ "$(rnd 3 2)" -eq 0 ]; then
		printf 'slots = ( { title = "Vòng %s"; at = "%s"; items = ( { file = "bản tin 1.opus"; } ); } );\n' \
		    "$cycle" "$(at_plus 1)" >"$S/schedule.new" && mv "$S/schedule.new" "$S/schedule.cfg"
		(ctl "$S" reload >/dev/null 2>&1) &
		WPIDS="$WPIDS $!"
	fi
}

# Every other cycle the disk is slow (every fsync takes SLOW_MS, as on a cheap
# SD card under load), so that kills also land while syncs are in flight.
SLOW_MS=${TORTURE_SLOW_SYNC_MS:-300}
start_torture_station() {
	if [ $((cycle % 2)) -eq 1 ]; then
		start_station "$S"
		return
	fi
	LD_PRELOAD=$BUILD/tests/libslowsync.so LOAXA_SLOW_SYNC_MS=$SLOW_MS \
	    "$BUILD/loaxad" -c "$S/loaxa.cfg" -v >>"$S/loaxad.log" 2>&1 &
	STATION_PID=$!
	PIDS="$PIDS $STATION_PID"
	wait_for 10 test -S "$S/control.sock"
}

# card_at_kill FROM KILL_NS: what the card was doing at KILL_NS (date +%s%N),
# from its log after byte FROM (where this incarnation's lines begin; a
# killed program's log is whole lines): "playing" (sounding, with audio still
# queued), "idle" (closed, stopped or not yet started), "draining" (it played
# a bulletin's last frames out), or "dry" (out of audio with no drain: an
# underrun that the kill cut short, which the card had no time to log).
card_at_kill() {
	tail -c +$(( $1 + 1 )) "$VCARD_LOG" 2>/dev/null | awk -v kill="$2" '
	$3 == "open" || $3 == "prepare" { started = 0; drained = 0; ended = 0; written = 0 }
	$3 == "hw_params" { rate = $4 }
	$3 == "write" { written = $5 + $4 }
	$3 == "start" { started = 1; start = $2 }
	$3 == "drain" { drained = 1 }
	$3 == "stop" || $3 == "xrun" || $3 == "close" { ended = 1 }
	END {
		if (!started || ended || rate == 0) print "idle"
		else if (start + written * 1e9 / rate > kill) print "playing"
		else if (drained) print "draining"
		else print "dry"
	}'
}
card_size() { stat -c %s "$VCARD_LOG" 2>/dev/null || echo 0; }

HASHED=0
KILLED_PLAYING=0
AT_KILL=""
cycle=0
while [ "$cycle" -lt "$CYCLES" ]; do
	cycle=$((cycle + 1))
	rm -f "$S/control.sock"
	card_from=$(card_size)
	start_torture_station || { fail start "loaxad did not come up"; break; }
	jq -R 'tonumber? // empty' "$T/acked" >"$T/acked.json"
	check_cycle
	workload
	delay=$(rnd 1500 3)
	sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
	kill_ns=$(date +%s%N)
	kill -9 "$STATION_PID"
	wait "$STATION_PID" 2>/dev/null
	PIDS=${PIDS% "$STATION_PID"}	# gone: never signal its number again
	for p in $WPIDS; do wait "$p" 2>/dev/null; done
	at_kill=$(card_at_kill "$card_from" "$kill_ns")
	AT_KILL="$AT_KILL $at_kill"
	case $at_kill in
	playing) KILLED_PLAYING=$((KILLED_PLAYING + 1)) ;;
	dry) fail card "the card had run dry when the kill came ($( [ $((cycle % 2)) -eq 0 ] && echo slow || echo normal) disk)" ;;
	esac
done

# A last start: the checks once more, then every record must reach the collector.
rm -f "$S/control.sock"
start_station "$S"
jq -R 'tonumber? // empty' "$T/acked" >"$T/acked.json"
check_cycle
all_arrived() {
	fetch_log "$T/log.jsonl" &&
	jq -r '.play_id + " " + .event' "$T/log.jsonl" | sort -u >"$T/want" &&
	events "$T/collector.log" | jq -r 'select(.play_id != null) | .play_id + " " + .event' |
	    sort -u >"$T/have" &&
	[ -z "$(comm -23 "$T/want" "$T/have")" ]
}
wait_for 120 all_arrived || fail collector "records never reached the collector: $(comm -23 "$T/want" "$T/have" | head -n 5 | tr '\n' ';')"

"$BUILD/tools/vcard_report" "$VCARD_LOG" >"$T/card.rep"
xruns=$(awk '$1 == "xruns" { print $2 }' "$T/card.rep")
[ "${xruns:-1}" -eq 0 ] || fail card "the card ran dry $xruns times: $(grep '^xrun ' "$T/card.rep" | head -n 5 | tr '\n' ';')"
records=$(wc -l <"$T/want")
got=$(events "$T/collector.log" | jq -r 'select(.play_id != null) | .play_id' | wc -l)
distinct=$(sort -u "$T/have" | wc -l)
plays=$(cut -d' ' -f1 "$T/want" | sort -u | wc -l)
ACKED=$(wc -l <"$T/acked.json")
echo "# $cycle cycles; $KILLED_PLAYING kills cut off a bulletin the card was playing; $ACKED acknowledged queue ids"
echo "# the card at the kills:$(echo "$AT_KILL" | tr ' ' '\n' | sed '/^$/d' | sort | uniq -c | awk '{ printf " %s %s", $2, $1 }')"
echo "# the card: $(grep -c '^start ' "$T/card.rep") runs, $(awk '$1 == "heard" { print $2 }' "$T/card.rep") frames heard, $xruns underruns"
[ $((KILLED_PLAYING * 4)) -ge "$cycle" ] || FAILS="$FAILS midplay"
echo "# $records as-run records of $plays plays; $(jq .restarted "$T/sum.json") ended 'interrupted' by a restart"
echo "# collector: $got messages, $distinct distinct (play_id, event), $((got - distinct)) duplicates"
echo "# $HASHED stored-bulletin hashes checked"

result() {	# KIND DESCRIPTION
	case " $FAILS " in *" $1 "*) notok "$2";; *) ok "$2";; esac
}
result start "loaxad starts again after every SIGKILL ($cycle cycles)"
result control "it answers list and log after every restart"
result check "the checks ran"
result items "no acknowledged queue item was lost ($ACKED ids)"
result records "no as-run record was lost ($records records)"
result ends "every started play has exactly one end; a killed play ends 'interrupted' ($(jq .restarted "$T/sum.json"))"
result bulletins "no stored bulletin is corrupt or partial ($HASHED hashes)"
result phantom "the collector never got a record the station does not have"
result numbering "the records are numbered 1, 2, 3... with none twice and none skipped ($records records)"
result tags "every record of a queued item carries its tags, through the kills"
result collector "the collector got every record at least once ($distinct distinct of $got messages)"
result midplay "at least a quarter of the kills cut off a bulletin the card was playing ($KILLED_PLAYING of $cycle)"
result card "the card never ran dry, slow disk or not"
