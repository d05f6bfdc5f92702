/*
 * The Home Assistant discovery payload of a station (see
 * collect_discovery.h). The keys are Home Assistant's full names (not the
 * abbreviations), as its documentation and its schema
 * (homeassistant/components/mqtt/schemas.py: DEVICE_DISCOVERY_SCHEMA) spell
 * them: "device" with "identifiers", "origin" with "name", "components"
 * each with "platform" and "unique_id". tests/test_collect_discovery.c
 * checks the payload against those rules, and every template's fields
 * against a status and an event the station's own code makes.
 *
 * The templates are Jinja, rendered by Home Assistant. A station that
 * vanished leaves a status with only online, station, region, version,
 * reason and at (its Last Will, or its goodbye): every template says None (unknown)
 * for a field that status lacks, rather than an error in Home Assistant's
 * log, and the device is unavailable then anyway.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/conf.h"
#include "daemon/proto/report.h"
#include "daemon/collector/collect_discovery.h"

/* One entity of the device. */
struct cdisc_entity {
	const char	*key;		/* its object id in "components", and the end of its unique_id */
	const char	*platform;
	const char	*name;
	const char	*leaf;		/* NULL: the device's state topic (the status); else this leaf */
	const char	*value;		/* value_template */
	const char	*attrs;		/* json_attributes_template, on the state topic; NULL: none */
	const char	*device_class, *state_class, *unit, *category;
	int		 always;	/* always available: it says whether the station is online */
};

/* The play events that end a play: what "last result" shows. */
#define CDISC_RESULT \
	"value_json.play_id is defined and value_json.event in " \
	"['finished', 'failed', 'missed', 'interrupted', 'cancelled', 'silent']"
/* A sub-object of the status as attributes, {} when the status has none. */
#define CDISC_ATTRS(k) \
	"{{ (value_json." k " if value_json." k " is defined and value_json." k " else {}) | tojson }}"

static const struct cdisc_entity cdisc_entities[] = {
	{ .key = "online", .platform = "binary_sensor", .name = "Online",
	  .value = "{{ 'ON' if value_json.online else 'OFF' }}",
	  .device_class = "connectivity", .always = 1 },
	{ .key = "state", .platform = "sensor", .name = "State",
	  .value = "{{ value_json.state if value_json.state is defined else None }}" },
	{ .key = "now_playing", .platform = "sensor", .name = "Now playing",
	  .value = "{{ None if value_json.playing is not defined else "
	      "(value_json.playing.title if value_json.playing else '') }}",
	  .attrs = CDISC_ATTRS("playing") },
	{ .key = "queue_length", .platform = "sensor", .name = "Queue length",
	  .value = "{{ value_json.queue_length if value_json.queue_length is defined else None }}",
	  .state_class = "measurement" },
	/*
	 * The status has no last result: the station's events say it, one play
	 * at a time, and not retained. What is not a play's end keeps the state
	 * it had ("this", the entity's own state). Home Assistant shows unknown
	 * after it restarts, until the station's next play ends.
	 */
	{ .key = "last_result", .platform = "sensor", .name = "Last result", .leaf = "events",
	  .value = "{% if " CDISC_RESULT " %}{{ value_json.event }}"
	      "{% elif this.state not in ['unknown', 'unavailable'] %}{{ this.state }}"
	      "{% else %}{{ None }}{% endif %}",
	  .attrs = "{% if " CDISC_RESULT " %}{{ value_json | tojson }}"
	      "{% else %}{{ this.attributes | tojson }}{% endif %}" },
	{ .key = "audio_problem", .platform = "binary_sensor", .name = "Audio device problem",
	  .value = "{{ None if value_json.audio is not defined else "
	      "('ON' if value_json.audio.state == 'failed' else 'OFF') }}",
	  .attrs = CDISC_ATTRS("audio"), .device_class = "problem", .category = "diagnostic" },
	{ .key = "clock_trusted", .platform = "binary_sensor", .name = "Clock trusted",
	  .value = "{{ None if value_json.clock is not defined else "
	      "('ON' if value_json.clock.trusted else 'OFF') }}",
	  .attrs = CDISC_ATTRS("clock"), .category = "diagnostic" },
	{ .key = "muted", .platform = "binary_sensor", .name = "Muted",
	  .value = "{{ None if value_json.muted is not defined else "
	      "('ON' if value_json.muted else 'OFF') }}",
	  .attrs = CDISC_ATTRS("muted") },
	{ .key = "schedule_version", .platform = "sensor", .name = "District schedule version",
	  .value = "{{ value_json.district.version if value_json.district is defined and "
	      "value_json.district.version is defined else None }}",
	  .attrs = CDISC_ATTRS("district"), .category = "diagnostic" },
	{ .key = "xruns", .platform = "sensor", .name = "Underruns",
	  .value = "{{ value_json.xruns if value_json.xruns is defined else None }}",
	  .state_class = "total_increasing", .category = "diagnostic" },
	{ .key = "uptime", .platform = "sensor", .name = "Uptime",
	  .value = "{{ value_json.uptime if value_json.uptime is defined else None }}",
	  .device_class = "duration", .unit = "s", .category = "diagnostic" },
	{ .key = "cert_days_left", .platform = "sensor", .name = "Certificate days left",
	  .value = "{{ value_json.tls.cert_days_left if value_json.tls is defined and "
	      "value_json.tls.cert_days_left is defined else None }}",
	  .device_class = "duration", .state_class = "measurement", .unit = "d",
	  .category = "diagnostic" },
	{ .key = "software_version", .platform = "sensor", .name = "Software version",
	  .value = "{{ value_json.version if value_json.version is defined else None }}",
	  .category = "diagnostic" },
};

int
cdisc_topic(const char *region, const char *station, char *buf, size_t len)
{
	int n;

	if (!conf_id_valid(region) || !conf_id_valid(station))
		return -EINVAL;
	n = snprintf(buf, len, CDISC_PREFIX "/device/%s/%s/config", region, station);
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

int
cdisc_filter(const char *region, char *buf, size_t len)
{
	int n;

	if (!conf_id_valid(region))
		return -EINVAL;
	n = snprintf(buf, len, CDISC_PREFIX "/device/%s/+/config", region);
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

int
cdisc_topic_station(const char *topic, const char *region, char *station, size_t len)
{
	char head[CDISC_TOPIC_MAX];
	const char *p, *end;
	int n;

	n = snprintf(head, sizeof(head), CDISC_PREFIX "/device/%s/", region);
	if (n < 0 || (size_t)n >= sizeof(head) || strncmp(topic, head, (size_t)n) != 0)
		return -EINVAL;
	p = topic + n;
	if ((end = strchr(p, '/')) == NULL || strcmp(end, "/config") != 0 ||
	    (size_t)(end - p) >= len)
		return -EINVAL;
	memcpy(station, p, (size_t)(end - p));
	station[end - p] = '\0';
	return conf_id_valid(station) ? 0 : -EINVAL;
}

/* Sets key to the string s when s is not NULL; -1 when memory is short. */
static int
cdisc_set(json_t *o, const char *key, const char *s)
{
	return s == NULL ? 0 : json_object_set_new(o, key, json_string(s));
}

static json_t *
cdisc_component(const struct cdisc_entity *e, const char *ident, const char *topic_base)
{
	json_t *c = json_object();
	char uid[240], topic[200];
	int bad = 0;

	if (c == NULL)
		return NULL;
	snprintf(uid, sizeof(uid), "%s_%s", ident, e->key);
	bad |= cdisc_set(c, "platform", e->platform);
	bad |= cdisc_set(c, "unique_id", uid);
	bad |= cdisc_set(c, "name", e->name);
	bad |= cdisc_set(c, "value_template", e->value);
	if (e->leaf != NULL) {
		snprintf(topic, sizeof(topic), "%s/%s", topic_base, e->leaf);
		bad |= cdisc_set(c, "state_topic", topic);
	}
	if (e->attrs != NULL) {
		snprintf(topic, sizeof(topic), "%s/%s", topic_base, e->leaf ? e->leaf : "status");
		bad |= cdisc_set(c, "json_attributes_topic", topic);
		bad |= cdisc_set(c, "json_attributes_template", e->attrs);
	}
	bad |= cdisc_set(c, "device_class", e->device_class);
	bad |= cdisc_set(c, "state_class", e->state_class);
	bad |= cdisc_set(c, "unit_of_measurement", e->unit);
	bad |= cdisc_set(c, "entity_category", e->category);
	/* An empty list: no availability topic, so Home Assistant keeps it available. */
	if (e->always)
		bad |= json_object_set_new(c, "availability", json_array());
	if (bad) {
		json_decref(c);
		return NULL;
	}
	return c;
}

/* The device and where Home Assistant learns whether it is there. */
static int
cdisc_device(json_t *o, const char *region, const char *station, const char *name,
    const char *ident, const char *topic_base)
{
	char status[200];

	snprintf(status, sizeof(status), "%s/status", topic_base);
	if (json_object_set_new(o, "device", json_pack("{s:[s], s:s, s:s, s:s, s:s}",
	    "identifiers", ident, "name", name != NULL ? name : station,
	    "manufacturer", "loaxa", "model", "commune loudspeaker station",
	    "suggested_area", region)) < 0)
		return -1;
	if (json_object_set_new(o, "origin", json_pack("{s:s, s:s}", "name", "loaxa-collectd",
	    "sw_version", LOAXA_VERSION)) < 0)
		return -1;
	/* The retained status says online true; the Last Will and the goodbye say false. */
	if (json_object_set_new(o, "availability", json_pack("[{s:s, s:s, s:s, s:s}]",
	    "topic", status,
	    "value_template", "{{ 'online' if value_json.online else 'offline' }}",
	    "payload_available", "online", "payload_not_available", "offline")) < 0)
		return -1;
	if (json_object_set_new(o, "state_topic", json_string(status)) < 0 ||
	    json_object_set_new(o, "qos", json_integer(1)) < 0)
		return -1;
	return 0;
}

char *
cdisc_payload(const char *region, const char *station, const char *name)
{
	json_t *o = NULL, *comps, *c;
	char ident[140], topic_base[140], *text = NULL;
	size_t i;

	if (!conf_id_valid(region) || !conf_id_valid(station) ||
	    (name != NULL && !conf_text_clean(name)))
		return NULL;
	snprintf(ident, sizeof(ident), "loaxa_%s_%s", region, station);
	snprintf(topic_base, sizeof(topic_base), "loaxa/%s/%s", region, station);
	if ((o = json_object()) == NULL ||
	    cdisc_device(o, region, station, name, ident, topic_base) < 0 ||
	    (comps = json_object()) == NULL || json_object_set_new(o, "components", comps) < 0)
		goto done;
	for (i = 0; i < sizeof(cdisc_entities) / sizeof(cdisc_entities[0]); i++) {
		c = cdisc_component(&cdisc_entities[i], ident, topic_base);
		if (c == NULL || json_object_set_new(comps, cdisc_entities[i].key, c) < 0)
			goto done;
	}
	text = json_dumps(o, JSON_COMPACT);
done:
	json_decref(o);
	return text;
}
