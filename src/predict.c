/*-------------------------------------------------------------------------
 *
 * predict.c
 *	  Models in use: predict, predict_class, evaluate, model_summary, and
 *	  training outside a search: fit and retrain.
 *
 * Model cache.  predict() is called once per row, so deserialising the
 * blob each time would dominate.  Each backend keeps the models it used
 * last, keyed by model_id and the row's xmin (a rewritten row is a new
 * version), in a memory context of its own.  The cache is consulted once per
 * statement: the first call of a statement checks, under the caller's
 * row-level security, that the row is still visible and unchanged; later
 * calls of the same statement use the entry pinned in fn_extra.
 *
 * Every blob is validated by model_deserialize (magic, version, sizes,
 * checksum) before use; a corrupted one is an error, never a crash.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "catalog.h"
#include "encode.h"
#include "hpjson.h"
#include "loader.h"
#include "trial.h"

#define PREDICT_CACHE_SIZE 8

typedef struct CachedModel
{
	int64		model_id;
	TransactionId xmin;
	Oid			userid;
	MemoryContext cxt;
	Model	   *model;
	DatasetEncoding *enc;
	Vocab	  **vocabs;			/* per feature, one-hot only */
	float	   *input;			/* one encoded row */
	float	   *output;
} CachedModel;

static CachedModel predict_cache[PREDICT_CACHE_SIZE];
static int	predict_cache_next;

/* deserialise a blob into a cache slot's own context */
static void
predict_fill(CachedModel *c, bytea *blob)
{
	MemoryContext old = MemoryContextSwitchTo(c->cxt);

	trial_set_blas_threads();
	c->model = model_deserialize(VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob), &c->enc);
	/* text from a blob becomes SQL text: it must be valid in this encoding */
	for (int i = 0; i < c->enc->nclasses; i++)
		pg_verifymbstr(c->enc->classes[i], strlen(c->enc->classes[i]), false);
	for (int i = 0; i < c->enc->nfeatures; i++)
		for (int k = 0; k < c->enc->features[i].nvocab; k++)
			pg_verifymbstr(c->enc->features[i].vocab[k], strlen(c->enc->features[i].vocab[k]), false);
	c->vocabs = palloc0(sizeof(Vocab *) * Max(c->enc->nfeatures, 1));
	for (int i = 0; i < c->enc->nfeatures; i++)
		if (c->enc->features[i].kind == FEATURE_ONEHOT)
			c->vocabs[i] = vocab_from_words(c->enc->features[i].vocab, c->enc->features[i].nvocab);
	c->input = palloc0(sizeof(float) * Max(c->enc->ncols, 1));
	c->output = palloc0(sizeof(float) * model_num_outputs(c->model));
	MemoryContextSwitchTo(old);
}

static TransactionId
predict_row_xmin(int64 model_id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(model_id)};
	TransactionId xmin = InvalidTransactionId;

	SPI_connect();
	if (SPI_execute_with_args("SELECT xmin::text FROM hptune.models WHERE model_id = $1",
							  1, types, values, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
		xmin = (TransactionId) strtoul(SPI_getvalue(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc, 1), NULL, 10);
	SPI_finish();
	return xmin;
}

static CachedModel *
predict_get_model(FunctionCallInfo fcinfo, int64 model_id)
{
	CachedModel *volatile c = (CachedModel *) fcinfo->flinfo->fn_extra;
	TransactionId xmin;
	bytea	   *blob;

	if (c && c->model_id == model_id && c->model)
		return c;
	xmin = predict_row_xmin(model_id);
	for (int i = 0; i < PREDICT_CACHE_SIZE; i++)
	{
		c = &predict_cache[i];
		if (c->model && c->model_id == model_id && c->xmin == xmin &&
			c->userid == GetUserId() && TransactionIdIsValid(xmin))
		{
			fcinfo->flinfo->fn_extra = c;
			return c;
		}
	}
	blob = catalog_get_model(model_id, NULL, NULL);
	c = &predict_cache[predict_cache_next];
	predict_cache_next = (predict_cache_next + 1) % PREDICT_CACHE_SIZE;
	if (c->cxt == NULL)
		c->cxt = AllocSetContextCreate(TopMemoryContext, "hptune model cache",
									   ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(c->cxt);
	c->model = NULL;
	c->model_id = model_id;
	c->xmin = xmin;
	c->userid = GetUserId();
	PG_TRY();
	{
		predict_fill(c, blob);
	}
	PG_CATCH();
	{
		c->model = NULL;
		MemoryContextReset(c->cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	fcinfo->flinfo->fn_extra = c;
	return c;
}

/* encode a numeric array as the model's whole input row */
static void
predict_encode_array(CachedModel *c, ArrayType *arr, Oid typid)
{
	FeatureSpec f = {.name = "features",.kind = FEATURE_ARRAY,.width = c->enc->ncols};

	for (int i = 0; i < c->enc->nfeatures; i++)
		if (c->enc->features[i].kind == FEATURE_ONEHOT)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("this model needs its features as a row"),
					 errdetail("Feature \"%s\" is a text column.", c->enc->features[i].name),
					 errhint("Pass the row, e.g. hptune.predict(model_id, t) FROM t.")));
	encode_dense(&f, typid, PointerGetDatum(arr), false, c->input,
				 (RowRef) {.what = "The array"});
}

/* encode a row: the model's feature columns, matched by name */
static void
predict_encode_row(CachedModel *c, HeapTupleHeader rec)
{
	Oid			tupType = HeapTupleHeaderGetTypeId(rec);
	int32		tupTypmod = HeapTupleHeaderGetTypMod(rec);
	TupleDesc	desc = lookup_rowtype_tupdesc(tupType, tupTypmod);
	HeapTupleData tuple;

	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	tuple.t_data = rec;
	for (int i = 0; i < c->enc->nfeatures; i++)
	{
		const FeatureSpec *f = &c->enc->features[i];
		int			att = -1;
		bool		isnull;
		Datum		d;
		float	   *dst = c->input + f->offset;

		for (int a = 0; a < desc->natts && att < 0; a++)
			if (!TupleDescAttr(desc, a)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, a)->attname), f->name) == 0)
				att = a;
		if (att < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("the row has no column \"%s\"", f->name),
					 errdetail("The model was trained on feature \"%s\".", f->name),
					 errhint("Pass a row with the training query's feature columns.")));
		d = heap_getattr(&tuple, att + 1, desc, &isnull);
		if (isnull && !f->has_impute)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("column \"%s\" is null", f->name),
					 errhint("Train with options => '{\"impute\": \"mean\"}' to accept nulls.")));
		if (f->kind == FEATURE_ONEHOT)
		{
			memset(dst, 0, sizeof(float) * f->width);
			if (!isnull)
			{
				char	   *text = encode_datum_text(TupleDescAttr(desc, att)->atttypid, d);
				int32		code = vocab_lookup(c->vocabs[i], text);

				if (code >= 0)
					dst[code] = 1.0f;
			}
		}
		else if (!encode_dense(f, TupleDescAttr(desc, att)->atttypid, d, isnull, dst,
							   (RowRef) {.what = "The row"}))
			for (int k = 0; k < f->width; k++)
				dst[k] = f->impute_value;
	}
	ReleaseTupleDesc(desc);
}

static CachedModel *
predict_run(FunctionCallInfo fcinfo)
{
	int64		model_id = PG_GETARG_INT64(0);
	Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, 1);
	CachedModel *c = predict_get_model(fcinfo, model_id);

	if (type_is_rowtype(argtype))
		predict_encode_row(c, PG_GETARG_HEAPTUPLEHEADER(1));
	else if (OidIsValid(get_element_type(argtype)))
		predict_encode_array(c, PG_GETARG_ARRAYTYPE_P(1), argtype);
	else
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("features must be a row or a numeric array"),
				 errdetail("The argument has type %s.", format_type_be(argtype)),
				 errhint("Pass the table row (t) or an array such as image.")));
	/* the model keeps scratch buffers across calls: they belong to the cache */
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		model_predict(c->model, c->input, 1, c->output);
		MemoryContextSwitchTo(old);
	}
	return c;
}

PG_FUNCTION_INFO_V1(hptune_predict);
Datum
hptune_predict(PG_FUNCTION_ARGS)
{
	CachedModel *c = predict_run(fcinfo);
	int			n = model_num_outputs(c->model);
	ArrayType  *result;
	Datum	   *elems = palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		elems[i] = Float4GetDatum(c->output[i]);
	result = construct_array_builtin(elems, n, FLOAT4OID);
	PG_RETURN_ARRAYTYPE_P(result);
}

PG_FUNCTION_INFO_V1(hptune_predict_class);
Datum
hptune_predict_class(PG_FUNCTION_ARGS)
{
	CachedModel *c = predict_run(fcinfo);
	int			n = model_num_outputs(c->model);
	int			best = 0;

	if (c->enc->task != TASK_CLASSIFICATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model %lld is a regression model", (long long) PG_GETARG_INT64(0)),
				 errdetail("It predicts \"%s\" as a number.", c->enc->label_name),
				 errhint("Use hptune.predict() for regression models.")));
	for (int i = 1; i < n; i++)
		if (c->output[i] > c->output[best])
			best = i;
	PG_RETURN_TEXT_P(cstring_to_text(c->enc->classes[best]));
}

static Jsonb *
predict_metrics_jsonb(const EpochResult *r, const char *extra_key, double extra)
{
	HpJsonObject o;

	hpjson_begin(&o);
	for (int i = 0; i < r->nmetrics; i++)
		hpjson_add_float(&o, r->metrics[i].name, r->metrics[i].value);
	if (extra_key)
		hpjson_add_int(&o, extra_key, (int64) extra);
	return hpjson_end(&o);
}

/*
 * predict_query(model_id, query, key): every row of a query at once, through
 * the batched (sgemm) forward pass, as (key, prediction, predicted_class).
 */
PG_FUNCTION_INFO_V1(hptune_predict_query);
Datum
hptune_predict_query(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		model_id = PG_GETARG_INT64(0);
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *key = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	bytea	   *blob = catalog_get_model(model_id, NULL, NULL);
	DatasetEncoding *enc;
	Model	   *model = model_deserialize(VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob), &enc);
	char	  **keys;
	Dataset		d = loader_load_features(query, enc, key, &keys);
	int			k = model_num_outputs(model);
	float	   *out;
	Datum	   *elems = palloc(sizeof(Datum) * k);

	loader_check_memory(sizeof(float) * d.nrows * k + dataset_bytes(d.nrows, d.ncols),
						"the predictions", "Raise hptune.max_memory, or predict fewer rows at a time.");
	out = palloc_extended(sizeof(float) * Max(d.nrows, 1) * k, MCXT_ALLOC_HUGE);
	trial_set_blas_threads();
	model_predict(model, d.x, d.nrows, out);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	for (int64 r = 0; r < d.nrows; r++)
	{
		const float *p = out + r * k;
		Datum		cols[3];
		bool		nulls[3] = {false, false, false};
		int			best = 0;

		for (int i = 0; i < k; i++)
		{
			elems[i] = Float4GetDatum(p[i]);
			if (p[i] > p[best])
				best = i;
		}
		if (key)
		{
			nulls[0] = keys[r] == NULL;
			cols[0] = keys[r] ? CStringGetTextDatum(keys[r]) : (Datum) 0;
		}
		else
			cols[0] = CStringGetTextDatum(psprintf(INT64_FORMAT, r + 1));
		cols[1] = PointerGetDatum(construct_array_builtin(elems, k, FLOAT4OID));
		nulls[2] = enc->task != TASK_CLASSIFICATION;
		cols[2] = nulls[2] ? (Datum) 0 : CStringGetTextDatum(enc->classes[best]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, cols, nulls);
		CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(hptune_evaluate);
Datum
hptune_evaluate(PG_FUNCTION_ARGS)
{
	int64		model_id = PG_GETARG_INT64(0);
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bytea	   *blob = catalog_get_model(model_id, NULL, NULL);
	DatasetEncoding *enc;
	Model	   *model = model_deserialize(VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob), &enc);
	Dataset		d = loader_load_encoded(query, "evaluation", enc, NULL, 0);
	EpochResult r;

	if (d.nrows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA),
				 errmsg("the evaluation query returned no rows"),
				 errhint("Check the query's WHERE clause.")));
	trial_set_blas_threads();
	model_evaluate(model, &d, enc->task, &r);
	PG_RETURN_JSONB_P(predict_metrics_jsonb(&r, "rows", (double) d.nrows));
}

PG_FUNCTION_INFO_V1(hptune_model_summary);
Datum
hptune_model_summary(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *blob = catalog_get_model(PG_GETARG_INT64(0), NULL, NULL);
	Model	   *model = model_deserialize(VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob), NULL);
	int			n;
	char	  **lines = model_summary(model, &n);

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	for (int i = 0; i < n; i++)
	{
		Datum		v = CStringGetTextDatum(lines[i]);
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &isnull);
	}
	return (Datum) 0;
}

/* a jsonb object of hyperparameters as a space of fixed values */
static HpSpace *
predict_space_from_jsonb(Jsonb *jb, HpAssignment *values)
{
	HpSpace    *space = palloc0(sizeof(HpSpace));
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;
	int			n = 0;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyperparameters must be a jsonb object"),
				 errdetail("hyperparameters is %s.", JsonbToCString(NULL, &jb->root, 0)),
				 errhint("Pass an object such as '{\"units\": 64}'.")));
	space->hps = palloc0(sizeof(HpDef) * Max(JB_ROOT_COUNT(jb), 1));
	values->values = palloc0(sizeof(HpValue) * Max(JB_ROOT_COUNT(jb), 1));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_VALUE)
		{
			space->hps[n].name = key;
			space->hps[n].kind = HP_FIXED;
			space->hps[n].default_value = hpjson_value(&v);
			values->values[n] = space->hps[n].default_value;
			n++;
		}
	}
	space->n = values->n = n;
	return space;
}

/* options.seed makes a training run repeatable; without it, a fresh seed */
static uint64
predict_seed(Jsonb *options)
{
	JsonbValue	v;

	if (getKeyJsonValueFromContainer(&options->root, "seed", 4, &v))
	{
		if (v.type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options.seed must be a number"),
					 errdetail("options is %s.", JsonbToCString(NULL, &options->root, 0)),
					 errhint("Pass an integer, such as '{\"seed\": 42}'.")));
		return (uint64) DatumGetInt64(DirectFunctionCall1(numeric_int8,
														  NumericGetDatum(v.val.numeric)));
	}
	return ((uint64) random() << 31) ^ (uint64) random();
}

/* shared by fit() and retrain(): one training run outside a search */
static TrialTraining *
predict_train(const Study *study, const char *hypermodel, Jsonb *hps,
			  SearchArgs *args, TrainData **data_out)
{
	HpAssignment values;
	HpSpace    *space = predict_space_from_jsonb(hps, &values);
	TrainData  *data;
	TrialRun	run;

	trial_hypermodel_kind(hypermodel);
	data = trial_load_data(args, study ? study->objective : NULL);
	*data_out = data;
	memset(&run, 0, sizeof(run));
	run.study = study;
	run.hypermodel = hypermodel;
	run.trial_id = -1;
	run.space = space;
	run.values = &values;
	run.data = data;
	run.args = args;
	run.objective = data->validation.nrows > 0 ? "val_loss" : "loss";
	run.maximize = false;
	run.seed = predict_seed(args->options);
	run.executions = 1;
	return trial_run(&run);
}

static void
predict_train_args(FunctionCallInfo fcinfo, SearchArgs *a, int first)
{
	memset(a, 0, sizeof(SearchArgs));
	a->train = PG_ARGISNULL(first) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(first));
	if (a->train == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("train must not be null"),
				 errhint("Pass train => a query whose last column is the label.")));
}

/*
 * fit(hypermodel, hyperparameters, train, validation, validation_split,
 *	   label, features, epochs, batch_size, options)
 */
/* {"model_id", "best_step", "metrics", "epoch_seconds", "load_seconds"} */
static Jsonb *
predict_fit_result(const TrialTraining *tt, const TrainData *data)
{
	HpJsonObject o;
	double	   *seconds = palloc(sizeof(double) * Max(tt->nepochs, 1));

	/* timings to the microsecond */
	for (int i = 0; i < tt->nepochs; i++)
		seconds[i] = rint(tt->epoch_seconds[i] * 1e6) / 1e6;
	hpjson_begin(&o);
	hpjson_add_int(&o, "model_id", tt->model_id);
	hpjson_add_int(&o, "best_step", tt->best_step);
	hpjson_add_jsonb(&o, "metrics", tt->metrics);
	hpjson_add_float_array(&o, "epoch_seconds", seconds, tt->nepochs);
	hpjson_add_float(&o, "load_seconds", rint(data->load_seconds * 1e6) / 1e6);
	return hpjson_end(&o);
}

PG_FUNCTION_INFO_V1(hptune_fit);
Datum
hptune_fit(PG_FUNCTION_ARGS)
{
	SearchArgs	a;
	TrainData  *data;
	TrialTraining *tt;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hypermodel and hyperparameters must not be null"),
				 errhint("Pass hypermodel => 'mlp' and hyperparameters => '{}' for the defaults.")));
	predict_train_args(fcinfo, &a, 2);
	a.validation = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	a.has_validation_split = !PG_ARGISNULL(4);
	a.validation_split = a.has_validation_split ? PG_GETARG_FLOAT8(4) : 0;
	a.label = PG_ARGISNULL(5) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(5));
	if (!PG_ARGISNULL(6))
		trial_args_features(&a, PG_GETARG_ARRAYTYPE_P(6));
	a.epochs = PG_ARGISNULL(7) ? 1 : PG_GETARG_INT32(7);
	a.batch_size = PG_ARGISNULL(8) ? 32 : PG_GETARG_INT32(8);
	a.options = PG_ARGISNULL(9) ? NULL : PG_GETARG_JSONB_P(9);
	trial_args_check(&a);

	tt = predict_train(NULL, text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_JSONB_P(1),
					   &a, &data);
	PG_RETURN_JSONB_P(predict_fit_result(tt, data));
}

/*
 * retrain(study, train, epochs, label, features, batch_size, options): the
 * study's best hyperparameters, trained on all of train.
 */
PG_FUNCTION_INFO_V1(hptune_retrain);
Datum
hptune_retrain(PG_FUNCTION_ARGS)
{
	Study	   *study = catalog_get_study(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)), false);
	SearchArgs	a;
	TrainData  *data;
	TrialTraining *tt;
	Jsonb	   *best = NULL;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(study->study_id)};
	MemoryContext caller = CurrentMemoryContext;

	if (study->hypermodel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("study \"%s\" has no hypermodel to retrain", study->name),
				 errhint("retrain() needs a study created with hypermodel => 'mlp' or 'linear'.")));
	predict_train_args(fcinfo, &a, 1);
	a.epochs = PG_ARGISNULL(2) ? 1 : PG_GETARG_INT32(2);
	a.label = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	a.batch_size = PG_ARGISNULL(5) ? 32 : PG_GETARG_INT32(5);
	if (!PG_ARGISNULL(4))
		trial_args_features(&a, PG_GETARG_ARRAYTYPE_P(4));
	a.options = PG_ARGISNULL(6) ? NULL : PG_GETARG_JSONB_P(6);
	trial_args_check(&a);
	SPI_connect();
	if (SPI_execute_with_args("SELECT hyperparameters FROM hptune.leaderboard"
							  " WHERE study_id = $1 ORDER BY rank, trial_id LIMIT 1",
							  1, types, values, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(caller);

		best = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	if (best == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA),
				 errmsg("study \"%s\" has no completed trial", study->name),
				 errdetail("retrain() trains the hyperparameters of the best completed trial."),
				 errhint("Run hptune.search() first.")));
	tt = predict_train(study, study->hypermodel, best, &a, &data);
	PG_RETURN_INT64(tt->model_id);
}
