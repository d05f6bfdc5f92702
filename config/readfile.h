/*
 * Opening and reading the files the station is given (configuration,
 * schedule, key files, bulletins) so that no file can hang it: a FIFO whose
 * writer never writes, a device, a socket. Every such file is opened
 * non-blocking and refused unless it is a regular file; a text is read up to
 * a bound. The one home of "open a file we did not make".
 */
#ifndef LOAXA_READFILE_H
#define LOAXA_READFILE_H

#include <stddef.h>

/*
 * Opens path read-only, never blocking, and only when it is a regular file.
 * Returns the descriptor (O_CLOEXEC) or a negative errno: -EISDIR for a
 * directory, -EINVAL for anything else that is not a regular file.
 */
int		 readfile_open(const char *path);
/* The same check of a descriptor someone handed us: 0, -EISDIR or -EINVAL. */
int		 readfile_check_fd(int fd);
/*
 * The whole file, NUL-terminated, at most max bytes, in *text (free it).
 * 0, or the errors of readfile_open, -EFBIG, -EILSEQ for a NUL byte, -errno.
 */
int		 readfile_text(const char *path, size_t max, char **text);
/* The whole file, at most max bytes, in *data (free it; a NUL follows) and *len. */
int		 readfile_bytes(const char *path, size_t max, unsigned char **data, size_t *len);
/* Why a readfile_* call failed, as a sentence for people. Never NULL. */
const char	*readfile_strerror(int rc);

#endif
