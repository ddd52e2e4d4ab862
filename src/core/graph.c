/*-------------------------------------------------------------------------
 *
 * graph.c
 *	  Building a layer graph: one function per Keras layer, each checking
 *	  its settings, inferring its output shape and placing its weights in
 *	  the parameter and state vectors (pure C).
 *
 * The design is in graph.h.  Builders are called by hypermodels, whose
 * settings come from a trial's hyperparameters, and by the model reader,
 * whose settings come from a blob: a bad setting raises
 * CORE_ERR_INVALID_PARAMETER with a detail naming the layer, which the
 * reader turns into "invalid model data" (see model_format.c).  Nothing
 * here allocates weights; the graph only says where they go.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *graph_class_names[] = {
	"InputLayer", "Dense", "Conv2D", "DepthwiseConv2D", "SeparableConv2D",
	"ZeroPadding2D", "MaxPooling2D", "AveragePooling2D",
	"GlobalAveragePooling2D", "GlobalMaxPooling2D", "Flatten",
	"BatchNormalization", "Add", "Activation", "Dropout", "AlphaDropout"
};

static const char *graph_auto_names[] = {
	"input_layer", "dense", "conv2d", "depthwise_conv2d", "separable_conv2d",
	"zero_padding2d", "max_pooling2d", "average_pooling2d",
	"global_average_pooling2d", "global_max_pooling2d", "flatten",
	"batch_normalization", "add", "activation", "dropout", "alpha_dropout"
};

const char *
graph_layer_class(LayerKind kind)
{
	return (unsigned) kind <= LAYER_KIND_LAST ? graph_class_names[kind] : "Unknown";
}

int64_t
graph_shape_size(GraphShape s)
{
	return (int64_t) s.h * s.w * s.c;
}

char *
graph_shape_text(GraphShape s)
{
	if (s.rank == 3)
		return core_psprintf("(None, %d, %d, %d)", s.h, s.w, s.c);
	return core_psprintf("(None, %d)", s.c);
}

/* shape text into a static buffer (error details must not allocate) */
static const char *
graph_shape_static(GraphShape s, int which)
{
	static char buf[2][48];

	if (s.rank == 3)
		snprintf(buf[which], sizeof(buf[which]), "(None, %d, %d, %d)", s.h, s.w, s.c);
	else
		snprintf(buf[which], sizeof(buf[which]), "(None, %d)", s.c);
	return buf[which];
}

Graph *
graph_create(void)
{
	Graph	   *g = core_alloc(sizeof(Graph));

	g->cap = 16;
	g->layers = core_alloc(g->cap * sizeof(GraphLayer));
	g->output = -1;
	g->fail_code = CORE_ERR_INVALID_PARAMETER;
	return g;
}

void
graph_init_fixed(Graph *g, GraphLayer *layers, int cap, CoreErrorCode code)
{
	memset(g, 0, sizeof(*g));
	g->layers = layers;
	g->cap = cap;
	g->fixed = true;
	g->output = -1;
	g->fail_code = code;
}

void
graph_free(Graph *g)
{
	if (g == NULL || g->fixed)
		return;
	core_free(g->layers);
	core_free(g);
}

static void graph_fail(const GraphLayer *l, const char *fmt,...) CORE_PRINTF(2, 3) CORE_NORETURN;

/* the code failures raise: the graph being built, set by graph_begin */
static CoreErrorCode graph_fail_code = CORE_ERR_INVALID_PARAMETER;

/* a layer cannot be built: its settings or its input do not fit */
static void
graph_fail(const GraphLayer *l, const char *fmt,...)
{
	va_list		ap;
	char		what[256];

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (graph_fail_code == CORE_ERR_CORRUPTED)
		core_error(CORE_ERR_CORRUPTED, "invalid model data",
				   model_detail("Layer \"%s\" (%s) %s.", l->name,
								graph_layer_class(l->kind), what),
				   "The stored model is damaged or was not written by hptune; train it again.");
	core_error(CORE_ERR_INVALID_PARAMETER, "network cannot be built",
			   model_detail("Layer \"%s\" (%s) %s.", l->name,
							graph_layer_class(l->kind), what),
			   "Check the input_shape of hypermodel_options and the hyperparameters: the input may be too small for the network's strides.");
}

static bool
graph_name_taken(const Graph *g, const char *name)
{
	for (int i = 0; i < g->nlayers; i++)
		if (strcmp(g->layers[i].name, name) == 0)
			return true;
	return false;
}

/* a new layer of this kind, named, its inputs checked; not yet counted */
static GraphLayer *
graph_begin(Graph *g, LayerKind kind, const char *name, int ninputs,
			int a, int b)
{
	GraphLayer *l;

	graph_fail_code = g->fail_code;
	if (g->nlayers >= GRAPH_MAX_LAYERS || (g->fixed && g->nlayers >= g->cap))
		core_error(g->fail_code == CORE_ERR_CORRUPTED ? CORE_ERR_CORRUPTED : CORE_ERR_PROGRAM_LIMIT,
				   g->fail_code == CORE_ERR_CORRUPTED ? "invalid model data" : "network is too large",
				   model_detail("A network has at most %d layers.", GRAPH_MAX_LAYERS),
				   "Choose smaller depths.");
	if (g->nlayers == g->cap)
	{
		g->cap *= 2;
		g->layers = core_realloc(g->layers, g->cap * sizeof(GraphLayer));
	}
	l = &g->layers[g->nlayers];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->woff = l->w2off = l->boff = l->soff = -1;
	l->ninputs = ninputs;
	l->inputs[0] = a;
	l->inputs[1] = b;
	l->strides[0] = l->strides[1] = 1;
	l->groups = 1;
	l->depth_multiplier = 1;
	l->act = ACT_LINEAR;
	if (name)
		snprintf(l->name, GRAPH_MAX_NAME, "%s", name);
	else
	{
		int			k = g->name_counts[kind];

		do
		{
			if (k == 0)
				snprintf(l->name, GRAPH_MAX_NAME, "%s", graph_auto_names[kind]);
			else
				snprintf(l->name, GRAPH_MAX_NAME, "%s_%d", graph_auto_names[kind], k);
			k++;
		} while (graph_name_taken(g, l->name));
		g->name_counts[kind] = k;
	}
	if (l->name[0] == '\0' || graph_name_taken(g, l->name))
		graph_fail(l, "has a name that is empty or already taken");
	if ((kind == LAYER_INPUT) != (g->nlayers == 0))
		graph_fail(l, "is not where it can be: the input comes first, and only once");
	for (int i = 0; i < ninputs; i++)
		if (l->inputs[i] < 0 || l->inputs[i] >= g->nlayers)
			graph_fail(l, "takes layer %d, which is not an earlier layer", l->inputs[i]);
	if (ninputs > 0)
		l->in = g->layers[a].out;
	return l;
}

/* the layer is complete: its weights get their place, it is counted */
static int
graph_end(Graph *g, GraphLayer *l, int64_t nparams, int64_t nstate)
{
	if (l->out.rank == 1)
		l->out.h = l->out.w = 1;
	if (l->out.h < 1 || l->out.w < 1 || l->out.c < 1)
		graph_fail(l, "would give an empty output %s from its input %s",
					graph_shape_static(l->out, 0), graph_shape_static(l->in, 1));
	if (l->out.h > GRAPH_MAX_DIM || l->out.w > GRAPH_MAX_DIM ||
		l->out.c > GRAPH_MAX_DIM || graph_shape_size(l->out) > MODEL_MAX_PARAMS)
		graph_fail(l, "would give an output %s larger than hptune handles",
					graph_shape_static(l->out, 0));
	l->nparams = nparams;
	l->nstate = nstate;
	g->example_floats += graph_shape_size(l->out);
	if (g->example_floats > GRAPH_MAX_EXAMPLE_FLOATS)
		graph_fail(l, "brings the values one example holds across the network above %lld",
				   (long long) GRAPH_MAX_EXAMPLE_FLOATS);
	if (g->nparams + nparams > MODEL_MAX_PARAMS)
		core_error(g->fail_code == CORE_ERR_CORRUPTED ? CORE_ERR_CORRUPTED : CORE_ERR_PROGRAM_LIMIT,
				   g->fail_code == CORE_ERR_CORRUPTED ? "invalid model data" : "model is too large",
				   model_detail("The network would have more than %lld parameters.",
								(long long) MODEL_MAX_PARAMS),
				   "Use fewer units, filters or layers, or fewer input columns.");
	if (nstate > 0)
	{
		l->soff = g->nstate;
		g->nstate += nstate;
	}
	g->nparams += nparams;
	g->output = g->nlayers;
	return g->nlayers++;
}

/* offsets of a layer's weights, in Keras's order, from g->nparams */
static int64_t
graph_place(const Graph *g, GraphLayer *l, int64_t kernel, int64_t kernel2,
			int64_t bias)
{
	int64_t		at = g->nparams;

	if (kernel > 0)
	{
		l->woff = at;
		at += kernel;
	}
	if (kernel2 > 0)
	{
		l->w2off = at;
		at += kernel2;
	}
	if (bias > 0)
	{
		l->boff = at;
		at += bias;
	}
	return at - g->nparams;
}

static void
graph_check_shape(GraphLayer *l, GraphShape s)
{
	if ((s.rank != 1 && s.rank != 3) || s.c < 1 || s.c > GRAPH_MAX_DIM ||
		(s.rank == 3 && (s.h < 1 || s.w < 1 || s.h > GRAPH_MAX_DIM || s.w > GRAPH_MAX_DIM)))
		graph_fail(l, "has an input shape that is not 1 or 3 positive dimensions");
}

int
graph_input(Graph *g, const char *name, GraphShape shape)
{
	GraphLayer *l = graph_begin(g, LAYER_INPUT, name, 0, -1, -1);

	graph_check_shape(l, shape);
	l->in = shape;
	l->out = shape;
	return graph_end(g, l, 0, 0);
}

static void
graph_check_activation(GraphLayer *l, Activation act)
{
	if ((unsigned) act > ACT_LINEAR)
		graph_fail(l, "has an unknown activation");
	l->act = act;
}

int
graph_dense(Graph *g, const char *name, int input, int units, Activation act,
			bool use_bias)
{
	GraphLayer *l = graph_begin(g, LAYER_DENSE, name, 1, input, -1);

	if (units < 1 || units > MODEL_MAX_UNITS)
		graph_fail(l, "has %d units; it must have between 1 and %d", units,
				   MODEL_MAX_UNITS);
	graph_check_activation(l, act);
	l->units = units;
	l->use_bias = use_bias;
	l->regularized = true;
	l->out = l->in;
	l->out.c = units;
	return graph_end(g, l, graph_place(g, l, (int64_t) l->in.c * units, 0,
									   use_bias ? units : 0), 0);
}

/* Keras's output size along one axis, and the padding before it */
static int
graph_conv_axis(GraphLayer *l, int in, int k, int s, GraphPadding p,
				int *before, int *after)
{
	int			out;
	int			total;

	if (k < 1 || k > GRAPH_MAX_KERNEL || s < 1 || s > GRAPH_MAX_KERNEL)
		graph_fail(l, "has a kernel or stride outside 1 to %d", GRAPH_MAX_KERNEL);
	if (p == PADDING_VALID)
	{
		if (in < k)
			graph_fail(l, "gets an input %s smaller than its %dx%d window",
					   graph_shape_static(l->in, 0), l->kernel[0], l->kernel[1]);
		*before = *after = 0;
		return (in - k) / s + 1;
	}
	if (p != PADDING_SAME)
		graph_fail(l, "has an unknown padding");
	out = (in + s - 1) / s;
	total = (out - 1) * s + k - in;
	if (total < 0)
		total = 0;
	*before = total / 2;
	*after = total - total / 2;
	return out;
}

/* spatial output of a windowed layer (convolutions, pools) */
static void
graph_window(GraphLayer *l, int kh, int kw, int sh, int sw, GraphPadding p)
{
	if (l->in.rank != 3)
		graph_fail(l, "needs an image input (height, width, channels), not %s",
				   graph_shape_static(l->in, 0));
	l->kernel[0] = kh;
	l->kernel[1] = kw;
	l->strides[0] = sh;
	l->strides[1] = sw;
	l->padding = p;
	l->out.rank = 3;
	l->out.h = graph_conv_axis(l, l->in.h, kh, sh, p, &l->pad[0], &l->pad[1]);
	l->out.w = graph_conv_axis(l, l->in.w, kw, sw, p, &l->pad[2], &l->pad[3]);
}

int
graph_conv2d(Graph *g, const char *name, int input, int filters, int kh,
			 int kw, int stride_h, int stride_w, GraphPadding padding,
			 bool use_bias, int groups, Activation act)
{
	GraphLayer *l = graph_begin(g, LAYER_CONV2D, name, 1, input, -1);

	graph_window(l, kh, kw, stride_h, stride_w, padding);
	if (filters < 1 || filters > GRAPH_MAX_DIM)
		graph_fail(l, "has %d filters", filters);
	if (groups < 1 || l->in.c % groups != 0 || filters % groups != 0)
		graph_fail(l, "has %d groups, which must divide its %d input channels and %d filters",
				   groups, l->in.c, filters);
	graph_check_activation(l, act);
	l->units = filters;
	l->groups = groups;
	l->use_bias = use_bias;
	l->out.c = filters;
	return graph_end(g, l, graph_place(g, l, (int64_t) kh * kw * (l->in.c / groups) * filters,
									   0, use_bias ? filters : 0), 0);
}

int
graph_depthwise_conv2d(Graph *g, const char *name, int input, int kh, int kw,
					   int stride_h, int stride_w, GraphPadding padding,
					   int depth_multiplier, bool use_bias, Activation act)
{
	GraphLayer *l = graph_begin(g, LAYER_DEPTHWISE_CONV2D, name, 1, input, -1);
	int			outc;

	graph_window(l, kh, kw, stride_h, stride_w, padding);
	if (depth_multiplier < 1 || (int64_t) depth_multiplier * l->in.c > GRAPH_MAX_DIM)
		graph_fail(l, "has a depth multiplier of %d", depth_multiplier);
	graph_check_activation(l, act);
	outc = depth_multiplier * l->in.c;
	l->depth_multiplier = depth_multiplier;
	l->use_bias = use_bias;
	l->out.c = outc;
	return graph_end(g, l, graph_place(g, l, (int64_t) kh * kw * outc, 0,
									   use_bias ? outc : 0), 0);
}

int
graph_separable_conv2d(Graph *g, const char *name, int input, int filters,
					   int kh, int kw, int stride_h, int stride_w,
					   GraphPadding padding, bool use_bias, Activation act)
{
	GraphLayer *l = graph_begin(g, LAYER_SEPARABLE_CONV2D, name, 1, input, -1);

	graph_window(l, kh, kw, stride_h, stride_w, padding);
	if (filters < 1 || filters > GRAPH_MAX_DIM)
		graph_fail(l, "has %d filters", filters);
	graph_check_activation(l, act);
	l->units = filters;
	l->use_bias = use_bias;
	l->out.c = filters;
	return graph_end(g, l, graph_place(g, l, (int64_t) kh * kw * l->in.c,
									   (int64_t) l->in.c * filters,
									   use_bias ? filters : 0), 0);
}

int
graph_zero_padding2d(Graph *g, const char *name, int input, int top,
					 int bottom, int left, int right)
{
	GraphLayer *l = graph_begin(g, LAYER_ZERO_PADDING2D, name, 1, input, -1);

	if (l->in.rank != 3)
		graph_fail(l, "needs an image input, not %s", graph_shape_static(l->in, 0));
	if (top < 0 || bottom < 0 || left < 0 || right < 0 ||
		top > GRAPH_MAX_KERNEL || bottom > GRAPH_MAX_KERNEL ||
		left > GRAPH_MAX_KERNEL || right > GRAPH_MAX_KERNEL)
		graph_fail(l, "has a padding outside 0 to %d", GRAPH_MAX_KERNEL);
	l->pad[0] = top;
	l->pad[1] = bottom;
	l->pad[2] = left;
	l->pad[3] = right;
	l->out = l->in;
	l->out.h += top + bottom;
	l->out.w += left + right;
	return graph_end(g, l, 0, 0);
}

static int
graph_pool(Graph *g, LayerKind kind, const char *name, int input, int ph,
		   int pw, int sh, int sw, GraphPadding p)
{
	GraphLayer *l = graph_begin(g, kind, name, 1, input, -1);

	graph_window(l, ph, pw, sh, sw, p);
	l->out.c = l->in.c;
	return graph_end(g, l, 0, 0);
}

int
graph_max_pooling2d(Graph *g, const char *name, int input, int ph, int pw,
					int stride_h, int stride_w, GraphPadding padding)
{
	return graph_pool(g, LAYER_MAX_POOLING2D, name, input, ph, pw, stride_h,
					  stride_w, padding);
}

int
graph_average_pooling2d(Graph *g, const char *name, int input, int ph,
						int pw, int stride_h, int stride_w,
						GraphPadding padding)
{
	return graph_pool(g, LAYER_AVERAGE_POOLING2D, name, input, ph, pw,
					  stride_h, stride_w, padding);
}

static int
graph_global_pool(Graph *g, LayerKind kind, const char *name, int input)
{
	GraphLayer *l = graph_begin(g, kind, name, 1, input, -1);

	if (l->in.rank != 3)
		graph_fail(l, "needs an image input, not %s", graph_shape_static(l->in, 0));
	l->out.rank = 1;
	l->out.c = l->in.c;
	return graph_end(g, l, 0, 0);
}

int
graph_global_average_pooling2d(Graph *g, const char *name, int input)
{
	return graph_global_pool(g, LAYER_GLOBAL_AVERAGE_POOLING2D, name, input);
}

int
graph_global_max_pooling2d(Graph *g, const char *name, int input)
{
	return graph_global_pool(g, LAYER_GLOBAL_MAX_POOLING2D, name, input);
}

int
graph_flatten(Graph *g, const char *name, int input)
{
	GraphLayer *l = graph_begin(g, LAYER_FLATTEN, name, 1, input, -1);
	int64_t		n = graph_shape_size(l->in);

	if (n > GRAPH_MAX_DIM * (int64_t) 64)
		graph_fail(l, "would give %lld values per example", (long long) n);
	l->out.rank = 1;
	l->out.c = (int) n;
	return graph_end(g, l, 0, 0);
}

int
graph_batch_normalization(Graph *g, const char *name, int input,
						  double momentum, double epsilon)
{
	GraphLayer *l = graph_begin(g, LAYER_BATCH_NORMALIZATION, name, 1, input, -1);
	int			c = l->in.c;

	if (!(momentum >= 0.0 && momentum <= 1.0) || !(epsilon > 0.0 && epsilon < 1.0))
		graph_fail(l, "has a momentum outside 0 to 1 or an epsilon outside (0, 1)");
	l->momentum = momentum;
	l->epsilon = epsilon;
	l->out = l->in;
	l->woff = g->nparams;		/* gamma */
	l->boff = g->nparams + c;	/* beta */
	return graph_end(g, l, 2 * (int64_t) c, 2 * (int64_t) c);
}

int
graph_add(Graph *g, const char *name, int a, int b)
{
	GraphLayer *l = graph_begin(g, LAYER_ADD, name, 2, a, b);
	GraphShape	sb = g->layers[b].out;

	if (sb.rank != l->in.rank || sb.h != l->in.h || sb.w != l->in.w || sb.c != l->in.c)
		graph_fail(l, "adds %s to %s; the shapes must be equal",
				   graph_shape_static(l->in, 0), graph_shape_static(sb, 1));
	l->out = l->in;
	return graph_end(g, l, 0, 0);
}

int
graph_activation(Graph *g, const char *name, int input, Activation act)
{
	GraphLayer *l = graph_begin(g, LAYER_ACTIVATION, name, 1, input, -1);

	graph_check_activation(l, act);
	l->out = l->in;
	return graph_end(g, l, 0, 0);
}

static int
graph_dropout_kind(Graph *g, LayerKind kind, const char *name, int input,
				   double rate)
{
	GraphLayer *l = graph_begin(g, kind, name, 1, input, -1);

	if (!(rate >= 0.0 && rate < 1.0))
		graph_fail(l, "has a rate of %g; it must be at least 0 and below 1", rate);
	l->rate = rate;
	l->out = l->in;
	return graph_end(g, l, 0, 0);
}

int
graph_dropout(Graph *g, const char *name, int input, double rate)
{
	return graph_dropout_kind(g, LAYER_DROPOUT, name, input, rate);
}

int
graph_alpha_dropout(Graph *g, const char *name, int input, double rate)
{
	return graph_dropout_kind(g, LAYER_ALPHA_DROPOUT, name, input, rate);
}

static GraphLayer *
graph_layer_arg(Graph *g, int layer)
{
	if (layer < 0 || layer >= g->nlayers)
		core_error(CORE_ERR_INTERNAL, "no such layer",
				   model_detail("The graph has %d layers; layer %d was asked for.",
								g->nlayers, layer), NULL);
	return &g->layers[layer];
}

void
graph_set_init(Graph *g, int layer, GraphInit init)
{
	graph_layer_arg(g, layer)->init = init;
}

void
graph_set_regularized(Graph *g, int layer, bool on)
{
	graph_layer_arg(g, layer)->regularized = on;
}

void
graph_set_output(Graph *g, int layer)
{
	graph_layer_arg(g, layer);
	g->output = layer;
}

/* ---- memory ---- */

/* floats of im2col scratch a layer needs for a chunk of rows (exec.c) */
static double
graph_layer_scratch(const GraphLayer *l, int rows)
{
	double		pix = (double) l->out.h * l->out.w;

	switch (l->kind)
	{
		case LAYER_CONV2D:
			return graph_exec_chunk_rows(l, rows) * pix *
				l->kernel[0] * l->kernel[1] * (l->in.c / l->groups);
		default:
			return 0.0;
	}
}

/*
 * Floats a layer keeps per example besides its output and the output's
 * gradient: BN's normalised input, max pooling's argmax, dropout masks,
 * gelu's inputs, separable convolutions' depthwise output and gradient.
 */
double
graph_layer_saved(const GraphLayer *l)
{
	double		out = (double) graph_shape_size(l->out);

	switch (l->kind)
	{
		case LAYER_BATCH_NORMALIZATION:
		case LAYER_MAX_POOLING2D:
		case LAYER_GLOBAL_MAX_POOLING2D:
		case LAYER_DROPOUT:
		case LAYER_ALPHA_DROPOUT:
			return out;
		case LAYER_SEPARABLE_CONV2D:
			return 2.0 * l->out.h * l->out.w * l->in.c +
				(l->act == ACT_GELU ? out : 0.0);
		default:
			return l->act == ACT_GELU ? out : 0.0;
	}
}

/* floats per example of the forward pass: outputs and saved values */
static double
graph_example_floats(const Graph *g)
{
	double		per_row = 0.0;

	for (int i = 1; i < g->nlayers; i++)
		per_row += graph_shape_size(g->layers[i].out) + graph_layer_saved(&g->layers[i]);
	return per_row;
}

int
graph_inference_rows(const Graph *g)
{
	double		rows = GRAPH_INFER_FLOATS / fmax(graph_example_floats(g), 1.0);

	if (rows > MODEL_CHUNK_ROWS)
		return MODEL_CHUNK_ROWS;
	return rows < 1.0 ? 1 : (int) rows;
}

double
graph_inference_bytes(const Graph *g, int rows)
{
	double		scratch = 0.0;

	for (int i = 0; i < g->nlayers; i++)
	{
		double		s = graph_layer_scratch(&g->layers[i], rows);

		if (s > scratch)
			scratch = s;
	}
	return sizeof(float) * (graph_example_floats(g) * rows + scratch);
}

double
graph_training_bytes(const Graph *g, int batch, OptimizerKind optimizer,
					 double momentum)
{
	double		slots = 0.0;
	double		per_row = 0.0;
	double		scratch = 0.0;
	double		infer_scratch = 0.0;
	int			infer = graph_inference_rows(g);

	switch (optimizer)
	{
		case OPT_ADAM:
		case OPT_ADAMW:
			slots = 2.0;
			break;
		case OPT_SGD:
			slots = momentum > 0.0 ? 1.0 : 0.0;
			break;
		case OPT_RMSPROP:
			slots = momentum > 0.0 ? 2.0 : 1.0;
			break;
		case OPT_ADAGRAD:
			slots = 1.0;
			break;
	}
	for (int i = 0; i < g->nlayers; i++)
	{
		const GraphLayer *l = &g->layers[i];
		double		s = graph_layer_scratch(l, batch);

		/* output and its gradient (the input's output is the data) */
		per_row += (i == 0 ? 1.0 : 2.0) * graph_shape_size(l->out) +
			graph_layer_saved(l);
		if (2.0 * s > scratch)
			scratch = 2.0 * s;	/* im2col and its gradient */
		s = graph_layer_scratch(l, infer);
		if (s > infer_scratch)
			infer_scratch = s;
	}

	/*
	 * parameters, gradients, best copy, optimizer slots; state twice; a
	 * batch's buffers; the inference buffers validation runs through
	 */
	return sizeof(float) * ((3.0 + slots) * g->nparams + 2.0 * g->nstate +
							per_row * batch + scratch +
							graph_example_floats(g) * infer + infer_scratch);
}
