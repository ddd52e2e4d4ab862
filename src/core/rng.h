/*-------------------------------------------------------------------------
 *
 * rng.h
 *	  Stateless random numbers for the oracles (pure C).
 *
 * Every random number the oracles use is a pure function of its
 * coordinates: the study seed, the trial id, an attempt counter and an
 * index (usually the hyperparameter's position).  There is no generator
 * state to save, restore or share between sessions, so a resumed search or
 * a second session draws exactly the numbers the first would have drawn.
 *
 * The mixing function is splitmix64's finaliser, applied once per
 * coordinate; its output passes BigCrush when fed a counter, which is
 * what the coordinates are.
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

#endif							/* HPTUNE_CORE_RNG_H */
