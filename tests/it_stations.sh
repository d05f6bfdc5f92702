#!/bin/sh
# The fleet view, 'loaxactl stations' (issue 12, part 1), on a district made
# by loaxa-district and its broker over TLS, with real stations:
#   tan-thanh  healthy, and playing a bulletin on a paced sink
#   an-binh    muted by its operator
#   xa-bon     an ACL that denies its events and the district's audio: the
#              broker refuses its publishes, and it cannot fetch the newer
#              district schedule
#   xa-bay     no district key in its loaxa.cfg
#   cho-moi    killed: the broker gives its Last Will (offline)
#   xa-nam     enrolled, never started (unknown)
#   xa-sau     enrolled, then revoked (not part of the fleet)
# Checked: the lines and their order (problems first), the exit status (0
# only when every station is online and healthy), --json, each way of naming
# the broker and the identity (monitor.cfg-like, district.cfg, --mqtt and
# --dir), and a station's identity refused. Times are never asserted here:
# how fast it answers for 1,000 stations is `make bench` (tests/bench/fleet.sh).
. tests/lib.sh

R=hon-quan
BROKER_CLIENTS=dash	# a monitor identity of the test's own for 'loaxactl stations'
start_broker || { notok "the district's broker starts"; exit 1; }
subscribe "$T/mon.log"
DASH=$DISTRICT/clients/district.dash.cfg
stations() { "$BUILD/loaxactl" -c "$DASH" stations "$@"; }

# st_cfg ID DEVICE [district]: station ID's loaxa.cfg in $T/ID, over TLS with
# its own certificate, reporting every 5 s; with the district's key if asked.
st_cfg() {
	_d=$T/$1
	mkdir -p "$_d"
	{
		echo "station = { id = \"$1\"; region = \"$R\"; name = \"Đài truyền thanh xã $1\"; };"
		echo "audio = { device = \"$2\"; rate = 48000; channels = 1; };"
		station_identity "$_d" "$1"
		echo "mqtt = { host = \"127.0.0.1\"; port = $PORT; keepalive = 10; status_interval = 5;"
		echo "  tls = { ca = \"ca.crt\"; cert = \"station.crt\"; key = \"station.key\"; }; };"
		echo "storage = { dir = \"$_d/state\"; };"
		echo "control = { socket = \"$_d/control.sock\"; };"
		[ "${3:-}" = district ] && echo "district = { public_key = \"$DISTRICT/district.pub\"; };"
	} >"$_d/loaxa.cfg"
}
# status_says ID JQ: the latest status of ID the monitor saw meets JQ.
status_says() { last_status "$T/mon.log" "$1" | jq -e "$2" >/dev/null; }
# armed ID VERSION: ID reported schedule_armed for VERSION.
armed() { events "$T/mon.log" schedule_armed | jq -s -e "any(.[]; .station == \"$1\" and .version == $2)" >/dev/null; }
# publish FILE: the district schedule, one one-off slot tomorrow playing FILE; prints the version.
publish() {
	mkdir -p "$T/office"
	cp "$1" "$T/office/"
	echo "slots = ( { title = \"Bản tin huyện\"; at = \"$(date -d tomorrow +%Y-%m-%d) 06:00\";" \
	    "items = ( { file = \"$(basename "$1")\"; } ); } );" >"$T/office/lich.cfg"
	"$BUILD/loaxactl" -c "$DISTRICT/district.cfg" publish "$T/office/lich.cfg" >"$T/publish.out" 2>&1 ||
		{ cat "$T/publish.out" >&2; return 1; }
	sed -n 's/^Published district schedule version \([0-9]*\) .*/\1/p' "$T/publish.out"
}
# rows FILE: the station ids of the table in FILE, in order.
rows() { awk 'NR == 1 { next } NF == 0 { exit } { print $1 }' "$1" | tr '\n' ' '; }
# line_has FILE ID ERE: the line of station ID in the table in FILE matches ERE.
line_has() { grep "^$2 " "$1" | grep -Eq "$3"; }
# rows_are FILE "ID ID ...": the table lists these stations, in this order.
rows_are() { [ "$(rows "$1")" = "$2 " ]; }
# status_rows STATUS WANT FILE "ID ID ...": the command's exit status was WANT, and rows_are.
status_rows() { [ "$1" -eq "$2" ] && rows_are "$3" "$4"; }

# --- 1. One healthy station, one revoked: all is well -------------------------------------

st_cfg tan-thanh "file:'|pv -q -B 4096 -L 96000 >/dev/null',raw" district
start_station "$T/tan-thanh" || notok "tan-thanh starts"
V1=$(publish "$FIX/thông báo.opus") || notok "loaxactl -c district.cfg publish (version 1)"
check "tan-thanh arms the district schedule" wait_for 30 armed tan-thanh "$V1"
LOAXACTL=$BUILD/loaxactl "$LOAXA_DISTRICT" add-station "$DISTRICT" xa-sau --name "Đài xã Sáu" >>"$T/district.log" 2>&1 &&
	"$LOAXA_DISTRICT" revoke "$DISTRICT" xa-sau --reload >>"$T/district.log" 2>&1 ||
	notok "a station is enrolled, then revoked"
wait_for 10 status_says tan-thanh ".district.version == $V1"

stations >"$T/one.txt" 2>"$T/one.err"
rc=$?
sed 's/^/# /' "$T/one.txt"
check "one healthy station: exit status 0" [ "$rc" -eq 0 ]
check "its line: id, online, since when, its last status, its name, idle" \
	grep -Eq '^tan-thanh +online +20[0-9-]+ [0-9:]+ +20[0-9-]+ [0-9:]+ +Đài truyền thanh xã tan-thanh — idle$' "$T/one.txt"
check "the revoked station that never reported is not part of the fleet" sh -c "! grep -q xa-sau '$T/one.txt'"
check "the summary counts one healthy station" \
	grep -q '^Region hon-quan: 1 station; 1 online and healthy, 0 online with problems, 0 offline, 0 never reported\.$' "$T/one.txt"
check "and names the district schedule on the broker, its signature checked" \
	grep -q "^District schedule on the broker: version $V1, issued .*, for every station\.$" "$T/one.txt"
"$BUILD/loaxactl" -c "$DISTRICT/district.cfg" stations >"$T/pub.txt" 2>&1
rc=$?
check "the district's publisher (which probes the broker) sees the same, exit status 0" \
	status_rows "$rc" 0 "$T/pub.txt" tan-thanh

# Its storage and outbox, measured off the loop: the card's real size, and nothing waiting.
TOTAL=$(stat -f -c '%b * %S' "$T/tan-thanh/state" | bc)
check "its status gives the size of the filesystem its store is on, and what is free of it" \
	wait_for 20 status_says tan-thanh ".storage.total_bytes == $TOTAL and .storage.free_bytes > 0 and .storage.free_bytes <= $TOTAL and .storage.free_percent <= 100"
check "and its outbox: nothing waiting while connected, and the outbox's room" \
	status_says tan-thanh '.outbox.pending == 0 and .outbox.max > 0 and .outbox.dropped_records == 0'

# What plays shows.
ctl "$T/tan-thanh" queue "$FIX/long.opus" --title "Bản tin dài" >/dev/null || notok "a long bulletin is queued"
check "tan-thanh plays it" wait_for 15 status_says tan-thanh '.state == "playing"'
stations >"$T/play.txt" 2>&1
rc=$?
check "its line says what it plays, and it stays healthy" \
	sh -c "[ $rc -eq 0 ] && grep -q '^tan-thanh .* — plays \"Bản tin dài\" since [0-9:]*\$' '$T/play.txt'"

# --- 2. The fleet with its problems ----------------------------------------------------------

st_cfg an-binh null district
start_station "$T/an-binh" || notok "an-binh starts"
ctl "$T/an-binh" mute --for 1h >/dev/null || notok "an-binh is muted"
st_cfg xa-bon null district
start_station "$T/xa-bon" || notok "xa-bon starts"
BON=$STATION_PID
check "xa-bon arms version $V1" wait_for 30 armed xa-bon "$V1"
st_cfg xa-bay null
start_station "$T/xa-bay" || notok "xa-bay starts"
st_cfg cho-moi null district
start_station "$T/cho-moi" || notok "cho-moi starts"
MOI=$STATION_PID
check "cho-moi reports online" wait_for 20 status_says cho-moi '.online == true'
kill -9 "$MOI"
check "killed, its Last Will says offline" wait_for 30 status_says cho-moi '.online == false'
LOAXACTL=$BUILD/loaxactl "$LOAXA_DISTRICT" add-station "$DISTRICT" xa-nam --name "Đài truyền thanh xã Năm" \
	>>"$T/district.log" 2>&1 || notok "xa-nam is enrolled"

# An ACL that denies xa-bon its events and the district's audio; the broker reads it again on SIGHUP.
printf 'user xa-bon\ntopic deny loaxa/%s/xa-bon/events\ntopic deny loaxa/%s/audio/#\n' "$R" "$R" \
	>>"$DISTRICT/broker/acl"
kill -HUP "$BROKER_PID"
# Events to refuse: a mute and an unmute, again until the broker has the new ACL.
refused_seen() {
	ctl "$T/xa-bon" mute >/dev/null && ctl "$T/xa-bon" unmute >/dev/null
	wait_for 3 status_says xa-bon '.mqtt.refused > 0 and .muted == null'
}
check "the broker refuses xa-bon's events, and its status says so" wait_for 30 refused_seen
V2=$(publish "$FIX/bản tin số 1.opus") || notok "loaxactl -c district.cfg publish (version 2)"
check "tan-thanh arms version 2" wait_for 30 armed tan-thanh "$V2"
check "an-binh arms version 2, muted as it is" wait_for 30 armed an-binh "$V2"
check "xa-bon, denied the audio, is still fetching version 2" \
	wait_for 30 status_says xa-bon ".district.version == $V1 and .district.fetching.version == $V2"

stations >"$T/all.txt" 2>"$T/all.err"
rc=$?
sed 's/^/# /' "$T/all.txt"
check "stations with problems: exit status 1" [ "$rc" -eq 1 ]
check "problems first: offline, never reported, online with problems by id, the healthy last" \
	rows_are "$T/all.txt" "cho-moi xa-nam an-binh xa-bay xa-bon tan-thanh"
check "cho-moi: offline, since when not known (its Last Will), with the time of its last status" \
	line_has "$T/all.txt" cho-moi '^cho-moi +offline +- +20[0-9-]+ [0-9:]+ +Đài truyền thanh xã cho-moi — offline: its link to the broker was lost \(no power, or no network\)$'
check "xa-nam: unknown, enrolled and never reported, with its enrolled name" \
	line_has "$T/all.txt" xa-nam '^xa-nam +unknown +- +- +Đài truyền thanh xã Năm — enrolled, and has never reported$'
check "an-binh: muted, by whom, since and until when" \
	line_has "$T/all.txt" an-binh ' — idle — muted by root \(uid 0\) since 20[0-9-]+ [0-9:]+, until 20[0-9-]+ [0-9:]+$'
check "xa-bay: takes no district schedule" \
	line_has "$T/all.txt" xa-bay " — idle — takes no district schedule \\(no district key in its loaxa.cfg\\), and the district published version $V2 for it\$"
check "xa-bon: the broker refuses its publishes, and the last refusal" \
	line_has "$T/all.txt" xa-bon "the broker refused [0-9]+ of its publishes since it started \\(the last: Not authorized: loaxa/$R/xa-bon/events\\)"
check "xa-bon: its district schedule is older than the one published, and it is fetching it" \
	line_has "$T/all.txt" xa-bon "has district schedule version $V1, older than version $V2 on the broker; it is fetching it, 1 of 1 bulletins still missing\$"
check "tan-thanh: healthy, no problem on its line" \
	line_has "$T/all.txt" tan-thanh '^tan-thanh +online +.* — (idle|plays "Bản tin dài" since [0-9:]+)$'
check "the revoked station is still left out" sh -c "! grep -q xa-sau '$T/all.txt'"
check "the summary" grep -q '^Region hon-quan: 6 stations; 1 online and healthy, 3 online with problems, 1 offline, 1 never reported\.$' "$T/all.txt"

# --- 3. --json, for scripts ------------------------------------------------------------------

stations --json >"$T/all.json" 2>>"$T/all.err"
rc=$?
js() { jq -e "$1" "$T/all.json" >/dev/null; }
check "--json: exit status 1 as well" [ "$rc" -eq 1 ]
check "--json: an array, one object a station, in the same order" \
	js '[.[].station] == ["cho-moi","xa-nam","an-binh","xa-bay","xa-bon","tan-thanh"]'
check "--json: the states" \
	js '[.[].state] == ["offline","unknown","online","online","online","online"] and ([.[].healthy] == [false,false,false,false,false,true])'
check "--json: each station's problems by code" \
	js '(map({(.station): [.problems[].code]}) | add) == {"cho-moi":["offline"],"xa-nam":["never_reported"],"an-binh":["muted"],"xa-bay":["no_district"],"xa-bon":["refused","schedule_old"],"tan-thanh":[]}'
check "--json: the district schedule each has against the one published" \
	js "(.[] | select(.station == \"xa-bon\") | .district_schedule) == {\"has\": $V1, \"published\": $V2} and (.[] | select(.station == \"tan-thanh\") | .district_schedule.has) == $V2"
check "--json: since and last status as ISO times, null where not known" \
	js '(.[0].since == null) and (.[0].at | test("^20..-..-..T..:..:..[+-]..:..$")) and (.[1].at == null) and (.[5].since | test("^20..-..-..T"))'
check "--json: enrolled, the name, the software version" \
	js 'all(.[]; .enrolled == true) and .[1].name == "Đài truyền thanh xã Năm" and .[5].software == "0.1.0"'

# --- 4. Other ways to name the broker, and identities that may not read ----------------------

CLI="--mqtt 127.0.0.1:$PORT --region $R --tls-ca $DISTRICT/ca/ca.crt"
CLI="$CLI --tls-cert $DISTRICT/clients/district.dash.crt --tls-key $DISTRICT/clients/district.dash.key"
# shellcheck disable=SC2086
"$BUILD/loaxactl" stations $CLI >"$T/cli.txt" 2>&1
rc=$?
check "--mqtt without the district's directory: exit status 1, the stations that reported" \
	status_rows "$rc" 1 "$T/cli.txt" "cho-moi an-binh xa-bay xa-bon tan-thanh"
check "and a note that those that never reported cannot be shown" \
	grep -q 'a station that has never reported is not shown' "$T/cli.txt"
check "and the schedule's signature said unchecked" grep -q 'its signature not checked' "$T/cli.txt"
# shellcheck disable=SC2086
"$BUILD/loaxactl" stations $CLI --dir "$DISTRICT" >"$T/dir.txt" 2>&1
check "--mqtt with --dir: every enrolled station again" \
	rows_are "$T/dir.txt" "cho-moi xa-nam an-binh xa-bay xa-bon tan-thanh"
# shellcheck disable=SC2086
"$BUILD/loaxactl" stations $CLI --dir "$T" >"$T/baddir.txt" 2>&1
rc=$?
check "--dir that is not the district's: refused with the reason" \
	sh -c "[ $rc -eq 1 ] && grep -q 'not a district directory made by loaxa-district' '$T/baddir.txt'"
# xa-nam's identity, which no running station uses (one identity, one session).
mkdir -p "$T/xa-nam-id"
tar -xzf "$DISTRICT/stations/xa-nam.tar.gz" -C "$T/xa-nam-id" station.crt station.key
"$BUILD/loaxactl" stations --mqtt "127.0.0.1:$PORT" --region "$R" --tls-ca "$DISTRICT/ca/ca.crt" \
	--tls-cert "$T/xa-nam-id/station.crt" --tls-key "$T/xa-nam-id/station.key" >"$T/station-id.txt" 2>&1
rc=$?
# mosquitto 2.0 grants the subscription and drops every message the ACL does not let it read.
check "a station's identity reads no other station's status: exit 1, and what to check" \
	sh -c "[ $rc -eq 1 ] && grep -q 'that this identity may read the stations. status' '$T/station-id.txt'"
"$BUILD/loaxactl" -c "$DASH" stations --bogus >"$T/usage.txt" 2>&1
rc=$?
check "an unknown option is a mistake in the command line: exit 2" \
	sh -c "[ $rc -eq 2 ] && grep -q 'stations does not know the option --bogus' '$T/usage.txt'"

# A clean stop says so, and since when.
stop_station "$BON"
check "xa-bon stopped: its goodbye says so" wait_for 10 status_says xa-bon '.online == false and .reason == "stopped"'
stations >"$T/stopped.txt" 2>&1
check "the fleet view: offline since it stopped, and that it was stopped" \
	line_has "$T/stopped.txt" xa-bon '^xa-bon +offline +20[0-9-]+ [0-9:]+ +20[0-9-]+ [0-9:]+ +.* — offline: it was stopped \(shut down, or its service stopped\)$'
exit 0
