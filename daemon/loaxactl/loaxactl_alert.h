/*
 * 'loaxactl alert', run at the district office: publish a signed alert with
 * its bulletin to the stations of a region, or cancel one everywhere.
 */
#ifndef LOAXA_LOAXACTL_ALERT_H
#define LOAXA_LOAXACTL_ALERT_H

/*
 * Runs "alert" (argv[0]); conf is loaxactl's -c (may be NULL), for the region
 * and the broker. Prints the alert id on the first line of stdout (for
 * scripts), then a sentence. Returns the exit status: 0, 1 refused or failed
 * (the reason printed, with whether anything was published), 2 a mistake in
 * the command line.
 */
int	loaxactl_alert(const char *conf, int argc, char **argv);

#endif
