/*
 * The station's reports. Every play event (started, finished, missed, ...)
 * and every note that is not about one play (muted, stopped, schedule_armed,
 * ...) is written to the as-run log and the outbox in one step, off the loop
 * (store_writer.c), then the MQTT module is told there is something to send:
 * the record is durable before anyone is told about it. Also the end records
 * that plays cut off by a crash or a power cut never got.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/i18n.h"
#include "config/timeparse.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/proto/report.h"
#include "daemon/proto/tags_json.h"
#include "daemon/station/station_int.h"

/* The record is on disk (or not): the outbox has something to send. */
static void
station_record_done(void *arg, int rc)
{
	struct station *st = arg;

	if (rc == 0 && st->mqtt != NULL)
		mqtt_outbox_kick(st->mqtt);
}

/*
 * Writes a record and its outbox copy, on the store's writer: the loop does
 * not wait for the disk, and the records reach it in the order they were made.
 * 0 when it was handed over, or a negative errno when it was not.
 */
static int
station_record(struct station *st, const struct asrun_rec *rec, const char *hash_path)
{
	int rc;

	if (st->writer != NULL)
		rc = store_writer_event(st->writer, rec, st->topic_events, hash_path,
		    station_record_done, st);
	else if ((rc = store_event_add(st->store, rec, st->topic_events)) == 0)
		station_record_done(st, 0);
	if (rc < 0)
		log_warnx(_("station: the %s record for %s could not be stored"), rec->event,
		    rec->play_id);
	return rc;
}

/*
 * One event of a play (started, finished, failed, missed, interrupted, ...).
 * A queued item leaves the queue in the same transaction as its first record,
 * so that a crash never leaves it neither queued nor recorded.
 */
int
station_emit(struct station *st, struct play_item *it, const char *event, double seconds,
    const char *error)
{
	time_t now = clock_wall_now();
	json_t *o = report_event(&st->cfg, it, event, now, seconds, error);
	char *payload;
	int rc;

	/* The district measures its alert chain end to end: publish to first audio. */
	if (it->published_ms > 0 && strcmp(event, "started") == 0)
		json_object_set_new(o, "delay_ms", json_integer(clock_wall_ms() - it->published_ms));
	payload = json_dumps(o, JSON_COMPACT);
	struct asrun_rec rec = { .play_id = it->play_id, .event = event, .at = now, .json = payload,
	    .queue_id = it->source == PLAY_QUEUE ? it->queue_id : 0 };	/* leaves the queue with it */

	json_decref(o);
	if (payload == NULL) {
		log_warnx(_("station: out of memory for a %s report"), event);
		return -ENOMEM;
	}
	log_info("station: %s \"%s\" (%s)%s%s", event, it->title, it->file,
	    error != NULL ? ": " : "", error != NULL ? error : "");
	rc = station_record(st, &rec, it->sha256[0] == '\0' ? it->path : NULL);
	free(payload);
	station_mark_dirty(st);
	return rc;
}

/* A report that is not about one play (mute, unmute, schedules): the same outbox, its own id.
 * Takes the reference to details (may be NULL). */
void
station_emit_note(struct station *st, const char *event, json_t *details)
{
	json_t *o = json_object();
	struct asrun_rec rec = { .event = event, .at = clock_wall_now() };
	char id[33], *payload;

	play_id_new(id);
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "station", json_string(st->cfg.station.id));
	json_object_set_new(o, "region", json_string(st->cfg.station.region));
	json_object_set_new(o, "at", report_time(rec.at));
	if (details != NULL) {
		json_object_update(o, details);
		json_decref(details);
	}
	payload = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (payload == NULL) {
		log_warnx(_("station: the %s record could not be built (out of memory); it is lost"),
		    event);
		return;
	}
	rec.play_id = id;
	rec.json = payload;
	log_info("station: %s", payload);
	station_record(st, &rec, NULL);
	free(payload);
	station_mark_dirty(st);
}

/* Every bulletin of a sequence that will not play is reported (missed, cancelled). */
void
station_miss_items_as(struct station *st, struct play_item *items, size_t n, const char *event,
    const char *reason)
{
	size_t i;

	for (i = 0; i < n; i++) {
		play_id_new(items[i].play_id);
		station_emit(st, &items[i], event, 0, reason);
	}
	station_free_items(items, n);
}

/* The same, reported "missed". */
void
station_miss_items(struct station *st, struct play_item *items, size_t n, const char *reason)
{
	station_miss_items_as(st, items, n, "missed", reason);
}

static char *
json_dup(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? strdup(v) : NULL;
}

/* What a "started" report said of a play, so that its end says the same. */
static void
play_item_from_report(struct play_item *it, const char *text)
{
	json_t *o = json_loads(text, 0, NULL);
	const char *v;

	if (o == NULL)
		return;
	it->title = json_dup(o, "title");
	it->slot = json_dup(o, "slot");
	it->file = json_dup(o, "file");
	(void)tags_json_parse(json_object_get(o, "tags"), &it->tags, NULL, 0);
	if ((v = json_string_value(json_object_get(o, "sha256"))) != NULL)
		snprintf(it->sha256, sizeof(it->sha256), "%s", v);
	v = json_string_value(json_object_get(o, "source"));
	it->source = v == NULL ? PLAY_SCHEDULE : strcmp(v, "queue") == 0 ? PLAY_QUEUE :
	    strcmp(v, "alert") == 0 ? PLAY_ALERT : PLAY_SCHEDULE;
	if ((v = json_string_value(json_object_get(o, "class"))) != NULL)
		sched_class_parse(v, &it->cls);
	it->queue_id = json_integer_value(json_object_get(o, "queue_id"));
	if ((v = json_string_value(json_object_get(o, "alert_id"))) != NULL)
		snprintf(it->alert_id, sizeof(it->alert_id), "%s", v);
	if ((v = json_string_value(json_object_get(o, "scheduled_at"))) != NULL)
		(void)timeparse_iso(v, &it->scheduled_at);
	json_decref(o);
}

/* Plays cut off by a crash or a power cut get their end record now, with their details. */
void
station_close_open_plays(struct station *st)
{
	char **ids;
	size_t n, i;

	if (store_open_plays(st->store, &ids, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		struct play_item it = { .source = PLAY_SCHEDULE };
		char *json = NULL;

		if (store_asrun_started_json(st->store, ids[i], &json) == 0)
			play_item_from_report(&it, json);
		free(json);
		snprintf(it.play_id, sizeof(it.play_id), "%s", ids[i]);
		station_emit(st, &it, "interrupted", 0, _("the station restarted while it was playing"));
		play_item_clear(&it);
	}
	store_strings_free(ids, n);
}
