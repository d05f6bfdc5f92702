/*
 * Tests of district alerts: the signed message (daemon/proto/alert_msg.c) built,
 * signed and verified with real keys (libsodium), and the station's alert
 * module (daemon/link/alert.c) with the real store on disk, its writer thread
 * and a real bulletin, fed the messages as the station's MQTT router hands
 * them over (the broker path itself is tests/it_alert.sh). Time is a
 * parameter where it matters: repeats are driven through the module's event
 * source with a later "now". The writer stores a bulletin in its own time: a
 * case waits for it (writer_settle), or holds it back to see what happens
 * meanwhile (tests/helpers/writerwait.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "config/conf.h"
#include "config/keys.h"
#include "config/timeparse.h"
#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/core/file.h"
#include "daemon/link/alert.h"
#include "daemon/loaxactl/keygen.h"
#include "daemon/proto/alert_msg.h"
#include "daemon/proto/report.h"
#include "daemon/store/store.h"
#include "daemon/store/store_writer.h"
#include "tests/helpers/forge.h"
#include "tests/helpers/tmpstore.h"
#include "tests/helpers/writerwait.h"
#include "tests/t.h"

#define REGION	"hon-quan"
#define FILE_B	"thông báo.opus"

static unsigned char g_pk[KEYS_PUBLIC_BYTES], g_sk[KEYS_SECRET_BYTES];
static unsigned char g_pk2[KEYS_PUBLIC_BYTES], g_sk2[KEYS_SECRET_BYTES];
static char g_fix[512];

static struct alert_meta
meta(const char *id, int64_t seq)
{
	return (struct alert_meta){ .id = id, .region = REGION, .title = "Bão số 9",
	    .sequence = seq, .issued_ms = clock_wall_ms(), .cls = SCHED_EMERGENCY,
	    .sha256 = "bc49782d96653ba1a56c95fe13415cd0d8464d7102cb1e1ea5adc7c4296d6f7c",
	    .file = "bão số 9.opus", .size = 31425, .duration = 10.05, .chunk_size = 16384 };
}

static char *
signed_alert(const struct alert_meta *m, const unsigned char *sk)
{
	char why[256], *text = alert_build(m, why, sizeof(why)), *env;

	if (text == NULL)
		fprintf(stderr, "  alert_build: %s\n", why);
	env = text != NULL ? alert_sign(text, sk) : NULL;
	free(text);
	return env;
}

static struct alert_msg *
verify(const char *env, const char *id, int64_t newest, time_t now, enum alert_code *code,
    char *why, size_t whylen)
{
	struct alert_check chk = { g_pk, REGION, "tan-thanh", id, newest, now };
	int64_t seq;

	return alert_verify(env, strlen(env), &chk, code, &seq, why, whylen);
}

static void
test_round_trip(void)
{
	const char *targets[] = { "an-binh", "tan-thanh" };
	struct alert_meta m = meta("bao-so-9", 1000);
	struct alert_msg *a;
	enum alert_code code;
	char why[512], *env;

	m.repeat = 7200;
	m.until = time(NULL) + 86400;
	m.targets = targets;
	m.n_targets = 2;
	m.test = 1;
	env = signed_alert(&m, g_sk);
	T_ASSERT(env != NULL);
	a = verify(env, "bao-so-9", 999, time(NULL), &code, why, sizeof(why));
	T_ASSERT(a != NULL);
	T_EQ_INT(code, ALERT_OK);
	if (a != NULL) {
		T_EQ_INT(a->cancel, 0);
		T_EQ_STR(a->title, "Bão số 9");
		T_EQ_STR(a->file, "bão số 9.opus");
		T_EQ_INT(a->cls, SCHED_EMERGENCY);
		T_EQ_INT(a->sequence, 1000);
		T_EQ_INT(a->chunks, 2);
		T_EQ_INT(a->repeat, 7200);
		T_EQ_INT(a->until, m.until);
		T_EQ_INT(a->expires, m.until);
		T_EQ_INT(a->test, 1);
	}
	alert_msg_free(a);
	free(env);
}

static void
expect_refused(const char *env, const char *id, int64_t newest, time_t now, enum alert_code want,
    const char *phrase)
{
	enum alert_code code;
	char why[512];
	struct alert_msg *a = verify(env, id, newest, now, &code, why, sizeof(why));

	T_ASSERT(a == NULL);
	T_EQ_STR(alert_code_name(code), alert_code_name(want));
	T_CONTAINS(why, phrase);
	alert_msg_free(a);
}

static void
test_refusals(void)
{
	struct alert_meta m = meta("bao-so-9", 1000);
	const char *only[] = { "an-binh" };
	char *env = signed_alert(&m, g_sk), *forged = signed_alert(&m, g_sk2), *p, *other;

	T_ASSERT(env != NULL && forged != NULL);
	expect_refused(forged, "bao-so-9", 0, time(NULL), ALERT_BAD_SIGNATURE, "not by the district key");
	expect_refused(env, "bao-so-9", 1000, time(NULL), ALERT_NOT_NEWER, "replay");
	expect_refused(env, "khac", 0, time(NULL), ALERT_WRONG_ID, "topic");
	expect_refused(env, "bao-so-9", 0, time(NULL) + ALERT_VALID_ONCE + 1, ALERT_EXPIRED,
	    "never played");
	expect_refused("<html>502</html>", "bao-so-9", 0, time(NULL), ALERT_NOT_JSON, "not JSON");
	expect_refused("{\"manifest\":\"{}\"}", "bao-so-9", 0, time(NULL), ALERT_MALFORMED, "lacks");
	/* One byte changed inside the signed text: the signature no longer matches. */
	p = strstr(env, "1000");
	T_ASSERT(p != NULL);
	if (p != NULL)
		p[0] = '2';
	expect_refused(env, "bao-so-9", 0, time(NULL), ALERT_BAD_SIGNATURE, "altered");
	free(env);
	m.region = "khac-huyen";
	env = signed_alert(&m, g_sk);
	expect_refused(env, "bao-so-9", 0, time(NULL), ALERT_WRONG_REGION, "khac-huyen");
	m.region = REGION;
	m.targets = only;
	m.n_targets = 1;
	other = signed_alert(&m, g_sk);
	expect_refused(other, "bao-so-9", 0, time(NULL), ALERT_NOT_TARGETED, "tan-thanh");
	free(env);
	free(other);
	free(forged);
}

/*
 * The envelope's checks, shared with manifests (daemon/proto/envelope.c): JSON
 * that is not an object is malformed (it was "not_json" here before), a key_id
 * that is not text is refused even under a good signature, and a foreign key
 * id in a reason is cut whole characters at a time.
 */
static void
test_envelope_strict(void)
{
	struct alert_meta m = meta("bao-so-9", 1000);
	char *env = signed_alert(&m, g_sk), *forged = signed_alert(&m, g_sk2);
	char *num = forge_key_id(env, json_integer(7)), *none = forge_key_id(env, json_null());
	char *utf8 = forge_key_id(forged, json_string("0123456789abcdeđđđ"));

	T_ASSERT(env && forged && num && none && utf8);
	expect_refused("[\"alert\",\"signature\"]", "bao-so-9", 0, time(NULL), ALERT_MALFORMED,
	    "not an object");
	{	/* A NUL byte is refused as not JSON, as for manifests. */
		struct alert_check chk = { g_pk, REGION, "tan-thanh", NULL, 0, time(NULL) };
		enum alert_code code;
		int64_t seq;
		char why[256];

		T_ASSERT(alert_verify("{}\0{}", 5, &chk, &code, &seq, why, sizeof(why)) == NULL);
		T_EQ_INT(code, ALERT_NOT_JSON);
		T_CONTAINS(why, "NUL byte");
	}
	expect_refused(num, "bao-so-9", 0, time(NULL), ALERT_MALFORMED, "\"key_id\" text");
	expect_refused(none, "bao-so-9", 0, time(NULL), ALERT_MALFORMED, "lacks");
	expect_refused(utf8, "bao-so-9", 0, time(NULL), ALERT_BAD_SIGNATURE,
	    "signed by key 0123456789abcde…, not");
	free(env);
	free(forged);
	free(num);
	free(none);
	free(utf8);
}

static void
test_build_limits_and_cancel(void)
{
	struct alert_meta m = meta("Bad Id", 1);
	enum alert_code code;
	char why[256], *text, *env;
	struct alert_msg *a;
	time_t t;

	T_ASSERT(alert_build(&m, why, sizeof(why)) == NULL);
	T_CONTAINS(why, "not valid");
	m = meta("ok", 1);
	m.repeat = 2;
	T_ASSERT(alert_build(&m, why, sizeof(why)) == NULL);
	T_CONTAINS(why, "from 5 seconds to a day");
	m.repeat = 0;
	m.cls = SCHED_NORMAL;
	T_ASSERT(alert_build(&m, why, sizeof(why)) == NULL);
	T_ASSERT(alert_id_valid("20261122-153005-3f2a"));
	T_ASSERT(!alert_id_valid("../x") && !alert_id_valid("a/b") && !alert_id_valid("a+") &&
	    !alert_id_valid(""));
	text = alert_build_cancel("bao-so-9", REGION, 1001, clock_wall_ms());
	env = text != NULL ? alert_sign(text, g_sk) : NULL;
	T_ASSERT(env != NULL);
	/* A cancel has no expiry of its own: it is accepted whenever it comes. */
	a = env != NULL ? verify(env, "bao-so-9", 1000, time(NULL) + 10 * 86400, &code, why,
	    sizeof(why)) : NULL;
	T_ASSERT(a != NULL && a->cancel && a->sequence == 1001);
	alert_msg_free(a);
	free(text);
	free(env);
	T_EQ_INT(timeparse_iso("2026-11-22T15:00:05+07:00", &t), 0);
	T_EQ_INT(t, 1795334405);
	T_EQ_INT(timeparse_iso("2026-11-22T08:00:05Z", &t), 0);
	T_EQ_INT(t, 1795334405);
	T_EQ_INT(timeparse_iso("2026-02-30T08:00:05Z", &t), -EINVAL);
}

/* ---- the station's module ---- */

struct world {
	char		 dir[64];
	struct config	 cfg;
	struct store	*store;
	struct store_writer *writer;
	struct alert	*al;
	struct ev_source src;
	int		 plays, cancels;
	char		 last_path[512];
	time_t		 last_expires;
	char		 events[16][32];
	int		 nevents;
	json_t		*last_ev;
};

static void
hook_play(void *arg, const struct alert_msg *m, const char *path, time_t expires)
{
	struct world *w = arg;

	(void)m;
	w->plays++;
	snprintf(w->last_path, sizeof(w->last_path), "%s", path);
	w->last_expires = expires;
}

static int
hook_cancel(void *arg, const char *id, const char *reason)
{
	struct world *w = arg;

	(void)id;
	(void)reason;
	w->cancels++;
	return 1;
}

static void
hook_event(void *arg, const char *event, json_t *details)
{
	struct world *w = arg;

	if (w->nevents < 16)
		snprintf(w->events[w->nevents++], sizeof(w->events[0]), "%s", event);
	json_decref(w->last_ev);
	w->last_ev = json_incref(details);
}

static int
world_open(struct world *w)
{
	struct alert_hooks h = { hook_play, hook_cancel, hook_event, w };
	struct errlist errs;

	errlist_init(&errs);
	if (w->store == NULL)
		w->store = tmpstore_open(w->cfg.storage.dir);
	if (w->store != NULL && w->writer == NULL)
		w->writer = store_writer_new(w->store, &errs);
	w->al = w->writer != NULL ? alert_new(&w->cfg, w->store, w->writer, NULL, &h, &errs) :
	    NULL;
	errlist_clear(&errs);
	if (w->al != NULL)
		alert_source(w->al, &w->src);
	return w->al != NULL ? 0 : -1;
}

/*
 * A restart as the daemon makes it: the alerts go, the writer finishes every
 * write it was given (store_writer_free), and both come back. Reopening the
 * alerts alone would read the disk while their last writes may still be on
 * the writer's way to it.
 */
static int
world_restart(struct world *w)
{
	alert_free(w->al);
	w->al = NULL;
	store_writer_free(w->writer);
	w->writer = NULL;
	return world_open(w);
}

static int
world_new(struct world *w)
{
	char key[128], why[256];

	memset(w, 0, sizeof(*w));
	if (tmpstore_dir(w->dir, sizeof(w->dir), "alert") < 0)
		return -1;
	conf_defaults(&w->cfg);
	snprintf(w->cfg.station.id, sizeof(w->cfg.station.id), "tan-thanh");
	snprintf(w->cfg.station.region, sizeof(w->cfg.station.region), REGION);
	snprintf(w->cfg.storage.dir, sizeof(w->cfg.storage.dir), "%s/state", w->dir);
	snprintf(key, sizeof(key), "%s/district.key", w->dir);
	if (keygen_write(key, why, sizeof(why)) < 0 || keys_load_secret(key, g_sk, why,
	    sizeof(why)) < 0)
		return -1;
	memcpy(g_pk, g_sk + crypto_sign_SEEDBYTES, sizeof(g_pk));
	snprintf(w->cfg.district.public_key, sizeof(w->cfg.district.public_key), "%s.pub", key);
	return world_open(w);
}

static void
world_free(struct world *w)
{
	alert_free(w->al);
	store_writer_free(w->writer);
	store_close(w->store);
	json_decref(w->last_ev);
	tmpstore_rmdir(w->dir);
}

static int
world_has(const struct world *w, const char *event)
{
	int i, n = 0;

	for (i = 0; i < w->nevents; i++)
		n += strcmp(w->events[i], event) == 0;
	return n;
}

/* The real bulletin file: its meta, and the chunks delivered as the broker would. */
static int
bulletin(struct alert_meta *m, char sha[65], unsigned char **data, size_t *len)
{
	char path[600];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", g_fix, FILE_B);
	if (stat(path, &st) == -1 || file_sha256(path, sha) < 0 ||
	    (*data = malloc((size_t)st.st_size)) == NULL)
		return -1;
	fd = open(path, O_RDONLY);
	*len = (size_t)read(fd, *data, (size_t)st.st_size);
	close(fd);
	m->sha256 = sha;
	m->size = (uint64_t)st.st_size;
	m->file = FILE_B;
	return *len == (size_t)st.st_size ? 0 : -1;
}

static void
deliver_chunks(struct world *w, const char *sha, const unsigned char *data, size_t len,
    uint32_t cs)
{
	char topic[256];
	size_t i, off, n;

	/* Last chunk first: the order must not matter. */
	for (i = (len + cs - 1) / cs; i-- > 0;) {
		off = i * cs;
		n = len - off < cs ? len - off : cs;
		snprintf(topic, sizeof(topic), "loaxa/" REGION "/audio/%s/%zu", sha, i);
		T_EQ_INT(alert_on_message(w->al, topic, data + off, n), 1);
	}
}

static int
deliver(struct world *w, const char *id, const char *env)
{
	char topic[128];

	snprintf(topic, sizeof(topic), "loaxa/" REGION "/alert/%s", id);
	return alert_on_message(w->al, topic, env, strlen(env));
}

static void
test_module_play_repeat_restart_cancel(void)
{
	struct world w;
	struct alert_meta m = meta("bao-so-9", 5000);
	unsigned char *data = NULL;
	char sha[65], got[65], *env = NULL, *cancel = NULL, *text;
	size_t len = 0;
	int64_t now;
	json_t *st;

	T_ASSERT(world_new(&w) == 0 && bulletin(&m, sha, &data, &len) == 0);
	if (w.al == NULL || data == NULL)
		return;
	m.repeat = 60;
	env = signed_alert(&m, g_sk);
	T_EQ_INT(deliver(&w, "bao-so-9", env), 1);
	T_EQ_INT(world_has(&w, "alert_received"), 1);
	T_EQ_INT(w.plays, 0);		/* not before the bulletin is here and verified */
	deliver_chunks(&w, sha, data, len, m.chunk_size);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);	/* the writer has stored it */
	now = clock_mono_ms();
	w.src.dispatch(w.al, NULL, 0, now);
	T_EQ_INT(w.plays, 1);
	T_ASSERT(file_sha256(w.last_path, got) == 0 && strcmp(got, sha) == 0);
	T_EQ_INT(alert_in_use(w.al, sha), 1);
	/* The same retained message again (a reconnect) is ignored quietly. */
	T_EQ_INT(deliver(&w, "bao-so-9", env), 1);
	T_EQ_INT(w.nevents, 1);
	/* A repetition a minute later, not before. */
	w.src.dispatch(w.al, NULL, 0, now + 59000);
	T_EQ_INT(w.plays, 1);
	w.src.dispatch(w.al, NULL, 0, now + 60500);
	T_EQ_INT(w.plays, 2);
	/* A restart remembers it: no second "received", the repeat goes on. */
	T_ASSERT(world_restart(&w) == 0);
	T_EQ_INT(deliver(&w, "bao-so-9", env), 1);
	T_EQ_INT(world_has(&w, "alert_received"), 1);
	st = alert_status(w.al);
	T_EQ_INT(json_array_size(json_object_get(st, "active")), 1);
	json_decref(st);
	/* Cancelled: the station stops it, and the old alert replayed is refused. */
	text = alert_build_cancel("bao-so-9", REGION, 5001, clock_wall_ms());
	cancel = alert_sign(text, g_sk);
	free(text);
	T_EQ_INT(deliver(&w, "bao-so-9", cancel), 1);
	T_EQ_INT(w.cancels, 1);
	T_EQ_INT(world_has(&w, "alert_cancelled"), 1);
	T_EQ_INT(alert_in_use(w.al, sha), 0);
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms() + 3600 * 1000);
	T_EQ_INT(w.plays, 2);
	m.sequence = 4000;
	free(env);
	env = signed_alert(&m, g_sk);
	T_EQ_INT(deliver(&w, "bao-so-9", env), 1);
	T_EQ_INT(world_has(&w, "alert_refused"), 1);
	T_EQ_STR(json_string_value(json_object_get(w.last_ev, "code")), "not_newer");
	free(env);
	free(cancel);
	free(data);
	world_free(&w);
}

static void
test_module_supersede_and_not_ours(void)
{
	struct world w;
	struct alert_meta m = meta("bao-so-9", 10);
	unsigned char *data = NULL;
	char sha[65], *env;
	size_t len = 0;

	T_ASSERT(world_new(&w) == 0 && bulletin(&m, sha, &data, &len) == 0);
	if (w.al == NULL || data == NULL)
		return;
	env = signed_alert(&m, g_sk);
	deliver(&w, "bao-so-9", env);
	free(env);
	deliver_chunks(&w, sha, data, len, m.chunk_size);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);	/* the writer has stored it */
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	T_EQ_INT(w.plays, 1);
	/* A newer alert with the same id stops the old one and plays (the bulletin is stored). */
	m.sequence = 11;
	m.title = "Bão số 9: tin mới";
	env = signed_alert(&m, g_sk);
	deliver(&w, "bao-so-9", env);
	free(env);
	T_EQ_INT(w.cancels, 1);
	T_EQ_INT(json_integer_value(json_object_get(w.last_ev, "supersedes")), 10);
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	T_EQ_INT(w.plays, 2);
	/* Chunks of a bulletin no alert fetches are not ours; nor are other topics. */
	T_EQ_INT(alert_on_message(w.al, "loaxa/" REGION "/audio/00/0", "x", 1), 0);
	T_EQ_INT(alert_on_message(w.al, "loaxa/" REGION "/schedule", "x", 1), 0);
	/* A forged alert is refused once, however often it comes. */
	env = signed_alert(&m, g_sk2);
	deliver(&w, "khac", env);
	deliver(&w, "khac", env);
	free(env);
	T_EQ_INT(world_has(&w, "alert_refused"), 1);
	T_EQ_STR(json_string_value(json_object_get(w.last_ev, "code")), "bad_signature");
	free(data);
	world_free(&w);
}

static void
test_module_unconfigured(void)
{
	struct alert_hooks h = { hook_play, hook_cancel, hook_event, NULL };
	struct config cfg;
	struct alert *a;
	json_t *st;

	conf_defaults(&cfg);
	a = alert_new(&cfg, NULL, NULL, NULL, &h, NULL);
	T_ASSERT(a != NULL);
	T_EQ_INT(alert_on_message(a, "loaxa/x/alert/y", "{}", 2), 0);
	st = alert_status(a);
	T_ASSERT(json_is_false(json_object_get(st, "configured")));
	json_decref(st);
	alert_free(a);
	alert_free(NULL);
}

/*
 * The alert m built and signed by the district key, with the text from
 * replaced by to before signing (what another tool with the key could sign);
 * verified. NULL, and *code, when refused.
 */
static struct alert_msg *
forge_verify(const struct alert_meta *m, const char *from, const char *to,
    enum alert_code *code, char *why, size_t whylen)
{
	char *text = alert_build(m, why, whylen), *at, buf[2048], *env;
	struct alert_msg *a = NULL;

	at = text != NULL ? strstr(text, from) : NULL;
	T_ASSERT(at != NULL);
	if (at != NULL) {
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - text), text, to,
		    at + strlen(from));
		env = alert_sign(buf, g_sk);
		T_ASSERT(env != NULL);
		a = env != NULL ? verify(env, m->id, 0, time(NULL), code, why, whylen) : NULL;
		free(env);
	}
	free(text);
	return a;
}

/*
 * A title or a file name with control characters, even signed by the
 * district, is refused: it would forge log lines and reach the technician's
 * terminal and the district's reports.
 */
static void
test_control_characters_refused(void)
{
	static const char *const forged[][2] = {
		{ "\"Bão số 9\"", "\"Bão số 9\\nloaxad: forged\"" },
		{ "\"bão số 9.opus\"", "\"\\u001b[2Jbão.opus\"" },
	};
	struct alert_meta m = meta("bao-so-9", 1000);
	enum alert_code code;
	struct alert_msg *a;
	char why[256];
	size_t i;

	/* loaxactl's side refuses to build such an alert... */
	m.title = "Bão số 9\nloaxad: forged";
	T_ASSERT(alert_build(&m, why, sizeof(why)) == NULL);
	T_CONTAINS(why, "control characters");
	/* ...and the station refuses one signed by any other tool. */
	m = meta("bao-so-9", 1000);
	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		a = forge_verify(&m, forged[i][0], forged[i][1], &code, why, sizeof(why));
		T_ASSERT(a == NULL);
		T_EQ_INT(code, ALERT_MALFORMED);
		T_CONTAINS(why, "title, bulletin");
		alert_msg_free(a);
	}
}

#define LIVE_URL	"https://stream.huyen.test:8443/live-truc-tiep.opus"

static struct alert_meta
live_meta(const char *id, int64_t seq)
{
	struct alert_meta m = meta(id, seq);

	m.sha256 = NULL;
	m.file = NULL;
	m.size = 0;
	m.duration = 0;
	m.chunk_size = 0;
	m.cls = SCHED_PRIORITY;
	m.title = "Trực tiếp";
	m.stream = LIVE_URL;
	m.until = m.issued_ms / 1000 + 7200;
	return m;
}

/*
 * A live alert ('loaxactl live'): built, signed and verified, with its stream
 * and its end; what it may not be is refused on both sides.
 */
static void
test_live(void)
{
	struct alert_meta m = live_meta("truc-tiep", 1000);
	char why[512], *env = signed_alert(&m, g_sk), *text;
	enum alert_code code;
	struct alert_msg *a;

	T_ASSERT(env != NULL);
	a = env != NULL ? verify(env, "truc-tiep", 0, time(NULL), &code, why, sizeof(why)) : NULL;
	T_ASSERT(a != NULL);
	if (a != NULL) {
		T_EQ_STR(a->stream, LIVE_URL);
		T_EQ_INT(a->cancel, 0);
		T_EQ_INT(a->cls, SCHED_PRIORITY);
		T_EQ_INT(a->until, m.until);
		T_EQ_INT(a->expires, m.until);
		T_EQ_INT(a->repeat, 0);
		T_ASSERT(a->file == NULL);
		T_EQ_STR(a->title, "Trực tiếp");
	}
	alert_msg_free(a);
	free(env);
	text = alert_build(&m, why, sizeof(why));
	T_ASSERT(text != NULL && strstr(text, "\"kind\":\"live\"") != NULL &&
	    strstr(text, "\"bulletin\"") == NULL && strstr(text, "\"repeat\"") == NULL);
	free(text);
	/* The office refuses to build a live alert without an end, or with a bad address. */
	m.until = 0;
	T_ASSERT(alert_build(&m, why, sizeof(why)) == NULL);
	T_CONTAINS(why, "12 hours");
	m.until = m.issued_ms / 1000 + ALERT_LIVE_MAX_SPAN + 1;
	T_ASSERT(alert_build(&m, why, sizeof(why)) == NULL);
	m = live_meta("truc-tiep", 1000);
	m.stream = "ftp://stream.huyen.test/live.opus";
	T_ASSERT(alert_build(&m, why, sizeof(why)) == NULL);
	T_CONTAINS(why, "address");
	m = live_meta("truc-tiep", 1000);
	m.sha256 = "bc49782d96653ba1a56c95fe13415cd0d8464d7102cb1e1ea5adc7c4296d6f7c";
	m.file = "bão số 9.opus";
	T_ASSERT(alert_build(&m, why, sizeof(why)) == NULL);
	T_CONTAINS(why, "not a bulletin");
}

/* A live alert signed by the district but wrong in its shape is refused by the station. */
static void
test_live_refused(void)
{
	struct alert_meta m = live_meta("truc-tiep", 1000);
	static const char *const forged[][3] = {
		{ ",\"stream\":\"" LIVE_URL "\"", "", "names a stream" },
		{ LIVE_URL, "file:///etc/passwd", "http" },
		{ LIVE_URL, "https://", "no server" },
		{ ",\"stream\":", ",\"bulletin\":{\"sha256\":\"bc49782d96653ba1a56c95fe13415cd0"
		    "d8464d7102cb1e1ea5adc7c4296d6f7c\",\"size\":31425,\"duration\":10.05,"
		    "\"file\":\"b.opus\",\"chunk_size\":16384,\"chunks\":2},\"stream\":",
		    "no bulletin" },
		{ ",\"stream\":", ",\"repeat\":60,\"stream\":", "no repeat" },
		{ "\"kind\":\"live\"", "\"kind\":\"alert\"", "title, bulletin" },
	};
	enum alert_code code;
	struct alert_msg *a;
	char why[512], *text, *at;
	size_t i;

	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		a = forge_verify(&m, forged[i][0], forged[i][1], &code, why, sizeof(why));
		T_ASSERT(a == NULL);
		T_EQ_INT(code, ALERT_MALFORMED);
		T_CONTAINS(why, forged[i][2]);
		alert_msg_free(a);
	}
	/* No "until": the end of a live broadcast is required. */
	text = alert_build(&m, why, sizeof(why));
	at = text != NULL ? strstr(text, ",\"until\":\"") : NULL;
	T_ASSERT(at != NULL);
	if (at != NULL) {
		char from[80];
		const char *q = strchr(at + 10, '"');

		snprintf(from, sizeof(from), "%.*s", (int)(q - at + 1), at);
		a = forge_verify(&m, from, ",\"until\":null", &code, why, sizeof(why));
		T_ASSERT(a == NULL);
		T_CONTAINS(why, "when it ends");
		alert_msg_free(a);
	}
	free(text);
}

/*
 * Numbers out of range in a district-signed alert are refused, so that no
 * time arithmetic can overflow: before, "repeat": INT64_MAX made the next
 * repetition always due (thousands of "missed" a second, a busy CPU).
 */
static void
test_numbers_out_of_range(void)
{
	static const char *const forged[][2] = {
		{ "\"repeat\":7200", "\"repeat\":9223372036854775807" },
		{ "\"repeat\":7200", "\"repeat\":86401" },
		{ "\"duration\":10.05", "\"duration\":1e300" },
		{ "\"sequence\":1000", "\"sequence\":9223372036854775807" },
	};
	struct alert_meta m = meta("bao-so-9", 1000);
	enum alert_code code;
	struct alert_msg *a;
	char why[256];
	size_t i;

	m.repeat = 7200;
	m.until = time(NULL) + 8 * 86400;		/* more than a week ahead */
	T_ASSERT(alert_build(&m, why, sizeof(why)) == NULL);
	m.until = 0;
	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		a = forge_verify(&m, forged[i][0], forged[i][1], &code, why, sizeof(why));
		T_ASSERT(a == NULL);
		T_EQ_INT(code, ALERT_MALFORMED);
		alert_msg_free(a);
	}
}

/*
 * A fetch whose chunks never come (cleared from the broker, lost in a broker
 * restart) stands in front of no other alert: a newer alert's bulletin is
 * fetched and played at once, a cancelled alert's fetch is dropped, and an
 * alert whose bulletin never came is given up when it expires. Before, the
 * one fetch stayed busy for good and every later emergency waited behind it.
 */
static void
test_module_stuck_fetch(void)
{
	struct world w;
	struct alert_meta stuck = meta("lost", 100), real = meta("bao-so-9", 200);
	unsigned char *data = NULL;
	char sha[65], *env1, *env2, *cancel, *text;
	size_t len = 0;

	T_ASSERT(world_new(&w) == 0 && bulletin(&real, sha, &data, &len) == 0);
	if (w.al == NULL || data == NULL)
		return;
	stuck.sha256 = "00c49782d96653ba1a56c95fe13415cd0d8464d7102cb1e1ea5adc7c4296d6f7";
	stuck.issued_ms -= 1000;
	env1 = signed_alert(&stuck, g_sk);
	T_EQ_INT(deliver(&w, "lost", env1), 1);
	env2 = signed_alert(&real, g_sk);
	T_EQ_INT(deliver(&w, "bao-so-9", env2), 1);
	/* The newer alert's chunks are taken at once, although "lost" came first. */
	deliver_chunks(&w, sha, data, len, real.chunk_size);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);	/* the writer has stored it */
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	T_EQ_INT(w.plays, 1);
	/* "lost" is fetched again now; cancelled, its fetch is dropped. */
	T_EQ_INT(alert_on_message(w.al, "loaxa/" REGION "/audio/00c49782d96653ba1a56c95fe13415cd0d84"
	    "64d7102cb1e1ea5adc7c4296d6f7/0", "x", 1), 1);
	text = alert_build_cancel("lost", REGION, 101, clock_wall_ms());
	cancel = alert_sign(text, g_sk);
	free(text);
	T_EQ_INT(deliver(&w, "lost", cancel), 1);
	T_EQ_INT(alert_on_message(w.al, "loaxa/" REGION "/audio/00c49782d96653ba1a56c95fe13415cd0d84"
	    "64d7102cb1e1ea5adc7c4296d6f7/0", "x", 1), 0);
	free(env1);
	free(env2);
	free(cancel);
	free(data);
	world_free(&w);
}

/* An alert whose bulletin never comes is given up when it expires, and says so. */
static void
test_module_fetch_expires(void)
{
	struct world w;
	struct alert_meta m = meta("lost", 100);
	int64_t end, deadline;
	char *env;

	T_ASSERT(world_new(&w) == 0);
	if (w.al == NULL)
		return;
	m.issued_ms = clock_wall_ms() - (ALERT_VALID_ONCE - 1) * 1000LL;	/* expires in 1 s */
	env = signed_alert(&m, g_sk);
	T_EQ_INT(deliver(&w, "lost", env), 1);
	T_EQ_INT(world_has(&w, "alert_received"), 1);
	/* The loop's own wait, with a deadline: its prepare() says when the alert expires. */
	for (end = clock_mono_ms() + 5000; !world_has(&w, "alert_refused") &&
	    clock_mono_ms() < end;) {
		deadline = end;
		w.src.prepare(w.al, NULL, 0, &deadline);
		T_ASSERT(deadline <= clock_mono_ms() + 1100);
		poll(NULL, 0, (int)(deadline > clock_mono_ms() ? deadline - clock_mono_ms() : 0));
		w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	}
	T_EQ_INT(world_has(&w, "alert_refused"), 1);
	T_EQ_STR(json_string_value(json_object_get(w.last_ev, "code")), "bulletin_missing");
	T_EQ_INT(alert_on_message(w.al, "loaxa/" REGION "/audio/bc49782d96653ba1a56c95fe13415cd0d84"
	    "64d7102cb1e1ea5adc7c4296d6f7/0", "x", 1), 0);
	free(env);
	world_free(&w);
}

/*
 * Replay protection does not depend on a small cache: after 40 cancellations
 * of other communes' alerts (more than the 32 records the station kept
 * before), the same signed alert redelivered is still recognised and not
 * played again, also across a restart.
 */
static void
test_module_replay_after_many(void)
{
	struct world w;
	struct alert_meta m = meta("bao-so-9", 5000);
	unsigned char *data = NULL;
	char sha[65], id[32], *env, *text, *cancel;
	size_t len = 0;
	int i;

	T_ASSERT(world_new(&w) == 0 && bulletin(&m, sha, &data, &len) == 0);
	if (w.al == NULL || data == NULL)
		return;
	env = signed_alert(&m, g_sk);
	T_EQ_INT(deliver(&w, "bao-so-9", env), 1);
	deliver_chunks(&w, sha, data, len, m.chunk_size);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);	/* the writer has stored it */
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	T_EQ_INT(w.plays, 1);
	for (i = 0; i < 40; i++) {
		snprintf(id, sizeof(id), "xa-khac-%d", i);
		text = alert_build_cancel(id, REGION, 100 + i, clock_wall_ms());
		cancel = text != NULL ? alert_sign(text, g_sk) : NULL;
		T_ASSERT(cancel != NULL && deliver(&w, id, cancel) == 1);
		free(text);
		free(cancel);
		w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	}
	T_EQ_INT(deliver(&w, "bao-so-9", env), 1);
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	T_EQ_INT(w.plays, 1);
	T_ASSERT(world_restart(&w) == 0);
	T_EQ_INT(deliver(&w, "bao-so-9", env), 1);
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	T_EQ_INT(w.plays, 1);
	free(env);
	free(data);
	world_free(&w);
}

/*
 * A forgery whose key id ends in a multi-byte character is reported to the
 * district: before, the reason cut it in half, jansson refused the invalid
 * UTF-8, and the alert_refused event was silently not sent.
 */
static void
test_module_forgery_reported(void)
{
	struct world w;
	struct alert_meta m = meta("bao-so-9", 1000);
	char *forged, *utf8;

	T_ASSERT(world_new(&w) == 0);
	if (w.al == NULL)
		return;
	forged = signed_alert(&m, g_sk2);
	utf8 = forge_key_id(forged, json_string("0123456789abcdeđđđ"));
	T_EQ_INT(deliver(&w, "bao-so-9", utf8), 1);
	T_EQ_INT(world_has(&w, "alert_refused"), 1);
	T_EQ_STR(json_string_value(json_object_get(w.last_ev, "code")), "bad_signature");
	T_ASSERT(json_is_string(json_object_get(w.last_ev, "reason")));
	free(forged);
	free(utf8);
	world_free(&w);
}

/* A report whose details could not be built is sent with a stand-in, never dropped. */
static void
test_report_details_stand_in(void)
{
	char bad[] = "l\xe1\xbb";	/* cut in the middle of a character */
	json_t *d = report_details(json_pack("{s:s}", "reason", bad), "test", "alert_refused");

	T_ASSERT(d != NULL && json_is_string(json_object_get(d, "error")));
	json_decref(d);
}

/*
 * A station whose clock is behind (no RTC, or fake-hwclock a week back) does
 * not play an alert that expired long ago and is still retained: it compares
 * the alert with the newest time its district has signed (kept across
 * restarts), here a cancellation signed 12 days past its clock.
 */
static void
test_module_clock_behind(void)
{
	struct world w;
	struct alert_meta m = meta("cu", 2000);
	int64_t ahead = 12 * 86400 * 1000LL;
	char *env, *text, *cancel;

	T_ASSERT(world_new(&w) == 0);
	if (w.al == NULL)
		return;
	text = alert_build_cancel("khac", REGION, 1, clock_wall_ms() + ahead);
	cancel = text != NULL ? alert_sign(text, g_sk) : NULL;
	T_ASSERT(cancel != NULL && deliver(&w, "khac", cancel) == 1);
	/* Issued 10 days past the station's clock: current to it, stale to the district. */
	m.issued_ms = clock_wall_ms() + 10 * 86400 * 1000LL;
	m.sequence = m.issued_ms;
	env = signed_alert(&m, g_sk);
	T_EQ_INT(deliver(&w, "cu", env), 1);
	T_EQ_INT(world_has(&w, "alert_received"), 0);
	T_EQ_INT(world_has(&w, "alert_refused"), 1);
	T_EQ_STR(json_string_value(json_object_get(w.last_ev, "code")), "expired");
	T_CONTAINS(json_string_value(json_object_get(w.last_ev, "reason")), "clock is behind");
	/* The floor is kept across a restart. */
	T_ASSERT(world_restart(&w) == 0);
	T_EQ_INT(deliver(&w, "cu", env), 1);
	T_EQ_INT(world_has(&w, "alert_received"), 0);
	free(text);
	free(cancel);
	free(env);
	world_free(&w);
}

/*
 * Forged alerts retained by anyone on the broker: each is reported once per
 * topic and message (not again at every reconnect), and at most 10 reports
 * a minute; the rest are counted into the next report.
 */
static void
test_module_refusal_flood(void)
{
	struct world w;
	char id[32], env[64];
	int i, nref;

	T_ASSERT(world_new(&w) == 0);
	if (w.al == NULL)
		return;
	T_EQ_INT(deliver(&w, "gia-0", "{\"alert\":\"forged\"}"), 1);
	for (i = 0; i < 20; i++)		/* more than the 8 remembered before */
		T_EQ_INT(deliver(&w, "gia-0", "{\"alert\":\"forged\"}"), 1);
	T_EQ_INT(world_has(&w, "alert_refused"), 1);
	for (i = 1; i < 150; i++) {
		snprintf(id, sizeof(id), "gia-%d", i);
		snprintf(env, sizeof(env), "{\"alert\":\"forged %d\"}", i);
		T_EQ_INT(deliver(&w, id, env), 1);
	}
	nref = world_has(&w, "alert_refused");
	T_ASSERT(nref <= 10);
	/* Again, as at a reconnect: nothing new is reported. */
	T_EQ_INT(deliver(&w, "gia-0", "{\"alert\":\"forged\"}"), 1);
	T_EQ_INT(world_has(&w, "alert_refused"), nref);
	world_free(&w);
}

/*
 * A one-off alert is done (and its record retired) as soon as it starts; a
 * cancellation that comes while it still sounds must stop it all the same.
 */
static void
test_module_cancel_while_last_play_sounds(void)
{
	struct world w;
	struct alert_meta m = meta("bao-so-9", 5000);
	unsigned char *data = NULL;
	char sha[65], *env, *text, *cancel;
	size_t len = 0;

	T_ASSERT(world_new(&w) == 0 && bulletin(&m, sha, &data, &len) == 0);
	if (w.al == NULL || data == NULL)
		return;
	env = signed_alert(&m, g_sk);
	T_EQ_INT(deliver(&w, "bao-so-9", env), 1);
	deliver_chunks(&w, sha, data, len, m.chunk_size);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);	/* the writer has stored it */
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());	/* retired: played its only time */
	T_EQ_INT(w.plays, 1);
	text = alert_build_cancel("bao-so-9", REGION, 5001, clock_wall_ms());
	cancel = alert_sign(text, g_sk);
	T_EQ_INT(deliver(&w, "bao-so-9", cancel), 1);
	T_EQ_INT(w.cancels, 1);
	T_EQ_INT(world_has(&w, "alert_cancelled"), 1);
	T_EQ_INT(json_is_true(json_object_get(w.last_ev, "active")), 1);
	free(text);
	free(cancel);
	free(env);
	free(data);
	world_free(&w);
}

/* ---- while the store's writer stores an alert's bulletin ---- */

/* Temporary files left in the bulletin directory. */
static int
temp_files(const struct world *w)
{
	return tmpstore_entries(store_bulletin_dir(w->store), 1);
}

static int
stored(const struct world *w, const char *sha)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s.opus", store_bulletin_dir(w->store), sha);
	return access(path, F_OK) == 0;
}

/* The alert id, with the bulletin of m, delivered with all its chunks (one byte changed: damaged). */
static void
deliver_alert_and_bulletin(struct world *w, const char *id, struct alert_meta *m,
    const unsigned char *data, size_t len, int damaged)
{
	unsigned char *copy = malloc(len);
	char *env = signed_alert(m, g_sk);

	T_ASSERT(copy != NULL && env != NULL);
	if (copy == NULL || env == NULL) {
		free(copy);
		free(env);
		return;
	}
	memcpy(copy, data, len);
	if (damaged)
		copy[len / 2] ^= 0x40;
	T_EQ_INT(deliver(w, id, env), 1);
	deliver_chunks(w, m->sha256, copy, len, m->chunk_size);
	free(copy);
	free(env);
}

/*
 * The last chunk comes and the loop goes on at once: the writer (held back
 * here, as by a slow SD card) checks and stores the bulletin. Meanwhile the
 * alert is not played, a chunk sent again is no one's, and another alert
 * with the same bulletin waits for the same store; then both play.
 */
static void
test_module_stored_by_the_writer(void)
{
	struct world w;
	struct alert_meta m = meta("bao-so-9", 100), m2 = meta("bao-so-10", 100);
	struct writer_gate g;
	unsigned char *data = NULL;
	char sha[65], topic[256], *env;
	size_t len = 0;
	json_t *st;

	T_ASSERT(world_new(&w) == 0 && bulletin(&m, sha, &data, &len) == 0);
	if (w.al == NULL || data == NULL)
		return;
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	deliver_alert_and_bulletin(&w, "bao-so-9", &m, data, len, 0);
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	T_EQ_INT(w.plays, 0);
	st = alert_status(w.al);
	T_ASSERT(json_is_true(json_object_get(json_array_get(json_object_get(st, "active"), 0),
	    "fetching")));
	json_decref(st);
	snprintf(topic, sizeof(topic), "loaxa/" REGION "/audio/%s/0", sha);
	T_EQ_INT(alert_on_message(w.al, topic, data, m.chunk_size), 0);
	m2.sha256 = m.sha256;
	m2.size = m.size;
	m2.file = m.file;
	env = signed_alert(&m2, g_sk);
	T_EQ_INT(deliver(&w, "bao-so-10", env), 1);
	free(env);
	T_EQ_INT(w.plays, 0);
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);
	T_ASSERT(stored(&w, sha));
	T_EQ_INT(temp_files(&w), 0);
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	T_EQ_INT(w.plays, 2);
	T_EQ_INT(world_has(&w, "alert_refused"), 0);
	free(data);
	world_free(&w);
}

/*
 * An alert cancelled while the writer stores its bulletin is neither played
 * nor refused when the writer is done; one whose bulletin turns out damaged
 * is refused then, as it was straight after the last chunk.
 */
static void
test_module_cancel_or_damage_while_storing(void)
{
	struct world w;
	struct alert_meta m = meta("bao-so-9", 100);
	struct writer_gate g;
	unsigned char *data = NULL;
	char sha[65], *text, *cancel;
	size_t len = 0;

	T_ASSERT(world_new(&w) == 0 && bulletin(&m, sha, &data, &len) == 0);
	if (w.al == NULL || data == NULL)
		return;
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	deliver_alert_and_bulletin(&w, "bao-so-9", &m, data, len, 0);
	text = alert_build_cancel("bao-so-9", REGION, 101, clock_wall_ms());
	cancel = text != NULL ? alert_sign(text, g_sk) : NULL;
	T_ASSERT(cancel != NULL && deliver(&w, "bao-so-9", cancel) == 1);
	free(text);
	free(cancel);
	T_EQ_INT(world_has(&w, "alert_cancelled"), 1);
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	T_EQ_INT(w.plays, 0);
	T_EQ_INT(world_has(&w, "alert_refused"), 0);
	T_EQ_INT(temp_files(&w), 0);
	/* Damaged on the way: refused once the writer has found it out. */
	m = meta("bao-so-11", 100);
	m.sha256 = "00c49782d96653ba1a56c95fe13415cd0d8464d7102cb1e1ea5adc7c4296d6f7";
	m.size = len;
	m.file = FILE_B;
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	deliver_alert_and_bulletin(&w, "bao-so-11", &m, data, len, 1);
	T_EQ_INT(world_has(&w, "alert_refused"), 0);
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);
	T_EQ_INT(world_has(&w, "alert_refused"), 1);
	T_EQ_STR(json_string_value(json_object_get(w.last_ev, "code")), "bulletin_mismatch");
	T_EQ_STR(json_string_value(json_object_get(w.last_ev, "id")), "bao-so-11");
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	T_EQ_INT(w.plays, 0);
	T_ASSERT(!stored(&w, m.sha256));
	T_EQ_INT(temp_files(&w), 0);
	free(data);
	world_free(&w);
}

/*
 * The alerts go (the station stops) while the writer stores a bulletin: the
 * writer's job frees what it holds, once, and the bulletin it stored stays.
 * Then the other order: the writer stops first and tells the alerts.
 */
static void
test_module_stop_while_storing(void)
{
	struct world w;
	struct alert_meta m = meta("bao-so-9", 100);
	struct writer_gate g;
	unsigned char *data = NULL;
	char sha[65];
	size_t len = 0;

	T_ASSERT(world_new(&w) == 0 && bulletin(&m, sha, &data, &len) == 0);
	if (w.al == NULL || data == NULL)
		return;
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	deliver_alert_and_bulletin(&w, "bao-so-9", &m, data, len, 0);
	alert_free(w.al);
	w.al = NULL;
	writer_gate_open(&g);
	T_EQ_INT(writer_settle(w.writer, 5000), 0);
	T_ASSERT(stored(&w, sha));
	T_EQ_INT(temp_files(&w), 0);
	/* Restarted: the alert is remembered, its bulletin is there, it plays. */
	T_ASSERT(world_open(&w) == 0);
	w.src.dispatch(w.al, NULL, 0, clock_mono_ms());
	T_EQ_INT(w.plays, 1);
	/* The writer stops first, while storing bytes that are not the ones signed. */
	m = meta("bao-so-12", 100);
	m.sha256 = "00c49782d96653ba1a56c95fe13415cd0d8464d7102cb1e1ea5adc7c4296d6f7";
	m.size = len;
	m.file = FILE_B;
	T_EQ_INT(writer_gate_close(w.writer, &g), 0);
	deliver_alert_and_bulletin(&w, "bao-so-12", &m, data, len, 0);
	writer_gate_open(&g);
	store_writer_free(w.writer);
	w.writer = NULL;
	T_EQ_INT(temp_files(&w), 0);
	T_ASSERT(!stored(&w, m.sha256));
	T_EQ_INT(world_has(&w, "alert_refused"), 0);	/* the station is stopping: no verdict */
	free(data);
	world_free(&w);
}

int
main(void)
{
	unsigned char seed[crypto_sign_SEEDBYTES] = { 'i', 'n', 't', 'r', 'u', 'd', 'e', 'r' };
	const char *fix = getenv("LOAXA_FIXTURES");

	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	snprintf(g_fix, sizeof(g_fix), "%s", fix != NULL ? fix : "build/fixtures");
	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(g_pk, g_sk);
	crypto_sign_seed_keypair(g_pk2, g_sk2, seed);
	T_RUN(test_round_trip);
	T_RUN(test_refusals);
	T_RUN(test_envelope_strict);
	T_RUN(test_build_limits_and_cancel);
	T_RUN(test_module_play_repeat_restart_cancel);
	T_RUN(test_module_supersede_and_not_ours);
	T_RUN(test_module_unconfigured);
	T_RUN(test_control_characters_refused);
	T_RUN(test_numbers_out_of_range);
	T_RUN(test_live);
	T_RUN(test_live_refused);
	T_RUN(test_module_stuck_fetch);
	T_RUN(test_module_fetch_expires);
	T_RUN(test_module_replay_after_many);
	T_RUN(test_module_forgery_reported);
	T_RUN(test_report_details_stand_in);
	T_RUN(test_module_clock_behind);
	T_RUN(test_module_refusal_flood);
	T_RUN(test_module_cancel_while_last_play_sounds);
	T_RUN(test_module_stored_by_the_writer);
	T_RUN(test_module_cancel_or_damage_while_storing);
	T_RUN(test_module_stop_while_storing);
	return T_EXIT();
}
