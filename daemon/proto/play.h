/*
 * A play: one bulletin as the station plays it and as the reports describe
 * it. The player plays a sequence of them; the reports (report.h) and the
 * as-run log record what became of each, by its play id.
 */
#ifndef LOAXA_PLAY_H
#define LOAXA_PLAY_H

#include <stdint.h>
#include <time.h>

#include "config/schedule.h"

enum play_source { PLAY_SCHEDULE, PLAY_QUEUE, PLAY_ALERT };

/*
 * An attention chime: Ogg Opus in memory, decoded by the player before the
 * first bulletin of a sequence, in the same stream. Immutable once made, and
 * shared (counted references: the loop and the playback thread both let go
 * of items), so that a sequence never waits for the disk to sound it.
 */
struct play_chime {
	_Atomic unsigned refs;
	char	 name[256];	/* for reports: "default", "default-emergency", or the file */
	size_t	 len;
	unsigned char ogg[];
};

struct play_item {
	char	*path;		/* the file to decode */
	char	*file;		/* its name for reports (the operator's name, UTF-8) */
	char	*title;		/* the bulletin's title */
	char	*slot;		/* the slot's title; NULL for a queue item */
	char	 sha256[65];	/* "" until known */
	char	 play_id[33];	/* set by the player at each start or miss */
	enum play_source source;
	enum sched_class cls;	/* normal, priority, emergency */
	struct tags tags;	/* carried in every event of its plays (tags_json.h) */
	int64_t	 queue_id;	/* the queue item's id, or 0 */
	time_t	 scheduled_at;	/* when it was due */
	time_t	 expires;	/* past this it is missed rather than started; 0: never */
	char	 alert_id[64];	/* a district alert's id; "" otherwise */
	int64_t	 published_ms;	/* an alert: when the district published it (wall clock, ms) */
	int	 test;		/* a test alert */
	struct play_chime *chime;	/* sounded before this bulletin (a reference); NULL: none */
	int	 chimed;	/* the player sounded it: its "started" says so */
	int	 volume_set;	/* volume_db was asked for (its slot's, or its class's) */
	double	 volume_db;	/* the volume asked for, in dB */
	double	 gain_db;	/* software gain on its PCM (0 when the mixer sets the volume) */
	/*
	 * A relay (tiếp sóng): path is NULL and the player plays, until ends,
	 * the PCM of the relay helper the station hands it (player_relay_feed),
	 * and the fallback bulletins in a loop while the stream is away.
	 */
	char	*relay;		/* the stream's address, credentials and all; NULL: a bulletin */
	char	**fallback;	/* files */
	size_t	 n_fallback;
	time_t	 ends;		/* a relay stops here (wall clock) */
	int	 stream_heard;	/* while it plays: its stream is what is heard (not the fallback) */
	double	 fallback_s;	/* when it ended: seconds of fallback or silence it played */
	unsigned breaks;	/* when it ended: the times the stream went away */
};

/* Makes dst a deep copy of src: 0, or -ENOMEM with dst cleared. */
int	play_item_copy(struct play_item *dst, const struct play_item *src);
/* Frees what the item owns and zeroes it. */
void	play_item_clear(struct play_item *);
/* A chime of len bytes (copied) named name, with one reference; NULL without memory. */
struct play_chime *play_chime_new(const char *name, const unsigned char *ogg, size_t len);
/* Another reference to c (NULL is fine); returns c. */
struct play_chime *play_chime_ref(struct play_chime *c);
/* Lets go of one reference; the last frees it. NULL is fine. */
void	play_chime_unref(struct play_chime *c);
/* A new random play id (hex) into id[33]. */
void	play_id_new(char id[33]);

#endif
