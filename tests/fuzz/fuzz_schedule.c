/*
 * libFuzzer target over the schedule parser, the time parsers, and the
 * schedule arithmetic run on whatever schedule parses.
 * Build and run (from the top of the tree):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. \
 *     tests/fuzz/fuzz_schedule.c config/schedule.c config/timeparse.c config/conf.c \
 *     config/errlist.c daemon/station/sched.c $(pkg-config --cflags --libs libconfig) \
 *     -o build/fuzz_schedule
 *   LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp build/fuzz_schedule -max_total_time=60 \
 *     -max_len=4096
 * (libconfig 1.5 leaks on some syntax errors: see tests/fuzz/lsan.supp).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/schedule.h"
#include "config/timeparse.h"
#include "daemon/station/sched.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "Europe/Berlin", 1);	/* daylight saving: the harder arithmetic */
	tzset();
	return 0;
}

/* Every occurrence must be in range, in order, and agree with sched_next. */
static void
run_arithmetic(const struct schedule *s, time_t now)
{
	struct sched_occurrence occ[32];
	size_t n, i, slot;
	time_t next;

	n = sched_due(s, now, now + 400LL * 86400, occ, 32);
	next = sched_next(s, now, &slot);
	if (n > 0 && next != occ[0].at)
		abort();
	for (i = 0; i < n; i++) {
		if (occ[i].at <= now || occ[i].slot >= s->n_slots)
			abort();
		if (i > 0 && (occ[i].at < occ[i - 1].at ||
		    (occ[i].at == occ[i - 1].at && occ[i].slot <= occ[i - 1].slot)))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timeparse_at at;
	struct sched_date d;
	struct errlist el;
	struct schedule *s;
	char *text, why[64];
	time_t t, now = 1795000000;		/* 2026-11-18 */

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)timeparse_at(text, &at, why, sizeof(why));
	(void)timeparse_date_why(text, &d, why, sizeof(why));
	if (timeparse_local(text, now, &t) == 0 && timeparse_format_iso(t, why, sizeof(why)) != 0)
		abort();
	/* libconfig would open whatever file an @include names: not the parser under test. */
	if (strcasestr(text, "@include") == NULL) {
		errlist_init(&el);
		s = schedule_parse_string(text, "fuzz.cfg", "/nonexistent/loaxa", 0, &el);
		if (s != NULL)
			run_arithmetic(s, now);
		schedule_free(s);
		errlist_clear(&el);
	}
	free(text);
	return 0;
}
