/*
 * Tests of the Home Assistant discovery payload the collector publishes
 * (daemon/collector/collect_discovery.c), for a station with a Vietnamese
 * name, against Home Assistant's documented rules, written down here from
 * its documentation (integrations/mqtt, "Discovery messages": topic,
 * payload, device-based discovery) and from the schema it validates a
 * device discovery with (homeassistant/components/mqtt/schemas.py,
 * DEVICE_DISCOVERY_SCHEMA; discovery.py, TOPIC_MATCHER):
 *
 *  T1 The topic is <prefix>/<component>/[<node_id>/]<object_id>/config; for
 *     a device, <component> is "device"; node_id and object_id consist only
 *     of [a-zA-Z0-9_-].
 *  P1 The payload is a serialized JSON dictionary.
 *  P2 "device" (abbreviated "dev") is required, with at least one value in
 *     "identifiers" (or "connections"); its strings are strings.
 *  P3 "origin" ("o") is required, with a "name" (string).
 *  P4 "components" ("cmps") is required, a dictionary of component
 *     configurations; each has a "platform" ("p") that MQTT discovery
 *     supports, and an entity platform with more than its platform needs a
 *     "unique_id" (check_unique_id). Unique ids are unique in Home
 *     Assistant: no two entities share one.
 *  P5 Availability is "availability_topic" or an "availability" list, not
 *     both (vol.Exclusive); each item of the list has a "topic"; its
 *     payload_available / payload_not_available are strings ("online" /
 *     "offline" by default) that the value_template's result is compared to.
 *  P6 Options shared at device level (availability, state_topic, qos, ...)
 *     are inherited by each component unless it sets its own.
 *  P7 Topics one subscribes to are valid subscribe topics; ours name one
 *     topic each, without wildcards.
 *  P8 entity_category is "config" or "diagnostic" (a sensor cannot be
 *     "config"); a sensor's state_class is measurement, total or
 *     total_increasing; a duration sensor's unit is d, h, min, s or ms; the
 *     device classes used exist for their platform (binary_sensor:
 *     connectivity, problem; sensor: duration).
 *  P9 The name of a device or entity is any string: UTF-8 with diacritics
 *     is taken as it is.
 *
 * Then what Home Assistant cannot check: every field a template reads
 * exists in a real status of the station (report_status(), as the station
 * publishes it) or, for the events topic, in a real play event
 * (report_event()).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/conf.h"
#include "daemon/collector/collect_discovery.h"
#include "daemon/proto/report.h"
#include "tests/t.h"

#define NAME	"Đài truyền thanh xã Tân Thành"

static int
ha_id(const char *s, size_t n)		/* T1: [a-zA-Z0-9_-]+ */
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isascii((unsigned char)s[i]) || !(isalnum((unsigned char)s[i]) ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return n > 0;
}

static void
test_topic(void)
{
	char buf[CDISC_TOPIC_MAX], s[64];
	const char *node, *obj, *end;

	T_EQ_INT(cdisc_topic("hon-quan", "tan-thanh", buf, sizeof(buf)), 0);
	T_EQ_STR(buf, "homeassistant/device/hon-quan/tan-thanh/config");
	/* T1, read back as Home Assistant reads it. */
	T_ASSERT(strncmp(buf, CDISC_PREFIX "/device/", strlen(CDISC_PREFIX "/device/")) == 0);
	node = buf + strlen(CDISC_PREFIX "/device/");
	obj = strchr(node, '/');
	T_ASSERT(obj != NULL);
	if (obj == NULL)
		return;
	obj++;
	end = strchr(obj, '/');
	T_ASSERT(end != NULL && strcmp(end, "/config") == 0);
	T_ASSERT(ha_id(node, (size_t)(obj - 1 - node)));
	T_ASSERT(end != NULL && ha_id(obj, (size_t)(end - obj)));
	/* Read back as the collector reads its own, and the region's filter. */
	T_EQ_INT(cdisc_topic_station(buf, "hon-quan", s, sizeof(s)), 0);
	T_EQ_STR(s, "tan-thanh");
	T_EQ_INT(cdisc_topic_station(buf, "other", s, sizeof(s)), -EINVAL);
	T_EQ_INT(cdisc_topic_station("homeassistant/device/hon-quan/Tân/config", "hon-quan", s,
	    sizeof(s)), -EINVAL);
	T_EQ_INT(cdisc_topic_station("homeassistant/device/hon-quan/x/y/config", "hon-quan", s,
	    sizeof(s)), -EINVAL);
	T_EQ_INT(cdisc_topic_station("homeassistant/device/hon-quan/x/state", "hon-quan", s,
	    sizeof(s)), -EINVAL);
	T_EQ_INT(cdisc_filter("hon-quan", buf, sizeof(buf)), 0);
	T_EQ_STR(buf, "homeassistant/device/hon-quan/+/config");
	/* Whatever is not an id is refused, not published somewhere odd. */
	T_EQ_INT(cdisc_topic("hon-quan", "Tân", buf, sizeof(buf)), -EINVAL);
	T_EQ_INT(cdisc_topic("hon-quan", "a/b", buf, sizeof(buf)), -EINVAL);
	T_EQ_INT(cdisc_topic("hon-quan", "tan-thanh", buf, 20), -EINVAL);
}

static json_t *
payload(const char *name)
{
	char *text = cdisc_payload("hon-quan", "tan-thanh", name);
	json_error_t err;
	json_t *o;

	T_ASSERT(text != NULL);
	if (text == NULL)
		return NULL;
	o = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	T_ASSERT(o != NULL);		/* P1 */
	/* The broker's limit is 256 KiB; a station's discovery is a few. */
	T_ASSERT(strlen(text) < 16384);
	free(text);
	return o;
}

static int
is_in(const char *s, const char *const *set)
{
	for (; s != NULL && *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* P7: a topic without wildcards, that is the station's own. */
static int
station_topic(const char *t)
{
	return t != NULL && strpbrk(t, "+#") == NULL &&
	    (strcmp(t, "loaxa/hon-quan/tan-thanh/status") == 0 ||
	    strcmp(t, "loaxa/hon-quan/tan-thanh/events") == 0);
}

static void
check_component(const char *key, json_t *c, json_t *uids)
{
	static const char *const platforms[] = { "alarm_control_panel", "binary_sensor",
	    "button", "camera", "climate", "cover", "device_automation", "device_tracker",
	    "event", "fan", "humidifier", "image", "lawn_mower", "light", "lock", "notify",
	    "number", "scene", "select", "sensor", "siren", "switch", "tag", "text", "update",
	    "vacuum", "valve", "water_heater", NULL };
	static const char *const categories[] = { "diagnostic", NULL };
	static const char *const state_classes[] = { "measurement", "total", "total_increasing",
	    NULL };
	static const char *const binary_classes[] = { "connectivity", "problem", NULL };
	static const char *const sensor_classes[] = { "duration", NULL };
	static const char *const duration_units[] = { "d", "h", "min", "s", "ms", NULL };
	const char *platform = str(c, "platform"), *uid = str(c, "unique_id");
	const char *dc = str(c, "device_class");

	T_ASSERT(json_is_object(c));
	T_ASSERT(is_in(platform, platforms));				/* P4 */
	T_ASSERT(uid != NULL && uid[0] != '\0');			/* P4 */
	T_ASSERT(uid != NULL && json_object_get(uids, uid) == NULL);	/* P4: unique */
	if (uid != NULL)
		json_object_set_new(uids, uid, json_true());
	T_ASSERT(ha_id(key, strlen(key)));
	T_ASSERT(str(c, "name") != NULL);
	T_ASSERT(str(c, "value_template") != NULL);
	if (json_object_get(c, "state_topic") != NULL)
		T_ASSERT(station_topic(str(c, "state_topic")));		/* P7 */
	if (json_object_get(c, "json_attributes_topic") != NULL) {
		T_ASSERT(station_topic(str(c, "json_attributes_topic")));
		T_ASSERT(str(c, "json_attributes_template") != NULL);
	}
	if (json_object_get(c, "entity_category") != NULL)		/* P8 */
		T_ASSERT(is_in(str(c, "entity_category"), categories));
	if (json_object_get(c, "state_class") != NULL)
		T_ASSERT(strcmp(platform, "sensor") == 0 &&
		    is_in(str(c, "state_class"), state_classes));
	if (dc != NULL)
		T_ASSERT(is_in(dc, strcmp(platform, "sensor") == 0 ? sensor_classes :
		    binary_classes));
	if (dc != NULL && strcmp(dc, "duration") == 0)
		T_ASSERT(is_in(str(c, "unit_of_measurement"), duration_units));
	/* P5 at component level: a list when it is set (the online sensor's: none). */
	T_ASSERT(json_object_get(c, "availability_topic") == NULL);
	if (json_object_get(c, "availability") != NULL)
		T_ASSERT(json_is_array(json_object_get(c, "availability")));
}

static void
test_payload_follows_the_documented_rules(void)
{
	json_t *o = payload(NAME), *dev, *orig, *comps, *avail, *item, *uids = json_object();
	const char *key;
	json_t *c;

	if (o == NULL)
		return;
	dev = json_object_get(o, "device");				/* P2 */
	T_ASSERT(json_is_object(dev));
	T_ASSERT(json_array_size(json_object_get(dev, "identifiers")) >= 1);
	T_EQ_STR(json_string_value(json_array_get(json_object_get(dev, "identifiers"), 0)),
	    "loaxa_hon-quan_tan-thanh");
	T_EQ_STR(str(dev, "name"), NAME);				/* P9 */
	T_EQ_STR(str(dev, "suggested_area"), "hon-quan");
	orig = json_object_get(o, "origin");				/* P3 */
	T_ASSERT(json_is_object(orig) && str(orig, "name") != NULL);
	comps = json_object_get(o, "components");			/* P4 */
	T_ASSERT(json_is_object(comps) && json_object_size(comps) >= 12);
	json_object_foreach(comps, key, c)
		check_component(key, c, uids);
	/* P5 */
	T_ASSERT(json_object_get(o, "availability_topic") == NULL);
	avail = json_object_get(o, "availability");
	T_EQ_INT(json_array_size(avail), 1);
	item = json_array_get(avail, 0);
	T_EQ_STR(str(item, "topic"), "loaxa/hon-quan/tan-thanh/status");
	T_EQ_STR(str(item, "payload_available"), "online");
	T_EQ_STR(str(item, "payload_not_available"), "offline");
	T_CONTAINS(str(item, "value_template"), "'online' if value_json.online else 'offline'");
	/* P6, P7: the components read the status unless they say otherwise. */
	T_EQ_STR(str(o, "state_topic"), "loaxa/hon-quan/tan-thanh/status");
	T_EQ_INT(json_integer_value(json_object_get(o, "qos")), 1);
	/* The entities issue 12 asks for, each once. */
	T_EQ_STR(str(json_object_get(comps, "online"), "device_class"), "connectivity");
	T_EQ_STR(str(json_object_get(comps, "audio_problem"), "device_class"), "problem");
	T_EQ_STR(str(json_object_get(comps, "last_result"), "state_topic"),
	    "loaxa/hon-quan/tan-thanh/events");
	T_ASSERT(json_object_get(comps, "state") && json_object_get(comps, "now_playing") && json_object_get(comps, "queue_length") &&
	    json_object_get(comps, "clock_trusted") && json_object_get(comps, "schedule_version") &&
	    json_object_get(comps, "xruns") && json_object_get(comps, "uptime") &&
	    json_object_get(comps, "cert_days_left") && json_object_get(comps, "software_version"));
	T_EQ_STR(str(json_object_get(comps, "online"), "unique_id"),
	    "loaxa_hon-quan_tan-thanh_online");
	/* The online sensor stays available to say the station is offline. */
	T_EQ_INT(json_array_size(json_object_get(json_object_get(comps, "online"), "availability")), 0);
	T_ASSERT(json_object_get(json_object_get(comps, "online"), "availability") != NULL);
	json_decref(uids);
	json_decref(o);
}

static void
test_name_unknown_or_bad(void)
{
	json_t *o = payload(NULL);	/* a station heard of only by its Last Will */
	char *text;

	if (o != NULL)
		T_EQ_STR(str(json_object_get(o, "device"), "name"), "tan-thanh");
	json_decref(o);
	T_ASSERT((text = cdisc_payload("hon-quan", "tan-thanh", "x\xff")) == NULL);
	free(text);
	T_ASSERT((text = cdisc_payload("hon-quan", "tan-thanh", "a\nb")) == NULL);
	free(text);
	T_ASSERT((text = cdisc_payload("hon-quan", "Tân", NAME)) == NULL);
	free(text);
}

/* A status as the station publishes it, playing, with every part it may have. */
static json_t *
real_status(void)
{
	static struct config cfg;
	struct play_item it = { .title = (char *)"Chính sách hỗ trợ hộ nghèo",
	    .slot = (char *)"Bản tin sáng", .file = (char *)"giam-ngheo-so-1.opus" };
	struct status_snapshot s = { .cfg = &cfg, .online = 1, .playing = &it, .since = 1795334400,
	    .queue_length = 2, .uptime = 86400, .xruns = 1, .audio_state = "ok",
	    .mqtt_connected = 1, .mqtt_state = "connected", .now = 1795334401, .muted = 1,
	    .muted_by = "thu (uid 1000)", .muted_since = 1795334000, .clock_trusted = 0,
	    .clock_why = "the clock is not set" };

	conf_defaults(&cfg);
	snprintf(cfg.station.id, sizeof(cfg.station.id), "tan-thanh");
	snprintf(cfg.station.region, sizeof(cfg.station.region), "hon-quan");
	snprintf(cfg.station.name, sizeof(cfg.station.name), "%s", NAME);
	snprintf(it.play_id, sizeof(it.play_id), "9f0c3e");
	s.tls = json_pack("{s:i, s:s}", "cert_days_left", 362, "expires", "2027-11-30T08:00:00+07:00");
	s.district = json_pack("{s:b, s:I, s:b}", "configured", 1, "version", (json_int_t)1795334400,
	    "complete", 1);
	return report_status(&s);
}

/* The Last Will, and the goodbye of a clean stop: what the availability template reads. */
static void
test_will_says_offline(void)
{
	struct config cfg;
	json_t *will;
	int stopped;

	conf_defaults(&cfg);
	snprintf(cfg.station.id, sizeof(cfg.station.id), "tan-thanh");
	snprintf(cfg.station.region, sizeof(cfg.station.region), "hon-quan");
	for (stopped = 0; stopped <= 1; stopped++) {
		will = report_offline(&cfg, 1795334652, stopped);
		T_ASSERT(json_is_false(json_object_get(will, "online")));
		T_ASSERT(json_object_get(will, "name") == NULL);	/* so a station heard of by it has its id for a name */
		json_decref(will);
	}
}

static json_t *
real_event(void)
{
	static struct config cfg;
	struct play_item it = { .title = (char *)"Thông báo", .file = (char *)"thông báo.opus" };

	conf_defaults(&cfg);
	snprintf(cfg.station.id, sizeof(cfg.station.id), "tan-thanh");
	snprintf(cfg.station.region, sizeof(cfg.station.region), "hon-quan");
	snprintf(it.play_id, sizeof(it.play_id), "9f0c3e");
	return report_event(&cfg, &it, "failed", 1795334652, 1.5, "the device failed");
}

/* Whether value_json.a.b.c exists in o (a key present, even null at the end). */
static int
path_exists(const json_t *o, const char *path)
{
	char buf[128], *p, *dot;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; p != NULL; p = dot) {
		if ((dot = strchr(p, '.')) != NULL)
			*dot++ = '\0';
		if (!json_is_object(o) || (o = json_object_get(o, p)) == NULL)
			return 0;
	}
	return 1;
}

/*
 * Every value_json.x.y a template reads is in doc (else the case fails,
 * saying so unless what is NULL); the number of such fields.
 */
static int
template_fields_exist(const char *tpl, const json_t *doc, const char *what)
{
	const char *p = tpl;
	char path[128];
	size_t n;
	int count = 0;

	while ((p = strstr(p, "value_json")) != NULL) {
		p += strlen("value_json");
		if (*p != '.')
			continue;	/* value_json itself, whole */
		p++;
		for (n = 0; (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '.') &&
		    n < sizeof(path) - 1; n++)
			path[n] = p[n];
		while (n > 0 && path[n - 1] == '.')
			n--;
		path[n] = '\0';
		count++;
		if (!path_exists(doc, path)) {
			if (what != NULL)
				fprintf(stderr, "  the template of %s reads value_json.%s, which a "
				    "real message lacks\n", what, path);
			t_case_failed = 1;
		}
	}
	return count;
}

static void
test_templates_read_what_the_station_sends(void)
{
	json_t *o = payload(NAME), *status = real_status(), *event = real_event(), *c, *item;
	const char *key, *t;
	int fields = 0;

	T_ASSERT(status != NULL && event != NULL);
	if (o == NULL || status == NULL || event == NULL)
		goto done;
	json_object_foreach(json_object_get(o, "components"), key, c) {
		t = str(c, "state_topic");
		fields += template_fields_exist(str(c, "value_template"),
		    t != NULL && strstr(t, "/events") ? event : status, key);
		t = str(c, "json_attributes_topic");
		if (t != NULL)
			fields += template_fields_exist(str(c, "json_attributes_template"),
			    strstr(t, "/events") ? event : status, key);
	}
	item = json_array_get(json_object_get(o, "availability"), 0);
	fields += template_fields_exist(str(item, "value_template"), status, "availability");
	T_ASSERT(fields >= 20);
	/* And a template that reads a field no status has is caught. */
	T_EQ_INT(template_fields_exist("{{ value_json.last_result }}", status, NULL), 1);
	T_ASSERT(t_case_failed);
	t_case_failed = 0;
done:
	json_decref(status);
	json_decref(event);
	json_decref(o);
}

int
main(void)
{
	T_RUN(test_topic);
	T_RUN(test_payload_follows_the_documented_rules);
	T_RUN(test_name_unknown_or_bad);
	T_RUN(test_will_says_offline);
	T_RUN(test_templates_read_what_the_station_sends);
	return T_EXIT();
}
