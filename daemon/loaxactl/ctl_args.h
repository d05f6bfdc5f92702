/*
 * Command-line pieces more than one loaxactl command uses: options with a
 * value, durations (mute --for, alert --repeat and --until), the broker's
 * HOST:PORT and lists of stations (publish, alert), and the configuration
 * that -c names (the station's socket; the district's region and broker).
 */
#ifndef LOAXA_CTL_ARGS_H
#define LOAXA_CTL_ARGS_H

#include <stddef.h>

struct config;

/*
 * Takes "--opt VALUE" or "--opt=VALUE" at argv[*i] (advancing *i past a
 * separate value). 1 when argv[*i] was opt, 0 when it was not, -1 when its
 * value is missing.
 */
int	ctl_args_take(int argc, char **argv, int *i, const char *opt, const char **out);

/* "90", "90s", "30m", "2h", "1d" -> seconds (at most 366 days); -1 when it is none of these. */
long long ctl_args_duration(const char *s);

/* "HOST" or "HOST:PORT" (default port 1883). 0, or -EINVAL. */
int	ctl_args_hostport(const char *v, char *host, size_t hostlen, int *port);
/*
 * "id,id,..." split into targets (pointing into buf, len bytes) and *n, at
 * least 1. 0, or EXIT_USAGE after printing why with the command's usage
 * text. More than max ids is refused, never cut short.
 */
int	ctl_args_targets(const char *usage, const char *list, char *buf, size_t len,
	    const char **targets, size_t max, size_t *n);

/*
 * The configuration file conf, read into one static struct (it is large):
 * each call reads the file again over the last. NULL after printing every
 * problem of the file.
 */
const struct config *ctl_args_config(const char *conf);
/*
 * The region and the broker from the configuration file conf. 0, or the
 * exit status for a refusal after printing every problem of the file.
 */
int	ctl_args_from_config(const char *conf, char *region, size_t regionlen, char *host,
	    size_t hostlen, int *port);

#endif
