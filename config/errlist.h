/*
 * A list of messages for people, gathered while checking an input, so that
 * every problem in a file is reported at once instead of one per attempt.
 */
#ifndef LOAXA_ERRLIST_H
#define LOAXA_ERRLIST_H

#include <stddef.h>

#define ERRLIST_MAX	64	/* more than this and the rest are counted, not kept */

struct errlist {
	char	*msg[ERRLIST_MAX];
	size_t	 n;		/* messages kept */
	size_t	 dropped;	/* messages beyond ERRLIST_MAX */
};

void	errlist_init(struct errlist *);
void	errlist_clear(struct errlist *);
void	errlist_add(struct errlist *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
size_t	errlist_count(const struct errlist *);
/*
 * Writes a reason for people into why (which may be NULL), cut if it must be:
 * a cut reason still says what is wrong. The one "why" formatter.
 */
void	errlist_why(char *why, size_t whylen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Writes every message, one per line, each prefixed by prefix (may be ""). */
void	errlist_print(const struct errlist *, const char *prefix, void *fp);

#endif
