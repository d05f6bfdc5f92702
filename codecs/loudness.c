/* EBU R128 measures through libebur128 (see loudness.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include <ebur128.h>

#include "codecs/loudness.h"

struct loudness {
	ebur128_state	*st;
	uint64_t	 samples;
};

struct loudness *
loudness_new(unsigned rate)
{
	struct loudness *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->st = ebur128_init(1, rate, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK |
	    EBUR128_MODE_SAMPLE_PEAK);
	if (l->st == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

int
loudness_add_float(struct loudness *l, const float *x, size_t n)
{
	l->samples += n;
	return ebur128_add_frames_float(l->st, x, n) == EBUR128_SUCCESS ? 0 : -ENOMEM;
}

int
loudness_add_s16(struct loudness *l, const int16_t *x, size_t n)
{
	l->samples += n;
	return ebur128_add_frames_short(l->st, x, n) == EBUR128_SUCCESS ? 0 : -ENOMEM;
}

double
loudness_db(double amplitude)
{
	return amplitude > 0 ? 20 * log10(amplitude) : -HUGE_VAL;
}

double
loudness_amplitude(double db)
{
	return pow(10, db / 20);
}

void
loudness_get(struct loudness *l, struct loudness_result *r)
{
	double tp = 0, sp = 0;

	if (ebur128_loudness_global(l->st, &r->integrated) != EBUR128_SUCCESS)
		r->integrated = -HUGE_VAL;
	ebur128_true_peak(l->st, 0, &tp);
	ebur128_sample_peak(l->st, 0, &sp);
	r->true_peak = loudness_db(tp);
	r->sample_peak = loudness_db(sp);
	r->samples = l->samples;
}

void
loudness_free(struct loudness *l)
{
	if (l == NULL)
		return;
	ebur128_destroy(&l->st);
	free(l);
}
