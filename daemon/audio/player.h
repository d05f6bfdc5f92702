/*
 * The player: plays a sequence of bulletins back to back through one output,
 * without gaps, on a playback thread of its own that waits only for the
 * device. Its callbacks run on the loop (player_source), in the order things
 * happened; none of its functions waits for the device.
 */
#ifndef LOAXA_PLAYER_H
#define LOAXA_PLAYER_H

#include <stdint.h>
#include <time.h>

#include "config/schedule.h"
#include "daemon/audio/output.h"
#include "daemon/core/ev.h"
#include "daemon/proto/play.h"

/* What happened, for the reports, told on the loop. The item stays valid during the call. */
struct player_events {
	void	(*started)(void *arg, struct play_item *it);
	/* event: "finished", "failed", "interrupted" or "missed"; error may be NULL. */
	void	(*ended)(void *arg, struct play_item *it, const char *event,
		    double seconds, const char *error);
	/*
	 * The sequence is over and the device is closed, or the device changed
	 * health, or a relay's stream came or went (its item's stream_heard).
	 */
	void	(*idle)(void *arg);
	void	(*device)(void *arg);
	void	*arg;
};

struct player;

struct player	*player_new(struct output *out, const struct audio_fmt *fmt,
		    const struct player_events *ev);
/* Stops the playback thread, drops what is buffered, and frees; NULL is fine. */
void		 player_free(struct player *);
/* The loop source that delivers the callbacks. */
void		 player_source(struct player *, struct ev_source *src);

/*
 * Takes ownership of items (an array of n, from malloc) whatever the result.
 * The playback thread opens the device and starts at once. -EBUSY while busy.
 */
int		 player_start(struct player *, struct play_item *items, size_t n);
/* Stops the sequence now: the bulletin playing is "interrupted", the rest "missed", all with reason. */
void		 player_stop(struct player *, const char *reason);
/* The same, reporting the bulletin playing as event (e.g. "cancelled") instead of "interrupted". */
void		 player_stop_as(struct player *, const char *event, const char *reason);
/*
 * Cuts the sequence off for something more urgent: the bulletin playing is
 * "interrupted" with reason, and it (to start again from its beginning) and
 * the bulletins after it come back in *items (malloc'd, *n of them; NULL and
 * 0 when nothing is left), owned by the caller.
 */
void		 player_preempt(struct player *, const char *reason, struct play_item **items,
		    size_t *n);
/* The class of the sequence playing (or waiting for the device); normal when idle. */
enum sched_class player_class(struct player *);
/* A sequence is playing, or the loop has not yet been told all about the last one. */
int		 player_busy(struct player *);
/*
 * 1 and a copy of the bulletin now playing (cleared with play_item_clear) and
 * since when (wall clock); 0 (and an empty copy) when none is.
 */
int		 player_current(struct player *, struct play_item *copy, time_t *since);

/* A relay is playing (or waiting for the device): any higher class may cut it off. */
int		 player_relaying(struct player *);
/*
 * The PCM of a relay helper the station started for the relay playing (raw
 * S16_LE at the player's format, non-blocking): the player owns fd from now
 * on, and closes the one before. -ESRCH (fd closed) when no relay plays.
 */
int		 player_relay_feed(struct player *, int fd);
/* Why the relay's stream does not come (the helper's last error), for its "failed". */
void		 player_relay_note(struct player *, const char *why);
/* The stream is away after ms without PCM (PLAYER_STALL_MS until told). */
void		 player_relay_stall(struct player *, int ms);
#define PLAYER_STALL_MS	5000

/* How the device is, as the playback thread last saw it. */
struct player_device_state {
	enum output_health health;
	unsigned long	 xruns;		/* underruns and suspends recovered, ever */
	char		 error[256];	/* a sentence for people when FAILED */
	int		 realtime;	/* the playback thread runs with real-time priority */
};
void		 player_device(struct player *, struct player_device_state *);


#endif
