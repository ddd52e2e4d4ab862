/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  Metric names, directions and values, as Keras reports them (pure C).
 *
 * Training metrics are accumulated over an epoch's batches, weighted by
 * batch size (Keras's Mean trackers): "loss" includes the kernel penalties,
 * "crossentropy" and the error metrics do not.  Validation and evaluate()
 * metrics are computed over the whole dataset in chunks: sums for the
 * losses, errors and confusion counts, and for two-class problems the
 * (probability of class 1, label) pairs, from which the area under the ROC
 * curve is computed exactly by ranks (Keras approximates it with 200
 * thresholds; the exact value is what its approximation converges to).
 *
 * Conventions where a ratio is undefined follow Keras's divide_no_nan:
 * precision, recall and f1 are 0 without predicted or actual positives, AUC
 * is 0 without both classes, r2 is 0 when the labels do not vary.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * What trainer_run_epoch reports: the training names, then the validation
 * names.  Two-class problems add the four binary metrics at the end.
 */
static const char *metrics_classification[] = {
	"loss", "accuracy", "crossentropy",
	"val_loss", "val_accuracy", "val_crossentropy",
	"val_auc", "val_precision", "val_recall", "val_f1"
};
static const char *metrics_regression[] = {
	"loss", "mean_squared_error", "mean_absolute_error",
	"root_mean_squared_error",
	"val_loss", "val_mean_squared_error", "val_mean_absolute_error",
	"val_root_mean_squared_error", "val_r2"
};
static const char *metrics_classification_eval[] = {
	"loss", "accuracy", "crossentropy", "auc", "precision", "recall", "f1"
};
static const char *metrics_regression_eval[] = {
	"loss", "mean_squared_error", "mean_absolute_error",
	"root_mean_squared_error", "r2"
};

#define METRICS_CLS_TRAIN 3
#define METRICS_CLS_VAL 3		/* + 4 for two classes */
#define METRICS_REG_TRAIN 4
#define METRICS_REG_VAL 5

const char **
model_metric_names(TaskKind task, int nclasses, bool validation, int *n)
{
	if (task == TASK_CLASSIFICATION)
	{
		*n = METRICS_CLS_TRAIN;
		if (validation)
			*n += METRICS_CLS_VAL + (nclasses == 2 ? 4 : 0);
		return metrics_classification;
	}
	*n = METRICS_REG_TRAIN + (validation ? METRICS_REG_VAL : 0);
	return metrics_regression;
}

/* Keras's metric spellings, by direction (KerasTuner's inference) */
static const char *metrics_max_names[] = {
	"acc", "accuracy", "binary_accuracy", "categorical_accuracy",
	"sparse_categorical_accuracy", "top_k_categorical_accuracy",
	"sparse_top_k_categorical_accuracy", "auc", "precision", "recall",
	"f1", "f1_score", "fbeta_score", "r2", "r2_score", "true_positives",
	"true_negatives", "precision_at_recall", "recall_at_precision",
	"sensitivity_at_specificity", "specificity_at_sensitivity",
	"cosine_similarity", "iou", "mean_iou", NULL
};
static const char *metrics_min_names[] = {
	"crossentropy", "binary_crossentropy", "categorical_crossentropy",
	"sparse_categorical_crossentropy", "mse", "mae", "mape", "msle", "rmse",
	"mean_squared_error", "mean_absolute_error",
	"mean_absolute_percentage_error", "mean_squared_logarithmic_error",
	"root_mean_squared_error", "hinge", "squared_hinge", "categorical_hinge",
	"kl_divergence", "kld", "kullback_leibler_divergence", "logcosh",
	"log_cosh", "poisson", "false_positives", "false_negatives",
	"default_objective", NULL
};

static bool
metrics_in_list(const char *name, const char **list)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

static bool
metrics_ends_with(const char *name, const char *suffix)
{
	size_t		n = strlen(name);
	size_t		s = strlen(suffix);

	return n >= s && strcmp(name + n - s, suffix) == 0;
}

int
metric_direction(const char *name)
{
	if (name == NULL)
		return 0;
	if (strncmp(name, "val_", 4) == 0)
		name += 4;
	if (strcmp(name, "loss") == 0 || metrics_ends_with(name, "_loss") ||
		metrics_ends_with(name, "_error") || metrics_in_list(name, metrics_min_names))
		return -1;
	if (metrics_in_list(name, metrics_max_names) ||
		metrics_ends_with(name, "_accuracy"))
		return 1;
	return 0;
}

void
metric_accum_reset(MetricAccum *a, TaskKind task, int nclasses,
				   MetricPair *pairs, int64_t pairs_cap)
{
	memset(a, 0, sizeof(*a));
	a->task = task;
	a->nclasses = nclasses;
	if (task == TASK_CLASSIFICATION && nclasses == 2)
	{
		a->pairs = pairs;
		a->pairs_cap = pairs ? pairs_cap : 0;
	}
}

static void
metrics_chunk_classification(MetricAccum *a, float *z, const float *y,
							 int rows, int k)
{
	double		ce = 0.0;

	for (int r = 0; r < rows; r++)
	{
		float	   *row = z + (int64_t) r * k;
		int			label = (int) y[r];
		int			best;

		ce += softmax_row(row, k, label, &best);
		a->correct += (best == label);

		if (k == 2)
		{
			bool		predicted = row[1] > 0.5f;

			a->tp += predicted && label == 1;
			a->fp += predicted && label == 0;
			a->fn += !predicted && label == 1;
			if (a->npairs < a->pairs_cap)
			{
				a->pairs[a->npairs].score = row[1];
				a->pairs[a->npairs].label = (float) label;
				a->npairs++;
			}
		}
	}
	a->data_loss_sum += ce;
}

static void
metrics_chunk_regression(MetricAccum *a, const float *z, const float *y,
						 int rows)
{
	if (a->count == 0 && rows > 0)
		a->y_shift = y[0];
	for (int r = 0; r < rows; r++)
	{
		double		e = (double) z[r] - y[r];
		double		ys = y[r] - a->y_shift;

		a->data_loss_sum += e * e;
		a->abs_sum += fabs(e);
		a->y_sum += ys;
		a->y_sq_sum += ys * ys;
	}
}

void
metric_accum_chunk(MetricAccum *a, float *z, const float *y, int rows, int k)
{
	if (a->task == TASK_CLASSIFICATION)
		metrics_chunk_classification(a, z, y, rows, k);
	else
		metrics_chunk_regression(a, z, y, rows);
	a->count += rows;
}

static int
metrics_pair_cmp(const void *pa, const void *pb)
{
	float		a = ((const MetricPair *) pa)->score;
	float		b = ((const MetricPair *) pb)->score;

	return (a > b) - (a < b);
}

double
metric_auc(MetricPair *pairs, int64_t n)
{
	double		rank_sum = 0.0;
	double		npos = 0.0;
	int64_t		i = 0;

	qsort(pairs, n, sizeof(MetricPair), metrics_pair_cmp);
	while (i < n)
	{
		int64_t		j = i;
		double		pos = 0.0;
		double		avg_rank;

		while (j < n && pairs[j].score == pairs[i].score)
		{
			pos += pairs[j].label > 0.5f;
			j++;
		}
		/* ranks i+1 .. j share their average */
		avg_rank = (double) (i + 1 + j) / 2.0;
		rank_sum += pos * avg_rank;
		npos += pos;
		i = j;
	}
	if (npos == 0.0 || npos == (double) n)
		return 0.0;
	return (rank_sum - npos * (npos + 1.0) / 2.0) / (npos * ((double) n - npos));
}

static double
metrics_ratio(double num, double den)
{
	return den > 0.0 ? num / den : 0.0;
}

int
metric_accum_finish(MetricAccum *a, MetricSet set, MetricValue *out)
{
	const char **names;
	double		n = a->count;
	int			count = 0;

	if (a->task == TASK_CLASSIFICATION)
	{
		double		precision = metrics_ratio(a->tp, a->tp + a->fp);
		double		recall = metrics_ratio(a->tp, a->tp + a->fn);
		double		values[7];

		names = set == METRICS_TRAIN ? metrics_classification
			: set == METRICS_VALIDATION ? metrics_classification + METRICS_CLS_TRAIN
			: metrics_classification_eval;
		values[0] = a->loss_sum / n;
		values[1] = (double) a->correct / n;
		values[2] = a->data_loss_sum / n;
		count = 3;
		if (set != METRICS_TRAIN && a->nclasses == 2)
		{
			values[3] = metric_auc(a->pairs, a->npairs);
			values[4] = precision;
			values[5] = recall;
			values[6] = metrics_ratio(2.0 * precision * recall, precision + recall);
			count = 7;
		}
		for (int i = 0; i < count; i++)
		{
			out[i].name = names[i];
			out[i].value = values[i];
		}
	}
	else
	{
		double		mse = a->data_loss_sum / n;
		double		ss_tot = a->y_sq_sum - a->y_sum * a->y_sum / n;
		double		values[5];

		names = set == METRICS_TRAIN ? metrics_regression
			: set == METRICS_VALIDATION ? metrics_regression + METRICS_REG_TRAIN
			: metrics_regression_eval;
		values[0] = a->loss_sum / n;
		values[1] = mse;
		values[2] = a->abs_sum / n;
		values[3] = sqrt(mse);
		values[4] = ss_tot > 0.0 ? 1.0 - a->data_loss_sum / ss_tot : 0.0;
		count = set == METRICS_TRAIN ? 4 : 5;
		for (int i = 0; i < count; i++)
		{
			out[i].name = names[i];
			out[i].value = values[i];
		}
	}
	return count;
}
