/*
 * Reading what the broker retains for a region (see fleet_sub.h for how it
 * knows it has everything): connect, subscribe, collect, disconnect.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <sodium.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/tls.h"
#include "daemon/loaxactl/fleet_sub.h"

/* The client's state, filled in by libmosquitto's callbacks. */
struct fleet_sub {
	const struct fleet_sub_opts *o;
	struct mosquitto *mosq;
	void		*tls_ctx;
	fleet_sub_cb	 cb;
	void		*arg;
	int		 connected, refused;	/* CONNACK: 1, or the broker's reason */
	int		 mid_main, mid_fence, mid_probe;
	int		 denied;		/* the statuses' subscription was refused */
	int		 fence;			/* the fence's SUBACK came */
	int		 probe;			/* still waiting for the probe to come back */
	int		 probe_back;
	char		 fence_topic[160];
	char		 status_sub[128], schedule_topic[128];
	int64_t		 last_ms;		/* the last sign of life from the broker */
};

static void
fleet_sub_cb_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct fleet_sub *s = obj;

	(void)mosq;
	s->connected = rc == 0;
	s->refused = rc;
	s->last_ms = clock_mono_ms();
}

static void
fleet_sub_cb_subscribe(struct mosquitto *mosq, void *obj, int mid, int n, const int *granted,
    const mosquitto_property *props)
{
	struct fleet_sub *s = obj;

	(void)mosq;
	(void)props;
	s->last_ms = clock_mono_ms();
	/* The first is the statuses; the schedule may be refused and is then only unknown. */
	if (mid == s->mid_main && n > 0 && granted[0] >= MQTT_RC_UNSPECIFIED)
		s->denied = 1;
	else if (mid == s->mid_fence)
		s->fence = 1;
}

/* The probe's PUBACK: refused, the identity may not write there after all; take the fence. */
static void
fleet_sub_cb_publish(struct mosquitto *mosq, void *obj, int mid, int reason,
    const mosquitto_property *props)
{
	struct fleet_sub *s = obj;

	(void)mosq;
	(void)props;
	if (mid == s->mid_probe && reason >= MQTT_RC_UNSPECIFIED)
		s->probe = 0;
}

static void
fleet_sub_cb_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct fleet_sub *s = obj;
	size_t len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;

	(void)mosq;
	s->last_ms = clock_mono_ms();
	if (strcmp(msg->topic, s->fence_topic) == 0) {
		s->probe_back = 1;
		return;
	}
	s->cb(s->arg, msg->topic, len > 0 ? msg->payload : "", len);
}

/* Every retained message has come: see fleet_sub.h. */
static int
fleet_sub_done(const struct fleet_sub *s, int64_t now)
{
	if (s->probe)
		return s->probe_back;
	return s->fence && now - s->last_ms >= s->o->quiet_ms;
}

/* Runs the client until done (or connected, with connecting set); 0 or -errno with why. */
static int
fleet_sub_wait(struct fleet_sub *s, int connecting, char *why, size_t whylen)
{
	int64_t now;
	int rc;

	s->last_ms = clock_mono_ms();
	for (;;) {
		now = clock_mono_ms();
		if (connecting ? s->connected || s->refused != 0 : s->denied || fleet_sub_done(s, now))
			return 0;
		if (now - s->last_ms > s->o->idle_ms) {
			snprintf(why, whylen, _("the broker did not answer for %d s"),
			    s->o->idle_ms / 1000);
			return -ETIMEDOUT;
		}
		if ((rc = mosquitto_loop(s->mosq, 50, 1)) != MOSQ_ERR_SUCCESS) {
			rc = rc == MOSQ_ERR_ERRNO ? -errno : -ECONNRESET;
			snprintf(why, whylen, _("the connection broke: %s"), rc == -ECONNRESET ?
			    _("the broker closed it") : strerror(-rc));
			return rc;
		}
	}
}

/* Why a TLS connection failed, in why. -EPROTO. */
static int
fleet_sub_tls_failed(struct fleet_sub *s, char *why, size_t whylen)
{
	const char *v = tls_ctx_verify_error(s->tls_ctx);

	if (v != NULL)
		snprintf(why, whylen, _("TLS: the broker's certificate is not valid for \"%s\": %s"),
		    s->o->host, v);
	else
		snprintf(why, whylen, "%s", _("TLS: the broker closed the connection; check that this "
		    "identity's certificate is from the district's CA, not expired and not revoked"));
	return -EPROTO;
}

static int
fleet_sub_connect(struct fleet_sub *s, char *why, size_t whylen)
{
	const struct fleet_sub_opts *o = s->o;
	int rc, reached;

	mosquitto_int_option(s->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	/* Every retained status in flight at once, none queued behind a SUBACK (fleet_sub.h). */
	mosquitto_int_option(s->mosq, MOSQ_OPT_RECEIVE_MAXIMUM, 65535);
	if (o->tls != NULL && o->tls->ca != NULL) {
		if ((s->tls_ctx = tls_ctx_new(o->tls, o->host, why, whylen)) == NULL)
			return -EPROTO;
		if (mosquitto_int_option(s->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0) != 0 ||
		    mosquitto_void_option(s->mosq, MOSQ_OPT_SSL_CTX, s->tls_ctx) != 0)
			return -ENOMEM;
	}
	rc = mosquitto_connect(s->mosq, o->host, o->port, 30);
	reached = rc == MOSQ_ERR_SUCCESS || rc == MOSQ_ERR_TLS;
	if (rc == MOSQ_ERR_SUCCESS)
		rc = fleet_sub_wait(s, 1, why, whylen);
	else {
		rc = rc == MOSQ_ERR_ERRNO ? -errno : -ECONNREFUSED;
		snprintf(why, whylen, "%s", strerror(-rc));
	}
	if (rc < 0 && rc != -ETIMEDOUT && reached && s->tls_ctx != NULL && !s->connected)
		return fleet_sub_tls_failed(s, why, whylen);
	if (rc == 0 && !s->connected) {
		snprintf(why, whylen, _("the broker refused the connection: %s"),
		    mosquitto_connack_string(s->refused));
		return -EACCES;
	}
	return rc;
}

/* The statuses and the schedule in one SUBSCRIBE, the fence in a second, then the probe. */
static int
fleet_sub_subscribe(struct fleet_sub *s, char *why, size_t whylen)
{
	const char *region = s->o->region;
	char *subs[2] = { s->status_sub, s->schedule_topic };
	unsigned char nonce[8];
	char hex[17];

	/* A random topic, so that two people looking at once do not meet. */
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(hex, sizeof(hex), nonce, sizeof(nonce));
	snprintf(s->status_sub, sizeof(s->status_sub), "loaxa/%s/+/status", region);
	snprintf(s->schedule_topic, sizeof(s->schedule_topic), "loaxa/%s/schedule", region);
	snprintf(s->fence_topic, sizeof(s->fence_topic), "loaxa/%s/publish/fleet-%s", region, hex);
	if (mosquitto_subscribe_multiple(s->mosq, &s->mid_main, 2, subs, 1, 0, NULL) != 0 ||
	    mosquitto_subscribe(s->mosq, &s->mid_fence, s->fence_topic, 1) != 0 ||
	    (s->probe && mosquitto_publish(s->mosq, &s->mid_probe, s->fence_topic, 1, "?", 1,
	    false) != 0)) {
		snprintf(why, whylen, "%s", _("the connection broke"));
		return -ECONNRESET;
	}
	return 0;
}

int
fleet_sub_collect(const struct fleet_sub_opts *o, fleet_sub_cb cb, void *arg, char *why,
    size_t whylen)
{
	struct fleet_sub s = { .o = o, .cb = cb, .arg = arg, .probe = o->probe,
	    .mid_main = -1, .mid_fence = -1, .mid_probe = -1 };
	int rc;

	if (sodium_init() < 0) {
		snprintf(why, whylen, "%s", _("the crypto library (libsodium) cannot start"));
		return -ENOMEM;
	}
	mosquitto_lib_init();
	if ((s.mosq = mosquitto_new(NULL, true, &s)) == NULL) {
		mosquitto_lib_cleanup();
		snprintf(why, whylen, "%s", _("out of memory"));
		return -ENOMEM;
	}
	mosquitto_connect_callback_set(s.mosq, fleet_sub_cb_connect);
	mosquitto_subscribe_v5_callback_set(s.mosq, fleet_sub_cb_subscribe);
	mosquitto_publish_v5_callback_set(s.mosq, fleet_sub_cb_publish);
	mosquitto_message_callback_set(s.mosq, fleet_sub_cb_message);
	if ((rc = fleet_sub_connect(&s, why, whylen)) == 0 &&
	    (rc = fleet_sub_subscribe(&s, why, whylen)) == 0 &&
	    (rc = fleet_sub_wait(&s, 0, why, whylen)) == 0 && s.denied) {
		snprintf(why, whylen, _("the broker does not let this identity read the stations' "
		    "status (%s): use the district's monitor.cfg or district.cfg"), s.status_sub);
		rc = -EACCES;
	}
	if (s.connected)
		mosquitto_disconnect(s.mosq);
	mosquitto_destroy(s.mosq);
	mosquitto_lib_cleanup();
	tls_ctx_free(s.tls_ctx);
	return rc;
}
