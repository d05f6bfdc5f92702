#!/bin/sh
# Installs the players that `make bench` measures loaxa against (Debian 12):
# the ones a technician could install instead of loaxa. `make check` does not
# need them, so they are kept apart from provisioning/deps.sh.
# Quick when they are all there; otherwise says what it installs, then does it.
# A player that cannot be installed is not fatal: the bench reports it as
# "not installed" and measures the others.
set -eu

PKGS="mpv gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-alsa
mpd mpc time"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "loaxa bench: these players are measured and not installed:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
	echo "loaxa bench: installing them with sudo apt-get (you may be asked for your password)"
else
	echo "loaxa bench: run 'sh provisioning/bench-deps.sh' as root to measure them too;" \
	    "going on without them" >&2
	exit 0
fi
echo "loaxa bench: running apt-get update and apt-get install"
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends $missing; then
	echo "loaxa bench: could not install$missing; the bench goes on without them" >&2
	exit 0
fi
# Debian starts the system MPD on installation; the bench runs its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q mpd 2>/dev/null; then
	$SUDO systemctl disable --now mpd mpd.socket >/dev/null 2>&1 || true
fi
echo "loaxa bench: players installed"
