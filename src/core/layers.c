/*-------------------------------------------------------------------------
 *
 * layers.c
 *	  The kernels of a Dense network: products, activations, losses,
 *	  dropout and penalties (pure C, float32).
 *
 * Every dense product is one cblas_sgemm on row-major matrices:
 *
 *	 forward	A = X W				(rows x in) (in x out)
 *	 backward	dW = X^T dZ			beta = 0: no memset of the gradient
 *				db = column sums of dZ
 *				dX = dZ W^T			skipped for the first layer
 *
 * The elementwise work around a product is fused into one pass: the bias
 * add with the activation, the softmax with the crossentropy and its
 * gradient (p - onehot, labels are class indices, no one-hot matrix), the
 * squared error with its gradient, a kernel's penalty with its gradient.
 * Loops that run over every activation are written in blocks of CORE_BLOCK
 * with a constant inner trip count so they vectorise at -O2; the
 * transcendental activations (tanh, sigmoid, elu, selu, gelu) stay scalar
 * calls to libm.
 *
 * Activation derivatives are taken from the activation's output where the
 * function allows it (relu, tanh, sigmoid, elu, selu), so the forward pass
 * keeps only its outputs; gelu needs its input, kept in a separate
 * pre-activation buffer.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#ifdef CORE_X86_INTRINSICS
#include <immintrin.h>
#define OPTIM_X86_ROW 1
#endif

#define SELU_ALPHA 1.6732632423543772
#define SELU_SCALE 1.0507009873554805

/* out[j] += b[j] over a row; vectorisable */
CORE_CLONES static void
layer_add_bias_relu(float *restrict z, const float *restrict b, int rows,
					int out, bool relu)
{
	for (int r = 0; r < rows; r++)
	{
		float	   *row = z + (int64_t) r * out;
		int			j = 0;

		if (relu)
		{
			for (; j + CORE_BLOCK <= out; j += CORE_BLOCK)
				for (int k = 0; k < CORE_BLOCK; k++)
				{
					float		v = row[j + k] + b[j + k];

					row[j + k] = v > 0.0f ? v : 0.0f;
				}
			for (; j < out; j++)
			{
				float		v = row[j] + b[j];

				row[j] = v > 0.0f ? v : 0.0f;
			}
		}
		else
		{
			for (; j + CORE_BLOCK <= out; j += CORE_BLOCK)
				for (int k = 0; k < CORE_BLOCK; k++)
					row[j + k] += b[j + k];
			for (; j < out; j++)
				row[j] += b[j];
		}
	}
}

static inline float
layer_gelu(float z)
{
	return 0.5f * z * (1.0f + erff(z * (float) M_SQRT1_2));
}

/*
 * z (rows x out) += bias, then the activation in place.  If pre is not
 * NULL the biased input is kept there too (gelu's backward needs it).
 */
CORE_CLONES static void
layer_relu(float *restrict z, int64_t n)
{
	int64_t		i = 0;

	for (; i + CORE_BLOCK <= n; i += CORE_BLOCK)
		for (int k = 0; k < CORE_BLOCK; k++)
			z[i + k] = z[i + k] > 0.0f ? z[i + k] : 0.0f;
	for (; i < n; i++)
		z[i] = z[i] > 0.0f ? z[i] : 0.0f;
}

void
layer_bias_activation(float *z, float *pre, const float *b, int rows,
					  int out, Activation act)
{
	int64_t		n = (int64_t) rows * out;

	if (b)
		layer_add_bias_relu(z, b, rows, out, act == ACT_RELU);
	else if (act == ACT_RELU)
		layer_relu(z, n);
	if (pre)
		memcpy(pre, z, n * sizeof(float));

	switch (act)
	{
		case ACT_RELU:
		case ACT_LINEAR:
			break;
		case ACT_TANH:
			for (int64_t i = 0; i < n; i++)
				z[i] = tanhf(z[i]);
			break;
		case ACT_SIGMOID:
			for (int64_t i = 0; i < n; i++)
				z[i] = 1.0f / (1.0f + expf(-z[i]));
			break;
		case ACT_ELU:
			for (int64_t i = 0; i < n; i++)
				z[i] = z[i] > 0.0f ? z[i] : expm1f(z[i]);
			break;
		case ACT_SELU:
			for (int64_t i = 0; i < n; i++)
				z[i] = z[i] > 0.0f ? (float) SELU_SCALE * z[i]
					: (float) (SELU_SCALE * SELU_ALPHA) * expm1f(z[i]);
			break;
		case ACT_GELU:
			for (int64_t i = 0; i < n; i++)
				z[i] = layer_gelu(z[i]);
			break;
	}
}

CORE_CLONES static void
layer_relu_backward(const float *restrict a, float *restrict da, int64_t n)
{
	int64_t		i = 0;

	for (; i + CORE_BLOCK <= n; i += CORE_BLOCK)
		for (int k = 0; k < CORE_BLOCK; k++)
			da[i + k] = a[i + k] > 0.0f ? da[i + k] : 0.0f;
	for (; i < n; i++)
		da[i] = a[i] > 0.0f ? da[i] : 0.0f;
}

/*
 * da (n) *= f'(.) at the activation outputs a (or, for gelu, at its
 * inputs pre).
 */
void
layer_activation_backward(Activation act, const float *a, const float *pre,
						  float *da, int64_t n)
{
	switch (act)
	{
		case ACT_RELU:
			layer_relu_backward(a, da, n);
			break;
		case ACT_LINEAR:
			break;
		case ACT_TANH:
			for (int64_t i = 0; i < n; i++)
				da[i] *= 1.0f - a[i] * a[i];
			break;
		case ACT_SIGMOID:
			for (int64_t i = 0; i < n; i++)
				da[i] *= a[i] * (1.0f - a[i]);
			break;
		case ACT_ELU:
			/* a = exp(z) - 1 below zero: f' = exp(z) = a + 1 */
			for (int64_t i = 0; i < n; i++)
				da[i] *= a[i] > 0.0f ? 1.0f : a[i] + 1.0f;
			break;
		case ACT_SELU:
			for (int64_t i = 0; i < n; i++)
				da[i] *= a[i] > 0.0f ? (float) SELU_SCALE
					: a[i] + (float) (SELU_SCALE * SELU_ALPHA);
			break;
		case ACT_GELU:
			for (int64_t i = 0; i < n; i++)
			{
				float		z = pre[i];
				float		cdf = 0.5f * (1.0f + erff(z * (float) M_SQRT1_2));
				float		pdf = expf(-0.5f * z * z) * 0.3989422804014327f;

				da[i] *= cdf + z * pdf;
			}
			break;
	}
}

/*
 * Columns [from, to) of a (out) = x W for one row x (in), as predict()
 * from SQL calls it: W is streamed once, row by row, and the rows whose
 * input is zero are skipped (for sparse inputs, one-hot columns or blank
 * pixels, that cuts the bytes read, which is what one row costs).
 */
CORE_CLONES static void
layer_row_product_c(const float *restrict x, const float *restrict w, int in,
					int out, int from, int to, float *restrict a)
{
	memset(a + from, 0, (to - from) * sizeof(float));
	for (int i = 0; i < in; i++)
	{
		const float *row = w + (int64_t) i * out;
		float		xi = x[i];
		int			j = from;

		if (xi == 0.0f)
			continue;
		for (; j + CORE_BLOCK <= to; j += CORE_BLOCK)
			for (int k = 0; k < CORE_BLOCK; k++)
				a[j + k] += xi * row[j + k];
		for (; j < to; j++)
			a[j] += xi * row[j];
	}
}

#ifdef OPTIM_X86_ROW
/*
 * The same for 128 columns at a time with the sums held in eight AVX-512
 * registers: the plain loop above reloads and stores its sums for every
 * input, and runs at a third of the speed.  Narrow remainders (an output
 * layer) use masked registers, two sums to hide the FMA latency.
 */
__attribute__((target("avx512f"))) static int
layer_row_product_avx512(const float *x, const float *w, int in, int out,
						 float *a)
{
	int			jb = 0;

	for (; jb + 128 <= out; jb += 128)
	{
		__m512		s0 = _mm512_setzero_ps(),
					s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;

		for (int i = 0; i < in; i++)
		{
			const float *r = w + (int64_t) i * out + jb;
			__m512		xi;

			if (x[i] == 0.0f)
				continue;
			xi = _mm512_set1_ps(x[i]);
			s0 = _mm512_fmadd_ps(xi, _mm512_loadu_ps(r), s0);
			s1 = _mm512_fmadd_ps(xi, _mm512_loadu_ps(r + 16), s1);
			s2 = _mm512_fmadd_ps(xi, _mm512_loadu_ps(r + 32), s2);
			s3 = _mm512_fmadd_ps(xi, _mm512_loadu_ps(r + 48), s3);
			s4 = _mm512_fmadd_ps(xi, _mm512_loadu_ps(r + 64), s4);
			s5 = _mm512_fmadd_ps(xi, _mm512_loadu_ps(r + 80), s5);
			s6 = _mm512_fmadd_ps(xi, _mm512_loadu_ps(r + 96), s6);
			s7 = _mm512_fmadd_ps(xi, _mm512_loadu_ps(r + 112), s7);
		}
		_mm512_storeu_ps(a + jb, s0);
		_mm512_storeu_ps(a + jb + 16, s1);
		_mm512_storeu_ps(a + jb + 32, s2);
		_mm512_storeu_ps(a + jb + 48, s3);
		_mm512_storeu_ps(a + jb + 64, s4);
		_mm512_storeu_ps(a + jb + 80, s5);
		_mm512_storeu_ps(a + jb + 96, s6);
		_mm512_storeu_ps(a + jb + 112, s7);
	}
	/* the last columns, 16 at a time under a mask (an output layer of 10) */
	for (; jb < out; jb += 16)
	{
		__mmask16	m = (out - jb >= 16) ? 0xffff : (__mmask16) ((1u << (out - jb)) - 1);
		__m512		s0 = _mm512_setzero_ps(),
					s1 = s0;
		int			i = 0;

		for (; i + 1 < in; i += 2)
		{
			const float *r = w + (int64_t) i * out + jb;

			s0 = _mm512_fmadd_ps(_mm512_set1_ps(x[i]), _mm512_maskz_loadu_ps(m, r), s0);
			s1 = _mm512_fmadd_ps(_mm512_set1_ps(x[i + 1]), _mm512_maskz_loadu_ps(m, r + out), s1);
		}
		if (i < in)
			s0 = _mm512_fmadd_ps(_mm512_set1_ps(x[i]),
								 _mm512_maskz_loadu_ps(m, w + (int64_t) i * out + jb), s0);
		_mm512_mask_storeu_ps(a + jb, m, _mm512_add_ps(s0, s1));
	}
	return out;
}
#endif

static void
layer_row_product(const float *x, const float *w, int in, int out, float *a)
{
	int			done = 0;

#ifdef OPTIM_X86_ROW
	if (cpu_level() >= CPU_AVX512)
		done = layer_row_product_avx512(x, w, in, out, a);
#endif
	if (done < out)
		layer_row_product_c(x, w, in, out, done, out, a);
}

/* a (rows x out) = act(x W + b); pre gets x W + b when not NULL */
void
layer_dense_forward(const float *x, int rows, const GraphLayer *l,
					const float *params, float *pre, float *a)
{
	int			in = l->in.c;
	int			out = l->units;

	if (rows == 1)
		layer_row_product(x, params + l->woff, in, out, a);
	else
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
					rows, out, in, 1.0f, x, in,
					params + l->woff, out, 0.0f, a, out);
	layer_bias_activation(a, pre, l->use_bias ? params + l->boff : NULL,
						  rows, out, l->act);
}

/* db = sum over rows of dz; vectorised across columns */
CORE_CLONES void
layer_column_sums(const float *restrict dz, int rows, int out,
				  float *restrict db)
{
	memcpy(db, dz, out * sizeof(float));
	for (int r = 1; r < rows; r++)
	{
		const float *row = dz + (int64_t) r * out;
		int			j = 0;

		for (; j + CORE_BLOCK <= out; j += CORE_BLOCK)
			for (int k = 0; k < CORE_BLOCK; k++)
				db[j + k] += row[j + k];
		for (; j < out; j++)
			db[j] += row[j];
	}
}

/*
 * Gradients of one Dense layer from dz = dLoss/d(x W + b) (rows x out):
 * the kernel's and bias's into grads (same layout as params), and dx
 * (rows x in) = dz W^T unless dx is NULL.
 */
void
layer_dense_backward(const float *x, const float *dz, int rows,
					 const GraphLayer *l, const float *params, float *grads,
					 float *dx, bool accumulate)
{
	int			in = l->in.c;
	int			out = l->units;

	if (l->use_bias)
		layer_column_sums(dz, rows, out, grads + l->boff);
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
				in, out, rows, 1.0f, x, in, dz, out,
				0.0f, grads + l->woff, out);
	if (dx)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
					rows, in, out, 1.0f, dz, out,
					params + l->woff, out, accumulate ? 1.0f : 0.0f, dx, in);
}

/*
 * Keras kernel regularisers: returns l1 sum|w| + l2 sum w^2 and, when dw
 * is not NULL, adds l1 sign(w) + 2 l2 w to it.
 */
CORE_CLONES double
layer_kernel_penalty(const float *restrict w, float *restrict dw, int64_t n,
					 float l1, float l2)
{
	double		abs_total = 0.0;
	double		sq_total = 0.0;
	float		two_l2 = 2.0f * l2;
	int64_t		i = 0;

	for (; i + CORE_BLOCK <= n; i += CORE_BLOCK)
	{
		float		sa = 0.0f;
		float		sq = 0.0f;

		for (int k = 0; k < CORE_BLOCK; k++)
		{
			float		v = w[i + k];

			sa += fabsf(v);
			sq += v * v;
		}
		abs_total += sa;
		sq_total += sq;
		if (dw)
			for (int k = 0; k < CORE_BLOCK; k++)
			{
				float		v = w[i + k];
				float		sign = (v > 0.0f) - (v < 0.0f);

				dw[i + k] += l1 * sign + two_l2 * v;
			}
	}
	for (; i < n; i++)
	{
		float		v = w[i];

		abs_total += fabsf(v);
		sq_total += (double) v * v;
		if (dw)
			dw[i] += l1 * (float) ((v > 0.0f) - (v < 0.0f)) + two_l2 * v;
	}
	return l1 * abs_total + l2 * sq_total;
}

/*
 * Softmax + sparse categorical crossentropy on logits z (rows x k), labels
 * y holding class indices.  Returns the summed loss; z is overwritten by
 * the gradient (softmax - onehot) * grad_scale; *correct counts rows whose
 * largest logit is the label (the first one on ties, as argmax).
 */
double
layer_softmax_xent(float *z, const float *y, int rows, int k,
				   float grad_scale, int64_t *correct)
{
	double		total = 0.0;
	int64_t		right = 0;

	for (int r = 0; r < rows; r++)
	{
		float	   *row = z + (int64_t) r * k;
		int			label = (int) y[r];
		int			best;

		total += softmax_row(row, k, label, &best);
		right += (best == label);
		for (int j = 0; j < k; j++)
			row[j] *= grad_scale;
		row[label] -= grad_scale;
	}
	*correct += right;
	return total;
}

/* logits (rows x k) to probabilities, in place */
void
layer_softmax(float *z, int rows, int k)
{
	int			best;

	for (int r = 0; r < rows; r++)
		softmax_row(z + (int64_t) r * k, k, -1, &best);
}

/*
 * Squared error of one output per row: returns the summed squared error,
 * adds the absolute errors to *abs_sum, and overwrites z with the gradient
 * 2 (z - y) * grad_scale.
 */
double
layer_mse(float *z, const float *y, int rows, float grad_scale,
		  double *abs_sum)
{
	double		sq = 0.0;
	double		ab = 0.0;
	float		g = 2.0f * grad_scale;

	for (int r = 0; r < rows; r++)
	{
		float		e = z[r] - y[r];

		sq += (double) e * e;
		ab += fabsf(e);
		z[r] = g * e;
	}
	*abs_sum += ab;
	return sq;
}

/* inverted dropout: each entry 0 with probability rate, else 1/(1-rate) */
void
layer_dropout_mask(float *mask, int64_t n, double rate, RngStream *rng)
{
	uint32_t	threshold = (uint32_t) (rate * 4294967296.0);
	float		keep = (float) (1.0 / (1.0 - rate));
	int64_t		i = 0;

	if (rate >= 1.0)
		threshold = UINT32_MAX;
	for (; i + 1 < n; i += 2)
	{
		uint64_t	bits = rng_stream_next(rng);

		mask[i] = (uint32_t) bits < threshold ? 0.0f : keep;
		mask[i + 1] = (uint32_t) (bits >> 32) < threshold ? 0.0f : keep;
	}
	if (i < n)
		mask[i] = (uint32_t) rng_stream_next(rng) < threshold ? 0.0f : keep;
}

/* out = a * b elementwise (distinct arrays) */
CORE_CLONES void
layer_multiply(float *restrict out, const float *restrict a,
			   const float *restrict b, int64_t n)
{
	int64_t		i = 0;

	for (; i + CORE_BLOCK <= n; i += CORE_BLOCK)
		for (int k = 0; k < CORE_BLOCK; k++)
			out[i + k] = a[i + k] * b[i + k];
	for (; i < n; i++)
		out[i] = a[i] * b[i];
}

/* x *= m elementwise */
CORE_CLONES void
layer_multiply_inplace(float *restrict x, const float *restrict m, int64_t n)
{
	int64_t		i = 0;

	for (; i + CORE_BLOCK <= n; i += CORE_BLOCK)
		for (int k = 0; k < CORE_BLOCK; k++)
			x[i + k] *= m[i + k];
	for (; i < n; i++)
		x[i] *= m[i];
}

/* dst (rows x cols) = (src - mean) * scale, column by column */
CORE_CLONES void
layer_normalize_rows(float *restrict dst, const float *restrict src, int rows,
					 int cols, const float *restrict mean,
					 const float *restrict scale)
{
	for (int r = 0; r < rows; r++)
	{
		const float *s = src + (int64_t) r * cols;
		float	   *d = dst + (int64_t) r * cols;
		int			j = 0;

		for (; j + CORE_BLOCK <= cols; j += CORE_BLOCK)
			for (int k = 0; k < CORE_BLOCK; k++)
				d[j + k] = (s[j + k] - mean[j + k]) * scale[j + k];
		for (; j < cols; j++)
			d[j] = (s[j] - mean[j]) * scale[j];
	}
}

/* out = a + b (Add) */
CORE_CLONES void
layer_add(float *restrict out, const float *restrict a,
		  const float *restrict b, int64_t n)
{
	int64_t		i = 0;

	for (; i + CORE_BLOCK <= n; i += CORE_BLOCK)
		for (int k = 0; k < CORE_BLOCK; k++)
			out[i + k] = a[i + k] + b[i + k];
	for (; i < n; i++)
		out[i] = a[i] + b[i];
}

/* dst = src, or dst += src: a gradient reaching a tensor twice */
CORE_CLONES void
layer_accumulate(float *restrict dst, const float *restrict src, int64_t n,
				 bool accumulate)
{
	int64_t		i = 0;

	if (!accumulate)
	{
		memcpy(dst, src, n * sizeof(float));
		return;
	}
	for (; i + CORE_BLOCK <= n; i += CORE_BLOCK)
		for (int k = 0; k < CORE_BLOCK; k++)
			dst[i + k] += src[i + k];
	for (; i < n; i++)
		dst[i] += src[i];
}

/* an activation on its own (Activation layer): y = f(x), pre = x if wanted */
void
layer_activation_forward(const float *x, float *y, float *pre, int64_t n,
						 Activation act)
{
	const int64_t piece = INT32_MAX / 2;

	memcpy(y, x, n * sizeof(float));
	/* as one row of n columns, in pieces whose width fits an int */
	for (int64_t i = 0; i < n; i += piece)
		layer_bias_activation(y + i, pre ? pre + i : NULL, NULL, 1,
							  (int) (n - i < piece ? n - i : piece), act);
}

/*
 * AlphaDropout (Keras): dropped units are set to SELU's negative
 * saturation alpha' = -scale * alpha, then y = a (x kept + alpha' (1 -
 * kept)) + b with a = ((1 - rate)(1 + rate alpha'^2))^-1/2 and b = -a
 * alpha' rate, which keeps a SELU network's mean and variance.  mask gets
 * 1 for kept units, 0 for dropped (drawn as Dropout draws).
 */
#define ALPHA_PRIME (-SELU_SCALE * SELU_ALPHA)

void
layer_alpha_dropout_forward(const float *x, float *y, float *mask, int64_t n,
							double rate, RngStream *rng)
{
	float		a = (float) pow((1.0 - rate) * (1.0 + rate * ALPHA_PRIME * ALPHA_PRIME), -0.5);
	float		b = (float) (-a * ALPHA_PRIME * rate);
	float		dropped = (float) (a * ALPHA_PRIME) + b;

	layer_dropout_mask(mask, n, rate, rng);
	for (int64_t i = 0; i < n; i++)
	{
		mask[i] = mask[i] != 0.0f ? 1.0f : 0.0f;
		y[i] = mask[i] != 0.0f ? a * x[i] + b : dropped;
	}
}

void
layer_alpha_dropout_backward(const float *dy, const float *mask, float *dx,
							 int64_t n, double rate, bool accumulate)
{
	float		a = (float) pow((1.0 - rate) * (1.0 + rate * ALPHA_PRIME * ALPHA_PRIME), -0.5);

	for (int64_t i = 0; i < n; i++)
	{
		float		g = dy[i] * a * mask[i];

		dx[i] = accumulate ? dx[i] + g : g;
	}
}
