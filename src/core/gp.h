/*-------------------------------------------------------------------------
 *
 * gp.h
 *	  A Gaussian process on the unit cube for the Bayesian oracle (pure C).
 *
 * Zero-mean GP over targets the caller has normalised, with the Matérn 5/2
 * kernel and one length scale per dimension (ARD):
 *
 *	 k(a, b) = sf2 (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r),
 *	 r^2 = sum_k (a_k - b_k)^2 / l_k^2,
 *
 * plus (noise + jitter) on the diagonal.  The hyperparameters theta =
 * (log l_1..l_d, log sf2, log noise) are fitted by maximising the log
 * marginal likelihood plus weak Gamma priors (length scales Gamma(3, 6),
 * sf2 Gamma(2, 0.15), noise Gamma(1.1, 0.05), as BoTorch's defaults), which
 * keep a fit on few points from degenerate length scales.  The fit runs
 * bounded L-BFGS (NLopt) from several starts with the analytic gradient.
 *
 * Matrices are column-major n x n; the Cholesky factor, the solve and the
 * inverse come from LAPACK (dpotrf, dpotrs, dpotri).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_GP_H
#define HPTUNE_CORE_GP_H

#include "core/shim.h"

typedef struct Gp
{
	int			n;
	int			d;
	const double *X;			/* n x d, row-major (point i at X + i d) */
	const double *y;			/* n normalised targets */
	double		jitter;			/* added to the diagonal besides noise */
	double	   *theta;			/* d + 2 */
	/* after gp_factor */
	double	   *L;				/* Cholesky factor (lower), n x n */
	double	   *alpha;			/* K^-1 y */
	double	   *Kinv;			/* K^-1, both triangles */
	/* gp_log_likelihood's buffers, allocated at its first call */
	double	   *work;			/* 2 n x n + n */
	int			work_n;
} Gp;

#define GP_NTHETA(d) ((d) + 2)

/* bounds of theta, in log space */
#define GP_LOG_LS_MIN	(-4.6)	/* 0.01 */
#define GP_LOG_LS_MAX	(3.0)	/* 20 */
#define GP_LOG_SF2_MIN	(-4.6)
#define GP_LOG_SF2_MAX	(4.6)
#define GP_LOG_NOISE_MIN (-18.4)	/* 1e-8 */
#define GP_LOG_NOISE_MAX (0.0)

/* the Matérn 5/2 correlation at distance r */
extern double gp_matern52(double r);

/* the kernel between two points under theta (no noise) */
extern double gp_kernel(const double *theta, int d, const double *a, const double *b);

/*
 * The log marginal likelihood of (X, y) under theta, and its gradient in
 * grad (d + 2, or NULL); -INFINITY when K is not positive definite.
 * with_prior adds the log prior densities of the hyperparameters.
 */
extern double gp_log_likelihood(Gp *gp, const double *theta, double *grad,
								bool with_prior);

/*
 * Fit theta from nstarts starting points (starts: nstarts x (d + 2)),
 * each run up to maxeval evaluations; the best ends in gp->theta.
 */
extern void gp_fit(Gp *gp, const double *starts, int nstarts, int maxeval);

/* give back theta and what gp_factor and gp_log_likelihood allocated */
extern void gp_free(Gp *gp);

/* factor K under gp->theta (raising the jitter if needed) for predictions */
extern void gp_factor(Gp *gp);

/*
 * Posterior mean and variance at x; with dmu/dvar (d each) not NULL, their
 * gradients in x too.
 */
extern void gp_predict(const Gp *gp, const double *x, double *mu, double *var,
					   double *dmu, double *dvar);

/* posterior mean and variance of m points at once (row-major m x d) */
extern void gp_predict_many(const Gp *gp, const double *Xs, int m, double *mu,
							double *var);

/*
 * Expected improvement below best of N(mu, sigma^2), with its partial
 * derivatives in mu and sigma (either may be NULL).
 */
extern double gp_expected_improvement(double mu, double sigma, double best,
									  double *dmu, double *dsigma);

#endif							/* HPTUNE_CORE_GP_H */
