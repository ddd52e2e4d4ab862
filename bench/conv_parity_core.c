/*-------------------------------------------------------------------------
 *
 * conv_parity_core.c
 *	  One training-mode forward and backward pass of an image hypermodel's
 *	  network, written out for bench/conv_parity.py to repeat in PyTorch
 *	  with the same weights.
 *
 * The network is the one hptune builds for a 28x28x1 image and 10 classes
 * from the hyperparameters given on the command line (name=value; the rest
 * at the hypermodel's defaults), with its initial weights.  A batch of
 * random images goes forward with batch statistics (training mode), and a
 * random upstream gradient dL/dlogits comes back, so every weight gets a
 * gradient without a softmax in the way.  Written to <dir>:
 *
 *	 layers.tsv		one line per layer: its kind, name, inputs, shapes and
 *					settings, and where its weights are
 *	 params.bin		the trainable parameters (float32), as hptune lays them out
 *	 state.bin		the moving statistics before the pass
 *	 state_after.bin	... and after it
 *	 x.bin			the images (rows x 784, row-major NHWC)
 *	 upstream.bin	dL/dlogits (rows x 10)
 *	 logits.bin		the network's output
 *	 activations.bin	every layer's output (NHWC), in layer order
 *	 grads.bin		dL/dparams
 *
 * Usage: conv_parity_core <hypermodel> <dir> <rows> [name=value ...]
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hm_conv.h"
#include "core/model_internal.h"

#define SIDE 28
#define CLASSES 10

static uint64_t lcg_state = 0x9E3779B97F4A7C15ull;

/* uniform in [lo, hi), reproducible */
static float
uniform(float lo, float hi)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return lo + (hi - lo) * (float) ((lcg_state >> 40) / (double) (1ull << 24));
}

static void
write_floats(const char *dir, const char *name, const float *v, int64_t n)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(v, sizeof(float), (size_t) n, f) != (size_t) n)
	{
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fclose(f);
}

/* an int, a float or else text, as the value reads */
static HpValue
parse_value(const char *s)
{
	char	   *end;
	long long	i = strtoll(s, &end, 10);
	double		d;

	if (*s && *end == '\0')
		return hp_int_value(i);
	d = strtod(s, &end);
	if (*s && *end == '\0')
		return hp_float_value(d);
	if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
		return hp_bool_value(s[0] == 't');
	return hp_text_value(s);
}

static const char *
padding_name(GraphPadding p)
{
	return p == PADDING_SAME ? "same" : "valid";
}

static void
write_layers(const char *dir, const Graph *g)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/layers.tsv", dir);
	f = fopen(path, "w");
	if (f == NULL)
	{
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
	fprintf(f, "kind\tname\tin0\tin1\tin_h\tin_w\tin_c\tout_rank\tout_h\tout_w\tout_c"
			"\tunits\tkh\tkw\tsh\tsw\tpadding\tpad_t\tpad_b\tpad_l\tpad_r\tuse_bias"
			"\tgroups\tdm\tact\trate\tmomentum\tepsilon\twoff\tw2off\tboff\tnparams"
			"\tsoff\tnstate\n");
	for (int i = 0; i < g->nlayers; i++)
	{
		const GraphLayer *l = &g->layers[i];

		fprintf(f, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d"
				"\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%.17g\t%.17g\t%.17g"
				"\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\n",
				graph_layer_class(l->kind), l->name,
				l->ninputs > 0 ? l->inputs[0] : -1, l->ninputs > 1 ? l->inputs[1] : -1,
				l->in.h, l->in.w, l->in.c, l->out.rank, l->out.h, l->out.w, l->out.c,
				l->units, l->kernel[0], l->kernel[1], l->strides[0], l->strides[1],
				padding_name(l->padding), l->pad[0], l->pad[1], l->pad[2], l->pad[3],
				l->use_bias, l->groups, l->depth_multiplier, activation_name(l->act),
				l->rate, l->momentum, l->epsilon,
				(long long) l->woff, (long long) l->w2off, (long long) l->boff,
				(long long) l->nparams, (long long) l->soff, (long long) l->nstate);
	}
	fclose(f);
}

/* every layer's output after the forward pass, one after another */
static void
write_activations(const char *dir, const GraphExec *e, const Graph *g, int rows)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/activations.bin", dir);
	f = fopen(path, "wb");
	if (f == NULL)
	{
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
	for (int i = 0; i < g->nlayers; i++)
	{
		size_t		n = (size_t) rows * graph_shape_size(g->layers[i].out);

		if (fwrite(e->act[i], sizeof(float), n, f) != n)
		{
			fprintf(stderr, "cannot write %s\n", path);
			exit(1);
		}
	}
	fclose(f);
}

int
main(int argc, char **argv)
{
	HyperModelKind kind;
	ModelConfig cfg;
	HyperModelShape shape;
	Graph	   *g;
	Model	   *m;
	GraphExec  *e;
	const char *dir;
	int			rows;
	float	   *x;
	float	   *upstream;
	float	   *grads;
	const float *logits;

	if (argc < 4 || !hypermodel_from_name(argv[1], &kind))
	{
		fprintf(stderr, "usage: %s <resnet|xception|cnn> <dir> <rows> [name=value ...]\n", argv[0]);
		return 2;
	}
	dir = argv[2];
	rows = atoi(argv[3]);
	model_config_init(&cfg, kind, rows);
	for (int i = 4; i < argc; i++)
	{
		char	   *eq = strchr(argv[i], '=');

		if (eq == NULL)
		{
			fprintf(stderr, "not name=value: %s\n", argv[i]);
			return 2;
		}
		*eq = '\0';
		if (!model_config_set(&cfg, argv[i], parse_value(eq + 1)))
		{
			fprintf(stderr, "%s does not read %s\n", argv[1], argv[i]);
			return 2;
		}
	}
	cfg.seed = 1;

	g = graph_create();
	shape.input = (GraphShape) {3, SIDE, SIDE, 1};
	shape.outputs = CLASSES;
	shape.task = TASK_CLASSIFICATION;
	shape.include_top = true;
	hypermodel_defs[kind]->build(g, &cfg, &shape);
	m = model_create_from_graph(g, &cfg, TASK_CLASSIFICATION, CLASSES);

	x = malloc(sizeof(float) * rows * SIDE * SIDE);
	upstream = malloc(sizeof(float) * rows * CLASSES);
	grads = calloc(m->nparams, sizeof(float));
	for (int i = 0; i < rows * SIDE * SIDE; i++)
		x[i] = uniform(0.0f, 1.0f);
	for (int i = 0; i < rows * CLASSES; i++)
		upstream[i] = uniform(-1.0f, 1.0f);

	write_layers(dir, g);
	write_floats(dir, "params.bin", m->params, m->nparams);
	write_floats(dir, "state.bin", m->state, m->nstate);
	write_floats(dir, "x.bin", x, (int64_t) rows * SIDE * SIDE);
	write_floats(dir, "upstream.bin", upstream, (int64_t) rows * CLASSES);

	e = graph_exec_create(g, rows, true);
	logits = graph_exec_forward(e, m->params, m->state, x, rows);
	write_floats(dir, "logits.bin", logits, (int64_t) rows * CLASSES);
	write_activations(dir, e, g, rows);
	memcpy(graph_exec_output_grad(e), upstream, sizeof(float) * rows * CLASSES);
	graph_exec_backward(e, m->params, grads, rows);
	write_floats(dir, "grads.bin", grads, m->nparams);
	write_floats(dir, "state_after.bin", m->state, m->nstate);
	printf("%s: %d layers, %lld parameters, %lld moving statistics\n", argv[1],
		   g->nlayers, (long long) m->nparams, (long long) m->nstate);
	return 0;
}
