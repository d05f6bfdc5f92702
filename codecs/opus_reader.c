/*
 * The Ogg Opus reader (RFC 7845). libogg finds pages and packets; we follow
 * the links of a chained file, parse their headers, keep track of pre-skip and
 * the granule positions that trim the start and the end, and decode each
 * packet with the plain libopus decoder (mono and stereo streams, straight to
 * the output's rate and channels) or the multistream decoder plus a downmix
 * (surround). Everything is allocated at open; reading only decodes.
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ogg/ogg.h>
#include <opus.h>
#include <opus_multistream.h>

#include "codecs/opus_downmix.h"
#include "codecs/opus_errors.h"
#include "codecs/opus_reader.h"
#include "config/readfile.h"

#define RD_CHUNK	8192		/* bytes per read(2) */
#define RD_MAX_FRAME	5760		/* 120 ms at 48 kHz: the longest Opus packet */
#define RD_MAX_CH	OPUS_DOWNMIX_MAX_IN
#define RD_MAX_PKTS	255		/* a page of 255 lacing values ends at most 255 packets */
#define RD_MAX_TAGS	(8 << 20)	/* OpusTags may hold cover art, but not without limit */
#define RD_MAX_PACKET	(1 << 20)	/* far above the largest real (multistream) packet */
#define RD_END		1		/* internal: the last link has ended */

/* Where the reader is in the current link. */
enum rd_state {
	ST_HEAD,	/* at the link's BOS pages, looking for OpusHead */
	ST_TAGS,	/* OpusHead read, waiting for OpusTags */
	ST_FIRST,	/* headers read, waiting for the first page that ends a packet */
	ST_AUDIO,	/* decoding */
	ST_DONE		/* our stream ended (EOS): skip pages until a new link's BOS */
};

struct opus_reader {
	int	fd;			/* -1 when reading from memory */
	const unsigned char *mem;
	size_t	mem_len, mem_off;
	int	eof;
	unsigned rate, channels, factor;	/* factor: 48000 / rate */

	ogg_sync_state oy;
	ogg_stream_state os;
	enum rd_state state;
	int	err;			/* sticky: once failed, always failed */
	int	ended;

	/* The current link. */
	int	saw_bos;		/* a BOS page was seen in ST_HEAD */
	int	guess;			/* ENOTOPUS, or what the other codec is */
	unsigned ch_in, family, streams, coupled, preskip;
	unsigned char map[RD_MAX_CH];
	uint32_t rate_in;
	int	gain;			/* Q7.8 dB */
	int64_t	start;			/* granule position of the link's first decoded sample */
	int64_t	lo, hi;			/* decoded samples (48 kHz) to play: [lo, hi) */
	int64_t	pos;			/* decoded samples of this link so far */

	OpusDecoder *dec;
	OpusMSDecoder *msdec;
	struct opus_downmix mix;

	/* Packets that end on the current page, and which one is next. */
	ogg_packet pkts[RD_MAX_PKTS];
	int	npkts, ipkt;

	/* A decoded packet waiting to be returned: frames [pcm_pos, pcm_end). */
	int16_t	*pcm;
	unsigned pcm_pos, pcm_end;
	float	*fpcm;

	/* For opus_reader_check_file(). */
	unsigned links, first_ch_in;
	uint32_t first_rate_in;
	int	any_audio;
	int	skipped;	/* bytes that were not a page came after the last page */
	uint64_t read_bytes;	/* all the bytes read */
	uint64_t page_bytes;	/* the bytes of the pages among them */
};

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned
le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Parses OpusHead (RFC 7845 section 5.1) into the current link. */
static int
rd_parse_head(struct opus_reader *r, const unsigned char *p, long len)
{
	unsigned i;

	if (len < 19 || memcmp(p, "OpusHead", 8) != 0)
		return OPUS_READER_EBADHEADER;
	if ((p[8] & 0xf0) != 0)
		return OPUS_READER_EUNSUPP;	/* an incompatible major version */
	r->ch_in = p[9];
	r->preskip = le16(p + 10);
	r->rate_in = le32(p + 12);
	r->gain = (int16_t)le16(p + 16);
	r->family = p[18];
	if (r->ch_in == 0)
		return OPUS_READER_EBADHEADER;
	if (r->family == 0) {
		if (r->ch_in > 2)
			return OPUS_READER_EBADHEADER;
		r->streams = 1;
		r->coupled = r->ch_in - 1;
		return 0;
	}
	if (r->family != 1 && r->family != 255)
		return OPUS_READER_EUNSUPP;
	if (r->family == 1 && r->ch_in > 8)
		return OPUS_READER_EBADHEADER;
	if (len < 21 + (long)r->ch_in)
		return OPUS_READER_EBADHEADER;
	r->streams = p[19];
	r->coupled = p[20];
	if (r->streams == 0 || r->coupled > r->streams || r->streams + r->coupled > 255)
		return OPUS_READER_EBADHEADER;
	if (r->ch_in > RD_MAX_CH || r->streams > RD_MAX_CH)
		return OPUS_READER_EUNSUPP;
	for (i = 0; i < r->ch_in; i++) {
		r->map[i] = p[21 + i];
		if (r->map[i] != 255 && r->map[i] >= r->streams + r->coupled)
			return OPUS_READER_EBADHEADER;
	}
	return 0;
}

/* Checks that OpusTags (RFC 7845 section 5.2) is well formed; we use none of it. */
static int
rd_check_tags(const unsigned char *p, long len)
{
	uint32_t n, i, l;
	long off;

	if (len < 16 || memcmp(p, "OpusTags", 8) != 0)
		return OPUS_READER_EBADHEADER;
	l = le32(p + 8);
	if (l > (uint32_t)(len - 16))
		return OPUS_READER_EBADHEADER;
	off = 12 + (long)l;
	n = le32(p + off);
	off += 4;
	/* Each comment takes at least 4 bytes, so this loop ends with the packet. */
	for (i = 0; i < n; i++) {
		if (len - off < 4)
			return OPUS_READER_EBADHEADER;
		l = le32(p + off);
		off += 4;
		if (l > (uint32_t)(len - off))
			return OPUS_READER_EBADHEADER;
		off += (long)l;
	}
	return 0;
}

/* Reads the next chunk into libogg's buffer: bytes read, 0 at the end, or -errno. */
static int
rd_fill(struct opus_reader *r)
{
	char *buf = ogg_sync_buffer(&r->oy, RD_CHUNK);
	ssize_t n;

	if (buf == NULL)
		return -ENOMEM;
	if (r->fd < 0) {
		n = (ssize_t)(r->mem_len - r->mem_off);
		if (n > RD_CHUNK)
			n = RD_CHUNK;
		memcpy(buf, r->mem + r->mem_off, (size_t)n);
		r->mem_off += (size_t)n;
	} else {
		do
			n = read(r->fd, buf, RD_CHUNK);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return errno == EISDIR ? -EISDIR : OPUS_READER_EIO;
	}
	if (ogg_sync_wrote(&r->oy, (long)n) != 0)
		return OPUS_READER_EIO;
	r->read_bytes += (uint64_t)n;
	return (int)n;
}

/* 1 when the bytes libogg looks at next begin a page ("OggS", or as much of it as there is). */
static int
rd_at_capture(const struct opus_reader *r)
{
	long n = r->oy.fill - r->oy.returned;

	return n > 0 && memcmp(r->oy.data + r->oy.returned, "OggS", n < 4 ? (size_t)n : 4) == 0;
}

/*
 * Finds the next page: 1, 0 at a clean end of file, or a negative error.
 * Bytes that are not a page are damage when a page follows them, or when
 * they begin like a page (one with a bad checksum); at the end of the file
 * they are padding (zeros a copy tool left, an ID3v1 tag), and the file
 * ends where its last page does. (libogg's ogg_sync_pageout says only once
 * that it skipped bytes, so padding is counted as what was read minus pages.)
 */
static int
rd_page(struct opus_reader *r, ogg_page *og)
{
	int rc, page_here;

	for (;;) {
		page_here = rd_at_capture(r);
		rc = ogg_sync_pageout(&r->oy, og);
		if (rc == 1 && r->skipped)
			return OPUS_READER_ECORRUPT;	/* a page after bytes that were not one */
		if (rc == 1) {
			r->page_bytes += (uint64_t)(og->header_len + og->body_len);
			return 1;
		}
		if (rc < 0 && page_here)
			return OPUS_READER_ECORRUPT;	/* a page with a bad checksum */
		if (rc < 0) {
			r->skipped = 1;		/* padding, or damage if a page follows */
			continue;
		}
		if (r->eof && page_here)
			return OPUS_READER_ETRUNC;	/* the file ends inside a page */
		if (r->eof) {
			/* Fewer bytes than a page header, and not one: padding too. */
			r->oy.returned = r->oy.fill;
			return 0;
		}
		if ((rc = rd_fill(r)) < 0)
			return rc;
		if (rc == 0)
			r->eof = 1;
	}
}

/* A BOS page at the start of a link: is it the Opus stream we play? */
static int
rd_on_head_page(struct opus_reader *r, ogg_page *og)
{
	ogg_packet op;
	int rc;

	if (!ogg_page_bos(og))
		return r->saw_bos ? r->guess : OPUS_READER_EBADHEADER;
	r->saw_bos = 1;
	if (og->body_len < 8 || memcmp(og->body, "OpusHead", 8) != 0) {
		if (r->guess == OPUS_READER_ENOTOPUS)
			r->guess = opus_guess_codec(og);
		return 0;
	}
	ogg_stream_reset_serialno(&r->os, ogg_page_serialno(og));
	if (ogg_stream_pagein(&r->os, og) != 0)
		return OPUS_READER_ECORRUPT;
	if (ogg_stream_packetout(&r->os, &op) != 1)
		return OPUS_READER_EBADHEADER;
	if ((rc = rd_parse_head(r, op.packet, op.bytes)) < 0)
		return rc;
	/* OpusHead is alone on its page (RFC 7845). */
	if (ogg_stream_packetout(&r->os, &op) != 0)
		return OPUS_READER_EBADHEADER;
	if (r->links++ == 0) {
		r->first_ch_in = r->ch_in;
		r->first_rate_in = r->rate_in;
	}
	r->state = ST_TAGS;
	return 0;
}

/* A page of our stream while waiting for OpusTags, which may span pages. */
static int
rd_on_tags_page(struct opus_reader *r, ogg_page *og)
{
	ogg_packet op;
	int rc;

	if (ogg_stream_pagein(&r->os, og) != 0)
		return OPUS_READER_ECORRUPT;
	rc = ogg_stream_packetout(&r->os, &op);
	if (rc < 0)
		return OPUS_READER_ECORRUPT;
	if (rc == 0)
		return r->os.body_fill > RD_MAX_TAGS ? OPUS_READER_EBADHEADER : 0;
	if ((rc = rd_check_tags(op.packet, op.bytes)) < 0)
		return rc;
	/* Audio starts on a fresh page (RFC 7845). */
	if (ogg_stream_packetout(&r->os, &op) != 0)
		return OPUS_READER_EBADHEADER;
	r->state = ogg_page_eos(og) ? ST_DONE : ST_FIRST;
	return 0;
}

/*
 * The first page that ends packets fixes where the link starts (RFC 7845,
 * granule position): its granule position minus the packets' durations. Less than
 * zero on the last page means end trimming; elsewhere we trim the excess from
 * the beginning, on top of pre-skip, instead of refusing the file.
 */
static int
rd_link_start(struct opus_reader *r, int64_t gp, int eos)
{
	int64_t dur = 0;
	int i, d;
	OpusDecoder *dec = r->dec;
	int rc;

	for (i = 0; i < r->npkts; i++) {
		d = opus_packet_get_nb_samples(r->pkts[i].packet, r->pkts[i].bytes, 48000);
		if (d > 0)
			dur += d;
	}
	if (gp < 0)
		return OPUS_READER_ECORRUPT;
	r->start = gp - dur;
	if (r->start < 0 && eos)
		r->start = 0;
	r->lo = (int64_t)r->preskip + (r->start < 0 ? -r->start : 0);
	r->hi = INT64_MAX;
	r->pos = 0;
	r->pcm_pos = r->pcm_end = 0;
	if (r->family == 0) {
		rc = opus_decoder_init(dec, (opus_int32)r->rate, (int)r->channels);
		if (rc == OPUS_OK)
			rc = opus_decoder_ctl(dec, OPUS_SET_GAIN(r->gain));
	} else {
		rc = opus_multistream_decoder_init(r->msdec, (opus_int32)r->rate, (int)r->ch_in,
		    (int)r->streams, (int)r->coupled, r->map);
		if (rc == OPUS_OK)
			rc = opus_multistream_decoder_ctl(r->msdec, OPUS_SET_GAIN(r->gain));
		if (rc == OPUS_OK && opus_downmix_init(&r->mix, r->ch_in, r->channels) < 0)
			rc = OPUS_BAD_ARG;
	}
	return rc == OPUS_OK ? 0 : OPUS_READER_EBADHEADER;
}

/* A page of our stream with audio: take every packet that ends on it. */
static int
rd_on_audio_page(struct opus_reader *r, ogg_page *og)
{
	int64_t gp = ogg_page_granulepos(og);
	int eos = ogg_page_eos(og), n = 0, rc;

	if (ogg_stream_pagein(&r->os, og) != 0)
		return OPUS_READER_ECORRUPT;
	while (n < RD_MAX_PKTS && (rc = ogg_stream_packetout(&r->os, &r->pkts[n])) != 0) {
		if (rc < 0)
			return OPUS_READER_ECORRUPT;	/* a hole: a page is missing */
		n++;
	}
	if (r->os.body_fill > RD_MAX_PACKET)
		return OPUS_READER_ECORRUPT;
	r->npkts = n;
	r->ipkt = 0;
	if (r->state == ST_FIRST && n > 0) {
		if ((rc = rd_link_start(r, gp, eos)) < 0)
			return rc;
		r->state = ST_AUDIO;
	}
	if (eos) {
		/* End trimming: the last page's granule position ends the link. */
		if (r->state == ST_AUDIO && gp >= 0 &&
		    (r->start >= 0 || gp <= INT64_MAX + r->start))
			r->hi = gp - r->start;
		r->state = ST_DONE;
	}
	return 0;
}

/* Starts a new link at a BOS page. */
static int
rd_new_link(struct opus_reader *r, ogg_page *og)
{
	r->state = ST_HEAD;
	r->saw_bos = 0;
	r->guess = OPUS_READER_ENOTOPUS;
	return rd_on_head_page(r, og);
}

static int
rd_on_page(struct opus_reader *r, ogg_page *og)
{
	int ours = r->state != ST_HEAD && ogg_page_serialno(og) == (int)r->os.serialno;

	switch (r->state) {
	case ST_HEAD:
		return rd_on_head_page(r, og);
	case ST_TAGS:
		/* Other streams' BOS pages may follow ours in the same link. */
		return ours && !ogg_page_bos(og) ? rd_on_tags_page(r, og) : 0;
	case ST_FIRST:
	case ST_AUDIO:
		/* A BOS page after the headers starts a new link, EOS or not. */
		if (ogg_page_bos(og))
			return rd_new_link(r, og);
		return ours ? rd_on_audio_page(r, og) : 0;
	case ST_DONE:
		return ogg_page_bos(og) ? rd_new_link(r, og) : 0;
	}
	return OPUS_READER_ECORRUPT;
}

/* At a clean end of file: the end, or too early. */
static int
rd_at_eof(const struct opus_reader *r)
{
	if (r->state == ST_HEAD && r->saw_bos && r->guess != OPUS_READER_ENOTOPUS)
		return r->guess;
	if ((r->state == ST_AUDIO || r->state == ST_DONE) && r->any_audio)
		return RD_END;
	return OPUS_READER_ETRUNC;
}

/* The next packet to decode: 0 and *op, RD_END, or a negative error. */
static int
rd_packet(struct opus_reader *r, const ogg_packet **op)
{
	ogg_page og;
	int rc;

	while (r->ipkt >= r->npkts) {
		r->npkts = r->ipkt = 0;
		if ((rc = rd_page(r, &og)) < 0)
			return rc;
		if (rc == 0)
			return rd_at_eof(r);
		if ((rc = rd_on_page(r, &og)) < 0)
			return rc;
	}
	*op = &r->pkts[r->ipkt++];
	return 0;
}

/*
 * Float to S16, clipped. A plain loop the compiler vectorises: libopus's own
 * 16-bit path soft-clips every sample first, which measured 10% of the
 * station's CPU on stereo music.
 */
static void
rd_to_s16(const float *in, int16_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		float v = in[i] * 32768.0f;

		v = v > 32767.0f ? 32767.0f : v;
		v = v < -32768.0f ? -32768.0f : v;
		out[i] = (int16_t)lrintf(v);
	}
}

/* Decodes one packet of n output frames into dst. */
static int
rd_decode(struct opus_reader *r, const ogg_packet *op, int16_t *dst, int n)
{
	int got;

	if (r->family == 0) {
		got = opus_decode_float(r->dec, op->packet, (opus_int32)op->bytes, r->fpcm, n, 0);
		if (got > 0)
			rd_to_s16(r->fpcm, dst, (size_t)got * r->channels);
	} else {
		got = opus_multistream_decode_float(r->msdec, op->packet, (opus_int32)op->bytes,
		    r->fpcm, n, 0);
		if (got > 0)
			opus_downmix_run(&r->mix, r->fpcm, dst, (size_t)got);
	}
	return got == n ? 0 : OPUS_READER_ECORRUPT;
}

/* Output frames (rounded) for a count of 48 kHz samples from the link's start. */
static int64_t
rd_out(const struct opus_reader *r, int64_t x)
{
	return (x + r->factor / 2) / r->factor;
}

/*
 * Decodes the next packet: straight into dst when all of it plays and fits
 * (*wrote frames), otherwise into our buffer with the trimmed part marked.
 * Returns 0, RD_END or a negative error.
 */
static int
rd_step(struct opus_reader *r, int16_t *dst, size_t room, size_t *wrote)
{
	const ogg_packet *op = NULL;
	int64_t a, b, s, e;
	int d, n, rc;

	*wrote = 0;
	if ((rc = rd_packet(r, &op)) != 0)
		return rc;
	d = opus_packet_get_nb_samples(op->packet, op->bytes, 48000);
	if (d <= 0)
		return OPUS_READER_ECORRUPT;
	a = r->pos;
	b = a + d;
	r->pos = b;
	if (a >= r->hi)
		return 0;		/* wholly after the end: no need to decode */
	n = d / (int)r->factor;
	s = rd_out(r, r->lo) - a / r->factor;
	e = b <= r->hi ? n : rd_out(r, r->hi) - a / r->factor;
	s = s < 0 ? 0 : s > n ? n : s;
	e = e < s ? s : e;
	if (s == 0 && e == n && room >= (size_t)n) {
		if ((rc = rd_decode(r, op, dst, n)) < 0)
			return rc;
		*wrote = (size_t)n;
	} else {
		if ((rc = rd_decode(r, op, r->pcm, n)) < 0)
			return rc;
		r->pcm_pos = (unsigned)s;
		r->pcm_end = (unsigned)e;
	}
	if (e > s)
		r->any_audio = 1;
	return 0;
}

long
opus_reader_read(struct opus_reader *r, int16_t *pcm, size_t max_frames)
{
	size_t got = 0, n, wrote;
	int rc;

	if (r->err != 0)
		return r->err;
	if (pcm == NULL || max_frames == 0)
		return -EINVAL;		/* 0 would read as the end */
	while (got < max_frames && !r->ended) {
		if (r->pcm_pos < r->pcm_end) {
			n = r->pcm_end - r->pcm_pos;
			if (n > max_frames - got)
				n = max_frames - got;
			memcpy(pcm + got * r->channels, r->pcm + (size_t)r->pcm_pos * r->channels,
			    n * r->channels * sizeof(*pcm));
			r->pcm_pos += (unsigned)n;
			got += n;
			continue;
		}
		rc = rd_step(r, pcm + got * r->channels, max_frames - got, &wrote);
		if (rc == RD_END) {
			r->ended = 1;
		} else if (rc < 0) {
			r->err = rc;
			break;
		}
		got += wrote;
	}
	if (got > 0)
		return (long)got;
	return r->err;
}

/* Reads the headers and the first audio page of the first link. */
static int
rd_start(struct opus_reader *r)
{
	ogg_page og;
	int rc;

	if ((rc = rd_fill(r)) < 0)
		return rc;
	if (rc == 0)
		return OPUS_READER_EEMPTY;
	if (rc < 4 || memcmp(r->oy.data, "OggS", 4) != 0)
		return opus_sniff(r->oy.data, (size_t)rc);
	r->state = ST_HEAD;
	r->guess = OPUS_READER_ENOTOPUS;
	while (r->npkts == 0) {
		if ((rc = rd_page(r, &og)) < 0)
			return rc;
		if (rc == 0)
			return (rc = rd_at_eof(r)) == RD_END ? OPUS_READER_ETRUNC : rc;
		if ((rc = rd_on_page(r, &og)) < 0)
			return rc;
	}
	return 0;
}

static struct opus_reader *
rd_open(int fd, const unsigned char *buf, size_t len, unsigned rate, unsigned channels, int *err)
{
	struct opus_reader *r;
	int rc = -ENOMEM;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto fail;
	r->fd = fd;
	r->mem = buf;
	r->mem_len = len;
	r->rate = rate;
	r->channels = channels;
	r->factor = 48000 / rate;
	ogg_sync_init(&r->oy);
	/*
	 * Room for the largest page (65307 bytes) and a chunk now, so that libogg
	 * need not grow its buffer while we play.
	 */
	if (ogg_sync_buffer(&r->oy, 65536 + 2 * RD_CHUNK) == NULL ||
	    ogg_stream_init(&r->os, 0) != 0)
		goto fail;
	r->pcm = malloc(RD_MAX_FRAME * 2 * sizeof(*r->pcm));
	r->fpcm = malloc(RD_MAX_FRAME * RD_MAX_CH * sizeof(*r->fpcm));
	r->dec = malloc((size_t)opus_decoder_get_size(2));
	r->msdec = malloc((size_t)opus_multistream_decoder_get_size(RD_MAX_CH, RD_MAX_CH));
	if (r->pcm == NULL || r->fpcm == NULL || r->dec == NULL || r->msdec == NULL)
		goto fail;
	if ((rc = rd_start(r)) < 0)
		goto fail;
	*err = 0;
	return r;
fail:
	if (r != NULL)
		r->fd = -1;	/* the caller closes what it opened */
	opus_reader_free(r);
	*err = rc;
	return NULL;
}

static int
rd_valid_format(unsigned rate, unsigned channels)
{
	return (rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 ||
	    rate == 48000) && (channels == 1 || channels == 2);
}

struct opus_reader *
opus_reader_open_mem(const unsigned char *buf, size_t len, unsigned rate, unsigned channels, int *err)
{
	if (!rd_valid_format(rate, channels) || (buf == NULL && len > 0)) {
		*err = -EDOM;
		return NULL;
	}
	return rd_open(-1, buf, len, rate, channels, err);
}

struct opus_reader *
opus_reader_open_file(const char *path, unsigned rate, unsigned channels, int *err)
{
	struct opus_reader *r;
	int fd;

	if (!rd_valid_format(rate, channels)) {
		*err = -EDOM;
		return NULL;
	}
	/* A FIFO or a device put where a bulletin was must not hang the player. */
	if ((fd = readfile_open(path)) < 0) {
		*err = fd;
		return NULL;
	}
	/* We read front to back once: let the kernel read ahead generously. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((r = rd_open(fd, NULL, 0, rate, channels, err)) == NULL)
		close(fd);
	return r;
}

uint64_t
opus_reader_padding(const struct opus_reader *r)
{
	uint64_t pending = (uint64_t)(r->oy.fill - r->oy.returned);

	return r->read_bytes - r->page_bytes - pending;
}

void
opus_reader_free(struct opus_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	ogg_stream_clear(&r->os);
	ogg_sync_clear(&r->oy);
	free(r->msdec);
	free(r->dec);
	free(r->fpcm);
	free(r->pcm);
	free(r);
}

int
opus_reader_check_file(const char *path, unsigned rate, unsigned channels, struct opus_info *info)
{
	struct opus_reader *r;
	int16_t pcm[4096 * 2];
	uint64_t frames = 0;
	long n;
	int err;

	if ((r = opus_reader_open_file(path, rate, channels, &err)) == NULL)
		return err;
	while ((n = opus_reader_read(r, pcm, 4096)) > 0)
		frames += (uint64_t)n;
	if (n == 0) {
		info->frames = frames;
		info->links = r->links;
		info->channels_in = r->first_ch_in;
		info->rate_in = r->first_rate_in;
		info->padding = opus_reader_padding(r);
	}
	opus_reader_free(r);
	return (int)n;
}
