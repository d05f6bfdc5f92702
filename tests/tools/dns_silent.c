/*
 * A name server that takes every query and never answers: what a 3G modem's
 * DNS looks like while the link is down. It binds a UDP socket (so that no
 * "port unreachable" tells the resolver to give up early), prints "ready",
 * then one line per query it swallows. Stop it with a signal.
 * Usage: dns_silent [ADDRESS [PORT]]   (default 127.0.0.1 53)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *addr = argc > 1 ? argv[1] : "127.0.0.1";
	int port = argc > 2 ? atoi(argv[2]) : 53;
	char buf[1500];
	ssize_t n;
	long count = 0;
	int fd;

	sa.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 || port < 1 || port > 65535) {
		fprintf(stderr, "usage: dns_silent [ADDRESS [PORT]]\n");
		return 2;
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror("dns_silent: cannot bind");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready on %s:%d\n", addr, port);
	while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0)
		printf("query %ld (%zd bytes), not answered\n", ++count, n);
	perror("dns_silent: recv");
	return 1;
}
