/*
 * The station's side of the district schedule: receive the signed manifest,
 * verify it (manifest.c), have its bulletins fetched (district_fetch.c), and
 * arm the schedule only when everything is there; persist it for the next
 * start, remove the bulletins nothing uses any more, and report.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/link/district_int.h"
#include "daemon/store/store_writer.h"
#include "daemon/proto/report.h"

/* --- reporting ------------------------------------------------------------------------ */

void
district_event(struct district *d, const char *event, json_t *details)
{
	if ((details = report_details(details, "district", event)) == NULL)
		return;
	if (d->hooks.event != NULL)
		d->hooks.event(d->hooks.arg, event, details);
	json_decref(details);
}

void
district_refuse(struct district *d, const unsigned char hash[32], int64_t version,
    const char *code, const char *fmt, ...)
{
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	(void)vsnprintf(d->ref_reason, sizeof(d->ref_reason), fmt, ap);
	va_end(ap);
	conf_text_defang(d->ref_reason);	/* a reason cut short, or quoting a message: UTF-8 all the same */
	d->refused = 1;
	d->ref_version = version;
	d->ref_code = code;
	d->ref_at = time(NULL);
	if (hash != NULL)
		memcpy(d->ref_hash, hash, sizeof(d->ref_hash));
	log_warnx(_("district: refused the district schedule%s%.0lld: %s; %s"), version > 0 ?
	    _(" version ") : "", (long long)version, d->ref_reason, d->armed != NULL ?
	    _("the schedule in force stays") : _("the station plays its local schedule and queue"));
	o = json_pack("{s:s, s:s}", "code", code, "reason", d->ref_reason);
	if (o != NULL && version > 0)
		json_object_set_new(o, "version", json_integer(version));
	if (o != NULL && d->armed != NULL)
		json_object_set_new(o, "in_force", json_integer(d->armed->version));
	district_event(d, "schedule_refused", o);
}

/* --- arming ------------------------------------------------------------------------------ */

/* Persists the fetched manifest and hands its schedule to the station. */
void
district_arm(struct district *d)
{
	struct fetch *f = d->fetch;
	struct manifest *m = f->m;
	json_t *o;

	/* Saved behind the loop's back: it plays now, the disk catches up. */
	store_writer_kv_set(d->writer, DISTRICT_KV_KEY, f->payload);
	manifest_free(d->armed);
	d->armed = m;
	memcpy(d->armed_hash, f->hash, sizeof(d->armed_hash));
	district_fetch_free(d, f, 1);
	d->fetch = NULL;
	log_info(_("district: armed district schedule version %lld issued %s: %zu slots, %zu "
	    "bulletins"), (long long)m->version, m->issued, m->n_slots, m->n_bulletins);
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

void
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
			log_warn(_("district: cannot remove %s/%s"), d->bdir, de->d_name);
	}
	closedir(dir);
	if (removed > 0)
		log_info(_("district: removed %d stored bulletins that no schedule or queue uses "
		    "any more"), removed);
}

/* --- receiving --------------------------------------------------------------------------- */

static void
district_check_init(const struct district *d, struct manifest_check *chk, int64_t newest)
{
	time_t now = clock_wall_now();

	*chk = (struct manifest_check){ .public_key = d->pk, .region = d->region,
	    .station = d->station, .newest = newest, .bulletin_dir = d->bdir,
	    .trusted_now = clock_trusted(now, NULL) ? now : 0 };
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
	/* Its issue time tells a station with an unset clock how late it is at least. */
	store_writer_time_floor_raise(d->writer, d->store, m->issued_at);
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
		district_fetch_chunk(d, sha, idx, payload, len);
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

/* --- life -------------------------------------------------------------------------------- */

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
		log_warnx(_("district: %zu bulletins of district schedule version %lld are missing "
		    "from storage; fetching them again before it plays"), missing, (long long)version);
		district_start(d, m, buf, strlen(buf), hash);
		free(buf);
		return;
	}
	d->armed = m;
	memcpy(d->armed_hash, hash, sizeof(hash));
	free(buf);
	log_info(_("district: district schedule version %lld issued %s is in force (%zu slots, %zu "
	    "bulletins)"), (long long)m->version, m->issued, m->n_slots, m->n_bulletins);
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
district_new(const struct config *cfg, struct store *store, struct store_writer *writer,
    struct mqtt *mqtt, const struct district_hooks *hooks, struct errlist *errs)
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
	d->writer = writer;
	d->mqtt = mqtt;
	if (hooks != NULL)
		d->hooks = *hooks;
	if (cfg->district.public_key[0] == '\0') {
		log_info(_("district: no district key configured (district.public_key): the station "
		    "plays only its local schedule and queue"));
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
	log_info(_("district: listening for district schedules at %s (district key %s)"),
	    d->topic_manifest, d->key_id);
	return d;
}

void
district_free(struct district *d)
{
	if (d == NULL)
		return;
	district_fetch_drop(d);
	chunkfile_job_disown(d->commit.job);	/* it frees its file when it ends */
	manifest_free(d->armed);
	free(d);
}

/* --- status ------------------------------------------------------------------------------ */

static json_t *
district_fetch_json(const struct district *d, const struct fetch *f)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "version", (json_int_t)f->m->version,
	    "bulletins", (json_int_t)f->m->n_bulletins, "missing", (json_int_t)f->missing,
	    "bytes", (json_int_t)f->bytes, "received", (json_int_t)f->received);
	const struct manifest_bulletin *b;

	if (o == NULL)
		return NULL;
	if (f->part != NULL && (b = manifest_bulletin_find(f->m, f->part->cf->sha256)) != NULL)
		json_object_set_new(o, "current", json_string(b->title));
	else if (d->commit.job != NULL && d->commit.f == f &&
	    (b = manifest_bulletin_find(f->m, d->commit.sha256)) != NULL) {
		json_object_set_new(o, "current", json_string(b->title));
		json_object_set_new(o, "storing", json_true());
	}
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
		json_object_set_new(o, "fetching", district_fetch_json(d, d->fetch));
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
