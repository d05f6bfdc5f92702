/*
 * Group commit for the collector (see collect_batch.h): messages are copied
 * in as libmosquitto reads them, and stored together when enough of them
 * wait or the first has waited CBATCH_DELAY_MS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/i18n.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "daemon/collector/collect_batch.h"
#include "daemon/collector/collect_mqtt.h"

struct cmsg_raw {
	char	*topic;
	char	*payload;	/* NUL-terminated copy */
	size_t	 len;
};

struct cbatch {
	struct cdb	*db;
	struct cmqtt	*mqtt;
	struct cmsg_raw	*v;
	size_t		 n, cap, bytes;
	int64_t		 first_ms;	/* when the first waiting message came */
	struct cdb_tally tally;
};

struct cbatch *
cbatch_new(struct cdb *db)
{
	struct cbatch *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->db = db;
	return b;
}

static void
cbatch_clear(struct cbatch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->v[i].topic);
		free(b->v[i].payload);
	}
	b->n = b->bytes = 0;
}

void
cbatch_free(struct cbatch *b)
{
	if (b == NULL)
		return;
	(void)cbatch_flush(b);
	cbatch_clear(b);
	free(b->v);
	free(b);
}

void
cbatch_set_mqtt(struct cbatch *b, struct cmqtt *m)
{
	b->mqtt = m;
}

const struct cdb_tally *
cbatch_tally(const struct cbatch *b)
{
	return &b->tally;
}

int
cbatch_take(void *arg, const char *topic, const void *payload, size_t len)
{
	struct cbatch *b = arg;
	struct cmsg_raw *nv, *m;
	size_t cap;

	if (b->n == b->cap) {
		cap = b->cap == 0 ? 64 : b->cap * 2;
		if ((nv = reallocarray(b->v, cap, sizeof(*nv))) == NULL)
			return -ENOMEM;
		b->v = nv;
		b->cap = cap;
	}
	m = &b->v[b->n];
	m->len = len;
	if ((m->topic = strdup(topic)) == NULL || (m->payload = malloc(len + 1)) == NULL) {
		free(m->topic);
		return -ENOMEM;
	}
	if (len > 0)
		memcpy(m->payload, payload, len);
	m->payload[len] = '\0';
	if (b->n++ == 0)
		b->first_ms = clock_mono_ms();
	b->bytes += len;
	return 0;
}

static int
cbatch_refuse(struct cdb *db, const char *topic, const char *payload, size_t len,
    const char *why, time_t now, struct cdb_tally *t)
{
	log_warnx(_("collector: a message on \"%s\" is kept aside: %s"), topic, why);
	return cdb_refused_put(db, topic, payload, len, why, now, t);
}

static int
cbatch_store_event(struct cdb *db, const char *topic, const char *region, const char *station,
    const char *payload, size_t len, time_t now, struct cdb_tally *t)
{
	struct cmsg_record rec;
	char why[256];
	int rc;

	if ((rc = cmsg_record_parse(payload, len, &rec, why, sizeof(why))) < 0)
		return rc == -ENOMEM ? rc : cbatch_refuse(db, topic, payload, len, why, now, t);
	if (rc == 1)
		rc = cdb_overflow_put(db, region, station, payload);
	else if (strlen(payload) != len)
		rc = cbatch_refuse(db, topic, payload, len, "it holds a NUL byte", now, t);
	else
		rc = cdb_record_put(db, region, station, &rec, payload, CDB_MQTT, now, t);
	cmsg_record_clear(&rec);
	return rc;
}

int
cbatch_store_one(struct cdb *db, const char *topic, const char *payload, size_t len, time_t now,
    struct cdb_tally *t)
{
	char region[CMSG_ID_MAX], station[CMSG_ID_MAX], why[256];
	struct cmsg_status st;
	enum cmsg_leaf leaf;
	int rc;

	if (cmsg_topic(topic, region, station, &leaf) < 0)
		return cbatch_refuse(db, topic, payload, len, "not a station's events or status",
		    now, t);
	if (leaf == CMSG_EVENTS)
		return cbatch_store_event(db, topic, region, station, payload, len, now, t);
	if ((rc = cmsg_status_parse(payload, len, &st, why, sizeof(why))) == -ENOENT)
		return 0;	/* a retained status removed: nothing to keep */
	if (rc < 0)
		return rc == -ENOMEM ? rc : cbatch_refuse(db, topic, payload, len, why, now, t);
	rc = cdb_status_put(db, region, station, &st, payload, now, t);
	cmsg_status_clear(&st);
	return rc;
}

int
cbatch_flush(struct cbatch *b)
{
	struct cdb_tally t = { 0 };
	time_t now = clock_wall_now();
	int64_t start = clock_mono_ms();
	size_t i;
	int rc;

	if (b->n == 0)
		return 0;
	rc = cdb_begin(b->db);
	for (i = 0; i < b->n && rc == 0; i++)
		rc = cbatch_store_one(b->db, b->v[i].topic, b->v[i].payload, b->v[i].len, now, &t);
	if (rc == 0)
		rc = cdb_commit(b->db);
	else
		cdb_rollback(b->db);
	if (rc < 0) {
		log_warnx(_("collector: could not store %zu messages (%s); they are not acknowledged "
		    "and will come again"), b->n, strerror(-rc));
		if (b->mqtt != NULL)
			cmqtt_abandon(b->mqtt, "the messages could not be stored");
		cbatch_clear(b);
		return rc;
	}
	log_debug("collector: stored %zu messages in %lld ms (%ld new records, %ld again)",
	    b->n, (long long)(clock_mono_ms() - start), t.records, t.duplicates);
	b->tally.records += t.records;
	b->tally.duplicates += t.duplicates;
	b->tally.filled += t.filled;
	b->tally.gaps += t.gaps;
	b->tally.transitions += t.transitions;
	b->tally.refused += t.refused;
	if (b->mqtt != NULL)
		cmqtt_release(b->mqtt);
	cbatch_clear(b);
	return 0;
}

static int
cbatch_due(const struct cbatch *b, int64_t now)
{
	return b->n > 0 && (b->n >= CBATCH_MAX || b->bytes >= CBATCH_MAX_BYTES ||
	    now >= b->first_ms + CBATCH_DELAY_MS);
}

static int
cbatch_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline)
{
	struct cbatch *b = arg;
	int64_t due;

	(void)pfd;
	(void)max;
	if (b->n == 0)
		return 0;
	due = b->n >= CBATCH_MAX || b->bytes >= CBATCH_MAX_BYTES ? 0 : b->first_ms + CBATCH_DELAY_MS;
	if (due < *deadline)
		*deadline = due;
	return 0;
}

static void
cbatch_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	struct cbatch *b = arg;

	(void)pfd;
	(void)n;
	if (cbatch_due(b, now))
		(void)cbatch_flush(b);
}

void
cbatch_source(struct cbatch *b, struct ev_source *out)
{
	*out = (struct ev_source){ "batch", cbatch_prepare, cbatch_dispatch, b };
}
