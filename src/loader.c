/*-------------------------------------------------------------------------
 *
 * loader.c
 *	  Query results -> float32 matrices (Dataset + DatasetEncoding).
 *
 * The train and validation queries run once per search call, with the
 * caller's privileges and snapshot, through SPI with a DestReceiver of our
 * own: each row is encoded as the executor produces it, straight into the
 * matrix, with no tuple copies.  Numeric arrays are read from the array's
 * data area directly (a float4[] row is one memcpy), not element by element
 * through Datums.
 *
 * Matrix layout: dense features (numbers, booleans, flattened arrays) come
 * first, in column order, with offsets fixed by the first row; one-hot
 * blocks for text and enum columns follow, since their width (the training
 * vocabulary) is known only at the end.  Only when one-hot columns exist is
 * the dense part copied into a wider matrix.  A NULL feature is kept as NaN
 * while reading (NaN in the data itself is an error) and imputed at the end
 * when options.impute says so; otherwise it is an error naming the column.
 *
 * Queries: every user query (train, validation, predict_query's and
 * evaluate's) is prepared by query_prepare (query.c), the one check that it
 * is a single statement that only reads.
 *
 * The task: options.task if given; else the objective (or a built-in
 * metric named in options.metrics) when it is a metric of one task only;
 * else the label's type: float and numeric labels are regression, integer
 * labels are classes unless they have more than LOADER_MAX_CLASSES distinct
 * values or more than a quarter as many as rows, everything else is
 * classification.  An integer label is read as classes and turned into
 * numbers at the end if it turns out to be a regression target.  A NOTICE
 * says what was chosen whenever the label type alone did not make it plain.
 *
 * Memory: the matrix (and the per-row arrays beside it) lives in the
 * caller's context and grows by doubling, but never past what
 * hptune.max_memory leaves: a query that does not fit fails with the rows
 * it really returned, before the allocation, rather than being killed;
 * the planner's row estimate only sizes the first allocation.  Everything
 * else a row needs (detoasted arrays, numeric conversions, text forms of
 * values) is allocated in a per-row context reset after each row, so
 * memory outside the matrix does not grow with the number of rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include <sys/mman.h>

#include "access/tupdesc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/plannodes.h"
#include "portability/instr_time.h"
#include "tcop/dest.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/typcache.h"

#include "loader.h"
#include "query.h"
#include "core/model.h"
#include "encode.h"
#include "guc.h"
#include "hmoptions.h"

#define LOADER_INITIAL_ROWS 1024
#define LOADER_PAGE 4096
#define LOADER_MEMORY_HINT "Raise hptune.max_memory, or select fewer rows or columns."
#define LOADER_MAX_CLASSES 100

typedef struct LoaderColumn
{
	int			attno;			/* 0-based in the query's tuple */
	char	   *name;
	Oid			typid;
	FeatureKind kind;
	int			offset;			/* dense columns: offset in the dense block */
	int			width;
	Vocab	   *vocab;			/* one-hot: training vocabulary */
	int32	   *codes;			/* one-hot: per row, -1 for NULL or unseen */
	double		sum;			/* for mean imputation */
	int64		count;
	bool		has_null;
} LoaderColumn;

typedef struct LoaderState
{
	DestReceiver pub;
	const char *what;			/* "training", "validation" */
	const SearchArgs *args;
	const DatasetEncoding *enc; /* validation: encode as training did */
	bool		impute;			/* options.impute given */
	bool		impute_mean;
	TaskKind	task;
	bool		task_forced;	/* options.task */
	const char *task_metric;	/* the metric that decided the task, or NULL */
	bool		task_metric_option; /* it is named in options.metrics */
	bool		task_by_count;	/* integer label: decided by its distinct values */
	bool		started;
	int			ncolumns;
	LoaderColumn *columns;
	int			label_attno;	/* -1: features only (predicting) */
	bool		features_only;	/* the query need not return the label */
	const char *key_name;		/* features only: a column returned as text */
	int			key_attno;
	char	  **keys;			/* per row: the key column's text, or NULL */
	char	   *label_name;
	Oid			label_type;
	Vocab	   *classes;
	int			dense_width;
	int			array_ndim;		/* see TrainData */
	int			array_dims[3];
	int64		nrows;
	int64		capacity;
	float	   *x;				/* nrows x dense_width */
	float	   *y;
	int32	   *label_codes;	/* classification: per row */
	size_t		other_bytes;	/* memory already held (training data) */
	int64		expected_rows;	/* the planner's estimate, for the first allocation */
	MemoryContext cxt;			/* where the data lives: the caller's context,
								 * not the executor's, which ends with the query */
	MemoryContext rowcxt;		/* one row's work, reset after each row */
} LoaderState;

void
loader_check_memory(size_t bytes, const char *what, const char *hint)
{
	size_t		limit = (size_t) hptune_max_memory_kb * 1024;

	if (bytes > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s needs more memory than hptune.max_memory allows", what),
				 errdetail("It needs %zu kB; hptune.max_memory is %d kB.",
						   bytes / 1024 + 1, hptune_max_memory_kb),
				 errhint("%s", hint)));
}

/*
 * The DestReceiver: set-up from the query's tuple descriptor.
 */
static int
loader_find_column(TupleDesc desc, const char *name, const char *what, const char *role)
{
	StringInfoData names;

	for (int i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
			return i;
	initStringInfo(&names);
	for (int i = 0; i < desc->natts; i++)
		appendStringInfo(&names, "%s\"%s\"", i ? ", " : "",
						 NameStr(TupleDescAttr(desc, i)->attname));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("%s column \"%s\" is not in the %s query", role, name, what),
			 errdetail("The query returns %s.", names.data),
			 errhint("Name a column the query returns, or alias one with AS.")));
	return -1;
}

static bool
loader_is_integer_type(Oid t)
{
	return t == INT2OID || t == INT4OID || t == INT8OID;
}

/* the task a label type means by itself */
static TaskKind
loader_task_of_type(Oid t)
{
	return (t == FLOAT4OID || t == FLOAT8OID || t == NUMERICOID) ?
		TASK_REGRESSION : TASK_CLASSIFICATION;
}

static const char *
loader_task_words(TaskKind task)
{
	return task == TASK_REGRESSION ? "a regression target" : "class labels";
}

static const char *
loader_override_hint(TaskKind task)
{
	return task == TASK_REGRESSION ?
		"Pass options => '{\"task\": \"classification\"}' to train a classifier instead." :
		"Pass options => '{\"task\": \"regression\"}' to predict its values as numbers instead.";
}

/* why a metric decided the task, as a sentence without its period */
static char *
loader_metric_reason(LoaderState *st)
{
	const char *kind = st->task == TASK_REGRESSION ? "regression" : "classification";

	if (st->task_metric_option)
		return psprintf("Option \"metrics\" names \"%s\", a %s metric", st->task_metric, kind);
	return psprintf("The objective \"%s\" is a %s metric", st->task_metric, kind);
}

/*
 * The task once the label's type is known (see the file header); an
 * integer label without options.task or a deciding metric stays open until
 * its distinct values are counted (loader_count_task).
 */
static void
loader_decide_task(LoaderState *st)
{
	Oid			t = st->label_type;

	if (st->enc == NULL && !st->task_forced && st->task_metric == NULL)
	{
		st->task = loader_task_of_type(t);
		st->task_by_count = loader_is_integer_type(t);
	}
	if (st->task == TASK_REGRESSION && !encode_is_numeric_type(t) && t != BOOLOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("regression needs a numeric label"),
				 st->enc ? errdetail("Label column \"%s\" of the %s query has type %s; the model predicts numbers.",
									 st->label_name, st->what, format_type_be(t)) :
				 st->task_metric && !st->task_forced ?
				 errdetail("Label column \"%s\" has type %s. %s.",
						   st->label_name, format_type_be(t), loader_metric_reason(st)) :
				 errdetail("Label column \"%s\" has type %s.", st->label_name, format_type_be(t)),
				 st->enc ? errhint("Return the label the model was trained on, as a number.") :
				 errhint("Use a numeric label, or options => '{\"task\": \"classification\"}'.")));
	if (st->enc == NULL && !st->task_forced && st->task_metric != NULL &&
		(loader_is_integer_type(t) || st->task != loader_task_of_type(t)))
		ereport(NOTICE,
				(errmsg("treating label \"%s\" as %s", st->label_name, loader_task_words(st->task)),
				 errdetail("%s.", loader_metric_reason(st)),
				 errhint("%s", loader_override_hint(st->task))));
}

/*
 * An integer label read as classes: a regression target after all when it
 * has too many distinct values, its codes then replaced by the values.
 */
static void
loader_count_task(LoaderState *st)
{
	int			n = st->classes->n;

	if (n > LOADER_MAX_CLASSES || (int64) n * 4 > st->nrows)
	{
		float	   *values = palloc(sizeof(float) * Max(n, 1));

		for (int i = 0; i < n; i++)
			values[i] = (float) strtod(st->classes->words[i], NULL);
		for (int64 r = 0; r < st->nrows; r++)
			st->y[r] = values[(int32) st->y[r]];
		pfree(values);
		st->task = TASK_REGRESSION;
	}
	ereport(NOTICE,
			(errmsg("treating label \"%s\" as %s", st->label_name, loader_task_words(st->task)),
			 errdetail("The integer label has %d distinct values in " INT64_FORMAT " rows; an integer label is read as class labels only with at most %d distinct values and at least four rows per value.",
					   n, st->nrows, LOADER_MAX_CLASSES),
			 errhint("%s", loader_override_hint(st->task))));
}

static void
loader_setup_columns(LoaderState *st, TupleDesc desc)
{
	const SearchArgs *a = st->args;
	const DatasetEncoding *enc = st->enc;

	if (desc->natts < 2 && enc == NULL && a->nfeatures == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the %s query needs at least two columns", st->what),
				 errdetail("It returns %d.", desc->natts),
				 errhint("Return the features, then the label as the last column.")));
	if (st->features_only)
	{
		st->label_attno = -1;
		st->key_attno = st->key_name ? loader_find_column(desc, st->key_name, st->what, "key") : -1;
	}
	else if (enc)
		st->label_attno = loader_find_column(desc, enc->label_name, st->what, "label");
	else
		st->label_attno = a->label ? loader_find_column(desc, a->label, st->what, "label") :
			desc->natts - 1;
	if (st->label_attno >= 0)
	{
		st->label_name = pstrdup(NameStr(TupleDescAttr(desc, st->label_attno)->attname));
		st->label_type = TupleDescAttr(desc, st->label_attno)->atttypid;
	}

	st->ncolumns = enc ? enc->nfeatures : (a->nfeatures ? a->nfeatures : desc->natts - 1);
	st->columns = palloc0(sizeof(LoaderColumn) * Max(st->ncolumns, 1));
	for (int i = 0, n = 0; n < st->ncolumns; i++)
	{
		LoaderColumn *c = &st->columns[n];

		if (enc)
			c->attno = loader_find_column(desc, enc->features[n].name, st->what, "feature");
		else if (a->nfeatures)
			c->attno = loader_find_column(desc, a->features[n], st->what, "feature");
		else if (i == st->label_attno)
			continue;
		else
			c->attno = i;
		c->name = pstrdup(NameStr(TupleDescAttr(desc, c->attno)->attname));
		c->typid = TupleDescAttr(desc, c->attno)->atttypid;
		c->kind = encode_feature_kind(c->typid, c->name);
		if (enc && c->kind != enc->features[n].kind)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of the %s query does not match the training data",
							c->name, st->what),
					 errdetail("Its type is %s.", format_type_be(c->typid)),
					 errhint("Return the same columns, of the same types, as the training query.")));
		c->width = enc ? enc->features[n].width :
			(c->kind == FEATURE_ARRAY ? -1 : (c->kind == FEATURE_ONEHOT ? 0 : 1));
		if (c->kind == FEATURE_ONEHOT)
			c->vocab = enc ? vocab_from_words(enc->features[n].vocab, enc->features[n].nvocab) :
				vocab_create();
		n++;
	}
	if (st->label_attno >= 0)
		loader_decide_task(st);
	if (st->task == TASK_CLASSIFICATION && st->classes == NULL)
		st->classes = vocab_create();
}

/*
 * Ask for transparent huge pages on a large matrix before it is first
 * written: filling 200 MB through 4 kB page faults costs more than reading
 * the rows.  Only the page-aligned interior is advised; failure is harmless.
 */
static void
loader_advise_huge(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	uintptr_t	start = TYPEALIGN(LOADER_PAGE, (uintptr_t) p);
	uintptr_t	end = TYPEALIGN_DOWN(LOADER_PAGE, (uintptr_t) p + len);

	if (len >= 8 * 1024 * 1024 && end > start)
		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
#endif
}

/*
 * training, at the first row: the shape of a lone array feature of two or
 * three dimensions, and the row's length against hypermodel_options'
 * input_shape (later rows must have the first one's length; one-hot
 * columns, whose width is known only at the end, are checked then, in
 * hmoptions_resolve)
 */
static void
loader_image_layout(LoaderState *st, TupleTableSlot *slot)
{
	const HyperModelOptions *o = &st->args->hmopts;
	int64		size = hmoptions_input_size(o);
	bool		onehot = false;
	LoaderColumn *array = NULL;
	int			ndense = 0;

	for (int i = 0; i < st->ncolumns; i++)
	{
		LoaderColumn *c = &st->columns[i];

		if (c->kind == FEATURE_ONEHOT)
			onehot = true;
		else
			ndense++;
		if (c->kind == FEATURE_ARRAY)
			array = c;
	}
	if (ndense == 1 && !onehot && array != NULL)
	{
		ArrayType  *arr = DatumGetArrayTypeP(slot->tts_values[array->attno]);

		if (ARR_NDIM(arr) == 2 || ARR_NDIM(arr) == 3)
		{
			st->array_ndim = ARR_NDIM(arr);
			memcpy(st->array_dims, ARR_DIMS(arr), sizeof(int) * st->array_ndim);
		}
	}
	if (size > 0 && !onehot && st->dense_width != size)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("row 1 of the %s query has %d values, not the " INT64_FORMAT " of input_shape %s",
						st->what, st->dense_width, size, hmoptions_shape_text(o)),
				 errdetail("Each row's features are read as one image of hypermodel_options.input_shape."),
				 errhint("Pass the input_shape of the images, or select rows of that many values.")));
	if (size > 0 && o->input_rank == 3 && st->array_ndim > 0 &&
		(st->array_dims[0] != o->input_shape[0] ||
		 st->array_dims[1] != o->input_shape[1] ||
		 (st->array_ndim == 3 ? st->array_dims[2] : 1) != o->input_shape[2]))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("row 1 of the %s query has an array of shape %s, not input_shape %s",
						st->what,
						st->array_ndim == 3 ?
						psprintf("[%d, %d, %d]", st->array_dims[0], st->array_dims[1], st->array_dims[2]) :
						psprintf("[%d, %d]", st->array_dims[0], st->array_dims[1]),
						hmoptions_shape_text(o)),
				 errdetail("An array of two or three dimensions is read as height, width and channels."),
				 errhint("Pass the arrays' shape as input_shape, or leave input_shape out to take it from the arrays.")));
}

/* training: array widths and dense offsets come from the first row */
static void
loader_layout(LoaderState *st, TupleTableSlot *slot)
{
	int			offset = 0;

	for (int i = 0; i < st->ncolumns; i++)
	{
		LoaderColumn *c = &st->columns[i];

		if (c->kind == FEATURE_ONEHOT)
			continue;
		if (st->enc == NULL && c->kind == FEATURE_ARRAY)
		{
			ArrayType  *arr;

			if (slot->tts_isnull[c->attno])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("column \"%s\" is null in the first row of the %s query",
								c->name, st->what),
						 errdetail("The length of its arrays is taken from the first row."),
						 errhint("Order the query so that the first row has a value, or filter nulls.")));
			arr = DatumGetArrayTypeP(slot->tts_values[c->attno]);
			c->width = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
			if (c->width == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("arrays in column \"%s\" are empty", c->name),
						 errhint("Return non-empty arrays.")));
		}
		c->offset = st->enc ? st->enc->features[i].offset : offset;
		offset += c->width;
	}
	st->dense_width = st->enc ? st->enc->ncols : offset;
	if (st->dense_width == 0 && st->enc == NULL)
		st->dense_width = 0;
	if (st->enc == NULL && st->args)
		loader_image_layout(st, slot);
}

/* what one row costs in the arrays loader_resize keeps */
static size_t
loader_row_bytes(LoaderState *st)
{
	size_t		bytes = sizeof(float) * (Max(st->dense_width, 1) + 1);

	for (int i = 0; i < st->ncolumns; i++)
		if (st->columns[i].kind == FEATURE_ONEHOT && st->enc == NULL)
			bytes += sizeof(int32);
	if (st->features_only)
		bytes += sizeof(char *);
	return bytes;
}

static void *
loader_realloc(LoaderState *st, void *p, size_t bytes)
{
	return p ? repalloc_huge(p, bytes) :
		MemoryContextAllocExtended(st->cxt, bytes, MCXT_ALLOC_HUGE);
}

/* every per-row array to hold capacity rows */
static void
loader_resize(LoaderState *st, int64 capacity)
{
	size_t		xbytes = sizeof(float) * capacity * Max(st->dense_width, 1);

	st->x = loader_realloc(st, st->x, xbytes);
	loader_advise_huge(st->x, xbytes);
	st->y = loader_realloc(st, st->y, sizeof(float) * capacity);
	for (int i = 0; i < st->ncolumns; i++)
		if (st->columns[i].kind == FEATURE_ONEHOT && st->enc == NULL)
			st->columns[i].codes = loader_realloc(st, st->columns[i].codes,
												  sizeof(int32) * capacity);
	if (st->features_only)
		st->keys = loader_realloc(st, st->keys, sizeof(char *) * capacity);
	st->capacity = capacity;
}

/*
 * Room for more rows: twice the capacity (at first the planner's estimate),
 * but never more than hptune.max_memory leaves, so that data which fits is
 * never refused; an error only when not one more row fits.
 */
static void
loader_grow(LoaderState *st)
{
	size_t		limit = (size_t) hptune_max_memory_kb * 1024;
	size_t		row_bytes = loader_row_bytes(st);
	int64		fits = st->other_bytes < limit ? (limit - st->other_bytes) / row_bytes : 0;
	int64		want = st->capacity ? st->capacity * 2 :
		Max(LOADER_INITIAL_ROWS, st->expected_rows + st->expected_rows / 16);

	if (fits <= st->nrows)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the %s data needs more memory than hptune.max_memory allows", st->what),
				 st->nrows == 0 ?
				 errdetail("One row of the %s query needs %zu bytes%s; hptune.max_memory is %d kB.",
						   st->what, row_bytes, st->other_bytes ? " besides the training data" : "",
						   hptune_max_memory_kb) :
				 errdetail("The %s query returned more than " INT64_FORMAT " rows, which need %zu kB at %zu bytes a row%s; hptune.max_memory is %d kB.",
						   st->what, st->nrows,
						   ((size_t) (st->nrows + 1) * row_bytes + st->other_bytes) / 1024 + 1,
						   row_bytes, st->other_bytes ? " besides the training data" : "",
						   hptune_max_memory_kb),
				 errhint(LOADER_MEMORY_HINT)));
	loader_resize(st, Min(want, fits));
}

static void
loader_null_error(LoaderState *st, const char *col, RowRef ref)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("column \"%s\" contains null", col),
			 errdetail("%s has a null in \"%s\".", encode_row_desc(ref), col),
			 errhint("Pass options => '{\"impute\": \"mean\"}' (or \"zero\") to fill nulls, or filter them out in the query.")));
}

static void
loader_label(LoaderState *st, TupleTableSlot *slot, RowRef ref)
{
	Datum		d = slot->tts_values[st->label_attno];
	float	   *y = &st->y[st->nrows];

	if (slot->tts_isnull[st->label_attno])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("label column \"%s\" contains null", st->label_name),
				 errdetail("%s has a null label.", encode_row_desc(ref)),
				 errhint("Filter rows without a label out of the query.")));
	if (st->task == TASK_REGRESSION)
	{
		*y = encode_datum_float(st->label_type, d, st->label_name);
		if (isnan(*y) || isinf(*y))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("label column \"%s\" contains NaN or infinity", st->label_name),
					 errdetail("%s has label %g.", encode_row_desc(ref), *y),
					 errhint("Filter such rows out of the query.")));
	}
	else
	{
		char		buf[MAXINT8LEN + 1];
		char	   *text;
		int32		code;

		/* integer labels (the common case) skip the type's output function */
		if (st->label_type == INT4OID || st->label_type == INT2OID || st->label_type == INT8OID)
		{
			int64		v = st->label_type == INT4OID ? DatumGetInt32(d) :
				st->label_type == INT2OID ? DatumGetInt16(d) : DatumGetInt64(d);

			pg_lltoa(v, buf);
			text = buf;
		}
		else
			text = encode_datum_text(st->label_type, d);
		code = st->enc ? vocab_lookup(st->classes, text) : vocab_add(st->classes, text);

		if (code < 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("label \"%s\" of the %s query does not occur in the training data",
							text, st->what),
					 errdetail("%s has label \"%s\".", encode_row_desc(ref), text),
					 errhint("Every class must appear in the training rows.")));
		*y = (float) code;
		if (text != buf)
			pfree(text);
	}
}

static bool
loader_receive(TupleTableSlot *slot, DestReceiver *self)
{
	LoaderState *st = (LoaderState *) self;
	RowRef		ref;
	int			width = Max(st->dense_width, 1);

	MemoryContext old;

	CHECK_FOR_INTERRUPTS();
	old = MemoryContextSwitchTo(st->rowcxt);
	slot_getallattrs(slot);
	if (st->nrows == 0 && st->capacity == 0)
		loader_layout(st, slot);
	width = Max(st->dense_width, 1);
	if (st->nrows == st->capacity)
		loader_grow(st);
	ref.what = st->what;
	ref.rowno = st->nrows + 1;

	for (int i = 0; i < st->ncolumns; i++)
	{
		LoaderColumn *c = &st->columns[i];
		const FeatureSpec *spec = st->enc ? &st->enc->features[i] : NULL;
		bool		isnull = slot->tts_isnull[c->attno];

		if (c->kind == FEATURE_ONEHOT)
		{
			int32		code = -1;

			if (isnull && !st->impute && !(spec && spec->has_impute))
				loader_null_error(st, c->name, ref);
			if (!isnull)
			{
				char	   *text = encode_datum_text(c->typid, slot->tts_values[c->attno]);

				code = st->enc ? vocab_lookup(c->vocab, text) : vocab_add(c->vocab, text);
				pfree(text);
			}
			if (st->enc)
			{
				float	   *row = st->x + st->nrows * width + spec->offset;

				memset(row, 0, sizeof(float) * spec->width);
				if (code >= 0)
					row[code] = 1.0f;
			}
			else
				c->codes[st->nrows] = code;
		}
		else
		{
			FeatureSpec f = {.name = c->name,.kind = c->kind,.width = c->width};
			float	   *dst = st->x + st->nrows * width + c->offset;

			if (!encode_dense(&f, c->typid, slot->tts_values[c->attno], isnull, dst, ref))
			{
				if (spec && spec->has_impute)
					for (int k = 0; k < c->width; k++)
						dst[k] = spec->impute_value;
				else if (!st->impute)
					loader_null_error(st, c->name, ref);
				c->has_null = true;
			}
			else if (st->impute && st->enc == NULL)
				for (int k = 0; k < c->width; k++)
				{
					c->sum += dst[k];
					c->count++;
				}
		}
	}
	if (st->label_attno >= 0)
		loader_label(st, slot, ref);
	if (st->features_only)
		st->keys[st->nrows] = st->key_attno < 0 ? NULL :
			slot->tts_isnull[st->key_attno] ? NULL :
			MemoryContextStrdup(st->cxt,
								encode_datum_text(TupleDescAttr(slot->tts_tupleDescriptor, st->key_attno)->atttypid,
												  slot->tts_values[st->key_attno]));
	st->nrows++;
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->rowcxt);
	return true;
}

static void
loader_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	LoaderState *st = (LoaderState *) self;
	MemoryContext old = MemoryContextSwitchTo(st->cxt);

	if (st->started)
		elog(ERROR, "loader started twice for one query");
	loader_setup_columns(st, typeinfo);
	st->started = true;
	MemoryContextSwitchTo(old);
}

static void
loader_noop(DestReceiver *self)
{
}

/* the planner's row estimate of a one-statement query, or 0 */
static int64
loader_estimate_rows(SPIPlanPtr plan)
{
	CachedPlan *cplan = SPI_plan_get_cached_plan(plan);
	int64		rows = 0;

	if (cplan == NULL)
		return 0;
	if (list_length(cplan->stmt_list) == 1)
	{
		PlannedStmt *stmt = linitial_node(PlannedStmt, cplan->stmt_list);

		if (stmt->planTree)
			rows = (int64) Min(stmt->planTree->plan_rows, 1e9);
	}
	ReleaseCachedPlan(cplan, NULL);	/* an unsaved plan has no resource owner */
	return rows;
}

static void
loader_run(LoaderState *st, const char *query)
{
	SPIExecuteOptions opts;
	SPIPlanPtr	plan;
	int			rc;

	st->pub.receiveSlot = loader_receive;
	st->pub.rStartup = loader_startup;
	st->pub.rShutdown = loader_noop;
	st->pub.rDestroy = loader_noop;
	st->pub.mydest = DestNone;

	st->cxt = CurrentMemoryContext;
	st->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "hptune loader row",
									   ALLOCSET_DEFAULT_SIZES);
	memset(&opts, 0, sizeof(opts));
	opts.read_only = false;
	opts.allow_nonatomic = false;
	opts.dest = &st->pub;
	SPI_connect();
	plan = query_prepare(query, st->what);
	st->expected_rows = loader_estimate_rows(plan);
	rc = SPI_execute_plan_extended(plan, &opts);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan_extended failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	MemoryContextDelete(st->rowcxt);
	st->rowcxt = NULL;
	if (!st->started)
		elog(ERROR, "the %s query started no result", st->what);
	/* give back what the estimate or the last doubling reserved in vain */
	if (st->capacity > st->nrows)
		loader_resize(st, Max(st->nrows, 1));
}

/*
 * Finishing the training data: sorted vocabularies, imputation, one-hot
 * blocks, and the encoding that travels with every model.
 */
static int
loader_cmp_numeric(const void *a, const void *b)
{
	double		x = strtod(*(char *const *) a, NULL);
	double		y = strtod(*(char *const *) b, NULL);

	return (x > y) - (x < y);
}

static int
loader_cmp_text(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* sort a vocabulary; returns old code -> new code */
static int32 *
loader_sort_vocab(Vocab *v, bool numeric, const char ***sorted)
{
	const char **words = palloc(sizeof(char *) * Max(v->n, 1));
	int32	   *remap = palloc(sizeof(int32) * Max(v->n, 1));

	memcpy(words, v->words, sizeof(char *) * v->n);
	qsort(words, v->n, sizeof(char *), numeric ? loader_cmp_numeric : loader_cmp_text);
	for (int i = 0; i < v->n; i++)
		remap[vocab_lookup(v, words[i])] = i;
	*sorted = words;
	return remap;
}

static DatasetEncoding *
loader_finish_training(LoaderState *st, Dataset *out)
{
	DatasetEncoding *enc = palloc0(sizeof(DatasetEncoding));
	int			ncols = st->dense_width;
	int			onehot_offset = st->dense_width;
	bool		has_onehot = false;

	enc->nfeatures = st->ncolumns;
	enc->features = palloc0(sizeof(FeatureSpec) * Max(st->ncolumns, 1));
	for (int i = 0; i < st->ncolumns; i++)
	{
		LoaderColumn *c = &st->columns[i];
		FeatureSpec *f = &enc->features[i];

		f->name = c->name;
		f->kind = c->kind;
		f->width = c->width;
		f->offset = c->offset;
		if (c->kind == FEATURE_ONEHOT)
		{
			int32	   *remap = loader_sort_vocab(c->vocab, false, &f->vocab);

			f->nvocab = c->vocab->n;
			f->width = c->vocab->n;
			f->offset = onehot_offset;
			onehot_offset += f->width;
			ncols += f->width;
			for (int64 r = 0; r < st->nrows; r++)
				if (c->codes[r] >= 0)
					c->codes[r] = remap[c->codes[r]];
			has_onehot = true;
		}
		if (st->impute)
		{
			f->has_impute = true;
			f->impute_value = (st->impute_mean && c->count > 0) ? (float) (c->sum / c->count) : 0.0f;
		}
	}
	if (ncols == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the training data has no feature values"),
				 errdetail("Every feature column is empty."),
				 errhint("Select at least one feature column with values.")));

	/* fill nulls of dense columns */
	for (int i = 0; i < st->ncolumns; i++)
	{
		LoaderColumn *c = &st->columns[i];

		if (!c->has_null || c->kind == FEATURE_ONEHOT)
			continue;
		for (int64 r = 0; r < st->nrows; r++)
		{
			float	   *p = st->x + r * st->dense_width + c->offset;

			for (int k = 0; k < c->width; k++)
				if (isnan(p[k]))
					p[k] = enc->features[i].impute_value;
		}
	}

	out->nrows = st->nrows;
	out->ncols = ncols;
	out->y = st->y;
	if (!has_onehot)
		out->x = st->x;
	else
	{
		loader_check_memory(dataset_bytes(st->nrows, ncols) + dataset_bytes(st->nrows, st->dense_width),
							"the training data", LOADER_MEMORY_HINT);
		out->x = palloc_extended(sizeof(float) * st->nrows * ncols, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		for (int64 r = 0; r < st->nrows; r++)
		{
			float	   *row = out->x + r * ncols;

			memcpy(row, st->x + r * st->dense_width, sizeof(float) * st->dense_width);
			for (int i = 0; i < st->ncolumns; i++)
				if (st->columns[i].kind == FEATURE_ONEHOT && st->columns[i].codes[r] >= 0)
					row[enc->features[i].offset + st->columns[i].codes[r]] = 1.0f;
		}
		pfree(st->x);
	}
	enc->ncols = ncols;
	if (st->task_by_count)
		loader_count_task(st);
	enc->task = st->task;
	enc->label_name = st->label_name;
	enc->label_type = format_type_be(st->label_type);
	if (st->task == TASK_CLASSIFICATION)
	{
		bool		numeric = st->label_type == INT2OID || st->label_type == INT4OID ||
			st->label_type == INT8OID || st->label_type == NUMERICOID ||
			st->label_type == FLOAT4OID || st->label_type == FLOAT8OID;
		int32	   *remap = loader_sort_vocab(st->classes, numeric, &enc->classes);

		enc->nclasses = st->classes->n;
		for (int64 r = 0; r < st->nrows; r++)
			out->y[r] = (float) remap[(int32) out->y[r]];
		if (enc->nclasses < 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("classification needs at least two classes"),
					 errdetail("Every training row has label \"%s\".", enc->classes[0]),
					 errhint("Check the label column, or pass options => '{\"task\": \"regression\"}'.")));
	}
	return enc;
}

/*
 * The task a metric name belongs to: a metric that training reports for one
 * task only, with or without "val_" ("loss" belongs to both).
 */
static bool
loader_metric_task(const char *name, TaskKind *task)
{
	const TaskKind tasks[2] = {TASK_CLASSIFICATION, TASK_REGRESSION};
	char	   *val = psprintf("val_%s", strncmp(name, "val_", 4) == 0 ? name + 4 : name);

	if (strcmp(val, "val_loss") == 0)
		return false;
	for (int t = 0; t < 2; t++)
	{
		int			n;
		const char **names = model_metric_names(tasks[t], 2, true, &n);

		for (int i = 0; i < n; i++)
			if (strcmp(names[i], val) == 0)
			{
				*task = tasks[t];
				return true;
			}
	}
	return false;
}

/* the objective, else the first built-in metric of options.metrics */
static void
loader_task_from_metrics(LoaderState *st, const char *objective, Jsonb *options)
{
	JsonbValue	v;

	if (objective && loader_metric_task(objective, &st->task))
	{
		st->task_metric = objective;
		return;
	}
	if (getKeyJsonValueFromContainer(&options->root, "metrics", 7, &v) &&
		v.type == jbvBinary && JsonContainerIsArray(v.val.binary.data))
	{
		JsonbIterator *it = JsonbIteratorInit(v.val.binary.data);
		JsonbValue	e;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
			if (tok == WJB_ELEM && e.type == jbvString)
			{
				char	   *name = pnstrdup(e.val.string.val, e.val.string.len);

				if (loader_metric_task(name, &st->task))
				{
					st->task_metric = name;
					st->task_metric_option = true;
					return;
				}
			}
	}
}

static void
loader_options(LoaderState *st, Jsonb *options)
{
	JsonbValue	v;

	if (getKeyJsonValueFromContainer(&options->root, "impute", 6, &v))
	{
		char	   *s = v.type == jbvString ? pnstrdup(v.val.string.val, v.val.string.len) : "";

		if (strcmp(s, "mean") != 0 && strcmp(s, "zero") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid impute option"),
					 errdetail("options.impute is %s.", JsonbToCString(NULL, &options->root, 0)),
					 errhint("Use \"mean\" or \"zero\".")));
		st->impute = true;
		st->impute_mean = strcmp(s, "mean") == 0;
	}
	if (getKeyJsonValueFromContainer(&options->root, "task", 4, &v))
	{
		char	   *s = v.type == jbvString ? pnstrdup(v.val.string.val, v.val.string.len) : "";

		if (strcmp(s, "classification") == 0)
			st->task = TASK_CLASSIFICATION;
		else if (strcmp(s, "regression") == 0)
			st->task = TASK_REGRESSION;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid task option"),
					 errdetail("options is %s.", JsonbToCString(NULL, &options->root, 0)),
					 errhint("Use \"classification\" or \"regression\".")));
		st->task_forced = true;
	}
}

static double
loader_seconds(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	return INSTR_TIME_GET_DOUBLE(now);
}

/*
 * Read a query with an existing encoding: the same columns by name, the
 * training vocabularies and imputation.  With features_only the label is
 * not needed (prediction) and key, if given, names a column whose text comes
 * back per row in *keys.
 */
static Dataset
loader_read_encoded(LoaderState *st, const char *query, const DatasetEncoding *enc)
{
	Dataset		d;

	st->enc = enc;
	st->task = enc->task;
	if (enc->task == TASK_CLASSIFICATION && !st->features_only)
		st->classes = vocab_from_words(enc->classes, enc->nclasses);
	loader_run(st, query);
	d.nrows = st->nrows;
	d.ncols = enc->ncols;
	d.x = st->x;
	d.y = st->y;
	return d;
}

/* validation data, evaluate(): features and labels */
Dataset
loader_load_encoded(const char *query, const char *what, const DatasetEncoding *enc,
					Jsonb *options, size_t other_bytes)
{
	LoaderState st;

	memset(&st, 0, sizeof(st));
	st.what = what;
	if (options)
		loader_options(&st, options);
	st.other_bytes = other_bytes;
	return loader_read_encoded(&st, query, enc);
}

/* predict_query(): features only, and the key column's text per row */
Dataset
loader_load_features(const char *query, const DatasetEncoding *enc, const char *key,
					 char ***keys)
{
	LoaderState st;
	Dataset		d;

	memset(&st, 0, sizeof(st));
	st.what = "prediction";
	st.features_only = true;
	st.key_name = key;
	d = loader_read_encoded(&st, query, enc);
	*keys = st.keys;
	return d;
}

/*
 * The training data of search, tune, fit and retrain, and the validation
 * data; objective (NULL: none) may decide the task.
 */
TrainData *
loader_load(const SearchArgs *args, const char *objective)
{
	TrainData  *data = palloc0(sizeof(TrainData));
	LoaderState st;
	instr_time	start;

	INSTR_TIME_SET_CURRENT(start);
	memset(&st, 0, sizeof(st));
	st.what = "training";
	st.args = args;
	loader_options(&st, args->options);
	if (!st.task_forced)
		loader_task_from_metrics(&st, objective, args->options);
	loader_run(&st, args->train);
	if (st.nrows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA),
				 errmsg("the training query returned no rows"),
				 errdetail("Query: %s", args->train),
				 errhint("Check the query's WHERE clause.")));
	data->enc = loader_finish_training(&st, &data->train);
	data->array_ndim = st.array_ndim;
	memcpy(data->array_dims, st.array_dims, sizeof(data->array_dims));

	if (args->validation)
		data->validation = loader_load_encoded(args->validation, "validation", data->enc,
											   args->options,
											   dataset_bytes(data->train.nrows, data->train.ncols));
	else if (args->has_validation_split)
	{
		int64		split_at = (int64) (data->train.nrows * (1.0 - args->validation_split));

		if (split_at < 1 || split_at >= data->train.nrows)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("validation_split leaves no rows on one side"),
					 errdetail("The training query returned " INT64_FORMAT " rows and validation_split is %g.",
							   data->train.nrows, args->validation_split),
					 errhint("Use more rows or another fraction.")));
		data->validation = dataset_slice(&data->train, split_at, data->train.nrows);
		data->train = dataset_slice(&data->train, 0, split_at);
	}
	data->load_seconds = loader_seconds(start);
	return data;
}
