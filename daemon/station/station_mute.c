/*
 * The local kill switch: mute and unmute (kept across a restart, because a
 * hijacked station must not come back on by itself).
 *
 * Saving the switch waits for the disk, so the store's writer does it, in its
 * first lane (one small write that an operator waits for, in order with the
 * other saves of the switch), and the operator is answered once it is on
 * disk. Mute silences at once and is saved after: a mute that cannot be saved
 * holds all the same until a restart (the kill switch never yields to a full
 * disk), and the operator is told it would not last one. Unmute takes effect
 * once it is saved: one that cannot be saved leaves the station muted, as
 * its disk says, and the operator is told so; but when the disk says unmuted
 * already (the mute was never saved), the station follows its disk.
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

#define MUTE_KEY	"mute"

/* One save of the switch; the writer's until done, then the loop's. */
struct mute_save {
	struct station	*st;
	uint64_t	 token;		/* the operator's request */
	int		 answer;	/* 0: no one waits (the end of a mute period) */
	int		 mute;		/* saving a mute (1) or an unmute (0) */
	unsigned	 mutes;		/* st->mutes when asked */
	time_t		 until;		/* of the mute */
	char		 by[96];
	char		 value[160];	/* what is saved */
};

/* On the writer's thread: the value was made on the loop; nothing of the loop's is touched. */
static int
mute_save_work(struct store *db, void *arg)
{
	struct mute_save *m = arg;

	return store_kv_set(db, MUTE_KEY, m->value);
}

static void mute_save_done(void *arg, int rc);

/*
 * Saves the switch as the station has it now (an unmute: as it will have it),
 * then answers rq (NULL: no one waits). CTL_LATER (0 without rq), or -ENOMEM
 * when nothing was submitted.
 */
static int
mute_save(struct station *st, struct ctl_request *rq, int mute, const char *by)
{
	struct mute_save *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return -ENOMEM;
	m->st = st;
	m->answer = rq != NULL;
	m->token = rq != NULL ? rq->token : 0;
	m->mute = mute;
	m->mutes = st->mutes;
	m->until = st->muted_until;
	snprintf(m->by, sizeof(m->by), "%s", by);
	if (mute)
		snprintf(m->value, sizeof(m->value), "%lld %lld %s", (long long)st->muted_since,
		    (long long)st->muted_until, st->muted_by);
	if (store_writer_call_first(st->writer, mute_save_work, m, mute_save_done, m) < 0) {
		free(m);
		return -ENOMEM;
	}
	return rq != NULL ? CTL_LATER : 0;
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
	log_warnx(_("station: muted since before the restart, by %s"), st->muted_by);
}

int
station_mute(struct station *st, struct ctl_request *rq, const char *by, time_t until)
{
	char reason[160];

	st->muted = 1;
	st->mutes++;
	st->muted_since = clock_wall_now();
	st->muted_until = until;
	snprintf(st->muted_by, sizeof(st->muted_by), "%s", by);
	/* Silence first: saving it waits for the disk. */
	snprintf(reason, sizeof(reason), _("the loudspeakers were muted by %s"), by);
	player_stop(st->player, reason);
	mixer_follow(st, NULL);
	station_emit_note(st, "muted", json_pack("{s:s, s:o}", "by", by, "until",
	    report_time(until)));
	st->next_due_stale = 1;
	return mute_save(st, rq, 1, by);
}

/* The loudspeakers are on again: the line is looked at at once. */
static void
station_unmuted(struct station *st, const char *by)
{
	st->muted = 0;
	station_emit_note(st, "unmuted", json_pack("{s:s}", "by", by));
	st->wake = 1;
	st->next_due_stale = 1;
}

int
station_unmute(struct station *st, struct ctl_request *rq, const char *by)
{
	if (!st->muted)
		return -EALREADY;
	return mute_save(st, rq, 0, by);
}

/*
 * The mute period is over: on at once, whatever the disk says, because what
 * is stored ("muted until" a time now past) means the same after a restart.
 */
void
station_mute_expire(struct station *st)
{
	const char *by = _("the end of the mute period");

	station_unmuted(st, by);
	if (mute_save(st, NULL, 0, by) < 0)
		log_warnx(_("station: out of memory: the end of the mute period is not saved"));
}

/* An unmute on disk takes effect, unless a mute came after it (saved after it, too). */
static json_t *
mute_unmute_saved(struct station *st, const struct mute_save *m)
{
	char msg[512];

	if (st->mutes != m->mutes) {
		snprintf(msg, sizeof(msg), _("the loudspeakers were muted again by %s while this "
		    "unmute was being saved; they stay muted"), st->muted_by);
		return json_pack("{s:s}", "error", msg);
	}
	if (st->muted) {
		station_unmuted(st, m->by);
		log_warnx(_("ctl: the loudspeakers were unmuted by %s"), m->by);
	}
	return json_pack("{s:b}", "muted", 0);
}

/*
 * Whether the switch on disk says muted. A read on the loop's connection,
 * which waits for no fsync; when it cannot be read, say muted (the safe side).
 */
static int
mute_on_disk(struct station *st)
{
	char buf[160];
	int rc = store_kv_get(st->store, MUTE_KEY, buf, sizeof(buf));

	return rc == -ENOENT ? 0 : rc < 0 ? 1 : buf[0] != '\0';
}

/*
 * On the loop: the switch is on disk, or not; the operator hears which. An
 * unmute not saved still takes effect when the disk says unmuted already (the
 * mute before it was never saved): the station then agrees with its disk.
 */
static json_t *
mute_reply(struct station *st, const struct mute_save *m, int rc)
{
	char msg[512];

	if (rc == 0 && m->mute)
		return json_pack("{s:b, s:s, s:o}", "muted", 1, "by", m->by, "until",
		    report_time(m->until));
	if (!m->mute && (rc == 0 || !mute_on_disk(st)))
		return mute_unmute_saved(st, m);
	if (m->mute)
		snprintf(msg, sizeof(msg), _("the loudspeakers are muted now, but the station could "
		    "not save it (%s): after a restart they would not stay muted; free space in %s "
		    "and mute again"), strerror(-rc), st->cfg.storage.dir);
	else
		snprintf(msg, sizeof(msg), _("the station could not save that the loudspeakers are "
		    "on again (%s), so they stay muted, as the disk says; free space in %s and "
		    "unmute again"), strerror(-rc), st->cfg.storage.dir);
	return json_pack("{s:s}", "error", msg);
}

static void
mute_save_done(void *arg, int rc)
{
	struct mute_save *m = arg;
	struct station *st = m->st;
	json_t *reply;

	if (rc == -ECANCELED) {		/* the station is stopping */
		free(m);
		return;
	}
	if (rc < 0)
		log_warnx(_("station: could not save that the station is %s: %s%s"), m->mute ?
		    _("muted") : _("unmuted"), strerror(-rc), m->mute ? _("; it holds until a restart") :
		    !m->answer ? _("; a restart unmutes it all the same") : "");
	if (!m->answer) {		/* the end of a mute period: on already */
		free(m);
		return;
	}
	/* An unmute takes effect here, whether or not the operator still waits. */
	reply = mute_reply(st, m, rc);
	if (st->ctl != NULL && (reply == NULL || ctl_answer(st->ctl, m->token,
	    json_object_get(reply, "error") != NULL ? -1 : 0, reply) < 0))
		log_info(_("ctl: the operator who %s the station did not wait for the answer"),
		    m->mute ? _("muted") : _("unmuted"));
	json_decref(reply);
	free(m);
}
