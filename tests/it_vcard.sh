#!/bin/sh
# The virtual sound card (tests/vcard/vcard.c) behaves like hardware: real
# audio takes real time, what it is given is what it captures, a writer that
# freezes makes it run dry and the card says for how long, and a write never
# waits. The slow-sync shim (tests/faults/slowsync.c) makes fsync slow. Then
# loaxad plays a bulletin on the card: without a gap, exactly as decoded.
. tests/lib.sh

REPORT=$BUILD/tools/vcard_report
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# fact KEY FILE: the first value for KEY in a "key value" file.
fact() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }
# between X LO HI: LO <= X <= HI, decimals allowed.
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }
# zeros FILE FROM: the bytes of FILE from offset FROM on are all zero.
zeros() { [ "$(tail -c +"$(( $2 + 1 ))" "$1" | tr -d '\000' | wc -c)" -eq 0 ]; }

# --- aplay plays 2 s of a real bulletin in real time, and the card keeps every frame.
vcard_setup aplay
"$BUILD/tools/opus_refdecode" "$FIX/stereo.opus" "$T/in.raw" 2 96000
size=$(stat -c %s "$T/in.raw")
t0=$(now_ms)
aplay -q -D "$VCARD_DEV" -t raw -f S16_LE -r 48000 -c 2 "$T/in.raw" 2>"$T/aplay.err"
rc=$?
ms=$(( $(now_ms) - t0 ))
echo "# aplay: 2 s of audio took $ms ms"
check "aplay plays on the card and exits 0" [ "$rc" -eq 0 ]
check "2 s of audio take about 2 s of wall time (1.5 to 4 s)" between "$ms" 1500 4000
"$REPORT" "$VCARD_LOG" >"$T/aplay.rep"
sed 's/^/#   /' "$T/aplay.rep"
check "one run, from start to drain, without an underrun" \
	sh -c "[ \$(grep -c '^start .* drain\$' '$T/aplay.rep') -eq 1 ] && grep -qx 'xruns 0' '$T/aplay.rep'"
check "every frame written was heard" [ "$(fact frames "$T/aplay.rep")" = "$(fact heard "$T/aplay.rep")" ]
check "the capture begins with exactly the input" cmp -s -n "$size" "$T/in.raw" "$VCARD_RAW"
check "and has nothing after it but aplay's silence to the period's end" zeros "$VCARD_RAW" "$size"

# --- A writer that freezes for 1.5 s with 0.5 s queued: the card runs dry for about 1 s.
vcard_setup stall
"$BUILD/tools/vcard_writer" "$VCARD_DEV" 48000 1 a1000,s1500,a500 "$T/w.raw" >"$T/w.out"
rc=$?
sed 's/^/#   /' "$T/w.out"
"$REPORT" "$VCARD_LOG" >"$T/w.rep"
sed 's/^/#   /' "$T/w.rep"
check "the writer plays, freezes, recovers and drains" [ "$rc" -eq 0 ]
check "a non-blocking write returns at once (under 100 ms)" \
	between "$(fact max_write_us "$T/w.out")" 0 100000
check "a full card refuses a write with EAGAIN instead of waiting" \
	[ "$(fact eagain "$T/w.out")" -ge 1 ]
check "a write never queues more than the buffer" [ "$(fact overfull "$T/w.out")" -eq 0 ]
check "the writer met one underrun and recovered it" [ "$(fact xruns "$T/w.out")" -eq 1 ]
check "the card recorded one underrun" [ "$(vcard_fact xruns)" -eq 1 ]
queued=$(fact stall_queued_ms "$T/w.out")
starved=$(fact starved_ms "$T/w.rep")
expect=$(awk -v q="$queued" 'BEGIN { print 1500 - q }')
echo "# starved $starved ms; the freeze less what was queued: $expect ms"
check "it starved for the freeze less what was queued (not less, at most 1 s more)" \
	between "$starved" "$(awk -v e="$expect" 'BEGIN { print e - 20 }')" "$(awk -v e="$expect" 'BEGIN { print e + 1000 }')"
check "the run before the freeze ended in the underrun, the one after in a drain" \
	sh -c "grep '^start ' '$T/w.rep' | awk '{ print \$4 }' | tr '\n' ' ' | grep -qx 'xrun drain '"
check "what the card captured is what the writer wrote" cmp -s "$T/w.raw" "$VCARD_RAW"
# The first frame after the freeze was heard the starved time after the last one before.
before=$("$REPORT" "$VCARD_LOG" --when 47999 | awk '{ print $2 }')
after=$("$REPORT" "$VCARD_LOG" --when 48000 | awk '{ print $2 }')
gap=$(awk -v a="$after" -v b="$before" 'BEGIN { print (a - b) / 1e6 }')
echo "# heard frame 47999 at $before, frame 48000 at $after: $gap ms apart"
check "--when puts the silence between the frames on either side of it" \
	between "$gap" "$(awk -v s="$starved" 'BEGIN { print s - 0.1 }')" "$(awk -v s="$starved" 'BEGIN { print s + 1 }')"
check "--when says a frame never written was never heard" \
	sh -c "! '$REPORT' '$VCARD_LOG' --when 999999999 >/dev/null"

# --- A program killed while it plays leaves whole lines; the next one's audio is appended.
vcard_setup killed
"$BUILD/tools/vcard_writer" "$VCARD_DEV" 48000 1 a10000 "$T/k.raw" >/dev/null 2>&1 &
KPID=$!
PIDS="$PIDS $KPID"
playing() { [ "$(grep -c ' write ' "$VCARD_LOG")" -ge 3 ]; }
check "a program plays on the card" wait_for 10 playing
kill -9 "$KPID"
wait "$KPID" 2>/dev/null
check "killed, it leaves a log of whole lines" [ "$(tail -c 1 "$VCARD_LOG" | od -An -tx1 | tr -d ' ')" = 0a ]
"$REPORT" "$VCARD_LOG" >"$T/k.rep"
check "whose run is reported as cut short by the end of the log" grep -q '^start .* none$' "$T/k.rep"
cp "$VCARD_RAW" "$T/k1.raw"
k1=$(stat -c %s "$T/k1.raw")
aplay -q -D "$VCARD_DEV" -t raw -f S16_LE -r 48000 -c 1 -s 4800 /dev/zero 2>>"$T/aplay.err"
check "the next program's audio is appended to the capture, nothing lost" \
	sh -c "cmp -s -n $k1 '$T/k1.raw' '$VCARD_RAW' && [ \$(stat -c %s '$VCARD_RAW') -ge $(( k1 + 9600 )) ]"
check "and the report sees two opens that played" \
	[ "$("$REPORT" "$VCARD_LOG" | grep -c '^onset ')" -eq 2 ]

# --- Slow storage: every fsync and fdatasync takes the delay first.
SLOW="env LD_PRELOAD=$BUILD/tests/libslowsync.so LOAXA_SLOW_SYNC_MS=600"
for how in fsync fdatasync; do
	t0=$(now_ms)
	$SLOW dd if=/dev/zero of="$T/sync.bin" bs=4k count=1 conv="$how" status=none
	rc=$?
	ms=$(( $(now_ms) - t0 ))
	echo "# dd conv=$how under the shim: $ms ms"
	check "the shim makes $how take at least its 600 ms" sh -c "[ $rc -eq 0 ] && [ $ms -ge 600 ]"
done

# --- loaxad plays a queued bulletin on the card: no underrun, exactly libopusfile's decode.
start_broker || { notok "broker starts"; exit 1; }
vcard_setup station
S=$T/station
station_config "$S" vcard "$VCARD_DEV"
subscribe "$T/mqtt.log"
start_station "$S"
t_queue=$(date +%s%N)
ctl "$S" queue "$FIX/thông báo.opus" >/dev/null
check "the queued bulletin finishes on the virtual card" wait_for 40 has_events "$T/mqtt.log" finished 1
idle_closed() {
	ctl "$S" status --json | jq -e '.state == "idle"' >/dev/null && grep -q ' close$' "$VCARD_LOG"
}
check "then the station is idle and has closed the card" wait_for 10 idle_closed
"$REPORT" "$VCARD_LOG" >"$T/d.rep"
sed 's/^/#   /' "$T/d.rep"
# An underrun while audio remained would end the run and start another.
check "loaxad fed the card without a gap: one run of the card" [ "$(grep -c '^start ' "$T/d.rep")" -eq 1 ]
check "and every frame it wrote was heard" [ "$(fact frames "$T/d.rep")" = "$(fact heard "$T/d.rep")" ]
# The playback thread drains a little before the card would run dry, never after.
echo "# loaxad's drain came $(fact drain "$T/d.rep") ms before the card would have run dry"
check "no underrun, not even at the end" [ "$(fact xruns "$T/d.rep")" -eq 0 ]
"$BUILD/tools/opus_refdecode" "$FIX/thông báo.opus" "$T/ref.raw" 1
cmp_out=$("$BUILD/tools/pcm_compare" "$T/ref.raw" "$VCARD_RAW" 1 200)
echo "# pcm_compare reference capture: $cmp_out"
set -- $cmp_out
check "the card heard as many frames as the reference has" [ "$1" -eq "$2" ]
check "aligned with the reference (shift 0)" [ "$3" -eq 0 ]
check "matching libopusfile's decode (SNR >= 50 dB)" ge "$4" 50
# Where the bulletin begins in the capture, and when that was heard.
find_out=$("$BUILD/tools/pcm_find" "$T/ref.raw" "$VCARD_RAW" 1 0 48000)
onset=$("$REPORT" "$VCARD_LOG" --when "${find_out%% *}" | awk '{ print $2 }')
echo "# pcm_find: $find_out; heard at $onset, queued at $t_queue"
check "the bulletin was heard after it was queued, within 5 s" \
	between "$(awk -v a="$onset" -v q="$t_queue" 'BEGIN { print (a - q) / 1e9 }')" 0 5
