/*
 * test_model_v1.c
 *	  Version-1 model blobs, written by the build that only knew stacks of
 *	  Dense layers (data/mlp_v1.blob: a normalised two-layer tanh mlp with
 *	  dropout and an l2 penalty, three classes; data/linear_v1.blob: a
 *	  linear regression), still load and predict exactly what that build
 *	  predicted (data/<name>.txt: rows, columns and outputs on the first
 *	  line, then per row its inputs, "|", its outputs, printed with nine
 *	  significant digits, which round-trips a float).
 */
#include "core/model_internal.h"
#include "unit.h"

#include <stdlib.h>

#ifndef UNIT_DATA_DIR
#define UNIT_DATA_DIR "data"
#endif

static void *
v1_read_blob(const char *stem, size_t *len)
{
	char		path[256];
	FILE	   *fp;
	void	   *buf;
	long		n;

	snprintf(path, sizeof(path), "%s/%s.blob", UNIT_DATA_DIR, stem);
	fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc(n);
	if (fread(buf, 1, n, fp) != (size_t) n)
		n = 0;
	fclose(fp);
	*len = (size_t) n;
	return buf;
}

/* inputs and expected outputs; returns the row count (0 on failure) */
static int
v1_read_expected(const char *stem, int *cols, int *k, float **x, float **y)
{
	char		path[256];
	FILE	   *fp;
	int			n;

	snprintf(path, sizeof(path), "%s/%s.txt", UNIT_DATA_DIR, stem);
	fp = fopen(path, "r");
	if (fp == NULL || fscanf(fp, "%d %d %d", &n, cols, k) != 3)
		return 0;
	*x = malloc(sizeof(float) * n * *cols);
	*y = malloc(sizeof(float) * n * *k);
	for (int i = 0; i < n; i++)
	{
		for (int j = 0; j < *cols; j++)
			if (fscanf(fp, "%f", &(*x)[i * *cols + j]) != 1)
				return 0;
		if (fscanf(fp, " |") != 0)
			return 0;
		for (int j = 0; j < *k; j++)
			if (fscanf(fp, "%f", &(*y)[i * *k + j]) != 1)
				return 0;
	}
	fclose(fp);
	return n;
}

static void
v1_check(const char *stem, HyperModelKind kind, TaskKind task)
{
	size_t		len = 0;
	void	   *blob = v1_read_blob(stem, &len);
	DatasetEncoding *enc = NULL;
	Model	   *m;
	float	   *x,
			   *y,
			   *out;
	int			cols,
				k,
				n = v1_read_expected(stem, &cols, &k, &x, &y);
	int			exact = 0;
	double		worst = 0.0;

	CHECK(blob != NULL && n > 0);
	if (blob == NULL || n == 0)
		return;
	m = model_deserialize(blob, len, &enc);
	CHECK(model_config(m)->kind == kind);
	CHECK(model_task(m) == task);
	CHECK(model_num_inputs(m) == cols && model_num_outputs(m) == k);
	CHECK(enc->ncols == cols && enc->task == task);
	out = malloc(sizeof(float) * n * k);

	/* the whole batch: the same products in the same order, bit for bit */
	model_predict(m, x, n, out);
	for (int i = 0; i < n * k; i++)
		exact += out[i] == y[i];
	CHECK(exact == n * k);

	/* one row at a time (the single-row kernel): the same to rounding */
	for (int i = 0; i < n; i++)
	{
		model_predict(m, x + i * cols, 1, out);
		for (int j = 0; j < k; j++)
		{
			double		e = fabs(out[j] - y[i * k + j]) / (fabs(y[i * k + j]) + 1e-3);

			if (e > worst)
				worst = e;
		}
	}
	CHECK(worst < 1e-5);
	core_free(enc);
	model_free(m);
	free(out);
	free(x);
	free(y);
	free(blob);
}

TEST(test_v1_mlp_predicts_the_same)
{
	v1_check("mlp_v1", HYPERMODEL_MLP, TASK_CLASSIFICATION);
}

TEST(test_v1_linear_predicts_the_same)
{
	v1_check("linear_v1", HYPERMODEL_LINEAR, TASK_REGRESSION);
}

int
main(void)
{
	RUN(test_v1_mlp_predicts_the_same);
	RUN(test_v1_linear_predicts_the_same);
	UNIT_DONE();
}
