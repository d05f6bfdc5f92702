/*
 * 'loaxactl log [--since TIME] [--after N] [--limit N] [--json]': what the station aired,
 * from its own as-run log, as a table for people or as JSON for scripts.
 */
#ifndef LOAXA_LOAXACTL_LOG_H
#define LOAXA_LOAXACTL_LOG_H

#include <stdio.h>

#include <jansson.h>

/*
 * Runs the command (argv[0] is "log") against the daemon at sock. Returns the
 * exit status: 0, 1 when the daemon refused or cannot be reached, 2 for a
 * mistake in the command line; every message is printed.
 */
int	loaxactl_log(const char *sock, int argc, char **argv);
/* Prints the daemon's reply to a log request as the table people see. */
void	loaxactl_log_table(FILE *fp, const json_t *reply);

#endif
