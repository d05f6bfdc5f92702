/*
 * A damaged state database must not take the station off the air: its
 * schedule is in its configuration and its bulletins are files. When the
 * database cannot be opened or checked (an SD card error in one page, a
 * power cut on a cheap card), store_open moves it aside under a timestamped
 * name (never deleting it), starts a fresh one, and salvages into it what
 * can still be read: the queue, the as-run log and the reports not yet sent,
 * the small values (the mute, the armed district schedule, the alerts).
 * Row by row, so that a damaged page costs the rows on it, not the table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "config/errlist.h"
#include "config/i18n.h"
#include "daemon/core/log.h"
#include "daemon/store/store_int.h"

/* The tables salvaged, with the columns of the current schema. */
static const struct {
	const char	*table;
	const char	*columns;
} store_salvaged[] = {
	{ "queue", "id, path, name, title, sha256, at, created, class, rank, tags" },
	{ "asrun", "seq, play_id, event, at, json" },
	{ "open_play", "seq, play_id" },
	{ "outbox", "seq, topic, payload, kind" },
	{ "kv", "key, value" },
};

/*
 * The columns of list (", "-separated) that table has in old, into out; how
 * many. A database found damaged when a newer loaxad first opens it was never
 * migrated: its rows are salvaged all the same, and the columns added since
 * take their defaults (an item queued before tags existed has none).
 */
static int
store_salvage_columns(sqlite3 *old, const char *table, const char *list, char *out, size_t len)
{
	char col[64], sql[256];
	const char *p = list, *end;
	sqlite3_stmt *st;
	size_t used = 0;
	int n = 0;

	out[0] = '\0';
	while (*p != '\0') {
		end = p + strcspn(p, ",");
		snprintf(col, sizeof(col), "%.*s", (int)(end - p), p);
		snprintf(sql, sizeof(sql), "SELECT %s FROM %s LIMIT 0", col, table);
		st = NULL;
		if (sqlite3_prepare_v2(old, sql, -1, &st, NULL) == SQLITE_OK && used < len) {
			used += (size_t)snprintf(out + used, len - used, "%s%s", n > 0 ? ", " : "", col);
			n++;
		}
		sqlite3_finalize(st);
		p = end + strspn(end, ", ");
	}
	return n;
}

/* Moves path (and its -wal and -shm) to path.damaged-<stamp>; into moved. */
static int
store_move_aside(const char *path, char *moved, size_t len)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char stamp[32], from[PATH_MAX + 8], to[PATH_MAX + 48];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	if (localtime_r(&now, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S",
	    &tm) == 0 || (size_t)snprintf(moved, len, "%s.damaged-%s", path, stamp) >= len)
		return -ENAMETOOLONG;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(from, sizeof(from), "%s%s", path, sfx[i]);
		snprintf(to, sizeof(to), "%s%s", moved, sfx[i]);
		if (rename(from, to) == -1 && errno != ENOENT)
			return -errno;
	}
	return 0;
}

/*
 * Copies the rows of one table from old (the damaged database, its own
 * read-only connection, so that its errors touch no transaction of ours)
 * into db, in rowid order, until the end or the first row that cannot be
 * read. The rows copied; *damaged is set when reading stopped early.
 */
static long
store_salvage_table(sqlite3 *old, sqlite3 *db, const char *table, const char *wanted,
    int *damaged)
{
	char sql[512], columns[256], marks[64] = "?";
	sqlite3_stmt *rd = NULL, *wr = NULL;
	long n = 0;
	int rc, i, ncol;

	ncol = store_salvage_columns(old, table, wanted, columns, sizeof(columns));
	for (i = 1; i < ncol; i++)
		strcat(marks, ",?");
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s ORDER BY rowid", ncol > 0 ? columns :
	    wanted, table);
	rc = sqlite3_prepare_v2(old, sql, -1, &rd, NULL);
	snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO %s (%s) VALUES (%s)", table, columns,
	    marks);
	if (rc == SQLITE_OK && (rc = sqlite3_prepare_v2(db, sql, -1, &wr, NULL)) != SQLITE_OK)
		log_warnx(_("store: salvage: %s: %s"), table, sqlite3_errmsg(db));
	while (rc == SQLITE_OK && (rc = sqlite3_step(rd)) == SQLITE_ROW) {
		for (i = 0; i < ncol; i++)
			sqlite3_bind_value(wr, i + 1, sqlite3_column_value(rd, i));
		rc = sqlite3_step(wr);
		sqlite3_reset(wr);
		n += rc == SQLITE_DONE && sqlite3_changes(db) > 0;
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	*damaged = rc != SQLITE_DONE;
	if (*damaged)
		log_warnx(_("store: salvage: the %s table could not be read to its end: %s"), table,
		    sqlite3_errcode(old) != SQLITE_OK && sqlite3_errcode(old) != SQLITE_ROW ?
		    sqlite3_errmsg(old) : sqlite3_errmsg(db));
	sqlite3_finalize(rd);
	sqlite3_finalize(wr);
	return n;
}

/*
 * The as-run log's numbering goes on from where the damaged database had
 * it: the records on a page that could not be read must not have their
 * numbers given again (the district would take two records for one), and
 * the highest number ever given is in sqlite_sequence, not in the rows.
 * Best effort: when that cannot be read either, the numbers go on from the
 * highest record salvaged.
 */
static void
store_salvage_numbering(sqlite3 *old, sqlite3 *db)
{
	sqlite3_stmt *rd = NULL;
	long long last;
	char sql[256];

	if (sqlite3_prepare_v2(old, "SELECT seq FROM sqlite_sequence WHERE name = 'asrun'", -1,
	    &rd, NULL) != SQLITE_OK || sqlite3_step(rd) != SQLITE_ROW) {
		log_warnx(_("store: salvage: the as-run log's numbering could not be read; it goes "
		    "on from the last record salvaged"));
		sqlite3_finalize(rd);
		return;
	}
	last = sqlite3_column_int64(rd, 0);
	sqlite3_finalize(rd);
	/* sqlite_sequence has no key: update the row the salvage made, or make it. */
	snprintf(sql, sizeof(sql), "UPDATE sqlite_sequence SET seq = max(seq, %lld) WHERE name = "
	    "'asrun'; INSERT INTO sqlite_sequence(name, seq) SELECT 'asrun', %lld WHERE NOT EXISTS "
	    "(SELECT 1 FROM sqlite_sequence WHERE name = 'asrun');", last, last);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		log_warnx(_("store: salvage: cannot keep the as-run log's numbering: %s"),
		    sqlite3_errmsg(db));
}

/* Salvages every table of the database at moved into s's fresh one. */
static void
store_salvage(struct store *s, const char *moved)
{
	struct store_recovery *rv = &s->recovery;
	size_t i, ntab = sizeof(store_salvaged) / sizeof(store_salvaged[0]);
	sqlite3 *old = NULL;
	int damaged;

	if (sqlite3_open_v2(moved, &old, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		log_warnx(_("store: salvage: cannot read %s at all: %s"), moved,
		    old != NULL ? sqlite3_errmsg(old) : _("out of memory"));
		sqlite3_close(old);
		rv->lost_tables = (int)ntab;
		return;
	}
	for (i = 0; i < ntab; i++) {
		sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
		rv->recovered += store_salvage_table(old, s->db, store_salvaged[i].table,
		    store_salvaged[i].columns, &damaged);
		rv->lost_tables += damaged;
		if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			log_warnx(_("store: salvage: cannot keep what was read of %s: %s"),
			    store_salvaged[i].table, sqlite3_errmsg(s->db));
	}
	store_salvage_numbering(old, s->db);
	sqlite3_close(old);
}

int
store_recover(struct store *s, int (*open_fresh)(struct store *, struct errlist *),
    struct errlist *errs)
{
	struct store_recovery *rv = &s->recovery;
	int rc;

	if ((rc = store_move_aside(s->dbpath, rv->moved_to, sizeof(rv->moved_to))) < 0) {
		errlist_add(errs, _("the state database \"%s\" is damaged and cannot be moved "
		    "aside (%s); move it aside by hand and restart loaxad"), s->dbpath,
		    strerror(-rc));
		return -1;
	}
	rv->happened = 1;
	log_warnx(_("store: the state database was damaged; it is kept as %s, and the station "
	    "starts with a fresh one and what could be read from it"), rv->moved_to);
	if (open_fresh(s, errs) < 0)
		return -1;
	store_salvage(s, rv->moved_to);
	log_warnx(_("store: salvaged %ld records from %s; %d of its tables could not be read "
	    "whole"), rv->recovered, rv->moved_to, rv->lost_tables);
	return 0;
}
