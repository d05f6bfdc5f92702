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

/*
 * What 'loaxactl live' shares with alert: each connects c (new, not yet
 * connected) to d's broker and reads what is retained at the alert's topic,
 * so that the sequence only goes up. Each returns 0, or the exit status
 * after printing what failed and whether anything was published.
 */
struct pubclient;
struct ctl_district;
struct alert_meta;

/* Publishes m signed with sk; first the chunks of the bulletin at path (NULL: none, a live alert). */
int	alert_publish(struct pubclient *c, const struct ctl_district *d,
	    const unsigned char *sk, struct alert_meta *m, const char *path);
/* Publishes the signed cancel of alert id; say: then prints the id and a sentence. */
int	alert_publish_cancel(struct pubclient *c, const struct ctl_district *d,
	    const unsigned char *sk, const char *id, int say);
/* A new alert id: the local time and 4 random hex digits, e.g. 20261122-153005-3f2a. */
void	alert_new_id(char *id);

#endif
