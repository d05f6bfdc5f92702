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

#include <sodium.h>

#include "daemon/bulletin_store.h"
#include "daemon/log.h"

#define BS_TMP_PREFIX	".import-"
#define BS_BUFSZ	(64 * 1024)

/* read() that retries on EINTR: bytes read, 0 at EOF, or a negative errno. */
static ssize_t
bs_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n == -1 && errno == EINTR);
	return n == -1 ? -errno : n;
}

/* Writes all of buf: 0 or a negative errno. */
static int
bs_write_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
bs_hex(crypto_hash_sha256_state *h, char hex[65])
{
	unsigned char bin[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_final(h, bin);
	sodium_bin2hex(hex, 65, bin, sizeof(bin));
}

/*
 * Streams in to out (out may be -1: hash only), hashing as it goes. Stops
 * with -EFBIG as soon as more than max bytes have come.
 */
static int
bs_copy(int in, int out, uint64_t max, uint64_t *total, char hex[65])
{
	crypto_hash_sha256_state h;
	unsigned char *buf;
	ssize_t n;
	int rc = 0;

	if ((buf = malloc(BS_BUFSZ)) == NULL)
		return -ENOMEM;
	crypto_hash_sha256_init(&h);
	*total = 0;
	while ((n = bs_read(in, buf, BS_BUFSZ)) > 0) {
		if ((uint64_t)n > max - *total) {
			rc = -EFBIG;
			break;
		}
		*total += (uint64_t)n;
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		if (out != -1 && (rc = bs_write_all(out, buf, (size_t)n)) < 0)
			break;
	}
	if (n < 0)
		rc = (int)n;
	if (rc == 0)
		bs_hex(&h, hex);
	free(buf);
	return rc;
}

int
bulletin_store_sha256_file(const char *path, char sha256_hex[65])
{
	uint64_t total;
	int fd, rc;

	if (sodium_init() < 0)
		return -EIO;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	rc = bs_copy(fd, -1, UINT64_MAX, &total, sha256_hex);
	close(fd);
	return rc;
}

/* fsync a directory, so that a rename in it survives a power cut. */
static int
bs_sync_dir(const char *dir)
{
	int fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	if (fsync(fd) == -1)
		rc = -errno;
	close(fd);
	return rc;
}

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
	if (bulletin_store_sha256_file(final, have) < 0)
		return 0;
	if (strcmp(have, hex) != 0) {
		log_warnx("store: %s does not match its checksum; replacing it", final);
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

	if ((rc = bs_copy(fd, tfd, max_bytes, &total, hex)) < 0) {
		if (rc == -ENOSPC)
			log_warnx("store: the disk is full: %s ran out of space after %llu bytes",
			    tmp, (unsigned long long)total);
		else if (rc != -EFBIG)
			log_warnx("store: cannot copy a bulletin into %s: %s", tmp, strerror(-rc));
		return rc;
	}
	if (fchmod(tfd, 0640) == -1 || fsync(tfd) == -1) {
		rc = -errno;
		log_warn("store: cannot write %s", tmp);
		return rc;
	}
	return 0;
}

int
bulletin_store_import(const char *dir, int fd, uint64_t max_bytes,
    char *path, size_t pathlen, char sha256_hex[65])
{
	char tmp[PATH_MAX];
	int tfd, rc, n;

	if (sodium_init() < 0)
		return -EIO;
	n = snprintf(tmp, sizeof(tmp), "%s/" BS_TMP_PREFIX "XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	if ((tfd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		rc = -errno;
		log_warn("store: cannot create a temporary file in %s", dir);
		return rc;
	}
	rc = bs_fill_tmp(fd, tfd, tmp, max_bytes, sha256_hex);
	if (close(tfd) == -1 && rc == 0) {
		rc = -errno;
		log_warn("store: cannot write %s", tmp);
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
		log_warn("store: cannot rename %s to %s", tmp, path);
		goto fail;
	}
	/* The file is whole from here on; only its name may not yet be durable. */
	if ((rc = bs_sync_dir(dir)) < 0)
		log_warnx("store: cannot sync directory %s: %s", dir, strerror(-rc));
	return rc;
fail:
	unlink(tmp);
	return rc;
}

void
bulletin_store_cleanup(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int removed = 0;

	if ((d = opendir(dir)) == NULL) {
		log_warn("store: cannot read directory %s", dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, BS_TMP_PREFIX, strlen(BS_TMP_PREFIX)) != 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			removed++;
		else
			log_warn("store: cannot remove %s/%s", dir, de->d_name);
	}
	closedir(d);
	if (removed > 0)
		log_info("store: removed %d unfinished bulletin copies from %s", removed, dir);
}
