#!/bin/sh
# The layering check (tests/layering.sh) passes on the tree, and catches a
# forbidden include and two folders that include each other in a copy of it.
set -u
TOP=$(pwd)
T=$(mktemp -d /tmp/loaxa-layers.XXXXXX)
trap 'rm -rf "$T"' EXIT

if out=$(sh tests/layering.sh "$TOP" 2>&1); then
	echo "ok - the tree keeps its layers"
else
	echo "not ok - the tree keeps its layers"
	echo "$out" >&2
fi

cp -r config codecs daemon tests "$T"/
echo '#include "daemon/station/station.h"' >>"$T/daemon/audio/player.c"
if out=$(sh "$T/tests/layering.sh" "$T" 2>&1); then
	echo "not ok - a forbidden include (audio -> station) is caught"
else
	case $out in
	*"daemon/audio/player.c:"*"daemon/audio may not include daemon/station/station.h"*)
		echo "ok - a forbidden include (audio -> station) is caught" ;;
	*)	echo "not ok - a forbidden include (audio -> station) is named"; echo "$out" >&2 ;;
	esac
fi
case $out in
*"daemon/audio and daemon/station include each other"*)
	echo "ok - two folders that include each other are named" ;;
*)	echo "not ok - two folders that include each other are named"; echo "$out" >&2 ;;
esac

mkdir -p "$T/daemon/newroom" && echo '/* x */' >"$T/daemon/newroom/x.c"
if sh "$T/tests/layering.sh" "$T" 2>&1 | grep -q 'daemon/newroom has no place'; then
	echo "ok - a new folder must be given its place"
else
	echo "not ok - a new folder must be given its place"
fi
