/*
 * Times and dates as people write them in the schedule and on the command
 * line ("06:00", "17:00:00", "2026-11-22 14:30:05"), checked for real (no
 * 25:00, no 30 February), and the local-time conversions built on them.
 */
#ifndef LOAXA_TIMEPARSE_H
#define LOAXA_TIMEPARSE_H

#include <stddef.h>
#include <time.h>

struct sched_date { int y, m, d; };	/* y == 0: not set */

/* A parsed "at": a time of day, and for a one-off also a date. */
struct timeparse_at {
	int	once;			/* 1: date is set */
	struct sched_date date;
	int	hh, mm, ss;
};

/* "HH:MM" or "HH:MM:SS" (the hour may have one digit). 0 or -EINVAL. */
int	timeparse_clock(const char *s, int *hh, int *mm, int *ss);
/* "YYYY-MM-DD", a real date from 1970 to 9999. 0 or -EINVAL. */
int	timeparse_date(const char *s, struct sched_date *);
/*
 * "HH:MM[:SS]" or "YYYY-MM-DD HH:MM[:SS]" (a 'T' may replace the space).
 * 0, or -EINVAL with the reason for people (translated, without the input
 * itself, e.g. "hour 25 is not between 0 and 23") in why when why != NULL.
 */
int	timeparse_at(const char *s, struct timeparse_at *out, char *why, size_t whylen);
/* timeparse_date with the reason, as for timeparse_at. */
int	timeparse_date_why(const char *s, struct sched_date *, char *why, size_t whylen);
/*
 * For `loaxactl queue --at`: "HH:MM[:SS]" is the next such local time
 * strictly after now (today or tomorrow); "YYYY-MM-DD HH:MM[:SS]" is that
 * local time (it may be in the past: the caller decides). 0 or -EINVAL;
 * timeparse_at() gives the reason.
 */
int	timeparse_local(const char *s, time_t now, time_t *out);
/*
 * A length of time as people write it: whole numbers, each with its unit,
 * hours then minutes then seconds, each unit at most once: "90s", "30m",
 * "1h", "1h30m", "2h15m30s". A number without its unit is refused (is "30"
 * minutes or seconds?). 0 and *secs (not range-checked: the caller knows its
 * bounds), or -EINVAL with the reason as for timeparse_at.
 */
int	timeparse_duration(const char *s, long long *secs, char *why, size_t whylen);
/* secs (>= 0) as timeparse_duration reads it back: "1h30m", "90" is "1m30s", 0 is "0s". */
void	timeparse_format_duration(long long secs, char *buf, size_t len);
/* ISO 8601 with the local offset, e.g. 2026-11-22T14:30:05+07:00. 0 or -ENOSPC/-EINVAL. */
int	timeparse_format_iso(time_t t, char *buf, size_t len);
#define TIMEPARSE_ISO_MAX	64	/* longer is not a time */
/*
 * An instant written with its offset, as the reports and signed messages
 * carry it: "2026-11-22T14:30:05+07:00" or "...Z" (a space may replace the
 * 'T', the seconds may be left out). 0, or -EINVAL when s is not that.
 */
int	timeparse_iso(const char *s, time_t *out);
/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm), and back. */
long long timeparse_days_from_civil(int y, int m, int d);
void	timeparse_civil_from_days(long long days, struct sched_date *out);
/*
 * The instant at which the local (TZ) wall-clock time d hh:mm:ss happens.
 * A time skipped by a daylight-saving change maps to the first instant after
 * the gap; a time that happens twice maps to the first of the two. The
 * fields must be in range. (time_t)-1 when it cannot be represented.
 */
time_t	timeparse_mktime(const struct sched_date *d, int hh, int mm, int ss);
/* Days in month m (1..12) of year y. */
int	timeparse_month_days(int y, int m);

#endif
