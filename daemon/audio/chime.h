/*
 * The attention chimes, one per class (audio.chime in loaxa.cfg): read into
 * memory and decoded through once when the station starts (and by loaxad
 * --check), so that sounding one never waits for the disk and a chime that
 * cannot play is known before any bulletin needs it.
 */
#ifndef LOAXA_CHIME_H
#define LOAXA_CHIME_H

#include "config/conf.h"
#include "config/errlist.h"
#include "daemon/proto/play.h"

#define CHIME_MAX_BYTES		(1024 * 1024)
#define CHIME_MAX_SECONDS	30	/* an attention signal, not a programme */

/*
 * The chime of each class, each checked to play at the station's rate and
 * channels: 0, or -EINVAL with every problem in errs ("FILE:LINE:
 * audio.chime.CLASS: reason"). A class without a chime, or whose chime
 * cannot be used, gets NULL; the others a reference each (chime_free).
 */
int	chime_load(const struct cfg_audio *, struct play_chime *out[CONF_CLASSES],
	    struct errlist *errs);
void	chime_free(struct play_chime *c[CONF_CLASSES]);

/* The sounds loaxa ships (config/chimes/, built into the program by the Makefile). */
extern const unsigned char chime_sound_default[], chime_sound_emergency[];
extern const unsigned long chime_sound_default_len, chime_sound_emergency_len;

#endif
