/*
 * Host name lookups that never block the event loop. getaddrinfo() waits as
 * long as the name servers make it (10 s and more when a 3G modem's DNS is
 * silent), so each lookup runs in a detached thread of its own, which hands
 * its answer back over a socket the loop polls. The loop keeps a deadline of
 * its own and may walk away from a lookup at any time; the thread then ends
 * on its own when getaddrinfo() returns.
 */
#ifndef LOAXA_RESOLVE_H
#define LOAXA_RESOLVE_H

#include <stdint.h>

#define RESOLVE_HOST_MAX	253	/* the longest DNS name */
#define RESOLVE_ADDR_MAX	4	/* addresses kept from one answer */
/* INET6_ADDRSTRLEN (46) and an IPv6 zone: "fe80::1%wwan0" */
#define RESOLVE_ADDR_LEN	64
#define RESOLVE_ERROR_MAX	160
/* Lookups still stuck in getaddrinfo() at once, abandoned ones included. */
#define RESOLVE_RUNNING_MAX	4

/* What a lookup found: numeric addresses, in getaddrinfo()'s order of preference. */
struct resolve_answer {
	int	 naddr;
	char	 addr[RESOLVE_ADDR_MAX][RESOLVE_ADDR_LEN];
	char	 error[RESOLVE_ERROR_MAX];	/* a sentence for people when naddr is 0 */
};

struct resolve;

/*
 * When host is an IPv4 or IPv6 address, not a name: 0 and the address in
 * out (no lookup, no thread, nothing that can wait). -EINVAL for a name.
 */
int		 resolve_numeric(const char *host, struct resolve_answer *out);

/*
 * Starts looking host up (TCP addresses, any family) in a thread, to be
 * given up timeout_ms from now. NULL with errno set when the
 * name is too long (EINVAL), resources are short, or RESOLVE_RUNNING_MAX
 * lookups are still waiting for their name servers (EAGAIN).
 */
struct resolve	*resolve_start(const char *host, int timeout_ms);

/* The fd to poll for POLLIN: it becomes readable when the answer is there. */
int		 resolve_fd(const struct resolve *);
/* When the lookup will be given up: a CLOCK_MONOTONIC time in milliseconds. */
int64_t		 resolve_deadline(const struct resolve *);

/*
 * Takes the answer without waiting. 0 with at least one address in out;
 * -EINPROGRESS while the thread is still at it and the deadline has not
 * passed; on failure a negative code and out->error: -ETIMEDOUT (now is past
 * the deadline), -ENOENT (no such name, or no address for it), -EIO (the
 * lookup failed otherwise, e.g. the name servers could not be reached).
 */
int		 resolve_finish(struct resolve *, int64_t now, struct resolve_answer *out);

/* Forgets the lookup, finished or not; never waits for its thread. NULL is a no-op. */
void		 resolve_free(struct resolve *);

/* How many lookup threads are running now, abandoned ones included (for tests). */
int		 resolve_running(void);

#endif
