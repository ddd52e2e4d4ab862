/*-------------------------------------------------------------------------
 *
 * model.c
 *	  A model: the network a hypermodel builds from its configuration, its
 *	  weights and their initialisation, and inference (pure C).
 *
 * A hypermodel's network is a layer graph (graph.h) its build function
 * appends; mlp and linear build Dense stacks (hypermodel_dense_build).  The
 * weights live in one parameter vector laid out by the graph, the moving
 * statistics in a state vector.  Inference runs in chunks of rows
 * (model_chunk_rows) through buffers cached in the Model (graph_exec.c),
 * so predicting one row at a time, as SQL does, allocates nothing after
 * the first call.  The configuration is read in model_config.c, training
 * is in train.c, the blob format in model_format.c, the summary in
 * model_summary.c.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
/* ---- the network ---- */

/*
 * printf into a static buffer: the details of errors that a hostile model
 * blob can trigger must not allocate (see model_format.c).
 */
const char *
model_vdetail(const char *fmt, va_list ap)
{
	static char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	return buf;
}

const char *
model_detail(const char *fmt,...)
{
	va_list		ap;
	const char *detail;

	va_start(ap, fmt);
	detail = model_vdetail(fmt, ap);
	va_end(ap);
	return detail;
}

/* raise `code` when a config cannot describe a network */
void
model_check_config(const ModelConfig *c, CoreErrorCode code)
{
	const char *problem = NULL;

	if ((unsigned) c->kind >= (unsigned) hypermodel_count)
		problem = "The hypermodel kind is unknown.";
	else if (c->num_layers < 0 || c->num_layers > MODEL_MAX_LAYERS)
		problem = model_detail("The network has %d hidden layers; at most %d are allowed.",
								c->num_layers, MODEL_MAX_LAYERS);
	else if (c->kind == HYPERMODEL_LINEAR && c->num_layers != 0)
		problem = "A linear model has no hidden layers.";
	else if ((unsigned) c->activation > ACT_LINEAR)
		problem = "The activation is unknown.";
	else if ((unsigned) c->optimizer > OPT_ADAMW)
		problem = "The optimizer is unknown.";
	else if (!(c->dropout_rate >= 0.0 && c->dropout_rate < 1.0))
		problem = model_detail("The dropout rate is %g; it must be at least 0 and below 1.",
								c->dropout_rate);
	else if (!(c->learning_rate > 0.0 && isfinite(c->learning_rate)))
		problem = model_detail("The learning rate is %g; it must be positive.",
								c->learning_rate);
	else if (!(c->momentum >= 0.0 && c->momentum <= 1.0))
		problem = model_detail("The momentum is %g; it must be between 0 and 1.",
								c->momentum);
	else if (c->batch_size < 1 || c->batch_size > MODEL_MAX_BATCH_SIZE)
		problem = model_detail("The batch size is %d; it must be between 1 and %d.",
								c->batch_size, MODEL_MAX_BATCH_SIZE);
	else if (!(c->l1 >= 0.0 && isfinite(c->l1)) || !(c->l2 >= 0.0 && isfinite(c->l2)))
		problem = "The l1 and l2 penalties must be non-negative numbers.";
	for (int i = 0; problem == NULL && i < c->num_layers; i++)
		if (c->units[i] < 1 || c->units[i] > MODEL_MAX_UNITS)
			problem = model_detail("Layer %d has %d units; it must have between 1 and %d.",
									i, c->units[i], MODEL_MAX_UNITS);
	if (problem)
		core_error(code,
				   code == CORE_ERR_CORRUPTED ? "invalid model data"
				   : "invalid model configuration",
				   problem,
				   code == CORE_ERR_CORRUPTED
				   ? "The stored model is damaged; train it again."
				   : "Change the hyperparameters of the trial.");
}

/* the dense network of a config: mlp or linear */
void
hypermodel_dense_build(Graph *g, const ModelConfig *c, const HyperModelShape *s)
{
	int			x = graph_input(g, NULL, s->input);

	for (int l = 0; l < c->num_layers; l++)
		x = graph_dense(g, NULL, x, c->units[l], c->activation, true);
	if (c->num_layers > 0 && c->dropout_rate > 0.0)
		x = graph_dropout(g, NULL, x, c->dropout_rate);
	if (s->include_top)
		graph_dense(g, NULL, x, s->outputs, ACT_LINEAR, true);
}

/* the shape of one example: hypermodel_options, or the data's columns */
static GraphShape
model_input_shape(const ModelConfig *c, int ninputs, CoreErrorCode code)
{
	GraphShape	s = {1, 1, 1, ninputs};
	const HyperModelOptions *o = &c->options;

	if (o->input_rank == 3)
	{
		s.rank = 3;
		s.h = o->input_shape[0];
		s.w = o->input_shape[1];
		s.c = o->input_shape[2];
	}
	else if (o->input_rank == 1)
		s.c = o->input_shape[0];
	if ((int64_t) s.h * s.w * s.c != ninputs || s.h < 1 || s.w < 1 || s.c < 1)
		core_error(code == CORE_ERR_CORRUPTED ? code : CORE_ERR_DATATYPE_MISMATCH,
				   code == CORE_ERR_CORRUPTED ? "invalid model data"
				   : "input_shape does not fit the data",
				   model_detail("The input_shape holds %lld values; a row of the data has %d.",
								(long long) s.h * s.w * s.c, ninputs),
				   "Give an input_shape whose product is the number of input columns.");
	return s;
}

void
model_layout(Model *m, const ModelConfig *c, TaskKind task, int ninputs,
			 int noutputs, CoreErrorCode code)
{
	HyperModelShape shape;
	Graph	   *g;

	model_check_config(c, code);
	if (ninputs < 1 || noutputs < 1 || noutputs > MODEL_MAX_UNITS)
		core_error(code, code == CORE_ERR_CORRUPTED ? "invalid model data"
				   : "invalid model shape",
				   model_detail("The model has %d inputs and %d outputs.",
								 ninputs, noutputs),
				   "A model needs at least one input column and one output.");
	shape.input = model_input_shape(c, ninputs, code);
	shape.outputs = noutputs;
	shape.task = task;
	shape.include_top = c->options.include_top;
	g = m->graph ? m->graph : graph_create();
	g->fail_code = code;
	hypermodel_defs[c->kind]->build(g, c, &shape);
	g->fail_code = CORE_ERR_INVALID_PARAMETER;
	m->config = *c;
	m->task = task;
	m->ninputs = ninputs;
	m->noutputs = graph_shape_size(g->layers[g->output].out);
	m->graph = g;
	m->nparams = g->nparams;
	m->nstate = g->nstate;
}

/*
 * Kernels start on a cache line, so the vector loads of a row of W never
 * straddle two lines (that alone costs a third of a one-row predict).
 * Moving statistics start at mean 0, variance 1.
 */
void
model_alloc_params(Model *m)
{
	m->params_block = core_alloc_raw(m->nparams * sizeof(float) + 64);
	m->params = (float *) (((uintptr_t) m->params_block + 63) & ~(uintptr_t) 63);
	if (m->nstate > 0)
	{
		m->state = core_alloc_raw(m->nstate * sizeof(float));
		for (int i = 0; i < m->graph->nlayers; i++)
		{
			const GraphLayer *l = &m->graph->layers[i];

			if (l->kind != LAYER_BATCH_NORMALIZATION)
				continue;
			for (int c = 0; c < l->in.c; c++)
			{
				m->state[l->soff + c] = 0.0f;
				m->state[l->soff + l->in.c + c] = 1.0f;
			}
		}
	}
}

/* a standard normal draw truncated to two deviations, as Keras's */
static double
model_truncated_normal(RngStream *rng)
{
	for (;;)
	{
		double		u1 = rng_stream_uniform(rng);
		double		u2 = rng_stream_uniform(rng);
		double		z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);

		if (fabs(z) <= 2.0)
			return z;
	}
}

/* one kernel of n values with fan_in and fan_out, in storage order */
static void
model_init_kernel(float *w, int64_t n, double fan_in, double fan_out,
				  GraphInit init, RngStream *rng)
{
	/* the deviation of a normal truncated at 2 is 0.87962566 of its own */
	double		sd;

	if (init == INIT_GLOROT_UNIFORM)
	{
		double		limit = sqrt(6.0 / (fan_in + fan_out));

		for (int64_t i = 0; i < n; i++)
			w[i] = (float) ((2.0 * rng_stream_uniform(rng) - 1.0) * limit);
		return;
	}
	sd = sqrt((init == INIT_HE_NORMAL ? 2.0 : 1.0) / fan_in) / 0.87962566103423978;
	for (int64_t i = 0; i < n; i++)
		w[i] = (float) (model_truncated_normal(rng) * sd);
}

/*
 * Keras's initial weights: each kernel by its initialiser, drawn layer
 * after layer from the seed's init stream (for a Dense stack exactly the
 * draws of the Dense-only core); biases and beta 0, gamma 1.  Fans as
 * Keras computes them from the kernel's shape (kh, kw, in, out): fan_in =
 * kh kw in, fan_out = kh kw out (a depthwise kernel's "out" is its depth
 * multiplier).
 */
void
model_init_weights(Model *m)
{
	RngStream	rng;

	memset(m->params, 0, m->nparams * sizeof(float));
	rng_stream_seed(&rng, m->config.seed, RNG_STREAM_INIT);
	for (int i = 1; i < m->graph->nlayers; i++)
	{
		const GraphLayer *l = &m->graph->layers[i];
		double		rf = (double) l->kernel[0] * l->kernel[1];
		int			in = l->in.c;

		switch (l->kind)
		{
			case LAYER_DENSE:
				model_init_kernel(m->params + l->woff, (int64_t) in * l->units,
								  in, l->units, l->init, &rng);
				break;
			case LAYER_CONV2D:
				model_init_kernel(m->params + l->woff,
								  (int64_t) rf * (in / l->groups) * l->units,
								  rf * (in / l->groups), rf * l->units, l->init, &rng);
				break;
			case LAYER_DEPTHWISE_CONV2D:
				model_init_kernel(m->params + l->woff,
								  (int64_t) rf * in * l->depth_multiplier,
								  rf * in, rf * l->depth_multiplier, l->init, &rng);
				break;
			case LAYER_SEPARABLE_CONV2D:
				model_init_kernel(m->params + l->woff, (int64_t) rf * in,
								  rf * in, rf, l->init, &rng);
				model_init_kernel(m->params + l->w2off, (int64_t) in * l->units,
								  in, l->units, l->init, &rng);
				break;
			case LAYER_BATCH_NORMALIZATION:
				for (int c = 0; c < in; c++)
					m->params[l->woff + c] = 1.0f;
				break;
			default:
				break;
		}
	}
}

static void
model_finish(Model *m, TaskKind task, int nclasses)
{
	m->nclasses = task == TASK_CLASSIFICATION ? nclasses : 0;
	model_alloc_params(m);
	model_init_weights(m);
}

Model *
model_create(const ModelConfig *c, const DatasetEncoding *enc)
{
	Model	   *m = core_alloc(sizeof(Model));
	int			noutputs;

	if (enc->task == TASK_CLASSIFICATION && enc->nclasses < 1)
		core_error(CORE_ERR_DATA_EXCEPTION, "no classes to learn",
				   "The training data has no label values.",
				   "Check the training query's label column.");
	noutputs = enc->task == TASK_CLASSIFICATION ? enc->nclasses : 1;
	if (enc->task == TASK_CLASSIFICATION && c->options.classes > 0)
	{
		if (c->options.classes < enc->nclasses)
			core_error(CORE_ERR_INVALID_PARAMETER, "too few classes for the labels",
					   model_detail("hypermodel_options gives %d classes; the labels have %d.",
									c->options.classes, enc->nclasses),
					   "Leave classes out, or give at least the number of distinct labels.");
		noutputs = c->options.classes;
	}
	model_layout(m, c, enc->task, enc->ncols, noutputs,
				 CORE_ERR_INVALID_PARAMETER);
	model_finish(m, enc->task, m->noutputs);
	return m;
}

Model *
model_create_from_graph(Graph *g, const ModelConfig *c, TaskKind task,
						int nclasses)
{
	Model	   *m = core_alloc(sizeof(Model));

	model_check_config(c, CORE_ERR_INVALID_PARAMETER);
	m->config = *c;
	m->task = task;
	m->graph = g;
	m->ninputs = (int) graph_shape_size(g->layers[0].out);
	m->noutputs = (int) graph_shape_size(g->layers[g->output].out);
	m->nparams = g->nparams;
	m->nstate = g->nstate;
	model_finish(m, task, nclasses);
	return m;
}

double
model_training_bytes(const ModelConfig *c, const DatasetEncoding *enc)
{
	Model		probe;
	double		bytes;
	int			noutputs = enc->task == TASK_CLASSIFICATION
		? (c->options.classes > enc->nclasses ? c->options.classes : enc->nclasses) : 1;

	memset(&probe, 0, sizeof(probe));
	model_layout(&probe, c, enc->task, enc->ncols, noutputs < 1 ? 1 : noutputs,
				 CORE_ERR_INVALID_PARAMETER);
	bytes = graph_training_bytes(probe.graph, c->batch_size, c->optimizer,
								 c->momentum);
	graph_free(probe.graph);
	return bytes;
}

void
model_free(Model *m)
{
	if (m == NULL)
		return;
	core_free(m->params_block);
	if (m->state)
		core_free(m->state);
	if (m->norm_mean)
		core_free(m->norm_mean);
	if (m->norm_scale)
		core_free(m->norm_scale);
	if (m->infer)
	{
		graph_exec_free(m->infer);
		core_free(m->infer_xin);
	}
	graph_free(m->graph);
	core_free(m);
}

const ModelConfig *
model_config(const Model *m)
{
	return &m->config;
}

const Graph *
model_graph(const Model *m)
{
	return m->graph;
}

TaskKind
model_task(const Model *m)
{
	return m->task;
}

int
model_num_inputs(const Model *m)
{
	return m->ninputs;
}

int
model_num_outputs(const Model *m)
{
	return m->noutputs;
}

float *
model_params(Model *m, size_t *nparams)
{
	if (nparams)
		*nparams = (size_t) m->nparams;
	return m->params;
}

float *
model_state(Model *m, size_t *nstate)
{
	if (nstate)
		*nstate = (size_t) m->nstate;
	return m->state;
}

const float *
model_norm_mean(const Model *m)
{
	return m->norm_mean;
}

const float *
model_norm_scale(const Model *m)
{
	return m->norm_scale;
}

int
model_chunk_rows(const Model *m)
{
	return graph_inference_rows(m->graph);
}

/* make the inference buffers hold at least rows rows */
void
model_scratch_reserve(Model *m, int rows)
{
	if (m->infer && m->infer->cap >= rows)
		return;
	if (m->infer)
	{
		graph_exec_free(m->infer);
		core_free(m->infer_xin);
	}
	m->infer = graph_exec_create(m->graph, rows, false);
	m->infer_xin = core_alloc_raw((size_t) rows * m->ninputs * sizeof(float));
}

void
model_forward_logits(Model *m, const float *x, int rows, float *out)
{
	const float *in = x;
	float	   *y;

	if (m->norm_mean)
	{
		layer_normalize_rows(m->infer_xin, x, rows, m->ninputs,
							 m->norm_mean, m->norm_scale);
		in = m->infer_xin;
	}
	y = graph_exec_forward(m->infer, m->params, m->state, in, rows);
	memcpy(out, y, (size_t) rows * m->noutputs * sizeof(float));
}

/* the inference buffers model_scratch_reserve allocates for rows rows */
double
model_scratch_bytes(const Model *m, int rows)
{
	return graph_inference_bytes(m->graph, rows) + sizeof(float) * (double) rows * m->ninputs;
}

double
model_predict_bytes(const Model *m, int64_t nrows)
{
	int			limit = model_chunk_rows(m);

	return sizeof(float) * (double) (m->nparams + m->nstate) +
		(nrows <= 0 ? 0.0 : model_scratch_bytes(m, nrows < limit ? (int) nrows : limit));
}

void
model_predict(const Model *m, const float *x, int64_t nrows, float *out)
{
	Model	   *mm = (Model *) m;	/* only the scratch cache changes */
	int			limit = model_chunk_rows(m);
	int			chunk = nrows < limit ? (int) nrows : limit;

	if (nrows <= 0)
		return;
	model_scratch_reserve(mm, chunk);
	for (int64_t r = 0; r < nrows; r += chunk)
	{
		int			rows = nrows - r < chunk ? (int) (nrows - r) : chunk;
		float	   *o = out + r * m->noutputs;

		model_forward_logits(mm, x + r * m->ninputs, rows, o);
		if (m->task == TASK_CLASSIFICATION && m->config.options.include_top)
			layer_softmax(o, rows, m->noutputs);
	}
}
