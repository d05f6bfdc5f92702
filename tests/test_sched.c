/*
 * Schedule arithmetic with the time as a parameter, in Asia/Ho_Chi_Minh
 * (UTC+7, no daylight saving), and across daylight-saving changes in
 * Europe/Berlin. Expected instants are computed independently, as UTC.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/schedule.h"
#include "config/timeparse.h"
#include "daemon/station/sched.h"
#include "tests/t.h"

static time_t
utc(int y, int m, int d, int hh, int mm, int ss)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
	    .tm_hour = hh, .tm_min = mm, .tm_sec = ss };

	return timegm(&tm);
}

/* Wall-clock time in Vietnam: UTC+7 all year. */
static time_t
vn(int y, int m, int d, int hh, int mm, int ss)
{
	return utc(y, m, d, hh, mm, ss) - 7 * 3600;
}

static void
set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static struct sched_slot
slot(int hh, int mm, int ss, unsigned days)
{
	struct sched_slot s;

	memset(&s, 0, sizeof(s));
	s.hh = hh;
	s.mm = mm;
	s.ss = ss;
	s.days = days;
	s.grace = -1;
	return s;
}

static struct sched_slot
once(int y, int m, int d, int hh, int mm, int ss)
{
	struct sched_slot s = slot(hh, mm, ss, 0);

	s.once = 1;
	s.date = (struct sched_date){ y, m, d };
	return s;
}

static void
test_daily_across_midnight(void)
{
	struct sched_slot s = slot(6, 0, 0, SCHED_DAILY), late = slot(23, 59, 59, SCHED_DAILY);
	struct sched_slot midnight = slot(0, 0, 0, SCHED_DAILY);
	time_t now = vn(2026, 11, 22, 23, 59, 30);

	T_EQ_INT(sched_slot_next(&s, now) - now, 30 + 6 * 3600);
	T_EQ_INT(sched_slot_next(&s, vn(2026, 11, 22, 5, 59, 59)), vn(2026, 11, 22, 6, 0, 0));
	T_EQ_INT(sched_slot_next(&late, now), vn(2026, 11, 22, 23, 59, 59));
	T_EQ_INT(sched_slot_next(&midnight, now), vn(2026, 11, 23, 0, 0, 0));
	T_EQ_INT(sched_slot_next(&midnight, vn(2026, 11, 23, 0, 0, 0)), vn(2026, 11, 24, 0, 0, 0));
	/* Across the year end. */
	T_EQ_INT(sched_slot_next(&s, vn(2026, 12, 31, 23, 59, 30)), vn(2027, 1, 1, 6, 0, 0));
}

static void
test_exact_second(void)
{
	struct sched_slot s = slot(17, 0, 0, SCHED_DAILY);
	time_t t = vn(2026, 11, 22, 17, 0, 0);

	T_EQ_INT(sched_slot_next(&s, t - 1), t);
	T_EQ_INT(sched_slot_next(&s, t), t + 86400);	/* strictly after */
	T_EQ_INT(sched_slot_next(&s, t + 1), t + 86400);
}

static void
test_weekdays(void)
{
	/* 2026-11-20 is a Friday. */
	struct sched_slot mwf = slot(17, 0, 0, SCHED_DAY(1) | SCHED_DAY(3) | SCHED_DAY(5));
	struct sched_slot sun = slot(8, 0, 0, SCHED_DAY(0)), sat = slot(8, 0, 0, SCHED_DAY(6));

	T_EQ_INT(sched_slot_next(&mwf, vn(2026, 11, 20, 16, 0, 0)), vn(2026, 11, 20, 17, 0, 0));
	T_EQ_INT(sched_slot_next(&mwf, vn(2026, 11, 20, 18, 0, 0)), vn(2026, 11, 23, 17, 0, 0));
	T_EQ_INT(sched_slot_next(&mwf, vn(2026, 11, 23, 17, 0, 0)), vn(2026, 11, 25, 17, 0, 0));
	/* A single day, once a week: a full week ahead when just missed. */
	T_EQ_INT(sched_slot_next(&sun, vn(2026, 11, 22, 8, 0, 0)), vn(2026, 11, 29, 8, 0, 0));
	T_EQ_INT(sched_slot_next(&sun, vn(2026, 11, 21, 9, 0, 0)), vn(2026, 11, 22, 8, 0, 0));
	T_EQ_INT(sched_slot_next(&sat, vn(2026, 11, 22, 0, 0, 0)), vn(2026, 11, 28, 8, 0, 0));
	/* Across a year end: 2026-12-31 is a Thursday, 2027-01-01 a Friday. */
	T_EQ_INT(sched_slot_next(&mwf, vn(2026, 12, 30, 17, 0, 0)), vn(2027, 1, 1, 17, 0, 0));
	T_EQ_INT(sched_slot_next(&sat, vn(2026, 12, 27, 12, 0, 0)), vn(2027, 1, 2, 8, 0, 0));
	/* No days at all: never. */
	sat.days = 0;
	T_EQ_INT(sched_slot_next(&sat, vn(2026, 12, 27, 12, 0, 0)), -1);
}

static void
test_month_ends_and_leap_days(void)
{
	struct sched_slot s = slot(6, 0, 0, SCHED_DAILY);
	struct sched_slot leap = slot(8, 0, 0, SCHED_DAILY);

	T_EQ_INT(sched_slot_next(&s, vn(2026, 1, 31, 7, 0, 0)), vn(2026, 2, 1, 6, 0, 0));
	T_EQ_INT(sched_slot_next(&s, vn(2026, 4, 30, 7, 0, 0)), vn(2026, 5, 1, 6, 0, 0));
	T_EQ_INT(sched_slot_next(&s, vn(2027, 2, 28, 7, 0, 0)), vn(2027, 3, 1, 6, 0, 0));
	T_EQ_INT(sched_slot_next(&s, vn(2028, 2, 28, 7, 0, 0)), vn(2028, 2, 29, 6, 0, 0));
	T_EQ_INT(sched_slot_next(&s, vn(2028, 2, 29, 7, 0, 0)), vn(2028, 3, 1, 6, 0, 0));
	/* A slot only on the leap day: found from far ahead, and then never again. */
	leap.from = leap.until = (struct sched_date){ 2028, 2, 29 };
	T_EQ_INT(sched_slot_next(&leap, vn(2026, 1, 1, 0, 0, 0)), vn(2028, 2, 29, 8, 0, 0));
	T_EQ_INT(sched_slot_next(&leap, vn(2028, 2, 29, 8, 0, 0)), -1);
	/* 2028-02-29 is a Tuesday: a Monday-only slot in that window never plays. */
	leap.days = SCHED_DAY(1);
	T_EQ_INT(sched_slot_next(&leap, vn(2026, 1, 1, 0, 0, 0)), -1);
}

static void
test_from_until(void)
{
	/* Weekends from Friday 2026-05-15 to Tuesday 2026-06-30. */
	struct sched_slot s = slot(11, 30, 0, SCHED_DAY(0) | SCHED_DAY(6));
	struct sched_slot d = slot(6, 0, 0, SCHED_DAILY);

	s.from = (struct sched_date){ 2026, 5, 15 };
	s.until = (struct sched_date){ 2026, 6, 30 };
	T_EQ_INT(sched_slot_next(&s, vn(2026, 1, 1, 0, 0, 0)), vn(2026, 5, 16, 11, 30, 0));
	T_EQ_INT(sched_slot_next(&s, vn(1999, 1, 1, 0, 0, 0)), vn(2026, 5, 16, 11, 30, 0));
	T_EQ_INT(sched_slot_next(&s, vn(2026, 5, 16, 12, 0, 0)), vn(2026, 5, 17, 11, 30, 0));
	T_EQ_INT(sched_slot_next(&s, vn(2026, 6, 27, 0, 0, 0)), vn(2026, 6, 27, 11, 30, 0));
	T_EQ_INT(sched_slot_next(&s, vn(2026, 6, 28, 11, 30, 0)), -1);	/* the last weekend */
	T_EQ_INT(sched_slot_next(&s, vn(2026, 8, 1, 0, 0, 0)), -1);
	/* Daily, until the last day of the year: that day still plays. */
	d.from = (struct sched_date){ 2026, 1, 1 };
	d.until = (struct sched_date){ 2026, 12, 31 };
	T_EQ_INT(sched_slot_next(&d, vn(2025, 12, 31, 6, 0, 0)), vn(2026, 1, 1, 6, 0, 0));
	T_EQ_INT(sched_slot_next(&d, vn(2026, 12, 31, 5, 0, 0)), vn(2026, 12, 31, 6, 0, 0));
	T_EQ_INT(sched_slot_next(&d, vn(2026, 12, 31, 6, 0, 0)), -1);
	T_EQ_INT(sched_slot_next(&d, vn(2027, 6, 1, 0, 0, 0)), -1);
	/* Open-ended, far in the future. */
	d.until = (struct sched_date){ 0, 0, 0 };
	T_EQ_INT(sched_slot_next(&d, vn(2099, 12, 31, 7, 0, 0)), vn(2100, 1, 1, 6, 0, 0));
}

static void
test_one_offs(void)
{
	struct sched_slot s = once(2026, 11, 22, 14, 30, 5);
	time_t t = vn(2026, 11, 22, 14, 30, 5);

	T_EQ_INT(sched_slot_next(&s, vn(2026, 1, 1, 0, 0, 0)), t);
	T_EQ_INT(sched_slot_next(&s, t - 1), t);
	T_EQ_INT(sched_slot_next(&s, t), -1);
	T_EQ_INT(sched_slot_next(&s, t + 86400 * 365), -1);
}

static void
test_due_order_and_bounds(void)
{
	struct sched_slot slots[4];
	struct schedule sch = { .path = NULL, .slots = slots, .n_slots = 4 };
	struct sched_occurrence occ[64];
	time_t start = vn(2026, 11, 20, 0, 0, 0);	/* a Friday */
	size_t n, i, which;

	slots[0] = slot(17, 0, 0, SCHED_DAY(1) | SCHED_DAY(3) | SCHED_DAY(5));
	slots[1] = slot(6, 0, 0, SCHED_DAILY);
	slots[2] = once(2026, 11, 21, 6, 0, 0);		/* ties with slot 1 */
	slots[3] = slot(6, 0, 0, SCHED_DAILY);		/* ties with slot 1 */
	slots[3].until = (struct sched_date){ 2026, 11, 21 };

	/* Friday 06:00 x2, 17:00; Saturday 06:00 x3; Sunday 06:00. */
	n = sched_due(&sch, start, vn(2026, 11, 22, 17, 0, 0), occ, 64);
	T_EQ_INT(n, 7);
	if (n == 7) {
		T_EQ_INT(occ[0].at, vn(2026, 11, 20, 6, 0, 0));
		T_EQ_INT(occ[0].slot, 1);
		T_EQ_INT(occ[1].at, vn(2026, 11, 20, 6, 0, 0));
		T_EQ_INT(occ[1].slot, 3);
		T_EQ_INT(occ[2].at, vn(2026, 11, 20, 17, 0, 0));
		T_EQ_INT(occ[2].slot, 0);
		T_EQ_INT(occ[3].slot, 1);
		T_EQ_INT(occ[4].slot, 2);
		T_EQ_INT(occ[5].slot, 3);
		T_EQ_INT(occ[5].at, vn(2026, 11, 21, 6, 0, 0));
		T_EQ_INT(occ[6].at, vn(2026, 11, 22, 6, 0, 0));
		T_EQ_INT(occ[6].slot, 1);
	}
	/* (after, upto]: an occurrence at after is out, one at upto is in. */
	n = sched_due(&sch, vn(2026, 11, 20, 6, 0, 0), vn(2026, 11, 20, 17, 0, 0), occ, 64);
	T_EQ_INT(n, 1);
	T_EQ_INT(occ[0].slot, 0);
	T_EQ_INT(sched_due(&sch, start, start, occ, 64), 0);
	T_EQ_INT(sched_due(&sch, start, start - 1, occ, 64), 0);
	T_EQ_INT(sched_due(&sch, start, start + 86400, occ, 0), 0);
	/* Ten years, bounded by max: the earliest come first. */
	n = sched_due(&sch, start, vn(2036, 1, 1, 0, 0, 0), occ, 5);
	T_EQ_INT(n, 5);
	for (i = 1; i < n; i++)
		T_ASSERT(occ[i - 1].at <= occ[i].at);
	T_EQ_INT(occ[4].at, vn(2026, 11, 21, 6, 0, 0));
	/* The next start overall, with its slot. */
	T_EQ_INT(sched_next(&sch, start, &which), vn(2026, 11, 20, 6, 0, 0));
	T_EQ_INT(which, 1);
	T_EQ_INT(sched_next(&sch, vn(2026, 11, 22, 6, 0, 0), NULL), vn(2026, 11, 23, 6, 0, 0));
	sch.n_slots = 0;
	T_EQ_INT(sched_next(&sch, start, &which), -1);
}

/* A long range is cheap: each step is at most a few days of arithmetic. */
static void
test_due_long_range(void)
{
	struct sched_slot slots[2];
	struct schedule sch = { .path = NULL, .slots = slots, .n_slots = 2 };
	struct sched_occurrence *occ = calloc(5000, sizeof(*occ));
	size_t n;

	T_ASSERT(occ != NULL);
	if (occ == NULL)
		return;
	slots[0] = slot(6, 0, 0, SCHED_DAILY);
	slots[1] = slot(17, 0, 0, SCHED_DAY(0));
	n = sched_due(&sch, vn(2026, 1, 1, 0, 0, 0), vn(2046, 1, 1, 0, 0, 0), occ, 5000);
	T_EQ_INT(n, 5000);
	/* 2026-01-04 is the first Sunday: by then 4 mornings and 1 evening. */
	T_EQ_INT(occ[4].at, vn(2026, 1, 4, 17, 0, 0));
	T_EQ_INT(occ[4].slot, 1);
	/* 5000 = 4375 mornings + 625 Sundays: the last is the morning of day 4375. */
	T_EQ_INT(occ[4999].at, vn(2026, 1, 1, 6, 0, 0) + 4374LL * 86400);
	free(occ);
}

/* Europe/Berlin: 2026-03-29 02:00 CET jumps to 03:00 CEST; 2026-10-25 03:00 CEST falls back to 02:00 CET. */
static void
test_dst(void)
{
	struct sched_slot gap = slot(2, 30, 0, SCHED_DAILY), rep = slot(2, 30, 0, SCHED_DAILY);
	struct sched_slot two = slot(2, 0, 0, SCHED_DAILY), one = once(2026, 3, 29, 2, 15, 0);
	struct schedule sch = { .path = NULL, .slots = &rep, .n_slots = 1 };
	struct sched_occurrence occ[8];
	time_t t;

	set_tz("Europe/Berlin");
	/* The day before: 02:30 CET is 01:30 UTC. */
	T_EQ_INT(sched_slot_next(&gap, utc(2026, 3, 28, 0, 0, 0)), utc(2026, 3, 28, 1, 30, 0));
	/* 02:30 does not exist: play at 03:00 CEST, the first instant after the gap. */
	T_EQ_INT(sched_slot_next(&gap, utc(2026, 3, 28, 12, 0, 0)), utc(2026, 3, 29, 1, 0, 0));
	T_EQ_INT(sched_slot_next(&two, utc(2026, 3, 28, 12, 0, 0)), utc(2026, 3, 29, 1, 0, 0));
	T_EQ_INT(sched_slot_next(&one, utc(2026, 3, 1, 0, 0, 0)), utc(2026, 3, 29, 1, 0, 0));
	/* And the day after, 02:30 CEST is 00:30 UTC. */
	T_EQ_INT(sched_slot_next(&gap, utc(2026, 3, 29, 1, 0, 0)), utc(2026, 3, 30, 0, 30, 0));
	/* 02:30 happens twice on 2026-10-25 (00:30 and 01:30 UTC): it plays the first time only. */
	T_EQ_INT(sched_slot_next(&rep, utc(2026, 10, 24, 12, 0, 0)), utc(2026, 10, 25, 0, 30, 0));
	T_EQ_INT(sched_slot_next(&rep, utc(2026, 10, 25, 0, 30, 0)), utc(2026, 10, 26, 1, 30, 0));
	T_EQ_INT(sched_slot_next(&rep, utc(2026, 10, 25, 1, 0, 0)), utc(2026, 10, 26, 1, 30, 0));
	T_EQ_INT(sched_due(&sch, utc(2026, 10, 24, 12, 0, 0), utc(2026, 10, 26, 0, 0, 0), occ, 8), 1);
	T_EQ_INT(occ[0].at, utc(2026, 10, 25, 0, 30, 0));
	/* timeparse_local: today's 02:30 was skipped, so it is 03:00 CEST. */
	T_EQ_INT(timeparse_local("02:30", utc(2026, 3, 28, 23, 30, 0), &t), 0);
	T_EQ_INT(t, utc(2026, 3, 29, 1, 0, 0));
	set_tz("Asia/Ho_Chi_Minh");
}

static void
test_timeparse_local(void)
{
	char buf[64];
	time_t t, now = vn(2026, 11, 22, 14, 30, 0);

	T_EQ_INT(timeparse_local("15:00", now, &t), 0);
	T_EQ_INT(t, vn(2026, 11, 22, 15, 0, 0));
	T_EQ_INT(timeparse_local("14:30", now, &t), 0);		/* strictly after now: tomorrow */
	T_EQ_INT(t, vn(2026, 11, 23, 14, 30, 0));
	T_EQ_INT(timeparse_local("06:00:30", vn(2026, 12, 31, 23, 0, 0), &t), 0);
	T_EQ_INT(t, vn(2027, 1, 1, 6, 0, 30));
	T_EQ_INT(timeparse_local("2026-11-22 14:30:05", now, &t), 0);
	T_EQ_INT(t, vn(2026, 11, 22, 14, 30, 5));
	T_EQ_INT(timeparse_local("2026-01-01 00:00", now, &t), 0);	/* past: the caller decides */
	T_EQ_INT(t, vn(2026, 1, 1, 0, 0, 0));
	T_EQ_INT(timeparse_local("tomorrow", now, &t), -EINVAL);
	T_EQ_INT(timeparse_local("25:00", now, &t), -EINVAL);
	T_EQ_INT(timeparse_local("2026-02-29 10:00", now, &t), -EINVAL);
	T_EQ_INT(timeparse_format_iso(vn(2026, 11, 22, 14, 30, 5), buf, sizeof(buf)), 0);
	T_EQ_STR(buf, "2026-11-22T14:30:05+07:00");
	T_EQ_INT(timeparse_format_iso(vn(2026, 11, 22, 14, 30, 5), buf, 25), -ENOSPC);
	T_EQ_INT(timeparse_format_iso(vn(2026, 11, 22, 14, 30, 5), buf, 26), 0);
	set_tz("America/St_Johns");			/* UTC-3:30 in winter */
	T_EQ_INT(timeparse_format_iso(utc(2026, 1, 1, 12, 0, 0), buf, sizeof(buf)), 0);
	T_EQ_STR(buf, "2026-01-01T08:30:00-03:30");
	set_tz("Asia/Ho_Chi_Minh");
}

/* The same answers from a parsed schedule as from hand-made slots. */
static void
test_parsed_schedule(void)
{
	struct errlist el;
	struct schedule *s;
	size_t which = 99;

	errlist_init(&el);
	s = schedule_parse_string("slots = (\n"
	    "  { title = \"Bản tin chiều\"; at = \"17:00\"; days = [ \"mon\", \"wed\", \"fri\" ];\n"
	    "    items = ( { file = \"a.opus\"; } ); },\n"
	    "  { title = \"Thông báo\"; at = \"2026-11-22 14:30:05\"; items = ( { file = \"b.opus\"; } ); }\n"
	    ");\n", "s.cfg", "/etc/loaxa", 0, &el);
	T_ASSERT(s != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(sched_next(s, vn(2026, 11, 21, 0, 0, 0), &which), vn(2026, 11, 22, 14, 30, 5));
	T_EQ_INT(which, 1);
	T_EQ_INT(sched_next(s, vn(2026, 11, 22, 14, 30, 5), &which), vn(2026, 11, 23, 17, 0, 0));
	T_EQ_INT(which, 0);
	schedule_free(s);
}

int
main(void)
{
	set_tz("Asia/Ho_Chi_Minh");
	T_RUN(test_daily_across_midnight);
	T_RUN(test_exact_second);
	T_RUN(test_weekdays);
	T_RUN(test_month_ends_and_leap_days);
	T_RUN(test_from_until);
	T_RUN(test_one_offs);
	T_RUN(test_due_order_and_bounds);
	T_RUN(test_due_long_range);
	T_RUN(test_dst);
	T_RUN(test_timeparse_local);
	T_RUN(test_parsed_schedule);
	return T_EXIT();
}
