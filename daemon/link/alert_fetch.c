/*
 * Fetching the bulletins of district alerts. An alert's bulletin is fetched
 * through one wildcard subscription, loaxa/<region>/audio/<sha256>/+, so
 * every retained chunk comes at once (alerts are short and latency matters);
 * the chunks are assembled and stored as the district's are (chunkfile.c).
 * One fetch at a time, always the one that matters most (alert_fetch_next):
 * an emergency before a priority alert, a newer alert before an older one,
 * and a fetch that stalls steps back for the others.
 *
 * A complete bulletin is hashed, synced and renamed into place by the store's
 * writer thread, not the loop: the fetch ends there and the file is the job's
 * (a->commit) until alert_commit_done() runs on the loop; no fetch starts
 * meanwhile. What the bulletin was for is looked up again then: an alert
 * cancelled, superseded or expired meanwhile is not played nor refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/link/alert_int.h"

void
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

void
alert_fetch_free(struct alert *a)
{
	struct afetch *f = a->fetch;

	if (f == NULL)
		return;
	if (a->mqtt != NULL && f->filter[0] != '\0')
		(void)mqtt_unsubscribe(a->mqtt, f->filter);
	chunkfile_free(f->cf);
	free(f);
	a->fetch = NULL;
}

static struct afetch *
afetch_new(struct alert *a, const struct alert_msg *m)
{
	struct afetch *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->progress_ms = clock_mono_ms();
	if (snprintf(f->filter, sizeof(f->filter), "%s%s/+", a->topic_audio, m->sha256) >=
	    (int)sizeof(f->filter) || (f->cf = chunkfile_new(a->bdir, ALERT_TMP_PREFIX,
	    m->sha256, m->size, m->chunk_size, "alert")) == NULL) {
		free(f);
		return NULL;
	}
	if (a->mqtt != NULL && mqtt_subscribe(a->mqtt, f->filter, 1) < 0)
		log_warnx(_("alert: cannot subscribe to %s; will try again"), f->filter);
	return f;
}

/* The first record that waits for the bulletin sha (not ready and not done). */
static struct rec *
alert_waiting(struct alert *a, const char *sha)
{
	size_t i;

	for (i = 0; i < ALERT_MAX_REC; i++)
		if (a->recs[i].used && a->recs[i].m != NULL && !a->recs[i].ready &&
		    !a->recs[i].done && strcmp(a->recs[i].m->sha256, sha) == 0)
			return &a->recs[i];
	return NULL;
}

/* The record whose bulletin is being fetched. */
static struct rec *
alert_fetching(struct alert *a)
{
	return a->fetch != NULL ? alert_waiting(a, a->fetch->cf->sha256) : NULL;
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

/*
 * The bulletin hex is stored (rc 0), or not: the alert that waited for it is
 * refused. The next fetch starts.
 */
static void
alert_stored(struct alert *a, const char *hex, int rc)
{
	struct rec *r = alert_waiting(a, hex);

	if (rc < 0 && r != NULL) {
		json_t *o = json_pack("{s:s, s:I, s:s, s:s}", "id", r->id, "sequence",
		    (json_int_t)r->sequence, "code", rc == -EBADMSG ? "bulletin_mismatch" :
		    "storage_error", "reason", rc == -EBADMSG ? _("the alert's bulletin received "
		    "from the broker does not match the SHA-256 the district signed") :
		    strerror(-rc));

		log_warnx(_("alert: the bulletin of \"%s\" (%s) cannot be used: %s"), r->m->title, r->id,
		    rc == -EBADMSG ? _("its SHA-256 does not match") : strerror(-rc));
		r->done = 1;
		alert_event(a, "alert_refused", o);
	}
	if (rc == 0) {
		log_info(_("alert: stored the bulletin %s"), hex);
		alert_ready(a, hex);
	}
	alert_fetch_next(a);
}

/* On the loop, once the store's writer has checked and stored the bulletin (or not). */
static void
alert_commit_done(void *arg, struct chunkfile *cf, int rc)
{
	struct alert *a = arg;
	char hex[65];

	chunkfile_free(cf);	/* the temporary file goes, unless it became the bulletin */
	a->commit = NULL;
	if (rc == -ECANCELED)
		return;		/* the station is stopping */
	memcpy(hex, a->commit_sha256, sizeof(hex));
	alert_stored(a, hex, rc);
}

/*
 * Every chunk is written: the fetch ends, and the store's writer checks and
 * stores the bulletin (alert_commit_done() goes on). Chunks that come again
 * meanwhile are no one's.
 */
static void
alert_fetch_done(struct alert *a)
{
	struct chunkfile *cf = a->fetch->cf;

	memcpy(a->commit_sha256, cf->sha256, sizeof(a->commit_sha256));
	a->fetch->cf = NULL;
	alert_fetch_free(a);		/* its subscription */
	a->commit = chunkfile_commit_later(cf, a->writer, a->bdir, alert_commit_done, a);
	if (a->commit == NULL) {
		chunkfile_free(cf);
		alert_stored(a, a->commit_sha256, -ENOMEM);
	}
}

void
alert_fetch_chunk(struct alert *a, size_t idx, const void *data, size_t len)
{
	struct afetch *f = a->fetch;
	int rc = chunkfile_put(f->cf, idx, data, len);

	/*
	 * A chunk of the wrong length would fail the hash: it is passed over, and
	 * the district may publish it again (a schedule's fetch refuses instead).
	 */
	if (rc == -EBADMSG || rc > 0)
		return;
	if (rc < 0) {
		log_warnx(_("alert: cannot write %s: %s"), f->cf->tmp, strerror(-rc));
		return;
	}
	f->progress_ms = clock_mono_ms();
	if (chunkfile_complete(f->cf))
		alert_fetch_done(a);
}

/* 1 when r's bulletin should be fetched before b's: not stalled, more urgent, newer. */
static int
rec_fetch_before(const struct rec *r, const struct rec *b, int64_t now_ms)
{
	int r_wait = r->fetch_after_ms > now_ms, b_wait = b->fetch_after_ms > now_ms;

	if (r_wait != b_wait)
		return !r_wait;
	if (r->m->cls != b->m->cls)
		return r->m->cls > b->m->cls;
	return r->m->issued_ms > b->m->issued_ms;
}

/* The alert whose bulletin to fetch now, or NULL; bulletins already stored make theirs ready. */
static struct rec *
alert_fetch_best(struct alert *a, int64_t now_ms)
{
	struct rec *best = NULL;
	size_t i;

	for (i = 0; i < ALERT_MAX_REC; i++) {
		struct rec *r = &a->recs[i];

		if (!r->used || r->m == NULL || r->done || r->ready)
			continue;
		if (alert_have(a, r->m))
			alert_ready(a, r->m->sha256);
		else if (best == NULL || rec_fetch_before(r, best, now_ms))
			best = r;
	}
	return best;
}

void
alert_fetch_next(struct alert *a)
{
	struct rec *best;

	while ((best = alert_fetch_best(a, clock_mono_ms())) != NULL) {
		if (a->fetch != NULL && strcmp(a->fetch->cf->sha256, best->m->sha256) == 0)
			return;		/* the fetch in progress is the one that matters most */
		alert_fetch_free(a);
		if (a->commit != NULL)
			return;		/* after the bulletin being stored: alert_commit_done() */
		log_info(_("alert: fetching the bulletin of \"%s\" (%s, %llu bytes in %zu parts)"),
		    best->m->title, best->id, (unsigned long long)best->m->size, best->m->chunks);
		if ((a->fetch = afetch_new(a, best->m)) != NULL)
			return;
		best->done = 1;
		alert_event(a, "alert_refused", json_pack("{s:s, s:s, s:s}", "id", best->id, "code",
		    "storage_error", "reason", _("cannot create a temporary file for the alert's "
		    "bulletin in the station's storage")));
	}
	alert_fetch_free(a);		/* no alert needs it any more */
}
void
alert_fetch_stall(struct alert *a, int64_t now_ms)
{
	struct rec *r;

	if (a->fetch == NULL || now_ms - a->fetch->progress_ms < ALERT_STALL_MS)
		return;
	a->fetch->progress_ms = now_ms;
	/* Another alert that needs a bulletin goes first for a while. */
	if ((r = alert_fetching(a)) != NULL) {
		r->fetch_after_ms = now_ms + ALERT_FETCH_BACKOFF_MS;
		alert_fetch_next(a);
		if (alert_fetching(a) != r)
			return;
	}
	/* Unsubscribe and subscribe again, and the broker sends the retained chunks again. */
	if (a->mqtt != NULL && mqtt_connected(a->mqtt)) {
		log_info(_("alert: no part of bulletin %s for a while; asking again"),
		    a->fetch->cf->sha256);
		(void)mqtt_unsubscribe(a->mqtt, a->fetch->filter);
		(void)mqtt_subscribe(a->mqtt, a->fetch->filter, 1);
	}
}
