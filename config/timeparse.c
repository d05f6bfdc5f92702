/*
 * Parsing of the times and dates people write, with a reason when they are
 * wrong, and the mapping of local wall-clock times onto instants.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/errlist.h"
#include "config/i18n.h"
#include "config/timeparse.h"

static const char *const month_names[12] = {
	N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
	N_("July"), N_("August"), N_("September"), N_("October"), N_("November"),
	N_("December"),
};

int
timeparse_month_days(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12)
		return 0;
	return days[m - 1] + (m == 2 && leap);
}

/* Reads between min and max decimal digits at *p into *v and advances *p. */
static int
digits(const char **p, int min, int max, int *v)
{
	int n = 0;

	*v = 0;
	while (n < max && **p >= '0' && **p <= '9') {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n >= min ? 0 : -EINVAL;
}

/* The syntax of a clock at *p, advancing *p; no range checks. */
static int
scan_clock(const char **p, int *hh, int *mm, int *ss)
{
	*ss = 0;
	if (digits(p, 1, 2, hh) < 0 || **p != ':')
		return -EINVAL;
	(*p)++;
	if (digits(p, 2, 2, mm) < 0)
		return -EINVAL;
	if (**p == ':') {
		(*p)++;
		if (digits(p, 2, 2, ss) < 0)
			return -EINVAL;
	}
	return 0;
}

static int
check_clock(int hh, int mm, int ss, char *why, size_t len)
{
	if (hh > 23) {
		errlist_why(why, len, _("hour %d is not between 0 and 23"), hh);
		return -EINVAL;
	}
	if (mm > 59) {
		errlist_why(why, len, _("minute %d is not between 0 and 59"), mm);
		return -EINVAL;
	}
	if (ss > 59) {
		errlist_why(why, len, _("second %d is not between 0 and 59"), ss);
		return -EINVAL;
	}
	return 0;
}

/* The syntax of a date at *p, advancing *p; no range checks. */
static int
scan_date(const char **p, struct sched_date *d)
{
	if (digits(p, 4, 4, &d->y) < 0 || **p != '-')
		return -EINVAL;
	(*p)++;
	if (digits(p, 2, 2, &d->m) < 0 || **p != '-')
		return -EINVAL;
	(*p)++;
	return digits(p, 2, 2, &d->d);
}

static int
check_date(const struct sched_date *d, char *why, size_t len)
{
	int n;

	if (d->y < 1970 || d->y > 9999) {
		errlist_why(why, len, _("year %d is not between 1970 and 9999"), d->y);
		return -EINVAL;
	}
	if (d->m < 1 || d->m > 12) {
		errlist_why(why, len, _("month %d is not between 1 and 12"), d->m);
		return -EINVAL;
	}
	n = timeparse_month_days(d->y, d->m);
	if (d->d < 1 || d->d > n) {
		errlist_why(why, len, _("there is no day %d in %s %d, which has %d days"),
		    d->d, _(month_names[d->m - 1]), d->y, n);
		return -EINVAL;
	}
	return 0;
}

int
timeparse_date_why(const char *s, struct sched_date *d, char *why, size_t len)
{
	const char *p = s;

	if (scan_date(&p, d) < 0 || *p != '\0') {
		errlist_why(why, len, _("write the date as YYYY-MM-DD, e.g. 2026-01-31"));
		return -EINVAL;
	}
	return check_date(d, why, len);
}

int
timeparse_date(const char *s, struct sched_date *d)
{
	return timeparse_date_why(s, d, NULL, 0);
}

int
timeparse_at(const char *s, struct timeparse_at *out, char *why, size_t len)
{
	const char *p = s;
	int rc;

	memset(out, 0, sizeof(*out));
	/* Four digits and a dash can only start a date. */
	if (strlen(s) > 4 && s[4] == '-') {
		out->once = 1;
		if (scan_date(&p, &out->date) < 0 || (*p != ' ' && *p != 'T'))
			goto syntax;
		p++;
	}
	if (scan_clock(&p, &out->hh, &out->mm, &out->ss) < 0 || *p != '\0')
		goto syntax;
	if (out->once && (rc = check_date(&out->date, why, len)) < 0)
		return rc;
	return check_clock(out->hh, out->mm, out->ss, why, len);
syntax:
	errlist_why(why, len, _("write a time of day as HH:MM or HH:MM:SS (e.g. 06:00), "
	    "or a date and time as YYYY-MM-DD HH:MM[:SS] (e.g. 2026-11-22 14:30)"));
	return -EINVAL;
}

int
timeparse_clock(const char *s, int *hh, int *mm, int *ss)
{
	struct timeparse_at at;

	if (timeparse_at(s, &at, NULL, 0) < 0 || at.once)
		return -EINVAL;
	*hh = at.hh;
	*mm = at.mm;
	*ss = at.ss;
	return 0;
}

int
timeparse_duration(const char *s, long long *secs, char *why, size_t len)
{
	static const char units[] = "hms";
	static const long long unit_secs[] = { 3600, 60, 1 };
	const char *p = s, *u;
	long long v;
	int next = 0, n;

	*secs = 0;
	do {
		for (v = 0, n = 0; *p >= '0' && *p <= '9' && n < 9; p++, n++)
			v = v * 10 + (*p - '0');
		if (n > 0 && *p == '\0' && p == s + n) {
			errlist_why(why, len, _("a number needs its unit: write e.g. 30m for "
			    "minutes or 30s for seconds"));
			return -EINVAL;
		}
		if (n == 0 || *p == '\0' || (u = strchr(units + next, *p)) == NULL)
			goto bad;
		next = (int)(u - units) + 1;
		*secs += v * unit_secs[u - units];
		p++;
	} while (*p != '\0');
	return 0;
bad:
	errlist_why(why, len, _("write a length as whole numbers with their units, hours (h), "
	    "then minutes (m), then seconds (s), e.g. 90s, 30m, 1h or 1h30m"));
	return -EINVAL;
}

void
timeparse_format_duration(long long secs, char *buf, size_t len)
{
	long long h = secs / 3600, m = secs / 60 % 60, sec = secs % 60;
	size_t n = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (h > 0)
		n += (size_t)snprintf(buf + n, len - n, "%lldh", h);
	if (m > 0 && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%lldm", m);
	if ((sec > 0 || secs == 0) && n < len)
		(void)snprintf(buf + n, len - n, "%llds", sec);
}

/* Wall-clock seconds (as if the local time were UTC) at instant t, and its offset. */
static int
wall_at(time_t t, time_t *wall, long *off)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return -EOVERFLOW;
	*off = tm.tm_gmtoff;
	*wall = t + tm.tm_gmtoff;
	return 0;
}

/*
 * Offsets in force near the wall time x are tried as candidates, so that the
 * result does not depend on how mktime() resolves an ambiguous tm_isdst = -1.
 * If none gives back x, x is in a gap: search the first instant after it.
 */
time_t
timeparse_mktime(const struct sched_date *d, int hh, int mm, int ss)
{
	struct tm w = { .tm_year = d->y - 1900, .tm_mon = d->m - 1, .tm_mday = d->d,
	    .tm_hour = hh, .tm_min = mm, .tm_sec = ss, .tm_isdst = -1 };
	struct tm lw = w;
	time_t x = timegm(&w), t0 = mktime(&lw), best = (time_t)-1, wall, lo, hi, mid;
	long offs[3], off, omin, omax;
	int i, found = 0;

	if (wall_at(x - 86400, &wall, &offs[0]) < 0 || wall_at(x + 86400, &wall, &offs[1]) < 0)
		return (time_t)-1;
	offs[2] = t0 != (time_t)-1 ? lw.tm_gmtoff : offs[0];
	omin = omax = offs[0];
	for (i = 0; i < 3; i++) {
		if (wall_at(x - offs[i], &wall, &off) == 0 && wall == x &&
		    (!found || x - offs[i] < best)) {
			best = x - offs[i];
			found = 1;
		}
		omin = offs[i] < omin ? offs[i] : omin;
		omax = offs[i] > omax ? offs[i] : omax;
	}
	if (found)
		return best;
	/* In the gap, wall time only moves forward between lo and hi. */
	lo = x - omax;
	hi = x - omin;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (wall_at(mid, &wall, &off) < 0)
			return (time_t)-1;
		if (wall >= x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The instant of at's local date and time into *out. 0 or -EINVAL. */
static int
at_instant(const struct timeparse_at *at, time_t *out)
{
	time_t t = timeparse_mktime(&at->date, at->hh, at->mm, at->ss);

	if (t == (time_t)-1)
		return -EINVAL;
	*out = t;
	return 0;
}

int
timeparse_local(const char *s, time_t now, time_t *out)
{
	struct timeparse_at at;
	struct tm tm, day;
	time_t t, base;

	if (timeparse_at(s, &at, NULL, 0) < 0)
		return -EINVAL;
	if (at.once)
		return at_instant(&at, out);
	if (localtime_r(&now, &tm) == NULL)
		return -EINVAL;
	at.date = (struct sched_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
	if (at_instant(&at, &t) == 0 && t > now) {
		*out = t;
		return 0;
	}
	/* Tomorrow: let timegm() carry the day over month and year ends. */
	day = (struct tm){ .tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday + 1 };
	base = timegm(&day);
	if (gmtime_r(&base, &day) == NULL)
		return -EINVAL;
	at.date = (struct sched_date){ day.tm_year + 1900, day.tm_mon + 1, day.tm_mday };
	return at_instant(&at, out);
}

int
timeparse_format_iso(time_t t, char *buf, size_t len)
{
	struct tm tm;
	size_t n;
	long off;
	int rc;

	if (localtime_r(&t, &tm) == NULL)
		return -EINVAL;
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		return -ENOSPC;
	off = tm.tm_gmtoff;
	rc = snprintf(buf + n, len - n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
	    (off < 0 ? -off : off) / 3600, ((off < 0 ? -off : off) % 3600) / 60);
	if (rc < 0 || (size_t)rc >= len - n)
		return -ENOSPC;
	return 0;
}

long long
timeparse_days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
timeparse_civil_from_days(long long z, struct sched_date *out)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	out->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->m = (int)(mp < 10 ? mp + 3 : mp - 9);
	out->y = (int)(yoe + era * 400 + (out->m <= 2));
}

/* "+07:00", "-05:30" or "Z" at the end of s: its length and the offset in seconds, or 0. */
static size_t
iso_offset(const char *s, long *off)
{
	size_t n = strlen(s);
	const char *p;

	if (n > 0 && (s[n - 1] == 'Z' || s[n - 1] == 'z')) {
		*off = 0;
		return 1;
	}
	if (n < 6)
		return 0;
	p = s + n - 6;
	if ((p[0] != '+' && p[0] != '-') || p[3] != ':' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9' || p[4] < '0' || p[4] > '5' || p[5] < '0' || p[5] > '9')
		return 0;
	*off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600L + ((p[4] - '0') * 10 + (p[5] - '0')) * 60L;
	if (*off > 14 * 3600L)
		return 0;
	if (p[0] == '-')
		*off = -*off;
	return 6;
}

int
timeparse_iso(const char *s, time_t *out)
{
	char buf[TIMEPARSE_ISO_MAX];
	struct timeparse_at at;
	size_t olen, n = s != NULL ? strlen(s) : 0;
	long off = 0;

	if (n == 0 || n >= sizeof(buf) || (olen = iso_offset(s, &off)) == 0)
		return -EINVAL;
	memcpy(buf, s, n - olen);
	buf[n - olen] = '\0';
	if (timeparse_at(buf, &at, NULL, 0) < 0 || !at.once)
		return -EINVAL;
	*out = (time_t)(timeparse_days_from_civil(at.date.y, at.date.m, at.date.d) * 86400LL +
	    at.hh * 3600L + at.mm * 60L + at.ss - off);
	return 0;
}
