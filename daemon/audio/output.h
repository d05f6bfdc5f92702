/*
 * Audio outputs: where the player's PCM goes. A backend is a const struct of
 * methods (output_alsa_ops is the one we ship); the player drives it from the
 * poll loop and never waits on it, except in drain() at the very end.
 */
#ifndef LOAXA_OUTPUT_H
#define LOAXA_OUTPUT_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

/* Samples are always signed 16-bit little-endian, channels interleaved. */
struct audio_fmt {
	unsigned rate;		/* frames per second, e.g. 48000 */
	unsigned channels;	/* 1 or more */
};

/* How the device is, for the status report. */
enum output_health {
	OUTPUT_CLOSED,		/* idle and closed */
	OUTPUT_OK,		/* open and working */
	OUTPUT_FAILED		/* the last open or write failed; see error */
};

struct output;

struct output_ops {
	const char *name;
	/*
	 * device: the ALSA PCM name, e.g. "default", "hw:1,0",
	 * "file:'/tmp/x.raw',raw". buffer_ms: the wanted buffer (0: 500 ms;
	 * kept within 20 ms to 10 s).
	 * Returns NULL (errno set) if device is empty or longer than 1023 bytes
	 * or memory is short. Opens nothing yet.
	 */
	struct output *(*create)(const char *device, unsigned buffer_ms);
	/* Closes (dropping what is buffered) and frees. */
	void	(*destroy)(struct output *);
	/*
	 * Opens the device non-blocking with exactly fmt (S16_LE, interleaved;
	 * the rate must be exact or the open fails with a message). An output
	 * that is already open is closed first. 0 or a negative ALSA/errno
	 * code; a failure is logged once, clearly, and described in error.
	 */
	int	(*open)(struct output *, const struct audio_fmt *);
	/*
	 * Drops whatever is buffered and closes. Safe on a closed output. Health
	 * goes from OK to CLOSED; FAILED stays, so that the report still says
	 * why, until the next open succeeds.
	 */
	void	(*close)(struct output *);
	/*
	 * Fills up to max pollfds to wait on while there is room to write;
	 * returns how many (0 when closed). Ask only while there is something to
	 * write: an open device with room in its buffer is always ready.
	 */
	int	(*pollfds)(struct output *, struct pollfd *, int max);
	/*
	 * After poll, with the pollfds that pollfds() filled and their revents
	 * (n == 0: ask the device directly): frames writable now (0: none yet),
	 * or a negative error. Recovers an xrun (-EPIPE) or a suspend
	 * (-ESTRPIPE) itself, counting xruns; returns -ENODEV (or the error)
	 * when the device is gone, with health FAILED. -EBADFD when closed.
	 */
	long	(*writable)(struct output *, const struct pollfd *, int n);
	/*
	 * Writes without blocking; frames consumed (may be fewer than given,
	 * or 0), or a negative error (health FAILED; the caller closes and
	 * retries later). -EBADFD when closed.
	 */
	long	(*play)(struct output *, const int16_t *pcm, size_t frames);
	/*
	 * Frames written but not yet heard (snd_pcm_delay), >= 0; 0 on error or
	 * when closed. If playback has not started because less than a period
	 * was written, this starts it: whoever asks how much is left has
	 * written all it has for now, and a short tail must not wait forever.
	 */
	long	(*delay)(struct output *);
	/*
	 * Waits for what is buffered to be heard, then closes. Called only once
	 * delay() has reached ~0, so it does not block for long. Optional
	 * (NULL: close). 0 or a negative error (the output is closed anyway).
	 */
	int	(*drain)(struct output *);
};

/* The first member of every backend's own struct. */
struct output {
	const struct output_ops *ops;
	enum output_health health;
	unsigned long xruns;	/* underruns and suspends recovered, ever */
	char	error[256];	/* a sentence for people when FAILED, else "" */
};

extern const struct output_ops output_alsa_ops;

static inline int
output_open(struct output *o, const struct audio_fmt *fmt)
{
	return o->ops->open(o, fmt);
}

static inline void
output_close(struct output *o)
{
	o->ops->close(o);
}

static inline int
output_pollfds(struct output *o, struct pollfd *pfd, int max)
{
	return o->ops->pollfds(o, pfd, max);
}

static inline long
output_writable(struct output *o, const struct pollfd *pfd, int n)
{
	return o->ops->writable(o, pfd, n);
}

static inline long
output_play(struct output *o, const int16_t *pcm, size_t frames)
{
	return o->ops->play(o, pcm, frames);
}

static inline long
output_delay(struct output *o)
{
	return o->ops->delay(o);
}

static inline int
output_drain(struct output *o)
{
	if (o->ops->drain == NULL) {
		o->ops->close(o);
		return 0;
	}
	return o->ops->drain(o);
}

static inline void
output_destroy(struct output *o)
{
	if (o != NULL)
		o->ops->destroy(o);
}

#endif
