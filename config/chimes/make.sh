#!/bin/sh
# Makes the two sounds loaxa ships, from nothing but sox and opusenc, so that
# anyone can see what they are and make them again (the .opus files are
# committed: 24 KB, and the build then needs neither tool):
#   chime.opus      the attention chime before a bulletin: a soft two-tone
#                   "ding-dong" (E5 then C5 with a bell-like decay), 1.2 s
#   emergency.opus  the emergency tone: a hi-lo alternation (960/770 Hz, the
#                   pattern of a European two-tone siren, which no one takes
#                   for a programme jingle), 4 cycles, 2 s
# Mono, 48 kHz, 32 kbit/s: the chime at about -16 LUFS (peaks at -10 dBFS),
# the level of a bulletin brought to -16 LUFS; the tone 3 LU louder (-13).
# Usage: sh config/chimes/make.sh [OUTDIR]   (default: config/chimes)
set -eu
out=${1:-$(dirname "$0")}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A bell-like tone: the fundamental and a quiet octave, shaped by a fast
# attack and an exponential-looking decay (sox's fade q).
sox -n -r 48000 -c 1 -b 16 "$tmp/ding.wav" synth 0.6 sine 659.26 sine 1318.5 remix 1v0.8,2v0.2 \
	fade q 0.005 0.6 0.45
sox -n -r 48000 -c 1 -b 16 "$tmp/dong.wav" synth 0.9 sine 523.25 sine 1046.5 remix 1v0.8,2v0.2 \
	fade q 0.005 0.9 0.75
sox "$tmp/ding.wav" "$tmp/dong.wav" "$tmp/chime.wav" norm -10 trim 0 1.2

# The emergency tone: square-ish (a sine with its third harmonic) so that it
# carries over horn speakers, each half 0.25 s, short fades against clicks.
sox -n -r 48000 -c 1 -b 16 "$tmp/hi.wav" synth 0.25 sine 960 sine 2880 remix 1v0.85,2v0.15 fade t 0.01 0.25 0.01
sox -n -r 48000 -c 1 -b 16 "$tmp/lo.wav" synth 0.25 sine 770 sine 2310 remix 1v0.85,2v0.15 fade t 0.01 0.25 0.01
sox "$tmp/hi.wav" "$tmp/lo.wav" "$tmp/hi.wav" "$tmp/lo.wav" "$tmp/hi.wav" "$tmp/lo.wav" \
	"$tmp/hi.wav" "$tmp/lo.wav" "$tmp/emergency.wav" norm -11

# --discard-comments keeps the encoder's version out, so the files depend only on this script.
opusenc --quiet --bitrate 32 --discard-comments --title "loaxa chime" "$tmp/chime.wav" "$out/chime.opus"
opusenc --quiet --bitrate 32 --discard-comments --title "loaxa emergency tone" "$tmp/emergency.wav" \
	"$out/emergency.opus"
