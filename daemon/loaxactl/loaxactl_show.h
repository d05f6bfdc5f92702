/* loaxactl's 'list [--json]' and 'status [--json]': what a station is doing. */
#ifndef LOAXA_LOAXACTL_SHOW_H
#define LOAXA_LOAXACTL_SHOW_H

/*
 * Each runs its command (argv[0]) against the daemon at sock and returns the
 * exit status: 0, 1 when the daemon refused or cannot be reached, 2 for a
 * mistake in the command line; every message is printed.
 */
int	loaxactl_show_list(const char *sock, int argc, char **argv);
int	loaxactl_show_status(const char *sock, int argc, char **argv);

#endif
