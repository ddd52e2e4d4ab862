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
 * The sums are taken in double, one pass over the rows of M = examples x
 * pixels for the mean and one for the variance (two passes: the one-pass
 * formula loses the variance of large activations in float).  The
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

/*
 * Training: y, the saved xhat (M x C) and inv_std (C) from the batch's
 * statistics; moving (mean C, variance C) updated.  Inference (xhat NULL):
 * y from the moving statistics.  sums is C doubles of scratch, twice.
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
		float		momentum = (float) l->momentum;

		memset(sums, 0, 2 * (size_t) C * sizeof(double));
		for (int64_t r = 0; r < M; r++)
			for (int c = 0; c < C; c++)
				mean[c] += x[r * C + c];
		for (int c = 0; c < C; c++)
			mean[c] /= (double) M;
		for (int64_t r = 0; r < M; r++)
			for (int c = 0; c < C; c++)
			{
				double		d = x[r * C + c] - mean[c];

				var[c] += d * d;
			}
		for (int c = 0; c < C; c++)
		{
			var[c] /= (double) M;
			inv_std[c] = (float) (1.0 / sqrt(var[c] + l->epsilon));
			mmean[c] = mmean[c] * momentum + (float) mean[c] * (1.0f - momentum);
			mvar[c] = mvar[c] * momentum + (float) var[c] * (1.0f - momentum);
		}
		for (int64_t r = 0; r < M; r++)
		{
			const float *xr = x + r * C;
			float	   *hr = xhat + r * C;
			float	   *yr = y + r * C;

			for (int c = 0; c < C; c++)
			{
				hr[c] = (float) (xr[c] - mean[c]) * inv_std[c];
				yr[c] = gamma[c] * hr[c] + beta[c];
			}
		}
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

	memset(sums, 0, 2 * (size_t) C * sizeof(double));
	for (int64_t r = 0; r < M; r++)
		for (int c = 0; c < C; c++)
		{
			dbeta[c] += dy[r * C + c];
			dgamma[c] += (double) dy[r * C + c] * xhat[r * C + c];
		}
	for (int c = 0; c < C; c++)
	{
		grads[l->woff + c] = (float) dgamma[c];
		grads[l->boff + c] = (float) dbeta[c];
	}
	if (dx == NULL)
		return;
	for (int64_t r = 0; r < M; r++)
		for (int c = 0; c < C; c++)
		{
			float		k = gamma[c] * inv_std[c] / (float) M;
			float		g = k * ((float) M * dy[r * C + c] - (float) dbeta[c] -
								 xhat[r * C + c] * (float) dgamma[c]);

			dx[r * C + c] = accumulate ? dx[r * C + c] + g : g;
		}
}
