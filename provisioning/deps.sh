#!/bin/sh
# Installs the Debian 12 packages that loaxa's build, tests and demo need.
# Quick when they are all there; otherwise says what it installs, then does it.
set -eu

PKGS="build-essential pkg-config gettext locales
libasound2-dev libogg-dev libopus-dev libconfig-dev libmosquitto-dev
libsqlite3-dev libsodium-dev libjansson-dev libssl-dev openssl
libopusfile-dev libopusenc-dev libebur128-dev libseccomp-dev
libavformat-dev libavcodec-dev libswresample-dev libavutil-dev libopencore-amrnb-dev
mosquitto mosquitto-clients alsa-utils opus-tools ffmpeg espeak-ng sox pv jq
clang libclang-rt-14-dev llvm-14 strace faketime iproute2 procps
openssl libssl-dev systemd sqlite3 icecast2 libcurl4-openssl-dev curl"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "loaxa: these Debian packages are needed and not installed:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
	echo "loaxa: installing them with sudo apt-get (you may be asked for your password)"
else
	echo "loaxa: run 'make deps' as root (or install sudo) to install them" >&2
	exit 1
fi
echo "loaxa: running apt-get update and apt-get install"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
echo "loaxa: dependencies installed"
