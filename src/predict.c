/*-------------------------------------------------------------------------
 *
 * predict.c
 *	  Models in use: predict, predict_class, evaluate, model_summary, and
 *	  training outside a search: fit and retrain.
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

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
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

#include "catalog.h"
#include "encode.h"
#include "hpjson.h"
#include "loader.h"
#include "trial.h"

#define PREDICT_CACHE_SIZE 8
#define PREDICT_BLOB_HEADER 24	/* magic, version, length, checksum */

/* which row version held a model's blob (see the file header) */
typedef struct ModelVersion
{
	int64		model_id;
	Oid			relid;
	ItemPointerData ctid;
	TransactionId xmin;
	int			header_len;
	uint8		header[PREDICT_BLOB_HEADER];
} ModelVersion;

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

/* the row version holding the model now; false when no row is visible */
static bool
predict_model_version(int64 model_id, ModelVersion *v)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(model_id)};
	bool		found = false;

	memset(v, 0, sizeof(*v));
	v->model_id = model_id;
	SPI_connect();
	if (SPI_execute_with_args("SELECT tableoid, ctid, xmin,"
							  " pg_catalog.substring(model, 1, 24)"
							  " FROM hptune.models WHERE model_id OPERATOR(pg_catalog.=) $1",
							  1, types, values, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		d;

		v->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		ItemPointerCopy((ItemPointer) DatumGetPointer(SPI_getbinval(tup, desc, 2, &isnull)), &v->ctid);
		v->xmin = DatumGetTransactionId(SPI_getbinval(tup, desc, 3, &isnull));
		d = SPI_getbinval(tup, desc, 4, &isnull);
		if (!isnull)
		{
			bytea	   *h = DatumGetByteaPP(d);

			v->header_len = Min(VARSIZE_ANY_EXHDR(h), PREDICT_BLOB_HEADER);
			memcpy(v->header, VARDATA_ANY(h), v->header_len);
		}
		found = true;
	}
	SPI_finish();
	return found;
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

	found = predict_model_version(model_id, &version);
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

static const char *
predict_kind_words(FeatureKind kind)
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
						   predict_kind_words(f->kind), format_type_be(typid)),
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

/* an argument that must not be null: 22004 naming it */
static void
predict_arg_not_null(FunctionCallInfo fcinfo, int argno, const char *name,
					 const char *hint)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name),
				 errdetail("hptune.%s() was called with %s => NULL.",
						   get_func_name(fcinfo->flinfo->fn_oid), name),
				 errhint("%s", hint)));
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

	predict_arg_not_null(fcinfo, 0, "model_id", "Pass the model_id of a row of hptune.models.");
	predict_arg_not_null(fcinfo, 1, "query", "Pass a query that returns the training query's feature columns.");
	model_id = PG_GETARG_INT64(0);
	query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	key = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	model = predict_load(predict_fetch_blob(model_id), &enc);
	d = loader_load_features(query, enc, key, &keys);
	k = model_num_outputs(model);
	elems = palloc(sizeof(Datum) * k);
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
	DatasetEncoding *enc;
	Model	   *model = predict_load(predict_fetch_blob(model_id), &enc);
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
		{
			double		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
															   NumericGetDatum(v.val.numeric)));

			/* numeric_int8 rounds; beyond bigint it would fail without saying why */
			if (!(fabs(d) < 9.2e18))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("options.seed is out of range"),
						 errdetail("options is %s; a seed is a bigint.",
								   JsonbToCString(NULL, &options->root, 0)),
						 errhint("Pass an integer such as '{\"seed\": 42}'.")));
		}
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

/*
 * The arguments fit() and retrain() share, by position: train, epochs,
 * batch_size, options.  NULL is refused where the SQL default is not NULL.
 */
static void
predict_train_args(FunctionCallInfo fcinfo, SearchArgs *a, int train, int epochs,
				   int batch_size, int options)
{
	memset(a, 0, sizeof(SearchArgs));
	predict_arg_not_null(fcinfo, train, "train", "Pass train => a query whose last column is the label.");
	predict_arg_not_null(fcinfo, epochs, "epochs", "Pass epochs => a positive number, or leave it out for 1.");
	predict_arg_not_null(fcinfo, batch_size, "batch_size", "Pass batch_size => a positive number, or leave it out for 32.");
	predict_arg_not_null(fcinfo, options, "options", "Pass options => '{}', or leave it out.");
	a->train = text_to_cstring(PG_GETARG_TEXT_PP(train));
	a->epochs = PG_GETARG_INT32(epochs);
	a->batch_size = PG_GETARG_INT32(batch_size);
	a->options = PG_GETARG_JSONB_P(options);
}

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

/*
 * fit(hypermodel, hyperparameters, train, validation, validation_split,
 *	   label, features, epochs, batch_size, options)
 */
PG_FUNCTION_INFO_V1(hptune_fit);
Datum
hptune_fit(PG_FUNCTION_ARGS)
{
	SearchArgs	a;
	TrainData  *data;
	TrialTraining *tt;

	predict_arg_not_null(fcinfo, 0, "hypermodel", "Pass hypermodel => 'mlp' or 'linear'.");
	predict_arg_not_null(fcinfo, 1, "hyperparameters", "Pass hyperparameters => '{}' for the defaults.");
	predict_train_args(fcinfo, &a, 2, 7, 8, 9);
	a.validation = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	a.has_validation_split = !PG_ARGISNULL(4);
	a.validation_split = a.has_validation_split ? PG_GETARG_FLOAT8(4) : 0;
	a.label = PG_ARGISNULL(5) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(5));
	if (!PG_ARGISNULL(6))
		trial_args_features(&a, PG_GETARG_ARRAYTYPE_P(6));
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
	predict_train_args(fcinfo, &a, 1, 2, 5, 6);
	a.label = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (!PG_ARGISNULL(4))
		trial_args_features(&a, PG_GETARG_ARRAYTYPE_P(4));
	trial_args_check(&a);
	SPI_connect();
	if (SPI_execute_with_args("SELECT hyperparameters FROM hptune.leaderboard"
							  " WHERE study_id OPERATOR(pg_catalog.=) $1"
							  " ORDER BY rank, trial_id LIMIT 1",
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
