/*
 * Fetching the bulletins of a verified district manifest, one at a time,
 * into a temporary file in the bulletin directory (".import-district-<sha256>",
 * so a crash leaves nothing that store_open() does not clean up; chunkfile.c
 * writes, checks and stores it). Each chunk is a retained message on its own
 * topic; the station subscribes to a few chunks it lacks at a time and
 * unsubscribes from each one it has written, so after a reconnect the broker
 * (which renews our subscriptions) sends only the chunks still missing, and
 * a slow link never has more than DISTRICT_WINDOW chunks in flight.
 *
 * A complete bulletin is hashed, synced and renamed into place by the store's
 * writer thread, not the loop (struct district_commit): the file is the job's
 * until district_commit_done() runs on the loop and goes on where the fetch
 * left off. A newer manifest that still needs that bulletin takes the commit
 * over; one that does not, a refusal or district_free() leave it to finish on
 * its own, and its done callback then only frees.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/link/district_int.h"

static void district_fetch_next(struct district *);

/* --- the bulletin being fetched ---------------------------------------------------------- */

static int
district_chunk_topic(const struct district *d, const char *sha, size_t i, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s%s/%zu", d->topic_audio, sha, i);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void
part_unsubscribe_all(struct district *d, struct part *p)
{
	char topic[DISTRICT_TOPIC_MAX];
	int i;

	for (i = 0; i < p->nsub; i++)
		if (d->mqtt != NULL && district_chunk_topic(d, p->cf->sha256, p->sub[i], topic,
		    sizeof(topic)) == 0)
			(void)mqtt_unsubscribe(d->mqtt, topic);
	p->nsub = 0;
}

static void
part_free(struct district *d, struct part *p)
{
	if (p == NULL)
		return;
	part_unsubscribe_all(d, p);
	chunkfile_free(p->cf);
	free(p);
}

static struct part *
part_new(struct district *d, const struct manifest_bulletin *b, uint32_t chunk_size)
{
	struct part *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	if ((p->cf = chunkfile_new(d->bdir, DISTRICT_TMP_PREFIX, b->sha256, b->size, chunk_size,
	    "district")) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

/* Subscribes to chunks the part lacks, up to the window. */
static void
part_fill_window(struct district *d, struct part *p)
{
	char topic[DISTRICT_TOPIC_MAX];
	size_t i;
	int j, subscribed;

	for (i = 0; i < p->cf->chunks && p->nsub < DISTRICT_WINDOW; i++) {
		if (p->cf->have[i])
			continue;
		for (j = 0, subscribed = 0; j < p->nsub; j++)
			subscribed |= p->sub[j] == i;
		if (subscribed || district_chunk_topic(d, p->cf->sha256, i, topic, sizeof(topic)) < 0)
			continue;
		if (d->mqtt != NULL && mqtt_subscribe(d->mqtt, topic, 1) < 0) {
			log_warnx(_("district: cannot subscribe to %s; will try again"), topic);
			break;
		}
		p->sub[p->nsub++] = i;
	}
}

static void
part_drop_sub(struct district *d, struct part *p, size_t idx)
{
	char topic[DISTRICT_TOPIC_MAX];
	int j;

	for (j = 0; j < p->nsub; j++) {
		if (p->sub[j] != idx)
			continue;
		p->sub[j] = p->sub[--p->nsub];
		if (d->mqtt != NULL && district_chunk_topic(d, p->cf->sha256, idx, topic,
		    sizeof(topic)) == 0)
			(void)mqtt_unsubscribe(d->mqtt, topic);
		return;
	}
}

/* --- the fetch of a manifest's bulletins -------------------------------------------------- */

void
district_fetch_free(struct district *d, struct fetch *f, int keep_manifest)
{
	if (f == NULL)
		return;
	if (d->commit.f == f)
		d->commit.f = NULL;	/* the commit finishes for no one */
	part_free(d, f->part);
	if (!keep_manifest)
		manifest_free(f->m);
	free(f->payload);
	free(f);
}

void
district_fetch_drop(struct district *d)
{
	district_fetch_free(d, d->fetch, 0);
	d->fetch = NULL;
}

static int
district_bulletin_path(const struct district *d, const char *sha, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s.opus", d->bdir, sha);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
district_have(const struct district *d, const struct manifest_bulletin *b)
{
	char path[PATH_MAX];
	struct stat st;

	return district_bulletin_path(d, b->sha256, path, sizeof(path)) == 0 &&
	    stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == b->size;
}

/* Refuses the manifest being fetched, e.g. for a bulletin that does not hash right. */
static void
district_fetch_fail(struct district *d, const char *code, const char *reason)
{
	struct fetch *f = d->fetch;
	unsigned char hash[32];
	int64_t version = f->m->version;

	memcpy(hash, f->hash, sizeof(hash));
	district_fetch_drop(d);
	district_refuse(d, hash, version, code, "%s", reason);
}

/* The bulletin b could not be stored (rc from chunkfile_commit()): the manifest is refused. */
static void
district_commit_fail(struct district *d, const struct manifest_bulletin *b, int rc)
{
	char reason[DISTRICT_REASON_MAX];

	if (rc == -EBADMSG) {
		snprintf(reason, sizeof(reason), _("the bulletin \"%s\" (%s) received from the broker "
		    "does not match the SHA-256 the district signed: it was altered or damaged on "
		    "the way"), b->title, b->file);
		district_fetch_fail(d, "bulletin_mismatch", reason);
		return;
	}
	snprintf(reason, sizeof(reason), _("the bulletin \"%s\" (%s) cannot be stored: %s"),
	    b->title, b->file, strerror(-rc));
	district_fetch_fail(d, rc == -ENOSPC ? "no_space" : "storage_error", reason);
}

/* The bulletins of m not stored yet. */
static size_t
district_missing(const struct district *d, const struct manifest *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->n_bulletins; i++)
		n += !district_have(d, &m->bulletins[i]);
	return n;
}

/*
 * On the loop, once the store's writer has checked and stored the bulletin
 * (or found it wrong): the fetch it counts for goes on, or is refused, as it
 * would have straight after the last chunk. When that fetch is gone (a newer
 * manifest that does not need it, a refusal), only the file is freed.
 */
static void
district_commit_done(void *arg, struct chunkfile *cf, int rc)
{
	struct district *d = arg;
	struct fetch *f = d->commit.f;
	const struct manifest_bulletin *b = NULL;

	chunkfile_free(cf);	/* the temporary file goes, unless it became the bulletin */
	d->commit.job = NULL;
	d->commit.f = NULL;
	if (rc == -ECANCELED)
		return;		/* the station is stopping */
	if (f != NULL && f == d->fetch)
		b = manifest_bulletin_find(f->m, d->commit.sha256);
	if (b == NULL) {
		if (rc < 0)
			log_info(_("district: bulletin %.12s… was not stored (%s); no schedule needs it "
			    "any more"), d->commit.sha256, strerror(-rc));
		if (d->fetch == NULL)
			return;
		d->fetch->missing = district_missing(d, d->fetch->m);
		district_fetch_next(d);		/* it waited for the writer */
		return;
	}
	if (rc < 0) {
		district_commit_fail(d, b, rc);
		return;
	}
	log_info(_("district: stored bulletin \"%s\" (%s, %llu bytes)"), b->title, b->file,
	    (unsigned long long)b->size);
	f->missing = district_missing(d, f->m);
	district_fetch_next(d);
}

/*
 * The part is complete: the store's writer checks its hash and stores it
 * (chunkfile_commit_later()), and district_commit_done() goes on. The part is
 * gone meanwhile, so more copies of its chunks are ignored as late.
 */
static void
district_part_done(struct district *d)
{
	struct fetch *f = d->fetch;
	struct part *p = f->part;
	struct chunkfile *cf = p->cf;
	const struct manifest_bulletin *b = manifest_bulletin_find(f->m, cf->sha256);

	part_unsubscribe_all(d, p);
	memcpy(d->commit.sha256, cf->sha256, sizeof(d->commit.sha256));
	d->commit.size = cf->size;
	d->commit.job = chunkfile_commit_later(cf, d->writer, d->bdir, district_commit_done, d);
	if (d->commit.job == NULL) {
		district_commit_fail(d, b, -ENOMEM);	/* frees the part and its file */
		return;
	}
	d->commit.f = f;
	p->cf = NULL;		/* the job's now: not to be touched until done */
	part_free(d, p);
	f->part = NULL;
	log_info(_("district: all %zu parts of bulletin \"%s\" (%s) received; checking and "
	    "storing it"), b->chunks, b->title, b->file);
}

/* A chunk of the bulletin being fetched: write it where it belongs. */
void
district_fetch_chunk(struct district *d, const char *sha, size_t idx, const void *data, size_t len)
{
	struct fetch *f = d->fetch;
	struct part *p = f != NULL ? f->part : NULL;
	const struct manifest_bulletin *b;
	char reason[DISTRICT_REASON_MAX];
	int rc;

	if (p == NULL || strcmp(sha, p->cf->sha256) != 0 ||
	    (b = manifest_bulletin_find(f->m, p->cf->sha256)) == NULL)
		return;		/* late or not ours */
	if ((rc = chunkfile_put(p->cf, idx, data, len)) > 0)
		return;		/* the broker may send a chunk twice */
	if (rc == -EBADMSG) {
		snprintf(reason, sizeof(reason), _("part %zu of the bulletin \"%s\" (%s) on the broker "
		    "has %zu bytes, not the %llu the district signed: it was altered or damaged"),
		    idx, b->title, b->file, len, (unsigned long long)chunkfile_chunk_len(p->cf, idx));
		district_fetch_fail(d, "bulletin_mismatch", reason);
		return;
	}
	if (rc < 0) {
		snprintf(reason, sizeof(reason), _("the bulletin \"%s\" (%s) cannot be written: %s"),
		    b->title, b->file, strerror(-rc));
		district_fetch_fail(d, rc == -ENOSPC ? "no_space" : "storage_error", reason);
		return;
	}
	f->received += len;
	f->progress_ms = clock_mono_ms();
	part_drop_sub(d, p, idx);
	if (chunkfile_complete(p->cf))
		district_part_done(d);
	else
		part_fill_window(d, p);
}

/* Starts on the next bulletin missing, or arms when none is. */
static void
district_fetch_next(struct district *d)
{
	struct fetch *f = d->fetch;
	const struct manifest_bulletin *b = NULL;
	size_t i;

	if (f->part != NULL)		/* carried over from the manifest this one replaced */
		b = manifest_bulletin_find(f->m, f->part->cf->sha256);
	for (i = 0; i < f->m->n_bulletins && b == NULL; i++)
		if (!district_have(d, &f->m->bulletins[i]))
			b = &f->m->bulletins[i];
	if (b == NULL) {
		district_arm(d);
		district_gc(d);
		return;
	}
	if (d->commit.job != NULL)
		return;		/* one bulletin at a time: district_commit_done() calls again */
	if (f->part == NULL && (f->part = part_new(d, b, f->m->chunk_size)) == NULL) {
		district_fetch_fail(d, "storage_error", _("cannot create a temporary file for a "
		    "bulletin in the station's storage"));
		return;
	}
	f->progress_ms = clock_mono_ms();
	log_info(_("district: fetching bulletin \"%s\" (%s, %llu bytes in %zu parts)"), b->title,
	    b->file, (unsigned long long)b->size, b->chunks);
	part_fill_window(d, f->part);
}

/* Bytes and bulletins still to fetch; 0, or -ENOSPC when they would not fit. */
static int
district_plan(struct district *d, struct fetch *f, char *why, size_t whylen)
{
	struct statvfs vfs;
	uint64_t need = 0, avail;
	size_t i;

	for (i = 0; i < f->m->n_bulletins; i++) {
		if (district_have(d, &f->m->bulletins[i]))
			continue;
		f->missing++;
		need += f->m->bulletins[i].size;
	}
	f->bytes = need;
	if (need == 0 || statvfs(d->bdir, &vfs) == -1)
		return 0;
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (need + DISTRICT_DISK_MARGIN <= avail)
		return 0;
	snprintf(why, whylen, _("its %zu new bulletins need %llu MB and the station's storage "
	    "(%s) has %llu MB free; free some space or publish fewer bulletins"), f->missing,
	    (unsigned long long)((need + DISTRICT_DISK_MARGIN) >> 20), d->bdir,
	    (unsigned long long)(avail >> 20));
	return -ENOSPC;
}

/*
 * Takes over the bulletin half written, or being stored, for the manifest
 * being replaced, if still needed.
 */
static void
district_carry_part(struct district *d, struct fetch *f)
{
	const struct manifest_bulletin *b;
	struct part *p;

	/* Whoever it was for, the new manifest counts on the bulletin being stored if it needs it. */
	if (d->commit.job != NULL && (b = manifest_bulletin_find(f->m, d->commit.sha256)) != NULL &&
	    b->size == d->commit.size)
		d->commit.f = f;
	if (d->fetch == NULL || (p = d->fetch->part) == NULL)
		return;
	b = manifest_bulletin_find(f->m, p->cf->sha256);
	if (b == NULL || b->size != p->cf->size || f->m->chunk_size != p->cf->chunk_size)
		return;
	f->part = p;
	d->fetch->part = NULL;
}

void
district_start(struct district *d, struct manifest *m, const void *payload, size_t len,
    const unsigned char hash[32])
{
	struct fetch *f = calloc(1, sizeof(*f));
	char why[DISTRICT_REASON_MAX];
	int64_t version = m->version;

	if (f == NULL || (f->payload = strndup(payload, len)) == NULL) {
		free(f);
		manifest_free(m);
		district_refuse(d, hash, version, "no_memory", _("out of memory"));
		return;
	}
	f->m = m;
	memcpy(f->hash, hash, sizeof(f->hash));
	if (district_plan(d, f, why, sizeof(why)) < 0) {
		district_fetch_free(d, f, 0);
		district_refuse(d, hash, version, "no_space", "%s", why);
		return;
	}
	district_carry_part(d, f);
	district_fetch_drop(d);
	d->fetch = f;
	log_info(_("district: district schedule version %lld verified (%zu slots, %zu bulletins, "
	    "%zu to fetch)"), (long long)m->version, m->n_slots, m->n_bulletins, f->missing);
	district_fetch_next(d);
}

/* --- the stall timer ------------------------------------------------------------------------- */

static int
district_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	struct district *d = arg;
	int64_t due;

	(void)pfd;
	(void)max;
	if (d->fetch != NULL && d->fetch->part != NULL && d->connected) {
		due = d->fetch->progress_ms + DISTRICT_STALL_MS;
		if (due < *deadline_ms)
			*deadline_ms = due;
	}
	return 0;
}

/* No chunk for a while although connected: subscribe again, so the broker resends. */
static void
district_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now_ms)
{
	struct district *d = arg;
	struct part *p;

	(void)pfd;
	(void)n;
	if (d->fetch == NULL || (p = d->fetch->part) == NULL || !d->connected ||
	    now_ms < d->fetch->progress_ms + DISTRICT_STALL_MS)
		return;
	log_warnx(_("district: no part of bulletin %.12s… came for %d s; asking the broker again "
	    "(is it published at %s%s/?)"), p->cf->sha256, DISTRICT_STALL_MS / 1000, d->topic_audio,
	    p->cf->sha256);
	part_unsubscribe_all(d, p);
	part_fill_window(d, p);
	d->fetch->progress_ms = now_ms;
}

void
district_source(struct district *d, struct ev_source *out)
{
	*out = (struct ev_source){
		.name = "district",
		.prepare = district_prepare,
		.dispatch = district_dispatch,
		.arg = d,
	};
}
