/*
 * The district's list of stations, from the directory loaxa-district made
 * (its init, add-station and revoke): DIR/stations/ID.crt for every station
 * ever enrolled, DIR/stations/ID.name its name, and DIR/ca/index.txt, the
 * CA's database, where a revoked certificate's line starts with "R". The
 * office's configuration files live there too (DIR/district.cfg,
 * DIR/monitor.cfg, DIR/clients/district.NAME.cfg), so -c tells where it is.
 */
#ifndef LOAXA_FLEET_DIR_H
#define LOAXA_FLEET_DIR_H

#include <stddef.h>

struct fleet;

/*
 * The district directory that holds the configuration file conf, when conf
 * lies in one (DIR/NAME.cfg or DIR/clients/NAME.cfg, DIR holding a region
 * file and a stations directory): into dir. 0, or -ENOENT.
 */
int	fleet_dir_find(const char *conf, char *dir, size_t len);
/*
 * Adds every station enrolled in the district directory dir to f, the
 * revoked ones marked, after checking that dir is region's. 0, or -errno
 * with a sentence for people in why.
 */
int	fleet_dir_read(const char *dir, const char *region, struct fleet *f, char *why,
	    size_t whylen);

#endif
