/*-------------------------------------------------------------------------
 *
 * graph.h
 *	  The layer graph every built-in network is: its layers, how a
 *	  hypermodel builds one, its shapes and parameter counts (pure C).
 *
 * A Graph is a list of layers in topological order.  Layer 0 is the Input;
 * every other layer names the layers whose outputs it takes (one, or two
 * for Add), all earlier in the list, so the list is a DAG and running it
 * front to back is a valid forward pass, back to front a valid backward
 * pass.  A layer's id is its index; a builder function appends one layer
 * and returns its id, which later layers pass as their input.  The last
 * layer added is the network's output unless graph_set_output says
 * otherwise.
 *
 * Shapes are per example, without the batch dimension: rank 1 (units) or
 * rank 3 (height, width, channels: NHWC, channels last, as Keras).  A rank-3
 * example is stored row-major, so the flat input columns of a table row
 * ARE the image: an input_shape of [28, 28, 1] reads the 784 columns of a
 * row as 28 rows of 28 pixels of one channel.  Each builder infers its
 * output shape at once, with Keras's rules (padding "valid": out = (in -
 * k) / s + 1; "same": out = ceil(in / s), padded evenly with the extra row
 * or column at the end), and raises CORE_ERR_INVALID_PARAMETER when the
 * input is too small for the layer, naming the layer and the shape.
 *
 * Parameters: each layer owns a range of the model's one flat parameter
 * vector (the optimizer's), laid out as Keras lists the layer's weights:
 *
 *	 Dense				kernel (in x units), bias (units)
 *	 Conv2D				kernel (kh x kw x in/groups x filters), bias
 *	 DepthwiseConv2D	kernel (kh x kw x in x depth_multiplier), bias
 *	 SeparableConv2D	depthwise kernel (kh x kw x in x 1), pointwise
 *						kernel (in x filters), bias (filters)
 *	 BatchNormalization gamma (c), beta (c)
 *
 * (bias only with use_bias).  BatchNormalization's moving mean and
 * variance are not trainable: they live in a second vector, the model's
 * state, outside the optimizer.  Layers are given offsets in the order they
 * were added, so for a stack of Dense layers the vector is the one the
 * Dense-only core had (kernel, bias, layer after layer).
 *
 * Names: every layer has a unique name.  NULL asks for Keras's automatic
 * name, the class in snake case with a per-class counter: conv2d,
 * conv2d_1, dense, dense_1, batch_normalization, add, ...  Hypermodels
 * that mirror a Keras application pass the application's names
 * (conv1_conv, conv2_block1_preact_bn, ...).
 *
 * Initialisers are Keras's: kernels glorot_uniform unless set otherwise
 * (lecun_normal for selu networks, he_normal), biases 0, gamma 1, beta 0,
 * moving mean 0, moving variance 1.  Kernels are drawn in layer order from
 * the model's seed, each kernel's values in storage order, so a stack of
 * Dense layers gets the weights the Dense-only core drew.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_GRAPH_H
#define HPTUNE_CORE_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"

#define GRAPH_MAX_LAYERS 2048
#define GRAPH_MAX_NAME 64		/* bytes of a layer name, terminator included */
#define GRAPH_MAX_DIM 65536		/* any one dimension of a shape */
#define GRAPH_MAX_KERNEL 64		/* kernel or pool side */
/* values one example holds across all layers' outputs */
#define GRAPH_MAX_EXAMPLE_FLOATS ((int64_t) 1 << 27)

typedef enum LayerKind
{
	LAYER_INPUT,
	LAYER_DENSE,
	LAYER_CONV2D,
	LAYER_DEPTHWISE_CONV2D,
	LAYER_SEPARABLE_CONV2D,
	LAYER_ZERO_PADDING2D,
	LAYER_MAX_POOLING2D,
	LAYER_AVERAGE_POOLING2D,
	LAYER_GLOBAL_AVERAGE_POOLING2D,
	LAYER_GLOBAL_MAX_POOLING2D,
	LAYER_FLATTEN,
	LAYER_BATCH_NORMALIZATION,
	LAYER_ADD,
	LAYER_ACTIVATION,
	LAYER_DROPOUT,
	LAYER_ALPHA_DROPOUT
} LayerKind;

#define LAYER_KIND_LAST LAYER_ALPHA_DROPOUT

typedef enum GraphPadding
{
	PADDING_VALID,
	PADDING_SAME
} GraphPadding;

typedef enum GraphInit
{
	INIT_GLOROT_UNIFORM,
	INIT_LECUN_NORMAL,
	INIT_HE_NORMAL
} GraphInit;

/* one example's shape: rank 1 uses c only (h = w = 1) */
typedef struct GraphShape
{
	int			rank;			/* 1 or 3 */
	int			h;
	int			w;
	int			c;
} GraphShape;

typedef struct GraphLayer
{
	LayerKind	kind;
	char		name[GRAPH_MAX_NAME];
	int			ninputs;		/* 0 (Input), 1, or 2 (Add) */
	int			inputs[2];		/* ids of earlier layers */
	GraphShape	in;				/* shape of inputs[0] */
	GraphShape	out;

	/* settings; each kind reads the ones it needs */
	int			units;			/* Dense units, Conv2D/Separable filters */
	int			kernel[2];		/* kh, kw (convolutions, pools) */
	int			strides[2];
	GraphPadding padding;
	int			pad[4];			/* top, bottom, left, right: the padding
								 * applied (ZeroPadding2D; "same" layers) */
	bool		use_bias;
	int			groups;			/* Conv2D */
	int			depth_multiplier;	/* DepthwiseConv2D */
	Activation	act;			/* fused into Dense and convolutions, or
								 * the Activation layer's */
	double		rate;			/* Dropout, AlphaDropout */
	double		momentum;		/* BatchNormalization */
	double		epsilon;
	GraphInit	init;			/* of the kernel(s) */
	bool		regularized;	/* l1/l2 penalties apply to the kernel(s) */

	/* where the weights are, filled as the layer is added */
	int64_t		woff;			/* kernel; BN gamma; -1 if none */
	int64_t		w2off;			/* Separable pointwise kernel; -1 if none */
	int64_t		boff;			/* bias; BN beta; -1 if none */
	int64_t		nparams;		/* trainable */
	int64_t		soff;			/* BN moving mean then variance in the
								 * state vector; -1 if none */
	int64_t		nstate;			/* non-trainable */
} GraphLayer;

typedef struct Graph
{
	int			nlayers;
	int			cap;
	GraphLayer *layers;
	int			output;			/* id of the output layer */
	int64_t		nparams;		/* trainable, the optimizer's vector */
	int64_t		nstate;			/* non-trainable (moving statistics) */
	int64_t		example_floats; /* sum of the layers' output sizes */
	int			name_counts[LAYER_KIND_LAST + 1];	/* automatic names */
	bool		fixed;			/* layers is the caller's; never grown */
	CoreErrorCode fail_code;	/* what a layer that cannot be built raises */
} Graph;

/* ---- building ---- */

extern Graph *graph_create(void);
extern void graph_free(Graph *g);

/*
 * A graph over the caller's array of cap layers, which allocates nothing
 * and raises `code` (CORE_ERR_CORRUPTED: "invalid model data") for a
 * layer that cannot be built: the model reader checks a stored graph
 * with it before allocating anything.
 */
extern void graph_init_fixed(Graph *g, GraphLayer *layers, int cap,
							 CoreErrorCode code);

/* the graph's first layer; shape.rank 1 or 3 */
extern int	graph_input(Graph *g, const char *name, GraphShape shape);

/* Dense on the last axis (a rank-3 input is applied per pixel, as Keras) */
extern int	graph_dense(Graph *g, const char *name, int input, int units,
						Activation act, bool use_bias);

/* Conv2D: in channels and filters divisible by groups */
extern int	graph_conv2d(Graph *g, const char *name, int input, int filters,
						 int kh, int kw, int stride_h, int stride_w,
						 GraphPadding padding, bool use_bias, int groups,
						 Activation act);
extern int	graph_depthwise_conv2d(Graph *g, const char *name, int input,
								   int kh, int kw, int stride_h, int stride_w,
								   GraphPadding padding, int depth_multiplier,
								   bool use_bias, Activation act);
extern int	graph_separable_conv2d(Graph *g, const char *name, int input,
								   int filters, int kh, int kw, int stride_h,
								   int stride_w, GraphPadding padding,
								   bool use_bias, Activation act);
extern int	graph_zero_padding2d(Graph *g, const char *name, int input,
								 int top, int bottom, int left, int right);
extern int	graph_max_pooling2d(Graph *g, const char *name, int input,
								int ph, int pw, int stride_h, int stride_w,
								GraphPadding padding);
extern int	graph_average_pooling2d(Graph *g, const char *name, int input,
									int ph, int pw, int stride_h,
									int stride_w, GraphPadding padding);
extern int	graph_global_average_pooling2d(Graph *g, const char *name,
										   int input);
extern int	graph_global_max_pooling2d(Graph *g, const char *name, int input);
extern int	graph_flatten(Graph *g, const char *name, int input);

/* Keras's defaults: momentum 0.99, epsilon 1e-3 */
#define GRAPH_BN_MOMENTUM 0.99
#define GRAPH_BN_EPSILON 1e-3
extern int	graph_batch_normalization(Graph *g, const char *name, int input,
									  double momentum, double epsilon);
/* a + b, same shapes */
extern int	graph_add(Graph *g, const char *name, int a, int b);
extern int	graph_activation(Graph *g, const char *name, int input,
							 Activation act);
extern int	graph_dropout(Graph *g, const char *name, int input, double rate);
extern int	graph_alpha_dropout(Graph *g, const char *name, int input,
								double rate);

/* the kernel initialiser of a layer (default glorot_uniform) */
extern void graph_set_init(Graph *g, int layer, GraphInit init);
/* whether the model's l1/l2 penalties apply to this layer's kernel(s) */
extern void graph_set_regularized(Graph *g, int layer, bool on);
/* the network's output (default: the last layer added) */
extern void graph_set_output(Graph *g, int layer);

/* ---- reading ---- */

/* "Conv2D", "BatchNormalization", ... as Keras prints the class */
extern const char *graph_layer_class(LayerKind kind);
/* elements of one example of this shape */
extern int64_t graph_shape_size(GraphShape s);
/* "(None, 14, 14, 64)" or "(None, 10)", allocated */
extern char *graph_shape_text(GraphShape s);

/*
 * Bytes one training run of this graph holds for a batch of `batch` rows:
 * parameters, their gradients and a best-epoch copy, the optimizer's
 * state, the moving statistics, and every buffer of the forward and
 * backward passes (activations, their gradients, im2col and pooling
 * scratch), and the inference buffers validation runs through.  What
 * trainer_create will allocate, computed without allocating it.
 */
extern double graph_training_bytes(const Graph *g, int batch,
								   OptimizerKind optimizer, double momentum);

/*
 * Rows predict and evaluation run through the graph at once: up to 256,
 * fewer when a chunk's buffers would pass GRAPH_INFER_FLOATS values.
 */
#define GRAPH_INFER_FLOATS ((double) (1 << 24))
extern int	graph_inference_rows(const Graph *g);

/*
 * Bytes of the buffers a forward pass over `rows` rows at once allocates
 * (every layer's output and saved values, the largest im2col or pooling
 * scratch): what predict and evaluation add to the model itself.
 */
extern double graph_inference_bytes(const Graph *g, int rows);

/* ---- hypermodels ---- */

/*
 * What a hypermodel's build function gets besides the trial's
 * configuration: the shape of one example (from hypermodel_options'
 * input_shape, or the data's columns as a rank-1 shape), the number of
 * outputs of the top (the classes, or 1 for regression), the task, and
 * whether to build the top at all (include_top; without it the graph ends
 * at the feature extractor and the engine adds nothing).
 */
typedef struct HyperModelShape
{
	GraphShape	input;
	int			outputs;
	TaskKind	task;
	bool		include_top;
} HyperModelShape;

/*
 * A hypermodel.  Training settings (learning_rate/lr, optimizer, momentum,
 * batch_size, l1, l2, normalize, shuffle) are read by model_config_set for
 * every hypermodel; `set` gets every other name: it returns false for a
 * name it does not read, raises CORE_ERR_INVALID_PARAMETER for a bad
 * value, and otherwise records the value in the config (its own fields, or
 * model_config_keep for graph hypermodels); given a value of type HPV_NONE
 * it only answers whether it reads the name, changing nothing.  `build` appends the network
 * to an empty graph (Input first; the top's last layer has linear
 * activation: the engine adds softmax and the loss).
 */
typedef struct HyperModelDef
{
	const char *name;
	void		(*default_space) (HpSpace *out);
	void		(*config_init) (ModelConfig *c);	/* defaults; may be NULL */
	bool		(*set) (ModelConfig *c, const char *name, HpValue v);
	void		(*build) (Graph *g, const ModelConfig *c,
						  const HyperModelShape *s);
	/* the model's name in model_summary (KerasTuner's), or NULL for Keras's default */
	const char *keras_name;
} HyperModelDef;

/* the registry (hypermodels.c), indexed by HyperModelKind */
extern const HyperModelDef *const hypermodel_defs[];
extern const int hypermodel_count;

extern const HyperModelDef hypermodel_mlp;
extern const HyperModelDef hypermodel_linear;

/*
 * For graph hypermodels: remember / look up a value by name (the last one
 * kept wins).  The name and a text value are not copied: they must live as
 * long as the config is used, as a trial's values do.
 */
extern void model_config_keep(ModelConfig *c, const char *name, HpValue v);
extern bool model_config_get(const ModelConfig *c, const char *name,
							 HpValue *v);

/* the graph of a model (model_summary, tests) */
extern const Graph *model_graph(const Model *m);

/*
 * The graph the configuration would build for this data, and the memory
 * its training would take (graph_training_bytes at the config's batch
 * size), without creating the model: the shell checks hptune.max_memory
 * with it before anything is allocated.  Raises as model_create does for a
 * configuration or input shape the hypermodel cannot build.
 */
extern double model_training_bytes(const ModelConfig *c,
								   const DatasetEncoding *enc);

#endif							/* HPTUNE_CORE_GRAPH_H */
