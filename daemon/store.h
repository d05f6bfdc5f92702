/*
 * The station's durable state on SQLite: the operator's queue, the as-run
 * (proof-of-play) log, the outbox of reports the broker has not acknowledged,
 * a few small values, and the stored bulletin files.
 *
 * Everything a function reports as done is on disk before it returns, and a
 * power cut at any instant leaves the old state or the new, never a mix. The
 * functions run in the daemon's single loop, so each is one short transaction.
 * Results are 0 (or a count) on success and a negative errno-style code on
 * failure: -ENOSPC when the disk is full, -EBUSY when the database is locked,
 * -ENOMEM, -EINVAL for bad arguments, -EIO for the rest; the cause is logged
 * as "store: ...".
 */
#ifndef LOAXA_STORE_H
#define LOAXA_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct errlist;
struct store;

#define STORE_QUEUE_MAX	1000	/* items in the operator's queue */

/*
 * Creates dir (0750) and dir/bulletins if needed, opens (or creates, or
 * migrates) dir/loaxa.db and removes temporary files a crash left in
 * dir/bulletins. Returns NULL and adds a message for the operator to errs.
 */
struct store	*store_open(const char *dir, struct errlist *errs);
/* Closes the database. store_close(NULL) is a no-op. */
void		 store_close(struct store *);

/* Bulletins, content-addressed: dir/bulletins/<sha256>.opus. */

/*
 * Copies everything readable from fd (from its current offset to EOF; fd may
 * be a pipe) into the store. On success path (pathlen bytes, PATH_MAX is
 * enough) is the stored file and sha256_hex its SHA-256 in lower-case hex.
 * The copy is written to a temporary file, synced and renamed, so the stored
 * file is whole or absent; a file already stored is kept, not replaced.
 * Returns -EFBIG when fd holds more than max_bytes, -ENOSPC when the disk is
 * full, -ENAMETOOLONG when path is too short, or another negative errno; on
 * any error no partial file is left behind. Blocks for as long as the copy takes.
 */
int		 store_import_fd(struct store *, int fd, uint64_t max_bytes,
		    char *path, size_t pathlen, char sha256_hex[65]);
/* SHA-256 of the file at path, streamed, in lower-case hex. 0 or a negative errno. */
int		 store_sha256_file(const char *path, char sha256_hex[65]);
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
};

/*
 * Appends it (path, name and sha256 required) to the queue; durable before it
 * returns. Sets it->id, and it->created when it was 0. Returns -EDQUOT when
 * the queue already holds STORE_QUEUE_MAX items.
 */
int		 store_queue_add(struct store *, struct queue_item *it);
/* Removes the item with this id. 0 or -ENOENT. */
int		 store_queue_remove(struct store *, int64_t id);
/*
 * All items, ordered by id. On success *items (NULL when *n is 0) is freed
 * with store_queue_free; on failure *items is NULL and *n is 0.
 */
int		 store_queue_list(struct store *, struct queue_item **items, size_t *n);
void		 store_queue_free(struct queue_item *items, size_t n);
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
};

/*
 * Appends the as-run record and an outbox message (topic, rec->json) in one
 * transaction: both are stored or neither. Durable before it returns.
 */
int		 store_event_add(struct store *, const struct asrun_rec *rec, const char *topic);
/*
 * Plays that have a "started" record and no end record, oldest first: after a
 * crash the daemon closes them. *ids (each a malloc'd string; NULL when *n is
 * 0) is freed with store_strings_free.
 */
int		 store_open_plays(struct store *, char ***ids, size_t *n);
void		 store_strings_free(char **v, size_t n);

/* The outbox: messages in order, removed only when the broker acknowledged them. */
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

/* Small durable values, e.g. the schedule cursor. */

/* Sets key to value (both UTF-8 text), replacing any old value; durable. */
int		 store_kv_set(struct store *, const char *key, const char *value);
/* Copies key's value into value[len]: 0, -ENOENT when unset, -ENOSPC when it does not fit. */
int		 store_kv_get(struct store *, const char *key, char *value, size_t len);

#endif
