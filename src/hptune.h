/*-------------------------------------------------------------------------
 *
 * hptune.h
 *	  Declarations shared by hptune's PostgreSQL shell.
 *
 * The shell is layered: api.c (fmgr wrappers) calls runner.c (the trial
 * loop, runner.h), loader.c (query -> dataset), predict.c (models in use)
 * and summary.c (KerasTuner's text layouts).  runner.c runs each trial
 * through objective.c (a study's SQL objective function, objective.h) or
 * trial.c (a built-in hypermodel's executions, trial.h).  guc.c holds
 * _PG_init and the hptune.* settings.  Below the shell sits the pure-C core in
 * src/core.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HPTUNE_H
#define HPTUNE_H

#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/regproc.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "core/dataset.h"
#include "core/model.h"
#include "core/oracle.h"
#include "core/space.h"

/* GUCs */
extern int	hptune_max_memory_kb;
extern int	hptune_blas_threads;

#define HPTUNE_MAX_NAME_LEN 63

/* one row of hptune.studies */
typedef struct Study
{
	int64		study_id;
	char	   *name;
	Oid			owner;
	char	   *hypermodel;		/* NULL: none */
	char	   *objective;
	bool		maximize;
	char	   *tuner;
	char	   *tuner_options;	/* JSON text */
	int			max_trials;
	int			executions_per_trial;
	Oid			objective_function; /* InvalidOid: none */
	bool		has_seed;
	int64		seed;
} Study;

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
} TrainData;

/* loader.c */
extern TrainData *loader_load(const SearchArgs *args, const char *objective);
extern void loader_check_memory(size_t bytes, const char *what, const char *hint);
extern Dataset loader_load_features(const char *query, const DatasetEncoding *enc,
									const char *key, char ***keys);
extern Dataset loader_load_encoded(const char *query, const char *what,
								   const DatasetEncoding *enc, Jsonb *options,
								   size_t other_bytes);

/* catalog.c */
extern Study *catalog_get_study(const char *name, bool missing_ok);
extern Study *catalog_get_study_by_id(int64 study_id);
extern Study *catalog_find_study_by_id(int64 study_id, bool missing_ok);
extern void catalog_delete_study(int64 study_id);
extern HpSpace *catalog_load_space(const Study *study);
extern HpSpace *catalog_load_current_space(const Study *study);
extern HpSpace *catalog_load_current_user_space(int64 study_id);
extern HpSpace *catalog_load_user_space(int64 study_id, const char *skip_name);
extern int	catalog_last_position(int64 study_id);
extern void catalog_row_to_hpdef(HpDef *hp, const char *name, const char *kind,
								 Datum *values, bool *nulls);
extern TrialRecord *catalog_load_trials(const Study *study, const HpSpace *space,
										int *ntrials);
extern void catalog_insert_trial(const Study *study, int trial_id, Jsonb *hps,
								 uint64 hash, bool rerun);
extern void catalog_finish_trial(const Study *study, int trial_id,
								 TrialStatus status, bool has_score, double score,
								 Jsonb *metrics, int best_step, const char *message);
extern void catalog_insert_metrics(int64 study_id, int trial_id, int execution,
								   int step, const MetricValue *metrics, int n);
extern int64 catalog_insert_model(const Study *study, int trial_id, int execution,
								  int step, const char *hypermodel, Jsonb *hps,
								  bytea *blob);
extern bytea *catalog_get_model(int64 model_id, char **hypermodel, Jsonb **hps);

/* jsonb <-> hyperparameter values (catalog.c) */
extern Jsonb *hp_assignment_to_jsonb(const HpSpace *space, const HpAssignment *a);
extern void hp_assignment_from_jsonb(const HpSpace *space, Jsonb *jb, HpAssignment *a);
extern HpValue hp_value_from_jsonb(JsonbValue *v);
extern void hp_value_append_json(StringInfo buf, HpValue v);
extern HpValue *hp_values_from_jsonb_array(Jsonb *jb, int *n, const char *what,
										   const char *hpname);

/* summary.c */
extern void append_python_float(StringInfo buf, double v);
extern void append_python_value(StringInfo buf, HpValue v);
extern List *search_space_summary_lines(const Study *study);
extern List *results_summary_lines(const Study *study, int num_trials);
extern char *format_hms(double seconds);

#endif							/* HPTUNE_H */
