/*
 * Finds where a reference starts inside a capture, for tests: searches
 * offsets FROM..TO (frames) for the best match of the reference's first
 * loud tenth of a second, then prints "offset snr_db" for LEN frames of the
 * reference (all of it when LEN is 0) at that offset.
 * Usage: pcm_find REF.raw CAPTURE.raw CHANNELS FROM TO [LEN]
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
	if ((buf = malloc((size_t)len + 2)) == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		exit(2);
	}
	fclose(f);
	*n = (size_t)len / 2;
	return buf;
}

static double
snr(const int16_t *a, size_t n, const int16_t *b, size_t nb, size_t off)
{
	double sig = 0, noise = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double x = a[i], y = off + i < nb ? b[off + i] : 0;

		sig += x * x;
		noise += (x - y) * (x - y);
	}
	return noise == 0 ? 200 : 10 * log10(sig / (noise > 0 ? noise : 1e-9));
}

int
main(int argc, char **argv)
{
	size_t na, nb, probe, len, best = 0, p0;
	long from, to, o;
	double s, bs = -1e9;
	int16_t *a, *b;
	int ch;

	if (argc < 6 || (ch = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: pcm_find REF.raw CAPTURE.raw CHANNELS FROM TO [LEN]\n");
		return 2;
	}
	a = load(argv[1], &na);
	b = load(argv[2], &nb);
	from = atol(argv[4]) < 0 ? 0 : atol(argv[4]);
	to = atol(argv[5]);
	len = argc > 6 && atol(argv[6]) > 0 ? (size_t)atol(argv[6]) * (size_t)ch : na;
	if (len > na)
		len = na;
	/* Probe where the reference is loud: leading silence would match anywhere. */
	for (p0 = 0; p0 < len && abs(a[p0]) < 2000; p0++)
		;
	p0 -= p0 % (size_t)ch;
	probe = 4800 * (size_t)ch < len - p0 ? 4800 * (size_t)ch : len - p0;
	for (o = from; o <= to; o++) {
		s = snr(a + p0, probe, b, nb, (size_t)o * (size_t)ch + p0);
		if (s > bs) {
			bs = s;
			best = (size_t)o;
		}
	}
	printf("%zu %.1f\n", best, snr(a, len, b, nb, best * (size_t)ch));
	free(a);
	free(b);
	return 0;
}
