/*
 * Our Ogg Opus reader (RFC 7845): libogg for the framing, the plain libopus
 * decoder for mono and stereo streams, the multistream decoder (downmixed)
 * only for surround. It decodes to the output's rate and channels directly,
 * reads the file in small chunks and never allocates after it is opened.
 */
#ifndef LOAXA_OPUS_READER_H
#define LOAXA_OPUS_READER_H

#include <stddef.h>
#include <stdint.h>

struct opus_reader;

/* Error codes (negative); opus_reader_strerror() gives a sentence for people. */
#define OPUS_READER_EIO        (-5)    /* read error (errno-style) */
#define OPUS_READER_EEMPTY     (-2001) /* the file is empty */
#define OPUS_READER_ENOTOGG    (-2002) /* not an Ogg file; guess what it is: MP3, WAV, FLAC, ... */
#define OPUS_READER_ENOTOPUS   (-2003) /* Ogg, but not Opus (e.g. Vorbis) */
#define OPUS_READER_EBADHEADER (-2004) /* OpusHead/OpusTags malformed or unsupported */
#define OPUS_READER_ECORRUPT   (-2005) /* checksum error, hole, or a packet libopus rejects */
#define OPUS_READER_ETRUNC     (-2006) /* the file ends inside a page or without any audio */
#define OPUS_READER_EUNSUPP    (-2007) /* valid Opus, but a channel layout we do not play */

/*
 * ENOTOGG when we recognise what the file is instead. Each of these is also
 * "not Ogg": test with OPUS_READER_IS_NOTOGG(err).
 */
#define OPUS_READER_EMP3       (-2101) /* MPEG audio: MP3 (or MP2) */
#define OPUS_READER_EWAV       (-2102) /* RIFF WAVE or RF64 */
#define OPUS_READER_EFLAC      (-2103) /* native FLAC */
#define OPUS_READER_EAAC       (-2104) /* MP4/M4A/3GP or ADTS AAC */
#define OPUS_READER_EWMA       (-2105) /* Windows Media (ASF) */
#define OPUS_READER_EMKV       (-2106) /* Matroska/WebM */
#define OPUS_READER_EAMR       (-2107) /* AMR voice recording */
#define OPUS_READER_IS_NOTOGG(e) \
	((e) == OPUS_READER_ENOTOGG || ((e) <= -2101 && (e) >= -2199))

/*
 * ENOTOPUS when we recognise the codec in the Ogg file. Each of these is also
 * "not Opus": test with OPUS_READER_IS_NOTOPUS(err).
 */
#define OPUS_READER_EVORBIS    (-2201) /* Ogg Vorbis */
#define OPUS_READER_EOGGFLAC   (-2202) /* Ogg FLAC */
#define OPUS_READER_ESPEEX     (-2203) /* Ogg Speex */
#define OPUS_READER_ETHEORA    (-2204) /* Ogg Theora video without Opus audio */
#define OPUS_READER_IS_NOTOPUS(e) \
	((e) == OPUS_READER_ENOTOPUS || ((e) <= -2201 && (e) >= -2299))

/*
 * Opens an Ogg Opus file and parses the first link's headers (OpusHead,
 * OpusTags) and its first audio page, so that a file that is not Opus fails
 * here with a precise reason; it decodes nothing and does not seek.
 * rate: one of 8000, 12000, 16000, 24000, 48000; channels: 1 or 2 (the
 * output, whatever the file has; -EDOM for another). The file is opened so that it cannot
 * block: anything but a regular file is refused (-EINVAL, -EISDIR). Returns
 * NULL and *err.
 */
struct opus_reader *opus_reader_open_file(const char *path, unsigned rate, unsigned channels, int *err);

/*
 * Same over a buffer the caller keeps alive until opus_reader_free()
 * (fuzzing, tests). Returns NULL and *err.
 */
struct opus_reader *opus_reader_open_mem(const unsigned char *buf, size_t len, unsigned rate, unsigned channels, int *err);

/*
 * Decodes up to max_frames interleaved S16 frames into pcm (max_frames times
 * the output channels samples; max_frames > 0, else -EINVAL). Returns frames
 * (>0), 0 at the end of the last link, or a negative error. Audio decoded
 * before an error is returned first; the error comes with the next call and
 * stays. Bytes after the last page that are not a page (zeros a copy tool
 * left, an ID3v1 tag) are padding, not damage: the stream ends with its last
 * page (opus_reader_padding() tells how many). Bytes that are not a page
 * between pages, and a page with a bad checksum anywhere, are damage
 * (ECORRUPT). Never allocates after open (libogg
 * reuses its buffers; only a page larger than any before grows its packet
 * buffer, up to a bound).
 */
long opus_reader_read(struct opus_reader *, int16_t *pcm, size_t max_frames);

/* Bytes of padding after the last page seen so far (see opus_reader_read). */
uint64_t opus_reader_padding(const struct opus_reader *);

/* Closes the file and frees everything; NULL is a no-op. */
void opus_reader_free(struct opus_reader *);

/* A sentence for people, e.g. "it is an MP3 file, not Ogg Opus". Never NULL. */
const char *opus_reader_strerror(int err);

struct opus_info {
	uint64_t frames;	/* output frames, at the rate asked for */
	unsigned links;		/* chained streams: 1 for an ordinary file */
	unsigned channels_in;	/* channels of the first link */
	unsigned rate_in;	/* the first link's original input rate (informative) */
	uint64_t padding;	/* bytes after the last page that were not a page */
};

/*
 * Decodes a whole file through once (to check it plays): 0 and *info, or a
 * negative error.
 */
int opus_reader_check_file(const char *path, unsigned rate, unsigned channels, struct opus_info *info);

#endif
