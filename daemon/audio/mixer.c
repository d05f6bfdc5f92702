/* Volume through alsa-lib's simple mixer interface (see mixer.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <alsa/asoundlib.h>

#include "config/i18n.h"
#include "daemon/audio/mixer.h"
#include "daemon/core/log.h"

struct mixer {
	char	 device[64];
	char	 control[64];
	int	 raised;	/* saved holds the volume to put back */
	long	 saved;
	int	 last_err;	/* to log a failure once, not at every emergency */
};

struct mixer_elem {
	snd_mixer_t		*h;
	snd_mixer_elem_t	*e;
	long			 min, max;
};

struct mixer *
mixer_new(const char *device, const char *control)
{
	struct mixer *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	snprintf(m->device, sizeof(m->device), "%s", device);
	snprintf(m->control, sizeof(m->control), "%s", control);
	return m;
}

void
mixer_free(struct mixer *m)
{
	if (m == NULL)
		return;
	mixer_restore(m);
	free(m);
}

static void
mixer_fail(struct mixer *m, const char *what, int rc)
{
	if (rc != m->last_err)
		log_warnx(_("mixer: cannot %s volume control \"%s\" on %s: %s; the volume stays as it is"),
		    what, m->control, m->device, snd_strerror(rc));
	m->last_err = rc;
}

static int
mixer_attach(struct mixer *m, struct mixer_elem *x)
{
	snd_mixer_selem_id_t *sid;
	int rc;

	memset(x, 0, sizeof(*x));
	snd_mixer_selem_id_alloca(&sid);
	snd_mixer_selem_id_set_name(sid, m->control);
	if ((rc = snd_mixer_open(&x->h, 0)) < 0)
		return rc;
	if ((rc = snd_mixer_attach(x->h, m->device)) < 0 ||
	    (rc = snd_mixer_selem_register(x->h, NULL, NULL)) < 0 ||
	    (rc = snd_mixer_load(x->h)) < 0)
		goto fail;
	x->e = snd_mixer_find_selem(x->h, sid);
	if (x->e == NULL || !snd_mixer_selem_has_playback_volume(x->e)) {
		rc = -ENOENT;
		goto fail;
	}
	if ((rc = snd_mixer_selem_get_playback_volume_range(x->e, &x->min, &x->max)) < 0)
		goto fail;
	if (x->max <= x->min) {
		rc = -EINVAL;
		goto fail;
	}
	return 0;
fail:
	snd_mixer_close(x->h);
	x->h = NULL;
	return rc;
}

int
mixer_get(struct mixer *m, int *percent)
{
	struct mixer_elem x;
	long v;
	int rc;

	if ((rc = mixer_attach(m, &x)) < 0)
		return rc;
	rc = snd_mixer_selem_get_playback_volume(x.e, SND_MIXER_SCHN_FRONT_LEFT, &v);
	if (rc == 0)
		*percent = (int)((v - x.min) * 100 / (x.max - x.min));
	snd_mixer_close(x.h);
	return rc;
}

/* The level, in hundredths of a dB, that is db from the saved one, within the control's range. */
static int
mixer_db_target(struct mixer *m, struct mixer_elem *x, double db, long *target)
{
	long saved_cdb, lo, hi;

	if (snd_mixer_selem_get_playback_dB_range(x->e, &lo, &hi) < 0 ||
	    snd_mixer_selem_ask_playback_vol_dB(x->e, m->saved, &saved_cdb) < 0)
		return -ENOTSUP;
	*target = saved_cdb + lrint(db * 100);
	if (*target > hi || *target < lo) {
		log_info(_("mixer: \"%s\" cannot go %+.1f dB from its level (%.1f dB, range %.1f "
		    "to %.1f dB); it goes as far as it can"), m->control, db, saved_cdb / 100.0,
		    lo / 100.0, hi / 100.0);
		*target = *target > hi ? hi : lo;
	}
	return 0;
}

/*
 * Remembers the present volume (unless it was changed already: the level to
 * put back is the technician's) and sets the control to percent of its
 * range, or, with percent < 0, db decibels from the remembered level.
 */
static int
mixer_change(struct mixer *m, int percent, double db)
{
	struct mixer_elem x;
	long v, target;
	int rc;

	if ((rc = mixer_attach(m, &x)) < 0) {
		mixer_fail(m, _("find the"), rc);
		return rc;
	}
	rc = snd_mixer_selem_get_playback_volume(x.e, SND_MIXER_SCHN_FRONT_LEFT, &v);
	if (rc == 0 && !m->raised)
		m->saved = v;
	if (rc == 0 && percent >= 0)
		rc = snd_mixer_selem_set_playback_volume_all(x.e,
		    x.min + (x.max - x.min) * percent / 100);
	else if (rc == 0 && (rc = mixer_db_target(m, &x, db, &target)) == 0)
		rc = snd_mixer_selem_set_playback_dB_all(x.e, target, db > 0 ? -1 : 1);
	snd_mixer_close(x.h);
	if (rc < 0) {
		mixer_fail(m, rc == -ENOTSUP ? _("use the decibel scale of the") : _("set the"), rc);
		return rc;
	}
	m->raised = 1;
	m->last_err = 0;
	return 0;
}

int
mixer_raise(struct mixer *m, int percent)
{
	int rc = mixer_change(m, percent, 0);

	if (rc == 0)
		log_info(_("mixer: volume \"%s\" raised to %d%% for an emergency"), m->control,
		    percent);
	return rc;
}

int
mixer_set_db(struct mixer *m, double db)
{
	int rc = mixer_change(m, -1, db);

	if (rc == 0)
		log_info(_("mixer: volume \"%s\" set %+.1f dB from its level"), m->control, db);
	return rc;
}

int
mixer_restore(struct mixer *m)
{
	struct mixer_elem x;
	int rc;

	if (!m->raised)
		return 0;
	if ((rc = mixer_attach(m, &x)) < 0) {
		mixer_fail(m, _("restore the"), rc);
		return rc;
	}
	rc = snd_mixer_selem_set_playback_volume_all(x.e, m->saved);
	snd_mixer_close(x.h);
	if (rc < 0) {
		mixer_fail(m, _("restore the"), rc);
		return rc;
	}
	m->raised = 0;
	log_info(_("mixer: volume \"%s\" restored"), m->control);
	return 0;
}

int
mixer_raised(const struct mixer *m)
{
	return m->raised;
}
