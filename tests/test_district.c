/*
 * Tests of the station's district side (daemon/link/district.c) with real parts:
 * a mosquitto broker on a free loopback port, mosquitto_pub as the district
 * publishing retained chunks and manifests, the real store on disk and its
 * writer thread, the real MQTT client in the real event loop. Where the order
 * of things must be exact (what happens while the writer stores a bulletin),
 * the messages are handed to the district as the MQTT client would, and the
 * writer is held back (tests/helpers/writerwait.h). Every wait is for an
 * event, with a deadline; nothing sleeps.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "config/conf.h"
#include "config/keys.h"
#include "config/schedule.h"
#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/core/file.h"
#include "daemon/core/log.h"
#include "daemon/link/district.h"
#include "daemon/link/mqtt.h"
#include "daemon/loaxactl/keygen.h"
#include "daemon/proto/manifest.h"
#include "daemon/store/store.h"
#include "daemon/store/store_writer.h"
#include "tests/helpers/broker.h"
#include "tests/helpers/tmpstore.h"
#include "tests/helpers/writerwait.h"
#include "tests/t.h"

#define WAIT_MS		20000
#define CHUNK		16384
#define REGION		"hon-quan"
#define F_A		"bản tin số 1.opus"	/* 42789 bytes: 3 chunks */
#define F_B		"thông báo.opus"	/* 32645 bytes: 2 chunks */
#define F_C		"stereo.opus"
#define F_Q		"rate16k.opus"
#define F_U		"ffmpeg-speech.opus"

static char g_fix[512];

static int
run_cmd(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Publishes retained, QoS 1, like the district: a file's bytes or a message. */
static int
pub(int port, const char *topic, const char *file, const char *msg)
{
	char portarg[16];
	char *argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", portarg, "-q", "1", "-r",
	    "-t", (char *)topic, file != NULL ? "-f" : "-m", (char *)(file != NULL ? file : msg),
	    NULL };

	snprintf(portarg, sizeof(portarg), "%d", port);
	return run_cmd(argv);
}

/* ---- the district's side of a test: bulletins, manifests ---- */

struct bulletin {
	char	 path[600];
	char	 sha[65];
	uint64_t size;
};

static void
bulletin_init(struct bulletin *b, const char *name)
{
	struct stat st;

	snprintf(b->path, sizeof(b->path), "%s/%s", g_fix, name);
	T_ASSERT(file_sha256(b->path, b->sha) == 0);
	T_ASSERT(stat(b->path, &st) == 0);
	b->size = (uint64_t)st.st_size;
}

/* Publishes chunk i of b (flip: one byte changed, as a tampered copy). */
static int
pub_chunk(int port, const struct bulletin *b, size_t i, int flip)
{
	char topic[256], tmp[] = "/tmp/loaxa-chunk-XXXXXX";
	unsigned char buf[CHUNK];
	int fd = open(b->path, O_RDONLY), out = mkstemp(tmp), rc;
	ssize_t n = pread(fd, buf, CHUNK, (off_t)(i * CHUNK));

	if (n > 0 && flip)
		buf[n / 2] ^= 0x40;
	rc = n > 0 && write(out, buf, (size_t)n) == n ? 0 : -1;
	close(fd);
	close(out);
	snprintf(topic, sizeof(topic), "loaxa/" REGION "/audio/%s/%zu", b->sha, i);
	if (rc == 0)
		rc = pub(port, topic, tmp, NULL);
	unlink(tmp);
	return rc;
}

static int
pub_bulletin(int port, const struct bulletin *b)
{
	size_t i;
	int rc = 0;

	for (i = 0; (uint64_t)i * CHUNK < b->size && rc == 0; i++)
		rc = pub_chunk(port, b, i, 0);
	return rc;
}

/* A signed manifest: one slot per bulletin, each at 06:00 daily. */
static char *
make_manifest(int64_t version, const struct bulletin *bs, size_t n, const unsigned char *sk,
    const char *const *targets, size_t nt)
{
	struct manifest_item_info info[8] = { 0 };
	struct manifest_meta meta = { REGION, version, 1795334400, targets, nt, CHUNK };
	char text[4096], why[256], *m, *env;
	struct schedule *s;
	size_t i, o = 0;

	o += (size_t)snprintf(text + o, sizeof(text) - o, "slots = (");
	for (i = 0; i < n; i++) {
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s{ title = \"Bản tin %zu\"; "
		    "at = \"06:00\"; items = ( { file = \"%s\"; } ); }", i ? ", " : "", i, bs[i].path);
		snprintf(info[i].sha256, 65, "%s", bs[i].sha);
		info[i].size = bs[i].size;
		info[i].duration = 1;
	}
	snprintf(text + o, sizeof(text) - o, ");");
	s = schedule_parse_string(text, "t.cfg", "/", 0, NULL);
	T_ASSERT(s != NULL);
	m = s != NULL ? manifest_build(s, info, n, &meta, why, sizeof(why)) : NULL;
	schedule_free(s);
	T_ASSERT(m != NULL);
	env = m != NULL ? manifest_sign(m, sk) : NULL;
	free(m);
	return env;
}

/* ---- the station's side: the district under test and what its hooks saw ---- */

struct world {
	char		 dir[64];
	char		 keyfile[128];
	unsigned char	 sk[KEYS_SECRET_BYTES];
	struct config	 cfg;
	struct store	*store;
	struct store_writer *writer;
	struct mqtt	*mqtt;
	struct district	*d;
	struct ev_loop	*ev;
	int		 armed;
	struct schedule	*sched;
	int		 events;
	char		 event[32];
	char		 details[2048];
	char		 keep[65];		/* in_use() says yes to this one */
	char		 chunk_topics[16][160];
	int		 chunk_counts[16];
	int		 up;
};

static void
h_armed(void *arg, struct schedule *s)
{
	struct world *w = arg;

	schedule_free(w->sched);
	w->sched = s;
	w->armed++;
}

static void
h_event(void *arg, const char *event, json_t *details)
{
	struct world *w = arg;
	char *s = json_dumps(details, JSON_COMPACT);

	w->events++;
	snprintf(w->event, sizeof(w->event), "%s", event);
	snprintf(w->details, sizeof(w->details), "%s", s != NULL ? s : "");
	free(s);
}

static int
h_in_use(void *arg, const char *sha)
{
	return strcmp(((struct world *)arg)->keep, sha) == 0;
}

static void
w_count(struct world *w, const char *topic)
{
	int i;

	if (strstr(topic, "/audio/") == NULL)
		return;
	for (i = 0; i < 16 && w->chunk_topics[i][0] != '\0'; i++)
		if (strcmp(w->chunk_topics[i], topic) == 0)
			break;
	if (i == 16)
		return;
	snprintf(w->chunk_topics[i], sizeof(w->chunk_topics[i]), "%s", topic);
	w->chunk_counts[i]++;
}

static int
w_count_of(const struct world *w, const char *sha, int idx)
{
	char topic[160];
	int i;

	snprintf(topic, sizeof(topic), "loaxa/" REGION "/audio/%s/%d", sha, idx);
	for (i = 0; i < 16; i++)
		if (strcmp(w->chunk_topics[i], topic) == 0)
			return w->chunk_counts[i];
	return 0;
}

static void
w_on_message(void *arg, const char *topic, const void *payload, size_t len)
{
	struct world *w = arg;

	w_count(w, topic);
	T_EQ_INT(district_on_message(w->d, topic, payload, len), 1);
}

static void
w_on_connect(void *arg, int connected)
{
	struct world *w = arg;

	w->up = connected;
	district_on_connect(w->d, connected);
}

static int64_t g_deadline;

static int
deadline_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	(void)arg; (void)pfd; (void)max;
	if (g_deadline < *deadline_ms)
		*deadline_ms = g_deadline;
	return 0;
}

static int
run_until(struct world *w, int (*cond)(struct world *))
{
	g_deadline = clock_mono_ms() + WAIT_MS;
	while (!cond(w)) {
		if (clock_mono_ms() >= g_deadline || ev_run_once(w->ev) < 0)
			return 0;
	}
	return 1;
}

/* The station's state directory and key; the district is not started yet. */
static void
world_init(struct world *w, int with_key)
{
	char why[256];

	memset(w, 0, sizeof(*w));
	T_EQ_INT(tmpstore_dir(w->dir, sizeof(w->dir), "district"), 0);
	snprintf(w->keyfile, sizeof(w->keyfile), "%s/district.key", w->dir);
	T_EQ_INT(keygen_write(w->keyfile, why, sizeof(why)), 0);
	T_EQ_INT(keys_load_secret(w->keyfile, w->sk, why, sizeof(why)), 0);
	conf_defaults(&w->cfg);
	snprintf(w->cfg.station.id, sizeof(w->cfg.station.id), "tan-thanh");
	snprintf(w->cfg.station.region, sizeof(w->cfg.station.region), REGION);
	snprintf(w->cfg.storage.dir, sizeof(w->cfg.storage.dir), "%s/state", w->dir);
	if (with_key)
		snprintf(w->cfg.district.public_key, sizeof(w->cfg.district.public_key), "%s.pub",
		    w->keyfile);
	w->store = tmpstore_open(w->cfg.storage.dir);
	T_ASSERT(w->store != NULL);
}

/* Starts the district with an MQTT client on port (0: none, as with no network). */
static void
world_start(struct world *w, int port)
{
	struct district_hooks h = { h_armed, h_event, h_in_use, w };
	struct mqtt_params p = { .host = "127.0.0.1", .port = port, .keepalive = 30,
	    .client_id = "loaxa-" REGION "-tan-thanh", .max_payload = 1024 * 1024,
	    .on_message = w_on_message, .on_connect = w_on_connect, .arg = w };
	struct ev_source src = { .name = "deadline", .prepare = deadline_prepare };
	struct errlist errs;

	errlist_init(&errs);
	w->ev = ev_new();
	ev_add(w->ev, &src);
	w->writer = store_writer_new(w->store, &errs);
	T_ASSERT(w->writer != NULL);
	if (w->writer != NULL) {
		store_writer_source(w->writer, &src);
		ev_add(w->ev, &src);
	}
	if (port > 0) {
		w->mqtt = mqtt_new(&p);
		mqtt_source(w->mqtt, &src);
		ev_add(w->ev, &src);
	}
	w->d = district_new(&w->cfg, w->store, w->writer, w->mqtt, &h, &errs);
	T_ASSERT(w->d != NULL);
	if (w->d != NULL) {
		district_source(w->d, &src);
		ev_add(w->ev, &src);
	}
	errlist_clear(&errs);
}

static void
world_stop(struct world *w)
{
	district_free(w->d);
	store_writer_free(w->writer);
	mqtt_free(w->mqtt);
	ev_free(w->ev);
	w->d = NULL;
	w->writer = NULL;
	w->mqtt = NULL;
	w->ev = NULL;
}

static void
world_free(struct world *w)
{
	world_stop(w);
	store_close(w->store);
	schedule_free(w->sched);
	tmpstore_rmdir(w->dir);
}

static int c_armed1(struct world *w) { return w->armed >= 1; }
static int c_armed2(struct world *w) { return w->armed >= 2; }
static int c_event(struct world *w) { return w->events > 0; }
static int c_up(struct world *w) { return w->up; }
static int c_down(struct world *w) { return !w->up; }

/* The stored file for sha, and whether it is there. */
static int
stored(const struct world *w, const char *sha)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s.opus", store_bulletin_dir(w->store), sha);
	return access(path, F_OK) == 0;
}

/* No temporary file was left in the bulletin directory. */
static int
no_temp_files(const struct world *w)
{
	DIR *d = opendir(store_bulletin_dir(w->store));
	struct dirent *de;
	int clean = 1;

	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			clean = 0;
	if (d != NULL)
		closedir(d);
	return clean;
}

static json_t *
status(const struct world *w)
{
	return district_status(w->d);
}

/* ---- the cases ---- */

static void
test_no_key(void)
{
	struct world w;
	json_t *st;

	world_init(&w, 0);
	world_start(&w, 0);
	st = status(&w);
	T_ASSERT(json_is_false(json_object_get(st, "configured")));
	T_ASSERT(json_object_get(st, "version") == NULL);
	json_decref(st);
	T_EQ_INT(district_on_message(w.d, "loaxa/" REGION "/schedule", "{}", 2), 1);
	T_EQ_INT(district_on_message(w.d, "loaxa/" REGION "/tan-thanh/cmd", "x", 1), 0);
	T_EQ_INT(w.armed + w.events, 0);
	world_free(&w);
}

static void
test_bad_key_file(void)
{
	struct district_hooks h = { h_armed, h_event, h_in_use, NULL };
	struct errlist errs;
	struct world w;
	FILE *f;

	world_init(&w, 1);
	f = fopen(w.cfg.district.public_key, "w");
	T_ASSERT(f != NULL);
	if (f != NULL) {
		fputs("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI district@huyen\n", f);
		fclose(f);
	}
	errlist_init(&errs);
	T_ASSERT(district_new(&w.cfg, w.store, NULL, NULL, &h, &errs) == NULL);
	T_EQ_INT(errlist_count(&errs), 1);
	if (errlist_count(&errs) == 1) {
		T_CONTAINS(errs.msg[0], "district.public_key: cannot use the key file");
		T_CONTAINS(errs.msg[0], "not a loaxa key file");
	}
	errlist_clear(&errs);
	world_free(&w);
}

/* Publishes bulletins then the manifest, and waits until the district armed it. */
static void
publish_and_arm(struct world *w, struct broker *b, const struct bulletin *bs, size_t n,
    int64_t version, int (*armed)(struct world *))
{
	char *env = make_manifest(version, bs, n, w->sk, NULL, 0);
	size_t i;

	for (i = 0; i < n; i++)
		T_EQ_INT(pub_bulletin(b->port, &bs[i]), 0);
	T_EQ_INT(pub(b->port, "loaxa/" REGION "/schedule", NULL, env), 0);
	T_ASSERT(run_until(w, armed));
	free(env);
}

static void
test_fetch_arm_and_restore(void)
{
	struct broker b = { .persistent = 1 };	/* retained messages survive a restart */
	struct bulletin bs[2];
	struct world w;
	json_t *st;
	char have[65];

	bulletin_init(&bs[0], F_A);
	bulletin_init(&bs[1], F_B);
	T_ASSERT(broker_start(&b) == 0);
	world_init(&w, 1);
	world_start(&w, b.port);
	publish_and_arm(&w, &b, bs, 2, 1000, c_armed1);
	T_EQ_INT(w.armed, 1);
	T_EQ_STR(w.event, "schedule_armed");
	T_CONTAINS(w.details, "\"version\":1000");
	T_ASSERT(w.sched != NULL && w.sched->n_slots == 2);
	if (w.sched != NULL && w.sched->n_slots == 2) {
		T_ASSERT(strstr(w.sched->slots[0].items[0].file, bs[0].sha) != NULL);
		T_EQ_INT(file_sha256(w.sched->slots[0].items[0].file, have), 0);
		T_EQ_STR(have, bs[0].sha);
		T_EQ_INT(file_sha256(w.sched->slots[1].items[0].file, have), 0);
		T_EQ_STR(have, bs[1].sha);
	}
	T_EQ_STR(district_file_name(w.d, bs[1].sha), F_B);
	T_ASSERT(no_temp_files(&w));
	st = status(&w);
	T_EQ_INT(json_integer_value(json_object_get(st, "version")), 1000);
	T_EQ_INT(json_integer_value(json_object_get(st, "bulletins")), 2);
	T_ASSERT(json_is_true(json_object_get(st, "complete")));
	T_EQ_STR(json_string_value(json_object_get(st, "issued")), "2026-11-22T15:00:00+07:00");
	json_decref(st);
	/* A restart with no broker: the same schedule, from the store alone. */
	world_stop(&w);
	schedule_free(w.sched);
	w.sched = NULL;
	w.armed = w.events = 0;
	broker_kill(&b, SIGTERM);
	world_start(&w, 0);
	T_EQ_INT(w.armed, 1);
	T_EQ_INT(w.events, 0);
	T_ASSERT(w.sched != NULL && w.sched->n_slots == 2);
	st = status(&w);
	T_EQ_INT(json_integer_value(json_object_get(st, "version")), 1000);
	json_decref(st);
	world_free(&w);
	broker_stop(&b);
}

/* Sends payload as the retained manifest and waits for the district's event. */
static void
expect_refusal(struct world *w, struct broker *b, const char *payload, const char *code)
{
	char want[64];
	json_t *st;

	w->events = 0;
	T_EQ_INT(pub(b->port, "loaxa/" REGION "/schedule", NULL, payload), 0);
	T_ASSERT(run_until(w, c_event));
	T_EQ_STR(w->event, "schedule_refused");
	snprintf(want, sizeof(want), "\"code\":\"%s\"", code);
	T_CONTAINS(w->details, want);
	T_CONTAINS(w->details, "\"in_force\":1000");
	st = status(w);
	T_EQ_INT(json_integer_value(json_object_get(st, "version")), 1000);
	T_EQ_STR(json_string_value(json_object_get(json_object_get(st, "refused"), "code")), code);
	json_decref(st);
}

static void
test_refusals_keep_schedule(void)
{
	const char *const others[] = { "an-binh" };
	unsigned char pk2[KEYS_PUBLIC_BYTES], sk2[KEYS_SECRET_BYTES];
	struct broker b = { .persistent = 1 };
	struct bulletin bs[2], c;
	struct world w;
	char *env;

	crypto_sign_keypair(pk2, sk2);
	bulletin_init(&bs[0], F_A);
	bulletin_init(&bs[1], F_B);
	bulletin_init(&c, F_C);
	T_ASSERT(broker_start(&b) == 0);
	world_init(&w, 1);
	world_start(&w, b.port);
	publish_and_arm(&w, &b, bs, 2, 1000, c_armed1);
	expect_refusal(&w, &b, "đây không phải JSON", "not_json");
	env = make_manifest(2000, bs, 2, sk2, NULL, 0);
	expect_refusal(&w, &b, env, "bad_signature");
	free(env);
	env = make_manifest(999, bs, 2, w.sk, NULL, 0);
	expect_refusal(&w, &b, env, "not_newer");
	free(env);
	env = make_manifest(2001, bs, 2, w.sk, others, 1);
	expect_refusal(&w, &b, env, "not_targeted");
	free(env);
	/* A bulletin whose bytes on the broker are not the ones signed. */
	T_EQ_INT(pub_chunk(b.port, &c, 0, 0), 0);
	T_EQ_INT(pub_chunk(b.port, &c, 1, 1), 0);
	T_EQ_INT(pub_chunk(b.port, &c, 2, 0), 0);
	T_EQ_INT(pub_chunk(b.port, &c, 3, 0), 0);
	env = make_manifest(3000, &c, 1, w.sk, NULL, 0);
	expect_refusal(&w, &b, env, "bulletin_mismatch");
	free(env);
	T_CONTAINS(w.details, "\"version\":3000");
	T_ASSERT(!stored(&w, c.sha));
	T_ASSERT(no_temp_files(&w));
	T_EQ_INT(w.armed, 1);
	T_ASSERT(stored(&w, bs[0].sha) && stored(&w, bs[1].sha));
	world_free(&w);
	broker_stop(&b);
}

static void
test_resume_after_reconnect(void)
{
	struct broker b = { .persistent = 1 };
	struct bulletin a;
	struct world w;
	char *env;

	bulletin_init(&a, F_A);		/* 3 chunks */
	T_ASSERT(broker_start(&b) == 0);
	world_init(&w, 1);
	world_start(&w, b.port);
	T_EQ_INT(pub_chunk(b.port, &a, 0, 0), 0);
	T_EQ_INT(pub_chunk(b.port, &a, 1, 0), 0);
	env = make_manifest(1000, &a, 1, w.sk, NULL, 0);
	T_EQ_INT(pub(b.port, "loaxa/" REGION "/schedule", NULL, env), 0);
	free(env);
	T_ASSERT(run_until(&w, c_up));
	g_deadline = clock_mono_ms() + WAIT_MS;
	while ((w_count_of(&w, a.sha, 0) < 1 || w_count_of(&w, a.sha, 1) < 1) &&
	    clock_mono_ms() < g_deadline)
		ev_run_once(w.ev);
	T_EQ_INT(w_count_of(&w, a.sha, 0), 1);
	T_EQ_INT(w_count_of(&w, a.sha, 1), 1);
	T_EQ_INT(w.armed, 0);
	/* The link drops (the broker keeps its retained messages), and comes back. */
	broker_kill(&b, SIGTERM);
	T_ASSERT(run_until(&w, c_down));
	T_ASSERT(broker_start(&b) == 0);
	T_ASSERT(run_until(&w, c_up));
	T_EQ_INT(pub_chunk(b.port, &a, 2, 0), 0);
	T_ASSERT(run_until(&w, c_armed1));
	/* Only the chunk it lacked came again. */
	T_EQ_INT(w_count_of(&w, a.sha, 0), 1);
	T_EQ_INT(w_count_of(&w, a.sha, 1), 1);
	T_EQ_INT(w_count_of(&w, a.sha, 2), 1);
	T_ASSERT(stored(&w, a.sha));
	world_free(&w);
	broker_stop(&b);
}

/* Imports path into the store, as the queue does. */
static void
import(struct world *w, const char *path, char sha[65])
{
	char out[600];
	int fd = open(path, O_RDONLY);

	T_EQ_INT(store_import_fd(w->store, fd, 1 << 30, out, sizeof(out), sha), 0);
	close(fd);
}

static void
test_gc_after_newer_schedule(void)
{
	struct broker b = { .persistent = 1 };
	struct bulletin bs[3], v2[2];
	struct world w;
	char q[65], u[65];

	bulletin_init(&bs[0], F_A);
	bulletin_init(&bs[1], F_B);
	bulletin_init(&bs[2], F_C);
	T_ASSERT(broker_start(&b) == 0);
	world_init(&w, 1);
	world_start(&w, b.port);
	import(&w, bs[0].path, q);	/* also queued: kept while the queue needs it */
	import(&w, bs[0].path, q);
	bulletin_init(&v2[0], F_Q);
	import(&w, v2[0].path, q);
	bulletin_init(&v2[0], F_U);
	import(&w, v2[0].path, u);	/* nobody's */
	snprintf(w.keep, sizeof(w.keep), "%s", q);
	publish_and_arm(&w, &b, bs, 2, 1000, c_armed1);
	T_ASSERT(!stored(&w, u));	/* nobody's: collected as soon as a schedule is armed */
	T_ASSERT(stored(&w, q));
	v2[0] = bs[1];
	v2[1] = bs[2];
	publish_and_arm(&w, &b, v2, 2, 1001, c_armed2);
	T_ASSERT(!stored(&w, bs[0].sha));	/* only version 1000 used it */
	T_ASSERT(stored(&w, q));
	T_ASSERT(stored(&w, bs[1].sha) && stored(&w, bs[2].sha));
	world_free(&w);
	broker_stop(&b);
}

/* ---- while the store's writer stores a bulletin: messages handed over directly ---- */

/* Hands the district chunk i of b as the MQTT client would (flip: one byte changed). */
static void
feed_chunk(struct world *w, const struct bulletin *b, size_t i, int flip)
{
	char topic[256];
	unsigned char buf[CHUNK];
	int fd = open(b->path, O_RDONLY);
	ssize_t n = pread(fd, buf, CHUNK, (off_t)(i * CHUNK));

	close(fd);
	T_ASSERT(n > 0);
	if (n > 0 && flip)
		buf[n / 2] ^= 0x40;
	snprintf(topic, sizeof(topic), "loaxa/" REGION "/audio/%s/%zu", b->sha, i);
	if (n > 0)
		T_EQ_INT(district_on_message(w->d, topic, buf, (size_t)n), 1);
}

static void
feed_bulletin(struct world *w, const struct bulletin *b, int flip)
{
	size_t i;

	for (i = 0; (uint64_t)i * CHUNK < b->size; i++)
		feed_chunk(w, b, i, flip && i == 1);
}

/* Hands the district a manifest of version with the bulletins bs. */
static void
feed_manifest(struct world *w, int64_t version, const struct bulletin *bs, size_t n)
{
	char *env = make_manifest(version, bs, n, w->sk, NULL, 0);

	T_ASSERT(env != NULL);
	if (env != NULL)
		T_EQ_INT(district_on_message(w->d, "loaxa/" REGION "/schedule", env, strlen(env)), 1);
	free(env);
}

/* The "fetching" object of the status: its version, and whether it says "storing". */
static void
fetching(const struct world *w, int64_t *version, int *storing, size_t *missing)
{
	json_t *st = status(w), *f = json_object_get(st, "fetching");

	*version = json_integer_value(json_object_get(f, "version"));
	*storing = json_is_true(json_object_get(f, "storing"));
	*missing = (size_t)json_integer_value(json_object_get(f, "missing"));
	json_decref(st);
}

/*
 * The last part of a bulletin comes and the loop goes on at once: the hash,
 * the fsyncs and the rename are the writer's (held back here, as by a slow
 * SD card). Meanwhile the status says so, a part sent again is ignored, and
 * the schedule is armed only once the writer is done.
 */
static void
test_stored_by_the_writer(void)
{
	struct writer_gate g;
	struct bulletin a;
	struct world w;
	int64_t version;
	size_t missing;
	int storing;

	bulletin_init(&a, F_A);
	world_init(&w, 1);
	world_start(&w, 0);
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	feed_manifest(&w, 1000, &a, 1);
	feed_bulletin(&w, &a, 0);
	fetching(&w, &version, &storing, &missing);
	T_EQ_INT(version, 1000);
	T_EQ_INT(storing, 1);
	T_EQ_INT(missing, 1);
	T_ASSERT(!stored(&w, a.sha));
	feed_chunk(&w, &a, 0, 0);		/* the broker sends a part again */
	feed_chunk(&w, &a, 2, 1);		/* and a damaged copy: too late to matter */
	T_EQ_INT(w.armed + w.events, 0);
	writer_gate_open(&g);
	T_ASSERT(run_until(&w, c_armed1));
	T_EQ_INT(w.events, 1);
	T_EQ_STR(w.event, "schedule_armed");
	T_ASSERT(stored(&w, a.sha));
	T_ASSERT(no_temp_files(&w));
	fetching(&w, &version, &storing, &missing);
	T_EQ_INT(version, 0);			/* no "fetching": it is armed */
	world_free(&w);
}

/*
 * A newer manifest that does not need the bulletin being stored: the writer
 * finishes it for no one (and the schedule's collection removes it), the new
 * one's bulletin is fetched after it, not beside it.
 */
static void
test_newer_manifest_while_storing(void)
{
	struct writer_gate g;
	struct bulletin a, b;
	struct world w;
	int64_t version;
	size_t missing;
	int storing;

	bulletin_init(&a, F_A);
	bulletin_init(&b, F_B);
	world_init(&w, 1);
	world_start(&w, 0);
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	feed_manifest(&w, 1000, &a, 1);
	feed_bulletin(&w, &a, 0);
	feed_manifest(&w, 1001, &b, 1);
	fetching(&w, &version, &storing, &missing);
	T_EQ_INT(version, 1001);
	T_EQ_INT(storing, 0);
	T_EQ_INT(missing, 1);
	feed_bulletin(&w, &b, 0);		/* too early: nothing is fetched yet */
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(w.writer, WAIT_MS), 0);
	T_EQ_INT(w.armed, 0);
	feed_bulletin(&w, &b, 0);
	T_ASSERT(run_until(&w, c_armed1));
	T_ASSERT(w.sched != NULL && w.sched->n_slots == 1);
	if (w.sched != NULL && w.sched->n_slots == 1)
		T_ASSERT(strstr(w.sched->slots[0].items[0].file, b.sha) != NULL);
	T_CONTAINS(w.details, "\"version\":1001");
	T_ASSERT(stored(&w, b.sha));
	T_ASSERT(!stored(&w, a.sha));		/* stored for no one, then collected */
	T_ASSERT(no_temp_files(&w));
	world_free(&w);
}

/*
 * A newer manifest that needs the bulletin being stored counts on it: it is
 * not fetched again, and a bulletin that turns out wrong refuses the newer
 * manifest, as it would have refused the older one.
 */
static void
test_newer_manifest_takes_over(void)
{
	struct writer_gate g;
	struct bulletin a, b, ab[2];
	struct world w;
	int64_t version;
	size_t missing;
	int storing;

	bulletin_init(&a, F_A);
	bulletin_init(&b, F_B);
	ab[0] = a;
	ab[1] = b;
	world_init(&w, 1);
	world_start(&w, 0);
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	feed_manifest(&w, 1000, &a, 1);
	feed_bulletin(&w, &a, 0);
	feed_manifest(&w, 1001, ab, 2);
	fetching(&w, &version, &storing, &missing);
	T_EQ_INT(version, 1001);
	T_EQ_INT(storing, 1);
	T_EQ_INT(missing, 2);
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(w.writer, WAIT_MS), 0);
	T_ASSERT(stored(&w, a.sha));
	fetching(&w, &version, &storing, &missing);
	T_EQ_INT(version, 1001);
	T_EQ_INT(storing, 0);
	T_EQ_INT(missing, 1);
	feed_bulletin(&w, &b, 0);
	T_ASSERT(run_until(&w, c_armed1));
	T_CONTAINS(w.details, "\"version\":1001");
	T_ASSERT(stored(&w, a.sha) && stored(&w, b.sha));
	T_ASSERT(no_temp_files(&w));
	/* The same with a damaged bulletin: the newer manifest is the one refused. */
	bulletin_init(&a, F_C);
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	feed_manifest(&w, 2000, &a, 1);
	feed_bulletin(&w, &a, 1);
	feed_manifest(&w, 2001, &a, 1);
	w.events = 0;
	writer_gate_open(&g);
	T_ASSERT(run_until(&w, c_event));
	T_EQ_STR(w.event, "schedule_refused");
	T_CONTAINS(w.details, "\"code\":\"bulletin_mismatch\"");
	T_CONTAINS(w.details, "\"version\":2001");
	T_ASSERT(!stored(&w, a.sha));
	T_ASSERT(no_temp_files(&w));
	world_free(&w);
}

/*
 * The district goes (the station stops) while the writer stores a bulletin:
 * the writer's job finishes and frees what it holds. A stored bulletin stays,
 * a damaged one leaves no temporary file; nothing is freed twice, nothing
 * leaks (the ASan build checks). Then the other order: the writer stops first
 * and tells the district, which is freed after.
 */
static void
test_stop_while_storing(void)
{
	struct writer_gate g;
	struct bulletin a, c;
	struct world w;

	bulletin_init(&a, F_A);
	bulletin_init(&c, F_C);
	world_init(&w, 1);
	world_start(&w, 0);
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	feed_manifest(&w, 1000, &a, 1);
	feed_bulletin(&w, &a, 0);
	district_free(w.d);
	w.d = NULL;
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(w.writer, WAIT_MS), 0);
	T_ASSERT(stored(&w, a.sha));
	T_ASSERT(no_temp_files(&w));
	world_stop(&w);
	world_start(&w, 0);			/* a's schedule is not armed: a is not the district's */
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	feed_manifest(&w, 1001, &c, 1);
	feed_bulletin(&w, &c, 1);
	district_free(w.d);
	w.d = NULL;
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(w.writer, WAIT_MS), 0);
	T_ASSERT(!stored(&w, c.sha));
	T_ASSERT(no_temp_files(&w));
	world_stop(&w);
	/* The writer stops first: every job runs, and the district hears -ECANCELED. */
	world_start(&w, 0);
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	feed_manifest(&w, 1002, &c, 1);
	feed_bulletin(&w, &c, 0);
	writer_gate_open(&g);
	store_writer_free(w.writer);
	w.writer = NULL;
	T_ASSERT(stored(&w, c.sha));
	T_ASSERT(no_temp_files(&w));
	T_EQ_INT(w.armed, 0);
	world_free(&w);
}

int
main(int argc, char **argv)
{
	const char *fix = getenv("LOAXA_FIXTURES");

	(void)argc;
	(void)argv;
	log_init("test_district", 1, 0);
	alarm(600);	/* a watchdog: a hung case must not hang the whole check */
	snprintf(g_fix, sizeof(g_fix), "%s", fix != NULL ? fix : "build/fixtures");
	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	T_RUN(test_no_key);
	T_RUN(test_bad_key_file);
	T_RUN(test_fetch_arm_and_restore);
	T_RUN(test_refusals_keep_schedule);
	T_RUN(test_resume_after_reconnect);
	T_RUN(test_gc_after_newer_schedule);
	T_RUN(test_stored_by_the_writer);
	T_RUN(test_newer_manifest_while_storing);
	T_RUN(test_newer_manifest_takes_over);
	T_RUN(test_stop_while_storing);
	return T_EXIT();
}
