/*
 * The player as the loop sees it: sequences of bulletins played by a thread
 * of their own, so that nothing the loop does (a slow fsync on an SD card, a
 * DNS lookup, hashing a large file) makes the loudspeakers wait. The playback
 * thread waits only for the sound card; it asks for real-time scheduling and
 * runs fine without it.
 *
 * Why a thread, when everything else is one poll() loop: the loop's work
 * includes durable writes whose time the station cannot bound (an fsync on a
 * cheap card under load takes a second), and audio must be fed every few
 * tens of milliseconds whatever happens. The thread shares only the sequence
 * (player_int.h), under one lock held for short steps, and tells the loop
 * what happened through a queue of messages that the loop delivers in order,
 * so the callbacks (and everything the station does in them) run on the loop
 * as before.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "config/i18n.h"
#include "daemon/audio/player_int.h"
#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/core/log.h"
#include "daemon/core/thread.h"

#define PLAYER_MAX_PFDS		16
#define PLAYER_RT_PRIORITY	10	/* SCHED_FIFO; the unit grants up to it (LimitRTPRIO) */
#define PLAYER_POLL_RETRY_MS	10	/* after poll() failed, which it should not */

/* --- messages to the loop ----------------------------------------------------------- */

static void
player_msg_free(struct player_msg *m)
{
	play_item_clear(&m->item);
	free(m->error);
	free(m);
}

void
player_post(struct player *p, enum player_msg_kind kind, const struct play_item *it,
    const char *event, double seconds, const char *error)
{
	struct player_msg *m = calloc(1, sizeof(*m));

	if (m == NULL || (it != NULL && play_item_copy(&m->item, it) < 0) ||
	    (error != NULL && (m->error = strdup(error)) == NULL)) {
		log_warnx(_("player: out of memory: a \"%s\" report is lost"), event != NULL ? event : "");
		if (m != NULL)
			player_msg_free(m);
		return;
	}
	m->kind = kind;
	snprintf(m->event, sizeof(m->event), "%s", event != NULL ? event : "");
	m->seconds = seconds;
	*p->msgs_tail = m;
	p->msgs_tail = &m->next;
	if (eventfd_write(p->msg_fd, 1) == -1)
		log_warn(_("player: cannot wake the loop"));
}

/* --- the lock, as the loop takes it ---------------------------------------------------- */

static void
player_lock(struct player *p)
{
	p->loop_wants = 1;
	pthread_mutex_lock(&p->lock);
	p->loop_wants = 0;
}

static void
player_unlock(struct player *p)
{
	pthread_mutex_unlock(&p->lock);
	pthread_cond_signal(&p->turn);
}

/* The thread takes the lock after the loop, when the loop is waiting for it. */
static void
player_lock_thread(struct player *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->loop_wants)
		pthread_cond_wait(&p->turn, &p->lock);
}

int
player_loop_waits(struct player *p)
{
	return p->loop_wants;
}

static struct player_msg *
player_msg_take(struct player *p)
{
	struct player_msg *m;

	player_lock(p);
	if ((m = p->msgs) != NULL && (p->msgs = m->next) == NULL)
		p->msgs_tail = &p->msgs;
	player_unlock(p);
	return m;
}

/* The wall clock is the loop's: it stamps when the bulletin playing started. */
static void
player_mark_since(struct player *p, const struct play_item *it)
{
	player_lock(p);
	if (p->started && p->cur < p->n && strcmp(p->items[p->cur].play_id, it->play_id) == 0)
		p->since = clock_wall_now();
	player_unlock(p);
}

/*
 * Tells the loop's callbacks what happened, oldest first, one message at a
 * time without the lock: a callback may start or stop the player, and what
 * that posts is delivered after what came before it.
 */
static void
player_deliver(struct player *p)
{
	struct player_msg *m;

	while ((m = player_msg_take(p)) != NULL) {
		switch (m->kind) {
		case MSG_STARTED:
			player_mark_since(p, &m->item);
			p->ev.started(p->ev.arg, &m->item);
			break;
		case MSG_ENDED:
			p->ev.ended(p->ev.arg, &m->item, m->event, m->seconds, m->error);
			break;
		case MSG_IDLE:
			if (p->ev.idle != NULL)
				p->ev.idle(p->ev.arg);
			break;
		case MSG_DEVICE:
			if (p->ev.device != NULL)
				p->ev.device(p->ev.arg);
			break;
		}
		player_msg_free(m);
	}
}

/* --- the playback thread ------------------------------------------------------------- */

/* The loop changed the sequence: the thread looks again (its pollfds may be gone). */
static void
player_poke(struct player *p)
{
	p->gen++;
	if (eventfd_write(p->wake_fd, 1) == -1)
		log_warn(_("player: cannot wake the playback thread"));
}

static void
player_ask_realtime(struct player *p)
{
	struct sched_param sp = { .sched_priority = PLAYER_RT_PRIORITY };
	int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);

	player_lock_thread(p);
	p->realtime = rc == 0;
	pthread_mutex_unlock(&p->lock);
	if (rc == 0)
		log_info(_("player: the playback thread runs with real-time priority "
		    "(SCHED_FIFO %d)"), PLAYER_RT_PRIORITY);
	else
		log_info(_("player: the playback thread runs without real-time priority (%s); "
		    "LimitRTPRIO=%d in the service unit grants it"), strerror(rc), PLAYER_RT_PRIORITY);
}

static int
player_timeout(int64_t deadline)
{
	int64_t now = clock_mono_ms();

	if (deadline == EV_NO_DEADLINE)
		return -1;
	if (deadline <= now)
		return 0;
	return deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
}

static void *
player_run(void *arg)
{
	struct player *p = arg;
	struct pollfd pfd[PLAYER_MAX_PFDS + 1];
	int64_t deadline;
	eventfd_t v;
	unsigned gen;
	int n;

	player_ask_realtime(p);
	player_lock_thread(p);
	while (!p->quit) {
		deadline = EV_NO_DEADLINE;
		n = seq_prepare(p, pfd + 1, PLAYER_MAX_PFDS, &deadline);
		gen = p->gen;
		pthread_mutex_unlock(&p->lock);
		pfd[0] = (struct pollfd){ .fd = p->wake_fd, .events = POLLIN };
		if (poll(pfd, (nfds_t)n + 1, player_timeout(deadline)) == -1 && errno != EINTR) {
			log_warn("player: poll");
			poll(NULL, 0, PLAYER_POLL_RETRY_MS);	/* never spin at real-time priority */
		}
		if (pfd[0].revents & POLLIN)
			(void)eventfd_read(p->wake_fd, &v);
		player_lock_thread(p);
		if (p->gen == gen)
			seq_dispatch(p, pfd + 1, n, clock_mono_ms());
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int
player_spawn(struct player *p)
{
	int rc = thread_start(&p->thread, 0, player_run, p);

	if (rc < 0) {
		errno = -rc;
		log_warn(_("player: cannot start the playback thread"));
		return rc;
	}
	p->thread_started = 1;
	return 0;
}

/* --- the loop's side ------------------------------------------------------------------ */

struct player *
player_new(struct output *out, const struct audio_fmt *fmt, const struct player_events *ev)
{
	struct player *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->turn, NULL);
	p->wake_fd = p->msg_fd = p->relay_fd = -1;
	p->relay_stall_ms = PLAYER_STALL_MS;
	p->msgs_tail = &p->msgs;
	p->out = out;
	p->fmt = *fmt;
	p->ev = *ev;
	p->backoff = RETRY_FIRST_MS;
	p->buf = calloc(PLAYER_BUF_FRAMES * fmt->channels, sizeof(int16_t));
	p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->msg_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->buf == NULL || p->wake_fd < 0 || p->msg_fd < 0 || player_spawn(p) < 0) {
		player_free(p);
		return NULL;
	}
	return p;
}

void
player_free(struct player *p)
{
	struct player_msg *m;

	if (p == NULL)
		return;
	if (p->thread_started) {
		player_lock(p);
		p->quit = 1;
		player_poke(p);
		player_unlock(p);
		pthread_join(p->thread, NULL);
	}
	seq_clear(p);
	while ((m = player_msg_take(p)) != NULL)
		player_msg_free(m);
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	if (p->msg_fd >= 0)
		close(p->msg_fd);
	pthread_cond_destroy(&p->turn);
	pthread_mutex_destroy(&p->lock);
	free(p->buf);
	free(p->relay_ring);
	free(p);
}

static int
player_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline)
{
	struct player *p = arg;

	(void)deadline;
	if (max < 1)
		return 0;
	pfd->fd = p->msg_fd;
	pfd->events = POLLIN;
	return 1;
}

static void
player_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct player *p = arg;
	eventfd_t v;

	(void)now;
	if (n < 1 || !(pfd->revents & POLLIN))
		return;
	(void)eventfd_read(p->msg_fd, &v);	/* before delivering, so that no wake is lost */
	player_deliver(p);
}

void
player_source(struct player *p, struct ev_source *src)
{
	src->name = "player";
	src->prepare = player_prepare;
	src->dispatch = player_dispatch;
	src->arg = p;
}

static void
player_free_array(struct play_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		play_item_clear(&items[i]);
	free(items);
}

/* Busy until the loop has been told everything about the last sequence, its end too. */
static int
player_busy_locked(const struct player *p)
{
	return p->state != P_IDLE || p->msgs != NULL;
}

int
player_start(struct player *p, struct play_item *items, size_t n)
{
	player_lock(p);
	if (player_busy_locked(p)) {
		player_unlock(p);
		player_free_array(items, n);
		return -EBUSY;
	}
	if (seq_start(p, items, n, clock_mono_ms(), clock_wall_now()) < 0) {
		player_unlock(p);
		player_free_array(items, n);
		return -ENOMEM;
	}
	player_poke(p);
	player_unlock(p);
	return 0;
}

void
player_stop(struct player *p, const char *reason)
{
	player_stop_as(p, "interrupted", reason);
}

void
player_stop_as(struct player *p, const char *event, const char *reason)
{
	player_lock(p);
	seq_stop_as(p, event, reason);
	player_poke(p);
	player_unlock(p);
	player_deliver(p);
}

void
player_preempt(struct player *p, const char *reason, struct play_item **items, size_t *n)
{
	player_lock(p);
	seq_preempt(p, reason, items, n);
	player_poke(p);
	player_unlock(p);
	player_deliver(p);
}

enum sched_class
player_class(struct player *p)
{
	enum sched_class c = SCHED_NORMAL;

	player_lock(p);
	if (p->state != P_IDLE && p->cur < p->n)
		c = p->items[p->cur].cls;
	player_unlock(p);
	return c;
}

int
player_relaying(struct player *p)
{
	int relaying;

	player_lock(p);
	relaying = p->state != P_IDLE && p->cur < p->n && p->items[p->cur].relay != NULL;
	player_unlock(p);
	return relaying;
}

int
player_relay_feed(struct player *p, int fd)
{
	int rc = 0;

	player_lock(p);
	if (p->relay_on) {
		relay_feed(p, fd);
		player_poke(p);
	} else {
		close(fd);
		rc = -ESRCH;
	}
	player_unlock(p);
	return rc;
}

void
player_relay_note(struct player *p, const char *why)
{
	player_lock(p);
	if (p->relay_on)
		snprintf(p->relay_why, sizeof(p->relay_why), "%s", why);
	player_unlock(p);
}

void
player_relay_stall(struct player *p, int ms)
{
	player_lock(p);
	p->relay_stall_ms = ms;
	player_unlock(p);
}

int
player_busy(struct player *p)
{
	int busy;

	player_lock(p);
	busy = player_busy_locked(p);
	player_unlock(p);
	return busy;
}

int
player_current(struct player *p, struct play_item *copy, time_t *since)
{
	int playing;

	memset(copy, 0, sizeof(*copy));
	player_lock(p);
	playing = p->state == P_PLAYING && p->started && p->cur < p->n;
	if (playing && play_item_copy(copy, &p->items[p->cur]) < 0)
		playing = 0;
	if (playing && since != NULL)
		*since = p->since != 0 ? p->since : clock_wall_now();
	player_unlock(p);
	return playing;
}

void
player_device(struct player *p, struct player_device_state *d)
{
	player_lock(p);
	d->health = p->out->health;
	d->xruns = p->out->xruns;
	snprintf(d->error, sizeof(d->error), "%s", p->out->error);
	d->realtime = p->realtime;
	player_unlock(p);
}
