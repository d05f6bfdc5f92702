/*
 * A daemon's signals and systemd's watchdog, as one loop source. SIGTERM and
 * SIGINT stop the loop; SIGHUP calls the daemon's reload, or says there is
 * nothing to reload; SIGPIPE is ignored (a peer that went is an error from
 * write, not the end of the daemon). They arrive through a signalfd, so no
 * handler ever runs in the middle of the loop's work. Once the daemon is
 * ready, WATCHDOG=1 goes to systemd at half the interval it asked for.
 */
#ifndef LOAXA_SIGNALS_H
#define LOAXA_SIGNALS_H

#include "daemon/core/ev.h"

struct signals;

/*
 * Blocks the signals and opens their signalfd. Call it before starting any
 * thread: threads inherit the blocked set, and one started before would take
 * SIGTERM's default action and end the process mid-write. who prefixes the
 * log lines ("loaxad"); reload(arg) runs on SIGHUP (NULL: nothing to
 * reload). NULL, with errno, on failure.
 */
struct signals	*signals_new(struct ev_loop *ev, const char *who, void (*reload)(void *arg),
		    void *arg);
void		 signals_source(struct signals *, struct ev_source *src);
/* The daemon is up: tells systemd (READY=1) and starts feeding its watchdog. */
void		 signals_ready(struct signals *);
/* Closes the signalfd; the signals stay blocked. NULL is fine. */
void		 signals_free(struct signals *);

#endif
