/*
 * What the two halves of the station's alert module share: alert.c receives,
 * verifies, remembers, plays and repeats the alerts; alert_fetch.c fetches
 * their bulletins. Not for use outside them.
 */
#ifndef LOAXA_ALERT_INT_H
#define LOAXA_ALERT_INT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "config/keys.h"
#include "daemon/link/alert.h"
#include "daemon/link/chunkfile.h"

#define ALERT_KV_KEY		"alerts"
/*
 * Alerts and cancellations remembered. A record is kept until its alert
 * expires and never forgotten before (replay protection must not depend on
 * room: a replay of an expired alert is refused as expired); when all are in
 * force a new alert is refused as too_many, loudly. Only the records of
 * alerts still to play keep their signed message.
 */
#define ALERT_MAX_REC		256
#define ALERT_ACTIVE_MAX	32		/* of which still to play, with their message */
#define ALERT_KV_MAX		(ALERT_ACTIVE_MAX * (ALERT_MAX_BYTES + 256) + ALERT_MAX_REC * 256)
#define ALERT_TMP_PREFIX	".import-alert-"
#define ALERT_STALL_MS		15000		/* a fetch that gets nothing: ask again, or fetch another */
#define ALERT_FETCH_BACKOFF_MS	60000		/* a stalled fetch waits this long behind the others */
#define ALERT_TOPIC_MAX		256
#define ALERT_REASON_MAX	640
/*
 * Refusals are reported once per topic and message (the last ALERT_REFUSED_RING
 * are remembered: a forgery retained on the broker comes again at every
 * reconnect), and at most ALERT_REFUSALS_PER_MIN a minute; the rest are
 * counted and the count goes with the next report ("suppressed").
 */
#define ALERT_REFUSED_RING	256
#define ALERT_REFUSALS_PER_MIN	10

/* An alert (or a cancellation) the station knows. */
struct rec {
	int		 used;
	char		 id[ALERT_ID_MAX + 1];
	int64_t		 sequence;
	unsigned char	 hash[32];	/* of the payload: the same one again is ignored */
	char		*payload;	/* the envelope, persisted; NULL once done */
	struct alert_msg *m;		/* NULL for a cancellation, and once done */
	time_t		 keep_until;	/* forgotten after this */
	time_t		 first;		/* wall clock of the first play; 0: not played yet */
	int		 plays;
	int		 done;		/* played out, cancelled or expired */
	int		 ready;		/* its bulletin is stored */
	int64_t		 fetch_after_ms;	/* monotonic: its fetch stalled; others go first until then */
	int64_t		 next_ms;	/* monotonic: play then; EV_NO_DEADLINE: not waiting */
};

/* The bulletin being fetched for the records that need it. */
struct afetch {
	struct chunkfile *cf;
	char		 filter[ALERT_TOPIC_MAX];	/* loaxa/<region>/audio/<sha256>/+ */
	int64_t		 progress_ms;	/* monotonic: the last chunk, or the start */
};

struct alert {
	int		 configured;
	unsigned char	 pk[KEYS_PUBLIC_BYTES];
	char		 region[64], station[64];
	char		 topic_alerts[ALERT_TOPIC_MAX];	/* "loaxa/<region>/alert/" */
	char		 topic_audio[ALERT_TOPIC_MAX];	/* "loaxa/<region>/audio/" */
	char		 bdir[PATH_MAX];
	struct store	*store;
	struct store_writer *writer;	/* stores the bulletins fetched */
	struct mqtt	*mqtt;
	struct alert_hooks hooks;
	struct rec	 recs[ALERT_MAX_REC];
	struct afetch	*fetch;
	/*
	 * A complete bulletin being checked and stored on the store's writer
	 * thread: its chunkfile is the job's until alert_commit_done(), and no
	 * fetch starts meanwhile. NULL: none in flight.
	 */
	struct chunkfile_job *commit;
	char		 commit_sha256[65];

	unsigned char	 refused_hash[ALERT_REFUSED_RING][32];
	int		 refused_next;
	int64_t		 refused_window_ms;	/* monotonic start of the current minute */
	int		 refused_in_window;
	long		 refused_suppressed;	/* refusals not reported since the last report */
	int		 refused;
	char		 ref_id[ALERT_ID_MAX + 1];
	const char	*ref_code;
	char		 ref_reason[ALERT_REASON_MAX];
	time_t		 ref_at;
};

/* Hands details (taken, may be NULL) to the station's event hook. */
void	alert_event(struct alert *, const char *event, json_t *details);
/* Where the bulletin sha256 is stored: <bulletin dir>/<sha256>.opus ("" if too long). */
void	alert_path(const struct alert *, const char *sha256, char *buf, size_t len);

/*
 * Makes the fetch in progress the one that matters most: marks the alerts
 * whose bulletin is stored already ready, drops a fetch no alert needs any
 * more (cancelled, superseded, expired), and lets a more urgent or newer
 * alert's bulletin go first, so that a fetch whose chunks never come stands
 * in front of no other.
 */
void	alert_fetch_next(struct alert *);
/* A chunk of the bulletin being fetched, from its topic's index. */
void	alert_fetch_chunk(struct alert *, size_t idx, const void *data, size_t len);
/*
 * A fetch that got nothing for ALERT_STALL_MS steps back for ALERT_FETCH_BACKOFF_MS
 * when another alert needs a bulletin, and otherwise asks the broker again.
 */
void	alert_fetch_stall(struct alert *, int64_t now_ms);
/* Drops the fetch in progress: its temporary file and its subscription. */
void	alert_fetch_free(struct alert *);

#endif
