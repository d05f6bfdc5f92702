#!/bin/sh
# The systemd units' sandboxes do not get weaker unnoticed: the exposure score
# `systemd-analyze security` gives each unit (provisioning/loaxad.service, the
# station's, and provisioning/loaxa-collectd.service, the district
# collector's) must stay at or below the one written in the unit's header
# comment, and at or below 2.0 (systemd's "OK"), which issue 11 asks for.
# Lowering it is welcome: write the new score in the comment.
set -u

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "not ok - systemd-analyze is installed (make deps installs the systemd package)"
	exit 0
fi

check_unit() {
	UNIT=$1
	# --offline=true reads the file alone: no running systemd is needed.
	out=$(systemd-analyze security --offline=true "$UNIT" 2>&1)
	score=$(printf '%s\n' "$out" | sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
	noted=$(sed -n 's/^# \([0-9.]*\) OK; tests\/test_unit_security.sh .*/\1/p' "$UNIT")
	if [ -z "$score" ]; then
		echo "not ok - systemd-analyze gives $UNIT a score"
		printf '%s\n' "$out" >&2
		return 0
	fi
	if [ -z "$noted" ]; then
		echo "not ok - $UNIT: the unit's header says its score (\"# N OK; tests/test_unit_security.sh ...\")"
		return 0
	fi
	echo "# $UNIT: systemd-analyze security: $score (the unit says $noted)"
	if awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
		echo "ok - $UNIT: the unit's exposure score $score is 2.0 (\"OK\") or less"
	else
		echo "not ok - $UNIT: the unit's exposure score $score is 2.0 (\"OK\") or less"
		printf '%s\n' "$out" | grep '✗' >&2
	fi
	if awk -v s="$score" -v n="$noted" 'BEGIN { exit !(s <= n) }'; then
		echo "ok - $UNIT: the unit's exposure score has not risen above the $noted its header records"
	else
		echo "not ok - $UNIT: the unit's exposure score $score has risen above the $noted its header records"
		printf '%s\n' "$out" | grep '✗' >&2
	fi
}

for u in provisioning/loaxad.service provisioning/loaxa-collectd.service; do
	check_unit "$u"
done
