#!/bin/sh
# The layering check: reads every #include "..." of the tree and fails when a
# folder includes a folder it may not, or when two folders include each other.
# Usage: tests/layering.sh [TOP]   (prints one line per violation; exit 1 if any)
#
# The allowed directions, written down once. A folder may include itself and
# the folders listed after it; anything else is a violation.
#
#   config            the bottom: settings, schedule text, key files, time
#                     parsing, gettext. It includes nothing from daemon/, so
#                     that loaxactl and tests can read a configuration alone.
#   codecs            Ogg Opus decoding; may name its errors in Vietnamese.
#   daemon/core       the process: loop, log, clock, sd_notify, durable files.
#   daemon/proto      pure wire formats (envelope, manifest, alert, reports).
#   daemon/store      SQLite state, as-run log, bulletin files, hash cache.
#   daemon/audio      the playback path: output backends, player, mixer.
#   daemon/ctl        the control socket, both ends.
#   daemon/link       the station's side of the district over MQTT.
#   daemon/station    what plays next; the only folder that sees them all.
#   daemon            loaxad.c, main: the station and the process plumbing.
#   daemon/loaxactl   the command line: never the station's internals; the
#                     report reads the collector's database through
#                     daemon/collector/collect_report.h.
#   daemon/collector  loaxa-collectd, the district's proof-of-play collector:
#                     reads the stations' reports, never the station's insides.
#   daemon/decoder    loaxa-decode, the caged decoder of recordings (FFmpeg):
#                     its cage and its wire format, nothing of the station.
#   daemon/relay      loaxa-relay, the caged relay of a stream (libcurl,
#                     FFmpeg through daemon/decoder's reader): nothing of
#                     the station either.
set -u
TOP=${1:-.}
cd "$TOP" || exit 2

allowed() {	# folder -> the folders it may include besides itself
	case $1 in
	config)			echo "" ;;
	codecs)			echo "config" ;;
	daemon/core)		echo "config" ;;
	daemon/proto)		echo "daemon/core config" ;;
	daemon/store)		echo "daemon/core config" ;;
	daemon/audio)		echo "daemon/proto daemon/core config codecs" ;;
	daemon/ctl)		echo "daemon/core config" ;;
	daemon/link)		echo "daemon/proto daemon/store daemon/core config" ;;
	daemon/station)		echo "daemon/link daemon/audio daemon/ctl daemon/store daemon/proto daemon/core config codecs" ;;
	daemon)			echo "daemon/station daemon/link daemon/audio daemon/ctl daemon/store daemon/proto daemon/core config codecs" ;;
	daemon/loaxactl)	echo "daemon/collector daemon/proto daemon/ctl daemon/core config codecs" ;;
	daemon/collector)	echo "daemon/proto daemon/core config" ;;
	daemon/decoder)		echo "daemon/proto daemon/core" ;;
	daemon/relay)		echo "daemon/decoder daemon/proto daemon/core config" ;;
	*)			echo "UNKNOWN" ;;
	esac
}

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
bad=0
for f in $(find config codecs daemon -name '*.[ch]' | sort); do
	from=$(dirname "$f")
	ok=$(allowed "$from")
	if [ "$ok" = UNKNOWN ]; then
		echo "$f: the folder $from has no place in tests/layering.sh: add it there"
		bad=1
		continue
	fi
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
	    sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' |
	    while read -r line inc; do
		to=$(dirname "$inc")
		[ "$to" = "$from" ] && continue
		case " $ok " in *" $to "*) echo "$from $to" >>"$edges"; continue ;; esac
		echo "$f:$line: $from may not include $inc"
		echo "$from $to!" >>"$edges"
	    done
done
grep -q '!$' "$edges" && bad=1
# Two folders that include each other (a cycle of two), whatever the table says.
sort -u "$edges" | tr -d '!' | sort -u >"$edges.u"
while read -r a b; do
	if [ "$a" \< "$b" ] && grep -qx "$b $a" "$edges.u"; then
		echo "$a and $b include each other"
		bad=1
	fi
done <"$edges.u"
rm -f "$edges.u"
exit $bad
