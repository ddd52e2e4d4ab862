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
 * vectorises.  With a depth multiplier of 1 (Xception's separable
 * convolutions) the sums of CORE_BLOCK channels stay in a register across
 * the window: the output and the input gradient are gathered and stored
 * once, the kernel gradient is updated with the output gradient held in a
 * register (3-4 times faster than the plain loops in Xception's epoch).  SeparableConv2D is a depthwise (multiplier 1, no bias) into
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
 * Multiplier 1: CORE_BLOCK channels at a time, their sums held in a
 * vector register across the window's taps, stored once (the plain loop
 * loads and stores the sums at every tap).
 */
CORE_CLONES static void
depthwise_forward_blocked(const GraphLayer *l, const float *restrict x,
						  int rows, const float *restrict w,
						  float *restrict y)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			OH = l->out.h,
				OW = l->out.w;
	int			kh = l->kernel[0],
				kw = l->kernel[1];

	for (int s = 0; s < rows; s++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++)
			{
				float	   *yo = y + (((int64_t) s * OH + oy) * OW + ox) * C;
				int			y0 = oy * l->strides[0] - l->pad[0];
				int			x0 = ox * l->strides[1] - l->pad[2];
				int			ky0 = y0 < 0 ? -y0 : 0,
							ky1 = y0 + kh > H ? H - y0 : kh;
				int			kx0 = x0 < 0 ? -x0 : 0,
							kx1 = x0 + kw > W ? W - x0 : kw;
				int			c = 0;

				for (; c + CORE_BLOCK <= C; c += CORE_BLOCK)
				{
					float		acc[CORE_BLOCK] = {0};

					for (int ky = ky0; ky < ky1; ky++)
						for (int kx = kx0; kx < kx1; kx++)
						{
							const float *xi = x + (((int64_t) s * H + y0 + ky) * W + x0 + kx) * C + c;
							const float *wk = w + (ky * kw + kx) * C + c;

							for (int k = 0; k < CORE_BLOCK; k++)
								acc[k] += xi[k] * wk[k];
						}
					for (int k = 0; k < CORE_BLOCK; k++)
						yo[c + k] = acc[k];
				}
				for (; c < C; c++)
				{
					float		acc = 0.0f;

					for (int ky = ky0; ky < ky1; ky++)
						for (int kx = kx0; kx < kx1; kx++)
							acc += x[(((int64_t) s * H + y0 + ky) * W + x0 + kx) * C + c] *
								w[(ky * kw + kx) * C + c];
					yo[c] = acc;
				}
			}
}

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

	if (m == 1)
	{
		depthwise_forward_blocked(l, x, rows, w, y);
		return;
	}
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
						for (int j = 0; j < CO; j++)
							yo[j] += xi[j / m] * wk[j];
					}
				}
			}
}

/*
 * Multiplier 1, the input gradient as a gather: dx[iy, ix, c] = sum over
 * the taps (ky, kx) whose output pixel (oy, ox) covers (iy, ix) of W[ky,
 * kx, c] dz[oy, ox, c], summed in a register per CORE_BLOCK channels and
 * stored once (scattering from each output pixel would load and store dx
 * at every tap).
 */
CORE_CLONES static void
depthwise_dx_blocked(const GraphLayer *l, const float *restrict dz, int rows,
					 const float *restrict w, float *restrict dx,
					 bool accumulate)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			OH = l->out.h,
				OW = l->out.w;
	int			kh = l->kernel[0],
				kw = l->kernel[1];
	int			sh = l->strides[0],
				sw = l->strides[1];

	for (int s = 0; s < rows; s++)
		for (int iy = 0; iy < H; iy++)
			for (int ix = 0; ix < W; ix++)
			{
				float	   *di = dx + (((int64_t) s * H + iy) * W + ix) * C;
				for (int c = 0; c < C; c += CORE_BLOCK)
				{
					int			n = C - c < CORE_BLOCK ? C - c : CORE_BLOCK;
					float		acc[CORE_BLOCK] = {0};
					for (int ky = 0; ky < kh; ky++)
					{
						int			ty = iy + l->pad[0] - ky;
						int			oy = ty / sh;

						if (ty < 0 || ty % sh != 0 || oy >= OH)
							continue;
						for (int kx = 0; kx < kw; kx++)
						{
							int			tx = ix + l->pad[2] - kx;
							int			ox = tx / sw;
							const float *g;
							const float *wk;

							if (tx < 0 || tx % sw != 0 || ox >= OW)
								continue;
							g = dz + (((int64_t) s * OH + oy) * OW + ox) * C + c;
							wk = w + (ky * kw + kx) * C + c;
							if (n == CORE_BLOCK)
								for (int k = 0; k < CORE_BLOCK; k++)
									acc[k] += wk[k] * g[k];
							else
								for (int k = 0; k < n; k++)
									acc[k] += wk[k] * g[k];
						}
					}
					if (accumulate)
						for (int k = 0; k < n; k++)
							di[c + k] += acc[k];
					else
						for (int k = 0; k < n; k++)
							di[c + k] = acc[k];
				}
			}
}

/*
 * Multiplier 1, the kernel gradient: per output pixel and CORE_BLOCK
 * channels, dz held in a register across the taps.
 */
CORE_CLONES static void
depthwise_dw_blocked(const GraphLayer *l, const float *restrict x,
					 const float *restrict dz, int rows, float *restrict dw)
{
	int			H = l->in.h,
				W = l->in.w,
				C = l->in.c;
	int			OH = l->out.h,
				OW = l->out.w;
	int			kh = l->kernel[0],
				kw = l->kernel[1];

	memset(dw, 0, (size_t) kh * kw * C * sizeof(float));
	for (int s = 0; s < rows; s++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++)
			{
				const float *go = dz + (((int64_t) s * OH + oy) * OW + ox) * C;
				int			y0 = oy * l->strides[0] - l->pad[0];
				int			x0 = ox * l->strides[1] - l->pad[2];
				int			ky0 = y0 < 0 ? -y0 : 0,
							ky1 = y0 + kh > H ? H - y0 : kh;
				int			kx0 = x0 < 0 ? -x0 : 0,
							kx1 = x0 + kw > W ? W - x0 : kw;
				int			c = 0;

				for (; c + CORE_BLOCK <= C; c += CORE_BLOCK)
				{
					float		g[CORE_BLOCK];

					for (int k = 0; k < CORE_BLOCK; k++)
						g[k] = go[c + k];
					for (int ky = ky0; ky < ky1; ky++)
						for (int kx = kx0; kx < kx1; kx++)
						{
							const float *xi = x + (((int64_t) s * H + y0 + ky) * W + x0 + kx) * C + c;
							float	   *dwk = dw + (ky * kw + kx) * C + c;

							for (int k = 0; k < CORE_BLOCK; k++)
								dwk[k] += xi[k] * g[k];
						}
				}
				for (; c < C; c++)
					for (int ky = ky0; ky < ky1; ky++)
						for (int kx = kx0; kx < kx1; kx++)
							dw[(ky * kw + kx) * C + c] +=
								x[(((int64_t) s * H + y0 + ky) * W + x0 + kx) * C + c] * go[c];
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

/* dw and dx (+)= of a depthwise product: blocked for multiplier 1 */
static void
depthwise_gradients(const GraphLayer *l, const float *x, const float *dz,
					int rows, const float *w, float *dw, float *dx,
					bool accumulate)
{
	if (l->depth_multiplier == 1)
	{
		depthwise_dw_blocked(l, x, dz, rows, dw);
		if (dx)
			depthwise_dx_blocked(l, dz, rows, w, dx, accumulate);
		return;
	}
	if (dx && !accumulate)
		memset(dx, 0, (size_t) rows * graph_shape_size(l->in) * sizeof(float));
	depthwise_backward(l, x, dz, rows, w, dw, dx);
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
	depthwise_gradients(l, x, dz, rows, params + l->woff, grads + l->woff,
						dx, accumulate);
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
	depthwise_gradients(l, x, dmid, rows, params + l->woff, grads + l->woff,
						dx, accumulate);
}
