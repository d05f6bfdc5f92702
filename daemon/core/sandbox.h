/*
 * The cage of a helper process that parses what nobody vouches for (a
 * recording from a phone, a stream from the Internet): after
 * sandbox_enter() it can read and write the descriptors it was given, use
 * memory and time up to a bound, and nothing else. It cannot open a file,
 * make a socket, start a process or gain a privilege (started as root, it
 * becomes nobody first); a system call outside the list kills it (SIGSYS),
 * which its parent reports as a failure. A cage with network may also make
 * IPv4 and IPv6 sockets and use them (loaxa-relay): no other kind of socket,
 * still no file and no process.
 */
#ifndef LOAXA_SANDBOX_H
#define LOAXA_SANDBOX_H

#include <stddef.h>

struct sandbox_limits {
	size_t	 memory;	/* bytes of address space; 0: no bound (ASan needs none) */
	unsigned cpu_seconds;	/* CPU time before SIGXCPU; 0: no bound */
	int	 max_fd;	/* the highest descriptor it keeps; the others are closed (-1: all kept) */
	int	 network;	/* 1: IPv4/IPv6 sockets may be made, connected and used */
};

/* 0, or a negative errno when the cage could not be built (then do not go on). */
int	sandbox_enter(const struct sandbox_limits *);

#endif
