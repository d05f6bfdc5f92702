/*
 * The district office's blocking MQTT client (see pubclient.h): connect, read
 * what is retained at a topic, publish QoS 1 retained messages with a window
 * of PUBACKs outstanding, and wait for them, giving up when nothing happens.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <sodium.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/tls.h"
#include "daemon/loaxactl/pubclient.h"

/* The client's state, filled by libmosquitto's callbacks. */
struct pubclient {
	struct mosquitto *mosq;
	int	 connected, refused;
	int	 denied;		/* a PUBACK's refusal (MQTT v5 reason code), 0: none */
	char	 why[TLS_WHY_MAX];	/* why TLS failed, for pubclient_strerror() */
	void	*tls_ctx;		/* tls.c's; NULL: plain MQTT */
	int	 pending[PUBCLIENT_WINDOW + 1];
	int	 npending;
	char	*topic, *probe;		/* the retained topic we read, and our probe */
	size_t	 retained_max;
	int	 probe_seen;
	char	*retained;
	size_t	 retained_len;
	int64_t	 progress_ms;
};

/* libmosquitto's error as a negative errno; fallback when it is not an errno. */
static int
pubclient_err(int mosq_rc, int fallback)
{
	return mosq_rc == MOSQ_ERR_ERRNO ? -errno : fallback;
}

static void
pubclient_cb_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct pubclient *c = obj;

	(void)mosq;
	c->connected = rc == 0;
	c->refused = rc;
}

/* A PUBACK; from 0x80 on, the broker refused the message (not authorized, say). */
static void
pubclient_cb_publish(struct mosquitto *mosq, void *obj, int mid, int reason,
    const mosquitto_property *props)
{
	struct pubclient *c = obj;
	int i;

	(void)mosq;
	(void)props;
	if (reason >= MQTT_RC_UNSPECIFIED && c->denied == 0)
		c->denied = reason;
	for (i = 0; i < c->npending; i++) {
		if (c->pending[i] == mid) {
			c->pending[i] = c->pending[--c->npending];
			c->progress_ms = clock_mono_ms();
			return;
		}
	}
}

/* Keeps a copy of the payload (plus a NUL) so that text can be read as a string. */
static void
pubclient_cb_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct pubclient *c = obj;
	size_t len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;

	(void)mosq;
	if (c->probe != NULL && strcmp(msg->topic, c->probe) == 0)
		c->probe_seen = 1;
	else if (c->topic != NULL && strcmp(msg->topic, c->topic) == 0 && msg->retain &&
	    c->retained == NULL && len > 0 && len <= c->retained_max &&
	    (c->retained = malloc(len + 1)) != NULL) {
		memcpy(c->retained, msg->payload, len);
		c->retained[len] = '\0';
		c->retained_len = len;
	}
}

/* What pubclient_wait waits for. */
static int
pubclient_done_connected(const struct pubclient *c)
{
	return c->connected || c->refused != 0;
}

static int
pubclient_done_probe(const struct pubclient *c)
{
	return c->probe_seen;
}

static int
pubclient_done_acked(const struct pubclient *c)
{
	return c->npending == 0;
}

static int
pubclient_done_window(const struct pubclient *c)
{
	return c->npending < PUBCLIENT_WINDOW;
}

/*
 * Acknowledges what the broker sends at once. A command waits for one small
 * reply after another (CONNACK, the probe, each PUBACK), while the broker's
 * socket runs Nagle's algorithm (mosquitto's default, set_tcp_nodelay false):
 * it holds a small reply until the segment before it is acknowledged, and
 * Linux delays that acknowledgement up to 40 ms when we have nothing to send.
 * That made 'loaxactl alert' wait about 40 ms three times over (150 ms where
 * the work takes 25). Linux leaves quick-ack mode by itself, so it is asked
 * for again before every wait.
 */
static void
pubclient_quickack(struct pubclient *c)
{
	int fd = mosquitto_socket(c->mosq), on = 1;

	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
}

/* Runs the client until done(c), or until nothing happened for PUBCLIENT_IDLE_MS. */
static int
pubclient_wait(struct pubclient *c, int (*done)(const struct pubclient *))
{
	int rc;

	c->progress_ms = clock_mono_ms();
	while (!done(c)) {
		if (c->denied != 0)
			return -EPERM;
		if (clock_mono_ms() - c->progress_ms > PUBCLIENT_IDLE_MS)
			return -ETIMEDOUT;
		pubclient_quickack(c);
		rc = mosquitto_loop(c->mosq, 100, 1);
		if (rc != MOSQ_ERR_SUCCESS)
			return pubclient_err(rc, -ECONNRESET);
	}
	return 0;
}

struct pubclient *
pubclient_new(void)
{
	struct pubclient *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	mosquitto_lib_init();
	if ((c->mosq = mosquitto_new(NULL, true, c)) == NULL) {
		pubclient_free(c);
		return NULL;
	}
	mosquitto_connect_callback_set(c->mosq, pubclient_cb_connect);
	mosquitto_publish_v5_callback_set(c->mosq, pubclient_cb_publish);
	/* MQTT v5, so that a publish the broker refuses says so in its PUBACK. */
	mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	/* Each message (and its PUBACK's wait) goes out at once, not after the last is acknowledged. */
	mosquitto_int_option(c->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_message_callback_set(c->mosq, pubclient_cb_message);
	return c;
}

void
pubclient_free(struct pubclient *c)
{
	if (c == NULL)
		return;
	if (c->mosq != NULL) {
		if (c->connected)
			mosquitto_disconnect(c->mosq);
		mosquitto_destroy(c->mosq);
	}
	mosquitto_lib_cleanup();
	tls_ctx_free(c->tls_ctx);
	free(c->topic);
	free(c->probe);
	free(c->retained);
	free(c);
}

/* TLS with the station's own context (tls.c): the broker checked against host. */
static int
pubclient_tls(struct pubclient *c, const char *host, const struct tls_files *tls)
{
	if ((c->tls_ctx = tls_ctx_new(tls, host, c->why, sizeof(c->why))) == NULL)
		return -EPROTO;
	if (mosquitto_int_option(c->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0) != MOSQ_ERR_SUCCESS ||
	    mosquitto_void_option(c->mosq, MOSQ_OPT_SSL_CTX, c->tls_ctx) != MOSQ_ERR_SUCCESS)
		return -ENOMEM;
	return 0;
}

/*
 * Why a TLS connection failed, in c->why: the broker's certificate refused
 * here, or the handshake refused there (our certificate unknown, expired or
 * revoked: the broker only closes the connection). -EPROTO.
 */
static int
pubclient_tls_failed(struct pubclient *c, const char *host)
{
	const char *why = tls_ctx_verify_error(c->tls_ctx);

	if (why != NULL)
		snprintf(c->why, sizeof(c->why), _("TLS: the broker's certificate is not valid "
		    "for \"%s\": %s"), host, why);
	else
		snprintf(c->why, sizeof(c->why), "%s", _("TLS: the broker closed the connection; "
		    "check that this identity's certificate is from the district's CA, not "
		    "expired and not revoked"));
	return -EPROTO;
}

int
pubclient_connect(struct pubclient *c, const char *host, int port, const struct tls_files *tls)
{
	int rc, reached;

	if (tls != NULL && tls->ca != NULL && (rc = pubclient_tls(c, host, tls)) < 0)
		return rc;
	rc = mosquitto_connect(c->mosq, host, port, 30);
	/* The handshake is part of the connect, or of the wait for CONNACK. */
	reached = rc == MOSQ_ERR_SUCCESS || rc == MOSQ_ERR_TLS;
	if (rc == MOSQ_ERR_SUCCESS)
		rc = pubclient_wait(c, pubclient_done_connected);
	else
		rc = pubclient_err(rc, -ECONNREFUSED);
	if (rc < 0 && rc != -ETIMEDOUT && reached && c->tls_ctx != NULL && !c->connected)
		return pubclient_tls_failed(c, host);
	if (rc < 0)
		return rc;
	return c->connected ? 0 : -EACCES;
}

int
pubclient_probe_retained(struct pubclient *c, const char *region, const char *topic,
    size_t max)
{
	unsigned char nonce[8];
	char hex[17];
	size_t len = strlen("loaxa//publish/") + strlen(region) + sizeof(hex);

	/* A random probe topic, so that two offices probing at once do not meet. */
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(hex, sizeof(hex), nonce, sizeof(nonce));
	free(c->topic);
	free(c->probe);
	free(c->retained);
	c->retained = NULL;
	c->probe_seen = 0;
	c->retained_max = max;
	if ((c->topic = strdup(topic)) == NULL || (c->probe = malloc(len)) == NULL)
		return -ENOMEM;
	snprintf(c->probe, len, "loaxa/%s/publish/%s", region, hex);
	if (mosquitto_subscribe(c->mosq, NULL, c->topic, 1) != MOSQ_ERR_SUCCESS ||
	    mosquitto_subscribe(c->mosq, NULL, c->probe, 1) != MOSQ_ERR_SUCCESS ||
	    mosquitto_publish(c->mosq, NULL, c->probe, 1, "?", 1, false) != MOSQ_ERR_SUCCESS)
		return -ECONNRESET;
	return pubclient_wait(c, pubclient_done_probe);
}

const char *
pubclient_retained(const struct pubclient *c, size_t *len)
{
	*len = c->retained_len;
	return c->retained;
}

int
pubclient_publish(struct pubclient *c, const char *topic, const void *buf, size_t len)
{
	int mid, rc;

	if ((rc = pubclient_wait(c, pubclient_done_window)) < 0)
		return rc;
	rc = mosquitto_publish(c->mosq, &mid, topic, (int)len, buf, 1, true);
	if (rc != MOSQ_ERR_SUCCESS)
		return pubclient_err(rc, -ECONNRESET);
	c->pending[c->npending++] = mid;
	return 0;
}

int
pubclient_wait_acked(struct pubclient *c)
{
	return pubclient_wait(c, pubclient_done_acked);
}

/* Reads the file a chunk at a time, so that a 64 MiB bulletin never sits in memory. */
int
pubclient_send_file(struct pubclient *c, const char *region, const char *file,
    const char *sha256, uint64_t size, size_t chunk)
{
	unsigned char *buf = malloc(chunk);
	char topic[256];
	uint64_t off;
	size_t i, len;
	ssize_t r;
	int fd = -1, rc = 0;

	if (buf == NULL)
		return -ENOMEM;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		rc = -errno;
		goto fail;
	}
	for (i = 0, off = 0; off < size && rc == 0; i++, off += len) {
		len = size - off < chunk ? (size_t)(size - off) : chunk;
		r = pread(fd, buf, len, (off_t)off);
		if (r != (ssize_t)len) {
			rc = r == -1 ? -errno : -EIO;	/* the file changed under us */
			break;
		}
		if ((size_t)snprintf(topic, sizeof(topic), "loaxa/%s/audio/%s/%zu", region, sha256,
		    i) >= sizeof(topic))
			rc = -ENAMETOOLONG;
		else
			rc = pubclient_publish(c, topic, buf, len);
	}
fail:
	if (fd != -1)
		close(fd);
	free(buf);
	return rc;
}

int
pubclient_publish_last(struct pubclient *c, const char *topic, const char *text)
{
	int rc;

	if ((rc = pubclient_wait_acked(c)) < 0 ||
	    (rc = pubclient_publish(c, topic, text, strlen(text))) < 0)
		return rc;
	return pubclient_wait_acked(c);
}

const char *
pubclient_strerror(const struct pubclient *c, int err)
{
	if (err == -EACCES && c != NULL && c->refused != 0)
		return mosquitto_reason_string(c->refused);	/* MQTT v5: a reason code */
	if (err == -EPERM && c != NULL && c->denied != 0)
		return mosquitto_reason_string(c->denied);
	if (err == -EPROTO && c != NULL && c->why[0] != '\0')
		return c->why;
	return strerror(-err);
}

const char *
pubclient_advice(int err)
{
	switch (err) {
	case -EPERM:
		return _("this identity may not publish for the region: use the district's "
		    "publisher identity (loaxactl -c district.cfg)");
	case -EPROTO:
		return _("check the TLS files (-c district.cfg, or --tls-ca, --tls-cert and "
		    "--tls-key) and that the broker's name is the one in its certificate");
	case -EACCES:
		return _("check this identity with the district's technician");
	case -ECONNRESET:
		return _("check --mqtt and the network, and whether the broker wants TLS "
		    "(-c district.cfg)");
	default:
		return _("check --mqtt and the network");
	}
}
