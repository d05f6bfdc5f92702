/*
 * Downmixing decoded multichannel Opus (Vorbis channel order, RFC 7845
 * section 5.1.1.2) to the station's mono or stereo output, in S16.
 */
#ifndef LOAXA_OPUS_DOWNMIX_H
#define LOAXA_OPUS_DOWNMIX_H

#include <stddef.h>
#include <stdint.h>

#define OPUS_DOWNMIX_MAX_IN	8

/* A mixing matrix: out[o] = sum over c of m[c][o] * in[c]. */
struct opus_downmix {
	unsigned in_ch;
	unsigned out_ch;
	float	m[OPUS_DOWNMIX_MAX_IN][2];
};

/*
 * Sets up the matrix for in_ch (1..8) input channels in Vorbis order and
 * out_ch (1 or 2) outputs. Returns 0, or -EINVAL for other counts.
 *
 * Stereo: each input goes to the left, the right, or both, with the
 * ITU-R BS.775 weights (front 1, centre and surround 0.7071, rear centre 0.5
 * to each side); the LFE channel is left out, as in that recommendation. Each
 * output is then divided by the sum of its weights, so that the mix cannot
 * clip. Mono is the average of that left and right.
 */
int	opus_downmix_init(struct opus_downmix *, unsigned in_ch, unsigned out_ch);

/*
 * Mixes frames of interleaved float input (in_ch channels, full scale 1.0)
 * into interleaved S16 output (out_ch channels), rounding and clipping.
 */
void	opus_downmix_run(const struct opus_downmix *, const float *in, int16_t *out, size_t frames);

/* Converts one float sample (full scale 1.0) to S16, rounding and clipping. */
int16_t	opus_downmix_s16(float x);

#endif
