/*
 * The daemon's few threads (playback, the store's writer, name lookups) start
 * here, all the same way: with every signal blocked, because signals are the
 * loop's (it reads them from a signalfd) and a thread that took SIGTERM would
 * end the process without the loop's orderly stop.
 */
#ifndef LOAXA_THREAD_H
#define LOAXA_THREAD_H

#include <pthread.h>

/* Starts fn(arg); detached: nobody joins it. 0, or a negative errno (nothing started). */
int	thread_start(pthread_t *t, int detached, void *(*fn)(void *), void *arg);

#endif
