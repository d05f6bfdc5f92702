/* The clocks, and whether the wall clock can be believed (see clock.h). */
#include <sys/timex.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"

#ifndef LOAXA_BUILD_EPOCH
#define LOAXA_BUILD_EPOCH 1767225600	/* 2026-01-01, when the build does not say */
#endif

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t
clock_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

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
