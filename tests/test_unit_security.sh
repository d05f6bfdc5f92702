#!/bin/sh
# The systemd unit's sandbox does not get weaker unnoticed: the exposure score
# `systemd-analyze security` gives provisioning/loaxad.service must stay at or
# below the one written in the unit's header comment, and at or below 2.0
# (systemd's "OK"), which issue 11 asks for. Lowering it is welcome: write the
# new score in the comment.
set -u
UNIT=provisioning/loaxad.service

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "not ok - systemd-analyze is installed (make deps installs the systemd package)"
	exit 0
fi
# --offline=true reads the file alone: no running systemd is needed.
out=$(systemd-analyze security --offline=true "$UNIT" 2>&1)
score=$(printf '%s\n' "$out" | sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
noted=$(sed -n 's/^# \([0-9.]*\) OK; tests\/test_unit_security.sh .*/\1/p' "$UNIT")
if [ -z "$score" ]; then
	echo "not ok - systemd-analyze gives the unit a score"
	printf '%s\n' "$out" >&2
	exit 0
fi
if [ -z "$noted" ]; then
	echo "not ok - the unit's header says its score (\"# N OK; tests/test_unit_security.sh ...\")"
	exit 0
fi
echo "# systemd-analyze security: $score (the unit says $noted)"
if awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
	echo "ok - the unit's exposure score $score is 2.0 (\"OK\") or less"
else
	echo "not ok - the unit's exposure score $score is 2.0 (\"OK\") or less"
	printf '%s\n' "$out" | grep '✗' >&2
fi
if awk -v s="$score" -v n="$noted" 'BEGIN { exit !(s <= n) }'; then
	echo "ok - the unit's exposure score has not risen above the $noted its header records"
else
	echo "not ok - the unit's exposure score $score has risen above the $noted its header records"
	printf '%s\n' "$out" | grep '✗' >&2
fi
