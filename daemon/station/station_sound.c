/*
 * What a sequence sounds like: the attention chime of its class before its
 * first bulletin, and its volume (the slot's own, or its class's). The volume
 * goes through the amplifier's mixer control when one is configured, and
 * otherwise is a software gain the player applies to the PCM.
 */
#include <stdlib.h>

#include "config/i18n.h"
#include "daemon/audio/chime.h"
#include "daemon/core/log.h"
#include "daemon/station/station_int.h"

/*
 * A chime that cannot be used does not keep the station off the air: its
 * class plays without one, and the log says why (loaxad --check says so
 * before the station starts).
 */
void
station_chimes_open(struct station *st)
{
	struct errlist errs;
	size_t i;

	errlist_init(&errs);
	if (chime_load(&st->cfg.audio, st->chimes, &errs) < 0)
		for (i = 0; i < errs.n; i++)
			log_warnx("station: %s; %s", errs.msg[i],
			    _("its class plays without a chime until this is corrected and "
			    "loaxad restarted"));
	errlist_clear(&errs);
}

void
station_chimes_close(struct station *st)
{
	chime_free(st->chimes);
}

/* The slot's volume when it has one, else its class's (0 dB when neither is written). */
static void
station_item_volume(const struct station *st, struct play_item *it)
{
	const struct cfg_audio *a = &st->cfg.audio;

	if (!it->volume_set && (a->volume_set & (1u << it->cls))) {
		it->volume_set = 1;
		it->volume_db = a->volume[it->cls];
	}
	it->gain_db = st->mixer == NULL && it->volume_set ? it->volume_db : 0;
}

/*
 * Readies a sequence to start: the chime of its class before its first
 * bulletin only (a slot sounds once, not before each of its bulletins), and
 * each bulletin's gain. A sequence that plays again (cut off by an emergency)
 * gets its chime again.
 */
void
station_sound_prepare(struct station *st, struct play_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		play_chime_unref(items[i].chime);
		items[i].chime = NULL;
		items[i].chimed = 0;
		station_item_volume(st, &items[i]);
	}
	if (n > 0)
		items[0].chime = play_chime_ref(st->chimes[items[0].cls]);
}

/*
 * The mixer follows what plays (first: the sequence's first bulletin, after
 * station_sound_prepare; NULL when nothing plays): its volume in decibels
 * from the level the amplifier was set at, or for an emergency with no
 * volume written the older emergency_volume, as a percent; put back when it
 * ends.
 */
void
mixer_follow(struct station *st, const struct play_item *first)
{
	if (st->mixer == NULL)
		return;
	if (first != NULL && first->volume_set)
		mixer_set_db(st->mixer, first->volume_db);
	else if (first != NULL && first->cls == SCHED_EMERGENCY)
		mixer_raise(st->mixer, st->cfg.audio.emergency_volume);
	else if (mixer_raised(st->mixer))
		mixer_restore(st->mixer);
}
