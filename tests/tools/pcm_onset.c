/*
 * Where a loud sound starts in a capture, for tests and benchmarks of sound
 * that went through a lossy codec (whose waveform no longer matches the
 * original's, though its loudness does): prints the first frame at or after
 * FROM (and before TO) whose mono S16LE sample reaches LEVEL in magnitude,
 * or "none" (exit 1).
 * Usage: pcm_onset CAPTURE.raw LEVEL FROM TO
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	FILE *f;
	long level, from, to, i;
	int16_t s;

	if (argc != 5) {
		fprintf(stderr, "usage: pcm_onset CAPTURE.raw LEVEL FROM TO\n");
		return 2;
	}
	level = atol(argv[2]);
	from = atol(argv[3]);
	to = atol(argv[4]);
	if ((f = fopen(argv[1], "rb")) == NULL || fseek(f, from * 2, SEEK_SET) != 0) {
		perror(argv[1]);
		return 2;
	}
	for (i = from; i < to && fread(&s, 2, 1, f) == 1; i++) {
		if (labs((long)s) >= level) {
			printf("%ld\n", i);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	printf("none\n");
	return 1;
}
