/*
 * The station's durable state in one SQLite database (dir/loaxa.db), in WAL
 * mode with synchronous=FULL: every commit is fsynced before it returns, which
 * WAL with NORMAL does not promise across a power cut. Each call is one short
 * transaction on statements prepared once at open. The schema is versioned by
 * PRAGMA user_version; store_migrations[] brings an older database up to date.
 * This file opens the database and keeps the queue and the small values;
 * store_asrun.c keeps proof of play (the as-run log and the outbox).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "config/errlist.h"
#include "config/i18n.h"
#include "daemon/core/log.h"
#include "daemon/store/bulletin_store.h"
#include "daemon/store/store.h"
#include "daemon/store/store_int.h"

/* Long enough to ride out a checkpoint by another reader, short enough for the loop. */
#define STORE_BUSY_MS		500
/* The WAL is truncated to this after a checkpoint, so it cannot grow without bound. */
#define STORE_WAL_LIMIT		"4194304"	/* 4 MiB */

/*
 * Schema migrations: entry i takes the database from version i to i + 1.
 * Append new versions; never edit one that has shipped.
 */
static const char *const store_migrations[] = {
	/* 1: queue, as-run log, open plays, outbox, small values. */
	"CREATE TABLE queue ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  path TEXT NOT NULL, name TEXT NOT NULL, title TEXT,"
	"  sha256 TEXT NOT NULL, at INTEGER NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE asrun ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  play_id TEXT NOT NULL, event TEXT NOT NULL, at INTEGER NOT NULL, json TEXT NOT NULL);"
	"CREATE INDEX asrun_play ON asrun(play_id);"
	/* Kept beside the log so that finding unfinished plays does not scan it. */
	"CREATE TABLE open_play ("
	"  seq INTEGER PRIMARY KEY, play_id TEXT NOT NULL UNIQUE);"
	"CREATE TABLE outbox ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  topic TEXT NOT NULL, payload TEXT NOT NULL);"
	"CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/*
	 * 2: the outbox knows what each message is (enum store_kind), so that a
	 * full outbox drops status telemetry before proof of play; the as-run log
	 * is read and pruned by time.
	 */
	"ALTER TABLE outbox ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX outbox_kind ON outbox(kind, seq);"
	"CREATE INDEX asrun_at ON asrun(at);",
	/* 3: the class of a queued item, and the place the operator moved it to. */
	"ALTER TABLE queue ADD COLUMN class INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE queue ADD COLUMN rank INTEGER NOT NULL DEFAULT 0;",
	/* 4: the tags of a queued item, as JSON text (NULL: none); older items have none. */
	"ALTER TABLE queue ADD COLUMN tags TEXT;",
};
#define STORE_VERSION	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))


static const char *const store_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	/* One statement checks the bound and inserts, so no transaction is needed. */
	[ST_Q_ADD] = "INSERT INTO queue(path, name, title, sha256, at, created, class, rank, tags)"
	    " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM queue) < ?",
	[ST_Q_DEL] = "DELETE FROM queue WHERE id = ?",
	[ST_Q_LIST] = "SELECT id, path, name, title, sha256, at, created, class, rank, tags"
	    " FROM queue ORDER BY id",
	[ST_Q_RANK] = "UPDATE queue SET rank = ? WHERE id = ?",
	[ST_Q_COUNT] = "SELECT count(*) FROM queue",
	/*
	 * The next record's number: one past the highest ever given, which
	 * AUTOINCREMENT keeps in sqlite_sequence even once those rows are pruned
	 * (and which a rolled-back transaction leaves as it was).
	 */
	[ST_ASRUN_NEXT] = "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'asrun'), 0),"
	    " coalesce((SELECT max(seq) FROM asrun), 0)) + 1",
	[ST_ASRUN_ADD] = "INSERT INTO asrun(seq, play_id, event, at, json) VALUES (?, ?, ?, ?, ?)",
	[ST_OPEN_ADD] = "INSERT OR IGNORE INTO open_play(play_id) VALUES (?)",
	[ST_OPEN_DEL] = "DELETE FROM open_play WHERE play_id = ?",
	[ST_OPEN_LIST] = "SELECT play_id FROM open_play ORDER BY seq",
	[ST_OB_ADD] = "INSERT INTO outbox(topic, payload, kind) VALUES (?, ?, ?)",
	[ST_OB_NEXT] = "SELECT seq, topic, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT 1",
	[ST_OB_DEL] = "DELETE FROM outbox WHERE seq = ?",
	[ST_OB_COUNT] = "SELECT count(*) FROM outbox",
	[ST_KV_SET] = "INSERT INTO kv(key, value) VALUES (?, ?)"
	    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[ST_KV_GET] = "SELECT value FROM kv WHERE key = ?",
	[ST_ASRUN_LIST] = "SELECT seq, play_id, event, at, json FROM asrun"
	    " WHERE at >= ? AND seq > ? ORDER BY seq LIMIT ?",
	[ST_ASRUN_NEWEST] = "SELECT coalesce(max(at), 0) FROM asrun",
	/* In batches, so that one pass never holds the loop for long. */
	[ST_ASRUN_PRUNE] = "DELETE FROM asrun WHERE seq IN"
	    " (SELECT seq FROM asrun WHERE at < ? ORDER BY seq LIMIT ?)",
	[ST_OB_EVICT] = "DELETE FROM outbox WHERE seq IN"
	    " (SELECT seq FROM outbox WHERE kind = ? ORDER BY seq LIMIT ?)",
	[ST_OB_DEL_KIND] = "DELETE FROM outbox WHERE kind = ?",
};

static int
store_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

int
store_fail(struct store *s, const char *what, int rc)
{
	log_warnx(_("store: %s in %s: %s"), _(what), s->dbpath, sqlite3_errmsg(s->db));
	return store_code(rc);
}

void
store_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/*
 * Binds parameters by type letters: 't' a string (NULL binds NULL), 'i' an
 * int64_t. The strings must outlive the statement's use, which ends with
 * store_done() before the caller returns.
 */
int
store_bind(struct store *s, sqlite3_stmt *st, const char *types, ...)
{
	va_list ap;
	const char *v;
	int i, rc = SQLITE_OK;

	va_start(ap, types);
	for (i = 0; types[i] != '\0' && rc == SQLITE_OK; i++) {
		if (types[i] == 'i') {
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		} else if ((v = va_arg(ap, const char *)) != NULL) {
			rc = sqlite3_bind_text(st, i + 1, v, -1, SQLITE_STATIC);
		} else {
			rc = sqlite3_bind_null(st, i + 1);
		}
	}
	va_end(ap);
	if (rc == SQLITE_OK)
		return 0;
	rc = store_fail(s, N_("cannot bind a value"), rc);
	store_done(st);
	return rc;
}

int
store_run(struct store *s, int idx, const char *what)
{
	sqlite3_stmt *st = s->st[idx];
	int rc;

	rc = sqlite3_step(st);
	rc = rc == SQLITE_DONE ? 0 : store_fail(s, what, rc);
	store_done(st);
	return rc;
}

void
store_rollback(struct store *s)
{
	/* SQLite rolls back by itself after some errors (SQLITE_FULL among them). */
	if (!sqlite3_get_autocommit(s->db))
		(void)store_run(s, ST_ROLLBACK, N_("cannot roll back"));
}

int
store_commit(struct store *s)
{
	int rc;

	if ((rc = store_run(s, ST_COMMIT, N_("cannot commit"))) < 0)
		store_rollback(s);
	return rc;
}

long
store_count(struct store *s, int idx)
{
	sqlite3_stmt *st = s->st[idx];
	long n;
	int rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	else
		n = store_fail(s, N_("cannot count"), rc);
	store_done(st);
	return n;
}

int
store_col_dup(sqlite3_stmt *st, int col, char **out)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	*out = NULL;
	if (v == NULL)
		return sqlite3_column_type(st, col) == SQLITE_NULL ? 0 : -ENOMEM;
	if ((*out = strdup((const char *)v)) == NULL)
		return -ENOMEM;
	return 0;
}

/* --- Opening, configuring and migrating. --- */

static void
store_open_err(struct store *s, struct errlist *errs, int rc)
{
	const char *dbpath = s->dbpath, *why = s->db != NULL ? sqlite3_errmsg(s->db) :
	    sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		s->damaged = 1;
		errlist_add(errs, _("the state database \"%s\" is damaged (%s)"), dbpath, why);
		break;
	case SQLITE_FULL:
		errlist_add(errs, _("cannot open the state database \"%s\": the disk is full; "
		    "free some space and restart loaxad"), dbpath);
		break;
	default:
		errlist_add(errs, _("cannot open the state database \"%s\": %s; check that its "
		    "directory is writable by the user loaxad runs as and that the disk is not full"),
		    dbpath, why);
	}
}

/* Creates directory path (0750) unless it exists as a directory already. */
static int
store_mkdir(const char *path, struct errlist *errs)
{
	struct stat sb;

	if (mkdir(path, 0750) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	errlist_add(errs, _("cannot create the state directory \"%s\": %s; create it and make "
	    "it writable by the user loaxad runs as"), path, strerror(errno));
	return -1;
}

/* Runs a PRAGMA that returns one text row, into buf. */
static int
store_pragma(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;
	const unsigned char *v;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		v = sqlite3_column_text(st, 0);
		snprintf(buf, len, "%s", v != NULL ? (const char *)v : "");
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
store_configure(struct store *s, struct errlist *errs)
{
	char mode[16];
	int rc;

	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	sqlite3_extended_result_codes(s->db, 1);
	if ((rc = store_pragma(s->db, "PRAGMA journal_mode=WAL", mode, sizeof(mode))) != SQLITE_OK)
		goto fail;
	if (strcmp(mode, "wal") != 0) {
		errlist_add(errs, _("cannot use the state database \"%s\": its file system does "
		    "not support SQLite's WAL mode (journal mode stays \"%s\"); put the state "
		    "directory on a local file system"), s->dbpath, mode);
		return -1;
	}
	rc = sqlite3_exec(s->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;"
	    "PRAGMA journal_size_limit=" STORE_WAL_LIMIT ";", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	if (s->again)
		return 0;	/* checked by the first connection */
	/* Damage inside (a bad page, the header intact) shows only when it is looked for. */
	if ((rc = store_pragma(s->db, "PRAGMA quick_check", mode, sizeof(mode))) != SQLITE_OK)
		goto fail;
	if (strcmp(mode, "ok") != 0) {
		s->damaged = 1;
		errlist_add(errs, _("the state database \"%s\" is damaged (SQLite's quick_check: "
		    "%s)"), s->dbpath, mode);
		return -1;
	}
	return 0;
fail:
	store_open_err(s, errs, rc);
	return -1;
}

/* Takes the schema from version from to from + 1, in one transaction. */
static int
store_migrate_one(sqlite3 *db, int from)
{
	char sql[64];
	int rc;

	if ((rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
		return rc;
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", from + 1);
	if ((rc = sqlite3_exec(db, store_migrations[from], NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_exec(db, sql, NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		goto fail;
	return SQLITE_OK;
fail:
	log_warnx(_("store: cannot bring the schema to version %d: %s"), from + 1, sqlite3_errmsg(db));
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int
store_migrate(struct store *s, struct errlist *errs)
{
	char buf[32];
	int rc, v;

	if ((rc = store_pragma(s->db, "PRAGMA user_version", buf, sizeof(buf))) != SQLITE_OK)
		goto fail;
	v = atoi(buf);
	if (v > STORE_VERSION) {
		errlist_add(errs, _("the state database \"%s\" was written by a newer loaxad "
		    "(schema %d; this one knows up to %d); install the newer loaxad again"),
		    s->dbpath, v, STORE_VERSION);
		return -1;
	}
	for (; v < STORE_VERSION; v++) {
		if ((rc = store_migrate_one(s->db, v)) != SQLITE_OK)
			goto fail;
		log_info(_("store: %s is now at schema version %d"), s->dbpath, v + 1);
	}
	return 0;
fail:
	store_open_err(s, errs, rc);
	return -1;
}

static int
store_prepare_all(struct store *s, struct errlist *errs)
{
	int i, rc;

	for (i = 0; i < ST_COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &s->st[i], NULL);
		if (rc != SQLITE_OK) {
			/* At the current schema version every table is there: one missing is damage. */
			store_open_err(s, errs, rc == SQLITE_ERROR ? SQLITE_CORRUPT : rc);
			return -1;
		}
	}
	return 0;
}

/* Fills in the paths under dir; -1 with a message when one does not fit. */
static int
store_paths(struct store *s, const char *dir, struct errlist *errs)
{
	int a, b;

	a = snprintf(s->dbpath, sizeof(s->dbpath), "%s/loaxa.db", dir);
	b = snprintf(s->bdir, sizeof(s->bdir), "%s/bulletins", dir);
	if (a < 0 || b < 0 || (size_t)a >= sizeof(s->dbpath) || (size_t)b >= sizeof(s->bdir)) {
		errlist_add(errs, _("the state directory name \"%s\" is too long; choose a "
		    "shorter one"), dir);
		return -1;
	}
	return 0;
}

/* Closes the database and its statements, keeping s. */
static void
store_db_close(struct store *s)
{
	int i;

	for (i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
	if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
		log_warnx(_("store: cannot close %s: %s"), s->dbpath, sqlite3_errmsg(s->db));
	s->db = NULL;
}

/* Opens (or creates, or migrates) dir/loaxa.db and prepares the statements. */
static int
store_db_open(struct store *s, struct errlist *errs)
{
	int rc;

	s->damaged = 0;
	rc = sqlite3_open_v2(s->dbpath, &s->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		store_open_err(s, errs, rc);
		return -1;
	}
	if (store_configure(s, errs) < 0 || store_migrate(s, errs) < 0 ||
	    store_prepare_all(s, errs) < 0)
		return -1;
	return 0;
}

/* Opens the database; a damaged one is moved aside, and what can be read is salvaged. */
static int
store_db_open_or_recover(struct store *s, struct errlist *errs)
{
	struct errlist first;
	size_t i;

	errlist_init(&first);
	if (store_db_open(s, &first) == 0) {
		errlist_clear(&first);
		return 0;
	}
	if (!s->damaged) {
		for (i = 0; i < first.n; i++)
			errlist_add(errs, "%s", first.msg[i]);
		errlist_clear(&first);
		return -1;
	}
	log_warnx("store: %s", first.n > 0 ? first.msg[0] : _("the state database is damaged"));
	errlist_clear(&first);
	store_db_close(s);
	return store_recover(s, store_db_open, errs);
}

struct store *
store_open(const char *dir, struct errlist *errs)
{
	struct store *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		errlist_add(errs, _("cannot open the state in \"%s\": out of memory"), dir);
		return NULL;
	}
	s->time_floor = -1;
	if (store_paths(s, dir, errs) < 0 || store_mkdir(dir, errs) < 0 ||
	    store_mkdir(s->bdir, errs) < 0)
		goto fail;
	bulletin_store_cleanup(s->bdir);
	if (store_db_open_or_recover(s, errs) < 0)
		goto fail;
	if ((rc = store_asrun_init(s)) < 0) {
		store_open_err(s, errs, rc == -ENOSPC ? SQLITE_FULL : SQLITE_ERROR);
		goto fail;
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

struct store *
store_open_again(const struct store *first, struct errlist *errs)
{
	struct store *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL) {
		errlist_add(errs, _("cannot open the state database \"%s\": out of memory"),
		    first->dbpath);
		return NULL;
	}
	s->time_floor = -1;
	s->again = 1;
	memcpy(s->dbpath, first->dbpath, sizeof(s->dbpath));
	memcpy(s->bdir, first->bdir, sizeof(s->bdir));
	if (store_db_open(s, errs) < 0)
		goto fail;
	if ((rc = store_asrun_init(s)) < 0) {
		store_open_err(s, errs, rc == -ENOSPC ? SQLITE_FULL : SQLITE_ERROR);
		goto fail;
	}
	s->asrun_days = first->asrun_days;
	s->outbox_max = first->outbox_max;
	memcpy(s->overflow_topic, first->overflow_topic, sizeof(s->overflow_topic));
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	store_db_close(s);
	free(s);
}

const struct store_recovery *
store_recovery(const struct store *s)
{
	return s->recovery.happened ? &s->recovery : NULL;
}

/* --- Bulletin files. --- */

int
store_import_fd(struct store *s, int fd, uint64_t max_bytes, char *path, size_t pathlen,
    char sha256_hex[65])
{
	return bulletin_store_import(s->bdir, fd, max_bytes, path, pathlen, sha256_hex);
}

const char *
store_bulletin_dir(const struct store *s)
{
	return s->bdir;
}

/* --- The operator's queue. --- */

int
store_queue_add(struct store *s, struct queue_item *it)
{
	sqlite3_stmt *st = s->st[ST_Q_ADD];
	int rc;

	if (it->path == NULL || it->name == NULL || strlen(it->sha256) != 64)
		return -EINVAL;
	if (it->created == 0)
		it->created = time(NULL);
	if (it->cls < 0 || it->cls > 2)
		return -EINVAL;
	rc = store_bind(s, st, "ttttiiiiti", it->path, it->name, it->title, it->sha256,
	    (int64_t)it->at, (int64_t)it->created, (int64_t)it->cls, it->rank, it->tags,
	    (int64_t)STORE_QUEUE_MAX);
	if (rc < 0)
		return rc;
	if ((rc = store_run(s, ST_Q_ADD, N_("cannot add to the queue"))) < 0)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return -EDQUOT;
	it->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_queue_set_rank(struct store *s, int64_t id, int64_t rank)
{
	int rc;

	if ((rc = store_bind(s, s->st[ST_Q_RANK], "ii", rank, id)) < 0 ||
	    (rc = store_run(s, ST_Q_RANK, N_("cannot reorder the queue"))) < 0)
		return rc;
	return sqlite3_changes(s->db) == 0 ? -ENOENT : 0;
}

/* One transaction: a new order for the whole class is on disk entirely, or not at all. */
int
store_queue_set_ranks(struct store *s, const int64_t *ids, const int64_t *ranks, size_t n)
{
	size_t i;
	int rc;

	if ((rc = store_run(s, ST_BEGIN, N_("cannot begin a transaction"))) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		/* -ENOENT: the item left the queue meanwhile (played, cancelled); nothing to order. */
		if ((rc = store_queue_set_rank(s, ids[i], ranks[i])) < 0 && rc != -ENOENT) {
			store_rollback(s);
			return rc;
		}
	}
	return store_commit(s);
}

int
store_queue_remove(struct store *s, int64_t id)
{
	int rc;

	if ((rc = store_bind(s, s->st[ST_Q_DEL], "i", id)) < 0 ||
	    (rc = store_run(s, ST_Q_DEL, N_("cannot remove from the queue"))) < 0)
		return rc;
	return sqlite3_changes(s->db) == 0 ? -ENOENT : 0;
}

/* Fills *it from the current row of ST_Q_LIST. 0 or -ENOMEM. */
static int
store_queue_row(sqlite3_stmt *st, struct queue_item *it)
{
	const unsigned char *sha = sqlite3_column_text(st, 4);

	memset(it, 0, sizeof(*it));
	it->id = sqlite3_column_int64(st, 0);
	it->at = (time_t)sqlite3_column_int64(st, 5);
	it->created = (time_t)sqlite3_column_int64(st, 6);
	it->cls = sqlite3_column_int(st, 7);
	it->rank = sqlite3_column_int64(st, 8);
	snprintf(it->sha256, sizeof(it->sha256), "%s", sha != NULL ? (const char *)sha : "");
	if (store_col_dup(st, 1, &it->path) < 0 || store_col_dup(st, 2, &it->name) < 0 ||
	    store_col_dup(st, 3, &it->title) < 0 || store_col_dup(st, 9, &it->tags) < 0 ||
	    it->path == NULL || it->name == NULL)
		return -ENOMEM;
	return 0;
}

int
store_queue_list(struct store *s, struct queue_item **items, size_t *n)
{
	sqlite3_stmt *st = s->st[ST_Q_LIST];
	struct queue_item *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	int rc;

	*items = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		if (store_queue_row(st, &v[cnt++]) < 0)
			goto nomem;
	}
	if (rc != SQLITE_DONE) {
		rc = store_fail(s, N_("cannot read the queue"), rc);
		goto fail;
	}
	store_done(st);
	*items = v;
	*n = cnt;
	return 0;
nomem:
	rc = -ENOMEM;
fail:
	store_done(st);
	store_queue_free(v, cnt);
	return rc;
}

void
store_queue_item_clear(struct queue_item *it)
{
	free(it->path);
	free(it->name);
	free(it->title);
	free(it->tags);
	memset(it, 0, sizeof(*it));
}

void
store_queue_free(struct queue_item *items, size_t n)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; i < n; i++)
		store_queue_item_clear(&items[i]);
	free(items);
}

long
store_queue_count(struct store *s)
{
	return store_count(s, ST_Q_COUNT);
}

/* --- Small values. --- */

int
store_kv_set(struct store *s, const char *key, const char *value)
{
	int rc;

	if (key == NULL || value == NULL)
		return -EINVAL;
	if ((rc = store_bind(s, s->st[ST_KV_SET], "tt", key, value)) < 0)
		return rc;
	rc = store_run(s, ST_KV_SET, N_("cannot store a value"));
	/* The values are the station's state (the mute of its kill switch among them): as vital as proof of play. */
	if (rc == -ENOSPC && store_reserve_release(s) == 0 &&
	    (rc = store_bind(s, s->st[ST_KV_SET], "tt", key, value)) == 0)
		rc = store_run(s, ST_KV_SET, N_("cannot store a value"));
	return rc;
}

int
store_kv_get(struct store *s, const char *key, char *value, size_t len)
{
	sqlite3_stmt *st = s->st[ST_KV_GET];
	const unsigned char *v;
	int rc;

	if (key == NULL || len == 0)
		return -EINVAL;
	value[0] = '\0';
	if ((rc = store_bind(s, st, "t", key)) < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		v = sqlite3_column_text(st, 0);
		if (v == NULL) {
			rc = -ENOMEM;
		} else if ((size_t)sqlite3_column_bytes(st, 0) >= len) {
			rc = -ENOSPC;
		} else {
			memcpy(value, v, (size_t)sqlite3_column_bytes(st, 0) + 1);
			rc = 0;
		}
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = store_fail(s, N_("cannot read a value"), rc);
	}
	store_done(st);
	return rc;
}


/* Read once, then kept in memory: the loop asks for it often. */
time_t
store_time_floor(struct store *s)
{
	char buf[32];
	long long v;

	if (s->time_floor >= 0)
		return s->time_floor;
	s->time_floor = 0;
	if (store_kv_get(s, STORE_FLOOR_KEY, buf, sizeof(buf)) == 0 &&
	    sscanf(buf, "%lld", &v) == 1 && v > 0)
		s->time_floor = (time_t)v;
	return s->time_floor;
}

int
store_time_floor_raise(struct store *s, time_t t)
{
	char buf[32];
	int rc;

	if (!store_time_floor_moves(s, t))
		return 0;
	snprintf(buf, sizeof(buf), "%lld", (long long)t);
	if ((rc = store_kv_set(s, STORE_FLOOR_KEY, buf)) == 0)
		s->time_floor = t;
	return rc;
}

/* An hour's precision is plenty, and costs the SD card a write an hour at most. */
int
store_time_floor_moves(struct store *s, time_t t)
{
	return t > store_time_floor(s) + STORE_FLOOR_STEP;
}
