/*-------------------------------------------------------------------------
 *
 * model_format_graph.c
 *	  The graph section of a version-2 model blob: one record per layer,
 *	  written from the layer and read back through the graph builders
 *	  (pure C).
 *
 * A record holds every setting a layer kind can have (kind, name, inputs,
 * output shape, units, kernel, strides, padding, groups, depth multiplier,
 * activation, initialiser, bias and regulariser flags, rate, momentum,
 * epsilon), whether the kind reads it or not.  The reader builds each
 * layer with the builder of its kind, which checks the settings and the
 * shapes as it does for a hypermodel (raising CORE_ERR_CORRUPTED, see
 * graph_init_fixed), then requires the stored record to equal the record
 * of the layer it built: settings the kind does not use must hold the
 * values the builder gives them, so an accepted graph re-serialises to the
 * same bytes.  The first pass builds into a fixed array of layers and
 * allocates nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_format.h"

#include <string.h>

/* one layer's stored settings, as the writer and the reader see them */
typedef struct FormatLayerRec
{
	uint32_t	kind;
	int32_t		inputs[2];
	uint32_t	rank,
				h,
				w,
				c;
	uint32_t	units,
				kernel[2],
				strides[2],
				padding,
				pad[4],
				groups,
				depth_multiplier,
				act,
				init;
	uint8_t		use_bias,
				regularized;
	double		rate,
				momentum,
				epsilon;
} FormatLayerRec;

static void
format_layer_rec(const GraphLayer *l, FormatLayerRec *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = l->kind;
	r->inputs[0] = l->ninputs > 0 ? l->inputs[0] : -1;
	r->inputs[1] = l->ninputs > 1 ? l->inputs[1] : -1;
	r->rank = l->out.rank;
	r->h = l->out.h;
	r->w = l->out.w;
	r->c = l->out.c;
	r->units = l->units;
	for (int i = 0; i < 2; i++)
	{
		r->kernel[i] = l->kernel[i];
		r->strides[i] = l->strides[i];
	}
	r->padding = l->padding;
	for (int i = 0; i < 4; i++)
		r->pad[i] = l->pad[i];
	r->groups = l->groups;
	r->depth_multiplier = l->depth_multiplier;
	r->act = l->act;
	r->init = l->init;
	r->use_bias = l->use_bias ? 1 : 0;
	r->regularized = l->regularized ? 1 : 0;
	r->rate = l->rate;
	r->momentum = l->momentum;
	r->epsilon = l->epsilon;
}

static void
format_write_layer(FormatWriter *w, const GraphLayer *l)
{
	FormatLayerRec r;

	format_layer_rec(l, &r);
	format_put_u32(w, r.kind);
	format_put_str(w, l->name);
	format_put_u32(w, (uint32_t) r.inputs[0]);
	format_put_u32(w, (uint32_t) r.inputs[1]);
	format_put_u32(w, r.rank);
	format_put_u32(w, r.h);
	format_put_u32(w, r.w);
	format_put_u32(w, r.c);
	format_put_u32(w, r.units);
	format_put_u32(w, r.kernel[0]);
	format_put_u32(w, r.kernel[1]);
	format_put_u32(w, r.strides[0]);
	format_put_u32(w, r.strides[1]);
	format_put_u32(w, r.padding);
	for (int i = 0; i < 4; i++)
		format_put_u32(w, r.pad[i]);
	format_put_u32(w, r.groups);
	format_put_u32(w, r.depth_multiplier);
	format_put_u32(w, r.act);
	format_put_u32(w, r.init);
	format_put_u8(w, r.use_bias);
	format_put_u8(w, r.regularized);
	format_put_f64(w, r.rate);
	format_put_f64(w, r.momentum);
	format_put_f64(w, r.epsilon);
}

void
format_write_graph(FormatWriter *w, const Graph *g)
{
	format_put_u32(w, g->nlayers);
	format_put_u32(w, g->output);
	for (int i = 0; i < g->nlayers; i++)
		format_write_layer(w, &g->layers[i]);
}


/* a layer name: not empty, no zero byte, shorter than GRAPH_MAX_NAME */
static void
format_get_name(FormatReader *r, char *name)
{
	uint32_t	n = (uint32_t) format_get(r, 4, "layer name");
	const uint8_t *p;

	if (n == 0 || n >= GRAPH_MAX_NAME)
		format_corrupt("A layer name is %u bytes long; it must have 1 to %d.",
					   n, GRAPH_MAX_NAME - 1);
	p = format_take(r, n, "layer name");
	if (memchr(p, '\0', n) != NULL)
		format_corrupt("A layer name contains a zero byte.");
	memcpy(name, p, n);
	name[n] = '\0';
}

static void
format_read_layer_rec(FormatReader *r, FormatLayerRec *x, char *name)
{
	memset(x, 0, sizeof(*x));
	x->kind = format_get_count(r, LAYER_KIND_LAST, "layer kind");
	format_get_name(r, name);
	x->inputs[0] = (int32_t) format_get(r, 4, "layer input");
	x->inputs[1] = (int32_t) format_get(r, 4, "layer input");
	x->rank = format_get_count(r, 3, "shape rank");
	x->h = format_get_count(r, GRAPH_MAX_DIM, "shape height");
	x->w = format_get_count(r, GRAPH_MAX_DIM, "shape width");
	x->c = format_get_count(r, GRAPH_MAX_DIM, "shape channels");
	x->units = format_get_count(r, GRAPH_MAX_DIM, "units");
	for (int i = 0; i < 2; i++)
		x->kernel[i] = format_get_count(r, GRAPH_MAX_KERNEL, "kernel size");
	for (int i = 0; i < 2; i++)
		x->strides[i] = format_get_count(r, GRAPH_MAX_KERNEL, "stride");
	x->padding = format_get_count(r, PADDING_SAME, "padding");
	for (int i = 0; i < 4; i++)
		x->pad[i] = format_get_count(r, GRAPH_MAX_KERNEL, "padding size");
	x->groups = format_get_count(r, GRAPH_MAX_DIM, "group count");
	x->depth_multiplier = format_get_count(r, GRAPH_MAX_DIM, "depth multiplier");
	x->act = format_get_count(r, ACT_LINEAR, "activation");
	x->init = format_get_count(r, INIT_HE_NORMAL, "initialiser");
	x->use_bias = format_get_bool(r, "use_bias flag");
	x->regularized = format_get_bool(r, "regularized flag");
	x->rate = format_get_f64(r, "rate");
	x->momentum = format_get_f64(r, "momentum");
	x->epsilon = format_get_f64(r, "epsilon");
}

/* build the layer a record describes; the builders check it */
static void
format_build_layer(Graph *g, const FormatLayerRec *x, const char *name)
{
	int			a = x->inputs[0],
				b = x->inputs[1];
	GraphShape	shape = {(int) x->rank, (int) x->h, (int) x->w, (int) x->c};
	Activation	act = (Activation) x->act;
	GraphPadding pad = (GraphPadding) x->padding;
	int			id = -1;

	switch ((LayerKind) x->kind)
	{
		case LAYER_INPUT:
			id = graph_input(g, name, shape);
			break;
		case LAYER_DENSE:
			id = graph_dense(g, name, a, x->units, act, x->use_bias);
			break;
		case LAYER_CONV2D:
			id = graph_conv2d(g, name, a, x->units, x->kernel[0], x->kernel[1],
							  x->strides[0], x->strides[1], pad, x->use_bias,
							  x->groups, act);
			break;
		case LAYER_DEPTHWISE_CONV2D:
			id = graph_depthwise_conv2d(g, name, a, x->kernel[0], x->kernel[1],
										x->strides[0], x->strides[1], pad,
										x->depth_multiplier, x->use_bias, act);
			break;
		case LAYER_SEPARABLE_CONV2D:
			id = graph_separable_conv2d(g, name, a, x->units, x->kernel[0],
										x->kernel[1], x->strides[0],
										x->strides[1], pad, x->use_bias, act);
			break;
		case LAYER_ZERO_PADDING2D:
			id = graph_zero_padding2d(g, name, a, x->pad[0], x->pad[1],
									  x->pad[2], x->pad[3]);
			break;
		case LAYER_MAX_POOLING2D:
			id = graph_max_pooling2d(g, name, a, x->kernel[0], x->kernel[1],
									 x->strides[0], x->strides[1], pad);
			break;
		case LAYER_AVERAGE_POOLING2D:
			id = graph_average_pooling2d(g, name, a, x->kernel[0], x->kernel[1],
										 x->strides[0], x->strides[1], pad);
			break;
		case LAYER_GLOBAL_AVERAGE_POOLING2D:
			id = graph_global_average_pooling2d(g, name, a);
			break;
		case LAYER_GLOBAL_MAX_POOLING2D:
			id = graph_global_max_pooling2d(g, name, a);
			break;
		case LAYER_FLATTEN:
			id = graph_flatten(g, name, a);
			break;
		case LAYER_BATCH_NORMALIZATION:
			id = graph_batch_normalization(g, name, a, x->momentum, x->epsilon);
			break;
		case LAYER_ADD:
			id = graph_add(g, name, a, b);
			break;
		case LAYER_ACTIVATION:
			id = graph_activation(g, name, a, act);
			break;
		case LAYER_DROPOUT:
			id = graph_dropout(g, name, a, x->rate);
			break;
		case LAYER_ALPHA_DROPOUT:
			id = graph_alpha_dropout(g, name, a, x->rate);
			break;
	}
	graph_set_init(g, id, (GraphInit) x->init);
	graph_set_regularized(g, id, x->regularized != 0);
}

/*
 * The stored graph into g (pass 1: a fixed graph over the probe layers;
 * pass 2: an allocated one).  Every record must be the one its layer gives.
 */
void
format_read_graph(FormatReader *r, Graph *g)
{
	uint32_t	nlayers = format_get_count(r, GRAPH_MAX_LAYERS, "layer count");
	uint32_t	output = format_get_count(r, GRAPH_MAX_LAYERS, "output layer");

	if (nlayers < 2 || output >= nlayers || output == 0)
		format_corrupt("The graph has %u layers and output %u.", nlayers, output);
	for (uint32_t i = 0; i < nlayers; i++)
	{
		FormatLayerRec stored,
					built;
		char		name[GRAPH_MAX_NAME];

		format_read_layer_rec(r, &stored, name);
		format_build_layer(g, &stored, name);
		format_layer_rec(&g->layers[i], &built);
		if (memcmp(&stored, &built, sizeof(stored)) != 0)
			format_corrupt("Layer %u (\"%s\") is stored with settings its kind does not give.",
						   i + 1, name);
	}
	graph_set_output(g, (int) output);
}

/* the layers of pass 1, checked without allocating */
static GraphLayer format_probe_layers[GRAPH_MAX_LAYERS];

Graph *
format_probe_graph(void)
{
	static Graph probe;

	graph_init_fixed(&probe, format_probe_layers, GRAPH_MAX_LAYERS, CORE_ERR_CORRUPTED);
	return &probe;
}
