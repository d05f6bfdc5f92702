/*
 * Our configuration and schedule readers free everything, on every path:
 * good files, files with mistakes in their values, files with syntax errors,
 * files that cannot be read, includes that work and includes that do not.
 * Each case reads its input many times; under AddressSanitizer (build-asan,
 * run with ASAN_OPTIONS=detect_leaks=1) each case then asks LeakSanitizer
 * whether anything is left, with no suppressions at all.
 *
 * libconfig 1.5 itself leaks the string token it holds when a syntax error
 * comes right after it (hyperrealm/libconfig#142; see tests/fuzz/lsan.supp).
 * The syntax errors here come before or without such a token, so whatever
 * leaks here is ours. The fuzzers cover the other kind, with that one
 * libconfig stack suppressed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "config/schedule.h"
#include "tests/helpers/tmpstore.h"
#include "tests/t.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define T_LEAKS()	__lsan_do_recoverable_leak_check()
#else
#define T_LEAKS()	0
#endif

#define ROUNDS		40
#define STATION		"station = { id = \"tan-thanh\"; region = \"hon-quan\"; " \
			"name = \"Đài truyền thanh xã Tân Thành\"; };\n"
#define STORAGE		"storage = { dir = \"/var/lib/loaxa\"; };\n"

static char g_dir[TMPSTORE_DIR_MAX];

/*
 * Parses text ROUNDS times as in g_dir, where it must give want (0 or -EINVAL)
 * with at least min_errors errors, and with no directory, where it must give
 * want_nodir.
 */
static void
conf_rounds2(const char *text, int want, size_t min_errors, int want_nodir)
{
	static struct config c;		/* large: keep it off the stack */
	struct errlist el;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		errlist_init(&el);
		conf_defaults(&c);
		T_EQ_INT(conf_parse_string(text, "t.cfg", g_dir, &c, &el), want);
		T_ASSERT(errlist_count(&el) >= min_errors);
		errlist_clear(&el);
		/* Without an error list: the path the daemon's reload check takes. */
		T_EQ_INT(conf_parse_string(text, "t.cfg", NULL, &c, NULL), want_nodir);
	}
}

static void
conf_rounds(const char *text, int want, size_t min_errors)
{
	conf_rounds2(text, want, min_errors, want);
}

static void
sched_rounds(const char *text, int good, int check_files)
{
	struct schedule *s;
	struct errlist el;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		errlist_init(&el);
		s = schedule_parse_string(text, "s.cfg", g_dir, check_files, &el);
		T_ASSERT(good ? s != NULL : s == NULL);
		T_ASSERT(good ? errlist_count(&el) == 0 : errlist_count(&el) > 0);
		schedule_free(s);
		errlist_clear(&el);
	}
}

static void
test_good_configurations_leave_nothing(void)
{
	static struct config c;
	struct errlist el;
	int i;

	conf_rounds(STATION STORAGE, 0, 0);
	conf_rounds(STATION STORAGE "audio = { device = \"plughw:1,0\"; rate = 16000; "
	    "channels = 2; };\nmqtt = { host = \"127.0.0.1\"; port = 1884L; };\n"
	    "schedule = { file = \"lịch phát.cfg\"; grace = 30; };\n", 0, 0);
	for (i = 0; i < ROUNDS; i++) {
		errlist_init(&el);
		T_EQ_INT(conf_load("config/loaxa.cfg.example", &c, &el), 0);
		errlist_clear(&el);
	}
	T_EQ_INT(T_LEAKS(), 0);
}

static void
test_mistakes_in_values_leave_nothing(void)
{
	conf_rounds(STATION "storage = { dir = \"/srv\"; asrun_days = 0; };", -EINVAL, 1);
	conf_rounds(STATION "storage = { dir = \"/srv\"; asrun_days = \"90\"; };", -EINVAL, 1);
	conf_rounds(STATION "storage = { dir = \"/srv\"; outbox_mx = 500; };", -EINVAL, 1);
	/* Too large for libconfig's int: our own scan of the text marks it. */
	conf_rounds(STATION STORAGE "mqtt = { port = 5000000000; keepalive = 99999999999; };",
	    -EINVAL, 1);
	conf_rounds(STATION STORAGE "audio = { rate = 44100; channels = 0; device = 5; };\n"
	    "station2 = { };\nmqtt = ( 1, 2 );\n", -EINVAL, 3);
	conf_rounds("", -EINVAL, 1);
	T_EQ_INT(T_LEAKS(), 0);
}

static void
test_syntax_errors_leave_nothing(void)
{
	conf_rounds(STATION "storage = {", -EINVAL, 1);
	conf_rounds(STATION "storage = { dir = ; };", -EINVAL, 1);
	conf_rounds("= 1;", -EINVAL, 1);
	conf_rounds(STATION STORAGE "audio = { rate = 48000 48000; };", -EINVAL, 1);
	conf_rounds(STATION STORAGE "mqtt = { port = 1883; }; }", -EINVAL, 1);
	sched_rounds("slots = ( { title = \"x\"; at = ; } );", 0, 0);
	sched_rounds("slots = ( { title = \"x\"; at = \"06:00\"; items = ( { file = ", 0, 0);
	T_EQ_INT(T_LEAKS(), 0);
}

static void
test_includes_leave_nothing(void)
{
	char text[800];

	T_EQ_INT(tmpstore_write(g_dir, "storage.inc", STORAGE), 0);
	snprintf(text, sizeof(text), STATION "@include \"storage.inc\"\n");
	/* Found in the configuration's directory; not found from the current one. */
	conf_rounds2(text, 0, 0, -EINVAL);
	/* A missing include is a syntax error reported by libconfig. */
	conf_rounds(STATION "@include \"missing.inc\"\n", -EINVAL, 1);
	T_EQ_INT(T_LEAKS(), 0);
}

static void
test_unreadable_files_leave_nothing(void)
{
	static struct config c;
	struct errlist el;
	char path[600], big[70000];
	int i;

	memset(big, '#', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	T_EQ_INT(tmpstore_write(g_dir, "big.cfg", big), 0);
	for (i = 0; i < ROUNDS; i++) {
		errlist_init(&el);
		snprintf(path, sizeof(path), "%s/missing.cfg", g_dir);
		T_EQ_INT(conf_load(path, &c, &el), -EINVAL);
		T_ASSERT(schedule_load(path, 0, &el) == NULL);
		snprintf(path, sizeof(path), "%s/big.cfg", g_dir);
		T_EQ_INT(conf_load(path, &c, &el), -EINVAL);
		T_ASSERT(schedule_load(path, 0, &el) == NULL);
		T_EQ_INT(errlist_count(&el), 4);
		errlist_clear(&el);
	}
	T_EQ_INT(T_LEAKS(), 0);
}

static void
test_schedules_leave_nothing(void)
{
	struct schedule *s;
	struct errlist el;
	int i;

	sched_rounds("slots = ( { title = \"Bản tin sáng\"; at = \"06:00\"; days = \"daily\";\n"
	    "  items = ( { file = \"a.opus\"; title = \"Chính sách\"; }, { file = \"b.opus\"; } ); },\n"
	    "  { title = \"Chiều\"; at = \"2026-12-24 17:00\"; items = ( { file = \"c.opus\"; } ); } );",
	    1, 0);
	/* Mistakes in the second slot, after the first one was built. */
	sched_rounds("slots = ( { title = \"Sáng\"; at = \"06:00\"; items = ( { file = \"a.opus\"; } ); },\n"
	    "  { title = \"Sai\"; at = \"25:61\"; days = [ \"moon\" ]; items = ( { file = 5; } ); } );",
	    0, 0);
	/* Files that must exist and do not. */
	sched_rounds("slots = ( { title = \"Sáng\"; at = \"06:00\"; items = ( { file = \"không có.opus\"; } ); } );",
	    0, 1);
	for (i = 0; i < ROUNDS; i++) {
		errlist_init(&el);
		s = schedule_load("config/schedule.cfg.example", 0, &el);
		T_ASSERT(s != NULL);
		schedule_free(s);
		errlist_clear(&el);
	}
	T_EQ_INT(T_LEAKS(), 0);
}

int
main(void)
{
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	if (tmpstore_dir(g_dir, sizeof(g_dir), "conf-free") < 0)
		return 1;
	T_RUN(test_good_configurations_leave_nothing);
	T_RUN(test_mistakes_in_values_leave_nothing);
	T_RUN(test_syntax_errors_leave_nothing);
	T_RUN(test_includes_leave_nothing);
	T_RUN(test_unreadable_files_leave_nothing);
	T_RUN(test_schedules_leave_nothing);
	tmpstore_rmdir(g_dir);
	return T_EXIT();
}
