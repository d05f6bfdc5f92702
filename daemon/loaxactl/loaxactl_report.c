/*
 * 'loaxactl report': the programme report at the district office, what the
 * stations aired over a period, per station, per bulletin or per tag, read
 * from the collector's database (daemon/collector/collect_report.c asks;
 * this file reads the command line and prints: a text table, CSV for Excel
 * through report_out.c, or JSON for scripts with English keys).
 *
 *   loaxactl -c collector.cfg report --from DATE --to DATE [--region R]
 *       [--by station|bulletin|tag] [--csv FILE | --json]
 *
 * DATE is YYYY-MM-DD or dd/mm/yyyy, a local day (the collector's TZ: run it
 * on the collector's machine); --to is included.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/timeparse.h"
#include "daemon/collector/collect_report.h"
#include "daemon/core/clock.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/loaxactl_report.h"
#include "daemon/loaxactl/report_out.h"

#define DEFAULT_COLLECTOR_CFG	"/etc/loaxa/collector.cfg"

enum report_by { BY_STATION, BY_BULLETIN, BY_TAG };

struct report_opts {
	const char	*from, *to, *region, *csv;
	enum report_by	 by;
	int		 json;
	struct crep_period p;
	int		 vi;
	char		 from_txt[16], to_txt[16];	/* the period's days as printed */
};

static const char *
report_usage(void)
{
	return _("Usage: loaxactl -c collector.cfg report --from DATE --to DATE [--region REGION]\n"
	    "         [--by station|bulletin|tag] [--csv FILE | --json]\n"
	    "  DATE: YYYY-MM-DD or dd/mm/yyyy, a day in the collector's local time; --to is "
	    "included.\n"
	    "  --csv writes a file for Excel (UTF-8, Vietnamese headers when the locale is "
	    "Vietnamese).\n");
}

/* "YYYY-MM-DD" or "dd/mm/yyyy" (one-digit day and month allowed). 0 or -EINVAL. */
static int
report_date(const char *s, struct sched_date *d)
{
	char tail;

	if (strchr(s, '/') == NULL)
		return timeparse_date(s, d);
	if (sscanf(s, "%2d/%2d/%4d%c", &d->d, &d->m, &d->y, &tail) != 3 || d->y < 1970 ||
	    d->m < 1 || d->m > 12 || d->d < 1 || d->d > timeparse_month_days(d->y, d->m))
		return -EINVAL;
	return 0;
}

static int
day_key(const struct sched_date *d)
{
	return d->y * 10000 + d->m * 100 + d->d;
}

/* --from and --to into the period: days, and the instants of their local midnights. */
static int
report_period(struct report_opts *o)
{
	struct sched_date from, to, next;

	if (o->from == NULL || o->to == NULL)
		return ctl_out_usage(report_usage(), "%s", _("give the period: --from DATE --to DATE"));
	if (report_date(o->from, &from) < 0)
		return ctl_out_usage(report_usage(), _("--from %s is not a date: write it as "
		    "2026-01-31 or 31/01/2026"), o->from);
	if (report_date(o->to, &to) < 0)
		return ctl_out_usage(report_usage(), _("--to %s is not a date: write it as "
		    "2026-12-31 or 31/12/2026"), o->to);
	if (day_key(&from) > day_key(&to))
		return ctl_out_usage(report_usage(), _("--from %s is after --to %s: the period "
		    "would be empty"), o->from, o->to);
	timeparse_civil_from_days(timeparse_days_from_civil(to.y, to.m, to.d) + 1, &next);
	o->p.from_day = day_key(&from);
	o->p.to_day = day_key(&to);
	o->p.start = timeparse_mktime(&from, 0, 0, 0);
	o->p.end = timeparse_mktime(&next, 0, 0, 0);
	if (o->p.start == (time_t)-1 || o->p.end == (time_t)-1)
		return ctl_out_usage(report_usage(), "%s", _("the period is out of this computer's "
		    "range of dates"));
	report_day(o->p.from_day, o->vi, o->from_txt, sizeof(o->from_txt));
	report_day(o->p.to_day, o->vi, o->to_txt, sizeof(o->to_txt));
	return 0;
}

static int
report_args(struct report_opts *o, int argc, char **argv)
{
	const char *by = NULL, *v;
	int i, r;

	for (i = 1; i < argc; i++) {
		if ((r = ctl_args_take(argc, argv, &i, "--from", &o->from)) == 0 &&
		    (r = ctl_args_take(argc, argv, &i, "--to", &o->to)) == 0 &&
		    (r = ctl_args_take(argc, argv, &i, "--region", &o->region)) == 0 &&
		    (r = ctl_args_take(argc, argv, &i, "--by", &by)) == 0 &&
		    (r = ctl_args_take(argc, argv, &i, "--csv", &o->csv)) == 0) {
			if (strcmp(argv[i], "--json") != 0)
				return ctl_out_usage(report_usage(), _("unknown option %s"), argv[i]);
			o->json = 1;
		}
		if (r < 0)
			return ctl_out_usage(report_usage(), _("%s needs a value"), argv[i - 1]);
	}
	if (o->json && o->csv != NULL)
		return ctl_out_usage(report_usage(), "%s", _("give either --csv or --json, not both"));
	v = by != NULL ? by : "station";
	if (strcmp(v, "station") == 0)
		o->by = BY_STATION;
	else if (strcmp(v, "bulletin") == 0)
		o->by = BY_BULLETIN;
	else if (strcmp(v, "tag") == 0)
		o->by = BY_TAG;
	else
		return ctl_out_usage(report_usage(), _("--by %s: give station, bulletin or tag"), v);
	o->vi = report_vi();
	return report_period(o);
}

/* The collector's database, read-only, or EXIT_REFUSED after saying why. */
static int
report_open(const char *path, struct crep **db)
{
	char why[256] = "";
	int version, rc = crep_open(path, db, &version, why, sizeof(why));

	switch (rc) {
	case 0:
		return 0;
	case -ENOENT:
		return ctl_out_fail(_("there is no collector's database at %s: is loaxa-collectd "
		    "running with this configuration (collector.database)?"), path);
	case -EACCES:
		return ctl_out_fail(_("cannot read the collector's database %s: permission denied; "
		    "run the report as a member of the group loaxa-collector"), path);
	case -EPROTO:
		return ctl_out_fail(_("the collector's database %s was written by a newer "
		    "loaxa-collectd (schema %d): update loaxactl to the collector's version"),
		    path, version);
	case -ESTALE:
		return ctl_out_fail(_("the collector's database %s has an older layout (schema "
		    "%d): restart loaxa-collectd (it updates it when it starts), then ask again"),
		    path, version);
	default:
		return ctl_out_fail(_("cannot read the collector's database %s: %s"), path,
		    why[0] != '\0' ? why : strerror(-rc));
	}
}

/* --- By station. --- */

static void
avail_text(const struct crep_station *s, int vi, char *buf, size_t len)
{
	if (s->span_s <= 0)
		snprintf(buf, len, "%s", report_word(RW_UNKNOWN));
	else
		report_dec(100.0 * s->online_s / s->span_s, vi, buf, len);
}

static void
complete_text(long missing, char *buf, size_t len)
{
	if (missing == 0)
		snprintf(buf, len, "%s", report_word(RW_YES));
	else
		snprintf(buf, len, report_word(RW_NO_MISSING), missing);
}

/* One station's row (or the totals, with name "" and days NULL). */
static int
station_row(struct report_table *t, const struct report_opts *o, const char *id,
    const char *name, const struct crep_station *s, const char *days)
{
	char n[5][24], min[24], av[24], complete[64];
	const char *cells[12];

	snprintf(n[0], sizeof(n[0]), "%ld", s->finished);
	snprintf(n[1], sizeof(n[1]), "%ld", s->missed);
	snprintf(n[2], sizeof(n[2]), "%ld", s->failed);
	snprintf(n[3], sizeof(n[3]), "%ld", s->interrupted);
	report_dec(s->seconds / 60, o->vi, min, sizeof(min));
	avail_text(s, o->vi, av, sizeof(av));
	complete_text(s->missing, complete, sizeof(complete));
	cells[0] = id;
	cells[1] = name;
	cells[2] = n[0];
	cells[3] = min;
	cells[4] = n[1];
	cells[5] = n[2];
	cells[6] = n[3];
	cells[7] = av;
	cells[8] = days;
	cells[9] = complete;
	cells[10] = o->from_txt;
	cells[11] = o->to_txt;
	return report_table_row(t, cells);
}

/* The sums of every station; availability: the mean of the stations'. */
static void
station_totals(const struct crep_station *v, size_t n, struct crep_station *tot)
{
	size_t i;

	memset(tot, 0, sizeof(*tot));
	for (i = 0; i < n; i++) {
		tot->finished += v[i].finished;
		tot->interrupted += v[i].interrupted;
		tot->missed += v[i].missed;
		tot->failed += v[i].failed;
		tot->seconds += v[i].seconds;
		tot->online_s += v[i].online_s;
		tot->span_s += v[i].span_s;
		tot->missing += v[i].missing;
	}
}

static struct report_table *
stations_table(const struct report_opts *o, const struct crep_station *v, size_t n)
{
	static const enum report_word cols[] = { RW_STATION, RW_NAME, RW_BROADCASTS, RW_MINUTES,
	    RW_MISSED, RW_FAILED, RW_INTERRUPTED, RW_AVAILABILITY, RW_DAYS, RW_COMPLETE,
	    RW_FROM, RW_TO };
	struct report_table *t = report_table_new(o->vi, cols, 12);
	struct crep_station tot;
	char days[24];
	size_t i;
	int rc = t != NULL ? 0 : -ENOMEM;

	for (i = 0; i < n && rc == 0; i++) {
		snprintf(days, sizeof(days), "%d", v[i].days);
		rc = station_row(t, o, v[i].station, v[i].name, &v[i], days);
	}
	station_totals(v, n, &tot);
	if (rc == 0) {
		report_table_totals(t);
		rc = station_row(t, o, report_word(RW_TOTAL), "", &tot, "");
	}
	if (rc < 0) {
		report_table_free(t);
		return NULL;
	}
	return t;
}

static json_t *
station_json(const struct crep_station *s, const char *id)
{
	json_t *j = json_pack("{s:s, s:I, s:f, s:f, s:I, s:I, s:I, s:b, s:I}",
	    "station", id, "broadcasts", (json_int_t)s->finished,
	    "minutes", round(s->seconds / 6) / 10, "seconds", round(s->seconds * 10) / 10,
	    "missed", (json_int_t)s->missed, "failed", (json_int_t)s->failed,
	    "interrupted", (json_int_t)s->interrupted, "complete", s->missing == 0,
	    "missing_records", (json_int_t)s->missing);

	if (j == NULL)
		return NULL;
	json_object_set_new(j, "availability_pct", s->span_s > 0 ?
	    json_real(round(1000.0 * s->online_s / s->span_s) / 10) : json_null());
	return j;
}

static json_t *
stations_json(const struct crep_station *v, size_t n)
{
	json_t *a = json_array(), *o = json_object(), *j;
	struct crep_station tot;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((j = station_json(&v[i], v[i].station)) == NULL)
			break;
		json_object_set_new(j, "name", v[i].name != NULL ? json_string(v[i].name) :
		    json_null());
		json_object_set_new(j, "days_with_broadcasts", json_integer(v[i].days));
		json_array_append_new(a, j);
	}
	station_totals(v, n, &tot);
	json_object_set_new(o, "stations", a);
	if ((j = station_json(&tot, "")) != NULL) {
		json_object_del(j, "station");
		json_object_set_new(o, "totals", j);
	}
	return o;
}

/* --- By bulletin. --- */

/* The tags' JSON array as "a, b" (tags as stored; "" when none). */
static void
tags_text(const char *json, char *buf, size_t len)
{
	json_t *a = json != NULL ? json_loads(json, 0, NULL) : NULL, *v;
	size_t i, used = 0;

	buf[0] = '\0';
	json_array_foreach(a, i, v)
		if (json_is_string(v) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			    json_string_value(v));
	json_decref(a);
}

static int
bulletin_row(struct report_table *t, const struct report_opts *o, const char *title,
    const struct crep_bulletin *v, const char *tags, const char *stations)
{
	char b[24], min[24];
	const char *cells[7] = { title, v->sha256, v->relay, tags, stations, b, min };

	snprintf(b, sizeof(b), "%ld", v->broadcasts);
	report_dec(v->seconds / 60, o->vi, min, sizeof(min));
	return report_table_row(t, cells);
}

/* A bulletin's row has its SHA-256; a relay's, or a live broadcast's, its stream. */
static struct report_table *
bulletins_table(const struct report_opts *o, const struct crep_bulletin *v, size_t n)
{
	static const enum report_word cols[] = { RW_TITLE, RW_SHA256, RW_STREAM, RW_TAGS,
	    RW_STATIONS, RW_BROADCASTS, RW_MINUTES };
	struct report_table *t = report_table_new(o->vi, cols, 7);
	struct crep_bulletin total = { 0 };
	char tags[1024], st[24];
	size_t i;
	int rc = t != NULL ? 0 : -ENOMEM;

	for (i = 0; i < n && rc == 0; i++) {
		tags_text(v[i].tags, tags, sizeof(tags));
		snprintf(st, sizeof(st), "%ld", v[i].stations);
		rc = bulletin_row(t, o, v[i].title, &v[i], tags, st);
		total.broadcasts += v[i].broadcasts;
		total.seconds += v[i].seconds;
	}
	if (rc == 0) {
		report_table_totals(t);
		rc = bulletin_row(t, o, report_word(RW_TOTAL), &total, "", "");
	}
	if (rc < 0) {
		report_table_free(t);
		return NULL;
	}
	return t;
}

static json_t *
bulletins_json(const struct crep_bulletin *v, size_t n)
{
	json_t *a = json_array(), *j, *tags;
	size_t i;

	for (i = 0; i < n; i++) {
		tags = v[i].tags != NULL ? json_loads(v[i].tags, 0, NULL) : NULL;
		j = json_pack("{s:s?, s:s, s:s, s:o, s:I, s:I, s:f, s:f}", "title", v[i].title,
		    "sha256", v[i].sha256 != NULL ? v[i].sha256 : "",
		    "relay", v[i].relay != NULL ? v[i].relay : "",
		    "tags", tags != NULL ? tags : json_array(),
		    "stations", (json_int_t)v[i].stations, "broadcasts", (json_int_t)v[i].broadcasts,
		    "minutes", round(v[i].seconds / 6) / 10, "seconds", round(v[i].seconds * 10) / 10);
		if (j != NULL)
			json_array_append_new(a, j);
	}
	return json_pack("{s:o}", "bulletins", a);
}

/* --- By tag. --- */

static int
tag_row(struct report_table *t, const struct report_opts *o, const char *tag,
    const char *station, long broadcasts, double seconds)
{
	char b[24], min[24];
	const char *cells[4] = { tag, station, b, min };

	snprintf(b, sizeof(b), "%ld", broadcasts);
	report_dec(seconds / 60, o->vi, min, sizeof(min));
	return report_table_row(t, cells);
}

/* Per tag, its stations, then the tag's total over all of them. */
static struct report_table *
tags_table(const struct report_opts *o, const struct crep_tag *v, size_t n)
{
	static const enum report_word cols[] = { RW_TAG, RW_STATION, RW_BROADCASTS, RW_MINUTES };
	struct report_table *t = report_table_new(o->vi, cols, 4);
	long broadcasts = 0;
	double seconds = 0;
	size_t i;
	int rc = t != NULL ? 0 : -ENOMEM;

	for (i = 0; i < n && rc == 0; i++) {
		rc = tag_row(t, o, v[i].tag, v[i].station, v[i].broadcasts, v[i].seconds);
		broadcasts += v[i].broadcasts;
		seconds += v[i].seconds;
		if (rc == 0 && (i + 1 == n || strcmp(v[i].tag, v[i + 1].tag) != 0)) {
			rc = tag_row(t, o, v[i].tag, report_word(RW_ALL_STATIONS), broadcasts,
			    seconds);
			broadcasts = 0;
			seconds = 0;
		}
	}
	if (rc < 0) {
		report_table_free(t);
		return NULL;
	}
	return t;
}

static json_t *
tags_json(const struct crep_tag *v, size_t n)
{
	json_t *tags = json_array(), *tag = NULL, *st = NULL, *j;
	long broadcasts = 0;
	double seconds = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (tag == NULL) {
			st = json_array();
			tag = json_pack("{s:s, s:o}", "tag", v[i].tag, "stations", st);
		}
		j = json_pack("{s:s, s:I, s:f, s:f}", "station", v[i].station,
		    "broadcasts", (json_int_t)v[i].broadcasts, "minutes",
		    round(v[i].seconds / 6) / 10, "seconds", round(v[i].seconds * 10) / 10);
		json_array_append_new(st, j);
		broadcasts += v[i].broadcasts;
		seconds += v[i].seconds;
		if (i + 1 == n || strcmp(v[i].tag, v[i + 1].tag) != 0) {
			json_object_set_new(tag, "broadcasts", json_integer(broadcasts));
			json_object_set_new(tag, "minutes", json_real(round(seconds / 6) / 10));
			json_object_set_new(tag, "seconds", json_real(round(seconds * 10) / 10));
			json_array_append_new(tags, tag);
			tag = NULL;
			broadcasts = 0;
			seconds = 0;
		}
	}
	return json_pack("{s:o}", "tags", tags);
}

/* --- Output. --- */

static int
report_print(const struct report_opts *o, struct report_table *t, json_t *j)
{
	FILE *fp;
	int rc = 0;

	if (o->json) {
		json_object_update_new(j, json_pack("{s:s, s:s, s:s, s:s}", "region", o->region,
		    "from", o->from_txt, "to", o->to_txt, "by", o->by == BY_STATION ? "station" :
		    o->by == BY_BULLETIN ? "bulletin" : "tag"));
		/* Ten significant digits: 224.4, not 224.40000000000001. */
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
		fputc('\n', stdout);
		return 0;
	}
	if (o->csv == NULL) {
		printf(_("Region %s, from %s to %s\n\n"), o->region, o->from_txt, o->to_txt);
		report_table_text(t, stdout);
		return 0;
	}
	if ((fp = fopen(o->csv, "w")) == NULL)
		return ctl_out_fail(_("cannot write %s: %s"), o->csv, strerror(errno));
	rc = report_table_csv(t, fp);
	if (fclose(fp) != 0 || rc < 0)
		return ctl_out_fail(_("cannot write %s: %s"), o->csv, strerror(errno));
	return 0;
}

/* Asks the database for the report o says, and prints it. */
static int
report_run(struct report_opts *o, struct crep *db)
{
	struct crep_station *sv = NULL;
	struct crep_bulletin *bv = NULL;
	struct crep_tag *tv = NULL;
	struct report_table *t = NULL;
	json_t *j = NULL;
	size_t n = 0;
	int rc;

	if (o->json) {	/* JSON's dates are ISO, whatever the language */
		report_day(o->p.from_day, 0, o->from_txt, sizeof(o->from_txt));
		report_day(o->p.to_day, 0, o->to_txt, sizeof(o->to_txt));
	}
	if (o->by == BY_STATION) {
		if ((rc = crep_stations(db, o->region, &o->p, clock_wall_now(), &sv, &n)) == 0 &&
		    o->json)
			j = stations_json(sv, n);
		else if (rc == 0)
			t = stations_table(o, sv, n);
	} else if (o->by == BY_BULLETIN) {
		if ((rc = crep_bulletins(db, o->region, &o->p, &bv, &n)) == 0 && o->json)
			j = bulletins_json(bv, n);
		else if (rc == 0)
			t = bulletins_table(o, bv, n);
	} else {
		if ((rc = crep_tags(db, o->region, &o->p, &tv, &n)) == 0 && o->json)
			j = tags_json(tv, n);
		else if (rc == 0)
			t = tags_table(o, tv, n);
	}
	if (rc < 0)
		rc = ctl_out_fail(_("cannot read the collector's database: %s"), rc == -ENOMEM ?
		    strerror(ENOMEM) : crep_error(db));
	else if (t == NULL && j == NULL)
		rc = ctl_out_fail("%s", strerror(ENOMEM));
	else
		rc = report_print(o, t, j);
	crep_stations_free(sv, o->by == BY_STATION ? n : 0);
	crep_bulletins_free(bv, o->by == BY_BULLETIN ? n : 0);
	crep_tags_free(tv, o->by == BY_TAG ? n : 0);
	report_table_free(t);
	json_decref(j);
	return rc;
}

int
loaxactl_report(const char *conf, int argc, char **argv)
{
	struct report_opts o = { 0 };
	const struct config *cfg;
	struct crep *db = NULL;
	int rc;

	if ((rc = report_args(&o, argc, argv)) != 0)
		return rc;
	if ((cfg = ctl_args_config(conf != NULL ? conf : DEFAULT_COLLECTOR_CFG)) == NULL)
		return EXIT_REFUSED;
	if (!cfg->office || cfg->collector.database[0] == '\0')
		return ctl_out_fail(_("%s has no collector group: give the collector's "
		    "configuration with -c (the one loaxa-collectd runs with)"), cfg->path);
	if (o.region == NULL)
		o.region = cfg->station.region;
	if ((rc = report_open(cfg->collector.database, &db)) != 0)
		return rc;
	rc = report_run(&o, db);
	crep_close(db);
	return rc;
}
