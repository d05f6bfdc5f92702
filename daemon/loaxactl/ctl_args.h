/* Command-line pieces the district-office commands of loaxactl share. */
#ifndef LOAXA_CTL_ARGS_H
#define LOAXA_CTL_ARGS_H

#include <stddef.h>

/* "HOST" or "HOST:PORT" (default port 1883). 0, or -EINVAL. */
int	ctl_args_hostport(const char *v, char *host, size_t hostlen, int *port);
/*
 * The region and the broker from a station configuration file. 0, or the
 * exit status for a refusal after printing every problem of the file.
 */
int	ctl_args_from_config(const char *conf, char *region, size_t regionlen, char *host,
	    size_t hostlen, int *port);

/* "90", "90s", "30m", "2h", "1d" -> seconds (at most a year); -1 when it is none of these. */
long long ctl_args_duration(const char *s);

#endif
