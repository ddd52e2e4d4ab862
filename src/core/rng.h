/*-------------------------------------------------------------------------
 *
 * rng.h
 *	  Random numbers (pure C).
 *
 *	  The core's one source of random numbers, in two forms.
 *
 * Stateless (the oracles): every random number is a pure function of its
 * coordinates: the study seed, the trial id, an attempt counter and an
 * index (usually the hyperparameter's position).  There is no generator
 * state to save, restore or share between sessions, so a resumed search or
 * a second session draws exactly the numbers the first would have drawn.
 * The mixing function is splitmix64's finaliser, applied once per
 * coordinate; its output passes BigCrush when fed a counter, which is
 * what the coordinates are.
 *
 * Streams (the model: weight initialisation, shuffling, dropout masks):
 * xoshiro256** seeded by splitmix64 from (seed, stream), inline because
 * a dropout mask draws one number per activation.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_RNG_H
#define HPTUNE_CORE_RNG_H

#include <stdint.h>

/* splitmix64's finaliser: a bijective 64-bit mix */
extern uint64_t rng_mix64(uint64_t x);

/* 64 random bits at the coordinates (seed, a, b, c) */
extern uint64_t rng_hash(uint64_t seed, int64_t a, int64_t b, int64_t c);

/* a uniform double in [0, 1) at the coordinates (seed, trial, attempt, index) */
extern double rng_uniform(uint64_t seed, int64_t trial_id, int64_t attempt,
						  int64_t index);

/* independent streams drawn from one seed */
#define RNG_STREAM_INIT		1	/* weight initialisation */
#define RNG_STREAM_SHUFFLE	2	/* epoch permutations */
#define RNG_STREAM_DROPOUT	3	/* dropout masks */

typedef struct RngStream
{
	uint64_t	s[4];
} RngStream;

static inline void
rng_stream_seed(RngStream *r, uint64_t seed, uint64_t stream)
{
	uint64_t	x = seed ^ (stream * UINT64_C(0xD1B54A32D192ED03));

	for (int i = 0; i < 4; i++)
	{
		r->s[i] = rng_mix64(x);
		x += UINT64_C(0x9E3779B97F4A7C15);
	}
}

/* the next 64 bits (xoshiro256**) */
static inline uint64_t
rng_stream_next(RngStream *r)
{
	uint64_t   *s = r->s;
	uint64_t	x = s[1] * 5;
	uint64_t	result = ((x << 7) | (x >> 57)) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return result;
}

/* uniform in [0, 1) */
static inline double
rng_stream_uniform(RngStream *r)
{
	return (double) (rng_stream_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

#endif							/* HPTUNE_CORE_RNG_H */
