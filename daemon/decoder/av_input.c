/* A recording through libavformat, libavcodec and libswresample (see av_input.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#include "daemon/decoder/av_input.h"
#include "daemon/proto/decode_wire.h"

#define IO_BUF	65536
#define STREAM_PROBE_BYTES	32768

static const enum AVCodecID codecs_allowed[] = {
	AV_CODEC_ID_PCM_S16LE, AV_CODEC_ID_PCM_S16BE, AV_CODEC_ID_PCM_U8, AV_CODEC_ID_PCM_S24LE,
	AV_CODEC_ID_PCM_S32LE, AV_CODEC_ID_PCM_F32LE, AV_CODEC_ID_PCM_F64LE, AV_CODEC_ID_PCM_ALAW,
	AV_CODEC_ID_PCM_MULAW, AV_CODEC_ID_ADPCM_IMA_WAV, AV_CODEC_ID_ADPCM_MS, AV_CODEC_ID_GSM_MS,
	AV_CODEC_ID_MP3, AV_CODEC_ID_MP2, AV_CODEC_ID_FLAC, AV_CODEC_ID_VORBIS, AV_CODEC_ID_OPUS,
	AV_CODEC_ID_AAC, AV_CODEC_ID_AMR_NB, AV_CODEC_ID_AMR_WB, AV_CODEC_ID_ALAC,
};

struct av_input {
	int		 fd;		/* the recording, or -1 for a stream */
	av_read_fn	*read;		/* the stream's bytes */
	void		*read_arg;
	struct av_output out;
	size_t		 frame_bytes;	/* of one output frame, all channels */
	AVIOContext	*io;
	AVFormatContext	*fmt;
	AVCodecContext	*dec;
	SwrContext	*swr;
	AVPacket	*pkt;
	AVFrame		*frame;
	int		 stream;
	int		 draining;	/* the demuxer is done; the decoder is being emptied */
	int		 done;
	uint8_t		*pend;		/* converted frames not yet given out */
	size_t		 pend_len, pend_pos, pend_cap;	/* in frames */
	int		 errors;	/* packets the decoder refused, in a row */
};

static int
io_read(void *opaque, uint8_t *buf, int len)
{
	struct av_input *in = opaque;
	ssize_t n;

	if (in->read != NULL) {
		n = in->read(in->read_arg, buf, len);
		return n > 0 ? (int)n : n == 0 ? AVERROR_EOF : AVERROR(-(int)n);
	}
	do
		n = read(in->fd, buf, (size_t)len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return AVERROR(errno);
	return n == 0 ? AVERROR_EOF : (int)n;
}

static int64_t
io_seek(void *opaque, int64_t offset, int whence)
{
	struct av_input *in = opaque;
	struct stat st;
	off_t r;

	if (whence == AVSEEK_SIZE)
		return fstat(in->fd, &st) == 0 ? (int64_t)st.st_size : AVERROR(errno);
	r = lseek(in->fd, (off_t)offset, whence & ~AVSEEK_FORCE);
	return r < 0 ? AVERROR(errno) : (int64_t)r;
}

static int
codec_allowed(enum AVCodecID id)
{
	size_t i;

	for (i = 0; i < sizeof(codecs_allowed) / sizeof(codecs_allowed[0]); i++)
		if (codecs_allowed[i] == id)
			return 1;
	return 0;
}

/*
 * A stream is never seeked: only a recording has a seek callback. Its
 * demuxer may be known (format, one of formats): then nothing is probed.
 */
static int
input_open_format(struct av_input *in, const char *formats, const char *format)
{
	const AVInputFormat *known = format != NULL ? av_find_input_format(format) : NULL;
	unsigned char *buf;

	if ((buf = av_malloc(IO_BUF)) == NULL)
		return DECODE_NO_MEMORY;
	if ((in->io = avio_alloc_context(buf, IO_BUF, 0, in, io_read, NULL,
	    in->read != NULL ? NULL : io_seek)) == NULL) {
		av_free(buf);
		return DECODE_NO_MEMORY;
	}
	if ((in->fmt = avformat_alloc_context()) == NULL)
		return DECODE_NO_MEMORY;
	in->fmt->pb = in->io;
	in->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
	if ((in->fmt->format_whitelist = av_strdup(formats)) == NULL)
		return DECODE_NO_MEMORY;
	/*
	 * A stream comes in real time: probing or analysing FFmpeg's default
	 * 5 s of it would keep the loudspeakers silent that long. Its first
	 * frames say what it is.
	 */
	if (in->read != NULL) {
		in->fmt->probesize = STREAM_PROBE_BYTES;
		in->fmt->max_analyze_duration = AV_TIME_BASE / 2;
	}
	if (known != NULL && av_match_list(known->name, formats, ',') <= 0)
		known = NULL;
	if (avformat_open_input(&in->fmt, NULL, known, NULL) < 0)
		return DECODE_NOT_AUDIO;	/* avformat_open_input() freed fmt */
	if (avformat_find_stream_info(in->fmt, NULL) < 0)
		return DECODE_DAMAGED;
	return DECODE_OK;
}

/* The decoder of the best audio stream, which must be one we take. */
static int
input_open_decoder(struct av_input *in)
{
	const AVCodec *codec = NULL;
	const AVCodecParameters *par;

	in->stream = av_find_best_stream(in->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
	if (in->stream == AVERROR_STREAM_NOT_FOUND)
		return DECODE_NOT_AUDIO;
	par = in->fmt->streams[in->stream]->codecpar;
	if (in->stream < 0 || codec == NULL || !codec_allowed(par->codec_id))
		return DECODE_UNSUPPORTED;
	if ((in->dec = avcodec_alloc_context3(codec)) == NULL)
		return DECODE_NO_MEMORY;
	if (avcodec_parameters_to_context(in->dec, par) < 0)
		return DECODE_DAMAGED;
	in->dec->thread_count = 1;	/* the cage allows no new thread */
	if (avcodec_open2(in->dec, codec, NULL) < 0)
		return DECODE_DAMAGED;
	if ((in->pkt = av_packet_alloc()) == NULL || (in->frame = av_frame_alloc()) == NULL)
		return DECODE_NO_MEMORY;
	return DECODE_OK;
}

static struct av_input *
input_open(struct av_input *in, const char *formats, const char *format, int *status)
{
	if ((*status = input_open_format(in, formats, format)) == DECODE_OK)
		*status = input_open_decoder(in);
	if (*status != DECODE_OK) {
		av_input_free(in);
		return NULL;
	}
	return in;
}

static struct av_input *
input_new(const struct av_output *out, int *status)
{
	struct av_input *in = calloc(1, sizeof(*in));

	av_log_set_level(AV_LOG_QUIET);
	if (in == NULL) {
		*status = DECODE_NO_MEMORY;
		return NULL;
	}
	in->fd = -1;
	in->out = *out;
	in->frame_bytes = (size_t)out->channels *
	    (out->sample == AV_SAMPLE_S16 ? sizeof(int16_t) : sizeof(float));
	return in;
}

struct av_input *
av_input_open(int fd, const struct av_output *out, int *status)
{
	struct av_input *in = input_new(out, status);

	if (in == NULL)
		return NULL;
	in->fd = fd;
	return input_open(in, AV_FORMATS_RECORDING, NULL, status);
}

struct av_input *
av_input_open_stream(av_read_fn *read_fn, void *arg, const char *formats, const char *format,
    const struct av_output *out, int *status)
{
	struct av_input *in = input_new(out, status);

	if (in == NULL)
		return NULL;
	in->read = read_fn;
	in->read_arg = arg;
	return input_open(in, formats, format, status);
}

const char *
av_input_format(const struct av_input *in)
{
	return in->fmt->iformat->name;
}

const char *
av_input_codec(const struct av_input *in)
{
	return avcodec_get_name(in->dec->codec_id);
}

int
av_input_rate(const struct av_input *in)
{
	return in->dec->sample_rate;
}

int
av_input_channels(const struct av_input *in)
{
	return in->dec->ch_layout.nb_channels;
}

const char *
av_input_title(const struct av_input *in)
{
	const AVDictionaryEntry *e;

	/* Ogg keeps its comments on the stream, the others on the container. */
	if ((e = av_dict_get(in->fmt->metadata, "title", NULL, 0)) == NULL)
		e = av_dict_get(in->fmt->streams[in->stream]->metadata, "title", NULL, 0);
	return e != NULL && e->value[0] != '\0' ? e->value : NULL;
}

/* A converter from this frame's format to ours; made again when a stream changes format. */
static int
input_converter(struct av_input *in, const AVFrame *f)
{
	AVChannelLayout dst, src;
	int rc;

	if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
		av_channel_layout_default(&src, f->ch_layout.nb_channels);
	else if (av_channel_layout_copy(&src, &f->ch_layout) < 0)
		return DECODE_NO_MEMORY;
	av_channel_layout_default(&dst, in->out.channels);
	swr_free(&in->swr);
	rc = swr_alloc_set_opts2(&in->swr, &dst, in->out.sample == AV_SAMPLE_S16 ?
	    AV_SAMPLE_FMT_S16 : AV_SAMPLE_FMT_FLT, in->out.rate, &src,
	    (enum AVSampleFormat)f->format, f->sample_rate, 0, NULL);
	av_channel_layout_uninit(&src);
	av_channel_layout_uninit(&dst);
	if (rc < 0 || swr_init(in->swr) < 0)
		return DECODE_UNSUPPORTED;
	return DECODE_OK;
}

static int
input_reserve(struct av_input *in, size_t n)
{
	uint8_t *p;

	if (n <= in->pend_cap)
		return 0;
	if ((p = realloc(in->pend, n * in->frame_bytes)) == NULL)
		return -1;
	in->pend = p;
	in->pend_cap = n;
	return 0;
}

/* Converts one decoded frame (or, f NULL, what the resampler still holds) into pend. */
static int
input_convert(struct av_input *in, const AVFrame *f)
{
	int rc, out_max, n;
	uint8_t *out;

	if (f != NULL && f->nb_samples <= 0)
		return DECODE_OK;
	if (f != NULL && in->swr == NULL && (rc = input_converter(in, f)) != DECODE_OK)
		return rc;
	if (in->swr == NULL)
		return DECODE_OK;
	out_max = swr_get_out_samples(in->swr, f != NULL ? f->nb_samples : 0) + 32;
	if (out_max <= 0 || input_reserve(in, (size_t)out_max) < 0)
		return DECODE_NO_MEMORY;
	out = in->pend;
	n = swr_convert(in->swr, &out, out_max, f != NULL ? (const uint8_t **)f->extended_data : NULL,
	    f != NULL ? f->nb_samples : 0);
	if (n < 0) {
		/* A frame whose format changed: convert it with a new converter. */
		if (f == NULL || (rc = input_converter(in, f)) != DECODE_OK)
			return DECODE_DAMAGED;
		return input_convert(in, f);
	}
	in->pend_len = (size_t)n;
	in->pend_pos = 0;
	return DECODE_OK;
}

/* Feeds the decoder the next packet of our stream (or the end). DECODE_OK or an error. */
static int
input_feed(struct av_input *in)
{
	int rc;

	while (!in->draining) {
		rc = av_read_frame(in->fmt, in->pkt);
		if (rc == AVERROR_EOF || (rc == AVERROR(EIO) && avio_feof(in->io))) {
			in->draining = 1;
			return avcodec_send_packet(in->dec, NULL) < 0 ? DECODE_DAMAGED : DECODE_OK;
		}
		if (rc < 0)
			return DECODE_DAMAGED;
		if (in->pkt->stream_index != in->stream) {
			av_packet_unref(in->pkt);
			continue;
		}
		rc = avcodec_send_packet(in->dec, in->pkt);
		av_packet_unref(in->pkt);
		if (rc == AVERROR_INVALIDDATA) {
			/* A damaged packet is skipped, as players do; a run of them is the end. */
			if (++in->errors > 100)
				return DECODE_DAMAGED;
			continue;
		}
		return rc < 0 ? DECODE_DAMAGED : DECODE_OK;
	}
	return DECODE_OK;
}

/* Fills pend with the next converted samples. DECODE_OK (pend_len 0 at the end) or an error. */
static int
input_next(struct av_input *in)
{
	int rc;

	in->pend_len = in->pend_pos = 0;
	while (!in->done) {
		rc = avcodec_receive_frame(in->dec, in->frame);
		if (rc == 0) {
			in->errors = 0;
			rc = input_convert(in, in->frame);
			av_frame_unref(in->frame);
			if (rc != DECODE_OK || in->pend_len > 0)
				return rc;
		} else if (rc == AVERROR(EAGAIN)) {
			if ((rc = input_feed(in)) != DECODE_OK)
				return rc;
		} else if (rc == AVERROR_EOF) {
			in->done = 1;
			return input_convert(in, NULL);
		} else if (++in->errors > 100)
			return DECODE_DAMAGED;
	}
	return DECODE_OK;
}

long
av_input_read(struct av_input *in, void *out, size_t max)
{
	size_t n;
	int rc;

	if (in->pend_pos == in->pend_len && (rc = input_next(in)) != DECODE_OK)
		return -rc;
	n = in->pend_len - in->pend_pos;
	if (n > max)
		n = max;
	memcpy(out, in->pend + in->pend_pos * in->frame_bytes, n * in->frame_bytes);
	in->pend_pos += n;
	return (long)n;
}

void
av_input_free(struct av_input *in)
{
	if (in == NULL)
		return;
	swr_free(&in->swr);
	av_frame_free(&in->frame);
	av_packet_free(&in->pkt);
	avcodec_free_context(&in->dec);
	avformat_close_input(&in->fmt);
	if (in->io != NULL)
		av_freep(&in->io->buffer);
	avio_context_free(&in->io);
	free(in->pend);
	free(in);
}
