/*
 * A gain and a look-ahead peak limiter for mono float sound: every sample
 * comes out multiplied by the gain, and no sample comes out above the
 * ceiling. The gain comes down smoothly over the look-ahead (5 ms) before a
 * peak and goes back up over about 100 ms after it, so that the loud
 * syllables of a bulletin brought up to the target lose their peaks, not
 * their shape. Sound comes out LIMITER_DELAY samples late: limiter_flush()
 * gives the end.
 */
#ifndef LOAXA_LIMITER_H
#define LOAXA_LIMITER_H

#include <stddef.h>

struct limiter;

/* gain and ceiling in dB (dBFS). NULL when memory is short. */
struct limiter *limiter_new(unsigned rate, double gain_db, double ceiling_db);
/* Takes n samples of in; writes up to n samples to out; returns how many. */
size_t	limiter_run(struct limiter *, const float *in, float *out, size_t n);
/* Writes what is still held (at most limiter_delay() samples) to out; returns how many. */
size_t	limiter_flush(struct limiter *, float *out);
size_t	limiter_delay(const struct limiter *);
/* How many samples came above the ceiling and were brought down under it. */
size_t	limiter_touched(const struct limiter *);
void	limiter_free(struct limiter *);

#endif
