/*
 * 'loaxactl live -c district.cfg (--device DEV | --file FILE)' and
 * 'loaxactl live -c district.cfg --stop'.
 *
 * The order matters to the stations: the sound goes to the district's stream
 * server first (live_source.c, live_send.c), and only once the server took
 * it, so that the mount exists, is the signed live alert naming the mount
 * published (alert_publish, shared with 'loaxactl alert'); at the end the
 * signed cancel of the same id is published first, then the mount closed, so
 * that no station relays a mount that is gone. The id of the broadcast in
 * progress is kept in live.state beside district.cfg, for --stop in another
 * terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/keys.h"
#include "config/stream_url.h"
#include "daemon/core/clock.h"
#include "daemon/core/file.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/live_send.h"
#include "daemon/loaxactl/live_source.h"
#include "daemon/loaxactl/loaxactl_alert.h"
#include "daemon/loaxactl/loaxactl_live.h"
#include "daemon/loaxactl/pubclient.h"
#include "daemon/proto/alert_msg.h"

#define LIVE_MINUTES_DEFAULT	120
#define LIVE_ACCEPT_MS		15000	/* the server takes the source within this, or it fails */
#define LIVE_DRAIN_MS		3000	/* the end of a recording: its last pages go out */
#define LIVE_STOP_WAIT_S	20	/* --stop: the running live ends within this */
#define LIVE_PASSWORD_MAX	255

struct lv_opts {
	struct ctl_district d;		/* region, key, stations, broker */
	const char	*conf, *device, *file, *title;
	enum sched_class cls;
	long long	 minutes;
	int		 stop;
	int		 bitrate;	/* bits per second: the import group's */
	struct cfg_live	 live;
	char		 state[PATH_MAX];	/* live.state beside district.cfg */
};

static volatile sig_atomic_t lv_stopping;

static void
lv_on_signal(int sig)
{
	(void)sig;
	lv_stopping = 1;
}

static const char *
lv_usage_text(void)
{
	return _("Usage: loaxactl live -c district.cfg (--device DEVICE | --file FILE)\n"
	    "         [--class priority|emergency] [--stations ID,ID,...] [--title TITLE]\n"
	    "         [--minutes N]\n"
	    "       loaxactl live -c district.cfg --stop\n");
}

/* live's own options with a value (see struct ctl_args_spec). */
static int
lv_option(void *opts, const char *a, const char *val)
{
	struct lv_opts *o = opts;
	char *end;

	if (strcmp(a, "--device") == 0)
		o->device = val;
	else if (strcmp(a, "--file") == 0)
		o->file = val;
	else if (strcmp(a, "--title") == 0)
		o->title = val;
	else if (strcmp(a, "--class") == 0) {
		if (sched_class_parse(val, &o->cls) < 0 || o->cls == SCHED_NORMAL)
			return ctl_out_usage(lv_usage_text(),
			    _("a live broadcast's class is priority or emergency, not \"%s\""), val);
	} else if (strcmp(a, "--minutes") == 0) {
		errno = 0;
		o->minutes = strtoll(val, &end, 10);
		if (errno != 0 || *end != '\0' || o->minutes < 1 ||
		    o->minutes > ALERT_LIVE_MAX_SPAN / 60)
			return ctl_out_usage(lv_usage_text(), _("--minutes \"%s\" is not a number of "
			    "minutes from 1 to %d"), val, ALERT_LIVE_MAX_SPAN / 60);
	} else
		return -ENOENT;
	return 0;
}

/* live's -c after the command ('loaxactl live -c district.cfg'), taken out of argv. */
static const char *
lv_take_conf(const char *conf, int *argc, char **argv)
{
	int i, j;

	for (i = 1; i + 1 < *argc; i++) {
		if (strcmp(argv[i], "-c") != 0)
			continue;
		conf = argv[i + 1];
		for (j = i; j + 2 < *argc; j++)
			argv[j] = argv[j + 2];
		*argc -= 2;
		break;
	}
	return conf;
}

/* The live group of district.cfg, and where the state is kept beside it. */
static int
lv_config(struct lv_opts *o)
{
	const struct config *cfg;
	char dir[PATH_MAX];

	if (o->conf == NULL)
		return ctl_out_usage(lv_usage_text(), "%s", _("live needs -c district.cfg, the "
		    "district office's configuration with a live group"));
	if ((cfg = ctl_args_config(o->conf)) == NULL)
		return EXIT_REFUSED;
	o->live = cfg->live;
	o->bitrate = cfg->import.bitrate * 1000;
	snprintf(dir, sizeof(dir), "%s", cfg->path);
	if (snprintf(o->state, sizeof(o->state), "%s/live.state", dirname(dir)) >=
	    (int)sizeof(o->state))
		return ctl_out_fail(_("the path of %s is too long"), o->conf);
	if (!o->stop && o->live.server[0] == '\0')
		return ctl_out_fail(_("%s has no live group: add live = { server = "
		    "\"https://stream.huyen.example:8443\"; password_file = "
		    "\"stream/source.password\"; }; (loaxa-district init makes one)"), o->conf);
	return 0;
}

static int
lv_args(struct lv_opts *o, const char *conf, int argc, char **argv)
{
	const struct ctl_args_spec spec = { .usage = lv_usage_text(), .flag = "--stop",
	    .too_many = _("live takes no file name without --file; \"%s\" is one too many"),
	    .option = lv_option };
	int rc;

	o->cls = SCHED_PRIORITY;
	o->minutes = LIVE_MINUTES_DEFAULT;
	o->conf = lv_take_conf(conf, &argc, argv);
	if ((rc = ctl_args_district(&o->d, &spec, o, o->conf, argc, argv)) != 0)
		return rc;
	o->stop = o->d.flag;
	if (o->d.arg != NULL)
		return ctl_out_usage(spec.usage, spec.too_many, o->d.arg);
	if (!o->stop && (o->device == NULL) == (o->file == NULL))
		return ctl_out_usage(spec.usage, "%s", _("live needs either --device DEVICE (the "
		    "microphone) or --file FILE (a recording played as if live), or --stop"));
	if (o->stop && (o->device != NULL || o->file != NULL))
		return ctl_out_usage(spec.usage, "%s", _("--stop takes no --device or --file"));
	if ((rc = ctl_args_district_check(&o->d, &spec, argv[0])) != 0)
		return rc;
	return lv_config(o);
}

/* The source password, from the file district.cfg names (never from the command line). */
static int
lv_password(const struct lv_opts *o, char *pw, size_t len)
{
	struct stat st;
	size_t n;
	FILE *f;

	if ((f = fopen(o->live.password_file, "re")) == NULL)
		return ctl_out_fail(_("cannot read the stream server's source password from %s: %s; "
		    "nothing was sent"), o->live.password_file, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0) {
		fclose(f);
		return ctl_out_fail(_("%s, the stream server's source password, can be read by "
		    "others: make it yours only (chmod 600 %s); nothing was sent"),
		    o->live.password_file, o->live.password_file);
	}
	n = fread(pw, 1, len - 1, f);
	fclose(f);
	pw[n] = '\0';
	while (n > 0 && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
		pw[--n] = '\0';
	if (n == 0 || strchr(pw, '\n') != NULL)
		return ctl_out_fail(_("%s holds no password on one line; nothing was sent"),
		    o->live.password_file);
	return 0;
}

/* --- live.state: the broadcast in progress -------------------------------------------------- */

static int
lv_state_write(const struct lv_opts *o, const char *id, const char *url)
{
	json_t *j = json_pack("{s:s, s:s, s:I}", "id", id, "stream", url, "pid",
	    (json_int_t)getpid());
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc = text != NULL ? file_write_durable(o->state, text, strlen(text), 0600, 0) : -ENOMEM;

	json_decref(j);
	free(text);
	return rc;
}

/* The id and process of the broadcast in progress: 0, -ENOENT when none, or -EINVAL. */
static int
lv_state_read(const struct lv_opts *o, char id[ALERT_ID_MAX + 1], pid_t *pid)
{
	json_t *j = json_load_file(o->state, JSON_REJECT_DUPLICATES, NULL);
	const char *s;
	int rc = -EINVAL;

	if (j == NULL)
		return access(o->state, F_OK) == 0 ? -EINVAL : -ENOENT;
	s = json_string_value(json_object_get(j, "id"));
	if (s != NULL && alert_id_valid(s) && json_is_integer(json_object_get(j, "pid"))) {
		snprintf(id, ALERT_ID_MAX + 1, "%s", s);
		*pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
		rc = 0;
	}
	json_decref(j);
	return rc;
}

/* 1 when pid is a loaxactl running now (not a process that took its number since). */
static int
lv_running(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (pid <= 0 || kill(pid, 0) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(comm, sizeof(comm), f) == NULL)
		comm[0] = '\0';
	fclose(f);
	return strncmp(comm, "loaxactl", 8) == 0;
}

/* --- the broadcast ------------------------------------------------------------------------------ */

/*
 * Publishes the cancel of id on a new connection (the first may have gone
 * idle for hours); say: prints the id and a sentence.
 */
static int
lv_cancel(const struct lv_opts *o, const unsigned char *sk, const char *id, int say)
{
	struct pubclient *c = pubclient_new();
	int rc;

	if (c == NULL)
		return ctl_out_fail("%s", _("out of memory; the live alert is NOT cancelled"));
	rc = alert_publish_cancel(c, &o->d, sk, id, say);
	pubclient_free(c);
	return rc;
}

/* Feeds the frames that are due, then runs the transfer. The state, or -errno with why. */
static int
lv_step(struct live_source *src, struct live_send *snd, char *why, size_t whylen)
{
	float pcm[LIVE_FRAME];
	struct pollfd pfd[1];
	int rc, n;

	while ((rc = live_source_read(src, pcm, why, whylen)) == 1)
		if ((rc = live_send_write(snd, pcm, LIVE_FRAME, why, whylen)) < 0)
			return rc;
	if (rc < 0)
		return rc;
	n = live_source_pollfd(src, pfd);
	return live_send_step(snd, pfd, n, live_source_wait_ms(src), why, whylen);
}

/*
 * Until the server takes the source (its headers are enough: the sound
 * begins once the stations are told). 0, or the exit status with why printed.
 */
static int
lv_wait_accepted(struct live_send *snd, const char *url)
{
	int64_t end = clock_mono_ms() + LIVE_ACCEPT_MS;
	char why[1024], pub[STREAM_URL_MAX + 1];
	int st;

	while ((st = live_send_step(snd, NULL, 0, 20, why, sizeof(why))) == LIVE_SEND_CONNECTING) {
		if (lv_stopping)
			return ctl_out_fail("%s", _("stopped before the broadcast began; the stations "
			    "were not told"));
		if (clock_mono_ms() > end) {
			stream_url_public(url, pub, sizeof(pub));
			return ctl_out_fail(_("the stream server %s did not take the broadcast within "
			    "%d s; the stations were not told"), pub, LIVE_ACCEPT_MS / 1000);
		}
	}
	if (st < 0)
		return ctl_out_fail(_("%s; the stations were not told"), why);
	return 0;
}

/* The last pages of a recording go out before the end. */
static void
lv_drain(struct live_source *src, struct live_send *snd)
{
	int64_t end = clock_mono_ms() + LIVE_DRAIN_MS;
	char why[256];

	if (live_send_drain(snd) < 0)
		return;
	while (!live_send_flushed(snd) && clock_mono_ms() < end && !lv_stopping)
		if (lv_step(src, snd, why, sizeof(why)) < 0)
			return;
}

/* On air until a signal, the end of the recording, the alert's end or a failure. 0 or 1. */
static int
lv_on_air(const struct lv_opts *o, struct live_source *src, struct live_send *snd,
    time_t until)
{
	char why[1024];
	int st;

	while (!lv_stopping) {
		if (time(NULL) >= until) {
			printf(_("The broadcast reached its end (--minutes %lld): ending it.\n"),
			    o->minutes);
			return 0;
		}
		if ((st = lv_step(src, snd, why, sizeof(why))) == -ENODATA) {
			lv_drain(src, snd);
			printf("%s\n", _("The recording has ended: ending the broadcast."));
			return 0;
		}
		if (st < 0) {
			ctl_out_fail(_("the broadcast stopped: %s; ending it at the stations"), why);
			return EXIT_REFUSED;
		}
	}
	printf("%s\n", _("Stopping the broadcast."));
	return 0;
}

static void
lv_print_on_air(const struct lv_opts *o, const struct alert_meta *m, const char *url)
{
	char pub[STREAM_URL_MAX + 1];

	stream_url_public(url, pub, sizeof(pub));
	printf("%s\n", m->id);
	if (m->targets != NULL)
		printf(_("LIVE on %zu stations of region \"%s\" (%s): %s, %s class, from %s.\n"),
		    m->n_targets, o->d.region, o->d.stations, m->title, sched_class_name(m->cls),
		    pub);
	else
		printf(_("LIVE on every station of region \"%s\": %s, %s class, from %s.\n"),
		    o->d.region, m->title, sched_class_name(m->cls), pub);
	printf(_("Stop with Ctrl-C, or from another terminal: loaxactl live -c %s --stop\n"),
	    o->conf);
	fflush(stdout);
}

/* The sound source and the connection to the server: 0, or the exit status. */
static int
lv_open(const struct lv_opts *o, const char *url, const char *pw, const char *title,
    struct live_source **src, struct live_send **snd)
{
	struct live_send_opts so = { url, pw, NULL, o->bitrate, title };
	char why[1024];

	*src = o->device != NULL ? live_source_device(o->device, why, sizeof(why)) :
	    live_source_file(o->file, why, sizeof(why));
	if (*src == NULL)
		return o->device != NULL ? ctl_out_fail(_("cannot go live: %s; nothing was sent"),
		    why) : ctl_out_fail(_("cannot go live with \"%s\": %s; nothing was sent"),
		    o->file, why);
	if (o->d.tls.ca != NULL && strncasecmp(url, "https:", 6) == 0)
		so.ca = o->d.tls.ca;
	if ((*snd = live_send_new(&so, why, sizeof(why))) == NULL)
		return ctl_out_fail(_("cannot go live: %s; nothing was sent"), why);
	return 0;
}

/* The broadcast from its start to its end. The exit status. */
static int
lv_run(const struct lv_opts *o, const unsigned char *sk, struct alert_meta *m,
    const char *url, const char *pw)
{
	struct live_source *src = NULL;
	struct live_send *snd = NULL;
	struct pubclient *c = NULL;
	int rc, end_rc;

	if ((rc = lv_open(o, url, pw, m->title, &src, &snd)) != 0 ||
	    (rc = lv_wait_accepted(snd, url)) != 0)
		goto out;
	if ((c = pubclient_new()) == NULL) {
		rc = ctl_out_fail("%s", _("out of memory; the stations were not told"));
		goto out;
	}
	if ((rc = alert_publish(c, &o->d, sk, m, NULL)) != 0)
		goto out;
	pubclient_free(c);
	c = NULL;
	if (lv_state_write(o, m->id, url) < 0)
		fprintf(stderr, _("loaxactl: warning: cannot write %s: 'live --stop' will not find "
		    "this broadcast; stop it here with Ctrl-C\n"), o->state);
	lv_print_on_air(o, m, url);
	live_source_begin(src);
	rc = lv_on_air(o, src, snd, m->until);
	/* The stations first, so that none is left relaying a mount that is gone. */
	end_rc = lv_cancel(o, sk, m->id, 1);
	unlink(o->state);
	if (rc == 0)
		rc = end_rc;
out:
	pubclient_free(c);
	live_send_free(snd);
	live_source_free(src);
	return rc;
}

/* The alert naming the mount, all but its sequence. */
static int
lv_meta(const struct lv_opts *o, struct alert_meta *m, char *id, char *url, size_t urllen,
    const char **targets, char *tbuf, size_t tbuflen)
{
	size_t n = 0, len = strlen(o->live.server);
	int rc;

	if (o->d.stations != NULL && (rc = ctl_args_targets(lv_usage_text(), o->d.stations, tbuf,
	    tbuflen, targets, ALERT_MAX_TARGETS, &n)) != 0)
		return rc;
	alert_new_id(id);
	while (len > 0 && o->live.server[len - 1] == '/')
		len--;
	if (snprintf(url, urllen, "%.*s/live-%s.opus", (int)len, o->live.server, id) >=
	    (int)urllen || stream_url_check(url, NULL, 0) < 0)
		return ctl_out_fail(_("live.server in %s is too long or not an address"), o->conf);
	*m = (struct alert_meta){ .id = id, .region = o->d.region, .cls = o->cls,
	    .title = o->title != NULL ? o->title : _("Live from the district"), .stream = url,
	    .until = time(NULL) + (time_t)o->minutes * 60, .targets = n > 0 ? targets : NULL,
	    .n_targets = n };
	return 0;
}

static int
lv_start(const struct lv_opts *o, const unsigned char *sk)
{
	static const char *targets[ALERT_MAX_TARGETS];
	static char tbuf[ALERT_MAX_TARGETS * 64];
	char id[ALERT_ID_MAX + 1], old[ALERT_ID_MAX + 1], url[STREAM_URL_MAX + 1];
	char pw[LIVE_PASSWORD_MAX + 1];
	struct alert_meta m;
	struct sigaction sa = { .sa_handler = lv_on_signal };
	pid_t pid;
	int rc;

	if (lv_state_read(o, old, &pid) == 0) {
		if (lv_running(pid))
			return ctl_out_fail(_("a live broadcast (%s) is on air from this office "
			    "already; stop it first: loaxactl live -c %s --stop"), old, o->conf);
		/* Its loaxactl died without ending it: the stations are told before a new one. */
		if (lv_cancel(o, sk, old, 0) == 0)
			fprintf(stderr, _("loaxactl: the last live broadcast (%s) had not ended; it is "
			    "now ended at the stations\n"), old);
		unlink(o->state);
	}
	if ((rc = lv_password(o, pw, sizeof(pw))) != 0 ||
	    (rc = lv_meta(o, &m, id, url, sizeof(url), targets, tbuf, sizeof(tbuf))) != 0)
		return rc;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = lv_run(o, sk, &m, url, pw);
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

/* --stop: the running live ends itself; one whose process is gone is cancelled from here. */
static int
lv_stop(const struct lv_opts *o, const unsigned char *sk)
{
	char id[ALERT_ID_MAX + 1];
	pid_t pid;
	int rc, i;

	if ((rc = lv_state_read(o, id, &pid)) == -ENOENT) {
		printf(_("No live broadcast is on air from this office (no %s); nothing was done.\n"),
		    o->state);
		return EXIT_REFUSED;
	}
	if (rc < 0)
		return ctl_out_fail(_("%s is damaged; end the broadcast with 'loaxactl alert "
		    "--cancel ID' (its id was the first line 'loaxactl live' printed)"), o->state);
	if (lv_running(pid) && kill(pid, SIGTERM) == 0) {
		for (i = 0; i < LIVE_STOP_WAIT_S * 10 && access(o->state, F_OK) == 0; i++)
			usleep(100000);
		if (access(o->state, F_OK) != 0) {
			printf("%s\n", id);
			printf(_("Stopped live broadcast %s: the stations were told to end it.\n"), id);
			return 0;
		}
	}
	/* Its process is gone (or stuck): the stations are told from here. */
	if ((rc = lv_cancel(o, sk, id, 1)) == 0)
		unlink(o->state);
	return rc;
}

int
loaxactl_live(const char *conf, int argc, char **argv)
{
	static struct lv_opts o;
	unsigned char sk[KEYS_SECRET_BYTES];
	char why[512];
	int rc;

	if (sodium_init() < 0)
		return ctl_out_fail("%s", _("the crypto library (libsodium) cannot start"));
	if ((rc = lv_args(&o, conf, argc, argv)) != 0)
		return rc;
	if (keys_load_secret(o.d.key, sk, why, sizeof(why)) < 0)
		return ctl_out_fail(_("cannot go live: %s"), why);
	rc = o.stop ? lv_stop(&o, sk) : lv_start(&o, sk);
	sodium_memzero(sk, sizeof(sk));
	return rc;
}
