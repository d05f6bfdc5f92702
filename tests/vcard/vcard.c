/*
 * vcard: a virtual sound card for tests, an ALSA external I/O plugin
 * (snd_pcm_ioplug) that behaves like a card with a DMA engine.
 *
 * The paced pipe sink of ../shared/testing.md blocks the writer when it is
 * behind, exactly like a frozen event loop, so it hides stutter. This card
 * does not wait for anyone: from "start" it consumes frames at exactly the
 * configured rate on CLOCK_MONOTONIC, whether or not the application keeps
 * up. What it does, like hardware:
 *
 *  - Playback only, S16_LE interleaved (read/write access), 1 to 8 channels,
 *    any rate from 8000 to 192000 Hz exactly (no resampling), buffer and
 *    period sizes in wide ranges (2 to 1024 periods, up to 32 MiB).
 *  - The hardware pointer is elapsed time x rate since the start, capped at
 *    what was written. A write never waits: alsa-lib hands the transfer at
 *    most the free space, and the transfer copies it and returns.
 *  - When the consumer reaches the application pointer while running, the
 *    card ran dry: that is an underrun, the stream stops (the pointer, delay
 *    and a late write answer -EPIPE, poll says POLLERR) until the application
 *    prepares it again, snd_pcm_recover() as usual. stop_threshold is not
 *    honoured: the card always stops when it runs dry.
 *  - poll: one timerfd, armed for the instant avail reaches avail_min (at
 *    once when it already has, or when the card is in an underrun), for the
 *    end of the audio while draining, and disarmed when there is nothing to
 *    wait for. Every state change re-arms it, which also clears it.
 *  - drain plays out what is queued and stops; a blocking drain sleeps until
 *    the last frame's time, a non-blocking one answers -EAGAIN and wakes
 *    poll at that time.
 *  - No rewind (alsa-lib's ioplug does not tell the plugin), no mmap access,
 *    no pause, no locking of its own (one thread uses one PCM at a time).
 *
 * Configuration (tests/lib.sh's vcard_setup writes it):
 *
 *	pcm_type.loaxavc { lib "/abs/build/tests/libasound_module_pcm_loaxavc.so" }
 *	pcm.vcard { type loaxavc  log "/tmp/t/vcard.log"  file "/tmp/t/vcard.raw" }
 *
 * Both settings are optional. "file" receives every frame written, appended
 * (the card never truncates it, so consecutive opens are all captured).
 * "log" receives one line per event, each written whole with one write(2)
 * so that a test can read it while the program plays and a killed program
 * leaves a complete log:
 *
 *	MONO_NS REAL_NS EVENT [ARGS]	(CLOCK_MONOTONIC, CLOCK_REALTIME)
 *
 *	open
 *	hw_params RATE CHANNELS BUFFER PERIOD	(frames)
 *	prepare					(positions restart from 0)
 *	start					(frame 0 of the stream is heard now)
 *	write FRAMES POS	FRAMES appended to the file, the first of them
 *				frame POS of the stream since the last prepare
 *	xrun POS STARVED_NS	the card ran dry after frame POS-1; logged when
 *				that ends (the next start, stop or close), which
 *				was STARVED_NS after it ran dry
 *	drain
 *	stop PLAYED		the stream stopped, PLAYED frames of it heard
 *	close
 *	error TEXT		the card could not do its job (the capture file)
 *
 * Frame POS of a stream started at (MONO, REAL) was heard at REAL + POS /
 * RATE seconds; tests/tools/vcard_report.c reads the log this way.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>

#define NSEC		1000000000LL
#define VC_RATE_MIN	8000
#define VC_RATE_MAX	192000
#define VC_CHANNELS_MAX	8
#define VC_BYTES_MAX	(32u << 20)

struct vcard {
	snd_pcm_ioplug_t io;		/* callbacks get this; private_data is us */
	int		 logfd;		/* -1 when not logging */
	int		 rawfd;		/* -1 when not capturing */
	int		 tfd;		/* the poll descriptor, a timerfd */
	unsigned	 rate, channels;
	snd_pcm_uframes_t buffer, period, avail_min, boundary;

	int		 prepared;	/* prepared, not started yet */
	int		 running;	/* consuming (RUNNING or DRAINING) */
	int		 draining;
	int		 dry;		/* ran dry: XRUN until prepared again */
	int64_t		 start_ns;	/* CLOCK_MONOTONIC of frame 0 */
	uint64_t	 written;	/* frames since the last prepare */
	uint64_t	 consumed;	/* of those, heard */

	int		 xrun_pending;	/* its line waits for the end of it */
	uint64_t	 xrun_pos;
	int64_t		 dry_ns;	/* when it ran dry */
};

static int64_t
vc_now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * NSEC + ts.tv_nsec;
}

/* Writes one log line stamped MONO (given: it is also the event's time) and now on the wall clock. */
static void __attribute__((format(printf, 3, 4)))
vc_log(struct vcard *vc, int64_t mono, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	size_t room;
	int n, m;

	if (vc->logfd < 0)
		return;
	n = snprintf(line, sizeof(line), "%lld %lld ", (long long)mono,
	    (long long)vc_now(CLOCK_REALTIME));
	room = sizeof(line) - (size_t)n - 1;	/* one byte kept for the newline */
	va_start(ap, fmt);
	m = vsnprintf(line + n, room, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += (size_t)m < room ? m : (int)room - 1;
	line[n++] = '\n';
	/* O_APPEND and one write: a whole line, even with two cards in one log. */
	if (write(vc->logfd, line, (size_t)n) != n)
		SNDERR("loaxavc: cannot write the log: %s", strerror(errno));
}

/* Frames the card consumes in NS nanoseconds (rounded down). */
static uint64_t
vc_frames_in(const struct vcard *vc, int64_t ns)
{
	if (ns <= 0)
		return 0;
	return (uint64_t)(ns / NSEC) * vc->rate +
	    (uint64_t)(ns % NSEC) * vc->rate / NSEC;
}

/* Nanoseconds after the start at which FRAMES frames have been consumed (rounded up). */
static int64_t
vc_ns_of(const struct vcard *vc, uint64_t frames)
{
	return (int64_t)(frames / vc->rate) * NSEC +
	    (int64_t)(((frames % vc->rate) * NSEC + vc->rate - 1) / vc->rate);
}

/*
 * Moves the consumer to NOW. Reaching the application pointer while running
 * is an underrun: the stream stops there, as a DMA engine's would.
 */
static void
vc_update(struct vcard *vc, int64_t now)
{
	uint64_t f;

	if (!vc->running)
		return;
	f = vc_frames_in(vc, now - vc->start_ns);
	if (f < vc->written) {
		vc->consumed = f;
		return;
	}
	vc->consumed = vc->written;
	if (vc->draining)
		return;		/* the natural end; alsa-lib stops the stream */
	vc->running = 0;
	vc->dry = 1;
	vc->xrun_pending = 1;
	vc->xrun_pos = vc->written;
	vc->dry_ns = vc->start_ns + vc_ns_of(vc, vc->written);
	if (vc->io.state == SND_PCM_STATE_RUNNING)
		snd_pcm_ioplug_set_state(&vc->io, SND_PCM_STATE_XRUN);
}

/* Free room in the buffer, in frames. */
static uint64_t
vc_room(const struct vcard *vc)
{
	uint64_t queued = vc->written - vc->consumed;

	return queued < vc->buffer ? vc->buffer - queued : 0;
}

/* An underrun's line is written when it ends, with how long the card had nothing to play. */
static void
vc_end_xrun(struct vcard *vc, int64_t now)
{
	if (!vc->xrun_pending)
		return;
	vc->xrun_pending = 0;
	vc_log(vc, now, "xrun %llu %lld", (unsigned long long)vc->xrun_pos,
	    (long long)(now - vc->dry_ns));
}

/*
 * Arms the poll timer for the next instant the application has a reason to
 * wake, or disarms it. Setting a timerfd also clears an expiry not yet read.
 */
static void
vc_arm(struct vcard *vc, int64_t now)
{
	struct itimerspec its;
	int64_t at = 0;		/* 0: disarm */

	if (vc->dry)
		at = now;
	else if (vc->running && vc->draining)
		at = vc->start_ns + vc_ns_of(vc, vc->written);
	else if (vc->running) {
		uint64_t need = vc->written + vc->avail_min;

		/* avail >= avail_min once consumed >= written + avail_min - buffer */
		need = need > vc->buffer ? need - vc->buffer : 0;
		at = vc->start_ns + vc_ns_of(vc, need);
	} else if (vc->prepared && vc_room(vc) >= vc->avail_min)
		at = now;
	memset(&its, 0, sizeof(its));
	if (at > 0) {
		/* An absolute time already past fires at once. */
		its.it_value.tv_sec = at / NSEC;
		its.it_value.tv_nsec = at % NSEC;
	}
	if (timerfd_settime(vc->tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		SNDERR("loaxavc: cannot set the poll timer: %s", strerror(errno));
}

static void
vc_begin(struct vcard *vc, int64_t now)
{
	vc_end_xrun(vc, now);
	vc->prepared = 0;
	vc->running = 1;
	vc->start_ns = now;
	vc->consumed = 0;
	vc_log(vc, now, "start");
	vc_arm(vc, now);
}

static int
vc_start(snd_pcm_ioplug_t *io)
{
	vc_begin(io->private_data, vc_now(CLOCK_MONOTONIC));
	return 0;
}

/* alsa-lib calls it for every drop, also on a stream already stopped. */
static int
vc_stop(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;
	int64_t now = vc_now(CLOCK_MONOTONIC);
	int was = vc->prepared || vc->running || vc->dry;

	vc_update(vc, now);
	vc_end_xrun(vc, now);
	if (was)
		vc_log(vc, now, "stop %llu", (unsigned long long)vc->consumed);
	vc->prepared = vc->running = vc->draining = vc->dry = 0;
	vc_arm(vc, now);
	return 0;
}

static int
vc_prepare(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;
	int64_t now = vc_now(CLOCK_MONOTONIC);

	vc->running = vc->draining = vc->dry = 0;
	vc->prepared = 1;
	vc->written = vc->consumed = 0;
	vc_log(vc, now, "prepare");
	vc_arm(vc, now);
	return 0;
}

static snd_pcm_sframes_t
vc_pointer(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;

	vc_update(vc, vc_now(CLOCK_MONOTONIC));
	if (vc->dry)
		return -EPIPE;
	/* SND_PCM_IOPLUG_FLAG_BOUNDARY_WA: a position up to the boundary. */
	return (snd_pcm_sframes_t)(vc->boundary > 0 ?
	    vc->consumed % vc->boundary : vc->consumed);
}

static int
vc_write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies what it is given, never more than the free space alsa-lib computed. */
static snd_pcm_sframes_t
vc_transfer(snd_pcm_ioplug_t *io, const snd_pcm_channel_area_t *areas,
    snd_pcm_uframes_t offset, snd_pcm_uframes_t size)
{
	struct vcard *vc = io->private_data;
	int64_t now = vc_now(CLOCK_MONOTONIC);
	const char *buf;
	int rc;

	vc_update(vc, now);
	if (vc->dry)
		return -EPIPE;	/* it ran dry before this write came */
	/* Interleaved S16: one area layout for all channels. */
	buf = (const char *)areas[0].addr + (areas[0].first + offset * areas[0].step) / 8;
	if (vc->rawfd >= 0 &&
	    (rc = vc_write_all(vc->rawfd, buf, size * vc->channels * 2)) < 0) {
		vc_log(vc, now, "error cannot append to the capture file: %s",
		    strerror(-rc));
		return -EIO;
	}
	vc_log(vc, now, "write %lu %llu", (unsigned long)size,
	    (unsigned long long)vc->written);
	vc->written += size;
	vc_arm(vc, now);
	return (snd_pcm_sframes_t)size;
}

static int
vc_delay(snd_pcm_ioplug_t *io, snd_pcm_sframes_t *delayp)
{
	struct vcard *vc = io->private_data;

	vc_update(vc, vc_now(CLOCK_MONOTONIC));
	if (vc->dry)
		return -EPIPE;
	*delayp = (snd_pcm_sframes_t)(vc->written - vc->consumed);
	return 0;
}

/*
 * Called without alsa-lib's lock with the state already DRAINING. Returns 0
 * when everything was heard (alsa-lib then stops the stream), -EAGAIN while
 * frames remain in non-blocking mode.
 */
static int
vc_drain(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;
	int64_t now = vc_now(CLOCK_MONOTONIC), end;
	struct timespec ts;

	if (!vc->draining) {
		vc_log(vc, now, "drain");
		/*
		 * Too late: it ran dry before the drain came. That is an
		 * underrun; alsa-lib stops the stream and the stop logs it.
		 */
		vc_update(vc, now);
		if (vc->dry)
			return 0;
		vc->draining = 1;
		/* Drained before the start threshold: what is in must be heard. */
		if (vc->prepared && vc->written > 0)
			vc_begin(vc, now);
	}
	for (;;) {
		vc_update(vc, now);
		if (!vc->running || vc->consumed >= vc->written)
			return 0;
		vc_arm(vc, now);
		if (io->nonblock)
			return -EAGAIN;
		end = vc->start_ns + vc_ns_of(vc, vc->written);
		ts.tv_sec = end / NSEC;
		ts.tv_nsec = end % NSEC;
		(void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		now = vc_now(CLOCK_MONOTONIC);
	}
}

static int
vc_hw_params(snd_pcm_ioplug_t *io, snd_pcm_hw_params_t *params)
{
	struct vcard *vc = io->private_data;

	(void)params;
	vc->rate = io->rate;
	vc->channels = io->channels;
	vc->buffer = io->buffer_size;
	vc->period = io->period_size;
	vc->avail_min = io->period_size;
	vc_log(vc, vc_now(CLOCK_MONOTONIC), "hw_params %u %u %lu %lu", vc->rate,
	    vc->channels, (unsigned long)vc->buffer, (unsigned long)vc->period);
	return 0;
}

/* alsa-lib sets software parameters after every hw_params, so the boundary is known before a start. */
static int
vc_sw_params(snd_pcm_ioplug_t *io, snd_pcm_sw_params_t *params)
{
	struct vcard *vc = io->private_data;
	snd_pcm_uframes_t v;

	if (snd_pcm_sw_params_get_avail_min(params, &v) == 0)
		vc->avail_min = v > vc->buffer ? vc->buffer : v;
	if (snd_pcm_sw_params_get_boundary(params, &v) == 0)
		vc->boundary = v;
	vc_arm(vc, vc_now(CLOCK_MONOTONIC));
	return 0;
}

/* What a sound card's descriptor would say now; also re-arms (and so clears) the timer. */
static int
vc_poll_revents(snd_pcm_ioplug_t *io, struct pollfd *pfd, unsigned int nfds,
    unsigned short *revents)
{
	struct vcard *vc = io->private_data;
	int64_t now = vc_now(CLOCK_MONOTONIC);

	if (nfds != 1 || pfd[0].fd != vc->tfd)
		return -EINVAL;
	vc_update(vc, now);
	if (vc->dry)
		*revents = POLLERR;
	else if (vc->running && vc->draining)
		*revents = vc->consumed >= vc->written ? POLLOUT : 0;
	else if (vc->running || vc->prepared)
		*revents = vc_room(vc) >= vc->avail_min ? POLLOUT : 0;
	else
		*revents = POLLERR;	/* not set up or stopped, like a card */
	vc_arm(vc, now);
	return 0;
}

static int
vc_close(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;
	int64_t now = vc_now(CLOCK_MONOTONIC);

	vc_end_xrun(vc, now);
	vc_log(vc, now, "close");
	if (vc->logfd >= 0)
		close(vc->logfd);
	if (vc->rawfd >= 0)
		close(vc->rawfd);
	if (vc->tfd >= 0)
		close(vc->tfd);
	free(vc);
	return 0;
}

static const snd_pcm_ioplug_callback_t vc_callbacks = {
	.start = vc_start,
	.stop = vc_stop,
	.pointer = vc_pointer,
	.transfer = vc_transfer,
	.close = vc_close,
	.hw_params = vc_hw_params,
	.sw_params = vc_sw_params,
	.prepare = vc_prepare,
	.drain = vc_drain,
	.poll_revents = vc_poll_revents,
	.delay = vc_delay,
};

/* Reads "log" and "file"; anything else is a mistake worth saying. */
static int
vc_conf(snd_config_t *conf, const char **log, const char **file)
{
	snd_config_iterator_t i, next;

	snd_config_for_each(i, next, conf) {
		snd_config_t *n = snd_config_iterator_entry(i);
		const char *id;

		if (snd_config_get_id(n, &id) < 0)
			continue;
		if (strcmp(id, "comment") == 0 || strcmp(id, "type") == 0 ||
		    strcmp(id, "hint") == 0)
			continue;
		if (strcmp(id, "log") == 0 || strcmp(id, "file") == 0) {
			if (snd_config_get_string(n, strcmp(id, "log") == 0 ?
			    log : file) < 0) {
				SNDERR("loaxavc: %s must be a path in quotes", id);
				return -EINVAL;
			}
			continue;
		}
		SNDERR("loaxavc: unknown setting %s (there are log and file)", id);
		return -EINVAL;
	}
	return 0;
}

static int
vc_open_append(const char *path, int *fd)
{
	*fd = -1;
	if (path == NULL)
		return 0;
	if ((*fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) == -1) {
		int rc = -errno;

		SNDERR("loaxavc: cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	return 0;
}

/* The card's capabilities, as alsa-lib's hw_params refinement sees them. */
static int
vc_constraints(snd_pcm_ioplug_t *io)
{
	static const unsigned access[] = { SND_PCM_ACCESS_RW_INTERLEAVED };
	static const unsigned format[] = { SND_PCM_FORMAT_S16_LE };
	int rc;

	if ((rc = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_ACCESS,
	    1, access)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_FORMAT,
	    1, format)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_CHANNELS,
	    1, VC_CHANNELS_MAX)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_RATE,
	    VC_RATE_MIN, VC_RATE_MAX)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io,
	    SND_PCM_IOPLUG_HW_PERIOD_BYTES, 64, VC_BYTES_MAX / 2)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io,
	    SND_PCM_IOPLUG_HW_BUFFER_BYTES, 128, VC_BYTES_MAX)) < 0 ||
	    (rc = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIODS,
	    2, 1024)) < 0)
		return rc;
	return 0;
}

int	_snd_pcm_loaxavc_open(snd_pcm_t **, const char *, snd_config_t *,
	    snd_config_t *, snd_pcm_stream_t, int);

SND_PCM_PLUGIN_DEFINE_FUNC(loaxavc)
{
	const char *log = NULL, *file = NULL;
	struct vcard *vc;
	int rc;

	(void)root;
	if (stream != SND_PCM_STREAM_PLAYBACK) {
		SNDERR("loaxavc: %s is a playback device only", name);
		return -EINVAL;
	}
	if ((rc = vc_conf(conf, &log, &file)) < 0)
		return rc;
	if ((vc = calloc(1, sizeof(*vc))) == NULL)
		return -ENOMEM;
	vc->logfd = vc->rawfd = vc->tfd = -1;
	if ((rc = vc_open_append(log, &vc->logfd)) < 0 ||
	    (rc = vc_open_append(file, &vc->rawfd)) < 0)
		goto fail;
	if ((vc->tfd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1) {
		rc = -errno;
		goto fail;
	}
	vc->io.version = SND_PCM_IOPLUG_VERSION;
	vc->io.name = "loaxa virtual sound card";
	vc->io.flags = SND_PCM_IOPLUG_FLAG_MONOTONIC | SND_PCM_IOPLUG_FLAG_BOUNDARY_WA;
	vc->io.callback = &vc_callbacks;
	vc->io.private_data = vc;
	vc->io.poll_fd = vc->tfd;
	vc->io.poll_events = POLLIN;
	if ((rc = snd_pcm_ioplug_create(&vc->io, name, stream, mode)) < 0)
		goto fail;
	/* alsa-lib tells the plugin only of later changes to the mode. */
	vc->io.nonblock = (mode & SND_PCM_NONBLOCK) != 0;
	if ((rc = vc_constraints(&vc->io)) < 0) {
		snd_pcm_ioplug_delete(&vc->io);		/* frees vc */
		return rc;
	}
	vc_log(vc, vc_now(CLOCK_MONOTONIC), "open");
	*pcmp = vc->io.pcm;
	return 0;
fail:
	if (vc->logfd >= 0)
		close(vc->logfd);
	if (vc->rawfd >= 0)
		close(vc->rawfd);
	if (vc->tfd >= 0)
		close(vc->tfd);
	free(vc);
	return rc;
}

SND_PCM_PLUGIN_SYMBOL(loaxavc);
