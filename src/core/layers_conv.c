/*-------------------------------------------------------------------------
 *
 * layers_conv.c
 *	  Convolutions in NHWC float32: Conv2D (with groups), DepthwiseConv2D
 *	  and SeparableConv2D, forward and backward (pure C).
 *
 * Conv2D is im2col + cblas_sgemm.  In NHWC the patch of one output pixel
 * is kh rows of kw * C contiguous input floats, and a Keras kernel (kh, kw,
 * C/groups, filters) read row-major is already the (kh kw C/groups) x
 * filters matrix, so
 *
 *	 forward	Y (pixels x filters) = col (pixels x K) W (K x filters)
 *	 backward	dW = col^T dY; dcol = dY W^T, scattered back (col2im)
 *
 * with K = kh kw C/groups; a group multiplies its own columns of col by
 * its own block of W's columns into its block of Y's (leading dimension
 * filters).  A 1x1 convolution with stride 1 and one group needs no col:
 * the input itself is the matrix.  col is built for a chunk of examples at
 * a time (graph_exec_chunk_rows: layer_conv_col_target floats), which keeps it in cache
 * between its writing and the product, and bounds the scratch memory
 * whatever the batch size; an implicit-GEMM tiling would avoid the copy
 * but needs its own kernel, and the project's rule is no hand-written GEMM.
 *
 * DepthwiseConv2D does kh kw multiply-adds per output, too few for a
 * product to pay: it is a direct loop over pixels whose inner loop runs
 * along the channels, contiguous in both the input and the kernel, and
 * vectorises.  SeparableConv2D is a depthwise (multiplier 1, no bias) into
 * a saved buffer, then a 1x1 product.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <cblas.h>
#include <string.h>

/*
 * Floats of col per chunk: 2^16 (256 kB, about an L2 cache) trained the
 * small CNN of bench/conv_core.c --sweep 20-40% faster than chunks of 2^20
 * floats or whole batches, as the product then reads col while it is
 * still in cache.  A variable so the benchmark can vary it.
 */
int			layer_conv_col_target = 1 << 16;

static bool
conv_is_pointwise(const GraphLayer *l)
{
	return l->kernel[0] == 1 && l->kernel[1] == 1 && l->strides[0] == 1 &&
		l->strides[1] == 1 && l->groups == 1 && l->kind == LAYER_CONV2D;
}

int
graph_exec_chunk_rows(const GraphLayer *l, int rows)
{
	int64_t		per = (int64_t) l->out.h * l->out.w * l->kernel[0] *
		l->kernel[1] * (l->in.c / (l->groups > 0 ? l->groups : 1));
	int64_t		n;

	if (l->kind != LAYER_CONV2D || conv_is_pointwise(l))
		return 0;
	n = layer_conv_col_target / (per > 0 ? per : 1);
	if (n < 1)
		n = 1;
	return n < rows ? (int) n : rows;
}

/* col (n examples' pixels x K) for group g */
static void
conv_im2col(const GraphLayer *l, const float *x, int n, int g, float *col)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			cg = C / l->groups;
	int			kh = l->kernel[0],
				kw = l->kernel[1];
	int			OH = l->out.h,
				OW = l->out.w;
	int			K = kh * kw * cg;

	for (int s = 0; s < n; s++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++)
			{
				float	   *row = col + (((int64_t) s * OH + oy) * OW + ox) * K;
				int			x0 = ox * l->strides[1] - l->pad[2];

				for (int ky = 0; ky < kh; ky++)
				{
					int			iy = oy * l->strides[0] - l->pad[0] + ky;
					float	   *dst = row + (int64_t) ky * kw * cg;
					const float *src;
					int			lo,
								hi;

					if (iy < 0 || iy >= H)
					{
						memset(dst, 0, (size_t) kw * cg * sizeof(float));
						continue;
					}
					lo = x0 < 0 ? -x0 : 0;
					hi = x0 + kw > W ? W - x0 : kw;
					if (hi < lo)
						hi = lo;
					src = x + (((int64_t) s * H + iy) * W + x0) * C + g * cg;
					if (lo > 0)
						memset(dst, 0, (size_t) lo * cg * sizeof(float));
					if (l->groups == 1)
						memcpy(dst + lo * cg, src + (int64_t) lo * C,
							   (size_t) (hi - lo) * C * sizeof(float));
					else
						for (int kx = lo; kx < hi; kx++)
							memcpy(dst + kx * cg, src + (int64_t) kx * C,
								   (size_t) cg * sizeof(float));
					if (hi < kw)
						memset(dst + hi * cg, 0, (size_t) (kw - hi) * cg * sizeof(float));
				}
			}
}

/* dx (n examples) += col scattered back, for group g */
static void
conv_col2im(const GraphLayer *l, const float *col, int n, int g, float *dx)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			cg = C / l->groups;
	int			kh = l->kernel[0],
				kw = l->kernel[1];
	int			OH = l->out.h,
				OW = l->out.w;
	int			K = kh * kw * cg;

	for (int s = 0; s < n; s++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++)
			{
				const float *row = col + (((int64_t) s * OH + oy) * OW + ox) * K;

				for (int ky = 0; ky < kh; ky++)
				{
					int			iy = oy * l->strides[0] - l->pad[0] + ky;

					if (iy < 0 || iy >= H)
						continue;
					for (int kx = 0; kx < kw; kx++)
					{
						int			ix = ox * l->strides[1] - l->pad[2] + kx;
						const float *src = row + (ky * kw + kx) * cg;
						float	   *dst;

						if (ix < 0 || ix >= W)
							continue;
						dst = dx + (((int64_t) s * H + iy) * W + ix) * C + g * cg;
						for (int c = 0; c < cg; c++)
							dst[c] += src[c];
					}
				}
			}
}

/* y = act(conv(x) + b); pre keeps the biased sum for gelu */
void
layer_conv2d_forward(const GraphLayer *l, const float *x, int rows,
					 const float *params, float *y, float *pre, float *col)
{
	int			F = l->units;
	int			fg = F / l->groups;
	int			K = l->kernel[0] * l->kernel[1] * (l->in.c / l->groups);
	int64_t		pix = (int64_t) l->out.h * l->out.w;
	int64_t		in_size = graph_shape_size(l->in);
	const float *w = params + l->woff;

	if (conv_is_pointwise(l))
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
					(int) (rows * pix), F, l->in.c, 1.0f, x, l->in.c,
					w, F, 0.0f, y, F);
	else
	{
		int			chunk = graph_exec_chunk_rows(l, rows);

		for (int r = 0; r < rows; r += chunk)
		{
			int			n = rows - r < chunk ? rows - r : chunk;

			for (int g = 0; g < l->groups; g++)
			{
				conv_im2col(l, x + r * in_size, n, g, col);
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
							(int) (n * pix), fg, K, 1.0f, col, K,
							w + g * fg, F, 0.0f,
							y + r * pix * F + g * fg, F);
			}
		}
	}
	layer_bias_activation(y, pre, l->use_bias ? params + l->boff : NULL,
						  (int) (rows * pix), F, l->act);
}

/*
 * From dz (the gradient at the biased sum): the kernel's and bias's
 * gradients, and dx (+)= the input's unless dx is NULL.
 */
void
layer_conv2d_backward(const GraphLayer *l, const float *x, const float *dz,
					  int rows, const float *params, float *grads, float *dx,
					  bool accumulate, float *col, float *dcol)
{
	int			F = l->units;
	int			fg = F / l->groups;
	int			K = l->kernel[0] * l->kernel[1] * (l->in.c / l->groups);
	int64_t		pix = (int64_t) l->out.h * l->out.w;
	int64_t		in_size = graph_shape_size(l->in);
	const float *w = params + l->woff;
	float	   *dw = grads + l->woff;
	int			chunk;

	if (l->use_bias)
		layer_column_sums(dz, (int) (rows * pix), F, grads + l->boff);
	if (conv_is_pointwise(l))
	{
		int			M = (int) (rows * pix);

		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
					l->in.c, F, M, 1.0f, x, l->in.c, dz, F, 0.0f, dw, F);
		if (dx)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
						M, l->in.c, F, 1.0f, dz, F, w, F,
						accumulate ? 1.0f : 0.0f, dx, l->in.c);
		return;
	}
	if (dx && !accumulate)
		memset(dx, 0, (size_t) rows * in_size * sizeof(float));
	chunk = graph_exec_chunk_rows(l, rows);
	for (int r = 0; r < rows; r += chunk)
	{
		int			n = rows - r < chunk ? rows - r : chunk;
		int			M = (int) (n * pix);
		const float *dzr = dz + r * pix * F;

		for (int g = 0; g < l->groups; g++)
		{
			conv_im2col(l, x + r * in_size, n, g, col);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
						K, fg, M, 1.0f, col, K, dzr + g * fg, F,
						r == 0 ? 0.0f : 1.0f, dw + g * fg, F);
			if (dx)
			{
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
							M, K, fg, 1.0f, dzr + g * fg, F, w + g * fg, F,
							0.0f, dcol, K);
				conv_col2im(l, dcol, n, g, dx + r * in_size);
			}
		}
	}
}

/* ---- depthwise ---- */

/*
 * y[n, oy, ox, c m + d] = sum over the window of x[n, iy, ix, c] W[ky, kx,
 * c, d]; the output channel index c m + d is also W's, so the inner loop
 * over it is contiguous in y and W (and in x when m is 1).
 */
CORE_CLONES static void
depthwise_forward(const GraphLayer *l, const float *restrict x, int rows,
				  const float *restrict w, float *restrict y)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			m = l->depth_multiplier;
	int			CO = C * m;
	int			OH = l->out.h,
				OW = l->out.w;

	memset(y, 0, (size_t) rows * OH * OW * CO * sizeof(float));
	for (int s = 0; s < rows; s++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++)
			{
				float	   *yo = y + (((int64_t) s * OH + oy) * OW + ox) * CO;

				for (int ky = 0; ky < l->kernel[0]; ky++)
				{
					int			iy = oy * l->strides[0] - l->pad[0] + ky;

					if (iy < 0 || iy >= H)
						continue;
					for (int kx = 0; kx < l->kernel[1]; kx++)
					{
						int			ix = ox * l->strides[1] - l->pad[2] + kx;
						const float *xi;
						const float *wk;

						if (ix < 0 || ix >= W)
							continue;
						xi = x + (((int64_t) s * H + iy) * W + ix) * C;
						wk = w + (ky * l->kernel[1] + kx) * CO;
						if (m == 1)
							for (int c = 0; c < C; c++)
								yo[c] += xi[c] * wk[c];
						else
							for (int j = 0; j < CO; j++)
								yo[j] += xi[j / m] * wk[j];
					}
				}
			}
}

CORE_CLONES static void
depthwise_backward(const GraphLayer *l, const float *restrict x,
				   const float *restrict dz, int rows, const float *restrict w,
				   float *restrict dw, float *restrict dx)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			m = l->depth_multiplier;
	int			CO = C * m;
	int			OH = l->out.h,
				OW = l->out.w;

	memset(dw, 0, (size_t) l->kernel[0] * l->kernel[1] * CO * sizeof(float));
	for (int s = 0; s < rows; s++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++)
			{
				const float *go = dz + (((int64_t) s * OH + oy) * OW + ox) * CO;

				for (int ky = 0; ky < l->kernel[0]; ky++)
				{
					int			iy = oy * l->strides[0] - l->pad[0] + ky;

					if (iy < 0 || iy >= H)
						continue;
					for (int kx = 0; kx < l->kernel[1]; kx++)
					{
						int			ix = ox * l->strides[1] - l->pad[2] + kx;
						int64_t		at;
						const float *wk;
						float	   *dwk;

						if (ix < 0 || ix >= W)
							continue;
						at = (((int64_t) s * H + iy) * W + ix) * C;
						wk = w + (ky * l->kernel[1] + kx) * CO;
						dwk = dw + (ky * l->kernel[1] + kx) * CO;
						if (m == 1 && dx)
						{
							/* one pass: go is read once for both */
							const float *xi = x + at;
							float	   *di = dx + at;

							for (int c = 0; c < C; c++)
							{
								float		g = go[c];

								dwk[c] += xi[c] * g;
								di[c] += wk[c] * g;
							}
						}
						else if (m == 1)
						{
							for (int c = 0; c < C; c++)
								dwk[c] += x[at + c] * go[c];
						}
						else
							for (int j = 0; j < CO; j++)
							{
								dwk[j] += x[at + j / m] * go[j];
								if (dx)
									dx[at + j / m] += wk[j] * go[j];
							}
					}
				}
			}
}

void
layer_depthwise_forward(const GraphLayer *l, const float *x, int rows,
						const float *params, float *y, float *pre)
{
	int64_t		pix = (int64_t) l->out.h * l->out.w;

	depthwise_forward(l, x, rows, params + l->woff, y);
	layer_bias_activation(y, pre, l->use_bias ? params + l->boff : NULL,
						  (int) (rows * pix), l->out.c, l->act);
}

void
layer_depthwise_backward(const GraphLayer *l, const float *x, const float *dz,
						 int rows, const float *params, float *grads,
						 float *dx, bool accumulate)
{
	int64_t		pix = (int64_t) l->out.h * l->out.w;

	if (l->use_bias)
		layer_column_sums(dz, (int) (rows * pix), l->out.c, grads + l->boff);
	if (dx && !accumulate)
		memset(dx, 0, (size_t) rows * graph_shape_size(l->in) * sizeof(float));
	depthwise_backward(l, x, dz, rows, params + l->woff, grads + l->woff, dx);
}

/* ---- separable: depthwise (multiplier 1) into mid, then 1x1 ---- */

void
layer_separable_forward(const GraphLayer *l, const float *x, int rows,
						const float *params, float *mid, float *y, float *pre)
{
	int64_t		M = (int64_t) rows * l->out.h * l->out.w;
	int			C = l->in.c;
	int			F = l->units;

	depthwise_forward(l, x, rows, params + l->woff, mid);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
				(int) M, F, C, 1.0f, mid, C, params + l->w2off, F, 0.0f, y, F);
	layer_bias_activation(y, pre, l->use_bias ? params + l->boff : NULL,
						  (int) M, F, l->act);
}

void
layer_separable_backward(const GraphLayer *l, const float *x, const float *dz,
						 int rows, const float *params, float *grads,
						 const float *mid, float *dmid, float *dx,
						 bool accumulate)
{
	int64_t		M = (int64_t) rows * l->out.h * l->out.w;
	int			C = l->in.c;
	int			F = l->units;

	if (l->use_bias)
		layer_column_sums(dz, (int) M, F, grads + l->boff);
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
				C, F, (int) M, 1.0f, mid, C, dz, F, 0.0f, grads + l->w2off, F);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
				(int) M, C, F, 1.0f, dz, F, params + l->w2off, F, 0.0f, dmid, C);
	if (dx && !accumulate)
		memset(dx, 0, (size_t) rows * graph_shape_size(l->in) * sizeof(float));
	depthwise_backward(l, x, dmid, rows, params + l->woff, grads + l->woff, dx);
}
