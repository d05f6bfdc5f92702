/*
 * The amplifier's volume through an ALSA mixer control: raised to the
 * emergency level while an emergency plays, and put back afterwards.
 * The mixer is opened only for the change, so a USB sound card that comes
 * and goes costs nothing while idle.
 */
#ifndef LOAXA_MIXER_H
#define LOAXA_MIXER_H

struct mixer;

/* device: ALSA mixer device ("hw:0", "default"); control: a simple control ("Master", "PCM"). */
struct mixer	*mixer_new(const char *device, const char *control);
void		 mixer_free(struct mixer *);
/* Remembers the present volume and sets percent (0..100). 0 or a negative ALSA code (logged once). */
int		 mixer_raise(struct mixer *, int percent);
/* Puts back the volume mixer_raise() found; a no-op when nothing was raised. */
int		 mixer_restore(struct mixer *);
/* Reads the present volume as a percent (for tests and the status). */
int		 mixer_get(struct mixer *, int *percent);
int		 mixer_raised(const struct mixer *);

#endif
