/*
 * The station and time: the schedule's cursor (slot starts up to it are
 * handled; it is saved, so that after a restart what passed while the station
 * was off is reported missed, not played), whether the wall clock can be
 * believed, and the event source that wakes the station when something
 * becomes due.
 *
 * Scheduled times are wall-clock times, but every wait is a poll() deadline
 * on the monotonic clock, recomputed each iteration. A CLOCK_REALTIME timerfd
 * (TFD_TIMER_CANCEL_ON_SET) tells us when the wall clock is set, so that we
 * recompute instead of firing a burst of slots.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/station/station_int.h"

#define CURSOR_KEY		"schedule.cursor"
#define CURSOR_MAX_BACK		(7 * 86400)	/* how far back a restart looks for missed slots */
#define CLOCK_BACK_RESET	86400		/* a step back larger than this resets the cursor */

/* Saved so that a restart knows which slot starts it has handled. */
void
station_save_cursor(struct station *st)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)st->cursor);
	if (st->writer != NULL)
		store_writer_kv_set(st->writer, CURSOR_KEY, buf);
	else if (store_kv_set(st->store, CURSOR_KEY, buf) < 0)
		log_warnx(_("station: could not save the schedule position"));
}

/*
 * Where the schedule stood before a restart: slots from there to now are
 * reported missed, looking back CURSOR_MAX_BACK at the most. A first start
 * (or a saved position in the future) counts from a grace period back.
 */
void
station_load_cursor(struct station *st)
{
	char buf[32];
	time_t now = clock_wall_now();
	long long v;

	st->cursor = now - st->cfg.schedule.grace;
	if (store_kv_get(st->store, CURSOR_KEY, buf, sizeof(buf)) == 0 &&
	    sscanf(buf, "%lld", &v) == 1 && v <= now) {
		st->cursor = (time_t)v;
		if (now - st->cursor > CURSOR_MAX_BACK)
			st->cursor = now - CURSOR_MAX_BACK;
	}
}

/* Moves the cursor to now: slot starts passed on the way become due (or missed). */
static void
station_advance(struct station *st, time_t now)
{
	struct sched_occurrence occ[STATION_MAX_CATCHUP];
	size_t i, n, total = 0;
	int k;

	if (now < st->cursor) {
		if (st->cursor - now > CLOCK_BACK_RESET) {
			log_warnx(_("station: the clock went back by %lld s; slots are counted from now on"),
			    (long long)(st->cursor - now));
			st->cursor = now;
			station_save_cursor(st);
			st->next_due_stale = 1;
		}
		return;
	}
	if (now == st->cursor)
		return;
	for (k = 0; k < STATION_NSCHED; k++) {
		if (st->scheds[k] == NULL)
			continue;
		n = sched_due(st->scheds[k], st->cursor, now, occ, STATION_MAX_CATCHUP);
		for (i = 0; i < n; i++)
			station_slot_due(st, st->scheds[k], &occ[i], now);
		total += n;
	}
	st->cursor = now;
	if (total > 0) {
		/* Saved at the end of the tick, once the slot has started: off its path. */
		st->cursor_dirty = 1;
		st->next_due_stale = 1;
	}
}

/*
 * Scheduled slots fire only on a clock that can be believed. While it cannot,
 * the schedule stands still and queued items with a time wait (station_lineup
 * holds them); queued "play now" items and alerts still play. Once it can,
 * slots count from a grace period back, never from 1970.
 */
static int
station_clock_check(struct station *st, time_t now)
{
	const char *why = NULL;
	int ok = clock_trusted(now, &why);

	if (ok != st->clock_ok) {
		st->clock_ok = ok;
		st->clock_why = why;
		station_mark_dirty(st);
		if (!ok)
			log_warnx("station: %s", why);
		else
			log_info(_("station: the clock is trusted; the schedule runs"));
		if (ok && st->cursor < clock_build_time())
			st->cursor = now - st->cfg.schedule.grace;
		st->next_due_stale = 1;
	}
	return ok;
}

/*
 * One step of the station, at every iteration of the loop: the end of a
 * mute; on a clock that can be believed, the slots that came due and the
 * grace periods that ran out; then what plays next. The cursor is saved last,
 * once a slot that came due has started: off its path.
 */
static void
station_tick(struct station *st, time_t now)
{
	if (st->muted && st->muted_until != 0 && now >= st->muted_until)
		station_mute_expire(st);
	if (station_clock_check(st, now)) {
		station_advance(st, now);
		station_expire(st, now);
	}
	station_play_next(st, now);
	if (st->cursor_dirty) {
		st->cursor_dirty = 0;
		station_save_cursor(st);
	}
}

/* Keeps in *next (-1: nothing yet) the earlier of itself and t, when t is still to come. */
static void
earliest(time_t *next, time_t t, time_t now)
{
	if (t > now && (*next == (time_t)-1 || t < *next))
		*next = t;
}

/* The next wall-clock instant at which something starts, expires or ends a mute, or -1. */
static time_t
station_next_due(const struct station *st, time_t now)
{
	time_t next;
	size_t i;

	/*
	 * From the cursor, not from now: a slot whose second has come but that the
	 * next tick has not handled yet must keep the deadline at "now". On an
	 * untrusted clock the cursor stands still, so look from now.
	 */
	next = station_next_slot(st, st->clock_ok || st->cursor > now ? st->cursor : now, NULL);
	for (i = 0; i < st->nqueue; i++) {
		earliest(&next, station_queue_due(&st->queue[i]), now);
		if (st->queue[i].at != 0)
			earliest(&next, st->queue[i].at + st->cfg.schedule.grace + 1, now);
	}
	for (i = 0; i < st->npending; i++)
		if (st->pending[i].expires != 0)
			earliest(&next, st->pending[i].expires + 1, now);
	if (st->muted && st->muted_until != 0)
		earliest(&next, st->muted_until, now);
	return next;
}

/*
 * The clock watcher: a CLOCK_REALTIME timer far in the future whose only job
 * is TFD_TIMER_CANCEL_ON_SET, so that a step of the wall clock wakes us up to
 * recompute. The due instants themselves become poll() deadlines on the
 * monotonic clock, recomputed every iteration from the wall clock.
 */
static void
station_arm_watch(struct station *st)
{
	struct itimerspec its = { .it_value = { .tv_sec = clock_wall_now() + 10 * 365 * 86400 } };

	if (st->armed_for != 0)
		return;
	if (timerfd_settime(st->tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) == -1)
		log_warn("station: timerfd_settime");
	st->armed_for = its.it_value.tv_sec;
}

/*
 * Before each poll(): the deadline is the next due instant, mapped onto the
 * monotonic clock; at once when the status changed (the broker's refusals
 * too) or the line must be looked at again; and never later than the
 * periodic status.
 */
static int
station_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline)
{
	struct station *st = arg;
	time_t now = clock_wall_now();

	if (st->next_due_stale || (st->next_due != (time_t)-1 && now >= st->next_due)) {
		st->next_due = station_next_due(st, now);
		st->next_due_stale = 0;
	}
	station_arm_watch(st);
	station_status_watch_refusals(st);	/* a refusal seen in the last dispatch */
	if (st->next_due != (time_t)-1) {
		int64_t wait = (int64_t)st->next_due * 1000 - clock_wall_ms();
		int64_t at = clock_mono_ms() + (wait > 0 ? wait : 0);

		if (at < *deadline)
			*deadline = at;
	}
	if (st->status_dirty || st->wake) {
		*deadline = clock_mono_ms();
		st->wake = 0;
	}
	if (st->status_due < *deadline)
		*deadline = st->status_due;
	if (max < 1)
		return 0;
	pfd->fd = st->tfd;
	pfd->events = POLLIN;
	return 1;
}

/* After each poll(), whatever woke it: the clock watcher's news, one step, upkeep, the status. */
static void
station_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now_ms)
{
	struct station *st = arg;
	uint64_t expirations;

	if (n > 0 && (pfd->revents & POLLIN)) {
		if (read(st->tfd, &expirations, sizeof(expirations)) == -1 && errno == ECANCELED)
			log_info(_("station: the wall clock was set; recomputing the schedule"));
		st->armed_for = 0;	/* re-arm the watcher in the next prepare */
		st->next_due_stale = 1;
	}
	station_tick(st, clock_wall_now());
	store_writer_maintain(st->writer, clock_wall_now());	/* prunes the as-run log at most hourly */
	station_health_probe(st, clock_wall_now());
	if (st->status_dirty || now_ms >= st->status_due)
		station_publish_status(st, now_ms);
}

void
station_source(struct station *st, struct ev_source *src)
{
	*src = (struct ev_source){ "station", station_prepare, station_dispatch, st };
}
