/*
 * The station's insides, shared by the files of daemon/station only (and by
 * the tests): the station struct, and what each file lends the others.
 * loaxad sees station.h alone.
 */
#ifndef LOAXA_STATION_INT_H
#define LOAXA_STATION_INT_H

#include <jansson.h>
#include <time.h>

#include "config/conf.h"
#include "config/schedule.h"
#include "daemon/audio/mixer.h"
#include "daemon/audio/output.h"
#include "daemon/audio/player.h"
#include "daemon/core/ev.h"
#include "daemon/core/tls.h"
#include "daemon/ctl/ctl.h"
#include "daemon/link/district.h"
#include "daemon/link/mqtt.h"
#include "daemon/station/lineup.h"
#include "daemon/station/sched.h"
#include "daemon/store/store.h"
#include "daemon/store/store_writer.h"

#define STATION_MAX_PENDING	32	/* sequences due and waiting for the player */
#define STATION_MAX_CATCHUP	64	/* occurrences looked at in one step */

/* The storage and outbox figures of the status (station_health.c). */
struct station_health {
	int			 probing;	/* a measure is on the writer */
	time_t			 asked;		/* when the last one was asked for */
	time_t			 at;		/* when the figures below were taken */
	int			 have_disk, have_outbox;
	unsigned long long	 disk_free, disk_total;	/* bytes, for the storage directory */
	struct store_outbox_stats outbox;
};

/* The relay helper of the relay playing (station_relay.c). */
struct station_relay {
	int		 wanted;	/* a relay plays: keep a helper running */
	char		 url[1024];	/* its stream, credentials and all */
	pid_t		 pid;		/* 0: none running */
	int		 pidfd;		/* readable once it has exited; -1: none */
	int		 err_fd;	/* its status lines; -1: none */
	char		 line[512];	/* a status line so far */
	size_t		 line_len;
	int64_t		 spawned_at;	/* monotonic ms */
	int64_t		 restart_at;	/* the next helper; 0: none due */
	int64_t		 kill_at;	/* told to stop: SIGKILL at this; 0: not told */
	int		 backoff_ms;
	char		 why[256];	/* its last error */
};

/*
 * A sequence that is due and waits for the player: a slot occurrence, an
 * alert, or what an emergency cut off (which plays again from its start).
 */
struct pending_slot {
	uint64_t	 serial;	/* names it while it waits (station_pend) */
	time_t		 expires;	/* missed after this; 0: never */
	struct lineup_entry entry;
	struct play_item *items;
	size_t		 n;
};

/*
 * What a lineup entry stands for: a pending sequence, or a queued item. The
 * line holds at most every pending sequence and a full queue.
 */
struct line_ref {
	int			 pending;	/* index in st->pending, or -1 */
	struct queue_item	*q;		/* the queued item when pending is -1 */
};
#define STATION_MAX_LINE	(STATION_MAX_PENDING + STORE_QUEUE_MAX)
/* A due instant that never comes: what may not play yet at any time. */
#define LINE_NEVER		((time_t)INT64_MAX)
_Static_assert(sizeof(time_t) == sizeof(int64_t), "LINE_NEVER needs a 64-bit time_t");

#define STATION_NSCHED		2	/* the local schedule, and the district's */
#define SCHED_LOCAL		0
#define SCHED_DISTRICT		1

struct station {
	struct config		 cfg;
	struct ev_loop		*ev;
	struct schedule		*scheds[STATION_NSCHED];	/* NULL: none */
	struct store		*store;
	struct store_writer	*writer;	/* the store's durable writes, off the loop */
	struct output		*out;
	struct player		*player;
	struct mqtt		*mqtt;
	struct ctl		*ctl;
	struct district		*district;
	struct alert		*alerts;	/* district alerts */

	struct queue_item	*queue;		/* a copy of the stored queue, by id */
	size_t			 nqueue;
	struct pending_slot	 pending[STATION_MAX_PENDING];
	size_t			 npending;
	uint64_t		 pend_serial;	/* the last serial given */
	int			 moving;	/* a new order of the queue is being saved */

	time_t			 cursor;	/* slot starts up to here are handled */
	int			 cursor_dirty;	/* not saved yet */
	int			 tfd;		/* CLOCK_REALTIME watcher: wakes us when the clock is set */
	time_t			 armed_for;	/* what the watcher is armed for; 0: arm it again */
	time_t			 next_due;	/* cached station_next_due(), or -1 */
	int			 next_due_stale;
	time_t			 started;
	int64_t			 status_due;	/* monotonic ms of the next periodic status */
	int			 status_dirty;
	long long		 refusals_told;	/* the broker's refusals the status has counted */
	int			 wake;		/* look at the line again at once */
	int			 clock_ok;	/* the wall clock can be believed */
	const char		*clock_why;

	int			 muted;		/* the local kill switch */
	char			 muted_by[64];
	time_t			 muted_since;
	time_t			 muted_until;	/* 0: until unmuted */
	unsigned		 mutes;		/* mutes asked: an unmute saved before a later one is void */

	struct mixer		*mixer;		/* NULL: no volume control configured */
	struct play_chime	*chimes[CONF_CLASSES];	/* by class; NULL: none */

	/* The station's TLS certificate, checked when the link opens; not_after 0: unknown. */
	time_t			 tls_not_after;
	char			 tls_why[TLS_WHY_MAX];	/* "": the files are good */

	struct station_health	 health;
	struct station_relay	 relay;

	struct outbox_msg	 outbox_cur;	/* the message lent to the MQTT module */
	char			 topic_status[256];
	char			 topic_events[256];
};

/* A district alert whose bulletin is stored and verified, handed to the station to play. */
struct alert_play {
	const char	*id;		/* the alert's id */
	const char	*path;		/* the stored bulletin */
	const char	*file;		/* its name for reports */
	const char	*title;
	const char	*sha256;
	enum sched_class cls;		/* priority or emergency */
	int64_t		 published_ms;	/* when the district published it (wall clock) */
	time_t		 expires;	/* not started after this: missed; 0: never */
	int		 test;		/* a test alert */
	const char	*stream;	/* a live broadcast: the stream to relay; path is "" */
};

/* station.c: start, reload, stop */
int	station_grace(const struct station *, const struct sched_slot *);
/* The status changed: publish it at the next iteration. */
void	station_mark_dirty(struct station *);

/* station_line.c: the line of waiting bulletins */
/* Puts a sequence in the line, ranked from when its first bulletin became due; takes items. */
void	station_pend(struct station *, struct play_item *items, size_t n);
/* A slot occurrence came due at now: it waits in the line, or is reported missed. */
void	station_slot_due(struct station *, const struct schedule *,
	    const struct sched_occurrence *occ, time_t now);
/* Reads the queue again from the store (after any change to it). 0 or a negative errno. */
int	station_queue_refresh(struct station *);
/*
 * station_enqueue.c: copies the request's file in, checks it and queues q
 * (name, title, at, cls, created; path and sha256 are filled), on the store's
 * writer; answers the request when it is on disk. CTL_LATER, or -ENOMEM with
 * nothing done (the request keeps its fd).
 */
int	station_enqueue(struct station *, struct ctl_request *rq, const struct queue_item *q,
	    uint64_t max_bytes);
/* The same for taking queued item id out (it leaves the line at once). CTL_LATER or -ENOMEM. */
int	station_dequeue(struct station *, struct ctl_request *rq, int64_t id);
/* When a queued item becomes due: its --at time, or when it was queued. */
time_t	station_queue_due(const struct queue_item *);
/* A queued item's place in the line; loaxactl move orders by the same. */
struct lineup_entry station_queue_entry(const struct queue_item *);
/* Everything that waits, as lineup entries (pending first, then the queue); how many. */
size_t	station_lineup(const struct station *, struct lineup_entry *e, struct line_ref *ref,
	    size_t max);
/* What lineup_pick puts first among what is due at now: 0, or -1 when nothing is. */
int	station_line_pick(const struct station *, time_t now, struct line_ref *ref,
	    struct lineup_entry *e);
void	station_pending_take(struct station *, int i, struct pending_slot *out);
/* Reports missed, and takes out of the line, what waited past its grace period. */
void	station_expire(struct station *, time_t now);
/* Starts what comes first when the player is free; an emergency cuts in. */
void	station_play_next(struct station *, time_t now);
void	station_free_items(struct play_item *items, size_t n);

/* station_clock.c: the schedule's cursor, the clock, the loop's deadlines */
void	station_load_cursor(struct station *);
void	station_save_cursor(struct station *);
/* The station's event source: the clock watcher and the deadline of what comes due. */
void	station_source(struct station *, struct ev_source *);

/* station_relay.c: the relay helper */
/* A relay started playing (it is ignored for anything else): its helper starts. */
void	station_relay_started(struct station *, const struct play_item *it);
/* A relay ended (interrupted, finished...): its helper is stopped. */
void	station_relay_ended(struct station *, const struct play_item *it);
void	station_relay_source(struct station *, struct ev_source *);
/* Kills and reaps any helper (at the end). */
void	station_relay_close(struct station *);

/* station_emit.c: reports */
/*
 * One event of a play, written on the store's writer (a queued item leaves
 * the queue with it, in the same transaction). 0 when it was handed to the
 * writer (with none: written), or a negative errno when it was not (nothing
 * was written).
 */
int	station_emit(struct station *, struct play_item *it, const char *event,
	    double seconds, const char *error);
/* A report that is not about one play; takes the reference to details (may be NULL). */
void	station_emit_note(struct station *, const char *event, json_t *details);
/* Reports every bulletin of a sequence that will not play (event, reason), and frees it. */
void	station_miss_items_as(struct station *, struct play_item *items, size_t n,
	    const char *event, const char *reason);
void	station_miss_items(struct station *, struct play_item *items, size_t n,
	    const char *reason);
/* Plays a crash or a power cut left without an end record get one ("interrupted"). */
void	station_close_open_plays(struct station *);

/* station_status.c */
/* What the station says of its state database: a recovery at start, or NULL. */
json_t	*station_store_json(const struct station *);
/* The status's "tls" object: days left on the certificate, or why it cannot be used. NULL: no TLS. */
json_t	*station_tls_json(const struct station *, time_t now);
/* Marks the status dirty when the broker refused something new (not the status). */
void	station_status_watch_refusals(struct station *);
json_t	*station_status_json(struct station *);
void	station_publish_status(struct station *, int64_t now_ms);
time_t	station_next_slot(const struct station *, time_t after, const struct sched_slot **);

/* station_health.c */
/* Asks the writer for new storage and outbox figures when they are due. Never blocks. */
void	station_health_probe(struct station *, time_t now);
/* The status's "storage" and "outbox" objects; NULL until first measured. */
json_t	*station_health_storage_json(const struct station *);
json_t	*station_health_outbox_json(const struct station *);

/* station_mute.c: the kill switch and the emergency volume */
/*
 * Mute silences at once, then saves it on the store's writer and answers rq
 * once it is on disk (a mute not saved holds until a restart, and the answer
 * says so). CTL_LATER, or -ENOMEM: muted, but nothing is saved or answered.
 */
int	station_mute(struct station *, struct ctl_request *rq, const char *by, time_t until);
/*
 * Unmute is saved first and takes effect once it is on disk (not saved: the
 * station stays muted, and the answer says so). CTL_LATER, -EALREADY when the
 * station is not muted, or -ENOMEM with nothing done.
 */
int	station_unmute(struct station *, struct ctl_request *rq, const char *by);
/* The mute period is over: unmuted at once, saved later. */
void	station_mute_expire(struct station *);
void	station_load_mute(struct station *);

/* station_sound.c: chimes and volume */
void	station_chimes_open(struct station *);
void	station_chimes_close(struct station *);
void	station_sound_prepare(struct station *, struct play_item *items, size_t n);
void	mixer_follow(struct station *, const struct play_item *first);

/* station_link.c: MQTT, the district's schedule and its alerts */
/* A control request refused: reply gets "error": the sentence; returns -EINVAL. */
int	station_ctl_fail(json_t *reply, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	station_mqtt_open(struct station *, struct errlist *errs);
int	station_district_open(struct station *, struct errlist *errs);
int	station_alerts_open(struct station *, struct errlist *errs);
/* Frees alerts, district and MQTT client; publishes the offline status first. */
void	station_link_close(struct station *);
/* Puts the alert in the line now (an emergency cuts in). A test alert the
 * configuration does not let sound is reported but not played. */
void	station_alert_play(struct station *, const struct alert_play *);
/* Stops the alert if it plays ("cancelled") and drops it if it waits. 1 if it did either. */
int	station_alert_cancel(struct station *, const char *id, const char *reason);

/* station_ctl.c: loaxactl's commands */
int	station_ctl_handle(void *arg, struct ctl_request *rq, json_t *reply);
/*
 * station_move.c: 'loaxactl move', saved on the store's writer; the new order
 * takes effect and rq is answered once it is on disk. CTL_LATER, or a
 * negative errno with "error" in reply and nothing changed.
 */
int	station_ctl_move(struct station *, struct ctl_request *rq, json_t *reply);

/* station_log.c: 'loaxactl log', and its TIME (exposed for tests). */
int	station_ctl_log(struct station *, const json_t *req, json_t *reply);
int	station_log_since(const char *s, time_t now, time_t *out);

#endif
