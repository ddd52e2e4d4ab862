/*-------------------------------------------------------------------------
 *
 * train.c
 *	  One trial of a built-in hypermodel: its executions, epochs, metrics
 *	  and best-epoch checkpoints.
 *
 * A trial trains executions_per_trial models with the same hyperparameters
 * and different seeds.  After every epoch each execution's metrics go to
 * hptune.trial_metrics and, when the objective improved, its weights are
 * copied aside (KerasTuner's SaveBestEpoch); at the end of the execution
 * those best weights are written to hptune.models.  The trial's score is
 * the mean over executions of each execution's best objective value, and
 * its metrics the mean of the metrics at those best epochs.
 *
 * Everything an execution allocates (network, optimizer state, buffers)
 * lives in a memory context deleted when the execution ends.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include <cblas.h>

#include "hptune.h"

HyperModelKind
train_hypermodel_kind(const char *name)
{
	HyperModelKind kind;

	if (name == NULL || !hypermodel_from_name(name, &kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown hypermodel \"%s\"", name ? name : ""),
				 errdetail("hypermodel is \"%s\".", name ? name : ""),
				 errhint("Use one of: %s.", hypermodel_names())));
	return kind;
}

/* the features argument: column names, none of them null */
void
train_args_features(SearchArgs *a, ArrayType *arr)
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
					 errhint("List column names only.")));
		a->features[i] = TextDatumGetCString(elems[i]);
	}
}

/*
 * The checks every training call shares (search, tune, fit, retrain); a
 * missing options object becomes an empty one.
 */
void
train_args_check(SearchArgs *a)
{
	if (a->options == NULL)
		a->options = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
	if (a->epochs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("epochs must be at least 1"),
				 errdetail("epochs is %d.", a->epochs),
				 errhint("Pass epochs => 1 or more.")));
	if (a->batch_size < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must be at least 1"),
				 errdetail("batch_size is %d.", a->batch_size),
				 errhint("Pass batch_size => 1 or more, such as 32.")));
	if (a->has_validation_split &&
		!(a->validation_split > 0 && a->validation_split < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("validation_split must be between 0 and 1"),
				 errdetail("validation_split is %g.", a->validation_split),
				 errhint("Pass a fraction such as 0.2.")));
	if (a->has_validation_split && a->validation)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("validation and validation_split cannot both be given"),
				 errdetail("validation_split is %g and a validation query was passed.",
						   a->validation_split),
				 errhint("Pass one of them.")));
	if (!JB_ROOT_IS_OBJECT(a->options) || JB_ROOT_IS_SCALAR(a->options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be a jsonb object"),
				 errdetail("options is %s.", JsonbToCString(NULL, &a->options->root, 0)),
				 errhint("Pass an object such as '{\"impute\": \"mean\"}'.")));
}

void
train_set_blas_threads(void)
{
	openblas_set_num_threads(hptune_blas_threads);
}

/* the objective must be among the metrics training will report */
void
train_check_objective(const TrainData *data, const char *objective)
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

/* options.metrics: built-in names, or aggregates of (float8, float8) */
void
train_custom_metrics(TrainData *data, Jsonb *options)
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
					 errdetail("options.metrics names \"%s\".", name),
					 errhint("Create an aggregate %s(y_true float8, y_pred float8), or use a built-in metric.", name)));
		data->custom_aggs[data->ncustom] = agg;
		data->custom_names[data->ncustom++] = psprintf("val_%s", name);
	}
}

/* a custom metric: SELECT agg(y_true, y_pred) over the validation rows */
static double
train_custom_metric(Oid agg, const Dataset *val, const float *pred, int noutputs,
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
	sql = psprintf("SELECT %s(t, p)::float8 FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(t, p)",
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
train_find_metric(const MetricValue *m, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return i;
	return -1;
}

static Jsonb *
train_metrics_jsonb(const MetricValue *m, int n)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < n; i++)
	{
		if (i)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, m[i].name);
		appendStringInfoString(&buf, ": ");
		hp_value_append_json(&buf, (HpValue) {.type = HPV_FLOAT,.f = m[i].value});
	}
	appendStringInfoChar(&buf, '}');
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/*
 * Memory one training run needs besides its data: the parameters, their
 * gradients and two optimizer moments, a best-epoch copy, and the batch's
 * activations and their gradients.
 */
static size_t
train_model_bytes(const ModelConfig *cfg, const DatasetEncoding *enc)
{
	double		params = 0;
	double		units = 0;
	int			in = enc->ncols;
	int			outputs = enc->task == TASK_CLASSIFICATION ? enc->nclasses : 1;

	for (int i = 0; i < cfg->num_layers; i++)
	{
		params += (double) in * cfg->units[i] + cfg->units[i];
		units += cfg->units[i];
		in = cfg->units[i];
	}
	params += (double) in * outputs + outputs;
	units += outputs + enc->ncols;
	return (size_t) (sizeof(float) * (params * 5 + units * 3 * cfg->batch_size));
}

typedef struct ExecutionOutcome
{
	int			best_step;
	double		best;
	int			nmetrics;
	MetricValue *metrics;		/* at best_step */
	double	   *epoch_seconds;
	int64		model_id;
} ExecutionOutcome;

/* train one model; its metrics and checkpoint go to the catalog */
static void
train_execution(const Study *study, const char *hypermodel, int trial_id, int execution,
				const HpSpace *space, const HpAssignment *values, const TrainData *data,
				const SearchArgs *args, const char *objective, bool maximize,
				uint64 seed, ExecutionOutcome *out)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt = AllocSetContextCreate(caller, "hptune execution", ALLOCSET_DEFAULT_SIZES);
	ModelConfig cfg;
	Model	   *model;
	Trainer    *trainer;
	const Dataset *val = data->validation.nrows > 0 ? &data->validation : NULL;
	size_t		nparams;
	float	   *params;
	float	   *best_params;
	float	   *pred = NULL;
	Jsonb	   *hps;

	MemoryContextSwitchTo(cxt);
	model_config_init(&cfg, train_hypermodel_kind(hypermodel), args->batch_size);
	for (int i = 0; i < space->n; i++)
		model_config_set(&cfg, space->hps[i].name, values->values[i]);
	cfg.seed = seed ^ ((uint64) trial_id * UINT64CONST(0xBF58476D1CE4E5B9)) ^
		((uint64) (execution + 1) * UINT64CONST(0x94D049BB133111EB));
	loader_check_memory(train_model_bytes(&cfg, data->enc) +
						dataset_bytes(data->train.nrows, data->train.ncols) +
						dataset_bytes(data->validation.nrows, data->validation.ncols),
						"training this model",
						"Raise hptune.max_memory, or narrow the ranges of units, num_layers or batch_size.");
	model = model_create(&cfg, data->enc);
	train_set_blas_threads();
	trainer = trainer_create(model, &data->train, val);
	params = model_params(model, &nparams);
	best_params = palloc_extended(sizeof(float) * nparams, MCXT_ALLOC_HUGE);
	if (val && data->ncustom > 0)
		pred = palloc_extended(sizeof(float) * val->nrows * model_num_outputs(model), MCXT_ALLOC_HUGE);

	out->best_step = -1;
	out->epoch_seconds = MemoryContextAlloc(caller, sizeof(double) * args->epochs);
	for (int epoch = 0; epoch < args->epochs; epoch++)
	{
		EpochResult r;
		MetricValue *m;
		int			n;
		int			k;

		CHECK_FOR_INTERRUPTS();
		trainer_run_epoch(trainer, &r);
		if (r.diverged)
			ereport(ERROR,
					(errcode(ERRCODE_FLOATING_POINT_EXCEPTION),
					 errmsg("training diverged: the loss became NaN or infinite"),
					 errdetail("Epoch %d of execution %d of trial %d.", epoch + 1, execution, trial_id),
					 errhint("Lower the learning rate, or narrow its range.")));
		out->epoch_seconds[epoch] = r.seconds;
		n = r.nmetrics;
		m = palloc(sizeof(MetricValue) * (n + data->ncustom));
		memcpy(m, r.metrics, sizeof(MetricValue) * n);
		if (pred)
		{
			model_predict(model, val->x, val->nrows, pred);
			for (int c = 0; c < data->ncustom; c++)
			{
				m[n].name = data->custom_names[c];
				m[n++].value = train_custom_metric(data->custom_aggs[c], val, pred,
												   model_num_outputs(model), data->enc->task);
			}
		}
		if (study && trial_id >= 0)
			catalog_insert_metrics(study->study_id, trial_id, execution, epoch, m, n);
		k = train_find_metric(m, n, objective);
		if (k >= 0 && !isnan(m[k].value) &&
			(out->best_step < 0 || (maximize ? m[k].value > out->best : m[k].value < out->best)))
		{
			out->best = m[k].value;
			out->best_step = epoch;
			memcpy(best_params, params, sizeof(float) * nparams);
			out->nmetrics = n;
			out->metrics = MemoryContextAlloc(caller, sizeof(MetricValue) * n);
			for (int i = 0; i < n; i++)
			{
				out->metrics[i].name = MemoryContextStrdup(caller, m[i].name);
				out->metrics[i].value = m[i].value;
			}
		}
	}
	if (out->best_step < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FLOATING_POINT_EXCEPTION),
				 errmsg("objective \"%s\" was never a number", objective),
				 errhint("Check the data and the metric.")));
	memcpy(params, best_params, sizeof(float) * nparams);
	{
		size_t		len;
		void	   *blob = model_serialize(model, data->enc, &len);
		bytea	   *b = palloc_extended(VARHDRSZ + len, MCXT_ALLOC_HUGE);

		SET_VARSIZE(b, VARHDRSZ + len);
		memcpy(VARDATA(b), blob, len);
		hps = hp_assignment_to_jsonb(space, values);
		out->model_id = catalog_insert_model(study, trial_id, execution,
											 out->best_step, hypermodel, hps, b);
	}
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(cxt);
}

TrialTraining *
train_trial(const Study *study, const char *hypermodel, int trial_id,
			const HpSpace *space, const HpAssignment *values, const TrainData *data,
			const SearchArgs *args, const char *objective, bool maximize,
			uint64 seed, int executions)
{
	TrialTraining *tt = palloc0(sizeof(TrialTraining));
	ExecutionOutcome *outs = palloc0(sizeof(ExecutionOutcome) * executions);
	MetricValue *avg;

	for (int e = 0; e < executions; e++)
		train_execution(study, hypermodel, trial_id, e, space, values, data, args,
						objective, maximize, seed, &outs[e]);

	/* average over executions, metric by metric, at each one's best epoch */
	avg = palloc0(sizeof(MetricValue) * outs[0].nmetrics);
	for (int i = 0; i < outs[0].nmetrics; i++)
	{
		avg[i].name = outs[0].metrics[i].name;
		for (int e = 0; e < executions; e++)
			avg[i].value += outs[e].metrics[i].value / executions;
	}
	tt->score = 0;
	for (int e = 0; e < executions; e++)
		tt->score += outs[e].best / executions;
	tt->best_step = outs[0].best_step;
	tt->metrics = train_metrics_jsonb(avg, outs[0].nmetrics);
	tt->epoch_seconds = outs[0].epoch_seconds;
	tt->nepochs = args->epochs;
	tt->model_id = outs[0].model_id;
	return tt;
}
