/*
 * 'loaxactl live', run at the district office: a live broadcast from the
 * office's microphone (or a recording played as if live) to the district's
 * stream server, relayed by every station a signed live alert names, until
 * Ctrl-C or 'loaxactl live --stop'.
 */
#ifndef LOAXA_LOAXACTL_LIVE_H
#define LOAXA_LOAXACTL_LIVE_H

/*
 * Runs "live" (argv[0]); conf is loaxactl's -c (may be NULL: then live's own
 * -c). The exit status: 0, 1 refused or failed (the reason printed, with
 * whether the stations were told), 2 a mistake in the command line.
 */
int	loaxactl_live(const char *conf, int argc, char **argv);

#endif
