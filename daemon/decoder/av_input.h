/*
 * A recording read with FFmpeg's libraries from a descriptor: demuxed,
 * decoded and turned into mono float samples at DECODE_RATE. Only the
 * containers and codecs a bulletin comes in are let through (WAV, MP3,
 * FLAC, Ogg Vorbis/Opus/FLAC, M4A/MP4/3GP with AAC or AMR, raw AAC and
 * AMR); FFmpeg's hundreds of others are never probed.
 */
#ifndef LOAXA_AV_INPUT_H
#define LOAXA_AV_INPUT_H

#include <stddef.h>

struct av_input;

/* Opens fd (a regular file, read and seeked). NULL and *status (a DECODE_* exit status). */
struct av_input *av_input_open(int fd, int *status);
/* What it is, for the first line: FFmpeg's names of the container and the codec. */
const char *av_input_format(const struct av_input *);
const char *av_input_codec(const struct av_input *);
int	av_input_rate(const struct av_input *);
int	av_input_channels(const struct av_input *);
/* The title in the file's tags, or NULL. */
const char *av_input_title(const struct av_input *);
/*
 * Decodes up to max samples into out: how many (> 0), 0 at the end, or
 * -DECODE_* when it cannot go on.
 */
long	av_input_read(struct av_input *, float *out, size_t max);
void	av_input_free(struct av_input *);

#endif
