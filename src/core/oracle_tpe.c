/*-------------------------------------------------------------------------
 *
 * oracle_tpe.c
 *	  The tree-structured Parzen estimator, with Optuna 3.1's defaults.
 *
 * Each trial, the usable history is split in two: the gamma(n) =
 * min(ceil(0.1 n), 25) best trials ("below") and the rest ("above"), n
 * counting the trials with a loss.  Each hyperparameter gets two Parzen
 * estimators (parzen.c), l over below and g over above; n_ei_candidates
 * values are drawn from l and the one maximising log l - log g wins.
 * Before n_startup_trials trials have a loss, trials are random draws,
 * the random oracle's.
 *
 * Hyperparameters live in the unit interval of hp_value_to_prob, where
 * Optuna's own transformations become affine maps (a log float is linear
 * in the log, an int or a stepped value is a bucket of width 1/n), so the
 * estimators are Optuna's.  Unordered choices and booleans are
 * categorical.  A conditional hyperparameter is modelled over the trials
 * where it was active, and drawn only when it is active.
 *
 * multivariate: the unconditional hyperparameters share one joint
 * estimator (one kernel per trial across all of them, Scott's bandwidth);
 * conditional ones stay univariate, as in Optuna, whose relative search
 * space is the intersection of the trials' parameters.
 *
 * Parallel workers: RUNNING trials (another session's, being trained)
 * join the history with the worst possible loss (constant_liar, on by
 * default), so two workers asking at once get different proposals.  A
 * STOPPED trial with a score ranks after every completed trial, as a
 * pruned trial does in Optuna.
 *
 * A proposal already seen is drawn again with the next attempt's random
 * numbers, TPE_ATTEMPTS times, then from random draws; the numbers of
 * attempt a of trial t are rng_uniform(seed, t, TPE_RNG_BASE + a, index).
 *
 *-------------------------------------------------------------------------
 */
#include "core/oracle.h"

#include <math.h>
#include <stdlib.h>

#include "core/oracle_options.h"
#include "core/oracle_util.h"
#include "core/parzen.h"
#include "core/rng.h"

#define TPE_ATTEMPTS 10
#define TPE_RNG_BASE 1000000
#define TPE_MAX_CANDIDATES 10000

typedef struct TpeSettings
{
	int			n_startup_trials;
	int			n_ei_candidates;
	bool		multivariate;
	bool		constant_liar;
	double		prior_weight;
} TpeSettings;

/* one usable record: rank class 0 completed, 1 stopped, 2 a liar */
typedef struct TpeObs
{
	int			record;
	int			pos;			/* position in the unsorted list */
	int			rank;
	double		loss;
	bool		below;
} TpeObs;

typedef struct TpeState
{
	TpeSettings settings;
} TpeState;

static TpeSettings
tpe_read_options(const char *json)
{
	OracleOptions *opts = oracle_options_parse("tpe", json);
	TpeSettings s;

	s.n_startup_trials = (int) oracle_option_number(opts, "n_startup_trials", 10, 0, 1e6, true);
	s.n_ei_candidates = (int) oracle_option_number(opts, "n_ei_candidates", 24, 1,
												   TPE_MAX_CANDIDATES, true);
	s.multivariate = oracle_option_bool(opts, "multivariate", false);
	s.constant_liar = oracle_option_bool(opts, "constant_liar", true);
	s.prior_weight = oracle_option_number(opts, "prior_weight", 1.0, 1e-6, 1e6, false);
	return s;
}

static void
tpe_check_options(const char *json)
{
	(void) tpe_read_options(json);
}

static void
tpe_init(Oracle *oracle)
{
	TpeState   *st = core_alloc(sizeof(TpeState));

	st->settings = tpe_read_options(oracle->config.options);
	oracle->private_state = st;
}

/* ---------------------------------------------------------------------
 * The history, split
 * --------------------------------------------------------------------- */

static int
tpe_compare_obs(const void *a, const void *b)
{
	const TpeObs *x = a;
	const TpeObs *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	if (x->loss != y->loss)
		return x->loss < y->loss ? -1 : 1;
	return x->record - y->record;
}

/* the usable records, oldest first, with below set; *n counts losses */
static TpeObs *
tpe_observations(Oracle *oracle, const TpeSettings *s, int trial_id,
				 int *nobs, int *n)
{
	TpeObs	   *obs = core_alloc(sizeof(TpeObs) * (oracle->ntrials + 1));
	TpeObs	   *sorted;
	int			m = 0;
	int			nbelow;

	*n = 0;
	for (int r = 0; r < oracle->ntrials; r++)
	{
		TrialRecord *t = &oracle->trials[r];
		double		loss;

		if (t->trial_id == trial_id || (t->values.n == 0 && oracle->config.space->n > 0))
			continue;
		obs[m].record = r;
		if (oracle_util_loss(oracle, t, &loss))
		{
			obs[m].rank = 0;
			obs[m].loss = loss;
		}
		else if (t->status == TRIAL_STOPPED && t->has_score && isfinite(t->score))
		{
			obs[m].rank = 1;
			obs[m].loss = oracle->config.maximize ? -t->score : t->score;
		}
		else if (t->status == TRIAL_RUNNING && s->constant_liar)
		{
			obs[m].rank = 2;
			obs[m].loss = 0;
		}
		else
			continue;
		if (obs[m].rank < 2)
			(*n)++;
		obs[m].pos = m;
		m++;
	}
	nbelow = (int) ceil(0.1 * *n);
	if (nbelow > 25)
		nbelow = 25;
	sorted = core_alloc(sizeof(TpeObs) * (m + 1));
	for (int i = 0; i < m; i++)
		sorted[i] = obs[i];
	qsort(sorted, m, sizeof(TpeObs), tpe_compare_obs);
	for (int i = 0; i < m; i++)
		obs[sorted[i].pos].below = i < nbelow;
	core_free(sorted);
	*nobs = m;
	return obs;
}

/* ---------------------------------------------------------------------
 * One hyperparameter in the unit interval
 * --------------------------------------------------------------------- */

static bool
tpe_is_categorical(const HpDef *hp)
{
	return hp->kind == HP_BOOLEAN || (hp->kind == HP_CHOICE && !hp->ordered);
}

/* the bucket width of a numeric hyperparameter; 0 when continuous */
static double
tpe_bucket(const HpDef *hp)
{
	int64_t		n = hp_cardinality(hp);

	if (hp->kind == HP_FLOAT && !hp->has_step)
		return 0;
	if (hp->kind == HP_INT && !hp->has_step && hp->sampling != HP_SAMPLING_LINEAR)
		return 0;
	return n > 0 ? 1.0 / (double) n : 0;
}

static double
tpe_encode(const HpDef *hp, HpValue v)
{
	if (hp->kind == HP_BOOLEAN)
		return v.type == HPV_BOOL && v.b ? 1 : 0;
	if (tpe_is_categorical(hp))
	{
		for (int c = 0; c < hp->nchoices; c++)
			if (hp_value_equal(hp->choices[c], v))
				return c;
		return 0;
	}
	return hp_value_to_prob(hp, v);
}

static HpValue
tpe_decode(const HpDef *hp, double x)
{
	if (hp->kind == HP_BOOLEAN)
		return hp_bool_value(x >= 0.5);
	if (tpe_is_categorical(hp))
		return hp->choices[(int) x];
	return hp_prob_to_value(hp, x);
}

/*
 * The estimator of hyperparameter i over the below (or above) trials;
 * mv_dims > 0: a member of a multivariate group of that many.
 */
static void
tpe_estimator(Oracle *oracle, const TpeObs *obs, int nobs, bool below, int i,
			  double prior_weight, int mv_dims, Parzen *pe)
{
	const HpDef *hp = &oracle->config.space->hps[i];
	double	   *x = core_alloc(sizeof(double) * (nobs + 1));
	int		   *c = core_alloc(sizeof(int) * (nobs + 1));
	int			m = 0;

	for (int j = 0; j < nobs; j++)
	{
		const TrialRecord *t = &oracle->trials[obs[j].record];

		if (obs[j].below != below || i >= t->values.n ||
			t->values.values[i].type == HPV_NONE)
			continue;
		x[m] = tpe_encode(hp, t->values.values[i]);
		c[m] = (int) x[m];
		m++;
	}
	if (tpe_is_categorical(hp))
		parzen_categorical(pe, c, m, hp->kind == HP_BOOLEAN ? 2 : hp->nchoices,
						   prior_weight);
	else
		parzen_numeric(pe, x, m, tpe_bucket(hp), prior_weight,
					   mv_dims > 0 ? parzen_sigma0(m, mv_dims) : 0);
	core_free(x);
	core_free(c);
}

static double
tpe_uniform(const Oracle *oracle, int trial_id, int attempt, int64_t index)
{
	return rng_uniform(oracle->config.seed, trial_id, TPE_RNG_BASE + attempt, index);
}

/* univariate: the best of n_ei_candidates draws for hyperparameter i */
static double
tpe_draw_one(Oracle *oracle, const TpeSettings *s, const TpeObs *obs, int nobs,
			 int i, int trial_id, int attempt)
{
	Parzen		l;
	Parzen		g;
	double		best = 0;
	double		best_score = -INFINITY;

	tpe_estimator(oracle, obs, nobs, true, i, s->prior_weight, 0, &l);
	tpe_estimator(oracle, obs, nobs, false, i, s->prior_weight, 0, &g);
	for (int k = 0; k < s->n_ei_candidates; k++)
	{
		int64_t		base = (int64_t) (i + 1) * 100000 + k * 4;
		int			comp = parzen_pick_component(&l, tpe_uniform(oracle, trial_id, attempt, base));
		double		x = parzen_sample(&l, comp, tpe_uniform(oracle, trial_id, attempt, base + 1));
		double		score = parzen_log_pdf(&l, x) - parzen_log_pdf(&g, x);

		if (k == 0 || score > best_score)
		{
			best = x;
			best_score = score;
		}
	}
	parzen_free(&l);
	parzen_free(&g);
	return best;
}

/* the unconditional, non-fixed hyperparameters: the multivariate group */
static bool
tpe_in_group(const HpDef *hp)
{
	return hp->parent_name == NULL && hp->kind != HP_FIXED;
}

/* log of the joint mixture at candidate x (one value per group member) */
static double
tpe_joint_log_pdf(Parzen *pes, int ngroup, const double *x)
{
	int			ncomp = pes[0].ncomp;
	double		max = -INFINITY;
	double		sum = 0;
	double	   *terms = core_alloc(sizeof(double) * ncomp);

	for (int k = 0; k < ncomp; k++)
	{
		terms[k] = pes[0].log_weights[k];
		for (int p = 0; p < ngroup; p++)
			terms[k] += parzen_component_log_pdf(&pes[p], k, x[p]);
		if (terms[k] > max)
			max = terms[k];
	}
	if (max > -INFINITY)
	{
		for (int k = 0; k < ncomp; k++)
			sum += exp(terms[k] - max);
		max += log(sum);
	}
	core_free(terms);
	return max;
}

/* multivariate: the group's values, from one joint draw per candidate */
static void
tpe_draw_group(Oracle *oracle, const TpeSettings *s, const TpeObs *obs, int nobs,
			   int trial_id, int attempt, HpAssignment *out)
{
	const HpSpace *space = oracle->config.space;
	int		   *members = core_alloc(sizeof(int) * (space->n + 1));
	int			ngroup = 0;
	Parzen	   *l;
	Parzen	   *g;
	double	   *x;
	double	   *best;
	double		best_score = -INFINITY;

	for (int i = 0; i < space->n; i++)
		if (tpe_in_group(&space->hps[i]))
			members[ngroup++] = i;
	if (ngroup == 0)
	{
		core_free(members);
		return;
	}
	l = core_alloc(sizeof(Parzen) * ngroup);
	g = core_alloc(sizeof(Parzen) * ngroup);
	x = core_alloc(sizeof(double) * ngroup);
	best = core_alloc(sizeof(double) * ngroup);
	for (int p = 0; p < ngroup; p++)
	{
		tpe_estimator(oracle, obs, nobs, true, members[p], s->prior_weight, ngroup, &l[p]);
		tpe_estimator(oracle, obs, nobs, false, members[p], s->prior_weight, ngroup, &g[p]);
	}
	for (int k = 0; k < s->n_ei_candidates; k++)
	{
		int			comp = parzen_pick_component(&l[0], tpe_uniform(oracle, trial_id, attempt, k * 4));
		double		score;

		for (int p = 0; p < ngroup; p++)
			x[p] = parzen_sample(&l[p], comp,
								 tpe_uniform(oracle, trial_id, attempt,
											 (int64_t) (members[p] + 1) * 100000 + k * 4 + 1));
		score = tpe_joint_log_pdf(l, ngroup, x) - tpe_joint_log_pdf(g, ngroup, x);
		if (k == 0 || score > best_score)
		{
			best_score = score;
			for (int p = 0; p < ngroup; p++)
				best[p] = x[p];
		}
	}
	for (int p = 0; p < ngroup; p++)
	{
		out->values[members[p]] = tpe_decode(&space->hps[members[p]], best[p]);
		parzen_free(&l[p]);
		parzen_free(&g[p]);
	}
	core_free(l);
	core_free(g);
	core_free(x);
	core_free(best);
	core_free(members);
}

static void
tpe_propose(Oracle *oracle, const TpeSettings *s, const TpeObs *obs, int nobs,
			int trial_id, int attempt, HpAssignment *out)
{
	const HpSpace *space = oracle->config.space;

	if (s->multivariate)
		tpe_draw_group(oracle, s, obs, nobs, trial_id, attempt, out);
	for (int i = 0; i < space->n; i++)
	{
		const HpDef *hp = &space->hps[i];

		if (!hp_is_active(space, i, out->values))
			out->values[i].type = HPV_NONE;
		else if (hp->kind == HP_FIXED)
			out->values[i] = hp_prob_to_value(hp, 0.5);
		else if (!(s->multivariate && tpe_in_group(hp)))
			out->values[i] = tpe_decode(hp, tpe_draw_one(oracle, s, obs, nobs, i,
														 trial_id, attempt));
	}
}

static OracleResult
tpe_create_trial(Oracle *oracle, int trial_id, HpAssignment *out)
{
	TpeState   *st = oracle->private_state;
	TpeObs	   *obs;
	int			nobs;
	int			n;

	if (oracle_util_exhausted(oracle))
		return ORACLE_EXHAUSTED;
	obs = tpe_observations(oracle, &st->settings, trial_id, &nobs, &n);
	if (n >= st->settings.n_startup_trials && n > 0)
	{
		for (int attempt = 0; attempt < TPE_ATTEMPTS; attempt++)
		{
			core_check_interrupts();
			tpe_propose(oracle, &st->settings, obs, nobs, trial_id, attempt, out);
			if (!oracle_util_seen(oracle, out))
			{
				core_free(obs);
				return ORACLE_TRIAL_READY;
			}
		}
	}
	core_free(obs);
	return oracle_util_random_unseen(oracle, trial_id, 0, out) ?
		ORACLE_TRIAL_READY : ORACLE_EXHAUSTED;
}

const OracleMethods oracle_tpe_methods = {
	.name = "tpe",
	.init = tpe_init,
	.create_trial = tpe_create_trial,
	.update = NULL,
	.end_trial = NULL,
	.save_state = NULL,
	.check_options = tpe_check_options
};
