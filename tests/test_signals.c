/*
 * A daemon's signals and systemd's watchdog (daemon/core/signals.c), on a real
 * loop, real signals sent to this process and a real datagram socket standing
 * in for systemd: READY=1 once ready, WATCHDOG=1 again and again at half the
 * interval asked for, SIGHUP to the reload, SIGTERM to the end of the loop.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/core/ev.h"
#include "daemon/core/signals.h"
#include "tests/t.h"

static int g_reloads;

/* SIGHUP: counted; the second stops the test's daemon with SIGTERM. */
static void
reload(void *arg)
{
	(void)arg;
	if (++g_reloads == 2)
		kill(getpid(), SIGTERM);
}

/* A source that sends SIGHUP twice, at its first two turns, once the watchdog spoke thrice. */
struct driver {
	int	 fd;		/* systemd's socket */
	int	 ready, watchdogs, hups;
};

static int
driver_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline)
{
	struct driver *d = arg;

	(void)deadline;
	if (max < 1)
		return 0;
	pfd->fd = d->fd;
	pfd->events = POLLIN;
	return 1;
}

static void
driver_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct driver *d = arg;
	char buf[64] = "";
	ssize_t len;

	(void)now;
	if (n < 1 || !(pfd->revents & POLLIN))
		return;
	if ((len = recv(d->fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return;
	buf[len] = '\0';
	if (strcmp(buf, "READY=1") == 0)
		d->ready++;
	else if (strcmp(buf, "WATCHDOG=1") == 0 && ++d->watchdogs >= 3 && d->hups < 2) {
		d->hups++;
		kill(getpid(), SIGHUP);
	}
}

static void
test_signals_and_watchdog(void)
{
	char path[] = "/tmp/loaxa-signals-XXXXXX", pid[32];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct driver d = { .fd = -1 };
	struct ev_source src;
	struct ev_loop *ev = ev_new();
	struct signals *sig;
	int fdt = mkstemp(path);

	close(fdt);
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	d.fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	T_ASSERT(d.fd >= 0 && bind(d.fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_USEC", "40000", 1);		/* 40 ms: fed every 20 */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	T_ASSERT(ev != NULL);
	T_ASSERT((sig = signals_new(ev, "test", reload, NULL)) != NULL);
	if (ev == NULL || sig == NULL)
		return;
	signals_source(sig, &src);
	ev_add(ev, &src);
	src = (struct ev_source){ "driver", driver_prepare, driver_dispatch, &d };
	ev_add(ev, &src);
	signals_ready(sig);
	T_EQ_INT(ev_run(ev), 0);			/* returns: SIGTERM stopped it */
	T_EQ_INT(d.ready, 1);
	T_ASSERT(d.watchdogs >= 3);
	T_EQ_INT(g_reloads, 2);
	signals_free(sig);
	ev_free(ev);
	close(d.fd);
	unlink(path);
}

int
main(void)
{
	T_RUN(test_signals_and_watchdog);
	return T_EXIT();
}
