/*
 * 'loaxactl log': asks the daemon for its as-run log ({"cmd":"log"}, see
 * daemon/station/station_log.c) and prints it: one line a record (time, event,
 * seconds, title and file) with the reason under the records that have one,
 * or the reply as JSON for scripts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/i18n.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/ctl_request.h"
#include "daemon/loaxactl/loaxactl_log.h"

#define LOG_TIMEOUT_MS	30000

static void
log_row(FILE *fp, const json_t *r)
{
	const json_t *secs = json_object_get(r, "seconds");
	const char *title = ctl_out_jstr(r, "title"), *file = ctl_out_jstr(r, "file"),
	    *err = ctl_out_jstr(r, "error");
	const char *pid = ctl_out_jstr(r, "play_id"), *ev = ctl_out_jstr(r, "event");
	char at[64], s[32];

	ctl_out_iso_short(ctl_out_jstr(r, "at"), at, sizeof(at), "?");
	if (json_is_number(secs) && strcmp(ev != NULL ? ev : "", "started") != 0)
		snprintf(s, sizeof(s), "%.1f", json_number_value(secs));
	else
		snprintf(s, sizeof(s), "-");
	ctl_out_cell(fp, at, ctl_out_time_col(CTL_OUT_SECOND));
	ctl_out_cell(fp, ev != NULL ? ctl_out_word(ev) : "?", 13);
	ctl_out_rcell(fp, s, 7);
	fputs("  ", fp);
	if (title != NULL)
		fprintf(fp, "%s", title);
	else if (pid != NULL)
		fprintf(fp, _("(play %.8s)"), pid);
	else if (ctl_out_jstr(r, "by") != NULL)		/* a note: muted, stopped, ... */
		fprintf(fp, _("(by %s)"), ctl_out_jstr(r, "by"));
	else
		fputc('-', fp);
	if (file != NULL)
		fprintf(fp, " (%s)", file);
	fputc('\n', fp);
	if (err != NULL)
		fprintf(fp, "%*s%s\n", ctl_out_time_col(CTL_OUT_SECOND) + 13 + 9, "", err);
}

void
loaxactl_log_table(FILE *fp, const json_t *reply)
{
	const json_t *records = json_object_get(reply, "records"), *r;
	char since[64];
	size_t i, n = json_array_size(records);

	ctl_out_iso_short(ctl_out_jstr(reply, "since"), since, sizeof(since), "?");
	if (n == 0) {
		fprintf(fp, _("Nothing was recorded since %s.\n"), since);
		return;
	}
	ctl_out_cell(fp, _("TIME"), ctl_out_time_col(CTL_OUT_SECOND));
	ctl_out_cell(fp, _("EVENT"), 13);
	ctl_out_rcell(fp, _("SECONDS"), 7);
	fprintf(fp, "  %s\n", _("TITLE (FILE)"));
	json_array_foreach(records, i, r)
		log_row(fp, r);
	fprintf(fp, dngettext("loaxa", "%zu record since %s.\n", "%zu records since %s.\n",
	    (unsigned long)n), n, since);
	if (json_is_true(json_object_get(reply, "truncated"))) {
		fprintf(fp, _("There are more: this is as many as one answer holds. See the "
		    "rest with 'loaxactl log --since \"%s\"' (or --after %lld).\n"),
		    ctl_out_jstr(json_array_get(records, n - 1), "at") != NULL ?
		    ctl_out_jstr(json_array_get(records, n - 1), "at") : since,
		    (long long)json_integer_value(json_object_get(reply, "next_after")));
	}
}

/* The usage text of log, printed under a mistake in its command line. */
static const char *
log_usage_text(void)
{
	return _("Usage: loaxactl log [--since TIME] [--after N] [--limit N] [--json]\n"
	    "  TIME: YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], HH:MM[:SS] (the latest past one),\n"
	    "        or as the reports write it (2026-11-22T14:30:05+07:00);\n"
	    "        default: the last 24 hours\n"
	    "  --after N: only records after record N (\"next_after\" in --json)\n"
	    "  --limit N: at most N records (1 to 5000, the most one answer holds)");
}

/* Parses the options into req. 0 or an exit status. */
static int
log_parse(int argc, char **argv, json_t *req, int *json)
{
	long long after;
	char *end;
	int i;

	*json = 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			*json = 1;
		} else if (strcmp(argv[i], "--since") == 0 || strcmp(argv[i], "--after") == 0 ||
		    strcmp(argv[i], "--limit") == 0) {
			if (i + 1 >= argc)
				return ctl_out_usage(log_usage_text(), _("%s needs a value"),
				    argv[i]);
			if (strcmp(argv[i++], "--since") == 0) {
				if (json_object_set_new(req, "since", json_string(argv[i])) < 0)
					return ctl_out_usage(log_usage_text(),
					    _("the time \"%s\" is not valid UTF-8 text"),
					    argv[i]);
				continue;
			}
			errno = 0;
			after = strtoll(argv[i], &end, 10);
			if (argv[i][0] < '0' || argv[i][0] > '9' || *end != '\0' || errno != 0)
				return ctl_out_usage(log_usage_text(),
				    _("\"%s\" is not a whole number"), argv[i]);
			json_object_set_new(req, strcmp(argv[i - 1], "--after") == 0 ? "after" :
			    "limit", json_integer(after));
		} else {
			return ctl_out_usage(log_usage_text(), _("log does not know \"%s\""),
			    argv[i]);
		}
	}
	return 0;
}

int
loaxactl_log(const char *sock, int argc, char **argv)
{
	json_t *req = json_pack("{s:s}", "cmd", "log"), *reply;
	int json = 0, rc;

	if (req != NULL && (rc = log_parse(argc, argv, req, &json)) != 0) {
		json_decref(req);
		return rc;
	}
	if ((rc = ctl_request_send(sock, req, -1, LOG_TIMEOUT_MS, &reply)) != 0)
		return rc;
	if (json)
		ctl_out_json(reply);
	else
		loaxactl_log_table(stdout, reply);
	json_decref(reply);
	return 0;
}
