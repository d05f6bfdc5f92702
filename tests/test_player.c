/*
 * Tests of the player (daemon/audio/player.c) with real bulletins from real
 * encoders (build/fixtures), the real decoder and the real event loop, into a
 * fake output: a backend written here to the contract of daemon/audio/output.h
 * that counts what it is given, can be made to fill up, to refuse to open, or
 * to fail in the middle of a bulletin. The fake is not something we ship; the
 * ALSA backend has its own test (test_output_alsa.c). Every wait is for an
 * event, with a deadline; nothing sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "daemon/audio/output.h"
#include "daemon/audio/player.h"
#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/core/log.h"
#include "daemon/proto/play.h"
#include "tests/t.h"

#define RATE		48000
#define WAIT_MS		20000
#define F_SHORT		"thông báo.opus"	/* 10.054 s (opusinfo) */
#define F_LONG		"bản tin số 1.opus"	/* 13.291 s */
#define SECS_SHORT	10.054
#define SECS_LONG	13.291
#define MAX_EVENTS	32

static char g_fix[512];

/* ---- the fake output ---- */

struct fake_out {
	struct output	 base;		/* first, as the contract wants */
	int		 ready;		/* an eventfd: always writable */
	int		 full[2];	/* a pipe never readable: "the buffer is full" */
	/* The player's thread uses it while the test looks: atomic. */
	_Atomic int	 is_open;
	_Atomic int	 opens, open_failures, drains;
	_Atomic int	 fail_opens;	/* the next n opens fail */
	_Atomic long	 room;		/* frames it takes before it is full; -1: no limit */
	_Atomic long	 fail_after;	/* a write past this many frames fails; -1: never */
	_Atomic long	 delay;		/* what delay() says is buffered */
	_Atomic uint64_t frames;	/* frames taken since created */
	_Atomic int	 misuse;	/* calls the contract does not allow */
};

static const struct output_ops fake_ops;

static struct output *
fake_create(const char *device, unsigned buffer_ms)
{
	struct fake_out *f = calloc(1, sizeof(*f));

	(void)device;
	(void)buffer_ms;
	if (f == NULL)
		return NULL;
	f->ready = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->ready < 0 || pipe2(f->full, O_CLOEXEC) == -1) {
		free(f);
		return NULL;
	}
	f->base.ops = &fake_ops;
	f->base.health = OUTPUT_CLOSED;
	f->room = -1;
	f->fail_after = -1;
	return &f->base;
}

static void
fake_destroy(struct output *o)
{
	struct fake_out *f = (struct fake_out *)o;

	close(f->ready);
	close(f->full[0]);
	close(f->full[1]);
	free(f);
}

static int
fake_open(struct output *o, const struct audio_fmt *fmt)
{
	struct fake_out *f = (struct fake_out *)o;

	f->opens++;
	if (fmt->rate != RATE || fmt->channels != 1)
		f->misuse++;
	if (f->fail_opens > 0) {
		f->fail_opens--;
		f->open_failures++;
		f->is_open = 0;
		o->health = OUTPUT_FAILED;
		snprintf(o->error, sizeof(o->error), "the fake device is unplugged");
		return -ENODEV;
	}
	f->is_open = 1;
	o->health = OUTPUT_OK;
	o->error[0] = '\0';
	return 0;
}

static void
fake_close(struct output *o)
{
	struct fake_out *f = (struct fake_out *)o;

	f->is_open = 0;
	if (o->health == OUTPUT_OK)
		o->health = OUTPUT_CLOSED;
}

static int
fake_pollfds(struct output *o, struct pollfd *pfd, int max)
{
	struct fake_out *f = (struct fake_out *)o;

	if (!f->is_open || max < 1)
		return 0;
	if (f->room == 0) {
		pfd->fd = f->full[0];
		pfd->events = POLLIN;
	} else {
		pfd->fd = f->ready;
		pfd->events = POLLOUT;
	}
	return 1;
}

static long
fake_writable(struct output *o, const struct pollfd *pfd, int n)
{
	struct fake_out *f = (struct fake_out *)o;

	(void)pfd;
	(void)n;
	if (!f->is_open) {
		f->misuse++;
		return -EBADFD;
	}
	return f->room < 0 ? 4096 : f->room;
}

static long
fake_play(struct output *o, const int16_t *pcm, size_t frames)
{
	struct fake_out *f = (struct fake_out *)o;

	(void)pcm;
	if (!f->is_open) {
		f->misuse++;
		return -EBADFD;
	}
	if (f->fail_after >= 0 && f->frames + frames > (uint64_t)f->fail_after) {
		f->fail_after = -1;	/* once: it comes back afterwards */
		o->health = OUTPUT_FAILED;
		snprintf(o->error, sizeof(o->error), "the fake device went away");
		return -ENODEV;
	}
	if (f->room >= 0 && frames > (size_t)f->room)
		frames = (size_t)f->room;
	if (f->room >= 0)
		f->room -= (long)frames;
	f->frames += frames;
	return (long)frames;
}

static long
fake_delay(struct output *o)
{
	struct fake_out *f = (struct fake_out *)o;

	return f->is_open ? f->delay : 0;
}

static int
fake_drain(struct output *o)
{
	struct fake_out *f = (struct fake_out *)o;

	if (!f->is_open)
		f->misuse++;
	f->drains++;
	fake_close(o);
	return 0;
}

static const struct output_ops fake_ops = {
	.name = "fake",
	.create = fake_create,
	.destroy = fake_destroy,
	.open = fake_open,
	.close = fake_close,
	.pollfds = fake_pollfds,
	.writable = fake_writable,
	.play = fake_play,
	.delay = fake_delay,
	.drain = fake_drain,
};

/* ---- what the player reports ---- */

struct rec {
	char		 event[16];	/* "started" or the ended event */
	char		 file[128];
	char		 play_id[33];
	char		 error[256];
	double		 seconds;
	int		 chimed;	/* the item says its chime sounded */
	double		 fallback_s;	/* a relay's */
	unsigned	 breaks;
};

struct world {
	struct fake_out	*out;
	struct player	*p;
	struct ev_loop	*ev;
	struct rec	 rec[MAX_EVENTS];
	int		 n, idles, devices;
};

static struct world W;

static void
record(struct play_item *it, const char *event, double seconds, const char *error)
{
	struct rec *r;

	if (W.n == MAX_EVENTS)
		return;
	r = &W.rec[W.n++];
	snprintf(r->event, sizeof(r->event), "%s", event);
	snprintf(r->file, sizeof(r->file), "%s", it->file);
	snprintf(r->play_id, sizeof(r->play_id), "%s", it->play_id);
	snprintf(r->error, sizeof(r->error), "%s", error != NULL ? error : "");
	r->seconds = seconds;
	r->chimed = it->chimed;
	r->fallback_s = it->fallback_s;
	r->breaks = it->breaks;
}

static void
on_started(void *arg, struct play_item *it)
{
	(void)arg;
	record(it, "started", 0, NULL);
}

static void
on_ended(void *arg, struct play_item *it, const char *event, double seconds, const char *error)
{
	(void)arg;
	record(it, event, seconds, error);
}

static void
on_idle(void *arg)
{
	(void)arg;
	W.idles++;
}

static void
on_device(void *arg)
{
	(void)arg;
	W.devices++;
}

static int64_t g_deadline;

static int
deadline_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	(void)arg;
	(void)pfd;
	(void)max;
	if (g_deadline < *deadline_ms)
		*deadline_ms = g_deadline;
	return 0;
}

static void
world_new(void)
{
	struct player_events ev = { on_started, on_ended, on_idle, on_device, NULL };
	struct audio_fmt fmt = { .rate = RATE, .channels = 1 };
	struct ev_source src = { .name = "deadline", .prepare = deadline_prepare };

	memset(&W, 0, sizeof(W));
	W.out = (struct fake_out *)fake_ops.create("fake", 0);
	T_ASSERT(W.out != NULL);
	W.p = player_new(&W.out->base, &fmt, &ev);
	T_ASSERT(W.p != NULL);
	W.ev = ev_new();
	ev_add(W.ev, &src);
	player_source(W.p, &src);
	ev_add(W.ev, &src);
}

static void
world_free(void)
{
	player_free(W.p);
	ev_free(W.ev);
	T_EQ_INT(W.out->misuse, 0);
	output_destroy(&W.out->base);
}

/* Runs the loop until cond() holds (1) or WAIT_MS pass (0). */
static int
run_until(int (*cond)(void))
{
	g_deadline = clock_mono_ms() + WAIT_MS;
	while (!cond()) {
		if (clock_mono_ms() >= g_deadline || ev_run_once(W.ev) < 0)
			return 0;
	}
	return 1;
}

static int c_idle(void) { return !player_busy(W.p); }
static int c_full(void) { return W.out->room == 0; }
static int c_device_told(void) { return W.devices >= 1; }
static int c_two_events(void) { return W.n >= 2; }

/* A sequence of bulletins from the fixtures; expires: 0 or a wall-clock time. */
static struct play_item *
items_new(const char *const *files, size_t n, time_t expires)
{
	struct play_item *it = calloc(n, sizeof(*it));
	char path[1024];
	size_t i;

	for (i = 0; it != NULL && i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", g_fix, files[i]);
		it[i].path = strdup(path);
		it[i].file = strdup(files[i]);
		it[i].title = strdup("Bản tin");
		it[i].source = PLAY_QUEUE;
		it[i].cls = SCHED_PRIORITY;
		it[i].expires = expires;
	}
	return it;
}

static void
expect(int i, const char *event, const char *file)
{
	T_ASSERT(i < W.n);
	if (i >= W.n)
		return;
	T_EQ_STR(W.rec[i].event, event);
	T_EQ_STR(W.rec[i].file, file);
	T_EQ_INT(strlen(W.rec[i].play_id), 32);
}

/* Two bulletins played through, one after the other. */
static void
expect_two_plays(const char *first, const char *second)
{
	T_EQ_INT(W.n, 4);
	expect(0, "started", first);
	expect(1, "finished", first);
	expect(2, "started", second);
	expect(3, "finished", second);
}

static int
near(double a, double b, double tolerance)
{
	return a > b - tolerance && a < b + tolerance;
}

/* ---- the cases ---- */

static void
test_back_to_back(void)
{
	const char *files[] = { F_SHORT, F_LONG };
	struct play_item cur;

	world_new();
	T_EQ_INT(player_start(W.p, items_new(files, 2, 0), 2), 0);
	/*
	 * While it plays, its class is priority. The fake device takes sound
	 * as fast as it comes, so the thread may be done already: look at
	 * one snapshot, never at two calls that the thread can run between.
	 */
	if (player_current(W.p, &cur, NULL)) {
		T_EQ_INT(cur.cls, SCHED_PRIORITY);
		play_item_clear(&cur);
	}
	T_ASSERT(run_until(c_idle));
	expect_two_plays(F_SHORT, F_LONG);
	if (W.n == 4) {
		/* The reported lengths are what the device got, and what opusinfo says. */
		T_ASSERT(near(W.rec[1].seconds, SECS_SHORT, 0.03));
		T_ASSERT(near(W.rec[3].seconds, SECS_LONG, 0.03));
		T_ASSERT(near(W.rec[1].seconds + W.rec[3].seconds, (double)W.out->frames / RATE, 0.002));
		T_EQ_STR(W.rec[0].play_id, W.rec[1].play_id);
		T_ASSERT(strcmp(W.rec[0].play_id, W.rec[2].play_id) != 0);
	}
	/*
	 * No gap: one open for the whole sequence (the player never writes
	 * silence, so what the device took is exactly both bulletins), drained
	 * once, closed at the end.
	 */
	T_EQ_INT(W.out->opens, 1);
	T_EQ_INT(W.out->drains, 1);
	T_EQ_INT(W.out->is_open, 0);
	T_EQ_INT(W.idles, 1);
	T_ASSERT(!player_current(W.p, &cur, NULL));
	T_EQ_INT(player_class(W.p), SCHED_NORMAL);
	world_free();
}

/* A chime from memory: the bytes of a fixture, with one reference. NULL when unreadable. */
static struct play_chime *
chime_of(const char *file)
{
	static unsigned char buf[256 * 1024];
	struct play_chime *c = NULL;
	char path[1024];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", g_fix, file);
	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	if (n > 0)
		c = play_chime_new(file, buf, n);
	return c;
}

/*
 * The chime sounds before the first bulletin only, in the same stream (one
 * open, nothing between), with no events of its own; the bulletin's seconds
 * do not count it, and its started says it sounded.
 */
static void
test_chime_before_the_first_bulletin(void)
{
	const char *files[] = { F_LONG, F_LONG };
	struct play_item *it = items_new(files, 2, 0);

	world_new();
	T_ASSERT(it != NULL);
	if (it == NULL)
		return;
	it[0].chime = chime_of(F_SHORT);	/* any Ogg Opus will do */
	T_ASSERT(it[0].chime != NULL);
	T_EQ_INT(player_start(W.p, it, 2), 0);
	T_ASSERT(run_until(c_idle));
	expect_two_plays(F_LONG, F_LONG);
	if (W.n == 4) {
		T_EQ_INT(W.rec[0].chimed, 1);
		T_EQ_INT(W.rec[2].chimed, 0);
		T_ASSERT(near(W.rec[1].seconds, SECS_LONG, 0.03));
		T_ASSERT(near(SECS_SHORT + 2 * SECS_LONG, (double)W.out->frames / RATE, 0.05));
	}
	T_EQ_INT(W.out->opens, 1);
	world_free();
}

/* A chime that does not decode is skipped: the bulletin plays, whole, and says no chime. */
static void
test_bad_chime_is_skipped(void)
{
	const char *files[] = { F_SHORT };
	struct play_item *it = items_new(files, 1, 0);

	world_new();
	T_ASSERT(it != NULL);
	if (it == NULL)
		return;
	it[0].chime = chime_of("mp3-renamed.opus");
	T_ASSERT(it[0].chime != NULL);
	T_EQ_INT(player_start(W.p, it, 1), 0);
	T_ASSERT(run_until(c_idle));
	T_EQ_INT(W.n, 2);
	expect(0, "started", F_SHORT);
	expect(1, "finished", F_SHORT);
	if (W.n == 2)
		T_EQ_INT(W.rec[0].chimed, 0);
	T_ASSERT(near((double)W.out->frames / RATE, SECS_SHORT, 0.03));
	world_free();
}

static void
test_bad_files_fail_and_the_rest_plays(void)
{
	const char *files[] = { "mp3-renamed.opus", F_SHORT, "không có.opus" };

	world_new();
	T_EQ_INT(player_start(W.p, items_new(files, 3, 0), 3), 0);
	T_ASSERT(run_until(c_idle));
	T_EQ_INT(W.n, 4);
	expect(0, "failed", "mp3-renamed.opus");
	expect(1, "started", F_SHORT);
	expect(2, "finished", F_SHORT);
	expect(3, "failed", "không có.opus");
	if (W.n == 4) {
		T_CONTAINS(W.rec[0].error, "mp3-renamed.opus");
		T_EQ_INT(W.rec[0].seconds, 0);
		T_CONTAINS(W.rec[3].error, "không có.opus");
	}
	world_free();
}

static void
test_busy_refuses_and_frees(void)
{
	const char *files[] = { F_SHORT };

	world_new();
	W.out->room = RATE;
	T_EQ_INT(player_start(W.p, items_new(files, 1, 0), 1), 0);
	/* The second sequence is refused, and its items freed (ASan would tell). */
	T_EQ_INT(player_start(W.p, items_new(files, 1, 0), 1), -EBUSY);
	player_stop(W.p, "test");
	T_ASSERT(!player_busy(W.p));
	world_free();
}

static void
test_stop_interrupts_and_misses_the_rest(void)
{
	const char *files[] = { F_SHORT, F_LONG };
	struct play_item cur;
	time_t since;

	world_new();
	W.out->room = 2 * RATE;		/* two seconds, then the device is full */
	T_EQ_INT(player_start(W.p, items_new(files, 2, 0), 2), 0);
	T_ASSERT(run_until(c_full));
	T_ASSERT(player_current(W.p, &cur, &since) && strcmp(cur.file, F_SHORT) == 0);
	play_item_clear(&cur);
	/* time() reads the coarse clock, which may lag a tick behind the player's. */
	T_ASSERT(since > 0 && since <= time(NULL) + 1);
	W.out->delay = RATE / 2;	/* half a second not heard yet */
	player_stop(W.p, "người vận hành dừng");
	T_ASSERT(!player_busy(W.p));
	T_EQ_INT(W.n, 3);
	expect(0, "started", F_SHORT);
	expect(1, "interrupted", F_SHORT);
	expect(2, "missed", F_LONG);
	if (W.n == 3) {
		/* What was heard: written less what the device still held. */
		T_ASSERT(near(W.rec[1].seconds, 1.5, 0.001));
		T_EQ_STR(W.rec[1].error, "người vận hành dừng");
		T_EQ_STR(W.rec[2].error, "người vận hành dừng");
		T_EQ_INT(W.rec[2].seconds, 0);
	}
	T_EQ_INT(W.out->is_open, 0);
	T_EQ_INT(W.out->drains, 0);		/* dropped, not played out */
	T_EQ_INT(W.idles, 1);
	world_free();
}

static void
test_stop_as_cancelled(void)
{
	const char *files[] = { F_SHORT };

	world_new();
	W.out->room = RATE;
	T_EQ_INT(player_start(W.p, items_new(files, 1, 0), 1), 0);
	T_ASSERT(run_until(c_full));
	player_stop_as(W.p, "cancelled", "the district cancelled the alert");
	T_EQ_INT(W.n, 2);
	expect(1, "cancelled", F_SHORT);
	world_free();
}

static void
test_preempt_gives_back_the_rest(void)
{
	const char *files[] = { F_SHORT, F_LONG };
	struct play_item *back = NULL;
	size_t n = 0;

	world_new();
	W.out->room = RATE;
	T_EQ_INT(player_start(W.p, items_new(files, 2, 0), 2), 0);
	T_ASSERT(run_until(c_full));
	player_preempt(W.p, "an emergency alert", &back, &n);
	T_ASSERT(!player_busy(W.p));
	T_EQ_INT(W.n, 2);
	expect(1, "interrupted", F_SHORT);
	if (W.n == 2)
		T_EQ_STR(W.rec[1].error, "an emergency alert");
	/* Both come back, the interrupted one to start again from its beginning. */
	T_EQ_INT(n, 2);
	T_ASSERT(back != NULL);
	if (back != NULL && n == 2) {
		T_EQ_STR(back[0].file, F_SHORT);
		T_EQ_STR(back[1].file, F_LONG);
		T_EQ_STR(back[0].play_id, "");
		T_EQ_STR(back[1].play_id, "");
	}
	/* Started again, it plays from the start, under a new play id. */
	W.out->room = -1;
	W.n = 0;
	T_EQ_INT(player_start(W.p, back, n), 0);
	T_ASSERT(run_until(c_idle));
	T_EQ_INT(W.n, 4);
	expect(1, "finished", F_SHORT);
	expect(3, "finished", F_LONG);
	if (W.n == 4)
		T_ASSERT(near(W.rec[1].seconds, SECS_SHORT, 0.03));
	world_free();
}

static void
test_preempt_when_idle_gives_nothing(void)
{
	struct play_item *back = (struct play_item *)&back;
	size_t n = 7;

	world_new();
	player_preempt(W.p, "x", &back, &n);
	T_ASSERT(back == NULL);
	T_EQ_INT(n, 0);
	T_EQ_INT(W.n, 0);
	world_free();
}

static void
test_expired_items_are_missed(void)
{
	const char *files[] = { F_SHORT, F_LONG };

	world_new();
	T_EQ_INT(player_start(W.p, items_new(files, 2, time(NULL) - 1), 2), 0);
	T_ASSERT(run_until(c_idle));
	T_EQ_INT(W.n, 2);
	expect(0, "missed", F_SHORT);
	expect(1, "missed", F_LONG);
	if (W.n == 2)
		T_CONTAINS(W.rec[0].error, "grace period");
	T_EQ_INT(W.out->frames, 0);
	T_EQ_INT(W.out->is_open, 0);
	T_EQ_INT(W.idles, 1);
	world_free();
}

static void
test_device_that_fails_to_open_is_retried(void)
{
	const char *files[] = { F_SHORT };
	struct player_device_state dev;

	world_new();
	W.out->fail_opens = 1;
	T_EQ_INT(player_start(W.p, items_new(files, 1, 0), 1), 0);
	/* Waiting for the device: busy, nothing started, the health reported. */
	T_ASSERT(run_until(c_device_told));
	T_ASSERT(player_busy(W.p));
	T_EQ_INT(W.n, 0);
	player_device(W.p, &dev);
	T_EQ_INT(dev.health, OUTPUT_FAILED);
	T_CONTAINS(dev.error, "unplugged");
	T_ASSERT(run_until(c_idle));
	T_EQ_INT(W.out->opens, 2);
	T_EQ_INT(W.n, 2);
	expect(0, "started", F_SHORT);
	expect(1, "finished", F_SHORT);
	T_ASSERT(W.devices >= 2);
	world_free();
}

static void
test_device_that_never_opens_misses_what_expires(void)
{
	const char *files[] = { F_SHORT };

	world_new();
	W.out->fail_opens = 1000;
	/* It may start until the end of this second, and the device will not open. */
	T_EQ_INT(player_start(W.p, items_new(files, 1, time(NULL)), 1), 0);
	T_ASSERT(run_until(c_idle));
	T_EQ_INT(W.n, 1);
	expect(0, "missed", F_SHORT);
	if (W.n == 1)
		T_CONTAINS(W.rec[0].error, "audio device could not be opened");
	T_EQ_INT(W.out->frames, 0);
	T_EQ_INT(W.out->is_open, 0);
	T_EQ_INT(W.idles, 1);
	world_free();
}

static void
test_device_lost_mid_bulletin_starts_it_again(void)
{
	const char *files[] = { F_SHORT };

	world_new();
	W.out->fail_after = 3 * RATE;
	T_EQ_INT(player_start(W.p, items_new(files, 1, 0), 1), 0);
	T_ASSERT(run_until(c_two_events));
	expect(0, "started", F_SHORT);
	expect(1, "interrupted", F_SHORT);
	if (W.n >= 2) {
		T_CONTAINS(W.rec[1].error, "the fake device went away");
		T_ASSERT(W.rec[1].seconds <= 3.0 && W.rec[1].seconds > 2.5);
	}
	T_EQ_INT(W.out->is_open, 0);
	/* After the back-off the device is back: the bulletin plays whole, anew. */
	T_ASSERT(run_until(c_idle));
	T_EQ_INT(W.n, 4);
	expect(2, "started", F_SHORT);
	expect(3, "finished", F_SHORT);
	if (W.n == 4) {
		T_ASSERT(strcmp(W.rec[0].play_id, W.rec[2].play_id) != 0);
		T_ASSERT(near(W.rec[3].seconds, SECS_SHORT, 0.03));
	}
	T_EQ_INT(W.out->opens, 2);
	world_free();
}

/* ---- relays ---- */

/* A relay of ends_in seconds from now, with the fixture fallback (NULL: none). */
static struct play_item *
relay_new(int ends_in, const char *fallback)
{
	struct play_item *it = calloc(1, sizeof(*it));
	char path[1024];

	T_ASSERT(it != NULL);
	it->relay = strdup("http://user:pw@radio.example:8000/kenh1");
	it->file = strdup("http://radio.example:8000/kenh1");
	it->title = strdup("Tiếp sóng");
	it->source = PLAY_SCHEDULE;
	it->cls = SCHED_NORMAL;
	it->ends = time(NULL) + ends_in;
	if (fallback != NULL) {
		snprintf(path, sizeof(path), "%s/%s", g_fix, fallback);
		it->fallback = calloc(1, sizeof(*it->fallback));
		it->fallback[0] = strdup(path);
		it->n_fallback = 1;
	}
	return it;
}

/* A helper's pipe with frames of PCM written in it (a ramp), closed at the writing end. */
static int
relay_pipe(size_t frames)
{
	int16_t pcm[1024];
	int fd[2];
	size_t i, n;

	T_ASSERT(pipe2(fd, O_CLOEXEC) == 0);
	T_ASSERT(frames * 2 <= 65536);	/* what a pipe holds without a reader */
	while (frames > 0) {
		n = frames < 1024 ? frames : 1024;
		for (i = 0; i < n; i++)
			pcm[i] = (int16_t)(i * 16);
		T_ASSERT(write(fd[1], pcm, n * 2) == (ssize_t)(n * 2));
		frames -= n;
	}
	close(fd[1]);
	(void)fcntl(fd[0], F_SETFL, O_NONBLOCK);
	return fd[0];
}

static int c_started(void) { return W.n >= 1; }

/*
 * The stream comes (a helper's PCM), then its helper goes: what came is
 * played whole, the stream is away once (no fallback: silence), and the
 * relay ends at its end, "finished" with the stream's seconds.
 */
static void
test_relay_plays_the_stream_until_its_end(void)
{
	int64_t t0;

	world_new();
	player_relay_stall(W.p, 300);
	t0 = clock_mono_ms();
	T_EQ_INT(player_start(W.p, relay_new(2, NULL), 1), 0);
	T_ASSERT(run_until(c_started));
	expect(0, "started", "http://radio.example:8000/kenh1");
	W.out->delay = RATE / 10;	/* the device is ahead: silence waits, the stream does not */
	T_EQ_INT(player_relay_feed(W.p, relay_pipe(RATE * 3 / 10)), 0);
	T_ASSERT(run_until(c_idle));
	T_EQ_INT(W.n, 2);
	expect(1, "finished", "http://radio.example:8000/kenh1");
	if (W.n == 2) {
		T_ASSERT(near(W.rec[1].seconds, 0.3, 0.001));
		T_EQ_INT(W.rec[1].breaks, 1);
		T_EQ_STR(W.rec[1].error, "");
	}
	/* It ended with its window (1 to 2 s of wall clock), not with its stream. */
	T_ASSERT(clock_mono_ms() - t0 >= 900);
	world_free();
}

/* A stream that never comes: silence, then "failed" with why, and the station goes on. */
static void
test_relay_that_never_comes_fails(void)
{
	world_new();
	player_relay_stall(W.p, 200);
	T_EQ_INT(player_start(W.p, relay_new(1, NULL), 1), 0);
	T_ASSERT(run_until(c_started));
	W.out->delay = RATE / 10;
	player_relay_note(W.p, "the server answered 404 Not Found");
	T_ASSERT(run_until(c_idle));
	T_EQ_INT(W.n, 2);
	expect(1, "failed", "http://radio.example:8000/kenh1");
	if (W.n == 2) {
		T_EQ_STR(W.rec[1].error, "the server answered 404 Not Found");
		T_ASSERT(W.rec[1].seconds == 0);
		T_EQ_INT(W.rec[1].breaks, 0);
	}
	world_free();
}

/* The fallback plays while the stream is away, and the stream takes over when it comes. */
static void
test_relay_fallback_then_stream(void)
{
	world_new();
	W.out->room = RATE;	/* the device takes a second, then is full until told */
	player_relay_stall(W.p, 200);
	T_EQ_INT(player_start(W.p, relay_new(2, F_SHORT), 1), 0);
	T_ASSERT(run_until(c_full));	/* silence while it waits for the stream */
	expect(0, "started", "http://radio.example:8000/kenh1");
	W.out->delay = RATE / 10;
	W.out->room = -1;
	T_EQ_INT(player_relay_feed(W.p, relay_pipe(RATE / 4)), 0);	/* wakes the thread */
	T_ASSERT(run_until(c_idle));
	T_EQ_INT(W.n, 2);
	expect(1, "finished", "http://radio.example:8000/kenh1");
	if (W.n == 2) {
		T_ASSERT(near(W.rec[1].seconds, 0.25, 0.001));
		/* A second of silence before it; after it, the fallback as fast as the fake takes it. */
		T_ASSERT(W.rec[1].fallback_s >= 2.0);
		T_EQ_INT(W.rec[1].breaks, 1);
	}
	world_free();
}

/* A relay's chime sounds before its stream, and its "started" says so. */
static void
test_relay_after_its_chime(void)
{
	struct play_item *it = relay_new(2, NULL);
	uint64_t chime_frames;

	world_new();
	player_relay_stall(W.p, 300);
	it->chime = chime_of(F_SHORT);	/* any Ogg Opus will do */
	T_EQ_INT(player_start(W.p, it, 1), 0);
	T_ASSERT(run_until(c_started));
	expect(0, "started", "http://radio.example:8000/kenh1");
	if (W.n >= 1)
		T_EQ_INT(W.rec[0].chimed, 1);
	/* The chime was written whole before the relay's first frame. */
	chime_frames = W.out->frames;
	T_ASSERT(chime_frames >= (uint64_t)(RATE * SECS_SHORT) - 960);
	W.out->delay = RATE / 10;
	T_EQ_INT(player_relay_feed(W.p, relay_pipe(RATE / 5)), 0);
	T_ASSERT(run_until(c_idle));
	T_EQ_INT(W.n, 2);
	expect(1, "finished", "http://radio.example:8000/kenh1");
	if (W.n == 2)
		T_ASSERT(near(W.rec[1].seconds, 0.2, 0.001));
	world_free();
}

/* A higher class cuts a relay off: "interrupted", and it comes back to resume. */
static void
test_relay_preempted_comes_back(void)
{
	struct play_item *back = NULL;
	size_t i, n = 0;

	world_new();
	player_relay_stall(W.p, 5000);
	T_EQ_INT(player_start(W.p, relay_new(30, NULL), 1), 0);
	T_ASSERT(run_until(c_started));
	T_ASSERT(player_relaying(W.p));
	player_preempt(W.p, "an emergency alert", &back, &n);
	T_EQ_INT(W.n, 2);
	expect(1, "interrupted", "http://radio.example:8000/kenh1");
	T_EQ_INT(n, 1);
	if (n == 1 && back != NULL) {
		T_ASSERT(back[0].relay != NULL);
		T_EQ_INT(back[0].n_fallback, 0);
	}
	T_ASSERT(!player_relaying(W.p));
	/* No relay plays: a helper's pipe handed over now is closed, not kept. */
	T_EQ_INT(player_relay_feed(W.p, relay_pipe(10)), -ESRCH);
	for (i = 0; i < n; i++)
		play_item_clear(&back[i]);
	free(back);
	world_free();
}

int
main(void)
{
	const char *fix = getenv("LOAXA_FIXTURES");

	log_init("test_player", 1, 0);
	alarm(300);	/* a watchdog: a hung case must not hang the whole check */
	snprintf(g_fix, sizeof(g_fix), "%s", fix != NULL ? fix : "build/fixtures");
	T_RUN(test_back_to_back);
	T_RUN(test_chime_before_the_first_bulletin);
	T_RUN(test_bad_chime_is_skipped);
	T_RUN(test_bad_files_fail_and_the_rest_plays);
	T_RUN(test_busy_refuses_and_frees);
	T_RUN(test_stop_interrupts_and_misses_the_rest);
	T_RUN(test_stop_as_cancelled);
	T_RUN(test_preempt_gives_back_the_rest);
	T_RUN(test_preempt_when_idle_gives_nothing);
	T_RUN(test_expired_items_are_missed);
	T_RUN(test_device_that_fails_to_open_is_retried);
	T_RUN(test_device_that_never_opens_misses_what_expires);
	T_RUN(test_device_lost_mid_bulletin_starts_it_again);
	T_RUN(test_relay_plays_the_stream_until_its_end);
	T_RUN(test_relay_that_never_comes_fails);
	T_RUN(test_relay_fallback_then_stream);
	T_RUN(test_relay_preempted_comes_back);
	T_RUN(test_relay_after_its_chime);
	return T_EXIT();
}
