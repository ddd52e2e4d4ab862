/*-------------------------------------------------------------------------
 *
 * train.c
 *	  The training loop and evaluation of the built-in models (pure C).
 *
 * A Trainer is one training run of one Model.  trainer_create does all the
 * work that does not depend on the epoch: it checks the data once, measures
 * the standardisation statistics, and allocates every buffer the run will
 * touch (gradients, optimizer state, per-layer activations, the gathered
 * batch, the shuffle permutation, the dropout mask, evaluation scratch), so
 * that an epoch allocates nothing: on these machines the first touch of a
 * fresh page costs more than the arithmetic of a small batch.
 *
 * One mini-batch (B rows):
 *
 *	 gather		rows of the batch into a reused buffer, standardised on
 *				the way (skipped when rows are neither shuffled nor
 *				standardised: the batch is then a view of the dataset)
 *	 forward	the graph's layers in order (graph_exec.c), dropout masks
 *				drawn, batch statistics for BatchNormalization
 *	 loss		softmax-crossentropy or squared error, fused with its
 *				gradient at the logits (already divided by B: Keras means)
 *	 backward	the layers in reverse: weight gradients, and the gradient
 *				at each layer's inputs (none for the Input)
 *	 penalty	L1/L2 of every regularised kernel, value and gradient in
 *				one pass
 *	 update		one fused optimizer loop over the parameter vector
 *
 * Epoch metrics are Keras's: means over the batches weighted by their
 * size, with the weights of the moment each batch was seen.  A loss that is
 * NaN or infinite ends the epoch at once (Keras's TerminateOnNaN) without
 * applying that batch's update.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <math.h>
#include <string.h>
#include <time.h>

struct Trainer
{
	TrainerBatchHook batch_hook;
	void	   *batch_arg;
	Model	   *m;
	const Dataset *train;
	Dataset		val;			/* nrows 0: no validation */
	int			batch;
	uint64_t	epoch;
	float	   *grads;
	Optimizer	opt;
	bool		gather;			/* copy batches (shuffle or standardise) */
	float	   *xbatch;			/* batch x inputs */
	float	   *ybatch;			/* batch */
	int64_t    *perm;			/* shuffle order, or NULL */
	GraphExec  *exec;			/* activations and gradients of a batch */
	RngStream	dropout_rng;
	MetricAccum acc;
	MetricPair *pairs;			/* validation AUC */
	float	   *eval_out;		/* chunk x outputs */
	MetricValue metrics[MODEL_MAX_METRICS];
};

static void
train_check_dataset(const Model *m, const Dataset *d, const char *what)
{
	if (d->ncols != m->ninputs)
		core_error(CORE_ERR_DATATYPE_MISMATCH, "dataset does not fit the model",
				   core_psprintf("The %s has %d columns; the model has %d inputs.",
								 what, d->ncols, m->ninputs),
				   "Encode the data with the model's own encoding.");
	dataset_check(d, m->task, m->nclasses, what);
}

static double
train_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

Trainer *
trainer_create(Model *m, const Dataset *train, const Dataset *validation)
{
	Trainer    *t = core_alloc(sizeof(Trainer));
	const ModelConfig *c = &m->config;
	size_t		f = sizeof(float);
	int			b;

	if (train->nrows < 1)
		core_error(CORE_ERR_DATA_EXCEPTION, "no training rows",
				   "The training data is empty.",
				   "Check the training query, and that validation_split leaves rows to train on.");
	train_check_dataset(m, train, "training data");
	if (validation && validation->nrows > 0)
	{
		train_check_dataset(m, validation, "validation data");
		t->val = *validation;
	}
	t->m = m;
	t->train = train;
	b = t->batch = train->nrows < c->batch_size ? (int) train->nrows : c->batch_size;

	if (c->normalize)
	{
		if (m->norm_mean == NULL)
		{
			m->norm_mean = core_alloc(m->ninputs * f);
			m->norm_scale = core_alloc(m->ninputs * f);
		}
		dataset_column_stats(train, m->norm_mean, m->norm_scale);
	}

	t->grads = core_alloc(m->nparams * f);
	optim_init(&t->opt, c, m->nparams);
	t->gather = c->shuffle || m->norm_mean != NULL;
	if (t->gather)
	{
		t->xbatch = core_alloc_raw((size_t) b * m->ninputs * f);
		t->ybatch = core_alloc_raw((size_t) b * f);
	}
	if (c->shuffle)
		t->perm = core_alloc_raw(train->nrows * sizeof(int64_t));
	t->exec = graph_exec_create(m->graph, b, true);
	t->exec->rng = &t->dropout_rng;
	rng_stream_seed(&t->dropout_rng, c->seed, RNG_STREAM_DROPOUT);

	if (t->val.nrows > 0)
	{
		model_scratch_reserve(m, model_chunk_rows(m));
		t->eval_out = core_alloc_raw((size_t) model_chunk_rows(m) * m->noutputs * f);
		if (m->task == TASK_CLASSIFICATION && m->nclasses == 2)
			t->pairs = core_alloc_raw(t->val.nrows * sizeof(MetricPair));
	}
	return t;
}

void
trainer_free(Trainer *t)
{
	void	   *bufs[] = {
		t->grads, t->xbatch, t->ybatch, t->perm, t->pairs, t->eval_out
	};

	for (int i = 0; i < (int) (sizeof(bufs) / sizeof(bufs[0])); i++)
		if (bufs[i])
			core_free(bufs[i]);
	graph_exec_free(t->exec);
	optim_free(&t->opt);
	core_free(t);
}

/*
 * What a checkpoint saves and restores besides the weights (optim_state.c):
 * the optimizer, the dropout stream and the count of epochs run, which
 * picks the next epoch's shuffle permutation.
 */
void
trainer_resume_state(Trainer *t, Optimizer **opt, RngStream **dropout,
					 uint64_t **epochs)
{
	*opt = &t->opt;
	*dropout = &t->dropout_rng;
	*epochs = &t->epoch;
}

/* the batch's rows: a view of the dataset, or gathered into xbatch */
static void
train_batch_rows(Trainer *t, int64_t start, int rows, const float **x,
				 const float **y)
{
	const Dataset *d = t->train;
	const Model *m = t->m;
	int			in = m->ninputs;

	if (!t->gather)
	{
		*x = d->x + start * in;
		*y = d->y + start;
		return;
	}
	for (int r = 0; r < rows; r++)
	{
		int64_t		src = t->perm ? t->perm[start + r] : start + r;

		if (m->norm_mean)
			layer_normalize_rows(t->xbatch + (int64_t) r * in, d->x + src * in,
								 1, in, m->norm_mean, m->norm_scale);
		else
			memcpy(t->xbatch + (int64_t) r * in, d->x + src * in,
				   in * sizeof(float));
		t->ybatch[r] = d->y[src];
	}
	*x = t->xbatch;
	*y = t->ybatch;
}

/* the total kernel penalty; adds its gradient when grads is not NULL */
static double
train_penalty(const Model *m, float *grads)
{
	double		total = 0.0;

	if (m->config.l1 == 0.0 && m->config.l2 == 0.0)
		return 0.0;
	for (int i = 1; i < m->graph->nlayers; i++)
	{
		const GraphLayer *l = &m->graph->layers[i];
		int64_t		offs[2] = {l->woff, l->w2off};
		int64_t		lens[2];

		if (!l->regularized || l->kind == LAYER_BATCH_NORMALIZATION)
			continue;
		lens[0] = (l->w2off >= 0 ? l->w2off : (l->boff >= 0 ? l->boff : l->woff + l->nparams)) - l->woff;
		lens[1] = l->w2off >= 0 ? (l->boff >= 0 ? l->boff : l->woff + l->nparams) - l->w2off : 0;
		for (int k = 0; k < 2; k++)
			if (offs[k] >= 0 && lens[k] > 0)
				total += layer_kernel_penalty(m->params + offs[k],
											  grads ? grads + offs[k] : NULL,
											  lens[k], (float) m->config.l1,
											  (float) m->config.l2);
	}
	return total;
}

/*
 * Forward and backward over one batch; leaves the gradient in t->grads.
 * Returns the batch's mean loss, penalty included.
 */
static double
train_batch(Trainer *t, const float *x, const float *y, int rows)
{
	Model	   *m = t->m;
	const float *logits = graph_exec_forward(t->exec, m->params, m->state, x, rows);
	float	   *dz = graph_exec_output_grad(t->exec);
	double		data;

	memcpy(dz, logits, (size_t) rows * m->noutputs * sizeof(float));
	if (m->task == TASK_CLASSIFICATION)
		data = layer_softmax_xent(dz, y, rows, m->noutputs, 1.0f / rows,
								  &t->acc.correct);
	else
		data = layer_mse(dz, y, rows, 1.0f / rows, &t->acc.abs_sum);
	t->acc.data_loss_sum += data;
	graph_exec_backward(t->exec, m->params, t->grads, rows);
	return data / rows + train_penalty(m, t->grads);
}

/*
 * For tests: the loss and gradient of one batch at the current weights,
 * with the dropout mask drawn from dropout_seed (so repeated calls use the
 * same mask).  The gradient stays in trainer_gradients(t).
 */
double
trainer_batch_gradient(Trainer *t, const float *x, const float *y, int rows,
					   uint64_t dropout_seed)
{
	rng_stream_seed(&t->dropout_rng, dropout_seed, RNG_STREAM_DROPOUT);
	metric_accum_reset(&t->acc, t->m->task, t->m->nclasses, NULL, 0);
	return train_batch(t, x, y, rows);
}

float *
trainer_gradients(Trainer *t)
{
	return t->grads;
}

/* validation metrics into t->metrics + from; returns their count */
static int
train_validate(Trainer *t, int from)
{
	Model	   *m = t->m;
	const Dataset *d = &t->val;

	int			chunk = model_chunk_rows(m);

	metric_accum_reset(&t->acc, m->task, m->nclasses, t->pairs, d->nrows);
	for (int64_t r = 0; r < d->nrows; r += chunk)
	{
		int			rows = d->nrows - r < chunk ? (int) (d->nrows - r) : chunk;

		core_check_interrupts();
		model_forward_logits(m, d->x + r * m->ninputs, rows, t->eval_out);
		metric_accum_chunk(&t->acc, t->eval_out, d->y + r, rows, m->noutputs);
	}
	t->acc.loss_sum = t->acc.data_loss_sum + train_penalty(m, NULL) * t->acc.count;
	return metric_accum_finish(&t->acc, METRICS_VALIDATION, t->metrics + from);
}

void
trainer_set_batch_hook(Trainer *t, TrainerBatchHook hook, void *arg)
{
	t->batch_hook = hook;
	t->batch_arg = arg;
}

void
trainer_run_epoch(Trainer *t, EpochResult *out)
{
	Model	   *m = t->m;
	int64_t		nrows = t->train->nrows;
	double		start = train_seconds();
	bool		diverged = false;
	int			n;

	if (t->perm)
		dataset_permutation(t->perm, nrows, m->config.seed, t->epoch);
	t->epoch++;
	metric_accum_reset(&t->acc, m->task, m->nclasses, NULL, 0);
	for (int64_t pos = 0; pos < nrows; pos += t->batch)
	{
		int			rows = nrows - pos < t->batch ? (int) (nrows - pos) : t->batch;
		const float *x;
		const float *y;
		double		loss;

		core_check_interrupts();
		train_batch_rows(t, pos, rows, &x, &y);
		loss = train_batch(t, x, y, rows);
		t->acc.loss_sum += loss * rows;
		t->acc.count += rows;
		if (!isfinite(loss))
		{
			diverged = true;
			break;
		}
		optim_step(&t->opt, m->params, t->grads);
		if (t->batch_hook)
			t->batch_hook(t->batch_arg, pos / t->batch + 1, (nrows + t->batch - 1) / t->batch);
	}
	n = metric_accum_finish(&t->acc, METRICS_TRAIN, t->metrics);
	if (t->val.nrows > 0 && !diverged)
	{
		int			ntrain = n;

		n += train_validate(t, ntrain);
		/* metrics[ntrain] is val_loss */
		if (!isfinite(t->metrics[ntrain].value))
			diverged = true;
	}
	out->nmetrics = n;
	out->metrics = t->metrics;
	out->diverged = diverged;
	out->seconds = train_seconds() - start;
}

double
model_evaluate_bytes(const Model *m, int64_t nrows)
{
	int			chunk = model_chunk_rows(m);
	double		pairs = m->task == TASK_CLASSIFICATION && m->nclasses == 2
		? (double) nrows * sizeof(MetricPair) : 0.0;

	/* evaluate reserves a whole chunk, whatever nrows */
	return model_predict_bytes(m, chunk) + sizeof(float) * (double) chunk * m->noutputs + pairs;
}

void
model_evaluate(const Model *m, const Dataset *d, TaskKind task,
			   EpochResult *out)
{
	Model	   *mm = (Model *) m;	/* only caches change */
	MetricAccum acc;
	MetricPair *pairs = NULL;
	float	   *logits;
	int			chunk;
	double		start = train_seconds();

	if (task != m->task)
		core_error(CORE_ERR_INVALID_PARAMETER, "task does not match the model",
				   core_psprintf("The model was trained for %s.",
								 m->task == TASK_CLASSIFICATION
								 ? "classification" : "regression"),
				   "Evaluate the model on data of its own task.");
	if (d->nrows < 1)
		core_error(CORE_ERR_DATA_EXCEPTION, "no rows to evaluate",
				   "The evaluation data is empty.", NULL);
	train_check_dataset(m, d, "evaluation data");
	chunk = model_chunk_rows(m);
	model_scratch_reserve(mm, chunk);
	logits = core_alloc_raw((size_t) chunk * m->noutputs * sizeof(float));
	if (m->task == TASK_CLASSIFICATION && m->nclasses == 2)
		pairs = core_alloc_raw(d->nrows * sizeof(MetricPair));
	metric_accum_reset(&acc, m->task, m->nclasses, pairs, d->nrows);
	for (int64_t r = 0; r < d->nrows; r += chunk)
	{
		int			rows = d->nrows - r < chunk ? (int) (d->nrows - r) : chunk;

		core_check_interrupts();
		model_forward_logits(mm, d->x + r * m->ninputs, rows, logits);
		metric_accum_chunk(&acc, logits, d->y + r, rows, m->noutputs);
	}
	acc.loss_sum = acc.data_loss_sum + train_penalty(m, NULL) * acc.count;
	out->nmetrics = metric_accum_finish(&acc, METRICS_EVALUATE, mm->eval_metrics);
	out->metrics = mm->eval_metrics;
	out->diverged = !isfinite(out->metrics[0].value);
	out->seconds = train_seconds() - start;
	core_free(logits);
	if (pairs)
		core_free(pairs);
}
