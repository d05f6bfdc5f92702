/*
 * Importing a station's own as-run log into the collector's database (see
 * collect_import.h). The file is read whole and checked before anything is
 * stored; then every record goes in one transaction, through
 * cdb_record_put() as if it had come over MQTT, marked via 'import'.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config/conf.h"
#include "config/i18n.h"
#include "config/readfile.h"
#include "daemon/core/clock.h"
#include "daemon/collector/collect_db.h"
#include "daemon/collector/collect_import.h"

#define CIMPORT_GAPS_SHOWN	10

/* The stations seen in the file, for the summary of their gaps. */
struct cimport_seen {
	char	(*ids)[CMSG_ID_MAX];
	size_t	 n, cap;
};

static int
seen_add(struct cimport_seen *s, const char *station)
{
	void *nv;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->ids[i], station) == 0)
			return 0;
	if (s->n == s->cap) {
		if ((nv = reallocarray(s->ids, s->cap ? s->cap * 2 : 8, CMSG_ID_MAX)) == NULL)
			return -ENOMEM;
		s->ids = nv;
		s->cap = s->cap ? s->cap * 2 : 8;
	}
	snprintf(s->ids[s->n++], CMSG_ID_MAX, "%s", station);
	return 0;
}

/* One record of the file. 0, -EINVAL after saying why (the import stops), or the database's error. */
static int
cimport_one(struct cdb *db, const char *region, const json_t *o, const char *path, size_t idx,
    struct cdb_tally *t, struct cimport_seen *seen)
{
	struct cmsg_record rec;
	char why[256], *text = json_dumps(o, JSON_COMPACT);
	int rc;

	if (text == NULL)
		return -ENOMEM;
	rc = cmsg_record_parse(text, strlen(text), &rec, why, sizeof(why));
	if (rc == 1) {
		snprintf(why, sizeof(why), _("an outbox_overflow report is not a record"));
		rc = -EINVAL;
	} else if (rc == 0 && (rec.station == NULL || rec.region == NULL ||
	    !conf_id_valid(rec.station))) {
		snprintf(why, sizeof(why), _("it does not say its station and region"));
		rc = -EINVAL;
	} else if (rc == 0 && strcmp(rec.region, region) != 0) {
		snprintf(why, sizeof(why), _("it is from region \"%s\", and this collector's is "
		    "\"%s\""), rec.region, region);
		rc = -EINVAL;
	}
	if (rc == 0 && (rc = seen_add(seen, rec.station)) == 0)
		rc = cdb_record_put(db, rec.region, rec.station, &rec, text, CDB_IMPORT,
		    clock_wall_now(), t);
	else if (rc == -EINVAL)
		fprintf(stderr, _("loaxa-collectd: %s: record %zu: %s; nothing was imported\n"), path,
		    idx + 1, why);
	cmsg_record_clear(&rec);	/* zeroed by a parse that failed: fine */
	free(text);
	return rc;
}

/* The records of one JSON text of the file: a reply's "records", an array, or a record. */
static int
cimport_value(struct cdb *db, const char *region, const json_t *v, const char *path,
    size_t *idx, struct cdb_tally *t, struct cimport_seen *seen)
{
	const json_t *list = json_is_object(v) && json_object_get(v, "records") != NULL ?
	    json_object_get(v, "records") : v, *r;
	size_t i;
	int rc;

	if (json_is_object(list))
		return cimport_one(db, region, list, path, (*idx)++, t, seen);
	if (!json_is_array(list)) {
		fprintf(stderr, _("loaxa-collectd: %s: not the output of 'loaxactl log --json' (nor "
		    "an array of records); nothing was imported\n"), path);
		return -EINVAL;
	}
	json_array_foreach(list, i, r)
		if ((rc = cimport_one(db, region, r, path, (*idx)++, t, seen)) < 0)
			return rc;
	return 0;
}

/* Every JSON text of the file in turn (pages of `loaxactl log --json` may be appended). */
static int
cimport_texts(struct cdb *db, const char *region, const char *path, const char *text,
    struct cdb_tally *t, struct cimport_seen *seen)
{
	size_t off = 0, len = strlen(text), idx = 0;
	json_error_t err;
	json_t *v;
	int rc, texts = 0;

	for (;;) {
		while (off < len && strchr(" \t\r\n", text[off]) != NULL)
			off++;
		if (off == len)
			break;
		v = json_loadb(text + off, len - off, JSON_DISABLE_EOF_CHECK, &err);
		if (v == NULL) {
			fprintf(stderr, _("loaxa-collectd: %s:%d: not JSON: %s; nothing was imported\n"),
			    path, err.line, err.text);
			return -EINVAL;
		}
		off += err.position;
		rc = cimport_value(db, region, v, path, &idx, t, seen);
		json_decref(v);
		if (rc < 0)
			return rc;
		texts++;
	}
	if (texts == 0) {
		fprintf(stderr, _("loaxa-collectd: %s: the file is empty; nothing was imported\n"), path);
		return -EINVAL;
	}
	return 0;
}

/* What is left missing of each station the file was about. */
static void
cimport_summary(struct cdb *db, const char *region, const struct cimport_seen *seen,
    FILE *out)
{
	struct cdb_gap g[CIMPORT_GAPS_SHOWN];
	size_t i, j, n;

	for (i = 0; i < seen->n; i++) {
		if (cdb_gaps(db, region, seen->ids[i], g, CIMPORT_GAPS_SHOWN, &n) < 0)
			continue;
		if (n == 0) {
			fprintf(out, _("  %s: no records missing\n"), seen->ids[i]);
			continue;
		}
		fprintf(out, _("  %s: still missing:"), seen->ids[i]);
		for (j = 0; j < n; j++)
			fprintf(out, g[j].first == g[j].last ? " %lld" : " %lld-%lld",
			    (long long)g[j].first, (long long)g[j].last);
		fprintf(out, n == CIMPORT_GAPS_SHOWN ? " ...\n" : "\n");
	}
}

int
cimport_file(struct cdb *db, const char *region, const char *path, FILE *out)
{
	struct cimport_seen seen = { 0 };
	struct cdb_tally t = { 0 };
	char *text = NULL;
	int rc;

	if ((rc = readfile_text(path, CIMPORT_MAX_BYTES, &text)) < 0) {
		fprintf(stderr, _("loaxa-collectd: cannot read %s: %s\n"), path, readfile_strerror(rc));
		return -1;
	}
	if ((rc = cdb_begin(db)) == 0 &&
	    (rc = cimport_texts(db, region, path, text, &t, &seen)) == 0)
		rc = cdb_commit(db);
	else
		cdb_rollback(db);
	free(text);
	if (rc < 0) {
		if (rc != -EINVAL)
			fprintf(stderr, _("loaxa-collectd: %s: the collector's database failed (%s); "
			    "nothing was imported\n"), path, strerror(-rc));
		free(seen.ids);
		return -1;
	}
	fprintf(out, _("%s: %ld records new to the collector (%ld of them filled gaps), %ld it had "
	    "already\n"), path, t.records, t.filled, t.duplicates);
	cimport_summary(db, region, &seen, out);
	free(seen.ids);
	return 0;
}
