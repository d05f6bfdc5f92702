/*
 * Whether the wall clock can be believed. A controller without a real-time
 * clock boots in 1970 (or at its last saved time) until NTP sets it; firing
 * the schedule on such a clock would play the wrong bulletins at the wrong
 * hours. A clock before the software was built is obviously unset; a clock
 * the kernel says NTP synchronised is trustworthy.
 */
#ifndef LOAXA_CLOCK_H
#define LOAXA_CLOCK_H

#include <stdint.h>
#include <time.h>

/*
 * The one home of "now". Intervals, timeouts and poll deadlines use the
 * monotonic clock, which no one can set; the wall clock is only for mapping
 * the schedule onto time and for what reports say. Both are read precisely:
 * time() may read a coarse clock that lags by milliseconds, which at a slot's
 * second means "not yet".
 */
int64_t	clock_mono_ms(void);	/* CLOCK_MONOTONIC, milliseconds */
int64_t	clock_wall_ms(void);	/* CLOCK_REALTIME, milliseconds since 1970 */
time_t	clock_wall_now(void);	/* CLOCK_REALTIME, seconds */

/* The instant this software was built (its last commit): no earlier clock is true. */
time_t	clock_build_time(void);
/* 1 when now can be believed; otherwise 0 and a sentence for people in why. */
int	clock_trusted(time_t now, const char **why);

#endif
