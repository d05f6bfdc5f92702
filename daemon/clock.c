/* Whether the wall clock can be believed (see clock.h). */
#include <sys/timex.h>

#include "config/i18n.h"
#include "daemon/clock.h"

#ifndef LOAXA_BUILD_EPOCH
#define LOAXA_BUILD_EPOCH 1767225600	/* 2026-01-01, when the build does not say */
#endif

time_t
clock_build_time(void)
{
	return (time_t)LOAXA_BUILD_EPOCH;
}

static int
clock_ntp_synced(void)
{
	struct timex tx = { 0 };
	int state = adjtimex(&tx);

	return state != -1 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

int
clock_trusted(time_t now, const char **why)
{
	if (now >= clock_build_time() || clock_ntp_synced())
		return 1;
	if (why != NULL)
		*why = _("the clock is earlier than this software's build and is not synchronised; "
		    "scheduled slots wait until the clock is set (NTP)");
	return 0;
}
