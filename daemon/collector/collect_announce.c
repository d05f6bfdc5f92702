/*
 * The stations announced to dashboards (see collect_announce.h): what each
 * retained status says about the station's name and whether it is still
 * there, and the discovery messages due because of it, published from the
 * loop while the collector is connected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "daemon/core/log.h"
#include "daemon/collector/collect_announce.h"
#include "daemon/collector/collect_discovery.h"
#include "daemon/collector/collect_mqtt.h"
#include "daemon/collector/collect_msg.h"

/*
 * Discovery messages queued at a time, and only once what was queued before
 * has gone out: a whole region's (some 5 KiB a station) never waits in
 * memory at once, and the stations' records go on meanwhile.
 */
#define CANN_BURST	32

struct cann_station {
	char	 id[CMSG_ID_MAX];
	char	*name;		/* from its status; NULL: not said yet (a Last Will says none) */
	int	 gone;		/* its retained status was removed: its device is removed */
	int	 told;		/* the removal is logged (once, not at each reconnection) */
	int	 due;		/* its discovery (or its removal) is to be published */
};

struct cann {
	char		 region[CMSG_ID_MAX];
	struct cmqtt	*mqtt;
	struct cann_station *v;
	size_t		 n, cap;
	size_t		 ndue;		/* how many are due */
	unsigned	 connection;	/* the connection everything was published on */
};

struct cann *
cann_new(const char *region)
{
	struct cann *a = calloc(1, sizeof(*a));

	if (a != NULL)
		snprintf(a->region, sizeof(a->region), "%s", region);
	return a;
}

void
cann_free(struct cann *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		free(a->v[i].name);
	free(a->v);
	free(a);
}

void
cann_set_mqtt(struct cann *a, struct cmqtt *m)
{
	a->mqtt = m;
}

static void
cann_mark(struct cann *a, struct cann_station *s)
{
	if (!s->due)
		a->ndue++;
	s->due = 1;
}

static void
cann_mark_all(struct cann *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		cann_mark(a, &a->v[i]);
}

/* The station's entry, made (due) when it is first heard of; NULL when memory is short. */
static struct cann_station *
cann_station(struct cann *a, const char *id)
{
	struct cann_station *nv, *s;
	size_t i, cap;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].id, id) == 0)
			return &a->v[i];
	if (a->n == a->cap) {
		cap = a->cap == 0 ? 64 : a->cap * 2;
		if ((nv = reallocarray(a->v, cap, sizeof(*nv))) == NULL)
			return NULL;
		a->v = nv;
		a->cap = cap;
	}
	s = &a->v[a->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	cann_mark(a, s);
	return s;
}

/*
 * What a status says of the station: -ENOENT when it is gone (the retained
 * status removed), -EINVAL when it is not a status (the collector keeps it
 * aside), else 0 and its name when it gives a clean one (*name to free;
 * NULL: the id stands for it).
 */
static int
cann_status_read(const void *payload, size_t len, char **name)
{
	struct cmsg_status st;
	char why[128];
	int rc;

	*name = NULL;
	if ((rc = cmsg_status_parse(payload, len, &st, why, sizeof(why))) < 0)
		return rc;
	if (st.name != NULL && conf_text_clean(st.name) && (*name = strdup(st.name)) == NULL)
		rc = -ENOMEM;
	cmsg_status_clear(&st);
	return rc;
}

int
cann_heard(struct cann *a, const char *topic, const void *payload, size_t len)
{
	char region[CMSG_ID_MAX], id[CMSG_ID_MAX], *name;
	struct cann_station *s;
	enum cmsg_leaf leaf;
	int rc;

	if (cmsg_topic(topic, region, id, &leaf) < 0 || leaf != CMSG_STATUS ||
	    strcmp(region, a->region) != 0)
		return 0;
	if ((rc = cann_status_read(payload, len, &name)) == -EINVAL)
		return 0;
	if (rc == -ENOMEM || (s = cann_station(a, id)) == NULL) {
		free(name);
		return -ENOMEM;
	}
	if (rc == -ENOENT) {
		if (!s->gone)
			cann_mark(a, s);
		s->gone = 1;
		return 0;
	}
	if (s->gone)
		cann_mark(a, s);
	s->gone = s->told = 0;
	if (name != NULL && (s->name == NULL || strcmp(s->name, name) != 0)) {
		free(s->name);
		s->name = name;
		cann_mark(a, s);
		return 0;
	}
	free(name);
	return 0;
}

int
cann_discovery_seen(struct cann *a, const char *topic, size_t len)
{
	char id[CMSG_ID_MAX];
	struct cann_station *s;
	size_t known = a->n;

	if (len == 0 || cdisc_topic_station(topic, a->region, id, sizeof(id)) < 0)
		return 0;
	if ((s = cann_station(a, id)) == NULL)
		return -ENOMEM;
	/* No retained status came before it: the station is gone. */
	if (a->n > known || s->gone) {
		s->gone = 1;
		cann_mark(a, s);
	}
	return 0;
}

void
cann_ha_status(struct cann *a, const void *payload, size_t len)
{
	/* Home Assistant's default birth; its Last Will says "offline". */
	if (len == 6 && memcmp(payload, "online", 6) == 0) {
		log_info(_("collector: Home Assistant started: the stations' discovery goes again"));
		cann_mark_all(a);
	}
}

/* One station's discovery, or its removal. 0, or a negative errno (not connected: try later). */
static int
cann_publish(struct cann *a, struct cann_station *s)
{
	char topic[CDISC_TOPIC_MAX], *text;
	int rc;

	if (cdisc_topic(a->region, s->id, topic, sizeof(topic)) < 0)
		return 0;	/* not an id: cmsg_topic() let none in */
	if (s->gone) {
		rc = cmqtt_publish(a->mqtt, topic, "", 0, 1);
		if (rc == 0 && !s->told) {
			s->told = 1;
			log_info(_("collector: %s is gone (its retained status was removed): its "
			    "dashboard device is removed (%s)"), s->id, topic);
		}
		return rc;
	}
	if ((text = cdisc_payload(a->region, s->id, s->name)) == NULL)
		return -ENOMEM;
	rc = cmqtt_publish(a->mqtt, topic, text, strlen(text), 1);
	free(text);
	return rc;
}

/* Something is due, and the client can take it now. */
static int
cann_work(const struct cann *a)
{
	return a->mqtt != NULL && cmqtt_connected(a->mqtt) && !cmqtt_writing(a->mqtt) &&
	    (a->ndue > 0 || cmqtt_connections(a->mqtt) != a->connection);
}

static int
cann_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline)
{
	struct cann *a = arg;

	(void)pfd;
	(void)max;
	if (cann_work(a))
		*deadline = 0;
	return 0;
}

static void
cann_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct cann *a = arg;
	size_t i, sent = 0;
	int rc;

	(void)pfd;
	(void)n;
	(void)now;
	if (!cann_work(a))
		return;
	/* A new connection: what went on the old one may not have reached the broker. */
	if (cmqtt_connections(a->mqtt) != a->connection) {
		a->connection = cmqtt_connections(a->mqtt);
		cann_mark_all(a);
	}
	for (i = 0; i < a->n && a->ndue > 0 && sent < CANN_BURST; i++) {
		if (!a->v[i].due)
			continue;
		if ((rc = cann_publish(a, &a->v[i])) == -ENOTCONN)
			return;
		if (rc < 0)
			log_warnx(_("collector: cannot publish the dashboard discovery of %s: %s"),
			    a->v[i].id, strerror(-rc));
		a->v[i].due = 0;
		a->ndue--;
		sent++;
	}
	if (sent > 0)
		log_debug("collector: published the dashboard discovery of %zu stations", sent);
}

void
cann_source(struct cann *a, struct ev_source *out)
{
	*out = (struct ev_source){ "announce", cann_prepare, cann_dispatch, a };
}
