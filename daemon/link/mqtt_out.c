/*
 * What the station sends over the MQTT connection, kept here across
 * connections and sent again on each new one (mqtt_out_restart()): the
 * caller's outbox, published in order with a window of PUBACKs; the latest
 * retained value per topic; the subscriptions, and the UNSUBSCRIBEs still
 * to send. The functions the caller uses here only record what is to be sent
 * (mqtt.c's dispatch sends it), so they may be called from on_message(),
 * inside libmosquitto.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/link/mqtt_int.h"

void
mqtt_out_restart(struct mqtt *m)
{
	int i;

	m->nflight = 0;
	m->sent_upto = 0;
	m->kicked = 1;
	m->retry_ms = 0;	/* what was refused goes again now */
	for (i = 0; i < m->nsub; i++)
		m->sub[i].dirty = 1;
	for (i = 0; i < m->nret; i++) {
		m->ret[i].dirty = 1;
		m->ret[i].refused = 0;
	}
}

void
mqtt_refused(struct mqtt *m, const char *why, const char *topic)
{
	int64_t now = clock_mono_ms();

	if (m->refused < LLONG_MAX)
		m->refused++;
	snprintf(m->last_refusal, sizeof(m->last_refusal), "%s: %s", why, topic);
	log_warnx(_("mqtt: the broker refused a publish to \"%s\": %s; it is kept and sent "
	    "again in %d minutes or on the next connection"), topic, why,
	    MQTT_REFUSED_RETRY_MS / 60000);
	if (m->retry_ms == 0)
		m->retry_ms = now + MQTT_REFUSED_RETRY_MS;
}

/*
 * The outbox goes again from its oldest message: what is still there was
 * refused or not sent yet (a message acknowledged meanwhile may go twice,
 * which the consumer takes, see mqtt.h). Waits for the window to empty, so
 * that nothing in flight is sent twice over.
 */
void
mqtt_retry_refused(struct mqtt *m, int64_t now)
{
	int i;

	if (m->retry_ms == 0 || now < m->retry_ms || m->nflight > 0)
		return;
	m->retry_ms = 0;
	m->sent_upto = 0;
	m->kicked = 1;
	for (i = 0; i < m->nret; i++)
		if (m->ret[i].refused) {
			m->ret[i].refused = 0;
			m->ret[i].dirty = 1;
		}
}

void
mqtt_unsub_clear(struct mqtt *m)
{
	int i;

	for (i = 0; i < m->nunsub; i++)
		free(m->unsub[i]);
	m->nunsub = 0;
}

/* Reports the PUBACKs of outbox messages, in the order they were published. */
void
mqtt_ack_flights(struct mqtt *m)
{
	int i, j = 0;

	for (i = 0; i < m->nflight; i++) {
		if (!m->flight[i].acked)
			m->flight[j++] = m->flight[i];
		else if (m->has_outbox && !m->flight[i].refused)
			m->outbox.ack(m->outbox.arg, m->flight[i].seq);
	}
	m->nflight = j;
}

int
mqtt_flush_subs(struct mqtt *m, int64_t now)
{
	int i, rc;

	/* Unsubscribe first: a filter dropped and added again ends up subscribed. */
	for (i = 0; i < m->nunsub; i++) {
		rc = mosquitto_unsubscribe(m->mosq, NULL, m->unsub[i]);
		if (rc != MOSQ_ERR_SUCCESS)
			return rc;
		m->out_ms = now;
	}
	mqtt_unsub_clear(m);
	for (i = 0; i < m->nsub; i++) {
		if (!m->sub[i].dirty)
			continue;
		rc = mosquitto_subscribe(m->mosq, NULL, m->sub[i].filter, m->sub[i].qos);
		if (rc != MOSQ_ERR_SUCCESS)
			return rc;
		m->sub[i].dirty = 0;
		m->out_ms = now;
	}
	return MOSQ_ERR_SUCCESS;
}

int
mqtt_flush_retained(struct mqtt *m, int64_t now)
{
	struct mqtt_retained *r;
	int i, mid, rc;

	for (i = 0; i < m->nret; i++) {
		r = &m->ret[i];
		if (!r->dirty || r->mid != 0)
			continue;	/* one value per topic in flight: latest wins */
		rc = mosquitto_publish(m->mosq, &mid, r->topic, (int)strlen(r->payload),
		    r->payload, 1, true);
		if (rc == MOSQ_ERR_OVERSIZE_PACKET) {
			/* Larger than the broker takes (its CONNACK said): refused before it is sent. */
			r->dirty = 0;
			r->refused = 1;
			mqtt_refused(m, mosquitto_strerror(rc), r->topic);
			continue;
		}
		if (rc != MOSQ_ERR_SUCCESS)
			return rc;
		r->mid = mid;
		r->dirty = 0;
		m->out_ms = now;
	}
	return MOSQ_ERR_SUCCESS;
}

/*
 * Publishes one outbox message. Returns a MOSQ_ERR_* code. A message that can
 * never be sent (a bad topic, too large) is logged and passed over, not put in
 * flight: it stays in the outbox, and does not block the messages after it.
 */
static int
mqtt_publish_one(struct mqtt *m, int64_t seq, const char *topic, const char *payload)
{
	size_t len = payload != NULL ? strlen(payload) : 0;
	int mid, rc;

	if (topic == NULL || payload == NULL || len > MQTT_PAYLOAD_OUT_MAX)
		rc = MOSQ_ERR_PAYLOAD_SIZE;
	else
		rc = mosquitto_publish(m->mosq, &mid, topic, (int)len, payload, 1, false);
	if (rc == MOSQ_ERR_OVERSIZE_PACKET) {
		mqtt_refused(m, mosquitto_strerror(rc), topic);
		return MOSQ_ERR_SUCCESS;
	}
	if (rc == MOSQ_ERR_INVAL || rc == MOSQ_ERR_PAYLOAD_SIZE || rc == MOSQ_ERR_MALFORMED_UTF8) {
		log_warnx(_("mqtt: cannot publish outbox message %lld to \"%s\": %s; "
		    "it stays in the outbox"), (long long)seq, topic != NULL ? topic : "",
		    mosquitto_strerror(rc));
		return MOSQ_ERR_SUCCESS;
	}
	if (rc == MOSQ_ERR_SUCCESS) {
		m->flight[m->nflight] = (struct mqtt_flight){ .mid = mid, .seq = seq };
		snprintf(m->flight[m->nflight].topic, MQTT_TOPIC_MAX, "%s", topic);
		m->nflight++;
	}
	return rc;
}

/* Publishes outbox messages in seq order while the window has room. */
int
mqtt_pump(struct mqtt *m, int64_t now)
{
	const char *topic, *payload;
	int64_t seq;
	int rc;

	while (m->has_outbox && m->kicked && m->nflight < MQTT_WINDOW) {
		topic = payload = NULL;
		rc = m->outbox.next(m->outbox.arg, m->sent_upto, &seq, &topic, &payload);
		if (rc == -ENOENT) {
			m->kicked = 0;
			break;
		}
		if (rc < 0 || seq <= m->sent_upto) {
			log_warnx(_("mqtt: cannot read the outbox after message %lld: %s"),
			    (long long)m->sent_upto, rc < 0 ? strerror(-rc) : _("out of order"));
			m->kicked = 0;	/* until the next kick: no busy loop */
			break;
		}
		if ((rc = mqtt_publish_one(m, seq, topic, payload)) != MOSQ_ERR_SUCCESS)
			return rc;
		m->sent_upto = seq;
		m->out_ms = now;
	}
	return MOSQ_ERR_SUCCESS;
}

int
mqtt_has_work(const struct mqtt *m)
{
	int i;

	if (m->nunsub > 0)
		return 1;
	for (i = 0; i < m->nsub; i++)
		if (m->sub[i].dirty)
			return 1;
	for (i = 0; i < m->nret; i++)
		if (m->ret[i].dirty && m->ret[i].mid == 0)
			return 1;
	return m->has_outbox && m->kicked && m->nflight < MQTT_WINDOW;
}

void
mqtt_set_outbox(struct mqtt *m, const struct mqtt_outbox *ob)
{
	m->outbox = *ob;
	m->has_outbox = ob->next != NULL && ob->ack != NULL;
	m->kicked = 1;
}

void
mqtt_outbox_kick(struct mqtt *m)
{
	m->kicked = 1;
}

int
mqtt_set_retained(struct mqtt *m, const char *topic, const char *payload)
{
	struct mqtt_retained *r = NULL;
	char *copy;
	int i;

	if (topic == NULL || payload == NULL || mosquitto_pub_topic_check(topic) != MOSQ_ERR_SUCCESS)
		return -EINVAL;
	if (strlen(payload) > MQTT_PAYLOAD_OUT_MAX)
		return -EMSGSIZE;
	for (i = 0; i < m->nret && r == NULL; i++)
		if (strcmp(m->ret[i].topic, topic) == 0)
			r = &m->ret[i];
	if (r == NULL && m->nret == MQTT_RETAINED_MAX)
		return -ENOSPC;
	if ((copy = strdup(payload)) == NULL)
		return -ENOMEM;
	if (r == NULL) {
		r = &m->ret[m->nret];
		if ((r->topic = strdup(topic)) == NULL) {
			free(copy);
			return -ENOMEM;
		}
		r->mid = 0;
		m->nret++;
	}
	free(r->payload);
	r->payload = copy;
	r->dirty = 1;
	return 0;
}

int
mqtt_subscribe(struct mqtt *m, const char *filter, int qos)
{
	struct mqtt_sub *s = NULL;
	int i;

	if (filter == NULL || qos < 0 || qos > 1 ||
	    mosquitto_sub_topic_check(filter) != MOSQ_ERR_SUCCESS)
		return -EINVAL;
	for (i = 0; i < m->nsub && s == NULL; i++)
		if (strcmp(m->sub[i].filter, filter) == 0)
			s = &m->sub[i];
	if (s == NULL) {
		if (m->nsub == MQTT_SUBS_MAX)
			return -ENOSPC;
		s = &m->sub[m->nsub];
		if ((s->filter = strdup(filter)) == NULL)
			return -ENOMEM;
		m->nsub++;
	}
	s->qos = qos;
	s->dirty = 1;
	return 0;
}

int
mqtt_unsubscribe(struct mqtt *m, const char *filter)
{
	char *copy = NULL;
	int i;

	for (i = 0; i < m->nsub; i++)
		if (strcmp(m->sub[i].filter, filter) == 0)
			break;
	if (i == m->nsub)
		return -ENOENT;
	/* An UNSUBSCRIBE for a filter the broker does not have yet is harmless. */
	if (m->state == MQTT_CONNECTED) {
		if (m->nunsub == 2 * MQTT_SUBS_MAX || (copy = strdup(filter)) == NULL)
			return -ENOMEM;
		m->unsub[m->nunsub++] = copy;
	}
	free(m->sub[i].filter);
	m->sub[i] = m->sub[--m->nsub];
	return 0;
}
