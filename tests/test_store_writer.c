/*
 * Tests of the store's writer thread on a real store in a temporary
 * directory: its two lanes (the ordinary one, in the order submitted, and
 * store_writer_call_first's, ahead of it), when done callbacks run, what
 * store_writer_free finishes, and the test helpers that hold the thread back
 * (tests/helpers/writerwait.h) in both lanes.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/errlist.h"
#include "daemon/store/store.h"
#include "daemon/store/store_writer.h"
#include "tests/helpers/tmpstore.h"
#include "tests/helpers/writerwait.h"
#include "tests/t.h"

#define MAX_STEPS	16

/*
 * What ran on the writer's thread, in order. Written there, read on the test's
 * thread only after writer_settle() or store_writer_free(), whose lock and join
 * order the two.
 */
static char g_ran[MAX_STEPS];
static atomic_int g_nran;
/* The done callbacks on the loop (the test's thread), in order, and their rc. */
static char g_told[MAX_STEPS];
static int g_told_rc[MAX_STEPS];
static int g_ntold;

struct world {
	char			 dir[TMPSTORE_DIR_MAX];
	struct store		*store;
	struct store_writer	*writer;
};

static int
world_new(struct world *w)
{
	struct errlist errs;

	memset(w, 0, sizeof(*w));
	g_nran = 0;
	g_ntold = 0;
	if (tmpstore_dir(w->dir, sizeof(w->dir), "writer") < 0 ||
	    (w->store = tmpstore_open(w->dir)) == NULL)
		return -1;
	errlist_init(&errs);
	w->writer = store_writer_new(w->store, &errs);
	errlist_clear(&errs);
	return w->writer != NULL ? 0 : -1;
}

static void
world_free(struct world *w)
{
	store_writer_free(w->writer);
	store_close(w->store);
	tmpstore_rmdir(w->dir);
}

/* On the writer's thread: notes its name (a letter) and returns 0. */
static int
step_work(struct store *db, void *arg)
{
	int i = atomic_fetch_add(&g_nran, 1);

	(void)db;
	if (i < MAX_STEPS)
		g_ran[i] = *(const char *)arg;
	return 0;
}

static void
step_done(void *arg, int rc)
{
	if (g_ntold < MAX_STEPS) {
		g_told[g_ntold] = *(const char *)arg;
		g_told_rc[g_ntold] = rc;
	}
	g_ntold++;
}

static int
ordinary(struct world *w, const char *name)
{
	return store_writer_call(w->writer, step_work, (void *)name, 0, step_done, (void *)name);
}

static int
first(struct world *w, const char *name)
{
	return store_writer_call_first(w->writer, step_work, (void *)name, step_done, (void *)name);
}

/*
 * The first job a new writer ever gets goes into the first lane: before, that
 * lane's tail was set only once an ordinary job had run, and this crashed.
 */
static void
test_first_lane_before_any_other(void)
{
	struct world w;

	T_ASSERT(world_new(&w) == 0);
	if (w.writer == NULL)
		return;
	T_EQ_INT(first(&w, "F"), 0);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);
	T_EQ_INT(g_nran, 1);
	T_EQ_INT(g_ntold, 1);
	T_EQ_INT(g_told_rc[0], 0);
	T_EQ_INT(ordinary(&w, "A"), 0);
	T_EQ_INT(first(&w, "G"), 0);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);
	T_EQ_INT(g_nran, 3);
	world_free(&w);
}

/*
 * Held back (as by a slow disk), the first lane's jobs run ahead of the
 * ordinary ones submitted before them; each lane keeps its own order, and
 * the loop is told in the order they ran.
 */
static void
test_first_lane_goes_ahead(void)
{
	struct world w;
	struct writer_gate g;

	T_ASSERT(world_new(&w) == 0);
	if (w.writer == NULL)
		return;
	T_EQ_INT(ordinary(&w, "a"), 0);
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	T_EQ_INT(g_nran, 1);		/* what came before the gate has run */
	T_EQ_INT(ordinary(&w, "A"), 0);
	T_EQ_INT(ordinary(&w, "B"), 0);
	T_EQ_INT(first(&w, "F"), 0);
	T_EQ_INT(ordinary(&w, "C"), 0);
	T_EQ_INT(first(&w, "G"), 0);
	T_EQ_INT(g_nran, 1);		/* the gate holds both lanes */
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);
	T_EQ_INT(g_nran, 6);
	T_EQ_INT(g_ntold, 6);
	g_ran[6] = g_told[6] = '\0';
	T_EQ_STR(g_ran, "aFGABC");
	T_EQ_STR(g_told, "aFGABC");
	world_free(&w);
}

/*
 * A settle covers the first lane too: a first-lane job submitted while the
 * thread is held is done and told when the settle returns.
 */
static void
test_settle_covers_both_lanes(void)
{
	struct world w;
	struct writer_gate g;

	T_ASSERT(world_new(&w) == 0);
	if (w.writer == NULL)
		return;
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	T_EQ_INT(ordinary(&w, "A"), 0);
	T_EQ_INT(first(&w, "F"), 0);
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);
	T_EQ_INT(g_ntold, 2);
	T_EQ_INT(g_told[0], 'F');
	T_EQ_INT(g_told[1], 'A');
	world_free(&w);
}

/*
 * store_writer_free finishes every job of both lanes, then tells their
 * owners -ECANCELED (the loop is stopping), each once.
 */
static void
test_free_finishes_both_lanes(void)
{
	struct world w;
	struct writer_gate g;

	T_ASSERT(world_new(&w) == 0);
	if (w.writer == NULL)
		return;
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	T_EQ_INT(ordinary(&w, "A"), 0);
	T_EQ_INT(first(&w, "F"), 0);
	T_EQ_INT(ordinary(&w, "B"), 0);
	writer_gate_open(&g);
	store_writer_free(w.writer);
	w.writer = NULL;
	T_EQ_INT(g_nran, 3);
	g_ran[3] = '\0';
	T_EQ_STR(g_ran, "FAB");
	T_EQ_INT(g_ntold, 3);
	T_EQ_INT(g_told_rc[0], -ECANCELED);
	T_EQ_INT(g_told_rc[1], -ECANCELED);
	T_EQ_INT(g_told_rc[2], -ECANCELED);
	world_free(&w);
}

/* The ordinary lane's writes land in the order made, whatever goes ahead of them. */
static void
test_ordinary_writes_keep_their_order(void)
{
	struct world w;
	struct writer_gate g;
	char v[16];

	T_ASSERT(world_new(&w) == 0);
	if (w.writer == NULL)
		return;
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	store_writer_kv_set(w.writer, "k", "1");
	T_EQ_INT(first(&w, "F"), 0);
	store_writer_kv_set(w.writer, "k", "2");
	T_EQ_INT(first(&w, "G"), 0);
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);
	T_EQ_INT(store_kv_get(w.store, "k", v, sizeof(v)), 0);
	T_EQ_STR(v, "2");
	world_free(&w);
}

/* Submits a record of play n through the writer; with hash_path, its JSON lacks the SHA-256. */
static int
writer_record(struct world *w, int n, const char *event, const char *hash_path)
{
	char id[32], json[160];
	struct asrun_rec r = { .event = event, .at = 1767225600 + n };

	snprintf(id, sizeof(id), "play-%d", n);
	snprintf(json, sizeof(json), "{\"event\":\"%s\",\"play_id\":\"%s\",\"sha256\":%s}",
	    event, id, hash_path != NULL ? "null" : "\"ab\"");
	r.play_id = id;
	r.json = json;
	return store_writer_event(w->writer, &r, "loaxa/hon-quan/tan-thanh/events", hash_path,
	    NULL, NULL);
}

/* The numbers of the as-run log in order, as "seq:json-seq" pairs joined by ' '. */
static void
writer_numbers(struct store *s, char *buf, size_t len)
{
	struct asrun_entry *v = NULL;
	size_t n = 0, i, used = 0;
	int more = 0;

	buf[0] = '\0';
	if (store_asrun_list(s, 0, 0, 100, &v, &n, &more) < 0)
		return;
	for (i = 0; i < n; i++) {
		const char *p = strstr(v[i].json, "\"seq\":");

		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%lld:%s",
		    i > 0 ? " " : "", (long long)v[i].seq, p != NULL ? p + 6 : "none");
	}
	store_asrun_free(v, n);
}

/*
 * Records written by the writer's thread are numbered in the order they were
 * made, the SHA-256 filled in on the thread included, and the numbering goes
 * on after the writer and the store are closed and opened again (a restart).
 */
static void
test_records_numbered_across_restart(void)
{
	struct world w;
	struct errlist errs;
	char buf[512], file[TMPSTORE_DIR_MAX + 16];

	T_ASSERT(world_new(&w) == 0);
	if (w.writer == NULL)
		return;
	snprintf(file, sizeof(file), "%s/b.opus", w.dir);
	T_EQ_INT(tmpstore_write(w.dir, "b.opus", "not really opus"), 0);
	T_EQ_INT(writer_record(&w, 1, "started", NULL), 0);
	T_EQ_INT(writer_record(&w, 1, "finished", file), 0);
	T_EQ_INT(writer_record(&w, 2, "started", NULL), 0);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);
	writer_numbers(w.store, buf, sizeof(buf));
	T_EQ_STR(buf, "1:1} 2:2} 3:3}");
	store_writer_free(w.writer);
	store_close(w.store);

	errlist_init(&errs);
	T_ASSERT((w.store = tmpstore_open(w.dir)) != NULL);
	w.writer = w.store != NULL ? store_writer_new(w.store, &errs) : NULL;
	errlist_clear(&errs);
	T_ASSERT(w.writer != NULL);
	if (w.writer == NULL) {
		world_free(&w);
		return;
	}
	T_EQ_INT(writer_record(&w, 2, "interrupted", NULL), 0);
	T_EQ_INT(writer_record(&w, 3, "started", NULL), 0);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);
	writer_numbers(w.store, buf, sizeof(buf));
	T_EQ_STR(buf, "1:1} 2:2} 3:3} 4:4} 5:5}");
	world_free(&w);
}

/* Records older than a day, at n..n+count-1 seconds past 2026-01-01, on the test's connection. */
static int
prune_fill(struct store *s, int n, int count)
{
	char id[32], json[96];
	struct asrun_rec r = { .event = "finished" };
	int i, rc = 0;

	for (i = n; i < n + count && rc == 0; i++) {
		snprintf(id, sizeof(id), "old-%d", i);
		snprintf(json, sizeof(json), "{\"event\":\"finished\",\"play_id\":\"%s\"}", id);
		r.play_id = id;
		r.json = json;
		r.at = 1767225600 + i;
		rc = store_event_add(s, &r, "loaxa/hon-quan/tan-thanh/events");
	}
	return rc;
}

/* Waits up to 5 s for the as-run log to hold n records. */
static long
prune_wait(struct store *s, size_t n)
{
	struct asrun_entry *v = NULL;
	size_t got = 0;
	int more = 0, i;

	for (i = 0; i < 500; i++) {
		if (store_asrun_list(s, 0, 0, 100000, &v, &got, &more) < 0)
			return -1;
		store_asrun_free(v, got);
		if (got == n)
			break;
		usleep(10000);
	}
	return (long)got;
}

/*
 * Pruning is asked for by the loop (store_writer_maintain) and then done on
 * the writer, batch after batch with no more asking; asked again when the
 * clock went back. Otherwise the idle writer sleeps: it has no timer.
 */
static void
test_pruning_asked_by_the_loop(void)
{
	struct store_limits lim = { .asrun_days = 1, .outbox_max = 100000 };
	time_t now = 1767225600 + 10 * 86400;
	struct world w;
	struct errlist errs;

	memset(&w, 0, sizeof(w));
	T_ASSERT(tmpstore_dir(w.dir, sizeof(w.dir), "writer") == 0);
	T_ASSERT((w.store = tmpstore_open(w.dir)) != NULL);
	if (w.store == NULL)
		return;
	store_set_limits(w.store, &lim);
	errlist_init(&errs);
	w.writer = store_writer_new(w.store, &errs);
	errlist_clear(&errs);
	T_ASSERT(w.writer != NULL);
	T_EQ_INT(prune_fill(w.store, 0, STORE_PRUNE_BATCH * 2 + 10), 0);
	T_EQ_INT(prune_fill(w.store, 10 * 86400, 1), 0);	/* today's: stays */
	store_writer_maintain(w.writer, now);
	T_EQ_INT(prune_wait(w.store, 1), 1);
	/* An hour has not passed, but the clock went back: asked again. */
	T_EQ_INT(prune_fill(w.store, 100, 5), 0);
	store_writer_maintain(w.writer, now - 60);
	T_EQ_INT(prune_wait(w.store, 1), 1);
	world_free(&w);
}

int
main(void)
{
	T_RUN(test_first_lane_before_any_other);
	T_RUN(test_first_lane_goes_ahead);
	T_RUN(test_settle_covers_both_lanes);
	T_RUN(test_free_finishes_both_lanes);
	T_RUN(test_ordinary_writes_keep_their_order);
	T_RUN(test_records_numbered_across_restart);
	T_RUN(test_pruning_asked_by_the_loop);
	return T_EXIT();
}
