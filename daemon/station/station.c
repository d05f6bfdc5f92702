/*
 * The station: opens its parts (schedule, store, audio, mixer, MQTT, the
 * district's schedule and alerts, the control socket), adds their sources to
 * the event loop, reloads the local schedule, and frees it all again. What
 * plays next is decided in station_line.c, when in station_clock.c; reports
 * leave through station_emit.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/link/alert.h"
#include "daemon/proto/report.h"
#include "daemon/station/station.h"
#include "daemon/station/station_int.h"

/* A slot's grace period: its own, or the schedule's. */
int
station_grace(const struct station *st, const struct sched_slot *slot)
{
	return slot->grace >= 0 ? slot->grace : st->cfg.schedule.grace;
}

void
station_mark_dirty(struct station *st)
{
	st->status_dirty = 1;
}

/*
 * The player's reports. Its facts become records; a queued item's records
 * change the queue, so it is read again; when the player falls idle, the line
 * is looked at again at once.
 */
static void
station_on_started(void *arg, struct play_item *it)
{
	struct station *st = arg;

	/* A schedule's file is hashed for the record by the store's writer, not here. */
	station_emit(st, it, "started", 0, NULL);	/* also takes a queue item off the queue */
	station_relay_started(st, it);
	if (it->source == PLAY_QUEUE)
		station_queue_refresh(st);
}

static void
station_on_ended(void *arg, struct play_item *it, const char *event, double seconds,
    const char *error)
{
	struct station *st = arg;

	station_relay_ended(st, it);
	station_emit(st, it, event, seconds, error);
	if (it->source == PLAY_QUEUE)
		station_queue_refresh(st);
}

static void
station_on_idle(void *arg)
{
	struct station *st = arg;

	mixer_follow(st, NULL);
	st->wake = 1;
	station_mark_dirty(st);
}

static void
station_on_change(void *arg)
{
	station_mark_dirty(arg);
}

/* Everything the configuration names, in the order the start-up needs them. */
static int
station_open_parts(struct station *st, struct errlist *errs)
{
	struct audio_fmt fmt = { st->cfg.audio.rate, st->cfg.audio.channels };
	struct player_events pe = { station_on_started, station_on_ended, station_on_idle,
	    station_on_change, st };
	char err[256];

	if (st->cfg.schedule.file[0] != '\0' &&
	    (st->scheds[SCHED_LOCAL] = schedule_load(st->cfg.schedule.file, 1, errs)) == NULL)
		return -1;
	if ((st->store = store_open(st->cfg.storage.dir, errs)) == NULL)
		return -1;
	store_set_limits(st->store, &(struct store_limits){ st->cfg.storage.asrun_days,
	    st->cfg.storage.outbox_max, st->topic_events });
	if ((st->writer = store_writer_new(st->store, errs)) == NULL)
		return -1;
	/* Loudly: the district must learn that records may be missing. */
	if (store_recovery(st->store) != NULL)
		station_emit_note(st, "store_recovered", station_store_json(st));
	st->out = output_alsa_ops.create(st->cfg.audio.device, st->cfg.audio.buffer_ms);
	if (st->out == NULL || (st->player = player_new(st->out, &fmt, &pe)) == NULL) {
		errlist_add(errs, _("cannot set up audio output \"%s\""), st->cfg.audio.device);
		return -1;
	}
	st->tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (st->tfd == -1) {
		errlist_add(errs, "timerfd_create: %s", strerror(errno));
		return -1;
	}
	if (st->cfg.audio.mixer[0] != '\0' &&
	    (st->mixer = mixer_new(st->cfg.audio.mixer, st->cfg.audio.mixer_control)) == NULL)
		return -1;
	station_chimes_open(st);
	if (station_mqtt_open(st, errs) < 0)
		return -1;
	if (station_district_open(st, errs) < 0 || station_alerts_open(st, errs) < 0)
		return -1;
	st->ctl = ctl_open(st->cfg.control.socket, station_ctl_handle, st, err, sizeof(err));
	if (st->ctl == NULL) {
		errlist_add(errs, "%s", err);
		return -1;
	}
	return 0;
}

struct station *
station_new(const struct config *cfg, struct ev_loop *ev, struct errlist *errs)
{
	struct station *st = calloc(1, sizeof(*st));
	struct ev_source src;

	if (st == NULL)
		return NULL;
	st->cfg = *cfg;
	st->ev = ev;
	st->tfd = -1;
	st->relay.err_fd = st->relay.pidfd = -1;
	st->started = clock_wall_now();
	st->next_due_stale = 1;
	st->status_dirty = 1;
	st->clock_ok = 1;
	if (report_topic(cfg, "status", st->topic_status, sizeof(st->topic_status)) < 0 ||
	    report_topic(cfg, "events", st->topic_events, sizeof(st->topic_events)) < 0 ||
	    station_open_parts(st, errs) < 0 || station_queue_refresh(st) < 0) {
		station_free(st);
		return NULL;
	}
	station_load_cursor(st);
	station_load_mute(st);
	station_close_open_plays(st);
	player_source(st->player, &src);
	ev_add(ev, &src);
	store_writer_source(st->writer, &src);
	ev_add(ev, &src);
	ctl_source(st->ctl, &src);
	ev_add(ev, &src);
	mqtt_source(st->mqtt, &src);
	ev_add(ev, &src);
	district_source(st->district, &src);
	ev_add(ev, &src);
	alert_source(st->alerts, &src);
	ev_add(ev, &src);
	station_source(st, &src);
	ev_add(ev, &src);
	station_relay_source(st, &src);
	ev_add(ev, &src);
	player_relay_stall(st->player, st->cfg.relay.stall * 1000);
	log_info(_("station: %s (%s) ready: %zu slots, %zu queued, audio \"%s\", district link %s:%d"),
	    cfg->station.id, cfg->station.name,
	    st->scheds[SCHED_LOCAL] ? st->scheds[SCHED_LOCAL]->n_slots : 0, st->nqueue,
	    cfg->audio.device, cfg->mqtt.host, cfg->mqtt.port);
	return st;
}

int
station_reload(struct station *st, struct errlist *errs)
{
	struct schedule *s;

	if (st->cfg.schedule.file[0] == '\0')
		return 0;
	s = schedule_load(st->cfg.schedule.file, 1, errs);
	if (s == NULL) {
		log_warnx(_("station: the new schedule was refused; the previous one stays in force"));
		return -EINVAL;
	}
	schedule_free(st->scheds[SCHED_LOCAL]);
	st->scheds[SCHED_LOCAL] = s;
	st->next_due_stale = 1;
	station_mark_dirty(st);
	log_info(_("station: schedule %s reloaded: %zu slots"), s->path, s->n_slots);
	return 0;
}

void
station_free(struct station *st)
{
	size_t i;
	int k;

	if (st == NULL)
		return;
	if (st->ev != NULL) {
		ev_remove(st->ev, st);
		ev_remove(st->ev, st->player);
		ev_remove(st->ev, st->writer);
		ev_remove(st->ev, st->ctl);
		ev_remove(st->ev, st->mqtt);
		ev_remove(st->ev, st->district);
		ev_remove(st->ev, st->alerts);
	}
	if (st->player != NULL)
		player_stop(st->player, _("the station daemon was stopped"));
	station_relay_close(st);
	for (i = 0; i < st->npending; i++) {
		if (st->store != NULL)
			station_miss_items(st, st->pending[i].items, st->pending[i].n,
			    _("the station daemon was stopped"));
		else
			station_free_items(st->pending[i].items, st->pending[i].n);
	}
	station_link_close(st);
	ctl_close(st->ctl);
	st->ctl = NULL;		/* answers still due from the writer go nowhere */
	player_free(st->player);
	if (st->out != NULL)
		output_destroy(st->out);
	if (st->store != NULL)
		station_save_cursor(st);
	store_writer_free(st->writer);		/* everything submitted is on disk */
	store_queue_free(st->queue, st->nqueue);
	store_outbox_msg_clear(&st->outbox_cur);
	store_close(st->store);
	for (k = 0; k < STATION_NSCHED; k++)
		schedule_free(st->scheds[k]);
	mixer_free(st->mixer);
	station_chimes_close(st);
	if (st->tfd != -1)
		close(st->tfd);
	free(st);
}
