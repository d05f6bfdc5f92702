/*
 * Bulletin files on disk, named by the SHA-256 of their content. A file is
 * written under a temporary name, synced, renamed into place and the
 * directory synced, so after a power cut it is either whole or absent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/i18n.h"
#include "config/readfile.h"
#include "daemon/core/file.h"
#include "daemon/core/log.h"
#include "daemon/store/bulletin_store.h"

#define BS_TMP_PREFIX	".import-"
/*
 * True when final already holds exactly this content. A stored file that
 * rotted on the SD card is replaced rather than kept.
 */
static int
bs_already_stored(const char *final, const char *hex)
{
	char have[65];

	if (access(final, F_OK) == -1)
		return 0;
	if (file_sha256(final, have) < 0)
		return 0;
	if (strcmp(have, hex) != 0) {
		log_warnx(_("store: %s does not match its checksum; replacing it"), final);
		return 0;
	}
	return 1;
}

/* Copies fd into the open temporary file tfd and makes it durable. */
static int
bs_fill_tmp(int fd, int tfd, const char *tmp, uint64_t max_bytes, char hex[65])
{
	uint64_t total;
	int rc;

	if ((rc = file_copy_sha256(fd, tfd, max_bytes, &total, hex)) < 0) {
		if (rc == -ENOSPC)
			log_warnx(_("store: the disk is full: %s ran out of space after %llu bytes"),
			    tmp, (unsigned long long)total);
		else if (rc != -EFBIG)
			log_warnx(_("store: cannot copy a bulletin into %s: %s"), tmp, strerror(-rc));
		return rc;
	}
	if (fchmod(tfd, 0640) == -1 || fsync(tfd) == -1) {
		rc = -errno;
		log_warn(_("store: cannot write %s"), tmp);
		return rc;
	}
	return 0;
}

/*
 * Only a regular file no larger than max is copied, and that is known before
 * a byte is read: a FIFO whose writer never writes would hang the station's
 * loop for good, and /dev/zero or a huge sparse file would keep it copying.
 */
static int
bs_check_source(int fd, uint64_t max)
{
	struct stat st;
	int rc;

	if ((rc = readfile_check_fd(fd)) < 0)
		return rc;
	if (fstat(fd, &st) == -1)
		return -errno;
	return (uint64_t)st.st_size > max ? -EFBIG : 0;
}

int
bulletin_store_import(const char *dir, int fd, uint64_t max_bytes,
    char *path, size_t pathlen, char sha256_hex[65])
{
	char tmp[PATH_MAX];
	int tfd, rc, n;

	if ((rc = bs_check_source(fd, max_bytes)) < 0)
		return rc;
	n = snprintf(tmp, sizeof(tmp), "%s/" BS_TMP_PREFIX "XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	if ((tfd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		rc = -errno;
		log_warn(_("store: cannot create a temporary file in %s"), dir);
		return rc;
	}
	rc = bs_fill_tmp(fd, tfd, tmp, max_bytes, sha256_hex);
	if (close(tfd) == -1 && rc == 0) {
		rc = -errno;
		log_warn(_("store: cannot write %s"), tmp);
	}
	if (rc < 0)
		goto fail;
	n = snprintf(path, pathlen, "%s/%s.opus", dir, sha256_hex);
	if (n < 0 || (size_t)n >= pathlen) {
		rc = -ENAMETOOLONG;
		goto fail;
	}
	if (bs_already_stored(path, sha256_hex)) {
		unlink(tmp);
		return 0;
	}
	if (rename(tmp, path) == -1) {
		rc = -errno;
		log_warn(_("store: cannot rename %s to %s"), tmp, path);
		goto fail;
	}
	/* The file is whole from here on; only its name may not yet be durable. */
	if ((rc = file_sync_dir(dir)) < 0)
		log_warnx(_("store: cannot sync directory %s: %s"), dir, strerror(-rc));
	return rc;
fail:
	unlink(tmp);
	return rc;
}

int
bulletin_store_commit(const char *dir, int fd, const char *tmp, const char sha256[65],
    char *path, size_t pathlen)
{
	char have[65];
	int rc, n;

	n = snprintf(path, pathlen, "%s/%s.opus", dir, sha256);
	if (n < 0 || (size_t)n >= pathlen)
		return -ENAMETOOLONG;
	/* The file as written, chunk by chunk in any order, is what is hashed. */
	if ((rc = file_sha256(tmp, have)) < 0)
		return rc;
	if (strcmp(have, sha256) != 0)
		return -EBADMSG;
	return file_commit(fd, tmp, path);
}

void
bulletin_store_cleanup(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int removed = 0;

	if ((d = opendir(dir)) == NULL) {
		log_warn(_("store: cannot read directory %s"), dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, BS_TMP_PREFIX, strlen(BS_TMP_PREFIX)) != 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			removed++;
		else
			log_warn(_("store: cannot remove %s/%s"), dir, de->d_name);
	}
	closedir(d);
	if (removed > 0)
		log_info(_("store: removed %d unfinished bulletin copies from %s"), removed, dir);
}
