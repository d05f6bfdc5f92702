/*
 * The collector's MQTT client (see collect_mqtt.h for why its PUBACKs wait
 * for the commit). libmosquitto in external-loop mode as one source of the
 * event loop: each turn it writes what is released, then reads; callbacks
 * only record what happened, and the loop acts once libmosquitto returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "config/i18n.h"
#include "config/readfile.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/core/resolve.h"
#include "daemon/collector/collect_mqtt.h"

#define CMQTT_BACKOFF_MIN_MS	1000
#define CMQTT_BACKOFF_MAX_MS	30000
#define CMQTT_RESOLVE_MS	10000
#define CMQTT_KEEPALIVE_REFUSED	1	/* see cmqtt_connect() */
#define CMQTT_REASON_MAX	512

enum cmqtt_state { CM_IDLE, CM_RESOLVING, CM_CONNECTING, CM_CONNECTED, CM_WAITING, CM_STOPPED };

struct cmqtt {
	struct mosquitto *mosq;		/* NULL between connections */
	char	*host, *client_id, *username, *password_file, *password;
	char	*tls_ca, *tls_cert, *tls_key;
	void	*tls_ctx;
	int	 port, keepalive;
	unsigned session_expiry;
	char	*filters[CMQTT_FILTERS_MAX];
	int	 nfilters;
	int	(*on_message)(void *, const char *, const void *, size_t);
	void	*arg;

	enum cmqtt_state state;
	struct resolve *lookup;
	int64_t	 attempt_ms;
	int	 backoff_ms;
	int64_t	 in_ms, out_ms;
	int	 held;			/* messages handed over whose PUBACKs must wait */
	unsigned connections;		/* CONNACKs since the start */
	char	 reason[CMQTT_REASON_MAX];

	/* Set by libmosquitto's callbacks, acted on when its call returns. */
	int	 cb_connack;		/* 1 accepted, -1 refused */
	int	 cb_session;		/* the broker had the session */
	int	 cb_lost;
	int	 cb_nomem;		/* on_message could not take a message */
	int	 cb_in;			/* messages read in this call */
	int	 cb_refused;		/* our publishes the broker refused in this call */
	int	 cb_refusal;		/* the reason code of the last of them */
};

static void
cb_connect(struct mosquitto *mosq, void *obj, int rc, int flags, const mosquitto_property *p)
{
	struct cmqtt *c = obj;

	(void)mosq;
	(void)p;
	c->cb_connack = rc == 0 ? 1 : -1;
	c->cb_session = (flags & 1) != 0;
	if (rc != 0)
		snprintf(c->reason, sizeof(c->reason), _("the broker refused the connection: %s"),
		    mosquitto_reason_string(rc));
}

static void
cb_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct cmqtt *c = obj;

	(void)mosq;
	c->cb_lost = 1;
	if (c->reason[0] == '\0')
		snprintf(c->reason, sizeof(c->reason), "%s", rc == MOSQ_ERR_KEEPALIVE ?
		    "the broker stopped answering" : mosquitto_strerror(rc));
}

/* Inside mosquitto_loop_read(): libmosquitto has queued (not sent) its PUBACK. */
static void
cb_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct cmqtt *c = obj;
	int rc;

	(void)mosq;
	c->cb_in++;
	/* Every message is handed over, whatever it holds: its PUBACK waits for the caller. */
	rc = c->on_message(c->arg, msg->topic, msg->payload,
	    msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0);
	if (rc < 0)
		c->cb_nomem = 1;
	else if (rc == 0)
		c->held++;
}

/* The broker's PUBACK to one of our publishes: MQTT v5 says why it refused one. */
static void
cb_publish(struct mosquitto *mosq, void *obj, int mid, int reason, const mosquitto_property *p)
{
	struct cmqtt *c = obj;

	(void)mosq;
	(void)mid;
	(void)p;
	if (reason >= 128) {
		c->cb_refused++;
		c->cb_refusal = reason;
	}
}

/* Forgets the connection and, with it, every PUBACK libmosquitto still holds. */
static void
cmqtt_session_end(struct cmqtt *c)
{
	if (c->mosq != NULL)
		mosquitto_destroy(c->mosq);
	c->mosq = NULL;
	resolve_free(c->lookup);
	c->lookup = NULL;
	c->cb_connack = c->cb_session = c->cb_lost = c->cb_nomem = c->cb_in = 0;
	c->cb_refused = 0;
}

static void
cmqtt_down(struct cmqtt *c, const char *why, int64_t now)
{
	int was = c->state == CM_CONNECTED;

	if (why != NULL && c->reason[0] == '\0')
		snprintf(c->reason, sizeof(c->reason), "%s", why);
	cmqtt_session_end(c);
	if (c->state == CM_STOPPED)
		return;
	c->state = CM_WAITING;
	c->attempt_ms = now + c->backoff_ms;
	log_warnx(_("collector: mqtt: %s %s:%d: %s; trying again in %d s"), was ?
	    _("lost the connection to") : _("cannot connect to"), c->host, c->port,
	    c->reason[0] != '\0' ? c->reason : _("connection lost"), c->backoff_ms / 1000);
	c->backoff_ms = c->backoff_ms * 2 > CMQTT_BACKOFF_MAX_MS ? CMQTT_BACKOFF_MAX_MS :
	    c->backoff_ms * 2;
}

/*
 * CONNECT carries what libmosquitto 2.0's asynchronous connect cannot take
 * (the same way as the station's client, daemon/link/mqtt.c): the session
 * expiry, so that the session and the messages queued for it outlive the
 * connection, and the largest packet taken. mosquitto_connect_bind_v5()
 * keeps the properties for the client's later connects, then refuses the
 * keep-alive of 1 s before any network; the asynchronous connect sends them.
 */
static int
cmqtt_connect(struct cmqtt *c, const char *addr)
{
	mosquitto_property *props = NULL;
	int rc;

	rc = mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL,
	    c->session_expiry);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_property_add_int32(&props, MQTT_PROP_MAXIMUM_PACKET_SIZE,
		    CMQTT_MAX_PAYLOAD + 4096);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_connect_bind_v5(c->mosq, addr, c->port, CMQTT_KEEPALIVE_REFUSED,
		    NULL, props);
	mosquitto_property_free_all(&props);
	if (rc != MOSQ_ERR_INVAL)
		return rc == MOSQ_ERR_SUCCESS ? MOSQ_ERR_UNKNOWN : rc;
	return mosquitto_connect_async(c->mosq, addr, c->port, c->keepalive);
}

/* A fresh client for this attempt; a MOSQ_ERR_* code. */
static int
cmqtt_client(struct cmqtt *c)
{
	int rc;

	/* clean_session false: MQTT v5's clean start off, the session kept on the broker. */
	if ((c->mosq = mosquitto_new(c->client_id, false, c)) == NULL)
		return MOSQ_ERR_NOMEM;
	mosquitto_connect_v5_callback_set(c->mosq, cb_connect);
	mosquitto_disconnect_callback_set(c->mosq, cb_disconnect);
	mosquitto_message_callback_set(c->mosq, cb_message);
	mosquitto_publish_v5_callback_set(c->mosq, cb_publish);
	/* The PUBACKs wait for mosquitto_loop_write(): see collect_mqtt.h. */
	rc = mosquitto_threaded_set(c->mosq, true);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_int_option(c->mosq, MOSQ_OPT_RECEIVE_MAXIMUM, CMQTT_RECEIVE_MAX);
	if (rc == MOSQ_ERR_SUCCESS && c->tls_ctx != NULL)
		rc = mosquitto_int_option(c->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
	if (rc == MOSQ_ERR_SUCCESS && c->tls_ctx != NULL)
		rc = mosquitto_void_option(c->mosq, MOSQ_OPT_SSL_CTX, c->tls_ctx);
	if (rc == MOSQ_ERR_SUCCESS && c->username != NULL)
		rc = mosquitto_username_pw_set(c->mosq, c->username, c->password);
	return rc;
}

static void
cmqtt_connect_to(struct cmqtt *c, const char *addr, int64_t now)
{
	int rc;

	errno = 0;
	if ((rc = cmqtt_client(c)) == MOSQ_ERR_SUCCESS)
		rc = cmqtt_connect(c, addr);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(c->reason, sizeof(c->reason), "%s", rc == MOSQ_ERR_ERRNO && errno != 0 ?
		    strerror(errno) : mosquitto_strerror(rc));
		cmqtt_down(c, NULL, now);
		return;
	}
	c->state = CM_CONNECTING;
	c->in_ms = c->out_ms = now;
}

/* What the broker is shown, ready before each attempt: the TLS context, the password. */
static int
cmqtt_credentials(struct cmqtt *c)
{
	struct tls_files f = { c->tls_ca, c->tls_cert, c->tls_key };
	char *text = NULL;
	int rc;

	if (c->tls_ca != NULL && c->tls_ctx == NULL &&
	    (c->tls_ctx = tls_ctx_new(&f, c->host, c->reason, sizeof(c->reason))) == NULL)
		return -1;
	if (c->password_file == NULL)
		return 0;
	if ((rc = readfile_text(c->password_file, 1024, &text)) < 0) {
		snprintf(c->reason, sizeof(c->reason), _("cannot read the password file \"%s\": %s"),
		    c->password_file, readfile_strerror(rc));
		return -1;
	}
	text[strcspn(text, "\r\n")] = '\0';
	free(c->password);
	c->password = text;
	return 0;
}

static void
cmqtt_attempt(struct cmqtt *c, int64_t now)
{
	struct resolve_answer ans;

	cmqtt_session_end(c);
	c->reason[0] = '\0';
	if (cmqtt_credentials(c) < 0) {
		cmqtt_down(c, NULL, now);
		return;
	}
	if (resolve_numeric(c->host, &ans) == 0) {
		cmqtt_connect_to(c, ans.addr[0], now);
		return;
	}
	if ((c->lookup = resolve_start(c->host, CMQTT_RESOLVE_MS)) == NULL) {
		cmqtt_down(c, strerror(errno), now);
		return;
	}
	c->state = CM_RESOLVING;
}

static void
cmqtt_resolved(struct cmqtt *c, int64_t now)
{
	struct resolve_answer ans;
	int rc = resolve_finish(c->lookup, now, &ans);

	if (rc == -EINPROGRESS)
		return;
	resolve_free(c->lookup);
	c->lookup = NULL;
	if (rc < 0) {
		snprintf(c->reason, sizeof(c->reason), _("cannot resolve \"%s\": %s"), c->host,
		    ans.error);
		cmqtt_down(c, NULL, now);
		return;
	}
	cmqtt_connect_to(c, ans.addr[0], now);
}

/* CONNACK: subscribe (again: a session the broker lost has none). */
static int
cmqtt_up(struct cmqtt *c)
{
	int i, rc = MOSQ_ERR_SUCCESS;

	c->state = CM_CONNECTED;
	c->backoff_ms = CMQTT_BACKOFF_MIN_MS;
	c->connections++;
	log_info(_("collector: mqtt: connected to %s:%d as %s (%s)"), c->host, c->port, c->client_id,
	    c->cb_session ? _("the broker kept the session") : _("a new session"));
	/*
	 * Retained statuses only with a new subscription, and once at start:
	 * a session the broker kept has had them, and what changed meanwhile is
	 * queued for it; but a collector that starts knows no station yet, and
	 * the retained statuses are what says which stations there are (for
	 * the dashboards' discovery, collect_announce.c). No local: what the
	 * collector publishes itself does not come back to it.
	 */
	for (i = 0; i < c->nfilters && rc == MOSQ_ERR_SUCCESS; i++)
		rc = mosquitto_subscribe_v5(c->mosq, NULL, c->filters[i], 1, MQTT_SUB_OPT_NO_LOCAL |
		    (c->connections == 1 ? MQTT_SUB_OPT_SEND_RETAIN_ALWAYS :
		    MQTT_SUB_OPT_SEND_RETAIN_NEW), NULL);
	return rc;
}

static int64_t
cmqtt_misc_due(const struct cmqtt *c)
{
	return (c->in_ms < c->out_ms ? c->in_ms : c->out_ms) + (int64_t)c->keepalive * 1000;
}

/* Writes (only what is released), reads, and runs the keep-alive. A MOSQ_ERR_* code. */
static int
cmqtt_io(struct cmqtt *c, short revents, int64_t now)
{
	int rc = MOSQ_ERR_SUCCESS;

	if (c->held == 0 && (revents & POLLOUT)) {
		rc = mosquitto_loop_write(c->mosq, 1);
		c->out_ms = now;
	}
	if (rc == MOSQ_ERR_SUCCESS && (revents & (POLLIN | POLLERR | POLLHUP)) &&
	    mosquitto_socket(c->mosq) >= 0) {
		rc = mosquitto_loop_read(c->mosq, 1);
		c->in_ms = now;
	}
	if (rc == MOSQ_ERR_SUCCESS && now >= cmqtt_misc_due(c) && mosquitto_socket(c->mosq) >= 0) {
		rc = mosquitto_loop_misc(c->mosq);
		c->in_ms = c->out_ms = now;
	}
	return rc;
}

static void
cmqtt_after_io(struct cmqtt *c, int rc, int64_t now)
{
	if (c->cb_refused > 0) {
		log_warnx(_("collector: mqtt: the broker refused %d of the collector's publishes (%s): "
		    "its identity may not write the dashboards' discovery; make it with "
		    "'loaxa-district add-client DIR NAME --role collector'"), c->cb_refused,
		    mosquitto_reason_string(c->cb_refusal));
		c->cb_refused = 0;
	}
	if (c->cb_nomem) {
		cmqtt_down(c, _("out of memory for an incoming message"), now);
		return;
	}
	if (c->cb_connack < 0) {
		cmqtt_down(c, NULL, now);
		return;
	}
	if (c->cb_connack > 0 && c->state == CM_CONNECTING) {
		c->cb_connack = 0;
		if ((rc = cmqtt_up(c)) != MOSQ_ERR_SUCCESS) {
			cmqtt_down(c, mosquitto_strerror(rc), now);
			return;
		}
	}
	if (rc != MOSQ_ERR_SUCCESS || c->cb_lost || mosquitto_socket(c->mosq) < 0)
		cmqtt_down(c, rc != MOSQ_ERR_SUCCESS ? mosquitto_strerror(rc) : NULL, now);
}

static int
cmqtt_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline)
{
	struct cmqtt *c = arg;
	int64_t due = EV_NO_DEADLINE;
	int fd = -1;

	switch (c->state) {
	case CM_IDLE:
	case CM_WAITING:
		due = c->attempt_ms;
		break;
	case CM_RESOLVING:
		due = resolve_deadline(c->lookup);
		fd = resolve_fd(c->lookup);
		break;
	case CM_CONNECTING:
	case CM_CONNECTED:
		due = cmqtt_misc_due(c);
		fd = mosquitto_socket(c->mosq);
		if (fd < 0)
			due = 0;
		break;
	default:
		break;
	}
	if (due < *deadline)
		*deadline = due;
	if (fd < 0 || max < 1)
		return 0;
	pfd->fd = fd;
	pfd->events = POLLIN;
	/* Nothing is written while a message read is not stored: a PUBACK may be queued. */
	if (c->mosq != NULL && c->held == 0 && mosquitto_want_write(c->mosq))
		pfd->events |= POLLOUT;
	return 1;
}

static void
cmqtt_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct cmqtt *c = arg;
	short revents;

	if (c->state == CM_CONNECTING || c->state == CM_CONNECTED) {
		revents = n == 1 && pfd->fd == mosquitto_socket(c->mosq) ? pfd->revents : 0;
		cmqtt_after_io(c, cmqtt_io(c, revents, now), now);
	}
	if (c->state == CM_RESOLVING && ((n == 1 && pfd->fd == resolve_fd(c->lookup) &&
	    pfd->revents != 0) || now >= resolve_deadline(c->lookup)))
		cmqtt_resolved(c, now);
	if ((c->state == CM_IDLE || c->state == CM_WAITING) && now >= c->attempt_ms)
		cmqtt_attempt(c, now);
}

void
cmqtt_source(struct cmqtt *c, struct ev_source *out)
{
	*out = (struct ev_source){ "mqtt", cmqtt_prepare, cmqtt_dispatch, c };
}

void
cmqtt_release(struct cmqtt *c)
{
	c->held = 0;
}

void
cmqtt_abandon(struct cmqtt *c, const char *why)
{
	c->held = 0;
	if (c->state == CM_CONNECTING || c->state == CM_CONNECTED) {
		snprintf(c->reason, sizeof(c->reason), _("%s; nothing of it was acknowledged, the "
		    "broker sends it again"), why);
		cmqtt_down(c, NULL, clock_mono_ms());
	}
}

int
cmqtt_connected(const struct cmqtt *c)
{
	return c->state == CM_CONNECTED;
}

unsigned
cmqtt_connections(const struct cmqtt *c)
{
	return c->connections;
}

int
cmqtt_writing(const struct cmqtt *c)
{
	return c->mosq != NULL && mosquitto_want_write(c->mosq);
}

int
cmqtt_publish(struct cmqtt *c, const char *topic, const void *payload, size_t len, int retain)
{
	int rc;

	if (c->state != CM_CONNECTED)
		return -ENOTCONN;
	if (len > CMQTT_MAX_PAYLOAD)
		return -EMSGSIZE;
	rc = mosquitto_publish_v5(c->mosq, NULL, topic, (int)len, payload, 1, retain != 0, NULL);
	if (rc == MOSQ_ERR_NOMEM)
		return -ENOMEM;
	return rc == MOSQ_ERR_SUCCESS ? 0 : -EIO;
}

int
cmqtt_shutdown(struct cmqtt *c, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms, now;
	struct pollfd pfd;
	int rc;

	if (c->state != CM_CONNECTED || c->held != 0) {
		c->state = CM_STOPPED;
		cmqtt_session_end(c);
		return -ENOTCONN;
	}
	c->state = CM_STOPPED;
	rc = mosquitto_disconnect(c->mosq) == MOSQ_ERR_SUCCESS ? 0 : -ECONNRESET;
	/* The released PUBACKs, then DISCONNECT; the broker closes the connection after it. */
	while (rc == 0 && (pfd.fd = mosquitto_socket(c->mosq)) >= 0) {
		if ((now = clock_mono_ms()) >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		pfd.events = POLLIN | (mosquitto_want_write(c->mosq) ? POLLOUT : 0);
		if (poll(&pfd, 1, (int)(deadline - now)) == -1 && errno != EINTR)
			rc = -errno;
		else if ((pfd.revents & POLLOUT) && mosquitto_loop_write(c->mosq, 1) != MOSQ_ERR_SUCCESS)
			break;
		else if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    mosquitto_loop_read(c->mosq, 1) != MOSQ_ERR_SUCCESS)
			break;
	}
	cmqtt_session_end(c);
	return rc;
}

static int
cmqtt_dup(char **dst, const char *src)
{
	*dst = NULL;
	return src == NULL || (*dst = strdup(src)) != NULL ? 0 : -1;
}

struct cmqtt *
cmqtt_new(const struct cmqtt_params *p)
{
	static int lib_ready;
	struct cmqtt *c;
	int i;

	if (p->client_id == NULL || p->client_id[0] == '\0' || p->nfilters < 1 ||
	    p->nfilters > CMQTT_FILTERS_MAX || p->on_message == NULL ||
	    (p->tls.ca == NULL) != (p->tls.cert == NULL) || (p->tls.ca == NULL) != (p->tls.key == NULL)) {
		log_warnx(_("collector: mqtt: cannot set up the client: a parameter is missing"));
		return NULL;
	}
	if (!lib_ready && mosquitto_lib_init() == MOSQ_ERR_SUCCESS)
		lib_ready = 1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->port = p->port;
	c->keepalive = p->keepalive;
	c->session_expiry = p->session_expiry;
	c->on_message = p->on_message;
	c->arg = p->arg;
	c->state = CM_IDLE;
	c->backoff_ms = CMQTT_BACKOFF_MIN_MS;
	c->nfilters = p->nfilters;
	for (i = 0; i < p->nfilters; i++)
		if (cmqtt_dup(&c->filters[i], p->filters[i]) < 0)
			goto fail;
	if (cmqtt_dup(&c->host, p->host) < 0 || cmqtt_dup(&c->client_id, p->client_id) < 0 ||
	    cmqtt_dup(&c->username, p->username) < 0 ||
	    cmqtt_dup(&c->password_file, p->password_file) < 0 ||
	    cmqtt_dup(&c->tls_ca, p->tls.ca) < 0 || cmqtt_dup(&c->tls_cert, p->tls.cert) < 0 ||
	    cmqtt_dup(&c->tls_key, p->tls.key) < 0)
		goto fail;
	return c;
fail:
	log_warnx(_("collector: mqtt: cannot set up the client: out of memory"));
	cmqtt_free(c);
	return NULL;
}

void
cmqtt_free(struct cmqtt *c)
{
	int i;

	if (c == NULL)
		return;
	cmqtt_session_end(c);
	for (i = 0; i < c->nfilters; i++)
		free(c->filters[i]);
	free(c->host);
	free(c->client_id);
	free(c->username);
	free(c->password_file);
	free(c->password);
	free(c->tls_ca);
	free(c->tls_cert);
	free(c->tls_key);
	tls_ctx_free(c->tls_ctx);
	free(c);
}
