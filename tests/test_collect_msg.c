/*
 * Tests of the collector's reading of what stations send
 * (daemon/collector/collect_msg.c): topics, records (plays and notes, their
 * numbers and tags), statuses, and when an offline status says a station
 * went away. The records are the station's own (report_event(), as
 * station_emit() sends them), so that a change on either side shows here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "daemon/collector/collect_msg.h"
#include "daemon/proto/report.h"
#include "tests/t.h"

static void
test_topics(void)
{
	char r[CMSG_ID_MAX], s[CMSG_ID_MAX];
	enum cmsg_leaf leaf;

	T_EQ_INT(cmsg_topic("loaxa/hon-quan/tan-thanh/events", r, s, &leaf), 0);
	T_EQ_STR(r, "hon-quan");
	T_EQ_STR(s, "tan-thanh");
	T_EQ_INT(leaf, CMSG_EVENTS);
	T_EQ_INT(cmsg_topic("loaxa/hon-quan/an-binh/status", r, s, &leaf), 0);
	T_EQ_INT(leaf, CMSG_STATUS);
	T_EQ_INT(cmsg_topic("loaxa/hon-quan/tan-thanh/telemetry", r, s, &leaf), -EINVAL);
	T_EQ_INT(cmsg_topic("loaxa/hon-quan/events", r, s, &leaf), -EINVAL);
	T_EQ_INT(cmsg_topic("loaxa/hon-quan/Tân/events", r, s, &leaf), -EINVAL);
	T_EQ_INT(cmsg_topic("loaxa//x/events", r, s, &leaf), -EINVAL);
	T_EQ_INT(cmsg_topic("other/hon-quan/x/events", r, s, &leaf), -EINVAL);
	T_EQ_INT(cmsg_topic("loaxa/hon-quan/x/events/more", r, s, &leaf), -EINVAL);
}

/* A play's event as the station makes it, with the number the store adds. */
static void
test_play_record_from_the_station(void)
{
	struct config cfg;
	struct play_item it = { .title = (char *)"Chính sách hỗ trợ hộ nghèo",
	    .slot = (char *)"Bản tin sáng", .file = (char *)"giam-ngheo-so-1.opus",
	    .source = PLAY_QUEUE, .queue_id = 12, .scheduled_at = 1795334400 };
	struct cmsg_record rec;
	char why[128], *text;
	json_t *o;

	conf_defaults(&cfg);
	snprintf(cfg.station.id, sizeof(cfg.station.id), "tan-thanh");
	snprintf(cfg.station.region, sizeof(cfg.station.region), "hon-quan");
	snprintf(it.play_id, sizeof(it.play_id), "9f0c3e");
	memset(it.sha256, 'a', 64);
	o = report_event(&cfg, &it, "interrupted", 1795334652, 252.4, "cắt ngang");
	json_object_set_new(o, "seq", json_integer(4711));
	json_object_set_new(o, "tags", json_pack("[s, s]", "giam-ngheo", "du-an-6"));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	T_EQ_INT(cmsg_record_parse(text, strlen(text), &rec, why, sizeof(why)), 0);
	T_EQ_INT(rec.note, 0);
	T_EQ_STR(rec.ref, "9f0c3e");
	T_EQ_STR(rec.event, "interrupted");
	T_EQ_INT(rec.seq, 4711);
	T_EQ_INT(rec.at, 1795334652);
	T_EQ_INT(rec.scheduled_at, 1795334400);
	T_EQ_STR(rec.title, "Chính sách hỗ trợ hộ nghèo");
	T_EQ_STR(rec.source, "queue");
	T_EQ_STR(rec.cls, "normal");
	T_EQ_INT(rec.queue_id, 12);
	T_EQ_INT(rec.has_seconds, 1);
	T_ASSERT(rec.seconds > 252.39 && rec.seconds < 252.41);
	T_EQ_STR(rec.error, "cắt ngang");
	T_EQ_STR(rec.tags, "[\"giam-ngheo\",\"du-an-6\"]");
	T_EQ_STR(rec.station, "tan-thanh");
	cmsg_record_clear(&rec);
	free(text);
}

static int
parse(const char *text, struct cmsg_record *rec, char *why, size_t len)
{
	return cmsg_record_parse(text, strlen(text), rec, why, len);
}

/*
 * A relay's end as the station makes it: its stream, without credentials,
 * is what the report counts it by; a stream that is not text, one beside a
 * bulletin's sha256, and one in a note are not.
 */
static void
test_relay_record(void)
{
	struct config cfg;
	struct play_item it = { .title = (char *)"Tiếp sóng Đài tỉnh",
	    .relay = (char *)"http://nghe:mat-khau@radio.tinh.example:8000/kenh1",
	    .source = PLAY_SCHEDULE };
	struct cmsg_record rec;
	char why[128], *text;
	json_t *o;

	conf_defaults(&cfg);
	snprintf(it.play_id, sizeof(it.play_id), "r1");
	o = report_event(&cfg, &it, "finished", 1795334652, 1764.2, NULL);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	T_EQ_INT(cmsg_record_parse(text, strlen(text), &rec, why, sizeof(why)), 0);
	T_EQ_STR(rec.relay, "http://radio.tinh.example:8000/kenh1");
	T_ASSERT(rec.sha256 == NULL);
	cmsg_record_clear(&rec);
	free(text);
	T_EQ_INT(parse("{\"event\":\"finished\",\"play_id\":\"p\",\"relay\":5}", &rec, why,
	    sizeof(why)), 0);
	T_ASSERT(rec.relay == NULL);
	cmsg_record_clear(&rec);
	T_EQ_INT(parse("{\"event\":\"finished\",\"play_id\":\"p\",\"sha256\":\"aa\","
	    "\"relay\":\"http://a/b\"}", &rec, why, sizeof(why)), 0);
	T_ASSERT(rec.relay == NULL);
	cmsg_record_clear(&rec);
	T_EQ_INT(parse("{\"event\":\"muted\",\"id\":\"n\",\"relay\":\"http://a/b\"}", &rec, why,
	    sizeof(why)), 0);
	T_ASSERT(rec.relay == NULL);
	cmsg_record_clear(&rec);
}

static void
test_notes_and_what_is_not_a_record(void)
{
	struct cmsg_record rec;
	char why[128];

	T_EQ_INT(parse("{\"event\":\"muted\",\"id\":\"abc\",\"by\":\"thu\",\"seq\":3}", &rec, why,
	    sizeof(why)), 0);
	T_EQ_INT(rec.note, 1);
	T_EQ_STR(rec.ref, "abc");
	T_EQ_INT(rec.seq, 3);
	T_ASSERT(rec.tags == NULL && rec.title == NULL && rec.at == 0);
	cmsg_record_clear(&rec);
	/* A record from a station older than "seq" is a record all the same. */
	T_EQ_INT(parse("{\"event\":\"started\",\"play_id\":\"p\"}", &rec, why, sizeof(why)), 0);
	T_EQ_INT(rec.seq, 0);
	cmsg_record_clear(&rec);
	T_EQ_INT(parse("{\"event\":\"outbox_overflow\",\"dropped_records\":3}", &rec, why,
	    sizeof(why)), 1);
	cmsg_record_clear(&rec);
	T_EQ_INT(parse("{\"play_id\":\"p\"}", &rec, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, "no \"event\"");
	T_EQ_INT(parse("{\"event\":\"started\"}", &rec, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, "neither");
	T_EQ_INT(parse("{\"event\":\"started\",\"play_id\":\"p\",\"seq\":0}", &rec, why,
	    sizeof(why)), -EINVAL);
	T_EQ_INT(parse("{\"event\":\"started\",\"play_id\":\"p\",\"seq\":\"7\"}", &rec, why,
	    sizeof(why)), -EINVAL);
	T_EQ_INT(parse("[1,2]", &rec, why, sizeof(why)), -EINVAL);
	T_EQ_INT(parse("{\"event\":", &rec, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, "not JSON");
	T_EQ_INT(parse("{\"event\":\"started\",\"play_id\":\"\xff\"}", &rec, why, sizeof(why)),
	    -EINVAL);
}

static void
test_status(void)
{
	struct cmsg_status st;
	char why[128];
	const char *on = "{\"online\":true,\"station\":\"tan-thanh\",\"name\":\"Đài Tân Thành\","
	    "\"at\":\"2026-11-22T06:00:01+07:00\"}";
	const char *off = "{\"online\":false,\"station\":\"tan-thanh\",\"at\":\"2026-11-22T05:00:00+07:00\"}";
	const char *will = "{\"online\":false,\"reason\":\"lost\",\"at\":\"2026-11-22T05:00:00+07:00\"}";
	const char *bye = "{\"online\":false,\"reason\":\"stopped\",\"at\":\"2026-11-22T05:00:00+07:00\"}";

	T_EQ_INT(cmsg_status_parse(on, strlen(on), &st, why, sizeof(why)), 0);
	T_EQ_INT(st.online, 1);
	T_EQ_INT(st.at, 1795302001);
	T_EQ_STR(st.name, "Đài Tân Thành");
	cmsg_status_clear(&st);
	T_EQ_INT(cmsg_status_parse(off, strlen(off), &st, why, sizeof(why)), 0);
	T_EQ_INT(st.online, 0);
	T_ASSERT(st.name == NULL);
	T_EQ_INT(st.stopped, -1);	/* an older station's: not said */
	cmsg_status_clear(&st);
	T_EQ_INT(cmsg_status_parse(will, strlen(will), &st, why, sizeof(why)), 0);
	T_EQ_INT(st.stopped, 0);
	cmsg_status_clear(&st);
	T_EQ_INT(cmsg_status_parse(bye, strlen(bye), &st, why, sizeof(why)), 0);
	T_EQ_INT(st.stopped, 1);
	cmsg_status_clear(&st);
	T_EQ_INT(cmsg_status_parse("", 0, &st, why, sizeof(why)), -ENOENT);
	T_EQ_INT(cmsg_status_parse("{\"at\":1}", 8, &st, why, sizeof(why)), -EINVAL);
}

/*
 * A Last Will was written when the station connected, so its own time is
 * older than what was heard since: the last sign of life is when it went.
 * A clean stop's goodbye is newer than anything before it: its own time.
 */
static void
test_offline_time(void)
{
	int clean = -1;

	/* Stations that do not say which it is (-1): told apart by the times. */
	T_EQ_INT(cmsg_offline_at(1000, 5000, -1, &clean), 5000);
	T_EQ_INT(clean, 0);
	T_EQ_INT(cmsg_offline_at(6000, 5000, -1, &clean), 6000);
	T_EQ_INT(clean, 1);
	T_EQ_INT(cmsg_offline_at(1000, 0, -1, &clean), 1000);	/* never heard before: its will's time */
	T_EQ_INT(clean, 1);
	/* Stations that say it: their word. */
	T_EQ_INT(cmsg_offline_at(1000, 0, 0, &clean), 1000);
	T_EQ_INT(clean, 0);
	T_EQ_INT(cmsg_offline_at(6000, 5000, 1, &clean), 6000);
	T_EQ_INT(clean, 1);
}

int
main(void)
{
	T_RUN(test_topics);
	T_RUN(test_play_record_from_the_station);
	T_RUN(test_relay_record);
	T_RUN(test_notes_and_what_is_not_a_record);
	T_RUN(test_status);
	T_RUN(test_offline_time);
	return T_EXIT();
}
