/*
 * The station's side of district alerts: receive the signed alerts retained
 * at loaxa/<region>/alert/<id> (daemon/proto/alert_msg.h), verify them with the
 * district key, refuse replays (per id, the sequence only goes up), fetch
 * each alert's bulletin from the schedule's chunk topics, and hand it to the
 * station to play now; then repeat it every "repeat" seconds from its first
 * play until "until", a cancellation or a newer alert with the same id. The
 * bulletin's hash and fsyncs run on the store's writer thread, not the loop.
 *
 * The alerts the station knows are persisted in the store, so a restart
 * neither forgets a repeating alert nor accepts a replay; an expired alert is
 * never played. Repeats wait on monotonic deadlines of the module's event
 * source, reckoned from the wall-clock time of the first play (persisted, so
 * a repeat keeps its rhythm across a restart); the wall clock also decides
 * expiry ("until", "issued").
 */
#ifndef LOAXA_ALERT_H
#define LOAXA_ALERT_H

#include <stddef.h>

#include <jansson.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "daemon/core/ev.h"
#include "daemon/link/mqtt.h"
#include "daemon/proto/alert_msg.h"
#include "daemon/store/store.h"

struct alert;
struct store_writer;

struct alert_hooks {
	/*
	 * Play the verified alert m now; its bulletin is stored at path. m is
	 * borrowed for the call. expires: not started after this, missed.
	 */
	void	(*play)(void *arg, const struct alert_msg *m, const char *path, time_t expires);
	/* Stop the alert id if it plays and drop it if it waits; 1 if it did either. */
	int	(*cancel)(void *arg, const char *id, const char *reason);
	/*
	 * Report an event: "alert_received", "alert_refused" or "alert_cancelled";
	 * details is borrowed (the station increfs what it keeps).
	 */
	void	(*event)(void *arg, const char *event, json_t *details);
	void	*arg;
};

/*
 * Alerts for cfg (cfg->district.public_key; "" means no district key: the
 * object only says so in its status). Restores the alerts persisted in store
 * (a repeat resumes, an unplayed one is fetched and played, an expired one is
 * forgotten); subscribes through mqtt (may be NULL in tests). The bulletins
 * fetched are stored by writer (the store's writer: its source must be in the
 * loop). NULL, with the reason in errs, when the key cannot be read or memory
 * is short.
 */
struct alert	*alert_new(const struct config *cfg, struct store *store,
		    struct store_writer *writer, struct mqtt *mqtt,
		    const struct alert_hooks *hooks, struct errlist *errs);
/*
 * Drops any fetch (its temporary file, its subscription: call before
 * mqtt_free()); a bulletin the writer is storing meanwhile is left to the
 * writer's job, which frees it when it ends. NULL: no-op.
 */
void		 alert_free(struct alert *);

/*
 * Route every MQTT message here; returns 1 if it was an alert or a chunk of
 * the bulletin an alert is fetching, else 0. A chunk topic may be the
 * district schedule's too: give it to both.
 */
int		 alert_on_message(struct alert *, const char *topic, const void *payload, size_t len);
/* The MQTT link came up (1) or went down (0). */
void		 alert_on_connect(struct alert *, int connected);

/* Whether a known, unexpired alert needs the stored bulletin sha256 (keep it). */
int		 alert_in_use(const struct alert *, const char *sha256);

/*
 * For the station's status, a new object:
 * {"configured":bool, "active":[{"id","class","title","test","sequence","plays",
 *   "repeat","expires":ISO,"next_in":S|null,"fetching":bool}],
 *  "refused":{"id","code","reason","at":ISO}}
 */
json_t		*alert_status(const struct alert *);

/* The event source: repeats, restored alerts, a stalled fetch. Add it to the loop. */
void		 alert_source(struct alert *, struct ev_source *out);

#endif
