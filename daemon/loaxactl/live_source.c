/*
 * The sound of a live broadcast (see live_source.h): the office microphone
 * through ALSA, or a recording through the caged decoder at the pace of the
 * monotonic clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <alsa/asoundlib.h>

#include "config/i18n.h"
#include "daemon/loaxactl/decode_run.h"
#include "daemon/loaxactl/live_source.h"
#include "daemon/proto/decode_wire.h"

#define LIVE_FRAME_NS	(1000000000LL * LIVE_FRAME / LIVE_RATE)
#define LIVE_CAPTURE_BUFFER_US	500000	/* room for a stall of the office PC; read at once */

struct live_source {
	snd_pcm_t	*pcm;		/* the microphone, or NULL */
	int16_t		 s16[LIVE_FRAME];
	struct decode_run dr;		/* the recording's decoder, when pcm is NULL */
	int		 running;
	int64_t		 next_ns;	/* the recording: when its next frame is due (monotonic) */
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* --- the microphone ------------------------------------------------------------------------- */

static int
capture_setup(snd_pcm_t *pcm)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_uframes_t period = LIVE_FRAME;
	unsigned rate = LIVE_RATE, buffer_us = LIVE_CAPTURE_BUFFER_US;
	int rc;

	snd_pcm_hw_params_alloca(&hw);
	if ((rc = snd_pcm_hw_params_any(pcm, hw)) < 0 ||
	    (rc = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
	    (rc = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16)) < 0 ||
	    (rc = snd_pcm_hw_params_set_channels(pcm, hw, 1)) < 0 ||
	    (rc = snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, NULL)) < 0 ||
	    (rc = snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, NULL)) < 0 ||
	    (rc = snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &buffer_us, NULL)) < 0 ||
	    (rc = snd_pcm_hw_params(pcm, hw)) < 0)
		return rc;
	if (rate != LIVE_RATE)
		return -EINVAL;
	if ((rc = snd_pcm_prepare(pcm)) < 0 || (rc = snd_pcm_start(pcm)) < 0)
		return rc;
	return 0;
}

struct live_source *
live_source_device(const char *dev, char *why, size_t whylen)
{
	struct live_source *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL) {
		snprintf(why, whylen, "%s", _("out of memory"));
		return NULL;
	}
	if ((rc = snd_pcm_open(&s->pcm, dev, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK)) < 0) {
		snprintf(why, whylen, _("there is no capture device \"%s\" (%s); plug the microphone "
		    "in, and name the sound card with --device (see 'arecord -l', e.g. hw:1)"), dev,
		    snd_strerror(rc));
		free(s);
		return NULL;
	}
	if ((rc = capture_setup(s->pcm)) < 0) {
		snprintf(why, whylen, _("the capture device \"%s\" cannot record mono at 48000 Hz "
		    "(%s); try --device plughw:N (the same card, converted by ALSA)"), dev,
		    rc == -EINVAL ? _("another rate") : snd_strerror(rc));
		snd_pcm_close(s->pcm);
		free(s);
		return NULL;
	}
	return s;
}

static int
capture_read(struct live_source *s, float *pcm, char *why, size_t whylen)
{
	snd_pcm_sframes_t n, avail = snd_pcm_avail_update(s->pcm);
	size_t i;

	if (avail >= 0 && avail < LIVE_FRAME)
		return 0;
	if (avail >= 0)
		n = snd_pcm_readi(s->pcm, s->s16, LIVE_FRAME);
	else
		n = avail;
	if (n == -EAGAIN)
		return 0;
	if (n == -EPIPE || n == -ESTRPIPE) {
		/* An overrun (the office PC stalled): what was lost is lost, go on at once. */
		if (snd_pcm_recover(s->pcm, (int)n, 1) < 0 || snd_pcm_start(s->pcm) < 0)
			goto fail;
		return 0;
	}
	if (n < 0)
		goto fail;
	if (n < LIVE_FRAME)
		memset(s->s16 + n, 0, (LIVE_FRAME - (size_t)n) * sizeof(int16_t));
	for (i = 0; i < LIVE_FRAME; i++)
		pcm[i] = (float)s->s16[i] / 32768.0f;
	return 1;
fail:
	snprintf(why, whylen, _("the microphone stopped recording: %s"), snd_strerror((int)n));
	return -EIO;
}

/* --- a recording, as if live -------------------------------------------------------------- */

static const char *
decode_why(int status)
{
	switch (status) {
	case DECODE_NOT_AUDIO:
		return _("it is not a recording loaxa can read; loaxa takes MP3, WAV, FLAC, Ogg "
		    "(Vorbis or Opus), M4A/AAC and AMR");
	case DECODE_UNSUPPORTED:
		return _("the sound in it is of a kind loaxa does not read; save it again as MP3 "
		    "or WAV");
	case DECODE_NO_MEMORY:
		return _("out of memory");
	default:
		return _("the recording is damaged and cannot be read to its end; copy it again "
		    "from the phone or computer it was made on");
	}
}

struct live_source *
live_source_file(const char *path, char *why, size_t whylen)
{
	struct live_source *s = calloc(1, sizeof(*s));
	int fd, rc;

	if (s == NULL) {
		snprintf(why, whylen, "%s", _("out of memory"));
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, _("it cannot be read: %s"), strerror(errno));
		free(s);
		return NULL;
	}
	rc = decode_run_start(&s->dr, fd);
	close(fd);		/* the decoder has its own */
	if (rc != 0) {
		if (rc < 0)
			snprintf(why, whylen, _("the decoder loaxa-decode cannot be started (%s); "
			    "install loaxa again"), strerror(-rc));
		else
			snprintf(why, whylen, "%s", decode_why(rc));
		free(s);
		return NULL;
	}
	s->running = 1;
	s->next_ns = mono_ns();
	return s;
}

static int
file_read_frame(struct live_source *s, float *pcm, char *why, size_t whylen)
{
	size_t have = 0;
	long n;

	if (mono_ns() < s->next_ns)
		return 0;
	while (have < LIVE_FRAME) {
		if ((n = decode_run_read(&s->dr, pcm + have, LIVE_FRAME - have)) < 0) {
			snprintf(why, whylen, "%s", decode_why(DECODE_DAMAGED));
			return -EIO;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	if (have == 0)
		return -ENODATA;
	memset(pcm + have, 0, (LIVE_FRAME - have) * sizeof(float));
	s->next_ns += LIVE_FRAME_NS;
	return 1;
}

/* --- both ----------------------------------------------------------------------------------- */

void
live_source_begin(struct live_source *s)
{
	if (s->pcm != NULL) {
		(void)snd_pcm_drop(s->pcm);
		if (snd_pcm_prepare(s->pcm) == 0)
			(void)snd_pcm_start(s->pcm);
	}
	s->next_ns = mono_ns();
}

int
live_source_read(struct live_source *s, float *pcm, char *why, size_t whylen)
{
	return s->pcm != NULL ? capture_read(s, pcm, why, whylen) :
	    file_read_frame(s, pcm, why, whylen);
}

int
live_source_pollfd(struct live_source *s, struct pollfd *p)
{
	if (s->pcm == NULL || snd_pcm_poll_descriptors_count(s->pcm) != 1)
		return 0;
	return snd_pcm_poll_descriptors(s->pcm, p, 1) == 1 ? 1 : 0;
}

long
live_source_wait_ms(const struct live_source *s)
{
	int64_t left;

	if (s->pcm != NULL)
		return LIVE_FRAME * 1000 / LIVE_RATE / 2;
	left = s->next_ns - mono_ns();
	return left <= 0 ? 0 : (long)((left + 999999) / 1000000);
}

void
live_source_free(struct live_source *s)
{
	if (s == NULL)
		return;
	if (s->pcm != NULL)
		snd_pcm_close(s->pcm);
	if (s->running)
		(void)decode_run_finish(&s->dr, 1);
	free(s);
}
