#!/bin/sh
# Any recording in: WAV, MP3, M4A/AAC, FLAC, Ogg Vorbis and AMR made by real
# encoders (espeak-ng for Vietnamese speech, sox, ffmpeg, the OpenCORE AMR
# encoder), with diacritics and spaces in their names, become bulletins at
# -16 LUFS (measured by ffmpeg's EBU R128 filter, not by loaxa) whose sound
# is the recording's; queued, they play, and the capture is the recording.
# Ogg Opus is kept, or given a header gain. Garbage, silence, empty and
# overlong recordings are refused in words an operator can act on, in
# Vietnamese under a Vietnamese locale; a badly clipped one is warned about.
. tests/lib.sh

IN="$T/ghi âm"
OUT=$T/out
mkdir -p "$IN" "$OUT"
espeak-ng -v vi -s 150 -w "$T/speech.wav" "Xin chào bà con. Đây là bản tin của xã Tân Thành \
về chính sách hỗ trợ hộ nghèo và cận nghèo, phát lúc năm giờ chiều." ||
	{ notok "espeak-ng makes the speech"; exit 1; }
FF="ffmpeg -nostdin -v error -y -i $T/speech.wav"

# Five very different inputs: quiet, loud, stereo, narrowband, far too quiet.
sox -V1 "$T/speech.wav" -r 44100 -c 2 -b 16 "$IN/bản tin loa.wav" gain -14
$FF -af volume=-2dB -metadata title="Họp dân thôn 3" -c:a libmp3lame -b:a 64k "$IN/thông báo họp.mp3"
$FF -ar 44100 -af volume=-20dB -c:a aac -b:a 64k "$IN/ghi âm điện thoại.m4a"
$FF -af volume=-26dB -c:a flac "$IN/nhạc hiệu.flac"
$FF -ac 2 -c:a libvorbis -q:a 3 "$IN/tin vắn.ogg"
sox -V1 "$T/speech.wav" -t raw -r 8000 -e signed -b 16 -c 1 - gain -6 |
	"$BUILD/tools/amr_encode" >"$IN/cuộc gọi.amr"
check "the recordings were made by the encoders" sh -c 'for f in "$1"/*; do [ -s "$f" ] || exit 1; done' sh "$IN"

# ebur128 FILE: "I TP" as ffmpeg measures them.
ebur128() {
	ffmpeg -nostdin -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
	    awk '/^ +I:/ { i = $2 } /^ +Peak:/ { p = $2 } END { print i, p }'
}
# within A B TOL: |A - B| <= TOL
within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

for f in "$IN"/*; do
	name=$(basename "$f")
	out="$OUT/${name%.*}.opus"
	msg=$("$BUILD/loaxactl" import "$f" "$out"); rc=$?
	echo "$msg" | sed 's/^/# /'
	check "$name: import exits 0 and says what it did" \
	    sh -c '[ "$1" -eq 0 ] && echo "$2" | grep -q "LUFS after"' sh "$rc" "$msg"
	before=$(ebur128 "$f")
	after=$(ebur128 "$out")
	echo "# $name: ffmpeg measures $before before, $after after"
	check "$name: within 1 LU of -16 LUFS (ffmpeg's measure)" within "${after% *}" -16 1
	check "$name: true peak at most -1 dBTP (+0.3 for ffmpeg's own oversampling)" \
	    ge -0.7 "${after#* }"
	# The same sound: the recording (48 kHz mono, by ffmpeg) against the bulletin.
	ffmpeg -nostdin -v error -y -i "$f" -ac 1 -ar 48000 -f s16le "$T/src.raw"
	"$BUILD/tools/opus_refdecode" "$out" "$T/dst.raw" 1
	corr=$("$BUILD/tools/pcm_corr" "$T/src.raw" "$T/dst.raw" 2000 | awk '{ print $2 }')
	echo "# $name: correlation $corr"
	check "$name: the bulletin's sound is the recording's (correlation >= 0.9)" ge "$corr" 0.9
done
check "the MP3's title tag becomes the bulletin's title" \
	sh -c 'opusinfo "$1" | grep -q "TITLE=Họp dân thôn 3"' sh "$OUT/thông báo họp.opus"
check "the same recording always makes the same bytes" sh -c \
	'"$1" import "$2" "$3/again.opus" >/dev/null && cmp -s "$3/again.opus" "$3/tin vắn.opus"' \
	sh "$BUILD/loaxactl" "$IN/tin vắn.ogg" "$OUT"
out=$(cd "$IN" && "$BUILD/loaxactl" import "cuộc gọi.amr" 2>&1)
check "without OUT the bulletin is written beside the recording" \
	sh -c '[ -s "$1/cuộc gọi.opus" ] && echo "$2" | grep -q "as \"cuộc gọi.opus\""' sh "$IN" "$out"

# Ogg Opus: at the target it is kept byte for byte; quiet with headroom, its header gain is set.
"$BUILD/loaxactl" import "$FIX/thông báo.opus" "$T/kept.opus" >"$T/kept.txt"
check "an Ogg Opus bulletin at the target is kept as it is" sh -c \
	'cmp -s "$1" "$2" && grep -q "kept as it was" "$3"' sh "$FIX/thông báo.opus" "$T/kept.opus" "$T/kept.txt"
sox -V1 -n -r 48000 -c 1 -b 16 "$T/tone.wav" synth 6 sine 300 gain -30
opusenc --quiet --serial 77 --comment R128_TRACK_GAIN=-1000 "$T/tone.wav" "$T/tone.opus"
"$BUILD/loaxactl" import "$T/tone.opus" "$T/tone-16.opus" >"$T/tone.txt"
cat "$T/tone.txt" | sed 's/^/# /'
check "a quiet Ogg Opus gets its gain in its header, not a new encoding" sh -c \
	'grep -q "set in its header" "$3" && [ "$(wc -c <"$1")" -eq "$(wc -c <"$2")" ] &&
	 opusinfo "$2" | grep -q "Playback gain: 1[78]\."' sh "$T/tone.opus" "$T/tone-16.opus" "$T/tone.txt"
check "its R128_TRACK_GAIN is lowered by the same gain" sh -c \
	'v=$(opusinfo "$1" | sed -n "s/.*R128_TRACK_GAIN=//p"); [ "$v" -lt -5000 ]' sh "$T/tone-16.opus"
after=$(ebur128 "$T/tone-16.opus")
check "and it plays at -16 LUFS (ffmpeg's measure)" within "${after% *}" -16 1

# Refusals: exit 1, the file named, a sentence that says what to do.
head -c 30000 /dev/urandom >"$IN/rác.mp3"
printf '<html><body><h1>404 Not Found</h1></body></html>\n' >"$IN/trang web.m4a"
sox -V1 -n -r 44100 -c 1 "$IN/im lặng.wav" trim 0 8
: >"$IN/trống.mp3"
sox -V1 -n -r 48000 -c 1 "$IN/ngắn.wav" synth 0.2 sine 440
refused() {	# FILE PATTERN
	err=$("$BUILD/loaxactl" import "$1" "$T/x.opus" 2>&1 >/dev/null); rc=$?
	echo "# $err"
	[ "$rc" -eq 1 ] && echo "$err" | grep -q "$(basename "$1")" && echo "$err" | grep -q "$2" &&
	    [ ! -e "$T/x.opus" ]
}
check "random bytes named .mp3 are refused: not a recording" refused "$IN/rác.mp3" "not a recording loaxa can read"
check "a web page named .m4a is refused: not a recording" refused "$IN/trang web.m4a" "not a recording loaxa can read"
check "a silent recording is refused: check the microphone" refused "$IN/im lặng.wav" "silent from beginning to end: check the microphone"
check "an empty file is refused" refused "$IN/trống.mp3" "the file is empty"
check "a recording under half a second is refused" refused "$IN/ngắn.wav" "less than half a second"
station_config "$T/st1" xa-mot "null"
echo 'import = { max_minutes = 1; };' >>"$T/st1/loaxa.cfg"
sox -V1 -n -r 16000 -c 1 "$T/dài.wav" synth 70 sine 300 gain -20
err=$("$BUILD/loaxactl" -c "$T/st1/loaxa.cfg" import "$T/dài.wav" "$T/x.opus" 2>&1); rc=$?
echo "# $err"
check "a recording over import.max_minutes is refused, naming the setting" \
	sh -c '[ "$1" -eq 1 ] && echo "$2" | grep -q "import.max_minutes"' sh "$rc" "$err"
err=$(env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=vi_VN.UTF-8 "$BUILD/loaxactl" import "$IN/im lặng.wav" "$T/x.opus" 2>&1); rc=$?
echo "# $err"
check "under a Vietnamese locale the refusal is in Vietnamese" \
	sh -c '[ "$1" -eq 1 ] && echo "$2" | grep -q "micrô"' sh "$rc" "$err"
sox -V1 "$T/speech.wav" "$IN/méo tiếng.wav" gain 20 2>/dev/null
out=$("$BUILD/loaxactl" import "$IN/méo tiếng.wav" "$T/clipped.opus"); rc=$?
echo "$out" | sed 's/^/# /'
check "a badly clipped recording is prepared, with a warning" \
	sh -c '[ "$1" -eq 0 ] && echo "$2" | grep -q "Warning: .* clipped" && [ -s "$3" ]' sh "$rc" "$out" "$T/clipped.opus"

# Without loaxa-decode: a clear word, not a crash.
mkdir -p "$T/alone"
cp "$BUILD/loaxactl" "$T/alone/"
err=$("$T/alone/loaxactl" import "$IN/tin vắn.ogg" "$T/x.opus" 2>&1); rc=$?
echo "# $err"
check "without loaxa-decode installed, import says to install loaxa again" \
	sh -c '[ "$1" -eq 1 ] && echo "$2" | grep -q "loaxa-decode cannot be started"' sh "$rc" "$err"

# Queued: the M4A and the AMR play, and what the card got is the recording.
start_broker || { notok "broker starts"; exit 1; }
S=$T/station
station_config "$S" tan-thanh "file:'$S/out.raw',raw"
subscribe "$T/mqtt.log"
start_station "$S"
out=$(ctl "$S" queue "$IN/ghi âm điện thoại.m4a" --title "Ghi âm từ điện thoại"); rc=$?
echo "$out" | sed 's/^/# /'
check "queue takes an M4A from a phone and says how it was prepared" \
	sh -c '[ "$1" -eq 0 ] && echo "$2" | grep -q "M4A (AAC).*LUFS after"' sh "$rc" "$out"
check "it plays" wait_for 30 has_events "$T/mqtt.log" finished 1
ev=$(events "$T/mqtt.log" started | head -n 1)
check "its events name the bulletin as the operator's file, in .opus" \
	sh -c "echo '$ev' | jq -e '.file == \"ghi âm điện thoại.opus\" and .title == \"Ghi âm từ điện thoại\"' >/dev/null"
out=$(ctl "$S" queue "$IN/thông báo họp.mp3"); rc=$?
check "an MP3 without --title takes the title of its tags" wait_for 30 has_events "$T/mqtt.log" finished 2
ev=$(events "$T/mqtt.log" started | sed -n 2p)
check "the title is the MP3's" sh -c "echo '$ev' | jq -e '.title == \"Họp dân thôn 3\"' >/dev/null"
ffmpeg -nostdin -v error -y -i "$IN/ghi âm điện thoại.m4a" -ac 1 -ar 48000 -f s16le "$T/src.raw"
corr=$("$BUILD/tools/pcm_corr" "$T/src.raw" "$S/out.raw" 4000 | awk '{ print $2 }')
echo "# capture against the phone's recording: correlation $corr"
check "the loudspeakers' sound is the phone's recording (correlation >= 0.9)" ge "$corr" 0.9
