/*
 * The fleet view (see fleet.h): the statuses, the district schedule and the
 * list of enrolled stations merged into one entry per station, each with its
 * problems in words. Pure: no I/O; the time is a parameter.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/timeparse.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/fleet.h"
#include "daemon/proto/envelope.h"
#include "daemon/proto/manifest.h"

/* A status as it came; the last of a station counts (seq orders them). */
struct fleet_rec {
	char	 id[64];
	json_t	*status;	/* a status object, or NULL when unreadable */
	char	*bad;		/* why it cannot be read */
	size_t	 seq;
};

/* A station of the district's list. */
struct fleet_enr {
	char	 id[64];
	char	*name;
	int	 revoked;
};

struct fleet {
	char		 region[64];
	struct fleet_rec *recs;
	size_t		 n_recs, cap_recs;
	struct fleet_enr *enr;
	size_t		 n_enr, cap_enr;
	int		 enrolment_known;
	struct fleet_schedule sched;
	struct fleet_station *st;
	size_t		 n_st;
	time_t		 now;
	int		 stale_s;
};

/* Grows *arr (of size elements) so that one more fits. 0 or -ENOMEM / -ENOSPC. */
static int
fleet_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	if (n >= FLEET_STATIONS_MAX)
		return -ENOSPC;
	ncap = *cap == 0 ? 256 : *cap * 2;
	if ((p = realloc(*arr, ncap * size)) == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct fleet *
fleet_new(const char *region)
{
	struct fleet *f = calloc(1, sizeof(*f));

	if (f != NULL)
		snprintf(f->region, sizeof(f->region), "%s", region);
	return f;
}

static void
fleet_station_clear(struct fleet_station *s)
{
	size_t i;

	for (i = 0; i < s->n_problems; i++)
		free(s->problems[i].text);
	free(s->name);
	json_decref(s->status);
}

static void
fleet_schedule_clear(struct fleet_schedule *sc)
{
	size_t i;

	for (i = 0; i < sc->n_targets; i++)
		free(sc->targets[i]);
	free(sc->targets);
	memset(sc, 0, sizeof(*sc));
}

void
fleet_free(struct fleet *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n_recs; i++) {
		json_decref(f->recs[i].status);
		free(f->recs[i].bad);
	}
	for (i = 0; i < f->n_enr; i++)
		free(f->enr[i].name);
	for (i = 0; i < f->n_st; i++)
		fleet_station_clear(&f->st[i]);
	fleet_schedule_clear(&f->sched);
	free(f->recs);
	free(f->enr);
	free(f->st);
	free(f);
}

const char *
fleet_region(const struct fleet *f)
{
	return f->region;
}

/* --- what comes in ------------------------------------------------------------------- */

/* Why payload is not a loaxa status (a new string), or NULL with *out set when it is one. */
static char *
fleet_parse_status(const void *payload, size_t len, json_t **out)
{
	json_error_t err;
	json_t *o;
	char *why = NULL;

	*out = NULL;
	if (len > FLEET_STATUS_MAX) {
		if (asprintf(&why, _("it is %zu bytes, more than a status ever is"), len) < 0)
			why = NULL;
		return why;
	}
	if ((o = json_loadb(payload, len, 0, &err)) == NULL) {
		if (asprintf(&why, _("not JSON (%s)"), err.text) < 0)
			why = NULL;
		return why;
	}
	if (!json_is_object(o) || !json_is_boolean(json_object_get(o, "online"))) {
		json_decref(o);
		return strdup(_("JSON, but not a loaxa station's status (no \"online\")"));
	}
	*out = o;
	return NULL;
}

int
fleet_add_status(struct fleet *f, const char *id, const void *payload, size_t len)
{
	struct fleet_rec *r;
	int rc;

	if (!conf_id_valid(id))
		return -EINVAL;
	if ((rc = fleet_grow((void **)&f->recs, &f->cap_recs, f->n_recs, sizeof(*f->recs))) < 0)
		return rc;
	r = &f->recs[f->n_recs];
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->seq = f->n_recs;
	r->bad = fleet_parse_status(payload, len, &r->status);
	if (r->bad == NULL && r->status == NULL)
		return -ENOMEM;
	f->n_recs++;
	return 0;
}

void
fleet_enrolment_known(struct fleet *f)
{
	f->enrolment_known = 1;
}

int
fleet_add_enrolled(struct fleet *f, const char *id, const char *name, int revoked)
{
	struct fleet_enr *e;
	int rc;

	if (!conf_id_valid(id))
		return -EINVAL;
	if ((rc = fleet_grow((void **)&f->enr, &f->cap_enr, f->n_enr, sizeof(*f->enr))) < 0)
		return rc;
	e = &f->enr[f->n_enr];
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->revoked = revoked;
	e->name = NULL;
	if (name != NULL && (e->name = strdup(name)) == NULL)
		return -ENOMEM;
	if (e->name != NULL)
		conf_text_defang(e->name);
	f->n_enr++;
	return 0;
}

/* --- the district schedule ------------------------------------------------------------ */

/* The manifest text inside the envelope, unverified (the caller's to free), or NULL. */
static char *
fleet_manifest_unverified(const void *payload, size_t len)
{
	json_t *env = json_loadb(payload, len, 0, NULL);
	const char *m = json_string_value(json_object_get(env, "manifest"));
	char *text = m != NULL ? strdup(m) : NULL;

	json_decref(env);
	return text;
}

/* The targets of the manifest m; 0 or -EINVAL / -ENOMEM. */
static int
fleet_manifest_targets(struct fleet_schedule *sc, const json_t *t)
{
	const json_t *v;
	size_t i;

	if (json_is_string(t) && strcmp(json_string_value(t), "all") == 0) {
		sc->all = 1;
		return 0;
	}
	if (!json_is_array(t))
		return -EINVAL;
	if ((sc->targets = calloc(json_array_size(t) + 1, sizeof(char *))) == NULL)
		return -ENOMEM;
	json_array_foreach(t, i, v) {
		if (!json_is_string(v))
			return -EINVAL;
		if ((sc->targets[sc->n_targets] = strdup(json_string_value(v))) == NULL)
			return -ENOMEM;
		sc->n_targets++;
	}
	return 0;
}

/* The region, version, issue time and targets of the manifest text. 0, or -EINVAL with why. */
static int
fleet_manifest_read(struct fleet *f, const char *text)
{
	struct fleet_schedule *sc = &f->sched;
	json_t *m = json_loads(text, 0, NULL), *ver = json_object_get(m, "version");
	const char *region = json_string_value(json_object_get(m, "region")),
	    *issued = json_string_value(json_object_get(m, "issued"));
	int rc = -EINVAL;

	if (!json_is_integer(ver) || json_integer_value(ver) < 1 || region == NULL)
		snprintf(sc->why, sizeof(sc->why), "%s", _("the schedule on the broker is not a "
		    "loaxa manifest (no region or version)"));
	else if (strcmp(region, f->region) != 0)
		snprintf(sc->why, sizeof(sc->why), _("the schedule on the broker is for region "
		    "\"%.63s\", not \"%s\""), region, f->region);
	else if ((rc = fleet_manifest_targets(sc, json_object_get(m, "targets"))) < 0)
		snprintf(sc->why, sizeof(sc->why), "%s", _("the schedule on the broker names its "
		    "stations in a way loaxa does not write"));
	else {
		sc->version = json_integer_value(ver);
		snprintf(sc->issued, sizeof(sc->issued), "%s", issued != NULL ? issued : "");
		sc->present = 1;
	}
	json_decref(m);
	return rc;
}

int
fleet_set_schedule(struct fleet *f, const void *payload, size_t len, const unsigned char *pk)
{
	const struct envelope_check chk = { .field = "manifest", .what = _("manifest"),
	    .max_bytes = MANIFEST_MAX_BYTES, .public_key = pk };
	enum envelope_code code;
	char key_id[KEYS_ID_HEX + 1], why[400];
	char *text;
	int rc;

	fleet_schedule_clear(&f->sched);
	if (pk != NULL)
		text = envelope_open(payload, len, &chk, &code, key_id, why, sizeof(why));
	else if ((text = fleet_manifest_unverified(payload, len)) == NULL)
		snprintf(why, sizeof(why), "%s", _("it is not a signed loaxa manifest"));
	if (text == NULL) {
		snprintf(f->sched.why, sizeof(f->sched.why), _("the schedule on the broker is "
		    "ignored: %s"), why);
		return -EINVAL;
	}
	rc = fleet_manifest_read(f, text);
	f->sched.verified = rc == 0 && pk != NULL;
	free(text);
	return rc;	/* on failure, present stays 0: no station is held to it */
}

const struct fleet_schedule *
fleet_schedule(const struct fleet *f)
{
	return &f->sched;
}

/* --- each station's problems ------------------------------------------------------------ */

/* Appends a problem; on no memory its text is NULL and the code still says it. */
static void __attribute__((format(printf, 3, 4)))
fleet_problem(struct fleet_station *s, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (s->n_problems == FLEET_PROBLEMS_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (text != NULL)
		conf_text_defang(text);	/* the status's words go to a terminal */
	s->problems[s->n_problems].code = code;
	s->problems[s->n_problems].text = text;
	s->n_problems++;
}

/* A member as text for a message: its string, or "?" (never NULL). */
static const char *
fleet_str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "?";
}

void
fleet_fmt_age(long long secs, char *buf, size_t len)
{
	if (secs < 120)
		snprintf(buf, len, _("%lld s"), secs);
	else if (secs < 2 * 3600)
		snprintf(buf, len, _("%lld min"), secs / 60);
	else if (secs < 2 * 86400)
		snprintf(buf, len, _("%lld h %02lld min"), secs / 3600, secs / 60 % 60);
	else
		snprintf(buf, len, _("%lld d %lld h"), secs / 86400, secs / 3600 % 24);
}

static void
fleet_check_audio(struct fleet_station *s, const json_t *st)
{
	const json_t *a = json_object_get(st, "audio");
	const char *state = json_string_value(json_object_get(a, "state"));

	if (state == NULL || strcmp(state, "failed") != 0)
		return;
	if (json_is_string(json_object_get(a, "error")))
		fleet_problem(s, "audio", _("audio device %s failed: %s"), fleet_str(a, "device"),
		    fleet_str(a, "error"));
	else
		fleet_problem(s, "audio", _("audio device %s failed"), fleet_str(a, "device"));
}

static void
fleet_check_clock(struct fleet_station *s, const json_t *st)
{
	const json_t *c = json_object_get(st, "clock");

	if (json_is_false(json_object_get(c, "trusted")))
		fleet_problem(s, "clock", _("clock not trusted: %s"), fleet_str(c, "reason"));
}

static void
fleet_check_refused(struct fleet_station *s, const json_t *st)
{
	const json_t *m = json_object_get(st, "mqtt"), *n = json_object_get(m, "refused");

	if (!json_is_integer(n) || json_integer_value(n) <= 0)
		return;
	fleet_problem(s, "refused", _("the broker refused %lld of its publishes since it started "
	    "(the last: %s)"), (long long)json_integer_value(n), fleet_str(m, "last_refusal"));
}

static void
fleet_check_tls(struct fleet_station *s, const json_t *st)
{
	const json_t *t = json_object_get(st, "tls"), *days = json_object_get(t, "cert_days_left");
	long long d;

	if (json_is_string(json_object_get(t, "error"))) {
		fleet_problem(s, "certificate", _("its TLS files cannot be used: %s"),
		    fleet_str(t, "error"));
		return;
	}
	if (!json_is_integer(days) || (d = json_integer_value(days)) >= FLEET_CERT_WARN_DAYS)
		return;
	if (d < 0)
		fleet_problem(s, "certificate", _("its certificate expired %lld days ago: give it a "
		    "new bundle (loaxa-district)"), -d);
	else
		fleet_problem(s, "certificate", _("its certificate expires in %lld days: give it a "
		    "new bundle (loaxa-district) before then"), d);
}

/* 1 when the district schedule on the broker is meant for station id. */
static int
fleet_targeted(const struct fleet_schedule *sc, const char *id)
{
	size_t i;

	if (sc->all)
		return 1;
	for (i = 0; i < sc->n_targets; i++)
		if (strcmp(sc->targets[i], id) == 0)
			return 1;
	return 0;
}

/* What the station says of the newer schedule: fetching it, or why it refused it. */
static void
fleet_schedule_detail(const json_t *d, int64_t version, char *buf, size_t len)
{
	const json_t *fe = json_object_get(d, "fetching"), *re = json_object_get(d, "refused");

	buf[0] = '\0';
	if (json_integer_value(json_object_get(fe, "version")) == version)
		snprintf(buf, len, _("; it is fetching it, %lld of %lld bulletins still missing"),
		    (long long)json_integer_value(json_object_get(fe, "missing")),
		    (long long)json_integer_value(json_object_get(fe, "bulletins")));
	else if (json_integer_value(json_object_get(re, "version")) == version)
		snprintf(buf, len, _("; it refused it (%s): %s"), fleet_str(re, "code"),
		    fleet_str(re, "reason"));
}

static void
fleet_check_district(const struct fleet *f, struct fleet_station *s, const json_t *st)
{
	const json_t *d = json_object_get(st, "district");
	const struct fleet_schedule *sc = &f->sched;
	char detail[600];

	s->district_version = json_integer_value(json_object_get(d, "version"));
	if (!sc->present || !fleet_targeted(sc, s->id))
		return;
	if (!json_is_true(json_object_get(d, "configured"))) {
		fleet_problem(s, "no_district", _("takes no district schedule (no district key in "
		    "its loaxa.cfg), and the district published version %lld for it"),
		    (long long)sc->version);
		return;
	}
	if (s->district_version >= sc->version)
		return;
	fleet_schedule_detail(d, sc->version, detail, sizeof(detail));
	if (s->district_version == 0)
		fleet_problem(s, "schedule_old", _("has no district schedule; version %lld is on the "
		    "broker%s"), (long long)sc->version, detail);
	else
		fleet_problem(s, "schedule_old", _("has district schedule version %lld, older than "
		    "version %lld on the broker%s"), (long long)s->district_version,
		    (long long)sc->version, detail);
}

static void
fleet_check_store(struct fleet_station *s, const json_t *st)
{
	const json_t *r = json_object_get(st, "store");

	if (json_is_true(json_object_get(r, "recovered")))
		fleet_problem(s, "store_recovered", _("its database was damaged and rebuilt from what "
		    "could be read (%lld rows; %lld tables lost): reports may be missing"),
		    (long long)json_integer_value(json_object_get(r, "rows")),
		    (long long)json_integer_value(json_object_get(r, "lost_tables")));
}

static void
fleet_check_storage(struct fleet_station *s, const json_t *st)
{
	const json_t *d = json_object_get(st, "storage");
	json_int_t free_b = json_integer_value(json_object_get(d, "free_bytes"));
	json_int_t total = json_integer_value(json_object_get(d, "total_bytes"));

	if (!json_is_object(d) || total <= 0 || free_b < 0)
		return;		/* an older station, or not measured yet */
	if (free_b * 100 >= total * FLEET_DISK_LOW_PERCENT && (unsigned long long)free_b >=
	    FLEET_DISK_LOW_BYTES)
		return;
	fleet_problem(s, "disk", _("disk nearly full: %lld MiB free of %lld MiB (%lld%%); it may "
	    "soon refuse the district's bulletins: remove old files or fit a larger card"),
	    (long long)(free_b >> 20), (long long)(total >> 20),
	    (long long)(free_b * 100 / total));
}

static void
fleet_check_outbox(struct fleet_station *s, const json_t *st)
{
	const json_t *o = json_object_get(st, "outbox");
	json_int_t pending = json_integer_value(json_object_get(o, "pending"));
	json_int_t max = json_integer_value(json_object_get(o, "max"));

	if (!json_is_object(o) || pending <= FLEET_OUTBOX_BACKLOG)
		return;
	fleet_problem(s, "outbox", _("%lld reports wait to be sent (room for %lld; past that the "
	    "oldest are dropped): its link to the broker is slow or refused"),
	    (long long)pending, (long long)max);
}

static void
fleet_check_muted(struct fleet_station *s, const json_t *st)
{
	const json_t *m = json_object_get(st, "muted");
	const char *until = json_string_value(json_object_get(m, "until"));
	char since_s[64], until_s[64];

	if (!json_is_object(m))
		return;
	ctl_out_iso_short(json_string_value(json_object_get(m, "since")), since_s,
	    sizeof(since_s), "?");
	if (until == NULL) {
		fleet_problem(s, "muted", _("muted by %s since %s, until someone unmutes it"),
		    fleet_str(m, "by"), since_s);
		return;
	}
	ctl_out_iso_short(until, until_s, sizeof(until_s), "?");
	fleet_problem(s, "muted", _("muted by %s since %s, until %s"), fleet_str(m, "by"),
	    since_s, until_s);
}

/*
 * A relay, or the district's live broadcast, whose stream does not reach the
 * station: its loudspeakers play the fallback or silence meanwhile.
 */
static void
fleet_check_stream(struct fleet_station *s, const json_t *st)
{
	const json_t *p = json_object_get(st, "playing");
	const char *stream = json_string_value(json_object_get(p, "stream"));

	if (stream == NULL || strcmp(stream, "away") != 0)
		return;
	fleet_problem(s, "stream_away", _("the stream it relays (%s) does not reach it: its "
	    "fallback or silence plays; check the station's Internet link and the stream's "
	    "server"), fleet_str(p, "relay"));
}

static void
fleet_check_stale(const struct fleet *f, struct fleet_station *s)
{
	char age[64];

	if (s->at == 0 || f->now - s->at <= f->stale_s)
		return;
	fleet_fmt_age((long long)(f->now - s->at), age, sizeof(age));
	fleet_problem(s, "stale", _("no status for %s although the last one says online: it may "
	    "be cut off without the broker knowing (a broker restarted), or the broker refuses "
	    "its status"), age);
}

/* The problems of a station whose status says it is online. */
static void
fleet_judge_online(const struct fleet *f, struct fleet_station *s)
{
	const json_t *st = s->status, *up = json_object_get(st, "uptime");

	s->state = FLEET_ONLINE;
	if (s->at != 0 && json_is_integer(up) && json_integer_value(up) >= 0)
		s->since = s->at - (time_t)json_integer_value(up);
	fleet_check_stale(f, s);
	fleet_check_audio(s, st);
	fleet_check_clock(s, st);
	fleet_check_refused(s, st);
	fleet_check_tls(s, st);
	fleet_check_district(f, s, st);
	fleet_check_store(s, st);
	fleet_check_storage(s, st);
	fleet_check_outbox(s, st);
	fleet_check_muted(s, st);
	fleet_check_stream(s, st);
}

/*
 * A station whose status says offline: its goodbye ("reason": "stopped",
 * at the time it stopped), or its Last Will ("lost", whose time is that of
 * the connection it ended). Stations older than "reason" left the same.
 */
static void
fleet_judge_offline(struct fleet_station *s)
{
	const char *reason = json_string_value(json_object_get(s->status, "reason"));

	s->state = FLEET_OFFLINE;
	if (reason != NULL && strcmp(reason, "stopped") == 0) {
		s->since = s->at;
		fleet_problem(s, "offline", "%s", _("offline: it was stopped (shut down, or its "
		    "service stopped)"));
	} else if (reason != NULL && strcmp(reason, "lost") == 0) {
		fleet_problem(s, "offline", "%s", _("offline: its link to the broker was lost (no "
		    "power, or no network)"));
	} else {
		fleet_problem(s, "offline", "%s", _("offline: stopped, or its link to the broker was "
		    "lost"));
	}
}

/* One station from its last status r and its line e of the district's list (either may be NULL). */
static int
fleet_judge(const struct fleet *f, struct fleet_station *s, const struct fleet_rec *r,
    const struct fleet_enr *e)
{
	const char *name = r != NULL ? json_string_value(json_object_get(r->status, "name")) : NULL;
	time_t at;

	s->enrolled = f->enrolment_known ? e != NULL : -1;
	if (name == NULL && e != NULL)
		name = e->name;
	if (name != NULL && (s->name = strdup(name)) == NULL)
		return -ENOMEM;
	if (s->name != NULL)
		conf_text_defang(s->name);
	if (r != NULL && r->status != NULL) {
		s->status = json_incref(r->status);
		if (timeparse_iso(fleet_str(r->status, "at"), &at) == 0)
			s->at = at;
	}
	if (e != NULL && e->revoked) {
		s->state = FLEET_REVOKED;
		fleet_problem(s, "revoked", "%s", _("its certificate was revoked: the broker denies it "
		    "everything, and this is the last status it left"));
		return 0;
	}
	if (r == NULL) {
		s->state = FLEET_UNKNOWN;
		fleet_problem(s, "never_reported", "%s", _("enrolled, and has never reported"));
	} else if (r->status == NULL) {
		s->state = FLEET_UNKNOWN;
		fleet_problem(s, "unreadable", _("its retained status cannot be read: %s"), r->bad);
	} else if (!json_is_true(json_object_get(s->status, "online"))) {
		fleet_judge_offline(s);
	} else {
		fleet_judge_online(f, s);
	}
	if (s->enrolled == 0)
		fleet_problem(s, "not_enrolled", "%s", _("not among the stations enrolled in the "
		    "district's directory"));
	s->healthy = s->state == FLEET_ONLINE && s->n_problems == 0;
	return 0;
}

/* --- merging and ordering ----------------------------------------------------------------- */

static int
fleet_rec_cmp(const void *a, const void *b)
{
	const struct fleet_rec *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int
fleet_enr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fleet_enr *)a)->id, ((const struct fleet_enr *)b)->id);
}

/* Problems first: offline, never reported, online with problems, healthy, revoked. */
static int
fleet_rank(const struct fleet_station *s)
{
	switch (s->state) {
	case FLEET_OFFLINE:
		return 0;
	case FLEET_UNKNOWN:
		return 1;
	case FLEET_ONLINE:
		return s->healthy ? 3 : 2;
	default:
		return 4;
	}
}

static int
fleet_station_cmp(const void *a, const void *b)
{
	const struct fleet_station *x = a, *y = b;
	int c = fleet_rank(x) - fleet_rank(y);

	return c != 0 ? c : strcmp(x->id, y->id);
}

/* The next station of the sorted statuses and list: its last status and its line. */
static const char *
fleet_next(const struct fleet *f, size_t *i, size_t *j, const struct fleet_rec **r,
    const struct fleet_enr **e)
{
	const char *id;
	int c;

	*r = NULL;
	*e = NULL;
	if (*i < f->n_recs && *j < f->n_enr)
		c = strcmp(f->recs[*i].id, f->enr[*j].id);
	else
		c = *i < f->n_recs ? -1 : 1;
	id = c <= 0 ? f->recs[*i].id : f->enr[*j].id;
	if (c <= 0) {
		while (*i + 1 < f->n_recs && strcmp(f->recs[*i + 1].id, id) == 0)
			++*i;
		*r = &f->recs[(*i)++];
	}
	if (c >= 0) {
		*e = &f->enr[(*j)++];
		while (*j < f->n_enr && strcmp(f->enr[*j].id, id) == 0)
			++*j;
	}
	return id;
}

int
fleet_evaluate(struct fleet *f, time_t now, int stale_s)
{
	const struct fleet_rec *r;
	const struct fleet_enr *e;
	struct fleet_station *s;
	const char *id;
	size_t i = 0, j = 0;

	for (; f->n_st > 0; f->n_st--)
		fleet_station_clear(&f->st[f->n_st - 1]);
	free(f->st);
	f->now = now;
	f->stale_s = stale_s;
	if ((f->st = calloc(f->n_recs + f->n_enr + 1, sizeof(*f->st))) == NULL)
		return -ENOMEM;
	/* Nothing came of one kind: its array is NULL, which qsort may not be given. */
	if (f->n_recs > 0)
		qsort(f->recs, f->n_recs, sizeof(*f->recs), fleet_rec_cmp);
	if (f->n_enr > 0)
		qsort(f->enr, f->n_enr, sizeof(*f->enr), fleet_enr_cmp);
	while (i < f->n_recs || j < f->n_enr) {
		id = fleet_next(f, &i, &j, &r, &e);
		/* A revoked station that left nothing behind is no longer part of the fleet. */
		if (r == NULL && e != NULL && e->revoked)
			continue;
		s = &f->st[f->n_st++];
		snprintf(s->id, sizeof(s->id), "%s", id);
		if (fleet_judge(f, s, r, e) < 0)
			return -ENOMEM;
	}
	qsort(f->st, f->n_st, sizeof(*f->st), fleet_station_cmp);
	return 0;
}

size_t
fleet_count(const struct fleet *f)
{
	return f->n_st;
}

const struct fleet_station *
fleet_station(const struct fleet *f, size_t i)
{
	return i < f->n_st ? &f->st[i] : NULL;
}

void
fleet_tally(const struct fleet *f, size_t n[4], size_t *healthy)
{
	size_t i;

	memset(n, 0, 4 * sizeof(n[0]));
	*healthy = 0;
	for (i = 0; i < f->n_st; i++) {
		n[f->st[i].state]++;
		*healthy += f->st[i].healthy != 0;
	}
}

int
fleet_all_healthy(const struct fleet *f)
{
	size_t n[4], healthy;

	fleet_tally(f, n, &healthy);
	return healthy > 0 && healthy == n[FLEET_OFFLINE] + n[FLEET_UNKNOWN] + n[FLEET_ONLINE];
}

const char *
fleet_state_name(enum fleet_state s)
{
	switch (s) {
	case FLEET_OFFLINE:
		return "offline";
	case FLEET_UNKNOWN:
		return "unknown";
	case FLEET_ONLINE:
		return "online";
	default:
		return "revoked";
	}
}
