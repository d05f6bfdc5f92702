/* The order of waiting bulletins: classes, ranks, ties, preemption. */
#include "daemon/station/lineup.h"
#include "tests/t.h"

static void
test_higher_class_first(void)
{
	struct lineup_entry e[] = {
		{ SCHED_NORMAL, 1000, 1, 1, 0 },
		{ SCHED_PRIORITY, 5000, 5, 0, 0 },
		{ SCHED_NORMAL, 500, 0, 0, 0 },
	};

	T_EQ_INT(lineup_pick(e, 3, 10), 1);
}

static void
test_time_order_within_class(void)
{
	struct lineup_entry e[] = {
		{ SCHED_PRIORITY, 3000, 3, 1, 0 },
		{ SCHED_PRIORITY, 2000, 2, 0, 0 },
		{ SCHED_PRIORITY, 2500, 2, 1, 0 },
	};

	T_EQ_INT(lineup_pick(e, 3, 10), 1);
}

static void
test_slot_wins_tie(void)
{
	struct lineup_entry e[] = {
		{ SCHED_NORMAL, 2000, 2, 0, 0 },
		{ SCHED_NORMAL, 2000, 2, 1, 0 },
	};

	T_EQ_INT(lineup_pick(e, 2, 10), 1);
}

static void
test_tie_keeps_the_earlier_entry(void)
{
	/*
	 * Two alerts, or an alert and a queued item, due the same millisecond:
	 * the earlier entry goes first. The station relies on it: it lists the
	 * sequences waiting for the player before the queue, and the queue in
	 * the order of its ids (station_lineup).
	 */
	struct lineup_entry e[] = {
		{ SCHED_EMERGENCY, 7000, 7, 0, 0 },
		{ SCHED_EMERGENCY, 7000, 7, 0, 0 },
	};

	T_EQ_INT(lineup_pick(e, 2, 10), 0);
	T_ASSERT(!lineup_before(&e[1], &e[0]));
	T_ASSERT(!lineup_before(&e[0], &e[1]));
}

static void
test_not_yet_due_waits(void)
{
	struct lineup_entry e[] = {
		{ SCHED_EMERGENCY, 20000, 20, 0, 0 },
		{ SCHED_NORMAL, 9000, 9, 1, 0 },
	};

	T_EQ_INT(lineup_pick(e, 2, 10), 1);
	T_EQ_INT(lineup_pick(e, 2, 20), 0);
	T_EQ_INT(lineup_pick(e, 0, 20), -1);
	T_EQ_INT(lineup_pick(e, 1, 19), -1);
}

static void
test_moved_item_goes_first(void)
{
	/* The operator moved the queued item ahead of the district's slot. */
	struct lineup_entry e[] = {
		{ SCHED_PRIORITY, 1000, 1, 1, 0 },
		{ SCHED_PRIORITY, 999, 3, 0, 0 },
	};

	T_EQ_INT(lineup_pick(e, 2, 10), 1);
}

static void
test_rank_from_due_unless_moved(void)
{
	/* Milliseconds of the instant it became due; the operator's move wins. */
	T_EQ_INT(lineup_rank(1795334400, 0), 1795334400000LL);
	T_EQ_INT(lineup_rank(1795334400, 1795334399001LL), 1795334399001LL);
	T_EQ_INT(lineup_rank(0, 0), 0);
}

static void
test_only_emergency_preempts_lower(void)
{
	struct lineup_entry em = { SCHED_EMERGENCY, 0, 0, 0, 0 };
	struct lineup_entry pr = { SCHED_PRIORITY, 0, 0, 0, 0 };

	T_ASSERT(lineup_preempts(SCHED_NORMAL, 0, &em));
	T_ASSERT(lineup_preempts(SCHED_PRIORITY, 0, &em));
	T_ASSERT(!lineup_preempts(SCHED_EMERGENCY, 0, &em));
	T_ASSERT(!lineup_preempts(SCHED_NORMAL, 0, &pr));
	/* A relay is cut off by any higher class; a higher relay cuts off anything. */
	T_ASSERT(lineup_preempts(SCHED_NORMAL, 1, &pr));
	T_ASSERT(!lineup_preempts(SCHED_PRIORITY, 1, &pr));
	T_ASSERT(!lineup_preempts(SCHED_EMERGENCY, 1, &em));
	pr.is_relay = 1;
	T_ASSERT(lineup_preempts(SCHED_NORMAL, 0, &pr));
	T_ASSERT(!lineup_preempts(SCHED_PRIORITY, 0, &pr));
}

int
main(void)
{
	T_RUN(test_higher_class_first);
	T_RUN(test_time_order_within_class);
	T_RUN(test_slot_wins_tie);
	T_RUN(test_tie_keeps_the_earlier_entry);
	T_RUN(test_not_yet_due_waits);
	T_RUN(test_moved_item_goes_first);
	T_RUN(test_rank_from_due_unless_moved);
	T_RUN(test_only_emergency_preempts_lower);
	return T_EXIT();
}
