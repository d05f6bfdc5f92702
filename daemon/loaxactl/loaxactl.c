/*
 * loaxactl: the command line for the commune's operators and technicians.
 * It checks what it can before asking (a bulletin is decoded through once
 * here, on the operator's side), sends one request over the control socket
 * and turns the reply into a few plain sentences. Exit status: 0 done,
 * 1 refused or the daemon unreachable, 2 a mistake in the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codecs/opus_reader.h"
#include "config/conf.h"
#include "config/errlist.h"
#include "config/i18n.h"
#include "config/timeparse.h"
#include "daemon/ctl/ctl.h"
#include "daemon/ctl/ctl_client.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/loaxactl_alert.h"
#include "daemon/loaxactl/loaxactl_district.h"
#include "daemon/loaxactl/loaxactl_log.h"

#ifndef LOCALEDIR
#define LOCALEDIR	"/usr/local/share/locale"
#endif

#define EXIT_REFUSED	1
#define EXIT_USAGE	2
#define TIMEOUT_MS	15000
#define QUEUE_TIMEOUT_MS 120000	/* the daemon copies the bulletin before it answers */
#define CHECK_RATE	48000

static const char *progname = "loaxactl";

static void
usage(FILE *fp)
{
	fprintf(fp, _("Usage: %s [-c CONFIG | -s SOCKET] COMMAND [ARGS]\n"
	    "\n"
	    "Commands:\n"
	    "  queue FILE [--at TIME] [--title TEXT] [--class CLASS]\n"
	    "                   check an Ogg Opus bulletin and add it to the queue;\n"
	    "                   TIME is HH:MM[:SS] or YYYY-MM-DD HH:MM[:SS] (default: as\n"
	    "                   soon as the station is free); CLASS is normal (default),\n"
	    "                   priority (ahead of normal) or emergency (cuts in at once)\n"
	    "  move ID POSITION put queued item ID at POSITION (1 = next) in its class\n"
	    "  mute [--for DURATION]\n"
	    "                   keep the loudspeakers silent (nothing plays, not even\n"
	    "                   alerts) until 'unmute' or for DURATION (e.g. 30m, 2h)\n"
	    "  unmute           let the station play again\n"
	    "  list [--json]    show the queue and the next scheduled slots\n"
	    "  cancel ID        remove item ID (see 'list') from the queue\n"
	    "  stop             stop what is playing now\n"
	    "  reload           read the schedule again\n"
	    "  status [--json]  show what the station is doing\n"
	    "  log [--since TIME] [--json]\n"
	    "                   what the station aired, from its own as-run log (default:\n"
	    "                   the last 24 hours); TIME as for queue, or a date\n"
	    "  keygen KEYFILE   (district office) make the district's key pair: KEYFILE,\n"
	    "                   secret, and KEYFILE.pub for the stations\n"
	    "  publish SCHEDULE.cfg --region REGION --key KEYFILE [--mqtt HOST[:PORT]]\n"
	    "          [--stations ID,...] [--dry-run]\n"
	    "                   (district office) sign the schedule and publish it with its\n"
	    "                   bulletins to every station of the region (or those listed)\n"
	    "  alert FILE --region REGION --key KEYFILE [--class emergency|priority]\n"
	    "        [--repeat DURATION] [--until TIME] [--stations ID,...] [--test]\n"
	    "                   (district office) sign and send an alert: it plays at once\n"
	    "                   at every station (an emergency cuts in), again every\n"
	    "                   DURATION until TIME\n"
	    "  alert --cancel ID --region REGION --key KEYFILE\n"
	    "                   (district office) stop alert ID everywhere\n"
	    "  help             show this text\n"
	    "\n"
	    "Options:\n"
	    "  -c CONFIG        take the socket from this configuration file\n"
	    "  -s SOCKET        talk to the daemon at SOCKET (default: $LOAXA_SOCKET,\n"
	    "                   else %s)\n"), progname, CTL_DEFAULT_SOCKET);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A mistake in the command line: say what, then how to use it. */
static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n");
	usage(stderr);
	return EXIT_USAGE;
}

/* Prints the daemon's refusal: its sentence, then every detail. */
static int
print_refusal(const json_t *reply)
{
	const json_t *e = json_object_get(reply, "error");
	const json_t *details = json_object_get(reply, "details"), *d;
	size_t i;

	fprintf(stderr, "%s: %s\n", progname, json_is_string(e) ? json_string_value(e) :
	    _("the station daemon refused the command without saying why; see its log "
	    "(journalctl -u loaxad)"));
	json_array_foreach(details, i, d)
		if (json_is_string(d))
			fprintf(stderr, "%s:   %s\n", progname, json_string_value(d));
	return EXIT_REFUSED;
}

/* Sends req; 0 and *reply when the daemon did it, else the exit status (message printed). */
static int
call(const char *sock, json_t *req, int fd, int timeout_ms, json_t **reply)
{
	char err[1024];
	int rc;

	*reply = NULL;
	if (req == NULL) {
		fprintf(stderr, _("%s: out of memory\n"), progname);
		return EXIT_REFUSED;
	}
	rc = ctl_client_call(sock, req, fd, timeout_ms, reply, err, sizeof(err));
	json_decref(req);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", progname, err);
		return EXIT_REFUSED;
	}
	if (!json_is_true(json_object_get(*reply, "ok"))) {
		rc = print_refusal(*reply);
		json_decref(*reply);
		*reply = NULL;
		return rc;
	}
	return 0;
}

/*
 * For --json, for scripts: list prints the reply minus "ok", status the
 * status object itself (the same one the district reads over MQTT).
 */
static void
print_json(json_t *reply)
{
	if (!json_is_object(reply)) {
		printf("null\n");
		return;
	}
	json_object_del(reply, "ok");
	json_dumpf(reply, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

/* Columns a UTF-8 string takes: one per character, none for combining accents. */
static int
text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;

	for (; *p != '\0'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;
		/* U+0300..U+036F, the combining accents of decomposed Vietnamese */
		if ((*p == 0xcc && (p[1] & 0xc0) == 0x80) || (*p == 0xcd && p[1] >= 0x80 &&
		    p[1] <= 0xaf))
			continue;
		w++;
	}
	return w;
}

/* Prints s and pads it with spaces to width columns. */
static void
put_cell(const char *s, int width)
{
	int w = text_width(s);

	fputs(s, stdout);
	while (w++ < width)
		fputc(' ', stdout);
}

/* "2026-11-22T14:30:05+07:00" as "14:30:05" and "2026-11-22"; 0, or -1 if not in that shape. */
static int
iso_split(const char *iso, char *date, size_t datelen, char *clock, size_t clocklen)
{
	if (iso == NULL || strlen(iso) < 19 || iso[4] != '-' || iso[10] != 'T' ||
	    iso[13] != ':' || datelen < 11 || clocklen < 9)
		return -1;
	snprintf(date, datelen, "%.10s", iso);
	snprintf(clock, clocklen, "%.8s", iso + 11);
	return 0;
}

/* "2026-11-22 14:30:05" for tables; the text as it came when it is not ISO. */
static void
iso_short(const json_t *v, char *buf, size_t len, const char *none)
{
	char date[16], clock[16];

	if (!json_is_string(v))
		snprintf(buf, len, "%s", none);
	else if (iso_split(json_string_value(v), date, sizeof(date), clock, sizeof(clock)) == 0)
		snprintf(buf, len, "%s %s", date, clock);
	else
		snprintf(buf, len, "%s", json_string_value(v));
}

/* 1 when s is valid UTF-8 (what JSON strings must be). */
static int
utf8_ok(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

static const char *
jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* --- queue ------------------------------------------------------------------ */

struct queue_args {
	const char *file, *at, *title, *cls;
};

/* Takes "--opt VALUE" or "--opt=VALUE"; returns 1 if argv[*i] was opt, -1 if its value is missing. */
static int
take_opt(int argc, char **argv, int *i, const char *opt, const char **out)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 1;
}

static int
queue_parse(int argc, char **argv, struct queue_args *qa)
{
	struct timeparse_at at;
	char why[256];
	int i, r;

	for (i = 1; i < argc; i++) {
		if ((r = take_opt(argc, argv, &i, "--at", &qa->at)) == 0 &&
		    (r = take_opt(argc, argv, &i, "--title", &qa->title)) == 0)
			r = take_opt(argc, argv, &i, "--class", &qa->cls);
		if (r < 0)
			return usage_error(_("%s needs a value"), argv[i]);
		if (r > 0)
			continue;
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage_error(_("queue does not know the option %s"), argv[i]);
		if (qa->file != NULL)
			return usage_error(_("queue takes one file; \"%s\" is one too many "
			    "(put quotes around a name or a time with spaces, e.g. --at \"2026-11-22 "
			    "14:30\")"), argv[i]);
		qa->file = argv[i];
	}
	if (qa->file == NULL)
		return usage_error("%s", _("queue needs the bulletin's file"));
	if (qa->cls != NULL && strcmp(qa->cls, "normal") != 0 && strcmp(qa->cls, "priority") != 0 &&
	    strcmp(qa->cls, "emergency") != 0)
		return usage_error(_("the class \"%s\" is not known; use normal, priority or "
		    "emergency"), qa->cls);
	if (qa->title != NULL && (qa->title[0] == '\0' || !utf8_ok(qa->title)))
		return usage_error("%s", _("the title must be non-empty UTF-8 text"));
	if (qa->at != NULL && timeparse_at(qa->at, &at, why, sizeof(why)) < 0) {
		fprintf(stderr, _("%s: cannot understand the time \"%s\": %s; write it as "
		    "HH:MM, HH:MM:SS or YYYY-MM-DD HH:MM[:SS]\n"), progname, qa->at, why);
		return EXIT_USAGE;
	}
	return 0;
}

/* What the operator can do about a file the reader refused ("" when nothing). */
static const char *
queue_advice(int err)
{
	if (OPUS_READER_IS_NOTOGG(err) || OPUS_READER_IS_NOTOPUS(err))
		return _(" Convert it to Opus (for example with opusenc) and queue it again.");
	if (err == OPUS_READER_EUNSUPP)
		return _(" Encode it again as mono or stereo Opus (for example with opusenc) "
		    "and queue it again.");
	if (err == OPUS_READER_EIO)
		return _(" Check the USB stick or memory card, then try again.");
	if (err == OPUS_READER_EEMPTY || err == OPUS_READER_ECORRUPT ||
	    err == OPUS_READER_ETRUNC || err == OPUS_READER_EBADHEADER)
		return _(" Copy it again from the original (or encode it again with "
		    "opusenc) and queue it again.");
	return "";
}

/* The reader's reason without its own short advice (after "; "): ours is longer. */
static void
queue_reason(int err, char *buf, size_t len)
{
	char *cut;

	snprintf(buf, len, "%s", opus_reader_strerror(err));
	if (queue_advice(err)[0] != '\0' && (cut = strstr(buf, "; ")) != NULL)
		*cut = '\0';
}

/*
 * Opens the file and decodes it through once, through the descriptor we are
 * about to send, so that what was checked is what the station receives.
 * Returns the descriptor, or -1 after saying why.
 */
static int
queue_open_checked(const char *file, struct opus_info *info)
{
	char proc[64], reason[256];
	struct stat st;
	int fd, rc;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		fprintf(stderr, _("%s: cannot queue \"%s\": %s\n"), progname, file,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, _("%s: cannot queue \"%s\": it is not a sound file (it is "
		    "a folder or a device); give the bulletin's file\n"), progname, file);
		close(fd);
		return -1;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	rc = opus_reader_check_file(access(proc, R_OK) == 0 ? proc : file, CHECK_RATE, 1, info);
	if (rc < 0) {
		queue_reason(rc, reason, sizeof(reason));
		fprintf(stderr, _("%s: cannot queue \"%s\": %s.%s\n"), progname, file,
		    reason, queue_advice(rc));
		close(fd);
		return -1;
	}
	return fd;
}

static void
queue_print(const json_t *reply)
{
	const json_t *id = json_object_get(reply, "id");
	const char *title = jstr(reply, "title"), *at = jstr(reply, "at");
	char date[16], clock[16];

	printf("%lld\n", (long long)json_integer_value(id));
	if (title == NULL)
		title = "?";
	if (at == NULL)
		printf(_("Queued \"%s\" (id %lld); it will play as soon as the station is "
		    "free.\n"), title, (long long)json_integer_value(id));
	else if (iso_split(at, date, sizeof(date), clock, sizeof(clock)) == 0)
		printf(_("Queued \"%s\" (id %lld); it will play at %s on %s.\n"), title,
		    (long long)json_integer_value(id), clock, date);
	else
		printf(_("Queued \"%s\" (id %lld); it will play at %s.\n"), title,
		    (long long)json_integer_value(id), at);
}

static int
cmd_queue(const char *sock, int argc, char **argv)
{
	struct queue_args qa = { 0 };
	struct opus_info info;
	const char *name;
	json_t *req, *reply;
	int fd, rc;

	if ((rc = queue_parse(argc, argv, &qa)) != 0)
		return rc;
	name = strrchr(qa.file, '/') != NULL ? strrchr(qa.file, '/') + 1 : qa.file;
	if (!utf8_ok(name)) {
		fprintf(stderr, _("%s: cannot queue \"%s\": its name is not valid UTF-8 "
		    "text; rename the file and queue it again\n"), progname, qa.file);
		return EXIT_REFUSED;
	}
	if ((fd = queue_open_checked(qa.file, &info)) < 0)
		return EXIT_REFUSED;
	req = json_pack("{s:s, s:s}", "cmd", "queue", "name", name);
	if (req != NULL && qa.title != NULL)
		json_object_set_new(req, "title", json_string(qa.title));
	if (req != NULL && qa.at != NULL)
		json_object_set_new(req, "at", json_string(qa.at));
	if (req != NULL && qa.cls != NULL)
		json_object_set_new(req, "class", json_string(qa.cls));
	if (req != NULL)
		json_object_set_new(req, "duration", json_real((double)info.frames / CHECK_RATE));
	rc = call(sock, req, fd, QUEUE_TIMEOUT_MS, &reply);
	close(fd);
	if (rc != 0)
		return rc;
	queue_print(reply);
	json_decref(reply);
	return 0;
}

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
	size_t i;

	printf("%s\n", _("Queue"));
	if (json_array_size(queue) == 0) {
		printf("  %s\n", _("The queue is empty."));
		return;
	}
	printf("  ");
	put_cell(_("ID"), 7);
	put_cell(_("PLAYS AT"), 21);
	put_cell(_("LENGTH"), 9);
	printf("%s\n", _("TITLE (FILE)"));
	json_array_foreach(queue, i, q) {
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(q, "id")));
		iso_short(json_object_get(q, "at"), at, sizeof(at), _("when free"));
		fmt_duration(json_object_get(q, "duration"), dur, sizeof(dur));
		printf("  ");
		put_cell(id, 7);
		put_cell(at, 21);
		put_cell(dur, 9);
		printf("%s", jstr(q, "title") != NULL ? jstr(q, "title") : "?");
		if (jstr(q, "file") != NULL)
			printf(" (%s)", jstr(q, "file"));
		printf("\n");
	}
}

static void
list_upcoming(const json_t *up)
{
	const json_t *u;
	char at[64], items[32];
	size_t i;

	printf("%s\n", _("Next scheduled slots"));
	if (json_array_size(up) == 0) {
		printf("  %s\n", _("No scheduled slots ahead."));
		return;
	}
	printf("  ");
	put_cell(_("AT"), 21);
	put_cell(_("ITEMS"), 7);
	printf("%s\n", _("TITLE"));
	json_array_foreach(up, i, u) {
		iso_short(json_object_get(u, "at"), at, sizeof(at), "?");
		if (json_is_integer(json_object_get(u, "items")))
			snprintf(items, sizeof(items), "%lld",
			    (long long)json_integer_value(json_object_get(u, "items")));
		else
			snprintf(items, sizeof(items), "?");
		printf("  ");
		put_cell(at, 21);
		put_cell(items, 7);
		printf("%s\n", jstr(u, "title") != NULL ? jstr(u, "title") : "?");
	}
}

/* Parses "[--json]", the only argument list and status take. */
static int
json_flag(int argc, char **argv, int *json)
{
	int i;

	*json = 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0)
			return usage_error(_("%s takes no argument but --json"), argv[0]);
		*json = 1;
	}
	return 0;
}

static int
cmd_list(const char *sock, int argc, char **argv)
{
	json_t *reply;
	int json, rc;

	if ((rc = json_flag(argc, argv, &json)) != 0)
		return rc;
	if ((rc = call(sock, json_pack("{s:s}", "cmd", "list"), -1, TIMEOUT_MS, &reply)) != 0)
		return rc;
	if (json)
		print_json(reply);
	else {
		list_queue(json_object_get(reply, "queue"));
		printf("\n");
		list_upcoming(json_object_get(reply, "upcoming"));
	}
	json_decref(reply);
	return 0;
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

/* One aligned "Label:   value" line; labels are translated, so measure them. */
static void
field(int f, const char *value)
{
	int i, w = 0;

	for (i = 0; i < F_N; i++)
		if (text_width(field_label(i)) > w)
			w = text_width(field_label(i));
	printf("%s:", field_label(f));
	put_cell("", w - text_width(field_label(f)) + 1);
	printf("%s\n", value != NULL && value[0] != '\0' ? value : _("unknown"));
}

/* "Title" at 14:30:05 on 2026-11-22, or "Title" at TEXT. */
static void
fmt_titled_time(const json_t *o, const char *timekey, const char *fmt_known,
    char *buf, size_t len)
{
	const char *title = jstr(o, "title"), *at = jstr(o, timekey);
	char date[16], clock[16];

	if (iso_split(at, date, sizeof(date), clock, sizeof(clock)) < 0) {
		snprintf(date, sizeof(date), "?");
		snprintf(clock, sizeof(clock), "%.15s", at != NULL ? at : "?");
	}
	snprintf(buf, len, fmt_known, title != NULL ? title : "?", clock, date);
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
	if (jstr(p, "file") != NULL && n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, " (%s)", jstr(p, "file"));
	field(F_PLAYING, buf);
}

static void
status_station(const json_t *s)
{
	const char *name = jstr(s, "name"), *id = jstr(s, "station"), *region = jstr(s, "region");
	char buf[1024];

	if (name == NULL && id == NULL) {
		field(F_STATION, NULL);
		return;
	}
	snprintf(buf, sizeof(buf), "%s (%s%s%s)", name != NULL ? name : id,
	    id != NULL ? id : "?", region != NULL ? ", " : "", region != NULL ? region : "");
	field(F_STATION, buf);
}

static void
status_links(const json_t *s)
{
	const json_t *a = json_object_get(s, "audio"), *m = json_object_get(s, "mqtt");
	const json_t *c = json_object_get(m, "connected"), *x = json_object_get(s, "xruns");
	char buf[1024];
	size_t n;

	if (json_is_object(a)) {
		snprintf(buf, sizeof(buf), "%s: %s", jstr(a, "device") ? jstr(a, "device") : "?",
		    jstr(a, "state") ? jstr(a, "state") : _("unknown"));
		n = strlen(buf);
		if (jstr(a, "error") != NULL && n < sizeof(buf))
			snprintf(buf + n, sizeof(buf) - n, " (%s)", jstr(a, "error"));
		n = strlen(buf);
		if (json_integer_value(x) > 0 && n < sizeof(buf))
			snprintf(buf + n, sizeof(buf) - n, _(", %lld underruns"),
			    (long long)json_integer_value(x));
		field(F_AUDIO, buf);
	} else
		field(F_AUDIO, NULL);
	if (json_is_true(c))
		field(F_MQTT, _("connected"));
	else if (json_is_false(c)) {
		/* Why not is worth a technician's time: "connecting", "refused: ..." */
		snprintf(buf, sizeof(buf), "%s%s%s%s", _("not connected"),
		    jstr(m, "state") ? " (" : "", jstr(m, "state") ? jstr(m, "state") : "",
		    jstr(m, "state") ? ")" : "");
		field(F_MQTT, buf);
	} else
		field(F_MQTT, NULL);
}

static void
status_print(const json_t *s)
{
	const json_t *next = json_object_get(s, "next_slot"), *ql = json_object_get(s, "queue_length");
	const json_t *up = json_object_get(s, "uptime");
	char buf[1024];
	long long t;

	status_station(s);
	field(F_STATE, jstr(s, "state"));
	status_playing(s);
	if (json_is_object(next)) {
		fmt_titled_time(next, "at", _("\"%s\" at %s on %s"), buf, sizeof(buf));
		field(F_NEXT, buf);
	} else
		field(F_NEXT, json_is_null(next) ? _("none") : NULL);
	snprintf(buf, sizeof(buf), _("%lld waiting"), (long long)json_integer_value(ql));
	field(F_QUEUE, json_is_integer(ql) ? buf : NULL);
	status_links(s);
	t = json_is_number(up) ? (long long)json_number_value(up) : -1;
	if (t >= 86400)
		snprintf(buf, sizeof(buf), dngettext("loaxa", "%lld day, %02lld:%02lld:%02lld",
		    "%lld days, %02lld:%02lld:%02lld", (unsigned long)(t / 86400)), t / 86400,
		    t / 3600 % 24, t / 60 % 60, t % 60);
	else if (t >= 0)
		snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
	field(F_UPTIME, t >= 0 ? buf : NULL);
}

static int
cmd_status(const char *sock, int argc, char **argv)
{
	json_t *reply;
	int json, rc;

	if ((rc = json_flag(argc, argv, &json)) != 0)
		return rc;
	if ((rc = call(sock, json_pack("{s:s}", "cmd", "status"), -1, TIMEOUT_MS, &reply)) != 0)
		return rc;
	if (json)
		print_json(json_object_get(reply, "status"));
	else
		status_print(json_object_get(reply, "status"));
	json_decref(reply);
	return 0;
}

/* --- cancel, stop, reload ------------------------------------------------------ */

static int
cmd_cancel(const char *sock, int argc, char **argv)
{
	json_t *reply;
	long long id;
	char *end;
	int rc;

	if (argc != 2)
		return usage_error("%s", _("cancel needs one id, as shown by 'loaxactl list'"));
	errno = 0;
	id = strtoll(argv[1], &end, 10);
	if (argv[1][0] < '0' || argv[1][0] > '9' || *end != '\0' || errno != 0 || id <= 0)
		return usage_error(_("\"%s\" is not an id; give the number shown by "
		    "'loaxactl list'"), argv[1]);
	rc = call(sock, json_pack("{s:s, s:I}", "cmd", "cancel", "id", (json_int_t)id), -1,
	    TIMEOUT_MS, &reply);
	if (rc != 0)
		return rc;
	printf(_("Cancelled item %lld.\n"), id);
	json_decref(reply);
	return 0;
}

/* stop and reload: no arguments, one sentence back. */
static int
cmd_plain(const char *sock, int argc, char **argv)
{
	const json_t *slots;
	const char *title;
	json_t *reply;
	int rc;

	if (argc != 1)
		return usage_error(_("%s takes no arguments"), argv[0]);
	if ((rc = call(sock, json_pack("{s:s}", "cmd", argv[0]), -1, TIMEOUT_MS, &reply)) != 0)
		return rc;
	slots = json_object_get(reply, "slots");
	if (strcmp(argv[0], "stop") != 0 && json_is_integer(slots))
		printf(_("Reloaded: the schedule has %lld slots.\n"),
		    (long long)json_integer_value(slots));
	else if (strcmp(argv[0], "stop") != 0)
		printf("%s\n", _("Reloaded."));
	else if ((title = jstr(reply, "stopped")) != NULL)
		printf(_("Stopped \"%s\".\n"), title);
	else
		printf("%s\n", _("Nothing was playing."));
	json_decref(reply);
	return 0;
}

/* --- mute, unmute, move -------------------------------------------------------- */

static int
cmd_mute(const char *sock, int argc, char **argv)
{
	const char *dur = NULL, *until;
	long long secs = 0;
	json_t *req, *reply;
	int i = 1, r, rc;

	if (argc > 1 && ((r = take_opt(argc, argv, &i, "--for", &dur)) <= 0 || i + 1 != argc))
		return usage_error("%s", _("mute takes only --for DURATION, e.g. --for 30m"));
	if (dur != NULL && (secs = ctl_args_duration(dur)) < 0)
		return usage_error(_("\"%s\" is not a duration; write e.g. 90s, 30m, 2h or 1d"), dur);
	req = json_pack("{s:s}", "cmd", "mute");
	if (req != NULL && secs > 0)
		json_object_set_new(req, "for", json_integer(secs));
	if ((rc = call(sock, req, -1, TIMEOUT_MS, &reply)) != 0)
		return rc;
	until = jstr(reply, "until");
	if (until != NULL)
		printf(_("The loudspeakers are muted until %s: nothing plays, not even alerts.\n"),
		    until);
	else
		printf("%s\n", _("The loudspeakers are muted: nothing plays, not even alerts, "
		    "until 'loaxactl unmute'."));
	json_decref(reply);
	return 0;
}

static int
cmd_unmute(const char *sock, int argc, char **argv)
{
	json_t *reply;
	int rc;

	if (argc != 1)
		return usage_error(_("%s takes no arguments"), argv[0]);
	if ((rc = call(sock, json_pack("{s:s}", "cmd", "unmute"), -1, TIMEOUT_MS, &reply)) != 0)
		return rc;
	printf("%s\n", _("The loudspeakers are on again."));
	json_decref(reply);
	return 0;
}

static int
cmd_move(const char *sock, int argc, char **argv)
{
	long long id, pos;
	char *e1, *e2;
	json_t *reply;
	int rc;

	if (argc != 3)
		return usage_error("%s", _("move needs an id and a position, e.g. 'loaxactl move 12 1'"));
	errno = 0;
	id = strtoll(argv[1], &e1, 10);
	pos = strtoll(argv[2], &e2, 10);
	if (*e1 != '\0' || *e2 != '\0' || errno != 0 || id <= 0 || pos <= 0 || argv[1][0] == '\0' ||
	    argv[2][0] == '\0')
		return usage_error("%s", _("move needs an id and a position, both whole numbers "
		    "from 1, e.g. 'loaxactl move 12 1'"));
	rc = call(sock, json_pack("{s:s, s:I, s:I}", "cmd", "move", "id", (json_int_t)id,
	    "position", (json_int_t)pos), -1, TIMEOUT_MS, &reply);
	if (rc != 0)
		return rc;
	printf(_("Item %lld is now number %lld in its class.\n"), id,
	    (long long)json_integer_value(json_object_get(reply, "position")));
	json_decref(reply);
	return 0;
}

/* --- main --------------------------------------------------------------------- */

/* -s, else the configuration's control.socket, else $LOAXA_SOCKET, else the default. */
static int
socket_path(const char *conf, const char *sock, char *out, size_t len)
{
	static struct config cfg;	/* large; read once */
	struct errlist errs;
	const char *env = getenv("LOAXA_SOCKET");

	if (sock == NULL && conf != NULL) {
		conf_defaults(&cfg);
		errlist_init(&errs);
		if (conf_load(conf, &cfg, &errs) < 0) {
			fprintf(stderr, _("%s: cannot use the configuration %s:\n"), progname, conf);
			errlist_print(&errs, "loaxactl:   ", stderr);
			errlist_clear(&errs);
			return EXIT_REFUSED;
		}
		errlist_clear(&errs);
		sock = cfg.control.socket;
	}
	if (sock == NULL)
		sock = env != NULL && env[0] != '\0' ? env : CTL_DEFAULT_SOCKET;
	if ((size_t)snprintf(out, len, "%s", sock) >= len)
		return usage_error(_("the socket path \"%s\" is too long"), sock);
	return 0;
}

static const struct command {
	const char *name;
	int (*fn)(const char *sock, int argc, char **argv);
} commands[] = {
	{ "queue", cmd_queue },
	{ "list", cmd_list },
	{ "cancel", cmd_cancel },
	{ "stop", cmd_plain },
	{ "reload", cmd_plain },
	{ "status", cmd_status },
	{ "mute", cmd_mute },
	{ "unmute", cmd_unmute },
	{ "move", cmd_move },
	{ "log", loaxactl_log },
};

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = NULL, *sock = NULL;
	char path[PATH_MAX];
	size_t i;
	int ch, rc;

	setlocale(LC_ALL, "");
	bindtextdomain("loaxa", LOCALEDIR);
	textdomain("loaxa");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (optopt == 'c' || optopt == 's')
				return usage_error(_("%s needs a value"), optopt == 'c' ? "-c" : "-s");
			return usage_error(_("unknown option %s"), argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (conf != NULL && sock != NULL)
		return usage_error("%s", _("give either -c or -s, not both"));
	if (argc == 0)
		return usage_error("%s", _("give a command (see below)"));
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		return 0;
	}
	/* The district office's commands talk to the broker, not to a station. */
	if (strcmp(argv[0], "keygen") == 0 || strcmp(argv[0], "publish") == 0)
		return loaxactl_district(conf, argc, argv);
	if (strcmp(argv[0], "alert") == 0)
		return loaxactl_alert(conf, argc, argv);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if ((rc = socket_path(conf, sock, path, sizeof(path))) != 0)
			return rc;
		return commands[i].fn(path, argc, argv);
	}
	return usage_error(_("unknown command \"%s\""), argv[0]);
}
