/*
 * Test helper: a private directory under /tmp for one case, removed with all
 * it holds afterwards, and the real store opened in it.
 */
#ifndef LOAXA_TESTS_TMPSTORE_H
#define LOAXA_TESTS_TMPSTORE_H

#include <stddef.h>

#define TMPSTORE_DIR_MAX	64	/* "/tmp/loaxa-<what>-XXXXXX" with a short what */

struct store;

/* Makes /tmp/loaxa-<what>-XXXXXX into dir[len]. 0 or a negative errno. */
int		 tmpstore_dir(char *dir, size_t len, const char *what);
/* Removes dir and everything under it (files, directories, sockets). */
void		 tmpstore_rmdir(const char *dir);
/* How many entries dir has besides . and ..; with hidden_only, only those whose name starts with '.'. */
int		 tmpstore_entries(const char *dir, int hidden_only);
/* Writes text to dir/name (replacing it). 0 or a negative errno. */
int		 tmpstore_write(const char *dir, const char *name, const char *text);
/* The real store in dir (created if needed), or NULL with the reasons on stderr. */
struct store	*tmpstore_open(const char *dir);

#endif
