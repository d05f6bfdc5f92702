/* The station's reports as JSON (jansson does the escaping). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config/i18n.h"
#include "config/stream_url.h"
#include "config/timeparse.h"
#include "daemon/core/log.h"
#include "daemon/proto/report.h"
#include "daemon/proto/tags_json.h"

json_t *
report_time(time_t t)
{
	char buf[40];

	if (t <= 0 || timeparse_format_iso(t, buf, sizeof(buf)) < 0)
		return json_null();
	return json_string(buf);
}

static const char *
report_source(enum play_source src)
{
	return src == PLAY_QUEUE ? "queue" : src == PLAY_ALERT ? "alert" : "schedule";
}

static json_t *
report_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/*
 * A relay's own facts: the stream (without credentials), and when it has
 * ended, the seconds it played something else ("seconds" are the stream's)
 * and how often the stream went away.
 */
static void
report_relay(json_t *o, const struct play_item *it, const char *event)
{
	char pub[STREAM_URL_MAX + 1];

	stream_url_public(it->relay, pub, sizeof(pub));
	json_object_set_new(o, "relay", json_string(pub));
	if (strcmp(event, "started") == 0)
		return;
	json_object_set_new(o, "fallback_seconds", json_real(round(it->fallback_s * 1000) / 1000));
	json_object_set_new(o, "interruptions", json_integer(it->breaks));
}

json_t *
report_event(const struct config *cfg, const struct play_item *it, const char *event,
    time_t at, double seconds, const char *error)
{
	json_t *o = json_object();

	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "play_id", json_string(it->play_id));
	json_object_set_new(o, "station", json_string(cfg->station.id));
	json_object_set_new(o, "region", json_string(cfg->station.region));
	json_object_set_new(o, "source", json_string(report_source(it->source)));
	json_object_set_new(o, "class", json_string(sched_class_name(it->cls)));
	json_object_set_new(o, "title", report_str(it->title));
	json_object_set_new(o, "slot", report_str(it->slot));
	if (it->source == PLAY_QUEUE)
		json_object_set_new(o, "queue_id", json_integer(it->queue_id));
	json_object_set_new(o, "file", report_str(it->file));
	json_object_set_new(o, "sha256", it->sha256[0] ? json_string(it->sha256) : json_null());
	if (it->tags.n > 0)
		json_object_set_new(o, "tags", tags_json_array(&it->tags));
	json_object_set_new(o, "scheduled_at", report_time(it->scheduled_at));
	json_object_set_new(o, "at", report_time(at));
	json_object_set_new(o, "seconds", json_real(round(seconds * 1000) / 1000));
	if (it->alert_id[0] != '\0') {
		json_object_set_new(o, "alert_id", json_string(it->alert_id));
		json_object_set_new(o, "test", json_boolean(it->test));
	}
	if (error != NULL)
		json_object_set_new(o, "error", json_string(error));
	if (it->relay != NULL)
		report_relay(o, it, event);
	/* What the loudspeakers sounded just before the bulletin, in the same stream. */
	if (it->chimed && it->chime != NULL && strcmp(event, "started") == 0)
		json_object_set_new(o, "chime", json_string(it->chime->name));
	return o;
}

static json_t *
report_playing(const struct status_snapshot *s)
{
	const struct play_item *it = s->playing;
	json_t *o;

	if (it == NULL)
		return json_null();
	o = json_pack("{s:o, s:o, s:o, s:o, s:s, s:s, s:s}",
	    "title", report_str(it->title), "slot", report_str(it->slot),
	    "file", report_str(it->file), "since", report_time(s->since),
	    "play_id", it->play_id, "source", report_source(it->source),
	    "class", sched_class_name(it->cls));
	if (o != NULL && it->tags.n > 0)
		json_object_set_new(o, "tags", tags_json_array(&it->tags));
	if (o != NULL && it->relay != NULL) {
		report_relay(o, it, "started");
		/* Whether the loudspeakers play the stream now, or its fallback (or silence). */
		json_object_set_new(o, "stream", json_string(it->stream_heard ? "on" : "away"));
	}
	return o;
}

json_t *
report_status(const struct status_snapshot *s)
{
	const struct config *cfg = s->cfg;
	json_t *o = json_object(), *audio, *mqtt;

	json_object_set_new(o, "online", json_boolean(s->online));
	json_object_set_new(o, "station", json_string(cfg->station.id));
	json_object_set_new(o, "region", json_string(cfg->station.region));
	json_object_set_new(o, "name", json_string(cfg->station.name));
	json_object_set_new(o, "version", json_string(LOAXA_VERSION));
	json_object_set_new(o, "state", json_string(s->playing != NULL ? "playing" : "idle"));
	json_object_set_new(o, "playing", report_playing(s));
	json_object_set_new(o, "next_slot", s->next_title == NULL ? json_null() :
	    json_pack("{s:s, s:o}", "title", s->next_title, "at", report_time(s->next_at)));
	json_object_set_new(o, "queue_length", json_integer(s->queue_length));
	json_object_set_new(o, "uptime", json_integer((json_int_t)s->uptime));
	json_object_set_new(o, "xruns", json_integer((json_int_t)s->xruns));
	audio = json_pack("{s:s, s:s, s:b}", "device", cfg->audio.device, "state", s->audio_state,
	    "realtime", s->realtime);
	if (s->audio_error != NULL && s->audio_error[0] != '\0')
		json_object_set_new(audio, "error", json_string(s->audio_error));
	json_object_set_new(o, "audio", audio);
	mqtt = json_pack("{s:b, s:s, s:I}", "connected", s->mqtt_connected,
	    "state", s->mqtt_state != NULL ? s->mqtt_state : "", "refused",
	    (json_int_t)s->mqtt_refused);
	if (s->mqtt_refused > 0 && s->mqtt_last_refusal != NULL)
		json_object_set_new(mqtt, "last_refusal", json_string(s->mqtt_last_refusal));
	json_object_set_new(o, "mqtt", mqtt);
	if (s->tls != NULL)
		json_object_set_new(o, "tls", s->tls);
	json_object_set_new(o, "schedule", json_pack("{s:o, s:I}",
	    "file", cfg->schedule.file[0] ? json_string(cfg->schedule.file) : json_null(),
	    "slots", (json_int_t)s->slots));
	json_object_set_new(o, "muted", !s->muted ? json_null() :
	    json_pack("{s:s, s:o, s:o}", "by", s->muted_by, "since", report_time(s->muted_since),
	    "until", report_time(s->muted_until)));
	if (s->district != NULL)
		json_object_set_new(o, "district", s->district);
	if (s->alerts != NULL)
		json_object_set_new(o, "alerts", s->alerts);
	if (s->store != NULL)
		json_object_set_new(o, "store", s->store);
	if (s->storage != NULL)
		json_object_set_new(o, "storage", s->storage);
	if (s->outbox != NULL)
		json_object_set_new(o, "outbox", s->outbox);
	json_object_set_new(o, "clock", s->clock_trusted ? json_pack("{s:b}", "trusted", 1) :
	    json_pack("{s:b, s:s}", "trusted", 0, "reason", s->clock_why ? s->clock_why : ""));
	json_object_set_new(o, "at", report_time(s->now));
	return o;
}

json_t *
report_offline(const struct config *cfg, time_t at, int stopped)
{
	return json_pack("{s:b, s:s, s:s, s:s, s:s, s:o}", "online", 0,
	    "station", cfg->station.id, "region", cfg->station.region,
	    "version", LOAXA_VERSION, "reason", stopped ? "stopped" : "lost",
	    "at", report_time(at));
}

int
report_topic(const struct config *cfg, const char *leaf, char *buf, size_t len)
{
	int n = snprintf(buf, len, "loaxa/%s/%s/%s", cfg->station.region, cfg->station.id, leaf);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

json_t *
report_details(json_t *details, const char *who, const char *event)
{
	if (details != NULL)
		return details;
	log_warnx(_("%s: the details of the %s report could not be built (out of memory, or text "
	    "that is not UTF-8); it is sent without them"), who, event);
	return json_pack("{s:s}", "error", "the station could not build this report's details");
}
