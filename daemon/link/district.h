/*
 * The station's side of the district schedule: the district publishes one
 * signed manifest (daemon/proto/manifest.h) for its region, retained at
 * loaxa/<region>/schedule, and each bulletin's bytes in retained chunks at
 * loaxa/<region>/audio/<sha256>/<index>. This module receives the manifest,
 * verifies it, fetches the bulletins the station lacks chunk by chunk without
 * blocking the loop (resuming from the chunks it lacks after a reconnect),
 * checks each one's SHA-256, stores it (temporary file, fsync, rename, fsync
 * of the directory), and only then arms the new schedule, atomically, persisting it in the store so
 * that it plays after a reboot with no network. Every refusal leaves the
 * schedule in force as it was and is reported.
 *
 * The station owns the MQTT client and routes every message through
 * district_on_message(); the district tells the station what changed through
 * struct district_hooks. A finished bulletin's hash, fsyncs and rename (up
 * to 64 MiB: seconds on an SD card) run on the store's writer thread, never on
 * the loop; the fetch goes on when the writer is done.
 */
#ifndef LOAXA_DISTRICT_H
#define LOAXA_DISTRICT_H

#include <stddef.h>

#include <jansson.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "config/schedule.h"
#include "daemon/core/ev.h"
#include "daemon/link/mqtt.h"
#include "daemon/store/store.h"

struct district;
struct store_writer;

struct district_hooks {
	/*
	 * A verified, complete schedule is armed: ownership of s passes to the
	 * station (it replaces the previous district schedule; NULL means "no
	 * district schedule"). Its item files are the stored bulletins,
	 * <store_bulletin_dir>/<sha256>.opus; s->path is "district schedule vN".
	 * Called from district_new() too, for the schedule persisted before a
	 * restart.
	 */
	void	(*armed)(void *arg, struct schedule *s);
	/*
	 * Report an event to the district: event is "schedule_armed" or
	 * "schedule_refused"; details is a JSON object (version, reason, code,
	 * ...) the station adds station/region/at to and puts in its outbox.
	 * Borrowed: the station copies or increfs what it keeps.
	 */
	void	(*event)(void *arg, const char *event, json_t *details);
	/*
	 * Whether the station still refers to the stored bulletin sha256 (its
	 * queue, a slot waiting for the player, what plays now), so that garbage
	 * collection keeps it. May be NULL: then only the schedule counts.
	 */
	int	(*in_use)(void *arg, const char *sha256);
	void	*arg;
};

/*
 * The district side for cfg (cfg->district.public_key: the district's public
 * key file; "" means no district key is configured, and the district returns
 * an object that only reports that in its status). Re-arms the schedule
 * persisted in store (hooks->armed) when it is still valid and complete.
 * Subscribes to the manifest topic through mqtt (which may be NULL in tests).
 * The bulletins fetched are stored by writer (store's writer: its source must
 * be in the loop). NULL, with the reason in errs, when the key cannot be read
 * or memory is short.
 */
struct district	*district_new(const struct config *cfg, struct store *store,
		    struct store_writer *writer, struct mqtt *mqtt,
		    const struct district_hooks *hooks, struct errlist *errs);
/*
 * Abandons any fetch (its temporary file is removed, its subscriptions
 * dropped: call it before mqtt_free()) and frees. A bulletin the writer is
 * storing meanwhile is left to the writer's job, which frees it when it ends
 * (before or at store_writer_free()). NULL is a no-op.
 */
void		 district_free(struct district *);

/*
 * Route every MQTT message here (from the mqtt on_message callback); returns
 * 1 if it was the district's (the manifest topic or a bulletin chunk of this
 * region), else 0. Calls hooks from inside; may call mqtt_subscribe() and
 * mqtt_unsubscribe().
 */
int		 district_on_message(struct district *, const char *topic, const void *payload,
		    size_t len);
/* Tell it when the MQTT link comes up (1) or goes down (0). */
void		 district_on_connect(struct district *, int connected);

/*
 * For the station's status, a new object:
 * {"configured":bool, "key_id":"0123abcd…", "version":N, "issued":ISO,
 *  "bulletins":N, "complete":bool, "missing":N,
 *  "slots":N, "fetching":{"version":N,"bulletins":N,"missing":N,"bytes":N,"received":N,
 *  "current":"title", "storing":true},
 *  "refused":{"version":N,"code":"…","reason":"…","at":ISO}}
 * "version"/"issued"/"slots"/"bulletins" describe the schedule in force and
 * are absent when none is armed; "complete" is true when one is armed and no
 * newer one is still being fetched, "missing" counts the newer one's bulletins
 * not stored yet, "fetching" is there only meanwhile ("current": the bulletin
 * being fetched or, with "storing", being checked and stored by the writer);
 * "refused" is the last refusal. {"configured":false} alone when no district
 * key is configured.
 */
json_t		*district_status(const struct district *);

/*
 * The district's file name of a bulletin of the armed schedule ("bản tin.opus"),
 * for reports, where the stored file is only <sha256>.opus; NULL when unknown.
 */
const char	*district_file_name(const struct district *, const char *sha256);

/*
 * The district's event-loop source (a stall timer: a fetch that gets no chunk
 * for a while asks the broker again). Add it to the loop next to mqtt's.
 */
void		 district_source(struct district *, struct ev_source *out);

#endif
