/*-------------------------------------------------------------------------
 *
 * pruner.h
 *	  Stopping hopeless trials early: Optuna's median and successive
 *	  halving (ASHA) pruners over an oracle's history (pure C).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_PRUNER_H
#define HPTUNE_CORE_PRUNER_H

#include "core/oracle.h"

typedef enum PrunerKind
{
	PRUNER_NONE,
	PRUNER_MEDIAN,
	PRUNER_ASHA
} PrunerKind;

typedef struct Pruner
{
	PrunerKind	kind;
	/* median (Optuna's MedianPruner) */
	int			n_startup_trials;	/* 5 */
	int			n_warmup_steps; /* 0 */
	int			interval_steps; /* 1 */
	int			n_min_trials;	/* 1 */
	/* asha (Optuna's SuccessiveHalvingPruner) */
	int			min_resource;	/* 0: "auto" */
	int			reduction_factor;	/* 4 */
	int			min_early_stopping_rate;	/* 0 */
} Pruner;

/*
 * The pruner tuner_options asks for ("pruner", its settings in the object
 * "pruner_options"), with Optuna 3.1's defaults; bad or unknown settings
 * raise CORE_ERR_INVALID_PARAMETER.
 */
extern void pruner_from_options(const char *options, Pruner *pruner);

/*
 * Should trial_id stop now, given the intermediate values in the history
 * (its own included, the last one just reported)?  When it should,
 * *reason gets a sentence saying why (allocated).
 */
extern bool pruner_should_stop(const Pruner *pruner, const TrialRecord *trials,
							   int ntrials, bool maximize, int trial_id,
							   char **reason);

/* numpy's nanpercentile with linear interpolation; sorts values; NaN if none */
extern double pruner_nanpercentile(double *values, int n, double q);

#endif							/* HPTUNE_CORE_PRUNER_H */
