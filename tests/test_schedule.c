/*
 * The schedule file: the example and Vietnamese names parse to the right
 * slots; every mistake gives the exact "file:line: setting: reason" text;
 * check_files looks at the real files; and the time and date parsers.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/schedule.h"
#include "config/timeparse.h"
#include "tests/t.h"

#define ITEM	"items = ( { file = \"a.opus\"; } );"

static char tmpdir[PATH_MAX];

static struct schedule *
parse(const char *text, struct errlist *el)
{
	errlist_init(el);
	return schedule_parse_string(text, "s.cfg", "/etc/loaxa", 0, el);
}

/* The text must give exactly one problem, worded exactly so. */
static void
one_error(const char *text, const char *expected)
{
	struct errlist el;
	struct schedule *s = parse(text, &el);

	T_ASSERT(s == NULL);
	T_EQ_INT(errlist_count(&el), 1);
	T_EQ_STR(el.n > 0 ? el.msg[0] : NULL, expected);
	if (el.n > 1)
		errlist_print(&el, "  got: ", stderr);
	schedule_free(s);
	errlist_clear(&el);
}

/* One slot "{ <slot> }" must give exactly this problem. */
static void
slot_error(const char *slot, const char *expected)
{
	char text[8192];

	snprintf(text, sizeof(text), "slots = ( { %s } );", slot);
	one_error(text, expected);
}

static void
test_example_file(void)
{
	struct errlist el;
	struct schedule *s;
	char cwd[PATH_MAX], want[PATH_MAX + 64];
	const struct sched_slot *sl;

	errlist_init(&el);
	s = schedule_load("config/schedule.cfg.example", 0, &el);
	errlist_print(&el, "  ", stderr);
	T_ASSERT(s != NULL);
	if (s == NULL)
		return;
	T_ASSERT(getcwd(cwd, sizeof(cwd)) != NULL);
	T_EQ_STR(s->path, "config/schedule.cfg.example");
	T_EQ_INT(s->n_slots, 4);
	sl = &s->slots[0];
	T_EQ_STR(sl->title, "Bản tin sáng");
	T_EQ_INT(sl->line, 30);
	T_EQ_INT(sl->once, 0);
	T_EQ_INT(sl->hh * 3600 + sl->mm * 60 + sl->ss, 6 * 3600);
	T_EQ_INT(sl->days, SCHED_DAILY);
	T_EQ_INT(sl->from.y * 10000 + sl->from.m * 100 + sl->from.d, 20260101);
	T_EQ_INT(sl->until.y * 10000 + sl->until.m * 100 + sl->until.d, 20261231);
	T_EQ_INT(sl->grace, -1);
	T_EQ_INT(sl->n_items, 2);
	snprintf(want, sizeof(want), "%s/config/giam-ngheo-so-1.opus", cwd);
	T_EQ_STR(sl->items[0].file, want);
	T_EQ_STR(sl->items[0].title, "Chính sách hỗ trợ hộ nghèo");
	T_EQ_INT(sl->items[0].tags.n, 2);
	if (sl->items[0].tags.n == 2) {
		T_EQ_STR(sl->items[0].tags.v[0], "giam-ngheo");
		T_EQ_STR(sl->items[0].tags.v[1], "du-an-6");
	}
	T_EQ_INT(sl->items[1].tags.n, 0);
	T_EQ_INT(sl->tags.n, 0);
	sl = &s->slots[1];
	T_EQ_STR(sl->title, "Bản tin chiều");
	T_EQ_INT(sl->hh * 3600 + sl->mm * 60 + sl->ss, 17 * 3600);
	T_EQ_INT(sl->days, SCHED_DAY(1) | SCHED_DAY(3) | SCHED_DAY(5));
	T_EQ_INT(sl->from.y, 0);
	T_EQ_INT(sl->until.y, 0);
	T_EQ_INT(sl->grace, 300);
	snprintf(want, sizeof(want), "%s/config/lich tiem chung.opus", cwd);
	T_EQ_STR(sl->items[1].file, want);
	T_EQ_STR(sl->items[1].title, "lich tiem chung");
	sl = &s->slots[2];
	T_EQ_INT(sl->days, SCHED_DAY(0) | SCHED_DAY(6));
	snprintf(want, sizeof(want), "%s/config/mua-vu/thu-hoach.opus", cwd);
	T_EQ_STR(sl->items[0].file, want);
	T_EQ_INT(sl->items[0].tags.n, 1);
	if (sl->items[0].tags.n == 1)
		T_EQ_STR(sl->items[0].tags.v[0], "nông nghiệp");
	sl = &s->slots[3];
	T_EQ_STR(sl->title, "Thông báo họp dân");
	T_EQ_INT(sl->once, 1);
	T_EQ_INT(sl->date.y * 10000 + sl->date.m * 100 + sl->date.d, 20261122);
	T_EQ_INT(sl->hh * 3600 + sl->mm * 60 + sl->ss, 14 * 3600 + 30 * 60 + 5);
	snprintf(want, sizeof(want), "%s/config/thông báo.opus", cwd);
	T_EQ_STR(sl->items[0].file, want);
	T_EQ_STR(sl->items[0].title, "thông báo");
	schedule_free(s);
	errlist_clear(&el);
}

/* The schedule of the specification, in one string, from /etc/loaxa. */
static void
test_spec_example(void)
{
	struct errlist el;
	struct schedule *s = parse(
	    "slots = (\n"
	    "  { title = \"Bản tin sáng\"; at = \"06:00\"; days = \"daily\"; from = \"2026-01-01\";\n"
	    "    until = \"2026-12-31\";\n"
	    "    items = ( { file = \"giam-ngheo-so-1.opus\"; title = \"Chính sách hỗ trợ hộ nghèo\"; } ); },\n"
	    "  { title = \"Bản tin chiều\"; at = \"17:00:00\"; days = [ \"mon\", \"wed\", \"fri\" ];\n"
	    "    grace = 300; items = ( { file = \"a.opus\"; title = \"...\"; }, { file = \"b.opus\"; } ); },\n"
	    "  { title = \"Thông báo\"; at = \"2026-11-22 14:30:05\";\n"
	    "    items = ( { file = \"thông báo.opus\"; } ); }   # one-off, local date-time\n"
	    ");\n", &el);

	T_ASSERT(s != NULL);
	if (s == NULL)
		return;
	T_EQ_INT(s->n_slots, 3);
	T_EQ_INT(s->slots[0].line, 2);
	T_EQ_INT(s->slots[1].line, 5);
	T_EQ_INT(s->slots[2].line, 7);
	T_EQ_STR(s->slots[0].items[0].file, "/etc/loaxa/giam-ngheo-so-1.opus");
	T_EQ_STR(s->slots[1].items[1].file, "/etc/loaxa/b.opus");
	T_EQ_STR(s->slots[1].items[1].title, "b");
	T_EQ_STR(s->slots[2].items[0].file, "/etc/loaxa/thông báo.opus");
	T_EQ_STR(s->slots[2].items[0].title, "thông báo");
	T_EQ_INT(s->slots[2].days, SCHED_DAILY);
	T_EQ_INT(s->slots[2].grace, -1);
	schedule_free(s);
	errlist_clear(&el);
}

/* A slot's volume, in decibels: replaces its class's; absent, the slot has none. */
static void
test_slot_volume(void)
{
	struct errlist el;
	struct schedule *s;

	s = parse("slots = ( { title = \"x\"; at = \"06:00\"; volume = -6; " ITEM " },\n"
	    "  { title = \"y\"; at = \"07:00\"; volume = 2.5; class = \"emergency\"; " ITEM " },\n"
	    "  { title = \"z\"; at = \"08:00\"; " ITEM " } );", &el);
	T_ASSERT(s != NULL);
	if (s != NULL) {
		T_EQ_INT(s->slots[0].has_volume, 1);
		T_ASSERT(s->slots[0].volume == -6.0);
		T_EQ_INT(s->slots[1].has_volume, 1);
		T_ASSERT(s->slots[1].volume == 2.5);
		T_EQ_INT(s->slots[2].has_volume, 0);
	}
	schedule_free(s);
	slot_error("title = \"x\"; at = \"06:00\"; volume = 20; " ITEM,
	    "s.cfg:1: slots.[0].volume: 20 dB is out of range; use a number of decibels from -40 "
	    "(much quieter) to +12 (louder), 0 leaves the sound as it is");
	slot_error("title = \"x\"; at = \"06:00\"; volume = \"to\"; " ITEM,
	    "s.cfg:1: slots.[0].volume: must be a number of decibels without quotes, from -40 to "
	    "12, e.g. volume = -6; or volume = 3.5;");
}

static void
test_small_forms(void)
{
	struct errlist el;
	struct schedule *s;

	s = parse("slots = ( );", &el);
	T_ASSERT(s != NULL && s->n_slots == 0);
	schedule_free(s);
	s = parse("slots = [ ];", &el);
	T_ASSERT(s != NULL && s->n_slots == 0);
	schedule_free(s);
	s = parse("slots = ( { title = \"x\"; at = \"6:05\"; days = ( \"Sun\", \"sat\" ); grace = 0;\n"
	    "items = ( { file = \"/srv/tin/Bản tin.OPUS\"; }, { file = \".opus\"; } ); } );", &el);
	T_ASSERT(s != NULL);
	if (s != NULL) {
		T_EQ_INT(s->slots[0].hh, 6);
		T_EQ_INT(s->slots[0].mm, 5);
		T_EQ_INT(s->slots[0].days, SCHED_DAY(0) | SCHED_DAY(6));
		T_EQ_INT(s->slots[0].grace, 0);
		T_EQ_STR(s->slots[0].items[0].file, "/srv/tin/Bản tin.OPUS");
		T_EQ_STR(s->slots[0].items[0].title, "Bản tin");
		T_EQ_STR(s->slots[0].items[1].title, ".opus");
	}
	schedule_free(s);
	schedule_free(NULL);
	errlist_clear(&el);
}

static void
test_time_errors(void)
{
	slot_error("title = \"x\"; at = \"25:00\"; " ITEM,
	    "s.cfg:1: slots.[0].at: \"25:00\" is not a valid time: hour 25 is not between 0 and 23");
	slot_error("title = \"x\"; at = \"12:60\"; " ITEM,
	    "s.cfg:1: slots.[0].at: \"12:60\" is not a valid time: minute 60 is not between 0 and 59");
	slot_error("title = \"x\"; at = \"12:00:60\"; " ITEM,
	    "s.cfg:1: slots.[0].at: \"12:00:60\" is not a valid time: "
	    "second 60 is not between 0 and 59");
	slot_error("title = \"x\"; at = \"2026-02-30 10:00\"; " ITEM,
	    "s.cfg:1: slots.[0].at: \"2026-02-30 10:00\" is not a valid time: "
	    "there is no day 30 in February 2026, which has 28 days");
	slot_error("title = \"x\"; at = \"6h30\"; " ITEM,
	    "s.cfg:1: slots.[0].at: \"6h30\" is not a valid time: write a time of day as HH:MM or "
	    "HH:MM:SS (e.g. 06:00), or a date and time as YYYY-MM-DD HH:MM[:SS] "
	    "(e.g. 2026-11-22 14:30)");
	slot_error("title = \"x\"; at = 630; " ITEM,
	    "s.cfg:1: slots.[0].at: must be text in double quotes, e.g. at = \"06:00\";");
	slot_error("title = \"x\"; " ITEM,
	    "s.cfg:1: slots.[0].at: this required setting is missing; add it to slots.[0], "
	    "e.g. at = \"06:00\";");
	slot_error("title = \"x\"; at = \"06:00\"; from = \"2026-13-01\"; " ITEM,
	    "s.cfg:1: slots.[0].from: \"2026-13-01\" is not a valid date: "
	    "month 13 is not between 1 and 12");
	slot_error("title = \"x\"; at = \"06:00\"; until = \"2027-02-29\"; " ITEM,
	    "s.cfg:1: slots.[0].until: \"2027-02-29\" is not a valid date: "
	    "there is no day 29 in February 2027, which has 28 days");
	slot_error("title = \"x\"; at = \"06:00\"; until = \"31/12/2026\"; " ITEM,
	    "s.cfg:1: slots.[0].until: \"31/12/2026\" is not a valid date: "
	    "write the date as YYYY-MM-DD, e.g. 2026-01-31");
	slot_error("title = \"x\"; at = \"06:00\"; from = 20260101; " ITEM,
	    "s.cfg:1: slots.[0].from: must be text in double quotes, e.g. from = \"2026-01-31\";");
	slot_error("title = \"x\"; at = \"06:00\"; from = \"2026-12-31\"; until = \"2026-01-01\"; "
	    ITEM, "s.cfg:1: slots.[0].until: 2026-01-01 is before from = 2026-12-31, so the slot "
	    "would never play; correct one of the dates");
}

static void
test_day_errors(void)
{
	slot_error("title = \"x\"; at = \"06:00\"; days = \"weekdays\"; " ITEM,
	    "s.cfg:1: slots.[0].days: \"weekdays\" is not a set of days; write days = \"daily\" "
	    "or a list such as [ \"mon\", \"wed\", \"fri\" ]");
	slot_error("title = \"x\"; at = \"06:00\"; days = [ ]; " ITEM,
	    "s.cfg:1: slots.[0].days: must be \"daily\" or a list of days such as "
	    "[ \"mon\", \"wed\", \"fri\" ]");
	slot_error("title = \"x\"; at = \"06:00\"; days = 1; " ITEM,
	    "s.cfg:1: slots.[0].days: must be \"daily\" or a list of days such as "
	    "[ \"mon\", \"wed\", \"fri\" ]");
	slot_error("title = \"x\"; at = \"06:00\"; days = [ \"mon\", \"thứ hai\" ]; " ITEM,
	    "s.cfg:1: slots.[0].days.[1]: \"thứ hai\" is not a day; use mon, tue, wed, thu, fri, "
	    "sat or sun");
	slot_error("title = \"x\"; at = \"06:00\"; days = [ \"mon\", \"fri\", \"mon\" ]; " ITEM,
	    "s.cfg:1: slots.[0].days.[2]: \"mon\" is listed twice; list each day once");
	slot_error("title = \"x\"; at = \"06:00\"; days = ( \"mon\", 2 ); " ITEM,
	    "s.cfg:1: slots.[0].days.[1]: must be a day in double quotes: "
	    "mon, tue, wed, thu, fri, sat or sun");
	slot_error("title = \"x\"; at = \"2026-11-22 14:30\"; days = \"daily\"; " ITEM,
	    "s.cfg:1: slots.[0].days: a one-off slot (at a date and time) plays only once; "
	    "remove days, or make at a time of day (e.g. \"14:30\") to repeat it");
	slot_error("title = \"x\"; at = \"2026-11-22T14:30\"; until = \"2026-12-01\"; " ITEM,
	    "s.cfg:1: slots.[0].until: a one-off slot (at a date and time) plays only once; "
	    "remove until, or make at a time of day (e.g. \"14:30\") to repeat it");
}

static void
test_slot_errors(void)
{
	char title[256];
	char text[1024];

	slot_error("at = \"06:00\"; " ITEM,
	    "s.cfg:1: slots.[0].title: this required setting is missing; add it to slots.[0], "
	    "e.g. title = \"Bản tin sáng\";");
	slot_error("title = \"\"; at = \"06:00\"; " ITEM,
	    "s.cfg:1: slots.[0].title: is empty; write something, e.g. title = \"Bản tin sáng\";");
	slot_error("title = \"B\xe1n tin\"; at = \"06:00\"; " ITEM,
	    "s.cfg:1: slots.[0].title: is not valid UTF-8 text; save the file with the "
	    "UTF-8 encoding");
	memset(title, 'x', 201);
	title[201] = '\0';
	snprintf(text, sizeof(text), "title = \"%s\"; at = \"06:00\"; " ITEM, title);
	slot_error(text, "s.cfg:1: slots.[0].title: is 201 bytes long; shorten it to at most "
	    "200 bytes");
	slot_error("title = \"x\"; at = \"06:00\"; grace = 86401; " ITEM,
	    "s.cfg:1: slots.[0].grace: 86401 is out of range; use a whole number from 0 to 86400");
	slot_error("title = \"x\"; at = \"06:00\"; grace = \"300\"; " ITEM,
	    "s.cfg:1: slots.[0].grace: must be a whole number without quotes, from 0 to 86400");
	slot_error("title = \"x\"; at = \"06:00\"; dayz = \"daily\"; " ITEM,
	    "s.cfg:1: slots.[0].dayz: unknown setting 'dayz' in slots.[0]; did you mean 'days'?");
	slot_error("title = \"x\"; at = \"06:00\"; gain = 3; " ITEM,
	    "s.cfg:1: slots.[0].gain: unknown setting 'gain' in slots.[0]; remove it or "
	    "correct its name (known here: title, at, days, from, until, grace, class, tags, "
	    "volume, items, relay, duration, fallback)");
	one_error("slots = ( 5 );", "s.cfg:1: slots.[0]: must be a slot in braces, e.g. "
	    "{ title = \"Bản tin sáng\"; at = \"06:00\"; items = ( { file = \"ban-tin.opus\"; } ); }");
}

static void
test_item_errors(void)
{
	char text[8192];
	size_t o;
	int i;

	slot_error("title = \"x\"; at = \"06:00\";",
	    "s.cfg:1: slots.[0].items: this required list is missing; add the bulletins to play, "
	    "e.g. items = ( { file = \"ban-tin.opus\"; } );, or relay a stream, e.g. relay = "
	    "\"http://radio.tinh.example:8000/kenh1\"; duration = \"30m\";");
	slot_error("title = \"x\"; at = \"06:00\"; items = ( );",
	    "s.cfg:1: slots.[0].items: has 0 bulletins; a slot plays 1 to 100, "
	    "e.g. items = ( { file = \"ban-tin.opus\"; } );");
	slot_error("title = \"x\"; at = \"06:00\"; items = { file = \"a.opus\"; };",
	    "s.cfg:1: slots.[0].items: must be a list of bulletins in parentheses, "
	    "e.g. items = ( { file = \"ban-tin.opus\"; } );");
	slot_error("title = \"x\"; at = \"06:00\"; items = ( \"a.opus\" );",
	    "s.cfg:1: slots.[0].items.[0]: must be a bulletin in braces, "
	    "e.g. { file = \"ban-tin.opus\"; title = \"Bản tin\"; }");
	slot_error("title = \"x\"; at = \"06:00\"; items = ( { title = \"y\"; } );",
	    "s.cfg:1: slots.[0].items.[0].file: this required setting is missing; add it to "
	    "slots.[0].items.[0], e.g. file = \"ban-tin.opus\";");
	slot_error("title = \"x\"; at = \"06:00\"; items = ( { file = \"a.opus\"; tilte = \"y\"; } );",
	    "s.cfg:1: slots.[0].items.[0].tilte: unknown setting 'tilte' in slots.[0].items.[0]; "
	    "did you mean 'title'?");
	o = (size_t)snprintf(text, sizeof(text), "title = \"x\"; at = \"06:00\"; items = (");
	for (i = 0; i < 101; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s{ file = \"a.opus\"; }",
		    i ? ", " : "");
	snprintf(text + o, sizeof(text) - o, ");");
	slot_error(text, "s.cfg:1: slots.[0].items: has 101 bulletins; a slot plays 1 to 100, "
	    "e.g. items = ( { file = \"ban-tin.opus\"; } );");
}

static void
test_file_errors(void)
{
	char *text;
	size_t o, len = 1001 * 80 + 64;
	int i;

	struct errlist el;

	/* A misspelt slots is both unknown and missing. */
	T_ASSERT(parse("slot = ( );", &el) == NULL);
	T_EQ_INT(errlist_count(&el), 2);
	T_EQ_STR(el.n == 2 ? el.msg[0] : NULL,
	    "s.cfg:1: slot: unknown setting 'slot'; did you mean 'slots'?");
	T_CONTAINS(el.n == 2 ? el.msg[1] : NULL, "s.cfg:1: slots: this required list is missing");
	errlist_clear(&el);
	one_error("", "s.cfg:1: slots: this required list is missing; add it, e.g. slots = "
	    "( { title = \"Bản tin sáng\"; at = \"06:00\"; items = ( { file = \"ban-tin.opus\"; } ); } );");
	one_error("slots = { };", "s.cfg:1: slots: must be a list of slots in parentheses, e.g. "
	    "slots = ( { title = \"Bản tin sáng\"; at = \"06:00\"; "
	    "items = ( { file = \"ban-tin.opus\"; } ); } );");
	one_error("slots = (\n  { title = \"x\"; at = 06:00; " ITEM " }\n);\n",
	    "s.cfg:2: syntax error: look on this line and the one before for a missing ';', '\"', "
	    "brace or parenthesis");
	text = malloc(len);
	T_ASSERT(text != NULL);
	if (text == NULL)
		return;
	o = (size_t)snprintf(text, len, "slots = (");
	for (i = 0; i < 1001; i++)
		o += (size_t)snprintf(text + o, len - o, "%s{ title = \"x\"; at = \"06:00\"; " ITEM " }",
		    i ? ",\n" : "");
	snprintf(text + o, len - o, ");");
	one_error(text, "s.cfg:1: slots: has 1001 slots; a schedule may have at most 1000");
	free(text);
}

/* Every problem of the file at once, in file order. */
static void
test_all_errors_at_once(void)
{
	struct errlist el;
	struct schedule *s = parse(
	    "slots = (\n"
	    "  { title = \"Bản tin sáng\"; at = \"25:00\"; " ITEM " },\n"
	    "  { title = \"Bản tin chiều\"; at = \"17:00\"; days = [ \"mon\", \"funday\" ];\n"
	    "    items = ( { file = \"b.opus\"; }, { fiel = \"c.opus\"; } ); },\n"
	    "  { at = \"2026-02-29 08:00\"; items = ( ); }\n"
	    ");\n", &el);

	T_ASSERT(s == NULL);
	T_EQ_INT(errlist_count(&el), 7);
	if (el.n == 7) {
		T_CONTAINS(el.msg[0], "s.cfg:2: slots.[0].at: \"25:00\" is not a valid time");
		T_CONTAINS(el.msg[1], "s.cfg:3: slots.[1].days.[1]: \"funday\" is not a day");
		T_CONTAINS(el.msg[2], "s.cfg:4: slots.[1].items.[1].fiel: unknown setting 'fiel'");
		T_CONTAINS(el.msg[3], "s.cfg:4: slots.[1].items.[1].file: this required setting");
		T_CONTAINS(el.msg[4], "s.cfg:5: slots.[2].title: this required setting is missing");
		T_CONTAINS(el.msg[5], "s.cfg:5: slots.[2].at: \"2026-02-29 08:00\" is not a valid "
		    "time: there is no day 29 in February 2026");
		T_CONTAINS(el.msg[6], "s.cfg:5: slots.[2].items: has 0 bulletins");
	}
	errlist_clear(&el);
	/* Without an errlist the problems are still found. */
	T_ASSERT(schedule_parse_string("slots = 1;", "x", NULL, 0, NULL) == NULL);
}

static void
touch(const char *dir, const char *name)
{
	char path[PATH_MAX + 256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	T_ASSERT(fp != NULL);
	if (fp != NULL)
		fclose(fp);
}

/* Writes text to tmpdir/name, whose path goes in path. 0, or -1 (asserted). */
static int
write_file(const char *name, const char *text, char *path, size_t len)
{
	FILE *fp;

	snprintf(path, len, "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	T_ASSERT(fp != NULL);
	if (fp == NULL)
		return -1;
	fputs(text, fp);
	fclose(fp);
	return 0;
}

static void
test_check_files(void)
{
	char path[PATH_MAX + 64], want[3 * PATH_MAX];
	struct errlist el;
	struct schedule *s;

	touch(tmpdir, "bản tin.opus");
	snprintf(path, sizeof(path), "%s/thư mục.opus", tmpdir);
	T_EQ_INT(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/ống.opus", tmpdir);
	T_EQ_INT(mkfifo(path, 0600), 0);	/* must not hang the check */
	if (write_file("lịch.cfg", "slots = ( { title = \"Bản tin\"; at = \"06:00\"; items = (\n"
	    "  { file = \"bản tin.opus\"; },\n"
	    "  { file = \"không có.opus\"; },\n"
	    "  { file = \"thư mục.opus\"; },\n"
	    "  { file = \"ống.opus\"; },\n"
	    "  { file = \"/nonexistent/dir/x.opus\"; } ); } );\n", path, sizeof(path)) < 0)
		return;
	errlist_init(&el);
	s = schedule_load(path, 1, &el);
	T_ASSERT(s == NULL);
	T_EQ_INT(errlist_count(&el), 4);
	if (el.n == 4) {
		snprintf(want, sizeof(want), "%s:3: slots.[0].items.[1].file: \"không có.opus\" was "
		    "not found in %s; copy the bulletin there or correct the name", path, tmpdir);
		T_EQ_STR(el.msg[0], want);
		snprintf(want, sizeof(want), "%s:4: slots.[0].items.[2].file: \"thư mục.opus\" in %s "
		    "is not a regular file; name an Opus bulletin file", path, tmpdir);
		T_EQ_STR(el.msg[1], want);
		snprintf(want, sizeof(want), "%s:5: slots.[0].items.[3].file: \"ống.opus\" in %s "
		    "is not a regular file; name an Opus bulletin file", path, tmpdir);
		T_EQ_STR(el.msg[2], want);
		snprintf(want, sizeof(want), "%s:6: slots.[0].items.[4].file: \"x.opus\" was "
		    "not found in /nonexistent/dir; copy the bulletin there or correct the name", path);
		T_EQ_STR(el.msg[3], want);
	}
	errlist_clear(&el);
	/* Without check_files the same schedule loads, and a good one loads either way. */
	s = schedule_load(path, 0, &el);
	T_ASSERT(s != NULL);
	if (s != NULL) {
		snprintf(want, sizeof(want), "%s/bản tin.opus", tmpdir);
		T_EQ_STR(s->slots[0].items[0].file, want);
	}
	schedule_free(s);
	if (write_file("lịch.cfg", "slots = ( { title = \"Bản tin\"; at = \"06:00\"; "
	    "items = ( { file = \"bản tin.opus\"; } ); } );\n", path, sizeof(path)) < 0)
		return;
	s = schedule_load(path, 1, &el);
	T_ASSERT(s != NULL);
	T_EQ_INT(errlist_count(&el), 0);
	schedule_free(s);
	/* A file loaxa may not read (only testable when not root). */
	snprintf(want, sizeof(want), "%s/bản tin.opus", tmpdir);
	if (geteuid() != 0 && chmod(want, 0) == 0) {
		s = schedule_load(path, 1, &el);
		T_ASSERT(s == NULL);
		T_CONTAINS(el.n ? el.msg[0] : NULL, "\"bản tin.opus\" in");
		T_CONTAINS(el.n ? el.msg[0] : NULL, "cannot be read: Permission denied;");
		errlist_clear(&el);
	}
	/* The file itself missing. */
	unlink(path);
	s = schedule_load(path, 1, &el);
	T_ASSERT(s == NULL);
	snprintf(want, sizeof(want), "%s: cannot read the schedule: No such file or directory; "
	    "check the path and that loaxa may read it", path);
	T_EQ_STR(el.n ? el.msg[0] : NULL, want);
	errlist_clear(&el);
	snprintf(path, sizeof(path), "%s/bản tin.opus", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ống.opus", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/thư mục.opus", tmpdir);
	rmdir(path);
}

static void
test_timeparse(void)
{
	struct timeparse_at at;
	struct sched_date d;
	char why[256];
	int hh, mm, ss;

	T_EQ_INT(timeparse_clock("06:00", &hh, &mm, &ss), 0);
	T_EQ_INT(hh * 10000 + mm * 100 + ss, 60000);
	T_EQ_INT(timeparse_clock("23:59:59", &hh, &mm, &ss), 0);
	T_EQ_INT(hh * 10000 + mm * 100 + ss, 235959);
	T_EQ_INT(timeparse_clock("0:00", &hh, &mm, &ss), 0);
	T_EQ_INT(timeparse_clock("24:00", &hh, &mm, &ss), -EINVAL);
	T_EQ_INT(timeparse_clock("06:0", &hh, &mm, &ss), -EINVAL);
	T_EQ_INT(timeparse_clock("06:00:", &hh, &mm, &ss), -EINVAL);
	T_EQ_INT(timeparse_clock("06:00 ", &hh, &mm, &ss), -EINVAL);
	T_EQ_INT(timeparse_clock("006:00", &hh, &mm, &ss), -EINVAL);
	T_EQ_INT(timeparse_clock("2026-01-01 06:00", &hh, &mm, &ss), -EINVAL);
	T_EQ_INT(timeparse_clock("", &hh, &mm, &ss), -EINVAL);
	T_EQ_INT(timeparse_date("2028-02-29", &d), 0);
	T_EQ_INT(d.y * 10000 + d.m * 100 + d.d, 20280229);
	T_EQ_INT(timeparse_date("2000-02-29", &d), 0);
	T_EQ_INT(timeparse_date("2100-02-29", &d), -EINVAL);
	T_EQ_INT(timeparse_date("2026-04-31", &d), -EINVAL);
	T_EQ_INT(timeparse_date("2026-00-10", &d), -EINVAL);
	T_EQ_INT(timeparse_date("2026-1-10", &d), -EINVAL);
	T_EQ_INT(timeparse_date_why("1969-12-31", &d, why, sizeof(why)), -EINVAL);
	T_EQ_STR(why, "year 1969 is not between 1970 and 9999");
	T_EQ_INT(timeparse_date_why("2026-04-31", &d, why, sizeof(why)), -EINVAL);
	T_EQ_STR(why, "there is no day 31 in April 2026, which has 30 days");
	T_EQ_INT(timeparse_at("2026-11-22 14:30:05", &at, why, sizeof(why)), 0);
	T_EQ_INT(at.once, 1);
	T_EQ_INT(at.date.y * 10000 + at.date.m * 100 + at.date.d, 20261122);
	T_EQ_INT(at.hh * 10000 + at.mm * 100 + at.ss, 143005);
	T_EQ_INT(timeparse_at("2026-11-22  14:30", &at, why, sizeof(why)), -EINVAL);
	T_EQ_INT(timeparse_at("2026-11-22", &at, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, "write a time of day as HH:MM");
	/* A small reason buffer is cut, never overrun. */
	T_EQ_INT(timeparse_at("99:00", &at, why, 8), -EINVAL);
	T_EQ_STR(why, "hour 99");
}

static void
test_slot_class(void)
{
	struct errlist el;
	struct schedule *s;

	errlist_init(&el);
	s = schedule_parse_string("slots = ( { title = \"Bão\"; at = \"06:00\"; class = \"emergency\"; "
	    "items = ( { file = \"b.opus\"; } ); }, { title = \"Thường\"; at = \"07:00\"; "
	    "items = ( { file = \"a.opus\"; } ); } );", "s.cfg", "/etc/loaxa", 0, &el);
	T_ASSERT(s != NULL);
	if (s != NULL) {
		T_EQ_INT(s->slots[0].cls, SCHED_EMERGENCY);
		T_EQ_INT(s->slots[1].cls, SCHED_NORMAL);
		T_EQ_STR(sched_class_name(s->slots[0].cls), "emergency");
	}
	schedule_free(s);
	s = schedule_parse_string("slots = ( { title = \"X\"; at = \"06:00\"; class = \"urgent\"; "
	    "items = ( { file = \"b.opus\"; } ); } );", "s.cfg", "/etc/loaxa", 0, &el);
	T_ASSERT(s == NULL);
	T_EQ_INT(errlist_count(&el), 1);
	if (el.n > 0)
		T_EQ_STR(el.msg[0], "s.cfg:1: slots.[0].class: \"urgent\" is not a class; use "
		    "\"normal\", \"priority\" or \"emergency\"");
	errlist_clear(&el);
}

/* A slot's tags and an item's: the item has both, the slot's first, each once. */
static void
test_tags(void)
{
	struct errlist el;
	struct schedule *s = parse("slots = ( { title = \"Sáng\"; at = \"06:00\"; "
	    "tags = [ \"giam-ngheo\", \"du-an-6\" ]; items = ( "
	    "{ file = \"a.opus\"; tags = [ \"Nông thôn mới\", \"giam-ngheo\", \"Nông thôn mới\" ]; }, "
	    "{ file = \"b.opus\"; tags = []; } ); }, "
	    "{ title = \"Chiều\"; at = \"17:00\"; items = ( { file = \"c.opus\"; "
	    "tags = ( \"x\" ); } ); } );", &el);
	const struct sched_slot *sl;

	errlist_print(&el, "  ", stderr);
	T_ASSERT(s != NULL);
	if (s == NULL)
		return;
	sl = &s->slots[0];
	T_EQ_INT(sl->tags.n, 2);
	T_EQ_INT(sl->items[0].tags.n, 3);
	if (sl->items[0].tags.n == 3) {
		T_EQ_STR(sl->items[0].tags.v[0], "giam-ngheo");
		T_EQ_STR(sl->items[0].tags.v[1], "du-an-6");
		T_EQ_STR(sl->items[0].tags.v[2], "Nông thôn mới");
	}
	T_EQ_INT(sl->items[1].tags.n, 2);
	T_EQ_INT(s->slots[1].tags.n, 0);
	T_EQ_INT(s->slots[1].items[0].tags.n, 1);
	schedule_free(s);
	errlist_clear(&el);
}

/* Each bad tag is reported where it is, and says what to do. */
static void
test_tag_errors(void)
{
	char text[4096], tag[80];
	size_t o;
	int i;

	slot_error("title = \"x\"; at = \"06:00\"; tags = \"giam-ngheo\"; " ITEM,
	    "s.cfg:1: slots.[0].tags: must be a list of tags in double quotes, e.g. "
	    "tags = [ \"giam-ngheo\", \"du-an-6\" ];");
	slot_error("title = \"x\"; at = \"06:00\"; tags = [ 6 ]; " ITEM,
	    "s.cfg:1: slots.[0].tags.[0]: must be a tag in double quotes, e.g. "
	    "tags = [ \"giam-ngheo\", \"du-an-6\" ];");
	slot_error("title = \"x\"; at = \"06:00\"; tags = [ \"a\", \"\" ]; " ITEM,
	    "s.cfg:1: slots.[0].tags.[1]: \"\": a tag is empty; write a word such as "
	    "\"giam-ngheo\", or leave the tag out");
	slot_error("title = \"x\"; at = \"06:00\"; items = ( { file = \"a.opus\"; "
	    "tags = [ \" giam-ngheo\" ]; } );",
	    "s.cfg:1: slots.[0].items.[0].tags.[0]: \" giam-ngheo\": a tag starts or ends "
	    "with a space; remove the space");
	slot_error("title = \"x\"; at = \"06:00\"; tags = [ \"giam\\tngheo\" ]; " ITEM,
	    "s.cfg:1: slots.[0].tags.[0]: \"giam?ngheo\": a tag holds a control character "
	    "(such as a tab or a line break); remove it");
	slot_error("title = \"x\"; at = \"06:00\"; tags = [ \"gi\xe1m\" ]; " ITEM,
	    "s.cfg:1: slots.[0].tags.[0]: \"gi?m\": a tag is not valid UTF-8 text; save the "
	    "file with the UTF-8 encoding");
	memset(tag, 'x', 65);
	tag[65] = '\0';
	snprintf(text, sizeof(text), "title = \"x\"; at = \"06:00\"; tags = [ \"%s\" ]; " ITEM, tag);
	slot_error(text, "s.cfg:1: slots.[0].tags.[0]: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxx\": a tag is 65 bytes long; a tag has at most 64 bytes");
	/* 64 bytes of Vietnamese is fine; 17 tags are not, nor 16 and the slot's one more. */
	o = (size_t)snprintf(text, sizeof(text), "title = \"x\"; at = \"06:00\"; tags = [");
	for (i = 0; i < 17; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s\"t%d\"", i ? ", " : "", i);
	snprintf(text + o, sizeof(text) - o, "]; " ITEM);
	slot_error(text, "s.cfg:1: slots.[0].tags.[16]: \"t16\": a bulletin has at most 16 "
	    "tags; this one would have more");
	o = (size_t)snprintf(text, sizeof(text), "title = \"x\"; at = \"06:00\"; tags = "
	    "[ \"slot\" ]; items = ( { file = \"a.opus\"; tags = [");
	for (i = 0; i < 16; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s\"t%d\"", i ? ", " : "", i);
	snprintf(text + o, sizeof(text) - o, "]; } );");
	slot_error(text, "s.cfg:1: slots.[0].items.[0].tags: with its slot's tags, a bulletin "
	    "has at most 16 tags; this one would have more; give the slot or this bulletin "
	    "fewer tags");
}

#define RELAY_SLOT	"title = \"Tiếp sóng Đài tỉnh\"; at = \"05:30\"; "

/* A relay slot: its stream, how long, its fallback; no items. */
static void
test_relay(void)
{
	const struct sched_slot *sl;
	struct errlist el;
	struct schedule *s;

	s = parse("slots = ( { title = \"Tiếp sóng Đài tỉnh\"; at = \"05:30\"; days = \"daily\";\n"
	    "  duration = \"30m\"; relay = \"http://radio.tinh.example:8000/kenh1\";\n"
	    "  tags = [ \"tiep-song\" ];\n"
	    "  fallback = ( { file = \"nhạc nền.opus\"; }, { file = \"/srv/b.opus\"; title = \"B\";\n"
	    "    tags = [ \"du-an-6\" ]; } ); },\n"
	    " { title = \"Thời sự\"; at = \"19:00\"; relay = \"https://u:p@vov.example/vov1?t=1\";\n"
	    "  duration = 5400; },\n"
	    " { title = \"Bản tin\"; at = \"06:00\"; " ITEM " } );", &el);
	T_ASSERT(s != NULL);
	if (s == NULL) {
		errlist_print(&el, "  got: ", stderr);
		errlist_clear(&el);
		return;
	}
	sl = &s->slots[0];
	T_EQ_STR(sl->relay, "http://radio.tinh.example:8000/kenh1");
	T_EQ_INT(sl->duration, 1800);
	T_EQ_INT(sl->n_items, 0);
	T_ASSERT(sl->items == NULL);
	T_EQ_INT(sl->n_fallback, 2);
	T_EQ_STR(sl->fallback[0].file, "/etc/loaxa/nhạc nền.opus");
	T_EQ_STR(sl->fallback[0].title, "nhạc nền");
	T_EQ_INT(sl->fallback[0].tags.n, 1);
	T_EQ_STR(sl->fallback[1].title, "B");
	T_EQ_INT(sl->fallback[1].tags.n, 2);
	T_EQ_INT(sched_slot_bulletins(sl), 2);
	T_ASSERT(sched_slot_bulletin(sl, 1) == &sl->fallback[1]);
	sl = &s->slots[1];
	T_EQ_STR(sl->relay, "https://u:p@vov.example/vov1?t=1");
	T_EQ_INT(sl->duration, 5400);
	T_EQ_INT(sl->n_fallback, 0);
	T_ASSERT(sl->fallback == NULL);
	T_EQ_INT(s->slots[2].duration, 0);
	T_ASSERT(s->slots[2].relay == NULL);
	T_ASSERT(sched_slot_bulletin(&s->slots[2], 0) == &s->slots[2].items[0]);
	T_EQ_INT(schedule_bulletins(s), 3);
	schedule_free(s);	/* under ASan: the relay, the fallback and its tags are freed */
	errlist_clear(&el);
}

static void
test_relay_errors(void)
{
	slot_error(RELAY_SLOT "relay = \"http://radio.tinh.example/kenh1\"; duration = \"30m\"; " ITEM,
	    "s.cfg:1: slots.[0].items: a slot plays bulletins or relays a stream, not both; put the "
	    "bulletins in a slot of their own, or make them the relay's fallback, which plays while "
	    "the stream is away: fallback = ( { file = \"nhạc nền.opus\"; } );");
	slot_error(RELAY_SLOT "relay = \"http://radio.tinh.example/kenh1\";",
	    "s.cfg:1: slots.[0].duration: this required setting is missing: say how long to relay "
	    "the stream, e.g. duration = \"30m\"; or \"1h30m\"");
	slot_error(RELAY_SLOT "duration = \"30m\"; " ITEM,
	    "s.cfg:1: slots.[0].duration: only a slot that relays a stream lasts a set time (a slot "
	    "of bulletins lasts as long as they do); remove it, or relay a stream, e.g. relay = "
	    "\"http://radio.tinh.example:8000/kenh1\"; duration = \"30m\";");
	slot_error(RELAY_SLOT "fallback = ( { file = \"a.opus\"; } ); " ITEM,
	    "s.cfg:1: slots.[0].fallback: only a slot that relays a stream has fallback bulletins "
	    "(they play while the stream is away); move them to items, or relay a stream, e.g. "
	    "relay = \"http://radio.tinh.example:8000/kenh1\"; duration = \"30m\";");
	slot_error(RELAY_SLOT "relay = \"http://r.example/k\"; duration = \"0\";",
	    "s.cfg:1: slots.[0].duration: \"0\" is not a length: a number needs its unit: write "
	    "e.g. 30m for minutes or 30s for seconds");
	slot_error(RELAY_SLOT "relay = \"http://r.example/k\"; duration = \"0s\";",
	    "s.cfg:1: slots.[0].duration: \"0s\" is not from 1 second to 24 hours, what a relay "
	    "may last; split a longer one into slots");
	slot_error(RELAY_SLOT "relay = \"http://r.example/k\"; duration = \"25h\";",
	    "s.cfg:1: slots.[0].duration: \"25h\" is not from 1 second to 24 hours, what a relay "
	    "may last; split a longer one into slots");
	slot_error(RELAY_SLOT "relay = \"http://r.example/k\"; duration = \"abc\";",
	    "s.cfg:1: slots.[0].duration: \"abc\" is not a length: write a length as whole numbers "
	    "with their units, hours (h), then minutes (m), then seconds (s), e.g. 90s, 30m, 1h "
	    "or 1h30m");
	slot_error(RELAY_SLOT "relay = \"http://r.example/k\"; duration = 0;",
	    "s.cfg:1: slots.[0].duration: 0 is out of range; use a whole number from 1 to 86400");
	slot_error(RELAY_SLOT "relay = \"http://r.example/k\"; duration = 1.5;",
	    "s.cfg:1: slots.[0].duration: must be a length such as \"30m\" or \"1h30m\", or whole "
	    "seconds such as 1800");
	slot_error(RELAY_SLOT "relay = \"ftp://r.example/k\"; duration = \"30m\";",
	    "s.cfg:1: slots.[0].relay: \"ftp://r.example/k\" cannot be relayed: the address must "
	    "start with http:// or https://, e.g. \"http://radio.example.vn:8000/kenh1\"");
	slot_error(RELAY_SLOT "relay = \"http://\"; duration = \"30m\";",
	    "s.cfg:1: slots.[0].relay: \"http://\" cannot be relayed: the address names no "
	    "server, e.g. \"http://radio.example.vn:8000/kenh1\"");
	/* The credentials are not repeated in the message, which may go to the district. */
	slot_error(RELAY_SLOT "relay = \"http://u:mk@r.example/kênh 1?token=bí\"; duration = \"1h\";",
	    "s.cfg:1: slots.[0].relay: \"http://r.example/kênh 1\" cannot be relayed: the address "
	    "has a space or a character that is not plain ASCII; write it as a browser shows it, "
	    "e.g. \"http://radio.example.vn:8000/kenh1\"");
	slot_error(RELAY_SLOT "relay = 5; duration = \"1h\";",
	    "s.cfg:1: slots.[0].relay: must be text in double quotes, e.g. relay = "
	    "\"http://radio.tinh.example:8000/kenh1\";");
	slot_error(RELAY_SLOT "relay = \"http://r.example/k\"; duration = \"1h\"; fallback = ( 5 );",
	    "s.cfg:1: slots.[0].fallback.[0]: must be a bulletin in braces, e.g. "
	    "{ file = \"ban-tin.opus\"; title = \"Bản tin\"; }");
}

static void
test_duration_parse(void)
{
	static const struct { const char *s; long long secs; } good[] = {
		{ "90s", 90 }, { "30m", 1800 }, { "1h", 3600 }, { "1h30m", 5400 },
		{ "2h15m30s", 8130 }, { "1m1s", 61 }, { "24h", 86400 }, { "0s", 0 },
	};
	static const char *const bad[] = {
		"", "30", "m", "1h30", "30m1h", "1m1m", "1 h", "1H", "-5m", "1.5h", "1d",
		"9999999999s", "h30m",
	};
	long long secs;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		T_EQ_INT(timeparse_duration(good[i].s, &secs, why, sizeof(why)), 0);
		T_EQ_INT(secs, good[i].secs);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_EQ_INT(timeparse_duration(bad[i], &secs, why, sizeof(why)), -EINVAL);
	/* Written back as it is read. */
	timeparse_format_duration(5400, why, sizeof(why));
	T_EQ_STR(why, "1h30m");
	timeparse_format_duration(90, why, sizeof(why));
	T_EQ_STR(why, "1m30s");
	timeparse_format_duration(86400, why, sizeof(why));
	T_EQ_STR(why, "24h");
	timeparse_format_duration(3601, why, sizeof(why));
	T_EQ_STR(why, "1h1s");
	timeparse_format_duration(0, why, sizeof(why));
	T_EQ_STR(why, "0s");
	for (secs = 0; secs <= 86400; secs += 37) {
		long long back;

		timeparse_format_duration(secs, why, sizeof(why));
		T_EQ_INT(timeparse_duration(why, &back, NULL, 0), 0);
		if (back != secs) {
			T_EQ_INT(back, secs);
			break;
		}
	}
}

/* check_files looks at the fallback bulletins too. */
static void
test_relay_check_files(void)
{
	char path[PATH_MAX + 64], want[3 * PATH_MAX];
	struct errlist el;
	struct schedule *s;

	touch(tmpdir, "nhạc nền.opus");
	if (write_file("tiếp sóng.cfg", "slots = ( { title = \"Tiếp sóng Đài tỉnh\"; at = \"05:30\";\n"
	    "  duration = \"30m\"; relay = \"http://radio.tinh.example:8000/kenh1\";\n"
	    "  fallback = ( { file = \"nhạc nền.opus\"; },\n"
	    "    { file = \"không có.opus\"; } ); } );\n", path, sizeof(path)) < 0)
		return;
	errlist_init(&el);
	s = schedule_load(path, 1, &el);
	T_ASSERT(s == NULL);
	T_EQ_INT(errlist_count(&el), 1);
	snprintf(want, sizeof(want), "%s:4: slots.[0].fallback.[1].file: \"không có.opus\" was "
	    "not found in %s; copy the bulletin there or correct the name", path, tmpdir);
	T_EQ_STR(el.n > 0 ? el.msg[0] : NULL, want);
	schedule_free(s);
	errlist_clear(&el);
	unlink(path);
	snprintf(path, sizeof(path), "%s/nhạc nền.opus", tmpdir);
	unlink(path);
}

int
main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_schedule.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	T_RUN(test_example_file);
	T_RUN(test_spec_example);
	T_RUN(test_small_forms);
	T_RUN(test_slot_volume);
	T_RUN(test_time_errors);
	T_RUN(test_day_errors);
	T_RUN(test_slot_errors);
	T_RUN(test_item_errors);
	T_RUN(test_file_errors);
	T_RUN(test_all_errors_at_once);
	T_RUN(test_check_files);
	T_RUN(test_timeparse);
	T_RUN(test_slot_class);
	T_RUN(test_tags);
	T_RUN(test_tag_errors);
	T_RUN(test_relay);
	T_RUN(test_relay_errors);
	T_RUN(test_duration_parse);
	T_RUN(test_relay_check_files);
	rmdir(tmpdir);
	return T_EXIT();
}
