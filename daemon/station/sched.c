/*
 * Schedule arithmetic. Calendar days are counted as integers (days since
 * 1970-01-01), so month ends, leap days and year ends need no special cases;
 * only the final wall-clock time is mapped onto an instant in the local time
 * zone, by timeparse_mktime(), which knows about daylight-saving changes.
 */
#include <stdlib.h>

#include "config/timeparse.h"
#include "daemon/station/sched.h"

#define SCAN_DAYS	9	/* the day before today, then a week and a day */

/* tm_wday of a day number: 1970-01-01 was a Thursday. */
static int
weekday(long long z)
{
	return (int)(((z % 7) + 7 + 4) % 7);
}

static time_t
slot_at(const struct sched_slot *sl, long long day)
{
	struct sched_date d;

	timeparse_civil_from_days(day, &d);
	return timeparse_mktime(&d, sl->hh, sl->mm, sl->ss);
}

/*
 * Start from the day before `after`'s local date (a skipped time may move a
 * slot past midnight) or from `from`, whichever is later; within SCAN_DAYS
 * days every weekday has come round once after today.
 */
time_t
sched_slot_next(const struct sched_slot *sl, time_t after)
{
	long long day, last = -1;
	struct tm tm;
	time_t t;
	int i;

	if (sl->once) {
		t = timeparse_mktime(&sl->date, sl->hh, sl->mm, sl->ss);
		return t != (time_t)-1 && t > after ? t : (time_t)-1;
	}
	if ((sl->days & SCHED_DAILY) == 0 || localtime_r(&after, &tm) == NULL)
		return (time_t)-1;
	day = timeparse_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) - 1;
	if (sl->from.y != 0 && day < timeparse_days_from_civil(sl->from.y, sl->from.m, sl->from.d))
		day = timeparse_days_from_civil(sl->from.y, sl->from.m, sl->from.d);
	if (sl->until.y != 0)
		last = timeparse_days_from_civil(sl->until.y, sl->until.m, sl->until.d);
	for (i = 0; i < SCAN_DAYS && (last < 0 || day <= last); i++, day++) {
		if ((sl->days & SCHED_DAY(weekday(day))) == 0)
			continue;
		t = slot_at(sl, day);
		if (t != (time_t)-1 && t > after)
			return t;
	}
	return (time_t)-1;
}

time_t
sched_next(const struct schedule *sch, time_t after, size_t *slot)
{
	time_t best = (time_t)-1, t;
	size_t i;

	for (i = 0; i < sch->n_slots; i++) {
		t = sched_slot_next(&sch->slots[i], after);
		if (t != (time_t)-1 && (best == (time_t)-1 || t < best)) {
			best = t;
			if (slot != NULL)
				*slot = i;
		}
	}
	return best;
}

/* A merge of each slot's own sequence: keep every slot's next start, take the earliest. */
size_t
sched_due(const struct schedule *sch, time_t after, time_t upto,
    struct sched_occurrence *out, size_t max)
{
	time_t *next;
	size_t i, n = 0, best;

	if (max == 0 || sch->n_slots == 0 || upto <= after)
		return 0;
	if ((next = malloc(sch->n_slots * sizeof(*next))) == NULL)
		return 0;
	for (i = 0; i < sch->n_slots; i++)
		next[i] = sched_slot_next(&sch->slots[i], after);
	while (n < max) {
		best = sch->n_slots;
		for (i = 0; i < sch->n_slots; i++)
			if (next[i] != (time_t)-1 && next[i] <= upto &&
			    (best == sch->n_slots || next[i] < next[best]))
				best = i;
		if (best == sch->n_slots)
			break;
		out[n].at = next[best];
		out[n].slot = best;
		n++;
		next[best] = sched_slot_next(&sch->slots[best], next[best]);
	}
	free(next);
	return n;
}
