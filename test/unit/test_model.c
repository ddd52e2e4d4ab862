/*
 * test_model.c
 *	  Unit tests of the model core: gradients against finite differences,
 *	  optimizer steps against hand computation, training that learns,
 *	  standardisation, divergence, shapes and summaries.  Metrics and
 *	  configuration are in test_model_config.c.
 */
#include "core/model_internal.h"
#include "unit.h"
#include "model_build.h"

#include <stdlib.h>

/* deterministic pseudo-random numbers in [-1, 1) */
static double
urand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double) (*s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

/*
 * Compare the trainer's gradient with central differences of the batch
 * loss for every parameter.  Float32 losses: eps 1e-3, relative error
 * below 1e-2 (with a small absolute floor for near-zero gradients).
 */
static int
grad_check(Model *m, Trainer *t, const Dataset *d)
{
	size_t		n;
	float	   *p = model_params(m, &n);
	float	   *g = core_alloc(n * sizeof(float));
	int			bad = 0;
	const float eps = 1e-3f;

	trainer_batch_gradient(t, d->x, d->y, (int) d->nrows, 7);
	memcpy(g, trainer_gradients(t), n * sizeof(float));
	for (size_t i = 0; i < n; i++)
	{
		float		keep = p[i];
		double		up,
					down,
					num;

		p[i] = keep + eps;
		up = trainer_batch_gradient(t, d->x, d->y, (int) d->nrows, 7);
		p[i] = keep - eps;
		down = trainer_batch_gradient(t, d->x, d->y, (int) d->nrows, 7);
		p[i] = keep;
		num = (up - down) / (2.0 * eps);
		if (fabs(num - g[i]) > 1e-2 * fmax(fabs(num), fabs(g[i])) + 2e-3)
		{
			if (bad < 5)
				printf("  param %zu: analytic %g numeric %g\n", i, g[i], num);
			bad++;
		}
	}
	core_free(g);
	return bad;
}

static int
grad_check_config(ModelConfig *c, TaskKind task, int nclasses)
{
	DatasetEncoding e = enc_make(4, task, nclasses);
	Dataset		d = data_make(6, 4);
	uint64_t	s = 12345;
	Model	   *m;
	Trainer    *t;
	int			bad;

	for (int i = 0; i < 24; i++)
		d.x[i] = (float) urand(&s);
	for (int i = 0; i < 6; i++)
		d.y[i] = task == TASK_CLASSIFICATION ? i % nclasses : (float) urand(&s) * 2.0f;
	c->batch_size = 6;
	c->shuffle = false;
	m = model_create(c, &e);
	/* non-zero biases, so their gradients matter */
	for (int l = 1; l < m->graph->nlayers; l++)
		for (int j = 0; j < m->graph->layers[l].units && m->graph->layers[l].boff >= 0; j++)
			m->params[m->graph->layers[l].boff + j] = (float) urand(&s) * 0.3f;
	t = trainer_create(m, &d, NULL);
	bad = grad_check(m, t, &d);
	trainer_free(t);
	model_free(m);
	return bad;
}

TEST(test_gradients_every_activation)
{
	for (int a = ACT_RELU; a <= ACT_LINEAR; a++)
	{
		ModelConfig c;
		int			bad;

		model_config_init(&c, HYPERMODEL_MLP, 6);
		c.num_layers = 2;
		c.units[0] = 5;
		c.units[1] = 3;
		c.activation = (Activation) a;
		c.seed = 3 + a;
		bad = grad_check_config(&c, TASK_CLASSIFICATION, 3);
		if (bad)
			printf("  activation %s: %d bad gradients\n", activation_name(c.activation), bad);
		CHECK(bad == 0);
	}
}

TEST(test_gradients_mse)
{
	ModelConfig c;

	model_config_init(&c, HYPERMODEL_MLP, 6);
	c.num_layers = 1;
	c.units[0] = 4;
	c.activation = ACT_TANH;
	CHECK(grad_check_config(&c, TASK_REGRESSION, 0) == 0);
	model_config_init(&c, HYPERMODEL_LINEAR, 6);
	CHECK(grad_check_config(&c, TASK_REGRESSION, 0) == 0);
	CHECK(grad_check_config(&c, TASK_CLASSIFICATION, 2) == 0);
}

TEST(test_gradients_penalties_and_dropout)
{
	ModelConfig c;

	model_config_init(&c, HYPERMODEL_MLP, 6);
	c.units[0] = 5;
	c.activation = ACT_SIGMOID;
	c.l2 = 0.05;
	CHECK(grad_check_config(&c, TASK_CLASSIFICATION, 3) == 0);
	c.l2 = 0.0;
	c.l1 = 0.05;
	CHECK(grad_check_config(&c, TASK_REGRESSION, 0) == 0);
	c.l1 = 0.0;
	c.num_layers = 2;
	c.units[1] = 6;
	c.activation = ACT_TANH;
	c.dropout_rate = 0.4;
	CHECK(grad_check_config(&c, TASK_CLASSIFICATION, 3) == 0);
}

TEST(test_penalty_value)
{
	float		w[3] = {1.0f, -2.0f, 0.5f};
	float		dw[3] = {0, 0, 0};
	double		pen = layer_kernel_penalty(w, dw, 3, 0.1f, 0.01f);

	/* 0.1 * 3.5 + 0.01 * 5.25 */
	CHECK_NEAR(pen, 0.35 + 0.0525, 1e-6);
	CHECK_NEAR(dw[1], -0.1 + 2 * 0.01 * -2.0, 1e-6);
}

/* run two optimizer steps on three parameters, compare with doubles */
TEST(test_optimizers_first_steps)
{
	const double g1[3] = {0.5, -1.0, 0.0};
	const double g2[3] = {0.25, 2.0, -0.1};
	const double p0[3] = {1.0, -0.5, 0.2};

	for (int kind = OPT_ADAM; kind <= OPT_ADAMW; kind++)
		for (int mom = 0; mom < 2; mom++)
		{
			ModelConfig c;
			Optimizer	o;
			float		p[3],
						g[3];
			double		e[3],
						s1[3] = {0, 0, 0},
						s2[3] = {0, 0, 0};
			double		lr = 0.1,
						momentum = mom ? 0.9 : 0.0;

			if (mom && kind != OPT_SGD && kind != OPT_RMSPROP)
				continue;
			model_config_init(&c, HYPERMODEL_MLP, 1);
			c.optimizer = (OptimizerKind) kind;
			c.learning_rate = lr;
			c.momentum = momentum;
			optim_init(&o, &c, 3);
			for (int i = 0; i < 3; i++)
			{
				p[i] = (float) p0[i];
				e[i] = p0[i];
				s1[i] = kind == OPT_ADAGRAD ? 0.1 : 0.0;
			}
			for (int step = 1; step <= 2; step++)
			{
				for (int i = 0; i < 3; i++)
				{
					double		gi = step == 1 ? g1[i] : g2[i];

					g[i] = (float) gi;
					switch (kind)
					{
						case OPT_SGD:
							if (mom)
							{
								s1[i] = momentum * s1[i] - lr * gi;
								e[i] += s1[i];
							}
							else
								e[i] -= lr * gi;
							break;
						case OPT_ADAM:
						case OPT_ADAMW:
							{
								double		alpha = lr * sqrt(1 - pow(0.999, step)) / (1 - pow(0.9, step));

								if (kind == OPT_ADAMW)
									e[i] -= e[i] * 0.004 * lr;
								s1[i] += (gi - s1[i]) * 0.1;
								s2[i] += (gi * gi - s2[i]) * 0.001;
								e[i] -= s1[i] * alpha / (sqrt(s2[i]) + 1e-7);
							}
							break;
						case OPT_RMSPROP:
							s1[i] = 0.9 * s1[i] + 0.1 * gi * gi;
							if (mom)
							{
								s2[i] = momentum * s2[i] + lr * gi / sqrt(s1[i] + 1e-7);
								e[i] -= s2[i];
							}
							else
								e[i] -= lr * gi / sqrt(s1[i] + 1e-7);
							break;
						case OPT_ADAGRAD:
							s1[i] += gi * gi;
							e[i] -= lr * gi / sqrt(s1[i] + 1e-7);
							break;
					}
				}
				optim_step(&o, p, g);
				for (int i = 0; i < 3; i++)
					CHECK_NEAR(p[i], e[i], 1e-5);
			}
			optim_free(&o);
		}
	/* Keras's first Adam step moves each weight by about lr */
	{
		ModelConfig c;
		Optimizer	o;
		float		p[1] = {0.0f},
					g[1] = {3.0f};

		model_config_init(&c, HYPERMODEL_MLP, 1);
		optim_init(&o, &c, 1);
		optim_step(&o, p, g);
		CHECK_NEAR(p[0], -1e-3, 1e-7);
	}
}

/*
 * The vector paths and the scalar tail must agree: 37 equal parameters with
 * equal gradients (lanes 0..31 go through SIMD, 32..36 through the tail).
 */
TEST(test_optimizer_vector_matches_scalar)
{
	for (int kind = OPT_ADAM; kind <= OPT_ADAMW; kind++)
	{
		ModelConfig c;
		Optimizer	o;
		int			n = 37;
		float		p[37],
					g[37];

		model_config_init(&c, HYPERMODEL_MLP, 1);
		c.optimizer = (OptimizerKind) kind;
		optim_init(&o, &c, n);
		for (int i = 0; i < n; i++)
		{
			p[i] = 0.5f;
			g[i] = 0.25f;
		}
		for (int step = 0; step < 3; step++)
			optim_step(&o, p, g);
		for (int i = 1; i < n; i++)
			CHECK_NEAR(p[i], p[0], 1e-7);
		CHECK(p[0] != 0.5f);
		optim_free(&o);
	}
}

/* three Gaussian blobs in 2-D */
static Dataset
blobs(int64_t n, uint64_t seed)
{
	Dataset		d = data_make(n, 2);
	uint64_t	s = seed;
	static const float centers[3][2] = {{2, 2}, {-2, 2}, {0, -2}};

	for (int64_t i = 0; i < n; i++)
	{
		int			k = (int) (i % 3);

		d.x[2 * i] = centers[k][0] + 0.5f * (float) urand(&s);
		d.x[2 * i + 1] = centers[k][1] + 0.5f * (float) urand(&s);
		d.y[i] = (float) k;
	}
	return d;
}

TEST(test_training_separable_classification)
{
	Dataset		train = blobs(600, 1),
				val = blobs(150, 2);
	DatasetEncoding e = enc_make(2, TASK_CLASSIFICATION, 3);
	ModelConfig c;
	Model	   *m;
	Trainer    *t;
	EpochResult r;
	int			n;
	const char **names = model_metric_names(TASK_CLASSIFICATION, 3, true, &n);

	model_config_init(&c, HYPERMODEL_MLP, 32);
	c.units[0] = 16;
	c.learning_rate = 0.01;
	c.seed = 5;
	m = model_create(&c, &e);
	t = trainer_create(m, &train, &val);
	for (int epoch = 0; epoch < 10; epoch++)
		trainer_run_epoch(t, &r);
	CHECK(!r.diverged);
	CHECK(r.nmetrics == n);
	for (int i = 0; i < r.nmetrics && i < n; i++)
		CHECK_STR(r.metrics[i].name, names[i]);
	CHECK_STR(r.metrics[4].name, "val_accuracy");
	CHECK(r.metrics[1].value > 0.97);
	CHECK(r.metrics[4].value > 0.97);
	CHECK(r.metrics[3].value < 0.2);
	/* loss includes no penalty here: equals crossentropy */
	CHECK_NEAR(r.metrics[0].value, r.metrics[2].value, 1e-9);
	trainer_free(t);
}

/* calls, last batches_done and last batches of a batch hook */
static int64_t batches_seen[3];

static void
count_batches(void *arg, int64_t done, int64_t total)
{
	int64_t    *seen = arg;

	seen[0]++;
	seen[1] = done;
	seen[2] = total;
}

TEST(test_training_regression_reduces_mse)
{
	Dataset		d = data_make(500, 3);
	DatasetEncoding e = enc_make(3, TASK_REGRESSION, 0);
	uint64_t	s = 77;
	ModelConfig c;
	Model	   *m;
	Trainer    *t;
	EpochResult r;
	double		first;

	for (int i = 0; i < 500; i++)
	{
		for (int j = 0; j < 3; j++)
			d.x[i * 3 + j] = (float) urand(&s);
		d.y[i] = 2 * d.x[i * 3] - 3 * d.x[i * 3 + 1] + 1 + 0.05f * (float) urand(&s);
	}
	model_config_init(&c, HYPERMODEL_LINEAR, 16);
	c.learning_rate = 0.05;
	m = model_create(&c, &e);
	t = trainer_create(m, &d, &d);
	/* the batch hook sees every batch of the epoch: 500 rows of 16 are 32 */
	trainer_set_batch_hook(t, count_batches, batches_seen);
	trainer_run_epoch(t, &r);
	CHECK(batches_seen[0] == 32 && batches_seen[1] == 32 && batches_seen[2] == 32);
	trainer_set_batch_hook(t, NULL, NULL);
	first = r.metrics[1].value;
	for (int epoch = 0; epoch < 20; epoch++)
		trainer_run_epoch(t, &r);
	CHECK_STR(r.metrics[1].name, "mean_squared_error");
	CHECK(r.metrics[1].value < first / 10);
	CHECK_STR(r.metrics[8].name, "val_r2");
	CHECK(r.metrics[8].value > 0.99);
	/* the weights found are the generating ones */
	CHECK_NEAR(m->params[0], 2.0, 0.05);
	CHECK_NEAR(m->params[1], -3.0, 0.05);
	CHECK_NEAR(m->params[3], 1.0, 0.05);
}

TEST(test_normalize_stores_stats_and_predict_uses_them)
{
	Dataset		d = data_make(4, 2);
	DatasetEncoding e = enc_make(2, TASK_REGRESSION, 0);
	ModelConfig c;
	Model	   *m;
	Trainer    *t;
	float		xs[4][2] = {{1, 10}, {3, 10}, {5, 10}, {7, 10}};
	float		out1[4],
				out2[4],
				norm[8];
	const float *mean,
			   *scale;

	memcpy(d.x, xs, sizeof(xs));
	model_config_init(&c, HYPERMODEL_MLP, 4);
	c.normalize = true;
	m = model_create(&c, &e);
	CHECK(model_norm_mean(m) == NULL);
	t = trainer_create(m, &d, NULL);
	mean = model_norm_mean(m);
	scale = model_norm_scale(m);
	CHECK(mean != NULL);
	CHECK_NEAR(mean[0], 4.0, 1e-6);
	CHECK_NEAR(mean[1], 10.0, 1e-6);
	CHECK_NEAR(scale[0], 1.0 / sqrt(5.0), 1e-6);
	CHECK_NEAR(scale[1], 1.0, 0);	/* constant column */
	model_predict(m, d.x, 4, out1);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 2; j++)
			norm[i * 2 + j] = (xs[i][j] - mean[j]) * scale[j];
	{
		float	   *keep_mean = m->norm_mean;

		m->norm_mean = NULL;
		model_predict(m, norm, 4, out2);
		m->norm_mean = keep_mean;
	}
	for (int i = 0; i < 4; i++)
		CHECK_NEAR(out1[i], out2[i], 1e-6);
	trainer_free(t);
}

TEST(test_divergence_reported)
{
	Dataset		d = data_make(64, 2);
	DatasetEncoding e = enc_make(2, TASK_REGRESSION, 0);
	ModelConfig c;
	Model	   *m;
	Trainer    *t;
	EpochResult r = {0, NULL, false, 0.0};

	for (int i = 0; i < 64; i++)
	{
		d.x[2 * i] = 100.0f + i;
		d.x[2 * i + 1] = -50.0f;
		d.y[i] = 1e4f;
	}
	model_config_init(&c, HYPERMODEL_MLP, 8);
	c.optimizer = OPT_SGD;
	c.learning_rate = 1e3;
	m = model_create(&c, &e);
	t = trainer_create(m, &d, NULL);
	for (int i = 0; i < 3 && !r.diverged; i++)
		trainer_run_epoch(t, &r);
	CHECK(r.diverged);
	trainer_free(t);
}

TEST(test_model_shapes_and_summary)
{
	DatasetEncoding e = enc_make(784, TASK_CLASSIFICATION, 10);
	ModelConfig c;
	Model	   *m;
	char	  **lines;
	int			n;
	size_t		np;

	model_config_init(&c, HYPERMODEL_MLP, 32);
	c.units[0] = 256;
	c.dropout_rate = 0.25;
	m = model_create(&c, &e);
	model_params(m, &np);
	CHECK(np == 784 * 256 + 256 + 256 * 10 + 10);
	CHECK(model_num_outputs(m) == 10);
	lines = model_summary(m, &n);
	CHECK_STR(lines[0], "Model: \"sequential\"");
	CHECK_STR(lines[2], " Layer (type)                Output Shape              Param #");
	CHECK_STR(lines[4], " dense (Dense)               (None, 256)               200,960");
	CHECK_STR(lines[6], " dropout (Dropout)           (None, 256)               0");
	CHECK_STR(lines[8], " dense_1 (Dense)             (None, 10)                2,570");
	CHECK_STR(lines[n - 4], "Total params: 203,530 (795.04 KB)");
	CHECK_STR(lines[n - 3], "Trainable params: 203,530 (795.04 KB)");
	CHECK_STR(lines[n - 2], "Non-trainable params: 0 (0.00 B)");
	/* glorot: every kernel weight within sqrt(6 / (784 + 256)) */
	for (int i = 0; i < 784 * 256; i++)
		if (fabsf(m->params[i]) > sqrtf(6.0f / 1040.0f))
		{
			CHECK(false);
			break;
		}
	CHECK(m->params[784 * 256] == 0.0f);
	model_free(m);

	c.units[0] = 0;
	EXPECT_ERROR(CORE_ERR_INVALID_PARAMETER, model_create(&c, &e));
	c.units[0] = 65536;
	c.num_layers = 3;
	c.units[1] = c.units[2] = 65536;
	EXPECT_ERROR(CORE_ERR_PROGRAM_LIMIT, model_create(&c, &e));
}

TEST(test_predict_chunks_match_rows)
{
	DatasetEncoding e = enc_make(5, TASK_CLASSIFICATION, 4);
	ModelConfig c;
	Model	   *m;
	int			n = 600;
	float	   *x = core_alloc(n * 5 * sizeof(float));
	float	   *all = core_alloc(n * 4 * sizeof(float));
	float		one[4];
	uint64_t	s = 3;
	int			bad = 0;

	for (int i = 0; i < n * 5; i++)
		x[i] = (i % 7 == 0) ? 0.0f : (float) urand(&s);
	/* 32 units: masked remainders only; 200: a 128-column block and a tail */
	for (int units = 32; units <= 200; units += 168)
	{
		model_config_init(&c, HYPERMODEL_MLP, 32);
		c.num_layers = 2;
		c.units[0] = c.units[1] = units;
		m = model_create(&c, &e);
		model_predict(m, x, n, all);
		for (int r = 0; r < n; r++)
		{
			float		sum = 0;

			model_predict(m, x + r * 5, 1, one);
			for (int k = 0; k < 4; k++)
			{
				bad += fabsf(one[k] - all[r * 4 + k]) > 1e-5f;
				sum += one[k];
			}
			bad += fabsf(sum - 1.0f) > 1e-5f;
		}
		model_free(m);
	}
	CHECK(bad == 0);
}

TEST(test_data_checks)
{
	Dataset		d = blobs(30, 4);
	DatasetEncoding e = enc_make(2, TASK_CLASSIFICATION, 3);
	ModelConfig c;
	Model	   *m;
	Dataset		s = dataset_slice(&d, 10, 40);

	CHECK(s.nrows == 20 && s.x == d.x + 20 && s.y == d.y + 10);
	CHECK(dataset_bytes(10, 3) == 160);
	model_config_init(&c, HYPERMODEL_MLP, 8);
	m = model_create(&c, &e);
	d.y[5] = 3.0f;
	EXPECT_ERROR(CORE_ERR_DATA_EXCEPTION, trainer_create(m, &d, NULL));
	d.y[5] = 1.0f;
	d.x[7] = NAN;
	EXPECT_ERROR(CORE_ERR_DATA_EXCEPTION, trainer_create(m, &d, NULL));
	CHECK(strstr(core_test_last_detail, "Row 4 ") != NULL);
	d.x[7] = 0.0f;
	d.nrows = 0;
	EXPECT_ERROR(CORE_ERR_DATA_EXCEPTION, trainer_create(m, &d, NULL));
}

TEST(test_shuffle_is_seeded_permutation)
{
	int64_t		a[100],
				b[100];
	int			seen[100] = {0};
	bool		same = true;

	dataset_permutation(a, 100, 42, 0);
	dataset_permutation(b, 100, 42, 0);
	for (int i = 0; i < 100; i++)
	{
		CHECK(a[i] == b[i]);
		seen[a[i]]++;
	}
	for (int i = 0; i < 100; i++)
		CHECK(seen[i] == 1);
	dataset_permutation(b, 100, 42, 1);
	for (int i = 0; i < 100; i++)
		same = same && a[i] == b[i];
	CHECK(!same);
}

TEST(test_same_seed_same_training)
{
	Dataset		d = blobs(90, 8);
	DatasetEncoding e = enc_make(2, TASK_CLASSIFICATION, 3);
	ModelConfig c;
	Model	   *m1,
			   *m2;
	Trainer    *t1,
			   *t2;
	EpochResult r1,
				r2;

	model_config_init(&c, HYPERMODEL_MLP, 16);
	c.dropout_rate = 0.3;
	c.seed = 99;
	m1 = model_create(&c, &e);
	m2 = model_create(&c, &e);
	t1 = trainer_create(m1, &d, NULL);
	t2 = trainer_create(m2, &d, NULL);
	trainer_run_epoch(t1, &r1);
	trainer_run_epoch(t2, &r2);
	CHECK(r1.metrics[0].value == r2.metrics[0].value);
	CHECK(memcmp(m1->params, m2->params, m1->nparams * sizeof(float)) == 0);
}

int
main(void)
{
	RUN(test_gradients_every_activation);
	RUN(test_gradients_mse);
	RUN(test_gradients_penalties_and_dropout);
	RUN(test_penalty_value);
	RUN(test_optimizers_first_steps);
	RUN(test_optimizer_vector_matches_scalar);
	RUN(test_training_separable_classification);
	RUN(test_training_regression_reduces_mse);
	RUN(test_normalize_stores_stats_and_predict_uses_them);
	RUN(test_divergence_reported);
	RUN(test_model_shapes_and_summary);
	RUN(test_predict_chunks_match_rows);
	RUN(test_data_checks);
	RUN(test_shuffle_is_seeded_permutation);
	RUN(test_same_seed_same_training);
	UNIT_DONE();
}
