/*
 * A station's records in the collector's database, once each, and the gaps
 * in their numbers (see the schema in collect_db.c). Every station numbers
 * the records it keeps 1, 2, 3, ... ("seq", README); a number the collector
 * has not received is a record that did not reach it: a gap, which the
 * record itself fills when it comes later (sent again after a reconnect, or
 * imported from the station's own log). A new play record is added to the
 * report's per-day sums (the rollups) in the same transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/i18n.h"
#include "config/timeparse.h"
#include "daemon/core/log.h"
#include "daemon/collector/collect_db_int.h"

static int64_t
opt_time(time_t t)
{
	return (int64_t)t;
}

/* The record's row; *added is 1 when it is new, 0 when the database had it. */
static int
rec_insert(struct cdb *c, const char *region, const char *station, const struct cmsg_record *r,
    const char *json, enum cdb_via via, time_t now, int *added)
{
	sqlite3_stmt *st = c->st[CS_REC_ADD];
	int rc;

	rc = cdb_bind(c, st, "tttttiiitttttttntittitt", region, station, r->note ? "note" : "play",
	    r->ref, r->event, r->seq, opt_time(r->at), opt_time(r->scheduled_at), r->source,
	    r->cls, r->title, r->slot, r->file, r->sha256, r->tags, r->error, r->queue_id,
	    r->alert_id, json, (int64_t)now, via == CDB_MQTT ? "mqtt" : "import", r->relay);
	if (rc < 0)
		return rc;
	/* 0 means "none" in struct cmsg_record: NULL in the database. */
	if (r->seq == 0)
		sqlite3_bind_null(st, 6);
	if (r->at == 0)
		sqlite3_bind_null(st, 7);
	if (r->scheduled_at == 0)
		sqlite3_bind_null(st, 8);
	if (r->has_seconds)
		sqlite3_bind_double(st, 16, r->seconds);
	if (r->queue_id == 0)
		sqlite3_bind_null(st, 18);
	if ((rc = cdb_run(c, CS_REC_ADD, N_("cannot add a record"))) < 0)
		return rc;
	*added = sqlite3_changes(c->db) > 0;
	return 0;
}

/* The local day (YYYYMMDD, as play_day's) of instant t. */
static int
rec_day(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/*
 * A finished or interrupted play's bulletin (or stream, for a relay or a live
 * broadcast) and each of its tags (each text once).
 */
static int
rec_roll_bulletin(struct cdb *c, const char *region, const char *station,
    const struct cmsg_record *r, int day, int finished, double secs)
{
	const char *sha = r->sha256 != NULL ? r->sha256 : "";
	const char *relay = r->relay != NULL ? r->relay : "";
	json_t *tags = json_object_get(r->obj, "tags"), *v, *w;
	size_t i, j;
	int rc;

	if ((rc = cdb_bind(c, c->st[CS_ROLL_BULLETIN_NAME], "ttttt", region, sha, relay,
	    r->title, r->tags)) < 0 ||
	    (rc = cdb_run(c, CS_ROLL_BULLETIN_NAME, N_("cannot add a bulletin"))) < 0 ||
	    (rc = cdb_bind(c, c->st[CS_ROLL_BULLETIN], "ttttiid", region, sha, relay, station,
	    (int64_t)day, (int64_t)finished, secs)) < 0 ||
	    (rc = cdb_run(c, CS_ROLL_BULLETIN, N_("cannot add to a bulletin's sums"))) < 0)
		return rc;
	json_array_foreach(tags, i, v) {
		if (!json_is_string(v))
			continue;
		for (j = 0; j < i; j++)
			if ((w = json_array_get(tags, j)) != NULL && json_equal(v, w))
				break;
		if (j < i)
			continue;	/* written twice: counted once */
		if ((rc = cdb_bind(c, c->st[CS_ROLL_TAG], "tttiid", region, json_string_value(v),
		    station, (int64_t)day, (int64_t)finished, secs)) < 0 ||
		    (rc = cdb_run(c, CS_ROLL_TAG, N_("cannot add to a tag's sums"))) < 0)
			return rc;
	}
	return 0;
}

/*
 * Adds a new play record to the report's per-day rollups, as the view
 * play_day and the migration's sums in collect_db.c count it.
 */
static int
rec_roll(struct cdb *c, const char *region, const char *station, const struct cmsg_record *r)
{
	int finished = strcmp(r->event, "finished") == 0,
	    interrupted = strcmp(r->event, "interrupted") == 0,
	    missed = strcmp(r->event, "missed") == 0, failed = strcmp(r->event, "failed") == 0;
	double secs = (finished || interrupted) && r->has_seconds ? r->seconds : 0;
	int day, rc;

	if (r->note || r->at == 0 || !(finished || interrupted || missed || failed))
		return 0;
	day = rec_day(r->at - (time_t)(int64_t)secs);
	if ((rc = cdb_bind(c, c->st[CS_ROLL_STATION], "ttiiiiid", region, station, (int64_t)day,
	    (int64_t)finished, (int64_t)interrupted, (int64_t)missed, (int64_t)failed, secs)) < 0 ||
	    (rc = cdb_run(c, CS_ROLL_STATION, N_("cannot add to a station's sums"))) < 0)
		return rc;
	if (finished || interrupted)
		return rec_roll_bulletin(c, region, station, r, day, finished, secs);
	return 0;
}

static int
gap_add(struct cdb *c, const char *region, const char *station, int64_t first, int64_t last,
    time_t after_at, time_t before_at, time_t found)
{
	int rc;

	if (first > last)
		return 0;
	if ((rc = cdb_bind(c, c->st[CS_GAP_ADD], "ttiiiii", region, station, first, last,
	    (int64_t)after_at, (int64_t)before_at, (int64_t)found)) < 0)
		return rc;
	if (after_at == 0)
		sqlite3_bind_null(c->st[CS_GAP_ADD], 5);
	if (before_at == 0)
		sqlite3_bind_null(c->st[CS_GAP_ADD], 6);
	return cdb_run(c, CS_GAP_ADD, N_("cannot record a gap"));
}

/* Says a new gap once, with what fills it. */
static void
gap_log(const char *station, int64_t first, int64_t last, time_t after_at, time_t before_at)
{
	char a[TIMEPARSE_ISO_MAX], b[TIMEPARSE_ISO_MAX] = "?";
	const char *from = _("its first record received");

	if (after_at > 0) {
		timeparse_format_iso(after_at, a, sizeof(a));
		from = a;
	}
	if (before_at > 0)
		timeparse_format_iso(before_at, b, sizeof(b));
	if (first == last)
		log_warnx(_("collector: %s: record %lld has not arrived (between %s and %s); it may "
		    "still come, or import the station's log (loaxactl log --json) with "
		    "loaxa-collectd --import"), station, (long long)first, from, b);
	else
		log_warnx(_("collector: %s: records %lld to %lld have not arrived (between %s and "
		    "%s); they may still come, or import the station's log (loaxactl log --json) "
		    "with loaxa-collectd --import"), station, (long long)first, (long long)last, from, b);
}

/*
 * Record r, new, arrived for a station whose highest number so far was
 * s->max_seq: a number past the next leaves a gap; one below may fill one.
 */
static int
gap_update(struct cdb *c, const char *region, const char *station, const struct cdb_station *s,
    const struct cmsg_record *r, time_t now, struct cdb_tally *t)
{
	sqlite3_stmt *st = c->st[CS_GAP_FIND];
	int64_t first, last, seq = r->seq;
	time_t at = r->at;
	time_t after_at, before_at, found;
	int rc;

	if (seq > s->max_seq) {
		if (seq == s->max_seq + 1)
			return 0;
		after_at = s->max_seq > 0 ? s->max_seq_at : 0;
		t->gaps++;
		gap_log(station, s->max_seq + 1, seq - 1, after_at, at);
		return gap_add(c, region, station, s->max_seq + 1, seq - 1, after_at, at, now);
	}
	if ((rc = cdb_bind(c, st, "tti", region, station, seq)) < 0)
		return rc;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW || sqlite3_column_int64(st, 1) < seq) {
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : cdb_fail(c, N_("cannot read a gap"), rc);
		cdb_done(st);
		/* A new record under a number already taken: the station's numbering restarted. */
		if (rc == 0)
			log_warnx(_("collector: %s: a new record (%s of %s) came with number %lld, "
			    "which an earlier record has; was the station's database replaced?"),
			    station, r->event, r->ref, (long long)seq);
		return rc;
	}
	first = sqlite3_column_int64(st, 0);
	last = sqlite3_column_int64(st, 1);
	after_at = (time_t)sqlite3_column_int64(st, 2);
	before_at = (time_t)sqlite3_column_int64(st, 3);
	found = (time_t)sqlite3_column_int64(st, 4);
	cdb_done(st);
	t->filled++;
	if ((rc = cdb_bind(c, c->st[CS_GAP_DEL], "tti", region, station, first)) < 0 ||
	    (rc = cdb_run(c, CS_GAP_DEL, N_("cannot fill a gap"))) < 0 ||
	    (rc = gap_add(c, region, station, first, seq - 1, after_at, at, found)) < 0)
		return rc;
	return gap_add(c, region, station, seq + 1, last, at, before_at, found);
}

int
cdb_record_put(struct cdb *c, const char *region, const char *station,
    const struct cmsg_record *r, const char *json, enum cdb_via via, time_t now,
    struct cdb_tally *t)
{
	struct cdb_station s;
	int64_t max_seq;
	time_t max_at;
	int rc, added = 0;

	if ((rc = cdb_station_get(c, region, station, &s)) < 0 ||
	    (rc = rec_insert(c, region, station, r, json, via, now, &added)) < 0)
		return rc;
	if (!added) {
		t->duplicates++;
		return 0;
	}
	t->records++;
	if ((rc = rec_roll(c, region, station, r)) < 0)
		return rc;
	if (r->seq > 0 && (rc = gap_update(c, region, station, &s, r, now, t)) < 0)
		return rc;
	max_seq = r->seq > s.max_seq ? r->seq : s.max_seq;
	max_at = r->seq > s.max_seq ? r->at : s.max_seq_at;
	if ((rc = cdb_bind(c, c->st[CS_ST_RECORD], "iiitt", opt_time(r->at), max_seq,
	    opt_time(max_at), region, station)) < 0)
		return rc;
	return cdb_run(c, CS_ST_RECORD, N_("cannot update a station"));
}

int
cdb_overflow_put(struct cdb *c, const char *region, const char *station, const char *json)
{
	struct cdb_station s;
	int rc;

	if ((rc = cdb_station_get(c, region, station, &s)) < 0 ||
	    (rc = cdb_bind(c, c->st[CS_ST_OVERFLOW], "ttt", json, region, station)) < 0)
		return rc;
	return cdb_run(c, CS_ST_OVERFLOW, N_("cannot keep an overflow report"));
}
