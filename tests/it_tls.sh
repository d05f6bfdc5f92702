#!/bin/sh
# The station over TLS (issue 11), end to end: a district made by
# loaxa-district, its broker run as it is, stations installed from their real
# bundles by loaxa-station. A station connects with its certificate, reports,
# arms and plays what 'loaxactl -c district.cfg publish' sent; the broker
# refuses what a station may not write and the station counts it, keeping the
# records; a revoked station stops getting through; a broker whose certificate
# does not name the host the station was given is refused.
. tests/lib.sh

LS=$TOP/provisioning/loaxa-station
R=hon-quan
start_broker || { notok "the district's broker starts"; exit 1; }
subscribe "$T/mon.log"

# install ID: the station's bundle installed under $T/ID, to play on ALSA null.
install() {
	LOAXACTL=$BUILD/loaxactl "$LOAXA_DISTRICT" add-station "$DISTRICT" "$1" \
	    --name "Đài truyền thanh xã $1" >>"$T/district.log" 2>&1 &&
	"$LS" install "$DISTRICT/stations/$1.tar.gz" --root "$T/$1" >>"$T/install.log" 2>&1 &&
	sed -i 's/^#* *audio *=.*/audio = { device = "null"; };/' "$T/$1/etc/loaxa/loaxa.cfg" &&
	grep -q '^audio = { device = "null"; };' "$T/$1/etc/loaxa/loaxa.cfg" ||
		echo 'audio = { device = "null"; };' >>"$T/$1/etc/loaxa/loaxa.cfg"
}
# run ID: loaxad on the installed station; sets STATION_PID.
run() {
	"$BUILD/loaxad" -c "$T/$1/etc/loaxa/loaxa.cfg" -v >>"$T/$1.log" 2>&1 &
	STATION_PID=$!
	PIDS="$PIDS $STATION_PID"
	wait_for 10 test -S "$T/$1/run/loaxa/control.sock"
}
sctl() { _s=$1; shift; "$BUILD/loaxactl" -s "$T/$_s/run/loaxa/control.sock" "$@"; }
status_is() { sctl "$1" status --json | jq -e "$2" >/dev/null; }

install tan-thanh || { notok "a station is installed from its bundle"; cat "$T/install.log" >&2; exit 1; }
check "loaxad --check: the TLS files are good, the certificate has about 10 years left" \
	sh -c "'$BUILD/loaxad' -c '$T/tan-thanh/etc/loaxa/loaxa.cfg' --check | grep -q 'TLS certificate .* OK, signed by .*, 36[0-9][0-9] days left'"
run tan-thanh || { notok "the installed station starts"; exit 1; }
online() { last_status "$T/mon.log" tan-thanh | jq -e '.online == true and .mqtt.connected == true' >/dev/null; }
check "the station connects over TLS with its certificate, and the monitor sees its status" \
	wait_for 20 online
check "its status says how long its certificate has left, with no warning" \
	status_is tan-thanh '.tls.cert_days_left > 3600 and (.tls | has("warning") | not) and .mqtt.refused == 0'

# The district publishes with district.cfg alone: the region, key, broker and TLS come from it.
mkdir -p "$T/office"
cp "$FIX/thông báo.opus" "$T/office/thông báo.opus"
AT=$(at_plus 12)
echo "slots = ( { title = \"Bản tin huyện\"; at = \"$AT\"; items = ( { file = \"thông báo.opus\"; } ); } );" \
    >"$T/office/lich.cfg"
"$BUILD/loaxactl" -c "$DISTRICT/district.cfg" publish "$T/office/lich.cfg" >"$T/publish.out" 2>&1 ||
	{ notok "loaxactl -c district.cfg publish"; cat "$T/publish.out" >&2; }
check "the station arms the schedule loaxactl -c district.cfg published" \
	wait_for 30 has_events "$T/mon.log" schedule_armed 1
check "and plays it: its proof of play reaches the monitor" \
	wait_for 40 sh -c "grep -a '^loaxa/$R/tan-thanh/events ' '$T/mon.log' | grep '\"event\":\"finished\"' | grep -q 'Bản tin huyện'"

# A station configured with another station's id: the broker refuses what it
# writes there, the station counts the refusals and keeps its records.
install xa-mot || notok "a second station is installed"
sed -i 's/id = "xa-mot"/id = "xa-hai"/' "$T/xa-mot/etc/loaxa/loaxa.cfg"
run xa-mot || notok "it starts"
MOT=$STATION_PID
refused() { status_is xa-mot '.mqtt.connected and .mqtt.refused > 0 and (.mqtt.last_refusal | test("^Not authorized: loaxa/hon-quan/xa-hai/"))'; }
check "a station writing another station's topics is refused, and says so in its status" \
	wait_for 20 refused
sctl xa-mot queue "$FIX/thông báo.opus" >/dev/null
kept() { [ "$(sqlite3 "$T/xa-mot/var/lib/loaxa/loaxa.db" 'select count(*) from outbox' 2>/dev/null)" -ge 2 ]; }
check "its refused records stay in its outbox" wait_for 30 kept
check "none of it reaches the monitor" sh -c "! grep -aq '^loaxa/$R/xa-hai/' '$T/mon.log'"
stop_station "$MOT"

# A revoked station that is connected stops getting through within 10 s.
"$LOAXA_DISTRICT" revoke "$DISTRICT" tan-thanh --reload >>"$T/district.log" 2>&1 ||
	notok "loaxa-district revoke --reload"
sleep 1
sctl tan-thanh mute --for 1m >/dev/null 2>&1
muted_seen() { last_status "$T/mon.log" tan-thanh | jq -e '.muted != null' >/dev/null; }
check "after revoke --reload, the connected station's news no longer reaches the monitor" \
	sh -c "! wait_for 10 muted_seen"
check "the station sees its publishes refused" \
	wait_for 10 status_is tan-thanh '.mqtt.refused > 0'

# The broker's certificate must name the host as the station was given it: a
# district whose broker is named "localhost" only, reached as 127.0.0.1.
MAIN_DISTRICT=$DISTRICT MAIN_PORT=$PORT
DISTRICT=$T/other BROKER_NAMES=localhost
start_broker || notok "a second district's broker starts"
install xa-ba || notok "a station of the second district is installed"
C=$T/xa-ba/etc/loaxa/loaxa.cfg
sed -i 's/host = "localhost"/host = "127.0.0.1"/' "$C"
run xa-ba || notok "it starts"
BA=$STATION_PID
mismatch() { status_is xa-ba '(.mqtt.connected | not) and (.mqtt.state | test("certificate is not valid for \"127.0.0.1\": IP address mismatch"))'; }
check "a broker whose certificate does not name 127.0.0.1 is refused when the station was given 127.0.0.1" \
	wait_for 20 mismatch
stop_station "$BA"
sed -i 's/host = "127.0.0.1"/host = "localhost"/' "$C"
run xa-ba || notok "it starts again"
check "given localhost, the name in the certificate, it connects" \
	wait_for 20 status_is xa-ba '.mqtt.connected'
DISTRICT=$MAIN_DISTRICT PORT=$MAIN_PORT

# A broker that takes passwords (TLS for the server only): mqtt.username with
# mqtt.password_file; a wrong password is refused, and the status says so.
PW_PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
mosquitto_passwd -c -b "$T/passwd" xa-bon 'mật khẩu đúng' 2>/dev/null
chmod 0644 "$T/passwd"
cat >"$T/pw.conf" <<CONF
listener $PW_PORT 127.0.0.1
cafile $DISTRICT/broker/ca.crt
certfile $DISTRICT/broker/broker.crt
keyfile $DISTRICT/broker/broker.key
allow_anonymous false
password_file $T/passwd
CONF
mosquitto -c "$T/pw.conf" >"$T/pw.log" 2>&1 &
PIDS="$PIDS $!"
install xa-bon || notok "a station for the password broker is installed"
C=$T/xa-bon/etc/loaxa/loaxa.cfg
printf 'mật khẩu sai\n' >"$T/xa-bon/etc/loaxa/mqtt.password"
sed -i "s/port = $PORT; /port = $PW_PORT; /; s/^mqtt = { /mqtt = { username = \"xa-bon\"; password_file = \"mqtt.password\"; /" "$C"
run xa-bon || notok "it starts"
BON=$STATION_PID
wrong() { status_is xa-bon '(.mqtt.connected | not) and (.mqtt.state | test("refused the connection: (Not authorized|Bad User Name or Password)"; "i"))'; }
check "with a wrong password the broker refuses the station, and the status says so" wait_for 20 wrong
stop_station "$BON"
printf 'mật khẩu đúng\n' >"$T/xa-bon/etc/loaxa/mqtt.password"
run xa-bon || notok "it starts again"
check "with the right password (the file's first line) it connects" \
	wait_for 20 status_is xa-bon '.mqtt.connected'
