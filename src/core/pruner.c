/*-------------------------------------------------------------------------
 *
 * pruner.c
 *	  Stopping hopeless trials early (pure C).
 *
 * A pruner judges a running trial from the intermediate values (one per
 * step: an epoch of the built-in trainer, or whatever hptune.report is
 * given) that the oracle's history holds for every trial.  Everything is
 * derived from that history, so a resumed search judges as the first one
 * would have.  tuner_options.pruner picks one, for any tuner, and
 * tuner_options.pruner_options holds its settings (a key the pruner does
 * not read there is an error; the tuner's own settings stay at the top
 * level, so tpe's n_startup_trials and the median pruner's are apart):
 *
 *	 median		Optuna 3.1's MedianPruner (PercentilePruner at 50): after
 *				n_startup_trials (5) trials have completed, at every
 *				interval_steps-th (1) step from n_warmup_steps (0), stop a
 *				trial whose best value so far is worse than the median of the
 *				completed trials' values at the same step (at least
 *				n_min_trials (1) of them).  A trial whose values are all NaN
 *				stops.
 *
 *	 asha		Optuna 3.1's SuccessiveHalvingPruner: rung r is reached at
 *				step min_resource * reduction_factor^(min_early_stopping_rate
 *				+ r); a trial reaching a rung goes on only if its value is
 *				among the best 1/reduction_factor of the values every trial
 *				had at that rung (itself included; the best one when fewer
 *				than reduction_factor).  min_resource "auto" (the default)
 *				is max(last step // 100, 1) over completed trials, with no
 *				pruning before one has completed.  A trial's value at a rung
 *				is its value at the first step it reported at or after the
 *				rung's step (Optuna stores it as a trial attribute when the
 *				trial gets there; with a value every step the two agree).
 *				FAILED trials do not compete: what a failed trial wrote is
 *				rolled back, so a resumed search would not see it.
 *
 * The steps are counted from 0, as Optuna's and Keras's epochs are.
 *
 *-------------------------------------------------------------------------
 */
#include "core/pruner.h"
#include "core/oracle_options.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PRUNER_MAX_SETTING 1000000000

static const char *const pruner_kinds[] = {"median", "asha", NULL};
static const char *const pruner_median_settings[] = {
	"n_startup_trials", "n_warmup_steps", "interval_steps", "n_min_trials", NULL
};
static const char *const pruner_asha_settings[] = {
	"min_resource", "reduction_factor", "min_early_stopping_rate", NULL
};

/* asha's min_resource: "auto" (0) or a step */
static int
pruner_min_resource(const OracleOptions *settings)
{
	const OracleOption *opt = oracle_option_find(settings, "min_resource");

	if (opt == NULL || (opt->type == OPT_STRING && strcmp(opt->string, "auto") == 0))
		return 0;
	if (opt->type != OPT_NUMBER || opt->number != floor(opt->number) ||
		opt->number < 1 || opt->number > PRUNER_MAX_SETTING)
		oracle_option_invalid(settings, "min_resource",
							  core_psprintf("\"auto\" or an integer between 1 and %d",
											PRUNER_MAX_SETTING),
							  "\"auto\"");
	return (int) opt->number;
}

void
pruner_from_options(const char *options, Pruner *p)
{
	OracleOptions *opts = oracle_options_parse(NULL, options);
	int			kind = oracle_option_choice(opts, "pruner", pruner_kinds, -1);
	OracleOptions *settings;

	memset(p, 0, sizeof(*p));
	p->kind = kind < 0 ? PRUNER_NONE : kind == 0 ? PRUNER_MEDIAN : PRUNER_ASHA;
	if (kind < 0 && oracle_option_given(opts, "pruner_options"))
		core_error(CORE_ERR_INVALID_PARAMETER,
				   "tuner_options.pruner_options needs tuner_options.pruner",
				   core_psprintf("tuner_options.pruner_options is %s, but tuner_options has no \"pruner\".",
								 oracle_option_find(opts, "pruner_options")->text),
				   "Pass \"pruner\": one of \"median\", \"asha\" with it, or leave \"pruner_options\" out.");
	settings = kind < 0 ? NULL
		: oracle_options_nested(opts, "pruner_options",
								core_psprintf("pruner \"%s\"", pruner_kinds[kind]));
	if (settings == NULL)
		settings = oracle_options_parse(NULL, NULL);
	oracle_options_only(settings, p->kind == PRUNER_ASHA ? pruner_asha_settings
						: pruner_median_settings);
	p->n_startup_trials = (int) oracle_option_number(settings, "n_startup_trials", 5,
													 0, PRUNER_MAX_SETTING, true);
	p->n_warmup_steps = (int) oracle_option_number(settings, "n_warmup_steps", 0,
												   0, PRUNER_MAX_SETTING, true);
	p->interval_steps = (int) oracle_option_number(settings, "interval_steps", 1,
												   1, PRUNER_MAX_SETTING, true);
	p->n_min_trials = (int) oracle_option_number(settings, "n_min_trials", 1,
												 1, PRUNER_MAX_SETTING, true);
	p->reduction_factor = (int) oracle_option_number(settings, "reduction_factor", 4,
													 2, 1000, true);
	p->min_early_stopping_rate = (int) oracle_option_number(settings, "min_early_stopping_rate",
															0, 0, 30, true);
	p->min_resource = pruner_min_resource(settings);
}

static const TrialRecord *
pruner_find(const TrialRecord *trials, int ntrials, int trial_id)
{
	for (int i = ntrials - 1; i >= 0; i--)
		if (trials[i].trial_id == trial_id)
			return &trials[i];
	return NULL;
}

static int
pruner_last_step(const TrialRecord *t)
{
	return t->nsteps > 0 ? t->steps[t->nsteps - 1] : -1;
}

/* the value at step, or NaN with *found false */
static double
pruner_value_at(const TrialRecord *t, int step, bool *found)
{
	for (int i = 0; i < t->nsteps; i++)
		if (t->steps[i] == step)
		{
			*found = true;
			return t->step_values[i];
		}
	*found = false;
	return NAN;
}

static int
pruner_compare_doubles(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

double
pruner_nanpercentile(double *values, int n, double q)
{
	int			m = 0;
	double		rank;
	int			lo;

	for (int i = 0; i < n; i++)
		if (!isnan(values[i]))
			values[m++] = values[i];
	if (m == 0)
		return NAN;
	qsort(values, m, sizeof(double), pruner_compare_doubles);
	rank = q / 100.0 * (m - 1);
	lo = (int) floor(rank);
	if (lo >= m - 1)
		return values[m - 1];
	return values[lo] + (values[lo + 1] - values[lo]) * (rank - lo);
}

/* Optuna's _is_first_in_interval_step */
static bool
pruner_first_in_interval(const TrialRecord *t, int step, int warmup, int interval)
{
	int			nearest = (step - warmup) / interval * interval + warmup;
	int			second_last = -1;

	for (int i = 0; i < t->nsteps; i++)
		if (t->steps[i] > second_last && t->steps[i] != step)
			second_last = t->steps[i];
	return second_last < nearest;
}

static bool
pruner_median(const Pruner *p, const TrialRecord *trials, int ntrials,
			  bool maximize, const TrialRecord *t, char **reason)
{
	int			step = pruner_last_step(t);
	int			ncompleted = 0;
	int			nvalues = 0;
	double	   *values;
	double		best = NAN;
	double		median;
	bool		stop;

	for (int i = 0; i < ntrials; i++)
		if (trials[i].status == TRIAL_COMPLETED && trials[i].trial_id != t->trial_id)
			ncompleted++;
	if (ncompleted == 0 || ncompleted < p->n_startup_trials || step < 0 ||
		step < p->n_warmup_steps ||
		!pruner_first_in_interval(t, step, p->n_warmup_steps, p->interval_steps))
		return false;
	for (int i = 0; i < t->nsteps; i++)
		if (!isnan(t->step_values[i]) &&
			(isnan(best) || (maximize ? t->step_values[i] > best : t->step_values[i] < best)))
			best = t->step_values[i];
	if (isnan(best))
	{
		*reason = core_psprintf("Pruned by the median pruner at step %d: every value the trial reported is NaN.", step);
		return true;
	}
	values = core_alloc(sizeof(double) * ntrials);
	for (int i = 0; i < ntrials; i++)
	{
		bool		found;
		double		v;

		if (trials[i].status != TRIAL_COMPLETED || trials[i].trial_id == t->trial_id)
			continue;
		v = pruner_value_at(&trials[i], step, &found);
		if (found)
			values[nvalues++] = v;
	}
	if (nvalues < p->n_min_trials)
	{
		core_free(values);
		return false;
	}
	median = pruner_nanpercentile(values, nvalues, 50.0);
	core_free(values);
	if (isnan(median))
		return false;
	stop = maximize ? best < median : best > median;
	if (stop)
		*reason = core_psprintf("Pruned by the median pruner at step %d: the best value so far, %g, is worse than %g, the median of %d completed trials at that step.",
								step, best, median, nvalues);
	return stop;
}

/* the step at which rung r is reached */
static double
pruner_rung_step(const Pruner *p, int min_resource, int rung)
{
	return min_resource * pow(p->reduction_factor, p->min_early_stopping_rate + rung);
}

/* a trial's value at a rung: at the first step at or after the rung's */
static bool
pruner_rung_value(const TrialRecord *t, double rung_step, int before_step, double *value)
{
	for (int i = 0; i < t->nsteps; i++)
		if (t->steps[i] >= rung_step && t->steps[i] < before_step)
		{
			*value = t->step_values[i];
			return true;
		}
	return false;
}

static bool
pruner_asha(const Pruner *p, const TrialRecord *trials, int ntrials,
			bool maximize, const TrialRecord *t, char **reason)
{
	int			step = pruner_last_step(t);
	double		value = t->nsteps > 0 ? t->step_values[t->nsteps - 1] : NAN;
	int			min_resource = p->min_resource;
	int			rung = 0;
	double	   *competing;

	if (step < 0)
		return false;
	if (min_resource == 0)
	{
		int			last = -1;

		for (int i = 0; i < ntrials; i++)
			if (trials[i].status == TRIAL_COMPLETED && trials[i].trial_id != t->trial_id &&
				pruner_last_step(&trials[i]) > last)
				last = pruner_last_step(&trials[i]);
		if (last < 0)
			return false;
		min_resource = last / 100 > 1 ? last / 100 : 1;
	}
	/* rungs completed at earlier steps */
	while (t->nsteps > 1 && t->steps[t->nsteps - 2] >= pruner_rung_step(p, min_resource, rung))
		rung++;
	competing = core_alloc(sizeof(double) * (ntrials + 1));
	for (; step >= pruner_rung_step(p, min_resource, rung); rung++)
	{
		double		rung_step = pruner_rung_step(p, min_resource, rung);
		int			n = 0;
		int			idx;
		double		threshold;
		bool		promotable;

		if (isnan(value))
		{
			*reason = core_psprintf("Pruned by the asha pruner at step %d: the value is NaN.", step);
			core_free(competing);
			return true;
		}
		for (int i = 0; i < ntrials; i++)
		{
			double		v;

			if (trials[i].trial_id != t->trial_id && trials[i].status != TRIAL_FAILED &&
				pruner_rung_value(&trials[i], rung_step, INT32_MAX, &v) && !isnan(v))
				competing[n++] = v;
		}
		competing[n++] = value;
		idx = n / p->reduction_factor - 1;
		if (idx < 0)
			idx = 0;
		qsort(competing, n, sizeof(double), pruner_compare_doubles);
		threshold = maximize ? competing[n - 1 - idx] : competing[idx];
		promotable = maximize ? value >= threshold : value <= threshold;
		if (!promotable)
		{
			*reason = core_psprintf("Pruned by the asha pruner at step %d: %g is not among the best 1/%d of the %d values at rung %d (step %g); the cut is %g.",
									step, value, p->reduction_factor, n, rung, rung_step, threshold);
			core_free(competing);
			return true;
		}
	}
	core_free(competing);
	return false;
}

bool
pruner_should_stop(const Pruner *p, const TrialRecord *trials, int ntrials,
				   bool maximize, int trial_id, char **reason)
{
	const TrialRecord *t = pruner_find(trials, ntrials, trial_id);

	*reason = NULL;
	if (t == NULL || p->kind == PRUNER_NONE)
		return false;
	if (p->kind == PRUNER_MEDIAN)
		return pruner_median(p, trials, ntrials, maximize, t, reason);
	return pruner_asha(p, trials, ntrials, maximize, t, reason);
}
