/*
 * The station: the schedule, the operator's queue, the player and the reports,
 * wired into one event loop. This is where "what plays next" is decided.
 */
#ifndef LOAXA_STATION_H
#define LOAXA_STATION_H

#include "config/conf.h"
#include "config/errlist.h"
#include "daemon/core/ev.h"

struct station;

/* Opens everything the configuration names and adds the station's sources to ev.
 * NULL with the reasons in errs. */
struct station	*station_new(const struct config *cfg, struct ev_loop *ev, struct errlist *errs);
/* Publishes the offline status (best effort, bounded in time) and frees everything. */
void		 station_free(struct station *);
/* Reloads the schedule file; on any problem the schedule in force stays and errs says why. */
int		 station_reload(struct station *, struct errlist *errs);

#endif
