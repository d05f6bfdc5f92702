/* loaxactl's 'stop', 'reload', 'mute [--for DURATION]' and 'unmute'. */
#ifndef LOAXA_LOAXACTL_CONTROL_H
#define LOAXA_LOAXACTL_CONTROL_H

/*
 * Each runs its command (argv[0]) against the daemon at sock and returns the
 * exit status: 0, 1 when the daemon refused or cannot be reached, 2 for a
 * mistake in the command line; every message is printed.
 * loaxactl_control_plain runs "stop" or "reload", which take no arguments.
 */
int	loaxactl_control_plain(const char *sock, int argc, char **argv);
int	loaxactl_control_mute(const char *sock, int argc, char **argv);
int	loaxactl_control_unmute(const char *sock, int argc, char **argv);

#endif
