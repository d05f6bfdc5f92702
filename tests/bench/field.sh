#!/bin/sh
# Figure 10: the station in the field, on the virtual sound card (which plays
# in real time like hardware and runs dry when it is not fed), with one fault
# on, or none ("off", the baseline the other faults are compared with in the
# same run). One loaxad, its own broker and card; for FAULT:
#   off    nothing
#   slow   every fsync takes 1 s (LD_PRELOAD tests/faults/slowsync.c)
#   dns    its broker given by a name only a silent name server could resolve,
#          in a private network and mount namespace (needs root and unshare)
#   fetch  the district publishes a schedule with a bulletin of (up to) 64 MiB
#          again and again: the station fetches and hashes it, arms it, and
#          drops it when the next schedule no longer needs it
#   queue  `loaxactl queue` of 20 short bulletins back to back (for tomorrow),
#          then `loaxactl cancel` of the 20, again and again
#   cpu    one busy loop per core at the daemon's own priority
#   broker the station's broker behind a slow link (tests/faults/slowproxy.c)
#          that goes round: every chunk 300 ms late for 5 s, 2,000 bytes a
#          second for 5 s, a stall (nothing either way, no reset) for 8 s,
#          normal for 2 s; stalled during the start-ups
# While the fault is on it measures:
#   - start-up to the first answered status request (tests/bench/startup), on
#     a brand-new state directory and on the one a clean start and stop left
#     (like a reboot; the station below then starts on it); not for fetch and
#     queue, which need a running station to disturb;
#   - SLOTS one-off slots 3 s apart, each two 1-s bulletins back to back,
#     loaded with `loaxactl reload`: from the card's log (vcard_report), each
#     slot's onset (wall time its first frame was heard) against its second,
#     the silence the card had (starved), its runs beyond one per slot, the
#     frames heard beyond the bulletins' own, and underruns;
#   - then TRIALS times, while a normal bulletin plays: `loaxactl queue
#     --class emergency` of a 1-s rising sweep, and `loaxactl alert` of a
#     falling one (not under dns: no broker), each to its first sample heard
#     (pcm_find in the capture, vcard_report --when); then `loaxactl stop` to
#     the card stopping (its log);
#   - all along, a status request every 20 ms over the control socket
#     (tests/bench/ctl_rtt: no process start-up in the figure): p50, p99, worst.
# Prints "KEY VALUE" lines (late_ms, emergency_ms, alert_ms, stop_ms,
# up_new_ms and up_old_ms once per slot, trial or start; a value that is not
# a number says why there is none), or "skipped REASON" (exit status 2) when
# the fault cannot be made here. FIELD_SLOW_MS sets slow's delay (1000).
# Under broker, once the link is normal again at the end: records_lost, the
# as-run log's records that did not reach a subscriber on the broker within
# 60 s, and records_twice, those that reached it more than once.
#
# Usage: tests/bench/field.sh BUILD FAULT INPUTS [SLOTS [TRIALS [STARTS]]]
#   INPUTS (run.sh's make_field_inputs) holds f1.opus f2.opus (1 s each),
#   siren.opus and alert.opus (1 s), normal.opus (20 s), big.opus (the
#   district's large bulletin) and q1.opus..q20.opus (1 s).
if [ "$2" = dns ] && [ -z "${LOAXA_DNS_NS:-}" ]; then
	if [ "$(id -u)" -ne 0 ] || ! unshare -mn --propagation private true 2>/dev/null; then
		echo "skipped needs root and unshare -mn"
		exit 2
	fi
	LOAXA_DNS_NS=1 exec unshare -mn --propagation private sh "$0" "$@"
fi
. tests/lib.sh
. tests/bench/heard.sh
FAULT=$2 IN=$3 NSLOTS=${4:-20} NTRIALS=${5:-20} NSTARTS=${6:-3}
case $IN in /*) ;; *) IN=$TOP/$IN ;; esac
GAP=3			# seconds between slots: 2 s of audio, then the card closes
RTT_MS=20		# one status request every RTT_MS
NAME=broker.loaxa.test
B=$BUILD/bench
TOOLS=$BUILD/tools
say() { echo "# field $FAULT: $*" >&2; }
now_ns() { date +%s%N; }
out() { echo "$1 $2"; }

case $FAULT in
off|dns|fetch|queue|cpu|broker) PRE="" ;;
slow) PRE="env LD_PRELOAD=$BUILD/tests/libslowsync.so LOAXA_SLOW_SYNC_MS=${FIELD_SLOW_MS:-1000}" ;;
*) echo "field.sh: unknown fault \"$FAULT\"" >&2; exit 1 ;;
esac
for f in f1 f2 siren alert normal; do
	[ -s "$IN/$f.opus" ] || { echo "field.sh: $IN/$f.opus is missing" >&2; exit 1; }
done

# config DIR ID DEVICE [SCHEDULE]: the station as the fault wants it, with
# the district's key (for its schedules and alerts).
config() {
	station_config "$@"
	[ "$FAULT" = dns ] && sed -i "s/host = \"127.0.0.1\"/host = \"$NAME\"/" "$1/loaxa.cfg"
	[ "$FAULT" = broker ] && sed -i "s/port = $PORT;/port = $LINK_PORT;/" "$1/loaxa.cfg"
	echo "district = { public_key = \"$T/district.key.pub\"; };" >>"$1/loaxa.cfg"
}
"$BUILD/loaxactl" keygen "$T/district.key" >/dev/null || exit 1

# --- the faults that run beside the station --------------------------------------------

[ "$FAULT" = dns ] && { silent_dns_setup || { say "cannot set up the silent name server"; exit 1; }; }
start_broker || exit 1
if [ "$FAULT" = broker ]; then
	slow_link_start "$PORT" || { say "cannot start the slow link"; exit 1; }
fi
if [ "$FAULT" = cpu ]; then
	i=0
	while [ "$i" -lt "$(nproc)" ]; do
		sh -c 'while :; do :; done' &
		PIDS="$PIDS $!"
		i=$((i + 1))
	done
fi

# fetch_prepare: the district's two schedules, A with the large bulletin and
# B with a small one, published once each by loaxactl (which decodes the
# bulletin and leaves its chunks retained on the broker); their envelopes are
# kept to be signed again with later versions (tests/bench/resign), and the
# retained schedule is cleared so that the station starts without one.
fetch_prepare() {
	mkdir -p "$T/office"
	ln -s "$IN/big.opus" "$T/office/lớn.opus"
	ln -s "$IN/f1.opus" "$T/office/nhỏ.opus"
	tomorrow=$(at_plus 86400)
	for s in A:lớn B:nhỏ; do
		printf 'slots = ( { title = "Ngày mai"; at = "%s"; items = ( { file = "%s.opus"; } ); } );\n' \
		    "$tomorrow" "${s#*:}" >"$T/office/${s%%:*}.cfg"
		t0=$(now_ns)
		"$BUILD/loaxactl" publish "$T/office/${s%%:*}.cfg" --region hon-quan --key "$T/district.key" \
		    $BROKER_OPTS >"$T/publish.out" 2>&1 || { say "$(cat "$T/publish.out")"; return 1; }
		say "loaxactl publish ${s%%:*}: $(( ($(now_ns) - t0) / 1000000 )) ms"
		mqtt_sub -t loaxa/hon-quan/schedule -C 1 -W 5 \
		    >"$T/env-${s%%:*}.json" || return 1
	done
	mqtt_pub -t loaxa/hon-quan/schedule -r -n -q 1 || return 1
	FETCH_V=$(sed -n 's/.*\\"version\\":\([0-9]*\).*/\1/p' "$T/env-B.json")
	[ -n "$FETCH_V" ]
}
armed() { grep -q "\"event\":\"schedule_armed\".*\"version\":$1," "$T/events"; }
# fetch_loop: schedule A (fetch the large bulletin), then B (A's bulletin is
# removed), and again, until the fault is turned off; "fetch T0 T1 VERSION"
# lines in $T/fetches for each fetch of A, from publish to armed (ns).
fetch_loop() {
	v=$FETCH_V
	while [ ! -e "$T/fault.off" ]; do
		for s in A B; do
			v=$((v + 1))
			"$B/resign" "$T/district.key" "$v" <"$T/env-$s.json" >"$T/env.now" || return 1
			t0=$(now_ns)
			mqtt_pub -t loaxa/hon-quan/schedule -r -q 1 -f "$T/env.now" ||
			    return 1
			wait_for 120 armed "$v" || { echo "unarmed $v" >>"$T/fetches"; return 1; }
			[ "$s" = A ] && echo "fetch $t0 $(now_ns) $v" >>"$T/fetches"
		done
	done
}
# link_loop: the broker's link round its modes until the fault is turned
# off, then normal; a line per mode in $T/link.log.
link_loop() {
	while [ ! -e "$T/fault.off" ]; do
		for m in "delay 300:5" "rate 2000:5" "stall:8" "normal:2"; do
			slow_link "${m%:*}" || return 1
			_end=$(( $(date +%s) + ${m##*:} ))
			while [ "$(date +%s)" -lt "$_end" ] && [ ! -e "$T/fault.off" ]; do sleep 0.2; done
		done
	done
	slow_link normal
}
# queue_loop: 20 bulletins queued for tomorrow back to back, then cancelled,
# until the fault is turned off; a line per request in $T/queued.
queue_loop() {
	tomorrow=$(at_plus 86400)
	while [ ! -e "$T/fault.off" ]; do
		ids=""
		j=1
		while [ "$j" -le 20 ]; do
			if id=$(ctl "$S" queue "$IN/q$j.opus" --at "$tomorrow" 2>>"$T/queue.err" | head -n 1) &&
			    [ -n "$id" ]; then
				ids="$ids $id"
				echo queued >>"$T/queued"
			else
				echo failed >>"$T/queued"
			fi
			j=$((j + 1))
		done
		for id in $ids; do
			ctl "$S" cancel "$id" >/dev/null 2>>"$T/queue.err" || echo "cancel-failed" >>"$T/queued"
		done
	done
}

if [ "$FAULT" = fetch ]; then
	[ -s "$IN/big.opus" ] || { echo "field.sh: $IN/big.opus is missing" >&2; exit 1; }
	fetch_prepare || { say "cannot prepare the district's schedules"; exit 1; }
fi

vcard_setup field >&2
S=$T/station
mkdir -p "$S"
for f in f1 f2 normal; do ln -s "$IN/$f.opus" "$S/$f.opus"; done
# What queue and alert send is prepared at the bulletins' loudness: prepare
# these the same way, so that they are sent as they are and their reference
# decodes are what the card plays.
for f in siren alert; do
	"$BUILD/loaxactl" import "$IN/$f.opus" "$S/$f.opus" >/dev/null ||
	    { echo "field.sh: cannot prepare $f.opus" >&2; exit 1; }
done
echo "slots = ( );" >"$S/schedule.cfg"
config "$S" field "$VCARD_DEV" "$S/schedule.cfg"

# --- start-up ----------------------------------------------------------------------------

# A brand-new state directory, then the one its clean start and stop left
# (the station below then starts on that one, as after a reboot).
if [ "$FAULT" != fetch ] && [ "$FAULT" != queue ]; then
	[ "$FAULT" = broker ] && slow_link stall
	r=1
	while [ "$r" -le "$NSTARTS" ]; do
		rm -rf "$S/state"
		for age in new old; do
			ms=$($PRE "$B/startup" "$BUILD/loaxad" "$S/loaxa.cfg" "$S/control.sock" 2>>"$T/startup.err")
			out "up_${age}_ms" "${ms:--}"
		done
		r=$((r + 1))
	done
	grep -q "^startup:" "$T/startup.err" && say "$(grep "^startup:" "$T/startup.err" | tail -n 2)"
	[ "$FAULT" = broker ] && slow_link normal
fi

# --- the station, its slots and the control socket -------------------------------------------

mosquitto_sub $(mqtt_opts district.monitor) -v -q 1 -t "loaxa/hon-quan/+/events" >"$T/events" 2>/dev/null &
PIDS="$PIDS $!"
$PRE "$BUILD/loaxad" -c "$S/loaxa.cfg" >>"$S/loaxad.log" 2>&1 &
STATION_PID=$!
PIDS="$PIDS $STATION_PID"
status() { ctl "$S" status --json 2>/dev/null; }
# reload: the schedule file again, by ctl_send (the whole reply, with the
# details of a refusal, in $T/reload.out).
reload() {
	"$TOOLS/ctl_send" "$S/control.sock" /dev/null '{"cmd":"reload"}' 10 >"$T/reload.out" 2>&1 &&
	    jq -e '.ok == true' "$T/reload.out" >/dev/null
}
ready() {
	case $FAULT in
	dns) status | jq -e ".mqtt.state == \"resolving $NAME\"" >/dev/null ;;
	*) status | jq -e '.mqtt.connected == true' >/dev/null ;;
	esac
}
if ! wait_for 60 ready; then
	say "the station is not ready: $(tail -n 3 "$S/loaxad.log")"
	exit 1
fi
out realtime "$(status | jq -r 'if .audio.realtime then 1 else 0 end')"

FAULT_PID=""
case $FAULT in
fetch) fetch_loop >/dev/null 2>>"$T/fault.err" & FAULT_PID=$! ;;
queue) queue_loop >/dev/null 2>>"$T/fault.err" & FAULT_PID=$! ;;
broker) link_mark=$(wc -l <"$T/link.log"); link_loop >/dev/null 2>>"$T/fault.err" & FAULT_PID=$! ;;
esac
PIDS="$PIDS $FAULT_PID"
fault_t0=$(now_ns)
if [ "$FAULT" = fetch ]; then
	# The slots start while the first fetch is under way.
	fetching() { [ -s "$T/env.now" ]; }
	wait_for 10 fetching
fi

"$B/ctl_rtt" "$S/control.sock" "$RTT_MS" 900 >"$T/rtt" 2>>"$T/rtt.err" &
RTT_PID=$!
PIDS="$PIDS $RTT_PID"

# N one-off slots from 3 s on, GAP apart, each f1 then f2; reloaded.
base=$(( $(date +%s) + 3 ))
{
	echo "slots = ("
	i=0
	while [ "$i" -lt "$NSLOTS" ]; do
		printf '  { title = "Ô %d"; at = "%s"; items = ( { file = "f1.opus"; }, { file = "f2.opus"; } ); }%s\n' \
		    "$i" "$(date -d "@$((base + i * GAP))" '+%Y-%m-%d %H:%M:%S')" \
		    "$([ $((i + 1)) -lt "$NSLOTS" ] && echo ,)"
		i=$((i + 1))
	done
	echo ");"
} >"$S/schedule.cfg"
reload || { say "reload failed: $(cat "$T/reload.out")"; exit 1; }
last=$((base + (NSLOTS - 1) * GAP))
# Done when the card was closed after the last slot's second.
slots_done() {
	[ "$(date +%s)" -gt "$last" ] &&
	    tail -n 1 "$VCARD_LOG" | awk -v l="$last" '$3 == "close" && $2 / 1e9 > l { ok = 1 } END { exit !ok }'
}
wait_for $((last - $(date +%s) + 30)) slots_done || say "the card was not closed after the last slot"
slots_t1=$(now_ns)
cp "$VCARD_LOG" "$T/slots.log"

# Slots: onsets against the seconds, silence, runs, frames.
"$TOOLS/vcard_report" "$T/slots.log" >"$T/slots.rep"
"$TOOLS/opus_refdecode" "$S/f1.opus" "$T/f1.raw" 1 && "$TOOLS/opus_refdecode" "$S/f2.opus" "$T/f2.raw" 1 ||
    { say "cannot decode the slot's bulletins"; exit 1; }
slot_frames=$(( ($(stat -c %s "$T/f1.raw") + $(stat -c %s "$T/f2.raw")) / 2 ))
awk -v base="$base" -v gap="$GAP" -v n="$NSLOTS" -v sf="$slot_frames" '
	$1 == "onset" { t = $2 / 1e9; k = int((t - base + 1) / gap)
		printf "late_ms %.3f\n", (t - (base + k * gap)) * 1000
		if (k >= 0 && k < n) got[k] = 1; onsets++ }
	$1 == "start" { starts++ }
	$1 == "xruns" { xr = $2 } $1 == "starved_ms" { st = $2 } $1 == "heard" { heard = $2 }
	END { for (k in got) played++
		printf "slots %d\nslots_without_audio %d\nsilence_ms %s\nextra_runs %d\nslot_xruns %d\n",
		    n, n - played, st, starts - onsets, xr
		printf "added_ms %.1f\n", (heard - onsets * sf) / 48 }' "$T/slots.rep"

# --- emergency and stop, while a normal bulletin plays ----------------------------------------

for f in siren alert; do
	"$TOOLS/opus_refdecode" "$S/$f.opus" "$T/$f.raw" 1 || { say "cannot decode $f.opus"; exit 1; }
done
starts_after() { card_starts_after "$VCARD_LOG" "$@"; }
stopped_after() { awk -v t="$1" '$3 == "stop" && $2 > t { ok = 1 } END { exit !ok }' "$VCARD_LOG"; }
# normal_playing: the normal bulletin in a one-off slot at the next second,
# until the card plays it (up to three tries: this sets the trial up, it is
# not what is measured). A slot, not `loaxactl queue`, which a fault may make
# the station refuse.
normal_playing() {
	for _try in 1 2 3; do
		tq=$(now_ns)
		printf 'slots = ( { title = "Bản tin %d"; at = "%s"; items = ( { file = "normal.opus"; } ); } );\n' \
		    "$i" "$(date -d "@$(( $(date +%s) + 1 ))" '+%Y-%m-%d %H:%M:%S')" >"$S/schedule.cfg"
		reload || { cat "$T/reload.out" >>"$T/trials.err"; continue; }
		wait_for 15 starts_after "$tq" 1 && return 0
	done
	return 1
}
# why FILE: loaxactl's reason, shortened for the table.
why() { tail -n 1 "$1" | sed 's/^loaxactl: //; s/ "[^"]*"//g' | cut -c1-70; }
idle() { status | jq -e '.state == "idle"' >/dev/null; }
# pause: 0.2 to 0.5 s into what plays, so that a command lands at a different
# point of the card's periods each time (not a wait for an event).
pause() { _p=$(( ${_p:-0} + 1 )); sleep "0.$(( 2 + _p % 4 ))"; }
# cut_in KEY REF COMMAND...: runs COMMAND, which should make the sound REF
# (raw) cut into the normal bulletin; prints "KEY MS" from just before the
# command to REF's first sample heard (heard.sh's card_heard), or "KEY
# REASON" and returns 1.
cut_in() {
	_key=$1 _ref=$2
	shift 2
	_f0=$(card_frames "$VCARD_RAW")
	_t0=$(now_ns)
	if ! "$@" >/dev/null 2>"$T/cmd.err"; then
		cat "$T/cmd.err" >>"$T/trials.err"
		say "trial $i: $_key: refused: $(why "$T/cmd.err")"
		out "$_key" "refused: $(why "$T/cmd.err")"
		return 1
	fi
	# It plays, then the normal bulletin again from its start.
	wait_for 15 starts_after "$_t0" 2 || say "trial $i: $_key: nothing cut in, or no normal bulletin after it"
	_heard=$(card_heard "$_ref" "$VCARD_LOG" "$VCARD_RAW" "$_t0" "$_f0")
	_ok=$?
	set -- $_heard - -
	if [ "$_ok" = 0 ]; then
		out "$_key" "$(awk -v a="$1" -v b="$_t0" 'BEGIN { printf "%.3f", (a - b) / 1e6 }')"
		return 0
	fi
	say "trial $i: $_key: not found in the capture (pcm_find: $1 $2)"
	out "$_key" "not heard"
	return 1
}
alert() {
	"$BUILD/loaxactl" alert "$S/alert.opus" --region hon-quan --key "$T/district.key" \
	    $BROKER_OPTS --title "Bão số 9"
}
i=1 em_bad=0 al_bad=0 stop_bad=0
while [ "$i" -le "$NTRIALS" ]; do
	if ! normal_playing; then
		say "trial $i: the normal bulletin did not start: $(why "$T/trials.err")"
		out emergency_ms "no bulletin to cut into"; out stop_ms -
		em_bad=$((em_bad + 1)) stop_bad=$((stop_bad + 1)) i=$((i + 1))
		continue
	fi
	pause
	cut_in emergency_ms "$T/siren.raw" ctl "$S" queue --class emergency "$S/siren.opus" || em_bad=$((em_bad + 1))
	if [ "$FAULT" != dns ]; then
		pause
		cut_in alert_ms "$T/alert.raw" alert || al_bad=$((al_bad + 1))
	fi
	pause
	t0=$(now_ns)
	ctl "$S" stop >/dev/null 2>"$T/stop.err"
	if wait_for 10 stopped_after "$t0"; then
		awk -v t="$t0" '$3 == "stop" && $2 > t { printf "stop_ms %.3f\n", ($2 - t) / 1e6; exit }' "$VCARD_LOG"
	else
		cat "$T/stop.err" >>"$T/trials.err"
		say "trial $i: the card did not stop: $(why "$T/stop.err")"
		out stop_ms "not stopped: $(why "$T/stop.err")"
		stop_bad=$((stop_bad + 1))
	fi
	wait_for 10 idle || say "trial $i: the station is not idle after stop"
	i=$((i + 1))
done
out trials "$NTRIALS"
out emergency_failed "$em_bad"
[ "$FAULT" != dns ] && out alert_failed "$al_bad"
out stop_failed "$stop_bad"
fault_t1=$(now_ns)
kill -TERM "$RTT_PID" 2>/dev/null
wait "$RTT_PID" 2>/dev/null
# rtt_stats PREFIX: p50, p99 and worst of the round trips on stdin.
rtt_stats() {
	sort -n | awk -v p="$1" '
	{ a[NR] = $1; if ($3 != "ok") fail++ }
	END { if (NR == 0) { printf "%s_n 0\n", p; exit }
		printf "%s_n %d\n%s_fail %d\n", p, NR, p, fail
		printf "%s_p50_ms %.2f\n%s_p99_ms %.2f\n%s_max_ms %.2f\n", p, a[int((NR + 1) / 2)],
		    p, a[int(NR * 0.99 + 0.999999)], p, a[NR] }'
}
rtt_stats rtt <"$T/rtt"
# The slots alone: no command of ours but the reload.
awk -v t="$slots_t1" '$2 < t' "$T/rtt" | rtt_stats rtt_slots

# --- the whole run ---------------------------------------------------------------------------

: >"$T/fault.off"
# The loops end after their current step (a fetch under way is finished and counted).
[ -n "$FAULT_PID" ] && { wait_for 130 sh -c "! kill -0 $FAULT_PID 2>/dev/null" || say "the fault's loop did not end"; }
"$TOOLS/vcard_report" "$VCARD_LOG" | awk '$1 == "xruns" { print "xruns", $2 }'
case $FAULT in
fetch)
	awk -v a="$fault_t0" -v b="$fault_t1" '$1 == "fetch" { n++; on += ($3 < b ? $3 : b) - ($2 > a ? $2 : a) }
		$1 == "unarmed" { bad++ }
		END { printf "fetches %d\nfetch_unarmed %d\nfetch_duty %.3f\nfetch_s %.3f\n", n, bad,
		    on / (b - a), n ? on / n / 1e9 : 0 }' "$T/fetches" 2>/dev/null ||
	    out fetches 0
	out big_bytes "$(stat -L -c %s "$IN/big.opus")"
	;;
queue)
	out queued "$(grep -c '^queued' "$T/queued")"
	out queue_failed "$(grep -c -v '^queued' "$T/queued")"
	out queue_s "$(awk -v a="$fault_t0" -v b="$fault_t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')"
	;;
dns)
	out dns_stuck "$(status | jq -r "if .mqtt.state == \"resolving $NAME\" then 1 else 0 end")"
	;;
broker)
	tail -n "+$((link_mark + 1))" "$T/link.log" >"$T/link.run"
	out link_modes "$(grep -c '^mode ' "$T/link.run")"
	out link_stalls "$(grep -c '^mode stall' "$T/link.run")"
	out link_reconnects "$(grep -c 'mqtt: lost the connection' "$S/loaxad.log")"
	# Every record of the as-run log, against what the subscriber got (by
	# play id, or a note's own id, and event), once the link is normal.
	asrun() { ctl "$S" log --json | jq -r '.records[] | "\(.play_id // .id) \(.event)"' | sort; }
	got() { cut -d' ' -f2- "$T/events" | jq -r '"\(.play_id // .id) \(.event)"' | sort; }
	all_got() { [ -z "$(asrun | comm -23 - "$T/got")" ]; }
	caught_up() { got >"$T/got"; all_got; }
	wait_for 60 caught_up || say "records still missing 60 s after the link was normal"
	got >"$T/got"
	out records "$(asrun | wc -l)"
	out records_lost "$(asrun | comm -23 - "$T/got" | wc -l)"
	out records_twice "$(uniq -d "$T/got" | wc -l)"
	;;
esac
[ -s "$T/fault.err" ] && say "$(tail -n 3 "$T/fault.err")"
[ -s "$T/trials.err" ] && say "$(tail -n 3 "$T/trials.err")"
# The machine is shared: how busy it was (1-min load average) as the run ended.
out loadavg "$(cut -d' ' -f1 /proc/loadavg)"
stop_station "$STATION_PID"
exit 0
