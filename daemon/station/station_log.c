/*
 * 'loaxactl log': the station's as-run log read back over the control socket,
 * so that a technician on site can see what aired even with the district link
 * down. The request is {"cmd":"log","since":TIME} (optional "after": a record
 * seq to go on from, "limit"); the reply {"ok":true,"records":[...]} holds the
 * records as the district receives them, oldest first, and is bounded: at
 * most LOG_MAX_RECORDS records and LOG_MAX_BYTES of them, with "truncated"
 * and "next_after" saying how to ask for the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/i18n.h"
#include "config/timeparse.h"
#include "daemon/core/log.h"
#include "daemon/proto/report.h"
#include "daemon/station/station_int.h"

#define LOG_MAX_RECORDS		5000
#define LOG_MAX_BYTES		(3 * 1024 * 1024)	/* under the client's 4 MiB reply limit */
#define LOG_DEFAULT_SPAN	86400			/* no "since": the last 24 hours */
#define LOG_SINCE_MAX		64

/*
 * TIME for --since: ISO 8601 with an offset as the reports carry it
 * (2026-11-22T14:30:05+07:00, or Z), a local "YYYY-MM-DD HH:MM[:SS]", a local
 * date (its midnight), or a local "HH:MM[:SS]" (the latest such time at or
 * before now). 0 or -EINVAL.
 */
int
station_log_since(const char *s, time_t now, time_t *out)
{
	struct timeparse_at at;
	struct sched_date d;
	struct tm tm;
	time_t t;

	if (s == NULL || strlen(s) >= LOG_SINCE_MAX)
		return -EINVAL;
	if (timeparse_date(s, &d) == 0) {
		t = timeparse_mktime(&d, 0, 0, 0);
		goto done;
	}
	if (timeparse_iso(s, &t) == 0)
		goto done;
	if (timeparse_at(s, &at, NULL, 0) < 0)
		return -EINVAL;
	if (at.once) {
		t = timeparse_mktime(&at.date, at.hh, at.mm, at.ss);
	} else {
		if (localtime_r(&now, &tm) == NULL)
			return -EINVAL;
		d = (struct sched_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
		t = timeparse_mktime(&d, at.hh, at.mm, at.ss);
		if (t != (time_t)-1 && t > now)
			t -= 86400;	/* a clock time still ahead today means yesterday's */
	}
done:
	if (t == (time_t)-1)
		return -EINVAL;
	*out = t;
	return 0;
}

static int
log_fail(json_t *reply, const char *msg)
{
	json_object_set_new(reply, "error", json_string(msg));
	return -EINVAL;
}

/* The request's since, after and limit, checked. */
static int
log_args(const json_t *req, json_t *reply, time_t *since, int64_t *after, size_t *limit)
{
	const json_t *s = json_object_get(req, "since"), *a = json_object_get(req, "after");
	const json_t *l = json_object_get(req, "limit");
	char msg[512], quoted[68];

	*since = time(NULL) - LOG_DEFAULT_SPAN;
	*after = 0;
	*limit = LOG_MAX_RECORDS;
	if (s != NULL && !json_is_null(s) && (!json_is_string(s) ||
	    station_log_since(json_string_value(s), time(NULL), since) < 0)) {
		/* At most 64 bytes of it, cut between characters: the reply must stay UTF-8. */
		conf_quote(json_is_string(s) ? json_string_value(s) : "?", quoted, sizeof(quoted));
		snprintf(msg, sizeof(msg), _("cannot understand the time \"%s\"; write it as "
		    "YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], HH:MM or as the reports do "
		    "(2026-11-22T14:30:05+07:00)"), quoted);
		return log_fail(reply, msg);
	}
	if (a != NULL && (!json_is_integer(a) || json_integer_value(a) < 0))
		return log_fail(reply, _("\"after\" must be a record number from a previous reply"));
	if (a != NULL)
		*after = (int64_t)json_integer_value(a);
	if (l != NULL && (!json_is_integer(l) || json_integer_value(l) < 1 ||
	    json_integer_value(l) > LOG_MAX_RECORDS)) {
		snprintf(msg, sizeof(msg), _("\"limit\" must be a whole number from 1 to %d"),
		    LOG_MAX_RECORDS);
		return log_fail(reply, msg);
	}
	if (l != NULL)
		*limit = (size_t)json_integer_value(l);
	return 0;
}

/*
 * A record as the district got it; one rebuilt from the columns if its text
 * does not parse. Records written before reports carried their number get it
 * here ("seq", the same number "after" takes), so that a collector that
 * imports this log can fill its gaps with them too.
 */
static json_t *
log_record(const struct asrun_entry *e)
{
	json_t *o = json_loads(e->json, JSON_REJECT_DUPLICATES, NULL);

	if (!json_is_object(o)) {
		json_decref(o);
		o = json_pack("{s:s, s:s, s:o}", "event", e->event, "play_id", e->play_id,
		    "at", report_time(e->at));
	}
	if (o != NULL && json_object_get(o, "seq") == NULL)
		json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
	return o;
}

int
station_ctl_log(struct station *st, const json_t *req, json_t *reply)
{
	struct asrun_entry *v;
	json_t *records;
	size_t n, i, bytes = 0, limit;
	int64_t after;
	time_t since;
	int more, rc;

	if ((rc = log_args(req, reply, &since, &after, &limit)) < 0)
		return rc;
	if (store_asrun_list(st->store, since, after, limit, &v, &n, &more) < 0)
		return log_fail(reply, _("the station could not read its as-run log; see its "
		    "log (journalctl -u loaxad)"));
	if ((records = json_array()) == NULL) {
		store_asrun_free(v, n);
		return log_fail(reply, _("the station is out of memory"));
	}
	for (i = 0; i < n && bytes + strlen(v[i].json) <= LOG_MAX_BYTES; i++) {
		bytes += strlen(v[i].json);
		json_array_append_new(records, log_record(&v[i]));
	}
	more = more || i < n;
	json_object_set_new(reply, "since", report_time(since));
	json_object_set_new(reply, "records", records);
	json_object_set_new(reply, "truncated", json_boolean(more));
	if (more && i > 0)
		json_object_set_new(reply, "next_after", json_integer(v[i - 1].seq));
	json_object_set_new(reply, "keep_days", json_integer(st->cfg.storage.asrun_days));
	store_asrun_free(v, n);
	return 0;
}
