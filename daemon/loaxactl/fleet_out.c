/* The fleet view printed: a table for people or JSON for scripts (see fleet_out.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/i18n.h"
#include "config/timeparse.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/fleet.h"
#include "daemon/loaxactl/fleet_out.h"

/* The state as people read it. */
static const char *
fleet_out_state(enum fleet_state s)
{
	switch (s) {
	case FLEET_OFFLINE:
		return _("offline");
	case FLEET_UNKNOWN:
		return _("unknown");
	case FLEET_ONLINE:
		return _("online");
	default:
		return _("revoked");
	}
}

/* t in local time, to the minute or the second; "-" when not known. */
static void
fleet_out_time(time_t t, int seconds, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0 || localtime_r(&t, &tm) == NULL ||
	    ctl_out_time(&tm, seconds ? CTL_OUT_SECOND : CTL_OUT_MINUTE, buf, len) < 0)
		snprintf(buf, len, "-");
}

/* What an online station does now: 'plays "Title" since 06:00:01 (emergency)', or "idle". */
static void
fleet_out_now(const struct fleet_station *s, char *buf, size_t len)
{
	const json_t *p = json_object_get(s->status, "playing");
	const char *title = ctl_out_jstr(p, "title"), *cls = ctl_out_jstr(p, "class");
	char date[16], clock[16];
	size_t n;

	buf[0] = '\0';
	if (s->state != FLEET_ONLINE)
		return;
	if (!json_is_object(p)) {
		snprintf(buf, len, "%s", _("idle"));
		return;
	}
	if (ctl_out_iso_split(ctl_out_jstr(p, "since"), date, sizeof(date), clock,
	    sizeof(clock)) < 0)
		snprintf(clock, sizeof(clock), "?");
	snprintf(buf, len, _("plays \"%s\" since %s"), title != NULL ? title : "?", clock);
	n = strlen(buf);
	if (cls != NULL && strcmp(cls, "normal") != 0 && n < len)
		snprintf(buf + n, len - n, " (%s)", cls);
}

/* The widths of the first two columns: the widest of each heading and its values. */
static void
fleet_out_widths(const struct fleet *f, int *w_id, int *w_state)
{
	const struct fleet_station *s;
	size_t i;
	int w;

	*w_id = ctl_out_width(_("STATION"));
	*w_state = ctl_out_width(_("STATE"));
	for (i = 0; (s = fleet_station(f, i)) != NULL; i++) {
		if ((w = ctl_out_width(s->id)) > *w_id)
			*w_id = w;
		if ((w = ctl_out_width(fleet_out_state(s->state))) > *w_state)
			*w_state = w;
	}
}

/* One station: id, state, since, last status, then its name, what it does and its problems. */
static void
fleet_out_line(const struct fleet_station *s, FILE *fp, int w_id, int w_state)
{
	char since[64], at[64], now[512];
	size_t k;

	fleet_out_time(s->since, 0, since, sizeof(since));
	fleet_out_time(s->at, 1, at, sizeof(at));
	fleet_out_now(s, now, sizeof(now));
	ctl_out_cell(fp, s->id, w_id + 2);
	ctl_out_cell(fp, fleet_out_state(s->state), w_state + 2);
	ctl_out_cell(fp, since, ctl_out_time_col(CTL_OUT_MINUTE));
	ctl_out_cell(fp, at, ctl_out_time_col(CTL_OUT_SECOND));
	fputs(s->name != NULL ? s->name : "-", fp);
	if (now[0] != '\0')
		fprintf(fp, " — %s", now);
	for (k = 0; k < s->n_problems; k++)
		fprintf(fp, "%s%s", k == 0 ? " — " : "; ",
		    s->problems[k].text != NULL ? s->problems[k].text : s->problems[k].code);
	fputc('\n', fp);
}

/* The district schedule on the broker, in one sentence. */
static void
fleet_out_schedule(const struct fleet *f, FILE *fp)
{
	const struct fleet_schedule *sc = fleet_schedule(f);
	char issued[64];

	if (sc->why[0] != '\0') {
		fprintf(fp, "%s\n", sc->why);
		return;
	}
	if (!sc->present) {
		fprintf(fp, "%s\n", _("No district schedule is on the broker."));
		return;
	}
	ctl_out_iso_short(sc->issued[0] != '\0' ? sc->issued : NULL, issued, sizeof(issued), "?");
	if (sc->all)
		fprintf(fp, _("District schedule on the broker: version %lld, issued %s, for every "
		    "station"), (long long)sc->version, issued);
	else
		fprintf(fp, _("District schedule on the broker: version %lld, issued %s, for %zu "
		    "stations"), (long long)sc->version, issued, sc->n_targets);
	fprintf(fp, "%s\n", sc->verified ? "." : _(" (its signature not checked: no district "
	    "public key in the configuration)."));
}

void
fleet_out_text(const struct fleet *f, FILE *fp)
{
	const struct fleet_station *s;
	size_t i, n[4], healthy, total;
	int w_id, w_state;

	fleet_tally(f, n, &healthy);
	fleet_out_widths(f, &w_id, &w_state);
	if (fleet_count(f) > 0) {
		ctl_out_cell(fp, _("STATION"), w_id + 2);
		ctl_out_cell(fp, _("STATE"), w_state + 2);
		ctl_out_cell(fp, _("SINCE"), ctl_out_time_col(CTL_OUT_MINUTE));
		ctl_out_cell(fp, _("LAST STATUS"), ctl_out_time_col(CTL_OUT_SECOND));
		fprintf(fp, "%s\n", _("NAME — NOW — PROBLEMS"));
	}
	for (i = 0; (s = fleet_station(f, i)) != NULL; i++)
		fleet_out_line(s, fp, w_id, w_state);
	if (fleet_count(f) > 0)
		fputc('\n', fp);
	total = fleet_count(f) - n[FLEET_REVOKED];
	fprintf(fp, dngettext("loaxa", "Region %s: %zu station; ", "Region %s: %zu stations; ",
	    total), fleet_region(f), total);
	fprintf(fp, _("%zu online and healthy, %zu online with problems, %zu offline, %zu never "
	    "reported"), healthy, n[FLEET_ONLINE] - healthy, n[FLEET_OFFLINE], n[FLEET_UNKNOWN]);
	if (n[FLEET_REVOKED] > 0)
		fprintf(fp, _(" (and %zu revoked)"), n[FLEET_REVOKED]);
	fputs(".\n", fp);
	fleet_out_schedule(f, fp);
}

/* The problems of one station for scripts: [{code, text}]. */
static json_t *
fleet_out_problems(const struct fleet_station *s)
{
	json_t *a = json_array();
	size_t k;

	for (k = 0; a != NULL && k < s->n_problems; k++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "code", s->problems[k].code,
		    "text", s->problems[k].text != NULL ? s->problems[k].text : s->problems[k].code));
	return a != NULL ? a : json_null();
}

/* A member of the station's status copied as it is, or null. */
static json_t *
fleet_out_copy(const struct fleet_station *s, const char *key)
{
	json_t *v = json_object_get(s->status, key);

	return v != NULL ? json_deep_copy(v) : json_null();
}

/* The facts of one station for scripts. */
static json_t *
fleet_out_station(const struct fleet *f, const struct fleet_station *s)
{
	const struct fleet_schedule *sc = fleet_schedule(f);
	char since[TIMEPARSE_ISO_MAX];

	if (s->since == 0 || timeparse_format_iso(s->since, since, sizeof(since)) < 0)
		since[0] = '\0';
	return json_pack("{s:s, s:o, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o}, s:o}",
	    "station", s->id,
	    "name", s->name != NULL ? json_string(s->name) : json_null(),
	    "state", fleet_state_name(s->state),
	    "healthy", s->healthy,
	    "since", since[0] != '\0' ? json_string(since) : json_null(),
	    "at", s->at != 0 ? fleet_out_copy(s, "at") : json_null(),
	    "enrolled", s->enrolled < 0 ? json_null() : json_boolean(s->enrolled),
	    "playing", s->state == FLEET_ONLINE ? fleet_out_copy(s, "playing") : json_null(),
	    "software", fleet_out_copy(s, "version"),
	    "district_schedule",
		"has", s->district_version > 0 ? json_integer(s->district_version) : json_null(),
		"published", sc->present ? json_integer(sc->version) : json_null(),
	    "problems", fleet_out_problems(s));
}

json_t *
fleet_out_json(const struct fleet *f)
{
	const struct fleet_station *s;
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; a != NULL && (s = fleet_station(f, i)) != NULL; i++) {
		if ((o = fleet_out_station(f, s)) == NULL || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
