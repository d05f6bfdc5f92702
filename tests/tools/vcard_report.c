/*
 * Rebuilds what left the virtual card's loudspeaker (tests/vcard/vcard.c)
 * from its log, for tests. Prints "key value" lines, a group per key:
 *
 *	open REAL_NS		each time a program opened the card
 *	onset REAL_NS		for each open that played: when its first frame
 *				was heard
 *	start REAL_NS HEARD END	each run of the card: when it started, how many
 *				frames of it were heard, and what ended it:
 *				drain (played out), stop (cut off), xrun (ran
 *				dry), none (the log ends there: the program was
 *				killed, or is still playing)
 *	xrun REAL_NS STARVED_NS	the card ran dry at REAL_NS and had nothing to
 *				play for STARVED_NS (until the next start, or
 *				the stop or close that followed)
 *	drain LEAD_MS		each drain: how long before the card would have
 *				run dry it came (negative: after, and the card
 *				ran dry first)
 *	xruns N
 *	starved_ms X		all that silence together: the time the card
 *				had nothing to play while a program was
 *				playing; the end of a drain is not silence
 *	frames N		frames written (the capture file's length)
 *	heard N			of those, frames the card played
 *
 * With --when FRAME it prints only "when REAL_NS": the wall-clock time at
 * which frame FRAME of the capture file (counting the frames written from
 * 0, whatever their channels) was heard; or "unheard", and exits 1.
 * The log must be one program's at a time (one card per test).
 * Usage: vcard_report LOG [--when FRAME]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run {			/* a stream from a prepare to the end of its audio */
	int		 started;
	int64_t		 start_mono, start_real;
	uint64_t	 written, heard;
	unsigned	 rate;
	const char	*end;	/* NULL while it can still play */
	int		 drained;
	int64_t		 drain_lead;	/* ns before it would have run dry */
	int		 onset;	/* the first start after an open */
};

struct xrun {
	int64_t		 dry_real, starved;
};

struct report {
	struct run	*runs;
	size_t		 nruns;
	int64_t		*opens;
	size_t		 nopens;
	struct xrun	*xruns;
	size_t		 nxruns;
	unsigned	 rate;
	long		 last_started;	/* index into runs, -1 before any */
	int		 new_open;
	uint64_t	 frames;
	int		 want_when;
	uint64_t	 when;		/* the frame asked for */
	long		 when_run;	/* its run, -1 until found */
	uint64_t	 when_pos;	/* its position in that run */
};

/* Appends one zeroed element to a growing array; exits when memory runs out. */
static void *
grow(void *arr, size_t *n, size_t size)
{
	char *p;

	if ((*n & (*n - 1)) == 0) {	/* at 0, 1, 2, 4, ...: double */
		if ((p = realloc(arr, (*n ? *n * 2 : 1) * size)) == NULL) {
			perror("vcard_report");
			exit(2);
		}
		arr = p;
	}
	memset((char *)arr + *n * size, 0, size);
	(*n)++;
	return arr;
}

/* The run a write, start, stop or drain speaks of: the latest prepared. */
static struct run *
run_cur(struct report *r)
{
	if (r->nruns == 0) {
		r->runs = grow(r->runs, &r->nruns, sizeof(*r->runs));
		r->runs[0].rate = r->rate;
	}
	return &r->runs[r->nruns - 1];
}

static void
report_prepare(struct report *r)
{
	r->runs = grow(r->runs, &r->nruns, sizeof(*r->runs));
	r->runs[r->nruns - 1].rate = r->rate;
}

static void
report_write(struct report *r, uint64_t frames, uint64_t pos)
{
	struct run *u = run_cur(r);

	if (r->want_when && r->when >= r->frames && r->when < r->frames + frames) {
		r->when_run = (long)(u - r->runs);
		r->when_pos = pos + (r->when - r->frames);
	}
	r->frames += frames;
	u->written = pos + frames;
}

/* Nanoseconds from a run's start to when frame POS is heard. */
static int64_t
run_ns(const struct run *u, uint64_t pos)
{
	return (int64_t)(pos / u->rate) * 1000000000 +
	    (int64_t)((pos % u->rate) * 1000000000 / u->rate);
}

static void
report_start(struct report *r, int64_t mono, int64_t real)
{
	struct run *u = run_cur(r);

	u->started = 1;
	u->start_mono = mono;
	u->start_real = real;
	u->onset = r->new_open;
	r->new_open = 0;
	r->last_started = (long)(u - r->runs);
}

/* An underrun is logged when it ends; it belongs to the last run that started. */
static void
report_xrun(struct report *r, int64_t real, uint64_t pos, int64_t starved)
{
	struct run *u = r->last_started >= 0 ? &r->runs[r->last_started] : NULL;

	r->xruns = grow(r->xruns, &r->nxruns, sizeof(*r->xruns));
	r->xruns[r->nxruns - 1].dry_real = real - starved;
	r->xruns[r->nxruns - 1].starved = starved;
	if (u != NULL && u->end == NULL) {
		u->heard = pos;
		u->end = "xrun";
	}
}

static void
report_stop(struct report *r, uint64_t played)
{
	struct run *u = run_cur(r);

	if (u->started && u->end == NULL) {
		u->heard = played;
		u->end = u->drained ? "drain" : "stop";
	}
}

static void
report_drain(struct report *r, int64_t mono)
{
	struct run *u = run_cur(r);

	u->drained = 1;
	if (u->rate == 0)
		return;
	if (u->started)
		u->drain_lead = u->start_mono + run_ns(u, u->written) - mono;
	else	/* drained before the start threshold: all of it is still to play */
		u->drain_lead = run_ns(u, u->written);
}

static void
report_line(struct report *r, const char *line)
{
	long long mono, real, a = 0, b = 0;
	char ev[32];
	int n;

	if ((n = sscanf(line, "%lld %lld %31s %lld %lld", &mono, &real, ev, &a, &b)) < 3)
		return;
	if (strcmp(ev, "open") == 0) {
		r->new_open = 1;
		r->opens = grow(r->opens, &r->nopens, sizeof(*r->opens));
		r->opens[r->nopens - 1] = real;
	} else if (strcmp(ev, "hw_params") == 0 && n >= 4)
		r->rate = (unsigned)a;
	else if (strcmp(ev, "prepare") == 0)
		report_prepare(r);
	else if (strcmp(ev, "write") == 0 && n == 5)
		report_write(r, (uint64_t)a, (uint64_t)b);
	else if (strcmp(ev, "start") == 0)
		report_start(r, mono, real);
	else if (strcmp(ev, "xrun") == 0 && n == 5)
		report_xrun(r, real, (uint64_t)a, b);
	else if (strcmp(ev, "drain") == 0)
		report_drain(r, mono);
	else if (strcmp(ev, "stop") == 0 && n >= 4)
		report_stop(r, (uint64_t)a);
}

/* A run still open when the log ends played what it had, as far as anyone knows. */
static uint64_t
run_heard(const struct run *u)
{
	if (!u->started)
		return 0;
	return u->end != NULL ? u->heard : u->written;
}

static int
report_when(const struct report *r)
{
	const struct run *u;

	if (r->when_run < 0)
		goto unheard;
	u = &r->runs[r->when_run];
	if (!u->started || u->rate == 0 || r->when_pos >= run_heard(u))
		goto unheard;
	printf("when %" PRId64 "\n", u->start_real + run_ns(u, r->when_pos));
	return 0;
unheard:
	printf("unheard\n");
	return 1;
}

static void
report_print(const struct report *r)
{
	uint64_t heard = 0;
	int64_t starved = 0;
	size_t i;

	for (i = 0; i < r->nopens; i++)
		printf("open %" PRId64 "\n", r->opens[i]);
	for (i = 0; i < r->nruns; i++)
		if (r->runs[i].onset)
			printf("onset %" PRId64 "\n", r->runs[i].start_real);
	for (i = 0; i < r->nruns; i++) {
		const struct run *u = &r->runs[i];

		if (!u->started)
			continue;
		heard += run_heard(u);
		printf("start %" PRId64 " %" PRIu64 " %s\n", u->start_real,
		    run_heard(u), u->end != NULL ? u->end : "none");
	}
	for (i = 0; i < r->nruns; i++)
		if (r->runs[i].drained)
			printf("drain %.1f\n", (double)r->runs[i].drain_lead / 1e6);
	for (i = 0; i < r->nxruns; i++) {
		printf("xrun %" PRId64 " %" PRId64 "\n", r->xruns[i].dry_real,
		    r->xruns[i].starved);
		starved += r->xruns[i].starved;
	}
	printf("xruns %zu\nstarved_ms %.1f\nframes %" PRIu64 "\nheard %" PRIu64 "\n",
	    r->nxruns, (double)starved / 1e6, r->frames, heard);
}

int
main(int argc, char **argv)
{
	struct report r;
	char line[512];
	FILE *f;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.last_started = r.when_run = -1;
	if (argc == 4 && strcmp(argv[2], "--when") == 0) {
		r.want_when = 1;
		r.when = strtoull(argv[3], NULL, 10);
	} else if (argc != 2) {
		fprintf(stderr, "usage: vcard_report LOG [--when FRAME]\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	while (fgets(line, sizeof(line), f) != NULL)
		report_line(&r, line);
	fclose(f);
	if (r.want_when)
		rc = report_when(&r);
	else
		report_print(&r);
	free(r.runs);
	free(r.opens);
	free(r.xruns);
	return rc;
}
