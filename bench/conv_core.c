/*-------------------------------------------------------------------------
 *
 * conv_core.c
 *	  Training epochs of a convolutional network in hptune's model core,
 *	  timed outside the server; driven by bench/conv_speed.py, which runs
 *	  the same network in PyTorch.
 *
 * The network is a built-in hypermodel with its default hyperparameters
 * (plus name=value overrides), built for input_shape 28x28x1 and 10
 * classes, or "smallcnn", a fixed network built here through the graph
 * API: Conv2D(32, 3, relu) MaxPool(2) Conv2D(64, 3, relu) MaxPool(2)
 * Flatten Dense(128, relu) Dropout(0.5) Dense(10); or "resnet50v2", Keras's
 * ResNet50V2 layout built here the same way (see resnet_v2).
 *
 * Data: the first `rows` Fashion-MNIST training images / 255.  Adam, lr as
 * configured, shuffled batches, one BLAS thread.  Every epoch is timed; the
 * line that conv_speed.py reads reports the second (the first pays for
 * page faults and warm-up).
 *
 * It also prints:
 *	 - the graph, one JSON object per line ("layer {...}"), from which
 *	   conv_speed.py builds the PyTorch network;
 *	 - the floating-point work of one epoch's products (forward, input and
 *	   weight gradients of every Dense and Conv2D), so the epoch's GFLOP/s
 *	   can be set against cblas_sgemm's own on the same shapes, which it
 *	   times in isolation ("sgemm_gflops");
 *	 - with --sweep, the epoch time for several im2col chunk sizes (how
 *	   many examples' patches one sgemm takes), the measurement behind
 *	   CONV_COL_TARGET in src/core/layers_conv.c.
 *
 * Usage: conv_core NETWORK BATCH ROWS EPOCHS [name=value ...] [--sweep]
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define DATA "/usr/share/datasets/fashion-mnist/"

extern void openblas_set_num_threads(int);

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned char *
read_idx(const char *path, int64_t *n, int64_t *itemsize)
{
	gzFile		f = gzopen(path, "rb");
	unsigned char head[4];
	int64_t		dims[4] = {1, 1, 1, 1};
	int64_t		total = 1;
	unsigned char *buf;

	if (f == NULL || gzread(f, head, 4) != 4)
	{
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	for (int i = 0; i < head[3]; i++)
	{
		unsigned char d[4];

		if (gzread(f, d, 4) != 4)
			exit(1);
		dims[i] = ((int64_t) d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3];
		total *= dims[i];
	}
	buf = malloc(total);
	if (gzread(f, buf, (unsigned) total) != (int) total)
		exit(1);
	gzclose(f);
	*n = dims[0];
	*itemsize = total / dims[0];
	return buf;
}

static Graph *
small_cnn(void)
{
	Graph	   *g = graph_create();
	int			x = graph_input(g, NULL, (GraphShape) {3, 28, 28, 1});

	x = graph_conv2d(g, NULL, x, 32, 3, 3, 1, 1, PADDING_VALID, true, 1, ACT_RELU);
	x = graph_max_pooling2d(g, NULL, x, 2, 2, 2, 2, PADDING_VALID);
	x = graph_conv2d(g, NULL, x, 64, 3, 3, 1, 1, PADDING_VALID, true, 1, ACT_RELU);
	x = graph_max_pooling2d(g, NULL, x, 2, 2, 2, 2, PADDING_VALID);
	x = graph_flatten(g, NULL, x);
	x = graph_dense(g, NULL, x, 128, ACT_RELU, true);
	x = graph_dropout(g, NULL, x, 0.5);
	graph_dense(g, NULL, x, 10, ACT_LINEAR, true);
	return g;
}

/* Keras's ResNetV2 block2 (pre-activation bottleneck) */
static int
resnet_block2(Graph *g, int x, int filters, int stride, bool conv_shortcut,
			  const char *name)
{
	char		n[GRAPH_MAX_NAME];
	int			preact,
				shortcut;

	snprintf(n, sizeof(n), "%s_preact_bn", name);
	preact = graph_batch_normalization(g, n, x, GRAPH_BN_MOMENTUM, 1.001e-5);
	snprintf(n, sizeof(n), "%s_preact_relu", name);
	preact = graph_activation(g, n, preact, ACT_RELU);
	snprintf(n, sizeof(n), "%s_0_conv", name);
	if (conv_shortcut)
		shortcut = graph_conv2d(g, n, preact, 4 * filters, 1, 1, stride, stride,
								PADDING_VALID, true, 1, ACT_LINEAR);
	else if (stride > 1)
		shortcut = graph_max_pooling2d(g, NULL, x, 1, 1, stride, stride, PADDING_VALID);
	else
		shortcut = x;
	snprintf(n, sizeof(n), "%s_1_conv", name);
	x = graph_conv2d(g, n, preact, filters, 1, 1, 1, 1, PADDING_VALID, false, 1, ACT_LINEAR);
	snprintf(n, sizeof(n), "%s_1_bn", name);
	x = graph_batch_normalization(g, n, x, GRAPH_BN_MOMENTUM, 1.001e-5);
	x = graph_activation(g, NULL, x, ACT_RELU);
	snprintf(n, sizeof(n), "%s_2_pad", name);
	x = graph_zero_padding2d(g, n, x, 1, 1, 1, 1);
	snprintf(n, sizeof(n), "%s_2_conv", name);
	x = graph_conv2d(g, n, x, filters, 3, 3, stride, stride, PADDING_VALID, false, 1, ACT_LINEAR);
	snprintf(n, sizeof(n), "%s_2_bn", name);
	x = graph_batch_normalization(g, n, x, GRAPH_BN_MOMENTUM, 1.001e-5);
	x = graph_activation(g, NULL, x, ACT_RELU);
	snprintf(n, sizeof(n), "%s_3_conv", name);
	x = graph_conv2d(g, n, x, 4 * filters, 1, 1, 1, 1, PADDING_VALID, true, 1, ACT_LINEAR);
	snprintf(n, sizeof(n), "%s_out", name);
	return graph_add(g, n, shortcut, x);
}

/*
 * Keras's ResNet50V2 layout with conv3/conv4 depths 4 and 6 (the issue's
 * ResNet-v2), for 28x28x1 and 10 classes: a stand-in with which the engine
 * can be timed before the resnet hypermodel is in the build.
 */
static Graph *
resnet_v2(void)
{
	static const int filters[] = {64, 128, 256, 512};
	static const int blocks[] = {3, 4, 6, 3};
	Graph	   *g = graph_create();
	int			x = graph_input(g, NULL, (GraphShape) {3, 28, 28, 1});

	x = graph_zero_padding2d(g, "conv1_pad", x, 3, 3, 3, 3);
	x = graph_conv2d(g, "conv1_conv", x, 64, 7, 7, 2, 2, PADDING_VALID, true, 1, ACT_LINEAR);
	x = graph_zero_padding2d(g, "pool1_pad", x, 1, 1, 1, 1);
	x = graph_max_pooling2d(g, "pool1_pool", x, 3, 3, 2, 2, PADDING_VALID);
	for (int s = 0; s < 4; s++)
		for (int b = 0; b < blocks[s]; b++)
		{
			char		name[32];

			snprintf(name, sizeof(name), "conv%d_block%d", s + 2, b + 1);
			x = resnet_block2(g, x, filters[s],
							  b == blocks[s] - 1 && s < 3 ? 2 : 1, b == 0, name);
		}
	x = graph_batch_normalization(g, "post_bn", x, GRAPH_BN_MOMENTUM, 1.001e-5);
	x = graph_activation(g, "post_relu", x, ACT_RELU);
	x = graph_global_average_pooling2d(g, "avg_pool", x);
	graph_dense(g, "predictions", x, 10, ACT_LINEAR, true);
	return g;
}

/* an HpValue from text: integer, number, boolean or text */
static HpValue
parse_value(const char *s)
{
	HpValue		v;
	char	   *end;

	memset(&v, 0, sizeof(v));
	v.i = strtoll(s, &end, 10);
	if (*s && *end == '\0')
	{
		v.type = HPV_INT;
		v.f = (double) v.i;
		return v;
	}
	v.f = strtod(s, &end);
	if (*s && *end == '\0')
	{
		v.type = HPV_FLOAT;
		return v;
	}
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
	{
		v.type = HPV_BOOL;
		v.b = s[0] == 't';
		return v;
	}
	v.type = HPV_TEXT;
	v.s = s;
	return v;
}

static Model *
build_model(const char *network, int batch, int argc, char **argv)
{
	ModelConfig c;
	HyperModelKind kind;
	DatasetEncoding enc;
	HpSpace		space;

	if (strcmp(network, "smallcnn") == 0 || strcmp(network, "resnet50v2") == 0)
	{
		model_config_init(&c, HYPERMODEL_MLP, batch);
		c.seed = 42;
		c.options.input_rank = 3;
		c.options.input_shape[0] = c.options.input_shape[1] = 28;
		c.options.input_shape[2] = 1;
		return model_create_from_graph(network[0] == 's' ? small_cnn() : resnet_v2(),
									   &c, TASK_CLASSIFICATION, 10);
	}
	if (!hypermodel_from_name(network, &kind))
	{
		fprintf(stderr, "unknown network \"%s\" (smallcnn, resnet50v2, %s)\n", network,
				hypermodel_names());
		exit(2);
	}
	model_config_init(&c, kind, batch);
	hypermodel_default_space(kind, &space);
	for (int i = 0; i < space.n; i++)
		if (space.hps[i].default_value.type != HPV_NONE)
			model_config_set(&c, space.hps[i].name, space.hps[i].default_value);
		else if (space.hps[i].kind == HP_CHOICE && space.hps[i].nchoices > 0)
			model_config_set(&c, space.hps[i].name, space.hps[i].choices[0]);
	for (int i = 0; i < argc; i++)
	{
		char	   *eq = strchr(argv[i], '=');

		if (eq == NULL)
			continue;
		*eq = '\0';
		model_config_set(&c, argv[i], parse_value(eq + 1));
	}
	c.batch_size = batch;
	c.seed = 42;
	c.options.input_rank = 3;
	c.options.input_shape[0] = c.options.input_shape[1] = 28;
	c.options.input_shape[2] = 1;
	memset(&enc, 0, sizeof(enc));
	enc.ncols = 784;
	enc.task = TASK_CLASSIFICATION;
	enc.nclasses = 10;
	return model_create(&c, &enc);
}

static void
dump_graph(const Model *m)
{
	const Graph *g = model_graph(m);

	printf("optimizer %s lr %.17g\n", optimizer_name(m->config.optimizer),
		   m->config.learning_rate);
	for (int i = 0; i < g->nlayers; i++)
	{
		const GraphLayer *l = &g->layers[i];

		printf("layer {\"kind\": \"%s\", \"name\": \"%s\", \"inputs\": [%d, %d], "
			   "\"in\": [%d, %d, %d, %d], \"out\": [%d, %d, %d, %d], \"units\": %d, "
			   "\"kernel\": [%d, %d], \"strides\": [%d, %d], \"pad\": [%d, %d, %d, %d], "
			   "\"use_bias\": %s, \"groups\": %d, \"depth_multiplier\": %d, "
			   "\"act\": \"%s\", \"rate\": %.17g, \"momentum\": %.17g, \"epsilon\": %.17g}\n",
			   graph_layer_class(l->kind), l->name,
			   l->ninputs > 0 ? l->inputs[0] : -1, l->ninputs > 1 ? l->inputs[1] : -1,
			   l->in.rank, l->in.h, l->in.w, l->in.c,
			   l->out.rank, l->out.h, l->out.w, l->out.c, l->units,
			   l->kernel[0], l->kernel[1], l->strides[0], l->strides[1],
			   l->pad[0], l->pad[1], l->pad[2], l->pad[3],
			   l->use_bias ? "true" : "false", l->groups, l->depth_multiplier,
			   activation_name(l->act), l->rate, l->momentum, l->epsilon);
	}
	printf("output %d params %lld\n", g->output, (long long) g->nparams);
}

/* the products of one layer for `rows` examples: M x N x K, per group */
typedef struct GemmShape
{
	int			m,
				n,
				k,
				count;			/* groups */
	bool		first;			/* no input gradient (after the Input) */
} GemmShape;

static int
gemm_shapes(const Model *m, int rows, GemmShape *out)
{
	const Graph *g = model_graph(m);
	int			n = 0;

	for (int i = 1; i < g->nlayers; i++)
	{
		const GraphLayer *l = &g->layers[i];

		if (l->kind == LAYER_DENSE)
			out[n++] = (GemmShape) {rows * l->out.h * l->out.w, l->units, l->in.c, 1,
			l->inputs[0] == 0};
		else if (l->kind == LAYER_CONV2D)
			out[n++] = (GemmShape) {rows * l->out.h * l->out.w, l->units / l->groups,
				l->kernel[0] * l->kernel[1] * (l->in.c / l->groups), l->groups,
			l->inputs[0] == 0};
		else if (l->kind == LAYER_SEPARABLE_CONV2D)
			out[n++] = (GemmShape) {rows * l->out.h * l->out.w, l->units, l->in.c, 1, false};
	}
	return n;
}

/* flops of forward + weight gradient + input gradient of the products */
static double
gemm_flops(const GemmShape *s, int n)
{
	double		f = 0.0;

	for (int i = 0; i < n; i++)
		f += 2.0 * s[i].m * s[i].n * s[i].k * s[i].count * (s[i].first ? 2 : 3);
	return f;
}

/* cblas_sgemm alone on the same products, as training calls them */
static double
sgemm_gflops(const GemmShape *s, int n)
{
	double		flops = 0.0,
				secs = 0.0;

	for (int i = 0; i < n; i++)
	{
		int			M = s[i].m,
					N = s[i].n,
					K = s[i].k;
		float	   *a = calloc((size_t) M * K, sizeof(float));
		float	   *b = calloc((size_t) K * N, sizeof(float));
		float	   *c = calloc((size_t) M * N, sizeof(float));
		float	   *da = calloc((size_t) M * K, sizeof(float));
		float	   *db = calloc((size_t) K * N, sizeof(float));
		int			reps = 0;
		double		t0;

		for (size_t j = 0; j < (size_t) M * K; j++)
			a[j] = (float) (j % 7) * 0.1f;
		for (size_t j = 0; j < (size_t) K * N; j++)
			b[j] = (float) (j % 5) * 0.1f;
		t0 = now();
		do
		{
			for (int gi = 0; gi < s[i].count; gi++)
			{
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K,
							1.0f, a, K, b, N, 0.0f, c, N);
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, M,
							1.0f, a, K, c, N, 0.0f, db, N);
				if (!s[i].first)
					cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, K, N,
								1.0f, c, N, b, N, 0.0f, da, K);
			}
			reps++;
		} while (now() - t0 < 0.05);
		secs += (now() - t0) / reps;
		flops += gemm_flops(&s[i], 1);
		free(a);
		free(b);
		free(c);
		free(da);
		free(db);
	}
	return flops / secs / 1e9;
}

int
main(int argc, char **argv)
{
	const char *network = argc > 1 ? argv[1] : "smallcnn";
	int			batch = argc > 2 ? atoi(argv[2]) : 32;
	int64_t		rows = argc > 3 ? atoll(argv[3]) : 10000;
	int			epochs = argc > 4 ? atoi(argv[4]) : 2;
	bool		sweep = argc > 5 && strcmp(argv[argc - 1], "--sweep") == 0;
	int64_t		n,
				width,
				nl,
				one;
	unsigned char *img = read_idx(DATA "train-images-idx3-ubyte.gz", &n, &width);
	unsigned char *lab = read_idx(DATA "train-labels-idx1-ubyte.gz", &nl, &one);
	float	   *x = malloc(n * width * sizeof(float));
	float	   *y = malloc(n * sizeof(float));
	Dataset		train;
	Model	   *m;
	Trainer    *t;
	double		second = 0.0;
	GemmShape	shapes[GRAPH_MAX_LAYERS];
	int			nshapes;
	double		flops;

	openblas_set_num_threads(1);
	for (int64_t i = 0; i < n * width; i++)
		x[i] = img[i] / 255.0f;
	for (int64_t i = 0; i < n; i++)
		y[i] = lab[i];
	if (rows > n)
		rows = n;
	train.nrows = rows;
	train.ncols = (int) width;
	train.x = x;
	train.y = y;
	m = build_model(network, batch, argc > 5 ? argc - 5 : 0, argv + 5);
	dump_graph(m);
	t = trainer_create(m, &train, NULL);
	for (int e = 0; e < epochs; e++)
	{
		EpochResult r;
		double		t0 = now();
		double		secs;

		trainer_run_epoch(t, &r);
		secs = now() - t0;
		if (e == 1 || epochs == 1)
			second = secs;
		printf("epoch %d: %.3f s loss %.4f accuracy %.4f\n", e + 1, secs,
			   r.metrics[0].value, r.metrics[1].value);
		fflush(stdout);
	}
	nshapes = gemm_shapes(m, batch, shapes);
	flops = gemm_flops(shapes, nshapes) * ((double) rows / batch);
	printf("core network=%s batch=%d rows=%lld epoch_seconds=%.4f gemm_gflop=%.3f "
		   "gflops=%.2f sgemm_gflops=%.2f\n",
		   network, batch, (long long) rows, second, flops / 1e9,
		   flops / second / 1e9, sgemm_gflops(shapes, nshapes));
	if (sweep)
	{
		static const int targets[] = {1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22, 1 << 26};

		for (int i = 0; i < (int) (sizeof(targets) / sizeof(targets[0])); i++)
		{
			EpochResult r;
			double		t0;

			/* the scratch is sized when the trainer is made */
			trainer_free(t);
			layer_conv_col_target = targets[i];
			t = trainer_create(m, &train, NULL);
			trainer_run_epoch(t, &r);
			t0 = now();
			trainer_run_epoch(t, &r);
			printf("sweep col_target=%d epoch_seconds=%.4f\n", targets[i], now() - t0);
			fflush(stdout);
		}
	}
	trainer_free(t);
	model_free(m);
	return 0;
}
