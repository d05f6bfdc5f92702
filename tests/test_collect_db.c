/*
 * Tests of the collector's database (daemon/collector/collect_db.c,
 * collect_record.c, collect_avail.c) and of what goes into it
 * (collect_batch.c's cbatch_store_one, collect_import.c), on real SQLite in
 * a temporary directory: each record kept once, the gaps in a station's
 * numbers found and filled (in any order, across a reopen, by an import),
 * availability from statuses and Last Wills, and what is not a record kept
 * aside.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "config/errlist.h"
#include "daemon/collector/collect_batch.h"
#include "daemon/collector/collect_db.h"
#include "daemon/collector/collect_import.h"
#include "tests/helpers/tmpstore.h"
#include "tests/t.h"

#define NOW	1795334400	/* 2026-11-22 00:00 UTC */
#define EV	"loaxa/hon-quan/tan-thanh/events"
#define STATUS	"loaxa/hon-quan/tan-thanh/status"

struct world {
	char		 dir[TMPSTORE_DIR_MAX];
	char		 path[TMPSTORE_DIR_MAX + 32];
	struct cdb	*db;
	struct cdb_tally t;
};

static struct cdb *
world_open(struct world *w)
{
	struct errlist errs;

	errlist_init(&errs);
	w->db = cdb_open(w->path, &errs);
	if (w->db == NULL)
		errlist_print(&errs, "test: ", stderr);
	errlist_clear(&errs);
	return w->db;
}

static int
world_new(struct world *w)
{
	memset(w, 0, sizeof(*w));
	if (tmpstore_dir(w->dir, sizeof(w->dir), "coll") < 0)
		return -1;
	/* A directory that is not there yet: the collector makes it. */
	snprintf(w->path, sizeof(w->path), "%s/db/collector.db", w->dir);
	return world_open(w) != NULL ? 0 : -1;
}

static void
world_free(struct world *w)
{
	cdb_close(w->db);
	tmpstore_rmdir(w->dir);
}

/* One message stored in its own transaction, as a batch of one. */
static int
put(struct world *w, const char *topic, const char *payload)
{
	int rc;

	if ((rc = cdb_begin(w->db)) < 0)
		return rc;
	if ((rc = cbatch_store_one(w->db, topic, payload, strlen(payload), NOW, &w->t)) < 0) {
		cdb_rollback(w->db);
		return rc;
	}
	return cdb_commit(w->db);
}

/* Record seq of play-N of tan-thanh: odd numbers start plays, even ones finish them. */
static int
rec(struct world *w, long seq)
{
	char json[512];

	snprintf(json, sizeof(json), "{\"event\":\"%s\",\"play_id\":\"play-%ld\","
	    "\"station\":\"tan-thanh\",\"region\":\"hon-quan\",\"title\":\"Bản tin %ld\","
	    "\"at\":\"2026-11-22T06:%02ld:00+07:00\",\"seconds\":12.5,"
	    "\"tags\":[\"giam-ngheo\"],\"seq\":%ld}", seq % 2 ? "started" : "finished",
	    (seq + 1) / 2, (seq + 1) / 2, seq % 60, seq);
	return put(w, EV, json);
}

/* The gaps of tan-thanh as "first-last" joined by ' ' ("" when none). */
static void
gaps(struct world *w, char *buf, size_t len)
{
	struct cdb_gap g[16];
	size_t n = 0, i, used = 0;

	buf[0] = '\0';
	if (cdb_gaps(w->db, "hon-quan", "tan-thanh", g, 16, &n) < 0)
		snprintf(buf, len, "error");
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%lld-%lld",
		    i ? " " : "", (long long)g[i].first, (long long)g[i].last);
}

/* One number from the database (SELECT ...), read on a connection of its own. */
static long long
sql_num(struct world *w, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_open_v2(w->path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "  sql: %s: %s\n", sql, h != NULL ? sqlite3_errmsg(h) : "?");
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void
test_records_once(void)
{
	struct world w;

	T_ASSERT(world_new(&w) == 0);
	if (w.db == NULL)
		return;
	T_EQ_INT(rec(&w, 1), 0);
	T_EQ_INT(rec(&w, 2), 0);
	T_EQ_INT(rec(&w, 1), 0);	/* sent again after a reconnect */
	T_EQ_INT(w.t.records, 2);
	T_EQ_INT(w.t.duplicates, 1);
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM record"), 2);
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM record WHERE kind = 'play' AND via = 'mqtt'"
	    " AND tags = '[\"giam-ngheo\"]' AND title = 'Bản tin 1' AND seconds = 12.5"
	    " AND seq = 2 AND at = 1795302120 AND json LIKE '%\"seq\":2}'"), 1);
	/* A note by its id; the same id again is the same note. */
	T_EQ_INT(put(&w, EV, "{\"event\":\"muted\",\"id\":\"n1\",\"by\":\"thu\",\"seq\":3}"), 0);
	T_EQ_INT(put(&w, EV, "{\"event\":\"muted\",\"id\":\"n1\",\"by\":\"thu\",\"seq\":3}"), 0);
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM record WHERE kind = 'note' AND ref = 'n1'"), 1);
	T_EQ_INT(sql_num(&w, "SELECT max_seq FROM station WHERE station = 'tan-thanh'"), 3);
	world_free(&w);
}

/* Gaps are found when numbers are skipped, and filled in any order, across a reopen. */
static void
test_gaps_found_and_filled(void)
{
	struct world w;
	char buf[256];

	T_ASSERT(world_new(&w) == 0);
	if (w.db == NULL)
		return;
	T_EQ_INT(rec(&w, 3), 0);	/* the first ever received: 1 and 2 never came */
	gaps(&w, buf, sizeof(buf));
	T_EQ_STR(buf, "1-2");
	T_EQ_INT(rec(&w, 4), 0);
	T_EQ_INT(rec(&w, 9), 0);
	gaps(&w, buf, sizeof(buf));
	T_EQ_STR(buf, "1-2 5-8");
	T_EQ_INT(w.t.gaps, 2);
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM gap WHERE first = 5 AND after_at = 1795302240"
	    " AND before_at = 1795302540"), 1);
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM gap WHERE first = 1 AND after_at IS NULL"), 1);
	cdb_close(w.db);
	T_ASSERT(world_open(&w) != NULL);
	if (w.db == NULL)
		return;
	T_EQ_INT(rec(&w, 6), 0);	/* inside a gap: splits it */
	gaps(&w, buf, sizeof(buf));
	T_EQ_STR(buf, "1-2 5-5 7-8");
	T_EQ_INT(rec(&w, 6), 0);	/* again: changes nothing */
	T_EQ_INT(rec(&w, 5), 0);
	T_EQ_INT(rec(&w, 8), 0);
	T_EQ_INT(rec(&w, 7), 0);
	T_EQ_INT(rec(&w, 1), 0);
	T_EQ_INT(rec(&w, 2), 0);
	gaps(&w, buf, sizeof(buf));
	T_EQ_STR(buf, "");
	T_EQ_INT(w.t.filled, 6);
	T_EQ_INT(rec(&w, 10), 0);	/* the next one after the highest: no gap */
	gaps(&w, buf, sizeof(buf));
	T_EQ_STR(buf, "");
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM record"), 10);
	world_free(&w);
}

/*
 * Availability: online from the status's time; a Last Will (whose own time
 * is when the station connected) counts from the last sign of life; a clean
 * stop from its goodbye; a retained status sent again, or an old one coming
 * late, changes nothing.
 */
static void
test_availability(void)
{
	struct world w;

	T_ASSERT(world_new(&w) == 0);
	if (w.db == NULL)
		return;
	T_EQ_INT(put(&w, STATUS, "{\"online\":true,\"name\":\"Đài Tân Thành\","
	    "\"at\":\"2026-11-22T06:00:00+07:00\"}"), 0);
	T_EQ_INT(put(&w, STATUS, "{\"online\":true,\"at\":\"2026-11-22T06:00:00+07:00\"}"), 0);
	T_EQ_INT(put(&w, STATUS, "{\"online\":true,\"at\":\"2026-11-22T06:01:00+07:00\"}"), 0);
	T_EQ_INT(rec(&w, 1), 0);	/* 06:01:00 */
	T_EQ_INT(put(&w, STATUS, "{\"online\":true,\"at\":\"2026-11-22T06:02:00+07:00\"}"), 0);
	/* Its will, made when it connected at 05:59:58: it vanished after 06:02:00. */
	T_EQ_INT(put(&w, STATUS, "{\"online\":false,\"at\":\"2026-11-22T05:59:58+07:00\"}"), 0);
	T_EQ_INT(put(&w, STATUS, "{\"online\":false,\"at\":\"2026-11-22T05:59:58+07:00\"}"), 0);
	/* A status from before it went, coming late: nothing changes. */
	T_EQ_INT(put(&w, STATUS, "{\"online\":true,\"at\":\"2026-11-22T06:01:30+07:00\"}"), 0);
	T_EQ_INT(put(&w, STATUS, "{\"online\":true,\"at\":\"2026-11-22T07:00:00+07:00\"}"), 0);
	T_EQ_INT(put(&w, STATUS, "{\"online\":false,\"at\":\"2026-11-22T08:00:00+07:00\"}"), 0);
	T_EQ_INT(w.t.transitions, 4);
	T_EQ_INT(sql_num(&w, "SELECT group_concat(online || ':' || (at - 1795302000) || ':' || how,"
	    " ' ') = '1:0:status 0:120:will 1:3600:status 0:7200:stop' FROM"
	    " (SELECT * FROM availability ORDER BY id)"), 1);
	T_EQ_INT(sql_num(&w, "SELECT online = 0 AND since = 1795309200 AND name = 'Đài Tân Thành'"
	    " FROM station"), 1);
	world_free(&w);
}

/* What is neither a record nor a status is kept aside with the reason, not dropped. */
static void
test_refused_kept(void)
{
	struct world w;

	T_ASSERT(world_new(&w) == 0);
	if (w.db == NULL)
		return;
	T_EQ_INT(put(&w, EV, "not json"), 0);
	T_EQ_INT(put(&w, EV, "{\"event\":\"started\"}"), 0);
	T_EQ_INT(put(&w, STATUS, "{\"at\":\"x\"}"), 0);
	T_EQ_INT(put(&w, "loaxa/hon-quan/tan-thanh/other", "{}"), 0);
	T_EQ_INT(put(&w, STATUS, ""), 0);	/* a retained status removed: nothing to keep */
	T_EQ_INT(put(&w, EV, "{\"event\":\"outbox_overflow\",\"dropped_records\":2}"), 0);
	T_EQ_INT(w.t.refused, 4);
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM refused WHERE reason LIKE 'not JSON%'"
	    " AND payload = CAST('not json' AS BLOB)"), 1);
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM record"), 0);
	T_EQ_INT(sql_num(&w, "SELECT overflow LIKE '%\"dropped_records\":2%' FROM station"), 1);
	world_free(&w);
}

/* `loaxactl log --json` of tan-thanh's records first..last; record bad is of another region. */
static void
log_text(char *text, size_t len, long first, long last, long bad)
{
	size_t used = (size_t)snprintf(text, len, "{\"ok\":true,\"records\":[");
	long s;

	for (s = first; s <= last; s++)
		used += (size_t)snprintf(text + used, len - used, "%s{\"event\":\"%s\","
		    "\"play_id\":\"play-%ld\",\"station\":\"tan-thanh\",\"region\":\"%s\","
		    "\"at\":\"2026-11-22T06:%02ld:00+07:00\",\"seq\":%ld}", s > first ? "," : "",
		    s % 2 ? "started" : "finished", (s + 1) / 2, s == bad ? "xa-khac" : "hon-quan",
		    s, s);
	snprintf(text + used, len - used, "],\"truncated\":false,\"keep_days\":90}\n");
}

/*
 * A station's own log fills the gaps, and what the database had is passed
 * over; pages appended one after the other are read in turn. A file with a
 * record of another region stores nothing.
 */
static void
test_import(void)
{
	struct world w;
	char buf[256], file[TMPSTORE_DIR_MAX + 16], text[8192];
	FILE *out = fopen("/dev/null", "w");
	size_t used;

	T_ASSERT(world_new(&w) == 0 && out != NULL);
	if (w.db == NULL || out == NULL)
		return;
	snprintf(file, sizeof(file), "%s/log.json", w.dir);
	T_EQ_INT(rec(&w, 1), 0);
	T_EQ_INT(rec(&w, 4), 0);
	T_EQ_INT(rec(&w, 9), 0);
	gaps(&w, buf, sizeof(buf));
	T_EQ_STR(buf, "2-3 5-8");
	log_text(text, sizeof(text), 1, 9, 5);
	T_EQ_INT(tmpstore_write(w.dir, "log.json", text), 0);
	T_EQ_INT(cimport_file(w.db, "hon-quan", file, out), -1);
	gaps(&w, buf, sizeof(buf));
	T_EQ_STR(buf, "2-3 5-8");
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM record"), 3);
	log_text(text, sizeof(text), 1, 4, 0);
	used = strlen(text);
	log_text(text + used, sizeof(text) - used, 5, 7, 0);
	T_EQ_INT(tmpstore_write(w.dir, "log.json", text), 0);
	T_EQ_INT(cimport_file(w.db, "hon-quan", file, out), 0);
	gaps(&w, buf, sizeof(buf));
	T_EQ_STR(buf, "8-8");
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM record"), 8);
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM record WHERE via = 'import'"), 5);
	/* Imported twice: nothing new. */
	T_EQ_INT(cimport_file(w.db, "hon-quan", file, out), 0);
	T_EQ_INT(sql_num(&w, "SELECT count(*) FROM record"), 8);
	world_free(&w);
	fclose(out);
}

int
main(void)
{
	T_RUN(test_records_once);
	T_RUN(test_gaps_found_and_filled);
	T_RUN(test_availability);
	T_RUN(test_refused_kept);
	T_RUN(test_import);
	return T_EXIT();
}
