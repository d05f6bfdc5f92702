/*
 * A control-socket client that sends what loaxactl never would, for the
 * integration tests: one request line with any file descriptor attached (a
 * FIFO, a device, a directory), opened without blocking. Prints the reply
 * line; exits 0 when one came within SECONDS, 1 otherwise.
 * Usage: ctl_send SOCKET FILE JSON SECONDS
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(path);
		exit(1);
	}
	return s;
}

static void
send_with_fd(int s, const char *line, int fd)
{
	union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
	struct iovec iov = { .iov_base = (void *)line, .iov_len = strlen(line) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
	    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(s, &msg, MSG_NOSIGNAL) != (ssize_t)iov.iov_len) {
		perror("sendmsg");
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	char line[4096], reply[8192];
	struct pollfd pfd;
	size_t len = 0;
	ssize_t n;
	int s, fd;

	if (argc != 5) {
		fprintf(stderr, "usage: ctl_send SOCKET FILE JSON SECONDS\n");
		return 2;
	}
	if ((fd = open(argv[2], O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		perror(argv[2]);
		return 2;
	}
	snprintf(line, sizeof(line), "%s\n", argv[3]);
	s = connect_to(argv[1]);
	send_with_fd(s, line, fd);
	pfd = (struct pollfd){ .fd = s, .events = POLLIN };
	while (len < sizeof(reply) - 1 && memchr(reply, '\n', len) == NULL) {
		if (poll(&pfd, 1, atoi(argv[4]) * 1000) <= 0)
			break;
		if ((n = read(s, reply + len, sizeof(reply) - 1 - len)) <= 0)
			break;
		len += (size_t)n;
	}
	reply[len] = '\0';
	printf("%s", reply);
	return memchr(reply, '\n', len) != NULL ? 0 : 1;
}
