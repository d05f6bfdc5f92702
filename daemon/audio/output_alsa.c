/*
 * The ALSA output: a non-blocking PCM driven from the poll loop, shaped like
 * MPD 0.16's ALSA plugin but never sleeping. Underruns and suspends are
 * recovered here; a device that fails is described for people in one
 * sentence, and the player closes it and retries later.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <alsa/asoundlib.h>

#include "config/i18n.h"
#include "daemon/audio/output.h"
#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/core/log.h"

#define ALSA_DEVICE_MAX		1023	/* bytes in a device name */
#define ALSA_BUFFER_MS		500	/* when the caller says 0 */
#define ALSA_BUFFER_MS_MIN	20
#define ALSA_BUFFER_MS_MAX	10000
#define ALSA_MAX_PFDS		16
#define ALSA_XRUN_LOG_MS	10000	/* at most one underrun report this often */

struct alsa_out {
	struct output	 base;		/* first: the player sees only this */
	char		*device;
	unsigned	 buffer_ms;
	snd_pcm_t	*pcm;		/* NULL when closed */
	snd_pcm_uframes_t buffer;	/* frames, as negotiated at open */
	snd_pcm_uframes_t period;
	unsigned long	 xruns_logged;	/* base.xruns at the last report */
	int64_t		 xrun_log_ms;	/* when that was */
	int		 xrun_reported;
	int		 pfd_warned;
};

static void	alsa_close(struct output *);

/*
 * alsa-lib prints its own diagnostics on stderr, several lines per failure.
 * We say what failed in one sentence, so its detail goes to the debug log.
 */
static void
alsa_lib_error(const char *file, int line, const char *func, int err,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_debug("alsa: lib: %s:%d (%s): %s%s%s", file, line, func, msg,
	    err != 0 ? ": " : "", err != 0 ? snd_strerror(err) : "");
}

/* What an operator or technician can do about an error from ALSA. */
static const char *
alsa_hint(int rc, int opening)
{
	switch (rc) {
	case -ENOENT:
		if (opening)
			return _("there is no audio device by that name; check the "
			    "device in the configuration ('aplay -L' lists them)");
		break;
	case -EINVAL:
		if (opening)
			return _("there is no sound card with that number, or the "
			    "name is mistyped; 'aplay -l' lists the sound cards");
		break;
	case -ENODEV:
	case -ENXIO:
		return _("the sound card is missing or was unplugged; check it "
		    "and its cable");
	case -EBUSY:
		return _("another program is using it; stop that program and "
		    "playback will be retried");
	case -EACCES:
	case -EPERM:
		return _("loaxad may not use it; add its user to the 'audio' group");
	case -EIO:
		return _("the sound card reported an error; check it and its cable");
	}
	return _("check the sound card and the device in the configuration");
}

/* Fills error, cutting a long sentence at a character boundary. */
static void
alsa_set_error(struct alsa_out *ao, const char *fmt, va_list ap)
{
	char *e = ao->base.error;
	size_t cut = sizeof(ao->base.error) - 4;
	int n;

	n = vsnprintf(e, sizeof(ao->base.error), fmt, ap);
	if (n < 0) {
		e[0] = '\0';
		return;
	}
	if ((size_t)n < sizeof(ao->base.error))
		return;
	/* UTF-8 continuation bytes are 10xxxxxx: back up to where one starts. */
	while (cut > 0 && ((unsigned char)e[cut] & 0xc0) == 0x80)
		cut--;
	memcpy(e + cut, "...", 4);
}

/*
 * Marks the output failed with a sentence for people and logs it. The same
 * failure again (the player retrying a missing card) goes to the debug log
 * only, so that the journal is not filled with it.
 */
static void __attribute__((format(printf, 2, 3)))
alsa_fail(struct alsa_out *ao, const char *fmt, ...)
{
	char prev[sizeof(ao->base.error)];
	int again = ao->base.health == OUTPUT_FAILED;
	va_list ap;

	memcpy(prev, ao->base.error, sizeof(prev));
	va_start(ap, fmt);
	alsa_set_error(ao, fmt, ap);
	va_end(ap);
	ao->base.health = OUTPUT_FAILED;
	if (again && strcmp(prev, ao->base.error) == 0)
		log_debug("alsa: %s", ao->base.error);
	else
		log_warnx("alsa: %s", ao->base.error);
}

/* The device stopped working under us: unplugged, or a driver error. */
static int
alsa_broken(struct alsa_out *ao, int rc)
{
	alsa_fail(ao, _("audio device \"%s\" stopped working: %s; %s"),
	    ao->device, snd_strerror(rc), alsa_hint(rc, 0));
	return rc;
}

static struct output *
alsa_create(const char *device, unsigned buffer_ms)
{
	struct alsa_out *ao = NULL;
	size_t len;

	len = device != NULL ? strnlen(device, ALSA_DEVICE_MAX + 1) : 0;
	if (len == 0 || len > ALSA_DEVICE_MAX) {
		errno = len == 0 ? EINVAL : ENAMETOOLONG;
		return NULL;
	}
	snd_lib_error_set_handler(alsa_lib_error);
	if ((ao = calloc(1, sizeof(*ao))) == NULL)
		goto fail;
	if ((ao->device = strdup(device)) == NULL)
		goto fail;
	ao->base.ops = &output_alsa_ops;
	ao->base.health = OUTPUT_CLOSED;
	if (buffer_ms == 0)
		buffer_ms = ALSA_BUFFER_MS;
	/* A longer buffer would only delay stopping and preempting a bulletin. */
	if (buffer_ms < ALSA_BUFFER_MS_MIN)
		buffer_ms = ALSA_BUFFER_MS_MIN;
	if (buffer_ms > ALSA_BUFFER_MS_MAX)
		buffer_ms = ALSA_BUFFER_MS_MAX;
	ao->buffer_ms = buffer_ms;
	return &ao->base;
fail:
	free(ao);
	return NULL;
}

static void
alsa_destroy(struct output *o)
{
	struct alsa_out *ao = (struct alsa_out *)o;

	if (ao == NULL)
		return;
	alsa_close(o);
	free(ao->device);
	free(ao);
}

/* Access, sample format, channels and the exact rate, each with its reason. */
static int
alsa_set_format(struct alsa_out *ao, snd_pcm_hw_params_t *hw,
    const struct audio_fmt *fmt)
{
	int rc;

	if ((rc = snd_pcm_hw_params_any(ao->pcm, hw)) < 0 ||
	    (rc = snd_pcm_hw_params_set_access(ao->pcm, hw,
	    SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
	    (rc = snd_pcm_hw_params_set_rate_resample(ao->pcm, hw, 1)) < 0) {
		alsa_fail(ao, _("cannot set up audio device \"%s\": %s; %s"),
		    ao->device, snd_strerror(rc), alsa_hint(rc, 0));
		return rc;
	}
	if ((rc = snd_pcm_hw_params_set_format(ao->pcm, hw,
	    SND_PCM_FORMAT_S16_LE)) < 0) {
		alsa_fail(ao, _("audio device \"%s\" cannot play 16-bit samples; "
		    "use a \"plughw:\" or \"default\" device, which converts "
		    "them"), ao->device);
		return rc;
	}
	if ((rc = snd_pcm_hw_params_set_channels(ao->pcm, hw,
	    fmt->channels)) < 0) {
		alsa_fail(ao, _("audio device \"%s\" cannot play %u channel(s); "
		    "use a \"plughw:\" or \"default\" device, which converts "
		    "them"), ao->device, fmt->channels);
		return rc;
	}
	/* Direction 0: exactly this rate, or a bulletin plays at the wrong pitch. */
	if ((rc = snd_pcm_hw_params_set_rate(ao->pcm, hw, fmt->rate, 0)) < 0) {
		alsa_fail(ao, _("audio device \"%s\" cannot play at %u Hz; use a "
		    "\"plughw:\" or \"default\" device, which converts the rate"),
		    ao->device, fmt->rate);
		return rc;
	}
	return 0;
}

/* The hardware side: format, then a buffer near buffer_ms in four periods. */
static int
alsa_setup_hw(struct alsa_out *ao, const struct audio_fmt *fmt)
{
	snd_pcm_hw_params_t *hw = NULL;
	unsigned buffer_us = ao->buffer_ms * 1000, period_us = buffer_us / 4;
	int dir = 0, rc;

	if ((rc = snd_pcm_hw_params_malloc(&hw)) < 0)
		goto fail;
	if ((rc = alsa_set_format(ao, hw, fmt)) < 0)
		goto out;
	if ((rc = snd_pcm_hw_params_set_buffer_time_near(ao->pcm, hw,
	    &buffer_us, &dir)) < 0)
		goto fail;
	dir = 0;
	if ((rc = snd_pcm_hw_params_set_period_time_near(ao->pcm, hw,
	    &period_us, &dir)) < 0)
		goto fail;
	if ((rc = snd_pcm_hw_params(ao->pcm, hw)) < 0)
		goto fail;
	if ((rc = snd_pcm_get_params(ao->pcm, &ao->buffer, &ao->period)) < 0)
		goto fail;
	snd_pcm_hw_params_free(hw);
	return 0;
fail:
	alsa_fail(ao, _("cannot set up audio device \"%s\" for %u Hz, %u "
	    "channel(s): %s; %s"), ao->device, fmt->rate, fmt->channels,
	    snd_strerror(rc), alsa_hint(rc, 0));
out:
	if (hw != NULL)
		snd_pcm_hw_params_free(hw);
	return rc;
}

/*
 * Playback starts as soon as one period is in, because a bulletin must start
 * on time; the loop is woken when a period's room is free again.
 */
static int
alsa_setup_sw(struct alsa_out *ao)
{
	snd_pcm_sw_params_t *sw = NULL;
	int rc;

	if ((rc = snd_pcm_sw_params_malloc(&sw)) < 0)
		goto fail;
	if ((rc = snd_pcm_sw_params_current(ao->pcm, sw)) < 0 ||
	    (rc = snd_pcm_sw_params_set_start_threshold(ao->pcm, sw,
	    ao->period)) < 0 ||
	    (rc = snd_pcm_sw_params_set_avail_min(ao->pcm, sw, ao->period)) < 0 ||
	    (rc = snd_pcm_sw_params(ao->pcm, sw)) < 0)
		goto fail;
	snd_pcm_sw_params_free(sw);
	return 0;
fail:
	alsa_fail(ao, _("cannot set up audio device \"%s\": %s; %s"),
	    ao->device, snd_strerror(rc), alsa_hint(rc, 0));
	if (sw != NULL)
		snd_pcm_sw_params_free(sw);
	return rc;
}

static int
alsa_open(struct output *o, const struct audio_fmt *fmt)
{
	struct alsa_out *ao = (struct alsa_out *)o;
	int rc;

	alsa_close(o);
	if (fmt->rate == 0 || fmt->channels == 0) {
		alsa_fail(ao, _("cannot open audio device \"%s\": %u Hz with %u "
		    "channel(s) is not a format; this is a bug in loaxad, please "
		    "report it"), ao->device, fmt->rate, fmt->channels);
		return -EINVAL;
	}
	rc = snd_pcm_open(&ao->pcm, ao->device, SND_PCM_STREAM_PLAYBACK,
	    SND_PCM_NONBLOCK);
	if (rc < 0) {
		ao->pcm = NULL;
		alsa_fail(ao, _("cannot open audio device \"%s\": %s; %s"),
		    ao->device, snd_strerror(rc), alsa_hint(rc, 1));
		return rc;
	}
	if ((rc = alsa_setup_hw(ao, fmt)) < 0 || (rc = alsa_setup_sw(ao)) < 0)
		goto fail;
	if (o->health == OUTPUT_FAILED)
		log_info(_("alsa: audio device \"%s\" works again"), ao->device);
	o->health = OUTPUT_OK;
	o->error[0] = '\0';
	ao->pfd_warned = 0;
	log_debug("alsa: opened \"%s\": %u Hz, %u channel(s), buffer %lu "
	    "frames, period %lu frames", ao->device, fmt->rate, fmt->channels,
	    (unsigned long)ao->buffer, (unsigned long)ao->period);
	return 0;
fail:
	snd_pcm_close(ao->pcm);
	ao->pcm = NULL;
	return rc;
}

static void
alsa_close(struct output *o)
{
	struct alsa_out *ao = (struct alsa_out *)o;

	if (ao->pcm == NULL)
		return;
	snd_pcm_drop(ao->pcm);		/* what is buffered is not wanted now */
	snd_pcm_close(ao->pcm);
	ao->pcm = NULL;
	if (o->health == OUTPUT_OK)
		o->health = OUTPUT_CLOSED;
}

/* Underruns come in bursts when the machine is busy: report the count now and then. */
static void
alsa_log_xrun(struct alsa_out *ao, int err)
{
	int64_t now = clock_mono_ms();

	if (ao->xrun_reported && now - ao->xrun_log_ms < ALSA_XRUN_LOG_MS)
		return;
	log_warnx(_("alsa: %s on \"%s\" (%lu since the last report, %lu in all); "
	    "playback goes on"), err == -ESTRPIPE ? _("suspend") : _("underrun"),
	    ao->device, ao->base.xruns - ao->xruns_logged, ao->base.xruns);
	ao->xruns_logged = ao->base.xruns;
	ao->xrun_log_ms = now;
	ao->xrun_reported = 1;
}

/*
 * Brings the PCM back after an underrun (-EPIPE) or a suspend (-ESTRPIPE).
 * snd_pcm_recover() would sleep a second at a time waiting for a resume, and
 * a handler may not sleep, so a device that cannot resume at once is
 * prepared afresh instead.
 */
static int
alsa_recover(struct alsa_out *ao, int err)
{
	int rc;

	if (err == -ESTRPIPE) {
		if ((rc = snd_pcm_resume(ao->pcm)) < 0)
			rc = snd_pcm_prepare(ao->pcm);
	} else
		rc = snd_pcm_recover(ao->pcm, err, 1);
	ao->base.xruns++;
	alsa_log_xrun(ao, err);
	if (rc < 0)
		return alsa_broken(ao, rc);
	return 0;
}

/* After POLLERR: recover what can be recovered, report what cannot. */
static int
alsa_check_state(struct alsa_out *ao)
{
	switch (snd_pcm_state(ao->pcm)) {
	case SND_PCM_STATE_XRUN:
		return alsa_recover(ao, -EPIPE);
	case SND_PCM_STATE_SUSPENDED:
		return alsa_recover(ao, -ESTRPIPE);
	case SND_PCM_STATE_DISCONNECTED:
		return alsa_broken(ao, -ENODEV);
	default:
		return 0;
	}
}

static int
alsa_pollfds(struct output *o, struct pollfd *pfd, int max)
{
	struct alsa_out *ao = (struct alsa_out *)o;
	int count;

	if (ao->pcm == NULL || max <= 0)
		return 0;
	count = snd_pcm_poll_descriptors_count(ao->pcm);
	if (count <= 0)
		return 0;
	if (count > max || count > ALSA_MAX_PFDS) {
		if (!ao->pfd_warned)
			log_warnx(_("alsa: \"%s\" needs %d descriptors to wait "
			    "on, more than the %d there is room for"), ao->device,
			    count, max < ALSA_MAX_PFDS ? max : ALSA_MAX_PFDS);
		ao->pfd_warned = 1;
		return 0;
	}
	count = snd_pcm_poll_descriptors(ao->pcm, pfd, (unsigned)count);
	return count < 0 ? 0 : count;
}

static long
alsa_writable(struct output *o, const struct pollfd *pfd, int n)
{
	struct alsa_out *ao = (struct alsa_out *)o;
	struct pollfd copy[ALSA_MAX_PFDS];
	unsigned short revents = 0;
	snd_pcm_sframes_t avail;
	int rc;

	if (ao->pcm == NULL)
		return -EBADFD;
	if (n > 0) {
		/* Plugins may rewrite the array they are given; ours is const. */
		if (n > ALSA_MAX_PFDS)
			n = ALSA_MAX_PFDS;
		memcpy(copy, pfd, (size_t)n * sizeof(copy[0]));
		rc = snd_pcm_poll_descriptors_revents(ao->pcm, copy,
		    (unsigned)n, &revents);
		if (rc < 0)
			return alsa_broken(ao, rc);
		if (revents & POLLERR) {
			if ((rc = alsa_check_state(ao)) < 0)
				return rc;
		} else if ((revents & POLLOUT) == 0)
			return 0;
	}
	avail = snd_pcm_avail_update(ao->pcm);
	if (avail == -EPIPE || avail == -ESTRPIPE) {
		if ((rc = alsa_recover(ao, (int)avail)) < 0)
			return rc;
		avail = snd_pcm_avail_update(ao->pcm);
	}
	if (avail < 0)
		return alsa_broken(ao, (int)avail);
	return avail;
}

static long
alsa_play(struct output *o, const int16_t *pcm, size_t frames)
{
	struct alsa_out *ao = (struct alsa_out *)o;
	snd_pcm_sframes_t n;
	int rc;

	if (ao->pcm == NULL)
		return -EBADFD;
	if (frames == 0)
		return 0;
	n = snd_pcm_writei(ao->pcm, pcm, frames);
	if (n == -EPIPE || n == -ESTRPIPE) {
		if ((rc = alsa_recover(ao, (int)n)) < 0)
			return rc;
		n = snd_pcm_writei(ao->pcm, pcm, frames);
		if (n == -EPIPE || n == -ESTRPIPE)
			return 0;	/* writable() recovers it next time */
	}
	if (n == -EAGAIN)
		return 0;
	if (n < 0)
		return alsa_broken(ao, (int)n);
	return n;
}

static long
alsa_delay(struct output *o)
{
	struct alsa_out *ao = (struct alsa_out *)o;
	snd_pcm_sframes_t d;

	if (ao->pcm == NULL || snd_pcm_delay(ao->pcm, &d) < 0 || d < 0)
		return 0;
	/* Less than the start threshold is in: start, or it is never heard. */
	if (d > 0 && snd_pcm_state(ao->pcm) == SND_PCM_STATE_PREPARED)
		(void)snd_pcm_start(ao->pcm);
	return d;
}

static int
alsa_drain(struct output *o)
{
	struct alsa_out *ao = (struct alsa_out *)o;
	int rc;

	if (ao->pcm == NULL)
		return 0;
	/*
	 * A non-blocking drain returns -EAGAIN at once. By contract little is
	 * left to hear, so this is the one place that waits.
	 */
	if ((rc = snd_pcm_nonblock(ao->pcm, 0)) == 0)
		rc = snd_pcm_drain(ao->pcm);
	if (rc == -EPIPE || rc == -ESTRPIPE)
		rc = 0;		/* it ran dry or was suspended: nothing left */
	if (rc < 0)
		alsa_broken(ao, rc);
	alsa_close(o);
	return rc;
}

const struct output_ops output_alsa_ops = {
	.name = "alsa",
	.create = alsa_create,
	.destroy = alsa_destroy,
	.open = alsa_open,
	.close = alsa_close,
	.pollfds = alsa_pollfds,
	.writable = alsa_writable,
	.play = alsa_play,
	.delay = alsa_delay,
	.drain = alsa_drain,
};
