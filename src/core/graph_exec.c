/*-------------------------------------------------------------------------
 *
 * graph_exec.c
 *	  Running a layer graph: the forward pass (training or inference) and
 *	  the backward pass, over buffers allocated once (pure C).
 *
 * A GraphExec holds, for up to `cap` rows, every layer's output and, when
 * training, the gradient at it and what the layer's backward needs.
 * Nothing is allocated per batch.  The forward pass runs the layers in
 * list order (topological, see graph.h); the backward pass in reverse,
 * each layer turning the gradient at its output into the gradients of its
 * weights (written, not added: every weight belongs to one layer) and the
 * gradient at its inputs, written by the first consumer reached and added
 * by the others (a residual branch and its shortcut); `written` says which.
 * Activations fused into Dense and convolution layers are differentiated
 * from the layer's output in place before the layer's own backward.  The
 * Input gets no gradient.
 *
 * Dropout and AlphaDropout draw their masks from the trainer's stream in
 * layer order, and only when training; BatchNormalization uses batch
 * statistics and moves its moving statistics only when training.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <string.h>

static bool
exec_fused_act(const GraphLayer *l)
{
	switch (l->kind)
	{
		case LAYER_DENSE:
		case LAYER_CONV2D:
		case LAYER_DEPTHWISE_CONV2D:
		case LAYER_SEPARABLE_CONV2D:
			return true;
		default:
			return false;
	}
}

/* floats of a separable layer's depthwise output for cap rows */
static int64_t
exec_mid_size(const GraphLayer *l, int cap)
{
	return (int64_t) cap * l->out.h * l->out.w * l->in.c;
}

GraphExec *
graph_exec_create(const Graph *g, int rows, bool training)
{
	GraphExec  *e = core_alloc(sizeof(GraphExec));
	int			n = g->nlayers;
	int64_t		col = 0;
	int			maxc = 1;
	size_t		f = sizeof(float);

	e->g = g;
	e->cap = rows;
	e->training = training;
	e->act = core_alloc(n * sizeof(float *));
	e->grad = core_alloc(n * sizeof(float *));
	e->saved = core_alloc(n * sizeof(float *));
	e->stat = core_alloc(n * sizeof(float *));
	e->written = core_alloc(n * sizeof(bool));
	for (int i = 1; i < n; i++)
	{
		const GraphLayer *l = &g->layers[i];
		int64_t		size = (int64_t) rows * graph_shape_size(l->out);
		double		saved = graph_layer_saved(l);
		int			chunk = graph_exec_chunk_rows(l, rows);

		e->act[i] = core_alloc_raw(size * f);
		if (training)
			e->grad[i] = core_alloc_raw(size * f);
		if (saved > 0)
			e->saved[i] = core_alloc_raw((size_t) (saved * rows) * f);
		if (l->kind == LAYER_BATCH_NORMALIZATION)
		{
			e->stat[i] = core_alloc_raw(l->in.c * f);
			if (l->in.c > maxc)
				maxc = l->in.c;
		}
		if (chunk > 0)
		{
			int64_t		need = (int64_t) chunk * l->out.h * l->out.w *
				l->kernel[0] * l->kernel[1] * (l->in.c / l->groups);

			if (need > col)
				col = need;
		}
	}
	if (col > 0)
	{
		e->col = core_alloc_raw(col * f);
		if (training)
			e->dcol = core_alloc_raw(col * f);
	}
	e->sums = core_alloc_raw(4 * (size_t) maxc * sizeof(double));
	return e;
}

void
graph_exec_free(GraphExec *e)
{
	if (e == NULL)
		return;
	for (int i = 1; i < e->g->nlayers; i++)
	{
		void	   *bufs[] = {e->act[i], e->grad[i], e->saved[i], e->stat[i]};

		for (int k = 0; k < 4; k++)
			if (bufs[k])
				core_free(bufs[k]);
	}
	if (e->col)
		core_free(e->col);
	if (e->dcol)
		core_free(e->dcol);
	core_free(e->sums);
	core_free(e->act);
	core_free(e->grad);
	core_free(e->saved);
	core_free(e->stat);
	core_free(e->written);
	core_free(e);
}

/* gelu's inputs, kept while training */
static float *
exec_pre(const GraphExec *e, const GraphLayer *l, int i)
{
	if (!e->training || l->act != ACT_GELU)
		return NULL;
	if (l->kind == LAYER_SEPARABLE_CONV2D)
		return e->saved[i] + 2 * exec_mid_size(l, e->cap);
	return e->saved[i];
}

static void
exec_forward_layer(GraphExec *e, int i, const float *params, float *state,
				   int rows)
{
	const GraphLayer *l = &e->g->layers[i];
	const float *x = e->act[l->inputs[0]];
	float	   *y = e->act[i];
	int64_t		n = (int64_t) rows * graph_shape_size(l->out);
	int64_t		pix = (int64_t) rows * l->out.h * l->out.w;

	switch (l->kind)
	{
		case LAYER_INPUT:
			break;
		case LAYER_DENSE:
			layer_dense_forward(x, (int) pix, l, params, exec_pre(e, l, i), y);
			break;
		case LAYER_CONV2D:
			layer_conv2d_forward(l, x, rows, params, y, exec_pre(e, l, i), e->col);
			break;
		case LAYER_DEPTHWISE_CONV2D:
			layer_depthwise_forward(l, x, rows, params, y, exec_pre(e, l, i));
			break;
		case LAYER_SEPARABLE_CONV2D:
			layer_separable_forward(l, x, rows, params, e->saved[i], y,
									exec_pre(e, l, i));
			break;
		case LAYER_ZERO_PADDING2D:
			layer_zero_padding_forward(l, x, rows, y);
			break;
		case LAYER_MAX_POOLING2D:
			layer_max_pool_forward(l, x, rows, y, (int32_t *) e->saved[i]);
			break;
		case LAYER_AVERAGE_POOLING2D:
			layer_avg_pool_forward(l, x, rows, y);
			break;
		case LAYER_GLOBAL_AVERAGE_POOLING2D:
		case LAYER_GLOBAL_MAX_POOLING2D:
			layer_global_pool_forward(l, x, rows, y, (int32_t *) e->saved[i]);
			break;
		case LAYER_FLATTEN:
			memcpy(y, x, n * sizeof(float));
			break;
		case LAYER_BATCH_NORMALIZATION:
			layer_batchnorm_forward(l, x, pix, params, state + l->soff, y,
									e->training ? e->saved[i] : NULL,
									e->stat[i], e->sums);
			break;
		case LAYER_ADD:
			layer_add(y, x, e->act[l->inputs[1]], n);
			break;
		case LAYER_ACTIVATION:
			layer_activation_forward(x, y, exec_pre(e, l, i), n, l->act);
			break;
		case LAYER_DROPOUT:
			if (e->training && l->rate > 0.0)
			{
				layer_dropout_mask(e->saved[i], n, l->rate, e->rng);
				layer_multiply(y, x, e->saved[i], n);
			}
			else
				memcpy(y, x, n * sizeof(float));
			break;
		case LAYER_ALPHA_DROPOUT:
			if (e->training && l->rate > 0.0)
				layer_alpha_dropout_forward(x, y, e->saved[i], n, l->rate, e->rng);
			else
				memcpy(y, x, n * sizeof(float));
			break;
	}
}

float *
graph_exec_forward(GraphExec *e, const float *params, float *state,
				   const float *x, int rows)
{
	e->act[0] = (float *) x;	/* read only */
	for (int i = 1; i < e->g->nlayers; i++)
		exec_forward_layer(e, i, params, state, rows);
	return e->act[e->g->output];
}

float *
graph_exec_output_grad(GraphExec *e)
{
	return e->grad[e->g->output];
}

/* where the gradient of input k goes (NULL for the Input), and how */
static float *
exec_dx(GraphExec *e, const GraphLayer *l, int k, bool *accumulate)
{
	int			in = l->inputs[k];

	if (in == 0)
		return NULL;
	*accumulate = e->written[in];
	e->written[in] = true;
	return e->grad[in];
}

/* the layer's weight gradients are zero: no gradient reached it */
static void
exec_zero_weights(const GraphLayer *l, float *grads)
{
	int64_t		start = l->woff >= 0 ? l->woff : l->boff;

	if (l->nparams > 0 && start >= 0)
		memset(grads + start, 0, l->nparams * sizeof(float));
}

static void
exec_backward_layer(GraphExec *e, int i, const float *params, float *grads,
					int rows)
{
	const GraphLayer *l = &e->g->layers[i];
	const float *x = e->act[l->inputs[0]];
	float	   *dy = e->grad[i];
	int64_t		n = (int64_t) rows * graph_shape_size(l->out);
	int64_t		pix = (int64_t) rows * l->out.h * l->out.w;
	bool		acc = false;
	float	   *dx;

	if (exec_fused_act(l))
		layer_activation_backward(l->act, e->act[i], exec_pre(e, l, i), dy, n);
	dx = exec_dx(e, l, 0, &acc);
	switch (l->kind)
	{
		case LAYER_INPUT:
			break;
		case LAYER_DENSE:
			layer_dense_backward(x, dy, (int) pix, l, params, grads, dx, acc);
			break;
		case LAYER_CONV2D:
			layer_conv2d_backward(l, x, dy, rows, params, grads, dx, acc,
								  e->col, e->dcol);
			break;
		case LAYER_DEPTHWISE_CONV2D:
			layer_depthwise_backward(l, x, dy, rows, params, grads, dx, acc);
			break;
		case LAYER_SEPARABLE_CONV2D:
			layer_separable_backward(l, x, dy, rows, params, grads, e->saved[i],
									 e->saved[i] + exec_mid_size(l, e->cap),
									 dx, acc);
			break;
		case LAYER_ZERO_PADDING2D:
			if (dx)
				layer_zero_padding_backward(l, dy, rows, dx, acc);
			break;
		case LAYER_MAX_POOLING2D:
			if (dx)
				layer_max_pool_backward(l, dy, (int32_t *) e->saved[i], rows, dx, acc);
			break;
		case LAYER_AVERAGE_POOLING2D:
			if (dx)
				layer_avg_pool_backward(l, dy, rows, dx, acc);
			break;
		case LAYER_GLOBAL_AVERAGE_POOLING2D:
		case LAYER_GLOBAL_MAX_POOLING2D:
			if (dx)
				layer_global_pool_backward(l, dy, (int32_t *) e->saved[i], rows, dx, acc);
			break;
		case LAYER_FLATTEN:
			if (dx)
				layer_accumulate(dx, dy, n, acc);
			break;
		case LAYER_BATCH_NORMALIZATION:
			layer_batchnorm_backward(l, dy, pix, params, grads, e->saved[i],
									 e->stat[i], e->sums, dx, acc);
			break;
		case LAYER_ADD:
			if (dx)
				layer_accumulate(dx, dy, n, acc);
			dx = exec_dx(e, l, 1, &acc);
			if (dx)
				layer_accumulate(dx, dy, n, acc);
			break;
		case LAYER_ACTIVATION:
			if (dx)
			{
				layer_activation_backward(l->act, e->act[i], exec_pre(e, l, i), dy, n);
				layer_accumulate(dx, dy, n, acc);
			}
			break;
		case LAYER_DROPOUT:
			if (dx && e->training && l->rate > 0.0)
			{
				if (acc)
				{
					layer_multiply_inplace(dy, e->saved[i], n);
					layer_accumulate(dx, dy, n, true);
				}
				else
					layer_multiply(dx, dy, e->saved[i], n);
			}
			else if (dx)
				layer_accumulate(dx, dy, n, acc);
			break;
		case LAYER_ALPHA_DROPOUT:
			if (dx && e->training && l->rate > 0.0)
				layer_alpha_dropout_backward(dy, e->saved[i], dx, n, l->rate, acc);
			else if (dx)
				layer_accumulate(dx, dy, n, acc);
			break;
	}
}

void
graph_exec_backward(GraphExec *e, const float *params, float *grads,
					int rows)
{
	const Graph *g = e->g;

	memset(e->written, 0, g->nlayers * sizeof(bool));
	e->written[g->output] = true;
	for (int i = g->nlayers - 1; i >= 1; i--)
	{
		if (!e->written[i])
		{
			exec_zero_weights(&g->layers[i], grads);
			continue;
		}
		exec_backward_layer(e, i, params, grads, rows);
	}
}
