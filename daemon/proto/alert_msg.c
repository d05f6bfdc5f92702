/*
 * Building, signing and verifying district alerts (see alert_msg.h for the
 * format). Pure: the time and the keys come in as parameters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/stream_url.h"
#include "config/timeparse.h"
#include "daemon/proto/alert_msg.h"
#include "daemon/proto/envelope.h"
#include "daemon/proto/manifest.h"

static const char *const code_names[] = {
	"ok", "too_large", "not_json", "malformed", "bad_signature", "wrong_region",
	"wrong_id", "not_newer", "not_targeted", "expired", "no_memory", "too_many",
};

const char *
alert_code_name(enum alert_code c)
{
	return (size_t)c < sizeof(code_names) / sizeof(code_names[0]) ? code_names[c] : "unknown";
}

int
alert_id_valid(const char *id)
{
	size_t i, n = id != NULL ? strlen(id) : 0;

	if (n == 0 || n > ALERT_ID_MAX || id[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') ||
		    id[i] == '-' || id[i] == '_' || id[i] == '.'))
			return 0;
	return 1;
}

/* --- building (the district office) ------------------------------------------------ */

static json_t *
build_head(const char *kind, const char *id, const char *region, int64_t seq, int64_t issued_ms)
{
	char iso[40];

	if (!alert_id_valid(id) || region == NULL || region[0] == '\0' || seq <= 0 ||
	    timeparse_format_iso((time_t)(issued_ms / 1000), iso, sizeof(iso)) < 0)
		return NULL;
	return json_pack("{s:i, s:s, s:s, s:s, s:I, s:s, s:I}", "format", ALERT_FORMAT,
	    "kind", kind, "id", id, "region", region, "sequence", (json_int_t)seq,
	    "issued", iso, "issued_ms", (json_int_t)issued_ms);
}

static char *
build_dump(json_t *o)
{
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return text;
}

static json_t *
build_targets(const struct alert_meta *m)
{
	json_t *a;
	size_t i;

	if (m->targets == NULL)
		return json_string("all");
	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < m->n_targets; i++)
		json_array_append_new(a, json_string(m->targets[i]));
	return a;
}

/* Why a live alert cannot be built, or NULL when it can: a mount and an end. */
static const char *
build_check_live(const struct alert_meta *m)
{
	if (stream_url_check(m->stream, NULL, 0) < 0)
		return _("the live stream's address is not an http:// or https:// address");
	if (m->sha256 != NULL || m->file != NULL || m->repeat != 0)
		return _("a live alert has a stream, not a bulletin or a repeat");
	if (m->until <= m->issued_ms / 1000 || m->until > m->issued_ms / 1000 + ALERT_LIVE_MAX_SPAN)
		return _("a live broadcast needs an end after now and at most 12 hours ahead");
	return NULL;
}

/* Why m cannot be built, or NULL when it can. */
static const char *
build_check(const struct alert_meta *m)
{
	if (m->cls != SCHED_PRIORITY && m->cls != SCHED_EMERGENCY)
		return _("an alert is of class emergency or priority");
	if (!alert_id_valid(m->id))
		return _("the alert id is not valid: use a-z, 0-9, '-', '_' and '.', at most 63");
	if (m->title == NULL || !conf_text_clean(m->title) || (m->file != NULL &&
	    !conf_text_clean(m->file)))
		return _("the title and the file name must be UTF-8 text without control "
		    "characters (no new lines, tabs or escape codes)");
	if (m->n_targets > ALERT_MAX_TARGETS)
		return _("the bulletin or the stations are out of range");
	if (m->stream != NULL)
		return build_check_live(m);
	if (m->repeat != 0 && (m->repeat < ALERT_MIN_REPEAT || m->repeat > ALERT_MAX_REPEAT))
		return _("a repeat must be from 5 seconds to a day");
	if (m->until != 0 && (m->until <= m->issued_ms / 1000 ||
	    m->until > m->issued_ms / 1000 + ALERT_MAX_SPAN))
		return _("\"until\" must be after now and at most a week ahead");
	if (!manifest_sha256_valid(m->sha256) || m->file == NULL ||
	    m->size == 0 || m->size > ALERT_MAX_BULLETIN || m->chunk_size < 1024 ||
	    m->chunk_size > MANIFEST_CHUNK_BYTES)
		return _("the bulletin or the stations are out of range");
	return NULL;
}

/* The bulletin object of a bulletin alert; NULL when memory is short. */
static json_t *
build_bulletin(const struct alert_meta *m)
{
	return json_pack("{s:s, s:I, s:f, s:s, s:I, s:I}", "sha256", m->sha256,
	    "size", (json_int_t)m->size, "duration", m->duration, "file", m->file,
	    "chunk_size", (json_int_t)m->chunk_size,
	    "chunks", (json_int_t)((m->size + m->chunk_size - 1) / m->chunk_size));
}

char *
alert_build(const struct alert_meta *m, char *why, size_t whylen)
{
	const char *bad = build_check(m);
	json_t *o = NULL, *b = NULL;
	char iso[40];

	if (bad == NULL && (o = build_head(m->stream != NULL ? "live" : "alert", m->id, m->region,
	    m->sequence, m->issued_ms)) == NULL)
		bad = _("the region or the sequence is not valid");
	if (bad == NULL && m->stream == NULL && (b = build_bulletin(m)) == NULL)
		bad = _("the title or the file name is not UTF-8");
	if (bad == NULL && json_object_set_new(o, "title", json_string(m->title)) < 0)
		bad = _("the title or the file name is not UTF-8");
	if (bad != NULL) {
		snprintf(why, whylen, "%s", bad);
		json_decref(b);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "class", json_string(sched_class_name(m->cls)));
	if (m->stream != NULL) {
		json_object_set_new(o, "stream", json_string(m->stream));
	} else {
		json_object_set_new(o, "bulletin", b);
		json_object_set_new(o, "repeat", json_integer(m->repeat));
	}
	json_object_set_new(o, "until", m->until > 0 && timeparse_format_iso(m->until, iso,
	    sizeof(iso)) == 0 ? json_string(iso) : json_null());
	json_object_set_new(o, "targets", build_targets(m));
	json_object_set_new(o, "test", json_boolean(m->test));
	return build_dump(o);
}

char *
alert_build_cancel(const char *id, const char *region, int64_t sequence, int64_t issued_ms)
{
	return build_dump(build_head("cancel", id, region, sequence, issued_ms));
}

char *
alert_sign(const char *text, const unsigned char sk[KEYS_SECRET_BYTES])
{
	return envelope_sign("alert", text, sk);
}

/* --- verifying (the station) ------------------------------------------------------------ */

struct vfy {
	const struct alert_check *chk;
	enum alert_code code;
	char	*why;
	size_t	 whylen;
	int	 live;		/* kind "live" */
};

static void
vfy_fail(struct vfy *v, enum alert_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
vfy_fail(struct vfy *v, enum alert_code code, const char *fmt, ...)
{
	va_list ap;

	v->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(v->why, v->whylen, fmt, ap);
	va_end(ap);
}

static int
vfy_str(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *s = json_object_get(o, key);

	if (!json_is_string(s) || json_string_length(s) == 0 || json_string_length(s) >= len)
		return -1;
	memcpy(buf, json_string_value(s), json_string_length(s) + 1);
	return 0;
}

/* format, kind, id, region, sequence, issued: common to alerts and cancels. */
static int
vfy_head(struct vfy *v, json_t *m, struct alert_msg *a, int64_t *sequence)
{
	json_t *fmt = json_object_get(m, "format"), *seq = json_object_get(m, "sequence");
	json_t *ims = json_object_get(m, "issued_ms");
	char kind[16];
	time_t t;

	if (!json_is_integer(fmt) || json_integer_value(fmt) != ALERT_FORMAT ||
	    vfy_str(m, "kind", kind, sizeof(kind)) < 0 ||
	    (strcmp(kind, "alert") != 0 && strcmp(kind, "cancel") != 0 &&
	    strcmp(kind, "live") != 0) ||
	    vfy_str(m, "id", a->id, sizeof(a->id)) < 0 || !alert_id_valid(a->id) ||
	    vfy_str(m, "region", a->region, sizeof(a->region)) < 0 ||
	    !json_is_integer(seq) || json_integer_value(seq) <= 0 ||
	    vfy_str(m, "issued", a->issued, sizeof(a->issued)) < 0 ||
	    timeparse_iso(a->issued, &t) < 0 || !json_is_integer(ims)) {
		vfy_fail(v, ALERT_MALFORMED, _("it is not a loaxa alert of format %d: its format, "
		    "kind, id, region, sequence or issue time is missing or wrong"), ALERT_FORMAT);
		return -1;
	}
	a->cancel = strcmp(kind, "cancel") == 0;
	v->live = strcmp(kind, "live") == 0;
	a->sequence = json_integer_value(seq);
	a->issued_ms = json_integer_value(ims);
	if (a->issued_ms <= 0 || a->issued_ms > ALERT_MAX_MS || a->issued_ms / 1000 != (int64_t)t ||
	    a->sequence > a->issued_ms + ALERT_SEQUENCE_AHEAD)
		return vfy_fail(v, ALERT_MALFORMED, _("its issue time or its sequence is out of range: "
		    "issued_ms must be the issue time in milliseconds, and the sequence at most a day "
		    "past it")), -1;
	if (strcmp(a->region, v->chk->region) != 0)
		return vfy_fail(v, ALERT_WRONG_REGION, _("it is for region \"%s\", and this station "
		    "is in \"%s\""), a->region, v->chk->region), -1;
	if (v->chk->id != NULL && strcmp(a->id, v->chk->id) != 0)
		return vfy_fail(v, ALERT_WRONG_ID, _("it names alert \"%s\" but came on the topic of "
		    "alert \"%s\""), a->id, v->chk->id), -1;
	*sequence = a->sequence;
	if (v->chk->newest > 0 && a->sequence <= v->chk->newest)
		return vfy_fail(v, ALERT_NOT_NEWER, _("its sequence %lld is not newer than %lld, the "
		    "last one this station saw for alert \"%s\": a replay of an old message"),
		    (long long)a->sequence, (long long)v->chk->newest, a->id), -1;
	return 0;
}

static int
vfy_targeted(json_t *t, const char *station)
{
	size_t i;
	json_t *s;

	if (json_is_string(t))
		return strcmp(json_string_value(t), "all") == 0 ? 1 : -1;
	if (!json_is_array(t) || json_array_size(t) > ALERT_MAX_TARGETS)
		return -1;
	json_array_foreach(t, i, s) {
		if (!json_is_string(s))
			return -1;
		if (strcmp(json_string_value(s), station) == 0)
			return 1;
	}
	return 0;
}

/* The bulletin object. */
static int
vfy_bulletin(json_t *b, struct alert_msg *a)
{
	json_t *size = json_object_get(b, "size"), *dur = json_object_get(b, "duration");
	json_t *cs = json_object_get(b, "chunk_size"), *n = json_object_get(b, "chunks");
	json_t *file = json_object_get(b, "file");

	if (vfy_str(b, "sha256", a->sha256, sizeof(a->sha256)) < 0 ||
	    !manifest_sha256_valid(a->sha256) || !json_is_integer(size) ||
	    json_integer_value(size) <= 0 || (uint64_t)json_integer_value(size) > ALERT_MAX_BULLETIN ||
	    !json_is_number(dur) || json_number_value(dur) < 0 ||
	    json_number_value(dur) > ALERT_MAX_DURATION || !json_is_integer(cs) ||
	    json_integer_value(cs) < 1024 || json_integer_value(cs) > MANIFEST_CHUNK_BYTES ||
	    !json_is_integer(n) || !json_is_string(file) || !conf_text_clean(json_string_value(file)))
		return -1;
	a->size = (uint64_t)json_integer_value(size);
	a->duration = json_number_value(dur);
	a->chunk_size = (uint32_t)json_integer_value(cs);
	a->chunks = (size_t)((a->size + a->chunk_size - 1) / a->chunk_size);
	if ((json_int_t)a->chunks != json_integer_value(n))
		return -1;
	return (a->file = strdup(json_string_value(file))) != NULL ? 0 : -1;
}

static const char *
body_wrong(void)
{
	return _("the alert's class, title, bulletin, repeat, until or test flag is missing or "
	    "wrong");
}

/*
 * What makes a bulletin alert (its bulletin and repeat) or a live one (its
 * stream, and an end no later than ALERT_LIVE_MAX_SPAN after issue); never
 * both. 0, or -1 with why set.
 */
static int
vfy_kind(struct vfy *v, json_t *m, struct alert_msg *a)
{
	json_t *rep = json_object_get(m, "repeat"), *stream = json_object_get(m, "stream");
	json_t *b = json_object_get(m, "bulletin");
	char why[256];

	if (!v->live) {
		if (stream != NULL || !json_is_integer(rep) || (json_integer_value(rep) != 0 &&
		    (json_integer_value(rep) < ALERT_MIN_REPEAT ||
		    json_integer_value(rep) > ALERT_MAX_REPEAT)) || vfy_bulletin(b, a) < 0)
			return vfy_fail(v, ALERT_MALFORMED, "%s", body_wrong()), -1;
		a->repeat = json_integer_value(rep);
		return 0;
	}
	if (b != NULL || rep != NULL || !json_is_string(stream))
		return vfy_fail(v, ALERT_MALFORMED, _("a live alert names a stream, and has no "
		    "bulletin and no repeat")), -1;
	if (stream_url_check(json_string_value(stream), why, sizeof(why)) < 0)
		return vfy_fail(v, ALERT_MALFORMED, _("the live alert's stream \"%.100s\" cannot "
		    "be relayed: %s"), json_string_value(stream), why), -1;
	if (a->until == 0 || a->until > a->issued_ms / 1000 + ALERT_LIVE_MAX_SPAN)
		return vfy_fail(v, ALERT_MALFORMED, _("a live alert must say when it ends, at most "
		    "12 hours after its issue time")), -1;
	if ((a->stream = strdup(json_string_value(stream))) == NULL)
		return vfy_fail(v, ALERT_NO_MEMORY, _("the station is out of memory")), -1;
	return 0;
}

/* Everything of an alert after its head. */
static int
vfy_body(struct vfy *v, json_t *m, struct alert_msg *a)
{
	json_t *title = json_object_get(m, "title");
	json_t *until = json_object_get(m, "until"), *test = json_object_get(m, "test");
	char cls[16];
	int t;

	if (vfy_str(m, "class", cls, sizeof(cls)) < 0 || sched_class_parse(cls, &a->cls) < 0 ||
	    a->cls == SCHED_NORMAL || !json_is_string(title) ||
	    !conf_text_clean(json_string_value(title)) ||
	    !json_is_boolean(test) || (!json_is_null(until) && !json_is_string(until)) ||
	    (json_is_string(until) && timeparse_iso(json_string_value(until), &a->until) < 0) ||
	    (a->title = strdup(json_string_value(title))) == NULL) {
		vfy_fail(v, ALERT_MALFORMED, "%s", body_wrong());
		return -1;
	}
	a->test = json_is_true(test);
	if (!json_is_string(until))
		a->until = 0;
	else if (a->until <= a->issued_ms / 1000 || a->until > a->issued_ms / 1000 + ALERT_MAX_SPAN)
		return vfy_fail(v, ALERT_MALFORMED, _("its \"until\" is not after its issue time, or "
		    "more than a week after it")), -1;
	if (vfy_kind(v, m, a) < 0)
		return -1;
	a->expires = a->until > 0 ? a->until : (time_t)(a->issued_ms / 1000) +
	    (a->repeat > 0 ? ALERT_VALID_REPEAT : ALERT_VALID_ONCE);
	if ((t = vfy_targeted(json_object_get(m, "targets"), v->chk->station)) < 0)
		return vfy_fail(v, ALERT_MALFORMED, _("its targets are neither \"all\" nor a list "
		    "of stations")), -1;
	if (t == 0)
		return vfy_fail(v, ALERT_NOT_TARGETED, _("it lists the stations it is for, and "
		    "\"%s\" is not among them"), v->chk->station), -1;
	if (a->expires <= v->chk->now)
		return vfy_fail(v, ALERT_EXPIRED, _("it expired at %s (issued %s), before this "
		    "station received it; an expired alert is never played"), a->until > 0 ?
		    json_string_value(until) : _("an hour after it was issued"), a->issued), -1;
	return 0;
}

/* The envelope's codes are the alert's of the same names, up to the signature's. */
_Static_assert((int)ENVELOPE_TOO_LARGE == ALERT_TOO_LARGE && (int)ENVELOPE_NOT_JSON ==
    ALERT_NOT_JSON && (int)ENVELOPE_MALFORMED == ALERT_MALFORMED &&
    (int)ENVELOPE_BAD_SIGNATURE == ALERT_BAD_SIGNATURE, "envelope and alert codes differ");

struct alert_msg *
alert_verify(const void *payload, size_t len, const struct alert_check *chk,
    enum alert_code *code, int64_t *sequence, char *why, size_t whylen)
{
	struct envelope_check env = { "alert", _("alert"), ALERT_MAX_BYTES, chk->public_key };
	struct vfy v = { chk, ALERT_OK, why, whylen, 0 };
	struct alert_msg *a = NULL;
	enum envelope_code ecode;
	char key_id[KEYS_ID_HEX + 1], *text;
	json_t *m = NULL;

	*sequence = 0;
	if ((text = envelope_open(payload, len, &env, &ecode, key_id, why, whylen)) == NULL) {
		*code = ecode == ENVELOPE_NO_MEMORY ? ALERT_NO_MEMORY : (enum alert_code)ecode;
		return NULL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		vfy_fail(&v, ALERT_NO_MEMORY, _("the station is out of memory"));
		goto out;
	}
	memcpy(a->key_id, key_id, sizeof(a->key_id));
	if ((m = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(m)) {
		vfy_fail(&v, ALERT_MALFORMED, _("its signed text is not a JSON object"));
		goto out;
	}
	if (vfy_head(&v, m, a, sequence) < 0 || (!a->cancel && vfy_body(&v, m, a) < 0))
		goto out;
out:
	json_decref(m);
	free(text);
	*code = v.code;
	if (v.code != ALERT_OK) {
		alert_msg_free(a);
		return NULL;
	}
	return a;
}

void
alert_msg_free(struct alert_msg *a)
{
	if (a == NULL)
		return;
	free(a->title);
	free(a->file);
	free(a->stream);
	free(a);
}
