#!/bin/sh
# Device faults: an audio device that cannot be used is reported within
# seconds and retried with back-off; when it comes back, the bulletin plays,
# without a restart.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
# The file plugin's folder does not exist yet: every write fails, like a card that is gone.
station_config "$S" thiet-bi "file:'$S/card/out.raw',raw"
subscribe "$T/mqtt.log"
start_station "$S"
ctl "$S" queue "$FIX/thông báo.opus" --title "Chờ loa" >/dev/null
failed() { ctl "$S" status --json | jq -e '.audio.state == "failed" and (.audio.error | length > 0)' >/dev/null; }
check "a device that fails is reported in the status within seconds" wait_for 5 failed
reported() { grep '^loaxa/hon-quan/thiet-bi/status' "$T/mqtt.log" | grep -q '"state":"failed"'; }
check "and on MQTT" wait_for 5 reported
answers() { ctl "$S" status >/dev/null; }
check "the daemon keeps running and answering" answers
cpu=$(awk '{print $14 + $15}' /proc/"$STATION_PID"/stat)
mkdir -p "$S/card"				# the card is back
finished() { events "$T/mqtt.log" finished | grep -q '"title":"Chờ loa"'; }
check "when the device comes back, the bulletin plays without a restart" wait_for 40 finished
ok_again() { ctl "$S" status --json | jq -e '.audio.state != "failed"' >/dev/null; }
check "the status no longer says failed" wait_for 10 ok_again
check "the capture holds the bulletin" test -s "$S/card/out.raw"
cpu2=$(awk '{print $14 + $15}' /proc/"$STATION_PID"/stat)
echo "# CPU ticks while retrying: $((cpu2 - cpu))"
check "retrying is not a busy loop (under 2 s of CPU for the whole wait)" [ $((cpu2 - cpu)) -lt 200 ]

# A device that disappears in the middle of a bulletin: the bulletin is
# reported interrupted and plays again from its start when the device is back.
S2=$T/midplay
mkdir -p "$S2"
# The first reader takes one second of audio and hangs up, like a USB card pulled out;
# the readers after it take everything.
cat >"$S2/reader.sh" <<EOF
#!/bin/sh
if [ -e "$S2/pulled" ]; then cat >>"$S2/out.raw"; else touch "$S2/pulled"; head -c 96000 >/dev/null; fi
EOF
chmod +x "$S2/reader.sh"
station_config "$S2" rut-ra "file:'|$S2/reader.sh',raw"
start_station "$S2"
ctl "$S2" queue "$FIX/thông báo.opus" --title "Rút cáp" >/dev/null
cut_off() { events "$T/mqtt.log" interrupted | grep '"title":"Rút cáp"' | grep -q '"error"'; }
check "a device lost mid-bulletin: the bulletin is reported interrupted, with the reason" wait_for 20 cut_off
again() { events "$T/mqtt.log" finished | grep -q '"title":"Rút cáp"'; }
check "it plays again when the device is back, and finishes" wait_for 40 again
"$BUILD/tools/opus_refdecode" "$FIX/thông báo.opus" "$T/ref2.raw" 1
set -- $("$BUILD/tools/pcm_compare" "$T/ref2.raw" "$S2/out.raw" 1 200)
echo "# replay capture: $1 reference frames, $2 captured, shift $3, SNR $4 dB"
check "the replay is the whole bulletin from its start" sh -c "[ $1 -eq $2 ] && [ $3 -eq 0 ]"
