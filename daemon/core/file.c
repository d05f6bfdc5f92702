/*
 * Durable files and file hashes (see file.h). A file is written under a
 * temporary name, synced, renamed into place and its directory synced, so
 * after a power cut it is either whole or absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config/readfile.h"
#include "daemon/core/file.h"

#define FILE_BUFSZ	(64 * 1024)

ssize_t
file_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n == -1 && errno == EINTR);
	return n == -1 ? -errno : n;
}

int
file_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_copy_sha256(int in, int out, uint64_t max, uint64_t *total, char hex[65])
{
	crypto_hash_sha256_state h;
	unsigned char bin[crypto_hash_sha256_BYTES];
	unsigned char *buf;
	ssize_t n;
	int rc = 0;

	if (sodium_init() < 0)
		return -EIO;
	if ((buf = malloc(FILE_BUFSZ)) == NULL)
		return -ENOMEM;
	crypto_hash_sha256_init(&h);
	*total = 0;
	while ((n = file_read(in, buf, FILE_BUFSZ)) > 0) {
		if ((uint64_t)n > max - *total) {
			rc = -EFBIG;
			break;
		}
		*total += (uint64_t)n;
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		if (out != -1 && (rc = file_write_all(out, buf, (size_t)n)) < 0)
			break;
	}
	if (n < 0)
		rc = (int)n;
	if (rc == 0) {
		crypto_hash_sha256_final(&h, bin);
		sodium_bin2hex(hex, 65, bin, sizeof(bin));
	}
	free(buf);
	return rc;
}

int
file_sha256(const char *path, char hex[65])
{
	uint64_t total;
	int fd, rc;

	/* A FIFO put where a bulletin was must not hang the loop that hashes it. */
	if ((fd = readfile_open(path)) < 0)
		return fd;
	rc = file_copy_sha256(fd, -1, UINT64_MAX, &total, hex);
	close(fd);
	return rc;
}

int
file_sync_dir(const char *dir)
{
	int fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	if (fsync(fd) == -1)
		rc = -errno;
	close(fd);
	return rc;
}

/* fsync the directory path is in. */
static int
file_sync_parent(const char *path)
{
	char dir[PATH_MAX];
	int n = snprintf(dir, sizeof(dir), "%s", path);

	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	return file_sync_dir(dirname(dir));
}

int
file_commit(int fd, const char *tmp, const char *final)
{
	if (fsync(fd) == -1 || rename(tmp, final) == -1)
		return -errno;
	return file_sync_parent(final);
}

int
file_write_durable(const char *path, const void *buf, size_t len, mode_t mode, int exclusive)
{
	char tmp[PATH_MAX];
	int fd, rc, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		return -errno;
	rc = fchmod(fd, mode) == -1 ? -errno : file_write_all(fd, buf, len);
	if (rc == 0 && fsync(fd) == -1)
		rc = -errno;
	if (close(fd) == -1 && rc == 0)
		rc = -errno;
	/* link() refuses to replace: a file made earlier is never overwritten. */
	if (rc == 0 && exclusive && link(tmp, path) == -1)
		rc = -errno;
	else if (rc == 0 && !exclusive && rename(tmp, path) == -1)
		rc = -errno;
	unlink(tmp);
	return rc == 0 ? file_sync_parent(path) : rc;
}
