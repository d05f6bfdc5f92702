/*
 * The player: a sequence of bulletins through one output, back to back.
 *
 * States: IDLE (device closed), OPENING (waiting to open the device, with
 * back-off after a failure), PLAYING (decoding into the device as fast as it
 * takes audio), DRAINING (everything written; waiting for the device to play
 * it out before closing). The device stays open for the whole sequence, so
 * bulletins within a slot follow each other without a gap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/opus_reader.h"
#include "config/i18n.h"
#include "daemon/audio/player.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"

#define PLAYER_BUF_FRAMES	2048
#define RETRY_FIRST_MS		1000
#define RETRY_MAX_MS		30000

enum player_state { P_IDLE, P_OPENING, P_PLAYING, P_DRAINING };

struct player {
	struct output		*out;
	struct audio_fmt	 fmt;
	struct player_events	 ev;
	enum player_state	 state;

	struct play_item	*items;
	size_t			 n, cur;
	struct opus_reader	*rd;		/* the current item's decoder, or NULL */
	int			 started;	/* the current item sent "started" */
	uint64_t		 written;	/* frames of the current item written */
	time_t			 since;

	int16_t			*buf;		/* decoded, not yet written */
	size_t			 buf_len, buf_pos;

	int64_t			 retry_at;	/* OPENING: when to try the device again */
	int			 backoff;
	int64_t			 drain_at;	/* DRAINING: when the device is empty */
};

struct player *
player_new(struct output *out, const struct audio_fmt *fmt, const struct player_events *ev)
{
	struct player *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->buf = calloc(PLAYER_BUF_FRAMES * fmt->channels, sizeof(int16_t));
	if (p->buf == NULL) {
		free(p);
		return NULL;
	}
	p->out = out;
	p->fmt = *fmt;
	p->ev = *ev;
	p->backoff = RETRY_FIRST_MS;
	return p;
}

static void
player_free_items(struct player *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		play_item_clear(&p->items[i]);
	free(p->items);
	p->items = NULL;
	p->n = p->cur = 0;
}

static void
player_close_reader(struct player *p)
{
	opus_reader_free(p->rd);
	p->rd = NULL;
	p->buf_len = p->buf_pos = 0;
	p->started = 0;
	p->written = 0;
}

void
player_free(struct player *p)
{
	if (p == NULL)
		return;
	player_close_reader(p);
	output_close(p->out);
	player_free_items(p);
	free(p->buf);
	free(p);
}

static double
player_seconds(const struct player *p, uint64_t frames)
{
	return (double)frames / p->fmt.rate;
}

/* Ends the current item with event and moves on to the next one. */
static void
player_end_item(struct player *p, const char *event, uint64_t frames, const char *error)
{
	p->ev.ended(p->ev.arg, &p->items[p->cur], event, player_seconds(p, frames), error);
	player_close_reader(p);
	p->cur++;
}

static void
player_miss_rest(struct player *p, const char *reason)
{
	while (p->cur < p->n) {
		play_id_new(p->items[p->cur].play_id);
		player_end_item(p, "missed", 0, reason);
	}
}

/*
 * Opens the next playable item's decoder. Items past their expiry are
 * missed, items that cannot be opened failed. Returns 0 with p->rd set, or
 * -ENOENT when the sequence is over.
 */
static int
player_begin_item(struct player *p)
{
	char msg[512];
	int err;

	while (p->cur < p->n) {
		struct play_item *it = &p->items[p->cur];

		play_id_new(it->play_id);
		if (it->expires != 0 && time(NULL) > it->expires) {
			player_end_item(p, "missed", 0, _("it could not start within its grace period"));
			continue;
		}
		p->rd = opus_reader_open_file(it->path, p->fmt.rate, p->fmt.channels, &err);
		if (p->rd != NULL)
			return 0;
		snprintf(msg, sizeof(msg), _("cannot play \"%s\": %s"), it->file,
		    opus_reader_strerror(err));
		log_warnx("player: %s", msg);
		player_end_item(p, "failed", 0, msg);
	}
	return -ENOENT;
}

static void
player_go_idle(struct player *p)
{
	player_close_reader(p);
	player_free_items(p);
	p->state = P_IDLE;
	if (p->ev.idle != NULL)
		p->ev.idle(p->ev.arg);
}

static void
player_start_drain(struct player *p, int64_t now)
{
	long delay = output_delay(p->out);

	p->state = P_DRAINING;
	p->drain_at = now + (int64_t)delay * 1000 / p->fmt.rate;
}

/* Tries the device; on failure waits with back-off, missing items that expire meanwhile. */
static void
player_try_open(struct player *p, int64_t now)
{
	int rc = output_open(p->out, &p->fmt);

	if (p->ev.device != NULL)
		p->ev.device(p->ev.arg);
	if (rc < 0) {
		p->state = P_OPENING;
		p->retry_at = now + p->backoff;
		if (p->backoff < RETRY_MAX_MS)
			p->backoff = p->backoff * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : p->backoff * 2;
		/* Drop what can no longer start in time; keep the rest waiting. */
		while (p->cur < p->n && p->items[p->cur].expires != 0 &&
		    time(NULL) > p->items[p->cur].expires) {
			play_id_new(p->items[p->cur].play_id);
			player_end_item(p, "missed", 0, _("the audio device could not be opened"));
		}
		if (p->cur == p->n)
			player_go_idle(p);
		return;
	}
	p->backoff = RETRY_FIRST_MS;
	p->state = P_PLAYING;
	if (p->rd == NULL && player_begin_item(p) < 0) {
		output_close(p->out);
		player_go_idle(p);
	}
}

int
player_start(struct player *p, struct play_item *items, size_t n)
{
	if (p->state != P_IDLE) {
		size_t i;

		for (i = 0; i < n; i++)
			play_item_clear(&items[i]);
		free(items);
		return -EBUSY;
	}
	p->items = items;
	p->n = n;
	p->cur = 0;
	player_try_open(p, clock_mono_ms());
	return 0;
}

/* The device failed while playing: the bulletin is interrupted and will start again when it is back. */
static void
player_device_lost(struct player *p, long err, int64_t now)
{
	struct play_item *it = &p->items[p->cur];

	log_warnx("player: audio device failed while playing \"%s\": %s", it->file,
	    p->out->error[0] ? p->out->error : "unknown error");
	if (p->started)
		p->ev.ended(p->ev.arg, it, "interrupted", player_seconds(p, p->written),
		    p->out->error[0] ? p->out->error : _("the audio device stopped working"));
	player_close_reader(p);
	output_close(p->out);
	(void)err;
	p->state = P_OPENING;
	p->retry_at = now + p->backoff;
	if (p->ev.device != NULL)
		p->ev.device(p->ev.arg);
}

/* Decodes more audio for the device; returns 0, or -ENOENT when the sequence is over. */
static int
player_refill(struct player *p, size_t want)
{
	long got;
	char msg[512];

	while (p->buf_pos == p->buf_len) {
		if (p->rd == NULL && player_begin_item(p) < 0)
			return -ENOENT;
		got = opus_reader_read(p->rd, p->buf, want < PLAYER_BUF_FRAMES ? want : PLAYER_BUF_FRAMES);
		if (got > 0) {
			p->buf_len = (size_t)got;
			p->buf_pos = 0;
			return 0;
		}
		if (got == 0 && p->started) {
			if (opus_reader_padding(p->rd) > 0)
				log_info("player: \"%s\" ends with %llu bytes of padding after its "
				    "last page (not audio, not damage)", p->items[p->cur].file,
				    (unsigned long long)opus_reader_padding(p->rd));
			player_end_item(p, "finished", p->written, NULL);
			continue;
		}
		snprintf(msg, sizeof(msg), _("cannot play \"%s\": %s"), p->items[p->cur].file,
		    got == 0 ? _("the file contains no audio") : opus_reader_strerror((int)got));
		log_warnx("player: %s", msg);
		player_end_item(p, "failed", p->written, msg);
	}
	return 0;
}

static void
player_write(struct player *p, const struct pollfd *pfd, int n, int64_t now)
{
	long avail = output_writable(p->out, pfd, n), w;
	size_t budget;

	if (avail < 0) {
		player_device_lost(p, avail, now);
		return;
	}
	/* At most a quarter second per step, so the loop stays responsive on unpaced devices. */
	budget = (size_t)avail < p->fmt.rate / 4 ? (size_t)avail : p->fmt.rate / 4;
	while (budget > 0) {
		if (player_refill(p, budget) < 0) {
			player_start_drain(p, now);
			return;
		}
		w = output_play(p->out, p->buf + p->buf_pos * p->fmt.channels, p->buf_len - p->buf_pos);
		if (w < 0) {
			player_device_lost(p, w, now);
			return;
		}
		if (w == 0)
			return;
		if (!p->started) {
			p->started = 1;
			p->since = time(NULL);
			p->ev.started(p->ev.arg, &p->items[p->cur]);
		}
		p->buf_pos += (size_t)w;
		p->written += (uint64_t)w;
		budget -= (size_t)w;
	}
}

static int
player_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline)
{
	struct player *p = arg;
	int n;

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

static void
player_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct player *p = arg;

	switch (p->state) {
	case P_IDLE:
		break;
	case P_OPENING:
		if (now >= p->retry_at)
			player_try_open(p, now);
		break;
	case P_DRAINING:
		if (now >= p->drain_at) {
			output_drain(p->out);
			player_go_idle(p);
		}
		break;
	case P_PLAYING:
		player_write(p, pfd, n, now);
		break;
	}
}

void
player_source(struct player *p, struct ev_source *src)
{
	src->name = "player";
	src->prepare = player_prepare;
	src->dispatch = player_dispatch;
	src->arg = p;
}

void
player_stop(struct player *p, const char *reason)
{
	player_stop_as(p, "interrupted", reason);
}

void
player_stop_as(struct player *p, const char *event, const char *reason)
{
	if (p->state == P_IDLE)
		return;
	if (p->state == P_PLAYING && p->cur < p->n && p->started) {
		long delay = output_delay(p->out);
		uint64_t heard = p->written > (uint64_t)delay ? p->written - (uint64_t)delay : 0;

		player_end_item(p, event, heard, reason);
	}
	player_miss_rest(p, reason);
	output_close(p->out);
	player_go_idle(p);
}

void
player_preempt(struct player *p, const char *reason, struct play_item **items, size_t *n)
{
	size_t i;

	*items = NULL;
	*n = 0;
	if (p->state == P_IDLE)
		return;
	if (p->state == P_PLAYING && p->cur < p->n && p->started) {
		long delay = output_delay(p->out);
		uint64_t heard = p->written > (uint64_t)delay ? p->written - (uint64_t)delay : 0;

		p->ev.ended(p->ev.arg, &p->items[p->cur], "interrupted", player_seconds(p, heard), reason);
	}
	player_close_reader(p);
	if (p->cur < p->n && (*items = calloc(p->n - p->cur, sizeof(**items))) != NULL) {
		for (i = p->cur; i < p->n; i++) {
			(*items)[i - p->cur] = p->items[i];
			memset(&p->items[i], 0, sizeof(p->items[i]));
			(*items)[i - p->cur].play_id[0] = '\0';
		}
		*n = p->n - p->cur;
	}
	output_close(p->out);
	player_go_idle(p);
}

enum sched_class
player_class(const struct player *p)
{
	if (p->state == P_IDLE || p->cur >= p->n)
		return SCHED_NORMAL;
	return p->items[p->cur].cls;
}

int
player_busy(const struct player *p)
{
	return p->state != P_IDLE;
}

const struct play_item *
player_current(const struct player *p, time_t *since)
{
	if (p->state != P_PLAYING || !p->started || p->cur >= p->n)
		return NULL;
	if (since != NULL)
		*since = p->since;
	return &p->items[p->cur];
}
