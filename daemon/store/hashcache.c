/* A small cache of bulletin hashes (see hashcache.h); the oldest entry makes room. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/core/file.h"
#include "daemon/store/hashcache.h"
#include "daemon/store/store.h"

#define HASHCACHE_SLOTS	64

struct hashcache_entry {
	char		*path;
	off_t		 size;
	struct timespec	 mtime;
	char		 sha256[65];
};

struct hashcache {
	struct hashcache_entry	 e[HASHCACHE_SLOTS];
	unsigned		 next;		/* the entry to reuse next */
};

struct hashcache *
hashcache_new(void)
{
	return calloc(1, sizeof(struct hashcache));
}

void
hashcache_free(struct hashcache *hc)
{
	unsigned i;

	if (hc == NULL)
		return;
	for (i = 0; i < HASHCACHE_SLOTS; i++)
		free(hc->e[i].path);
	free(hc);
}

static int
same_file(const struct hashcache_entry *e, const char *path, const struct stat *sb)
{
	return e->path != NULL && strcmp(e->path, path) == 0 && e->size == sb->st_size &&
	    e->mtime.tv_sec == sb->st_mtim.tv_sec && e->mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

int
hashcache_get(struct hashcache *hc, const char *path, char sha256_hex[65])
{
	struct hashcache_entry *e;
	struct stat sb;
	unsigned i;
	int rc;

	if (stat(path, &sb) == -1)
		return file_sha256(path, sha256_hex);
	for (i = 0; i < HASHCACHE_SLOTS; i++) {
		if (same_file(&hc->e[i], path, &sb)) {
			memcpy(sha256_hex, hc->e[i].sha256, 65);
			return 0;
		}
	}
	if ((rc = file_sha256(path, sha256_hex)) < 0)
		return rc;
	e = &hc->e[hc->next];
	hc->next = (hc->next + 1) % HASHCACHE_SLOTS;
	free(e->path);
	if ((e->path = strdup(path)) == NULL)
		return 0;
	e->size = sb.st_size;
	e->mtime = sb.st_mtim;
	memcpy(e->sha256, sha256_hex, 65);
	return 0;
}
