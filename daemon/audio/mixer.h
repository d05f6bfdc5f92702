/*
 * The amplifier's volume through an ALSA mixer control: set for what plays
 * (a slot's or a class's volume in decibels, or the emergency level as a
 * percent), and put back afterwards.
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
/*
 * Remembers the present volume (unless already changed) and sets the control
 * db decibels from it, within the control's range (the log says when it
 * cannot go that far). 0 or a negative ALSA code (logged once); -ENOTSUP
 * when the control has no decibel scale.
 */
int		 mixer_set_db(struct mixer *, double db);
/* Puts back the volume mixer_raise() or mixer_set_db() found; a no-op when nothing was changed. */
int		 mixer_restore(struct mixer *);
/* Reads the present volume as a percent (for tests and the status). */
int		 mixer_get(struct mixer *, int *percent);
int		 mixer_raised(const struct mixer *);

#endif
