/*
 * Home Assistant MQTT device discovery for the district's stations: the
 * topic and the payload the collector publishes, retained, for each station
 * of its region, so that a dashboard finds the stations by itself. Pure:
 * everything comes in as parameters, nothing is sent from here
 * (collect_announce.c decides when).
 *
 * One device per station (device-based discovery, Home Assistant 2024.11
 * and later), at homeassistant/device/<region>/<station>/config: the region
 * is the topic's node_id, which Home Assistant reads and does not use, and
 * which lets the broker's ACL give each district's collector its own region
 * only. Region and station ids are [a-z0-9-], inside the [a-zA-Z0-9_-] that
 * Home Assistant allows there. (Home Assistant removes a device discovered
 * with a node_id since April 2025, home-assistant/core#142784; it adds
 * one since 2024.11.) The entities read the station's own retained
 * status (loaxa/<region>/<station>/status) and, for the last result of a
 * play, its events: nothing but the station says what the station is.
 */
#ifndef LOAXA_COLLECT_DISCOVERY_H
#define LOAXA_COLLECT_DISCOVERY_H

#include <stddef.h>

/* Home Assistant's default discovery prefix, and its birth topic ("online" when it starts). */
#define CDISC_PREFIX		"homeassistant"
#define CDISC_HA_STATUS		CDISC_PREFIX "/status"
/* The longest topic: the prefix, "device", two ids of 63 and "config". */
#define CDISC_TOPIC_MAX		192

/* homeassistant/device/<region>/<station>/config into buf: 0, or -EINVAL (not ids, too long). */
int	 cdisc_topic(const char *region, const char *station, char *buf, size_t len);
/* The region's discovery topics, homeassistant/device/<region>/+/config, into buf: 0 or -EINVAL. */
int	 cdisc_filter(const char *region, char *buf, size_t len);
/* The station of one of region's discovery topics into station (len bytes): 0, or -EINVAL. */
int	 cdisc_topic_station(const char *topic, const char *region, char *station, size_t len);
/*
 * The discovery payload of station (named name, UTF-8; NULL: not known yet,
 * the id stands for it) of region, as compact JSON text to free(). NULL
 * when memory is short, the ids are not ids, or the name is not clean text
 * (UTF-8 without control characters).
 */
char	*cdisc_payload(const char *region, const char *station, const char *name);

#endif
