/*
 * loaxactl: the command line for the commune's operators and technicians,
 * and for the district office. main() reads the global options and hands the
 * command to its file: the station's commands (loaxactl_queue.c,
 * loaxactl_show.c, loaxactl_control.c, loaxactl_log.c) send one request over
 * the control socket and turn the reply into a few plain sentences; the
 * district office's (loaxactl_district.c, loaxactl_alert.c, loaxactl_live.c,
 * loaxactl_stations.c) talk to the MQTT broker instead, and the report
 * (loaxactl_report.c) reads the district collector's database. Exit status: 0 done, 1 refused or the daemon (or broker)
 * unreachable, 2 a mistake in the command line.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "daemon/ctl/ctl.h"
#include "daemon/loaxactl/ctl_args.h"
#include "daemon/loaxactl/ctl_out.h"
#include "daemon/loaxactl/loaxactl_alert.h"
#include "daemon/loaxactl/loaxactl_live.h"
#include "daemon/loaxactl/loaxactl_control.h"
#include "daemon/loaxactl/loaxactl_district.h"
#include "daemon/loaxactl/loaxactl_import.h"
#include "daemon/loaxactl/loaxactl_log.h"
#include "daemon/loaxactl/loaxactl_queue.h"
#include "daemon/loaxactl/loaxactl_report.h"
#include "daemon/loaxactl/loaxactl_show.h"
#include "daemon/loaxactl/loaxactl_stations.h"

/* -s, else the configuration's control.socket, else $LOAXA_SOCKET, else the default. */
static int
socket_path(const char *conf, const char *sock, char *out, size_t len)
{
	const struct config *cfg;
	const char *env = getenv("LOAXA_SOCKET");

	if (sock == NULL && conf != NULL) {
		if ((cfg = ctl_args_config(conf)) == NULL)
			return EXIT_REFUSED;
		sock = cfg->control.socket;
	}
	if (sock == NULL)
		sock = env != NULL && env[0] != '\0' ? env : CTL_DEFAULT_SOCKET;
	if ((size_t)snprintf(out, len, "%s", sock) >= len)
		return ctl_out_usage(NULL, _("the socket path \"%s\" is too long"), sock);
	return 0;
}

/* The commands that talk to a station's daemon. */
static const struct command {
	const char *name;
	int (*fn)(const char *sock, int argc, char **argv);
} commands[] = {
	{ "list", loaxactl_show_list },
	{ "cancel", loaxactl_queue_cancel },
	{ "stop", loaxactl_control_plain },
	{ "reload", loaxactl_control_plain },
	{ "status", loaxactl_show_status },
	{ "mute", loaxactl_control_mute },
	{ "unmute", loaxactl_control_unmute },
	{ "move", loaxactl_queue_move },
	{ "log", loaxactl_log },
};

/* Runs the command argv[0] (after the global options). The exit status. */
static int
run_command(const char *conf, const char *sock, int argc, char **argv)
{
	char path[PATH_MAX];
	size_t i;
	int rc;

	if (strcmp(argv[0], "help") == 0) {
		ctl_out_help(stdout);
		return 0;
	}
	/* The district office's commands talk to the broker, not to a station. */
	if (strcmp(argv[0], "keygen") == 0 || strcmp(argv[0], "publish") == 0)
		return loaxactl_district(conf, argc, argv);
	if (strcmp(argv[0], "alert") == 0)
		return loaxactl_alert(conf, argc, argv);
	if (strcmp(argv[0], "live") == 0)
		return loaxactl_live(conf, argc, argv);
	if (strcmp(argv[0], "stations") == 0)
		return loaxactl_stations(conf, argc, argv);
	if (strcmp(argv[0], "report") == 0)
		return loaxactl_report(conf, argc, argv);
	if (strcmp(argv[0], "import") == 0)
		return loaxactl_import(conf, argc, argv);
	/* queue talks to the daemon, and prepares the recording as -c's import group says. */
	if (strcmp(argv[0], "queue") == 0) {
		if ((rc = socket_path(conf, sock, path, sizeof(path))) != 0)
			return rc;
		return loaxactl_queue_add(conf, path, argc, argv);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if ((rc = socket_path(conf, sock, path, sizeof(path))) != 0)
			return rc;
		return commands[i].fn(path, argc, argv);
	}
	return ctl_out_usage(NULL, _("unknown command \"%s\""), argv[0]);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = NULL, *sock = NULL;
	int ch;

	i18n_init();
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			ctl_out_help(stdout);
			return 0;
		default:
			if (optopt == 'c' || optopt == 's')
				return ctl_out_usage(NULL, _("%s needs a value"),
				    optopt == 'c' ? "-c" : "-s");
			return ctl_out_usage(NULL, _("unknown option %s"), argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (conf != NULL && sock != NULL)
		return ctl_out_usage(NULL, "%s", _("give either -c or -s, not both"));
	if (argc == 0)
		return ctl_out_usage(NULL, "%s", _("give a command (see below)"));
	return run_command(conf, sock, argc, argv);
}
