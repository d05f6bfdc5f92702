/*
 * Downmixing multichannel Opus to mono or stereo: a small fixed matrix per
 * channel count, chosen once per link, applied to each decoded packet.
 */
#include <errno.h>
#include <math.h>

#include "codecs/opus_downmix.h"

#define W_FRONT	1.0f
#define W_SIDE	0.70710678f	/* -3 dB: centre and surrounds */
#define W_HALF	0.5f		/* rear centre, to each side */

/*
 * Weights to (left, right) before normalisation, per channel count, in the
 * Vorbis order of RFC 7845 section 5.1.1.2. LFE rows are zero.
 */
static const float downmix_weights[OPUS_DOWNMIX_MAX_IN][OPUS_DOWNMIX_MAX_IN][2] = {
	/* 1: mono */
	{ { W_FRONT, W_FRONT } },
	/* 2: L R */
	{ { W_FRONT, 0 }, { 0, W_FRONT } },
	/* 3: L C R */
	{ { W_FRONT, 0 }, { W_SIDE, W_SIDE }, { 0, W_FRONT } },
	/* 4: FL FR RL RR */
	{ { W_FRONT, 0 }, { 0, W_FRONT }, { W_SIDE, 0 }, { 0, W_SIDE } },
	/* 5: FL C FR RL RR */
	{ { W_FRONT, 0 }, { W_SIDE, W_SIDE }, { 0, W_FRONT }, { W_SIDE, 0 }, { 0, W_SIDE } },
	/* 6: FL C FR RL RR LFE */
	{ { W_FRONT, 0 }, { W_SIDE, W_SIDE }, { 0, W_FRONT }, { W_SIDE, 0 }, { 0, W_SIDE },
	  { 0, 0 } },
	/* 7: FL C FR SL SR RC LFE */
	{ { W_FRONT, 0 }, { W_SIDE, W_SIDE }, { 0, W_FRONT }, { W_SIDE, 0 }, { 0, W_SIDE },
	  { W_HALF, W_HALF }, { 0, 0 } },
	/* 8: FL C FR SL SR RL RR LFE */
	{ { W_FRONT, 0 }, { W_SIDE, W_SIDE }, { 0, W_FRONT }, { W_SIDE, 0 }, { 0, W_SIDE },
	  { W_SIDE, 0 }, { 0, W_SIDE }, { 0, 0 } },
};

int
opus_downmix_init(struct opus_downmix *d, unsigned in_ch, unsigned out_ch)
{
	const float (*w)[2];
	float sum_l = 0, sum_r = 0;
	unsigned c;

	if (in_ch < 1 || in_ch > OPUS_DOWNMIX_MAX_IN || out_ch < 1 || out_ch > 2)
		return -EINVAL;
	w = downmix_weights[in_ch - 1];
	for (c = 0; c < in_ch; c++) {
		sum_l += w[c][0];
		sum_r += w[c][1];
	}
	d->in_ch = in_ch;
	d->out_ch = out_ch;
	for (c = 0; c < in_ch; c++) {
		float l = w[c][0] / sum_l, r = w[c][1] / sum_r;

		if (out_ch == 2) {
			d->m[c][0] = l;
			d->m[c][1] = r;
		} else {
			d->m[c][0] = (l + r) / 2;
			d->m[c][1] = 0;
		}
	}
	return 0;
}

int16_t
opus_downmix_s16(float x)
{
	float v = x * 32768.0f;

	/* Clip in float first: lrintf of a value out of range (or NaN) is undefined. */
	if (!(v > -32768.0f))
		return v == v ? -32768 : 0;
	if (v >= 32767.0f)
		return 32767;
	return (int16_t)lrintf(v);
}

void
opus_downmix_run(const struct opus_downmix *d, const float *in, int16_t *out, size_t frames)
{
	unsigned c, in_ch = d->in_ch;
	size_t i;

	if (d->out_ch == 2) {
		for (i = 0; i < frames; i++, in += in_ch) {
			float l = 0, r = 0;

			for (c = 0; c < in_ch; c++) {
				l += d->m[c][0] * in[c];
				r += d->m[c][1] * in[c];
			}
			*out++ = opus_downmix_s16(l);
			*out++ = opus_downmix_s16(r);
		}
		return;
	}
	for (i = 0; i < frames; i++, in += in_ch) {
		float m = 0;

		for (c = 0; c < in_ch; c++)
			m += d->m[c][0] * in[c];
		*out++ = opus_downmix_s16(m);
	}
}
