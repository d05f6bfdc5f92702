#!/bin/sh
# Bad bulletins in a slot are reported "failed" with the reason, and the rest of the slot plays.
. tests/lib.sh

start_broker || { notok "broker starts"; exit 1; }
S=$T/station
mkdir -p "$S"
cp "$FIX/bản tin số 1.opus" "$FIX/thông báo.opus" "$FIX/bitflip.opus" "$FIX/mp3-renamed.opus" \
   "$FIX/truncated.opus" "$S/"
AT=$(at_plus 2)
cat >"$S/schedule.cfg" <<EOF
slots = ( { title = "Bản tin sáng"; at = "$AT";
  items = ( { file = "bản tin số 1.opus"; }, { file = "mp3-renamed.opus"; title = "Tệp MP3"; },
            { file = "bitflip.opus"; title = "Tệp hỏng"; }, { file = "truncated.opus"; title = "Tệp cụt"; },
            { file = "thông báo.opus"; } ); } );
EOF
station_config "$S" xa-a "file:'$S/out.raw',raw" "$S/schedule.cfg"
subscribe "$T/mqtt.log"
start_station "$S"

# Three bad files: each fails; the two good ones finish.
done_all() { [ "$(events "$T/mqtt.log" | jq -r '.event' | grep -cE 'finished|failed')" -ge 5 ]; }
check "every bulletin of the slot ends" wait_for 40 done_all
E=$T/events.json
events "$T/mqtt.log" >"$E"
check "the MP3 fails with a reason that says MP3" \
	jq_any "$E" '.event=="failed" and .title=="Tệp MP3" and (.error | test("MP3"))'
check "the bit-flipped file is reported failed, and the reason says it is damaged" \
	jq_any "$E" '.title=="Tệp hỏng" and .event=="failed" and (.error | test("damaged"))'
check "the truncated file is reported failed, and the reason says it is incomplete" \
	jq_any "$E" '.title=="Tệp cụt" and .event=="failed" and (.error | test("incomplete"))'
check "the good bulletins before and after still finish" \
	[ "$(jq -r 'select(.event=="finished") | .file' "$E" | sort | tr '\n' '|')" = "bản tin số 1.opus|thông báo.opus|" ]
check "the daemon is still running" kill -0 "$STATION_PID"

# A device that cannot be opened: reported in the status, the daemon stays up and answers.
S2=$T/nodev
station_config "$S2" xa-b "nonexistent_pcm_device"
start_station "$S2"
P2=$STATION_PID
ctl "$S2" queue "$FIX/thông báo.opus" >/dev/null
dev_failed() { ctl "$S2" status --json | jq -e '.audio.state == "failed" and (.audio.error | length > 0)' >/dev/null; }
check "an audio device that cannot open shows as failed, with the reason, in the status" wait_for 10 dev_failed
check "the daemon keeps running and answering" sh -c "kill -0 $P2 && '$BUILD/loaxactl' -s '$S2/control.sock' status >/dev/null"
check "the item is still queued, waiting for the device" \
	sh -c "'$BUILD/loaxactl' -s '$S2/control.sock' list --json | jq -e '.queue | length == 1' >/dev/null"
