/*
 * The fleet view printed (see fleet.h): a table for people, one line a
 * station, problems first, and a summary; or a JSON array for scripts.
 */
#ifndef LOAXA_FLEET_OUT_H
#define LOAXA_FLEET_OUT_H

#include <stdio.h>

#include <jansson.h>

struct fleet;

/*
 * The table, then the summary: the stations per state and the district
 * schedule on the broker.
 */
void	fleet_out_text(const struct fleet *, FILE *fp);
/*
 * One object a station, in the table's order: station, name, state,
 * healthy, since, at, enrolled, playing, software, district_schedule
 * {has, published}, problems [{code, text}]. NULL when out of memory.
 */
json_t	*fleet_out_json(const struct fleet *);

#endif
