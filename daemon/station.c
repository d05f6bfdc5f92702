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
#include "daemon/log.h"
#include "daemon/report.h"
#include "daemon/station.h"
#include "daemon/station_int.h"

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
	time_t now = time(NULL);
	json_t *o = report_event(&st->cfg, it, event, now, seconds, error);
	char *payload = json_dumps(o, JSON_COMPACT);
	struct asrun_rec rec = { .play_id = it->play_id, .event = event, .at = now, .json = payload };

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

/* --- the schedule --------------------------------------------------------- */

static struct play_item *
station_slot_items(const struct sched_slot *slot, time_t at, int grace, size_t *n)
{
	struct play_item *items = calloc(slot->n_items, sizeof(*items));
	size_t i;

	if (items == NULL)
		return NULL;
	for (i = 0; i < slot->n_items; i++) {
		const char *base = strrchr(slot->items[i].file, '/');

		items[i].path = strdup(slot->items[i].file);
		items[i].file = strdup(base != NULL ? base + 1 : slot->items[i].file);
		items[i].title = strdup(slot->items[i].title);
		items[i].slot = strdup(slot->title);
		items[i].source = PLAY_SCHEDULE;
		items[i].scheduled_at = at;
		items[i].expires = at + grace;
	}
	*n = slot->n_items;
	return items;
}

static void
station_free_items(struct play_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		play_item_clear(&items[i]);
	free(items);
}

/* Every bulletin of a slot occurrence that will not play is reported missed. */
static void
station_miss_items(struct station *st, struct play_item *items, size_t n, const char *reason)
{
	size_t i;

	for (i = 0; i < n; i++) {
		play_id_new(items[i].play_id);
		station_emit(st, &items[i], "missed", 0, reason);
	}
	station_free_items(items, n);
}

static void
station_slot_due(struct station *st, const struct sched_occurrence *occ, time_t now)
{
	const struct sched_slot *slot = &st->sched->slots[occ->slot];
	int grace = station_grace(st, slot);
	struct pending_slot *ps;
	struct play_item *items;
	size_t n;

	items = station_slot_items(slot, occ->at, grace, &n);
	if (items == NULL) {
		log_warnx("station: out of memory for slot \"%s\"", slot->title);
		return;
	}
	if (now - occ->at > grace) {
		station_miss_items(st, items, n,
		    _("the station was off, or its clock was set, past the slot's start and its grace period"));
		return;
	}
	if (st->npending == STATION_MAX_PENDING) {
		station_miss_items(st, items, n, _("too many slots were waiting for the player"));
		return;
	}
	ps = &st->pending[st->npending++];
	ps->at = occ->at;
	ps->grace = grace;
	ps->items = items;
	ps->n = n;
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
	size_t i, n;

	if (now < st->cursor) {
		if (st->cursor - now > CLOCK_BACK_RESET) {
			log_warnx("station: the clock went back by %lld s; slots are counted from now on",
			    (long long)(st->cursor - now));
			st->cursor = now;
			station_save_cursor(st);
		}
		return;
	}
	if (st->sched == NULL || now == st->cursor) {
		st->cursor = now;
		return;
	}
	n = sched_due(st->sched, st->cursor, now, occ, STATION_MAX_CATCHUP);
	for (i = 0; i < n; i++)
		station_slot_due(st, &occ[i], now);
	st->cursor = now;
	if (n > 0) {
		station_save_cursor(st);
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
	station_mark_dirty(st);
	return 0;
}

static time_t
queue_due(const struct queue_item *q)
{
	return q->at != 0 ? q->at : q->created;
}

/* The queued item due earliest at now, or NULL. */
static struct queue_item *
station_queue_first_due(struct station *st, time_t now)
{
	struct queue_item *best = NULL;
	size_t i;

	for (i = 0; i < st->nqueue; i++) {
		struct queue_item *q = &st->queue[i];

		if (queue_due(q) > now)
			continue;
		if (best == NULL || queue_due(q) < queue_due(best))
			best = q;
	}
	return best;
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
	it->queue_id = q->id;
	memcpy(it->sha256, q->sha256, sizeof(it->sha256));
	it->scheduled_at = queue_due(q);
	it->expires = q->at != 0 ? q->at + grace : 0;
	return it;
}

static void
station_pending_pop(struct station *st)
{
	memmove(&st->pending[0], &st->pending[1], (st->npending - 1) * sizeof(st->pending[0]));
	st->npending--;
}

static void
station_play_queue_item(struct station *st, struct queue_item *q, time_t now)
{
	int grace = st->cfg.schedule.grace;
	struct play_item *it = station_queue_item(q, grace);

	if (it == NULL)
		return;
	if (it->expires != 0 && now > it->expires) {
		store_queue_remove(st->store, q->id);
		station_miss_items(st, it, 1, _("the station could not play it within the grace period after its time"));
		station_queue_refresh(st);
		return;
	}
	player_start(st->player, it, 1);
}

static void
station_play_next(struct station *st, time_t now)
{
	struct queue_item *q;

	while (st->npending > 0 && now - st->pending[0].at > st->pending[0].grace) {
		station_miss_items(st, st->pending[0].items, st->pending[0].n,
		    _("other bulletins were playing until after the slot's grace period"));
		station_pending_pop(st);
	}
	q = station_queue_first_due(st, now);
	if (st->npending > 0 && (q == NULL || st->pending[0].at <= queue_due(q))) {
		struct pending_slot ps = st->pending[0];

		station_pending_pop(st);
		player_start(st->player, ps.items, ps.n);
	} else if (q != NULL) {
		station_play_queue_item(st, q, now);
	}
}

static void
station_tick(struct station *st, time_t now)
{
	station_advance(st, now);
	if (!player_busy(st->player))
		station_play_next(st, now);
}

/* --- the player's reports --------------------------------------------------- */

static void
station_on_started(void *arg, struct play_item *it)
{
	struct station *st = arg;

	/* Hashing after the first audio is written keeps the start punctual. */
	if (it->sha256[0] == '\0' && store_sha256_file(it->path, it->sha256) < 0)
		it->sha256[0] = '\0';
	if (it->source == PLAY_QUEUE && store_queue_remove(st->store, it->queue_id) == 0)
		station_queue_refresh(st);
	station_emit(st, it, "started", 0, NULL);
}

static void
station_on_ended(void *arg, struct play_item *it, const char *event, double seconds,
    const char *error)
{
	struct station *st = arg;

	if (it->source == PLAY_QUEUE && store_queue_remove(st->store, it->queue_id) == 0)
		station_queue_refresh(st);
	station_emit(st, it, event, seconds, error);
}

static void
station_on_change(void *arg)
{
	station_mark_dirty(arg);
}

/* --- status ------------------------------------------------------------------ */

time_t
station_next_slot(const struct station *st, time_t after, const char **title)
{
	size_t i;
	time_t t;

	if (st->sched == NULL)
		return -1;
	t = sched_next(st->sched, after, &i);
	if (t != (time_t)-1 && title != NULL)
		*title = st->sched->slots[i].title;
	return t;
}

static const char *
station_audio_state(const struct output *out)
{
	switch (out->health) {
	case OUTPUT_OK:
		return "ok";
	case OUTPUT_FAILED:
		return "failed";
	default:
		return "closed";
	}
}

json_t *
station_status_json(struct station *st)
{
	struct status_snapshot s = { .cfg = &st->cfg, .online = 1 };
	time_t now = time(NULL);

	s.playing = player_current(st->player, &s.since);
	s.next_at = station_next_slot(st, st->cursor > now ? st->cursor : now, &s.next_title);
	if (s.next_at == (time_t)-1)
		s.next_title = NULL;
	s.queue_length = (long)st->nqueue;
	s.uptime = now - st->started;
	s.xruns = st->out->xruns;
	s.audio_state = station_audio_state(st->out);
	s.audio_error = st->out->health == OUTPUT_FAILED ? st->out->error : NULL;
	s.mqtt_connected = mqtt_connected(st->mqtt);
	s.mqtt_state = mqtt_state_text(st->mqtt);
	s.slots = st->sched != NULL ? st->sched->n_slots : 0;
	s.now = now;
	return report_status(&s);
}

static void
station_publish_status(struct station *st, int64_t now_ms)
{
	json_t *o = station_status_json(st);
	char *payload = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (payload != NULL)
		mqtt_set_retained(st->mqtt, st->topic_status, payload);
	free(payload);
	st->status_dirty = 0;
	st->status_due = now_ms + (int64_t)st->cfg.mqtt.status_interval * 1000;
}

/* --- the event source -------------------------------------------------------- */

/* The next wall-clock instant at which something becomes due, or -1. */
static time_t
station_next_due(const struct station *st, time_t now)
{
	time_t next = station_next_slot(st, st->cursor > now ? st->cursor : now, NULL);
	size_t i;

	for (i = 0; i < st->nqueue; i++) {
		time_t t = queue_due(&st->queue[i]);

		if (t > now && (next == (time_t)-1 || t < next))
			next = t;
	}
	return next;
}

static void
station_arm(struct station *st, time_t when)
{
	struct itimerspec its = { .it_value = { .tv_sec = when > 0 ? when : 0 } };

	if (when == st->armed_for)
		return;
	/* Far future when nothing is due: still told when the clock is set. */
	if (when <= 0)
		its.it_value.tv_sec = time(NULL) + 365 * 86400;
	if (timerfd_settime(st->tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) == -1)
		log_warn("station: timerfd_settime");
	st->armed_for = when;
}

static int
station_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline)
{
	struct station *st = arg;
	time_t now = time(NULL);

	if (st->next_due_stale || (st->next_due != (time_t)-1 && now >= st->next_due)) {
		st->next_due = station_next_due(st, now);
		st->next_due_stale = 0;
	}
	station_arm(st, st->next_due);
	if (st->status_dirty || (!player_busy(st->player) &&
	    (st->npending > 0 || station_queue_first_due(st, now) != NULL)))
		*deadline = ev_now_ms();
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
		st->armed_for = 0;	/* re-arm in the next prepare */
		st->next_due_stale = 1;
	}
	station_tick(st, time(NULL));
	if (st->status_dirty || now_ms >= st->status_due)
		station_publish_status(st, now_ms);
}

/* --- the outbox, lent to the MQTT module ----------------------------------------- */

static int
station_outbox_next(void *arg, int64_t after, int64_t *seq, const char **topic, const char **payload)
{
	struct station *st = arg;
	int rc;

	store_outbox_msg_clear(&st->outbox_cur);
	rc = store_outbox_next(st->store, after, &st->outbox_cur);
	if (rc < 0)
		return rc;
	*seq = st->outbox_cur.seq;
	*topic = st->outbox_cur.topic;
	*payload = st->outbox_cur.payload;
	return 0;
}

static void
station_outbox_ack(void *arg, int64_t seq)
{
	struct station *st = arg;

	if (store_outbox_ack(st->store, seq) < 0)
		log_warnx("station: could not remove report %lld from the outbox", (long long)seq);
}

static void
station_on_connect(void *arg, int connected)
{
	station_mark_dirty(arg);
	(void)connected;
}

static int
station_mqtt_open(struct station *st, struct errlist *errs)
{
	struct mqtt_params mp = { 0 };
	struct mqtt_outbox ob = { station_outbox_next, station_outbox_ack, st };
	char client_id[160], *will;
	json_t *off = report_offline(&st->cfg, time(NULL));

	snprintf(client_id, sizeof(client_id), "loaxa-%s-%s", st->cfg.station.region,
	    st->cfg.station.id);
	will = json_dumps(off, JSON_COMPACT);
	json_decref(off);
	mp.host = st->cfg.mqtt.host;
	mp.port = st->cfg.mqtt.port;
	mp.keepalive = st->cfg.mqtt.keepalive;
	mp.client_id = client_id;
	mp.will_topic = st->topic_status;
	mp.will_payload = will;
	mp.max_payload = MQTT_MAX_PAYLOAD;
	mp.on_connect = station_on_connect;
	mp.arg = st;
	st->mqtt = mqtt_new(&mp);
	free(will);
	if (st->mqtt == NULL) {
		errlist_add(errs, _("cannot set up the MQTT client for %s:%d"), mp.host, mp.port);
		return -1;
	}
	mqtt_set_outbox(st->mqtt, &ob);
	return 0;
}

/* --- start, reload, stop ---------------------------------------------------------- */

/* Plays cut off by a crash or a power cut get their end record now. */
static void
station_close_open_plays(struct station *st)
{
	char **ids;
	size_t n, i;

	if (store_open_plays(st->store, &ids, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		struct play_item it = { .source = PLAY_SCHEDULE };

		snprintf(it.play_id, sizeof(it.play_id), "%s", ids[i]);
		station_emit(st, &it, "interrupted", 0, _("the station restarted while it was playing"));
	}
	store_strings_free(ids, n);
}

static void
station_load_cursor(struct station *st)
{
	char buf[32];
	time_t now = time(NULL);
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
	struct player_events pe = { station_on_started, station_on_ended, station_on_change,
	    station_on_change, st };
	char err[256];

	if (st->cfg.schedule.file[0] != '\0' &&
	    (st->sched = schedule_load(st->cfg.schedule.file, 1, errs)) == NULL)
		return -1;
	if ((st->store = store_open(st->cfg.storage.dir, errs)) == NULL)
		return -1;
	st->out = output_alsa_ops.create(st->cfg.audio.device, st->cfg.audio.buffer_ms);
	if (st->out == NULL || (st->player = player_new(st->out, &fmt, &pe)) == NULL) {
		errlist_add(errs, _("cannot set up audio output \"%s\""), st->cfg.audio.device);
		return -1;
	}
	st->tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (st->tfd == -1) {
		errlist_add(errs, "timerfd_create: %s", strerror(errno));
		return -1;
	}
	if (station_mqtt_open(st, errs) < 0)
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
	st->started = time(NULL);
	st->next_due_stale = 1;
	st->status_dirty = 1;
	if (report_topic(cfg, "status", st->topic_status, sizeof(st->topic_status)) < 0 ||
	    report_topic(cfg, "events", st->topic_events, sizeof(st->topic_events)) < 0 ||
	    station_open_parts(st, errs) < 0 || station_queue_refresh(st) < 0) {
		station_free(st);
		return NULL;
	}
	station_load_cursor(st);
	station_close_open_plays(st);
	player_source(st->player, &src);
	ev_add(ev, &src);
	ctl_source(st->ctl, &src);
	ev_add(ev, &src);
	mqtt_source(st->mqtt, &src);
	ev_add(ev, &src);
	src = (struct ev_source){ "station", station_prepare, station_dispatch, st };
	ev_add(ev, &src);
	log_info("station: %s (%s) ready: %zu slots, %zu queued, audio \"%s\", district link %s:%d",
	    cfg->station.id, cfg->station.name, st->sched ? st->sched->n_slots : 0, st->nqueue,
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
	schedule_free(st->sched);
	st->sched = s;
	st->next_due_stale = 1;
	station_mark_dirty(st);
	log_info("station: schedule %s reloaded: %zu slots", s->path, s->n_slots);
	return 0;
}

void
station_free(struct station *st)
{
	size_t i;

	if (st == NULL)
		return;
	if (st->ev != NULL) {
		ev_remove(st->ev, st);
		ev_remove(st->ev, st->player);
		ev_remove(st->ev, st->ctl);
		ev_remove(st->ev, st->mqtt);
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
	if (st->mqtt != NULL) {
		json_t *off = report_offline(&st->cfg, time(NULL));
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
	schedule_free(st->sched);
	if (st->tfd != -1)
		close(st->tfd);
	free(st);
}
