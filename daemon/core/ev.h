/* The event loop: one poll() over sources that say, each iteration, what they wait on. */
#ifndef LOAXA_EV_H
#define LOAXA_EV_H

#include <poll.h>
#include <stdint.h>

#define EV_NO_DEADLINE	INT64_MAX
#define EV_MAX_SOURCES	16
#define EV_MAX_FDS	64

/*
 * A source of events. prepare() fills at most max pollfds (their fds are asked
 * for again every iteration, because they may change) and may lower
 * *deadline_ms, a CLOCK_MONOTONIC time in milliseconds. dispatch() runs after
 * every poll(), with the same pollfds and their revents, whether or not any
 * fired, so that a source can also act on its own deadlines. Neither blocks.
 */
struct ev_source {
	const char *name;
	int	(*prepare)(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms);
	void	(*dispatch)(void *arg, const struct pollfd *pfd, int n, int64_t now_ms);
	void	*arg;
};

struct ev_loop;

struct ev_loop	*ev_new(void);
void		 ev_free(struct ev_loop *);
/* The loop keeps a copy of *src. Returns 0 or -ENOSPC. */
int		 ev_add(struct ev_loop *, const struct ev_source *src);
/* Removes every source whose arg is arg. */
void		 ev_remove(struct ev_loop *, void *arg);
/* One iteration: prepare, poll, dispatch. Returns 0 or a negative errno. */
int		 ev_run_once(struct ev_loop *);
/* Iterates until ev_stop(). */
int		 ev_run(struct ev_loop *);
void		 ev_stop(struct ev_loop *);

#endif
