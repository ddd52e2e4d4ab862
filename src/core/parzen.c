/*-------------------------------------------------------------------------
 *
 * parzen.c
 *	  Parzen estimators for TPE, after Optuna 3.1 (see parzen.h).
 *
 * Everything is computed in log space: a candidate drawn from the good
 * trials' estimator can lie hundreds of bandwidths from every component
 * of the bad trials' one, where densities underflow.  The normal's log
 * cdf uses erfc where it is exact and its asymptotic series below -20; the
 * quantile is Wichura's AS241 (relative error about 1e-16).
 *
 *-------------------------------------------------------------------------
 */
#include "core/parzen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PARZEN_LOG_SQRT_2PI 0.91893853320467274178

double
parzen_log_ndtr(double z)
{
	if (z > 6.0)
		return log1p(-0.5 * erfc(z / M_SQRT2));
	if (z > -20.0)
		return log(0.5 * erfc(-z / M_SQRT2));
	{
		double		z2 = 1.0 / (z * z);

		return -0.5 * z * z - log(-z) - PARZEN_LOG_SQRT_2PI +
			log(1.0 - z2 + 3.0 * z2 * z2 - 15.0 * z2 * z2 * z2);
	}
}

double
parzen_log_gauss_mass(double a, double b)
{
	if (!(a < b))
		return -INFINITY;
	if (b <= 0.0)
	{
		double		la = parzen_log_ndtr(a);
		double		lb = parzen_log_ndtr(b);

		return lb + log1p(-exp(la - lb));
	}
	if (a >= 0.0)
		return parzen_log_gauss_mass(-b, -a);
	return log1p(-0.5 * erfc(-a / M_SQRT2) - 0.5 * erfc(b / M_SQRT2));
}

/* Wichura, Algorithm AS241 (PPND16), Applied Statistics 37 (1988) */
double
parzen_ndtri(double p)
{
	double		q = p - 0.5;
	double		r;
	double		x;

	if (p <= 0.0)
		return -INFINITY;
	if (p >= 1.0)
		return INFINITY;
	if (fabs(q) <= 0.425)
	{
		r = 0.180625 - q * q;
		return q * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r +
						 67265.770927008700853) * r + 45921.953931549871457) * r +
					   13731.693765509461125) * r + 1971.5909503065514427) * r +
					 133.14166789178437745) * r + 3.387132872796366608) /
			(((((((5226.495278852545925 * r + 28729.085735721942674) * r +
				  39307.89580009271061) * r + 21213.794301586595867) * r +
				5394.1960214247511077) * r + 687.1870074920579083) * r +
			  42.313330701600911252) * r + 1.0);
	}
	r = q < 0 ? p : 1.0 - p;
	r = sqrt(-log(r));
	if (r <= 5.0)
	{
		r -= 1.6;
		x = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r +
				  0.24178072517745061177) * r + 1.27045825245236838258) * r +
				3.64784832476320460504) * r + 5.7694972214606914055) * r +
			  4.6303378461565452959) * r + 1.42343711074968357734) /
			(((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r +
				  0.0151986665636164571966) * r + 0.14810397642748007459) * r +
				0.68976733498510000455) * r + 1.6763848301838038494) * r +
			  2.05319162663775882187) * r + 1.0);
	}
	else
	{
		r -= 5.0;
		x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
				  0.0012426609473880784386) * r + 0.026532189526576123093) * r +
				0.29656057182850489123) * r + 1.7848265399172913358) * r +
			  5.4637849111641143699) * r + 6.6579046435011037772) /
			(((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r +
				  1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
				0.0148753612908506148525) * r + 0.13692988092273580531) * r +
			  0.59983220655588793769) * r + 1.0);
	}
	return q < 0 ? -x : x;
}

void
parzen_default_weights(int m, double *w)
{
	int			nramp = m - 25;

	for (int i = 0; i < m; i++)
		w[i] = 1.0;
	/* numpy's linspace(1/m, 1, m - 25) */
	for (int i = 0; i < nramp; i++)
		w[i] = nramp == 1 ? 1.0 / m :
			1.0 / m + i * (1.0 - 1.0 / m) / (nramp - 1);
}

void
parzen_free(Parzen *pe)
{
	if (pe->log_weights)
		core_free(pe->log_weights);
	if (pe->mus)
		core_free(pe->mus);
	if (pe->sigmas)
		core_free(pe->sigmas);
	if (pe->log_norm)
		core_free(pe->log_norm);
	if (pe->log_cat)
		core_free(pe->log_cat);
	pe->log_weights = pe->mus = pe->sigmas = pe->log_norm = pe->log_cat = NULL;
}

double
parzen_sigma0(int m, int d)
{
	return 0.2 * pow((double) (m > 1 ? m : 1), -1.0 / (d + 4));
}

static void
parzen_weights(Parzen *pe, int m, double prior_weight)
{
	double		sum = prior_weight;

	pe->ncomp = m + 1;
	pe->log_weights = core_alloc(sizeof(double) * (m + 1));
	parzen_default_weights(m, pe->log_weights);
	for (int i = 0; i < m; i++)
		sum += pe->log_weights[i];
	pe->log_weights[m] = prior_weight;
	for (int i = 0; i <= m; i++)
		pe->log_weights[i] = log(pe->log_weights[i] / sum);
}

typedef struct ParzenRanked
{
	double		mu;
	int			index;
} ParzenRanked;

static int
parzen_compare_ranked(const void *a, const void *b)
{
	const ParzenRanked *x = a;
	const ParzenRanked *y = b;

	/* ties keep their order, as numpy's stable argsort */
	if (x->mu != y->mu)
		return x->mu < y->mu ? -1 : 1;
	return x->index - y->index;
}

/* Optuna's univariate bandwidths: the larger gap to a sorted neighbour */
static void
parzen_univariate_sigmas(Parzen *pe)
{
	int			n = pe->ncomp;
	ParzenRanked *ranked = core_alloc(sizeof(ParzenRanked) * n);
	int		   *order = core_alloc(sizeof(int) * n);
	double	   *s = core_alloc(sizeof(double) * (n + 2));

	for (int i = 0; i < n; i++)
	{
		ranked[i].mu = pe->mus[i];
		ranked[i].index = i;
	}
	qsort(ranked, n, sizeof(ParzenRanked), parzen_compare_ranked);
	s[0] = 0.0;
	for (int i = 0; i < n; i++)
	{
		order[i] = ranked[i].index;
		s[i + 1] = ranked[i].mu;
	}
	s[n + 1] = 1.0;
	for (int i = 0; i < n; i++)
	{
		double		left = s[i + 1] - s[i];
		double		right = s[i + 2] - s[i + 1];

		pe->sigmas[order[i]] = left > right ? left : right;
	}
	/* consider_endpoints off: the ends take their inner gap */
	if (n + 2 >= 4)
	{
		pe->sigmas[order[0]] = s[2] - s[1];
		pe->sigmas[order[n - 1]] = s[n] - s[n - 1];
	}
	core_free(ranked);
	core_free(order);
	core_free(s);
}

void
parzen_numeric(Parzen *pe, const double *obs, int m, double q,
			   double prior_weight, double sigma0)
{
	int			n = m + 1;
	double		minsigma = 1.0 / (n + 1 < 100 ? n + 1 : 100);

	memset(pe, 0, sizeof(Parzen));
	parzen_weights(pe, m, prior_weight);
	pe->categorical = false;
	pe->q = q;
	pe->mus = core_alloc(sizeof(double) * n);
	pe->sigmas = core_alloc(sizeof(double) * n);
	pe->log_norm = core_alloc(sizeof(double) * n);
	for (int i = 0; i < m; i++)
		pe->mus[i] = obs[i];
	pe->mus[m] = 0.5;
	if (sigma0 > 0)
		for (int i = 0; i < n; i++)
			pe->sigmas[i] = sigma0;
	else
		parzen_univariate_sigmas(pe);
	for (int i = 0; i < n; i++)
	{
		if (pe->sigmas[i] < minsigma)
			pe->sigmas[i] = minsigma;
		if (pe->sigmas[i] > 1.0)
			pe->sigmas[i] = 1.0;
	}
	pe->sigmas[m] = 1.0;
	for (int i = 0; i < n; i++)
		pe->log_norm[i] = parzen_log_gauss_mass(-pe->mus[i] / pe->sigmas[i],
												(1.0 - pe->mus[i]) / pe->sigmas[i]);
}

void
parzen_categorical(Parzen *pe, const int *obs, int m, int nchoices,
				   double prior_weight)
{
	int			n = m + 1;
	double		value = prior_weight / n;

	memset(pe, 0, sizeof(Parzen));
	parzen_weights(pe, m, prior_weight);
	pe->categorical = true;
	pe->nchoices = nchoices;
	pe->log_cat = core_alloc(sizeof(double) * n * nchoices);
	for (int k = 0; k < n; k++)
	{
		double		sum = value * nchoices + (k < m ? 1.0 : 0.0);

		for (int c = 0; c < nchoices; c++)
		{
			double		w = value + ((k < m && obs[k] == c) ? 1.0 : 0.0);

			pe->log_cat[k * nchoices + c] = log(w / sum);
		}
	}
}

double
parzen_component_log_pdf(const Parzen *pe, int k, double x)
{
	double		mu;
	double		s;

	if (pe->categorical)
	{
		int			c = (int) x;

		if (c < 0 || c >= pe->nchoices)
			return -INFINITY;
		return pe->log_cat[k * pe->nchoices + c];
	}
	mu = pe->mus[k];
	s = pe->sigmas[k];
	if (pe->q > 0)
	{
		double		lo = x - pe->q / 2 > 0 ? x - pe->q / 2 : 0;
		double		hi = x + pe->q / 2 < 1 ? x + pe->q / 2 : 1;

		return parzen_log_gauss_mass((lo - mu) / s, (hi - mu) / s) - pe->log_norm[k];
	}
	{
		double		z = (x - mu) / s;

		/* as Optuna 3.1's truncnorm.logpdf: not divided by s (see parzen.h) */
		return -0.5 * z * z - PARZEN_LOG_SQRT_2PI - pe->log_norm[k];
	}
}

double
parzen_log_pdf(const Parzen *pe, double x)
{
	double		max = -INFINITY;
	double		sum = 0;
	double	   *terms = core_alloc(sizeof(double) * pe->ncomp);

	for (int k = 0; k < pe->ncomp; k++)
	{
		terms[k] = pe->log_weights[k] + parzen_component_log_pdf(pe, k, x);
		if (terms[k] > max)
			max = terms[k];
	}
	if (max == -INFINITY)
	{
		core_free(terms);
		return max;
	}
	for (int k = 0; k < pe->ncomp; k++)
		sum += exp(terms[k] - max);
	core_free(terms);
	return max + log(sum);
}

int
parzen_pick_component(const Parzen *pe, double u)
{
	double		cum = 0;

	for (int k = 0; k < pe->ncomp - 1; k++)
	{
		cum += exp(pe->log_weights[k]);
		if (u < cum)
			return k;
	}
	return pe->ncomp - 1;
}

double
parzen_sample(const Parzen *pe, int k, double u)
{
	double		mu;
	double		s;
	double		pa;
	double		pb;
	double		x;

	if (pe->categorical)
	{
		double		cum = 0;

		for (int c = 0; c < pe->nchoices - 1; c++)
		{
			cum += exp(pe->log_cat[k * pe->nchoices + c]);
			if (u < cum)
				return c;
		}
		return pe->nchoices - 1;
	}
	/* mu lies in [0, 1], so [a, b] straddles 0 and the cdf is accurate */
	mu = pe->mus[k];
	s = pe->sigmas[k];
	pa = 0.5 * erfc(mu / s / M_SQRT2);
	pb = 0.5 * erfc(-(1.0 - mu) / s / M_SQRT2);
	x = mu + s * parzen_ndtri(pa + u * (pb - pa));
	x = x < 0 ? 0 : (x > 1 ? 1 : x);
	if (pe->q > 0)
	{
		double		nb = floor(1.0 / pe->q + 0.5);
		double		idx = floor(x * nb);

		if (idx > nb - 1)
			idx = nb - 1;
		x = (idx + 0.5) / nb;
	}
	return x;
}
