/*
 * The station's link to the district: the MQTT client (its outbox is the
 * store's), the district schedule and the district alerts, and the messages
 * routed between them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/i18n.h"
#include "config/stream_url.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/link/alert.h"
#include "daemon/proto/report.h"
#include "daemon/station/station.h"
#include "daemon/station/station_int.h"

#define MQTT_MAX_PAYLOAD	(1024 * 1024)	/* a 256 KiB chunk or manifest fits, with room */

/* --- the outbox, lent to the MQTT module ----------------------------------------- */

static int
station_outbox_next(void *arg, int64_t after, int64_t *seq, const char **topic, const char **payload)
{
	struct station *st = arg;
	int rc;

	store_outbox_msg_clear(&st->outbox_cur);
	rc = store_outbox_next(st->store, after, &st->outbox_cur);
	if (rc < 0)
		return rc;
	*seq = st->outbox_cur.seq;
	*topic = st->outbox_cur.topic;
	*payload = st->outbox_cur.payload;
	return 0;
}

static void
station_outbox_ack(void *arg, int64_t seq)
{
	struct station *st = arg;

	store_writer_outbox_ack(st->writer, seq);
}

static void
station_on_connect(void *arg, int connected)
{
	struct station *st = arg;

	if (st->district != NULL)
		district_on_connect(st->district, connected);
	if (st->alerts != NULL)
		alert_on_connect(st->alerts, connected);
	station_mark_dirty(st);
}

static void
station_on_message(void *arg, const char *topic, const void *payload, size_t len)
{
	struct station *st = arg;
	int used = 0;

	if (st->district != NULL)
		used = district_on_message(st->district, topic, payload, len);
	/* A bulletin chunk may be an alert's as well as the schedule's: both look at it. */
	if (st->alerts != NULL)
		used |= alert_on_message(st->alerts, topic, payload, len);
	if (used)
		return;
	log_debug("mqtt: message on %s ignored", topic);
}

/* --- district alerts --------------------------------------------------------------- */

void
station_alert_play(struct station *st, const struct alert_play *a)
{
	struct play_item *it = calloc(1, sizeof(*it));
	char pub[STREAM_URL_MAX + 1];

	if (it == NULL)
		return;
	if (a->stream != NULL) {
		/* Live: joined wherever it is now, until the district's end. */
		stream_url_public(a->stream, pub, sizeof(pub));
		it->relay = strdup(a->stream);
		it->file = strdup(pub);
		it->ends = a->expires;
	} else {
		it->path = strdup(a->path);
		it->file = strdup(a->file);
	}
	it->title = strdup(a->title);
	it->source = PLAY_ALERT;
	it->cls = a->cls;
	snprintf(it->sha256, sizeof(it->sha256), "%s", a->sha256);
	snprintf(it->alert_id, sizeof(it->alert_id), "%s", a->id);
	it->published_ms = a->published_ms;
	it->test = a->test;
	it->scheduled_at = clock_wall_now();
	it->expires = a->stream != NULL ? a->expires - 1 : a->expires;
	if (a->test && !st->cfg.district.test_alerts_sound) {
		/* Verified and reported like a real one; silent by the station's choice. */
		play_id_new(it->play_id);
		station_emit(st, it, "silent", 0, _("a test alert; this station's configuration "
		    "does not let test alerts sound"));
		station_free_items(it, 1);
		return;
	}
	station_pend(st, it, 1);
	st->wake = 1;
}

int
station_alert_cancel(struct station *st, const char *id, const char *reason)
{
	struct play_item cur;
	struct pending_slot ps;
	int done = 0, playing, live;
	size_t i = 0;

	playing = player_current(st->player, &cur, NULL) && strcmp(cur.alert_id, id) == 0;
	live = cur.relay != NULL;
	play_item_clear(&cur);
	if (playing) {
		/* The end of a live broadcast is its end, not a cancellation of it. */
		player_stop_as(st->player, live ? "finished" : "cancelled", live ? NULL : reason);
		done = 1;
	}
	while (i < st->npending) {
		if (strcmp(st->pending[i].items[0].alert_id, id) == 0) {
			station_pending_take(st, (int)i, &ps);
			station_miss_items_as(st, ps.items, ps.n, "cancelled", reason);
			done = 1;
		} else
			i++;
	}
	if (done)
		st->wake = 1;
	return done;
}

/* --- the district's schedule -------------------------------------------------- */

static void
station_district_armed(void *arg, struct schedule *s)
{
	struct station *st = arg;

	schedule_free(st->scheds[SCHED_DISTRICT]);
	st->scheds[SCHED_DISTRICT] = s;
	st->next_due_stale = 1;
	st->wake = 1;
	station_mark_dirty(st);
}

static void
station_district_event(void *arg, const char *event, json_t *details)
{
	station_emit_note(arg, event, json_incref(details));
}

static int
items_use(const struct play_item *it, size_t n, const char *sha256)
{
	size_t i;

	size_t j;

	for (i = 0; i < n; i++) {
		if (strcmp(it[i].sha256, sha256) == 0 ||
		    (it[i].path != NULL && strstr(it[i].path, sha256) != NULL))
			return 1;
		for (j = 0; j < it[i].n_fallback; j++)	/* a relay's */
			if (strstr(it[i].fallback[j], sha256) != NULL)
				return 1;
	}
	return 0;
}

/* Whether anything but the district schedule still needs a stored bulletin. */
static int
station_district_in_use(void *arg, const char *sha256)
{
	struct station *st = arg;
	struct play_item cur;
	size_t i;
	int used;

	for (i = 0; i < st->nqueue; i++)
		if (strcmp(st->queue[i].sha256, sha256) == 0)
			return 1;
	for (i = 0; i < st->npending; i++)
		if (items_use(st->pending[i].items, st->pending[i].n, sha256))
			return 1;
	used = player_current(st->player, &cur, NULL) && items_use(&cur, 1, sha256);
	play_item_clear(&cur);
	return used || alert_in_use(st->alerts, sha256);
}

int
station_district_open(struct station *st, struct errlist *errs)
{
	struct district_hooks h = { station_district_armed, station_district_event,
	    station_district_in_use, st };

	st->district = district_new(&st->cfg, st->store, st->writer, st->mqtt, &h, errs);
	return st->district != NULL ? 0 : -1;
}

static void
station_alert_hook_play(void *arg, const struct alert_msg *m, const char *path, time_t expires)
{
	struct alert_play ap = { m->id, path, m->file, m->title, m->sha256, m->cls, m->issued_ms,
	    expires, m->test, m->stream };

	station_alert_play(arg, &ap);
}

static int
station_alert_hook_cancel(void *arg, const char *id, const char *reason)
{
	return station_alert_cancel(arg, id, reason);
}

int
station_alerts_open(struct station *st, struct errlist *errs)
{
	struct alert_hooks h = { station_alert_hook_play, station_alert_hook_cancel,
	    station_district_event, st };

	st->alerts = alert_new(&st->cfg, st->store, st->writer, st->mqtt, &h, errs);
	return st->alerts != NULL ? 0 : -1;
}

/*
 * The certificate files, checked once as the link opens: the station plays
 * whatever they say, and says in the log and the status what is wrong, or
 * how long the certificate has left.
 */
static void
station_tls_check(struct station *st)
{
	const struct cfg_tls *t = &st->cfg.mqtt.tls;
	struct tls_files f = { t->ca, t->cert, t->key };
	int days;

	st->tls_why[0] = '\0';
	st->tls_not_after = 0;
	if (t->ca[0] == '\0')
		return;
	if (tls_check_files(&f, clock_trusted(clock_wall_now(), NULL), &st->tls_not_after,
	    st->tls_why, sizeof(st->tls_why)) < 0) {
		log_warnx(_("tls: %s; the station plays on, but cannot reach the district's broker"),
		    st->tls_why);
		return;
	}
	days = tls_days_left(st->tls_not_after, clock_wall_now());
	if (days < TLS_WARN_DAYS)
		log_warnx(_("tls: the station's certificate %s expires in %d days; ask the district "
		    "office for a new bundle"), t->cert, days);
}

int
station_mqtt_open(struct station *st, struct errlist *errs)
{
	struct mqtt_params mp = { 0 };
	struct mqtt_outbox ob = { station_outbox_next, station_outbox_ack, st };
	const struct cfg_mqtt *c = &st->cfg.mqtt;
	json_t *off = report_offline(&st->cfg, clock_wall_now(), 0);	/* the Last Will */
	char *will;

	station_tls_check(st);
	will = json_dumps(off, JSON_COMPACT);
	json_decref(off);
	mp.host = st->cfg.mqtt.host;
	mp.port = st->cfg.mqtt.port;
	mp.keepalive = st->cfg.mqtt.keepalive;
	/*
	 * The client id is the station's id: a broker that takes the id from the
	 * certificate (use_username_as_clientid) gets the same, and a second
	 * station configured with this id takes this one's session over, which
	 * the district sees, rather than both living on.
	 */
	mp.client_id = st->cfg.station.id;
	if (c->tls.ca[0] != '\0')
		mp.tls = (struct tls_files){ c->tls.ca, c->tls.cert, c->tls.key };
	if (c->username[0] != '\0') {
		mp.username = c->username;
		mp.password_file = c->password_file;
	}
	mp.will_topic = st->topic_status;
	mp.will_payload = will;
	mp.max_payload = MQTT_MAX_PAYLOAD;
	mp.on_connect = station_on_connect;
	mp.on_message = station_on_message;
	mp.arg = st;
	st->mqtt = mqtt_new(&mp);
	free(will);
	if (st->mqtt == NULL) {
		errlist_add(errs, _("cannot set up the MQTT client for %s:%d"), mp.host, mp.port);
		return -1;
	}
	mqtt_set_outbox(st->mqtt, &ob);
	return 0;
}

/*
 * The link's parts freed, alerts and district first, since they publish
 * through the MQTT client. A clean stop leaves a retained "offline" status
 * that says it stopped, and when; it waits for the broker 2 s at the most.
 */
void
station_link_close(struct station *st)
{
	json_t *off;
	char *payload;

	alert_free(st->alerts);
	st->alerts = NULL;
	district_free(st->district);
	st->district = NULL;
	if (st->mqtt == NULL)
		return;
	off = report_offline(&st->cfg, clock_wall_now(), 1);
	payload = json_dumps(off, JSON_COMPACT);
	json_decref(off);
	if (payload != NULL)
		mqtt_shutdown(st->mqtt, st->topic_status, payload, 2000);
	free(payload);
	mqtt_free(st->mqtt);
	st->mqtt = NULL;
}
