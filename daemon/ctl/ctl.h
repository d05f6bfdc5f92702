/*
 * The control socket: how loaxactl (and anything else on the controller)
 * asks the station daemon to do something. ctl only speaks the protocol;
 * what a command means is up to the handler it is given.
 *
 * The protocol
 * ------------
 * A UNIX stream socket (by default /run/loaxa/control.sock, mode 0660, so
 * only root and the socket's group may talk to the station). One request per
 * connection:
 *
 *   1. The client connects and sends ONE JSON object on ONE line, ending
 *      with '\n', at most CTL_REQUEST_MAX bytes counting the '\n'. The object
 *      has a "cmd" string; the other members depend on the command:
 *        {"cmd":"status"}
 *        {"cmd":"queue","name":"bản tin.opus","title":"Thông báo","duration":61.5}
 *   2. The client may attach ONE open file descriptor (SCM_RIGHTS) to the
 *      first bytes it sends. "queue" uses this: loaxactl opens the operator's
 *      file and passes it, so the daemon never needs permission to read the
 *      operator's USB stick. Extra descriptors are closed and ignored.
 *   3. The server answers ONE JSON object on ONE line (UTF-8, ending with
 *      '\n') and closes the connection:
 *        {"ok":true, ...command-specific members...}
 *        {"ok":false,"error":"a sentence for people",
 *         "details":["file:line: setting: reason", ...]}   (details optional)
 *
 * A client must send its whole request, and read its whole reply, within
 * CTL_TIMEOUT_MS of being accepted, or it is dropped. At most CTL_MAX_CLIENTS
 * are served at once; the others wait in the listen backlog. A line longer
 * than CTL_REQUEST_MAX, text that is not JSON, JSON that is not an object,
 * and an object without a "cmd" string all get an error reply.
 */
#ifndef LOAXA_CTL_H
#define LOAXA_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "daemon/core/ev.h"

#define CTL_REQUEST_MAX		65536	/* bytes in a request line, '\n' included */
#define CTL_MAX_CLIENTS		16	/* connections served at once */
#define CTL_TIMEOUT_MS		5000	/* from accept to the last byte of the reply */
#define CTL_LATER_MS		300000	/* how long an answer given later may take */
#define CTL_LATER		1	/* a handler's result: the answer comes with ctl_answer() */
#define CTL_DEFAULT_SOCKET	"/run/loaxa/control.sock"

struct ctl;

struct ctl_request {
	const json_t	*req;	/* the parsed object; "cmd" is a string (checked by ctl) */
	const char	*cmd;
	int		 fd;	/* the passed descriptor or -1; the handler takes
				 * ownership if it sets it to -1 */
	uid_t		 uid;	/* the peer, from SO_PEERCRED (for logs: */
	pid_t		 pid;	/* "queued by uid 1000") */
	uint64_t	 token;	/* names this request in ctl_answer() */
};

/*
 * Fills reply (an empty object ctl created) and returns 0, or returns a
 * negative code after setting "error" in reply (and "details", an array of
 * strings, if it helps); ctl adds "ok". A handler never blocks: work that
 * waits for the disk returns CTL_LATER (reply is then dropped) and answers
 * with ctl_answer(rq->token) when it is done, within CTL_LATER_MS.
 */
typedef int (*ctl_handler)(void *arg, struct ctl_request *rq, json_t *reply);

/*
 * Creates the socket at path: its directory if missing (0750), then, if a
 * socket file is already there, removes it only when nothing answers on it
 * (another daemon alive there makes ctl_open fail), then binds with a umask,
 * chmods 0660 (never world-writable) and listens. Returns NULL with a
 * sentence for people in err on failure.
 */
struct ctl	*ctl_open(const char *path, ctl_handler h, void *arg, char *err, size_t errlen);
/*
 * The answer to a request whose handler returned CTL_LATER: rc and reply as a
 * handler would give them (reply is not taken). -ENOENT when the client is
 * gone (it gave up, or timed out): nothing is sent.
 */
int		 ctl_answer(struct ctl *, uint64_t token, int rc, json_t *reply);
/* Closes every client and the socket and unlinks it (if it is still ours). */
void		 ctl_close(struct ctl *);
/* Describes ctl as an event-loop source, for ev_add(). */
void		 ctl_source(struct ctl *, struct ev_source *out);

/*
 * The pure part, exposed for tests and the fuzzer: parses the first len bytes
 * received on a connection. Returns 0 and *out (a new reference; its "cmd" is
 * a non-empty string) when they hold a whole, valid request line; -EAGAIN
 * when more bytes are needed; -EMSGSIZE when there is no '\n' within
 * CTL_REQUEST_MAX bytes; -EINVAL when the line is not JSON, not an object or
 * has no "cmd" string. On an error err gets a sentence for people.
 */
int		 ctl_request_parse(const char *buf, size_t len, json_t **out,
		    char *err, size_t errlen);

#endif
