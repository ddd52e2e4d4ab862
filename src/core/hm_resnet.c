/*-------------------------------------------------------------------------
 *
 * hm_resnet.c
 *	  The resnet hypermodel: KerasTuner's HyperResNet, layer for layer.
 *
 * Hyperparameters, as HyperResNet.build declares them: version (v1, v2,
 * next; default v2), conv3_depth (4, 8), conv4_depth (6, 23, 36), pooling
 * (avg, max), optimizer (adam, rmsprop, sgd) and learning_rate (0.1, 0.01,
 * 0.001; default 0.01).  A study's own rows may widen the depths to any
 * integer from 2 to 64.
 *
 * The network, with Keras's layer names (so model_summary prints what
 * Keras's model.summary() does):
 *
 *	 conv1_pad (3 each side), conv1_conv 7x7/2 with 64 filters (no bias for
 *	 next), conv1_bn + conv1_relu unless v2, pool1_pad (1), pool1_pool 3x3/2
 *	 stacks conv2..conv5 of bottleneck blocks:
 *	   v1	stack1 (64, 3, stride 1), (128, conv3_depth), (256, conv4_depth),
 *			(512, 3): block1, post-activation, 1x1 convolution shortcut in
 *			the first block, stride on the first 1x1 convolution
 *	   v2	stack2 (64, 3), (128, conv3_depth), (256, conv4_depth), (512, 3,
 *			stride 1): block2, pre-activation (preact_bn, preact_relu),
 *			convolution shortcut in the first block, stride on the last
 *			block's 3x3 convolution with a 1x1/stride max pooling shortcut;
 *			post_bn + post_relu after the last stack
 *	   next stack3 (64, 3), (256, conv3_depth), (512, conv4_depth), (1024,
 *			3, stride 1): block3 with 32 groups, no biases
 *	 avg_pool (GlobalAveragePooling2D) or max_pool (GlobalMaxPooling2D)
 *	 probs (Dense, classes) with include_top
 *
 * BatchNormalization everywhere with epsilon 1.001e-5 and Keras's momentum
 * 0.99.  One difference: KerasTuner writes block3's grouped 3x3
 * convolution as a DepthwiseConv2D with depth multiplier filters/32 whose
 * outputs a Lambda sums in groups, which makes each output channel depend
 * on its own input channel only; here it is the grouped Conv2D (groups 32)
 * that ResNeXt describes, with the same parameter count and shapes, named
 * <block>_2_conv.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "core/hm_conv.h"

#define RESNET_EPSILON 1.001e-5
#define RESNET_GROUPS 32
#define RESNET_MAX_DEPTH 64

typedef enum ResNetVersion
{
	RESNET_V1,
	RESNET_V2,
	RESNET_NEXT
} ResNetVersion;

static const char *const resnet_versions[] = {"v1", "v2", "next"};
static const char *const resnet_poolings[] = {"avg", "max"};

static void
resnet_default_space(HpSpace *out)
{
	static const char *const optimizers[] = {"adam", "rmsprop", "sgd"};
	static const double conv3[] = {4, 8};
	static const double conv4[] = {6, 23, 36};
	static const double rates[] = {0.1, 0.01, 0.001};

	hm_space_init(out, 6);
	hm_space_choice_text(out, "version", resnet_versions, 3, "v2");
	hm_space_choice_number(out, "conv3_depth", conv3, 2, true, 4);
	hm_space_choice_number(out, "conv4_depth", conv4, 3, true, 6);
	hm_space_choice_text(out, "pooling", resnet_poolings, 2, "avg");
	hm_space_choice_text(out, "optimizer", optimizers, 3, "adam");
	hm_space_choice_number(out, "learning_rate", rates, 3, false, 0.01);
}

static void
resnet_config_init(ModelConfig *c)
{
	c->learning_rate = 0.01;
	c->optimizer = OPT_ADAM;
}

static bool
resnet_set(ModelConfig *c, const char *name, HpValue v)
{
	bool		none = v.type == HPV_NONE;	/* asked whether it reads name */

	if (strcmp(name, "version") == 0)
	{
		if (!none)
			hm_get_choice(name, v, resnet_versions, 3, "one of v1, v2, next");
	}
	else if (strcmp(name, "conv3_depth") == 0 || strcmp(name, "conv4_depth") == 0)
	{
		if (!none)
			hm_get_int(name, v, 2, RESNET_MAX_DEPTH, "an integer from 2 to 64");
	}
	else if (strcmp(name, "pooling") == 0)
	{
		if (!none)
			hm_get_choice(name, v, resnet_poolings, 2, "one of avg, max");
	}
	else
		return false;
	if (!none)
		model_config_keep(c, name, v);
	return true;
}

/* "<prefix>_<suffix>" in a buffer the graph copies from */
static const char *
resnet_name(char *buf, const char *prefix, const char *suffix)
{
	if (snprintf(buf, GRAPH_MAX_NAME, "%s_%s", prefix, suffix) >= GRAPH_MAX_NAME)
		core_error(CORE_ERR_INTERNAL, "layer name too long", buf, NULL);
	return buf;
}

static int
resnet_bn(Graph *g, const char *block, const char *suffix, int x)
{
	char		buf[GRAPH_MAX_NAME];

	return graph_batch_normalization(g, resnet_name(buf, block, suffix), x,
									 GRAPH_BN_MOMENTUM, RESNET_EPSILON);
}

static int
resnet_relu(Graph *g, const char *block, const char *suffix, int x)
{
	char		buf[GRAPH_MAX_NAME];

	return graph_activation(g, resnet_name(buf, block, suffix), x, ACT_RELU);
}

static int
resnet_conv(Graph *g, const char *block, const char *suffix, int x,
			int filters, int k, int stride, GraphPadding padding,
			bool use_bias, int groups)
{
	char		buf[GRAPH_MAX_NAME];

	return graph_conv2d(g, resnet_name(buf, block, suffix), x, filters, k, k,
						stride, stride, padding, use_bias, groups, ACT_LINEAR);
}

/* ResNet-v1's block1 */
static int
resnet_block1(Graph *g, int x, int filters, int stride, bool conv_shortcut,
			  const char *name)
{
	char		buf[GRAPH_MAX_NAME];
	int			shortcut = x;

	if (conv_shortcut)
	{
		shortcut = resnet_conv(g, name, "0_conv", x, 4 * filters, 1, stride,
							   PADDING_VALID, true, 1);
		shortcut = resnet_bn(g, name, "0_bn", shortcut);
	}
	x = resnet_conv(g, name, "1_conv", x, filters, 1, stride, PADDING_VALID, true, 1);
	x = resnet_bn(g, name, "1_bn", x);
	x = resnet_relu(g, name, "1_relu", x);
	x = resnet_conv(g, name, "2_conv", x, filters, 3, 1, PADDING_SAME, true, 1);
	x = resnet_bn(g, name, "2_bn", x);
	x = resnet_relu(g, name, "2_relu", x);
	x = resnet_conv(g, name, "3_conv", x, 4 * filters, 1, 1, PADDING_VALID, true, 1);
	x = resnet_bn(g, name, "3_bn", x);
	x = graph_add(g, resnet_name(buf, name, "add"), shortcut, x);
	return resnet_relu(g, name, "out", x);
}

/* ResNet-v2's block2: pre-activation */
static int
resnet_block2(Graph *g, int x, int filters, int stride, bool conv_shortcut,
			  const char *name)
{
	char		buf[GRAPH_MAX_NAME];
	int			preact;
	int			shortcut;

	preact = resnet_bn(g, name, "preact_bn", x);
	preact = resnet_relu(g, name, "preact_relu", preact);
	if (conv_shortcut)
		shortcut = resnet_conv(g, name, "0_conv", preact, 4 * filters, 1, stride,
							   PADDING_VALID, true, 1);
	else if (stride > 1)
		shortcut = graph_max_pooling2d(g, NULL, x, 1, 1, stride, stride,
									   PADDING_VALID);
	else
		shortcut = x;
	x = resnet_conv(g, name, "1_conv", preact, filters, 1, 1, PADDING_VALID, false, 1);
	x = resnet_bn(g, name, "1_bn", x);
	x = resnet_relu(g, name, "1_relu", x);
	x = graph_zero_padding2d(g, resnet_name(buf, name, "2_pad"), x, 1, 1, 1, 1);
	x = resnet_conv(g, name, "2_conv", x, filters, 3, stride, PADDING_VALID, false, 1);
	x = resnet_bn(g, name, "2_bn", x);
	x = resnet_relu(g, name, "2_relu", x);
	x = resnet_conv(g, name, "3_conv", x, 4 * filters, 1, 1, PADDING_VALID, true, 1);
	return graph_add(g, resnet_name(buf, name, "out"), shortcut, x);
}

/* ResNeXt's block3 (see the header comment on its grouped convolution) */
static int
resnet_block3(Graph *g, int x, int filters, int stride, bool conv_shortcut,
			  const char *name)
{
	char		buf[GRAPH_MAX_NAME];
	int			wide = (64 / RESNET_GROUPS) * filters;
	int			shortcut = x;

	if (conv_shortcut)
	{
		shortcut = resnet_conv(g, name, "0_conv", x, wide, 1, stride,
							   PADDING_VALID, false, 1);
		shortcut = resnet_bn(g, name, "0_bn", shortcut);
	}
	x = resnet_conv(g, name, "1_conv", x, filters, 1, 1, PADDING_VALID, false, 1);
	x = resnet_bn(g, name, "1_bn", x);
	x = resnet_relu(g, name, "1_relu", x);
	x = graph_zero_padding2d(g, resnet_name(buf, name, "2_pad"), x, 1, 1, 1, 1);
	x = resnet_conv(g, name, "2_conv", x, filters, 3, stride, PADDING_VALID,
					false, RESNET_GROUPS);
	x = resnet_bn(g, name, "2_bn", x);
	x = resnet_relu(g, name, "2_relu", x);
	x = resnet_conv(g, name, "3_conv", x, wide, 1, 1, PADDING_VALID, false, 1);
	x = resnet_bn(g, name, "3_bn", x);
	x = graph_add(g, resnet_name(buf, name, "add"), shortcut, x);
	return resnet_relu(g, name, "out", x);
}

/* stack1, stack2 and stack3 */
static int
resnet_stack(Graph *g, ResNetVersion version, int x, int filters, int blocks,
			 int stride1, const char *stack)
{
	char		name[GRAPH_MAX_NAME];

	for (int i = 1; i <= blocks; i++)
	{
		if (snprintf(name, sizeof(name), "%s_block%d", stack, i) >= (int) sizeof(name))
			core_error(CORE_ERR_INTERNAL, "layer name too long", name, NULL);
		if (version == RESNET_V1)
			x = resnet_block1(g, x, filters, i == 1 ? stride1 : 1, i == 1, name);
		else if (version == RESNET_NEXT)
			x = resnet_block3(g, x, filters, i == 1 ? stride1 : 1, i == 1, name);
		else
			x = resnet_block2(g, x, filters, i == blocks ? stride1 : 1, i == 1, name);
	}
	return x;
}

static void
resnet_layers(Graph *g, const ModelConfig *c, const HyperModelShape *s)
{
	ResNetVersion version = (ResNetVersion) hm_get_choice("version",
														  hp_text_value(hm_kept_text(c, "version", "v2")),
														  resnet_versions, 3, "one of v1, v2, next");
	int			conv3_depth = hm_kept_int(c, "conv3_depth", 4);
	int			conv4_depth = hm_kept_int(c, "conv4_depth", 6);
	bool		preact = version == RESNET_V2;
	int			x;

	x = graph_input(g, NULL, s->input);
	x = graph_zero_padding2d(g, "conv1_pad", x, 3, 3, 3, 3);
	x = graph_conv2d(g, "conv1_conv", x, 64, 7, 7, 2, 2, PADDING_VALID,
					 version != RESNET_NEXT, 1, ACT_LINEAR);
	if (!preact)
	{
		x = resnet_bn(g, "conv1", "bn", x);
		x = resnet_relu(g, "conv1", "relu", x);
	}
	x = graph_zero_padding2d(g, "pool1_pad", x, 1, 1, 1, 1);
	x = graph_max_pooling2d(g, "pool1_pool", x, 3, 3, 2, 2, PADDING_VALID);

	if (version == RESNET_V1)
	{
		x = resnet_stack(g, version, x, 64, 3, 1, "conv2");
		x = resnet_stack(g, version, x, 128, conv3_depth, 2, "conv3");
		x = resnet_stack(g, version, x, 256, conv4_depth, 2, "conv4");
		x = resnet_stack(g, version, x, 512, 3, 2, "conv5");
	}
	else
	{
		int			f = version == RESNET_V2 ? 1 : 2;

		x = resnet_stack(g, version, x, 64, 3, 2, "conv2");
		x = resnet_stack(g, version, x, 128 * f, conv3_depth, 2, "conv3");
		x = resnet_stack(g, version, x, 256 * f, conv4_depth, 2, "conv4");
		x = resnet_stack(g, version, x, 512 * f, 3, 1, "conv5");
	}
	if (preact)
	{
		x = resnet_bn(g, "post", "bn", x);
		x = resnet_relu(g, "post", "relu", x);
	}
	if (strcmp(hm_kept_text(c, "pooling", "avg"), "max") == 0)
		x = graph_global_max_pooling2d(g, "max_pool", x);
	else
		x = graph_global_average_pooling2d(g, "avg_pool", x);
	if (s->include_top)
		graph_dense(g, "probs", x, s->outputs, ACT_LINEAR, true);
}

static void
resnet_build(Graph *g, const ModelConfig *c, const HyperModelShape *s)
{
	hm_require_image("resnet", s);
	resnet_layers(g, c, s);
	hm_check_downsampling("resnet", g, c, s, resnet_layers);
}

const HyperModelDef hypermodel_resnet = {
	.name = "resnet",
	.default_space = resnet_default_space,
	.config_init = resnet_config_init,
	.set = resnet_set,
	.build = resnet_build,
	.keras_name = "ResNet",
};
