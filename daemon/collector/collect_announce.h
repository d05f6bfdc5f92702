/*
 * The collector announces its region's stations to dashboards: one Home
 * Assistant device discovery per station (collect_discovery.c), retained,
 * QoS 1, at homeassistant/device/<region>/<station>/config.
 *
 * Why the collector and not each station: one publisher with the
 * district's identity, so the stations' 3G links and firmware have no part
 * in it; the payload's format lives in one place; and only the district can
 * remove the device of a station it decommissioned, which a station cannot
 * do for itself.
 *
 * What it knows comes from the stations' retained statuses, which say
 * which stations there are (the collector gets them all when it starts,
 * then every change): a station's device is published when the station is
 * first heard of, when its name changes, once after each connection of the
 * collector (the broker may have lost it), and when Home Assistant says it
 * started (its birth, "online" on homeassistant/status); never on every
 * status. A station's retained status removed (an empty retained message:
 * `loaxa-district revoke --reload` does it) removes its device (an empty
 * retained message on its discovery topic), and it is not published again
 * unless the station reports again.
 *
 * A collector away when that happened may never hear of it: mosquitto 2.0
 * queues nothing more for a session that is away once the broker reloaded
 * (what revoke --reload does just before; eclipse-mosquitto/mosquitto#2934). So when it starts, the collector
 * also reads the discoveries retained under its region, which come after
 * the retained statuses (one SUBSCRIBE after the other), and removes those
 * whose station has no retained status any more.
 */
#ifndef LOAXA_COLLECT_ANNOUNCE_H
#define LOAXA_COLLECT_ANNOUNCE_H

#include <stddef.h>

#include "daemon/core/ev.h"

struct cann;
struct cmqtt;

/* NULL when memory is short. */
struct cann	*cann_new(const char *region);
void		 cann_free(struct cann *);	/* NULL is fine */
/* The client it publishes with (may be set after cann_new). */
void		 cann_set_mqtt(struct cann *, struct cmqtt *);
/* Publishes what is due, while connected, from the loop. */
void		 cann_source(struct cann *, struct ev_source *out);
/*
 * A message of the stations' topics, from on_message (inside libmosquitto:
 * it only notes what a status of the region says). 0, or -ENOMEM.
 */
int		 cann_heard(struct cann *, const char *topic, const void *payload, size_t len);
/* A message on Home Assistant's birth topic (CDISC_HA_STATUS), also from on_message. */
void		 cann_ha_status(struct cann *, const void *payload, size_t len);
/*
 * A retained discovery of the region (the collector's own, from before it
 * started), also from on_message: removed when its station is not there. 0,
 * or -ENOMEM.
 */
int		 cann_discovery_seen(struct cann *, const char *topic, size_t len);

#endif
