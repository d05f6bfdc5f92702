/*
 * The station's side of the district schedule: receive the signed manifest,
 * verify it (manifest.c), fetch the bulletins the station lacks chunk by
 * chunk, store them, and arm the schedule only when everything is there.
 *
 * Fetching: one bulletin at a time, into a temporary file in the bulletin
 * directory (".import-district-<sha256>", so a crash leaves nothing that
 * store_open() does not clean up). Each chunk is a retained message on its
 * own topic; the station subscribes to a few chunks it lacks at a time and
 * unsubscribes from each one it has written, so after a reconnect the broker
 * (which renews our subscriptions) sends only the chunks still missing. A
 * chunk is written where it belongs (pwrite), whatever the order; the whole
 * file is hashed before it is renamed to <sha256>.opus.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "config/i18n.h"
#include "config/keys.h"
#include "daemon/core/clock.h"
#include "daemon/core/file.h"
#include "daemon/core/log.h"
#include "daemon/link/district.h"
#include "daemon/proto/manifest.h"
#include "daemon/proto/report.h"

#define DISTRICT_KV_KEY		"district.manifest"
#define DISTRICT_TMP_PREFIX	".import-district-"
#define DISTRICT_WINDOW		4		/* chunk topics subscribed at once */
#define DISTRICT_STALL_MS	30000		/* no chunk for this long: ask again */
#define DISTRICT_DISK_MARGIN	(16ULL * 1024 * 1024)	/* left free for the queue and the log */
#define DISTRICT_TOPIC_MAX	256
#define DISTRICT_REASON_MAX	640

/* The bulletin being written: survives a newer manifest that still needs it. */
struct part {
	char	 sha256[65];
	uint64_t size;
	uint32_t chunk_size;
	size_t	 chunks, nhave;
	uint8_t	*have;
	int	 fd;
	char	 tmp[PATH_MAX];
	size_t	 sub[DISTRICT_WINDOW];	/* chunk indexes subscribed */
	int	 nsub;
};

/* A verified manifest whose bulletins are being fetched. */
struct fetch {
	struct manifest	*m;
	char		*payload;	/* the envelope, persisted once armed */
	unsigned char	 hash[32];
	struct part	*part;
	size_t		 missing;	/* bulletins not stored yet */
	uint64_t	 bytes, received;
	int64_t		 progress_ms;
};

struct district {
	int		 configured;
	unsigned char	 pk[KEYS_PUBLIC_BYTES];
	char		 key_id[KEYS_ID_HEX + 1];
	char		 region[64], station[64];
	char		 topic_manifest[DISTRICT_TOPIC_MAX];
	char		 topic_audio[DISTRICT_TOPIC_MAX];	/* "loaxa/<region>/audio/" */
	char		 bdir[PATH_MAX];
	struct store	*store;
	struct mqtt	*mqtt;
	struct district_hooks hooks;
	int		 connected;

	struct manifest	*armed;		/* its schedule was handed to the station */
	unsigned char	 armed_hash[32];
	struct fetch	*fetch;

	int		 refused;
	int64_t		 ref_version;
	const char	*ref_code;
	char		 ref_reason[DISTRICT_REASON_MAX];
	time_t		 ref_at;
	unsigned char	 ref_hash[32];
};

static void district_fetch_next(struct district *);

/* --- reporting ------------------------------------------------------------------------ */

static void
district_event(struct district *d, const char *event, json_t *details)
{
	if (details == NULL)
		return;
	if (d->hooks.event != NULL)
		d->hooks.event(d->hooks.arg, event, details);
	json_decref(details);
}

/* A manifest is refused: the schedule in force stays; say why, once per payload. */
static void
district_refuse(struct district *d, const unsigned char hash[32], int64_t version,
    const char *code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
district_refuse(struct district *d, const unsigned char hash[32], int64_t version,
    const char *code, const char *fmt, ...)
{
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	(void)vsnprintf(d->ref_reason, sizeof(d->ref_reason), fmt, ap);
	va_end(ap);
	d->refused = 1;
	d->ref_version = version;
	d->ref_code = code;
	d->ref_at = time(NULL);
	if (hash != NULL)
		memcpy(d->ref_hash, hash, sizeof(d->ref_hash));
	log_warnx("district: refused the district schedule%s%.0lld: %s; %s", version > 0 ?
	    " version " : "", (long long)version, d->ref_reason, d->armed != NULL ?
	    "the schedule in force stays" : "the station plays its local schedule and queue");
	o = json_pack("{s:s, s:s}", "code", code, "reason", d->ref_reason);
	if (o != NULL && version > 0)
		json_object_set_new(o, "version", json_integer(version));
	if (o != NULL && d->armed != NULL)
		json_object_set_new(o, "in_force", json_integer(d->armed->version));
	district_event(d, "schedule_refused", o);
}

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
		if (d->mqtt != NULL && district_chunk_topic(d, p->sha256, p->sub[i], topic,
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
	if (p->fd != -1)
		close(p->fd);
	if (p->tmp[0] != '\0')
		unlink(p->tmp);
	free(p->have);
	free(p);
}

static struct part *
part_new(struct district *d, const struct manifest_bulletin *b, uint32_t chunk_size)
{
	struct part *p = calloc(1, sizeof(*p));
	int n;

	if (p == NULL)
		return NULL;
	p->fd = -1;
	memcpy(p->sha256, b->sha256, sizeof(p->sha256));
	p->size = b->size;
	p->chunk_size = chunk_size;
	p->chunks = b->chunks;
	n = snprintf(p->tmp, sizeof(p->tmp), "%s/" DISTRICT_TMP_PREFIX "%s", d->bdir, b->sha256);
	if (n < 0 || (size_t)n >= sizeof(p->tmp) || (p->have = calloc(p->chunks, 1)) == NULL)
		goto fail;
	p->fd = open(p->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (p->fd == -1) {
		log_warn("district: cannot create %s", p->tmp);
		goto fail;
	}
	return p;
fail:
	p->tmp[0] = '\0';
	part_free(d, p);
	return NULL;
}

/* Subscribes to chunks the part lacks, up to the window. */
static void
part_fill_window(struct district *d, struct part *p)
{
	char topic[DISTRICT_TOPIC_MAX];
	size_t i;
	int j, subscribed;

	for (i = 0; i < p->chunks && p->nsub < DISTRICT_WINDOW; i++) {
		if (p->have[i])
			continue;
		for (j = 0, subscribed = 0; j < p->nsub; j++)
			subscribed |= p->sub[j] == i;
		if (subscribed || district_chunk_topic(d, p->sha256, i, topic, sizeof(topic)) < 0)
			continue;
		if (d->mqtt != NULL && mqtt_subscribe(d->mqtt, topic, 1) < 0) {
			log_warnx("district: cannot subscribe to %s; will try again", topic);
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
		if (d->mqtt != NULL && district_chunk_topic(d, p->sha256, idx, topic,
		    sizeof(topic)) == 0)
			(void)mqtt_unsubscribe(d->mqtt, topic);
		return;
	}
}

static int
district_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd == -1)
		return -errno;
	if (fsync(fd) == -1)
		rc = -errno;
	close(fd);
	return rc;
}

/* --- the fetch of a manifest's bulletins -------------------------------------------------- */

static void
fetch_free(struct district *d, struct fetch *f, int keep_manifest)
{
	if (f == NULL)
		return;
	part_free(d, f->part);
	if (!keep_manifest)
		manifest_free(f->m);
	free(f->payload);
	free(f);
}

/* Abandons the fetch in progress (a newer manifest, or a refusal). */
static void
district_fetch_drop(struct district *d)
{
	fetch_free(d, d->fetch, 0);
	d->fetch = NULL;
}

static int
district_bulletin_path(const struct district *d, const char *sha, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s.opus", d->bdir, sha);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Whether the bulletin is stored already (it is renamed into place only once verified). */
static int
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

/* The part is complete: sync it, check its hash, rename it into place. */
static void
district_part_done(struct district *d)
{
	struct fetch *f = d->fetch;
	struct part *p = f->part;
	const struct manifest_bulletin *b = manifest_bulletin_find(f->m, p->sha256);
	char path[PATH_MAX], hex[65], reason[DISTRICT_REASON_MAX];
	int rc;

	rc = fsync(p->fd) == -1 ? -errno : 0;
	close(p->fd);
	p->fd = -1;
	if (rc == 0)
		rc = file_sha256(p->tmp, hex);
	if (rc == 0 && strcmp(hex, p->sha256) != 0) {
		snprintf(reason, sizeof(reason), _("the bulletin \"%s\" (%s) received from the broker "
		    "does not match the SHA-256 the district signed: it was altered or damaged on "
		    "the way"), b->title, b->file);
		district_fetch_fail(d, "bulletin_mismatch", reason);
		return;
	}
	if (rc == 0 && (rc = district_bulletin_path(d, p->sha256, path, sizeof(path))) == 0 &&
	    rename(p->tmp, path) == -1)
		rc = -errno;
	if (rc < 0) {
		snprintf(reason, sizeof(reason), _("the bulletin \"%s\" (%s) cannot be stored: %s"),
		    b->title, b->file, strerror(-rc));
		district_fetch_fail(d, rc == -ENOSPC ? "no_space" : "storage_error", reason);
		return;
	}
	p->tmp[0] = '\0';
	(void)district_sync_dir(d->bdir);
	log_info("district: stored bulletin \"%s\" (%s, %llu bytes)", b->title, b->file,
	    (unsigned long long)b->size);
	part_free(d, p);
	f->part = NULL;
	f->missing--;
	district_fetch_next(d);
}

/* A chunk of the bulletin being fetched: write it where it belongs. */
static void
district_on_chunk(struct district *d, const char *sha, size_t idx, const void *data, size_t len)
{
	struct fetch *f = d->fetch;
	struct part *p = f != NULL ? f->part : NULL;
	const struct manifest_bulletin *b;
	char reason[DISTRICT_REASON_MAX];
	uint64_t off, want;
	ssize_t w;
	int err;

	if (p == NULL || strcmp(sha, p->sha256) != 0 || idx >= p->chunks || p->have[idx])
		return;		/* late, repeated or not ours: the broker may send a chunk twice */
	if ((b = manifest_bulletin_find(f->m, p->sha256)) == NULL)
		return;
	off = (uint64_t)idx * p->chunk_size;
	want = p->size - off < p->chunk_size ? p->size - off : p->chunk_size;
	if (len != want) {
		snprintf(reason, sizeof(reason), _("part %zu of the bulletin \"%s\" (%s) on the broker "
		    "has %zu bytes, not the %llu the district signed: it was altered or damaged"),
		    idx, b->title, b->file, len, (unsigned long long)want);
		district_fetch_fail(d, "bulletin_mismatch", reason);
		return;
	}
	do
		w = pwrite(p->fd, data, len, (off_t)off);
	while (w == -1 && errno == EINTR);
	if (w != (ssize_t)len) {
		err = w == -1 ? errno : EIO;
		snprintf(reason, sizeof(reason), _("the bulletin \"%s\" (%s) cannot be written: %s"),
		    b->title, b->file, strerror(err));
		district_fetch_fail(d, err == ENOSPC ? "no_space" : "storage_error", reason);
		return;
	}
	p->have[idx] = 1;
	p->nhave++;
	f->received += len;
	f->progress_ms = clock_mono_ms();
	part_drop_sub(d, p, idx);
	if (p->nhave == p->chunks)
		district_part_done(d);
	else
		part_fill_window(d, p);
}

/* Persists the fetched manifest and hands its schedule to the station. */
static void
district_arm(struct district *d)
{
	struct fetch *f = d->fetch;
	struct manifest *m = f->m;
	json_t *o;

	if (store_kv_set(d->store, DISTRICT_KV_KEY, f->payload) < 0)
		log_warnx("district: cannot save district schedule version %lld; it plays now but "
		    "not after a restart without the broker", (long long)m->version);
	manifest_free(d->armed);
	d->armed = m;
	memcpy(d->armed_hash, f->hash, sizeof(d->armed_hash));
	fetch_free(d, f, 1);
	d->fetch = NULL;
	log_info("district: armed district schedule version %lld issued %s: %zu slots, %zu "
	    "bulletins", (long long)m->version, m->issued, m->n_slots, m->n_bulletins);
	if (d->hooks.armed != NULL)
		d->hooks.armed(d->hooks.arg, manifest_take_schedule(m));
	o = json_pack("{s:I, s:s, s:I, s:I, s:I, s:s}", "version", (json_int_t)m->version,
	    "issued", m->issued, "slots", (json_int_t)m->n_slots,
	    "bulletins", (json_int_t)m->n_bulletins, "bytes", (json_int_t)m->total_bytes,
	    "key_id", m->key_id);
	district_event(d, "schedule_armed", o);
}

static int
district_is_sha_name(const char *name, char sha[65])
{
	if (strlen(name) != 64 + 5 || strcmp(name + 64, ".opus") != 0)
		return 0;
	memcpy(sha, name, 64);
	sha[64] = '\0';
	return manifest_sha256_valid(sha);
}

/* Removes stored bulletins neither the armed schedule nor the station refers to. */
static void
district_gc(struct district *d)
{
	struct dirent *de;
	char sha[65];
	DIR *dir;
	int removed = 0;

	if (d->armed == NULL || (dir = opendir(d->bdir)) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		if (!district_is_sha_name(de->d_name, sha) || manifest_bulletin_find(d->armed, sha) ||
		    (d->fetch != NULL && manifest_bulletin_find(d->fetch->m, sha)) ||
		    (d->hooks.in_use != NULL && d->hooks.in_use(d->hooks.arg, sha)))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0) == 0)
			removed++;
		else
			log_warn("district: cannot remove %s/%s", d->bdir, de->d_name);
	}
	closedir(dir);
	if (removed > 0)
		log_info("district: removed %d stored bulletins that no schedule or queue uses "
		    "any more", removed);
}

/* Starts on the next bulletin missing, or arms when none is. */
static void
district_fetch_next(struct district *d)
{
	struct fetch *f = d->fetch;
	const struct manifest_bulletin *b = NULL;
	size_t i;

	if (f->part != NULL)		/* carried over from the manifest this one replaced */
		b = manifest_bulletin_find(f->m, f->part->sha256);
	for (i = 0; i < f->m->n_bulletins && b == NULL; i++)
		if (!district_have(d, &f->m->bulletins[i]))
			b = &f->m->bulletins[i];
	if (b == NULL) {
		district_arm(d);
		district_gc(d);
		return;
	}
	if (f->part == NULL && (f->part = part_new(d, b, f->m->chunk_size)) == NULL) {
		district_fetch_fail(d, "storage_error", _("cannot create a temporary file for a "
		    "bulletin in the station's storage"));
		return;
	}
	f->progress_ms = clock_mono_ms();
	log_info("district: fetching bulletin \"%s\" (%s, %llu bytes in %zu parts)", b->title,
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

/* Takes over the bulletin half written for the manifest being replaced, if still needed. */
static void
district_carry_part(struct district *d, struct fetch *f)
{
	const struct manifest_bulletin *b;
	struct part *p;

	if (d->fetch == NULL || (p = d->fetch->part) == NULL)
		return;
	b = manifest_bulletin_find(f->m, p->sha256);
	if (b == NULL || b->size != p->size || f->m->chunk_size != p->chunk_size)
		return;
	f->part = p;
	d->fetch->part = NULL;
}

/* A verified manifest: fetch what it needs (the one being fetched is abandoned). */
static void
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
		fetch_free(d, f, 0);
		district_refuse(d, hash, version, "no_space", "%s", why);
		return;
	}
	district_carry_part(d, f);
	district_fetch_drop(d);
	d->fetch = f;
	log_info("district: district schedule version %lld verified (%zu slots, %zu bulletins, "
	    "%zu to fetch)", (long long)m->version, m->n_slots, m->n_bulletins, f->missing);
	district_fetch_next(d);
}

static void
district_check_init(const struct district *d, struct manifest_check *chk, int64_t newest)
{
	*chk = (struct manifest_check){ .public_key = d->pk, .region = d->region,
	    .station = d->station, .newest = newest, .bulletin_dir = d->bdir };
}

static void
district_on_manifest(struct district *d, const void *payload, size_t len)
{
	struct manifest_check chk;
	struct manifest *m;
	enum manifest_code code;
	unsigned char hash[32];
	char why[DISTRICT_REASON_MAX];
	int64_t newest = 0, version;

	crypto_generichash(hash, sizeof(hash), payload, len, NULL, 0);
	/* The broker sends the retained manifest again after every reconnect. */
	if ((d->armed != NULL && memcmp(hash, d->armed_hash, 32) == 0) ||
	    (d->fetch != NULL && memcmp(hash, d->fetch->hash, 32) == 0) ||
	    (d->refused && memcmp(hash, d->ref_hash, 32) == 0)) {
		log_debug("district: the district schedule received again is the one already handled");
		return;
	}
	if (d->armed != NULL)
		newest = d->armed->version;
	if (d->fetch != NULL && d->fetch->m->version > newest)
		newest = d->fetch->m->version;
	district_check_init(d, &chk, newest);
	m = manifest_verify(payload, len, &chk, &code, &version, why, sizeof(why));
	if (m == NULL) {
		district_refuse(d, hash, version, manifest_code_name(code), "%s", why);
		return;
	}
	district_start(d, m, payload, len, hash);
}

/* "loaxa/<region>/audio/<sha256>/<index>" after the prefix: 0 and its parts, else -EINVAL. */
static int
district_parse_chunk_topic(const char *rest, char sha[65], size_t *idx)
{
	unsigned long long v = 0;
	const char *p;

	if (strlen(rest) < 66 || rest[64] != '/')
		return -EINVAL;
	memcpy(sha, rest, 64);
	sha[64] = '\0';
	if (!manifest_sha256_valid(sha))
		return -EINVAL;
	for (p = rest + 65; *p >= '0' && *p <= '9' && v < 1000000; p++)
		v = v * 10 + (unsigned)(*p - '0');
	if (*p != '\0' || p == rest + 65)
		return -EINVAL;
	*idx = (size_t)v;
	return 0;
}

int
district_on_message(struct district *d, const char *topic, const void *payload, size_t len)
{
	size_t plen = strlen(d->topic_audio), idx;
	char sha[65];

	if (strcmp(topic, d->topic_manifest) == 0) {
		if (d->configured)
			district_on_manifest(d, payload, len);
		return 1;
	}
	if (strncmp(topic, d->topic_audio, plen) != 0)
		return 0;
	if (d->configured && district_parse_chunk_topic(topic + plen, sha, &idx) == 0)
		district_on_chunk(d, sha, idx, payload, len);
	return 1;
}

void
district_on_connect(struct district *d, int connected)
{
	d->connected = connected;
	/* The subscriptions are renewed by the MQTT module; the stall clock starts again. */
	if (connected && d->fetch != NULL)
		d->fetch->progress_ms = clock_mono_ms();
}

/* Re-arms the schedule persisted before a restart, when it is still whole. */
static void
district_restore(struct district *d)
{
	struct manifest_check chk;
	struct manifest *m;
	enum manifest_code code;
	unsigned char hash[32];
	char *buf = malloc(MANIFEST_MAX_BYTES + 1), why[DISTRICT_REASON_MAX];
	int64_t version;
	size_t i, missing = 0;

	if (buf == NULL || store_kv_get(d->store, DISTRICT_KV_KEY, buf, MANIFEST_MAX_BYTES + 1) < 0) {
		free(buf);
		return;
	}
	crypto_generichash(hash, sizeof(hash), (unsigned char *)buf, strlen(buf), NULL, 0);
	district_check_init(d, &chk, 0);
	if ((m = manifest_verify(buf, strlen(buf), &chk, &code, &version, why, sizeof(why))) == NULL) {
		district_refuse(d, hash, version, manifest_code_name(code), _("the district schedule "
		    "saved before the restart is not valid any more: %s"), why);
		free(buf);
		return;
	}
	for (i = 0; i < m->n_bulletins; i++)
		missing += !district_have(d, &m->bulletins[i]);
	if (missing > 0) {
		log_warnx("district: %zu bulletins of district schedule version %lld are missing "
		    "from storage; fetching them again before it plays", missing, (long long)version);
		district_start(d, m, buf, strlen(buf), hash);
		free(buf);
		return;
	}
	d->armed = m;
	memcpy(d->armed_hash, hash, sizeof(hash));
	free(buf);
	log_info("district: district schedule version %lld issued %s is in force (%zu slots, %zu "
	    "bulletins)", (long long)m->version, m->issued, m->n_slots, m->n_bulletins);
	if (d->hooks.armed != NULL)
		d->hooks.armed(d->hooks.arg, manifest_take_schedule(m));
}

static int
district_topics(struct district *d, const struct config *cfg)
{
	int a = snprintf(d->topic_manifest, sizeof(d->topic_manifest), "loaxa/%s/schedule",
	    cfg->station.region);
	int b = snprintf(d->topic_audio, sizeof(d->topic_audio), "loaxa/%s/audio/",
	    cfg->station.region);

	snprintf(d->region, sizeof(d->region), "%s", cfg->station.region);
	snprintf(d->station, sizeof(d->station), "%s", cfg->station.id);
	return a < 0 || b < 0 || (size_t)a >= sizeof(d->topic_manifest) ||
	    (size_t)b >= sizeof(d->topic_audio) ? -ENAMETOOLONG : 0;
}

struct district *
district_new(const struct config *cfg, struct store *store, struct mqtt *mqtt,
    const struct district_hooks *hooks, struct errlist *errs)
{
	struct district *d = calloc(1, sizeof(*d));
	char why[512];
	int n;

	if (d == NULL || district_topics(d, cfg) < 0) {
		errlist_add(errs, _("cannot set up the district schedule: out of memory"));
		free(d);
		return NULL;
	}
	d->store = store;
	d->mqtt = mqtt;
	if (hooks != NULL)
		d->hooks = *hooks;
	if (cfg->district.public_key[0] == '\0') {
		log_info("district: no district key configured (district.public_key): the station "
		    "plays only its local schedule and queue");
		return d;
	}
	if (sodium_init() < 0 || keys_load_public(cfg->district.public_key, d->pk, why,
	    sizeof(why)) < 0) {
		errlist_add(errs, "%s: district.public_key: %s", cfg->path, why);
		free(d);
		return NULL;
	}
	n = snprintf(d->bdir, sizeof(d->bdir), "%s", store_bulletin_dir(store));
	(void)n;
	keys_id(d->pk, d->key_id);
	d->configured = 1;
	district_restore(d);
	if (mqtt != NULL && mqtt_subscribe(mqtt, d->topic_manifest, 1) < 0) {
		errlist_add(errs, _("cannot subscribe to the district schedule at %s"),
		    d->topic_manifest);
		district_free(d);
		return NULL;
	}
	log_info("district: listening for district schedules at %s (district key %s)",
	    d->topic_manifest, d->key_id);
	return d;
}

void
district_free(struct district *d)
{
	if (d == NULL)
		return;
	district_fetch_drop(d);
	manifest_free(d->armed);
	free(d);
}

static json_t *
district_fetch_json(const struct fetch *f)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "version", (json_int_t)f->m->version,
	    "bulletins", (json_int_t)f->m->n_bulletins, "missing", (json_int_t)f->missing,
	    "bytes", (json_int_t)f->bytes, "received", (json_int_t)f->received);
	const struct manifest_bulletin *b;

	if (o != NULL && f->part != NULL &&
	    (b = manifest_bulletin_find(f->m, f->part->sha256)) != NULL)
		json_object_set_new(o, "current", json_string(b->title));
	return o;
}

json_t *
district_status(const struct district *d)
{
	json_t *o = json_object();
	const struct manifest *m = d->armed;

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "configured", json_boolean(d->configured));
	if (!d->configured)
		return o;
	json_object_set_new(o, "key_id", json_string(d->key_id));
	if (m != NULL) {
		json_object_set_new(o, "version", json_integer(m->version));
		json_object_set_new(o, "issued", json_string(m->issued));
		json_object_set_new(o, "slots", json_integer((json_int_t)m->n_slots));
		json_object_set_new(o, "bulletins", json_integer((json_int_t)m->n_bulletins));
	}
	json_object_set_new(o, "complete", json_boolean(m != NULL && d->fetch == NULL));
	json_object_set_new(o, "missing", json_integer(d->fetch != NULL ?
	    (json_int_t)d->fetch->missing : 0));
	if (d->fetch != NULL)
		json_object_set_new(o, "fetching", district_fetch_json(d->fetch));
	if (d->refused) {
		json_t *r = json_pack("{s:s, s:s, s:o}", "code", d->ref_code, "reason",
		    d->ref_reason, "at", report_time(d->ref_at));

		if (r != NULL && d->ref_version > 0)
			json_object_set_new(r, "version", json_integer(d->ref_version));
		json_object_set_new(o, "refused", r);
	}
	return o;
}

const char *
district_file_name(const struct district *d, const char *sha256)
{
	const struct manifest_bulletin *b;

	if (d->armed != NULL && (b = manifest_bulletin_find(d->armed, sha256)) != NULL)
		return b->file;
	return NULL;
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
	log_warnx("district: no part of bulletin %.12s… came for %d s; asking the broker again "
	    "(is it published at %s%s/?)", p->sha256, DISTRICT_STALL_MS / 1000, d->topic_audio,
	    p->sha256);
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
