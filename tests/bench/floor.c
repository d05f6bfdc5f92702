/*
 * The floor for `make bench`: the least work any player must do to play an
 * Ogg Opus file. libogg finds the packets, the plain libopus decoder
 * (opus_decode_float) decodes them at 48 kHz, and the audio is thrown away:
 * no trimming, no conversion, no output. Every player is measured against
 * this in the same run.
 * With -s it also converts to 16-bit samples (saturating, no soft clip),
 * the one extra pass any player feeding an S16 device must make: the
 * difference between the two floors is what the format costs, not loaxa.
 * Usage: floor [-s] FILE.opus   (prints the frames decoded)
 */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ogg/ogg.h>
#include <opus.h>

#define FLOOR_CHUNK	8192
#define FLOOR_MAX_FRAME	5760	/* 120 ms at 48 kHz */

struct floor_state {
	ogg_sync_state	 oy;
	ogg_stream_state os;
	int		 have_stream;
	long		 packets;	/* of the stream, headers included */
	OpusDecoder	*dec;
	float		 pcm[FLOOR_MAX_FRAME * 2];
	int16_t		 s16[FLOOR_MAX_FRAME * 2];
	int		 to_s16;
	int		 channels;
	long long	 frames;
};

/* The first packet is OpusHead: it says how many channels to decode. */
static int
floor_head(struct floor_state *f, const ogg_packet *op)
{
	int err, ch;

	if (op->bytes < 19 || memcmp(op->packet, "OpusHead", 8) != 0)
		return -1;
	ch = op->packet[9];
	if (ch < 1 || ch > 2 || op->packet[18] != 0) {
		fprintf(stderr, "floor: only mono and stereo (mapping family 0) files\n");
		return -1;
	}
	f->channels = ch;
	f->dec = opus_decoder_create(48000, ch, &err);
	return f->dec != NULL ? 0 : -1;
}

static void
floor_s16(int16_t *dst, const float *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		float x = src[i] * 32768.0f;

		dst[i] = (int16_t)(x >= 32767.0f ? 32767 : x <= -32768.0f ? -32768 : (int)lrintf(x));
	}
}

static int
floor_packet(struct floor_state *f, const ogg_packet *op)
{
	int n;

	if (f->packets++ == 0)
		return floor_head(f, op);
	if (f->packets == 2)
		return 0;	/* OpusTags */
	n = opus_decode_float(f->dec, op->packet, (opus_int32)op->bytes, f->pcm, FLOOR_MAX_FRAME, 0);
	if (n < 0) {
		fprintf(stderr, "floor: opus_decode_float: %s\n", opus_strerror(n));
		return -1;
	}
	if (f->to_s16)
		floor_s16(f->s16, f->pcm, (size_t)n * (size_t)f->channels);
	f->frames += n;
	return 0;
}

static int
floor_page(struct floor_state *f, ogg_page *og)
{
	ogg_packet op;

	if (!f->have_stream) {
		ogg_stream_init(&f->os, ogg_page_serialno(og));
		f->have_stream = 1;
	}
	if (ogg_page_serialno(og) != f->os.serialno || ogg_stream_pagein(&f->os, og) != 0)
		return 0;	/* another stream, or a chained link: the floor plays one */
	while (ogg_stream_packetout(&f->os, &op) == 1)
		if (floor_packet(f, &op) < 0)
			return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct floor_state f;
	ogg_page og;
	ssize_t n;
	char *buf;
	const char *path;
	int fd, rc = 0;

	if (argc == 3 && strcmp(argv[1], "-s") == 0)
		f.to_s16 = 1;
	else if (argc != 2) {
		fprintf(stderr, "usage: floor [-s] FILE.opus\n");
		return 2;
	}
	path = argv[argc - 1];
	if ((fd = open(path, O_RDONLY)) < 0) {
		perror(path);
		return 1;
	}
	ogg_sync_init(&f.oy);
	do {
		buf = ogg_sync_buffer(&f.oy, FLOOR_CHUNK);
		n = read(fd, buf, FLOOR_CHUNK);
		if (n < 0 || ogg_sync_wrote(&f.oy, (long)n) != 0) {
			perror(path);
			return 1;
		}
		while (rc == 0 && ogg_sync_pageout(&f.oy, &og) == 1)
			rc = floor_page(&f, &og);
	} while (n > 0 && rc == 0);
	close(fd);
	if (rc == 0 && f.frames == 0)
		rc = -1;
	printf("%lld\n", f.frames);
	opus_decoder_destroy(f.dec);
	if (f.have_stream)
		ogg_stream_clear(&f.os);
	ogg_sync_clear(&f.oy);
	return rc == 0 ? 0 : 1;
}
