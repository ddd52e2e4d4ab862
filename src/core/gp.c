/*-------------------------------------------------------------------------
 *
 * gp.c
 *	  Gaussian process regression with a Matérn 5/2 ARD kernel (see gp.h).
 *
 * The gradient of the log marginal likelihood is the usual
 * 0.5 tr((alpha alpha^T - K^-1) dK/dtheta); for a length scale the
 * derivative of the kernel needs no division by r:
 *
 *	 dk/dlog l_k = sf2 5/3 (1 + sqrt5 r) exp(-sqrt5 r) (a_k - b_k)^2 / l_k^2,
 *
 * so coinciding points are harmless.  A fit that cannot factor K (points
 * too close for the noise) scores -infinity there and the optimiser backs
 * off; gp_factor for predictions raises the jitter tenfold until K factors.
 *
 *-------------------------------------------------------------------------
 */
#include "core/gp.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <nlopt.h>

/* LAPACK (OpenBLAS ships it); the trailing lengths are Fortran's hidden ones */
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
					int *info, size_t uplo_len);
extern void dpotrs_(const char *uplo, const int *n, const int *nrhs,
					const double *a, const int *lda, double *b, const int *ldb,
					int *info, size_t uplo_len);
extern void dpotri_(const char *uplo, const int *n, double *a, const int *lda,
					int *info, size_t uplo_len);

#define GP_SQRT5 2.23606797749978969641
#define GP_LOG_2PI 1.83787706640934548356

double
gp_matern52(double r)
{
	return (1.0 + GP_SQRT5 * r + 5.0 / 3.0 * r * r) * exp(-GP_SQRT5 * r);
}

/* r^2 between two points, length scales given as 1 / l^2 */
static double
gp_r2(const double *a, const double *b, const double *inv_l2, int d)
{
	double		r2 = 0;

	for (int k = 0; k < d; k++)
	{
		double		diff = a[k] - b[k];

		r2 += diff * diff * inv_l2[k];
	}
	return r2;
}

static double *
gp_inverse_squares(const double *theta, int d)
{
	double	   *inv_l2 = core_alloc(sizeof(double) * (d + 1));

	for (int k = 0; k < d; k++)
		inv_l2[k] = exp(-2.0 * theta[k]);
	return inv_l2;
}

double
gp_kernel(const double *theta, int d, const double *a, const double *b)
{
	double	   *inv_l2 = gp_inverse_squares(theta, d);
	double		r = sqrt(gp_r2(a, b, inv_l2, d));

	core_free(inv_l2);
	return exp(theta[d]) * gp_matern52(r);
}

/* K under theta into K (n x n, both triangles), with the noise and jitter */
static void
gp_build(const Gp *gp, const double *theta, double *K, double extra_jitter)
{
	int			n = gp->n;
	int			d = gp->d;
	double		sf2 = exp(theta[d]);
	double		diag = sf2 + exp(theta[d + 1]) + gp->jitter + extra_jitter;
	double	   *inv_l2 = gp_inverse_squares(theta, d);

	for (int j = 0; j < n; j++)
	{
		K[j * n + j] = diag;
		for (int i = j + 1; i < n; i++)
		{
			double		r = sqrt(gp_r2(gp->X + i * d, gp->X + j * d, inv_l2, d));
			double		k = sf2 * gp_matern52(r);

			K[j * n + i] = k;
			K[i * n + j] = k;
		}
	}
	core_free(inv_l2);
}

/* Cholesky of K in place (lower); false if not positive definite */
static bool
gp_cholesky(double *K, int n)
{
	int			info = 0;

	dpotrf_("L", &n, K, &n, &info, 1);
	return info == 0;
}

/* K^-1 from its Cholesky factor L (lower), both triangles, into Kinv */
static void
gp_inverse(const double *L, double *Kinv, int n)
{
	int			info = 0;

	memcpy(Kinv, L, sizeof(double) * n * n);
	dpotri_("L", &n, Kinv, &n, &info, 1);
	for (int j = 0; j < n; j++)
		for (int i = j + 1; i < n; i++)
			Kinv[i * n + j] = Kinv[j * n + i];
}

/* alpha = K^-1 y from the factor */
static void
gp_solve(const double *L, const double *y, double *alpha, int n)
{
	int			info = 0;
	int			one = 1;

	memcpy(alpha, y, sizeof(double) * n);
	dpotrs_("L", &n, &one, L, &n, alpha, &n, &info, 1);
}

/* the log prior of theta and its gradient (added to grad) */
static double
gp_log_prior(const double *theta, int d, double *grad)
{
	double		lp = 0;
	double		sf2 = exp(theta[d]);
	double		noise = exp(theta[d + 1]);

	/* Gamma(a, b) on x = exp(t): (a - 1) t - b x, plus the Jacobian t */
	for (int k = 0; k < d; k++)
	{
		double		l = exp(theta[k]);

		lp += 3.0 * theta[k] - 6.0 * l;
		if (grad)
			grad[k] += 3.0 - 6.0 * l;
	}
	lp += 2.0 * theta[d] - 0.15 * sf2;
	lp += 1.1 * theta[d + 1] - 0.05 * noise;
	if (grad)
	{
		grad[d] += 2.0 - 0.15 * sf2;
		grad[d + 1] += 1.1 - 0.05 * noise;
	}
	return lp;
}

double
gp_log_likelihood(Gp *gp, const double *theta, double *grad,
				  bool with_prior)
{
	int			n = gp->n;
	int			d = gp->d;
	double	   *K;
	double	   *W;
	double	   *alpha;
	double	   *inv_l2;
	double		sf2 = exp(theta[d]);
	double		noise = exp(theta[d + 1]);
	double		lml = 0;

	/* the same buffers for every evaluation of a fit: no fresh pages */
	if (gp->work == NULL || gp->work_n != n)
	{
		if (gp->work)
			core_free(gp->work);
		gp->work = core_alloc_raw(sizeof(double) * (2 * (size_t) n * n + n));
		gp->work_n = n;
	}
	K = gp->work;
	W = K + (size_t) n * n;
	alpha = W + (size_t) n * n;
	gp_build(gp, theta, K, 0);
	if (!gp_cholesky(K, n))
	{
		if (grad)
			memset(grad, 0, sizeof(double) * GP_NTHETA(d));
		return -INFINITY;
	}
	gp_solve(K, gp->y, alpha, n);
	for (int i = 0; i < n; i++)
		lml += -0.5 * gp->y[i] * alpha[i] - log(K[i * n + i]);
	lml -= 0.5 * n * GP_LOG_2PI;
	if (grad)
	{
		gp_inverse(K, W, n);
		/* W = alpha alpha^T - K^-1 */
		for (int j = 0; j < n; j++)
			for (int i = 0; i < n; i++)
				W[j * n + i] = alpha[i] * alpha[j] - W[j * n + i];
		memset(grad, 0, sizeof(double) * GP_NTHETA(d));
		inv_l2 = gp_inverse_squares(theta, d);
		for (int j = 0; j < n; j++)
		{
			const double *xj = gp->X + j * d;

			grad[d] += 0.5 * W[j * n + j] * sf2;
			grad[d + 1] += 0.5 * W[j * n + j] * noise;
			for (int i = j + 1; i < n; i++)
			{
				const double *xi = gp->X + i * d;
				double		r = sqrt(gp_r2(xi, xj, inv_l2, d));
				double		e = exp(-GP_SQRT5 * r);
				double		w = W[j * n + i];
				double		g = w * sf2 * 5.0 / 3.0 * (1.0 + GP_SQRT5 * r) * e;

				/* the pair (i, j) and (j, i): 0.5 * 2 */
				grad[d] += w * sf2 * (1.0 + GP_SQRT5 * r + 5.0 / 3.0 * r * r) * e;
				for (int k = 0; k < d; k++)
				{
					double		diff = xi[k] - xj[k];

					grad[k] += g * diff * diff * inv_l2[k];
				}
			}
		}
		core_free(inv_l2);
	}
	if (with_prior)
		lml += gp_log_prior(theta, d, grad);
	return lml;
}

typedef struct GpFitCall
{
	Gp		   *gp;
	int			evals;
} GpFitCall;

static double
gp_fit_objective(unsigned n, const double *theta, double *grad, void *data)
{
	GpFitCall  *call = data;
	double		v = gp_log_likelihood(call->gp, theta, grad, true);

	(void) n;
	call->evals++;
	if (call->evals % 16 == 0)
		core_check_interrupts();
	if (!isfinite(v))
		return 1e300;
	if (grad)
		for (int k = 0; k < GP_NTHETA(call->gp->d); k++)
			grad[k] = -grad[k];
	return -v;
}

void
gp_fit(Gp *gp, const double *starts, int nstarts, int maxeval)
{
	int			p = GP_NTHETA(gp->d);
	double	   *lo = core_alloc(sizeof(double) * p);
	double	   *hi = core_alloc(sizeof(double) * p);
	double	   *x = core_alloc(sizeof(double) * p);
	double		best = INFINITY;
	nlopt_opt	opt = nlopt_create(NLOPT_LD_LBFGS, (unsigned) p);
	GpFitCall	call = {gp, 0};

	if (opt == NULL)
		core_error(CORE_ERR_OUT_OF_MEMORY, "could not create an optimiser", NULL, NULL);
	for (int k = 0; k < gp->d; k++)
	{
		lo[k] = GP_LOG_LS_MIN;
		hi[k] = GP_LOG_LS_MAX;
	}
	lo[gp->d] = GP_LOG_SF2_MIN;
	hi[gp->d] = GP_LOG_SF2_MAX;
	lo[gp->d + 1] = GP_LOG_NOISE_MIN;
	hi[gp->d + 1] = GP_LOG_NOISE_MAX;
	nlopt_set_lower_bounds(opt, lo);
	nlopt_set_upper_bounds(opt, hi);
	nlopt_set_min_objective(opt, gp_fit_objective, &call);
	nlopt_set_maxeval(opt, maxeval);
	nlopt_set_ftol_rel(opt, 1e-7);
	for (int s = 0; s < nstarts; s++)
	{
		double		f = INFINITY;

		for (int k = 0; k < p; k++)
		{
			x[k] = starts[s * p + k];
			x[k] = x[k] < lo[k] ? lo[k] : (x[k] > hi[k] ? hi[k] : x[k]);
		}
		nlopt_optimize(opt, x, &f);
		/* NLopt leaves the best point found in x, whatever its verdict */
		f = gp_fit_objective(p, x, NULL, &call);
		if (f < best)
		{
			best = f;
			memcpy(gp->theta, x, sizeof(double) * p);
		}
	}
	nlopt_destroy(opt);
	core_free(lo);
	core_free(hi);
	core_free(x);
}

void
gp_free(Gp *gp)
{
	if (gp->theta)
		core_free(gp->theta);
	if (gp->L)
		core_free(gp->L);
	if (gp->Kinv)
		core_free(gp->Kinv);
	if (gp->alpha)
		core_free(gp->alpha);
	if (gp->work)
		core_free(gp->work);
	gp->theta = gp->L = gp->Kinv = gp->alpha = gp->work = NULL;
}

void
gp_factor(Gp *gp)
{
	int			n = gp->n;
	double		extra = 0;

	if (gp->L == NULL)
	{
		gp->L = core_alloc_raw(sizeof(double) * n * n);
		gp->Kinv = core_alloc_raw(sizeof(double) * n * n);
		gp->alpha = core_alloc(sizeof(double) * n);
	}
	for (;;)
	{
		gp_build(gp, gp->theta, gp->L, extra);
		if (gp_cholesky(gp->L, n))
			break;
		extra = extra == 0 ? 1e-8 : extra * 10;
		if (extra > 1.0)
			core_error(CORE_ERR_FLOATING_POINT,
					   "the Gaussian process cannot be factored",
					   "Its kernel matrix is not positive definite even with added noise.",
					   NULL);
	}
	gp->jitter += extra;
	gp_solve(gp->L, gp->y, gp->alpha, n);
	gp_inverse(gp->L, gp->Kinv, n);
}

void
gp_predict(const Gp *gp, const double *x, double *mu, double *var,
		   double *dmu, double *dvar)
{
	int			n = gp->n;
	int			d = gp->d;
	double		sf2 = exp(gp->theta[d]);
	double	   *inv_l2 = gp_inverse_squares(gp->theta, d);
	double	   *ks = core_alloc(sizeof(double) * n);
	double	   *q = core_alloc(sizeof(double) * n);
	double		m = 0;
	double		v = sf2;

	for (int i = 0; i < n; i++)
	{
		double		r = sqrt(gp_r2(x, gp->X + i * d, inv_l2, d));

		ks[i] = sf2 * gp_matern52(r);
		m += ks[i] * gp->alpha[i];
	}
	cblas_dsymv(CblasColMajor, CblasLower, n, 1.0, gp->Kinv, n, ks, 1, 0.0, q, 1);
	for (int i = 0; i < n; i++)
		v -= ks[i] * q[i];
	*mu = m;
	*var = v > 1e-12 ? v : 1e-12;
	if (dmu && dvar)
	{
		memset(dmu, 0, sizeof(double) * d);
		memset(dvar, 0, sizeof(double) * d);
		for (int i = 0; i < n; i++)
		{
			const double *xi = gp->X + i * d;
			double		r = sqrt(gp_r2(x, xi, inv_l2, d));
			double		g = -sf2 * 5.0 / 3.0 * (1.0 + GP_SQRT5 * r) * exp(-GP_SQRT5 * r);

			for (int k = 0; k < d; k++)
			{
				double		dk = g * (x[k] - xi[k]) * inv_l2[k];

				dmu[k] += gp->alpha[i] * dk;
				dvar[k] -= 2.0 * q[i] * dk;
			}
		}
		if (!(v > 1e-12))
			memset(dvar, 0, sizeof(double) * d);
	}
	core_free(inv_l2);
	core_free(ks);
	core_free(q);
}

void
gp_predict_many(const Gp *gp, const double *Xs, int m, double *mu, double *var)
{
	int			n = gp->n;
	int			d = gp->d;
	double		sf2 = exp(gp->theta[d]);
	double	   *inv_l2 = gp_inverse_squares(gp->theta, d);
	double	   *Ks = core_alloc_raw(sizeof(double) * n * m);

	for (int j = 0; j < m; j++)
		for (int i = 0; i < n; i++)
			Ks[j * n + i] = sf2 * gp_matern52(sqrt(gp_r2(Xs + j * d, gp->X + i * d,
														inv_l2, d)));
	cblas_dgemv(CblasColMajor, CblasTrans, n, m, 1.0, Ks, n, gp->alpha, 1, 0.0, mu, 1);
	cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit,
				n, m, 1.0, gp->L, n, Ks, n);
	for (int j = 0; j < m; j++)
	{
		double		v = sf2 - cblas_ddot(n, Ks + j * n, 1, Ks + j * n, 1);

		var[j] = v > 1e-12 ? v : 1e-12;
	}
	core_free(inv_l2);
	core_free(Ks);
}

double
gp_expected_improvement(double mu, double sigma, double best, double *dmu,
						double *dsigma)
{
	double		z = (best - mu) / sigma;
	double		cdf = 0.5 * erfc(-z / M_SQRT2);
	double		pdf = exp(-0.5 * z * z) / sqrt(2.0 * M_PI);

	if (dmu)
		*dmu = -cdf;
	if (dsigma)
		*dsigma = pdf;
	return (best - mu) * cdf + sigma * pdf;
}
