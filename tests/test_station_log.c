/*
 * 'loaxactl log': the TIME its --since takes (every form, and the mistakes),
 * and the table people read, printed from replies shaped like the daemon's.
 * The instants were computed independently with date(1) -u.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "daemon/loaxactl/loaxactl_log.h"
#include "daemon/station/station_int.h"
#include "tests/t.h"

#define AT_0730Z	1795332605	/* 2026-11-22 07:30:05 UTC = 14:30:05 +07 */
#define NOW_1500	1795334400	/* 2026-11-22 15:00:00 +07 */

static time_t
since(const char *s, time_t now)
{
	time_t t = -2;

	if (station_log_since(s, now, &t) < 0)
		return -1;
	return t;
}

static void
test_since_iso_with_offset(void)
{
	T_EQ_INT(since("2026-11-22T14:30:05+07:00", NOW_1500), AT_0730Z);
	T_EQ_INT(since("2026-11-22T07:30:05Z", NOW_1500), AT_0730Z);
	T_EQ_INT(since("2026-11-22T02:00:05-05:30", NOW_1500), AT_0730Z);
	/* The offset decides, not the station's TZ. */
	T_EQ_INT(since("2026-11-22T20:00:05+00:00", NOW_1500), 1795377605);
}

static void
test_since_local_forms(void)
{
	T_EQ_INT(since("2026-11-22 14:30:05", NOW_1500), AT_0730Z);
	T_EQ_INT(since("2026-11-22T14:30:05", NOW_1500), AT_0730Z);
	T_EQ_INT(since("2026-11-22 14:30", NOW_1500), AT_0730Z - 5);
	T_EQ_INT(since("2026-11-22", NOW_1500), 1795280400);	/* local midnight */
	/* A clock time: the latest such time at or before now. */
	T_EQ_INT(since("14:30:05", NOW_1500), AT_0730Z);
	T_EQ_INT(since("15:00", NOW_1500), NOW_1500);
	T_EQ_INT(since("15:00:01", NOW_1500), NOW_1500 + 1 - 86400);
	T_EQ_INT(since("7:00", NOW_1500), 1795305600);	/* today 07:00 +07 = 00:00Z */
}

static void
test_since_refused(void)
{
	static const char *const bad[] = {
		"", "bad", "2026-13-01", "2026-02-29", "25:00", "14:60",
		"2026-11-22T14:30:05+25:00", "2026-11-22T14:30:05+07", "14:30+07:00",
		"2026-11-22T14:30:05+07:00 ", " 2026-11-22", "2026-11-22T14:30:05Zjunk",
		"2026-11-22 14:30:05+0x:00", "hôm qua",
		"2026-11-22T14:30:05+07:00aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	size_t i;
	time_t t = 123;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (station_log_since(bad[i], NOW_1500, &t) != -EINVAL) {
			fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
			T_ASSERT(0);
		}
	}
	T_EQ_INT(t, 123);	/* untouched on failure */
	T_EQ_INT(station_log_since(NULL, NOW_1500, &t), -EINVAL);
}

/* The table: what aired, the seconds, the reason under a failure, a play with no title. */
static void
test_table(void)
{
	const char *reply_text = "{\"ok\":true,\"since\":\"2026-11-22T06:00:00+07:00\","
	    "\"records\":["
	    "{\"event\":\"started\",\"play_id\":\"9f0c3e12aa\",\"title\":\"Chính sách hỗ trợ hộ nghèo\","
	    "\"file\":\"giam-ngheo-so-1.opus\",\"at\":\"2026-11-22T06:00:00+07:00\",\"seconds\":0.0},"
	    "{\"event\":\"finished\",\"play_id\":\"9f0c3e12aa\",\"title\":\"Chính sách hỗ trợ hộ nghèo\","
	    "\"file\":\"giam-ngheo-so-1.opus\",\"at\":\"2026-11-22T06:04:12+07:00\",\"seconds\":252.4},"
	    "{\"event\":\"failed\",\"play_id\":\"77\",\"title\":\"Tệp MP3\",\"file\":\"bản tin.opus\","
	    "\"at\":\"2026-11-22T06:04:12+07:00\",\"seconds\":0,\"error\":\"it is an MP3 file\"},"
	    "{\"event\":\"interrupted\",\"play_id\":\"abcdef0123456789\",\"at\":\"2026-11-22T07:00:00+07:00\","
	    "\"error\":\"the station restarted while it was playing\"}],"
	    "\"truncated\":true,\"next_after\":41}";
	json_t *reply = json_loads(reply_text, 0, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	T_ASSERT(reply != NULL && fp != NULL);
	if (reply == NULL || fp == NULL)
		return;
	loaxactl_log_table(fp, reply);
	fclose(fp);
	T_CONTAINS(buf, "TIME                 EVENT        SECONDS  TITLE (FILE)\n");
	T_CONTAINS(buf, "2026-11-22 06:00:00  started            -  Chính sách hỗ trợ hộ nghèo "
	    "(giam-ngheo-so-1.opus)\n");
	T_CONTAINS(buf, "2026-11-22 06:04:12  finished       252.4  Chính sách");
	T_CONTAINS(buf, "failed           0.0  Tệp MP3 (bản tin.opus)\n"
	    "                                           it is an MP3 file\n");
	T_CONTAINS(buf, "interrupted        -  (play abcdef01)\n"
	    "                                           the station restarted while it was playing\n");
	T_CONTAINS(buf, "4 records since 2026-11-22 06:00:00.\n");
	T_CONTAINS(buf, "--since \"2026-11-22T07:00:00+07:00\"' (or --after 41)");
	free(buf);
	json_decref(reply);
}

static void
test_table_empty(void)
{
	json_t *reply = json_pack("{s:b, s:s, s:[]}", "ok", 1, "since", "2026-11-22T06:00:00+07:00",
	    "records");
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	loaxactl_log_table(fp, reply);
	fclose(fp);
	T_EQ_STR(buf, "Nothing was recorded since 2026-11-22 06:00:00.\n");
	free(buf);
	json_decref(reply);
}

int
main(void)
{
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	T_RUN(test_since_iso_with_offset);
	T_RUN(test_since_local_forms);
	T_RUN(test_since_refused);
	T_RUN(test_table);
	T_RUN(test_table_empty);
	return T_EXIT();
}
