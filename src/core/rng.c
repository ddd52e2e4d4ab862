/*-------------------------------------------------------------------------
 *
 * rng.c
 *	  Stateless random numbers: splitmix64 over (seed, trial, attempt, index).
 *
 * rng_hash folds each coordinate into the running value and re-mixes, so
 * neighbouring coordinates (trial 7 and trial 8, index 0 and index 1) give
 * unrelated outputs.  A coordinate is xored in as it is, never mixed on
 * its own first: mixing the seed and the trial alike and xoring them
 * would make them interchangeable (seed 3's trial 5 would be seed 5's
 * trial 3, and trial s of every seed s one and the same point).
 * rng_uniform keeps the top 53 bits, which makes every result an exact
 * multiple of 2^-53 in [0, 1).
 *
 *-------------------------------------------------------------------------
 */
#include "core/rng.h"

#define RNG_GOLDEN	UINT64_C(0x9E3779B97F4A7C15)

uint64_t
rng_mix64(uint64_t x)
{
	x += RNG_GOLDEN;
	x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

uint64_t
rng_hash(uint64_t seed, int64_t a, int64_t b, int64_t c)
{
	uint64_t	h = rng_mix64(seed);

	h = rng_mix64(h ^ (uint64_t) a);
	h = rng_mix64(h ^ (uint64_t) b);
	h = rng_mix64(h ^ (uint64_t) c);
	return h;
}

double
rng_uniform(uint64_t seed, int64_t trial_id, int64_t attempt, int64_t index)
{
	uint64_t	bits = rng_hash(seed, trial_id, attempt, index);

	return (double) (bits >> 11) * (1.0 / 9007199254740992.0);
}
