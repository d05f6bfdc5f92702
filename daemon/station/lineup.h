/*
 * The line of waiting bulletins: which one plays next, and when an emergency
 * cuts in. Pure: the entries and the time come in as parameters.
 *
 * The order (documented in the README): a higher class always goes first;
 * within a class the lower rank goes first (the rank is the instant it became
 * due, in milliseconds, unless the operator moved it); on a tie a scheduled
 * slot goes before a queued item. Only an emergency cuts off what plays, and
 * only a lower class; a relay (live, and long) is cut off by any higher
 * class, and a relay of a higher class (the district's live broadcast) cuts
 * off whatever plays.
 */
#ifndef LOAXA_LINEUP_H
#define LOAXA_LINEUP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/schedule.h"

struct lineup_entry {
	enum sched_class cls;
	int64_t		 rank;		/* lower goes first within a class */
	time_t		 due;		/* not eligible before this instant */
	int		 is_slot;	/* a scheduled slot (wins ties) */
	int		 is_relay;	/* a relay of a stream */
};

/*
 * The rank of a bulletin that became due at `due`: that instant in
 * milliseconds, unless the operator moved it (moved: the rank it was given,
 * 0 when it never was). Milliseconds leave room to put a moved bulletin
 * between two that became due in the same second.
 */
int64_t	lineup_rank(time_t due, int64_t moved);
/* The entry to play now (the first in the order among those due), or -1. */
int	lineup_pick(const struct lineup_entry *e, size_t n, time_t now);
/* Whether the entry must cut off a sequence of class playing (relaying: a relay). */
int	lineup_preempts(enum sched_class playing, int relaying, const struct lineup_entry *e);
/* Whether a goes before b. */
int	lineup_before(const struct lineup_entry *a, const struct lineup_entry *b);

#endif
