/*
 * A crowd of hostile control-socket clients, all at once, for the integration
 * tests: IDLE connections that send nothing, HALF that send half a request and
 * stop, BAD that send garbage (a line that is not JSON, or 70,000 bytes with no
 * newline), and VALID status requests. Waits up to SECONDS for the daemon to
 * answer every VALID one ("ok":true) and every BAD one ("ok":false), and to
 * drop every IDLE and HALF one. Prints what happened; exits 0 when all of it did.
 * Usage: ctl_flood SOCKET IDLE HALF BAD VALID SECONDS
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAXC	256
#define BIG	70000

enum kind { IDLE, HALF, BAD, VALID, NKIND };
static const char *const names[NKIND] = { "idle", "half", "bad", "valid" };

struct conn {
	int	 fd;
	enum kind kind;
	char	 reply[512];
	size_t	 len;
	int	 done;		/* the daemon closed it */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("ctl_flood: connect");
		exit(2);
	}
	return fd;
}

/* What each kind sends right after connecting; the BAD ones alternate. */
static void
send_request(struct conn *c, int i)
{
	static char big[BIG];
	const char *msg = NULL;
	size_t len = 0;

	switch (c->kind) {
	case HALF:
		msg = "{\"cmd\":\"sta";
		break;
	case BAD:
		if (i % 2) {
			memset(big, 'x', sizeof(big));
			msg = big;
			len = sizeof(big);
		} else {
			msg = "this is not JSON, \xff\xfe\n";
		}
		break;
	case VALID:
		msg = "{\"cmd\":\"status\"}\n";
		break;
	default:
		return;
	}
	if (len == 0)
		len = strlen(msg);
	/* A daemon that refuses the rest of an oversized line may close early: fine. */
	if (send(c->fd, msg, len, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET)
		perror("ctl_flood: send");
}

static void
read_some(struct conn *c)
{
	char buf[4096];
	ssize_t n = read(c->fd, buf, sizeof(buf));
	size_t room = sizeof(c->reply) - 1 - c->len;

	if (n <= 0) {
		c->done = 1;
		return;
	}
	if ((size_t)n > room)
		n = (ssize_t)room;
	memcpy(c->reply + c->len, buf, (size_t)n);
	c->len += (size_t)n;
	c->reply[c->len] = '\0';
}

static int
judge(const struct conn *c)
{
	switch (c->kind) {
	case IDLE:
	case HALF:
		return c->done;
	case BAD:
		return c->done && strstr(c->reply, "\"ok\":false") != NULL;
	default:
		return c->done && strstr(c->reply, "\"ok\":true") != NULL;
	}
}

int
main(int argc, char **argv)
{
	static struct conn c[MAXC];
	struct pollfd pfd[MAXC];
	int count[NKIND], good[NKIND] = { 0 }, n = 0, i, k, open;
	long long deadline;

	if (argc != 7) {
		fprintf(stderr, "usage: ctl_flood SOCKET IDLE HALF BAD VALID SECONDS\n");
		return 2;
	}
	for (k = 0; k < NKIND; k++)
		count[k] = atoi(argv[2 + k]);
	deadline = now_ms() + atoll(argv[6]) * 1000;
	for (k = 0; k < NKIND; k++)
		for (i = 0; i < count[k] && n < MAXC; i++, n++) {
			c[n].kind = (enum kind)k;
			c[n].fd = dial(argv[1]);
			send_request(&c[n], i);
		}
	for (open = n; open > 0 && now_ms() < deadline;) {
		for (i = 0; i < n; i++) {
			pfd[i].fd = c[i].done ? -1 : c[i].fd;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, 100) < 0 && errno != EINTR)
			break;
		for (i = 0, open = 0; i < n; i++) {
			if (!c[i].done && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				read_some(&c[i]);
			open += !c[i].done;
		}
	}
	for (i = 0; i < n; i++)
		good[c[i].kind] += judge(&c[i]);
	for (k = 0; k < NKIND; k++)
		printf("%s %d/%d ", names[k], good[k], count[k]);
	printf("\n");
	for (k = 0; k < NKIND; k++)
		if (good[k] != count[k])
			return 1;
	return 0;
}
