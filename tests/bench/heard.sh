# When a sound was heard, from a virtual sound card's own record of what it
# played and when (tests/vcard/vcard.c, set up by tests/lib.sh's
# vcard_setup): shared by the bench scripts that time cut-ins and slots on it
# (field.sh, alert_latency.sh, run.sh). Sourced after tests/lib.sh. Times are
# wall-clock nanoseconds (date +%s%N), as the card logs them.

# card_starts_after LOG NS N: the card started at least N times after NS.
card_starts_after() {
	awk -v t="$2" -v want="$3" '$3 == "start" && $2 > t { n++ } END { exit !(n >= want) }' "$1"
}

# card_first_run_after LOG NS: the frame of the capture that the card's first
# run started after NS began with (what was written up to its prepare).
card_first_run_after() {
	awk -v t="$2" '$3 == "prepare" { at = w } $3 == "write" { w += $4 }
		$3 == "start" && $2 > t { print at; exit }' "$1"
}

# card_heard REF LOG RAW NS FROM: prints "WHEN_NS SNR_DB", when the first
# frame of REF (a mono reference decode, opus_refdecode) was heard: looked
# for (tests/tools/pcm_find) in the first 200 ms of the card's first run
# after NS, else anywhere in the capture from frame FROM (taken before NS) to
# 1 s before its end; then `vcard_report --when` of that frame. Returns 1
# when it is not there with an SNR of 30 dB or more (then prints what
# pcm_find said).
card_heard() {
	_h_ref=$1 _h_log=$2 _h_raw=$3 _h_t0=$4 _h_from=$5
	_h_c=$(card_first_run_after "$_h_log" "$_h_t0")
	set -- $([ -n "$_h_c" ] && "$BUILD/tools/pcm_find" "$_h_ref" "$_h_raw" 1 "$_h_c" $((_h_c + 9600)) 48000) - -
	if ! awk -v s="$2" 'BEGIN { exit !(s >= 30) }'; then
		_h_to=$(( $(stat -c %s "$_h_raw") / 2 - 48000 ))
		[ "$_h_to" -lt "$_h_from" ] && _h_to=$_h_from
		set -- $("$BUILD/tools/pcm_find" "$_h_ref" "$_h_raw" 1 "$_h_from" "$_h_to" 48000) - -
	fi
	_h_when=$("$BUILD/tools/vcard_report" "$_h_log" --when "$1" 2>/dev/null | awk '$1 == "when" { print $2 }')
	if [ -n "$_h_when" ] && awk -v s="$2" 'BEGIN { exit !(s >= 30) }'; then
		echo "$_h_when $2"
		return 0
	fi
	echo "$1 $2"
	return 1
}

# card_frames RAW: frames (mono) in the capture so far.
card_frames() { echo $(( $(stat -c %s "$1") / 2 )); }
