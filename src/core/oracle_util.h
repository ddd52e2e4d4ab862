/*-------------------------------------------------------------------------
 *
 * oracle_util.h
 *	  What the model-based oracles (bayesian, tpe) share (pure C).
 *
 * Both learn from the history only: the losses of COMPLETED trials with a
 * finite score (negated when the study maximises, so lower is better);
 * FAILED and INVALID trials, trials without a score and non-finite scores
 * teach nothing.  Both start with random trials drawn exactly as the
 * random oracle draws them, and fall back on such draws when their own
 * proposals keep landing on combinations already seen.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_ORACLE_UTIL_H
#define HPTUNE_CORE_ORACLE_UTIL_H

#include "core/oracle.h"

/* random draws get this many attempts before the space counts as exhausted */
#define ORACLE_UTIL_RANDOM_ATTEMPTS 100

/* the loss of a record, if it has one to learn from */
extern bool oracle_util_loss(const Oracle *oracle, const TrialRecord *record,
							 double *loss);

/* the random oracle's draw for (trial_id, attempt) */
extern void oracle_util_random_draw(const Oracle *oracle, int trial_id,
									int attempt, HpAssignment *out);

/*
 * Random draws from attempt first_attempt on until one is unseen; false
 * after ORACLE_UTIL_RANDOM_ATTEMPTS of them.
 */
extern bool oracle_util_random_unseen(const Oracle *oracle, int trial_id,
									  int first_attempt, HpAssignment *out);

/* the space's combinations are all seen (never true for an infinite one) */
extern bool oracle_util_exhausted(const Oracle *oracle);

/* is an assignment already seen? */
extern bool oracle_util_seen(const Oracle *oracle, const HpAssignment *a);

#endif							/* HPTUNE_CORE_ORACLE_UTIL_H */
