/* The sd_notify protocol, received by a real datagram socket standing in for systemd. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/core/notify.h"
#include "tests/t.h"

static int
listen_at(const char *name, int abstract)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", name);
	if (abstract)
		sa.sun_path[0] = '\0';
	if (bind(fd, (struct sockaddr *)&sa, len) == -1)
		return -1;
	return fd;
}

static void
test_ready_reaches_a_path_socket(void)
{
	char path[] = "/tmp/loaxa-notify-XXXXXX", buf[64] = "";
	int fd, fdt = mkstemp(path);

	close(fdt);
	unlink(path);
	fd = listen_at(path, 0);
	T_ASSERT(fd >= 0);
	setenv("NOTIFY_SOCKET", path, 1);
	T_EQ_INT(notify_send("READY=1"), 0);
	T_EQ_INT(recv(fd, buf, sizeof(buf) - 1, 0), 7);
	T_EQ_STR(buf, "READY=1");
	close(fd);
	unlink(path);
}

static void
test_abstract_socket(void)
{
	char name[64], buf[64] = "";
	int fd;

	snprintf(name, sizeof(name), "@loaxa-notify-%d", (int)getpid());
	fd = listen_at(name, 1);
	T_ASSERT(fd >= 0);
	setenv("NOTIFY_SOCKET", name, 1);
	T_EQ_INT(notify_send("WATCHDOG=1"), 0);
	T_EQ_INT(recv(fd, buf, sizeof(buf) - 1, 0), 10);
	T_EQ_STR(buf, "WATCHDOG=1");
	close(fd);
}

static void
test_not_under_systemd(void)
{
	char pid[32];

	unsetenv("NOTIFY_SOCKET");
	T_EQ_INT(notify_send("READY=1"), 0);
	unsetenv("WATCHDOG_USEC");
	T_EQ_INT(notify_watchdog_ms(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	unsetenv("WATCHDOG_PID");
	T_EQ_INT(notify_watchdog_ms(), 30000);
	snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);		/* meant for another process */
	T_EQ_INT(notify_watchdog_ms(), 0);
	setenv("WATCHDOG_PID", "x", 1);
	setenv("WATCHDOG_USEC", "garbage", 1);
	T_EQ_INT(notify_watchdog_ms(), 0);
}

int
main(void)
{
	T_RUN(test_ready_reaches_a_path_socket);
	T_RUN(test_abstract_socket);
	T_RUN(test_not_under_systemd);
	return T_EXIT();
}
