/*
 * A writer that plays the way loaxad does (non-blocking PCM, poll, write
 * what fits, snd_pcm_recover on underrun, a blocking drain at the end) and
 * can freeze on purpose, for tests of the virtual card (tests/vcard/).
 * PLAN is a comma-separated list of steps: aN writes N ms of a tone as the
 * card takes it, sN freezes N ms without writing (the fault under test).
 * Everything the card accepted is also written to OUT.raw.
 * Prints "key value" lines: buffer, period (frames), writes, eagain (writes
 * refused because the buffer was full), overfull (writes after which more
 * than a buffer was queued), max_write_us, xruns (-EPIPE recovered), one
 * stall_queued_ms per freeze (what the card still had to play when it
 * began), frames (accepted).
 * Usage: vcard_writer DEVICE RATE CHANNELS PLAN OUT.raw
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <alsa/asoundlib.h>

#define WAIT_MS	5000	/* a card that never wakes us is a failure, not a hang */

struct writer {
	snd_pcm_t	*pcm;
	FILE		*out;
	unsigned	 rate, channels;
	snd_pcm_uframes_t buffer, period;
	int16_t		*buf;		/* two buffers' worth: more than ever fits */
	uint64_t	 frame;		/* the tone's next frame */
	long		 writes, eagain, overfull, xruns;
	int64_t		 max_write_ns;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "vcard_writer: %s: %s\n", what, snd_strerror(rc));
	exit(1);
}

/* The daemon's set-up: a 500 ms buffer in four periods, start at one period. */
static void
writer_open(struct writer *w, const char *dev)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	unsigned buffer_us = 500000, period_us = 125000;
	int rc;

	if ((rc = snd_pcm_open(&w->pcm, dev, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK)) < 0)
		die(dev, rc);
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	if ((rc = snd_pcm_hw_params_any(w->pcm, hw)) < 0 ||
	    (rc = snd_pcm_hw_params_set_access(w->pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
	    (rc = snd_pcm_hw_params_set_format(w->pcm, hw, SND_PCM_FORMAT_S16_LE)) < 0 ||
	    (rc = snd_pcm_hw_params_set_channels(w->pcm, hw, w->channels)) < 0 ||
	    (rc = snd_pcm_hw_params_set_rate(w->pcm, hw, w->rate, 0)) < 0 ||
	    (rc = snd_pcm_hw_params_set_buffer_time_near(w->pcm, hw, &buffer_us, NULL)) < 0 ||
	    (rc = snd_pcm_hw_params_set_period_time_near(w->pcm, hw, &period_us, NULL)) < 0 ||
	    (rc = snd_pcm_hw_params(w->pcm, hw)) < 0 ||
	    (rc = snd_pcm_get_params(w->pcm, &w->buffer, &w->period)) < 0)
		die("hw_params", rc);
	if ((rc = snd_pcm_sw_params_current(w->pcm, sw)) < 0 ||
	    (rc = snd_pcm_sw_params_set_start_threshold(w->pcm, sw, w->period)) < 0 ||
	    (rc = snd_pcm_sw_params_set_avail_min(w->pcm, sw, w->period)) < 0 ||
	    (rc = snd_pcm_sw_params(w->pcm, sw)) < 0)
		die("sw_params", rc);
	if ((w->buf = calloc(w->buffer * 2 * w->channels, sizeof(int16_t))) == NULL)
		die("buffer", -ENOMEM);
}

static void
writer_recover(struct writer *w, int err)
{
	int rc;

	w->xruns++;
	if ((rc = snd_pcm_recover(w->pcm, err, 1)) < 0)
		die("recover", rc);
}

/* Waits until the card says it has room (or ran dry, which is recovered). */
static void
writer_wait(struct writer *w)
{
	struct pollfd pfd[8];
	unsigned short revents;
	int n, rc;

	if ((n = snd_pcm_poll_descriptors(w->pcm, pfd, 8)) <= 0)
		die("poll descriptors", n < 0 ? n : -EIO);
	for (;;) {
		if ((rc = poll(pfd, (nfds_t)n, WAIT_MS)) <= 0)
			die("poll", rc == 0 ? -ETIMEDOUT : -errno);
		if ((rc = snd_pcm_poll_descriptors_revents(w->pcm, pfd, (unsigned)n, &revents)) < 0)
			die("revents", rc);
		if (revents & POLLERR) {
			if (snd_pcm_state(w->pcm) != SND_PCM_STATE_XRUN)
				die("poll", -EIO);
			writer_recover(w, -EPIPE);
			return;
		}
		if (revents & POLLOUT)
			return;
	}
}

static void
writer_tone(struct writer *w, size_t frames)
{
	size_t i, c;

	for (i = 0; i < frames; i++)
		for (c = 0; c < w->channels; c++)
			w->buf[i * w->channels + c] = (int16_t)(8000 *
			    sin(2 * M_PI * (440.0 + 110 * c) * (double)(w->frame + i) / w->rate));
}

/* One non-blocking write of up to FRAMES, timed; returns frames taken, 0 when full. */
static long
writer_write(struct writer *w, size_t frames)
{
	snd_pcm_sframes_t n, delay;
	int64_t t0;

	writer_tone(w, frames);
	t0 = now_ns();
	n = snd_pcm_writei(w->pcm, w->buf, frames);
	if (now_ns() - t0 > w->max_write_ns)
		w->max_write_ns = now_ns() - t0;
	w->writes++;
	if (n == -EAGAIN) {
		w->eagain++;
		return 0;
	}
	if (n == -EPIPE) {
		writer_recover(w, -EPIPE);
		return 0;
	}
	if (n < 0)
		die("write", (int)n);
	if (fwrite(w->buf, sizeof(int16_t) * w->channels, (size_t)n, w->out) != (size_t)n)
		die("OUT.raw", -errno);
	w->frame += (uint64_t)n;
	if (snd_pcm_delay(w->pcm, &delay) == 0 && delay > (snd_pcm_sframes_t)w->buffer)
		w->overfull++;
	return n;
}

/* Plays FRAMES: waits for room, then writes (more than fits) until refused. */
static void
writer_play(struct writer *w, uint64_t frames)
{
	long n;

	while (frames > 0) {
		writer_wait(w);
		do {
			size_t want = frames < w->buffer * 2 ? (size_t)frames : w->buffer * 2;

			if ((n = writer_write(w, want)) > 0)
				frames -= (uint64_t)n;
		} while (n > 0 && frames > 0);
	}
}

static void
writer_stall(struct writer *w, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	snd_pcm_sframes_t delay = 0;

	if (snd_pcm_delay(w->pcm, &delay) < 0)
		delay = 0;
	printf("stall_queued_ms %.1f\n", (double)delay * 1000 / w->rate);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
main(int argc, char **argv)
{
	struct writer w;
	char *plan, *step, *end;
	long ms;
	int rc;

	memset(&w, 0, sizeof(w));
	if (argc != 6 || (w.rate = (unsigned)atoi(argv[2])) == 0 ||
	    (w.channels = (unsigned)atoi(argv[3])) == 0) {
		fprintf(stderr, "usage: vcard_writer DEVICE RATE CHANNELS PLAN OUT.raw\n");
		return 2;
	}
	if ((w.out = fopen(argv[5], "wb")) == NULL) {
		perror(argv[5]);
		return 1;
	}
	writer_open(&w, argv[1]);
	plan = argv[4];
	for (step = strtok(plan, ","); step != NULL; step = strtok(NULL, ",")) {
		ms = strtol(step + 1, &end, 10);
		if (*end != '\0' || ms < 0 || (step[0] != 'a' && step[0] != 's')) {
			fprintf(stderr, "vcard_writer: bad step \"%s\"\n", step);
			return 2;
		}
		if (step[0] == 'a')
			writer_play(&w, (uint64_t)ms * w.rate / 1000);
		else
			writer_stall(&w, ms);
	}
	if ((rc = snd_pcm_nonblock(w.pcm, 0)) < 0 || (rc = snd_pcm_drain(w.pcm)) < 0)
		fprintf(stderr, "vcard_writer: drain: %s\n", snd_strerror(rc));
	snd_pcm_close(w.pcm);
	fclose(w.out);
	printf("buffer %lu\nperiod %lu\nwrites %ld\neagain %ld\noverfull %ld\n"
	    "max_write_us %lld\nxruns %ld\nframes %llu\n", (unsigned long)w.buffer,
	    (unsigned long)w.period, w.writes, w.eagain, w.overfull,
	    (long long)(w.max_write_ns / 1000), w.xruns, (unsigned long long)w.frame);
	free(w.buf);
	return rc < 0;
}
