/* Test helper: temporary directories and a store in one (see tmpstore.h). */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/errlist.h"
#include "daemon/store/store.h"
#include "tests/helpers/tmpstore.h"

int
tmpstore_dir(char *dir, size_t len, const char *what)
{
	int n = snprintf(dir, len, "/tmp/loaxa-%s-XXXXXX", what);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (mkdtemp(dir) == NULL) {
		n = -errno;
		fprintf(stderr, "  cannot make a directory like %s: %s\n", dir, strerror(-n));
		dir[0] = '\0';
		return n;
	}
	return 0;
}

static int
tmpstore_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) == -1)
		fprintf(stderr, "  cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

void
tmpstore_rmdir(const char *dir)
{
	if (dir == NULL || dir[0] == '\0')
		return;
	/* A case may have left a directory read-only; the owner may still remove it. */
	nftw(dir, tmpstore_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
tmpstore_write(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name), rc = 0;

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if ((f = fopen(path, "w")) == NULL)
		return -errno;
	if (fputs(text, f) == EOF)
		rc = -EIO;
	if (fclose(f) == EOF && rc == 0)
		rc = -errno;
	return rc;
}

struct store *
tmpstore_open(const char *dir)
{
	struct errlist errs;
	struct store *s;

	errlist_init(&errs);
	s = store_open(dir, &errs);
	if (s == NULL)
		errlist_print(&errs, "  store_open: ", stderr);
	errlist_clear(&errs);
	return s;
}

int
tmpstore_entries(const char *dir, int hidden_only)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    (!hidden_only || de->d_name[0] == '.');
	if (d != NULL)
		closedir(d);
	return n;
}
