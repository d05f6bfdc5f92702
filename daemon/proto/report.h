/*
 * The reports the station sends: proof-of-play events and its status, as JSON.
 * Pure: everything comes in as parameters, nothing is sent from here.
 */
#ifndef LOAXA_REPORT_H
#define LOAXA_REPORT_H

#include <jansson.h>
#include <time.h>

#include "config/conf.h"
#include "daemon/proto/play.h"

#define LOAXA_VERSION	"0.1.0"

struct status_snapshot {
	const struct config	*cfg;
	int			 online;
	const struct play_item	*playing;	/* NULL when idle */
	time_t			 since;
	const char		*next_title;	/* NULL: no slot ahead */
	time_t			 next_at;
	long			 queue_length;
	time_t			 uptime;
	unsigned long		 xruns;
	const char		*audio_state;	/* "ok", "closed", "failed" */
	const char		*audio_error;	/* may be NULL */
	int			 realtime;	/* the playback thread has real-time priority */
	int			 mqtt_connected;
	const char		*mqtt_state;
	long long		 mqtt_refused;	/* publishes the broker refused */
	const char		*mqtt_last_refusal;
	json_t			*tls;		/* stolen; NULL: plain MQTT */
	size_t			 slots;
	time_t			 now;
	int			 muted;
	const char		*muted_by;
	time_t			 muted_since;
	time_t			 muted_until;	/* 0: until unmuted */
	json_t			*district;	/* stolen; NULL: none */
	json_t			*alerts;	/* stolen; NULL: none */
	json_t			*store;		/* stolen; NULL: nothing to say (a recovery) */
	json_t			*storage;	/* stolen; NULL: not measured yet */
	json_t			*outbox;	/* stolen; NULL: not measured yet */
	int			 clock_trusted;
	const char		*clock_why;
};

/* A new JSON string for t in ISO 8601 with the local offset, or JSON null for t <= 0. */
json_t	*report_time(time_t t);
json_t	*report_event(const struct config *cfg, const struct play_item *it,
	    const char *event, time_t at, double seconds, const char *error);
json_t	*report_status(const struct status_snapshot *);
/*
 * The details of an event as they will be sent: details itself, or, when it
 * could not be built (NULL: no memory, or text that was not UTF-8), a stand-in
 * that says so, after a loud log line naming who and event. A report is never
 * dropped silently. NULL only when even the stand-in cannot be made.
 */
json_t	*report_details(json_t *details, const char *who, const char *event);
/*
 * The retained payload left behind when the station is gone: its goodbye
 * when it stops (stopped: 1, at: when it stopped), or its Last Will (0, at:
 * when the will was handed to the broker, at connection; the broker
 * publishes it when the link is lost). "reason" tells the two apart.
 */
json_t	*report_offline(const struct config *cfg, time_t at, int stopped);
/* loaxa/<region>/<station>/<leaf> */
int	 report_topic(const struct config *cfg, const char *leaf, char *buf, size_t len);

#endif
