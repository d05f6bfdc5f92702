/*
 * Loudness as EBU R128 measures it (libebur128): integrated loudness over a
 * whole recording, its true peak and its sample peak, of mono sound. The one
 * home of those measures, for the import's "before" and "after" alike.
 */
#ifndef LOAXA_LOUDNESS_H
#define LOAXA_LOUDNESS_H

#include <stddef.h>
#include <stdint.h>

struct loudness;

struct loudness_result {
	double	integrated;	/* LUFS; -HUGE_VAL when nothing passes the -70 LUFS gate */
	double	true_peak;	/* dBTP (4x oversampled below 96 kHz); -HUGE_VAL for silence */
	double	sample_peak;	/* dBFS */
	uint64_t samples;
};

/* For mono sound at rate. NULL when memory is short. */
struct loudness *loudness_new(unsigned rate);
/* 0, or -ENOMEM. */
int	loudness_add_float(struct loudness *, const float *x, size_t n);
int	loudness_add_s16(struct loudness *, const int16_t *x, size_t n);
void	loudness_get(struct loudness *, struct loudness_result *);
void	loudness_free(struct loudness *);

/* dB of a linear amplitude, and back. */
double	loudness_db(double amplitude);
double	loudness_amplitude(double db);

#endif
