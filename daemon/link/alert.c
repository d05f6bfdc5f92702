/*
 * District alerts on the station: verify, refuse replays, fetch the bulletin,
 * play, repeat, cancel; persist what is known so a restart changes nothing.
 *
 * An alert's bulletin is fetched through one wildcard subscription,
 * loaxa/<region>/audio/<sha256>/+, so every retained chunk comes at once
 * (alerts are short and latency matters); chunks are written where they
 * belong in a temporary file, which is hashed whole and renamed to
 * <sha256>.opus in the bulletin directory, like the district's. One fetch at
 * a time; the others wait their turn in the table.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "config/i18n.h"
#include "config/keys.h"
#include "daemon/core/clock.h"
#include "daemon/core/file.h"
#include "daemon/core/log.h"
#include "daemon/link/alert.h"
#include "daemon/proto/manifest.h"
#include "daemon/proto/report.h"

#define ALERT_KV_KEY		"alerts"
#define ALERT_KV_MAX		(ALERT_MAX_REC * (ALERT_MAX_BYTES + 256))
#define ALERT_MAX_REC		32		/* alerts (and cancellations) remembered */
#define ALERT_TMP_PREFIX	".import-alert-"
#define ALERT_STALL_MS		15000		/* a fetch that gets nothing: ask again */
#define ALERT_TOPIC_MAX		256
#define ALERT_REASON_MAX	640
#define ALERT_REFUSED_RING	8

/* An alert (or a cancellation) the station knows. */
struct rec {
	int		 used;
	char		 id[ALERT_ID_MAX + 1];
	int64_t		 sequence;
	unsigned char	 hash[32];	/* of the payload: the same one again is ignored */
	char		*payload;	/* the envelope, persisted */
	struct alert_msg *m;		/* NULL for a cancellation */
	time_t		 keep_until;	/* forgotten after this */
	time_t		 first;		/* wall clock of the first play; 0: not played yet */
	int		 plays;
	int		 done;		/* played out, cancelled or expired */
	int		 ready;		/* its bulletin is stored */
	int64_t		 next_ms;	/* monotonic: play then; EV_NO_DEADLINE: not waiting */
};

/* The bulletin being fetched for one record. */
struct afetch {
	char		 sha256[65];
	char		 filter[ALERT_TOPIC_MAX];
	char		 tmp[PATH_MAX];
	int		 fd;
	uint8_t		*have;
	size_t		 chunks, nhave;
	uint64_t	 size;
	uint32_t	 chunk_size;
	int64_t		 progress_ms;
};

struct alert {
	int		 configured;
	unsigned char	 pk[KEYS_PUBLIC_BYTES];
	char		 region[64], station[64];
	char		 topic_alerts[ALERT_TOPIC_MAX];	/* "loaxa/<region>/alert/" */
	char		 topic_audio[ALERT_TOPIC_MAX];	/* "loaxa/<region>/audio/" */
	char		 bdir[PATH_MAX];
	struct store	*store;
	struct mqtt	*mqtt;
	struct alert_hooks hooks;
	struct rec	 recs[ALERT_MAX_REC];
	struct afetch	*fetch;

	unsigned char	 refused_hash[ALERT_REFUSED_RING][32];
	int		 refused_next;
	int		 refused;
	char		 ref_id[ALERT_ID_MAX + 1];
	const char	*ref_code;
	char		 ref_reason[ALERT_REASON_MAX];
	time_t		 ref_at;
};

static void alert_fetch_next(struct alert *);

static void
alert_event(struct alert *a, const char *event, json_t *details)
{
	if (details == NULL)
		return;
	if (a->hooks.event != NULL)
		a->hooks.event(a->hooks.arg, event, details);
	json_decref(details);
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

/* A free record, or the one that may be forgotten first. */
static struct rec *
rec_take(struct alert *a)
{
	struct rec *best = NULL;
	size_t i;

	for (i = 0; i < ALERT_MAX_REC; i++) {
		if (!a->recs[i].used)
			return &a->recs[i];
		if (best == NULL || a->recs[i].keep_until < best->keep_until)
			best = &a->recs[i];
	}
	log_warnx("alert: forgetting alert \"%s\" to make room for a new one", best->id);
	rec_clear(best);
	return best;
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

		if (!r->used)
			continue;
		o = json_pack("{s:s, s:I, s:s, s:I, s:I, s:I, s:b}", "id", r->id,
		    "sequence", (json_int_t)r->sequence, "payload", r->payload,
		    "keep_until", (json_int_t)r->keep_until, "first", (json_int_t)r->first,
		    "plays", (json_int_t)r->plays, "done", r->done);
		json_array_append_new(arr, o);
	}
	text = arr != NULL ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	if (text == NULL || store_kv_set(a->store, ALERT_KV_KEY, text) < 0)
		log_warnx("alert: cannot save the alerts; after a restart the station may not "
		    "repeat them");
	free(text);
}

static void
alert_path(const struct alert *a, const char *sha, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/%s.opus", a->bdir, sha) >= (int)len)
		buf[0] = '\0';
}

static int
alert_have(const struct alert *a, const struct alert_msg *m)
{
	char path[PATH_MAX];
	struct stat st;

	alert_path(a, m->sha256, path, sizeof(path));
	return path[0] != '\0' && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size == m->size;
}

/* --- playing and repeating -------------------------------------------------------------- */

/* The next repetition after the first play at first, strictly after now; 0: none left. */
static time_t
rec_next_play(const struct rec *r, time_t now)
{
	time_t t;

	if (r->m->repeat <= 0 || r->first == 0)
		return 0;
	t = r->first + ((now - r->first) / r->m->repeat + 1) * r->m->repeat;
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

	if (now >= r->m->expires) {
		log_info("alert: \"%s\" (%s) expired; it is not played again", r->m->title, r->id);
		r->done = 1;
		r->next_ms = EV_NO_DEADLINE;
		alert_save(a);
		return;
	}
	if (r->first == 0)
		r->first = now;
	r->plays++;
	/* A repetition held up (muted, a longer emergency) is missed before the next one. */
	if (r->m->repeat > 0 && now + r->m->repeat < expires)
		expires = now + r->m->repeat;
	alert_path(a, r->m->sha256, path, sizeof(path));
	log_info("alert: playing \"%s\" (%s), time %d", r->m->title, r->id, r->plays);
	if (a->hooks.play != NULL)
		a->hooks.play(a->hooks.arg, r->m, path, expires);
	rec_schedule(r, now_ms, now);
	alert_save(a);
}

/* --- fetching the bulletin --------------------------------------------------------------- */

static void
afetch_free(struct alert *a, struct afetch *f)
{
	if (f == NULL)
		return;
	if (a->mqtt != NULL && f->filter[0] != '\0')
		(void)mqtt_unsubscribe(a->mqtt, f->filter);
	if (f->fd != -1)
		close(f->fd);
	if (f->tmp[0] != '\0')
		unlink(f->tmp);
	free(f->have);
	free(f);
}

static struct afetch *
afetch_new(struct alert *a, const struct alert_msg *m)
{
	struct afetch *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->fd = -1;
	memcpy(f->sha256, m->sha256, sizeof(f->sha256));
	f->size = m->size;
	f->chunk_size = m->chunk_size;
	f->chunks = m->chunks;
	f->progress_ms = clock_mono_ms();
	if (snprintf(f->tmp, sizeof(f->tmp), "%s/" ALERT_TMP_PREFIX "%s", a->bdir, m->sha256) >=
	    (int)sizeof(f->tmp) || snprintf(f->filter, sizeof(f->filter), "%s%s/+",
	    a->topic_audio, m->sha256) >= (int)sizeof(f->filter) ||
	    (f->have = calloc(f->chunks, 1)) == NULL)
		goto fail;
	if ((f->fd = open(f->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) == -1) {
		log_warn("alert: cannot create %s", f->tmp);
		goto fail;
	}
	if (a->mqtt != NULL && mqtt_subscribe(a->mqtt, f->filter, 1) < 0)
		log_warnx("alert: cannot subscribe to %s; will try again", f->filter);
	return f;
fail:
	f->tmp[0] = f->filter[0] = '\0';
	afetch_free(a, f);
	return NULL;
}

/* The record whose bulletin is being fetched (the first not ready and not done). */
static struct rec *
alert_fetching(struct alert *a)
{
	size_t i;

	for (i = 0; a->fetch != NULL && i < ALERT_MAX_REC; i++)
		if (a->recs[i].used && a->recs[i].m != NULL && !a->recs[i].ready &&
		    !a->recs[i].done && strcmp(a->recs[i].m->sha256, a->fetch->sha256) == 0)
			return &a->recs[i];
	return NULL;
}

/* Every waiting record with this bulletin is ready: play the ones not played yet. */
static void
alert_ready(struct alert *a, const char *sha)
{
	size_t i;

	for (i = 0; i < ALERT_MAX_REC; i++) {
		struct rec *r = &a->recs[i];

		if (r->used && r->m != NULL && !r->done && !r->ready &&
		    strcmp(r->m->sha256, sha) == 0) {
			r->ready = 1;
			if (r->first == 0)
				r->next_ms = clock_mono_ms();
		}
	}
}

static void
alert_fetch_done(struct alert *a)
{
	struct afetch *f = a->fetch;
	struct rec *r = alert_fetching(a);
	char path[PATH_MAX], hex[65];
	int rc = fsync(f->fd) == -1 ? -errno : 0;

	close(f->fd);
	f->fd = -1;
	if (rc == 0)
		rc = file_sha256(f->tmp, hex);
	alert_path(a, f->sha256, path, sizeof(path));
	if (rc == 0 && strcmp(hex, f->sha256) != 0)
		rc = -EBADMSG;
	if (rc == 0 && rename(f->tmp, path) == -1)
		rc = -errno;
	if (rc == 0)
		f->tmp[0] = '\0';
	if (rc < 0 && r != NULL) {
		json_t *o = json_pack("{s:s, s:I, s:s, s:s}", "id", r->id, "sequence",
		    (json_int_t)r->sequence, "code", rc == -EBADMSG ? "bulletin_mismatch" :
		    "storage_error", "reason", rc == -EBADMSG ? _("the alert's bulletin received "
		    "from the broker does not match the SHA-256 the district signed") :
		    strerror(-rc));

		log_warnx("alert: the bulletin of \"%s\" (%s) cannot be used: %s", r->m->title, r->id,
		    rc == -EBADMSG ? "its SHA-256 does not match" : strerror(-rc));
		r->done = 1;
		alert_event(a, "alert_refused", o);
	}
	afetch_free(a, f);
	a->fetch = NULL;
	if (rc == 0) {
		log_info("alert: stored the bulletin %s", hex);
		alert_ready(a, hex);
	}
	alert_fetch_next(a);
}

static void
alert_on_chunk(struct alert *a, size_t idx, const void *data, size_t len)
{
	struct afetch *f = a->fetch;
	uint64_t off = (uint64_t)idx * f->chunk_size;
	uint64_t want;
	ssize_t w;

	if (idx >= f->chunks || f->have[idx])
		return;
	want = f->size - off < f->chunk_size ? f->size - off : f->chunk_size;
	if (len != want)
		return;		/* the hash would fail: wait, the district may publish it again */
	do
		w = pwrite(f->fd, data, len, (off_t)off);
	while (w == -1 && errno == EINTR);
	if (w != (ssize_t)len) {
		log_warn("alert: cannot write %s", f->tmp);
		return;
	}
	f->have[idx] = 1;
	f->nhave++;
	f->progress_ms = clock_mono_ms();
	if (f->nhave == f->chunks)
		alert_fetch_done(a);
}

/* Starts fetching the next bulletin an alert lacks; marks the ones stored already ready. */
static void
alert_fetch_next(struct alert *a)
{
	size_t i;

	if (a->fetch != NULL)
		return;
	for (i = 0; i < ALERT_MAX_REC; i++) {
		struct rec *r = &a->recs[i];

		if (!r->used || r->m == NULL || r->done || r->ready)
			continue;
		if (alert_have(a, r->m)) {
			alert_ready(a, r->m->sha256);
			continue;
		}
		log_info("alert: fetching the bulletin of \"%s\" (%s, %llu bytes in %zu parts)",
		    r->m->title, r->id, (unsigned long long)r->m->size, r->m->chunks);
		if ((a->fetch = afetch_new(a, r->m)) != NULL)
			return;
		r->done = 1;
		alert_event(a, "alert_refused", json_pack("{s:s, s:s, s:s}", "id", r->id, "code",
		    "storage_error", "reason", _("cannot create a temporary file for the alert's "
		    "bulletin in the station's storage")));
	}
}

/* --- receiving ---------------------------------------------------------------------------- */

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

static void
alert_refuse(struct alert *a, const char *id, int64_t seq, enum alert_code code, const char *why)
{
	json_t *o;

	a->refused = 1;
	snprintf(a->ref_id, sizeof(a->ref_id), "%s", id);
	a->ref_code = alert_code_name(code);
	snprintf(a->ref_reason, sizeof(a->ref_reason), "%s", why);
	a->ref_at = time(NULL);
	log_warnx("alert: refused alert \"%s\": %s", id, why);
	o = json_pack("{s:s, s:s, s:s}", "id", id, "code", a->ref_code, "reason", why);
	if (o != NULL && seq > 0)
		json_object_set_new(o, "sequence", json_integer(seq));
	alert_event(a, "alert_refused", o);
}

/* A verified cancellation: stop and forget the alert, keep its sequence against replays. */
static void
alert_cancel(struct alert *a, struct rec *r, struct alert_msg *m, char *payload,
    const unsigned char hash[32])
{
	time_t keep = (time_t)(m->issued_ms / 1000) + ALERT_VALID_REPEAT;
	int active = 0;
	json_t *o;

	if (r != NULL) {
		if (r->m != NULL && r->m->expires > keep)
			keep = r->m->expires;
		if (r->m != NULL && a->hooks.cancel != NULL)
			active = a->hooks.cancel(a->hooks.arg, m->id, _("cancelled by the district"));
		rec_clear(r);
	} else if (keep <= time(NULL)) {
		free(payload);		/* an old cancellation of an alert this station never had */
		alert_msg_free(m);
		return;
	} else
		r = rec_take(a);
	r->used = 1;
	snprintf(r->id, sizeof(r->id), "%s", m->id);
	r->sequence = m->sequence;
	memcpy(r->hash, hash, 32);
	r->payload = payload;
	r->keep_until = keep;
	r->done = 1;
	r->next_ms = EV_NO_DEADLINE;
	log_info("alert: alert \"%s\" cancelled by the district%s", m->id, active ?
	    "; it was stopped" : "");
	o = json_pack("{s:s, s:I, s:b, s:I}", "id", m->id, "sequence", (json_int_t)m->sequence,
	    "active", active, "delay_ms", (json_int_t)(clock_wall_ms() - m->issued_ms));
	alert_event(a, "alert_cancelled", o);
	alert_msg_free(m);
	alert_save(a);
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
		if (r->m != NULL && a->hooks.cancel != NULL)
			(void)a->hooks.cancel(a->hooks.arg, m->id, _("superseded by a newer alert "
			    "from the district"));
		rec_clear(r);
	} else
		r = rec_take(a);
	r->used = 1;
	snprintf(r->id, sizeof(r->id), "%s", m->id);
	r->sequence = m->sequence;
	memcpy(r->hash, hash, 32);
	r->payload = payload;
	r->m = m;
	r->keep_until = m->expires;
	r->next_ms = EV_NO_DEADLINE;
	log_info("alert: received %s%s alert \"%s\" (%s), sequence %lld", m->test ? "test " : "",
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
	alert_save(a);
	alert_fetch_next(a);
}

static void
alert_on_alert(struct alert *a, const char *id, const void *payload, size_t len)
{
	struct alert_check chk = { a->pk, a->region, a->station, id, 0, time(NULL) };
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
	if (m == NULL) {
		if (!alert_seen_refused(a, hash))
			alert_refuse(a, id, seq, code, why);
		return;
	}
	if ((copy = strndup(payload, len)) == NULL) {
		alert_msg_free(m);
		return;
	}
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
	    strncmp(topic + pb, a->fetch->sha256, 64) != 0 || topic[pb + 64] != '/')
		return 0;
	rest = topic + pb + 65;
	if (*rest < '0' || *rest > '9' || (rest[0] == '0' && rest[1] != '\0'))
		return 1;
	errno = 0;
	idx = strtoul(rest, &end, 10);
	if (errno == 0 && *end == '\0')
		alert_on_chunk(a, idx, payload, len);
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

static int
alert_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	struct alert *a = arg;
	size_t i;

	(void)pfd;
	(void)max;
	for (i = 0; i < ALERT_MAX_REC; i++)
		if (a->recs[i].used && a->recs[i].ready && !a->recs[i].done &&
		    a->recs[i].next_ms < *deadline_ms)
			*deadline_ms = a->recs[i].next_ms;
	if (a->fetch != NULL && a->fetch->progress_ms + ALERT_STALL_MS < *deadline_ms)
		*deadline_ms = a->fetch->progress_ms + ALERT_STALL_MS;
	return 0;
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

		if (r->used && r->ready && !r->done && r->next_ms <= now_ms)
			rec_play(a, r, now_ms);
		else if (r->used && r->keep_until > 0 && r->keep_until < time(NULL) - 60) {
			rec_clear(r);		/* expired a while ago: a replay is refused as expired */
			alert_save(a);
		}
	}
	/* Ask the broker again: unsubscribe and subscribe, and the retained chunks come back. */
	if (a->fetch != NULL && now_ms - a->fetch->progress_ms >= ALERT_STALL_MS) {
		a->fetch->progress_ms = now_ms;
		if (a->mqtt != NULL && mqtt_connected(a->mqtt)) {
			log_info("alert: no part of bulletin %s for a while; asking again",
			    a->fetch->sha256);
			(void)mqtt_unsubscribe(a->mqtt, a->fetch->filter);
			(void)mqtt_subscribe(a->mqtt, a->fetch->filter, 1);
		}
	}
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

	if (!json_is_string(p) || json_integer_value(json_object_get(o, "keep_until")) < now ||
	    (m = alert_verify(json_string_value(p), json_string_length(p), &chk, &code, &seq, why,
	    sizeof(why))) == NULL)
		return;
	r = rec_take(a);
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
	if (m->cancel) {
		alert_msg_free(m);
		return;
	}
	r->m = m;
	if (!r->done && r->first != 0)
		rec_schedule(r, now_ms, now);	/* a repeat resumes on its own rhythm */
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
alert_new(const struct config *cfg, struct store *store, struct mqtt *mqtt,
    const struct alert_hooks *hooks, struct errlist *errs)
{
	struct alert *a = calloc(1, sizeof(*a));
	char filter[ALERT_TOPIC_MAX + 2];

	if (a == NULL) {
		errlist_add(errs, _("out of memory"));
		return NULL;
	}
	a->store = store;
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
		log_warnx("alert: cannot subscribe to %s: district alerts will not arrive", filter);
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
	afetch_free(a, a->fetch);
	for (i = 0; i < ALERT_MAX_REC; i++)
		rec_clear(&a->recs[i]);
	free(a);
}
