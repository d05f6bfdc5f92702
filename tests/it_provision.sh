#!/bin/sh
# Provisioning a district (issue 11), as its technician would: loaxa-district
# makes the CA, the broker's configuration and the stations' bundles, a real
# mosquitto runs that configuration over TLS on loopback, and mosquitto's own
# clients show who may connect, write and read; loaxa-station installs bundles;
# a second district's broker plays the province for the bridge.
. tests/lib.sh

LD=$TOP/provisioning/loaxa-district
LS=$TOP/provisioning/loaxa-station
LOAXACTL=$BUILD/loaxactl
export LOAXACTL
R=hon-quan
# mosquitto started by root becomes the user mosquitto, who must be able to
# enter the test's directory (mktemp -d makes it 0700).
chmod 0711 "$T"
mkdir -p "$T/id" "$T/b"

# random_port: a loopback port nothing listens on now.
random_port() {
	while :; do
		_p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
		ss -Hltn "sport = :$_p" 2>/dev/null | grep -q . || { echo "$_p"; return 0; }
	done
}

# An identity is the path of its certificate without ".crt" (the key: ".key").
# Clients trust the CA in $CAFILE, by default the district's ($D/ca/ca.crt).
# mpub IDENTITY PORT TOPIC MESSAGE [OPTIONS]: MQTT v5, QoS 1, so that a refusal
# comes back in the PUBACK; what mosquitto_pub says is in $T/mpub.err.
mpub() {
	_id=$1 _port=$2 _t=$3 _m=$4
	shift 4
	mosquitto_pub -V 5 -q 1 -h 127.0.0.1 -p "$_port" --cafile "${CAFILE:-$D/ca/ca.crt}" \
	    --cert "$_id.crt" --key "$_id.key" -t "$_t" -m "$_m" "$@" 2>"$T/mpub.err"
}
# msub IDENTITY PORT FILE TOPIC: subscribes in the background (by the name
# localhost, the broker's DNS name); sets MSUB_PID.
msub() {
	mosquitto_sub -V 5 -h localhost -p "$2" --cafile "${CAFILE:-$D/ca/ca.crt}" \
	    --cert "$1.crt" --key "$1.key" -v -t "$4" >"$3" 2>"$3.err" &
	MSUB_PID=$!
	PIDS="$PIDS $MSUB_PID"
}
# live PUBLISHER PORT FILE TOPIC: a message the publisher sends arrives in FILE.
live() { mpub "$1" "$2" "$4" "live" && grep -q "^$4 live" "$3"; }

# start_district_broker DIR: runs DIR's broker as it is; sets MQ_PID.
start_district_broker() {
	mosquitto -c "$1/broker/mosquitto.conf" >>"$1/mosquitto.log" 2>&1 &
	MQ_PID=$!
	PIDS="$PIDS $MQ_PID"
	wait_for 10 broker_up_tls "$1"
}
broker_up_tls() {
	kill -0 "$MQ_PID" 2>/dev/null &&
	mosquitto_pub -V 5 -q 1 -h 127.0.0.1 -p "$(cat "$1/port")" --cafile "$1/ca/ca.crt" \
	    --cert "$1/clients/district.publisher.crt" --key "$1/clients/district.publisher.key" \
	    -t "loaxa/$R/publish/up" -m up 2>/dev/null
}

# init_district DIR [OPTIONS]: init on a free port and start its broker, again
# on another port if something took that one meanwhile.
init_district() {
	_dir=$1
	shift
	for _try in 1 2 3 4 5; do
		rm -rf "$_dir"
		"$LD" init "$_dir" --region "$R" --port "$(random_port)" --listen 127.0.0.1 "$@" \
		    >"$T/init.out" 2>"$T/init.err" || { cat "$T/init.err" >&2; return 1; }
		start_district_broker "$_dir" && return 0
		kill "$MQ_PID" 2>/dev/null
	done
	return 1
}

# ---------------------------------------------------------------- init
D=$T/d
init_district "$D" --broker 127.0.0.1,localhost || { notok "init makes a district whose broker starts"; exit 1; }
DPORT=$(cat "$D/port")
DMQ=$MQ_PID
PUB=$D/clients/district.publisher
MON=$D/clients/district.monitor
ok "init makes a district, and its broker runs as it is: mosquitto -c DIR/broker/mosquitto.conf"
check "init says to keep the CA key offline" grep -q 'KEEP THE CA KEY OFFLINE' "$T/init.out"
check "the CA key is mode 0600" test "$(stat -c %a "$D/ca/ca.key")" = 600
check "the CA is EC P-256" sh -c "openssl x509 -in '$D/ca/ca.crt' -noout -text | grep -q 'NIST CURVE: P-256'"
check "the broker's certificate names 127.0.0.1 as an IP address and localhost as a DNS name" \
	sh -c "openssl x509 -in '$D/broker/broker.crt' -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.1, DNS:localhost'"
check "the district's signing key is loaxactl keygen's" sh -c "test -s '$D/keys/district.key' && test -s '$D/district.pub' && test \$(stat -c %a '$D/keys/district.key') = 600"
conf_has() { grep -qx "$1" "$D/broker/mosquitto.conf"; }
all_conf() {
	for l in "listener $DPORT 127.0.0.1" "require_certificate true" "use_identity_as_username true" \
	    "use_username_as_clientid true" "tls_version tlsv1.2" "allow_anonymous false" \
	    "acl_file $D/broker/acl" "crlfile $D/broker/crl.pem" "persistence true" \
	    "pid_file $D/broker/run/mosquitto.pid" "max_packet_size 266240" "message_size_limit 262144" \
	    "max_queued_messages 1000000" "max_queued_bytes 1073741824"; do
		conf_has "$l" || { echo "mosquitto.conf lacks: $l" >&2; return 1; }
	done
}
check "mosquitto.conf: a TLS listener with certificates as identities, the ACL, the CRL, persistence, size limits, the collector's queue, a pid file" all_conf
cfg_ok() {
	grep -qx "  secret_key = \"$D/keys/district.key\";" "$D/district.cfg" &&
	grep -qx "  public_key = \"$D/district.pub\";" "$D/district.cfg" &&
	grep -qx "  tls  = { ca = \"$D/ca/ca.crt\"; cert = \"$PUB.crt\"; key = \"$PUB.key\"; };" "$D/district.cfg" &&
	grep -qx "  host = \"127.0.0.1\";" "$D/district.cfg" && grep -qx "  port = $DPORT;" "$D/district.cfg" &&
	grep -qx "  tls  = { ca = \"$D/ca/ca.crt\"; cert = \"$MON.crt\"; key = \"$MON.key\"; };" "$D/monitor.cfg" &&
	! grep -q secret_key "$D/monitor.cfg"
}
check "district.cfg and monitor.cfg give loaxactl the region, keys and TLS files, with absolute paths" cfg_ok
check "the CRL's renewal is a systemd service and a monthly timer, and the broker has a unit" \
	sh -c "grep -q '^ExecStart=.*loaxa-district crl $D --reload' '$D/systemd/loaxa-crl-$R.service' &&
	    grep -q '^OnCalendar=monthly' '$D/systemd/loaxa-crl-$R.timer' &&
	    grep -q '^ExecStart=/usr/sbin/mosquitto -c $D/broker/mosquitto.conf' '$D/systemd/loaxa-broker-$R.service'"
if command -v systemd-analyze >/dev/null 2>&1; then
	check "the units init writes pass systemd-analyze verify" \
		systemd-analyze verify "$D/systemd/loaxa-broker-$R.service" "$D/systemd/loaxa-crl-$R.service" "$D/systemd/loaxa-crl-$R.timer"
fi
if [ "$(id -u)" -eq 0 ]; then
	check "started by root, the broker becomes the user mosquitto and still reads its files" \
		test "$(ps -o user= -p "$DMQ")" = mosquitto
	check "the broker's key is root:mosquitto 0640" test "$(stat -c '%U:%G %a' "$D/broker/broker.key")" = "root:$(id -gn mosquitto) 640"
else
	ok "the broker drops to the user mosquitto # SKIP not root (CI runs as root)"
fi
check "the broker's pid file names it (revoke --reload signals it)" test "$(cat "$D/broker/run/mosquitto.pid")" = "$DMQ"

# ---------------------------------------------------------------- stations
for s in s1 s2 s3; do
	"$LD" add-station "$D" "$s" --name "Đài truyền thanh xã $s" >"$T/add.out" 2>&1 || cat "$T/add.out" >&2
	mkdir -p "$T/b/$s"
	tar -xzf "$D/stations/$s.tar.gz" -C "$T/b/$s"
	cp "$T/b/$s/station.crt" "$T/id/$s.crt"
	cp "$T/b/$s/station.key" "$T/id/$s.key"
done
check "add-station writes one bundle per station" test -f "$D/stations/s1.tar.gz" -a -f "$D/stations/s2.tar.gz" -a -f "$D/stations/s3.tar.gz"
msub "$MON" "$DPORT" "$T/mon.log" "loaxa/$R/#"
wait_for 10 live "$PUB" "$DPORT" "$T/mon.log" "loaxa/$R/publish/live-mon" || notok "the monitor subscribes"
mpub "$T/id/s1" "$DPORT" "loaxa/$R/s1/status" '{"online":true,"station":"s1"}' -r
check "a station connects with its certificate and publishes its status; the monitor sees it" \
	wait_for 10 grep -q "^loaxa/$R/s1/status {\"online\":true,\"station\":\"s1\"}" "$T/mon.log"

# Refused at the door: each message would reach the monitor if it got in.
check "refused: a client with no certificate" \
	sh -c "! mosquitto_pub -V 5 -q 1 -h 127.0.0.1 -p $DPORT --cafile '$D/ca/ca.crt' -t loaxa/$R/s1/status -m no-certificate 2>/dev/null"
check "refused: plain MQTT on the TLS port" \
	sh -c "! mosquitto_pub -V 5 -q 1 -h 127.0.0.1 -p $DPORT -t loaxa/$R/s1/status -m plain-mqtt 2>/dev/null"
# Another CA, with a certificate whose CN is a valid station's (its broker never runs).
"$LD" init "$T/rogue" --region "$R" --broker 127.0.0.1 --port "$DPORT" >/dev/null 2>&1 &&
    "$LD" add-station "$T/rogue" s1 --name "giả mạo" >/dev/null 2>&1 &&
    tar -xzf "$T/rogue/stations/s1.tar.gz" -C "$T/id" station.crt station.key &&
    mv "$T/id/station.crt" "$T/id/rogue-s1.crt" && mv "$T/id/station.key" "$T/id/rogue-s1.key"
check "refused: a certificate from another CA with a valid station's CN (s1)" \
	sh -c "test -f '$T/id/rogue-s1.crt' && ! mosquitto_pub -V 5 -q 1 -h 127.0.0.1 -p $DPORT --cafile '$D/ca/ca.crt' --cert '$T/id/rogue-s1.crt' --key '$T/id/rogue-s1.key' -t loaxa/$R/s1/status -m from-another-ca 2>/dev/null"

# Denied once in: the PUBACK (MQTT v5) says so, and nothing is delivered.
denied() {
	mpub "$1" "$DPORT" "$2" "$3" || return 1
	grep -q 'Not authorized' "$T/mpub.err"
}
check "denied: s1 writing loaxa/$R/s2/status (PUBACK: not authorized)" denied "$T/id/s1" "loaxa/$R/s2/status" forged-s2-status
check "denied: s1 writing the region's schedule (PUBACK: not authorized)" denied "$T/id/s1" "loaxa/$R/schedule" forged-schedule
check "denied: s1 writing an alert (PUBACK: not authorized)" denied "$T/id/s1" "loaxa/$R/alert/bao-so-9" forged-alert
check "denied: s1 writing the publisher's probe topic" denied "$T/id/s1" "loaxa/$R/publish/x" forged-probe
check "denied: the monitor writing anything, even its own place" denied "$MON" "loaxa/$R/district.monitor/status" forged-by-monitor
check "denied: the publisher writing a station's status" denied "$PUB" "loaxa/$R/s1/status" forged-by-publisher
mpub "$T/id/s1" "$DPORT" "loaxa/$R/s1/events" after-the-forgeries
wait_for 10 grep -q "^loaxa/$R/s1/events after-the-forgeries" "$T/mon.log"
check "none of the refused or denied messages reached the monitor" \
	sh -c "! grep -E 'no-certificate|plain-mqtt|from-another-ca|forged' '$T/mon.log'"
big() {
	head -c "$1" /dev/zero | tr '\0' x >"$T/big"
	mosquitto_pub -V 5 -q 1 -h 127.0.0.1 -p "$DPORT" --cafile "$D/ca/ca.crt" --cert "$PUB.crt" \
	    --key "$PUB.key" -t "loaxa/$R/publish/big" -f "$T/big" 2>"$T/mpub.err"
}
big 262144
check "the broker takes a message of 256 KiB, a bulletin chunk" sh -c "! grep -q . '$T/mpub.err'"
big 262145
check "the broker refuses one byte more (PUBACK: packet too large)" grep -q 'Packet too large' "$T/mpub.err"

# ---------------------------------------------------------------- add-station refuses
refuses() {	# refuses ID WORDS: add-station fails, says WORDS, makes no bundle
	if "$LD" add-station "$D" "$1" --name "Đài truyền thanh xã thử" >"$T/refuse.out" 2>&1; then
		return 1
	fi
	grep -q "$2" "$T/refuse.out" || { cat "$T/refuse.out" >&2; return 1; }
	[ "$1" = s1 ] || [ ! -e "$D/stations/$1.tar.gz" ]
}
for id in schedule audio alert publish district.publisher district.monitor; do
	check "add-station refuses \"$id\": the district uses that name" refuses "$id" "the district uses that name"
done
check "add-station refuses \"Xã_1\": only lowercase a-z, digits and '-'" refuses "Xã_1" "use only lowercase letters a-z, digits and '-'"
check "add-station refuses an id that exists (s1)" refuses s1 "exists already"
check "add-station wants a name" sh -c "! '$LD' add-station '$D' s9 2>/dev/null && test ! -e '$D/stations/s9.tar.gz'"

# ---------------------------------------------------------------- the bundle
tar -tzvf "$D/stations/s2.tar.gz" >"$T/tar.lst"
check "the bundle holds loaxa.cfg, schedule.cfg, ca.crt, station.crt, station.key, district.pub at its top level" \
	test "$(awk '{ print $6 }' "$T/tar.lst" | sort | tr '\n' ' ')" = "ca.crt district.pub loaxa.cfg schedule.cfg station.crt station.key "
check "in the bundle the key is 0600, the rest 0644, owned by root" \
	sh -c "grep -q '^-rw------- 0/0 .* station.key$' '$T/tar.lst' && test \$(grep -c '^-rw-r--r-- 0/0 ' '$T/tar.lst') -eq 5"
check "the bundle itself is 0600 (it holds the station's key)" test "$(stat -c %a "$D/stations/s2.tar.gz")" = 600
B=$T/b/s2
bundle_cfg() {
	grep -qx "station = { id = \"s2\"; region = \"$R\"; name = \"Đài truyền thanh xã s2\"; };" "$B/loaxa.cfg" &&
	grep -qx "mqtt = { host = \"127.0.0.1\"; port = $DPORT; tls = { ca = \"ca.crt\"; cert = \"station.crt\"; key = \"station.key\"; }; };" "$B/loaxa.cfg" &&
	grep -qx 'storage = { dir = "/var/lib/loaxa"; };' "$B/loaxa.cfg" &&
	grep -qx 'control = { socket = "/run/loaxa/control.sock"; };' "$B/loaxa.cfg" &&
	grep -qx 'schedule = { file = "schedule.cfg"; };' "$B/loaxa.cfg" &&
	grep -qx 'district = { public_key = "district.pub"; };' "$B/loaxa.cfg"
}
check "the bundle's loaxa.cfg: the station, the broker over TLS, storage, control, schedule, district key" bundle_cfg
check "the bundle's certificate is the station's (CN s2), signed by the district CA" \
	sh -c "openssl verify -CAfile '$B/ca.crt' '$B/station.crt' >/dev/null && openssl x509 -in '$B/station.crt' -noout -subject | grep -q 'CN = s2'"
# The same configuration without TLS, to check the empty schedule with loaxad's own checker.
sed 's/ tls = {[^}]*};//; s#"/var/lib/loaxa"#"state"#; s#"/run/loaxa/control.sock"#"c.sock"#' "$B/loaxa.cfg" >"$B/notls.cfg"
check "the bundle's empty schedule is valid (loaxad --check: 0 slots)" \
	sh -c "'$BUILD/loaxad' -c '$B/notls.cfg' --check 2>&1 | grep -q 'configuration OK; schedule .*: 0 slots'"

# ---------------------------------------------------------------- loaxa-station install --root
"$LS" install "$D/stations/s1.tar.gz" --root "$T/st1" >"$T/install.out" 2>&1 || cat "$T/install.out" >&2
"$LS" install "$D/stations/s2.tar.gz" --root "$T/st2" >>"$T/install.out" 2>&1 || cat "$T/install.out" >&2
E=$T/st1/etc/loaxa
installed_paths() {
	for l in "mqtt = { host = \"127.0.0.1\"; port = $DPORT; tls = { ca = \"$E/ca.crt\"; cert = \"$E/station.crt\"; key = \"$E/station.key\"; }; };" \
	    "storage = { dir = \"$T/st1/var/lib/loaxa\"; };" "control = { socket = \"$T/st1/run/loaxa/control.sock\"; };" \
	    "schedule = { file = \"$E/schedule.cfg\"; };" "district = { public_key = \"$E/district.pub\"; };"; do
		grep -qxF "$l" "$E/loaxa.cfg" || { echo "installed loaxa.cfg lacks: $l" >&2; return 1; }
	done
	# No path is left relative.
	! grep -E '(ca|cert|key|file|public_key|dir|socket) *= *"[^/]' "$E/loaxa.cfg"
}
check "install --root lays the station out under DIR, with every path in loaxa.cfg absolute" installed_paths
check "install --root: the files are there, the key 0600, the config 0640" \
	sh -c "cd '$E' && test -f ca.crt -a -f station.crt -a -f district.pub -a -f schedule.cfg && test \$(stat -c %a station.key) = 600 && test \$(stat -c %a loaxa.cfg) = 640"
check "install --root: a second station on the same machine, in its own tree" \
	grep -q 'station = { id = "s2";' "$T/st2/etc/loaxa/loaxa.cfg"
check "install refuses a file that is not a bundle" sh -c "! '$LS' install '$D/region' --root '$T/st9' 2>/dev/null"
check "loaxad --check accepts the installed configuration and its TLS files" \
	sh -c "'$BUILD/loaxad' -c '$E/loaxa.cfg' --check | grep -q 'TLS certificate .* OK, signed by .*, 36[0-9][0-9] days left'"

# ---------------------------------------------------------------- loaxa-station install, for real
# In a private mount namespace, /etc and /var are overlays whose changes
# vanish with it: the user, the groups, the unit and the files are made as on
# a controller, and this machine keeps none of them.
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	mkdir -p "$T/ov/etc" "$T/ov/etc.w" "$T/ov/var" "$T/ov/var.w"
	unshare -m sh -c "
		mount -t overlay overlay -o lowerdir=/etc,upperdir=$T/ov/etc,workdir=$T/ov/etc.w /etc &&
		mount -t overlay overlay -o lowerdir=/var,upperdir=$T/ov/var,workdir=$T/ov/var.w /var || exit 3
		'$LS' install '$D/stations/s3.tar.gz' >'$T/real.out' 2>&1 || exit 4
		id -nG loaxa
		stat -c '%n %U:%G %a' /etc/loaxa /etc/loaxa/loaxa.cfg /etc/loaxa/station.key /etc/loaxa/schedule.cfg /var/lib/loaxa
		runuser -u loaxa -- test -r /etc/loaxa/station.key && echo 'loaxa reads its key'
		runuser -u loaxa -- test -r /etc/loaxa/loaxa.cfg && echo 'loaxa reads its configuration'
		runuser -u nobody -- test -r /etc/loaxa/station.key || echo 'nobody else reads the key'
		grep -q '^DevicePolicy=closed' /etc/systemd/system/loaxad.service && echo 'the unit is installed'
	" >"$T/real.facts" 2>"$T/real.err"
	rc=$?
	if [ "$rc" -eq 3 ]; then
		ok "loaxa-station install on a controller # SKIP no overlay file system here"
	else
		check "install makes the user loaxa in the groups audio and loaxa-ops" \
			sh -c "head -n 1 '$T/real.facts' | grep -qw audio && head -n 1 '$T/real.facts' | grep -qw loaxa-ops"
		check "install: the key is loaxa's, 0600; the configuration root:loaxa-ops 0640; the schedule 0660 for operators" \
			sh -c "grep -qx '/etc/loaxa/station.key loaxa:loaxa 600' '$T/real.facts' &&
			    grep -qx '/etc/loaxa/loaxa.cfg root:loaxa-ops 640' '$T/real.facts' &&
			    grep -qx '/etc/loaxa/schedule.cfg root:loaxa-ops 660' '$T/real.facts' &&
			    grep -qx '/var/lib/loaxa loaxa:loaxa-ops 750' '$T/real.facts'"
		check "install: loaxa reads its key and configuration, nobody else reads the key" \
			sh -c "grep -q 'loaxa reads its key' '$T/real.facts' && grep -q 'loaxa reads its configuration' '$T/real.facts' && grep -q 'nobody else reads the key' '$T/real.facts'"
		check "install puts the hardened unit in /etc/systemd/system" grep -q 'the unit is installed' "$T/real.facts"
		[ "$rc" -eq 0 ] || { cat "$T/real.out" "$T/real.err" >&2; }
	fi
else
	ok "loaxa-station install on a controller # SKIP needs root and unshare -m (CI runs as root)"
fi

# ---------------------------------------------------------------- revoke
msub "$T/id/s3" "$DPORT" "$T/s3.log" "loaxa/$R/alert/#"
wait_for 10 live "$PUB" "$DPORT" "$T/s3.log" "loaxa/$R/alert/live-s3" || notok "s3 subscribes"
msub "$T/id/s2" "$DPORT" "$T/s2.log" "loaxa/$R/alert/#"
wait_for 10 live "$PUB" "$DPORT" "$T/s2.log" "loaxa/$R/alert/live-s2" || notok "s2 subscribes"
mpub "$T/id/s3" "$DPORT" "loaxa/$R/s3/status" '{"online":true,"station":"s3"}' -r
wait_for 10 grep -q "^loaxa/$R/s3/status {\"online\":true,\"station\":\"s3\"}" "$T/mon.log"
"$LD" revoke "$D" s3 --reload >"$T/revoke.out" 2>&1
check "revoke --reload revokes s3 and signals the broker" grep -q 'Sent SIGHUP to the broker' "$T/revoke.out"
check "revoke --reload clears the status s3 left retained (an empty retained message)" \
	sh -c "grep -q 'Cleared the status station \"s3\" left retained' '$T/revoke.out' && grep -Eqx 'loaxa/$R/s3/status( [(]null[)])? ?' '$T/mon.log'"
# retained_first TOPIC...: the topic of the first retained message of one
# SUBSCRIBE, which the broker sends in the order of its topics.
retained_first() {
	_rf=""
	for _t in "$@"; do _rf="$_rf -t $_t"; done
	# shellcheck disable=SC2086
	mosquitto_sub -V 5 -h 127.0.0.1 -p "$DPORT" --cafile "$D/ca/ca.crt" --cert "$MON.crt" \
	    --key "$MON.key" --retained-only -C 1 -W 10 -F '%t' $_rf
}
check "the broker keeps no status of s3 any more" \
	test "$(retained_first "loaxa/$R/s3/status" "loaxa/$R/s1/status")" = "loaxa/$R/s1/status"
check "revoke's own identity may clear the status of revoked stations only" \
	denied "$D/clients/district.revoke" "loaxa/$R/s1/status" forged-by-revoker
start=$(date +%s)
n=0 cut=""
while [ $(( $(date +%s) - start )) -le 10 ]; do
	n=$((n + 1))
	mpub "$PUB" "$DPORT" "loaxa/$R/alert/probe-$n" "probe-$n"
	# s2 got it: it was delivered; s3 did not: it is cut off.
	wait_for 5 grep -q "probe-$n\$" "$T/s2.log"
	if ! grep -q "probe-$n\$" "$T/s3.log"; then cut=$n; break; fi
done
check "a revoked station that was connected stops receiving within 10 s" test -n "$cut"
mpub "$PUB" "$DPORT" "loaxa/$R/alert/after-revoke" "after-revoke"
wait_for 5 grep -q 'after-revoke$' "$T/s2.log"
check "and receives nothing after that" sh -c "! grep -q 'after-revoke' '$T/s3.log'"
check "a revoked station cannot connect again (the CRL)" sh -c "! mosquitto_pub -V 5 -q 1 -h 127.0.0.1 -p $DPORT --cafile '$D/ca/ca.crt' --cert '$T/id/s3.crt' --key '$T/id/s3.key' -t loaxa/$R/s3/status -m revoked-again 2>/dev/null"
check "the ACL denies the revoked id everything" sh -c "grep -A1 -x 'user s3' '$D/broker/acl' | grep -qx 'topic deny #'"
check "revoke deletes the revoked station's bundle" test ! -e "$D/stations/s3.tar.gz"
check "add-station refuses a revoked id" refuses s3 "was revoked"
check "revoke refuses an id that is not a station" sh -c "! '$LD' revoke '$D' nosuch 2>/dev/null"
check "s1, not revoked, still gets through" mpub "$T/id/s1" "$DPORT" "loaxa/$R/s1/status" '{"online":true,"after":"revoke"}' -r

# ---------------------------------------------------------------- roles
# add-client --role collector (loaxa-collectd: the monitor's reads, and the
# dashboards' discovery of its own region) and --role dashboard (Home
# Assistant: reads the region and the discovery, writes its birth).
"$LD" add-client "$D" col --role collector --reload >"$T/role.out" 2>&1 || cat "$T/role.out" >&2
"$LD" add-client "$D" dash --role dashboard --reload >>"$T/role.out" 2>&1 || cat "$T/role.out" >&2
COL=$D/clients/district.col
DASH=$D/clients/district.dash
allowed() { mpub "$@" && ! grep -q 'Not authorized' "$T/mpub.err"; }
check "the collector may write its region's discovery, retained (once the broker reloaded)" \
	wait_for 10 allowed "$COL" "$DPORT" "homeassistant/device/$R/s1/config" '{"device":{}}' -r
check "denied: the collector writing another region's discovery" denied "$COL" "homeassistant/device/other-region/s1/config" forged-by-collector
check "denied: the collector writing discovery outside the device tree" denied "$COL" "homeassistant/sensor/$R/s1/config" forged-by-collector
check "denied: the collector writing a station's status" denied "$COL" "loaxa/$R/s1/status" forged-by-collector
check "denied: the collector writing Home Assistant's birth" denied "$COL" "homeassistant/status" forged-by-collector
msub "$COL" "$DPORT" "$T/col.log" "loaxa/$R/#"
check "the collector reads the region (s1's retained status)" wait_for 10 grep -q "^loaxa/$R/s1/status " "$T/col.log"
kill "$MSUB_PID"
msub "$COL" "$DPORT" "$T/coldisc.log" "homeassistant/device/$R/+/config"
check "the collector reads back its region's discovery (what it left when it starts)" \
	wait_for 10 grep -q "^homeassistant/device/$R/s1/config " "$T/coldisc.log"
kill "$MSUB_PID"
msub "$COL" "$DPORT" "$T/colha.log" "homeassistant/status"
check "the collector hears Home Assistant's birth" wait_for 10 live "$DASH" "$DPORT" "$T/colha.log" homeassistant/status
kill "$MSUB_PID"
msub "$DASH" "$DPORT" "$T/dash.log" "homeassistant/#"
check "a dashboard reads the discovery" wait_for 10 grep -q "^homeassistant/device/$R/s1/config " "$T/dash.log"
kill "$MSUB_PID"
check "denied: a dashboard writing the discovery" denied "$DASH" "homeassistant/device/$R/s1/config" forged-by-dashboard
check "denied: a dashboard writing a station's status" denied "$DASH" "loaxa/$R/s1/status" forged-by-dashboard
mpub "$COL" "$DPORT" "homeassistant/device/$R/s1/config" "" -r
check "add-client refuses a role it does not know, and names the roles" \
	sh -c "! '$LD' add-client '$D' x --role admin 2>'$T/role.err' && grep -q 'role collector' '$T/role.err'"

# ---------------------------------------------------------------- list
"$LD" list "$D" >"$T/list.out" 2>&1
check "list shows the stations with their certificates' expiry" \
	sh -c "grep -Eq '^s1 +station +[0-9]{4}-[0-9]{2}-[0-9]{2} +valid +Đài truyền thanh xã s1$' '$T/list.out' && grep -Eq '^s2 +station +[0-9-]{10} +valid' '$T/list.out'"
check "list shows a revoked station as revoked, with the date" grep -Eq '^s3 +station +[0-9-]{10} +REVOKED [0-9]{4}-' "$T/list.out"
check "list shows the CRL's end, and does not warn a year ahead" sh -c "grep -q '^CRL: valid until' '$T/list.out' && ! grep -q warning '$T/list.out'"

# ---------------------------------------------------------------- the CRL
# On the other CA (its broker never runs): time moves on with faketime.
check "list warns when the CRL's nextUpdate is near" \
	sh -c "faketime -f +320d '$LD' list '$T/rogue' 2>&1 | grep -q 'warning: the CRL expires in'"
check "list warns loudly when the CRL has expired" \
	sh -c "faketime -f +400d '$LD' list '$T/rogue' 2>&1 | grep -q 'the CRL EXPIRED'"
faketime -f +320d "$LD" crl "$T/rogue" >/dev/null 2>&1
check "crl renews it for another year (what the monthly timer runs)" \
	sh -c "! faketime -f +320d '$LD' list '$T/rogue' 2>&1 | grep -q warning"
check "crl refuses to work without the CA key, and says why" \
	sh -c "mv '$T/rogue/ca/ca.key' '$T/ca.key.offline' && ! '$LD' crl '$T/rogue' 2>'$T/crl.err'; grep -q 'CA.s key .* is not on this' '$T/crl.err'"

# ---------------------------------------------------------------- the bridge
P=$T/province
init_district "$P" --broker 127.0.0.1,localhost || notok "a second district's broker starts, for the province"
PMQ=$MQ_PID
PPORT=$(cat "$P/port")
# The province enrols the district's bridge, and allows it what bridge prints.
"$LD" add-station "$P" district-"$R" --name "Huyện $R" >/dev/null 2>&1
mkdir -p "$T/b/bridge"
tar -xzf "$P/stations/district-$R.tar.gz" -C "$T/b/bridge"
check "bridge refuses a key that is not its certificate's" \
	sh -c "! '$LD' bridge '$D' --to 127.0.0.1:$PPORT --ca '$P/ca/ca.crt' --cert '$T/b/bridge/station.crt' --key '$T/id/s1.key' 2>/dev/null"
"$LD" bridge "$D" --to "127.0.0.1:$PPORT" --ca "$P/ca/ca.crt" --cert "$T/b/bridge/station.crt" \
    --key "$T/b/bridge/station.key" >"$T/bridge.out" 2>&1 || cat "$T/bridge.out" >&2
check "bridge says what the province must allow the district" grep -q "topic write loaxa/$R/+/status" "$T/bridge.out"
sed -n '/^user/,$p' "$D/broker/bridge/province.acl" >>"$P/broker/acl"
kill -HUP "$PMQ"
# Bridges are read when mosquitto starts.
kill "$DMQ"
wait "$DMQ" 2>/dev/null
start_district_broker "$D" || notok "the district's broker starts again with its bridge"
DMQ=$MQ_PID
CAFILE=$P/ca/ca.crt
msub "$P/clients/district.monitor" "$PPORT" "$T/pmon.log" "loaxa/#"
wait_for 10 live "$P/clients/district.publisher" "$PPORT" "$T/pmon.log" "loaxa/$R/publish/live-pmon" ||
	notok "the province's monitor subscribes"
CAFILE=
mpub "$T/id/s1" "$DPORT" "loaxa/$R/s1/status" '{"online":true,"via":"bridge"}' -r
check "the bridge: the province's monitor sees a station's status" \
	wait_for 20 grep -q "^loaxa/$R/s1/status {\"online\":true,\"via\":\"bridge\"}" "$T/pmon.log"
msub "$T/id/s2" "$DPORT" "$T/s2b.log" "loaxa/$R/alert/#"
wait_for 10 live "$PUB" "$DPORT" "$T/s2b.log" "loaxa/$R/alert/live-s2b" || notok "s2 subscribes again"
CAFILE=$P/ca/ca.crt
mpub "$P/clients/district.publisher" "$PPORT" "loaxa/$R/alert/tinh-1" "alert from the province"
CAFILE=
check "the bridge: an alert the province publishes reaches a district's station" \
	wait_for 20 grep -q "^loaxa/$R/alert/tinh-1 alert from the province" "$T/s2b.log"
check "the bridge carries only the region's reports up: the publisher's probe stays in the district" \
	sh -c "! grep -q 'publish/live-s2b' '$T/pmon.log'"
