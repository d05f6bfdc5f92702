/*
 * A relay in the sequence: the PCM of the relay helper (a process the
 * station starts and restarts; the player only reads the pipe it hands over)
 * until the relay's end, the fallback bulletins in a loop while the stream is
 * away, and silence while there is neither.
 *
 * The fallback starts from its first bulletin each time the stream goes away.
 * The stream is "live" from its first PCM until it goes away: the helper's
 * pipe closes (it exited or crashed), or nothing came for the stall time.
 * It is heard ("playing") once a cushion of it is here (below); until then
 * what was heard goes on: silence at the start, for at most the stall time,
 * or the fallback when the stream comes back.
 *
 * The loudspeakers never wait for the stream: the pipe is read without
 * blocking, into a ring of at most RELAY_RING_MS; what comes faster than it
 * is heard (a server's burst, a clock faster than the card's) pushes the
 * oldest out, so the delay behind the source stays bounded.
 *
 * A stream comes in bursts: an Ogg page at a time (a second of sound, from
 * many servers), or what the network held back. So the stream is heard only
 * once it has been coming for a while (the cushion, RELAY_CUSHION_MS): a
 * burst then lasts until the next one comes. If the stream runs out all the
 * same, the silence is its own gap, and it is heard again after a cushion
 * twice as long (up to RELAY_CUSHION_MAX_MS): the delay behind the source
 * grows only as much as the network needs.
 *
 * While only silence can be played, the device is kept just ahead
 * (RELAY_LOW_MS) and the thread waits on the pipe, so that the stream, when
 * it comes, is heard at once rather than behind a buffer full of silence.
 *
 * Everything here runs with the player's lock held.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codecs/opus_reader.h"
#include "config/i18n.h"
#include "daemon/audio/player_int.h"
#include "daemon/core/log.h"

#define RELAY_RING_MS		4000	/* the most of the stream held here */
#define RELAY_CUSHION_MS	200	/* the stream comes this long before it is heard, at first */
#define RELAY_CUSHION_MAX_MS	3200	/* after gaps, at most */
#define RELAY_LOW_MS		60	/* silence is written only this far ahead */
#define RELAY_SILENCE_MS	40	/* at a time */
#define RELAY_READS_MAX		16	/* pipe reads in one step: a flood cannot hold the lock */

static size_t
relay_frame_bytes(const struct player *p)
{
	return 2u * p->fmt.channels;
}

static void
relay_close_fd(struct player *p)
{
	if (p->relay_fd >= 0)
		close(p->relay_fd);
	p->relay_fd = -1;
}

/* The current item is a relay and its window is open: it needs the ring. 0 or -ENOMEM. */
int
relay_begin(struct player *p, int64_t now)
{
	size_t cap = (size_t)p->fmt.rate * RELAY_RING_MS / 1000 * relay_frame_bytes(p);

	if (p->relay_ring == NULL && (p->relay_ring = malloc(cap)) == NULL)
		return -ENOMEM;
	p->relay_ring_cap = cap;
	p->relay_ring_len = 0;
	p->relay_on = 1;
	p->relay_live = 0;
	p->relay_playing = 0;
	p->relay_ever = 0;
	p->relay_begun = now;
	p->relay_heard = 0;
	p->relay_frames = p->fallback_frames = 0;
	p->relay_breaks = 0;
	p->relay_cushion = 0;
	p->relay_cushion_ms = RELAY_CUSHION_MS;
	p->relay_since = 0;
	p->fb_cur = 0;
	p->fb_broken = 0;
	p->relay_why[0] = '\0';
	p->items[p->cur].stream_heard = 0;
	return 0;
}

/* The relay is over: what it played goes on its item, for its last report. */
void
relay_end(struct player *p, struct play_item *it)
{
	it->fallback_s = (double)p->fallback_frames / p->fmt.rate;
	it->breaks = p->relay_breaks;
	opus_reader_free(p->fb_rd);
	p->fb_rd = NULL;
	relay_close_fd(p);
	p->relay_on = 0;
	p->relay_live = p->relay_playing = 0;
	p->relay_ring_len = 0;
}

/* A new helper's pipe (the loop started it): the player owns fd from now on. */
void
relay_feed(struct player *p, int fd)
{
	relay_close_fd(p);
	p->relay_fd = fd;
}

/* Makes room for more of the stream by pushing out the oldest quarter of the ring. */
static void
relay_ring_drop(struct player *p)
{
	size_t fb = relay_frame_bytes(p);
	size_t drop = p->relay_ring_cap / 4 / fb * fb;

	memmove(p->relay_ring, p->relay_ring + drop, p->relay_ring_len - drop);
	p->relay_ring_len -= drop;
}

/* Reads what the helper has written; its end (or an error) closes the pipe. */
static void
relay_pull(struct player *p, int64_t now)
{
	size_t got = 0;
	ssize_t n;
	int reads;

	for (reads = 0; p->relay_fd >= 0 && reads < RELAY_READS_MAX; reads++) {
		if (p->relay_ring_len == p->relay_ring_cap)
			relay_ring_drop(p);
		n = read(p->relay_fd, p->relay_ring + p->relay_ring_len,
		    p->relay_ring_cap - p->relay_ring_len);
		if (n > 0) {
			p->relay_ring_len += (size_t)n;
			got += (size_t)n;
		} else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN)
			break;
		else
			relay_close_fd(p);
	}
	if (got == 0 || p->relay_ring_len < relay_frame_bytes(p))
		return;
	p->relay_heard = now;
	if (!p->relay_live) {
		p->relay_live = 1;
		p->relay_cushion = 1;
	}
	if (p->relay_since == 0)
		p->relay_since = now;
}

/* The stream is (back) on, and is heard once it has been coming for the cushion's time. */
static int
relay_cushioned(struct player *p, int64_t now)
{
	/* Without a helper, nothing more comes: what is here is heard. */
	if (p->relay_cushion && p->relay_since != 0 &&
	    (now - p->relay_since >= p->relay_cushion_ms || p->relay_fd < 0))
		p->relay_cushion = 0;
	return !p->relay_cushion;
}

/* The stream heard ran out: silence until it has come for a cushion twice as long. */
static void
relay_gap(struct player *p)
{
	if (p->relay_cushion)
		return;
	p->relay_cushion = 1;
	p->relay_since = 0;
	if (p->relay_cushion_ms < RELAY_CUSHION_MAX_MS)
		p->relay_cushion_ms *= 2;
}

/* The stream came or went: its item says so, and the loop is told (the status changed). */
static void
relay_tell(struct player *p)
{
	p->items[p->cur].stream_heard = p->relay_playing;
	player_post(p, MSG_DEVICE, NULL, NULL, 0, NULL);
}

/* The stream went away (its helper is gone, or it stalled): the fallback plays. */
static void
relay_check_away(struct player *p, int64_t now)
{
	if (!p->relay_live || p->relay_ring_len >= relay_frame_bytes(p))
		return;
	if (p->relay_fd >= 0 && now - p->relay_heard < p->relay_stall_ms)
		return;
	p->relay_live = 0;
	p->relay_since = 0;
	if (!p->relay_playing)
		return;
	p->relay_playing = 0;
	relay_tell(p);
	p->relay_breaks++;
	opus_reader_free(p->fb_rd);	/* the fallback starts from its beginning */
	p->fb_rd = NULL;
	p->fb_cur = 0;
	log_warnx(_("player: the stream of \"%s\" is away; %s until it comes back"),
	    p->items[p->cur].title, p->items[p->cur].n_fallback > 0 ?
	    _("the fallback plays") : _("silence"));
}

/* Frames of the stream's PCM into out, at most want; it is heard from now on. */
static size_t
relay_take(struct player *p, int16_t *out, size_t want)
{
	size_t fb = relay_frame_bytes(p), frames = p->relay_ring_len / fb;

	if (frames == 0)
		return 0;
	if (!p->relay_playing) {
		if (p->relay_ever)
			log_info(_("player: the stream of \"%s\" is back"), p->items[p->cur].title);
		p->relay_playing = p->relay_ever = 1;
		relay_tell(p);
	}
	if (frames > want)
		frames = want;
	memcpy(out, p->relay_ring, frames * fb);
	memmove(p->relay_ring, p->relay_ring + frames * fb, p->relay_ring_len - frames * fb);
	p->relay_ring_len -= frames * fb;
	return frames;
}

/* The fallback bulletins in a loop: frames into out, or 0 when none can be played. */
static size_t
relay_fallback(struct player *p, int16_t *out, size_t want)
{
	const struct play_item *it = &p->items[p->cur];
	size_t tries;
	long got;
	int err;

	if (p->fb_broken)
		return 0;
	for (tries = 0; tries <= it->n_fallback && it->n_fallback > 0; tries++) {
		if (p->fb_rd == NULL) {
			p->fb_rd = opus_reader_open_file(it->fallback[p->fb_cur % it->n_fallback],
			    p->fmt.rate, p->fmt.channels, &err);
			if (p->fb_rd == NULL) {
				log_warnx(_("player: the fallback \"%s\" cannot be played: %s"),
				    it->fallback[p->fb_cur % it->n_fallback], opus_reader_strerror(err));
				p->fb_cur++;
				continue;
			}
		}
		if ((got = opus_reader_read(p->fb_rd, out, want)) > 0)
			return (size_t)got;
		opus_reader_free(p->fb_rd);
		p->fb_rd = NULL;
		p->fb_cur++;
	}
	p->fb_broken = it->n_fallback > 0;	/* none plays: silence, and no more tries */
	return 0;
}

/*
 * What plays while there is nothing else: a little silence, only while the
 * device is close to running dry; -EAGAIN when it is far enough ahead.
 */
static long
relay_silence(struct player *p, int16_t *out, size_t want, long delay)
{
	size_t n = p->fmt.rate * RELAY_SILENCE_MS / 1000;

	if (delay > (long)p->fmt.rate * RELAY_LOW_MS / 1000)
		return -EAGAIN;
	if (n > want)
		n = want;
	memset(out, 0, n * relay_frame_bytes(p));
	return (long)n;
}

/* The stream has not come yet, but may still within the stall time: wait in silence. */
static int
relay_waiting(const struct player *p, int64_t now)
{
	return !p->relay_ever && now - p->relay_begun < p->relay_stall_ms;
}

/*
 * Frames for the device, at most want: the stream, the fallback, or silence;
 * -EAGAIN when only silence could be written and the device does not need it
 * yet; 0 when the relay's window is over (delay: frames the device still
 * holds, so that the last of them is heard at the end, not after it).
 */
long
relay_read(struct player *p, int16_t *out, size_t want, int64_t now, long delay)
{
	int64_t left = (p->relay_end - now) * p->fmt.rate / 1000 - delay;
	long n;

	if (left <= 0)
		return 0;
	if ((int64_t)want > left)
		want = (size_t)left;
	relay_pull(p, now);
	relay_check_away(p, now);
	if (p->relay_live && relay_cushioned(p, now) && (n = (long)relay_take(p, out, want)) > 0) {
		p->relay_frames += (uint64_t)n;
		return n;
	}
	if (p->relay_playing) {
		relay_gap(p);		/* the stream's own gap */
		if ((n = relay_silence(p, out, want, delay)) > 0)
			p->relay_frames += (uint64_t)n;
		return n;
	}
	/* Not heard yet, or away (and maybe filling its cushion to come back). */
	n = relay_waiting(p, now) ? 0 : (long)relay_fallback(p, out, want);
	if (n == 0)
		n = relay_silence(p, out, want, delay);
	if (n > 0)
		p->fallback_frames += (uint64_t)n;
	return n;
}

/* Only silence would be written now (no stream yet, a gap in it, no fallback). */
static int
relay_starved(struct player *p, int64_t now)
{
	if (p->relay_live && relay_cushioned(p, now) && p->relay_ring_len >= relay_frame_bytes(p))
		return 0;
	if (p->relay_playing || relay_waiting(p, now))
		return 1;
	return p->items[p->cur].n_fallback == 0 || p->fb_broken;
}

/*
 * What the playback thread waits on while the relay plays: -1 for the
 * device's descriptors, as for a bulletin; otherwise how many descriptors it
 * filled (the pipe, or none) with *deadline lowered to when the device needs
 * more silence, and p->relay_polled set.
 */
int
relay_prepare(struct player *p, struct pollfd *pfd, int max, int64_t now, int64_t *deadline)
{
	int64_t ahead_ms, when;

	if (!p->relay_on || !relay_starved(p, now))
		return -1;
	ahead_ms = (int64_t)output_delay(p->out) * 1000 / p->fmt.rate;
	if (ahead_ms <= RELAY_LOW_MS)
		return -1;
	when = now + ahead_ms - RELAY_LOW_MS;
	if (p->relay_end < when)
		when = p->relay_end;
	if (when < *deadline)
		*deadline = when;
	p->relay_polled = 1;
	if (p->relay_fd < 0 || max < 1)
		return 0;
	pfd[0] = (struct pollfd){ .fd = p->relay_fd, .events = POLLIN };
	return 1;
}

/* The relay's seconds so far: the stream's, for its reports. */
double
relay_seconds(const struct player *p)
{
	return (double)p->relay_frames / p->fmt.rate;
}
