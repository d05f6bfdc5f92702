/* A recording made a bulletin (see import.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codecs/limiter.h"
#include "codecs/loudness.h"
#include "codecs/opus_gain.h"
#include "codecs/opus_reader.h"
#include "codecs/opus_writer.h"
#include "config/i18n.h"
#include "daemon/core/file.h"
#include "daemon/loaxactl/decode_run.h"
#include "daemon/loaxactl/import.h"
#include "daemon/proto/decode_wire.h"

#define RATE		DECODE_RATE
#define CHUNK		4800		/* samples: 100 ms */
#define MIN_SECONDS	0.5
#define SILENT_LUFS	(-55.0)		/* quieter than any speech a microphone picked up */
#define CLIP_LEVEL	0.999f		/* |sample| at or above: at full level (a sine's crest is not) */
#define CLIP_RUN	3		/* that many in a row: cut off flat, not a peak */
#define CLIPPED_BADLY	0.001		/* 0.1 % of the recording: distortion people hear */
#define CLOSE_ENOUGH	0.5		/* LU from the target: what an encoding aims at */
#define KEEP_LU		1.0		/* LU from the target: Ogg Opus kept as it is */
#define KEEP_PEAK	1.0		/* dB over the peak limit an Ogg Opus kept may have: up to 0 dBTP, which cannot clip */
#define PEAK_MARGIN	1.0		/* dB the limiter keeps under the true-peak limit */
#define TRIES		4		/* encodings before the result is taken as it is */

struct import_ctx {
	const struct cfg_import	*o;
	const char		*title;		/* --title, or NULL */
	int			 in;		/* the recording */
	int			 opus;		/* 1: Ogg Opus, read by the station's reader */
	char			 proc[40];	/* /proc/self/fd/<in> */
	char			 format[32], codec[32];	/* loaxa-decode's names */
	char			 tag_title[256];
	int			 code, detail;	/* the first error */
};

/* Where the sound comes from: loaxa-decode, or the station's own Opus reader. */
struct source {
	int			 fd;
	struct opus_reader	*rd;
	struct decode_run	 dr;
	int			 running;
	int16_t			 s16[CHUNK];
};

/* What a pass over the recording found. */
struct pass {
	struct loudness_result	 loud;
	uint64_t		 clipped;
	int			 err;	/* 0, or an import error */
};

/* Errors of a recording, each with its sentence in import_why(). */
enum {
	IE_NOT_AUDIO = 1, IE_DAMAGED, IE_UNSUPPORTED, IE_EMPTY, IE_SILENT, IE_TOO_LONG,
	IE_TOO_SHORT, IE_NO_MEMORY, IE_NO_DECODER, IE_NO_SANDBOX, IE_DECODER_DIED, IE_ENCODE,
	IE_READ, IE_OPUS,
};

static void
import_why(int err, int detail, const struct cfg_import *o, char *why, size_t len)
{
	switch (err) {
	case IE_NOT_AUDIO:
		snprintf(why, len, "%s", _("it is not a recording loaxa can read; loaxa takes MP3, "
		    "WAV, FLAC, Ogg (Vorbis or Opus), M4A/AAC and AMR"));
		break;
	case IE_DAMAGED:
		snprintf(why, len, "%s", _("the recording is damaged and cannot be read to its end; "
		    "copy it again from the phone or computer it was made on"));
		break;
	case IE_UNSUPPORTED:
		snprintf(why, len, "%s", _("the sound in it is of a kind loaxa does not read; save "
		    "it again as MP3 or WAV"));
		break;
	case IE_EMPTY:
		snprintf(why, len, "%s", _("the file is empty; copy the recording again"));
		break;
	case IE_SILENT:
		snprintf(why, len, "%s", _("the recording is silent from beginning to end: check the "
		    "microphone and record it again"));
		break;
	case IE_TOO_LONG:
		snprintf(why, len, _("the recording is longer than a bulletin may be (%d min, "
		    "import.max_minutes in the configuration); split it into shorter "
		    "recordings"), o->max_minutes);
		break;
	case IE_TOO_SHORT:
		snprintf(why, len, "%s", _("the recording lasts less than half a second; record it "
		    "again"));
		break;
	case IE_NO_MEMORY:
		snprintf(why, len, "%s", _("out of memory"));
		break;
	case IE_NO_DECODER:
		snprintf(why, len, _("the decoder loaxa-decode cannot be started (%s); install "
		    "loaxa again"), strerror(detail));
		break;
	case IE_NO_SANDBOX:
		snprintf(why, len, "%s", _("the decoder loaxa-decode could not shut itself off from "
		    "the rest of the machine, so it read nothing; this machine's Linux may be too "
		    "old for it"));
		break;
	case IE_DECODER_DIED:
		snprintf(why, len, _("the decoder stopped on this recording (signal %d): it is "
		    "damaged, or made to do harm; copy it again from the phone or computer it was "
		    "made on"), detail);
		break;
	case IE_ENCODE:
		snprintf(why, len, _("it cannot be encoded to Opus: %s"), detail > 0 ?
		    strerror(detail) : opus_writer_strerror(detail));
		break;
	case IE_OPUS:
		snprintf(why, len, "%s", opus_reader_strerror(detail));
		break;
	default:
		snprintf(why, len, _("it cannot be read: %s"), strerror(detail));
		break;
	}
}

/* A DECODE_* exit status (or 128 + signal) as an import error. */
static int
import_decode_err(int status)
{
	switch (status) {
	case DECODE_NOT_AUDIO:		return IE_NOT_AUDIO;
	case DECODE_DAMAGED:		return IE_DAMAGED;
	case DECODE_UNSUPPORTED:	return IE_UNSUPPORTED;
	case DECODE_NO_MEMORY:		return IE_NO_MEMORY;
	case DECODE_NO_SANDBOX:		return IE_NO_SANDBOX;
	default:			return status > 128 ? IE_DECODER_DIED : IE_DAMAGED;
	}
}

static int
import_fail(struct import_ctx *c, int code, int detail)
{
	if (c->code == 0) {
		c->code = code;
		c->detail = detail;
	}
	return -1;
}

/* --- the sound, from either reader ------------------------------------------------------- */

static int
source_open(struct import_ctx *c, struct source *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if (c->opus) {
		if ((s->rd = opus_reader_open_file(c->proc, RATE, 1, &rc)) == NULL)
			return import_fail(c, IE_OPUS, rc);
		return 0;
	}
	if ((rc = decode_run_start(&s->dr, c->in)) < 0)
		return import_fail(c, IE_NO_DECODER, -rc);
	if (rc > 0)
		return import_fail(c, import_decode_err(rc), rc - 128);
	s->running = 1;
	snprintf(c->format, sizeof(c->format), "%s", s->dr.format);
	snprintf(c->codec, sizeof(c->codec), "%s", s->dr.codec);
	snprintf(c->tag_title, sizeof(c->tag_title), "%s", s->dr.title);
	return 0;
}

/* Up to CHUNK samples: how many, 0 at the end, -1 on an error (recorded). */
static long
source_read(struct import_ctx *c, struct source *s, float *out)
{
	long n, i;

	if (s->rd != NULL) {
		if ((n = opus_reader_read(s->rd, s->s16, CHUNK)) < 0)
			return import_fail(c, IE_OPUS, (int)n);
		for (i = 0; i < n; i++)
			out[i] = (float)s->s16[i] / 32768.0f;
		return n;
	}
	if ((n = decode_run_read(&s->dr, out, CHUNK)) < 0)
		return import_fail(c, IE_DAMAGED, 0);
	return n;
}

/* Closes it; early: before its end (the decoder is killed). 0, or -1 when it failed. */
static int
source_close(struct import_ctx *c, struct source *s, int early)
{
	int st;

	opus_reader_free(s->rd);
	s->rd = NULL;
	if (!s->running)
		return 0;
	s->running = 0;
	st = decode_run_finish(&s->dr, early);
	if (early || st == DECODE_OK)
		return 0;
	return import_fail(c, import_decode_err(st), st - 128);
}

/* --- measuring ---------------------------------------------------------------------------- */

/* Samples in runs of CLIP_RUN or more at full level; *run carries a run across chunks. */
static uint64_t
count_clipped(const float *x, long n, unsigned *run)
{
	uint64_t k = 0;
	long i;

	for (i = 0; i < n; i++) {
		if (fabsf(x[i]) < CLIP_LEVEL) {
			*run = 0;
			continue;
		}
		if (++*run == CLIP_RUN)
			k += CLIP_RUN;
		else if (*run > CLIP_RUN)
			k++;
	}
	return k;
}

/* The whole recording through once: its loudness, peaks, length and clipping. */
static int
pass_measure(struct import_ctx *c, struct pass *p)
{
	const uint64_t max = (uint64_t)c->o->max_minutes * 60 * RATE;
	static float buf[CHUNK];
	struct loudness *l;
	struct source s;
	uint64_t total = 0;
	unsigned run = 0;
	long n = 0;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if ((l = loudness_new(RATE)) == NULL)
		return import_fail(c, IE_NO_MEMORY, 0);
	if (source_open(c, &s) < 0) {
		loudness_free(l);
		return -1;
	}
	while (rc == 0 && (n = source_read(c, &s, buf)) > 0) {
		p->clipped += count_clipped(buf, n, &run);
		total += (uint64_t)n;
		if (loudness_add_float(l, buf, (size_t)n) < 0)
			rc = import_fail(c, IE_NO_MEMORY, 0);
		else if (total > max)
			rc = import_fail(c, IE_TOO_LONG, 0);
	}
	if (n < 0)
		rc = -1;
	if (source_close(c, &s, rc != 0) < 0)
		rc = -1;
	loudness_get(l, &p->loud);
	loudness_free(l);
	return rc;
}

/* The loudness of an Ogg Opus file as the station will play it. 0 or -1. */
static int
measure_opus(const char *path, struct loudness_result *out)
{
	static int16_t buf[CHUNK];
	struct opus_reader *rd;
	struct loudness *l;
	long n;
	int err;

	if ((rd = opus_reader_open_file(path, RATE, 1, &err)) == NULL)
		return -1;
	if ((l = loudness_new(RATE)) == NULL) {
		opus_reader_free(rd);
		return -1;
	}
	while ((n = opus_reader_read(rd, buf, CHUNK)) > 0)
		if (loudness_add_s16(l, buf, (size_t)n) < 0)
			break;
	loudness_get(l, out);
	loudness_free(l);
	opus_reader_free(rd);
	return n == 0 ? 0 : -1;
}

static void
result_path(struct import_result *r)
{
	snprintf(r->path, sizeof(r->path), "/proc/self/fd/%d", r->fd);
}

/* --- encoding ----------------------------------------------------------------------------- */

/* The same recording always gets the same stream serial, so the same bytes. */
static uint32_t
import_serial(int fd)
{
	uint64_t total;
	char hex[65];

	if (lseek(fd, 0, SEEK_SET) < 0 || file_copy_sha256(fd, -1, UINT64_MAX, &total, hex) < 0)
		return 0x6c6f6178;	/* "loax" */
	hex[8] = '\0';
	return (uint32_t)strtoul(hex, NULL, 16);
}

static int
encode_write(struct import_ctx *c, struct opus_writer *w, const float *x, size_t n)
{
	int rc;

	if (n > 0 && (rc = opus_writer_write(w, x, n)) != 0)
		return import_fail(c, IE_ENCODE, opus_writer_fd_errno(w) ? opus_writer_fd_errno(w) :
		    rc);
	return 0;
}

/* The recording through the gain and the limiter into Opus on out. *limited: samples brought down. */
static int
pass_encode(struct import_ctx *c, const struct opus_writer_opts *wo, double gain, double ceiling,
    int out, uint64_t *limited)
{
	static float in[CHUNK], lim[CHUNK];
	struct opus_writer *w = NULL;
	struct limiter *l;
	struct source s;
	long n = 0;
	int rc = 0, err;

	if ((l = limiter_new(RATE, gain, ceiling)) == NULL)
		return import_fail(c, IE_NO_MEMORY, 0);
	if ((w = opus_writer_new(out, wo, &err)) == NULL || source_open(c, &s) < 0) {
		if (w == NULL)
			import_fail(c, IE_ENCODE, err);
		limiter_free(l);
		opus_writer_free(w);
		return -1;
	}
	while (rc == 0 && (n = source_read(c, &s, in)) > 0)
		rc = encode_write(c, w, lim, limiter_run(l, in, lim, (size_t)n));
	if (rc == 0 && n == 0)
		rc = encode_write(c, w, lim, limiter_flush(l, lim));
	if (source_close(c, &s, rc != 0 || n < 0) < 0 || n < 0)
		rc = -1;
	if (rc == 0 && (err = opus_writer_finish(w)) != 0)
		rc = import_fail(c, IE_ENCODE, opus_writer_fd_errno(w) ? opus_writer_fd_errno(w) : err);
	*limited = limiter_touched(l);
	limiter_free(l);
	opus_writer_free(w);
	return rc;
}

static int
memfd_reset(int fd)
{
	return ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0 ? 0 : -errno;
}

/*
 * The next gain to try: the limiter takes loudness as the gain grows, so
 * the loudness moves less than the gain; the slope of the last two tries
 * says by how much (a secant step), bounded so that a noisy slope cannot
 * throw the gain far.
 */
static double
next_gain(double gain, double loud, double prev_gain, double prev_loud, double target)
{
	double slope = 1.0;

	if (!isnan(prev_gain) && fabs(gain - prev_gain) > 0.01)
		slope = fmin(1.0, fmax(0.2, (loud - prev_loud) / (gain - prev_gain)));
	return gain + fmax(-12.0, fmin(12.0, (target - loud) / slope));
}

/*
 * Encodes until the result is at the target (within CLOSE_ENOUGH) and under
 * the peak limit: the limiter takes a little loudness, and Opus moves the
 * peaks a little, so a further try corrects what the first missed.
 */
static int
encode_to_target(struct import_ctx *c, const struct pass *before, struct import_result *r)
{
	const double target = c->o->loudness, limit = c->o->true_peak;
	struct opus_writer_opts wo = { c->o->bitrate * 1000, import_serial(c->in), NULL };
	double gain = target - before->loud.integrated, ceiling = limit - PEAK_MARGIN;
	double prev_gain = NAN, prev_loud = NAN, g;
	uint64_t limited = 0;
	int i;

	wo.title = c->title != NULL ? c->title : c->tag_title[0] != '\0' ? c->tag_title : NULL;
	for (i = 0; i < TRIES; i++) {
		if (i > 0 && memfd_reset(r->fd) < 0)
			return import_fail(c, IE_ENCODE, errno);
		if (pass_encode(c, &wo, gain, ceiling, r->fd, &limited) < 0)
			return -1;
		if (measure_opus(r->path, &r->after) < 0)
			return import_fail(c, IE_ENCODE, EIO);
		r->gain = gain;
		if (fabs(r->after.integrated - target) <= CLOSE_ENOUGH && r->after.true_peak <= limit)
			break;
		if (r->after.true_peak > limit)
			ceiling -= r->after.true_peak - limit + 0.1;
		g = next_gain(gain, r->after.integrated, prev_gain, prev_loud, target);
		prev_gain = gain;
		prev_loud = r->after.integrated;
		gain = g;
	}
	r->how = IMPORT_ENCODED;
	r->limited = before->loud.samples > 0 ? (double)limited / (double)before->loud.samples : 0;
	return 0;
}

/* --- Ogg Opus: kept, or a new gain in its header ------------------------------------------- */

static int
import_gain_set(struct import_ctx *c, double gain, struct import_result *r)
{
	const double target = c->o->loudness;
	struct opus_gain_info gi;

	if (opus_gain_copy(c->in, r->fd, (int)lrint(gain * 256), &gi) < 0 ||
	    measure_opus(r->path, &r->after) < 0 || fabs(r->after.integrated - target) > 1.0 ||
	    r->after.true_peak > c->o->true_peak + 0.1)
		return -1;
	r->how = IMPORT_GAIN_SET;
	r->gain = gain;
	return 0;
}

/*
 * Ogg Opus at the target (within the 1 LU every bulletin is held to, and
 * peaks that still cannot clip) is sent as it is; one whose peaks leave room for
 * the gain gets it in its header; one that needs the limiter is encoded
 * again, which costs a generation of Opus but keeps the horns from distorting.
 */
static int
import_opus(struct import_ctx *c, const struct pass *before, struct import_result *r)
{
	double gain = c->o->loudness - before->loud.integrated;

	if (fabs(gain) <= KEEP_LU && before->loud.true_peak <= c->o->true_peak + KEEP_PEAK) {
		r->how = IMPORT_KEPT;
		r->after = before->loud;
		close(r->fd);
		if ((r->fd = fcntl(c->in, F_DUPFD_CLOEXEC, 0)) < 0)
			return import_fail(c, IE_NO_MEMORY, 0);
		result_path(r);
		return 0;
	}
	if (before->loud.true_peak + gain <= c->o->true_peak && import_gain_set(c, gain, r) == 0)
		return 0;
	if (memfd_reset(r->fd) < 0)
		return import_fail(c, IE_ENCODE, errno);
	return encode_to_target(c, before, r);
}

/* --- the whole ----------------------------------------------------------------------------- */

/* What it was, in words people know from their phone or computer. */
static void
import_kind(const struct import_ctx *c, char *out, size_t len)
{
	static const struct { const char *codec, *kind; } kinds[] = {
		{ "mp3", "MP3" }, { "mp2", "MP2" }, { "flac", "FLAC" }, { "vorbis", "Ogg Vorbis" },
		{ "aac", "M4A (AAC)" }, { "amr_nb", "AMR" }, { "amr_wb", "AMR-WB" },
		{ "alac", "M4A (ALAC)" }, { "opus", "Opus" },
	};
	size_t i;

	if (c->opus) {
		snprintf(out, len, "Ogg Opus");
		return;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(c->codec, kinds[i].codec) == 0) {
			snprintf(out, len, "%s", kinds[i].kind);
			return;
		}
	snprintf(out, len, strncmp(c->format, "wav", 3) == 0 || strcmp(c->format, "w64") == 0 ?
	    "WAV" : "%s", c->codec);
}

/* The recording's name, ending in .opus instead of its own extension. */
static void
import_name(const char *path, char *out, size_t len)
{
	const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	const char *dot = strrchr(base, '.');
	int n = dot != NULL && dot != base ? (int)(dot - base) : (int)strlen(base);

	snprintf(out, len, "%.*s.opus", n, base);
}

/* Opens the recording: a regular file that is not empty, and which reader takes it. */
static int
import_open(struct import_ctx *c, const char *path)
{
	struct opus_reader *rd;
	struct stat st;
	int err;

	if ((c->in = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return import_fail(c, IE_READ, errno);
	if (fstat(c->in, &st) < 0)
		return import_fail(c, IE_READ, errno);
	if (!S_ISREG(st.st_mode))
		return import_fail(c, IE_READ, S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
	if (st.st_size == 0)
		return import_fail(c, IE_EMPTY, 0);
	snprintf(c->proc, sizeof(c->proc), "/proc/self/fd/%d", c->in);
	if ((rd = opus_reader_open_file(c->proc, RATE, 1, &err)) != NULL) {
		opus_reader_free(rd);
		c->opus = 1;
		return 0;
	}
	/* Anything the station's reader calls "not Ogg" or "not Opus" is for loaxa-decode. */
	if (OPUS_READER_IS_NOTOGG(err) || OPUS_READER_IS_NOTOPUS(err))
		return 0;
	return import_fail(c, IE_OPUS, err);
}

static int
import_run(struct import_ctx *c, const char *path, struct import_result *r)
{
	struct opus_gain_info gi;
	struct pass before;

	if (import_open(c, path) < 0 || pass_measure(c, &before) < 0)
		return -1;
	r->before = before.loud;
	r->seconds = (double)before.loud.samples / RATE;
	r->clipped = before.loud.samples > 0 ? (double)before.clipped / (double)before.loud.samples : 0;
	if (before.loud.samples == 0)
		return import_fail(c, IE_EMPTY, 0);
	if (r->seconds < MIN_SECONDS)
		return import_fail(c, IE_TOO_SHORT, 0);
	if (!(before.loud.integrated >= SILENT_LUFS))
		return import_fail(c, IE_SILENT, 0);
	if (c->opus && opus_gain_copy(c->in, -1, 0, &gi) == 0)
		snprintf(c->tag_title, sizeof(c->tag_title), "%s", gi.title);
	import_kind(c, r->kind, sizeof(r->kind));
	import_name(path, r->name, sizeof(r->name));
	snprintf(r->title, sizeof(r->title), "%s", c->tag_title);
	if ((r->fd = memfd_create("loaxa-bulletin", MFD_CLOEXEC)) < 0)
		return import_fail(c, IE_NO_MEMORY, 0);
	result_path(r);
	if ((c->opus ? import_opus(c, &before, r) : encode_to_target(c, &before, r)) < 0)
		return -1;
	/* What reads it next (the daemon, a copy) starts at its beginning. */
	return lseek(r->fd, 0, SEEK_SET) < 0 ? import_fail(c, IE_READ, errno) : 0;
}

int
import_bulletin(const char *path, const struct cfg_import *o, const char *title,
    struct import_result *r, char *why, size_t len)
{
	struct import_ctx c = { .o = o, .title = title, .in = -1 };
	int rc;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	rc = import_run(&c, path, r);
	if (c.in >= 0)
		close(c.in);
	if (rc == 0)
		return 0;
	import_why(c.code, c.detail, o, why, len);
	import_close(r);
	return -1;
}

int
import_clipped_badly(const struct import_result *r)
{
	return r->clipped >= CLIPPED_BADLY;
}

void
import_print(FILE *f, const struct import_result *r, const char *indent)
{
	int min = (int)(r->seconds / 60), sec = (int)lrint(r->seconds - 60.0 * min);

	if (sec == 60) {
		min++;
		sec = 0;
	}
	fprintf(f, _("%s%s, %d:%02d long; loudness %.1f LUFS before, %.1f LUFS after"), indent,
	    r->kind, min, sec, r->before.integrated, r->after.integrated);
	if (r->how == IMPORT_KEPT)
		fprintf(f, "%s", _(", kept as it was"));
	else if (r->how == IMPORT_GAIN_SET)
		fprintf(f, _(", gain %+.1f dB set in its header"), r->gain);
	else
		fprintf(f, _(", gain %+.1f dB, encoded to Opus"), r->gain);
	fprintf(f, _("; peak %.1f dBTP\n"), r->after.true_peak);
	if (r->limited >= 0.0001)
		fprintf(f, _("%sThe loudest moments (%.2f%% of it) were brought down to keep the "
		    "loudspeakers from distorting.\n"), indent, 100 * r->limited);
	if (import_clipped_badly(r))
		fprintf(f, _("%sWarning: %.1f%% of the recording is clipped (cut off at full level), "
		    "so it will sound distorted. It was still prepared; if it sounds bad, record it "
		    "again further from the microphone.\n"), indent, 100 * r->clipped);
}

void
import_close(struct import_result *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}
