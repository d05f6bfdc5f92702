/*
 * SHA-256 of bulletin files, remembered by path, size and modification time,
 * so that a bulletin played every day is hashed once, not at every play.
 */
#ifndef LOAXA_HASHCACHE_H
#define LOAXA_HASHCACHE_H

struct hashcache;

struct hashcache *hashcache_new(void);
void		  hashcache_free(struct hashcache *);
/* The file's SHA-256 in hex: remembered, or computed now. 0 or a negative errno. */
int		  hashcache_get(struct hashcache *, const char *path, char sha256_hex[65]);

#endif
