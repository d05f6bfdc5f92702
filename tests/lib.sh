# Shared helpers for the integration tests (sourced by tests/it_*.sh).
# Each test gets its own temporary directory, its own district (a broker over
# TLS made by loaxa-district, see start_broker) on a free
# loopback port, and real loaxad processes; everything is stopped on exit.
# Tests print "ok - ..." / "not ok - ..." lines, counted by tests/run.sh.

BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
TOP=$(pwd)
FIX=${LOAXA_FIXTURES:-$TOP/build/fixtures}
T=$(mktemp -d /tmp/loaxa-it.XXXXXX)
# jq 1.6 exits 0 for 'jq -e' when its input is empty (a daemon that answered
# nothing), so a check would pass on nothing. This jq fails when -e gives no
# result at all; every test script gets it first on its PATH.
mkdir -p "$T/bin"
cat >"$T/bin/jq" <<'JQ'
#!/bin/sh
case " $* " in *" -e "*) ;; *) exec /usr/bin/jq "$@" ;; esac
out=$(/usr/bin/jq "$@")
rc=$?
[ -n "$out" ] || exit 1
printf '%s\n' "$out"
exit "$rc"
JQ
chmod +x "$T/bin/jq"
PATH=$T/bin:$PATH
export PATH
PIDS=""
export TZ=${TZ:-Asia/Ho_Chi_Minh}
export LC_ALL=C.UTF-8
# The messages of the build tree (config/po/), in English unless a test asks for another language.
export LOAXA_LOCALEDIR="$BUILD/locale" LANGUAGE=

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	if [ -n "${KEEP:-}" ]; then echo "# kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	_check_desc=$1; shift
	if "$@"; then ok "$_check_desc"; else notok "$_check_desc"; fi
}

# wait_for SECONDS COMMAND...: polls (every 50 ms) until the command succeeds.
wait_for() {
	limit=$1; shift
	end=$(( $(date +%s) + limit ))
	while ! "$@" 2>/dev/null; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.05
	done
	return 0
}

# The test's district, made by provisioning/loaxa-district as a real
# district's is: every test talks to its broker over TLS, with certificates as
# identities and the district's ACL (a station writes only its own topics).
# Each client is one session (the broker takes the certificate's name as the
# client id), so the test's clients have identities of their own: loaxactl
# publishes as district.publisher, subscribe() listens as district.monitor,
# mqtt_pub writes as district.tester (a publisher) and mqtt_sub reads as
# district.probe (a monitor).
DISTRICT=$T/district
LOAXA_DISTRICT=$TOP/provisioning/loaxa-district
BROKER_NAMES="127.0.0.1,localhost,broker.loaxa.test"	# in the broker's certificate
PING_TOPIC=loaxa/hon-quan/publish/ping	# the publisher writes it, the monitor reads it

# start_broker: makes the district on a free port (loaxa-district init) and
# runs its broker as it is; BROKER_CLIENTS names more monitor identities for
# a test's own long-running subscribers (district.NAME, see mqtt_opts). Sets PORT, BROKER_PID, and BROKER_OPTS, the
# options that point loaxactl publish/alert at it as the district's publisher.
start_broker() {
	# mosquitto started by root becomes the user mosquitto, who must enter $T.
	chmod 0711 "$T"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		rm -rf "$DISTRICT"
		{ LOAXACTL=$BUILD/loaxactl "$LOAXA_DISTRICT" init "$DISTRICT" --region hon-quan \
		    --broker "$BROKER_NAMES" --port "$PORT" --listen 127.0.0.1 &&
		  "$LOAXA_DISTRICT" add-client "$DISTRICT" tester --role publisher &&
		  "$LOAXA_DISTRICT" add-client "$DISTRICT" probe --role monitor &&
		  for _c in ${BROKER_CLIENTS:-}; do
			"$LOAXA_DISTRICT" add-client "$DISTRICT" "$_c" --role monitor || exit 1
		  done
		} >"$T/district.log" 2>&1 || { cat "$T/district.log" >&2; return 1; }
		mosquitto -c "$DISTRICT/broker/mosquitto.conf" >"$T/mosquitto.log" 2>&1 &
		BROKER_PID=$!
		if wait_for 5 broker_up; then
			PIDS="$PIDS $BROKER_PID"
			BROKER_OPTS="--mqtt 127.0.0.1:$PORT --tls-ca $DISTRICT/ca/ca.crt"
			BROKER_OPTS="$BROKER_OPTS --tls-cert $DISTRICT/clients/district.publisher.crt"
			BROKER_OPTS="$BROKER_OPTS --tls-key $DISTRICT/clients/district.publisher.key"
			return 0
		fi
		kill "$BROKER_PID" 2>/dev/null
	done
	echo "cannot start mosquitto" >&2
	return 1
}
broker_up() { kill -0 "$BROKER_PID" 2>/dev/null && mqtt_pub -t "$PING_TOPIC" -m x -q 1 2>/dev/null; }
# restart_broker: the same port again, after stop_broker.
stop_broker() { kill "$BROKER_PID" 2>/dev/null; wait "$BROKER_PID" 2>/dev/null; }
restart_broker() {
	mosquitto -c "$DISTRICT/broker/mosquitto.conf" >>"$T/mosquitto.log" 2>&1 &
	BROKER_PID=$!
	PIDS="$PIDS $BROKER_PID"
	wait_for 10 broker_up
}
# mqtt_pub ARGS... / mqtt_sub ARGS...: mosquitto's clients on the test's
# broker, as the district's publisher and monitor.
# In the foreground only: in the background, $! would be a subshell's, and
# killing it would leave the client running; there, use mqtt_opts.
mqtt_pub() { mosquitto_pub $(mqtt_opts district.tester) "$@"; }
mqtt_sub() { mosquitto_sub $(mqtt_opts district.probe) "$@"; }
# mqtt_opts IDENTITY: the options of mosquitto's clients that reach the test's
# broker, by the first of its names, as IDENTITY (word-split on purpose: the
# paths are under $T).
mqtt_opts() {
	echo "-h ${BROKER_NAMES%%,*} -p $PORT --cafile $DISTRICT/ca/ca.crt" \
	    "--cert $DISTRICT/clients/$1.crt --key $DISTRICT/clients/$1.key"
}

# collector_setup: the district's collector (loaxa-collectd) for this test,
# as the identity district.collector (made by the test), its database under
# $T/collector. Sets DB, CFG and CLOG (its log).
collector_setup() {
	DB=$T/collector/collector.db
	CFG=$T/collector.cfg
	CLOG=$T/collectd.log
	cp "$DISTRICT/clients/district.collector.cfg" "$CFG"
	echo "collector = { database = \"$DB\"; };" >>"$CFG"
}
n_connected() { grep -c 'mqtt: connected to' "$CLOG" 2>/dev/null || echo 0; }
# start_collector [ENV...]: runs it (with ENV, e.g. LD_PRELOAD=...) until it is connected; sets CPID.
start_collector() {
	_sc_n=$(n_connected)
	echo "--- start" >>"$CLOG"
	env "$@" "$BUILD/loaxa-collectd" -c "$CFG" -v >>"$CLOG" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	wait_for 20 sh -c "[ \$(grep -c 'mqtt: connected to' '$CLOG') -gt $_sc_n ]"
}

# station_identity DIR ID: the station's certificate and key, and the CA, in
# DIR, from its bundle (loaxa-district add-station, once per id).
station_identity() {
	if [ ! -f "$DISTRICT/stations/$2.tar.gz" ]; then
		LOAXACTL=$BUILD/loaxactl "$LOAXA_DISTRICT" add-station "$DISTRICT" "$2" \
		    --name "Đài truyền thanh xã $2" >>"$T/district.log" 2>&1 || return 1
	fi
	tar -xzf "$DISTRICT/stations/$2.tar.gz" -C "$1" ca.crt station.crt station.key
}

# subscribe FILE: records every message under loaxa/# the monitor may read as
# "topic payload" lines.
subscribe() {
	# shellcheck disable=SC2046
	mosquitto_sub $(mqtt_opts district.monitor) -v -q 1 -t 'loaxa/#' >"$1" 2>/dev/null &
	SUB_PID=$!
	PIDS="$PIDS $SUB_PID"
	# A ping proves the subscription is live before the test goes on.
	wait_for 5 sub_live "$1"
}
sub_live() { mqtt_pub -t "$PING_TOPIC" -m live -q 1 && grep -q "^$PING_TOPIC live" "$1"; }

# silent_dns_setup: DNS down, for a script re-run inside `unshare -mn` (see
# tests/it_dns.sh). Brings up loopback; puts the script's own nsswitch.conf
# ("hosts: files dns": a host's may add myhostname, mdns or systemd-resolved,
# which answer without DNS), resolv.conf (DNS at 127.0.0.1 only) and hosts
# (localhost only) over /etc; starts a name server on 127.0.0.1:53 that takes
# every query and never answers, one line per query in $T/dns.log. glibc reads
# /etc/hosts at every lookup: rewrite $T/hosts in place (the bind mount shows
# the same inode) to make a name resolve, or stop resolving, at once.
silent_dns_setup() {
	ip link set lo up || return 1
	printf 'hosts: files dns\n' >"$T/nsswitch.conf"
	printf 'nameserver 127.0.0.1\n' >"$T/resolv.conf"
	printf '127.0.0.1 localhost\n' >"$T/hosts"
	for _f in nsswitch.conf resolv.conf hosts; do
		mount --bind "$T/$_f" "/etc/$_f" || return 1
	done
	"$BUILD/tools/dns_silent" >"$T/dns.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for 5 grep -q '^ready' "$T/dns.log"
}

# slow_link_start TARGET_PORT: a link that can be made slow (the TCP proxy
# tests/faults/slowproxy.c) on a free loopback port in front of TARGET_PORT,
# normal at first. Sets LINK_PORT (connect there instead) and LINK_PID; it
# logs every mode, connection and close to $T/link.log.
slow_link_start() {
	echo normal >"$T/link.mode"
	"$BUILD/tests/slowproxy" "$1" "$T/link.mode" >"$T/link.log" 2>"$T/link.err" &
	LINK_PID=$!
	PIDS="$PIDS $LINK_PID"
	wait_for 5 grep -q '^listening ' "$T/link.log" || return 1
	LINK_PORT=$(awk '$1 == "listening" { print $2; exit }' "$T/link.log")
}
# slow_link MODE: "normal", "delay MS", "rate BYTES" (a second, each way),
# "delay MS rate BYTES", or "stall" (nothing goes through, either way, and no
# reset); returns once the proxy has taken it.
slow_link() {
	_sl_n=$(grep -c '^mode ' "$T/link.log")
	echo "$*" >"$T/link.mode"
	kill -HUP "$LINK_PID" || return 1
	wait_for 5 sh -c "[ \$(grep -c '^mode ' '$T/link.log') -gt $_sl_n ]"
}

# station_mqtt DIR ID KEEPALIVE: the mqtt group of station ID's loaxa.cfg in
# DIR: TLS to the test's broker with the station's own certificate (put in
# DIR) once there is a district; before start_broker, plain MQTT to a port
# where nothing listens.
station_mqtt() {
	if [ -d "$DISTRICT" ]; then
		station_identity "$1" "$2" || echo "# cannot issue a certificate for $2" >&2
		echo "mqtt = { host = \"127.0.0.1\"; port = $PORT; keepalive = $3; status_interval = 60;"
		echo "  tls = { ca = \"ca.crt\"; cert = \"station.crt\"; key = \"station.key\"; }; };"
	else
		echo "mqtt = { host = \"127.0.0.1\"; port = ${PORT:-1}; keepalive = $3; status_interval = 60; };"
	fi
}

# station_config DIR ID DEVICE [SCHEDULE]: writes DIR/loaxa.cfg.
station_config() {
	dir=$1 id=$2 dev=$3 sched=${4:-}
	mkdir -p "$dir"
	{
		echo "station = { id = \"$id\"; region = \"hon-quan\"; name = \"Đài truyền thanh xã $id\"; };"
		echo "audio = { device = \"$dev\"; rate = 48000; channels = 1; };"
		station_mqtt "$dir" "$id" 10
		echo "storage = { dir = \"$dir/state\"; };"
		echo "control = { socket = \"$dir/control.sock\"; };"
		[ -n "$sched" ] && echo "schedule = { file = \"$sched\"; grace = 600; };"
	} >"$dir/loaxa.cfg"
}

# start_station DIR: runs loaxad in the background; sets STATION_PID.
start_station() {
	"$BUILD/loaxad" -c "$1/loaxa.cfg" -v >>"$1/loaxad.log" 2>&1 &
	STATION_PID=$!
	PIDS="$PIDS $STATION_PID"
	wait_for 10 test -S "$1/control.sock"
}
stop_station() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
# start_station_held DIR HOLD: start_station on a disk that holds every fsync
# while the file HOLD exists (tests/faults/slowsync.c), for as long as the
# test likes; nothing is timed by it.
start_station_held() {
	LD_PRELOAD=$BUILD/tests/libslowsync.so LOAXA_SLOW_SYNC_MS=0 LOAXA_SLOW_SYNC_HOLD=$2 \
	    "$BUILD/loaxad" -c "$1/loaxa.cfg" -v >>"$1/loaxad.log" 2>&1 &
	STATION_PID=$!
	PIDS="$PIDS $STATION_PID"
	wait_for 10 test -S "$1/control.sock"
}

# start_icecast: Debian's icecast2 on a free loopback port, plain HTTP, with
# no burst on connect (a listener hears what is sent from then on). Sets
# ICE_PORT, ICE_PID and ICE_SOURCE (the source password); a source is then
# e.g. ffmpeg ... icecast://source:$ICE_SOURCE@127.0.0.1:$ICE_PORT/NAME.
# Started by root it becomes nobody, who must enter $T.
start_icecast() {
	chmod 0711 "$T"
	ICE_SOURCE=source-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	mkdir -p "$T/icecast"
	chmod 0777 "$T/icecast"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		ICE_PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		cat >"$T/icecast/icecast.xml" <<EOF
<icecast>
  <limits><clients>50</clients><sources>8</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout>
    <source-timeout>5</source-timeout><burst-on-connect>0</burst-on-connect>
    <burst-size>0</burst-size></limits>
  <authentication><source-password>$ICE_SOURCE</source-password>
    <admin-user>admin</admin-user><admin-password>$ICE_SOURCE</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>$ICE_PORT</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>0</fileserve>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>$T/icecast</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><accesslog>-</accesslog><errorlog>-</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot><changeowner><user>nobody</user><group>nogroup</group></changeowner></security>
</icecast>
EOF
		if icecast_try "$T/icecast/icecast.xml" "$T/icecast/icecast.log" icecast_up; then
			ICE_PID=$ICECAST_PID
			return 0
		fi
	done
	echo "cannot start icecast2" >&2
	return 1
}
# icecast_try XML LOG UP: icecast2 from XML, its output into LOG: 0 with
# ICECAST_PID set once UP says it serves (within 5 s), else stopped again and 1.
icecast_try() {
	icecast2 -c "$1" >"$2" 2>&1 &
	ICECAST_PID=$!
	if wait_for 5 "$3"; then
		PIDS="$PIDS $ICECAST_PID"
		return 0
	fi
	kill "$ICECAST_PID" 2>/dev/null
	wait "$ICECAST_PID" 2>/dev/null
	return 1
}
icecast_up() {
	kill -0 "$ICECAST_PID" 2>/dev/null &&
	    grep -q "server started" "$T/icecast/icecast.log" &&
	    curl -s -o /dev/null "http://127.0.0.1:$ICE_PORT/status-json.xsl"
}
# sweep_source: a 6-s sine sweep (150 Hz to 6 kHz) to stream, so that any
# stretch of what is heard is found in one place of it only: $T/sweep.wav,
# and $T/sweep2.raw (48 kHz mono S16, twice over: any 2 s of the loop are in it).
sweep_source() {
	sox -V1 -n -r 48000 -c 1 "$T/sweep.wav" synth 6 sine 150-6000 gain -6 &&
	    ffmpeg -nostdin -v error -y -i "$T/sweep.wav" -f s16le "$T/sweep.raw" &&
	    cat "$T/sweep.raw" "$T/sweep.raw" >"$T/sweep2.raw"
}
# is_sweep RAW FROM: 2 s of RAW (48 kHz mono S16) from frame FROM are the
# sweep's: found in it, and correlated with it (>= 0.9).
is_sweep() {
	tail -c +$(( $2 * 2 + 1 )) "$1" | head -c 192000 >"$T/sweep.piece"
	[ "$(wc -c <"$T/sweep.piece")" -eq 192000 ] || return 1
	_sw_off=$("$BUILD/tools/pcm_find" "$T/sweep.piece" "$T/sweep2.raw" 1 0 288000 |
	    awk '{ print $1 }')
	tail -c +$((_sw_off * 2 + 1)) "$T/sweep2.raw" | head -c 192000 >"$T/sweep.ref"
	_sw_corr=$("$BUILD/tools/pcm_corr" "$T/sweep.ref" "$T/sweep.piece" 200 | awk '{ print $2 }')
	echo "# $(basename "$1") from frame $2: found at sample $_sw_off of the sweep," \
	    "correlation $_sw_corr"
	ge "$_sw_corr" 0.9
}
# icecast_source NAME FILE [FFMPEG OUTPUT OPTIONS...]: sends FILE in real time,
# over and over, to mount /NAME (Ogg Opus unless the options say otherwise);
# sets SRC_PID. The mount is up when icecast_mounted NAME succeeds.
icecast_source() {
	_is_name=$1 _is_file=$2; shift 2
	[ $# -gt 0 ] || set -- -c:a libopus -b:a 32k -f ogg -content_type application/ogg
	ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i "$_is_file" "$@" \
	    "icecast://source:$ICE_SOURCE@127.0.0.1:$ICE_PORT/$_is_name" &
	SRC_PID=$!
	PIDS="$PIDS $SRC_PID"
}
icecast_mounted() {
	curl -s "http://127.0.0.1:$ICE_PORT/status-json.xsl" | grep -q "\"listenurl\":\"[^\"]*/$1\""
}

# start_stream_server: the district's stream server as loaxa-district init
# made it ($DISTRICT/stream/icecast.xml, TLS with a certificate from the
# district CA), after start_broker, on a free loopback port written into it
# and into $DISTRICT/district.cfg's live group. Sets STREAM_PORT, STREAM_PID
# and STREAM_URL (https://127.0.0.1:PORT). Started by root, icecast2 becomes
# icecast2, who enters $T as mosquitto does (start_broker's chmod).
start_stream_server() {
	_ss_xml=$DISTRICT/stream/icecast.xml
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		STREAM_PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		# In place (cat >), so that the files keep their owners and modes.
		sed "s|<port>[0-9]*</port>|<port>$STREAM_PORT</port>|" "$_ss_xml" >"$T/icecast.xml.new" &&
		    cat "$T/icecast.xml.new" >"$_ss_xml" && rm -f "$T/icecast.xml.new"
		sed "s|\(server *= \"https://[^:]*:\)[0-9]*\"|\1$STREAM_PORT\"|" \
		    "$DISTRICT/district.cfg" >"$T/district.cfg.new" &&
		    cat "$T/district.cfg.new" >"$DISTRICT/district.cfg" && rm -f "$T/district.cfg.new"
		STREAM_URL=https://127.0.0.1:$STREAM_PORT
		if icecast_try "$_ss_xml" "$T/stream.log" stream_up; then
			STREAM_PID=$ICECAST_PID
			return 0
		fi
	done
	echo "cannot start icecast2 from $_ss_xml" >&2
	cat "$T/stream.log" "$DISTRICT/stream/log/error.log" >&2 2>/dev/null
	return 1
}
stream_up() { kill -0 "$ICECAST_PID" 2>/dev/null && stream_status >/dev/null; }
# stream_status: the server's status (JSON), over TLS checked against the district CA.
stream_status() { curl -sf --cacert "$DISTRICT/ca/ca.crt" "$STREAM_URL/status-json.xsl"; }
# stream_mounted NAME: the mount /NAME is up.
stream_mounted() { stream_status | grep -q "\"listenurl\":\"[^\"]*/$1\""; }

ctl() { _ctl_dir=$1; shift; "$BUILD/loaxactl" -s "$_ctl_dir/control.sock" "$@"; }

# vcard_setup [NAME]: a virtual sound card (tests/vcard/vcard.c) that plays in
# real time like hardware and runs dry when it is not fed, for this test and
# the programs it starts. Sets VCARD_DEV (the ALSA device name, for aplay -D
# or audio.device), VCARD_LOG (its event log: read it with
# $BUILD/tools/vcard_report) and VCARD_RAW (every frame written to it,
# appended across opens), and exports ALSA_CONFIG_PATH so that alsa-lib finds
# it. Several names give several cards. Call it directly, not in $(...).
vcard_setup() {
	VCARD_DEV=${1:-vcard}
	VCARD_LOG=$T/$VCARD_DEV.log
	VCARD_RAW=$T/$VCARD_DEV.raw
	_vc_so=$BUILD/tests/libasound_module_pcm_loaxavc.so
	if [ ! -f "$_vc_so" ]; then
		echo "vcard_setup: $_vc_so is missing; run 'make tests'" >&2
		return 1
	fi
	if [ ! -f "$T/alsa-vcard.conf" ]; then
		echo "pcm_type.loaxavc { lib \"$_vc_so\" }" >"$T/alsa-vcard.conf"
		# The system's configuration first, so that every other device stays.
		ALSA_CONFIG_PATH=${ALSA_CONFIG_PATH:-/usr/share/alsa/alsa.conf}:$T/alsa-vcard.conf
		export ALSA_CONFIG_PATH
	fi
	echo "pcm.$VCARD_DEV { type loaxavc log \"$VCARD_LOG\" file \"$VCARD_RAW\" }" \
	    >>"$T/alsa-vcard.conf"
	echo "# virtual card $VCARD_DEV: log $VCARD_LOG, capture $VCARD_RAW"
}
# vcard_fact KEY [LOG]: the first value vcard_report gives for KEY.
vcard_fact() {
	"$BUILD/tools/vcard_report" "${2:-$VCARD_LOG}" | awk -v k="$1" '$1 == k { print $2; exit }'
}

# vcard_heard_by_now FRAME: frame FRAME of the capture has been heard already.
vcard_heard_by_now() {
	_vh=$("$BUILD/tools/vcard_report" "$VCARD_LOG" --when "$1") || return 1
	[ "${_vh#when }" -le "$(date +%s%N)" ]
}

# vcard_check_cut_in CUT_REF CUT_SECS URGENT_REF ASKED_NS WITHIN_S WHAT: checks,
# from what the card heard and when, that an urgent bulletin (an emergency, an
# alert) cut into a normal one as it should: the card heard the normal
# bulletin from its start, cut off (a run ended by a stop, no underrun) after
# the CUT_SECS seconds the station reported (within 0.25 s); then the urgent
# one whole, played out, within WITHIN_S seconds of ASKED_NS (date +%s%N when
# it was asked for: what the card had buffered must not hold it); then the
# normal bulletin again from its start, after the urgent one's last frame.
# CUT_REF and URGENT_REF are reference decodes (opus_refdecode), CUT_REF at
# least CUT_SECS + 3 seconds long; WHAT names the urgent one in the messages.
# The cut must be the first thing this card played (its log and capture
# begin with the normal bulletin). Waits until the card has heard two seconds
# of the normal bulletin played again.
vcard_check_cut_in() {
	_ci_ref=$1 _ci_secs=$2 _ci_urgent=$3 _ci_asked=$4 _ci_within=$5 _ci_what=$6
	_ci_frames=$(( $(stat -c %s "$_ci_urgent") / 2 ))
	_ci_cut=$(awk -v s="$_ci_secs" 'BEGIN { printf "%d", s * 48000 }')
	# What the card dropped at the cut (up to its buffer) is in the capture too.
	check "the normal bulletin plays again for two seconds after the $_ci_what" \
		wait_for 20 vcard_heard_by_now $(( _ci_cut + 48000 + _ci_frames + 96000 ))
	set -- $("$BUILD/tools/pcm_find" "$_ci_ref" "$VCARD_RAW" 1 0 0 48000)
	echo "# normal bulletin at frame $1, SNR $2 dB over its first second"
	check "the card heard the normal bulletin from its start" ge "$2" 40
	set -- $("$BUILD/tools/pcm_find" "$_ci_urgent" "$VCARD_RAW" 1 \
	    $(( _ci_cut - 48000 )) $(( _ci_cut + 72000 )))
	_ci_at=$1
	echo "# $_ci_what at frame $1 (cut after ~$_ci_cut), SNR $2 dB"
	check "then the whole $_ci_what" ge "$2" 40
	set -- $("$BUILD/tools/pcm_find" "$_ci_ref" "$VCARD_RAW" 1 $(( _ci_at + _ci_frames - 4800 )) \
	    $(( _ci_at + _ci_frames + 24000 )) 96000)
	_ci_again=$1
	echo "# normal bulletin again at frame $1 ($_ci_what ended at $(( _ci_at + _ci_frames ))), SNR $2 dB"
	check "then the normal bulletin again from its start" ge "$2" 40
	"$BUILD/tools/vcard_report" "$VCARD_LOG" >"$T/cut-in.rep"
	sed 's/^/#   /' "$T/cut-in.rep"
	check "three runs of the card: cut off, the $_ci_what played out, the normal bulletin playing" \
		[ "$(awk '$1 == "start" { printf "%s ", $4 }' "$T/cut-in.rep")" = "stop drain none " ]
	check "no underrun through the cut and back" grep -qx 'xruns 0' "$T/cut-in.rep"
	_ci_heard=$(awk '$1 == "start" { print $3; exit }' "$T/cut-in.rep")
	echo "# interrupted after $_ci_secs s; the card heard $_ci_heard frames of it"
	check "the seconds reported are what the card played (within 0.25 s)" \
		awk -v s="$_ci_secs" -v h="$_ci_heard" 'BEGIN { d = s - h / 48000; exit !(d < 0.25 && d > -0.25) }'
	_ci_heard_at=$("$BUILD/tools/vcard_report" "$VCARD_LOG" --when "$_ci_at" | awk '{ print $2 }')
	echo "# the $_ci_what was heard $(( (_ci_heard_at - _ci_asked) / 1000000 )) ms after it was asked for"
	check "the $_ci_what is heard within $_ci_within s: what was buffered does not hold it" \
		sh -c "[ '$_ci_heard_at' -ge $_ci_asked ] && [ '$_ci_heard_at' -lt $(( _ci_asked + _ci_within * 1000000000 )) ]"
	_ci_end=$("$BUILD/tools/vcard_report" "$VCARD_LOG" --when $(( _ci_at + _ci_frames - 1 )) | awk '{ print $2 }')
	_ci_again_at=$("$BUILD/tools/vcard_report" "$VCARD_LOG" --when "$_ci_again" | awk '{ print $2 }')
	check "and the normal bulletin is heard again after the $_ci_what's last frame" \
		[ "$_ci_again_at" -gt "$_ci_end" ]
}

# at_plus SECONDS: a local date-time that many seconds from now.
at_plus() { date -d "@$(( $(date +%s) + $1 ))" '+%Y-%m-%d %H:%M:%S'; }

# events FILE [EVENT]: the event payloads recorded in FILE (one JSON per line).
events() {
	if [ -n "${2:-}" ]; then
		grep -a '^loaxa/[^ ]*/events ' "$1" | cut -d' ' -f2- | jq -c "select(.event == \"$2\")"
	else
		grep -a '^loaxa/[^ ]*/events ' "$1" | cut -d' ' -f2-
	fi
}
count_events() { events "$1" "$2" | wc -l; }
has_events() { [ "$(count_events "$1" "$2")" -ge "$3" ]; }
last_status() { grep -a "^loaxa/[^ ]*/$2/status " "$1" | tail -n 1 | cut -d' ' -f2-; }

# snr REF CAPTURE CHANNELS: prints the best-aligned SNR in dB of CAPTURE against REF.
snr() { "$BUILD/tools/pcm_compare" "$1" "$2" "$3" | awk '{print $4}'; }
# ge A B: A >= B for decimals.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
# jq_any FILE CONDITION: true when some JSON value in FILE meets CONDITION.
jq_any() { jq -s -e "any(.[]; $2)" "$1" >/dev/null; }
