/*
 * The station's MQTT client: libmosquitto in external-loop mode as one source
 * of the event loop. It reconnects with back-off on its own, publishes the
 * caller's durable outbox (proof of play) at least once and in order, keeps
 * the latest retained value per status topic, and renews subscriptions after
 * every reconnect. The connection is mqtt.c's, what goes out over it
 * mqtt_out.c's. Nothing here waits on the network but mqtt_shutdown() at
 * exit: the broker's name is looked up in a thread (resolve.c), and when it
 * does not resolve, the client connects to the address of its last
 * successful connection.
 */
#ifndef LOAXA_MQTT_H
#define LOAXA_MQTT_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/core/ev.h"
#include "daemon/core/tls.h"

struct mqtt;

/*
 * The caller's durable outbox. The module never copies it: it asks next()
 * for what to send and reports the broker's PUBACKs through ack(). Sequence
 * numbers are positive and increase in the order the messages must arrive.
 */
struct mqtt_outbox {
	/*
	 * The first message with seq > after: 0 and the message (strings valid
	 * until the next call), -ENOENT when none. Another negative code is
	 * logged and publishing waits for the next mqtt_outbox_kick().
	 */
	int	(*next)(void *arg, int64_t after, int64_t *seq, const char **topic,
		    const char **payload);
	/*
	 * The broker acknowledged seq (PUBACK): the caller may delete it. Called
	 * from the loop, never from inside libmosquitto; it may call
	 * mqtt_outbox_kick(), mqtt_set_retained() and mqtt_subscribe().
	 */
	void	(*ack)(void *arg, int64_t seq);
	void	*arg;
};

struct mqtt_params {
	/*
	 * Name or address of the district's broker. A name is looked up at every
	 * attempt, and libmosquitto is handed the address found (see mqtt_connect()
	 * in mqtt.c about TLS); an address is used as it is.
	 */
	const char *host;
	int	 port;			/* 1..65535 */
	int	 keepalive;		/* seconds, 5..65535; also bounds a connection attempt */
	const char *client_id;		/* NULL: libmosquitto makes one up */
	/*
	 * TLS: the CA, the client's certificate and key (all three, or all NULL
	 * for plain MQTT). The broker's certificate must be valid for host. The
	 * files are read at the first attempt and again at each attempt until
	 * they can be used, so that a technician who fixes them needs no restart.
	 */
	struct tls_files tls;
	/* For brokers that take passwords: the user, and a file whose first line is the password. */
	const char *username;		/* NULL: none */
	const char *password_file;	/* NULL: none; read at each attempt */
	const char *will_topic;		/* may be NULL: no Last Will */
	const char *will_payload;	/* sent retained, QoS 1, if the link dies */
	size_t	 max_payload;		/* incoming messages larger than this are dropped; > 0 */
	/*
	 * An incoming message on a subscribed topic; payload is valid only during
	 * the call and is not NUL-terminated. May be NULL. It runs inside
	 * libmosquitto (mosquitto_loop_read()), so it may call only
	 * mqtt_set_retained(), mqtt_subscribe(), mqtt_unsubscribe() and
	 * mqtt_outbox_kick(), which record what to send and never call libmosquitto;
	 * nothing else of this module.
	 */
	void	(*on_message)(void *arg, const char *topic, const void *payload, size_t len);
	/* The connection came up (1, after CONNACK) or went down (0). May be NULL. */
	void	(*on_connect)(void *arg, int connected);
	void	*arg;
};

/*
 * A client for params (all strings are copied). It connects from the first
 * dispatch on, so add its source to the loop. NULL, with a log line, when a
 * parameter is out of range or memory is short.
 */
struct mqtt	*mqtt_new(const struct mqtt_params *);

/* Closes the connection without a DISCONNECT (the broker sends the will). NULL is a no-op. */
void		 mqtt_free(struct mqtt *);

/* Fills *out with the client's event-loop source, for ev_add(). */
void		 mqtt_source(struct mqtt *, struct ev_source *out);

/*
 * Sets the outbox to publish from (copied). While connected the module
 * publishes its messages in seq order, QoS 1, not retained, at most 16 awaiting
 * their PUBACK. After a reconnect it starts again from the oldest message not
 * acknowledged, so a message may arrive twice: the consumer deduplicates.
 */
void		 mqtt_set_outbox(struct mqtt *, const struct mqtt_outbox *);

/* New messages wait in the outbox. Cheap; never blocks. */
void		 mqtt_outbox_kick(struct mqtt *);

/*
 * Keeps payload as the retained value of topic and publishes it (QoS 1,
 * retained) when connected and again after every reconnect. Latest wins: a
 * value replaced before it went out is never sent, and at most one value per
 * topic awaits its PUBACK. At most 8 topics. Returns 0, -EINVAL (a topic
 * libmosquitto would refuse), -EMSGSIZE (payload over 64 KiB), -ENOSPC or
 * -ENOMEM.
 */
int		 mqtt_set_retained(struct mqtt *, const char *topic, const char *payload);

/*
 * Subscribes to topic_filter (wildcards allowed) with qos 0 or 1: the
 * SUBSCRIBE goes out at the loop's next turn if connected, and again after
 * every reconnect; a filter already there gets the new qos. Messages go to
 * params.on_message. QoS 2 is refused because the station's commands are
 * idempotent and it would need two more round trips on a 3G link. At most 8
 * filters. Returns 0, -EINVAL, -ENOSPC or -ENOMEM. May be called from
 * on_message.
 */
int		 mqtt_subscribe(struct mqtt *, const char *topic_filter, int qos);

/*
 * Forgets topic_filter (exactly as subscribed): it is not renewed after a
 * reconnect, and an UNSUBSCRIBE goes out at the loop's next turn if
 * connected. Messages the broker sent before it processed the UNSUBSCRIBE
 * may still arrive. May be called from on_message. Returns 0, -ENOENT (not
 * subscribed) or -ENOMEM (also when too many UNSUBSCRIBEs wait to go out).
 */
int		 mqtt_unsubscribe(struct mqtt *, const char *topic_filter);

/*
 * The publishes the broker refused since the start (MQTT v5 reason codes:
 * not authorized, quota exceeded, packet too large), and the last one as
 * "<reason>: <topic>" ("" when none). They are kept, not lost: see mqtt_int.h.
 */
long long	 mqtt_refusals(const struct mqtt *, const char **last);

/* 1 after the broker accepted the connection (CONNACK), until it is lost; else 0. */
int		 mqtt_connected(const struct mqtt *);

/*
 * A sentence for the status report: "connected to 127.0.0.1:1883",
 * "resolving broker.example", "connected to broker.example:1883 (10.0.0.5)",
 * "connected to broker.example:1883 at its last known address 10.0.0.5",
 * "reconnecting in 8 s: Connection refused". Valid until the next call.
 */
const char	*mqtt_state_text(const struct mqtt *);

/*
 * For main() at exit, after the loop has stopped: publishes payload retained
 * (QoS 1) to topic, the station's offline status, waits for its PUBACK, then
 * disconnects cleanly so the broker drops the will, all within timeout_ms. Runs
 * its own small poll loop; outbox acks that arrive meanwhile are still
 * reported, on_connect() is not called. Afterwards the client stays
 * disconnected and its source waits on nothing. Returns 0, -ENOTCONN at
 * once when not connected, -ETIMEDOUT, -EINVAL (bad topic), -EMSGSIZE
 * (payload over 64 KiB), -ECONNRESET (lost meanwhile) or poll()'s -errno.
 */
int		 mqtt_shutdown(struct mqtt *, const char *topic, const char *payload,
		    int timeout_ms);

#endif
