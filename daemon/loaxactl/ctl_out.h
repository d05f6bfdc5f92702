/*
 * What loaxactl prints, in one place: its exit statuses, the messages for a
 * refusal or a mistake in the command line, the help text, and the pieces the
 * tables are made of (column widths of Vietnamese text, ISO times, JSON).
 */
#ifndef LOAXA_CTL_OUT_H
#define LOAXA_CTL_OUT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#define CTL_OUT_PROG	"loaxactl"	/* the name every message starts with */

/* loaxactl's exit statuses besides 0: refused or failed, and a mistake in the command line. */
#define EXIT_REFUSED	1
#define EXIT_USAGE	2

/* Prints "loaxactl: <message>" to stderr; returns EXIT_REFUSED. */
int	ctl_out_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A mistake in the command line: prints "loaxactl: <message>", then usage,
 * the command's own usage text, or with NULL a blank line and the whole help.
 * Returns EXIT_USAGE.
 */
int	ctl_out_usage(const char *usage, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The whole help text ('loaxactl help'). */
void	ctl_out_help(FILE *fp);

/*
 * The string member key of o, or NULL when it is missing or not a string,
 * made safe for a terminal (conf_text_defang) first: what loaxactl prints
 * for people comes through here.
 */
const char *ctl_out_jstr(const json_t *o, const char *key);
/*
 * The "tags" array of o as "giam-ngheo, du-an-6" (each made safe as by
 * ctl_out_jstr), after before; nothing at all when o has no tags.
 */
void	ctl_out_tags(FILE *fp, const json_t *o, const char *before);
/* Prints a reply for scripts (--json): the object without its "ok"; "null" when it is none. */
void	ctl_out_json(json_t *reply);

/*
 * A word of the daemon's replies (a state, an event: "idle", "finished") in
 * the language; a word it does not know as it came; NULL for NULL. The
 * replies themselves, and --json, keep the English words.
 */
const char *ctl_out_word(const char *w);
/* Columns a UTF-8 string takes: one per character, none for combining accents. */
int	ctl_out_width(const char *s);
/* A column's width: at least min, and its (translated) header with two spaces. */
int	ctl_out_col(const char *header, int min);
/* Prints s and pads it with spaces to width columns. */
void	ctl_out_cell(FILE *fp, const char *s, int width);
/* Pads s on the left to width columns, then prints it: a column aligned to the right. */
void	ctl_out_rcell(FILE *fp, const char *s, int width);
/*
 * Times for people are written in the language's order (the formats are
 * messages): "2026-11-22 14:30:05" in English, "14:30:05 ngày 22/11/2026" in
 * Vietnamese. The kinds:
 */
enum ctl_out_when {
	CTL_OUT_DATE,		/* "2026-11-22", "22/11/2026" */
	CTL_OUT_MINUTE,		/* "2026-11-22 14:30", "14:30 ngày 22/11/2026" */
	CTL_OUT_SECOND,		/* "2026-11-22 14:30:05", "14:30:05 ngày 22/11/2026" */
};
/* Writes tm as what into buf. 0, or -1 when it does not fit. */
int	ctl_out_time(const struct tm *tm, enum ctl_out_when what, char *buf, size_t len);
/* The width of a table column of such times in the language: a time and two spaces. */
int	ctl_out_time_col(enum ctl_out_when what);
/*
 * "2026-11-22T14:30:05+07:00" as its date (CTL_OUT_DATE, e.g. "22/11/2026"; give
 * at least 16 bytes) and "14:30:05" (clock, at least 9 bytes), in the zone
 * it was written in. 0, or -1 when iso is not in that shape.
 */
int	ctl_out_iso_split(const char *iso, char *date, size_t datelen, char *clock,
	    size_t clocklen);
/* iso as CTL_OUT_SECOND for tables; iso as it came when not ISO; none when NULL. */
void	ctl_out_iso_short(const char *iso, char *buf, size_t len, const char *none);

#endif
