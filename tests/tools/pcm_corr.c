/*
 * How alike two raw S16LE mono sounds are whatever their levels, for tests
 * of what was brought to another loudness: finds the alignment (within
 * +-MAXSHIFT frames) with the highest normalised cross-correlation of B
 * against A over A's length, and prints "shift correlation".
 * Usage: pcm_corr A.raw B.raw [MAXSHIFT]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static int16_t *
load(const char *path, long *n)
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
	*n = len / 2;
	return buf;
}

static double
corr_at(const int16_t *a, long na, const int16_t *b, long nb, long shift)
{
	double ab = 0, aa = 0, bb = 0, x, y;
	long i, j;

	for (i = 0; i < na; i++) {
		j = i + shift;
		x = a[i];
		y = j >= 0 && j < nb ? b[j] : 0;
		ab += x * y;
		aa += x * x;
		bb += y * y;
	}
	return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

int
main(int argc, char **argv)
{
	long na, nb, s, best_s = 0, max;
	double c, best = -2;
	int16_t *a, *b;

	if (argc < 3)
		return fprintf(stderr, "usage: pcm_corr A.raw B.raw [MAXSHIFT]\n"), 2;
	a = load(argv[1], &na);
	b = load(argv[2], &nb);
	max = argc > 3 ? atol(argv[3]) : 2000;
	/* Coarse steps first, then every shift around the best. */
	for (s = -max; s <= max; s += 8)
		if ((c = corr_at(a, na, b, nb, s)) > best) {
			best = c;
			best_s = s;
		}
	for (s = best_s - 8; s <= best_s + 8; s++)
		if ((c = corr_at(a, na, b, nb, s)) > best) {
			best = c;
			best_s = s;
		}
	printf("%ld %.4f\n", best_s, best);
	return 0;
}
