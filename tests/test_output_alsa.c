/*
 * Tests for the ALSA output with the real alsa-lib and no sound card: the
 * "file" plugin records exactly what was played, "null" swallows it, and the
 * virtual card (tests/vcard/) plays it in real time, like hardware.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <alsa/asoundlib.h>

#include "daemon/audio/output.h"
#include "daemon/core/clock.h"
#include "daemon/core/ev.h"
#include "tests/t.h"

#define FEED_TIMEOUT_MS	30000	/* only against a hang; nothing is timed by it */

static char topdir[64];		/* mkdtemp */
static char vndir[PATH_MAX];	/* topdir/bản tin: names people really use */
/* The virtual card's plugin (next to this program), its event log and capture. */
static char vcard_so[PATH_MAX], vcard_log[PATH_MAX + 32], vcard_raw[PATH_MAX + 32];

/* A different tone on each channel, with both extremes early to catch byte order. */
static int16_t *
make_signal(unsigned rate, unsigned channels, size_t frames)
{
	int16_t *s = malloc(frames * channels * sizeof(*s));
	size_t i;
	unsigned c;

	if (s == NULL)
		return NULL;
	for (i = 0; i < frames; i++)
		for (c = 0; c < channels; c++)
			s[i * channels + c] = (int16_t)lrint(12000.0 *
			    sin(2.0 * M_PI * 440.0 * (c + 1) * (double)i / rate));
	if (frames * channels >= 4) {
		s[1] = INT16_MAX;
		s[2] = INT16_MIN;
		s[3] = 0x0102;
	}
	return s;
}

/* Reads a whole file; NULL if it cannot. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, fp);
		if (*len != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(fp);
	return buf;
}

/* True when the file holds exactly these samples, as S16_LE. */
static int
file_holds(const char *path, const int16_t *s, size_t samples)
{
	size_t len = 0, i;
	unsigned char *b = slurp(path, &len);
	int same;

	if (b == NULL) {
		fprintf(stderr, "  cannot read %s\n", path);
		return 0;
	}
	same = len == samples * 2;
	if (!same)
		fprintf(stderr, "  %s: %zu bytes, expected %zu\n", path, len,
		    samples * 2);
	for (i = 0; same && i < samples; i++) {
		int16_t v = (int16_t)(uint16_t)(b[2 * i] | b[2 * i + 1] << 8);

		if (v != s[i]) {
			fprintf(stderr, "  %s: sample %zu is %d, expected %d\n",
			    path, i, v, s[i]);
			same = 0;
		}
	}
	free(b);
	return same;
}

/* Feeds a signal to an open output the way the player does, from the real event loop. */
struct feeder {
	struct ev_loop	*ev;
	struct output	*o;
	const int16_t	*pcm;
	unsigned	 channels;
	size_t		 frames, done;
	unsigned	 turn;
	long		 error;
	int64_t		 deadline;
	int		 timed_out;
};

static int
feed_prepare(void *arg, struct pollfd *pfd, int max, int64_t *deadline_ms)
{
	struct feeder *f = arg;

	if (f->done == f->frames || f->error != 0) {
		*deadline_ms = 0;	/* nothing to wait for: dispatch now */
		return 0;
	}
	if (f->deadline < *deadline_ms)
		*deadline_ms = f->deadline;
	return output_pollfds(f->o, pfd, max);
}

static void
feed_dispatch(void *arg, const struct pollfd *pfd, int n, int64_t now)
{
	static const size_t chunk[] = { 1, 7, 331, 960, 4801, 13, 2047 };
	struct feeder *f = arg;
	long w, p;

	if (f->done == f->frames || f->error != 0 || now >= f->deadline) {
		f->timed_out = f->done < f->frames && f->error == 0;
		ev_stop(f->ev);
		return;
	}
	if ((w = output_writable(f->o, pfd, n)) < 0) {
		f->error = w;
		return;
	}
	while (w > 0 && f->done < f->frames) {
		size_t want = chunk[f->turn++ % (sizeof(chunk) / sizeof(chunk[0]))];

		if (want > (size_t)w)
			want = (size_t)w;
		if (want > f->frames - f->done)
			want = f->frames - f->done;
		p = output_play(f->o, f->pcm + f->done * f->channels, want);
		if (p < 0) {
			f->error = p;
			return;
		}
		if (p == 0)
			break;
		f->done += (size_t)p;
		w -= p;
	}
}

/* Plays frames through o; returns how many went in, or a negative error. */
static long
feed(struct output *o, const int16_t *pcm, unsigned channels, size_t frames)
{
	struct feeder f = { .o = o, .pcm = pcm, .channels = channels,
	    .frames = frames, .deadline = clock_mono_ms() + FEED_TIMEOUT_MS };
	struct ev_source src = { .name = "feeder", .prepare = feed_prepare,
	    .dispatch = feed_dispatch, .arg = &f };

	if ((f.ev = ev_new()) == NULL || ev_add(f.ev, &src) != 0)
		return -ENOMEM;
	ev_run(f.ev);
	ev_free(f.ev);
	if (f.timed_out)
		fprintf(stderr, "  feeding timed out after %zu frames\n", f.done);
	return f.error != 0 ? f.error : (long)f.done;
}

static void
file_device(char *dev, size_t size, const char *path)
{
	int n = snprintf(dev, size, "file:'%s',raw", path);

	T_ASSERT(n > 0 && (size_t)n < size);
}

/* 3 s of a known signal through the file plugin come out byte for byte. */
static void
check_file_roundtrip(unsigned rate, unsigned channels)
{
	struct audio_fmt fmt = { rate, channels };
	size_t frames = 3 * (size_t)rate;
	char path[PATH_MAX + 32], dev[PATH_MAX + 64];
	int16_t *sig = make_signal(rate, channels, frames);
	struct output *o;

	snprintf(path, sizeof(path), "%s/out %u-%u.raw", vndir, rate, channels);
	file_device(dev, sizeof(dev), path);
	o = output_alsa_ops.create(dev, 200);
	T_ASSERT(sig != NULL && o != NULL);
	if (sig == NULL || o == NULL)
		goto out;
	T_EQ_INT(o->health, OUTPUT_CLOSED);
	T_EQ_INT(output_open(o, &fmt), 0);
	T_EQ_INT(o->health, OUTPUT_OK);
	T_EQ_STR(o->error, "");
	T_EQ_INT(feed(o, sig, channels, frames), frames);
	T_ASSERT(output_delay(o) >= 0);
	T_EQ_INT(output_drain(o), 0);
	T_EQ_INT(o->health, OUTPUT_CLOSED);
	T_EQ_INT(o->xruns, 0);
	T_ASSERT(file_holds(path, sig, frames * channels));
	unlink(path);
out:
	output_destroy(o);
	free(sig);
}

static void
test_file_48000_mono(void)
{
	check_file_roundtrip(48000, 1);
}

static void
test_file_48000_stereo(void)
{
	check_file_roundtrip(48000, 2);
}

static void
test_file_16000_mono(void)
{
	check_file_roundtrip(16000, 1);
}

/* Each open starts a new recording: a second bulletin replaces the first. */
static void
test_file_reopen_truncates(void)
{
	struct audio_fmt fmt = { 48000, 1 };
	char path[PATH_MAX + 32], dev[PATH_MAX + 64];
	int16_t *a = make_signal(48000, 1, 48000), *b = make_signal(24000, 1, 12000);
	struct output *o;

	snprintf(path, sizeof(path), "%s/reopen.raw", vndir);
	file_device(dev, sizeof(dev), path);
	o = output_alsa_ops.create(dev, 0);
	T_ASSERT(a != NULL && b != NULL && o != NULL);
	if (a == NULL || b == NULL || o == NULL)
		goto out;
	T_EQ_INT(output_open(o, &fmt), 0);
	T_EQ_INT(feed(o, a, 1, 48000), 48000);
	output_close(o);
	T_EQ_INT(o->health, OUTPUT_CLOSED);
	T_EQ_INT(output_open(o, &fmt), 0);
	T_EQ_INT(feed(o, b, 1, 12000), 12000);
	T_EQ_INT(output_drain(o), 0);
	T_ASSERT(file_holds(path, b, 12000));
	unlink(path);
out:
	output_destroy(o);
	free(a);
	free(b);
}

/* Many bulletins in a row on one output object, in several formats. */
static void
test_null_many_cycles(void)
{
	static const struct audio_fmt fmts[] = {
		{ 48000, 2 }, { 16000, 1 }, { 44100, 2 }, { 48000, 1 }
	};
	struct output *o = output_alsa_ops.create("null", 100);
	int16_t *sig = make_signal(48000, 2, 4800);
	int i, bad = 0;

	T_ASSERT(o != NULL && sig != NULL);
	if (o == NULL || sig == NULL)
		goto out;
	for (i = 0; i < 200; i++) {
		const struct audio_fmt *f = &fmts[i % 4];
		long d;

		bad += output_open(o, f) != 0;
		bad += o->health != OUTPUT_OK;
		bad += feed(o, sig, f->channels, 4800 / f->channels) !=
		    (long)(4800 / f->channels);
		d = output_delay(o);
		/* Never negative, and never more than the buffer (100 ms) holds. */
		bad += d < 0 || d > (long)f->rate / 5;
		if (i % 2 == 0)
			output_close(o);
		else
			bad += output_drain(o) != 0;
		bad += o->health != OUTPUT_CLOSED;
		bad += output_delay(o) != 0;
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(o->xruns, 0);
out:
	output_destroy(o);
	free(sig);
}

/* Every method is safe on a closed output, and create() refuses nonsense. */
static void
test_closed_output_is_safe(void)
{
	struct audio_fmt fmt = { 48000, 2 };
	struct output *o = output_alsa_ops.create("null", 0);
	struct pollfd pfd[4];
	char longname[1100];
	int16_t frame[2] = { 1, 2 };

	T_ASSERT(o != NULL);
	if (o == NULL)
		return;
	T_EQ_STR(o->ops->name, "alsa");
	T_EQ_INT(output_pollfds(o, pfd, 4), 0);
	T_EQ_INT(output_writable(o, pfd, 0), -EBADFD);
	T_EQ_INT(output_play(o, frame, 1), -EBADFD);
	T_EQ_INT(output_delay(o), 0);
	output_close(o);
	T_EQ_INT(output_drain(o), 0);
	T_EQ_INT(o->health, OUTPUT_CLOSED);
	/* Opening an open output closes it first. */
	T_EQ_INT(output_open(o, &fmt), 0);
	T_EQ_INT(output_open(o, &fmt), 0);
	T_ASSERT(output_pollfds(o, pfd, 4) >= 1);
	T_EQ_INT(output_pollfds(o, pfd, 0), 0);
	T_ASSERT(output_writable(o, pfd, 0) > 0);
	T_EQ_INT(output_play(o, frame, 0), 0);
	T_EQ_INT(output_play(o, frame, 1), 1);
	output_destroy(o);		/* while open */
	output_destroy(NULL);

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	errno = 0;
	T_ASSERT(output_alsa_ops.create(longname, 0) == NULL);
	T_EQ_INT(errno, ENAMETOOLONG);
	T_ASSERT(output_alsa_ops.create("", 0) == NULL);
	T_ASSERT(output_alsa_ops.create(NULL, 0) == NULL);
}

/* A device that cannot open says so, names itself, and stays failed until it works. */
static void
check_cannot_open(const char *device)
{
	struct audio_fmt fmt = { 48000, 1 };
	struct output *o = output_alsa_ops.create(device, 0);
	char quoted[128];
	struct pollfd pfd[4];
	int rc;

	snprintf(quoted, sizeof(quoted), "\"%s\"", device);
	T_ASSERT(o != NULL);
	if (o == NULL)
		return;
	rc = output_open(o, &fmt);
	T_ASSERT(rc < 0);
	T_EQ_INT(o->health, OUTPUT_FAILED);
	T_CONTAINS(o->error, "cannot open audio device");
	T_CONTAINS(o->error, quoted);
	T_EQ_INT(output_pollfds(o, pfd, 4), 0);
	T_EQ_INT(output_writable(o, pfd, 0), -EBADFD);
	output_close(o);
	T_EQ_INT(o->health, OUTPUT_FAILED);	/* the report keeps the reason */
	T_EQ_INT(output_open(o, &fmt), rc);	/* the player retries: same answer */
	T_EQ_INT(o->health, OUTPUT_FAILED);
	T_CONTAINS(o->error, quoted);
	output_destroy(o);
}

static void
test_open_fails_no_card(void)
{
	check_cannot_open("hw:99,0");
}

/* Counts the lines of what fn wrote to stderr that contain needle. */
static int
stderr_lines_with(void (*fn)(void), const char *needle)
{
	char path[128], line[1024];
	int fd, saved, count = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/stderr.txt", topdir);
	fflush(stderr);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return -1;
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		count += strstr(line, needle) != NULL;
	fclose(fp);
	unlink(path);
	return count;
}

static void
open_missing_card_three_times(void)
{
	struct audio_fmt fmt = { 48000, 1 };
	struct output *o = output_alsa_ops.create("hw:98,0", 0);
	int i;

	for (i = 0; i < 3 && o != NULL; i++)
		T_ASSERT(output_open(o, &fmt) < 0);
	output_destroy(o);
}

/* The player retries a missing card with back-off: the journal hears of it once. */
static void
test_retries_log_once(void)
{
	T_EQ_INT(stderr_lines_with(open_missing_card_three_times, "\"hw:98,0\""), 1);
}

/* True when s is whole UTF-8: no sequence cut short. */
static int
utf8_whole(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int more;

	while (*p != '\0') {
		more = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 :
		    (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
		if (more < 0)
			return 0;
		for (p++; more > 0; more--, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

/* A sentence too long for error is cut between characters, and says so. */
static void
test_long_error_cut_cleanly(void)
{
	struct audio_fmt fmt = { 48000, 1 };
	static const char word[] = "bản_tin_";	/* 10 bytes */
	char dev[400] = "loax";		/* puts the cut inside an "ả" */
	size_t len, used = 4;
	struct output *o;
	int i;

	for (i = 0; i < 36; i++) {		/* 364 bytes, with the NUL */
		memcpy(dev + used, word, sizeof(word));
		used += sizeof(word) - 1;
	}
	o = output_alsa_ops.create(dev, 0);
	T_ASSERT(o != NULL);
	if (o == NULL)
		return;
	T_ASSERT(output_open(o, &fmt) < 0);
	T_EQ_INT(o->health, OUTPUT_FAILED);
	len = strlen(o->error);
	T_ASSERT(len > 200 && len < sizeof(o->error));
	T_ASSERT(len >= 3 && strcmp(o->error + len - 3, "...") == 0);
	T_ASSERT(utf8_whole(o->error));
	T_CONTAINS(o->error, "cannot open audio device \"loaxbản_tin_bản_tin_");
	output_destroy(o);
}

static void
test_open_fails_unknown_name(void)
{
	check_cannot_open("nonexistent_pcm_name");
}

/* The file plugin cannot create its file: the open fails and says where. */
static void
test_open_fails_unwritable_file(void)
{
	struct audio_fmt fmt = { 48000, 1 };
	char dev[PATH_MAX + 64], path[PATH_MAX + 32];
	int16_t *sig = make_signal(48000, 1, 48000);
	struct output *o;

	snprintf(path, sizeof(path), "%s/no such dir/x.raw", vndir);
	file_device(dev, sizeof(dev), path);
	o = output_alsa_ops.create(dev, 0);
	T_ASSERT(o != NULL && sig != NULL);
	if (o == NULL || sig == NULL)
		goto out;
	/* alsa-lib 1.2.8 creates the file lazily: the failure may come on a write. */
	if (output_open(o, &fmt) == 0) {
		T_EQ_INT(o->health, OUTPUT_OK);
		T_ASSERT(feed(o, sig, 1, 48000) < 0);
	}
	T_EQ_INT(o->health, OUTPUT_FAILED);
	T_CONTAINS(o->error, "bản tin/no such dir/x.raw");
out:
	output_destroy(o);
	free(sig);
}

/* A device that cannot take the channel count says so; nothing leaks on the way out. */
static void
test_open_fails_channels(void)
{
	struct audio_fmt fmt = { 48000, 1 };
	struct output *o = output_alsa_ops.create("loaxa_two_channels", 0);

	T_ASSERT(o != NULL);
	if (o == NULL)
		return;
	T_ASSERT(output_open(o, &fmt) < 0);
	T_EQ_INT(o->health, OUTPUT_FAILED);
	T_CONTAINS(o->error, "audio device \"loaxa_two_channels\" cannot play 1 channel");
	output_destroy(o);
}

/* A format that is not one is refused; a later good open clears the failure. */
static void
test_bad_format_then_recovery(void)
{
	struct audio_fmt none = { 48000, 0 }, zero = { 0, 1 }, good = { 48000, 1 };
	struct output *o = output_alsa_ops.create("null", 0);

	T_ASSERT(o != NULL);
	if (o == NULL)
		return;
	T_EQ_INT(output_open(o, &none), -EINVAL);
	T_EQ_INT(o->health, OUTPUT_FAILED);
	T_CONTAINS(o->error, "\"null\"");
	T_EQ_INT(output_open(o, &zero), -EINVAL);
	T_EQ_INT(output_open(o, &good), 0);
	T_EQ_INT(o->health, OUTPUT_OK);
	T_EQ_STR(o->error, "");
	output_destroy(o);
}

/* What the virtual card's event log (tests/vcard/vcard.c) says happened. */
struct card_facts {
	int		 starts, xruns, drains;
	long long	 start_mono;	/* ns on CLOCK_MONOTONIC: the first start */
	long long	 played;	/* frames heard, from the last stop; -1: none */
};

static int
card_facts_read(const char *path, struct card_facts *cf)
{
	FILE *fp = fopen(path, "r");
	char line[256], ev[32];
	long long mono, real, a;
	int n;

	memset(cf, 0, sizeof(*cf));
	cf->played = -1;
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((n = sscanf(line, "%lld %lld %31s %lld", &mono, &real, ev, &a)) < 3)
			continue;
		if (strcmp(ev, "start") == 0 && cf->starts++ == 0)
			cf->start_mono = mono;
		else if (strcmp(ev, "xrun") == 0)
			cf->xruns++;
		else if (strcmp(ev, "drain") == 0)
			cf->drains++;
		else if (strcmp(ev, "stop") == 0 && n == 4)
			cf->played = a;
	}
	fclose(fp);
	return 0;
}

static long long
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * 1 s of 48 kHz mono on the virtual card, which consumes frames in real time
 * like hardware and runs dry when it is not fed (a paced pipe would block the
 * writer instead, and hide a writer that falls behind): fed the way the
 * player feeds, the card never runs dry, hears every frame, and drain
 * returns only once the last one was heard.
 */
static void
test_vcard_real_time(void)
{
	struct audio_fmt fmt = { 48000, 1 };
	int16_t *sig = make_signal(48000, 1, 48000);
	struct output *o = NULL;
	struct card_facts cf;
	long long drained;

	T_ASSERT(sig != NULL);
	if (vcard_so[0] == '\0')
		fprintf(stderr, "  the virtual card's plugin is missing; run 'make tests'\n");
	T_ASSERT(vcard_so[0] != '\0');
	if (sig == NULL || vcard_so[0] == '\0' ||
	    (o = output_alsa_ops.create("loaxa_vcard", 0)) == NULL)
		goto out;
	T_EQ_INT(output_open(o, &fmt), 0);
	T_EQ_INT(feed(o, sig, 1, 48000), 48000);
	T_EQ_INT(output_drain(o), 0);
	drained = mono_ns();
	T_ASSERT(file_holds(vcard_raw, sig, 48000));
	T_EQ_INT(card_facts_read(vcard_log, &cf), 0);
	T_EQ_INT(cf.starts, 1);
	T_EQ_INT(cf.xruns, 0);
	T_EQ_INT(cf.drains, 1);
	T_EQ_INT(cf.played, 48000);
	fprintf(stderr, "  # drain returned %lld ms after the card began to play 1 s of audio\n",
	    (drained - cf.start_mono) / 1000000);
	T_ASSERT(cf.starts > 0 && drained >= cf.start_mono + 1000000000LL);
out:
	output_destroy(o);
	free(sig);
}

/*
 * A station's own ALSA configuration, added to the system's: a device that
 * takes exactly two channels, as a bare sound card would.
 */
static int
write_alsa_conf(void)
{
	static const char conf[] =
	    "pcm.loaxa_two_channels {\n"
	    "\ttype multi\n"
	    "\tslaves.a { pcm \"null\" channels 2 }\n"
	    "\tbindings.0 { slave a channel 0 }\n"
	    "\tbindings.1 { slave a channel 1 }\n"
	    "}\n";
	char path[128], env[512];
	FILE *fp;
	int n;

	snprintf(path, sizeof(path), "%s/asound.conf", topdir);
	n = snprintf(env, sizeof(env), "%s/alsa.conf:%s", snd_config_topdir(), path);
	if (n < 0 || (size_t)n >= sizeof(env) || (fp = fopen(path, "w")) == NULL)
		return -1;
	fputs(conf, fp);
	if (vcard_so[0] != '\0')
		fprintf(fp, "pcm_type.loaxavc { lib \"%s\" }\n"
		    "pcm.loaxa_vcard { type loaxavc log \"%s\" file \"%s\" }\n",
		    vcard_so, vcard_log, vcard_raw);
	if (fclose(fp) != 0)
		return -1;
	return setenv("ALSA_CONFIG_PATH", env, 1);
}

/* The virtual card's plugin is built next to this program (Makefile: VCARD). */
static void
find_vcard(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;
	int len;

	if (n <= 0)
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return;
	*slash = '\0';
	len = snprintf(vcard_so, sizeof(vcard_so), "%s/libasound_module_pcm_loaxavc.so", self);
	if (len < 0 || (size_t)len >= sizeof(vcard_so) || access(vcard_so, R_OK) != 0)
		vcard_so[0] = '\0';
	snprintf(vcard_log, sizeof(vcard_log), "%s/vcard.log", topdir);
	snprintf(vcard_raw, sizeof(vcard_raw), "%s/vcard.raw", vndir);
}

int
main(void)
{
	char conf[128];
	int rc;

	/* The daemon ignores SIGPIPE too: a dead pipe reader is an error, not death. */
	signal(SIGPIPE, SIG_IGN);
	snprintf(topdir, sizeof(topdir), "/tmp/loaxa-output-XXXXXX");
	if (mkdtemp(topdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(vndir, sizeof(vndir), "%s/bản tin", topdir);
	if (mkdir(vndir, 0700) != 0) {
		perror(vndir);
		return 1;
	}
	find_vcard();
	if (write_alsa_conf() != 0) {
		perror("asound.conf");
		return 1;
	}
	T_RUN(test_file_48000_mono);
	T_RUN(test_file_48000_stereo);
	T_RUN(test_file_16000_mono);
	T_RUN(test_file_reopen_truncates);
	T_RUN(test_null_many_cycles);
	T_RUN(test_closed_output_is_safe);
	T_RUN(test_open_fails_no_card);
	T_RUN(test_open_fails_unknown_name);
	T_RUN(test_retries_log_once);
	T_RUN(test_long_error_cut_cleanly);
	T_RUN(test_open_fails_unwritable_file);
	T_RUN(test_open_fails_channels);
	T_RUN(test_bad_format_then_recovery);
	T_RUN(test_vcard_real_time);
	rc = T_EXIT();
	snprintf(conf, sizeof(conf), "%s/asound.conf", topdir);
	unlink(conf);
	unlink(vcard_log);
	unlink(vcard_raw);
	rmdir(vndir);
	rmdir(topdir);
	/* alsa-lib caches its parsed configuration for the process: let it go. */
	snd_config_update_free_global();
	return rc;
}
