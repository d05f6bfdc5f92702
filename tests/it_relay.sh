#!/bin/sh
# Relaying a stream (tiếp sóng) on the real daemon, its real relay helper and a
# real icecast2 on loopback, heard on the virtual sound card, which plays
# like hardware (../shared/testing.md): the station plays what the source
# sends; a crash of the helper does not touch loaxad, and the stream comes
# back; when the source goes, the fallback is heard within the stall time
# plus 1 s, and the stream again when the source returns; the slot ends on
# time, with its proof of play. Streams that are not streams (a 404, a
# server that never sends a byte, garbage, a web page) give a clear "failed"
# (with the fallback, if any, heard meanwhile), and the station goes on.
. tests/lib.sh

REPORT=$BUILD/tools/vcard_report
SERVE=$BUILD/tools/http_serve
STALL=5			# the default
now_ns() { date +%s%N; }
frames() { echo $(( $(wc -c <"$VCARD_RAW") / 2 )); }
log_has() { grep -q "$1" "$S/loaxad.log"; }
# log_count PATTERN N: the station's log has said PATTERN at least N times.
log_count() { [ "$(grep -c "$1" "$S/loaxad.log")" -ge "$2" ]; }
said() { grep -c "$1" "$S/loaxad.log"; }
helper_pid() { pgrep -f "^loaxa-relay .*$1" | head -n 1; }

start_broker || { notok "broker starts"; exit 1; }
start_icecast || { notok "icecast2 starts"; exit 1; }

sweep_source
icecast_source kenh1.opus "$T/sweep.wav"
OPUS_SRC=$SRC_PID
icecast_source kenh2.mp3 "$T/sweep.wav" -c:a libmp3lame -b:a 64k -ar 44100 -f mp3 -content_type audio/mpeg
both_mounted() { icecast_mounted kenh1.opus && icecast_mounted kenh2.mp3; }
check "the provincial station's streams are on the air (Ogg Opus, MP3)" wait_for 15 both_mounted

S=$T/station
mkdir -p "$S"
vcard_setup tiep-song
# The fallback: a recording the operator brought, prepared as any bulletin is.
sox -V1 -n -r 44100 -c 1 "$T/nen.wav" synth 4 sine 523 sine 659 gain -12
"$BUILD/loaxactl" import "$T/nen.wav" "$S/nhạc nền.opus" >/dev/null
"$BUILD/tools/opus_refdecode" "$S/nhạc nền.opus" "$T/nen.raw" 1

# The bad servers.
serve() {
	"$SERVE" 0 ${2:+"$2"} >"$T/$1.port" &
	PIDS="$PIDS $!"
	wait_for 5 test -s "$T/$1.port"
}
serve silent
{ printf 'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n'; head -c 65536 /dev/urandom; } >"$T/garbage.http"
serve garbage "$T/garbage.http"
{ printf 'HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n'
  printf '<!DOCTYPE html><html><body><h1>Đài tỉnh</h1></body></html>\n'; } >"$T/html.http"
serve html "$T/html.http"

AT=$(( $(date +%s) + 6 ))
D1=50
at() { date -d "@$1" '+%Y-%m-%d %H:%M:%S'; }
ICE=127.0.0.1:$ICE_PORT
cat >"$S/schedule.cfg" <<EOF
slots = (
  { title = "Tiếp sóng Đài tỉnh"; at = "$(at $AT)"; duration = "${D1}s";
    relay = "http://nghe:mat-khau@$ICE/kenh1.opus"; fallback = ( { file = "nhạc nền.opus"; } ); },
  { title = "Kênh không có"; at = "$(at $((AT + D1 + 2)))"; duration = "8s";
    relay = "http://$ICE/khong-co.opus"; fallback = ( { file = "nhạc nền.opus"; } ); },
  { title = "Máy chủ im lặng"; at = "$(at $((AT + D1 + 12)))"; duration = "8s";
    relay = "http://127.0.0.1:$(cat "$T/silent.port")/kenh1"; },
  { title = "Rác"; at = "$(at $((AT + D1 + 22)))"; duration = "8s";
    relay = "http://127.0.0.1:$(cat "$T/garbage.port")/kenh1"; },
  { title = "Trang web"; at = "$(at $((AT + D1 + 32)))"; duration = "8s";
    relay = "http://127.0.0.1:$(cat "$T/html.port")/kenh1"; },
  { title = "Tiếp sóng MP3"; at = "$(at $((AT + D1 + 42)))"; duration = "10s";
    relay = "http://$ICE/kenh2.mp3"; },
  { title = "Tiếp sóng Đài huyện"; at = "$(at $((AT + D1 + 54)))"; duration = "30s";
    relay = "http://$ICE/kenh1.opus"; }
);
EOF
station_config "$S" tan-thanh "$VCARD_DEV" "$S/schedule.cfg"
echo "relay = { stall = $STALL; };" >>"$S/loaxa.cfg"
check "loaxad --check accepts the relay slots" sh -c "'$BUILD/loaxad' -c '$S/loaxa.cfg' --check >/dev/null"
subscribe "$T/mqtt.log"
start_station "$S"
E=$T/events.json
ev_has() { events "$T/mqtt.log" >"$E"; jq_any "$E" "$1"; }

# 0. The operator sees the relays ahead: the stream, for how long, never its credentials.
ctl "$S" list >"$T/list.out"
ctl "$S" list --json >"$T/list.json"
check "loaxactl list shows a relay ahead: its stream and how long" \
	grep -q "Kênh không có (relays http://$ICE/khong-co.opus for 8s)" "$T/list.out"
check "in place of a count of bulletins, a dash" grep -q -- "- *Kênh không có" "$T/list.out"
check "list --json: each relay ahead with its stream, duration and fallback, none with credentials" \
	jq -e '[.upcoming[] | select(.relay != null)] | length >= 6 and
	    all(.relay | test("@") | not) and all(.duration > 0) and
	    (map(select(.title == "Kênh không có"))[0] | .fallback == 1 and .duration == 8)' "$T/list.json"

# heard_stream FROM: 3 s have been written since frame FROM; from FROM + 0.5 s, it is the sweep.
heard_stream() { wait_for 15 sh -c "[ \$(( \$(wc -c <'$VCARD_RAW') / 2 )) -ge $(( $1 + 3 * 48000 )) ]" &&
	is_sweep "$VCARD_RAW" $(( $1 + 24000 )); }

# 1. The slot starts and relays the source.
check "the relay starts at its time" wait_for 15 ev_has \
	'.event=="started" and .title=="Tiếp sóng Đài tỉnh" and .relay=="http://127.0.0.1:'"$ICE_PORT"'/kenh1.opus"'
check "its reports carry no credentials" sh -c "! grep -q mat-khau '$T/mqtt.log'"
check "the helper connects, naming the stream" wait_for 10 log_has "relaying http://$ICE/kenh1.opus: Ogg Opus"
status_on() {
	ctl "$S" status --json |
	    jq -e ".playing.relay == \"http://$ICE/kenh1.opus\" and .playing.stream == \"on\"" >/dev/null
}
check "the status shows the relay playing, its stream on, without credentials" wait_for 5 status_on
# status_says TEXT: what 'loaxactl status' shows the operator says TEXT.
status_says() { ctl "$S" status | grep -q "$1"; }
check "loaxactl status tells the operator the stream is on the loudspeakers" \
	status_says "the stream is on the loudspeakers"
f0=$(frames)
check "what the loudspeakers play is the source" heard_stream "$f0"

# 2. The helper crashes: loaxad goes on, the stream comes back (a new helper in a second).
hp=$(helper_pid "$ICE/kenh1.opus")
check "the relay helper runs apart from loaxad, caged" \
	sh -c "[ -n '$hp' ] && grep -q '^Seccomp:[[:space:]]*2' /proc/$hp/status"
kill -SEGV "$hp"
check "the helper's crash is told, and loaxad goes on" wait_for 5 log_has "stopped on signal 11"
check "loaxad is still running" kill -0 "$STATION_PID"
check "a new helper relays the stream again" \
	wait_for 15 log_count "relaying http://$ICE/kenh1.opus: Ogg Opus" 2
# The gap may be bridged by what was buffered, or heard as the fallback: either way, after 2 s
# the stream plays again.
sleep 2
f1=$(frames)
check "and it is the source's" heard_stream "$f1"

# 3. The source goes: the fallback within the stall time + 1 s; back when it returns.
away=$(said "is away; the fallback plays") back=$(said "is back")
f2=$(frames)
t_kill=$(now_ns)
kill "$OPUS_SRC"
check "the stream is away, the fallback plays" \
	wait_for $((STALL + 3)) log_count "is away; the fallback plays" $((away + 1))
check "loaxactl status tells the operator the stream is away" \
	wait_for 3 status_says "the stream is away: its fallback"
sleep $((STALL + 2))
set -- $("$BUILD/tools/pcm_find" "$T/nen.raw" "$VCARD_RAW" 1 "$f2" $(( $(frames) - 24000 )) 24000)
fb_at=$1 fb_snr=$2
fb_heard=$("$REPORT" "$VCARD_LOG" --when "$fb_at" | awk '{ print $2 }')
echo "# fallback found at frame $fb_at (SNR $fb_snr dB), heard $(( (fb_heard - t_kill) / 1000000 )) ms after the source was killed"
check "the fallback is what is heard (SNR >= 20 dB)" ge "$fb_snr" 20
check "it is heard within the stall time + 1 s of the source going" \
	[ $(( fb_heard - t_kill )) -le $(( (STALL + 1) * 1000000000 )) ]
icecast_source kenh1.opus "$T/sweep.wav"
check "the stream comes back when the source returns" wait_for 20 log_count "is back" $((back + 1))
f3=$(frames)
check "and it is the source that is heard again" heard_stream "$f3"

# 4. The slot ends on time, with its proof of play.
check "the relay finishes" wait_for $((D1 + 10)) ev_has '.event=="finished" and .title=="Tiếp sóng Đài tỉnh"'
end_ns=$(( (AT + D1) * 1000000000 ))
# The relay is the card's first run: its end is when it started and what it played.
set -- $("$REPORT" "$VCARD_LOG" | awk '$1 == "start" { print $2, $3; exit }')
last=$(( $1 + $2 * 1000000000 / 48000 ))
echo "# the last frame of the relay was heard $(( (last - end_ns) / 1000000 )) ms from the slot's end"
check "its last frame is heard at the slot's end (within 300 ms)" \
	[ $(( last - end_ns )) -le 300000000 -a $(( end_ns - last )) -le 300000000 ]
events "$T/mqtt.log" finished | jq -c 'select(.title=="Tiếp sóng Đài tỉnh")' | tee "$T/fin.json" | sed 's/^/# /'
check "finished: the stream's seconds, the fallback's, and the interruptions" \
	jq -e '.seconds > 15 and .fallback_seconds >= 2 and .interruptions >= 1 and (has("error") | not) and .relay == "http://'"$ICE"'/kenh1.opus"' "$T/fin.json"
check "no helper is left when the relay is over" wait_for 5 sh -c "[ -z \"\$(pgrep -f '^loaxa-relay .*$ICE/kenh1.opus')\" ]"

# 5. What is not a stream: "failed" with why, and the station goes on.
failed() { ev_has ".event==\"failed\" and .title==\"$1\" and (.error | test(\"$2\"))"; }
check "a mount that is not there: failed, the server's 404 said" wait_for 30 failed "Kênh không có" "404"
check "with the fallback heard meanwhile" ev_has '.event=="failed" and .title=="Kênh không có" and .fallback_seconds >= 2'
check "a server that never sends a byte: failed, nothing for $STALL s" wait_for 30 failed "Máy chủ im lặng" "sent nothing for $STALL s"
check "garbage: failed, not a stream" wait_for 30 failed "Rác" "not a stream|damaged"
check "a web page: failed, a web page" wait_for 30 failed "Trang web" "web page"
check "loaxad went on through all of them" kill -0 "$STATION_PID"

# 6. MP3 at 44.1 kHz is relayed as well.
check "an MP3 stream: the helper connects, naming it" wait_for 30 log_has "relaying http://$ICE/kenh2.mp3: MP3"
sleep 1
check "what the loudspeakers play is the source" heard_stream "$(frames)"
check "the MP3 relay finishes" wait_for 15 ev_has '.event=="finished" and .title=="Tiếp sóng MP3" and .seconds > 5'

# 7. A bulletin of a higher class cuts the relay off; the relay comes back to its stream.
check "the next relay starts" wait_for 15 ev_has '.event=="started" and .title=="Tiếp sóng Đài huyện"'
stream_on() { ctl "$S" status --json | jq -e '.playing.title == "Tiếp sóng Đài huyện" and .playing.stream == "on"' >/dev/null; }
check "its stream is heard" wait_for 10 stream_on
sleep 2
ctl "$S" queue "$FIX/thông báo.opus" --class priority >/dev/null
check "a priority bulletin cuts the relay off" wait_for 10 ev_has \
	'.event=="interrupted" and .title=="Tiếp sóng Đài huyện" and .seconds > 1 and .relay != null'
check "the bulletin plays through" wait_for 20 ev_has '.event=="finished" and .source=="queue"'
resumed() { [ "$(events "$T/mqtt.log" started | jq -r 'select(.title=="Tiếp sóng Đài huyện") | .play_id' | sort -u | wc -l)" -ge 2 ]; }
check "the relay comes back, to its stream as it is now" wait_for 10 resumed
check "and ends at its slot's end, finished" wait_for 25 ev_has \
	'.event=="finished" and .title=="Tiếp sóng Đài huyện" and .seconds > 3'
not_replayed() {
	events "$T/mqtt.log" finished |
	    jq -e 'select(.title=="Tiếp sóng Đài huyện") | .seconds + .fallback_seconds < 20' >/dev/null
}
check "the relay resumed played less than its slot: it was not replayed from its start" not_replayed
check "no underrun on the card while anything played" [ "$("$REPORT" "$VCARD_LOG" | awk '$1 == "xruns" { print $2 }')" -eq 0 ]
exit 0
