/*
 * A tiny HTTP server for tests of what a client makes of a bad server: on
 * 127.0.0.1:PORT (0: any free port, printed on the first line of stdout),
 * it takes each connection, reads the request's header, sends the bytes of
 * RESPONSE as they are (status line, header and body: the test writes
 * them), and closes. Without RESPONSE it sends nothing and keeps the
 * connection open: a server that accepts and never answers. Runs until
 * killed; one connection at a time.
 * Usage: http_serve PORT [RESPONSE]
 */
#include <arpa/inet.h>
#include <signal.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char *
load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		perror(path);
		exit(2);
	}
	rewind(f);
	if ((buf = malloc((size_t)n + 1)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int
listen_on(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	socklen_t sl = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 8) < 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &sl) < 0) {
		perror("http_serve: listen");
		exit(2);
	}
	printf("%d\n", ntohs(sa.sin_port));
	fflush(stdout);
	return s;
}

/* Reads until the blank line that ends the request's header (or the client gives up). */
static void
read_request(int c)
{
	char buf[4096];
	size_t have = 0;
	ssize_t n;

	while (have < sizeof(buf) - 1 && (n = read(c, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			return;
	}
}

static void
send_all(int c, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0 && (n = write(c, p, len)) > 0) {
		p += n;
		len -= (size_t)n;
	}
}

int
main(int argc, char **argv)
{
	char *resp = NULL, drain[4096];
	size_t len = 0;
	int s, c;

	if (argc < 2 || argc > 3)
		return fprintf(stderr, "usage: http_serve PORT [RESPONSE]\n"), 2;
	if (argc == 3)
		resp = load(argv[2], &len);
	signal(SIGPIPE, SIG_IGN);	/* a client that leaves early is no failure */
	s = listen_on(atoi(argv[1]));
	for (;;) {
		if ((c = accept(s, NULL, NULL)) < 0) {
			if (errno == EINTR)
				continue;
			perror("http_serve: accept");
			return 1;
		}
		if (resp == NULL) {
			/* Silent: hold it open until the client leaves. */
			while (read(c, drain, sizeof(drain)) > 0)
				;
		} else {
			read_request(c);
			send_all(c, resp, len);
		}
		close(c);
	}
}
