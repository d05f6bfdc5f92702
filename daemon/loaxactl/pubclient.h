/*
 * The district office's MQTT client, shared by 'loaxactl publish' and
 * 'loaxactl alert': a plain blocking libmosquitto client, enough for a
 * command (the station's own client lives in the event loop, daemon/link).
 *
 * Every message it publishes is QoS 1 and retained. At most PUBCLIENT_WINDOW
 * of them await their PUBACK at a time, and every wait gives up after
 * PUBCLIENT_IDLE_MS without progress (no CONNACK, no PUBACK, no probe back),
 * so a dead broker or link ends the command instead of hanging it.
 *
 * The order of the calls:
 *	c = pubclient_new();
 *	pubclient_connect(c, host, port, tls);
 *	pubclient_probe_retained(c, region, topic, max);	(optional)
 *	pubclient_send_file(c, ...) ...				(the bulletins' chunks)
 *	pubclient_publish_last(c, topic, text);			(the signed message)
 *	pubclient_free(c);
 *
 * Results are 0 or a negative errno: -ETIMEDOUT after the idle timeout,
 * -EACCES when the broker refused the connection, -EPERM when it refused a
 * message (MQTT v5: not authorized for the topic, say), -EPROTO when TLS
 * failed (pubclient_strerror says why, for all three), -ECONNREFUSED/
 * -ECONNRESET when libmosquitto failed without an errno.
 */
#ifndef LOAXA_PUBCLIENT_H
#define LOAXA_PUBCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/core/tls.h"

#define PUBCLIENT_WINDOW	8	/* messages awaiting their PUBACK */
#define PUBCLIENT_IDLE_MS	30000	/* no progress for this long: give up */

struct pubclient;

/* A client not yet connected (libmosquitto initialised), or NULL when out of memory. */
struct pubclient *pubclient_new(void);
/* Disconnects, frees and cleans libmosquitto up. NULL is a no-op. */
void	pubclient_free(struct pubclient *);

/*
 * Connects and waits for the broker's CONNACK: over TLS when tls names the
 * files (NULL, or tls->ca NULL: plain MQTT). 0, -EACCES when the broker
 * refused, -EPROTO when TLS failed (pubclient_strerror says why), or -errno.
 */
int	pubclient_connect(struct pubclient *, const char *host, int port,
	    const struct tls_files *tls);
/*
 * Reads what is retained at topic now: subscribes to it and to a probe topic
 * of our own (loaxa/<region>/publish/<random>), publishes to the probe and
 * waits until the probe comes back. The broker answers in order, so by then
 * the retained message, if any, came first. A retained message larger than
 * max bytes is ignored. 0 or -errno.
 */
int	pubclient_probe_retained(struct pubclient *, const char *region, const char *topic,
	    size_t max);
/*
 * The message the probe found (NUL-terminated after len bytes, so that a text
 * can be read as a string), or NULL when nothing was retained at the topic.
 */
const char *pubclient_retained(const struct pubclient *, size_t *len);

/*
 * Publishes len bytes to topic, QoS 1 and retained, once fewer than
 * PUBCLIENT_WINDOW messages await their PUBACK; does not wait for this one's.
 */
int	pubclient_publish(struct pubclient *, const char *topic, const void *buf, size_t len);
/* Waits until every message published has its PUBACK. 0 or -errno. */
int	pubclient_wait_acked(struct pubclient *);
/*
 * Publishes a bulletin as chunks of chunk bytes to loaxa/<region>/audio/
 * <sha256>/<index>, reading size bytes of file a chunk at a time. -EIO when
 * the file became shorter since it was measured.
 */
int	pubclient_send_file(struct pubclient *, const char *region, const char *file,
	    const char *sha256, uint64_t size, size_t chunk);
/*
 * Publishes the signed text (a manifest, an alert, a cancellation) that makes
 * the stations act, and waits for its PUBACK. It goes out only once every
 * message before it has its PUBACK: a station that sees it can fetch every
 * chunk it names.
 */
int	pubclient_publish_last(struct pubclient *, const char *topic, const char *text);

/* What the person at the district office can do about err, a result above. */
const char *pubclient_advice(int err);
/* err (a result above) as words for people; -EACCES gives the broker's reason. */
const char *pubclient_strerror(const struct pubclient *, int err);

#endif
