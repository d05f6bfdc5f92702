/*
 * The station's durable state on SQLite: the operator's queue, the as-run
 * (proof-of-play) log, the outbox of reports the broker has not acknowledged,
 * a few small values, and the stored bulletin files.
 *
 * Everything a function reports as done is on disk before it returns, and a
 * power cut at any instant leaves the old state or the new, never a mix. Each
 * is one short transaction on one connection, used by one thread at a time:
 * the loop reads on its own, and the writes that wait for the disk go through
 * the store's writer (store_writer.h), a thread with a second connection.
 * Results are 0 (or a count) on success and a negative errno-style code on
 * failure: -ENOSPC when the disk is full, -EBUSY when the database is locked,
 * -ENOMEM, -EINVAL for bad arguments, -EIO for the rest; the cause is logged
 * as "store: ...".
 */
#ifndef LOAXA_STORE_H
#define LOAXA_STORE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct errlist;
struct store;

#define STORE_QUEUE_MAX	1000	/* items in the operator's queue */

/* The defaults of how long the as-run log is kept and of the outbox's size are CONF_*_DEFAULT (config/conf.h). */
#define STORE_MAINTAIN_EVERY		3600	/* seconds between pruning passes */
#define STORE_PRUNE_BATCH		1000	/* as-run rows one pass removes at most */

/*
 * Creates dir (0750) and dir/bulletins if needed, opens (or creates, or
 * migrates) dir/loaxa.db and removes temporary files a crash left in
 * dir/bulletins. Returns NULL and adds a message for the operator to errs.
 */
struct store	*store_open(const char *dir, struct errlist *errs);
/*
 * A damaged database found by store_open (it checks with PRAGMA quick_check)
 * is moved aside as loaxa.db.damaged-<YYYYmmdd-HHMMSS>, never deleted; the
 * station starts on a fresh one holding what could be read from it: the
 * queue, the as-run log and unsent reports, the small values. What happened,
 * or NULL when the database was sound.
 */
struct store_recovery {
	int	 happened;
	long	 recovered;		/* rows salvaged */
	int	 lost_tables;		/* tables that could not be read to their end */
	char	 moved_to[PATH_MAX + 32];
};
const struct store_recovery *store_recovery(const struct store *);
/*
 * A second connection to the database store_open opened, with its limits, for
 * another thread (store_writer.c): not checked, migrated or recovered again.
 * Each connection is used by one thread at a time. NULL and a message in errs.
 */
struct store	*store_open_again(const struct store *first, struct errlist *errs);
/* Closes the database. store_close(NULL) is a no-op. */
void		 store_close(struct store *);

/* Bulletins, content-addressed: dir/bulletins/<sha256>.opus. */

/*
 * Copies the regular file fd (from its current offset to EOF) into the
 * store; anything else (a FIFO, a device, a socket) is refused at once with
 * -EINVAL (-EISDIR for a directory), and a file larger than max_bytes with
 * -EFBIG before a byte is copied. On success path (pathlen bytes, PATH_MAX is
 * enough) is the stored file and sha256_hex its SHA-256 in lower-case hex.
 * The copy is written to a temporary file, synced and renamed, so the stored
 * file is whole or absent; a file already stored is kept, not replaced.
 * Returns -EFBIG when fd holds more than max_bytes, -ENOSPC when the disk is
 * full, -ENAMETOOLONG when path is too short, or another negative errno; on
 * any error no partial file is left behind. Blocks for as long as the copy takes.
 */
int		 store_import_fd(struct store *, int fd, uint64_t max_bytes,
		    char *path, size_t pathlen, char sha256_hex[65]);
/* The directory stored bulletins are in (dir/bulletins). */
const char	*store_bulletin_dir(const struct store *);

/* The operator's queue. */
struct queue_item {
	int64_t	 id;		/* assigned by store_queue_add, never reused */
	char	*path;		/* the stored bulletin */
	char	*name;		/* the operator's file name as given (UTF-8), for reports */
	char	*title;		/* may be NULL */
	char	 sha256[65];	/* of the stored bulletin, lower-case hex */
	time_t	 at;		/* 0: play as soon as the station is idle */
	time_t	 created;	/* 0 in store_queue_add: now */
	int	 cls;		/* enum sched_class: 0 normal, 1 priority, 2 emergency */
	int64_t	 rank;		/* order within its class (ms); 0: when it became due */
	char	*tags;		/* its tags as JSON text, ["giam-ngheo","du-an-6"]
				 * (daemon/proto/tags_json.h, checked by the caller);
				 * NULL: none. Kept as given. */
};

/*
 * Appends it (path, name and sha256 required) to the queue; durable before it
 * returns. Sets it->id, and it->created when it was 0. Returns -EDQUOT when
 * the queue already holds STORE_QUEUE_MAX items.
 */
int		 store_queue_add(struct store *, struct queue_item *it);
/* Sets the order of an item within its class (durable). 0 or -ENOENT. */
int		 store_queue_set_rank(struct store *, int64_t id, int64_t rank);
/*
 * Sets the order of n items (ids[i] gets ranks[i]) in one transaction: all of
 * it is durable, or none of it (a negative errno). An id no longer queued is
 * passed over.
 */
int		 store_queue_set_ranks(struct store *, const int64_t *ids, const int64_t *ranks,
		    size_t n);
/* Removes the item with this id. 0 or -ENOENT. */
int		 store_queue_remove(struct store *, int64_t id);
/*
 * All items, ordered by id. On success *items (NULL when *n is 0) is freed
 * with store_queue_free; on failure *items is NULL and *n is 0.
 */
int		 store_queue_list(struct store *, struct queue_item **items, size_t *n);
void		 store_queue_free(struct queue_item *items, size_t n);
/* Frees the strings of one item store_queue_list gave, and zeroes it. */
void		 store_queue_item_clear(struct queue_item *it);
/* Items in the queue, or a negative errno. */
long		 store_queue_count(struct store *);

/*
 * Proof of play. event is "started", or one of the end records "finished",
 * "failed", "interrupted", "missed", or any other word (kept, not
 * interpreted). json is the report sent to the district.
 */
struct asrun_rec {
	const char *play_id;
	const char *event;
	time_t	    at;
	const char *json;
	int64_t	    queue_id;	/* > 0: this queue item leaves the queue in the same transaction */
};

/*
 * Appends the as-run record and an outbox message (topic, rec->json) in one
 * transaction: both are stored or neither, and with rec->queue_id > 0 the
 * queue item is removed in it too, so that a crash never leaves an item
 * neither queued nor recorded. Durable before it returns. A full outbox makes
 * room as store_set_limits describes; the record itself is always kept. A
 * full disk releases dir/reserve (512 KiB kept back at open and by
 * store_maintain) and tries once more, so that plays are still recorded.
 */
int		 store_event_add(struct store *, const struct asrun_rec *rec, const char *topic);
/*
 * Every record is numbered in that same transaction: its asrun_entry.seq,
 * one more than the last record's ever (pruned ones included), is added to
 * its JSON as "seq" (the copy in the log and the one sent alike; rec->json
 * must be a JSON object, or -EINVAL). A record not stored takes no number,
 * so a number missing at the district is a record that did not reach it.
 */
/*
 * Plays that have a "started" record and no end record, oldest first: after a
 * crash the daemon closes them. *ids (each a malloc'd string; NULL when *n is
 * 0) is freed with store_strings_free.
 */
int		 store_open_plays(struct store *, char ***ids, size_t *n);
void		 store_strings_free(char **v, size_t n);
/* The JSON of a play's "started" record (malloc'd, *json), to close it with the same details. 0 or -ENOENT. */
int		 store_asrun_started_json(struct store *, const char *play_id, char **json);

/*
 * The as-run log, read back for 'loaxactl log': records with at >= since and
 * seq > after (0: from the first), oldest first, at most max of them. *more
 * is set to 1 when records past the last one returned are left. On success
 * *v (NULL when *n is 0) is freed with store_asrun_free.
 */
struct asrun_entry {
	int64_t	 seq;		/* the record's number: +1 with every record, never reused */
	char	*play_id;
	char	*event;
	time_t	 at;
	char	*json;		/* the report as sent to the district */
};
int		 store_asrun_list(struct store *, time_t since, int64_t after, size_t max,
		    struct asrun_entry **v, size_t *n, int *more);
void		 store_asrun_free(struct asrun_entry *v, size_t n);

/*
 * The bounds. asrun_days (1..3650): records older than that are pruned by
 * store_maintain. outbox_max (>= 10): the outbox never holds more messages;
 * when a new one would not fit, the oldest status telemetry is dropped first,
 * then the oldest notes (events that are not proof of play), then, only when
 * neither is left, the oldest as-run record's outbox copy (the record stays
 * in the local as-run log). A new telemetry message or note is dropped itself
 * rather than push out a record: a flood of refusals never pushes out proof
 * of play. Every overflow is reported by one outbox message of kind
 * STORE_KIND_OVERFLOW on overflow_topic (it takes one of the outbox_max
 * places), replaced at each overflow while unsent:
 *   {"event":"outbox_overflow","dropped_telemetry":N,"dropped_notes":N,
 *    "dropped_records":N,"outbox_max":N,"at":"2026-11-22T14:30:05+07:00"}
 * with the totals since the database was created (a collector keeps the
 * latest). Defaults until called: STORE_*_DEFAULT and the topic "loaxa/overflow".
 */
struct store_limits {
	int		 asrun_days;
	long		 outbox_max;
	const char	*overflow_topic;	/* copied; NULL keeps the one set */
};
void		 store_set_limits(struct store *, const struct store_limits *);

/*
 * Cheap enough to call at every loop iteration with the wall clock: at most
 * once every STORE_MAINTAIN_EVERY seconds (or when the clock went back) it
 * removes up to STORE_PRUNE_BATCH as-run records older than asrun_days, and
 * sooner again while more are left. The age is counted from now or from the
 * newest record, whichever is earlier: a clock that is unset (1970) prunes
 * nothing, and one that jumps years ahead prunes nothing until records are
 * written at the new time.
 * Returns the records removed, or a negative errno.
 */
long		 store_maintain(struct store *, time_t now);

/* The outbox: messages in order, removed only when the broker acknowledged them. */

/*
 * What an outbox message is: a full outbox drops telemetry, then notes (the
 * events that are not proof of play: refusals, mute, the district schedule),
 * then records, and only replaces the report.
 */
enum store_kind {
	STORE_KIND_RECORD = 0,		/* an as-run record (store_event_add) */
	STORE_KIND_TELEMETRY = 1,	/* status and the like (store_telemetry_add) */
	STORE_KIND_OVERFLOW = 2,	/* the outbox_overflow report */
	STORE_KIND_NOTE = 3,		/* an event that is not proof of play (store_event_add) */
};

/* Appends a telemetry message (dropped first when the outbox is full); durable. */
int		 store_telemetry_add(struct store *, const char *topic, const char *payload);

struct store_outbox_stats {
	long		 count, max;
	long long	 dropped_telemetry, dropped_notes, dropped_records;	/* totals since created */
};
int		 store_outbox_stats(struct store *, struct store_outbox_stats *);

struct outbox_msg {
	int64_t	 seq;		/* increases with every message, never reused */
	char	*topic;
	char	*payload;
};

/*
 * The first message with seq > after (0 for the oldest): 0, or -ENOENT when
 * there is none. Clear *out with store_outbox_msg_clear after success.
 */
int		 store_outbox_next(struct store *, int64_t after, struct outbox_msg *out);
/* Frees the strings in *m and zeroes it; NULL or an already-cleared message is fine. */
void		 store_outbox_msg_clear(struct outbox_msg *m);
/* Removes message seq; durable. 0 or -ENOENT. */
int		 store_outbox_ack(struct store *, int64_t seq);
/* Messages in the outbox, or a negative errno. */
long		 store_outbox_count(struct store *);

/*
 * The time floor: the newest time the station has seen signed by its district
 * (an alert's or a manifest's issue time), kept across restarts. A controller
 * with no real-time clock boots in 1970, or fake-hwclock puts it a week back;
 * the floor tells it that it is at least that late, so that an alert that
 * expired before it is never played. store_time_floor() is 0 when none is
 * known; store_time_floor_raise() only ever raises it, by an hour at least
 * (an hour's precision is enough; 0 or a negative errno).
 */
time_t		 store_time_floor(struct store *);
int		 store_time_floor_raise(struct store *, time_t t);

/* Small durable values, e.g. the schedule cursor. */

/*
 * Sets key to value (both UTF-8 text), replacing any old value; durable. On a
 * full disk the reserve kept for proof of play is spent on it (these values
 * are the station's state: the kill switch's mute among them); -ENOSPC when
 * even that is gone.
 */
int		 store_kv_set(struct store *, const char *key, const char *value);
/* Copies key's value into value[len]: 0, -ENOENT when unset, -ENOSPC when it does not fit. */
int		 store_kv_get(struct store *, const char *key, char *value, size_t len);

#endif
