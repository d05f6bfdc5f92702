/*
 * Schedule arithmetic: when does a slot next start? Pure: the time is a
 * parameter, the local time zone is TZ, and nothing here does I/O. A local
 * time that a daylight-saving change skips starts at the first instant after
 * the gap; one that happens twice starts once, the first time.
 */
#ifndef LOAXA_SCHED_H
#define LOAXA_SCHED_H

#include <stddef.h>
#include <time.h>

#include "config/schedule.h"

struct sched_occurrence {
	time_t	at;
	size_t	slot;			/* index in schedule->slots */
};

/* The first start of the slot strictly after `after`, in local time (TZ), or (time_t)-1 if none. */
time_t	sched_slot_next(const struct sched_slot *, time_t after);
/*
 * Occurrences in (after, upto], earliest first (ties: lower slot index
 * first), at most max; returns how many (0 also when memory runs out).
 */
size_t	sched_due(const struct schedule *, time_t after, time_t upto,
	    struct sched_occurrence *out, size_t max);
/* The earliest start strictly after `after` over all slots, or -1; *slot gets its index (may be NULL). */
time_t	sched_next(const struct schedule *, time_t after, size_t *slot);

#endif
