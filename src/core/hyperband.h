/*-------------------------------------------------------------------------
 *
 * hyperband.h
 *	  KerasTuner's Hyperband arithmetic, for the oracle and its tests
 *	  (oracle_hyperband.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_HYPERBAND_H
#define HPTUNE_CORE_HYPERBAND_H

#include "core/oracle.h"

/* the hyperparameters a Hyperband trial carries besides the study's */
#define HYPERBAND_EPOCHS		"tuner/epochs"
#define HYPERBAND_INITIAL_EPOCH "tuner/initial_epoch"
#define HYPERBAND_BRACKET		"tuner/bracket"
#define HYPERBAND_ROUND			"tuner/round"
#define HYPERBAND_TRIAL_ID		"tuner/trial_id"

/* KerasTuner's _get_num_brackets, _get_size and _get_epochs */
extern int	hyperband_num_brackets(int max_epochs, int factor);
extern int	hyperband_size(int max_epochs, int factor, int bracket, int round);
extern int	hyperband_epochs(int max_epochs, int factor, int bracket, int round);

/* trials and epochs one full Hyperband iteration trains */
extern int64_t hyperband_iteration_trials(int max_epochs, int factor);
extern int64_t hyperband_iteration_epochs(int max_epochs, int factor);

#endif							/* HPTUNE_CORE_HYPERBAND_H */
