/*
 * What the two halves of the station's district module share: district.c
 * receives and verifies the manifest, arms its schedule and reports;
 * district_fetch.c fetches the bulletins it needs. Not for use outside them.
 */
#ifndef LOAXA_DISTRICT_INT_H
#define LOAXA_DISTRICT_INT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "config/keys.h"
#include "daemon/link/chunkfile.h"
#include "daemon/link/district.h"
#include "daemon/proto/manifest.h"

#define DISTRICT_KV_KEY		"district.manifest"
#define DISTRICT_TMP_PREFIX	".import-district-"
#define DISTRICT_WINDOW		4		/* chunk topics subscribed at once */
#define DISTRICT_STALL_MS	30000		/* no chunk for this long: ask again */
#define DISTRICT_DISK_MARGIN	(16ULL * 1024 * 1024)	/* left free for the queue and the log */
#define DISTRICT_TOPIC_MAX	256
#define DISTRICT_REASON_MAX	640

/* The bulletin being written: survives a newer manifest that still needs it. */
struct part {
	struct chunkfile *cf;
	size_t	 sub[DISTRICT_WINDOW];	/* chunk indexes subscribed */
	int	 nsub;
};

/*
 * A complete bulletin being checked and stored on the store's writer thread
 * (chunkfile_commit_later()): its chunkfile is the job's, not a part's, until
 * district_commit_done(). One at a time: no part starts meanwhile, so no
 * second temporary file of the same name is made under the writer.
 */
struct district_commit {
	struct chunkfile_job *job;	/* NULL: none in flight */
	struct fetch	*f;		/* the fetch it counts for; NULL once that one is gone */
	char		 sha256[65];
	uint64_t	 size;
};

/* A verified manifest whose bulletins are being fetched. */
struct fetch {
	struct manifest	*m;
	char		*payload;	/* the envelope, persisted once armed */
	unsigned char	 hash[32];
	struct part	*part;
	size_t		 missing;	/* bulletins not stored yet */
	uint64_t	 bytes, received;
	int64_t		 progress_ms;
};

struct district {
	int		 configured;
	unsigned char	 pk[KEYS_PUBLIC_BYTES];
	char		 key_id[KEYS_ID_HEX + 1];
	char		 region[64], station[64];
	char		 topic_manifest[DISTRICT_TOPIC_MAX];
	char		 topic_audio[DISTRICT_TOPIC_MAX];	/* "loaxa/<region>/audio/" */
	char		 bdir[PATH_MAX];
	struct store	*store;
	struct store_writer *writer;	/* stores the bulletins fetched */
	struct mqtt	*mqtt;
	struct district_hooks hooks;
	int		 connected;

	struct manifest	*armed;		/* its schedule was handed to the station */
	unsigned char	 armed_hash[32];
	struct fetch	*fetch;
	struct district_commit commit;

	int		 refused;
	int64_t		 ref_version;
	const char	*ref_code;
	char		 ref_reason[DISTRICT_REASON_MAX];
	time_t		 ref_at;
	unsigned char	 ref_hash[32];
};

/* --- district.c ---------------------------------------------------------------------------- */

/* Hands details (taken, may be NULL) to the station's event hook. */
void	district_event(struct district *, const char *event, json_t *details);
/*
 * A manifest is refused (code as in the reports): the schedule in force
 * stays; logged and reported. hash, when not NULL, is remembered so the same
 * payload is not refused again at every reconnect.
 */
void	district_refuse(struct district *, const unsigned char hash[32], int64_t version,
	    const char *code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Every bulletin of the fetch is stored: persist the manifest and arm its schedule. */
void	district_arm(struct district *);
/* Removes stored bulletins neither the armed schedule nor the station refers to. */
void	district_gc(struct district *);

/* --- district_fetch.c ---------------------------------------------------------------------- */

/* Whether the bulletin is stored already (it is renamed into place only once verified). */
int	district_have(const struct district *, const struct manifest_bulletin *);
/*
 * A verified manifest (m, taken; payload and hash its envelope's): fetch what
 * it needs, abandoning the fetch in progress, then arm it; or refuse it when
 * its bulletins would not fit in the storage.
 */
void	district_start(struct district *, struct manifest *m, const void *payload, size_t len,
	    const unsigned char hash[32]);
/* A chunk of a bulletin, from its topic. */
void	district_fetch_chunk(struct district *, const char *sha256, size_t idx, const void *data,
	    size_t len);
/* Abandons the fetch in progress (a newer manifest, a refusal, the end). */
void	district_fetch_drop(struct district *);
/*
 * Frees a fetch; its manifest too unless keep_manifest (it was armed). A
 * commit in flight for it is not its any more: it finishes on its own.
 */
void	district_fetch_free(struct district *, struct fetch *, int keep_manifest);

#endif
