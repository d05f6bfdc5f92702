/*
 * The collector's database insides, shared by collect_db.c (the schema, the
 * connection, transactions), collect_record.c (records and gaps) and
 * collect_avail.c (statuses and availability). Nothing else includes it.
 */
#ifndef LOAXA_COLLECT_DB_INT_H
#define LOAXA_COLLECT_DB_INT_H

#include <limits.h>
#include <stdint.h>

#include <sqlite3.h>

#include "daemon/collector/collect_db.h"

/* Statements prepared once at open; their SQL is cdb_sql[] in collect_db.c. */
enum {
	CS_BEGIN, CS_COMMIT, CS_ROLLBACK,
	CS_ST_ENSURE, CS_ST_GET, CS_ST_RECORD, CS_ST_STATUS, CS_ST_ONLINE, CS_ST_OVERFLOW,
	CS_REC_ADD,
	CS_GAP_ADD, CS_GAP_FIND, CS_GAP_DEL, CS_GAP_LIST,
	CS_AV_ADD,
	CS_REFUSED_ADD,
	CS_ROLL_STATION, CS_ROLL_BULLETIN_NAME, CS_ROLL_BULLETIN, CS_ROLL_TAG,
	CS_COUNT
};

struct cdb {
	sqlite3		*db;
	sqlite3_stmt	*st[CS_COUNT];
	char		 path[PATH_MAX];
};

/* A station's row as the writes need it (CS_ST_GET). */
struct cdb_station {
	int	 online;	/* 1, 0, or -1: never heard */
	time_t	 since;
	time_t	 last_heard;
	time_t	 status_at;
	int64_t	 max_seq;	/* 0: no numbered record yet */
	time_t	 max_seq_at;
};

/*
 * Logs what failed with SQLite's reason; the errno-style code. what is a
 * message marked N_() ("cannot add a record"), translated here.
 */
int	cdb_fail(struct cdb *, const char *what, int rc);
/* Binds by type letters: 't' text (NULL binds NULL), 'i' int64_t, 'd' double, 'n' NULL. */
int	cdb_bind(struct cdb *, sqlite3_stmt *, const char *types, ...);
/* Steps a statement that returns no rows, then readies it again. */
int	cdb_run(struct cdb *, int idx, const char *what);
/* Readies a statement for its next use. */
void	cdb_done(sqlite3_stmt *);
/* Makes the station's row if needed and reads it. 0 or a negative errno. */
int	cdb_station_get(struct cdb *, const char *region, const char *station,
	    struct cdb_station *out);

#endif
