/* A daemon's signals and systemd's watchdog (signals.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/core/notify.h"
#include "daemon/core/signals.h"

struct signals {
	struct ev_loop	*ev;
	const char	*who;
	void		(*reload)(void *);
	void		*arg;
	int		 sfd;
	int64_t		 watchdog_ms;	/* 0: systemd's watchdog is off (or not ready yet) */
	int64_t		 watchdog_due;
};

struct signals *
signals_new(struct ev_loop *ev, const char *who, void (*reload)(void *), void *arg)
{
	struct signals *s;
	sigset_t set;
	int saved;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	*s = (struct signals){ .ev = ev, .who = who, .reload = reload, .arg = arg, .sfd = -1 };
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (s->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		saved = errno;
		free(s);
		errno = saved;
		return NULL;
	}
	signal(SIGPIPE, SIG_IGN);
	return s;
}

static int
signals_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline)
{
	struct signals *s = arg;

	if (s->watchdog_ms > 0 && s->watchdog_due < *deadline)
		*deadline = s->watchdog_due;
	if (max < 1)
		return 0;
	pfd->fd = s->sfd;
	pfd->events = POLLIN;
	return 1;
}

static void
signals_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct signals *s = arg;
	struct signalfd_siginfo si;

	if (s->watchdog_ms > 0 && now >= s->watchdog_due) {
		notify_send("WATCHDOG=1");
		s->watchdog_due = now + s->watchdog_ms / 2;
	}
	if (n < 1 || !(pfd->revents & POLLIN))
		return;
	while (read(s->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGHUP) {
			log_info(_("%s: signal %u: stopping"), s->who, si.ssi_signo);
			ev_stop(s->ev);
		} else if (s->reload != NULL) {
			s->reload(s->arg);
		} else {
			log_info(_("%s: SIGHUP: nothing to reload; restart to read the configuration "
			    "again"), s->who);
		}
	}
}

void
signals_source(struct signals *s, struct ev_source *src)
{
	*src = (struct ev_source){ "signals", signals_prepare, signals_dispatch, s };
}

void
signals_ready(struct signals *s)
{
	s->watchdog_ms = notify_watchdog_ms();
	s->watchdog_due = clock_mono_ms();
	notify_send("READY=1");
}

void
signals_free(struct signals *s)
{
	if (s == NULL)
		return;
	if (s->sfd != -1)
		close(s->sfd);
	free(s);
}
