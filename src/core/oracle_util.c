/*-------------------------------------------------------------------------
 *
 * oracle_util.c
 *	  Helpers of the model-based oracles: losses, random draws, seen checks.
 *
 *-------------------------------------------------------------------------
 */
#include "core/oracle_util.h"

#include <math.h>

#include "core/rng.h"

bool
oracle_util_loss(const Oracle *oracle, const TrialRecord *record, double *loss)
{
	if (record->status != TRIAL_COMPLETED || !record->has_score ||
		!isfinite(record->score))
		return false;
	if (record->values.n == 0 && oracle->config.space->n > 0)
		return false;
	*loss = oracle->config.maximize ? -record->score : record->score;
	return true;
}

void
oracle_util_random_draw(const Oracle *oracle, int trial_id, int attempt,
						HpAssignment *out)
{
	const HpSpace *space = oracle->config.space;

	for (int i = 0; i < space->n; i++)
	{
		if (hp_is_active(space, i, out->values))
			out->values[i] = hp_prob_to_value(&space->hps[i],
											  rng_uniform(oracle->config.seed,
														  trial_id, attempt, i));
		else
			out->values[i].type = HPV_NONE;
	}
}

bool
oracle_util_seen(const Oracle *oracle, const HpAssignment *a)
{
	return oracle_seen(oracle, hp_assignment_hash(oracle->config.space, a));
}

bool
oracle_util_random_unseen(const Oracle *oracle, int trial_id, int first_attempt,
						  HpAssignment *out)
{
	for (int a = 0; a < ORACLE_UTIL_RANDOM_ATTEMPTS; a++)
	{
		oracle_util_random_draw(oracle, trial_id, first_attempt + a, out);
		if (!oracle_util_seen(oracle, out))
			return true;
	}
	return false;
}

bool
oracle_util_exhausted(const Oracle *oracle)
{
	int64_t		cardinality = hp_space_cardinality(oracle->config.space);

	return cardinality >= 0 && oracle_seen_count(oracle) >= cardinality;
}
