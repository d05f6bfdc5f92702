/* Command-line pieces the district-office commands of loaxactl share (see ctl_args.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/errlist.h"
#include "config/i18n.h"
#include "daemon/loaxactl/ctl_args.h"

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

/* "90", "90s", "30m", "2h", "1d" -> seconds; -1 when it is none of these. */
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
