/*
 * 'loaxactl keygen' and 'loaxactl publish', run at the district office.
 *
 * publish checks everything before it sends anything: the schedule with the
 * station's own code (schedule_load, the same messages), every bulletin
 * decoded through once, the sizes against what a station accepts. Only then
 * does it connect, read the manifest retained now (so the version only goes
 * up), publish each bulletin's chunks and last the signed manifest, all QoS 1
 * and retained, waiting for every PUBACK (pubclient.c, the client it shares
 * with 'loaxactl alert').
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "config/i18n.h"
#include "config/keys.h"
#include "config/schedule.h"
#include "config/stream_url.h"
#include "config/timeparse.h"
#include "daemon/core/file.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/import.h"
#include "daemon/loaxactl/keygen.h"
#include "daemon/loaxactl/loaxactl_district.h"
#include "daemon/loaxactl/pubclient.h"
#include "daemon/proto/manifest.h"

#define PUB_TARGETS_MAX	MANIFEST_MAX_TARGETS

struct pub_opts {
	struct ctl_district d;		/* region, key, stations, broker */
	const char	*sched;
	uint32_t	 chunk;
	int		 dry_run;
};

/* --- keygen ----------------------------------------------------------------------- */

static int
cmd_keygen(int argc, char **argv)
{
	unsigned char pk[KEYS_PUBLIC_BYTES], sk[KEYS_SECRET_BYTES];
	char why[512], id[KEYS_ID_HEX + 1];

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, _("%s: keygen takes one argument, the file for the secret "
		    "key, e.g. 'loaxactl keygen /etc/loaxa/district.key'\n"), CTL_OUT_PROG);
		return EXIT_USAGE;
	}
	if (keygen_write(argv[1], why, sizeof(why)) < 0)
		return ctl_out_fail(_("cannot make a district key: %s"), why);
	if (keys_load_secret(argv[1], sk, why, sizeof(why)) < 0)
		return ctl_out_fail(_("the new key cannot be read back: %s"), why);
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

/* The usage text of publish, printed under a mistake in its command line. */
static const char *
pub_usage_text(void)
{
	return _("Usage: loaxactl [-c CONFIG] publish SCHEDULE.cfg --region REGION "
	    "--key KEYFILE\n"
	    "         [--mqtt HOST[:PORT]] [--tls-ca FILE --tls-cert FILE --tls-key FILE]\n"
	    "         [--stations ID,ID,...] [--chunk-size BYTES] [--dry-run]\n"
	    "       loaxactl -c district.cfg publish SCHEDULE.cfg ...  (the region, key, broker "
	    "and TLS from it)\n");
}

/* The region and the broker from -c; what the options say comes after. */
/* publish's own option with a value (see struct ctl_args_spec). */
static int
pub_option(void *opts, const char *name, const char *val)
{
	struct pub_opts *o = opts;
	long v;

	if (strcmp(name, "--chunk-size") != 0)
		return -ENOENT;
	v = strtol(val, NULL, 10);
	if (v < 1024 || v > MANIFEST_CHUNK_BYTES)
		return ctl_out_usage(pub_usage_text(),
		    _("the chunk size %s is not from 1024 to 262144 bytes"), val);
	o->chunk = (uint32_t)v;
	return 0;
}

static int
pub_args(struct pub_opts *o, const char *conf, int argc, char **argv)
{
	const struct ctl_args_spec spec = { .usage = pub_usage_text(), .flag = "--dry-run",
	    .too_many = _("publish takes one schedule; \"%s\" is one too many"),
	    .option = pub_option };
	int rc;

	o->chunk = MANIFEST_CHUNK_BYTES;
	if ((rc = ctl_args_district(&o->d, &spec, o, conf, argc, argv)) != 0)
		return rc;
	o->sched = o->d.arg;
	o->dry_run = o->d.flag;
	if (o->sched == NULL)
		return ctl_out_usage(spec.usage, "%s", _("publish needs the schedule file"));
	return ctl_args_district_check(&o->d, &spec, argv[0]);
}

/* --- publish: checking the bulletins ------------------------------------------------------- */

/*
 * Prepares one item's recording (import.h), then hashes and measures what
 * was prepared; the message says which item.
 */
static int
pub_measure_one(const struct sched_slot *sl, const struct sched_item *it,
    const struct cfg_import *set, struct import_result *prep, struct manifest_item_info *info)
{
	char why[512];
	struct stat st;
	int rc;

	if (import_bulletin(it->file, set, NULL, prep, why, sizeof(why)) < 0)
		return ctl_out_fail(_("slot \"%s\" (line %d): \"%s\": %s"), sl->title, sl->line,
		    it->file, why);
	printf(_("Prepared \"%s\" as \"%s\":\n"), it->file, prep->name);
	import_print(stdout, prep, "  ");
	if (fstat(prep->fd, &st) < 0 || (uint64_t)st.st_size > MANIFEST_MAX_BULLETIN)
		return ctl_out_fail(_("slot \"%s\" (line %d): \"%s\" makes a bulletin of %lld bytes, "
		    "more than the %llu a station takes; split it"), sl->title, sl->line, it->file,
		    (long long)st.st_size, MANIFEST_MAX_BULLETIN);
	if ((rc = file_sha256(prep->path, info->sha256)) < 0)
		return ctl_out_fail(_("slot \"%s\" (line %d): \"%s\" cannot be read: %s"),
		    sl->title, sl->line, it->file, strerror(-rc));
	info->size = (uint64_t)st.st_size;
	info->duration = prep->seconds;
	info->name = prep->name;
	return 0;
}

/*
 * Every bulletin, items and fallback alike, in sched_slot_bulletin's order
 * (manifest.h): prep[k] is bulletin k's, files[k] the name it is read by.
 * Every problem is printed. 0, or how many.
 */
static int
pub_measure(const struct schedule *s, const struct cfg_import *set, struct import_result *prep,
    struct manifest_item_info *info, const char **files)
{
	const struct sched_slot *sl;
	size_t i, j, k = 0, m, n;
	int bad = 0;

	for (i = 0; i < s->n_slots; i++) {
		sl = &s->slots[i];
		for (j = 0; j < sched_slot_bulletins(sl); j++, k++) {
			files[k] = sched_slot_bulletin(sl, j)->file;
			/* A bulletin in many slots is prepared once. */
			for (m = 0; m < k && strcmp(files[m], files[k]) != 0; m++)
				;
			if (m < k)
				info[k] = info[m];
			else if (pub_measure_one(sl, sched_slot_bulletin(sl, j), set, &prep[k],
			    &info[k]) != 0)
				bad++;
		}
	}
	/* Now that no name is compared any more: what is read is what was prepared. */
	for (n = k, k = 0; k < n; k++)
		for (m = 0; m <= k; m++)
			if (prep[m].fd >= 0 && info[m].name == info[k].name) {
				files[k] = prep[m].path;
				break;
			}
	return bad;
}

/* The version of the manifest retained now, if it is ours (signed with our key), else 0. */
static int64_t
pub_retained_version(const struct pubclient *c, const struct pub_opts *o,
    const unsigned char sk[KEYS_SECRET_BYTES])
{
	struct manifest_check chk = { .public_key = sk + crypto_sign_SEEDBYTES,
	    .region = o->d.region, .station = "-", .bulletin_dir = "/" };
	enum manifest_code code;
	struct manifest *m;
	const char *retained;
	char why[512];
	size_t len;
	int64_t version = 0;

	if ((retained = pubclient_retained(c, &len)) == NULL)
		return 0;
	m = manifest_verify(retained, len, &chk, &code, &version, why, sizeof(why));
	manifest_free(m);
	return version;		/* set only once the signature and the region were right */
}

/* --- publish ------------------------------------------------------------------------------ */

/* "      tags: giam-ngheo, du-an-6" under an item that has any. */
static void
pub_print_tags(const struct tags *t)
{
	size_t i;

	if (t->n == 0)
		return;
	printf("      %s", _("tags:"));
	for (i = 0; i < t->n; i++)
		printf("%s %s", i > 0 ? "," : "", t->v[i]);
	printf("\n");
}

/* "    \"title\" (file, 252.4 s, 1010713 bytes, sha256 5b1e0c2a9f4d…)" and its tags. */
static void
pub_print_bulletin(const struct sched_item *it, const struct manifest_item_info *info)
{
	printf(_("    \"%s\" (%s, %.1f s, %llu bytes, sha256 %.12s…)\n"), it->title,
	    strrchr(it->file, '/') + 1, info->duration, (unsigned long long)info->size,
	    info->sha256);
	pub_print_tags(&it->tags);
}

/* A relay slot: its address without credentials, how long, its fallback. */
static void
pub_print_relay(const struct sched_slot *sl, const struct manifest_item_info *info)
{
	char url[STREAM_URL_MAX + 1], dur[32];
	size_t j;

	stream_url_public(sl->relay, url, sizeof(url));
	timeparse_format_duration(sl->duration, dur, sizeof(dur));
	printf("    ");
	printf(_("relays %s for %s"), url, dur);
	printf("\n");
	if (sl->n_fallback == 0)
		printf("    %s\n", _("no fallback: silence while the stream is away"));
	else
		printf("    %s\n", _("while the stream is away, in a loop:"));
	for (j = 0; j < sl->n_fallback; j++)
		pub_print_bulletin(&sl->fallback[j], &info[j]);
}

/* What is (or would be) published, for the person at the district office. */
static void
pub_print(const struct schedule *s, const struct manifest_item_info *info,
    const struct pub_opts *o, int64_t version, const char *key_id, int ntargets)
{
	size_t i, j, k = 0;
	char at[40];

	printf(o->dry_run ? _("Checked, not published: district schedule version %lld for region "
	    "\"%s\" (key %s)\n") : _("Published district schedule version %lld for region \"%s\" "
	    "(key %s)\n"), (long long)version, o->d.region, key_id);
	if (ntargets > 0)
		printf(_("  for %d stations: %s\n"), ntargets, o->d.stations);
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
		for (j = 0; j < sl->n_items; j++)
			pub_print_bulletin(&sl->items[j], &info[k + j]);
		if (sl->relay != NULL)
			pub_print_relay(sl, &info[k + sl->n_items]);
		k += sched_slot_bulletins(sl);
	}
	if (o->dry_run)
		return;
	printf(_("Watch the stations arm it: mosquitto_sub -h %s -p %d -v -t "
	    "'loaxa/%s/+/events'"), o->d.host, o->d.port, o->d.region);
	/* The same identity would take this command's session: the monitor's files are beside it. */
	if (o->d.tls.ca != NULL)
		printf(" --cafile %s --cert CERT --key KEY", o->d.tls.ca);
	printf("\n");
}

/* Publishes each distinct bulletin, then the manifest; waits for every PUBACK. */
static int
pub_send(struct pubclient *c, const struct pub_opts *o, const char **files,
    const struct manifest_item_info *info, size_t n, const char *envelope)
{
	char topic[128];
	size_t k, m;
	int rc = 0;

	for (k = 0; k < n && rc == 0; k++) {
		for (m = 0; m < k && strcmp(info[m].sha256, info[k].sha256) != 0; m++)
			;
		if (m == k)
			rc = pubclient_send_file(c, o->d.region, files[k], info[k].sha256,
			    info[k].size, o->chunk);
	}
	snprintf(topic, sizeof(topic), "loaxa/%s/schedule", o->d.region);
	return rc < 0 ? rc : pubclient_publish_last(c, topic, envelope);
}

/* Builds and signs the manifest; the envelope, or NULL with the reason printed. */
static char *
pub_envelope(const struct schedule *s, const struct manifest_item_info *info, size_t n,
    const struct manifest_meta *meta, const unsigned char sk[KEYS_SECRET_BYTES])
{
	char why[512], *text, *env;

	if ((text = manifest_build(s, info, n, meta, why, sizeof(why))) == NULL) {
		ctl_out_fail(_("cannot publish %s: %s; nothing was published"), s->path, why);
		return NULL;
	}
	env = manifest_sign(text, sk);
	free(text);
	if (env != NULL && strlen(env) > MANIFEST_MAX_BYTES) {
		ctl_out_fail(_("cannot publish %s: its signed manifest is %zu bytes, more than the %d a "
		    "station accepts; split the schedule; nothing was published"), s->path,
		    strlen(env), MANIFEST_MAX_BYTES);
		free(env);
		return NULL;
	}
	if (env == NULL)
		ctl_out_fail("%s", _("out of memory; nothing was published"));
	return env;
}

/* Connects and reads the manifest retained now. 0, or the exit status with the reason printed. */
static int
pub_connect(struct pubclient **c, const struct pub_opts *o)
{
	char topic[128];
	int rc;

	/* A region too long for the topic is refused by manifest_build before anything is sent. */
	snprintf(topic, sizeof(topic), "loaxa/%s/schedule", o->d.region);
	if ((*c = pubclient_new()) == NULL)
		return ctl_out_fail("%s", _("out of memory; nothing was published"));
	if ((rc = pubclient_connect(*c, o->d.host, o->d.port, &o->d.tls)) < 0 ||
	    (rc = pubclient_probe_retained(*c, o->d.region, topic, MANIFEST_MAX_BYTES)) < 0)
		return ctl_out_fail(_("cannot publish through the MQTT broker at %s:%d: %s; %s; "
		    "nothing was published"), o->d.host, o->d.port, pubclient_strerror(*c, rc),
		    pubclient_advice(rc));
	return 0;
}

/* Connects, picks the version, publishes. The exit status. */
static int
pub_run(const struct pub_opts *o, const struct schedule *s, const char **files,
    const struct manifest_item_info *info, size_t n, struct manifest_meta *meta,
    const unsigned char sk[KEYS_SECRET_BYTES])
{
	struct pubclient *c = NULL;
	char *env = NULL, id[KEYS_ID_HEX + 1];
	int64_t retained;
	int rc;

	keys_id(sk + crypto_sign_SEEDBYTES, id);
	if ((rc = pub_connect(&c, o)) != 0)
		goto done;
	retained = pub_retained_version(c, o, sk);
	if (retained >= meta->issued + MANIFEST_VERSION_AHEAD) {
		rc = ctl_out_fail(_("the schedule on the broker for region \"%s\" has version %lld, "
		    "more than a day past now: it was published with a wrong clock. Stations refuse "
		    "a version more than a day past its issue time, so no newer one can be published "
		    "over it. Remove it from the broker (mosquitto_pub -h %s -p %d -r -n -t "
		    "loaxa/%s/schedule) and publish again"), o->d.region, (long long)retained,
		    o->d.host, o->d.port, o->d.region);
		goto done;
	}
	/* Versions only go up: the time now, or past the one the stations have. */
	meta->version = retained >= meta->version ? retained + 1 : meta->version;
	if ((env = pub_envelope(s, info, n, meta, sk)) == NULL) {
		rc = EXIT_REFUSED;
		goto done;
	}
	if ((rc = pub_send(c, o, files, info, n, env)) < 0) {
		rc = ctl_out_fail(_("publishing to %s:%d failed: %s; the manifest was not published, "
		    "so the stations keep their schedule; run the command again"), o->d.host, o->d.port,
		    pubclient_strerror(c, rc));
		goto done;
	}
	pub_print(s, info, o, meta->version, id, (int)meta->n_targets);
	rc = 0;
done:
	free(env);
	pubclient_free(c);
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

/*
 * Loads the schedule with the station's own checks, then measures every
 * bulletin (info[k] and files[k] for bulletin k, freed by the caller). 0, or the
 * exit status with every problem printed.
 */
static int
pub_check(const struct pub_opts *o, const struct cfg_import *set, struct schedule **s,
    struct import_result **prep, struct manifest_item_info **info, const char ***files, size_t *n)
{
	struct errlist errs;
	size_t k;

	errlist_init(&errs);
	*s = schedule_load(o->sched, 1, &errs);
	if (*s == NULL) {
		fprintf(stderr, _("%s: cannot publish %s; nothing was published:\n"), CTL_OUT_PROG,
		    o->sched);
		errlist_print(&errs, CTL_OUT_PROG ":   ", stderr);
	}
	errlist_clear(&errs);
	if (*s == NULL)
		return EXIT_REFUSED;
	*n = schedule_bulletins(*s);
	*info = calloc(*n + 1, sizeof(**info));
	*files = calloc(*n + 1, sizeof(**files));
	*prep = calloc(*n + 1, sizeof(**prep));
	if (*info == NULL || *files == NULL || *prep == NULL)
		return ctl_out_fail("%s", _("out of memory"));
	for (k = 0; k < *n; k++)
		(*prep)[k].fd = -1;
	if (pub_measure(*s, set, *prep, *info, *files) != 0)
		return ctl_out_fail(_("cannot publish %s: see the bulletins above; nothing was "
		    "published"), o->sched);
	return 0;
}

static int
cmd_publish(const char *conf, int argc, char **argv)
{
	static const char *targets[PUB_TARGETS_MAX];
	static char tbuf[PUB_TARGETS_MAX * 64];
	unsigned char sk[KEYS_SECRET_BYTES];
	struct pub_opts o = { 0 };
	struct manifest_meta meta;
	struct manifest_item_info *info = NULL;
	struct import_result *prep = NULL;
	struct schedule *s = NULL;
	struct cfg_import set;
	const char **files = NULL;
	char why[512];
	size_t n = 0, nt = 0, k;
	int rc;

	if ((rc = pub_args(&o, conf, argc, argv)) != 0 || (rc = ctl_args_import(conf, &set)) != 0)
		return rc;
	if (o.d.stations != NULL && (rc = ctl_args_targets(pub_usage_text(), o.d.stations, tbuf,
	    sizeof(tbuf), targets, PUB_TARGETS_MAX, &nt)) != 0)
		return rc;
	if (keys_load_secret(o.d.key, sk, why, sizeof(why)) < 0)
		return ctl_out_fail(_("cannot publish: %s"), why);
	if ((rc = pub_check(&o, &set, &s, &prep, &info, &files, &n)) != 0)
		goto done;
	meta = (struct manifest_meta){ .region = o.d.region, .version = (int64_t)time(NULL),
	    .issued = time(NULL), .targets = nt > 0 ? targets : NULL, .n_targets = nt,
	    .chunk_size = o.chunk };
	rc = o.dry_run ? pub_dry_run(&o, s, info, n, &meta, sk) :
	    pub_run(&o, s, files, info, n, &meta, sk);
done:
	sodium_memzero(sk, sizeof(sk));
	for (k = 0; prep != NULL && k < n; k++)
		import_close(&prep[k]);
	free(prep);
	schedule_free(s);
	free(info);
	free(files);
	return rc;
}

int
loaxactl_district(const char *conf, int argc, char **argv)
{
	if (sodium_init() < 0)
		return ctl_out_fail("%s", _("the crypto library (libsodium) cannot start"));
	if (strcmp(argv[0], "keygen") == 0)
		return cmd_keygen(argc, argv);
	return cmd_publish(conf, argc, argv);
}
