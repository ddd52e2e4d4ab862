/*-------------------------------------------------------------------------
 *
 * oracle_bayesian.c
 *	  Bayesian optimisation: a Gaussian process and expected improvement.
 *
 * KerasTuner's BayesianOptimization, with its known defects fixed.  After
 * num_initial_points random trials (max(3 x hyperparameters, 3) by
 * default, drawn as the random oracle draws them), each trial:
 *
 * 1. Encodes every trial with a loss into the unit cube: numbers (and
 *	  ordered choices) by hp_value_to_prob, booleans 0/1, unordered choices
 *	  one-hot (never an ordinal); a hyperparameter that is inactive in a
 *	  trial takes its default's encoding.  FAILED trials, trials without a
 *	  score and non-finite scores are left out, never mapped to a number.
 * 2. Warps the losses (the negated score when the study maximises) with
 *	  log(loss - min + s), s the distance from the minimum to the upper
 *	  quartile, so that a few huge losses do not flatten the region of the
 *	  best trials; then normalises them to mean 0, variance 1.
 * 3. Fits the GP's hyperparameters (gp.c) from several starts, on at most
 *	  BAYES_FIT_MAX_POINTS trials (the best half of them and an even spread
 *	  of the others), then conditions the GP on every trial.
 * 4. Adds the RUNNING trials (other workers' trials in flight) at the
 *	  posterior mean ("kriging believer"): the mean is unchanged and the
 *	  uncertainty there collapses, so a second worker asking at once is
 *	  sent elsewhere.
 * 5. Maximises the acquisition (expected improvement, or with acquisition
 *	  "ucb" the lower confidence bound mu - beta sigma) over random points
 *	  of the cube and perturbations of the best trials, then polishes the
 *	  best few with bounded L-BFGS (NLopt) over the numeric dimensions.
 * 6. Decodes the candidates best first and returns the first combination
 *	  never seen before (KerasTuner could propose a tried one again); if
 *	  all are seen, a random unseen draw.
 *
 * Everything random is rng_uniform(seed, trial id, BAYES_RNG_*, index):
 * the same history and seed give the same trial, in one session or after
 * a resume, so the study's tables are the whole state.
 *
 *-------------------------------------------------------------------------
 */
#include "core/oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nlopt.h>

#include "core/gp.h"
#include "core/oracle_options.h"
#include "core/oracle_util.h"
#include "core/parzen.h"
#include "core/rng.h"

#define BAYES_RNG_FIT		2000000
#define BAYES_RNG_RANDOM	2000001
#define BAYES_RNG_LOCAL		2000002

#define BAYES_FIT_STARTS	3
#define BAYES_FIT_MAXEVAL	60
#define BAYES_FIT_MAX_POINTS 200
#define BAYES_RANDOM_CANDIDATES 1000
#define BAYES_LOCAL_CENTRES 5
#define BAYES_LOCAL_PER_CENTRE 60
#define BAYES_POLISHED		5
#define BAYES_POLISH_MAXEVAL 40

typedef enum BayesAcquisition
{
	BAYES_EI,
	BAYES_UCB
} BayesAcquisition;

static const char *const bayes_acquisitions[] = {"ei", "ucb", NULL};

typedef struct BayesSettings
{
	BayesAcquisition acquisition;
	double		beta;
	int			num_initial_points; /* -1: max(3 x hyperparameters, 3) */
	double		alpha;
} BayesSettings;

typedef struct BayesState
{
	BayesSettings settings;
	int			ndims;
	int		   *first;			/* first dimension of each hyperparameter */
	int		   *width;			/* its dimensions: 0 fixed, k one-hot, else 1 */
	bool	   *numeric;		/* per dimension: free in the polish */
	int			nhps;			/* hyperparameters that are not fixed */
} BayesState;

static BayesSettings
bayes_read_options(const char *json)
{
	OracleOptions *opts = oracle_options_parse("bayesian", json);
	BayesSettings s;

	s.acquisition = (BayesAcquisition) oracle_option_choice(opts, "acquisition",
															bayes_acquisitions, BAYES_EI);
	s.beta = oracle_option_number(opts, "beta", 2.6, 0, 1e6, false);
	s.num_initial_points = (int) oracle_option_number(opts, "num_initial_points", -1, 1,
													  1e6, true);
	s.alpha = oracle_option_number(opts, "alpha", 1e-6, 0, 1, false);
	return s;
}

static void
bayes_check_options(const char *json)
{
	(void) bayes_read_options(json);
}

static bool
bayes_one_hot(const HpDef *hp)
{
	return hp->kind == HP_CHOICE && !hp->ordered && hp->nchoices > 1;
}

static void
bayes_init(Oracle *oracle)
{
	const HpSpace *space = oracle->config.space;
	BayesState *st = core_alloc(sizeof(BayesState));
	int			dims = 0;

	st->settings = bayes_read_options(oracle->config.options);
	st->first = core_alloc(sizeof(int) * (space->n + 1));
	st->width = core_alloc(sizeof(int) * (space->n + 1));
	for (int i = 0; i < space->n; i++)
	{
		const HpDef *hp = &space->hps[i];

		st->first[i] = dims;
		st->width[i] = hp->kind == HP_FIXED ? 0 : bayes_one_hot(hp) ? hp->nchoices : 1;
		dims += st->width[i];
		if (hp->kind != HP_FIXED)
			st->nhps++;
	}
	st->ndims = dims;
	st->numeric = core_alloc(sizeof(bool) * (dims + 1));
	for (int i = 0; i < space->n; i++)
	{
		const HpDef *hp = &space->hps[i];

		if (st->width[i] == 1 && hp->kind != HP_BOOLEAN)
			st->numeric[st->first[i]] = true;
	}
	if (st->settings.num_initial_points < 0)
		st->settings.num_initial_points = st->nhps * 3 > 3 ? st->nhps * 3 : 3;
	oracle->private_state = st;
}

/* ---------------------------------------------------------------------
 * The unit-cube encoding
 * --------------------------------------------------------------------- */

static void
bayes_encode(const Oracle *oracle, const BayesState *st, const HpAssignment *a,
			 double *x)
{
	const HpSpace *space = oracle->config.space;

	for (int i = 0; i < space->n; i++)
	{
		const HpDef *hp = &space->hps[i];
		HpValue		v = i < a->n ? a->values[i] : hp_default(hp);
		double	   *xi = x + st->first[i];

		if (st->width[i] == 0)
			continue;
		if (v.type == HPV_NONE)
			v = hp_default(hp);
		if (bayes_one_hot(hp))
		{
			for (int c = 0; c < hp->nchoices; c++)
				xi[c] = hp_value_equal(hp->choices[c], v) ? 1.0 : 0.0;
		}
		else if (hp->kind == HP_BOOLEAN)
			xi[0] = v.type == HPV_BOOL && v.b ? 1.0 : 0.0;
		else
			xi[0] = hp_value_to_prob(hp, v);
	}
}

static void
bayes_decode(const Oracle *oracle, const BayesState *st, const double *x,
			 HpAssignment *out)
{
	const HpSpace *space = oracle->config.space;

	for (int i = 0; i < space->n; i++)
	{
		const HpDef *hp = &space->hps[i];
		const double *xi = x + st->first[i];

		if (!hp_is_active(space, i, out->values))
			out->values[i].type = HPV_NONE;
		else if (st->width[i] == 0)
			out->values[i] = hp_prob_to_value(hp, 0.5);
		else if (bayes_one_hot(hp))
		{
			int			best = 0;

			for (int c = 1; c < hp->nchoices; c++)
				if (xi[c] > xi[best])
					best = c;
			out->values[i] = hp->choices[best];
		}
		else if (hp->kind == HP_BOOLEAN)
			out->values[i] = hp_bool_value(xi[0] >= 0.5);
		else
			out->values[i] = hp_prob_to_value(hp, xi[0] < 0 ? 0 : xi[0] > 1 ? 1 : xi[0]);
	}
}

/* a uniform point of the cube (one-hot blocks pick one choice) */
static void
bayes_random_point(const Oracle *oracle, const BayesState *st, int trial_id,
				   int64_t index, double *x)
{
	const HpSpace *space = oracle->config.space;
	uint64_t	seed = oracle->config.seed;

	for (int i = 0; i < space->n; i++)
	{
		double		u = rng_uniform(seed, trial_id, BAYES_RNG_RANDOM, index * space->n + i);
		double	   *xi = x + st->first[i];

		if (st->width[i] == 0)
			continue;
		if (bayes_one_hot(&space->hps[i]))
		{
			int			c = (int) (u * st->width[i]);

			for (int k = 0; k < st->width[i]; k++)
				xi[k] = k == c ? 1.0 : 0.0;
		}
		else if (space->hps[i].kind == HP_BOOLEAN)
			xi[0] = u < 0.5 ? 0.0 : 1.0;
		else
			xi[0] = u;
	}
}

/* ---------------------------------------------------------------------
 * The model
 * --------------------------------------------------------------------- */

/* a point and its value, sorted best (highest value) first */
typedef struct BayesCandidate
{
	double		value;
	int			index;
} BayesCandidate;

static int
bayes_compare_candidates(const void *a, const void *b)
{
	const BayesCandidate *x = a;
	const BayesCandidate *y = b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	return x->index - y->index;
}

static int
bayes_compare_doubles(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* warp and normalise the losses in place */
static void
bayes_transform(double *y, int n)
{
	double	   *sorted = core_alloc(sizeof(double) * n);
	double		min;
	double		shift;
	double		mean = 0;
	double		var = 0;

	memcpy(sorted, y, sizeof(double) * n);
	qsort(sorted, n, sizeof(double), bayes_compare_doubles);
	min = sorted[0];
	shift = sorted[(3 * n) / 4] - min;
	if (!(shift > 1e-12 * (fabs(min) + 1e-300)) || !isfinite(shift))
		shift = (sorted[n - 1] - min) > 0 ? (sorted[n - 1] - min) : 1.0;
	for (int i = 0; i < n; i++)
	{
		y[i] = log(y[i] - min + shift);
		mean += y[i];
	}
	mean /= n;
	for (int i = 0; i < n; i++)
		var += (y[i] - mean) * (y[i] - mean);
	var = n > 1 ? var / (n - 1) : 0;
	for (int i = 0; i < n; i++)
		y[i] = var > 0 ? (y[i] - mean) / sqrt(var) : y[i] - mean;
	core_free(sorted);
}

/*
 * The points a large history's hyperparameters are fitted on: the best half
 * of BAYES_FIT_MAX_POINTS, and the rest spread evenly over the other trials
 * in history order.  A fit costs O(n^3) per evaluation; the model itself
 * still conditions on every trial.
 */
static Gp
bayes_fit_subset(const Gp *gp)
{
	int			n = gp->n;
	int			d = gp->d;
	int			nbest = BAYES_FIT_MAX_POINTS / 2;
	int			nrest = BAYES_FIT_MAX_POINTS - nbest;
	BayesCandidate *order = core_alloc(sizeof(BayesCandidate) * n);
	bool	   *taken = core_alloc(sizeof(bool) * n);
	double	   *X = core_alloc(sizeof(double) * BAYES_FIT_MAX_POINTS * d);
	double	   *y = core_alloc(sizeof(double) * BAYES_FIT_MAX_POINTS);
	Gp			sub = *gp;
	int			m = 0;
	int			seen = 0;

	for (int i = 0; i < n; i++)
	{
		order[i].value = -gp->y[i];
		order[i].index = i;
	}
	qsort(order, n, sizeof(BayesCandidate), bayes_compare_candidates);
	for (int j = 0; j < nbest; j++)
		taken[order[j].index] = true;
	for (int i = 0; i < n; i++)
	{
		bool		keep = taken[i];

		if (!taken[i])
		{
			/* the k-th of the n - nbest others is kept when it crosses a step */
			keep = (int64_t) (seen + 1) * nrest / (n - nbest) >
				(int64_t) seen * nrest / (n - nbest);
			seen++;
		}
		if (keep && m < BAYES_FIT_MAX_POINTS)
		{
			memcpy(X + m * d, gp->X + i * d, sizeof(double) * d);
			y[m++] = gp->y[i];
		}
	}
	core_free(order);
	core_free(taken);
	sub.n = m;
	sub.X = X;
	sub.y = y;
	sub.L = sub.alpha = sub.Kinv = sub.work = NULL;
	return sub;
}

/* fit the GP to the n encoded trials */
static void
bayes_fit(const Oracle *oracle, const BayesState *st, int trial_id, Gp *gp)
{
	int			d = st->ndims;
	int			p = GP_NTHETA(d);
	double	   *starts = core_alloc(sizeof(double) * p * BAYES_FIT_STARTS);

	/* a middle start, then random ones */
	for (int k = 0; k < d; k++)
		starts[k] = log(0.3);
	starts[d] = 0.0;
	starts[d + 1] = log(1e-3);
	for (int s = 1; s < BAYES_FIT_STARTS; s++)
		for (int k = 0; k < p; k++)
		{
			double		u = rng_uniform(oracle->config.seed, trial_id, BAYES_RNG_FIT, s * p + k);
			double		lo = k < d ? log(0.05) : k == d ? -1.0 : GP_LOG_NOISE_MIN;
			double		hi = k < d ? log(2.0) : k == d ? 1.0 : -4.0;

			starts[s * p + k] = lo + u * (hi - lo);
		}
	gp->theta = core_alloc(sizeof(double) * p);
	if (gp->n > BAYES_FIT_MAX_POINTS)
	{
		Gp			sub = bayes_fit_subset(gp);

		sub.theta = gp->theta;
		gp_fit(&sub, starts, BAYES_FIT_STARTS, BAYES_FIT_MAXEVAL);
		if (sub.work)
			core_free(sub.work);
		core_free((double *) sub.X);
		core_free((double *) sub.y);
	}
	else
		gp_fit(gp, starts, BAYES_FIT_STARTS, BAYES_FIT_MAXEVAL);
	core_free(starts);
	gp_factor(gp);
}

/* ---------------------------------------------------------------------
 * The acquisition
 * --------------------------------------------------------------------- */

typedef struct BayesAcq
{
	const Gp   *gp;
	const BayesSettings *settings;
	double		best;			/* lowest normalised loss */
	/* the polish: free dimensions and the point they complete */
	int			nfree;
	int		   *free;
	double	   *x;
	double	   *dmu;
	double	   *dvar;
} BayesAcq;

static double
bayes_acq_value(const BayesAcq *acq, double mu, double var, double *dmu,
				double *dsigma)
{
	double		sigma = sqrt(var);

	if (acq->settings->acquisition == BAYES_UCB)
	{
		if (dmu)
			*dmu = -1.0;
		if (dsigma)
			*dsigma = acq->settings->beta;
		return -mu + acq->settings->beta * sigma;
	}
	return gp_expected_improvement(mu, sigma, acq->best, dmu, dsigma);
}

static double
bayes_acq_objective(unsigned n, const double *z, double *grad, void *data)
{
	BayesAcq   *acq = data;
	double		mu;
	double		var;
	double		a_mu;
	double		a_sigma;
	double		value;

	for (unsigned k = 0; k < n; k++)
		acq->x[acq->free[k]] = z[k];
	gp_predict(acq->gp, acq->x, &mu, &var, grad ? acq->dmu : NULL,
			   grad ? acq->dvar : NULL);
	value = bayes_acq_value(acq, mu, var, &a_mu, &a_sigma);
	if (grad)
	{
		double		sigma = sqrt(var);

		for (unsigned k = 0; k < n; k++)
		{
			int			dim = acq->free[k];

			grad[k] = a_mu * acq->dmu[dim] + a_sigma * acq->dvar[dim] / (2.0 * sigma);
		}
	}
	return value;
}

/* bounded L-BFGS over the numeric dimensions from x; returns the value */
static double
bayes_polish(BayesAcq *acq, double *x, double start_value)
{
	double	   *z;
	double	   *lo;
	double	   *hi;
	double		f = start_value;
	nlopt_opt	opt;
	double	   *saved;

	if (acq->nfree == 0)
		return start_value;
	z = core_alloc(sizeof(double) * acq->nfree);
	lo = core_alloc(sizeof(double) * acq->nfree);
	hi = core_alloc(sizeof(double) * acq->nfree);
	saved = core_alloc(sizeof(double) * acq->gp->d);
	memcpy(saved, x, sizeof(double) * acq->gp->d);
	for (int k = 0; k < acq->nfree; k++)
	{
		z[k] = x[acq->free[k]];
		hi[k] = 1.0;
	}
	acq->x = x;
	opt = nlopt_create(NLOPT_LD_LBFGS, (unsigned) acq->nfree);
	if (opt == NULL)
		core_error(CORE_ERR_OUT_OF_MEMORY, "could not create an optimiser", NULL, NULL);
	nlopt_set_lower_bounds(opt, lo);
	nlopt_set_upper_bounds(opt, hi);
	nlopt_set_max_objective(opt, bayes_acq_objective, acq);
	nlopt_set_maxeval(opt, BAYES_POLISH_MAXEVAL);
	nlopt_set_xtol_abs1(opt, 1e-7);
	nlopt_optimize(opt, z, &f);
	nlopt_destroy(opt);
	/* NLopt keeps the best point; recompute its value at the point */
	f = bayes_acq_objective((unsigned) acq->nfree, z, NULL, acq);
	if (!(f >= start_value))
	{
		memcpy(x, saved, sizeof(double) * acq->gp->d);
		f = start_value;
	}
	core_free(z);
	core_free(lo);
	core_free(hi);
	core_free(saved);
	return f;
}

/* candidates: random points, then perturbations of the best trials */
static double *
bayes_candidates(const Oracle *oracle, const BayesState *st, int trial_id,
				 const double *X, const double *y, int n, int *ncand)
{
	int			d = st->ndims;
	int			ncentres = n < BAYES_LOCAL_CENTRES ? n : BAYES_LOCAL_CENTRES;
	int			m = BAYES_RANDOM_CANDIDATES + ncentres * BAYES_LOCAL_PER_CENTRE;
	double	   *C = core_alloc(sizeof(double) * m * d);
	BayesCandidate *order = core_alloc(sizeof(BayesCandidate) * (n + 1));
	uint64_t	seed = oracle->config.seed;
	int			c = 0;

	for (; c < BAYES_RANDOM_CANDIDATES; c++)
		bayes_random_point(oracle, st, trial_id, c, C + c * d);
	for (int i = 0; i < n; i++)
	{
		order[i].value = -y[i];
		order[i].index = i;
	}
	qsort(order, n, sizeof(BayesCandidate), bayes_compare_candidates);
	for (int j = 0; j < ncentres; j++)
		for (int k = 0; k < BAYES_LOCAL_PER_CENTRE; k++, c++)
		{
			double	   *x = C + c * d;
			/* three scales of perturbation, finest last */
			double		scale = k % 3 == 0 ? 0.1 : k % 3 == 1 ? 0.02 : 0.002;

			memcpy(x, X + order[j].index * d, sizeof(double) * d);
			for (int dim = 0; dim < d; dim++)
			{
				double		u;

				if (!st->numeric[dim])
					continue;
				u = rng_uniform(seed, trial_id, BAYES_RNG_LOCAL, (int64_t) c * d + dim);
				x[dim] += scale * parzen_ndtri(u < 1e-300 ? 1e-300 : u);
				x[dim] = x[dim] < 0 ? 0 : x[dim] > 1 ? 1 : x[dim];
			}
		}
	core_free(order);
	*ncand = c;
	return C;
}

/* ---------------------------------------------------------------------
 * create_trial
 * --------------------------------------------------------------------- */

/* the encoded trials with a loss (X, y) and the RUNNING ones (P) */
static int
bayes_history(Oracle *oracle, const BayesState *st, int trial_id, double **X,
			  double **y, double **P, int *npending)
{
	int			d = st->ndims;
	int			n = 0;

	*X = core_alloc(sizeof(double) * (oracle->ntrials + 1) * (d + 1));
	*y = core_alloc(sizeof(double) * (oracle->ntrials + 1));
	*P = core_alloc(sizeof(double) * (oracle->ntrials + 1) * (d + 1));
	*npending = 0;
	for (int r = 0; r < oracle->ntrials; r++)
	{
		TrialRecord *t = &oracle->trials[r];

		if (t->trial_id == trial_id)
			continue;
		if (oracle_util_loss(oracle, t, &(*y)[n]))
			bayes_encode(oracle, st, &t->values, *X + (n++) * d);
		else if (t->status == TRIAL_RUNNING && t->values.n > 0)
			bayes_encode(oracle, st, &t->values, *P + (*npending)++ * d);
	}
	return n;
}

/* the GP with the pending points added at its posterior mean */
static Gp *
bayes_with_pending(Gp *gp, const double *P, int npending)
{
	int			n = gp->n;
	int			d = gp->d;
	Gp		   *aug;
	double	   *X;
	double	   *y;

	if (npending == 0)
		return gp;
	aug = core_alloc(sizeof(Gp));
	X = core_alloc(sizeof(double) * (n + npending) * d);
	y = core_alloc(sizeof(double) * (n + npending));
	memcpy(X, gp->X, sizeof(double) * n * d);
	memcpy(y, gp->y, sizeof(double) * n);
	memcpy(X + n * d, P, sizeof(double) * npending * d);
	for (int j = 0; j < npending; j++)
	{
		double		var;

		gp_predict(gp, P + j * d, &y[n + j], &var, NULL, NULL);
	}
	*aug = *gp;
	aug->n = n + npending;
	aug->X = X;
	aug->y = y;
	aug->L = aug->alpha = aug->Kinv = aug->work = NULL;
	aug->theta = core_alloc(sizeof(double) * GP_NTHETA(d));
	memcpy(aug->theta, gp->theta, sizeof(double) * GP_NTHETA(d));
	gp_factor(aug);
	return aug;
}

/* the acquisition's best candidates, best first, as unseen trials */
static bool
bayes_choose(Oracle *oracle, const BayesState *st, BayesAcq *acq, double *C,
			 int ncand, HpAssignment *out)
{
	int			d = st->ndims;
	double	   *mu = core_alloc(sizeof(double) * ncand);
	double	   *var = core_alloc(sizeof(double) * ncand);
	BayesCandidate *order = core_alloc(sizeof(BayesCandidate) * ncand);
	bool		found = false;

	gp_predict_many(acq->gp, C, ncand, mu, var);
	for (int c = 0; c < ncand; c++)
	{
		order[c].value = bayes_acq_value(acq, mu[c], var[c], NULL, NULL);
		order[c].index = c;
	}
	qsort(order, ncand, sizeof(BayesCandidate), bayes_compare_candidates);
	for (int j = 0; j < BAYES_POLISHED && j < ncand; j++)
	{
		core_check_interrupts();
		order[j].value = bayes_polish(acq, C + order[j].index * d, order[j].value);
	}
	qsort(order, BAYES_POLISHED < ncand ? BAYES_POLISHED : ncand,
		  sizeof(BayesCandidate), bayes_compare_candidates);
	for (int j = 0; j < ncand && !found; j++)
	{
		bayes_decode(oracle, st, C + order[j].index * d, out);
		found = !oracle_util_seen(oracle, out);
	}
	core_free(mu);
	core_free(var);
	core_free(order);
	return found;
}

static OracleResult
bayes_create_trial(Oracle *oracle, int trial_id, HpAssignment *out)
{
	BayesState *st = oracle->private_state;
	int			d = st->ndims;
	double	   *X;
	double	   *y;
	double	   *P;
	double	   *C;
	int			npending;
	int			ncand;
	int			n;
	Gp			gp;
	BayesAcq	acq;
	bool		found;

	if (oracle_util_exhausted(oracle))
		return ORACLE_EXHAUSTED;
	n = bayes_history(oracle, st, trial_id, &X, &y, &P, &npending);
	if (n < st->settings.num_initial_points || n < 2 || d == 0)
	{
		core_free(X);
		core_free(y);
		core_free(P);
		return oracle_util_random_unseen(oracle, trial_id, 0, out) ?
			ORACLE_TRIAL_READY : ORACLE_EXHAUSTED;
	}
	bayes_transform(y, n);
	memset(&gp, 0, sizeof(gp));
	gp.n = n;
	gp.d = d;
	gp.X = X;
	gp.y = y;
	gp.jitter = st->settings.alpha;
	bayes_fit(oracle, st, trial_id, &gp);

	memset(&acq, 0, sizeof(acq));
	acq.gp = bayes_with_pending(&gp, P, npending);
	acq.settings = &st->settings;
	acq.best = INFINITY;
	for (int i = 0; i < n; i++)
		acq.best = y[i] < acq.best ? y[i] : acq.best;
	acq.free = core_alloc(sizeof(int) * (d + 1));
	acq.dmu = core_alloc(sizeof(double) * d);
	acq.dvar = core_alloc(sizeof(double) * d);
	for (int k = 0; k < d; k++)
		if (st->numeric[k])
			acq.free[acq.nfree++] = k;
	C = bayes_candidates(oracle, st, trial_id, X, y, n, &ncand);
	found = bayes_choose(oracle, st, &acq, C, ncand, out);
	if (!found)
		found = oracle_util_random_unseen(oracle, trial_id, 0, out);
	if (acq.gp != &gp)
	{
		Gp		   *aug = (Gp *) acq.gp;

		core_free((double *) aug->X);
		core_free((double *) aug->y);
		gp_free(aug);
		core_free(aug);
	}
	gp_free(&gp);
	core_free(C);
	core_free(X);
	core_free(y);
	core_free(P);
	core_free(acq.free);
	core_free(acq.dmu);
	core_free(acq.dvar);
	return found ? ORACLE_TRIAL_READY : ORACLE_EXHAUSTED;
}

const OracleMethods oracle_bayesian_methods = {
	.name = "bayesian",
	.init = bayes_init,
	.create_trial = bayes_create_trial,
	.update = NULL,
	.end_trial = NULL,
	.save_state = NULL,
	.check_options = bayes_check_options
};
