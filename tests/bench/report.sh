# The report of `make bench`, sourced by tests/bench/run.sh: summarises the
# rows in $RES (median, min, max of each figure's runs; ratios to the floor run
# by run), prints the table, writes $JSON and, in a full run, the figures into
# tests/bench/RESULTS.md between its markers (the text around them is kept).

# summarise: RES rows -> "figure subject metric n median min max note" lines.
# For figure 1 each run's ratio to the floor of the same run is added as
# metric ratio_KIND.
summarise() {
	awk -F '\t' '
	function add(k, v) {
		if (!(k in n)) { order[++nk] = k; n[k] = 0 }
		if (v ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) vals[k, ++n[k]] = v + 0
		else if (v != "-") note[k] = v
	}
	{ add($1 "\t" $2 "\t" $3, $4)
	  if ($1 == "cpu") { run[$2, $3]++; cpu[$2, $3, run[$2, $3]] = $4; subj[$2] = 1; kinds[$3] = 1 } }
	END {
		for (s in subj) for (k in kinds) {
			if (s == "floor") continue
			for (i = 1; (s, k, i) in cpu; i++)
				if (cpu[s, k, i] != "-" && cpu["floor", k, i] > 0)
					add("cpu\t" s "\tratio_" k, sprintf("%.4f", cpu[s, k, i] / cpu["floor", k, i]))
		}
		for (j = 1; j <= nk; j++) {
			k = order[j]; m = n[k]
			for (a = 1; a <= m; a++) x[a] = vals[k, a]
			for (a = 2; a <= m; a++) { v = x[a]; for (b = a - 1; b >= 1 && x[b] > v; b--) x[b + 1] = x[b]; x[b + 1] = v }
			if (m == 0) med = lo = hi = "-"
			else {
				med = (m % 2) ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
				lo = x[1]; hi = x[m]
			}
			printf "%s\t%d\t%s\t%s\t%s\t%s\n", k, m, med, lo, hi, (k in note) ? note[k] : ""
		}
	}' "$RES"
}

# get FIGURE SUBJECT METRIC FIELD (n median min max note): one summary value.
get() {
	awk -F '\t' -v f="$1" -v s="$2" -v m="$3" -v c="$4" '
	BEGIN { split("n median min max note", names, " "); for (i in names) col[names[i]] = i + 3 }
	$1 == f && $2 == s && $3 == m { print $col[c]; found = 1; exit }
	END { if (!found) print "-" }' "$T/summary.tsv"
}

# cell FIGURE SUBJECT METRIC DIGITS: "median [min-max]", or why there is none.
cell() {
	awk -F '\t' -v f="$1" -v s="$2" -v m="$3" -v d="$4" '
	$1 == f && $2 == s && $3 == m { found = 1
		if ($4 == 0) { print ($8 != "") ? $8 : "no result"; exit }
		if ($4 == 1) printf "%.*f\n", d, $5
		else printf "%.*f [%.*f-%.*f]\n", d, $5, d, $6, d, $7
		exit }
	END { if (!found) print "not run" }' "$T/summary.tsv"
}

# verdict VALUE OP LIMIT: "met" or "MISSED (...)".
verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "-" || v == "") { print "no figure"; exit }
		ok = (op == "<=") ? (v <= l) : (v >= l)
		if (ok) print "met"; else printf "MISSED by %.3g (%.3g vs %s %s)\n", v - l, v, op, l }'
}

# ratio SUBJECT KIND: the median of its run-by-run ratios to the floor.
ratio() {
	if [ "$1" = floor ]; then echo 1.000; return; fi
	get cpu "$1" "ratio_$2" median | awk '$1 == "-" { print; next } { printf "%.3f\n", $1 }'
}

machine() {
	MODEL=$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	NPROC=$(nproc)
	KERNEL=$(uname -sr)
	DATE=$(date '+%Y-%m-%d %H:%M %Z')
	COMMIT=${BENCH_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
	[ -z "${BENCH_COMMIT:-}" ] && [ -n "$(git status --porcelain -- codecs config daemon 2>/dev/null)" ] && COMMIT="$COMMIT+changes"
}

print_table() {
	echo "loaxa bench, $DATE: $NPROC x $MODEL, $KERNEL; loaxa $COMMIT"
	echo "$RUNS run(s) of each figure: median [min-max]$([ "$SMOKE" = 1 ] && echo '; SMOKE MODE: tiny inputs, not figures')"
	echo
	echo "1. CPU seconds per audio hour (ALSA null, unpaced)"
	printf '   %-16s %-24s %-7s %-24s %-7s\n' player "speech 24k mono" ratio "music 64k stereo" ratio
	for s in floor floor-s16 loaxad ffmpeg mpd mpv opusfile opusdec-aplay gstreamer; do
		printf '   %-16s %-24s %-7s %-24s %-7s\n' "$s" "$(cell cpu "$s" speech 2)" \
		    "$(ratio "$s" speech)" "$(cell cpu "$s" music 2)" "$(ratio "$s" music)"
	done
	echo "   (floor: libogg + opus_decode_float, nothing else; floor-s16: the same plus a plain"
	echo "    conversion to 16-bit samples; opusfile: libopusfile op_read;"
	echo "    ratio: each run divided by the floor's run next to it, median)"
	echo "   goal loaxad <= 1.05 x floor: speech $(verdict "$(get cpu loaxad ratio_speech median)" '<=' 1.05)," \
	    "music $(verdict "$(get cpu loaxad ratio_music median)" '<=' 1.05)"
	echo
	echo "2. Peak resident set, VmHWM (MiB), playing the 60-minute file"
	printf '   %-16s %-24s %-24s\n' player speech music
	for s in loaxad floor ffmpeg mpd mpv opusfile opusdec-aplay gstreamer; do
		printf '   %-16s %-24s %-24s\n' "$s" "$(cell mem "$s" speech 2)" "$(cell mem "$s" music 2)"
	done
	echo "   loaxad at the end: anonymous $(cell mem_anon loaxad music 2) MiB, file-backed $(cell mem_file loaxad music 2) MiB (music)"
	echo "   (opusdec-aplay: the larger of the two processes)"
	echo "   goal loaxad <= 4 MiB: $(verdict "$(get mem loaxad music max)" '<=' 4)"
	echo
	echo "3. Idle, connected to a broker, a slot armed (keep-alive 60 s, status every 60 s)"
	echo "   CPU seconds per window: $(cell idle loaxad cpu_s 4); wake-ups per second: $(cell idle loaxad wakeups_per_s 3)"
	echo "   goal <= 1 wake-up/s beyond keep-alive: $(verdict "$(get idle loaxad wakeups_per_s max | awk '$1 != "-" { print $1 - 1/60 } $1 == "-" { print "-" }')" '<=' 1)"
	echo
	echo "4. Punctuality: one-off slots on the virtual card, ms from the slot's instant to its first frame heard"
	echo "   raw:       median $(get punct loaxad raw_ms median), earliest $(get punct loaxad raw_ms min), worst $(get punct loaxad raw_ms max) ($(get punct loaxad raw_ms n) slots; $(get punct loaxad slots_without_audio median) without audio; underruns $(get punct loaxad xruns max))"
	echo "   the card's own start latency (sinkref: open, set up, first write, as loaxad): $(cell punct card latency_ms 1)"
	echo "   corrected: median $(get punct loaxad corrected_ms median), worst $(get punct loaxad corrected_ms max)" \
	    "(raw less the card's median); worst raw / card's median: $(ratio_to "$(get punct loaxad raw_ms max)" "$(get punct card latency_ms median)")"
	echo "   goal worst <= 20 ms late, never early: $(verdict "$(get punct loaxad raw_ms max)" '<=' 20)," \
	    "never early: $(verdict "$(get punct loaxad raw_ms min)" '>=' 0)"
	echo
	echo "5. Gaps: two bulletins back to back in one slot on the virtual card, against the reference decode"
	echo "   samples added: $(cell gaps loaxad added_samples 0); alignment shift: $(cell gaps loaxad shift_samples 0); SNR: $(cell gaps loaxad snr_db 1) dB"
	echo "   the card: silence while playing $(cell gaps loaxad starved_ms 1) ms; runs $(cell gaps loaxad card_runs 0) (1: no stop between them); underruns $(cell gaps loaxad xruns 0)"
	echo "   goal zero samples: $(verdict "$(get gaps loaxad added_samples max | tr -d -)" '<=' 0)," \
	    "no silence: $(verdict "$(get gaps loaxad starved_ms max)" '<=' 0)"
	echo
	print_fanout
	print_alert
	echo
	echo "8. Start-up: loaxad start to the first answered status request (ms)"
	echo "   empty schedule: $(cell startup loaxad-empty ms 1)"
	echo "   $(get startup loaxad-full slots median) slots, $(get startup loaxad-full stored median) stored bulletins: $(cell startup loaxad-full ms 1)"
	echo "   goal <= 100 ms: empty $(verdict "$(get startup loaxad-empty ms median)" '<=' 100)," \
	    "full $(verdict "$(get startup loaxad-full ms median)" '<=' 100)"
	echo
	print_dns
	echo
	print_field
	echo
	print_fleet
	echo
	print_collect
	echo
	print_report
	echo
	print_live
}

# Figure 14: live from the district, issue 14's goal of 2 s from the office's microphone
# to the stations' loudspeakers.
print_live() {
	if [ "$(get live loaxad median_ms n)" = - ]; then
		echo "14. Live from the district: not run"
		return 0
	fi
	if [ "$(get live loaxad median_ms n)" = 0 ]; then
		echo "14. Live from the district: $(get live loaxad median_ms note)"
		return 0
	fi
	echo "14. Live from the district: 'loaxactl live --file' (paced as a microphone) through icecast2 over TLS" \
	    "to $(get live loaxad n median) stations on virtual cards, $(get live loaxad markers median) markers a run"
	echo "   office to loudspeaker (ms), each run's median: $(cell live loaxad median_ms 0), worst: $(cell live loaxad worst_ms 0)"
	echo "   goal <= 2000 ms (worst run): $(verdict "$(get live loaxad worst_ms max)" '<=' 2000)" \
	    "($(get live loaxad worst_ms max | awk '$1 != "-" { printf "%.2f x the goal", $1 / 2000 }'))"
}

# Figure 11: the fleet view, the worst run of any way to ask against the goal.
print_fleet() {
	n=$(get fleet loaxactl stations median)
	if [ "$n" = - ]; then
		echo "11. Fleet view: not run"
		return 0
	fi
	if [ "$(get fleet loaxactl monitor_ms n)" = 0 ]; then
		echo "11. Fleet view: $(get fleet loaxactl monitor_ms note) ($n stations)"
		return 0
	fi
	worst=$(for m in monitor_ms publisher_ms json_ms; do get fleet loaxactl "$m" max; done |
	    awk '$1 != "-" && $1 > w { w = $1 } END { print (w == "") ? "-" : w }')
	echo "11. Fleet view: \`loaxactl stations\` over $n retained statuses, $(get fleet loaxactl enrolled median) stations enrolled (ms)"
	echo "   as a monitor (fence, then 250 ms of quiet): $(cell fleet loaxactl monitor_ms 1)"
	echo "   as the publisher (the probe comes back):    $(cell fleet loaxactl publisher_ms 1)"
	echo "   --json, as a monitor:                       $(cell fleet loaxactl json_ms 1)"
	echo "   stations listed: $(cell fleet loaxactl listed 0) of $(get fleet loaxactl enrolled median)"
	echo "   goal worst <= 2000 ms: $(verdict "$worst" '<=' 2000)"
}

# Figure 13: the programme report, issue 12's goal of 2 s for a year of 1,000 stations.
print_report() {
	if [ "$(get report loaxactl station_ms n)" = - ]; then
		return 0
	fi
	if [ "$(get report loaxactl station_ms n)" = 0 ]; then
		echo "13. Programme report: $(get report loaxactl station_ms note)"
		return 0
	fi
	echo "13. Programme report: loaxactl report over $(get report loaxactl days median) days of" \
	    "$(get report loaxactl stations median) stations, $(get report loaxactl records median) records (ms)"
	echo "   by station (--json): $(cell report loaxactl station_ms 0); as a text table: $(cell report loaxactl text_ms 0)"
	echo "   by bulletin: $(cell report loaxactl bulletin_ms 0); by tag: $(cell report loaxactl tag_ms 0)"
	echo "   reference, the same by-station sums from the raw records (sqlite3, no rollups): $(cell report loaxactl raw_ms 0)" \
	    "($(get report loaxactl raw_ms median | awk -v s="$(get report loaxactl station_ms median)" '$1 != "-" && s > 0 { printf "%.0f x the report", $1 / s }'))"
	echo "   the report's figures equal the reference's: $([ "$(get report loaxactl same min)" = 1 ] && echo yes || echo NO)"
	echo "   goal <= 2000 ms (the slowest report, worst run): $(verdict "$(for m in station_ms bulletin_ms tag_ms text_ms; do get report loaxactl "$m" max; done | sort -n | tail -n 1)" '<=' 2000)"
}

# Figure 12: the district collector (loaxa-collectd), issue 12's goal of 5,000 records/s.
print_collect() {
	if [ "$(get collect loaxa-collectd backlog_per_s n)" = - ]; then
		echo "12. Collector ingest: not run"
		return 0
	fi
	if [ "$(get collect loaxa-collectd backlog_per_s n)" = 0 ]; then
		echo "12. Collector ingest: $(get collect loaxa-collectd backlog_per_s note)"
		return 0
	fi
	echo "12. Collector ingest: loaxa-collectd storing $(get collect loaxa-collectd records median) records of" \
	    "$(get collect loaxa-collectd stations median) stations (collect_gen, TLS, one mosquitto on loopback)"
	echo "   after an outage (the broker queued them for its session): $(cell collect loaxa-collectd backlog_per_s 0) records/s"
	echo "   live, as they are published: $(cell collect loaxa-collectd live_per_s 0) records/s (the generator" \
	    "published $(cell collect loaxa-collectd gen_per_s 0)/s)"
	echo "   CPU seconds per 10,000 records: $(cell collect loaxa-collectd cpu_s_per_10k 3); peak RSS: $(cell collect loaxa-collectd peak_mib 1) MiB"
	echo "   goal >= 5,000 records/s after an outage: $(verdict "$(get collect loaxa-collectd backlog_per_s min)" '>=' 5000)" \
	    "($(get collect loaxa-collectd backlog_per_s median | awk '$1 != "-" { printf "%.1f x the goal", $1 / 5000 }'))"
}

# Figure 9: the station while a lookup of its broker's name is stuck.
print_dns() {
	if [ "$(get dns loaxad status_median_ms n)" = - ]; then
		echo "9. DNS down: not run"
		return 0
	fi
	if [ "$(get dns loaxad status_median_ms n)" = 0 ]; then
		echo "9. DNS down: $(get dns loaxad status_median_ms note)"
		return 0
	fi
	echo "9. DNS down: the broker's name server silent, a lookup of its name in progress (ms)"
	echo "   loaxactl status, each run's median: $(cell dns loaxad status_median_ms 0), worst: $(cell dns loaxad status_worst_ms 0)"
	echo "   loaxactl queue to started: $(cell dns loaxad queue_to_start_ms 0); SIGTERM to exit: $(cell dns loaxad stop_ms 0)"
	echo "   goal status as with the network up, worst <= 100 ms: $(verdict "$(get dns loaxad status_worst_ms max)" '<=' 100)"
}

# --- figure 10: in the field ------------------------------------------------------------

FIELD_ALL="off slow dns fetch queue cpu broker"

# field_val FAULT METRIC FIELD: one summary value of figure 10 ("-" when none).
field_val() { get field "$1" "$2" "$3"; }

# field_cell FAULT METRIC FIELD DIGITS: the value for the table: "-" when it
# was not measured under that fault, "fail" when no attempt gave a number,
# with "*" when some attempts failed (listed below the table).
field_cell() {
	n=$(field_val "$1" "$2" n)
	bad=$(field_val "$1" "${2%_ms}_failed" max)
	awk -v n="$n" -v v="$(field_val "$1" "$2" "$3")" -v d="$4" -v bad="$bad" 'BEGIN {
		if (n == "-") { print "-"; exit }
		if (n == 0) { print "fail*"; exit }
		printf "%.*f%s\n", d, v, (bad != "-" && bad > 0) ? "*" : "" }'
}

# field_row LABEL GOAL METRIC FIELD DIGITS: one line of the table, a column per fault.
field_row() {
	_l=$1 _g=$2; shift 2
	printf '   %-38s %-8s' "$_l" "$_g"
	for f in $FIELD_FAULTS_RUN; do printf ' %-10s' "$(field_cell "$f" "$@")"; done
	echo
}

# field_diff LABEL METRIC FIELD: each fault's value less off's (ms).
field_diff() {
	printf '   %-38s %-8s' "$1" ""
	base=$(field_val off "$2" "$3")
	for f in $FIELD_FAULTS_RUN; do
		printf ' %-10s' "$(awk -v a="$(field_val "$f" "$2" "$3")" -v b="$base" -v f="$f" 'BEGIN {
			if (f == "off") print "(base)"; else if (a == "-" || b == "-") print "-"
			else printf "%+.1f\n", a - b }')"
	done
	echo
}

# field_goal LABEL METRIC FIELD LIMIT: the faults under which a goal was
# missed, by how much, and against off; failures count as missed.
field_goal() {
	_miss=""
	for f in $FIELD_FAULTS_RUN; do
		n=$(field_val "$f" "$2" n)
		[ "$n" = - ] && continue
		if [ "$n" = 0 ]; then
			_why=$(field_val "$f" "$2" note)
			_miss="$_miss; $f: no result (${_why:-see above})"
			continue
		fi
		v=$(field_val "$f" "$2" "$3")
		case $(verdict "$v" '<=' "$4") in
		met) ;;
		*) _miss="$_miss; $f: $(awk -v v="$v" -v l="$4" -v b="$(field_val off "$2" "$3")" 'BEGIN {
			printf "%.1f (%+.1f over the goal", v, v - l
			if (b != "-") printf ", off %.1f", b
			printf ")" }')" ;;
		esac
		bad=$(field_val "$f" "${2%_ms}_failed" max)
		[ "$bad" != - ] && [ "$bad" != 0 ] && _miss="$_miss; $f: $bad failed ($(field_val "$f" "$2" note))"
	done
	if [ -z "$_miss" ]; then echo "   $1 <= $4: met under every fault"
	else echo "   $1 <= $4: MISSED under ${_miss#; }"; fi
}

# Figure 10: a column per fault, off (the baseline) first.
print_field() {
	FIELD_FAULTS_RUN=""
	for f in $FIELD_ALL; do
		awk -F '\t' -v f="$f" '$1 == "field" && $2 == f { found = 1 } END { exit !found }' "$T/summary.tsv" &&
		    FIELD_FAULTS_RUN="$FIELD_FAULTS_RUN $f"
	done
	if [ -z "$FIELD_FAULTS_RUN" ]; then
		echo "10. In the field: not run"
		return 0
	fi
	slots=$(get field conditions slots median) trials=$(get field conditions trials median)
	echo "10. In the field: loaxad on the virtual sound card (real time, runs dry when not fed), with each fault on, and"
	echo "   with none (off) in the same run: $slots one-off slots of two 1-s bulletins, 3 s apart; then $trials trials, each"
	echo "   an emergency, an alert and a stop while a bulletin plays; status over the control socket every 20 ms all along"
	for f in $FIELD_FAULTS_RUN; do
		case $f in
		off) d="no fault: the baseline" ;;
		slow) d="every fsync and fdatasync takes $(get field conditions slow_ms median) ms (LD_PRELOAD tests/faults/slowsync.c)" ;;
		dns) d="its broker's name server silent: a lookup under way all along (network and mount namespaces)" ;;
		fetch) d=$(awk -v b="$(field_val fetch big_bytes max)" -v n="$(field_val fetch fetches median)" \
		    -v s="$(field_val fetch fetch_s median)" -v u="$(field_val fetch fetch_duty median)" 'BEGIN {
			printf "a %.1f MiB district bulletin fetched and hashed, dropped, again: %d times, %.2f s each,", b / 1048576, n, s
			printf " %.0f%% of the run", u * 100 }') ;;
		queue) d="\`loaxactl queue\` of 20 bulletins back to back, then \`cancel\`, again: $(field_val queue queued median) queued in $(field_val queue queue_s median) s" ;;
		cpu) d="a busy loop per core at the daemon's own priority" ;;
		broker) d=$(awk -v m="$(field_val broker link_modes median)" -v s="$(field_val broker link_stalls median)" \
		    -v r="$(field_val broker link_reconnects median)" 'BEGIN {
			printf "its broker behind a slow link (tests/faults/slowproxy.c): 300 ms a chunk 5 s, 2,000 B/s 5 s,"
			printf " stalled 8 s, normal 2 s, round and round (%d modes, %d stalls, %d reconnects);", m, s, r
			printf " stalled at start-up" }') ;;
		esac
		printf '   %-6s %s\n' "$f:" "$d"
	done
	printf '   %-38s %-8s' metric goal
	for f in $FIELD_FAULTS_RUN; do printf ' %-10s' "$f"; done
	echo
	field_row "silence inside slots (starved), ms" 0 silence_ms max 1
	field_row "card runs beyond one a slot" 0 extra_runs max 0
	field_row "audio beyond the bulletins', ms" 0 added_ms max 1
	field_row "underruns, whole run" 0 xruns max 0
	field_row "slot onset after its second, worst ms" "<= 20" late_ms max 1
	field_row "  median ms" "" late_ms median 1
	field_row "slots without audio" 0 slots_without_audio max 0
	field_row "status round trip p50, ms" "" rtt_p50_ms median 2
	field_row "  p99, ms" "<= 50" rtt_p99_ms max 1
	field_row "  worst, ms" "" rtt_max_ms max 1
	field_row "  during the slots only: p99, ms" "" rtt_slots_p99_ms max 1
	field_row "  during the slots only: worst, ms" "" rtt_slots_max_ms max 1
	field_row "start-up, existing state, worst ms" "<= 2000" up_old_ms max 1
	field_row "start-up, new state, worst ms" "" up_new_ms max 1
	field_row "emergency queued to heard, worst ms" "<= 150" emergency_ms max 1
	field_row "  median ms" "" emergency_ms median 1
	field_row "alert sent to heard, worst ms" "<= 150" alert_ms max 1
	field_row "  median ms" "" alert_ms median 1
	field_row "stop to silence, worst ms" "<= 100" stop_ms max 1
	field_row "records lost, link normal again" 0 records_lost max 0
	field_row "records delivered twice" "" records_twice max 0
	field_row "playback thread real-time (1 yes)" "" realtime min 0
	field_row "machine's load average at the end" "" loadavg max 2
	echo "   against off, the fault's value less off's (ms):"
	field_diff "slot onset, worst" late_ms max
	field_diff "status round trip p99" rtt_p99_ms max
	field_diff "status round trip worst" rtt_max_ms max
	field_diff "start-up, existing state" up_old_ms max
	field_diff "emergency, worst" emergency_ms max
	field_diff "alert, worst" alert_ms max
	field_diff "stop, worst" stop_ms max
	echo "   (-: not measured under that fault: start-up needs no running station to disturb, an alert a broker;"
	echo "    *: some attempts failed, fail*: all did, see below. Alert: from just before \`loaxactl alert\`, which"
	echo "    itself takes tens of ms (figure 7); the first trial's includes the station fetching the alert's bulletin;"
	echo "    under broker, an alert comes over the slow link, so one sent during a stall is heard after it)"
	for f in $FIELD_FAULTS_RUN; do
		for m in skipped failed emergency_ms alert_ms stop_ms; do
			note=$(field_val "$f" "$m" note)
			[ -n "$note" ] && [ "$note" != - ] || continue
			bad=$(field_val "$f" "${m%_ms}_failed" max)
			case $m in
			skipped|failed) echo "   $f: $m: $note" ;;
			*) [ "$bad" != - ] && [ "$bad" != 0 ] && echo "   $f: ${m%_ms}: $bad of $trials failed: $note" ;;
			esac
		done
	done
	echo "   goals:"
	field_goal "silence inside slots, ms" silence_ms max 0
	field_goal "underruns" xruns max 0
	field_goal "slot onset, worst ms late" late_ms max 20
	field_goal "status p99, ms" rtt_p99_ms max 50
	field_goal "start-up on existing state, ms" up_old_ms max 2000
	field_goal "emergency, worst ms" emergency_ms max 150
	field_goal "alert, worst ms" alert_ms max 150
	field_goal "stop, worst ms" stop_ms max 100
	field_goal "records lost" records_lost max 0
}

# ratio_to A B: A / B with two decimals, or "-".
ratio_to() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

# Figure 6: a row per N, the growth against the smallest N, and the goal at
# 1,000 stations: measured when 1,000 (or more) were run, else extrapolated
# linearly from the largest N (a guess, and said to be one).
print_fanout() {
	ns=$(awk -F '\t' '$1 == "fanout" && $2 ~ /^n[0-9]+$/ && $3 == "armed" { print substr($2, 2) }' \
	    "$T/summary.tsv" | sort -n | tr '\n' ' ' | sed 's/ $//')
	if [ -z "$ns" ]; then
		echo "6. Fan-out: not run"
		return 0
	fi
	echo "6. Fan-out: one \`loaxactl publish\` of a schedule with a $(get fanout loaxad bytes median | awk '{ printf "%.2f", $1 / 1e6 }') MB bulletin to N loaxad on one mosquitto (loopback)"
	printf '   %-9s %-22s %-8s %-22s %-8s %s\n' stations "s to all armed" growth "broker CPU s" growth "publish itself s"
	base=${ns%% *}
	s0=$(get fanout "n$base" seconds median) c0=$(get fanout "n$base" broker_cpu_s median)
	for n in $ns; do
		s=$(get fanout "n$n" seconds median) c=$(get fanout "n$n" broker_cpu_s median)
		printf '   %-9s %-22s %-8s %-22s %-8s %s\n' "$n" "$(cell fanout "n$n" seconds 2)" "$(ratio_to "$s" "$s0")" \
		    "$(cell fanout "n$n" broker_cpu_s 3)" "$(ratio_to "$c" "$c0")" "$(cell fanout "n$n" publish_s 2)"
	done
	echo "   (growth: the median divided by the median at $base stations; s: from just before publish to"
	echo "    the last station's schedule_armed event, stamped as it reaches one subscriber)"
	top=${ns##* }
	st=$(get fanout "n$top" seconds median)
	if case " $ns " in *" 1000 "*) true;; *) false;; esac; then
		at=$(get fanout n1000 seconds median)
		how="measured at 1000 stations: $at s"
	elif [ "$top" -ge 1000 ]; then
		at=$(awk -v s="$st" -v n="$top" 'BEGIN { if (s == "-") print "-"; else printf "%.2f", s * 1000 / n }')
		how="measured at $top stations: $st s"
		[ "$top" -gt 1000 ] && how="$how, scaled down linearly to $at s"
	elif [ "$top" != "$base" ]; then
		# The line through the two largest sizes, so that fixed costs are not multiplied.
		prev=$(echo "$ns" | tr ' ' '\n' | tail -n 2 | head -n 1)
		sp=$(get fanout "n$prev" seconds median)
		at=$(awk -v a="$sp" -v b="$st" -v na="$prev" -v nb="$top" 'BEGIN {
			if (a == "-" || b == "-") print "-"; else slope = (b - a) / (nb - na); if (slope < 0) slope = 0
			printf "%.2f", b + slope * (1000 - nb) }')
		how="extrapolated along the line through $prev and $top stations: $at s"
	else
		at=$(awk -v s="$st" -v n="$top" 'BEGIN { if (s == "-") print "-"; else printf "%.2f", s * 1000 / n }')
		how="extrapolated in proportion from $top stations ($st s): $at s"
	fi
	echo "   goal 1,000 stations armed in <= 30 s: $how — $(verdict "$at" '<=' 30)"
}

# Figure 7: the median of the runs' medians, the worst of their worsts.
print_alert() {
	med=$(get alert loaxad median_ms median | awk '$1 != "-" { $1 = sprintf("%.1f", $1) } 1')
	worst=$(get alert loaxad worst_ms max | awk '$1 != "-" { $1 = sprintf("%.1f", $1) } 1')
	n=$(get alert loaxad stations median) runs=$(get alert loaxad median_ms n)
	if [ "$n" = - ]; then
		echo "7. District alert: not run"
		return 0
	fi
	if [ "$med" = - ]; then
		echo "7. District alert: $(get alert loaxad median_ms note) ($n stations)"
		return 0
	fi
	echo "7. District alert: median $med ms, worst $worst ms ($n stations, $runs runs) — goal worst <= 150 ms: $(verdict "$worst" '<=' 150)"
	echo "   from just before \`loaxactl alert\` to the alert's first sample heard on each station's virtual card,"
	echo "   each station playing a bulletin; each run's median: $(cell alert loaxad median_ms 1), each run's worst: $(cell alert loaxad worst_ms 1)"
	echo "   \`loaxactl alert\` alone, start to exit (same runs; it exits after the broker acknowledged the alert,"
	echo "   often after the stations heard it): $(cell alert loaxactl cli_ms 1) ms; median heard / loaxactl alone:" \
	    "$(ratio_to "$(get alert loaxad median_ms median)" "$(get alert loaxactl cli_ms median)")"
}

write_json() {
	jq -R -s --arg date "$DATE" --arg model "$MODEL" --arg kernel "$KERNEL" --arg commit "$COMMIT" \
	    --argjson nproc "$NPROC" --argjson runs "$RUNS" --argjson smoke "$([ "$SMOKE" = 1 ] && echo true || echo false)" '
	def num: if . == "-" or . == null then null else tonumber end;
	{ date: $date, machine: { nproc: $nproc, cpu: $model, kernel: $kernel }, loaxa: $commit,
	  runs: $runs, smoke: $smoke,
	  figures: (split("\n") | map(select(length > 0) | split("\t") |
	    { figure: .[0], subject: .[1], metric: .[2], n: (.[3] | tonumber),
	      median: (.[4] | num), min: (.[5] | num), max: (.[6] | num) } +
	    (if (.[7] // "") != "" then { note: .[7] } else {} end))) }' "$T/summary.tsv" >"$JSON.tmp" &&
	    mv "$JSON.tmp" "$JSON"
}

# The figures between the markers of RESULTS.md; everything else in it is kept.
write_results_md() {
	md=tests/bench/RESULTS.md
	begin='<!-- bench:begin (written by tests/bench/run.sh) -->'
	end='<!-- bench:end -->'
	[ -f "$md" ] || printf '# loaxa benchmark results\n\n%s\n%s\n' "$begin" "$end" >"$md"
	{
		echo "$begin"
		echo "Measured $DATE on $NPROC x $MODEL, $KERNEL (loaxa $COMMIT), with \`make bench\`."
		echo
		echo '```'
		cat "$T/table.txt"
		echo '```'
		echo "$end"
	} >"$T/block.md"
	awk -v b="$begin" -v e="$end" -v f="$T/block.md" '
	$0 == b { while ((getline l < f) > 0) print l; skip = 1; next }
	$0 == e { skip = 0; next }
	!skip' "$md" >"$T/RESULTS.md" && cp "$T/RESULTS.md" "$md"
}

report_write() {
	summarise >"$T/summary.tsv"
	machine
	print_table >"$T/table.txt"
	cat "$T/table.txt"
	write_json && echo && echo "results: $JSON"
	if [ "$SMOKE" != 1 ] && [ -z "${BENCH_ONLY:-}" ]; then
		write_results_md && echo "figures written into tests/bench/RESULTS.md"
	fi
}
