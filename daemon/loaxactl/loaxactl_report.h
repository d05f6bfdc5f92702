/*
 * 'loaxactl report': what the stations aired over a period, from the
 * district collector's database (read-only), per station, bulletin or tag.
 */
#ifndef LOAXA_LOAXACTL_REPORT_H
#define LOAXA_LOAXACTL_REPORT_H

/* conf: the collector's configuration (-c), or NULL for the default. The exit status. */
int	loaxactl_report(const char *conf, int argc, char **argv);

#endif
