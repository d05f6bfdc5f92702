/*
 * 'loaxactl stations', run at the district office: every station of the
 * region, one line each, problems first, from what the broker retains (no
 * collector needed), and the enrolled stations that never reported when
 * the district's directory is known.
 */
#ifndef LOAXA_LOAXACTL_STATIONS_H
#define LOAXA_LOAXACTL_STATIONS_H

/*
 * Runs "stations" (argv[0]); conf is loaxactl's -c (may be NULL): a district
 * office's district.cfg, monitor.cfg or clients/district.NAME.cfg. Returns
 * the exit status: 0 when every station is online and healthy, 1 otherwise
 * (or when the broker cannot be read, the reason printed), 2 a mistake in
 * the command line.
 */
int	loaxactl_stations(const char *conf, int argc, char **argv);

#endif
