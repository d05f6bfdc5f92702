/*
 * The limiter (see limiter.h). For each sample, need[t] is the gain that
 * keeps it under the ceiling (1 when it is already). The gain applied is
 * the moving average, over L samples, of the running minimum of need over
 * the next L samples (relaxed back towards 1 by the release): every term of
 * the average at a peak's time is at most that peak's need, so no peak gets
 * through, and the average makes the gain a ramp, not a step. L is the
 * look-ahead; the sound is delayed by L - 1 samples.
 */
#include <math.h>
#include <stdlib.h>

#include "codecs/limiter.h"
#include "codecs/loudness.h"

#define LOOKAHEAD_MS	5
#define RELEASE_MS	100

struct limiter {
	size_t	 L;
	double	 gain, ceiling, release;
	float	*x;		/* ring of the last L samples (after the gain) */
	float	*need;		/* ring of their needs, for the running minimum */
	size_t	*dq;		/* the running minimum: indices of increasing need */
	size_t	 dq_head, dq_len;
	double	*held;		/* ring of the last L minima after the release */
	double	 sum;		/* of held */
	double	 last;		/* the last minimum after the release */
	size_t	 n_in;		/* samples taken */
	size_t	 touched;
};

struct limiter *
limiter_new(unsigned rate, double gain_db, double ceiling_db)
{
	struct limiter *l = calloc(1, sizeof(*l));
	size_t i;

	if (l == NULL)
		return NULL;
	l->L = (size_t)rate * LOOKAHEAD_MS / 1000;
	if (l->L < 2)
		l->L = 2;
	l->gain = loudness_amplitude(gain_db);
	l->ceiling = loudness_amplitude(ceiling_db);
	l->release = 1 - exp(-1.0 / ((double)rate * RELEASE_MS / 1000));
	l->x = calloc(l->L, sizeof(*l->x));
	l->need = calloc(l->L, sizeof(*l->need));
	l->dq = calloc(l->L, sizeof(*l->dq));
	l->held = calloc(l->L, sizeof(*l->held));
	if (l->x == NULL || l->need == NULL || l->dq == NULL || l->held == NULL) {
		limiter_free(l);
		return NULL;
	}
	for (i = 0; i < l->L; i++)
		l->held[i] = 1;
	l->sum = (double)l->L;
	l->last = 1;
	return l;
}

/* Adds sample t's need to the running minimum of the last L, dropping the one that left. */
static double
limiter_window_min(struct limiter *l, size_t t, float need)
{
	size_t L = l->L;

	if (l->dq_len > 0 && l->dq[l->dq_head] + L <= t) {
		l->dq_head = (l->dq_head + 1) % L;
		l->dq_len--;
	}
	l->need[t % L] = need;
	while (l->dq_len > 0 && l->need[l->dq[(l->dq_head + l->dq_len - 1) % L] % L] >= need)
		l->dq_len--;
	l->dq[(l->dq_head + l->dq_len++) % L] = t;
	return l->need[l->dq[l->dq_head] % L];
}

/* Takes one sample; returns 1 and *out when one comes out. */
static int
limiter_step(struct limiter *l, float in, float *out)
{
	size_t L = l->L, t = l->n_in++, m;
	double xg = (double)in * l->gain, a = fabs(xg), need, h, g;

	need = a > l->ceiling ? l->ceiling / a : 1.0;
	if (need < 1.0)
		l->touched++;
	h = limiter_window_min(l, t, (float)need);
	/* The release: back towards 1, never above the minimum. */
	h = fmin(h, l->last + (1 - l->last) * l->release);
	l->last = h;
	l->x[t % L] = (float)xg;
	if (t + 1 < L)
		return 0;
	m = t + 1 - L;		/* the sample the minimum starts at, now sure */
	l->sum += h - l->held[m % L];
	l->held[m % L] = h;
	g = l->sum / (double)L;

	/* Never above the ceiling, even by the rounding of the running sum. */
	*out = (float)fmax(-l->ceiling, fmin(l->ceiling, l->x[m % L] * g));
	return 1;
}

size_t
limiter_run(struct limiter *l, const float *in, float *out, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += (size_t)limiter_step(l, in[i], &out[k]);
	return k;
}

size_t
limiter_flush(struct limiter *l, float *out)
{
	size_t i, k = 0;

	for (i = 0; i + 1 < l->L; i++)
		k += (size_t)limiter_step(l, 0.0f, &out[k]);
	return k;
}

size_t
limiter_delay(const struct limiter *l)
{
	return l->L - 1;
}

size_t
limiter_touched(const struct limiter *l)
{
	return l->touched;
}

void
limiter_free(struct limiter *l)
{
	if (l == NULL)
		return;
	free(l->x);
	free(l->need);
	free(l->dq);
	free(l->held);
	free(l);
}
