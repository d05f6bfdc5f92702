/*
 * A bulletin received in chunks: the district publishes its bytes in retained
 * messages of chunk_size bytes at loaxa/<region>/audio/<sha256>/<index>, and
 * both the district schedule (district.c) and the alerts (alert.c) assemble
 * them the same way: each chunk written where it belongs in a temporary file
 * in the bulletin directory, whatever the order it comes in; the whole file
 * hashed, synced and renamed to <sha256>.opus, and the directory synced
 * (bulletin_store_commit()). How the chunks are asked for (subscriptions) is
 * the caller's. Writing a chunk waits only for a pwrite(); the last step
 * (the hash of up to 64 MiB and three fsyncs: seconds on an SD card) runs on
 * the store's writer thread (chunkfile_commit_later(), ahead of the records
 * waiting there), never on the loop.
 */
#ifndef LOAXA_CHUNKFILE_H
#define LOAXA_CHUNKFILE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

struct store_writer;

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

/*
 * A commit on the store's writer thread. What its owner hears on the loop:
 * rc as chunkfile_commit()'s, or -ECANCELED when the writer stops (the daemon
 * is stopping: free cf and do nothing else). cf is the owner's again, to free
 * (chunkfile_free() keeps a file renamed into place and removes one that was
 * not).
 */
typedef void	(*chunkfile_done_fn)(void *owner, struct chunkfile *cf, int rc);
struct chunkfile_job;
/*
 * chunkfile_commit() of the complete cf into dir on the writer w
 * (store_writer_call(); the database is not used), in turn with the store's
 * other writes. From now until done, cf is the job's: its owner must not touch
 * it, nor make another temporary file of its name. done(owner, cf, rc) runs
 * later on the loop, unless the owner disowned the job meanwhile. The job, or
 * NULL when nothing was submitted (out of memory: cf is still the caller's).
 */
struct chunkfile_job *chunkfile_commit_later(struct chunkfile *cf, struct store_writer *w,
		    const char *dir, chunkfile_done_fn done, void *owner);
/*
 * The owner goes away before the job is done (its done callback must not run
 * on it): the job frees cf itself when it ends, and calls no one.
 */
void		 chunkfile_job_disown(struct chunkfile_job *);

#endif
