/*
 * Tests of the MQTT client against a real mosquitto broker that each test
 * starts on a free port of 127.0.0.1, with mosquitto_sub and mosquitto_pub
 * as the district's independent clients. Nothing sleeps: every wait is for
 * an event (a line from mosquitto_sub, a callback, a state), with a deadline.
 */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "daemon/core/log.h"
#include "daemon/link/mqtt.h"
#include "tests/helpers/broker.h"
#include "tests/helpers/tmpstore.h"
#include "tests/t.h"

#define WAIT_MS		15000
#define SUB_MAX		2048
#define OB_MAX		256

/* ---- Waiting: the loop runs until a condition holds or a deadline passes. ---- */

static int64_t g_deadline;
static int g_iterations;

static int
deadline_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	(void)arg; (void)pfd; (void)max;
	if (g_deadline < *deadline_ms)
		*deadline_ms = g_deadline;
	return 0;
}

static struct ev_loop *
loop_new(void)
{
	struct ev_loop *ev = ev_new();
	struct ev_source s = { .name = "deadline", .prepare = deadline_prepare };

	if (ev != NULL)
		ev_add(ev, &s);
	return ev;
}

/* Runs ev until cond(arg) holds (1) or ms pass (0). */
static int
run_until(struct ev_loop *ev, int (*cond)(void *), void *arg, int ms)
{
	g_deadline = clock_mono_ms() + ms;
	while (!cond(arg)) {
		if (clock_mono_ms() >= g_deadline)
			return 0;
		if (ev_run_once(ev) < 0)
			return 0;
		g_iterations++;
	}
	return 1;
}

/* ---- The district's subscriber: mosquitto_sub, one "RETAIN TOPIC PAYLOAD" per line. ---- */

struct sub {
	pid_t	 pid;
	int	 fd;
	char	 buf[8192];
	size_t	 len;
	char	*msg[SUB_MAX];
	int	 nmsg;
	int	 subacks;
};

static int
sub_start(struct sub *s, int port, const char *topic, int count)
{
	char portarg[16], countarg[16];
	int p[2];

	memset(s, 0, sizeof(*s));
	snprintf(portarg, sizeof(portarg), "%d", port);
	snprintf(countarg, sizeof(countarg), "%d", count);
	if (pipe2(p, O_CLOEXEC) == -1)
		return -errno;
	/* stdbuf: into a pipe, mosquitto_sub's stdout would wait for a full buffer. */
	if ((s->pid = fork()) == 0) {
		dup2(p[1], 1);
		if (count > 0)
			execlp("stdbuf", "stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1",
			    "-p", portarg, "-d", "-q", "1", "-F", "%r %t %p", "-t", topic,
			    "-C", countarg, (char *)NULL);
		else
			execlp("stdbuf", "stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1",
			    "-p", portarg, "-d", "-q", "1", "-F", "%r %t %p", "-t", topic,
			    (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	s->fd = p[0];
	return 0;
}

static void
sub_line(struct sub *s, const char *line)
{
	if (strstr(line, "received SUBACK") != NULL)
		s->subacks++;
	else if ((line[0] == '0' || line[0] == '1') && line[1] == ' ' && s->nmsg < SUB_MAX)
		s->msg[s->nmsg++] = strdup(line);
}

static void
sub_read(struct sub *s)
{
	char *nl, *start;
	ssize_t n;

	if (s->len == sizeof(s->buf) - 1)
		s->len = 0;	/* a line this long is no line of ours */
	n = read(s->fd, s->buf + s->len, sizeof(s->buf) - 1 - s->len);
	if (n <= 0) {
		close(s->fd);
		s->fd = -1;
		return;
	}
	s->len += (size_t)n;
	s->buf[s->len] = '\0';
	start = s->buf;
	while ((nl = strchr(start, '\n')) != NULL) {
		*nl = '\0';
		sub_line(s, start);
		start = nl + 1;
	}
	s->len = strlen(start);
	memmove(s->buf, start, s->len + 1);
}

static int
sub_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	struct sub *s = arg;

	(void)deadline_ms;
	if (s->fd < 0 || max < 1)
		return 0;
	pfd->fd = s->fd;
	pfd->events = POLLIN;
	return 1;
}

static void
sub_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	(void)now;
	if (n == 1 && pfd->revents != 0)
		sub_read(arg);
}

static void
sub_add(struct ev_loop *ev, struct sub *s)
{
	struct ev_source src = { .name = "sub", .prepare = sub_prepare,
	    .dispatch = sub_dispatch, .arg = s };

	ev_add(ev, &src);
}

/* Waits on the subscriber alone, so that no client of ours runs meanwhile. */
static int
sub_wait(struct sub *s, int (*cond)(void *), void *arg, int ms)
{
	struct ev_loop *ev = loop_new();
	int ok;

	sub_add(ev, s);
	ok = run_until(ev, cond, arg, ms);
	ev_free(ev);
	return ok;
}

static void
sub_stop(struct sub *s)
{
	int i;

	if (s->pid > 0) {
		kill(s->pid, SIGKILL);	/* it may be between reconnects, where SIGTERM waits */
		waitpid(s->pid, NULL, 0);
	}
	if (s->fd >= 0)
		close(s->fd);
	for (i = 0; i < s->nmsg; i++)
		free(s->msg[i]);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static int
sub_count(const struct sub *s, const char *line)
{
	int i, n = 0;

	for (i = 0; i < s->nmsg; i++)
		n += strcmp(s->msg[i], line) == 0;
	return n;
}

static int
sub_subscribed(void *arg)
{
	return ((struct sub *)arg)->subacks >= 1;
}

static int
sub_resubscribed(void *arg)
{
	return ((struct sub *)arg)->subacks >= 2;
}

static int
sub_any(void *arg)
{
	return ((struct sub *)arg)->nmsg >= 1;
}

/* ---- An in-memory outbox, as the store would give. ---- */

struct ob_msg {
	int64_t	 seq;
	char	 topic[64];
	char	 payload[128];
	int	 acked;
};

struct outbox {
	struct ob_msg msg[OB_MAX];
	int	 n;
	int	 handed;	/* messages next() gave out */
	int	 nacked;
	int	 double_acks;
	int64_t	 acks[OB_MAX];	/* in the order ack() was called */
};

static int
ob_next(void *arg, int64_t after, int64_t *seq, const char **topic, const char **payload)
{
	struct outbox *ob = arg;
	int i;

	for (i = 0; i < ob->n; i++) {
		if (ob->msg[i].acked || ob->msg[i].seq <= after)
			continue;
		*seq = ob->msg[i].seq;
		*topic = ob->msg[i].topic;
		*payload = ob->msg[i].payload;
		ob->handed++;
		return 0;
	}
	return -ENOENT;
}

static void
ob_ack(void *arg, int64_t seq)
{
	struct outbox *ob = arg;

	if (seq < 1 || seq > ob->n || ob->msg[seq - 1].acked) {
		ob->double_acks++;
		return;
	}
	ob->msg[seq - 1].acked = 1;
	ob->acks[ob->nacked++] = seq;
}

static void
ob_fill(struct outbox *ob, int n)
{
	int i;

	memset(ob, 0, sizeof(*ob));
	for (i = 0; i < n && i < OB_MAX; i++) {
		ob->msg[i].seq = i + 1;
		snprintf(ob->msg[i].topic, sizeof(ob->msg[i].topic), "loaxa/tan-phu/played");
		snprintf(ob->msg[i].payload, sizeof(ob->msg[i].payload),
		    "{\"play_id\":%d,\"title\":\"Bản tin sáng số %d\"}", i + 1, i + 1);
	}
	ob->n = i;
}

static void
ob_attach(struct mqtt *m, struct outbox *ob)
{
	struct mqtt_outbox cb = { .next = ob_next, .ack = ob_ack, .arg = ob };

	mqtt_set_outbox(m, &cb);
	mqtt_outbox_kick(m);
}

/* The play_ids the subscriber saw on the played topic, in arrival order. */
static int
sub_play_ids(const struct sub *s, int *ids, int max)
{
	const char *p;
	int i, n = 0;

	for (i = 0; i < s->nmsg && n < max; i++) {
		if (strncmp(s->msg[i], "0 loaxa/tan-phu/played ", 23) != 0)
			continue;
		if ((p = strstr(s->msg[i], "\"play_id\":")) != NULL)
			ids[n++] = atoi(p + 10);
	}
	return n;
}

/* ---- The client under test, and what its callbacks saw. ---- */

struct world {
	struct mqtt *m;
	struct sub *sub;
	struct outbox *ob;
	const char *want;	/* a subscriber line to wait for */
	int	 ups, downs;	/* on_connect(1), on_connect(0) */
	int	 nin;		/* messages given to on_message */
	size_t	 in_biggest;
	char	 in_last[256];
};

static void
w_on_connect(void *arg, int connected)
{
	struct world *w = arg;

	if (connected)
		w->ups++;
	else
		w->downs++;
}

static void
w_on_message(void *arg, const char *topic, const void *payload, size_t len)
{
	struct world *w = arg;

	w->nin++;
	if (len > w->in_biggest)
		w->in_biggest = len;
	snprintf(w->in_last, sizeof(w->in_last), "%s %.*s", topic, (int)len, (const char *)payload);
}

static struct mqtt *
client_new_at(struct world *w, const char *host, int port, size_t max_payload, int keepalive)
{
	struct mqtt_params p = {
		.host = host, .port = port, .keepalive = keepalive,
		.client_id = "loaxa-tan-phu",
		.will_topic = "loaxa/tan-phu/status", .will_payload = "mất kết nối",
		.max_payload = max_payload,
		.on_message = w_on_message, .on_connect = w_on_connect, .arg = w,
	};

	return mqtt_new(&p);
}

static struct mqtt *
client_new(struct world *w, int port, size_t max_payload, int keepalive)
{
	return client_new_at(w, "127.0.0.1", port, max_payload, keepalive);
}

static struct ev_loop *
world_loop(struct world *w)
{
	struct ev_loop *ev = loop_new();
	struct ev_source src;

	mqtt_source(w->m, &src);
	ev_add(ev, &src);
	if (w->sub != NULL)
		sub_add(ev, w->sub);
	return ev;
}

static int
w_connected(void *arg)
{
	return mqtt_connected(((struct world *)arg)->m);
}

static int
w_disconnected(void *arg)
{
	return !mqtt_connected(((struct world *)arg)->m);
}

/* Never holds: run_until() then just runs the loop for its time. */
static int
w_never(void *arg)
{
	(void)arg;
	return 0;
}

static int
w_waiting(void *arg)
{
	return strstr(mqtt_state_text(((struct world *)arg)->m), "reconnecting") != NULL;
}

static int
w_sub_saw(void *arg)
{
	struct world *w = arg;

	return sub_count(w->sub, w->want) > 0;
}

static int
w_drained(void *arg)
{
	struct world *w = arg;
	int ids[SUB_MAX], n, i, seen = 0;

	if (w->ob->nacked < w->ob->n)
		return 0;
	n = sub_play_ids(w->sub, ids, SUB_MAX);
	for (i = 0; i < n; i++)
		seen = ids[i] > seen ? ids[i] : seen;
	return seen >= w->ob->n;
}

static int
w_got_message(void *arg)
{
	return ((struct world *)arg)->nin > 0;
}

static int
run_cmd(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
pub(int port, const char *topic, const char *payload)
{
	char portarg[16];
	char *argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", portarg, "-q", "1",
	    "-t", (char *)topic, "-m", (char *)payload, NULL };

	snprintf(portarg, sizeof(portarg), "%d", port);
	return run_cmd(argv);
}

/* A fresh subscriber's first message on topic: the retained value, as "1 TOPIC PAYLOAD". */
static void
expect_retained(int port, const char *topic, const char *line)
{
	struct sub s;

	T_ASSERT(sub_start(&s, port, topic, 1) == 0);
	T_ASSERT(sub_wait(&s, sub_any, &s, WAIT_MS));
	T_EQ_STR(s.nmsg > 0 ? s.msg[0] : NULL, line);
	sub_stop(&s);
}

/* ---- The cases. ---- */

static void
test_params_checked(void)
{
	struct world w = { 0 };
	struct mqtt *m;

	T_ASSERT(client_new(&w, 0, 1024, 60) == NULL);
	T_ASSERT(client_new(&w, 1883, 1024, 2) == NULL);
	T_ASSERT(client_new(&w, 1883, 0, 60) == NULL);
	m = client_new(&w, 1883, 1024, 60);
	T_ASSERT(m != NULL);
	T_EQ_INT(mqtt_set_retained(m, "loaxa/+/status", "x"), -EINVAL);
	T_EQ_INT(mqtt_subscribe(m, "loaxa/#", 2), -EINVAL);
	T_EQ_INT(mqtt_subscribe(m, "loaxa/#/x", 1), -EINVAL);
	T_EQ_INT(mqtt_subscribe(m, "loaxa/+/cmd/#", 1), 0);
	T_EQ_INT(mqtt_connected(m), 0);
	T_CONTAINS(mqtt_state_text(m), "connecting to 127.0.0.1:1883");
	T_EQ_INT(mqtt_shutdown(m, "loaxa/tan-phu/status", "offline", 1000), -ENOTCONN);
	mqtt_free(m);
	mqtt_free(NULL);
}

static void
test_connect(void)
{
	struct broker b = { 0 };
	struct world w = { 0 };
	struct ev_loop *ev;
	char want[64];

	T_ASSERT(broker_start(&b) == 0);
	w.m = client_new(&w, b.port, 1024, 60);
	ev = world_loop(&w);
	T_ASSERT(run_until(ev, w_connected, &w, WAIT_MS));
	T_EQ_INT(w.ups, 1);
	snprintf(want, sizeof(want), "connected to 127.0.0.1:%d", b.port);
	T_EQ_STR(mqtt_state_text(w.m), want);
	mqtt_free(w.m);
	ev_free(ev);
	broker_stop(&b);
}

/*
 * A name is looked up while the loop goes on, and libmosquitto gets the
 * address found. "localhost" may list ::1 first, where this broker does not
 * listen: the client then goes on to the next address at the next attempt.
 */
static void
test_name_looked_up(void)
{
	struct broker b = { 0 };
	struct world w = { 0 };
	struct ev_loop *ev;
	char want[64];

	T_ASSERT(broker_start(&b) == 0);
	w.m = client_new_at(&w, "localhost", b.port, 1024, 60);
	ev = world_loop(&w);
	T_EQ_INT(ev_run_once(ev), 0);		/* the first attempt starts the lookup */
	T_EQ_STR(mqtt_state_text(w.m), "resolving localhost");
	T_ASSERT(run_until(ev, w_connected, &w, WAIT_MS));
	snprintf(want, sizeof(want), "connected to localhost:%d (127.0.0.1)", b.port);
	T_EQ_STR(mqtt_state_text(w.m), want);
	mqtt_free(w.m);
	ev_free(ev);
	broker_stop(&b);
}

/* A name that does not resolve, and no address known yet: waiting, and saying why. */
static void
test_unresolvable_name(void)
{
	struct world w = { 0 };
	struct ev_loop *ev;

	w.m = client_new_at(&w, "no-such-broker.invalid", 1883, 1024, 60);
	ev = world_loop(&w);
	T_ASSERT(run_until(ev, w_waiting, &w, 15000));
	T_CONTAINS(mqtt_state_text(w.m), "cannot resolve \"no-such-broker.invalid\": ");
	T_EQ_INT(w.ups, 0);
	T_EQ_INT(mqtt_shutdown(w.m, "loaxa/tan-phu/status", "offline", 1000), -ENOTCONN);
	mqtt_free(w.m);
	ev_free(ev);
}

static void
test_retained_latest_only(void)
{
	struct broker b = { 0 };
	struct sub s;
	struct world w = { .sub = &s };
	struct ev_loop *ev;

	T_ASSERT(broker_start(&b) == 0);
	T_ASSERT(sub_start(&s, b.port, "loaxa/#", 0) == 0);
	T_ASSERT(sub_wait(&s, sub_subscribed, &s, WAIT_MS));
	w.m = client_new(&w, b.port, 1024, 60);
	ev = world_loop(&w);
	T_ASSERT(run_until(ev, w_connected, &w, WAIT_MS));
	/* Three quick values: only the last may ever leave the station. */
	T_EQ_INT(mqtt_set_retained(w.m, "loaxa/tan-phu/status", "khởi động"), 0);
	T_EQ_INT(mqtt_set_retained(w.m, "loaxa/tan-phu/status", "đang chờ"), 0);
	T_EQ_INT(mqtt_set_retained(w.m, "loaxa/tan-phu/status", "đang phát: Bản tin sáng"), 0);
	w.want = "0 loaxa/tan-phu/status đang phát: Bản tin sáng";
	T_ASSERT(run_until(ev, w_sub_saw, &w, WAIT_MS));
	T_EQ_INT(sub_count(&s, "0 loaxa/tan-phu/status khởi động"), 0);
	T_EQ_INT(sub_count(&s, "0 loaxa/tan-phu/status đang chờ"), 0);
	expect_retained(b.port, "loaxa/tan-phu/status",
	    "1 loaxa/tan-phu/status đang phát: Bản tin sáng");
	mqtt_free(w.m);
	ev_free(ev);
	sub_stop(&s);
	broker_stop(&b);
}

static int
ob_window_full(void *arg)
{
	return ((struct outbox *)arg)->handed >= 16;
}

static void
test_outbox_in_order_acked_on_puback(void)
{
	static struct outbox ob;
	struct broker b = { 0 };
	struct sub s;
	struct world w = { .sub = &s, .ob = &ob };
	struct ev_loop *ev;
	int ids[SUB_MAX], n, i, in_order = 1;

	T_ASSERT(broker_start(&b) == 0);
	T_ASSERT(sub_start(&s, b.port, "loaxa/#", 0) == 0);
	T_ASSERT(sub_wait(&s, sub_subscribed, &s, WAIT_MS));
	w.m = client_new(&w, b.port, 1024, 60);
	ev = world_loop(&w);
	T_ASSERT(run_until(ev, w_connected, &w, WAIT_MS));
	/* A frozen broker takes the bytes (the kernel buffers them) but sends no PUBACK. */
	kill(b.pid, SIGSTOP);
	ob_fill(&ob, 40);
	ob_attach(w.m, &ob);
	T_ASSERT(run_until(ev, ob_window_full, &ob, WAIT_MS));
	T_EQ_INT(ob.handed, 16);	/* the window */
	T_EQ_INT(ob.nacked, 0);		/* written is not acknowledged */
	kill(b.pid, SIGCONT);
	T_ASSERT(run_until(ev, w_drained, &w, WAIT_MS));
	T_EQ_INT(ob.nacked, 40);
	T_EQ_INT(ob.double_acks, 0);
	for (i = 0; i < ob.nacked; i++)
		in_order &= ob.acks[i] == i + 1;
	T_ASSERT(in_order);
	n = sub_play_ids(&s, ids, SUB_MAX);
	T_EQ_INT(n, 40);		/* no reconnect, so no duplicate either */
	for (i = 0; i < n; i++)
		in_order &= ids[i] == i + 1;
	T_ASSERT(in_order);
	T_EQ_INT(ob.handed, 40);
	mqtt_free(w.m);
	ev_free(ev);
	sub_stop(&s);
	broker_stop(&b);
}

static void
test_no_broker_at_start(void)
{
	static struct outbox ob;
	struct broker b = { 0 };
	struct sub s;
	struct world w = { .sub = &s, .ob = &ob };
	struct ev_loop *ev;

	b.port = broker_free_port();
	memset(&s, 0, sizeof(s));
	s.fd = -1;
	w.m = client_new(&w, b.port, 1024, 60);
	ev = world_loop(&w);
	g_iterations = 0;
	T_ASSERT(run_until(ev, w_waiting, &w, WAIT_MS));
	T_CONTAINS(mqtt_state_text(w.m), "Connection refused");
	/* Values set while away: only the latest status goes, and all of the outbox. */
	T_EQ_INT(mqtt_set_retained(w.m, "loaxa/tan-phu/status", "khởi động"), 0);
	T_EQ_INT(mqtt_set_retained(w.m, "loaxa/tan-phu/status", "sẵn sàng"), 0);
	ob_fill(&ob, 5);
	ob_attach(w.m, &ob);
	T_ASSERT(broker_start(&b) == 0);
	T_ASSERT(sub_start(&s, b.port, "loaxa/#", 0) == 0);
	T_ASSERT(sub_wait(&s, sub_subscribed, &s, WAIT_MS));
	T_ASSERT(run_until(ev, w_connected, &w, WAIT_MS));
	T_ASSERT(g_iterations < 60);	/* back-off, not a busy loop */
	w.want = "0 loaxa/tan-phu/status sẵn sàng";
	T_ASSERT(run_until(ev, w_sub_saw, &w, WAIT_MS));
	T_ASSERT(run_until(ev, w_drained, &w, WAIT_MS));
	T_EQ_INT(sub_count(&s, "0 loaxa/tan-phu/status khởi động"), 0);
	T_EQ_INT(ob.nacked, 5);
	expect_retained(b.port, "loaxa/tan-phu/status", "1 loaxa/tan-phu/status sẵn sàng");
	mqtt_free(w.m);
	ev_free(ev);
	sub_stop(&s);
	broker_stop(&b);
}

static int
ob_half_acked(void *arg)
{
	return ((struct outbox *)arg)->nacked >= 60;
}

/* The subscriber has every message the client handed to the broker so far. */
static int
w_sub_caught_up(void *arg)
{
	struct world *w = arg;
	int ids[SUB_MAX], n, i, seen = 0;

	n = sub_play_ids(w->sub, ids, SUB_MAX);
	for (i = 0; i < n; i++)
		seen = ids[i] > seen ? ids[i] : seen;
	return seen >= w->ob->handed;
}

static int
w_window_full(void *arg)
{
	struct outbox *ob = ((struct world *)arg)->ob;

	return ob->handed - ob->nacked >= 16;
}

static void
test_broker_killed_mid_stream(void)
{
	static struct outbox ob;
	struct broker b = { 0 };
	struct sub s;
	struct world w = { .sub = &s, .ob = &ob };
	struct ev_loop *ev;
	int ids[SUB_MAX], first[OB_MAX + 1] = { 0 }, n, i, next = 1, in_order = 1;
	int acked_before;

	T_ASSERT(broker_start(&b) == 0);
	T_ASSERT(sub_start(&s, b.port, "loaxa/#", 0) == 0);
	T_ASSERT(sub_wait(&s, sub_subscribed, &s, WAIT_MS));
	w.m = client_new(&w, b.port, 1024, 60);
	ev = world_loop(&w);
	T_ASSERT(run_until(ev, w_connected, &w, WAIT_MS));
	ob_fill(&ob, 200);
	ob_attach(w.m, &ob);
	T_ASSERT(run_until(ev, ob_half_acked, &ob, WAIT_MS));
	/*
	 * What the broker took in before it dies is its own business (it keeps
	 * it in memory): let it hand all of that to the subscriber first. Then
	 * freeze it, so that the next window is written but never acknowledged,
	 * and kill it: those must come again after the restart.
	 */
	T_ASSERT(sub_wait(&s, w_sub_caught_up, &w, WAIT_MS));
	kill(b.pid, SIGSTOP);
	T_ASSERT(run_until(ev, w_window_full, &w, WAIT_MS));
	broker_kill(&b, SIGKILL);
	T_ASSERT(run_until(ev, w_disconnected, &w, WAIT_MS));
	T_EQ_INT(w.downs, 1);
	acked_before = ob.nacked;
	T_ASSERT(acked_before < ob.handed);
	T_ASSERT(broker_start(&b) == 0);
	/* The district's subscriber comes back first, so that it misses nothing. */
	T_ASSERT(sub_wait(&s, sub_resubscribed, &s, WAIT_MS));
	T_ASSERT(run_until(ev, w_drained, &w, 2 * WAIT_MS));
	T_EQ_INT(w.ups, 2);
	T_EQ_INT(ob.nacked, 200);
	T_EQ_INT(ob.double_acks, 0);
	T_ASSERT(ob.handed > 200);		/* the unacknowledged window went twice */
	n = sub_play_ids(&s, ids, SUB_MAX);
	for (i = 0; i < n; i++) {
		if (ids[i] < 1 || ids[i] > 200 || first[ids[i]])
			continue;
		first[ids[i]] = 1;
		in_order &= ids[i] == next++;	/* first arrivals come in seq order */
	}
	T_ASSERT(in_order);
	T_EQ_INT(next, 201);			/* every message arrived at least once */
	mqtt_free(w.m);
	ev_free(ev);
	sub_stop(&s);
	broker_stop(&b);
}

/* The child: a station that connects, says so on fd, and runs until killed. */
static void
will_child(int port, int fd)
{
	struct world w = { 0 };
	struct ev_loop *ev;

	w.m = client_new(&w, port, 1024, 60);
	ev = world_loop(&w);
	if (run_until(ev, w_connected, &w, WAIT_MS) && write(fd, "c", 1) == 1)
		run_until(ev, w_disconnected, &w, 2 * WAIT_MS);
	_exit(1);
}

static void
test_will_when_killed(void)
{
	struct broker b = { 0 };
	struct sub s;
	struct world w = { .sub = &s };
	int p[2];
	pid_t pid;

	T_ASSERT(broker_start(&b) == 0);
	T_ASSERT(sub_start(&s, b.port, "loaxa/#", 0) == 0);
	T_ASSERT(sub_wait(&s, sub_subscribed, &s, WAIT_MS));
	T_ASSERT(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		will_child(b.port, p[1]);
	}
	close(p[1]);
	T_EQ_INT(broker_wait_text(p[0], "c", WAIT_MS), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
	w.want = "0 loaxa/tan-phu/status mất kết nối";
	T_ASSERT(sub_wait(&s, w_sub_saw, &w, WAIT_MS));
	expect_retained(b.port, "loaxa/tan-phu/status", "1 loaxa/tan-phu/status mất kết nối");
	sub_stop(&s);
	broker_stop(&b);
}

static void
test_shutdown_sends_offline_not_will(void)
{
	struct broker b = { 0 };
	struct sub s;
	struct world w = { .sub = &s };
	struct ev_loop *ev;
	int64_t t0;

	T_ASSERT(broker_start(&b) == 0);
	T_ASSERT(sub_start(&s, b.port, "loaxa/#", 0) == 0);
	T_ASSERT(sub_wait(&s, sub_subscribed, &s, WAIT_MS));
	w.m = client_new(&w, b.port, 1024, 60);
	ev = world_loop(&w);
	T_EQ_INT(mqtt_set_retained(w.m, "loaxa/tan-phu/status", "trực tuyến"), 0);
	w.want = "0 loaxa/tan-phu/status trực tuyến";
	T_ASSERT(run_until(ev, w_sub_saw, &w, WAIT_MS));
	T_EQ_INT(mqtt_shutdown(w.m, "loaxa/tan-phu/status", "ngừng hoạt động", 5000), 0);
	T_EQ_INT(mqtt_connected(w.m), 0);
	/* A marker published after the goodbye: once it is here, a will would be too. */
	T_EQ_INT(pub(b.port, "loaxa/marker", "end"), 0);
	w.want = "0 loaxa/marker end";
	T_ASSERT(sub_wait(&s, w_sub_saw, &w, WAIT_MS));
	T_EQ_INT(sub_count(&s, "0 loaxa/tan-phu/status ngừng hoạt động"), 1);
	T_EQ_INT(sub_count(&s, "0 loaxa/tan-phu/status mất kết nối"), 0);
	expect_retained(b.port, "loaxa/tan-phu/status", "1 loaxa/tan-phu/status ngừng hoạt động");
	/* Stopped for good: the loop has nothing left to wait for, and a second call returns at once. */
	t0 = clock_mono_ms();
	T_EQ_INT(mqtt_shutdown(w.m, "loaxa/tan-phu/status", "x", 5000), -ENOTCONN);
	T_ASSERT(clock_mono_ms() - t0 < 1000);
	mqtt_free(w.m);
	ev_free(ev);
	sub_stop(&s);
	broker_stop(&b);
}

static void
test_subscription_survives_restart(void)
{
	struct broker b = { 0 };
	struct world w = { 0 };
	struct ev_loop *ev;

	T_ASSERT(broker_start(&b) == 0);
	w.m = client_new(&w, b.port, 1024, 60);
	T_EQ_INT(mqtt_subscribe(w.m, "loaxa/tan-phu/cmd/#", 1), 0);
	ev = world_loop(&w);
	T_ASSERT(run_until(ev, w_connected, &w, WAIT_MS));
	/* The SUBSCRIBE went out with the CONNACK's handling, before mosquitto_pub starts. */
	T_EQ_INT(pub(b.port, "loaxa/tan-phu/cmd/play", "phát \"bản tin sáng.opus\""), 0);
	T_ASSERT(run_until(ev, w_got_message, &w, WAIT_MS));
	T_EQ_STR(w.in_last, "loaxa/tan-phu/cmd/play phát \"bản tin sáng.opus\"");
	broker_kill(&b, SIGKILL);
	T_ASSERT(run_until(ev, w_disconnected, &w, WAIT_MS));
	T_ASSERT(broker_start(&b) == 0);
	T_ASSERT(run_until(ev, w_connected, &w, WAIT_MS));
	w.nin = 0;
	T_EQ_INT(pub(b.port, "loaxa/tan-phu/cmd/stop", "dừng"), 0);
	T_ASSERT(run_until(ev, w_got_message, &w, WAIT_MS));
	T_EQ_STR(w.in_last, "loaxa/tan-phu/cmd/stop dừng");
	mqtt_free(w.m);
	ev_free(ev);
	broker_stop(&b);
}

static int
w_got_two(void *arg)
{
	return ((struct world *)arg)->nin >= 2;
}

static int
pub_retained(int port, const char *topic, const char *payload)
{
	char portarg[16];
	char *argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", portarg, "-q", "1", "-r",
	    "-t", (char *)topic, "-m", (char *)payload, NULL };

	snprintf(portarg, sizeof(portarg), "%d", port);
	return run_cmd(argv);
}

/*
 * An unsubscribed filter gets no more messages, and is not renewed after a
 * reconnect. The broker handles a client's packets in order: the retained
 * message of a filter subscribed after the UNSUBSCRIBE proves it was handled.
 */
static void
test_unsubscribe(void)
{
	struct broker b = { 0 };
	struct world w = { 0 };
	struct ev_loop *ev;

	T_ASSERT(broker_start(&b) == 0);
	w.m = client_new(&w, b.port, 1024, 60);
	T_EQ_INT(mqtt_subscribe(w.m, "loaxa/tan-phu/audio/ab/0", 1), 0);
	T_EQ_INT(mqtt_subscribe(w.m, "loaxa/tan-phu/audio/ab/1", 1), 0);
	T_EQ_INT(mqtt_unsubscribe(w.m, "loaxa/tan-phu/audio/ab/+"), -ENOENT);
	ev = world_loop(&w);
	T_ASSERT(run_until(ev, w_connected, &w, WAIT_MS));
	T_EQ_INT(pub_retained(b.port, "loaxa/tan-phu/audio/ab/2", "phần 2"), 0);
	T_EQ_INT(mqtt_unsubscribe(w.m, "loaxa/tan-phu/audio/ab/0"), 0);
	T_EQ_INT(mqtt_subscribe(w.m, "loaxa/tan-phu/audio/ab/2", 1), 0);
	T_ASSERT(run_until(ev, w_got_message, &w, WAIT_MS));
	T_EQ_STR(w.in_last, "loaxa/tan-phu/audio/ab/2 phần 2");
	w.nin = 0;
	T_EQ_INT(pub(b.port, "loaxa/tan-phu/audio/ab/0", "phần 0"), 0);
	T_EQ_INT(pub(b.port, "loaxa/tan-phu/audio/ab/1", "phần 1"), 0);
	T_ASSERT(run_until(ev, w_got_message, &w, WAIT_MS));
	T_EQ_STR(w.in_last, "loaxa/tan-phu/audio/ab/1 phần 1");
	T_EQ_INT(w.nin, 1);
	/* After a reconnect: ab/1 and ab/2 are renewed, ab/0 is not. */
	T_EQ_INT(pub_retained(b.port, "loaxa/tan-phu/audio/ab/0", "lại phần 0"), 0);
	broker_kill(&b, SIGKILL);
	T_ASSERT(run_until(ev, w_disconnected, &w, WAIT_MS));
	T_EQ_INT(mqtt_unsubscribe(w.m, "loaxa/tan-phu/audio/ab/2"), 0);	/* while down */
	T_ASSERT(broker_start(&b) == 0);	/* a new broker: nothing retained */
	T_EQ_INT(pub_retained(b.port, "loaxa/tan-phu/audio/ab/0", "lại phần 0"), 0);
	T_EQ_INT(pub_retained(b.port, "loaxa/tan-phu/audio/ab/2", "lại phần 2"), 0);
	T_EQ_INT(pub_retained(b.port, "loaxa/tan-phu/audio/ab/1", "lại phần 1"), 0);
	w.nin = 0;
	T_ASSERT(run_until(ev, w_got_message, &w, WAIT_MS));
	T_EQ_STR(w.in_last, "loaxa/tan-phu/audio/ab/1 lại phần 1");
	/* A last filter's retained message closes the burst: nothing came between. */
	T_EQ_INT(pub_retained(b.port, "loaxa/tan-phu/audio/ab/9", "hết"), 0);
	T_EQ_INT(mqtt_subscribe(w.m, "loaxa/tan-phu/audio/ab/9", 1), 0);
	T_ASSERT(run_until(ev, w_got_two, &w, WAIT_MS));
	T_EQ_STR(w.in_last, "loaxa/tan-phu/audio/ab/9 hết");
	T_EQ_INT(w.nin, 2);
	mqtt_free(w.m);
	ev_free(ev);
	broker_stop(&b);
}

/* Reads what the module logged to stderr while fn ran. */
static void
capture_stderr(char *out, size_t size, void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/loaxa-mqtt-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	fflush(stderr);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
}

struct oversize {
	struct broker *b;
	struct world *w;
	struct ev_loop *ev;
	int ok;
};

static void
oversize_run(void *arg)
{
	struct oversize *o = arg;
	char big[5001], mid[3001];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(mid, 'y', sizeof(mid) - 1);
	mid[sizeof(mid) - 1] = '\0';
	o->ok = pub(o->b->port, "loaxa/tan-phu/cmd/big", big) == 0 &&
	    pub(o->b->port, "loaxa/tan-phu/cmd/mid", mid) == 0 &&
	    pub(o->b->port, "loaxa/tan-phu/cmd/small", "nhỏ") == 0 &&
	    run_until(o->ev, w_got_message, o->w, WAIT_MS);
}

static void
test_oversized_message_dropped(void)
{
	struct broker b = { 0 };
	struct world w = { 0 };
	struct oversize o = { .b = &b, .w = &w };
	char log[4096];

	T_ASSERT(broker_start(&b) == 0);
	w.m = client_new(&w, b.port, 100, 60);
	T_EQ_INT(mqtt_subscribe(w.m, "loaxa/tan-phu/cmd/#", 1), 0);
	o.ev = world_loop(&w);
	T_ASSERT(run_until(o.ev, w_connected, &w, WAIT_MS));
	capture_stderr(log, sizeof(log), oversize_run, &o);
	T_ASSERT(o.ok);
	/*
	 * The big one is larger than the maximum packet size the client gave in
	 * CONNECT (100 + MQTT_PACKET_OVERHEAD): the broker never sent it, so it
	 * never took the station's memory. The middle one fits in a packet but
	 * not in the payload limit: it came, and was dropped. Only the small one
	 * reached the caller.
	 */
	T_EQ_INT(w.nin, 1);
	T_EQ_STR(w.in_last, "loaxa/tan-phu/cmd/small nhỏ");
	T_EQ_INT(w.in_biggest, strlen("nhỏ"));
	T_ASSERT(strstr(log, "cmd/big") == NULL);
	T_CONTAINS(log, "mqtt: dropped a message of 3000 bytes on \"loaxa/tan-phu/cmd/mid\"");
	mqtt_free(w.m);
	ev_free(o.ev);
	broker_stop(&b);
}

static void
test_silent_broker_detected(void)
{
	struct broker b = { 0 };
	struct world w = { 0 };
	struct ev_loop *ev;

	T_ASSERT(broker_start(&b) == 0);
	w.m = client_new(&w, b.port, 1024, 5);
	ev = world_loop(&w);
	T_ASSERT(run_until(ev, w_connected, &w, WAIT_MS));
	/* A broker that stops answering (a dead 3G link): only keep-alive can tell. */
	kill(b.pid, SIGSTOP);
	g_iterations = 0;
	T_ASSERT(run_until(ev, w_disconnected, &w, 4 * 5000));
	T_ASSERT(g_iterations < 10);	/* the loop slept between keep-alives */
	T_CONTAINS(mqtt_state_text(w.m), "the broker stopped answering");
	mqtt_free(w.m);
	ev_free(ev);
	broker_stop(&b);
}

static void
test_silent_listener_times_out(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct world w = { 0 };
	struct ev_loop *ev;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* The kernel completes the handshake, but no CONNACK ever comes. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_ASSERT(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	T_ASSERT(listen(fd, 4) == 0 && getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	w.m = client_new(&w, ntohs(sa.sin_port), 1024, 5);
	ev = world_loop(&w);
	g_iterations = 0;
	T_ASSERT(run_until(ev, w_waiting, &w, 4 * 5000));
	T_ASSERT(g_iterations < 10);
	T_CONTAINS(mqtt_state_text(w.m), "the broker did not answer");
	T_EQ_INT(w.ups, 0);
	T_EQ_INT(w.downs, 0);
	mqtt_free(w.m);
	ev_free(ev);
	close(fd);
}

/*
 * A TLS handshake whose server goes away (a broker killed, or restarted,
 * while the station connects): the connection is reset under the
 * ClientHello. libmosquitto takes the failed write for a handshake still in
 * progress; the station must see a lost connection and wait, not spin on
 * the dead socket.
 */
static void
test_tls_handshake_reset(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct world w = { 0 };
	struct ev_loop *ev;
	char dir[TMPSTORE_DIR_MAX], cmd[4 * TMPSTORE_DIR_MAX + 256], pem[TMPSTORE_DIR_MAX + 16],
	    key[TMPSTORE_DIR_MAX + 16];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct mqtt_params p = {
		.host = "127.0.0.1", .keepalive = 5, .client_id = "loaxa-tan-phu",
		.max_payload = 1024, .on_message = w_on_message, .on_connect = w_on_connect,
		.arg = &w,
	};

	/* A self-signed certificate serves as the CA and the client's own. */
	T_ASSERT(tmpstore_dir(dir, sizeof(dir), "mqtt-tls") == 0);
	snprintf(pem, sizeof(pem), "%s/c.pem", dir);
	snprintf(key, sizeof(key), "%s/k.pem", dir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:P-256 -nodes -subj /CN=loaxa-tan-phu -days 1 -keyout %s -out %s "
	    "2>/dev/null", key, pem);
	T_ASSERT(system(cmd) == 0);
	p.tls = (struct tls_files){ pem, pem, key };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_ASSERT(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	T_ASSERT(listen(fd, 4) == 0 && getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	p.port = ntohs(sa.sin_port);
	w.m = mqtt_new(&p);
	T_ASSERT(w.m != NULL);
	if (w.m == NULL)
		goto out;
	ev = world_loop(&w);
	/* The kernel takes the connection; the ClientHello goes out, unanswered. */
	run_until(ev, w_never, &w, 500);
	close(fd);		/* the connection never accepted is reset */
	fd = -1;
	g_iterations = 0;
	T_ASSERT(run_until(ev, w_waiting, &w, 4 * 5000));
	T_ASSERT(g_iterations < 50);	/* told at once, not found by spinning */
	T_EQ_INT(w.ups, 0);
	mqtt_free(w.m);
	ev_free(ev);
out:
	if (fd >= 0)
		close(fd);
	tmpstore_rmdir(dir);
}

/* Runs every case, or only those named on the command line. */
#define RUN(fn) do { if (argc < 2 || wanted(argc, argv, #fn)) T_RUN(fn); } while (0)

static int
wanted(int argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	log_init("test_mqtt", 1, 0);
	alarm(600);	/* a watchdog: a hung case must not hang the whole check */
	RUN(test_params_checked);
	RUN(test_connect);
	RUN(test_name_looked_up);
	RUN(test_unresolvable_name);
	RUN(test_retained_latest_only);
	RUN(test_outbox_in_order_acked_on_puback);
	RUN(test_no_broker_at_start);
	RUN(test_broker_killed_mid_stream);
	RUN(test_will_when_killed);
	RUN(test_shutdown_sends_offline_not_will);
	RUN(test_subscription_survives_restart);
	RUN(test_unsubscribe);
	RUN(test_oversized_message_dropped);
	RUN(test_silent_broker_detected);
	RUN(test_silent_listener_times_out);
	RUN(test_tls_handshake_reset);
	return T_EXIT();
}
