/* Command-line pieces the district-office commands of loaxactl share (see ctl_args.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "config/i18n.h"
#include "daemon/ctl_args.h"

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
ctl_args_from_config(const char *conf, char *region, size_t regionlen, char *host,
    size_t hostlen, int *port)
{
	static struct config cfg;	/* large; read once */
	struct errlist errs;

	errlist_init(&errs);
	if (conf_load(conf, &cfg, &errs) < 0) {
		fprintf(stderr, _("loaxactl: cannot use the configuration %s:\n"), conf);
		errlist_print(&errs, "loaxactl:   ", stderr);
		errlist_clear(&errs);
		return 1;
	}
	errlist_clear(&errs);
	snprintf(region, regionlen, "%s", cfg.station.region);
	snprintf(host, hostlen, "%s", cfg.mqtt.host);
	*port = cfg.mqtt.port;
	return 0;
}
