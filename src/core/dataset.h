/*-------------------------------------------------------------------------
 *
 * dataset.h
 *	  Training data as float32 matrices, and how rows were encoded (pure C).
 *
 * The loader (src/loader.c) turns query results into a Dataset: x is a
 * dense row-major nrows x ncols float32 matrix, y one float per row (a class
 * index for classification, the target for regression).  How each source
 * column became matrix columns is kept in a DatasetEncoding: it travels with
 * every model (model_format.c) so predict() can encode a new row the same
 * way, matching columns by name, and predict_class() can give the label back
 * in its own domain.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_CORE_DATASET_H
#define HPTUNE_CORE_DATASET_H

#include "core/shim.h"

typedef enum TaskKind
{
	TASK_CLASSIFICATION,
	TASK_REGRESSION
} TaskKind;

typedef enum FeatureKind
{
	FEATURE_NUMERIC,			/* one column: int, float, numeric */
	FEATURE_BOOLEAN,			/* one column: 0 or 1 */
	FEATURE_ARRAY,				/* width columns: a numeric array, flattened */
	FEATURE_ONEHOT				/* width columns: one per vocabulary entry */
} FeatureKind;

/* what a feature of this kind takes, in words: "a number", "text or an enum" */
extern const char *dataset_feature_kind_words(FeatureKind kind);

typedef struct FeatureSpec
{
	const char *name;			/* source column name */
	FeatureKind kind;
	int			offset;			/* first matrix column */
	int			width;			/* matrix columns it fills */
	int			nvocab;			/* FEATURE_ONEHOT: vocabulary, in column order */
	const char **vocab;
	bool		has_impute;		/* NULL is replaced by impute_value */
	float		impute_value;	/* for FEATURE_ARRAY: each element */
} FeatureSpec;

typedef struct DatasetEncoding
{
	int			nfeatures;
	FeatureSpec *features;
	int			ncols;			/* total matrix columns */
	TaskKind	task;
	const char *label_name;
	const char *label_type;		/* SQL type of the label, e.g. "integer" */
	int			nclasses;		/* classification */
	const char **classes;		/* class index -> label text, sorted */
} DatasetEncoding;

typedef struct Dataset
{
	int64_t		nrows;
	int			ncols;
	float	   *x;				/* nrows * ncols, row-major */
	float	   *y;				/* nrows */
} Dataset;

/* a dataset view of rows [from, to) of another; shares memory */
extern Dataset dataset_slice(const Dataset *d, int64_t from, int64_t to);

/* bytes needed for nrows x ncols (x and y), for memory checks */
extern size_t dataset_bytes(int64_t nrows, int ncols);

/*
 * Standardisation statistics of every column: mean, and scale = 1 / the
 * population standard deviation (1 for a constant column, so it passes
 * through centred).  Accumulated in double, two passes.
 */
extern void dataset_column_stats(const Dataset *d, float *mean, float *scale);

/*
 * A random permutation of 0..n-1 (Fisher-Yates) drawn from (seed, epoch):
 * the same pair always gives the same order.
 */
extern void dataset_permutation(int64_t *perm, int64_t n, uint64_t seed,
								uint64_t epoch);

/*
 * Check that every label fits the task: a class index in 0..nclasses-1 for
 * classification, a finite number for regression; and every feature value
 * is finite.  Raises CORE_ERR_DATA_EXCEPTION naming `what` ("training
 * data") and the first offending row.
 */
extern void dataset_check(const Dataset *d, TaskKind task, int nclasses,
						  const char *what);

#endif							/* HPTUNE_CORE_DATASET_H */
