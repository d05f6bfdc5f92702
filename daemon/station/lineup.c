/* The order of waiting bulletins (see lineup.h). */
#include "daemon/station/lineup.h"

int64_t
lineup_rank(time_t due, int64_t moved)
{
	return moved != 0 ? moved : (int64_t)due * 1000;
}

int
lineup_before(const struct lineup_entry *a, const struct lineup_entry *b)
{
	if (a->cls != b->cls)
		return a->cls > b->cls;
	if (a->rank != b->rank)
		return a->rank < b->rank;
	return a->is_slot && !b->is_slot;
}

int
lineup_pick(const struct lineup_entry *e, size_t n, time_t now)
{
	int best = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (e[i].due > now)
			continue;
		if (best < 0 || lineup_before(&e[i], &e[best]))
			best = (int)i;
	}
	return best;
}

int
lineup_preempts(enum sched_class playing, int relaying, const struct lineup_entry *e)
{
	if (e->cls <= playing)
		return 0;
	return e->cls == SCHED_EMERGENCY || relaying || e->is_relay;
}
