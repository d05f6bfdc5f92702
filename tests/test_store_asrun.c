/*
 * Tests of proof of play in the store (daemon/store/store_asrun.c) against real
 * SQLite in a temporary directory: reading the as-run log back, pruning it by
 * age, the outbox's bound and what it drops first, the overflow report, and a
 * version-1 database (written here with plain SQL) brought up to date.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

#include "config/errlist.h"
#include "daemon/store/store.h"
#include "tests/helpers/tmpstore.h"
#include "tests/t.h"

#define T0	1767225600	/* 2026-01-01 07:00 +07 */
#define DAY	86400

static const char SHA_A[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* Adds a record for play n (an id "play-n") at time at. */
static int
t_event(struct store *s, int n, const char *event, time_t at)
{
	char id[32], json[128];
	struct asrun_rec r = { .event = event, .at = at };

	snprintf(id, sizeof(id), "play-%d", n);
	snprintf(json, sizeof(json), "{\"event\":\"%s\",\"play_id\":\"%s\",\"title\":\"Bản tin %d\"}",
	    event, id, n);
	r.play_id = id;
	r.json = json;
	return store_event_add(s, &r, "loaxa/hon-quan/tan-thanh/events");
}

static int
t_telemetry(struct store *s, int n)
{
	char json[64];

	snprintf(json, sizeof(json), "{\"telemetry\":%d}", n);
	return store_telemetry_add(s, "loaxa/hon-quan/tan-thanh/telemetry", json);
}

/* Every outbox payload in order, joined by '|' (the overflow report as "OVERFLOW"). */
static void
t_outbox(struct store *s, char *buf, size_t len)
{
	struct outbox_msg m = { 0 };
	int64_t after = 0;
	size_t used = 0;

	buf[0] = '\0';
	while (store_outbox_next(s, after, &m) == 0) {
		const char *p = strstr(m.payload, "outbox_overflow") ? "OVERFLOW" : m.payload;

		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
		    used > 0 ? "|" : "", p);
		after = m.seq;
		store_outbox_msg_clear(&m);
	}
}

/* The overflow report's payload, parsed; NULL when there is none. */
static json_t *
t_overflow(struct store *s)
{
	struct outbox_msg m = { 0 };
	int64_t after = 0;
	json_t *o = NULL;

	while (o == NULL && store_outbox_next(s, after, &m) == 0) {
		if (strstr(m.payload, "outbox_overflow") != NULL) {
			o = json_loads(m.payload, 0, NULL);
			T_EQ_STR(m.topic, "loaxa/hon-quan/tan-thanh/events");
		}
		after = m.seq;
		store_outbox_msg_clear(&m);
	}
	return o;
}

static void
test_asrun_list_since_and_order(void)
{
	char dir[64];
	struct store *s;
	struct asrun_entry *v = NULL;
	size_t n = 0;
	int more = -1, i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	for (i = 0; i < 6; i++)
		T_EQ_INT(t_event(s, i, i % 2 ? "finished" : "started", T0 + i * 60), 0);
	T_EQ_INT(store_asrun_list(s, T0 + 120, 0, 100, &v, &n, &more), 0);
	T_EQ_INT(n, 4);
	T_EQ_INT(more, 0);
	if (n == 4) {
		T_EQ_STR(v[0].play_id, "play-2");
		T_EQ_STR(v[0].event, "started");
		T_EQ_INT(v[0].at, T0 + 120);
		T_CONTAINS(v[0].json, "Bản tin 2");
		T_EQ_STR(v[3].play_id, "play-5");
		T_ASSERT(v[0].seq < v[1].seq && v[2].seq < v[3].seq);
	}
	store_asrun_free(v, n);
	T_EQ_INT(store_asrun_list(s, T0 + 3600, 0, 100, &v, &n, &more), 0);
	T_EQ_INT(n, 0);
	T_ASSERT(v == NULL);
	T_EQ_INT(store_asrun_list(s, 0, 0, 0, &v, &n, &more), -EINVAL);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* A reply is bounded: "more" says records were left, and "after" goes on from the last one. */
static void
test_asrun_list_bounded_and_resumed(void)
{
	char dir[64];
	struct store *s;
	struct asrun_entry *v = NULL;
	size_t n = 0, total = 0;
	int64_t after = 0;
	int more = 0, i, rounds = 0;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	for (i = 0; i < 25; i++)
		T_EQ_INT(t_event(s, i, "started", T0 + i), 0);
	do {
		T_EQ_INT(store_asrun_list(s, T0, after, 10, &v, &n, &more), 0);
		if (n > 0) {
			char want[32];

			snprintf(want, sizeof(want), "play-%zu", total);
			T_EQ_STR(v[0].play_id, want);
			after = v[n - 1].seq;
		}
		T_EQ_INT(more, total + n < 25);
		total += n;
		store_asrun_free(v, n);
	} while (more && ++rounds < 10);
	T_EQ_INT(total, 25);
	T_EQ_INT(rounds, 2);
	store_close(s);
	tmpstore_rmdir(dir);
}

static long
t_asrun_count(struct store *s)
{
	struct asrun_entry *v = NULL;
	size_t n = 0;
	int more = 0;

	if (store_asrun_list(s, 0, 0, 100000, &v, &n, &more) < 0)
		return -1;
	store_asrun_free(v, n);
	return (long)n;
}

/* Records older than the retention go, the newer stay; the pass runs at most once an hour. */
static void
test_prune_by_age_hourly(void)
{
	struct store_limits lim = { .asrun_days = 10, .outbox_max = 1000 };
	char dir[64];
	struct store *s;
	time_t now = T0 + 100 * DAY;
	int i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	store_set_limits(s, &lim);
	for (i = 0; i < 20; i++)	/* one a day, the newest 5 s ago */
		T_EQ_INT(t_event(s, i, "started", now - (19 - i) * DAY - 5), 0);
	/* Ages count from the newest record: those more than 10 days older go (i = 0..8). */
	T_EQ_INT(store_maintain(s, now), 9);
	T_EQ_INT(t_asrun_count(s), 11);
	T_EQ_INT(t_event(s, 99, "started", now - 30 * DAY), 0);	/* old, written late */
	T_EQ_INT(store_maintain(s, now + 600), 0);		/* within the hour: no pass */
	T_EQ_INT(t_asrun_count(s), 12);
	T_EQ_INT(store_maintain(s, now + 3600), 1);
	T_EQ_INT(t_asrun_count(s), 11);
	/* The outbox copies are not the log: pruning never touches unsent reports. */
	T_EQ_INT(store_outbox_count(s), 21);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* An unset clock (1970) or one that jumped years ahead does not wipe the log. */
static void
test_prune_ignores_bad_clock(void)
{
	char dir[64];
	struct store *s;
	int i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	for (i = 0; i < 5; i++)
		T_EQ_INT(t_event(s, i, "started", T0 + i * DAY), 0);
	T_EQ_INT(store_maintain(s, 3600), 0);			/* 1970, after a boot without RTC */
	T_EQ_INT(store_maintain(s, T0 + 20 * 365L * DAY), 0);	/* twenty years ahead */
	T_EQ_INT(t_asrun_count(s), 5);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* A large backlog goes in batches, the next batch at the next call. */
static void
test_prune_in_batches(void)
{
	struct store_limits lim = { .asrun_days = 1, .outbox_max = 100000 };
	char dir[64];
	struct store *s;
	time_t now = T0 + 10 * DAY;
	long r1, r2, r3;
	int i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	store_set_limits(s, &lim);
	for (i = 0; i < STORE_PRUNE_BATCH + 200; i++)
		T_EQ_INT(t_event(s, i, "finished", T0 + i), 0);
	T_EQ_INT(t_event(s, 1 << 20, "finished", now), 0);
	r1 = store_maintain(s, now);
	r2 = store_maintain(s, now + 1);
	r3 = store_maintain(s, now + 2);
	T_EQ_INT(r1, STORE_PRUNE_BATCH);
	T_EQ_INT(r2, 200);
	T_EQ_INT(r3, 0);
	T_EQ_INT(t_asrun_count(s), 1);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* Full: the oldest telemetry goes first, and the overflow is reported with counts. */
static void
test_outbox_drops_telemetry_first(void)
{
	struct store_limits lim = { .asrun_days = 90, .outbox_max = 10,
	    .overflow_topic = "loaxa/hon-quan/tan-thanh/events" };
	struct store_outbox_stats stats;
	char dir[64], buf[4096];
	struct store *s;
	json_t *o;
	int i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	store_set_limits(s, &lim);
	for (i = 0; i < 4; i++) {
		T_EQ_INT(t_telemetry(s, i), 0);
		T_EQ_INT(t_event(s, i, "started", T0 + i), 0);
	}
	T_EQ_INT(store_outbox_count(s), 8);
	for (i = 4; i < 7; i++)
		T_EQ_INT(t_event(s, i, "started", T0 + i), 0);
	t_outbox(s, buf, sizeof(buf));
	/* 8 + 3 records and a report in 10 places: telemetry 0 and 1 had to go. */
	T_CONTAINS(buf, "{\"telemetry\":2}");
	T_ASSERT(strstr(buf, "{\"telemetry\":0}") == NULL && strstr(buf, "{\"telemetry\":1}") == NULL);
	for (i = 0; i < 7; i++) {
		char id[32];

		snprintf(id, sizeof(id), "\"play-%d\"", i);
		T_CONTAINS(buf, id);
	}
	T_EQ_INT(store_outbox_count(s), 10);
	T_ASSERT((o = t_overflow(s)) != NULL);
	T_EQ_INT(json_integer_value(json_object_get(o, "dropped_telemetry")), 2);
	T_EQ_INT(json_integer_value(json_object_get(o, "dropped_records")), 0);
	T_EQ_INT(json_integer_value(json_object_get(o, "outbox_max")), 10);
	T_ASSERT(json_is_string(json_object_get(o, "at")));
	json_decref(o);
	T_EQ_INT(store_outbox_stats(s, &stats), 0);
	T_EQ_INT(stats.count, 10);
	T_EQ_INT(stats.dropped_telemetry, 2);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* Only when no telemetry is left do the oldest records' copies go; the log keeps them. */
static void
test_outbox_drops_records_last(void)
{
	struct store_limits lim = { .asrun_days = 90, .outbox_max = 10,
	    .overflow_topic = "loaxa/hon-quan/tan-thanh/events" };
	char dir[64], buf[4096];
	struct store *s;
	json_t *o;
	int i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	store_set_limits(s, &lim);
	T_EQ_INT(t_telemetry(s, 0), 0);
	for (i = 0; i < 12; i++)
		T_EQ_INT(t_event(s, i, "started", T0 + i), 0);
	t_outbox(s, buf, sizeof(buf));
	T_ASSERT(strstr(buf, "telemetry") == NULL);
	T_ASSERT(strstr(buf, "\"play-0\"") == NULL && strstr(buf, "\"play-2\"") == NULL);
	T_CONTAINS(buf, "\"play-3\"");
	T_CONTAINS(buf, "\"play-11\"");
	T_EQ_INT(store_outbox_count(s), 10);
	/* One report, not one per overflow, with the totals so far. */
	T_ASSERT(strstr(buf, "OVERFLOW") != NULL && strstr(strstr(buf, "OVERFLOW") + 1, "OVERFLOW") == NULL);
	T_ASSERT((o = t_overflow(s)) != NULL);
	T_EQ_INT(json_integer_value(json_object_get(o, "dropped_telemetry")), 1);
	T_EQ_INT(json_integer_value(json_object_get(o, "dropped_records")), 3);
	json_decref(o);
	T_EQ_INT(t_asrun_count(s), 12);	/* the log itself lost nothing */
	store_close(s);
	tmpstore_rmdir(dir);
}

/*
 * A flood of notes (refusals of forged alerts retained on the broker) never
 * pushes out proof of play: notes go before records, and a new note finding
 * no older one is dropped itself. Before, 150 refusals in an outbox of 100
 * dropped as-run records not yet sent.
 */
static void
test_outbox_notes_before_records(void)
{
	struct store_limits lim = { .asrun_days = 90, .outbox_max = 10,
	    .overflow_topic = "loaxa/hon-quan/tan-thanh/events" };
	struct store_outbox_stats stats;
	char dir[64], buf[8192];
	struct store *s;
	int i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	store_set_limits(s, &lim);
	for (i = 0; i < 4; i++)
		T_EQ_INT(t_event(s, i, "finished", T0 + i), 0);
	for (i = 100; i < 150; i++)
		T_EQ_INT(t_event(s, i, "alert_refused", T0 + i), 0);
	t_outbox(s, buf, sizeof(buf));
	for (i = 0; i < 4; i++) {
		char id[32];

		snprintf(id, sizeof(id), "\"play-%d\"", i);
		T_CONTAINS(buf, id);
	}
	T_EQ_INT(store_outbox_count(s), 10);
	T_EQ_INT(store_outbox_stats(s, &stats), 0);
	T_EQ_INT(stats.dropped_records, 0);
	T_EQ_INT(stats.dropped_notes, 45);
	T_EQ_INT(t_asrun_count(s), 54);	/* the log itself lost nothing */
	store_close(s);
	tmpstore_rmdir(dir);
}

/* A new telemetry message that finds no older telemetry is dropped itself, not a record. */
static void
test_outbox_new_telemetry_never_pushes_records(void)
{
	struct store_limits lim = { .asrun_days = 90, .outbox_max = 10,
	    .overflow_topic = "loaxa/hon-quan/tan-thanh/events" };
	char dir[64], buf[4096];
	struct store *s;
	json_t *o;
	int i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	store_set_limits(s, &lim);
	for (i = 0; i < 10; i++)
		T_EQ_INT(t_event(s, i, "started", T0 + i), 0);
	T_EQ_INT(t_telemetry(s, 77), 0);
	t_outbox(s, buf, sizeof(buf));
	T_ASSERT(strstr(buf, "telemetry") == NULL);
	/* The first overflow's report takes a place: play-0's copy made room for it. */
	T_CONTAINS(buf, "\"play-1\"");
	T_EQ_INT(store_outbox_count(s), 10);
	T_ASSERT((o = t_overflow(s)) != NULL);
	T_EQ_INT(json_integer_value(json_object_get(o, "dropped_telemetry")), 1);
	T_EQ_INT(json_integer_value(json_object_get(o, "dropped_records")), 1);
	json_decref(o);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* The bound, the count and the totals hold across a reopen and acknowledgements. */
static void
test_outbox_bound_across_reopen(void)
{
	struct store_limits lim = { .asrun_days = 90, .outbox_max = 20,
	    .overflow_topic = "loaxa/hon-quan/tan-thanh/events" };
	struct store_outbox_stats stats;
	struct outbox_msg m = { 0 };
	char dir[64];
	struct store *s;
	int i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	store_set_limits(s, &lim);
	for (i = 0; i < 30; i++)
		T_EQ_INT(i % 3 ? t_event(s, i, "started", T0 + i) : t_telemetry(s, i), 0);
	store_close(s);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	store_set_limits(s, &lim);
	T_EQ_INT(store_outbox_count(s), 20);
	T_EQ_INT(store_outbox_stats(s, &stats), 0);
	T_EQ_INT(stats.count, 20);
	T_EQ_INT(stats.dropped_telemetry + stats.dropped_records, 11);
	T_EQ_INT(stats.dropped_telemetry, 10);
	/* Acknowledged messages make room again without an overflow. */
	for (i = 0; i < 5; i++) {
		T_EQ_INT(store_outbox_next(s, 0, &m), 0);
		T_EQ_INT(store_outbox_ack(s, m.seq), 0);
		store_outbox_msg_clear(&m);
	}
	for (i = 0; i < 5; i++)
		T_EQ_INT(t_event(s, 100 + i, "finished", T0 + 100), 0);
	T_EQ_INT(store_outbox_stats(s, &stats), 0);
	T_EQ_INT(stats.count, 20);
	T_EQ_INT(stats.dropped_telemetry + stats.dropped_records, 11);
	T_EQ_INT(store_outbox_count(s), 20);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* A queue item leaves the queue in the transaction of its record. */
static void
test_event_takes_queue_item(void)
{
	struct queue_item q = { .path = (char *)"/x.opus", .name = (char *)"bản tin.opus",
	    .title = (char *)"Họp dân" };
	struct asrun_rec r = { .play_id = "p-q", .event = "started", .at = T0,
	    .json = "{\"event\":\"started\"}" };
	char dir[64];
	struct store *s;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	memcpy(q.sha256, SHA_A, sizeof(q.sha256));
	T_EQ_INT(store_queue_add(s, &q), 0);
	T_EQ_INT(store_queue_count(s), 1);
	r.queue_id = q.id;
	T_EQ_INT(store_event_add(s, &r, "t"), 0);
	T_EQ_INT(store_queue_count(s), 0);
	r.event = "finished";	/* the end record finds it gone: fine */
	T_EQ_INT(store_event_add(s, &r, "t"), 0);
	T_EQ_INT(t_asrun_count(s), 2);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* A database written by the first version keeps its records and outbox when migrated. */
static void
test_migrates_version_1(void)
{
	char dir[64], db[PATH_MAX], buf[1024];
	struct asrun_entry *v = NULL;
	struct store *s;
	sqlite3 *h = NULL;
	size_t n = 0;
	int more;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "asrun") == 0);
	snprintf(db, sizeof(db), "%s/loaxa.db", dir);
	T_EQ_INT(sqlite3_open(db, &h), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(h,
	    "CREATE TABLE queue (id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL,"
	    " name TEXT NOT NULL, title TEXT, sha256 TEXT NOT NULL, at INTEGER NOT NULL,"
	    " created INTEGER NOT NULL);"
	    "CREATE TABLE asrun (seq INTEGER PRIMARY KEY AUTOINCREMENT, play_id TEXT NOT NULL,"
	    " event TEXT NOT NULL, at INTEGER NOT NULL, json TEXT NOT NULL);"
	    "CREATE INDEX asrun_play ON asrun(play_id);"
	    "CREATE TABLE open_play (seq INTEGER PRIMARY KEY, play_id TEXT NOT NULL UNIQUE);"
	    "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL,"
	    " payload TEXT NOT NULL);"
	    "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	    "INSERT INTO asrun(play_id, event, at, json) VALUES ('old-1', 'finished', 1767225600, '{}');"
	    "INSERT INTO outbox(topic, payload) VALUES ('t', '{\"old\":1}');"
	    "PRAGMA user_version=1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	T_EQ_INT(store_asrun_list(s, 0, 0, 10, &v, &n, &more), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_STR(v[0].play_id, "old-1");
	store_asrun_free(v, n);
	t_outbox(s, buf, sizeof(buf));
	T_EQ_STR(buf, "{\"old\":1}");
	T_EQ_INT(store_outbox_count(s), 1);
	store_close(s);
	tmpstore_rmdir(dir);
}

/* The "seq" a JSON text carries, or -1. */
static long long
t_seq_of(const char *text)
{
	json_t *o = json_loads(text, 0, NULL);
	long long v = json_is_integer(json_object_get(o, "seq")) ?
	    json_integer_value(json_object_get(o, "seq")) : -1;

	json_decref(o);
	return v;
}

/*
 * Checks the as-run log holds records numbered first, first + 1, ... with no
 * gap, each JSON saying its own number; returns how many.
 */
static long
t_seq_run(struct store *s, int64_t first)
{
	struct asrun_entry *v = NULL;
	size_t n = 0, i;
	int more = 0;

	if (store_asrun_list(s, 0, 0, 100000, &v, &n, &more) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		T_EQ_INT(v[i].seq, first + (int64_t)i);
		T_EQ_INT(t_seq_of(v[i].json), v[i].seq);
	}
	store_asrun_free(v, n);
	return (long)n;
}

/*
 * Every record, play or note, carries "seq", its number in the station's
 * as-run log, in the log and in the copy the outbox sends alike: 1, 2, 3...
 * Status telemetry and the overflow report are not records and carry none.
 */
static void
test_seq_numbers_every_record(void)
{
	struct store_limits lim = { .asrun_days = 90, .outbox_max = 10,
	    .overflow_topic = "loaxa/hon-quan/tan-thanh/events" };
	struct outbox_msg m = { 0 };
	char dir[64];
	struct store *s;
	int64_t after = 0, want = 1;
	int i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "seq") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	store_set_limits(s, &lim);
	T_EQ_INT(t_event(s, 1, "started", T0), 0);
	T_EQ_INT(t_telemetry(s, 1), 0);
	T_EQ_INT(t_event(s, 1, "finished", T0 + 60), 0);
	T_EQ_INT(t_event(s, 2, "muted", T0 + 61), 0);		/* a note */
	T_EQ_INT(t_event(s, 3, "missed", T0 + 62), 0);
	T_EQ_INT(t_seq_run(s, 1), 4);
	while (store_outbox_next(s, after, &m) == 0) {
		if (strstr(m.payload, "telemetry") != NULL)
			T_EQ_INT(t_seq_of(m.payload), -1);
		else
			T_EQ_INT(t_seq_of(m.payload), want++);
		after = m.seq;
		store_outbox_msg_clear(&m);
	}
	T_EQ_INT(want, 5);
	/* A full outbox drops copies, never numbers: the log keeps them all in a row. */
	for (i = 10; i < 25; i++)
		T_EQ_INT(t_event(s, i, "started", T0 + i * 60), 0);
	T_EQ_INT(t_seq_run(s, 1), 19);
	after = 0;
	while (store_outbox_next(s, after, &m) == 0) {
		if (strstr(m.payload, "outbox_overflow") != NULL)
			T_EQ_INT(t_seq_of(m.payload), -1);
		after = m.seq;
		store_outbox_msg_clear(&m);
	}
	store_close(s);
	tmpstore_rmdir(dir);
}

/*
 * The numbering goes on across a restart, and across pruning that removed
 * every record but the newest: a number is never given twice.
 */
static void
test_seq_across_restart_and_pruning(void)
{
	struct store_limits lim = { .asrun_days = 1, .outbox_max = 1000 };
	struct asrun_entry *v = NULL;
	char dir[64];
	struct store *s;
	size_t n = 0;
	int more = 0, i;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "seq") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	for (i = 0; i < 5; i++)
		T_EQ_INT(t_event(s, i, "started", T0 + i * DAY), 0);
	store_close(s);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	T_EQ_INT(t_event(s, 5, "started", T0 + 10 * DAY), 0);
	T_EQ_INT(t_seq_run(s, 1), 6);
	/* Pruned down to the newest record (seq 6), then reopened: 7 comes next, not 2. */
	store_set_limits(s, &lim);
	T_EQ_INT(store_maintain(s, T0 + 10 * DAY), 5);
	store_close(s);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	T_EQ_INT(t_event(s, 6, "finished", T0 + 10 * DAY + 60), 0);
	T_EQ_INT(store_asrun_list(s, 0, 0, 10, &v, &n, &more), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_INT(v[0].seq, 6);
		T_EQ_INT(v[1].seq, 7);
		T_EQ_INT(t_seq_of(v[1].json), 7);
	}
	store_asrun_free(v, n);
	store_close(s);
	tmpstore_rmdir(dir);
}

/*
 * A record that is not stored takes no number: a transaction that fails
 * after its record was added (the outbox refuses its copy, as a full disk
 * would) rolls the number back with it, and the next record gets it. A
 * record whose text is not a JSON object is refused before it is numbered.
 */
static void
test_seq_failed_record_takes_no_number(void)
{
	char dir[64], db[PATH_MAX];
	struct asrun_rec r = { .play_id = "p-x", .event = "started", .at = T0,
	    .json = "[\"not an object\"]" };
	struct store *s;
	sqlite3 *h = NULL;

	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "seq") == 0);
	T_ASSERT((s = tmpstore_open(dir)) != NULL);
	T_EQ_INT(t_event(s, 1, "started", T0), 0);
	T_EQ_INT(store_event_add(s, &r, "t"), -EINVAL);
	/* From another connection, as a full disk would: the outbox refuses play 666's copy. */
	snprintf(db, sizeof(db), "%s/loaxa.db", dir);
	T_EQ_INT(sqlite3_open(db, &h), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(h, "CREATE TRIGGER boom BEFORE INSERT ON outbox"
	    " WHEN NEW.payload LIKE '%play-666%' BEGIN SELECT RAISE(ABORT, 'boom'); END;",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	T_ASSERT(t_event(s, 666, "started", T0 + 1) < 0);
	T_EQ_INT(t_event(s, 2, "started", T0 + 2), 0);
	T_EQ_INT(t_seq_run(s, 1), 2);
	T_EQ_INT(store_outbox_count(s), 2);
	store_close(s);
	tmpstore_rmdir(dir);
}

int
main(void)
{
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	T_RUN(test_asrun_list_since_and_order);
	T_RUN(test_asrun_list_bounded_and_resumed);
	T_RUN(test_prune_by_age_hourly);
	T_RUN(test_prune_ignores_bad_clock);
	T_RUN(test_prune_in_batches);
	T_RUN(test_outbox_drops_telemetry_first);
	T_RUN(test_outbox_drops_records_last);
	T_RUN(test_outbox_notes_before_records);
	T_RUN(test_outbox_new_telemetry_never_pushes_records);
	T_RUN(test_outbox_bound_across_reopen);
	T_RUN(test_event_takes_queue_item);
	T_RUN(test_migrates_version_1);
	T_RUN(test_seq_numbers_every_record);
	T_RUN(test_seq_across_restart_and_pruning);
	T_RUN(test_seq_failed_record_takes_no_number);
	return T_EXIT();
}
