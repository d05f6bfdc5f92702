/*
 * The independent reference decode for tests: libopusfile, without dither,
 * to raw S16LE at 48 kHz with 1 or 2 channels.
 * Usage: opus_refdecode IN.opus OUT.raw CHANNELS [MAXFRAMES]
 */
#include <stdio.h>
#include <stdlib.h>

#include <opusfile.h>

int
main(int argc, char **argv)
{
	OggOpusFile *of;
	opus_int16 pcm[5760 * 2];
	FILE *out;
	int err, n, ch;
	long long left;

	if (argc < 4 || argc > 5 || (ch = atoi(argv[3])) < 1 || ch > 2) {
		fprintf(stderr, "usage: opus_refdecode IN.opus OUT.raw CHANNELS [MAXFRAMES]\n");
		return 2;
	}
	if ((of = op_open_file(argv[1], &err)) == NULL) {
		fprintf(stderr, "opus_refdecode: %s: error %d\n", argv[1], err);
		return 1;
	}
	op_set_dither_enabled(of, 0);
	if ((out = fopen(argv[2], "wb")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	left = argc == 5 ? atoll(argv[4]) : -1;
	while (left != 0) {
		n = ch == 2 ? op_read_stereo(of, pcm, 5760 * 2) : op_read(of, pcm, 5760, NULL);
		if (n == OP_HOLE)
			continue;
		if (n < 0) {
			fprintf(stderr, "opus_refdecode: %s: decode error %d\n", argv[1], n);
			return 1;
		}
		if (n == 0)
			break;
		if (ch == 1 && op_head(of, -1)->channel_count != 1) {
			fprintf(stderr, "opus_refdecode: mono output needs a mono file\n");
			return 1;
		}
		if (left >= 0 && n > left)
			n = (int)left;
		if (left > 0)
			left -= n;
		fwrite(pcm, sizeof(opus_int16) * (size_t)ch, (size_t)n, out);
	}
	op_free(of);
	return fclose(out) == 0 ? 0 : 1;
}
