/* The station's parts, shared by station.c and station_ctl.c only. */
#ifndef LOAXA_STATION_INT_H
#define LOAXA_STATION_INT_H

#include <jansson.h>
#include <time.h>

#include "config/conf.h"
#include "config/schedule.h"
#include "daemon/ctl.h"
#include "daemon/mqtt.h"
#include "daemon/output.h"
#include "daemon/player.h"
#include "daemon/sched.h"
#include "daemon/store.h"

#define STATION_MAX_PENDING	32	/* slots due and waiting for the player */
#define STATION_MAX_CATCHUP	64	/* occurrences looked at in one step */

/* A slot occurrence that is due and waits for the player. */
struct pending_slot {
	time_t		 at;
	int		 grace;
	struct play_item *items;
	size_t		 n;
};

struct station {
	struct config		 cfg;
	struct ev_loop		*ev;
	struct schedule		*sched;		/* NULL: no local schedule */
	struct store		*store;
	struct output		*out;
	struct player		*player;
	struct mqtt		*mqtt;
	struct ctl		*ctl;

	struct queue_item	*queue;		/* a copy of the stored queue, by id */
	size_t			 nqueue;
	struct pending_slot	 pending[STATION_MAX_PENDING];
	size_t			 npending;

	time_t			 cursor;	/* slot starts up to here are handled */
	int			 tfd;		/* CLOCK_REALTIME: the next due instant */
	time_t			 armed_for;
	time_t			 next_due;	/* cached station_next_due(), or -1 */
	int			 next_due_stale;
	time_t			 started;
	int64_t			 status_due;	/* monotonic ms of the next periodic status */
	int			 status_dirty;

	struct outbox_msg	 outbox_cur;	/* the message lent to the MQTT module */
	char			 topic_status[256];
	char			 topic_events[256];
};

/* station.c */
void	station_emit(struct station *, struct play_item *it, const char *event,
	    double seconds, const char *error);
int	station_queue_refresh(struct station *);
json_t	*station_status_json(struct station *);
time_t	station_next_slot(const struct station *, time_t after, const char **title);
void	station_mark_dirty(struct station *);
int	station_grace(const struct station *, const struct sched_slot *);

/* station_ctl.c */
int	station_ctl_handle(void *arg, struct ctl_request *rq, json_t *reply);

#endif
