/*-------------------------------------------------------------------------
 *
 * model_internal.h
 *	  What the model's files share and nobody else sees: the Model layout,
 *	  the layer kernels (layers.c), the optimizers (optim.c), metric
 *	  accumulation (metrics.c) and a small random generator.
 *
 * Layout of a Model: a stack of Dense layers; layer l multiplies its input
 * (rows x in, row-major) by a kernel W (in x out, row-major) and adds a
 * bias b (out).  Every kernel and bias lives in one contiguous parameter
 * vector, layer after layer, kernel before bias, so the optimizer is one
 * loop over one array and "keep the best epoch" is one memcpy.  Gradients
 * use the same layout in a parallel vector owned by the Trainer.
 *
 * Hot loops: dense products go to cblas_sgemm; the elementwise loops around
 * them are written in blocks of CORE_BLOCK floats with a constant inner trip
 * count, which GCC and clang vectorise at -O2, and marked CORE_CLONES so
 * that a GCC build on x86-64 Linux carries AVX-512, AVX2 and baseline
 * versions chosen at load time (no -march=native needed).  Clang gets the
 * baseline only: its target_clones does not link for external functions.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_MODEL_INTERNAL_H
#define HPTUNE_CORE_MODEL_INTERNAL_H

#include <stdarg.h>

#include "core/model.h"

#define CORE_BLOCK 16

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
	defined(__linux__) && !defined(__SANITIZE_ADDRESS__) && \
	!defined(CORE_NO_CLONES)
#define CORE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define CORE_X86_DISPATCH 1
#else
#define CORE_CLONES
#endif

/* rows handled at once by predict and evaluation */
#define MODEL_CHUNK_ROWS 256

/* the most metrics one epoch reports */
#define MODEL_MAX_METRICS 16

typedef struct DenseLayer
{
	int			in;
	int			out;
	Activation	act;			/* ACT_LINEAR for the output layer */
	int64_t		woff;			/* kernel offset in the parameter vector */
	int64_t		boff;			/* bias offset */
} DenseLayer;

/* buffers for inference on up to `rows` rows at once */
typedef struct ModelScratch
{
	int			rows;			/* capacity; 0 = not allocated */
	float	   *xin;			/* rows x inputs: standardised input */
	float	   *h[2];			/* rows x widest layer, ping-pong */
} ModelScratch;

struct Model
{
	ModelConfig config;
	TaskKind	task;
	int			ninputs;
	int			noutputs;
	int			nclasses;		/* classification; 0 for regression */
	int			nlayers;		/* Dense layers, hidden + output */
	int			maxwidth;		/* widest layer output */
	DenseLayer	layers[MODEL_MAX_LAYERS + 1];
	int64_t		nparams;
	float	   *params;			/* 64-byte aligned, inside params_block */
	void	   *params_block;
	float	   *norm_mean;		/* ninputs, or NULL */
	float	   *norm_scale;		/* 1 / standard deviation */
	/* caches for predict and evaluate (mutable behind const Model *) */
	ModelScratch scratch;
	MetricValue eval_metrics[MODEL_MAX_METRICS];
};

/* ---- a small, fast generator (xoshiro256**, seeded by splitmix64) ---- */

typedef struct ModelRng
{
	uint64_t	s[4];
} ModelRng;

static inline uint64_t
model_splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static inline void
model_rng_seed(ModelRng *r, uint64_t seed, uint64_t stream)
{
	uint64_t	x = seed ^ (stream * UINT64_C(0xD1B54A32D192ED03));

	for (int i = 0; i < 4; i++)
		r->s[i] = model_splitmix64(&x);
}

static inline uint64_t
model_rng_next(ModelRng *r)
{
	uint64_t   *s = r->s;
	uint64_t	x = s[1] * 5;
	uint64_t	result = ((x << 7) | (x >> 57)) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return result;
}

/* uniform in [0, 1) */
static inline double
model_rng_uniform(ModelRng *r)
{
	return (double) (model_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* random streams derived from the config seed */
#define MODEL_STREAM_INIT		1
#define MODEL_STREAM_SHUFFLE	2
#define MODEL_STREAM_DROPOUT	3

/* ---- model.c ---- */

/* the network a config and data shape give, without weights; raises on
 * a config out of range with the given error code */
extern void model_layout(Model *m, const ModelConfig *c, TaskKind task,
						 int ninputs, int noutputs, CoreErrorCode code);
/* allocate m->params (uninitialised), aligned to a cache line */
extern void model_alloc_params(Model *m);
extern void model_check_config(const ModelConfig *c, CoreErrorCode code);
extern void model_scratch_reserve(Model *m, int rows);
/* inference forward pass on rows <= scratch.rows; logits into out */
extern void model_forward_logits(Model *m, const float *x, int rows,
								 float *out);

/* ---- train.c, for tests ---- */

extern double trainer_batch_gradient(Trainer *t, const float *x,
									 const float *y, int rows,
									 uint64_t dropout_seed);
extern float *trainer_gradients(Trainer *t);

/* ---- layers.c ---- */

extern void layer_bias_activation(float *z, float *pre, const float *b,
								  int rows, int out, Activation act);
extern void layer_activation_backward(Activation act, const float *a,
									  const float *pre, float *da, int64_t n);
extern void layer_dense_forward(const float *x, int rows, const DenseLayer *l,
								const float *params, float *pre, float *a);
extern void layer_dense_backward(const float *x, const float *dz, int rows,
								 const DenseLayer *l, const float *params,
								 float *grads, float *dx);
extern double layer_kernel_penalty(const float *w, float *dw, int64_t n,
								   float l1, float l2);
extern double layer_softmax_xent(float *z, const float *y, int rows, int k,
								 float grad_scale, int64_t *correct);
extern void layer_softmax(float *z, int rows, int k);
extern double layer_mse(float *z, const float *y, int rows,
						float grad_scale, double *abs_sum);
extern void layer_dropout_mask(float *mask, int64_t n, double rate,
							   ModelRng *rng);
extern void layer_multiply(float *out, const float *a, const float *b,
						   int64_t n);
extern void layer_multiply_inplace(float *x, const float *m, int64_t n);
extern void layer_normalize_rows(float *dst, const float *src, int rows,
								 int cols, const float *mean,
								 const float *scale);

/* ---- optim.c ---- */

typedef struct Optimizer
{
	OptimizerKind kind;
	double		learning_rate;
	double		momentum;
	int64_t		iterations;
	int64_t		n;
	float	   *slot1;			/* adam m, rmsprop/adagrad accumulator,
								 * sgd momentum */
	float	   *slot2;			/* adam v, rmsprop momentum */
} Optimizer;

/* x86: 2 with AVX-512, 1 with AVX2, else 0 (detected once) */
extern int	core_cpu_level(void);
extern void optim_init(Optimizer *o, const ModelConfig *c, int64_t n);
extern void optim_step(Optimizer *o, float *params, const float *grads);
extern void optim_free(Optimizer *o);

/* ---- metrics.c ---- */

typedef struct MetricPair
{
	float		score;			/* probability of class 1 */
	float		label;			/* 0 or 1 */
} MetricPair;

typedef struct MetricAccum
{
	TaskKind	task;
	int			nclasses;
	double		count;
	double		loss_sum;		/* data loss + penalty, weighted by rows */
	double		data_loss_sum;	/* crossentropy or squared error */
	double		abs_sum;		/* regression */
	double		y_shift;		/* y sums are of y - y_shift (first y) */
	double		y_sum;
	double		y_sq_sum;
	int64_t		correct;
	int64_t		tp,
				fp,
				fn;
	int64_t		npairs;			/* binary classification: for AUC */
	int64_t		pairs_cap;		/* 0: no AUC wanted */
	MetricPair *pairs;
} MetricAccum;

/* pairs may be NULL (no AUC); it must hold every row evaluated */
extern void metric_accum_reset(MetricAccum *a, TaskKind task, int nclasses,
							   MetricPair *pairs, int64_t pairs_cap);
/* an evaluation chunk: logits z (rows x k) become probabilities */
extern void metric_accum_chunk(MetricAccum *a, float *z, const float *y,
							   int rows, int k);

typedef enum MetricSet
{
	METRICS_TRAIN,				/* loss, accuracy, ... of the batches */
	METRICS_VALIDATION,			/* val_loss, ..., with auc etc. */
	METRICS_EVALUATE			/* the same without val_ */
} MetricSet;

/*
 * Fill out with the set's metrics from an accumulator whose loss_sum is
 * set; sorts the pairs.  Returns the count.
 */
extern int	metric_accum_finish(MetricAccum *a, MetricSet set,
								MetricValue *out);
/* exact area under the ROC curve (ties averaged); sorts pairs */
extern double metric_auc(MetricPair *pairs, int64_t n);

/*
 * printf into one static buffer: details of errors that a hostile model blob
 * can trigger must not allocate (the host copies the text at once).
 */
extern const char *model_vdetail(const char *fmt, va_list ap) CORE_PRINTF(1, 0);
extern const char *model_detail(const char *fmt,...) CORE_PRINTF(1, 2);

#endif							/* HPTUNE_CORE_MODEL_INTERNAL_H */
