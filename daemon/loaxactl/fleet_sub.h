/*
 * What the broker keeps for a region, read once for 'loaxactl stations': a
 * blocking libmosquitto client that subscribes to every station's retained
 * status and the retained district schedule, and knows when it has them all.
 *
 * The broker sends a subscription's retained messages at once (mosquitto
 * 2.0: before its SUBACK), in order with everything else it sends this
 * client, as long as none has to wait for an earlier one's PUBACK; the
 * client says it takes 65,535 unacknowledged QoS 1 messages (MQTT v5
 * receive-maximum; libmosquitto's default of 20 would make the broker queue
 * the rest behind control packets, and drop them past its
 * max_queued_messages, 1,000 by default). So:
 *   - the statuses and the schedule are one SUBSCRIBE; a second one, to a
 *     topic of our own under loaxa/<region>/publish/, comes back with a
 *     SUBACK after every retained message of the first: the fence;
 *   - an identity that may write there (the district's publisher) also
 *     publishes to that topic and waits for its message to come back, as
 *     'loaxactl publish' does, which holds on any broker, queueing or not;
 *   - one that may not (the monitor) takes the fence, then waits until the
 *     broker has said nothing for quiet_ms, for a broker that queues after all.
 * No identity ever publishes where the ACL denies it: a refused probe would
 * be a line in the broker's log each time someone looks at the fleet.
 */
#ifndef LOAXA_FLEET_SUB_H
#define LOAXA_FLEET_SUB_H

#include <stddef.h>

#include "daemon/core/tls.h"

#define FLEET_SUB_QUIET_MS	250	/* the monitor: the broker silent this long after the fence */
#define FLEET_SUB_IDLE_MS	10000	/* no answer at all for this long: give up */

struct fleet_sub_opts {
	const char	*host;
	int		 port;
	const struct tls_files *tls;	/* NULL, or ca NULL: plain MQTT */
	const char	*region;
	int		 probe;		/* the identity may write loaxa/<region>/publish/# */
	int		 quiet_ms;	/* without the probe: silence after the fence that ends it */
	int		 idle_ms;	/* no progress for this long: -ETIMEDOUT */
};

/*
 * Called for each message on the region's status topics and schedule topic,
 * retained or new: topic, payload (len bytes, not NUL-terminated).
 */
typedef void (*fleet_sub_cb)(void *arg, const char *topic, const void *payload, size_t len);

/*
 * Connects, subscribes, hands every message to cb until all the retained
 * ones have come, disconnects. 0, or a negative errno with a sentence for
 * people in why: -EACCES the broker refused the connection or the
 * subscription to the statuses (a broker that checks subscriptions does;
 * mosquitto 2.0 grants it and then drops each status the identity may not
 * read, so the view is empty), -EPROTO TLS failed, -ETIMEDOUT no answer,
 * -ECONNREFUSED/-ECONNRESET or another -errno the network.
 */
int	fleet_sub_collect(const struct fleet_sub_opts *, fleet_sub_cb cb, void *arg,
	    char *why, size_t whylen);

#endif
