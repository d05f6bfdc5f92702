/*
 * The control socket's server side: it accepts connections, frames and
 * parses one request line (with at most one passed descriptor), hands it to
 * the handler and writes the reply, all without blocking the station. It
 * knows nothing of queues or players; the protocol is described in ctl.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/ctl/ctl.h"

#define CTL_FDS_MAX	8	/* descriptors one recvmsg() accepts; the kernel drops the rest */
#define CTL_BUF_FIRST	1024	/* the request buffer starts here and doubles up to CTL_REQUEST_MAX */
#define CTL_ACCEPT_BACKOFF_MS 200 /* after EMFILE and the like, so that poll() does not spin */
#define CTL_EXAMPLE	"{\"cmd\":\"status\"}"

struct ctl_client {
	int	 fd;		/* -1 when the slot is free */
	int	 passed_fd;	/* the descriptor the client sent, or -1 */
	int	 writing;	/* 0 while reading the request, 1 while writing the reply */
	int	 later;		/* the handler answers later (ctl_answer) */
	uint64_t token;		/* names the request for ctl_answer */
	int	 pidx;		/* its pollfd in this iteration, or -1 */
	uid_t	 uid;
	pid_t	 pid;
	int64_t	 deadline_ms;
	char	*in;
	size_t	 inlen, incap;
	char	*out;
	size_t	 outlen, outoff;
};

struct ctl {
	int	 fd;
	int	 lidx;		/* the listening socket's pollfd, or -1 */
	int64_t	 accept_after_ms;
	char	 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t	 dev;
	ino_t	 ino;
	ctl_handler handler;
	void	*arg;
	int	 nclients;
	uint64_t requests;	/* served, ever: tokens are never reused */
	struct ctl_client cl[CTL_MAX_CLIENTS];
};

static void ctl_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ctl_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);	/* a truncated sentence is still worth showing */
	va_end(ap);
}

static int ctl_syserr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like ctl_errf() with ": " and strerror(errno) appended; returns -errno. */
static int
ctl_syserr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;
	size_t n;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		n = strlen(err);
		snprintf(err + n, errlen - n, ": %s", strerror(saved));
	}
	return -saved;
}

int
ctl_request_parse(const char *buf, size_t len, json_t **out, char *err, size_t errlen)
{
	const char *nl;
	json_error_t jerr;
	json_t *req, *cmd;
	size_t i, linelen;

	*out = NULL;
	nl = memchr(buf, '\n', len < CTL_REQUEST_MAX ? len : CTL_REQUEST_MAX);
	if (nl == NULL) {
		if (len < CTL_REQUEST_MAX)
			return -EAGAIN;
		ctl_errf(err, errlen, _("the request is longer than %d bytes; send one "
		    "JSON object of at most 64 KiB on one line"), CTL_REQUEST_MAX);
		return -EMSGSIZE;
	}
	linelen = (size_t)(nl - buf);
	for (i = 0; i < linelen && strchr(" \t\r", buf[i]) != NULL; i++)
		;
	if (i == linelen) {
		ctl_errf(err, errlen, _("the request is empty; send one JSON object "
		    "on one line, such as %s"), CTL_EXAMPLE);
		return -EINVAL;
	}
	req = json_loadb(buf, linelen, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		ctl_errf(err, errlen, _("the request is not valid JSON (%s, at character "
		    "%d); send one JSON object on one line, such as %s"),
		    jerr.text, jerr.position, CTL_EXAMPLE);
		return -EINVAL;
	}
	if (!json_is_object(req)) {
		ctl_errf(err, errlen, _("the request is a JSON %s, not an object; send "
		    "one JSON object, such as %s"),
		    json_is_array(req) ? _("array") : _("value"), CTL_EXAMPLE);
		json_decref(req);
		return -EINVAL;
	}
	cmd = json_object_get(req, "cmd");
	if (!json_is_string(cmd) || json_string_length(cmd) == 0) {
		ctl_errf(err, errlen, _("the request has no \"cmd\" string; say which "
		    "command to run, such as %s"), CTL_EXAMPLE);
		json_decref(req);
		return -EINVAL;
	}
	*out = req;
	return 0;
}

/* A JSON string for text that may be cut mid-character or hold stray bytes. */
static json_t *
ctl_json_text(const char *s)
{
	json_t *j = json_string(s);
	char buf[1024];
	size_t i;

	if (j != NULL)
		return j;
	for (i = 0; s[i] != '\0' && i < sizeof(buf) - 1; i++)
		buf[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	buf[i] = '\0';
	return json_string(buf);
}

/* Fills a sockaddr_un, refusing paths that do not fit instead of cutting them. */
static int
ctl_addr(const char *path, struct sockaddr_un *sun, char *err, size_t errlen)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(sun->sun_path)) {
		ctl_errf(err, errlen, _("cannot use \"%s\" as the control socket: the "
		    "path must have 1 to %zu bytes; choose a shorter control.socket"),
		    path, sizeof(sun->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* Creates the socket's directory (one level, 0750) when it is missing. */
static int
ctl_mkdir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	memcpy(dir, path, strlen(path) + 1);	/* ctl_addr() checked the length */
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) == -1) {
		if (errno == EEXIST)
			return 0;
		return ctl_syserr(err, errlen, _("cannot create the directory %s for "
		    "the control socket"), dir);
	}
	/* mkdir() obeyed the umask; say exactly what we mean. */
	if (chmod(dir, 0750) == -1)
		log_warn(_("ctl: cannot chmod 0750 %s"), dir);
	return 0;
}

/*
 * A socket file left by a daemon that died is removed; one that something
 * still answers on is not, so that a second daemon never steals the first
 * one's commands.
 */
static int
ctl_unlink_stale(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int s, rc, saved;

	if (lstat(sun->sun_path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		return ctl_syserr(err, errlen, _("cannot check the control socket %s"),
		    sun->sun_path);
	}
	if (!S_ISSOCK(st.st_mode)) {
		ctl_errf(err, errlen, _("cannot create the control socket %s: a file that "
		    "is not a socket is in the way; remove it or choose another "
		    "control.socket"), sun->sun_path);
		return -EEXIST;
	}
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return ctl_syserr(err, errlen, _("cannot create a socket"));
	rc = connect(s, (const struct sockaddr *)sun, sizeof(*sun));
	saved = errno;
	close(s);
	if (rc == 0 || saved == EAGAIN || saved == EINPROGRESS) {
		ctl_errf(err, errlen, _("another station daemon is already listening on "
		    "%s; stop it first (for example with \"systemctl stop loaxad\") or "
		    "choose another control.socket"), sun->sun_path);
		return -EADDRINUSE;
	}
	if (saved != ECONNREFUSED) {
		ctl_errf(err, errlen, _("cannot check whether a station daemon is "
		    "listening on %s: %s"), sun->sun_path, strerror(saved));
		return -saved;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT)
		return ctl_syserr(err, errlen, _("cannot remove the stale control "
		    "socket %s"), sun->sun_path);
	log_info(_("ctl: removed the stale socket %s"), sun->sun_path);
	return 0;
}

/* Binds with a umask so that the socket is never, even briefly, world-writable. */
static int
ctl_bind(struct ctl *c, const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	mode_t old;
	int rc;

	old = umask(0117);
	rc = bind(c->fd, (const struct sockaddr *)sun, sizeof(*sun));
	umask(old);
	if (rc == -1)
		return ctl_syserr(err, errlen, _("cannot create the control socket %s"),
		    sun->sun_path);
	if (chmod(sun->sun_path, 0660) == -1 || stat(sun->sun_path, &st) == -1 ||
	    listen(c->fd, CTL_MAX_CLIENTS) == -1) {
		rc = ctl_syserr(err, errlen, _("cannot set up the control socket %s"),
		    sun->sun_path);
		unlink(sun->sun_path);
		return rc;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	return 0;
}

struct ctl *
ctl_open(const char *path, ctl_handler h, void *arg, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct ctl *c;
	int i;

	if (ctl_addr(path, &sun, err, errlen) < 0 || ctl_mkdir(path, err, errlen) < 0 ||
	    ctl_unlink_stale(&sun, err, errlen) < 0)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		ctl_syserr(err, errlen, _("cannot create the control socket %s"), path);
		return NULL;
	}
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		c->cl[i].fd = c->cl[i].passed_fd = -1;
	memcpy(c->path, sun.sun_path, sizeof(c->path));
	c->handler = h;
	c->arg = arg;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		ctl_syserr(err, errlen, _("cannot create a socket"));
		goto fail;
	}
	if (ctl_bind(c, &sun, err, errlen) < 0)
		goto fail;
	log_debug("ctl: listening on %s", c->path);
	return c;
fail:
	if (c->fd != -1)
		close(c->fd);
	free(c);
	return NULL;
}

static void
ctl_drop(struct ctl *c, struct ctl_client *cl)
{
	close(cl->fd);
	if (cl->passed_fd != -1)
		close(cl->passed_fd);
	free(cl->in);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = cl->passed_fd = cl->pidx = -1;
	c->nclients--;
}

void
ctl_close(struct ctl *c)
{
	struct stat st;
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd != -1)
			ctl_drop(c, &c->cl[i]);
	close(c->fd);
	/* Another daemon may have replaced the file since; leave theirs alone. */
	if (stat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	free(c);
}

static void
ctl_accept(struct ctl *c, int64_t now)
{
	struct ctl_client *cl;
	struct ucred cred;
	socklen_t len;
	int fd, i;

	while (c->nclients < CTL_MAX_CLIENTS) {
		fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_warn(_("ctl: cannot accept a connection on %s"), c->path);
				c->accept_after_ms = now + CTL_ACCEPT_BACKOFF_MS;
			}
			return;
		}
		for (i = 0; c->cl[i].fd != -1; i++)
			;
		cl = &c->cl[i];
		cl->fd = fd;
		cl->deadline_ms = now + CTL_TIMEOUT_MS;
		cl->uid = (uid_t)-1;
		cl->pid = -1;
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
			cl->uid = cred.uid;
			cl->pid = cred.pid;
		}
		c->nclients++;
	}
}

/* Keeps the first descriptor the client passed and closes every other one. */
static void
ctl_take_fds(struct ctl_client *cl, struct msghdr *msg)
{
	struct cmsghdr *cm;
	int *fds, i, n;

	if (msg->msg_flags & MSG_CTRUNC)
		log_warnx(_("ctl: uid %u passed more than %d descriptors; the kernel "
		    "closed the extra ones"), (unsigned)cl->uid, CTL_FDS_MAX);
	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		fds = (int *)(void *)CMSG_DATA(cm);
		n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < n; i++) {
			if (cl->passed_fd == -1)
				cl->passed_fd = fds[i];
			else
				close(fds[i]);
		}
	}
}

/* Reads what is there. Returns 1 when a request can be parsed, 0 to wait, -1 to drop. */
static int
ctl_read(struct ctl_client *cl)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(CTL_FDS_MAX * sizeof(int))];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;
	char *p;

	for (;;) {
		if (cl->inlen == cl->incap) {
			size_t cap = cl->incap == 0 ? CTL_BUF_FIRST : cl->incap * 2;

			if ((p = realloc(cl->in, cap)) == NULL)
				return -1;
			cl->in = p;
			cl->incap = cap;
		}
		iov.iov_base = cl->in + cl->inlen;
		iov.iov_len = cl->incap - cl->inlen;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(cl->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		ctl_take_fds(cl, &msg);
		if (n == 0) {
			if (cl->inlen > 0)
				log_debug("ctl: uid %u hung up in the middle of a request",
				    (unsigned)cl->uid);
			return -1;
		}
		if (memchr(cl->in + cl->inlen, '\n', (size_t)n) != NULL ||
		    cl->inlen + (size_t)n >= CTL_REQUEST_MAX) {
			cl->inlen += (size_t)n;
			return 1;
		}
		cl->inlen += (size_t)n;
	}
}

/* Serializes the reply with "ok" first. Returns 0 or -ENOMEM. */
static int
ctl_encode(struct ctl_client *cl, int ok, json_t *reply, const char *fallback)
{
	json_t *all, *e;
	char *s, *p;
	size_t len;

	if ((all = json_pack("{s:b}", "ok", ok)) == NULL)
		return -ENOMEM;
	json_object_del(reply, "ok");
	json_object_update(all, reply);
	e = json_object_get(all, "error");
	if (!ok && (!json_is_string(e) || json_string_length(e) == 0))
		json_object_set_new(all, "error", ctl_json_text(fallback));
	s = json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(all);
	if (s == NULL)
		return -ENOMEM;
	len = strlen(s);
	if ((p = realloc(s, len + 2)) == NULL) {
		free(s);
		return -ENOMEM;
	}
	p[len] = '\n';
	p[len + 1] = '\0';
	cl->out = p;
	cl->outlen = len + 1;
	return 0;
}

static int	ctl_write(struct ctl_client *);

/* The handler answers later: the request is read; nothing to poll until then. */
static void
ctl_wait_answer(struct ctl_client *cl, int64_t now)
{
	if (cl->passed_fd != -1) {
		close(cl->passed_fd);
		cl->passed_fd = -1;
	}
	free(cl->in);
	cl->in = NULL;
	cl->inlen = cl->incap = 0;
	cl->later = 1;
	cl->deadline_ms = now + CTL_LATER_MS;
}

int
ctl_answer(struct ctl *c, uint64_t token, int rc, json_t *reply)
{
	struct ctl_client *cl = NULL;
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS && cl == NULL; i++)
		if (c->cl[i].fd != -1 && c->cl[i].later && c->cl[i].token == token)
			cl = &c->cl[i];
	if (cl == NULL)
		return -ENOENT;
	cl->later = 0;
	cl->writing = 1;
	cl->deadline_ms = clock_mono_ms() + CTL_TIMEOUT_MS;
	if (ctl_encode(cl, rc == 0, reply, _("the station daemon could not carry out the "
	    "request; see its log for why")) < 0) {
		ctl_drop(c, cl);
		return -ENOMEM;
	}
	/* Replies are small and the socket buffer empty: usually done at once. */
	if ((rc = ctl_write(cl)) != 0)
		ctl_drop(c, cl);
	return 0;
}

/* Parses the request, runs the handler and prepares the reply. Returns 0 or -1 to drop. */
static int
ctl_serve(struct ctl *c, struct ctl_client *cl, int64_t now)
{
	struct ctl_request rq;
	json_t *req = NULL, *reply;
	char err[512], fallback[256];
	int rc;

	if ((reply = json_object()) == NULL)
		return -1;
	rc = ctl_request_parse(cl->in, cl->inlen, &req, err, sizeof(err));
	if (rc == 0) {
		memset(&rq, 0, sizeof(rq));
		rq.req = req;
		rq.cmd = json_string_value(json_object_get(req, "cmd"));
		rq.fd = cl->passed_fd;
		rq.uid = cl->uid;
		rq.pid = cl->pid;
		rq.token = cl->token = ++c->requests;
		log_debug("ctl: \"%s\" from uid %u (pid %d)", rq.cmd, (unsigned)rq.uid,
		    (int)rq.pid);
		rc = c->handler(c->arg, &rq, reply);
		if (rq.fd == -1)
			cl->passed_fd = -1;	/* the handler owns it now */
		ctl_errf(fallback, sizeof(fallback), _("the station daemon could not "
		    "carry out \"%s\"; see its log for why"), rq.cmd);
		if (rc == CTL_LATER) {
			ctl_wait_answer(cl, now);
			json_decref(reply);
			json_decref(req);
			return 0;
		}
	} else {
		log_info(_("ctl: refused a request from uid %u: %s"), (unsigned)cl->uid, err);
		json_object_set_new(reply, "error", ctl_json_text(err));
		ctl_errf(fallback, sizeof(fallback), "%s", err);
	}
	if (cl->passed_fd != -1) {
		close(cl->passed_fd);
		cl->passed_fd = -1;
	}
	rc = ctl_encode(cl, rc == 0, reply, fallback);
	json_decref(reply);
	json_decref(req);
	free(cl->in);
	cl->in = NULL;
	cl->inlen = cl->incap = 0;
	cl->writing = 1;
	cl->deadline_ms = now + CTL_TIMEOUT_MS;
	return rc < 0 ? -1 : 0;
}

/* Writes what the socket takes. Returns 1 when all is sent, 0 to wait, -1 to drop. */
static int
ctl_write(struct ctl_client *cl)
{
	ssize_t n;

	while (cl->outoff < cl->outlen) {
		n = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		cl->outoff += (size_t)n;
	}
	return 1;
}

static void
ctl_client_io(struct ctl *c, struct ctl_client *cl, int64_t now)
{
	int rc;

	if (!cl->writing) {
		rc = ctl_read(cl);
		if (rc == 1)
			rc = ctl_serve(c, cl, now);
		if (rc < 0 || !cl->writing || cl->later) {
			if (rc < 0)
				ctl_drop(c, cl);
			return;
		}
	}
	/* Replies are small and the socket buffer empty: usually done at once. */
	if ((rc = ctl_write(cl)) != 0) {
		if (rc < 0)
			log_debug("ctl: uid %u went away before reading its reply",
			    (unsigned)cl->uid);
		ctl_drop(c, cl);
	}
}

static int
ctl_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	struct ctl *c = arg;
	struct ctl_client *cl;
	int i, n = 0;

	c->lidx = -1;
	if (c->nclients < CTL_MAX_CLIENTS && n < max) {
		if (c->accept_after_ms <= clock_mono_ms()) {
			pfd[n].fd = c->fd;
			pfd[n].events = POLLIN;
			c->lidx = n++;
		} else if (c->accept_after_ms < *deadline_ms)
			*deadline_ms = c->accept_after_ms;
	}
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		cl = &c->cl[i];
		cl->pidx = -1;
		if (cl->fd == -1)
			continue;
		if (cl->deadline_ms < *deadline_ms)
			*deadline_ms = cl->deadline_ms;
		if (n == max || cl->later)
			continue;
		pfd[n].fd = cl->fd;
		pfd[n].events = cl->writing ? POLLOUT : POLLIN;
		cl->pidx = n++;
	}
	return n;
}

static void
ctl_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct ctl *c = arg;
	struct ctl_client *cl;
	int i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		cl = &c->cl[i];
		if (cl->fd == -1 || cl->pidx < 0 || cl->pidx >= n ||
		    pfd[cl->pidx].fd != cl->fd || pfd[cl->pidx].revents == 0)
			continue;
		ctl_client_io(c, cl, now);
	}
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		cl = &c->cl[i];
		if (cl->fd == -1 || now < cl->deadline_ms)
			continue;
		if (cl->later)
			log_warnx(_("ctl: gave up on a request from uid %u (pid %d) that took "
			    "longer than %d s"), (unsigned)cl->uid, (int)cl->pid, CTL_LATER_MS / 1000);
		else
			log_info(_("ctl: dropped a connection from uid %u (pid %d) that did not %s "
			    "within %d s"), (unsigned)cl->uid, (int)cl->pid, cl->writing ?
			    _("read its reply") : _("send a whole request"), CTL_TIMEOUT_MS / 1000);
		ctl_drop(c, cl);
	}
	if (c->lidx >= 0 && c->lidx < n && pfd[c->lidx].fd == c->fd &&
	    (pfd[c->lidx].revents & POLLIN))
		ctl_accept(c, now);
}

void
ctl_source(struct ctl *c, struct ev_source *out)
{
	memset(out, 0, sizeof(*out));
	out->name = "ctl";
	out->prepare = ctl_prepare;
	out->dispatch = ctl_dispatch;
	out->arg = c;
}
