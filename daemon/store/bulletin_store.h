/*
 * Bulletin files on disk, content-addressed by SHA-256 in one directory. Used
 * by store.c, which owns the directory; the public API is in daemon/store/store.h.
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
/* Removes the temporary files an interrupted import left in dir. */
void	bulletin_store_cleanup(const char *dir);

#endif
