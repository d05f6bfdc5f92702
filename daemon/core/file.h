/*
 * Files made durable, and files hashed: the one home of "write a temporary
 * file, fsync it, rename it into place, fsync the directory" and of "the
 * SHA-256 of a file". Every function may block on the disk: none of them runs
 * on the playback path. Results are 0 or a negative errno.
 */
#ifndef LOAXA_FILE_H
#define LOAXA_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* read() and write() that retry on EINTR: bytes, 0 at EOF, or a negative errno. */
ssize_t	file_read(int fd, void *buf, size_t len);
/* Writes all of buf: 0 or a negative errno. */
int	file_write_all(int fd, const void *buf, size_t len);

/*
 * Streams in (from its offset to EOF) to out (out may be -1: hash only),
 * computing the SHA-256 in lower-case hex. Stops with -EFBIG as soon as more
 * than max bytes have come; *total is what was read.
 */
int	file_copy_sha256(int in, int out, uint64_t max, uint64_t *total, char hex[65]);
/* SHA-256 of the regular file at path (opened as readfile_open does), streamed, in lower-case hex. */
int	file_sha256(const char *path, char hex[65]);

/* fsync a directory, so that a rename in it survives a power cut. */
int	file_sync_dir(const char *dir);
/*
 * Makes the temporary file tmp (open as fd, written) the file final: fsync fd,
 * rename, fsync the directory of final. fd is left open for the caller to
 * close. A power cut at any instant leaves final old or new, never a mix.
 */
int	file_commit(int fd, const char *tmp, const char *final);
/*
 * Writes len bytes of buf to path with mode through a synced temporary file
 * and a rename (link() instead when exclusive: an existing path is kept and
 * -EEXIST returned). The directory is synced.
 */
int	file_write_durable(const char *path, const void *buf, size_t len, mode_t mode,
	    int exclusive);

#endif
