/*
 * The programme report's queries (collect_report.h): the rollups, the
 * availability history and the gaps of the collector's database, read on a
 * read-only connection of the report's own. Each report is one read
 * transaction, so its figures are of one instant even while the collector
 * writes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "daemon/collector/collect_db.h"
#include "daemon/collector/collect_report.h"

/* The collector may be checkpointing or migrating: wait that long for it. */
#define CREP_BUSY_MS	10000

struct crep {
	sqlite3	*db;
	char	 err[256];
};

static const char sql_stations[] =
	"SELECT s.station, s.name, coalesce(sum(d.finished), 0), coalesce(sum(d.interrupted), 0),"
	" coalesce(sum(d.missed), 0), coalesce(sum(d.failed), 0), coalesce(sum(d.seconds), 0),"
	" count(CASE WHEN d.finished > 0 THEN 1 END)"
	" FROM station s LEFT JOIN day_station d ON d.region = s.region"
	" AND d.station = s.station AND d.day BETWEEN ?2 AND ?3"
	" WHERE s.region = ?1 GROUP BY s.station ORDER BY s.station";
/* The changes up to the period's end; the station was offline (not known online) before the first. */
static const char sql_avail[] =
	"SELECT online, at FROM availability WHERE region = ?1 AND station = ?2 AND at < ?3"
	" ORDER BY at, id";
/* A gap's records lie between after_at and before_at: those that may be in [start, end). */
static const char sql_missing[] =
	"SELECT coalesce(sum(last - first + 1), 0) FROM gap WHERE region = ?1 AND station = ?2"
	" AND coalesce(after_at, -1) < ?4 AND coalesce(before_at, ?4) >= ?3";
/*
 * The bulletins, then their day rows over the period in key order (bulletin,
 * station, day), summed here: a year of a large district is millions of
 * rows, and a GROUP BY with count(DISTINCT station) in SQLite took several
 * times as long as this one pass (tests/bench/report_speed.sh).
 */
static const char sql_bulletin_names[] =
	"SELECT id, sha256, relay, title, tags FROM bulletin WHERE region = ?1 AND ?2 <= ?3"
	" ORDER BY id";
static const char sql_bulletin_days[] =
	"SELECT bulletin, station, broadcasts, seconds FROM day_bulletin"
	" WHERE day BETWEEN ?2 AND ?3 AND ?1 IS NOT NULL ORDER BY bulletin, station, day";
static const char sql_tags[] =
	"SELECT tag, station, sum(broadcasts), sum(seconds) FROM day_tag"
	" WHERE region = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY tag, station ORDER BY tag, station";

static void	crep_bulletins_free_one(struct crep_bulletin *);

static int
crep_fail(struct crep *r, int rc)
{
	snprintf(r->err, sizeof(r->err), "%s", r->db != NULL ? sqlite3_errmsg(r->db) :
	    sqlite3_errstr(rc));
	return -EIO;
}

const char *
crep_error(const struct crep *r)
{
	return r->err;
}

static int
crep_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int
crep_open(const char *path, struct crep **out, int *version, char *why, size_t whylen)
{
	struct crep *r;
	struct stat sb;
	int rc;

	*out = NULL;
	*version = 0;
	if (stat(path, &sb) == -1)
		return -errno;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(r->db, CREP_BUSY_MS);
		rc = crep_version(r->db, version);
	}
	if (rc != SQLITE_OK) {
		snprintf(why, whylen, "%s", r->db != NULL ? sqlite3_errmsg(r->db) : sqlite3_errstr(rc));
		crep_close(r);
		return -EIO;
	}
	if (*version != cdb_version()) {
		crep_close(r);
		return *version > cdb_version() ? -EPROTO : -ESTALE;
	}
	*out = r;
	return 0;
}

void
crep_close(struct crep *r)
{
	if (r == NULL)
		return;
	sqlite3_close(r->db);
	free(r);
}

/* A statement with the region and the period bound as ?1, ?2 (from day), ?3 (to day). */
static int
crep_prepare(struct crep *r, const char *sql, const char *region, const struct crep_period *p,
    sqlite3_stmt **st)
{
	int rc;

	if ((rc = sqlite3_prepare_v2(r->db, sql, -1, st, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_bind_text(*st, 1, region, -1, SQLITE_STATIC)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(*st, 2, p->from_day)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(*st, 3, p->to_day)) != SQLITE_OK) {
		rc = crep_fail(r, rc);
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return rc;
}

static int
crep_exec(struct crep *r, const char *sql)
{
	int rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : crep_fail(r, rc);
}

/* Makes room for one more element of size sz in *v (n used, *cap allocated). */
static int
crep_grow(void **v, size_t n, size_t *cap, size_t sz)
{
	void *nv;

	if (n < *cap)
		return 0;
	if ((nv = reallocarray(*v, *cap ? *cap * 2 : 64, sz)) == NULL)
		return -ENOMEM;
	*v = nv;
	*cap = *cap ? *cap * 2 : 64;
	return 0;
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? strdup((const char *)s) : NULL;
}

static void
col_id(sqlite3_stmt *st, int i, char out[CMSG_ID_MAX])
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(out, CMSG_ID_MAX, "%s", s != NULL ? (const char *)s : "");
}

/* Seconds the station was online in [start, stop), from its changes (st is sql_avail). */
static int
station_online(struct crep *r, sqlite3_stmt *st, const char *region, const char *station,
    time_t start, time_t stop, double *online)
{
	time_t from = start, at;
	int rc, up = 0;

	*online = 0;
	sqlite3_bind_text(st, 1, region, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, station, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)stop);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		at = (time_t)sqlite3_column_int64(st, 1);
		if (at > from) {
			if (up)
				*online += (double)(at - from);
			from = at;
		}
		up = sqlite3_column_int(st, 0);
	}
	if (up && stop > from)
		*online += (double)(stop - from);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : crep_fail(r, rc);
}

static int
station_missing(struct crep *r, sqlite3_stmt *st, const char *region, const char *station,
    const struct crep_period *p, long *missing)
{
	int rc;

	sqlite3_bind_text(st, 1, region, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, station, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)p->start);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)p->end);
	rc = sqlite3_step(st);
	*missing = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : crep_fail(r, rc);
}

/* Availability and completeness of each station already read. */
static int
stations_more(struct crep *r, const char *region, const struct crep_period *p, time_t now,
    struct crep_station *v, size_t n)
{
	sqlite3_stmt *av = NULL, *gap = NULL;
	time_t stop = now < p->end ? now : p->end;
	size_t i;
	int rc = 0;

	if ((rc = sqlite3_prepare_v2(r->db, sql_avail, -1, &av, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(r->db, sql_missing, -1, &gap, NULL)) != SQLITE_OK)
		rc = crep_fail(r, rc);
	for (i = 0; i < n && rc == 0; i++) {
		v[i].span_s = stop > p->start ? (double)(stop - p->start) : 0;
		if ((rc = station_online(r, av, region, v[i].station, p->start, stop,
		    &v[i].online_s)) == 0)
			rc = station_missing(r, gap, region, v[i].station, p, &v[i].missing);
	}
	sqlite3_finalize(av);
	sqlite3_finalize(gap);
	return rc;
}

static void
station_fill(sqlite3_stmt *st, void *elem)
{
	struct crep_station *s = elem;

	col_id(st, 0, s->station);
	s->name = col_dup(st, 1);
	s->finished = (long)sqlite3_column_int64(st, 2);
	s->interrupted = (long)sqlite3_column_int64(st, 3);
	s->missed = (long)sqlite3_column_int64(st, 4);
	s->failed = (long)sqlite3_column_int64(st, 5);
	s->seconds = sqlite3_column_double(st, 6);
	s->days = sqlite3_column_int(st, 7);
}

static void
bulletin_fill(sqlite3_stmt *st, void *elem)
{
	struct crep_bulletin *b = elem;

	b->id = sqlite3_column_int64(st, 0);
	b->sha256 = col_dup(st, 1);
	b->relay = col_dup(st, 2);
	b->title = col_dup(st, 3);
	b->tags = col_dup(st, 4);
}

static void
tag_fill(sqlite3_stmt *st, void *elem)
{
	struct crep_tag *t = elem;

	t->tag = col_dup(st, 0);
	col_id(st, 1, t->station);
	t->broadcasts = (long)sqlite3_column_int64(st, 2);
	t->seconds = sqlite3_column_double(st, 3);
}

/*
 * The rows of sql (region and period bound) into a new array of *n
 * elements of size sz, each zeroed, then filled by fill. 0, -ENOMEM, or
 * -EIO; on failure the caller frees what *out holds.
 */
static int
crep_rows(struct crep *r, const char *sql, const char *region, const struct crep_period *p,
    size_t sz, void (*fill)(sqlite3_stmt *, void *), void **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	char *elem;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = crep_prepare(r, sql, region, p, &st)) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (crep_grow(out, *n, &cap, sz) < 0) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		elem = (char *)*out + sz * (*n)++;
		memset(elem, 0, sz);
		fill(st, elem);
	}
	rc = rc == SQLITE_DONE ? 0 : crep_fail(r, rc);
	sqlite3_finalize(st);
	return rc;
}

int
crep_stations(struct crep *r, const char *region, const struct crep_period *p, time_t now,
    struct crep_station **out, size_t *n)
{
	int rc;

	if ((rc = crep_exec(r, "BEGIN")) < 0)
		return rc;
	if ((rc = crep_rows(r, sql_stations, region, p, sizeof(**out), station_fill,
	    (void **)out, n)) == 0)
		rc = stations_more(r, region, p, now, *out, *n);
	(void)crep_exec(r, "COMMIT");
	if (rc < 0) {
		crep_stations_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void
crep_stations_free(struct crep_station *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* The bulletin numbered id in v (sorted by id), or NULL: another region's. */
static struct crep_bulletin *
bulletin_find(struct crep_bulletin *v, size_t n, int64_t id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid].id == id)
			return &v[mid];
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Adds the period's day rows to the bulletins v; a station counts once per bulletin. */
static int
bulletin_sums(struct crep *r, const char *region, const struct crep_period *p,
    struct crep_bulletin *v, size_t n)
{
	struct crep_bulletin *b = NULL;
	sqlite3_stmt *st = NULL;
	char last[CMSG_ID_MAX] = "";
	const char *station;
	int64_t id, last_id = 0;
	int rc;

	if ((rc = crep_prepare(r, sql_bulletin_days, region, p, &st)) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((id = sqlite3_column_int64(st, 0)) != last_id) {
			b = bulletin_find(v, n, id);
			last_id = id;
			last[0] = '\0';
		}
		if (b == NULL)
			continue;
		station = (const char *)sqlite3_column_text(st, 1);
		if (station != NULL && strcmp(station, last) != 0) {
			b->stations++;
			snprintf(last, sizeof(last), "%s", station);
		}
		b->broadcasts += (long)sqlite3_column_int64(st, 2);
		b->seconds += sqlite3_column_double(st, 3);
	}
	rc = rc == SQLITE_DONE ? 0 : crep_fail(r, rc);
	sqlite3_finalize(st);
	return rc;
}

/* Most minutes first, then by title. */
static int
bulletin_cmp(const void *a, const void *b)
{
	const struct crep_bulletin *x = a, *y = b;

	if (x->seconds != y->seconds)
		return x->seconds < y->seconds ? 1 : -1;
	return strcmp(x->title != NULL ? x->title : "", y->title != NULL ? y->title : "");
}

int
crep_bulletins(struct crep *r, const char *region, const struct crep_period *p,
    struct crep_bulletin **out, size_t *n)
{
	size_t i, kept = 0;
	int rc;

	if ((rc = crep_exec(r, "BEGIN")) < 0)
		return rc;
	if ((rc = crep_rows(r, sql_bulletin_names, region, p, sizeof(**out), bulletin_fill,
	    (void **)out, n)) == 0)
		rc = bulletin_sums(r, region, p, *out, *n);
	(void)crep_exec(r, "COMMIT");
	if (rc < 0) {
		crep_bulletins_free(*out, *n);
		*out = NULL;
		*n = 0;
		return rc;
	}
	/* Those not played in the period go. */
	for (i = 0; i < *n; i++) {
		if ((*out)[i].stations > 0)
			(*out)[kept++] = (*out)[i];
		else
			crep_bulletins_free_one(&(*out)[i]);
	}
	*n = kept;
	qsort(*out, *n, sizeof(**out), bulletin_cmp);
	return 0;
}

static void
crep_bulletins_free_one(struct crep_bulletin *b)
{
	free(b->sha256);
	free(b->relay);
	free(b->title);
	free(b->tags);
}

void
crep_bulletins_free(struct crep_bulletin *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		crep_bulletins_free_one(&v[i]);
	free(v);
}

int
crep_tags(struct crep *r, const char *region, const struct crep_period *p,
    struct crep_tag **out, size_t *n)
{
	int rc = crep_rows(r, sql_tags, region, p, sizeof(**out), tag_fill, (void **)out, n);

	if (rc < 0) {
		crep_tags_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void
crep_tags_free(struct crep_tag *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].tag);
	free(v);
}
