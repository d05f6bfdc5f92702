#!/bin/sh
# `make bench`: loaxa measured side by side, in the same run, with the floor
# (tests/bench/floor.c) and the players a technician could install instead.
# Prints one table, writes BUILD/bench/results.json and, in a full run, the
# figures into tests/bench/RESULTS.md (between its bench markers).
#
# Usage: tests/bench/run.sh BUILD
#   BENCH_RUNS=N   runs of each figure (default 3; the median and spread are shown)
#   BENCH_SMOKE=1  seconds-long smoke mode for `make check`: tiny inputs, one
#                  run each; writes BUILD/bench/results-smoke.json, not RESULTS.md
#   BENCH_ONLY="cpu idle ..."  only these figures (cpu idle punct gaps startup fanout alert dns
#                  field fleet collect report live)
#
# Each figure is a function fig_NAME that records "figure subject metric value"
# rows with rec. Figures 6 (fan-out) and 7 (emergency latency) run
# tests/bench/fanout.sh and tests/bench/alert_latency.sh, each a whole
# district (broker and stations) of its own; figure 9 (DNS down) runs
# tests/bench/dns_down.sh in network and mount namespaces of its own; figure 10
# (in the field) runs tests/bench/field.sh once per fault, each on a virtual
# sound card of its own; figure 11 (the fleet view) runs tests/bench/fleet.sh,
# a district of its own with N retained statuses.
#   FANOUT_NS="20 100 500 1000 2000"  the fan-out sizes; ALERT_N=20  alerted stations
#   FLEET_N=1000  the stations of figure 11
#   FIELD_FAULTS="off slow dns fetch queue cpu broker"  figure 10's faults ("off" is its baseline)
#   COLLECT_N=1000 COLLECT_M=20  figure 12: the district collector's ingest of M records from
#                  each of N stations (tests/bench/collect_ingest.sh)
#   REPORT_N=1000 REPORT_DAYS=365  figure 13: the programme report over a year of N stations
#                  (tests/bench/report_speed.sh; the year is generated once, kept in BUILD/bench/inputs/report)
#   LIVE_N=2       figure 14: a live broadcast from the office to N stations on virtual cards
#                  (tests/bench/live_latency.sh: its own broker and stream server)
. tests/lib.sh

SMOKE=${BENCH_SMOKE:-0}
if [ "$SMOKE" = 1 ]; then RUNS=1; else RUNS=${BENCH_RUNS:-3}; fi
ONLY=${BENCH_ONLY:-"cpu idle punct gaps startup fanout alert dns field fleet collect report live"}
OUT=$BUILD/bench
if [ "$SMOKE" = 1 ]; then
	IN=$OUT/inputs-smoke JSON=$OUT/results-smoke.json
else
	IN=$OUT/inputs JSON=$OUT/results.json
fi
RES=$T/results.tsv	# figure <TAB> subject <TAB> metric <TAB> value, one row per run
: >"$RES"
mkdir -p "$OUT" "$IN"
B=$BUILD/bench
TOOLS=$BUILD/tools
ID=bench

say() { echo "# $*" >&2; }
# rec FIGURE SUBJECT METRIC VALUE: one measured value (a number, or "-" when
# the subject could not be measured, e.g. a player that is not installed).
rec() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RES"; }
want() { case " $ONLY " in *" $1 "*) return 0;; esac; return 1; }
have() { command -v "$1" >/dev/null 2>&1; }
calc() { awk "BEGIN { printf \"%.6g\", $* }"; }
now() { date +%s.%N; }

# --- inputs ------------------------------------------------------------------

SPEECH="Bản tin chính sách hỗ trợ hộ nghèo năm nay. Ủy ban nhân dân xã thông báo: các hộ nghèo và cận nghèo đến nhà văn hóa thôn để đăng ký nhận hỗ trợ.|Thông báo về lịch tiêm phòng cho gia súc, gia cầm. Trạm thú y xã đề nghị bà con chăn nuôi đưa vật nuôi đến điểm tiêm đúng giờ. Xin cảm ơn bà con.|Dự báo thời tiết: ngày mai trời nhiều mây, có mưa rào và dông rải rác. Bà con lưu ý phòng tránh sét khi làm việc ngoài đồng.|Hội Liên hiệp Phụ nữ xã tổ chức lớp tập huấn về chăn nuôi và trồng trọt vào sáng thứ bảy tuần này tại hội trường ủy ban."

# make_inputs: the speech and music-like files at their length (60 minutes;
# 6 seconds in smoke mode), two short bulletins for the gap figure, a short
# one for punctuality. Kept between runs: a file that exists is not remade.
make_inputs() {
	if [ "$SMOKE" = 1 ]; then LEN=6 MANY=5; else LEN=3600 MANY=200; fi
	[ -s "$IN/speech.opus" ] && [ -s "$IN/music.opus" ] && [ -s "$IN/short.opus" ] && return 0
	say "making the bench inputs in $IN (once; a 60-minute encode takes about a minute)"
	g=$T/gen
	mkdir -p "$g"
	i=0
	echo "$SPEECH" | tr '|' '\n' | while IFS= read -r line; do
		i=$((i + 1))
		espeak-ng -v vi -s 150 -w "$g/s$i.wav" "$line" || exit 1
	done || return 1
	sox -V1 -R "$g/s1.wav" "$g/s2.wav" "$g/s3.wav" "$g/s4.wav" -r 48000 "$g/all.wav" || return 1
	sox -V1 -R "$g/s1.wav" -r 48000 "$g/gap1.wav" && sox -V1 -R "$g/s2.wav" -r 48000 "$g/gap2.wav" &&
	    sox -V1 -R "$g/s3.wav" -r 48000 "$g/short.wav" trim 0 1 || return 1
	# Speech as the district makes it: opusenc, 24 kbit/s mono, looped to the length.
	sox -V1 -R "$g/all.wav" -t wav - repeat 400 trim 0 "$LEN" |
	    opusenc --quiet --serial 6001 --bitrate 24 - "$g/speech.opus" &
	p1=$!
	# Music-like stereo at 64 kbit/s: gliding chords, different in each
	# channel, with pink noise and a tremolo, so that both channels carry signal.
	sox -V1 -R -n -r 48000 -b 16 -c 2 -t wav - synth "$LEN" sine 220-440 sine 330-660 \
	    pinknoise sine 110 remix 1,3v0.2 2,3v0.2,4 tremolo 2 40 gain -8 |
	    opusenc --quiet --serial 6002 --bitrate 64 - "$g/music.opus" || return 1
	wait "$p1" || return 1
	for f in gap1 gap2 short; do
		opusenc --quiet --serial 6010 --bitrate 24 "$g/$f.wav" "$g/$f.opus" || return 1
	done
	# Distinct tiny bulletins for the start-up figure's store.
	mkdir -p "$g/many"
	n=1
	while [ "$n" -le "$MANY" ]; do
		opusenc --quiet --serial $((7000 + n)) --bitrate 16 "$g/short.wav" "$g/many/b$n.opus" || return 1
		n=$((n + 1))
	done
	rm -rf "$IN/many"
	mv "$g/many" "$IN/many" && mv "$g/gap1.opus" "$g/gap2.opus" "$g/short.opus" "$g/music.opus" \
	    "$g/speech.opus" "$IN/"
}

# make_fanout_input: the district's bulletin for figure 6, the same speech at
# 24 kbit/s mono, 330 s long (about 1 MB; 10 s in smoke mode). Made once.
make_fanout_input() {
	[ -s "$IN/fanout.opus" ] && return 0
	if [ "$SMOKE" = 1 ]; then len=10; else len=330; fi
	g=$T/gen-fanout
	mkdir -p "$g"
	echo "$SPEECH" | tr '|' ' ' >"$g/text"
	espeak-ng -v vi -s 150 -w "$g/all.wav" -f "$g/text" || return 1
	sox -V1 -R "$g/all.wav" -r 48000 -t wav - repeat 100 trim 0 "$len" |
	    opusenc --quiet --serial 6003 --bitrate 24 - "$g/fanout.opus" && mv "$g/fanout.opus" "$IN/"
}

# make_field_inputs: figure 10's bulletins in $IN/field, made once: two 1-s
# spoken bulletins for the slots (f1, f2), a rising and a falling 1-s sweep
# for the emergency and the alert (easy to find in a capture), a 20-s spoken
# bulletin for them to cut into (normal), 20 distinct 1-s bulletins to queue
# (q1..q20), and the district's large bulletin (big): music-like stereo at
# opusenc's highest rate, 510 kbit/s hard CBR, 1,040 s long = 63.6 MiB, just
# under the 64 MiB a station accepts (30 s, 1.9 MB in smoke mode); about 20 s
# to encode.
make_field_inputs() {
	F=$IN/field
	[ -s "$F/big.opus" ] && [ -s "$F/q20.opus" ] && return 0
	if [ "$SMOKE" = 1 ]; then len=30; else len=1040; fi
	say "making figure 10's inputs in $F (once)"
	g=$T/gen-field
	mkdir -p "$g" "$F"
	espeak-ng -v vi -s 150 -w "$g/s1.wav" "Thông báo về lịch tiêm phòng cho gia súc, gia cầm." &&
	    espeak-ng -v vi -s 150 -w "$g/s2.wav" "Dự báo thời tiết: ngày mai trời nhiều mây, có mưa rào." &&
	    sox -V1 -R "$g/s1.wav" -r 48000 "$g/f1.wav" trim 0 1 && sox -V1 -R "$g/s2.wav" -r 48000 "$g/f2.wav" trim 0 1 &&
	    sox -V1 -R "$g/s1.wav" "$g/s2.wav" -r 48000 -t wav - repeat 3 trim 0 20 >"$g/normal.wav" &&
	    sox -V1 -R -n -r 48000 -b 16 -c 1 "$g/siren.wav" synth 1 sine 600-1800 gain -3 &&
	    sox -V1 -R -n -r 48000 -b 16 -c 1 "$g/alert.wav" synth 1 sine 1800-500 gain -3 || return 1
	for f in f1 f2 siren alert normal; do
		opusenc --quiet --serial 6020 --bitrate 24 "$g/$f.wav" "$g/$f.opus" || return 1
	done
	j=1
	while [ "$j" -le 20 ]; do
		opusenc --quiet --serial $((8000 + j)) --bitrate 16 "$g/f1.wav" "$g/q$j.opus" || return 1
		j=$((j + 1))
	done
	sox -V1 -R -n -r 48000 -b 16 -c 2 -t wav - synth "$len" sine 220-440 sine 330-660 \
	    pinknoise sine 110 remix 1,3v0.2 2,3v0.2,4 tremolo 2 40 gain -8 |
	    opusenc --quiet --serial 6021 --hard-cbr --bitrate 510 - "$g/big.opus" || return 1
	mv "$g"/*.opus "$F/"
}

# audio_seconds FILE: the length the floor decodes.
audio_seconds() { calc "$("$B/floor" "$1") / 48000"; }

# --- loaxad ---------------------------------------------------------------------

# bench_config DIR DEVICE CHANNELS [SCHEDULE]: a station with the defaults a
# commune would run (keep-alive 60 s, status every 60 s, 250 ms buffer).
bench_config() {
	mkdir -p "$1"
	{
		echo "station = { id = \"$ID\"; region = \"hon-quan\"; name = \"Đài truyền thanh xã Bench\"; };"
		echo "audio = { device = \"$2\"; rate = 48000; channels = $3; };"
		station_mqtt "$1" "$ID" 60
		echo "storage = { dir = \"$1/state\"; };"
		echo "control = { socket = \"$1/control.sock\"; };"
		[ -n "${4:-}" ] && echo "schedule = { file = \"$4\"; grace = 600; };"
	} >"$1/loaxa.cfg"
}
# one_off DIR TITLE AT FILE...: a schedule with one one-off slot playing FILEs.
one_off() {
	_d=$1 _t=$2 _at=$3; shift 3
	{
		printf 'slots = ( { title = "%s"; at = "%s"; items = ( ' "$_t" "$_at"
		_sep=""
		for _f; do printf '%s{ file = "%s"; }' "$_sep" "$_f"; _sep=", "; done
		echo ' ); } );'
	} >"$_d/schedule.cfg"
}
# pid_cpu_ns PID: CPU time of every thread of a live process, in nanoseconds.
pid_cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f", s }'; }
# pid_switches PID: context switches (voluntary + not) of every thread: wake-ups.
pid_switches() {
	cat /proc/"$1"/task/*/status | awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s }'
}
# pid_stat_s PID: user + system seconds of a whole process (threads that ended included).
pid_stat_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat"
}
pid_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
finished() { [ "$(grep -c '"event":"finished"' "$1" 2>/dev/null)" -ge "$2" ]; }

# loaxad_play KIND FILE CHANNELS RUN SECONDS: one one-off slot playing FILE
# (SECONDS of audio) to ALSA null; CPU from /proc/PID/task/*/schedstat.
loaxad_play() {
	d=$T/play-$1-$4
	rm -rf "$d"
	mkdir -p "$d"
	ln -s "$2" "$d/bulletin.opus"
	one_off "$d" "Bench $1" "$(at_plus 2)" bulletin.opus
	bench_config "$d" null "$3" "$d/schedule.cfg"
	mosquitto_sub $(mqtt_opts district.monitor) -v -q 1 -t "loaxa/hon-quan/$ID/events" >"$d/events" 2>/dev/null &
	sp=$!
	"$BUILD/loaxad" -c "$d/loaxa.cfg" >"$d/loaxad.log" 2>&1 &
	lp=$!
	PIDS="$PIDS $sp $lp"
	if ! wait_for 10 test -S "$d/control.sock"; then
		say "loaxad did not start: $(tail -n 3 "$d/loaxad.log")"
		rec cpu "loaxad" "$1" -; rec mem loaxad "$1" -
		kill "$sp" "$lp" 2>/dev/null
		return 1
	fi
	c0=$(pid_cpu_ns "$lp")
	if wait_for $((AUDIO_LIMIT + 10)) finished "$d/events" 1; then
		c1=$(pid_cpu_ns "$lp")
		rec cpu loaxad "$1" "$(calc "($c1 - $c0) / 1e9 * 3600 / $5")"
		rec mem loaxad "$1" "$(calc "$(pid_kib "$lp" VmHWM) / 1024")"
		rec mem_anon loaxad "$1" "$(calc "$(pid_kib "$lp" RssAnon) / 1024")"
		rec mem_file loaxad "$1" "$(calc "$(pid_kib "$lp" RssFile) / 1024")"
	else
		say "loaxad did not finish the $1 bulletin: $(tail -n 3 "$d/loaxad.log")"
		rec cpu loaxad "$1" -; rec mem loaxad "$1" -
	fi
	stop_station "$lp"
	kill "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
}

# --- the peers -------------------------------------------------------------------

# peer KIND NAME SECONDS PROGRAM COMMAND...: one run of a player under cpurun.
peer() {
	_kind=$1 _name=$2 _secs=$3 _prog=$4; shift 4
	if ! have "$_prog"; then
		rec cpu "$_name" "$_kind" "not installed"; rec mem "$_name" "$_kind" "not installed"
		return 0
	fi
	set -- $("$B/cpurun" "$AUDIO_LIMIT" "$@")
	if [ "${4:-}" != 0 ]; then
		say "$_name failed on the $_kind file: $*"
		rec cpu "$_name" "$_kind" "failed: $*"; rec mem "$_name" "$_kind" "failed"
		return 0
	fi
	rec cpu "$_name" "$_kind" "$(calc "$1 * 3600 / $_secs")"
	rec mem "$_name" "$_kind" "$(calc "$2 / 1024")"
}

# MPD: its own daemon, driven with mpc; its CPU from /proc (all its threads).
mpd_start() {
	have mpd && have mpc || return 1
	M=$T/mpd
	mkdir -p "$M/music"
	MPD_PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
	cat >"$M/mpd.conf" <<EOF
music_directory "$M/music"
db_file "$M/db"
log_file "$M/log"
bind_to_address "127.0.0.1"
port "$MPD_PORT"
zeroconf_enabled "no"
audio_output {
	type "alsa"
	name "null"
	device "null"
	mixer_type "none"
}
EOF
	ln -sf "$IN/speech.opus" "$M/music/speech.opus"
	ln -sf "$IN/music.opus" "$M/music/music.opus"
	mpd --no-daemon "$M/mpd.conf" >"$M/stderr" 2>&1 &
	MPD_PID=$!
	PIDS="$PIDS $MPD_PID"
	wait_for 10 mpc -q -p "$MPD_PORT" status || return 1
	mpc -q -p "$MPD_PORT" update --wait
}
mpd_stopped() { ! mpc -p "$MPD_PORT" status | grep -q '^\[playing\]'; }
mpd_play() {	# KIND SECONDS
	[ "$SMOKE" = 1 ] && return 0	# not in smoke mode: starting MPD takes seconds
	if [ -z "${MPD_PID:-}" ]; then
		rec cpu mpd "$1" "not installed, or it did not start"; rec mem mpd "$1" "not measured"
		return 0
	fi
	mpc -q -p "$MPD_PORT" clear && mpc -q -p "$MPD_PORT" add "$1.opus" || {
		rec cpu mpd "$1" -; rec mem mpd "$1" -; return 0; }
	c0=$(pid_stat_s "$MPD_PID")
	mpc -q -p "$MPD_PORT" play
	# mpc idle returns on each player event; the song ends with the last one.
	end=$(( $(date +%s) + AUDIO_LIMIT ))
	while ! mpd_stopped && [ "$(date +%s)" -lt "$end" ]; do
		timeout 60 mpc -q -p "$MPD_PORT" idle player >/dev/null
	done
	c1=$(pid_stat_s "$MPD_PID")
	rec cpu mpd "$1" "$(calc "($c1 - $c0) * 3600 / $2")"
	rec mem mpd "$1" "$(calc "$(pid_kib "$MPD_PID" VmHWM) / 1024")"
}

# --- figures 1 and 2: CPU per audio hour and memory ---------------------------

fig_cpu() {
	for kind in speech music; do
		f=$IN/$kind.opus
		secs=$(audio_seconds "$f")
		if [ "$kind" = speech ]; then ch=1; else ch=2; fi
		eval "SECS_$kind=$secs"
		AUDIO_LIMIT=$(calc "int($secs / 10 + 60)")
		say "figures 1-2: $kind ($secs s of audio), $RUNS runs"
		r=1
		while [ "$r" -le "$RUNS" ]; do
			loaxad_play "$kind" "$f" "$ch" "$r" "$secs"
			peer "$kind" floor "$secs" "$B/floor" "$B/floor" "$f"
			peer "$kind" floor-s16 "$secs" "$B/floor" "$B/floor" -s "$f"
			peer "$kind" opusfile "$secs" "$B/opusfile_read" "$B/opusfile_read" "$f"
			peer "$kind" ffmpeg "$secs" ffmpeg ffmpeg -nostdin -v error -i "$f" -f alsa null
			peer "$kind" mpv "$secs" mpv mpv --no-config --really-quiet --no-video \
			    --ao=alsa --audio-device=alsa/null "$f"
			peer "$kind" gstreamer "$secs" gst-launch-1.0 gst-launch-1.0 -q filesrc location="$f" \
			    ! oggdemux ! opusdec ! audioconvert ! audioresample ! alsasink device=null sync=false
			peer "$kind" opusdec-aplay "$secs" opusdec sh -c \
			    "opusdec --quiet --rate 48000 '$f' - | aplay -q -D null"
			mpd_play "$kind" "$secs"
			r=$((r + 1))
		done
	done
}

# --- figure 3: idle cost -----------------------------------------------------------

fig_idle() {
	if [ "$SMOKE" = 1 ]; then secs=2; else secs=60; fi
	d=$T/idle
	mkdir -p "$d"
	ln -sf "$IN/short.opus" "$d/short.opus"
	# Armed: a daily slot an hour from now.
	echo "slots = ( { title = \"Bản tin sáng\"; at = \"$(date -d @$(( $(date +%s) + 3600 )) +%H:%M:%S)\"; items = ( { file = \"short.opus\"; } ); } );" >"$d/schedule.cfg"
	bench_config "$d" null 1 "$d/schedule.cfg"
	r=1
	while [ "$r" -le "$RUNS" ]; do
		say "figure 3: idle for $secs s, run $r"
		rm -rf "$d/state" "$d/loaxad.log"
		start_station "$d"
		# Connected: the retained status says so.
		connected() {
			mqtt_sub -t "loaxa/hon-quan/$ID/status" -C 1 -W 2 2>/dev/null |
			    grep -q '"connected":true'
		}
		if ! wait_for 10 connected; then
			say "loaxad did not connect to the broker"
			rec idle loaxad cpu_s -; rec idle loaxad wakeups_per_s -
			stop_station "$STATION_PID"
			return 0
		fi
		c0=$(pid_cpu_ns "$STATION_PID") w0=$(pid_switches "$STATION_PID") t0=$(now)
		sleep "$secs"	# the measurement window itself
		c1=$(pid_cpu_ns "$STATION_PID") w1=$(pid_switches "$STATION_PID") t1=$(now)
		rec idle loaxad cpu_s "$(calc "($c1 - $c0) / 1e9")"
		rec idle loaxad wakeups_per_s "$(calc "($w1 - $w0) / ($t1 - $t0)")"
		stop_station "$STATION_PID"
		r=$((r + 1))
	done
}

# --- figure 4: punctuality on the virtual card ----------------------------------------

# card_latency N: the card's own start latency, the reference of figure 4:
# sinkref opens the card like loaxad at a known instant and writes a second;
# from that instant to the card's start (frame 0 heard), N times.
card_latency() {
	vcard_setup punctref >/dev/null || return 1
	: >"$T/ref-starts"
	i=1
	while [ "$i" -le "$1" ]; do
		"$B/sinkref" "$VCARD_DEV" 1 250 >>"$T/ref-starts" 2>>"$T/ref.err" ||
		    say "sinkref failed: $(tail -n 1 "$T/ref.err")"
		i=$((i + 1))
	done
	"$TOOLS/vcard_report" "$VCARD_LOG" | awk '$1 == "onset" { print $2 }' >"$T/ref-onsets"
	paste "$T/ref-starts" "$T/ref-onsets" |
	    awk 'NF == 2 { split($1, t, "."); printf "%.3f\n", ($2 - t[1] * 1e9 - t[2]) / 1e6 }' >"$T/ref-lat"
	while read -r l; do rec punct card latency_ms "$l"; done <"$T/ref-lat"
}

fig_punct() {
	if [ "$SMOKE" = 1 ]; then n=2; else n=20; fi
	gap=3
	card_latency "$(( n < 10 ? n : 10 ))"
	d=$T/punct
	mkdir -p "$d"
	ln -sf "$IN/short.opus" "$d/short.opus"
	vcard_setup punct >/dev/null || { rec punct loaxad raw_ms -; return 0; }
	base=$(( $(date +%s) + 3 ))
	{
		echo "slots = ("
		i=0
		while [ "$i" -lt "$n" ]; do
			at=$(date -d "@$((base + i * gap))" '+%Y-%m-%d %H:%M:%S')
			printf '  { title = "Đúng giờ %d"; at = "%s"; items = ( { file = "short.opus"; } ); }%s\n' \
			    "$i" "$at" "$([ $((i + 1)) -lt "$n" ] && echo ,)"
			i=$((i + 1))
		done
		echo ");"
	} >"$d/schedule.cfg"
	bench_config "$d" "$VCARD_DEV" 1 "$d/schedule.cfg"
	say "figure 4: $n one-off slots, $gap s apart, on the virtual card"
	start_station "$d"
	last=$((base + (n - 1) * gap))
	# Done when the card was closed after the last slot's second.
	closed_after_last() {
		[ "$(date +%s)" -gt "$last" ] &&
		    tail -n 1 "$VCARD_LOG" | awk -v l="$last" '$3 == "close" && $2 / 1e9 > l { ok = 1 } END { exit !ok }'
	}
	wait_for $((n * gap + 15)) closed_after_last || say "the card was not closed after the last slot"
	stop_station "$STATION_PID"
	"$TOOLS/vcard_report" "$VCARD_LOG" >"$d/card.rep"
	lat=$(sort -n "$T/ref-lat" | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }')
	# Each onset belongs to the last slot instant at most a second after it
	# (so that a slot that never played does not shift the others, and an
	# early start still shows as negative); slots without audio are counted.
	awk -v base="$base" -v gap="$gap" '$1 == "onset" { t = $2 / 1e9; k = int((t - base + 1) / gap)
		printf "%.3f\n", (t - (base + k * gap)) * 1000 }' "$d/card.rep" >"$d/late"
	rec punct loaxad slots_without_audio "$(( n - $(wc -l <"$d/late") ))"
	rec punct loaxad xruns "$(awk '$1 == "xruns" { print $2 }' "$d/card.rep")"
	[ -s "$d/late" ] || { rec punct loaxad raw_ms -; rec punct loaxad corrected_ms -; }
	while read -r l; do
		rec punct loaxad raw_ms "$l"
		rec punct loaxad corrected_ms "$(calc "$l - $lat")"
	done <"$d/late"
}

# --- figure 5: gaps between bulletins ------------------------------------------------

fig_gaps() {
	"$TOOLS/opus_refdecode" "$IN/gap1.opus" "$T/r1.raw" 1 &&
	    "$TOOLS/opus_refdecode" "$IN/gap2.opus" "$T/r2.raw" 1 &&
	    cat "$T/r1.raw" "$T/r2.raw" >"$T/ref.raw" || { rec gaps loaxad added_samples -; return 0; }
	r=1
	while [ "$r" -le "$RUNS" ]; do
		say "figure 5: two bulletins back to back, run $r"
		d=$T/gaps-$r
		mkdir -p "$d"
		ln -sf "$IN/gap1.opus" "$d/một.opus"
		ln -sf "$IN/gap2.opus" "$d/hai.opus"
		one_off "$d" "Hai bản tin" "$(at_plus 2)" "một.opus" "hai.opus"
		vcard_setup "gaps$r" >/dev/null || { rec gaps loaxad added_samples "no card"; return 0; }
		bench_config "$d" "$VCARD_DEV" 1 "$d/schedule.cfg"
		mosquitto_sub $(mqtt_opts district.monitor) -v -q 1 -t "loaxa/hon-quan/$ID/events" >"$d/events" 2>/dev/null &
		sp=$!
		PIDS="$PIDS $sp"
		start_station "$d"
		if wait_for 30 finished "$d/events" 2; then
			idle() { "$BUILD/loaxactl" -s "$d/control.sock" status --json | jq -e '.state == "idle"' >/dev/null; }
			wait_for 10 idle
			stop_station "$STATION_PID"
			# frames_ref frames_capture shift snr: samples added = capture - reference.
			set -- $("$TOOLS/pcm_compare" "$T/ref.raw" "$VCARD_RAW" 1 200) - - - -
			say "pcm_compare: $*"
			if [ "$1" = - ]; then
				rec gaps loaxad added_samples "no capture"
				r=$((r + 1))
				continue
			fi
			rec gaps loaxad added_samples "$(( $2 - $1 ))"
			rec gaps loaxad shift_samples "$3"
			rec gaps loaxad snr_db "$4"
			# What the card itself heard: silence while it played, its runs, underruns.
			"$TOOLS/vcard_report" "$VCARD_LOG" >"$d/card.rep"
			rec gaps loaxad starved_ms "$(awk '$1 == "starved_ms" { print $2 }' "$d/card.rep")"
			rec gaps loaxad card_runs "$(grep -c '^start ' "$d/card.rep")"
			rec gaps loaxad xruns "$(awk '$1 == "xruns" { print $2 }' "$d/card.rep")"
		else
			say "gaps: the two bulletins did not both finish: $(grep -v status "$d/loaxad.log" | tail -n 4)"
			stop_station "$STATION_PID"
			rec gaps loaxad added_samples "did not finish"
		fi
		kill "$sp" 2>/dev/null
		r=$((r + 1))
	done
}

# --- figure 8: start-up -----------------------------------------------------------------

# startup_store DIR SLOTS BULLETINS: a station with that many daily slots and
# that many bulletins stored (queued for tomorrow), made once.
startup_store() {
	d=$1
	mkdir -p "$d"
	[ "$2" -eq 0 ] && { bench_config "$d" null 1; return 0; }
	{
		echo "slots = ("
		i=0
		t0=$(( $(date +%s) + 7200 ))	# two hours from now on, 5 s apart: none falls due
		while [ "$i" -lt "$2" ]; do
			printf '  { title = "Bản tin %d"; at = "%s"; items = ( { file = "%s/b%d.opus"; } ); }%s\n' \
			    "$i" "$(date -d "@$((t0 + i * 5))" +%H:%M:%S)" "$IN/many" $((i % $3 + 1)) \
			    "$([ $((i + 1)) -lt "$2" ] && echo ,)"
			i=$((i + 1))
		done
		echo ");"
	} >"$d/schedule.cfg"
	bench_config "$d" null 1 "$d/schedule.cfg"
	start_station "$d"
	tomorrow=$(date -d "@$(( $(date +%s) + 86400 ))" '+%Y-%m-%d %H:%M:%S')
	i=1
	while [ "$i" -le "$3" ]; do
		"$BUILD/loaxactl" -s "$d/control.sock" queue "$IN/many/b$i.opus" --at "$tomorrow" >/dev/null ||
		    say "cannot queue b$i.opus"
		i=$((i + 1))
	done
	stop_station "$STATION_PID"
}

fig_startup() {
	if [ "$SMOKE" = 1 ]; then slots=10 stored=3 n=1; else slots=1000 stored=200 n=$((RUNS * 3)); fi
	say "figure 8: start-up, empty and with $slots slots and $stored stored bulletins"
	startup_store "$T/start-empty" 0 0
	startup_store "$T/start-full" "$slots" "$stored"
	r=1
	while [ "$r" -le "$n" ]; do
		for k in empty full; do
			d=$T/start-$k
			ms=$("$B/startup" "$BUILD/loaxad" "$d/loaxa.cfg" "$d/control.sock" 2>>"$T/startup.err")
			rec startup "loaxad-$k" ms "${ms:--}"
		done
		r=$((r + 1))
	done
	rec startup "loaxad-full" slots "$slots"
	rec startup "loaxad-full" stored "$stored"
}

# --- figures 6 and 7: district fan-out and emergency latency ------------------------

# fig_fanout: tests/bench/fanout.sh at each N of FANOUT_NS (default 20 100 500
# 1000 2000; 3 in smoke mode), RUNS times, with the ~1 MB bulletin of make_inputs.
fig_fanout() {
	if [ "$SMOKE" = 1 ]; then ns=3; else ns=${FANOUT_NS:-"20 100 500 1000 2000"}; fi
	r=1
	while [ "$r" -le "$RUNS" ]; do
		for n in $ns; do
			say "figure 6: fan-out to $n stations, run $r"
			line=$(sh tests/bench/fanout.sh "$BUILD" "$n" "$IN/fanout.opus" 2>"$T/fanout.err")
			say "$line"
			sed 's/^/  /' "$T/fanout.err" >&2
			set -- $(echo "$line" | sed -n 's/.* armed=\([0-9]*\) seconds=\([^ ]*\) broker_cpu_s=\([^ ]*\) publish_s=\([^ ]*\).*/\1 \2 \3 \4/p') - - - -
			rec fanout "n$n" armed "$1"
			if [ "$1" = "$n" ]; then
				rec fanout "n$n" seconds "$2"
				rec fanout "n$n" broker_cpu_s "$3"
				rec fanout "n$n" publish_s "$4"
			else
				rec fanout "n$n" seconds "not all armed ($1 of $n)"
				rec fanout "n$n" broker_cpu_s -
			fi
		done
		r=$((r + 1))
	done
	rec fanout loaxad bytes "$(stat -c %s "$IN/fanout.opus")"
}

# fig_alert: tests/bench/alert_latency.sh (20 stations on virtual cards; 3 in
# smoke mode) RUNS times; each run gives its median and worst, and how long
# `loaxactl alert` itself took.
fig_alert() {
	if [ "$SMOKE" = 1 ]; then n=3; else n=${ALERT_N:-20}; fi
	r=1
	while [ "$r" -le "$RUNS" ]; do
		say "figure 7: alert to $n stations on virtual cards, run $r"
		line=$(sh tests/bench/alert_latency.sh "$BUILD" "$n" 2>"$T/alert.err")
		say "$line"
		sed 's/^/  /' "$T/alert.err" >&2
		case $line in
		*" n=$n") set -- $(echo "$line" |
			    sed -n 's/.* median=\([^ ]*\) worst=\([^ ]*\) cli_ms=\([^ ]*\) .*/\1 \2 \3/p') - - -
			rec alert loaxad median_ms "$1"
			rec alert loaxad worst_ms "$2"
			rec alert loaxactl cli_ms "$3" ;;
		*)	rec alert loaxad median_ms "not every station played: ${line:-no result}"
			rec alert loaxad worst_ms - ;;
		esac
		r=$((r + 1))
	done
	rec alert loaxad stations "$n"
}

# --- figure 9: DNS down ----------------------------------------------------------------

# fig_dns: tests/bench/dns_down.sh RUNS times (20 status requests each; 5 in
# smoke mode); without root and unshare, no figure and the reason.
fig_dns() {
	if [ "$SMOKE" = 1 ]; then n=5; else n=20; fi
	r=1
	while [ "$r" -le "$RUNS" ]; do
		say "figure 9: the broker's name server silent, run $r"
		line=$(sh tests/bench/dns_down.sh "$BUILD" "$IN/short.opus" "$n" 2>"$T/dns.err")
		say "$line"
		sed 's/^/  /' "$T/dns.err" >&2
		set -- $(echo "$line" | sed -n 's/^dns_down status_median=\([0-9]*\) status_worst=\([0-9]*\) n=[0-9]* queue_to_start=\([0-9]*\) stop=\([0-9]*\)$/\1 \2 \3 \4/p')
		if [ $# -eq 4 ]; then
			rec dns loaxad status_median_ms "$1"
			rec dns loaxad status_worst_ms "$2"
			rec dns loaxad queue_to_start_ms "$3"
			rec dns loaxad stop_ms "$4"
		else
			rec dns loaxad status_median_ms "${line:-no result}"
		fi
		r=$((r + 1))
	done
}

# --- figure 10: in the field ----------------------------------------------------------

# fig_field: tests/bench/field.sh for each fault of FIELD_FAULTS, off first,
# RUNS times: 20 slots, 20 emergencies, alerts and stops, 3 start-ups each
# (smoke mode: 2 slots, 1 trial, 1 start-up, fsync slowed by 200 ms, not
# 1 s, and only the faults with machinery of their own: off slow dns fetch
# broker; about a minute and a half). Every "KEY VALUE" line it prints is a row "field FAULT KEY VALUE".
fig_field() {
	if [ "$SMOKE" = 1 ]; then
		set -- 2 1 1
		slow_ms=200 faults=${FIELD_FAULTS:-"off slow dns fetch broker"}
	else
		set -- 20 20 3
		slow_ms=1000 faults=${FIELD_FAULTS:-"off slow dns fetch queue cpu broker"}
	fi
	r=1
	while [ "$r" -le "$RUNS" ]; do
		for fault in $faults; do
			say "figure 10: in the field, fault $fault, run $r"
			t0=$(date +%s)
			FIELD_SLOW_MS=$slow_ms sh tests/bench/field.sh "$BUILD" "$fault" "$IN/field" "$@" \
			    >"$T/field.out" 2>"$T/field.err"
			rc=$?
			sed 's/^/  /' "$T/field.err" >&2
			say "fault $fault: exit status $rc, $(( $(date +%s) - t0 )) s"
			if [ "$rc" = 2 ]; then
				rec field "$fault" skipped "$(sed -n 's/^skipped //p' "$T/field.out")"
				continue
			fi
			[ "$rc" = 0 ] || rec field "$fault" failed "exit status $rc: $(tail -n 1 "$T/field.err")"
			while read -r k v; do
				[ -n "$k" ] && rec field "$fault" "$k" "$v"
			done <"$T/field.out"
		done
		r=$((r + 1))
	done
	rec field conditions slow_ms "$slow_ms"
	rec field conditions slots "$1"
	rec field conditions trials "$2"
}

# --- figure 11: the fleet view ---------------------------------------------------------

# fig_fleet: tests/bench/fleet.sh over FLEET_N retained statuses (default 1000;
# 20 in smoke mode), RUNS runs of each way to ask.
fig_fleet() {
	if [ "$SMOKE" = 1 ]; then n=20; else n=${FLEET_N:-1000}; fi
	say "figure 11: loaxactl stations over $n stations, $RUNS runs"
	sh tests/bench/fleet.sh "$BUILD" "$n" "$RUNS" >"$T/fleet.out" 2>"$T/fleet.err"
	sed 's/^/  /' "$T/fleet.err" >&2
	if ! grep -q '^fleet ' "$T/fleet.out"; then
		rec fleet loaxactl monitor_ms "no result: $(tail -n 1 "$T/fleet.err")"
		return 0
	fi
	sed -n 's/^fleet n=[0-9]* lines=\([0-9]*\) monitor_ms=\([^ ]*\) publisher_ms=\([^ ]*\) json_ms=\([^ ]*\)$/\1 \2 \3 \4/p' \
	    "$T/fleet.out" | while read -r lines mon pub json; do
		rec fleet loaxactl listed "$lines"
		rec fleet loaxactl monitor_ms "$mon"
		rec fleet loaxactl publisher_ms "$pub"
		rec fleet loaxactl json_ms "$json"
	done
	rec fleet loaxactl stations "$n"
	rec fleet loaxactl enrolled "$((n + n / 20))"
}

# --- figure 12: the district collector's ingest ------------------------------------------

# fig_collect: tests/bench/collect_ingest.sh (1,000 stations of 20 records; 20 of 4 in
# smoke mode) RUNS times: the district collector's ingest after an outage, and live.
fig_collect() {
	if [ "$SMOKE" = 1 ]; then n=20 m=4; else n=${COLLECT_N:-1000} m=${COLLECT_M:-20}; fi
	r=1
	while [ "$r" -le "$RUNS" ]; do
		say "figure 12: the collector's ingest of $n stations x $m records, run $r"
		line=$(sh tests/bench/collect_ingest.sh "$BUILD" "$n" "$m" 2>"$T/collect.err")
		say "$line"
		sed 's/^/  /' "$T/collect.err" >&2
		case $line in
		"collect_ingest "*)
			for kv in ${line#collect_ingest }; do
				rec collect loaxa-collectd "${kv%%=*}" "${kv#*=}"
			done ;;
		*)	rec collect loaxa-collectd backlog_per_s "failed: $(tail -n 1 "$T/collect.err")" ;;
		esac
		r=$((r + 1))
	done
}

# --- figure 13: the programme report's speed ------------------------------------------

# fig_report: tests/bench/report_speed.sh over a year of 1,000 stations (a week of 20 in
# smoke mode), RUNS runs of each report, and the raw-records reference once.
fig_report() {
	if [ "$SMOKE" = 1 ]; then n=20 d=7; else n=${REPORT_N:-1000} d=${REPORT_DAYS:-365}; fi
	say "figure 13: loaxactl report over $d days of $n stations, $RUNS runs"
	line=$(sh tests/bench/report_speed.sh "$BUILD" "$n" "$d" "$RUNS" 2>"$T/report.err")
	say "$line"
	sed 's/^/  /' "$T/report.err" >&2
	case $line in
	"report_speed "*)
		for kv in ${line#report_speed }; do rec report loaxactl "${kv%%=*}" "${kv#*=}"; done ;;
	*)	rec report loaxactl station_ms "failed: $(tail -n 1 "$T/report.err")" ;;
	esac
}

# --- figure 14: live from the district -------------------------------------------------

# fig_live: tests/bench/live_latency.sh (2 stations on virtual cards; 1 in smoke mode) RUNS
# times: the office's marker to each station's loudspeaker, median and worst of each run.
fig_live() {
	if [ "$SMOKE" = 1 ]; then n=1; else n=${LIVE_N:-2}; fi
	r=1
	while [ "$r" -le "$RUNS" ]; do
		say "figure 14: live from the district to $n stations on virtual cards, run $r"
		line=$(sh tests/bench/live_latency.sh "$BUILD" "$n" 2>"$T/live.err")
		say "$line"
		sed 's/^/  /' "$T/live.err" >&2
		case $line in
		"live_latency "*" n=$n "*)
			for kv in ${line#live_latency }; do rec live loaxad "${kv%%=*}" "${kv#*=}"; done ;;
		*)	rec live loaxad median_ms "not every station heard it: ${line:-no result}"
			rec live loaxad worst_ms - ;;
		esac
		r=$((r + 1))
	done
}

# --- the report -----------------------------------------------------------------------

start_broker || { echo "bench: cannot start mosquitto" >&2; exit 1; }
make_inputs || { echo "bench: cannot make the inputs in $IN" >&2; exit 1; }
if want fanout; then make_fanout_input || { echo "bench: cannot make $IN/fanout.opus" >&2; exit 1; }; fi
if want field; then make_field_inputs || { echo "bench: cannot make $IN/field" >&2; exit 1; }; fi
if want cpu && [ "$SMOKE" != 1 ]; then mpd_start || say "MPD is not measured (not installed, or it did not start)"; fi
for f in cpu idle punct gaps startup fanout alert dns field fleet collect report live; do
	want "$f" && "fig_$f"
done
[ -n "${MPD_PID:-}" ] && kill "$MPD_PID" 2>/dev/null

. tests/bench/report.sh
report_write
