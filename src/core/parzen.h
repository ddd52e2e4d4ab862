/*-------------------------------------------------------------------------
 *
 * parzen.h
 *	  The Parzen estimators of the TPE oracle (pure C).
 *
 * One estimator models one hyperparameter over a set of observations, in
 * the unit interval of hp_value_to_prob: a mixture with one component per
 * observation plus a prior component, as Optuna 3.1's _ParzenEstimator
 * builds it with its defaults (consider_prior, prior_weight 1,
 * consider_magic_clip, no consider_endpoints, default_weights).
 *
 *	 numeric:	  a truncated normal on [0, 1] per component; the prior is
 *				  N(0.5, 1).  A component's log density is Optuna 3.1's:
 *				  log phi(z) - log(mass in [0, 1]), z = (x - mu) / sigma,
 *				  without the -log(sigma) of a true density (its
 *				  _truncnorm.logpdf leaves it out).  Keeping that choice
 *				  keeps the search Optuna's: with the term, narrow
 *				  components dominate and the search measured worse on
 *				  bench/search_quality.py's functions.  Univariate bandwidths are the larger gap to a
 *				  sorted neighbour (the ends use their inner gap);
 *				  multivariate ones are 0.2 m^(-1/(d+4)) (Scott's rule as in
 *				  BOHB).  Both are clipped to [1/min(100, m+2), 1].  A
 *				  discrete parameter (q > 0: buckets of width q) gets the
 *				  mass of its bucket instead of the density.
 *	 categorical: per component, prior_weight/(m+1) on every choice plus 1
 *				  on the observed one, normalised; the prior row uniform.
 *
 * Weights: 1 per observation up to 25; beyond, the 25 newest weigh 1 and
 * the older ones ramp linearly from 1/m (observations are passed oldest
 * first); the prior weighs prior_weight; all normalised.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_PARZEN_H
#define HPTUNE_CORE_PARZEN_H

#include "core/shim.h"

typedef struct Parzen
{
	int			ncomp;			/* observations + 1 (the prior, last) */
	double	   *log_weights;	/* ncomp */
	bool		categorical;
	/* numeric */
	double		q;				/* bucket width; 0 when continuous */
	double	   *mus;
	double	   *sigmas;
	double	   *log_norm;		/* log of each component's mass in [0, 1] */
	/* categorical */
	int			nchoices;
	double	   *log_cat;		/* ncomp x nchoices, log probabilities */
} Parzen;

/*
 * Build from m observations (oldest first).  sigma0 > 0 selects the
 * multivariate bandwidth sigma0 for every component; 0 the univariate rule.
 */
extern void parzen_numeric(Parzen *pe, const double *obs, int m, double q,
						   double prior_weight, double sigma0);
extern void parzen_categorical(Parzen *pe, const int *obs, int m, int nchoices,
							   double prior_weight);

/* give back an estimator's arrays */
extern void parzen_free(Parzen *pe);

/* Optuna's default_weights(m), unnormalised, into w[0..m-1] */
extern void parzen_default_weights(int m, double *w);

/* the multivariate bandwidth factor 0.2 m^(-1/(d+4)) */
extern double parzen_sigma0(int m, int d);

/* log density (or bucket mass) of x under component k, without its weight */
extern double parzen_component_log_pdf(const Parzen *pe, int k, double x);
/* log density of the mixture */
extern double parzen_log_pdf(const Parzen *pe, double x);

/*
 * A sample from component k, given two uniforms; numeric samples of a
 * discrete estimator are moved to their bucket's centre.
 */
extern int	parzen_pick_component(const Parzen *pe, double u);
extern double parzen_sample(const Parzen *pe, int k, double u);

/* the standard normal's log cdf and quantile, and log(Phi(b) - Phi(a)) */
extern double parzen_log_ndtr(double z);
extern double parzen_ndtri(double p);
extern double parzen_log_gauss_mass(double a, double b);

#endif							/* HPTUNE_CORE_PARZEN_H */
