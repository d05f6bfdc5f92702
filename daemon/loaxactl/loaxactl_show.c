/*
 * What a station is doing, for people or for scripts (--json): 'loaxactl
 * list' (the queue and the next scheduled slots, as tables) and 'loaxactl
 * status' (one aligned line a field).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "config/i18n.h"
#include "config/timeparse.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/ctl_request.h"
#include "daemon/loaxactl/loaxactl_show.h"

#define TIMEOUT_MS	15000

/* --- list --------------------------------------------------------------------- */

/* "1:05" or "1:02:05"; "?" when unknown. */
static void
fmt_duration(const json_t *v, char *buf, size_t len)
{
	long long s;

	if (!json_is_number(v) || json_number_value(v) < 0) {
		snprintf(buf, len, "?");
		return;
	}
	s = (long long)(json_number_value(v) + 0.5);
	if (s >= 3600)
		snprintf(buf, len, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%lld:%02lld", s / 60, s % 60);
}

/* The title last, so that names of any width do not break the columns. */
static void
list_queue(const json_t *queue)
{
	const json_t *q;
	char at[64], dur[32], id[32];
	int w_id = ctl_out_col(_("ID"), 7), w_at = ctl_out_col(_("PLAYS AT"),
	    ctl_out_time_col(CTL_OUT_SECOND)), w_len = ctl_out_col(_("LENGTH"), 9);
	size_t i;

	printf("%s\n", _("Queue"));
	if (json_array_size(queue) == 0) {
		printf("  %s\n", _("The queue is empty."));
		return;
	}
	printf("  ");
	ctl_out_cell(stdout, _("ID"), w_id);
	ctl_out_cell(stdout, _("PLAYS AT"), w_at);
	ctl_out_cell(stdout, _("LENGTH"), w_len);
	printf("%s\n", _("TITLE (FILE)"));
	json_array_foreach(queue, i, q) {
		snprintf(id, sizeof(id), "%lld",
		    (long long)json_integer_value(json_object_get(q, "id")));
		ctl_out_iso_short(ctl_out_jstr(q, "at"), at, sizeof(at), _("when free"));
		fmt_duration(json_object_get(q, "duration"), dur, sizeof(dur));
		printf("  ");
		ctl_out_cell(stdout, id, w_id);
		ctl_out_cell(stdout, at, w_at);
		ctl_out_cell(stdout, dur, w_len);
		printf("%s", ctl_out_jstr(q, "title") != NULL ? ctl_out_jstr(q, "title") : "?");
		if (ctl_out_jstr(q, "file") != NULL)
			printf(" (%s)", ctl_out_jstr(q, "file"));
		ctl_out_tags(stdout, q, _("  tags: "));
		printf("\n");
	}
}

/* After a relay slot's title: the stream it relays (the station gave it without credentials). */
static void
upcoming_relay(const json_t *u)
{
	const json_t *d = json_object_get(u, "duration");
	char dur[32];

	if (json_is_integer(d))
		timeparse_format_duration(json_integer_value(d), dur, sizeof(dur));
	else
		snprintf(dur, sizeof(dur), "?");
	printf(" (");
	printf(_("relays %s for %s"), ctl_out_jstr(u, "relay"), dur);
	printf(")");
}

static void
list_upcoming(const json_t *up)
{
	const json_t *u;
	char at[64], items[32];
	int w_at = ctl_out_col(_("AT"), ctl_out_time_col(CTL_OUT_SECOND)),
	    w_items = ctl_out_col(_("ITEMS"), 7);
	size_t i;

	printf("%s\n", _("Next scheduled slots"));
	if (json_array_size(up) == 0) {
		printf("  %s\n", _("No scheduled slots ahead."));
		return;
	}
	printf("  ");
	ctl_out_cell(stdout, _("AT"), w_at);
	ctl_out_cell(stdout, _("ITEMS"), w_items);
	printf("%s\n", _("TITLE"));
	json_array_foreach(up, i, u) {
		ctl_out_iso_short(ctl_out_jstr(u, "at"), at, sizeof(at), "?");
		if (json_is_integer(json_object_get(u, "items")))
			snprintf(items, sizeof(items), "%lld",
			    (long long)json_integer_value(json_object_get(u, "items")));
		else
			snprintf(items, sizeof(items), "%s", ctl_out_jstr(u, "relay") != NULL ? "-" : "?");
		printf("  ");
		ctl_out_cell(stdout, at, w_at);
		ctl_out_cell(stdout, items, w_items);
		printf("%s", ctl_out_jstr(u, "title") != NULL ? ctl_out_jstr(u, "title") : "?");
		if (ctl_out_jstr(u, "relay") != NULL)
			upcoming_relay(u);
		printf("\n");
	}
}

/* The queue, a blank line, the next scheduled slots. */
static void
list_print(const json_t *reply)
{
	list_queue(json_object_get(reply, "queue"));
	printf("\n");
	list_upcoming(json_object_get(reply, "upcoming"));
}

/* --- status ----------------------------------------------------------------- */

enum { F_STATION, F_STATE, F_PLAYING, F_NEXT, F_QUEUE, F_AUDIO, F_MQTT, F_UPTIME, F_N };

static const char *
field_label(int f)
{
	switch (f) {
	case F_STATION:	return _("Station");
	case F_STATE:	return _("State");
	case F_PLAYING:	return _("Playing");
	case F_NEXT:	return _("Next slot");
	case F_QUEUE:	return _("Queue");
	case F_AUDIO:	return _("Audio device");
	case F_MQTT:	return _("District link (MQTT)");
	default:	return _("Uptime");
	}
}

/* The widest label's width; labels are translated, so measure them. */
static int
label_width(void)
{
	int i, w = 0;

	for (i = 0; i < F_N; i++)
		if (ctl_out_width(field_label(i)) > w)
			w = ctl_out_width(field_label(i));
	return w;
}

/* One aligned "Label:   value" line. */
static void
field(int f, const char *value)
{
	printf("%s:", field_label(f));
	ctl_out_cell(stdout, "", label_width() - ctl_out_width(field_label(f)) + 1);
	printf("%s\n", value != NULL && value[0] != '\0' ? value : _("unknown"));
}

/* A second line of the field above, under its value. */
static void
field_more(const char *value)
{
	ctl_out_cell(stdout, "", label_width() + 2);
	printf("%s\n", value);
}

/* "Title" at 14:30:05 on 2026-11-22, or "Title" at TEXT. */
static void
fmt_titled_time(const json_t *o, const char *timekey, const char *fmt_known,
    char *buf, size_t len)
{
	const char *title = ctl_out_jstr(o, "title"), *at = ctl_out_jstr(o, timekey);
	char date[16], clock[16];

	if (ctl_out_iso_split(at, date, sizeof(date), clock, sizeof(clock)) < 0) {
		snprintf(date, sizeof(date), "?");
		snprintf(clock, sizeof(clock), "%.15s", at != NULL ? at : "?");
	}
	snprintf(buf, len, fmt_known, title != NULL ? title : "?", clock, date);
}

/*
 * A relay playing: whether its stream is what the loudspeakers play now, or
 * the stream is away and the fallback (or silence) fills in, as an
 * operator wonders when the village hears music instead of the province.
 */
static void
status_stream(const json_t *p)
{
	const char *stream = ctl_out_jstr(p, "stream");

	if (stream == NULL)
		return;
	if (strcmp(stream, "on") == 0)
		field_more(_("the stream is on the loudspeakers"));
	else
		field_more(_("the stream is away: its fallback (or silence) plays until it comes "
		    "back"));
}

static void
status_playing(const json_t *s)
{
	const json_t *p = json_object_get(s, "playing");
	char buf[1024];
	size_t n;

	if (json_is_null(p)) {
		field(F_PLAYING, _("nothing"));
		return;
	}
	if (!json_is_object(p)) {
		field(F_PLAYING, NULL);
		return;
	}
	fmt_titled_time(p, "since", _("\"%s\" since %s on %s"), buf, sizeof(buf));
	n = strlen(buf);
	if (ctl_out_jstr(p, "file") != NULL && n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, " (%s)", ctl_out_jstr(p, "file"));
	field(F_PLAYING, buf);
	status_stream(p);
}

static void
status_station(const json_t *s)
{
	const char *name = ctl_out_jstr(s, "name"), *id = ctl_out_jstr(s, "station"),
	    *region = ctl_out_jstr(s, "region");
	char buf[1024];

	if (name == NULL && id == NULL) {
		field(F_STATION, NULL);
		return;
	}
	snprintf(buf, sizeof(buf), "%s (%s%s%s)", name != NULL ? name : id,
	    id != NULL ? id : "?", region != NULL ? ", " : "", region != NULL ? region : "");
	field(F_STATION, buf);
}

/* "hw:0: running (why), 3 underruns" */
static void
status_audio(const json_t *s)
{
	const json_t *a = json_object_get(s, "audio"), *x = json_object_get(s, "xruns");
	const char *dev = ctl_out_jstr(a, "device"), *state = ctl_out_jstr(a, "state");
	const char *err = ctl_out_jstr(a, "error");
	char buf[1024];
	size_t n;

	if (!json_is_object(a)) {
		field(F_AUDIO, NULL);
		return;
	}
	snprintf(buf, sizeof(buf), "%s: %s", dev != NULL ? dev : "?",
	    state != NULL ? ctl_out_word(state) : _("unknown"));
	n = strlen(buf);
	if (err != NULL && n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, " (%s)", err);
	n = strlen(buf);
	if (json_integer_value(x) > 0 && n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, _(", %lld underruns"),
		    (long long)json_integer_value(x));
	field(F_AUDIO, buf);
}

static void
status_mqtt(const json_t *s)
{
	const json_t *m = json_object_get(s, "mqtt"), *c = json_object_get(m, "connected");
	const char *state = ctl_out_jstr(m, "state");
	char buf[1024];

	if (json_is_true(c))
		field(F_MQTT, _("connected"));
	else if (json_is_false(c)) {
		/* Why not is worth a technician's time: "connecting", "refused: ..." */
		snprintf(buf, sizeof(buf), "%s%s%s%s", _("not connected"), state ? " (" : "",
		    state ? state : "", state ? ")" : "");
		field(F_MQTT, buf);
	} else
		field(F_MQTT, NULL);
}

static void
status_print(const json_t *s)
{
	const json_t *next = json_object_get(s, "next_slot");
	const json_t *ql = json_object_get(s, "queue_length");
	const json_t *up = json_object_get(s, "uptime");
	char buf[1024];
	long long t;

	status_station(s);
	field(F_STATE, ctl_out_word(ctl_out_jstr(s, "state")));
	status_playing(s);
	if (json_is_object(next)) {
		fmt_titled_time(next, "at", _("\"%s\" at %s on %s"), buf, sizeof(buf));
		field(F_NEXT, buf);
	} else
		field(F_NEXT, json_is_null(next) ? _("none") : NULL);
	snprintf(buf, sizeof(buf), _("%lld waiting"), (long long)json_integer_value(ql));
	field(F_QUEUE, json_is_integer(ql) ? buf : NULL);
	status_audio(s);
	status_mqtt(s);
	t = json_is_number(up) ? (long long)json_number_value(up) : -1;
	if (t >= 86400)
		snprintf(buf, sizeof(buf), dngettext("loaxa", "%lld day, %02lld:%02lld:%02lld",
		    "%lld days, %02lld:%02lld:%02lld", (unsigned long)(t / 86400)), t / 86400,
		    t / 3600 % 24, t / 60 % 60, t % 60);
	else if (t >= 0)
		snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
	field(F_UPTIME, t >= 0 ? buf : NULL);
}

/* status prints the status object alone, the same one the district reads over MQTT. */
static void
status_print_reply(const json_t *reply)
{
	status_print(json_object_get(reply, "status"));
}

/* --- both ------------------------------------------------------------------- */

/*
 * Runs list or status (argv[0], which takes only --json): asks the daemon
 * and prints the reply's member key (NULL: the whole reply) as JSON for
 * scripts, or the whole reply through print for people.
 */
static int
show_run(const char *sock, int argc, char **argv, const char *key,
    void (*print)(const json_t *))
{
	json_t *reply;
	int i, json = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0)
			return ctl_out_usage(NULL, _("%s takes no argument but --json"), argv[0]);
		json = 1;
	}
	if ((rc = ctl_request_send(sock, json_pack("{s:s}", "cmd", argv[0]), -1, TIMEOUT_MS,
	    &reply)) != 0)
		return rc;
	if (json)
		ctl_out_json(key != NULL ? json_object_get(reply, key) : reply);
	else
		print(reply);
	json_decref(reply);
	return 0;
}

int
loaxactl_show_list(const char *sock, int argc, char **argv)
{
	return show_run(sock, argc, argv, NULL, list_print);
}

int
loaxactl_show_status(const char *sock, int argc, char **argv)
{
	return show_run(sock, argc, argv, "status", status_print_reply);
}
