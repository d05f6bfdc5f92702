/*
 * A second reference for `make bench`: libopusfile's op_read() at 48 kHz,
 * output thrown away. Not the floor: it shows what a player built on
 * libopusfile pays on this machine (its multistream decoder and dither),
 * which is why codecs/opus_reader.c decodes with the plain decoder itself.
 * Usage: opusfile_read FILE.opus   (prints the frames decoded)
 */
#include <stdio.h>

#include <opusfile.h>

int
main(int argc, char **argv)
{
	static opus_int16 pcm[5760 * 8];
	long long frames = 0;
	OggOpusFile *of;
	int err, n;

	if (argc != 2) {
		fprintf(stderr, "usage: opusfile_read FILE.opus\n");
		return 2;
	}
	if ((of = op_open_file(argv[1], &err)) == NULL) {
		fprintf(stderr, "opusfile_read: %s: cannot open (%d)\n", argv[1], err);
		return 1;
	}
	while ((n = op_read(of, pcm, (int)(sizeof(pcm) / sizeof(pcm[0])), NULL)) > 0)
		frames += n;
	op_free(of);
	if (n < 0) {
		fprintf(stderr, "opusfile_read: %s: decoding failed (%d)\n", argv[1], n);
		return 1;
	}
	printf("%lld\n", frames);
	return 0;
}
