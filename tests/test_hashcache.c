/* Bulletin hashes are remembered by path, size and mtime, and recomputed when a file changes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/core/file.h"
#include "daemon/store/hashcache.h"
#include "daemon/store/store.h"
#include "tests/t.h"

static char path[256];

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void
test_hash_and_change(void)
{
	struct hashcache *hc = hashcache_new();
	char a[65], b[65], c[65], direct[65];
	struct stat sb;
	struct timespec ts[2];

	write_file("bản tin 1");
	T_EQ_INT(hashcache_get(hc, path, a), 0);
	T_EQ_INT(file_sha256(path, direct), 0);
	T_EQ_STR(a, direct);
	/* Same size, same mtime: the remembered hash (proof that it is remembered). */
	stat(path, &sb);
	write_file("bản tin 2");
	ts[0] = sb.st_atim;
	ts[1] = sb.st_mtim;
	utimensat(AT_FDCWD, path, ts, 0);
	T_EQ_INT(hashcache_get(hc, path, b), 0);
	T_EQ_STR(b, a);
	/* A changed file is hashed again. */
	write_file("bản tin ba, dài hơn");
	T_EQ_INT(hashcache_get(hc, path, c), 0);
	T_EQ_INT(file_sha256(path, direct), 0);
	T_EQ_STR(c, direct);
	T_ASSERT(hashcache_get(hc, "/nonexistent/không có.opus", c) < 0);
	hashcache_free(hc);
	hashcache_free(NULL);
}

int
main(void)
{
	char dir[] = "/tmp/loaxa-hash.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/bản tin.opus", dir);
	T_RUN(test_hash_and_change);
	unlink(path);
	rmdir(dir);
	return T_EXIT();
}
