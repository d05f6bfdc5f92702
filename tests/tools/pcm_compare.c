/*
 * Compares two raw S16LE captures for tests: finds the alignment (within
 * +-MAXSHIFT frames) that gives the best signal-to-noise ratio of B against
 * A and prints "frames_a frames_b shift snr_db gain_db fit_snr_db": at that
 * alignment, gain_db is the gain that best takes A to B (least squares: a
 * volume setting), and fit_snr_db the SNR of B against A with that gain. The
 * caller asserts on them.
 * Usage: pcm_compare A.raw B.raw CHANNELS [MAXSHIFT]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static int16_t *
load(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	int16_t *buf;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
		perror(path);
		exit(2);
	}
	rewind(f);
	buf = malloc((size_t)len + 2);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		exit(2);
	}
	fclose(f);
	*n = (size_t)len / 2;
	return buf;
}

static double
snr_at(const int16_t *a, size_t na, const int16_t *b, size_t nb, long shift)
{
	double sig = 0, noise = 0;
	size_t i;

	for (i = 0; i < na; i++) {
		long j = (long)i + shift;
		double x = a[i], y = (j >= 0 && (size_t)j < nb) ? b[j] : 0;

		sig += x * x;
		noise += (x - y) * (x - y);
	}
	if (noise == 0)
		return 200;
	return 10 * log10(sig / noise);
}

/* The least-squares gain g of b over a at shift (b ~ g * a), in dB, and the SNR once a is scaled. */
static void
gain_at(const int16_t *a, size_t na, const int16_t *b, size_t nb, long shift, double *gain_db,
    double *fit_snr)
{
	double xy = 0, xx = 0, noise = 0, g;
	size_t i;

	for (i = 0; i < na; i++) {
		long j = (long)i + shift;
		double x = a[i], y = (j >= 0 && (size_t)j < nb) ? b[j] : 0;

		xy += x * y;
		xx += x * x;
	}
	g = xx > 0 ? xy / xx : 0;
	for (i = 0; i < na; i++) {
		long j = (long)i + shift;
		double x = a[i], y = (j >= 0 && (size_t)j < nb) ? b[j] : 0;

		noise += (g * x - y) * (g * x - y);
	}
	*gain_db = g > 0 ? 20 * log10(g) : -200;
	*fit_snr = noise > 0 ? 10 * log10(g * g * xx / noise) : 200;
}

int
main(int argc, char **argv)
{
	size_t na, nb;
	int16_t *a, *b;
	int ch;
	long max, s, best = 0;
	double snr, bsnr = -1e9, gain_db, fit_snr;

	if (argc < 4 || (ch = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: pcm_compare A.raw B.raw CHANNELS [MAXSHIFT]\n");
		return 2;
	}
	max = argc > 4 ? atol(argv[4]) : 2000;
	a = load(argv[1], &na);
	b = load(argv[2], &nb);
	for (s = -max; s <= max; s++) {
		snr = snr_at(a, na, b, nb, s * ch);
		if (snr > bsnr) {
			bsnr = snr;
			best = s;
		}
	}
	gain_at(a, na, b, nb, best * ch, &gain_db, &fit_snr);
	printf("%zu %zu %ld %.1f %.2f %.1f\n", na / (size_t)ch, nb / (size_t)ch, best, bsnr, gain_db,
	    fit_snr);
	free(a);
	free(b);
	return 0;
}
