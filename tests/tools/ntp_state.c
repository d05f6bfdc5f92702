/* Prints "synced" or "unsynced": whether the kernel says NTP set the clock (for tests). */
#include <stdio.h>
#include <sys/timex.h>

int
main(void)
{
	struct timex tx = { 0 };
	int state = adjtimex(&tx);

	puts(state != -1 && state != TIME_ERROR && !(tx.status & STA_UNSYNC) ? "synced" : "unsynced");
	return 0;
}
