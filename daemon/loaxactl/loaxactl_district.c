/*
 * 'loaxactl keygen' and 'loaxactl publish', run at the district office.
 *
 * publish checks everything before it sends anything: the schedule with the
 * station's own code (schedule_load, the same messages), every bulletin
 * decoded through once, the sizes against what a station accepts. Only then
 * does it connect, read the manifest retained now (so the version only goes
 * up), publish each bulletin's chunks and last the signed manifest, all QoS 1
 * and retained, waiting for every PUBACK. A plain blocking libmosquitto
 * client is enough here: this is a command, not the station's loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <sodium.h>

#include "codecs/opus_reader.h"
#include "config/conf.h"
#include "config/errlist.h"
#include "config/i18n.h"
#include "config/keys.h"
#include "config/schedule.h"
#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/core/file.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/keygen.h"
#include "daemon/loaxactl/loaxactl_district.h"
#include "daemon/proto/manifest.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2
#define PUB_RATE	48000
#define PUB_WINDOW	8		/* chunks awaiting their PUBACK */
#define PUB_IDLE_MS	30000		/* no progress for this long: give up */
#define PUB_TARGETS_MAX	MANIFEST_MAX_TARGETS

struct pub_opts {
	const char	*sched, *region, *key, *stations;
	char		 host[256];
	int		 port;
	uint32_t	 chunk;
	int		 dry_run;
	char		 region_buf[64];
};

/* The blocking client's state, filled by libmosquitto's callbacks. */
struct pub_client {
	struct mosquitto *mosq;
	int	 connected, refused;
	int	 pending[PUB_WINDOW + 1];
	int	 npending;
	char	 probe_topic[128], manifest_topic[128];
	int	 probe_seen;
	char	*retained;		/* the manifest retained now, if any */
	int64_t	 progress_ms;
};

static int
pub_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
pub_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("loaxactl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_REFUSED;
}

/* --- keygen ----------------------------------------------------------------------- */

static int
cmd_keygen(int argc, char **argv)
{
	unsigned char pk[KEYS_PUBLIC_BYTES], sk[KEYS_SECRET_BYTES];
	char why[512], id[KEYS_ID_HEX + 1];

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, _("loaxactl: keygen takes one argument, the file for the secret "
		    "key, e.g. 'loaxactl keygen /etc/loaxa/district.key'\n"));
		return EXIT_USAGE;
	}
	if (keygen_write(argv[1], why, sizeof(why)) < 0)
		return pub_fail(_("cannot make a district key: %s"), why);
	if (keys_load_secret(argv[1], sk, why, sizeof(why)) < 0)
		return pub_fail(_("the new key cannot be read back: %s"), why);
	memcpy(pk, sk + crypto_sign_SEEDBYTES, sizeof(pk));
	sodium_memzero(sk, sizeof(sk));
	keys_id(pk, id);
	printf(_("Made district key %s:\n"
	    "  %s      the secret key (mode 0600): keep it at the district office, back it up "
	    "offline,\n"
	    "  %*s      and never give it to a station; whoever has it can make the loudspeakers "
	    "speak\n"
	    "  %s.pub  the public key: copy it to every station and name it in loaxa.cfg:\n"
	    "  %*s      district = { public_key = \"/etc/loaxa/district.pub\"; };\n"),
	    id, argv[1], (int)strlen(argv[1]), "", argv[1], (int)strlen(argv[1]) + 4, "");
	return 0;
}

/* --- publish: the command line ---------------------------------------------------------- */

static int
pub_hostport(struct pub_opts *o, const char *v)
{
	return ctl_args_hostport(v, o->host, sizeof(o->host), &o->port);
}

static int
pub_from_config(struct pub_opts *o, const char *conf)
{
	int rc = ctl_args_from_config(conf, o->region_buf, sizeof(o->region_buf), o->host,
	    sizeof(o->host), &o->port);

	if (rc == 0)
		o->region = o->region_buf;
	return rc != 0 ? EXIT_REFUSED : 0;
}

static int
pub_usage(const char *fmt, const char *arg)
{
	fputs("loaxactl: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", _("Usage: loaxactl [-c CONFIG] publish SCHEDULE.cfg --region REGION "
	    "--key KEYFILE\n"
	    "         [--mqtt HOST[:PORT]] [--stations ID,ID,...] [--chunk-size BYTES] "
	    "[--dry-run]\n"));
	return EXIT_USAGE;
}

static int
pub_args(struct pub_opts *o, const char *conf, int argc, char **argv)
{
	long v;
	int i, rc;

	snprintf(o->host, sizeof(o->host), "127.0.0.1");
	o->port = 1883;
	o->chunk = MANIFEST_CHUNK_BYTES;
	if (conf != NULL && (rc = pub_from_config(o, conf)) != 0)
		return rc;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--dry-run") == 0) {
			o->dry_run = 1;
			continue;
		}
		if (a[0] != '-') {
			if (o->sched != NULL)
				return pub_usage(_("publish takes one schedule; \"%s\" is one too many"), a);
			o->sched = a;
			continue;
		}
		if (val == NULL)
			return pub_usage(_("%s needs a value"), a);
		i++;
		if (strcmp(a, "--region") == 0)
			o->region = val;
		else if (strcmp(a, "--key") == 0)
			o->key = val;
		else if (strcmp(a, "--stations") == 0)
			o->stations = val;
		else if (strcmp(a, "--mqtt") == 0) {
			if (pub_hostport(o, val) < 0)
				return pub_usage(_("\"%s\" is not HOST or HOST:PORT"), val);
		} else if (strcmp(a, "--chunk-size") == 0) {
			v = strtol(val, NULL, 10);
			if (v < 1024 || v > MANIFEST_CHUNK_BYTES)
				return pub_usage(_("the chunk size %s is not from 1024 to 262144 bytes"),
				    val);
			o->chunk = (uint32_t)v;
		} else
			return pub_usage(_("publish does not know the option %s"), a);
	}
	if (o->sched == NULL)
		return pub_usage("%s", _("publish needs the schedule file"));
	if (o->region == NULL)
		return pub_usage("%s", _("publish needs --region (or -c with a configuration)"));
	if (o->key == NULL)
		return pub_usage("%s", _("publish needs --key, the district's secret key file"));
	return 0;
}

/* "a,b,c" into targets (pointing into buf). Count, or -1. */
static int
pub_targets(const char *list, char *buf, size_t len, const char **targets, size_t max)
{
	size_t n = 0;
	char *p, *save = NULL;

	if ((size_t)snprintf(buf, len, "%s", list) >= len)
		return -1;
	for (p = strtok_r(buf, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return -1;
		targets[n++] = p;
	}
	return (int)n;
}

/* --- publish: checking the bulletins ------------------------------------------------------- */

/* Decodes, hashes and measures one item's file; the message says which item. */
static int
pub_measure_one(const struct sched_slot *sl, const struct sched_item *it,
    struct manifest_item_info *info)
{
	struct opus_info oi;
	struct stat st;
	int rc;

	if (stat(it->file, &st) == -1 || !S_ISREG(st.st_mode))
		return pub_fail(_("slot \"%s\" (line %d): \"%s\" cannot be read"), sl->title,
		    sl->line, it->file);
	if ((uint64_t)st.st_size > MANIFEST_MAX_BULLETIN)
		return pub_fail(_("slot \"%s\" (line %d): \"%s\" is %lld bytes, more than the %llu "
		    "a station takes; split it or encode it at a lower bitrate"), sl->title,
		    sl->line, it->file, (long long)st.st_size, MANIFEST_MAX_BULLETIN);
	if ((rc = opus_reader_check_file(it->file, PUB_RATE, 1, &oi)) < 0)
		return pub_fail(_("slot \"%s\" (line %d): \"%s\" does not play: %s"), sl->title, sl->line, it->file,
		    opus_reader_strerror(rc));
	if ((rc = file_sha256(it->file, info->sha256)) < 0)
		return pub_fail(_("slot \"%s\" (line %d): \"%s\" cannot be read: %s"), sl->title,
		    sl->line, it->file, strerror(-rc));
	info->size = (uint64_t)st.st_size;
	info->duration = (double)oi.frames / PUB_RATE;
	return 0;
}

/* Every item, in order (files[k] is item k's); every problem is printed. 0, or how many. */
static int
pub_measure(const struct schedule *s, struct manifest_item_info *info, const char **files)
{
	size_t i, j, k = 0, m;
	int bad = 0;

	for (i = 0; i < s->n_slots; i++) {
		for (j = 0; j < s->slots[i].n_items; j++, k++) {
			files[k] = s->slots[i].items[j].file;
			/* A bulletin in many slots is decoded once. */
			for (m = 0; m < k && strcmp(files[m], files[k]) != 0; m++)
				;
			if (m < k)
				info[k] = info[m];
			else if (pub_measure_one(&s->slots[i], &s->slots[i].items[j], &info[k]) != 0)
				bad++;
		}
	}
	return bad;
}

/* --- publish: the MQTT client ------------------------------------------------------------- */

static void
pub_cb_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct pub_client *c = obj;

	(void)mosq;
	c->connected = rc == 0 ? 1 : 0;
	c->refused = rc;
}

static void
pub_cb_publish(struct mosquitto *mosq, void *obj, int mid)
{
	struct pub_client *c = obj;
	int i;

	(void)mosq;
	for (i = 0; i < c->npending; i++) {
		if (c->pending[i] == mid) {
			c->pending[i] = c->pending[--c->npending];
			c->progress_ms = clock_mono_ms();
			return;
		}
	}
}

static void
pub_cb_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct pub_client *c = obj;

	(void)mosq;
	if (strcmp(msg->topic, c->probe_topic) == 0)
		c->probe_seen = 1;
	else if (strcmp(msg->topic, c->manifest_topic) == 0 && msg->retain && c->retained == NULL &&
	    msg->payloadlen > 0 && msg->payloadlen <= MANIFEST_MAX_BYTES)
		c->retained = strndup(msg->payload, (size_t)msg->payloadlen);
}

static int
pub_done_connected(const struct pub_client *c)
{
	return c->connected || c->refused != 0;
}

static int
pub_done_probe(const struct pub_client *c)
{
	return c->probe_seen;
}

static int
pub_done_acked(const struct pub_client *c)
{
	return c->npending == 0;
}

static int
pub_done_window(const struct pub_client *c)
{
	return c->npending < PUB_WINDOW;
}

/* Runs the client until done(c), or until nothing happened for PUB_IDLE_MS. */
static int
pub_wait(struct pub_client *c, int (*done)(const struct pub_client *))
{
	int rc;

	c->progress_ms = clock_mono_ms();
	while (!done(c)) {
		if (clock_mono_ms() - c->progress_ms > PUB_IDLE_MS)
			return -ETIMEDOUT;
		rc = mosquitto_loop(c->mosq, 100, 1);
		if (rc != MOSQ_ERR_SUCCESS)
			return rc == MOSQ_ERR_ERRNO ? -errno : -ECONNRESET;
	}
	return 0;
}

static int
pub_publish(struct pub_client *c, const char *topic, const void *buf, size_t len)
{
	int mid, rc;

	if ((rc = pub_wait(c, pub_done_window)) < 0)
		return rc;
	rc = mosquitto_publish(c->mosq, &mid, topic, (int)len, buf, 1, true);
	if (rc != MOSQ_ERR_SUCCESS)
		return rc == MOSQ_ERR_ERRNO ? -errno : -ECONNRESET;
	c->pending[c->npending++] = mid;
	return 0;
}

static int
pub_connect(struct pub_client *c, const struct pub_opts *o)
{
	unsigned char nonce[8];
	char hex[17];
	int rc;

	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(hex, sizeof(hex), nonce, sizeof(nonce));
	snprintf(c->manifest_topic, sizeof(c->manifest_topic), "loaxa/%s/schedule", o->region);
	snprintf(c->probe_topic, sizeof(c->probe_topic), "loaxa/%s/publish/%s", o->region, hex);
	mosquitto_lib_init();
	if ((c->mosq = mosquitto_new(NULL, true, c)) == NULL)
		return -ENOMEM;
	mosquitto_connect_callback_set(c->mosq, pub_cb_connect);
	mosquitto_publish_callback_set(c->mosq, pub_cb_publish);
	mosquitto_message_callback_set(c->mosq, pub_cb_message);
	rc = mosquitto_connect(c->mosq, o->host, o->port, 30);
	if (rc != MOSQ_ERR_SUCCESS)
		return rc == MOSQ_ERR_ERRNO ? -errno : -ECONNREFUSED;
	if ((rc = pub_wait(c, pub_done_connected)) < 0)
		return rc;
	if (!c->connected)
		return -EACCES;
	/* The broker answers in order: once our probe is back, the retained manifest came first. */
	if (mosquitto_subscribe(c->mosq, NULL, c->manifest_topic, 1) != MOSQ_ERR_SUCCESS ||
	    mosquitto_subscribe(c->mosq, NULL, c->probe_topic, 1) != MOSQ_ERR_SUCCESS ||
	    mosquitto_publish(c->mosq, NULL, c->probe_topic, 1, "?", 1, false) != MOSQ_ERR_SUCCESS)
		return -ECONNRESET;
	return pub_wait(c, pub_done_probe);
}

/* The version of the manifest retained now, if it is ours (signed with our key), else 0. */
static int64_t
pub_retained_version(const struct pub_client *c, const struct pub_opts *o,
    const unsigned char sk[KEYS_SECRET_BYTES])
{
	struct manifest_check chk = { .public_key = sk + crypto_sign_SEEDBYTES,
	    .region = o->region, .station = "-", .bulletin_dir = "/" };
	enum manifest_code code;
	struct manifest *m;
	char why[512];
	int64_t version = 0;

	if (c->retained == NULL)
		return 0;
	m = manifest_verify(c->retained, strlen(c->retained), &chk, &code, &version, why,
	    sizeof(why));
	manifest_free(m);
	return version;		/* set only once the signature and the region were right */
}

/* Publishes one bulletin's chunks, reading the file a chunk at a time. */
static int
pub_bulletin(struct pub_client *c, const struct pub_opts *o, const char *file,
    const struct manifest_item_info *info, unsigned char *buf)
{
	char topic[256];
	uint64_t off;
	size_t i, len;
	ssize_t r;
	int fd, rc = 0;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	for (i = 0, off = 0; off < info->size && rc == 0; i++, off += len) {
		len = info->size - off < o->chunk ? (size_t)(info->size - off) : o->chunk;
		r = pread(fd, buf, len, (off_t)off);
		if (r != (ssize_t)len) {
			rc = r == -1 ? -errno : -EIO;	/* the file changed under us */
			break;
		}
		snprintf(topic, sizeof(topic), "loaxa/%s/audio/%s/%zu", o->region, info->sha256, i);
		rc = pub_publish(c, topic, buf, len);
	}
	close(fd);
	return rc;
}

/* --- publish ------------------------------------------------------------------------------ */

/* What is (or would be) published, for the person at the district office. */
static void
pub_print(const struct schedule *s, const struct manifest_item_info *info,
    const struct pub_opts *o, int64_t version, const char *key_id, int ntargets)
{
	size_t i, j, k = 0;
	char at[40];

	printf(o->dry_run ? _("Checked, not published: district schedule version %lld for region "
	    "\"%s\" (key %s)\n") : _("Published district schedule version %lld for region \"%s\" "
	    "(key %s)\n"), (long long)version, o->region, key_id);
	if (ntargets > 0)
		printf(_("  for %d stations: %s\n"), ntargets, o->stations);
	else
		printf("%s", _("  for every station of the region\n"));
	for (i = 0; i < s->n_slots; i++) {
		const struct sched_slot *sl = &s->slots[i];

		if (sl->once)
			snprintf(at, sizeof(at), "%04d-%02d-%02d %02d:%02d:%02d", sl->date.y,
			    sl->date.m, sl->date.d, sl->hh, sl->mm, sl->ss);
		else
			snprintf(at, sizeof(at), "%02d:%02d:%02d", sl->hh, sl->mm, sl->ss);
		printf(_("  slot \"%s\" at %s:\n"), sl->title, at);
		for (j = 0; j < sl->n_items; j++, k++)
			printf(_("    \"%s\" (%s, %.1f s, %llu bytes, sha256 %.12s…)\n"),
			    sl->items[j].title, strrchr(sl->items[j].file, '/') + 1,
			    info[k].duration, (unsigned long long)info[k].size, info[k].sha256);
	}
	if (!o->dry_run)
		printf(_("Watch the stations arm it: mosquitto_sub -h %s -p %d -v -t "
		    "'loaxa/%s/+/events'\n"), o->host, o->port, o->region);
}

/* Publishes each distinct bulletin, then the manifest; waits for every PUBACK. */
static int
pub_send(struct pub_client *c, const struct pub_opts *o, const char **files,
    const struct manifest_item_info *info, size_t n, const char *envelope)
{
	unsigned char *buf = malloc(o->chunk);
	size_t k, m;
	int rc = 0;

	if (buf == NULL)
		return -ENOMEM;
	for (k = 0; k < n && rc == 0; k++) {
		for (m = 0; m < k && strcmp(info[m].sha256, info[k].sha256) != 0; m++)
			;
		if (m == k)
			rc = pub_bulletin(c, o, files[k], &info[k], buf);
	}
	free(buf);
	/* The manifest goes out only once every chunk is with the broker. */
	if (rc == 0 && (rc = pub_wait(c, pub_done_acked)) == 0 &&
	    (rc = pub_publish(c, c->manifest_topic, envelope, strlen(envelope))) == 0)
		rc = pub_wait(c, pub_done_acked);
	return rc;
}

/* Builds and signs the manifest; the envelope, or NULL with the reason printed. */
static char *
pub_envelope(const struct schedule *s, const struct manifest_item_info *info, size_t n,
    const struct manifest_meta *meta, const unsigned char sk[KEYS_SECRET_BYTES])
{
	char why[512], *text, *env;

	if ((text = manifest_build(s, info, n, meta, why, sizeof(why))) == NULL) {
		pub_fail(_("cannot publish %s: %s; nothing was published"), s->path, why);
		return NULL;
	}
	env = manifest_sign(text, sk);
	free(text);
	if (env != NULL && strlen(env) > MANIFEST_MAX_BYTES) {
		pub_fail(_("cannot publish %s: its signed manifest is %zu bytes, more than the %d a "
		    "station accepts; split the schedule; nothing was published"), s->path,
		    strlen(env), MANIFEST_MAX_BYTES);
		free(env);
		return NULL;
	}
	if (env == NULL)
		pub_fail("%s", _("out of memory; nothing was published"));
	return env;
}

/* Connects, picks the version, publishes. The exit status. */
static int
pub_run(const struct pub_opts *o, const struct schedule *s, const char **files,
    const struct manifest_item_info *info, size_t n, struct manifest_meta *meta,
    const unsigned char sk[KEYS_SECRET_BYTES])
{
	struct pub_client c = { 0 };
	char *env = NULL, id[KEYS_ID_HEX + 1];
	int64_t retained;
	int rc;

	keys_id(sk + crypto_sign_SEEDBYTES, id);
	if ((rc = pub_connect(&c, o)) < 0) {
		rc = pub_fail(_("cannot reach the MQTT broker at %s:%d: %s; check --mqtt and the "
		    "network; nothing was published"), o->host, o->port, rc == -EACCES ?
		    mosquitto_connack_string(c.refused) : strerror(-rc));
		goto done;
	}
	retained = pub_retained_version(&c, o, sk);
	/* Versions only go up: the time now, or past the one the stations have. */
	meta->version = retained >= meta->version ? retained + 1 : meta->version;
	if ((env = pub_envelope(s, info, n, meta, sk)) == NULL) {
		rc = EXIT_REFUSED;
		goto done;
	}
	if ((rc = pub_send(&c, o, files, info, n, env)) < 0) {
		rc = pub_fail(_("publishing to %s:%d failed: %s; the manifest was not published, so "
		    "the stations keep their schedule; run the command again"), o->host, o->port,
		    strerror(-rc));
		goto done;
	}
	mosquitto_disconnect(c.mosq);
	pub_print(s, info, o, meta->version, id, (int)meta->n_targets);
	rc = 0;
done:
	free(env);
	free(c.retained);
	if (c.mosq != NULL)
		mosquitto_destroy(c.mosq);
	mosquitto_lib_cleanup();
	return rc;
}

static int
pub_dry_run(const struct pub_opts *o, const struct schedule *s,
    const struct manifest_item_info *info, size_t n, const struct manifest_meta *meta,
    const unsigned char sk[KEYS_SECRET_BYTES])
{
	char *env = pub_envelope(s, info, n, meta, sk), id[KEYS_ID_HEX + 1];

	if (env == NULL)
		return EXIT_REFUSED;
	free(env);
	keys_id(sk + crypto_sign_SEEDBYTES, id);
	pub_print(s, info, o, meta->version, id, (int)meta->n_targets);
	return 0;
}

static size_t
pub_count_items(const struct schedule *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n_slots; i++)
		n += s->slots[i].n_items;
	return n;
}

static int
cmd_publish(const char *conf, int argc, char **argv)
{
	static const char *targets[PUB_TARGETS_MAX];
	static char tbuf[PUB_TARGETS_MAX * 64];
	unsigned char sk[KEYS_SECRET_BYTES];
	struct pub_opts o = { 0 };
	struct manifest_meta meta = { 0 };
	struct manifest_item_info *info = NULL;
	struct schedule *s = NULL;
	struct errlist errs;
	const char **files = NULL;
	char why[512];
	size_t n;
	int rc, nt = 0;

	if ((rc = pub_args(&o, conf, argc, argv)) != 0)
		return rc;
	if (o.stations != NULL && (nt = pub_targets(o.stations, tbuf, sizeof(tbuf), targets,
	    PUB_TARGETS_MAX)) <= 0)
		return pub_usage(_("\"%s\" is not a list of station ids such as tan-thanh,an-binh"),
		    o.stations);
	if (keys_load_secret(o.key, sk, why, sizeof(why)) < 0)
		return pub_fail(_("cannot publish: %s"), why);
	errlist_init(&errs);
	if ((s = schedule_load(o.sched, 1, &errs)) == NULL) {
		fprintf(stderr, _("loaxactl: cannot publish %s; nothing was published:\n"), o.sched);
		errlist_print(&errs, "loaxactl:   ", stderr);
		rc = EXIT_REFUSED;
		goto done;
	}
	n = pub_count_items(s);
	info = calloc(n + 1, sizeof(*info));
	files = calloc(n + 1, sizeof(*files));
	if (info == NULL || files == NULL) {
		rc = pub_fail("%s", _("out of memory"));
		goto done;
	}
	if (pub_measure(s, info, files) != 0) {
		rc = pub_fail(_("cannot publish %s: see the bulletins above; nothing was published"),
		    o.sched);
		goto done;
	}
	meta = (struct manifest_meta){ .region = o.region, .version = (int64_t)time(NULL),
	    .issued = time(NULL), .targets = nt > 0 ? targets : NULL, .n_targets = (size_t)nt,
	    .chunk_size = o.chunk };
	rc = o.dry_run ? pub_dry_run(&o, s, info, n, &meta, sk) :
	    pub_run(&o, s, files, info, n, &meta, sk);
done:
	sodium_memzero(sk, sizeof(sk));
	errlist_clear(&errs);
	schedule_free(s);
	free(info);
	free(files);
	return rc;
}

int
loaxactl_district(const char *conf, int argc, char **argv)
{
	if (sodium_init() < 0)
		return pub_fail("%s", _("the crypto library (libsodium) cannot start"));
	if (strcmp(argv[0], "keygen") == 0)
		return cmd_keygen(argc, argv);
	return cmd_publish(conf, argc, argv);
}
