/*
 * What the stations send the district, read back for the collector: the
 * topic's region, station and leaf, and the JSON of an event (a record: a
 * play's event or a note) or of a status. Pure: everything comes in as
 * parameters, nothing is stored from here (collect_db.c does that).
 */
#ifndef LOAXA_COLLECT_MSG_H
#define LOAXA_COLLECT_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define CMSG_ID_MAX	64	/* a region or station id with its NUL: [a-z0-9-]{1,63} */

enum cmsg_leaf { CMSG_EVENTS, CMSG_STATUS };

/*
 * loaxa/<region>/<station>/events or .../status: 0 with the parts, or
 * -EINVAL for any other topic (region and station must be ids).
 */
int	cmsg_topic(const char *topic, char region[CMSG_ID_MAX], char station[CMSG_ID_MAX],
	    enum cmsg_leaf *leaf);

/*
 * One record a station sent, as kept. The strings point into obj (or are
 * NULL when the record has no such field); tags is the "tags" array as JSON
 * text (malloc'd) when the record has one. Free with cmsg_record_clear().
 */
struct cmsg_record {
	json_t		*obj;		/* the parsed record; owns the strings */
	int		 note;		/* 0: a play's event (play_id), 1: a note (id) */
	const char	*ref;		/* play_id, or the note's id */
	const char	*event;
	int64_t		 seq;		/* the station's number for it; 0: none (older stations) */
	time_t		 at;		/* 0: none or unreadable */
	time_t		 scheduled_at;
	const char	*source, *cls, *title, *slot, *file, *sha256, *error, *alert_id;
	const char	*relay;		/* a play's stream (relay, live); NULL for a note or with a sha256 */
	int64_t		 queue_id;	/* 0: none */
	double		 seconds;
	int		 has_seconds;
	char		*tags;
	const char	*station, *region;	/* as the record says (NULL: not said) */
};

/*
 * What kind of event text is: a record (0, *rec filled), the outbox's
 * overflow report (1: not a record, kept as the station's latest), or
 * -EINVAL with a sentence in why: not JSON, not an object, no "event",
 * neither a "play_id" nor an "id", a "seq" that is not a positive whole
 * number, text that is not UTF-8. -ENOMEM.
 */
int	cmsg_record_parse(const char *text, size_t len, struct cmsg_record *rec, char *why,
	    size_t whylen);
void	cmsg_record_clear(struct cmsg_record *);

/* A station's status, retained on its status topic (or its Last Will). */
struct cmsg_status {
	int		 online;
	time_t		 at;		/* 0: none or unreadable */
	const char	*name;		/* NULL: not said (a will says none) */
	int		 stopped;	/* offline: 1 a goodbye, 0 a Last Will, -1 not said (older stations) */
	json_t		*obj;		/* owns name */
};

/*
 * 0 and *st, or -EINVAL with why (not a JSON object, no boolean "online").
 * An empty payload (a retained status removed) is -ENOENT.
 */
int	cmsg_status_parse(const char *text, size_t len, struct cmsg_status *st, char *why,
	    size_t whylen);
void	cmsg_status_clear(struct cmsg_status *);

/*
 * When a station went offline, as best known from what it said: the
 * offline status's own time (a clean stop says goodbye when it stops; a
 * Last Will was written when the station connected) and the latest time
 * heard from it before (its status every status_interval, its records).
 * Both are times the station was still alive, so the later one is the
 * estimate: the goodbye of a clean stop, or the last sign of life before a
 * will. *clean: the status's own word (stopped: 1 a goodbye, 0 a will), or,
 * from stations older than that word (stopped -1), whether the offline
 * status is not older than anything heard before it (a station whose will
 * comes in the very second it started is then taken to have stopped
 * cleanly, at the same time).
 */
time_t	cmsg_offline_at(time_t status_at, time_t last_heard, int stopped, int *clean);

#endif
