/* Files opened so that they cannot hang the station (see readfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/i18n.h"
#include "config/readfile.h"

int
readfile_check_fd(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return S_ISREG(st.st_mode) ? 0 : -EINVAL;
}

int
readfile_open(const char *path)
{
	/* O_NONBLOCK: opening a FIFO for reading waits for a writer otherwise. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), rc;

	if (fd == -1)
		return -errno;
	if ((rc = readfile_check_fd(fd)) < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int
readfile_bytes(const char *path, size_t max, unsigned char **data, size_t *len)
{
	size_t n = 0;
	ssize_t r;
	unsigned char *buf;
	int fd, rc = 0;

	if ((fd = readfile_open(path)) < 0)
		return fd;
	if ((buf = malloc(max + 1)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	/* Read one byte past max to tell a full file from a too large one. */
	while (n <= max && (r = read(fd, buf + n, max + 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	if (rc == 0 && n > max)
		rc = -EFBIG;
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int
readfile_text(const char *path, size_t max, char **text)
{
	unsigned char *buf;
	size_t n;
	int rc = readfile_bytes(path, max, &buf, &n);

	if (rc < 0)
		return rc;
	if (memchr(buf, '\0', n) != NULL) {
		free(buf);
		return -EILSEQ;
	}
	*text = (char *)buf;
	return 0;
}

const char *
readfile_strerror(int rc)
{
	switch (rc) {
	case -EISDIR:
		return _("it is a directory, not a file");
	case -EINVAL:
		return _("it is not a regular file (a pipe, a device or a socket)");
	case -EFBIG:
		return _("it is too large");
	case -EILSEQ:
		return _("it contains a NUL byte; is it really a text file?");
	default:
		return strerror(-rc);
	}
}
