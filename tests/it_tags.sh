#!/bin/sh
# Tags: a bulletin queued with --tag, a local slot with tags and a district
# schedule with tags all play, and every event of theirs carries "tags" (in
# order, each once) on the broker and in the station's own log; an untagged
# bulletin's events have no "tags". Bad tags are refused where they come in.
# Real parts: mosquitto over TLS, loaxad on the ALSA null device, loaxactl
# queue/publish/log, the district's key. Every wait is for events.
. tests/lib.sh
R=hon-quan

BROKER_CLIENTS="collector"	# the district's collector imports the station's log at the end
start_broker || { notok "broker starts"; exit 1; }
subscribe "$T/mqtt.log"
"$BUILD/loaxactl" keygen "$T/district.key" >/dev/null

# A local schedule: a one-off slot with tags, whose first item adds its own.
S=$T/station
mkdir -p "$S"
cp "$FIX/bản tin số 1.opus" "$FIX/thông báo.opus" "$S/"
cat >"$S/schedule.cfg" <<EOF
slots = ( { title = "Bản tin giảm nghèo"; at = "$(at_plus 20)"; tags = [ "giam-ngheo", "du-an-6" ];
  items = ( { file = "bản tin số 1.opus"; tags = [ "Nông thôn mới", "giam-ngheo" ]; },
            { file = "thông báo.opus"; } ); } );
EOF
station_config "$S" tan-thanh null "$S/schedule.cfg"
echo "district = { public_key = \"$T/district.key.pub\"; };" >>"$S/loaxa.cfg"
start_station "$S"

# tags_of EVENT JQ-SELECT: the "tags" of the first such event, compact ("none": no key).
tags_of() {
	events "$T/mqtt.log" "$1" | jq -c "select($2) | if has(\"tags\") then .tags else \"none\" end" |
		head -n 1
}
# every_tagged EVENT JQ-SELECT TAGS: every such event carries exactly TAGS (compact JSON).
every_tagged() {
	events "$T/mqtt.log" "$1" | jq -s -e "[.[] | select($2)] | length > 0 and
		all(.[]; .tags == $3)" >/dev/null
}
# both_tagged JQ-SELECT TAGS: its started and its finished events carry exactly TAGS.
both_tagged() { every_tagged started "$1" "$2" && every_tagged finished "$1" "$2"; }
# untagged JQ-SELECT: its started and finished events were sent, and have no "tags".
untagged() {
	[ "$(tags_of started "$1")" = '"none"' ] && [ "$(tags_of finished "$1")" = '"none"' ]
}
# has_event EVENT JQ-SELECT [COUNT]: at least COUNT (1) such events were sent.
has_event() {
	events "$T/mqtt.log" "$1" | jq -s -e "[.[] | select($2)] | length >= ${3:-1}" >/dev/null
}
# tags_refused REPLY: the daemon's reply refuses the request for its tags.
tags_refused() {
	echo "$1" | jq -e '.ok == false and (.error | startswith("cannot queue with these tags: "))' \
		>/dev/null
}
# listed ID TAGS: list --json shows queued item ID with exactly TAGS.
listed() {
	ctl "$S" list --json | jq -e ".queue[] | select(.id == $1) | .tags == $2" >/dev/null
}

# 1. The operator's queue: --tag and --tags, a repeated tag kept once.
out=$(ctl "$S" queue "$FIX/thông báo.opus" --title "Họp dân" --tag giam-ngheo \
	--tags "du-an-6,Nông thôn mới" --tag du-an-6 --at "$(at_plus 3600)"); rc=$?
echo "# loaxactl queue said: $out"
id=$(echo "$out" | head -n 1)
check "queue with tags exits 0 and says the tags it kept" \
	sh -c "[ $rc -eq 0 ] && echo '$out' | grep -qx 'Tags: giam-ngheo, du-an-6, Nông thôn mới'"
Q='["giam-ngheo","du-an-6","Nông thôn mới"]'
check "list --json shows the queued item's tags" listed "$id" "$Q"
check "list shows them to people too" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list | \
	grep 'Họp dân' | grep -q 'tags: giam-ngheo, du-an-6, Nông thôn mới'"

# The tags are kept with the item on disk: a SIGKILL and a restart keep them.
kill -9 "$STATION_PID"; wait "$STATION_PID" 2>/dev/null
rm -f "$S/control.sock"
start_station "$S"
check "after SIGKILL and restart the queued item still has its tags" listed "$id" "$Q"
ctl "$S" cancel "$id" >/dev/null
out=$(ctl "$S" queue "$FIX/bản tin số 1.opus" --title "Tin ngay" --tags "du-an-6,giam-ngheo")
id=$(echo "$out" | head -n 1)
check "a tagged queued item plays" wait_for 30 has_event finished ".queue_id == $id"
check "its started and finished events carry its tags, in order" \
	both_tagged ".queue_id == $id" '["du-an-6","giam-ngheo"]'
out=$(ctl "$S" queue "$FIX/bản tin số 1.opus" --title "Không nhãn")
id0=$(echo "$out" | head -n 1)
check "an untagged queued item plays" wait_for 30 has_event finished ".queue_id == $id0"
check "its events have no \"tags\" at all" untagged ".queue_id == $id0"

# Bad tags are refused by loaxactl, and by the daemon from any client.
# refused_with WANT-RC RC TEXT WORDS: loaxactl exited WANT-RC and TEXT says WORDS.
refused_with() { [ "$2" -eq "$1" ] && printf '%s\n' "$3" | grep -q "$4"; }
err=$(ctl "$S" queue "$FIX/thông báo.opus" --tag " giam-ngheo" 2>&1 >/dev/null); rc=$?
echo "# refusal: $(printf '%s\n' "$err" | head -n 1)"
check "a tag with a leading space is refused (exit 2) with the reason" \
	refused_with 2 $rc "$err" 'tag " giam-ngheo": a tag starts or ends with a space'
err=$(ctl "$S" queue "$FIX/thông báo.opus" --tags "$(seq -s, 1 17)" 2>&1 >/dev/null); rc=$?
check "17 tags are refused (exit 2): at most 16" refused_with 2 $rc "$err" "at most 16 tags"
long=$(printf 'x%.0s' $(seq 1 65))
err=$(ctl "$S" queue "$FIX/thông báo.opus" --tag "$long" 2>&1 >/dev/null); rc=$?
check "a 65-byte tag is refused (exit 2)" refused_with 2 $rc "$err" "is 65 bytes long"
for bad in '"tags":"giam-ngheo"' '"tags":["a",7]' '"tags":["a\u0007b"]' '"tags":[""]'; do
	out=$(timeout 20 "$BUILD/tools/ctl_send" "$S/control.sock" "$FIX/thông báo.opus" \
		"{\"cmd\":\"queue\",\"name\":\"x.opus\",$bad}" 10)
	echo "# $bad: $out"
	check "the daemon refuses $bad with a sentence" tags_refused "$out"
done
check "nothing was queued by the refusals" sh -c "'$BUILD/loaxactl' -s '$S/control.sock' list --json | \
	jq -e '.queue | length == 0' >/dev/null"

# 2. The local slot: its tags on every item, the first item's own after them.
L='.slot == "Bản tin giảm nghèo"'
check "the tagged local slot plays both its bulletins" wait_for 60 has_event finished "$L" 2
check "the first item's events carry the slot's tags, then its own" \
	both_tagged "$L and .file == \"bản tin số 1.opus\"" '["giam-ngheo","du-an-6","Nông thôn mới"]'
check "the second item's events carry the slot's tags" \
	both_tagged "$L and .file == \"thông báo.opus\"" '["giam-ngheo","du-an-6"]'


# 3. A district schedule with tags: published, armed, played, tagged.
mkdir -p "$T/office"
cp "$FIX/stereo.opus" "$T/office/chăn nuôi.opus"
cat >"$T/office/district.cfg" <<EOF
slots = ( { title = "Bản tin huyện"; at = "$(at_plus 25)"; grace = 120; tags = [ "du-an-6" ];
  items = ( { file = "chăn nuôi.opus"; tags = [ "sinh kế" ]; } ); } );
EOF
pub() { "$BUILD/loaxactl" publish "$T/office/district.cfg" --region $R --key "$T/district.key" \
	$BROKER_OPTS "$@"; }
pub --dry-run >"$T/dry.out" 2>&1
check "publish --dry-run shows the item's tags" grep -q "tags: du-an-6, sinh kế" "$T/dry.out"
pub >"$T/pub.out" 2>&1
check "publish with tags exits 0" grep -q "^Published district schedule" "$T/pub.out"
mqtt_sub -t "loaxa/$R/schedule" -C 1 -W 5 >"$T/manifest.json"
check "the signed manifest carries the tags (format 2)" sh -c "jq -r .manifest '$T/manifest.json' | \
	jq -e '.format == 2 and .slots[0].tags == [\"du-an-6\"] and .slots[0].items[0].tags == [\"sinh kế\"]' >/dev/null"
check "the station arms it" wait_for 30 has_event schedule_armed true
check "and plays its slot" wait_for 60 has_event finished '.slot == "Bản tin huyện"'
check "whose events carry the district's tags, the slot's first" \
	both_tagged '.slot == "Bản tin huyện"' '["du-an-6","sinh kế"]'

# 4. The station's own log has the same records, tags and all (the collector imports it).
ctl "$S" log --json >"$T/log.json"
check "loaxactl log --json shows the tags of every tagged record" \
	sh -c "jq -e '[.records[] | select(.slot == \"Bản tin huyện\" or .slot == \"Bản tin giảm nghèo\")] |
	length == 6 and all(.[]; (.tags | length) >= 2)' '$T/log.json' >/dev/null"
check "and none on the untagged one's" \
	sh -c "jq -e '[.records[] | select(.queue_id == $id0)] | length == 2 and all(.[]; has(\"tags\") | not)' \
	'$T/log.json' >/dev/null"

# 5. The district's collector takes the tags from that log as the JSON array they are.
DB=$T/collector/collector.db
cp "$DISTRICT/clients/district.collector.cfg" "$T/collector.cfg"
echo "collector = { database = \"$DB\"; };" >>"$T/collector.cfg"
"$BUILD/loaxa-collectd" -c "$T/collector.cfg" --import "$T/log.json" >"$T/import.out" 2>&1
sed 's/^/# /' "$T/import.out"
q() { sqlite3 -cmd '.timeout 5000' "$DB" "$1"; }
check "loaxa-collectd --import keeps the tags of the district slot's records" \
	[ "$(q "SELECT DISTINCT tags FROM record WHERE slot = 'Bản tin huyện'")" = '["du-an-6","sinh kế"]' ]
check "and none for the untagged item's" \
	[ "$(q "SELECT count(*) FROM record WHERE queue_id = $id0 AND tags IS NULL")" = 2 ]
check "a tag adds up: the records tagged giam-ngheo are the local slot's and the queued item's" \
	[ "$(q "SELECT count(*) FROM record, json_each(record.tags) WHERE json_each.value = 'giam-ngheo'")" = 6 ]
