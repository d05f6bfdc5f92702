/*
 * Test helper: a private mosquitto (Debian's /usr/sbin/mosquitto) on a free
 * port of 127.0.0.1, with its own configuration in a temporary directory,
 * stopped by its own PID. Start a zeroed struct broker; start it again after
 * broker_kill() for the same port (and, when persistent, the same retained
 * messages); broker_stop() when done.
 */
#ifndef LOAXA_TESTS_BROKER_H
#define LOAXA_TESTS_BROKER_H

#include <sys/types.h>

#define BROKER_WAIT_MS	15000

struct broker {
	int	 port;		/* 0: pick a free one at the first start */
	int	 persistent;	/* keep retained messages across a restart, as a real broker does */
	pid_t	 pid;		/* 0 while not running */
	int	 errfd;		/* the broker's log (its stderr), read end */
	char	 dir[64];	/* its configuration and, if persistent, its database */
	char	 conf[128];
};

/* A port of 127.0.0.1 that was free a moment ago, or -1. */
int	broker_free_port(void);
/* Starts mosquitto and waits until it says it runs. 0 or a negative errno. */
int	broker_start(struct broker *);
/* Sends sig to the broker and reaps it (SIGKILL: a crash; SIGTERM: a clean stop). */
void	broker_kill(struct broker *, int sig);
/* Stops the broker (even a SIGSTOPped one) and removes its directory. */
void	broker_stop(struct broker *);
/*
 * Reads fd until needle appears or ms pass: 0, -ETIMEDOUT, or -EPIPE when
 * the writer went away. For the broker's log, or any child's output.
 */
int	broker_wait_text(int fd, const char *needle, int ms);

#endif
