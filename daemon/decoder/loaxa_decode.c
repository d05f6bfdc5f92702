/*
 * loaxa-decode: turns one recording (WAV, MP3, FLAC, Vorbis, M4A/AAC, AMR...)
 * into the plain samples loaxactl measures and encodes, in a process of its
 * own, caged, so that a file made to break FFmpeg breaks nothing else.
 *
 * The recording is its standard input (a regular file, opened by the
 * parent); what it says goes to its standard output (daemon/proto/
 * decode_wire.h); its exit status says how it ended. It opens nothing
 * itself: the cage (daemon/core/sandbox.h) is closed before the first byte
 * of the file is read.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon/core/file.h"
#include "daemon/core/sandbox.h"
#include "daemon/decoder/av_input.h"
#include "daemon/proto/decode_wire.h"

#define CHUNK		4800		/* samples per write: 100 ms */
/* M4A indexes and FFmpeg's tables fit well inside; AddressSanitizer's
 * shadow memory (the tests' sanitizer build) fits under no bound. */
#if defined(__SANITIZE_ADDRESS__)
#define MEMORY_MAX	0
#else
#define MEMORY_MAX	(768UL << 20)
#endif
#define CPU_MAX		1800		/* seconds: an hour's MP3 takes well under a minute */

/* The first line (decode_wire.h). DECODE_OK or DECODE_BROKEN_PIPE. */
static int
say_what_it_is(const struct av_input *in)
{
	json_t *o = json_pack("{s:s, s:s, s:i, s:i}", "format", av_input_format(in),
	    "codec", av_input_codec(in), "rate", av_input_rate(in), "channels",
	    av_input_channels(in));
	const char *title = av_input_title(in);
	char line[DECODE_LINE_MAX];
	int len;

	if (o == NULL)
		return DECODE_NO_MEMORY;
	/* A title that is not UTF-8 is left out; the parent checks the rest. */
	if (title != NULL && strlen(title) < 1024)
		json_object_set_new(o, "title", json_string(title));
	/* Escaped, a title under 1 KiB takes at most 6 KiB: leave it out when it does not fit. */
	len = (int)json_dumpb(o, line, sizeof(line) - 1, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (len <= 0 || len >= (int)sizeof(line) - 1) {
		json_object_del(o, "title");
		len = (int)json_dumpb(o, line, sizeof(line) - 1, JSON_COMPACT);
	}
	json_decref(o);
	if (len <= 0 || len >= (int)sizeof(line) - 1)
		return DECODE_NO_MEMORY;
	line[len++] = '\n';
	return file_write_all(STDOUT_FILENO, line, (size_t)len) < 0 ? DECODE_BROKEN_PIPE : DECODE_OK;
}

static int
decode_all(struct av_input *in)
{
	static float buf[CHUNK];
	long n;

	while ((n = av_input_read(in, buf, CHUNK)) > 0)
		if (file_write_all(STDOUT_FILENO, buf, (size_t)n * sizeof(float)) < 0)
			return DECODE_BROKEN_PIPE;
	return n == 0 ? DECODE_OK : (int)-n;
}

int
main(int argc, char **argv)
{
	const struct sandbox_limits lim = { MEMORY_MAX, CPU_MAX, STDERR_FILENO, 0 };
	const struct av_output mono = { DECODE_RATE, 1, AV_SAMPLE_FLOAT };
	struct av_input *in;
	int status;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: loaxa-decode <RECORDING >SAMPLES (started by loaxactl)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (sandbox_enter(&lim) < 0)
		_exit(DECODE_NO_SANDBOX);
	if ((in = av_input_open(STDIN_FILENO, &mono, &status)) == NULL)
		_exit(status);
	if ((status = say_what_it_is(in)) == DECODE_OK)
		status = decode_all(in);
	av_input_free(in);
	/* Not exit(): handlers registered by libraries (a leak checker) may make calls the cage kills. */
	_exit(status);
}
