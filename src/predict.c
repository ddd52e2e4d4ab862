/*-------------------------------------------------------------------------
 *
 * predict.c
 *	  Models in use: predict, predict_class, predict_query, evaluate and
 *	  model_summary (training outside a search is fit.c).
 *
 * Model cache.  predict() is called once per row, so deserialising the
 * blob each time would dominate.  Each backend keeps the models it used
 * last in a memory context of its own, keyed by the row version that held
 * the blob: model_id, the relation (hptune.models re-created by DROP and
 * CREATE EXTENSION is another relation), the row's ctid and xmin (an UPDATE
 * writes a new version, in another place), and the blob's 24-byte header,
 * which holds its length and checksum.  So a blob rewritten or damaged in
 * the same transaction, or a model re-created under the same id, is a new
 * entry, never a stale one.  The cache is consulted once per statement: the
 * first call of a statement reads the key, under the caller's row-level
 * security; later calls of the same statement use the entry pinned in
 * fn_extra (PredictPin), until a command writes something.
 *
 * Snapshots.  Models are read with a snapshot taken when the model is
 * looked up, not the statement's, so that a model created earlier in the
 * same statement (hptune.evaluate(hptune.retrain(...), ...)) is found.  In
 * a parallel worker no new snapshot can be taken, and nothing can have
 * been written since the statement began: the active snapshot serves.
 *
 * Every blob is validated when it is loaded: model_deserialize checks its
 * structure (magic, version, sizes, checksum, the feature descriptions'
 * kinds, widths and offsets), predict_load what depends on the server
 * (text valid in the database encoding, distinct vocabulary entries and
 * class labels).  Every column of a row is checked against the kind its
 * feature had in training before it is encoded, as the loader does for
 * evaluate() and predict_query(); a corrupted blob or a mismatched row is
 * an error, never a crash.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"

#include "args.h"
#include "catalog.h"
#include "encode.h"
#include "hpjson.h"
#include "loader.h"
#include "trial.h"

#define PREDICT_CACHE_SIZE 8

typedef struct CachedModel
{
	ModelVersion version;
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

/* a snapshot taken now, for reading models; false when none can be */
static bool
predict_push_snapshot(void)
{
	if (IsInParallelMode())
		return false;
	PushCopiedSnapshot(GetTransactionSnapshot());
	UpdateActiveSnapshotCommandId();
	return true;
}

/* a model's blob, read with a snapshot taken now */
static bytea *
predict_fetch_blob(int64 model_id)
{
	bool		pushed = predict_push_snapshot();
	bytea	   *blob = catalog_get_model(model_id, NULL, NULL);

	if (pushed)
		PopActiveSnapshot();
	return blob;
}

static void
predict_bad_text(const char *what, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid model data"),
			 errdetail("%s %s.", what, problem),
			 errhint("The stored model is damaged or was not written by hptune; train it again.")));
}

/* text from a blob becomes SQL text and error messages: check it */
static void
predict_check_text(const char *s, const char *what)
{
	if (!pg_verifymbstr(s, strlen(s), true))
		predict_bad_text(what, psprintf("is not valid in the database encoding %s",
										GetDatabaseEncodingName()));
}

/* n words, each valid text, no two equal; what is "Class label %d" or so */
static void
predict_check_words(const char **words, int n, const char *what, int feature)
{
	Vocab	   *v = vocab_create();

	for (int i = 0; i < n; i++)
	{
		char	   *name = feature > 0 ?
			psprintf("%s %d of feature %d", what, i + 1, feature) :
			psprintf("%s %d", what, i + 1);

		predict_check_text(words[i], name);
		if (vocab_add(v, words[i]) != i)
			predict_bad_text(name, "repeats an earlier one");
		pfree(name);
	}
}

/*
 * A blob as a model and its encoding (enc may be NULL), everything the
 * shell will trust checked: model_deserialize checks the structure, this
 * the text.  Allocated in CurrentMemoryContext.
 */
static Model *
predict_load(bytea *blob, DatasetEncoding **enc_out)
{
	DatasetEncoding *enc;
	Model	   *model = model_deserialize(VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob), &enc);

	predict_check_text(enc->label_name, "The label name");
	if (enc->label_type)
		predict_check_text(enc->label_type, "The label type");
	for (int i = 0; i < enc->nfeatures; i++)
	{
		predict_check_text(enc->features[i].name, psprintf("The name of feature %d", i + 1));
		predict_check_words(enc->features[i].vocab, enc->features[i].nvocab,
							"Vocabulary entry", i + 1);
	}
	predict_check_words(enc->classes, enc->nclasses, "Class label", 0);
	if (enc_out)
		*enc_out = enc;
	return model;
}

/* deserialise a blob into a cache slot's own context */
static void
predict_fill(CachedModel *c, bytea *blob)
{
	MemoryContext old = MemoryContextSwitchTo(c->cxt);

	trial_set_blas_threads();
	c->model = predict_load(blob, &c->enc);
	c->vocabs = palloc0(sizeof(Vocab *) * Max(c->enc->nfeatures, 1));
	for (int i = 0; i < c->enc->nfeatures; i++)
		if (c->enc->features[i].kind == FEATURE_ONEHOT)
			c->vocabs[i] = vocab_from_words(c->enc->features[i].vocab, c->enc->features[i].nvocab);
	c->input = palloc0(sizeof(float) * Max(c->enc->ncols, 1));
	c->output = palloc0(sizeof(float) * model_num_outputs(c->model));
	MemoryContextSwitchTo(old);
}

static bool
predict_same_version(const ModelVersion *a, const ModelVersion *b)
{
	return a->model_id == b->model_id && a->relid == b->relid &&
		ItemPointerEquals((ItemPointer) &a->ctid, (ItemPointer) &b->ctid) &&
		a->xmin == b->xmin && a->header_len == b->header_len &&
		memcmp(a->header, b->header, a->header_len) == 0;
}

/* the model, from the cache when its row is unchanged */
static CachedModel *
predict_lookup(int64 model_id)
{
	ModelVersion version;
	bool		found;
	bytea	   *blob = NULL;
	CachedModel *volatile c;
	bool		pushed = predict_push_snapshot();

	found = catalog_model_version(model_id, &version);
	for (int i = 0; found && i < PREDICT_CACHE_SIZE; i++)
	{
		c = &predict_cache[i];
		if (c->model && c->userid == GetUserId() &&
			predict_same_version(&c->version, &version))
		{
			if (pushed)
				PopActiveSnapshot();
			return c;
		}
	}
	/* not cached, or not visible: catalog_get_model says which */
	blob = catalog_get_model(model_id, NULL, NULL);
	if (pushed)
		PopActiveSnapshot();
	if (!found)
		elog(ERROR, "model " INT64_FORMAT " vanished between two reads", model_id);

	c = &predict_cache[predict_cache_next];
	predict_cache_next = (predict_cache_next + 1) % PREDICT_CACHE_SIZE;
	if (c->cxt == NULL)
		c->cxt = AllocSetContextCreate(TopMemoryContext, "hptune model cache",
									   ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(c->cxt);
	c->model = NULL;
	c->version = version;
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
	return c;
}

/*
 * A call site's pin on a cache entry, in fn_extra: valid while the model id,
 * the role and the command are the same.  An expression can outlive a
 * statement (PL/pgSQL keeps a simple expression's state for the whole
 * transaction); any write since the pin, such as an UPDATE of the blob,
 * advances the command id, so the next call looks the model up again.
 */
typedef struct PredictPin
{
	CachedModel *entry;
	int64		model_id;
	Oid			userid;
	LocalTransactionId lxid;
	CommandId	cid;
} PredictPin;

/* the statement's model: looked up on the first call, then pinned */
static CachedModel *
predict_get_model(FunctionCallInfo fcinfo, int64 model_id)
{
	PredictPin *pin = (PredictPin *) fcinfo->flinfo->fn_extra;
	CommandId	cid = GetCurrentCommandId(false);

	if (pin == NULL)
		pin = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(PredictPin));
	else if (pin->entry && pin->entry->model && pin->model_id == model_id &&
			 pin->entry->version.model_id == model_id &&
			 pin->userid == GetUserId() && pin->lxid == MyProc->lxid &&
			 pin->cid == cid)
		return pin->entry;
	pin->entry = NULL;
	pin->entry = predict_lookup(model_id);
	pin->model_id = model_id;
	pin->userid = GetUserId();
	pin->lxid = MyProc->lxid;
	pin->cid = cid;
	return pin->entry;
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

/* a row's column must have the kind its feature had in training */
static void
predict_check_column(const FeatureSpec *f, Oid typid)
{
	FeatureKind kind;

	if (!encode_type_kind(typid, &kind) || kind != f->kind)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of the row does not match the training data", f->name),
				 errdetail("The model was trained on %s there; the row has type %s.",
						   dataset_feature_kind_words(f->kind), format_type_be(typid)),
				 errhint("Pass a row with the training query's columns, of the same types.")));
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
		predict_check_column(f, TupleDescAttr(desc, att)->atttypid);
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
	hpjson_add_metrics(&o, r->metrics, r->nmetrics);
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
	int64		model_id;
	char	   *query;
	char	   *key;
	DatasetEncoding *enc;
	Model	   *model;
	char	  **keys;
	Dataset		d;
	int			k;
	float	   *out;
	Datum	   *elems;

	args_not_null(fcinfo, 0, "model_id", "Pass the model_id of a row of hptune.models.");
	args_not_null(fcinfo, 1, "query", "Pass a query that returns the training query's feature columns.");
	model_id = PG_GETARG_INT64(0);
	query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	key = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	model = predict_load(predict_fetch_blob(model_id), &enc);
	d = loader_load_features(query, enc, key, &keys);
	k = model_num_outputs(model);
	elems = palloc(sizeof(Datum) * k);
	loader_check_memory(sizeof(float) * d.nrows * k + dataset_bytes(d.nrows, d.ncols) +
						(size_t) model_predict_bytes(model, d.nrows),
						"predicting these rows",
						"Raise hptune.max_memory to hold the model, its buffers for a chunk of rows, and the rows with their predictions, or predict fewer rows at a time.");
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
	DatasetEncoding *enc;
	Model	   *model = predict_load(predict_fetch_blob(model_id), &enc);
	Dataset		d = loader_load_encoded(query, "evaluation", enc, NULL, 0);
	EpochResult r;

	if (d.nrows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA),
				 errmsg("the evaluation query returned no rows"),
				 errhint("Check the query's WHERE clause.")));
	loader_check_memory(dataset_bytes(d.nrows, d.ncols) + (size_t) model_evaluate_bytes(model, d.nrows),
						"evaluating this model",
						"Raise hptune.max_memory to hold the model, its buffers for a chunk of rows, and the rows, or evaluate fewer rows at a time.");
	trial_set_blas_threads();
	model_evaluate(model, &d, enc->task, &r);
	PG_RETURN_JSONB_P(predict_metrics_jsonb(&r, "rows", (double) d.nrows));
}

PG_FUNCTION_INFO_V1(hptune_model_summary);
Datum
hptune_model_summary(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Model	   *model = predict_load(predict_fetch_blob(PG_GETARG_INT64(0)), NULL);
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
