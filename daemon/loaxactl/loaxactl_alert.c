/*
 * 'loaxactl alert FILE ...' and 'loaxactl alert --cancel ID ...'.
 *
 * Like publish, it checks everything before it sends anything: the bulletin
 * is decoded through once. Then it connects, reads what is retained at the
 * alert's topic (so the sequence only goes up, and a cancel names an alert
 * that exists), publishes the bulletin's chunks and last the signed alert,
 * QoS 1 and retained, waiting for every PUBACK (pubclient.c, the client it
 * shares with publish). A cancellation replaces the retained alert, so a
 * station that comes online later sees the cancel.
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
#include "config/timeparse.h"
#include "daemon/core/clock.h"
#include "daemon/core/file.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/import.h"
#include "daemon/loaxactl/loaxactl_alert.h"
#include "daemon/loaxactl/pubclient.h"
#include "daemon/proto/alert_msg.h"
#include "daemon/proto/manifest.h"

#define AL_TARGETS_MAX	ALERT_MAX_TARGETS

struct al_opts {
	struct ctl_district d;		/* region, key, stations, broker */
	const char	*file, *cancel, *id, *title, *until_arg;
	enum sched_class cls;
	long long	 repeat;
	time_t		 until;
	int		 test;
};

/* The usage text of alert, printed under a mistake in its command line. */
static const char *
al_usage_text(void)
{
	return _("Usage: loaxactl [-c CONFIG] alert FILE --region REGION --key KEYFILE\n"
	    "         [--class emergency|priority] [--repeat DURATION] [--until TIME]\n"
	    "         [--stations ID,ID,...] [--test] [--title TITLE] [--id ID] [--mqtt HOST[:PORT]]\n"
	    "         [--tls-ca FILE --tls-cert FILE --tls-key FILE]\n"
	    "       loaxactl alert --cancel ID --region REGION --key KEYFILE [--mqtt HOST[:PORT]]\n"
	    "       loaxactl -c district.cfg alert FILE ...  (the region, key, broker and TLS from it)\n");
}

/* "+2h" (from now), ISO 8601 with an offset, or the local "YYYY-MM-DD HH:MM[:SS]" / "HH:MM". */
static time_t
al_until(const char *s, time_t now)
{
	long long d;
	time_t t;

	if (s[0] == '+')
		return (d = ctl_args_duration(s + 1)) < 0 ? -1 : now + (time_t)d;
	if (timeparse_iso(s, &t) == 0)
		return t;
	return timeparse_local(s, now, &t) == 0 ? t : -1;
}

/* alert's own options with a value (see struct ctl_args_spec). */
static int
al_option(void *opts, const char *a, const char *val)
{
	struct al_opts *o = opts;

	if (strcmp(a, "--cancel") == 0)
		o->cancel = val;
	else if (strcmp(a, "--id") == 0)
		o->id = val;
	else if (strcmp(a, "--title") == 0)
		o->title = val;
	else if (strcmp(a, "--until") == 0)
		o->until_arg = val;
	else if (strcmp(a, "--class") == 0) {
		if (sched_class_parse(val, &o->cls) < 0 || o->cls == SCHED_NORMAL)
			return ctl_out_usage(al_usage_text(),
			    _("an alert's class is emergency or priority, not \"%s\""), val);
	} else if (strcmp(a, "--repeat") == 0) {
		if ((o->repeat = ctl_args_duration(val)) < ALERT_MIN_REPEAT)
			return ctl_out_usage(al_usage_text(),
			    _("\"%s\" is not a repeat interval; write e.g. 2h or 30m "
			    "(at least 5 s)"), val);
	} else
		return -ENOENT;
	return 0;
}

static int
al_args(struct al_opts *o, const char *conf, int argc, char **argv)
{
	const struct ctl_args_spec spec = { .usage = al_usage_text(), .flag = "--test",
	    .too_many = _("alert takes one bulletin; \"%s\" is one too many"),
	    .option = al_option };
	int rc;

	o->cls = SCHED_EMERGENCY;
	if ((rc = ctl_args_district(&o->d, &spec, o, conf, argc, argv)) != 0)
		return rc;
	o->file = o->d.arg;
	o->test = o->d.flag;
	if ((o->file == NULL) == (o->cancel == NULL))
		return ctl_out_usage(spec.usage, "%s",
		    _("alert needs either a bulletin file or --cancel ID"));
	if ((rc = ctl_args_district_check(&o->d, &spec, argv[0])) != 0)
		return rc;
	if ((o->cancel != NULL && !alert_id_valid(o->cancel)) || (o->id != NULL &&
	    !alert_id_valid(o->id)))
		return ctl_out_usage(spec.usage,
		    _("\"%s\" is not an alert id (a-z, 0-9, '-', '_', '.')"),
		    o->cancel != NULL ? o->cancel : o->id);
	if (o->until_arg != NULL && (o->until = al_until(o->until_arg, time(NULL))) <= time(NULL))
		return ctl_out_usage(spec.usage,
		    _("--until \"%s\" is not a time in the future; write e.g. "
		    "\"2026-11-23 06:00\", 2026-11-23T06:00:00+07:00 or +6h"), o->until_arg);
	return 0;
}

/* The retained alert's sequence if the district key signed it, else 0; *cancel if it is a cancel. */
static int64_t
al_retained_sequence(const struct pubclient *c, const struct ctl_district *d,
    const unsigned char sk[KEYS_SECRET_BYTES], const char *id, int *cancelled)
{
	struct alert_check chk = { sk + crypto_sign_SEEDBYTES, d->region, "-", id, 0, 0 };
	struct alert_msg *m;
	enum alert_code code;
	const char *retained;
	char why[512];
	size_t len;
	int64_t seq = 0;

	*cancelled = 0;
	if ((retained = pubclient_retained(c, &len)) == NULL)
		return 0;
	m = alert_verify(retained, len, &chk, &code, &seq, why, sizeof(why));
	*cancelled = m != NULL && m->cancel;
	alert_msg_free(m);
	return seq;		/* set once the signature, region and id were right */
}

/* --- the bulletin ------------------------------------------------------------------------------ */

/*
 * Prepares the bulletin (import.h: any recording, at the loudness wanted),
 * then hashes and measures what was prepared, before anything is sent.
 */
static int
al_measure(const char *file, const struct cfg_import *set, const char *title,
    struct import_result *prep, char sha[65], uint64_t *size, double *duration)
{
	char why[512];
	struct stat st;
	int rc;

	if (import_bulletin(file, set, title, prep, why, sizeof(why)) < 0)
		return ctl_out_fail(_("cannot send the alert: \"%s\": %s; nothing was published"), file,
		    why);
	if (fstat(prep->fd, &st) < 0 || st.st_size == 0 || (uint64_t)st.st_size > ALERT_MAX_BULLETIN)
		return ctl_out_fail(_("cannot send the alert: \"%s\" makes a bulletin of %lld bytes; an "
		    "alert's bulletin is 1 byte to %llu bytes; nothing was published"), file,
		    (long long)st.st_size, ALERT_MAX_BULLETIN);
	if ((rc = file_sha256(prep->path, sha)) < 0)
		return ctl_out_fail(_("cannot send the alert: \"%s\" cannot be read: %s"), file,
		    strerror(-rc));
	*size = (uint64_t)st.st_size;
	*duration = prep->seconds;
	return 0;
}

void
alert_new_id(char *id)
{
	unsigned char r[2];
	char hex[5], when[20];
	time_t now = time(NULL);
	struct tm tm;

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%d-%H%M%S", &tm);
	snprintf(id, ALERT_ID_MAX + 1, "%s-%s", when, hex);
}

static void
al_print(const struct al_opts *o, const struct alert_meta *m, const char *key_id)
{
	char until[40];

	printf("%s\n", m->id);
	printf(_("Published %s%s alert \"%s\" (%s, %.1f s) for %s of region \"%s\" "
	    "(key %s)"), m->test ? _("test ") : "", sched_class_name(m->cls), m->title, m->file,
	    m->duration, m->targets != NULL ? o->d.stations : _("every station"), m->region, key_id);
	if (m->repeat > 0)
		printf(_("; it repeats every %lld s"), (long long)m->repeat);
	if (m->until > 0 && timeparse_format_iso(m->until, until, sizeof(until)) == 0)
		printf(_(" until %s"), until);
	printf(_(".\nCancel it everywhere with: loaxactl alert --cancel %s --region %s --key %s\n"),
	    m->id, m->region, o->d.key);
}

/* --- the commands ------------------------------------------------------------------------------ */

/*
 * Connects and reads what is retained at the alert's topic now (its name in
 * topic). 0, or the exit status with the reason printed.
 */
static int
al_connect(struct pubclient *c, const struct ctl_district *d, const char *id, char *topic,
    size_t len)
{
	int rc;

	/* A region too long for the topic is refused by alert_build before anything is sent. */
	snprintf(topic, len, "loaxa/%s/alert/%s", d->region, id);
	if ((rc = pubclient_connect(c, d->host, d->port, &d->tls)) < 0 ||
	    (rc = pubclient_probe_retained(c, d->region, topic, ALERT_MAX_BYTES)) < 0)
		return ctl_out_fail(_("cannot publish through the MQTT broker at %s:%d: %s; %s; "
		    "nothing was published"), d->host, d->port, pubclient_strerror(c, rc),
		    pubclient_advice(rc));
	return 0;
}

int
alert_publish_cancel(struct pubclient *c, const struct ctl_district *d,
    const unsigned char *sk, const char *id, int say)
{
	int64_t seq, now_ms = clock_wall_ms();
	char *text = NULL, *env = NULL, topic[256];
	int rc, cancelled;

	if ((rc = al_connect(c, d, id, topic, sizeof(topic))) != 0)
		return rc;
	seq = al_retained_sequence(c, d, sk, id, &cancelled);
	if (seq == 0)
		return ctl_out_fail(_("there is no alert \"%s\" of region \"%s\" signed with this key on "
		    "the broker; check the id (the first line 'loaxactl alert' printed); nothing "
		    "was published"), id, d->region);
	if (cancelled) {
		if (say) {
			printf("%s\n", id);
			printf(_("Alert \"%s\" was cancelled already.\n"), id);
		}
		return 0;
	}
	if ((text = alert_build_cancel(id, d->region, seq >= now_ms ? seq + 1 : now_ms,
	    now_ms)) == NULL || (env = alert_sign(text, sk)) == NULL)
		rc = -ENOMEM;
	else
		rc = pubclient_publish_last(c, topic, env);
	free(text);
	free(env);
	if (rc < 0)
		return ctl_out_fail(_("cancelling on %s:%d failed: %s; the alert is NOT cancelled; "
		    "run the command again"), d->host, d->port, pubclient_strerror(c, rc));
	if (say) {
		printf("%s\n", id);
		printf(_("Cancelled alert \"%s\" for every station of region \"%s\": a station "
		    "playing it stops now, one offline sees the cancellation when it reconnects.\n"),
		    id, d->region);
	}
	return 0;
}

int
alert_publish(struct pubclient *c, const struct ctl_district *d,
    const unsigned char *sk, struct alert_meta *m, const char *path)
{
	char *text, *env = NULL, why[512], topic[256];
	int64_t seq;
	int rc, cancelled;

	if ((rc = al_connect(c, d, m->id, topic, sizeof(topic))) != 0)
		return rc;
	seq = al_retained_sequence(c, d, sk, m->id, &cancelled);
	m->issued_ms = clock_wall_ms();
	m->sequence = seq >= m->issued_ms ? seq + 1 : m->issued_ms;
	if ((text = alert_build(m, why, sizeof(why))) == NULL)
		return ctl_out_fail(_("cannot send the alert: %s; nothing was published"), why);
	env = alert_sign(text, sk);
	free(text);
	if (env == NULL)
		return ctl_out_fail("%s", _("out of memory"));
	rc = 0;
	if (path != NULL)
		rc = pubclient_send_file(c, d->region, path, m->sha256, m->size,
		    MANIFEST_CHUNK_BYTES);
	if (rc == 0)
		rc = pubclient_publish_last(c, topic, env);
	free(env);
	if (rc < 0)
		return ctl_out_fail(_("publishing to %s:%d failed: %s; the alert may not have reached "
		    "the stations; run the command again"), d->host, d->port,
		    pubclient_strerror(c, rc));
	return 0;
}

static int
al_send(struct pubclient *c, const struct al_opts *o, const char *path, struct alert_meta *m,
    const unsigned char sk[KEYS_SECRET_BYTES])
{
	char kid[KEYS_ID_HEX + 1];
	int rc;

	if ((rc = alert_publish(c, &o->d, sk, m, path)) != 0)
		return rc;
	keys_id(sk + crypto_sign_SEEDBYTES, kid);
	al_print(o, m, kid);
	return 0;
}

/* Everything an alert needs but the sequence, checked before connecting. */
static int
al_meta(const struct al_opts *o, const struct cfg_import *set, struct import_result *prep,
    struct alert_meta *m, char *id, char *sha, char *title,
    size_t tlen, const char **targets, char *tbuf, size_t tbuflen)
{
	size_t n = 0;
	char *p;
	int rc;

	if ((rc = al_measure(o->file, set, o->title, prep, sha, &m->size, &m->duration)) != 0)
		return rc;
	m->file = prep->name;
	snprintf(title, tlen, "%s", o->title != NULL ? o->title : prep->title[0] != '\0' ?
	    prep->title : m->file);
	if (o->title == NULL && prep->title[0] == '\0' && (p = strrchr(title, '.')) != NULL &&
	    p != title)
		*p = '\0';
	if (o->d.stations != NULL && (rc = ctl_args_targets(al_usage_text(), o->d.stations, tbuf,
	    tbuflen, targets, AL_TARGETS_MAX, &n)) != 0)
		return rc;
	if (o->id != NULL)
		snprintf(id, ALERT_ID_MAX + 1, "%s", o->id);
	else
		alert_new_id(id);
	*m = (struct alert_meta){ .id = id, .region = o->d.region, .title = title, .cls = o->cls,
	    .sha256 = sha, .file = m->file, .size = m->size, .duration = m->duration,
	    .chunk_size = MANIFEST_CHUNK_BYTES, .repeat = o->repeat, .until = o->until,
	    .targets = n > 0 ? targets : NULL, .n_targets = n, .test = o->test };
	return 0;
}

int
loaxactl_alert(const char *conf, int argc, char **argv)
{
	static const char *targets[AL_TARGETS_MAX];
	static char tbuf[AL_TARGETS_MAX * 64];
	unsigned char sk[KEYS_SECRET_BYTES];
	struct al_opts o = { 0 };
	struct pubclient *c = NULL;
	struct alert_meta m = { 0 };
	struct import_result prep = { .fd = -1 };
	struct cfg_import set;
	char id[ALERT_ID_MAX + 1], sha[65], title[512], why[512];
	int rc;

	if (sodium_init() < 0)
		return ctl_out_fail("%s", _("the crypto library (libsodium) cannot start"));
	if ((rc = al_args(&o, conf, argc, argv)) != 0 || (rc = ctl_args_import(conf, &set)) != 0)
		return rc;
	if (keys_load_secret(o.d.key, sk, why, sizeof(why)) < 0)
		return ctl_out_fail(_("cannot send the alert: %s"), why);
	if (o.cancel == NULL && (rc = al_meta(&o, &set, &prep, &m, id, sha, title, sizeof(title),
	    targets, tbuf, sizeof(tbuf))) != 0)
		goto done;
	if ((c = pubclient_new()) == NULL) {
		rc = ctl_out_fail("%s", _("out of memory; nothing was published"));
		goto done;
	}
	rc = o.cancel != NULL ? alert_publish_cancel(c, &o.d, sk, o.cancel, 1) :
	    al_send(c, &o, prep.path, &m, sk);
	/* After the alert's id, which scripts read from the first line. */
	if (rc == 0 && o.cancel == NULL)
		import_print(stdout, &prep, "");
done:
	import_close(&prep);
	sodium_memzero(sk, sizeof(sk));
	pubclient_free(c);
	return rc;
}
