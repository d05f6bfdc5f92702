/*
 * The client side of the control socket (the protocol is in daemon/ctl/ctl.h):
 * one call connects, sends one request with an optional descriptor and waits
 * for the one-line reply. Used by loaxactl and by the tests.
 */
#ifndef LOAXA_CTL_CLIENT_H
#define LOAXA_CTL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#define CTL_CLIENT_REPLY_MAX	(4 * 1024 * 1024)	/* a longer reply is refused */

/*
 * Sends req (with fd attached if fd >= 0; the caller keeps it) to the socket
 * at path and waits up to timeout_ms for the reply. Returns 0 and *reply (a
 * new reference to an object with a boolean "ok", which may be false: the
 * daemon's refusals are replies too), or a negative errno with a sentence for
 * people in err, e.g. "cannot reach the station daemon at
 * /run/loaxa/control.sock: No such file or directory; is loaxad running?".
 * Blocks the caller (it is a client), but never longer than timeout_ms.
 */
int	ctl_client_call(const char *path, const json_t *req, int fd, int timeout_ms,
	    json_t **reply, char *err, size_t errlen);

#endif
