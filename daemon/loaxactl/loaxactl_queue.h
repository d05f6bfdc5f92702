/*
 * loaxactl's commands for a station's queue: 'queue FILE [--at TIME]
 * [--title TEXT] [--class CLASS]', 'move ID POSITION' and 'cancel ID'.
 */
#ifndef LOAXA_LOAXACTL_QUEUE_H
#define LOAXA_LOAXACTL_QUEUE_H

/*
 * Each runs its command (argv[0]) against the daemon at sock and returns the
 * exit status: 0, 1 when the daemon refused or cannot be reached (or the
 * bulletin does not play), 2 for a mistake in the command line; every
 * message is printed.
 */
int	loaxactl_queue_add(const char *sock, int argc, char **argv);
int	loaxactl_queue_move(const char *sock, int argc, char **argv);
int	loaxactl_queue_cancel(const char *sock, int argc, char **argv);

#endif
