/*
 * Command-line pieces more than one loaxactl command uses: options with a
 * value, durations (mute --for, alert --repeat and --until), the command
 * line publish and alert share (--region, --key, --stations, --mqtt
 * HOST[:PORT]), and the configuration that -c names (the station's socket;
 * the district's region and broker).
 */
#ifndef LOAXA_CTL_ARGS_H
#define LOAXA_CTL_ARGS_H

#include <stddef.h>

#include "config/conf.h"
#include "daemon/core/tls.h"

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
/* How recordings are prepared: conf's import group, or the defaults without conf. 0 or EXIT_REFUSED. */
int	ctl_args_import(const char *conf, struct cfg_import *out);

/* The command line every district-office command (publish, alert) has in common. */
struct ctl_district {
	const char	*region, *key, *stations;
	char		 host[256];
	int		 port;
	struct tls_files tls;		/* from the configuration's mqtt.tls; NULLs: plain MQTT */
	int		 flag;		/* the command's one option without a value was given */
	const char	*arg;		/* its one argument that is not an option, or NULL */
	char		 region_buf[64];
};

/* What is particular to one district-office command's command line. */
struct ctl_args_spec {
	const char	*usage;		/* the usage text printed under a mistake */
	const char	*flag;		/* its one option without a value ("--dry-run") */
	const char	*too_many;	/* the message for a second argument, with %s */
	/*
	 * Any other option with a value (may be NULL): 0, -ENOENT when it is not
	 * one of the command's, or EXIT_USAGE after printing why the value is wrong.
	 */
	int	(*option)(void *opts, const char *name, const char *value);
};

/*
 * Reads a district-office command line into d (and opts, through
 * spec->option): the broker 127.0.0.1:1883 and no region, then what the
 * configuration conf says (may be NULL), then --region, --key, --stations,
 * --mqtt HOST[:PORT], the flag, one argument and the command's own options.
 * 0, EXIT_REFUSED when the configuration cannot be used, or EXIT_USAGE;
 * every message is printed.
 */
int	ctl_args_district(struct ctl_district *d, const struct ctl_args_spec *spec, void *opts,
	    const char *conf, int argc, char **argv);
/*
 * After the command's own checks of its argument: a region and a key are
 * required. 0, or EXIT_USAGE after printing what is missing.
 */
int	ctl_args_district_check(const struct ctl_district *d, const struct ctl_args_spec *spec,
	    const char *cmd);

#endif
