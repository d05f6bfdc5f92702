/*
 * A district alert on the wire: pure functions (no I/O; the time and the keys
 * are parameters) to build and sign an alert or its cancellation at the
 * district, and to verify one on the station.
 *
 * Retained at loaxa/<region>/alert/<id> is an envelope, like the manifest's
 * (daemon/proto/envelope.h, which checks it for both):
 *   {"alert":"<the alert JSON text>","signature":"<base64>","key_id":"<hex>"}
 * The Ed25519 signature covers the exact bytes of the alert text. The alert:
 *   {"format":1,"kind":"alert","id":"20261122-153005-3f2a","region":"hon-quan",
 *    "sequence":1795334405123,"issued":"2026-11-22T15:00:05+07:00",
 *    "issued_ms":1795334405123,"class":"emergency","title":"Bão số 9",
 *    "bulletin":{"sha256":"<hex>","size":N,"duration":S,"file":"bão số 9.opus",
 *                "chunk_size":262144,"chunks":N},
 *    "repeat":7200,"until":"2026-11-23T06:00:00+07:00" | null,
 *    "targets":"all" | ["tan-thanh",...],"test":false}
 * A cancellation replaces it at the same topic (so a station that comes online
 * later sees the cancel, not the alert):
 *   {"format":1,"kind":"cancel","id":"...","region":"...","sequence":N,
 *    "issued":"...","issued_ms":N}
 * A live broadcast from the district office ('loaxactl live') is an alert of
 * kind "live": no bulletin and no repeat, but the address of the Icecast
 * mount to relay (config/stream_url.h) and a required "until", at most
 * ALERT_LIVE_MAX_SPAN after the issue time:
 *   {"format":1,"kind":"live","id":"...","region":"...","sequence":N,
 *    "issued":"...","issued_ms":N,"class":"priority","title":"Trực tiếp",
 *    "stream":"https://stream.huyen.example:8443/live-<id>.opus",
 *    "until":"2026-11-22T17:00:05+07:00","targets":"all","test":false}
 * Its end is the cancel of its id. A station older than "live" refuses it as
 * of an unknown kind (ALERT_MALFORMED), never mistakes it for a bulletin.
 * The sequence only goes up for one id: a station refuses one not newer than
 * the last it saw for that id (a replay). The bulletin travels in the
 * schedule's chunk topics, loaxa/<region>/audio/<sha256>/<index>.
 */
#ifndef LOAXA_ALERT_MSG_H
#define LOAXA_ALERT_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/keys.h"
#include "config/schedule.h"

#define ALERT_FORMAT		1
#define ALERT_MAX_BYTES		(64 * 1024)	/* the whole envelope */
#define ALERT_ID_MAX		63
#define ALERT_MAX_TARGETS	1000
#define ALERT_MAX_BULLETIN	(64ULL * 1024 * 1024)
#define ALERT_MIN_REPEAT	5		/* seconds; a shorter repeat is refused */
#define ALERT_VALID_ONCE	3600		/* no "until": a one-off is stale an hour after issue */
#define ALERT_VALID_REPEAT	86400		/* no "until": a repeat stops a day after issue */
/*
 * The ranges of the numbers in a signed alert; anything outside is refused
 * as malformed, so that no arithmetic on them can overflow. A sequence and
 * issued_ms are publishing times in milliseconds (the sequence may run a
 * little ahead of the clock when several come in one millisecond).
 */
#define ALERT_MAX_REPEAT	86400		/* seconds between repetitions: a day */
#define ALERT_MAX_SPAN		(7 * 86400)	/* "until" at most a week after the issue time */
#define ALERT_LIVE_MAX_SPAN	(12 * 3600)	/* a live's "until": at most 12 h after issue */
#define ALERT_MAX_DURATION	86400.0		/* a bulletin's seconds */
#define ALERT_MAX_MS		(1LL << 53)	/* issued_ms and sequence: exact in any JSON reader */
#define ALERT_SEQUENCE_AHEAD	86400000LL	/* a sequence at most a day past issued_ms */

/* Why an alert was refused; alert_code_name() gives the word in reports. */
enum alert_code {
	ALERT_OK = 0,
	ALERT_TOO_LARGE,	/* "too_large" */
	ALERT_NOT_JSON,		/* "not_json" */
	ALERT_MALFORMED,	/* "malformed" */
	ALERT_BAD_SIGNATURE,	/* "bad_signature" */
	ALERT_WRONG_REGION,	/* "wrong_region" */
	ALERT_WRONG_ID,		/* "wrong_id": the id is not the topic's */
	ALERT_NOT_NEWER,	/* "not_newer": a replay or an older one */
	ALERT_NOT_TARGETED,	/* "not_targeted" */
	ALERT_EXPIRED,		/* "expired" */
	ALERT_NO_MEMORY,	/* "no_memory" */
	ALERT_TOO_MANY,		/* "too_many": ALERT_MAX_REC alerts in force already */
};

const char	*alert_code_name(enum alert_code);

struct alert_msg {
	int	 cancel;		/* a cancellation: only the head is set */
	char	*stream;		/* a live alert: the mount to relay; NULL: a bulletin's */
	char	 id[ALERT_ID_MAX + 1];
	char	 region[64];
	int64_t	 sequence;
	char	 issued[40];		/* as signed */
	int64_t	 issued_ms;		/* wall clock, ms */
	enum sched_class cls;		/* priority or emergency */
	char	*title;
	char	 sha256[65];
	uint64_t size;
	double	 duration;
	char	*file;
	uint32_t chunk_size;
	size_t	 chunks;
	int64_t	 repeat;		/* seconds; 0: once */
	time_t	 until;			/* 0: not given */
	time_t	 expires;		/* until, or issued + ALERT_VALID_* */
	int	 test;
	char	 key_id[KEYS_ID_HEX + 1];
};

/* --- the district office ----------------------------------------------------------- */

struct alert_meta {
	const char	*id, *region, *title;
	int64_t		 sequence, issued_ms;
	enum sched_class cls;
	const char	*stream;	/* a live alert's mount; NULL: the bulletin below */
	const char	*sha256, *file;
	uint64_t	 size;
	double		 duration;
	uint32_t	 chunk_size;
	int64_t		 repeat;
	time_t		 until;		/* 0: none (required for a live alert) */
	const char *const *targets;	/* NULL: all the stations of the region */
	size_t		 n_targets;
	int		 test;
};

/* The alert text; NULL with the reason in why when a value is out of range. */
char	*alert_build(const struct alert_meta *, char *why, size_t whylen);
/* The cancellation text of id; NULL when id or region is not valid. */
char	*alert_build_cancel(const char *id, const char *region, int64_t sequence,
	    int64_t issued_ms);
/* The envelope to publish: text signed with sk. NULL when memory is short. */
char	*alert_sign(const char *text, const unsigned char sk[KEYS_SECRET_BYTES]);

/* --- the station ---------------------------------------------------------------------- */

struct alert_check {
	const unsigned char *public_key;	/* KEYS_PUBLIC_BYTES */
	const char	*region;
	const char	*station;
	const char	*id;		/* from the topic; NULL: any */
	int64_t		 newest;	/* refuse sequence <= newest; 0: any */
	time_t		 now;		/* refuse an alert (not a cancel) expired at now */
};

/*
 * Checks payload in this order: size, envelope JSON, signature, alert JSON,
 * region, id, sequence, targets, expiry. The alert, or NULL with *code and a
 * sentence for people in why; *sequence is the alert's once known, else 0.
 */
struct alert_msg *alert_verify(const void *payload, size_t len, const struct alert_check *,
		    enum alert_code *code, int64_t *sequence, char *why, size_t whylen);
void		 alert_msg_free(struct alert_msg *);

/* 1 when id is 1..ALERT_ID_MAX of [a-z0-9._-], not starting with '.' (a topic level, a file name). */
int		 alert_id_valid(const char *id);

#endif
