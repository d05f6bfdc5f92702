/*
 * The attention chimes (see chime.h). "default" is the sound loaxa ships for
 * the class: the chime, or the emergency tone before an emergency. A file is
 * read whole (a chime is a few kilobytes) and decoded through with the
 * station's own reader, so that --check refuses what the player could not
 * sound, with the line of the setting and what to do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/opus_reader.h"
#include "config/i18n.h"
#include "config/readfile.h"
#include "daemon/audio/chime.h"

/* Decodes the chime through: 0, or a negative opus_reader error; -EFBIG when too long. */
static int
chime_check(const unsigned char *ogg, size_t len, const struct cfg_audio *a)
{
	int16_t pcm[4096 * 2];
	struct opus_reader *rd;
	uint64_t frames = 0;
	long n;
	int err;

	if ((rd = opus_reader_open_mem(ogg, len, a->rate, a->channels, &err)) == NULL)
		return err;
	while ((n = opus_reader_read(rd, pcm, 4096)) > 0)
		frames += (uint64_t)n;
	opus_reader_free(rd);
	if (n < 0)
		return (int)n;
	if (frames == 0)
		return OPUS_READER_ETRUNC;
	return frames > (uint64_t)CHIME_MAX_SECONDS * a->rate ? -EFBIG : 0;
}

static struct play_chime *
chime_from_file(const struct cfg_chime *c, const struct cfg_audio *a, struct errlist *errs)
{
	struct play_chime *pc = NULL;
	unsigned char *ogg;
	size_t len;
	int rc;

	if ((rc = readfile_bytes(c->file, CHIME_MAX_BYTES, &ogg, &len)) < 0) {
		errlist_add(errs, _("%s: the chime \"%s\" cannot be read: %s; correct the "
		    "setting, or write \"default\" or \"none\""), c->where, c->file,
		    rc == -EFBIG ? _("it is over 1 MiB, too large for a chime") :
		    readfile_strerror(rc));
		return NULL;
	}
	if ((rc = chime_check(ogg, len, a)) == -EFBIG)
		errlist_add(errs, _("%s: the chime \"%s\" is longer than %d seconds; an attention "
		    "chime is a short signal: cut it, or write \"default\""), c->where, c->file,
		    CHIME_MAX_SECONDS);
	else if (rc < 0)
		errlist_add(errs, _("%s: the chime \"%s\" cannot be played: %s; or write \"default\" "
		    "(loaxa's own chime) or \"none\" instead"), c->where, c->file, opus_reader_strerror(rc));
	else if ((pc = play_chime_new(c->file, ogg, len)) == NULL)
		errlist_add(errs, _("%s: out of memory for the chime \"%s\""), c->where, c->file);
	free(ogg);
	return pc;
}

static struct play_chime *
chime_default(int cls, const struct cfg_audio *a, struct errlist *errs)
{
	const unsigned char *ogg = cls == 2 ? chime_sound_emergency : chime_sound_default;
	size_t len = cls == 2 ? chime_sound_emergency_len : chime_sound_default_len;
	struct play_chime *pc;

	/* Built in and checked by the tests: a failure here is a broken build or no memory. */
	if (chime_check(ogg, len, a) < 0 ||
	    (pc = play_chime_new(cls == 2 ? "default-emergency" : "default", ogg, len)) == NULL) {
		errlist_add(errs, _("%s: loaxa's own chime cannot be used (out of memory?)"),
		    a->chime[cls].where);
		return NULL;
	}
	return pc;
}

int
chime_load(const struct cfg_audio *a, struct play_chime *out[CONF_CLASSES], struct errlist *errs)
{
	size_t before = errlist_count(errs);
	int i;

	for (i = 0; i < CONF_CLASSES; i++) {
		out[i] = NULL;
		if (a->chime[i].kind == CHIME_DEFAULT)
			out[i] = chime_default(i, a, errs);
		else if (a->chime[i].kind == CHIME_FILE)
			out[i] = chime_from_file(&a->chime[i], a, errs);
	}
	return errlist_count(errs) > before ? -EINVAL : 0;
}

void
chime_free(struct play_chime *c[CONF_CLASSES])
{
	int i;

	for (i = 0; i < CONF_CLASSES; i++) {
		play_chime_unref(c[i]);
		c[i] = NULL;
	}
}
