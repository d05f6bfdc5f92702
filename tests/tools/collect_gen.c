/*
 * collect_gen: many stations' proof of play, published at once, for the
 * collector's tests and benchmark: N stations, each with M records numbered
 * as a station numbers them (seq FIRST, FIRST + 1, ...: a play's started,
 * then its finished), interleaved across stations as 1,000 stations
 * flushing their outboxes after an outage would send them. Each record is a
 * QoS 1 message on loaxa/REGION/STATION/events, shaped like the station's
 * (daemon/proto/report.c), with tags. Waits for every PUBACK.
 *
 *   collect_gen -h HOST -p PORT [--cafile CA --cert CRT --key KEY] [-r REGION]
 *       [-n STATIONS] [-m RECORDS] [--first SEQ] [--skip SEQ[,SEQ...]] [--status]
 *       [--prefix NAME] [--log STATION FILE]
 *
 * --skip leaves those numbers out (for every station): gaps. --status first
 * publishes each station's retained online status. --log writes what one
 * station's own log would hold of those records (every number, the skipped
 * ones too), as `loaxactl log --json` prints it, and publishes nothing.
 * Prints "published N records in S s (R/s)".
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>

#define WINDOW	1000	/* messages awaiting their PUBACK */
#define SKIP_MAX	64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t acked_cond = PTHREAD_COND_INITIALIZER;
static long acked, connected = -1;

static void
on_publish(struct mosquitto *m, void *arg, int mid)
{
	(void)m;
	(void)arg;
	(void)mid;
	pthread_mutex_lock(&lock);
	acked++;
	pthread_cond_signal(&acked_cond);
	pthread_mutex_unlock(&lock);
}

static void
on_connect(struct mosquitto *m, void *arg, int rc)
{
	(void)m;
	(void)arg;
	pthread_mutex_lock(&lock);
	connected = rc == 0;
	pthread_cond_signal(&acked_cond);
	pthread_mutex_unlock(&lock);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
iso(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Record seq of station st as the station would send it. */
static int
record(char *buf, size_t len, const char *region, const char *st, long seq)
{
	long play = (seq + 1) / 2;
	int fin = seq % 2 == 0;
	time_t sched = 1795334400 + play * 600;	/* 2026-11-22, a play every 10 minutes */
	char at[32], sat[32];

	iso(sched + (fin ? 252 : 0), at, sizeof(at));
	iso(sched, sat, sizeof(sat));
	return snprintf(buf, len, "{\"event\":\"%s\",\"play_id\":\"%s-p%ld\",\"station\":\"%s\","
	    "\"region\":\"%s\",\"source\":\"schedule\",\"class\":\"normal\","
	    "\"title\":\"Chính sách hỗ trợ hộ nghèo số %ld\",\"slot\":\"Bản tin sáng\","
	    "\"file\":\"giam-ngheo-%ld.opus\",\"sha256\":\"5b1e0c2a9f4d6e0000000000000000000000000000"
	    "0000000000000000%06ld\",\"scheduled_at\":\"%s\",\"at\":\"%s\",\"seconds\":%s,"
	    "\"tags\":[\"giam-ngheo\",\"du-an-6\"],\"seq\":%ld}",
	    fin ? "finished" : "started", st, play, st, region, play % 7, play % 7, play % 7,
	    sat, at, fin ? "252.4" : "0", seq);
}

static int
skipped(const long *skip, int nskip, long seq)
{
	int i;

	for (i = 0; i < nskip; i++)
		if (skip[i] == seq)
			return 1;
	return 0;
}

/* --log: the records of one station, every number, as `loaxactl log --json` prints them. */
static int
write_log(const char *path, const char *region, const char *st, long first, long m)
{
	FILE *fp = fopen(path, "w");
	char buf[1024];
	long s;

	if (fp == NULL) {
		perror(path);
		return 1;
	}
	fprintf(fp, "{\"ok\":true,\"since\":\"2026-11-22T00:00:00+07:00\",\"records\":[");
	for (s = first; s < first + m; s++) {
		record(buf, sizeof(buf), region, st, s);
		fprintf(fp, "%s%s", s > first ? "," : "", buf);
	}
	fprintf(fp, "],\"truncated\":false,\"keep_days\":90}\n");
	return fclose(fp) == 0 ? 0 : 1;
}

static int
publish(struct mosquitto *mosq, const char *topic, const char *payload, int retain, long *sent)
{
	int rc;

	pthread_mutex_lock(&lock);
	while (*sent - acked >= WINDOW)
		pthread_cond_wait(&acked_cond, &lock);
	pthread_mutex_unlock(&lock);
	rc = mosquitto_publish(mosq, NULL, topic, (int)strlen(payload), payload, 1, retain);
	if (rc != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "collect_gen: publish: %s\n", mosquitto_strerror(rc));
		return -1;
	}
	++*sent;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cafile", required_argument, NULL, 'A' }, { "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' }, { "first", required_argument, NULL, 'f' },
		{ "skip", required_argument, NULL, 's' }, { "status", no_argument, NULL, 'S' },
		{ "prefix", required_argument, NULL, 'P' }, { "log", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 }
	};
	const char *host = "127.0.0.1", *region = "hon-quan", *ca = NULL, *cert = NULL,
	    *key = NULL, *prefix = "gen", *log_station = NULL;
	long n = 10, m = 10, first = 1, skip[SKIP_MAX], sent = 0, s, i;
	int port = 1883, c, nskip = 0, status = 0;
	char topic[256], buf[1024], st[128], *tok, *save;
	struct mosquitto *mosq;
	double t0;

	while ((c = getopt_long(argc, argv, "h:p:r:n:m:", opts, NULL)) != -1) {
		switch (c) {
		case 'h': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'r': region = optarg; break;
		case 'n': n = atol(optarg); break;
		case 'm': m = atol(optarg); break;
		case 'A': ca = optarg; break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case 'f': first = atol(optarg); break;
		case 'S': status = 1; break;
		case 'P': prefix = optarg; break;
		case 'L': log_station = optarg; break;
		case 's':
			for (tok = strtok_r(optarg, ",", &save); tok != NULL && nskip < SKIP_MAX;
			    tok = strtok_r(NULL, ",", &save))
				skip[nskip++] = atol(tok);
			break;
		default:
			fprintf(stderr, "usage: see the top of tests/tools/collect_gen.c\n");
			return 2;
		}
	}
	if (log_station != NULL)
		return optind < argc ? write_log(argv[optind], region, log_station, first, m) : 2;
	mosquitto_lib_init();
	if ((mosq = mosquitto_new(NULL, true, NULL)) == NULL)
		return 1;
	mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, WINDOW);
	mosquitto_publish_callback_set(mosq, on_publish);
	mosquitto_connect_callback_set(mosq, on_connect);
	if (ca != NULL && mosquitto_tls_set(mosq, ca, NULL, cert, key, NULL) != MOSQ_ERR_SUCCESS)
		return 1;
	if (mosquitto_connect(mosq, host, port, 60) != MOSQ_ERR_SUCCESS ||
	    mosquitto_loop_start(mosq) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "collect_gen: cannot connect to %s:%d\n", host, port);
		return 1;
	}
	pthread_mutex_lock(&lock);
	while (connected < 0)
		pthread_cond_wait(&acked_cond, &lock);
	pthread_mutex_unlock(&lock);
	if (connected != 1) {
		fprintf(stderr, "collect_gen: the broker refused the connection\n");
		return 1;
	}
	t0 = now_s();
	for (i = 0; status && i < n; i++) {
		snprintf(st, sizeof(st), "%s-%04ld", prefix, i + 1);
		snprintf(topic, sizeof(topic), "loaxa/%s/%s/status", region, st);
		iso(time(NULL), buf, sizeof(buf));
		snprintf(buf + 100, sizeof(buf) - 100, "{\"online\":true,\"station\":\"%s\","
		    "\"region\":\"%s\",\"name\":\"Đài %s\",\"at\":\"%.32s\"}", st, region, st, buf);
		if (publish(mosq, topic, buf + 100, 1, &sent) < 0)
			return 1;
	}
	for (s = first; s < first + m; s++) {
		if (skipped(skip, nskip, s))
			continue;
		for (i = 0; i < n; i++) {
			snprintf(st, sizeof(st), "%s-%04ld", prefix, i + 1);
			snprintf(topic, sizeof(topic), "loaxa/%s/%s/events", region, st);
			record(buf, sizeof(buf), region, st, s);
			if (publish(mosq, topic, buf, 0, &sent) < 0)
				return 1;
		}
	}
	pthread_mutex_lock(&lock);
	while (acked < sent)
		pthread_cond_wait(&acked_cond, &lock);
	pthread_mutex_unlock(&lock);
	printf("published %ld records in %.3f s (%.0f/s)\n", sent, now_s() - t0,
	    (double)sent / (now_s() - t0 > 0 ? now_s() - t0 : 1e-9));
	mosquitto_disconnect(mosq);
	mosquitto_loop_stop(mosq, false);
	mosquitto_destroy(mosq);
	mosquitto_lib_cleanup();
	return 0;
}
