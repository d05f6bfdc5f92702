/*
 * The local kill switch and the emergency volume: mute, unmute (kept across a
 * restart, because a hijacked station must not come back on by itself), and
 * the mixer raised while an emergency plays.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/proto/report.h"
#include "daemon/station/station.h"
#include "daemon/station/station_int.h"

void
mixer_follow(struct station *st, enum sched_class playing)
{
	if (st->mixer == NULL)
		return;
	if (playing == SCHED_EMERGENCY && player_busy(st->player))
		mixer_raise(st->mixer, st->cfg.audio.emergency_volume);
	else if (mixer_raised(st->mixer))
		mixer_restore(st->mixer);
}

#define MUTE_KEY	"mute"

/* 0, or a negative errno when the state could not be saved (it holds until a restart). */
static int
station_save_mute(struct station *st)
{
	char buf[160];
	int rc;

	if (st->muted)
		snprintf(buf, sizeof(buf), "%lld %lld %s", (long long)st->muted_since,
		    (long long)st->muted_until, st->muted_by);
	else
		buf[0] = '\0';
	if ((rc = store_kv_set(st->store, MUTE_KEY, buf)) < 0)
		log_warnx("station: could not save that the station is %s: %s; it holds until a "
		    "restart", st->muted ? "muted" : "unmuted", strerror(-rc));
	return rc;
}

/* A station muted before a restart stays muted: a hijacked one must not come back on by itself. */
void
station_load_mute(struct station *st)
{
	char buf[160];
	long long since, until;
	int off;

	if (store_kv_get(st->store, MUTE_KEY, buf, sizeof(buf)) < 0 || buf[0] == '\0')
		return;
	if (sscanf(buf, "%lld %lld %n", &since, &until, &off) != 2)
		return;
	st->muted = 1;
	st->muted_since = (time_t)since;
	st->muted_until = (time_t)until;
	snprintf(st->muted_by, sizeof(st->muted_by), "%s", buf + off);
	log_warnx("station: muted since before the restart, by %s", st->muted_by);
}

int
station_mute(struct station *st, const char *by, time_t until)
{
	char reason[160];
	int rc;

	st->muted = 1;
	st->muted_since = clock_wall_now();
	st->muted_until = until;
	snprintf(st->muted_by, sizeof(st->muted_by), "%s", by);
	/* Silence first: saving it waits for the disk. */
	snprintf(reason, sizeof(reason), _("the loudspeakers were muted by %s"), by);
	player_stop(st->player, reason);
	mixer_follow(st, SCHED_NORMAL);
	rc = station_save_mute(st);
	station_emit_note(st, "muted", json_pack("{s:s, s:o}", "by", by, "until",
	    report_time(until)));
	st->next_due_stale = 1;
	return rc;
}

int
station_unmute(struct station *st, const char *by)
{
	int rc;

	if (!st->muted)
		return -EALREADY;
	st->muted = 0;
	rc = station_save_mute(st);
	station_emit_note(st, "unmuted", json_pack("{s:s}", "by", by));
	st->wake = 1;
	st->next_due_stale = 1;
	return rc;
}
