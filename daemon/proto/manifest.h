/*
 * The district's signed schedule: pure functions (no I/O; the time, the keys
 * and the directories are parameters) to build a manifest from a parsed
 * schedule, sign it, and on the station verify it and turn it into a struct
 * schedule whose items are the stored bulletins.
 *
 * On the wire (retained at loaxa/<region>/schedule) is an envelope
 * (daemon/proto/envelope.h, which checks it for alerts too):
 *   {"manifest":"<the manifest JSON text>","signature":"<base64>","key_id":"<hex>"}
 * The signature is Ed25519 over the exact bytes of the manifest text, carried
 * as a string, so no JSON canonicalisation is needed. The manifest:
 *   {"format":1 | 2 | 3 | 4,"region":"hon-quan","version":1763800000,
 *    "issued":"2026-11-22T14:30:05+07:00","targets":"all" | ["tan-thanh",...],
 *    "chunk_size":262144,
 *    "slots":[{"title":"Bản tin sáng","at":"06:00:00","days":"daily" | ["mon",...],
 *              "from":"2026-01-01","until":"2026-12-31","grace":300,"class":"normal",
 *              "tags":["giam-ngheo"],
 *              "items":[{"title":"...","sha256":"<hex>","size":N,"duration":S,
 *                        "file":"bản tin.opus","tags":["du-an-6"]}]}]}
 * A one-off slot's "at" is "YYYY-MM-DD HH:MM:SS" and it has no days/from/until.
 * A slot that relays a stream (schedule.h) has no "items" but
 *   "relay":"http://radio.tinh.example:8000/kenh1","duration":1800,
 *   "fallback":[{"title":"...","sha256":"<hex>",...}]
 * "duration" in whole seconds, "fallback" (optional) bulletins written as
 * items are, whose files the station fetches and keeps as it does items'.
 * "tags" (config/tags.h), on a slot and on an item, are optional: an item
 * plays with its slot's tags and its own, as in schedule.cfg. A manifest
 * that uses tags is format 2, so that a station too old to know them says
 * it must be updated instead of refusing an unknown setting; one without
 * tags stays format 1, which every station reads. A slot's "volume" (in dB,
 * as in schedule.cfg) makes it format 3, and a relay format 4, for the same reason.
 * Times are the stations' local time, as in schedule.cfg. Bulletin <sha256>
 * is published in ceil(size / chunk_size) retained chunks at
 * loaxa/<region>/audio/<sha256>/<index>, index from 0.
 */
#ifndef LOAXA_MANIFEST_H
#define LOAXA_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/keys.h"
#include "config/schedule.h"

#define MANIFEST_FORMAT		4	/* the newest this build reads and writes */
#define MANIFEST_FORMAT_MIN	1	/* the oldest it reads: format 1 has no tags */
#define MANIFEST_MAX_BYTES	(256 * 1024)	/* the whole envelope */
#define MANIFEST_CHUNK_BYTES	(256 * 1024)	/* what publish uses, and the most a station takes */
#define MANIFEST_MAX_BULLETIN	(64ULL * 1024 * 1024)
#define MANIFEST_MAX_TOTAL	(1024ULL * 1024 * 1024)	/* all the bulletins of one manifest */
#define MANIFEST_MAX_TARGETS	1000
#define MANIFEST_MAX_BULLETINS	1000

/* Why a manifest was refused; manifest_code_name() gives the word in reports. */
enum manifest_code {
	MANIFEST_OK = 0,
	MANIFEST_TOO_LARGE,	/* "too_large" */
	MANIFEST_NOT_JSON,	/* "not_json": the envelope is not JSON */
	MANIFEST_MALFORMED,	/* "malformed": a field is missing or of the wrong kind */
	MANIFEST_BAD_SIGNATURE,	/* "bad_signature" */
	MANIFEST_WRONG_REGION,	/* "wrong_region" */
	MANIFEST_NOT_NEWER,	/* "not_newer": a replay or an older one */
	MANIFEST_NOT_TARGETED,	/* "not_targeted" */
	MANIFEST_INVALID_SCHEDULE, /* "invalid_schedule": schedule.c's checks failed */
	MANIFEST_NO_MEMORY,	/* "no_memory" */
};

const char	*manifest_code_name(enum manifest_code);

struct manifest_bulletin {
	char	 sha256[65];
	uint64_t size;
	double	 duration;	/* seconds */
	char	*file;		/* the district's file name, for reports (UTF-8) */
	char	*title;		/* of the first item that plays it */
	size_t	 chunks;
};

struct manifest {
	char	*text;			/* the signed manifest text */
	char	 region[64];
	int64_t	 version;
	char	 issued[40];		/* as signed, ISO 8601 */
	time_t	 issued_at;
	int	 all_stations;
	char	**targets;
	size_t	 n_targets;
	uint32_t chunk_size;
	struct manifest_bulletin *bulletins;	/* distinct, in order of first use */
	size_t	 n_bulletins;
	uint64_t total_bytes;
	size_t	 n_slots;
	char	 key_id[KEYS_ID_HEX + 1];
	struct schedule *sched;		/* items: <bulletin_dir>/<sha256>.opus; NULL once taken */
};

/* --- the district office ---------------------------------------------------------- */

/*
 * What publish measured for one bulletin. The order is schedule.h's
 * sched_slot_bulletin(): slot by slot, each slot's items, then its
 * fallback bulletins.
 */
struct manifest_item_info {
	char	 sha256[65];
	uint64_t size;
	double	 duration;
	const char *name;	/* the bulletin's file name; NULL: the item's own */
};

struct manifest_meta {
	const char	*region;
	int64_t		 version;
	time_t		 issued;
	const char *const *targets;	/* NULL: all the stations of the region */
	size_t		 n_targets;
	uint32_t	 chunk_size;	/* 1024..MANIFEST_CHUNK_BYTES; 0: MANIFEST_CHUNK_BYTES */
};

/*
 * The manifest text for s; info has one entry per bulletin, in the order
 * above (n_info must be schedule_bulletins(s)). NULL with the reason in why when something does not fit the
 * limits above.
 */
char	*manifest_build(const struct schedule *s, const struct manifest_item_info *info,
	    size_t n_info, const struct manifest_meta *meta, char *why, size_t whylen);
/* The envelope to publish: text signed with sk. NULL when memory is short. */
char	*manifest_sign(const char *text, const unsigned char sk[KEYS_SECRET_BYTES]);

/* --- the station --------------------------------------------------------------------- */

/*
 * Versions are publishing times (seconds): a version more than a day past its
 * manifest's own issue time is refused, and so is a manifest issued more than
 * a day past a station's trusted clock, so that no version can lock out every
 * later schedule.
 */
#define MANIFEST_VERSION_AHEAD	86400

struct manifest_check {
	const unsigned char *public_key;	/* KEYS_PUBLIC_BYTES */
	const char	*region;
	const char	*station;
	int64_t		 newest;		/* refuse version <= newest; 0: any */
	const char	*bulletin_dir;		/* where the items' files will be */
	time_t		 trusted_now;		/* the station's clock if trusted, else 0 */
};

/*
 * Checks payload in this order: size, envelope JSON, signature, manifest
 * JSON, region, version, targets, the schedule (with schedule.c's own checks
 * and messages). The manifest, or NULL with *code and a sentence for people
 * in why; *version is the manifest's version once it is known, else 0.
 */
struct manifest	*manifest_verify(const void *payload, size_t len, const struct manifest_check *chk,
		    enum manifest_code *code, int64_t *version, char *why, size_t whylen);
/* The schedule, now the caller's (NULL when already taken). */
struct schedule	*manifest_take_schedule(struct manifest *);
/* The bulletin with this sha256, or NULL. */
const struct manifest_bulletin *manifest_bulletin_find(const struct manifest *, const char *sha256);
void		 manifest_free(struct manifest *);

/* 1 when s is 64 lower-case hex digits. */
int		 manifest_sha256_valid(const char *s);

#endif
