/*
 * Control-socket round trips for `make bench` (figure 10): asks the daemon
 * for its status exactly as `loaxactl status` does (ctl_client_call, one
 * connection per request), every INTERVAL_MS from the start of the previous
 * request, until SIGTERM or SECONDS have passed, so that the start-up of a
 * loaxactl process is not part of what is measured. Prints one line per
 * request: the milliseconds from connect to the whole reply, the wall-clock
 * time it was sent (ns since the epoch, to line it up with other logs), then
 * "ok", or "fail" and the reason (a failed request counts as the time it took).
 * Usage: ctl_rtt SOCKET INTERVAL_MS SECONDS
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "daemon/ctl/ctl_client.h"

#define RTT_TIMEOUT_MS	5000

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static long long
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One status request; prints its line. */
static void
rtt_one(const char *sock, const json_t *req)
{
	json_t *reply = NULL;
	char err[512];
	long long wall = wall_ns();
	double t0 = now_ms(), ms;
	int rc = ctl_client_call(sock, req, -1, RTT_TIMEOUT_MS, &reply, err, sizeof(err));

	ms = now_ms() - t0;
	if (rc == 0 && json_is_true(json_object_get(reply, "ok")))
		printf("%.3f %lld ok\n", ms, wall);
	else
		printf("%.3f %lld fail %s\n", ms, wall, rc == 0 ? "the daemon refused" : err);
	fflush(stdout);
	json_decref(reply);
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	json_t *req;
	double interval, end, next;
	struct timespec ts;

	if (argc != 4 || (interval = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: ctl_rtt SOCKET INTERVAL_MS SECONDS\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if ((req = json_pack("{s:s}", "cmd", "status")) == NULL)
		return 1;
	end = now_ms() + atof(argv[3]) * 1e3;
	next = now_ms();
	while (!stop && now_ms() < end) {
		rtt_one(argv[1], req);
		next += interval;
		if (next > now_ms()) {
			double d = next - now_ms();

			ts.tv_sec = (time_t)(d / 1e3);
			ts.tv_nsec = (long)((d - ts.tv_sec * 1e3) * 1e6);
			nanosleep(&ts, NULL);	/* a signal ends it early: then we stop */
		} else
			next = now_ms();	/* behind: no burst to catch up */
	}
	json_decref(req);
	return 0;
}
