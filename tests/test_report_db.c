/*
 * Tests of the programme report's numbers (daemon/collector/collect_report.c
 * over the rollups collect_record.c keeps, and version 2's migration that
 * builds them) and of its tables for people (daemon/loaxactl/report_out.c),
 * on real SQLite in a temporary directory. Records go in as the collector
 * stores them (cbatch_store_one); days are Asia/Ho_Chi_Minh's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "config/errlist.h"
#include "daemon/collector/collect_batch.h"
#include "daemon/collector/collect_db.h"
#include "daemon/collector/collect_report.h"
#include "daemon/loaxactl/report_out.h"
#include "tests/helpers/tmpstore.h"
#include "tests/t.h"

#define NOW		1795334400	/* 2026-11-22 00:00 UTC */
#define D22		1795280400	/* 2026-11-22 00:00 +07:00 */
#define HOUR		3600
#define SHA_A		"aaaa"
#define SHA_B		"bbbb"
#define SHA_C		"cccc"

struct world {
	char		 dir[TMPSTORE_DIR_MAX];
	char		 path[TMPSTORE_DIR_MAX + 32];
	struct cdb	*db;
	struct cdb_tally t;
};

static int
world_open(struct world *w)
{
	struct errlist errs;

	errlist_init(&errs);
	if ((w->db = cdb_open(w->path, &errs)) == NULL)
		errlist_print(&errs, "test: ", stderr);
	errlist_clear(&errs);
	return w->db != NULL ? 0 : -1;
}

static int
world_new(struct world *w)
{
	memset(w, 0, sizeof(*w));
	if (tmpstore_dir(w->dir, sizeof(w->dir), "rep") < 0)
		return -1;
	snprintf(w->path, sizeof(w->path), "%s/collector.db", w->dir);
	return world_open(w);
}

static void
world_free(struct world *w)
{
	cdb_close(w->db);
	tmpstore_rmdir(w->dir);
}

static int
put(struct world *w, const char *station, const char *leaf, const char *payload)
{
	char topic[128];
	int rc;

	snprintf(topic, sizeof(topic), "loaxa/hon-quan/%s/%s", station, leaf);
	if ((rc = cdb_begin(w->db)) < 0)
		return rc;
	if ((rc = cbatch_store_one(w->db, topic, payload, strlen(payload), NOW, &w->t)) < 0) {
		cdb_rollback(w->db);
		return rc;
	}
	return cdb_commit(w->db);
}

/* A play's event at "2026-11-DD hh:mm:ss" (+07:00); tags is a JSON array or NULL. */
static int
play(struct world *w, const char *station, long seq, const char *id, const char *event,
    const char *at, double seconds, const char *sha, const char *tags)
{
	char json[1024];

	snprintf(json, sizeof(json), "{\"event\":\"%s\",\"play_id\":\"%s\",\"source\":\"schedule\","
	    "\"class\":\"normal\",\"title\":\"Bản tin %s\",\"sha256\":\"%s\",\"at\":\"%.10sT%s+07:00\","
	    "\"seconds\":%.1f,\"seq\":%ld%s%s}", event, id, sha, sha, at, at + 11, seconds, seq,
	    tags != NULL ? ",\"tags\":" : "", tags != NULL ? tags : "");
	return put(w, station, "events", json);
}

/* A relay's (or a live broadcast's) end at "2026-11-DD hh:mm:ss": a stream, no bulletin. */
static int
relay(struct world *w, const char *station, long seq, const char *id, const char *event,
    const char *at, double seconds, const char *title, const char *url)
{
	char json[1024];

	snprintf(json, sizeof(json), "{\"event\":\"%s\",\"play_id\":\"%s\",\"source\":\"schedule\","
	    "\"class\":\"normal\",\"title\":\"%s\",\"file\":\"%s\",\"sha256\":null,"
	    "\"relay\":\"%s\",\"at\":\"%.10sT%s+07:00\",\"seconds\":%.1f,\"seq\":%ld,"
	    "\"fallback_seconds\":12.5,\"interruptions\":1}", event, id, title, url, url, at,
	    at + 11, seconds, seq);
	return put(w, station, "events", json);
}

static int
status(struct world *w, const char *station, int online, const char *at)
{
	char json[256];

	snprintf(json, sizeof(json), "{\"online\":%s,\"at\":\"%.10sT%s+07:00\"}",
	    online ? "true" : "false", at, at + 11);
	return put(w, station, "status", json);
}

/*
 * Two days of two stations. tan-thanh: on the 22nd a finished play of A
 * (tags giam-ngheo, du-an-6; sent twice), a missed, a failed, an
 * interrupted play of B (1 minute); on the 23rd a finished B and a play of
 * C that starts at 23:59 and finishes on the 24th; record 4 never came.
 * xa-mot: A on the 22nd (its tags say giam-ngheo twice); online from the
 * 22nd 00:00 to 12:00 and from the 23rd on.
 */
static int
fill(struct world *w)
{
	const char *tags_a = "[\"giam-ngheo\",\"du-an-6\"]", *tags_b = "[\"giam-ngheo\"]";
	int rc = 0;

	rc |= status(w, "xa-mot", 1, "2026-11-22 00:00:00");
	rc |= play(w, "tan-thanh", 1, "p1", "started", "2026-11-22 06:00:00", 0, SHA_A, tags_a);
	rc |= play(w, "tan-thanh", 2, "p1", "finished", "2026-11-22 06:04:12", 252, SHA_A, tags_a);
	rc |= play(w, "tan-thanh", 2, "p1", "finished", "2026-11-22 06:04:12", 252, SHA_A, tags_a);
	rc |= play(w, "tan-thanh", 3, "p2", "missed", "2026-11-22 07:00:00", 0, SHA_A, tags_a);
	rc |= play(w, "tan-thanh", 5, "p3", "failed", "2026-11-22 08:00:00", 0, SHA_B, tags_b);
	rc |= play(w, "tan-thanh", 6, "p4", "interrupted", "2026-11-22 09:01:00", 60, SHA_B, tags_b);
	rc |= play(w, "tan-thanh", 7, "p5", "finished", "2026-11-23 06:02:00", 120, SHA_B, tags_b);
	rc |= play(w, "tan-thanh", 8, "p6", "finished", "2026-11-24 00:01:00", 120, SHA_C, NULL);
	rc |= play(w, "xa-mot", 1, "q1", "finished", "2026-11-22 06:04:12", 252, SHA_A,
	    "[\"giam-ngheo\",\"giam-ngheo\"]");
	rc |= status(w, "xa-mot", 0, "2026-11-22 12:00:00");
	rc |= status(w, "xa-mot", 1, "2026-11-23 00:00:00");
	return rc;
}

/*
 * The relays of the same two days: the provincial station's programme at
 * tan-thanh (finished, 30 minutes) and at xa-mot (interrupted after 20), and
 * the district's live broadcast at tan-thanh (5 minutes).
 */
#define KENH1		"http://radio.tinh.example:8000/kenh1"
#define LIVE		"https://stream.huyen.example:8443/live-20261122-090000-aaaa.opus"
static int
fill_relays(struct world *w)
{
	int rc = 0;

	rc |= relay(w, "tan-thanh", 9, "r1", "finished", "2026-11-22 06:00:00", 1800,
	    "Tiếp sóng Đài tỉnh", KENH1);
	rc |= relay(w, "xa-mot", 2, "r2", "interrupted", "2026-11-22 05:50:00", 1200,
	    "Tiếp sóng Đài tỉnh", KENH1);
	rc |= relay(w, "tan-thanh", 10, "r3", "finished", "2026-11-22 09:05:00", 300,
	    "Trực tiếp từ huyện", LIVE);
	return rc;
}

static struct crep *
open_report(struct world *w)
{
	struct crep *r = NULL;
	char why[256];
	int version, rc = crep_open(w->path, &r, &version, why, sizeof(why));

	T_EQ_INT(rc, 0);
	T_EQ_INT(version, cdb_version());
	return r;
}

static struct crep_period
period(int from, int to, int days)
{
	struct crep_period p = { from, to, D22 + (from - 20261122) * 24 * HOUR,
	    D22 + (from - 20261122 + days) * 24 * HOUR };

	return p;
}

static void
test_by_station(void)
{
	struct crep_period two = period(20261122, 20261123, 2), day24 = period(20261124, 20261124, 1);
	struct crep_station *v = NULL;
	struct world w;
	struct crep *r;
	size_t n = 0;

	T_ASSERT(world_new(&w) == 0 && fill(&w) == 0);
	if ((r = open_report(&w)) == NULL)
		goto out;
	T_EQ_INT(crep_stations(r, "hon-quan", &two, two.end, &v, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_STR(v[0].station, "tan-thanh");
		T_EQ_INT(v[0].finished, 3);	/* p1 once, p5, and p6 that started on the 23rd */
		T_EQ_INT(v[0].interrupted, 1);
		T_EQ_INT(v[0].missed, 1);
		T_EQ_INT(v[0].failed, 1);
		T_EQ_INT(v[0].seconds * 10, (252 + 60 + 120 + 120) * 10);
		T_EQ_INT(v[0].days, 2);
		T_EQ_INT(v[0].missing, 1);	/* record 4, between 07:00 and 08:00 on the 22nd */
		T_EQ_INT(v[0].online_s, 0);	/* never said it was online */
		T_EQ_INT(v[0].span_s, 48 * HOUR);
		T_EQ_STR(v[1].station, "xa-mot");
		T_EQ_INT(v[1].finished, 1);
		T_EQ_INT(v[1].online_s, 36 * HOUR);	/* 12 h of the 22nd, the whole 23rd */
		T_EQ_INT(v[1].missing, 0);
	}
	crep_stations_free(v, n);
	/* Half way through the 23rd: the period so far. */
	T_EQ_INT(crep_stations(r, "hon-quan", &two, two.start + 36 * HOUR, &v, &n), 0);
	if (n == 2) {
		T_EQ_INT(v[1].span_s, 36 * HOUR);
		T_EQ_INT(v[1].online_s, 24 * HOUR);
	}
	crep_stations_free(v, n);
	/* The 24th: p6 started the day before; the gap lies before it. */
	T_EQ_INT(crep_stations(r, "hon-quan", &day24, day24.end, &v, &n), 0);
	if (n == 2) {
		T_EQ_INT(v[0].finished + v[0].missed + v[0].seconds + v[0].days, 0);
		T_EQ_INT(v[0].missing, 0);
		T_EQ_INT(v[1].online_s, 24 * HOUR);
	}
	crep_stations_free(v, n);
	/* Another region has nothing. */
	T_EQ_INT(crep_stations(r, "xa-khac", &two, two.end, &v, &n), 0);
	T_EQ_INT(n, 0);
	crep_stations_free(v, n);
	crep_close(r);
out:
	world_free(&w);
}

static void
test_by_bulletin_and_tag(void)
{
	struct crep_period two = period(20261122, 20261123, 2);
	struct crep_bulletin *b = NULL;
	struct crep_tag *t = NULL;
	struct world w;
	struct crep *r;
	size_t n = 0;

	T_ASSERT(world_new(&w) == 0 && fill(&w) == 0);
	if ((r = open_report(&w)) == NULL)
		goto out;
	T_EQ_INT(crep_bulletins(r, "hon-quan", &two, &b, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_STR(b[0].sha256, SHA_A);
		T_EQ_STR(b[0].title, "Bản tin " SHA_A);
		T_EQ_STR(b[0].tags, "[\"giam-ngheo\",\"giam-ngheo\"]");	/* the latest record, xa-mot's */
		T_EQ_INT(b[0].stations, 2);
		T_EQ_INT(b[0].broadcasts, 2);
		T_EQ_INT(b[0].seconds, 504);
		T_EQ_STR(b[1].sha256, SHA_B);	/* p5 finished, p4 interrupted */
		T_EQ_INT(b[1].broadcasts, 1);
		T_EQ_INT(b[1].seconds, 180);
		T_EQ_STR(b[2].sha256, SHA_C);
		T_ASSERT(b[2].tags == NULL);
	}
	crep_bulletins_free(b, n);
	T_EQ_INT(crep_tags(r, "hon-quan", &two, &t, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_STR(t[0].tag, "du-an-6");
		T_EQ_STR(t[0].station, "tan-thanh");
		T_EQ_INT(t[0].broadcasts, 1);
		T_EQ_STR(t[1].tag, "giam-ngheo");
		T_EQ_STR(t[1].station, "tan-thanh");
		T_EQ_INT(t[1].broadcasts, 2);		/* p1, p5; p4 was interrupted */
		T_EQ_INT(t[1].seconds, 252 + 60 + 120);
		T_EQ_STR(t[2].station, "xa-mot");
		T_EQ_INT(t[2].broadcasts, 1);		/* its tag written twice counts once */
		T_EQ_INT(t[2].seconds, 252);
	}
	crep_tags_free(t, n);
	crep_close(r);
out:
	world_free(&w);
}

/* Each relay and each live broadcast is a row of its own, by its stream, beside the bulletins. */
static void
test_relays_by_stream(void)
{
	struct crep_period two = period(20261122, 20261123, 2);
	struct crep_bulletin *b = NULL;
	struct world w;
	struct crep *r;
	size_t n = 0;

	T_ASSERT(world_new(&w) == 0 && fill(&w) == 0 && fill_relays(&w) == 0);
	if ((r = open_report(&w)) == NULL)
		goto out;
	T_EQ_INT(crep_bulletins(r, "hon-quan", &two, &b, &n), 0);
	T_EQ_INT(n, 5);
	if (n == 5) {
		T_EQ_STR(b[0].relay, KENH1);		/* most minutes first */
		T_EQ_STR(b[0].sha256, "");
		T_EQ_STR(b[0].title, "Tiếp sóng Đài tỉnh");
		T_EQ_INT(b[0].stations, 2);
		T_EQ_INT(b[0].broadcasts, 1);		/* xa-mot's was interrupted */
		T_EQ_INT(b[0].seconds, 3000);
		T_EQ_STR(b[1].sha256, SHA_A);
		T_EQ_STR(b[1].relay, "");
		T_EQ_STR(b[2].relay, LIVE);
		T_EQ_STR(b[2].title, "Trực tiếp từ huyện");
		T_EQ_INT(b[2].stations, 1);
		T_EQ_INT(b[2].seconds, 300);
	}
	crep_bulletins_free(b, n);
	crep_close(r);
out:
	world_free(&w);
}

/* Every rollup row, as text, read on a connection of its own. */
static void
rollups(struct world *w, char *buf, size_t len)
{
	static const char sql[] =
	    "SELECT (SELECT group_concat(x, ';') FROM (SELECT region || station || day || ':' ||"
	    " finished || interrupted || missed || failed || ':' || seconds AS x FROM day_station"
	    " ORDER BY 1)) || '|' || (SELECT group_concat(x, ';') FROM (SELECT sha256 || relay || station ||"
	    " day || title || coalesce(tags, '') || broadcasts || ':' || seconds AS x FROM"
	    " day_bulletin JOIN bulletin ON bulletin.id = bulletin ORDER BY 1)) || '|' || (SELECT group_concat(x, ';') FROM (SELECT tag ||"
	    " station || day || broadcasts || ':' || seconds AS x FROM day_tag ORDER BY 1))";
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;

	snprintf(buf, len, "error");
	if (sqlite3_open_v2(w->path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static int
sql_exec(struct world *w, const char *sql)
{
	sqlite3 *h = NULL;
	int rc = sqlite3_open(w->path, &h);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

/*
 * A database of version 1 (no rollups, no relay column) gets the same
 * rollups from its records, the relays' streams read from their json.
 */
static void
test_migration_builds_rollups(void)
{
	struct world w;
	struct crep *r = NULL;
	char live[4096], built[4096], why[128];
	int version;

	T_ASSERT(world_new(&w) == 0 && fill(&w) == 0 && fill_relays(&w) == 0);
	rollups(&w, live, sizeof(live));
	T_CONTAINS(live, "hon-quantan-thanh20261122:3111:2412");
	T_CONTAINS(live, KENH1 "xa-mot20261122Tiếp sóng Đài tỉnh0:1200");
	T_CONTAINS(live, "giam-ngheoxa-mot202611221:252");
	cdb_close(w.db);
	w.db = NULL;
	T_EQ_INT(sql_exec(&w, "DROP VIEW play_day; DROP TABLE day_station; DROP TABLE day_bulletin;"
	    " DROP TABLE bulletin; DROP TABLE day_tag; ALTER TABLE record DROP COLUMN relay;"
	    " PRAGMA user_version = 1;"), SQLITE_OK);
	/* The report does not migrate: it asks for the collector to run. */
	T_EQ_INT(crep_open(w.path, &r, &version, why, sizeof(why)), -ESTALE);
	T_EQ_INT(version, 1);
	T_ASSERT(world_open(&w) == 0);
	rollups(&w, built, sizeof(built));
	T_EQ_STR(built, live);
	T_EQ_INT(sql_exec(&w, "PRAGMA user_version = 99"), SQLITE_OK);
	T_EQ_INT(crep_open(w.path, &r, &version, why, sizeof(why)), -EPROTO);
	T_EQ_INT(version, 99);
	world_free(&w);
	T_EQ_INT(crep_open(w.path, &r, &version, why, sizeof(why)), -ENOENT);
}

/* The CSV for Excel: BOM, Vietnamese headers and decimals, quoting, the totals. */
static void
test_csv(void)
{
	static const enum report_word cols[] = { RW_STATION, RW_NAME, RW_MINUTES, RW_FROM };
	const char *row[] = { "tan-thanh", "Đài \"Tân Thành\", xã", "312,5", "22/11/2026" };
	const char *tot[] = { "Tổng cộng", NULL, "312,5", NULL };
	struct report_table *t = report_table_new(1, cols, 4);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	T_ASSERT(t != NULL && fp != NULL);
	if (t == NULL || fp == NULL)
		return;
	T_EQ_INT(report_table_row(t, row), 0);
	report_table_totals(t);
	T_EQ_INT(report_table_row(t, tot), 0);
	T_EQ_INT(report_table_csv(t, fp), 0);
	fclose(fp);
	/* The words come from the catalogue, which a unit test does not bind: English. */
	T_EQ_STR(buf, "\xEF\xBB\xBFStation,Name,Minutes aired,From\r\n"
	    "tan-thanh,\"Đài \"\"Tân Thành\"\", xã\",\"312,5\",22/11/2026\r\n"
	    "Tổng cộng,,\"312,5\",\r\n");
	free(buf);
	report_table_free(t);
}

static void
test_words_and_language(void)
{
	char buf[32];

	setenv("LANG", "vi_VN.UTF-8", 1);
	unsetenv("LANGUAGE");
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	T_EQ_INT(report_vi(), 1);
	setenv("LC_ALL", "C.UTF-8", 1);		/* LC_ALL comes before LANG */
	T_EQ_INT(report_vi(), 0);
	setenv("LANGUAGE", "vi", 1);		/* and LANGUAGE before both */
	T_EQ_INT(report_vi(), 1);
	setenv("LANGUAGE", "", 1);		/* empty: as if not set */
	T_EQ_INT(report_vi(), 0);
	T_EQ_STR(report_word(RW_BROADCASTS), "Broadcasts");
	T_EQ_STR(report_word(RW_AVAILABILITY), "Availability (%)");
	report_day(20261122, 1, buf, sizeof(buf));
	T_EQ_STR(buf, "22/11/2026");
	report_day(20260105, 0, buf, sizeof(buf));
	T_EQ_STR(buf, "2026-01-05");
	report_dec(312.46, 1, buf, sizeof(buf));
	T_EQ_STR(buf, "312,5");
	report_dec(312.46, 0, buf, sizeof(buf));
	T_EQ_STR(buf, "312.5");
}

int
main(void)
{
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	T_RUN(test_by_station);
	T_RUN(test_by_bulletin_and_tag);
	T_RUN(test_relays_by_stream);
	T_RUN(test_migration_builds_rollups);
	T_RUN(test_csv);
	T_RUN(test_words_and_language);
	return T_EXIT();
}
