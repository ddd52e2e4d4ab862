/*-------------------------------------------------------------------------
 *
 * layers_norm.c
 *	  BatchNormalization over the last axis, forward and backward (pure C).
 *
 * As Keras: while training, each channel is normalised with the mean and
 * the (biased) variance of the batch, over every example and pixel, and
 * the moving statistics move towards them, moving = moving momentum +
 * batch (1 - momentum); evaluate and predict normalise with the moving
 * statistics, which the model stores (its state vector, outside the
 * optimizer's).  y = gamma (x - mean) / sqrt(var + epsilon) + beta.
 *
 * The sums over M = examples x pixels are taken in float over blocks of
 * NORM_ROWS rows (vectorised across the channels) and folded into double,
 * one pass for the mean and one for the variance (two passes: the one-pass
 * formula loses the variance of large activations in float).  `sums`
 * holds 4 C doubles: the double sums, then float scratch.  The
 * backward pass is the usual closed form from the saved normalised input
 * xhat:
 *
 *	 dbeta = sum dy;  dgamma = sum dy xhat
 *	 dx = gamma / sqrt(var + eps) / M (M dy - dbeta - xhat dgamma)
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <math.h>
#include <string.h>

/* rows per float partial sum, folded into double sums */
#define NORM_ROWS 64

/*
 * part (C) = sum over rows [r0, r1) of x, or of (x - mean)^2 when mean is
 * given; vectorised across the channels.
 */
CORE_CLONES static void
norm_column_sums(const float *restrict x, int64_t r0, int64_t r1, int C,
				 const float *restrict mean, float *restrict part)
{
	memset(part, 0, C * sizeof(float));
	for (int64_t r = r0; r < r1; r++)
	{
		const float *xr = x + r * C;

		if (mean)
			for (int c = 0; c < C; c++)
			{
				float		d = xr[c] - mean[c];

				part[c] += d * d;
			}
		else
			for (int c = 0; c < C; c++)
				part[c] += xr[c];
	}
}

/* xhat = (x - mean) inv_std; y = gamma xhat + beta */
CORE_CLONES static void
norm_apply(const float *restrict x, int64_t M, int C,
		   const float *restrict mean, const float *restrict inv_std,
		   const float *restrict gamma, const float *restrict beta,
		   float *restrict xhat, float *restrict y)
{
	for (int64_t r = 0; r < M; r++)
	{
		const float *xr = x + r * C;
		float	   *hr = xhat + r * C;
		float	   *yr = y + r * C;

		for (int c = 0; c < C; c++)
		{
			hr[c] = (xr[c] - mean[c]) * inv_std[c];
			yr[c] = gamma[c] * hr[c] + beta[c];
		}
	}
}

/* part: sum of dy and of dy xhat over rows [r0, r1) */
CORE_CLONES static void
norm_grad_sums(const float *restrict dy, const float *restrict xhat,
			   int64_t r0, int64_t r1, int C, float *restrict pb,
			   float *restrict pg)
{
	memset(pb, 0, C * sizeof(float));
	memset(pg, 0, C * sizeof(float));
	for (int64_t r = r0; r < r1; r++)
	{
		const float *d = dy + r * C;
		const float *h = xhat + r * C;

		for (int c = 0; c < C; c++)
		{
			pb[c] += d[c];
			pg[c] += d[c] * h[c];
		}
	}
}

/* dx (+)= k (M dy - dbeta - xhat dgamma), per channel */
CORE_CLONES static void
norm_grad_apply(const float *restrict dy, const float *restrict xhat,
				int64_t M, int C, const float *restrict k,
				const float *restrict db, const float *restrict dg,
				float *restrict dx, bool accumulate)
{
	float		m = (float) M;

	for (int64_t r = 0; r < M; r++)
	{
		const float *d = dy + r * C;
		const float *h = xhat + r * C;
		float	   *o = dx + r * C;

		if (accumulate)
			for (int c = 0; c < C; c++)
				o[c] += k[c] * (m * d[c] - db[c] - h[c] * dg[c]);
		else
			for (int c = 0; c < C; c++)
				o[c] = k[c] * (m * d[c] - db[c] - h[c] * dg[c]);
	}
}

/*
 * Training: y, the saved xhat (M x C) and inv_std (C) from the batch's
 * statistics; moving (mean C, variance C) updated.  Inference (xhat NULL):
 * y from the moving statistics.  sums is 4 C doubles of scratch.
 */
void
layer_batchnorm_forward(const GraphLayer *l, const float *x, int64_t M,
						const float *params, float *moving, float *y,
						float *xhat, float *inv_std, double *sums)
{
	int			C = l->in.c;
	const float *gamma = params + l->woff;
	const float *beta = params + l->boff;
	float	   *mmean = moving;
	float	   *mvar = moving + C;

	if (xhat == NULL)
	{
		for (int c = 0; c < C; c++)
		{
			float		s = gamma[c] / sqrtf(mvar[c] + (float) l->epsilon);

			inv_std[c] = s;
		}
		for (int64_t r = 0; r < M; r++)
		{
			const float *xr = x + r * C;
			float	   *yr = y + r * C;

			for (int c = 0; c < C; c++)
				yr[c] = (xr[c] - mmean[c]) * inv_std[c] + beta[c];
		}
		return;
	}

	{
		double	   *mean = sums;
		double	   *var = sums + C;
		float	   *part = (float *) (sums + 2 * C);
		float	   *meanf = part + C;
		float		momentum = (float) l->momentum;

		memset(sums, 0, 2 * (size_t) C * sizeof(double));
		for (int64_t r0 = 0; r0 < M; r0 += NORM_ROWS)
		{
			int64_t		r1 = r0 + NORM_ROWS < M ? r0 + NORM_ROWS : M;

			norm_column_sums(x, r0, r1, C, NULL, part);
			for (int c = 0; c < C; c++)
				mean[c] += part[c];
		}
		for (int c = 0; c < C; c++)
		{
			mean[c] /= (double) M;
			meanf[c] = (float) mean[c];
		}
		for (int64_t r0 = 0; r0 < M; r0 += NORM_ROWS)
		{
			int64_t		r1 = r0 + NORM_ROWS < M ? r0 + NORM_ROWS : M;

			norm_column_sums(x, r0, r1, C, meanf, part);
			for (int c = 0; c < C; c++)
				var[c] += part[c];
		}
		for (int c = 0; c < C; c++)
		{
			var[c] /= (double) M;
			inv_std[c] = (float) (1.0 / sqrt(var[c] + l->epsilon));
			mmean[c] = mmean[c] * momentum + (float) mean[c] * (1.0f - momentum);
			mvar[c] = mvar[c] * momentum + (float) var[c] * (1.0f - momentum);
		}
		norm_apply(x, M, C, meanf, inv_std, gamma, beta, xhat, y);
	}
}

void
layer_batchnorm_backward(const GraphLayer *l, const float *dy, int64_t M,
						 const float *params, float *grads, const float *xhat,
						 const float *inv_std, double *sums, float *dx,
						 bool accumulate)
{
	int			C = l->in.c;
	const float *gamma = params + l->woff;
	double	   *dbeta = sums;
	double	   *dgamma = sums + C;
	float	   *pb = (float *) (sums + 2 * C);
	float	   *pg = pb + C;
	float	   *k = pg + C;

	memset(sums, 0, 2 * (size_t) C * sizeof(double));
	for (int64_t r0 = 0; r0 < M; r0 += NORM_ROWS)
	{
		int64_t		r1 = r0 + NORM_ROWS < M ? r0 + NORM_ROWS : M;

		norm_grad_sums(dy, xhat, r0, r1, C, pb, pg);
		for (int c = 0; c < C; c++)
		{
			dbeta[c] += pb[c];
			dgamma[c] += pg[c];
		}
	}
	for (int c = 0; c < C; c++)
	{
		grads[l->woff + c] = (float) dgamma[c];
		grads[l->boff + c] = (float) dbeta[c];
	}
	if (dx == NULL)
		return;
	/* pb, pg now hold dbeta, dgamma as floats, k the per-channel factor */
	for (int c = 0; c < C; c++)
	{
		pb[c] = (float) dbeta[c];
		pg[c] = (float) dgamma[c];
		k[c] = gamma[c] * inv_std[c] / (float) M;
	}
	norm_grad_apply(dy, xhat, M, C, k, pb, pg, dx, accumulate);
}
