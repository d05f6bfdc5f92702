/*
 * The sequence: bulletins through one output, back to back.
 *
 * States: IDLE (device closed), OPENING (waiting to open the device, with
 * back-off after a failure), PLAYING (decoding into the device as fast as it
 * takes audio), DRAINING (everything written; waiting for the device to play
 * it out before closing). The device stays open for the whole sequence, so
 * bulletins within a slot follow each other without a gap.
 *
 * Everything here runs with the player's lock held: on the playback thread
 * one step at a time, or on the loop for a stop or a preemption. What
 * happens is told to the loop through player_post().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/opus_reader.h"
#include "config/i18n.h"
#include "daemon/audio/player_int.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"

#define RETRY_MAX_MS		30000
#define DRAIN_EARLY_MS		40	/* the drain waits for this last bit */

static void
seq_free_items(struct player *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		play_item_clear(&p->items[i]);
	free(p->items);
	free(p->expire_ms);
	free(p->ends_ms);
	p->items = NULL;
	p->expire_ms = NULL;
	p->ends_ms = NULL;
	p->n = p->cur = 0;
}

static void
seq_close_reader(struct player *p)
{
	if (p->relay_on)
		relay_end(p, &p->items[p->cur]);
	opus_reader_free(p->rd);
	p->rd = NULL;
	p->in_chime = 0;
	p->chime_done = 0;
	p->clamped = 0;
	p->buf_len = p->buf_pos = 0;
	p->started = 0;
	p->written = 0;
}

/* What player_free() leaves behind: nothing open, nothing held. */
void
seq_clear(struct player *p)
{
	seq_close_reader(p);
	output_close(p->out);
	seq_free_items(p);
}

static double
seq_seconds(const struct player *p, uint64_t frames)
{
	return (double)frames / p->fmt.rate;
}

/* Frames of the current item that were heard: written, less what the device still holds. */
static uint64_t
seq_heard(struct player *p)
{
	long delay = output_delay(p->out);

	return p->written > (uint64_t)delay ? p->written - (uint64_t)delay : 0;
}

/* The seconds a cut-off item played: a relay's are its stream's. */
static double
seq_cut_seconds(struct player *p)
{
	return p->relay_on ? relay_seconds(p) : seq_seconds(p, seq_heard(p));
}

/* Ends the current item with event and moves on to the next one. */
static void
seq_end_item(struct player *p, const char *event, uint64_t frames, const char *error)
{
	/* Clamping is heard as distortion: say so once per bulletin, never per period. */
	if (p->clamped > 0)
		log_warnx(_("player: \"%s\" at %+.1f dB: %llu samples went past full scale and "
		    "were clamped (heard as distortion); lower the volume of its slot or class"),
		    p->items[p->cur].file, p->items[p->cur].gain_db,
		    (unsigned long long)p->clamped);
	if (p->relay_on)
		relay_end(p, &p->items[p->cur]);
	player_post(p, MSG_ENDED, &p->items[p->cur], event, seq_seconds(p, frames), error);
	seq_close_reader(p);
	p->cur++;
}

static void
seq_miss_rest(struct player *p, const char *reason)
{
	while (p->cur < p->n) {
		play_id_new(p->items[p->cur].play_id);
		seq_end_item(p, "missed", 0, reason);
	}
}

static int
seq_expired(const struct player *p, size_t i, int64_t now)
{
	return p->expire_ms[i] != 0 && now > p->expire_ms[i];
}

/*
 * The chime before an item, from memory: 0 with p->rd on it, or -ENOENT when
 * there is none to sound (none set, sounded already, or it cannot be decoded:
 * the bulletin then plays without it, never later nor not at all).
 */
static int
seq_begin_chime(struct player *p, struct play_item *it)
{
	int err;

	if (p->chime_done || it->chime == NULL)
		return -ENOENT;
	p->chime_done = 1;
	p->rd = opus_reader_open_mem(it->chime->ogg, it->chime->len, p->fmt.rate, p->fmt.channels,
	    &err);
	if (p->rd == NULL) {
		log_warnx(_("player: the chime \"%s\" cannot be played: %s; \"%s\" plays without "
		    "it"),
		    it->chime->name, opus_reader_strerror(err), it->file);
		return -ENOENT;
	}
	p->in_chime = 1;
	return 0;
}

/* The chime has ended (or failed): the item's own audio follows in the same stream. */
static void
seq_end_chime(struct player *p, long got)
{
	struct play_item *it = &p->items[p->cur];

	if (got < 0)
		log_warnx(_("player: the chime \"%s\" failed: %s; \"%s\" plays without the rest "
		    "of it"), it->chime->name, opus_reader_strerror((int)got), it->file);
	it->chimed = got == 0;
	opus_reader_free(p->rd);
	p->rd = NULL;
	p->in_chime = 0;
}

/* Software gain on what was just decoded, clamped to full scale (and counted), never wrapped. */
static void
seq_apply_gain(struct player *p, size_t frames)
{
	size_t i, n = frames * p->fmt.channels;
	float v;

	if (p->gain == 1.0f)
		return;
	for (i = 0; i < n; i++) {
		v = p->buf[i] * p->gain;
		if (v > 32767.0f || v < -32768.0f) {
			p->clamped++;
			v = v > 0 ? 32767.0f : -32768.0f;
		}
		p->buf[i] = (int16_t)lrintf(v);
	}
}

/*
 * Opens the next playable item's decoder. Items past their expiry are
 * missed, items that cannot be opened failed. Returns 0 with p->rd set, or
 * -ENOENT when the sequence is over.
 */
static int
seq_begin_item(struct player *p)
{
	char msg[512];
	int err;

	while (p->cur < p->n) {
		struct play_item *it = &p->items[p->cur];

		if (!p->chime_done)
			play_id_new(it->play_id);
		if (!p->chime_done && seq_expired(p, p->cur, clock_mono_ms())) {
			seq_end_item(p, "missed", 0, _("it could not start within its grace period"));
			continue;
		}
		p->gain = it->gain_db == 0 ? 1.0f : powf(10.0f, (float)it->gain_db / 20.0f);
		if (it->relay != NULL) {
			if (relay_begin(p, clock_mono_ms()) == 0) {
				p->relay_end = p->ends_ms[p->cur];
				(void)seq_begin_chime(p, it);	/* the stream follows it */
				return 0;
			}
			seq_end_item(p, "failed", 0, _("out of memory"));
			continue;
		}
		if (seq_begin_chime(p, it) == 0)
			return 0;
		p->rd = opus_reader_open_file(it->path, p->fmt.rate, p->fmt.channels, &err);
		if (p->rd != NULL)
			return 0;
		snprintf(msg, sizeof(msg), _("cannot play \"%s\": %s"), it->file,
		    opus_reader_strerror(err));
		log_warnx("player: %s", msg);
		seq_end_item(p, "failed", 0, msg);
	}
	return -ENOENT;
}

static void
seq_go_idle(struct player *p)
{
	seq_close_reader(p);
	seq_free_items(p);
	p->state = P_IDLE;
	player_post(p, MSG_IDLE, NULL, NULL, 0, NULL);
}

/*
 * Everything is written: the device is drained a little before it would run
 * dry, because a drain that comes late finds it empty (an underrun, and on
 * some cards a blip of old audio); the drain waits for that last bit.
 */
static void
seq_start_drain(struct player *p, int64_t now)
{
	int64_t left_ms = (int64_t)output_delay(p->out) * 1000 / p->fmt.rate;

	p->state = P_DRAINING;
	p->drain_at = now + (left_ms > DRAIN_EARLY_MS ? left_ms - DRAIN_EARLY_MS : 0);
}

/* Tries the device; on failure waits with back-off, missing items that expire meanwhile. */
static void
seq_try_open(struct player *p, int64_t now)
{
	int rc = output_open(p->out, &p->fmt);

	player_post(p, MSG_DEVICE, NULL, NULL, 0, NULL);
	if (rc < 0) {
		p->state = P_OPENING;
		p->retry_at = now + p->backoff;
		if (p->backoff < RETRY_MAX_MS)
			p->backoff = p->backoff * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : p->backoff * 2;
		/* Drop what can no longer start in time; keep the rest waiting. */
		while (p->cur < p->n && seq_expired(p, p->cur, now)) {
			play_id_new(p->items[p->cur].play_id);
			seq_end_item(p, "missed", 0, _("the audio device could not be opened"));
		}
		if (p->cur == p->n)
			seq_go_idle(p);
		return;
	}
	p->backoff = RETRY_FIRST_MS;
	p->state = P_PLAYING;
	if (p->rd == NULL && !p->relay_on && seq_begin_item(p) < 0) {
		output_close(p->out);
		seq_go_idle(p);
	}
}

/* Takes the items; the playback thread opens the device, not the caller. 0 or -ENOMEM. */
int
seq_start(struct player *p, struct play_item *items, size_t n, int64_t now, time_t wall)
{
	size_t i;

	if ((p->expire_ms = calloc(n > 0 ? n : 1, sizeof(*p->expire_ms))) == NULL ||
	    (p->ends_ms = calloc(n > 0 ? n : 1, sizeof(*p->ends_ms))) == NULL) {
		free(p->expire_ms);
		p->expire_ms = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (items[i].expires != 0)
			p->expire_ms[i] = now + ((int64_t)items[i].expires - wall) * 1000;
		if (items[i].ends != 0)
			p->ends_ms[i] = now + ((int64_t)items[i].ends - wall) * 1000;
	}
	p->items = items;
	p->n = n;
	p->cur = 0;
	p->state = P_OPENING;
	p->retry_at = now;
	return 0;
}

/* The device failed while playing: the bulletin is interrupted and will start again when it is back. */
static void
seq_device_lost(struct player *p, int64_t now)
{
	struct play_item *it = &p->items[p->cur];

	log_warnx(_("player: audio device failed while playing \"%s\": %s"), it->file,
	    p->out->error[0] ? p->out->error : "unknown error");
	if (p->relay_on)
		relay_end(p, it);
	if (p->started)
		player_post(p, MSG_ENDED, it, "interrupted",
		    seq_seconds(p, it->relay != NULL ? p->relay_frames : p->written),
		    p->out->error[0] ? p->out->error : _("the audio device stopped working"));
	seq_close_reader(p);
	output_close(p->out);
	p->state = P_OPENING;
	p->retry_at = now + p->backoff;
	player_post(p, MSG_DEVICE, NULL, NULL, 0, NULL);
}

/* A relay is over: "finished", or "failed" with why when its stream never came. */
static void
seq_end_relay(struct player *p, const char *reason)
{
	if (p->relay_ever)
		seq_end_item(p, "finished", p->relay_frames, reason);
	else
		seq_end_item(p, "failed", 0, p->relay_why[0] != '\0' ? p->relay_why :
		    _("the stream never came"));
}

/*
 * More of a relay for the device: 1 with the buffer filled, -EAGAIN when it
 * has nothing to write yet, or 0 when it has ended (and the next item may begin).
 */
static long
seq_refill_relay(struct player *p, size_t want)
{
	long got = relay_read(p, p->buf, want < PLAYER_BUF_FRAMES ? want : PLAYER_BUF_FRAMES,
	    clock_mono_ms(), output_delay(p->out));

	if (got > 0) {
		seq_apply_gain(p, (size_t)got);
		p->buf_len = (size_t)got;
		p->buf_pos = 0;
		return 1;
	}
	if (got < 0)
		return got;
	seq_end_relay(p, NULL);
	return 0;
}

/*
 * Decodes more audio for the device; returns 0, -EAGAIN when a relay has
 * nothing to write yet, or -ENOENT when the sequence is over.
 */
static int
seq_refill(struct player *p, size_t want)
{
	long got;
	char msg[512];

	while (p->buf_pos == p->buf_len) {
		if (p->rd == NULL && !p->relay_on && seq_begin_item(p) < 0)
			return -ENOENT;
		if (p->relay_on && !p->in_chime) {
			if ((got = seq_refill_relay(p, want)) != 0)
				return got < 0 ? (int)got : 0;
			continue;
		}
		got = opus_reader_read(p->rd, p->buf, want < PLAYER_BUF_FRAMES ? want : PLAYER_BUF_FRAMES);
		if (got > 0) {
			seq_apply_gain(p, (size_t)got);
			p->buf_len = (size_t)got;
			p->buf_pos = 0;
			return 0;
		}
		if (p->in_chime) {
			seq_end_chime(p, got);
			continue;
		}
		if (got == 0 && p->started) {
			if (opus_reader_padding(p->rd) > 0)
				log_info(_("player: \"%s\" ends with %llu bytes of padding after its "
				    "last page (not audio, not damage)"), p->items[p->cur].file,
				    (unsigned long long)opus_reader_padding(p->rd));
			seq_end_item(p, "finished", p->written, NULL);
			continue;
		}
		snprintf(msg, sizeof(msg), _("cannot play \"%s\": %s"), p->items[p->cur].file,
		    got == 0 ? _("the file contains no audio") : opus_reader_strerror((int)got));
		log_warnx("player: %s", msg);
		seq_end_item(p, "failed", p->written, msg);
	}
	return 0;
}

static void
seq_write(struct player *p, const struct pollfd *pfd, int n, int64_t now)
{
	long avail = output_writable(p->out, pfd, n), w;
	size_t budget;
	int rc;

	if (avail < 0) {
		seq_device_lost(p, now);
		return;
	}
	/* At most a quarter second per step, so that the lock is never held for long. */
	budget = (size_t)avail < p->fmt.rate / 4 ? (size_t)avail : p->fmt.rate / 4;
	while (budget > 0) {
		if ((rc = seq_refill(p, budget)) == -EAGAIN)
			return;
		if (rc < 0) {
			seq_start_drain(p, now);
			return;
		}
		w = output_play(p->out, p->buf + p->buf_pos * p->fmt.channels, p->buf_len - p->buf_pos);
		if (w < 0) {
			seq_device_lost(p, now);
			return;
		}
		if (w == 0)
			return;
		if (!p->started && !p->in_chime) {
			p->started = 1;
			p->since = 0;
			player_post(p, MSG_STARTED, &p->items[p->cur], NULL, 0, NULL);
		}
		p->buf_pos += (size_t)w;
		if (!p->in_chime)
			p->written += (uint64_t)w;
		budget -= (size_t)w;
		if (player_loop_waits(p))
			return;
	}
}

/* What the playback thread waits on next: the device's fds, or a deadline. */
int
seq_prepare(struct player *p, struct pollfd *pfd, int max, int64_t *deadline)
{
	int n;

	p->relay_polled = 0;
	switch (p->state) {
	case P_IDLE:
		return 0;
	case P_OPENING:
		if (p->retry_at < *deadline)
			*deadline = p->retry_at;
		return 0;
	case P_DRAINING:
		if (p->drain_at < *deadline)
			*deadline = p->drain_at;
		return 0;
	case P_PLAYING:
		if ((n = relay_prepare(p, pfd, max, clock_mono_ms(), deadline)) >= 0)
			return n;
		n = output_pollfds(p->out, pfd, max);
		if (n <= 0) {
			/* A device with nothing to poll: come back soon rather than never. */
			int64_t soon = clock_mono_ms() + 10;

			if (soon < *deadline)
				*deadline = soon;
			return 0;
		}
		return n;
	}
	return 0;
}

void
seq_dispatch(struct player *p, const struct pollfd *pfd, int n, int64_t now)
{
	switch (p->state) {
	case P_IDLE:
		break;
	case P_OPENING:
		if (now >= p->retry_at)
			seq_try_open(p, now);
		break;
	case P_DRAINING:
		if (now >= p->drain_at) {
			output_drain(p->out);
			seq_go_idle(p);
		}
		break;
	case P_PLAYING:
		/* Waiting on a relay's pipe, the device is asked directly. */
		seq_write(p, pfd, p->relay_polled ? 0 : n, now);
		break;
	}
}

void
seq_stop_as(struct player *p, const char *event, const char *reason)
{
	if (p->state == P_IDLE)
		return;
	if (p->state == P_PLAYING && p->cur < p->n && p->started && p->relay_on &&
	    strcmp(event, "finished") == 0)
		seq_end_relay(p, reason);	/* a live broadcast ended by the district */
	else if (p->state == P_PLAYING && p->cur < p->n && p->started)
		seq_end_item(p, event, p->relay_on ? p->relay_frames : seq_heard(p), reason);
	seq_miss_rest(p, reason);
	output_close(p->out);
	seq_go_idle(p);
}

void
seq_preempt(struct player *p, const char *reason, struct play_item **items, size_t *n)
{
	size_t i;

	*items = NULL;
	*n = 0;
	if (p->state == P_IDLE)
		return;
	if (p->state == P_PLAYING && p->cur < p->n && p->started) {
		double seconds = seq_cut_seconds(p);

		if (p->relay_on)
			relay_end(p, &p->items[p->cur]);
		player_post(p, MSG_ENDED, &p->items[p->cur], "interrupted", seconds, reason);
	}
	seq_close_reader(p);
	if (p->cur < p->n && (*items = calloc(p->n - p->cur, sizeof(**items))) != NULL) {
		for (i = p->cur; i < p->n; i++) {
			(*items)[i - p->cur] = p->items[i];
			memset(&p->items[i], 0, sizeof(p->items[i]));
			(*items)[i - p->cur].play_id[0] = '\0';
		}
		*n = p->n - p->cur;
	}
	output_close(p->out);
	seq_go_idle(p);
}
