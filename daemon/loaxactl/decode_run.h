/*
 * Running loaxa-decode, the caged decoder (daemon/decoder/), on one
 * recording: its first line read and checked, then its samples, then how it
 * ended. It is looked for beside loaxactl first (the build tree), then in
 * LIBEXECDIR, where 'make install' puts it.
 */
#ifndef LOAXA_DECODE_RUN_H
#define LOAXA_DECODE_RUN_H

#include <stddef.h>
#include <sys/types.h>

struct decode_run {
	pid_t	 pid;
	int	 out;			/* its standard output */
	char	 format[32];		/* FFmpeg's container name, e.g. "mp3" */
	char	 codec[32];		/* and codec name */
	char	 title[256];		/* the title of its tags, checked; "" */
	unsigned char rest[8];		/* bytes of a sample cut between two reads */
	size_t	 rest_len;
};

/*
 * Starts it on fd (a regular file, read from offset 0) and reads its first
 * line. 0; or -errno when it cannot start; or a positive DECODE_* status,
 * or 128 + a signal, when it said nothing and ended.
 */
int	decode_run_start(struct decode_run *, int fd);
/* Up to max samples: how many, 0 at its end, or -EIO when what it sent is not samples. */
long	decode_run_read(struct decode_run *, float *out, size_t max);
/* Waits for it (after killing it when kill is set): its DECODE_* status, or 128 + a signal. */
int	decode_run_finish(struct decode_run *, int kill);

#endif
