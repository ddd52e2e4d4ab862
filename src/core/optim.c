/*-------------------------------------------------------------------------
 *
 * optim.c
 *	  Keras's optimizers over one contiguous parameter vector (pure C).
 *
 * The model keeps every trainable parameter in one float vector and the
 * trainer its gradient in another of the same layout, so each optimizer is
 * a single fused loop: read the gradient and the state once, write the
 * state and the parameter once.  Formulas and defaults are Keras 3's:
 *
 *	 sgd		m = momentum m - lr g; p += m		(momentum 0: p -= lr g)
 *	 adam		m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2)
 *				p -= m alpha / (sqrt(v) + eps),
 *				alpha = lr sqrt(1 - b2^t) / (1 - b1^t), b1 0.9, b2 0.999,
 *				eps 1e-7
 *	 adamw		p -= p wd lr first (wd 0.004, every variable, as Keras),
 *				then adam
 *	 rmsprop	v = rho v + (1 - rho) g^2; p -= lr g / sqrt(v + eps),
 *				rho 0.9, eps 1e-7 (momentum: m = momentum m + that
 *				step; p -= m)
 *	 adagrad	a += g^2; p -= lr g / sqrt(a + eps), a starts at 0.1,
 *				eps 1e-7
 *
 * The updates that need a square root are written once as macros over a
 * few vector operations and instantiated for AVX-512, AVX2 and SSE2 with
 * compiler intrinsics inside target-attributed functions, picked at run
 * time (a plain C sqrtf loop is not vectorised at -O2 because of errno);
 * the scalar form finishes the tail and serves other architectures.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <math.h>
#include <string.h>

#ifdef CORE_X86_INTRINSICS
#include <immintrin.h>
#define OPTIM_X86 1
#endif

#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define OPTIM_EPSILON 1e-7
#define ADAMW_WEIGHT_DECAY 0.004
#define RMSPROP_RHO 0.9
#define ADAGRAD_INITIAL 0.1f

/* per-step constants, as floats */
typedef struct OptimCoef
{
	float		lr;
	float		decay;			/* p *= decay first (adamw), else 1 */
	float		c1;				/* adam 1 - b1; rmsprop rho */
	float		c2;				/* adam 1 - b2; rmsprop 1 - rho */
	float		alpha;			/* adam step size */
	float		momentum;
	float		eps;
} OptimCoef;

/*
 * The bodies, over vector type VT of W lanes.  Each returns where it
 * stopped; the scalar body finishes from there.
 */
#define OPTIM_ADAM_BODY(VT, W, LD, ST, SET1, ADD, SUB, MUL, DIV, SQRT) \
	VT c1 = SET1(k->c1), c2 = SET1(k->c2), alpha = SET1(k->alpha); \
	VT eps = SET1(k->eps), decay = SET1(k->decay); \
	int64_t i = 0; \
	for (; i + (W) <= n; i += (W)) \
	{ \
		VT gi = LD(g + i), mi = LD(m + i), vi = LD(v + i); \
		mi = ADD(mi, MUL(SUB(gi, mi), c1)); \
		vi = ADD(vi, MUL(SUB(MUL(gi, gi), vi), c2)); \
		ST(m + i, mi); \
		ST(v + i, vi); \
		ST(p + i, SUB(MUL(LD(p + i), decay), \
					  DIV(MUL(mi, alpha), ADD(SQRT(vi), eps)))); \
	} \
	return i

#define OPTIM_RMSPROP_BODY(VT, W, LD, ST, SET1, ADD, SUB, MUL, DIV, SQRT) \
	VT rho = SET1(k->c1), one_rho = SET1(k->c2), lr = SET1(k->lr); \
	VT eps = SET1(k->eps); \
	int64_t i = 0; \
	for (; i + (W) <= n; i += (W)) \
	{ \
		VT gi = LD(g + i); \
		VT ai = ADD(MUL(rho, LD(a + i)), MUL(one_rho, MUL(gi, gi))); \
		ST(a + i, ai); \
		ST(p + i, SUB(LD(p + i), DIV(MUL(lr, gi), SQRT(ADD(ai, eps))))); \
	} \
	return i

#define OPTIM_ADAGRAD_BODY(VT, W, LD, ST, SET1, ADD, SUB, MUL, DIV, SQRT) \
	VT lr = SET1(k->lr), eps = SET1(k->eps); \
	int64_t i = 0; \
	for (; i + (W) <= n; i += (W)) \
	{ \
		VT gi = LD(g + i); \
		VT ai = ADD(LD(a + i), MUL(gi, gi)); \
		ST(a + i, ai); \
		ST(p + i, SUB(LD(p + i), DIV(MUL(lr, gi), SQRT(ADD(ai, eps))))); \
	} \
	return i

#define OPTIM_INSTANCES(SUFFIX, ATTR, VT, W, LD, ST, SET1, ADD, SUB, MUL, DIV, SQRT) \
ATTR static int64_t \
optim_adam_##SUFFIX(float *p, const float *g, float *m, float *v, int64_t n, \
					const OptimCoef *k) \
{ \
	OPTIM_ADAM_BODY(VT, W, LD, ST, SET1, ADD, SUB, MUL, DIV, SQRT); \
} \
ATTR static int64_t \
optim_rmsprop_##SUFFIX(float *p, const float *g, float *a, int64_t n, \
					   const OptimCoef *k) \
{ \
	OPTIM_RMSPROP_BODY(VT, W, LD, ST, SET1, ADD, SUB, MUL, DIV, SQRT); \
} \
ATTR static int64_t \
optim_adagrad_##SUFFIX(float *p, const float *g, float *a, int64_t n, \
					   const OptimCoef *k) \
{ \
	OPTIM_ADAGRAD_BODY(VT, W, LD, ST, SET1, ADD, SUB, MUL, DIV, SQRT); \
}

#ifdef OPTIM_X86
OPTIM_INSTANCES(avx512, __attribute__((target("avx512f"))), __m512, 16,
				_mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps,
				_mm512_add_ps, _mm512_sub_ps, _mm512_mul_ps, _mm512_div_ps,
				_mm512_sqrt_ps)
OPTIM_INSTANCES(avx2, __attribute__((target("avx2"))), __m256, 8,
				_mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps,
				_mm256_add_ps, _mm256_sub_ps, _mm256_mul_ps, _mm256_div_ps,
				_mm256_sqrt_ps)
OPTIM_INSTANCES(sse2, , __m128, 4,
				_mm_loadu_ps, _mm_storeu_ps, _mm_set1_ps,
				_mm_add_ps, _mm_sub_ps, _mm_mul_ps, _mm_div_ps, _mm_sqrt_ps)
#endif

/* scalar forms: the reference, the tail, other architectures */
static void
optim_adam_scalar(float *p, const float *g, float *m, float *v, int64_t from,
				  int64_t n, const OptimCoef *k)
{
	for (int64_t i = from; i < n; i++)
	{
		float		mi = m[i] + (g[i] - m[i]) * k->c1;
		float		vi = v[i] + (g[i] * g[i] - v[i]) * k->c2;

		m[i] = mi;
		v[i] = vi;
		p[i] = p[i] * k->decay - (mi * k->alpha) / (sqrtf(vi) + k->eps);
	}
}

static void
optim_rmsprop_scalar(float *p, const float *g, float *a, int64_t from,
					 int64_t n, const OptimCoef *k)
{
	for (int64_t i = from; i < n; i++)
	{
		float		ai = k->c1 * a[i] + k->c2 * (g[i] * g[i]);

		a[i] = ai;
		p[i] = p[i] - (k->lr * g[i]) / sqrtf(ai + k->eps);
	}
}

static void
optim_adagrad_scalar(float *p, const float *g, float *a, int64_t from,
					 int64_t n, const OptimCoef *k)
{
	for (int64_t i = from; i < n; i++)
	{
		float		ai = a[i] + g[i] * g[i];

		a[i] = ai;
		p[i] = p[i] - (k->lr * g[i]) / sqrtf(ai + k->eps);
	}
}

static void
optim_adam(float *p, const float *g, float *m, float *v, int64_t n,
		   const OptimCoef *k)
{
	int64_t		done = 0;

#ifdef OPTIM_X86
	switch (cpu_level())
	{
		case CPU_AVX512:
			done = optim_adam_avx512(p, g, m, v, n, k);
			break;
		case CPU_AVX2:
			done = optim_adam_avx2(p, g, m, v, n, k);
			break;
		default:
			done = optim_adam_sse2(p, g, m, v, n, k);
			break;
	}
#endif
	optim_adam_scalar(p, g, m, v, done, n, k);
}

/* rmsprop's step without momentum; with momentum see optim_step */
static void
optim_rmsprop(float *p, const float *g, float *a, int64_t n,
			  const OptimCoef *k)
{
	int64_t		done = 0;

#ifdef OPTIM_X86
	switch (cpu_level())
	{
		case CPU_AVX512:
			done = optim_rmsprop_avx512(p, g, a, n, k);
			break;
		case CPU_AVX2:
			done = optim_rmsprop_avx2(p, g, a, n, k);
			break;
		default:
			done = optim_rmsprop_sse2(p, g, a, n, k);
			break;
	}
#endif
	optim_rmsprop_scalar(p, g, a, done, n, k);
}

static void
optim_adagrad(float *p, const float *g, float *a, int64_t n,
			  const OptimCoef *k)
{
	int64_t		done = 0;

#ifdef OPTIM_X86
	switch (cpu_level())
	{
		case CPU_AVX512:
			done = optim_adagrad_avx512(p, g, a, n, k);
			break;
		case CPU_AVX2:
			done = optim_adagrad_avx2(p, g, a, n, k);
			break;
		default:
			done = optim_adagrad_sse2(p, g, a, n, k);
			break;
	}
#endif
	optim_adagrad_scalar(p, g, a, done, n, k);
}

/* plain and momentum SGD: no square root, plain vectorisable C */
CORE_CLONES static void
optim_sgd(float *restrict p, const float *restrict g, float *restrict m,
		  int64_t n, float lr, float momentum)
{
	int64_t		i = 0;

	if (m == NULL)
	{
		for (; i + CORE_BLOCK <= n; i += CORE_BLOCK)
			for (int k = 0; k < CORE_BLOCK; k++)
				p[i + k] -= lr * g[i + k];
		for (; i < n; i++)
			p[i] -= lr * g[i];
		return;
	}
	for (; i + CORE_BLOCK <= n; i += CORE_BLOCK)
		for (int k = 0; k < CORE_BLOCK; k++)
		{
			m[i + k] = momentum * m[i + k] - lr * g[i + k];
			p[i + k] += m[i + k];
		}
	for (; i < n; i++)
	{
		m[i] = momentum * m[i] - lr * g[i];
		p[i] += m[i];
	}
}

/* rmsprop with momentum: m = momentum m + lr g / sqrt(v + eps); p -= m */
static void
optim_rmsprop_momentum(float *p, const float *g, float *a, float *m,
					   int64_t n, const OptimCoef *k)
{
	for (int64_t i = 0; i < n; i++)
	{
		float		ai = k->c1 * a[i] + k->c2 * (g[i] * g[i]);

		a[i] = ai;
		m[i] = k->momentum * m[i] + (k->lr * g[i]) / sqrtf(ai + k->eps);
		p[i] -= m[i];
	}
}

/* state for n parameters, allocated once per training run */
void
optim_init(Optimizer *o, const ModelConfig *c, int64_t n)
{
	memset(o, 0, sizeof(*o));
	o->kind = c->optimizer;
	o->learning_rate = c->learning_rate;
	o->momentum = c->momentum;
	o->n = n;
	switch (o->kind)
	{
		case OPT_ADAM:
		case OPT_ADAMW:
			o->slot1 = core_alloc(n * sizeof(float));
			o->slot2 = core_alloc(n * sizeof(float));
			break;
		case OPT_SGD:
			if (o->momentum > 0.0)
				o->slot1 = core_alloc(n * sizeof(float));
			break;
		case OPT_RMSPROP:
			o->slot1 = core_alloc(n * sizeof(float));
			if (o->momentum > 0.0)
				o->slot2 = core_alloc(n * sizeof(float));
			break;
		case OPT_ADAGRAD:
			o->slot1 = core_alloc_raw(n * sizeof(float));
			for (int64_t i = 0; i < n; i++)
				o->slot1[i] = ADAGRAD_INITIAL;
			break;
	}
}

void
optim_free(Optimizer *o)
{
	if (o->slot1)
		core_free(o->slot1);
	if (o->slot2)
		core_free(o->slot2);
	o->slot1 = o->slot2 = NULL;
}

/*
 * One update of every parameter from its gradient.
 *
 * On x86 the update runs with flush-to-zero and denormals-are-zero set
 * (as TensorFlow runs Keras's updates), restored before returning.
 * Without it, the moments of parameters whose gradient stays zero (the
 * weights of an always-blank pixel) decay into denormal floats within a
 * thousand steps, and every later step costs several times as much.
 * Nothing in the loop can raise an error, so the control word is always
 * restored.
 */
void
optim_step(Optimizer *o, float *params, const float *grads)
{
	OptimCoef	k;
	double		t;

#ifdef OPTIM_X86
	unsigned int csr = _mm_getcsr();

	_mm_setcsr(csr | 0x8040);	/* FTZ | DAZ */
#endif

	o->iterations++;
	t = (double) o->iterations;
	k.lr = (float) o->learning_rate;
	k.momentum = (float) o->momentum;
	k.eps = (float) OPTIM_EPSILON;
	k.decay = 1.0f;
	switch (o->kind)
	{
		case OPT_ADAMW:
			k.decay = (float) (1.0 - ADAMW_WEIGHT_DECAY * o->learning_rate);
			/* FALLTHROUGH */
		case OPT_ADAM:
			k.c1 = (float) (1.0 - ADAM_BETA1);
			k.c2 = (float) (1.0 - ADAM_BETA2);
			k.alpha = (float) (o->learning_rate *
							   sqrt(1.0 - pow(ADAM_BETA2, t)) /
							   (1.0 - pow(ADAM_BETA1, t)));
			optim_adam(params, grads, o->slot1, o->slot2, o->n, &k);
			break;
		case OPT_SGD:
			optim_sgd(params, grads, o->slot1, o->n, k.lr, k.momentum);
			break;
		case OPT_RMSPROP:
			k.c1 = (float) RMSPROP_RHO;
			k.c2 = (float) (1.0 - RMSPROP_RHO);
			if (o->slot2)
				optim_rmsprop_momentum(params, grads, o->slot1, o->slot2,
									   o->n, &k);
			else
				optim_rmsprop(params, grads, o->slot1, o->n, &k);
			break;
		case OPT_ADAGRAD:
			optim_adagrad(params, grads, o->slot1, o->n, &k);
			break;
	}
#ifdef OPTIM_X86
	_mm_setcsr(csr);
#endif
}
