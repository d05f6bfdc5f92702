/*
 * Bulletin files on disk, content-addressed by SHA-256 in one directory. Used
 * by store.c, which owns the directory (the public API is in
 * daemon/store/store.h), and by daemon/link, whose chunked fetches commit the
 * bulletins they receive through bulletin_store_commit().
 */
#ifndef LOAXA_BULLETIN_STORE_H
#define LOAXA_BULLETIN_STORE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Copies fd (from its offset to EOF) into dir/<sha256>.opus through a synced
 * temporary file and a rename; see store_import_fd() for the contract.
 */
int	bulletin_store_import(const char *dir, int fd, uint64_t max_bytes,
	    char *path, size_t pathlen, char sha256_hex[65]);
/*
 * Makes tmp (a temporary file in dir named ".import-...", open as fd and
 * fully written) the bulletin dir/<sha256>.opus, once its content hashes to
 * sha256: fsync, rename, fsync the directory, so that after a power cut the
 * bulletin is either whole or absent. The final path goes to path. 0;
 * -EBADMSG when the content is not what was expected (nothing is renamed);
 * or another negative errno. fd stays open, and tmp, if not renamed, stays:
 * both are the caller's.
 */
int	bulletin_store_commit(const char *dir, int fd, const char *tmp, const char sha256[65],
	    char *path, size_t pathlen);
/* Removes the temporary files an interrupted import left in dir. */
void	bulletin_store_cleanup(const char *dir);

#endif
