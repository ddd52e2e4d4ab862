/*
 * The image hypermodels' graphs: layer names, output shapes and parameter
 * counts as Keras gives them, their default search spaces, their checks.
 *
 * Keras's totals for its applications (keras.applications, 224x224x3
 * inputs, 1000 classes) are ResNet50 25,636,712, ResNet50V2 25,613,800 and
 * ResNeXt50 25,097,128 parameters (see test_resnet_v1_and_next for the
 * one stack where KerasTuner's "next" differs from ResNeXt50).  For a one-channel input and 10 classes,
 * the stem loses 7*7*2*64 = 6,272 weights and the top 2,049,000 - 20,490,
 * which gives the totals checked here.
 */
#include <string.h>

#include "core/hm_conv.h"
#include "core/shim_test.h"
#include "unit.h"

static ModelConfig cfg;

/* the hypermodel's graph for an image of h x w x c and `classes` outputs */
static Graph *
build(const char *name, int h, int w, int c, int classes)
{
	HyperModelKind kind;
	HyperModelShape s;
	Graph	   *g = graph_create();

	if (!hypermodel_from_name(name, &kind))
		return NULL;
	s.input = (GraphShape) {3, h, w, c};
	s.outputs = classes;
	s.task = TASK_CLASSIFICATION;
	s.include_top = true;
	hypermodel_defs[kind]->build(g, &cfg, &s);
	return g;
}

static void
config(const char *name)
{
	HyperModelKind kind;

	hypermodel_from_name(name, &kind);
	model_config_init(&cfg, kind, 32);
}

static void
set(const char *name, HpValue v)
{
	model_config_set(&cfg, name, v);
}

static const GraphLayer *
layer(const Graph *g, const char *name)
{
	for (int i = 0; i < g->nlayers; i++)
		if (strcmp(g->layers[i].name, name) == 0)
			return &g->layers[i];
	return NULL;
}

static int64_t
total(const Graph *g)
{
	return g->nparams + g->nstate;
}

/* a layer's output shape and its parameters, Keras's count */
static bool
has(const Graph *g, const char *name, int h, int w, int c, int64_t params)
{
	const GraphLayer *l = layer(g, name);

	if (l == NULL)
	{
		printf("  no layer \"%s\"\n", name);
		return false;
	}
	if (l->out.h != h || l->out.w != w || l->out.c != c ||
		l->nparams + l->nstate != params)
	{
		printf("  %s: (%d, %d, %d) %lld\n", name, l->out.h, l->out.w, l->out.c,
			   (long long) (l->nparams + l->nstate));
		return false;
	}
	return true;
}

static int
count_class(const Graph *g, LayerKind kind)
{
	int			n = 0;

	for (int i = 0; i < g->nlayers; i++)
		n += g->layers[i].kind == kind;
	return n;
}

TEST(test_resnet_v2)
{
	Graph	   *g;

	config("resnet");
	g = build("resnet", 28, 28, 1, 10);
	CHECK(total(g) == 25613800 - 6272 - 2049000 + 20490);
	CHECK(has(g, "conv1_pad", 34, 34, 1, 0));
	CHECK(has(g, "conv1_conv", 14, 14, 64, 3200));
	CHECK(has(g, "pool1_pool", 7, 7, 64, 0));
	CHECK(has(g, "conv2_block1_preact_bn", 7, 7, 64, 256));
	CHECK(has(g, "conv2_block1_0_conv", 7, 7, 256, 16640));
	CHECK(has(g, "conv2_block1_1_conv", 7, 7, 64, 4096));
	CHECK(has(g, "conv2_block3_2_conv", 4, 4, 64, 36864));
	CHECK(has(g, "max_pooling2d", 4, 4, 256, 0));
	CHECK(has(g, "conv2_block3_out", 4, 4, 256, 0));
	CHECK(has(g, "conv3_block4_out", 2, 2, 512, 0));
	CHECK(has(g, "conv4_block6_out", 1, 1, 1024, 0));
	CHECK(has(g, "conv5_block3_out", 1, 1, 2048, 0));
	CHECK(has(g, "post_bn", 1, 1, 2048, 8192));
	CHECK(has(g, "avg_pool", 1, 1, 2048, 0));
	CHECK(has(g, "probs", 1, 1, 10, 20490));
	CHECK(layer(g, "conv1_bn") == NULL);
	CHECK(count_class(g, LAYER_ADD) == 16);
	CHECK(!layer(g, "conv2_block1_1_conv")->use_bias);
	CHECK(layer(g, "conv2_block1_3_conv")->use_bias);
	CHECK(layer(g, "conv2_block1_preact_bn")->epsilon == 1.001e-5);
	graph_free(g);

	/* the deeper choices: 8 and 36 blocks */
	set("conv3_depth", hp_int_value(8));
	set("conv4_depth", hp_int_value(36));
	set("pooling", hp_text_value("max"));
	g = build("resnet", 28, 28, 1, 10);
	CHECK(layer(g, "conv3_block8_out") != NULL && layer(g, "conv3_block9_out") == NULL);
	CHECK(layer(g, "conv4_block36_out") != NULL);
	CHECK(has(g, "max_pool", 1, 1, 2048, 0));
	graph_free(g);
}

TEST(test_resnet_v1_and_next)
{
	Graph	   *g;

	config("resnet");
	set("version", hp_text_value("v1"));
	g = build("resnet", 28, 28, 1, 10);
	CHECK(total(g) == 25636712 - 6272 - 2049000 + 20490);
	CHECK(has(g, "conv1_bn", 14, 14, 64, 256));
	CHECK(has(g, "conv2_block1_0_conv", 7, 7, 256, 16640));
	CHECK(has(g, "conv2_block1_out", 7, 7, 256, 0));
	CHECK(has(g, "conv3_block1_1_conv", 4, 4, 128, 32896));
	CHECK(has(g, "conv5_block3_out", 1, 1, 2048, 0));
	CHECK(layer(g, "post_bn") == NULL);
	graph_free(g);

	config("resnet");
	set("version", hp_text_value("next"));
	g = build("resnet", 28, 28, 1, 10);
	/*
	 * KerasTuner's conv2 stack has 64 filters (stride 2) where ResNeXt50's
	 * has 128 (stride 1): 149,120 weights fewer in conv2, and 98,304 fewer
	 * in conv3's first block, whose input has 128 channels, not 256
	 */
	CHECK(total(g) == 25097128 - 149120 - 98304 - 6272 - 2049000 + 20490);
	CHECK(has(g, "conv1_conv", 14, 14, 64, 3136));
	CHECK(has(g, "conv2_block1_2_conv", 4, 4, 64, 9 * 2 * 64));
	CHECK(layer(g, "conv2_block1_2_conv")->groups == 32);
	CHECK(has(g, "conv2_block1_out", 4, 4, 128, 0));
	CHECK(has(g, "conv5_block3_out", 1, 1, 2048, 0));
	graph_free(g);
}

TEST(test_xception)
{
	Graph	   *g;

	config("xception");
	CHECK(cfg.learning_rate == 1e-3);
	g = build("xception", 28, 28, 1, 10);
	/* worked out by hand from HyperXception.build, layer by layer */
	CHECK(total(g) == 1058592);
	CHECK(has(g, "conv2d", 14, 14, 64, 576));
	CHECK(has(g, "conv2d_1", 14, 14, 256, 16640));
	CHECK(has(g, "separable_conv2d", 14, 14, 256, 16960));
	CHECK(has(g, "separable_conv2d_1", 14, 14, 256, 67840));
	CHECK(has(g, "conv2d_2", 7, 7, 512, 131584));
	CHECK(has(g, "separable_conv2d_9", 14, 14, 512, 266752));
	CHECK(has(g, "max_pooling2d", 7, 7, 512, 0));
	CHECK(has(g, "add_4", 7, 7, 512, 0));
	CHECK(has(g, "dense", 1, 1, 10, 5130));
	CHECK(has(g, "batch_normalization_11", 1, 1, 10, 40));
	CHECK(has(g, "dense_1", 1, 1, 10, 110));
	CHECK(layer(g, "dropout")->rate == 0.5);
	graph_free(g);

	/* selu: activations fused, biases, lecun_normal, no BatchNormalization */
	set("activation", hp_text_value("selu"));
	set("pooling", hp_text_value("flatten"));
	set("num_dense_layers", hp_int_value(2));
	g = build("xception", 28, 28, 1, 10);
	CHECK(count_class(g, LAYER_BATCH_NORMALIZATION) == 0);
	CHECK(layer(g, "conv2d")->act == ACT_SELU && layer(g, "conv2d")->init == INIT_LECUN_NORMAL);
	CHECK(has(g, "separable_conv2d", 14, 14, 256, 16960 + 256));
	CHECK(has(g, "flatten", 1, 1, 7 * 7 * 512, 0));
	CHECK(has(g, "dense_1", 1, 1, 10, 110));
	CHECK(layer(g, "dense_2") != NULL);
	graph_free(g);
}

TEST(test_cnn)
{
	Graph	   *g;

	config("cnn");
	g = build("cnn", 28, 28, 1, 10);
	CHECK(total(g) == 320 + 18496 + 3136 * 128 + 128 + 1290);
	CHECK(has(g, "conv2d", 28, 28, 32, 320));
	CHECK(has(g, "max_pooling2d", 14, 14, 32, 0));
	CHECK(has(g, "conv2d_1", 14, 14, 64, 18496));
	CHECK(has(g, "flatten", 1, 1, 3136, 0));
	CHECK(has(g, "dense", 1, 1, 128, 401536));
	CHECK(layer(g, "dropout")->rate == 0.2);
	CHECK(has(g, "dense_1", 1, 1, 10, 1290));
	graph_free(g);

	/* three blocks, 5x5, average pooling, batch normalization, no dropout */
	set("num_conv_blocks", hp_int_value(3));
	set("filters_2", hp_int_value(16));
	set("kernel_size", hp_int_value(5));
	set("pooling", hp_text_value("avg"));
	set("batch_norm", hp_bool_value(true));
	set("dropout", hp_float_value(0.0));
	g = build("cnn", 28, 28, 1, 10);
	CHECK(has(g, "conv2d", 28, 28, 32, 25 * 32));
	CHECK(has(g, "batch_normalization", 28, 28, 32, 128));
	CHECK(has(g, "average_pooling2d_2", 4, 4, 16, 0));
	CHECK(layer(g, "dropout") == NULL);
	graph_free(g);
}

TEST(test_checks)
{
	HyperModelShape s;
	Graph	   *g;

	/* ResNet on 8x8: conv3's stride meets a 1x1 input */
	config("resnet");
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, build("resnet", 8, 8, 1, 10));
	CHECK(strstr(core_test_last_msg, "too small") != NULL);
	CHECK(strstr(core_test_last_hint, "at least 17x17") != NULL);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, build("resnet", 16, 17, 1, 10));
	g = build("resnet", 17, 17, 1, 10);
	CHECK(g != NULL);
	graph_free(g);

	config("cnn");
	set("num_conv_blocks", hp_int_value(3));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, build("cnn", 4, 4, 1, 10));
	CHECK(strstr(core_test_last_detail, "max_pooling2d_2") != NULL);

	/* a vector is not an image */
	config("xception");
	s.input = (GraphShape) {1, 1, 1, 784};
	s.outputs = 10;
	s.task = TASK_CLASSIFICATION;
	s.include_top = true;
	g = graph_create();
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, hypermodel_xception.build(g, &cfg, &s));
	CHECK(strstr(core_test_last_msg, "needs images") != NULL);

	/* bad values */
	config("resnet");
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, set("version", hp_text_value("v3")));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, set("conv4_depth", hp_int_value(1)));
	config("cnn");
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, set("filters_1", hp_float_value(1.5)));
	CHECK(!model_config_set(&cfg, "filters_3", hp_int_value(16)));

	/* an inactive value (a conditional hyperparameter) is read and ignored */
	{
		HpValue		none = {.type = HPV_NONE};

		config("cnn");
		CHECK(model_config_set(&cfg, "filters_2", none));
		CHECK(cfg.nkept == 0);
		CHECK(!model_config_set(&cfg, "filters_9", none));
		config("resnet");
		CHECK(model_config_set(&cfg, "version", none));
		config("xception");
		CHECK(model_config_set(&cfg, "dense_use_bn", none));
		CHECK(cfg.nkept == 0);
	}
}

TEST(test_spaces)
{
	static const char *names[] = {"resnet", "xception", "cnn"};
	static const int counts[] = {6, 11, 11};

	for (int k = 0; k < 3; k++)
	{
		HyperModelKind kind;
		HpSpace		s;

		CHECK(hypermodel_from_name(names[k], &kind));
		hypermodel_default_space(kind, &s);
		CHECK(s.n == counts[k]);
		for (int i = 0; i < s.n; i++)
			hp_validate_definition(&s.hps[i]);
		hp_validate_conditions(&s, &s);
		/* every default is a value the hypermodel reads */
		config(names[k]);
		for (int i = 0; i < s.n; i++)
			CHECK(model_config_set(&cfg, s.hps[i].name, hp_default(&s.hps[i])));
	}
	config("resnet");
	CHECK(cfg.learning_rate == 0.01);
}

int
main(void)
{
	RUN(test_resnet_v2);
	RUN(test_resnet_v1_and_next);
	RUN(test_xception);
	RUN(test_cnn);
	RUN(test_checks);
	RUN(test_spaces);
	UNIT_DONE();
}
