/*
 * The station's status: what it plays, what comes next, how its device and
 * its link are; published retained on MQTT and answered to loaxactl status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/link/alert.h"
#include "daemon/proto/report.h"
#include "daemon/station/station.h"
#include "daemon/station/station_int.h"

time_t
station_next_slot(const struct station *st, time_t after, const struct sched_slot **slot)
{
	time_t best = -1, t;
	size_t i;
	int k;

	for (k = 0; k < STATION_NSCHED; k++) {
		if (st->scheds[k] == NULL)
			continue;
		t = sched_next(st->scheds[k], after, &i);
		if (t == (time_t)-1 || (best != (time_t)-1 && t >= best))
			continue;
		best = t;
		if (slot != NULL)
			*slot = &st->scheds[k]->slots[i];
	}
	return best;
}

static const char *
station_audio_state(enum output_health health)
{
	switch (health) {
	case OUTPUT_OK:
		return "ok";
	case OUTPUT_FAILED:
		return "failed";
	default:
		return "closed";
	}
}

json_t *
station_status_json(struct station *st)
{
	struct status_snapshot s = { .cfg = &st->cfg, .online = 1 };
	struct player_device_state dev;
	struct play_item cur;
	time_t now = clock_wall_now();
	const struct sched_slot *next = NULL;
	json_t *o;

	s.playing = player_current(st->player, &cur, &s.since) ? &cur : NULL;
	player_device(st->player, &dev);
	s.next_at = station_next_slot(st, st->cursor > now ? st->cursor : now, &next);
	s.next_title = s.next_at != (time_t)-1 ? next->title : NULL;
	s.queue_length = (long)st->nqueue;
	s.uptime = now - st->started;
	s.xruns = dev.xruns;
	s.audio_state = station_audio_state(dev.health);
	s.audio_error = dev.health == OUTPUT_FAILED ? dev.error : NULL;
	s.realtime = dev.realtime;
	s.mqtt_connected = mqtt_connected(st->mqtt);
	s.mqtt_state = mqtt_state_text(st->mqtt);
	s.mqtt_refused = mqtt_refusals(st->mqtt, &s.mqtt_last_refusal);
	s.tls = station_tls_json(st, now);
	s.slots = st->scheds[SCHED_LOCAL] != NULL ? st->scheds[SCHED_LOCAL]->n_slots : 0;
	s.now = now;
	s.muted = st->muted;
	s.muted_by = st->muted_by;
	s.muted_since = st->muted_since;
	s.muted_until = st->muted_until;
	s.clock_trusted = st->clock_ok;
	s.clock_why = st->clock_why;
	s.district = st->district != NULL ? district_status(st->district) : NULL;
	s.alerts = st->alerts != NULL ? alert_status(st->alerts) : NULL;
	s.store = station_store_json(st);
	s.storage = station_health_storage_json(st);
	s.outbox = station_health_outbox_json(st);
	o = report_status(&s);
	play_item_clear(&cur);
	return o;
}

json_t *
station_tls_json(const struct station *st, time_t now)
{
	char warn[256];
	int days;
	json_t *o;

	if (st->cfg.mqtt.tls.ca[0] == '\0')
		return NULL;
	if (st->tls_why[0] != '\0')
		return json_pack("{s:s}", "error", st->tls_why);
	days = tls_days_left(st->tls_not_after, now);
	o = json_pack("{s:i, s:o}", "cert_days_left", days, "expires",
	    report_time(st->tls_not_after));
	if (o != NULL && days < TLS_WARN_DAYS) {
		if (days < 0)
			snprintf(warn, sizeof(warn), "%s", _("the station's certificate has expired: "
			    "ask the district office for a new bundle"));
		else
			snprintf(warn, sizeof(warn), _("the station's certificate expires in %d "
			    "days: ask the district office for a new bundle"), days);
		json_object_set_new(o, "warning", json_string(warn));
	}
	return o;
}

json_t *
station_store_json(const struct station *st)
{
	const struct store_recovery *rv = store_recovery(st->store);

	if (rv == NULL)
		return NULL;
	return json_pack("{s:b, s:I, s:i, s:s}", "recovered", 1, "rows", (json_int_t)rv->recovered,
	    "lost_tables", rv->lost_tables, "damaged_copy", rv->moved_to);
}

/*
 * A publish the broker refused is news for the district: the status goes
 * out again with the new count, unless the broker refused the status itself
 * (the new one would be refused too, and the next, as fast as the link goes).
 */
void
station_status_watch_refusals(struct station *st)
{
	const char *last;
	long long n = mqtt_refusals(st->mqtt, &last);
	size_t lt = strlen(last), ls = strlen(st->topic_status);

	if (n == st->refusals_told)
		return;
	st->refusals_told = n;
	if (lt >= ls && strcmp(last + lt - ls, st->topic_status) == 0)
		return;
	station_mark_dirty(st);
}

void
station_publish_status(struct station *st, int64_t now_ms)
{
	json_t *o = station_status_json(st);
	char *payload = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (payload != NULL)
		mqtt_set_retained(st->mqtt, st->topic_status, payload);
	free(payload);
	st->status_dirty = 0;
	st->status_due = now_ms + (int64_t)st->cfg.mqtt.status_interval * 1000;
}
