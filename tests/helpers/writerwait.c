/* Test helper: the store's writer held back and waited for (see writerwait.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/store/store_writer.h"
#include "tests/helpers/writerwait.h"

#define GATE_START_MS	5000

/* The gate's job owns its half of the two pipes: nothing of the test's that may be gone when it ends. */
struct gate_job {
	int	wait_fd;	/* read end: written to or closed by writer_gate_open() */
	int	running_fd;	/* write end: tells writer_gate_close() the thread is held */
};

/* On the writer's thread: says it runs, then waits until the gate is opened. */
static int
gate_work(struct store *db, void *arg)
{
	struct gate_job *j = arg;
	ssize_t n;
	char c;

	(void)db;
	n = write(j->running_fd, "r", 1);
	(void)n;		/* closing it says the same */
	close(j->running_fd);
	while (read(j->wait_fd, &c, 1) == -1 && errno == EINTR)
		;
	close(j->wait_fd);
	free(j);
	return 0;
}

/*
 * The gate goes into the ordinary lane, behind everything submitted before
 * it; but a job submitted to the first lane before the thread has taken the
 * gate would run ahead of it. So this waits until the gate's job is running.
 */
int
writer_gate_close(struct store_writer *w, struct writer_gate *g)
{
	struct gate_job *j = malloc(sizeof(*j));
	int hold[2], running[2];
	struct pollfd pfd;
	int rc;

	if (j == NULL)
		return -ENOMEM;
	if (pipe(hold) == -1) {
		free(j);
		return -errno;
	}
	if (pipe(running) == -1) {
		rc = -errno;
		close(hold[0]);
		close(hold[1]);
		free(j);
		return rc;
	}
	j->wait_fd = hold[0];
	j->running_fd = running[1];
	if (store_writer_call(w, gate_work, j, 0, NULL, NULL) < 0) {
		close(hold[0]);
		close(hold[1]);
		close(running[0]);
		close(running[1]);
		free(j);
		return -ENOMEM;
	}
	g->release = hold[1];
	pfd.fd = running[0];
	pfd.events = POLLIN;
	while ((rc = poll(&pfd, 1, GATE_START_MS)) == -1 && errno == EINTR)
		;
	close(running[0]);
	return rc == 1 ? 0 : -ETIMEDOUT;
}

void
writer_gate_open(struct writer_gate *g)
{
	ssize_t n = write(g->release, "x", 1);

	(void)n;		/* closing it lets the job go all the same */
	close(g->release);
	g->release = -1;
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
	/*
	 * In the ordinary lane: the thread empties the first lane before it takes
	 * an ordinary job, and jobs are told done in the order they ran, so every
	 * job submitted before, in either lane, is done before this one.
	 */
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
