/*-------------------------------------------------------------------------
 *
 * oracle_random.c
 *	  RandomSearch: each hyperparameter drawn uniformly in probability space.
 *
 * As in KerasTuner, a trial's values are drawn independently, each
 * hyperparameter mapping a uniform p to a value with hp_prob_to_value
 * (so log sampling is uniform in the logarithm); a combination already
 * seen is drawn again, up to ORACLE_RANDOM_ATTEMPTS times, after which the
 * space is deemed exhausted.  Inactive hyperparameters (a condition on a
 * parent not met) get no value.
 *
 * The p of hyperparameter i in attempt a of trial t is
 * rng_uniform(seed, t, a, i): no generator state, so the same seed and the
 * same history give the same trials, in one session or across resumed
 * ones.  When the space is finite and every combination has been seen the
 * oracle says so at once instead of burning its attempts.
 *
 *-------------------------------------------------------------------------
 */
#include "core/oracle.h"
#include "core/rng.h"

#define ORACLE_RANDOM_ATTEMPTS 100

typedef struct RandomState
{
	int64_t		cardinality;	/* -1: infinite or too large to count */
} RandomState;

static void
random_init(Oracle *oracle)
{
	RandomState *state = core_alloc(sizeof(RandomState));

	state->cardinality = hp_space_cardinality(oracle->config.space);
	oracle->private_state = state;
}

/* one draw of every hyperparameter, in declaration order */
static void
random_draw(Oracle *oracle, int trial_id, int attempt, HpAssignment *out)
{
	const HpSpace *space = oracle->config.space;

	for (int i = 0; i < space->n; i++)
	{
		if (hp_is_active(space, i, out->values))
		{
			double		p = rng_uniform(oracle->config.seed, trial_id,
										attempt, i);

			out->values[i] = hp_prob_to_value(&space->hps[i], p);
		}
		else
			out->values[i].type = HPV_NONE;
	}
}

static OracleResult
random_create_trial(Oracle *oracle, int trial_id, HpAssignment *out)
{
	RandomState *state = oracle->private_state;

	if (state->cardinality >= 0 &&
		oracle_seen_count(oracle) >= state->cardinality)
		return ORACLE_EXHAUSTED;
	for (int attempt = 0; attempt < ORACLE_RANDOM_ATTEMPTS; attempt++)
	{
		random_draw(oracle, trial_id, attempt, out);
		if (!oracle_seen(oracle, hp_assignment_hash(oracle->config.space, out)))
			return ORACLE_TRIAL_READY;
	}
	return ORACLE_EXHAUSTED;
}

const OracleMethods oracle_random_methods = {
	.name = "random",
	.init = random_init,
	.create_trial = random_create_trial,
	.update = NULL,
	.end_trial = NULL,
	.save_state = NULL
};
