/*
 * gen_corpus.c
 *	  Writes valid model blobs into a directory, as the fuzzer's seed
 *	  corpus: mlp and linear, classification and regression, with and
 *	  without normalisation and vocabularies, and every feature kind
 *	  interleaved.
 */
#include "core/graph.h"
#include "core/model_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *vocab[] = {"a", "bb"};
static const char *classes[] = {"no", "yes", "maybe"};

static void
gen_write(const char *dir, int n, const void *blob, size_t len)
{
	char		path[512];
	FILE	   *fp;

	snprintf(path, sizeof(path), "%s/seed_%d", dir, n);
	fp = fopen(path, "wb");
	if (fp == NULL || fwrite(blob, 1, len, fp) != len)
	{
		perror(path);
		exit(1);
	}
	fclose(fp);
}

/*
 * Every feature kind, interleaved as a query returns them (text, array,
 * boolean, text, number), with imputation: the layout the loader builds,
 * dense columns first, so that mutations reach every rule of the feature
 * descriptions.
 */
static int
gen_mixed(const char *dir, int count)
{
	static const char *colors[] = {"blue", "green", "red"};
	static const char *sizes[] = {"L", "S"};
	FeatureSpec f[5];
	DatasetEncoding e;
	ModelConfig c;
	Model	   *m;
	void	   *blob;
	size_t		len;

	memset(f, 0, sizeof(f));
	f[0] = (FeatureSpec) {.name = "color",.kind = FEATURE_ONEHOT,.offset = 4,.width = 3,
	.nvocab = 3,.vocab = colors};
	f[1] = (FeatureSpec) {.name = "pixels",.kind = FEATURE_ARRAY,.offset = 0,.width = 2,
	.has_impute = true,.impute_value = 0.5f};
	f[2] = (FeatureSpec) {.name = "indoor",.kind = FEATURE_BOOLEAN,.offset = 2,.width = 1};
	f[3] = (FeatureSpec) {.name = "size",.kind = FEATURE_ONEHOT,.offset = 7,.width = 2,
	.nvocab = 2,.vocab = sizes};
	f[4] = (FeatureSpec) {.name = "n",.kind = FEATURE_NUMERIC,.offset = 3,.width = 1};
	memset(&e, 0, sizeof(e));
	e.nfeatures = 5;
	e.features = f;
	e.ncols = 9;
	for (int task = 0; task < 2; task++)
	{
		e.task = (TaskKind) task;
		e.label_name = "label";
		e.label_type = task == 0 ? "text" : NULL;
		e.nclasses = task == 0 ? 2 : 0;
		e.classes = task == 0 ? classes : NULL;
		model_config_init(&c, HYPERMODEL_LINEAR, 4);
		m = model_create(&c, &e);
		blob = model_serialize(m, &e, &len);
		gen_write(dir, count++, blob, len);
	}
	return count;
}

/* image graphs: every layer kind, trained one epoch so BN statistics move */
static int
gen_graphs(const char *dir, int count)
{
	for (int variant = 0; variant < 2; variant++)
	{
		Graph	   *g = graph_create();
		int			x = graph_input(g, NULL, (GraphShape) {3, 5, 4, 1});
		int			y;
		FeatureSpec f;
		DatasetEncoding e;
		ModelConfig c;
		Model	   *m;
		Trainer    *t;
		EpochResult r;
		Dataset		d;
		float		xs[6 * 20];
		float		ys[6];
		void	   *blob;
		size_t		len;

		if (variant == 0)
		{
			x = graph_zero_padding2d(g, NULL, x, 1, 0, 0, 1);
			x = graph_conv2d(g, "c1", x, 2, 3, 3, 2, 1, PADDING_SAME, false, 1, ACT_LINEAR);
			x = graph_batch_normalization(g, NULL, x, GRAPH_BN_MOMENTUM, GRAPH_BN_EPSILON);
			x = graph_activation(g, NULL, x, ACT_RELU);
			y = graph_depthwise_conv2d(g, NULL, x, 2, 2, 1, 1, PADDING_SAME, 1, true, ACT_TANH);
			x = graph_add(g, NULL, x, y);
			x = graph_max_pooling2d(g, NULL, x, 2, 2, 1, 1, PADDING_VALID);
			x = graph_global_average_pooling2d(g, NULL, x);
			x = graph_dropout(g, NULL, x, 0.1);
		}
		else
		{
			x = graph_conv2d(g, NULL, x, 2, 1, 1, 1, 1, PADDING_VALID, true, 1, ACT_SELU);
			graph_set_init(g, x, INIT_LECUN_NORMAL);
			x = graph_separable_conv2d(g, NULL, x, 2, 3, 3, 1, 1, PADDING_SAME, true, ACT_GELU);
			x = graph_average_pooling2d(g, NULL, x, 2, 2, 2, 2, PADDING_SAME);
			x = graph_global_max_pooling2d(g, NULL, x);
			x = graph_alpha_dropout(g, NULL, x, 0.1);
			x = graph_flatten(g, NULL, x);
		}
		graph_dense(g, NULL, x, 2, ACT_LINEAR, true);
		memset(&f, 0, sizeof(f));
		f.name = "pixels";
		f.kind = FEATURE_ARRAY;
		f.width = 20;
		memset(&e, 0, sizeof(e));
		e.nfeatures = 1;
		e.features = &f;
		e.ncols = 20;
		e.task = TASK_CLASSIFICATION;
		e.label_name = "label";
		e.nclasses = 2;
		e.classes = classes;
		for (int i = 0; i < 120; i++)
			xs[i] = (float) ((i * 7) % 5);
		for (int i = 0; i < 6; i++)
			ys[i] = (float) (i % 2);
		d.nrows = 6;
		d.ncols = 20;
		d.x = xs;
		d.y = ys;
		model_config_init(&c, HYPERMODEL_MLP, 3);
		c.options.input_rank = 3;
		c.options.input_shape[0] = 5;
		c.options.input_shape[1] = 4;
		c.options.input_shape[2] = 1;
		m = model_create_from_graph(g, &c, TASK_CLASSIFICATION, 2);
		t = trainer_create(m, &d, NULL);
		trainer_run_epoch(t, &r);
		blob = model_serialize(m, &e, &len);
		gen_write(dir, count++, blob, len);
	}
	return count;
}

/* the version-1 blobs kept by the unit tests */
static int
gen_v1(const char *dir, int count)
{
	static const char *names[] = {"mlp_v1", "linear_v1"};

	for (int i = 0; i < 2; i++)
	{
		char		path[512];
		char		buf[8192];
		FILE	   *fp;
		size_t		len;

		snprintf(path, sizeof(path), "../unit/data/%s.blob", names[i]);
		fp = fopen(path, "rb");
		if (fp == NULL)
		{
			perror(path);
			exit(1);
		}
		len = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		gen_write(dir, count++, buf, len);
	}
	return count;
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "corpus";
	int			count = 0;

	for (int kind = 0; kind < 2; kind++)
		for (int task = 0; task < 2; task++)
			for (int norm = 0; norm < 2; norm++)
			{
				FeatureSpec f[2];
				DatasetEncoding e;
				ModelConfig c;
				Model	   *m;
				Trainer    *t;
				EpochResult r;
				Dataset		d;
				float		x[8 * 3];
				float		y[8];
				void	   *blob;
				size_t		len;
				char		path[512];
				FILE	   *fp;

				memset(f, 0, sizeof(f));
				f[0].name = "n";
				f[0].kind = FEATURE_NUMERIC;
				f[0].width = 1;
				f[1].name = "cat";
				f[1].kind = FEATURE_ONEHOT;
				f[1].offset = 1;
				f[1].width = 2;
				f[1].nvocab = 2;
				f[1].vocab = vocab;
				memset(&e, 0, sizeof(e));
				e.nfeatures = 2;
				e.features = f;
				e.ncols = 3;
				e.task = (TaskKind) task;
				e.label_name = "label";
				e.label_type = task == 0 ? "text" : "float8";
				e.nclasses = task == 0 ? (norm ? 3 : 2) : 0;
				e.classes = task == 0 ? classes : NULL;
				for (int i = 0; i < 24; i++)
					x[i] = (float) ((i * 7) % 5);
				for (int i = 0; i < 8; i++)
					y[i] = task == 0 ? (float) (i % e.nclasses) : (float) i;
				d.nrows = 8;
				d.ncols = 3;
				d.x = x;
				d.y = y;
				model_config_init(&c, (HyperModelKind) kind, 4);
				c.normalize = norm;
				if (kind == 0)
				{
					c.num_layers = 2;
					c.units[0] = 3;
					c.units[1] = 2;
				}
				m = model_create(&c, &e);
				t = trainer_create(m, &d, NULL);
				trainer_run_epoch(t, &r);
				blob = model_serialize(m, &e, &len);
				snprintf(path, sizeof(path), "%s/seed_%d", dir, count++);
				fp = fopen(path, "wb");
				if (fp == NULL || fwrite(blob, 1, len, fp) != len)
				{
					perror(path);
					return 1;
				}
				fclose(fp);
			}
	count = gen_mixed(dir, count);
	count = gen_graphs(dir, count);
	count = gen_v1(dir, count);
	printf("%d seeds written to %s\n", count, dir);
	return 0;
}
