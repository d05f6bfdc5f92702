/*
 * Tests of the fleet view (daemon/loaxactl/fleet.c, fleet_out.c, fleet_dir.c):
 * statuses made by the station's own report_status() and report_offline(),
 * as the broker would hand them over, judged at a fixed time: the state of
 * each station, its problems, the order (problems first), the district
 * schedule compared with what each station armed, signed and not, the
 * district's list of stations from a directory laid out as loaxa-district
 * lays it out, and the JSON for scripts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "config/conf.h"
#include "config/timeparse.h"
#include "daemon/loaxactl/fleet.h"
#include "daemon/loaxactl/fleet_dir.h"
#include "daemon/loaxactl/fleet_out.h"
#include "daemon/proto/envelope.h"
#include "daemon/proto/report.h"
#include "tests/t.h"

#define NOW_ISO	"2026-11-22T06:00:00+07:00"
#define V1	1795300000LL
#define V2	1795334400LL

static time_t g_now;

/* A station's configuration, as far as its status shows it. */
static void
cfg_for(struct config *c, const char *id)
{
	conf_defaults(c);
	snprintf(c->station.id, sizeof(c->station.id), "%s", id);
	snprintf(c->station.region, sizeof(c->station.region), "hon-quan");
	snprintf(c->station.name, sizeof(c->station.name), "Đài truyền thanh xã %s", id);
}

/* A healthy station's snapshot, made at now - age, up for an hour. */
static struct status_snapshot
snap(const struct config *c, time_t age)
{
	return (struct status_snapshot){ .cfg = c, .online = 1, .queue_length = 0,
	    .uptime = 3600, .audio_state = "closed", .mqtt_connected = 1,
	    .mqtt_state = "connected", .now = g_now - age, .clock_trusted = 1,
	    .tls = json_pack("{s:i, s:s}", "cert_days_left", 3600, "expires",
		"2036-11-19T08:00:00+07:00"),
	    .district = json_pack("{s:b, s:s, s:I, s:b, s:i}", "configured", 1, "key_id",
		"3f2a9c0d41b7e655", "version", (json_int_t)V1, "complete", 1, "missing", 0) };
}

/* The snapshot as the broker hands it over: its JSON text, added to f. */
static void
add(struct fleet *f, const struct status_snapshot *s)
{
	json_t *o = report_status(s);
	char *text = json_dumps(o, JSON_COMPACT);

	T_ASSERT(text != NULL);
	T_EQ_INT(fleet_add_status(f, s->cfg->station.id, text, strlen(text)), 0);
	free(text);
	json_decref(o);
}

/* ID's goodbye (stopped) or Last Will, two hours ago. */
static void
add_offline(struct fleet *f, const char *id, int stopped)
{
	struct config c;
	json_t *o;
	char *text;

	cfg_for(&c, id);
	o = report_offline(&c, g_now - 7200, stopped);
	text = json_dumps(o, JSON_COMPACT);
	T_EQ_INT(fleet_add_status(f, id, text, strlen(text)), 0);
	free(text);
	json_decref(o);
}

static const struct fleet_station *
find(const struct fleet *f, const char *id)
{
	const struct fleet_station *s;
	size_t i;

	for (i = 0; (s = fleet_station(f, i)) != NULL; i++)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/* The text of the station's problem with that code, or NULL. */
static const char *
problem(const struct fleet_station *s, const char *code)
{
	size_t i;

	for (i = 0; s != NULL && i < s->n_problems; i++)
		if (strcmp(s->problems[i].code, code) == 0)
			return s->problems[i].text != NULL ? s->problems[i].text : "";
	return NULL;
}

static void
test_healthy_station(void)
{
	struct fleet *f = fleet_new("hon-quan");
	const struct fleet_station *s;
	struct config c;
	struct status_snapshot sn;

	cfg_for(&c, "tan-thanh");
	sn = snap(&c, 30);
	/* Half its card free, and what a connected station has waiting: healthy. */
	sn.storage = json_pack("{s:I, s:I}", "free_bytes", (json_int_t)8 << 30, "total_bytes",
	    (json_int_t)16 << 30);
	sn.outbox = json_pack("{s:i, s:i}", "pending", 100, "max", 10000);
	add(f, &sn);
	T_EQ_INT(fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT), 0);
	T_EQ_INT(fleet_count(f), 1);
	s = fleet_station(f, 0);
	T_EQ_STR(s->id, "tan-thanh");
	T_EQ_STR(s->name, "Đài truyền thanh xã tan-thanh");
	T_EQ_INT(s->state, FLEET_ONLINE);
	T_EQ_INT(s->n_problems, 0);
	T_EQ_INT(s->healthy, 1);
	T_EQ_INT(s->at, g_now - 30);
	T_EQ_INT(s->since, g_now - 30 - 3600);
	T_EQ_INT(s->enrolled, -1);		/* no list given */
	T_EQ_INT(fleet_all_healthy(f), 1);
	fleet_free(f);
}

/* Every fault a status can show, each in words with its facts. */
static void
test_every_problem(void)
{
	struct fleet *f = fleet_new("hon-quan");
	const struct fleet_station *s;
	struct config c;
	struct status_snapshot sn;

	cfg_for(&c, "an-binh");
	snprintf(c.audio.device, sizeof(c.audio.device), "hw:9");
	sn = snap(&c, 10);
	sn.audio_state = "failed";
	sn.audio_error = "No such device";
	sn.clock_trusted = 0;
	sn.clock_why = "the clock is earlier than this software's build and not synchronised";
	sn.mqtt_refused = 3;
	sn.mqtt_last_refusal = "Not authorized: loaxa/hon-quan/an-binh/events";
	json_decref(sn.tls);
	sn.tls = json_pack("{s:i, s:s}", "cert_days_left", 12, "expires", "2026-12-04T08:00:00+07:00");
	sn.muted = 1;
	sn.muted_by = "thu (uid 1000)";
	sn.muted_since = g_now - 600;
	sn.muted_until = g_now + 3000;
	sn.store = json_pack("{s:b, s:I, s:i, s:s}", "recovered", 1, "rows", (json_int_t)812,
	    "lost_tables", 1, "damaged_copy", "/var/lib/loaxa/loaxa.db.damaged-20261121");
	/* 9 % free is too little even on a large card; 101 reports waiting are a backlog. */
	sn.storage = json_pack("{s:I, s:I}", "free_bytes", (json_int_t)9 << 30, "total_bytes",
	    (json_int_t)100 << 30);
	sn.outbox = json_pack("{s:i, s:i}", "pending", 101, "max", 10000);
	add(f, &sn);
	T_EQ_INT(fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT), 0);
	s = find(f, "an-binh");
	T_ASSERT(s != NULL);
	T_EQ_INT(s->state, FLEET_ONLINE);
	T_EQ_INT(s->healthy, 0);
	T_CONTAINS(problem(s, "audio"), "hw:9");
	T_CONTAINS(problem(s, "audio"), "No such device");
	T_CONTAINS(problem(s, "clock"), "not synchronised");
	T_CONTAINS(problem(s, "refused"), "3");
	T_CONTAINS(problem(s, "refused"), "Not authorized: loaxa/hon-quan/an-binh/events");
	T_CONTAINS(problem(s, "certificate"), "12 days");
	T_CONTAINS(problem(s, "muted"), "thu (uid 1000)");
	T_CONTAINS(problem(s, "store_recovered"), "812");
	T_CONTAINS(problem(s, "disk"), "9216 MiB free of 102400 MiB (9%)");
	T_CONTAINS(problem(s, "outbox"), "101 reports wait");
	T_ASSERT(problem(s, "stale") == NULL);
	T_EQ_INT(fleet_all_healthy(f), 0);
	fleet_free(f);
}

/*
 * A relay whose stream does not reach the station is a problem, named with
 * the stream (without its credentials); once the stream is heard, none.
 */
static void
test_relay_stream_away(void)
{
	struct play_item it = { .title = "Tiếp sóng Đài tỉnh", .slot = "Tiếp sóng Đài tỉnh",
	    .relay = "http://nghe:mat-khau@radio.tinh.example:8000/kenh1", .play_id = "p1" };
	struct fleet *f = fleet_new("hon-quan");
	const struct fleet_station *s;
	struct config c;
	struct status_snapshot sn;

	cfg_for(&c, "tan-thanh");
	sn = snap(&c, 10);
	sn.playing = &it;
	sn.since = g_now - 60;
	add(f, &sn);
	T_EQ_INT(fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT), 0);
	s = find(f, "tan-thanh");
	T_ASSERT(s != NULL);
	T_EQ_INT(s->healthy, 0);
	T_CONTAINS(problem(s, "stream_away"), "(http://radio.tinh.example:8000/kenh1) does not reach");
	T_ASSERT(problem(s, "stream_away") == NULL || strstr(problem(s, "stream_away"),
	    "mat-khau") == NULL);
	fleet_free(f);

	f = fleet_new("hon-quan");
	it.stream_heard = 1;
	sn = snap(&c, 10);
	sn.playing = &it;
	add(f, &sn);
	T_EQ_INT(fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT), 0);
	s = find(f, "tan-thanh");
	T_ASSERT(s != NULL && problem(s, "stream_away") == NULL);
	T_EQ_INT(fleet_all_healthy(f), 1);
	fleet_free(f);
}

/* A small card is nearly full by its free bytes before its percentage says so. */
static void
test_small_card(void)
{
	struct fleet *f = fleet_new("hon-quan");
	const struct fleet_station *s;
	struct config c;
	struct status_snapshot sn;

	cfg_for(&c, "an-lac");
	sn = snap(&c, 10);
	sn.storage = json_pack("{s:I, s:I}", "free_bytes", (json_int_t)200 << 20, "total_bytes",
	    (json_int_t)1 << 30);
	add(f, &sn);
	T_EQ_INT(fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT), 0);
	s = find(f, "an-lac");
	T_CONTAINS(problem(s, "disk"), "200 MiB free of 1024 MiB (19%)");
	T_EQ_INT(s->n_problems, 1);
	fleet_free(f);
}

static void
test_certificate_expired_or_unusable(void)
{
	struct fleet *f = fleet_new("hon-quan");
	struct config a, b;
	struct status_snapshot sa, sb;

	cfg_for(&a, "xa-a");
	cfg_for(&b, "xa-b");
	sa = snap(&a, 0);
	json_decref(sa.tls);
	sa.tls = json_pack("{s:i}", "cert_days_left", -3);
	sb = snap(&b, 0);
	json_decref(sb.tls);
	sb.tls = json_pack("{s:s}", "error", "station.key: not the key of station.crt");
	add(f, &sa);
	add(f, &sb);
	fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT);
	T_CONTAINS(problem(find(f, "xa-a"), "certificate"), "expired 3 days ago");
	T_CONTAINS(problem(find(f, "xa-b"), "certificate"), "not the key of station.crt");
	fleet_free(f);
}

/* Problems first: offline, never reported, online with problems, healthy, revoked. */
static void
test_order_and_exit(void)
{
	struct fleet *f = fleet_new("hon-quan");
	const char *want[] = { "b-off", "z-off", "c-never", "a-muted", "d-ok", "y-ok", "r-gone" };
	struct config c[4];
	struct status_snapshot s[4];
	size_t i, n[4], healthy;

	cfg_for(&c[0], "y-ok");
	cfg_for(&c[1], "d-ok");
	cfg_for(&c[2], "a-muted");
	cfg_for(&c[3], "r-gone");
	for (i = 0; i < 4; i++) {
		s[i] = snap(&c[i], 5);
		if (i == 2) {
			s[i].muted = 1;
			s[i].muted_by = "root";
			s[i].muted_since = g_now - 60;
		}
		add(f, &s[i]);
	}
	add_offline(f, "z-off", 1);
	add_offline(f, "b-off", 0);
	fleet_enrolment_known(f);
	T_EQ_INT(fleet_add_enrolled(f, "c-never", "Đài xã C", 0), 0);
	T_EQ_INT(fleet_add_enrolled(f, "r-gone", NULL, 1), 0);
	T_EQ_INT(fleet_add_enrolled(f, "q-revoked-silent", NULL, 1), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strcmp(want[i], "c-never") != 0 && strcmp(want[i], "r-gone") != 0)
			T_EQ_INT(fleet_add_enrolled(f, want[i], NULL, 0), 0);
	T_EQ_INT(fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT), 0);
	T_EQ_INT(fleet_count(f), sizeof(want) / sizeof(want[0]));	/* not q-revoked-silent */
	for (i = 0; i < fleet_count(f); i++)
		T_EQ_STR(fleet_station(f, i)->id, want[i]);
	T_EQ_INT(find(f, "b-off")->state, FLEET_OFFLINE);
	T_ASSERT(problem(find(f, "b-off"), "offline") != NULL);
	T_EQ_INT(find(f, "b-off")->since, 0);		/* a Last Will says when it was made, not when */
	T_CONTAINS(problem(find(f, "b-off"), "offline"), "link to the broker was lost");
	T_EQ_INT(find(f, "z-off")->since, g_now - 7200);	/* a goodbye says when it stopped */
	T_CONTAINS(problem(find(f, "z-off"), "offline"), "it was stopped");
	T_EQ_INT(find(f, "c-never")->state, FLEET_UNKNOWN);
	T_EQ_STR(find(f, "c-never")->name, "Đài xã C");
	T_ASSERT(problem(find(f, "c-never"), "never_reported") != NULL);
	T_EQ_INT(find(f, "r-gone")->state, FLEET_REVOKED);
	T_EQ_INT(find(f, "d-ok")->enrolled, 1);
	fleet_tally(f, n, &healthy);
	T_EQ_INT(n[FLEET_OFFLINE], 2);
	T_EQ_INT(n[FLEET_UNKNOWN], 1);
	T_EQ_INT(n[FLEET_ONLINE], 3);
	T_EQ_INT(n[FLEET_REVOKED], 1);
	T_EQ_INT(healthy, 2);
	T_EQ_INT(fleet_all_healthy(f), 0);
	fleet_free(f);
}

/* A revoked station does not make the fleet unhealthy; a stranger's status is a problem. */
static void
test_revoked_and_stranger(void)
{
	struct fleet *f = fleet_new("hon-quan");
	struct config a, r, x;
	struct status_snapshot sa, sr, sx;

	cfg_for(&a, "ok");
	cfg_for(&r, "gone");
	cfg_for(&x, "stranger");
	sa = snap(&a, 1);
	sr = snap(&r, 86400 * 3);
	sx = snap(&x, 1);
	add(f, &sa);
	add(f, &sr);
	fleet_enrolment_known(f);
	fleet_add_enrolled(f, "ok", NULL, 0);
	fleet_add_enrolled(f, "gone", NULL, 1);
	fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT);
	T_EQ_INT(fleet_all_healthy(f), 1);
	add(f, &sx);
	fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT);
	T_ASSERT(problem(find(f, "stranger"), "not_enrolled") != NULL);
	T_EQ_INT(find(f, "stranger")->enrolled, 0);
	T_EQ_INT(fleet_all_healthy(f), 0);
	fleet_free(f);
}

/* A later status of a station replaces the earlier one; garbage is shown, not dropped. */
static void
test_latest_and_unreadable(void)
{
	struct fleet *f = fleet_new("hon-quan");
	struct config c;
	struct status_snapshot s;

	cfg_for(&c, "xa-mot");
	s = snap(&c, 50);
	s.muted = 1;
	s.muted_by = "root";
	add(f, &s);
	s = snap(&c, 2);
	add(f, &s);
	T_EQ_INT(fleet_add_status(f, "rac", "{\"hello\":1}", 11), 0);
	T_EQ_INT(fleet_add_status(f, "hong", "\x01\x02 not json", 11), 0);
	T_EQ_INT(fleet_add_status(f, "Xa_Hai", "{}", 2), -EINVAL);
	fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT);
	T_EQ_INT(fleet_count(f), 3);
	T_EQ_INT(find(f, "xa-mot")->healthy, 1);
	T_EQ_INT(find(f, "xa-mot")->at, g_now - 2);
	T_EQ_INT(find(f, "rac")->state, FLEET_UNKNOWN);
	T_CONTAINS(problem(find(f, "rac"), "unreadable"), "online");
	T_CONTAINS(problem(find(f, "hong"), "unreadable"), "not JSON");
	fleet_free(f);
}

/* An "online" status nobody renewed for longer than the limit is suspect. */
static void
test_stale(void)
{
	struct fleet *f = fleet_new("hon-quan");
	struct config c;
	struct status_snapshot s;

	cfg_for(&c, "im-lang");
	s = snap(&c, 3 * 3600 + 300);
	add(f, &s);
	fleet_evaluate(f, g_now, 15 * 60);
	T_CONTAINS(problem(find(f, "im-lang"), "stale"), "3 h 05 min");
	fleet_evaluate(f, g_now, 4 * 3600);
	T_ASSERT(problem(find(f, "im-lang"), "stale") == NULL);
	fleet_free(f);
}

/* A manifest envelope for region, version and targets, signed with sk. */
static char *
manifest(const char *region, long long version, const char *targets,
    const unsigned char sk[KEYS_SECRET_BYTES])
{
	char text[512];

	snprintf(text, sizeof(text), "{\"format\":1,\"region\":\"%s\",\"version\":%lld,"
	    "\"issued\":\"2026-11-22T05:00:00+07:00\",\"targets\":%s,\"chunk_size\":262144,"
	    "\"slots\":[]}", region, version, targets);
	return envelope_sign("manifest", text, sk);
}

/* Five stations against the schedule on the broker, version V2. */
static struct fleet *
schedule_fleet(void)
{
	static struct config c[5];
	struct fleet *f = fleet_new("hon-quan");
	struct status_snapshot s;
	const char *ids[] = { "current", "behind", "fetching", "refused", "no-key" };
	size_t i;

	for (i = 0; i < 5; i++) {
		cfg_for(&c[i], ids[i]);
		s = snap(&c[i], 1);
		json_decref(s.district);
		if (i == 0)
			s.district = json_pack("{s:b, s:I}", "configured", 1, "version", (json_int_t)V2);
		else if (i == 1)
			s.district = json_pack("{s:b, s:I}", "configured", 1, "version", (json_int_t)V1);
		else if (i == 2)
			s.district = json_pack("{s:b, s:I, s:{s:I, s:i, s:i}}", "configured", 1,
			    "version", (json_int_t)V1, "fetching", "version", (json_int_t)V2,
			    "bulletins", 3, "missing", 1);
		else if (i == 3)
			s.district = json_pack("{s:b, s:{s:s, s:s, s:I}}", "configured", 1,
			    "refused", "code", "bad_signature", "reason", "not signed by the key",
			    "version", (json_int_t)V2);
		else
			s.district = json_pack("{s:b}", "configured", 0);
		add(f, &s);
	}
	return f;
}

static void
test_schedule_signed(void)
{
	unsigned char pk[KEYS_PUBLIC_BYTES], sk[KEYS_SECRET_BYTES];
	struct fleet *f = schedule_fleet();
	char *env = NULL;

	crypto_sign_keypair(pk, sk);
	env = manifest("hon-quan", V2, "\"all\"", sk);
	T_EQ_INT(fleet_set_schedule(f, env, strlen(env), pk), 0);
	T_EQ_INT(fleet_schedule(f)->present, 1);
	T_EQ_INT(fleet_schedule(f)->verified, 1);
	T_EQ_INT(fleet_schedule(f)->version, V2);
	fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT);
	T_EQ_INT(find(f, "current")->healthy, 1);
	T_EQ_INT(find(f, "current")->district_version, V2);
	T_CONTAINS(problem(find(f, "behind"), "schedule_old"), "1795300000");
	T_CONTAINS(problem(find(f, "behind"), "schedule_old"), "1795334400");
	T_CONTAINS(problem(find(f, "fetching"), "schedule_old"), "fetching it, 1 of 3");
	T_CONTAINS(problem(find(f, "refused"), "schedule_old"), "no district schedule");
	T_CONTAINS(problem(find(f, "refused"), "schedule_old"), "bad_signature");
	T_ASSERT(problem(find(f, "no-key"), "no_district") != NULL);
	free(env);
	fleet_free(f);
}

/* Only the stations a targeted schedule names are held to it. */
static void
test_schedule_targets(void)
{
	unsigned char pk[KEYS_PUBLIC_BYTES], sk[KEYS_SECRET_BYTES];
	struct fleet *f = schedule_fleet();
	char *env;

	crypto_sign_keypair(pk, sk);
	env = manifest("hon-quan", V2, "[\"current\",\"fetching\"]", sk);
	T_EQ_INT(fleet_set_schedule(f, env, strlen(env), pk), 0);
	fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT);
	T_ASSERT(problem(find(f, "behind"), "schedule_old") == NULL);
	T_ASSERT(problem(find(f, "no-key"), "no_district") == NULL);
	T_ASSERT(problem(find(f, "fetching"), "schedule_old") != NULL);
	free(env);
	fleet_free(f);
}

/* Another key's manifest, or another region's, holds no station to anything. */
static void
test_schedule_refused(void)
{
	unsigned char pk[KEYS_PUBLIC_BYTES], sk[KEYS_SECRET_BYTES], pk2[KEYS_PUBLIC_BYTES],
	    sk2[KEYS_SECRET_BYTES];
	struct fleet *f = schedule_fleet();
	char *env;

	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	env = manifest("hon-quan", V2, "\"all\"", sk2);
	T_EQ_INT(fleet_set_schedule(f, env, strlen(env), pk), -EINVAL);
	T_EQ_INT(fleet_schedule(f)->present, 0);
	T_CONTAINS(fleet_schedule(f)->why, "ignored");
	fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT);
	T_EQ_INT(find(f, "behind")->healthy, 1);
	free(env);
	/* Without the district's key the version is read, and said to be unverified. */
	env = manifest("hon-quan", V2, "\"all\"", sk2);
	T_EQ_INT(fleet_set_schedule(f, env, strlen(env), NULL), 0);
	T_EQ_INT(fleet_schedule(f)->present, 1);
	T_EQ_INT(fleet_schedule(f)->verified, 0);
	free(env);
	env = manifest("an-lac", V2, "\"all\"", sk);
	T_EQ_INT(fleet_set_schedule(f, env, strlen(env), pk), -EINVAL);
	T_CONTAINS(fleet_schedule(f)->why, "an-lac");
	free(env);
	fleet_free(f);
}

static void
test_json(void)
{
	struct fleet *f = fleet_new("hon-quan");
	struct config c;
	struct status_snapshot s;
	json_t *a, *o;

	cfg_for(&c, "tan-thanh");
	s = snap(&c, 3);
	s.muted = 1;
	s.muted_by = "thu";
	s.muted_since = g_now - 60;
	add(f, &s);
	add_offline(f, "an-binh", 0);
	fleet_enrolment_known(f);
	fleet_add_enrolled(f, "tan-thanh", NULL, 0);
	fleet_add_enrolled(f, "an-binh", "Đài truyền thanh xã An Bình", 0);
	fleet_add_enrolled(f, "cho-moi", NULL, 0);
	fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT);
	a = fleet_out_json(f);
	T_ASSERT(json_is_array(a));
	T_EQ_INT(json_array_size(a), 3);
	o = json_array_get(a, 0);
	T_EQ_STR(json_string_value(json_object_get(o, "station")), "an-binh");
	T_EQ_STR(json_string_value(json_object_get(o, "state")), "offline");
	T_EQ_STR(json_string_value(json_object_get(o, "name")), "Đài truyền thanh xã An Bình");
	T_ASSERT(json_is_null(json_object_get(o, "since")));
	T_ASSERT(json_is_string(json_object_get(o, "at")));
	T_ASSERT(json_is_false(json_object_get(o, "healthy")));
	o = json_array_get(a, 1);
	T_EQ_STR(json_string_value(json_object_get(o, "state")), "unknown");
	T_ASSERT(json_is_null(json_object_get(o, "at")));
	T_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(o, "problems"),
	    0), "code")), "never_reported");
	o = json_array_get(a, 2);
	T_EQ_STR(json_string_value(json_object_get(o, "state")), "online");
	T_ASSERT(json_is_true(json_object_get(o, "enrolled")));
	T_ASSERT(json_is_string(json_object_get(o, "since")));
	T_ASSERT(json_is_null(json_object_get(o, "playing")));
	T_EQ_INT(json_integer_value(json_object_get(json_object_get(o, "district_schedule"), "has")),
	    V1);
	T_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(o, "problems"),
	    0), "code")), "muted");
	json_decref(a);
	fleet_free(f);
}

/* Writes text into dir/name. */
static void
put(const char *dir, const char *name, const char *text)
{
	char p[512];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	T_ASSERT((fp = fopen(p, "w")) != NULL);
	if (fp != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
}

/* A district directory as loaxa-district lays it out; the list read from it. */
static void
test_dir(void)
{
	char d[] = "/tmp/test-fleet-XXXXXX", p[512], found[512], why[512];
	struct fleet *f = fleet_new("hon-quan");

	T_ASSERT(mkdtemp(d) != NULL);
	snprintf(p, sizeof(p), "%s/stations", d);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/ca", d);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/clients", d);
	mkdir(p, 0700);
	put(d, "region", "hon-quan\n");
	put(d, "monitor.cfg", "");
	put(d, "clients/district.dash.cfg", "");
	put(d, "stations/tan-thanh.crt", "");
	put(d, "stations/tan-thanh.name", "Đài truyền thanh xã Tân Thành\n");
	put(d, "stations/an-binh.crt", "");
	put(d, "stations/an-binh.tar.gz", "");
	put(d, "stations/NOT_AN_ID.crt", "");
	put(d, "ca/index.txt",
	    "V\t361119000000Z\t\t01A1\tunknown\t/O=loaxa hon-quan/OU=broker/CN=127.0.0.1\n"
	    "R\t361119000000Z\t261130000000Z,keyCompromise\t01A2\tunknown\t"
	    "/O=loaxa hon-quan/OU=station/CN=an-binh\n"
	    "V\t361119000000Z\t\t01A3\tunknown\t/O=loaxa hon-quan/OU=station/CN=tan-thanh\n");
	snprintf(p, sizeof(p), "%s/monitor.cfg", d);
	T_EQ_INT(fleet_dir_find(p, found, sizeof(found)), 0);
	T_EQ_STR(found, d);
	snprintf(p, sizeof(p), "%s/clients/district.dash.cfg", d);
	T_EQ_INT(fleet_dir_find(p, found, sizeof(found)), 0);
	T_EQ_STR(found, d);
	T_EQ_INT(fleet_dir_find("/etc/hostname", found, sizeof(found)), -ENOENT);
	T_EQ_INT(fleet_dir_read(d, "an-lac", f, why, sizeof(why)), -EINVAL);
	T_CONTAINS(why, "hon-quan");
	T_EQ_INT(fleet_dir_read(d, "hon-quan", f, why, sizeof(why)), 0);
	fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT);
	T_EQ_INT(fleet_count(f), 1);		/* an-binh revoked and silent: gone */
	T_EQ_STR(fleet_station(f, 0)->id, "tan-thanh");
	T_EQ_STR(fleet_station(f, 0)->name, "Đài truyền thanh xã Tân Thành");
	T_EQ_INT(fleet_station(f, 0)->state, FLEET_UNKNOWN);
	fleet_free(f);
	snprintf(p, sizeof(p), "rm -rf '%s'", d);
	T_EQ_INT(system(p), 0);
}

static void
test_nothing_known(void)
{
	struct fleet *f = fleet_new("hon-quan");

	fleet_evaluate(f, g_now, FLEET_STALE_DEFAULT);
	T_EQ_INT(fleet_count(f), 0);
	T_EQ_INT(fleet_all_healthy(f), 0);	/* nothing to watch is not "all is well" */
	fleet_free(f);
}

int
main(void)
{
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	if (sodium_init() < 0 || timeparse_iso(NOW_ISO, &g_now) < 0)
		return 1;
	T_RUN(test_healthy_station);
	T_RUN(test_every_problem);
	T_RUN(test_relay_stream_away);
	T_RUN(test_small_card);
	T_RUN(test_certificate_expired_or_unusable);
	T_RUN(test_order_and_exit);
	T_RUN(test_revoked_and_stranger);
	T_RUN(test_latest_and_unreadable);
	T_RUN(test_stale);
	T_RUN(test_schedule_signed);
	T_RUN(test_schedule_targets);
	T_RUN(test_schedule_refused);
	T_RUN(test_json);
	T_RUN(test_dir);
	T_RUN(test_nothing_known);
	return T_EXIT();
}
