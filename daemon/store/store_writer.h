/*
 * The store's writer: the durable writes the loop must not wait for — play
 * records and notes (with the queue item leaving in the same transaction),
 * the outbox's acknowledgements, small values such as the schedule cursor,
 * and the hourly pruning — done in the order they were asked for, on a thread
 * with its own connection to the database. On a cheap SD card one fsync can
 * take a second; the loop (and everything it answers) goes on meanwhile, and
 * hears when each write is on disk.
 *
 * What is promised: writes are durable in the order they were submitted (a
 * "started" record is on disk before its "finished"), except that the few
 * submitted with store_writer_call_first go ahead of those not yet started
 * (in order among themselves); a write's done callback runs on the loop once
 * it is on disk (or failed), in the order the writes ran; at
 * store_writer_free every write submitted, in either lane, is finished first.
 * A power cut loses only writes not yet done, and none of them was reported
 * done to anyone.
 */
#ifndef LOAXA_STORE_WRITER_H
#define LOAXA_STORE_WRITER_H

#include <stdint.h>
#include <time.h>

#include "daemon/core/ev.h"
#include "daemon/store/store.h"

struct errlist;
struct store_writer;

/* rc: 0, or the negative errno the store function returned. Runs on the loop. */
typedef void (*store_done_fn)(void *arg, int rc);

/* Opens a second connection to s's database (store_open_again) and starts the thread. */
struct store_writer	*store_writer_new(const struct store *s, struct errlist *errs);
/*
 * Finishes every write submitted, then stops; the done callbacks not yet run
 * are called with -ECANCELED (the write is done or failed, but the loop is
 * stopping: free what is yours, use nothing else). NULL is fine.
 */
void			 store_writer_free(struct store_writer *);
/* The loop source that runs the done callbacks. */
void			 store_writer_source(struct store_writer *, struct ev_source *src);

/*
 * store_event_add, later. The record and topic are copied. hash_path (may be
 * NULL): when the record's JSON says "sha256": null, that file's SHA-256 is
 * put there first, on the writer's thread (hashing a long bulletin waits for
 * the disk; a file hashed before is remembered by size and time). done may be
 * NULL. 0, or -ENOMEM when nothing was submitted (done is then not called).
 */
int	store_writer_event(struct store_writer *, const struct asrun_rec *rec, const char *topic,
	    const char *hash_path, store_done_fn done, void *arg);
/*
 * Runs fn(db, arg) on the writer's thread and connection, in turn with the
 * other writes, then done(done_arg, its result) on the loop: slow work that
 * ends in a durable write (copying a queued file in, checking it, queueing
 * it). fn must touch nothing the loop uses; arg is the caller's until done.
 * queue_id > 0: the work takes that queue item out (store_writer_removing says
 * so until done). 0, or -ENOMEM when nothing was submitted.
 */
typedef int (*store_work_fn)(struct store *db, void *arg);
int	store_writer_call(struct store_writer *, store_work_fn fn, void *arg, int64_t queue_id,
	    store_done_fn done, void *done_arg);
/*
 * The same, ahead of every write not yet started that was submitted the
 * ordinary way (in order among themselves): for work that stands alone and
 * that someone waits for — an emergency queued, a bulletin fetched, the kill
 * switch, a new order of the queue — and that must not wait behind a backlog
 * of records on a slow disk. What such work writes must not depend on an
 * ordinary write submitted before it.
 */
int	store_writer_call_first(struct store_writer *, store_work_fn fn, void *arg,
	    store_done_fn done, void *done_arg);
/* store_outbox_ack, later; a failure is logged. */
void	store_writer_outbox_ack(struct store_writer *, int64_t seq);
/* store_kv_set, later; a failure is logged. */
void	store_writer_kv_set(struct store_writer *, const char *key, const char *value);
/*
 * The wall clock as the loop sees it, for pruning the as-run log (the thread
 * reads no clock of its own: a clock step is the loop's to judge). Cheap; call
 * it every time round. It wakes the writer for pruning once every
 * STORE_MAINTAIN_EVERY seconds, or when the clock went back; otherwise an idle
 * writer sleeps until it is given work.
 */
void	store_writer_maintain(struct store_writer *, time_t now);
/*
 * store_time_floor_raise, later: loop_db (the loop's connection, whose
 * store_time_floor() says the new floor at once) and the disk, in turn.
 */
void	store_writer_time_floor_raise(struct store_writer *, struct store *loop_db, time_t t);
/* Whether queue item id leaves the queue in a write not yet done (the loop must not play it again). */
int	store_writer_removing(struct store_writer *, int64_t queue_id);

#endif
