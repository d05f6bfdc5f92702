/*
 * loaxad: the station daemon. Reads the configuration, then runs one event
 * loop until SIGTERM or SIGINT; SIGHUP reloads the schedule.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "config/i18n.h"
#include "config/schedule.h"
#include "daemon/audio/chime.h"
#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/core/log.h"
#include "daemon/core/notify.h"
#include "daemon/core/signals.h"
#include "daemon/core/tls.h"
#include "daemon/proto/report.h"
#include "daemon/station/station.h"

#define DEFAULT_CONFIG "/etc/loaxa/loaxa.cfg"

static void
usage(FILE *fp)
{
	fprintf(fp, _("usage: loaxad [-c FILE] [--check] [-v]\n"
	    "  -c, --config FILE  the station configuration (default %s)\n"
	    "  -n, --check        check the configuration and the schedule, then exit\n"
	    "  -v, --verbose      log more\n"
	    "  -V, --version      print the version\n"), DEFAULT_CONFIG);
}

static int
load_config(const char *path, struct config *cfg)
{
	struct errlist errs;
	int rc;

	errlist_init(&errs);
	rc = conf_load(path, cfg, &errs);
	if (rc < 0)
		errlist_print(&errs, "loaxad: ", stderr);
	errlist_clear(&errs);
	if (rc == 0 && cfg->office) {
		fprintf(stderr, _("loaxad: %s is a district office's configuration (it has a "
		    "district region and no station group); a station needs the loaxa.cfg of its "
		    "bundle\n"), path);
		rc = -1;
	}
	return rc;
}

/*
 * --check of the TLS files: what a technician installing a bundle must know
 * before leaving the station. 0, or -1 after saying what is wrong.
 */
static int
check_tls(const struct config *cfg)
{
	const struct cfg_tls *t = &cfg->mqtt.tls;
	struct tls_files f = { t->ca, t->cert, t->key };
	char why[TLS_WHY_MAX];
	time_t not_after;
	int days;

	if (t->ca[0] == '\0')
		return 0;
	if (tls_check_files(&f, clock_trusted(time(NULL), NULL), &not_after, why,
	    sizeof(why)) < 0) {
		fprintf(stderr, _("loaxad: %s: mqtt.tls: %s\n"), cfg->path, why);
		return -1;
	}
	days = tls_days_left(not_after, time(NULL));
	printf(_("%s: TLS certificate %s OK, signed by %s, %d days left\n"), cfg->path, t->cert,
	    t->ca, days);
	if (days < TLS_WARN_DAYS)
		printf(_("%s: the certificate expires in %d days: ask the district office for a "
		    "new bundle\n"), cfg->path, days);
	return 0;
}

/* --check of the chimes: each one named must play (the station would play without it). */
static int
check_chimes(const struct config *cfg)
{
	struct play_chime *c[CONF_CLASSES];
	struct errlist errs;
	int rc;

	errlist_init(&errs);
	rc = chime_load(&cfg->audio, c, &errs);
	if (rc < 0)
		errlist_print(&errs, "loaxad: ", stderr);
	errlist_clear(&errs);
	chime_free(c);
	return rc;
}

/* --check: the configuration, its TLS files and the schedule, every problem at once. */
static int
check_only(const char *path)
{
	struct config cfg;
	struct errlist errs;
	struct schedule *s = NULL;

	if (load_config(path, &cfg) < 0)
		return 1;
	if (check_tls(&cfg) < 0 || check_chimes(&cfg) < 0)
		return 1;
	if (cfg.schedule.file[0] != '\0') {
		errlist_init(&errs);
		s = schedule_load(cfg.schedule.file, 1, &errs);
		if (s == NULL) {
			errlist_print(&errs, "loaxad: ", stderr);
			errlist_clear(&errs);
			return 1;
		}
		errlist_clear(&errs);
	}
	printf(_("%s: configuration OK; schedule %s: %zu slots\n"), path,
	    cfg.schedule.file[0] ? cfg.schedule.file : _("(none)"), s ? s->n_slots : 0);
	schedule_free(s);
	return 0;
}

/* SIGHUP: the schedule is read again; a broken one is refused and the old one kept. */
static void
reload(void *arg)
{
	struct station *st = *(struct station **)arg;
	struct errlist errs;

	log_info(_("loaxad: SIGHUP: reloading the schedule"));
	errlist_init(&errs);
	if (station_reload(st, &errs) < 0)
		errlist_print(&errs, "loaxad: ", stderr);
	errlist_clear(&errs);
}

static int
run(const struct config *cfg)
{
	struct ev_loop *ev;
	struct station *st = NULL;
	struct signals *sig;
	struct ev_source src;
	struct errlist errs;

	if ((ev = ev_new()) == NULL)
		fatalx(_("loaxad: out of memory"));
	/* Before the station's threads, which inherit the blocked signals. */
	if ((sig = signals_new(ev, "loaxad", reload, &st)) == NULL)
		fatal("loaxad: signalfd");
	signals_source(sig, &src);
	ev_add(ev, &src);
	errlist_init(&errs);
	st = station_new(cfg, ev, &errs);
	if (st == NULL) {
		errlist_print(&errs, "loaxad: ", stderr);
		errlist_clear(&errs);
		fatalx(_("loaxad: cannot start the station"));
	}
	errlist_clear(&errs);
	signals_ready(sig);
	ev_run(ev);
	notify_send("STOPPING=1");
	station_free(st);
	signals_free(sig);
	ev_free(ev);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = DEFAULT_CONFIG;
	struct config cfg;
	int c, check = 0, verbose = 0;

	i18n_init();
	while ((c = getopt_long(argc, argv, "c:nvVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose = 1; break;
		case 'V': printf("loaxad %s\n", LOAXA_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("loaxad", 1, verbose);
	if (check)
		return check_only(path);
	if (load_config(path, &cfg) < 0)
		return 1;
	return run(&cfg);
}
