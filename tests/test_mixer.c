/*
 * The emergency volume through alsa-lib's mixer. This machine has no sound
 * card, so what can be checked is the behaviour without one: the failure is
 * clear, nothing is left "raised", and restoring is harmless.
 */
#include <alsa/asoundlib.h>

#include "daemon/audio/mixer.h"
#include "tests/t.h"

static void
test_missing_card_changes_nothing(void)
{
	struct mixer *m = mixer_new("hw:99", "Master");
	int pct = -1;

	T_ASSERT(m != NULL);
	T_ASSERT(mixer_raise(m, 100) < 0);
	T_ASSERT(!mixer_raised(m));
	T_ASSERT(mixer_set_db(m, 6) < 0);
	T_ASSERT(!mixer_raised(m));
	T_EQ_INT(mixer_restore(m), 0);
	T_ASSERT(mixer_get(m, &pct) < 0);
	T_EQ_INT(pct, -1);
	mixer_free(m);
}

static void
test_missing_control_changes_nothing(void)
{
	/* "null" is a PCM, not a mixer device: attaching fails the same clear way. */
	struct mixer *m = mixer_new("null", "Không có");

	T_ASSERT(m != NULL);
	T_ASSERT(mixer_raise(m, 80) < 0);
	T_ASSERT(!mixer_raised(m));
	mixer_free(m);
	mixer_free(NULL);
}

int
main(void)
{
	T_RUN(test_missing_card_changes_nothing);
	T_RUN(test_missing_control_changes_nothing);
	snd_config_update_free_global();
	return T_EXIT();
}
