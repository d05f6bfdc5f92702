/*
 * report_gen: a district's year of proof of play for the report's bench
 * (tests/bench/report_speed.sh, figure 13), written into a collector's
 * database through the collector's own insert path (cbatch_store_one: the
 * record parsed, stored once, its gaps and the report's rollups updated in
 * the same transaction), so that the rollups are the ones the collector
 * would have made. Deterministic: the same arguments give the same records.
 *
 * Each station, each day: 18 scheduled plays of the week's six district
 * bulletins (four of them tagged), each a started and an end (finished,
 * or now and then interrupted; a missed or failed play has its end alone),
 * and 5 notes: about 41 records. Every station says it is online on the
 * first day; one station in fifty goes offline for a day now and then.
 *
 * Usage: report_gen DB STATIONS DAYS [SEED]   (the first day is 2026-01-01,
 * local time: run it with the TZ of the report)
 * Prints "report_gen records=R plays=P seconds=S" (the seconds it took).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/errlist.h"
#include "config/timeparse.h"
#include "daemon/collector/collect_batch.h"
#include "daemon/collector/collect_db.h"

#define PLAYS_A_DAY	18
#define NOTES_A_DAY	5

struct gen {
	struct cdb	*db;
	struct cdb_tally t;
	uint64_t	 rng;
	long		 records, plays;
	int64_t		*seq;		/* per station */
};

static uint32_t
gen_rand(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return (uint32_t)(g->rng >> 16);
}

static int
gen_put(struct gen *g, int station, const char *leaf, const char *json, time_t now)
{
	char topic[96];

	snprintf(topic, sizeof(topic), "loaxa/hon-quan/xa-%04d/%s", station, leaf);
	g->records += strcmp(leaf, "events") == 0;
	return cbatch_store_one(g->db, topic, json, strlen(json), now, &g->t);
}

static void
iso(time_t t, char *buf, size_t len)
{
	if (timeparse_format_iso(t, buf, len) < 0)
		snprintf(buf, len, "?");
}

/* The week's bulletin b (0..5): its sha256, title and tags. */
static void
bulletin(int week, int b, char *sha, size_t shalen, char *title, size_t tlen, const char **tags)
{
	static const char *const tagsets[] = { "[\"giam-ngheo\",\"du-an-6\"]", "[\"giam-ngheo\"]",
	    "[\"nong-thon-moi\"]", "[\"phong-chong-thien-tai\"]", NULL, NULL };

	snprintf(sha, shalen, "%056x%08x", week, b);
	snprintf(title, tlen, "Bản tin tuần %d số %d", week + 1, b + 1);
	*tags = tagsets[b];
}

/* One play of station s at instant at: its records. */
static int
gen_play(struct gen *g, int s, int day, int k, time_t at)
{
	char sha[72], title[64], when[TIMEPARSE_ISO_MAX], end_at[TIMEPARSE_ISO_MAX], json[1024];
	const char *tags, *end = "finished";
	uint32_t r = gen_rand(g) % 1000;
	double secs = 120 + gen_rand(g) % 240;
	int rc = 0;

	bulletin(day / 7, k % 6, sha, sizeof(sha), title, sizeof(title), &tags);
	iso(at, when, sizeof(when));
	if (r < 5)
		end = "missed";
	else if (r < 10)
		end = "failed";
	else if (r < 30)
		end = "interrupted", secs /= 3;
#define HEAD "{\"event\":\"%s\",\"play_id\":\"%d-%d-%d\",\"station\":\"xa-%04d\"," \
	"\"region\":\"hon-quan\",\"source\":\"schedule\",\"class\":\"normal\",\"title\":\"%s\"," \
	"\"slot\":\"Bản tin %d\",\"file\":\"tuan-%d-%d.opus\",\"sha256\":\"%s\"," \
	"\"scheduled_at\":\"%s\""
#define HEAD_ARGS(ev) ev, s, day, k, s, title, k + 1, day / 7 + 1, k % 6 + 1, sha, when
	if (r >= 10) {
		snprintf(json, sizeof(json), HEAD ",\"at\":\"%s\",\"seq\":%lld%s%s}",
		    HEAD_ARGS("started"), when, (long long)++g->seq[s], tags ? ",\"tags\":" : "",
		    tags ? tags : "");
		rc = gen_put(g, s, "events", json, at);
	}
	iso(r >= 10 ? at + (time_t)secs : at + 60, end_at, sizeof(end_at));
	if (rc == 0 && r >= 10)
		snprintf(json, sizeof(json), HEAD ",\"at\":\"%s\",\"seconds\":%.1f,\"seq\":%lld%s%s%s}",
		    HEAD_ARGS(end), end_at, secs, (long long)++g->seq[s],
		    strcmp(end, "interrupted") == 0 ? ",\"error\":\"an emergency alert cut in\"" : "",
		    tags ? ",\"tags\":" : "", tags ? tags : "");
	else if (rc == 0)
		snprintf(json, sizeof(json), HEAD ",\"at\":\"%s\",\"error\":\"%s\",\"seq\":%lld%s%s}",
		    HEAD_ARGS(end), end_at, r < 5 ? "the station was off at the slot's time" :
		    "the bulletin's file is damaged", (long long)++g->seq[s],
		    tags ? ",\"tags\":" : "", tags ? tags : "");
	if (rc == 0)
		rc = gen_put(g, s, "events", json, at);
	g->plays++;
	return rc;
}

static int
gen_notes(struct gen *g, int s, int day, time_t midnight)
{
	char json[256], when[TIMEPARSE_ISO_MAX];
	int i, rc = 0;

	for (i = 0; i < NOTES_A_DAY && rc == 0; i++) {
		iso(midnight + 3600 * (i + 1), when, sizeof(when));
		snprintf(json, sizeof(json), "{\"event\":\"schedule_armed\",\"id\":\"n-%d-%d-%d\","
		    "\"slots\":%d,\"at\":\"%s\",\"seq\":%lld}", s, day, i, PLAYS_A_DAY, when,
		    (long long)++g->seq[s]);
		rc = gen_put(g, s, "events", json, midnight);
	}
	return rc;
}

/* One station in fifty is offline one day in sixty: from 08:00 to the next 08:00. */
static int
gen_status(struct gen *g, int s, int day, time_t midnight)
{
	char json[160], when[TIMEPARSE_ISO_MAX];
	int rc = 0;

	if (day == 0 || (s % 50 == 7 && day % 60 == 30) || (s % 50 == 7 && day % 60 == 31)) {
		iso(midnight + (day == 0 ? 0 : 8 * 3600), when, sizeof(when));
		snprintf(json, sizeof(json), "{\"online\":%s,\"name\":\"Đài xã %d\",\"at\":\"%s\"}",
		    day == 0 || day % 60 == 31 ? "true" : "false", s, when);
		rc = gen_put(g, s, "status", json, midnight);
	}
	return rc;
}

static int
gen_day(struct gen *g, int stations, int day, time_t midnight)
{
	int s, k, rc = cdb_begin(g->db);

	for (s = 0; s < stations && rc == 0; s++) {
		rc = gen_status(g, s, day, midnight);
		for (k = 0; k < PLAYS_A_DAY && rc == 0; k++)
			rc = gen_play(g, s, day, k, midnight + 5 * 3600 + k * 3000 + s % 60);
		if (rc == 0)
			rc = gen_notes(g, s, day, midnight);
	}
	if (rc == 0)
		return cdb_commit(g->db);
	cdb_rollback(g->db);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sched_date d = { 2026, 1, 1 };
	struct gen g = { 0 };
	struct errlist errs;
	struct timespec t0, t1;
	long long day0 = timeparse_days_from_civil(2026, 1, 1);
	int stations, days, day;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: report_gen DB STATIONS DAYS [SEED]\n");
		return 2;
	}
	stations = atoi(argv[2]);
	days = atoi(argv[3]);
	g.rng = argc == 5 ? strtoull(argv[4], NULL, 10) | 1 : 88172645463325252ULL;
	errlist_init(&errs);
	if (stations < 1 || days < 1 || (g.seq = calloc((size_t)stations, sizeof(*g.seq))) == NULL ||
	    (g.db = cdb_open(argv[1], &errs)) == NULL) {
		errlist_print(&errs, "report_gen: ", stderr);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (day = 0; day < days; day++) {
		timeparse_civil_from_days(day0 + day, &d);
		if (gen_day(&g, stations, day, timeparse_mktime(&d, 0, 0, 0)) < 0) {
			fprintf(stderr, "report_gen: day %d failed\n", day + 1);
			return 1;
		}
		if ((day + 1) % 30 == 0)
			fprintf(stderr, "report_gen: %d days, %ld records\n", day + 1, g.records);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("report_gen records=%ld plays=%ld seconds=%.1f\n", g.records, g.plays,
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	cdb_close(g.db);
	free(g.seq);
	return 0;
}
