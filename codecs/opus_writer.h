/*
 * Ogg Opus out, through libopusenc: mono float sound at 48 kHz, encoded for
 * speech, written to a descriptor. The stream's serial number is the
 * caller's, so that the same recording always makes the same bytes (a
 * district that publishes its schedule again sends no bulletin twice).
 */
#ifndef LOAXA_OPUS_WRITER_H
#define LOAXA_OPUS_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct opus_writer;

struct opus_writer_opts {
	int		 bitrate;	/* bits per second */
	uint32_t	 serial;	/* of the Ogg stream */
	const char	*title;		/* the TITLE tag, or NULL */
};

/* NULL, and *err (a libopusenc error, for opus_writer_strerror()). */
struct opus_writer *opus_writer_new(int fd, const struct opus_writer_opts *, int *err);
/* 0, or a libopusenc error (after a failed write, opus_writer_fd_errno() says why). */
int	opus_writer_write(struct opus_writer *, const float *pcm, size_t n);
/* Encodes what is held and writes the last page: 0 or an error. */
int	opus_writer_finish(struct opus_writer *);
/* errno of the first failed write, 0 if none. */
int	opus_writer_fd_errno(const struct opus_writer *);
const char *opus_writer_strerror(int err);
void	opus_writer_free(struct opus_writer *);

#endif
