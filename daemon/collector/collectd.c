/*
 * loaxa-collectd: the district's proof-of-play collector. It keeps, in one
 * SQLite database, every record the stations of its region send (each
 * once), their availability and the gaps in their records, for the
 * programme report (`loaxactl report`, issue 12). Run next to the broker
 * under its own unit (provisioning/loaxa-collectd.service), with a district
 * office's configuration and a collector group:
 *
 *   loaxa-collectd -c /etc/loaxa/collector.cfg            run
 *   loaxa-collectd -c /etc/loaxa/collector.cfg --check    check the configuration
 *   loaxa-collectd -c /etc/loaxa/collector.cfg --import FILE...
 *                  store stations' own logs (loaxactl log --json), then exit
 *
 * Its messages are in English, like loaxa-district's: it is for the
 * district's technician, who reads the README in English.
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
#include "daemon/core/ev.h"
#include "daemon/core/log.h"
#include "daemon/core/notify.h"
#include "daemon/core/signals.h"
#include "daemon/core/tls.h"
#include "daemon/proto/report.h"
#include "daemon/collector/collect_announce.h"
#include "daemon/collector/collect_batch.h"
#include "daemon/collector/collect_db.h"
#include "daemon/collector/collect_discovery.h"
#include "daemon/collector/collect_import.h"
#include "daemon/collector/collect_mqtt.h"

#define DEFAULT_CONFIG	"/etc/loaxa/collector.cfg"
#define SHUTDOWN_MS	2000
#define CLIENT_ID_MAX	128

struct collectd {
	const struct config *cfg;
	struct ev_loop	*ev;
	struct cdb	*db;
	struct cbatch	*batch;
	struct cann	*announce;
	struct cmqtt	*mqtt;
	struct signals	*sig;
};

static void
usage(FILE *fp)
{
	fprintf(fp, _("usage: loaxa-collectd [-c FILE] [--check | --import FILE...] [-v]\n"
	    "  -c, --config FILE  the collector's configuration (default %s):\n"
	    "                     a district office's file with a collector group\n"
	    "  -n, --check        check the configuration and the TLS files, then exit\n"
	    "  -i, --import       store the files given (each the output of 'loaxactl log\n"
	    "                     --json' on a station), then exit; the collector may run\n"
	    "  -v, --verbose      log more\n"
	    "  -V, --version      print the version\n"), DEFAULT_CONFIG);
}

/* The configuration, which must be a district office's with a collector group. */
static int
load_config(const char *path, struct config *cfg)
{
	struct errlist errs;
	int rc;

	errlist_init(&errs);
	rc = conf_load(path, cfg, &errs);
	if (rc < 0)
		errlist_print(&errs, "loaxa-collectd: ", stderr);
	errlist_clear(&errs);
	if (rc == 0 && (!cfg->office || cfg->collector.database[0] == '\0')) {
		fprintf(stderr, _("loaxa-collectd: %s: %s; the collector needs a district office's "
		    "file (such as the one 'loaxa-district add-client DIR collector --role collector' "
		    "writes) with a collector group: collector = { database = "
		    "\"/var/lib/loaxa-collector/collector.db\"; };\n"), path, !cfg->office ?
		    _("this is a station's configuration") : _("it has no collector group"));
		rc = -1;
	}
	return rc;
}

/* The session's name: the identity's CN (the broker takes it as the client id anyway). */
static int
client_id(const struct config *cfg, char *id, size_t len)
{
	char why[TLS_WHY_MAX];

	if (cfg->mqtt.tls.cert[0] != '\0') {
		if (tls_cert_cn(cfg->mqtt.tls.cert, id, len, why, sizeof(why)) == 0)
			return 0;
		fprintf(stderr, _("loaxa-collectd: %s: mqtt.tls.cert: %s\n"), cfg->path, why);
		return -1;
	}
	snprintf(id, len, "%s", cfg->mqtt.username[0] != '\0' ? cfg->mqtt.username :
	    "loaxa-collectd");
	return 0;
}

static struct cdb *
open_db(const struct config *cfg)
{
	struct errlist errs;
	struct cdb *db;

	errlist_init(&errs);
	if ((db = cdb_open(cfg->collector.database, &errs)) == NULL)
		errlist_print(&errs, "loaxa-collectd: ", stderr);
	errlist_clear(&errs);
	return db;
}

/*
 * --check: the file and the identity's TLS files. The database is not
 * touched: a check run as root must not make files the service's user
 * could not write.
 */
static int
check_only(const struct config *cfg)
{
	const struct cfg_tls *t = &cfg->mqtt.tls;
	struct tls_files f = { t->ca, t->cert, t->key };
	char why[TLS_WHY_MAX], id[CLIENT_ID_MAX];
	time_t not_after;

	if (t->ca[0] != '\0' && tls_check_files(&f, 1, &not_after, why, sizeof(why)) < 0) {
		fprintf(stderr, _("loaxa-collectd: %s: mqtt.tls: %s\n"), cfg->path, why);
		return 1;
	}
	if (client_id(cfg, id, sizeof(id)) < 0)
		return 1;
	printf(_("%s: configuration OK: region \"%s\", broker %s:%d as %s, database %s (%s)\n"),
	    cfg->path, cfg->station.region, cfg->mqtt.host, cfg->mqtt.port, id,
	    cfg->collector.database, access(cfg->collector.database, F_OK) == 0 ? _("there") :
	    _("made at the first start"));
	return 0;
}

static int
import_files(const struct config *cfg, char **files, int n)
{
	struct cdb *db;
	int i, bad = 0;

	if ((db = open_db(cfg)) == NULL)
		return 1;
	for (i = 0; i < n; i++)
		bad |= cimport_file(db, cfg->station.region, files[i], stdout) < 0;
	cdb_close(db);
	return bad;
}

/* --- The daemon. --- */

/*
 * on_message: the stations' messages are stored (their PUBACKs wait for the
 * commit), and their statuses also tell the dashboards' discovery which
 * stations there are; Home Assistant's birth and the discoveries retained
 * from before have nothing to store.
 */
static int
collectd_message(void *arg, const char *topic, const void *payload, size_t len)
{
	struct collectd *d = arg;

	if (strcmp(topic, CDISC_HA_STATUS) == 0) {
		cann_ha_status(d->announce, payload, len);
		return 1;
	}
	if (strncmp(topic, CDISC_PREFIX "/", strlen(CDISC_PREFIX "/")) == 0)
		return cann_discovery_seen(d->announce, topic, len) < 0 ? -ENOMEM : 1;
	if (cann_heard(d->announce, topic, payload, len) < 0)
		return -ENOMEM;
	return cbatch_take(d->batch, topic, payload, len);
}

static int
start(struct collectd *d, const char *id)
{
	const struct config *cfg = d->cfg;
	struct cmqtt_params p = {
		.host = cfg->mqtt.host, .port = cfg->mqtt.port, .keepalive = cfg->mqtt.keepalive,
		.client_id = id,
		.username = cfg->mqtt.username[0] ? cfg->mqtt.username : NULL,
		.password_file = cfg->mqtt.password_file[0] ? cfg->mqtt.password_file : NULL,
		.session_expiry = (unsigned)cfg->collector.session_expiry,
		.on_message = collectd_message,
		.arg = d,
		.nfilters = 4,
	};
	char events[160], status[160], discovery[CDISC_TOPIC_MAX];
	struct ev_source src;

	if (cfg->mqtt.tls.ca[0] != '\0')
		p.tls = (struct tls_files){ cfg->mqtt.tls.ca, cfg->mqtt.tls.cert, cfg->mqtt.tls.key };
	snprintf(events, sizeof(events), "loaxa/%s/+/events", cfg->station.region);
	snprintf(status, sizeof(status), "loaxa/%s/+/status", cfg->station.region);
	p.filters[0] = events;
	p.filters[1] = status;
	p.filters[2] = CDISC_HA_STATUS;
	/* After the statuses: see collect_announce.h. */
	if (cdisc_filter(cfg->station.region, discovery, sizeof(discovery)) < 0)
		return -1;
	p.filters[3] = discovery;
	if ((d->db = open_db(cfg)) == NULL || (d->batch = cbatch_new(d->db)) == NULL ||
	    (d->announce = cann_new(cfg->station.region)) == NULL)
		return -1;
	if ((d->mqtt = cmqtt_new(&p)) == NULL)
		return -1;
	cbatch_set_mqtt(d->batch, d->mqtt);
	cann_set_mqtt(d->announce, d->mqtt);
	cmqtt_source(d->mqtt, &src);
	ev_add(d->ev, &src);
	cbatch_source(d->batch, &src);
	ev_add(d->ev, &src);
	cann_source(d->announce, &src);
	ev_add(d->ev, &src);
	log_info(_("collector: region \"%s\", broker %s:%d as %s, database %s"), cfg->station.region,
	    cfg->mqtt.host, cfg->mqtt.port, id, cfg->collector.database);
	return 0;
}

/* Stores what was read, lets its PUBACKs go, and leaves the session on the broker. */
static void
stop(struct collectd *d)
{
	const struct cdb_tally *t;

	if (d->batch != NULL && cbatch_flush(d->batch) == 0 && d->mqtt != NULL)
		(void)cmqtt_shutdown(d->mqtt, SHUTDOWN_MS);
	if (d->batch != NULL) {
		t = cbatch_tally(d->batch);
		log_info(_("collector: stopped; since the start: %ld records stored, %ld received "
		    "again, %ld gaps found, %ld filled, %ld availability changes"), t->records,
		    t->duplicates, t->gaps, t->filled, t->transitions);
	}
	cmqtt_free(d->mqtt);
	cann_free(d->announce);
	cbatch_free(d->batch);
	cdb_close(d->db);
}

static int
run(const struct config *cfg)
{
	struct collectd d = { .cfg = cfg };
	struct ev_source src;
	char id[CLIENT_ID_MAX];

	if (client_id(cfg, id, sizeof(id)) < 0)
		return 1;
	if ((d.ev = ev_new()) == NULL)
		fatalx(_("loaxa-collectd: out of memory"));
	/* Before libmosquitto's and SQLite's threads, which inherit the blocked signals. */
	if ((d.sig = signals_new(d.ev, "collector", NULL, NULL)) == NULL)
		fatal("loaxa-collectd: signalfd");
	signals_source(d.sig, &src);
	ev_add(d.ev, &src);
	if (start(&d, id) < 0) {
		stop(&d);
		signals_free(d.sig);
		ev_free(d.ev);
		return 1;
	}
	signals_ready(d.sig);
	ev_run(d.ev);
	notify_send("STOPPING=1");
	stop(&d);
	signals_free(d.sig);
	ev_free(d.ev);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "import", no_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = DEFAULT_CONFIG;
	struct config cfg;
	int c, check = 0, import = 0, verbose = 0;

	i18n_init();
	while ((c = getopt_long(argc, argv, "c:nivVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'i': import = 1; break;
		case 'v': verbose = 1; break;
		case 'V': printf("loaxa-collectd %s\n", LOAXA_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if ((import && optind == argc) || (!import && optind != argc) || (import && check)) {
		usage(stderr);
		return 2;
	}
	log_init("loaxa-collectd", 1, verbose);
	if (load_config(path, &cfg) < 0)
		return 1;
	if (check)
		return check_only(&cfg);
	if (import)
		return import_files(&cfg, argv + optind, argc - optind);
	return run(&cfg);
}
