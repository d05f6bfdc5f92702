/*
 * The station: decides what plays next and reports what happened.
 *
 * The order when things collide (documented in the README):
 *  1. Nothing cuts off a bulletin that is playing.
 *  2. When the player is free, whatever has been due the longest plays first:
 *     a slot from its scheduled start, a queued item from its --at time, or
 *     from the moment it was queued when it has none. On a tie the slot goes
 *     first.
 *  3. A slot, or a queued item with a time, that cannot start within its
 *     grace period is reported "missed" and dropped; an item queued without a
 *     time waits as long as it takes.
 *
 * Scheduled times are wall-clock times; a CLOCK_REALTIME timerfd armed for
 * the next one (TFD_TIMER_CANCEL_ON_SET) also tells us when the clock is set,
 * so we recompute instead of firing a burst of slots.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/link/alert.h"
#include "daemon/proto/alert_msg.h"
#include "daemon/proto/report.h"
#include "daemon/station/station.h"
#include "daemon/station/station_int.h"
#include "daemon/store/hashcache.h"

#define CURSOR_KEY		"schedule.cursor"
#define CURSOR_MAX_BACK		(7 * 86400)	/* how far back a restart looks for missed slots */
#define CLOCK_BACK_RESET	86400		/* a step back larger than this resets the cursor */
#define MQTT_MAX_PAYLOAD	(1024 * 1024)


int
station_grace(const struct station *st, const struct sched_slot *slot)
{
	return slot->grace >= 0 ? slot->grace : st->cfg.schedule.grace;
}

void
station_mark_dirty(struct station *st)
{
	st->status_dirty = 1;
}

void
station_emit(struct station *st, struct play_item *it, const char *event, double seconds,
    const char *error)
{
	time_t now = clock_wall_now();
	json_t *o = report_event(&st->cfg, it, event, now, seconds, error);
	char *payload;

	/* The district measures its alert chain end to end: publish to first audio. */
	if (it->published_ms > 0 && strcmp(event, "started") == 0)
		json_object_set_new(o, "delay_ms", json_integer(clock_wall_ms() - it->published_ms));
	payload = json_dumps(o, JSON_COMPACT);
	struct asrun_rec rec = { .play_id = it->play_id, .event = event, .at = now, .json = payload,
	    .queue_id = it->source == PLAY_QUEUE ? it->queue_id : 0 };	/* leaves the queue with it */

	json_decref(o);
	if (payload == NULL) {
		log_warnx("station: out of memory for a %s report", event);
		return;
	}
	log_info("station: %s \"%s\" (%s)%s%s", event, it->title, it->file,
	    error != NULL ? ": " : "", error != NULL ? error : "");
	if (store_event_add(st->store, &rec, st->topic_events) < 0)
		log_warnx("station: the %s record for play %s could not be stored", event, it->play_id);
	free(payload);
	if (st->mqtt != NULL)
		mqtt_outbox_kick(st->mqtt);
	station_mark_dirty(st);
}

/* A report that is not about one play (mute, unmute, schedules): the same outbox, its own id.
 * Takes the reference to details (may be NULL). */
void
station_emit_note(struct station *st, const char *event, json_t *details)
{
	json_t *o = json_object();
	struct asrun_rec rec = { .event = event, .at = clock_wall_now() };
	char id[33], *payload;

	play_id_new(id);
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "station", json_string(st->cfg.station.id));
	json_object_set_new(o, "region", json_string(st->cfg.station.region));
	json_object_set_new(o, "at", report_time(rec.at));
	if (details != NULL) {
		json_object_update(o, details);
		json_decref(details);
	}
	payload = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (payload == NULL)
		return;
	rec.play_id = id;
	rec.json = payload;
	log_info("station: %s", payload);
	if (store_event_add(st->store, &rec, st->topic_events) < 0)
		log_warnx("station: the %s record could not be stored", event);
	free(payload);
	if (st->mqtt != NULL)
		mqtt_outbox_kick(st->mqtt);
	station_mark_dirty(st);
}

/* --- the schedule --------------------------------------------------------- */

/* The name reports give a bulletin: the district's name for its stored files. */
static const char *
station_item_name(const struct station *st, const struct sched_item *si, const char *base)
{
	char sha[65];
	const char *name;

	if (si->name != NULL)
		return si->name;
	base = base != NULL ? base + 1 : si->file;
	if (st->district != NULL && strlen(base) == 64 + 5 && strcmp(base + 64, ".opus") == 0) {
		snprintf(sha, sizeof(sha), "%.64s", base);
		if ((name = district_file_name(st->district, sha)) != NULL)
			return name;
	}
	return base;
}

static struct play_item *
station_slot_items(const struct station *st, const struct sched_slot *slot, time_t at, int grace,
    size_t *n)
{
	struct play_item *items = calloc(slot->n_items, sizeof(*items));
	size_t i;

	if (items == NULL)
		return NULL;
	for (i = 0; i < slot->n_items; i++) {
		const char *base = strrchr(slot->items[i].file, '/');

		items[i].path = strdup(slot->items[i].file);
		items[i].file = strdup(station_item_name(st, &slot->items[i], base));
		items[i].title = strdup(slot->items[i].title);
		items[i].slot = strdup(slot->title);
		items[i].source = PLAY_SCHEDULE;
		items[i].cls = slot->cls;
		items[i].scheduled_at = at;
		items[i].expires = at + grace;
	}
	*n = slot->n_items;
	return items;
}

void
station_free_items(struct play_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		play_item_clear(&items[i]);
	free(items);
}

/* Every bulletin of a sequence that will not play is reported (missed, cancelled). */
void
station_miss_items_as(struct station *st, struct play_item *items, size_t n, const char *event,
    const char *reason)
{
	size_t i;

	for (i = 0; i < n; i++) {
		play_id_new(items[i].play_id);
		station_emit(st, &items[i], event, 0, reason);
	}
	station_free_items(items, n);
}

static void
station_miss_items(struct station *st, struct play_item *items, size_t n, const char *reason)
{
	station_miss_items_as(st, items, n, "missed", reason);
}

/*
 * Puts a sequence in the line of waiting bulletins; takes ownership of items.
 * It ranks from the instant its first bulletin became due, whatever it is: a
 * slot, an alert, or what an emergency cut off and that plays again.
 */
void
station_pend(struct station *st, struct play_item *items, size_t n)
{
	struct pending_slot *ps;

	if (n == 0) {
		free(items);
		return;
	}
	if (st->npending == STATION_MAX_PENDING) {
		station_miss_items(st, items, n, _("too many slots were waiting for the player"));
		return;
	}
	ps = &st->pending[st->npending++];
	ps->items = items;
	ps->n = n;
	ps->at = items[0].scheduled_at;
	ps->expires = items[0].expires;
	ps->entry.cls = items[0].cls;
	ps->entry.rank = lineup_rank(items[0].scheduled_at, 0);
	ps->entry.due = 0;
	ps->entry.is_slot = items[0].source == PLAY_SCHEDULE;
	st->next_due_stale = 1;
}

static void
station_slot_due(struct station *st, const struct schedule *sch,
    const struct sched_occurrence *occ, time_t now)
{
	const struct sched_slot *slot = &sch->slots[occ->slot];
	int grace = station_grace(st, slot);
	struct play_item *items;
	size_t n;

	items = station_slot_items(st, slot, occ->at, grace, &n);
	if (items == NULL) {
		log_warnx("station: out of memory for slot \"%s\"", slot->title);
		return;
	}
	if (now - occ->at > grace) {
		station_miss_items(st, items, n,
		    _("the station was off, or its clock was set, past the slot's start and its grace period"));
		return;
	}
	station_pend(st, items, n);
}

static void
station_save_cursor(struct station *st)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)st->cursor);
	if (store_kv_set(st->store, CURSOR_KEY, buf) < 0)
		log_warnx("station: could not save the schedule position");
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
			log_warnx("station: the clock went back by %lld s; slots are counted from now on",
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

/* --- what plays next ------------------------------------------------------ */

int
station_queue_refresh(struct station *st)
{
	struct queue_item *items;
	size_t n;
	int rc = store_queue_list(st->store, &items, &n);

	if (rc < 0)
		return rc;
	store_queue_free(st->queue, st->nqueue);
	st->queue = items;
	st->nqueue = n;
	st->next_due_stale = 1;
	st->wake = 1;
	station_mark_dirty(st);
	return 0;
}

static time_t
queue_due(const struct queue_item *q)
{
	return q->at != 0 ? q->at : q->created;
}

/* A queued item's place in the line; loaxactl move orders by the same. */
struct lineup_entry
station_queue_entry(const struct queue_item *q)
{
	struct lineup_entry e = {
		.cls = (enum sched_class)q->cls,
		.rank = lineup_rank(queue_due(q), q->rank),
		.due = queue_due(q),
		.is_slot = 0,
	};

	return e;
}

/*
 * Everything that waits, as lineup entries: the pending sequences first, then
 * the queue in the order of its ids (on a tie lineup_pick keeps the earlier
 * entry); ref[i] says what e[i] stands for. A queued item with a time is
 * never due while the clock cannot be believed: "play now" items still play.
 * Returns how many, at most max.
 */
size_t
station_lineup(const struct station *st, struct lineup_entry *e, struct line_ref *ref, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < st->npending && k < max; i++, k++) {
		e[k] = st->pending[i].entry;
		ref[k] = (struct line_ref){ (int)i, NULL };
	}
	for (i = 0; i < st->nqueue && k < max; i++, k++) {
		e[k] = station_queue_entry(&st->queue[i]);
		if (!st->clock_ok && st->queue[i].at != 0)
			e[k].due = LINE_NEVER;
		ref[k] = (struct line_ref){ -1, &st->queue[i] };
	}
	return k;
}

/* What plays first among what is due at now, as lineup_pick orders it: 0, or -1 when nothing is. */
int
station_line_pick(const struct station *st, time_t now, struct line_ref *ref, struct lineup_entry *e)
{
	struct lineup_entry v[STATION_MAX_LINE];
	struct line_ref r[STATION_MAX_LINE];
	int i = lineup_pick(v, station_lineup(st, v, r, STATION_MAX_LINE), now);

	if (i < 0)
		return -1;
	*ref = r[i];
	*e = v[i];
	return 0;
}

static struct play_item *
station_queue_item(const struct queue_item *q, int grace)
{
	struct play_item *it = calloc(1, sizeof(*it));

	if (it == NULL)
		return NULL;
	it->path = strdup(q->path);
	it->file = strdup(q->name);
	it->title = strdup(q->title);
	it->source = PLAY_QUEUE;
	it->cls = (enum sched_class)q->cls;
	it->queue_id = q->id;
	memcpy(it->sha256, q->sha256, sizeof(it->sha256));
	it->scheduled_at = queue_due(q);
	it->expires = q->at != 0 ? q->at + grace : 0;
	return it;
}

void
station_pending_take(struct station *st, int i, struct pending_slot *out)
{
	*out = st->pending[i];
	memmove(&st->pending[i], &st->pending[i + 1],
	    (st->npending - (size_t)i - 1) * sizeof(st->pending[0]));
	st->npending--;
}

/* What waits past its grace period is reported missed, with why. */
static void
station_expire(struct station *st, time_t now)
{
	const char *why = st->muted ? _("the station was muted") :
	    _("other bulletins were playing until after its grace period");
	struct pending_slot ps;
	size_t i = 0;

	while (i < st->npending) {
		if (st->pending[i].expires != 0 && now > st->pending[i].expires) {
			station_pending_take(st, (int)i, &ps);
			station_miss_items(st, ps.items, ps.n, why);
		} else
			i++;
	}
	for (i = 0; i < st->nqueue; i++) {
		struct queue_item *q = &st->queue[i];
		struct play_item *it;

		if (q->at == 0 || now <= q->at + st->cfg.schedule.grace)
			continue;
		if ((it = station_queue_item(q, st->cfg.schedule.grace)) != NULL)
			station_miss_items(st, it, 1, why);
		store_queue_remove(st->store, q->id);
		station_queue_refresh(st);
		return;		/* the array changed; the next step looks again */
	}
}

static void
station_start(struct station *st, const struct line_ref *ref)
{
	struct pending_slot ps;
	struct play_item *it;

	if (ref->pending >= 0) {
		station_pending_take(st, ref->pending, &ps);
		player_start(st->player, ps.items, ps.n);
	} else if ((it = station_queue_item(ref->q, st->cfg.schedule.grace)) != NULL) {
		player_start(st->player, it, 1);
	}
	mixer_follow(st, player_class(st->player));
}

/* An emergency cuts off a lower class; what it cut off waits to play again from its start. */
static void
station_preempt(struct station *st)
{
	struct play_item *rest;
	size_t n;

	player_preempt(st->player, _("an emergency bulletin cut in"), &rest, &n);
	if (n > 0)
		station_pend(st, rest, n);
}

/*
 * Scheduled slots fire only on a clock that can be believed. While it cannot,
 * the schedule stands still (queued "play now" items still play); once it
 * can, slots count from a grace period back, never from 1970.
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
			log_info("station: the clock is trusted; the schedule runs");
		if (ok && st->cursor < clock_build_time())
			st->cursor = now - st->cfg.schedule.grace;
		st->next_due_stale = 1;
	}
	return ok;
}

static void
station_tick_line(struct station *st, time_t now)
{
	struct line_ref ref;
	struct lineup_entry e;

	if (st->muted && st->muted_until != 0 && now >= st->muted_until)
		station_unmute(st, _("the end of the mute period"));
	if (station_clock_check(st, now)) {
		station_advance(st, now);
		station_expire(st, now);
	}
	if (st->muted || station_line_pick(st, now, &ref, &e) < 0)
		return;
	if (player_busy(st->player)) {
		if (!lineup_preempts(player_class(st->player), &e))
			return;
		/* The preemption changes the line (and may reload the queue): ask again. */
		station_preempt(st);
		if (station_line_pick(st, now, &ref, &e) < 0)
			return;
	}
	station_start(st, &ref);
}

static void
station_tick(struct station *st, time_t now)
{
	station_tick_line(st, now);
	if (st->cursor_dirty) {
		st->cursor_dirty = 0;
		station_save_cursor(st);
	}
}

/* --- the player's reports --------------------------------------------------- */

static void
station_on_started(void *arg, struct play_item *it)
{
	struct station *st = arg;

	/* Hashing after the first audio is written keeps the start punctual. */
	if (it->sha256[0] == '\0' && hashcache_get(st->hashes, it->path, it->sha256) < 0)
		it->sha256[0] = '\0';
	station_emit(st, it, "started", 0, NULL);	/* also takes a queue item off the queue */
	if (it->source == PLAY_QUEUE)
		station_queue_refresh(st);
}

static void
station_on_ended(void *arg, struct play_item *it, const char *event, double seconds,
    const char *error)
{
	struct station *st = arg;

	station_emit(st, it, event, seconds, error);
	if (it->source == PLAY_QUEUE)
		station_queue_refresh(st);
}

static void
station_on_idle(void *arg)
{
	struct station *st = arg;

	mixer_follow(st, SCHED_NORMAL);
	st->wake = 1;
	station_mark_dirty(st);
}

static void
station_on_change(void *arg)
{
	station_mark_dirty(arg);
}

/* --- the event source -------------------------------------------------------- */

/* The next wall-clock instant at which something becomes due, or -1. */
static void
earliest(time_t *next, time_t t, time_t now)
{
	if (t > now && (*next == (time_t)-1 || t < *next))
		*next = t;
}

/* The next wall-clock instant at which something starts, expires or ends a mute. */
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
		earliest(&next, queue_due(&st->queue[i]), now);
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

static void
station_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now_ms)
{
	struct station *st = arg;
	uint64_t expirations;

	if (n > 0 && (pfd->revents & POLLIN)) {
		if (read(st->tfd, &expirations, sizeof(expirations)) == -1 && errno == ECANCELED)
			log_info("station: the wall clock was set; recomputing the schedule");
		st->armed_for = 0;	/* re-arm the watcher in the next prepare */
		st->next_due_stale = 1;
	}
	station_tick(st, clock_wall_now());
	store_maintain(st->store, clock_wall_now());	/* prunes the as-run log at most hourly */
	if (st->status_dirty || now_ms >= st->status_due)
		station_publish_status(st, now_ms);
}

/* --- start, reload, stop ---------------------------------------------------------- */

static char *
json_dup(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? strdup(v) : NULL;
}

/* What a "started" report said of a play, so that its end says the same. */
static void
play_item_from_report(struct play_item *it, const char *text)
{
	json_t *o = json_loads(text, 0, NULL);
	const char *v;

	if (o == NULL)
		return;
	it->title = json_dup(o, "title");
	it->slot = json_dup(o, "slot");
	it->file = json_dup(o, "file");
	if ((v = json_string_value(json_object_get(o, "sha256"))) != NULL)
		snprintf(it->sha256, sizeof(it->sha256), "%s", v);
	v = json_string_value(json_object_get(o, "source"));
	it->source = v == NULL ? PLAY_SCHEDULE : strcmp(v, "queue") == 0 ? PLAY_QUEUE :
	    strcmp(v, "alert") == 0 ? PLAY_ALERT : PLAY_SCHEDULE;
	if ((v = json_string_value(json_object_get(o, "class"))) != NULL)
		sched_class_parse(v, &it->cls);
	it->queue_id = json_integer_value(json_object_get(o, "queue_id"));
	if ((v = json_string_value(json_object_get(o, "alert_id"))) != NULL)
		snprintf(it->alert_id, sizeof(it->alert_id), "%s", v);
	if ((v = json_string_value(json_object_get(o, "scheduled_at"))) != NULL)
		(void)timeparse_iso(v, &it->scheduled_at);
	json_decref(o);
}

/* Plays cut off by a crash or a power cut get their end record now, with their details. */
static void
station_close_open_plays(struct station *st)
{
	char **ids;
	size_t n, i;

	if (store_open_plays(st->store, &ids, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		struct play_item it = { .source = PLAY_SCHEDULE };
		char *json = NULL;

		if (store_asrun_started_json(st->store, ids[i], &json) == 0)
			play_item_from_report(&it, json);
		free(json);
		snprintf(it.play_id, sizeof(it.play_id), "%s", ids[i]);
		station_emit(st, &it, "interrupted", 0, _("the station restarted while it was playing"));
		play_item_clear(&it);
	}
	store_strings_free(ids, n);
}

static void
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

static int
station_open_parts(struct station *st, struct errlist *errs)
{
	struct audio_fmt fmt = { st->cfg.audio.rate, st->cfg.audio.channels };
	struct player_events pe = { station_on_started, station_on_ended, station_on_idle,
	    station_on_change, st };
	char err[256];

	if (st->cfg.schedule.file[0] != '\0' &&
	    (st->scheds[SCHED_LOCAL] = schedule_load(st->cfg.schedule.file, 1, errs)) == NULL)
		return -1;
	if ((st->store = store_open(st->cfg.storage.dir, errs)) == NULL)
		return -1;
	store_set_limits(st->store, &(struct store_limits){ st->cfg.storage.asrun_days,
	    st->cfg.storage.outbox_max, st->topic_events });
	st->out = output_alsa_ops.create(st->cfg.audio.device, st->cfg.audio.buffer_ms);
	if (st->out == NULL || (st->player = player_new(st->out, &fmt, &pe)) == NULL) {
		errlist_add(errs, _("cannot set up audio output \"%s\""), st->cfg.audio.device);
		return -1;
	}
	if ((st->hashes = hashcache_new()) == NULL)
		return -1;
	st->tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (st->tfd == -1) {
		errlist_add(errs, "timerfd_create: %s", strerror(errno));
		return -1;
	}
	if (st->cfg.audio.mixer[0] != '\0' &&
	    (st->mixer = mixer_new(st->cfg.audio.mixer, st->cfg.audio.mixer_control)) == NULL)
		return -1;
	if (station_mqtt_open(st, errs) < 0)
		return -1;
	if (station_district_open(st, errs) < 0 || station_alerts_open(st, errs) < 0)
		return -1;
	st->ctl = ctl_open(st->cfg.control.socket, station_ctl_handle, st, err, sizeof(err));
	if (st->ctl == NULL) {
		errlist_add(errs, "%s", err);
		return -1;
	}
	return 0;
}

struct station *
station_new(const struct config *cfg, struct ev_loop *ev, struct errlist *errs)
{
	struct station *st = calloc(1, sizeof(*st));
	struct ev_source src;

	if (st == NULL)
		return NULL;
	st->cfg = *cfg;
	st->ev = ev;
	st->tfd = -1;
	st->started = clock_wall_now();
	st->next_due_stale = 1;
	st->status_dirty = 1;
	st->clock_ok = 1;
	if (report_topic(cfg, "status", st->topic_status, sizeof(st->topic_status)) < 0 ||
	    report_topic(cfg, "events", st->topic_events, sizeof(st->topic_events)) < 0 ||
	    station_open_parts(st, errs) < 0 || station_queue_refresh(st) < 0) {
		station_free(st);
		return NULL;
	}
	station_load_cursor(st);
	station_load_mute(st);
	station_close_open_plays(st);
	player_source(st->player, &src);
	ev_add(ev, &src);
	ctl_source(st->ctl, &src);
	ev_add(ev, &src);
	mqtt_source(st->mqtt, &src);
	ev_add(ev, &src);
	district_source(st->district, &src);
	ev_add(ev, &src);
	alert_source(st->alerts, &src);
	ev_add(ev, &src);
	src = (struct ev_source){ "station", station_prepare, station_dispatch, st };
	ev_add(ev, &src);
	log_info("station: %s (%s) ready: %zu slots, %zu queued, audio \"%s\", district link %s:%d",
	    cfg->station.id, cfg->station.name,
	    st->scheds[SCHED_LOCAL] ? st->scheds[SCHED_LOCAL]->n_slots : 0, st->nqueue,
	    cfg->audio.device, cfg->mqtt.host, cfg->mqtt.port);
	return st;
}

int
station_reload(struct station *st, struct errlist *errs)
{
	struct schedule *s;

	if (st->cfg.schedule.file[0] == '\0')
		return 0;
	s = schedule_load(st->cfg.schedule.file, 1, errs);
	if (s == NULL) {
		log_warnx("station: the new schedule was refused; the previous one stays in force");
		return -EINVAL;
	}
	schedule_free(st->scheds[SCHED_LOCAL]);
	st->scheds[SCHED_LOCAL] = s;
	st->next_due_stale = 1;
	station_mark_dirty(st);
	log_info("station: schedule %s reloaded: %zu slots", s->path, s->n_slots);
	return 0;
}

void
station_free(struct station *st)
{
	size_t i;
	int k;

	if (st == NULL)
		return;
	if (st->ev != NULL) {
		ev_remove(st->ev, st);
		ev_remove(st->ev, st->player);
		ev_remove(st->ev, st->ctl);
		ev_remove(st->ev, st->mqtt);
		ev_remove(st->ev, st->district);
		ev_remove(st->ev, st->alerts);
	}
	if (st->player != NULL)
		player_stop(st->player, _("the station daemon was stopped"));
	for (i = 0; i < st->npending; i++) {
		if (st->store != NULL)
			station_miss_items(st, st->pending[i].items, st->pending[i].n,
			    _("the station daemon was stopped"));
		else
			station_free_items(st->pending[i].items, st->pending[i].n);
	}
	alert_free(st->alerts);
	st->alerts = NULL;
	district_free(st->district);
	st->district = NULL;
	if (st->mqtt != NULL) {
		json_t *off = report_offline(&st->cfg, clock_wall_now());
		char *payload = json_dumps(off, JSON_COMPACT);

		json_decref(off);
		if (payload != NULL)
			mqtt_shutdown(st->mqtt, st->topic_status, payload, 2000);
		free(payload);
		mqtt_free(st->mqtt);
		st->mqtt = NULL;
	}
	ctl_close(st->ctl);
	player_free(st->player);
	if (st->out != NULL)
		output_destroy(st->out);
	if (st->store != NULL)
		station_save_cursor(st);
	store_queue_free(st->queue, st->nqueue);
	store_outbox_msg_clear(&st->outbox_cur);
	store_close(st->store);
	for (k = 0; k < STATION_NSCHED; k++)
		schedule_free(st->scheds[k]);
	mixer_free(st->mixer);
	hashcache_free(st->hashes);
	if (st->tfd != -1)
		close(st->tfd);
	free(st);
}
