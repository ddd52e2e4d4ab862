/*-------------------------------------------------------------------------
 *
 * loader.h
 *	  Query results -> float32 matrices (loader.c): the arguments that name
 *	  the data, and the data every trial of a call shares.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_LOADER_H
#define HPTUNE_LOADER_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "core/dataset.h"
#include "core/model.h"

/* arguments of search(), tune(), fit(), retrain() */
typedef struct SearchArgs
{
	char	   *train;			/* query, or NULL */
	char	   *validation;		/* query, or NULL */
	bool		has_validation_split;
	double		validation_split;
	char	   *label;			/* NULL: the last column */
	int			nfeatures;		/* 0: every column but the label */
	char	  **features;
	int			epochs;
	int			batch_size;
	int			workers;
	Jsonb	   *options;		/* never NULL */
	HyperModelOptions hmopts;	/* hypermodel_options (hmoptions.c) */
} SearchArgs;

/* training data, read once per call and shared by every trial */
typedef struct TrainData
{
	Dataset		train;
	Dataset		validation;		/* nrows 0: none */
	DatasetEncoding *enc;
	int			ncustom;		/* options.metrics: SQL aggregates */
	Oid		   *custom_aggs;
	char	  **custom_names;	/* "val_<name>" */
	double		load_seconds;
	/* the features are one array column of 2 or 3 dimensions: its shape */
	int			array_ndim;		/* 0: not so */
	int			array_dims[3];
} TrainData;

extern TrainData *loader_load(const SearchArgs *args, const char *objective);
extern void loader_check_memory(size_t bytes, const char *what, const char *hint);
extern Dataset loader_load_features(const char *query, const DatasetEncoding *enc,
									const char *key, char ***keys);
extern Dataset loader_load_encoded(const char *query, const char *what,
								   const DatasetEncoding *enc, Jsonb *options,
								   size_t other_bytes);

#endif							/* HPTUNE_LOADER_H */
