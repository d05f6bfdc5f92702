/*
 * The station's answers to loaxactl: status, list, queue, cancel, stop,
 * reload, mute and unmute (move is station_move.c's, log station_log.c's).
 * Every request is checked here; every refusal is a sentence an operator can
 * act on.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pwd.h>
#include <unistd.h>

#include "codecs/opus_reader.h"
#include "config/conf.h"
#include "config/i18n.h"
#include "config/readfile.h"
#include "config/stream_url.h"
#include "config/timeparse.h"
#include "daemon/core/log.h"
#include "daemon/proto/report.h"
#include "daemon/proto/tags_json.h"
#include "daemon/station/station.h"
#include "daemon/station/station_int.h"

#define QUEUE_MAX_BYTES		(512ull * 1024 * 1024)
#define NAME_MAX_BYTES		255
#define TITLE_MAX_BYTES		200
#define UPCOMING_MAX		10

static void ctl_user(const struct ctl_request *rq, char *buf, size_t len);

int
station_ctl_fail(json_t *reply, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_set_new(reply, "error", json_string(buf));
	return -EINVAL;
}

/* An optional string member: 0 and *out (NULL when absent), or -EINVAL. */
static int
ctl_opt_string(const json_t *req, const char *key, size_t max, const char **out)
{
	const json_t *v = json_object_get(req, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > max || json_string_length(v) == 0)
		return -EINVAL;
	*out = json_string_value(v);
	/* jansson accepts embedded NULs in strings; a name must not have one. */
	return strlen(*out) == json_string_length(v) ? 0 : -EINVAL;
}

static int
ctl_status(struct station *st, json_t *reply)
{
	json_object_set_new(reply, "status", station_status_json(st));
	return 0;
}

static json_t *
ctl_queue_entry(const struct queue_item *q)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s}", "id", (json_int_t)q->id,
	    "title", q->title, "file", q->name, "at", report_time(q->at), "sha256", q->sha256,
	    "class", sched_class_name((enum sched_class)q->cls));

	/* The store keeps the tags as the JSON text they were checked into. */
	if (o != NULL && q->tags != NULL)
		json_object_set_new(o, "tags", json_loads(q->tags, 0, NULL));
	return o;
}

/*
 * A slot ahead: its bulletins, or the stream it relays (without
 * credentials: the operator's screen is no place for the province's
 * password), for how long, and how many fallback bulletins.
 */
static json_t *
ctl_upcoming_entry(const struct sched_slot *sl, time_t at)
{
	json_t *o = json_pack("{s:s, s:o}", "title", sl->title, "at", report_time(at));
	char url[STREAM_URL_MAX + 1];

	if (o == NULL)
		return NULL;
	if (sl->relay == NULL) {
		json_object_set_new(o, "items", json_integer((json_int_t)sl->n_items));
		return o;
	}
	stream_url_public(sl->relay, url, sizeof(url));
	json_object_set_new(o, "relay", json_string(url));
	json_object_set_new(o, "duration", json_integer(sl->duration));
	json_object_set_new(o, "fallback", json_integer((json_int_t)sl->n_fallback));
	return o;
}

static int
ctl_list(struct station *st, json_t *reply)
{
	json_t *queue = json_array(), *upcoming = json_array();
	time_t t = time(NULL);
	size_t i;

	for (i = 0; i < st->nqueue; i++)
		json_array_append_new(queue, ctl_queue_entry(&st->queue[i]));
	for (i = 0; i < UPCOMING_MAX; i++) {
		const struct sched_slot *sl = NULL;

		t = station_next_slot(st, t, &sl);
		if (t == (time_t)-1)
			break;
		json_array_append_new(upcoming, ctl_upcoming_entry(sl, t));
	}
	json_object_set_new(reply, "queue", queue);
	json_object_set_new(reply, "upcoming", upcoming);
	return 0;
}

/* The title an operator did not give: the file name without ".opus". */
static void
ctl_default_title(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	if (n > 5 && strcasecmp(name + n - 5, ".opus") == 0)
		n -= 5;
	snprintf(buf, len, "%.*s", (int)n, name);
}

static int
ctl_queue_args(struct station *st, const json_t *req, json_t *reply, const char **name,
    const char **title, time_t *at, int *clsp)
{
	const char *at_s, *cls_s;
	enum sched_class cls = SCHED_NORMAL;
	time_t now = time(NULL);

	if (ctl_opt_string(req, "name", NAME_MAX_BYTES, name) < 0 || *name == NULL)
		return station_ctl_fail(reply, _("the request has no usable file name; use 'loaxactl queue FILE'"));
	if (!conf_text_clean(*name))
		return station_ctl_fail(reply, _("the file name holds a control character (a new line, a "
		    "tab or an escape code); rename the file and queue it again"));
	if (ctl_opt_string(req, "title", TITLE_MAX_BYTES, title) < 0)
		return station_ctl_fail(reply, _("the title must be text of 1 to %d bytes"), TITLE_MAX_BYTES);
	if (*title != NULL && !conf_text_clean(*title))
		return station_ctl_fail(reply, _("the title must be text without control characters (no "
		    "new lines, tabs or escape codes)"));
	if (ctl_opt_string(req, "class", 16, &cls_s) < 0 ||
	    (cls_s != NULL && sched_class_parse(cls_s, &cls) < 0))
		return station_ctl_fail(reply, _("the class must be \"normal\", \"priority\" or \"emergency\""));
	*clsp = cls;
	if (ctl_opt_string(req, "at", 64, &at_s) < 0)
		return station_ctl_fail(reply, _("the time must be text like 14:30 or 2026-11-22 14:30"));
	*at = 0;
	if (at_s != NULL) {
		if (timeparse_local(at_s, now, at) < 0)
			return station_ctl_fail(reply, _("cannot understand the time \"%s\"; write it as "
			    "HH:MM, HH:MM:SS or YYYY-MM-DD HH:MM[:SS]"), at_s);
		if (*at < now - st->cfg.schedule.grace)
			return station_ctl_fail(reply, _("the time \"%s\" has already passed; give a later "
			    "time, or none to play it as soon as the station is free"), at_s);
	}
	if (st->nqueue >= STORE_QUEUE_MAX)
		return station_ctl_fail(reply, _("the queue is full (%d items); cancel some with "
		    "'loaxactl cancel ID' first"), STORE_QUEUE_MAX);
	return 0;
}

/* The request's optional "tags" (an array of strings), checked, as the JSON text the store keeps. */
static int
ctl_queue_tags(const json_t *req, json_t *reply, char **text)
{
	struct tags t = { NULL, 0 };
	char why[256];
	int rc;

	*text = NULL;
	if ((rc = tags_json_parse(json_object_get(req, "tags"), &t, why, sizeof(why))) == 0)
		*text = tags_json_dumps(&t, &rc);
	tags_clear(&t);
	if (rc == -ENOMEM)
		return station_ctl_fail(reply, "%s", _("cannot queue: the station is out of memory"));
	if (rc < 0)
		return station_ctl_fail(reply, _("cannot queue with these tags: %s"), why);
	return 0;
}

static int
ctl_queue(struct station *st, struct ctl_request *rq, json_t *reply)
{
	const char *name, *title;
	char deftitle[256], *tags;
	struct queue_item q = { 0 };
	int rc;

	if ((rc = ctl_queue_args(st, rq->req, reply, &name, &title, &q.at, &q.cls)) < 0)
		return rc;
	if (rq->fd < 0)
		return station_ctl_fail(reply, _("no file came with the request; use 'loaxactl queue FILE'"));
	if ((rc = ctl_queue_tags(rq->req, reply, &tags)) < 0)
		return rc;
	if (title == NULL) {
		ctl_default_title(name, deftitle, sizeof(deftitle));
		title = deftitle;
	}
	q.name = (char *)name;
	q.title = (char *)title;
	q.tags = tags;
	q.created = time(NULL);
	rc = station_enqueue(st, rq, &q, QUEUE_MAX_BYTES);
	free(tags);
	if (rc == -ENOMEM)
		return station_ctl_fail(reply, _("cannot queue \"%s\": the station is out of memory"), name);
	return rc;
}

static int
station_queued(const struct station *st, int64_t id)
{
	size_t i;

	for (i = 0; i < st->nqueue; i++)
		if (st->queue[i].id == id)
			return 1;
	return 0;
}

static int
ctl_cancel(struct station *st, struct ctl_request *rq, json_t *reply)
{
	const json_t *v = json_object_get(rq->req, "id");
	struct play_item cur;
	json_int_t id;
	int playing;

	if (!json_is_integer(v) || (id = json_integer_value(v)) <= 0)
		return station_ctl_fail(reply, _("give the id of a queued item, as shown by 'loaxactl list'"));
	playing = player_current(st->player, &cur, NULL) && cur.source == PLAY_QUEUE &&
	    cur.queue_id == id;
	play_item_clear(&cur);
	if (playing)
		return station_ctl_fail(reply, _("item %lld is playing now; use 'loaxactl stop' to stop it"),
		    (long long)id);
	if (!station_queued(st, id))
		return station_ctl_fail(reply, _("there is no queued item %lld; see 'loaxactl list'"),
		    (long long)id);
	if (station_dequeue(st, rq, id) < 0)
		return station_ctl_fail(reply, _("cannot cancel item %lld: the station is out of memory"),
		    (long long)id);
	return CTL_LATER;
}

static int
ctl_stop(struct station *st, struct ctl_request *rq, json_t *reply)
{
	struct play_item cur;
	char reason[128], who[96];
	json_t *title;

	title = player_current(st->player, &cur, NULL) ? json_string(cur.title) : json_null();
	play_item_clear(&cur);
	json_object_set(reply, "stopped", title);
	if (!player_busy(st->player)) {
		json_decref(title);
		return 0;
	}
	ctl_user(rq, who, sizeof(who));
	snprintf(reason, sizeof(reason), _("stopped by the operator %s"), who);
	/* Silence first; the records follow. */
	player_stop(st->player, reason);
	station_emit_note(st, "stopped", json_pack("{s:s, s:o}", "by", who, "title", title));
	log_warnx(_("ctl: playback stopped by %s"), who);
	return 0;
}

static int
ctl_reload(struct station *st, json_t *reply)
{
	struct errlist errs;
	json_t *details;
	size_t i;
	int rc;

	errlist_init(&errs);
	rc = station_reload(st, &errs);
	if (rc < 0) {
		details = json_array();
		for (i = 0; i < errs.n; i++)
			json_array_append_new(details, json_string(errs.msg[i]));
		json_object_set_new(reply, "details", details);
		station_ctl_fail(reply, _("the new schedule was refused; the previous one stays in force"));
	} else {
		json_object_set_new(reply, "slots", json_integer(st->scheds[SCHED_LOCAL] ?
		    (json_int_t)st->scheds[SCHED_LOCAL]->n_slots : 0));
	}
	errlist_clear(&errs);
	return rc;
}

/* The operator's local user name, for the records of who stopped, muted or unmuted the station. */
static void
ctl_user(const struct ctl_request *rq, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(rq->uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL)
		snprintf(buf, len, "%s (uid %u)", res->pw_name, (unsigned)rq->uid);
	else
		snprintf(buf, len, "uid %u", (unsigned)rq->uid);
}

static int
ctl_mute(struct station *st, struct ctl_request *rq, json_t *reply)
{
	const json_t *v = json_object_get(rq->req, "for");
	json_int_t secs = 0;
	char who[96];
	int rc;

	if (v != NULL && (!json_is_integer(v) || (secs = json_integer_value(v)) <= 0 ||
	    secs > 366 * 86400))
		return station_ctl_fail(reply, _("the mute duration must be between 1 second and a year, "
		    "e.g. --for 30m"));
	ctl_user(rq, who, sizeof(who));
	rc = station_mute(st, rq, who, secs > 0 ? time(NULL) + (time_t)secs : 0);
	log_warnx(_("ctl: the loudspeakers were muted by %s"), who);
	if (rc < 0)
		return station_ctl_fail(reply, _("the loudspeakers are muted now, but the station could not "
		    "save it (%s): after a restart they would not stay muted; mute again"),
		    strerror(-rc));
	return rc;		/* CTL_LATER: answered once it is on disk */
}

static int
ctl_unmute(struct station *st, struct ctl_request *rq, json_t *reply)
{
	char who[96];
	int rc;

	ctl_user(rq, who, sizeof(who));
	if ((rc = station_unmute(st, rq, who)) == -EALREADY)
		return station_ctl_fail(reply, _("the station is not muted"));
	if (rc < 0)
		return station_ctl_fail(reply, _("the station could not save that the loudspeakers are on "
		    "again (%s), so they stay muted; unmute again"), strerror(-rc));
	return rc;		/* CTL_LATER: on again once it is on disk */
}

int
station_ctl_handle(void *arg, struct ctl_request *rq, json_t *reply)
{
	struct station *st = arg;
	char cmd[44];

	if (strcmp(rq->cmd, "status") == 0)
		return ctl_status(st, reply);
	if (strcmp(rq->cmd, "list") == 0)
		return ctl_list(st, reply);
	if (strcmp(rq->cmd, "queue") == 0)
		return ctl_queue(st, rq, reply);
	if (strcmp(rq->cmd, "cancel") == 0)
		return ctl_cancel(st, rq, reply);
	if (strcmp(rq->cmd, "stop") == 0)
		return ctl_stop(st, rq, reply);
	if (strcmp(rq->cmd, "reload") == 0)
		return ctl_reload(st, reply);
	if (strcmp(rq->cmd, "mute") == 0)
		return ctl_mute(st, rq, reply);
	if (strcmp(rq->cmd, "unmute") == 0)
		return ctl_unmute(st, rq, reply);
	if (strcmp(rq->cmd, "move") == 0)
		return station_ctl_move(st, rq, reply);
	if (strcmp(rq->cmd, "log") == 0)
		return station_ctl_log(st, rq->req, reply);
	/*
	 * Quoted, not cut with "%.40s": a byte count can split a character,
	 * and a reply that is not UTF-8 loses its "error" (json_string fails).
	 */
	conf_quote(rq->cmd, cmd, sizeof(cmd));
	return station_ctl_fail(reply, _("unknown command \"%s\"; see 'loaxactl help'"), cmd);
}
