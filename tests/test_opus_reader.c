/*
 * Tests for codecs/opus_reader: every fixture made by real encoders
 * (tests/fixtures/make.sh) is decoded by our reader and by libopusfile, the
 * independent reference, and compared frame count for frame count and by
 * signal-to-noise ratio. Garbage must fail with the right reason. A few
 * streams are built here with libogg and the libopus encoder, to reach the
 * corners of RFC 7845 that encoders do not produce (trimming, gain).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ogg/ogg.h>
#include <opus.h>
#include <opusfile.h>

#include "codecs/opus_reader.h"
#include "tests/t.h"

#define CHUNK	4096		/* frames per read while comparing */

static char *
fixture(const char *name)
{
	static char path[4096];
	const char *dir = getenv("LOAXA_FIXTURES");
	int n;

	if (dir == NULL || *dir == '\0')
		dir = "build/fixtures";
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "fixture path too long: %s\n", name);
		abort();
	}
	return path;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	} else if (buf != NULL) {
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/*
 * The reference: libopusfile's float output for the channels we want.
 * Mono is the average of its stereo output (which duplicates mono streams);
 * "ours" applies the downmix matrix written out in opus_downmix.h's comment to
 * opusfile's multichannel output, independently of our code.
 */
enum ref_mode { REF_MONO, REF_STEREO, REF_SURROUND_MONO, REF_SURROUND_STEREO };

static int
ref_mix51(OggOpusFile *of, float *out, int max, int stereo)
{
	static float mc[CHUNK * 8];
	/* Vorbis order FL C FR RL RR LFE; ITU weights, LFE left out, normalised. */
	const float s = 1.0f + 0.70710678f + 0.70710678f;
	int li, n, i;

	n = op_read_float(of, mc, max * 8 < (int)(sizeof(mc) / sizeof(*mc)) ? max * 8 :
	    (int)(sizeof(mc) / sizeof(*mc)), &li);
	if (n <= 0)
		return n;
	if (op_channel_count(of, li) != 6)
		return -1;
	for (i = 0; i < n; i++) {
		const float *x = mc + i * 6;
		float l = (x[0] + 0.70710678f * x[1] + 0.70710678f * x[3]) / s;
		float r = (x[2] + 0.70710678f * x[1] + 0.70710678f * x[4]) / s;

		if (stereo) {
			out[2 * i] = l;
			out[2 * i + 1] = r;
		} else {
			out[i] = (l + r) / 2;
		}
	}
	return n;
}

static int
ref_read(OggOpusFile *of, enum ref_mode mode, float *out, int max)
{
	static float st[CHUNK * 2];
	int n, i;

	if (max > CHUNK)
		max = CHUNK;
	switch (mode) {
	case REF_STEREO:
		return op_read_float_stereo(of, out, max * 2);
	case REF_MONO:
		n = op_read_float_stereo(of, st, max * 2);
		for (i = 0; i < n; i++)
			out[i] = (st[2 * i] + st[2 * i + 1]) / 2;
		return n;
	case REF_SURROUND_MONO:
	case REF_SURROUND_STEREO:
		return ref_mix51(of, out, max, mode == REF_SURROUND_STEREO);
	}
	return -1;
}

struct cmp {
	uint64_t ours, ref;	/* frames each decoded */
	double	sig, noise;	/* energies over the frames both have */
	int	our_rc;		/* our last result: 0 at the end, or the error */
	int	ref_rc;
};

static double
snr_db(const struct cmp *c)
{
	if (c->noise <= 0)
		return 200;
	return 10 * log10(c->sig / c->noise);
}

/*
 * Decodes r and of side by side in chunks of `step` frames (our side) and
 * accumulates the signal and the error, sample by sample. Both keep a FIFO so
 * that the chunk sizes need not agree.
 */
static void
compare_stream(struct opus_reader *r, OggOpusFile *of, enum ref_mode mode, unsigned ch,
    size_t step, struct cmp *c)
{
	static int16_t a[CHUNK * 4];
	static float b[CHUNK * 4];
	size_t na = 0, nb = 0, k, i;
	int a_done = 0, b_done = 0;
	long n;

	memset(c, 0, sizeof(*c));
	while (!a_done || !b_done) {
		if (!a_done && na < CHUNK) {
			n = opus_reader_read(r, a + na * ch, step < CHUNK ? step : CHUNK);
			if (n <= 0) {
				a_done = 1;
				c->our_rc = (int)n;
			} else {
				na += (size_t)n;
				c->ours += (uint64_t)n;
			}
		}
		if (!b_done && nb < CHUNK) {
			n = ref_read(of, mode, b + nb * ch, CHUNK);
			if (n <= 0) {
				b_done = 1;
				c->ref_rc = (int)n;
			} else {
				nb += (size_t)n;
				c->ref += (uint64_t)n;
			}
		}
		k = na < nb ? na : nb;
		for (i = 0; i < k * ch; i++) {
			double want = b[i] * 32768.0, err = a[i] - want;

			c->sig += want * want;
			c->noise += err * err;
		}
		memmove(a, a + k * ch, (na - k) * ch * sizeof(*a));
		memmove(b, b + k * ch, (nb - k) * ch * sizeof(*b));
		na -= k;
		nb -= k;
		if ((a_done && nb >= CHUNK) || (b_done && na >= CHUNK))
			break;	/* one side has far more than the other: counts differ */
	}
}

/* Our decode of path against opusfile's; reports the figures as TAP comments. */
static void
check_against_opusfile(const char *name, unsigned ch, enum ref_mode mode, double min_snr)
{
	const char *path = fixture(name);
	struct opus_reader *r;
	OggOpusFile *of;
	struct cmp c;
	int err = 0;

	r = opus_reader_open_file(path, 48000, ch, &err);
	of = op_open_file(path, &err);
	T_ASSERT(r != NULL);
	T_ASSERT(of != NULL);
	if (r == NULL || of == NULL) {
		fprintf(stderr, "  cannot open %s: %d\n", path, err);
		goto out;
	}
	op_set_dither_enabled(of, 0);
	T_EQ_INT(op_pcm_total(of, -1) >= 0, 1);
	compare_stream(r, of, mode, ch, 1000, &c);
	printf("# %-26s %u ch: %llu frames (opusfile %llu, op_pcm_total %lld), SNR %.1f dB\n",
	    name, ch, (unsigned long long)c.ours, (unsigned long long)c.ref,
	    (long long)op_pcm_total(of, -1), snr_db(&c));
	T_EQ_INT(c.our_rc, 0);
	T_EQ_INT(c.ref_rc, 0);
	T_EQ_INT(c.ours, c.ref);
	T_EQ_INT(c.ours, op_pcm_total(of, -1));
	T_ASSERT(c.ours > 0);
	T_ASSERT(snr_db(&c) > min_snr);
out:
	opus_reader_free(r);
	if (of != NULL)
		op_free(of);
}

static const char *const good_files[] = {
	"bản tin số 1.opus", "thông báo.opus", "stereo.opus", "ffmpeg-speech.opus",
	"rate16k.opus", "chained.opus", "chained-mono-stereo.opus", "multiplexed.opus",
	"no-eos.opus",
};
#define NGOOD (sizeof(good_files) / sizeof(good_files[0]))

static void
test_good_files_mono_48k(void)
{
	size_t i;

	for (i = 0; i < NGOOD; i++)
		check_against_opusfile(good_files[i], 1, REF_MONO, 50);
}

static void
test_good_files_stereo_48k(void)
{
	size_t i;

	for (i = 0; i < NGOOD; i++)
		check_against_opusfile(good_files[i], 2, REF_STEREO, 50);
}

static void
test_surround_downmix_matches_documented_matrix(void)
{
	check_against_opusfile("surround51.opus", 2, REF_SURROUND_STEREO, 50);
	check_against_opusfile("surround51.opus", 1, REF_SURROUND_MONO, 50);
}

/*
 * opusfile downmixes with its own matrix (other weights, LFE included): the
 * SNR says little, but each side must clearly be the same signal. We measure
 * the normalised correlation of each output channel.
 */
static void
test_surround_downmix_close_to_opusfile(void)
{
	const char *path = fixture("surround51.opus");
	static int16_t a[CHUNK * 2];
	static float b[CHUNK * 2];
	double ab[2] = { 0, 0 }, aa[2] = { 0, 0 }, bb[2] = { 0, 0 }, corr[2];
	struct opus_reader *r;
	OggOpusFile *of;
	long n, m, i, total = 0;
	int err = 0, k;

	r = opus_reader_open_file(path, 48000, 2, &err);
	of = op_open_file(path, &err);
	T_ASSERT(r != NULL && of != NULL);
	if (r == NULL || of == NULL)
		goto out;
	op_set_dither_enabled(of, 0);
	/* Both give whole 20 ms packets after the first, so read in step. */
	while ((n = opus_reader_read(r, a, 960)) > 0) {
		for (m = 0; m < n; m += k)
			if ((k = op_read_float_stereo(of, b + 2 * m, (int)(n - m) * 2)) <= 0)
				break;
		T_EQ_INT(m, n);
		for (i = 0; i < 2 * n; i++) {
			ab[i & 1] += a[i] * (double)b[i];
			aa[i & 1] += a[i] * (double)a[i];
			bb[i & 1] += (double)b[i] * b[i];
		}
		total += n;
	}
	T_EQ_INT(n, 0);
	T_EQ_INT(total, 4 * 48000);
	for (k = 0; k < 2; k++)
		corr[k] = ab[k] / sqrt(aa[k] * bb[k] + 1e-30);
	printf("# surround51.opus vs op_read_float_stereo: correlation %.3f (left), %.3f (right)\n",
	    corr[0], corr[1]);
	T_ASSERT(corr[0] > 0.9);
	T_ASSERT(corr[1] > 0.9);
out:
	opus_reader_free(r);
	if (of != NULL)
		op_free(of);
}

static void
test_long_file_exact_length(void)
{
	check_against_opusfile("long.opus", 1, REF_MONO, 50);
}

/* Reads a whole file with our reader into a new buffer: frames, or an error. */
static long
decode_all(struct opus_reader *r, unsigned ch, size_t step, int16_t **out, int *last)
{
	size_t cap = 48000 * 4, len = 0;
	int16_t *buf = malloc(cap * ch * sizeof(*buf)), *nbuf;
	long n;

	*out = NULL;
	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		if (len + step > cap) {
			cap = (len + step) * 2;
			if ((nbuf = realloc(buf, cap * ch * sizeof(*buf))) == NULL) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
		}
		if ((n = opus_reader_read(r, buf + len * ch, step)) <= 0)
			break;
		T_ASSERT((size_t)n <= step);
		len += (size_t)n;
	}
	*last = (int)n;
	*out = buf;
	return (long)len;
}

static long
decode_path(const char *path, unsigned rate, unsigned ch, size_t step, int16_t **out, int *last)
{
	struct opus_reader *r;
	long n;
	int err;

	*out = NULL;
	if ((r = opus_reader_open_file(path, rate, ch, &err)) == NULL) {
		*last = err;
		return err;
	}
	n = decode_all(r, ch, step, out, last);
	opus_reader_free(r);
	return n;
}

static void
test_open_mem_equals_open_file(void)
{
	size_t i, len = 0;

	for (i = 0; i < NGOOD; i++) {
		const char *path = fixture(good_files[i]);
		unsigned char *bytes = slurp(path, &len);
		struct opus_reader *r;
		int16_t *a = NULL, *b = NULL;
		long na, nb;
		int err = 0, la = 1, lb = 1;

		T_ASSERT(bytes != NULL);
		if (bytes == NULL)
			continue;
		na = decode_path(path, 48000, 2, 960, &a, &la);
		r = opus_reader_open_mem(bytes, len, 48000, 2, &err);
		T_ASSERT(r != NULL);
		nb = r != NULL ? decode_all(r, 2, 960, &b, &lb) : err;
		T_ASSERT(na > 0);
		T_EQ_INT(nb, na);
		T_EQ_INT(la, 0);
		T_EQ_INT(lb, 0);
		if (na > 0 && nb == na)
			T_ASSERT(memcmp(a, b, (size_t)na * 2 * sizeof(*a)) == 0);
		opus_reader_free(r);
		free(a);
		free(b);
		free(bytes);
	}
}

/* One frame at a time goes through the trimming buffer; it must not change a sample. */
static void
test_read_sizes_do_not_matter(void)
{
	static const size_t steps[] = { 1, 7, 959, 961, 5760, 100000 };
	const char *path = fixture("chained-mono-stereo.opus");
	int16_t *ref = NULL, *x = NULL;
	long nref, n;
	size_t i;
	int last;

	nref = decode_path(path, 48000, 2, 960, &ref, &last);
	T_ASSERT(nref > 0);
	T_EQ_INT(last, 0);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		n = decode_path(path, 48000, 2, steps[i], &x, &last);
		T_EQ_INT(n, nref);
		T_EQ_INT(last, 0);
		if (n == nref && nref > 0)
			T_ASSERT(memcmp(x, ref, (size_t)n * 2 * sizeof(*x)) == 0);
		free(x);
	}
	free(ref);
}

/*
 * 16 kHz output: libopus decodes straight to 16 kHz. opusfile only gives
 * 48 kHz, so the fair comparison is the length (a third, to the frame) and
 * the signal against our own 48 kHz decode (checked against opusfile above)
 * low-passed at 7.5 kHz and decimated by three, at the best small lag.
 */
static double
lowpass_at(const int16_t *x, long n, long j)
{
	static double h[97];
	static int ready;
	double acc = 0;
	long k;

	if (!ready) {
		for (k = -48; k <= 48; k++) {
			double t = 2 * 7500.0 / 48000 * (double)k;
			double sinc = k == 0 ? 1 : sin(M_PI * t) / (M_PI * t);
			double w = 0.42 + 0.5 * cos(M_PI * (double)k / 49) + 0.08 * cos(2 * M_PI * (double)k / 49);

			h[k + 48] = 2 * 7500.0 / 48000 * sinc * w;	/* Blackman window */
		}
		ready = 1;
	}
	for (k = -48; k <= 48; k++)
		if (j + k >= 0 && j + k < n)
			acc += h[k + 48] * x[j + k];
	return acc;
}

static void
test_rate_16k(void)
{
	const char *path = fixture("rate16k.opus");
	int16_t *lo = NULL, *hi = NULL;
	long nlo, nhi, i, lag, best_lag = 0;
	double best = -1000;
	int last;

	nlo = decode_path(path, 16000, 1, 1000, &lo, &last);
	T_EQ_INT(last, 0);
	nhi = decode_path(path, 48000, 1, 1000, &hi, &last);
	T_EQ_INT(last, 0);
	T_ASSERT(nlo > 0 && nhi > 0);
	T_EQ_INT(nlo, (nhi + 1) / 3);
	/* The lag is in 48 kHz samples: the two paths may differ by a fraction of 16 kHz one. */
	for (lag = -12; lag <= 12 && nlo > 100; lag++) {
		double sig = 0, noise = 0, snr, want;

		for (i = 50; i < nlo - 50; i++) {
			want = lowpass_at(hi, nhi, 3 * i + lag);
			sig += want * want;
			noise += (lo[i] - want) * (lo[i] - want);
		}
		snr = 10 * log10(sig / (noise > 0 ? noise : 1e-9));
		if (snr > best) {
			best = snr;
			best_lag = lag;
		}
	}
	printf("# rate16k.opus at 16 kHz: %ld frames (48 kHz: %ld), SNR %.1f dB at a lag of %ld/48000 s\n",
	    nlo, nhi, best, best_lag);
	T_ASSERT(best > 20);
	free(lo);
	free(hi);
}

static long long
opusfile_total(const char *name)
{
	OggOpusFile *of = op_open_file(fixture(name), NULL);
	long long n = of != NULL ? op_pcm_total(of, -1) : -1;

	if (of != NULL)
		op_free(of);
	return n;
}

static void
test_check_file_info(void)
{
	struct opus_info info;

	memset(&info, 0, sizeof(info));
	T_EQ_INT(opus_reader_check_file(fixture("chained-mono-stereo.opus"), 48000, 2, &info), 0);
	T_EQ_INT(info.links, 2);
	T_EQ_INT(info.channels_in, 1);
	T_EQ_INT(info.rate_in, 22050);
	T_EQ_INT(info.frames, opusfile_total("chained-mono-stereo.opus"));
	T_EQ_INT(opus_reader_check_file(fixture("surround51.opus"), 48000, 1, &info), 0);
	T_EQ_INT(info.links, 1);
	T_EQ_INT(info.channels_in, 6);
	T_EQ_INT(info.frames, 4 * 48000);
	T_EQ_INT(opus_reader_check_file(fixture("stereo.opus"), 24000, 1, &info), 0);
	T_EQ_INT(info.channels_in, 2);
	T_EQ_INT(info.rate_in, 48000);
	T_EQ_INT(info.frames, 6 * 24000);
	T_EQ_INT(opus_reader_check_file(fixture("bitflip.opus"), 48000, 1, &info),
	    OPUS_READER_ECORRUPT);
}

struct bad_case {
	const char *name;
	int	code;
	const char *words;	/* must appear in the sentence */
};

static void
test_garbage_is_refused_at_open(void)
{
	static const struct bad_case cases[] = {
		{ "empty.opus", OPUS_READER_EEMPTY, "empty" },
		{ "mp3-renamed.opus", OPUS_READER_EMP3, "MP3" },
		{ "wav-renamed.opus", OPUS_READER_EWAV, "WAV" },
		{ "vorbis.ogg", OPUS_READER_EVORBIS, "Vorbis" },
		{ "random.opus", OPUS_READER_ENOTOGG, "not an Ogg Opus" },
		{ "headers-only.opus", OPUS_READER_ETRUNC, "incomplete" },
		{ "no such file.opus", -ENOENT, "does not exist" },
		{ ".", -EISDIR, "folder" },
	};
	struct opus_reader *r;
	size_t i, len;
	int err;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = fixture(cases[i].name);
		unsigned char *bytes;

		err = 0;
		r = opus_reader_open_file(path, 48000, 1, &err);
		T_ASSERT(r == NULL);
		T_EQ_INT(err, cases[i].code);
		T_CONTAINS(opus_reader_strerror(err), cases[i].words);
		opus_reader_free(r);
		/* The same bytes from memory fail the same way. */
		if (cases[i].code > -2000 || (bytes = slurp(path, &len)) == NULL)
			continue;
		err = 0;
		r = opus_reader_open_mem(bytes, len, 48000, 1, &err);
		T_ASSERT(r == NULL);
		T_EQ_INT(err, cases[i].code);
		opus_reader_free(r);
		free(bytes);
	}
	T_ASSERT(OPUS_READER_IS_NOTOGG(OPUS_READER_EMP3));
	T_ASSERT(OPUS_READER_IS_NOTOGG(OPUS_READER_ENOTOGG));
	T_ASSERT(!OPUS_READER_IS_NOTOGG(OPUS_READER_EVORBIS));
	T_ASSERT(OPUS_READER_IS_NOTOPUS(OPUS_READER_EVORBIS));
	T_ASSERT(!OPUS_READER_IS_NOTOPUS(OPUS_READER_ECORRUPT));
}

/*
 * A damaged file plays up to the damage, exactly as the good file does, then
 * fails with the reason, and keeps failing.
 */
static void
check_damaged(const char *name, int code, const char *words)
{
	int16_t *good = NULL, *bad = NULL, pcm[64];
	struct opus_reader *r;
	long ngood, nbad;
	int last = 0, err = 0;

	ngood = decode_path(fixture("bản tin số 1.opus"), 48000, 1, 960, &good, &last);
	T_EQ_INT(last, 0);
	r = opus_reader_open_file(fixture(name), 48000, 1, &err);
	T_ASSERT(r != NULL);
	if (r == NULL)
		goto out;
	nbad = decode_all(r, 1, 960, &bad, &last);
	printf("# %s: %ld of %ld frames played, then \"%s\"\n", name, nbad, ngood,
	    opus_reader_strerror(last));
	T_EQ_INT(last, code);
	T_CONTAINS(opus_reader_strerror(last), words);
	T_ASSERT(nbad > 48000);
	T_ASSERT(nbad < ngood);
	if (nbad > 0 && nbad < ngood)
		T_ASSERT(memcmp(good, bad, (size_t)nbad * sizeof(*bad)) == 0);
	T_EQ_INT(opus_reader_read(r, pcm, 64), code);
out:
	opus_reader_free(r);
	free(good);
	free(bad);
}

static void
test_truncated_plays_then_fails(void)
{
	check_damaged("truncated.opus", OPUS_READER_ETRUNC, "incomplete");
}

static void
test_bitflip_plays_then_fails(void)
{
	check_damaged("bitflip.opus", OPUS_READER_ECORRUPT, "damaged");
}

static void
test_end_stays_end_and_bad_args(void)
{
	struct opus_reader *r;
	int16_t pcm[2 * 5760];
	int err = 0;
	long n;

	T_ASSERT(opus_reader_open_file(fixture("stereo.opus"), 44100, 2, &err) == NULL);
	T_EQ_INT(err, -EDOM);
	T_ASSERT(opus_reader_open_mem(NULL, 0, 48000, 3, &err) == NULL);
	T_EQ_INT(err, -EDOM);
	T_ASSERT(opus_reader_open_mem((const unsigned char *)"", 0, 48000, 1, &err) == NULL);
	T_EQ_INT(err, OPUS_READER_EEMPTY);
	r = opus_reader_open_file(fixture("stereo.opus"), 8000, 2, &err);
	T_ASSERT(r != NULL);
	if (r == NULL)
		return;
	while ((n = opus_reader_read(r, pcm, 5760)) > 0)
		;
	T_EQ_INT(n, 0);
	T_EQ_INT(opus_reader_read(r, pcm, 5760), 0);
	opus_reader_free(r);
	opus_reader_free(NULL);
	T_ASSERT(opus_reader_strerror(-99999) != NULL);
	T_ASSERT(opus_reader_strerror(1) != NULL);
}

/* Decodes all of buf; the frames, or the error that ended it (negative). */
static long
decode_mem(const unsigned char *buf, size_t len, uint64_t *padding)
{
	struct opus_reader *r;
	int16_t pcm[5760];
	long n, total = 0;
	int err = 0;

	if ((r = opus_reader_open_mem(buf, len, 48000, 1, &err)) == NULL)
		return err;
	while ((n = opus_reader_read(r, pcm, 5760)) > 0)
		total += n;
	*padding = opus_reader_padding(r);
	opus_reader_free(r);
	return n < 0 ? n : total;
}

/*
 * A complete file followed by padding (4 KiB of zeros some copy tools leave,
 * an ID3v1 tag) plays whole and ends cleanly; before, it was reported failed
 * as damaged. Bytes that are not a page followed by another page are damage.
 */
static void
test_padding_is_not_damage(void)
{
	unsigned char *orig, *buf;
	uint64_t padding = 0;
	size_t len;
	long frames;

	orig = slurp(fixture("thông báo.opus"), &len);
	T_ASSERT(orig != NULL);
	if (orig == NULL || (buf = calloc(1, 2 * len + 4096)) == NULL) {
		free(orig);
		return;
	}
	frames = decode_mem(orig, len, &padding);
	T_ASSERT(frames > 0);
	T_EQ_INT(padding, 0);
	memcpy(buf, orig, len);		/* zeros after it: calloc */
	T_EQ_INT(decode_mem(buf, len + 4096, &padding), frames);
	T_EQ_INT(padding, 4096);
	memcpy(buf + len, "TAGBản tin Opus of the district                              ", 60);
	memset(buf + len + 60, 'O', 68);	/* an ID3v1 tag is 128 bytes */
	T_EQ_INT(decode_mem(buf, len + 128, &padding), frames);
	T_EQ_INT(padding, 128);
	memset(buf + len, 0, 100);		/* zeros, then a page: damage */
	memcpy(buf + len + 100, orig, len);
	T_EQ_INT(decode_mem(buf, 2 * len + 100, &padding), OPUS_READER_ECORRUPT);
	memcpy(buf + len, "OggS", 4);		/* a page cut after its capture pattern */
	T_EQ_INT(decode_mem(buf, len + 20, &padding), OPUS_READER_ETRUNC);
	free(buf);
	free(orig);
}

/* --- Streams built here: libogg framing, libopus encoding. ----------------- */

struct build {
	int	preskip;
	int	gain;		/* Q7.8 dB in OpusHead */
	long	gp_shift;	/* added to every granule position */
	int	end_trim;	/* samples cut by the final granule position */
	int	packets;	/* 20 ms packets */
	int	per_page;	/* packets per page */
	int	eos;		/* mark the last page EOS */
	int	other_stream;	/* interleave pages of another (non-Opus) stream */
	long	tags_extra;	/* a comment this long in OpusTags (spans pages) */
	int	head_at;	/* if not 0, OpusHead byte head_at becomes head_val */
	int	head_val;
};

static void
put_page(ogg_page *og, unsigned char *buf, size_t *len, size_t cap)
{
	if (*len + (size_t)og->header_len + (size_t)og->body_len > cap)
		abort();
	memcpy(buf + *len, og->header, (size_t)og->header_len);
	*len += (size_t)og->header_len;
	memcpy(buf + *len, og->body, (size_t)og->body_len);
	*len += (size_t)og->body_len;
}

static void
flush(ogg_stream_state *os, unsigned char *buf, size_t *len, size_t cap)
{
	ogg_page og;

	while (ogg_stream_flush(os, &og) != 0)
		put_page(&og, buf, len, cap);
}

static void
other_page(ogg_stream_state *xs, int first, unsigned char *buf, size_t *len, size_t cap)
{
	static unsigned char junk[100] = "\x01" "unknown codec";
	ogg_packet op = { .packet = junk, .bytes = sizeof(junk), .b_o_s = first };

	ogg_stream_packetin(xs, &op);
	flush(xs, buf, len, cap);
}

/* Builds a mono Ogg Opus stream of a 440 Hz tone into buf; returns its length. */
static size_t
build_stream(const struct build *b, unsigned char *buf, size_t cap)
{
	static unsigned char tags[20 + 200000] = "OpusTags";
	unsigned char head[19] = "OpusHead", pkt[1500];
	ogg_stream_state os, xs;
	OpusEncoder *enc;
	ogg_packet op;
	float pcm[960];
	size_t len = 0;
	int i, k, err;
	long n;

	enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_AUDIO, &err);
	if (enc == NULL)
		abort();
	ogg_stream_init(&os, 4242);
	ogg_stream_init(&xs, 77);
	head[8] = 1;
	head[9] = 1;
	head[10] = (unsigned char)(b->preskip & 0xff);
	head[11] = (unsigned char)(b->preskip >> 8);
	head[12] = 0x80;	/* 48000 */
	head[13] = 0xbb;
	head[16] = (unsigned char)(b->gain & 0xff);
	head[17] = (unsigned char)((b->gain >> 8) & 0xff);
	if (b->head_at > 0)
		head[b->head_at] = (unsigned char)b->head_val;
	if (b->tags_extra > 200000)
		abort();
	memset(tags + 8, 0, 12);
	tags[16] = b->tags_extra > 0;	/* one comment, "x=xxx...", or none */
	tags[20] = (unsigned char)(b->tags_extra & 0xff);
	tags[21] = (unsigned char)((b->tags_extra >> 8) & 0xff);
	tags[22] = (unsigned char)((b->tags_extra >> 16) & 0xff);
	memset(tags + 24, 'x', (size_t)b->tags_extra);
	op = (ogg_packet){ .packet = head, .bytes = 19, .b_o_s = 1 };
	ogg_stream_packetin(&os, &op);
	flush(&os, buf, &len, cap);
	if (b->other_stream)
		other_page(&xs, 1, buf, &len, cap);
	op = (ogg_packet){ .packet = tags, .bytes = 16 + (b->tags_extra > 0 ? 8 + b->tags_extra : 0),
	    .packetno = 1 };
	ogg_stream_packetin(&os, &op);
	flush(&os, buf, &len, cap);
	for (i = 0; i < b->packets; i++) {
		for (k = 0; k < 960; k++)
			pcm[k] = 0.5f * sinf(2 * 3.14159265f * 440 * (float)(i * 960 + k) / 48000);
		if ((n = opus_encode_float(enc, pcm, 960, pkt, sizeof(pkt))) <= 0)
			abort();
		op = (ogg_packet){ .packet = pkt, .bytes = n, .packetno = 2 + i,
		    .granulepos = (i + 1) * 960L + b->gp_shift };
		if (i == b->packets - 1) {
			op.granulepos -= b->end_trim;
			op.e_o_s = b->eos;
		}
		ogg_stream_packetin(&os, &op);
		if ((i + 1) % b->per_page == 0 || i == b->packets - 1) {
			flush(&os, buf, &len, cap);
			if (b->other_stream)
				other_page(&xs, 0, buf, &len, cap);
		}
	}
	ogg_stream_clear(&os);
	ogg_stream_clear(&xs);
	opus_encoder_destroy(enc);
	return len;
}

/* Our count, and opusfile's when it accepts the stream (else -1). */
static void
built_counts(const struct build *b, long *ours, long *theirs, double *snr)
{
	static unsigned char buf[1 << 20];
	size_t len = build_stream(b, buf, sizeof(buf));
	struct opus_reader *r;
	OggOpusFile *of;
	struct cmp c;
	int err = 0;

	*ours = *theirs = -1;
	*snr = 0;
	if ((r = opus_reader_open_mem(buf, len, 48000, 1, &err)) == NULL) {
		*ours = err;
		return;
	}
	if ((of = op_open_memory(buf, len, &err)) == NULL) {
		int16_t *x = NULL;
		int last;

		*ours = decode_all(r, 1, 1000, &x, &last);
		free(x);
		opus_reader_free(r);
		return;
	}
	op_set_dither_enabled(of, 0);
	compare_stream(r, of, REF_MONO, 1, 1000, &c);
	*ours = c.our_rc == 0 ? (long)c.ours : c.our_rc;
	*theirs = c.ref_rc == 0 ? (long)c.ref : c.ref_rc;
	*snr = snr_db(&c);
	op_free(of);
	opus_reader_free(r);
}

static void
test_built_trimming_and_gain(void)
{
	static const struct build cases[] = {
		/* preskip, gain, gp_shift, end_trim, packets, per_page, eos, other, tags */
		{ 312, 0, 0, 0, 50, 10, 1, 0, 0, 0, 0 },		/* plain */
		{ 312, 0, 0, 500, 50, 10, 1, 0, 0, 0, 0 },	/* end trimming */
		{ 312, 0, 0, 1500, 50, 10, 1, 0, 0, 0, 0 },	/* end trimming over a packet */
		{ 312, 0, 48000, 0, 50, 10, 1, 0, 0, 0, 0 },	/* starts at 1 s (live cut) */
		{ 312, -1536, 0, 0, 50, 10, 1, 0, 0, 0, 0 },	/* -6 dB output gain */
		{ 312, 0, 0, 300, 5, 10, 1, 0, 0, 0, 0 },	/* one page, short: end trim */
		{ 312, 0, 0, 0, 50, 7, 0, 1, 0, 0, 0 },		/* no EOS, other stream interleaved */
		{ 0, 0, 0, 0, 50, 1, 1, 0, 0, 0, 0 },		/* no pre-skip, a page per packet */
		{ 312, 0, 0, 0, 50, 10, 1, 1, 150000, 0, 0 },	/* OpusTags over three pages */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct build *b = &cases[i];
		long ours, theirs, want;
		double snr;

		built_counts(b, &ours, &theirs, &snr);
		want = b->packets * 960L - b->end_trim - b->preskip;
		printf("# built case %zu: ours %ld, opusfile %ld, expected %ld, SNR %.1f dB\n",
		    i, ours, theirs, want, snr);
		T_EQ_INT(ours, want);
		T_EQ_INT(theirs, want);
		T_ASSERT(snr > 50);
	}
}

/* Damaged or unsupported OpusHead fields fail at open, each with its reason. */
static void
test_built_bad_heads(void)
{
	static const struct { int at, val, code; } cases[] = {
		{ 8, 0x10, OPUS_READER_EUNSUPP },	/* major version 1 */
		{ 9, 0, OPUS_READER_EBADHEADER },	/* no channels */
		{ 9, 3, OPUS_READER_EBADHEADER },	/* 3 channels in family 0 */
		{ 18, 2, OPUS_READER_EUNSUPP },		/* an unknown mapping family */
		{ 18, 1, OPUS_READER_EBADHEADER },	/* family 1 without its table */
		{ 3, 'T', OPUS_READER_ENOTOPUS },	/* "OpuTHead": not Opus at all */
	};
	struct build b = { 312, 0, 0, 0, 5, 10, 1, 0, 0, 0, 0 };
	long ours, theirs;
	double snr;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b.head_at = cases[i].at;
		b.head_val = cases[i].val;
		built_counts(&b, &ours, &theirs, &snr);
		T_EQ_INT(ours, cases[i].code);
		T_ASSERT(strstr(opus_reader_strerror((int)ours), "Opus") != NULL);
	}
}

/*
 * The first page's granule position is below what its packets hold, and it
 * is not the last page: RFC 7845 says reject, opusfile does; we trim the
 * excess from the beginning and play the rest, as the granules say.
 */
static void
test_built_beginning_trim(void)
{
	struct build b = { 312, 0, -1920, 0, 50, 10, 1, 0, 0, 0, 0 };
	long ours, theirs;
	double snr;

	built_counts(&b, &ours, &theirs, &snr);
	T_EQ_INT(ours, 50 * 960L - 1920 - 312);
	T_ASSERT(theirs < 0);
}

/*
 * A FIFO (whose writer never writes) or a device where a bulletin was: the
 * reader refuses it at once, saying why; before, open() waited for a writer
 * and hung the station at the slot's time. alarm() turns a hang into a failure.
 */
static void
test_not_a_regular_file(void)
{
	char dir[] = "/tmp/loaxa-fifo-XXXXXX", fifo[64];
	int err = 0;

	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(fifo, sizeof(fifo), "%s/bản tin.opus", dir);
	T_EQ_INT(mkfifo(fifo, 0600), 0);
	alarm(20);
	T_ASSERT(opus_reader_open_file(fifo, 48000, 1, &err) == NULL);
	T_EQ_INT(err, -EINVAL);
	T_CONTAINS(opus_reader_strerror(err), "not a regular file");
	T_ASSERT(opus_reader_open_file("/dev/zero", 48000, 1, &err) == NULL);
	T_EQ_INT(err, -EINVAL);
	T_ASSERT(opus_reader_open_file(dir, 48000, 1, &err) == NULL);
	T_EQ_INT(err, -EISDIR);
	T_EQ_INT(opus_reader_check_file(fifo, 48000, 1, NULL), -EINVAL);
	alarm(0);
	unlink(fifo);
	rmdir(dir);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	T_RUN(test_good_files_mono_48k);
	T_RUN(test_good_files_stereo_48k);
	T_RUN(test_surround_downmix_matches_documented_matrix);
	T_RUN(test_surround_downmix_close_to_opusfile);
	T_RUN(test_long_file_exact_length);
	T_RUN(test_open_mem_equals_open_file);
	T_RUN(test_read_sizes_do_not_matter);
	T_RUN(test_rate_16k);
	T_RUN(test_check_file_info);
	T_RUN(test_garbage_is_refused_at_open);
	T_RUN(test_truncated_plays_then_fails);
	T_RUN(test_bitflip_plays_then_fails);
	T_RUN(test_end_stays_end_and_bad_args);
	T_RUN(test_built_trimming_and_gain);
	T_RUN(test_built_beginning_trim);
	T_RUN(test_built_bad_heads);
	T_RUN(test_not_a_regular_file);
	T_RUN(test_padding_is_not_damage);
	return T_EXIT();
}
