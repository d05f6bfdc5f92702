/* The event loop: the pollfd array is rebuilt every iteration from the live sources. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/core/log.h"

struct ev_loop {
	struct ev_source src[EV_MAX_SOURCES];
	int	nsrc;
	int	stopped;
};

struct ev_loop *
ev_new(void)
{
	return calloc(1, sizeof(struct ev_loop));
}

void
ev_free(struct ev_loop *ev)
{
	free(ev);
}

int
ev_add(struct ev_loop *ev, const struct ev_source *src)
{
	if (ev->nsrc == EV_MAX_SOURCES)
		return -ENOSPC;
	ev->src[ev->nsrc++] = *src;
	return 0;
}

void
ev_remove(struct ev_loop *ev, void *arg)
{
	int i = 0;

	while (i < ev->nsrc) {
		if (ev->src[i].arg == arg) {
			memmove(&ev->src[i], &ev->src[i + 1],
			    (size_t)(ev->nsrc - i - 1) * sizeof(ev->src[0]));
			ev->nsrc--;
		} else
			i++;
	}
}

static int
ev_timeout(int64_t deadline, int64_t now)
{
	if (deadline == EV_NO_DEADLINE)
		return -1;
	if (deadline <= now)
		return 0;
	if (deadline - now > 3600 * 1000)
		return 3600 * 1000;
	return (int)(deadline - now);
}

int
ev_run_once(struct ev_loop *ev)
{
	struct pollfd pfd[EV_MAX_FDS];
	int first[EV_MAX_SOURCES], count[EV_MAX_SOURCES];
	int64_t deadline = EV_NO_DEADLINE, now;
	int i, n = 0, nsrc = ev->nsrc;

	for (i = 0; i < nsrc; i++) {
		struct ev_source *s = &ev->src[i];

		first[i] = n;
		count[i] = s->prepare != NULL ?
		    s->prepare(s->arg, &pfd[n], EV_MAX_FDS - n, &deadline) : 0;
		if (count[i] < 0)
			count[i] = 0;
		n += count[i];
	}
	if (poll(pfd, (nfds_t)n, ev_timeout(deadline, clock_mono_ms())) == -1 &&
	    errno != EINTR) {
		log_warn("loop: poll");
		return -errno;
	}
	now = clock_mono_ms();
	/* A dispatch may add or remove sources; only those prepared run now. */
	for (i = 0; i < nsrc && i < ev->nsrc; i++) {
		struct ev_source *s = &ev->src[i];

		if (s->dispatch != NULL)
			s->dispatch(s->arg, &pfd[first[i]], count[i], now);
	}
	return 0;
}

int
ev_run(struct ev_loop *ev)
{
	int rc = 0;

	ev->stopped = 0;
	while (!ev->stopped && rc == 0)
		rc = ev_run_once(ev);
	return rc;
}

void
ev_stop(struct ev_loop *ev)
{
	ev->stopped = 1;
}
