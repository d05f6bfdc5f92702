/*
 * The store's insides, shared by store.c (the database, the queue, small
 * values) and store_asrun.c (proof of play: the as-run log and the outbox).
 * Nothing outside these two files includes it.
 */
#ifndef LOAXA_STORE_INT_H
#define LOAXA_STORE_INT_H

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "daemon/store/store.h"

/* Statements prepared once at open; their SQL is store_sql[] in store.c. */
enum {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK,
	ST_Q_ADD, ST_Q_DEL, ST_Q_LIST, ST_Q_COUNT, ST_Q_RANK,
	ST_ASRUN_NEXT, ST_ASRUN_ADD, ST_OPEN_ADD, ST_OPEN_DEL, ST_OPEN_LIST,
	ST_OB_ADD, ST_OB_NEXT, ST_OB_DEL, ST_OB_COUNT,
	ST_KV_SET, ST_KV_GET,
	ST_ASRUN_LIST, ST_ASRUN_NEWEST, ST_ASRUN_PRUNE,
	ST_OB_EVICT, ST_OB_DEL_KIND,
	ST_COUNT
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*st[ST_COUNT];
	char		 dbpath[PATH_MAX];
	char		 bdir[PATH_MAX];
	time_t		 time_floor;		/* store_time_floor(); -1: not read yet */
	int		 damaged;		/* the last open found the database damaged */
	int		 again;			/* a second connection (store_open_again) */
	struct store_recovery recovery;

	/* The bounds (store_set_limits) and what enforcing them needs. */
	int		 asrun_days;
	long		 outbox_max;
	long		 outbox_count;		/* rows in the outbox, kept in step with it */
	char		 overflow_topic[256];
	time_t		 maint_last;		/* wall clock of the last pruning pass; 0: never */
	char		 reserve[PATH_MAX];	/* dir/reserve: space kept back for proof of play */
};

#define STORE_FLOOR_KEY		"time_floor"	/* store_time_floor() */
#define STORE_FLOOR_STEP	3600	/* seconds the floor moves by at least */

/* Whether raising the time floor to t moves it (by STORE_FLOOR_STEP at least). */
int	store_time_floor_moves(struct store *, time_t t);

/*
 * Logs what failed with SQLite's reason; returns the errno-style code. what is
 * a message marked N_() ("cannot read the queue"), translated here.
 */
int	store_fail(struct store *, const char *what, int rc);
/* Readies a statement for its next use; bound pointers are not kept. */
void	store_done(sqlite3_stmt *);
/* Binds by type letters: 't' a string (NULL binds NULL), 'i' an int64_t. */
int	store_bind(struct store *, sqlite3_stmt *, const char *types, ...);
/* Steps a statement that returns no rows, then readies it again. */
int	store_run(struct store *, int idx, const char *what);
void	store_rollback(struct store *);
int	store_commit(struct store *);
/* SELECT count(*) and the like: the integer, or a negative errno. */
long	store_count(struct store *, int idx);
/* A copy of a text column; *out is NULL for SQL NULL. 0 or -ENOMEM. */
int	store_col_dup(sqlite3_stmt *, int col, char **out);

/* store_asrun.c: called by store_open once the statements are ready. 0 or a negative errno. */
int	store_asrun_init(struct store *);
/*
 * store_asrun.c: frees dir/reserve for a write the full disk refused, so that
 * it can be retried once: 0 when there was a reserve to free, -1 otherwise.
 */
int	store_reserve_release(struct store *);
/*
 * store_recover.c: moves the damaged database aside, opens a fresh one with
 * open_fresh and salvages into it what can be read (s->recovery says what).
 * 0, or -1 with the reason in errs.
 */
int	store_recover(struct store *, int (*open_fresh)(struct store *, struct errlist *),
	    struct errlist *errs);

#endif
