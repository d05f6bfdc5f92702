/*
 * 'loaxactl stations': the fleet view at the district office. It reads the
 * district's list of stations when it knows the district's directory (the
 * one -c's file lives in, or --dir), then what the broker retains for the
 * region (fleet_sub.c: every status and the district schedule), and prints
 * one line a station, problems first (fleet.c judges, fleet_out.c prints).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/keys.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/fleet.h"
#include "daemon/loaxactl/fleet_dir.h"
#include "daemon/loaxactl/fleet_out.h"
#include "daemon/loaxactl/fleet_sub.h"
#include "daemon/loaxactl/loaxactl_stations.h"
#include "daemon/proto/manifest.h"

struct st_opts {
	char		 region[64];
	char		 host[256];
	int		 port;
	struct tls_files tls;
	const char	*dir;		/* --dir, or NULL */
	int		 json;
	int		 probe;		/* the identity may write loaxa/<region>/publish/# */
	long long	 stale;
	const char	*pubkey;	/* the district's public key file, or NULL */
	char		 pubkey_buf[PATH_MAX];
};

/* What the broker sends, as it comes. */
struct st_collect {
	struct fleet	*f;
	char		 prefix[80];	/* "loaxa/<region>/" */
	char		 schedule[100];	/* "loaxa/<region>/schedule" */
	char		*manifest;
	size_t		 manifest_len;
	int		 err;		/* the first error of fleet_add_status, or 0 */
};

static const char *
st_usage_text(void)
{
	return _("Usage: loaxactl -c district.cfg stations [--json] [--stale DURATION] [--dir DIR]\n"
	    "       loaxactl stations --region REGION --mqtt HOST[:PORT] [--tls-ca FILE "
	    "--tls-cert FILE --tls-key FILE]\n"
	    "         [--dir DIR] [--json] [--stale DURATION]\n"
	    "  -c takes a district office's district.cfg, monitor.cfg or clients/district.NAME.cfg;\n"
	    "  DIR, the district's directory (loaxa-district init), lists the enrolled stations\n"
	    "  (it is the one the -c file lives in); --stale: an online status older than this\n"
	    "  is a problem (default 15m)\n");
}

/* The region, the broker, TLS and the keys from -c; the options come after. */
static int
st_defaults(struct st_opts *o, const char *conf)
{
	const struct config *cfg;

	*o = (struct st_opts){ .port = 1883, .stale = FLEET_STALE_DEFAULT };
	snprintf(o->host, sizeof(o->host), "127.0.0.1");
	if (conf == NULL)
		return 0;
	if ((cfg = ctl_args_config(conf)) == NULL)	/* static: the pointers stay valid */
		return EXIT_REFUSED;
	snprintf(o->region, sizeof(o->region), "%s", cfg->station.region);
	snprintf(o->host, sizeof(o->host), "%s", cfg->mqtt.host);
	o->port = cfg->mqtt.port;
	if (cfg->mqtt.tls.ca[0] != '\0')
		o->tls = (struct tls_files){ cfg->mqtt.tls.ca, cfg->mqtt.tls.cert, cfg->mqtt.tls.key };
	/* Only the publisher's file names the signing key, and only it may write the probe. */
	o->probe = cfg->district.secret_key[0] != '\0';
	if (cfg->district.public_key[0] != '\0')
		o->pubkey = cfg->district.public_key;
	return 0;
}

/* One option with a value at argv[*i]: 1 taken, 0 not one of these, or EXIT_USAGE. */
static int
st_option(struct st_opts *o, int argc, char **argv, int *i)
{
	static const char *const names[] = { "--mqtt", "--region", "--tls-ca", "--tls-cert",
	    "--tls-key", "--dir", "--stale" };
	const char *v = NULL;
	size_t k;
	int r = 0;

	for (k = 0; k < sizeof(names) / sizeof(names[0]) && r == 0; k++)
		r = ctl_args_take(argc, argv, i, names[k], &v);
	if (r == 0)
		return 0;
	if (r < 0)
		return ctl_out_usage(st_usage_text(), _("%s needs a value"), names[k - 1]);
	switch (k - 1) {
	case 0:
		if (ctl_args_hostport(v, o->host, sizeof(o->host), &o->port) < 0)
			return ctl_out_usage(st_usage_text(), _("\"%s\" is not HOST or HOST:PORT"), v);
		break;
	case 1:
		snprintf(o->region, sizeof(o->region), "%s", v);
		break;
	case 2: o->tls.ca = v; break;
	case 3: o->tls.cert = v; break;
	case 4: o->tls.key = v; break;
	case 5: o->dir = v; break;
	default:
		if ((o->stale = ctl_args_duration(v)) < 0)
			return ctl_out_usage(st_usage_text(), _("\"%s\" is not a duration such as 90s, "
			    "30m or 2h"), v);
	}
	return 1;
}

static int
st_args(struct st_opts *o, const char *conf, int argc, char **argv)
{
	int i, rc;

	if ((rc = st_defaults(o, conf)) != 0)
		return rc;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o->json = 1;
			continue;
		}
		if ((rc = st_option(o, argc, argv, &i)) == 1)
			continue;
		if (rc != 0)
			return rc;
		if (argv[i][0] == '-')
			return ctl_out_usage(st_usage_text(), _("stations does not know the option %s"),
			    argv[i]);
		return ctl_out_usage(st_usage_text(), _("stations takes no argument; \"%s\" is one "
		    "too many"), argv[i]);
	}
	if (o->region[0] == '\0')
		return ctl_out_usage(st_usage_text(), "%s", _("stations needs --region (or -c with "
		    "a district office's configuration)"));
	if (!conf_id_valid(o->region))
		return ctl_out_usage(st_usage_text(), _("\"%s\" is not a region id (lowercase "
		    "letters, digits and '-')"), o->region);
	if ((o->tls.ca == NULL) != (o->tls.cert == NULL) || (o->tls.ca == NULL) != (o->tls.key == NULL))
		return ctl_out_usage(st_usage_text(), "%s", _("TLS needs --tls-ca, --tls-cert and "
		    "--tls-key together (or -c with a district office's configuration)"));
	return 0;
}

/* Each message: a station's status, or the district schedule. */
static void
st_on_message(void *arg, const char *topic, const void *payload, size_t len)
{
	struct st_collect *c = arg;
	size_t plen = strlen(c->prefix), tlen = strlen(topic);
	char id[64];
	int rc;

	if (strcmp(topic, c->schedule) == 0) {
		free(c->manifest);
		c->manifest = NULL;
		c->manifest_len = 0;
		if (len > 0 && len <= MANIFEST_MAX_BYTES && (c->manifest = malloc(len)) != NULL) {
			memcpy(c->manifest, payload, len);
			c->manifest_len = len;
		}
		return;
	}
	/* loaxa/<region>/<id>/status; an empty message is a status cleared by hand. */
	if (len == 0 || strncmp(topic, c->prefix, plen) != 0 || tlen < plen + 8 ||
	    strcmp(topic + tlen - 7, "/status") != 0 || tlen - plen - 7 >= sizeof(id))
		return;
	snprintf(id, sizeof(id), "%.*s", (int)(tlen - plen - 7), topic + plen);
	if ((rc = fleet_add_status(c->f, id, payload, len)) < 0 && rc != -EINVAL && c->err == 0)
		c->err = rc;
}

/* The enrolled stations, when the district's directory is known. 0, or EXIT_REFUSED. */
static int
st_enrolled(struct st_opts *o, const char *conf, struct fleet **f, int *known)
{
	char dir[PATH_MAX], why[PATH_MAX + 256];
	int rc;

	*known = 0;
	if (o->dir != NULL)
		snprintf(dir, sizeof(dir), "%s", o->dir);
	else if (fleet_dir_find(conf, dir, sizeof(dir)) < 0)
		return 0;
	if ((rc = fleet_dir_read(dir, o->region, *f, why, sizeof(why))) < 0) {
		/* A list read halfway would call enrolled stations strangers: start again. */
		fleet_free(*f);
		if ((*f = fleet_new(o->region)) == NULL)
			return ctl_out_fail("%s", _("out of memory"));
		if (o->dir != NULL)
			return ctl_out_fail("%s", why);
		fprintf(stderr, _("%s: warning: %s; stations that never reported are not shown\n"),
		    CTL_OUT_PROG, why);
		return 0;
	}
	*known = 1;
	/* The district's own public key is in its directory (init writes it there). */
	if (o->pubkey == NULL && (size_t)snprintf(o->pubkey_buf, sizeof(o->pubkey_buf),
	    "%s/district.pub", dir) < sizeof(o->pubkey_buf) && access(o->pubkey_buf, R_OK) == 0)
		o->pubkey = o->pubkey_buf;
	return 0;
}

/* Reads the broker into f. 0, or EXIT_REFUSED with the reason printed. */
static int
st_collect(const struct st_opts *o, struct fleet *f)
{
	const struct fleet_sub_opts so = { .host = o->host, .port = o->port, .tls = &o->tls,
	    .region = o->region, .probe = o->probe, .quiet_ms = FLEET_SUB_QUIET_MS,
	    .idle_ms = FLEET_SUB_IDLE_MS };
	struct st_collect c = { .f = f };
	unsigned char pk[KEYS_PUBLIC_BYTES];
	const unsigned char *key = NULL;
	char why[600];
	int rc;

	snprintf(c.prefix, sizeof(c.prefix), "loaxa/%s/", o->region);
	snprintf(c.schedule, sizeof(c.schedule), "loaxa/%s/schedule", o->region);
	if ((rc = fleet_sub_collect(&so, st_on_message, &c, why, sizeof(why))) < 0) {
		free(c.manifest);
		return ctl_out_fail(_("cannot read the stations' status from the MQTT broker at "
		    "%s:%d: %s"), o->host, o->port, why);
	}
	if (c.err == -ENOSPC)
		fprintf(stderr, _("%s: warning: more than %d statuses; the rest are not shown\n"),
		    CTL_OUT_PROG, FLEET_STATIONS_MAX);
	else if (c.err < 0)
		rc = ctl_out_fail("%s", _("out of memory"));
	if (rc == 0 && c.manifest != NULL) {
		if (o->pubkey != NULL && keys_load_public(o->pubkey, pk, why, sizeof(why)) == 0)
			key = pk;
		else if (o->pubkey != NULL)
			fprintf(stderr, _("%s: warning: %s; the schedule's signature is not checked\n"),
			    CTL_OUT_PROG, why);
		fleet_set_schedule(f, c.manifest, c.manifest_len, key);
	}
	free(c.manifest);
	return rc;
}

/* Prints the view; the exit status. */
static int
st_print(const struct st_opts *o, const struct fleet *f, int known)
{
	json_t *a;

	if (o->json) {
		if ((a = fleet_out_json(f)) == NULL)
			return ctl_out_fail("%s", _("out of memory"));
		json_dumpf(a, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(a);
	} else {
		fleet_out_text(f, stdout);
		if (!known)
			printf("%s\n", _("The district's list of stations is not known (-c with a "
			    "configuration in the district's directory, or --dir): a station that has "
			    "never reported is not shown."));
	}
	if (fleet_count(f) == 0)
		fprintf(stderr, _("%s: no station of region \"%s\" has reported, and none is "
		    "enrolled: check the region, the broker, and that this identity may read the "
		    "stations' status (the district's monitor.cfg or district.cfg may)\n"),
		    CTL_OUT_PROG, o->region);
	return fleet_all_healthy(f) ? 0 : EXIT_REFUSED;
}

int
loaxactl_stations(const char *conf, int argc, char **argv)
{
	struct st_opts o;
	struct fleet *f;
	int rc, known;

	if ((rc = st_args(&o, conf, argc, argv)) != 0)
		return rc;
	if ((f = fleet_new(o.region)) == NULL)
		return ctl_out_fail("%s", _("out of memory"));
	if ((rc = st_enrolled(&o, conf, &f, &known)) == 0 && (rc = st_collect(&o, f)) == 0) {
		if (fleet_evaluate(f, time(NULL), (int)o.stale) < 0)
			rc = ctl_out_fail("%s", _("out of memory"));
		else
			rc = st_print(&o, f, known);
	}
	fleet_free(f);
	return rc;
}
