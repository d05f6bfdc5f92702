/*
 * A bulletin received in chunks: the district publishes its bytes in retained
 * messages of chunk_size bytes at loaxa/<region>/audio/<sha256>/<index>, and
 * both the district schedule (district.c) and the alerts (alert.c) assemble
 * them the same way: each chunk written where it belongs in a temporary file
 * in the bulletin directory, whatever the order it comes in; the whole file
 * hashed, synced and renamed to <sha256>.opus, and the directory synced
 * (bulletin_store_commit()). How the chunks are asked for (subscriptions) is
 * the caller's. Blocks only on the disk.
 */
#ifndef LOAXA_CHUNKFILE_H
#define LOAXA_CHUNKFILE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

struct chunkfile {
	char	 sha256[65];
	uint64_t size;
	uint32_t chunk_size;
	size_t	 chunks;		/* ceil(size / chunk_size) */
	size_t	 nhave;
	uint8_t	*have;			/* have[i]: chunk i is written */
	int	 fd;
	char	 tmp[PATH_MAX];		/* "" once renamed into place */
};

/*
 * An empty temporary file dir/<prefix><sha256> for a bulletin of size bytes
 * (an unfinished one of the same name is started over). The prefix must
 * start with ".import-", so that store_open() removes what a crash leaves.
 * NULL, logged with who ("alert") in front, when it cannot be made.
 */
struct chunkfile *chunkfile_new(const char *dir, const char *prefix, const char *sha256,
		    uint64_t size, uint32_t chunk_size, const char *who);
/* Abandons the file (removed unless renamed into place) and frees. NULL: no-op. */
void		 chunkfile_free(struct chunkfile *);

/* The length chunk idx has in the signed size (the last one is shorter). */
uint64_t	 chunkfile_chunk_len(const struct chunkfile *, size_t idx);
/*
 * Writes chunk idx where it belongs: 0; 1 when it is not wanted (out of range
 * or written already: the broker may send a chunk twice); -EBADMSG when len is
 * not chunkfile_chunk_len() (nothing written); or the write's negative errno.
 */
int		 chunkfile_put(struct chunkfile *, size_t idx, const void *data, size_t len);
/* 1 when every chunk is written. */
int		 chunkfile_complete(const struct chunkfile *);
/*
 * Once complete: the file becomes <dir>/<sha256>.opus (path) if its content
 * hashes to sha256, durably; the temporary file is closed either way. 0;
 * -EBADMSG when the bytes are not the ones signed; or another negative errno.
 */
int		 chunkfile_commit(struct chunkfile *, const char *dir, char *path, size_t pathlen);

#endif
