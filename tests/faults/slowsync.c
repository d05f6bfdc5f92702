/*
 * Slow storage for tests: an LD_PRELOAD library that sleeps
 * LOAXA_SLOW_SYNC_MS milliseconds (default 1000) before every fsync,
 * fdatasync, syncfs, sync_file_range and msync(MS_SYNC), then does the real
 * one. An SD card that takes a second to sync is ordinary on a station; a
 * playback path that waits for it stutters.
 *   LD_PRELOAD=build/tests/libslowsync.so LOAXA_SLOW_SYNC_MS=800 loaxad ...
 * With LOAXA_SLOW_SYNC_HOLD=PATH, a sync also waits for as long as the file
 * PATH exists: a disk that takes exactly as long as the test wants, so that a
 * test can see what goes on meanwhile without guessing a duration. A sync
 * held so makes PATH.held (once), so that the test knows one is waiting.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Makes HOLD.held: a sync is waiting. */
static void
held(const char *hold)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s.held", hold) >= sizeof(path))
		return;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
		close(fd);
}

static void
slow(void)
{
	const char *s = getenv("LOAXA_SLOW_SYNC_MS"), *hold = getenv("LOAXA_SLOW_SYNC_HOLD");
	long ms = s != NULL ? strtol(s, NULL, 10) : 1000;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 }, tick = { 0, 10 * 1000000 };
	int saved = errno;

	if (ms > 0)
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	if (hold != NULL && hold[0] != '\0' && access(hold, F_OK) == 0)
		held(hold);
	while (hold != NULL && hold[0] != '\0' && access(hold, F_OK) == 0)
		nanosleep(&tick, NULL);
	errno = saved;
}

/* Finds the real NAME once (as `real`, typed like the wrapper), then sleeps. */
#define REAL(name) \
	static __typeof__(name) *real; \
	if (real == NULL && \
	    (real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)) == NULL) { \
		errno = ENOSYS; \
		return -1; \
	} \
	slow()

int
fsync(int fd)
{
	REAL(fsync);
	return real(fd);
}

int
fdatasync(int fd)
{
	REAL(fdatasync);
	return real(fd);
}

int
syncfs(int fd)
{
	REAL(syncfs);
	return real(fd);
}

int
sync_file_range(int fd, off_t off, off_t n, unsigned int flags)
{
	REAL(sync_file_range);
	return real(fd, off, n, flags);
}

int
msync(void *addr, size_t len, int flags)
{
	static __typeof__(msync) *real;

	if (real == NULL &&
	    (real = (__typeof__(msync) *)dlsym(RTLD_NEXT, "msync")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (flags & MS_SYNC)	/* MS_ASYNC only schedules the write-back */
		slow();
	return real(addr, len, flags);
}
