/*
 * A live broadcast sent to the district's stream server ('loaxactl live'):
 * the sound encoded to Ogg Opus by libopusenc through its callbacks, in small
 * pages (OPE_SET_MUXING_DELAY of 100 ms, no decision lookahead), and sent
 * as they come to Icecast as its source: an HTTP PUT of audio/ogg with
 * libcurl's multi interface, user "source", over TLS checked against the
 * district's CA when the server is https.
 *
 * Icecast 2.4 (Debian 12's icecast2) takes PUT, but reads a chunked body as
 * it is, the chunk sizes in the middle of the Ogg stream: the body goes
 * unframed, as libshout sends it, and the end of the broadcast is the
 * end of the connection (live_send_free): a TCP reset, since icecast2 2.4.4
 * misses the clean close of a TLS source (live_send.c, conn_cut).
 *
 * One thread: the caller feeds frames (live_send_write) and waits in
 * live_send_step, which runs the transfer and wakes for the caller's own
 * descriptor (the microphone's) too.
 */
#ifndef LOAXA_LIVE_SEND_H
#define LOAXA_LIVE_SEND_H

#include <poll.h>
#include <stddef.h>

#define LIVE_SEND_MAX_BYTES	(256 * 1024)	/* encoded sound waiting for the server: ~1 min */

struct live_send_opts {
	const char	*url;		/* the mount: server + "/live-<id>.opus" */
	const char	*password;	/* the server's source password */
	const char	*ca;		/* the CA that signed an https server's certificate; NULL: the system's */
	int		 bitrate;	/* bits per second */
	const char	*title;		/* the TITLE tag, or NULL */
};

enum live_send_state {
	LIVE_SEND_CONNECTING,		/* not yet accepted by the server */
	LIVE_SEND_ON,			/* the server took the source: the mount is up */
};

struct live_send;

/* Starts the encoder and the connection; NULL with a sentence for the operator in why. */
struct live_send *live_send_new(const struct live_send_opts *, char *why, size_t whylen);
/* Encodes n mono samples at 48 kHz. 0, or -errno with why set (the server does not keep up). */
int	live_send_write(struct live_send *, const float *pcm, size_t n, char *why, size_t whylen);
/* Encodes what is held and the stream's last page. */
int	live_send_drain(struct live_send *);
/* 1 when everything encoded has been handed to the connection. */
int	live_send_flushed(const struct live_send *);
/*
 * Runs the transfer, waiting at most wait_ms for it or for fds. The state,
 * or -errno when the server refused or ended the broadcast, or cannot be
 * reached, with a sentence for the operator in why.
 */
int	live_send_step(struct live_send *, struct pollfd *fds, int nfds, long wait_ms,
	    char *why, size_t whylen);
/* Closes the connection (the server ends the mount) and frees. NULL is a no-op. */
void	live_send_free(struct live_send *);

#endif
