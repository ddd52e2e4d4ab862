/*-------------------------------------------------------------------------
 *
 * shm_dataset.c
 *	  One copy of a search's training data for all its background workers.
 *
 * The calling session reads the train / validation queries once (its
 * snapshot, its temp tables) and places the result in the search's dynamic
 * shared memory segment (worker.c): the four float matrices as chunks of
 * their own, which the workers use in place without copying, and the rest
 * -- the encoding (features, vocabularies, classes), the custom metric
 * aggregates and the fit arguments -- flattened into one metadata chunk
 * that each worker unpacks into its own memory.  Workers only read the
 * segment.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "shm_dataset.h"

#define KEY_META	2
#define KEY_TRAIN_X 3
#define KEY_TRAIN_Y 4
#define KEY_VAL_X	5
#define KEY_VAL_Y	6

static void
put_int(StringInfo buf, int64 v)
{
	appendBinaryStringInfo(buf, (char *) &v, sizeof(v));
}

static void
put_float(StringInfo buf, float v)
{
	appendBinaryStringInfo(buf, (char *) &v, sizeof(v));
}

static void
put_str(StringInfo buf, const char *s)
{
	put_int(buf, s ? (int64) strlen(s) : -1);
	if (s)
		appendBinaryStringInfo(buf, s, strlen(s));
}

/* the metadata chunk: everything but the matrices */
static StringInfo
shm_dataset_meta(const TrainData *d, const SearchArgs *a)
{
	StringInfo	buf = makeStringInfo();
	const DatasetEncoding *enc = d->enc;

	put_int(buf, a->epochs);
	put_int(buf, a->batch_size);
	put_int(buf, a->hmopts.input_rank);
	for (int k = 0; k < 3; k++)
		put_int(buf, a->hmopts.input_shape[k]);
	put_int(buf, a->hmopts.classes);
	put_int(buf, a->hmopts.include_top);
	put_int(buf, d->array_ndim);
	for (int k = 0; k < 3; k++)
		put_int(buf, d->array_dims[k]);
	put_str(buf, JsonbToCString(NULL, &a->options->root, VARSIZE(a->options)));
	put_int(buf, d->train.nrows);
	put_int(buf, d->train.ncols);
	put_int(buf, d->validation.nrows);
	put_int(buf, d->validation.ncols);
	put_int(buf, enc->nfeatures);
	for (int i = 0; i < enc->nfeatures; i++)
	{
		const FeatureSpec *f = &enc->features[i];

		put_str(buf, f->name);
		put_int(buf, f->kind);
		put_int(buf, f->offset);
		put_int(buf, f->width);
		put_int(buf, f->nvocab);
		for (int v = 0; v < f->nvocab; v++)
			put_str(buf, f->vocab[v]);
		put_int(buf, f->has_impute);
		put_float(buf, f->impute_value);
	}
	put_int(buf, enc->ncols);
	put_int(buf, enc->task);
	put_str(buf, enc->label_name);
	put_str(buf, enc->label_type);
	put_int(buf, enc->nclasses);
	for (int c = 0; c < enc->nclasses; c++)
		put_str(buf, enc->classes ? enc->classes[c] : NULL);
	put_int(buf, d->ncustom);
	for (int c = 0; c < d->ncustom; c++)
	{
		put_int(buf, d->custom_aggs[c]);
		put_str(buf, d->custom_names[c]);
	}
	return buf;
}

static size_t
shm_dataset_floats(const Dataset *ds, bool x)
{
	return sizeof(float) * (x ? (size_t) ds->nrows * ds->ncols : (size_t) ds->nrows);
}

void
shm_dataset_estimate(shm_toc_estimator *e, const TrainData *d, const SearchArgs *a)
{
	StringInfo	meta = shm_dataset_meta(d, a);

	shm_toc_estimate_chunk(e, meta->len);
	shm_toc_estimate_chunk(e, shm_dataset_floats(&d->train, true));
	shm_toc_estimate_chunk(e, shm_dataset_floats(&d->train, false));
	shm_toc_estimate_chunk(e, shm_dataset_floats(&d->validation, true));
	shm_toc_estimate_chunk(e, shm_dataset_floats(&d->validation, false));
	shm_toc_estimate_keys(e, 5);
}

static void
shm_dataset_put(shm_toc *toc, uint64 key, const float *src, size_t bytes)
{
	void	   *dst = shm_toc_allocate(toc, Max(bytes, 1));

	if (bytes > 0)
		memcpy(dst, src, bytes);
	shm_toc_insert(toc, key, dst);
}

void
shm_dataset_store(shm_toc *toc, const TrainData *d, const SearchArgs *a)
{
	StringInfo	meta = shm_dataset_meta(d, a);
	char	   *dst = shm_toc_allocate(toc, meta->len);

	memcpy(dst, meta->data, meta->len);
	shm_toc_insert(toc, KEY_META, dst);
	shm_dataset_put(toc, KEY_TRAIN_X, d->train.x, shm_dataset_floats(&d->train, true));
	shm_dataset_put(toc, KEY_TRAIN_Y, d->train.y, shm_dataset_floats(&d->train, false));
	shm_dataset_put(toc, KEY_VAL_X, d->validation.x, shm_dataset_floats(&d->validation, true));
	shm_dataset_put(toc, KEY_VAL_Y, d->validation.y, shm_dataset_floats(&d->validation, false));
}

typedef struct Reader
{
	const char *p;
} Reader;

static int64
get_int(Reader *r)
{
	int64		v;

	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	return v;
}

static float
get_float(Reader *r)
{
	float		v;

	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	return v;
}

static char *
get_str(Reader *r)
{
	int64		len = get_int(r);
	char	   *s;

	if (len < 0)
		return NULL;
	s = pnstrdup(r->p, len);
	r->p += len;
	return s;
}

/*
 * The search's data and fit arguments as a worker sees them: the matrices
 * point into the segment, the rest is unpacked into the current context.
 */
bool
shm_dataset_attach(shm_toc *toc, TrainData **data, SearchArgs **args)
{
	Reader		r;
	TrainData  *d;
	SearchArgs *a;
	DatasetEncoding *enc;
	char	   *options;

	r.p = shm_toc_lookup(toc, KEY_META, true);
	if (r.p == NULL)
		return false;			/* an objective function's search: no data */
	d = palloc0(sizeof(TrainData));
	a = palloc0(sizeof(SearchArgs));
	enc = palloc0(sizeof(DatasetEncoding));
	a->epochs = get_int(&r);
	a->batch_size = get_int(&r);
	a->hmopts.input_rank = get_int(&r);
	for (int k = 0; k < 3; k++)
		a->hmopts.input_shape[k] = get_int(&r);
	a->hmopts.classes = get_int(&r);
	a->hmopts.include_top = get_int(&r);
	d->array_ndim = get_int(&r);
	for (int k = 0; k < 3; k++)
		d->array_dims[k] = get_int(&r);
	options = get_str(&r);
	a->options = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(options)));
	d->train.nrows = get_int(&r);
	d->train.ncols = get_int(&r);
	d->validation.nrows = get_int(&r);
	d->validation.ncols = get_int(&r);
	enc->nfeatures = get_int(&r);
	enc->features = palloc0(sizeof(FeatureSpec) * Max(enc->nfeatures, 1));
	for (int i = 0; i < enc->nfeatures; i++)
	{
		FeatureSpec *f = &enc->features[i];

		f->name = get_str(&r);
		f->kind = get_int(&r);
		f->offset = get_int(&r);
		f->width = get_int(&r);
		f->nvocab = get_int(&r);
		if (f->nvocab > 0)
		{
			const char **vocab = palloc(sizeof(char *) * f->nvocab);

			for (int v = 0; v < f->nvocab; v++)
				vocab[v] = get_str(&r);
			f->vocab = vocab;
		}
		f->has_impute = get_int(&r);
		f->impute_value = get_float(&r);
	}
	enc->ncols = get_int(&r);
	enc->task = get_int(&r);
	enc->label_name = get_str(&r);
	enc->label_type = get_str(&r);
	enc->nclasses = get_int(&r);
	if (enc->nclasses > 0)
	{
		const char **classes = palloc(sizeof(char *) * enc->nclasses);

		for (int c = 0; c < enc->nclasses; c++)
			classes[c] = get_str(&r);
		enc->classes = classes;
	}
	d->ncustom = get_int(&r);
	d->custom_aggs = palloc(sizeof(Oid) * Max(d->ncustom, 1));
	d->custom_names = palloc(sizeof(char *) * Max(d->ncustom, 1));
	for (int c = 0; c < d->ncustom; c++)
	{
		d->custom_aggs[c] = get_int(&r);
		d->custom_names[c] = get_str(&r);
	}
	d->enc = enc;
	d->train.x = shm_toc_lookup(toc, KEY_TRAIN_X, false);
	d->train.y = shm_toc_lookup(toc, KEY_TRAIN_Y, false);
	d->validation.x = shm_toc_lookup(toc, KEY_VAL_X, false);
	d->validation.y = shm_toc_lookup(toc, KEY_VAL_Y, false);
	*data = d;
	*args = a;
	return true;
}
