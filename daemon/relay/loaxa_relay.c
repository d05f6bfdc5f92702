/*
 * loaxa-relay: relays one Internet radio stream (Ogg Opus, Ogg Vorbis, MP3,
 * AAC over HTTP or HTTPS) as plain samples, in a process of its own, caged,
 * so that a stream made to break libcurl or FFmpeg breaks nothing else.
 * loaxad starts it for a relay slot or a live broadcast and reads it.
 *
 *   loaxa-relay [--rate HZ] [--channels N] [--stall SECONDS] [--ca FILE]... URL
 *
 * Standard output: signed 16-bit little-endian samples, interleaved, at
 * exactly --rate and --channels, as they are decoded; nothing else.
 * Standard error: one line per event, "connected\t<what, for people>" once
 * the first sound is decoded, "error\t<a sentence>" just before it exits on
 * a failure. Exit status: 0 when the server ended the stream, 1 after an
 * error line, 2 for a usage error. One connection per run: loaxad starts it
 * again, with a back-off, when it ends.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config/i18n.h"
#include "config/stream_url.h"
#include "daemon/core/file.h"
#include "daemon/core/sandbox.h"
#include "daemon/decoder/av_input.h"
#include "daemon/proto/decode_wire.h"
#include "daemon/relay/http_pull.h"

/* FFmpeg's tables, OpenSSL and the buffers fit well inside; AddressSanitizer's
 * shadow memory (the tests' sanitizer build) fits under no bound. */
#if defined(__SANITIZE_ADDRESS__)
#define MEMORY_MAX	0
#else
#define MEMORY_MAX	(256UL << 20)
#endif
#define CA_FILES_MAX	8
#define LINE_MAX_LEN	512

struct relay_args {
	int		 rate, channels;
	unsigned	 stall;
	char		*ca[CA_FILES_MAX];
	int		 nca;
	const char	*url;
};

/* One status line on stderr, in one write, with nothing in it that could break the line. */
static void
say(const char *what, const char *text)
{
	char line[LINE_MAX_LEN];
	int n = snprintf(line, sizeof(line) - 1, "%s\t%s", what, text), i;

	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	for (i = (int)strlen(what) + 1; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = ' ';
	line[n++] = '\n';
	(void)file_write_all(STDERR_FILENO, line, (size_t)n);
}

static int
fail(const char *why)
{
	say("error", why);
	return 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: loaxa-relay [--rate HZ] [--channels N] [--stall SECONDS] "
	    "[--ca FILE]... URL (started by loaxad)\n");
	return 2;
}

/* A whole number lo..hi, or -1. */
static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && v >= lo && v <= hi ? v : -1;
}

/* 0, or 2 (after saying what is wrong) for a usage error. */
static int
relay_args(int argc, char **argv, struct relay_args *a)
{
	char why[256];
	long v;
	int i;

	*a = (struct relay_args){ .rate = 48000, .channels = 1, .stall = 5 };
	for (i = 1; i < argc - 1; i += 2) {
		if (strcmp(argv[i], "--rate") == 0 && (v = number(argv[i + 1], 8000, 192000)) > 0)
			a->rate = (int)v;
		else if (strcmp(argv[i], "--channels") == 0 && (v = number(argv[i + 1], 1, 8)) > 0)
			a->channels = (int)v;
		else if (strcmp(argv[i], "--stall") == 0 && (v = number(argv[i + 1], 1, 3600)) > 0)
			a->stall = (unsigned)v;
		else if (strcmp(argv[i], "--ca") == 0 && a->nca < CA_FILES_MAX)
			a->ca[a->nca++] = argv[i + 1];
		else
			return usage();
	}
	if (i != argc - 1 || argv[i][0] == '-')
		return usage();
	a->url = argv[i];
	if (stream_url_check(a->url, why, sizeof(why)) < 0) {
		fprintf(stderr, "loaxa-relay: %s\n", why);
		return 2;
	}
	return 0;
}

/* "Ogg Opus, 48 kHz, stereo": what the stream is, in words people know. */
static void
describe(const struct av_input *in, char *out, size_t len)
{
	const char *format = av_input_format(in), *codec = av_input_codec(in);
	int ch = av_input_channels(in);
	char kind[64], rate[16], chans[32];

	if (strcmp(format, "ogg") == 0)
		snprintf(kind, sizeof(kind), "Ogg %s", strcmp(codec, "opus") == 0 ? "Opus" :
		    strcmp(codec, "vorbis") == 0 ? "Vorbis" : strcmp(codec, "flac") == 0 ? "FLAC" : codec);
	else if (strcmp(codec, "mp3") == 0 || strcmp(codec, "aac") == 0)
		snprintf(kind, sizeof(kind), "%s", strcmp(codec, "mp3") == 0 ? "MP3" : "AAC");
	else
		snprintf(kind, sizeof(kind), "%s", codec);
	snprintf(rate, sizeof(rate), "%g", av_input_rate(in) / 1000.0);
	if (ch <= 2)
		snprintf(chans, sizeof(chans), "%s", ch == 1 ? _("mono") : _("stereo"));
	else
		snprintf(chans, sizeof(chans), _("%d channels"), ch);
	snprintf(out, len, _("%s, %s kHz, %s"), kind, rate, chans);
}

/*
 * The demuxer of what the server says it sends, so that nothing is probed
 * (probing a raw MP3 stream joined in the middle takes seconds of it);
 * NULL when it does not say: then probed.
 */
static const char *
demuxer_of(const char *content_type)
{
	static const struct { const char *type, *demuxer; } types[] = {
		{ "audio/mpeg", "mp3" }, { "audio/mp3", "mp3" }, { "audio/mpeg3", "mp3" },
		{ "application/ogg", "ogg" }, { "audio/ogg", "ogg" }, { "audio/opus", "ogg" },
		{ "audio/vorbis", "ogg" }, { "audio/x-ogg", "ogg" }, { "application/x-ogg", "ogg" },
		{ "audio/aac", "aac" }, { "audio/aacp", "aac" }, { "audio/x-aac", "aac" },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(content_type, types[i].type) == 0)
			return types[i].demuxer;
	return NULL;
}

/* Why the stream could not be opened or read on: the network's reason first. */
static int
fail_decode(const struct http_pull *hp, int status)
{
	if (http_pull_error(hp) != NULL)
		return fail(http_pull_error(hp));
	if (http_pull_web_page(hp))
		return fail(_("the server sent a web page, not a stream; check the stream's address "
		    "(open it in a browser: a stream plays, it does not show a page)"));
	switch (status) {
	case DECODE_NOT_AUDIO:
		return fail(_("the server sent something that is not a stream loaxa can relay "
		    "(Ogg Opus, Ogg Vorbis, MP3 or AAC); check the stream's address"));
	case DECODE_UNSUPPORTED:
		return fail(_("the stream's sound is in a kind loaxa cannot relay (it relays Ogg "
		    "Opus, Ogg Vorbis, MP3 and AAC)"));
	case DECODE_NO_MEMORY:
		return fail(_("out of memory"));
	default:
		return fail(_("the stream's sound is damaged and cannot be decoded"));
	}
}

/* Decodes and writes until the stream ends: the exit status. */
static int
relay(struct http_pull *hp, const struct relay_args *a)
{
	const struct av_output out = { a->rate, a->channels, AV_SAMPLE_S16 };
	size_t frames = (size_t)a->rate / 10, frame_bytes = (size_t)a->channels * 2;
	struct av_input *in;
	int16_t *buf;
	char what[128];
	long n;
	int status, said = 0;

	if (http_pull_wait(hp) < 0)
		return fail(http_pull_error(hp));
	in = av_input_open_stream(http_pull_read, hp, AV_FORMATS_STREAM,
	    demuxer_of(http_pull_content_type(hp)), &out, &status);
	if (in == NULL)
		return fail_decode(hp, status);
	if ((buf = malloc(frames * frame_bytes)) == NULL) {
		av_input_free(in);
		return fail(_("out of memory"));
	}
	status = 0;
	while ((n = av_input_read(in, buf, frames)) > 0) {
		if (!said) {
			describe(in, what, sizeof(what));
			say("connected", what);
			said = 1;
		}
		if (file_write_all(STDOUT_FILENO, buf, (size_t)n * frame_bytes) < 0) {
			status = fail(_("the station stopped taking the sound"));
			break;
		}
	}
	if (n < 0)
		status = fail_decode(hp, (int)-n);
	else if (n == 0 && http_pull_error(hp) != NULL)
		status = fail(http_pull_error(hp));	/* FFmpeg takes a failed read for an end */
	else if (n == 0 && !said)
		status = fail(_("the server ended the stream before any sound came"));
	free(buf);
	av_input_free(in);
	return status;
}

/* The cage lets no file grow (RLIMIT_FSIZE 0): output into one would kill the relay. */
static int
outputs_are_pipes(void)
{
	struct stat st;
	int fd;

	for (fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			fprintf(stderr, "loaxa-relay: its standard output and error must be pipes, "
			    "not files (e.g. loaxa-relay URL 2>&1 | cat >FILE)\n");
			return 0;
		}
	return 1;
}

int
main(int argc, char **argv)
{
	/* No CPU bound: a relay lasts hours. The descriptors are ours by then (see below). */
	const struct sandbox_limits lim = { MEMORY_MAX, 0, -1, 1 };
	struct relay_args a;
	struct http_pull *hp;
	char why[512];
	int status;

	/* What loaxad left open is closed now; what is open at the cage is curl's own. */
	close_range(3, ~0U, 0);
	i18n_init();
	if ((status = relay_args(argc, argv, &a)) != 0)
		return status;
	if (!outputs_are_pipes())
		return 2;
	signal(SIGPIPE, SIG_IGN);
	/*
	 * What is read from a file at first use is read now, before the cage,
	 * which opens none: the catalogues at the first message (ours, and
	 * the C library's for strerror), the time zone at the first local
	 * time (OpenSSL's).
	 */
	(void)_("out of memory");
	(void)strerror(ENETUNREACH);
	tzset();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		_exit(fail(_("cannot start libcurl")));
	if ((hp = http_pull_new(a.url, a.ca, a.nca, a.stall, why, sizeof(why))) == NULL)
		_exit(fail(why));
	if (sandbox_enter(&lim) < 0)
		_exit(fail(_("cannot build the cage the relay runs in; nothing was received")));
	status = relay(hp, &a);
	http_pull_free(hp);
	/* Not exit(): handlers registered by libraries (a leak checker) may make calls the cage kills. */
	_exit(status);
}
