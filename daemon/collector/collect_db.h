/*
 * The collector's database: every record the stations of a district sent
 * (plays and notes, each once), each station's availability history and the
 * gaps in its record numbers, in one SQLite file in WAL mode. The schema is
 * written down once, with what each column means, at the top of
 * collect_db.c: `loaxactl report` reads it.
 *
 * Writes happen in the caller's transactions (cdb_begin ... cdb_commit), so
 * that many records share one commit; a commit is durable (synchronous=FULL)
 * before it returns. Results are 0 (or a count) on success and a negative
 * errno-style code on failure: -ENOSPC when the disk is full, -EBUSY when
 * the database stayed locked, -ENOMEM, -EINVAL, -EIO; the cause is logged as
 * "collector: ...".
 */
#ifndef LOAXA_COLLECT_DB_H
#define LOAXA_COLLECT_DB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "daemon/collector/collect_msg.h"

struct errlist;
struct cdb;

/*
 * Opens (or creates, or migrates) the database at path, creating its
 * directory (0750) when it is missing. NULL with a sentence in errs.
 */
struct cdb	*cdb_open(const char *path, struct errlist *errs);
void		 cdb_close(struct cdb *);	/* NULL is fine */

/* The schema version this program writes (PRAGMA user_version; see collect_db.c). */
int	cdb_version(void);

int	cdb_begin(struct cdb *);
int	cdb_commit(struct cdb *);	/* on failure the transaction is rolled back */
void	cdb_rollback(struct cdb *);

/* What the writes of a transaction did, for the log and for --import's summary. */
struct cdb_tally {
	long	 records;	/* records new to the database */
	long	 duplicates;	/* records it had already (sent again, or imported twice) */
	long	 filled;	/* of the new records, those that filled a gap */
	long	 gaps;		/* gaps found */
	long	 transitions;	/* availability changes */
	long	 refused;	/* messages that were not records or statuses, kept aside */
};

/* Where a record came from: over MQTT, or imported from a station's own log. */
enum cdb_via { CDB_MQTT, CDB_IMPORT };

/*
 * Inside a transaction: stores the record rec (its text json) of station
 * region/station once: a play by play_id and event, a note by its id. A new
 * record with a "seq" updates the station's gaps: a number past the highest
 * one seen leaves a gap for those between; a number inside a gap fills it.
 * now is the collector's clock. 0 or a negative errno.
 */
int	cdb_record_put(struct cdb *, const char *region, const char *station,
	    const struct cmsg_record *rec, const char *json, enum cdb_via via, time_t now,
	    struct cdb_tally *t);
/* Inside a transaction: keeps the station's latest outbox_overflow report. */
int	cdb_overflow_put(struct cdb *, const char *region, const char *station, const char *json);
/*
 * Inside a transaction: a status of the station (retained, or its Last Will):
 * kept as its latest when it is not older than the one kept, and an
 * availability change recorded when it goes online or offline (see
 * cmsg_offline_at() for the time an offline status is given).
 */
int	cdb_status_put(struct cdb *, const char *region, const char *station,
	    const struct cmsg_status *st, const char *json, time_t now, struct cdb_tally *t);
/*
 * Inside a transaction: a message that is neither, kept with the reason
 * (its first 64 KiB), so that nothing acknowledged is dropped unseen.
 */
int	cdb_refused_put(struct cdb *, const char *topic, const void *payload, size_t len,
	    const char *why, time_t now, struct cdb_tally *t);

/* A station's gaps, for --import's summary and the tests: up to max of them, oldest first. */
struct cdb_gap {
	int64_t	 first, last;	/* the missing numbers, both included */
	time_t	 after_at;	/* the time of record first - 1, 0 when unknown */
	time_t	 before_at;	/* the time of record last + 1 */
};
int	cdb_gaps(struct cdb *, const char *region, const char *station, struct cdb_gap *v,
	    size_t max, size_t *n);

#endif
