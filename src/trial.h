/*-------------------------------------------------------------------------
 *
 * trial.h
 *	  Running one trial of a built-in hypermodel, and the training
 *	  arguments search, tune, fit and retrain share (trial.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_TRIAL_H
#define HPTUNE_TRIAL_H

#include "catalog.h"
#include "loader.h"

/* what to train: one trial of a study, or one fit/retrain */
typedef struct TrialRun
{
	const Study *study;			/* NULL: not part of a study */
	const char *hypermodel;
	int			trial_id;		/* -1: no trial, nothing recorded per epoch */
	const HpSpace *space;
	const HpAssignment *values; /* aligned with space */
	const TrainData *data;
	const SearchArgs *args;		/* epochs, batch_size */
	const char *objective;		/* the metric that picks the best epoch */
	bool		maximize;
	uint64		seed;
	int			executions;		/* models trained, with different seeds */

	/*
	 * A Hyperband continuation trains epochs initial_epoch to epochs - 1
	 * from the checkpoint of trial resume_from, with the seed of trial
	 * seed_trial_id (the first of its line), so that it is the same run
	 * going on.  epochs 0 means args->epochs.
	 */
	int			epochs;
	int			initial_epoch;
	bool		resume;
	int			resume_from;
	int			seed_trial_id;
	bool		save_checkpoint;	/* keep the last epoch's state */

	/*
	 * Called after every epoch of execution 0 with the objective's value;
	 * true stops the trial, *reason saying why.  NULL: never stop.
	 */
	bool		(*report) (void *arg, int step, double value, char **reason);
	void	   *report_arg;
} TrialRun;

/* what one trial (all its executions) produced */
typedef struct TrialTraining
{
	double		score;			/* mean of each execution's best objective */
	int			best_step;
	Jsonb	   *metrics;		/* averaged metrics at best_step */
	double	   *epoch_seconds;	/* per epoch, execution 0 */
	int			nepochs;
	int64		model_id;		/* execution 0's model */
	bool		stopped;		/* report asked to stop */
	char	   *stop_reason;
} TrialTraining;

extern TrialTraining *trial_run(const TrialRun *run);

/* called as each epoch of an execution starts; NULL: nothing */
typedef void (*TrialEpochHook) (const TrialRun *run, int execution, int epoch);
extern PGDLLIMPORT TrialEpochHook trial_epoch_start_hook;

/* called after each training batch, with the epoch's batches done and total */
typedef void (*TrialBatchHook) (const TrialRun *run, int epoch, int64 batches_done,
								int64 batches);
extern PGDLLIMPORT TrialBatchHook trial_batch_hook;

extern void trial_args_features(SearchArgs *a, ArrayType *arr);
extern void trial_args_check(SearchArgs *a);
extern void trial_check_objective(const TrainData *data, const char *objective);
extern TrainData *trial_load_data(const SearchArgs *args, const char *objective);
extern HyperModelKind trial_hypermodel_kind(const char *name);
extern void trial_set_blas_threads(void);

#endif							/* HPTUNE_TRIAL_H */
