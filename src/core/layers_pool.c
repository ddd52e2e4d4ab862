/*-------------------------------------------------------------------------
 *
 * layers_pool.c
 *	  Layers that move or pool values without weights, NHWC float32:
 *	  ZeroPadding2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
 *	  GlobalMaxPooling2D (pure C).
 *
 * Windows follow TensorFlow's rules, which Keras uses: with padding
 * "same" the padded cells are ignored (a max over the real cells only; an
 * average divided by the count of real cells).  Max pooling keeps the
 * index of each window's maximum (the first one on ties) in a saved
 * buffer, so its backward is a scatter; the loops over a window run along
 * the channels, contiguous in NHWC.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <float.h>
#include <string.h>

void
layer_zero_padding_forward(const GraphLayer *l, const float *x, int rows,
						   float *y)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			OH = l->out.h,
				OW = l->out.w;

	memset(y, 0, (size_t) rows * OH * OW * C * sizeof(float));
	for (int s = 0; s < rows; s++)
		for (int iy = 0; iy < H; iy++)
			memcpy(y + (((int64_t) s * OH + iy + l->pad[0]) * OW + l->pad[2]) * C,
				   x + ((int64_t) s * H + iy) * W * C,
				   (size_t) W * C * sizeof(float));
}

void
layer_zero_padding_backward(const GraphLayer *l, const float *dy, int rows,
							float *dx, bool accumulate)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			OH = l->out.h,
				OW = l->out.w;

	for (int s = 0; s < rows; s++)
		for (int iy = 0; iy < H; iy++)
			layer_accumulate(dx + ((int64_t) s * H + iy) * W * C,
							 dy + (((int64_t) s * OH + iy + l->pad[0]) * OW + l->pad[2]) * C,
							 (int64_t) W * C, accumulate);
}

/* the window of output (oy, ox), clipped to the input */
static inline void
pool_window(const GraphLayer *l, int oy, int ox, int *y0, int *y1, int *x0,
			int *x1)
{
	*y0 = oy * l->strides[0] - l->pad[0];
	*x0 = ox * l->strides[1] - l->pad[2];
	*y1 = *y0 + l->kernel[0];
	*x1 = *x0 + l->kernel[1];
	if (*y0 < 0)
		*y0 = 0;
	if (*x0 < 0)
		*x0 = 0;
	if (*y1 > l->in.h)
		*y1 = l->in.h;
	if (*x1 > l->in.w)
		*x1 = l->in.w;
}

/* y = window maxima; argmax (as int32) = flat input index of each */
void
layer_max_pool_forward(const GraphLayer *l, const float *x, int rows,
					   float *y, int32_t *argmax)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			OH = l->out.h,
				OW = l->out.w;

	for (int s = 0; s < rows; s++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++)
			{
				int64_t		o = (((int64_t) s * OH + oy) * OW + ox) * C;
				int			y0,
							y1,
							x0,
							x1;

				pool_window(l, oy, ox, &y0, &y1, &x0, &x1);
				for (int c = 0; c < C; c++)
				{
					y[o + c] = -FLT_MAX;
					argmax[o + c] = -1;
				}
				for (int iy = y0; iy < y1; iy++)
					for (int ix = x0; ix < x1; ix++)
					{
						int64_t		at = ((int64_t) iy * W + ix) * C;
						const float *xi = x + (int64_t) s * H * W * C + at;

						for (int c = 0; c < C; c++)
							if (xi[c] > y[o + c] || argmax[o + c] < 0)
							{
								y[o + c] = xi[c];
								argmax[o + c] = (int32_t) (at + c);
							}
					}
			}
}

void
layer_max_pool_backward(const GraphLayer *l, const float *dy,
						const int32_t *argmax, int rows, float *dx,
						bool accumulate)
{
	int64_t		in_size = graph_shape_size(l->in);
	int64_t		out_size = graph_shape_size(l->out);

	if (!accumulate)
		memset(dx, 0, (size_t) rows * in_size * sizeof(float));
	for (int s = 0; s < rows; s++)
		for (int64_t i = 0; i < out_size; i++)
			dx[s * in_size + argmax[s * out_size + i]] += dy[s * out_size + i];
}

void
layer_avg_pool_forward(const GraphLayer *l, const float *x, int rows,
					   float *y)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			OH = l->out.h,
				OW = l->out.w;

	for (int s = 0; s < rows; s++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++)
			{
				float	   *yo = y + (((int64_t) s * OH + oy) * OW + ox) * C;
				int			y0,
							y1,
							x0,
							x1;
				float		scale;

				pool_window(l, oy, ox, &y0, &y1, &x0, &x1);
				memset(yo, 0, C * sizeof(float));
				for (int iy = y0; iy < y1; iy++)
					for (int ix = x0; ix < x1; ix++)
					{
						const float *xi = x + (((int64_t) s * H + iy) * W + ix) * C;

						for (int c = 0; c < C; c++)
							yo[c] += xi[c];
					}
				scale = 1.0f / (float) ((y1 - y0) * (x1 - x0));
				for (int c = 0; c < C; c++)
					yo[c] *= scale;
			}
}

void
layer_avg_pool_backward(const GraphLayer *l, const float *dy, int rows,
						float *dx, bool accumulate)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			OH = l->out.h,
				OW = l->out.w;

	if (!accumulate)
		memset(dx, 0, (size_t) rows * H * W * C * sizeof(float));
	for (int s = 0; s < rows; s++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++)
			{
				const float *go = dy + (((int64_t) s * OH + oy) * OW + ox) * C;
				int			y0,
							y1,
							x0,
							x1;
				float		scale;

				pool_window(l, oy, ox, &y0, &y1, &x0, &x1);
				scale = 1.0f / (float) ((y1 - y0) * (x1 - x0));
				for (int iy = y0; iy < y1; iy++)
					for (int ix = x0; ix < x1; ix++)
					{
						float	   *di = dx + (((int64_t) s * H + iy) * W + ix) * C;

						for (int c = 0; c < C; c++)
							di[c] += go[c] * scale;
					}
			}
}

/* global pools: y (rows x C); argmax for max, as in max pooling */
void
layer_global_pool_forward(const GraphLayer *l, const float *x, int rows,
						  float *y, int32_t *argmax)
{
	int64_t		P = (int64_t) l->in.h * l->in.w;
	int			C = l->in.c;
	bool		max = l->kind == LAYER_GLOBAL_MAX_POOLING2D;

	for (int s = 0; s < rows; s++)
	{
		const float *xs = x + s * P * C;
		float	   *ys = y + (int64_t) s * C;

		memcpy(ys, xs, C * sizeof(float));
		if (max)
			for (int c = 0; c < C; c++)
				argmax[(int64_t) s * C + c] = c;
		for (int64_t p = 1; p < P; p++)
		{
			const float *xp = xs + p * C;

			if (max)
			{
				for (int c = 0; c < C; c++)
					if (xp[c] > ys[c])
					{
						ys[c] = xp[c];
						argmax[(int64_t) s * C + c] = (int32_t) (p * C + c);
					}
			}
			else
				for (int c = 0; c < C; c++)
					ys[c] += xp[c];
		}
		if (!max)
			for (int c = 0; c < C; c++)
				ys[c] /= (float) P;
	}
}

void
layer_global_pool_backward(const GraphLayer *l, const float *dy,
						   const int32_t *argmax, int rows, float *dx,
						   bool accumulate)
{
	int64_t		P = (int64_t) l->in.h * l->in.w;
	int			C = l->in.c;
	float		inv = 1.0f / (float) P;

	if (l->kind == LAYER_GLOBAL_MAX_POOLING2D)
	{
		if (!accumulate)
			memset(dx, 0, (size_t) rows * P * C * sizeof(float));
		for (int s = 0; s < rows; s++)
			for (int c = 0; c < C; c++)
				dx[s * P * C + argmax[(int64_t) s * C + c]] += dy[(int64_t) s * C + c];
		return;
	}
	for (int s = 0; s < rows; s++)
		for (int64_t p = 0; p < P; p++)
		{
			float	   *d = dx + (s * P + p) * C;
			const float *g = dy + (int64_t) s * C;

			if (accumulate)
				for (int c = 0; c < C; c++)
					d[c] += g[c] * inv;
			else
				for (int c = 0; c < C; c++)
					d[c] = g[c] * inv;
		}
}
