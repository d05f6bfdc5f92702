#!/bin/sh
# loaxa-relay, the caged helper that relays an Internet radio stream, against
# a real icecast2 on loopback fed by ffmpeg: Ogg Opus, MP3 and AAC mounts
# come out as plain samples at exactly the rate and channels asked for,
# whose sound is the source's; the "connected" line names the format; it
# ends when the source goes away. Bad servers (garbage, a web page, 404, a
# server that never sends a byte, a refused connection, a name that does
# not resolve, a redirect elsewhere) end it with exit 1 and a sentence; a
# server over TLS is trusted through --ca only. While it plays, it is caged
# (seccomp, no new privileges, nobody when started as root) and idle
# between packets.
. tests/lib.sh

RELAY=$BUILD/loaxa-relay
SERVE=$BUILD/tools/http_serve
BPS=96000			# bytes a second at 48 kHz mono, S16

# relay_start NAME ARGS...: runs the relay in the background, its output and
# its status lines through pipes (its cage lets no file grow) into
# $T/NAME.raw and $T/NAME.err, with a file of ours open as descriptor 9
# (loaxad's own descriptors, for the relay); sets RELAY_PID and RELAY_READERS.
relay_start() {
	_rn=$1; shift
	rm -f "$T/$_rn.out" "$T/$_rn.errp"
	mkfifo "$T/$_rn.out" "$T/$_rn.errp"
	cat "$T/$_rn.out" >"$T/$_rn.raw" &
	_rc1=$!
	cat "$T/$_rn.errp" >"$T/$_rn.err" &
	RELAY_READERS="$_rc1 $!"
	"$RELAY" "$@" >"$T/$_rn.out" 2>"$T/$_rn.errp" 9<"$T/sweep.wav" &
	RELAY_PID=$!
	PIDS="$PIDS $RELAY_PID $RELAY_READERS"
}
# relay_wait: waits for the relay started last (killing it after 60 s) and
# its readers; RELAY_RC is its exit status.
relay_wait() {
	wait_for 60 gone "$RELAY_PID" || kill "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID"
	RELAY_RC=$?
	for _p in $RELAY_READERS; do wait "$_p"; done
}
# relay_run NAME ARGS...: the relay in the foreground.
relay_run() { relay_start "$@"; relay_wait; }
# gone PID: the process has exited (a zombie not yet waited for counts).
gone() { ! [ -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
size() { wc -c <"$1"; }
has_bytes() { [ "$(size "$1")" -ge "$2" ]; }
says() { grep -q "$2" "$T/$1.err"; }
# serve NAME [RESPONSE]: http_serve (its canned RESPONSE, or silence) on a
# free port, SERVE_PORT; SERVE_PID.
serve() {
	"$SERVE" 0 ${2:+"$2"} >"$T/$1.port" &
	SERVE_PID=$!
	PIDS="$PIDS $SERVE_PID"
	wait_for 5 test -s "$T/$1.port"
	SERVE_PORT=$(cat "$T/$1.port")
}
# cpu_ticks PID: user + system time, in clock ticks.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

sweep_source
# is_source NAME: the relay's sound (48 kHz mono in $T/NAME.cmp), from its second second, is the sweep's.
is_source() { is_sweep "$T/$1.cmp" 48000; }

start_icecast || { notok "icecast2 starts"; exit 1; }
icecast_source opus "$T/sweep.wav"
OPUS_SRC=$SRC_PID
icecast_source mp3 "$T/sweep.wav" -c:a libmp3lame -b:a 64k -ar 44100 -f mp3 -content_type audio/mpeg
MP3_SRC=$SRC_PID
icecast_source aac "$T/sweep.wav" -c:a aac -b:a 64k -ar 44100 -f adts -content_type audio/aac
check "the three mounts are up" wait_for 15 sh -c \
	'for m in opus mp3 aac; do curl -s "$1" | grep -q "\"listenurl\":\"[^\"]*/$m\"" || exit 1; done' \
	sh "http://127.0.0.1:$ICE_PORT/status-json.xsl"

# --- Ogg Opus, the defaults: 48 kHz mono; caged and idle while it plays ----------------------
relay_start opus "http://localhost:$ICE_PORT/opus"
check "Ogg Opus: the relay says it is connected, naming the format" \
	wait_for 15 grep -q "^connected	Ogg Opus, 48 kHz, mono$" "$T/opus.err"
check "Ogg Opus: 3 s of sound come" wait_for 15 has_bytes "$T/opus.raw" $((3 * BPS))
st=/proc/$RELAY_PID/status
check "while it plays, its seccomp filter is on (Seccomp: 2)" grep -q '^Seccomp:[[:space:]]*2$' "$st"
check "and it can gain no privilege (NoNewPrivs: 1)" grep -q '^NoNewPrivs:[[:space:]]*1$' "$st"
if [ "$(id -u)" -eq 0 ]; then
	check "started by root, it runs as nobody" grep -q '^Uid:[[:space:]]*65534[[:space:]]' "$st"
else
	ok "started by root, it runs as nobody # SKIP not root"
fi
check "it has closed the descriptors its parent left open" test ! -e "/proc/$RELAY_PID/fd/9"
# Idle between packets: CPU time over 5 s of relayed sound, against the wall clock.
t0=$(cpu_ticks "$RELAY_PID") w0=$(date +%s%N) b0=$(size "$T/opus.raw")
wait_for 20 has_bytes "$T/opus.raw" $((b0 + 5 * BPS))
t1=$(cpu_ticks "$RELAY_PID") w1=$(date +%s%N)
hz=$(getconf CLK_TCK)
pct=$(awk -v t=$((t1 - t0)) -v w=$((w1 - w0)) -v hz="$hz" 'BEGIN { printf "%.1f", 100 * t / hz / (w / 1e9) }')
echo "# CPU: $((t1 - t0)) ticks over $(( (w1 - w0) / 1000000 )) ms of relay: $pct% of a core"
check "no busy loop: under 50% of a core while relaying (here $pct%)" ge 50 "$pct"
# The source goes away: icecast drops its listeners, and the relay ends.
kill "$OPUS_SRC"
check "when the source is killed, the relay ends within stall + 1 s (6 s)" wait_for 6 gone "$RELAY_PID"
relay_wait
echo "# exit $RELAY_RC: $(cat "$T/opus.err" | tail -n 1)"
check "and it exits 0, or 1 with an error line" sh -c \
	'[ "$1" -eq 0 ] || { [ "$1" -eq 1 ] && tail -n 1 "$2" | grep -q "^error	"; }' sh "$RELAY_RC" "$T/opus.err"
check "its standard output is whole frames of 16-bit mono" sh -c '[ $(( $1 % 2 )) -eq 0 ]' sh "$(size "$T/opus.raw")"
cp "$T/opus.raw" "$T/opus.cmp"
check "Ogg Opus: the relayed sound is the source's" is_source opus

# --- MP3 at 44.1 kHz stereo, the rate and channels of another output ------------------------
relay_start mp3 --rate 44100 --channels 2 "http://127.0.0.1:$ICE_PORT/mp3"
check "MP3: connected, named MP3 at 44.1 kHz" wait_for 15 grep -q "^connected	MP3, 44.1 kHz, mono$" "$T/mp3.err"
check "MP3: 4 s of sound come" wait_for 15 has_bytes "$T/mp3.raw" $((4 * 44100 * 4))
kill "$MP3_SRC"
relay_wait
check "its output is whole frames of two 16-bit channels" sh -c '[ $(( $1 % 4 )) -eq 0 ]' sh "$(size "$T/mp3.raw")"
# Read as 44.1 kHz stereo, it must be the sweep: another rate would not correlate.
ffmpeg -nostdin -v error -y -f s16le -ar 44100 -ac 2 -i "$T/mp3.raw" -ac 1 -ar 48000 -f s16le "$T/mp3.cmp"
check "MP3: the relayed sound, read as 44.1 kHz stereo, is the source's" is_source mp3
silence=$(ffmpeg -nostdin -f s16le -ar 44100 -ac 2 -i "$T/mp3.raw" -af 'pan=mono|c0=c0-c1,volumedetect' \
	-f null - 2>&1 | sed -n 's/.*max_volume: \(.*\) dB/\1/p' | sed 's/-inf/-999/')
echo "# left minus right: max $silence dB"
check "the mono source is in both channels alike" ge -60 "$silence"

# --- AAC (ADTS) -------------------------------------------------------------------------------
relay_start aac "http://localhost:$ICE_PORT/aac"
check "AAC: connected, named AAC" wait_for 15 grep -q "^connected	AAC, 44.1 kHz, mono$" "$T/aac.err"
check "AAC: 3 s of sound come" wait_for 15 has_bytes "$T/aac.raw" $((3 * BPS))
kill "$RELAY_PID"
relay_wait
cp "$T/aac.raw" "$T/aac.cmp"
check "AAC: the relayed sound is the source's" is_source aac

# --- Ogg Vorbis, stereo, from a source started now ---------------------------------------------
icecast_source vorbis "$T/sweep.wav" -ac 2 -c:a libvorbis -q:a 3 -f ogg -content_type application/ogg
check "the Vorbis mount is up" wait_for 15 icecast_mounted vorbis
relay_start vorbis "http://localhost:$ICE_PORT/vorbis"
check "Ogg Vorbis: connected, named Ogg Vorbis, stereo" \
	wait_for 15 grep -q "^connected	Ogg Vorbis, 48 kHz, stereo$" "$T/vorbis.err"
check "Ogg Vorbis: 3 s of sound come" wait_for 15 has_bytes "$T/vorbis.raw" $((3 * BPS))
kill "$RELAY_PID" "$SRC_PID"
relay_wait
cp "$T/vorbis.raw" "$T/vorbis.cmp"
check "Ogg Vorbis: the relayed sound, mixed down to mono, is the source's" is_source vorbis

# --- A server that ends the stream: exit 0 -------------------------------------------------------
ffmpeg -nostdin -v error -y -i "$T/sweep.wav" -t 3 -c:a libmp3lame -b:a 64k "$T/short.mp3"
{ printf 'HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n\r\n'; cat "$T/short.mp3"; } >"$T/short.http"
serve short "$T/short.http"
relay_run short "http://localhost:$SERVE_PORT/short.mp3"
# played_all NAME: the 3 s MP3 came whole and the relay exited 0, connected, without an error line.
played_all() {
	[ "$RELAY_RC" -eq 0 ] && grep -q "^connected	MP3" "$T/$1.err" && ! grep -q "^error" "$T/$1.err" &&
	    [ "$(size "$T/$1.raw")" -ge $((29 * BPS / 10)) ]
}
check "a stream the server ends: exit 0, no error line, all its sound" played_all short

# Shoutcast's first servers answer "ICY 200 OK" instead of HTTP/1.x.
{ printf 'ICY 200 OK\r\nicy-name: Kenh 1\r\ncontent-type: audio/mpeg\r\n\r\n'; cat "$T/short.mp3"; } >"$T/icy.http"
serve icy "$T/icy.http"
relay_run icy "http://localhost:$SERVE_PORT/"
check "a Shoutcast server (ICY 200 OK) is relayed too" played_all icy

# --- Bad servers: exit 1 and a sentence for the operator ------------------------------------------
# refused NAME PATTERN ARGS...: runs the relay; exit 1, and its last line is "error\t...PATTERN...".
refused() {
	_fn=$1 _fp=$2; shift 2
	relay_run "$_fn" "$@"
	echo "# $_fn: exit $RELAY_RC: $(tail -n 1 "$T/$_fn.err")"
	[ "$RELAY_RC" -eq 1 ] && [ "$(wc -l <"$T/$_fn.err")" -eq 1 ] &&
	    grep -q "^error	.*$_fp" "$T/$_fn.err" && [ ! -s "$T/$_fn.raw" ]
}
{ printf 'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n'; head -c 65536 /dev/urandom; } >"$T/garbage.http"
serve garbage "$T/garbage.http"
check "garbage over HTTP 200: not a stream loaxa can relay" \
	refused garbage "not a stream loaxa can relay\|damaged" "http://localhost:$SERVE_PORT/"
printf '<!DOCTYPE html>\n<html><body><h1>Radio</h1><p>Listen here!</p></body></html>\n' >"$T/page.html"
{ printf 'HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n'; cat "$T/page.html"; } >"$T/html.http"
serve html "$T/html.http"
check "a web page (text/html): a web page, not a stream" \
	refused html "web page, not a stream" "http://localhost:$SERVE_PORT/"
{ printf 'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n'; cat "$T/page.html"; } >"$T/html2.http"
serve html2 "$T/html2.http"
check "a web page under another name: found to be a web page" \
	refused html2 "web page, not a stream" "http://localhost:$SERVE_PORT/"
printf 'HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\nNot here\n' >"$T/404.http"
serve notfound "$T/404.http"
check "404: the server answered 404 Not Found" \
	refused notfound "the server answered 404 Not Found; check the stream's address" "http://localhost:$SERVE_PORT/kenh1"
serve silent
s0=$(date +%s%N)
check "a server that accepts and never sends: nothing for 2 s (--stall 2)" \
	refused silent "the stream sent nothing for 2 s" --stall 2 "http://localhost:$SERVE_PORT/"
ms=$(( ($(date +%s%N) - s0) / 1000000 ))
echo "# the silent server was given up after $ms ms"
check "given up after the stall, not before" sh -c '[ "$1" -ge 2000 ]' sh "$ms"
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
check "a refused connection: the server refused the connection" \
	refused conn "refused the connection" "http://127.0.0.1:$SERVE_PORT/"
check "a name that does not resolve: cannot be resolved" \
	refused dns "the name no-such-radio.invalid cannot be resolved" "http://no-such-radio.invalid:8000/kenh1"
printf 'HTTP/1.1 302 Found\r\nLocation: http://elsewhere.invalid/kenh1\r\nContent-Length: 0\r\n\r\n' >"$T/away.http"
serve away "$T/away.http"
check "a redirect to another server: named, with what to do" \
	refused away "another server (http://elsewhere.invalid/kenh1)" "http://localhost:$SERVE_PORT/"
printf 'HTTP/1.1 302 Found\r\nLocation: http://localhost:%s/aac\r\nContent-Length: 0\r\n\r\n' "$ICE_PORT" >"$T/here.http"
serve here "$T/here.http"
relay_start here "http://localhost:$SERVE_PORT/kenh1"
check "a redirect to another port of the same host is followed" \
	wait_for 15 grep -q "^connected	AAC" "$T/here.err"
kill "$RELAY_PID"
relay_wait

# A name of our own (radio.loaxa.test, 127.0.0.1 in a private /etc/hosts): it
# is looked up before the cage and pinned, for the redirect's port too; a
# lookup inside the cage would kill the relay.
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2>/dev/null; then
	printf '127.0.0.1 localhost\n127.0.0.1 radio.loaxa.test\n' >"$T/hosts"
	cat >"$T/relay-named" <<EOF
#!/bin/sh
exec unshare -m --propagation private sh -c 'mount --bind "\$0" /etc/hosts && exec "\$@"' \
	"$T/hosts" "$BUILD/loaxa-relay" "\$@"
EOF
	chmod +x "$T/relay-named"
	printf 'HTTP/1.1 302 Found\r\nLocation: http://radio.loaxa.test:%s/aac\r\nContent-Length: 0\r\n\r\n' \
		"$ICE_PORT" >"$T/named.http"
	serve named "$T/named.http"
	RELAY=$T/relay-named
	relay_start named "http://radio.loaxa.test:$SERVE_PORT/kenh1"
	RELAY=$BUILD/loaxa-relay
	check "a name of the station's hosts file, redirected to another port of it: connected" \
		wait_for 15 grep -q "^connected	AAC" "$T/named.err"
	kill "$RELAY_PID"
	relay_wait
	check "and it was stopped by us, not killed by its cage" sh -c '[ "$1" -eq 143 ]' sh "$RELAY_RC"
else
	ok "a name of the station's hosts file # SKIP needs root and unshare -m"
fi
printf 'HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nContent-Length: 0\r\n\r\n' >"$T/empty.http"
serve empty "$T/empty.http"
check "a 200 with nothing in it: sent no stream" \
	refused empty "sent no stream" "http://localhost:$SERVE_PORT/"

# --- Usage errors: exit 2 -------------------------------------------------------------------------
usage_error() { "$RELAY" "$@" >/dev/null 2>"$T/usage.err" </dev/null; [ $? -eq 2 ]; }
check "an address that is not http(s): exit 2" usage_error "ftp://radio.example.vn/kenh1"
check "and it says why" grep -q "must start with http:// or https://" "$T/usage.err"
check "a rate that is not a number: exit 2" usage_error --rate fast "http://localhost/"
check "no address: exit 2" usage_error --stall 3

# --- HTTPS: the district's own certificate authority, trusted through --ca -------------------------
P=$T/tls
mkdir -p "$P"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/ca.key" -out "$P/ca.crt" -days 2 \
	-subj /CN=district-ca 2>/dev/null &&
openssl req -newkey rsa:2048 -nodes -keyout "$P/srv.key" -out "$P/srv.csr" -subj /CN=localhost 2>/dev/null &&
printf 'subjectAltName=DNS:localhost\n' >"$P/ext" &&
openssl x509 -req -in "$P/srv.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial \
	-out "$P/srv.crt" -days 2 -extfile "$P/ext" 2>/dev/null
cp "$T/short.mp3" "$P/kenh1.mp3"
TLS_PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
(cd "$P" && exec openssl s_server -quiet -WWW -accept "$TLS_PORT" -cert srv.crt -key srv.key) \
	</dev/null >"$P/server.log" 2>&1 &
PIDS="$PIDS $!"
check "an HTTPS server of its own CA starts" wait_for 10 sh -c \
	'curl -s --cacert "$1/ca.crt" -o /dev/null "https://localhost:$2/kenh1.mp3"' sh "$P" "$TLS_PORT"
check "over TLS, a certificate of an unknown CA: not trusted" \
	refused untrusted "TLS certificate of localhost is not trusted" "https://localhost:$TLS_PORT/kenh1.mp3"
relay_run trusted --ca "$P/ca.crt" "https://localhost:$TLS_PORT/kenh1.mp3"
check "with --ca the district's CA: connected over TLS, all the sound, exit 0" played_all trusted
