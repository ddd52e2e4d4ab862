/*-------------------------------------------------------------------------
 *
 * model_format.c
 *	  The model blob: a versioned, self-checking binary image of a Model and
 *	  the DatasetEncoding of its training data (pure C).
 *
 * Layout, every number little-endian, nothing aligned:
 *
 *	 header (24 bytes)
 *	   magic	u32		"HPTM"
 *	   version	u32		MODEL_FORMAT_VERSION
 *	   length	u64		payload bytes; the blob is header + payload exactly
 *	   crc		u32		CRC-32 (IEEE) of the payload
 *	   reserved u32		0
 *	 payload (version 2)
 *	   config	kind, num_layers, units[16], activation, optimizer,
 *				batch_size (u32); dropout_rate, learning_rate, momentum, l1,
 *				l2 (f64); normalize, shuffle (u8); seed (u64); then
 *				hypermodel_options: input_rank, input_shape[3], classes
 *				(u32), include_top (u8)
 *	   shape	task, ninputs, noutputs (u32)
 *	   graph	nlayers, output (u32); per layer: kind (u32), name (str),
 *				inputs[2] (i32, -1 for none), output rank, h, w, c,
 *				units, kernel[2], strides[2], padding, pad[4], groups,
 *				depth_multiplier, activation, init (u32), use_bias,
 *				regularized (u8), rate, momentum, epsilon (f64)
 *	   weights	nparams (u64); params (f32 x nparams); nstate (u64);
 *				state (f32 x nstate: BatchNormalization's moving means and
 *				variances); has_norm (u8) [mean, scale (f32 x ninputs)]
 *	   encoding nfeatures (u32), per feature: name (str), kind, offset,
 *				width, nvocab (u32), vocab (str x nvocab), has_impute (u8),
 *				impute_value (f32); then ncols, task (u32), label_name,
 *				label_type (str), nclasses (u32), classes (str x nclasses)
 *	 str = u32 length (0xFFFFFFFF for none) + bytes, no terminator
 *
 * Version 1 (hptune 0.2, Dense stacks only) has no options, no graph and
 * no state: its network is the mlp or linear graph its config builds.  It
 * is still read; every blob written is version 2.
 *
 * A stored graph is rebuilt through the graph.h builders, which check
 * every setting and shape as they do for a hypermodel, and each layer's
 * stored record must equal the record of the layer built from it, so what
 * was read re-serialises to the same bytes.
 *
 * The encoding is what the shell trusts when it encodes a row for the
 * network, so it is checked as strictly as the weights: kinds, widths
 * (numbers and booleans one column, one-hot features one per vocabulary
 * entry), and offsets laid out exactly as the loader lays them out (dense
 * features from column 0 in feature order, then one-hot features), so that
 * the features fill every input column exactly once; feature and label
 * names present and not empty; one class label per output.  What depends
 * on the server (text valid in the database encoding, distinct vocabulary
 * entries and labels, column types) the shell checks when it loads a blob
 * (src/predict.c).
 *
 * A blob comes from a table anyone with the right privileges can write, so
 * reading trusts nothing: model_deserialize parses twice.  The first pass
 * checks everything (header, checksum, every length against the bytes
 * left, every count and enum, the network's size against its config, that
 * weights and statistics are finite, that the encoding fits the model) and
 * allocates nothing; the second, which cannot fail, builds the Model and
 * the encoding (one allocation).  So a bad blob raises CORE_ERR_CORRUPTED
 * before any memory is taken, and never leaves half-built objects behind.
 * Parsing is canonical: re-serialising what was read gives the same bytes.
 *
 *-------------------------------------------------------------------------
 */
#include "core/model_format.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>


/* ---- CRC-32 (IEEE 802.3, reflected, as zlib) ---- */

static uint32_t format_crc_table[256];
static bool format_crc_ready = false;

uint32_t
model_format_crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t	crc = 0xFFFFFFFFu;

	if (!format_crc_ready)
	{
		for (uint32_t i = 0; i < 256; i++)
		{
			uint32_t	c = i;

			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			format_crc_table[i] = c;
		}
		format_crc_ready = true;
	}
	for (size_t i = 0; i < len; i++)
		crc = format_crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
	return crc ^ 0xFFFFFFFFu;
}

/* ---- writing ---- */


static uint8_t *
format_reserve(FormatWriter *w, size_t n)
{
	if (w->len + n > w->cap)
	{
		size_t		cap = w->cap * 2;

		if (cap < w->len + n)
			cap = w->len + n + 1024;
		w->buf = core_realloc(w->buf, cap);
		w->cap = cap;
	}
	w->len += n;
	return w->buf + w->len - n;
}

void
format_put_u64(FormatWriter *w, uint64_t v, int bytes)
{
	uint8_t    *p = format_reserve(w, bytes);

	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}


void
format_put_f64(FormatWriter *w, double d)
{
	uint64_t	bits;

	memcpy(&bits, &d, 8);
	format_put_u64(w, bits, 8);
}

void
format_put_floats(FormatWriter *w, const float *v, int64_t n)
{
	uint8_t    *p = format_reserve(w, (size_t) n * 4);

	for (int64_t i = 0; i < n; i++)
	{
		uint32_t	bits;

		memcpy(&bits, &v[i], 4);
		p[4 * i] = (uint8_t) bits;
		p[4 * i + 1] = (uint8_t) (bits >> 8);
		p[4 * i + 2] = (uint8_t) (bits >> 16);
		p[4 * i + 3] = (uint8_t) (bits >> 24);
	}
}

void
format_put_str(FormatWriter *w, const char *s)
{
	size_t		n;

	if (s == NULL)
	{
		format_put_u32(w, MODEL_FORMAT_NO_STRING);
		return;
	}
	n = strlen(s);
	if (n >= MODEL_FORMAT_NO_STRING)
		core_error(CORE_ERR_PROGRAM_LIMIT, "string too long for a model",
				   NULL, NULL);
	format_put_u32(w, n);
	memcpy(format_reserve(w, n), s, n);
}

/* a string the reader requires: refuse to write a blob it would reject */
static void
format_put_required_str(FormatWriter *w, const char *s, const char *what)
{
	if (s == NULL)
		core_error(CORE_ERR_INTERNAL, "incomplete dataset encoding",
				   core_psprintf("The encoding has no %s.", what), NULL);
	format_put_str(w, s);
}

static void
format_check_floats(const float *v, int64_t n, const char *what)
{
	for (int64_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			core_error(CORE_ERR_FLOATING_POINT, "model is not finite",
					   core_psprintf("The model's %s hold NaN or infinite values.", what),
					   "Keep the weights of an epoch whose loss was finite.");
}

/*
 * Where each feature's columns lie, as the loader lays them out: the dense
 * features (numbers, booleans, arrays) first, in feature order from column
 * 0, then the one-hot features in feature order.  Every input column
 * belongs to exactly one feature, so the row encoders, which write each
 * feature at its offset, fill the whole input and nothing else.  Checked
 * one feature at a time, so the reader needs no memory for it.
 */
typedef struct FormatLayout
{
	int64_t		dense_next;		/* where the next dense feature starts */
	int64_t		onehot_start;	/* first one-hot column, -1 before one */
	int64_t		onehot_next;	/* where the next one-hot feature starts */
} FormatLayout;

static void
format_layout_init(FormatLayout *l)
{
	l->dense_next = 0;
	l->onehot_start = -1;
	l->onehot_next = 0;
}

/* false when the feature does not start where the layout puts it */
static bool
format_layout_step(FormatLayout *l, FeatureKind kind, int offset, int width,
				   int64_t *expected)
{
	if (kind != FEATURE_ONEHOT)
	{
		*expected = l->dense_next;
		l->dense_next += width;
	}
	else
	{
		if (l->onehot_start < 0)
			l->onehot_start = l->onehot_next = offset;
		*expected = l->onehot_next;
		l->onehot_next += width;
	}
	return offset == *expected;
}

/* false when the features do not fill exactly the ncols input columns */
static bool
format_layout_complete(const FormatLayout *l, int ncols)
{
	if (l->onehot_start < 0)
		return l->dense_next == ncols;
	return l->onehot_start == l->dense_next && l->onehot_next == ncols;
}

/*
 * The reader's structural rules, applied before writing, so that a loader
 * bug shows when a model is saved, not later as a "corrupted" model.
 */
static void
format_check_encoding(const DatasetEncoding *enc, const Model *m)
{
	const char *problem = NULL;
	FormatLayout layout;

	if (enc->ncols != m->ninputs || enc->task != m->task)
		problem = "its width or task differs from the model's";
	else if (enc->nfeatures < 0 || enc->nfeatures > enc->ncols ||
			 (enc->nfeatures > 0 && enc->features == NULL))
		problem = "its feature list is invalid";
	else if (enc->nclasses < 0 || (enc->nclasses > 0 && enc->classes == NULL) ||
			 (m->task == TASK_CLASSIFICATION && enc->nclasses != m->noutputs))
		problem = "its class list does not match the model's outputs";
	else if (enc->label_name == NULL || enc->label_name[0] == '\0')
		problem = "it has no label name";
	format_layout_init(&layout);
	for (int f = 0; problem == NULL && f < enc->nfeatures; f++)
	{
		const FeatureSpec *fs = &enc->features[f];
		int64_t		expected;

		if (fs->name == NULL || fs->name[0] == '\0' ||
			(unsigned) fs->kind > FEATURE_ONEHOT || fs->width < 1 ||
			fs->offset < 0 || (int64_t) fs->offset + fs->width > enc->ncols ||
			((fs->kind == FEATURE_NUMERIC || fs->kind == FEATURE_BOOLEAN) && fs->width != 1) ||
			(fs->kind == FEATURE_ONEHOT ? fs->nvocab != fs->width : fs->nvocab != 0) ||
			(fs->nvocab > 0 && fs->vocab == NULL) ||
			!isfinite(fs->impute_value) ||
			!format_layout_step(&layout, fs->kind, fs->offset, fs->width, &expected))
			problem = core_psprintf("feature %d is inconsistent", f + 1);
	}
	if (problem == NULL && !format_layout_complete(&layout, enc->ncols))
		problem = "its features do not fill the model's inputs";
	if (problem)
		core_error(CORE_ERR_INTERNAL, "dataset encoding does not describe the model",
				   core_psprintf("The encoding cannot be saved: %s.", problem), NULL);
}

static void
format_write_encoding(FormatWriter *w, const DatasetEncoding *enc)
{
	format_put_u32(w, enc->nfeatures);
	for (int f = 0; f < enc->nfeatures; f++)
	{
		const FeatureSpec *fs = &enc->features[f];

		format_put_required_str(w, fs->name, "feature name");
		format_put_u32(w, fs->kind);
		format_put_u32(w, fs->offset);
		format_put_u32(w, fs->width);
		format_put_u32(w, fs->nvocab);
		for (int v = 0; v < fs->nvocab; v++)
			format_put_required_str(w, fs->vocab[v], "vocabulary entry");
		format_put_u8(w, fs->has_impute ? 1 : 0);
		format_put_floats(w, &fs->impute_value, 1);
	}
	format_put_u32(w, enc->ncols);
	format_put_u32(w, enc->task);
	format_put_required_str(w, enc->label_name, "label name");
	format_put_str(w, enc->label_type);
	format_put_u32(w, enc->nclasses);
	for (int c = 0; c < enc->nclasses; c++)
		format_put_required_str(w, enc->classes[c], "class label");
}

void *
model_serialize(const Model *m, const DatasetEncoding *enc, size_t *len)
{
	FormatWriter w = {NULL, 0, 0};
	const ModelConfig *c = &m->config;
	uint64_t	payload;
	uint8_t    *h;

	format_check_encoding(enc, m);
	format_check_floats(m->params, m->nparams, "weights");
	if (m->state)
		format_check_floats(m->state, m->nstate, "moving statistics");
	if (m->norm_mean)
	{
		format_check_floats(m->norm_mean, m->ninputs, "input means");
		format_check_floats(m->norm_scale, m->ninputs, "input scales");
	}
	w.cap = MODEL_FORMAT_HEADER + 512 + (size_t) m->nparams * 4 +
		(size_t) m->nstate * 4 + (size_t) m->graph->nlayers * 200 +
		(m->norm_mean ? (size_t) m->ninputs * 8 : 0);
	w.buf = core_alloc_raw(w.cap);
	format_reserve(&w, MODEL_FORMAT_HEADER);

	format_put_u32(&w, c->kind);
	format_put_u32(&w, c->num_layers);
	for (int i = 0; i < MODEL_MAX_LAYERS; i++)
		format_put_u32(&w, c->units[i]);
	format_put_u32(&w, c->activation);
	format_put_u32(&w, c->optimizer);
	format_put_u32(&w, c->batch_size);
	format_put_f64(&w, c->dropout_rate);
	format_put_f64(&w, c->learning_rate);
	format_put_f64(&w, c->momentum);
	format_put_f64(&w, c->l1);
	format_put_f64(&w, c->l2);
	format_put_u8(&w, c->normalize ? 1 : 0);
	format_put_u8(&w, c->shuffle ? 1 : 0);
	format_put_u64(&w, c->seed, 8);
	format_put_u32(&w, c->options.input_rank);
	for (int i = 0; i < 3; i++)
		format_put_u32(&w, c->options.input_shape[i]);
	format_put_u32(&w, c->options.classes);
	format_put_u8(&w, c->options.include_top ? 1 : 0);

	format_put_u32(&w, m->task);
	format_put_u32(&w, m->ninputs);
	format_put_u32(&w, m->noutputs);
	format_write_graph(&w, m->graph);
	format_put_u64(&w, (uint64_t) m->nparams, 8);
	format_put_floats(&w, m->params, m->nparams);
	format_put_u64(&w, (uint64_t) m->nstate, 8);
	format_put_floats(&w, m->state, m->nstate);
	format_put_u8(&w, m->norm_mean ? 1 : 0);
	if (m->norm_mean)
	{
		format_put_floats(&w, m->norm_mean, m->ninputs);
		format_put_floats(&w, m->norm_scale, m->ninputs);
	}
	format_write_encoding(&w, enc);

	/* the header, now that the payload is known */
	payload = w.len - MODEL_FORMAT_HEADER;
	h = w.buf;
	for (int i = 0; i < 4; i++)
	{
		h[i] = (uint8_t) (MODEL_FORMAT_MAGIC >> (8 * i));
		h[4 + i] = (uint8_t) (MODEL_FORMAT_VERSION >> (8 * i));
		h[16 + i] = (uint8_t) (model_format_crc32(w.buf + MODEL_FORMAT_HEADER,
												  payload) >> (8 * i));
		h[20 + i] = 0;
	}
	for (int i = 0; i < 8; i++)
		h[8 + i] = (uint8_t) (payload >> (8 * i));
	*len = w.len;
	return w.buf;
}

/* ---- reading ---- */


/*
 * Reject the blob.  The detail is formatted into a static buffer, not
 * allocated, so that a rejected blob costs no memory at all (the host
 * copies the texts of an error before anything else runs).
 */
void
format_corrupt(const char *fmt,...)
{
	va_list		ap;
	const char *detail;

	va_start(ap, fmt);
	detail = model_vdetail(fmt, ap);
	va_end(ap);
	core_error(CORE_ERR_CORRUPTED, "invalid model data", detail,
			   "The stored model is damaged or was not written by hptune; train it again.");
}

const uint8_t *
format_take(FormatReader *r, uint64_t n, const char *what)
{
	const uint8_t *p;

	if (n > r->len - r->pos)
		format_corrupt("The data ends inside %s (%zu bytes left, %llu needed).",
									 what, r->len - r->pos,
									 (unsigned long long) n);
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

uint64_t
format_get(FormatReader *r, int bytes, const char *what)
{
	const uint8_t *p = format_take(r, bytes, what);
	uint64_t	v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t) p[i] << (8 * i);
	return v;
}

/* a u32 that must be at most max */
uint32_t
format_get_count(FormatReader *r, uint32_t max, const char *what)
{
	uint32_t	v = (uint32_t) format_get(r, 4, what);

	if (v > max)
		format_corrupt("The %s is %u; at most %u is valid.",
									 what, v, max);
	return v;
}

bool
format_get_bool(FormatReader *r, const char *what)
{
	uint64_t	v = format_get(r, 1, what);

	if (v > 1)
		format_corrupt("The %s is %u; it must be 0 or 1.",
									 what, (unsigned) v);
	return v == 1;
}

double
format_get_f64(FormatReader *r, const char *what)
{
	uint64_t	bits = format_get(r, 8, what);
	double		d;

	memcpy(&d, &bits, 8);
	return d;
}

/* n floats, all finite (and positive if asked); copied to out if given */
void
format_get_floats(FormatReader *r, float *out, uint64_t n, bool positive,
				  const char *what)
{
	const uint8_t *p;

	if (n > (r->len - r->pos) / 4)
		format_corrupt("The data ends inside the %s (%llu values declared).",
									 what, (unsigned long long) n);
	p = format_take(r, n * 4, what);
	for (uint64_t i = 0; i < n; i++)
	{
		uint32_t	bits = p[4 * i] | (p[4 * i + 1] << 8) | (p[4 * i + 2] << 16) |
			((uint32_t) p[4 * i + 3] << 24);
		float		f;

		memcpy(&f, &bits, 4);
		if (!isfinite(f))
			format_corrupt("The %s hold a value that is not finite.", what);
		if (positive && !(f > 0.0f))
			format_corrupt("The %s hold a value that is not positive.", what);
		if (out)
			out[i] = f;
	}
}

/* a string: counted on the first pass, copied out on the second */
static const char *
format_get_str(FormatReader *r, bool nullable, const char *what)
{
	uint32_t	n = (uint32_t) format_get(r, 4, what);
	const uint8_t *p;
	char	   *s;

	if (n == MODEL_FORMAT_NO_STRING)
	{
		if (!nullable)
			format_corrupt("The %s is missing.", what);
		return NULL;
	}
	p = format_take(r, n, what);
	r->last_str_len = n;
	if (memchr(p, '\0', n) != NULL)
		format_corrupt("The %s contains a zero byte.", what);
	if (!r->build)
	{
		r->char_bytes += (size_t) n + 1;
		return NULL;
	}
	s = r->char_next;
	memcpy(s, p, n);
	s[n] = '\0';
	r->char_next += (size_t) n + 1;
	return s;
}

/* whether the string format_get_str read last was empty ("") */
static bool
format_last_str_empty(const FormatReader *r)
{
	return r->last_str_len == 0;
}

/* room for n items of size bytes among the encoding's structs */
static void *
format_carve(FormatReader *r, size_t n, size_t size)
{
	void	   *p;

	if (!r->build)
	{
		r->ptr_bytes += n * size;
		return NULL;
	}
	p = r->ptr_next;
	r->ptr_next += n * size;
	return p;
}

static void
format_read_config(FormatReader *r, ModelConfig *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = (HyperModelKind) format_get_count(r, r->version == MODEL_FORMAT_VERSION_DENSE
												? HYPERMODEL_LINEAR : hypermodel_count - 1,
												"hypermodel kind");
	c->num_layers = format_get_count(r, MODEL_MAX_LAYERS, "layer count");
	for (int i = 0; i < MODEL_MAX_LAYERS; i++)
		c->units[i] = format_get_count(r, MODEL_MAX_UNITS, "unit count");
	c->activation = (Activation) format_get_count(r, ACT_LINEAR, "activation");
	c->optimizer = (OptimizerKind) format_get_count(r, OPT_ADAMW, "optimizer");
	c->batch_size = format_get_count(r, MODEL_MAX_BATCH_SIZE, "batch size");
	c->dropout_rate = format_get_f64(r, "dropout rate");
	c->learning_rate = format_get_f64(r, "learning rate");
	c->momentum = format_get_f64(r, "momentum");
	c->l1 = format_get_f64(r, "l1 penalty");
	c->l2 = format_get_f64(r, "l2 penalty");
	c->normalize = format_get_bool(r, "normalize flag");
	c->shuffle = format_get_bool(r, "shuffle flag");
	c->seed = format_get(r, 8, "seed");
	c->options.include_top = true;
	if (r->version >= MODEL_FORMAT_VERSION)
	{
		c->options.input_rank = format_get_count(r, 3, "input rank");
		if (c->options.input_rank == 2)
			format_corrupt("The input rank is 2; it must be 0, 1 or 3.");
		for (int i = 0; i < 3; i++)
			c->options.input_shape[i] = format_get_count(r, GRAPH_MAX_DIM, "input dimension");
		c->options.classes = format_get_count(r, MODEL_MAX_UNITS, "class count");
		c->options.include_top = format_get_bool(r, "include_top flag");
	}
	model_check_config(c, CORE_ERR_CORRUPTED);
}

static void
format_read_feature(FormatReader *r, FeatureSpec *fs, int ncols_limit,
					int number, FormatLayout *layout)
{
	FeatureSpec tmp;
	const char **vocab;
	int64_t		expected;

	memset(&tmp, 0, sizeof(tmp));
	tmp.name = format_get_str(r, false, "feature name");
	if (format_last_str_empty(r))
		format_corrupt("Feature %d has an empty name.", number);
	tmp.kind = (FeatureKind) format_get_count(r, FEATURE_ONEHOT, "feature kind");
	tmp.offset = format_get_count(r, ncols_limit, "feature offset");
	tmp.width = format_get_count(r, ncols_limit, "feature width");
	tmp.nvocab = format_get_count(r, ncols_limit, "vocabulary size");
	if (tmp.width < 1 || (int64_t) tmp.offset + tmp.width > ncols_limit)
		format_corrupt("Feature %d fills columns %d to %d of %d.", number,
					   tmp.offset + 1, tmp.offset + tmp.width, ncols_limit);
	if ((tmp.kind == FEATURE_NUMERIC || tmp.kind == FEATURE_BOOLEAN) && tmp.width != 1)
		format_corrupt("Feature %d (%s) is %d columns wide; a number or boolean is not wider than one column.",
					   number, dataset_feature_kind_words(tmp.kind), tmp.width);
	if (tmp.kind == FEATURE_ONEHOT && tmp.nvocab != tmp.width)
		format_corrupt("Feature %d (text or an enum) has %d vocabulary entries; its width is %d.",
					   number, tmp.nvocab, tmp.width);
	if (tmp.kind != FEATURE_ONEHOT && tmp.nvocab != 0)
		format_corrupt("Feature %d (%s) has a vocabulary; only a text or enum feature has one.",
					   number, dataset_feature_kind_words(tmp.kind));
	if (!format_layout_step(layout, tmp.kind, tmp.offset, tmp.width, &expected))
		format_corrupt("Feature %d (%s) starts at column %d; the layout puts it at column %lld.",
					   number, dataset_feature_kind_words(tmp.kind), tmp.offset + 1,
					   (long long) expected + 1);
	vocab = format_carve(r, tmp.nvocab, sizeof(char *));
	for (int v = 0; v < tmp.nvocab; v++)
	{
		const char *s = format_get_str(r, false, "vocabulary entry");

		if (vocab)
			vocab[v] = s;
	}
	tmp.vocab = tmp.nvocab > 0 ? vocab : NULL;
	tmp.has_impute = format_get_bool(r, "impute flag");
	format_get_floats(r, &tmp.impute_value, 1, false, "impute value");
	if (fs)
		*fs = tmp;
}

/*
 * The encoding; enc is NULL on the first pass.  ninputs/noutputs/task are
 * the model's, which the encoding must match.
 */
static void
format_read_encoding(FormatReader *r, DatasetEncoding *enc, const Model *m)
{
	DatasetEncoding tmp;
	FeatureSpec *features;
	const char **classes;
	FormatLayout layout;

	memset(&tmp, 0, sizeof(tmp));
	format_layout_init(&layout);
	tmp.nfeatures = format_get_count(r, (uint32_t) m->ninputs, "feature count");
	features = format_carve(r, tmp.nfeatures, sizeof(FeatureSpec));
	for (int f = 0; f < tmp.nfeatures; f++)
		format_read_feature(r, features ? &features[f] : NULL, m->ninputs,
							f + 1, &layout);
	if (!format_layout_complete(&layout, m->ninputs))
		format_corrupt("The features do not fill the model's %d inputs exactly once.",
					   m->ninputs);
	tmp.features = features;
	tmp.ncols = format_get_count(r, INT32_MAX, "column count");
	tmp.task = (TaskKind) format_get_count(r, TASK_REGRESSION, "task");
	tmp.label_name = format_get_str(r, false, "label name");
	if (format_last_str_empty(r))
		format_corrupt("The label name is empty.");
	tmp.label_type = format_get_str(r, true, "label type");
	tmp.nclasses = format_get_count(r, MODEL_MAX_UNITS, "class count");
	if (tmp.ncols != m->ninputs)
		format_corrupt("The encoding has %d columns; the model has %d inputs.",
									 tmp.ncols, m->ninputs);
	if (tmp.task != m->task ||
		(m->task == TASK_CLASSIFICATION && tmp.nclasses != m->noutputs))
		format_corrupt("The encoding's task or classes do not match the model's outputs.");
	classes = format_carve(r, tmp.nclasses, sizeof(char *));
	for (int c = 0; c < tmp.nclasses; c++)
	{
		const char *s = format_get_str(r, false, "class label");

		if (classes)
			classes[c] = s;
	}
	tmp.classes = tmp.nclasses > 0 ? classes : NULL;
	if (enc)
		*enc = tmp;
}

/* the network of a payload: a stored graph, or the v1 dense config's */
static void
format_read_network(FormatReader *r, Model *m, const ModelConfig *c,
					TaskKind task, uint32_t ninputs, uint32_t noutputs)
{
	Graph	   *g;

	if (r->build)
		g = graph_create();
	else
		g = format_probe_graph();
	if (r->version == MODEL_FORMAT_VERSION_DENSE)
	{
		m->graph = g;
		model_layout(m, c, task, (int) ninputs, (int) noutputs, CORE_ERR_CORRUPTED);
	}
	else
	{
		model_check_config(c, CORE_ERR_CORRUPTED);
		g->fail_code = CORE_ERR_CORRUPTED;
		format_read_graph(r, g);
		g->fail_code = CORE_ERR_INVALID_PARAMETER;
		m->config = *c;
		m->task = task;
		m->graph = g;
		m->ninputs = (int) ninputs;
		m->noutputs = (int) noutputs;
		m->nparams = g->nparams;
		m->nstate = g->nstate;
		if (graph_shape_size(g->layers[0].out) != ninputs ||
			graph_shape_size(g->layers[g->output].out) != noutputs)
			format_corrupt("The graph's input or output size differs from the model's %u inputs and %u outputs.",
						   ninputs, noutputs);
	}
}

/*
 * The whole payload: pass 1 (build false) checks it into a scratch Model;
 * pass 2 fills m and returns the encoding carved from the reader's block.
 */
static DatasetEncoding *
format_read_payload(FormatReader *r, Model *m)
{
	DatasetEncoding *enc;
	ModelConfig c;
	TaskKind	task;
	uint32_t	ninputs,
				noutputs;
	uint64_t	nparams;
	uint64_t	nstate = 0;
	bool		has_norm;

	format_read_config(r, &c);
	task = (TaskKind) format_get_count(r, TASK_REGRESSION, "task");
	ninputs = format_get_count(r, INT32_MAX, "input count");
	noutputs = format_get_count(r, MODEL_MAX_UNITS, "output count");
	if (ninputs < 1 || noutputs < 1)
		format_corrupt("The model has %u inputs and %u outputs.", ninputs, noutputs);
	if (task == TASK_REGRESSION && noutputs != 1)
		format_corrupt("A regression model must have one output.");
	format_read_network(r, m, &c, task, ninputs, noutputs);
	m->nclasses = task == TASK_CLASSIFICATION ? (int) noutputs : 0;
	nparams = format_get(r, 8, "parameter count");
	if ((uint64_t) m->nparams != nparams)
		format_corrupt("The model declares %llu parameters; its layers have %lld.",
									 (unsigned long long) nparams,
									 (long long) m->nparams);
	if (r->build)
		model_alloc_params(m);
	format_get_floats(r, r->build ? m->params : NULL, nparams, false, "weights");
	if (r->version != MODEL_FORMAT_VERSION_DENSE)
	{
		nstate = format_get(r, 8, "state count");
		if ((uint64_t) m->nstate != nstate)
			format_corrupt("The model declares %llu moving statistics; its layers have %lld.",
						   (unsigned long long) nstate, (long long) m->nstate);
		format_get_floats(r, r->build ? m->state : NULL, nstate, false,
						  "moving statistics");
	}
	has_norm = format_get_bool(r, "normalisation flag");
	if (has_norm && !c.normalize)
		format_corrupt("The model holds input statistics but does not normalise.");
	if (has_norm)
	{
		if (r->build)
		{
			m->norm_mean = core_alloc_raw(ninputs * sizeof(float));
			m->norm_scale = core_alloc_raw(ninputs * sizeof(float));
		}
		format_get_floats(r, m->norm_mean, ninputs, false, "input means");
		format_get_floats(r, m->norm_scale, ninputs, true, "input scales");
	}
	enc = format_carve(r, 1, sizeof(DatasetEncoding));
	format_read_encoding(r, enc, m);
	if (r->pos != r->len)
		format_corrupt("%zu bytes follow the model.", r->len - r->pos);
	return enc;
}

static uint32_t
format_check_header(const uint8_t *p, size_t len)
{
	uint32_t	magic,
				version,
				crc;
	uint64_t	payload;

	if (p == NULL || len < MODEL_FORMAT_HEADER)
		format_corrupt("The data is %zu bytes long, shorter than a model header.", len);
	magic = p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24);
	version = p[4] | (p[5] << 8) | (p[6] << 16) | ((uint32_t) p[7] << 24);
	payload = 0;
	for (int i = 0; i < 8; i++)
		payload |= (uint64_t) p[8 + i] << (8 * i);
	crc = p[16] | (p[17] << 8) | (p[18] << 16) | ((uint32_t) p[19] << 24);
	if (magic != MODEL_FORMAT_MAGIC)
		format_corrupt("The data does not start with the model magic number.");
	if (version != MODEL_FORMAT_VERSION && version != MODEL_FORMAT_VERSION_DENSE)
		format_corrupt("The model format version is %u; this build reads versions %d and %d.",
					   version, MODEL_FORMAT_VERSION_DENSE, MODEL_FORMAT_VERSION);
	if (p[20] | p[21] | p[22] | p[23])
		format_corrupt("The header's reserved bytes are not zero.");
	if (payload != len - MODEL_FORMAT_HEADER)
		format_corrupt("The header declares %llu payload bytes; %zu are present.",
									 (unsigned long long) payload,
									 len - MODEL_FORMAT_HEADER);
	if (model_format_crc32(p + MODEL_FORMAT_HEADER, payload) != crc)
		format_corrupt("The checksum does not match the contents.");
	return version;
}

Model *
model_deserialize(const void *buf, size_t len, DatasetEncoding **enc)
{
	FormatReader r;
	Model		probe;
	Model	   *m;
	char	   *block;
	DatasetEncoding *decoded;

	uint32_t	version = format_check_header(buf, len);

	/* pass 1: check everything, allocate nothing */
	memset(&r, 0, sizeof(r));
	r.version = version;
	r.p = buf;
	r.pos = MODEL_FORMAT_HEADER;
	r.len = len;
	memset(&probe, 0, sizeof(probe));
	(void) format_read_payload(&r, &probe);

	/* pass 2: build */
	block = core_alloc_raw(r.ptr_bytes + r.char_bytes);
	r.ptr_next = block;
	r.char_next = block + r.ptr_bytes;
	r.pos = MODEL_FORMAT_HEADER;
	r.build = true;
	m = core_alloc(sizeof(Model));
	decoded = format_read_payload(&r, m);
	if (enc)
		*enc = decoded;
	else
		core_free(block);
	return m;
}
