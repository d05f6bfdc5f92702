/* Test helper: a private mosquitto per test case (see broker.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/core/clock.h"
#include "tests/helpers/broker.h"
#include "tests/helpers/tmpstore.h"

#define MOSQUITTO	"/usr/sbin/mosquitto"
#define BROKER_TRIES	5

int
broker_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

int
broker_wait_text(int fd, const char *needle, int ms)
{
	char buf[8192];
	size_t len = 0;
	int64_t end = clock_mono_ms() + ms, now;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while ((now = clock_mono_ms()) < end) {
		if (poll(&pfd, 1, (int)(end - now)) <= 0)
			continue;
		if (len == sizeof(buf) - 1)
			len = 0;
		if ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) <= 0)
			return -EPIPE;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, needle) != NULL)
			return 0;
	}
	return -ETIMEDOUT;
}

static int
broker_write_conf(const struct broker *b)
{
	FILE *f = fopen(b->conf, "w");

	if (f == NULL)
		return -errno;
	fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\n", b->port);
	if (b->persistent)
		fprintf(f, "persistence true\npersistence_location %s/\n", b->dir);
	else
		fprintf(f, "persistence false\n");
	fprintf(f, "log_dest stderr\nlog_type information\n");
	return fclose(f) == 0 ? 0 : -errno;
}

/* One attempt on b->port: 0, or -EPIPE when mosquitto exited (the port was taken). */
static int
broker_spawn(struct broker *b)
{
	int p[2], rc;

	if ((rc = broker_write_conf(b)) < 0)
		return rc;
	if (pipe2(p, O_CLOEXEC) == -1)
		return -errno;
	if ((b->pid = fork()) == -1) {
		rc = -errno;
		close(p[0]);
		close(p[1]);
		b->pid = 0;
		return rc;
	}
	if (b->pid == 0) {
		dup2(p[1], 2);
		execl(MOSQUITTO, "mosquitto", "-c", b->conf, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	b->errfd = p[0];
	if ((rc = broker_wait_text(b->errfd, " running", BROKER_WAIT_MS)) < 0) {
		fprintf(stderr, "  mosquitto did not start on port %d\n", b->port);
		broker_kill(b, SIGKILL);
	}
	return rc;
}

int
broker_start(struct broker *b)
{
	int picked = 0, tries, rc;

	if (b->dir[0] == '\0') {
		if ((rc = tmpstore_dir(b->dir, sizeof(b->dir), "broker")) < 0)
			return rc;
		snprintf(b->conf, sizeof(b->conf), "%s/mosquitto.conf", b->dir);
	}
	if (b->port == 0)
		picked = 1;
	/* A port picked here may be taken by someone else meanwhile: pick again. */
	for (tries = 0; tries < BROKER_TRIES; tries++) {
		if (picked && (b->port = broker_free_port()) < 0)
			return -EADDRNOTAVAIL;
		if ((rc = broker_spawn(b)) != -EPIPE || !picked)
			return rc;
	}
	return rc;
}

void
broker_kill(struct broker *b, int sig)
{
	if (b->pid <= 0)
		return;
	kill(b->pid, sig);
	waitpid(b->pid, NULL, 0);
	close(b->errfd);
	b->pid = 0;
	b->errfd = -1;
}

void
broker_stop(struct broker *b)
{
	if (b->pid > 0)
		kill(b->pid, SIGCONT);	/* in case a case stopped it */
	broker_kill(b, SIGTERM);
	tmpstore_rmdir(b->dir);
	b->dir[0] = '\0';
}
