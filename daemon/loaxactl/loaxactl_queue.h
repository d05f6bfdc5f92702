/*
 * loaxactl's commands for a station's queue: 'queue FILE [--at TIME]
 * [--title TEXT] [--class CLASS]', 'move ID POSITION' and 'cancel ID'.
 */
#ifndef LOAXA_LOAXACTL_QUEUE_H
#define LOAXA_LOAXACTL_QUEUE_H

/*
 * Each runs its command (argv[0]) against the daemon at sock and returns the
 * exit status: 0, 1 when the daemon refused or cannot be reached (or the
 * recording cannot be made a bulletin), 2 for a mistake in the command line;
 * every message is printed. queue takes any recording import.h takes,
 * prepared as conf's import group says (conf may be NULL: the defaults).
 */
int	loaxactl_queue_add(const char *conf, const char *sock, int argc, char **argv);
int	loaxactl_queue_move(const char *sock, int argc, char **argv);
int	loaxactl_queue_cancel(const char *sock, int argc, char **argv);

#endif
