/*-------------------------------------------------------------------------
 *
 * hm_xception.c
 *	  The xception hypermodel: KerasTuner's HyperXception, layer for layer.
 *
 * Hyperparameters, as HyperXception.build declares them: activation (relu,
 * selu), conv2d_num_filters (32, 64, 128; default 64), kernel_size (3, 5),
 * initial_strides (2), sep_num_filters (128..768 step 128, default 256),
 * num_residual_blocks (2..8, default 4), pooling (avg, flatten, max),
 * num_dense_layers (1..3), dropout_rate (0..0.6 step 0.1, default 0.5),
 * dense_use_bn (true, false) and learning_rate (1e-3, 1e-4, 1e-5); the
 * optimizer is Adam.
 *
 * The network (Keras's automatic layer names):
 *
 *	 conv		 Conv2D(conv2d_num_filters, kernel_size, initial_strides,
 *				 "same"): relu: no bias, then BatchNormalization and
 *				 Activation(relu); selu: the activation fused, bias,
 *				 lecun_normal kernel
 *	 residual x num_residual_blocks with sep_num_filters, no pooling
 *	 residual with 2 x sep_num_filters and pooling
 *	 Flatten, GlobalAveragePooling2D or GlobalMaxPooling2D
 *	 dense x num_dense_layers: Dense(classes) with the activation (selu:
 *				 lecun_normal); relu with dense_use_bn adds BatchNormalization;
 *				 Dropout(dropout_rate) when the rate is not 0
 *	 Dense(classes), softmax, with include_top
 *
 * A residual block: the shortcut is a 1x1 Conv2D, strided 2 when the
 * block pools, or when the channels change, else the input itself; the
 * main path is two separable convolutions (3x3, "same"; relu: no bias, then
 * BatchNormalization and Activation; selu: the activation fused, bias,
 * lecun_normal kernels), then MaxPooling2D(3x3, stride 2, "same") when the
 * block pools, then Add.  kernel_size applies to the first convolution
 * only, as in KerasTuner.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "core/hm_conv.h"

static const char *const xception_activations[] = {"relu", "selu"};
static const char *const xception_poolings[] = {"avg", "flatten", "max"};

static void
xception_default_space(HpSpace *out)
{
	static const double filters[] = {32, 64, 128};
	static const double kernels[] = {3, 5};
	static const double strides[] = {2};
	static const double rates[] = {1e-3, 1e-4, 1e-5};
	HpDef	   *hp;

	hm_space_init(out, 11);
	hm_space_choice_text(out, "activation", xception_activations, 2, "relu");
	hm_space_choice_number(out, "conv2d_num_filters", filters, 3, true, 64);
	hm_space_choice_number(out, "kernel_size", kernels, 2, true, 3);
	hm_space_choice_number(out, "initial_strides", strides, 1, true, 2);
	hm_space_int(out, "sep_num_filters", 128, 768, 128, 256);
	hm_space_int(out, "num_residual_blocks", 2, 8, 1, 4);
	hm_space_choice_text(out, "pooling", xception_poolings, 3, "avg");
	hm_space_int(out, "num_dense_layers", 1, 3, 1, 1);
	hp = hm_space_add(out, "dropout_rate", HP_FLOAT);
	hp->min_value = 0.0;
	hp->max_value = 0.6;
	hp->has_step = true;
	hp->step = 0.1;
	hp->default_value = hp_float_value(0.5);
	hp = hm_space_add(out, "dense_use_bn", HP_CHOICE);
	hp->nchoices = 2;
	hp->choices = core_alloc(2 * sizeof(HpValue));
	hp->choices[0] = hp_bool_value(true);
	hp->choices[1] = hp_bool_value(false);
	hp->default_value = hp_bool_value(true);
	hm_space_choice_number(out, "learning_rate", rates, 3, false, 1e-3);
}

static void
xception_config_init(ModelConfig *c)
{
	c->learning_rate = 1e-3;
	c->optimizer = OPT_ADAM;
}

static bool
xception_set(ModelConfig *c, const char *name, HpValue v)
{
	bool		none = v.type == HPV_NONE;	/* asked whether it reads name */

	if (strcmp(name, "activation") == 0)
	{
		if (!none)
			hm_get_choice(name, v, xception_activations, 2, "one of relu, selu");
	}
	else if (strcmp(name, "conv2d_num_filters") == 0 ||
			 strcmp(name, "sep_num_filters") == 0)
	{
		if (!none)
			hm_get_int(name, v, 1, 4096, "an integer from 1 to 4096");
	}
	else if (strcmp(name, "kernel_size") == 0)
	{
		if (!none)
			hm_get_int(name, v, 1, 15, "an integer from 1 to 15");
	}
	else if (strcmp(name, "initial_strides") == 0)
	{
		if (!none)
			hm_get_int(name, v, 1, 8, "an integer from 1 to 8");
	}
	else if (strcmp(name, "num_residual_blocks") == 0)
	{
		if (!none)
			hm_get_int(name, v, 0, 32, "an integer from 0 to 32");
	}
	else if (strcmp(name, "pooling") == 0)
	{
		if (!none)
			hm_get_choice(name, v, xception_poolings, 3, "one of avg, flatten, max");
	}
	else if (strcmp(name, "num_dense_layers") == 0)
	{
		if (!none)
			hm_get_int(name, v, 0, 16, "an integer from 0 to 16");
	}
	else if (strcmp(name, "dropout_rate") == 0)
	{
		if (!none)
			hm_get_number(name, v, 0.0, 0.99, "a number from 0 to 0.99");
	}
	else if (strcmp(name, "dense_use_bn") == 0)
	{
		if (!none)
			hm_get_bool(name, v);
	}
	else
		return false;
	if (!none)
		model_config_keep(c, name, v);
	return true;
}

/* what every layer of one network shares */
typedef struct XceptionNet
{
	Graph	   *g;
	bool		selu;
} XceptionNet;

static int
xception_bn_relu(XceptionNet *n, int x)
{
	x = graph_batch_normalization(n->g, NULL, x, GRAPH_BN_MOMENTUM,
								  GRAPH_BN_EPSILON);
	return graph_activation(n->g, NULL, x, ACT_RELU);
}

static int
xception_sep_conv(XceptionNet *n, int x, int filters)
{
	if (n->selu)
	{
		x = graph_separable_conv2d(n->g, NULL, x, filters, 3, 3, 1, 1,
								   PADDING_SAME, true, ACT_SELU);
		graph_set_init(n->g, x, INIT_LECUN_NORMAL);
		return x;
	}
	x = graph_separable_conv2d(n->g, NULL, x, filters, 3, 3, 1, 1,
							   PADDING_SAME, false, ACT_LINEAR);
	return xception_bn_relu(n, x);
}

static int
xception_residual(XceptionNet *n, int x, int filters, bool pooling)
{
	int			res = x;

	if (pooling)
		res = graph_conv2d(n->g, NULL, x, filters, 1, 1, 2, 2, PADDING_SAME,
						   true, 1, ACT_LINEAR);
	else if (filters != n->g->layers[x].out.c)
		res = graph_conv2d(n->g, NULL, x, filters, 1, 1, 1, 1, PADDING_SAME,
						   true, 1, ACT_LINEAR);
	x = xception_sep_conv(n, x, filters);
	x = xception_sep_conv(n, x, filters);
	if (pooling)
		x = graph_max_pooling2d(n->g, NULL, x, 3, 3, 2, 2, PADDING_SAME);
	return graph_add(n->g, NULL, x, res);
}

static int
xception_dense(XceptionNet *n, int x, int units, bool batchnorm, double rate)
{
	if (n->selu)
	{
		x = graph_dense(n->g, NULL, x, units, ACT_SELU, true);
		graph_set_init(n->g, x, INIT_LECUN_NORMAL);
	}
	else
	{
		x = graph_dense(n->g, NULL, x, units, ACT_RELU, true);
		if (batchnorm)
			x = graph_batch_normalization(n->g, NULL, x, GRAPH_BN_MOMENTUM,
										  GRAPH_BN_EPSILON);
	}
	if (rate > 0.0)
		x = graph_dropout(n->g, NULL, x, rate);
	return x;
}

static void
xception_layers(Graph *g, const ModelConfig *c, const HyperModelShape *s)
{
	XceptionNet n;
	int			filters = hm_kept_int(c, "conv2d_num_filters", 64);
	int			kernel = hm_kept_int(c, "kernel_size", 3);
	int			strides = hm_kept_int(c, "initial_strides", 2);
	int			sep = hm_kept_int(c, "sep_num_filters", 256);
	int			blocks = hm_kept_int(c, "num_residual_blocks", 4);
	const char *pooling = hm_kept_text(c, "pooling", "avg");
	int			dense_layers = hm_kept_int(c, "num_dense_layers", 1);
	double		rate = hm_kept_number(c, "dropout_rate", 0.5);
	bool		use_bn = hm_kept_bool(c, "dense_use_bn", true);
	int			x;

	n.g = g;
	n.selu = strcmp(hm_kept_text(c, "activation", "relu"), "selu") == 0;
	x = graph_input(g, NULL, s->input);
	if (n.selu)
	{
		x = graph_conv2d(g, NULL, x, filters, kernel, kernel, strides, strides,
						 PADDING_SAME, true, 1, ACT_SELU);
		graph_set_init(g, x, INIT_LECUN_NORMAL);
	}
	else
	{
		x = graph_conv2d(g, NULL, x, filters, kernel, kernel, strides, strides,
						 PADDING_SAME, false, 1, ACT_LINEAR);
		x = xception_bn_relu(&n, x);
	}
	for (int i = 0; i < blocks; i++)
		x = xception_residual(&n, x, sep, false);
	x = xception_residual(&n, x, 2 * sep, true);
	if (strcmp(pooling, "flatten") == 0)
		x = graph_flatten(g, NULL, x);
	else if (strcmp(pooling, "max") == 0)
		x = graph_global_max_pooling2d(g, NULL, x);
	else
		x = graph_global_average_pooling2d(g, NULL, x);
	if (!s->include_top)
		return;
	for (int i = 0; i < dense_layers; i++)
		x = xception_dense(&n, x, s->outputs, use_bn, rate);
	graph_dense(g, NULL, x, s->outputs, ACT_LINEAR, true);
}

static void
xception_build(Graph *g, const ModelConfig *c, const HyperModelShape *s)
{
	hm_require_image("xception", s);
	xception_layers(g, c, s);
	hm_check_downsampling("xception", g, c, s, xception_layers);
}

const HyperModelDef hypermodel_xception = {
	.name = "xception",
	.default_space = xception_default_space,
	.config_init = xception_config_init,
	.set = xception_set,
	.build = xception_build,
	.keras_name = "Xception",
};
