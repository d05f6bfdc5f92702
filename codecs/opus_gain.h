/*
 * Loudness set without encoding again: an Ogg Opus file copied with the
 * output gain of its OpusHead raised (RFC 7845, section 5.1), which every
 * player applies, the station's own reader included. Its R128_TRACK_GAIN
 * and R128_ALBUM_GAIN tags are relative to that gain (section 5.2.1), so
 * they are lowered by the same amount and stay true. Every page after the
 * tags is copied as it was, renumbered when the tags took more or fewer
 * pages.
 */
#ifndef LOAXA_OPUS_GAIN_H
#define LOAXA_OPUS_GAIN_H

#include <stddef.h>

/* The output gain is a Q7.8 number of dB in 16 bits. */
#define OPUS_GAIN_MIN_Q78	(-32768)
#define OPUS_GAIN_MAX_Q78	32767

struct opus_gain_info {
	int	gain_q78;		/* the file's output gain before */
	char	title[256];		/* its TITLE tag, "" when none */
};

/*
 * Reads the Ogg Opus file on in (from offset 0) and writes it to out with
 * its output gain raised by delta_q78 (out -1: only read *info). 0, or
 * -ERANGE when the new gain does not fit, -EINVAL for a stream it does not
 * know how to edit (the caller encodes again), or a negative errno.
 */
int	opus_gain_copy(int in, int out, int delta_q78, struct opus_gain_info *info);

#endif
