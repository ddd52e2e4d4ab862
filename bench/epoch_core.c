/*-------------------------------------------------------------------------
 *
 * epoch_core.c
 *	  One training epoch of hptune's model core, timed outside the server;
 *	  the peer of bench/epoch_torch.py.
 *
 * Same recipe as the PyTorch script: Fashion-MNIST, the first 50,000
 * training images to train on and the last 10,000 to validate, pixels / 255
 * as float32, a 784-256(relu)-10 softmax network, Adam (lr 1e-3), shuffled
 * batches, one BLAS thread.  The timed part is trainer_run_epoch without a
 * validation set (as the torch loop times only training); validation
 * accuracy is measured after each epoch, untimed.  It then times
 * model_predict one row per call, as hptune.predict() does from SQL.
 *
 * Usage: epoch_core [batch_size] [epochs]
 * Build and compare with bench/run_epoch.sh.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model.h"

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

/* an idx file (gzip) into a malloc'd byte array; *n gets the item count */
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

int
main(int argc, char **argv)
{
	int			batch = argc > 1 ? atoi(argv[1]) : 32;
	int			epochs = argc > 2 ? atoi(argv[2]) : 3;
	int64_t		n,
				width,
				nl,
				one;
	unsigned char *img = read_idx(DATA "train-images-idx3-ubyte.gz", &n, &width);
	unsigned char *lab = read_idx(DATA "train-labels-idx1-ubyte.gz", &nl, &one);
	float	   *x = malloc(n * width * sizeof(float));
	float	   *y = malloc(n * sizeof(float));
	Dataset		all,
				train,
				val;
	DatasetEncoding enc;
	ModelConfig c;
	Model	   *m;
	Trainer    *t;
	double	   *times = malloc(epochs * sizeof(double));
	double		acc = 0.0;

	openblas_set_num_threads(1);
	for (int64_t i = 0; i < n * width; i++)
		x[i] = img[i] / 255.0f;
	for (int64_t i = 0; i < n; i++)
		y[i] = lab[i];
	all.nrows = n;
	all.ncols = (int) width;
	all.x = x;
	all.y = y;
	train = dataset_slice(&all, 0, 50000);
	val = dataset_slice(&all, 50000, n);

	memset(&enc, 0, sizeof(enc));
	enc.ncols = (int) width;
	enc.task = TASK_CLASSIFICATION;
	enc.nclasses = 10;
	model_config_init(&c, HYPERMODEL_MLP, batch);
	c.units[0] = 256;
	c.seed = 42;
	m = model_create(&c, &enc);
	t = trainer_create(m, &train, NULL);

	for (int e = 0; e < epochs; e++)
	{
		EpochResult r;
		EpochResult ev;
		double		t0 = now();

		trainer_run_epoch(t, &r);
		times[e] = now() - t0;
		model_evaluate(m, &val, TASK_CLASSIFICATION, &ev);
		acc = ev.metrics[1].value;
		printf("epoch %d: %.3f s loss %.4f val_accuracy %.4f\n",
			   e + 1, times[e], r.metrics[0].value, acc);
	}
	/* median epoch */
	for (int i = 0; i < epochs; i++)
		for (int j = i + 1; j < epochs; j++)
			if (times[j] < times[i])
			{
				double		tmp = times[i];

				times[i] = times[j];
				times[j] = tmp;
			}

	/* predict, one row per call */
	{
		float		out[10];
		int			calls = 20000;
		double		t0 = now();

		for (int i = 0; i < calls; i++)
			model_predict(m, val.x + (int64_t) (i % 10000) * width, 1, out);
		printf("predict one row per call: %.0f rows/s\n", calls / (now() - t0));
	}
	/* predict, the whole validation set in one call */
	{
		float	   *out = malloc(val.nrows * 10 * sizeof(float));
		double		t0 = now();

		model_predict(m, val.x, val.nrows, out);
		printf("predict %lld rows per call: %.0f rows/s\n",
			   (long long) val.nrows, val.nrows / (now() - t0));
		free(out);
	}
	printf("core batch=%d epoch_seconds=%.4f val_accuracy=%.4f\n",
		   batch, times[epochs / 2], acc);
	return 0;
}
