/*
 * Proof of play in the store: the as-run log (what aired, kept for
 * asrun_days), the plays still open, and the bounded outbox of reports the
 * broker has not acknowledged. A record and its outbox copy are written in
 * one transaction, with the record's number ("seq" in its JSON); so is the
 * eviction that makes room for them, so a power cut leaves the outbox either
 * before or after a message, never over its bound, and never two records
 * with one number or a number skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/timeparse.h"
#include "daemon/core/log.h"
#include "daemon/store/store.h"
#include "daemon/store/store_int.h"

#define KV_DROPPED_TELEMETRY	"outbox.dropped_telemetry"
#define KV_DROPPED_RECORDS	"outbox.dropped_records"
#define KV_DROPPED_NOTES	"outbox.dropped_notes"
#define OVERFLOW_TOPIC_DEFAULT	"loaxa/overflow"
/*
 * Space kept back in the state directory. When the disk fills up, a record
 * that cannot be committed releases it and is tried again, so that what the
 * station plays is still recorded (and a queue item it started leaves the
 * queue instead of playing again); store_maintain makes it again.
 */
#define STORE_RESERVE_BYTES	(512 * 1024)

/* The records that close a play. */
/* The events that end a started play ("cancelled": an alert stopped by the district). */
static const char *const store_end_events[] = {
	"finished", "failed", "interrupted", "missed", "cancelled",
};

/* Makes dir/reserve unless it is there; quietly gives up when there is no room. */
static void
store_reserve_make(struct store *s)
{
	char tmp[PATH_MAX + 8];
	struct stat sb;
	int fd, rc;

	if (stat(s->reserve, &sb) == 0 && sb.st_size >= STORE_RESERVE_BYTES)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", s->reserve);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1)
		return;
	rc = posix_fallocate(fd, 0, STORE_RESERVE_BYTES);
	if (rc == 0 && fsync(fd) == 0 && close(fd) == 0 && rename(tmp, s->reserve) == 0)
		return;
	if (rc != 0)
		close(fd);
	unlink(tmp);
	log_debug("store: no room to keep %d KiB in reserve in %s", STORE_RESERVE_BYTES / 1024,
	    s->reserve);
}

int
store_reserve_release(struct store *s)
{
	if (unlink(s->reserve) == -1)
		return -1;
	log_warnx(_("store: the disk is full; the %d KiB kept in reserve now hold the as-run "
	    "records and the station's state; free space in the state directory soon"),
	    STORE_RESERVE_BYTES / 1024);
	return 0;
}

int
store_asrun_init(struct store *s)
{
	long n = store_count(s, ST_OB_COUNT);
	char *slash;

	if (n < 0)
		return (int)n;
	snprintf(s->reserve, sizeof(s->reserve), "%s", s->dbpath);
	if ((slash = strrchr(s->reserve, '/')) != NULL &&
	    (size_t)(slash - s->reserve) + sizeof("/reserve") <= sizeof(s->reserve))
		memcpy(slash, "/reserve", sizeof("/reserve"));
	store_reserve_make(s);
	s->outbox_count = n;
	s->asrun_days = CONF_ASRUN_DAYS_DEFAULT;
	s->outbox_max = CONF_OUTBOX_MAX_DEFAULT;
	snprintf(s->overflow_topic, sizeof(s->overflow_topic), "%s", OVERFLOW_TOPIC_DEFAULT);
	return 0;
}

void
store_set_limits(struct store *s, const struct store_limits *l)
{
	if (l->asrun_days >= 1 && l->asrun_days <= 3650)
		s->asrun_days = l->asrun_days;
	if (l->outbox_max >= 10)
		s->outbox_max = l->outbox_max;
	if (l->overflow_topic != NULL && l->overflow_topic[0] != '\0' &&
	    (size_t)snprintf(s->overflow_topic, sizeof(s->overflow_topic), "%s",
	    l->overflow_topic) >= sizeof(s->overflow_topic)) {
		log_warnx(_("store: the overflow topic is too long; using %s"), OVERFLOW_TOPIC_DEFAULT);
		snprintf(s->overflow_topic, sizeof(s->overflow_topic), "%s", OVERFLOW_TOPIC_DEFAULT);
	}
	s->maint_last = 0;	/* a shorter retention applies at the next pass */
}

/* --- The outbox's bound. --- */

/* A counter in kv, or 0 when unset or unreadable. */
static long long
store_kv_counter(struct store *s, const char *key)
{
	char buf[32];

	if (store_kv_get(s, key, buf, sizeof(buf)) < 0)
		return 0;
	return strtoll(buf, NULL, 10);
}

static int
store_kv_counter_add(struct store *s, const char *key, long long add, long long *total)
{
	char buf[32];

	*total = store_kv_counter(s, key) + add;
	snprintf(buf, sizeof(buf), "%lld", *total);
	return store_kv_set(s, key, buf);
}

/* Deletes up to n of the oldest messages of kind; the number deleted or a negative errno. */
static long
store_evict(struct store *s, int kind, long n)
{
	int rc;

	if (n <= 0)
		return 0;
	if ((rc = store_bind(s, s->st[ST_OB_EVICT], "ii", (int64_t)kind, (int64_t)n)) < 0 ||
	    (rc = store_run(s, ST_OB_EVICT, N_("cannot make room in the outbox"))) < 0)
		return rc;
	return (long)sqlite3_changes(s->db);
}

/* Adds the overflow report with the new totals (the old one was deleted). */
static int
store_overflow_report(struct store *s, long tel, long notes, long rec)
{
	long long ttot, ntot, rtot;
	char at[40], *payload;
	json_t *o;
	int rc;

	if ((rc = store_kv_counter_add(s, KV_DROPPED_TELEMETRY, tel, &ttot)) < 0 ||
	    (rc = store_kv_counter_add(s, KV_DROPPED_NOTES, notes, &ntot)) < 0 ||
	    (rc = store_kv_counter_add(s, KV_DROPPED_RECORDS, rec, &rtot)) < 0)
		return rc;
	if (timeparse_format_iso(time(NULL), at, sizeof(at)) < 0)
		at[0] = '\0';
	o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s}", "event", "outbox_overflow",
	    "dropped_telemetry", (json_int_t)ttot, "dropped_notes", (json_int_t)ntot,
	    "dropped_records", (json_int_t)rtot, "outbox_max", (json_int_t)s->outbox_max, "at", at);
	payload = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (payload == NULL)
		return -ENOMEM;
	rc = store_bind(s, s->st[ST_OB_ADD], "tti", s->overflow_topic, payload,
	    (int64_t)STORE_KIND_OVERFLOW);
	if (rc == 0)
		rc = store_run(s, ST_OB_ADD, N_("cannot add the overflow report"));
	free(payload);
	if (rc == 0)
		log_warnx(_("store: the outbox is full (%ld messages): dropped %ld status, %ld note "
		    "and %ld as-run messages not yet sent (%lld, %lld and %lld in all)"),
		    s->outbox_max, tel, notes, rec, ttot, ntot, rtot);
	return rc;
}

/*
 * Inside a transaction, when a message of kind does not fit: drops the unsent
 * overflow report, then the oldest telemetry, then the oldest notes, then
 * the oldest records, until the new message and a new report fit; a new
 * telemetry message or note is dropped itself before anything of a higher
 * kind is. Adds the report. *delta is the change in rows so far. 0 or a
 * negative errno.
 */
static int
store_make_room(struct store *s, int kind, long *delta, int *drop_new)
{
	long removed, need, left, tel, notes = 0, rec = 0;
	int rc;

	*drop_new = 0;
	if ((rc = store_bind(s, s->st[ST_OB_DEL_KIND], "i", (int64_t)STORE_KIND_OVERFLOW)) < 0 ||
	    (rc = store_run(s, ST_OB_DEL_KIND, N_("cannot replace the overflow report"))) < 0)
		return rc;
	removed = (long)sqlite3_changes(s->db);
	need = s->outbox_count - removed + 2 - s->outbox_max;
	if ((tel = store_evict(s, STORE_KIND_TELEMETRY, need)) < 0)
		return (int)tel;
	left = need - tel;
	if (left > 0 && kind == STORE_KIND_TELEMETRY) {
		*drop_new = 1;
		left--;
	}
	if (left > 0 && (notes = store_evict(s, STORE_KIND_NOTE, left)) < 0)
		return (int)notes;
	left -= notes;
	if (left > 0 && kind == STORE_KIND_NOTE) {
		*drop_new = 1;
		left--;
	}
	if (left > 0 && (rec = store_evict(s, STORE_KIND_RECORD, left)) < 0)
		return (int)rec;
	if ((rc = store_overflow_report(s, tel + (*drop_new && kind == STORE_KIND_TELEMETRY),
	    notes + (*drop_new && kind == STORE_KIND_NOTE), rec)) < 0)
		return rc;
	*delta = 1 - removed - tel - notes - rec;
	return 0;
}

/* Inside a transaction: adds one outbox message, with room made for it; *delta: the change in rows. */
static int
store_outbox_put(struct store *s, const char *topic, const char *payload, int kind, long *delta)
{
	int rc, drop_new = 0;

	*delta = 0;
	if (s->outbox_count + 1 > s->outbox_max &&
	    (rc = store_make_room(s, kind, delta, &drop_new)) < 0)
		return rc;
	if (drop_new)
		return 0;
	if ((rc = store_bind(s, s->st[ST_OB_ADD], "tti", topic, payload, (int64_t)kind)) < 0 ||
	    (rc = store_run(s, ST_OB_ADD, N_("cannot add to the outbox"))) < 0)
		return rc;
	++*delta;
	return 0;
}

/*
 * Commits, and keeps the row count in step: on success it moves by delta; on
 * failure it is read again, since SQLite may have rolled back on its own.
 */
static int
store_commit_outbox(struct store *s, long delta)
{
	long n;
	int rc = store_commit(s);

	if (rc == 0) {
		s->outbox_count += delta;
		return 0;
	}
	if ((n = store_count(s, ST_OB_COUNT)) >= 0)
		s->outbox_count = n;
	return rc;
}

static void
store_abort_outbox(struct store *s)
{
	long n;

	store_rollback(s);
	if ((n = store_count(s, ST_OB_COUNT)) >= 0)
		s->outbox_count = n;
}

int
store_telemetry_add(struct store *s, const char *topic, const char *payload)
{
	long delta;
	int rc;

	if (topic == NULL || payload == NULL)
		return -EINVAL;
	if ((rc = store_run(s, ST_BEGIN, N_("cannot begin a transaction"))) < 0)
		return rc;
	if ((rc = store_outbox_put(s, topic, payload, STORE_KIND_TELEMETRY, &delta)) < 0) {
		store_abort_outbox(s);
		return rc;
	}
	return store_commit_outbox(s, delta);
}

int
store_outbox_stats(struct store *s, struct store_outbox_stats *st)
{
	st->count = s->outbox_count;
	st->max = s->outbox_max;
	st->dropped_telemetry = store_kv_counter(s, KV_DROPPED_TELEMETRY);
	st->dropped_records = store_kv_counter(s, KV_DROPPED_RECORDS);
	st->dropped_notes = store_kv_counter(s, KV_DROPPED_NOTES);
	return 0;
}

/* --- Proof of play. --- */

static int
store_is_end_event(const char *event)
{
	size_t i;

	for (i = 0; i < sizeof(store_end_events) / sizeof(store_end_events[0]); i++)
		if (strcmp(event, store_end_events[i]) == 0)
			return 1;
	return 0;
}

/*
 * The record as it is kept and sent: its JSON with "seq", its number in the
 * as-run log (a malloc'd string in *out). 0, -EINVAL when the JSON is not an
 * object, or -ENOMEM.
 */
static int
store_json_with_seq(const char *json, int64_t seq, char **out)
{
	json_t *o = json_loads(json, 0, NULL);

	*out = NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		log_warnx(_("store: a record that is not a JSON object cannot be numbered: %.80s"),
		    json);
		return -EINVAL;
	}
	if (json_object_set_new(o, "seq", json_integer((json_int_t)seq)) == 0)
		*out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return *out != NULL ? 0 : -ENOMEM;
}

/*
 * Inside store_event_add's transaction: numbers the record (one past the
 * last number ever given) and adds it to the as-run log under that number,
 * which its JSON then carries as "seq" (*json, malloc'd). A transaction that
 * rolls back takes its number back with it, so the numbers a station sends
 * go up by exactly one per record kept, across restarts and power cuts:
 * the district can tell a record that never reached it from one not made.
 */
static int
store_asrun_numbered(struct store *s, const struct asrun_rec *rec, char **json)
{
	int64_t seq = store_count(s, ST_ASRUN_NEXT);
	int rc;

	*json = NULL;
	if (seq < 1)
		return seq < 0 ? (int)seq : -EIO;
	if ((rc = store_json_with_seq(rec->json, seq, json)) < 0)
		return rc;
	if ((rc = store_bind(s, s->st[ST_ASRUN_ADD], "ittit", seq, rec->play_id, rec->event,
	    (int64_t)rec->at, *json)) < 0 ||
	    (rc = store_run(s, ST_ASRUN_ADD, N_("cannot add to the as-run log"))) < 0)
		return rc;
	return 0;
}

/* The statements of store_event_add, inside its transaction; json: the record as numbered. */
static int
store_event_rows(struct store *s, const struct asrun_rec *rec, const char *topic, long *delta,
    char **json)
{
	int rc, open_st = -1;

	if ((rc = store_asrun_numbered(s, rec, json)) < 0)
		return rc;
	if (strcmp(rec->event, "started") == 0)
		open_st = ST_OPEN_ADD;
	else if (store_is_end_event(rec->event))
		open_st = ST_OPEN_DEL;
	if (open_st != -1 &&
	    ((rc = store_bind(s, s->st[open_st], "t", rec->play_id)) < 0 ||
	    (rc = store_run(s, open_st, N_("cannot record an open play"))) < 0))
		return rc;
	/* The item may be gone already (a started record took it): that is fine. */
	if (rec->queue_id > 0 &&
	    ((rc = store_bind(s, s->st[ST_Q_DEL], "i", rec->queue_id)) < 0 ||
	    (rc = store_run(s, ST_Q_DEL, N_("cannot remove from the queue"))) < 0))
		return rc;
	/* Proof of play before everything else; other events are notes (store.h). */
	return store_outbox_put(s, topic, *json, strcmp(rec->event, "started") == 0 ||
	    strcmp(rec->event, "silent") == 0 || store_is_end_event(rec->event) ?
	    STORE_KIND_RECORD : STORE_KIND_NOTE, delta);
}

static int
store_event_try(struct store *s, const struct asrun_rec *rec, const char *topic)
{
	char *json = NULL;
	long delta;
	int rc;

	if ((rc = store_run(s, ST_BEGIN, N_("cannot begin a transaction"))) < 0)
		return rc;
	if ((rc = store_event_rows(s, rec, topic, &delta, &json)) < 0)
		store_abort_outbox(s);
	else
		rc = store_commit_outbox(s, delta);
	free(json);
	return rc;
}

int
store_event_add(struct store *s, const struct asrun_rec *rec, const char *topic)
{
	int rc;

	if (rec->play_id == NULL || rec->event == NULL || rec->json == NULL || topic == NULL)
		return -EINVAL;
	rc = store_event_try(s, rec, topic);
	if (rc == -ENOSPC && store_reserve_release(s) == 0)
		rc = store_event_try(s, rec, topic);
	return rc;
}

int
store_open_plays(struct store *s, char ***ids, size_t *n)
{
	sqlite3_stmt *st = s->st[ST_OPEN_LIST];
	char **v = NULL, **nv;
	size_t cnt = 0, cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto nomem;
			v = nv;
		}
		if (store_col_dup(st, 0, &v[cnt]) < 0 || v[cnt] == NULL)
			goto nomem;
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		rc = store_fail(s, N_("cannot read the open plays"), rc);
		goto fail;
	}
	store_done(st);
	*ids = v;
	*n = cnt;
	return 0;
nomem:
	rc = -ENOMEM;
fail:
	store_done(st);
	store_strings_free(v, cnt);
	return rc;
}

void
store_strings_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* --- Reading and pruning the as-run log. --- */

static int
store_asrun_row(sqlite3_stmt *st, struct asrun_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = sqlite3_column_int64(st, 0);
	e->at = (time_t)sqlite3_column_int64(st, 3);
	if (store_col_dup(st, 1, &e->play_id) < 0 || store_col_dup(st, 2, &e->event) < 0 ||
	    store_col_dup(st, 4, &e->json) < 0 || e->play_id == NULL || e->event == NULL ||
	    e->json == NULL)
		return -ENOMEM;
	return 0;
}

int
store_asrun_list(struct store *s, time_t since, int64_t after, size_t max,
    struct asrun_entry **out, size_t *n, int *more)
{
	sqlite3_stmt *st = s->st[ST_ASRUN_LIST];
	struct asrun_entry *v = NULL;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (max == 0 || max > 1000000)
		return -EINVAL;
	if ((v = calloc(max, sizeof(*v))) == NULL)
		return -ENOMEM;
	/* One row past max tells whether more are left. */
	if ((rc = store_bind(s, st, "iii", (int64_t)since, after, (int64_t)max + 1)) < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == max) {
			*more = 1;
			break;
		}
		if (store_asrun_row(st, &v[cnt++]) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = store_fail(s, N_("cannot read the as-run log"), rc);
		goto fail;
	}
	store_done(st);
	if (cnt == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	*n = cnt;
	return 0;
fail:
	store_done(st);
	*more = 0;
	store_asrun_free(v, cnt);
	return rc;
}

void
store_asrun_free(struct asrun_entry *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].play_id);
		free(v[i].event);
		free(v[i].json);
	}
	free(v);
}

long
store_maintain(struct store *s, time_t now)
{
	time_t cutoff, newest;
	long removed;
	int rc;

	if (s->maint_last != 0 && now >= s->maint_last && now < s->maint_last + STORE_MAINTAIN_EVERY)
		return 0;
	s->maint_last = now;
	store_reserve_make(s);
	if ((newest = (time_t)store_count(s, ST_ASRUN_NEWEST)) < 0)
		return (long)newest;
	/* A clock behind the log (unset, or stepped back) must not date the records. */
	cutoff = (now < newest ? now : newest) - (time_t)s->asrun_days * 86400;
	if ((rc = store_bind(s, s->st[ST_ASRUN_PRUNE], "ii", (int64_t)cutoff,
	    (int64_t)STORE_PRUNE_BATCH)) < 0 ||
	    (rc = store_run(s, ST_ASRUN_PRUNE, N_("cannot prune the as-run log"))) < 0)
		return rc;
	removed = (long)sqlite3_changes(s->db);
	if (removed == STORE_PRUNE_BATCH)
		s->maint_last = 0;	/* more to do: again at the next call */
	if (removed > 0)
		log_info(_("store: removed %ld as-run records older than %d days"), removed,
		    s->asrun_days);
	return removed;
}

/* --- The outbox. --- */

int
store_outbox_next(struct store *s, int64_t after, struct outbox_msg *out)
{
	sqlite3_stmt *st = s->st[ST_OB_NEXT];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_bind(s, st, "i", after)) < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->seq = sqlite3_column_int64(st, 0);
		rc = 0;
		if (store_col_dup(st, 1, &out->topic) < 0 || store_col_dup(st, 2, &out->payload) < 0 ||
		    out->topic == NULL || out->payload == NULL) {
			store_outbox_msg_clear(out);
			rc = -ENOMEM;
		}
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = store_fail(s, N_("cannot read the outbox"), rc);
	}
	store_done(st);
	return rc;
}

void
store_outbox_msg_clear(struct outbox_msg *m)
{
	if (m == NULL)
		return;
	free(m->topic);
	free(m->payload);
	memset(m, 0, sizeof(*m));
}

int
store_outbox_ack(struct store *s, int64_t seq)
{
	int rc;

	if ((rc = store_bind(s, s->st[ST_OB_DEL], "i", seq)) < 0 ||
	    (rc = store_run(s, ST_OB_DEL, N_("cannot remove from the outbox"))) < 0)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return -ENOENT;
	s->outbox_count--;
	return 0;
}

long
store_outbox_count(struct store *s)
{
	return store_count(s, ST_OB_COUNT);
}

int
store_asrun_started_json(struct store *s, const char *play_id, char **json)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*json = NULL;
	/* Only after a restart, for the few plays a crash cut off: no kept statement. */
	rc = sqlite3_prepare_v2(s->db, "SELECT json FROM asrun WHERE play_id = ? AND "
	    "event = 'started' ORDER BY seq DESC LIMIT 1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, play_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		*json = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return *json != NULL ? 0 : -ENOMEM;
	return rc == SQLITE_DONE ? -ENOENT : -EIO;
}
