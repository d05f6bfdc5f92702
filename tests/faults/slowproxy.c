/*
 * A slow broker for tests: a TCP proxy on loopback, put between loaxad and
 * mosquitto, whose link the test makes slow, or silent, while it runs. What
 * a station's broker looks like over a poor 3G link: every packet late, a
 * trickle of bytes a second, or nothing at all for a while, without a reset
 * (a broker whose TCP window is full, a link gone quiet).
 *
 *	slowproxy TARGET_PORT CONTROL_FILE [LISTEN_PORT]
 *
 * It listens on 127.0.0.1:LISTEN_PORT (0 or none: a free port), prints
 * "listening PORT", and for each connection it takes opens one to
 * 127.0.0.1:TARGET_PORT and forwards both ways. CONTROL_FILE holds one line,
 * the mode, read at start and again at every SIGHUP:
 *
 *	normal		forward at once
 *	delay MS	each chunk of bytes is forwarded MS ms after it arrived
 *	rate BYTES	at most BYTES a second each way on each connection
 *	delay MS rate BYTES	both
 *	stall		read nothing and send nothing, either way; new connections
 *			are accepted and held the same. What the peers had sent
 *			waits in their socket buffers, and goes on when the mode
 *			changes, as over a TCP link that comes back.
 *
 * Each mode taken is printed as "mode TEXT (N connections, B bytes held)";
 * a control file it cannot read leaves the mode as it was, with "error ..."
 * on stderr. At most 16 chunks (of up to 4 KiB, as read) wait in the proxy
 * each way on a connection: past that it stops reading, so a slow link pushes
 * back on the sender as a real one does. Stop it with SIGTERM. Loopback
 * only, and never a name.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PX_CONNS	64
#define PX_CHUNK	4096
#define PX_QUEUE	16		/* chunks held each way: 64 KiB */
#define PX_BURST_MS	50		/* a rate's bytes go out in pieces of this many ms */
#define PX_LINE_MAX	256

struct px_mode {
	int	 stall;
	long	 delay_ms;
	long	 rate;			/* bytes a second; 0: no limit */
	char	 text[PX_LINE_MAX];
};

struct px_chunk {
	int64_t	 at_us;			/* when it arrived */
	size_t	 len, off;
	char	 data[PX_CHUNK];
};

struct px_dir {				/* one way of a connection */
	int	 from, to;
	struct px_chunk q[PX_QUEUE];
	int	 head, n;
	int	 eof;			/* from said end of file */
	int	 shut;			/* and that was passed on to `to` */
	double	 credit;		/* bytes the rate allows now */
	int64_t	 credit_us;
	uint64_t bytes;
};

struct px_conn {
	int	 id;
	int	 down, up;		/* the client's socket, the target's */
	int	 up_ready;		/* the connection to the target is made */
	struct px_dir dir[2];		/* 0: down to up, 1: up to down */
};

static struct px_mode mode;
static struct px_conn *conns[PX_CONNS];
static int nconns, next_id = 1, target_port;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Parses "normal", "stall", "delay MS", "rate BYTES" or both of the last. */
static int
px_mode_parse(const char *line, struct px_mode *m)
{
	char buf[PX_LINE_MAX], *save = NULL, *w, *v, *end;
	long n;

	*m = (struct px_mode){ 0 };
	snprintf(buf, sizeof(buf), "%s", line);
	buf[strcspn(buf, "\r\n")] = '\0';
	snprintf(m->text, sizeof(m->text), "%s", buf);
	for (w = strtok_r(buf, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (strcmp(w, "normal") == 0)
			continue;
		if (strcmp(w, "stall") == 0) {
			m->stall = 1;
			continue;
		}
		if ((strcmp(w, "delay") != 0 && strcmp(w, "rate") != 0) ||
		    (v = strtok_r(NULL, " \t", &save)) == NULL)
			return -1;
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || *end != '\0' || n < 0 || n > 100000000)
			return -1;
		if (w[0] == 'd')
			m->delay_ms = n;
		else
			m->rate = n;
	}
	return m->text[0] != '\0' ? 0 : -1;
}

static size_t
px_held(void)
{
	size_t held = 0;
	int i, k, j;

	for (i = 0; i < nconns; i++)
		for (k = 0; k < 2; k++)
			for (j = 0; j < conns[i]->dir[k].n; j++) {
				const struct px_dir *d = &conns[i]->dir[k];
				const struct px_chunk *c = &d->q[(d->head + j) % PX_QUEUE];

				held += c->len - c->off;
			}
	return held;
}

/* Reads the control file; keeps the mode there was when it cannot. */
static void
px_mode_load(const char *path)
{
	char line[PX_LINE_MAX] = "";
	struct px_mode m;
	FILE *f = fopen(path, "r");

	if (f == NULL || fgets(line, sizeof(line), f) == NULL || px_mode_parse(line, &m) < 0) {
		fprintf(stderr, "error: %s: cannot read a mode (normal, stall, delay MS, rate BYTES) "
		    "from it; the mode stays \"%s\"\n", path, mode.text);
		if (f != NULL)
			fclose(f);
		return;
	}
	fclose(f);
	mode = m;
	printf("mode %s (%d connections, %zu bytes held)\n", mode.text, nconns, px_held());
}

static void
px_close(int i, const char *why)
{
	struct px_conn *c = conns[i];

	printf("close %d (%llu bytes up, %llu down): %s\n", c->id,
	    (unsigned long long)c->dir[0].bytes, (unsigned long long)c->dir[1].bytes, why);
	close(c->down);
	close(c->up);
	free(c);
	conns[i] = conns[--nconns];
}

static void
px_accept(int lfd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)target_port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct px_conn *c;
	int down, up;

	if ((down = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1)
		return;
	up = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c = calloc(1, sizeof(*c));
	if (up == -1 || c == NULL ||
	    (connect(up, (struct sockaddr *)&sa, sizeof(sa)) == -1 && errno != EINPROGRESS)) {
		fprintf(stderr, "error: cannot connect to port %d: %s\n", target_port, strerror(errno));
		close(down);
		if (up != -1)
			close(up);
		free(c);
		return;
	}
	c->id = next_id++;
	c->down = down;
	c->up = up;
	c->dir[0].from = c->dir[1].to = down;
	c->dir[0].to = c->dir[1].from = up;
	c->dir[0].credit_us = c->dir[1].credit_us = now_us();
	conns[nconns++] = c;
	printf("open %d\n", c->id);
}

/* The rate's credit now, at most PX_BURST_MS worth. */
static void
px_refill(struct px_dir *d, int64_t now)
{
	double burst = mode.rate * PX_BURST_MS / 1000.0;

	d->credit += (double)(now - d->credit_us) * mode.rate / 1e6;
	if (burst < 1)
		burst = 1;
	if (d->credit > burst)
		d->credit = burst;
	d->credit_us = now;
}

/*
 * When the next bytes of d may go: 0 when they may now, -1 when there are
 * none, else the time in us. A rate sends a piece once its credit covers it.
 */
static int64_t
px_due(struct px_dir *d, int64_t now)
{
	const struct px_chunk *c;
	int64_t due;
	double want;

	if (mode.stall || d->n == 0)
		return -1;
	c = &d->q[d->head];
	due = c->at_us + (int64_t)mode.delay_ms * 1000;
	if (due > now)
		return due;
	if (mode.rate == 0)
		return 0;
	px_refill(d, now);
	want = (double)(c->len - c->off);
	if (want > mode.rate * PX_BURST_MS / 1000.0)
		want = mode.rate * PX_BURST_MS / 1000.0;
	if (want < 1)
		want = 1;
	if (d->credit >= want)
		return 0;
	return now + (int64_t)((want - d->credit) * 1e6 / mode.rate) + 1;
}

/* Reads a chunk from d->from. Returns 0, or -1 when the connection must close. */
static int
px_read(struct px_dir *d, int64_t now, const char **why)
{
	struct px_chunk *c = &d->q[(d->head + d->n) % PX_QUEUE];
	ssize_t r = read(d->from, c->data, sizeof(c->data));

	if (r > 0) {
		c->len = (size_t)r;
		c->off = 0;
		c->at_us = now;
		d->n++;
	} else if (r == 0)
		d->eof = 1;
	else if (errno != EAGAIN && errno != EINTR) {
		*why = strerror(errno);
		return -1;
	}
	return 0;
}

/* Sends what is due of d. Returns 0, or -1 when the connection must close. */
static int
px_write(struct px_dir *d, int64_t now, const char **why)
{
	struct px_chunk *c;
	size_t len;
	ssize_t w;

	while (px_due(d, now) == 0) {
		c = &d->q[d->head];
		len = c->len - c->off;
		if (mode.rate > 0 && len > (size_t)d->credit)
			len = d->credit >= 1 ? (size_t)d->credit : 1;
		if ((w = send(d->to, c->data + c->off, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			*why = strerror(errno);
			return -1;
		}
		c->off += (size_t)w;
		d->bytes += (uint64_t)w;
		if (mode.rate > 0)
			d->credit -= (double)w;
		if (c->off == c->len) {
			d->head = (d->head + 1) % PX_QUEUE;
			d->n--;
		}
	}
	if (d->eof && d->n == 0 && !d->shut) {
		shutdown(d->to, SHUT_WR);
		d->shut = 1;
	}
	return 0;
}

/* What poll() should wait for on fd of c, and the deadline of its due bytes. */
static short
px_events(struct px_conn *c, int fd, int64_t now, int64_t *deadline)
{
	short ev = 0;
	int64_t due;
	int k;

	if (mode.stall)
		return 0;
	if (!c->up_ready)
		return fd == c->up ? POLLOUT : 0;
	for (k = 0; k < 2; k++) {
		struct px_dir *d = &c->dir[k];

		if (d->from == fd && !d->eof && d->n < PX_QUEUE)
			ev |= POLLIN;
		if (d->to != fd || (due = px_due(d, now)) < 0)
			continue;
		if (due == 0)
			ev |= POLLOUT;
		else if (due < *deadline)
			*deadline = due;
	}
	return ev;
}

/* Runs connection i on what poll() said. Returns 0, or -1 when it was closed. */
static int
px_run(int i, short rev_down, short rev_up, int64_t now)
{
	struct px_conn *c = conns[i];
	const char *why = NULL;
	socklen_t len = sizeof(int);
	int k, err = 0;

	if (mode.stall)
		return 0;
	if (!c->up_ready) {
		if (!(rev_up & (POLLOUT | POLLERR | POLLHUP)))
			return 0;
		if (getsockopt(c->up, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0) {
			px_close(i, err != 0 ? strerror(err) : "cannot connect to the target");
			return -1;
		}
		c->up_ready = 1;
	}
	for (k = 0; k < 2 && why == NULL; k++) {
		short rev = c->dir[k].from == c->down ? rev_down : rev_up;

		if ((rev & (POLLIN | POLLHUP | POLLERR)) && !c->dir[k].eof && c->dir[k].n < PX_QUEUE &&
		    px_read(&c->dir[k], now, &why) < 0)
			break;
		if (px_write(&c->dir[k], now, &why) < 0)
			break;
	}
	if (why == NULL && c->dir[0].shut && c->dir[1].shut)
		why = "both sides closed";
	if (why == NULL)
		return 0;
	px_close(i, why);
	return -1;
}

static int
px_listen(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1) {
		perror("slowproxy: cannot listen on 127.0.0.1");
		exit(1);
	}
	printf("listening %d\n", ntohs(sa.sin_port));
	return fd;
}

/* One turn: poll, then signals, new connections and every connection. */
static int
px_turn(int lfd, int sfd, const char *ctl)
{
	struct pollfd pfd[2 + 2 * PX_CONNS];
	struct signalfd_siginfo si;
	int64_t now = now_us(), deadline = INT64_MAX;
	int i, n = 2;

	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = nconns < PX_CONNS ? lfd : -1, .events = POLLIN };
	for (i = 0; i < nconns; i++, n += 2) {
		pfd[n].events = px_events(conns[i], conns[i]->down, now, &deadline);
		pfd[n + 1].events = px_events(conns[i], conns[i]->up, now, &deadline);
		/* An fd waited on for nothing is left out: its POLLHUP would spin the loop. */
		pfd[n].fd = pfd[n].events != 0 ? conns[i]->down : -1;
		pfd[n + 1].fd = pfd[n + 1].events != 0 ? conns[i]->up : -1;
	}
	if (poll(pfd, (nfds_t)n, deadline == INT64_MAX ? -1 :
	    (int)((deadline - now + 999) / 1000)) == -1 && errno != EINTR)
		return -1;
	now = now_us();
	/* Connections first, on the mode they were polled for; the indexes still hold. */
	for (i = nconns - 1; i >= 0; i--)
		px_run(i, pfd[2 + 2 * i].revents, pfd[3 + 2 * i].revents, now);
	if (pfd[0].revents & POLLIN) {
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			return -1;
		if (si.ssi_signo != SIGHUP)
			return 1;
		px_mode_load(ctl);
	}
	if (pfd[1].revents & POLLIN)
		px_accept(lfd);
	return 0;
}

int
main(int argc, char **argv)
{
	sigset_t set;
	int lfd, sfd, rc;

	if (argc < 3 || argc > 4 || (target_port = atoi(argv[1])) < 1 || target_port > 65535) {
		fprintf(stderr, "usage: slowproxy TARGET_PORT CONTROL_FILE [LISTEN_PORT]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1) {
		perror("slowproxy: signalfd");
		return 1;
	}
	snprintf(mode.text, sizeof(mode.text), "normal");
	px_mode_load(argv[2]);
	lfd = px_listen(argc == 4 ? atoi(argv[3]) : 0);
	while ((rc = px_turn(lfd, sfd, argv[2])) == 0)
		;
	if (rc < 0)
		perror("slowproxy: poll");
	return rc < 0;
}
