/*
 * The station's answers to loaxactl: status, list, queue, cancel, stop, reload.
 * Every request is checked here; every refusal is a sentence an operator can act on.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "codecs/opus_reader.h"
#include "config/i18n.h"
#include "config/timeparse.h"
#include "daemon/log.h"
#include "daemon/report.h"
#include "daemon/station.h"
#include "daemon/station_int.h"

#define QUEUE_MAX_BYTES		(512ull * 1024 * 1024)
#define NAME_MAX_BYTES		255
#define TITLE_MAX_BYTES		200
#define UPCOMING_MAX		10

static int
ctl_fail(json_t *reply, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
ctl_fail(json_t *reply, const char *fmt, ...)
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
	return json_pack("{s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)q->id, "title", q->title,
	    "file", q->name, "at", report_time(q->at), "sha256", q->sha256);
}

static int
ctl_list(struct station *st, json_t *reply)
{
	json_t *queue = json_array(), *upcoming = json_array();
	time_t t = time(NULL);
	size_t i;

	for (i = 0; i < st->nqueue; i++)
		json_array_append_new(queue, ctl_queue_entry(&st->queue[i]));
	for (i = 0; st->sched != NULL && i < UPCOMING_MAX; i++) {
		size_t slot;

		t = sched_next(st->sched, t, &slot);
		if (t == (time_t)-1)
			break;
		json_array_append_new(upcoming, json_pack("{s:s, s:o, s:I}",
		    "title", st->sched->slots[slot].title, "at", report_time(t),
		    "items", (json_int_t)st->sched->slots[slot].n_items));
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
ctl_queue_check_file(const char *path, const char *name, json_t *reply)
{
	struct opus_reader *rd;
	int err;

	rd = opus_reader_open_file(path, 48000, 1, &err);
	if (rd == NULL)
		return ctl_fail(reply, _("cannot queue \"%s\": %s"), name, opus_reader_strerror(err));
	opus_reader_free(rd);
	return 0;
}

static int
ctl_queue_args(struct station *st, const json_t *req, json_t *reply, const char **name,
    const char **title, time_t *at)
{
	const char *at_s;
	time_t now = time(NULL);

	if (ctl_opt_string(req, "name", NAME_MAX_BYTES, name) < 0 || *name == NULL)
		return ctl_fail(reply, _("the request has no usable file name; use 'loaxactl queue FILE'"));
	if (ctl_opt_string(req, "title", TITLE_MAX_BYTES, title) < 0)
		return ctl_fail(reply, _("the title must be text of 1 to %d bytes"), TITLE_MAX_BYTES);
	if (ctl_opt_string(req, "at", 64, &at_s) < 0)
		return ctl_fail(reply, _("the time must be text like 14:30 or 2026-11-22 14:30"));
	*at = 0;
	if (at_s != NULL) {
		if (timeparse_local(at_s, now, at) < 0)
			return ctl_fail(reply, _("cannot understand the time \"%s\"; write it as "
			    "HH:MM, HH:MM:SS or YYYY-MM-DD HH:MM[:SS]"), at_s);
		if (*at < now - st->cfg.schedule.grace)
			return ctl_fail(reply, _("the time \"%s\" has already passed; give a later "
			    "time, or none to play it as soon as the station is free"), at_s);
	}
	if (st->nqueue >= STORE_QUEUE_MAX)
		return ctl_fail(reply, _("the queue is full (%d items); cancel some with "
		    "'loaxactl cancel ID' first"), STORE_QUEUE_MAX);
	return 0;
}

static int
ctl_queue(struct station *st, struct ctl_request *rq, json_t *reply)
{
	const char *name, *title;
	char path[4096], deftitle[256];
	struct queue_item q = { 0 };
	int rc;

	if ((rc = ctl_queue_args(st, rq->req, reply, &name, &title, &q.at)) < 0)
		return rc;
	if (rq->fd < 0)
		return ctl_fail(reply, _("no file came with the request; use 'loaxactl queue FILE'"));
	rc = store_import_fd(st->store, rq->fd, QUEUE_MAX_BYTES, path, sizeof(path), q.sha256);
	if (rc == -EFBIG)
		return ctl_fail(reply, _("cannot queue \"%s\": it is larger than %llu MiB"), name,
		    QUEUE_MAX_BYTES >> 20);
	if (rc == -ENOSPC)
		return ctl_fail(reply, _("cannot queue \"%s\": the station's storage is full; cancel "
		    "queued items or free space in %s"), name, st->cfg.storage.dir);
	if (rc < 0)
		return ctl_fail(reply, _("cannot queue \"%s\": it could not be copied into the "
		    "station's storage (%s)"), name, strerror(-rc));
	if ((rc = ctl_queue_check_file(path, name, reply)) < 0)
		return rc;
	if (title == NULL) {
		ctl_default_title(name, deftitle, sizeof(deftitle));
		title = deftitle;
	}
	q.path = path;
	q.name = (char *)name;
	q.title = (char *)title;
	q.created = time(NULL);
	rc = store_queue_add(st->store, &q);
	if (rc == -EDQUOT)
		return ctl_fail(reply, _("the queue is full (%d items); cancel some with "
		    "'loaxactl cancel ID' first"), STORE_QUEUE_MAX);
	if (rc == -ENOSPC)
		return ctl_fail(reply, _("cannot queue \"%s\": the station's storage is full; cancel "
		    "queued items or free space in %s"), name, st->cfg.storage.dir);
	if (rc < 0)
		return ctl_fail(reply, _("cannot queue \"%s\": the station could not save its queue"), name);
	log_info("ctl: queued \"%s\" (%s) as %lld for uid %u", title, name, (long long)q.id,
	    (unsigned)rq->uid);
	station_queue_refresh(st);
	json_object_set_new(reply, "id", json_integer(q.id));
	json_object_set_new(reply, "title", json_string(title));
	json_object_set_new(reply, "at", report_time(q.at));
	return 0;
}

static int
ctl_cancel(struct station *st, const json_t *req, json_t *reply)
{
	const json_t *v = json_object_get(req, "id");
	const struct play_item *cur = player_current(st->player, NULL);
	json_int_t id;

	if (!json_is_integer(v) || (id = json_integer_value(v)) <= 0)
		return ctl_fail(reply, _("give the id of a queued item, as shown by 'loaxactl list'"));
	if (cur != NULL && cur->source == PLAY_QUEUE && cur->queue_id == id)
		return ctl_fail(reply, _("item %lld is playing now; use 'loaxactl stop' to stop it"),
		    (long long)id);
	if (store_queue_remove(st->store, id) < 0)
		return ctl_fail(reply, _("there is no queued item %lld; see 'loaxactl list'"),
		    (long long)id);
	log_info("ctl: queued item %lld cancelled", (long long)id);
	station_queue_refresh(st);
	json_object_set_new(reply, "id", json_integer(id));
	return 0;
}

static int
ctl_stop(struct station *st, struct ctl_request *rq, json_t *reply)
{
	const struct play_item *cur = player_current(st->player, NULL);
	char reason[128];

	json_object_set_new(reply, "stopped", cur != NULL ? json_string(cur->title) : json_null());
	if (!player_busy(st->player))
		return 0;
	snprintf(reason, sizeof(reason), _("stopped by the operator (uid %u)"), (unsigned)rq->uid);
	player_stop(st->player, reason);
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
		ctl_fail(reply, _("the new schedule was refused; the previous one stays in force"));
	} else {
		json_object_set_new(reply, "slots", json_integer(st->sched ? (json_int_t)st->sched->n_slots : 0));
	}
	errlist_clear(&errs);
	return rc;
}

int
station_ctl_handle(void *arg, struct ctl_request *rq, json_t *reply)
{
	struct station *st = arg;

	if (strcmp(rq->cmd, "status") == 0)
		return ctl_status(st, reply);
	if (strcmp(rq->cmd, "list") == 0)
		return ctl_list(st, reply);
	if (strcmp(rq->cmd, "queue") == 0)
		return ctl_queue(st, rq, reply);
	if (strcmp(rq->cmd, "cancel") == 0)
		return ctl_cancel(st, rq->req, reply);
	if (strcmp(rq->cmd, "stop") == 0)
		return ctl_stop(st, rq, reply);
	if (strcmp(rq->cmd, "reload") == 0)
		return ctl_reload(st, reply);
	return ctl_fail(reply, _("unknown command \"%.40s\"; see 'loaxactl help'"), rq->cmd);
}
