/*
 * The sound of a live broadcast at the district office ('loaxactl live'):
 * the office's microphone (ALSA capture, mono 48 kHz, 20 ms periods), or a
 * recording played as if it were live: decoded by loaxa-decode in its cage
 * (decode_run.h) and handed out in real time, one frame at each deadline on
 * the monotonic clock (absolute deadlines, so the pace never drifts).
 *
 * Both hand out frames of LIVE_FRAME samples; neither blocks: the caller
 * waits in its own poll (live_source_pollfd, live_source_wait_ms) and asks
 * again.
 */
#ifndef LOAXA_LIVE_SOURCE_H
#define LOAXA_LIVE_SOURCE_H

#include <poll.h>
#include <stddef.h>

#define LIVE_RATE	48000
#define LIVE_FRAME	960		/* 20 ms at 48 kHz */

struct live_source;

/* The capture device dev (e.g. "hw:1", "default"); NULL with a sentence for the operator in why. */
struct live_source *live_source_device(const char *dev, char *why, size_t whylen);
/* The recording at path, paced from now; NULL with a sentence for the operator in why. */
struct live_source *live_source_file(const char *path, char *why, size_t whylen);
/*
 * The broadcast begins now: a recording from its start at this instant, the
 * microphone from what it hears now (what it held while the stations were
 * being told is dropped, so it adds no delay).
 */
void	live_source_begin(struct live_source *);
/*
 * The next frame into pcm (LIVE_FRAME samples): 1 when one was there, 0
 * when none is due yet, -ENODATA at the end of a recording, or another
 * negative errno with why set.
 */
int	live_source_read(struct live_source *, float *pcm, char *why, size_t whylen);
/* The descriptor to wait on (the capture device's), 0 or 1 of them. */
int	live_source_pollfd(struct live_source *, struct pollfd *);
/* At most how long to wait before asking again, in milliseconds. */
long	live_source_wait_ms(const struct live_source *);
void	live_source_free(struct live_source *);

#endif
