/*
 * Whether the wall clock can be believed. A controller without a real-time
 * clock boots in 1970 (or at its last saved time) until NTP sets it; firing
 * the schedule on such a clock would play the wrong bulletins at the wrong
 * hours. A clock before the software was built is obviously unset; a clock
 * the kernel says NTP synchronised is trustworthy.
 */
#ifndef LOAXA_CLOCK_H
#define LOAXA_CLOCK_H

#include <time.h>

/* The instant this software was built (its last commit): no earlier clock is true. */
time_t	clock_build_time(void);
/* 1 when now can be believed; otherwise 0 and a sentence for people in why. */
int	clock_trusted(time_t now, const char **why);

#endif
