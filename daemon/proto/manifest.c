/*
 * The district's signed manifest: built from a parsed schedule at the
 * district office, verified and turned back into a schedule on the station.
 *
 * The station does not check the slots itself: it writes them back as
 * libconfig text and hands that to schedule_parse_string(), so a district
 * schedule passes exactly the checks a local one does, with the same
 * messages. Only what the schedule file has no word for (the bulletins'
 * hashes, sizes and durations) is checked here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "config/i18n.h"
#include "daemon/proto/envelope.h"
#include "daemon/proto/manifest.h"
#include "daemon/proto/manifest_slots.h"

static const char *const code_names[] = {
	"ok", "too_large", "not_json", "malformed", "bad_signature", "wrong_region",
	"not_newer", "not_targeted", "invalid_schedule", "no_memory",
};
static const char *const day_names[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

const char *
manifest_code_name(enum manifest_code c)
{
	return (unsigned)c < sizeof(code_names) / sizeof(code_names[0]) ? code_names[c] : "unknown";
}

int
manifest_sha256_valid(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* --- building (the district office) ------------------------------------------------ */

static json_t *
mf_date(const struct sched_date *d)
{
	char buf[16];

	(void)snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d->y, d->m, d->d);
	return json_string(buf);
}

static json_t *
mf_days(unsigned days)
{
	json_t *a;
	int d;

	if ((days & SCHED_DAILY) == SCHED_DAILY)
		return json_string("daily");
	a = json_array();
	for (d = 1; d <= 7 && a != NULL; d++)	/* Monday first, as people list them */
		if (days & SCHED_DAY(d % 7))
			json_array_append_new(a, json_string(day_names[d % 7]));
	return a;
}

/* The tags of t that skip does not have, as a JSON array; NULL when none (or no memory). */
static json_t *
mf_tags(const struct tags *t, const struct tags *skip)
{
	json_t *a = NULL;
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (skip != NULL && tags_has(skip, t->v[i]))
			continue;
		if (a == NULL && (a = json_array()) == NULL)
			return NULL;
		json_array_append_new(a, json_string(t->v[i]));
	}
	return a;
}

/* An item carries the tags its slot does not: the station adds the slot's back. */
static json_t *
mf_build_item(const struct sched_slot *sl, const struct sched_item *it,
    const struct manifest_item_info *info)
{
	const char *base = strrchr(it->file, '/');
	json_t *o, *tags;

	o = json_pack("{s:s, s:s, s:I, s:f, s:s}", "title", it->title, "sha256", info->sha256,
	    "size", (json_int_t)info->size, "duration", info->duration,
	    "file", info->name != NULL ? info->name : base != NULL ? base + 1 : it->file);
	if (o != NULL && (tags = mf_tags(&it->tags, &sl->tags)) != NULL)
		json_object_set_new(o, "tags", tags);
	return o;
}

/* The bulletins sl[from..to) (sched_slot_bulletin's numbering), as a JSON array. */
static json_t *
mf_build_items(const struct sched_slot *sl, size_t from, size_t to,
    const struct manifest_item_info *info)
{
	json_t *items = json_array();
	size_t j;

	for (j = from; j < to && items != NULL; j++)
		if (json_array_append_new(items, mf_build_item(sl, sched_slot_bulletin(sl, j),
		    &info[j])) < 0) {
			json_decref(items);
			return NULL;
		}
	return items;
}

/* A relay: its address, duration in seconds, and fallback bulletins if any (format 4). */
static int
mf_build_relay(json_t *o, const struct sched_slot *sl, const struct manifest_item_info *info)
{
	json_t *fallback;

	if (json_object_set_new(o, "relay", json_string(sl->relay)) < 0 ||
	    json_object_set_new(o, "duration", json_integer(sl->duration)) < 0)
		return -ENOMEM;
	if (sl->n_fallback == 0)
		return 0;
	fallback = mf_build_items(sl, sl->n_items, sched_slot_bulletins(sl), info);
	return json_object_set_new(o, "fallback", fallback) < 0 ? -ENOMEM : 0;
}

static json_t *
mf_build_slot(const struct sched_slot *sl, const struct manifest_item_info *info)
{
	json_t *o = json_object();
	char at[40];

	if (o == NULL)
		goto fail;
	if (sl->once)
		(void)snprintf(at, sizeof(at), "%04d-%02d-%02d %02d:%02d:%02d", sl->date.y,
		    sl->date.m, sl->date.d, sl->hh, sl->mm, sl->ss);
	else
		(void)snprintf(at, sizeof(at), "%02d:%02d:%02d", sl->hh, sl->mm, sl->ss);
	json_object_set_new(o, "title", json_string(sl->title));
	json_object_set_new(o, "at", json_string(at));
	if (!sl->once) {
		json_object_set_new(o, "days", mf_days(sl->days));
		if (sl->from.y != 0)
			json_object_set_new(o, "from", mf_date(&sl->from));
		if (sl->until.y != 0)
			json_object_set_new(o, "until", mf_date(&sl->until));
	}
	if (sl->grace >= 0)
		json_object_set_new(o, "grace", json_integer(sl->grace));
	if (sl->cls != SCHED_NORMAL)
		json_object_set_new(o, "class", json_string(sched_class_name(sl->cls)));
	if (sl->tags.n > 0)
		json_object_set_new(o, "tags", mf_tags(&sl->tags, NULL));
	if (sl->has_volume)
		json_object_set_new(o, "volume", json_real(sl->volume));
	if (sl->relay != NULL ? mf_build_relay(o, sl, info) < 0 :
	    json_object_set_new(o, "items", mf_build_items(sl, 0, sl->n_items, info)) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* Checks the measured items against the limits a station applies. */
static int
mf_check_info(const struct manifest_item_info *info, size_t n, char *why, size_t whylen)
{
	uint64_t total = 0;
	size_t i, j, distinct = 0;

	for (i = 0; i < n; i++) {
		if (!manifest_sha256_valid(info[i].sha256) || info[i].size == 0) {
			errlist_why(why, whylen, _("bulletin %zu has no valid SHA-256 or is empty"),
			    i + 1);
			return -EINVAL;
		}
		if (info[i].size > MANIFEST_MAX_BULLETIN) {
			errlist_why(why, whylen, _("a bulletin of %llu bytes is larger than the %llu bytes "
			    "a station accepts; split it or encode it at a lower bitrate"),
			    (unsigned long long)info[i].size, MANIFEST_MAX_BULLETIN);
			return -EFBIG;
		}
		for (j = 0; j < i && strcmp(info[j].sha256, info[i].sha256) != 0; j++)
			;
		if (j == i) {
			distinct++;
			total += info[i].size;
		}
	}
	if (distinct > MANIFEST_MAX_BULLETINS || total > MANIFEST_MAX_TOTAL) {
		errlist_why(why, whylen, _("the schedule has %zu different bulletins (%llu bytes); a "
		    "station takes at most %d bulletins and %llu bytes"), distinct,
		    (unsigned long long)total, MANIFEST_MAX_BULLETINS, MANIFEST_MAX_TOTAL);
		return -EFBIG;
	}
	return 0;
}

static json_t *
mf_build_targets(const struct manifest_meta *meta, char *why, size_t whylen)
{
	json_t *a;
	size_t i;

	if (meta->targets == NULL)
		return json_string("all");
	if (meta->n_targets == 0 || meta->n_targets > MANIFEST_MAX_TARGETS) {
		errlist_why(why, whylen, _("name 1 to %d stations, or none for all of the region"),
		    MANIFEST_MAX_TARGETS);
		return NULL;
	}
	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < meta->n_targets; i++) {
		if (!conf_id_valid(meta->targets[i])) {
			errlist_why(why, whylen, _("\"%s\" is not a station id (lowercase letters a-z, "
			    "digits and '-')"), meta->targets[i]);
			json_decref(a);
			return NULL;
		}
		json_array_append_new(a, json_string(meta->targets[i]));
	}
	return a;
}

/*
 * Format 1 unless a tag needs format 2, a slot's volume format 3, or a relay
 * format 4 (see manifest.h).
 */
static int
mf_format(const struct schedule *s)
{
	size_t i, j;
	int f = 1;

	for (i = 0; i < s->n_slots; i++) {
		if (s->slots[i].relay != NULL)
			return 4;
		if (s->slots[i].has_volume)
			f = 3;
		for (j = 0; j < sched_slot_bulletins(&s->slots[i]); j++)
			if (sched_slot_bulletin(&s->slots[i], j)->tags.n > 0 && f < 2)
				f = 2;
	}
	return f;
}

char *
manifest_build(const struct schedule *s, const struct manifest_item_info *info, size_t n_info,
    const struct manifest_meta *meta, char *why, size_t whylen)
{
	json_t *root = NULL, *slots, *targets, *slot;
	char issued[40], *text = NULL;
	size_t i, k;

	errlist_why(why, whylen, _("out of memory"));
	if (schedule_bulletins(s) != n_info || !conf_id_valid(meta->region) || meta->version <= 0 ||
	    meta->version > meta->issued + MANIFEST_VERSION_AHEAD ||
	    (meta->chunk_size != 0 && (meta->chunk_size < 1024 ||
	    meta->chunk_size > MANIFEST_CHUNK_BYTES))) {
		errlist_why(why, whylen, _("the region must be an id, the version above 0 and at "
		    "most a day past the issue time, and the chunk size from 1024 to %d bytes"),
		    MANIFEST_CHUNK_BYTES);
		return NULL;
	}
	if (mf_check_info(info, n_info, why, whylen) < 0 ||
	    (targets = mf_build_targets(meta, why, whylen)) == NULL)
		return NULL;
	if (timeparse_format_iso(meta->issued, issued, sizeof(issued)) < 0)
		issued[0] = '\0';
	root = json_pack("{s:i, s:s, s:I, s:s, s:o, s:i, s:[]}", "format", mf_format(s),
	    "region", meta->region, "version", (json_int_t)meta->version, "issued", issued,
	    "targets", targets, "chunk_size", meta->chunk_size != 0 ? (int)meta->chunk_size :
	    MANIFEST_CHUNK_BYTES, "slots");
	if (root == NULL)
		return NULL;
	slots = json_object_get(root, "slots");
	for (i = 0, k = 0; i < s->n_slots; k += sched_slot_bulletins(&s->slots[i]), i++) {
		if ((slot = mf_build_slot(&s->slots[i], &info[k])) == NULL ||
		    json_array_append_new(slots, slot) < 0)
			goto done;
	}
	text = json_dumps(root, JSON_COMPACT);
	if (text != NULL && strlen(text) > MANIFEST_MAX_BYTES / 2) {
		errlist_why(why, whylen, _("the schedule makes a manifest of %zu bytes; a station takes "
		    "at most %d: split it into fewer slots"), strlen(text), MANIFEST_MAX_BYTES / 2);
		free(text);
		text = NULL;
	}
done:
	json_decref(root);
	return text;
}

char *
manifest_sign(const char *text, const unsigned char sk[KEYS_SECRET_BYTES])
{
	return envelope_sign("manifest", text, sk);
}

/* --- verifying (the station) ---------------------------------------------------------- */

/* State of one verification: what is known so far, for the reason. */
struct vfy {
	const struct manifest_check *chk;
	enum manifest_code *code;
	char	*why;
	size_t	 whylen;
};

static struct manifest *
vfy_fail(struct vfy *v, enum manifest_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct manifest *
vfy_fail(struct vfy *v, enum manifest_code code, const char *fmt, ...)
{
	va_list ap;

	*v->code = code;
	if (v->why != NULL && v->whylen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(v->why, v->whylen, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

/* format, region, version: in that order, so the reason names the first problem. */
static struct manifest *
vfy_head(struct vfy *v, json_t *m, int64_t *version)
{
	json_t *fmt = json_object_get(m, "format"), *region = json_object_get(m, "region");
	json_t *ver = json_object_get(m, "version");
	const struct manifest_check *chk = v->chk;

	if (!json_is_object(m))
		return vfy_fail(v, MANIFEST_MALFORMED, _("the signed manifest is not a JSON object"));
	if (!json_is_integer(fmt) || json_integer_value(fmt) < MANIFEST_FORMAT_MIN ||
	    json_integer_value(fmt) > MANIFEST_FORMAT)
		return vfy_fail(v, MANIFEST_MALFORMED, _("it is in manifest format %lld; this "
		    "station reads formats %d to %d: update loaxa on the station or at the "
		    "district"), json_is_integer(fmt) ? (long long)json_integer_value(fmt) : 0LL,
		    MANIFEST_FORMAT_MIN, MANIFEST_FORMAT);
	if (!json_is_string(region))
		return vfy_fail(v, MANIFEST_MALFORMED, _("it names no region"));
	if (strcmp(json_string_value(region), chk->region) != 0)
		return vfy_fail(v, MANIFEST_WRONG_REGION, _("it is for region \"%.63s\", and this "
		    "station is in region \"%s\""), json_string_value(region), chk->region);
	if (!json_is_integer(ver) || json_integer_value(ver) < 1)
		return vfy_fail(v, MANIFEST_MALFORMED, _("it has no version (a whole number above 0)"));
	*version = json_integer_value(ver);
	if (chk->newest > 0 && *version <= chk->newest)
		return vfy_fail(v, MANIFEST_NOT_NEWER, _("its version %lld is not newer than "
		    "version %lld, which this station already has: an old schedule sent again is "
		    "refused"), (long long)*version, (long long)chk->newest);
	return NULL;
}

static struct manifest *
vfy_targets(struct vfy *v, json_t *t, struct manifest *m)
{
	size_t i, mine = 0;
	json_t *e;

	if (json_is_string(t) && strcmp(json_string_value(t), "all") == 0) {
		m->all_stations = 1;
		return m;
	}
	if (!json_is_array(t) || json_array_size(t) == 0 ||
	    json_array_size(t) > MANIFEST_MAX_TARGETS)
		return vfy_fail(v, MANIFEST_MALFORMED, _("its targets are neither \"all\" nor a "
		    "list of 1 to %d station ids"), MANIFEST_MAX_TARGETS);
	if ((m->targets = calloc(json_array_size(t), sizeof(char *))) == NULL)
		return vfy_fail(v, MANIFEST_NO_MEMORY, _("out of memory"));
	json_array_foreach(t, i, e) {
		if (!json_is_string(e) || !conf_id_valid(json_string_value(e)))
			return vfy_fail(v, MANIFEST_MALFORMED, _("target %zu is not a station id"),
			    i + 1);
		if ((m->targets[m->n_targets++] = strdup(json_string_value(e))) == NULL)
			return vfy_fail(v, MANIFEST_NO_MEMORY, _("out of memory"));
		mine |= strcmp(json_string_value(e), v->chk->station) == 0;
	}
	if (!mine)
		return vfy_fail(v, MANIFEST_NOT_TARGETED, _("it is for %zu other stations of the "
		    "region, not for this one (\"%s\")"), m->n_targets, v->chk->station);
	return m;
}

/* The schedule through schedule.c's own checks. */
static struct manifest *
vfy_schedule(struct vfy *v, json_t *slots, struct manifest *m)
{
	struct errlist errs;
	char name[64], *text;

	if (!json_is_array(slots))
		return vfy_fail(v, MANIFEST_MALFORMED, _("it has no list of slots"));
	if (manifest_slots_text(slots, m, &text, v->code, v->why, v->whylen) < 0)
		return NULL;
	m->n_slots = json_array_size(slots);
	(void)snprintf(name, sizeof(name), "district schedule v%lld", (long long)m->version);
	errlist_init(&errs);
	m->sched = schedule_parse_string(text, name, v->chk->bulletin_dir, 0, &errs);
	free(text);
	if (m->sched == NULL) {
		vfy_fail(v, MANIFEST_INVALID_SCHEDULE, _("its schedule does not validate: %s%s"),
		    errs.n > 0 ? errs.msg[0] : _("out of memory"),
		    errlist_count(&errs) > 1 ? _(" (and more problems)") : "");
		errlist_clear(&errs);
		return NULL;
	}
	errlist_clear(&errs);
	return m;
}

static struct manifest *
vfy_body(struct vfy *v, json_t *root, struct manifest *m)
{
	json_t *issued = json_object_get(root, "issued"), *cs = json_object_get(root, "chunk_size");

	if (vfy_targets(v, json_object_get(root, "targets"), m) == NULL)
		return NULL;
	if (!json_is_string(issued) || json_string_length(issued) >= sizeof(m->issued) ||
	    timeparse_iso(json_string_value(issued), &m->issued_at) < 0)
		return vfy_fail(v, MANIFEST_MALFORMED, _("its issue time is not an ISO 8601 time "
		    "such as 2026-11-22T14:30:05+07:00"));
	snprintf(m->issued, sizeof(m->issued), "%s", json_string_value(issued));
	if (m->version > m->issued_at + MANIFEST_VERSION_AHEAD)
		return vfy_fail(v, MANIFEST_MALFORMED, _("its version %lld is more than a day past "
		    "its issue time %s: versions are publishing times"), (long long)m->version,
		    m->issued);
	if (v->chk->trusted_now > 0 && m->issued_at > v->chk->trusted_now + MANIFEST_VERSION_AHEAD)
		return vfy_fail(v, MANIFEST_MALFORMED, _("it was issued at %s, more than a day past "
		    "this station's clock, which is set: is the district office's clock right?"),
		    m->issued);
	if (!json_is_integer(cs) || json_integer_value(cs) < 1024 ||
	    json_integer_value(cs) > MANIFEST_CHUNK_BYTES)
		return vfy_fail(v, MANIFEST_MALFORMED, _("its chunk size is not from 1024 to %d "
		    "bytes"), MANIFEST_CHUNK_BYTES);
	m->chunk_size = (uint32_t)json_integer_value(cs);
	return vfy_schedule(v, json_object_get(root, "slots"), m);
}

/* The envelope's codes are the manifest's of the same names, up to the signature's. */
_Static_assert((int)ENVELOPE_TOO_LARGE == MANIFEST_TOO_LARGE && (int)ENVELOPE_NOT_JSON ==
    MANIFEST_NOT_JSON && (int)ENVELOPE_MALFORMED == MANIFEST_MALFORMED &&
    (int)ENVELOPE_BAD_SIGNATURE == MANIFEST_BAD_SIGNATURE, "envelope and manifest codes differ");

struct manifest *
manifest_verify(const void *payload, size_t len, const struct manifest_check *chk,
    enum manifest_code *code, int64_t *version, char *why, size_t whylen)
{
	struct envelope_check env = { "manifest", _("manifest"), MANIFEST_MAX_BYTES, chk->public_key };
	struct vfy v = { chk, code, why, whylen };
	struct manifest *m = NULL;
	json_t *root = NULL;
	json_error_t err;
	enum envelope_code ecode;
	char key_id[KEYS_ID_HEX + 1], *text;

	*code = MANIFEST_OK;
	*version = 0;
	if ((text = envelope_open(payload, len, &env, &ecode, key_id, why, whylen)) == NULL) {
		*code = ecode == ENVELOPE_NO_MEMORY ? MANIFEST_NO_MEMORY :
		    (enum manifest_code)ecode;
		return NULL;
	}
	if ((root = json_loads(text, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		vfy_fail(&v, MANIFEST_MALFORMED, _("the signed manifest is not JSON (%s)"), err.text);
		goto done;
	}
	if (vfy_head(&v, root, version) != NULL || *code != MANIFEST_OK)
		goto done;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		vfy_fail(&v, MANIFEST_NO_MEMORY, _("out of memory"));
		goto done;
	}
	m->text = text;
	text = NULL;
	snprintf(m->region, sizeof(m->region), "%s", chk->region);
	snprintf(m->key_id, sizeof(m->key_id), "%s", key_id);
	m->version = *version;
	if (vfy_body(&v, root, m) == NULL)
		*code = *code == MANIFEST_OK ? MANIFEST_MALFORMED : *code;
done:
	free(text);
	json_decref(root);
	if (*code != MANIFEST_OK) {
		manifest_free(m);
		return NULL;
	}
	return m;
}

struct schedule *
manifest_take_schedule(struct manifest *m)
{
	struct schedule *s = m->sched;

	m->sched = NULL;
	return s;
}

const struct manifest_bulletin *
manifest_bulletin_find(const struct manifest *m, const char *sha256)
{
	size_t i;

	for (i = 0; i < m->n_bulletins; i++)
		if (strcmp(m->bulletins[i].sha256, sha256) == 0)
			return &m->bulletins[i];
	return NULL;
}

void
manifest_free(struct manifest *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_bulletins; i++) {
		free(m->bulletins[i].file);
		free(m->bulletins[i].title);
	}
	for (i = 0; i < m->n_targets; i++)
		free(m->targets[i]);
	free(m->targets);
	free(m->bulletins);
	schedule_free(m->sched);
	free(m->text);
	free(m);
}
