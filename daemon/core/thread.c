/* Starting the daemon's threads with every signal blocked (see thread.h). */
#include <signal.h>

#include "daemon/core/thread.h"

int
thread_start(pthread_t *t, int detached, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	sigset_t all;
	int rc;

	sigfillset(&all);
	if ((rc = pthread_attr_init(&attr)) != 0)
		return -rc;
	if (detached)
		rc = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (rc == 0)
		rc = pthread_attr_setsigmask_np(&attr, &all);
	if (rc == 0)
		rc = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -rc;
}
