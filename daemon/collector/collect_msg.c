/*
 * The stations' events and statuses, read back (see collect_msg.h). The
 * station writes them (daemon/proto/report.c, daemon/station/station_emit.c);
 * here they are only read, and a record is kept whatever else it carries:
 * only what identifies it (event, and play_id or id) must be there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/timeparse.h"
#include "daemon/collector/collect_msg.h"

/* Copies the topic level that starts at *p into out, and moves *p past it. */
static int
cmsg_level(const char **p, char out[CMSG_ID_MAX])
{
	const char *slash = strchr(*p, '/');
	size_t n = slash != NULL ? (size_t)(slash - *p) : strlen(*p);

	if (n == 0 || n >= CMSG_ID_MAX)
		return -EINVAL;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n + (slash != NULL);
	return conf_id_valid(out) ? 0 : -EINVAL;
}

int
cmsg_topic(const char *topic, char region[CMSG_ID_MAX], char station[CMSG_ID_MAX],
    enum cmsg_leaf *leaf)
{
	const char *p = topic;

	if (topic == NULL || strncmp(p, "loaxa/", 6) != 0)
		return -EINVAL;
	p += 6;
	if (cmsg_level(&p, region) < 0 || strchr(p, '/') == NULL ||
	    cmsg_level(&p, station) < 0)
		return -EINVAL;
	if (strcmp(p, "events") == 0)
		*leaf = CMSG_EVENTS;
	else if (strcmp(p, "status") == 0)
		*leaf = CMSG_STATUS;
	else
		return -EINVAL;
	return 0;
}

static const char *
cmsg_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* An ISO 8601 time with its offset, as the reports write it; 0 when absent or unreadable. */
static time_t
cmsg_time(const json_t *o, const char *key)
{
	const char *s = cmsg_str(o, key);
	time_t t;

	if (s == NULL || strlen(s) > TIMEPARSE_ISO_MAX || timeparse_iso(s, &t) < 0)
		return 0;
	return t;
}

static int
cmsg_fail(char *why, size_t len, const char *msg)
{
	snprintf(why, len, "%s", msg);
	return -EINVAL;
}

/* The parsed text, or NULL with why: jansson checks the UTF-8. */
static json_t *
cmsg_load(const char *text, size_t len, char *why, size_t whylen)
{
	json_error_t err;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);

	if (o == NULL) {
		snprintf(why, whylen, "not JSON: %s", err.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		cmsg_fail(why, whylen, "not a JSON object");
		return NULL;
	}
	return o;
}

/* The fields a report may carry, none of them required. */
static int
cmsg_record_fields(struct cmsg_record *r, char *why, size_t whylen)
{
	const json_t *o = r->obj, *v;

	r->at = cmsg_time(o, "at");
	r->scheduled_at = cmsg_time(o, "scheduled_at");
	r->source = cmsg_str(o, "source");
	r->cls = cmsg_str(o, "class");
	r->title = cmsg_str(o, "title");
	r->slot = cmsg_str(o, "slot");
	r->file = cmsg_str(o, "file");
	r->sha256 = cmsg_str(o, "sha256");
	/* A stream counts for a play without a bulletin (collect_db.c's version 3). */
	r->relay = !r->note && r->sha256 == NULL ? cmsg_str(o, "relay") : NULL;
	r->error = cmsg_str(o, "error");
	r->alert_id = cmsg_str(o, "alert_id");
	r->station = cmsg_str(o, "station");
	r->region = cmsg_str(o, "region");
	if (json_is_integer(v = json_object_get(o, "queue_id")))
		r->queue_id = json_integer_value(v);
	if ((r->has_seconds = json_is_number(v = json_object_get(o, "seconds"))))
		r->seconds = json_number_value(v);
	/* Events may carry the bulletin's tags (issue 12): kept as the JSON array they are. */
	if (json_is_array(v = json_object_get(o, "tags")) &&
	    (r->tags = json_dumps(v, JSON_COMPACT)) == NULL)
		return -ENOMEM;
	v = json_object_get(o, "seq");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1))
		return cmsg_fail(why, whylen, "its \"seq\" is not a whole number from 1 on");
	r->seq = v != NULL ? json_integer_value(v) : 0;
	return 0;
}

int
cmsg_record_parse(const char *text, size_t len, struct cmsg_record *rec, char *why,
    size_t whylen)
{
	const char *pid, *id;
	int rc;

	memset(rec, 0, sizeof(*rec));
	if ((rec->obj = cmsg_load(text, len, why, whylen)) == NULL)
		return -EINVAL;
	if ((rec->event = cmsg_str(rec->obj, "event")) == NULL) {
		rc = cmsg_fail(why, whylen, "it has no \"event\"");
		goto fail;
	}
	if (strcmp(rec->event, "outbox_overflow") == 0)
		return 1;
	pid = cmsg_str(rec->obj, "play_id");
	id = cmsg_str(rec->obj, "id");
	if ((pid == NULL || pid[0] == '\0') && (id == NULL || id[0] == '\0')) {
		rc = cmsg_fail(why, whylen, "it has neither a \"play_id\" nor an \"id\"");
		goto fail;
	}
	rec->note = pid == NULL || pid[0] == '\0';
	rec->ref = rec->note ? id : pid;
	if ((rc = cmsg_record_fields(rec, why, whylen)) < 0)
		goto fail;
	return 0;
fail:
	cmsg_record_clear(rec);
	return rc;
}

void
cmsg_record_clear(struct cmsg_record *r)
{
	if (r == NULL)
		return;
	json_decref(r->obj);
	free(r->tags);
	memset(r, 0, sizeof(*r));
}

int
cmsg_status_parse(const char *text, size_t len, struct cmsg_status *st, char *why,
    size_t whylen)
{
	const json_t *online;
	const char *reason;

	memset(st, 0, sizeof(*st));
	if (len == 0)
		return -ENOENT;
	if ((st->obj = cmsg_load(text, len, why, whylen)) == NULL)
		return -EINVAL;
	if (!json_is_boolean(online = json_object_get(st->obj, "online"))) {
		cmsg_status_clear(st);
		return cmsg_fail(why, whylen, "it has no \"online\" true or false");
	}
	st->online = json_is_true(online);
	st->at = cmsg_time(st->obj, "at");
	st->name = cmsg_str(st->obj, "name");
	reason = cmsg_str(st->obj, "reason");
	st->stopped = reason == NULL ? -1 : strcmp(reason, "stopped") == 0;
	return 0;
}

void
cmsg_status_clear(struct cmsg_status *st)
{
	if (st == NULL)
		return;
	json_decref(st->obj);
	memset(st, 0, sizeof(*st));
}

time_t
cmsg_offline_at(time_t status_at, time_t last_heard, int stopped, int *clean)
{
	/* The same second counts as a goodbye: a station stops right after its last report. */
	*clean = stopped >= 0 ? stopped : status_at >= last_heard;
	return status_at > last_heard ? status_at : last_heard;
}
