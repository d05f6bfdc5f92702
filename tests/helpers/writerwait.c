/* Test helper: the store's writer held back and waited for (see writerwait.h). */
#include <errno.h>
#include <unistd.h>

#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/store/store_writer.h"
#include "tests/helpers/writerwait.h"

/* On the writer's thread: waits until the gate's pipe is written to or closed. */
static int
gate_work(struct store *db, void *arg)
{
	struct writer_gate *g = arg;
	char c;

	(void)db;
	while (read(g->fd[0], &c, 1) == -1 && errno == EINTR)
		;
	close(g->fd[0]);
	return 0;
}

int
writer_gate_close(struct store_writer *w, struct writer_gate *g)
{
	if (pipe(g->fd) == -1)
		return -errno;
	if (store_writer_call(w, gate_work, g, 0, NULL, NULL) < 0) {
		close(g->fd[0]);
		close(g->fd[1]);
		return -ENOMEM;
	}
	return 0;
}

void
writer_gate_open(struct writer_gate *g)
{
	ssize_t n = write(g->fd[1], "x", 1);

	(void)n;		/* closing it lets the job go all the same */
	close(g->fd[1]);
}

static int
settle_work(struct store *db, void *arg)
{
	(void)db;
	(void)arg;
	return 0;
}

/* How many settles are done: static, as one that timed out may be done later. */
static unsigned g_settled;

static void
settle_done(void *arg, int rc)
{
	(void)arg;
	(void)rc;
	g_settled++;
}

/* Keeps poll() from waiting past the deadline. */
static int
settle_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	(void)pfd;
	(void)max;
	if (*(int64_t *)arg < *deadline_ms)
		*deadline_ms = *(int64_t *)arg;
	return 0;
}

int
writer_settle(struct store_writer *w, int timeout_ms)
{
	struct ev_loop *ev = ev_new();
	struct ev_source src = { .name = "settle", .prepare = settle_prepare };
	int64_t end = clock_mono_ms() + timeout_ms;
	unsigned want = g_settled + 1;

	if (ev == NULL)
		return -ENOMEM;
	src.arg = &end;
	ev_add(ev, &src);
	store_writer_source(w, &src);
	ev_add(ev, &src);
	if (store_writer_call(w, settle_work, NULL, 0, settle_done, NULL) < 0) {
		ev_free(ev);
		return -ENOMEM;
	}
	while (g_settled < want && clock_mono_ms() < end)
		if (ev_run_once(ev) < 0)
			break;
	ev_free(ev);
	return g_settled >= want ? 0 : -ETIMEDOUT;
}
