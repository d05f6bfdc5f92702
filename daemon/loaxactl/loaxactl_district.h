/*
 * The district office's commands of loaxactl: 'keygen KEYFILE' makes the
 * district's key pair; 'publish SCHEDULE.cfg' signs a schedule and publishes
 * it with its bulletins to every station of a region over MQTT.
 */
#ifndef LOAXA_LOAXACTL_DISTRICT_H
#define LOAXA_LOAXACTL_DISTRICT_H

/*
 * Runs the command argv[0] ("keygen" or "publish"); conf is loaxactl's -c
 * (may be NULL), read by publish for the region and the broker. Returns the
 * exit status: 0, 1 refused or failed (with the reasons printed), 2 a mistake
 * in the command line.
 */
int	loaxactl_district(const char *conf, int argc, char **argv);

#endif
