/*
 * Inside the player: the state both threads share, under one lock. The
 * playback thread (player.c) runs the sequence (player_seq.c) while holding
 * the lock for one short step at a time, never while it waits in poll(); the
 * loop takes the lock only to look or to start, stop or preempt. What the
 * playback thread has to tell the loop (a bulletin started or ended, the
 * device changed, the sequence is over) is queued as messages, in order, and
 * delivered on the loop.
 */
#ifndef LOAXA_PLAYER_INT_H
#define LOAXA_PLAYER_INT_H

#include <pthread.h>

#include "daemon/audio/player.h"

#define PLAYER_BUF_FRAMES	2048	/* decoded at most in one go */
#define RETRY_FIRST_MS		1000	/* the first wait before opening the device again */

enum player_state { P_IDLE, P_OPENING, P_PLAYING, P_DRAINING };

enum player_msg_kind { MSG_STARTED, MSG_ENDED, MSG_IDLE, MSG_DEVICE };

/* One thing to tell the loop; it owns a copy of the item, since the sequence moves on. */
struct player_msg {
	enum player_msg_kind	 kind;
	struct play_item	 item;
	char			 event[16];
	double			 seconds;
	char			*error;
	struct player_msg	*next;
};

struct player {
	pthread_mutex_t		 lock;
	/*
	 * The loop wants the lock: the thread lets it in between two writes
	 * and waits on turn until it is done. A mutex is not fair, and a device
	 * whose writes block (a paced pipe) would otherwise starve the loop.
	 */
	_Atomic int		 loop_wants;
	pthread_cond_t		 turn;
	pthread_t		 thread;
	int			 thread_started;
	int			 quit;		/* the thread is to return */
	int			 wake_fd;	/* eventfd: the loop changed something; look again */
	int			 msg_fd;	/* eventfd: messages wait for the loop */
	unsigned		 gen;		/* bumped by every change the loop makes */
	int			 realtime;	/* the thread got SCHED_FIFO */

	struct player_msg	*msgs, **msgs_tail;

	/* The sequence (player_seq.c); the thread and the loop both use it under lock. */
	struct output		*out;
	struct audio_fmt	 fmt;
	struct player_events	 ev;
	enum player_state	 state;

	struct play_item	*items;
	int64_t			*expire_ms;	/* each item's expiry on the monotonic clock; 0: none */
	size_t			 n, cur;
	struct opus_reader	*rd;		/* the current item's decoder, or NULL */
	int			 in_chime;	/* rd decodes the current item's chime, not the item */
	int			 chime_done;	/* the current item's chime was sounded or given up */
	float			 gain;		/* the current item's software gain, linear */
	uint64_t		 clamped;	/* samples of it the gain took past full scale */
	int			 started;	/* the current item sent "started" */
	uint64_t		 written;	/* frames of the current item written */
	time_t			 since;		/* set by the loop when told "started"; 0 until then */

	int16_t			*buf;		/* decoded, not yet written */
	size_t			 buf_len, buf_pos;

	/* A relay playing (player_relay.c). */
	int			 relay_stall_ms;	/* the stream is away after this without PCM */
	int64_t			*ends_ms;	/* each relay's end on the monotonic clock; 0: none */
	int			 relay_on;	/* the current item is a relay */
	int			 relay_fd;	/* its helper's PCM, non-blocking; -1: none */
	int			 relay_live;	/* its stream comes */
	int			 relay_playing;	/* its stream is what is heard */
	int			 relay_ever;	/* its stream was heard at least once */
	int			 relay_cushion;	/* (back) on: wait for a cushion of it */
	int			 relay_cushion_ms;	/* how long it must come first */
	int64_t			 relay_since;	/* it has come since (monotonic ms); 0: not yet */
	int			 relay_polled;	/* seq_prepare waits on relay_fd, not the device */
	int64_t			 relay_end, relay_begun, relay_heard;	/* monotonic ms */
	uint64_t		 relay_frames, fallback_frames;
	unsigned		 relay_breaks;
	unsigned char		*relay_ring;	/* the stream's PCM, not yet written */
	size_t			 relay_ring_len, relay_ring_cap;
	struct opus_reader	*fb_rd;		/* the fallback bulletin playing */
	size_t			 fb_cur;
	int			 fb_broken;	/* no fallback bulletin could be played */
	char			 relay_why[256];	/* the helper's last error, from the loop */

	int64_t			 retry_at;	/* OPENING: when to try the device again */
	int			 backoff;
	int64_t			 drain_at;	/* DRAINING: when the device is empty */
};

/* player.c: the loop waits for the lock (seq_write yields to it between writes). */
int	player_loop_waits(struct player *);
/* player.c: queues a message for the loop (under lock). it and error may be NULL. */
void	player_post(struct player *, enum player_msg_kind kind, const struct play_item *it,
	    const char *event, double seconds, const char *error);

/* player_seq.c: the sequence, always called with the lock held. */
void	seq_clear(struct player *);
/*
 * The thread reads no wall clock (it would race with the loop's in libfaketime,
 * and a clock step is the loop's business): expiries come as monotonic times.
 */
int	seq_start(struct player *, struct play_item *items, size_t n, int64_t now_ms, time_t wall);
void	seq_stop_as(struct player *, const char *event, const char *reason);
void	seq_preempt(struct player *, const char *reason, struct play_item **items, size_t *n);
int	seq_prepare(struct player *, struct pollfd *pfd, int max, int64_t *deadline);
void	seq_dispatch(struct player *, const struct pollfd *pfd, int n, int64_t now);

/* player_relay.c: a relay in the sequence, always called with the lock held. */
int	relay_begin(struct player *, int64_t now);
void	relay_end(struct player *, struct play_item *it);
void	relay_feed(struct player *, int fd);
long	relay_read(struct player *, int16_t *out, size_t want, int64_t now, long delay);
int	relay_prepare(struct player *, struct pollfd *pfd, int max, int64_t now,
	    int64_t *deadline);
double	relay_seconds(const struct player *);

#endif
