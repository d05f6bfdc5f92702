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
ctl_args_from_config(const char *conf, char *region, size_t regionlen, char *host,
    size_t hostlen, int *port)
{
	const struct config *cfg = ctl_args_config(conf);

	if (cfg == NULL)
		return EXIT_REFUSED;
	snprintf(region, regionlen, "%s", cfg->station.region);
	snprintf(host, hostlen, "%s", cfg->mqtt.host);
	*port = cfg->mqtt.port;
	return 0;
}
