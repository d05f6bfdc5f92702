/*
 * A bulletin assembled from its chunks in a temporary file (see chunkfile.h):
 * the one home of the district's and the alerts' chunk writing and of their
 * last step, hash, fsync, rename and directory fsync, which the store's writer
 * thread runs for them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/i18n.h"
#include "daemon/core/log.h"
#include "daemon/link/chunkfile.h"
#include "daemon/store/bulletin_store.h"
#include "daemon/store/store_writer.h"

struct chunkfile *
chunkfile_new(const char *dir, const char *prefix, const char *sha256, uint64_t size,
    uint32_t chunk_size, const char *who)
{
	struct chunkfile *cf = calloc(1, sizeof(*cf));
	int n;

	if (cf == NULL || chunk_size == 0)
		goto fail;
	cf->fd = -1;
	snprintf(cf->sha256, sizeof(cf->sha256), "%s", sha256);
	cf->size = size;
	cf->chunk_size = chunk_size;
	cf->chunks = (size_t)((size + chunk_size - 1) / chunk_size);
	n = snprintf(cf->tmp, sizeof(cf->tmp), "%s/%s%s", dir, prefix, sha256);
	if (n < 0 || (size_t)n >= sizeof(cf->tmp) || (cf->have = calloc(cf->chunks, 1)) == NULL)
		goto fail;
	cf->fd = open(cf->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (cf->fd == -1) {
		log_warn(_("%s: cannot create %s"), who, cf->tmp);
		goto fail;
	}
	return cf;
fail:
	if (cf != NULL)
		cf->tmp[0] = '\0';	/* not created: nothing to remove */
	chunkfile_free(cf);
	return NULL;
}

void
chunkfile_free(struct chunkfile *cf)
{
	if (cf == NULL)
		return;
	if (cf->fd != -1)
		close(cf->fd);
	if (cf->tmp[0] != '\0')
		unlink(cf->tmp);
	free(cf->have);
	free(cf);
}

uint64_t
chunkfile_chunk_len(const struct chunkfile *cf, size_t idx)
{
	uint64_t off = (uint64_t)idx * cf->chunk_size;

	if (idx >= cf->chunks)
		return 0;
	return cf->size - off < cf->chunk_size ? cf->size - off : cf->chunk_size;
}

int
chunkfile_put(struct chunkfile *cf, size_t idx, const void *data, size_t len)
{
	ssize_t w;

	if (idx >= cf->chunks || cf->have[idx])
		return 1;
	if (len != chunkfile_chunk_len(cf, idx))
		return -EBADMSG;
	do
		w = pwrite(cf->fd, data, len, (off_t)((uint64_t)idx * cf->chunk_size));
	while (w == -1 && errno == EINTR);
	if (w == -1)
		return -errno;
	if ((size_t)w != len)
		return -EIO;	/* a short write: the disk is full or failing */
	cf->have[idx] = 1;
	cf->nhave++;
	return 0;
}

int
chunkfile_complete(const struct chunkfile *cf)
{
	return cf->nhave == cf->chunks;
}

int
chunkfile_commit(struct chunkfile *cf, const char *dir, char *path, size_t pathlen)
{
	int rc = bulletin_store_commit(dir, cf->fd, cf->tmp, cf->sha256, path, pathlen);

	if (rc == 0)
		cf->tmp[0] = '\0';	/* it is the bulletin now: keep it */
	close(cf->fd);
	cf->fd = -1;
	return rc;
}

/* --- the commit on the store's writer thread --------------------------------------------- */

struct chunkfile_job {
	struct chunkfile *cf;		/* the writer thread's until done */
	char		 dir[PATH_MAX];
	char		 path[PATH_MAX];
	chunkfile_done_fn done;		/* the rest is the loop's */
	void		*owner;		/* NULL once disowned */
};

/* On the writer's thread: the file, not the database. */
static int
chunkfile_job_work(struct store *db, void *arg)
{
	struct chunkfile_job *j = arg;

	(void)db;
	return chunkfile_commit(j->cf, j->dir, j->path, sizeof(j->path));
}

/* On the loop. */
static void
chunkfile_job_done(void *arg, int rc)
{
	struct chunkfile_job *j = arg;

	if (j->owner != NULL)
		j->done(j->owner, j->cf, rc);
	else
		chunkfile_free(j->cf);
	free(j);
}

struct chunkfile_job *
chunkfile_commit_later(struct chunkfile *cf, struct store_writer *w, const char *dir,
    chunkfile_done_fn done, void *owner)
{
	struct chunkfile_job *j = calloc(1, sizeof(*j));
	int n;

	if (j == NULL)
		return NULL;
	n = snprintf(j->dir, sizeof(j->dir), "%s", dir);
	j->cf = cf;
	j->done = done;
	j->owner = owner;
	if (n < 0 || (size_t)n >= sizeof(j->dir) ||
	    store_writer_call_first(w, chunkfile_job_work, j, chunkfile_job_done, j) < 0) {
		free(j);
		return NULL;
	}
	return j;
}

void
chunkfile_job_disown(struct chunkfile_job *j)
{
	if (j != NULL)
		j->owner = NULL;
}
