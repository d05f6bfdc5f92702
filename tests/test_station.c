/*
 * The station's line without its event loop: how queued items and pending
 * sequences become lineup entries, what lineup_pick is asked and answers, and
 * 'loaxactl move' agreeing with the order the station plays in. Linked with
 * the real objects; the station struct is built by hand, with a real store
 * under /tmp where the queue must be stored.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "config/errlist.h"
#include "daemon/station/station_int.h"
#include "tests/helpers/tmpstore.h"
#include "tests/helpers/writerwait.h"
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

/* loaxactl move as the station gets it: answered later, once the writer has saved it. */
static int
t_move_ask(struct station *st, int64_t id, int pos, json_t **reply)
{
	json_t *req = json_pack("{s:s, s:I, s:i}", "cmd", "move", "id", (json_int_t)id,
	    "position", pos);
	struct ctl_request rq = { .req = req, .cmd = "move", .fd = -1, .token = 1 };
	int rc;

	*reply = json_object();
	rc = station_ctl_move(st, &rq, *reply);
	json_decref(req);
	return rc;
}

static void
t_move(struct station *st, int64_t id, int pos)
{
	json_t *reply;

	T_EQ_INT(t_move_ask(st, id, pos, &reply), CTL_LATER);
	T_EQ_INT(writer_settle(st->writer, 5000), 0);
	json_decref(reply);
}

/* A station with a real store (and its writer) in dir; NULL when it cannot be made. */
static struct station *
t_station_stored(char *dir, size_t len)
{
	struct station *st = t_station();
	struct errlist errs;

	errlist_init(&errs);
	if (tmpstore_dir(dir, len, "station") < 0 || (st->store = tmpstore_open(dir)) == NULL ||
	    (st->writer = store_writer_new(st->store, &errs)) == NULL) {
		errlist_clear(&errs);
		store_close(st->store);
		t_station_free(st);
		return NULL;
	}
	errlist_clear(&errs);
	return st;
}

static void
t_station_stored_free(struct station *st, const char *dir)
{
	store_writer_free(st->writer);
	store_close(st->store);
	tmpstore_rmdir(dir);
	t_station_free(st);
}

static void
test_move_matches_play_order(void)
{
	char dir[TMPSTORE_DIR_MAX];
	struct station *st = t_station_stored(dir, sizeof(dir));
	int64_t a, b, c, order[5] = { -1, -1, -1, -1, -1 };

	T_ASSERT(st != NULL);
	if (st == NULL)
		return;
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
	t_station_stored_free(st, dir);
}

/* What sql (one ? for id) answers on disk, read on a connection of its own; -1 when nothing. */
static int64_t
t_disk_int(const char *dir, const char *sql, int64_t id)
{
	char path[TMPSTORE_DIR_MAX + 16];
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int64_t v = -1;

	snprintf(path, sizeof(path), "%s/loaxa.db", dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_bind_int64(q, 1, id) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* The rank item id has on disk, or -1. */
static int64_t
t_disk_rank(const char *dir, int64_t id)
{
	return t_disk_int(dir, "SELECT rank FROM queue WHERE id = ?", id);
}

/*
 * The new order holds once it is on disk, not before: while the writer is
 * held back (a slow disk) the line keeps the old order and another move is
 * refused; then the queue and the waiting slot follow the new one together.
 */
static void
test_move_takes_effect_once_saved(void)
{
	char dir[TMPSTORE_DIR_MAX];
	struct station *st = t_station_stored(dir, sizeof(dir));
	struct writer_gate g;
	struct line_ref ref;
	int64_t a, b;
	json_t *reply, *again;

	T_ASSERT(st != NULL);
	if (st == NULL)
		return;
	a = t_add(st, "A", 100);
	b = t_add(st, "B", 200);
	T_EQ_INT(station_queue_refresh(st), 0);
	t_pend(st, PLAY_SCHEDULE, SCHED_NORMAL, 150);
	T_EQ_INT(writer_gate_close(st->writer, &g), 0);
	T_EQ_INT(t_move_ask(st, b, 1, &reply), CTL_LATER);
	T_EQ_INT(t_pick(st, 1000, &ref), 0);
	T_EQ_INT(ref.q != NULL ? ref.q->id : 0, a);		/* the old order, for now */
	T_EQ_INT(t_disk_rank(dir, b), 0);
	T_ASSERT(t_move_ask(st, a, 1, &again) < 0);		/* one new order at a time */
	T_CONTAINS(json_string_value(json_object_get(again, "error")), "being saved");
	json_decref(again);
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(st->writer, 5000), 0);
	T_EQ_INT(st->moving, 0);
	T_EQ_INT(t_pick(st, 1000, &ref), 0);
	T_EQ_INT(ref.q != NULL ? ref.q->id : 0, b);		/* B, then A, then the slot */
	T_EQ_INT(t_disk_rank(dir, b), 100000);
	T_EQ_INT(t_disk_rank(dir, a), 100001);
	T_EQ_INT(st->pending[0].entry.rank, 100002);
	json_decref(reply);
	t_station_stored_free(st, dir);
}

/*
 * A new order the disk refuses changes nothing, on disk or in the line (the
 * waiting slot included), and the station may be asked again.
 */
static void
test_move_not_saved_changes_nothing(void)
{
	char dir[TMPSTORE_DIR_MAX], path[TMPSTORE_DIR_MAX + 16];
	struct station *st = t_station_stored(dir, sizeof(dir));
	struct pending_slot ps;
	struct line_ref ref;
	sqlite3 *db = NULL;
	int64_t a, b;
	json_t *reply;

	T_ASSERT(st != NULL);
	if (st == NULL)
		return;
	a = t_add(st, "A", 100);
	b = t_add(st, "B", 200);
	T_EQ_INT(station_queue_refresh(st), 0);
	t_pend(st, PLAY_SCHEDULE, SCHED_NORMAL, 50);
	/* The first rank is written, the second refused: the transaction must undo both. */
	snprintf(path, sizeof(path), "%s/loaxa.db", dir);
	T_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(db, "CREATE TRIGGER refuse BEFORE UPDATE OF rank ON queue "
	    "WHEN NEW.id = (SELECT max(id) FROM queue) BEGIN SELECT RAISE(ABORT, 'refused'); END",
	    NULL, NULL, NULL), SQLITE_OK);
	T_EQ_INT(t_move_ask(st, b, 1, &reply), CTL_LATER);
	T_EQ_INT(writer_settle(st->writer, 5000), 0);
	T_EQ_INT(st->moving, 0);
	T_EQ_INT(t_disk_rank(dir, a), 0);
	T_EQ_INT(t_disk_rank(dir, b), 0);
	T_EQ_INT(st->pending[0].entry.rank, 50000);
	T_EQ_INT(t_pick(st, 1000, &ref), 0);
	T_EQ_INT(ref.pending, 0);
	station_pending_take(st, 0, &ps);
	station_free_items(ps.items, ps.n);
	T_EQ_INT(t_pick(st, 1000, &ref), 0);
	T_EQ_INT(ref.q != NULL ? ref.q->id : 0, a);
	json_decref(reply);
	T_EQ_INT(sqlite3_exec(db, "DROP TRIGGER refuse", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	t_move(st, b, 1);
	T_EQ_INT(t_pick(st, 1000, &ref), 0);
	T_EQ_INT(ref.q != NULL ? ref.q->id : 0, b);
	t_station_stored_free(st, dir);
}

/* loaxactl unmute as the station gets it. */
static int
t_unmute_ask(struct station *st)
{
	json_t *req = json_pack("{s:s}", "cmd", "unmute");
	struct ctl_request rq = { .req = req, .cmd = "unmute", .fd = -1, .token = 2 };
	int rc = station_unmute(st, &rq, "thu (uid 1000)");

	json_decref(req);
	return rc;
}

/* Muted, as a station that was muted before: in memory and on disk. */
static void
t_muted(struct station *st)
{
	st->muted = 1;
	st->mutes = 1;
	snprintf(st->muted_by, sizeof(st->muted_by), "root (uid 0)");
	T_EQ_INT(store_kv_set(st->store, "mute", "1000 0 root (uid 0)"), 0);
}

/*
 * Unmute takes effect once it is on disk: while the writer is held back the
 * station stays muted; a later mute makes it void; one the disk refuses
 * leaves the station muted as its disk says, unless the disk says unmuted
 * already (a mute never saved), which the station then follows.
 */
static void
test_unmute_once_saved(void)
{
	char dir[TMPSTORE_DIR_MAX], path[TMPSTORE_DIR_MAX + 16], v[160];
	struct station *st = t_station_stored(dir, sizeof(dir));
	struct writer_gate g;
	sqlite3 *db = NULL;

	T_ASSERT(st != NULL);
	if (st == NULL)
		return;
	t_muted(st);
	T_EQ_INT(writer_gate_close(st->writer, &g), 0);
	T_EQ_INT(t_unmute_ask(st), CTL_LATER);
	T_EQ_INT(st->muted, 1);				/* not on disk yet */
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(st->writer, 5000), 0);
	T_EQ_INT(st->muted, 0);
	T_EQ_INT(store_kv_get(st->store, "mute", v, sizeof(v)), 0);
	T_EQ_STR(v, "");
	T_EQ_INT(t_unmute_ask(st), -EALREADY);
	/* A mute asked while the unmute is saved: the unmute is void. */
	t_muted(st);
	T_EQ_INT(writer_gate_close(st->writer, &g), 0);
	T_EQ_INT(t_unmute_ask(st), CTL_LATER);
	st->mutes++;				/* what station_mute does, besides the sound */
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(st->writer, 5000), 0);
	T_EQ_INT(st->muted, 1);
	/* The disk refuses the unmute: muted, as the disk says. */
	t_muted(st);
	snprintf(path, sizeof(path), "%s/loaxa.db", dir);
	T_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(db, "CREATE TRIGGER refuse BEFORE UPDATE ON kv WHEN NEW.key = 'mute' "
	    "BEGIN SELECT RAISE(ABORT, 'refused'); END", NULL, NULL, NULL), SQLITE_OK);
	T_EQ_INT(t_unmute_ask(st), CTL_LATER);
	T_EQ_INT(writer_settle(st->writer, 5000), 0);
	T_EQ_INT(st->muted, 1);
	/* A mute that never reached the disk: the station follows its disk, unmuted. */
	T_EQ_INT(sqlite3_exec(db, "DROP TRIGGER refuse; UPDATE kv SET value = '' WHERE key = 'mute';"
	    "CREATE TRIGGER refuse BEFORE UPDATE ON kv WHEN NEW.key = 'mute' "
	    "BEGIN SELECT RAISE(ABORT, 'refused'); END", NULL, NULL, NULL), SQLITE_OK);
	T_EQ_INT(t_unmute_ask(st), CTL_LATER);
	T_EQ_INT(writer_settle(st->writer, 5000), 0);
	T_EQ_INT(st->muted, 0);
	sqlite3_close(db);
	t_station_stored_free(st, dir);
}

/* Whether item id is in the queue on disk: 1 or 0. */
static int64_t
t_disk_queued(const char *dir, int64_t id)
{
	return t_disk_int(dir, "SELECT count(*) FROM queue WHERE id = ?", id);
}

/* The "missed" records on disk for queued item id, and their outbox copies (both must agree). */
static int64_t
t_disk_missed(const char *dir, int64_t id)
{
	int64_t logged = t_disk_int(dir, "SELECT count(*) FROM asrun WHERE event = 'missed' "
	    "AND json_extract(json, '$.queue_id') = ?", id);
	int64_t sent = t_disk_int(dir, "SELECT count(*) FROM outbox WHERE "
	    "json_extract(payload, '$.event') = 'missed' AND json_extract(payload, '$.queue_id') = ?", id);

	return logged == sent ? logged : -1;
}

/* An item queued with a time (loaxactl queue --at), as the writer stores it. */
static int64_t
t_add_at(struct station *st, const char *name, time_t at)
{
	struct queue_item q = { .path = (char *)"/nonexistent.opus", .name = (char *)name,
	    .title = (char *)name, .created = at - 100, .at = at };

	memcpy(q.sha256, SHA, sizeof(q.sha256));
	T_EQ_INT(store_queue_add(st->store, &q), 0);
	return q.id;
}

/*
 * A queued item past its grace period leaves the queue in the same
 * transaction as its "missed" record, on the writer: while the writer is held
 * back (a slow disk) both are still to come on disk, and the item has left
 * the line already, so it cannot be picked to play; every item that expired
 * leaves in the same step. Once the writer is done, both the record and the
 * removal are on disk, and a later step reports nothing again.
 */
static void
test_expire_leaves_with_its_record(void)
{
	char dir[TMPSTORE_DIR_MAX];
	struct station *st = t_station_stored(dir, sizeof(dir));
	struct writer_gate g;
	struct line_ref ref;
	int64_t a, b, c;

	T_ASSERT(st != NULL);
	if (st == NULL)
		return;
	st->cfg.schedule.grace = 60;
	a = t_add_at(st, "A", 1000);
	c = t_add_at(st, "C", 1001);
	b = t_add(st, "B", 1050);		/* play now: it waits as long as it takes */
	T_EQ_INT(station_queue_refresh(st), 0);
	T_EQ_INT(writer_gate_close(st->writer, &g), 0);
	station_expire(st, 1062);		/* both A's and C's grace periods are over */
	T_EQ_INT(st->nqueue, 1);
	T_EQ_INT(t_pick(st, 1062, &ref), 0);
	T_EQ_INT(ref.q != NULL ? ref.q->id : 0, b);
	/* Nothing of it on disk yet, neither half: still queued, not recorded. */
	T_EQ_INT(t_disk_queued(dir, a), 1);
	T_EQ_INT(t_disk_missed(dir, a), 0);
	T_EQ_INT(t_disk_queued(dir, c), 1);
	T_EQ_INT(t_disk_missed(dir, c), 0);
	/* Another change of the queue meanwhile reads it again: they stay out of the line. */
	T_EQ_INT(station_queue_refresh(st), 0);
	T_EQ_INT(st->nqueue, 1);
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(st->writer, 5000), 0);
	T_EQ_INT(t_disk_queued(dir, a), 0);
	T_EQ_INT(t_disk_missed(dir, a), 1);
	T_EQ_INT(t_disk_queued(dir, c), 0);
	T_EQ_INT(t_disk_missed(dir, c), 1);
	T_EQ_INT(t_disk_queued(dir, b), 1);
	T_EQ_INT(station_queue_refresh(st), 0);
	T_EQ_INT(st->nqueue, 1);
	station_expire(st, 2000);
	T_EQ_INT(writer_settle(st->writer, 5000), 0);
	T_EQ_INT(t_disk_missed(dir, a), 1);
	T_EQ_INT(t_disk_queued(dir, b), 1);
	t_station_stored_free(st, dir);
}

/*
 * A "missed" record the disk refuses takes nothing out of the queue: the item
 * is still queued on disk (never neither queued nor recorded), comes back to
 * the line when the queue is read again, and is reported once the disk takes it.
 */
static void
test_expire_not_recorded_stays_queued(void)
{
	char dir[TMPSTORE_DIR_MAX], path[TMPSTORE_DIR_MAX + 16];
	struct station *st = t_station_stored(dir, sizeof(dir));
	sqlite3 *db = NULL;
	int64_t a;

	T_ASSERT(st != NULL);
	if (st == NULL)
		return;
	st->cfg.schedule.grace = 60;
	a = t_add_at(st, "A", 1000);
	T_EQ_INT(station_queue_refresh(st), 0);
	snprintf(path, sizeof(path), "%s/loaxa.db", dir);
	T_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(db, "CREATE TRIGGER refuse BEFORE INSERT ON asrun "
	    "WHEN NEW.event = 'missed' BEGIN SELECT RAISE(ABORT, 'refused'); END",
	    NULL, NULL, NULL), SQLITE_OK);
	station_expire(st, 1100);
	T_EQ_INT(st->nqueue, 0);		/* out of the line while its record is on its way */
	T_EQ_INT(writer_settle(st->writer, 5000), 0);
	T_EQ_INT(t_disk_queued(dir, a), 1);
	T_EQ_INT(t_disk_missed(dir, a), 0);
	T_EQ_INT(station_queue_refresh(st), 0);
	T_EQ_INT(st->nqueue, 1);		/* the disk says it is queued: so does the line */
	T_EQ_INT(sqlite3_exec(db, "DROP TRIGGER refuse", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	station_expire(st, 1100);
	T_EQ_INT(writer_settle(st->writer, 5000), 0);
	T_EQ_INT(t_disk_queued(dir, a), 0);
	T_EQ_INT(t_disk_missed(dir, a), 1);
	T_EQ_INT(station_queue_refresh(st), 0);
	T_EQ_INT(st->nqueue, 0);
	t_station_stored_free(st, dir);
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
	T_RUN(test_move_takes_effect_once_saved);
	T_RUN(test_move_not_saved_changes_nothing);
	T_RUN(test_unmute_once_saved);
	T_RUN(test_expire_leaves_with_its_record);
	T_RUN(test_expire_not_recorded_stays_queued);
	return T_EXIT();
}
