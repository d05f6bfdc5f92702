/*
 * Sound read with FFmpeg's libraries: demuxed, decoded and turned into
 * interleaved samples at the rate, channels and sample type asked for. Only
 * the containers and codecs named are let through; FFmpeg's hundreds of
 * others are never probed. Two sources: a recording (a regular file, read
 * and seeked: WAV, MP3, FLAC, Ogg Vorbis/Opus/FLAC, M4A/MP4/3GP with AAC or
 * AMR, raw AAC and AMR), for loaxa-decode; and a stream read in order
 * through a callback (Ogg, MP3, ADTS AAC), for loaxa-relay.
 */
#ifndef LOAXA_AV_INPUT_H
#define LOAXA_AV_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct av_input;

/* What comes out. */
enum av_sample { AV_SAMPLE_FLOAT, AV_SAMPLE_S16 };
struct av_output {
	int		rate;
	int		channels;
	enum av_sample	sample;
};

/* A stream's next bytes into buf: how many (> 0), 0 at its end, or a negative errno. */
typedef int av_read_fn(void *arg, uint8_t *buf, int len);

/* The demuxers each source lets probe (FFmpeg's names). */
#define AV_FORMATS_RECORDING	"wav,w64,mp3,flac,ogg,mov,aac,amr,amrnb,amrwb"
#define AV_FORMATS_STREAM	"ogg,mp3,aac"

/* Opens fd (a regular file, read and seeked). NULL and *status (a DECODE_* exit status). */
struct av_input *av_input_open(int fd, const struct av_output *, int *status);
/*
 * Opens a stream read through read_fn(arg, ...), never seeked: one of
 * formats, probed; or format (one of them) when the server said which.
 */
struct av_input *av_input_open_stream(av_read_fn *read_fn, void *arg, const char *formats,
	    const char *format, const struct av_output *, int *status);
/* What it is: FFmpeg's names of the container and the codec. */
const char *av_input_format(const struct av_input *);
const char *av_input_codec(const struct av_input *);
int	av_input_rate(const struct av_input *);
int	av_input_channels(const struct av_input *);
/* The title in the file's tags, or NULL. */
const char *av_input_title(const struct av_input *);
/*
 * Decodes up to max frames (a sample of each channel) into out: how many
 * (> 0), 0 at the end, or -DECODE_* when it cannot go on.
 */
long	av_input_read(struct av_input *, void *out, size_t max);
void	av_input_free(struct av_input *);

#endif
