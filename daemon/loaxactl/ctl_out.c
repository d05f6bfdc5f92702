/* What loaxactl prints, in one place (see ctl_out.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "daemon/ctl/ctl.h"
#include "daemon/loaxactl/ctl_out.h"

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

void
ctl_out_cell(FILE *fp, const char *s, int width)
{
	int w = ctl_out_width(s);

	fputs(s, fp);
	while (w++ < width)
		fputc(' ', fp);
}

int
ctl_out_iso_split(const char *iso, char *date, size_t datelen, char *clock, size_t clocklen)
{
	if (iso == NULL || strlen(iso) < 19 || iso[4] != '-' || iso[10] != 'T' ||
	    iso[13] != ':' || datelen < 11 || clocklen < 9)
		return -1;
	snprintf(date, datelen, "%.10s", iso);
	snprintf(clock, clocklen, "%.8s", iso + 11);
	return 0;
}

void
ctl_out_iso_short(const char *iso, char *buf, size_t len, const char *none)
{
	char date[16], clock[16];

	if (iso == NULL)
		snprintf(buf, len, "%s", none);
	else if (ctl_out_iso_split(iso, date, sizeof(date), clock, sizeof(clock)) == 0)
		snprintf(buf, len, "%s %s", date, clock);
	else
		snprintf(buf, len, "%s", iso);
}
