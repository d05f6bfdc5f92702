/*
 * Fetching the bulletins of district alerts. An alert's bulletin is fetched
 * through one wildcard subscription, loaxa/<region>/audio/<sha256>/+, so
 * every retained chunk comes at once (alerts are short and latency matters);
 * the chunks are assembled and stored as the district's are (chunkfile.c).
 * One fetch at a time; the others wait their turn in the table.
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
		log_warnx("alert: cannot subscribe to %s; will try again", f->filter);
	return f;
}

/* The record whose bulletin is being fetched (the first not ready and not done). */
static struct rec *
alert_fetching(struct alert *a)
{
	size_t i;

	for (i = 0; a->fetch != NULL && i < ALERT_MAX_REC; i++)
		if (a->recs[i].used && a->recs[i].m != NULL && !a->recs[i].ready &&
		    !a->recs[i].done && strcmp(a->recs[i].m->sha256, a->fetch->cf->sha256) == 0)
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

/* Every chunk is written: store the bulletin, or refuse the alerts that need it. */
static void
alert_fetch_done(struct alert *a)
{
	struct rec *r = alert_fetching(a);
	char path[PATH_MAX], hex[65];
	int rc = chunkfile_commit(a->fetch->cf, a->bdir, path, sizeof(path));

	memcpy(hex, a->fetch->cf->sha256, sizeof(hex));
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
	alert_fetch_free(a);
	if (rc == 0) {
		log_info("alert: stored the bulletin %s", hex);
		alert_ready(a, hex);
	}
	alert_fetch_next(a);
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
		log_warnx("alert: cannot write %s: %s", f->cf->tmp, strerror(-rc));
		return;
	}
	f->progress_ms = clock_mono_ms();
	if (chunkfile_complete(f->cf))
		alert_fetch_done(a);
}

void
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
void
alert_fetch_stall(struct alert *a, int64_t now_ms)
{
	if (a->fetch == NULL || now_ms - a->fetch->progress_ms < ALERT_STALL_MS)
		return;
	a->fetch->progress_ms = now_ms;
	/* Unsubscribe and subscribe again, and the broker sends the retained chunks again. */
	if (a->mqtt != NULL && mqtt_connected(a->mqtt)) {
		log_info("alert: no part of bulletin %s for a while; asking again",
		    a->fetch->cf->sha256);
		(void)mqtt_unsubscribe(a->mqtt, a->fetch->filter);
		(void)mqtt_subscribe(a->mqtt, a->fetch->filter, 1);
	}
}
