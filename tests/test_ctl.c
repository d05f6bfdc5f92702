/*
 * The control socket, for real: the server runs in this process's event loop
 * with a handler that echoes; clients are forked children using
 * ctl_client_call(), raw sockets driven by the same loop (for the hostile
 * cases), and the real loaxactl binary.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/core/log.h"
#include "daemon/ctl/ctl.h"
#include "daemon/ctl/ctl_client.h"
#include "tests/t.h"

#define PEER_IN_MAX	(256 * 1024)

static const char *argv0;

struct fx {
	char	 dir[64];
	char	 sock[128];
	struct ev_loop *ev;
	struct ctl *ctl;
	int	 calls;
	uid_t	 uid;
	pid_t	 pid;
	long	 fd_size;	/* bytes in the last passed descriptor, or -1 */
	uint64_t later;		/* the token of a "later" request not yet answered */
};

static struct fx F;

/* --- the handler -------------------------------------------------------------- */

static json_t *
fake_status(void)
{
	return json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:I}, s:n, s:I,"
	    " s:I, s:I, s:{s:s, s:s}, s:{s:b, s:s}}",
	    "online", 1, "station", "tan-thanh", "region", "hon-quan",
	    "name", "Đài truyền thanh xã Tân Thành", "version", "0.1.0", "state", "playing",
	    "playing", "title", "Bản tin sáng", "file", "bản tin.opus",
	    "since", "2026-11-22T06:00:00+07:00", "play_id", (json_int_t)7,
	    "next_slot", "queue_length", (json_int_t)2, "uptime", (json_int_t)93784,
	    "xruns", (json_int_t)0, "audio", "device", "default", "state", "ok",
	    "mqtt", "connected", 0, "state", "connecting");
}

/* Puts what the passed descriptor holds into the reply (and takes it unless told not to). */
static void
handler_fd(struct ctl_request *rq, json_t *reply)
{
	char buf[4096];
	ssize_t n;
	struct stat st;

	F.fd_size = fstat(rq->fd, &st) == 0 ? (long)st.st_size : -1;
	n = pread(rq->fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	json_object_set_new(reply, "fd_content", json_string(buf));
	json_object_set_new(reply, "fd_cloexec",
	    json_boolean(fcntl(rq->fd, F_GETFD) & FD_CLOEXEC));
	if (strcmp(rq->cmd, "keepfd") != 0) {
		close(rq->fd);
		rq->fd = -1;
	}
}

static int
handler(void *arg, struct ctl_request *rq, json_t *reply)
{
	const char *title;
	char *blob;

	(void)arg;
	F.calls++;
	F.uid = rq->uid;
	F.pid = rq->pid;
	F.fd_size = -1;
	if (rq->fd >= 0)
		handler_fd(rq, reply);
	if (strcmp(rq->cmd, "fail") == 0 || strcmp(rq->cmd, "reload") == 0) {
		json_object_set_new(reply, "error", json_string("the new schedule was refused"));
		json_object_set_new(reply, "details", json_pack("[s,s]",
		    "lịch.cfg:3: slots.[0].at: hour 25 is not between 0 and 23",
		    "lịch.cfg:9: slots.[1].file: \"x.opus\" does not exist"));
		return -EINVAL;
	}
	if (strcmp(rq->cmd, "big") == 0 && (blob = malloc(4 << 20)) != NULL) {
		memset(blob, 'x', (4 << 20) - 1);
		blob[(4 << 20) - 1] = '\0';
		json_object_set_new(reply, "blob", json_string(blob));
		free(blob);
	}
	if (strcmp(rq->cmd, "status") == 0)
		json_object_set_new(reply, "status", fake_status());
	if (strcmp(rq->cmd, "later") == 0) {
		json_object_set_new(reply, "dropped", json_true());	/* ctl drops it */
		F.later = rq->token;
		return CTL_LATER;
	}
	if (strcmp(rq->cmd, "queue") == 0) {
		title = json_string_value(json_object_get(rq->req, "title"));
		json_object_set_new(reply, "id", json_integer(12));
		json_object_set_new(reply, "title", json_string(title ? title : "?"));
		json_object_set_new(reply, "at", json_object_get(rq->req, "at") != NULL ?
		    json_string("2026-11-22T14:30:05+07:00") : json_null());
	}
	json_object_set_new(reply, "echo", json_deep_copy(rq->req));
	json_object_set_new(reply, "uid", json_integer((json_int_t)rq->uid));
	return 0;
}

/* --- a raw peer, driven by the loop --------------------------------------------- */

struct peer {
	int	 fd;
	const char *out;	/* what is left to send */
	size_t	 outlen;
	int	 pass[4];	/* descriptors sent with the first bytes */
	int	 npass;
	int	 noread;	/* 1: never read, only notice the hang-up */
	char	*in;
	size_t	 inlen;
	int	 eof;		/* EOF, reset or hang-up seen */
	int64_t	 eof_ms;
	int64_t	 deadline_ms;
};

static int
peer_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	struct peer *p = arg;

	if (p->deadline_ms < *deadline_ms)
		*deadline_ms = p->deadline_ms;
	if (p->eof || max < 1)
		return 0;
	pfd->fd = p->fd;
	pfd->events = (p->noread ? 0 : POLLIN) | (p->outlen > 0 ? POLLOUT : 0);
	return 1;
}

static void
peer_send(struct peer *p)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(4 * sizeof(int))]; } cb;
	struct iovec iov = { .iov_base = (void *)p->out, .iov_len = p->outlen };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	if (p->npass > 0) {
		memset(&cb, 0, sizeof(cb));
		msg.msg_control = cb.b;
		msg.msg_controllen = CMSG_SPACE((size_t)p->npass * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)p->npass * sizeof(int));
		memcpy(CMSG_DATA(cm), p->pass, (size_t)p->npass * sizeof(int));
	}
	n = sendmsg(p->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n > 0) {
		p->npass = 0;
		p->out += n;
		p->outlen -= (size_t)n;
	} else if (n == -1 && errno != EAGAIN)
		p->outlen = 0;	/* the server hung up: read its reply */
}

static void
peer_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct peer *p = arg;
	ssize_t r;

	if (n < 1 || p->eof || pfd->revents == 0)
		return;
	if (p->outlen > 0 && (pfd->revents & (POLLOUT | POLLERR | POLLHUP)))
		peer_send(p);
	if (p->noread) {
		if (pfd->revents & (POLLHUP | POLLERR)) {
			p->eof = 1;
			p->eof_ms = now;
		}
		return;
	}
	while (p->inlen < PEER_IN_MAX) {
		r = read(p->fd, p->in + p->inlen, PEER_IN_MAX - p->inlen);	/* pipes too */
		if (r > 0) {
			p->inlen += (size_t)r;
			continue;
		}
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		p->eof = 1;	/* EOF or ECONNRESET */
		p->eof_ms = now;
		return;
	}
}

/* Connects (or watches fd when path is NULL) and joins the loop. */
static struct peer *
peer_new(const char *path, int fd, const char *out, size_t outlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ev_source src = { "peer", peer_prepare, peer_dispatch, NULL };
	struct peer *p = calloc(1, sizeof(*p));

	p->in = malloc(PEER_IN_MAX + 1);
	p->out = out;
	p->outlen = outlen;
	p->deadline_ms = clock_mono_ms() + 15000;
	p->fd = fd;
	if (path != NULL) {
		memcpy(sun.sun_path, path, strlen(path) + 1);	/* the tests' paths are short */
		p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(p->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
			fprintf(stderr, "  connect %s: %s\n", path, strerror(errno));
	}
	fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
	src.arg = p;
	ev_add(F.ev, &src);
	return p;
}

static void
peer_free(struct peer *p)
{
	ev_remove(F.ev, p);
	close(p->fd);
	free(p->in);
	free(p);
}

/* Runs the loop until every peer in ps has seen EOF, or ms pass. 0 or -ETIMEDOUT. */
static int
run_until_eof(struct peer **ps, int n, int ms)
{
	int64_t end = clock_mono_ms() + ms;
	int i, done;

	for (;;) {
		for (i = 0, done = 1; i < n; i++)
			done &= ps[i]->eof;
		if (done)
			return 0;
		if (clock_mono_ms() >= end)
			return -ETIMEDOUT;
		ev_run_once(F.ev);
	}
}

/* The peer's reply as JSON (NULL if none). */
static json_t *
peer_reply(struct peer *p)
{
	p->in[p->inlen] = '\0';
	return json_loads(p->in, JSON_DISABLE_EOF_CHECK, NULL);
}

/* --- forked clients ----------------------------------------------------------- */

/*
 * A child calls ctl_client_call(req, with fdpath's file open if not NULL) and
 * writes "rc\nreply-or-error\n" to a pipe that the loop watches.
 */
static struct peer *
child_call(const char *req, const char *fdpath, pid_t *pid)
{
	int pfd[2], fd = -1, rc;
	json_t *r, *reply = NULL;
	char err[512], *s;

	if (pipe2(pfd, O_CLOEXEC) == -1 || (*pid = fork()) == -1)
		return NULL;
	if (*pid == 0) {
		r = json_loads(req, 0, NULL);
		if (fdpath != NULL)
			fd = open(fdpath, O_RDONLY | O_CLOEXEC);
		rc = ctl_client_call(F.sock, r, fd, 10000, &reply, err, sizeof(err));
		s = reply != NULL ? json_dumps(reply, JSON_COMPACT) : NULL;
		dprintf(pfd[1], "%d\n%s\n", rc, s != NULL ? s : err);
		_exit(0);
	}
	close(pfd[1]);
	return peer_new(NULL, pfd[0], NULL, 0);
}

/* Waits for the child's answer: 0 and *reply, or the client's negative code with its error in err. */
static int
child_result(struct peer *p, pid_t pid, json_t **reply, char *err, size_t errlen)
{
	int rc = -999, status;
	char *nl;

	*reply = NULL;
	T_ASSERT(run_until_eof(&p, 1, 15000) == 0);
	waitpid(pid, &status, 0);
	p->in[p->inlen] = '\0';
	if ((nl = strchr(p->in, '\n')) != NULL) {
		rc = atoi(p->in);
		if (rc == 0)
			*reply = json_loads(nl + 1, JSON_DISABLE_EOF_CHECK, NULL);
		else if (err != NULL)
			snprintf(err, errlen, "%s", nl + 1);
	}
	peer_free(p);
	return rc;
}

static json_t *
call_ok(const char *req, const char *fdpath)
{
	json_t *reply;
	pid_t pid;
	struct peer *p = child_call(req, fdpath, &pid);
	char err[512] = "";

	T_ASSERT(p != NULL);
	if (p == NULL)
		return NULL;
	T_EQ_INT(child_result(p, pid, &reply, err, sizeof(err)), 0);
	if (err[0] != '\0')
		fprintf(stderr, "  client: %s\n", err);
	return reply;
}

/* Wakes the loop at least every 200 ms, so that a test waiting for something that never happens still ends. */
static int
guard_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	int64_t t = clock_mono_ms() + 200;

	(void)arg, (void)pfd, (void)max;
	if (t < *deadline_ms)
		*deadline_ms = t;
	return 0;
}

/* --- fixture ------------------------------------------------------------------- */

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d != NULL && readdir(d) != NULL)
		n++;
	if (d != NULL)
		closedir(d);
	return n;
}

static void
setup(void)
{
	struct ev_source src;
	char err[512];

	memset(&F, 0, sizeof(F));
	snprintf(F.dir, sizeof(F.dir), "/tmp/loaxa-ctl-XXXXXX");
	T_ASSERT(mkdtemp(F.dir) != NULL);
	snprintf(F.sock, sizeof(F.sock), "%s/run/control.sock", F.dir);
	F.ev = ev_new();
	F.ctl = ctl_open(F.sock, handler, NULL, err, sizeof(err));
	if (F.ctl == NULL)
		fprintf(stderr, "  ctl_open: %s\n", err);
	T_ASSERT(F.ctl != NULL);
	ctl_source(F.ctl, &src);
	ev_add(F.ev, &src);
	src.name = "guard";
	src.prepare = guard_prepare;
	src.dispatch = NULL;
	src.arg = &F;
	ev_add(F.ev, &src);
}

static void
teardown(void)
{
	char cmd[160];

	ctl_close(F.ctl);
	ev_free(F.ev);
	T_ASSERT(access(F.sock, F_OK) == -1);	/* ctl_close() removed it */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", F.dir);
	T_EQ_INT(system(cmd), 0);
}

/* --- the cases --------------------------------------------------------------- */

static void
test_request_reply(void)
{
	json_t *r;

	setup();
	r = call_ok("{\"cmd\":\"echo\",\"text\":\"Thông báo họp dân\"}", NULL);
	T_ASSERT(json_is_true(json_object_get(r, "ok")));
	T_EQ_STR(json_string_value(json_object_get(json_object_get(r, "echo"), "text")),
	    "Thông báo họp dân");
	T_EQ_INT(json_integer_value(json_object_get(r, "uid")), getuid());
	T_EQ_INT(F.calls, 1);
	json_decref(r);
	teardown();
}

static void
test_fd_passed(void)
{
	char path[128];
	json_t *r;
	FILE *fp;

	setup();
	snprintf(path, sizeof(path), "%s/bản tin.opus", F.dir);
	fp = fopen(path, "w");
	fputs("xin chào, bà con\n", fp);
	fclose(fp);
	chmod(path, 0400);	/* only this user may open it; the fd is what travels */
	r = call_ok("{\"cmd\":\"queue\",\"name\":\"bản tin.opus\"}", path);
	T_ASSERT(json_is_true(json_object_get(r, "ok")));
	T_EQ_STR(json_string_value(json_object_get(r, "fd_content")), "xin chào, bà con\n");
	T_ASSERT(json_is_true(json_object_get(r, "fd_cloexec")));
	T_EQ_INT(F.fd_size, strlen("xin chào, bà con\n"));
	json_decref(r);
	teardown();
}

static void
test_socket_mode(void)
{
	struct stat st;
	char dir[128];

	setup();
	T_EQ_INT(stat(F.sock, &st), 0);
	T_ASSERT(S_ISSOCK(st.st_mode));
	T_EQ_INT(st.st_mode & 07777, 0660);
	snprintf(dir, sizeof(dir), "%s/run", F.dir);
	T_EQ_INT(stat(dir, &st), 0);
	T_EQ_INT(st.st_mode & 07777, 0750);
	teardown();
}

static void
test_stale_replaced(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char err[512], path[128];
	struct ctl *c;
	int s;

	setup();
	/* A socket file whose daemon died: bound, then closed without unlinking. */
	snprintf(path, sizeof(path), "%s/stale.sock", F.dir);
	T_ASSERT(strlen(path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_EQ_INT(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	T_EQ_INT(listen(s, 1), 0);
	close(s);
	T_EQ_INT(access(path, F_OK), 0);
	c = ctl_open(path, handler, NULL, err, sizeof(err));
	T_ASSERT(c != NULL);
	ctl_close(c);
	T_ASSERT(access(path, F_OK) == -1);
	/* A file that is not a socket is never removed. */
	T_EQ_INT(close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)), 0);
	c = ctl_open(path, handler, NULL, err, sizeof(err));
	T_ASSERT(c == NULL);
	T_CONTAINS(err, "not a socket");
	T_EQ_INT(access(path, F_OK), 0);
	teardown();
}

static void
test_live_not_taken(void)
{
	char err[512] = "";
	struct ctl *c;
	json_t *r;

	setup();
	c = ctl_open(F.sock, handler, NULL, err, sizeof(err));
	T_ASSERT(c == NULL);
	ctl_close(c);	/* a no-op on NULL */
	T_CONTAINS(err, "another station daemon is already listening on");
	T_CONTAINS(err, F.sock);
	/* The first server still has its socket and answers. */
	r = call_ok("{\"cmd\":\"echo\"}", NULL);
	T_ASSERT(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	teardown();
}

static void
test_bad_requests(void)
{
	static const char *req[] = { "this is not JSON\n", "[1,2,3]\n", "{\"x\":1}\n",
	    "{\"cmd\":5}\n", "\n", "{\"cmd\":\"a\",\"cmd\":\"b\"}\n", "{\"cmd\":\"\xff\"}\n" };
	static const char *want[] = { "not valid JSON", "is a JSON array, not an object",
	    "no \"cmd\" string", "no \"cmd\" string", "empty", "not valid JSON",
	    "not valid JSON" };
	struct peer *p[7];
	json_t *r;
	int i;

	setup();
	for (i = 0; i < 7; i++)
		p[i] = peer_new(F.sock, -1, req[i], strlen(req[i]));
	T_EQ_INT(run_until_eof(p, 7, 10000), 0);
	for (i = 0; i < 7; i++) {
		r = peer_reply(p[i]);
		T_ASSERT(json_is_false(json_object_get(r, "ok")));
		T_CONTAINS(json_string_value(json_object_get(r, "error")), want[i]);
		T_ASSERT(p[i]->inlen > 0 && p[i]->in[p[i]->inlen - 1] == '\n');
		json_decref(r);
		peer_free(p[i]);
	}
	T_EQ_INT(F.calls, 0);
	/* A handler's refusal: "ok" false, its error and details as given. */
	r = call_ok("{\"cmd\":\"fail\"}", NULL);
	T_ASSERT(json_is_false(json_object_get(r, "ok")));
	T_EQ_STR(json_string_value(json_object_get(r, "error")), "the new schedule was refused");
	T_EQ_INT(json_array_size(json_object_get(r, "details")), 2);
	json_decref(r);
	teardown();
}

static void
test_oversized(void)
{
	size_t len = 100 * 1024;
	char *big = malloc(len);
	struct peer *p;
	json_t *r;

	setup();
	memset(big, 'a', len);
	memcpy(big, "{\"cmd\":\"echo\",\"pad\":\"", 21);
	memcpy(big + len - 3, "\"}\n", 3);
	p = peer_new(F.sock, -1, big, len);
	T_EQ_INT(run_until_eof(&p, 1, 10000), 0);
	r = peer_reply(p);
	T_ASSERT(json_is_false(json_object_get(r, "ok")));
	T_CONTAINS(json_string_value(json_object_get(r, "error")), "longer than 65536 bytes");
	T_EQ_INT(F.calls, 0);
	json_decref(r);
	peer_free(p);
	/* The server is still fine. */
	r = call_ok("{\"cmd\":\"echo\"}", NULL);
	T_ASSERT(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	free(big);
	teardown();
}

/*
 * An idle client and one that never reads its (large) reply are dropped at
 * the deadline; meanwhile a third is served at once.
 */
static void
test_slow_clients_dropped(void)
{
	static const char bigreq[] = "{\"cmd\":\"big\"}\n";
	struct peer *idle, *noread, *c;
	int64_t t0 = clock_mono_ms();
	json_t *r;
	pid_t pid;

	setup();
	idle = peer_new(F.sock, -1, NULL, 0);
	noread = peer_new(F.sock, -1, bigreq, strlen(bigreq));
	noread->noread = 1;
	c = child_call("{\"cmd\":\"echo\"}", NULL, &pid);
	T_EQ_INT(child_result(c, pid, &r, NULL, 0), 0);
	T_ASSERT(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	T_ASSERT(!idle->eof && !noread->eof);	/* still connected when the other was served */
	T_EQ_INT(run_until_eof(&idle, 1, CTL_TIMEOUT_MS + 5000), 0);
	T_EQ_INT(run_until_eof(&noread, 1, CTL_TIMEOUT_MS + 5000), 0);
	T_ASSERT(idle->eof_ms - t0 >= CTL_TIMEOUT_MS - 50);
	T_ASSERT(noread->eof_ms - t0 >= CTL_TIMEOUT_MS - 50);
	T_EQ_INT(idle->inlen, 0);
	peer_free(idle);
	peer_free(noread);
	teardown();
}

static void
test_many_clients(void)
{
	enum { N = 32 };
	int before, pfd[2], i, ok = 0, status;
	pid_t pids[N];
	json_t *req, *reply;
	struct peer *p;
	char err[256], *line;

	setup();
	before = count_fds();
	T_EQ_INT(pipe2(pfd, O_CLOEXEC), 0);
	for (i = 0; i < N; i++) {
		if ((pids[i] = fork()) == 0) {
			req = json_pack("{s:s, s:i}", "cmd", "echo", "n", i);
			if (ctl_client_call(F.sock, req, -1, 20000, &reply, err, sizeof(err)) == 0 &&
			    json_integer_value(json_object_get(json_object_get(reply, "echo"), "n")) == i)
				dprintf(pfd[1], "ok %d\n", i);
			else
				dprintf(pfd[1], "fail %d\n", i);
			_exit(0);
		}
	}
	close(pfd[1]);
	p = peer_new(NULL, pfd[0], NULL, 0);
	T_EQ_INT(run_until_eof(&p, 1, 30000), 0);
	for (i = 0; i < N; i++)
		waitpid(pids[i], &status, 0);
	p->in[p->inlen] = '\0';
	for (line = p->in; (line = strstr(line, "ok ")) != NULL; line += 3)
		ok++;
	T_EQ_INT(ok, N);
	T_EQ_INT(F.calls, N);
	peer_free(p);
	T_EQ_INT(count_fds(), before);
	teardown();
}

/* Half a request (with a descriptor), then a hang-up: dropped, nothing leaked. */
static void
test_half_request(void)
{
	static const char half[] = "{\"cmd\":\"ec";
	int before, i;
	int64_t end;
	struct peer *p;
	json_t *r;

	setup();
	before = count_fds();
	p = peer_new(F.sock, -1, half, strlen(half));
	p->pass[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	p->npass = 1;
	for (i = 0; i < 100 && p->outlen > 0; i++)
		ev_run_once(F.ev);
	T_EQ_INT(p->outlen, 0);
	close(p->pass[0]);
	peer_free(p);
	for (end = clock_mono_ms() + 10000; count_fds() != before && clock_mono_ms() < end; )
		ev_run_once(F.ev);
	T_EQ_INT(count_fds(), before);
	T_EQ_INT(F.calls, 0);
	r = call_ok("{\"cmd\":\"echo\"}", NULL);
	T_ASSERT(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	teardown();
}

/* Three descriptors: the handler sees the first; ctl closes the others (and one left to it). */
static void
test_extra_fds(void)
{
	static const char req1[] = "{\"cmd\":\"echo\"}\n", req2[] = "{\"cmd\":\"keepfd\"}\n";
	char path[128];
	struct peer *p[2];
	int before, i, j;
	json_t *r;
	FILE *fp;

	setup();
	snprintf(path, sizeof(path), "%s/first.txt", F.dir);
	fp = fopen(path, "w");
	fputs("first", fp);
	fclose(fp);
	before = count_fds();
	p[0] = peer_new(F.sock, -1, req1, strlen(req1));
	p[1] = peer_new(F.sock, -1, req2, strlen(req2));
	for (i = 0; i < 2; i++) {
		p[i]->pass[0] = open(path, O_RDONLY | O_CLOEXEC);
		for (j = 1; j < 3; j++)
			p[i]->pass[j] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		p[i]->npass = 3;
	}
	T_EQ_INT(run_until_eof(p, 2, 10000), 0);
	for (i = 0; i < 2; i++) {
		r = peer_reply(p[i]);
		T_ASSERT(json_is_true(json_object_get(r, "ok")));
		T_EQ_STR(json_string_value(json_object_get(r, "fd_content")), "first");
		json_decref(r);
		for (j = 0; j < 3; j++)
			close(p[i]->pass[j]);
		peer_free(p[i]);
	}
	T_EQ_INT(count_fds(), before);
	teardown();
}

/* --- loaxactl ------------------------------------------------------------------ */

struct run {
	int	 status;
	char	 out[8192], err[8192];
};

/* Runs loaxactl with args while the loop serves; returns its exit status. */
static int
run_ctl(const char *bin, const char *const *args, struct run *res)
{
	int po[2], pe[2], n = 0, status;
	char *av[16];
	struct peer *p[2];
	pid_t pid;

	av[n++] = (char *)bin;
	while (*args != NULL && n < 15)
		av[n++] = (char *)*args++;
	av[n] = NULL;
	if (pipe2(po, O_CLOEXEC) == -1 || pipe2(pe, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execv(bin, av);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	p[0] = peer_new(NULL, po[0], NULL, 0);
	p[1] = peer_new(NULL, pe[0], NULL, 0);
	T_EQ_INT(run_until_eof(p, 2, 20000), 0);
	waitpid(pid, &status, 0);
	snprintf(res->out, sizeof(res->out), "%.*s", (int)p[0]->inlen, p[0]->in);
	snprintf(res->err, sizeof(res->err), "%.*s", (int)p[1]->inlen, p[1]->in);
	peer_free(p[0]);
	peer_free(p[1]);
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return res->status;
}

static void
ctl_usage_cases(const char *bin)
{
	static const char *const bad[][6] = {
		{ NULL }, { "frobnicate", NULL }, { "cancel", "abc", NULL }, { "cancel", NULL },
		{ "queue", NULL }, { "-s", NULL }, { "list", "--bogus", NULL },
		{ "-c", "a.cfg", "-s", "b.sock", "status" }, { "--frob", "status", NULL },
		{ "queue", "a.opus", "--at", "25:00", NULL }, { "queue", "a.opus", "--at", NULL },
	};
	static const char *const help[] = { "--help", NULL };
	struct run r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_EQ_INT(run_ctl(bin, bad[i], &r), 2);
		T_CONTAINS(r.err, "loaxactl: ");
		if (i != 9)
			T_CONTAINS(r.err, "Usage: ");
		T_EQ_STR(r.out, "");
	}
	T_EQ_INT(run_ctl(bin, help, &r), 0);
	T_CONTAINS(r.out, "Usage: ");
	T_CONTAINS(r.out, "queue FILE");
}

static void
ctl_daemon_cases(const char *bin)
{
	const char *st[] = { "-s", F.sock, "status", NULL };
	const char *stj[] = { "-s", F.sock, "status", "--json", NULL };
	const char *gone[] = { "-s", "/nonexistent/loaxa.sock", "list", NULL };
	const char *rl[] = { "-s", F.sock, "reload", NULL };
	const char *cn[] = { "-s", F.sock, "cancel", "12", NULL };
	struct run r;

	T_EQ_INT(run_ctl(bin, st, &r), 0);
	T_CONTAINS(r.out, "Đài truyền thanh xã Tân Thành");
	T_CONTAINS(r.out, "District link (MQTT)");
	T_CONTAINS(r.out, "\"Bản tin sáng\" since 06:00:00 on 2026-11-22");
	T_CONTAINS(r.out, "not connected (connecting)");
	T_CONTAINS(r.out, "1 day, 02:03:04");
	T_EQ_INT(run_ctl(bin, stj, &r), 0);
	T_ASSERT(strncmp(r.out, "{\n  \"online\": true,\n  \"station\": \"tan-thanh\"", 40) == 0);
	T_ASSERT(strstr(r.out, "\"ok\":") == NULL);	/* the status object itself */
	T_EQ_INT(run_ctl(bin, gone, &r), 1);
	T_CONTAINS(r.err, "loaxactl: cannot reach the station daemon at /nonexistent/loaxa.sock");
	T_CONTAINS(r.err, "is loaxad running?");
	T_EQ_INT(run_ctl(bin, rl, &r), 1);
	T_CONTAINS(r.err, "loaxactl: the new schedule was refused");
	T_CONTAINS(r.err, "lịch.cfg:9: slots.[1].file");
	T_EQ_INT(run_ctl(bin, cn, &r), 0);
	T_CONTAINS(r.out, "Cancelled item 12.");
}

static void
ctl_queue_cases(const char *bin)
{
	char mp3[128], opus[128], cmd[512];
	const char *bad[] = { "-s", F.sock, "queue", mp3, NULL };
	const char *good[] = { "-s", F.sock, "queue", opus, "--title", "Thông báo họp dân",
	    "--at", "14:30:05", NULL };
	struct stat st;
	struct run r;
	FILE *fp;

	snprintf(mp3, sizeof(mp3), "%s/bản tin.mp3", F.dir);
	fp = fopen(mp3, "w");
	fwrite("ID3\x03\0\0\0\0\0\0\xff\xfb\x90\x64", 1, 14, fp);
	for (int i = 0; i < 4000; i++)
		fputc(i * 7, fp);
	fclose(fp);
	F.calls = 0;
	T_EQ_INT(run_ctl(bin, bad, &r), 1);
	T_CONTAINS(r.err, "cannot queue \"");
	T_CONTAINS(r.err, "bản tin.mp3\": it is not a recording loaxa can read; loaxa takes MP3, "
	    "WAV, FLAC, Ogg (Vorbis or Opus), M4A/AAC and AMR.");
	T_EQ_INT(F.calls, 0);	/* refused before the daemon was asked */
	snprintf(opus, sizeof(opus), "%s/thông báo.opus", F.dir);
	snprintf(cmd, sizeof(cmd), "sox -q -n -r 48000 -c 1 -b 16 -t wav - synth 2 sine 440 "
	    "2>/dev/null | opusenc --quiet - '%s' 2>/dev/null", opus);
	if (system(cmd) != 0 || stat(opus, &st) != 0) {
		printf("# skip: cannot make an Opus file with sox and opusenc\n");
		return;
	}
	T_EQ_INT(run_ctl(bin, good, &r), 0);
	T_ASSERT(strncmp(r.out, "12\n", 3) == 0);
	T_CONTAINS(r.out, "Queued \"Thông báo họp dân\" (id 12); it will play at 14:30:05 on "
	    "2026-11-22.");
	/* A full-scale tone is far louder than a bulletin: what was sent was brought down. */
	T_CONTAINS(r.out, "-16.0 LUFS after");
	T_ASSERT(F.fd_size > 0);
}

static int
later_asked(void)
{
	int64_t end = clock_mono_ms() + 10000;

	while (F.later == 0 && clock_mono_ms() < end)
		ev_run_once(F.ev);
	return F.later != 0;
}

/*
 * A handler that waits for the disk answers later: the client waits, other
 * clients are served meanwhile, and the answer reaches it whole.
 */
static void
test_answer_later(void)
{
	struct peer *p;
	json_t *reply;
	char err[512] = "";
	uint64_t token;
	pid_t pid;

	setup();
	p = child_call("{\"cmd\":\"later\"}", NULL, &pid);
	T_ASSERT(p != NULL && later_asked());
	token = F.later;
	reply = call_ok("{\"cmd\":\"status\"}", NULL);	/* served while the other waits */
	T_ASSERT(reply != NULL);
	json_decref(reply);
	T_ASSERT(!p->eof);
	reply = json_pack("{s:s}", "done", "đã xong");
	T_EQ_INT(ctl_answer(F.ctl, token, 0, reply), 0);
	json_decref(reply);
	T_EQ_INT(child_result(p, pid, &reply, err, sizeof(err)), 0);
	T_EQ_STR(json_string_value(json_object_get(reply, "done")), "đã xong");
	T_ASSERT(json_object_get(reply, "dropped") == NULL);
	json_decref(reply);
	/* Answered once: the client is gone, and so is the token. */
	reply = json_object();
	T_EQ_INT(ctl_answer(F.ctl, token, 0, reply), -ENOENT);
	T_EQ_INT(ctl_answer(F.ctl, token + 1000, 0, reply), -ENOENT);
	json_decref(reply);
	teardown();
}

static void
test_loaxactl(void)
{
	char bin[512], *slash;

	snprintf(bin, sizeof(bin), "%s", argv0);
	/* build/tests/test_ctl -> build/loaxactl */
	if ((slash = strrchr(bin, '/')) != NULL)
		*slash = '\0';
	if ((slash = strrchr(bin, '/')) != NULL)
		slash[1] = '\0';
	else
		snprintf(bin, sizeof(bin), "./");
	strncat(bin, "loaxactl", sizeof(bin) - strlen(bin) - 1);
	if (access(bin, X_OK) != 0) {
		printf("# skip: %s is not built (make %s); its tests did not run\n", bin, bin);
		return;
	}
	setup();
	ctl_usage_cases(bin);
	ctl_daemon_cases(bin);
	ctl_queue_cases(bin);
	teardown();
}

int
main(int argc, char **argv)
{
	(void)argc;
	argv0 = argv[0];
	log_init("test_ctl", 1, 0);
	signal(SIGPIPE, SIG_IGN);
	T_RUN(test_request_reply);
	T_RUN(test_fd_passed);
	T_RUN(test_socket_mode);
	T_RUN(test_stale_replaced);
	T_RUN(test_live_not_taken);
	T_RUN(test_bad_requests);
	T_RUN(test_oversized);
	T_RUN(test_half_request);
	T_RUN(test_extra_fds);
	T_RUN(test_many_clients);
	T_RUN(test_slow_clients_dropped);
	T_RUN(test_answer_later);
	T_RUN(test_loaxactl);
	return T_EXIT();
}
