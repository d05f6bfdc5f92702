/* What loaxactl prints, in one place (see ctl_out.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "daemon/ctl/ctl.h"
#include "daemon/loaxactl/ctl_out.h"

static int	ctl_out_iso_tm(const char *iso, struct tm *tm);

/* "loaxactl: <message>" on a line of stderr. */
static void
ctl_out_vsay(const char *fmt, va_list ap)
{
	fputs(CTL_OUT_PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
ctl_out_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_out_vsay(fmt, ap);
	va_end(ap);
	return EXIT_REFUSED;
}

void
ctl_out_help(FILE *fp)
{
	fprintf(fp, _("Usage: %s [-c CONFIG | -s SOCKET] COMMAND [ARGS]\n"
	    "\n"
	    "Commands:\n"
	    "  queue FILE [--at TIME] [--title TEXT] [--class CLASS] [--tag TAG]...\n"
	    "                   prepare a recording (MP3, WAV, M4A, AMR, FLAC, Ogg or\n"
	    "                   Opus) as a bulletin and add it to the queue;\n"
	    "                   TIME is HH:MM[:SS] or YYYY-MM-DD HH:MM[:SS] (default: as\n"
	    "                   soon as the station is free); CLASS is normal (default),\n"
	    "                   priority (ahead of normal) or emergency (cuts in at once);\n"
	    "                   each --tag (or --tags A,B) labels it in every report\n"
	    "  import RECORDING [OUT.opus] [--title TEXT]\n"
	    "                   prepare a recording as a bulletin without queueing it:\n"
	    "                   Ogg Opus at the loudness of every bulletin (-16 LUFS)\n"
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
	    "  stations [--json] [--stale DURATION] [--dir DIR]\n"
	    "                   (district office) every station of the region, one line\n"
	    "                   each, problems first, from the statuses on the broker; exit\n"
	    "                   status 0 only when all are online and healthy\n"
	    "                   publish, alert and stations take the broker, the region,\n"
	    "                   the key and TLS from -c district.cfg (made by\n"
	    "                   loaxa-district init; stations also -c monitor.cfg), or\n"
	    "                   --mqtt HOST[:PORT] --region REGION with --tls-ca FILE\n"
	    "                   --tls-cert FILE --tls-key FILE\n"
	    "  report --from DATE --to DATE [--region REGION] [--by station|bulletin|tag]\n"
	    "        [--csv FILE | --json]\n"
	    "                   (district office, -c collector.cfg) what the stations aired\n"
	    "                   over the period, from the collector's database; --csv for\n"
	    "                   Excel\n"
	    "  help             show this text\n"
	    "\n"
	    "Options:\n"
	    "  -c CONFIG        take the socket from this configuration file (a district\n"
	    "                   office's district.cfg for publish, alert and stations)\n"
	    "  -s SOCKET        talk to the daemon at SOCKET (default: $LOAXA_SOCKET,\n"
	    "                   else %s)\n"), CTL_OUT_PROG, CTL_DEFAULT_SOCKET);
	/* Its own message, so that the text above keeps its translation. */
	fprintf(fp, "%s", _("\nLive broadcasts (district office):\n"
	    "  live -c district.cfg (--device DEVICE | --file FILE) [--class priority|emergency]\n"
	    "        [--stations ID,...] [--title TITLE] [--minutes N]\n"
	    "                   broadcast live from the microphone (or a recording as if\n"
	    "                   live): every station relays it at once, until Ctrl-C or\n"
	    "                   'live --stop'\n"
	    "  live -c district.cfg --stop\n"
	    "                   end the live broadcast on air\n"));
}

int
ctl_out_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	ctl_out_vsay(fmt, ap);
	va_end(ap);
	if (usage == NULL) {
		fputc('\n', stderr);
		ctl_out_help(stderr);
		return EXIT_USAGE;
	}
	fputs(usage, stderr);
	n = strlen(usage);
	if (n == 0 || usage[n - 1] != '\n')
		fputc('\n', stderr);
	return EXIT_USAGE;
}

const char *
ctl_out_jstr(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	char *s;

	if (!json_is_string(v))
		return NULL;
	if (conf_text_clean(json_string_value(v)) || (s = strdup(json_string_value(v))) == NULL)
		return json_string_value(v);
	/* Text from the station goes to a terminal: no escape code may move its cursor. */
	conf_text_defang(s);
	json_string_set(v, s);
	free(s);
	return json_string_value(v);
}

void
ctl_out_json(json_t *reply)
{
	if (!json_is_object(reply)) {
		printf("null\n");
		return;
	}
	json_object_del(reply, "ok");
	json_dumpf(reply, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

const char *
ctl_out_word(const char *w)
{
	/* The words of the status and of the as-run log's events (daemon/proto/report.c). */
	static const char *const known[] = { N_("idle"), N_("playing"), N_("ok"), N_("closed"),
	    N_("started"), N_("finished"), N_("failed"), N_("missed"), N_("interrupted"),
	    N_("cancelled"), N_("muted"), N_("unmuted"), N_("stopped") };
	size_t i;

	if (w == NULL)
		return NULL;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(w, known[i]) == 0)
			return _(known[i]);
	return w;
}

void
ctl_out_rcell(FILE *fp, const char *s, int width)
{
	int w = ctl_out_width(s);

	while (w++ < width)
		fputc(' ', fp);
	fputs(s, fp);
}

int
ctl_out_width(const char *s)
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

int
ctl_out_col(const char *header, int min)
{
	return ctl_out_width(header) + 2 > min ? ctl_out_width(header) + 2 : min;
}

void
ctl_out_cell(FILE *fp, const char *s, int width)
{
	int w = ctl_out_width(s);

	fputs(s, fp);
	while (w++ < width)
		fputc(' ', fp);
}

void
ctl_out_tags(FILE *fp, const json_t *o, const char *before)
{
	const json_t *tags = json_object_get(o, "tags"), *t;
	char *s;
	size_t i;

	if (json_array_size(tags) == 0)
		return;
	fputs(before, fp);
	json_array_foreach(tags, i, t) {
		s = json_is_string(t) ? strdup(json_string_value(t)) : NULL;
		if (s != NULL)
			conf_text_defang(s);
		fprintf(fp, "%s%s", i > 0 ? ", " : "", s != NULL ? s : "?");
		free(s);
	}
}

int
ctl_out_iso_split(const char *iso, char *date, size_t datelen, char *clock, size_t clocklen)
{
	struct tm tm;

	if (ctl_out_iso_tm(iso, &tm) < 0 || ctl_out_time(&tm, CTL_OUT_DATE, date, datelen) < 0 ||
	    strftime(clock, clocklen, "%H:%M:%S", &tm) == 0)
		return -1;
	return 0;
}

void
ctl_out_iso_short(const char *iso, char *buf, size_t len, const char *none)
{
	struct tm tm;

	if (iso == NULL)
		snprintf(buf, len, "%s", none);
	else if (ctl_out_iso_tm(iso, &tm) < 0 || ctl_out_time(&tm, CTL_OUT_SECOND, buf, len) < 0)
		snprintf(buf, len, "%s", iso);
}

/*
 * The strftime() format of each kind of time for people. They are messages,
 * so that each language writes its own order: Vietnamese "14:30 ngày
 * 22/11/2026" where English has "2026-11-22 14:30". What scripts read keeps
 * ISO 8601.
 */
static const char *
ctl_out_time_fmt(enum ctl_out_when what)
{
	switch (what) {
	case CTL_OUT_DATE:
		/* TRANSLATORS: strftime() format of a date alone, put into sentences such as
		   "it will play at 14:30:05 on %s". Numbers only: the names of days and
		   months follow LC_TIME, which may be English. */
		return _("%Y-%m-%d");
	case CTL_OUT_MINUTE:
		/* TRANSLATORS: strftime() format of a date and time to the minute, in tables.
		   Numbers only. */
		return _("%Y-%m-%d %H:%M");
	default:
		/* TRANSLATORS: strftime() format of a date and time to the second, in tables
		   and sentences. Numbers only. */
		return _("%Y-%m-%d %H:%M:%S");
	}
}

int
ctl_out_time(const struct tm *tm, enum ctl_out_when what, char *buf, size_t len)
{
	if (len == 0 || strftime(buf, len, ctl_out_time_fmt(what), tm) == 0)
		return -1;
	return 0;
}

int
ctl_out_time_col(enum ctl_out_when what)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 22, .tm_hour = 14,
	    .tm_min = 30, .tm_sec = 5 };
	char buf[128];

	if (ctl_out_time(&tm, what, buf, sizeof(buf)) < 0)
		return 21;
	return ctl_out_width(buf) + 2;
}

/* The date and time of "2026-11-22T14:30:05+07:00", as written (its own zone). */
static int
ctl_out_iso_tm(const char *iso, struct tm *tm)
{
	int y, mo, d, h, mi, s, n = 0;

	if (iso == NULL || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s,
	    &n) != 6 || n != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    s > 60)
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = s;
	return 0;
}
