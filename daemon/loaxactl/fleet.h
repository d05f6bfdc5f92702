/*
 * The fleet view of 'loaxactl stations': what the district knows of each of
 * its stations from their retained statuses, the district schedule retained
 * on the broker and, when there is one, the district's list of enrolled
 * stations. Pure: the payloads, the list and the time come in as parameters;
 * fleet_sub.c fetches them, fleet_dir.c reads the list, fleet_out.c prints.
 *
 * The order of the calls:
 *	f = fleet_new(region);
 *	fleet_add_status(f, id, payload, len) ...	(as they arrive; the last one counts)
 *	fleet_set_schedule(f, payload, len, pk);	(optional)
 *	fleet_enrolment_known(f); fleet_add_enrolled(f, ...) ...	(optional)
 *	fleet_evaluate(f, now, stale_s);
 *	fleet_station(f, i) for i < fleet_count(f), problems first;
 *	fleet_free(f);
 */
#ifndef LOAXA_FLEET_H
#define LOAXA_FLEET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "config/keys.h"

#define FLEET_STATUS_MAX	(64 * 1024)	/* a station's status is 1 to 10 KiB */
#define FLEET_STATIONS_MAX	100000		/* statuses kept; past that the view says so */
#define FLEET_PROBLEMS_MAX	12
#define FLEET_STALE_DEFAULT	(15 * 60)	/* an "online" status older than this is suspect */
#define FLEET_CERT_WARN_DAYS	30		/* as the station's own status warns */
/*
 * Storage nearly full: less free than either. A station needs room for the
 * district's bulletins (a few MiB each) and its logs; a card this full is
 * one schedule away from refusing to fetch.
 */
#define FLEET_DISK_LOW_PERCENT	10
#define FLEET_DISK_LOW_BYTES	(256ULL * 1024 * 1024)
/*
 * Outbox backlog: more reports waiting than this while the station says it
 * is online. Connected, it sends them within seconds, so a backlog that
 * stays means the broker refuses or the link barely carries them.
 */
#define FLEET_OUTBOX_BACKLOG	100

/* The order of the view: problems first, the healthy last, revoked stations after them. */
enum fleet_state {
	FLEET_OFFLINE,		/* its last word is "online": false (a clean stop or its Last Will) */
	FLEET_UNKNOWN,		/* enrolled, and no status (or no readable status) retained */
	FLEET_ONLINE,		/* its retained status says "online": true */
	FLEET_REVOKED,		/* its certificate was revoked: not part of the fleet any more */
};

/* One fault, for scripts (code, stable) and for people (text, translated). */
struct fleet_problem {
	const char	*code;	/* "offline", "never_reported", "muted", ... (see fleet.c) */
	char		*text;
};

struct fleet_station {
	char		 id[64];
	char		*name;		/* from its status, else from the district's list; may be NULL */
	json_t		*status;	/* its retained status (an object), or NULL */
	int		 enrolled;	/* 1, 0, or -1 when the district's list is not known */
	enum fleet_state state;
	int		 healthy;	/* online, and no problem */
	time_t		 at;		/* the status's "at"; 0: none */
	time_t		 since;		/* online: at - uptime; stopped: at; 0: not known */
	int64_t		 district_version;	/* the district schedule it has armed; 0: none */
	struct fleet_problem problems[FLEET_PROBLEMS_MAX];
	size_t		 n_problems;
};

/* The district schedule retained at loaxa/<region>/schedule, as the stations see it. */
struct fleet_schedule {
	int		 present;	/* a manifest was retained and could be read */
	int		 verified;	/* its signature was checked with the district's key */
	int64_t		 version;
	char		 issued[40];
	int		 all;		/* for every station of the region, else for targets */
	char		**targets;
	size_t		 n_targets;
	char		 why[512];	/* when one was retained but could not be used */
};

struct fleet;

/* An empty view of region's stations; NULL when out of memory. */
struct fleet	*fleet_new(const char *region);
void		 fleet_free(struct fleet *);	/* NULL is a no-op */

/*
 * The status retained (or just published) at loaxa/<region>/<id>/status; a
 * later one of the same station replaces it. A payload that is not a loaxa
 * status is kept as such, and shown as a problem. 0, -EINVAL when id is not a
 * station id, -ENOSPC past FLEET_STATIONS_MAX, or -ENOMEM.
 */
int	fleet_add_status(struct fleet *, const char *id, const void *payload, size_t len);
/*
 * The signed manifest retained at loaxa/<region>/schedule. With pk (the
 * district's public key, KEYS_PUBLIC_BYTES) only a manifest it signed is
 * taken; without, its version is read unverified. 0, or -EINVAL with the
 * reason in the schedule's why (the schedule then counts as absent).
 */
int	fleet_set_schedule(struct fleet *, const void *payload, size_t len,
	    const unsigned char *pk);
const struct fleet_schedule *fleet_schedule(const struct fleet *);

/* The district's list of stations is known (even when it turns out empty). */
void	fleet_enrolment_known(struct fleet *);
/* One station of that list; name may be NULL. 0, -EINVAL, -ENOSPC or -ENOMEM. */
int	fleet_add_enrolled(struct fleet *, const char *id, const char *name, int revoked);

/*
 * Merges what came in into one entry per station, finds each one's
 * problems as of now (stale_s: an online status older than this is a
 * problem), and sorts them: offline, never reported, online with problems,
 * healthy, revoked; by id within each. 0 or -ENOMEM.
 */
int	fleet_evaluate(struct fleet *, time_t now, int stale_s);
size_t	fleet_count(const struct fleet *);
const struct fleet_station *fleet_station(const struct fleet *, size_t i);
/* Stations per state, after fleet_evaluate; *healthy counts the healthy online ones. */
void	fleet_tally(const struct fleet *, size_t n[4], size_t *healthy);
/* 1 when at least one station is known and every one not revoked is online and healthy. */
int	fleet_all_healthy(const struct fleet *);
const char *fleet_region(const struct fleet *);
/* secs as people read an age: "45 s", "12 min", "3 h 05 min", "5 d 3 h". */
void	fleet_fmt_age(long long secs, char *buf, size_t len);
/* The state as a word for scripts: "online", "offline", "unknown", "revoked". */
const char *fleet_state_name(enum fleet_state);

#endif
