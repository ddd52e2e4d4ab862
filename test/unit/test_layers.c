/*
 * test_layers.c
 *	  Every layer of the graph core against finite differences: each case
 *	  builds Input (7 x 6 x 4) -> Conv2D (tanh) -> the layer(s) under test
 *	  -> [Flatten] -> Dense (3 classes), and compares the gradient of every
 *	  weight with central differences of the batch loss.  The convolution
 *	  in front makes the layer's input gradient part of what is checked.
 *	  Forward values of the convolutions and pools are also compared with
 *	  direct loops written from Keras's definitions.
 */
#include "core/model_internal.h"
#include "unit.h"

#include <stdlib.h>

#define ROWS 3

static double
urand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double) (*s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

typedef int (*LayerCase) (Graph *g, int x);

/* a graph around the case, trained on random rows; returns bad gradients */
static int
layers_grad_check(LayerCase build, const char *what)
{
	Graph	   *g = graph_create();
	int			x = graph_input(g, NULL, (GraphShape) {3, 7, 6, 4});
	ModelConfig c;
	Model	   *m;
	Trainer    *t;
	Dataset		d;
	uint64_t	s = 99;
	size_t		n;
	float	   *p;
	float	   *grad;
	int			bad = 0;
	double		gmax = 0.0;
	const float eps = 1e-3f;
	int			kinks = 0;

	x = graph_conv2d(g, NULL, x, 4, 3, 3, 1, 1, PADDING_SAME, true, 1, ACT_TANH);
	x = build(g, x);
	if (g->layers[x].out.rank == 3)
		x = graph_flatten(g, NULL, x);
	graph_dense(g, NULL, x, 3, ACT_LINEAR, true);
	model_config_init(&c, HYPERMODEL_MLP, ROWS);
	c.shuffle = false;
	c.seed = 5;
	m = model_create_from_graph(g, &c, TASK_CLASSIFICATION, 3);
	p = model_params(m, &n);
	/* non-zero biases and betas, gammas away from 1 */
	for (size_t i = 0; i < n; i++)
		if (p[i] == 0.0f || p[i] == 1.0f)
			p[i] += (float) urand(&s) * 0.3f;
	d.nrows = ROWS;
	d.ncols = 7 * 6 * 4;
	d.x = core_alloc(sizeof(float) * ROWS * d.ncols);
	d.y = core_alloc(sizeof(float) * ROWS);
	for (int i = 0; i < ROWS * d.ncols; i++)
		d.x[i] = (float) urand(&s);
	for (int i = 0; i < ROWS; i++)
		d.y[i] = (float) (i % 3);
	t = trainer_create(m, &d, NULL);
	grad = core_alloc(n * sizeof(float));
	trainer_batch_gradient(t, d.x, d.y, ROWS, 7);
	memcpy(grad, trainer_gradients(t), n * sizeof(float));
	for (size_t i = 0; i < n; i++)
		gmax = fmax(gmax, fabs(grad[i]));
	for (size_t i = 0; i < n; i++)
	{
		double		num[2];
		double		tol = 2e-2 * fabs(grad[i]) + 2e-3 * gmax;

		for (int k = 0; k < 2; k++)
		{
			float		keep = p[i];
			float		h = k == 0 ? eps : eps / 2;
			double		up,
						down;

			p[i] = keep + h;
			up = trainer_batch_gradient(t, d.x, d.y, ROWS, 7);
			p[i] = keep - h;
			down = trainer_batch_gradient(t, d.x, d.y, ROWS, 7);
			p[i] = keep;
			num[k] = (up - down) / (2.0 * h);
		}
		if (fabs(num[0] - grad[i]) <= tol)
			continue;
		/* a max or an activation's kink within eps: differences disagree */
		if (fabs(num[0] - num[1]) > tol)
		{
			kinks++;
			continue;
		}
		if (bad < 5)
			printf("  %s: param %zu: analytic %g numeric %g\n", what, i, grad[i], num[0]);
		bad++;
	}
	if (kinks > (int) n / 10)
	{
		printf("  %s: %d of %zu differences crossed a kink\n", what, kinks, n);
		bad++;
	}
	if (!(gmax > 1e-3))
	{
		printf("  %s: no gradient\n", what);
		bad++;
	}
	trainer_free(t);
	model_free(m);
	core_free(grad);
	core_free(d.x);
	core_free(d.y);
	return bad;
}

static int
case_conv_valid_stride(Graph *g, int x)
{
	return graph_conv2d(g, NULL, x, 5, 3, 2, 2, 1, PADDING_VALID, false, 1, ACT_SELU);
}

static int
case_conv_same_stride(Graph *g, int x)
{
	return graph_conv2d(g, NULL, x, 3, 5, 5, 2, 2, PADDING_SAME, true, 1, ACT_SIGMOID);
}

static int
case_conv_groups(Graph *g, int x)
{
	return graph_conv2d(g, NULL, x, 6, 3, 3, 1, 1, PADDING_SAME, true, 2, ACT_TANH);
}

static int
case_conv_pointwise(Graph *g, int x)
{
	return graph_conv2d(g, NULL, x, 5, 1, 1, 1, 1, PADDING_VALID, true, 1, ACT_GELU);
}

static int
case_conv_pointwise_stride(Graph *g, int x)
{
	return graph_conv2d(g, NULL, x, 5, 1, 1, 2, 2, PADDING_VALID, false, 1, ACT_ELU);
}

static int
case_depthwise(Graph *g, int x)
{
	return graph_depthwise_conv2d(g, NULL, x, 3, 3, 1, 1, PADDING_SAME, 1, false, ACT_TANH);
}

static int
case_depthwise_multiplier(Graph *g, int x)
{
	return graph_depthwise_conv2d(g, NULL, x, 3, 2, 2, 2, PADDING_VALID, 2, true, ACT_LINEAR);
}

static int
case_separable(Graph *g, int x)
{
	return graph_separable_conv2d(g, NULL, x, 5, 3, 3, 1, 1, PADDING_SAME, true, ACT_SELU);
}

static int
case_separable_stride(Graph *g, int x)
{
	return graph_separable_conv2d(g, NULL, x, 3, 3, 3, 2, 2, PADDING_SAME, false, ACT_LINEAR);
}

static int
case_zero_padding(Graph *g, int x)
{
	x = graph_zero_padding2d(g, NULL, x, 1, 2, 0, 1);
	return graph_conv2d(g, NULL, x, 2, 3, 3, 2, 2, PADDING_VALID, true, 1, ACT_TANH);
}

static int
case_max_pool(Graph *g, int x)
{
	return graph_max_pooling2d(g, NULL, x, 2, 2, 2, 2, PADDING_VALID);
}

static int
case_max_pool_same(Graph *g, int x)
{
	return graph_max_pooling2d(g, NULL, x, 3, 3, 2, 2, PADDING_SAME);
}

static int
case_avg_pool(Graph *g, int x)
{
	return graph_average_pooling2d(g, NULL, x, 3, 3, 1, 1, PADDING_VALID);
}

static int
case_avg_pool_same(Graph *g, int x)
{
	return graph_average_pooling2d(g, NULL, x, 2, 2, 2, 2, PADDING_SAME);
}

static int
case_global_avg(Graph *g, int x)
{
	return graph_global_average_pooling2d(g, NULL, x);
}

static int
case_global_max(Graph *g, int x)
{
	return graph_global_max_pooling2d(g, NULL, x);
}

static int
case_batchnorm(Graph *g, int x)
{
	x = graph_batch_normalization(g, NULL, x, GRAPH_BN_MOMENTUM, GRAPH_BN_EPSILON);
	return graph_activation(g, NULL, x, ACT_TANH);
}

static int
case_batchnorm_flat(Graph *g, int x)
{
	x = graph_global_average_pooling2d(g, NULL, x);
	x = graph_dense(g, NULL, x, 5, ACT_LINEAR, false);
	return graph_batch_normalization(g, NULL, x, GRAPH_BN_MOMENTUM, GRAPH_BN_EPSILON);
}

static int
case_add(Graph *g, int x)
{
	int			y = graph_conv2d(g, NULL, x, 4, 3, 3, 1, 1, PADDING_SAME, true, 1, ACT_TANH);
	int			z = graph_conv2d(g, NULL, x, 4, 1, 1, 1, 1, PADDING_VALID, false, 1, ACT_LINEAR);

	x = graph_add(g, NULL, y, x);
	return graph_add(g, NULL, x, z);
}

static int
case_activations(Graph *g, int x)
{
	for (int a = ACT_RELU; a <= ACT_LINEAR; a++)
		if (a != ACT_RELU)
			x = graph_activation(g, NULL, x, (Activation) a);
	return x;
}

static int
case_dropout(Graph *g, int x)
{
	return graph_dropout(g, NULL, x, 0.3);
}

static int
case_alpha_dropout(Graph *g, int x)
{
	return graph_alpha_dropout(g, NULL, x, 0.2);
}

static int
case_dense_per_pixel(Graph *g, int x)
{
	return graph_dense(g, NULL, x, 3, ACT_TANH, true);
}

TEST(test_layer_gradients)
{
	static const struct
	{
		const char *name;
		LayerCase	build;
	}			cases[] = {
		{"Conv2D valid stride", case_conv_valid_stride},
		{"Conv2D same stride", case_conv_same_stride},
		{"Conv2D groups", case_conv_groups},
		{"Conv2D 1x1", case_conv_pointwise},
		{"Conv2D 1x1 stride", case_conv_pointwise_stride},
		{"DepthwiseConv2D", case_depthwise},
		{"DepthwiseConv2D multiplier", case_depthwise_multiplier},
		{"SeparableConv2D", case_separable},
		{"SeparableConv2D stride", case_separable_stride},
		{"ZeroPadding2D", case_zero_padding},
		{"MaxPooling2D", case_max_pool},
		{"MaxPooling2D same", case_max_pool_same},
		{"AveragePooling2D", case_avg_pool},
		{"AveragePooling2D same", case_avg_pool_same},
		{"GlobalAveragePooling2D", case_global_avg},
		{"GlobalMaxPooling2D", case_global_max},
		{"BatchNormalization", case_batchnorm},
		{"BatchNormalization flat", case_batchnorm_flat},
		{"Add", case_add},
		{"Activation", case_activations},
		{"Dropout", case_dropout},
		{"AlphaDropout", case_alpha_dropout},
		{"Dense per pixel", case_dense_per_pixel},
	};

	for (int i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++)
	{
		int			bad = layers_grad_check(cases[i].build, cases[i].name);

		if (bad)
			printf("  %s: %d bad gradients\n", cases[i].name, bad);
		CHECK(bad == 0);
	}
}

/* the same with im2col one example at a time: chunks accumulate dW */
TEST(test_conv_gradients_in_chunks)
{
	int			keep = layer_conv_col_target;
	LayerCase	cases[] = {case_conv_valid_stride, case_conv_same_stride,
	case_conv_groups, case_zero_padding};

	layer_conv_col_target = 1;
	for (int i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++)
		CHECK(layers_grad_check(cases[i], "chunked Conv2D") == 0);
	layer_conv_col_target = keep;
}

/* ---- forward values against direct loops ---- */

static float
ref_at(const float *x, int H, int W, int C, int n, int y, int xx, int c)
{
	if (y < 0 || y >= H || xx < 0 || xx >= W)
		return 0.0f;
	return x[(((int64_t) n * H + y) * W + xx) * C + c];
}

TEST(test_conv_forward_matches_definition)
{
	/* Conv2D 3x2 kernel, strides (2, 1), same, 2 groups, 6 filters */
	Graph	   *g = graph_create();
	int			in = graph_input(g, NULL, (GraphShape) {3, 7, 6, 4});
	int			id = graph_conv2d(g, NULL, in, 6, 3, 2, 2, 1, PADDING_SAME, true, 2, ACT_LINEAR);
	const GraphLayer *l = &g->layers[id];
	int			H = 7,
				W = 6,
				C = 4,
				F = 6,
				cg = 2,
				fg = 3;
	float	   *params = core_alloc(g->nparams * sizeof(float));
	float	   *x = core_alloc(2 * H * W * C * sizeof(float));
	float	   *y = core_alloc(2 * graph_shape_size(l->out) * sizeof(float));
	float	   *col = core_alloc(1 << 16);
	uint64_t	s = 3;
	double		worst = 0.0;

	CHECK(l->out.h == 4 && l->out.w == 6 && l->out.c == 6);
	/* same: total padding (4-1)*2+3-7 = 2 rows, 1 before; 1 column, 0 before */
	CHECK(l->pad[0] == 1 && l->pad[1] == 1 && l->pad[2] == 0 && l->pad[3] == 1);
	for (int64_t i = 0; i < g->nparams; i++)
		params[i] = (float) urand(&s);
	for (int i = 0; i < 2 * H * W * C; i++)
		x[i] = (float) urand(&s);
	layer_conv2d_forward(l, x, 2, params, y, NULL, col);
	for (int n = 0; n < 2; n++)
		for (int oy = 0; oy < 4; oy++)
			for (int ox = 0; ox < 6; ox++)
				for (int f = 0; f < F; f++)
				{
					int			grp = f / fg;
					double		sum = params[l->boff + f];

					for (int ky = 0; ky < 3; ky++)
						for (int kx = 0; kx < 2; kx++)
							for (int ci = 0; ci < cg; ci++)
								sum += ref_at(x, H, W, C, n, oy * 2 - 1 + ky, ox + kx, grp * cg + ci) *
									params[l->woff + ((ky * 2 + kx) * cg + ci) * F + f];
					worst = fmax(worst, fabs(sum - y[(((n * 4) + oy) * 6 + ox) * F + f]));
				}
	CHECK(worst < 1e-5);
	core_free(params);
	core_free(x);
	core_free(y);
	core_free(col);
	graph_free(g);
}

TEST(test_pool_forward_matches_definition)
{
	/* 3x3 windows, stride 2, same on 7x6: windows clipped at the edges */
	Graph	   *g = graph_create();
	int			in = graph_input(g, NULL, (GraphShape) {3, 7, 6, 2});
	int			mx = graph_max_pooling2d(g, NULL, in, 3, 3, 2, 2, PADDING_SAME);
	int			av = graph_average_pooling2d(g, NULL, in, 3, 3, 2, 2, PADDING_SAME);
	const GraphLayer *lm = &g->layers[mx];
	const GraphLayer *la = &g->layers[av];
	float		x[7 * 6 * 2];
	float		ym[4 * 3 * 2],
				ya[4 * 3 * 2];
	int32_t		arg[4 * 3 * 2];
	uint64_t	s = 8;
	double		worst = 0.0;

	CHECK(lm->out.h == 4 && lm->out.w == 3);
	for (int i = 0; i < 7 * 6 * 2; i++)
		x[i] = (float) urand(&s);
	layer_max_pool_forward(lm, x, 1, ym, arg);
	layer_avg_pool_forward(la, x, 1, ya);
	for (int oy = 0; oy < 4; oy++)
		for (int ox = 0; ox < 3; ox++)
			for (int c = 0; c < 2; c++)
			{
				double		mxv = -1e30,
							sum = 0.0;
				int			cnt = 0;

				/* total padding: rows (4-1)*2+3-7 = 2 (1 before), cols (3-1)*2+3-6 = 1 (0 before) */
				for (int ky = 0; ky < 3; ky++)
					for (int kx = 0; kx < 3; kx++)
					{
						int			iy = oy * 2 - 1 + ky,
									ix = ox * 2 + kx;

						if (iy < 0 || iy >= 7 || ix < 0 || ix >= 6)
							continue;
						mxv = fmax(mxv, x[(iy * 6 + ix) * 2 + c]);
						sum += x[(iy * 6 + ix) * 2 + c];
						cnt++;
					}
				worst = fmax(worst, fabs(mxv - ym[(oy * 3 + ox) * 2 + c]));
				worst = fmax(worst, fabs(sum / cnt - ya[(oy * 3 + ox) * 2 + c]));
			}
	CHECK(worst < 1e-6);
	graph_free(g);
}

TEST(test_shapes_and_names)
{
	Graph	   *g = graph_create();
	int			x = graph_input(g, NULL, (GraphShape) {3, 28, 28, 1});
	int			a;

	x = graph_zero_padding2d(g, "conv1_pad", x, 3, 3, 3, 3);
	x = graph_conv2d(g, "conv1_conv", x, 64, 7, 7, 2, 2, PADDING_VALID, true, 1, ACT_LINEAR);
	CHECK(g->layers[x].out.h == 14 && g->layers[x].out.c == 64);
	CHECK(g->layers[x].nparams == 3200);	/* 7*7*1*64 + 64 */
	CHECK_STR(graph_shape_text(g->layers[x].out), "(None, 14, 14, 64)");
	a = graph_batch_normalization(g, NULL, x, GRAPH_BN_MOMENTUM, GRAPH_BN_EPSILON);
	CHECK(g->layers[a].nparams == 128 && g->layers[a].nstate == 128);
	CHECK_STR(g->layers[a].name, "batch_normalization");
	a = graph_batch_normalization(g, NULL, a, GRAPH_BN_MOMENTUM, GRAPH_BN_EPSILON);
	CHECK_STR(g->layers[a].name, "batch_normalization_1");
	a = graph_separable_conv2d(g, NULL, a, 128, 3, 3, 1, 1, PADDING_SAME, false, ACT_LINEAR);
	CHECK(g->layers[a].nparams == 9 * 64 + 64 * 128);
	CHECK_STR(graph_layer_class(g->layers[a].kind), "SeparableConv2D");
	/* a name taken, shapes that do not add, an input too small */
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, graph_dense(g, "conv1_conv", a, 3, ACT_LINEAR, true));
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, graph_add(g, NULL, a, x));
	a = graph_max_pooling2d(g, NULL, a, 3, 3, 2, 2, PADDING_VALID);
	a = graph_max_pooling2d(g, NULL, a, 3, 3, 2, 2, PADDING_VALID);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 graph_conv2d(g, "too_far", a, 8, 3, 3, 1, 1, PADDING_VALID, true, 1, ACT_RELU));
	CHECK(strstr(core_test_last_detail, "too_far") != NULL);
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER,
				 graph_conv2d(g, NULL, a, 8, 3, 3, 1, 1, PADDING_SAME, true, 3, ACT_RELU));
	graph_free(g);
}

/* a conv graph survives the blob: same graph, same predictions */
/* a 3-class model of graph g on h x w x channels images (batch 4) */
static Model *
graph_classifier(Graph *g, ModelConfig *c, int h, int w, int channels)
{
	model_config_init(c, HYPERMODEL_MLP, 4);
	c->options.input_rank = 3;
	c->options.input_shape[0] = h;
	c->options.input_shape[1] = w;
	c->options.input_shape[2] = channels;
	return model_create_from_graph(g, c, TASK_CLASSIFICATION, 3);
}

TEST(test_conv_model_round_trip)
{
	Graph	   *g = graph_create();
	int			x = graph_input(g, NULL, (GraphShape) {3, 8, 8, 1});
	ModelConfig c;
	Model	   *m,
			   *back;
	DatasetEncoding e;
	FeatureSpec f;
	Dataset		d;
	Trainer    *t;
	EpochResult r;
	uint64_t	s = 17;
	void	   *blob,
			   *again;
	size_t		len,
				len2;
	float		p1[10 * 3],
				p2[10 * 3];
	static const char *classes[] = {"a", "b", "c"};

	x = graph_conv2d(g, NULL, x, 4, 3, 3, 1, 1, PADDING_SAME, false, 1, ACT_LINEAR);
	x = graph_batch_normalization(g, NULL, x, GRAPH_BN_MOMENTUM, GRAPH_BN_EPSILON);
	x = graph_activation(g, NULL, x, ACT_RELU);
	x = graph_max_pooling2d(g, NULL, x, 2, 2, 2, 2, PADDING_VALID);
	x = graph_separable_conv2d(g, NULL, x, 6, 3, 3, 1, 1, PADDING_SAME, true, ACT_RELU);
	x = graph_global_average_pooling2d(g, NULL, x);
	x = graph_dropout(g, NULL, x, 0.2);
	graph_dense(g, NULL, x, 3, ACT_LINEAR, true);
	m = graph_classifier(g, &c, 8, 8, 1);
	d.nrows = 10;
	d.ncols = 64;
	d.x = core_alloc(sizeof(float) * 640);
	d.y = core_alloc(sizeof(float) * 10);
	for (int i = 0; i < 640; i++)
		d.x[i] = (float) urand(&s);
	for (int i = 0; i < 10; i++)
		d.y[i] = (float) (i % 3);
	t = trainer_create(m, &d, NULL);
	trainer_run_epoch(t, &r);
	trainer_free(t);
	memset(&e, 0, sizeof(e));
	memset(&f, 0, sizeof(f));
	f.name = "pixels";
	f.kind = FEATURE_ARRAY;
	f.width = 64;
	e.nfeatures = 1;
	e.features = &f;
	e.ncols = 64;
	e.task = TASK_CLASSIFICATION;
	e.label_name = "y";
	e.nclasses = 3;
	e.classes = classes;
	blob = model_serialize(m, &e, &len);
	back = model_deserialize(blob, len, NULL);
	CHECK(back->graph->nlayers == m->graph->nlayers);
	CHECK(memcmp(back->state, m->state, m->nstate * sizeof(float)) == 0);
	/* the moving statistics moved away from 0 and 1 */
	CHECK(m->state[0] != 0.0f && m->state[4] != 1.0f);
	model_predict(m, d.x, 10, p1);
	model_predict(back, d.x, 10, p2);
	CHECK(memcmp(p1, p2, sizeof(p1)) == 0);
	again = model_serialize(back, &e, &len2);
	CHECK(len2 == len && memcmp(again, blob, len) == 0);
	model_free(m);
	model_free(back);
	free(blob);
	free(again);
	core_free(d.x);
	core_free(d.y);
}

/* hptune.max_memory's count: weights, optimizer state, a batch, inference */
/*
 * model_summary of a graph with a branch: Keras's Functional layout (the
 * Input listed, "Connected to" with one input per line), and a name and
 * class longer than the column carried over to the next line.
 */
TEST(test_functional_summary)
{
	Graph	   *g = graph_create();
	ModelConfig c;
	Model	   *m;
	char	  **lines;
	int			n;
	int			x = graph_input(g, NULL, (GraphShape) {3, 4, 4, 2});
	int			a = graph_conv2d(g, NULL, x, 2, 1, 1, 1, 1, PADDING_SAME, true, 1, ACT_LINEAR);
	int			b = graph_batch_normalization(g, "a_rather_long_block_name_bn", a,
											  GRAPH_BN_MOMENTUM, GRAPH_BN_EPSILON);

	x = graph_add(g, NULL, b, x);
	x = graph_flatten(g, NULL, x);
	graph_dense(g, NULL, x, 3, ACT_LINEAR, true);
	m = graph_classifier(g, &c, 4, 4, 2);
	lines = model_summary(m, &n);
	CHECK_STR(lines[0], "Model: \"functional\"");
	CHECK(strlen(lines[1]) == 98);
	CHECK_STR(lines[2], " Layer (type)                Output Shape              Param #   Connected to");
	CHECK_STR(lines[4], " input_layer (InputLayer)    (None, 4, 4, 2)           0         -");
	CHECK_STR(lines[6], " conv2d (Conv2D)             (None, 4, 4, 2)           6         input_layer[0][0]");
	CHECK_STR(lines[8], " a_rather_long_block_name_bn (None, 4, 4, 2)           8         conv2d[0][0]");
	CHECK_STR(lines[9], " (BatchNormalization)");
	CHECK_STR(lines[11], " add (Add)                   (None, 4, 4, 2)           0         "
			  "a_rather_long_block_name_bn[0][0],");
	CHECK_STR(lines[12], "                                                                 input_layer[0][0]");
	CHECK_STR(lines[n - 4], "Total params: 113 (452.00 B)");
	CHECK_STR(lines[n - 2], "Non-trainable params: 4 (16.00 B)");
	model_free(m);
}

TEST(test_training_bytes)
{
	Graph	   *g = graph_create();
	int			x = graph_input(g, NULL, (GraphShape) {1, 1, 1, 4});
	double		b2,
				b3;

	x = graph_dense(g, NULL, x, 5, ACT_RELU, true);
	graph_dense(g, NULL, x, 3, ACT_LINEAR, true);
	/*
	 * 43 parameters x (value, gradient, best copy, adam's two moments);
	 * per row the input (4) and each layer's output and gradient (2 x 8);
	 * predict's 256 rows of outputs (8)
	 */
	CHECK_NEAR(graph_training_bytes(g, 2, OPT_ADAM, 0.0),
			   4.0 * (43 * 5 + 20 * 2 + 8 * 256), 1e-9);
	CHECK_NEAR(graph_training_bytes(g, 2, OPT_SGD, 0.0),
			   4.0 * (43 * 3 + 20 * 2 + 8 * 256), 1e-9);
	/* predict's buffers: each layer's output, per row */
	CHECK_NEAR(graph_inference_bytes(g, 10), 4.0 * 8 * 10, 1e-9);
	graph_free(g);

	/* BN state, im2col scratch and a batch that grows linearly */
	g = graph_create();
	x = graph_input(g, NULL, (GraphShape) {3, 28, 28, 1});
	x = graph_conv2d(g, NULL, x, 8, 3, 3, 1, 1, PADDING_SAME, false, 1, ACT_LINEAR);
	x = graph_batch_normalization(g, NULL, x, GRAPH_BN_MOMENTUM, GRAPH_BN_EPSILON);
	b2 = graph_training_bytes(g, 2, OPT_ADAM, 0.0);
	b3 = graph_training_bytes(g, 3, OPT_ADAM, 0.0);
	/* one more row: input 784, conv out + grad 2 x 6272, BN out + grad + xhat 3 x 6272, col 2 x 7056 */
	CHECK_NEAR(b3 - b2, 4.0 * (784 + 5 * 6272 + 2 * 7056), 1e-6);
	/* and in inference: conv out, BN out and xhat, col (no gradients) */
	CHECK_NEAR(graph_inference_bytes(g, 3) - graph_inference_bytes(g, 2),
			   4.0 * (3 * 6272 + 7056), 1e-6);
	graph_free(g);
}

int
main(void)
{
	RUN(test_layer_gradients);
	RUN(test_conv_gradients_in_chunks);
	RUN(test_conv_forward_matches_definition);
	RUN(test_pool_forward_matches_definition);
	RUN(test_shapes_and_names);
	RUN(test_conv_model_round_trip);
	RUN(test_functional_summary);
	RUN(test_training_bytes);
	UNIT_DONE();
}
