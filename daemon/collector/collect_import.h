/*
 * `loaxa-collectd --import FILE`: a station's own as-run log, as
 * `loaxactl log --json` prints it on the station, stored in the collector's
 * database like the records that came over MQTT. What the database has
 * already is passed over; what it lacked fills the station's gaps.
 *
 * It is the collector's command, not loaxactl's, so that the collector's
 * database stays the collector's: loaxactl never writes it (issue 12's
 * `loaxactl report` only reads it), and the import goes through the very
 * code the MQTT records go through.
 */
#ifndef LOAXA_COLLECT_IMPORT_H
#define LOAXA_COLLECT_IMPORT_H

#include <stdio.h>

struct cdb;

#define CIMPORT_MAX_BYTES	(512 * 1024 * 1024)

/*
 * Imports path: one or more JSON texts, each `loaxactl log --json`'s reply
 * (an object with "records"), an array of records, or one record. Records
 * of another region than region are refused. Says what it did on out.
 * 0, or -1 after saying why on stderr (nothing of the file is stored then).
 */
int	cimport_file(struct cdb *db, const char *region, const char *path, FILE *out);

#endif
