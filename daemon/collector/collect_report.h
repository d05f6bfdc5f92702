/*
 * The programme report's questions to the collector's database, read-only:
 * per station, per bulletin, per tag, over a period of local days. They are
 * answered from the per-day rollups the collector keeps with the records
 * (schema in collect_db.c), the availability history and the gaps, in one
 * read transaction each (a snapshot: SQLite's WAL lets the collector write
 * meanwhile, and it never waits for the report). What each figure counts is
 * written once, in the schema's view play_day, and in the README.
 *
 * Presentation (text, CSV, JSON, the language) is loaxactl's
 * (daemon/loaxactl/loaxactl_report.c); here are numbers only.
 */
#ifndef LOAXA_COLLECT_REPORT_H
#define LOAXA_COLLECT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "daemon/collector/collect_msg.h"

struct crep;

/* A report's period: local days, both included, and the instants they span. */
struct crep_period {
	int	 from_day, to_day;	/* YYYYMMDD, as the rollups' day */
	time_t	 start;			/* the local midnight that starts from_day */
	time_t	 end;			/* the local midnight after to_day */
};

/*
 * Opens the database at path read-only (nothing is created or migrated).
 * 0 and *out; -ENOENT: no such file; -EPROTO: its schema is newer than this
 * program's (*version says which); -ESTALE: older (the collector has not run
 * since it was updated: it migrates at its start); -EIO with SQLite's
 * reason in why.
 */
int	crep_open(const char *path, struct crep **out, int *version, char *why, size_t whylen);
void	crep_close(struct crep *);		/* NULL is fine */
/* SQLite's reason for the last failure of a query below. */
const char *crep_error(const struct crep *);

struct crep_station {
	char	 station[CMSG_ID_MAX];
	char	*name;			/* NULL when it never said */
	long	 finished, interrupted, missed, failed;
	double	 seconds;		/* played: finished and interrupted plays */
	int	 days;			/* days with at least one finished play */
	double	 online_s;		/* seconds online, of span_s */
	double	 span_s;		/* seconds of the period that have passed (up to now) */
	long	 missing;		/* records missing (gaps) that may lie in the period */
};

/*
 * Every station of the region the database knows, by id, with its figures
 * over p; now ends the period for availability when it is not over. 0, or
 * -EIO (crep_error). Free with crep_stations_free().
 */
int	crep_stations(struct crep *, const char *region, const struct crep_period *p,
	    time_t now, struct crep_station **out, size_t *n);
void	crep_stations_free(struct crep_station *, size_t n);

struct crep_bulletin {
	int64_t	 id;			/* its number in the database */
	char	*sha256;		/* "" for a relay or a live broadcast */
	char	*relay;			/* its stream, without credentials; "" for a bulletin */
	char	*title, *tags;		/* as its latest record said; tags is a JSON array or NULL */
	long	 stations;		/* stations that played it (finished or interrupted) */
	long	 broadcasts;		/* finished plays */
	double	 seconds;
};

/* The bulletins played over p, most minutes first. As crep_stations(). */
int	crep_bulletins(struct crep *, const char *region, const struct crep_period *p,
	    struct crep_bulletin **out, size_t *n);
void	crep_bulletins_free(struct crep_bulletin *, size_t n);

struct crep_tag {
	char	*tag;
	char	 station[CMSG_ID_MAX];
	long	 broadcasts;		/* finished plays of bulletins with the tag */
	double	 seconds;
};

/* Per tag (in order), per station that played bulletins with it over p. As crep_stations(). */
int	crep_tags(struct crep *, const char *region, const struct crep_period *p,
	    struct crep_tag **out, size_t *n);
void	crep_tags_free(struct crep_tag *, size_t n);

#endif
