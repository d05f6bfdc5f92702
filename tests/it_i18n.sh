#!/bin/sh
# The station speaks Vietnamese: config/po/vi.po translates every message of
# the sources and is well formed, and the real binaries speak it when LANG or
# LANGUAGE ask for it (English otherwise), with dates in Vietnamese order;
# what machines read (--json, MQTT payloads, event names) stays English.
. tests/lib.sh

# A letter only Vietnamese writes: a message that has one was translated.
VI='[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđơư]'
has_vi() { printf '%s\n' "$1" | grep -q "$VI"; }
# The three ways to ask: LANGUAGE (over C.UTF-8, as lib.sh sets), LANG alone
# (vi_VN.UTF-8 need not be generated on the machine), and plain C.
vi() { LANGUAGE=vi "$@"; }
vi_lang() { env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=vi_VN.UTF-8 "$@"; }
en() { env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=C "$@"; }
LOAXACTL=$BUILD/loaxactl

# --- the catalogue ------------------------------------------------------------
# The messages of this checkout's sources, against vi.po: a new _() message
# without its translation fails here, listed with where it comes from.
todo=$(sh config/po/po.sh todo vi 2>&1); rc=$?
if [ "$rc" -eq 0 ]; then
	ok "every message of the sources has a Vietnamese translation in config/po/vi.po"
else
	notok "every message of the sources has a Vietnamese translation in config/po/vi.po"
	echo "$todo" >&2
	echo "# translate these in config/po/vi.po ('make po' adds them there; see README.md, Languages)" >&2
fi
# The check can fail: a copy with one translation emptied is caught, by name.
sed '/^msgid "queue needs the bulletin.s file"$/{n;s/^msgstr .*/msgstr ""/}' config/po/vi.po \
	>"$T/vi-gap.po"
todo=$(sh config/po/po.sh todo "$T/vi-gap.po" 2>&1); rc=$?
check "a message without its translation is listed and fails the check" sh -c \
	"[ $rc -eq 1 ] && printf '%s\n' \"\$1\" | grep -q 'queue needs the bulletin' && \
	printf '%s\n' \"\$1\" | grep -q 'loaxactl_queue.c'" _ "$todo"
check "msgfmt --check accepts vi.po (formats, headers, plurals)" \
	msgfmt --check -o /dev/null config/po/vi.po
check "vi.po is UTF-8 in NFC (precomposed letters, as terminals measure them)" \
	perl -CSD -MUnicode::Normalize -ne 'exit 1 if $_ ne NFC($_); END { exit 0 }' config/po/vi.po
check "make built the catalogue where the tests look for it" \
	test -s "$LOAXA_LOCALEDIR/vi/LC_MESSAGES/loaxa.mo"

# --- loaxactl, loaxad and loaxa-collectd without a station ---------------------
out=$(vi "$LOAXACTL" 2>&1); rc=$?
echo "# LANGUAGE=vi loaxactl: $(echo "$out" | head -n 3)"
check "LANGUAGE=vi: loaxactl's usage is Vietnamese (exit 2)" sh -c \
	"[ $rc -eq 2 ] && printf '%s\n' \"\$1\" | grep -q '^Cách dùng: loaxactl' && \
	printf '%s\n' \"\$1\" | grep -q 'queue FILE' && ! printf '%s\n' \"\$1\" | grep -q 'Usage'" _ "$out"
out=$(vi_lang "$LOAXACTL" help); rc=$?
check "LANG=vi_VN.UTF-8: 'loaxactl help' is Vietnamese" sh -c \
	"[ $rc -eq 0 ] && printf '%s\n' \"\$1\" | grep -q 'đưa vào hàng chờ'" _ "$out"
out=$(en "$LOAXACTL" help)
check "LANG=C: 'loaxactl help' is English" sh -c \
	"printf '%s\n' \"\$1\" | grep -q '^Usage: loaxactl' && ! printf '%s\n' \"\$1\" | grep -q '$VI'" _ "$out"

out=$(vi_lang "$LOAXACTL" -s "$T/none.sock" queue "$T/Bản tin không có.opus" 2>&1); rc=$?
echo "# LANG=vi_VN.UTF-8 loaxactl queue (missing file): $out"
check "a missing file to queue is refused in Vietnamese, naming it (exit 1)" sh -c \
	"[ $rc -eq 1 ] && printf '%s\n' \"\$1\" | grep -q 'không đưa được \"$T/Bản tin không có.opus\" vào hàng chờ'" _ "$out"
out=$(en "$LOAXACTL" -s "$T/none.sock" queue "$T/Bản tin không có.opus" 2>&1)
check "... and in English under LANG=C" sh -c \
	"printf '%s\n' \"\$1\" | grep -q 'cannot queue'" _ "$out"
out=$(vi "$LOAXACTL" --bogus 2>&1); rc=$?
check "a wrong option is refused in Vietnamese (exit 2)" sh -c \
	"[ $rc -eq 2 ] && printf '%s\n' \"\$1\" | head -n 1 | grep -q '^loaxactl: không có tuỳ chọn --bogus'" _ "$out"
out=$(en "$LOAXACTL" --bogus 2>&1)
check "... and in English under LANG=C" sh -c \
	"printf '%s\n' \"\$1\" | head -n 1 | grep -q '^loaxactl: unknown option --bogus'" _ "$out"
# Every command's complaint about its command line, and its usage, in Vietnamese.
bad=""
for c in queue list cancel stop reload status mute unmute move log keygen publish alert stations; do
	out=$(vi "$LOAXACTL" -s "$T/none.sock" "$c" --bogus 2>&1)
	if ! has_vi "$(printf '%s\n' "$out" | head -n 1)" ||
	    printf '%s\n' "$out" | grep -Eq '^(Usage|usage)|unknown|takes no|needs '; then
		bad="$bad $c"
		echo "# loaxactl $c --bogus said: $out" >&2
	fi
done
check "every loaxactl command's command-line errors and usage are Vietnamese${bad:+ (not:$bad)}" \
	[ -z "$bad" ]

# loaxad --check of a broken configuration, as a technician installing it sees it.
cat >"$T/bad.cfg" <<'EOF'
station = { id = "Tân Thạnh"; region = "hon-quan"; };
audio = { device = "null"; rate = 44100; volum = 3; };
EOF
out=$(vi "$BUILD/loaxad" --check -c "$T/bad.cfg" 2>&1); rc=$?
echo "# LANGUAGE=vi loaxad --check: $out"
check "loaxad --check names every problem in Vietnamese (exit 1)" sh -c \
	"[ $rc -eq 1 ] && printf '%s\n' \"\$1\" | grep -q 'bad.cfg:1: station.id: \"Tân Thạnh\" không phải mã hợp lệ' && \
	printf '%s\n' \"\$1\" | grep -q 'bad.cfg:2: audio.volum: mục cấu hình lạ' && \
	printf '%s\n' \"\$1\" | grep -q 'storage: thiếu nhóm cấu hình bắt buộc'" _ "$out"
out=$(en "$BUILD/loaxad" --check -c "$T/bad.cfg" 2>&1)
check "... and in English under LANG=C" sh -c \
	"printf '%s\n' \"\$1\" | grep -q 'unknown setting' && ! printf '%s\n' \"\$1\" | grep -q 'không'" _ "$out"
out=$(vi_lang "$BUILD/loaxa-collectd" --check -c "$T/bad.cfg" 2>&1)
check "loaxa-collectd finds the catalogue too" sh -c \
	"printf '%s\n' \"\$1\" | grep -q 'mục cấu hình lạ'" _ "$out"
# The collector pointed at a station's file, as a technician may do: what it
# needs, in the technician's language.
cat >"$T/station-only.cfg" <<EOF
station = { id = "xa-mot"; region = "hon-quan"; name = "Đài xã Một"; };
audio = { device = "null"; };
storage = { dir = "$T/st-state"; };
control = { socket = "$T/st-state/control.sock"; };
EOF
out=$(vi_lang "$BUILD/loaxa-collectd" --check -c "$T/station-only.cfg" 2>&1); rc=$?
echo "# LANG=vi_VN.UTF-8 loaxa-collectd --check (a station's file): $out"
check "loaxa-collectd --check on a station's file says in Vietnamese what it needs (exit 1)" sh -c \
	"[ $rc -eq 1 ] && printf '%s\n' \"\$1\" | grep -q 'station-only.cfg: đây là cấu hình của một đài; máy thu thập cần tệp cấu hình của văn phòng huyện'" _ "$out"
out=$(en "$BUILD/loaxa-collectd" --check -c "$T/station-only.cfg" 2>&1)
check "... and in English under LANG=C" sh -c \
	"printf '%s\n' \"\$1\" | grep -q \"this is a station's configuration; the collector needs a district office's file\"" _ "$out"

# --- a station, in Vietnamese ------------------------------------------------
# The station runs with the Vietnamese locale itself, built here from glibc's
# sources (the locales package) so that nothing on the machine changes: its
# numbers would be written "3,5", and nothing machines read may change.
LOCPATH_VI=$T/locale
mkdir -p "$LOCPATH_VI"
if localedef -i vi_VN -f UTF-8 "$LOCPATH_VI/vi_VN.UTF-8" 2>"$T/localedef.err"; then
	vi_real() { env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LOCPATH="$LOCPATH_VI" LANG=vi_VN.UTF-8 "$@"; }
	check "the vi_VN.UTF-8 locale really is in force (its decimal comma)" sh -c \
		"[ \"\$(env -u LC_ALL LOCPATH='$LOCPATH_VI' LANG=vi_VN.UTF-8 locale decimal_point)\" = , ]"
	# ctl_out's unit test, in that locale: times, columns, words, and numbers still "13.3".
	check "test_ctl_out passes under the real vi_VN.UTF-8 locale" sh -c \
		'env LOCPATH="$1" "$2" >"$3" 2>&1 || { cat "$3" >&2; exit 1; }' _ \
		"$LOCPATH_VI" "$BUILD/tests/test_ctl_out" "$T/test_ctl_out.log"
else
	notok "the vi_VN.UTF-8 locale can be built (install the locales package: make deps)"
	cat "$T/localedef.err" >&2
	vi_real() { vi_lang "$@"; }
fi

# The district's collector has its own identity (for its log, at the end).
BROKER_CLIENTS=collector
start_broker || { notok "broker starts"; exit 1; }
S=$T/station
station_config "$S" tan-thanh "file:'$S/out.raw',raw"
subscribe "$T/mqtt.log"
# vi_real is a function: in the background it is a subshell, whose pid is not
# loaxad's. The daemon itself is found by its command line, so that the end
# of the test stops it too (it was left running before).
vi_real "$BUILD/loaxad" -c "$S/loaxa.cfg" -v >>"$S/loaxad.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 test -S "$S/control.sock" || notok "the station starts under vi_VN.UTF-8"
STATION_PID=$(pgrep -f "^$BUILD/loaxad -c $S/loaxa.cfg -v\$" | head -n 1)
PIDS="$PIDS $STATION_PID"
vctl() { vi_real "$LOAXACTL" -s "$S/control.sock" "$@"; }

# A timed item: the sentence and the table give its time in Vietnamese order.
later=$(at_plus 3600)
when=$(date -d "$later" '+%H:%M:%S ngày %d/%m/%Y')
out=$(vctl queue "$FIX/thông báo.opus" --at "$later" --title "Họp dân thôn 3"); rc=$?
echo "# loaxactl queue --at said: $out"
id=$(echo "$out" | head -n 1)
check "queue --at answers in Vietnamese with the time as '$when'" sh -c \
	"[ $rc -eq 0 ] && printf '%s\n' \"\$1\" | sed -n 2p | grep -q 'Đã đưa \"Họp dân thôn 3\" vào hàng chờ (mã $id); bản tin sẽ được phát lúc $when.'" _ "$out"
out=$(vctl list)
echo "$out" | sed 's/^/# list: /'
check "list shows the item's time in Vietnamese order" sh -c \
	"printf '%s\n' \"\$1\" | grep -q '$when'" _ "$out"
# Each column starts at the same place in the heading and in the row,
# counted in characters as a terminal shows them.
cols() {	# LINE: the column where each cell starts (two spaces or more before it)
	printf '%s\n' "$1" | perl -CSD -ne 'chomp; my @c; while (/(?:^ *|  +)(\S)/g) { push @c, $-[1] } print "@c\n"'
}
head=$(printf '%s\n' "$out" | grep 'TIÊU ĐỀ (TỆP)' | head -n 1)
row=$(printf '%s\n' "$out" | grep 'Họp dân thôn 3' | head -n 1)
check "the queue's heading and its row line up ($(cols "$head") / $(cols "$row"))" \
	sh -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$(cols "$head")" "$(cols "$row")"
check "list --json stays English and ISO 8601" sh -c \
	"vi_real() { env -u LC_ALL -u LANGUAGE LOCPATH='$LOCPATH_VI' LANG=vi_VN.UTF-8 \"\$@\"; };
	vi_real '$LOAXACTL' -s '$S/control.sock' list --json |
	jq -e '.queue[0].id == $id and .queue[0].title == \"Họp dân thôn 3\" and (.queue[0].at | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T\"))' >/dev/null"
out=$(vctl cancel "$id")
check "cancel says it in Vietnamese" sh -c "printf '%s\n' \"\$1\" | grep -q '^Đã huỷ mục $id.'" _ "$out"
# The daemon's own refusal comes in the daemon's language (it runs in vi_VN).
out=$(vctl cancel "$id" 2>&1); rc=$?
echo "# loaxactl cancel (again) said: $out"
check "a refusal from the station's daemon is Vietnamese too (exit 1)" sh -c \
	"[ $rc -eq 1 ] && printf '%s\n' \"\$1\" | grep -q 'không có mục $id trong hàng chờ'" _ "$out"

# Something plays: the events and the status are English JSON; the log is Vietnamese.
vctl queue "$FIX/bản tin số 1.opus" >/dev/null
check "the bulletin plays" wait_for 30 has_events "$T/mqtt.log" finished 1
ev=$(events "$T/mqtt.log" finished | head -n 1)
echo "# finished event: $ev"
check "MQTT events keep their English names, keys and numbers under vi_VN" sh -c \
	"printf '%s\n' \"\$1\" | jq -e '.event == \"finished\" and (.seconds | type == \"number\")' >/dev/null" _ "$ev"
vctl status --json >"$T/status.json"
check "status --json keeps its English keys and values" \
	sh -c "jq -e '.state == \"idle\" and has(\"playing\") and (.audio.state | test(\"^[a-z]+\$\"))' '$T/status.json' >/dev/null"
out=$(vctl status)
echo "$out" | sed 's/^/# status: /'
check "status speaks Vietnamese, its state words too" sh -c \
	"printf '%s\n' \"\$1\" | grep -q '^Đang phát: *không có gì' && printf '%s\n' \"\$1\" | grep -q '^Tình trạng: *đang rảnh'" _ "$out"
out=$(vctl log)
echo "$out" | sed 's/^/# log: /'
check "log names the events in Vietnamese under Vietnamese headings" sh -c \
	"printf '%s\n' \"\$1\" | grep -q '^THỜI GIAN' && printf '%s\n' \"\$1\" | grep -q 'phát xong'" _ "$out"
head=$(printf '%s\n' "$out" | grep '^THỜI GIAN' | head -n 1)
row=$(printf '%s\n' "$out" | grep 'phát xong' | head -n 1)
# (the seconds, third, are aligned to the right)
check "the log's heading and its rows line up ($(cols "$head") / $(cols "$row"))" \
	sh -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$(cols "$head" | cut -d' ' -f1,2,4)" \
	"$(cols "$row" | cut -d' ' -f1,2,4)"
out=$(en "$LOAXACTL" -s "$S/control.sock" log)
check "the same log is English under LANG=C" sh -c \
	"printf '%s\n' \"\$1\" | grep -q '^TIME' && printf '%s\n' \"\$1\" | grep -q 'finished'" _ "$out"

# --- loaxad's and loaxa-collectd's own logs, in the daemon's language -------
# The station above runs in vi_VN: its log says so in Vietnamese, from its
# start-up to what the operators did; the English of the same lines is absent.
echo "# loaxad's log under vi_VN: $(grep -E '^(station|ctl): ' "$S/loaxad.log" | head -n 3)"
check "loaxad logs its start-up in Vietnamese" \
	grep -q '^station: đài tan-thanh (Đài truyền thanh xã tan-thanh) đã sẵn sàng: ' "$S/loaxad.log"
check "... and what the operators did (a cancel), not in English" sh -c \
	"grep -q '^ctl: đã huỷ mục $id trong hàng chờ' '$S/loaxad.log' &&
	! grep -Eq ' ready: |queued item $id cancelled' '$S/loaxad.log'"

# A station whose sound card is missing, as a district technician finds it in
# the journal: the device's failure and the operator's mute, in Vietnamese
# under vi_VN and in English under C. (env runs the daemon itself, so that
# its PID is the daemon's.)
VI_ENV="-u LC_ALL -u LC_MESSAGES -u LANGUAGE LOCPATH=$LOCPATH_VI LANG=vi_VN.UTF-8"
EN_ENV="-u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=C"
N=$T/nocard
station_config "$N" khong-card "hw:CARD=KhongCo"
for lang in vi en; do
	rm -rf "$N/state" "$N/loaxad.log"
	if [ "$lang" = vi ]; then lenv=$VI_ENV; else lenv=$EN_ENV; fi
	# shellcheck disable=SC2086
	env $lenv "$BUILD/loaxad" -c "$N/loaxa.cfg" >"$N/loaxad.log" 2>&1 &
	NPID=$!
	PIDS="$PIDS $NPID"
	wait_for 10 grep -Eq '^station: .*(ready|sẵn sàng): ' "$N/loaxad.log" ||
		notok "the station without a sound card starts ($lang)"
	# shellcheck disable=SC2086
	env $lenv "$LOAXACTL" -s "$N/control.sock" queue "$FIX/bản tin số 1.opus" >/dev/null
	if [ "$lang" = vi ]; then
		check "no sound card: loaxad's log says so in Vietnamese, with what to check" \
			wait_for 20 grep -q '^alsa: không mở được thiết bị âm thanh "hw:CARD=KhongCo": .*hãy kiểm tra' "$N/loaxad.log"
		vi_real "$LOAXACTL" -s "$N/control.sock" mute >/dev/null
		check "... and who muted the loudspeakers" \
			wait_for 10 grep -q '^ctl: .* đã tắt loa$' "$N/loaxad.log"
	else
		check "the same under LANG=C is English" \
			wait_for 20 grep -q '^alsa: cannot open audio device "hw:CARD=KhongCo"' "$N/loaxad.log"
		en "$LOAXACTL" -s "$N/control.sock" mute >/dev/null
		check "... the mute too" wait_for 10 grep -q '^ctl: the loudspeakers were muted by ' "$N/loaxad.log"
	fi
	echo "# loaxad without a sound card ($lang): $(grep -E '^(alsa|ctl): [^"]' "$N/loaxad.log" | tail -n 2)"
	stop_station "$NPID"
done

# The district's collector, run in vi_VN: its start-up and connection in its
# log, and an import of a file that is not a station's log refused with what
# to do, in Vietnamese.
collector_setup
# shellcheck disable=SC2086
env $VI_ENV "$BUILD/loaxa-collectd" -c "$CFG" -v >>"$CLOG" 2>&1 &
CPID=$!
PIDS="$PIDS $CPID"
check "loaxa-collectd logs its start and its connection in Vietnamese" \
	wait_for 20 sh -c "grep -q '^collector: khu vực \"hon-quan\", máy chủ MQTT 127.0.0.1:$PORT với danh tính district.collector' '$CLOG' &&
	grep -q '^collector: mqtt: đã kết nối tới 127.0.0.1:$PORT với danh tính district.collector' '$CLOG'"
echo "# loaxa-collectd's log under vi_VN: $(head -n 3 "$CLOG")"
echo '{"records": 3}' >"$T/not-a-log.json"
out=$(vi_real "$BUILD/loaxa-collectd" -c "$CFG" --import "$T/not-a-log.json" 2>&1); rc=$?
echo "# loaxa-collectd --import (not a log): $out"
check "loaxa-collectd --import of a file that is not a station's log is refused in Vietnamese (exit 1)" sh -c \
	"[ $rc -eq 1 ] && printf '%s\n' \"\$1\" | grep -q \"không phải kết quả của 'loaxactl log --json'\"" _ "$out"
kill "$CPID"
check "... and its stop, with its counts" wait_for 10 grep -q '^collector: đã dừng; từ lúc khởi động: đã lưu ' "$CLOG"
