/*
 * Start-up time for `make bench`: starts loaxad and asks its control socket
 * for the status, as `loaxactl status` does, every millisecond until it
 * answers; prints the milliseconds from the start to the answer, then stops
 * the daemon with SIGTERM and waits for it.
 * Usage: startup LOAXAD CONFIG SOCKET
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon/ctl/ctl_client.h"

#define STARTUP_LIMIT_MS	20000

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One status request: 1 when the daemon answered ok, 0 when not yet. */
static int
startup_try(const char *sock)
{
	json_t *req = json_pack("{s:s}", "cmd", "status"), *reply = NULL;
	char err[512];
	int ok = 0;

	if (req != NULL && ctl_client_call(sock, req, -1, 1000, &reply, err, sizeof(err)) == 0)
		ok = json_is_true(json_object_get(reply, "ok"));
	json_decref(reply);
	json_decref(req);
	return ok;
}

int
main(int argc, char **argv)
{
	const struct timespec ms = { 0, 1000000 };
	double t0, t = 0;
	int st, ok = 0;
	pid_t pid;

	if (argc != 4) {
		fprintf(stderr, "usage: startup LOAXAD CONFIG SOCKET\n");
		return 2;
	}
	t0 = now_ms();
	if ((pid = fork()) == -1) {
		perror("startup: fork");
		return 1;
	}
	if (pid == 0) {
		execl(argv[1], argv[1], "-c", argv[2], (char *)NULL);
		perror(argv[1]);
		_exit(127);
	}
	while (!ok && (t = now_ms() - t0) < STARTUP_LIMIT_MS) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "startup: loaxad exited before it answered\n");
			return 1;
		}
		if (!(ok = startup_try(argv[3])))
			nanosleep(&ms, NULL);
		else
			t = now_ms() - t0;
	}
	kill(pid, SIGTERM);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (!ok) {
		fprintf(stderr, "startup: no answer from %s within %d ms\n", argv[3], STARTUP_LIMIT_MS);
		return 1;
	}
	printf("%.1f\n", t);
	return 0;
}
