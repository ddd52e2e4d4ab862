/*-------------------------------------------------------------------------
 *
 * hm_cnn.c
 *	  The cnn hypermodel: a small tunable convolutional network for images
 *	  such as Fashion-MNIST.
 *
 * Hyperparameters (the default search space; defaults in brackets):
 *
 *	 num_conv_blocks	int 1..3 [2]
 *	 filters_0			int 16..128 step 16 [32]
 *	 filters_1			the same [64], active when num_conv_blocks is 2 or 3
 *	 filters_2			the same [128], active when num_conv_blocks is 3
 *	 kernel_size		choice 3, 5 [3]
 *	 pooling			choice max, avg [max]
 *	 batch_norm			boolean [false]
 *	 dense_units		int 32..256 step 32 [128]
 *	 dropout			float 0..0.5 step 0.1 [0.2]
 *	 learning_rate		float 1e-4..1e-2 log [1e-3]
 *	 optimizer			choice adam, rmsprop, sgd [adam]
 *
 * The network, with Keras's automatic layer names: per block i,
 * Conv2D(filters_i, kernel_size, "same", relu) -- with batch_norm, the
 * convolution without bias or activation, then BatchNormalization and
 * Activation(relu) -- then MaxPooling2D or AveragePooling2D (2x2, stride 2,
 * "same", so an odd side rounds up); then Flatten, Dense(dense_units,
 * relu), Dropout(dropout) when it is not 0, and the top Dense(classes).
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "core/hm_conv.h"

#define CNN_MAX_BLOCKS 3

static const char *const cnn_poolings[] = {"max", "avg"};

static void
cnn_default_space(HpSpace *out)
{
	static const char *const optimizers[] = {"adam", "rmsprop", "sgd"};
	static const double kernels[] = {3, 5};
	static const int two_or_three[] = {2, 3};
	static const int three[] = {3};
	HpDef	   *hp;

	hm_space_init(out, 11);
	hm_space_int(out, "num_conv_blocks", 1, CNN_MAX_BLOCKS, 1, 2);
	hm_space_int(out, "filters_0", 16, 128, 16, 32);
	hp = hm_space_int(out, "filters_1", 16, 128, 16, 64);
	hm_space_when_int(hp, "num_conv_blocks", two_or_three, 2);
	hp = hm_space_int(out, "filters_2", 16, 128, 16, 128);
	hm_space_when_int(hp, "num_conv_blocks", three, 1);
	hm_space_choice_number(out, "kernel_size", kernels, 2, true, 3);
	hm_space_choice_text(out, "pooling", cnn_poolings, 2, "max");
	hp = hm_space_add(out, "batch_norm", HP_BOOLEAN);
	hp->default_value = hp_bool_value(false);
	hm_space_int(out, "dense_units", 32, 256, 32, 128);
	hp = hm_space_add(out, "dropout", HP_FLOAT);
	hp->min_value = 0.0;
	hp->max_value = 0.5;
	hp->has_step = true;
	hp->step = 0.1;
	hp->default_value = hp_float_value(0.2);
	hp = hm_space_add(out, "learning_rate", HP_FLOAT);
	hp->min_value = 1e-4;
	hp->max_value = 1e-2;
	hp->sampling = HP_SAMPLING_LOG;
	hp->default_value = hp_float_value(1e-3);
	hm_space_choice_text(out, "optimizer", optimizers, 3, "adam");
}

static void
cnn_config_init(ModelConfig *c)
{
	c->learning_rate = 1e-3;
	c->optimizer = OPT_ADAM;
}

static bool
cnn_set(ModelConfig *c, const char *name, HpValue v)
{
	bool		none = v.type == HPV_NONE;	/* asked whether it reads name */

	if (strcmp(name, "num_conv_blocks") == 0)
	{
		if (!none)
			hm_get_int(name, v, 1, CNN_MAX_BLOCKS, "an integer from 1 to 3");
	}
	else if (strncmp(name, "filters_", 8) == 0 && name[8] >= '0' &&
			 name[8] < '0' + CNN_MAX_BLOCKS && name[9] == '\0')
	{
		if (!none)
			hm_get_int(name, v, 1, 4096, "an integer from 1 to 4096");
	}
	else if (strcmp(name, "kernel_size") == 0)
	{
		if (!none)
			hm_get_int(name, v, 1, 15, "an integer from 1 to 15");
	}
	else if (strcmp(name, "pooling") == 0)
	{
		if (!none)
			hm_get_choice(name, v, cnn_poolings, 2, "one of max, avg");
	}
	else if (strcmp(name, "batch_norm") == 0)
	{
		if (!none)
			hm_get_bool(name, v);
	}
	else if (strcmp(name, "dense_units") == 0)
	{
		if (!none)
			hm_get_int(name, v, 1, 65536, "an integer from 1 to 65536");
	}
	else if (strcmp(name, "dropout") == 0)
	{
		if (!none)
			hm_get_number(name, v, 0.0, 0.99, "a number from 0 to 0.99");
	}
	else
		return false;
	if (!none)
		model_config_keep(c, name, v);
	return true;
}

static void
cnn_layers(Graph *g, const ModelConfig *c, const HyperModelShape *s)
{
	static const int default_filters[CNN_MAX_BLOCKS] = {32, 64, 128};
	int			blocks = hm_kept_int(c, "num_conv_blocks", 2);
	int			kernel = hm_kept_int(c, "kernel_size", 3);
	bool		avg = strcmp(hm_kept_text(c, "pooling", "max"), "avg") == 0;
	bool		bn = hm_kept_bool(c, "batch_norm", false);
	double		dropout = hm_kept_number(c, "dropout", 0.2);
	int			x;

	x = graph_input(g, NULL, s->input);
	for (int i = 0; i < blocks; i++)
	{
		char		name[16];
		int			filters;

		snprintf(name, sizeof(name), "filters_%d", i);
		filters = hm_kept_int(c, name, default_filters[i]);
		x = graph_conv2d(g, NULL, x, filters, kernel, kernel, 1, 1,
						 PADDING_SAME, !bn, 1, bn ? ACT_LINEAR : ACT_RELU);
		if (bn)
		{
			x = graph_batch_normalization(g, NULL, x, GRAPH_BN_MOMENTUM,
										  GRAPH_BN_EPSILON);
			x = graph_activation(g, NULL, x, ACT_RELU);
		}
		if (avg)
			x = graph_average_pooling2d(g, NULL, x, 2, 2, 2, 2, PADDING_SAME);
		else
			x = graph_max_pooling2d(g, NULL, x, 2, 2, 2, 2, PADDING_SAME);
	}
	x = graph_flatten(g, NULL, x);
	if (!s->include_top)
		return;
	x = graph_dense(g, NULL, x, hm_kept_int(c, "dense_units", 128), ACT_RELU,
					true);
	if (dropout > 0.0)
		x = graph_dropout(g, NULL, x, dropout);
	graph_dense(g, NULL, x, s->outputs, ACT_LINEAR, true);
}

static void
cnn_build(Graph *g, const ModelConfig *c, const HyperModelShape *s)
{
	hm_require_image("cnn", s);
	cnn_layers(g, c, s);
	hm_check_downsampling("cnn", g, c, s, cnn_layers);
}

const HyperModelDef hypermodel_cnn = {
	.name = "cnn",
	.default_space = cnn_default_space,
	.config_init = cnn_config_init,
	.set = cnn_set,
	.build = cnn_build,
};
