/* Ogg Opus through libopusenc (see opus_writer.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <opus/opusenc.h>

#include "codecs/opus_writer.h"
#include <unistd.h>

#define RATE		48000
#define MAX_WRITE	(RATE / 10)	/* samples per ope_encoder_write_float() */

struct opus_writer {
	OggOpusEnc	*enc;
	int		 fd;
	int		 fd_errno;
};

static int
writer_out(void *user, const unsigned char *p, opus_int32 len)
{
	struct opus_writer *w = user;
	ssize_t n;

	while (len > 0) {
		if ((n = write(w->fd, p, (size_t)len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->fd_errno = n < 0 ? errno : EIO;
			return 1;
		}
		p += n;
		len -= (opus_int32)n;
	}
	return 0;
}

static int
writer_close(void *user)
{
	(void)user;
	return 0;	/* the descriptor is the caller's */
}

static int
writer_setup(struct opus_writer *w, const struct opus_writer_opts *o)
{
	int rc;

	if ((rc = ope_encoder_ctl(w->enc, OPE_SET_SERIALNO((opus_int32)o->serial))) != OPE_OK ||
	    (rc = ope_encoder_ctl(w->enc, OPUS_SET_BITRATE(o->bitrate))) != OPE_OK ||
	    (rc = ope_encoder_ctl(w->enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE))) != OPE_OK)
		return rc;
	/* Full complexity: a bulletin is encoded once and played many times. */
	return ope_encoder_ctl(w->enc, OPUS_SET_COMPLEXITY(10));
}

struct opus_writer *
opus_writer_new(int fd, const struct opus_writer_opts *o, int *err)
{
	static const OpusEncCallbacks cb = { writer_out, writer_close };
	OggOpusComments *c;
	struct opus_writer *w;

	if ((w = calloc(1, sizeof(*w))) == NULL || (c = ope_comments_create()) == NULL) {
		free(w);
		*err = OPE_ALLOC_FAIL;
		return NULL;
	}
	w->fd = fd;
	*err = o->title != NULL ? ope_comments_add(c, "TITLE", o->title) : OPE_OK;
	if (*err == OPE_OK)
		w->enc = ope_encoder_create_callbacks(&cb, w, c, RATE, 1, 0, err);
	ope_comments_destroy(c);
	if (w->enc != NULL && (*err = writer_setup(w, o)) == OPE_OK)
		return w;
	opus_writer_free(w);
	return NULL;
}

int
opus_writer_write(struct opus_writer *w, const float *pcm, size_t n)
{
	size_t k;
	int rc;

	for (; n > 0; n -= k, pcm += k) {
		k = n < MAX_WRITE ? n : MAX_WRITE;
		if ((rc = ope_encoder_write_float(w->enc, pcm, (int)k)) != OPE_OK)
			return rc;
	}
	return 0;
}

int
opus_writer_finish(struct opus_writer *w)
{
	return ope_encoder_drain(w->enc);
}

int
opus_writer_fd_errno(const struct opus_writer *w)
{
	return w->fd_errno;
}

const char *
opus_writer_strerror(int err)
{
	return ope_strerror(err);
}

void
opus_writer_free(struct opus_writer *w)
{
	if (w == NULL)
		return;
	if (w->enc != NULL)
		ope_encoder_destroy(w->enc);
	free(w);
}
