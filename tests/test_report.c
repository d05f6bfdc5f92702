/*
 * Tests of the station's reports (daemon/proto/report.c): the proof-of-play
 * events and the status as the district reads them. Each report is dumped to
 * text and parsed back with jansson, as a subscriber would, and its shape
 * checked key by key: which keys are there, their types, null where a time
 * or a value is missing, and Vietnamese text byte for byte.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "config/conf.h"
#include "daemon/proto/play.h"
#include "daemon/proto/report.h"
#include "daemon/proto/tags_json.h"
#include "tests/t.h"

#define T_AT	1795334405		/* 2026-11-22T15:00:05+07:00 */
#define T_ISO	"2026-11-22T15:00:05+07:00"
#define TITLE	"Bản tin sáng: chính sách hỗ trợ hộ nghèo – “đợt 2”"

static struct config g_cfg;

/* The report as a subscriber sees it: dumped and parsed again. */
static json_t *
wire(json_t *o)
{
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_t *back = text != NULL ? json_loads(text, 0, NULL) : NULL;

	T_ASSERT(back != NULL);
	free(text);
	json_decref(o);
	return back;
}

/* The object's keys, sorted, comma-separated, into buf. */
static const char *
keys_of(const json_t *o, char *buf, size_t len)
{
	const char *sorted[64], *k, *tmp;
	json_t *v;
	size_t n = 0, i, j, used = 0;

	buf[0] = '\0';
	json_object_foreach((json_t *)o, k, v) {
		if (n < 64)
			sorted[n++] = k;
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
			tmp = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = tmp;
		}
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", sorted[i]);
	return buf;
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int
is_null(const json_t *o, const char *key)
{
	return json_is_null(json_object_get(o, key));
}

static struct play_item
item(enum play_source src)
{
	struct play_item it;

	memset(&it, 0, sizeof(it));
	it.path = (char *)"/var/lib/loaxa/bulletins/x.opus";
	it.file = (char *)"bản tin số 1.opus";
	it.title = (char *)TITLE;
	it.source = src;
	it.cls = SCHED_NORMAL;
	snprintf(it.play_id, sizeof(it.play_id), "0123456789abcdef0123456789abcdef");
	return it;
}

static void
test_time(void)
{
	json_t *t = report_time(T_AT);

	T_EQ_STR(json_string_value(t), T_ISO);
	json_decref(t);
	t = report_time(0);
	T_ASSERT(json_is_null(t));
	json_decref(t);
	t = report_time(-5);
	T_ASSERT(json_is_null(t));
	json_decref(t);
}

static void
test_event_from_the_queue(void)
{
	struct play_item it = item(PLAY_QUEUE);
	char keys[512];
	json_t *e;

	it.queue_id = 42;
	it.cls = SCHED_PRIORITY;
	e = wire(report_event(&g_cfg, &it, "finished", T_AT, 10.05449, NULL));
	T_EQ_STR(keys_of(e, keys, sizeof(keys)), "at,class,event,file,play_id,queue_id,region,"
	    "scheduled_at,seconds,sha256,slot,source,station,title");
	T_EQ_STR(str(e, "event"), "finished");
	T_EQ_STR(str(e, "play_id"), "0123456789abcdef0123456789abcdef");
	T_EQ_STR(str(e, "station"), "tan-thanh");
	T_EQ_STR(str(e, "region"), "hon-quan");
	T_EQ_STR(str(e, "source"), "queue");
	T_EQ_STR(str(e, "class"), "priority");
	T_EQ_STR(str(e, "title"), TITLE);
	T_EQ_STR(str(e, "file"), "bản tin số 1.opus");
	T_EQ_INT(json_integer_value(json_object_get(e, "queue_id")), 42);
	T_EQ_STR(str(e, "at"), T_ISO);
	/* Not known: null, not "" or 0. */
	T_ASSERT(is_null(e, "slot"));
	T_ASSERT(is_null(e, "sha256"));
	T_ASSERT(is_null(e, "scheduled_at"));
	/* Seconds to the millisecond. */
	T_ASSERT(json_is_real(json_object_get(e, "seconds")));
	T_ASSERT(json_real_value(json_object_get(e, "seconds")) == 10.054);
	json_decref(e);
}

static void
test_event_from_the_schedule_with_error(void)
{
	struct play_item it = item(PLAY_SCHEDULE);
	char keys[512];
	json_t *e;

	it.slot = (char *)"Bản tin chiều";
	it.title = NULL;
	it.scheduled_at = T_AT - 60;
	memset(it.sha256, 'a', 64);
	e = wire(report_event(&g_cfg, &it, "failed", T_AT, 0, "cannot play \"x.opus\": it is an MP3"));
	T_EQ_STR(keys_of(e, keys, sizeof(keys)), "at,class,error,event,file,play_id,region,"
	    "scheduled_at,seconds,sha256,slot,source,station,title");
	T_EQ_STR(str(e, "source"), "schedule");
	T_EQ_STR(str(e, "class"), "normal");
	T_EQ_STR(str(e, "slot"), "Bản tin chiều");
	T_ASSERT(is_null(e, "title"));
	T_EQ_STR(str(e, "scheduled_at"), "2026-11-22T14:59:05+07:00");
	T_EQ_INT(strlen(str(e, "sha256") ? str(e, "sha256") : ""), 64);
	T_EQ_STR(str(e, "error"), "cannot play \"x.opus\": it is an MP3");
	T_ASSERT(json_real_value(json_object_get(e, "seconds")) == 0);
	json_decref(e);
}

static void
test_event_of_an_alert(void)
{
	struct play_item it = item(PLAY_ALERT);
	json_t *e;

	it.cls = SCHED_EMERGENCY;
	snprintf(it.alert_id, sizeof(it.alert_id), "bao-so-9");
	it.test = 1;
	e = wire(report_event(&g_cfg, &it, "interrupted", 0, 3.5, "người vận hành dừng"));
	T_EQ_STR(str(e, "source"), "alert");
	T_EQ_STR(str(e, "class"), "emergency");
	T_EQ_STR(str(e, "alert_id"), "bao-so-9");
	T_ASSERT(json_is_true(json_object_get(e, "test")));
	T_ASSERT(json_object_get(e, "queue_id") == NULL);
	T_ASSERT(is_null(e, "at"));
	T_EQ_STR(str(e, "error"), "người vận hành dừng");
	json_decref(e);
	it.test = 0;
	e = wire(report_event(&g_cfg, &it, "started", T_AT, 0, NULL));
	T_ASSERT(json_is_false(json_object_get(e, "test")));
	T_ASSERT(json_object_get(e, "error") == NULL);
	json_decref(e);
}

/* Every event of a tagged bulletin carries "tags": its tags, in order, each once. */
static void
test_event_with_tags(void)
{
	struct play_item it = item(PLAY_SCHEDULE), copy;
	const char *const events[] = { "started", "finished", "failed", "missed", "interrupted",
	    "cancelled", "silent" };
	json_t *e, *tags;
	char *text;
	size_t i;

	T_EQ_INT(tags_add(&it.tags, "giam-ngheo", NULL, 0), 0);
	T_EQ_INT(tags_add(&it.tags, "Nông thôn mới", NULL, 0), 0);
	T_EQ_INT(tags_add(&it.tags, "giam-ngheo", NULL, 0), 0);	/* kept once */
	T_EQ_INT(play_item_copy(&copy, &it), 0);
	tags_clear(&it.tags);
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		e = wire(report_event(&g_cfg, &copy, events[i], T_AT, 1, NULL));
		tags = json_object_get(e, "tags");
		text = json_dumps(tags, JSON_COMPACT);
		T_EQ_STR(text, "[\"giam-ngheo\",\"Nông thôn mới\"]");
		free(text);
		json_decref(e);
	}
	play_item_clear(&copy);
	T_EQ_INT(copy.tags.n, 0);
}

/* What comes in as JSON (the control socket, the store) is checked like the schedule's. */
static void
test_tags_json(void)
{
	static const char *const bad[] = { "\"giam-ngheo\"", "[1]", "[\"a\\u0000b\"]", "[\"\"]",
	    "[\"a \"]", "[\"a\\nb\"]",
	    "[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\","
	    "\"14\",\"15\",\"16\",\"17\"]" };
	struct tags t = { NULL, 0 };
	char why[256], *text;
	size_t i;
	int rc;

	T_EQ_INT(tags_json_loads("[\"du-an-6\",\"du-an-6\",\"giảm nghèo\"]", &t, why, sizeof(why)), 0);
	T_EQ_INT(t.n, 2);
	text = tags_json_dumps(&t, &rc);
	T_EQ_STR(text, "[\"du-an-6\",\"giảm nghèo\"]");
	free(text);
	tags_clear(&t);
	T_ASSERT(tags_json_dumps(&t, &rc) == NULL && rc == 0);
	T_EQ_INT(tags_json_loads(NULL, &t, why, sizeof(why)), 0);
	T_EQ_INT(t.n, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		T_EQ_INT(tags_json_loads(bad[i], &t, why, sizeof(why)), -EINVAL);
		T_ASSERT(why[0] != '\0');
		tags_clear(&t);
	}
	T_EQ_INT(tags_json_loads("[\"a \"]", &t, why, sizeof(why)), -EINVAL);
	T_EQ_STR(why, "tag 1: a tag starts or ends with a space; remove the space");
	tags_clear(&t);
}

static void
test_status_idle(void)
{
	struct status_snapshot s = { .cfg = &g_cfg, .online = 1, .queue_length = 0,
	    .uptime = 3600, .audio_state = "closed", .mqtt_connected = 1, .mqtt_state = "connected",
	    .now = T_AT, .clock_trusted = 1 };
	char keys[512];
	json_t *o, *a;

	o = wire(report_status(&s));
	T_EQ_STR(keys_of(o, keys, sizeof(keys)), "at,audio,clock,mqtt,muted,name,next_slot,online,"
	    "playing,queue_length,region,schedule,state,station,uptime,version,xruns");
	T_ASSERT(json_is_true(json_object_get(o, "online")));
	T_EQ_STR(str(o, "name"), "Đài truyền thanh xã Tân Thành");
	T_EQ_STR(str(o, "version"), LOAXA_VERSION);
	T_EQ_STR(str(o, "state"), "idle");
	T_ASSERT(is_null(o, "playing"));
	T_ASSERT(is_null(o, "next_slot"));
	T_ASSERT(is_null(o, "muted"));
	T_EQ_INT(json_integer_value(json_object_get(o, "uptime")), 3600);
	a = json_object_get(o, "audio");
	T_EQ_STR(keys_of(a, keys, sizeof(keys)), "device,realtime,state");
	T_EQ_STR(str(a, "device"), "default");
	T_EQ_STR(str(a, "state"), "closed");
	T_EQ_STR(keys_of(json_object_get(o, "clock"), keys, sizeof(keys)), "trusted");
	T_ASSERT(is_null(json_object_get(o, "schedule"), "file"));
	T_EQ_INT(json_integer_value(json_object_get(json_object_get(o, "schedule"), "slots")), 0);
	T_EQ_STR(str(o, "at"), T_ISO);
	json_decref(o);
}

static void
test_status_playing_muted_untrusted(void)
{
	struct play_item it = item(PLAY_SCHEDULE);
	struct status_snapshot s = { .cfg = &g_cfg, .online = 1, .playing = &it, .since = T_AT - 5,
	    .next_title = "Bản tin tối", .next_at = T_AT + 3600, .queue_length = 2,
	    .xruns = 3, .audio_state = "failed", .audio_error = "the sound card is gone",
	    .mqtt_state = "waiting to reconnect", .slots = 4, .now = T_AT, .muted = 1,
	    .muted_by = "chủ tịch xã", .muted_since = T_AT - 60, .muted_until = 0,
	    .district = json_pack("{s:s}", "key", "3f2a9c0d41b7e655"),
	    .alerts = json_array(), .clock_trusted = 0, .clock_why = "the clock is before 2026" };
	json_t *o, *p, *m;
	char keys[512];

	it.slot = (char *)"Bản tin sáng";
	snprintf(g_cfg.schedule.file, sizeof(g_cfg.schedule.file), "/etc/loaxa/lịch.cfg");
	o = wire(report_status(&s));
	g_cfg.schedule.file[0] = '\0';
	T_EQ_STR(str(o, "state"), "playing");
	p = json_object_get(o, "playing");
	T_EQ_STR(keys_of(p, keys, sizeof(keys)), "class,file,play_id,since,slot,source,title");
	T_EQ_STR(str(p, "title"), TITLE);
	T_EQ_STR(str(p, "slot"), "Bản tin sáng");
	T_EQ_STR(str(p, "since"), "2026-11-22T15:00:00+07:00");
	T_EQ_STR(str(json_object_get(o, "next_slot"), "title"), "Bản tin tối");
	T_EQ_STR(str(json_object_get(o, "next_slot"), "at"), "2026-11-22T16:00:05+07:00");
	T_EQ_INT(json_integer_value(json_object_get(o, "xruns")), 3);
	T_EQ_STR(str(json_object_get(o, "audio"), "error"), "the sound card is gone");
	T_ASSERT(json_is_false(json_object_get(json_object_get(o, "mqtt"), "connected")));
	T_EQ_STR(str(json_object_get(o, "schedule"), "file"), "/etc/loaxa/lịch.cfg");
	m = json_object_get(o, "muted");
	T_EQ_STR(str(m, "by"), "chủ tịch xã");
	T_EQ_STR(str(m, "since"), "2026-11-22T14:59:05+07:00");
	T_ASSERT(is_null(m, "until"));		/* until unmuted */
	T_EQ_STR(str(json_object_get(o, "district"), "key"), "3f2a9c0d41b7e655");
	T_ASSERT(json_is_array(json_object_get(o, "alerts")));
	T_ASSERT(json_is_false(json_object_get(json_object_get(o, "clock"), "trusted")));
	T_EQ_STR(str(json_object_get(o, "clock"), "reason"), "the clock is before 2026");
	json_decref(o);
}

static void
test_offline_and_topic(void)
{
	char keys[256], topic[64];
	json_t *o = wire(report_offline(&g_cfg, T_AT, 1));

	T_EQ_STR(keys_of(o, keys, sizeof(keys)), "at,online,reason,region,station,version");
	T_ASSERT(json_is_false(json_object_get(o, "online")));
	T_EQ_STR(str(o, "at"), T_ISO);
	T_EQ_STR(str(o, "reason"), "stopped");
	json_decref(o);
	o = wire(report_offline(&g_cfg, 0, 0));
	T_ASSERT(is_null(o, "at"));
	T_EQ_STR(str(o, "reason"), "lost");
	json_decref(o);
	T_EQ_INT(report_topic(&g_cfg, "status", topic, sizeof(topic)), 0);
	T_EQ_STR(topic, "loaxa/hon-quan/tan-thanh/status");
	/* Cut short is refused, not sent to a wrong topic. */
	T_EQ_INT(report_topic(&g_cfg, "status", topic, strlen("loaxa/hon-quan/tan-thanh/stat")), -1);
}

int
main(void)
{
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	conf_defaults(&g_cfg);
	snprintf(g_cfg.station.id, sizeof(g_cfg.station.id), "tan-thanh");
	snprintf(g_cfg.station.region, sizeof(g_cfg.station.region), "hon-quan");
	snprintf(g_cfg.station.name, sizeof(g_cfg.station.name), "Đài truyền thanh xã Tân Thành");
	T_RUN(test_time);
	T_RUN(test_event_from_the_queue);
	T_RUN(test_event_from_the_schedule_with_error);
	T_RUN(test_event_of_an_alert);
	T_RUN(test_event_with_tags);
	T_RUN(test_tags_json);
	T_RUN(test_status_idle);
	T_RUN(test_status_playing_muted_untrusted);
	T_RUN(test_offline_and_topic);
	return T_EXIT();
}
