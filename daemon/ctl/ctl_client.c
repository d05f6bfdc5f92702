/*
 * The control socket's client: connect, send one request line (with at most
 * one descriptor), read the one-line reply, all within one deadline. Every
 * failure comes back as a sentence an operator can act on.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/ctl/ctl.h"
#include "daemon/ctl/ctl_client.h"

static int ctl_client_err(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes a sentence into err and returns rc, to keep the error paths short. */
static int
ctl_client_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);	/* a cut sentence still helps */
		va_end(ap);
	}
	return rc;
}

/* Waits for events on s until deadline_ms. Returns 0, -ETIMEDOUT or -errno. */
static int
ctl_client_wait(int s, short events, int64_t deadline_ms)
{
	struct pollfd pfd = { .fd = s, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline_ms - clock_mono_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -errno;
	}
}

static int
ctl_client_connect(const char *path, int timeout_ms, int *out, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
	    .tv_usec = (timeout_ms % 1000) * 1000 };
	int s, e;

	if (path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path))
		return ctl_client_err(err, errlen, -ENAMETOOLONG, _("cannot use \"%s\" as "
		    "the station daemon's socket: the path must have 1 to %zu bytes"),
		    path, sizeof(sun.sun_path) - 1);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return ctl_client_err(err, errlen, -errno, _("cannot create a socket: %s"),
		    strerror(errno));
	/* A UNIX connect() waits in the daemon's backlog up to SO_SNDTIMEO. */
	(void)setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		e = errno;
		close(s);
		if (e == EAGAIN || e == EINPROGRESS)
			return ctl_client_err(err, errlen, -ETIMEDOUT, _("the station daemon "
			    "at %s is too busy to take the command; try again in a moment"),
			    path);
		if (e == EACCES || e == EPERM)
			return ctl_client_err(err, errlen, -e, _("cannot reach the station "
			    "daemon at %s: %s; only root and members of the station's group "
			    "may use it (ask a technician to add you, or use sudo)"), path,
			    strerror(e));
		return ctl_client_err(err, errlen, -e, _("cannot reach the station daemon "
		    "at %s: %s; is loaxad running?"), path, strerror(e));
	}
	if (fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK) == -1) {
		e = errno;
		close(s);
		return ctl_client_err(err, errlen, -e, _("cannot set up the connection to "
		    "%s: %s"), path, strerror(e));
	}
	*out = s;
	return 0;
}

/* One sendmsg(), with fd attached when fd >= 0. */
static ssize_t
ctl_client_sendmsg(int s, const char *buf, size_t len, int fd)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(s, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/*
 * Sends the line, the descriptor with its first bytes. A daemon that hangs up
 * early (it refused the request) is not an error here: its reply says why.
 */
static int
ctl_client_send(int s, const char *line, size_t len, int fd, int64_t deadline_ms,
    const char *path, char *err, size_t errlen)
{
	size_t off = 0;
	ssize_t n;
	int rc;

	while (off < len) {
		n = ctl_client_sendmsg(s, line + off, len - off, off == 0 ? fd : -1);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EPIPE || errno == ECONNRESET)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return ctl_client_err(err, errlen, -errno, _("cannot send the command "
			    "to the station daemon at %s: %s"), path, strerror(errno));
		if ((rc = ctl_client_wait(s, POLLOUT, deadline_ms)) < 0)
			return rc;	/* the caller words the time-out */
	}
	return 0;
}

/* Reads up to the reply's '\n'. Returns its length (without it) or a negative errno. */
static ssize_t
ctl_client_read_line(int s, char **bufp, int64_t deadline_ms)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *p, *nl;
	ssize_t n, rc;

	for (;;) {
		if (len == cap) {
			rc = -EMSGSIZE;
			if (cap >= CTL_CLIENT_REPLY_MAX)
				goto fail;
			cap = cap == 0 ? 4096 : cap * 2;
			rc = -ENOMEM;
			if ((p = realloc(buf, cap)) == NULL)
				goto fail;
			buf = p;
		}
		n = recv(s, buf + len, cap - len, MSG_DONTWAIT);
		if (n > 0) {
			nl = memchr(buf + len, '\n', (size_t)n);
			len += (size_t)n;
			if (nl != NULL) {
				*bufp = buf;
				return nl - buf;
			}
			continue;
		}
		rc = n == 0 || errno == EPIPE ? -ECONNRESET : -errno;
		if (rc == -EINTR)
			continue;
		if (rc != -EAGAIN && rc != -EWOULDBLOCK)
			goto fail;
		if ((rc = ctl_client_wait(s, POLLIN, deadline_ms)) < 0)
			goto fail;
	}
fail:
	free(buf);
	return rc;
}

static int
ctl_client_recv(int s, int64_t deadline_ms, const char *path, json_t **reply,
    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *r;
	ssize_t len;
	char *buf = NULL;

	if ((len = ctl_client_read_line(s, &buf, deadline_ms)) < 0) {
		if (len == -ETIMEDOUT)
			return (int)len;
		if (len == -ECONNRESET)
			return ctl_client_err(err, errlen, -ECONNRESET, _("the station daemon "
			    "at %s closed the connection without answering; see its log "
			    "(journalctl -u loaxad)"),
			    path);
		return ctl_client_err(err, errlen, (int)len, _("cannot read the station "
		    "daemon's answer from %s: %s"), path, strerror((int)-len));
	}
	r = json_loadb(buf, (size_t)len, 0, &jerr);
	free(buf);
	if (r == NULL || !json_is_object(r) || !json_is_boolean(json_object_get(r, "ok"))) {
		json_decref(r);
		return ctl_client_err(err, errlen, -EPROTO, _("the station daemon at %s "
		    "answered something this loaxactl does not understand; are loaxactl "
		    "and loaxad the same version?"), path);
	}
	*reply = r;
	return 0;
}

int
ctl_client_call(const char *path, const json_t *req, int fd, int timeout_ms,
    json_t **reply, char *err, size_t errlen)
{
	int64_t deadline_ms = clock_mono_ms() + timeout_ms;
	char *line;
	size_t len;
	int s = -1, rc;

	*reply = NULL;
	line = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line == NULL)
		return ctl_client_err(err, errlen, -EINVAL, _("cannot encode the command "
		    "for the station daemon (is every text valid UTF-8?)"));
	len = strlen(line);
	if (len + 1 > CTL_REQUEST_MAX) {
		rc = ctl_client_err(err, errlen, -EMSGSIZE, _("the command is too long "
		    "for the station daemon (%zu bytes; at most %d are allowed)"),
		    len + 1, CTL_REQUEST_MAX);
		goto out;
	}
	line[len] = '\n';	/* json_dumps() left room: it ended with a NUL */
	if ((rc = ctl_client_connect(path, timeout_ms, &s, err, errlen)) < 0)
		goto out;
	rc = ctl_client_send(s, line, len + 1, fd, deadline_ms, path, err, errlen);
	if (rc == 0)
		rc = ctl_client_recv(s, deadline_ms, path, reply, err, errlen);
	if (rc == -ETIMEDOUT)
		ctl_client_err(err, errlen, rc, _("the station daemon at %s did not answer "
		    "within %d seconds; it may be busy or stuck. Try again, and if it keeps "
		    "happening, restart loaxad"), path, (timeout_ms + 999) / 1000);
out:
	if (s != -1)
		close(s);
	free(line);
	return rc;
}
