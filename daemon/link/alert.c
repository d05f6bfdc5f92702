/*
 * District alerts on the station: verify, refuse replays, play, repeat,
 * cancel; persist what is known so a restart changes nothing. Fetching an
 * alert's bulletin is alert_fetch.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/timeparse.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/link/alert_int.h"
#include "daemon/proto/report.h"
#include "daemon/store/store_writer.h"

void
alert_event(struct alert *a, const char *event, json_t *details)
{
	if ((details = report_details(details, "alert", event)) == NULL)
		return;
	if (a->hooks.event != NULL)
		a->hooks.event(a->hooks.arg, event, details);
	json_decref(details);
}

/*
 * Now, at the least: the wall clock, or the newest time the district has
 * signed, if that is later (the station's clock is unset or behind). An alert
 * that expired before either is never played.
 */
static time_t
alert_now(struct alert *a)
{
	time_t now = time(NULL), floor = store_time_floor(a->store);

	return floor > now ? floor : now;
}

static void
rec_clear(struct rec *r)
{
	free(r->payload);
	alert_msg_free(r->m);
	memset(r, 0, sizeof(*r));
}

static struct rec *
rec_find(struct alert *a, const char *id)
{
	size_t i;

	for (i = 0; i < ALERT_MAX_REC; i++)
		if (a->recs[i].used && strcmp(a->recs[i].id, id) == 0)
			return &a->recs[i];
	return NULL;
}

/*
 * A free record, or one whose alert has expired (a replay of it is refused
 * as expired); NULL when every record is in force: nothing in force is ever
 * forgotten, or its replay would play again.
 */
static struct rec *
rec_take(struct alert *a, int to_play)
{
	time_t now = time(NULL);
	size_t i, active = 0;

	for (i = 0; i < ALERT_MAX_REC; i++)
		active += a->recs[i].used && a->recs[i].payload != NULL;
	if (to_play && active >= ALERT_ACTIVE_MAX)
		return NULL;
	for (i = 0; i < ALERT_MAX_REC; i++) {
		if (!a->recs[i].used)
			return &a->recs[i];
		if (a->recs[i].keep_until < now && a->recs[i].payload == NULL) {
			rec_clear(&a->recs[i]);
			return &a->recs[i];
		}
	}
	return NULL;
}

/*
 * A record done with (played out, cancelled, expired, refused) keeps only
 * what refuses its replay: id, sequence, the hash of its message, how long.
 */
static void
rec_retire(struct rec *r)
{
	r->done = 1;
	free(r->payload);
	r->payload = NULL;
	alert_msg_free(r->m);
	r->m = NULL;
	r->ready = 0;
	r->next_ms = EV_NO_DEADLINE;
}

/* --- persistence ----------------------------------------------------------------------- */

static void
alert_save(struct alert *a)
{
	json_t *arr = json_array(), *o;
	char *text;
	size_t i;

	for (i = 0; i < ALERT_MAX_REC && arr != NULL; i++) {
		const struct rec *r = &a->recs[i];

		char hash[65];

		if (!r->used)
			continue;
		sodium_bin2hex(hash, sizeof(hash), r->hash, sizeof(r->hash));
		o = json_pack("{s:s, s:I, s:s, s:I, s:I, s:I, s:b}", "id", r->id,
		    "sequence", (json_int_t)r->sequence, "hash", hash,
		    "keep_until", (json_int_t)r->keep_until, "first", (json_int_t)r->first,
		    "plays", (json_int_t)r->plays, "done", r->done);
		if (o != NULL && r->payload != NULL)
			json_object_set_new(o, "payload", json_string(r->payload));
		json_array_append_new(arr, o);
	}
	text = arr != NULL ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	if (text == NULL)
		log_warnx(_("alert: cannot save the alerts (out of memory); after a restart the "
		    "station may not repeat them"));
	else
		store_writer_kv_set(a->writer, ALERT_KV_KEY, text);	/* the disk catches up */
	free(text);
}

/* --- playing and repeating -------------------------------------------------------------- */

/* The next repetition after the first play at first, strictly after now; 0: none left. */
static time_t
rec_next_play(const struct rec *r, time_t now)
{
	time_t t, k;

	if (r->m->repeat <= 0 || r->first == 0)
		return 0;
	/* The numbers are range-checked (alert_msg.h); the sums are checked all the same. */
	k = now > r->first ? (now - r->first) / r->m->repeat + 1 : 1;
	if (__builtin_mul_overflow(k, (time_t)r->m->repeat, &t) ||
	    __builtin_add_overflow(t, r->first, &t))
		return 0;
	return t < r->m->expires ? t : 0;
}

static void
rec_schedule(struct rec *r, int64_t now_ms, time_t now)
{
	time_t next = rec_next_play(r, now);

	if (next == 0) {
		r->done = 1;
		r->next_ms = EV_NO_DEADLINE;
		return;
	}
	r->next_ms = now_ms + (int64_t)(next - now) * 1000;
}

static void
rec_play(struct alert *a, struct rec *r, int64_t now_ms)
{
	char path[PATH_MAX];
	time_t now = time(NULL), expires = r->m->expires;

	if (alert_now(a) >= r->m->expires) {
		log_info(_("alert: \"%s\" (%s) expired; it is not played again"), r->m->title, r->id);
		r->done = 1;
		r->next_ms = EV_NO_DEADLINE;
		alert_save(a);
		return;
	}
	if (r->first == 0)
		r->first = now;
	r->plays++;
	/* A repetition held up (muted, a longer emergency) is missed before the next one. */
	if (r->m->repeat > 0 && r->m->repeat < expires - now)
		expires = now + r->m->repeat;
	if (r->m->stream != NULL)
		path[0] = '\0';	/* a live broadcast has no bulletin */
	else
		alert_path(a, r->m->sha256, path, sizeof(path));
	log_info(_("alert: playing \"%s\" (%s), time %d"), r->m->title, r->id, r->plays);
	if (a->hooks.play != NULL)
		a->hooks.play(a->hooks.arg, r->m, path, expires);
	rec_schedule(r, now_ms, now);
	alert_save(a);
}
/* --- receiving ---------------------------------------------------------------------------- */

/*
 * A live broadcast has nothing to fetch: it plays at once, and again after a
 * restart (the station joins the broadcast in progress), until its end.
 */
static void
rec_live_ready(struct rec *r, int64_t now_ms)
{
	if (r->m->stream == NULL)
		return;
	r->ready = 1;
	r->next_ms = now_ms;
}

/* The key a refusal is remembered by: the topic's alert id and the message's hash. */
static void
alert_refused_key(const char *id, const unsigned char msg[32], unsigned char key[32])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)id, strlen(id) + 1);
	crypto_hash_sha256_update(&st, msg, 32);
	crypto_hash_sha256_final(&st, key);
}

static int
alert_seen_refused(struct alert *a, const unsigned char hash[32])
{
	int i;

	for (i = 0; i < ALERT_REFUSED_RING; i++)
		if (memcmp(a->refused_hash[i], hash, 32) == 0)
			return 1;
	memcpy(a->refused_hash[a->refused_next], hash, 32);
	a->refused_next = (a->refused_next + 1) % ALERT_REFUSED_RING;
	return 0;
}

/* Whether a refusal may be reported now: at most ALERT_REFUSALS_PER_MIN a minute. */
static int
alert_refusal_allowed(struct alert *a)
{
	int64_t now = clock_mono_ms();

	if (now - a->refused_window_ms >= 60000) {
		a->refused_window_ms = now;
		a->refused_in_window = 0;
	}
	if (a->refused_in_window >= ALERT_REFUSALS_PER_MIN) {
		a->refused_suppressed++;
		return 0;
	}
	a->refused_in_window++;
	return 1;
}

static void
alert_refuse(struct alert *a, const char *id, int64_t seq, enum alert_code code, const char *why)
{
	json_t *o;

	if (!alert_refusal_allowed(a)) {
		log_debug("alert: refused alert \"%s\" (not reported: too many refusals this minute)",
		    id);
		return;
	}
	a->refused = 1;
	snprintf(a->ref_id, sizeof(a->ref_id), "%s", id);
	a->ref_code = alert_code_name(code);
	snprintf(a->ref_reason, sizeof(a->ref_reason), "%s", why);
	conf_text_defang(a->ref_reason);	/* a reason cut short, or quoting a message: UTF-8 all the same */
	a->ref_at = time(NULL);
	log_warnx(_("alert: refused alert \"%s\": %s"), id, why);
	o = json_pack("{s:s, s:s, s:s}", "id", id, "code", a->ref_code, "reason", a->ref_reason);
	if (o != NULL && seq > 0)
		json_object_set_new(o, "sequence", json_integer(seq));
	if (o != NULL && a->refused_suppressed > 0)
		json_object_set_new(o, "suppressed", json_integer(a->refused_suppressed));
	a->refused_suppressed = 0;
	alert_event(a, "alert_refused", o);
}

/* A record taken for the verified m, whose envelope is payload (taken). */
static void
rec_fill(struct rec *r, const struct alert_msg *m, char *payload, const unsigned char hash[32])
{
	r->used = 1;
	snprintf(r->id, sizeof(r->id), "%s", m->id);
	r->sequence = m->sequence;
	memcpy(r->hash, hash, 32);
	r->payload = payload;
	r->next_ms = EV_NO_DEADLINE;
}

/* A verified cancellation: stop and forget the alert, keep its sequence against replays. */
static void
alert_cancel(struct alert *a, struct rec *r, struct alert_msg *m, char *payload,
    const unsigned char hash[32])
{
	time_t keep = (time_t)(m->issued_ms / 1000) + ALERT_VALID_REPEAT;
	int active = 0;
	json_t *o;

	/* Asked even of a record retired once played: its last play may still be sounding. */
	if (r != NULL && a->hooks.cancel != NULL)
		active = a->hooks.cancel(a->hooks.arg, m->id, _("cancelled by the district"));
	if (r != NULL) {
		if (r->keep_until > keep)
			keep = r->keep_until;
		rec_clear(r);
	} else if (keep <= time(NULL) || (r = rec_take(a, 0)) == NULL) {
		if (keep > time(NULL))
			alert_refuse(a, m->id, m->sequence, ALERT_TOO_MANY, _("the station holds as "
			    "many alerts in force as it can; the cancellation is not kept"));
		free(payload);		/* an old cancellation of an alert this station never had */
		alert_msg_free(m);
		return;
	}
	rec_fill(r, m, payload, hash);
	r->keep_until = keep;
	rec_retire(r);
	log_info(_("alert: alert \"%s\" cancelled by the district%s"), m->id, active ?
	    _("; it was stopped") : "");
	o = json_pack("{s:s, s:I, s:b, s:I}", "id", m->id, "sequence", (json_int_t)m->sequence,
	    "active", active, "delay_ms", (json_int_t)(clock_wall_ms() - m->issued_ms));
	alert_event(a, "alert_cancelled", o);
	alert_msg_free(m);
	alert_save(a);
	alert_fetch_next(a);		/* a fetch for the cancelled alert is dropped */
}

/* A verified alert: it replaces any older one with its id, and is fetched and played. */
static void
alert_accept(struct alert *a, struct rec *r, struct alert_msg *m, char *payload,
    const unsigned char hash[32])
{
	int64_t superseded = 0;
	json_t *o;

	if (r != NULL) {
		superseded = r->sequence;
		if (a->hooks.cancel != NULL)
			(void)a->hooks.cancel(a->hooks.arg, m->id, _("superseded by a newer alert "
			    "from the district"));
		rec_clear(r);
	} else if ((r = rec_take(a, 1)) == NULL) {
		alert_refuse(a, m->id, m->sequence, ALERT_TOO_MANY, _("the station holds as many "
		    "alerts in force as it can; older ones must expire or be cancelled first"));
		free(payload);
		alert_msg_free(m);
		return;
	}
	rec_fill(r, m, payload, hash);
	r->m = m;
	r->keep_until = m->expires;
	log_info(_("alert: received %s%s alert \"%s\" (%s), sequence %lld"), m->test ? _("test ") : "",
	    sched_class_name(m->cls), m->title, m->id, (long long)m->sequence);
	o = json_pack("{s:s, s:I, s:s, s:b, s:s, s:I, s:I}", "id", m->id,
	    "sequence", (json_int_t)m->sequence, "class", sched_class_name(m->cls),
	    "test", m->test, "title", m->title, "delay_ms", (json_int_t)(clock_wall_ms() - m->issued_ms),
	    "repeat", (json_int_t)m->repeat);
	if (o != NULL) {
		json_object_set_new(o, "expires", report_time(m->expires));
		if (superseded > 0)
			json_object_set_new(o, "supersedes", json_integer(superseded));
	}
	alert_event(a, "alert_received", o);
	rec_live_ready(r, clock_mono_ms());
	alert_save(a);
	alert_fetch_next(a);
}


static void
alert_on_alert(struct alert *a, const char *id, const void *payload, size_t len)
{
	struct alert_check chk = { a->pk, a->region, a->station, id, 0, alert_now(a) };
	unsigned char hash[32];
	char why[ALERT_REASON_MAX], *copy;
	struct rec *r = rec_find(a, id);
	struct alert_msg *m;
	enum alert_code code;
	int64_t seq;

	if (len == 0)
		return;			/* a retained message cleared by hand */
	crypto_hash_sha256(hash, payload, len);
	if (r != NULL && memcmp(r->hash, hash, 32) == 0)
		return;			/* again after a reconnect or a restart */
	chk.newest = r != NULL ? r->sequence : 0;
	m = alert_verify(payload, len, &chk, &code, &seq, why, sizeof(why));
	if (m == NULL && code == ALERT_EXPIRED && chk.now > time(NULL)) {
		char floor[40], more[160];

		(void)timeparse_format_iso(chk.now, floor, sizeof(floor));
		snprintf(more, sizeof(more), _("; the station's clock is behind: it has seen a "
		    "message the district signed at %s"), floor);
		strncat(why, more, sizeof(why) - strlen(why) - 1);
	}
	if (m == NULL) {
		unsigned char key[32];

		alert_refused_key(id, hash, key);	/* once per topic and message */
		if (!alert_seen_refused(a, key))
			alert_refuse(a, id, seq, code, why);
		return;
	}
	if ((copy = strndup(payload, len)) == NULL) {
		alert_msg_free(m);
		return;
	}
	store_writer_time_floor_raise(a->writer, a->store, (time_t)(m->issued_ms / 1000));
	if (m->cancel)
		alert_cancel(a, r, m, copy, hash);
	else
		alert_accept(a, r, m, copy, hash);
}

int
alert_on_message(struct alert *a, const char *topic, const void *payload, size_t len)
{
	size_t pa = strlen(a->topic_alerts), pb = strlen(a->topic_audio), idx;
	const char *rest;
	char *end;

	if (!a->configured)
		return 0;
	if (strncmp(topic, a->topic_alerts, pa) == 0) {
		if (alert_id_valid(topic + pa))
			alert_on_alert(a, topic + pa, payload, len);
		return 1;
	}
	if (a->fetch == NULL || strncmp(topic, a->topic_audio, pb) != 0 ||
	    strncmp(topic + pb, a->fetch->cf->sha256, 64) != 0 || topic[pb + 64] != '/')
		return 0;
	rest = topic + pb + 65;
	if (*rest < '0' || *rest > '9' || (rest[0] == '0' && rest[1] != '\0'))
		return 1;
	errno = 0;
	idx = strtoul(rest, &end, 10);
	if (errno == 0 && *end == '\0')
		alert_fetch_chunk(a, idx, payload, len);
	return 1;
}

void
alert_on_connect(struct alert *a, int connected)
{
	if (connected && a->fetch != NULL)
		a->fetch->progress_ms = clock_mono_ms();
}

int
alert_in_use(const struct alert *a, const char *sha256)
{
	size_t i;

	for (i = 0; a != NULL && i < ALERT_MAX_REC; i++)
		if (a->recs[i].used && a->recs[i].m != NULL && !a->recs[i].done &&
		    strcmp(a->recs[i].m->sha256, sha256) == 0)
			return 1;
	return 0;
}

/* --- the event source ------------------------------------------------------------------------ */

/* Lowers *deadline_ms to when r expires (monotonic), so that a fetch is given up then. */
static void
rec_expiry_deadline(const struct rec *r, int64_t *deadline_ms)
{
	time_t left = r->m->expires - time(NULL);
	int64_t at = clock_mono_ms() + (left > 0 ? (int64_t)left * 1000 : 0);

	if (at < *deadline_ms)
		*deadline_ms = at;
}

static int
alert_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	struct alert *a = arg;
	size_t i;

	(void)pfd;
	(void)max;
	for (i = 0; i < ALERT_MAX_REC; i++) {
		const struct rec *r = &a->recs[i];

		if (r->used && r->ready && !r->done && r->next_ms < *deadline_ms)
			*deadline_ms = r->next_ms;
		else if (r->used && !r->ready && !r->done && r->m != NULL)
			rec_expiry_deadline(r, deadline_ms);
	}
	if (a->fetch != NULL && a->fetch->progress_ms + ALERT_STALL_MS < *deadline_ms)
		*deadline_ms = a->fetch->progress_ms + ALERT_STALL_MS;
	return 0;
}

/* An alert whose bulletin never came before it expired: given up, its fetch dropped. */
static void
rec_expire_unfetched(struct alert *a, struct rec *r)
{
	log_warnx(_("alert: \"%s\" (%s) expired before its bulletin came; it is not played"),
	    r->m->title, r->id);
	r->done = 1;
	alert_event(a, "alert_refused", json_pack("{s:s, s:I, s:s, s:s}", "id", r->id,
	    "sequence", (json_int_t)r->sequence, "code", "bulletin_missing", "reason",
	    _("its bulletin did not come from the broker before the alert expired")));
	alert_save(a);
	alert_fetch_next(a);
}

static void
alert_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now_ms)
{
	struct alert *a = arg;
	size_t i;

	(void)pfd;
	(void)n;
	for (i = 0; i < ALERT_MAX_REC; i++) {
		struct rec *r = &a->recs[i];

		if (r->used && r->done && r->payload != NULL) {
			rec_retire(r);
			alert_save(a);
		} else if (r->used && r->ready && !r->done && r->next_ms <= now_ms)
			rec_play(a, r, now_ms);
		else if (r->used && !r->ready && !r->done && r->m != NULL &&
		    r->m->expires <= alert_now(a))
			rec_expire_unfetched(a, r);
		else if (r->used && r->keep_until > 0 && r->keep_until < time(NULL) - 60) {
			rec_clear(r);		/* expired a while ago: a replay is refused as expired */
			alert_save(a);
		}
	}
	alert_fetch_stall(a, now_ms);
}

void
alert_source(struct alert *a, struct ev_source *out)
{
	*out = (struct ev_source){ "alert", alert_prepare, alert_dispatch, a };
}

/* --- status ---------------------------------------------------------------------------------- */

json_t *
alert_status(const struct alert *a)
{
	json_t *o = json_pack("{s:b}", "configured", a->configured), *arr = json_array();
	int64_t now_ms = clock_mono_ms();
	size_t i;

	for (i = 0; i < ALERT_MAX_REC && arr != NULL; i++) {
		const struct rec *r = &a->recs[i];

		if (!r->used || r->m == NULL || r->done)
			continue;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b, s:I, s:i, s:I, s:o, "
		    "s:o, s:b}", "id", r->id, "class", sched_class_name(r->m->cls), "title",
		    r->m->title, "test", r->m->test, "sequence", (json_int_t)r->sequence, "plays",
		    r->plays, "repeat", (json_int_t)r->m->repeat, "expires", report_time(r->m->expires),
		    "next_in", r->next_ms != EV_NO_DEADLINE ? json_integer((r->next_ms - now_ms + 999) /
		    1000) : json_null(), "fetching", !r->ready));
	}
	if (o != NULL && a->configured)
		json_object_set_new(o, "active", arr);
	else
		json_decref(arr);
	if (o != NULL && a->refused)
		json_object_set_new(o, "refused", json_pack("{s:s, s:s, s:s, s:o}", "id", a->ref_id,
		    "code", a->ref_code, "reason", a->ref_reason, "at", report_time(a->ref_at)));
	return o;
}

/* --- life --------------------------------------------------------------------------------------- */

/* A retired record (no message kept): what refuses a replay until keep_until. */
static void
alert_restore_retired(struct alert *a, json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *hash = json_string_value(json_object_get(o, "hash"));
	struct rec *r;

	if (id == NULL || !alert_id_valid(id) || hash == NULL || strlen(hash) != 64 ||
	    (r = rec_take(a, 0)) == NULL)
		return;
	if (sodium_hex2bin(r->hash, sizeof(r->hash), hash, 64, NULL, NULL, NULL) != 0)
		return;
	r->used = 1;
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->sequence = json_integer_value(json_object_get(o, "sequence"));
	r->keep_until = (time_t)json_integer_value(json_object_get(o, "keep_until"));
	r->plays = (int)json_integer_value(json_object_get(o, "plays"));
	rec_retire(r);
}

/* One persisted record: verified again (with the key in force now), then put back. */
static void
alert_restore_one(struct alert *a, json_t *o, int64_t now_ms, time_t now)
{
	struct alert_check chk = { a->pk, a->region, a->station, NULL, 0, 0 };
	json_t *p = json_object_get(o, "payload");
	struct alert_msg *m;
	enum alert_code code;
	struct rec *r;
	char why[ALERT_REASON_MAX];
	int64_t seq;

	if (json_integer_value(json_object_get(o, "keep_until")) < now)
		return;
	if (!json_is_string(p)) {
		alert_restore_retired(a, o);
		return;
	}
	if ((m = alert_verify(json_string_value(p), json_string_length(p), &chk, &code, &seq, why,
	    sizeof(why))) == NULL)
		return;
	if ((r = rec_take(a, 1)) == NULL) {
		alert_msg_free(m);
		return;
	}
	r->used = 1;
	snprintf(r->id, sizeof(r->id), "%s", m->id);
	r->sequence = m->sequence;
	crypto_hash_sha256(r->hash, (const unsigned char *)json_string_value(p), json_string_length(p));
	r->payload = strdup(json_string_value(p));
	r->keep_until = (time_t)json_integer_value(json_object_get(o, "keep_until"));
	r->first = (time_t)json_integer_value(json_object_get(o, "first"));
	r->plays = (int)json_integer_value(json_object_get(o, "plays"));
	r->done = json_is_true(json_object_get(o, "done")) || m->cancel || m->expires <= now;
	r->next_ms = EV_NO_DEADLINE;
	r->m = m;
	if (r->done || m->cancel) {
		rec_retire(r);
		return;
	}
	if (r->first != 0)
		rec_schedule(r, now_ms, now);	/* a repeat resumes on its own rhythm */
	rec_live_ready(r, now_ms);
}

static void
alert_restore(struct alert *a)
{
	char *buf = malloc(ALERT_KV_MAX);
	json_t *arr, *o;
	size_t i;

	if (buf == NULL || store_kv_get(a->store, ALERT_KV_KEY, buf, ALERT_KV_MAX) < 0) {
		free(buf);
		return;
	}
	arr = json_loads(buf, 0, NULL);
	free(buf);
	json_array_foreach(arr, i, o)
		alert_restore_one(a, o, clock_mono_ms(), time(NULL));
	json_decref(arr);
	alert_fetch_next(a);
}

static int
alert_setup(struct alert *a, const struct config *cfg, struct errlist *errs)
{
	char why[256];

	if (keys_load_public(cfg->district.public_key, a->pk, why, sizeof(why)) < 0) {
		errlist_add(errs, _("district.public_key: %s: %s"), cfg->district.public_key, why);
		return -1;
	}
	if (snprintf(a->topic_alerts, sizeof(a->topic_alerts), "loaxa/%s/alert/",
	    cfg->station.region) >= (int)sizeof(a->topic_alerts) ||
	    snprintf(a->topic_audio, sizeof(a->topic_audio), "loaxa/%s/audio/",
	    cfg->station.region) >= (int)sizeof(a->topic_audio) ||
	    snprintf(a->bdir, sizeof(a->bdir), "%s", store_bulletin_dir(a->store)) >=
	    (int)sizeof(a->bdir)) {
		errlist_add(errs, _("the region name or the storage directory is too long"));
		return -1;
	}
	a->configured = 1;
	return 0;
}

struct alert *
alert_new(const struct config *cfg, struct store *store, struct store_writer *writer,
    struct mqtt *mqtt, const struct alert_hooks *hooks, struct errlist *errs)
{
	struct alert *a = calloc(1, sizeof(*a));
	char filter[ALERT_TOPIC_MAX + 2];

	if (a == NULL) {
		errlist_add(errs, _("out of memory"));
		return NULL;
	}
	a->store = store;
	a->writer = writer;
	a->mqtt = mqtt;
	a->hooks = *hooks;
	snprintf(a->region, sizeof(a->region), "%s", cfg->station.region);
	snprintf(a->station, sizeof(a->station), "%s", cfg->station.id);
	if (cfg->district.public_key[0] == '\0')
		return a;
	if (sodium_init() < 0 || alert_setup(a, cfg, errs) < 0)
		goto fail;
	alert_restore(a);
	snprintf(filter, sizeof(filter), "%s+", a->topic_alerts);
	if (mqtt != NULL && mqtt_subscribe(mqtt, filter, 1) < 0)
		log_warnx(_("alert: cannot subscribe to %s: district alerts will not arrive"), filter);
	return a;
fail:
	alert_free(a);
	return NULL;
}

void
alert_free(struct alert *a)
{
	size_t i;

	if (a == NULL)
		return;
	alert_fetch_free(a);
	chunkfile_job_disown(a->commit);	/* it frees its file when it ends */
	for (i = 0; i < ALERT_MAX_REC; i++)
		rec_clear(&a->recs[i]);
	free(a);
}
