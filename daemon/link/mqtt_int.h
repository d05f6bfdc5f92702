/*
 * What the two halves of the MQTT client share: mqtt.c owns the connection
 * (libmosquitto, back-off, keep-alive, the event source, the goodbye at exit);
 * mqtt_out.c what goes out over it (outbox, retained values, subscriptions).
 * Not for use outside them.
 */
#ifndef LOAXA_MQTT_INT_H
#define LOAXA_MQTT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/core/resolve.h"
#include "daemon/link/mqtt.h"

#define MQTT_WINDOW		16	/* outbox messages awaiting their PUBACK */
#define MQTT_RETAINED_MAX	8
#define MQTT_SUBS_MAX		8
#define MQTT_PAYLOAD_OUT_MAX	(64 * 1024)
#define MQTT_HOST_MAX		RESOLVE_HOST_MAX
/* libmosquitto's own in-flight limit must not hold back the window. */
#define MQTT_SEND_MAX		(MQTT_WINDOW + MQTT_RETAINED_MAX + 8)
/* A packet's fixed header, topic and properties besides its payload: our topics are short. */
#define MQTT_PACKET_OVERHEAD	4096
#define MQTT_KEEPALIVE_REFUSED	1	/* libmosquitto refuses 1..4 s before connecting: see mqtt_connect() */
#define MQTT_BACKOFF_MIN_MS	1000
#define MQTT_BACKOFF_MAX_MS	60000
/*
 * How long a lookup of the broker's name may take before the attempt goes on
 * without it: glibc's own default (two tries of 5 s at one name server).
 */
#define MQTT_RESOLVE_MS		10000
/* Room for 'cannot resolve "<name>": <the resolver's sentence>', or a TLS file's problem. */
#define MQTT_REASON_MAX		(MQTT_HOST_MAX + RESOLVE_ERROR_MAX + TLS_WHY_MAX + 64)
/* Large enough for every sentence of mqtt_state_text(): nothing is cut. */
#define MQTT_TEXT_MAX		(MQTT_HOST_MAX + RESOLVE_ADDR_LEN + MQTT_REASON_MAX + 128)

enum mqtt_state {
	MQTT_IDLE,		/* the first attempt is due */
	MQTT_RESOLVING,		/* the broker's name is being looked up (resolve.c) */
	MQTT_CONNECTING,	/* the socket is open, no CONNACK yet */
	MQTT_CONNECTED,
	MQTT_WAITING,		/* back-off before the next attempt */
	MQTT_STOPPING,		/* inside mqtt_shutdown() */
	MQTT_STOPPED,
};

/*
 * A publish the broker refuses (MQTT v5 PUBACK reason code 0x80 and up: not
 * authorized, quota exceeded, ...) is kept: an outbox message stays in the
 * outbox, a retained value stays the latest. Both go again on the next
 * connection, or after this long on the same one, not at once: a broker that
 * refuses by rule would refuse a quick retry too.
 */
#define MQTT_REFUSED_RETRY_MS	(5 * 60 * 1000)
/* "<the broker's reason>: <topic>", as the status shows it. */
#define MQTT_REFUSAL_MAX	256
/* Our topics: loaxa/<region>/<station>/events, each id at most 63 bytes. */
#define MQTT_TOPIC_MAX		160
#define MQTT_PASSWORD_MAX	1024

struct mqtt_flight {		/* an outbox message awaiting its PUBACK */
	int	 mid;
	int64_t	 seq;
	int	 acked;
	int	 refused;	/* the PUBACK carried a refusal: not acked to the outbox */
	char	 topic[MQTT_TOPIC_MAX];	/* for the refusal's sentence */
};

struct mqtt_retained {
	char	*topic;
	char	*payload;
	int	 dirty;		/* payload has not been published on this connection */
	int	 mid;		/* the value awaiting its PUBACK, 0 when none */
	int	 refused;	/* the broker refused it: due again at the retry */
};

struct mqtt_sub {
	char	*filter;
	int	 qos;
	int	 dirty;		/* not yet sent on this connection */
};

struct mqtt {
	struct mosquitto *mosq;		/* NULL between connections */
	char	*host;			/* as configured: a name or an address */
	int	 port;
	/* The address when host is one (normalised), and never looked up; else "". */
	char	 literal[RESOLVE_ADDR_LEN];
	struct resolve *lookup;		/* while MQTT_RESOLVING */
	char	 addr[RESOLVE_ADDR_LEN];	/* where this attempt or connection goes; "" before */
	/* The address of the last connection the broker accepted: for when the name does not resolve. */
	char	 known[RESOLVE_ADDR_LEN];
	int	 on_known;		/* this attempt uses known because the name did not resolve */
	int	 nfailed;		/* attempts failed since the last CONNACK: where in a list to start */
	int	 dns_down;		/* the name stopped resolving; said once, until it resolves again */
	int	 keepalive;
	char	*tls_ca, *tls_cert, *tls_key;	/* NULL: plain MQTT */
	void	*tls_ctx;		/* tls.c's SSL_CTX, shared by every attempt; NULL until made */
	int	 tls_undated;		/* the clock is not trusted: certificates' dates unchecked */
	char	*username, *password_file;	/* NULL: none */
	char	*password;		/* read from password_file at each attempt */
	char	*client_id;
	char	*will_topic;
	char	*will_payload;
	size_t	 max_payload;
	void	(*on_message)(void *, const char *, const void *, size_t);
	void	(*on_connect)(void *, int);
	void	*arg;

	enum mqtt_state state;
	int64_t	 attempt_ms;		/* when the next attempt is due */
	int	 backoff_ms;
	int64_t	 in_ms, out_ms;		/* last traffic we know of, for keep-alive */
	char	 reason[MQTT_REASON_MAX];	/* why the last attempt or connection ended */
	char	 logged[MQTT_REASON_MAX];	/* the last reason logged as a warning */

	/* Set by libmosquitto's callbacks, acted on when its call returns. */
	int	 cb_connack;		/* 1 accepted, -1 refused */
	int	 cb_lost;
	int	 cb_rc;
	int	 cb_in_qos;		/* a QoS 1 message came in, so a PUBACK went out */
	char	 cb_error[MQTT_REASON_MAX];	/* libmosquitto's last error line (TLS) */

	long long refused;		/* publishes the broker refused since the start */
	char	 last_refusal[MQTT_REFUSAL_MAX];
	int64_t	 retry_ms;		/* when refused publishes go again; 0: none wait */

	struct mqtt_outbox outbox;
	int	 has_outbox;
	int	 kicked;		/* the outbox may hold messages not yet sent */
	int64_t	 sent_upto;		/* the last seq published on this connection */
	struct mqtt_flight flight[MQTT_WINDOW];
	int	 nflight;

	struct mqtt_retained ret[MQTT_RETAINED_MAX];
	int	 nret;
	struct mqtt_sub sub[MQTT_SUBS_MAX];
	int	 nsub;
	/* Filters to UNSUBSCRIBE on this connection; two rounds of the table at most. */
	char	*unsub[2 * MQTT_SUBS_MAX];
	int	 nunsub;

	int	 bye_mid;		/* mqtt_shutdown()'s offline status */
	int	 bye_acked;
	/* A pointer, so that mqtt_state_text() can fill it for a const client. */
	char	*text;
};

/* --- mqtt_out.c: called by mqtt.c's dispatch, on a live connection ------------------------- */

/* A new connection knows nothing: every subscription, value and message is due again. */
void	mqtt_out_restart(struct mqtt *);
/* Drops the UNSUBSCRIBEs not sent yet (a new session starts with no subscriptions). */
void	mqtt_unsub_clear(struct mqtt *);
/* Reports the PUBACKs of outbox messages to the outbox, in the order they were published. */
void	mqtt_ack_flights(struct mqtt *);
/* Sends what is due; each returns a MOSQ_ERR_* code. */
int	mqtt_flush_subs(struct mqtt *, int64_t now);
int	mqtt_flush_retained(struct mqtt *, int64_t now);
int	mqtt_pump(struct mqtt *, int64_t now);
/* 1 when something waits to be sent and could be now. */
int	mqtt_has_work(const struct mqtt *);
/* Counts a refusal, keeps its sentence, and schedules the retry. */
void	mqtt_refused(struct mqtt *, const char *why, const char *topic);
/* The retry is due: refused publishes go again. */
void	mqtt_retry_refused(struct mqtt *, int64_t now);

#endif
