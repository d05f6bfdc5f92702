#!/bin/sh
# The attention chime and the volume, on the real daemon through real ALSA (the
# file plugin): the chime of a class sounds right before a slot's first
# bulletin, in the same stream (no gap, no reopen), once per slot; "none"
# sounds nothing; an emergency gets the emergency tone; a slot's and a class's
# volume change the level heard by the dB written; a chime that cannot play is
# refused by --check with its line, and at run time the bulletin plays without
# it.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
cp "$FIX/bản tin số 1.opus" "$FIX/thông báo.opus" "$S/"
B1="$S/bản tin số 1.opus"
B2="$S/thông báo.opus"
station_config "$S" tan-thanh "file:'$S/out.raw',raw" "$S/schedule.cfg"
# The class settings go in the audio group.
sed -i 's|channels = 1; };|channels = 1;\
  chime = { normal = "default"; priority = "none"; emergency = "default"; };\
  volume = { priority = -10; }; };|' "$S/loaxa.cfg"
AT=$(at_plus 4)
cat >"$S/schedule.cfg" <<EOF
slots = (
  { title = "Bản tin sáng"; at = "$AT";
    items = ( { file = "bản tin số 1.opus"; }, { file = "thông báo.opus"; } ); }
);
EOF
check "loaxad --check accepts chimes and volumes by class" \
	sh -c "'$BUILD/loaxad' -c '$S/loaxa.cfg' --check >/dev/null"
subscribe "$T/mqtt.log"
start_station "$S"

ref() { "$BUILD/tools/opus_refdecode" "$1" "$2" 1; }
ref "$TOP/config/chimes/chime.opus" "$T/chime.raw"
ref "$TOP/config/chimes/emergency.opus" "$T/tone.raw"
ref "$B1" "$T/b1.raw"
ref "$B2" "$T/b2.raw"
idle() { ctl "$S" status --json | jq -e '.state == "idle"' >/dev/null; }
size() { wc -c <"$1"; }
# take NAME REF: once the capture holds as much as REF, keep it as NAME.raw.
take() { wait_for 10 idle && wait_for 10 sh -c "[ \$(wc -c <'$S/out.raw') -ge $(size "$2") ]"; \
	cp "$S/out.raw" "$T/$1.raw"; }
cmp_pcm() { "$BUILD/tools/pcm_compare" "$1" "$2" 1 200; }
# exact: pcm_compare's "$@" says the capture is the reference, no more, no less, aligned.
exact() { [ "$1" -eq "$2" ] && [ "$3" -eq 0 ] && ge "$4" 50; }
started() { events "$T/mqtt.log" started | sed -n "$1p"; }

# 1. The slot: chime, then its two bulletins, in one stream.
check "the slot's two bulletins finish" wait_for 30 has_events "$T/mqtt.log" finished 2
cat "$T/chime.raw" "$T/b1.raw" "$T/b2.raw" >"$T/ref1.raw"
take slot "$T/ref1.raw"
set -- $(cmp_pcm "$T/ref1.raw" "$T/slot.raw")
echo "# pcm_compare chime+b1+b2 / capture: $*"
check "the capture is the chime then the bulletins: as many frames, nothing added (no gap)" [ "$1" -eq "$2" ]
check "the chime comes right before the bulletin, aligned (shift 0)" [ "$3" -eq 0 ]
check "the capture matches the decoded chime and bulletins (SNR >= 50 dB)" ge "$4" 50
check "the first bulletin's started says the chime sounded before it" \
	sh -c "echo '$(started 1)' | jq -e '.chime == \"default\"' >/dev/null"
check "the slot's second bulletin has no chime of its own" \
	sh -c "echo '$(started 2)' | jq -e 'has(\"chime\") | not' >/dev/null"

# 2. A priority item: its class has "none" and a volume of -10 dB.
ctl "$S" queue "$B1" --class priority >/dev/null
check "the priority item finishes" wait_for 30 has_events "$T/mqtt.log" finished 3
take prio "$T/b1.raw"
set -- $(cmp_pcm "$T/b1.raw" "$T/prio.raw")
echo "# pcm_compare b1 / capture at the priority class's -10 dB: $*"
check "\"none\": nothing sounds before the bulletin (same frames, shift 0)" \
	sh -c "[ $1 -eq $2 ] && [ $3 -eq 0 ]"
check "the class's volume lowers what is heard by 10 dB (+-0.5)" \
	awk -v g="$5" 'BEGIN { exit !(g >= -10.5 && g <= -9.5) }'
check "the gain is all the difference (SNR after the gain >= 40 dB)" ge "$6" 40
check "its started has no chime" sh -c "echo '$(started 3)' | jq -e 'has(\"chime\") | not' >/dev/null"

# 3. An emergency: the emergency tone, then the bulletin.
ctl "$S" queue "$B2" --class emergency >/dev/null
check "the emergency item finishes" wait_for 30 has_events "$T/mqtt.log" finished 4
cat "$T/tone.raw" "$T/b2.raw" >"$T/ref3.raw"
take emer "$T/ref3.raw"
set -- $(cmp_pcm "$T/ref3.raw" "$T/emer.raw")
echo "# pcm_compare tone+b2 / capture: $*"
check "the emergency tone sounds right before the emergency (same frames, shift 0, SNR >= 50)" \
	exact "$@"
check "its started names the emergency tone" \
	sh -c "echo '$(started 4)' | jq -e '.chime == \"default-emergency\" and .class == \"emergency\"' >/dev/null"

# priority_slot VOLUME N NAME: a priority slot (no chime) of thông báo.opus at VOLUME
# dB, 3 s from now by a reload; once it is the Nth to finish, its capture is NAME.raw
# and pcm_compare's figures against the bulletin are in "$@".
priority_slot() {
	cat >"$S/schedule.cfg" <<EOF
slots = ( { title = "Thông báo"; at = "$(at_plus 3)"; class = "priority"; volume = $1;
            items = ( { file = "thông báo.opus"; } ); } );
EOF
	ctl "$S" reload >/dev/null
	check "the slot at $1 dB finishes" wait_for 30 has_events "$T/mqtt.log" finished "$2"
	take "$3" "$T/b2.raw"
}

# 4. A slot's own volume replaces its class's.
priority_slot -6 5 slotvol
set -- $(cmp_pcm "$T/b2.raw" "$T/slotvol.raw")
echo "# pcm_compare b2 / capture at the slot's -6 dB: $*"
check "the slot's volume = -6 lowers what is heard by 6 dB (+-0.5), not its class's 10" \
	awk -v g="$5" 'BEGIN { exit !(g >= -6.5 && g <= -5.5) }'

# 4b. +12 dB takes the bulletin's peaks past full scale: clamped (and said), never wrapped round.
priority_slot 12 6 loud
set -- $(cmp_pcm "$T/b2.raw" "$T/loud.raw")
echo "# pcm_compare b2 / capture at +12 dB: $*"
check "it is louder, less than 12 dB where the peaks were clamped (6 to 12 dB)" \
	awk -v g="$5" 'BEGIN { exit !(g > 6 && g <= 12.05) }'
# A sample wrapped round changes sign: the capture would no longer follow the bulletin.
check "clamped, not wrapped: it still follows the bulletin (SNR after the gain >= 5 dB; wrapped: -10)" \
	ge "$6" 5
check "the log says how many samples were clamped, and what to do" \
	grep -q 'thông báo.opus" at +12.0 dB: [0-9]* samples went past full scale and were clamped.*lower the volume' "$S/loaxad.log"
stop_station "$STATION_PID"

# 5. A chime that is not Ogg Opus: --check says where and what to do; the station plays without it.
head -c 3000 "$TOP/config/chimes/chime.opus" >"$S/hỏng.opus"	# truncated
sed -i 's|normal = "default"|normal = "hỏng.opus"|' "$S/loaxa.cfg"
"$BUILD/loaxad" -c "$S/loaxa.cfg" --check >"$T/check.out" 2>&1; rc=$?
echo "# --check said: $(cat "$T/check.out")"
check "--check refuses a chime that cannot play (exit 1)" [ "$rc" -eq 1 ]
check "--check names the file, the line, the setting and what to do" \
	grep -q "loaxa.cfg:[0-9]*: audio.chime.normal: the chime \"$S/hỏng.opus\" cannot be played: .*\"default\"" "$T/check.out"
AT=$(at_plus 3)
cat >"$S/schedule.cfg" <<EOF
slots = ( { title = "Bản tin trưa"; at = "$AT"; items = ( { file = "bản tin số 1.opus"; } ); } );
EOF
: >"$S/loaxad.log"
start_station "$S"
check "the station starts all the same, and its log says the class plays without a chime" \
	grep -q 'audio.chime.normal: .*plays without a chime' "$S/loaxad.log"
check "the bulletin plays" wait_for 30 has_events "$T/mqtt.log" finished 7
take nochime "$T/b1.raw"
set -- $(cmp_pcm "$T/b1.raw" "$T/nochime.raw")
echo "# pcm_compare b1 / capture without the bad chime: $*"
check "only the bulletin is heard, whole (same frames, shift 0, SNR >= 50)" \
	exact "$@"
check "its started has no chime" sh -c "echo '$(started 7)' | jq -e 'has(\"chime\") | not' >/dev/null"
stop_station "$STATION_PID"

# 6. In real time, on the virtual card that runs dry like hardware: the tone and
# the bulletin are one run of the card, with no underrun between them.
vcard_setup card
V=$T/vstation
station_config "$V" vcard "$VCARD_DEV"
sed -i 's|channels = 1; };|channels = 1; chime = { emergency = "default"; }; };|' "$V/loaxa.cfg"
start_station "$V"
ctl "$V" queue "$B2" --class emergency >/dev/null
check "the emergency plays on the virtual card" wait_for 40 has_events "$T/mqtt.log" finished 8
closed() { ctl "$V" status --json | jq -e '.state == "idle"' >/dev/null && grep -q ' close$' "$VCARD_LOG"; }
check "then the station closes the card" wait_for 10 closed
"$BUILD/tools/vcard_report" "$VCARD_LOG" >"$T/v.rep"
sed 's/^/#   /' "$T/v.rep"
check "tone and bulletin are one run of the card (the device is not reopened)" \
	[ "$(grep -c '^start ' "$T/v.rep")" -eq 1 ]
check "with no underrun between them" [ "$(awk '$1 == "xruns" { print $2; exit }' "$T/v.rep")" -eq 0 ]
set -- $(cmp_pcm "$T/ref3.raw" "$VCARD_RAW")
echo "# pcm_compare tone+b2 / the card's capture: $*"
check "the card heard the tone then the bulletin, nothing between (same frames, shift 0, SNR >= 50)" \
	exact "$@"
