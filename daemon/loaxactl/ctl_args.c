/* Command-line pieces more than one loaxactl command uses (see ctl_args.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "config/i18n.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/ctl_out.h"

int
ctl_args_take(int argc, char **argv, int *i, const char *opt, const char **out)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 1;
}

long long
ctl_args_duration(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || errno != 0 || v <= 0 || v > 366LL * 86400)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		return v * 60;
	if (strcmp(end, "h") == 0)
		return v * 3600;
	if (strcmp(end, "d") == 0)
		return v * 86400;
	return -1;
}

int
ctl_args_hostport(const char *v, char *host, size_t hostlen, int *port)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long p = 1883;
	size_t n = colon != NULL ? (size_t)(colon - v) : strlen(v);

	if (colon != NULL) {
		errno = 0;
		p = strtol(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || colon[1] == '\0' || p < 1 || p > 65535)
			return -EINVAL;
	}
	if (n == 0 || n >= hostlen)
		return -EINVAL;
	memcpy(host, v, n);
	host[n] = '\0';
	*port = (int)p;
	return 0;
}

int
ctl_args_targets(const char *usage, const char *list, char *buf, size_t len,
    const char **targets, size_t max, size_t *n)
{
	char *p, *save = NULL;

	/* Dropping the ids past max would leave stations out without a word. */
	*n = 0;
	if ((size_t)snprintf(buf, len, "%s", list) >= len)
		return ctl_out_usage(usage, _("\"%s\" is too long a list of stations"), list);
	for (p = strtok_r(buf, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		if (*n == max)
			return ctl_out_usage(usage, _("\"%s\" names more than %zu stations"),
			    list, max);
		targets[(*n)++] = p;
	}
	if (*n == 0)
		return ctl_out_usage(usage, _("\"%s\" is not a list of station ids such as "
		    "tan-thanh,an-binh"), list);
	return 0;
}

const struct config *
ctl_args_config(const char *conf)
{
	static struct config cfg;	/* large; read once */
	struct errlist errs;

	errlist_init(&errs);
	if (conf_load(conf, &cfg, &errs) < 0) {
		fprintf(stderr, _("%s: cannot use the configuration %s:\n"), CTL_OUT_PROG, conf);
		errlist_print(&errs, CTL_OUT_PROG ":   ", stderr);
		errlist_clear(&errs);
		return NULL;
	}
	errlist_clear(&errs);
	return &cfg;
}

int
ctl_args_import(const char *conf, struct cfg_import *out)
{
	const struct config *cfg;
	struct config def;

	if (conf == NULL) {
		conf_defaults(&def);
		*out = def.import;
		return 0;
	}
	if ((cfg = ctl_args_config(conf)) == NULL)
		return EXIT_REFUSED;
	*out = cfg->import;
	return 0;
}

/*
 * The broker, the region, TLS and the key before the options: the defaults,
 * then the configuration's (a station's loaxa.cfg, or a district office's
 * district.cfg, which also names the signing key).
 */
static int
ctl_args_district_defaults(struct ctl_district *d, const char *conf)
{
	const struct config *cfg;

	*d = (struct ctl_district){ .port = 1883 };
	snprintf(d->host, sizeof(d->host), "127.0.0.1");
	if (conf == NULL)
		return 0;
	if ((cfg = ctl_args_config(conf)) == NULL)	/* static: the pointers below stay valid */
		return EXIT_REFUSED;
	snprintf(d->region_buf, sizeof(d->region_buf), "%s", cfg->station.region);
	snprintf(d->host, sizeof(d->host), "%s", cfg->mqtt.host);
	d->port = cfg->mqtt.port;
	d->region = d->region_buf;
	if (cfg->mqtt.tls.ca[0] != '\0')
		d->tls = (struct tls_files){ cfg->mqtt.tls.ca, cfg->mqtt.tls.cert,
		    cfg->mqtt.tls.key };
	if (cfg->district.secret_key[0] != '\0')
		d->key = cfg->district.secret_key;
	return 0;
}

/* One option with a value; 0, or EXIT_USAGE after printing why. */
static int
ctl_args_district_option(struct ctl_district *d, const struct ctl_args_spec *spec,
    void *opts, const char *cmd, const char *a, const char *val)
{
	int rc;

	if (strcmp(a, "--region") == 0)
		d->region = val;
	else if (strcmp(a, "--key") == 0)
		d->key = val;
	else if (strcmp(a, "--stations") == 0)
		d->stations = val;
	else if (strcmp(a, "--mqtt") == 0) {
		if (ctl_args_hostport(val, d->host, sizeof(d->host), &d->port) < 0)
			return ctl_out_usage(spec->usage, _("\"%s\" is not HOST or HOST:PORT"), val);
	} else if (strcmp(a, "--tls-ca") == 0)
		d->tls.ca = val;
	else if (strcmp(a, "--tls-cert") == 0)
		d->tls.cert = val;
	else if (strcmp(a, "--tls-key") == 0)
		d->tls.key = val;
	else if (spec->option == NULL || (rc = spec->option(opts, a, val)) == -ENOENT)
		return ctl_out_usage(spec->usage, _("%s does not know the option %s"), cmd, a);
	else
		return rc;
	return 0;
}

int
ctl_args_district(struct ctl_district *d, const struct ctl_args_spec *spec, void *opts,
    const char *conf, int argc, char **argv)
{
	int i, rc;

	if ((rc = ctl_args_district_defaults(d, conf)) != 0)
		return rc;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, spec->flag) == 0) {
			d->flag = 1;
		} else if (a[0] != '-') {
			if (d->arg != NULL)
				return ctl_out_usage(spec->usage, spec->too_many, a);
			d->arg = a;
		} else if (val == NULL) {
			return ctl_out_usage(spec->usage, _("%s needs a value"), a);
		} else if ((rc = ctl_args_district_option(d, spec, opts, argv[0], a,
		    argv[++i])) != 0)
			return rc;
	}
	return 0;
}

int
ctl_args_district_check(const struct ctl_district *d, const struct ctl_args_spec *spec,
    const char *cmd)
{
	if (d->region == NULL)
		return ctl_out_usage(spec->usage, _("%s needs --region (or -c with a "
		    "configuration)"), cmd);
	if (d->key == NULL)
		return ctl_out_usage(spec->usage, _("%s needs --key, the district's secret key "
		    "file"), cmd);
	if ((d->tls.ca == NULL) != (d->tls.cert == NULL) ||
	    (d->tls.ca == NULL) != (d->tls.key == NULL))
		return ctl_out_usage(spec->usage, _("TLS needs --tls-ca, --tls-cert and --tls-key "
		    "together (or -c with a district office's configuration)"));
	return 0;
}
