/*
 * Each station's availability in the collector's database: its latest
 * status, and a row in availability each time it goes online or offline
 * (the schema is in collect_db.c). A station publishes its status, retained,
 * at every change and every status_interval; its Last Will (and a clean
 * stop) leaves {"online":false,...} there instead. Retained statuses come
 * again when the collector subscribes anew, and may come late after an
 * outage: a status older than the one kept changes nothing.
 */
#include <errno.h>
#include <string.h>

#include "config/i18n.h"
#include "daemon/core/log.h"
#include "daemon/collector/collect_db_int.h"

static int
avail_change(struct cdb *c, const char *region, const char *station, int online, time_t at,
    const char *how, time_t now, struct cdb_tally *t)
{
	int rc;

	if ((rc = cdb_bind(c, c->st[CS_AV_ADD], "ttiiti", region, station, (int64_t)online,
	    (int64_t)at, how, (int64_t)now)) < 0 ||
	    (rc = cdb_run(c, CS_AV_ADD, N_("cannot record an availability change"))) < 0 ||
	    (rc = cdb_bind(c, c->st[CS_ST_ONLINE], "iitt", (int64_t)online, (int64_t)at,
	    region, station)) < 0 ||
	    (rc = cdb_run(c, CS_ST_ONLINE, N_("cannot update a station"))) < 0)
		return rc;
	t->transitions++;
	log_info(_("collector: %s is %s (%s)"), station, online ? _("online") : _("offline"),
	    strcmp(how, "will") == 0 ? _("its Last Will: it vanished") :
	    strcmp(how, "stop") == 0 ? _("it stopped") : _("its status"));
	return 0;
}

/* Keeps st as the station's latest status (its text, time and name). */
static int
avail_keep(struct cdb *c, const char *region, const char *station, const struct cmsg_status *st,
    const char *json, time_t status_at)
{
	int rc;

	if ((rc = cdb_bind(c, c->st[CS_ST_STATUS], "tititt", json, (int64_t)status_at, st->name,
	    (int64_t)st->at, region, station)) < 0)
		return rc;
	return cdb_run(c, CS_ST_STATUS, N_("cannot keep a status"));
}

int
cdb_status_put(struct cdb *c, const char *region, const char *station,
    const struct cmsg_status *st, const char *json, time_t now, struct cdb_tally *t)
{
	struct cdb_station s;
	time_t at;
	int rc, clean;

	if ((rc = cdb_station_get(c, region, station, &s)) < 0)
		return rc;
	if (st->online) {
		/* Older than the status kept (a retained one sent again), or than going offline. */
		if ((st->at != 0 && st->at < s.status_at) ||
		    (s.online == 0 && st->at != 0 && st->at <= s.since))
			return 0;
		if ((rc = avail_keep(c, region, station, st, json, st->at)) < 0)
			return rc;
		if (s.online == 1)
			return 0;
		return avail_change(c, region, station, 1, st->at != 0 ? st->at : now, "status",
		    now, t);
	}
	if ((rc = avail_keep(c, region, station, st, json,
	    st->at > s.status_at ? st->at : s.status_at)) < 0)
		return rc;
	if (s.online == 0)
		return 0;	/* offline already: the same will again, or a goodbye after it */
	at = cmsg_offline_at(st->at, s.last_heard, st->stopped, &clean);
	return avail_change(c, region, station, 0, at != 0 ? at : now, clean ? "stop" : "will",
	    now, t);
}
