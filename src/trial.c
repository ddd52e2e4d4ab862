/*-------------------------------------------------------------------------
 *
 * trial.c
 *	  One trial of a built-in hypermodel: its executions, epochs, metrics
 *	  and best-epoch checkpoints; and the checks of training arguments that
 *	  search, tune, fit and retrain share.
 *
 * A trial trains executions_per_trial models with the same hyperparameters
 * and different seeds.  After every epoch each execution's metrics go to
 * hptune.trial_metrics and, when the objective improved, its weights are
 * copied aside (KerasTuner's SaveBestEpoch); at the end of the execution
 * those best weights are written to hptune.models.  The trial's score is
 * the mean over executions of each execution's best objective value, and
 * its metrics the mean of the metrics at those best epochs.
 *
 * Two additions serve the oracles.  After every epoch of execution 0 the
 * objective goes to run->report, whose answer may stop the trial (pruning;
 * later executions are then skipped).  A Hyperband trial trains epochs
 * initial_epoch to epochs - 1; a promoted one starts from the last-epoch
 * weights and optimizer state its parent left in hptune.checkpoints, and a
 * trial that may be promoted leaves its own there (optim_state.c).
 *
 * A trial is described by a TrialRun (trial.h).  Everything an execution
 * allocates (network, optimizer state, buffers) lives in a memory context
 * deleted when the execution ends; what an epoch allocates besides, in a
 * context reset every epoch.  Executions run one after another and only
 * running means are kept, so neither epochs nor executions_per_trial
 * sizes an allocation up front.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include <cblas.h>

#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "core/graph.h"
#include "trial.h"
#include "catalog.h"
#include "core/optim_state.h"
#include "guc.h"
#include "hmoptions.h"
#include "hpjson.h"
#include "loader.h"

HyperModelKind
trial_hypermodel_kind(const char *name)
{
	HyperModelKind kind;

	if (name == NULL || !hypermodel_from_name(name, &kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown hypermodel \"%s\"", name ? name : ""),
				 errdetail("The hypermodels hptune knows are: %s.", hypermodel_names()),
				 errhint("Pass hypermodel => one of them.")));
	return kind;
}

/* the features argument: column names, none of them null */
void
trial_args_features(SearchArgs *a, ArrayType *arr)
{
	Datum	   *elems;
	bool	   *nulls;

	deconstruct_array_builtin(arr, TEXTOID, &elems, &nulls, &a->nfeatures);
	a->features = palloc(sizeof(char *) * Max(a->nfeatures, 1));
	for (int i = 0; i < a->nfeatures; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("features must not contain null"),
					 errdetail("Element %d of features is null.", i + 1),
					 errhint("List column names only.")));
		a->features[i] = TextDatumGetCString(elems[i]);
	}
}

/*
 * The checks every training call shares (search, tune, fit, retrain); a
 * missing options object becomes an empty one.
 */
void
trial_args_check(SearchArgs *a)
{
	if (a->options == NULL)
		a->options = hpjson_empty_object();
	if (a->epochs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("epochs must be at least 1"),
				 errdetail("epochs is %d; each model trains for that many passes over the training data.", a->epochs),
				 errhint("Pass epochs => 1 or more.")));
	if (a->batch_size < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must be at least 1"),
				 errdetail("batch_size is %d; it is the number of rows of each training step.", a->batch_size),
				 errhint("Pass batch_size => 1 or more, such as 32.")));
	if (a->has_validation_split &&
		!(a->validation_split > 0 && a->validation_split < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("validation_split must be between 0 and 1"),
				 errdetail("validation_split is %g; it is the fraction of the rows of train held out for validation.", a->validation_split),
				 errhint("Pass a fraction such as 0.2.")));
	if (a->has_validation_split && a->validation)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("validation and validation_split cannot both be given"),
				 errdetail("validation_split is %g and validation is a query; a search validates on one of them.",
						   a->validation_split),
				 errhint("Pass one of them.")));
	if (!JB_ROOT_IS_OBJECT(a->options) || JB_ROOT_IS_SCALAR(a->options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be a jsonb object"),
				 errdetail("options is %s; it holds settings by name.", JsonbToCString(NULL, &a->options->root, 0)),
				 errhint("Pass an object such as '{\"impute\": \"mean\"}'.")));
}

void
trial_set_blas_threads(void)
{
	openblas_set_num_threads(hptune_blas_threads);
}

/* the objective must be among the metrics training will report */
void
trial_check_objective(const TrainData *data, const char *objective)
{
	bool		has_val = data->validation.nrows > 0;
	int			n;
	const char **names = model_metric_names(data->enc->task, data->enc->nclasses, has_val, &n);
	StringInfoData list;

	for (int i = 0; i < n; i++)
		if (strcmp(names[i], objective) == 0)
			return;
	for (int i = 0; i < data->ncustom; i++)
		if (has_val && strcmp(data->custom_names[i], objective) == 0)
			return;
	initStringInfo(&list);
	for (int i = 0; i < n; i++)
		appendStringInfo(&list, "%s%s", i ? ", " : "", names[i]);
	for (int i = 0; has_val && i < data->ncustom; i++)
		appendStringInfo(&list, ", %s", data->custom_names[i]);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("objective \"%s\" cannot be computed for this data", objective),
			 errdetail("This %s%s reports: %s.",
					   data->enc->task == TASK_CLASSIFICATION ? "classification" : "regression",
					   has_val ? "" : " without validation data", list.data),
			 errhint(strncmp(objective, "val_", 4) == 0 && !has_val ?
					 "Pass validation => a query, or validation_split => 0.2." :
					 "Create the study with one of the metrics listed.")));
}

/*
 * The data a call trains on (loader.c), with options.metrics resolved:
 * built-in names, or SQL aggregates of (float8, float8).
 */
static void trial_custom_metrics(TrainData *data, Jsonb *options);

TrainData *
trial_load_data(const SearchArgs *args, const char *objective)
{
	TrainData  *data = loader_load(args, objective);

	trial_custom_metrics(data, args->options);
	return data;
}

/* options.metrics: built-in names, or aggregates of (float8, float8) */
static void
trial_custom_metrics(TrainData *data, Jsonb *options)
{
	JsonbValue	v;
	int			nbuiltin;
	const char **builtin = model_metric_names(data->enc->task, data->enc->nclasses, true, &nbuiltin);
	Jsonb	   *arr;
	JsonbIterator *it;
	JsonbIteratorToken tok;

	if (!getKeyJsonValueFromContainer(&options->root, "metrics", 7, &v))
		return;
	if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options.metrics must be an array of names"),
				 errdetail("Each element names a built-in metric or an aggregate of (y_true float8, y_pred float8)."),
				 errhint("Pass for example '{\"metrics\": [\"mae\", \"my_aggregate\"]}'.")));
	arr = JsonbValueToJsonb(&v);
	data->custom_aggs = palloc(sizeof(Oid) * (JB_ROOT_COUNT(arr) + 1));
	data->custom_names = palloc(sizeof(char *) * (JB_ROOT_COUNT(arr) + 1));
	it = JsonbIteratorInit(&arr->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *name;
		bool		known = false;
		Oid			agg;

		if (tok != WJB_ELEM)
			continue;
		if (v.type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options.metrics must be an array of names"),
					 errdetail("An element of options.metrics is not a string."),
					 errhint("Pass metric or aggregate names as strings.")));
		name = pnstrdup(v.val.string.val, v.val.string.len);
		for (int i = 0; i < nbuiltin; i++)
			if (strcmp(builtin[i], name) == 0 || strcmp(builtin[i] + 4, name) == 0)
				known = true;
		if (known)
			continue;
		{
			Oid			argtypes[2] = {FLOAT8OID, FLOAT8OID};
			List	   *qualname = stringToQualifiedNameList(name);

			agg = LookupFuncName(qualname, 2, argtypes, true);
		}
		if (!OidIsValid(agg) || get_func_prokind(agg) != PROKIND_AGGREGATE)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("metric \"%s\" is neither built in nor an aggregate of (float8, float8)", name),
					 errdetail("No aggregate %s(float8, float8) is visible with the current search_path, and no built-in metric has that name.", name),
					 errhint("Create an aggregate %s(y_true float8, y_pred float8), or use a built-in metric.", name)));
		data->custom_aggs[data->ncustom] = agg;
		data->custom_names[data->ncustom++] = psprintf("val_%s", name);
	}
}

/* a custom metric: SELECT agg(y_true, y_pred) over the validation rows */
static double
trial_custom_metric(Oid agg, const Dataset *val, const float *pred, int noutputs,
					TaskKind task)
{
	Datum	   *yt = palloc(sizeof(Datum) * val->nrows);
	Datum	   *yp = palloc(sizeof(Datum) * val->nrows);
	Oid			types[2] = {FLOAT8ARRAYOID, FLOAT8ARRAYOID};
	Datum		values[2];
	char	   *sql;
	bool		isnull;
	double		result;

	for (int64 r = 0; r < val->nrows; r++)
	{
		double		p = pred[r * noutputs];

		if (task == TASK_CLASSIFICATION)
		{
			int			best = 0;

			for (int k = 1; k < noutputs; k++)
				if (pred[r * noutputs + k] > pred[r * noutputs + best])
					best = k;
			p = best;
		}
		yt[r] = Float8GetDatum(val->y[r]);
		yp[r] = Float8GetDatum(p);
	}
	values[0] = PointerGetDatum(construct_array(yt, val->nrows, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[1] = PointerGetDatum(construct_array(yp, val->nrows, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	sql = psprintf("SELECT %s(t, p)::pg_catalog.float8 FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(t, p)",
				   quote_qualified_identifier(get_namespace_name(get_func_namespace(agg)),
											  get_func_name(agg)));
	SPI_connect();
	if (SPI_execute_with_args(sql, 2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not evaluate metric aggregate");
	result = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return isnull ? get_float8_nan() : result;
}

static int
trial_find_metric(const MetricValue *m, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return i;
	return -1;
}

typedef struct ExecutionOutcome
{
	int			best_step;
	double		best;
	int			nmetrics;
	MetricValue *metrics;		/* at best_step, in the caller's context */
	double	   *epoch_seconds;	/* in the caller's context; NULL: not kept */
	int			epochs_capacity;
	int			nepochs;		/* epochs run */
	int64		model_id;
	bool		stopped;		/* run->report asked to stop */
	char	   *stop_reason;	/* in the caller's context */
} ExecutionOutcome;

/* keep an epoch's duration; the array grows with the epochs really run */
static void
trial_keep_epoch_seconds(ExecutionOutcome *out, MemoryContext caller, int epoch,
						 double seconds)
{
	if (epoch >= out->epochs_capacity)
	{
		int			cap = Max(16, out->epochs_capacity * 2);

		out->epoch_seconds = out->epoch_seconds ?
			repalloc_huge(out->epoch_seconds, sizeof(double) * cap) :
			MemoryContextAllocHuge(caller, sizeof(double) * cap);
		out->epochs_capacity = cap;
	}
	out->epoch_seconds[epoch] = seconds;
}

/* the objective improved: remember the epoch's metrics */
static void
trial_keep_best(ExecutionOutcome *out, MemoryContext caller, int epoch, double value,
				const MetricValue *m, int n)
{
	out->best = value;
	out->best_step = epoch;
	if (out->metrics == NULL || out->nmetrics != n)
	{
		out->metrics = MemoryContextAlloc(caller, sizeof(MetricValue) * n);
		for (int i = 0; i < n; i++)
			out->metrics[i].name = MemoryContextStrdup(caller, m[i].name);
		out->nmetrics = n;
	}
	for (int i = 0; i < n; i++)
		out->metrics[i].value = m[i].value;
}

/*
 * One epoch's metrics: the trainer's, then options.metrics' aggregates over
 * the validation predictions.  Allocated in the current (per-epoch) context.
 */
static MetricValue *
trial_epoch_metrics(const TrialRun *run, Model *model, const EpochResult *r,
					float *pred, int *n)
{
	const TrainData *data = run->data;
	const Dataset *val = &data->validation;
	MetricValue *m = palloc(sizeof(MetricValue) * (r->nmetrics + data->ncustom));

	memcpy(m, r->metrics, sizeof(MetricValue) * r->nmetrics);
	*n = r->nmetrics;
	if (pred)
	{
		model_predict(model, val->x, val->nrows, pred);
		for (int c = 0; c < data->ncustom; c++)
		{
			m[*n].name = data->custom_names[c];
			m[(*n)++].value = trial_custom_metric(data->custom_aggs[c], val, pred,
												  model_num_outputs(model), data->enc->task);
		}
	}
	return m;
}

/* the model at its best epoch, to hptune.models */
static int64
trial_save_model(const TrialRun *run, Model *model, int execution, int step)
{
	size_t		len;
	void	   *blob = model_serialize(model, run->data->enc, &len);
	bytea	   *b = palloc_extended(VARHDRSZ + len, MCXT_ALLOC_HUGE);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), blob, len);
	return catalog_insert_model(run->study, run->trial_id, execution, step, run->hypermodel,
								hpjson_from_assignment(run->space, run->values), b);
}

/*
 * A continuation: the weights and moving statistics of the checkpoint of
 * trial resume_from (same execution) go into the fresh model, its optimizer
 * state into the trainer.  The checkpoint must be of the model's shape and stop where this
 * run starts.
 */
static void
trial_resume(const TrialRun *run, int execution, Model *model, Trainer *trainer,
			 float *params, size_t nparams)
{
	bytea	   *model_blob;
	bytea	   *state_blob;
	int			epochs;
	Model	   *parent;
	float	   *parent_params;
	size_t		parent_n;
	float	   *parent_state;
	size_t		parent_nstate;
	float	   *state;
	size_t		nstate;

	if (!catalog_get_checkpoint(run->study->study_id, run->resume_from, execution,
								&model_blob, &state_blob, &epochs))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("trial %d has no checkpoint to continue from", run->resume_from),
				 errdetail("Trial %d continues trial %d from epoch %d, but hptune.checkpoints holds no row for trial %d, execution %d.",
						   run->trial_id, run->resume_from, run->initial_epoch,
						   run->resume_from, execution),
				 errhint("Without that checkpoint the trial cannot run: restore hptune.checkpoints from a backup, or start the study afresh with overwrite => true.")));
	if (epochs != run->initial_epoch ||
		optim_state_epochs(VARDATA_ANY(state_blob), VARSIZE_ANY_EXHDR(state_blob)) != epochs)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("checkpoint of trial %d does not end at epoch %d", run->resume_from,
						run->initial_epoch),
				 errdetail("Its row in hptune.checkpoints says %d epochs; trial %d continues from epoch %d.",
						   epochs, run->trial_id, run->initial_epoch),
				 errhint("Restore hptune.checkpoints from a backup, or start the study afresh with overwrite => true.")));
	parent = model_deserialize(VARDATA_ANY(model_blob), VARSIZE_ANY_EXHDR(model_blob), NULL);
	parent_params = model_params(parent, &parent_n);
	parent_state = model_state(parent, &parent_nstate);
	state = model_state(model, &nstate);
	if (parent_n != nparams || parent_nstate != nstate)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("checkpoint of trial %d does not fit the model of trial %d",
						run->resume_from, run->trial_id),
				 errdetail("The checkpoint has %zu parameters and %zu moving statistics; the model has %zu and %zu.",
						   parent_n, parent_nstate, nparams, nstate),
				 errhint("Search with the training data the study started with.")));
	trainer_state_restore(trainer, VARDATA_ANY(state_blob), VARSIZE_ANY_EXHDR(state_blob));
	memcpy(params, parent_params, sizeof(float) * nparams);
	if (nstate > 0)
		memcpy(state, parent_state, sizeof(float) * nstate);
	model_free(parent);
}

/* the last epoch's weights and training state, for a continuation */
static void
trial_save_checkpoint(const TrialRun *run, Model *model, Trainer *trainer,
					  int execution, int epochs)
{
	size_t		model_len;
	size_t		state_len;
	void	   *model_buf = model_serialize(model, run->data->enc, &model_len);
	void	   *state_buf = trainer_state_serialize(trainer, &state_len);
	bytea	   *model_blob = palloc_extended(VARHDRSZ + model_len, MCXT_ALLOC_HUGE);
	bytea	   *state_blob = palloc_extended(VARHDRSZ + state_len, MCXT_ALLOC_HUGE);

	SET_VARSIZE(model_blob, VARHDRSZ + model_len);
	memcpy(VARDATA(model_blob), model_buf, model_len);
	SET_VARSIZE(state_blob, VARHDRSZ + state_len);
	memcpy(VARDATA(state_blob), state_buf, state_len);
	catalog_insert_checkpoint(run->study->study_id, run->trial_id, execution, epochs,
							  model_blob, state_blob);
}

/* what trial_batch_done passes on to trial_batch_hook */
typedef struct TrialBatchArg
{
	const TrialRun *run;
	int			epoch;
} TrialBatchArg;

static void
trial_batch_done(void *arg, int64_t batches_done, int64_t batches)
{
	TrialBatchArg *b = arg;

	trial_batch_hook(b->run, b->epoch, batches_done, batches);
}

/*
 * Train one model; its metrics and checkpoint go to the catalog.  The
 * network, optimizer and buffers live in an execution context; what one
 * epoch allocates besides (its metrics, the catalog writes) in an epoch
 * context reset every epoch.
 */
static void
trial_execution(const TrialRun *run, int execution, bool keep_seconds,
				ExecutionOutcome *out)
{
	const TrainData *data = run->data;
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt = AllocSetContextCreate(caller, "hptune execution", ALLOCSET_DEFAULT_SIZES);
	MemoryContext epochcxt = AllocSetContextCreate(cxt, "hptune epoch", ALLOCSET_DEFAULT_SIZES);
	ModelConfig cfg;
	Model	   *model;
	Trainer    *trainer;
	const Dataset *val = data->validation.nrows > 0 ? &data->validation : NULL;
	size_t		nparams;
	size_t		nstate;
	float	   *params;
	float	   *best_params;
	float	   *state;
	float	   *best_state = NULL;
	float	   *pred = NULL;
	int			first_epoch = run->resume ? run->initial_epoch : 0;
	int			last_epoch = run->epochs > 0 ? run->epochs : run->args->epochs;
	int			seed_trial = run->resume ? run->seed_trial_id : run->trial_id;
	TrialBatchArg batch_arg = {run, first_epoch};

	MemoryContextSwitchTo(cxt);
	model_config_init(&cfg, trial_hypermodel_kind(run->hypermodel), run->args->batch_size);
	for (int i = 0; i < run->space->n; i++)
		model_config_set(&cfg, run->space->hps[i].name, run->values->values[i]);
	hmoptions_resolve(run->args, data, run->hypermodel, &cfg.options);
	cfg.seed = run->seed ^ ((uint64) seed_trial * UINT64CONST(0xBF58476D1CE4E5B9)) ^
		((uint64) (execution + 1) * UINT64CONST(0x94D049BB133111EB));
	loader_check_memory((size_t) model_training_bytes(&cfg, data->enc) +
						dataset_bytes(data->train.nrows, data->train.ncols) +
						dataset_bytes(data->validation.nrows, data->validation.ncols),
						"training this model",
						hmoptions_is_image_hypermodel(run->hypermodel) ?
						"Raise hptune.max_memory, or use a smaller batch_size, smaller images or a smaller network." :
						"Raise hptune.max_memory, or narrow the ranges of units, num_layers or batch_size.");
	model = model_create(&cfg, data->enc);
	trial_set_blas_threads();
	trainer = trainer_create(model, &data->train, val);
	if (trial_batch_hook)
		trainer_set_batch_hook(trainer, trial_batch_done, &batch_arg);
	params = model_params(model, &nparams);
	if (run->resume)
		trial_resume(run, execution, model, trainer, params, nparams);
	best_params = palloc_extended(sizeof(float) * nparams, MCXT_ALLOC_HUGE);
	state = model_state(model, &nstate);
	if (state)
		best_state = palloc_extended(sizeof(float) * nstate, MCXT_ALLOC_HUGE);
	if (val && data->ncustom > 0)
		pred = palloc_extended(sizeof(float) * val->nrows * model_num_outputs(model), MCXT_ALLOC_HUGE);

	out->best_step = -1;
	for (int epoch = first_epoch; epoch < last_epoch; epoch++)
	{
		EpochResult r;
		MetricValue *m;
		int			n;
		int			k;
		char	   *reason = NULL;

		CHECK_FOR_INTERRUPTS();
		batch_arg.epoch = epoch;
		if (trial_epoch_start_hook)
			trial_epoch_start_hook(run, execution, epoch);
		trainer_run_epoch(trainer, &r);
		if (r.diverged)
			ereport(ERROR,
					(errcode(ERRCODE_FLOATING_POINT_EXCEPTION),
					 errmsg("training diverged: the loss became NaN or infinite"),
					 errdetail("Epoch %d of execution %d of trial %d.", epoch + 1, execution,
							   run->trial_id),
					 errhint("Lower the learning rate, or narrow its range.")));
		if (keep_seconds)
			trial_keep_epoch_seconds(out, caller, epoch - first_epoch, r.seconds);
		out->nepochs++;
		MemoryContextReset(epochcxt);
		MemoryContextSwitchTo(epochcxt);
		m = trial_epoch_metrics(run, model, &r, pred, &n);
		if (run->study && run->trial_id >= 0)
			catalog_insert_metrics(run->study->study_id, run->trial_id, execution, epoch, m, n);
		k = trial_find_metric(m, n, run->objective);
		if (k >= 0 && !isnan(m[k].value) &&
			(out->best_step < 0 ||
			 (run->maximize ? m[k].value > out->best : m[k].value < out->best)))
		{
			trial_keep_best(out, caller, epoch, m[k].value, m, n);
			memcpy(best_params, params, sizeof(float) * nparams);
			if (state)
				memcpy(best_state, state, sizeof(float) * nstate);
		}
		if (execution == 0 && run->report && k >= 0 &&
			run->report(run->report_arg, epoch, m[k].value, &reason))
		{
			out->stopped = true;
			out->stop_reason = MemoryContextStrdup(caller, reason ? reason : "");
		}
		MemoryContextSwitchTo(cxt);
		if (out->stopped)
			break;
	}
	if (out->best_step < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FLOATING_POINT_EXCEPTION),
				 errmsg("objective \"%s\" was never a number", run->objective),
				 errdetail("Every one of the %d epochs of execution %d gave NaN for it.",
						   out->nepochs, execution),
				 errhint("Check the data and the metric.")));
	if (run->save_checkpoint && !out->stopped)
		trial_save_checkpoint(run, model, trainer, execution, last_epoch);
	memcpy(params, best_params, sizeof(float) * nparams);
	if (state)
		memcpy(state, best_state, sizeof(float) * nstate);
	out->model_id = trial_save_model(run, model, execution, out->best_step);
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(cxt);
}

/* called as each epoch starts (a background worker shows it in pg_stat_activity) */
TrialEpochHook trial_epoch_start_hook = NULL;

/* called after each batch (a background worker's heart-beat and progress) */
TrialBatchHook trial_batch_hook = NULL;

/*
 * Run a trial's executions one after another, keeping running means: the
 * memory a trial needs does not grow with executions_per_trial.
 */
TrialTraining *
trial_run(const TrialRun *run)
{
	TrialTraining *tt = palloc0(sizeof(TrialTraining));
	MetricValue *avg = NULL;
	int			navg = 0;
	int			executions = run->executions;

	for (int e = 0; e < executions; e++)
	{
		ExecutionOutcome out;

		memset(&out, 0, sizeof(out));
		CHECK_FOR_INTERRUPTS();
		trial_execution(run, e, e == 0, &out);
		if (e == 0)
		{
			/* the first execution gives the metric names, its epochs and model */
			navg = out.nmetrics;
			avg = palloc0(sizeof(MetricValue) * Max(navg, 1));
			for (int i = 0; i < navg; i++)
				avg[i].name = out.metrics[i].name;
			tt->best_step = out.best_step;
			tt->epoch_seconds = out.epoch_seconds;
			tt->nepochs = out.nepochs;
			tt->model_id = out.model_id;
			/* a stopped trial trains no further execution */
			tt->stopped = out.stopped;
			tt->stop_reason = out.stop_reason;
			if (out.stopped)
				executions = 1;
		}
		/* average over executions, metric by metric, at each one's best epoch */
		for (int i = 0; i < navg; i++)
		{
			int			k = trial_find_metric(out.metrics, out.nmetrics, avg[i].name);

			if (k >= 0)
				avg[i].value += out.metrics[k].value / executions;
		}
		tt->score += out.best / executions;
		if (e > 0)
		{
			for (int i = 0; i < out.nmetrics; i++)
				pfree((char *) out.metrics[i].name);
			pfree(out.metrics);
		}
	}
	tt->metrics = hpjson_from_metrics(avg, navg);
	return tt;
}
