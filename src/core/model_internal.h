/*-------------------------------------------------------------------------
 *
 * model_internal.h
 *	  What the model's files share and nobody else sees: the Model layout,
 *	  the layer kernels (layers.c), the optimizers (optim.c), metric
 *	  accumulation (metrics.c).
 *
 * Layout of a Model: a layer graph (graph.h) over one contiguous
 * parameter vector, every layer's weights in the range the graph gave it,
 * so the optimizer is one loop over one array and "keep the best epoch" is
 * one memcpy (plus one of the small state vector of moving statistics).
 * Gradients use the same layout in a parallel vector owned by the Trainer.
 *
 * Hot loops: dense products and convolutions go to cblas_sgemm; the elementwise loops around
 * them are vectorised blocks dispatched as cpu.h describes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_MODEL_INTERNAL_H
#define HPTUNE_CORE_MODEL_INTERNAL_H

#include <math.h>
#include <stdarg.h>

#include "core/cpu.h"
#include "core/graph.h"
#include "core/model.h"
#include "core/rng.h"

/* rows handled at once by predict and evaluation */
#define MODEL_CHUNK_ROWS 256

/* the most metrics one epoch reports */
#define MODEL_MAX_METRICS 16

/*
 * Buffers of one pass through a graph, for up to `cap` rows, allocated once
 * (graph_exec.c).  act[i] is layer i's output (act[0] points at the input
 * rows); in training grad[i] is the loss's gradient at it, saved[i] what
 * the layer's backward needs (BN's xhat, max pooling's argmax, dropout
 * masks, gelu's inputs, a separable convolution's depthwise output), and
 * stat[i] BN's per-channel inverse deviations.
 */
typedef struct GraphExec
{
	const Graph *g;
	int			cap;
	bool		training;
	float	  **act;
	float	  **grad;
	float	  **saved;
	float	  **stat;
	bool	   *written;		/* backward: grad[i] holds a gradient */
	float	   *col;			/* im2col scratch, and its gradient */
	float	   *dcol;
	double	   *sums;			/* BN: 4 x widest channel count */
	RngStream  *rng;			/* dropout masks (training) */
} GraphExec;

struct Model
{
	ModelConfig config;
	TaskKind	task;
	int			ninputs;
	int			noutputs;
	int			nclasses;		/* classification; 0 for regression */
	Graph	   *graph;
	int64_t		nparams;
	float	   *params;			/* 64-byte aligned, inside params_block */
	void	   *params_block;
	int64_t		nstate;
	float	   *state;			/* BN moving statistics, or NULL */
	float	   *norm_mean;		/* ninputs, or NULL */
	float	   *norm_scale;		/* 1 / standard deviation */
	/* caches for predict and evaluate (mutable behind const Model *) */
	GraphExec  *infer;
	float	   *infer_xin;		/* infer->cap x inputs: standardised */
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

/*
 * The network a config and data shape give, without weights: m->graph and
 * the counts.  Raises on a config out of range with the given error code.
 */
extern void model_layout(Model *m, const ModelConfig *c, TaskKind task,
						 int ninputs, int noutputs, CoreErrorCode code);
/* a model over a graph already built (tests, benchmarks, the reader) */
extern Model *model_create_from_graph(Graph *g, const ModelConfig *c,
									  TaskKind task, int nclasses);
/* allocate m->params (uninitialised, cache-line aligned) and m->state */
extern void model_alloc_params(Model *m);
/* Keras's initial weights, drawn from the config's seed */
extern void model_init_weights(Model *m);
extern void model_check_config(const ModelConfig *c, CoreErrorCode code);
/* rows predict and evaluate run at once for this model */
extern int	model_chunk_rows(const Model *m);
extern void model_scratch_reserve(Model *m, int rows);
/* the bytes model_scratch_reserve allocates for rows rows */
extern double model_scratch_bytes(const Model *m, int rows);
/* inference forward pass on rows <= the scratch's; logits into out */
extern void model_forward_logits(Model *m, const float *x, int rows,
								 float *out);
/* Model: the mlp and linear graphs from a config */
extern void hypermodel_dense_build(Graph *g, const ModelConfig *c,
								   const HyperModelShape *s);

/* ---- graph_exec.c ---- */

extern GraphExec *graph_exec_create(const Graph *g, int rows, bool training);
extern void graph_exec_free(GraphExec *e);
/* forward over rows <= cap; returns the output layer's values */
extern float *graph_exec_forward(GraphExec *e, const float *params,
								 float *state, const float *x, int rows);
/* the buffer the loss's gradient goes in, before graph_exec_backward */
extern float *graph_exec_output_grad(GraphExec *e);
extern void graph_exec_backward(GraphExec *e, const float *params,
								float *grads, int rows);
/* im2col rows of a layer per chunk (0: it needs no im2col) */
extern int	graph_exec_chunk_rows(const GraphLayer *l, int rows);
/* floats per example a layer saves for its backward */
extern double graph_layer_saved(const GraphLayer *l);

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
extern void layer_activation_forward(const float *x, float *y, float *pre,
									 int64_t n, Activation act);
extern void layer_dense_forward(const float *x, int rows, const GraphLayer *l,
								const float *params, float *pre, float *a);
extern void layer_dense_backward(const float *x, const float *dz, int rows,
								 const GraphLayer *l, const float *params,
								 float *grads, float *dx, bool accumulate);
extern void layer_column_sums(const float *dz, int rows, int out, float *db);
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
extern void layer_add(float *out, const float *a, const float *b, int64_t n);
extern void layer_accumulate(float *dst, const float *src, int64_t n,
							 bool accumulate);
extern void layer_alpha_dropout_forward(const float *x, float *y, float *mask,
										int64_t n, double rate,
										RngStream *rng);
extern void layer_alpha_dropout_backward(const float *dy, const float *mask,
										 float *dx, int64_t n, double rate,
										 bool accumulate);

/* ---- layers_conv.c ---- */

/* floats of im2col scratch per chunk of examples */
extern int	layer_conv_col_target;

extern void layer_conv2d_forward(const GraphLayer *l, const float *x, int rows,
								 const float *params, float *y, float *pre,
								 float *col);
extern void layer_conv2d_backward(const GraphLayer *l, const float *x,
								  const float *dz, int rows,
								  const float *params, float *grads,
								  float *dx, bool accumulate, float *col,
								  float *dcol);
extern void layer_depthwise_forward(const GraphLayer *l, const float *x,
									int rows, const float *params, float *y,
									float *pre);
extern void layer_depthwise_backward(const GraphLayer *l, const float *x,
									 const float *dz, int rows,
									 const float *params, float *grads,
									 float *dx, bool accumulate);
extern void layer_separable_forward(const GraphLayer *l, const float *x,
									int rows, const float *params, float *mid,
									float *y, float *pre);
extern void layer_separable_backward(const GraphLayer *l, const float *x,
									 const float *dz, int rows,
									 const float *params, float *grads,
									 const float *mid, float *dmid, float *dx,
									 bool accumulate);

/* ---- layers_pool.c ---- */

extern void layer_zero_padding_forward(const GraphLayer *l, const float *x,
									   int rows, float *y);
extern void layer_zero_padding_backward(const GraphLayer *l, const float *dy,
										int rows, float *dx, bool accumulate);
extern void layer_max_pool_forward(const GraphLayer *l, const float *x,
								   int rows, float *y, int32_t *argmax);
extern void layer_max_pool_backward(const GraphLayer *l, const float *dy,
									const int32_t *argmax, int rows,
									float *dx, bool accumulate);
extern void layer_avg_pool_forward(const GraphLayer *l, const float *x,
								   int rows, float *y);
extern void layer_avg_pool_backward(const GraphLayer *l, const float *dy,
									int rows, float *dx, bool accumulate);
extern void layer_global_pool_forward(const GraphLayer *l, const float *x,
									  int rows, float *y, int32_t *argmax);
extern void layer_global_pool_backward(const GraphLayer *l, const float *dy,
									   const int32_t *argmax, int rows,
									   float *dx, bool accumulate);

/* ---- layers_norm.c ---- */

extern void layer_batchnorm_forward(const GraphLayer *l, const float *x,
									int64_t M, const float *params,
									float *moving, float *y, float *xhat,
									float *inv_std, double *sums);
extern void layer_batchnorm_backward(const GraphLayer *l, const float *dy,
									 int64_t M, const float *params,
									 float *grads, const float *xhat,
									 const float *inv_std, double *sums,
									 float *dx, bool accumulate);

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
