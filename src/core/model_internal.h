/*-------------------------------------------------------------------------
 *
 * model_internal.h
 *	  What the model's files share and nobody else sees: the Model layout,
 *	  the layer kernels (layers.c), the optimizers (optim.c), metric
 *	  accumulation (metrics.c).
 *
 * Layout of a Model: a stack of Dense layers; layer l multiplies its input
 * (rows x in, row-major) by a kernel W (in x out, row-major) and adds a
 * bias b (out).  Every kernel and bias lives in one contiguous parameter
 * vector, layer after layer, kernel before bias, so the optimizer is one
 * loop over one array and "keep the best epoch" is one memcpy.  Gradients
 * use the same layout in a parallel vector owned by the Trainer.
 *
 * Hot loops: dense products go to cblas_sgemm; the elementwise loops around
 * them are vectorised blocks dispatched as cpu.h describes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_MODEL_INTERNAL_H
#define HPTUNE_CORE_MODEL_INTERNAL_H

#include <math.h>
#include <stdarg.h>

#include "core/cpu.h"
#include "core/model.h"
#include "core/rng.h"

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

/*
 * The core's one softmax: one row of k logits becomes probabilities in
 * place.  Returns the crossentropy of class `label` (0 when label < 0) and
 * sets *argmax to the largest logit's class (the first on ties, as argmax).
 * Training's fused loss (layers.c), evaluation's metrics (metrics.c) and
 * predict (model.c) all go through it.
 */
static inline double
softmax_row(float *row, int k, int label, int *argmax)
{
	int			best = 0;
	float		max = row[0];
	float		sum = 0.0f;
	double		xent;

	for (int j = 1; j < k; j++)
		if (row[j] > max)
		{
			max = row[j];
			best = j;
		}
	*argmax = best;
	/* -log(softmax(z)[label]) = max - z[label] + log(sum exp(z - max)) */
	xent = label < 0 ? 0.0 : (double) (max - row[label]);
	for (int j = 0; j < k; j++)
	{
		row[j] = expf(row[j] - max);
		sum += row[j];
	}
	for (int j = 0; j < k; j++)
		row[j] /= sum;
	return label < 0 ? 0.0 : xent + log((double) sum);
}

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
							   RngStream *rng);
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

extern void optim_init(Optimizer *o, const ModelConfig *c, int64_t n);
extern void optim_step(Optimizer *o, float *params, const float *grads);
extern void optim_free(Optimizer *o);

/* train.c: the state a checkpoint carries besides the weights */
extern void trainer_resume_state(Trainer *t, Optimizer **opt,
								 RngStream **dropout, uint64_t **epochs);

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
