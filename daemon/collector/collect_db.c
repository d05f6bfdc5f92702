/*
 * The collector's database (collect_db.h): its schema, written down here
 * once, and the connection. SQLite in WAL mode with synchronous=FULL: a
 * commit is on disk when it returns, which is what lets the collector
 * acknowledge to the broker only then (collect_mqtt.c). Readers, such as
 * `loaxactl report`, never wait for the writer, nor it for them.
 *
 * THE SCHEMA (version 2, PRAGMA user_version). Times are Unix seconds (UTC)
 * as INTEGER, NULL when unknown; text is the stations' UTF-8 as they sent it.
 * A region and a station are ids ([a-z0-9-]{1,63}), from the MQTT topic the
 * record came on (the broker's ACL lets a station write only its own), or,
 * for an import, from the record itself.
 *
 * station: one row per station ever heard of.
 *   region, station   the key
 *   name              its name, from its latest status
 *   online            1 online, 0 offline, NULL not known yet
 *   since             when online took its value (see availability.at)
 *   last_heard        the latest "at" of its statuses and records: a time it
 *                     was surely alive (the station's clock)
 *   status, status_at its latest status as sent (JSON), and that status's "at"
 *   max_seq           the highest record number ("seq") received from it; 0: none
 *   max_seq_at        the "at" of that record
 *   overflow          its latest outbox_overflow report (JSON), or NULL: the
 *                     totals of what its outbox dropped since it was installed
 *
 * record: every play event and note a station sent, once each.
 *   id                the row's number (no meaning beyond this database)
 *   region, station
 *   kind              'play' (a play's event: started, finished, failed, missed,
 *                     interrupted, cancelled, silent) or 'note' (muted, stopped,
 *                     schedule_armed, alert_received, store_recovered, ...)
 *   ref               the play's play_id, or the note's id
 *   event             the event word
 *   UNIQUE (region, station, ref, event): a record sent twice (after a
 *                     reconnect, or imported) is kept once
 *   seq               the station's number for it (README: "seq"), +1 per record
 *                     it kept; NULL for records from stations older than that
 *   at                when it happened (the station's clock)
 *   scheduled_at      when it was due (plays)
 *   source            'schedule', 'queue' or 'alert' (plays)
 *   class             'normal', 'priority' or 'emergency' (plays)
 *   title, slot, file, sha256   the bulletin (plays)
 *   relay             the stream a relay or a live broadcast played, without
 *                     credentials (since version 3; NULL for a bulletin)
 *   tags              the bulletin's tags as a JSON array of strings, when the
 *                     record carried "tags" (json_each() reads it)
 *   seconds           seconds played (a finished or interrupted play)
 *   error             the reason of a failed, missed or interrupted play
 *   queue_id, alert_id  a queued item's number; a district alert's id
 *   json              the record exactly as the station sent it: every field,
 *                     including those this schema has no column for
 *   received          when the collector stored it (its own clock)
 *   via               'mqtt', or 'import' (from a station's own log)
 *
 * availability: each station's online/offline changes, oldest first; the
 *   station was in the state of a row from its at to the next row's at.
 *   region, station, online (1 or 0)
 *   at                when it changed: for online, the "at" of the first
 *                     status that said so; for offline, the later of the
 *                     offline status's own "at" and last_heard before it
 *                     (both times the station was alive: a clean stop's
 *                     goodbye, or the last sign of life before a Last Will)
 *   how               'status' (came online), 'stop' (said goodbye), 'will'
 *                     (vanished: the broker published its Last Will)
 *   received          when the collector heard of it
 *
 * gap: numbers missing from a station's records. A record numbered past
 *   max_seq + 1 leaves the numbers between as a gap; a record numbered
 *   inside a gap (sent again later, or imported) takes its number out of it,
 *   splitting it. The first record ever received from a station leaves
 *   1 .. seq - 1 as a gap (after_at NULL) when it is not number 1: that
 *   station's earlier records never reached the collector.
 *   region, station, first, last   the missing numbers, both included
 *   after_at          the "at" of record first - 1 (NULL: unknown)
 *   before_at         the "at" of record last + 1
 *   found             when the collector first saw it missing
 *   A report over a period is complete for a station when no gap's
 *   after_at .. before_at meets the period.
 *
 * refused: what came on a station's topics and was neither a record nor a
 *   status (not JSON, no play_id or id, ...): received, topic, reason, and
 *   the payload (its first 64 KiB), kept rather than dropped unseen.
 *
 * THE ROLLUPS (since version 2), for `loaxactl report`: sums of the play
 * records per local day, kept in the same transaction as the records they
 * sum (collect_record.c), so that a year of a large district is read from
 * a few hundred thousand rows instead of fifteen million. Version 2's
 * migration builds them from the records already there. What a row counts
 * is written once, in the view play_day:
 *
 * play_day (a view): the play records the report counts, with their day.
 *   Only the events finished, interrupted, missed and failed, of every
 *   source and class (alerts included), with an "at".
 *   day               the local day (YYYYMMDD, an INTEGER, in the
 *                     collector's TZ) the play started: at - seconds for a
 *                     finished or interrupted play ("at" is its end), at for
 *                     a missed or failed one
 *   seconds           seconds played: those of a finished or interrupted
 *                     play, 0 for the others
 *
 * day_station: per station and day: finished, interrupted, missed, failed
 *   (how many records of each event), seconds (played).
 *   PRIMARY KEY (region, station, day)
 * bulletin: each bulletin or stream played (finished or interrupted), once.
 *   id                its number in day_bulletin (keeps those rows narrow:
 *                     a year of a large district is millions of them)
 *   region, sha256, relay  the key: a bulletin by its sha256 (relay ''), a
 *                     relay or a live broadcast by its stream (sha256 ''),
 *                     since version 3; before, every play without a sha256
 *                     was one row
 *   title, tags       as the latest of its records said
 * day_bulletin: per bulletin (bulletin.id), station and day, of finished
 *   and interrupted plays: broadcasts (the finished ones), seconds.
 *   PRIMARY KEY (bulletin, station, day)
 * day_tag: per tag (each string of a record's tags, once), station and day,
 *   of finished and interrupted plays: broadcasts (finished), seconds.
 *   PRIMARY KEY (region, tag, station, day)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/errlist.h"
#include "config/i18n.h"
#include "daemon/core/log.h"
#include "daemon/collector/collect_db_int.h"

/* Long enough to wait out `loaxactl report` or an import writing at the same time. */
#define CDB_BUSY_MS		5000
#define CDB_WAL_LIMIT		"67108864"	/* the WAL is truncated to 64 MiB after a checkpoint */

/*
 * The rollups' sums of the play records that match a condition, grouped by
 * their rows' keys: version 2's migration runs them over every record.
 * cdb_record_put() adds each new record as they would, in C and with the
 * CS_ROLL_* statements below (a statement over the view per record tripled
 * the collector's cost per record); tests/test_report_db.c checks that both
 * give the same rollups. They are part of a migration that shipped: a
 * change to what they count is a new migration that builds them again.
 */
#define ROLL_STATION(where)						\
	"INSERT INTO day_station SELECT region, station, day,"		\
	"  sum(event = 'finished'), sum(event = 'interrupted'),"	\
	"  sum(event = 'missed'), sum(event = 'failed'), sum(seconds)"	\
	"  FROM play_day WHERE " where " GROUP BY region, station, day"
/* The title and tags of a bulletin's latest record (max(id) picks the row). */
#define ROLL_BULLETIN_NAME(where)					\
	"INSERT INTO bulletin(region, sha256, title, tags) SELECT region, sha, title, tags"	\
	"  FROM (SELECT region, coalesce(sha256, '') AS sha, title, tags, max(id)"	\
	"    FROM play_day WHERE " where " AND event IN ('finished', 'interrupted')"	\
	"    GROUP BY region, sha) WHERE true"
#define ROLL_BULLETIN(where)						\
	"INSERT INTO day_bulletin SELECT b.id, p.station, p.day,"	\
	"  sum(p.event = 'finished'), sum(p.seconds)"			\
	"  FROM play_day p JOIN bulletin b ON b.region = p.region"	\
	"    AND b.sha256 = coalesce(p.sha256, '')"			\
	"  WHERE " where " AND p.event IN ('finished', 'interrupted')"	\
	"  GROUP BY b.id, p.station, p.day"
/* Each text of a record's tags once (a tag written twice counts once). */
#define ROLL_TAG(where)							\
	"INSERT INTO day_tag SELECT p.region, j.value, p.station, p.day,"	\
	"  sum(p.event = 'finished'), sum(p.seconds)"			\
	"  FROM play_day p, json_each(CASE WHEN json_valid(p.tags) THEN p.tags"	\
	"    ELSE '[]' END) j"						\
	"  WHERE " where " AND p.event IN ('finished', 'interrupted')"	\
	"  AND j.type = 'text' AND NOT EXISTS (SELECT 1 FROM json_each(p.tags) k"	\
	"    WHERE k.value = j.value AND k.key < j.key)"			\
	"  GROUP BY p.region, j.value, p.station, p.day"

/* The view play_day (see above), with the columns of a record's bulletin cols. */
#define PLAY_DAY(cols)							\
	"CREATE VIEW play_day AS SELECT id, region, station, event, " cols ","	\
	"  CASE WHEN event IN ('finished', 'interrupted') THEN coalesce(seconds, 0) ELSE 0 END"	\
	"    AS seconds,"							\
	"  CAST(strftime('%Y%m%d', at - CASE WHEN event IN ('finished', 'interrupted')"	\
	"    THEN CAST(coalesce(seconds, 0) AS INTEGER) ELSE 0 END, 'unixepoch', 'localtime')"	\
	"    AS INTEGER) AS day"						\
	"  FROM record WHERE kind = 'play' AND at IS NOT NULL"		\
	"  AND event IN ('finished', 'interrupted', 'missed', 'failed');"
#define DAY_BULLETIN							\
	"CREATE TABLE day_bulletin ("					\
	"  bulletin INTEGER NOT NULL, station TEXT NOT NULL, day INTEGER NOT NULL,"	\
	"  broadcasts INTEGER NOT NULL, seconds REAL NOT NULL,"		\
	"  PRIMARY KEY (bulletin, station, day)) WITHOUT ROWID;"

/*
 * Version 3's bulletin rollups: keyed by the stream too, so that each relay
 * and each live broadcast is a row of its own. (Version 2's, above, shipped
 * in its migration: they stay as they were, and version 3 builds its own.)
 */
#define ROLL_BULLETIN3_NAME(where)					\
	"INSERT INTO bulletin(region, sha256, relay, title, tags)"	\
	"  SELECT region, sha, rel, title, tags FROM (SELECT region,"	\
	"    coalesce(sha256, '') AS sha, coalesce(relay, '') AS rel, title, tags, max(id)"	\
	"    FROM play_day WHERE " where " AND event IN ('finished', 'interrupted')"	\
	"    GROUP BY region, sha, rel) WHERE true"
#define ROLL_BULLETIN3(where)						\
	"INSERT INTO day_bulletin SELECT b.id, p.station, p.day,"	\
	"  sum(p.event = 'finished'), sum(p.seconds)"			\
	"  FROM play_day p JOIN bulletin b ON b.region = p.region"	\
	"    AND b.sha256 = coalesce(p.sha256, '') AND b.relay = coalesce(p.relay, '')"	\
	"  WHERE " where " AND p.event IN ('finished', 'interrupted')"	\
	"  GROUP BY b.id, p.station, p.day"

/* Entry i takes the database from version i to i + 1. Append; never edit one that shipped. */
static const char *const cdb_migrations[] = {
	"CREATE TABLE station ("
	"  region TEXT NOT NULL, station TEXT NOT NULL, name TEXT,"
	"  online INTEGER, since INTEGER, last_heard INTEGER,"
	"  status TEXT, status_at INTEGER,"
	"  max_seq INTEGER NOT NULL DEFAULT 0, max_seq_at INTEGER,"
	"  overflow TEXT,"
	"  PRIMARY KEY (region, station)) WITHOUT ROWID;"
	"CREATE TABLE record ("
	"  id INTEGER PRIMARY KEY,"
	"  region TEXT NOT NULL, station TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('play', 'note')),"
	"  ref TEXT NOT NULL, event TEXT NOT NULL, seq INTEGER,"
	"  at INTEGER, scheduled_at INTEGER, source TEXT, class TEXT,"
	"  title TEXT, slot TEXT, file TEXT, sha256 TEXT, tags TEXT,"
	"  seconds REAL, error TEXT, queue_id INTEGER, alert_id TEXT,"
	"  json TEXT NOT NULL, received INTEGER NOT NULL,"
	"  via TEXT NOT NULL CHECK (via IN ('mqtt', 'import')),"
	"  UNIQUE (region, station, ref, event));"
	"CREATE INDEX record_at ON record(at);"
	"CREATE INDEX record_station_at ON record(region, station, at);"
	"CREATE INDEX record_station_seq ON record(region, station, seq);"
	"CREATE TABLE availability ("
	"  id INTEGER PRIMARY KEY,"
	"  region TEXT NOT NULL, station TEXT NOT NULL,"
	"  online INTEGER NOT NULL, at INTEGER NOT NULL,"
	"  how TEXT NOT NULL CHECK (how IN ('status', 'stop', 'will')),"
	"  received INTEGER NOT NULL);"
	"CREATE INDEX availability_station ON availability(region, station, at);"
	"CREATE TABLE gap ("
	"  region TEXT NOT NULL, station TEXT NOT NULL,"
	"  first INTEGER NOT NULL, last INTEGER NOT NULL,"
	"  after_at INTEGER, before_at INTEGER, found INTEGER NOT NULL,"
	"  PRIMARY KEY (region, station, first)) WITHOUT ROWID;"
	"CREATE TABLE refused ("
	"  id INTEGER PRIMARY KEY, received INTEGER NOT NULL,"
	"  topic TEXT NOT NULL, reason TEXT NOT NULL, payload BLOB);",

	/* 1 -> 2: the per-day rollups of the report, built from the records there. */
	PLAY_DAY("sha256, title, tags")
	"CREATE TABLE day_station ("
	"  region TEXT NOT NULL, station TEXT NOT NULL, day INTEGER NOT NULL,"
	"  finished INTEGER NOT NULL, interrupted INTEGER NOT NULL,"
	"  missed INTEGER NOT NULL, failed INTEGER NOT NULL, seconds REAL NOT NULL,"
	"  PRIMARY KEY (region, station, day)) WITHOUT ROWID;"
	"CREATE TABLE bulletin ("
	"  id INTEGER PRIMARY KEY, region TEXT NOT NULL, sha256 TEXT NOT NULL,"
	"  title TEXT, tags TEXT, UNIQUE (region, sha256));"
	DAY_BULLETIN
	"CREATE TABLE day_tag ("
	"  region TEXT NOT NULL, tag TEXT NOT NULL, station TEXT NOT NULL,"
	"  day INTEGER NOT NULL, broadcasts INTEGER NOT NULL, seconds REAL NOT NULL,"
	"  PRIMARY KEY (region, tag, station, day)) WITHOUT ROWID;"
	ROLL_STATION("true") ";" ROLL_BULLETIN_NAME("true") ";" ROLL_BULLETIN("true") ";"
	ROLL_TAG("true") ";",

	/*
	 * 2 -> 3: the stream of a relay or a live broadcast (in each record's
	 * json since stations relay), and the bulletin rollups built again with
	 * it in their key.
	 */
	"ALTER TABLE record ADD COLUMN relay TEXT;"
	"UPDATE record SET relay = json_extract(json, '$.relay')"
	"  WHERE kind = 'play' AND sha256 IS NULL AND CASE WHEN json_valid(json)"
	"    THEN json_type(json, '$.relay') = 'text' ELSE 0 END;"
	"DROP VIEW play_day;"
	PLAY_DAY("sha256, relay, title, tags")
	"DROP TABLE day_bulletin;"
	"DROP TABLE bulletin;"
	"CREATE TABLE bulletin ("
	"  id INTEGER PRIMARY KEY, region TEXT NOT NULL, sha256 TEXT NOT NULL,"
	"  relay TEXT NOT NULL, title TEXT, tags TEXT, UNIQUE (region, sha256, relay));"
	DAY_BULLETIN
	ROLL_BULLETIN3_NAME("true") ";" ROLL_BULLETIN3("true") ";",
};
#define CDB_VERSION	((int)(sizeof(cdb_migrations) / sizeof(cdb_migrations[0])))

static const char *const cdb_sql[CS_COUNT] = {
	[CS_BEGIN] = "BEGIN IMMEDIATE",
	[CS_COMMIT] = "COMMIT",
	[CS_ROLLBACK] = "ROLLBACK",
	[CS_ST_ENSURE] = "INSERT OR IGNORE INTO station(region, station) VALUES (?, ?)",
	[CS_ST_GET] = "SELECT coalesce(online, -1), coalesce(since, 0), coalesce(last_heard, 0),"
	    " coalesce(status_at, 0), max_seq, coalesce(max_seq_at, 0)"
	    " FROM station WHERE region = ? AND station = ?",
	[CS_ST_RECORD] = "UPDATE station SET last_heard = max(coalesce(last_heard, 0), ?),"
	    " max_seq = ?, max_seq_at = ? WHERE region = ? AND station = ?",
	[CS_ST_STATUS] = "UPDATE station SET status = ?, status_at = ?, name = coalesce(?, name),"
	    " last_heard = max(coalesce(last_heard, 0), ?) WHERE region = ? AND station = ?",
	[CS_ST_ONLINE] = "UPDATE station SET online = ?, since = ? WHERE region = ? AND station = ?",
	[CS_ST_OVERFLOW] = "UPDATE station SET overflow = ? WHERE region = ? AND station = ?",
	[CS_REC_ADD] = "INSERT OR IGNORE INTO record(region, station, kind, ref, event, seq, at,"
	    " scheduled_at, source, class, title, slot, file, sha256, tags, seconds, error,"
	    " queue_id, alert_id, json, received, via, relay)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[CS_GAP_ADD] = "INSERT OR REPLACE INTO gap(region, station, first, last, after_at,"
	    " before_at, found) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[CS_GAP_FIND] = "SELECT first, last, coalesce(after_at, 0), coalesce(before_at, 0), found"
	    " FROM gap WHERE region = ? AND station = ? AND first <= ? ORDER BY first DESC LIMIT 1",
	[CS_GAP_DEL] = "DELETE FROM gap WHERE region = ? AND station = ? AND first = ?",
	[CS_GAP_LIST] = "SELECT first, last, coalesce(after_at, 0), coalesce(before_at, 0)"
	    " FROM gap WHERE region = ? AND station = ? ORDER BY first LIMIT ?",
	[CS_AV_ADD] = "INSERT INTO availability(region, station, online, at, how, received)"
	    " VALUES (?, ?, ?, ?, ?, ?)",
	[CS_REFUSED_ADD] = "INSERT INTO refused(received, topic, reason, payload) VALUES (?, ?, ?, ?)",
	[CS_ROLL_STATION] = "INSERT INTO day_station VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (region, station, day) DO UPDATE SET"
	    " finished = finished + excluded.finished,"
	    " interrupted = interrupted + excluded.interrupted,"
	    " missed = missed + excluded.missed, failed = failed + excluded.failed,"
	    " seconds = seconds + excluded.seconds",
	[CS_ROLL_BULLETIN_NAME] = "INSERT INTO bulletin(region, sha256, relay, title, tags)"
	    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (region, sha256, relay)"
	    " DO UPDATE SET title = excluded.title, tags = excluded.tags",
	[CS_ROLL_BULLETIN] = "INSERT INTO day_bulletin SELECT id, ?4, ?5, ?6, ?7 FROM bulletin"
	    " WHERE region = ?1 AND sha256 = ?2 AND relay = ?3 ON CONFLICT (bulletin, station, day)"
	    " DO UPDATE SET broadcasts = broadcasts + excluded.broadcasts,"
	    " seconds = seconds + excluded.seconds",
	[CS_ROLL_TAG] = "INSERT INTO day_tag VALUES (?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (region, tag, station, day) DO UPDATE SET"
	    " broadcasts = broadcasts + excluded.broadcasts, seconds = seconds + excluded.seconds",
};

static int
cdb_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_CONSTRAINT:
		return -EINVAL;
	default:
		return -EIO;
	}
}

int
cdb_fail(struct cdb *c, const char *what, int rc)
{
	log_warnx(_("collector: %s in %s: %s"), _(what), c->path, sqlite3_errmsg(c->db));
	return cdb_code(rc);
}

void
cdb_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int
cdb_bind(struct cdb *c, sqlite3_stmt *st, const char *types, ...)
{
	va_list ap;
	const char *v;
	int i, rc = SQLITE_OK;

	va_start(ap, types);
	for (i = 0; types[i] != '\0' && rc == SQLITE_OK; i++) {
		switch (types[i]) {
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_double(st, i + 1, va_arg(ap, double));
			break;
		case 'n':
			rc = sqlite3_bind_null(st, i + 1);
			break;
		default:
			v = va_arg(ap, const char *);
			rc = v != NULL ? sqlite3_bind_text(st, i + 1, v, -1, SQLITE_STATIC) :
			    sqlite3_bind_null(st, i + 1);
		}
	}
	va_end(ap);
	if (rc == SQLITE_OK)
		return 0;
	rc = cdb_fail(c, N_("cannot bind a value"), rc);
	cdb_done(st);
	return rc;
}

int
cdb_run(struct cdb *c, int idx, const char *what)
{
	sqlite3_stmt *st = c->st[idx];
	int rc = sqlite3_step(st);

	rc = rc == SQLITE_DONE ? 0 : cdb_fail(c, what, rc);
	cdb_done(st);
	return rc;
}

int
cdb_begin(struct cdb *c)
{
	return cdb_run(c, CS_BEGIN, N_("cannot begin a transaction"));
}

void
cdb_rollback(struct cdb *c)
{
	/* SQLite rolls back by itself after some errors (SQLITE_FULL among them). */
	if (!sqlite3_get_autocommit(c->db))
		(void)cdb_run(c, CS_ROLLBACK, N_("cannot roll back"));
}

int
cdb_commit(struct cdb *c)
{
	int rc = cdb_run(c, CS_COMMIT, N_("cannot commit"));

	if (rc < 0)
		cdb_rollback(c);
	return rc;
}

int
cdb_station_get(struct cdb *c, const char *region, const char *station, struct cdb_station *out)
{
	sqlite3_stmt *st = c->st[CS_ST_GET];
	int rc;

	if ((rc = cdb_bind(c, c->st[CS_ST_ENSURE], "tt", region, station)) < 0 ||
	    (rc = cdb_run(c, CS_ST_ENSURE, N_("cannot add a station"))) < 0 ||
	    (rc = cdb_bind(c, st, "tt", region, station)) < 0)
		return rc;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		rc = cdb_fail(c, N_("cannot read a station"), rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
		cdb_done(st);
		return rc;
	}
	out->online = sqlite3_column_int(st, 0);
	out->since = (time_t)sqlite3_column_int64(st, 1);
	out->last_heard = (time_t)sqlite3_column_int64(st, 2);
	out->status_at = (time_t)sqlite3_column_int64(st, 3);
	out->max_seq = sqlite3_column_int64(st, 4);
	out->max_seq_at = (time_t)sqlite3_column_int64(st, 5);
	cdb_done(st);
	return 0;
}

int
cdb_refused_put(struct cdb *c, const char *topic, const void *payload, size_t len,
    const char *why, time_t now, struct cdb_tally *t)
{
	sqlite3_stmt *st = c->st[CS_REFUSED_ADD];
	int rc;

	if (len > 65536)
		len = 65536;
	if ((rc = cdb_bind(c, st, "itt", (int64_t)now, topic, why)) < 0)
		return rc;
	if (sqlite3_bind_blob(st, 4, payload, (int)len, SQLITE_TRANSIENT) != SQLITE_OK) {
		cdb_done(st);
		return -ENOMEM;
	}
	if ((rc = cdb_run(c, CS_REFUSED_ADD, N_("cannot keep a refused message"))) < 0)
		return rc;
	t->refused++;
	return 0;
}

int
cdb_gaps(struct cdb *c, const char *region, const char *station, struct cdb_gap *v, size_t max,
    size_t *n)
{
	sqlite3_stmt *st = c->st[CS_GAP_LIST];
	int rc;

	*n = 0;
	if ((rc = cdb_bind(c, st, "tti", region, station, (int64_t)max)) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		v[*n].first = sqlite3_column_int64(st, 0);
		v[*n].last = sqlite3_column_int64(st, 1);
		v[*n].after_at = (time_t)sqlite3_column_int64(st, 2);
		v[*n].before_at = (time_t)sqlite3_column_int64(st, 3);
		++*n;
	}
	rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : cdb_fail(c, N_("cannot read the gaps"), rc);
	cdb_done(st);
	return rc;
}

/* --- Opening. --- */

/* Creates the database's directory (0750) when it is missing. */
static int
cdb_mkdir(const char *path, struct errlist *errs)
{
	char dir[PATH_MAX], *slash;
	struct stat sb;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	if (mkdir(dir, 0750) == 0)
		return 0;
	errlist_add(errs, _("cannot create the directory \"%s\" for the collector's database: %s; "
	    "create it, writable by the user loaxa-collectd runs as"), dir, strerror(errno));
	return -1;
}

static int
cdb_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* One text row of a PRAGMA into buf. */
static int
cdb_pragma(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0) != NULL ?
		    (const char *)sqlite3_column_text(st, 0) : "");
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* WAL, durable commits, then the schema brought up to date. 0, or an SQLite code. */
static int
cdb_setup(struct cdb *c, struct errlist *errs)
{
	char buf[32], sql[64];
	int rc, v;

	sqlite3_busy_timeout(c->db, CDB_BUSY_MS);
	sqlite3_extended_result_codes(c->db, 1);
	if ((rc = cdb_pragma(c->db, "PRAGMA journal_mode=WAL", buf, sizeof(buf))) != SQLITE_OK)
		return rc;
	if (strcmp(buf, "wal") != 0) {
		errlist_add(errs, _("the collector's database \"%s\" cannot use SQLite's WAL mode "
		    "(its file system does not support it); put it on a local file system"), c->path);
		return SQLITE_ERROR;
	}
	if ((rc = cdb_exec(c->db, "PRAGMA synchronous=FULL; PRAGMA journal_size_limit="
	    CDB_WAL_LIMIT ";")) != SQLITE_OK ||
	    (rc = cdb_pragma(c->db, "PRAGMA user_version", buf, sizeof(buf))) != SQLITE_OK)
		return rc;
	if ((v = atoi(buf)) > CDB_VERSION) {
		errlist_add(errs, _("the collector's database \"%s\" was written by a newer "
		    "loaxa-collectd (schema %d; this one knows up to %d)"), c->path, v, CDB_VERSION);
		return SQLITE_ERROR;
	}
	for (; v < CDB_VERSION; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v + 1);
		if ((rc = cdb_exec(c->db, "BEGIN IMMEDIATE")) != SQLITE_OK ||
		    (rc = cdb_exec(c->db, cdb_migrations[v])) != SQLITE_OK ||
		    (rc = cdb_exec(c->db, sql)) != SQLITE_OK ||
		    (rc = cdb_exec(c->db, "COMMIT")) != SQLITE_OK) {
			if (!sqlite3_get_autocommit(c->db))
				cdb_exec(c->db, "ROLLBACK");
			return rc;
		}
	}
	return SQLITE_OK;
}

int
cdb_version(void)
{
	return CDB_VERSION;
}

struct cdb *
cdb_open(const char *path, struct errlist *errs)
{
	struct cdb *c = calloc(1, sizeof(*c));
	int rc, i;

	if (c == NULL) {
		errlist_add(errs, _("cannot open the collector's database: out of memory"));
		return NULL;
	}
	if ((size_t)snprintf(c->path, sizeof(c->path), "%s", path) >= sizeof(c->path) ||
	    cdb_mkdir(path, errs) < 0)
		goto fail;
	rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = cdb_setup(c, errs);
	for (i = 0; i < CS_COUNT && rc == SQLITE_OK; i++)
		rc = sqlite3_prepare_v3(c->db, cdb_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &c->st[i], NULL);
	if (rc != SQLITE_OK) {
		errlist_add(errs, _("cannot open the collector's database \"%s\": %s; check that "
		    "its directory is writable by the user loaxa-collectd runs as"), path,
		    c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		goto fail;
	}
	return c;
fail:
	cdb_close(c);
	return NULL;
}

void
cdb_close(struct cdb *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < CS_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	if (c->db != NULL && sqlite3_close(c->db) != SQLITE_OK)
		log_warnx(_("collector: cannot close %s: %s"), c->path, sqlite3_errmsg(c->db));
	free(c);
}
