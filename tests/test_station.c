/*
 * The station's line without its event loop: how queued items and pending
 * sequences become lineup entries, what lineup_pick is asked and answers, and
 * 'loaxactl move' agreeing with the order the station plays in. Linked with
 * the real objects; the station struct is built by hand, with a real store
 * under /tmp where the queue must be stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/station/station_int.h"
#include "tests/helpers/tmpstore.h"
#include "tests/t.h"

static const char SHA[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static struct station *
t_station(void)
{
	struct station *st = calloc(1, sizeof(*st));

	if (st == NULL)
		abort();
	st->clock_ok = 1;
	st->tfd = -1;
	return st;
}

/* Frees what t_station and the cases put in it (not the store). */
static void
t_station_free(struct station *st)
{
	size_t i;

	for (i = 0; i < st->npending; i++)
		station_free_items(st->pending[i].items, st->pending[i].n);
	if (st->queue != NULL)
		store_queue_free(st->queue, st->nqueue);
	free(st);
}

/* Puts one bulletin in the line as the station does: a slot's, an alert's, or what was cut off. */
static void
t_pend(struct station *st, enum play_source src, enum sched_class cls, time_t due)
{
	struct play_item *it = calloc(1, sizeof(*it));

	if (it == NULL)
		abort();
	it->source = src;
	it->cls = cls;
	it->scheduled_at = due;
	it->expires = due + 600;
	station_pend(st, it, 1);
}

/* A queue held in memory only, for the cases that need no store. */
static void
t_queue(struct station *st, const struct queue_item *items, size_t n)
{
	st->queue = calloc(n, sizeof(*st->queue));
	if (st->queue == NULL)
		abort();
	memcpy(st->queue, items, n * sizeof(*items));
	st->nqueue = n;
}

static void
test_queue_entry(void)
{
	struct queue_item q = { .id = 1, .created = 1000, .cls = SCHED_PRIORITY };
	struct lineup_entry e = station_queue_entry(&q);

	T_EQ_INT(e.cls, SCHED_PRIORITY);
	T_EQ_INT(e.rank, 1000000);	/* from when it was queued, in ms */
	T_EQ_INT(e.due, 1000);
	T_EQ_INT(e.is_slot, 0);
	q.at = 2000;			/* --at: due then, and ranked from then */
	e = station_queue_entry(&q);
	T_EQ_INT(e.rank, 2000000);
	T_EQ_INT(e.due, 2000);
	q.rank = 1999500;		/* moved by the operator */
	e = station_queue_entry(&q);
	T_EQ_INT(e.rank, 1999500);
	T_EQ_INT(e.due, 2000);
	T_EQ_INT(station_queue_due(&q), 2000);
}

static void
test_pend_entry(void)
{
	struct station *st = t_station();

	t_pend(st, PLAY_SCHEDULE, SCHED_NORMAL, 3000);
	t_pend(st, PLAY_ALERT, SCHED_EMERGENCY, 3001);
	T_EQ_INT(st->npending, 2);
	T_EQ_INT(st->pending[0].entry.cls, SCHED_NORMAL);
	T_EQ_INT(st->pending[0].entry.rank, 3000000);
	T_EQ_INT(st->pending[0].entry.due, 0);		/* due already: it waits for the player */
	T_EQ_INT(st->pending[0].entry.is_slot, 1);
	T_EQ_INT(st->pending[0].expires, 3600);
	T_EQ_INT(st->pending[1].entry.is_slot, 0);	/* an alert is no slot */
	T_EQ_INT(st->pending[1].entry.rank, 3001000);
	t_station_free(st);
}

static void
test_lineup_pending_then_queue(void)
{
	struct station *st = t_station();
	struct queue_item q[] = { { .id = 4, .created = 10 }, { .id = 7, .at = 20, .created = 5 } };
	struct lineup_entry e[4];
	struct line_ref ref[4];

	t_pend(st, PLAY_SCHEDULE, SCHED_NORMAL, 15);
	t_queue(st, q, 2);
	T_EQ_INT(station_lineup(st, e, ref, 4), 3);
	T_EQ_INT(ref[0].pending, 0);
	T_ASSERT(ref[0].q == NULL);
	T_EQ_INT(ref[1].pending, -1);
	T_ASSERT(ref[1].q == &st->queue[0]);
	T_ASSERT(ref[2].q == &st->queue[1]);
	T_EQ_INT(e[2].due, 20);
	T_EQ_INT(station_lineup(st, e, ref, 2), 2);	/* bounded by max */
	t_station_free(st);
}

static int
t_pick(struct station *st, time_t now, struct line_ref *ref)
{
	struct lineup_entry e;

	return station_line_pick(st, now, ref, &e);
}

static void
test_untrusted_clock_holds_timed_items(void)
{
	/* A1 (--at, first in the order) and B (play now, queued later). */
	struct queue_item q[] = { { .id = 1, .at = 500, .created = 400 }, { .id = 2, .created = 900 } };
	struct station *st = t_station();
	struct line_ref ref;

	t_queue(st, q, 2);
	T_EQ_INT(t_pick(st, 1000, &ref), 0);
	T_EQ_INT(ref.q->id, 1);
	st->clock_ok = 0;
	T_EQ_INT(t_pick(st, 1000, &ref), 0);
	T_EQ_INT(ref.q->id, 2);			/* "play now" items still play */
	st->nqueue = 1;
	T_EQ_INT(t_pick(st, 1000, &ref), -1);	/* the timed one waits for the clock */
	t_pend(st, PLAY_ALERT, SCHED_EMERGENCY, 1000);
	T_EQ_INT(t_pick(st, 1000, &ref), 0);	/* alerts still play */
	T_EQ_INT(ref.pending, 0);
	st->nqueue = 2;
	t_station_free(st);
}

static void
test_tie_goes_to_the_slot(void)
{
	struct queue_item q[] = { { .id = 1, .created = 1000 } };
	struct station *st = t_station();
	struct line_ref ref;

	t_pend(st, PLAY_SCHEDULE, SCHED_NORMAL, 1000);
	t_queue(st, q, 1);
	T_EQ_INT(t_pick(st, 1000, &ref), 0);
	T_EQ_INT(ref.pending, 0);
	st->queue[0].created = 999;		/* due a second longer: it goes first */
	T_EQ_INT(t_pick(st, 1000, &ref), 0);
	T_EQ_INT(ref.pending, -1);
	T_EQ_INT(ref.q->id, 1);
	t_station_free(st);
}

static void
test_higher_class_and_not_yet_due(void)
{
	struct queue_item q[] = { { .id = 1, .at = 2000, .created = 10, .cls = SCHED_EMERGENCY },
	    { .id = 2, .created = 1500, .cls = SCHED_PRIORITY } };
	struct station *st = t_station();
	struct line_ref ref;

	t_pend(st, PLAY_SCHEDULE, SCHED_NORMAL, 100);
	t_queue(st, q, 2);
	T_EQ_INT(t_pick(st, 1000, &ref), 0);
	T_EQ_INT(ref.pending, 0);		/* neither queued item is due yet */
	T_EQ_INT(t_pick(st, 1500, &ref), 0);
	T_EQ_INT(ref.q->id, 2);			/* the priority one is */
	T_EQ_INT(t_pick(st, 2000, &ref), 0);
	T_EQ_INT(ref.q->id, 1);			/* then the emergency */
	t_station_free(st);
}

static int64_t
t_add(struct station *st, const char *name, time_t created)
{
	struct queue_item q = { .path = (char *)"/nonexistent.opus", .name = (char *)name,
	    .title = (char *)name, .created = created };

	memcpy(q.sha256, SHA, sizeof(q.sha256));
	T_EQ_INT(store_queue_add(st->store, &q), 0);
	return q.id;
}

/* Plays the line out: what lineup_pick says, one after another, as ids (slots: 0). */
static void
t_play_order(struct station *st, time_t now, int64_t *out, size_t max)
{
	struct pending_slot ps;
	struct line_ref ref;
	size_t k;

	for (k = 0; k < max && t_pick(st, now, &ref) == 0; k++) {
		if (ref.pending >= 0) {
			station_pending_take(st, ref.pending, &ps);
			station_free_items(ps.items, ps.n);
			out[k] = 0;
		} else {
			out[k] = ref.q->id;
			store_queue_remove(st->store, ref.q->id);
			station_queue_refresh(st);
		}
	}
}

static void
t_move(struct station *st, int64_t id, int pos)
{
	json_t *req = json_pack("{s:I, s:i}", "id", (json_int_t)id, "position", pos);
	json_t *reply = json_object();

	T_EQ_INT(station_ctl_move(st, req, reply), 0);
	json_decref(req);
	json_decref(reply);
}

static void
test_move_matches_play_order(void)
{
	char dir[TMPSTORE_DIR_MAX];
	struct station *st = t_station();
	int64_t a, b, c, order[5] = { -1, -1, -1, -1, -1 };

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "station") == 0);
	st->store = tmpstore_open(dir);
	T_ASSERT(st->store != NULL);
	if (st->store == NULL)
		goto out;
	/* A at 100, the slot at 150, B at 200, C at 300; the operator puts C first. */
	a = t_add(st, "A", 100);
	b = t_add(st, "B", 200);
	c = t_add(st, "C", 300);
	T_EQ_INT(station_queue_refresh(st), 0);
	t_pend(st, PLAY_SCHEDULE, SCHED_NORMAL, 150);
	t_move(st, c, 1);
	t_play_order(st, 1000, order, 5);
	T_EQ_INT(order[0], c);
	T_EQ_INT(order[1], a);
	T_EQ_INT(order[2], 0);
	T_EQ_INT(order[3], b);
	T_EQ_INT(order[4], -1);
	store_close(st->store);
out:
	tmpstore_rmdir(dir);
	t_station_free(st);
}

int
main(void)
{
	T_RUN(test_queue_entry);
	T_RUN(test_pend_entry);
	T_RUN(test_lineup_pending_then_queue);
	T_RUN(test_untrusted_clock_holds_timed_items);
	T_RUN(test_tie_goes_to_the_slot);
	T_RUN(test_higher_class_and_not_yet_due);
	T_RUN(test_move_matches_play_order);
	return T_EXIT();
}
