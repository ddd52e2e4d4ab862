/*-------------------------------------------------------------------------
 *
 * dataset.c
 *	  Datasets as float32 matrices: views, sizes, checks, standardisation
 *	  statistics and shuffling (pure C).
 *
 * A Dataset is a plain row-major matrix plus one label per row; a slice is
 * a view into another's memory, so a validation split costs nothing.  The
 * helpers here are the ones training needs around the matrix: one pass to
 * check that labels and values are usable (done once per training run, not
 * per epoch), two passes for column means and deviations (accumulated in
 * double, row by row so the matrix is read in memory order), and a
 * seed-driven permutation for shuffling.
 *
 *-------------------------------------------------------------------------
 */
#include "core/dataset.h"

#include "core/cpu.h"
#include "core/rng.h"

#include <math.h>

const char *
dataset_feature_kind_words(FeatureKind kind)
{
	switch (kind)
	{
		case FEATURE_NUMERIC:
			return "a number";
		case FEATURE_BOOLEAN:
			return "a boolean";
		case FEATURE_ARRAY:
			return "an array of numbers or booleans";
		case FEATURE_ONEHOT:
			return "text or an enum";
	}
	return "unknown";
}

Dataset
dataset_slice(const Dataset *d, int64_t from, int64_t to)
{
	Dataset		s;

	if (from < 0)
		from = 0;
	if (to > d->nrows)
		to = d->nrows;
	if (to < from)
		to = from;
	s.nrows = to - from;
	s.ncols = d->ncols;
	s.x = d->x ? d->x + from * (int64_t) d->ncols : NULL;
	s.y = d->y ? d->y + from : NULL;
	return s;
}

size_t
dataset_bytes(int64_t nrows, int ncols)
{
	if (nrows <= 0 || ncols < 0)
		return 0;
	return (size_t) nrows * ((size_t) ncols + 1) * sizeof(float);
}

void
dataset_column_stats(const Dataset *d, float *mean, float *scale)
{
	int			ncols = d->ncols;
	double	   *sum = core_alloc(ncols * sizeof(double));

	for (int64_t r = 0; r < d->nrows; r++)
	{
		const float *row = d->x + r * ncols;

		for (int j = 0; j < ncols; j++)
			sum[j] += row[j];
	}
	for (int j = 0; j < ncols; j++)
	{
		sum[j] = d->nrows > 0 ? sum[j] / d->nrows : 0.0;
		mean[j] = (float) sum[j];
	}

	/* second pass: squared deviations from the (double) mean */
	{
		double	   *sq = core_alloc(ncols * sizeof(double));

		for (int64_t r = 0; r < d->nrows; r++)
		{
			const float *row = d->x + r * ncols;

			for (int j = 0; j < ncols; j++)
			{
				double		dev = row[j] - sum[j];

				sq[j] += dev * dev;
			}
		}
		for (int j = 0; j < ncols; j++)
		{
			double		sd = d->nrows > 0 ? sqrt(sq[j] / d->nrows) : 0.0;

			scale[j] = (sd > 1e-7 && isfinite(1.0 / sd)) ? (float) (1.0 / sd) : 1.0f;
		}
		core_free(sq);
	}
	core_free(sum);
}

void
dataset_permutation(int64_t *perm, int64_t n, uint64_t seed, uint64_t epoch)
{
	RngStream	rng;

	rng_stream_seed(&rng, seed ^ (epoch * UINT64_C(0x9E3779B97F4A7C15)),
				   RNG_STREAM_SHUFFLE);
	for (int64_t i = 0; i < n; i++)
		perm[i] = i;
	for (int64_t i = n - 1; i > 0; i--)
	{
		/* multiply-shift gives an index in [0, i] without division */
		uint64_t	r = rng_stream_next(&rng) >> 32;
		int64_t		j = (int64_t) ((r * (uint64_t) (i + 1)) >> 32);
		int64_t		tmp;

		if (i + 1 > (int64_t) UINT32_MAX)
			j = (int64_t) (rng_stream_next(&rng) % (uint64_t) (i + 1));
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
}

/* true when every float of v is finite; blocks vectorise */
CORE_CLONES static bool
dataset_all_finite(const float *restrict v, int64_t n)
{
	int64_t		i = 0;

	for (; i + CORE_BLOCK <= n; i += CORE_BLOCK)
	{
		float		acc = 0.0f;

		/* x * 0 is 0 for a finite x, NaN for NaN and infinities */
		for (int k = 0; k < CORE_BLOCK; k++)
			acc += v[i + k] * 0.0f;
		if (acc != 0.0f)
			return false;
	}
	for (; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

void
dataset_check(const Dataset *d, TaskKind task, int nclasses, const char *what)
{
	int64_t		chunk = 4096;

	for (int64_t r = 0; r < d->nrows; r++)
	{
		float		y = d->y[r];

		if (task == TASK_REGRESSION && !isfinite(y))
			core_error(CORE_ERR_DATA_EXCEPTION, "label is not finite",
					   core_psprintf("Row %lld of the %s has label %g.",
									 (long long) r + 1, what, (double) y),
					   "Remove or replace NaN and infinite labels before training.");
		if (task == TASK_CLASSIFICATION &&
			!(y >= 0.0f && y < (float) nclasses && y == floorf(y)))
			core_error(CORE_ERR_DATA_EXCEPTION, "class index out of range",
					   core_psprintf("Row %lld of the %s has class index %g; the model has %d classes.",
									 (long long) r + 1, what, (double) y,
									 nclasses),
					   "Encode labels with the encoding of the model's training data.");
	}
	for (int64_t r = 0; r < d->nrows; r += chunk)
	{
		int64_t		rows = d->nrows - r < chunk ? d->nrows - r : chunk;

		if (!dataset_all_finite(d->x + r * d->ncols, rows * d->ncols))
		{
			for (int64_t i = r; i < r + rows; i++)
				for (int j = 0; j < d->ncols; j++)
					if (!isfinite(d->x[i * d->ncols + j]))
						core_error(CORE_ERR_DATA_EXCEPTION,
								   "feature value is not finite",
								   core_psprintf("Row %lld of the %s has %g in matrix column %d.",
												 (long long) i + 1, what,
												 (double) d->x[i * d->ncols + j], j + 1),
								   "Remove or replace NaN and infinite values before training.");
		}
	}
}
