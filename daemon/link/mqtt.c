/*
 * The MQTT client's connection: libmosquitto in external-loop mode, driven by
 * the event loop, with back-off between attempts and our own keep-alive
 * deadlines. What goes out over the connection is mqtt_out.c's.
 *
 * libmosquitto's callbacks for CONNACK, a lost connection and PUBACKs only
 * record what happened; the loop acts on it after the libmosquitto call
 * returns, so on_connect() and the outbox's ack() never run inside
 * libmosquitto. An incoming message is the exception: mqtt_cb_message() hands
 * it to on_message() at once, inside mosquitto_loop_read(), because its
 * payload is libmosquitto's only for the call. on_message() may therefore
 * use only the functions that record and never call libmosquitto
 * (mqtt_subscribe(), mqtt_unsubscribe(), mqtt_set_retained(),
 * mqtt_outbox_kick()).
 *
 * The broker's name is never given to libmosquitto: mosquitto_connect_async()
 * would look it up with a blocking getaddrinfo(), and a silent name server
 * (the 3G link down) would freeze the whole station for 10 s and more. An
 * attempt looks the name up in a thread (resolve.c) while the loop goes on,
 * then connects to the address found, which libmosquitto only parses. The
 * address of the last connection the broker accepted is kept (in memory
 * only): when the name does not resolve, the attempt goes there.
 *
 * Each connection attempt gets a fresh libmosquitto client. After a
 * disconnect, mosquitto_reconnect_async() on the old client would re-send
 * the QoS 1 messages that libmosquitto still holds, beside the ones we
 * re-send from the caller's durable outbox: duplicates, under mids we no
 * longer know, and memory that grows with every outage. A fresh client
 * holds nothing, so the outbox stays the only source of truth.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "config/i18n.h"
#include "config/readfile.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/core/tls.h"
#include "daemon/link/mqtt_int.h"

/* "<host>:<port> at its last known address <addr>", with room to spare. */
#define MQTT_WHERE_MAX	(MQTT_HOST_MAX + RESOLVE_ADDR_LEN + 64)

static void
mqtt_cb_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;

	(void)mosq;
	if (rc == 0) {
		m->cb_connack = 1;
		return;
	}
	m->cb_connack = -1;
	/* MQTT v5: rc is the CONNACK's reason code (0x86 bad user name or password, ...). */
	snprintf(m->reason, sizeof(m->reason), _("the broker refused the connection: %s"),
	    mosquitto_reason_string(rc));
}

static void
mqtt_cb_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;

	(void)mosq;
	m->cb_lost = 1;
	m->cb_rc = rc;
}

/*
 * A PUBACK. From reason code 0x80 on, the broker refused the message (MQTT
 * v5): it was not delivered, and is kept to go again (see mqtt_int.h).
 */
static void
mqtt_cb_publish(struct mosquitto *mosq, void *obj, int mid, int reason,
    const mosquitto_property *props)
{
	struct mqtt *m = obj;
	int i, refused = reason >= MQTT_RC_UNSPECIFIED;
	const char *why = mosquitto_reason_string(reason);

	(void)mosq;
	(void)props;
	for (i = 0; i < m->nflight; i++)
		if (m->flight[i].mid == mid) {
			m->flight[i].acked = 1;
			m->flight[i].refused = refused;
			if (refused)
				mqtt_refused(m, why, m->flight[i].topic);
		}
	for (i = 0; i < m->nret; i++)
		if (m->ret[i].mid == mid) {
			m->ret[i].mid = 0;
			m->ret[i].refused = refused;
			if (refused)
				mqtt_refused(m, why, m->ret[i].topic);
		}
	if (m->bye_mid != 0 && m->bye_mid == mid)
		m->bye_acked = 1;
}

/*
 * libmosquitto's error lines: the only place that says why a TLS handshake
 * failed on the broker's side ("tlsv1 alert unknown ca", "sslv3 alert
 * certificate revoked"), since it empties OpenSSL's error queue itself.
 * The last one of an attempt becomes its reason.
 */
static void
mqtt_cb_log(struct mosquitto *mosq, void *obj, int level, const char *line)
{
	struct mqtt *m = obj;
	const char *p;

	(void)mosq;
	if (level != MOSQ_LOG_ERR || strncmp(line, "OpenSSL Error", 13) != 0)
		return;
	/* "OpenSSL Error[0]: error:0A000418:SSL routines::tlsv1 alert unknown ca" */
	p = strrchr(line, ':');
	snprintf(m->cb_error, sizeof(m->cb_error), "%s", p != NULL ? p + 1 : line);
}

static void
mqtt_cb_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct mqtt *m = obj;

	(void)mosq;
	if (msg->qos > 0)
		m->cb_in_qos = 1;
	if (msg->payloadlen < 0 || (size_t)msg->payloadlen > m->max_payload) {
		log_warnx(_("mqtt: dropped a message of %d bytes on \"%s\": the limit is %zu bytes"),
		    msg->payloadlen, msg->topic, m->max_payload);
		return;
	}
	if (m->on_message != NULL)
		m->on_message(m->arg, msg->topic, msg->payload, (size_t)msg->payloadlen);
}

/* A new libmosquitto client with our callbacks and will. Returns a MOSQ_ERR_* code. */
static int
mqtt_session_new(struct mqtt *m)
{
	struct mosquitto *mosq;
	int rc;

	mosq = mosquitto_new(m->client_id, true, m);
	if (mosq == NULL)
		return MOSQ_ERR_ERRNO;
	mosquitto_connect_callback_set(mosq, mqtt_cb_connect);
	mosquitto_disconnect_callback_set(mosq, mqtt_cb_disconnect);
	mosquitto_publish_v5_callback_set(mosq, mqtt_cb_publish);
	mosquitto_message_callback_set(mosq, mqtt_cb_message);
	mosquitto_log_callback_set(mosq, mqtt_cb_log);
	rc = mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, MQTT_SEND_MAX);
	/*
	 * Every packet goes out at once. With Nagle's algorithm an alert's
	 * SUBSCRIBE for its bulletin waited behind the PUBACK just sent until the
	 * broker acknowledged that, which Linux delays up to 40 ms.
	 */
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
	/* Our context as it is: libmosquitto's defaults would check the address (see tls.h). */
	if (rc == MOSQ_ERR_SUCCESS && m->tls_ctx != NULL)
		rc = mosquitto_int_option(mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
	if (rc == MOSQ_ERR_SUCCESS && m->tls_ctx != NULL)
		rc = mosquitto_void_option(mosq, MOSQ_OPT_SSL_CTX, m->tls_ctx);
	if (rc == MOSQ_ERR_SUCCESS && m->username != NULL)
		rc = mosquitto_username_pw_set(mosq, m->username, m->password);
	/* MQTT v5, for the maximum packet size in CONNECT (see mqtt_connect). */
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	if (rc == MOSQ_ERR_SUCCESS && m->will_topic != NULL)
		rc = mosquitto_will_set(mosq, m->will_topic, (int)strlen(m->will_payload),
		    m->will_payload, 1, true);
	if (rc != MOSQ_ERR_SUCCESS) {
		mosquitto_destroy(mosq);
		return rc;
	}
	m->mosq = mosq;
	return MOSQ_ERR_SUCCESS;
}

/* Forgets the connection and everything in flight on it. */
static void
mqtt_session_end(struct mqtt *m)
{
	int i;

	/* A new session starts clean: nothing to unsubscribe from. */
	mqtt_unsub_clear(m);

	if (m->mosq != NULL)
		mosquitto_destroy(m->mosq);
	m->mosq = NULL;
	resolve_free(m->lookup);	/* never waits: a lookup still running is abandoned */
	m->lookup = NULL;
	m->nflight = 0;
	m->sent_upto = 0;
	for (i = 0; i < m->nret; i++)
		m->ret[i].mid = 0;
	m->bye_mid = 0;
	m->cb_connack = m->cb_lost = m->cb_rc = m->cb_in_qos = 0;
	m->cb_error[0] = '\0';
}

static void
mqtt_set_reason(struct mqtt *m, int rc, int err)
{
	const char *s;
	size_t len;

	if (m->reason[0] != '\0')
		return;		/* the broker's refusal says more than what follows it */
	if (rc == MOSQ_ERR_TLS && m->tls_ctx != NULL &&
	    (s = tls_ctx_verify_error(m->tls_ctx)) != NULL) {
		snprintf(m->reason, sizeof(m->reason), _("TLS: the broker's certificate is not "
		    "valid for \"%s\": %s"), m->host, s);
		return;
	}
	if (rc == MOSQ_ERR_TLS && m->cb_error[0] != '\0') {
		snprintf(m->reason, sizeof(m->reason), _("TLS: the broker refused the station's "
		    "certificate (%s)"), m->cb_error);
		return;
	}
	if (rc == MOSQ_ERR_ERRNO && err != 0)
		s = strerror(err);
	else if (rc == MOSQ_ERR_KEEPALIVE && m->state == MQTT_CONNECTING)
		s = _("the broker did not answer");
	else if (rc == MOSQ_ERR_KEEPALIVE)
		s = _("the broker stopped answering");
	else if (rc == MOSQ_ERR_SUCCESS)
		s = mosquitto_strerror(MOSQ_ERR_CONN_LOST);
	else
		s = mosquitto_strerror(rc);
	snprintf(m->reason, sizeof(m->reason), "%s", s);
	/* libmosquitto's sentences end in a full stop; ours go on after the reason. */
	len = strlen(m->reason);
	if (len > 0 && m->reason[len - 1] == '.')
		m->reason[len - 1] = '\0';
}

/*
 * Where the client connects, for logs and the status: "127.0.0.1:1883" when
 * the host is an address or none was found yet, "broker.example:1883
 * (10.0.0.5)" for a name, and the fallback said as such.
 */
static const char *
mqtt_where(const struct mqtt *m, char *buf, size_t len)
{
	if (m->literal[0] != '\0' || m->addr[0] == '\0')
		snprintf(buf, len, "%s:%d", m->host, m->port);
	else if (m->on_known)
		snprintf(buf, len, _("%s:%d at its last known address %s"), m->host, m->port,
		    m->addr);
	else
		snprintf(buf, len, "%s:%d (%s)", m->host, m->port, m->addr);
	return buf;
}

/* The delay before the next attempt: the back-off, give or take a fifth, so that
 * the stations of a district do not all call at once after the broker restarts. */
static int
mqtt_backoff_next(struct mqtt *m)
{
	int base = m->backoff_ms, delay;

	delay = base - base / 5 + (int)arc4random_uniform((uint32_t)(base / 5 * 2 + 1));
	m->backoff_ms = base >= MQTT_BACKOFF_MAX_MS / 2 ? MQTT_BACKOFF_MAX_MS : base * 2;
	return delay;
}

/* The connection or the attempt ended: forget it and wait for the next one. */
static void
mqtt_down(struct mqtt *m, int rc, int err, int64_t now)
{
	int was_connected = m->state == MQTT_CONNECTED;
	char where[MQTT_WHERE_MAX];
	int delay;

	mqtt_where(m, where, sizeof(where));
	mqtt_set_reason(m, rc, err);
	mqtt_session_end(m);
	if (m->state == MQTT_STOPPING || m->state == MQTT_STOPPED) {
		m->state = MQTT_STOPPED;
		return;
	}
	if (!was_connected && m->nfailed < INT_MAX)
		m->nfailed++;
	delay = mqtt_backoff_next(m);
	m->state = MQTT_WAITING;
	m->attempt_ms = now + delay;
	if (was_connected) {
		log_warnx(_("mqtt: lost the connection to %s: %s; reconnecting with back-off"),
		    where, m->reason);
	} else if (strcmp(m->logged, m->reason) != 0) {
		log_warnx(_("mqtt: cannot connect to %s: %s; retrying with back-off (at most %d s)"),
		    where, m->reason, MQTT_BACKOFF_MAX_MS / 1000);
	} else {
		log_debug("mqtt: cannot connect to %s: %s; next attempt in %d ms",
		    where, m->reason, delay);
	}
	memcpy(m->logged, m->reason, sizeof(m->logged));
	if (was_connected && m->on_connect != NULL)
		m->on_connect(m->arg, 0);
}

/*
 * Connects, telling the broker the largest packet the station takes (MQTT v5
 * maximum-packet-size): the broker then never sends a larger one. Checking
 * the size only once a message has arrived is too late: libmosquitto has
 * read all of it into memory by then, and a 200 MB message retained on the
 * schedule topic would take a small controller's memory at every reconnect.
 *
 * libmosquitto 2.0 has no asynchronous connect that takes CONNECT properties:
 * mosquitto_connect_bind_v5() keeps them for every later connect of the
 * client, then connects blocking. So they are handed over through it with a
 * keep-alive it refuses at once, before any network (MQTT_KEEPALIVE_REFUSED),
 * and the asynchronous connect sends them. tests/it_big_message.sh shows the
 * broker honouring the limit, so a libmosquitto that changed this would fail it.
 *
 * addr is always an address (see the top of the file), so libmosquitto
 * never looks a name up. With TLS (issue 11), mind that libmosquitto checks
 * the broker's certificate against the host string it connects to (and sends
 * it as the server name), which is then addr, not the configured name: the
 * name, kept in m->host, must be checked some other way, or the broker's
 * certificate must list its IP addresses in subjectAltName, which the
 * last-known-address fallback needs in any case.
 */
static int
mqtt_connect(struct mqtt *m, const char *addr)
{
	mosquitto_property *props = NULL;
	size_t max = m->max_payload + MQTT_PACKET_OVERHEAD;
	int rc;

	rc = mosquitto_property_add_int32(&props, MQTT_PROP_MAXIMUM_PACKET_SIZE,
	    max > UINT32_MAX ? UINT32_MAX : (uint32_t)max);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_connect_bind_v5(m->mosq, addr, m->port, MQTT_KEEPALIVE_REFUSED,
		    NULL, props);
	mosquitto_property_free_all(&props);
	if (rc != MOSQ_ERR_INVAL)
		return rc == MOSQ_ERR_SUCCESS ? MOSQ_ERR_UNKNOWN : rc;
	return mosquitto_connect_async(m->mosq, addr, m->port, m->keepalive);
}

/*
 * Connects to the first of the addresses that takes a connection attempt:
 * as libmosquitto itself goes down getaddrinfo()'s list, the next one is
 * tried only when one fails at once (no route to an IPv6 address, say).
 * Unlike libmosquitto, each failed attempt starts one address further down
 * the list: a name whose first address connects nowhere (a broker listening
 * on IPv4 only, an IPv6 route that drops packets) is reached all the same.
 */
static void
mqtt_connect_any(struct mqtt *m, const struct resolve_answer *ans, int64_t now)
{
	char where[MQTT_WHERE_MAX];
	int i, k, rc = MOSQ_ERR_EAI, err = 0;

	for (k = 0; k < ans->naddr; k++) {
		i = (m->nfailed + k) % ans->naddr;
		mqtt_session_end(m);
		memcpy(m->addr, ans->addr[i], sizeof(m->addr));
		errno = 0;
		if ((rc = mqtt_session_new(m)) == MOSQ_ERR_SUCCESS)
			rc = mqtt_connect(m, m->addr);
		err = errno;
		if (rc == MOSQ_ERR_SUCCESS) {
			m->state = MQTT_CONNECTING;
			m->in_ms = m->out_ms = now;	/* libmosquitto starts its keep-alive clock here too */
			log_debug("mqtt: connecting to %s", mqtt_where(m, where, sizeof(where)));
			return;
		}
		if (k + 1 < ans->naddr)
			log_debug("mqtt: cannot connect to %s: %s; trying its next address",
			    mqtt_where(m, where, sizeof(where)),
			    rc == MOSQ_ERR_ERRNO ? strerror(err) : mosquitto_strerror(rc));
	}
	mqtt_down(m, rc, err, now);
}

/*
 * The name did not resolve (ans->error says why). The address of the last
 * connection the broker accepted is the best guess there is: a broker rarely
 * moves, a modem's name server often goes quiet. Said once per outage, not
 * at every attempt, however the reason's wording varies meanwhile.
 */
static void
mqtt_unresolved(struct mqtt *m, const struct resolve_answer *ans, int64_t now)
{
	struct resolve_answer known = { .naddr = 1 };
	int said = m->dns_down;

	m->dns_down = 1;
	if (m->known[0] == '\0') {
		snprintf(m->reason, sizeof(m->reason), _("cannot resolve \"%s\": %s"), m->host,
		    ans->error);
		if (said)
			memcpy(m->logged, m->reason, sizeof(m->logged));
		mqtt_down(m, MOSQ_ERR_EAI, 0, now);
		return;
	}
	if (!said)
		log_warnx(_("mqtt: cannot resolve \"%s\" (%s); using its last known address %s"),
		    m->host, ans->error, m->known);
	m->on_known = 1;
	memcpy(known.addr[0], m->known, sizeof(known.addr[0]));
	mqtt_connect_any(m, &known, now);
}

/* The lookup answered, or its deadline passed: connect, one way or the other. */
static void
mqtt_resolved(struct mqtt *m, int64_t now)
{
	struct resolve_answer ans;
	int rc;

	if ((rc = resolve_finish(m->lookup, now, &ans)) == -EINPROGRESS)
		return;
	resolve_free(m->lookup);
	m->lookup = NULL;
	if (rc < 0) {
		mqtt_unresolved(m, &ans, now);
		return;
	}
	if (m->dns_down)
		log_info(_("mqtt: \"%s\" resolves again, to %s"), m->host, ans.addr[0]);
	m->dns_down = 0;
	mqtt_connect_any(m, &ans, now);
}

/* The first line of the password file, in m->password. 0, or -1 with the reason set. */
static int
mqtt_read_password(struct mqtt *m)
{
	char *text = NULL;
	int rc;

	if (m->password_file == NULL)
		return 0;
	if ((rc = readfile_text(m->password_file, MQTT_PASSWORD_MAX, &text)) < 0) {
		snprintf(m->reason, sizeof(m->reason), _("cannot read the password file \"%s\": "
		    "%s"), m->password_file, readfile_strerror(rc));
		return -1;
	}
	text[strcspn(text, "\r\n")] = '\0';
	free(m->password);
	m->password = text;
	return 0;
}

/*
 * What the station shows the broker, made ready before each attempt until
 * it is: the TLS context (its files read once) and the password. 0, or -1
 * with the reason set, and the attempt waits its back-off like any other.
 */
static int
mqtt_credentials(struct mqtt *m)
{
	struct tls_files f = { m->tls_ca, m->tls_cert, m->tls_key };
	char why[TLS_WHY_MAX];

	const char *untrusted;
	int trusted;

	if (m->tls_ca != NULL && m->tls_ctx == NULL &&
	    (m->tls_ctx = tls_ctx_new(&f, m->host, why, sizeof(why))) == NULL) {
		snprintf(m->reason, sizeof(m->reason), "%s", why);
		return -1;
	}
	if (m->tls_ctx != NULL) {
		trusted = clock_trusted(clock_wall_now(), &untrusted);
		if (!trusted && !m->tls_undated)
			log_warnx(_("mqtt: %s: the broker's certificate is checked without its dates "
			    "until the clock can be believed"), untrusted);
		m->tls_undated = !trusted;
		tls_ctx_check_time(m->tls_ctx, trusted);
	}
	return mqtt_read_password(m);
}

/*
 * A new attempt. An address in the configuration is connected to at once; a
 * name is looked up first, in a thread, while the loop goes on.
 */
static void
mqtt_attempt(struct mqtt *m, int64_t now)
{
	struct resolve_answer ans = { .naddr = 1 };

	mqtt_session_end(m);
	m->reason[0] = m->addr[0] = '\0';
	m->on_known = 0;
	if (mqtt_credentials(m) < 0) {
		mqtt_down(m, MOSQ_ERR_TLS, 0, now);
		return;
	}
	if (m->literal[0] != '\0') {
		memcpy(ans.addr[0], m->literal, sizeof(ans.addr[0]));
		mqtt_connect_any(m, &ans, now);
		return;
	}
	if ((m->lookup = resolve_start(m->host, MQTT_RESOLVE_MS)) == NULL) {
		snprintf(ans.error, sizeof(ans.error), "%s", errno == EAGAIN ?
		    _("earlier lookups of the name are still waiting for the name servers") :
		    strerror(errno));
		mqtt_unresolved(m, &ans, now);
		return;
	}
	m->state = MQTT_RESOLVING;
	log_debug("mqtt: resolving %s", m->host);
}

/* CONNACK: send everything again, this connection knows nothing yet. */
static void
mqtt_up(struct mqtt *m)
{
	char where[MQTT_WHERE_MAX];

	m->state = MQTT_CONNECTED;
	m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	m->nfailed = 0;
	m->reason[0] = m->logged[0] = '\0';
	if (m->literal[0] == '\0')
		memcpy(m->known, m->addr, sizeof(m->known));
	mqtt_out_restart(m);
	log_info(_("mqtt: connected to %s"), mqtt_where(m, where, sizeof(where)));
	if (m->on_connect != NULL)
		m->on_connect(m->arg, 1);
}

/*
 * When libmosquitto's keep-alive check is due: it sends PINGREQ (or gives up
 * on a silent broker, or on an attempt without CONNACK) once keepalive seconds
 * passed since the last packet in or out. We track the same instants, so the
 * loop sleeps until then instead of waking up every second.
 */
static int64_t
mqtt_misc_due(const struct mqtt *m)
{
	int64_t last = m->in_ms < m->out_ms ? m->in_ms : m->out_ms;

	return last + (int64_t)m->keepalive * 1000;
}

/* Runs libmosquitto on what poll() said. Returns a MOSQ_ERR_* code, *err its errno. */
static int
mqtt_io(struct mqtt *m, short revents, int64_t now, int *err)
{
	int rc = MOSQ_ERR_SUCCESS;

	*err = 0;
	if (revents & (POLLIN | POLLERR | POLLHUP)) {
		errno = 0;
		rc = mosquitto_loop_read(m->mosq, 1);
		*err = errno;
		m->in_ms = now;
		if (m->cb_in_qos)
			m->out_ms = now;
		m->cb_in_qos = 0;
		/*
		 * libmosquitto takes a TLS handshake whose write failed (the
		 * broker went away under it: EPIPE) for one still in progress,
		 * and says nothing; poll() then reports the dead socket at once,
		 * for ever. A socket in error or hung up never completes a
		 * handshake: the connection is lost.
		 */
		if (rc == MOSQ_ERR_SUCCESS && m->state == MQTT_CONNECTING &&
		    (revents & (POLLERR | POLLHUP)) && mosquitto_socket(m->mosq) >= 0) {
			rc = MOSQ_ERR_CONN_LOST;
			*err = ECONNRESET;
		}
	}
	if (rc == MOSQ_ERR_SUCCESS && (revents & POLLOUT) && mosquitto_socket(m->mosq) >= 0) {
		errno = 0;
		rc = mosquitto_loop_write(m->mosq, 1);
		*err = errno;
		m->out_ms = now;
	}
	if (rc == MOSQ_ERR_SUCCESS && now >= mqtt_misc_due(m) && mosquitto_socket(m->mosq) >= 0) {
		errno = 0;
		rc = mosquitto_loop_misc(m->mosq);
		*err = errno;
		m->in_ms = m->out_ms = now;
	}
	return rc;
}

/* Acts on what libmosquitto's callbacks recorded during mqtt_io(). */
static void
mqtt_after_io(struct mqtt *m, int rc, int err, int64_t now)
{
	if (m->cb_connack > 0 && m->state == MQTT_CONNECTING)
		mqtt_up(m);
	m->cb_connack = 0;
	mqtt_ack_flights(m);
	if (rc == MOSQ_ERR_SUCCESS && m->cb_lost)
		rc = m->cb_rc;
	if (rc != MOSQ_ERR_SUCCESS || m->cb_lost || mosquitto_socket(m->mosq) < 0)
		mqtt_down(m, rc, err, now);
}

static int
mqtt_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	struct mqtt *m = arg;
	int64_t due = EV_NO_DEADLINE;
	int fd = m->mosq != NULL ? mosquitto_socket(m->mosq) : -1;
	short events = POLLIN;

	if (fd >= 0 && mosquitto_want_write(m->mosq))
		events |= POLLOUT;
	switch (m->state) {
	case MQTT_IDLE:
	case MQTT_WAITING:
		due = m->attempt_ms;
		break;
	case MQTT_RESOLVING:
		due = resolve_deadline(m->lookup);
		fd = resolve_fd(m->lookup);	/* readable when the answer is there */
		break;
	case MQTT_CONNECTED:
	case MQTT_CONNECTING:
		due = mqtt_misc_due(m);
		if (m->retry_ms != 0 && m->nflight == 0 && m->retry_ms < due)
			due = m->retry_ms;
		if (fd < 0 || (m->state == MQTT_CONNECTED && mqtt_has_work(m)))
			due = 0;
		break;
	default:
		break;
	}
	if (due < *deadline_ms)
		*deadline_ms = due;
	if (fd < 0 || max < 1)
		return 0;
	pfd->fd = fd;
	pfd->events = events;
	pfd->revents = 0;
	return 1;
}

static void
mqtt_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct mqtt *m = arg;
	short revents;
	int rc, err;

	if (m->state == MQTT_CONNECTING || m->state == MQTT_CONNECTED) {
		revents = n == 1 && pfd->fd == mosquitto_socket(m->mosq) ? pfd->revents : 0;
		rc = mqtt_io(m, revents, now, &err);
		mqtt_after_io(m, rc, err, now);
	}
	if (m->state == MQTT_RESOLVING && ((n == 1 && pfd->fd == resolve_fd(m->lookup) &&
	    pfd->revents != 0) || now >= resolve_deadline(m->lookup)))
		mqtt_resolved(m, now);
	if ((m->state == MQTT_IDLE || m->state == MQTT_WAITING) && now >= m->attempt_ms)
		mqtt_attempt(m, now);
	if (m->state != MQTT_CONNECTED)
		return;
	mqtt_retry_refused(m, now);
	errno = 0;
	if ((rc = mqtt_flush_subs(m, now)) != MOSQ_ERR_SUCCESS ||
	    (rc = mqtt_flush_retained(m, now)) != MOSQ_ERR_SUCCESS ||
	    (rc = mqtt_pump(m, now)) != MOSQ_ERR_SUCCESS)
		mqtt_down(m, rc, errno, now);
}

static int
mqtt_check_params(const struct mqtt_params *p)
{
	const char *what = NULL;

	if (p->host == NULL || p->host[0] == '\0' || strlen(p->host) > MQTT_HOST_MAX)
		what = "the broker's host name is missing or too long";
	else if (p->port < 1 || p->port > 65535)
		what = "the port is not between 1 and 65535";
	else if (p->keepalive < 5 || p->keepalive > 65535)
		what = "the keep-alive is not between 5 and 65535 seconds";
	else if (p->max_payload == 0)
		what = "the largest incoming payload must be above 0 bytes";
	else if ((p->tls.ca == NULL) != (p->tls.cert == NULL) ||
	    (p->tls.ca == NULL) != (p->tls.key == NULL))
		what = "TLS needs the CA, the certificate and the key together";
	else if (p->password_file != NULL && p->username == NULL)
		what = "a password file needs a user name";
	else if (p->will_topic != NULL &&
	    mosquitto_pub_topic_check(p->will_topic) != MOSQ_ERR_SUCCESS)
		what = "the will topic is not a valid topic to publish to";
	if (what == NULL)
		return 0;
	log_warnx(_("mqtt: cannot set up the client for %s:%d: %s"),
	    p->host != NULL ? p->host : "", p->port, what);
	return -EINVAL;
}

/* *dst = a copy of src, or NULL for NULL. */
static int
mqtt_copy(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	return (*dst = strdup(src)) != NULL ? 0 : -1;
}

struct mqtt *
mqtt_new(const struct mqtt_params *p)
{
	static int lib_ready;
	struct resolve_answer lit;
	struct mqtt *m;

	if (mqtt_check_params(p) < 0)
		return NULL;
	if (!lib_ready && mosquitto_lib_init() == MOSQ_ERR_SUCCESS)
		lib_ready = 1;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto fail;
	m->port = p->port;
	m->keepalive = p->keepalive;
	m->max_payload = p->max_payload;
	m->on_message = p->on_message;
	m->on_connect = p->on_connect;
	m->arg = p->arg;
	m->state = MQTT_IDLE;
	m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	if (resolve_numeric(p->host, &lit) == 0)
		memcpy(m->literal, lit.addr[0], sizeof(m->literal));
	if ((m->host = strdup(p->host)) == NULL ||
	    (m->text = malloc(MQTT_TEXT_MAX)) == NULL ||
	    (p->client_id != NULL && (m->client_id = strdup(p->client_id)) == NULL) ||
	    mqtt_copy(&m->tls_ca, p->tls.ca) < 0 || mqtt_copy(&m->tls_cert, p->tls.cert) < 0 ||
	    mqtt_copy(&m->tls_key, p->tls.key) < 0 || mqtt_copy(&m->username, p->username) < 0 ||
	    mqtt_copy(&m->password_file, p->password_file) < 0)
		goto fail;
	if (p->will_topic != NULL && ((m->will_topic = strdup(p->will_topic)) == NULL ||
	    (m->will_payload = strdup(p->will_payload != NULL ? p->will_payload : "")) == NULL))
		goto fail;
	return m;
fail:
	log_warn(_("mqtt: cannot set up the client for %s:%d"), p->host, p->port);
	mqtt_free(m);
	return NULL;
}

void
mqtt_free(struct mqtt *m)
{
	int i;

	if (m == NULL)
		return;
	mqtt_session_end(m);
	for (i = 0; i < m->nret; i++) {
		free(m->ret[i].topic);
		free(m->ret[i].payload);
	}
	for (i = 0; i < m->nsub; i++)
		free(m->sub[i].filter);
	free(m->host);
	free(m->client_id);
	free(m->will_topic);
	free(m->will_payload);
	free(m->tls_ca);
	free(m->tls_cert);
	free(m->tls_key);
	tls_ctx_free(m->tls_ctx);
	free(m->username);
	free(m->password_file);
	free(m->password);
	free(m->text);
	free(m);
}

void
mqtt_source(struct mqtt *m, struct ev_source *out)
{
	*out = (struct ev_source){
		.name = "mqtt",
		.prepare = mqtt_prepare,
		.dispatch = mqtt_dispatch,
		.arg = m,
	};
}

long long
mqtt_refusals(const struct mqtt *m, const char **last)
{
	*last = m->last_refusal;
	return m->refused;
}

int
mqtt_connected(const struct mqtt *m)
{
	return m->state == MQTT_CONNECTED;
}

const char *
mqtt_state_text(const struct mqtt *m)
{
	char where[MQTT_WHERE_MAX];
	int64_t left;

	switch (m->state) {
	case MQTT_CONNECTED:
		snprintf(m->text, MQTT_TEXT_MAX, _("connected to %s"),
		    mqtt_where(m, where, sizeof(where)));
		break;
	case MQTT_IDLE:
	case MQTT_CONNECTING:
		snprintf(m->text, MQTT_TEXT_MAX, _("connecting to %s"),
		    mqtt_where(m, where, sizeof(where)));
		break;
	case MQTT_RESOLVING:
		snprintf(m->text, MQTT_TEXT_MAX, _("resolving %s"), m->host);
		break;
	case MQTT_WAITING:
		left = (m->attempt_ms - clock_mono_ms() + 999) / 1000;
		snprintf(m->text, MQTT_TEXT_MAX, _("reconnecting in %lld s: %s"),
		    (long long)(left > 0 ? left : 0), m->reason);
		break;
	default:
		snprintf(m->text, MQTT_TEXT_MAX, _("disconnected from %s:%d: the station is stopping"),
		    m->host, m->port);
		break;
	}
	return m->text;
}

static int
mqtt_bye_acked(const struct mqtt *m)
{
	return m->bye_acked;
}

static int
mqtt_closed(const struct mqtt *m)
{
	return m->mosq == NULL || mosquitto_socket(m->mosq) < 0;
}

/* mqtt_shutdown()'s own small loop: runs the I/O until done(m) or the deadline. */
static int
mqtt_wait(struct mqtt *m, int64_t deadline, int (*done)(const struct mqtt *))
{
	struct pollfd pfd;
	int64_t now, until;
	int rc, err;

	while (!done(m)) {
		if (m->mosq == NULL || (pfd.fd = mosquitto_socket(m->mosq)) < 0)
			return -ECONNRESET;
		now = clock_mono_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		until = mqtt_misc_due(m) < deadline ? mqtt_misc_due(m) : deadline;
		pfd.events = POLLIN | (mosquitto_want_write(m->mosq) ? POLLOUT : 0);
		pfd.revents = 0;
		if (poll(&pfd, 1, until > now ? (int)(until - now) : 0) == -1 && errno != EINTR)
			return -errno;
		now = clock_mono_ms();
		rc = mqtt_io(m, pfd.revents, now, &err);
		mqtt_after_io(m, rc, err, now);
	}
	return 0;
}

int
mqtt_shutdown(struct mqtt *m, const char *topic, const char *payload, int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int rc = 0, mid;

	if (topic == NULL || payload == NULL || mosquitto_pub_topic_check(topic) != MOSQ_ERR_SUCCESS)
		return -EINVAL;
	if (m->state != MQTT_CONNECTED)
		rc = -ENOTCONN;
	else if (strlen(payload) > MQTT_PAYLOAD_OUT_MAX)
		rc = -EMSGSIZE;
	if (rc < 0) {
		mqtt_session_end(m);
		m->state = MQTT_STOPPED;
		return rc;
	}
	m->state = MQTT_STOPPING;
	if (mosquitto_publish(m->mosq, &mid, topic, (int)strlen(payload), payload, 1, true) !=
	    MOSQ_ERR_SUCCESS)
		rc = -ECONNRESET;
	else {
		m->bye_mid = mid;
		m->bye_acked = 0;
		rc = mqtt_wait(m, deadline, mqtt_bye_acked);
	}
	if (rc == 0 && mosquitto_disconnect(m->mosq) != MOSQ_ERR_SUCCESS)
		rc = -ECONNRESET;
	if (rc == 0)
		rc = mqtt_wait(m, deadline, mqtt_closed);
	if (rc < 0)
		log_warnx(_("mqtt: could not say goodbye to %s:%d: %s; the broker will send the "
		    "will instead"), m->host, m->port, strerror(-rc));
	mqtt_session_end(m);
	m->state = MQTT_STOPPED;
	return rc;
}
