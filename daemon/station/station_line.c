/*
 * The line of waiting bulletins: what is due and waits for the player (slot
 * occurrences, alerts, and what an emergency cut off: st->pending) and the
 * operator's queue (st->queue). The order is lineup.c's; here the line is
 * turned into lineup entries, lineup_pick says what comes first, and the
 * station acts on the answer. What waits past its grace period leaves the
 * line reported "missed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/i18n.h"
#include "config/stream_url.h"
#include "daemon/core/log.h"
#include "daemon/proto/tags_json.h"
#include "daemon/station/station_int.h"

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

/*
 * A relay slot is one item: the stream until the slot's end, joined late if
 * something else played first (a live programme is not replayed from its
 * start), with its fallback bulletins.
 */
static struct play_item *
station_relay_item(const struct sched_slot *slot, time_t at)
{
	struct play_item *it = calloc(1, sizeof(*it));
	char pub[STREAM_URL_MAX + 1];
	size_t i;

	if (it == NULL)
		return NULL;
	stream_url_public(slot->relay, pub, sizeof(pub));
	it->relay = strdup(slot->relay);
	it->file = strdup(pub);
	it->title = strdup(slot->title);
	it->slot = strdup(slot->title);
	(void)tags_copy(&it->tags, &slot->tags);
	if (slot->n_fallback > 0 &&
	    (it->fallback = calloc(slot->n_fallback, sizeof(*it->fallback))) != NULL) {
		it->n_fallback = slot->n_fallback;
		for (i = 0; i < slot->n_fallback; i++)
			it->fallback[i] = strdup(slot->fallback[i].file);
	}
	it->source = PLAY_SCHEDULE;
	it->cls = slot->cls;
	it->volume_set = slot->has_volume;
	it->volume_db = slot->volume;
	it->scheduled_at = at;
	it->ends = at + slot->duration;
	it->expires = it->ends - 1;
	if (it->relay == NULL || it->file == NULL || it->title == NULL || it->slot == NULL ||
	    (slot->n_fallback > 0 && it->fallback == NULL)) {
		play_item_clear(it);
		free(it);
		return NULL;
	}
	for (i = 0; i < it->n_fallback; i++)
		if (it->fallback[i] == NULL) {
			play_item_clear(it);
			free(it);
			return NULL;
		}
	return it;
}

static struct play_item *
station_slot_items(const struct station *st, const struct sched_slot *slot, time_t at, int grace,
    size_t *n)
{
	struct play_item *items;
	size_t i;

	if (slot->relay != NULL) {
		*n = 1;
		return station_relay_item(slot, at);
	}
	if ((items = calloc(slot->n_items, sizeof(*items))) == NULL)
		return NULL;
	for (i = 0; i < slot->n_items; i++) {
		const char *base = strrchr(slot->items[i].file, '/');

		items[i].path = strdup(slot->items[i].file);
		items[i].file = strdup(station_item_name(st, &slot->items[i], base));
		items[i].title = strdup(slot->items[i].title);
		items[i].slot = strdup(slot->title);
		(void)tags_copy(&items[i].tags, &slot->items[i].tags);
		items[i].source = PLAY_SCHEDULE;
		items[i].cls = slot->cls;
		items[i].volume_set = slot->has_volume;
		items[i].volume_db = slot->volume;
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
	ps->serial = ++st->pend_serial;
	ps->items = items;
	ps->n = n;
	ps->expires = items[0].expires;
	ps->entry.cls = items[0].cls;
	ps->entry.rank = lineup_rank(items[0].scheduled_at, 0);
	ps->entry.due = 0;
	ps->entry.is_slot = items[0].source == PLAY_SCHEDULE;
	ps->entry.is_relay = items[0].relay != NULL;
	st->next_due_stale = 1;
}

void
station_slot_due(struct station *st, const struct schedule *sch,
    const struct sched_occurrence *occ, time_t now)
{
	const struct sched_slot *slot = &sch->slots[occ->slot];
	int grace = station_grace(st, slot);
	struct play_item *items;
	size_t n;

	items = station_slot_items(st, slot, occ->at, grace, &n);
	if (items == NULL) {
		log_warnx(_("station: out of memory for slot \"%s\""), slot->title);
		return;
	}
	if (slot->relay != NULL ? now >= occ->at + slot->duration : now - occ->at > grace) {
		station_miss_items(st, items, n,
		    _("the station was off, or its clock was set, past the slot's start and its grace period"));
		return;
	}
	station_pend(st, items, n);
}

/*
 * Items whose first record is still on its way to the disk have left the
 * queue for the station already: they are playing or played, never again.
 */
static void
station_queue_hide_leaving(struct station *st, struct queue_item *items, size_t *n)
{
	size_t i = 0;

	while (st->writer != NULL && i < *n) {
		if (store_writer_removing(st->writer, items[i].id)) {
			store_queue_item_clear(&items[i]);
			memmove(&items[i], &items[i + 1], (*n - i - 1) * sizeof(*items));
			(*n)--;
		} else
			i++;
	}
}

int
station_queue_refresh(struct station *st)
{
	struct queue_item *items;
	size_t n;
	int rc = store_queue_list(st->store, &items, &n);

	if (rc < 0)
		return rc;
	station_queue_hide_leaving(st, items, &n);
	store_queue_free(st->queue, st->nqueue);
	st->queue = items;
	st->nqueue = n;
	st->next_due_stale = 1;
	st->wake = 1;
	station_mark_dirty(st);
	return 0;
}

/* When a queued item becomes due: its --at time, or when it was queued. */
time_t
station_queue_due(const struct queue_item *q)
{
	return q->at != 0 ? q->at : q->created;
}

/* A queued item's place in the line; loaxactl move orders by the same. */
struct lineup_entry
station_queue_entry(const struct queue_item *q)
{
	struct lineup_entry e = {
		.cls = (enum sched_class)q->cls,
		.rank = lineup_rank(station_queue_due(q), q->rank),
		.due = station_queue_due(q),
		.is_slot = 0,
		.is_relay = 0,
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

/*
 * What plays first among what is due at now, as lineup_pick orders it: 0, or
 * -1 when nothing is. The entries live on the stack (about 40 KiB for a full
 * line), so that deciding what plays next never waits on an allocation that
 * could fail.
 */
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
	/* Checked when it was queued: text that no longer reads is a damaged row, played untagged. */
	if (tags_json_loads(q->tags, &it->tags, NULL, 0) < 0) {
		tags_clear(&it->tags);
		log_warnx(_("station: queued item %lld: its tags cannot be read; it plays without "
		    "them"), (long long)q->id);
	}
	it->source = PLAY_QUEUE;
	it->cls = (enum sched_class)q->cls;
	it->queue_id = q->id;
	memcpy(it->sha256, q->sha256, sizeof(it->sha256));
	it->scheduled_at = station_queue_due(q);
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

/*
 * A queued item past its grace period is reported missed, and leaves the queue
 * in the same transaction as that record, on the store's writer (its queue_id
 * rides on the record, as a play's first record takes its item): a power cut
 * leaves it queued or recorded, never neither, and the loop does not wait for
 * the disk. 0 when it was handed over; otherwise nothing was written and it
 * stays queued.
 */
static int
station_queue_miss(struct station *st, const struct queue_item *q, const char *why)
{
	struct play_item *it = station_queue_item(q, st->cfg.schedule.grace);
	int rc;

	if (it == NULL)
		return -ENOMEM;
	play_id_new(it->play_id);
	rc = station_emit(st, it, "missed", 0, why);
	station_free_items(it, 1);
	return rc;
}

/*
 * What waits past its grace period is reported missed, with why, and leaves
 * the line. A queued item leaves it at once: until its record is on disk,
 * station_queue_refresh hides it (store_writer_removing), so it cannot be
 * picked to play meanwhile, and every one that expired leaves in this step,
 * before station_play_next looks. If the disk refuses the record, the item
 * is still queued there; the next refresh of the queue shows it again and it
 * is reported once more (not at once: a failing disk is not asked again at
 * the speed it fails). One that could not be handed to the writer (out of
 * memory) stays queued, and in the line, until a later step manages it.
 */
void
station_expire(struct station *st, time_t now)
{
	const char *why = st->muted ? _("the station was muted") :
	    _("other bulletins were playing until after its grace period");
	struct pending_slot ps;
	size_t i = 0, leaving = 0;

	while (i < st->npending) {
		if (st->pending[i].expires != 0 && now > st->pending[i].expires) {
			station_pending_take(st, (int)i, &ps);
			station_miss_items(st, ps.items, ps.n, why);
		} else
			i++;
	}
	/* station_emit does not touch st->queue: it is read again once, after the loop. */
	for (i = 0; i < st->nqueue; i++) {
		const struct queue_item *q = &st->queue[i];

		if (q->at != 0 && now > q->at + st->cfg.schedule.grace &&
		    station_queue_miss(st, q, why) == 0)
			leaving++;
	}
	/* Read again; if the queue cannot be read, the copy in memory drops them all the same. */
	if (leaving > 0 && station_queue_refresh(st) < 0)
		station_queue_hide_leaving(st, st->queue, &st->nqueue);
}

static void
station_start(struct station *st, const struct line_ref *ref)
{
	struct pending_slot ps;
	struct play_item first;

	if (ref->pending >= 0)
		station_pending_take(st, ref->pending, &ps);
	else if ((ps.items = station_queue_item(ref->q, st->cfg.schedule.grace)) != NULL)
		ps.n = 1;
	else
		return;
	station_sound_prepare(st, ps.items, ps.n);
	/* The volume is set before the first frame: the device opens on the playback thread. */
	first = ps.items[0];
	mixer_follow(st, &first);
	player_start(st->player, ps.items, ps.n);
}

/*
 * An emergency cuts off a lower class, and any higher class a relay; what it
 * cut off waits to play again (a bulletin from its start, a relay from where
 * its stream is then, if its slot is still on).
 */
static void
station_preempt(struct station *st, const struct lineup_entry *e)
{
	struct play_item *rest;
	size_t n;

	player_preempt(st->player, e->cls == SCHED_EMERGENCY ? _("an emergency bulletin cut in") :
	    _("a bulletin of a higher class cut in"), &rest, &n);
	if (n > 0)
		station_pend(st, rest, n);
}

/*
 * Starts what comes first in the line when the player is free. While it
 * plays, only an emergency goes ahead, and it cuts off a lower class at once.
 * Nothing starts while the station is muted.
 */
void
station_play_next(struct station *st, time_t now)
{
	struct line_ref ref;
	struct lineup_entry e;

	if (st->muted || station_line_pick(st, now, &ref, &e) < 0)
		return;
	if (player_busy(st->player)) {
		if (!lineup_preempts(player_class(st->player), player_relaying(st->player), &e))
			return;
		/* The preemption changes the line (and may reload the queue): ask again. */
		station_preempt(st, &e);
		if (station_line_pick(st, now, &ref, &e) < 0)
			return;
	}
	station_start(st, &ref);
}
