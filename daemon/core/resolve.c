/*
 * Host name lookups in threads, answered over a socket pair.
 *
 * Why a thread of our own and not glibc's getaddrinfo_a(): that one runs its
 * lookups in threads too, but tells of the end by a signal (which would have
 * to find its way to the loop's signalfd) or by starting yet another thread,
 * and its gai_cancel() cannot stop a lookup that has started, so a request
 * given up at its deadline would still own a struct gaicb the caller must
 * keep alive until glibc is done with it. c-ares would need no thread, but
 * it reads neither nsswitch.conf nor what its modules provide, so a name
 * could resolve differently from every other program on the controller.
 *
 * The rules of the thread, as for every thread of loaxa: it shares nothing
 * with the loop. The question (the name) reaches it through the socket pair
 * before it starts, the answer goes back the same way, and its end of the
 * socket, its copy of the name and getaddrinfo()'s list are its own. The loop
 * may close its end at any time (a deadline, a shutdown): the thread's send()
 * then fails quietly (EPIPE, no SIGPIPE), and it closes its end and ends. It
 * is detached, so nothing ever waits for it: a thread still stuck in
 * getaddrinfo() at exit simply dies with the process. It allocates nothing
 * of its own, and what glibc holds for it is reachable from its stack, so
 * LeakSanitizer has nothing to report (tests/test_resolve.c exits with such
 * threads under ASan); valgrind calls the thread's TLS block "possibly lost",
 * as it does for any thread alive at exit. The one thing shared is a counter
 * of running threads, atomic, which bounds how many stuck lookups can pile up
 * while the name servers are silent.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/resolve.h"
#include "daemon/core/thread.h"

/* What the thread sends back: the answer, and the code resolve_finish() returns with it. */
struct resolve_msg {
	int	 rc;
	struct resolve_answer ans;
};

struct resolve {
	int	 fd;			/* the loop's end of the socket pair */
	int	 timeout_ms;
	int64_t	 deadline_ms;		/* CLOCK_MONOTONIC */
};

static atomic_int resolve_nrunning;

/* Up to RESOLVE_ADDR_MAX distinct numeric addresses of list, in its order. */
static void
resolve_collect(const struct addrinfo *list, struct resolve_answer *out)
{
	const struct addrinfo *ai;
	char buf[RESOLVE_ADDR_LEN];
	int i, dup;

	for (ai = list; ai != NULL && out->naddr < RESOLVE_ADDR_MAX; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, sizeof(buf), NULL, 0,
		    NI_NUMERICHOST) != 0)
			continue;
		for (i = 0, dup = 0; i < out->naddr; i++)
			dup |= strcmp(out->addr[i], buf) == 0;
		if (!dup)
			snprintf(out->addr[out->naddr++], sizeof(out->addr[0]), "%s", buf);
	}
}

/* getaddrinfo()'s failure as a code and a sentence. */
static int
resolve_error(int gai, int err, struct resolve_answer *out)
{
	char buf[RESOLVE_ERROR_MAX];

	if (gai == EAI_SYSTEM) {
		snprintf(out->error, sizeof(out->error), "%s", strerror_r(err, buf, sizeof(buf)));
		return -EIO;
	}
	snprintf(out->error, sizeof(out->error), "%s", gai_strerror(gai));
	return gai == EAI_NONAME || gai == EAI_NODATA ? -ENOENT : -EIO;
}

/* The lookup itself, in the thread: blocks as long as the name servers make it. */
static int
resolve_lookup(const char *host, int flags, struct resolve_answer *out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	    .ai_flags = flags };
	struct addrinfo *list = NULL;
	int gai;

	memset(out, 0, sizeof(*out));
	if ((gai = getaddrinfo(host, NULL, &hints, &list)) != 0)
		return resolve_error(gai, errno, out);
	resolve_collect(list, out);
	freeaddrinfo(list);
	if (out->naddr > 0)
		return 0;
	snprintf(out->error, sizeof(out->error), "%s", _("the name has no address to connect to"));
	return -ENOENT;
}

static void *
resolve_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char host[RESOLVE_HOST_MAX + 1];
	struct resolve_msg msg;
	ssize_t n;

	n = recv(fd, host, sizeof(host) - 1, 0);
	if (n > 0) {
		host[n] = '\0';
		msg.rc = resolve_lookup(host, 0, &msg.ans);
		/* Fails with EPIPE when the loop gave up on us: there is no one left to tell. */
		(void)send(fd, &msg, sizeof(msg), MSG_NOSIGNAL);
	}
	close(fd);
	atomic_fetch_sub(&resolve_nrunning, 1);
	return NULL;
}

/*
 * A detached thread on fd (its end of the pair), with every signal blocked
 * (thread_start). Returns 0 or an errno value.
 */
static int
resolve_spawn(int fd)
{
	pthread_t tid;
	int rc;

	if (atomic_fetch_add(&resolve_nrunning, 1) >= RESOLVE_RUNNING_MAX) {
		atomic_fetch_sub(&resolve_nrunning, 1);
		return EAGAIN;
	}
	rc = -thread_start(&tid, 1, resolve_thread, (void *)(intptr_t)fd);
	if (rc != 0)
		atomic_fetch_sub(&resolve_nrunning, 1);
	return rc;
}

int
resolve_numeric(const char *host, struct resolve_answer *out)
{
	memset(out, 0, sizeof(*out));
	if (host == NULL || host[0] == '\0' || strlen(host) > RESOLVE_HOST_MAX)
		return -EINVAL;
	/* AI_NUMERICHOST only parses: it never asks a name server. */
	return resolve_lookup(host, AI_NUMERICHOST, out) == 0 ? 0 : -EINVAL;
}

struct resolve *
resolve_start(const char *host, int timeout_ms)
{
	struct resolve *r = NULL;
	int sv[2] = { -1, -1 }, err;
	size_t len = host != NULL ? strlen(host) : 0;

	if (len == 0 || len > RESOLVE_HOST_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		goto fail;
	/* The question goes first, so that the thread needs nothing from us but its socket. */
	if (send(sv[0], host, len, MSG_NOSIGNAL) != (ssize_t)len)
		goto fail;
	if ((err = resolve_spawn(sv[1])) != 0) {
		errno = err;
		goto fail;
	}
	r->fd = sv[0];
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
	r->deadline_ms = clock_mono_ms() + r->timeout_ms;
	return r;
fail:
	err = errno;
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	free(r);
	errno = err;
	return NULL;
}

int
resolve_fd(const struct resolve *r)
{
	return r->fd;
}

int64_t
resolve_deadline(const struct resolve *r)
{
	return r->deadline_ms;
}

/* The thread's message, checked as if it came from elsewhere: it is cheap. */
static int
resolve_take(struct resolve_msg *msg, struct resolve_answer *out)
{
	int i;

	*out = msg->ans;
	out->error[sizeof(out->error) - 1] = '\0';
	if (out->naddr < 0 || out->naddr > RESOLVE_ADDR_MAX)
		out->naddr = 0;
	for (i = 0; i < out->naddr; i++)
		out->addr[i][sizeof(out->addr[i]) - 1] = '\0';
	if (msg->rc == 0 && out->naddr > 0)
		return 0;
	out->naddr = 0;
	return msg->rc == -ENOENT ? -ENOENT : -EIO;
}

int
resolve_finish(struct resolve *r, int64_t now, struct resolve_answer *out)
{
	struct resolve_msg msg;
	ssize_t n;

	n = recv(r->fd, &msg, sizeof(msg), MSG_DONTWAIT);
	if (n == (ssize_t)sizeof(msg))
		return resolve_take(&msg, out);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		if (now < r->deadline_ms)
			return -EINPROGRESS;
		memset(out, 0, sizeof(*out));
		snprintf(out->error, sizeof(out->error),
		    _("the name servers did not answer within %d s"), (r->timeout_ms + 999) / 1000);
		return -ETIMEDOUT;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->error, sizeof(out->error), "%s", _("the lookup ended without an answer"));
	return -EIO;
}

void
resolve_free(struct resolve *r)
{
	if (r == NULL)
		return;
	close(r->fd);	/* the thread, if still at it, finds no one to answer and ends */
	free(r);
}

int
resolve_running(void)
{
	return atomic_load(&resolve_nrunning);
}
