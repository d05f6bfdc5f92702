/*
 * What loaxactl prints for people (ctl_out): times in the language's order,
 * table columns measured as a terminal shows them, the daemon's words
 * translated; in English, then in Vietnamese from the build tree's catalogue
 * (BUILD/locale, found next to this program) through i18n_init().
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/i18n.h"
#include "daemon/loaxactl/ctl_out.h"
#include "tests/t.h"

#define ISO	"2026-11-22T14:30:05+07:00"

/* What ctl_out_rcell(s, width) prints. */
static const char *
rcell(const char *s, int width)
{
	static char buf[256];
	FILE *fp = fmemopen(buf, sizeof(buf), "w");

	if (fp == NULL)
		return "";
	ctl_out_rcell(fp, s, width);
	fclose(fp);
	return buf;
}

/* ISO as the language writes it for tables and for sentences, and the widths of its columns. */
static void
check_times(const char *table, const char *day, int col_second, int col_minute)
{
	char buf[64], date[16], clock[16];

	ctl_out_iso_short(ISO, buf, sizeof(buf), "?");
	T_EQ_STR(buf, table);
	T_EQ_INT(ctl_out_iso_split(ISO, date, sizeof(date), clock, sizeof(clock)), 0);
	T_EQ_STR(date, day);
	T_EQ_STR(clock, "14:30:05");
	T_EQ_INT(ctl_out_time_col(CTL_OUT_SECOND), col_second);
	T_EQ_INT(ctl_out_time_col(CTL_OUT_MINUTE), col_minute);
}

static void
test_english_times(void)
{
	check_times("2026-11-22 14:30:05", "2026-11-22", 21, 18);
}

static void
test_what_is_not_a_time_comes_as_it_is(void)
{
	char buf[64], date[16], clock[16];

	ctl_out_iso_short("tomorrow", buf, sizeof(buf), "?");
	T_EQ_STR(buf, "tomorrow");
	ctl_out_iso_short(NULL, buf, sizeof(buf), "when free");
	T_EQ_STR(buf, "when free");
	T_EQ_INT(ctl_out_iso_split("2026-13-22T14:30:05+07:00", date, sizeof(date), clock,
	    sizeof(clock)), -1);
	T_EQ_INT(ctl_out_iso_split("2026-11-22 14:30", date, sizeof(date), clock,
	    sizeof(clock)), -1);
	T_EQ_INT(ctl_out_iso_split(NULL, date, sizeof(date), clock, sizeof(clock)), -1);
	/* A buffer too small for the date is refused, not cut. */
	T_EQ_INT(ctl_out_iso_split(ISO, date, 5, clock, sizeof(clock)), -1);
}

static void
test_columns_count_characters(void)
{
	T_EQ_INT(ctl_out_width("Hàng chờ"), 8);
	T_EQ_INT(ctl_out_width("Ha\xcc\x80ng"), 4);		/* decomposed: a + U+0300 */
	T_EQ_STR(rcell("GIÂY", 7), "   GIÂY");
	T_EQ_STR(rcell("13.3", 7), "   13.3");
	T_EQ_STR(rcell("too long", 3), "too long");
}

static void
test_english_words_stay(void)
{
	T_EQ_STR(ctl_out_word("finished"), "finished");
	T_EQ_STR(ctl_out_word("idle"), "idle");
	T_EQ_STR(ctl_out_word("a-word-of-a-newer-daemon"), "a-word-of-a-newer-daemon");
	T_ASSERT(ctl_out_word(NULL) == NULL);
}

static void
test_vietnamese_times(void)
{
	/* The columns widen to the longer format: 24 and 21 characters, and two spaces. */
	check_times("14:30:05 ngày 22/11/2026", "22/11/2026", 26, 23);
}

static void
test_vietnamese_words(void)
{
	T_EQ_STR(ctl_out_word("finished"), "phát xong");
	T_EQ_STR(ctl_out_word("idle"), "đang rảnh");
	T_EQ_STR(ctl_out_word("a-word-of-a-newer-daemon"), "a-word-of-a-newer-daemon");
	T_EQ_STR(_("Queue"), "Hàng chờ");
}

static void
test_numbers_keep_the_decimal_point(void)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%.1f", 13.3);
	T_EQ_STR(buf, "13.3");
	T_EQ_INT(strtod("13.5", NULL) == 13.5, 1);
}

/* BUILD/locale, from BUILD/tests/test_ctl_out. */
static int
catalogue_dir(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -1;
	exe[n] = '\0';
	return (size_t)snprintf(out, len, "%s/locale", dirname(dirname(exe))) < len ? 0 : -1;
}

int
main(void)
{
	char dir[PATH_MAX];

	if (catalogue_dir(dir, sizeof(dir)) < 0) {
		printf("not ok - the build tree's catalogue is found\n");
		return 1;
	}
	setenv("LOAXA_LOCALEDIR", dir, 1);
	unsetenv("LANGUAGE");
	setenv("LC_ALL", "C.UTF-8", 1);
	i18n_init();
	T_RUN(test_english_times);
	T_RUN(test_what_is_not_a_time_comes_as_it_is);
	T_RUN(test_columns_count_characters);
	T_RUN(test_english_words_stay);

	/* As an operator's shell asks for it, whether or not vi_VN is generated here. */
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	setenv("LANG", "vi_VN.UTF-8", 1);
	i18n_init();
	T_RUN(test_vietnamese_times);
	T_RUN(test_vietnamese_words);
	T_RUN(test_numbers_keep_the_decimal_point);
	return T_EXIT();
}
