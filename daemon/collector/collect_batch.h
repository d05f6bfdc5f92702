/*
 * The messages the collector has read and not yet stored, and when they are
 * stored: many in one SQLite transaction (one fsync), soon after they came.
 * Only once the commit is on disk are their PUBACKs let go (cmqtt_release);
 * a commit that fails lets none go (cmqtt_abandon), and the broker sends
 * them again.
 *
 * The commit runs on the loop, which waits meanwhile. That is on purpose:
 * the collector has nothing else to answer (no audio, no control socket),
 * and while a commit runs nothing must be acknowledged anyway; the kernel
 * and the broker hold what comes in the meantime (the broker sends at most
 * CMQTT_RECEIVE_MAX messages ahead of their PUBACKs).
 */
#ifndef LOAXA_COLLECT_BATCH_H
#define LOAXA_COLLECT_BATCH_H

#include <stddef.h>

#include "daemon/core/ev.h"
#include "daemon/collector/collect_db.h"

/* A commit is made when this many messages wait... */
#define CBATCH_MAX		512
/* ...or this many bytes of them... */
#define CBATCH_MAX_BYTES	(8 * 1024 * 1024)
/* ...or this long after the first of them came. */
#define CBATCH_DELAY_MS		20

struct cbatch;
struct cmqtt;

struct cbatch	*cbatch_new(struct cdb *db);
/* Commits what waits first (cbatch_flush). NULL is fine. */
void		 cbatch_free(struct cbatch *);
/* The client whose PUBACKs wait for these commits (may be set after cbatch_new). */
void		 cbatch_set_mqtt(struct cbatch *, struct cmqtt *);
void		 cbatch_source(struct cbatch *, struct ev_source *out);
/* cmqtt_params.on_message: copies the message in. 0, or -ENOMEM. */
int		 cbatch_take(void *batch, const char *topic, const void *payload, size_t len);
/*
 * Stores every message waiting, in one transaction, then releases their
 * PUBACKs; on failure abandons them (they come again). 0 or a negative errno.
 */
int		 cbatch_flush(struct cbatch *);
/* What was stored since the start. */
const struct cdb_tally *cbatch_tally(const struct cbatch *);

/*
 * Stores one message of a station's topics (events or status) inside the
 * caller's transaction: a record, an overflow report, a status, or, when it
 * is none of these, in the refused table with the reason. A negative errno
 * only when the database failed (the transaction must be rolled back).
 */
int	cbatch_store_one(struct cdb *db, const char *topic, const char *payload, size_t len,
	    time_t now, struct cdb_tally *t);

#endif
