/*
 * libFuzzer target for codecs/opus_reader: the input is a file, after one
 * byte that picks the output format and whether to repair Ogg page checksums.
 * Repairing lets mutations reach the headers and packets behind libogg's CRC
 * check, where they would otherwise almost all stop.
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. \
 *     $(pkg-config --cflags ogg opus) tests/fuzz/fuzz_opus_reader.c \
 *     codecs/opus_reader.c codecs/opus_downmix.c $(pkg-config --libs ogg opus) -lm
 * ./a.out -max_total_time=60 CORPUS build/fixtures
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ogg/ogg.h>

#include "codecs/opus_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Recomputes the checksum of every whole page found in buf. */
static void
fix_checksums(unsigned char *buf, size_t len)
{
	size_t i = 0, hlen, blen, k;
	ogg_page og;

	while (i + 27 <= len) {
		if (memcmp(buf + i, "OggS", 4) != 0) {
			i++;
			continue;
		}
		hlen = 27 + (size_t)buf[i + 26];
		if (i + hlen > len)
			break;
		for (blen = 0, k = 27; k < hlen; k++)
			blen += buf[i + k];
		if (i + hlen + blen > len)
			break;
		og.header = buf + i;
		og.header_len = (long)hlen;
		og.body = buf + i + hlen;
		og.body_len = (long)blen;
		ogg_page_checksum_set(&og);
		i += hlen + blen;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned rates[] = { 8000, 12000, 16000, 24000, 48000 };
	static int16_t pcm[(5760 + 7) * 2];
	struct opus_reader *r;
	unsigned char *copy;
	size_t max;
	long n;
	int err, rounds = 0;
	unsigned rate, ch;

	if (size < 1)
		return 0;
	rate = rates[(data[0] & 7) % 5];
	ch = 1 + ((data[0] >> 3) & 1);
	max = (data[0] & 0x20) ? 7 : 5760 + 7;	/* odd sizes exercise the buffering */
	/* A private copy, exactly sized, so that ASan sees any overread. */
	if ((copy = malloc(size - 1 + 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 0x40)
		fix_checksums(copy, size - 1);
	r = opus_reader_open_mem(copy, size - 1, rate, ch, &err);
	if (r == NULL) {
		if (opus_reader_strerror(err) == NULL || err >= 0)
			abort();
	} else {
		/* Bounded: a tiny input must not make us decode for minutes. */
		while ((n = opus_reader_read(r, pcm, max)) > 0 && ++rounds < 200000)
			if ((size_t)n > max)
				abort();
		opus_reader_free(r);
	}
	free(copy);
	return 0;
}
