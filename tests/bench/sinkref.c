/*
 * A sound device's own start latency, the reference of the punctuality
 * figure of `make bench`: opens an ALSA device the way loaxad sets it up
 * (S16, a buffer of BUFFER_MS in four periods, start at one period) and
 * writes a second of tone at once. It prints the wall-clock instant just
 * before the open; the virtual card's log (tests/vcard/vcard.c) says when its
 * frame 0 was heard. The difference is what opening and starting the device
 * costs any player, loaxad included.
 * Usage: sinkref DEVICE CHANNELS [BUFFER_MS]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <alsa/asoundlib.h>

#define REF_RATE	48000

static int
ref_setup(snd_pcm_t *pcm, unsigned channels, unsigned buffer_ms)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t buffer, period;
	unsigned buffer_us = buffer_ms * 1000, period_us = buffer_us / 4;
	int rc;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	if ((rc = snd_pcm_hw_params_any(pcm, hw)) < 0 ||
	    (rc = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
	    (rc = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE)) < 0 ||
	    (rc = snd_pcm_hw_params_set_channels(pcm, hw, channels)) < 0 ||
	    (rc = snd_pcm_hw_params_set_rate(pcm, hw, REF_RATE, 0)) < 0 ||
	    (rc = snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &buffer_us, NULL)) < 0 ||
	    (rc = snd_pcm_hw_params_set_period_time_near(pcm, hw, &period_us, NULL)) < 0 ||
	    (rc = snd_pcm_hw_params(pcm, hw)) < 0 ||
	    (rc = snd_pcm_get_params(pcm, &buffer, &period)) < 0 ||
	    (rc = snd_pcm_sw_params_current(pcm, sw)) < 0 ||
	    (rc = snd_pcm_sw_params_set_start_threshold(pcm, sw, period)) < 0 ||
	    (rc = snd_pcm_sw_params(pcm, sw)) < 0)
		return rc;
	return 0;
}

int
main(int argc, char **argv)
{
	static int16_t pcm[REF_RATE * 2];
	unsigned channels, buffer_ms, i;
	struct timespec t0;
	snd_pcm_t *h;
	int rc;

	if (argc < 3 || (channels = (unsigned)atoi(argv[2])) < 1 || channels > 2) {
		fprintf(stderr, "usage: sinkref DEVICE CHANNELS [BUFFER_MS]\n");
		return 2;
	}
	buffer_ms = argc > 3 ? (unsigned)atoi(argv[3]) : 250;
	for (i = 0; i < REF_RATE * channels; i++)
		pcm[i] = (int16_t)(8000 * sin(2 * M_PI * 440 * (i / channels) / REF_RATE));
	clock_gettime(CLOCK_REALTIME, &t0);
	if ((rc = snd_pcm_open(&h, argv[1], SND_PCM_STREAM_PLAYBACK, 0)) < 0 ||
	    (rc = ref_setup(h, channels, buffer_ms)) < 0) {
		fprintf(stderr, "sinkref: %s: %s\n", argv[1], snd_strerror(rc));
		return 1;
	}
	if ((rc = (int)snd_pcm_writei(h, pcm, REF_RATE)) < 0)
		fprintf(stderr, "sinkref: write: %s\n", snd_strerror(rc));
	snd_pcm_drain(h);
	snd_pcm_close(h);
	printf("%lld.%09ld\n", (long long)t0.tv_sec, t0.tv_nsec);
	return rc < 0 ? 1 : 0;
}
