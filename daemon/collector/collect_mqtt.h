/*
 * The collector's MQTT client: a persistent session (clean start off, a
 * session that outlives the connection), QoS 1 subscriptions, and PUBACKs
 * that leave only once the caller has stored what they acknowledge.
 *
 * libmosquitto 2.0 answers an incoming QoS 1 PUBLISH before the program
 * sees it: handle__publish() (lib/handle_publish.c) calls send__puback()
 * and then on_message(), and send__puback() ends in packet__queue()
 * (lib/packet_mosq.c), which, for a client not in threaded mode and outside
 * a callback, writes the PUBACK to the socket at once. The broker could then
 * drop the message while the program had not yet stored it: a crash, a
 * power cut or a full disk in between would lose it for good. This client
 * tells libmosquitto it is threaded (mosquitto_threaded_set(), "the
 * application manages threads"): packet__queue() then only queues the
 * PUBACK, and nothing reaches the socket but through mosquitto_loop_write(),
 * which this client calls only when every message handed over so far has
 * been stored and said so with cmqtt_release(). Until then it does not even
 * ask poll() for POLLOUT. A PUBACK therefore never leaves before the commit
 * of its message; a message whose commit fails is never acknowledged: the
 * connection is dropped with its PUBACKs unsent (cmqtt_abandon()), and the
 * broker, which keeps the session, sends it again on the next connection.
 * tests/it_collector.sh kills the collector while a commit hangs in fsync
 * and checks that the message comes again, so a libmosquitto that changed
 * this would fail it.
 *
 * Like the station's client, each connection attempt gets a fresh
 * libmosquitto client (nothing of an old connection is sent on a new one),
 * the broker's name is looked up off the loop (resolve.c), and the loop
 * waits on deadlines, not on timers that tick.
 */
#ifndef LOAXA_COLLECT_MQTT_H
#define LOAXA_COLLECT_MQTT_H

#include <stddef.h>

#include "daemon/core/ev.h"
#include "daemon/core/tls.h"

#define CMQTT_FILTERS_MAX	4
/*
 * How many QoS 1 messages the broker may send before it waits for their
 * PUBACKs (MQTT v5 receive maximum): what one commit can take at most.
 */
#define CMQTT_RECEIVE_MAX	1024
/* The largest message taken: a station's largest report is far smaller; the broker's limit is 256 KiB. */
#define CMQTT_MAX_PAYLOAD	(256 * 1024)

struct cmqtt;

struct cmqtt_params {
	const char	*host;		/* a name or an address */
	int		 port;
	int		 keepalive;	/* seconds, 5..3600 */
	const char	*client_id;	/* required: the session's name (the identity's CN) */
	struct tls_files tls;		/* all three, or all NULL (plain MQTT, for a lab) */
	const char	*username;	/* NULL: none */
	const char	*password_file;	/* NULL: none; its first line, read at each attempt */
	const char	*filters[CMQTT_FILTERS_MAX];	/* subscribed with QoS 1 */
	int		 nfilters;
	unsigned	 session_expiry;	/* seconds the broker keeps the session while away */
	/*
	 * A message, in the order the broker sent it; payload is valid only
	 * during the call. Return 0 when it is taken: its PUBACK waits until
	 * cmqtt_release(). Return 1 when it is taken and there is nothing to
	 * store (Home Assistant's birth): its PUBACK need not wait. A negative
	 * return (out of memory) drops the connection without acknowledging
	 * anything not yet released. Runs inside libmosquitto: it may call
	 * nothing of this module.
	 */
	int	(*on_message)(void *arg, const char *topic, const void *payload, size_t len);
	void	*arg;
};

/* NULL, with a log line, when a parameter is wrong or memory is short. Connects from the first dispatch on. */
struct cmqtt	*cmqtt_new(const struct cmqtt_params *);
/* Closes without a word: nothing not released is acknowledged. NULL is fine. */
void		 cmqtt_free(struct cmqtt *);
void		 cmqtt_source(struct cmqtt *, struct ev_source *out);

/* Every message handed to on_message so far is stored for good: their PUBACKs may go. */
void		 cmqtt_release(struct cmqtt *);
/*
 * They could not be stored: the connection is dropped with their PUBACKs
 * unsent, and the next attempt waits its back-off; the broker sends them
 * again then. why is for the log.
 */
void		 cmqtt_abandon(struct cmqtt *, const char *why);
/* 1 between CONNACK and the loss of the connection. */
int		 cmqtt_connected(const struct cmqtt *);
/*
 * How many connections the broker has accepted since the start: a change
 * means a new connection (what was published on the old one may be lost).
 */
unsigned	 cmqtt_connections(const struct cmqtt *);
/* 1 while packets wait to go out to the broker (publishes, PUBACKs released or not). */
int		 cmqtt_writing(const struct cmqtt *);
/*
 * Queues a QoS 1 publish (retained when retain is 1), sent with what is
 * released. Not from inside on_message. A broker that refuses it (its ACL)
 * is logged. 0, -ENOTCONN, or another negative errno.
 */
int		 cmqtt_publish(struct cmqtt *, const char *topic, const void *payload, size_t len,
		    int retain);
/*
 * For main() at exit, after a last cmqtt_release(): sends what is released,
 * then DISCONNECT (the session stays on the broker), within timeout_ms.
 * 0, or a negative errno.
 */
int		 cmqtt_shutdown(struct cmqtt *, int timeout_ms);

#endif
